// Bundled with esbuild by the replica benchmark: real WatermelonDB 0.28 (LokiJS adapter
// with incremental IndexedDB, as the mobile apps' web builds use) applying one pull in the
// browser, timed until LokiJS has saved it to IndexedDB.
import { Database, Model, appSchema, tableSchema } from '@nozbe/watermelondb';
import LokiJSAdapter from '@nozbe/watermelondb/adapters/lokijs';
import { synchronize } from '@nozbe/watermelondb/sync';

window.watermelonApply = async (schemaJson, pull) => {
  const schema = appSchema({
    version: schemaJson.version,
    tables: schemaJson.tables.map((t) => tableSchema({ name: t.name, columns: t.columns })),
  });
  const modelClasses = schemaJson.tables.map((t) => {
    const cls = class extends Model {};
    cls.table = t.name;
    return cls;
  });
  const adapter = new LokiJSAdapter({
    schema,
    useWebWorker: false,
    useIncrementalIndexedDB: true,
    dbName: `watermelon-bench-${Math.random().toString(36).slice(2)}`,
  });
  const database = new Database({ adapter, modelClasses });
  // The pull arrives parsed: WatermelonDB's own JSON parse is not counted.
  const start = performance.now();
  await synchronize({
    database,
    sendCreatedAsUpdated: true,
    pullChanges: async () => pull,
    pushChanges: async () => {},
  });
  // synchronize() resolves before LokiJS has saved: force the save and wait for it.
  let loki;
  await database.adapter.unsafeExecute({ loki: (l) => { loki = l; } });
  await new Promise((resolve, reject) => loki.saveDatabase((err) => (err ? reject(err) : resolve())));
  return performance.now() - start;
};
