// Bundled with esbuild by the replica benchmark: real WatermelonDB 0.28 (LokiJS adapter
// with incremental IndexedDB, as the mobile apps' web builds use) applying one pull in the
// browser, timed until LokiJS has saved it to IndexedDB: from the response's text (its JSON
// parse counted, as ours is) and from the parsed pull.
import { synchronize } from '@nozbe/watermelondb/sync';
import { databaseFor } from '../watermelon/database.cjs';

window.watermelonApply = async (schemaJson, pullText) => {
  const database = databaseFor(schemaJson, {
    useIncrementalIndexedDB: true,
    dbName: `watermelon-bench-${Math.random().toString(36).slice(2)}`,
  });
  const parsing = performance.now();
  const pull = JSON.parse(pullText);
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
  const end = performance.now();
  return { apply: end - start, withParse: end - parsing };
};
