// Browser replica benchmark (`./dev bench replica`): the W1 (or, with
// `EZLIFT_BENCH_ACCOUNT=w3`, W3) heavy user's initial pull (the
// sync-server benchmark's data set) during a new device's real first sync in headless
// Chromium with an on-disk profile; then a cold start of a tab on that replica and edits
// committed on it; and a raw IndexedDB bulk put of the same records, one value per record,
// in the same browser. Prints a markdown table.
//
// The app times itself with `performance` entries: `ezlift:apply-pull:<records>` around a
// pull's apply and commit, `ezlift:open` for opening the replica into memory,
// `ezlift:commit` per edit, and a mark `ezlift:heap:<bytes>` with the wasm heap.
import { chromium } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { releaseServerEnv } from '../release-server.cjs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const port = Number(process.env.EZLIFT_BENCH_PORT ?? 3200);
const base = `http://127.0.0.1:${port}`;
const runs = Number(process.env.EZLIFT_BENCH_RUNS ?? 3);
// The account measured: W1 (1,000 sessions, 31k records) or W3 (5,000 sessions, 155k).
const account = (process.env.EZLIFT_BENCH_ACCOUNT ?? 'w1').toLowerCase();
if (!['w1', 'w3'].includes(account)) throw new Error(`EZLIFT_BENCH_ACCOUNT: w1 or w3, not ${account}`);
const W = account.toUpperCase();
const databaseUrl =
  process.env.EZLIFT_BENCH_DATABASE_URL ??
  `sqlite://${mkdtempSync(path.join(tmpdir(), 'ezlift-bench-'))}/bench.db`;

const server = spawn(path.join(root, 'target/release/server'), [], {
  cwd: root,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, ...releaseServerEnv(port, databaseUrl) },
});

async function waitForServer() {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not start');
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(1)} ms`;

/** Raw IndexedDB: the pull's records put as received, one transaction, no bookkeeping. */
async function rawPut(page, withIndexes) {
  return page.evaluate(async (withIndexes) => {
    const body = await (await fetch('/api/sync/pull-changes?schemaVersion=1')).json();
    const tables = Object.keys(body.changes);
    const parents = {
      routine_workouts: ['routine_id', 'workout_id'],
      workout_exercise: ['workout_id'],
      workout_exercise_sets: ['workout_exercise_id'],
      log_exercise: ['log_id'],
      log_exercise_sets: ['log_exercise_id'],
    };
    const name = `raw-bench-${Math.random().toString(36).slice(2)}`;
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open(name, 1);
      open.onupgradeneeded = () => {
        for (const t of tables) {
          const store = open.result.createObjectStore(t, { keyPath: 'id' });
          if (withIndexes) {
            store.createIndex('_status', '_status');
            for (const column of parents[t] ?? []) store.createIndex(column, column);
          }
        }
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    let records = 0;
    const start = performance.now();
    const tx = db.transaction(tables, 'readwrite');
    for (const t of tables) {
      const store = tx.objectStore(t);
      for (const record of body.changes[t].created) {
        store.put(withIndexes ? { ...record, _status: 'synced', _changed: '' } : record);
        records += 1;
      }
    }
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    const duration = performance.now() - start;
    db.close();
    indexedDB.deleteDatabase(name);
    return { records, duration };
  }, withIndexes);
}

/** Real WatermelonDB for the browser, bundled once per run of the benchmark. */
function bundleWatermelon() {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'ezlift-wm-bundle-')), 'watermelon.js');
  execFileSync(path.join(root, 'end2end/node_modules/.bin/esbuild'), [
    path.join(root, 'end2end/bench/watermelon-browser.js'),
    '--bundle',
    '--format=iife',
    '--define:process.env.NODE_ENV="production"',
    '--define:global=window',
    '--log-level=warning',
    `--outfile=${out}`,
  ]);
  const bundle = readFileSync(out, 'utf8');
  rmSync(path.dirname(out), { recursive: true, force: true });
  return bundle;
}

async function main() {
  await waitForServer();
  const email = `bench-${Date.now()}@example.com`;
  const signup = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'benchmark-password' }),
  });
  const { token } = await signup.json();
  process.stderr.write(`seeding ${W} …\n`);
  execFileSync(path.join(root, 'target/release/bench'), [`seed-${account}`, base, token], {
    stdio: 'inherit',
  });

  const watermelonBundle = bundleWatermelon();
  const watermelonApply = async (page) => {
    await page.goto(`${base}/healthz`); // same origin, none of our code
    await page.addScriptTag({ content: watermelonBundle });
    return page.evaluate(async () => {
      const schema = await (await fetch('/api/sync/schema')).json();
      const pull = await (await fetch('/api/sync/pull-changes?schemaVersion=1')).text();
      return window.watermelonApply(schema, pull);
    });
  };
  const watermelon = [];
  const watermelonParsed = [];
  const apply = [];
  const toSynced = [];
  const coldOpen = [];
  const coldReady = [];
  const commits = [];
  const tickFrames = [];
  const tickCommits = [];
  const finishes = [];
  const dashboardWarm = [];
  const dashboardCold = [];
  const dashboardUpdate = [];
  const dashboardCompute = [];
  const dashboardAcross = [];
  const raw = [];
  const rawIndexed = [];
  let records = 0;
  let heap = 0;
  for (let run = 0; run < runs; run++) {
    // An on-disk profile, as users have: in an ordinary context IndexedDB stays in memory.
    const profile = mkdtempSync(path.join(os.tmpdir(), 'ezlift-bench-profile-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      serviceWorkers: 'block',
      // WatermelonDB's bundle is injected into a same-origin page of ours (`/healthz`),
      // whose Content-Security-Policy forbids inline scripts.
      bypassCSP: true,
    });
    try {
      await context.addCookies([{ name: 'ezlift_session', value: token, url: base }]);
      const page = await context.newPage();
      const synced = () =>
        page.getByTestId('sync-status').and(page.locator('[data-state="synced"]')).waitFor({ timeout: 300_000 });
      await page.goto(`${base}/programs`);
      await synced();
      // The app's own measure: from the pull's body received to the frame after "Synced".
      const arrivedToSynced = await page.waitForFunction(
        () => performance.getEntriesByName('ezlift:pull-to-synced')[0]?.duration,
      );
      toSynced.push(await arrivedToSynced.jsonValue());
      const measure = await page.evaluate(() =>
        performance
          .getEntriesByType('measure')
          .filter((m) => m.name.startsWith('ezlift:apply-pull:'))
          .map((m) => ({ name: m.name, duration: m.duration }))[0],
      );
      if (!measure) throw new Error('the app recorded no apply-pull measure');
      records = Number(measure.name.split(':').pop());
      apply.push(measure.duration);

      // Cold start of a tab on the replica: open IndexedDB and load every chunk.
      await page.reload();
      await page.getByTestId('new-routine').and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
      const cold = await page.evaluate(() => {
        const open = performance.getEntriesByName('ezlift:open')[0];
        const heapMark = performance.getEntriesByType('mark').find((m) => m.name.startsWith('ezlift:heap:'));
        return { open: open.duration, ready: open.startTime + open.duration, heap: Number(heapMark.name.split(':').pop()) };
      });
      coldOpen.push(cold.open);
      coldReady.push(cold.ready);
      heap = cold.heap;

      // The dashboard in a warm tab: client-side navigation from the builder to the
      // dashboard drawn from the replica, then back (median of 5).
      const drawn = () =>
        new Promise((resolve) => {
          const done = () => document.querySelector('[data-testid=dashboard][data-live=true] [data-testid=week-volume]');
          const frame = () => requestAnimationFrame(() => resolve(performance.now()));
          if (done()) return frame();
          const observer = new MutationObserver(() => {
            if (done()) {
              observer.disconnect();
              frame();
            }
          });
          observer.observe(document.body, { subtree: true, childList: true, attributes: true });
        });
      for (let i = 0; i < 6; i++) {
        const took = await page.evaluate(async (drawnSource) => {
          const drawn = eval(drawnSource);
          const t0 = performance.now();
          document.querySelector('nav a[href="/"]').click();
          return (await drawn()) - t0;
        }, drawn.toString());
        if (i > 0) dashboardWarm.push(took); // the first loads the exercise library
        await page.evaluate(() => document.querySelector('nav a[href="/programs"]').click());
        await page.getByTestId('new-routine').and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
      }
      // … in a cold tab: navigation start → the replica's dashboard on screen.
      await page.goto(`${base}/`);
      dashboardCold.push(await page.evaluate(async (drawnSource) => eval(drawnSource)(), drawn.toString()));

      // Edits committed: 50 renames of a routine, one after another.
      await page.goto(`${base}/programs`);
      await page.getByTestId('new-routine').and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
      await synced();
      const times = await page.evaluate(async () => {
        const input = document.querySelector('[data-testid=routine-title]');
        for (let i = 0; i < 50; i++) {
          input.value = `Renamed ${i}`;
          input.dispatchEvent(new Event('change', { bubbles: true }));
          await new Promise((r) => setTimeout(r, 40));
        }
        await new Promise((r) => setTimeout(r, 500));
        return performance.getEntriesByName('ezlift:commit').map((m) => m.duration);
      });
      commits.push(...times);

      // Logging: a session of 6 exercises × 4 sets, every set ticked, then finished.
      await page.goto(`${base}/workout`);
      await page.getByTestId('start-empty').and(page.locator(':enabled')).waitFor({ timeout: 60_000 });
      await page.getByTestId('start-empty').click();
      const picker = page.getByTestId('log-exercise-picker');
      for (const q of ['bench press barbell', 'back squat barbell', 'deadlift barbell', 'overhead press barbell', 'bent-over row barbell', 'curl barbell']) {
        await picker.getByTestId('log-exercise-search').fill(q);
        await picker.getByRole('button').first().click();
      }
      const cards = page.getByTestId('log-exercise');
      for (let i = 0; i < 6; i++) {
        const card = cards.nth(i);
        let n = await card.getByTestId('log-set').count();
        for (; n < 4; n++) await card.getByTestId('log-add-set').click();
        for (; n > 4; n--) await card.getByTestId('log-set-type').last().selectOption('delete');
        await card.getByTestId('log-set').nth(3).waitFor();
      }
      const tickTimes = await page.evaluate(async () => {
        performance.clearMeasures();
        const ticks = [...document.querySelectorAll('[data-testid=tick]')];
        for (const t of ticks) {
          t.click();
          await new Promise((r) => setTimeout(r, 80));
        }
        await new Promise((r) => setTimeout(r, 500));
        const of = (name) => performance.getEntriesByName(name).map((m) => m.duration);
        return { count: ticks.length, frame: of('ezlift:active-frame'), commit: of('ezlift:active-commit') };
      });
      if (tickTimes.count !== 24) throw new Error(`expected 24 sets, found ${tickTimes.count}`);
      tickFrames.push(...tickTimes.frame);
      tickCommits.push(...tickTimes.commit);

      // A dashboard open in a second tab while the session is finished.
      const dash = await context.newPage();
      await dash.goto(`${base}/`);
      await dash.evaluate(async (drawnSource) => eval(drawnSource)(), drawn.toString());
      const sessionsBefore = await dash.getByTestId('week-sessions').innerText();
      await dash.evaluate(() => performance.clearMeasures());
      await page.bringToFront();
      await page.getByTestId('finish').click();
      await page.getByTestId('confirm-finish').click();
      await page.getByTestId('summary').waitFor();
      const finished = await page.waitForFunction(
        () => performance.getEntriesByName('ezlift:finish-commit')[0]?.duration,
      );
      finishes.push(await finished.jsonValue());
      const finishedAt = await page.evaluate(() => performance.timeOrigin + performance.getEntriesByName('ezlift:finish-commit')[0].startTime);
      await dash.getByTestId('week-sessions').and(dash.locator(`:not(:text-is("${sessionsBefore}"))`)).waitFor({ timeout: 10_000 });
      const update = await dash.evaluate(async () => {
        await new Promise((r) => requestAnimationFrame(() => r()));
        const drawnAt = performance.getEntriesByName('ezlift:figures-drawn').at(-1);
        const computed = performance.getEntriesByName('ezlift:figures-computed').at(-1);
        return {
          recompute: drawnAt.duration,
          compute: computed.duration,
          shownAt: performance.timeOrigin + drawnAt.startTime + drawnAt.duration,
        };
      });
      dashboardUpdate.push(update.recompute);
      dashboardCompute.push(update.compute);
      dashboardAcross.push(update.shownAt - finishedAt);
      await dash.close();

      const melon = await watermelonApply(page);
      watermelon.push(melon.apply);
      watermelonParsed.push(melon.withParse);
      raw.push((await rawPut(page, false)).duration);
      rawIndexed.push((await rawPut(page, true)).duration);
      process.stderr.write(
        `run ${run + 1}/${runs}: apply ${ms(measure.duration)}, pull to synced ${ms(toSynced.at(-1))}, WatermelonDB ${ms(watermelon.at(-1))}\n`,
      );
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }

  // The bundle: the main module every page loads first, and what each lazy page adds.
  const pkg = path.join(root, 'target/site/pkg');
  const brotliOf = (name) =>
    brotliCompressSync(readFileSync(path.join(pkg, `${name}.wasm`)), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
    }).length;
  const wasm = readFileSync(path.join(pkg, 'ezlift.wasm'));
  const brotli = brotliOf('ezlift');
  const manifest = JSON.parse(readFileSync(path.join(pkg, '__wasm_split_manifest.json'), 'utf8'));
  const pages = Object.entries(manifest).map(([split, modules]) => [
    split.replace(/^__/, '').replace(/_\d+$/, ''),
    brotli + modules.reduce((sum, m) => sum + brotliOf(m), 0),
  ]);
  const a = median(apply);
  const r = median(raw);
  const ri = median(rawIndexed);
  commits.sort((x, y) => x - y);
  const pctOf = (list, p) => {
    const sorted = [...list].sort((x, y) => x - y);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
  };
  const pct = (p) => commits[Math.min(commits.length - 1, Math.floor(commits.length * p))];
  const rows = [
    [`Replica apply and commit of the ${W} initial pull (${records} records, median of ${runs})`, ms(a)],
    ['Replica apply rate', `${Math.round(records / (a / 1000)).toLocaleString('en')} records/s`],
    ['Pull response arrived → "Synced" on screen (parse, apply, commit, render)', ms(median(toSynced))],
    [`Cold start on the ${W} replica: open + load every chunk into memory`, ms(median(coldOpen))],
    ['Cold start: navigation → replica in memory', ms(median(coldReady))],
    [`One edit committed on ${W} (${commits.length} edits): p50 / p99`, `${ms(pct(0.5))} / ${ms(pct(0.99))}`],
    [`Set tick → frame showing it, ${W} (${tickFrames.length} ticks): p50 / p99 (goal p50 ≤ 16 ms)`, `${ms(pctOf(tickFrames, 0.5))} / ${ms(pctOf(tickFrames, 0.99))}`],
    [`Set tick → IndexedDB commit: p50 / p99 (goal p99 ≤ 50 ms)`, `${ms(pctOf(tickCommits, 0.5))} / ${ms(pctOf(tickCommits, 0.99))}`],
    ['Finish a 6-exercise, 24-set session: log + sets committed, session cleared (median)', ms(median(finishes))],
    [`Dashboard on ${W}, warm tab: navigation → drawn from the replica (${dashboardWarm.length} navigations): p50 / max (goal ≤ 100 ms)`, `${ms(pctOf(dashboardWarm, 0.5))} / ${ms(Math.max(...dashboardWarm))}`],
    [`Dashboard on ${W}, cold tab: navigation start → drawn from the replica (median; goal ≤ 1 s)`, ms(median(dashboardCold))],
    [`Dashboard on ${W} after a session finished in another tab: recompute → frame (median; goal ≤ 50 ms)`, ms(median(dashboardUpdate))],
    ['… of which computing the figures (median)', ms(median(dashboardCompute))],
    ['… finish committed in one tab → the other tab\'s dashboard shows it (median)', ms(median(dashboardAcross))],
    [`Wasm heap with the ${W} replica in memory`, `${(heap / 1048576).toFixed(1)} MiB`],
    ['WatermelonDB 0.28, LokiJS incremental IndexedDB: same pull applied and saved', ms(median(watermelon))],
    ['Ours / WatermelonDB (apply and save only)', `${(a / median(watermelon)).toFixed(2)}×`],
    ['WatermelonDB: the pull\'s text parsed (JSON.parse), applied and saved', ms(median(watermelonParsed))],
    ['Pull response arrived → "Synced" / WatermelonDB parse + apply + save (goal ≤ 0.5×)', `${(median(toSynced) / median(watermelonParsed)).toFixed(2)}×`],
    ['Raw IndexedDB bulk put, one value per record, one transaction', ms(r)],
    ['Raw bulk put with indexes and bookkeeping (the old layout)', ms(ri)],
    ['Release wasm (main module), raw', `${wasm.length.toLocaleString('en')} B`],
    ['Release wasm (main module), gzip', `${gzipSync(wasm, { level: 9 }).length.toLocaleString('en')} B`],
    ['Release wasm, brotli: first load of every page (goal ≤ 400 KB)', `${brotli.toLocaleString('en')} B`],
    ...pages.map(([page, total]) => [`Brotli, all a page loads: ${page}`, `${total.toLocaleString('en')} B`]),
  ];
  console.log('| measure | value |\n|---|---|');
  for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(() => server.kill('SIGTERM'));
