// The environment the release server runs with in the end-to-end tests and the browser
// benchmark: the site cargo-leptos built, the given store, quiet logs. Every test signs up
// from 127.0.0.1, so the per-address sign-in limit is raised (its own test lowers it).
// The rest-alert test runs its push service on loopback, which the server refuses unless
// told otherwise.
exports.releaseServerEnv = (port, databaseUrl) => ({
  LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
  LEPTOS_SITE_ROOT: 'target/site',
  LEPTOS_SITE_PKG_DIR: 'pkg',
  LEPTOS_OUTPUT_NAME: 'ezlift',
  LEPTOS_ENV: 'PROD',
  DATABASE_URL: databaseUrl,
  RUST_LOG: 'warn',
  EZLIFT_SIGNIN_PER_ADDRESS: '100000',
  EZLIFT_SIGNIN_PER_ACCOUNT: '100000',
  EZLIFT_PUSH_LOCAL_ENDPOINTS: '1',
});
