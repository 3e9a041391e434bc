//! The replica's life in a tab: opening it for the signed-in user, committing edits,
//! deciding when to sync (after edits, every 30 s while visible, on reconnect, on
//! demand), keeping one sync at a time across tabs with a Web Lock, and telling other tabs
//! through a BroadcastChannel that the data changed.

use super::chunks::{self, ChunkKey};
use super::idb_store::IdbStore;
use super::persist::{LocalReplica, MetaWrite, Persistence, Progress};
use super::remote::{send, FetchRemote};
use super::status::{FirstSync, SyncPhase};
use super::{now_ms, Op, Query, ReplicaSlot};
use crate::sync::engine::{partition_pending, synchronize, LocalStore, RemoteError, SyncError};
use crate::workout::Edit as SessionEdit;
use leptos::prelude::*;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Quiet time after the last edit before it is sent.
/// The message telling other tabs the active session changed.
const ACTIVE_CHANGED: &str = "active";
/// The user signed out in one tab and asked to remove the data: every tab closes its copy
/// (so the database can be deleted) and reloads, which lands on the sign-in page.
const SIGNED_OUT: &str = "signed-out";
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
    /// The records in memory (what pages read) and in IndexedDB. An edit changes memory
    /// at once (before IndexedDB has it), and syncs change both in step through the same
    /// functions, so memory only needs reloading when another tab changed the data.
    local: LocalReplica<IdbStore>,
    /// Edits applied to memory whose commit has not finished.
    inflight: Cell<usize>,
    /// Edits started so far: a reload that saw this change while reading is stale.
    writes_started: Cell<u64>,
    /// Chunks another tab rewrote, to reload.
    reload_keys: RefCell<BTreeSet<ChunkKey>>,
    /// Everything is to be reloaded (a commit of this tab failed).
    reload_all: Cell<bool>,
    reloading: Cell<bool>,
    slot: ReplicaSlot,
    channel: Option<web_sys::BroadcastChannel>,
    running: Cell<bool>,
    again: Cell<bool>,
    closed: Cell<bool>,
    debounce: RefCell<Option<TimeoutHandle>>,
    /// Syncs failed in a row because the server could not be reached (or answered as
    /// nothing but the server would): the next try waits twice as long, up to `PERIOD`.
    failures: Cell<u32>,
    retry: RefCell<Option<TimeoutHandle>>,
    interval: RefCell<Option<IntervalHandle>>,
    listeners: RefCell<Vec<WindowListenerHandle>>,
    on_message: RefCell<Option<MessageHandler>>,
    /// Edits of the active session applied on screen whose commit has not finished.
    active_inflight: Cell<usize>,
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
        super::marks::mark("ezlift:open-start");
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
        let local = match LocalReplica::open(store).await {
            Ok(local) => {
                // Read by the benchmark: time to a replica in memory, and the wasm heap.
                super::marks::measure("ezlift:open", "ezlift:open-start");
                let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
                let heap = memory
                    .buffer()
                    .unchecked_into::<js_sys::ArrayBuffer>()
                    .byte_length();
                super::marks::mark(&format!("ezlift:heap:{heap}"));
                local
            }
            Err(e) => {
                slot.status.update(|s| {
                    s.phase = SyncPhase::Error(format!("cannot read local storage: {e}"))
                });
                return;
            }
        };
        let channel = web_sys::BroadcastChannel::new(&format!("ezlift-{user}")).ok();
        let replica = Rc::new(Replica {
            user_id: user,
            local,
            inflight: Cell::new(0),
            writes_started: Cell::new(0),
            reload_keys: RefCell::new(BTreeSet::new()),
            reload_all: Cell::new(false),
            reloading: Cell::new(false),
            slot,
            channel,
            running: Cell::new(false),
            again: Cell::new(false),
            closed: Cell::new(false),
            debounce: RefCell::new(None),
            failures: Cell::new(0),
            retry: RefCell::new(None),
            interval: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            on_message: RefCell::new(None),
            active_inflight: Cell::new(0),
        });
        if let Ok(active) = replica.local.store.active_session().await {
            slot.active.set(active);
        }
        slot.active_loaded.set(true);
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

    /// Another tab changed the data: the chunks it names are reloaded from IndexedDB.
    fn on_message(self: &Rc<Self>, message: &str) {
        if message == SIGNED_OUT {
            self.close();
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
            return;
        }
        if let Some(at) = message.strip_prefix("synced:").and_then(|t| t.parse().ok()) {
            self.slot.ready.set(true);
            if !self.running.get() {
                self.slot.status.update(|s| s.phase = SyncPhase::Synced(at));
            }
        }
        if message == ACTIVE_CHANGED {
            self.reload_active();
            return;
        }
        if let Some(list) = message.strip_prefix("chunks:") {
            let keys: Vec<String> = serde_json::from_str(list).unwrap_or_default();
            let mut wanted = self.reload_keys.borrow_mut();
            wanted.extend(keys.into_iter().filter(|k| chunks::table_of(k).is_some()));
        }
        self.request_reload();
        let this = self.clone();
        leptos::task::spawn_local(async move { this.refresh_pending().await });
    }

    /// Another tab changed the active session: show what is stored, unless an edit of
    /// this tab is still committing (its commit returns the stored state, theirs included).
    fn reload_active(self: &Rc<Self>) {
        let this = self.clone();
        leptos::task::spawn_local(async move {
            if this.active_inflight.get() > 0 {
                return;
            }
            if let Ok(active) = this.local.store.active_session().await {
                if this.active_inflight.get() == 0 {
                    this.slot.active.set(active);
                }
            }
        });
    }

    /// Changes the active session: on screen at once, then in IndexedDB (in order, one
    /// transaction per edit applied to what is stored), then other tabs are told.
    pub fn edit_active(self: &Rc<Self>, edit: SessionEdit) {
        if self.closed.get() {
            return;
        }
        // Read by the benchmark: edit → the frame showing it, and edit → committed.
        super::marks::mark("ezlift:active-edit");
        super::marks::mark("ezlift:active-edit-commit");
        self.slot.active.update(|a| edit.apply(a));
        request_animation_frame(|| {
            super::marks::measure("ezlift:active-frame", "ezlift:active-edit")
        });
        self.active_inflight.set(self.active_inflight.get() + 1);
        let this = self.clone();
        leptos::task::spawn_local(async move {
            let result = this.local.store.edit_active(&edit).await;
            super::marks::measure("ezlift:active-commit", "ezlift:active-edit-commit");
            let last = this.active_inflight.get() == 1;
            this.active_inflight.set(this.active_inflight.get() - 1);
            match result {
                Ok(stored) => {
                    if last {
                        this.slot.active.set(stored);
                    }
                    this.broadcast(ACTIVE_CHANGED);
                }
                Err(e) => {
                    this.slot.status.update(|s| {
                        s.phase = SyncPhase::Error(format!("could not save the workout: {e}"))
                    });
                    this.reload_active();
                }
            }
        });
    }

    /// Writes a finished session's records and ends the active session in one
    /// transaction, so a crash leaves either the session or its log, never both.
    pub fn finish_session(self: &Rc<Self>, ops: Vec<Op>) {
        if self.closed.get() {
            return;
        }
        self.slot.active.set(None);
        self.active_inflight.set(self.active_inflight.get() + 1);
        self.commit_edit(ops, true);
    }

    /// Tells other tabs which chunks this one rewrote.
    fn broadcast_chunks(&self, keys: &[ChunkKey]) {
        if !keys.is_empty() {
            let json = serde_json::to_string(keys).unwrap_or_default();
            self.broadcast(&format!("chunks:{json}"));
        }
    }

    /// Reloads what was asked (some chunks, or everything after a failed commit) once no
    /// edit of this tab is in flight: an edit in memory but not yet committed would
    /// otherwise vanish from the screen.
    fn request_reload(self: &Rc<Self>) {
        let wanted = self.reload_all.get() || !self.reload_keys.borrow().is_empty();
        if !wanted || self.reloading.get() || self.inflight.get() > 0 || self.closed.get() {
            return;
        }
        self.reloading.set(true);
        let all = self.reload_all.replace(false);
        let keys = std::mem::take(&mut *self.reload_keys.borrow_mut());
        let this = self.clone();
        leptos::task::spawn_local(async move {
            let started = this.writes_started.get();
            let loaded = if all {
                this.local.store.load_all().await
            } else {
                this.local.store.read_chunks(&keys).await
            };
            this.reloading.set(false);
            match loaded {
                // An edit began while reading: read again once it is committed.
                _ if this.writes_started.get() != started => {
                    this.reload_all.set(this.reload_all.get() || all);
                    this.reload_keys.borrow_mut().extend(keys);
                }
                Ok(tables) if all => {
                    this.local.mem.replace_tables(tables);
                    this.slot.version.update(|v| *v += 1);
                }
                Ok(tables) => {
                    this.local.mem.replace_chunks(&keys, tables);
                    this.slot.version.update(|v| *v += 1);
                }
                Err(_) => this.reload_all.set(true),
            }
            this.request_reload();
        });
    }

    fn broadcast(&self, message: &str) {
        if let Some(channel) = &self.channel {
            let _ = channel.post_message(&JsValue::from_str(message));
        }
    }

    pub fn close(&self) {
        self.closed.set(true);
        for timer in [&self.debounce, &self.retry] {
            if let Some(h) = timer.borrow_mut().take() {
                h.clear();
            }
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
        self.local.store.close();
    }

    /// Live records of `tables`, from memory: they include every edit made in this tab,
    /// committed or not.
    pub fn query<T>(&self, f: impl FnOnce(&Query) -> T) -> T {
        self.local.mem.query(f)
    }

    /// Applies an edit to memory at once (the next action sees it), then commits it. The
    /// status says "saving" until IndexedDB confirmed the commit; a failed commit is
    /// undone on screen by reloading what IndexedDB holds.
    pub fn write(self: &Rc<Self>, ops: Vec<Op>) {
        if self.closed.get() {
            return;
        }
        self.commit_edit(ops, false);
    }

    /// The one path of local writes: `ops` applied to memory, then committed in one
    /// transaction — with the active session cleared when it `ends_session` (finishing).
    fn commit_edit(self: &Rc<Self>, ops: Vec<Op>, ends_session: bool) {
        let keys = self.local.apply_now(&ops);
        self.writes_started.set(self.writes_started.get() + 1);
        self.inflight.set(self.inflight.get() + 1);
        self.slot.status.update(|s| s.saving += 1);
        self.slot.version.update(|v| *v += 1);
        // Read by the benchmark: an edit's commit, and a finished session's.
        let (start, done) = if ends_session {
            ("ezlift:finish", "ezlift:finish-commit")
        } else {
            ("ezlift:write", "ezlift:commit")
        };
        super::marks::mark(start);
        // Tasks run in the order they were spawned, so commits keep the edits' order.
        let this = self.clone();
        leptos::task::spawn_local(async move {
            let meta = if ends_session {
                vec![MetaWrite::Active(None)]
            } else {
                Vec::new()
            };
            let result = this.local.commit_with(&keys, &ops, meta).await;
            if ends_session {
                this.active_inflight.set(this.active_inflight.get() - 1);
            }
            if let Ok(written) = &result {
                super::marks::measure(done, start);
                this.broadcast_chunks(written);
                if ends_session {
                    this.broadcast(ACTIVE_CHANGED);
                }
                // Counted before "saving" ends, so the status never shows a stale "synced".
                this.refresh_pending().await;
            }
            this.inflight.set(this.inflight.get() - 1);
            this.slot.status.update(|s| s.saving -= 1);
            match result {
                Ok(_) => this.schedule_sync(),
                Err(e) => {
                    let message = if ends_session {
                        format!("could not save the workout: {e}")
                    } else {
                        format!("could not save, undone: {e}")
                    };
                    this.slot
                        .status
                        .update(|s| s.phase = SyncPhase::Error(message));
                    this.reload_all.set(true);
                    if ends_session {
                        this.reload_active();
                    }
                }
            }
            this.request_reload();
        });
    }

    async fn refresh_pending(&self) {
        let pending = self.local.mem.pending();
        if let Ok(aside) = self.local.store.set_aside().await {
            let (send, refused) = partition_pending(pending, &aside);
            self.slot.status.update(|s| {
                s.pending = send.len();
                s.refused = refused;
            });
        }
    }

    /// Drops a change the server refused; the next sync takes the server's version.
    pub async fn discard(self: Rc<Self>, table: String, id: String) {
        if self.closed.get() {
            return;
        }
        let engine = self.local.engine(&());
        match engine.discard(&table, &id).await {
            Ok(()) => {
                self.broadcast_chunks(&engine.take_written());
                self.refresh_pending().await;
                self.slot.version.update(|v| *v += 1);
                self.request_sync();
            }
            Err(e) => self
                .slot
                .status
                .update(|s| s.phase = SyncPhase::Error(format!("could not discard: {e}"))),
        }
    }

    /// Schedules the next try after a failed sync: 1 s, then twice as long each time, at
    /// most `PERIOD`. Returns the wait.
    fn retry_later(self: &Rc<Self>) -> Duration {
        let failures = self.failures.get().saturating_add(1);
        self.failures.set(failures);
        let wait = Duration::from_secs(1 << (failures - 1).min(5)).min(PERIOD);
        self.sync_after(&self.retry, wait);
        wait
    }

    fn schedule_sync(self: &Rc<Self>) {
        self.sync_after(&self.debounce, DEBOUNCE);
    }

    /// (Re)arms `timer` to start a sync after `wait`; the timer holds the replica weakly,
    /// so closing it ends the wait.
    fn sync_after(self: &Rc<Self>, timer: &RefCell<Option<TimeoutHandle>>, wait: Duration) {
        if let Some(h) = timer.borrow_mut().take() {
            h.clear();
        }
        let weak = Rc::downgrade(self);
        let handle = set_timeout_with_handle(
            move || {
                if let Some(r) = weak.upgrade() {
                    r.request_sync();
                }
            },
            wait,
        );
        *timer.borrow_mut() = handle.ok();
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
            let first = matches!(this.local.store.last_pulled_at().await, Ok(None));
            if first {
                this.slot
                    .status
                    .update(|s| s.first_sync = Some(FirstSync::Downloading));
            }
            let progress = Shown {
                slot: this.slot,
                first,
            };
            let engine = this.local.engine(&progress);
            let result = synchronize(&engine, &FetchRemote).await;
            this.broadcast_chunks(&engine.take_written());
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
            Some(Err(
                e @ (SyncError::Remote(RemoteError::Unavailable(_)) | SyncError::TooManyConflicts),
            )) => {
                let wait = self.retry_later();
                SyncPhase::Error(format!("{e}; trying again in {} s", wait.as_secs()))
            }
            Some(Err(e)) => SyncPhase::Error(e.to_string()),
            None => SyncPhase::Error("another tab holds the sync lock".into()),
        };
        let synced = matches!(phase, SyncPhase::Synced(_));
        if synced {
            self.failures.set(0);
            if let Some(h) = self.retry.borrow_mut().take() {
                h.clear();
            }
        }
        self.slot.status.update(|s| s.phase = phase);
        if synced {
            // Timed once the new state is on screen: the frame after the update.
            request_animation_frame(|| {
                super::marks::measure("ezlift:pull-to-synced", "ezlift:pull-received")
            });
        }
        self.refresh_pending().await;
    }

    /// The exercise library. The browser's HTTP cache revalidates it by ETag; the copy in
    /// the replica serves when the network does not.
    pub async fn exercises(&self) -> Vec<Value> {
        if online() {
            if let Ok(body) = send("GET", "/api/exercises", None).await {
                if let Ok(list) = serde_json::from_slice::<Vec<Value>>(&body) {
                    let _ = self.local.store.cache_exercises(&list).await;
                    return list;
                }
            }
        }
        self.local
            .store
            .cached_exercises()
            .await
            .unwrap_or_default()
    }
}

/// A sync's progress as the page shows it: the first sync's steps in the status, and the
/// apply of each pull timed (a `performance.measure` named `ezlift:apply-pull:<records>`,
/// read by the benchmark).
struct Shown {
    slot: ReplicaSlot,
    first: bool,
}

impl Progress for Shown {
    fn applying(&self, records: usize) {
        if self.first {
            self.slot
                .status
                .update(|s| s.first_sync = Some(FirstSync::Applying(records)));
        }
        super::marks::mark("ezlift:apply-start");
    }

    fn applied(&self, records: usize) {
        super::marks::measure(
            &format!("ezlift:apply-pull:{records}"),
            "ezlift:apply-start",
        );
    }

    fn sending(&self) {
        if self.first {
            self.slot
                .status
                .update(|s| s.first_sync = Some(FirstSync::Sending));
        }
    }
}

/// Signs out, then removes the user's replica from this device: the session ends on the
/// server first (so tabs that reload land on the sign-in page), every tab of the user
/// closes its copy, the database is deleted, and this tab goes to the sign-in page. If
/// something keeps the database open, the page goes on after a few seconds and the
/// browser deletes it once the last connection closes.
pub async fn sign_out_and_forget(slot: ReplicaSlot) -> Result<(), String> {
    send("POST", "/api/auth/logout", None)
        .await
        .map_err(|e| e.to_string())?;
    let user = slot.handle.with_value(|h| {
        h.as_ref().map(|r| {
            r.broadcast(SIGNED_OUT);
            r.user_id.clone()
        })
    });
    slot.close();
    let leave = || {
        if let Some(window) = web_sys::window() {
            let _ = window.location().assign("/login");
        }
    };
    set_timeout(leave, Duration::from_secs(3));
    if let Some(user) = user {
        if let Err(e) = IdbStore::delete(&user).await {
            leptos::logging::warn!("could not remove the local data: {e}");
        }
    }
    leave();
    Ok(())
}
