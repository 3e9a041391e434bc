// One real WatermelonDB device (LokiJS in memory) driven line by line over stdin/stdout,
// for the server's randomized multi-device simulation (server/tests/simulation.rs).
//
//   node sim-device.cjs <sync base url> <schema base url>     token in EZLIFT_SIM_TOKEN
//
// Each input line is a JSON command; each answer one JSON line, {"ok": true, ...} or
// {"ok": false, "error": "..."}:
//   {"cmd":"create","table":t,"raw":{...}}      {"cmd":"update","table":t,"id":i,"fields":{...}}
//   {"cmd":"delete","items":[[t,i],...]}        {"cmd":"sync","seed":n}
//   {"cmd":"dump"}                              {"cmd":"discard_rejected"}
const readline = require('node:readline');
const { synchronize } = require('@nozbe/watermelondb/sync');
const { databaseFor } = require('./database.cjs');
require('@nozbe/watermelondb/utils/common/logger').default.silence();

const [syncBase, schemaBase] = process.argv.slice(2);
const token = process.env.EZLIFT_SIM_TOKEN;
let database;
let tables = [];
// Records the server rejected as orphans: they stay pending in WatermelonDB until the
// app removes them, as a user would by discarding them.
const rejected = new Map();

async function call(method, url, seed, body) {
  const res = await fetch(`${syncBase}${url}`, {
    method,
    headers: {
      'content-type': 'application/json',
      'x-jwt-token': token,
      'x-fault-seed': String(seed),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url.split('?')[0]} → ${res.status}: ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

async function sync(seed) {
  let n = 0;
  await synchronize({
    database,
    sendCreatedAsUpdated: true,
    pullChanges: async ({ lastPulledAt, schemaVersion }) =>
      call('GET', `/api/sync/pull-changes?lastPulledAt=${lastPulledAt ?? 'null'}&schemaVersion=${schemaVersion}`, `${seed}-${n++}`),
    pushChanges: async ({ changes, lastPulledAt }) => {
      const res = await call('POST', '/api/sync/push-changes', `${seed}-${n++}`, { changes, lastPulledAt });
      for (const [t, ids] of Object.entries(res.experimentalRejectedIds ?? {})) {
        for (const id of ids) rejected.set(`${t}/${id}`, [t, id]);
      }
      return res;
    },
  });
}

async function handle(msg) {
  switch (msg.cmd) {
    case 'create':
      await database.write(() =>
        database.get(msg.table).create((rec) => {
          rec._raw.id = msg.raw.id;
          for (const [k, v] of Object.entries(msg.raw)) if (k !== 'id') rec._setRaw(k, v);
        }),
      );
      return {};
    case 'update':
      await database.write(async () => {
        const rec = await database.get(msg.table).find(msg.id);
        await rec.update((r) => {
          for (const [k, v] of Object.entries(msg.fields)) r._setRaw(k, v);
        });
      });
      return {};
    case 'delete':
      await database.write(async () => {
        const recs = [];
        for (const [t, id] of msg.items) {
          const found = await database.get(t).query().fetch();
          const rec = found.find((r) => r.id === id);
          if (rec && rec._raw._status !== 'deleted') recs.push(rec.prepareMarkAsDeleted());
        }
        await database.batch(recs);
      });
      return {};
    case 'sync':
      await sync(msg.seed);
      return {};
    case 'dump': {
      const out = {};
      for (const t of tables) {
        const rows = await database.get(t).query().fetch();
        out[t] = rows.map((r) => ({ ...r._raw }));
      }
      // Deleted records waiting to be pushed are not returned by queries.
      const deleted = {};
      for (const t of tables) deleted[t] = await database.adapter.getDeletedRecords(t);
      return { tables: out, deleted };
    }
    case 'discard_rejected': {
      let n = 0;
      await database.write(async () => {
        const recs = [];
        for (const [t, id] of rejected.values()) {
          const found = (await database.get(t).query().fetch()).find((r) => r.id === id);
          if (found && found._raw._status !== 'synced') {
            recs.push(found.prepareDestroyPermanently());
            n++;
          }
        }
        await database.batch(recs);
      });
      rejected.clear();
      return { discarded: n };
    }
    default:
      throw new Error(`unknown command ${msg.cmd}`);
  }
}

async function main() {
  const schemaJson = await (await fetch(`${schemaBase}/api/sync/schema`)).json();
  tables = schemaJson.tables.map((t) => t.name);
  database = databaseFor(schemaJson, { useIncrementalIndexedDB: false, dbName: `sim-${process.pid}` });
  const lines = readline.createInterface({ input: process.stdin });
  process.stdout.write(JSON.stringify({ ok: true, ready: true }) + '\n');
  for await (const line of lines) {
    if (!line.trim()) continue;
    let answer;
    try {
      answer = { ok: true, ...(await handle(JSON.parse(line))) };
    } catch (e) {
      answer = { ok: false, error: String(e && e.message ? e.message : e) };
    }
    process.stdout.write(JSON.stringify(answer) + '\n');
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exit(1);
});
