//! Failover without losing an acknowledged push.
//!
//! Two PostgreSQL nodes managed by Patroni (with etcd as its store), in Patroni's
//! synchronous mode, so a commit is acknowledged only once the standby has it; HAProxy in
//! front sends connections to whichever node Patroni's REST API calls the primary
//! (`GET /primary`). The server process knows only HAProxy's address. Devices push
//! through it while the primary's node dies (its Patroni and its PostgreSQL killed with
//! SIGKILL): meanwhile pushes get `503` with `Retry-After`, Patroni promotes the standby,
//! the server reconnects by itself, and afterwards every acknowledged push is present,
//! whole, and written once.
//!
//! Needs Debian's `patroni`, `etcd-server` and `haproxy` (`./dev setup` installs them):
//! without them the case is skipped, unless `EZLIFT_REQUIRE_FAILOVER=1`.

mod common;

use common::cluster::{running_as_root, server_bin};
use common::haproxy::{self, Haproxy};
use common::process::ServerProcess;
use common::{bounded, created_ids, free_port, whole_state};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const DEVICES: usize = 4;
const SETS: usize = 3;

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether Patroni and etcd are here; a skip says so, unless they are required.
fn managers_installed() -> bool {
    if installed("patroni") && installed("etcd") {
        return true;
    }
    assert!(
        !std::env::var("EZLIFT_REQUIRE_FAILOVER").is_ok_and(|v| v == "1"),
        "patroni and etcd are required (./dev setup installs them)"
    );
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED: the failover case, patroni or etcd is not installed"
    );
    false
}

/// `uid:gid` of the `postgres` user, which PostgreSQL (and so Patroni) runs as when the
/// tests run as root.
fn postgres_ids() -> Option<(u32, u32)> {
    if !running_as_root() {
        return None;
    }
    let id = |flag: &str| -> u32 {
        let out = Command::new("id")
            .args([flag, "postgres"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
    };
    Some((id("-u"), id("-g")))
}

fn spawn_as_postgres(mut command: Command, log: &Path) -> Child {
    use std::os::unix::process::CommandExt;
    if let Some((uid, gid)) = postgres_ids() {
        command.uid(uid).gid(gid);
    }
    let log = std::fs::File::create(log).unwrap();
    command
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start a process")
}

struct Node {
    name: &'static str,
    pg_port: u16,
    api_port: u16,
    data: PathBuf,
    log: PathBuf,
    patroni: Option<Child>,
}

impl Node {
    fn postmaster_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.data.join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    /// The node's machine dies: its Patroni and its PostgreSQL killed at once.
    fn kill(&mut self) {
        let postmaster = self.postmaster_pid();
        if let Some(mut patroni) = self.patroni.take() {
            let _ = patroni.kill();
            let _ = patroni.wait();
        }
        if let Some(pid) = postmaster {
            let _ = Command::new("kill")
                .args(["-9", &pid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }

    async fn answers(&self, path: &str) -> bool {
        reqwest::Client::new()
            .get(format!("http://127.0.0.1:{}{path}", self.api_port))
            .timeout(Duration::from_secs(1))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Cluster {
    dir: tempfile::TempDir,
    etcd: Child,
    nodes: Vec<Node>,
    _balancer: Haproxy,
    port: u16,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            node.kill();
        }
        let _ = self.etcd.kill();
        let _ = self.etcd.wait();
    }
}

fn patroni_config(dir: &Path, node: &Node, etcd: u16, bin: &Path) -> String {
    format!(
        "scope: ezlift\nname: {name}\n\
         restapi:\n  listen: 127.0.0.1:{api}\n  connect_address: 127.0.0.1:{api}\n\
         etcd3:\n  hosts: 127.0.0.1:{etcd}\n\
         bootstrap:\n  dcs:\n    ttl: 10\n    loop_wait: 1\n    retry_timeout: 3\n    \
         maximum_lag_on_failover: 1048576\n    synchronous_mode: true\n    \
         postgresql:\n      use_pg_rewind: false\n      parameters:\n        \
         max_wal_senders: 5\n        max_replication_slots: 5\n\
         \x20 initdb:\n    - encoding: UTF8\n    - auth: trust\n\
         \x20 pg_hba:\n    - local all all trust\n    - host replication all 127.0.0.1/32 trust\n    \
         - host all all 127.0.0.1/32 trust\n\
         postgresql:\n  listen: 127.0.0.1:{pg}\n  connect_address: 127.0.0.1:{pg}\n  \
         data_dir: {data}\n  bin_dir: {bin}\n  pgpass: {dir}/pgpass-{name}\n  \
         authentication:\n    replication:\n      username: postgres\n    \
         superuser:\n      username: postgres\n  \
         parameters:\n    unix_socket_directories: {dir}\n    fsync: 'off'\n",
        name = node.name,
        api = node.api_port,
        pg = node.pg_port,
        data = node.data.display(),
        bin = bin.display(),
        dir = dir.display(),
    )
}

/// Polls `check` every 100 ms for up to `secs`; panics with `what` and the logs after.
async fn wait_for<F, Fut>(secs: u64, what: &str, logs: &[&Path], mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(secs) {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tails: Vec<String> = logs
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            format!(
                "{}:\n{}",
                p.display(),
                lines[lines.len().saturating_sub(30)..].join("\n")
            )
        })
        .collect();
    panic!("{what} within {secs} s\n{}", tails.join("\n"));
}

impl Cluster {
    async fn start(haproxy: &str) -> Self {
        let bin = server_bin().expect("PostgreSQL's server programs");
        let dir = tempfile::Builder::new()
            .prefix("ezlift-failover-")
            .tempdir()
            .unwrap();
        if let Some((uid, gid)) = postgres_ids() {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).unwrap();
        }
        let (etcd_port, peer_port) = (free_port(), free_port());
        let etcd_log = dir.path().join("etcd.log");
        let mut etcd = Command::new("etcd");
        etcd.args([
            "--name",
            "e",
            "--data-dir",
            &dir.path().join("etcd").display().to_string(),
            "--listen-client-urls",
            &format!("http://127.0.0.1:{etcd_port}"),
            "--advertise-client-urls",
            &format!("http://127.0.0.1:{etcd_port}"),
            "--listen-peer-urls",
            &format!("http://127.0.0.1:{peer_port}"),
            "--initial-advertise-peer-urls",
            &format!("http://127.0.0.1:{peer_port}"),
            "--initial-cluster",
            &format!("e=http://127.0.0.1:{peer_port}"),
        ]);
        let etcd = spawn_as_postgres(etcd, &etcd_log);
        wait_for(30, "etcd did not answer", &[&etcd_log], || async {
            reqwest::get(format!("http://127.0.0.1:{etcd_port}/health"))
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;

        let mut nodes: Vec<Node> = ["a", "b"]
            .into_iter()
            .map(|name| Node {
                name,
                pg_port: free_port(),
                api_port: free_port(),
                data: dir.path().join(format!("data-{name}")),
                log: dir.path().join(format!("patroni-{name}.log")),
                patroni: None,
            })
            .collect();
        for (i, node) in nodes.iter_mut().enumerate() {
            let config = dir.path().join(format!("{}.yml", node.name));
            std::fs::write(&config, patroni_config(dir.path(), node, etcd_port, &bin)).unwrap();
            let mut patroni = Command::new("patroni");
            patroni.arg(&config).env("HOME", dir.path());
            node.patroni = Some(spawn_as_postgres(patroni, &node.log));
            // The first becomes the primary; the second its synchronous standby.
            let (path, what) = if i == 0 {
                ("/primary", "node a did not become the primary")
            } else {
                ("/sync", "node b did not become the synchronous standby")
            };
            let node = &*node;
            wait_for(90, what, &[&node.log], || node.answers(path)).await;
        }

        let port = free_port();
        let mut config = format!(
            "global\n  maxconn 256\n\
             defaults\n  mode tcp\n  timeout connect 1s\n  timeout client 1h\n  \
             timeout server 1h\n  timeout check 1s\n\
             listen postgres\n  bind 127.0.0.1:{port}\n  option httpchk GET /primary\n  \
             http-check expect status 200\n  \
             default-server inter 200ms fall 2 rise 1 on-marked-down shutdown-sessions\n"
        );
        for node in &nodes {
            config.push_str(&format!(
                "  server {} 127.0.0.1:{} check port {}\n",
                node.name, node.pg_port, node.api_port
            ));
        }
        let balancer = Haproxy::start(haproxy, &config);
        let cluster = Self {
            dir,
            etcd,
            nodes,
            _balancer: balancer,
            port,
        };
        // HAProxy takes every node for up until its checks say otherwise: wait until
        // connections land on the primary only.
        let url = cluster.url("postgres");
        let started = Instant::now();
        let mut in_a_row = 0;
        while in_a_row < 6 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "HAProxy did not settle on the primary"
            );
            if reaches_primary(&url).await {
                in_a_row += 1;
            } else {
                in_a_row = 0;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        cluster
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn logs(&self) -> Vec<PathBuf> {
        let mut logs: Vec<PathBuf> = self.nodes.iter().map(|n| n.log.clone()).collect();
        logs.push(self.dir.path().join("etcd.log"));
        logs
    }
}

/// Whether a connection to `url` lands on a node that takes writes.
async fn reaches_primary(url: &str) -> bool {
    use sqlx::Connection;
    let Ok(mut c) = sqlx::PgConnection::connect(url).await else {
        return false;
    };
    let recovering: Result<bool, _> = sqlx::query_scalar("select pg_is_in_recovery()")
        .fetch_one(&mut c)
        .await;
    recovering.is_ok_and(|r| !r)
}

/// One logged session of a device: a log, its exercise, its sets.
fn session(device: usize, k: usize) -> (String, Value) {
    let id = format!("d{device}-s{k}");
    let sets: Vec<Value> = (0..SETS)
        .map(|i| {
            json!({ "id": format!("{id}-set{i}"), "log_exercise_id": format!("{id}-e"),
                    "order": i + 1, "weight": 100, "reps": 5, "completed": true, "set_type": "normal" })
        })
        .collect();
    let changes = json!({
        "logs": { "created": [{ "id": id, "workout_title": "Failover", "session_date": 1_793_575_800_000_i64 }] },
        "log_exercise": { "created": [{ "id": format!("{id}-e"), "log_id": id, "exercise_id": "barbell-back-squat", "order": 1 }] },
        "log_exercise_sets": { "created": sets },
    });
    (id, changes)
}

/// What the devices saw.
#[derive(Default)]
struct Outcome {
    /// Sessions whose push was answered 200, by device.
    acknowledged: BTreeMap<usize, BTreeSet<String>>,
    /// Answers other than 200, by status.
    refusals: BTreeMap<u16, usize>,
    /// `503`s without `Retry-After`.
    without_retry_after: usize,
    /// The first push answered 200 after the kill.
    first_after_kill: Option<Instant>,
}

/// A device syncing as WatermelonDB does: pull, then push its next session; a session the
/// pull already shows (its push committed but the answer was lost) is not pushed again.
async fn device(
    base: String,
    token: String,
    n: usize,
    stop: Arc<AtomicBool>,
    killed: Arc<Mutex<Option<Instant>>>,
    outcome: Arc<Mutex<Outcome>>,
) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut cursor: Option<i64> = None;
    let mut k = 0;
    let note = |status: reqwest::StatusCode, retry_after: bool| {
        let mut o = outcome.lock().unwrap();
        *o.refusals.entry(status.as_u16()).or_default() += 1;
        if status == reqwest::StatusCode::SERVICE_UNAVAILABLE && !retry_after {
            o.without_retry_after += 1;
        }
    };
    while !stop.load(Ordering::Relaxed) {
        let (id, changes) = session(n, k);
        let since = cursor.map_or("null".to_owned(), |c| c.to_string());
        let pulled = http
            .get(format!(
                "{base}/api/sync/pull-changes?lastPulledAt={since}&schemaVersion=2"
            ))
            .header("x-jwt-token", &token)
            .send()
            .await;
        match pulled {
            Ok(r) if r.status().is_success() => {
                let body: Value = r.json().await.unwrap();
                cursor = body["timestamp"].as_i64();
                let has_it = ["created", "updated"].iter().any(|list| {
                    body["changes"]["logs"][list]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|l| l["id"] == id.as_str()))
                });
                if has_it {
                    k += 1;
                    continue;
                }
            }
            Ok(r) => {
                note(r.status(), r.headers().contains_key("retry-after"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
            Err(e) => panic!("the server itself must stay up: {e}"),
        }
        let started = Instant::now();
        let pushed = http
            .post(format!("{base}/api/sync/push-changes?schemaVersion=2"))
            .header("x-jwt-token", &token)
            .json(&json!({ "lastPulledAt": cursor, "changes": changes }))
            .send()
            .await;
        match pushed {
            Ok(r) if r.status().is_success() => {
                let mut o = outcome.lock().unwrap();
                o.acknowledged.entry(n).or_default().insert(id);
                // Only a push sent after the kill counts as one that went through it.
                if killed.lock().unwrap().is_some_and(|at| started > at) {
                    o.first_after_kill.get_or_insert_with(Instant::now);
                }
                k += 1;
            }
            Ok(r) => {
                note(r.status(), r.headers().contains_key("retry-after"));
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("the server itself must stay up: {e}"),
        }
    }
}

#[tokio::test]
async fn a_failover_loses_no_acknowledged_push() {
    bounded("failover", async {
        let Some(haproxy) = haproxy::binary("the failover case") else {
            return;
        };
        if !managers_installed() {
            return;
        }
        let mut cluster = Cluster::start(haproxy).await;
        {
            use sqlx::Connection;
            let mut admin = sqlx::PgConnection::connect(&cluster.url("postgres"))
                .await
                .unwrap();
            sqlx::query("create database ezlift")
                .execute(&mut admin)
                .await
                .unwrap();
        }
        let server = ServerProcess::start(&cluster.url("ezlift"));
        server.wait_ready().await;

        let stop = Arc::new(AtomicBool::new(false));
        let killed = Arc::new(Mutex::new(None));
        let outcome = Arc::new(Mutex::new(Outcome::default()));
        let mut tokens = Vec::new();
        let mut tasks = Vec::new();
        for n in 0..DEVICES {
            let token = server.sign_up(&format!("device{n}@example.com")).await;
            tokens.push(token.clone());
            tasks.push(tokio::spawn(device(
                server.base(),
                token,
                n,
                stop.clone(),
                killed.clone(),
                outcome.clone(),
            )));
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        let before: usize = outcome
            .lock()
            .unwrap()
            .acknowledged
            .values()
            .map(BTreeSet::len)
            .sum();
        assert!(before > 0, "the devices push before the failover");

        // The primary's node dies.
        let logs = cluster.logs();
        let primary = cluster.nodes.iter().position(|n| n.name == "a").unwrap();
        *killed.lock().unwrap() = Some(Instant::now());
        let kill_at = Instant::now();
        cluster.nodes[primary].kill();
        let log_refs: Vec<&Path> = logs.iter().map(PathBuf::as_path).collect();
        let standby = &cluster.nodes[1 - primary];
        wait_for(60, "the standby was not promoted", &log_refs, || {
            standby.answers("/primary")
        })
        .await;
        let promoted = kill_at.elapsed();
        wait_for(
            60,
            "no push went through after the failover",
            &log_refs,
            || async { outcome.lock().unwrap().first_after_kill.is_some() },
        )
        .await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        stop.store(true, Ordering::Relaxed);
        for t in tasks {
            t.await.expect("a device failed");
        }

        let outcome = std::mem::take(&mut *outcome.lock().unwrap());
        let first_push = outcome.first_after_kill.unwrap().duration_since(kill_at);
        let after: usize = outcome.acknowledged.values().map(BTreeSet::len).sum();
        println!(
            "failover: standby promoted {:.1} s after the kill; first acknowledged push {:.1} s \
             after it; {before} pushes acknowledged before, {after} in all; answers other than \
             200: {:?}",
            promoted.as_secs_f64(),
            first_push.as_secs_f64(),
            outcome.refusals
        );
        assert_eq!(
            outcome.without_retry_after, 0,
            "every 503 says when to retry"
        );
        assert!(
            outcome.refusals.keys().all(|s| *s == 503 || *s == 409),
            "during the outage only 503 (and a conflict for a push that had committed): {:?}",
            outcome.refusals
        );

        // Every acknowledged push is there, whole, and written once.
        for (n, token) in tokens.iter().enumerate() {
            let pulled = whole_state(&server.base(), token).await;
            let ids = |table: &str| -> BTreeSet<String> {
                created_ids(&pulled, table).into_iter().collect()
            };
            let (logs, exercises, sets) =
                (ids("logs"), ids("log_exercise"), ids("log_exercise_sets"));
            for id in outcome.acknowledged.get(&n).into_iter().flatten() {
                assert!(logs.contains(id), "acknowledged session {id} is lost");
                assert!(
                    exercises.contains(&format!("{id}-e")),
                    "{id} lost its exercise"
                );
                for i in 0..SETS {
                    assert!(sets.contains(&format!("{id}-set{i}")), "{id} lost a set");
                }
            }
        }
        use sqlx::Connection;
        let mut db = sqlx::PgConnection::connect(&cluster.url("ezlift"))
            .await
            .unwrap();
        let twice: i64 = sqlx::query_scalar(
            "select count(*) from (select 1 from changes where change_type = 'created' \
             group by user_id, table_name, record_id having count(*) > 1) d",
        )
        .fetch_one(&mut db)
        .await
        .unwrap();
        assert_eq!(twice, 0, "no record was created twice");
    })
    .await;
}
