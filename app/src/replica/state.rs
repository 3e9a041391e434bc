//! What the replica shows pages, as signals: written by the browser's runtime, read by
//! pages through [`super::ReplicaSlot`].

use super::status::SyncStatus;
use crate::model::LibraryExercise;
use crate::workout::ActiveSession;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct ReplicaState {
    pub status: RwSignal<SyncStatus>,
    /// Bumped whenever the replica's data changed (a local write, a pull, another tab).
    pub version: RwSignal<u64>,
    /// The replica is open and has completed its first sync, so it is the source of truth.
    pub ready: RwSignal<bool>,
    /// The session being logged on this device (kept in the replica, never synced until
    /// finished); the same in every tab.
    pub active: RwSignal<Option<ActiveSession>>,
    /// `active` has been read from the device (until then "no session" is not known).
    pub active_loaded: RwSignal<bool>,
    /// The exercise library, loaded once per tab by the first page that needs it.
    pub library: RwSignal<Vec<LibraryExercise>>,
}

impl Default for ReplicaState {
    fn default() -> Self {
        Self {
            status: RwSignal::new(SyncStatus::default()),
            version: RwSignal::new(0),
            ready: RwSignal::new(false),
            active: RwSignal::new(None),
            active_loaded: RwSignal::new(false),
            library: RwSignal::new(Vec::new()),
        }
    }
}
