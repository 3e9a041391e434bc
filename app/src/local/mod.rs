//! The local store: a user's records on a device, with no browser and no sync in it — the
//! records with their sync state (`record`), the pure operations on them (`ops`, `edit`),
//! their grouping into stored chunks (`chunks`, `stored`), the typed queries pages ask
//! (`query`) and the in-memory store with its indexes (`memory`). The sync engine works
//! over it; the browser replica persists it.

pub mod chunks;
pub mod edit;
pub mod memory;
pub mod ops;
pub mod query;
pub mod record;
pub mod stored;

pub use ops::{apply_ops_to, footprint, pull_footprint, with_descendants, Op, Tables};

use crate::model::wire::WireRecord;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The live records of some tables, by table name: what a page renders from, whether the
/// server read them from the database or the browser from the replica.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub tables: BTreeMap<String, Vec<WireRecord>>,
}

impl Snapshot {
    pub fn rows(&self, table: &str) -> &[WireRecord] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or(&[])
    }
}
