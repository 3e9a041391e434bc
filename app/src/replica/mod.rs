//! The browser replica: what the pages see of it (signals that work in both the server
//! and the browser build) and, in the browser, the IndexedDB store, the HTTP remote and
//! the runtime that opens the replica, commits edits and schedules syncs.
//!
//! Pages describe edits as [`crate::local::Op`]s; the runtime commits them to IndexedDB in one
//! transaction and only then reports them saved. On the server the slot is inert.

mod clock;
mod slot;
mod state;
mod status;

#[cfg(feature = "hydrate")]
mod idb_store;
#[cfg(feature = "hydrate")]
mod marks;
#[cfg(feature = "hydrate")]
pub mod push;
#[cfg(feature = "hydrate")]
mod remote;
#[cfg(feature = "hydrate")]
mod runtime;

#[cfg(not(feature = "hydrate"))]
mod inert;

pub use clock::{new_id, now_ms};
pub use slot::{provide_replica, use_replica, ReplicaSlot};
pub use state::ReplicaState;
pub use status::{FirstSync, SyncPhase, SyncStatus};

#[cfg(feature = "hydrate")]
pub use idb_store::IdbStore;
#[cfg(feature = "hydrate")]
pub(crate) use marks::{mark, measure};
/// A same-origin request with the session cookie, for the few pages that ask the server
/// what the replica does not hold.
#[cfg(feature = "hydrate")]
pub use remote::{js_error_text, send};
