//! A record in a client's replica, with WatermelonDB's bookkeeping, and the rules for
//! changing it: local edits, remote changes arriving by pull, and the end of a push.

use crate::model::wire::WireRecord;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeSet;

/// WatermelonDB's `_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Synced,
    Created,
    Updated,
    /// A tombstone: deleted locally, waiting to be pushed.
    Deleted,
}

/// A replica record: the raw columns (with `id`), its status and the locally changed
/// columns (WatermelonDB's `_changed`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalRecord {
    pub raw: WireRecord,
    pub status: Status,
    pub changed: BTreeSet<String>,
}

impl LocalRecord {
    pub fn id(&self) -> &str {
        self.raw
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// A record the user just created on this device.
    pub fn created(raw: WireRecord) -> Self {
        Self {
            raw,
            status: Status::Created,
            changed: BTreeSet::new(),
        }
    }

    /// A record as the server sent it.
    pub fn synced(raw: WireRecord) -> Self {
        Self {
            raw,
            status: Status::Synced,
            changed: BTreeSet::new(),
        }
    }

    /// A local edit: the columns are remembered as changed so a later pull keeps them.
    pub fn update(&mut self, fields: &WireRecord) {
        for (column, value) in fields {
            if column == "id" {
                continue;
            }
            self.raw.insert(column.clone(), value.clone());
            if self.status != Status::Created {
                self.changed.insert(column.clone());
            }
        }
        if self.status == Status::Synced {
            self.status = Status::Updated;
        }
    }

    /// A local delete: the record becomes a tombstone until a push of it is answered,
    /// even one created here and never acknowledged. A push whose answer was lost may
    /// still have created it on the server, and dropping it silently would let the next
    /// pull bring it back; the server ignores the delete of an id it never had. (The
    /// randomized simulation found this; WatermelonDB keeps such tombstones too.)
    pub fn mark_deleted(&mut self) {
        self.status = Status::Deleted;
    }
}

/// What a pulled record does to the local one (`None` when there is none): the record to
/// keep, or `None` to keep nothing new.
///
/// The server wins every column the device has not changed; columns changed here win; a
/// local tombstone ignores the remote record (its delete is still to be pushed).
pub fn merge_remote(local: Option<&LocalRecord>, remote: WireRecord) -> Option<LocalRecord> {
    match local {
        None => Some(LocalRecord::synced(remote)),
        Some(l) if l.status == Status::Deleted => None,
        Some(l) if l.status == Status::Synced => Some(LocalRecord::synced(remote)),
        Some(l) => {
            let mut raw = remote;
            for column in &l.changed {
                if let Some(v) = l.raw.get(column) {
                    raw.insert(column.clone(), v.clone());
                }
            }
            if l.status == Status::Created {
                // Created here and known there: our whole record is what we meant.
                for (column, v) in &l.raw {
                    raw.insert(column.clone(), v.clone());
                }
            }
            Some(LocalRecord {
                raw,
                status: Status::Updated,
                changed: if l.status == Status::Created {
                    l.raw.keys().filter(|k| *k != "id").cloned().collect()
                } else {
                    l.changed.clone()
                },
            })
        }
    }
}

/// After a successful push: what becomes of a record that was pushed as `sent`, given
/// what the replica holds now. `None` removes it (a pushed tombstone).
pub fn after_push(sent: &LocalRecord, now: &LocalRecord) -> Option<LocalRecord> {
    if now != sent {
        // Edited during the push: stays pending with its changes, to go next time.
        return Some(now.clone());
    }
    match sent.status {
        Status::Deleted => None,
        _ => Some(LocalRecord::synced(now.raw.clone())),
    }
}

/// A local change the server refused, or rejected as an orphan, kept out of later pushes
/// so it never blocks the rest. It stays aside while the record is exactly as it was
/// refused: an edit of it sends it again; the user may also discard it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetAside {
    pub table: String,
    /// The record as it was when refused.
    pub record: LocalRecord,
    /// Why, in words the user can read.
    pub reason: String,
}

impl SetAside {
    pub fn id(&self) -> &str {
        self.record.id()
    }

    /// Whether `pending` is this refused change, unedited since.
    pub fn covers(&self, (table, record): &(String, LocalRecord)) -> bool {
        *table == self.table && *record == self.record
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: Value) -> WireRecord {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn local_edits_track_changed_columns() {
        let mut r = LocalRecord::synced(rec(json!({ "id": "s", "reps": 5, "weight": 100 })));
        r.update(&rec(json!({ "reps": 6 })));
        assert_eq!(r.status, Status::Updated);
        assert_eq!(r.changed.iter().collect::<Vec<_>>(), ["reps"]);
        let mut c = LocalRecord::created(rec(json!({ "id": "n" })));
        c.update(&rec(json!({ "reps": 1 })));
        assert_eq!(c.status, Status::Created);
        c.mark_deleted();
        assert_eq!(
            c.status,
            Status::Deleted,
            "a record a lost push may have created is deleted on the server too"
        );
        r.mark_deleted();
        assert_eq!(r.status, Status::Deleted);
    }

    #[test]
    fn pull_merges_per_column() {
        let mut local = LocalRecord::synced(rec(json!({ "id": "s", "reps": 5, "weight": 100 })));
        local.update(&rec(json!({ "reps": 6 })));
        let remote = rec(json!({ "id": "s", "reps": 5, "weight": 105 }));
        let merged = merge_remote(Some(&local), remote.clone()).unwrap();
        assert_eq!(
            merged.raw,
            rec(json!({ "id": "s", "reps": 6, "weight": 105 }))
        );
        assert_eq!(merged.status, Status::Updated);
        // A synced record simply takes the server's version.
        let synced = LocalRecord::synced(rec(json!({ "id": "s", "reps": 1 })));
        assert_eq!(
            merge_remote(Some(&synced), remote.clone()).unwrap(),
            LocalRecord::synced(remote.clone())
        );
        // A tombstone ignores it; nothing local takes it as is.
        let mut gone = synced.clone();
        gone.mark_deleted();
        assert_eq!(merge_remote(Some(&gone), remote.clone()), None);
        assert_eq!(
            merge_remote(None, remote.clone()),
            Some(LocalRecord::synced(remote))
        );
    }

    #[test]
    fn push_completion_keeps_records_edited_meanwhile() {
        let mut sent = LocalRecord::synced(rec(json!({ "id": "s", "reps": 5 })));
        sent.update(&rec(json!({ "reps": 6 })));
        assert_eq!(after_push(&sent, &sent).unwrap().status, Status::Synced);
        let mut now = sent.clone();
        now.update(&rec(json!({ "reps": 7 })));
        assert_eq!(after_push(&sent, &now), Some(now.clone()));
        let mut tomb = sent.clone();
        tomb.mark_deleted();
        assert_eq!(after_push(&tomb, &tomb), None);
    }
}
