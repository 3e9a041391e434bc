//! Shared test harness: a fresh database per test on each backend, and the app on top.
#![allow(dead_code)]

pub mod cluster;
pub mod device;
pub mod haproxy;
pub mod process;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use server::config::Config;
use std::collections::HashMap;
use std::sync::Arc;
use tower::ServiceExt;

/// A database made for one test. SQLite lives in a temporary directory removed on drop;
/// PostgreSQL gets a new database on the server named by `TEST_DATABASE_URL`.
pub struct TestDb {
    pub url: String,
    pub backend: &'static str,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// The same database reached by another URL (through a relay); the first keeps it alive.
    pub fn via(&self, url: String) -> Self {
        Self {
            url,
            backend: self.backend,
            _dir: None,
        }
    }

    /// The same database again, e.g. for a second server instance; the first keeps it alive.
    pub fn share(&self) -> Self {
        Self {
            url: self.url.clone(),
            backend: self.backend,
            _dir: None,
        }
    }

    /// A PostgreSQL database that something else made and keeps (a test's own cluster).
    pub fn postgres_at(url: String) -> Self {
        Self {
            url,
            backend: "postgres",
            _dir: None,
        }
    }

    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}/test.db", dir.path().display());
        Self {
            url,
            backend: "sqlite",
            _dir: Some(dir),
        }
    }

    /// A fresh PostgreSQL database, or `None` when no server is reachable and the run does
    /// not require one (`EZLIFT_REQUIRE_POSTGRES=1`, set by the project's test command,
    /// turns that into a failure).
    pub async fn postgres() -> Option<Self> {
        use sqlx::Connection;
        let admin = std::env::var("TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let required = std::env::var("EZLIFT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(c) => c,
            Err(e) if required => panic!("PostgreSQL is required but unreachable: {e}"),
            Err(e) => {
                // Straight to the process's stderr: the test harness hides `eprintln!` of
                // a passing test, and a skip must show.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED: a PostgreSQL case, no server at {admin}: {e}"
                );
                return None;
            }
        };
        let prefix = std::env::var("EZLIFT_TEST_DB_PREFIX").unwrap_or_else(|_| "ezlift_t".into());
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("create database \"{name}\""))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        Some(Self {
            url: format!("{base}/{name}"),
            backend: "postgres",
            _dir: None,
        })
    }
}

/// The whole state a new device's first pull gets, over HTTP from `base`.
pub async fn whole_state(base: &str, token: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!(
            "{base}/api/sync/pull-changes?lastPulledAt=null&schemaVersion={}",
            app::model::SCHEMA_VERSION
        ))
        .header("x-jwt-token", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The ids of a pull's created records of `table`.
pub fn created_ids(pull: &serde_json::Value, table: &str) -> Vec<String> {
    pull["changes"][table]["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

/// A loopback port free at the moment of asking.
/// A port for a child process (etcd, Patroni, PostgreSQL, HAProxy, a server) to listen on.
///
/// Chosen below the kernel's ephemeral range (32768 and up here): a port the kernel hands
/// out for `bind(0)` is free only until it hands the same one to some outgoing
/// connection, which happened between probe and use (etcd: "address already in use").
/// Within one process a port is never handed out twice.
pub fn free_port() -> u16 {
    use rand::Rng;
    use std::sync::Mutex;
    static GIVEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
    let mut rng = rand::thread_rng();
    for _ in 0..1000 {
        let port = rng.gen_range(20_000..32_000);
        if given.contains(&port) || std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
            continue;
        }
        given.push(port);
        return port;
    }
    panic!("no free port in 20000..32000")
}

pub fn config_for(db: &TestDb, vars: &[(&str, &str)]) -> Config {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    map.insert("DATABASE_URL".into(), db.url.clone());
    map.entry("EZLIFT_MAX_BODY_BYTES".into())
        .or_insert_with(|| (1024 * 1024).to_string());
    // Tests sign many accounts up from one address; the limits' own test sets them low.
    for key in ["EZLIFT_SIGNIN_PER_ADDRESS", "EZLIFT_SIGNIN_PER_ACCOUNT"] {
        map.entry(key.into()).or_insert_with(|| "1000000".into());
    }
    Config::from_lookup(|k| map.get(k).cloned()).expect("test config")
}

pub struct TestApp {
    pub router: axum::Router,
    pub state: server::http::state::AppState,
    pub db: TestDb,
}

impl TestApp {
    pub async fn new(db: TestDb, vars: &[(&str, &str)]) -> Self {
        let config = config_for(&db, vars);
        let options = server::leptos_options().expect("leptos options");
        let (router, state) = server::build(config, options).await.expect("build app");
        Self { router, state, db }
    }

    pub fn store(&self) -> Arc<dyn server::store::Store> {
        self.state.store.clone()
    }

    pub async fn call(&self, req: Request<Body>) -> Response {
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.expect("body").to_bytes();
        Response {
            status,
            headers,
            body: body.to_vec(),
        }
    }

    /// POSTs JSON with optional extra headers.
    pub async fn post_json(
        &self,
        path: &str,
        body: serde_json::Value,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = Request::post(path).header("content-type", "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.call(req.body(Body::from(body.to_string())).unwrap())
            .await
    }

    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Response {
        let mut req = Request::get(path);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        self.call(req.body(Body::empty()).unwrap()).await
    }

    /// Pushes changes as a WatermelonDB client does.
    pub async fn push(
        &self,
        token: &str,
        last_pulled_at: i64,
        changes: serde_json::Value,
    ) -> Response {
        self.post_json(
            "/api/sync/push-changes",
            serde_json::json!({ "lastPulledAt": last_pulled_at, "changes": changes }),
            &[("x-jwt-token", token)],
        )
        .await
    }

    /// Pulls since `last_pulled_at` (`None` = first pull) and returns the body.
    pub async fn pull(&self, token: &str, last_pulled_at: Option<i64>) -> serde_json::Value {
        let since = last_pulled_at.map_or("null".to_owned(), |n| n.to_string());
        let res = self
            .get(
                &format!(
                    "/api/sync/pull-changes?lastPulledAt={since}&schemaVersion={}",
                    app::model::SCHEMA_VERSION
                ),
                &[("x-jwt-token", token)],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        res.json()
    }

    /// Signs up through the JSON API and returns (token, user id).
    pub async fn sign_up(&self, email: &str, password: &str) -> (String, String) {
        let res = self
            .post_json(
                "/api/auth/signup",
                serde_json::json!({ "email": email, "password": password }),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        let body = res.json();
        (
            body["token"].as_str().unwrap().to_owned(),
            body["user"]["id"].as_str().unwrap().to_owned(),
        )
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `name=value` of a `Set-Cookie` for `cookie`.
    pub fn set_cookie(&self, cookie: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{cookie}=")))
            .map(str::to_owned)
    }
}

/// Runs a test case, failing it by name if it takes over five minutes (or
/// `EZLIFT_CASE_TIMEOUT_SECS`, for long runs): a case that waits for ever fails instead of
/// stalling the whole suite.
pub async fn bounded(name: &str, case: impl std::future::Future<Output = ()>) {
    let secs = std::env::var("EZLIFT_CASE_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    if tokio::time::timeout(std::time::Duration::from_secs(secs), case)
        .await
        .is_err()
    {
        panic!("{name} did not finish in {secs} s");
    }
}

/// Declares each listed async case (taking a `TestDb`) once per backend.
#[macro_export]
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    $crate::common::bounded(stringify!($case), super::$case($crate::common::TestDb::sqlite())).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    if let Some(db) = $crate::common::TestDb::postgres().await {
                        $crate::common::bounded(stringify!($case), super::$case(db)).await;
                    }
                }
            )*
        }
    };
}
