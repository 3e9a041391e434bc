// The commands a Leptos developer types, `cargo leptos build` and `cargo leptos watch`,
// build without `--split`: that bundle must work too (one module for every page). The
// test command builds it into `target/site-single`; this starts a server on it.
import { expect, test } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { releaseServerEnv } from '../release-server.cjs';
import { signUp, uniqueEmail, watchConsole } from './helpers';

const ROOT = path.resolve(__dirname, '..', '..');
const SITE = 'target/site-single';
const PORT = 3190;
const built = existsSync(path.join(ROOT, SITE, 'pkg', 'ezlift.wasm'));

test.describe('the bundle built without --split', () => {
  test.skip(
    !built && !process.env.EZLIFT_REQUIRE_PLAIN_BUILD,
    `no plain build in ${SITE} (./dev test makes one)`,
  );
  let server: ChildProcess;
  let data: string;

  test.beforeAll(async () => {
    expect(built, `${SITE} must hold a build without --split`).toBe(true);
    data = mkdtempSync(path.join(tmpdir(), 'ezlift-plain-'));
    server = spawn(path.join(ROOT, 'target/release/server'), [], {
      cwd: ROOT,
      env: { ...process.env, ...releaseServerEnv(PORT, `sqlite://${data}/plain.db`), LEPTOS_SITE_ROOT: SITE },
      stdio: 'ignore',
    });
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(`http://127.0.0.1:${PORT}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the server on the plain build did not start');
  });

  test.afterAll(() => {
    server?.kill();
    rmSync(data, { recursive: true, force: true });
  });

  test('pages hydrate from one module, with no console error', async ({ browser }) => {
    const context = await browser.newContext({ baseURL: `http://127.0.0.1:${PORT}`, serviceWorkers: 'block' });
    const page = await context.newPage();
    const errors = watchConsole(page);
    const wasm: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.endsWith('.wasm') || url.pathname.includes('__wasm_split')) wasm.push(url.pathname);
    });
    await signUp(page, uniqueEmail());
    await expect(page.getByTestId('welcome')).toBeVisible();
    // Client-side navigation and the replica work: the builder becomes editable.
    await page.getByRole('link', { name: 'Programs' }).click();
    await expect(page.getByTestId('new-routine')).toBeEnabled({ timeout: 20_000 });
    await page.getByRole('link', { name: 'History' }).click();
    await expect(page.getByTestId('history-total')).toBeVisible();
    expect(new Set(wasm)).toEqual(new Set(['/pkg/ezlift.wasm']));
    expect(errors).toEqual([]);
    await context.close();
  });
});
