// What a new user meets in the first week, on a phone: the app opens offline from the
// first visit, pages are whole before hydration (and without JavaScript), what an action
// asks appears where the user looks, and the app is installable.
import { chromium, expect, test, type BrowserContext, type Page } from '@playwright/test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { enter, PASSWORD, signUp, synced, uniqueEmail } from './helpers';

const SQUAT = 'barbell-back-squat';
const DAY = 86_400_000;
const PHONE = { width: 390, height: 844 };

/** The server's records of `table`, as a schema-version-2 client pulls them. */
async function serverRecords(context: BrowserContext, table: string) {
  const response = await context.request.get('/api/sync/pull-changes?schemaVersion=2');
  expect(response.ok()).toBeTruthy();
  return (await response.json()).changes[table].created as Array<Record<string, any>>;
}

/** Waits until a service worker controls the page (it took over without a reload). */
async function controlled(page: Page) {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 20_000 }).toBe(true);
}

test('offline from the first visit: a session started at once survives an offline reload, and pages never opened open offline', async ({
  browser,
}) => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  // Straight to the logger, while the service worker is still installing.
  await page.goto('/workout');
  await expect(page.getByTestId('start-empty')).toBeEnabled({ timeout: 20_000 });
  await page.getByTestId('start-empty').click();
  await page.getByTestId('log-exercise-search').fill('bench press barbell');
  await page.getByRole('button', { name: 'Add Bench Press (Barbell)' }).click();
  const set = page.getByTestId('log-set').first();
  await enter(page, set.getByTestId('log-weight'), '80');
  await enter(page, set.getByTestId('log-reps'), '8');
  await set.getByTestId('tick').click();
  await expect(set.getByTestId('tick')).toHaveAttribute('aria-pressed', 'true');
  // The worker takes over the open page by itself; nothing is reloaded online.
  await controlled(page);

  await context.setOffline(true);
  await page.reload();
  const again = page.getByTestId('log-set').first();
  await expect(again.getByTestId('log-weight')).toHaveValue('80', { timeout: 20_000 });
  await expect(again.getByTestId('tick')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('finish').click();
  await page.getByTestId('confirm-finish').click();
  await expect(page.getByTestId('summary')).toBeVisible();
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline');

  // Pages this device never opened, reached by navigations the worker has no copy of.
  await page.goto('/history');
  await expect(page.getByTestId('history-session')).toHaveCount(1, { timeout: 20_000 });
  await expect(page.getByTestId('history-session')).toContainText('Bench Press (Barbell)');
  await page.getByTestId('history-session').getByRole('link').first().click();
  await expect(page.getByTestId('history-weight')).toHaveValue('80');
  await page.goto('/settings');
  await expect(page.getByTestId('settings')).toBeVisible({ timeout: 20_000 });
  await expect(page.locator('#weight-unit')).toHaveValue('kg');
  await page.goto('/exercises/barbell-bench-press');
  await expect(page.getByTestId('exercise-name')).toContainText('Bench Press', { timeout: 20_000 });
  await page.goto('/');
  await expect(page.getByTestId('recent-session')).toHaveCount(1, { timeout: 20_000 });
  await expect(page.getByTestId('welcome')).toHaveText('Welcome, Lifter.');

  // Back online, the session finished offline reaches the server, once.
  await context.setOffline(false);
  await synced(page);
  const sets = await serverRecords(context, 'log_exercise_sets');
  expect(sets.map((s) => [s.weight, s.reps, s.completed])).toEqual([[80, 8, true]]);
  expect(await serverRecords(context, 'logs')).toHaveLength(1);
  await context.close();
});

type Field = string;

/** Every form field of the page's main part: its name and the value it shows. */
async function fields(page: Page): Promise<Field[]> {
  return page.locator('main').evaluate((main) =>
    [...main.querySelectorAll('input, select, textarea')].map((el) => {
      const e = el as HTMLInputElement;
      const key = e.getAttribute('data-testid') ?? e.getAttribute('aria-label') ?? e.id ?? e.name;
      const value = e.type === 'checkbox' || e.type === 'radio' ? String(e.checked) : e.value;
      return `${e.tagName.toLowerCase()} ${key} = ${value}`;
    }),
  );
}

/** Pushes what `changes` makes of the account's current state, as another device would. */
async function pushAs(page: Page, email: string, changes: (pulled: any) => Record<string, unknown>) {
  const { token } = await (await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } })).json();
  const api = { 'x-jwt-token': token };
  const pulled = await (await page.request.get('/api/sync/pull-changes?schemaVersion=2', { headers: api })).json();
  const response = await page.request.post('/api/sync/push-changes', {
    headers: api,
    data: { lastPulledAt: pulled.timestamp, changes: changes(pulled) },
  });
  expect(response.ok(), await response.text()).toBeTruthy();
}

/** A logged session, a template and changed settings. */
async function seed(page: Page, email: string) {
  const now = Date.now();
  await pushAs(page, email, (pulled) => {
    const settings = { ...pulled.changes.user_settings.created[0], default_rest_seconds: 120, week_start: 0, one_rm_formula: 'brzycki' };
    return {
      user_settings: { updated: [settings] },
      workouts: { created: [{ id: 'w1', title: 'Legs day', notes: 'heavy week', order: 1, estimated_duration: 60, created_at: now, updated_at: now }] },
      workout_exercise: { created: [{ id: 'we1', workout_id: 'w1', exercise_id: SQUAT, order: 1, rest_time: 180, notes: 'belt on', superset_group: 2 }] },
      workout_exercise_sets: {
        created: [
          { id: 'wes1', workout_exercise_id: 'we1', order: 1, set_type: 'warmup', reps: 8, weight: 60, rpe: 6 },
          { id: 'wes2', workout_exercise_id: 'we1', order: 2, set_type: 'normal', reps: 5, weight: 102.5, duration: 40, distance: 0 },
        ],
      },
      logs: { created: [{ id: 'l1', workout_title: 'Heavy legs', notes: 'felt strong', session_date: now - DAY, duration: 3000, created_at: now, updated_at: now }] },
      log_exercise: { created: [{ id: 'le1', log_id: 'l1', exercise_id: SQUAT, order: 1 }] },
      log_exercise_sets: {
        created: [
          { id: 'ls1', log_exercise_id: 'le1', order: 1, set_type: 'warmup', weight: 60, reps: 8, completed: true },
          { id: 'ls2', log_exercise_id: 'le1', order: 2, set_type: 'normal', weight: 100, reps: 5, completed: true },
          { id: 'ls3', log_exercise_id: 'le1', order: 3, set_type: 'drop', weight: 80, reps: 7, completed: false },
        ],
      },
    };
  });
}

test('every field the server renders carries its value: without JavaScript a page shows what the hydrated page shows', async ({
  browser,
}) => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const email = uniqueEmail();
  await signUp(page, email);
  await seed(page, email);
  const noScript = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, storageState: await context.storageState() });
  const bare = await noScript.newPage();
  const pages: Array<[string, string]> = [
    ['/history/l1', 'session-title'],
    ['/programs/workouts/w1', 'workout-title'],
    ['/settings', 'settings'],
  ];
  for (const [url, ready] of pages) {
    await page.goto(url);
    await expect(page.getByTestId(ready)).toBeVisible();
    if (ready !== 'settings') await expect(page.getByTestId(ready)).toBeEnabled({ timeout: 20_000 });
    await synced(page);
    const hydrated = await fields(page);
    await bare.goto(url);
    const rendered = await fields(bare);
    expect(rendered.length, url).toBeGreaterThan(3);
    expect(rendered, url).toEqual(hydrated);
  }
  // The values themselves, not only their agreement.
  await bare.goto('/history/l1');
  await expect(bare.getByTestId('session-title')).toHaveValue('Heavy legs');
  await expect(bare.getByTestId('session-notes')).toHaveValue('felt strong');
  expect(await bare.getByTestId('history-weight').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['60', '100', '80']);
  expect(await bare.getByLabel(/Set \d done/).evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked))).toEqual([true, true, false]);
  expect(await bare.locator('select.set-type').evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).value))).toEqual(['warmup', 'normal', 'drop']);
  await bare.goto('/programs/workouts/w1');
  await expect(bare.getByTestId('workout-title')).toHaveValue('Legs day');
  expect(await bare.getByTestId('set-weight').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['60', '102.5']);
  await bare.goto('/settings');
  await expect(bare.locator('#default-rest')).toHaveValue('120');
  await expect(bare.locator('#one-rm-formula')).toHaveValue('brzycki');
  await noScript.close();
  await context.close();
});

/** Whether the element is in the viewport and is what a tap at its centre reaches. */
async function reachable(page: Page, testId: string): Promise<boolean> {
  return page.getByTestId(testId).evaluate((el) => {
    const r = el.getBoundingClientRect();
    const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
    const inside = r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
    const hit = document.elementFromPoint(x, y);
    return inside && hit !== null && (hit === el || el.contains(hit));
  });
}

for (const viewport of [
  { width: 375, height: 667 },
  { width: 390, height: 844 },
]) {
  test(`at ${viewport.width}×${viewport.height} the finish question appears where the thumb is`, async ({ browser }) => {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    await signUp(page, uniqueEmail());
    await page.goto('/workout');
    await expect(page.getByTestId('start-empty')).toBeEnabled({ timeout: 20_000 });
    await page.getByTestId('start-empty').click();
    for (const [search, name] of [
      ['bench press barbell', 'Bench Press (Barbell)'],
      ['back squat', 'Back Squat (Barbell)'],
    ]) {
      await page.getByTestId('log-exercise-search').fill(search);
      await page.getByRole('button', { name: `Add ${name}` }).click();
    }
    await page.getByTestId('finish').scrollIntoViewIfNeeded();
    await page.getByTestId('finish').click();
    await expect(page.getByTestId('confirm')).toBeVisible();
    // Nothing is ticked: the question is what to do with the two open sets.
    await expect(page.getByTestId('confirm')).toContainText('2 sets are not ticked');
    for (const choice of ['discard-unticked', 'complete-unticked']) {
      expect(await reachable(page, choice), choice).toBe(true);
    }
    // The question has the focus, and a tap outside it keeps logging.
    await expect(page.getByTestId('discard-unticked')).toBeFocused();
    await page.mouse.click(viewport.width / 2, 20);
    await expect(page.getByTestId('confirm')).toHaveCount(0);
    await page.getByTestId('discard').click();
    expect(await reachable(page, 'confirm-discard')).toBe(true);
    await page.getByTestId('confirm-discard').click();
    await expect(page.getByTestId('start-empty')).toBeVisible();
    await context.close();
  });
}

test('no editor is wider than a 375 px screen', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 667 } });
  const page = await context.newPage();
  const email = uniqueEmail();
  await signUp(page, email);
  await seed(page, email);
  for (const [url, ready] of [
    ['/history/l1', 'session-title'],
    ['/programs/workouts/w1', 'workout-title'],
    ['/settings', 'settings'],
    ['/import', 'import-drop'],
    ['/programs', 'new-routine'],
  ]) {
    await page.goto(url);
    await expect(page.getByTestId(ready).first()).toBeVisible({ timeout: 20_000 });
    await synced(page);
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('main *')]
        .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
        .map((el) => el.outerHTML.slice(0, 80)),
    );
    expect(wide, url).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), url).toBeLessThanOrEqual(375);
  }
  await context.close();
});

test('Chromium reports the app installable: manifest, icons, standalone, shortcuts', async ({ baseURL }) => {
  // Installability is not judged in an incognito context: a profile of its own on disk.
  const profile = mkdtempSync(path.join(tmpdir(), 'ezlift-install-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
    baseURL,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/login');
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    expect(installabilityErrors).toEqual([]);
    const manifest = await (await page.request.get('/manifest.webmanifest')).json();
    expect(manifest.display).toBe('standalone');
    expect(manifest.start_url).toBe('/');
    expect(manifest.icons.map((i: { sizes: string }) => i.sizes)).toEqual(expect.arrayContaining(['192x192', '512x512']));
    expect(manifest.icons.some((i: { purpose?: string }) => i.purpose === 'maskable')).toBe(true);
    expect(manifest.shortcuts.map((s: { url: string }) => s.url)).toEqual(['/workout', '/history']);
    for (const icon of manifest.icons) {
      const response = await page.request.get(icon.src);
      expect(response.ok(), icon.src).toBe(true);
    }
    // Both themes' bar colours.
    const colours = await page.locator('meta[name="theme-color"]').evaluateAll((els) =>
      els.map((e) => [e.getAttribute('content'), e.getAttribute('media')]),
    );
    expect(colours).toEqual([
      ['#0f766e', '(prefers-color-scheme: light)'],
      ['#111417', '(prefers-color-scheme: dark)'],
    ]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('a lifter back after months: the dashboard leads with the last session and all-time bests, history with the list', async ({
  browser,
}) => {
  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const email = uniqueEmail();
  await signUp(page, email);
  const then = Date.now() - 120 * DAY;
  await pushAs(page, email, () => ({
    logs: { created: [{ id: 'old', workout_title: 'Before the break', session_date: then, duration: 3600, created_at: then, updated_at: then }] },
    log_exercise: { created: [{ id: 'old-e', log_id: 'old', exercise_id: SQUAT, order: 1 }] },
    log_exercise_sets: { created: [{ id: 'old-s', log_exercise_id: 'old-e', order: 1, set_type: 'normal', weight: 140, reps: 3, completed: true }] },
  }));

  await page.goto('/');
  await expect(page.getByTestId('welcome-back')).toContainText('Before the break');
  await expect(page.getByTestId('welcome-back')).toContainText('months ago');
  await expect(page.getByTestId('all-time-best')).toHaveCount(1);
  await expect(page.getByTestId('all-time-best')).toContainText('Back Squat (Barbell)');
  await expect(page.getByTestId('all-time-best')).toContainText('140');
  // Server-rendered and after the replica took over alike.
  await synced(page);
  await expect(page.getByTestId('welcome-back')).toBeVisible();

  // History: on a phone the sessions come before the calendar, which opens on the month
  // of the last session.
  await page.goto('/history');
  await expect(page.getByTestId('history-session')).toHaveCount(1);
  const list = await page.getByTestId('history-total').boundingBox();
  const calendar = await page.getByTestId('calendar').boundingBox();
  expect(list!.y).toBeLessThan(calendar!.y);
  await expect(page.getByTestId('trained-day')).toHaveCount(1);
  const shown = await page.getByTestId('history-session').locator('.muted').first().innerText();

  // The logger writes the date as every other page does.
  await page.goto('/workout');
  await expect(page.getByTestId('recent-date')).toHaveCount(1, { timeout: 20_000 });
  const date = await page.getByTestId('recent-date').innerText();
  expect(date).toMatch(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}$/);
  expect(shown).toContain(date);
  await context.close();
});
