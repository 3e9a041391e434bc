import { expect, test } from '@playwright/test';
import { signIn, signUp, uniqueEmail, watchConsole } from './helpers';

test('sign up, land on the dashboard, sign out, sign in again', async ({ page }) => {
  const errors = watchConsole(page);
  const email = uniqueEmail();
  await signUp(page, email);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.getByTestId('current-user')).toHaveText(email);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByTestId('current-user')).toHaveCount(0);

  // Signed out, the app sends visitors to sign-in.
  await page.goto('/history');
  await expect(page).toHaveURL(/\/login\?next=\/history$/);

  await signIn(page, email);
  await expect(page).toHaveURL(/\/history$/);
  await expect(page.getByTestId('current-user')).toHaveText(email);
  expect(errors).toEqual([]);
});

test('a wrong password shows an error', async ({ page }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  await page.getByRole('button', { name: 'Sign out' }).click();

  await signIn(page, email, 'not-my-password');
  await expect(page).toHaveURL(/\/login\?error=/);
  await expect(page.getByRole('alert')).toHaveText('wrong e-mail or password');
  await expect(page.getByLabel('E-mail')).toHaveValue(email);
});

test('pages are rendered on the server: JavaScript off still shows the user', async ({ browser }) => {
  const email = uniqueEmail();
  const withJs = await browser.newContext();
  await signUp(await withJs.newPage(), email);
  const session = await withJs.storageState();

  const noJs = await browser.newContext({ javaScriptEnabled: false, storageState: session });
  const page = await noJs.newPage();
  await page.goto('/');
  await expect(page.getByTestId('current-user')).toHaveText(email);
  await expect(page.getByTestId('welcome')).toContainText(email);

  // Signing in needs no JavaScript either.
  const fresh = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await fresh.goto('/login');
  await signIn(fresh, email);
  await expect(fresh).toHaveURL(/\/$/);
  await expect(fresh.getByTestId('current-user')).toHaveText(email);
});

test('the page hydrates: the theme toggle and client-side navigation work', async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());

  const toggle = page.getByTestId('theme-toggle');
  // The server renders a neutral label; the hydrated client replaces it.
  await expect(toggle).toHaveText(/Dark theme|Light theme/);
  const html = page.locator('html');
  const before = await html.getAttribute('data-theme');
  const after = before === 'dark' ? 'light' : 'dark';
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', after);
  await expect(toggle).toHaveAttribute('aria-pressed', String(after === 'dark'));
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', after);
  // Hydrated again (the client's label is back) before a link is followed: a click that
  // lands before hydration is an ordinary page load.
  await expect(toggle).toHaveText(/Dark theme|Light theme/);

  // The router is live: following a link does not reload the document.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.getByRole('link', { name: 'History' }).click();
  await expect(page.getByRole('heading', { name: 'History' })).toBeVisible();
  await expect(page).toHaveURL(/\/history$/);
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  await expect(page.getByRole('link', { name: 'History' })).toHaveAttribute('aria-current', 'page');
  expect(errors).toEqual([]);
});

test('usable on a 375 px wide phone', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  for (const name of ['Dashboard', 'Programs', 'Workout', 'History', 'Import', 'Settings']) {
    await expect(page.getByRole('link', { name })).toBeAttached();
  }
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
});
