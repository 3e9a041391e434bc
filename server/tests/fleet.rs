//! A fleet: three server processes on one PostgreSQL database behind HAProxy, as a
//! deployment runs them. What must agree between processes lives in the database: sign-in
//! limits are counted once, a sign-out on one process is refused by the others, a puller
//! on one process never skips what pushers on the others committed, and a process killed
//! in the middle of pushes leaves nothing partial while the others carry on.
//!
//! Needs the `haproxy` binary (Debian's package; `./dev setup` installs it): without it
//! the cases are skipped, unless `EZLIFT_REQUIRE_HAPROXY=1` makes that a failure.

mod common;

use common::haproxy::{self, Haproxy};
use common::process::ServerProcess;
use common::{created_ids, free_port, whole_state, TestDb};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

const PROCESSES: usize = 3;

/// The processes and the balancer in front of them.
struct Fleet {
    servers: Vec<ServerProcess>,
    _haproxy: Haproxy,
    port: u16,
    _db: TestDb,
}

impl Fleet {
    /// Starts the fleet on a new PostgreSQL database, or `None` when a part is missing
    /// and not required.
    async fn start(env: &[(&str, &str)]) -> Option<Self> {
        let haproxy = haproxy::binary("a fleet case")?;
        let db = TestDb::postgres().await?;
        let mut env = env.to_vec();
        env.push(("EZLIFT_TRUST_PROXY", "1"));
        let servers: Vec<ServerProcess> = (0..PROCESSES)
            .map(|_| ServerProcess::start_with(&db.url, &env))
            .collect();
        for s in &servers {
            s.wait_ready().await;
        }
        let port = free_port();
        let balancer = Haproxy::start(haproxy, &haproxy_config(port, &servers));
        let fleet = Self {
            servers,
            _haproxy: balancer,
            port,
            _db: db,
        };
        fleet.wait_balanced().await;
        Some(fleet)
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Until the balancer answers and has seen every process healthy.
    async fn wait_balanced(&self) {
        let http = reqwest::Client::new();
        let mut ok_in_a_row = 0;
        for _ in 0..200 {
            match http.get(format!("{}/healthz", self.base())).send().await {
                Ok(r) if r.status().is_success() => ok_in_a_row += 1,
                _ => ok_in_a_row = 0,
            }
            if ok_in_a_row >= 2 * PROCESSES {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("haproxy did not come up in front of the servers");
    }
}

/// Round robin over the processes, each checked on `/readyz` every 200 ms and taken out
/// at its first failed check; the client's address passed on in `X-Forwarded-For`.
fn haproxy_config(port: u16, servers: &[ServerProcess]) -> String {
    let mut cfg = format!(
        "global\n  maxconn 512\n\
         defaults\n  mode http\n  timeout connect 2s\n  timeout client 30s\n  \
         timeout server 30s\n  retries 2\n  option redispatch\n  option forwardfor\n\
         frontend ezlift\n  bind 127.0.0.1:{port}\n  default_backend servers\n\
         backend servers\n  balance roundrobin\n  option httpchk GET /readyz\n  \
         default-server inter 200ms fall 1 rise 2\n"
    );
    for (i, s) in servers.iter().enumerate() {
        cfg.push_str(&format!("  server s{i} 127.0.0.1:{} check\n", s.port));
    }
    cfg
}

async fn sign_up(base: &str, email: &str) -> String {
    let body: Value = reqwest::Client::new()
        .post(format!("{base}/api/auth/signup"))
        .json(&json!({ "email": email, "password": "a long password" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// A push of `changes`; the status, or `None` when the connection failed.
async fn push(base: &str, token: &str, changes: &Value) -> Option<StatusCode> {
    reqwest::Client::new()
        .post(format!("{base}/api/sync/push-changes"))
        .header("x-jwt-token", token)
        .json(&json!({ "lastPulledAt": null, "changes": changes }))
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .ok()
        .map(|r| r.status())
}

/// A pull from `cursor`: the ids of the logs it carries, and the next cursor.
async fn pull_logs(base: &str, token: &str, cursor: Option<i64>) -> (BTreeSet<String>, i64) {
    let mut url = format!("{base}/api/sync/pull-changes");
    if let Some(c) = cursor {
        url.push_str(&format!("?lastPulledAt={c}"));
    }
    let body: Value = reqwest::Client::new()
        .get(url)
        .header("x-jwt-token", token)
        .send()
        .await
        .unwrap()
        .error_for_status()
        .unwrap()
        .json()
        .await
        .unwrap();
    let logs = &body["changes"]["logs"];
    let ids = ["created", "updated"]
        .iter()
        .flat_map(|k| logs[k].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r["id"].as_str().map(str::to_owned))
        .collect();
    (ids, body["timestamp"].as_i64().unwrap())
}

/// A logged session of two exercises with three sets each, all named after `tag`.
fn session(tag: &str) -> Value {
    let log = format!("{tag}-log");
    let exercises: Vec<Value> = (0..2)
        .map(|e| json!({ "id": format!("{tag}-e{e}"), "log_id": log, "exercise_id": "barbell-bench-press", "order": e }))
        .collect();
    let sets: Vec<Value> = (0..2)
        .flat_map(|e| {
            (0..3).map(move |s| json!({ "id": format!("{tag}-e{e}-s{s}"), "log_exercise_id": format!("{tag}-e{e}"), "order": s, "reps": 5, "weight": 100 }))
        })
        .collect();
    json!({
        "logs": { "created": [{ "id": log, "workout_title": tag, "session_date": 1_700_000_000_000_i64, "duration": 60 }] },
        "log_exercise": { "created": exercises },
        "log_exercise_sets": { "created": sets },
    })
}

/// Seven attempts through the balancer land on all three processes; with a limit of six
/// a minute per address, the seventh is refused, as one process alone would refuse it.
#[tokio::test]
async fn sign_in_attempts_are_counted_once_for_the_fleet() {
    let Some(fleet) = Fleet::start(&[("EZLIFT_SIGNIN_PER_ADDRESS", "6")]).await else {
        return;
    };
    let http = reqwest::Client::new();
    let attempt = || async {
        http.post(format!("{}/api/auth/login", fleet.base()))
            .json(&json!({ "email": "nobody@example.com", "password": "wrong password" }))
            .send()
            .await
            .unwrap()
            .status()
    };
    for n in 0..6 {
        assert_eq!(attempt().await, StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    assert_eq!(attempt().await, StatusCode::TOO_MANY_REQUESTS);
    // Straight to each process, past the balancer: each refuses too.
    for s in &fleet.servers {
        let status = http
            .post(format!("{}/api/auth/login", s.base()))
            .json(&json!({ "email": "nobody@example.com", "password": "wrong password" }))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
}

/// A token signed out on one process is refused by every other.
#[tokio::test]
async fn a_sign_out_on_one_process_holds_on_all() {
    let Some(fleet) = Fleet::start(&[]).await else {
        return;
    };
    let token = sign_up(&fleet.servers[0].base(), "out@example.com").await;
    let http = reqwest::Client::new();
    for s in &fleet.servers {
        let (_, cursor) = pull_logs(&s.base(), &token, None).await;
        assert!(cursor >= 0);
    }
    let out = http
        .post(format!("{}/api/auth/logout", fleet.servers[1].base()))
        .header("x-jwt-token", &token)
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    for s in &fleet.servers {
        let status = http
            .get(format!("{}/api/sync/pull-changes", s.base()))
            .header("x-jwt-token", &token)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "process on {}", s.port);
    }
}

/// Pushers on two processes, a puller on the third following its cursor: the union of
/// what it pulled is everything that was committed, though no pull was a full one.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_puller_on_one_process_misses_nothing_pushed_on_the_others() {
    let Some(fleet) = Fleet::start(&[]).await else {
        return;
    };
    let token = sign_up(&fleet.base(), "race@example.com").await;
    let (_, start) = pull_logs(&fleet.servers[2].base(), &token, None).await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let base = fleet.servers[2].base();
        let token = token.clone();
        let done = done.clone();
        tokio::spawn(async move {
            let mut seen = BTreeSet::new();
            let mut cursor = start;
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let (ids, next) = pull_logs(&base, &token, Some(cursor)).await;
                seen.extend(ids);
                cursor = next;
                if finished {
                    return seen;
                }
            }
        })
    };
    let mut pushers = Vec::new();
    for p in 0..4 {
        let base = fleet.servers[p % 2].base();
        let token = token.clone();
        pushers.push(tokio::spawn(async move {
            let mut pushed = Vec::new();
            for n in 0..10 {
                let tag = format!("race-{p}-{n}");
                assert_eq!(
                    push(&base, &token, &session(&tag)).await,
                    Some(StatusCode::OK)
                );
                pushed.push(format!("{tag}-log"));
            }
            pushed
        }));
    }
    let mut committed = BTreeSet::new();
    for p in pushers {
        committed.extend(p.await.unwrap());
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.unwrap();
    assert_eq!(committed.len(), 40);
    let missed: Vec<_> = committed.difference(&seen).collect();
    assert!(missed.is_empty(), "the puller skipped {missed:?}");
}

/// Devices push through the balancer while one process is killed with SIGKILL: their
/// pushes go on through the others (a failed one is sent again), and every session is on
/// the server whole, none in part, none twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_process_killed_mid_push_leaves_nothing_partial() {
    let Some(mut fleet) = Fleet::start(&[]).await else {
        return;
    };
    let token = sign_up(&fleet.base(), "kill@example.com").await;
    let acknowledged = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut devices = Vec::new();
    for d in 0..4 {
        let base = fleet.base();
        let token = token.clone();
        let acknowledged = acknowledged.clone();
        devices.push(tokio::spawn(async move {
            let mut failures = 0;
            for n in 0..25 {
                let changes = session(&format!("kill-{d}-{n}"));
                loop {
                    match push(&base, &token, &changes).await {
                        Some(StatusCode::OK) => {
                            acknowledged.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                            break;
                        }
                        // Cut off, or the balancer's 502/503 while it notices: again.
                        None | Some(StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE) => {
                            failures += 1;
                            assert!(failures < 200, "pushes kept failing");
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                        Some(other) => panic!("push answered {other}"),
                    }
                }
            }
            failures
        }));
    }
    // Kill once pushes are flowing, well before they are done.
    while acknowledged.load(std::sync::atomic::Ordering::SeqCst) < 10 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    fleet.servers[1].kill();
    let at_kill = acknowledged.load(std::sync::atomic::Ordering::SeqCst);
    assert!(at_kill < 50, "the kill came after {at_kill} of 100 pushes");
    let mut failures = 0;
    for d in devices {
        failures += d.await.unwrap();
    }
    // Every session whole: the log, its two exercises and six sets, once each.
    let body = whole_state(&fleet.base(), &token).await;
    let ids = |table: &str| created_ids(&body, table);
    let (logs, exercises, sets) = (ids("logs"), ids("log_exercise"), ids("log_exercise_sets"));
    assert_eq!(logs.len(), 100, "one log per session");
    assert_eq!(exercises.len(), 200, "two exercises per session");
    assert_eq!(sets.len(), 600, "six sets per session");
    let unique: BTreeSet<_> = logs.iter().chain(&exercises).chain(&sets).collect();
    assert_eq!(unique.len(), 900, "nothing twice");
    eprintln!("killed after {at_kill} of 100 pushes; pushes sent again: {failures}");
}
