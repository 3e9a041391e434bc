//! Local edits as data. A page turns a user action into a list of [`Op`]s; the replica
//! applies the list in one transaction, cascading deletes along the registry's parents
//! exactly as the server does, so a deleted routine never leaves orphans to push.

use crate::model::tables::table;
use crate::sync::record::{LocalRecord, Status};
use crate::sync::wire::WireRecord;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// A new record; `raw` carries its `id`.
    Create {
        table: &'static str,
        raw: WireRecord,
    },
    /// Changes some columns of a live record (ignored if it is gone).
    Update {
        table: &'static str,
        id: String,
        fields: WireRecord,
    },
    /// Deletes a record and, first, everything that points at it.
    Delete { table: &'static str, id: String },
}

/// Table name to records by id: the shape the memory store keeps and the IndexedDB store
/// loads the touched records into.
pub type Tables = BTreeMap<String, BTreeMap<String, LocalRecord>>;

/// Applies `ops` in order. The caller must have loaded every record an op touches,
/// including the descendants of deleted records (see [`cascade_targets`]).
pub fn apply_ops_to(tables: &mut Tables, ops: &[Op]) {
    for op in ops {
        match op {
            Op::Create { table, raw } => {
                let record = LocalRecord::created(raw.clone());
                let id = record.id().to_owned();
                tables
                    .entry((*table).to_owned())
                    .or_default()
                    .insert(id, record);
            }
            Op::Update { table, id, fields } => {
                if let Some(r) = tables.get_mut(*table).and_then(|t| t.get_mut(id)) {
                    if r.status != Status::Deleted {
                        r.update(fields);
                    }
                }
            }
            Op::Delete { table, id } => delete_cascade(tables, table, id),
        }
    }
}

fn delete_cascade(tables: &mut Tables, table_name: &str, id: &str) {
    if let Some(def) = table(table_name) {
        for (child, parent) in def.children() {
            let ids: Vec<String> = tables
                .get(child.name)
                .map(|records| {
                    records
                        .values()
                        .filter(|r| {
                            r.status != Status::Deleted
                                && r.raw.get(parent.column).and_then(Value::as_str) == Some(id)
                        })
                        .map(|r| r.id().to_owned())
                        .collect()
                })
                .unwrap_or_default();
            for child_id in ids {
                delete_cascade(tables, child.name, &child_id);
            }
        }
    }
    if let Some(records) = tables.get_mut(table_name) {
        let keep = records
            .get_mut(id)
            .is_some_and(|r| r.status == Status::Deleted || r.mark_deleted());
        if !keep {
            records.remove(id);
        }
    }
}

/// The (table, id) pairs whose records `ops` read: what a store must load first.
/// Deletes also need their descendants, which only the store can find (by parent column).
pub fn touched(ops: &[Op]) -> Vec<(&'static str, &str)> {
    ops.iter()
        .filter_map(|op| match op {
            Op::Update { table, id, .. } | Op::Delete { table, id } => Some((*table, id.as_str())),
            Op::Create { .. } => None,
        })
        .collect()
}

/// What a store must write after applying ops: records to put and (table, id) to remove.
#[derive(Debug, Default, PartialEq)]
pub struct Diff {
    pub put: Vec<(String, LocalRecord)>,
    pub remove: Vec<(String, String)>,
}

/// What changed between `before` and `after`.
pub fn diff(before: &Tables, after: &Tables) -> Diff {
    let mut put = Vec::new();
    let mut remove = Vec::new();
    for (table, records) in after {
        for (id, record) in records {
            if before.get(table).and_then(|t| t.get(id)) != Some(record) {
                put.push((table.clone(), record.clone()));
            }
        }
    }
    for (table, records) in before {
        for id in records.keys() {
            if !after.get(table).is_some_and(|t| t.contains_key(id)) {
                remove.push((table.clone(), id.clone()));
            }
        }
    }
    Diff { put, remove }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(v: Value) -> WireRecord {
        v.as_object().unwrap().clone()
    }

    fn synced(tables: &mut Tables, table: &str, v: Value) {
        let r = LocalRecord::synced(rec(v));
        tables
            .entry(table.into())
            .or_default()
            .insert(r.id().to_owned(), r);
    }

    #[test]
    fn delete_cascades_to_descendants_and_keeps_tombstones_of_synced_records() {
        let mut t = Tables::new();
        synced(&mut t, "workouts", json!({ "id": "w" }));
        synced(
            &mut t,
            "workout_exercise",
            json!({ "id": "e", "workout_id": "w" }),
        );
        synced(
            &mut t,
            "workout_exercise",
            json!({ "id": "other", "workout_id": "x" }),
        );
        synced(
            &mut t,
            "workout_exercise_sets",
            json!({ "id": "s", "workout_exercise_id": "e" }),
        );
        apply_ops_to(
            &mut t,
            &[Op::Create {
                table: "workout_exercise_sets",
                raw: rec(json!({ "id": "new", "workout_exercise_id": "e" })),
            }],
        );
        let before = t.clone();
        apply_ops_to(
            &mut t,
            &[Op::Delete {
                table: "workouts",
                id: "w".into(),
            }],
        );
        assert_eq!(t["workouts"]["w"].status, Status::Deleted);
        assert_eq!(t["workout_exercise"]["e"].status, Status::Deleted);
        assert_eq!(t["workout_exercise"]["other"].status, Status::Synced);
        assert_eq!(t["workout_exercise_sets"]["s"].status, Status::Deleted);
        assert!(
            !t["workout_exercise_sets"].contains_key("new"),
            "a never-pushed child simply disappears"
        );
        let Diff { put, remove } = diff(&before, &t);
        assert_eq!(put.len(), 3);
        assert_eq!(
            remove,
            [("workout_exercise_sets".to_owned(), "new".to_owned())]
        );
    }

    #[test]
    fn updates_track_columns_and_skip_tombstones() {
        let mut t = Tables::new();
        synced(
            &mut t,
            "routines",
            json!({ "id": "r", "title": "A", "order": 1 }),
        );
        apply_ops_to(
            &mut t,
            &[Op::Update {
                table: "routines",
                id: "r".into(),
                fields: rec(json!({ "title": "B" })),
            }],
        );
        let r = &t["routines"]["r"];
        assert_eq!(
            (r.status, r.raw["title"].clone()),
            (Status::Updated, json!("B"))
        );
        apply_ops_to(
            &mut t,
            &[Op::Delete {
                table: "routines",
                id: "r".into(),
            }],
        );
        apply_ops_to(
            &mut t,
            &[Op::Update {
                table: "routines",
                id: "r".into(),
                fields: rec(json!({ "title": "C" })),
            }],
        );
        assert_eq!(t["routines"]["r"].raw["title"], json!("B"));
        assert_eq!(
            touched(&[Op::Delete {
                table: "routines",
                id: "r".into()
            }]),
            [("routines", "r")]
        );
    }
}
