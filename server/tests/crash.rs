//! Crashes and outages: the server process killed with SIGKILL in the middle of pushes and
//! started again, on both stores; the database connection lost under load.
//!
//! Devices push sessions as batches (a log, its exercises and sets, all tagged with the
//! batch in `notes`); a push is one transaction, so after every kill each batch must be on
//! the server whole or not at all, and once the devices have retried, all of them whole.
//! SQLite must come back from every kill uncorrupted (WAL, `integrity_check`).

mod common;

use app::local::persist::MemoryChunks;
use app::local::Op;
use app::sync::engine::synchronize;
use app::sync::persisted::LocalReplica;
use common::device::HttpRemote;
use common::process::ServerProcess;
use common::TestDb;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

on_both_backends!(
    a_server_killed_mid_push_loses_nothing_and_shows_no_half_push,
    sigterm_lets_the_request_in_flight_finish,
);

const DEVICES: usize = 3;
const KILLS: usize = 20;

type Replica = LocalReplica<MemoryChunks>;

/// A session of `exercises` exercises × 3 sets; every record's notes name the batch.
fn batch(device: usize, round: usize) -> (String, Vec<Op>) {
    let tag = format!("batch-{device}-{round}");
    let log = format!("{tag}-log");
    let rec = |v: Value| v.as_object().unwrap().clone();
    let mut ops = vec![Op::Create {
        table: "logs",
        raw: rec(
            json!({ "id": log, "notes": tag, "workout_title": "Crash", "duration": 60,
                         "session_date": 1_700_000_000_000_i64, "created_at": 1, "updated_at": 1 }),
        ),
    }];
    for e in 0..2 {
        let le = format!("{tag}-e{e}");
        ops.push(Op::Create {
            table: "log_exercise",
            raw: rec(
                json!({ "id": le, "log_id": log, "exercise_id": "barbell-bench-press",
                             "order": e, "notes": tag }),
            ),
        });
        for s in 0..3 {
            ops.push(Op::Create {
                table: "log_exercise_sets",
                raw: rec(
                    json!({ "id": format!("{le}-s{s}"), "log_exercise_id": le, "order": s,
                                 "reps": 5, "weight": 80.0, "completed": true, "notes": tag }),
                ),
            });
        }
    }
    (tag, ops)
}

const BATCH_SIZE: usize = 9;

/// Records per batch tag on the server, read over HTTP.
async fn batches_on_server(base: &str, token: &str) -> BTreeMap<String, usize> {
    let pull = common::whole_state(base, token).await;
    let mut out = BTreeMap::new();
    for table in ["logs", "log_exercise", "log_exercise_sets"] {
        for r in pull["changes"][table]["created"].as_array().unwrap() {
            if let Some(tag) = r["notes"].as_str() {
                *out.entry(tag.to_owned()).or_default() += 1;
            }
        }
    }
    out
}

async fn a_server_killed_mid_push_loses_nothing_and_shows_no_half_push(db: TestDb) {
    let mut server = ServerProcess::start(&db.url);
    server.wait_ready().await;
    let base = server.base();
    let token = server.sign_up("crash@example.com").await;
    let devices: Vec<(Replica, HttpRemote)> = (0..DEVICES)
        .map(|_| {
            (
                LocalReplica {
                    mem: Default::default(),
                    store: MemoryChunks::default(),
                },
                HttpRemote::new(&base, &token),
            )
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(12);
    let mut made = Vec::new();
    let mut cut_short = 0;
    // Pushes the server committed whose answer the kill cut off (retried later).
    let mut committed_unheard = 0;
    for round in 0..KILLS {
        for (d, (replica, _)) in devices.iter().enumerate() {
            let (tag, ops) = batch(d, round);
            replica.write(&ops).await.unwrap();
            made.push(tag);
        }
        // Every device pushes; the server is killed a few milliseconds in.
        let syncs =
            futures_util::future::join_all(devices.iter().map(|(replica, remote)| async move {
                synchronize(&replica.engine(&()), remote).await
            }));
        let delay = Duration::from_millis(rng.gen_range(1..150));
        let kill = async {
            tokio::time::sleep(delay).await;
            server.kill();
        };
        let (results, ()) = tokio::join!(syncs, kill);
        cut_short += results.iter().filter(|r| r.is_err()).count();
        server.restart();
        server.wait_ready().await;
        // Before anyone retries: every batch is whole or absent.
        let present = batches_on_server(&base, &token).await;
        for (tag, n) in &present {
            assert_eq!(
                *n, BATCH_SIZE,
                "round {round}: {tag} is on the server in part"
            );
        }
        for (d, result) in results.iter().enumerate() {
            if result.is_err() && present.contains_key(&format!("batch-{d}-{round}")) {
                committed_unheard += 1;
            }
        }
    }
    // The devices retry until nothing waits; then every batch is there, whole.
    for _ in 0..5 {
        for (replica, remote) in &devices {
            let _ = synchronize(&replica.engine(&()), remote).await;
        }
    }
    for (replica, _) in &devices {
        assert!(
            replica.mem.pending().is_empty(),
            "a device still has changes waiting"
        );
    }
    let on_server = batches_on_server(&base, &token).await;
    for tag in &made {
        assert_eq!(on_server.get(tag), Some(&BATCH_SIZE), "{tag} lost");
    }
    assert_eq!(on_server.len(), made.len());
    println!(
        "crash on {}: {KILLS} kills, {cut_short} device syncs cut short ({committed_unheard} after \
         their push committed); {} batches ({} records) all whole",
        db.backend,
        made.len(),
        made.len() * BATCH_SIZE
    );
    assert!(
        cut_short > 0,
        "no kill landed during a sync: the test proved nothing"
    );

    if db.backend == "sqlite" {
        server.kill();
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        let mode: String = sqlx::query_scalar("pragma journal_mode")
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let check: String = sqlx::query_scalar("pragma integrity_check")
            .fetch_one(&mut c)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
}

/// A TCP relay in front of PostgreSQL that can go down (every connection cut, new ones
/// refused) and come back on the same port: to the server, PostgreSQL restarting.
struct Outage {
    port: u16,
    up: tokio::sync::watch::Sender<bool>,
}

impl Outage {
    async fn start(target: std::net::SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (up, watch) = tokio::sync::watch::channel(true);
        tokio::spawn(relay(listener, target, watch));
        Self { port, up }
    }
}

async fn relay(
    listener: tokio::net::TcpListener,
    target: std::net::SocketAddr,
    up: tokio::sync::watch::Receiver<bool>,
) {
    let port = listener.local_addr().unwrap().port();
    let mut listener = listener;
    loop {
        let mut waiter = up.clone();
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((mut client, _)) = accepted else { continue };
                let mut down = up.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        () = async { let _ = down.wait_for(|up| !*up).await; } => {}
                    }
                });
            }
            () = async { let _ = waiter.wait_for(|up| !*up).await; } => {
                // Down: the port closes, so new connections are refused.
                drop(listener);
                let mut back = up.clone();
                let _ = back.wait_for(|up| *up).await;
                listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
            }
        }
    }
}

/// The database refusing connections, as during a restart or a failover
/// (`allow_connections false`, every session ended): pages, pulls and pushes answer 503
/// with `Retry-After`, the user stays signed in, and all comes back by itself after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_refusing_connections_answers_503_everywhere() {
    use sqlx::Connection;
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let app = common::TestApp::new(db.share(), &[]).await;
    let (token, _) = app.sign_up("refused@example.com", "a long password").await;
    let cookie = format!("ezlift_session={token}");
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
    let allow = |yes: bool| format!("alter database \"{name}\" with allow_connections {yes}");
    sqlx::query(&allow(false)).execute(&mut conn).await.unwrap();
    sqlx::query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
    )
    .bind(&name)
    .execute(&mut conn)
    .await
    .unwrap();
    for path in ["/", "/history", "/programs"] {
        let page = app.get(path, &[("cookie", &cookie)]).await;
        assert_eq!(page.status.as_u16(), 503, "{path}: {}", page.text());
        assert!(page.header("retry-after").is_some(), "{path}");
        assert!(page.text().contains("cannot reach its database"), "{path}");
        assert!(
            page.header("location").is_none(),
            "{path}: not sent to sign in"
        );
    }
    let pulled = app
        .get(
            "/api/sync/pull-changes?schemaVersion=2",
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(pulled.status.as_u16(), 503, "{}", pulled.text());
    assert!(pulled.header("retry-after").is_some());
    let pushed = app
        .push(
            &token,
            0,
            json!({ "routines": { "created": [{ "id": "r", "title": "t" }] } }),
        )
        .await;
    assert_eq!(pushed.status.as_u16(), 503, "{}", pushed.text());
    assert!(pushed.header("retry-after").is_some());

    sqlx::query(&allow(true)).execute(&mut conn).await.unwrap();
    let page = app.get("/", &[("cookie", &cookie)]).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text());
    assert!(
        page.text().contains("data-testid=\"welcome\""),
        "still signed in"
    );
}

/// SQLite's one write lock held elsewhere for longer than writers wait (a third of the
/// request timeout): the push answers 503 with `Retry-After`, not 408 and not 500, and
/// goes through once the lock is free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_database_answers_503_then_recovers() {
    use sqlx::Connection;
    let db = TestDb::sqlite();
    let app = common::TestApp::new(db.share(), &[("EZLIFT_REQUEST_TIMEOUT_SECS", "3")]).await;
    let (token, _) = app.sign_up("locked@example.com", "a long password").await;
    let mut holder = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("begin immediate")
        .execute(&mut holder)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let push = |id: &'static str| {
        app.push(
            &token,
            0,
            json!({ "routines": { "created": [{ "id": id, "title": "t" }] } }),
        )
    };
    let pushed = push("r1").await;
    assert_eq!(pushed.status.as_u16(), 503, "{}", pushed.text());
    assert!(pushed.header("retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered after {:?}, not before the request timeout",
        started.elapsed()
    );
    sqlx::query("rollback").execute(&mut holder).await.unwrap();
    let pushed = push("r2").await;
    assert_eq!(pushed.status.as_u16(), 200, "{}", pushed.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_answers_503_and_the_server_reconnects_by_itself() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let url = reqwest::Url::parse(&db.url).unwrap();
    let target = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
    let target = tokio::net::lookup_host(target)
        .await
        .unwrap()
        .next()
        .unwrap();
    let outage = Outage::start(target).await;
    let mut through = url.clone();
    through.set_port(Some(outage.port)).unwrap();
    let through = through.to_string().replace("localhost", "127.0.0.1");

    let app = common::TestApp::new(db.via(through), &[]).await;
    let (token, user) = app.sign_up("outage@example.com", "a long password").await;
    let mut written = Vec::new();
    let mut statuses = BTreeMap::<u16, usize>::new();
    let mut push = |n: usize| {
        let id = format!("r{n}");
        written.push(id.clone());
        json!({ "routines": { "created": [{ "id": id, "title": "Outage" }], "updated": [], "deleted": [] } })
    };
    // Pushes before, during and after a 5 s outage; a refused one is retried afterwards.
    let mut waiting = Vec::new();
    let mut down_since = None;
    let mut page_checked = false;
    for n in 0..40 {
        if n == 10 {
            outage.up.send(false).unwrap();
            down_since = Some(std::time::Instant::now());
        }
        if down_since.is_some_and(|t| t.elapsed() > Duration::from_secs(5)) {
            outage.up.send(true).unwrap();
            down_since = None;
        }
        let changes = push(n);
        let res = app.push(&token, 0, changes.clone()).await;
        *statuses.entry(res.status.as_u16()).or_default() += 1;
        match res.status.as_u16() {
            200 => {}
            503 => {
                if !page_checked {
                    // A page during the outage: 503 saying so, never "signed out" nor a
                    // page that waits for data that cannot come.
                    page_checked = true;
                    let page = app
                        .get(
                            "/history",
                            &[("cookie", &format!("ezlift_session={token}"))],
                        )
                        .await;
                    assert_eq!(page.status.as_u16(), 503, "{}", page.text());
                    assert!(page.header("retry-after").is_some());
                    assert!(
                        page.text().contains("cannot reach its database"),
                        "{}",
                        page.text()
                    );
                    assert!(page.header("location").is_none());
                }
                assert!(res.header("retry-after").is_some());
                assert!(
                    res.text().contains("database is unavailable"),
                    "{}",
                    res.text()
                );
                waiting.push(changes);
            }
            other => panic!(
                "push {n} during the outage answered {other}: {}",
                res.text()
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(statuses.get(&503).is_some_and(|n| *n > 0), "{statuses:?}");
    assert!(page_checked);
    for changes in waiting {
        let res = app.push(&token, 0, changes).await;
        assert_eq!(res.status.as_u16(), 200, "{}", res.text());
    }
    let state = app.pull(&token, None).await;
    let mut ids: Vec<String> = state["changes"]["routines"]["created"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    written.sort();
    assert_eq!(ids, written, "every push is on the server after the outage");
    assert!(app.store().change_log(&user).await.unwrap().len() >= written.len());
    println!(
        "outage: answers {statuses:?}; all {} pushes on the server",
        written.len()
    );
}

/// SIGTERM while a big push is in flight: the push finishes and is answered, then the
/// process exits cleanly.
async fn sigterm_lets_the_request_in_flight_finish(db: TestDb) {
    let mut server = ServerProcess::start(&db.url);
    server.wait_ready().await;
    let base = server.base();
    let http = reqwest::Client::new();
    let token = server.sign_up("term@example.com").await;
    let routines: Vec<Value> = (0..10_000)
        .map(|i| json!({ "id": format!("t{i}"), "title": "Term" }))
        .collect();
    // The push is held in flight by its own body: half of it is sent, then SIGTERM, then
    // the rest. A server that dropped requests in flight would answer nothing.
    let body = serde_json::to_vec(
        &json!({ "lastPulledAt": 0, "changes": { "routines": { "created": routines } } }),
    )
    .unwrap();
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let head = format!(
        "POST /api/sync/push-changes HTTP/1.1\r\nhost: 127.0.0.1\r\nx-jwt-token: {token}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let half = body.len() / 2;
    socket.write_all(head.as_bytes()).await.unwrap();
    socket.write_all(&body[..half]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pid = server.pid().to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(status.success());
    // Time for a server that drops in-flight requests to have done so.
    tokio::time::sleep(Duration::from_millis(300)).await;
    socket
        .write_all(&body[half..])
        .await
        .expect("the connection stays open after SIGTERM");
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    let exit = server.wait();
    assert!(exit.success(), "{exit:?}");
    // Restarted, the server has every record of the push.
    server.restart();
    server.wait_ready().await;
    let pull: Value = http
        .get(format!("{base}/api/sync/pull-changes?lastPulledAt=null"))
        .header("x-jwt-token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        pull["changes"]["routines"]["created"]
            .as_array()
            .unwrap()
            .len(),
        10_000
    );
}
