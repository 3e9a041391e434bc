//! The cursor race: many concurrent pushes of one user, through two server instances on
//! one database, while another task pulls in a loop with the cursors it is given. The
//! union of what the puller saw must be everything that was committed.

mod common;

use axum::http::StatusCode;
use common::{TestApp, TestDb};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const PUSHERS: usize = 6;
const PUSHES_EACH: usize = 15;
const RECORDS_PER_PUSH: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_puller_misses_nothing() {
    run(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_puller_misses_nothing() {
    if let Some(db) = TestDb::postgres().await {
        run(db).await;
    }
}

async fn run(db: TestDb) {
    let second_instance = db.share();
    let a = Arc::new(TestApp::new(db, &[]).await);
    // A second server on the same database: its own pool, same signing key (from the DB).
    let b = Arc::new(TestApp::new(second_instance, &[]).await);
    let (token, _) = a.sign_up("racer@example.com", "long-enough-password").await;
    let servers = [a.clone(), b.clone()];

    let done = Arc::new(AtomicBool::new(false));
    let puller = {
        let (servers, token, done) = (servers.clone(), token.clone(), done.clone());
        tokio::spawn(async move {
            let mut seen = BTreeSet::new();
            let mut cursor: Option<i64> = None;
            let mut round = 0usize;
            loop {
                let finished = done.load(Ordering::SeqCst);
                let body = servers[round % 2].pull(&token, cursor).await;
                round += 1;
                let routines = &body["changes"]["routines"];
                for list in ["created", "updated"] {
                    for r in routines[list].as_array().unwrap() {
                        seen.insert(r["id"].as_str().unwrap().to_owned());
                    }
                }
                let next = body["timestamp"].as_i64().unwrap();
                assert!(cursor.is_none_or(|c| next >= c), "cursor went backwards");
                cursor = Some(next);
                if finished {
                    return (seen, round);
                }
            }
        })
    };

    let pushers: Vec<_> = (0..PUSHERS)
        .map(|p| {
            let (servers, token) = (servers.clone(), token.clone());
            tokio::spawn(async move {
                let mut pushed = Vec::new();
                for n in 0..PUSHES_EACH {
                    let records: Vec<_> = (0..RECORDS_PER_PUSH)
                        .map(|k| json!({ "id": format!("p{p}-n{n}-k{k}"), "title": "race" }))
                        .collect();
                    let server = &servers[(p + n) % 2];
                    let res = server
                        .push(&token, 0, json!({ "routines": { "created": records } }))
                        .await;
                    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
                    pushed.extend(records.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
                }
                pushed
            })
        })
        .collect();

    let mut committed = BTreeSet::new();
    for p in pushers {
        committed.extend(p.await.unwrap());
    }
    done.store(true, Ordering::SeqCst);
    let (seen, rounds) = puller.await.unwrap();
    assert_eq!(committed.len(), PUSHERS * PUSHES_EACH * RECORDS_PER_PUSH);
    let missed: Vec<_> = committed.difference(&seen).collect();
    assert!(
        missed.is_empty(),
        "puller missed {} records: {missed:?}",
        missed.len()
    );
    assert!(rounds > 2, "the puller ran concurrently ({rounds} rounds)");
}
