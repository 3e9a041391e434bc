import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { signUp, synced, uniqueEmail, watchConsole } from './helpers';

/** The server's test fixtures: one file per export generation. */
function fixture(name: string): { name: string; mimeType: string; buffer: Buffer } {
  const file = path.join(__dirname, '..', '..', 'server', 'tests', 'fixtures', 'import', name);
  return { name, mimeType: 'text/csv', buffer: readFileSync(file) };
}

test('a Strong export: dry run, the unit question, import, and the sessions on a second device', async ({ browser }) => {
  const contextA = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const a = await contextA.newPage();
  const errors = watchConsole(a);
  await signUp(a, uniqueEmail());
  // A second device of the same user, open before the import.
  const contextB = await browser.newContext({ storageState: await contextA.storageState() });
  const b = await contextB.newPage();
  await b.goto('/history');
  await synced(b);
  await expect(b.getByTestId('history-empty')).toBeVisible();

  // Settings leads here.
  await a.goto('/settings');
  await a.getByTestId('import-link').click();
  await expect(a).toHaveURL(/\/import$/);
  await synced(a);

  // Not an export: the server's message, and the picker stays.
  await a.getByTestId('import-file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from('name,age\nBob,42\n') });
  await expect(a.getByTestId('import-error')).toContainText('not a Strong, Hevy, FitNotes or EzLift export');
  await expect(a.getByTestId('import-error')).toContainText('name,age');

  // Strong's iOS export names no unit: the dry run asks, guessing pounds from 135/225/315.
  await a.getByTestId('import-file').setInputFiles(fixture('strong_ios_12.csv'));
  const preview = a.getByTestId('import-preview');
  await expect(preview).toBeVisible();
  await expect(preview.getByRole('heading')).toHaveText('Strong export');
  await expect(a.getByTestId('preview-sessions')).toHaveText('3');
  await expect(a.getByTestId('preview-sets')).toHaveText('10');
  await expect(a.getByTestId('preview-dates')).toHaveText('2023-01-05 – 2023-01-10');
  await expect(a.getByTestId('preview-exercises')).toHaveText('4 matched, 1 to create');
  await expect(a.getByTestId('unit-question')).toBeVisible();
  await expect(a.getByTestId('unit-lb')).toBeChecked();
  await expect(a.getByTestId('unit-question')).toContainText('Pounds (looks like it)');
  // The lifter knows better than the guess, then changes their mind back.
  await a.getByTestId('unit-kg').check();
  await expect(a.getByTestId('unit-lb')).not.toBeChecked();
  await a.getByTestId('unit-lb').check();
  await expect(a.getByTestId('import-run')).toHaveText('Import 3 sessions');
  await a.getByTestId('import-run').click();
  const done = a.getByTestId('import-done');
  await expect(done).toContainText('3 sessions added');
  // A new account takes the file's unit: its weights show as the lifter typed them.
  await expect(done.getByTestId('unit-adopted')).toHaveText('Weights now show in lb, as in your file.');
  await done.getByRole('link', { name: 'See them in History' }).click();
  await expect(a).toHaveURL(/\/history$/);
  await expect(a.getByTestId('history-session')).toHaveCount(3);

  // The second device gets them by sync, and the account's unit with them: 225 lb, not
  // the 102.06 kg it is stored as.
  await b.reload();
  await synced(b);
  await expect(b.getByTestId('history-session')).toHaveCount(3);
  await expect(b.getByTestId('history-total')).toHaveText('3 sessions');
  await b.getByTestId('history-session').filter({ hasText: 'Push, Heavy' }).getByRole('link').first().click();
  await expect(b.getByTestId('session-title')).toHaveValue('Push, Heavy');
  await expect(b.getByTestId('history-weight').nth(1)).toHaveValue('225');
  await expect(b.getByTestId('session-duration')).toHaveText('1 h 05 min');

  // The same file again: nothing new, nothing to press.
  await a.goto('/import');
  await synced(a);
  await a.getByTestId('import-file').setInputFiles(fixture('strong_ios_12.csv'));
  await expect(a.getByTestId('preview-new')).toHaveText('0 sessions (3 already imported)');
  await expect(a.getByTestId('import-run')).toBeDisabled();
  await expect(a.getByTestId('import-run')).toHaveText('Nothing new to import');

  // A Hevy file states its unit: no question; its unreadable rows are listed by line.
  const hevy = readFileSync(path.join(__dirname, '..', '..', 'server', 'tests', 'fixtures', 'import', 'hevy_lbs.csv'), 'utf8');
  const broken = hevy + 'Pull,"someday","1 Oct 2025, 19:00",,Lat Pulldown (Cable),,,2,normal,140,6,,,\n';
  await a.getByRole('button', { name: 'Choose another file' }).click();
  await a.getByTestId('import-file').setInputFiles({ name: 'hevy.csv', mimeType: 'text/csv', buffer: Buffer.from(broken) });
  await expect(a.getByTestId('import-preview').getByRole('heading')).toHaveText('Hevy export');
  await expect(a.getByTestId('unit-question')).toHaveCount(0);
  await expect(a.getByTestId('import-warnings')).toContainText('Line 5: date: "someday" is not a date');
  await a.getByTestId('import-run').click();
  await expect(a.getByTestId('import-done')).toContainText('1 session added');

  // Both exports come from settings, with what was imported in them.
  await a.goto('/settings');
  const [download] = await Promise.all([a.waitForEvent('download'), a.getByTestId('export-strong').click()]);
  expect(download.suggestedFilename()).toMatch(/^ezlift-strong-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = readFileSync(await download.path(), 'utf8');
  expect(csv.split('\n')[0]).toBe('Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE');
  expect(csv).toContain('"Push, Heavy"');
  expect(csv).toContain('Lat Pulldown (Cable)');
  const json = await (await a.request.get('/api/export?format=json')).json();
  expect(json.tables.logs).toHaveLength(4);

  // The refused file's 400 is logged by the browser as a failed resource; nothing else.
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
  await contextA.close();
  await contextB.close();
});
