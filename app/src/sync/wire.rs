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
}

/// Table name to its changes.
pub type ChangeSet = BTreeMap<String, TableChanges>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    pub changes: ChangeSet,
    /// The cursor to send as `lastPulledAt` next time.
    pub timestamp: i64,
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
