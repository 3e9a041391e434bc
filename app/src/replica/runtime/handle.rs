//! What the page-facing slot holds of the runtime: the replica once open, and the
//! exercise library's loading.

use super::replica::*;
use crate::local::persist::Persistence;
use crate::local::{Op, Query};
use crate::replica::idb_store::IdbStore;
use crate::replica::remote::send;
use crate::replica::state::ReplicaState;
use crate::replica::status::SyncPhase;
use crate::sync::persisted::LocalReplica;
use crate::workout::Edit;
use leptos::prelude::*;
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use std::time::Duration;
use wasm_bindgen::JsCast;

#[derive(Clone, Copy)]
pub struct Handle {
    pub(super) replica: StoredValue<Option<Rc<Replica>>, LocalStorage>,
    library_requested: RwSignal<bool>,
}

impl Handle {
    pub fn new() -> Self {
        Self {
            replica: StoredValue::new_local(None),
            library_requested: RwSignal::new(false),
        }
    }

    /// Registers the service worker and opens the replica of whoever signs in.
    pub fn open_for(&self, state: ReplicaState, user_id: Signal<Option<String>>) {
        let handle = *self;
        Effect::new(move |_| register_service_worker());
        Effect::new(move |_| {
            if let Some(user) = user_id.get() {
                open(handle, state, user);
            }
        });
    }

    pub fn write(&self, ops: Vec<Op>) {
        if let Some(replica) = self.replica.get_value() {
            replica.write(ops);
        }
    }

    pub fn edit_active(&self, edit: Edit) {
        if let Some(replica) = self.replica.get_value() {
            replica.edit_active(edit);
        }
    }

    pub fn finish_session(&self, ops: Vec<Op>) {
        if let Some(replica) = self.replica.get_value() {
            replica.finish_session(ops);
        }
    }

    /// Loads the exercise library into `state` once `readable`, once per tab; asks again
    /// on a later page if nothing was cached and the network was down.
    pub fn load_library(&self, state: ReplicaState, readable: Signal<bool>) {
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
                let list = match this.replica.get_value() {
                    Some(replica) => replica.exercises().await,
                    None => Vec::new(),
                };
                // Nothing cached and no network: the next page asks again.
                this.library_requested.set(!list.is_empty());
                state.library.set(
                    list.into_iter()
                        .filter_map(|v| serde_json::from_value(v).ok())
                        .collect(),
                );
            });
            true
        });
    }

    pub fn query<T>(&self, f: impl FnOnce(&Query) -> T) -> Option<T> {
        Some(self.replica.get_value()?.query(f))
    }

    pub fn discard(&self, table: String, id: String) {
        if let Some(replica) = self.replica.get_value() {
            leptos::task::spawn_local(async move { replica.discard(table, id).await });
        }
    }

    pub fn sync_now(&self) {
        if let Some(replica) = self.replica.get_value() {
            replica.request_sync();
        }
    }

    /// See [`sign_out_and_forget`].
    pub async fn sign_out_and_forget(&self, state: ReplicaState) -> Result<(), String> {
        sign_out_and_forget(*self, state).await
    }

    pub fn close(&self, state: ReplicaState) {
        if let Some(replica) = self.replica.get_value() {
            replica.close();
            self.replica.set_value(None);
            state.ready.set(false);
            state.active.set(None);
        }
    }
}

/// The worker that keeps the app shell for offline reloads (`public/sw.js`).
fn register_service_worker() {
    if let Some(window) = web_sys::window() {
        let container = window.navigator().service_worker();
        let _ = container.register("/sw.js");
    }
}

/// Opens the replica of `user` into `handle` (once) and starts syncing it.
fn open(handle: Handle, state: ReplicaState, user: String) {
    if handle
        .replica
        .with_value(|h| h.as_ref().is_some_and(|r| r.user_id == user))
    {
        return;
    }
    leptos::task::spawn_local(async move {
        crate::replica::marks::mark("ezlift:open-start");
        let store = match IdbStore::open(&user).await {
            Ok(store) => store,
            Err(e) => {
                state.status.update(|s| {
                    s.phase = SyncPhase::Error(format!("cannot open local storage: {e}"))
                });
                return;
            }
        };
        let synced_before = matches!(store.last_pulled_at().await, Ok(Some(_)));
        let local = match LocalReplica::open(store).await {
            Ok(local) => {
                // Read by the benchmark: time to a replica in memory, and the wasm heap.
                crate::replica::marks::measure("ezlift:open", "ezlift:open-start");
                let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
                let heap = memory
                    .buffer()
                    .unchecked_into::<js_sys::ArrayBuffer>()
                    .byte_length();
                crate::replica::marks::mark(&format!("ezlift:heap:{heap}"));
                local
            }
            Err(e) => {
                state.status.update(|s| {
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
            state,
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
            state.active.set(active);
        }
        state.active_loaded.set(true);
        replica.install();
        handle.replica.set_value(Some(replica.clone()));
        if synced_before {
            state.ready.set(true);
            state.version.update(|v| *v += 1);
        }
        replica.refresh_pending().await;
        replica.request_sync();
    });
}

/// Signs out, then removes the user's replica from this device: the session ends on the
/// server first (so tabs that reload land on the sign-in page), every tab of the user
/// closes its copy, the database is deleted, and this tab goes to the sign-in page. If
/// something keeps the database open, the page goes on after a few seconds and the
/// browser deletes it once the last connection closes.
async fn sign_out_and_forget(handle: Handle, state: ReplicaState) -> Result<(), String> {
    send("POST", "/api/auth/logout", None)
        .await
        .map_err(|e| e.to_string())?;
    let user = handle.replica.with_value(|h| {
        h.as_ref().map(|r| {
            r.broadcast(SIGNED_OUT);
            r.user_id.clone()
        })
    });
    handle.close(state);
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
