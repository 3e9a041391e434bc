import { expect, test, type Page } from '@playwright/test';
import { openPrograms, signUp, synced, uniqueEmail, watchConsole } from './helpers';

/**
 * Puts records straight into the replica, as an older version of the app (or a bug) may
 * have left them: pending changes the server will not take. Records live in chunks keyed
 * `table/bucket`, the bucket being FNV-1a of the id modulo 64; the page is reloaded so
 * that it reads them.
 */
async function plantInReplica(page: Page, table: string, records: Array<Record<string, unknown>>) {
  const me = await (await page.request.get('/api/auth/me')).json();
  await page.evaluate(
    async ({ name, table, records }) => {
      const bucket = (id: string) => {
        let h = 0x811c9dc5;
        for (const b of new TextEncoder().encode(id)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
        return h % 64;
      };
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const r of records) {
        await new Promise<void>((resolve, reject) => {
          const tx = db.transaction('chunks', 'readwrite');
          const store = tx.objectStore('chunks');
          const key = `${table}/${bucket(r.id as string)}`;
          const get = store.get(key);
          get.onsuccess = () => {
            const list = JSON.parse((get.result as string | undefined) ?? '[]');
            list.push({ ...r, _status: 'created', _changed: '' });
            store.put(JSON.stringify(list), key);
          };
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        });
      }
      db.close();
    },
    { name: `ezlift-${me.id}`, table, records },
  );
}

async function serverRecords(page: Page, table: string) {
  const body = await (await page.request.get('/api/sync/pull-changes?schemaVersion=1')).json();
  return body.changes[table].created as Array<Record<string, unknown>>;
}

test('refused and orphaned changes are set aside, shown, and can be discarded', async ({ page }) => {
  const errors = watchConsole(page);
  await signUp(page, uniqueEmail());
  await openPrograms(page);
  await synced(page);

  // A title the server refuses (not text), and a workout exercise whose workout is gone.
  await plantInReplica(page, 'routines', [{ id: 'refused-routine', title: 5, order: 0 }]);
  await plantInReplica(page, 'workout_exercise', [{ id: 'orphan-we', workout_id: 'no-such-workout', order: 0 }]);
  await page.reload(); // opening syncs, and meets them
  const status = page.getByTestId('sync-status');
  await expect(status).toHaveAttribute('data-state', 'refused', { timeout: 20_000 });
  await expect(status).toContainText('2 changes refused');
  const refused = page.getByTestId('refused-change');
  await expect(refused).toHaveCount(2);
  await page.getByTestId('sync-refused').locator('summary').click();
  await expect(refused.filter({ hasText: 'Routine' })).toContainText('title must be');
  await expect(refused.filter({ hasText: 'Exercise in a workout' })).toContainText('no longer on the server');

  // Other edits keep syncing past them.
  await page.getByTestId('new-routine').click();
  await expect(status).toHaveAttribute('data-state', 'refused', { timeout: 20_000 });
  await expect(status).toHaveAttribute('data-pending', '0');
  await expect.poll(async () => (await serverRecords(page, 'routines')).length).toBe(1);

  // Discarding both: nothing waits, nothing is refused, the replica is clean.
  await refused.first().getByTestId('discard-refused').click();
  await expect(refused).toHaveCount(1);
  await refused.first().getByTestId('discard-refused').click();
  await synced(page);
  await expect(status).not.toContainText('refused');
  await page.reload();
  await synced(page);
  await expect(page.getByTestId('sync-refused')).toHaveCount(0);
  expect((await serverRecords(page, 'routines')).map((r) => r.id)).not.toContain('refused-routine');
  expect(await serverRecords(page, 'workout_exercise')).toEqual([]);
  // The browser logs the refused push's 400 itself; nothing else may be logged.
  expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
});
