import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, signIn, signUp, synced, uniqueEmail, watchConsole } from './helpers';

/** The names of this origin's IndexedDB databases. */
async function databases(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
}

async function sessionCookie(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  return cookies.find((c) => c.name === 'ezlift_session')!.value;
}

test('pages carry a Content-Security-Policy that the app runs under without a violation', async ({ page }) => {
  const errors = watchConsole(page);
  // Every violation is reported to the page as an event; count them from the start.
  await page.addInitScript(() => {
    (window as any).__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      (window as any).__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const email = uniqueEmail();
  await signUp(page, email);
  const response = await page.goto('/programs');
  const csp = response!.headers()['content-security-policy'];
  expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'wasm-unsafe-eval'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(response!.headers()['x-frame-options']).toBe('DENY');
  expect(response!.headers()['x-content-type-options']).toBe('nosniff');
  await expect(page.getByTestId('new-routine')).toBeEnabled({ timeout: 20_000 });
  for (const path of ['/', '/history', '/settings', '/import', '/workout']) {
    await page.goto(path);
    await synced(page);
  }
  expect(await page.evaluate(() => (window as any).__violations)).toEqual([]);
  expect(errors).toEqual([]);
});

test('signing out can remove the data from the device, warning first about unsent changes', async ({ page, context }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  await page.goto('/settings');
  await synced(page);
  const user = await page.evaluate(async () => (await (await fetch('/api/auth/me')).json()).id);
  expect(await databases(page)).toContain(`ezlift-${user}`);
  const oldCookie = await sessionCookie(page);

  // Offline, a change waits on the device; asking to remove the data says what is lost.
  await context.setOffline(true);
  await page.getByLabel('Weight unit').selectOption('lb');
  const forget = page.getByTestId('forget-device');
  await forget.check();
  await expect(page.getByTestId('unsynced-warning')).toContainText(
    '1 change made on this device has not reached the server yet',
  );
  await forget.uncheck();
  await expect(page.getByTestId('unsynced-warning')).toHaveCount(0);

  // Back online the change is sent; now nothing would be lost.
  await context.setOffline(false);
  await synced(page);
  await forget.check();
  await expect(page.getByTestId('unsynced-warning')).toHaveCount(0);

  // A second tab of the same user: it closes its copy and goes to the sign-in page too.
  const other = await context.newPage();
  await other.goto('/programs');
  await expect(other.getByTestId('new-routine')).toBeEnabled({ timeout: 20_000 });

  await page.getByRole('button', { name: 'Remove data and sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(other).toHaveURL(/\/login/);
  await expect.poll(() => databases(page)).not.toContain(`ezlift-${user}`);

  // The old session's cookie is worth nothing now, replayed or not.
  const replay = await page.request.get('/api/auth/me', {
    headers: { cookie: `ezlift_session=${oldCookie}` },
  });
  expect(replay.status()).toBe(401);

  // Signing in again brings the data back from the server.
  await signIn(page, email);
  await page.goto('/settings');
  await synced(page);
  await expect(page.getByLabel('Weight unit')).toHaveValue('lb');
  expect(await databases(page)).toContain(`ezlift-${user}`);
});

test('a plain sign-out keeps the device data, and its token stops working', async ({ page }) => {
  await signUp(page, uniqueEmail());
  await page.goto('/settings');
  await synced(page);
  const user = await page.evaluate(async () => (await (await fetch('/api/auth/me')).json()).id);
  const oldCookie = await sessionCookie(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  expect(await databases(page)).toContain(`ezlift-${user}`);
  const replay = await page.request.get('/api/sync/pull-changes?lastPulledAt=null', {
    headers: { cookie: `ezlift_session=${oldCookie}` },
  });
  expect(replay.status()).toBe(401);
});

test('changing the password signs every other device out', async ({ browser, page }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  const laptop = await browser.newContext();
  const other = await laptop.newPage();
  await other.goto('/login');
  await signIn(other, email);
  await expect(other).toHaveURL(/\/$/);

  await page.goto('/settings');
  const form = page.getByTestId('password');
  await form.getByLabel('Current password').fill('not the password');
  await form.getByLabel('New password').fill('a brand new password');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('alert')).toContainText('not your current password');

  await form.getByLabel('Current password').fill(PASSWORD);
  await form.getByLabel('New password').fill('a brand new password');
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(form.getByRole('status')).toHaveText(
    'Password changed. Your other devices have been signed out.',
  );
  // This device goes on; the other one is signed out.
  await page.goto('/history');
  await expect(page).toHaveURL(/\/history$/);
  await other.goto('/history');
  await expect(other).toHaveURL(/\/login\?next=\/history$/);
  await signIn(other, email, 'a brand new password');
  await expect(other).toHaveURL(/\/history$/);
  await laptop.close();
});
