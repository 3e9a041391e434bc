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

test("Hevy's measurement export is imported on a phone and shows on the page", async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, hasTouch: true });
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await page.goto('/import');
  await synced(page);
  const csv =
    'date,weight_kg,fat_percent,neck_cm,shoulder_cm,chest_cm,left_bicep_cm,right_bicep_cm,left_forearm_cm,' +
    'right_forearm_cm,abdomen_cm,waist_cm,hips_cm,left_thigh_cm,right_thigh_cm,left_calf_cm,right_calf_cm\n' +
    '"15 Jan 2024, 08:00",82.4,15.5,0,120,104,36,37,0,0,88,84,98,58,59,38,38\n' +
    '"22 Jan 2024, 08:00",81.9,,,,,,,,,,83.5,,,,,\n';
  await page.getByTestId('import-file').setInputFiles({ name: 'measurements.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const preview = page.getByTestId('import-preview');
  await expect(preview.getByRole('heading')).toHaveText('Hevy export');
  await expect(page.getByTestId('preview-measurements')).toHaveText('2');
  await expect(page.getByTestId('preview-new')).toHaveText('2 measurements');
  await expect(page.getByTestId('import-run')).toHaveText('Import 2 measurements');
  await page.getByTestId('import-run').click();
  await expect(page.getByTestId('import-done')).toContainText('2 measurements added');
  await page.getByRole('link', { name: 'See them in Measurements' }).click();
  await synced(page);
  const entries = page.getByTestId('measurement');
  await expect(entries).toHaveCount(2);
  await expect(entries.getByTestId('measurement-values')).toHaveText([
    '81.9 kg · Waist 83.5 cm',
    '82.4 kg · 15.5 % fat · Chest 104 cm · Waist 84 cm · Hips 98 cm · Arm 36.5 cm · Thigh 58.5 cm · Calf 38 cm',
  ]);
  await expect(entries.nth(1)).toContainText('shoulder 120 cm · abdomen 88 cm');
  await context.close();
});
