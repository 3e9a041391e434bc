import { expect, test } from '@playwright/test';
import { buildRoutine, enter, openPrograms, signUp, synced, uniqueEmail, watchConsole } from './helpers';

test('plates per side and warm-up sets on a 375 px phone, the logger offline', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());

  // The template editor: a gym's plates until the user says which they own.
  await openPrograms(page);
  await buildRoutine(page, 'Legs');
  const template = page.getByTestId('template-plates');
  await template.locator('summary').click();
  await expect(template.getByTestId('plates-per-side')).toHaveText('25 + 15 kg a side');

  // Settings: a home gym's plates. Text that cannot be read says where and is not saved.
  await page.goto('/settings');
  const owned = page.locator('#plates-owned');
  await expect(owned).toBeEnabled({ timeout: 20_000 });
  await expect(owned).toHaveValue('25:8 20:4 15:2 10:4 5:4 2.5:4 1.25:2');
  await enter(page, owned, '20:x');
  await expect(page.getByTestId('plates-problem')).toContainText("'20:x'");
  await enter(page, owned, '20:4, 10:2 5:2 2.5:2 1.25:2');
  await expect(page.getByTestId('plates-problem')).toHaveCount(0);
  await expect(owned).toHaveValue('20:4 10:2 5:2 2.5:2 1.25:2');
  await synced(page);
  const pulled = await (await context.request.get('/api/sync/pull-changes?schemaVersion=3')).json();
  expect(pulled.changes.user_settings.created[0].plates).toBe('20:4 10:2 5:2 2.5:2 1.25:2');

  // The logger, offline from here on.
  await page.goto('/workout');
  await expect(page.getByTestId('start-empty')).toBeEnabled({ timeout: 20_000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await context.setOffline(true);
  await page.getByTestId('start-empty').click();
  await page.getByTestId('log-exercise-search').fill('back squat barbell');
  await page.getByRole('button', { name: 'Add Back Squat (Barbell)' }).click();
  const sets = page.getByTestId('log-set');
  await enter(page, sets.first().getByTestId('log-weight'), '100');
  await enter(page, sets.first().getByTestId('log-reps'), '5');

  const panel = page.getByTestId('log-plates');
  await panel.locator('summary').click();
  await expect(panel.getByTestId('plates-per-side')).toHaveText('20 + 20 kg a side');
  await expect(panel.getByTestId('plates-nearest')).toHaveCount(0);
  // A weight these plates cannot make: the nearest they can.
  await panel.locator('input').fill('101');
  await expect(panel.getByTestId('plates-nearest')).toHaveText('Cannot be made exactly: nearest 100 kg');
  await panel.locator('input').fill('83.5');
  await expect(panel.getByTestId('plates-per-side')).toHaveText('20 + 10 + 1.25 kg a side');

  // Warm-ups for the working set, from the default ramp, on weights these plates make.
  const warmUps = panel.getByTestId('log-warm-ups');
  expect((await warmUps.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await warmUps.click();
  await expect(sets).toHaveCount(5);
  const weights = await sets.getByTestId('log-weight').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  expect(weights).toEqual(['20', '40', '60', '80', '100']);
  await expect(sets.locator('.set-badge')).toHaveText(['W', 'W', 'W', 'W', '1']);
  const types = await sets.getByTestId('log-set-type').evaluateAll((els) => els.map((e) => (e as HTMLSelectElement).value));
  expect(types).toEqual(['warmup', 'warmup', 'warmup', 'warmup', 'normal']);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // Offline, the browser reports each fetch that could not go out; nothing else may fail.
  expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  await context.close();
});

test('a template exercise suggests the next weight by its rule, taken with one tap offline', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await buildRoutine(page, 'Legs'); // Back squat, one set of 100 kg × 5
  // Double progression up to 5 reps: a session of 5 tops the range.
  await expect(page.getByTestId('progression-rule')).toHaveValue('double');
  await expect(page.getByTestId('progression-top')).toHaveAttribute('placeholder', '9');
  await enter(page, page.getByTestId('progression-top'), '5');
  await synced(page);

  await page.goto('/workout');
  await expect(page.getByTestId('start-template').first()).toBeEnabled({ timeout: 20_000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await context.setOffline(true);
  const sets = page.getByTestId('log-set');
  const startAndFinish = async () => {
    await page.getByTestId('start-template').first().click();
    await expect(sets.first().getByTestId('log-weight')).toHaveValue(/./);
  };
  await startAndFinish();
  // Never logged: nothing to suggest.
  await expect(sets.first().getByTestId('suggestion')).toHaveCount(0);
  await sets.first().getByTestId('tick').click();
  await page.getByTestId('finish').click();
  await page.getByTestId('confirm-finish').click();
  await expect(page.getByTestId('summary')).toBeVisible();

  await page.goto('/workout');
  await expect(page.getByTestId('start-template').first()).toBeEnabled({ timeout: 20_000 });
  await startAndFinish();
  const suggestion = sets.first().getByTestId('suggestion');
  await expect(suggestion).toHaveText('→ 102.5 × 5');
  expect((await suggestion.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await suggestion.click();
  await expect(sets.first().getByTestId('log-weight')).toHaveValue('102.5');
  await expect(sets.first().getByTestId('log-reps')).toHaveValue('5');
  await expect(suggestion).toHaveCount(0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  // Offline, the browser reports each fetch that could not go out; nothing else may fail.
  expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  await context.close();
});

test('a history of bodyweight sets says where the all-time bests will show', async ({ page }) => {
  await signUp(page, uniqueEmail());
  await page.goto('/workout');
  await expect(page.getByTestId('start-empty')).toBeEnabled({ timeout: 20_000 });
  await page.getByTestId('start-empty').click();
  await page.getByTestId('log-exercise-search').fill('chin');
  await page.getByRole('button', { name: 'Add Chin-Up' }).click();
  const set = page.getByTestId('log-set').first();
  await enter(page, set.getByTestId('log-reps'), '8');
  await set.getByTestId('tick').click();
  await page.getByTestId('finish').click();
  await page.getByTestId('confirm-finish').click();
  await expect(page.getByTestId('summary')).toBeVisible();
  await page.goto('/');
  await expect(page.getByTestId('no-all-time')).toHaveText('No weighted sets yet: your heaviest lifts show here.');
  await expect(page.getByTestId('all-time-best')).toHaveCount(0);
});
