//! The replica's life in a tab: opening it for the signed-in user, committing edits,
//! deciding when to sync (after edits, every 30 s while visible, on reconnect, on
//! demand), keeping one sync at a time across tabs with a Web Lock, and telling other tabs
//! through a BroadcastChannel that the data changed.

use super::idb_store::{IdbStore, ReplicaError};
use super::remote::{send, FetchRemote};
use super::status::{FirstSync, SyncPhase};
use super::{now_ms, Op, ReplicaSlot, Snapshot};
use crate::sync::engine::{synchronize, LocalStore, RemoteError, SetAside, SyncError, TableRecord};
use crate::sync::wire::PullResponse;
use async_trait::async_trait;
use leptos::prelude::*;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Quiet time after the last edit before it is sent.
const DEBOUNCE: Duration = Duration::from_millis(800);
/// Background sync period while the page is visible.
const PERIOD: Duration = Duration::from_secs(30);

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    fn request_lock(name: &str, callback: &js_sys::Function) -> Result<js_sys::Promise, JsValue>;
}

fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

fn visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| !d.hidden())
}

fn has_web_locks() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w.navigator(), &"locks".into()).ok())
        .is_some_and(|l| l.is_object())
}

/// Runs `work` holding the origin-wide lock `name`: a sync in another tab finishes first.
async fn with_lock<T: 'static>(name: &str, work: impl Future<Output = T> + 'static) -> Option<T> {
    if !has_web_locks() {
        return Some(work.await);
    }
    let out = Rc::new(RefCell::new(None));
    let slot = out.clone();
    let callback = Closure::once_into_js(move |_lock: JsValue| {
        wasm_bindgen_futures::future_to_promise(async move {
            *slot.borrow_mut() = Some(work.await);
            Ok(JsValue::UNDEFINED)
        })
    });
    let promise = request_lock(name, callback.unchecked_ref()).ok()?;
    JsFuture::from(promise).await.ok()?;
    out.take()
}

/// Kept alive as long as the channel may call it.
type MessageHandler = Closure<dyn FnMut(web_sys::MessageEvent)>;

pub struct Replica {
    user_id: String,
    store: IdbStore,
    slot: ReplicaSlot,
    channel: Option<web_sys::BroadcastChannel>,
    running: Cell<bool>,
    again: Cell<bool>,
    closed: Cell<bool>,
    debounce: RefCell<Option<TimeoutHandle>>,
    interval: RefCell<Option<IntervalHandle>>,
    listeners: RefCell<Vec<WindowListenerHandle>>,
    on_message: RefCell<Option<MessageHandler>>,
}

/// Opens the replica of `user` into `slot` (once) and starts syncing it.
pub fn open(slot: ReplicaSlot, user: String) {
    if slot
        .handle
        .with_value(|h| h.as_ref().is_some_and(|r| r.user_id == user))
    {
        return;
    }
    leptos::task::spawn_local(async move {
        let store = match IdbStore::open(&user).await {
            Ok(store) => store,
            Err(e) => {
                slot.status.update(|s| {
                    s.phase = SyncPhase::Error(format!("cannot open local storage: {e}"))
                });
                return;
            }
        };
        let synced_before = matches!(store.last_pulled_at().await, Ok(Some(_)));
        let channel = web_sys::BroadcastChannel::new(&format!("ezlift-{user}")).ok();
        let replica = Rc::new(Replica {
            user_id: user,
            store,
            slot,
            channel,
            running: Cell::new(false),
            again: Cell::new(false),
            closed: Cell::new(false),
            debounce: RefCell::new(None),
            interval: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            on_message: RefCell::new(None),
        });
        replica.install();
        slot.handle.set_value(Some(replica.clone()));
        if synced_before {
            slot.ready.set(true);
            slot.version.update(|v| *v += 1);
        }
        replica.refresh_pending().await;
        replica.request_sync();
    });
}

impl Replica {
    /// Timers and listeners hold a weak reference: closing the replica ends them.
    fn install(self: &Rc<Self>) {
        let weak = Rc::downgrade(self);
        let with = move |f: fn(&Rc<Replica>)| {
            let weak: Weak<Replica> = weak.clone();
            move || {
                if let Some(r) = weak.upgrade() {
                    f(&r)
                }
            }
        };
        let periodic = with(|r| {
            if visible() {
                r.request_sync()
            }
        });
        *self.interval.borrow_mut() = set_interval_with_handle(periodic, PERIOD).ok();
        let on_online = with(|r| r.request_sync());
        let on_offline = with(|r| {
            if !r.running.get() {
                r.slot.status.update(|s| s.phase = SyncPhase::Offline)
            }
        });
        let on_visible = with(|r| {
            if visible() {
                r.request_sync()
            }
        });
        let mut listeners = self.listeners.borrow_mut();
        listeners.push(window_event_listener(leptos::ev::online, move |_| {
            on_online()
        }));
        listeners.push(window_event_listener(leptos::ev::offline, move |_| {
            on_offline()
        }));
        listeners.push(window_event_listener(leptos::ev::focus, move |_| {
            on_visible()
        }));

        if let Some(channel) = &self.channel {
            let weak = Rc::downgrade(self);
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |ev: web_sys::MessageEvent| {
                    let Some(r) = weak.upgrade() else { return };
                    let message = ev.data().as_string().unwrap_or_default();
                    r.on_message(&message);
                },
            );
            channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            *self.on_message.borrow_mut() = Some(on_message);
        }
    }

    fn on_message(self: &Rc<Self>, message: &str) {
        if let Some(at) = message.strip_prefix("synced:").and_then(|t| t.parse().ok()) {
            self.slot.ready.set(true);
            if !self.running.get() {
                self.slot.status.update(|s| s.phase = SyncPhase::Synced(at));
            }
        }
        self.slot.version.update(|v| *v += 1);
        let this = self.clone();
        leptos::task::spawn_local(async move { this.refresh_pending().await });
    }

    fn broadcast(&self, message: &str) {
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(&JsValue::from_str(message));
        }
    }

    pub fn close(&self) {
        self.closed.set(true);
        if let Some(h) = self.debounce.borrow_mut().take() {
            h.clear();
        }
        if let Some(h) = self.interval.borrow_mut().take() {
            h.clear();
        }
        for l in self.listeners.borrow_mut().drain(..) {
            l.remove();
        }
        if let Some(channel) = &self.channel {
            channel.set_onmessage(None);
            channel.close();
        }
        self.on_message.borrow_mut().take();
        self.store.close();
    }

    pub async fn read(&self, tables: &[&str]) -> Option<Snapshot> {
        self.store.read(tables).await.ok()
    }

    /// Commits an edit, then schedules a sync. The status says "saving" until IndexedDB
    /// confirmed the commit.
    pub async fn write(self: Rc<Self>, ops: Vec<Op>) {
        if self.closed.get() {
            return;
        }
        self.slot.status.update(|s| s.saving += 1);
        let result = self.store.write(&ops).await;
        if result.is_ok() {
            // Counted before "saving" ends, so the status never shows a stale "synced".
            self.refresh_pending().await;
        }
        self.slot.status.update(|s| s.saving -= 1);
        match result {
            Ok(()) => {
                self.slot.version.update(|v| *v += 1);
                self.broadcast("changed");
                self.schedule_sync();
            }
            Err(e) => self
                .slot
                .status
                .update(|s| s.phase = SyncPhase::Error(format!("could not save: {e}"))),
        }
    }

    async fn refresh_pending(&self) {
        if let Ok((n, refused)) = self.store.waiting().await {
            self.slot.status.update(|s| {
                s.pending = n;
                s.refused = refused;
            });
        }
    }

    /// Drops a change the server refused; the next sync takes the server's version.
    pub async fn discard(self: Rc<Self>, table: String, id: String) {
        if self.closed.get() {
            return;
        }
        match self.store.discard(&table, &id).await {
            Ok(()) => {
                self.refresh_pending().await;
                self.slot.version.update(|v| *v += 1);
                self.broadcast("changed");
                self.request_sync();
            }
            Err(e) => self
                .slot
                .status
                .update(|s| s.phase = SyncPhase::Error(format!("could not discard: {e}"))),
        }
    }

    fn schedule_sync(self: &Rc<Self>) {
        if let Some(h) = self.debounce.borrow_mut().take() {
            h.clear();
        }
        let weak = Rc::downgrade(self);
        let handle = set_timeout_with_handle(
            move || {
                if let Some(r) = weak.upgrade() {
                    r.request_sync();
                }
            },
            DEBOUNCE,
        );
        *self.debounce.borrow_mut() = handle.ok();
    }

    /// Starts a sync unless one runs in this tab (then one more follows it).
    pub fn request_sync(self: &Rc<Self>) {
        if self.closed.get() {
            return;
        }
        if self.running.get() {
            self.again.set(true);
            return;
        }
        if !online() {
            self.slot.status.update(|s| s.phase = SyncPhase::Offline);
            return;
        }
        self.running.set(true);
        let this = self.clone();
        leptos::task::spawn_local(async move {
            loop {
                this.again.set(false);
                this.sync_once().await;
                if !this.again.get() || this.closed.get() {
                    break;
                }
            }
            this.running.set(false);
        });
    }

    async fn sync_once(self: &Rc<Self>) {
        self.slot.status.update(|s| s.phase = SyncPhase::Syncing);
        let this = self.clone();
        let lock = format!("ezlift-sync-{}", self.user_id);
        let result = with_lock(&lock, async move {
            let first = matches!(this.store.last_pulled_at().await, Ok(None));
            if first {
                this.slot
                    .status
                    .update(|s| s.first_sync = Some(FirstSync::Downloading));
            }
            let observed = Observed {
                store: &this.store,
                slot: this.slot,
                first,
            };
            let result = synchronize(&observed, &FetchRemote).await;
            this.slot.status.update(|s| s.first_sync = None);
            result
        })
        .await;
        if self.closed.get() {
            return;
        }
        let phase = match result {
            Some(Ok(report)) => {
                let at = now_ms();
                self.slot.ready.set(true);
                if report.pulled > 0 || report.pushed > 0 {
                    self.slot.version.update(|v| *v += 1);
                }
                self.broadcast(&format!("synced:{at}"));
                SyncPhase::Synced(at)
            }
            Some(Err(SyncError::Remote(RemoteError::Unavailable(_)))) if !online() => {
                SyncPhase::Offline
            }
            Some(Err(SyncError::Remote(RemoteError::Unauthorized))) => {
                SyncPhase::Error("signed out: sign in again to sync".into())
            }
            Some(Err(e)) => SyncPhase::Error(e.to_string()),
            None => SyncPhase::Error("another tab holds the sync lock".into()),
        };
        self.slot.status.update(|s| s.phase = phase);
        self.refresh_pending().await;
    }

    /// The exercise library. The browser's HTTP cache revalidates it by ETag; the copy in
    /// the replica serves when the network does not.
    pub async fn exercises(&self) -> Vec<Value> {
        if online() {
            if let Ok(body) = send("GET", "/api/exercises", None).await {
                if let Ok(list) = serde_json::from_str::<Vec<Value>>(&body) {
                    let _ = self.store.cache_exercises(&list).await;
                    return list;
                }
            }
        }
        self.store.cached_exercises().await.unwrap_or_default()
    }
}

/// The IndexedDB store, reporting the first sync's progress and timing the apply of
/// each pull (a `performance.measure` named `ezlift:apply-pull`, read by the benchmark).
struct Observed<'a> {
    store: &'a IdbStore,
    slot: ReplicaSlot,
    first: bool,
}

#[async_trait(?Send)]
impl LocalStore for Observed<'_> {
    type Error = ReplicaError;

    async fn last_pulled_at(&self) -> Result<Option<i64>, ReplicaError> {
        self.store.last_pulled_at().await
    }

    async fn apply_pull(&self, pull: &PullResponse, full: bool) -> Result<(), ReplicaError> {
        let records = pull
            .changes
            .values()
            .map(|t| t.created.len() + t.updated.len() + t.deleted.len())
            .sum();
        if self.first {
            self.slot
                .status
                .update(|s| s.first_sync = Some(FirstSync::Applying(records)));
        }
        let performance = web_sys::window().and_then(|w| w.performance());
        if let Some(p) = &performance {
            let _ = p.mark("ezlift:apply-start");
        }
        let result = self.store.apply_pull(pull, full).await;
        if let Some(p) = &performance {
            let _ = p.mark("ezlift:apply-end");
            let _ = p.measure_with_start_mark_and_end_mark(
                &format!("ezlift:apply-pull:{records}"),
                "ezlift:apply-start",
                "ezlift:apply-end",
            );
        }
        result
    }

    async fn pending(&self) -> Result<Vec<TableRecord>, ReplicaError> {
        if self.first {
            self.slot
                .status
                .update(|s| s.first_sync = Some(FirstSync::Sending));
        }
        self.store.pending().await
    }

    async fn finish_push(
        &self,
        sent: &[TableRecord],
        rejected: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), ReplicaError> {
        self.store.finish_push(sent, rejected).await
    }

    async fn set_aside(&self) -> Result<Vec<SetAside>, ReplicaError> {
        self.store.set_aside().await
    }

    async fn store_aside(&self, entries: Vec<SetAside>) -> Result<(), ReplicaError> {
        self.store.store_aside(entries).await
    }

    async fn discard(&self, table: &str, id: &str) -> Result<(), ReplicaError> {
        self.store.discard(table, id).await
    }
}
