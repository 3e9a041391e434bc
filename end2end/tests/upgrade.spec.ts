import { expect, test, type Page } from '@playwright/test';
import { PASSWORD, openPrograms, signUp, synced, uniqueEmail } from './helpers';

/** Replaces the user's replica with one in the first layout: a store per table, a value per record. */
async function plantVersion1(page: Page, name: string, tables: Array<{ name: string; parents: string[] }>, records: Record<string, unknown[]>, cursor: number) {
  await page.goto('/healthz'); // same origin, no app code holding the database
  await page.evaluate(
    async ({ name, tables, records, cursor }) => {
      await new Promise<void>((resolve, reject) => {
        const del = indexedDB.deleteDatabase(name);
        del.onsuccess = () => resolve();
        del.onerror = () => reject(del.error);
      });
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const open = indexedDB.open(name, 1);
        open.onupgradeneeded = () => {
          const db = open.result;
          for (const t of tables) {
            const store = db.createObjectStore(t.name, { keyPath: 'id' });
            store.createIndex('_status', '_status');
            for (const p of t.parents) store.createIndex(p, p);
          }
          db.createObjectStore('meta');
          db.createObjectStore('exercises', { keyPath: 'id' });
        };
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction(db.objectStoreNames, 'readwrite');
        for (const [table, list] of Object.entries(records)) {
          for (const r of list) tx.objectStore(table).put(r);
        }
        tx.objectStore('meta').put(cursor, 'last_pulled_at');
        tx.objectStore('meta').put('client-from-v1', 'client_id');
        tx.objectStore('meta').put(1, 'schema_version');
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { name, tables, records, cursor },
  );
}

test('a version-1 replica is upgraded in place: pending edit and cursor kept, nothing re-downloaded', async ({ page }) => {
  const email = uniqueEmail();
  await signUp(page, email);
  const me = await (await page.request.get('/api/auth/me')).json();
  const { token } = await (await page.request.post('/api/auth/login', { data: { email, password: PASSWORD } })).json();
  const api = { 'x-jwt-token': token };
  const schema = await (await page.request.get('/api/sync/schema')).json();
  const parents: Record<string, string[]> = {
    routine_workouts: ['routine_id', 'workout_id'],
    workout_exercise: ['workout_id'],
    workout_exercise_sets: ['workout_exercise_id'],
    log_exercise: ['log_id'],
    log_exercise_sets: ['log_exercise_id'],
  };
  const tables = schema.tables.map((t: { name: string }) => ({ name: t.name, parents: parents[t.name] ?? [] }));

  // The server has a routine; the old replica holds it, synced, and one made offline.
  const first = await (await page.request.get('/api/sync/pull-changes?schemaVersion=1', { headers: api })).json();
  const push = await page.request.post('/api/sync/push-changes', {
    headers: api,
    data: {
      lastPulledAt: first.timestamp,
      changes: {
        routines: { created: [{ id: 'server-routine', title: 'From the server', order: 1, default_routine: true }] },
        // Schema version 2's column, which the version-1 replica was never sent.
        custom_exercises: { created: [{ id: 'server-plank', name: 'Weighted plank', category: 'core', equipment: 'other', primary_muscle: 'abs', tracking: 'duration' }] },
      },
    },
  });
  expect(push.ok()).toBeTruthy();
  const state = await (await page.request.get('/api/sync/pull-changes?schemaVersion=1', { headers: api })).json();
  const synced1 = (r: Record<string, unknown>) => ({ ...r, _status: 'synced', _changed: '' });
  const records = {
    user_settings: state.changes.user_settings.created.map(synced1),
    custom_exercises: state.changes.custom_exercises.created.map(synced1),
    routines: [
      ...state.changes.routines.created.map(synced1),
      { id: 'v1-pending', title: 'Made offline before the upgrade', description: '', order: 2, default_routine: false, _status: 'created', _changed: '' },
    ],
  };
  await plantVersion1(page, `ezlift-${me.id}`, tables, records, state.timestamp);

  const pulls: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/sync/pull-changes')) pulls.push(r.url());
  });
  await openPrograms(page);
  await expect(page.getByTestId('routine-name')).toHaveText(['From the server', 'Made offline before the upgrade']);
  await synced(page);
  expect(pulls[0]).toContain(`lastPulledAt=${state.timestamp}`);
  // It pulled with WatermelonDB's migration, once: the new column reached the old record.
  expect(decodeURIComponent(pulls[0])).toContain('migration={"from":1}');
  expect(state.changes.custom_exercises.created[0].tracking).toBeUndefined();
  const after = await (await page.request.get('/api/sync/pull-changes?schemaVersion=1', { headers: api })).json();
  expect(after.changes.routines.created.map((r: { id: string }) => r.id).sort()).toEqual(['server-routine', 'v1-pending']);

  // The records now live in chunks; the old stores are empty.
  const layout = await page.evaluate(async (name) => {
    const db: IDBDatabase = await new Promise((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const count = (store: string) =>
      new Promise<number>((resolve) => {
        const req = db.transaction(store).objectStore(store).count();
        req.onsuccess = () => resolve(req.result);
      });
    const texts: string[] = await new Promise((resolve) => {
      const req = db.transaction('chunks').objectStore('chunks').getAll();
      req.onsuccess = () => resolve(req.result.map(String));
    });
    const out = {
      version: db.version,
      chunks: await count('chunks'),
      oldRoutines: await count('routines'),
      tracking: texts.some((t) => t.includes('"tracking":"duration"')),
    };
    db.close();
    return out;
  }, `ezlift-${me.id}`);
  expect(layout.version).toBe(2);
  expect(layout.chunks).toBeGreaterThanOrEqual(2);
  expect(layout.oldRoutines).toBe(0);
  expect(layout.tracking).toBe(true);
  await page.reload();
  await synced(page);
  expect(pulls.slice(1).every((u) => !u.includes('migration='))).toBe(true);
});

test('two tabs editing one record at once keep both edits', async ({ browser }) => {
  const context = await browser.newContext();
  const one = await context.newPage();
  await signUp(one, uniqueEmail());
  await openPrograms(one);
  await one.getByTestId('new-routine').click();
  await synced(one);
  const two = await context.newPage();
  await openPrograms(two);
  await synced(two);
  await expect(two.getByTestId('routine-name')).toHaveText(['Routine 1']);

  // Each tab changes another column of the same record, neither having seen the other's.
  await Promise.all([
    one.evaluate(() => {
      const title = document.querySelector<HTMLInputElement>('[data-testid=routine-title]')!;
      title.value = 'Title from tab one';
      title.dispatchEvent(new Event('change', { bubbles: true }));
    }),
    two.evaluate(() => {
      const description = document.querySelector<HTMLInputElement>('[data-testid=routine-description]')!;
      description.value = 'Description from tab two';
      description.dispatchEvent(new Event('change', { bubbles: true }));
    }),
  ]);
  for (const page of [one, two]) {
    await expect(page.getByTestId('routine-name')).toHaveText(['Title from tab one']);
    await expect(page.getByTestId('routine-description')).toHaveValue('Description from tab two');
  }
  await synced(one);
  await one.reload();
  await synced(one);
  await expect(one.getByTestId('routine-name')).toHaveText(['Title from tab one']);
  await expect(one.getByTestId('routine-description')).toHaveValue('Description from tab two');
});
