// Browser replica benchmark (`./dev bench replica`): applies the W1 heavy-user initial
// pull (the sync-server benchmark's data set) to an empty IndexedDB replica in headless
// Chromium, and compares it with a raw IndexedDB bulk put of the same records in one
// transaction in the same browser. Prints a markdown table.
//
// The replica's apply is timed by the app itself (a `performance.measure` named
// `ezlift:apply-pull:<records>` around the IndexedDB store's apply), during the real first
// sync of a new device.
import { chromium } from '@playwright/test';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { releaseServerEnv } from '../release-server.cjs';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const port = Number(process.env.EZLIFT_BENCH_PORT ?? 3200);
const base = `http://127.0.0.1:${port}`;
const runs = Number(process.env.EZLIFT_BENCH_RUNS ?? 3);
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

async function main() {
  await waitForServer();
  const email = `bench-${Date.now()}@example.com`;
  const signup = await fetch(`${base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'benchmark-password' }),
  });
  const { token } = await signup.json();
  process.stderr.write('seeding W1 (31k records) …\n');
  execFileSync(path.join(root, 'target/release/bench'), ['seed-w1', base, token], {
    stdio: 'inherit',
  });

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  });
  const apply = [];
  const raw = [];
  const rawIndexed = [];
  let records = 0;
  for (let run = 0; run < runs; run++) {
    const context = await browser.newContext({ serviceWorkers: 'block' });
    await context.addCookies([{ name: 'ezlift_session', value: token, url: base }]);
    const page = await context.newPage();
    await page.goto(`${base}/programs`);
    await page
      .getByTestId('sync-status')
      .and(page.locator('[data-state="synced"]'))
      .waitFor({ timeout: 300_000 });
    const measure = await page.evaluate(() =>
      performance
        .getEntriesByType('measure')
        .filter((m) => m.name.startsWith('ezlift:apply-pull:'))
        .map((m) => ({ name: m.name, duration: m.duration }))[0],
    );
    if (!measure) throw new Error('the app recorded no apply-pull measure');
    records = Number(measure.name.split(':').pop());
    apply.push(measure.duration);
    raw.push((await rawPut(page, false)).duration);
    rawIndexed.push((await rawPut(page, true)).duration);
    await context.close();
    process.stderr.write(`run ${run + 1}/${runs}: apply ${ms(measure.duration)}\n`);
  }
  await browser.close();

  const wasm = readFileSync(path.join(root, 'target/site/pkg/ezlift.wasm'));
  const brotli = brotliCompressSync(wasm, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;
  const a = median(apply);
  const r = median(raw);
  const ri = median(rawIndexed);
  const rows = [
    [`Replica apply of the W1 initial pull (${records} records, median of ${runs})`, ms(a)],
    ['Replica apply rate (goal ≥ 50,000 records/s)', `${Math.round(records / (a / 1000)).toLocaleString('en')} records/s`],
    ['Raw IndexedDB bulk put, same records, one transaction', ms(r)],
    ['Raw rate / replica rate (goal ≥ 0.5×)', `${(r / a).toFixed(2)}×`],
    ['Raw bulk put with the replica’s indexes and bookkeeping', ms(ri)],
    ['Release wasm, raw', `${wasm.length.toLocaleString('en')} B`],
    ['Release wasm, gzip', `${gzipSync(wasm, { level: 9 }).length.toLocaleString('en')} B`],
    ['Release wasm, brotli (goal ≤ 400 KB)', `${brotli.toLocaleString('en')} B`],
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
