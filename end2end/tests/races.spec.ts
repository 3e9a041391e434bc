import { expect, test, type Page } from '@playwright/test';
import { buildRoutine, openPrograms, signUp, synced, uniqueEmail, watchConsole } from './helpers';

// Each test runs two actions in one JavaScript task, so nothing (no commit, no render)
// can happen between them: the second must act on the state the first left.

async function newRoutines(page: Page, n: number) {
  for (let i = 1; i <= n; i++) {
    await page.getByTestId('new-routine').click();
    await expect(page.getByTestId('routine-name')).toHaveCount(i);
  }
  await synced(page);
}

/** After a reload the replica shows what was committed: the same as before it. */
async function survivesReload(page: Page, check: () => Promise<void>) {
  await synced(page);
  await check();
  await page.reload();
  await synced(page);
  await check();
}

test('typing a weight then at once "Add set" copies the new weight', async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await buildRoutine(page, 'Legs');
  await page.evaluate(() => {
    const weight = document.querySelector<HTMLInputElement>('[data-testid=set-weight]')!;
    weight.value = '120';
    weight.dispatchEvent(new Event('change', { bubbles: true }));
    document.querySelector<HTMLButtonElement>('[data-testid=add-set]')!.click();
  });
  await survivesReload(page, async () => {
    await expect(page.getByTestId('set-weight')).toHaveCount(2);
    await expect(page.getByTestId('set-weight').nth(0)).toHaveValue('120');
    await expect(page.getByTestId('set-weight').nth(1)).toHaveValue('120');
  });
  expect(errors).toEqual([]);
});

test('two quick "Make default" clicks leave one default', async ({ page }) => {
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await newRoutines(page, 3);
  await page.evaluate(() => {
    const cards = document.querySelectorAll('[data-testid=routine]');
    for (const i of [1, 2]) {
      const button = [...cards[i].querySelectorAll('button')].find((b) => b.textContent === 'Make default')!;
      button.click();
    }
  });
  await survivesReload(page, async () => {
    await expect(page.getByTestId('default-badge')).toHaveCount(1);
    await expect(page.getByTestId('routine').nth(2).getByTestId('default-badge')).toBeVisible();
  });
});

test('a double "move up" moves twice', async ({ page }) => {
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await newRoutines(page, 3);
  await page.evaluate(() => {
    const up = document.querySelector<HTMLButtonElement>('[aria-label="Move Routine 3 up"]')!;
    up.click();
    up.click();
  });
  await survivesReload(page, async () => {
    await expect(page.getByTestId('routine-name')).toHaveText(['Routine 3', 'Routine 1', 'Routine 2']);
  });
});

test('deleting a routine right after linking its workout elsewhere keeps the workout', async ({ page }) => {
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await newRoutines(page, 2);
  await page.getByTestId('routine').first().getByTestId('add-workout').click();
  await expect(page.getByTestId('workout-link')).toHaveText(['Workout 1']);
  await synced(page);
  await page.evaluate(() => {
    window.confirm = () => true;
    const [first, second] = document.querySelectorAll('[data-testid=routine]');
    const select = second.querySelector<HTMLSelectElement>('select')!;
    select.value = select.options[1].value;
    select.dispatchEvent(new Event('change', { bubbles: true }));
    [...second.querySelectorAll('button')].find((b) => b.textContent === 'Add')!.click();
    first.querySelector<HTMLButtonElement>('[data-testid=delete-routine]')!.click();
  });
  await survivesReload(page, async () => {
    await expect(page.getByTestId('routine-name')).toHaveText(['Routine 2']);
    await expect(page.getByTestId('workout-link')).toHaveText(['Workout 1']);
  });
});
