//! The client sync engine (app::sync) against the real server over HTTP: devices edit
//! offline and converge, columns merge, remote deletes win, edits made during a push are
//! kept, and a 409 is recovered from.

mod common;

use app::local::persist::{MemoryChunks, Persistence};
use app::local::record::Status;
use app::local::Op;
use app::model::wire::{PullResponse, PushRequest, PushResponse, WireRecord};
use app::model::SCHEMA_VERSION;
use app::sync::engine::{
    partition_pending, synchronize, LocalStore, Remote, RemoteError, SyncError, SyncReport,
};
use app::sync::persisted::LocalReplica;
use async_trait::async_trait;
use common::{TestApp, TestDb};
use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;

type Hook<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// The two endpoints over real HTTP, with optional one-shot hooks to interleave devices.
struct HttpRemote<'a> {
    http: reqwest::Client,
    base: String,
    token: String,
    after_pull: RefCell<Option<Hook<'a>>>,
    before_push: RefCell<Option<Hook<'a>>>,
    /// The schema version this device's build speaks.
    version: Cell<u32>,
}

impl<'a> HttpRemote<'a> {
    fn new(base: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            token: token.to_owned(),
            after_pull: RefCell::new(None),
            before_push: RefCell::new(None),
            version: Cell::new(SCHEMA_VERSION),
        }
    }
}

#[async_trait(?Send)]
impl Remote for HttpRemote<'_> {
    async fn pull(
        &self,
        since: Option<i64>,
        migrated_from: Option<u32>,
    ) -> Result<PullResponse, RemoteError> {
        let since = since.map_or("null".to_owned(), |s| s.to_string());
        let migration = migrated_from.map_or(String::new(), |from| {
            format!("&migration=%7B%22from%22%3A{from}%7D")
        });
        let res = self
            .http
            .get(format!(
                "{}/api/sync/pull-changes?lastPulledAt={since}&schemaVersion={}{migration}",
                self.base,
                self.version.get()
            ))
            .header("x-jwt-token", &self.token)
            .send()
            .await
            .map_err(|e| RemoteError::Unavailable(e.to_string()))?;
        let pulled = common::device::decode(Ok(res)).await?;
        let hook = self.after_pull.borrow_mut().take();
        if let Some(hook) = hook {
            hook.await;
        }
        Ok(pulled)
    }

    async fn push(&self, request: &PushRequest) -> Result<PushResponse, RemoteError> {
        let hook = self.before_push.borrow_mut().take();
        if let Some(hook) = hook {
            hook.await;
        }
        let res = self
            .http
            .post(format!("{}/api/sync/push-changes", self.base))
            .header("x-jwt-token", &self.token)
            .json(request)
            .send()
            .await
            .map_err(|e| RemoteError::Unavailable(e.to_string()))?;
        common::device::decode(Ok(res)).await
    }
}

fn raw(v: Value) -> WireRecord {
    v.as_object().unwrap().clone()
}

/// A device's replica: the browser's code, with its chunks kept in memory instead of
/// IndexedDB.
type Replica = LocalReplica<MemoryChunks>;

fn replica() -> Replica {
    LocalReplica {
        mem: Default::default(),
        store: MemoryChunks::default(),
    }
}

/// Local edits as the pages make them: applied to memory, then committed to the chunks.
trait Edits {
    async fn create(&self, table: &'static str, raw: WireRecord);
    async fn update(&self, table: &'static str, id: &str, fields: WireRecord);
    async fn delete(&self, table: &'static str, id: &str);
}

impl Edits for Replica {
    async fn create(&self, table: &'static str, raw: WireRecord) {
        self.write(&[Op::Create { table, raw }]).await.unwrap();
    }
    async fn update(&self, table: &'static str, id: &str, fields: WireRecord) {
        let id = id.to_owned();
        self.write(&[Op::Update { table, id, fields }])
            .await
            .unwrap();
    }
    async fn delete(&self, table: &'static str, id: &str) {
        let id = id.to_owned();
        self.write(&[Op::Delete { table, id }]).await.unwrap();
    }
}

async fn sync(
    device: &Replica,
    remote: &HttpRemote<'_>,
) -> Result<SyncReport, SyncError<std::convert::Infallible>> {
    synchronize(&device.engine(&()), remote).await
}

/// A replica and its connection to the server.
type Device<'a> = (Replica, HttpRemote<'a>);

/// Two empty replicas of the signed-in user, each with its own connection to the server.
fn two_devices<'a, 'b>(base: &str, token: &str) -> (Device<'a>, Device<'b>) {
    (
        (replica(), HttpRemote::new(base, token)),
        (replica(), HttpRemote::new(base, token)),
    )
}

async fn serve(db: TestDb) -> (String, String, TestApp) {
    let app = TestApp::new(db, &[]).await;
    let (token, _) = app
        .sign_up("devices@example.com", "long-enough-password")
        .await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (base, token, app)
}

/// Both replicas hold the same live records, all synced, and so does the server.
async fn assert_converged(app: &TestApp, token: &str, devices: &[&Replica]) {
    for (n, device) in devices.iter().enumerate() {
        let mut in_memory = device.mem.with_tables(Clone::clone);
        in_memory.retain(|_, records| !records.is_empty());
        assert_eq!(
            device.store.load_all().await.unwrap(),
            in_memory,
            "device {n}: the chunks hold what memory holds"
        );
    }
    let server = app.pull(token, None).await;
    for table in app::model::TABLES {
        let mut expected: Vec<Value> = server["changes"][table.name]["created"]
            .as_array()
            .unwrap()
            .clone();
        expected.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        for (n, device) in devices.iter().enumerate() {
            let records = device.records(table.name);
            assert!(
                records.iter().all(|r| r.status == Status::Synced),
                "device {n} has pending {}",
                table.name
            );
            let got: Vec<Value> = records.into_iter().map(|r| Value::Object(r.raw)).collect();
            assert_eq!(got, expected, "device {n}, table {}", table.name);
        }
    }
}

async fn devices_edit_offline_and_converge(db: TestDb) {
    let (base, token, app) = serve(db).await;
    let ((a, ra), (b, rb)) = two_devices(&base, &token);

    a.create(
        "routines",
        raw(json!({ "id": "r1", "title": "PPL", "order": 0 })),
    )
    .await;
    a.create("workouts", raw(json!({ "id": "w1", "title": "Push" })))
        .await;
    a.create(
        "workout_exercise",
        raw(json!({ "id": "we1", "workout_id": "w1", "exercise_id": "barbell-bench-press" })),
    )
    .await;
    let report = sync(&a, &ra).await.unwrap();
    assert_eq!(report.pushed, 3);
    sync(&b, &rb).await.unwrap();
    assert_eq!(b.get("workouts", "w1").unwrap().raw["title"], "Push");

    // Offline on both: each edits, creates and deletes, then they sync in turn.
    a.update("workouts", "w1", raw(json!({ "title": "Push A" })))
        .await;
    a.create("routines", raw(json!({ "id": "r2", "title": "From A" })))
        .await;
    b.create("routines", raw(json!({ "id": "r3", "title": "From B" })))
        .await;
    b.delete("workout_exercise", "we1").await;
    for _ in 0..2 {
        sync(&a, &ra).await.unwrap();
        sync(&b, &rb).await.unwrap();
    }
    assert_converged(&app, &token, &[&a, &b]).await;
    assert_eq!(a.records("routines").len(), 3);
    assert!(a.get("workout_exercise", "we1").is_none());
}

async fn columns_merge_and_remote_deletes_win(db: TestDb) {
    let (base, token, app) = serve(db).await;
    let ((a, ra), (b, rb)) = two_devices(&base, &token);
    a.create("workouts", raw(json!({ "id": "w1", "title": "Legs" })))
        .await;
    a.create(
        "workout_exercise",
        raw(json!({ "id": "we1", "workout_id": "w1" })),
    )
    .await;
    a.create(
        "workout_exercise_sets",
        raw(json!({ "id": "s1", "workout_exercise_id": "we1", "reps": 5, "weight": 100 })),
    )
    .await;
    a.create("routines", raw(json!({ "id": "r1", "title": "Doomed" })))
        .await;
    sync(&a, &ra).await.unwrap();
    sync(&b, &rb).await.unwrap();

    // A changes the weight, B the reps of the same set; A deletes a routine B edits.
    a.update("workout_exercise_sets", "s1", raw(json!({ "weight": 105 })))
        .await;
    b.update("workout_exercise_sets", "s1", raw(json!({ "reps": 6 })))
        .await;
    a.delete("routines", "r1").await;
    b.update("routines", "r1", raw(json!({ "title": "Edited on B" })))
        .await;
    let own = sync(&a, &ra).await.unwrap();
    assert!(
        own.noticed.is_empty(),
        "nothing came from elsewhere: {own:?}"
    );
    // B is told what A's sync changed and removed of what it showed, by name.
    let told = sync(&b, &rb).await.unwrap();
    let names: Vec<(String, bool)> = told
        .noticed
        .iter()
        .map(|n| (format!("{} {}", n.kind.label(), n.title), n.removed))
        .collect();
    assert_eq!(
        names,
        [
            ("Routine Edited on B".to_owned(), true),
            ("Workout template Legs".to_owned(), false)
        ]
    );
    let told = sync(&a, &ra).await.unwrap();
    assert_eq!(told.noticed.len(), 1, "B's reps: {told:?}");
    // Its own push coming back in its next pull tells a device nothing.
    assert!(sync(&b, &rb).await.unwrap().noticed.is_empty());

    for device in [&a, &b] {
        let set = device.get("workout_exercise_sets", "s1").unwrap();
        assert_eq!(
            (set.raw["weight"].clone(), set.raw["reps"].clone()),
            (json!(105), json!(6))
        );
        assert!(
            device.get("routines", "r1").is_none(),
            "the remote delete wins"
        );
    }
    assert_converged(&app, &token, &[&a, &b]).await;
}

async fn an_edit_made_during_a_push_is_not_lost(db: TestDb) {
    let (base, token, app) = serve(db).await;
    let a = replica();
    let ra = HttpRemote::new(&base, &token);
    a.create("routines", raw(json!({ "id": "r1", "title": "v1" })))
        .await;
    sync(&a, &ra).await.unwrap();

    a.update("routines", "r1", raw(json!({ "title": "v2" })))
        .await;
    *ra.before_push.borrow_mut() = Some(Box::pin(async {
        a.update(
            "routines",
            "r1",
            raw(json!({ "title": "v3, typed during the push" })),
        )
        .await;
    }));
    sync(&a, &ra).await.unwrap();
    let r1 = a.get("routines", "r1").unwrap();
    assert_eq!(r1.status, Status::Updated, "still pending");
    assert_eq!(r1.raw["title"], "v3, typed during the push");

    sync(&a, &ra).await.unwrap();
    assert_converged(&app, &token, &[&a]).await;
    assert_eq!(
        a.get("routines", "r1").unwrap().raw["title"],
        "v3, typed during the push"
    );
}

async fn a_conflict_is_pulled_and_pushed_again(db: TestDb) {
    let (base, token, app) = serve(db).await;
    let ((a, ra), (b, rb)) = two_devices(&base, &token);
    a.create(
        "routines",
        raw(json!({ "id": "r1", "title": "base", "description": "" })),
    )
    .await;
    sync(&a, &ra).await.unwrap();
    sync(&b, &rb).await.unwrap();

    // B edits the description; between B's pull and B's push, A pushes a new title.
    b.update("routines", "r1", raw(json!({ "description": "from B" })))
        .await;
    a.update("routines", "r1", raw(json!({ "title": "from A" })))
        .await;
    *rb.after_pull.borrow_mut() = Some(Box::pin(async {
        sync(&a, &ra).await.unwrap();
    }));
    let report = sync(&b, &rb).await.unwrap();
    assert_eq!(report.attempts, 2, "the first push met a 409");
    sync(&a, &ra).await.unwrap();
    for device in [&a, &b] {
        let r1 = device.get("routines", "r1").unwrap();
        assert_eq!(
            (r1.raw["title"].clone(), r1.raw["description"].clone()),
            (json!("from A"), json!("from B"))
        );
    }
    assert_converged(&app, &token, &[&a, &b]).await;
}

on_both_backends!(
    devices_edit_offline_and_converge,
    columns_merge_and_remote_deletes_win,
    an_edit_made_during_a_push_is_not_lost,
    a_conflict_is_pulled_and_pushed_again,
    an_upgraded_replica_receives_the_columns_its_old_pulls_left_out,
    an_upgraded_replica_receives_the_tables_its_old_pulls_left_out,
    refused_and_orphaned_changes_are_set_aside_and_never_block,
    a_remote_delete_removes_local_descendants,
    answers_that_name_no_record_set_nothing_aside,
    a_push_too_large_is_split_until_it_passes,
);

/// What the proxy in front of the server answers pushes with.
#[derive(Clone, Default)]
struct Answers {
    /// Answers given to the next pushes instead of forwarding them: (status, body).
    script: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<(u16, String)>>>,
    /// Pushes of more records than this get `413` (0: no limit).
    max_records: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    /// A push holding this id gets `413`.
    too_big: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    /// Pushes that reached the server.
    forwarded: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// A proxy on its own port in front of `base`, answering pushes as `answers` say (as a
/// balancer, a gateway or a body limit in front of the server would).
async fn proxy(base: &str, answers: Answers) -> String {
    use axum::body::{to_bytes, Body};
    use axum::http::{Request, StatusCode};
    use axum::response::{IntoResponse, Response};
    use std::sync::atomic::Ordering;
    let base = base.to_owned();
    let http = reqwest::Client::new();
    let handler = move |req: Request<Body>| {
        let (base, http, answers) = (base.clone(), http.clone(), answers.clone());
        async move {
            let (parts, body) = req.into_parts();
            let body = to_bytes(body, usize::MAX).await.unwrap();
            if parts.uri.path() == "/api/sync/push-changes" {
                let scripted = answers.script.lock().unwrap().pop_front();
                if let Some((status, text)) = scripted {
                    return (StatusCode::from_u16(status).unwrap(), text).into_response();
                }
                let push: Value = serde_json::from_slice(&body).unwrap();
                let mut records = 0;
                let mut ids = Vec::new();
                for lists in push["changes"].as_object().unwrap().values() {
                    for (list, entries) in lists.as_object().unwrap() {
                        for entry in entries.as_array().unwrap() {
                            records += 1;
                            let id = if list == "deleted" {
                                entry
                            } else {
                                &entry["id"]
                            };
                            ids.push(id.as_str().unwrap_or_default().to_owned());
                        }
                    }
                }
                let max = answers.max_records.load(Ordering::SeqCst);
                let big = answers.too_big.lock().unwrap().clone();
                if (max > 0 && records > max) || big.is_some_and(|b| ids.contains(&b)) {
                    return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large")
                        .into_response();
                }
                answers.forwarded.fetch_add(1, Ordering::SeqCst);
            }
            let mut out = http.request(parts.method.clone(), format!("{base}{}", parts.uri));
            for name in ["x-jwt-token", "content-type"] {
                if let Some(v) = parts.headers.get(name) {
                    out = out.header(name, v.as_bytes());
                }
            }
            let res = out.body(body.to_vec()).send().await.unwrap();
            let status = StatusCode::from_u16(res.status().as_u16()).unwrap();
            let bytes = res.bytes().await.unwrap();
            Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .body(Body::from(bytes))
                .unwrap()
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let via = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(handler);
    tokio::spawn(async move { axum::serve(listener, router).await });
    via
}

/// A 403, a proxy's 404 or 405, a 400 that locates nothing, a gateway's page: the device's
/// changes are not the problem, so none is set aside; the sync fails as "unavailable"
/// and the next one sends everything.
async fn answers_that_name_no_record_set_nothing_aside(db: TestDb) {
    let (base, token, app) = serve(db).await;
    let answers = Answers::default();
    let via = proxy(&base, answers.clone()).await;
    let (a, ra) = (replica(), HttpRemote::new(&via, &token));
    a.create("routines", raw(json!({ "id": "r1", "title": "one" })))
        .await;
    a.create("workouts", raw(json!({ "id": "w1", "title": "two" })))
        .await;
    let located = r#"{"error":"forbidden","message":"no","record":{"table":"routines","list":"created","index":0,"id":"r1"}}"#;
    for (status, body) in [
        (403, located),
        (404, "<html><body>Not Found</body></html>"),
        (405, ""),
        (
            400,
            r#"{"error":"bad_request","message":"schemaVersion 9 is newer than the server's"}"#,
        ),
        (400, "Bad Request"),
        (502, "<html>Bad Gateway</html>"),
    ] {
        answers
            .script
            .lock()
            .unwrap()
            .push_back((status, body.to_owned()));
        match sync(&a, &ra).await {
            Err(SyncError::Remote(RemoteError::Unavailable(_))) => {}
            other => panic!("{status} {body}: {other:?}"),
        }
        assert_eq!(
            waiting_and_refused(&a).await,
            (2, vec![]),
            "{status} {body}"
        );
    }
    let report = sync(&a, &ra).await.unwrap();
    assert_eq!((report.pushed, report.set_aside), (2, 0), "{report:?}");
    let b = replica();
    sync(&b, &HttpRemote::new(&base, &token)).await.unwrap();
    sync(&a, &ra).await.unwrap();
    assert_converged(&app, &token, &[&a, &b]).await;
}

/// A push over the server's size limit is sent again in halves until each passes, parents
/// before children; a single record too large is set aside, the rest goes on.
async fn a_push_too_large_is_split_until_it_passes(db: TestDb) {
    use std::sync::atomic::Ordering;
    let (base, token, app) = serve(db).await;
    let answers = Answers::default();
    answers.max_records.store(3, Ordering::SeqCst);
    let via = proxy(&base, answers.clone()).await;
    let (a, ra) = (replica(), HttpRemote::new(&via, &token));
    for i in 0..5 {
        a.create(
            "workouts",
            raw(json!({ "id": format!("w{i}"), "title": "w" })),
        )
        .await;
        a.create(
            "workout_exercise",
            raw(
                json!({ "id": format!("e{i}"), "workout_id": format!("w{i}"), "exercise_id": "x" }),
            ),
        )
        .await;
        a.create(
            "routines",
            raw(json!({ "id": format!("r{i}"), "title": "r" })),
        )
        .await;
    }
    let report = sync(&a, &ra).await.unwrap();
    assert_eq!((report.pushed, report.set_aside), (15, 0), "{report:?}");
    assert!(answers.forwarded.load(Ordering::SeqCst) >= 5);
    assert_eq!(waiting_and_refused(&a).await, (0, vec![]));

    // One record no push can carry: it alone waits for the user.
    answers.max_records.store(0, Ordering::SeqCst);
    *answers.too_big.lock().unwrap() = Some("huge".into());
    for id in ["before", "huge", "after"] {
        a.create("routines", raw(json!({ "id": id, "title": "r" })))
            .await;
    }
    let report = sync(&a, &ra).await.unwrap();
    assert_eq!((report.pushed, report.set_aside), (2, 1), "{report:?}");
    let (waiting, refused) = waiting_and_refused(&a).await;
    assert_eq!(
        (waiting, refused),
        (0, vec![("routines".to_owned(), "huge".to_owned())])
    );
    let aside = a.store.set_aside().await.unwrap();
    assert!(aside[0].reason.contains("too large"), "{}", aside[0].reason);
    a.engine(&()).discard("routines", "huge").await.unwrap();
    let b = replica();
    sync(&b, &HttpRemote::new(&base, &token)).await.unwrap();
    sync(&a, &ra).await.unwrap();
    assert_converged(&app, &token, &[&a, &b]).await;
}

/// What the device would show as waiting, and what as refused (table, id).
async fn waiting_and_refused(device: &Replica) -> (usize, Vec<(String, String)>) {
    let pending = device.mem.pending();
    let aside = device.store.set_aside().await.unwrap();
    let (send, aside) = partition_pending(pending, &aside);
    let mut refused: Vec<_> = aside
        .iter()
        .map(|a| (a.table.clone(), a.id().to_owned()))
        .collect();
    refused.sort();
    (send.len(), refused)
}

async fn refused_and_orphaned_changes_are_set_aside_and_never_block(db: TestDb) {
    let (base, token, app) = serve(db).await;
    let ((a, ra), (b, rb)) = two_devices(&base, &token);
    a.create("routines", raw(json!({ "id": "r1", "title": "synced" })))
        .await;
    sync(&a, &ra).await.unwrap();

    // A value the server refuses (a title must be text), an orphan, and good edits.
    a.create("routines", raw(json!({ "id": "bad", "title": 5 })))
        .await;
    a.create(
        "workout_exercise",
        raw(json!({ "id": "orphan", "workout_id": "missing" })),
    )
    .await;
    a.update("routines", "r1", raw(json!({ "title": "edited" })))
        .await;
    a.create("workouts", raw(json!({ "id": "w1", "title": "kept" })))
        .await;
    let report = sync(&a, &ra).await.unwrap();
    assert_eq!(report.set_aside, 2, "{report:?}");
    assert_eq!(report.pushed, 2, "{report:?}");
    let (waiting, refused) = waiting_and_refused(&a).await;
    assert_eq!(waiting, 0);
    assert_eq!(
        refused,
        [
            ("routines".to_owned(), "bad".to_owned()),
            ("workout_exercise".to_owned(), "orphan".to_owned())
        ]
    );
    let aside = a.store.set_aside().await.unwrap();
    let bad = aside.iter().find(|x| x.id() == "bad").unwrap();
    assert!(bad.reason.contains("title must be"), "{}", bad.reason);

    // Later edits keep syncing; the refused changes are not sent again.
    a.create("routines", raw(json!({ "id": "r2", "title": "later" })))
        .await;
    let report = sync(&a, &ra).await.unwrap();
    assert_eq!((report.pushed, report.set_aside), (1, 0), "{report:?}");
    sync(&b, &rb).await.unwrap();
    assert_eq!(b.get("routines", "r1").unwrap().raw["title"], "edited");
    assert!(b.get("routines", "r2").is_some() && b.get("routines", "bad").is_none());

    // Fixing a refused record sends it again.
    a.update("routines", "bad", raw(json!({ "title": "fixed" })))
        .await;
    sync(&a, &ra).await.unwrap();
    assert_eq!(
        waiting_and_refused(&a).await.1.len(),
        1,
        "only the orphan is left"
    );

    // An edit refused on a synced record: discarding it takes the server's version back.
    a.update("routines", "r1", raw(json!({ "title": 7 }))).await;
    sync(&a, &ra).await.unwrap();
    assert_eq!(waiting_and_refused(&a).await.1.len(), 2);
    a.engine(&()).discard("routines", "r1").await.unwrap();
    a.engine(&())
        .discard("workout_exercise", "orphan")
        .await
        .unwrap();
    assert_eq!(waiting_and_refused(&a).await, (0, vec![]));
    assert!(a.get("workout_exercise", "orphan").is_none());
    sync(&a, &ra).await.unwrap();
    assert_eq!(a.get("routines", "r1").unwrap().raw["title"], "edited");
    sync(&b, &rb).await.unwrap();
    assert_converged(&app, &token, &[&a, &b]).await;
}

async fn a_remote_delete_removes_local_descendants(db: TestDb) {
    let (base, token, app) = serve(db).await;
    let ((a, ra), (b, rb)) = two_devices(&base, &token);
    a.create("workouts", raw(json!({ "id": "w1", "title": "Legs" })))
        .await;
    a.create(
        "workout_exercise",
        raw(json!({ "id": "we1", "workout_id": "w1" })),
    )
    .await;
    sync(&a, &ra).await.unwrap();
    sync(&b, &rb).await.unwrap();

    // B, offline, adds a set under the exercise; A deletes the workout.
    b.create(
        "workout_exercise_sets",
        raw(json!({ "id": "s-new", "workout_exercise_id": "we1", "reps": 5 })),
    )
    .await;
    b.create(
        "log_exercise",
        raw(json!({ "id": "le-elsewhere", "log_id": "l-none" })),
    )
    .await;
    a.delete("workouts", "w1").await;
    sync(&a, &ra).await.unwrap();
    sync(&b, &rb).await.unwrap();
    assert!(b.get("workout_exercise", "we1").is_none());
    assert!(
        b.get("workout_exercise_sets", "s-new").is_none(),
        "a pending child of a remotely deleted parent goes with it"
    );
    let (waiting, refused) = waiting_and_refused(&b).await;
    assert_eq!(
        (waiting, refused.len()),
        (0, 1),
        "only the unrelated orphan is left"
    );
    b.engine(&())
        .discard("log_exercise", "le-elsewhere")
        .await
        .unwrap();
    assert_converged(&app, &token, &[&a, &b]).await;
}

/// A replica last synced by a version-1 build asks, once upgraded, for what version 2
/// added (WatermelonDB's migration sync) and gets the new column of records that did not
/// change since.
async fn an_upgraded_replica_receives_the_columns_its_old_pulls_left_out(db: TestDb) {
    let (base, token, app) = serve(db).await;
    let ((a, ra), (b, rb)) = two_devices(&base, &token);
    let plank = json!({ "id": "c1", "name": "Plank (weighted)", "category": "core", "equipment": "other", "primary_muscle": "abs", "created_at": 1, "updated_at": 1, "tracking": "duration" });
    a.create("custom_exercises", raw(plank)).await;
    sync(&a, &ra).await.unwrap();

    // B runs a version-1 build: its replica has the record without the column.
    rb.version.set(1);
    sync(&b, &rb).await.unwrap();
    b.store.pulled_with(1);
    assert!(b.records("custom_exercises")[0]
        .raw
        .get("tracking")
        .is_none());

    // B's build is upgraded: its next pull, from the same cursor, carries the column.
    rb.version.set(SCHEMA_VERSION);
    let report = sync(&b, &rb).await.unwrap();
    assert_eq!(
        report.pulled, 2,
        "the exercise, and the settings with the columns of version 3"
    );
    assert_eq!(b.records("custom_exercises")[0].raw["tracking"], "duration");
    // Once migrated, pulls are plain again.
    assert_eq!(sync(&b, &rb).await.unwrap().pulled, 0);
    assert_converged(&app, &token, &[&a, &b]).await;
}

/// Version 3 adds a table: a replica of a version-2 build has none of it and, upgraded,
/// receives it whole, with the new columns of tables it had.
async fn an_upgraded_replica_receives_the_tables_its_old_pulls_left_out(db: TestDb) {
    let (base, token, app) = serve(db).await;
    let ((a, ra), (b, rb)) = two_devices(&base, &token);
    let weighed = json!({ "id": "m1", "measured_at": 1_700_000_000_000_i64, "bodyweight": 80.2, "body_fat": null, "neck": null, "chest": null, "waist": 0.86, "hips": null, "arm": null, "thigh": null, "calf": null, "notes": "", "created_at": 1, "updated_at": 1 });
    a.create("body_measurements", raw(weighed)).await;
    sync(&a, &ra).await.unwrap();

    rb.version.set(2);
    sync(&b, &rb).await.unwrap();
    b.store.pulled_with(2);
    assert!(b.records("body_measurements").is_empty());

    rb.version.set(SCHEMA_VERSION);
    sync(&b, &rb).await.unwrap();
    let got = b.records("body_measurements");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].raw["bodyweight"], 80.2);
    assert_eq!(sync(&b, &rb).await.unwrap().pulled, 0);
    assert_converged(&app, &token, &[&a, &b]).await;
}
