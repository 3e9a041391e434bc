// The environment the release server runs with in the end-to-end tests and the browser
// benchmark: the site cargo-leptos built, the given store, quiet logs.
exports.releaseServerEnv = (port, databaseUrl) => ({
  LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
  LEPTOS_SITE_ROOT: 'target/site',
  LEPTOS_SITE_PKG_DIR: 'pkg',
  LEPTOS_OUTPUT_NAME: 'ezlift',
  LEPTOS_ENV: 'PROD',
  DATABASE_URL: databaseUrl,
  RUST_LOG: 'warn',
});
