import { expect, test } from '@playwright/test';
import { signIn, signOut, signUp, uniqueEmail, watchConsole } from './helpers';

test('sign up, land on the dashboard, sign out, sign in again', async ({ page }) => {
  const errors = watchConsole(page);
  const email = uniqueEmail();
  await signUp(page, email);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(page.getByTestId('welcome')).toHaveText('Welcome, Lifter.');
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByTestId('current-user')).toHaveText(email);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('navigation', { name: 'Main' })).toHaveCount(0);

  // Signed out, the app sends visitors to sign-in.
  await page.goto('/history');
  await expect(page).toHaveURL(/\/login\?next=\/history$/);

  await signIn(page, email);
  await expect(page).toHaveURL(/\/history$/);
  await page.goto('/settings');
  await expect(page.getByTestId('current-user')).toHaveText(email);
  expect(errors).toEqual([]);
});

test('a wrong password shows an error', async ({ page }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  await signOut(page);

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
  await expect(page.getByTestId('welcome')).toHaveText('Welcome, Lifter.');
  await page.goto('/settings');
  await expect(page.getByTestId('current-user')).toHaveText(email);
  await expect(page.getByTestId('weight-unit')).toHaveValue('kg');

  // Signing in needs no JavaScript either.
  const fresh = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
  await fresh.goto('/login');
  await signIn(fresh, email);
  await expect(fresh).toHaveURL(/\/$/);
  await expect(fresh.getByTestId('welcome')).toHaveText('Welcome, Lifter.');
});

test('the page hydrates: the theme setting and client-side navigation work', async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());

  await page.getByRole('link', { name: 'Settings' }).click();
  const theme = page.getByTestId('theme');
  await expect(theme).toBeEnabled({ timeout: 20_000 });
  const html = page.locator('html');
  const before = await html.getAttribute('data-theme');
  const after = before === 'dark' ? 'light' : 'dark';
  await theme.selectOption(after);
  await expect(html).toHaveAttribute('data-theme', after);
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', after);
  await expect(theme).toHaveValue(after);
  // Hydrated again before a link is followed: a click that lands before hydration is an
  // ordinary page load.
  await expect(theme).toBeEnabled();

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
  // A bottom tab bar: five tabs in one row, each thumb-sized, none off the edge.
  const tabs = ['Dashboard', 'Programs', 'Workout', 'History', 'Settings'];
  const boxes = [];
  for (const name of tabs) {
    const link = page.getByRole('link', { name, exact: true });
    await expect(link).toBeVisible();
    boxes.push((await link.boundingBox())!);
  }
  for (const box of boxes) {
    expect(box.height).toBeGreaterThanOrEqual(44);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(375);
    expect(box.y).toBe(boxes[0].y);
    expect(box.y).toBeGreaterThan(600);
  }
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await expect(page.getByRole('link', { name: /Import/ })).toBeVisible();
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
});

test('at 1280 px the header fits on one line', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  const header = (await page.locator('header.topbar').boundingBox())!;
  expect(header.height).toBeLessThan(70);
  for (const name of ['Dashboard', 'Programs', 'Workout', 'History', 'Import', 'Settings']) {
    const box = (await page.getByRole('link', { name, exact: true }).boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(header.y);
    expect(box.y + box.height).toBeLessThanOrEqual(header.y + header.height);
  }
});
