import { expect, test } from '@playwright/test';
import { openPrograms, signUp, uniqueEmail, watchConsole } from './helpers';

/** The wasm modules a page fetched itself (not through the service worker's install). */
function wasmFetches(page: import('@playwright/test').Page): string[] {
  const fetched: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.endsWith('.wasm')) fetched.push(url.pathname);
  });
  return fetched;
}

test("each page's code is fetched only when the page is opened", async ({ browser }) => {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());
  // The page signing up loads its modules too: only the reloaded page's requests count.
  await page.waitForLoadState('networkidle');
  const fetched = wasmFetches(page);
  await page.reload();
  await expect(page.getByRole('link', { name: 'Programs' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  // The dashboard: the main module, then the dashboard's own; nothing of the builder.
  expect(fetched[0]).toBe('/pkg/ezlift.wasm');
  expect(fetched.some((p) => p.includes('dashboard_route'))).toBeTruthy();
  expect(fetched.some((p) => p.includes('programs_route'))).toBeFalsy();
  const before = fetched.length;

  // Client-side navigation loads the page's own module, then shows the page.
  await page.getByRole('link', { name: 'Programs' }).click();
  await expect(page.getByTestId('new-routine')).toBeEnabled({ timeout: 20_000 });
  expect(fetched.slice(before).some((p) => p.includes('programs_route'))).toBeTruthy();
  expect(fetched.slice(1).every((p) => p !== '/pkg/ezlift.wasm')).toBeTruthy();
  expect(errors).toEqual([]);
});

test('a page whose module arrives after the replica opened still hydrates what the server rendered', async ({
  page,
}) => {
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await page.getByTestId('new-routine').click();
  await expect(page.getByTestId('routine')).toHaveCount(1);
  await page.waitForLoadState('networkidle');

  // The page's module comes late: by then this tab's replica is open and synced, and the
  // page must still hydrate the server's HTML first, then switch to the replica.
  await page.route('**/pkg/split_*.wasm', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.reload();
  await expect(page.getByTestId('new-routine')).toBeEnabled({ timeout: 20_000 });
  await page.getByTestId('new-routine').click();
  await expect(page.getByTestId('routine')).toHaveCount(2);
  expect(errors).toEqual([]);
});

test('offline, a page never opened on this device still opens: the worker keeps every module', async ({
  browser,
}) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signUp(page, uniqueEmail());
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // Reloaded once so the worker controls the page; the builder was never opened.
  await page.reload();
  await expect(page.getByRole('link', { name: 'Programs' })).toBeVisible();
  await page.waitForLoadState('networkidle');

  await context.setOffline(true);
  await page.getByRole('link', { name: 'Programs' }).click();
  await expect(page.getByTestId('new-routine')).toBeEnabled({ timeout: 20_000 });
});
