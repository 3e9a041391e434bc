//! The browser replica: what the pages see of it (signals that work in both the server
//! and the browser build) and, behind `hydrate`, the IndexedDB store, the HTTP remote and
//! the runtime that schedules syncs.
//!
//! Pages describe edits as [`Op`]s; the runtime commits them to IndexedDB in one
//! transaction and only then reports them saved.

#[cfg(feature = "hydrate")]
mod marks;
pub mod persist;
mod status;

pub use crate::local::{chunks, edit, query, Snapshot};

#[cfg(feature = "hydrate")]
mod idb_store;
#[cfg(feature = "hydrate")]
mod remote;
#[cfg(feature = "hydrate")]
mod runtime;

pub use crate::local::ops::{
    apply_ops_to, footprint, pull_footprint, with_descendants, Op, Tables,
};
pub use crate::local::stored::{from_stored, to_stored};
pub use query::{query_snapshot, PerformedSet, Query};
pub use status::{SyncIndicator, SyncPhase, SyncStatus};

#[cfg(feature = "hydrate")]
pub use idb_store::IdbStore;
#[cfg(feature = "hydrate")]
pub(crate) use marks::{mark, measure};

use leptos::prelude::*;

/// The page-facing handle of the replica, provided by the layout. On the server and until
/// the replica is open it is inert: `ready` stays false and writes are not possible.
#[derive(Clone, Copy)]
pub struct ReplicaSlot {
    pub status: RwSignal<SyncStatus>,
    /// Bumped whenever the replica's data changed (a local write, a pull, another tab).
    pub version: RwSignal<u64>,
    /// The replica is open and has completed its first sync, so it is the source of truth.
    pub ready: RwSignal<bool>,
    /// The session being logged on this device (kept in the replica, never synced until
    /// finished); the same in every tab.
    pub active: RwSignal<Option<crate::workout::ActiveSession>>,
    /// `active` has been read from the device (until then "no session" is not known).
    pub active_loaded: RwSignal<bool>,
    /// The exercise library, loaded once per tab by the first page that needs it.
    library: RwSignal<Vec<crate::model::LibraryExercise>>,
    #[cfg(feature = "hydrate")]
    library_requested: RwSignal<bool>,
    #[cfg(feature = "hydrate")]
    handle: StoredValue<Option<std::rc::Rc<runtime::Replica>>, LocalStorage>,
}

impl ReplicaSlot {
    fn new() -> Self {
        Self {
            status: RwSignal::new(SyncStatus::default()),
            version: RwSignal::new(0),
            ready: RwSignal::new(false),
            active: RwSignal::new(None),
            active_loaded: RwSignal::new(false),
            library: RwSignal::new(Vec::new()),
            #[cfg(feature = "hydrate")]
            library_requested: RwSignal::new(false),
            #[cfg(feature = "hydrate")]
            handle: StoredValue::new_local(None),
        }
    }

    /// Whether the calling page may show the replica's data now: it is open and the page
    /// has hydrated. Until its hydration is done a page must render what the server
    /// rendered — its code loads on demand, and the replica may have opened meanwhile — so
    /// a page that is hydrating gets `true` from an effect, which runs after it; a page
    /// reached by client-side navigation at once. Call it while creating the page.
    pub fn readable(&self) -> Signal<bool> {
        let hydrating = Owner::current_shared_context().is_some_and(|sc| sc.during_hydration());
        let hydrated = RwSignal::new(!hydrating);
        if hydrating {
            Effect::new(move |_| hydrated.set(true));
        }
        let ready = self.ready;
        Signal::derive(move || ready.get() && hydrated.get())
    }

    /// Applies `ops` to the replica at once, then commits them in one transaction; the
    /// status shows "saving" until IndexedDB confirmed it, then a sync follows shortly.
    pub fn write(&self, ops: Vec<Op>) {
        #[cfg(feature = "hydrate")]
        if let (false, Some(replica)) = (ops.is_empty(), self.handle.get_value()) {
            replica.write(ops);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ops;
    }

    /// Changes the active session (see [`crate::workout::active`]).
    pub fn edit_active(&self, edit: crate::workout::Edit) {
        #[cfg(feature = "hydrate")]
        if let Some(replica) = self.handle.get_value() {
            replica.edit_active(edit);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = edit;
    }

    /// Writes a finished session's records and ends the active session, atomically.
    pub fn finish_session(&self, ops: Vec<Op>) {
        #[cfg(feature = "hydrate")]
        if let Some(replica) = self.handle.get_value() {
            replica.finish_session(ops);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ops;
    }

    /// The exercise library (cached in the replica for offline use).
    #[cfg(feature = "hydrate")]
    pub async fn exercises(&self) -> Vec<serde_json::Value> {
        match self.handle.get_value() {
            Some(replica) => replica.exercises().await,
            None => Vec::new(),
        }
    }

    /// The exercise library for a page: empty until `readable`, then loaded once per tab
    /// (from the network, else the replica's copy) and shared by every page after.
    pub fn library(&self, readable: Signal<bool>) -> RwSignal<Vec<crate::model::LibraryExercise>> {
        let library = self.library;
        #[cfg(feature = "hydrate")]
        {
            let this = *self;
            Effect::new(move |loaded: Option<bool>| {
                if loaded == Some(true) || !readable.get() {
                    return loaded.unwrap_or(false);
                }
                if this.library_requested.get_untracked() {
                    return true;
                }
                this.library_requested.set(true);
                leptos::task::spawn_local(async move {
                    let list = this.exercises().await;
                    // Nothing cached and no network: the next page asks again.
                    this.library_requested.set(!list.is_empty());
                    library.set(
                        list.into_iter()
                            .filter_map(|v| serde_json::from_value(v).ok())
                            .collect(),
                    );
                });
                true
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = readable;
        library
    }

    /// Answers a typed query (see [`Query`]) on this tab's replica, its own edits
    /// included; `None` until the replica is open, and always on the server. Tracks
    /// `version`, so a memo calling it follows every change.
    pub fn query<T>(&self, f: impl FnOnce(&Query) -> T) -> Option<T> {
        self.version.track();
        #[cfg(feature = "hydrate")]
        {
            let replica = self.handle.get_value()?;
            Some(replica.query(f))
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = f;
            None
        }
    }

    /// Drops a change the server refused (the status control's "Discard").
    pub fn discard(&self, table: String, id: String) {
        #[cfg(feature = "hydrate")]
        if let Some(replica) = self.handle.get_value() {
            leptos::task::spawn_local(async move { replica.discard(table, id).await });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (table, id);
    }

    /// Syncs now (the status control's retry and "sync now").
    pub fn sync_now(&self) {
        #[cfg(feature = "hydrate")]
        if let Some(replica) = self.handle.get_value() {
            replica.request_sync();
        }
    }

    /// Signs out and deletes this user's data from the device (see
    /// [`runtime::sign_out_and_forget`]); an error says why the sign-out failed.
    pub async fn sign_out_and_forget(&self) -> Result<(), String> {
        #[cfg(feature = "hydrate")]
        return runtime::sign_out_and_forget(*self).await;
        #[cfg(not(feature = "hydrate"))]
        Err("signing out with removal needs the browser".into())
    }

    /// Closes the replica before the session ends, so nothing of this user stays open.
    pub fn close(&self) {
        #[cfg(feature = "hydrate")]
        if let Some(replica) = self.handle.get_value() {
            replica.close();
            self.handle.set_value(None);
            self.ready.set(false);
            self.active.set(None);
        }
    }
}

/// Creates the slot for the signed-in user and, in the browser, opens their replica.
pub fn provide_replica(user_id: Signal<Option<String>>) -> ReplicaSlot {
    let slot = ReplicaSlot::new();
    provide_context(slot);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| register_service_worker());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Some(user) = user_id.get() {
            runtime::open(slot, user);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = user_id;
    slot
}

/// The worker that keeps the app shell for offline reloads (`public/sw.js`).
#[cfg(feature = "hydrate")]
fn register_service_worker() {
    if let Some(window) = web_sys::window() {
        let container = window.navigator().service_worker();
        let _ = container.register("/sw.js");
    }
}

pub fn use_replica() -> ReplicaSlot {
    expect_context::<ReplicaSlot>()
}

/// A new record id: a UUID, as DESIGN.md asks of the web client.
pub fn new_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
            return crypto.random_uuid();
        }
    }
    fallback_id()
}

fn fallback_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{:x}-{:x}", now_ms(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Milliseconds since the epoch, in either build.
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default()
    }
}
