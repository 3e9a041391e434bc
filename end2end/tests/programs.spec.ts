import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import {
  buildRoutine,
  enter,
  openPrograms,
  signOut,
  signUp,
  synced,
  uniqueEmail,
  watchConsole,
} from './helpers';

/** Two devices of one user: separate browser contexts (separate IndexedDB) sharing a login. */
async function twoDevices(browser: Browser): Promise<[BrowserContext, BrowserContext, Page, Page]> {
  const a = await browser.newContext();
  const pageA = await a.newPage();
  await signUp(pageA, uniqueEmail());
  const b = await browser.newContext({ storageState: await a.storageState() });
  const pageB = await b.newPage();
  return [a, b, pageA, pageB];
}

/** The server's copy of the user's records of `table`, read through the sync API. */
async function serverRecords(context: BrowserContext, table: string) {
  const response = await context.request.get('/api/sync/pull-changes?schemaVersion=1');
  expect(response.ok()).toBeTruthy();
  const body = await response.json();
  return body.changes[table].created as Array<Record<string, unknown>>;
}

test('a routine built on device A appears on device B after sync, without reloading B', async ({ browser }) => {
  const [, , a, b] = await twoDevices(browser);
  const errors = watchConsole(a);
  await openPrograms(b);
  await synced(b);
  await b.evaluate(() => ((window as unknown as { marker: number }).marker = 1));

  await openPrograms(a);
  await buildRoutine(a, 'Push day');
  await synced(a);

  await b.getByTestId('sync-now').click();
  await expect(b.getByTestId('routine-name')).toHaveText(['Push day']);
  await expect(b.getByTestId('workout-link')).toHaveText(['Workout 1']);
  expect(await b.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
  expect(errors).toEqual([]);
});

test('offline edit on B and online edit on A of one set merge per column', async ({ browser }) => {
  const [, contextB, a, b] = await twoDevices(browser);
  await openPrograms(a);
  await buildRoutine(a, 'Legs');
  await synced(a);
  const workoutUrl = a.url();

  await b.goto(workoutUrl);
  await synced(b);
  const setA = a.getByTestId('set').first();
  const setB = b.getByTestId('set').first();
  await expect(setB.getByTestId('set-reps')).toHaveValue('5');

  await contextB.setOffline(true);
  await enter(b, setB.getByTestId('set-reps'), '8');
  await expect(b.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline');
  await expect(b.getByTestId('sync-status')).toContainText('1 change waiting');

  await enter(a, setA.getByTestId('set-weight'), '110');
  await synced(a);

  await contextB.setOffline(false); // the `online` event starts B's sync
  await synced(b);
  await expect(setB.getByTestId('set-weight')).toHaveValue('110');
  await expect(setB.getByTestId('set-reps')).toHaveValue('8');

  await a.getByTestId('sync-now').click();
  await expect(setA.getByTestId('set-reps')).toHaveValue('8');
  await expect(setA.getByTestId('set-weight')).toHaveValue('110');
  const sets = await serverRecords(contextB, 'workout_exercise_sets');
  expect(sets.map((s) => [s.reps, s.weight])).toEqual([[8, 110]]);
});

test('a save survives closing the tab at once, and reaches the server on reopening', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await page.getByTestId('new-routine').click();
  await expect(page.getByTestId('routine-name')).toHaveText(['Routine 1']);
  await synced(page);

  await enter(page, page.getByTestId('routine-title'), 'Saved before closing');
  // "Saving…" ends when IndexedDB committed; the sync would follow after a pause.
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'pending');
  await page.close();
  const before = await serverRecords(context, 'routines');
  expect(before.map((r) => r.title)).toEqual(['Routine 1']);

  const again = await context.newPage();
  await openPrograms(again);
  await expect(again.getByTestId('routine-name')).toHaveText(['Saved before closing']);
  await synced(again);
  const after = await serverRecords(context, 'routines');
  expect(after.map((r) => r.title)).toEqual(['Saved before closing']);
});

test('two tabs of one device: edits show in the other, and syncs never overlap', async ({ browser }) => {
  // Requests are observed in the page, so no service worker stands in between.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const one = await context.newPage();
  await signUp(one, uniqueEmail());
  await openPrograms(one);
  const two = await context.newPage();
  await openPrograms(two);
  await synced(one);
  await synced(two);

  await one.getByTestId('new-routine').click();
  await expect(two.getByTestId('routine-name')).toHaveText(['Routine 1']);
  await enter(two, two.getByTestId('routine-title'), 'Renamed in tab two');
  await expect(one.getByTestId('routine-name')).toHaveText(['Renamed in tab two']);
  await synced(one);
  await synced(two);

  // Every sync request is counted from issue to response; pulls are slowed down so that
  // two unguarded syncs would certainly overlap.
  let inFlight = 0;
  let most = 0;
  let pulls = 0;
  const isSync = (url: string) => url.includes('/api/sync/');
  context.on('request', (r) => {
    if (!isSync(r.url())) return;
    inFlight += 1;
    most = Math.max(most, inFlight);
    if (r.url().includes('pull-changes')) pulls += 1;
  });
  const finished = (r: { url(): string }) => {
    if (isSync(r.url())) inFlight -= 1;
  };
  context.on('requestfinished', finished);
  context.on('requestfailed', finished);
  await context.route('**/api/sync/pull-changes*', async (route) => {
    await new Promise((r) => setTimeout(r, 400));
    await route.continue();
  });
  await Promise.all([one.getByTestId('sync-now').click(), two.getByTestId('sync-now').click()]);
  await expect.poll(() => pulls, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  await synced(one);
  await synced(two);
  expect(most).toBe(1);
});

test('reloading without network opens the program builder with the replica data', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // Loaded once more through the worker, so it keeps the page.
  await page.reload();
  await expect(page.getByTestId('new-routine')).toBeEnabled();
  await page.getByTestId('new-routine').click();
  await enter(page, page.getByTestId('routine-title'), 'Only in the replica');
  await synced(page);

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('routine-name')).toHaveText(['Only in the replica']);
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline');
});

test('with JavaScript disabled the server-rendered page lists the routines', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await buildRoutine(page, 'Server rendered');
  await synced(page);

  const noJs = await browser.newContext({
    javaScriptEnabled: false,
    storageState: await context.storageState(),
  });
  const plain = await noJs.newPage();
  await plain.goto('/programs');
  await expect(plain.getByTestId('routine-name')).toHaveText(['Server rendered']);
  await expect(plain.getByTestId('workout-link')).toHaveText(['Workout 1']);
  await plain.getByTestId('workout-link').click();
  await expect(plain.getByTestId('exercise-name')).toHaveText('Back Squat (Barbell)');
  await expect(plain.getByTestId('set-weight')).toHaveValue('100');
});

test('signing out closes the replica; the next user sees only their own data', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await page.getByTestId('new-routine').click();
  await enter(page, page.getByTestId('routine-title'), 'First user only');
  await synced(page);
  await signOut(page);

  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await synced(page);
  await expect(page.getByTestId('routine')).toHaveCount(0);
  await expect(page.getByText('No routines yet.')).toBeVisible();
});

test('the builder edits every level and works at 375 px with the keyboard', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await buildRoutine(page, 'Upper');

  // Sets: duplicate, type, reorder, delete.
  const sets = page.getByTestId('set');
  await page.getByRole('button', { name: 'Duplicate set 1' }).click();
  await expect(sets).toHaveCount(2);
  await expect(sets.nth(1).getByTestId('set-weight')).toHaveValue('100');
  await sets.nth(1).getByTestId('set-type').selectOption('drop');
  await enter(page, sets.nth(1).getByTestId('set-weight'), '80');
  await page.getByRole('button', { name: 'Move set 2 up' }).click();
  await expect(sets.nth(0).getByTestId('set-weight')).toHaveValue('80');
  await expect(sets.nth(0).getByTestId('set-type')).toHaveValue('drop');
  await page.getByTestId('add-set').click();
  await expect(sets).toHaveCount(3);
  await page.getByRole('button', { name: 'Delete set 3' }).click();
  await expect(sets).toHaveCount(2);

  // A custom exercise, found by muscle next time.
  await page.getByText('Create a custom exercise').click();
  await page.getByTestId('custom-name').fill('Zercher Hold');
  await page.getByLabel('Primary muscle').fill('shoulders');
  await page.getByRole('button', { name: 'Create and add' }).click();
  await expect(page.getByTestId('exercise-name')).toHaveText(['Back Squat (Barbell)', 'Zercher Hold']);
  await page.getByRole('button', { name: 'Move Zercher Hold up' }).click();
  await expect(page.getByTestId('exercise-name')).toHaveText(['Zercher Hold', 'Back Squat (Barbell)']);
  await page.getByTestId('exercise-search').fill('shoulders zercher');
  await expect(page.getByRole('button', { name: 'Add Zercher Hold' })).toBeVisible();

  // Keyboard only: focus the workout title, type, leave with Tab.
  await page.getByTestId('workout-title').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type('Upper A');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('workout-heading')).toHaveText('Upper A');
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);

  // Back on the routine list: a second routine, default, reorder, delete.
  await page.getByRole('link', { name: '← Programs' }).click();
  await expect(page.getByTestId('workout-link')).toHaveText(['Upper A']);
  await page.getByTestId('new-routine').click();
  await expect(page.getByTestId('routine-name')).toHaveText(['Upper', 'Routine 2']);
  await page.getByTestId('routine').nth(1).getByRole('button', { name: 'Make default' }).click();
  await expect(page.getByTestId('routine').nth(1).getByTestId('default-badge')).toBeVisible();
  await expect(page.getByTestId('default-badge')).toHaveCount(1);
  await page.getByRole('button', { name: 'Move Routine 2 up' }).click();
  await expect(page.getByTestId('routine-name')).toHaveText(['Routine 2', 'Upper']);
  page.once('dialog', (d) => d.accept());
  await page.getByTestId('routine').nth(1).getByTestId('delete-routine').click();
  await expect(page.getByTestId('routine-name')).toHaveText(['Routine 2']);
  await synced(page);
  const workouts = await serverRecords(context, 'workouts');
  expect(workouts).toEqual([]);
  const custom = await serverRecords(context, 'custom_exercises');
  expect(custom.map((c) => c.name)).toEqual(['Zercher Hold']);
  expect(errors).toEqual([]);
});

test('the status shows first-sync progress, then an error with a retry that works', async ({ browser }) => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  // A slow first download, so the progress bar can be seen.
  await context.route('**/api/sync/pull-changes*', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await expect(page.getByTestId('first-sync')).toBeVisible();
  await expect(page.getByTestId('first-sync')).toContainText('Downloading your data');
  await synced(page);
  await expect(page.getByTestId('first-sync')).toHaveCount(0);
  await expect(page.getByTestId('sync-status')).toContainText(/Synced \d\d:\d\d/);
  await context.unroute('**/api/sync/pull-changes*');

  // The server fails the next push: the status says so and offers a retry.
  await context.route(
    '**/api/sync/push-changes*',
    (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: '{"error":"unavailable","message":"down for maintenance"}',
      }),
    { times: 1 },
  );
  await openPrograms(page);
  await page.getByTestId('new-routine').click();
  const status = page.getByTestId('sync-status');
  await expect(status).toHaveAttribute('data-state', 'error');
  await expect(status).toContainText('Sync failed');
  await expect(status).toHaveAttribute('data-pending', '1');
  await page.getByRole('button', { name: 'Retry' }).click();
  await synced(page);
  const routines = await serverRecords(context, 'routines');
  expect(routines.map((r) => r.title)).toEqual(['Routine 1']);
});

test('a visible page syncs by itself every 30 seconds', async ({ browser }) => {
  const [, , a, b] = await twoDevices(browser);
  await b.clock.install();
  await openPrograms(b);
  await synced(b);

  await openPrograms(a);
  await a.getByTestId('new-routine').click();
  await synced(a);

  await b.clock.runFor(10_000);
  await expect(b.getByTestId('routine')).toHaveCount(0);
  await b.clock.runFor(21_000);
  await expect(b.getByTestId('routine-name')).toHaveText(['Routine 1']);
});
