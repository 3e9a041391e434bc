//! Faults where pages read their data: a panic answers the page with 500 at once, and a
//! render stopped by the request's time limit leaves nothing of it running.

mod common;

use app::local::Snapshot;
use app::page_data::{Compute, PageData, SharedPageData};
use async_trait::async_trait;
use axum::body::Body;
use axum::http::Request;
use common::TestDb;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

#[derive(Clone, Copy)]
enum Fault {
    /// Every read panics at once.
    Panic,
    /// Every read panics after it has waited once (in a task of its own by then).
    PanicLater,
    /// Every read waits for ever; `left` counts the reads that were dropped.
    Hang,
}

/// The server's page data with a fault put in front of every read.
struct Faulty {
    inner: SharedPageData,
    fault: Fault,
    started: Arc<AtomicUsize>,
    left: Arc<AtomicUsize>,
}

/// Counts a read as left when its future is dropped.
struct Leaves(Arc<AtomicUsize>);

impl Drop for Leaves {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Faulty {
    async fn fail(&self) -> ! {
        match self.fault {
            Fault::Panic => panic!("a page's data reader broke"),
            Fault::PanicLater => {
                tokio::time::sleep(Duration::from_millis(20)).await;
                panic!("a page's data reader broke later")
            }
            Fault::Hang => {
                self.started.fetch_add(1, Ordering::SeqCst);
                let _leaves = Leaves(self.left.clone());
                loop {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
            }
        }
    }
}

#[async_trait]
impl PageData for Faulty {
    async fn records(&self, _: &str, _: &[&str]) -> Result<Snapshot, String> {
        self.fail().await
    }

    async fn computed(&self, _: &str, _: String, _: Compute) -> Result<Arc<str>, String> {
        self.fail().await
    }

    fn exercise_names(&self) -> Arc<BTreeMap<String, String>> {
        self.inner.exercise_names()
    }

    fn library(&self) -> Arc<Vec<app::model::LibraryExercise>> {
        self.inner.library()
    }

    async fn recently_deleted(&self, _: &str) -> Result<Vec<app::deleted::Deleted>, String> {
        self.fail().await
    }
}

struct Setup {
    router: axum::Router,
    /// Kept for the test's length: the database's directory goes with it, and the app's
    /// own tasks (the rest alert sender) keep reading it.
    _db: TestDb,
    cookie: String,
    started: Arc<AtomicUsize>,
    left: Arc<AtomicUsize>,
}

async fn setup(fault: Fault, timeout_secs: &str) -> Setup {
    let db = TestDb::sqlite();
    let app =
        common::TestApp::new(db.share(), &[("EZLIFT_REQUEST_TIMEOUT_SECS", timeout_secs)]).await;
    let (token, _) = app.sign_up("faults@example.com", "a long password").await;
    let (started, left) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let router = {
        let (started, left) = (started.clone(), left.clone());
        server::http::router_with(app.state.clone(), move |inner| {
            Arc::new(Faulty {
                inner,
                fault,
                started,
                left,
            })
        })
    };
    Setup {
        router,
        _db: db,
        cookie: format!("ezlift_session={token}"),
        started,
        left,
    }
}

async fn get(setup: &Setup, path: &str) -> (u16, String) {
    let req = Request::get(path)
        .header("cookie", &setup.cookie)
        .body(Body::empty())
        .unwrap();
    let res = setup.router.clone().oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

/// Before: the page waited for the panicked read until the time limit (408).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_read_answers_the_page_500_at_once() {
    for fault in [Fault::Panic, Fault::PanicLater] {
        panicking_reads_answer_500(fault).await;
    }
}

async fn panicking_reads_answer_500(fault: Fault) {
    let setup = setup(fault, "20").await;
    for path in ["/", "/history", "/programs"] {
        let started = Instant::now();
        let (status, body) = get(&setup, path).await;
        assert_eq!(status, 500, "{path}: {body}");
        assert!(body.contains("Something went wrong"), "{path}: {body}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{path} answered after {:?}",
            started.elapsed()
        );
    }
}

/// Before: the reads went on after the 408, each holding what it had taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_render_stopped_by_the_time_limit_leaves_nothing_running() {
    let setup = setup(Fault::Hang, "1").await;
    let (status, body) = get(&setup, "/").await;
    assert_eq!(status, 408, "{body}");
    let started = setup.started.load(Ordering::SeqCst);
    assert!(started > 0, "the page read nothing");
    let deadline = Instant::now() + Duration::from_secs(5);
    while setup.left.load(Ordering::SeqCst) < started && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        setup.left.load(Ordering::SeqCst),
        started,
        "reads of the stopped render still running"
    );
}

/// Figures are computed off the runtime, and one user's figures under different keys do
/// not wait for each other: a computation that blocks until another of the same user's
/// has finished completes (on a runtime of one thread, it would have blocked the thread
/// the other needs; with one gate per user, the other would have waited for it).
#[tokio::test(flavor = "current_thread")]
async fn figures_compute_off_the_runtime_and_apart() {
    let app = common::TestApp::new(TestDb::sqlite(), &[]).await;
    let (_, user) = app.sign_up("apart@example.com", "a long password").await;
    let slot: Arc<std::sync::Mutex<Option<SharedPageData>>> = Arc::default();
    let _router = server::http::router_with(app.state.clone(), {
        let slot = slot.clone();
        move |inner| {
            *slot.lock().unwrap() = Some(inner.clone());
            inner
        }
    });
    let pages = slot.lock().unwrap().take().expect("the page data");
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (started, has_started) = tokio::sync::oneshot::channel::<()>();
    let slow = {
        let (pages, user) = (pages.clone(), user.clone());
        tokio::spawn(async move {
            let compute: Compute = Box::new(move |_| {
                let _ = started.send(());
                match released.recv_timeout(Duration::from_secs(10)) {
                    Ok(()) => "released".into(),
                    Err(_) => "never released".into(),
                }
            });
            pages.computed(&user, "slow".into(), compute).await
        })
    };
    has_started.await.expect("the slow figure started");
    let quick = pages
        .computed(&user, "quick".into(), Box::new(|_| "quick".into()))
        .await
        .unwrap();
    assert_eq!(&*quick, "quick");
    release.send(()).unwrap();
    assert_eq!(&*slow.await.unwrap().unwrap(), "released");
}
