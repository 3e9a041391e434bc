//! A seeded, randomized simulation of five devices of one user against the real server
//! over HTTP, through a proxy that injects network faults.
//!
//! Devices: the browser's sync engine with in-memory replicas, and a real WatermelonDB
//! client (`end2end/watermelon/sim-device.cjs`, when Node and the end-to-end packages are
//! installed; `./dev test` requires it). They create, edit and delete records of every
//! table — parents with deep cascades, edits of records another device deleted — and sync
//! at random moments, several at once. The proxy drops requests, drops responses after
//! the server answered (so a committed push is retried), delays, duplicates and reorders.
//!
//! At the end every device syncs until quiet (faults off) and must hold exactly what the
//! server holds, and the server what a model of every operation says: a record is there
//! if and only if it was created and neither it nor an ancestor was deleted (nothing
//! acknowledged lost, nothing deleted back, nothing twice), and every value is the last
//! one some device wrote to that column (nothing older resurrected, nothing invented).
//!
//! `EZLIFT_SIM_SEEDS=1,2,3` and `EZLIFT_SIM_OPS=150` choose the runs (those are the
//! defaults); a failing run prints its seed, and setting that seed replays it.

mod common;

use common::device::HttpRemote;

use app::local::persist::{MemoryChunks, Persistence};
use app::local::Op;
use app::model::wire::WireRecord;
use app::model::{ColumnKind, TableDef, TABLES};
use app::sync::engine::{synchronize, LocalStore, SyncError};
use app::sync::persisted::LocalReplica;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use common::{TestApp, TestDb};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::{Mutex, Notify};

on_both_backends!(devices_under_faults_converge_and_lose_nothing);

const DEVICES: usize = 5;

async fn devices_under_faults_converge_and_lose_nothing(db: TestDb) {
    let seeds: Vec<u64> = std::env::var("EZLIFT_SIM_SEEDS")
        .ok()
        .map(|s| s.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2, 3]);
    let ops: usize = std::env::var("EZLIFT_SIM_OPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(150);
    let backend = db.backend;
    let app = TestApp::new(db, &[]).await;
    let server = serve(&app).await;
    let mut total = Totals::default();
    for seed in seeds {
        println!("simulation: seed {seed}, {ops} operations, {backend} (replay with EZLIFT_SIM_SEEDS={seed} EZLIFT_SIM_OPS={ops})");
        let run = run(&app, &server, seed, ops).await;
        println!("simulation: seed {seed} passed: {run}");
        total.add(&run);
    }
    println!("simulation on {backend}: {total}");
}

async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    base
}

// ---- the fault proxy --------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Fault {
    Pass,
    /// The request never reaches the server.
    DropRequest,
    /// The server answers, the client never hears it.
    DropResponse,
    Delay(u64),
    /// The request reaches the server twice; the client gets one of the answers.
    Duplicate,
    /// Held until a later request has gone through (or 40 ms).
    Reorder,
}

#[derive(Default)]
struct FaultCounts {
    requests: AtomicUsize,
    dropped_requests: AtomicUsize,
    dropped_responses: AtomicUsize,
    delayed: AtomicUsize,
    duplicated: AtomicUsize,
    reordered: AtomicUsize,
}

#[derive(Clone)]
struct Proxy {
    target: String,
    http: reqwest::Client,
    counts: Arc<FaultCounts>,
    faults_on: Arc<AtomicBool>,
    went_through: Arc<Notify>,
    /// Each request: its seed, fault, method and path, and body (to explain a failure).
    log: Arc<std::sync::Mutex<Vec<String>>>,
}

async fn start_proxy(target: &str) -> (String, Proxy) {
    let proxy = Proxy {
        target: target.to_owned(),
        http: reqwest::Client::new(),
        counts: Arc::default(),
        faults_on: Arc::new(AtomicBool::new(true)),
        went_through: Arc::new(Notify::new()),
        log: Arc::default(),
    };
    let router = axum::Router::new()
        .fallback(forward)
        .with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, proxy)
}

/// The fault for a request is a function of its `x-fault-seed` (the device's run seed and
/// request number), so a run's faults follow its seed.
fn fault_for(seed: &str) -> Fault {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    seed.hash(&mut h);
    let mut rng = StdRng::seed_from_u64(h.finish());
    match rng.gen_range(0..100) {
        0..=54 => Fault::Pass,
        55..=64 => Fault::DropRequest,
        65..=74 => Fault::DropResponse,
        75..=84 => Fault::Delay(rng.gen_range(1..40)),
        85..=92 => Fault::Duplicate,
        _ => Fault::Reorder,
    }
}

async fn forward(State(p): State<Proxy>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let seed = parts
        .headers
        .get("x-fault-seed")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_owned();
    let fault = if p.faults_on.load(Ordering::SeqCst) {
        fault_for(&seed)
    } else {
        Fault::Pass
    };
    p.counts.requests.fetch_add(1, Ordering::SeqCst);
    if let Ok(mut log) = p.log.lock() {
        log.push(format!(
            "{seed} {fault:?} {} {} {}",
            parts.method,
            parts.uri,
            String::from_utf8_lossy(&body)
        ));
    }
    let send = || async {
        let url = format!(
            "{}{}",
            p.target,
            parts.uri.path_and_query().map_or("/", |x| x.as_str())
        );
        let mut req = p.http.request(parts.method.clone(), url);
        for (name, value) in &parts.headers {
            // Bodies pass through as they are: no compression between proxy and server.
            if !matches!(
                name.as_str(),
                "host" | "content-length" | "x-fault-seed" | "accept-encoding"
            ) {
                req = req.header(name, value);
            }
        }
        let res = req.body(body.clone()).send().await;
        p.went_through.notify_waiters();
        match res {
            Ok(res) => {
                let status = res.status();
                let bytes = res.bytes().await.unwrap_or_default();
                (
                    status,
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    bytes,
                )
                    .into_response()
            }
            Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
        }
    };
    let lost = || (StatusCode::BAD_GATEWAY, "lost by the fault proxy").into_response();
    match fault {
        Fault::Pass => send().await,
        Fault::DropRequest => {
            p.counts.dropped_requests.fetch_add(1, Ordering::SeqCst);
            lost()
        }
        Fault::DropResponse => {
            p.counts.dropped_responses.fetch_add(1, Ordering::SeqCst);
            let _ = send().await;
            lost()
        }
        Fault::Delay(ms) => {
            p.counts.delayed.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            send().await
        }
        Fault::Duplicate => {
            p.counts.duplicated.fetch_add(1, Ordering::SeqCst);
            let (a, b) = tokio::join!(send(), send());
            if seed.len() % 2 == 0 {
                a
            } else {
                b
            }
        }
        Fault::Reorder => {
            p.counts.reordered.fetch_add(1, Ordering::SeqCst);
            let _ =
                tokio::time::timeout(Duration::from_millis(40), p.went_through.notified()).await;
            send().await
        }
    }
}

// ---- devices ------------------------------------------------------------------------------

type Replica = LocalReplica<MemoryChunks>;

/// A real WatermelonDB client in a Node process, one JSON line per command.
struct Watermelon {
    _child: Child,
    io: Mutex<(ChildStdin, Lines<BufReader<ChildStdout>>)>,
}

impl Watermelon {
    async fn start(script: &PathBuf, proxy: &str, server: &str, token: &str) -> Self {
        let mut child = tokio::process::Command::new("node")
            .arg(script)
            .arg(proxy)
            .arg(server)
            .env("EZLIFT_SIM_TOKEN", token)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start node");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let device = Self {
            _child: child,
            io: Mutex::new((stdin, lines)),
        };
        let ready = device.read().await;
        assert_eq!(ready["ready"], true, "{ready}");
        device
    }

    async fn read(&self) -> Value {
        let mut io = self.io.lock().await;
        let line = io.1.next_line().await.unwrap().expect("the device exited");
        serde_json::from_str(&line).unwrap()
    }

    async fn call(&self, command: Value) -> Value {
        let mut io = self.io.lock().await;
        io.0.write_all(format!("{command}\n").as_bytes())
            .await
            .unwrap();
        let line = io.1.next_line().await.unwrap().expect("the device exited");
        serde_json::from_str(&line).unwrap()
    }

    async fn must(&self, command: Value) -> Value {
        let answer = self.call(command.clone()).await;
        assert_eq!(answer["ok"], true, "{command} → {answer}");
        answer
    }
}

enum Device {
    Native {
        replica: Replica,
        remote: HttpRemote,
    },
    Watermelon(Watermelon),
}

/// A device's live records: table → id → record.
type Live = BTreeMap<String, BTreeMap<String, WireRecord>>;

impl Device {
    fn kind(&self) -> &'static str {
        match self {
            Self::Native { .. } => "engine",
            Self::Watermelon(_) => "watermelon",
        }
    }

    async fn live(&self) -> Live {
        let mut out = Live::new();
        match self {
            Self::Native { replica, .. } => {
                for t in TABLES {
                    let records = replica.records(t.name);
                    out.insert(
                        t.name.to_owned(),
                        records
                            .into_iter()
                            .map(|r| (r.id().to_owned(), r.raw))
                            .collect(),
                    );
                }
            }
            Self::Watermelon(wm) => {
                let dump = wm.must(json!({ "cmd": "dump" })).await;
                for t in TABLES {
                    let rows = dump["tables"][t.name]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    out.insert(
                        t.name.to_owned(),
                        rows.into_iter()
                            .filter(|r| r["_status"] != "deleted")
                            .map(|r| {
                                let raw = r.as_object().unwrap().clone();
                                (r["id"].as_str().unwrap().to_owned(), raw)
                            })
                            .collect(),
                    );
                }
            }
        }
        out
    }

    async fn pending(&self) -> usize {
        match self {
            Self::Native { replica, .. } => replica.mem.pending().len(),
            Self::Watermelon(wm) => {
                let dump = wm.must(json!({ "cmd": "dump" })).await;
                let mut n = 0;
                for t in TABLES {
                    for r in dump["tables"][t.name].as_array().into_iter().flatten() {
                        n += usize::from(r["_status"] != "synced");
                    }
                    n += dump["deleted"][t.name].as_array().map_or(0, Vec::len);
                }
                n
            }
        }
    }

    async fn create(&self, table: &'static str, raw: WireRecord) {
        match self {
            Self::Native { replica, .. } => {
                replica.write(&[Op::Create { table, raw }]).await.unwrap();
            }
            Self::Watermelon(wm) => {
                wm.must(json!({ "cmd": "create", "table": table, "raw": raw }))
                    .await;
            }
        }
    }

    async fn update(&self, table: &'static str, id: &str, fields: WireRecord) {
        match self {
            Self::Native { replica, .. } => {
                let id = id.to_owned();
                replica
                    .write(&[Op::Update { table, id, fields }])
                    .await
                    .unwrap();
            }
            Self::Watermelon(wm) => {
                wm.must(json!({ "cmd": "update", "table": table, "id": id, "fields": fields }))
                    .await;
            }
        }
    }

    /// Deletes a record and its descendants (the engine cascades itself; WatermelonDB is
    /// given the list, as the app's code computes it).
    async fn delete(&self, table: &'static str, id: &str) {
        match self {
            Self::Native { replica, .. } => {
                let id = id.to_owned();
                replica.write(&[Op::Delete { table, id }]).await.unwrap();
            }
            Self::Watermelon(wm) => {
                let live = self.live().await;
                let items: Vec<(String, String)> = descendants(&live, table, id);
                wm.must(json!({ "cmd": "delete", "items": items })).await;
            }
        }
    }

    async fn sync(&self, seed: String) -> Result<(), String> {
        match self {
            Self::Native { replica, remote } => {
                remote.set_seed(seed);
                match synchronize(&replica.engine(&()), remote).await {
                    Ok(_) => Ok(()),
                    Err(SyncError::Local(e)) => panic!("local store failed: {e:?}"),
                    Err(e) => Err(e.to_string()),
                }
            }
            Self::Watermelon(wm) => {
                let answer = wm.call(json!({ "cmd": "sync", "seed": seed })).await;
                if answer["ok"] == true {
                    Ok(())
                } else {
                    Err(answer["error"].to_string())
                }
            }
        }
    }

    /// What a user does with changes the server refused: the engine sets orphans aside,
    /// WatermelonDB keeps them pending; both are removed. Any other refusal is a bug.
    async fn discard_refused(&self) -> usize {
        match self {
            Self::Native { replica, .. } => {
                let aside = replica.store.set_aside().await.unwrap();
                for a in &aside {
                    assert!(
                        a.reason.contains("no longer on the server"),
                        "{} {} was refused: {}",
                        a.table,
                        a.id(),
                        a.reason
                    );
                    replica.engine(&()).discard(&a.table, a.id()).await.unwrap();
                }
                aside.len()
            }
            Self::Watermelon(wm) => {
                wm.must(json!({ "cmd": "discard_rejected" })).await["discarded"]
                    .as_u64()
                    .unwrap_or(0) as usize
            }
        }
    }
}

/// `(table, id)` of a record and of every live descendant, children first.
fn descendants(live: &Live, table: &str, id: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let def = TABLES.iter().find(|t| t.name == table).unwrap();
    for (child, parent) in def.children() {
        let ids: Vec<String> = live[child.name]
            .iter()
            .filter(|(_, r)| r.get(parent.column).and_then(Value::as_str) == Some(id))
            .map(|(cid, _)| cid.clone())
            .collect();
        for cid in ids {
            for d in descendants(live, child.name, &cid) {
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
    }
    out.push((table.to_owned(), id.to_owned()));
    out
}

// ---- the model ----------------------------------------------------------------------------

type Key = (String, String);

/// Every operation the devices made, as far as the final state depends on it.
#[derive(Default)]
struct Ledger {
    /// Created records and the parents they point at.
    created: BTreeMap<Key, Vec<Key>>,
    deleted: BTreeSet<Key>,
    /// (table, id, column) → device → the last value that device wrote.
    last: BTreeMap<(String, String, String), BTreeMap<usize, Value>>,
    /// What happened, in order, to explain a failure.
    trace: Vec<String>,
}

impl Ledger {
    fn alive(&self, key: &Key) -> bool {
        !self.deleted.contains(key)
            && self
                .created
                .get(key)
                .is_some_and(|parents| parents.iter().all(|p| self.alive(p)))
    }

    fn wrote(&mut self, device: usize, table: &str, id: &str, fields: &WireRecord) {
        for (column, value) in fields {
            if column != "id" {
                self.last
                    .entry((table.to_owned(), id.to_owned(), column.clone()))
                    .or_default()
                    .insert(device, normal(value));
            }
        }
    }
}

/// Numbers compared as numbers (`5` and `5.0` are one value, as in JavaScript).
fn normal(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64()),
        other => other.clone(),
    }
}

/// A record as the registry sees it: every column (missing = null), numbers normalised.
fn canonical(table: &TableDef, raw: &WireRecord) -> BTreeMap<String, Value> {
    let mut out: BTreeMap<String, Value> = table
        .columns
        .iter()
        .map(|c| {
            (
                c.name.to_owned(),
                raw.get(c.name).map_or(Value::Null, normal),
            )
        })
        .collect();
    out.insert("id".into(), raw.get("id").cloned().unwrap_or(Value::Null));
    out
}

fn canonical_state(state: &Live) -> BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>> {
    TABLES
        .iter()
        .map(|t| {
            let records = state
                .get(t.name)
                .map(|m| {
                    m.iter()
                        .map(|(id, raw)| (id.clone(), canonical(t, raw)))
                        .collect()
                })
                .unwrap_or_default();
            (t.name.to_owned(), records)
        })
        .collect()
}

// ---- the run ------------------------------------------------------------------------------

#[derive(Default)]
struct Totals {
    operations: usize,
    creates: usize,
    updates: usize,
    deletes: usize,
    syncs: usize,
    failed_syncs: usize,
    requests: usize,
    dropped_requests: usize,
    dropped_responses: usize,
    delayed: usize,
    duplicated: usize,
    reordered: usize,
    discarded_orphans: usize,
    records_checked: usize,
}

impl Totals {
    fn add(&mut self, o: &Totals) {
        self.operations += o.operations;
        self.creates += o.creates;
        self.updates += o.updates;
        self.deletes += o.deletes;
        self.syncs += o.syncs;
        self.failed_syncs += o.failed_syncs;
        self.requests += o.requests;
        self.dropped_requests += o.dropped_requests;
        self.dropped_responses += o.dropped_responses;
        self.delayed += o.delayed;
        self.duplicated += o.duplicated;
        self.reordered += o.reordered;
        self.discarded_orphans += o.discarded_orphans;
        self.records_checked += o.records_checked;
    }
}

impl std::fmt::Display for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} operations ({} creates, {} edits, {} deletes), {} syncs ({} failed by faults), \
             {} requests through the proxy: {} dropped, {} answered but lost, {} delayed, \
             {} duplicated, {} reordered; {} orphans discarded; {} final records checked",
            self.operations,
            self.creates,
            self.updates,
            self.deletes,
            self.syncs,
            self.failed_syncs,
            self.requests,
            self.dropped_requests,
            self.dropped_responses,
            self.delayed,
            self.duplicated,
            self.reordered,
            self.discarded_orphans,
            self.records_checked
        )
    }
}

fn watermelon_script() -> Option<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("end2end/watermelon/sim-device.cjs");
    let installed = root
        .join("end2end/node_modules/@nozbe/watermelondb")
        .exists();
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if installed && node {
        return Some(script);
    }
    assert!(
        std::env::var("EZLIFT_REQUIRE_WATERMELON").as_deref() != Ok("1"),
        "EZLIFT_REQUIRE_WATERMELON=1 but Node or end2end/node_modules is missing (npm ci in end2end)"
    );
    println!("simulation: no WatermelonDB device (Node or end2end/node_modules missing)");
    None
}

/// A random value of a column's kind; settings columns get values the app offers.
fn value(rng: &mut StdRng, table: &str, column: &str, kind: ColumnKind) -> Value {
    let pick = |rng: &mut StdRng, xs: &[&str]| json!(xs.choose(rng).unwrap());
    if table == "user_settings" {
        return match column {
            "weight_unit" => pick(rng, &["kg", "lb"]),
            "distance_unit" => pick(rng, &["km", "mi"]),
            "theme" => pick(rng, &["light", "dark", "system"]),
            "one_rm_formula" => pick(rng, &["epley", "brzycki"]),
            "default_rest_seconds" => json!(rng.gen_range(3..=60) * 5),
            "week_start" => json!(rng.gen_range(0..7)),
            "plate_unit" => pick(rng, &["kg", "lb"]),
            "bar_weight" => json!(rng.gen_range(20..=45)),
            "plates" => pick(rng, &["25:8 20:4 1.25:2", "45:8 25:4 2.5:4", "20:4"]),
            "warmup_ramp" => pick(rng, &["bar:10 40:5 60:3 80:1", "bar:5 50:3"]),
            _ => json!(rng.gen_range(1_600_000_000_000_i64..1_800_000_000_000)),
        };
    }
    if matches!(column, "created_at" | "updated_at") {
        return json!(rng.gen_range(1_600_000_000_000_i64..1_800_000_000_000));
    }
    if rng.gen_ratio(1, 10) {
        return Value::Null;
    }
    match kind {
        ColumnKind::Text => pick(
            rng,
            &[
                "Bench",
                "Squat",
                "Bänkdrücken 💪",
                "",
                "a \"quoted\" note",
                "line\nbreak",
                "x",
            ],
        ),
        ColumnKind::Int => json!(rng.gen_range(-5_i64..10_000)),
        ColumnKind::Real => json!(f64::from(rng.gen_range(0..40_000)) / 4.0),
        ColumnKind::Bool => json!(rng.gen_bool(0.5)),
    }
}

async fn run(app: &TestApp, server: &str, seed: u64, ops: usize) -> Totals {
    let mut rng = StdRng::seed_from_u64(seed);
    let email = format!("sim{seed}-{}@example.com", rng.gen::<u32>());
    let (token, _) = app.sign_up(&email, "simulation password").await;
    let (proxy_base, proxy) = start_proxy(server).await;

    let mut devices = Vec::new();
    let wm = watermelon_script();
    for n in 0..DEVICES {
        let device = match (&wm, n) {
            (Some(script), 0) => {
                Device::Watermelon(Watermelon::start(script, &proxy_base, server, &token).await)
            }
            _ => Device::Native {
                replica: LocalReplica {
                    mem: Default::default(),
                    store: MemoryChunks::default(),
                },
                remote: HttpRemote::new(&proxy_base, &token),
            },
        };
        devices.push(device);
    }

    let mut ledger = Ledger::default();
    // The settings record the server made at sign-up: alive, never deleted.
    for (id, _) in server_state(app, &token).await["user_settings"].iter() {
        ledger
            .created
            .insert(("user_settings".into(), id.clone()), vec![]);
    }
    let mut totals = Totals::default();
    let mut next_id = 0_usize;
    let mut sync_no = 0_usize;
    let tables: Vec<&'static TableDef> = TABLES.iter().collect();

    while totals.operations < ops {
        // Each device makes a few changes offline...
        for (d, device) in devices.iter().enumerate() {
            let n = rng.gen_range(0..=3);
            for _ in 0..n {
                if totals.operations >= ops {
                    break;
                }
                let live = device.live().await;
                let roll = rng.gen_range(0..100);
                if roll < 50 {
                    // Create, under live parents of this device.
                    let table = **tables
                        .iter()
                        .filter(|t| t.name != "user_settings")
                        .collect::<Vec<_>>()
                        .choose(&mut rng)
                        .unwrap();
                    let mut parents = Vec::new();
                    let mut raw = WireRecord::new();
                    let mut possible = true;
                    for p in table.parents {
                        match live[p.table].keys().collect::<Vec<_>>().choose(&mut rng) {
                            Some(pid) => {
                                raw.insert(p.column.into(), json!(pid));
                                parents.push((p.table.to_owned(), (*pid).clone()));
                            }
                            None => possible = false,
                        }
                    }
                    if !possible {
                        continue;
                    }
                    for c in table.columns {
                        if !table.parents.iter().any(|p| p.column == c.name) {
                            raw.insert(c.name.into(), value(&mut rng, table.name, c.name, c.kind));
                        }
                    }
                    next_id += 1;
                    let id = format!("s{seed}d{d}n{next_id}");
                    raw.insert("id".into(), json!(id));
                    ledger.wrote(d, table.name, &id, &raw);
                    ledger.trace.push(format!(
                        "device {d} creates {}.{id} under {parents:?}",
                        table.name
                    ));
                    ledger.created.insert((table.name.to_owned(), id), parents);
                    device.create(table.name, raw).await;
                    totals.creates += 1;
                } else {
                    let candidates: Vec<(&'static TableDef, String)> = tables
                        .iter()
                        .flat_map(|t| live[t.name].keys().map(move |id| (*t, id.clone())))
                        .collect();
                    let Some((table, id)) = candidates.choose(&mut rng).cloned() else {
                        continue;
                    };
                    if roll < 82 || table.name == "user_settings" {
                        let editable: Vec<_> = table
                            .columns
                            .iter()
                            .filter(|c| !table.parents.iter().any(|p| p.column == c.name))
                            .collect();
                        let mut fields = WireRecord::new();
                        for _ in 0..rng.gen_range(1..=3) {
                            let c = editable.choose(&mut rng).unwrap();
                            fields
                                .insert(c.name.into(), value(&mut rng, table.name, c.name, c.kind));
                        }
                        ledger.wrote(d, table.name, &id, &fields);
                        ledger
                            .trace
                            .push(format!("device {d} edits {}.{id}: {fields:?}", table.name));
                        device.update(table.name, &id, fields).await;
                        totals.updates += 1;
                    } else {
                        ledger.deleted.insert((table.name.to_owned(), id.clone()));
                        ledger
                            .trace
                            .push(format!("device {d} deletes {}.{id}", table.name));
                        device.delete(table.name, &id).await;
                        totals.deletes += 1;
                    }
                }
                totals.operations += 1;
            }
        }
        // ...then some of them sync, at the same time.
        let syncing: Vec<usize> = (0..DEVICES).filter(|_| rng.gen_bool(0.5)).collect();
        ledger.trace.push(format!("devices {syncing:?} sync"));
        let runs = syncing.iter().map(|&d| {
            sync_no += 1;
            devices[d].sync(format!("{seed}-{sync_no}-d{d}"))
        });
        for (d, result) in syncing
            .iter()
            .zip(futures_util::future::join_all(runs).await)
        {
            if let Err(e) = &result {
                ledger.trace.push(format!("  device {d}: {e}"));
            }
            totals.syncs += 1;
            totals.failed_syncs += usize::from(result.is_err());
        }
    }

    // Faults off: every device syncs until nothing is waiting anywhere.
    proxy.faults_on.store(false, Ordering::SeqCst);
    let mut quiet = false;
    for round in 0..12 {
        let mut clean = true;
        for (d, device) in devices.iter().enumerate() {
            sync_no += 1;
            if let Err(e) = device.sync(format!("{seed}-{sync_no}-d{d}")).await {
                assert!(
                    round < 8,
                    "device {d} ({}) cannot sync without faults: {e}",
                    device.kind()
                );
                clean = false;
            }
            let discarded = device.discard_refused().await;
            totals.discarded_orphans += discarded;
            clean &= discarded == 0 && device.pending().await == 0;
        }
        if clean {
            quiet = true;
            break;
        }
    }
    assert!(quiet, "seed {seed}: the devices did not become quiet");
    // One more round brings everyone the last pushes.
    for (d, device) in devices.iter().enumerate() {
        sync_no += 1;
        device.sync(format!("{seed}-{sync_no}-d{d}")).await.unwrap();
    }

    let server = canonical_state(&server_state(app, &token).await);
    for (d, device) in devices.iter().enumerate() {
        let mine = canonical_state(&device.live().await);
        for t in TABLES {
            assert_eq!(
                mine[t.name],
                server[t.name],
                "seed {seed}: device {d} ({}) differs from the server in {}",
                device.kind(),
                t.name
            );
        }
    }
    for t in TABLES {
        let expected: BTreeSet<&String> = ledger
            .created
            .keys()
            .filter(|k| k.0 == t.name && ledger.alive(k))
            .map(|k| &k.1)
            .collect();
        let got: BTreeSet<&String> = server[t.name].keys().collect();
        let lost: Vec<_> = expected.difference(&got).collect();
        let back: Vec<_> = got.difference(&expected).collect();
        if !(lost.is_empty() && back.is_empty()) {
            for line in &ledger.trace {
                if line.contains("sync")
                    || lost
                        .iter()
                        .chain(back.iter())
                        .any(|id| line.contains(id.as_str()))
                {
                    println!("{line}");
                }
            }
            for line in proxy.log.lock().unwrap().iter() {
                let mark = if lost
                    .iter()
                    .chain(back.iter())
                    .any(|id| line.contains(id.as_str()))
                {
                    "*"
                } else {
                    " "
                };
                println!("proxy{mark} {}", summary(line));
            }
        }
        assert!(
            lost.is_empty() && back.is_empty(),
            "seed {seed}, {}: lost {lost:?}, present but deleted or never made {back:?}",
            t.name
        );
        for (id, record) in &server[t.name] {
            totals.records_checked += 1;
            for (column, value) in record {
                let key = (t.name.to_owned(), id.clone(), column.clone());
                if let Some(by_device) = ledger.last.get(&key) {
                    assert!(
                        by_device.values().any(|v| v == value),
                        "seed {seed}: {}.{id}.{column} is {value}, but the devices last wrote {by_device:?}",
                        t.name
                    );
                }
            }
        }
    }
    let c = &proxy.counts;
    totals.requests = c.requests.load(Ordering::SeqCst);
    totals.dropped_requests = c.dropped_requests.load(Ordering::SeqCst);
    totals.dropped_responses = c.dropped_responses.load(Ordering::SeqCst);
    totals.delayed = c.delayed.load(Ordering::SeqCst);
    totals.duplicated = c.duplicated.load(Ordering::SeqCst);
    totals.reordered = c.reordered.load(Ordering::SeqCst);
    totals
}

/// The server's whole state for the user, read directly (no proxy).
async fn server_state(app: &TestApp, token: &str) -> Live {
    let pull = app.pull(token, None).await;
    TABLES
        .iter()
        .map(|t| {
            let records = pull["changes"][t.name]["created"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    (
                        r["id"].as_str().unwrap().to_owned(),
                        r.as_object().unwrap().clone(),
                    )
                })
                .collect();
            (t.name.to_owned(), records)
        })
        .collect()
}

/// A proxy log line with the body reduced to what it changes: `table.kind[ids]`.
fn summary(line: &str) -> String {
    let Some((head, body)) = line.split_once(" {") else {
        return line.to_owned();
    };
    let Ok(body) = serde_json::from_str::<Value>(&format!("{{{body}")) else {
        return head.to_owned();
    };
    let mut out = vec![head.to_owned()];
    if let Some(changes) = body["changes"].as_object() {
        for (table, entry) in changes {
            for kind in ["created", "updated", "deleted"] {
                let ids: Vec<&str> = entry[kind]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.as_str().or_else(|| r["id"].as_str()))
                    .collect();
                if !ids.is_empty() {
                    out.push(format!("{table}.{kind}{ids:?}"));
                }
            }
        }
    }
    out.join(" ")
}
