import { expect, test } from '@playwright/test';
import { signUp, synced, uniqueEmail, watchConsole } from './helpers';

test('bodyweight and tape logged, corrected and deleted offline on a 375 px phone', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());

  // The dashboard keeps a place for the bodyweight beside the lifts, and leads to the page.
  await expect(page.getByTestId('no-bodyweight')).toBeVisible();
  await page.getByTestId('to-measurements').click();
  await expect(page).toHaveURL(/\/measurements$/);
  await expect(page.getByTestId('no-measurements')).toBeVisible();
  const save = page.getByTestId('save-measurement');
  await expect(save).toBeEnabled({ timeout: 20_000 });
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await context.setOffline(true);

  // A value no body has is refused with the range, and nothing is saved.
  await page.getByTestId('m-bodyweight').fill('8000');
  await save.click();
  await expect(page.getByTestId('measurement-problem')).toHaveText('Bodyweight must be between 20 and 400 kg');
  await expect(page.getByTestId('measurement')).toHaveCount(0);

  await page.getByTestId('m-bodyweight').fill('82,5');
  await page.getByTestId('m-waist').fill('84');
  await save.click();
  await expect(page.getByTestId('measurement-problem')).toHaveCount(0);
  const entries = page.getByTestId('measurement');
  await expect(entries).toHaveCount(1);
  await expect(entries.first().getByTestId('measurement-values')).toHaveText('82.5 kg · Waist 84 cm');
  await expect(page.getByTestId('m-bodyweight')).toHaveValue('');

  // A week ago: listed after today's, and both on the bodyweight chart.
  const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
  await page.getByTestId('measured-on').fill(weekAgo);
  await page.getByTestId('m-bodyweight').fill('83');
  await save.click();
  await expect(entries).toHaveCount(2);
  await expect(entries.getByTestId('measurement-values')).toHaveText(['82.5 kg · Waist 84 cm', '83 kg']);
  await expect(page.getByTestId('chart-bodyweight').locator('circle')).toHaveCount(2);
  await expect(page.getByTestId('chart-waist').locator('circle')).toHaveCount(1);

  // Corrected: the form fills in, saves over the entry, and a cleared field is cleared.
  await entries.first().getByTestId('edit-measurement').click();
  await expect(page.getByTestId('m-bodyweight')).toHaveValue('82.5');
  await page.getByTestId('m-bodyweight').fill('82');
  await page.getByTestId('m-waist').fill('');
  await save.click();
  await expect(entries).toHaveCount(2);
  await expect(entries.first().getByTestId('measurement-values')).toHaveText('82 kg');
  await expect(page.getByTestId('chart-waist')).toHaveCount(0);

  // Deleted.
  const deleteButton = entries.nth(1).getByTestId('delete-measurement');
  expect((await deleteButton.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await deleteButton.click();
  await expect(entries).toHaveCount(1);

  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // Online again: the entry reaches the server, whose page is whole before any script.
  await context.setOffline(false);
  await synced(page);
  const pulled = await (await context.request.get('/api/sync/pull-changes?schemaVersion=3')).json();
  const rows = pulled.changes.body_measurements.created;
  expect(rows.map((r: { bodyweight: number; waist: number | null }) => [r.bodyweight, r.waist])).toEqual([[82, null]]);
  const html = await (await context.request.get('/measurements')).text();
  expect(html).toContain('82 kg');
  expect(html).toContain('data-testid="chart-bodyweight"');
  const dashboard = await (await context.request.get('/')).text();
  expect(dashboard).toContain('data-testid="bodyweight-chart"');

  // Offline, the browser reports each fetch that could not go out; nothing else may fail.
  expect(errors.filter((e) => !e.includes('Failed to load resource'))).toEqual([]);
  await context.close();
});
