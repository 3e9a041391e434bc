// Compatibility with the mobile apps: two real WatermelonDB clients (LokiJS adapter, in
// memory) sync through the server's endpoints and must end identical to each other and to
// the server. Run with `node --test`; it starts the release server itself, or with
// EZLIFT_WATERMELON_PROCESSES=n several of them on one database behind HAProxy, which
// spreads the clients' requests over them (a fleet).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { synchronize } = require('@nozbe/watermelondb/sync');
const { databaseFor } = require('./database.cjs');
require('@nozbe/watermelondb/utils/common/logger').default.silence();

const ROOT = path.resolve(__dirname, '..', '..');
const PORT = Number(process.env.EZLIFT_WATERMELON_PORT ?? 3200);
const BASE = `http://127.0.0.1:${PORT}`;
const PROCESSES = Number(process.env.EZLIFT_WATERMELON_PROCESSES ?? 1);
const servers = [];
let balancer;
let serverLog = '';

async function waitForHealth(base) {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base} did not start:\n${serverLog}`);
}

function startServer(databaseUrl, port) {
  const server = spawn(path.join(ROOT, 'target', 'release', 'server'), [], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: 'target/site',
      LEPTOS_OUTPUT_NAME: 'ezlift',
      LEPTOS_ENV: 'PROD',
      RUST_LOG: 'warn',
      EZLIFT_SIGNIN_PER_ADDRESS: '100000',
      EZLIFT_TRUST_PROXY: PROCESSES > 1 ? '1' : '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout.on('data', (d) => (serverLog += d));
  server.stderr.on('data', (d) => (serverLog += d));
  servers.push(server);
}

let tempDir;

before(async () => {
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'ezlift-wm-'));
  const databaseUrl = process.env.EZLIFT_WATERMELON_DATABASE_URL ?? `sqlite://${tempDir}/wm.db`;
  if (PROCESSES === 1) {
    startServer(databaseUrl, PORT);
    await waitForHealth(BASE);
    return;
  }
  // Each request of a client may land on any process: round robin, no stickiness.
  const ports = Array.from({ length: PROCESSES }, (_, i) => PORT + 1 + i);
  for (const port of ports) startServer(databaseUrl, port);
  for (const port of ports) await waitForHealth(`http://127.0.0.1:${port}`);
  const config = path.join(tempDir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 60s',
      '  timeout server 60s',
      '  option forwardfor',
      'frontend ezlift',
      `  bind 127.0.0.1:${PORT}`,
      '  default_backend servers',
      'backend servers',
      '  balance roundrobin',
      '  option httpchk GET /readyz',
      ...ports.map((port, i) => `  server s${i} 127.0.0.1:${port} check inter 500ms`),
      '',
    ].join('\n'),
  );
  balancer = spawn('haproxy', ['-db', '-f', config], { stdio: 'ignore' });
  await waitForHealth(BASE);
});

after(async () => {
  if (balancer) balancer.kill('SIGKILL');
  await Promise.all(
    servers
      .filter((server) => server.exitCode === null)
      .map((server) => {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        return exited;
      }),
  );
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
});

async function api(method, url, token, body) {
  const res = await fetch(`${BASE}${url}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { 'x-jwt-token': token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    const err = new Error(`${method} ${url} → ${res.status}: ${text}`);
    err.status = res.status;
    throw err;
  }
  return text ? JSON.parse(text) : {};
}

/** A device: a WatermelonDB database (in memory) whose schema is the server's registry. */
async function device(name, schemaJson) {
  return databaseFor(schemaJson, { useIncrementalIndexedDB: false, dbName: `${name}-${Date.now()}` });
}

function sync(database, token, log = {}, options = {}) {
  return synchronize({
    database,
    sendCreatedAsUpdated: true,
    ...options,
    pullChanges: async ({ lastPulledAt, schemaVersion, migration }) => {
      log.migration = migration;
      const m = encodeURIComponent(JSON.stringify(migration ?? null));
      return api('GET', `/api/sync/pull-changes?lastPulledAt=${lastPulledAt ?? 'null'}&schemaVersion=${schemaVersion}&migration=${m}`, token);
    },
    pushChanges: async ({ changes, lastPulledAt }) => {
      const res = await api('POST', '/api/sync/push-changes', token, { changes, lastPulledAt });
      log.rejected = res.experimentalRejectedIds;
      return res;
    },
  });
}

async function create(db, table, raw) {
  await db.write(() =>
    db.get(table).create((rec) => {
      rec._raw.id = raw.id;
      for (const [k, v] of Object.entries(raw)) if (k !== 'id') rec._setRaw(k, v);
    }),
  );
}

async function update(db, table, id, fields) {
  await db.write(async () => {
    const rec = await db.get(table).find(id);
    await rec.update((r) => {
      for (const [k, v] of Object.entries(fields)) r._setRaw(k, v);
    });
  });
}

async function remove(db, table, id) {
  await db.write(async () => (await db.get(table).find(id)).markAsDeleted());
}

/** Every table's records, sorted, without WatermelonDB's bookkeeping; asserts all synced. */
async function dump(db, tables) {
  const out = {};
  for (const t of tables) {
    const rows = await db.get(t).query().fetch();
    out[t] = rows
      .map((r) => {
        assert.equal(r._raw._status, 'synced', `${t} ${r.id} is ${r._raw._status}`);
        const { _status, _changed, ...rest } = r._raw;
        return rest;
      })
      .sort((a, b) => a.id.localeCompare(b.id));
  }
  return out;
}

/** The server's state as a client of the server's current schema version sees it. */
async function serverState(token, tables) {
  const { version } = await api('GET', '/api/sync/schema');
  const { changes } = await api('GET', `/api/sync/pull-changes?lastPulledAt=null&schemaVersion=${version}`, token);
  const out = {};
  for (const t of tables) out[t] = [...changes[t].created].sort((a, b) => a.id.localeCompare(b.id));
  return out;
}

test('two WatermelonDB clients converge with each other and the server', async () => {
  const schemaJson = await api('GET', '/api/sync/schema');
  const tables = schemaJson.tables.map((t) => t.name);
  const email = `wm-${Date.now()}@example.com`;
  const { token } = await api('POST', '/api/auth/signup', null, { email, password: 'watermelon-sync' });
  const a = await device('a', schemaJson);
  const b = await device('b', schemaJson);

  // Device A builds something in every table, then syncs; B receives it all.
  const now = Date.now();
  await create(a, 'routines', { id: 'routineAAAAAAAAA', title: 'Upper/Lower', description: '', order: 0, default_routine: true, created_at: now, updated_at: now });
  await create(a, 'workouts', { id: 'workoutAAAAAAAAA', title: 'Upper', notes: 'heavy', order: 0, estimated_duration: 70, created_at: now, updated_at: now });
  await create(a, 'workouts', { id: 'workoutBBBBBBBBB', title: 'Lower', order: 1, created_at: now, updated_at: now });
  await create(a, 'routine_workouts', { id: 'rwAAAAAAAAAAAAAA', routine_id: 'routineAAAAAAAAA', workout_id: 'workoutAAAAAAAAA', order: 0 });
  await create(a, 'routine_workouts', { id: 'rwBBBBBBBBBBBBBB', routine_id: 'routineAAAAAAAAA', workout_id: 'workoutBBBBBBBBB', order: 1 });
  await create(a, 'workout_exercise', { id: 'weAAAAAAAAAAAAAA', workout_id: 'workoutAAAAAAAAA', exercise_id: 'barbell-bench-press', order: 0, rest_time: 180, is_saved: true });
  await create(a, 'workout_exercise', { id: 'weBBBBBBBBBBBBBB', workout_id: 'workoutBBBBBBBBB', exercise_id: 'barbell-back-squat', order: 0, rest_time: 240, is_saved: true });
  await create(a, 'workout_exercise_sets', { id: 'setAAAAAAAAAAAAA', workout_exercise_id: 'weAAAAAAAAAAAAAA', order: 0, set_type: 'normal', reps: 5, weight: 100 });
  await create(a, 'workout_exercise_sets', { id: 'setBBBBBBBBBBBBB', workout_exercise_id: 'weBBBBBBBBBBBBBB', order: 0, set_type: 'normal', reps: 5, weight: 140 });
  await create(a, 'logs', { id: 'logAAAAAAAAAAAAA', workout_id: 'workoutAAAAAAAAA', workout_title: 'Upper', session_date: now, duration: 3900, is_imported: false, created_at: now, updated_at: now });
  await create(a, 'log_exercise', { id: 'leAAAAAAAAAAAAAA', log_id: 'logAAAAAAAAAAAAA', exercise_id: 'barbell-bench-press', order: 0 });
  await create(a, 'log_exercise_sets', { id: 'lesAAAAAAAAAAAAA', log_exercise_id: 'leAAAAAAAAAAAAAA', order: 0, set_type: 'normal', reps: 5, weight: 102.5, rpe: 8.5, completed: true });
  await create(a, 'custom_exercises', { id: 'customAAAAAAAAAA', name: 'Belt squat march', category: 'legs', equipment: 'machine', primary_muscle: 'quads', created_at: now, updated_at: now });
  await create(a, 'body_measurements', { id: 'bodyAAAAAAAAAAAA', measured_at: now, bodyweight: 82.4, waist: 0.85, created_at: now, updated_at: now });
  await sync(a, token);
  await sync(b, token);
  assert.deepEqual(await dump(b, tables), await dump(a, tables));
  const settings = (await dump(b, tables)).user_settings;
  assert.equal(settings.length, 1, 'default settings reached the device');

  // B edits a column in every table; A receives every edit.
  const edits = {
    user_settings: [settings[0].id, { default_rest_seconds: 150 }],
    routines: ['routineAAAAAAAAA', { description: 'four days' }],
    workouts: ['workoutAAAAAAAAA', { estimated_duration: 75 }],
    routine_workouts: ['rwAAAAAAAAAAAAAA', { order: 2 }],
    workout_exercise: ['weAAAAAAAAAAAAAA', { notes: 'touch chest' }],
    workout_exercise_sets: ['setBBBBBBBBBBBBB', { rpe: 9 }],
    logs: ['logAAAAAAAAAAAAA', { notes: 'felt strong' }],
    log_exercise: ['leAAAAAAAAAAAAAA', { superset_group: 2 }],
    log_exercise_sets: ['lesAAAAAAAAAAAAA', { completed: false }],
    custom_exercises: ['customAAAAAAAAAA', { equipment: 'other' }],
    body_measurements: ['bodyAAAAAAAAAAAA', { body_fat: 15.5 }],
  };
  assert.deepEqual(Object.keys(edits).sort(), [...tables].sort(), 'an edit for every table');
  for (const [t, [id, fields]] of Object.entries(edits)) await update(b, t, id, fields);
  await sync(b, token);
  await sync(a, token);
  const edited = await dump(a, tables);
  for (const [t, [id, fields]] of Object.entries(edits)) {
    const rec = edited[t].find((r) => r.id === id);
    for (const [k, v] of Object.entries(fields)) assert.equal(rec[k], v, `${t}.${k} reached A`);
  }

  // A creates a record in every table (but the one-per-user settings) and B deletes each.
  const victims = [
    ['routines', { id: 'routineVICTIM000', title: 'gone' }],
    ['workouts', { id: 'workoutVICTIM000', title: 'gone' }],
    ['routine_workouts', { id: 'rwVICTIM00000000', routine_id: 'routineAAAAAAAAA', workout_id: 'workoutAAAAAAAAA', order: 9 }],
    ['workout_exercise', { id: 'weVICTIM00000000', workout_id: 'workoutAAAAAAAAA', order: 9 }],
    ['workout_exercise_sets', { id: 'setVICTIM0000000', workout_exercise_id: 'weAAAAAAAAAAAAAA', order: 9 }],
    ['logs', { id: 'logVICTIM0000000', workout_title: 'gone' }],
    ['log_exercise', { id: 'leVICTIM00000000', log_id: 'logAAAAAAAAAAAAA', order: 9 }],
    ['log_exercise_sets', { id: 'lesVICTIM0000000', log_exercise_id: 'leAAAAAAAAAAAAAA', order: 9 }],
    ['custom_exercises', { id: 'customVICTIM0000', name: 'gone' }],
    ['body_measurements', { id: 'bodyVICTIM000000', bodyweight: 90 }],
  ];
  for (const [t, raw] of victims) await create(a, t, raw);
  await sync(a, token);
  await sync(b, token);
  for (const [t, raw] of [...victims].reverse()) await remove(b, t, raw.id);
  await sync(b, token);
  await sync(a, token);
  for (const [t, raw] of victims) {
    assert.ok(!(await dump(a, tables))[t].some((r) => r.id === raw.id), `${t} victim deleted on A`);
  }

  // Both devices edit one set, different columns; each keeps its own and gets the other's.
  await update(a, 'workout_exercise_sets', 'setAAAAAAAAAAAAA', { weight: 105 });
  await update(b, 'workout_exercise_sets', 'setAAAAAAAAAAAAA', { reps: 6 });
  await update(b, 'routines', 'routineAAAAAAAAA', { title: 'Upper/Lower 4x' });
  await update(a, 'user_settings', settings[0].id, { weight_unit: 'lb' });
  await sync(a, token);
  await sync(b, token);
  await sync(a, token);
  const set = (await dump(a, tables)).workout_exercise_sets.find((s) => s.id === 'setAAAAAAAAAAAAA');
  assert.equal(set.weight, 105);
  assert.equal(set.reps, 6);

  // A parent delete on B: the server deletes the children and both devices follow.
  await remove(b, 'workouts', 'workoutBBBBBBBBB');
  await remove(b, 'logs', 'logAAAAAAAAAAAAA');
  await sync(b, token);
  await sync(a, token);
  await sync(b, token);

  const finalA = await dump(a, tables);
  const finalB = await dump(b, tables);
  assert.deepEqual(finalB, finalA);
  assert.deepEqual(finalA, await serverState(token, tables));
  assert.deepEqual(finalA.workouts.map((w) => w.id), ['workoutAAAAAAAAA']);
  assert.deepEqual(finalA.workout_exercise.map((w) => w.id), ['weAAAAAAAAAAAAAA']);
  assert.deepEqual(finalA.routine_workouts.map((w) => w.id), ['rwAAAAAAAAAAAAAA']);
  assert.deepEqual(finalA.workout_exercise_sets.map((s) => s.id), ['setAAAAAAAAAAAAA']);
  assert.deepEqual(finalA.logs, []);
  assert.deepEqual(finalA.log_exercise, []);
  assert.deepEqual(finalA.log_exercise_sets, []);
  assert.equal(finalA.routines[0].title, 'Upper/Lower 4x');
  assert.equal(finalA.user_settings[0].weight_unit, 'lb');
  assert.equal(finalA.custom_exercises.length, 1);
  assert.deepEqual(finalA.body_measurements.map((m) => [m.id, m.body_fat]), [['bodyAAAAAAAAAAAA', 15.5]]);
  assert.equal(finalA.user_settings[0].default_rest_seconds, 150);
});

test('an orphan is rejected and stays pending on the device', async () => {
  const schemaJson = await api('GET', '/api/sync/schema');
  const { token } = await api('POST', '/api/auth/signup', null, { email: `wm-orphan-${Date.now()}@example.com`, password: 'watermelon-sync' });
  const a = await device('orphan', schemaJson);
  await create(a, 'workout_exercise', { id: 'weORPHANAAAAAAAA', workout_id: 'noSuchWorkout000', order: 0 });
  const log = {};
  await sync(a, token, log);
  assert.deepEqual(log.rejected, { workout_exercise: ['weORPHANAAAAAAAA'] });
  const rec = await a.get('workout_exercise').find('weORPHANAAAAAAAA');
  assert.equal(rec._raw._status, 'created', 'rejected records stay pending');
});

test('devices that create their own settings converge on the one record', async () => {
  const schemaJson = await api('GET', '/api/sync/schema');
  const tables = schemaJson.tables.map((t) => t.name);
  const { token } = await api('POST', '/api/auth/signup', null, { email: `wm-settings-${Date.now()}@example.com`, password: 'watermelon-sync' });
  const first = await api('GET', '/api/sync/pull-changes?lastPulledAt=null&schemaVersion=1', token);
  const oneId = first.changes.user_settings.created[0].id;
  const now = Date.now();

  // A creates its own settings record before its first sync, as the mobile apps do.
  const a = await device('settings-a', schemaJson);
  await create(a, 'user_settings', { id: 'settingsAAAAAAAA', weight_unit: 'lb', distance_unit: 'mi', theme: 'dark', default_rest_seconds: 120, one_rm_formula: 'brzycki', week_start: 0, updated_at: now });
  await create(a, 'routines', { id: 'routineSETTINGSA', title: 'from A', created_at: now, updated_at: now });
  await sync(a, token);
  // B syncs first, then creates one of its own (only the theme set).
  const b = await device('settings-b', schemaJson);
  await sync(b, token);
  await create(b, 'user_settings', { id: 'settingsBBBBBBBB', theme: 'light', updated_at: now + 1 });
  await sync(b, token);
  // A third device only ever syncs.
  const c = await device('settings-c', schemaJson);
  for (const d of [a, b, c]) await sync(d, token);

  const server = await serverState(token, tables);
  assert.equal(server.user_settings.length, 1);
  assert.equal(server.user_settings[0].id, oneId, 'the user keeps the one record');
  assert.equal(server.user_settings[0].theme, 'light', "B's change applied");
  assert.equal(server.user_settings[0].weight_unit, 'lb', "A's change applied, not erased by B");
  assert.equal(server.user_settings[0].one_rm_formula, 'brzycki');
  for (const d of [a, b, c]) assert.deepEqual(await dump(d, tables), server);

  // Every device keeps syncing other tables.
  await update(c, 'routines', 'routineSETTINGSA', { title: 'edited on C' });
  await create(b, 'workouts', { id: 'workoutSETTINGSB', title: 'from B', created_at: now, updated_at: now });
  await update(a, 'user_settings', oneId, { default_rest_seconds: 180 });
  for (const d of [c, b, a, c, b]) await sync(d, token);
  const end = await serverState(token, tables);
  assert.equal(end.routines[0].title, 'edited on C');
  assert.equal(end.workouts.length, 1);
  assert.equal(end.user_settings.length, 1);
  assert.equal(end.user_settings[0].default_rest_seconds, 180);
  for (const d of [a, b, c]) assert.deepEqual(await dump(d, tables), end);
});

test('schema version 2: a version-1 client syncs unharmed and an upgraded one receives the new column', async () => {
  const { schemaMigrations, addColumns } = require('@nozbe/watermelondb/Schema/migrations');
  const { LokiMemoryAdapter } = require('lokijs');
  const v1 = await api('GET', '/api/sync/schema?version=1');
  const v2 = await api('GET', '/api/sync/schema?version=2');
  assert.equal(v1.version, 1);
  assert.ok(!v1.tables.find((t) => t.name === 'custom_exercises').columns.some((c) => c.name === 'tracking'));
  assert.ok(v2.tables.find((t) => t.name === 'custom_exercises').columns.some((c) => c.name === 'tracking'));
  // The old app knew no migrations; the new one adds the column.
  const noMigrations = schemaMigrations({ migrations: [] });
  const migrations = schemaMigrations({
    migrations: [{ toVersion: 2, steps: [addColumns({ table: 'custom_exercises', columns: [{ name: 'tracking', type: 'string', isOptional: true }] })] }],
  });
  const { token } = await api('POST', '/api/auth/signup', null, { email: `wm-v2-${Date.now()}@example.com`, password: 'watermelon-sync' });
  const now = Date.now();

  // A new app (version 2) creates an assisted exercise.
  const modern = await device('v2-modern', v2);
  await create(modern, 'custom_exercises', { id: 'customASSISTED00', name: 'Assisted dip', category: 'arms', equipment: 'machine', primary_muscle: 'triceps', created_at: now, updated_at: now, tracking: 'assisted' });
  await sync(modern, token);

  // An old app (version 1) on a store that outlives it: it never sees the column, and
  // its edit of the exercise does not erase it.
  const store = new LokiMemoryAdapter();
  const adapterOptions = { _testLokiAdapter: store, dbName: `v1-${now}`, useIncrementalIndexedDB: false };
  const old = databaseFor(v1, adapterOptions, noMigrations);
  const log = {};
  await sync(old, token, log, { migrationsEnabledAtVersion: 1 });
  const seen = (await old.get('custom_exercises').find('customASSISTED00'))._raw;
  assert.equal(seen.name, 'Assisted dip');
  assert.ok(!('tracking' in seen), 'a version-1 client is sent no version-2 column');
  await update(old, 'custom_exercises', 'customASSISTED00', { name: 'Assisted dip (machine)' });
  await sync(old, token, log, { migrationsEnabledAtVersion: 1 });
  let server = await serverState(token, ['custom_exercises']);
  assert.equal(server.custom_exercises[0].name, 'Assisted dip (machine)');
  assert.equal(server.custom_exercises[0].tracking, 'assisted', "the v1 push kept the v2 column");

  // The app is upgraded: same store, version-2 schema, WatermelonDB's migration runs and
  // its next sync is a migration sync that brings the column to the record it already has.
  let loki;
  await old.adapter.unsafeExecute({ loki: (l) => { loki = l; } });
  await new Promise((resolve, reject) => loki.saveDatabase((e) => (e ? reject(e) : resolve())));
  const upgraded = databaseFor(v2, adapterOptions, migrations);
  const before = (await upgraded.get('custom_exercises').find('customASSISTED00'))._raw;
  assert.equal(before.name, 'Assisted dip (machine)', 'the upgrade kept the data');
  assert.ok(!before.tracking, 'the migrated column starts empty');
  await sync(upgraded, token, log, { migrationsEnabledAtVersion: 1 });
  assert.equal(log.migration?.from, 1, 'the upgraded app asked for a migration sync');
  const after = (await upgraded.get('custom_exercises').find('customASSISTED00'))._raw;
  assert.equal(after.tracking, 'assisted');
  assert.equal(after._status, 'synced');

  // Everyone converges on the server's state.
  await sync(modern, token);
  server = await serverState(token, ['custom_exercises']);
  assert.deepEqual(await dump(upgraded, ['custom_exercises']), server);
  assert.deepEqual(await dump(modern, ['custom_exercises']), server);
});

test('schema version 3: a version-2 client syncs unharmed and an upgraded one receives the new table and columns', async () => {
  const { schemaMigrations, addColumns, createTable } = require('@nozbe/watermelondb/Schema/migrations');
  const { LokiMemoryAdapter } = require('lokijs');
  const v2 = await api('GET', '/api/sync/schema?version=2');
  const v3 = await api('GET', '/api/sync/schema?version=3');
  assert.ok(!v2.tables.some((t) => t.name === 'body_measurements'));
  const measurements = v3.tables.find((t) => t.name === 'body_measurements');
  assert.ok(measurements);
  // What version 3 adds to tables version 2 had, as WatermelonDB migration steps.
  const added = (name) => {
    const known = new Set(v2.tables.find((t) => t.name === name).columns.map((c) => c.name));
    return v3.tables.find((t) => t.name === name).columns.filter((c) => !known.has(c.name));
  };
  assert.deepEqual(added('user_settings').map((c) => c.name), ['plate_unit', 'bar_weight', 'plates', 'warmup_ramp']);
  const toV2 = { toVersion: 2, steps: [addColumns({ table: 'custom_exercises', columns: [{ name: 'tracking', type: 'string', isOptional: true }] })] };
  const oldMigrations = schemaMigrations({ migrations: [toV2] });
  const migrations = schemaMigrations({
    migrations: [
      {
        toVersion: 3,
        steps: [
          addColumns({ table: 'user_settings', columns: added('user_settings') }),
          addColumns({ table: 'workout_exercise', columns: added('workout_exercise') }),
          createTable(measurements),
        ],
      },
      toV2,
    ],
  });
  const { token } = await api('POST', '/api/auth/signup', null, { email: `wm-v3-${Date.now()}@example.com`, password: 'watermelon-sync' });
  const now = Date.now();

  // A new app (version 3) weighs in and says which plates it has.
  const modern = await device('v3-modern', v3);
  await sync(modern, token);
  const [settings] = await modern.get('user_settings').query().fetch();
  await create(modern, 'body_measurements', { id: 'weighIn000000001', measured_at: now, bodyweight: 81.4, body_fat: 14.5, notes: '', created_at: now, updated_at: now });
  await update(modern, 'user_settings', settings.id, { plates: '20:4 10:2 2.5:2', bar_weight: 15, updated_at: now });
  await sync(modern, token);

  // An app of version 2 on a store that outlives it: it never sees the table or the
  // columns, and its edit of the settings keeps them.
  const store = new LokiMemoryAdapter();
  const adapterOptions = { _testLokiAdapter: store, dbName: `v2-${now}`, useIncrementalIndexedDB: false };
  const old = databaseFor(v2, adapterOptions, oldMigrations);
  const log = {};
  await sync(old, token, log, { migrationsEnabledAtVersion: 1 });
  const seen = (await old.get('user_settings').find(settings.id))._raw;
  assert.ok(!('plates' in seen), 'a version-2 client is sent no version-3 column');
  await update(old, 'user_settings', settings.id, { week_start: 0, updated_at: now + 1 });
  await sync(old, token, log, { migrationsEnabledAtVersion: 1 });
  let server = await serverState(token, ['user_settings', 'body_measurements']);
  assert.equal(server.user_settings[0].week_start, 0);
  assert.equal(server.user_settings[0].plates, '20:4 10:2 2.5:2', 'the v2 push kept the v3 column');
  assert.equal(server.body_measurements.length, 1);

  // Upgraded: WatermelonDB adds the columns and creates the table, and the next sync, a
  // migration sync, brings what the old pulls left out.
  let loki;
  await old.adapter.unsafeExecute({ loki: (l) => { loki = l; } });
  await new Promise((resolve, reject) => loki.saveDatabase((e) => (e ? reject(e) : resolve())));
  const upgraded = databaseFor(v3, adapterOptions, migrations);
  await sync(upgraded, token, log, { migrationsEnabledAtVersion: 1 });
  assert.equal(log.migration?.from, 2, 'the upgraded app asked for a migration sync');
  const weighIn = (await upgraded.get('body_measurements').find('weighIn000000001'))._raw;
  assert.equal(weighIn.bodyweight, 81.4);
  assert.equal((await upgraded.get('user_settings').find(settings.id))._raw.plates, '20:4 10:2 2.5:2');

  await sync(modern, token);
  server = await serverState(token, ['user_settings', 'body_measurements']);
  assert.deepEqual(await dump(upgraded, ['user_settings', 'body_measurements']), server);
  assert.deepEqual(await dump(modern, ['user_settings', 'body_measurements']), server);
});
