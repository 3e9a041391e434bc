// A real WatermelonDB database whose schema is the server's registry (GET /api/sync/schema):
// shared by the Node compatibility test and the browser benchmark.
const { Database, Model, appSchema, tableSchema } = require('@nozbe/watermelondb');
const LokiJSAdapter = require('@nozbe/watermelondb/adapters/lokijs').default;

function databaseFor(schemaJson, adapterOptions, migrations) {
  const schema = appSchema({
    version: schemaJson.version,
    tables: schemaJson.tables.map((t) => tableSchema({ name: t.name, columns: t.columns })),
  });
  const modelClasses = schemaJson.tables.map((t) => {
    const cls = class extends Model {};
    cls.table = t.name;
    return cls;
  });
  const adapter = new LokiJSAdapter({ schema, migrations, useWebWorker: false, ...adapterOptions });
  return new Database({ adapter, modelClasses });
}

module.exports = { databaseFor };
