//! What operators and their balancers rely on: liveness and readiness, logs a collector
//! can read, metrics a scraper can read.

mod common;

use axum::http::StatusCode;
use common::{TestApp, TestDb};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

on_both_backends!(
    a_writable_database_is_ready,
    metrics_count_requests_records_and_connections,
);

async fn a_writable_database_is_ready(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let ready = app.get("/readyz", &[]).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text());
    assert_eq!(ready.json()["status"], "ready");
}

/// `/metrics` counts requests by route pattern and status with their latency, the records
/// pushed and pulled, and the pool's connections, and names no user, e-mail or record id.
async fn metrics_count_requests_records_and_connections(db: TestDb) {
    let app = TestApp::new(db, &[("EZLIFT_METRICS", "true")]).await;
    let (token, user_id) = app.sign_up("counted@example.com", "a long password").await;
    let changes = serde_json::json!({
        "logs": { "created": [{ "id": "log-secret-1", "workout_title": "Legs" }] },
        "log_exercise": { "created": [{ "id": "le-secret-1", "log_id": "log-secret-1", "exercise_id": "barbell-back-squat", "order": 0 }] },
    });
    let pushed = app
        .post_json(
            "/api/sync/push-changes",
            serde_json::json!({ "lastPulledAt": null, "changes": changes }),
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.text());
    let pulled = app
        .get("/api/sync/pull-changes", &[("x-jwt-token", &token)])
        .await;
    assert_eq!(pulled.status, StatusCode::OK);
    let page = app
        .get(
            "/history/log-secret-1",
            &[("cookie", &format!("ezlift_session={token}"))],
        )
        .await;
    // (The log has no date, so the page says it cannot find the session: 404.)
    assert!(page.status.is_success() || page.status == StatusCode::NOT_FOUND);
    let text = app.get("/metrics", &[]).await.text();
    let value = |line: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(line)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{line} missing in {text}"))
    };
    assert_eq!(
        value(
            r#"ezlift_http_requests_total{method="POST",route="/api/sync/push-changes",status="200"}"#
        ),
        1.0
    );
    assert_eq!(
        value(r#"ezlift_http_request_duration_seconds_count{route="/api/sync/push-changes"}"#),
        1.0
    );
    assert_eq!(value(r#"ezlift_sync_records_total{direction="push"}"#), 2.0);
    // The new account's settings record and the two pushed.
    assert!(value(r#"ezlift_sync_records_total{direction="pull"}"#) >= 3.0);
    assert!(value(r#"ezlift_db_pool_connections{state="idle"}"#) >= 0.0);
    assert!(text.contains(r#"route="/history/{id}""#), "{text}");
    for secret in ["log-secret-1", "counted@example.com", user_id.as_str()] {
        assert!(!text.contains(secret), "the metrics name {secret}");
    }
}

/// A database that stops taking writes (as a standby does, or one set read-only) takes
/// the process out of a balancer's rotation: `/readyz` answers 503 while `/healthz`,
/// which only asks whether the database answers, stays 200.
#[tokio::test]
async fn a_read_only_database_is_alive_but_not_ready() {
    use sqlx::Connection;
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let app = TestApp::new(db, &[]).await;
    assert_eq!(app.get("/readyz", &[]).await.status, StatusCode::OK);
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    sqlx::query(&format!(
        "alter database \"{name}\" set default_transaction_read_only = on"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    // The pool's connections were opened writable: end them, so new ones see the setting.
    sqlx::query(
        "select pg_terminate_backend(pid) from pg_stat_activity \
         where datname = $1 and pid <> pg_backend_pid()",
    )
    .bind(&name)
    .execute(&mut conn)
    .await
    .unwrap();
    let mut not_ready = None;
    for _ in 0..50 {
        let r = app.get("/readyz", &[]).await;
        if r.status == StatusCode::SERVICE_UNAVAILABLE {
            not_ready = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let not_ready = not_ready.expect("/readyz kept answering ready on a read-only database");
    assert!(
        not_ready.text().contains("read-only"),
        "{}",
        not_ready.text()
    );
    assert!(not_ready.header("retry-after").is_some());
    assert_eq!(app.get("/healthz", &[]).await.status, StatusCode::OK);
    sqlx::query(&format!(
        "alter database \"{name}\" set default_transaction_read_only = off"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
}

/// `EZLIFT_LOG_FORMAT=json`: every line the server logs is one JSON object with its
/// level and message; an unknown format stops the server at once with a clear error.
#[test]
fn logs_are_json_lines_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_server"));
        c.env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("ezlift.db").display()),
        )
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("LEPTOS_SITE_ROOT", dir.path())
        .env("LEPTOS_OUTPUT_NAME", "ezlift")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        c
    };
    let mut child = server().env("EZLIFT_LOG_FORMAT", "json").spawn().unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    for line in lines {
        let line = line.unwrap();
        let entry: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(entry["level"].is_string(), "{line}");
        assert!(entry["message"].is_string(), "{line}");
        let listening = entry["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("listening on"));
        seen.push(line);
        if listening {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(seen.len() >= 2, "the start was logged: {seen:?}");

    let out = server().env("EZLIFT_LOG_FORMAT", "xml").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("EZLIFT_LOG_FORMAT must be json or text"));
}
