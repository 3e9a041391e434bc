import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { buildRoutine, enter, openPrograms, PASSWORD, signUp, synced, uniqueEmail, watchConsole } from './helpers';

const SQUAT = 'barbell-back-squat';
const DAY = 86_400_000;

/** Two devices of one user: separate browser contexts (separate IndexedDB) sharing a login. */
async function twoDevices(browser: Browser): Promise<[BrowserContext, BrowserContext, Page, Page, string]> {
  const a = await browser.newContext();
  const pageA = await a.newPage();
  const email = uniqueEmail();
  await signUp(pageA, email);
  const b = await browser.newContext({ storageState: await a.storageState() });
  return [a, b, pageA, await b.newPage(), email];
}

type Logged = { id: string; date: number; sets: Array<[number, number]>; exercise?: string };

/** Pushes logged sessions through the sync API, as another device of the user would. */
async function pushSessions(page: Page, email: string, sessions: Logged[]) {
  const { token } = await (await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } })).json();
  const api = { 'x-jwt-token': token };
  let since = '';
  for (let i = 0; i < sessions.length; i += 250) {
    const batch = sessions.slice(i, i + 250);
    const pulled = await (await page.request.get(`/api/sync/pull-changes?schemaVersion=2${since}`, { headers: api })).json();
    since = `&lastPulledAt=${pulled.timestamp}`;
    const logs = [];
    const entries = [];
    const sets = [];
    for (const s of batch) {
      logs.push({ id: s.id, workout_title: `Session ${s.id}`, session_date: s.date, duration: 3000, created_at: s.date, updated_at: s.date });
      entries.push({ id: `${s.id}-e`, log_id: s.id, exercise_id: s.exercise ?? SQUAT, order: 1 });
      s.sets.forEach(([weight, reps], j) =>
        sets.push({ id: `${s.id}-s${j}`, log_exercise_id: `${s.id}-e`, order: j + 1, set_type: 'normal', weight, reps, completed: true }),
      );
    }
    const response = await page.request.post('/api/sync/push-changes', {
      headers: api,
      data: {
        lastPulledAt: pulled.timestamp,
        changes: { logs: { created: logs }, log_exercise: { created: entries }, log_exercise_sets: { created: sets } },
      },
    });
    expect(response.ok(), await response.text()).toBeTruthy();
  }
}

/** The texts of the elements with a test id, in order. */
async function texts(page: Page, testId: string): Promise<string[]> {
  return page.getByTestId(testId).allInnerTexts();
}

test('a session logged on A shows on B with the figures the server renders without JavaScript', async ({ browser }) => {
  const [contextA, contextB, a, b] = await twoDevices(browser);
  const errors = watchConsole(b);
  await a.goto('/workout');
  await expect(a.getByTestId('start-empty')).toBeEnabled({ timeout: 20_000 });
  await a.getByTestId('start-empty').click();
  await a.getByTestId('log-exercise-search').fill('back squat');
  await a.getByRole('button', { name: 'Add Back Squat (Barbell)' }).click();
  const sets = a.getByTestId('log-set');
  await enter(a, sets.first().getByTestId('log-weight'), '100');
  await enter(a, sets.first().getByTestId('log-reps'), '5');
  await sets.first().getByTestId('tick').click();
  await a.getByTestId('log-add-set').click();
  await enter(a, sets.nth(1).getByTestId('log-weight'), '105');
  await enter(a, sets.nth(1).getByTestId('log-reps'), '3');
  await sets.nth(1).getByTestId('tick').click();
  await a.getByTestId('finish').click();
  await a.getByTestId('confirm-finish').click();
  await expect(a.getByTestId('summary-volume')).toHaveText('815 kg');
  await synced(a);

  // B: the dashboard after its sync, then history and the exercise page.
  await b.goto('/');
  await synced(b);
  await expect(b.getByTestId('week-volume')).toHaveText('815 kg');
  await expect(b.getByTestId('week-sessions')).toHaveText('1');
  await expect(b.getByTestId('streak')).toHaveText('1 week');
  await expect(b.getByTestId('recent-session')).toHaveCount(1);
  const dashboard = {
    sessions: await texts(b, 'week-sessions'),
    volume: await texts(b, 'week-volume'),
    versus: await texts(b, 'week-versus'),
    streak: await texts(b, 'streak'),
    recent: await texts(b, 'recent-session'),
    records: await texts(b, 'dashboard-pr'),
  };
  expect(dashboard.records.length).toBeGreaterThan(0);

  await b.getByTestId('recent-session').getByRole('link').click();
  await expect(b).toHaveURL(/\/history\/.+/);
  await expect(b.getByTestId('session-volume')).toHaveText('815 kg');
  await expect(b.getByTestId('session-pr').first()).toContainText('Back Squat (Barbell)');
  const sessionUrl = b.url();
  const session = { volume: await texts(b, 'session-volume'), records: await texts(b, 'session-pr') };

  await b.goto('/history');
  await expect(b.getByTestId('history-session')).toHaveCount(1);
  await expect(b.getByTestId('trained-day')).toHaveCount(1);
  const history = { sessions: await texts(b, 'history-session'), total: await texts(b, 'history-total') };

  await b.goto(`/exercises/${SQUAT}`);
  await expect(b.getByTestId('pr-heaviest')).toContainText('105 kg');
  await expect(b.getByTestId('chart-one-rm')).toBeVisible();
  // 100 × (1 + 5/30) = 116.67 beats 105 × (1 + 3/30) = 115.5.
  await expect(b.getByTestId('pr-one-rm')).toContainText('116.67 kg');
  const exercise = { table: await texts(b, 'pr-table'), log: await texts(b, 'exercise-session') };
  expect(errors).toEqual([]);

  // The same user's pages rendered by the server alone.
  const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await contextB.storageState() });
  const p = await plain.newPage();
  await p.goto('/');
  expect({
    sessions: await texts(p, 'week-sessions'),
    volume: await texts(p, 'week-volume'),
    versus: await texts(p, 'week-versus'),
    streak: await texts(p, 'streak'),
    recent: await texts(p, 'recent-session'),
    records: await texts(p, 'dashboard-pr'),
  }).toEqual(dashboard);
  await p.goto(sessionUrl);
  expect({ volume: await texts(p, 'session-volume'), records: await texts(p, 'session-pr') }).toEqual(session);
  await p.goto('/history');
  expect({ sessions: await texts(p, 'history-session'), total: await texts(p, 'history-total') }).toEqual(history);
  await p.goto(`/exercises/${SQUAT}`);
  expect({ table: await texts(p, 'pr-table'), log: await texts(p, 'exercise-session') }).toEqual(exercise);
  // Charts are drawn without scripts, with their figures as a table.
  await expect(p.locator('[data-testid="chart-heaviest"] svg polyline')).toHaveCount(1);
  await expect(p.locator('[data-testid="chart-heaviest"] table tbody tr')).toHaveCount(1);
  await Promise.all([plain.close(), contextA.close(), contextB.close()]);
});

test('editing a logged weight updates the records; deleting a session removes it everywhere', async ({ browser }) => {
  const [contextA, contextB, a, b, email] = await twoDevices(browser);
  const now = Date.now();
  await pushSessions(a, email, [
    { id: 'older', date: now - 3 * DAY, sets: [[100, 5]] },
    { id: 'newer', date: now - DAY, sets: [[110, 5]] },
  ]);
  await a.goto(`/exercises/${SQUAT}`);
  await synced(a);
  await expect(a.getByTestId('pr-heaviest')).toContainText('110 kg');

  await a.goto('/history/newer');
  const weight = a.getByTestId('history-weight').first();
  await expect(weight).toBeEnabled({ timeout: 20_000 });
  await expect(weight).toHaveValue('110');
  await enter(a, weight, '120');
  await expect(a.getByTestId('session-volume')).toHaveText('600 kg');
  await synced(a);
  await a.getByRole('link', { name: 'Back Squat (Barbell)' }).first().click();
  await expect(a.getByTestId('pr-heaviest')).toContainText('120 kg');

  // B receives the edit, then A deletes the session.
  await b.goto(`/exercises/${SQUAT}`);
  await synced(b);
  await expect(b.getByTestId('pr-heaviest')).toContainText('120 kg');

  await a.goto('/history/newer');
  await expect(a.getByTestId('delete-session')).toBeEnabled({ timeout: 20_000 });
  a.once('dialog', (d) => d.accept());
  await a.getByTestId('delete-session').click();
  await expect(a).toHaveURL(/\/history$/);
  await expect(a.getByTestId('history-session')).toHaveCount(1);
  await synced(a);

  const pulled = await (await a.request.get('/api/sync/pull-changes?schemaVersion=2')).json();
  expect(pulled.changes.logs.created.map((l: { id: string }) => l.id)).toEqual(['older']);
  expect(pulled.changes.log_exercise_sets.created.map((s: { id: string }) => s.id)).toEqual(['older-s0']);

  // B: a sync later the session is gone and its records with it.
  await b.reload();
  await synced(b);
  await expect(b.getByTestId('pr-heaviest')).toContainText('100 kg');
  await b.goto('/history/newer');
  await expect(b.getByTestId('session-missing')).toBeVisible();
  await Promise.all([contextA.close(), contextB.close()]);
});

test('a thousand sessions: history pages, the calendar navigates, no page lists them all', async ({ page, browser }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  const now = Date.now();
  const sessions: Logged[] = Array.from({ length: 1000 }, (_, i) => ({
    id: `h${String(i).padStart(4, '0')}`,
    date: now - (i + 1) * DAY,
    sets: [[60 + (i % 40), 5], [60 + (i % 40), 5], [60 + (i % 40), 5]],
    exercise: i % 2 ? SQUAT : 'barbell-bench-press',
  }));
  await pushSessions(page, email, sessions);

  await page.goto('/history');
  await synced(page);
  await expect(page.getByTestId('history-total')).toHaveText('1000 sessions');
  await expect(page.getByTestId('history-session')).toHaveCount(20);
  await expect(page.getByTestId('page-of')).toHaveText('Page 1 of 50');
  await expect(page.getByTestId('history-session').first()).toContainText('Session h0000');
  await page.getByTestId('older').click();
  await expect(page.getByTestId('page-of')).toHaveText('Page 2 of 50');
  await expect(page.getByTestId('history-session').first()).toContainText('Session h0020');
  await expect(page.getByTestId('history-session')).toHaveCount(20);

  // The calendar: back a month, then a year; every day before today was trained.
  const current = await page.getByTestId('calendar-month').innerText();
  await page.getByTestId('prev-month').click();
  await expect(page.getByTestId('calendar-month')).not.toHaveText(current);
  const days = await page.getByTestId('trained-day').count();
  expect(days).toBeGreaterThanOrEqual(28);
  // The list follows the calendar to the page holding that month's sessions.
  const month = await page.getByTestId('calendar-month').innerText();
  await expect(page.getByTestId('history-month').locator('h2').filter({ hasText: month })).toHaveCount(1);
  for (let i = 0; i < 12; i++) await page.getByTestId('prev-month').click();
  await expect(page.getByTestId('trained-day')).not.toHaveCount(0);
  await page.getByTestId('trained-day').first().click();
  await expect(page).toHaveURL(/\/history\/h\d{4}$/);

  // Filtered by exercise: half of them.
  await page.goto('/history');
  await page.getByTestId('exercise-filter').selectOption(SQUAT);
  await page.getByTestId('apply-filter').click();
  await expect(page.getByTestId('history-total')).toHaveText('500 sessions with Back Squat (Barbell)');
  await expect(page.getByTestId('history-session')).toHaveCount(20);

  // Without JavaScript: the last page, and an exercise page's log is paged too.
  const plain = await browser.newContext({ javaScriptEnabled: false, storageState: await page.context().storageState() });
  const p = await plain.newPage();
  await p.goto('/history?page=50');
  await expect(p.getByTestId('page-of')).toHaveText('Page 50 of 50');
  await expect(p.getByTestId('history-session')).toHaveCount(20);
  await expect(p.getByTestId('history-session').last()).toContainText('Session h0999');
  await p.goto(`/exercises/${SQUAT}`);
  await expect(p.getByTestId('exercise-session')).toHaveCount(10);
  await expect(p.getByTestId('exercise-total')).toHaveText('500 sessions');
  await plain.close();
});

test('a new user is told what to do first; the next workout starts from the dashboard', async ({ page }) => {
  await signUp(page, uniqueEmail());
  await expect(page.getByTestId('dashboard-empty')).toBeVisible();
  await expect(page.getByTestId('dashboard-empty').getByRole('link', { name: 'Build a program' })).toBeVisible();
  await openPrograms(page);
  await buildRoutine(page, 'Legs');
  await page.goto('/');
  await expect(page.getByTestId('next-title')).toHaveText('Workout 1');
  await expect(page.getByTestId('start-next-dashboard')).toBeEnabled({ timeout: 20_000 });
  await page.getByTestId('start-next-dashboard').click();
  await expect(page).toHaveURL(/\/workout$/);
  await expect(page.getByTestId('log-exercise-name')).toHaveText(['Back Squat (Barbell)']);
  await expect(page.getByTestId('log-set').first().getByTestId('log-weight')).toHaveValue('100');
});

test('a session deleted by mistake: the other device is told, and brings it back from Recently deleted', async ({ browser }) => {
  const [contextA, contextB, a, b, email] = await twoDevices(browser);
  await b.setViewportSize({ width: 375, height: 740 });
  await pushSessions(a, email, [{ id: 'oops', date: Date.now() - DAY, sets: [[100, 5], [102.5, 5]] }]);
  await b.goto('/history');
  await synced(b);
  await expect(b.getByTestId('history-session')).toHaveCount(1);

  await a.goto('/history/oops');
  await expect(a.getByTestId('delete-session')).toBeEnabled({ timeout: 20_000 });
  a.once('dialog', (d) => d.accept());
  await a.getByTestId('delete-session').click();
  await expect(a).toHaveURL(/\/history$/);
  await expect(a.getByTestId('history-session')).toHaveCount(0);
  await synced(a);

  // B's next sync removes it and says so, by name, with the way back.
  await b.getByTestId('sync-now').click();
  await expect(b.getByTestId('noticed-change')).toHaveText('Session “Session oops” was deleted on another device');
  await expect(b.getByTestId('history-session')).toHaveCount(0);
  await b.getByTestId('noticed-to-deleted').click();
  const item = b.getByTestId('deleted-item');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText('Session oops');
  await expect(item).toContainText('with 3 records under it');
  const button = item.getByTestId('restore');
  expect((await button.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await button.click();
  await expect(b.getByTestId('restored')).toContainText('Restored “Session oops”');
  await expect(b.getByTestId('nothing-deleted')).toBeVisible();
  await b.getByRole('link', { name: 'Open it →' }).click();
  await synced(b);
  await expect(b.getByTestId('history-session')).toHaveCount(1);
  const overflow = await b.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // The device that deleted it gets it back, sets and all, by sync.
  await a.goto('/history/oops');
  await synced(a);
  await expect(a.getByTestId('history-weight')).toHaveCount(2);
  await expect(a.getByTestId('history-weight').nth(1)).toHaveValue('102.5');
  await Promise.all([contextA.close(), contextB.close()]);
});
