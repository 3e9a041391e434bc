//! The local store: a user's records on a device, with no browser and no sync in it — the
//! records with their sync state (`record`), the pure operations on them (`ops`, `edit`,
//! and what a pull or a push does to them: `apply`), their grouping into stored chunks
//! (`chunks`, `stored`) and where chunks are kept (`persist`), the typed queries pages
//! ask (`query`) and the in-memory store with its indexes (`memory`). The sync engine
//! works over it; the browser replica persists it.

pub mod apply;
pub mod chunks;
pub mod derived;
pub mod edit;
pub mod memory;
pub mod ops;
pub mod persist;
pub mod query;
pub mod record;
pub mod stored;

pub use ops::{apply_ops_to, footprint, pull_footprint, with_descendants, Op, Tables};
pub use query::{query_snapshot, PerformedSet, Query, Snapshot};
