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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_concurrent_edits_of_the_same_records_never_overwrite_unseen_changes() {
    edits(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_concurrent_edits_of_the_same_records_never_overwrite_unseen_changes() {
    if let Some(db) = TestDb::postgres().await {
        edits(db).await;
    }
}

const EDITORS: usize = 4;
const EDITS_EACH: usize = 15;
const SHARED: usize = 3;

/// Devices of one user edit the same few records at once, each pulling, then pushing its
/// edit with the cursor it pulled, through two server instances. The rule under test: a
/// push is acknowledged only when none of its records changed after its cursor, so no
/// acknowledged edit ever overwrote a change its device had not seen; the others got 409.
async fn edits(db: TestDb) {
    let second_instance = db.share();
    let a = Arc::new(TestApp::new(db, &[]).await);
    let b = Arc::new(TestApp::new(second_instance, &[]).await);
    let (token, user) = a
        .sign_up("editor@example.com", "long-enough-password")
        .await;
    let shared: Vec<_> = (0..SHARED)
        .map(|i| json!({ "id": format!("shared{i}"), "title": "start" }))
        .collect();
    let res = a
        .push(&token, 0, json!({ "routines": { "created": shared } }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let servers = [a.clone(), b.clone()];
    let editors: Vec<_> = (0..EDITORS)
        .map(|d| {
            let (servers, token) = (servers.clone(), token.clone());
            tokio::spawn(async move {
                // (record, title written, cursor it was pushed with) of acknowledged edits.
                let mut acknowledged = Vec::new();
                let mut conflicts = 0;
                for n in 0..EDITS_EACH {
                    let server = &servers[(d + n) % 2];
                    let cursor = server.pull(&token, None).await["timestamp"]
                        .as_i64()
                        .unwrap();
                    let id = format!("shared{}", (d + n) % SHARED);
                    let title = format!("d{d}-n{n}");
                    let record = json!({ "id": id, "title": title });
                    let res = servers[(d + n + 1) % 2]
                        .push(
                            &token,
                            cursor,
                            json!({ "routines": { "updated": [record] } }),
                        )
                        .await;
                    match res.status {
                        StatusCode::OK => acknowledged.push((id, title, cursor)),
                        StatusCode::CONFLICT => conflicts += 1,
                        other => panic!("{other}: {}", res.text()),
                    }
                }
                (acknowledged, conflicts)
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    let mut conflicts = 0;
    for e in editors {
        let (acks, c) = e.await.unwrap();
        acknowledged.extend(acks);
        conflicts += c;
    }
    let log = a.store().change_log(&user).await.unwrap();
    let stamps = |id: &str| -> Vec<(i64, String)> {
        log.iter()
            .filter(|c| c.table_name == "routines" && c.record_id == id)
            .map(|c| {
                (
                    c.timestamp,
                    c.changes["title"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect()
    };
    for (id, title, cursor) in &acknowledged {
        let history = stamps(id);
        let written = history
            .iter()
            .find(|(_, t)| t == title)
            .unwrap_or_else(|| panic!("{title} acknowledged but not in the log"))
            .0;
        let unseen: Vec<_> = history
            .iter()
            .filter(|(at, _)| *at > *cursor && *at < written)
            .collect();
        assert!(
            unseen.is_empty(),
            "{title} (cursor {cursor}, written at {written}) overwrote changes it never saw: {unseen:?}"
        );
    }
    // Every acknowledged edit is in the log, and the race was real.
    assert_eq!(acknowledged.len() + conflicts, EDITORS * EDITS_EACH);
    assert!(!acknowledged.is_empty());
    assert!(
        conflicts > 0,
        "no edit ever met another: the race was not exercised"
    );
    // The current state is the last acknowledged write of each record.
    let state = a.pull(&token, None).await;
    for r in state["changes"]["routines"]["created"].as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        let last = stamps(id).last().unwrap().1.clone();
        assert_eq!(r["title"], last, "{id}");
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
