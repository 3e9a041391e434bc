import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { buildRoutine, enter, openPrograms, signUp, synced, uniqueEmail, watchConsole } from './helpers';

/** Two devices of one user: separate browser contexts (separate IndexedDB) sharing a login. */
async function twoDevices(browser: Browser): Promise<[BrowserContext, BrowserContext, Page, Page]> {
  const a = await browser.newContext();
  const pageA = await a.newPage();
  await signUp(pageA, uniqueEmail());
  const b = await browser.newContext({ storageState: await a.storageState() });
  return [a, b, pageA, await b.newPage()];
}

/** The server's records of `table`, as a schema-version-2 client pulls them. */
async function serverRecords(context: BrowserContext, table: string) {
  const response = await context.request.get('/api/sync/pull-changes?schemaVersion=2');
  expect(response.ok()).toBeTruthy();
  return (await response.json()).changes[table].created as Array<Record<string, any>>;
}

/** Opens the logger's start page once the replica is the source (starting is possible). */
async function openWorkout(page: Page) {
  await page.goto('/workout');
  await expect(page.getByTestId('start-empty')).toBeEnabled({ timeout: 20_000 });
}

/** Starts an empty session and adds one library exercise by searching for it. */
async function startEmptyWith(page: Page, search: string, name: string) {
  await page.getByTestId('start-empty').click();
  await expect(page.getByTestId('logger')).toBeVisible();
  await page.getByTestId('log-exercise-search').fill(search);
  await page.getByRole('button', { name: `Add ${name}` }).click();
  await expect(page.getByTestId('log-exercise-name')).toHaveText([name]);
}

async function finish(page: Page) {
  await page.getByTestId('finish').click();
  await page.getByTestId('confirm-finish').click();
  await expect(page.getByTestId('summary')).toBeVisible();
}

test('a template session logged on A is on the server exactly once and shows on B', async ({ browser }) => {
  const [contextA, , a, b] = await twoDevices(browser);
  const errors = watchConsole(a);
  await openPrograms(a);
  await buildRoutine(a, 'Legs');
  await openWorkout(a);
  await a.getByTestId('start-template').first().click();
  await expect(a.getByTestId('log-exercise-name')).toHaveText(['Back Squat (Barbell)']);
  const sets = a.getByTestId('log-set');
  // The template's targets are filled in.
  await expect(sets.first().getByTestId('log-weight')).toHaveValue('100');
  await expect(sets.first().getByTestId('log-reps')).toHaveValue('5');
  await a.getByTestId('log-add-set').click();
  await expect(sets).toHaveCount(2);
  await enter(a, sets.nth(1).getByTestId('log-weight'), '102.5');
  await sets.nth(0).getByTestId('tick').click();
  await sets.nth(1).getByTestId('tick').click();
  await expect(sets.nth(1).getByTestId('tick')).toHaveAttribute('aria-pressed', 'true');
  await finish(a);
  await expect(a.getByTestId('summary-sets')).toHaveText('2');
  await expect(a.getByTestId('summary-volume')).toHaveText('1012.5 kg');
  await expect(a.getByTestId('pr').first()).toBeVisible();
  // The session had a set more than its template: offer to update it.
  await a.getByTestId('update-template').click();
  await expect(a.getByTestId('template-updated')).toBeVisible();
  await synced(a);

  const logs = await serverRecords(contextA, 'logs');
  expect(logs).toHaveLength(1);
  expect(logs[0].workout_title).toBe('Workout 1');
  expect(logs[0].duration).toBeGreaterThanOrEqual(0);
  const entries = await serverRecords(contextA, 'log_exercise');
  expect(entries.map((e) => [e.log_id, e.exercise_id])).toEqual([[logs[0].id, 'barbell-back-squat']]);
  const logged = (await serverRecords(contextA, 'log_exercise_sets')).sort((x, y) => x.order - y.order);
  expect(logged.map((s) => [s.log_exercise_id, s.weight, s.reps, s.completed, s.set_type])).toEqual([
    [entries[0].id, 100, 5, true, 'normal'],
    [entries[0].id, 102.5, 5, true, 'normal'],
  ]);
  const template = await serverRecords(contextA, 'workout_exercise_sets');
  expect(template.map((s) => s.weight).sort()).toEqual([100, 102.5]);

  // Device B: the session is there to repeat, and "previous" shows what was lifted.
  await openWorkout(b);
  await expect(b.getByTestId('repeat-log')).toHaveCount(1);
  await b.getByTestId('start-template').first().click();
  const setsB = b.getByTestId('log-set');
  await expect(setsB).toHaveCount(2);
  await expect(setsB.getByTestId('previous')).toHaveText(['100 kg × 5', '102.5 kg × 5']);
  await expect(setsB.nth(1).getByTestId('log-weight')).toHaveValue('102.5');
  expect(errors).toEqual([]);
});

test('a whole session offline, reload included, is pushed once when back online', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await openWorkout(page);
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.reload(); // through the worker, so it keeps the page
  await expect(page.getByTestId('start-empty')).toBeEnabled();
  const pushes: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/sync/push-changes')) pushes.push(r.postData() ?? '');
  });
  await startEmptyWith(page, 'bench press barbell', 'Bench Press (Barbell)');

  await context.setOffline(true);
  const set = page.getByTestId('log-set').first();
  await enter(page, set.getByTestId('log-weight'), '80');
  await enter(page, set.getByTestId('log-reps'), '8');
  await set.getByTestId('tick').click();
  await page.reload();
  await expect(page.getByTestId('log-set').first().getByTestId('log-weight')).toHaveValue('80');
  await expect(page.getByTestId('log-set').first().getByTestId('tick')).toHaveAttribute('aria-pressed', 'true');
  await finish(page);
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'offline');

  await context.setOffline(false);
  await synced(page);
  const logs = await serverRecords(context, 'logs');
  expect(logs).toHaveLength(1);
  expect(pushes.filter((body) => body.includes(logs[0].id as string))).toHaveLength(1);
  const sets = await serverRecords(context, 'log_exercise_sets');
  expect(sets.map((s) => [s.weight, s.reps])).toEqual([[80, 8]]);
});

test('a reload and a tab closed right after a tick lose nothing; the rest timer keeps its end', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.clock.install();
  await signUp(page, uniqueEmail());
  await openWorkout(page);
  await startEmptyWith(page, 'barbell row', 'Bent-Over Row (Barbell)');
  await page.getByTestId('log-add-set').click();
  const sets = page.getByTestId('log-set');
  await expect(sets).toHaveCount(2);

  // Typed and ticked with no wait in between: the typed weight is what is saved.
  await sets.first().getByTestId('log-weight').fill('70');
  await sets.first().getByTestId('tick').click();
  // The default rest (90 s) runs in the header, on every page. The clock also runs by
  // itself, so what is left is checked within the few seconds a reload takes.
  const left = async () => {
    const [m, s] = (await page.getByTestId('rest-left').innerText()).split(':').map(Number);
    return m * 60 + s;
  };
  await expect.poll(left).toBeGreaterThan(85);
  await page.clock.fastForward(30_000);
  await expect.poll(left).toBeLessThanOrEqual(60);
  await page.reload();
  // Neither restarted (90) nor lost: the end time survived the reload. (A reload on a
  // loaded machine has taken over 10 s to show the header's timer.)
  await expect.poll(left, { timeout: 20_000 }).toBeLessThanOrEqual(60);
  expect(await left()).toBeGreaterThan(45);
  await expect(sets.first().getByTestId('log-weight')).toHaveValue('70');
  await page.getByTestId('rest-skip').click();
  await expect(page.getByTestId('rest-timer')).toHaveCount(0);

  // Tick the second set and close the tab at once: the tap's handler, then the close,
  // with no wait between (a phone's browser killed right after the tap).
  await sets.nth(1).getByTestId('log-reps').fill('12');
  await sets.nth(1).getByTestId('tick').evaluate((b: HTMLElement) => b.click());
  await page.close();
  const again = await context.newPage();
  await again.goto('/workout');
  const setsAgain = again.getByTestId('log-set');
  await expect(setsAgain.nth(1).getByTestId('tick')).toHaveAttribute('aria-pressed', 'true', { timeout: 20_000 });
  await expect(setsAgain.nth(1).getByTestId('log-reps')).toHaveValue('12');
  await expect(setsAgain.first().getByTestId('log-weight')).toHaveValue('70');
});

test('the rest timer ends with its alarm and can be changed by 15 s', async ({ page }) => {
  await page.clock.install();
  await signUp(page, uniqueEmail());
  await openWorkout(page);
  await startEmptyWith(page, 'barbell curl', 'Curl (Barbell)');
  // The clock runs by itself too: what is left is checked within a few seconds.
  const left = async () => {
    const [m, s] = (await page.getByTestId('rest-left').innerText()).split(':').map(Number);
    return m * 60 + s;
  };
  await page.getByTestId('log-set').first().getByTestId('tick').click();
  await expect.poll(left).toBeGreaterThan(85);
  await page.getByRole('button', { name: 'Rest 15 seconds more' }).click();
  await expect.poll(left).toBeGreaterThan(99);
  await page.getByRole('button', { name: 'Rest 15 seconds less' }).click();
  await page.getByRole('button', { name: 'Rest 15 seconds less' }).click();
  await expect.poll(left).toBeLessThanOrEqual(75);
  expect(await left()).toBeGreaterThan(65);
  // Still running on another page.
  await page.getByRole('link', { name: 'Programs' }).click();
  await expect(page.getByTestId('rest-left')).toBeVisible();
  await page.clock.fastForward(80_000);
  await expect(page.getByTestId('rest-timer')).toHaveCount(0);
  // The alarm went off (its sound and vibration are not observable here; its notice is).
  await expect(page.getByTestId('rest-over')).toBeVisible();
  await page.getByTestId('rest-over').click();
  await expect(page.getByTestId('rest-over')).toHaveCount(0);
});

test('two tabs show the same session live', async ({ browser }) => {
  const context = await browser.newContext();
  const one = await context.newPage();
  await signUp(one, uniqueEmail());
  await openWorkout(one);
  await startEmptyWith(one, 'deadlift barbell', 'Deadlift (Barbell)');
  const two = await context.newPage();
  await two.goto('/workout');
  await expect(two.getByTestId('log-exercise-name')).toHaveText(['Deadlift (Barbell)'], { timeout: 20_000 });

  await enter(one, one.getByTestId('log-weight').first(), '140');
  await one.getByTestId('tick').first().click();
  await expect(two.getByTestId('tick').first()).toHaveAttribute('aria-pressed', 'true');
  await expect(two.getByTestId('log-weight').first()).toHaveValue('140');
  // And back: a set added in the second tab appears in the first.
  await two.getByTestId('log-add-set').click();
  await expect(one.getByTestId('log-set')).toHaveCount(2);
});

test('a pound user types 225: the server stores kilograms and every page shows 225', async ({ browser }) => {
  const [contextA, , a, b] = await twoDevices(browser);
  await a.goto('/settings');
  await expect(a.getByTestId('weight-unit')).toBeEnabled({ timeout: 20_000 });
  await a.getByTestId('weight-unit').selectOption('lb');
  await synced(a);
  await openWorkout(a);
  await startEmptyWith(a, 'bench press barbell', 'Bench Press (Barbell)');
  const set = a.getByTestId('log-set').first();
  await enter(a, set.getByTestId('log-weight'), '225');
  await enter(a, set.getByTestId('log-reps'), '5');
  await expect(set.getByTestId('log-weight')).toHaveValue('225');
  await set.getByTestId('tick').click();
  await finish(a);
  await expect(a.getByTestId('summary-volume')).toHaveText('1125 lb');
  await synced(a);
  const [stored] = await serverRecords(contextA, 'log_exercise_sets');
  expect(stored.weight).toBeCloseTo(102.05828, 5);

  // Another device of the same user: the setting and the weight, as typed.
  await openWorkout(b);
  await b.getByTestId('repeat-log').click();
  const setB = b.getByTestId('log-set').first();
  await expect(setB.getByTestId('log-weight')).toHaveValue('225');
  await expect(setB.getByTestId('previous')).toHaveText('225 lb × 5');
});

test('settings changed on A show on B after sync; the theme follows the setting', async ({ browser }) => {
  const [, , a, b] = await twoDevices(browser);
  await b.goto('/settings');
  await expect(b.getByTestId('theme')).toBeEnabled({ timeout: 20_000 });
  await synced(b);

  await a.goto('/settings');
  await expect(a.getByTestId('theme')).toBeEnabled({ timeout: 20_000 });
  await a.getByTestId('theme').selectOption('dark');
  await a.getByTestId('distance-unit').selectOption('mi');
  await a.getByTestId('default-rest').selectOption('150');
  await a.getByTestId('week-start').selectOption('0');
  await a.getByTestId('one-rm-formula').selectOption('brzycki');
  await expect(a.locator('html')).toHaveAttribute('data-theme', 'dark');
  await synced(a);

  await b.getByTestId('sync-now').click();
  await expect(b.getByTestId('distance-unit')).toHaveValue('mi');
  await expect(b.getByTestId('default-rest')).toHaveValue('150');
  await expect(b.getByTestId('week-start')).toHaveValue('0');
  await expect(b.getByTestId('one-rm-formula')).toHaveValue('brzycki');
  await expect(b.locator('html')).toHaveAttribute('data-theme', 'dark');
  // The web client never made a second settings record.
  const response = await b.request.get('/api/sync/pull-changes?schemaVersion=2');
  expect((await response.json()).changes.user_settings.created).toHaveLength(1);
});

test('without JavaScript the workout page lists the templates and says logging needs it', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await buildRoutine(page, 'Server rendered');
  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: await context.storageState() });
  const plain = await noJs.newPage();
  await plain.goto('/workout');
  await expect(plain.getByTestId('template-title')).toHaveText(['Workout 1']);
  await expect(plain.getByText('Logging a workout needs JavaScript')).toBeVisible();
});

test('the logger fits a 375 px phone with thumb-sized targets', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true });
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await openWorkout(page);
  await startEmptyWith(page, 'back squat barbell', 'Back Squat (Barbell)');
  await page.getByTestId('log-set').first().getByTestId('tick').click();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  // The header's parts stand side by side or on lines of their own, never on each other.
  const parts = [page.getByTestId('active-workout'), page.getByTestId('sync-status'), page.locator('.brand')];
  const boxes = await Promise.all(parts.map(async (p) => (await p.boundingBox())!));
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
      expect(apart, `header parts ${i} and ${j} overlap`).toBe(true);
    }
  }
  for (const target of [
    page.getByTestId('tick').first(),
    page.getByTestId('log-weight').first(),
    page.getByTestId('log-reps').first(),
    page.getByTestId('rest-skip'),
    page.getByRole('link', { name: 'History' }),
  ]) {
    const box = await target.boundingBox();
    expect(box!.height).toBeGreaterThanOrEqual(44);
  }
  // The tab bar stays at the bottom of the screen.
  const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
  expect(nav!.y + nav!.height).toBeGreaterThan(700);
  // Inputs bring up the number pad; Enter moves to the next field.
  await expect(page.getByTestId('log-weight').first()).toHaveAttribute('inputmode', 'decimal');
  await page.getByTestId('log-weight').first().fill('60');
  await page.getByTestId('log-weight').first().press('Enter');
  await expect(page.getByTestId('log-reps').first()).toBeFocused();
});

test('starting another workout while one is in progress asks first', async ({ page }) => {
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await buildRoutine(page, 'Legs');
  await openWorkout(page);
  await startEmptyWith(page, 'barbell curl', 'Curl (Barbell)');
  await page.getByTestId('start-other').locator('summary').click();
  await page.getByTestId('start-other').getByTestId('start-template').first().click();
  await expect(page.getByTestId('confirm-replace')).toBeVisible();
  await page.getByRole('button', { name: 'Keep the current one' }).click();
  await expect(page.getByTestId('log-exercise-name')).toHaveText(['Curl (Barbell)']);
  await page.getByTestId('start-other').getByTestId('start-template').first().click();
  await page.getByRole('button', { name: 'Discard it and start' }).click();
  await expect(page.getByTestId('log-exercise-name')).toHaveText(['Back Squat (Barbell)']);
  await expect(page.getByTestId('session-title')).toHaveValue('Workout 1');
  // Discarding asks too, and leaves nothing behind.
  await page.getByTestId('discard').click();
  await page.getByTestId('confirm-discard').click();
  await expect(page.getByTestId('start-empty')).toBeVisible();
  await page.reload();
  await expect(page.getByTestId('start-empty')).toBeEnabled({ timeout: 20_000 });
  await expect(page.getByTestId('logger')).toHaveCount(0);
});
