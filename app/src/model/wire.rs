//! Wire types of `GET /api/sync/pull-changes` and `POST /api/sync/push-changes`.
//!
//! Records are WatermelonDB raw records: column name to JSON value, `id` included. They stay
//! JSON maps here because the registry, not the type system, says which columns exist.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

pub type WireRecord = Map<String, Value>;

/// One table's part of a change set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableChanges {
    #[serde(default)]
    pub created: Vec<WireRecord>,
    #[serde(default)]
    pub updated: Vec<WireRecord>,
    #[serde(default)]
    pub deleted: Vec<String>,
}

impl TableChanges {
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.updated.is_empty() && self.deleted.is_empty()
    }

    /// Ids of the records in `created` and `updated`.
    pub fn upserted_ids(&self) -> std::collections::BTreeSet<&str> {
        self.created
            .iter()
            .chain(&self.updated)
            .filter_map(|r| r.get("id")?.as_str())
            .collect()
    }
}

/// Table name to its changes.
pub type ChangeSet = BTreeMap<String, TableChanges>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: ChangeSet,
    /// The cursor to send as `lastPulledAt` next time.
    pub timestamp: i64,
}

impl PullResponse {
    /// `(table, id)` of every record the pull deletes.
    pub fn deleted_records(&self) -> Vec<(String, String)> {
        self.changes
            .iter()
            .flat_map(|(table, c)| c.deleted.iter().map(move |id| (table.clone(), id.clone())))
            .collect()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRequest {
    pub last_pulled_at: Option<i64>,
    pub changes: ChangeSet,
}

/// Records the server skipped because their parent is missing (WatermelonDB's
/// `experimentalRejectedIds`): the client keeps them pending.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushResponse {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub experimental_rejected_ids: BTreeMap<String, Vec<String>>,
}

/// The record a push was refused for (`400`): where it sits in the pushed change set, and
/// its id when it had a valid one. Lets a client set that record aside and push the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedRecord {
    pub table: String,
    /// `created`, `updated` or `deleted`.
    pub list: String,
    pub index: usize,
    #[serde(default)]
    pub id: Option<String>,
}

/// The server's error body: `{"error": code, "message": …, "record": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<RefusedRecord>,
}
