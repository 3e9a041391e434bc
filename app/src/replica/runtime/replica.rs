//! The replica of one user in this tab: its state, opening it, closing it, and signing
//! out with its removal.

use super::browser::{online, visible};
use crate::local::chunks::ChunkKey;
use crate::local::Query;
use crate::replica::idb_store::IdbStore;
use crate::replica::remote::send;
use crate::replica::state::ReplicaState;
use crate::replica::status::SyncPhase;
use crate::sync::persisted::LocalReplica;
use leptos::prelude::*;
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::{Rc, Weak};
use std::time::Duration;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Quiet time after the last edit before it is sent.
/// The message telling other tabs the active session changed.
pub(super) const ACTIVE_CHANGED: &str = "active";
/// The user signed out in one tab and asked to remove the data: every tab closes its copy
/// (so the database can be deleted) and reloads, which lands on the sign-in page.
pub(super) const SIGNED_OUT: &str = "signed-out";
pub(super) const DEBOUNCE: Duration = Duration::from_millis(800);
/// Background sync period while the page is visible.
pub(super) const PERIOD: Duration = Duration::from_secs(30);

/// Kept alive as long as the channel may call it.
pub(super) type MessageHandler = Closure<dyn FnMut(web_sys::MessageEvent)>;

pub struct Replica {
    pub(super) user_id: String,
    /// The records in memory (what pages read) and in IndexedDB. An edit changes memory
    /// at once (before IndexedDB has it), and syncs change both in step through the same
    /// functions, so memory only needs reloading when another tab changed the data.
    pub(super) local: LocalReplica<IdbStore>,
    /// Edits applied to memory whose commit has not finished.
    pub(super) inflight: Cell<usize>,
    /// Edits started so far: a reload that saw this change while reading is stale.
    pub(super) writes_started: Cell<u64>,
    /// Chunks another tab rewrote, to reload.
    pub(super) reload_keys: RefCell<BTreeSet<ChunkKey>>,
    /// Everything is to be reloaded (a commit of this tab failed).
    pub(super) reload_all: Cell<bool>,
    pub(super) reloading: Cell<bool>,
    pub(super) state: ReplicaState,
    pub(super) channel: Option<web_sys::BroadcastChannel>,
    pub(super) running: Cell<bool>,
    pub(super) again: Cell<bool>,
    pub(super) closed: Cell<bool>,
    pub(super) debounce: RefCell<Option<TimeoutHandle>>,
    /// Syncs failed in a row because the server could not be reached (or answered as
    /// nothing but the server would): the next try waits twice as long, up to `PERIOD`.
    pub(super) failures: Cell<u32>,
    pub(super) retry: RefCell<Option<TimeoutHandle>>,
    pub(super) interval: RefCell<Option<IntervalHandle>>,
    pub(super) listeners: RefCell<Vec<WindowListenerHandle>>,
    pub(super) on_message: RefCell<Option<MessageHandler>>,
    /// Edits of the active session applied on screen whose commit has not finished.
    pub(super) active_inflight: Cell<usize>,
}

impl Replica {
    /// Timers and listeners hold a weak reference: closing the replica ends them.
    pub(super) fn install(self: &Rc<Self>) {
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
                r.state.status.update(|s| s.phase = SyncPhase::Offline)
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
