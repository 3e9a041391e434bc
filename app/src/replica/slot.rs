//! The replica as pages hold it: its state (signals) and the handle of the browser's
//! runtime, inert on the server.

#[cfg(not(feature = "hydrate"))]
use super::inert::Handle;
#[cfg(feature = "hydrate")]
use super::runtime::Handle;
use super::state::ReplicaState;
use crate::local::{Op, Query};
use crate::model::LibraryExercise;
use crate::workout::Edit;
use leptos::prelude::*;

/// The page-facing handle of the replica, provided by the layout. On the server and until
/// the replica is open it is inert: `ready` stays false and writes are not possible.
#[derive(Clone, Copy)]
pub struct ReplicaSlot {
    /// What the replica shows: its status, its version, the active session.
    pub state: ReplicaState,
    /// The browser's replica once open (nothing on the server).
    handle: Handle,
}

impl ReplicaSlot {
    fn new() -> Self {
        Self {
            state: ReplicaState::default(),
            handle: Handle::new(),
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
        let ready = self.state.ready;
        Signal::derive(move || ready.get() && hydrated.get())
    }

    /// Applies `ops` to the replica at once, then commits them in one transaction; the
    /// status shows "saving" until IndexedDB confirmed it, then a sync follows shortly.
    pub fn write(&self, ops: Vec<Op>) {
        if !ops.is_empty() {
            self.handle.write(ops);
        }
    }

    /// Changes the active session (see [`crate::workout::active`]).
    pub fn edit_active(&self, edit: Edit) {
        self.handle.edit_active(edit);
    }

    /// Writes a finished session's records and ends the active session, atomically.
    pub fn finish_session(&self, ops: Vec<Op>) {
        self.handle.finish_session(ops);
    }

    /// The exercise library for a page: empty until `readable`, then loaded once per tab
    /// (from the network, else the replica's copy) and shared by every page after.
    pub fn library(&self, readable: Signal<bool>) -> RwSignal<Vec<LibraryExercise>> {
        self.handle.load_library(self.state, readable);
        self.state.library
    }

    /// Answers a typed query (see [`Query`]) on this tab's replica, its own edits
    /// included; `None` until the replica is open, and always on the server. Tracks
    /// `version`, so a memo calling it follows every change.
    pub fn query<T>(&self, f: impl FnOnce(&Query) -> T) -> Option<T> {
        self.state.version.track();
        self.handle.query(f)
    }

    /// Drops a change the server refused (the status control's "Discard").
    pub fn discard(&self, table: String, id: String) {
        self.handle.discard(table, id);
    }

    /// Syncs now (the status control's retry and "sync now").
    pub fn sync_now(&self) {
        self.handle.sync_now();
    }

    /// Signs out and deletes this user's data from the device; an error says why the
    /// sign-out failed.
    pub async fn sign_out_and_forget(&self) -> Result<(), String> {
        self.handle.sign_out_and_forget(self.state).await
    }

    /// Closes the replica before the session ends, so nothing of this user stays open.
    pub fn close(&self) {
        self.handle.close(self.state);
    }
}

/// Creates the slot for the signed-in user and, in the browser, opens their replica.
pub fn provide_replica(user_id: Signal<Option<String>>) -> ReplicaSlot {
    let slot = ReplicaSlot::new();
    provide_context(slot);
    slot.handle.open_for(slot.state, user_id);
    slot
}

pub fn use_replica() -> ReplicaSlot {
    expect_context::<ReplicaSlot>()
}
