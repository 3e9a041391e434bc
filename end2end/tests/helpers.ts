import { expect, type Page } from '@playwright/test';

export const PASSWORD = 'squat-bench-dead';

export function uniqueEmail(): string {
  return `lifter-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Fails the test on any error the page logs (a hydration mismatch shows up here). */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}

export async function signUp(page: Page, email: string): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/$/);
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs out from the settings page, where the account lives. */
export async function signOut(page: Page): Promise<void> {
  await page.goto('/settings');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
}

/** Waits until the page's replica has synced and nothing waits to be sent. */
export async function synced(page: Page): Promise<void> {
  await expect(page.getByTestId('sync-status')).toHaveAttribute('data-state', 'synced', {
    timeout: 20_000,
  });
}

/** Types into a field and leaves it, which is when the builder saves. */
export async function enter(page: Page, locator: ReturnType<Page['locator']>, value: string) {
  await locator.fill(value);
  await locator.press('Tab');
}

/** Opens the program builder and waits until the replica is the source (editable). */
export async function openPrograms(page: Page): Promise<void> {
  await page.goto('/programs');
  await expect(page.getByTestId('new-routine')).toBeEnabled({ timeout: 20_000 });
}

/** Creates a routine named `name` with one workout holding a squat with one set. */
export async function buildRoutine(page: Page, name: string): Promise<void> {
  await page.getByTestId('new-routine').click();
  const card = page.getByTestId('routine').last();
  await enter(page, card.getByTestId('routine-title'), name);
  await expect(card.getByTestId('routine-name')).toHaveText(name);
  await card.getByTestId('add-workout').click();
  await card.getByTestId('workout-link').first().click();
  await expect(page.getByTestId('workout-heading')).toBeVisible();
  await page.getByTestId('exercise-search').fill('back squat');
  await page.getByRole('button', { name: 'Add Back Squat (Barbell)' }).click();
  await expect(page.getByTestId('exercise-name')).toHaveText('Back Squat (Barbell)');
  const set = page.getByTestId('set').first();
  await enter(page, set.getByTestId('set-reps'), '5');
  await enter(page, set.getByTestId('set-weight'), '100');
  await expect(set.getByTestId('set-weight')).toHaveValue('100');
  // The input shows what was typed at once; the builder's model has it once the replica
  // committed it, which the sync that follows proves.
  await synced(page);
}
