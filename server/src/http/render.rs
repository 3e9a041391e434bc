//! The work a page render spawns, kept with the request that started it.
//!
//! Leptos runs a page's resources as tasks of their own. Left to the plain Tokio executor,
//! a resource that panics dies alone and its page waits for it until the request timeout
//! (`408`), and a render stopped by that timeout leaves its tasks reading the database for
//! nobody. Here every task spawned while a page renders is tracked by the page's request:
//! a panic in one answers the page with `500` at once, and a request that ends before its
//! render (timed out, or the client went away) aborts what its render left running.

use super::error::ApiError;
use any_spawner::{CustomExecutor, Executor, PinnedFuture, PinnedLocalFuture};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use tokio::task::AbortHandle;

/// The tasks of one page request and the first panic among them.
#[derive(Clone, Default)]
struct RenderTasks(Arc<Inner>);

#[derive(Default)]
struct Inner {
    running: Mutex<Vec<AbortHandle>>,
    panic: Mutex<Option<String>>,
    panicked: tokio::sync::Notify,
}

impl RenderTasks {
    fn track(&self, task: AbortHandle) {
        let mut running = self.0.running.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|t| !t.is_finished());
        running.push(task);
    }

    fn record_panic(&self, message: String) {
        self.0
            .panic
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(message);
        self.0.panicked.notify_one();
    }

    /// Resolves with the first panic of a task of this request.
    async fn first_panic(&self) -> String {
        loop {
            let notified = self.0.panicked.notified();
            if let Some(message) = self
                .0
                .panic
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
            {
                return message;
            }
            notified.await;
        }
    }

    fn abort_all(&self) {
        for task in self
            .0
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }
}

/// Aborts the request's tasks when the request ends before its render did.
struct AbortUnlessDone(Option<RenderTasks>);

impl Drop for AbortUnlessDone {
    fn drop(&mut self) {
        if let Some(tasks) = self.0.take() {
            tasks.abort_all();
        }
    }
}

/// Tokio, with each task spawned during a page render tracked by its request and its
/// panic caught and reported to it.
struct TrackedTokio;

impl CustomExecutor for TrackedTokio {
    fn spawn(&self, fut: PinnedFuture<()>) {
        let tasks = app::session::request::of_this_request::<RenderTasks>();
        let reporter = tasks.clone();
        let task = tokio::spawn(async move {
            if let Err(panic) = AssertUnwindSafe(fut).catch_unwind().await {
                let message = panic_message(panic.as_ref());
                tracing::error!(%message, "a task of a page render panicked");
                if let Some(tasks) = reporter {
                    tasks.record_panic(message);
                }
            }
        });
        if let Some(tasks) = tasks {
            tasks.track(task.abort_handle());
        }
    }

    fn spawn_local(&self, fut: PinnedLocalFuture<()>) {
        tokio::task::spawn_local(fut);
    }

    fn poll_local(&self) {}
}

/// What a panic said, for the log.
pub(super) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// Makes [`TrackedTokio`] the executor of Leptos in this process; before the Leptos
/// integration sets plain Tokio (which it does only when none is set).
pub fn init_executor() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if Executor::init_custom_executor(TrackedTokio).is_err() {
            tracing::warn!("an executor was set before the server's: page tasks are not tracked");
        }
    });
}

/// The pages' layer that keeps each render's tasks with its request: a panic in one
/// answers `500` at once; the request ending first aborts them.
pub async fn guard(mut req: Request, next: Next) -> Response {
    let tasks = RenderTasks::default();
    req.extensions_mut().insert(tasks.clone());
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned());
    let mut armed = AbortUnlessDone(Some(tasks.clone()));
    // Part of a render runs in the request's own task: its panics are caught here.
    let render = AssertUnwindSafe(next.run(req)).catch_unwind();
    let message = tokio::select! {
        rendered = render => match rendered {
            Ok(response) => {
                // The answer may still stream from tasks of the render: leave them be.
                armed.0 = None;
                return response;
            }
            Err(panic) => panic_message(panic.as_ref()),
        },
        message = tasks.first_panic() => message,
    };
    ApiError::Internal(format!("rendering {path} panicked: {message}")).into_page(&path)
}
