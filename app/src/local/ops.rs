//! Local edits as data. A page turns a user action into a list of [`Op`]s; the replica
//! applies the list in one transaction, cascading deletes along the registry's parents
//! exactly as the server does, so a deleted routine never leaves orphans to push.

use crate::local::record::{LocalRecord, Status};
use crate::model::tables::table;
use crate::model::wire::{PullResponse, WireRecord};
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

/// Table name to records by id: what a tab holds in memory, and what the IndexedDB store
/// loads the chunks an edit touches into.
pub type Tables = BTreeMap<String, BTreeMap<String, LocalRecord>>;

/// Applies `ops` in order. The caller must have loaded every record an op touches,
/// including the descendants of deleted records (see [`footprint`]).
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
    if let Some(record) = tables.get_mut(table_name).and_then(|r| r.get_mut(id)) {
        record.mark_deleted();
    }
}

/// Every record `ops` touch, created ones included, with the descendants (in `tables`) of
/// the deleted ones: what a store must load to apply them.
pub fn footprint(tables: &Tables, ops: &[Op]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut deleted = Vec::new();
    for op in ops {
        match op {
            Op::Create { table, raw } => {
                if let Some(id) = raw.get("id").and_then(Value::as_str) {
                    out.push(((*table).to_owned(), id.to_owned()));
                }
            }
            Op::Update { table, id, .. } => out.push(((*table).to_owned(), id.clone())),
            Op::Delete { table, id } => deleted.push(((*table).to_owned(), id.clone())),
        }
    }
    out.extend(with_descendants(tables, deleted));
    out
}

/// Every record a pull touches: those it brings and, for its deletes, the deleted
/// records with everything under them in `tables`.
pub fn pull_footprint(tables: &Tables, pull: &PullResponse) -> Vec<(String, String)> {
    let mut touched = Vec::new();
    for (table, changes) in &pull.changes {
        touched.extend(
            changes
                .upserted_ids()
                .into_iter()
                .map(|id| (table.clone(), id.to_owned())),
        );
    }
    touched.extend(with_descendants(tables, pull.deleted_records()));
    touched
}

/// Parent id to the ids of its children in one child table.
type ByParent = BTreeMap<String, Vec<String>>;

/// `roots` and every record under them in `tables` (through the registry's parent
/// columns), each child table indexed by parent once per call.
pub fn with_descendants(tables: &Tables, roots: Vec<(String, String)>) -> Vec<(String, String)> {
    // (child table, parent column) → parent id → child ids; a map type the bundle already
    // has, rather than a new one.
    let mut indexes: Vec<((&str, &str), ByParent)> = Vec::new();
    let mut out = Vec::new();
    let mut queue = roots;
    while let Some((name, id)) = queue.pop() {
        for (child, parent) in table(&name).into_iter().flat_map(|def| def.children()) {
            let at = match indexes
                .iter()
                .position(|(k, _)| *k == (child.name, parent.column))
            {
                Some(at) => at,
                None => {
                    let mut index = ByParent::new();
                    for (cid, r) in tables.get(child.name).into_iter().flatten() {
                        if let Some(p) = r.raw.get(parent.column).and_then(Value::as_str) {
                            index.entry(p.to_owned()).or_default().push(cid.clone());
                        }
                    }
                    indexes.push(((child.name, parent.column), index));
                    indexes.len() - 1
                }
            };
            for cid in indexes[at].1.get(&id).into_iter().flatten() {
                queue.push((child.name.to_owned(), cid.clone()));
            }
        }
        out.push((name, id));
    }
    out
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
    fn delete_cascades_to_descendants_and_leaves_tombstones() {
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
        let delete = [Op::Delete {
            table: "workouts",
            id: "w".into(),
        }];
        let mut loaded: Vec<_> = footprint(&t, &delete);
        loaded.sort();
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect()
        };
        assert_eq!(
            loaded,
            pairs(&[
                ("workout_exercise", "e"),
                ("workout_exercise_sets", "new"),
                ("workout_exercise_sets", "s"),
                ("workouts", "w"),
            ])
        );
        apply_ops_to(&mut t, &delete);
        assert_eq!(t["workouts"]["w"].status, Status::Deleted);
        assert_eq!(t["workout_exercise"]["e"].status, Status::Deleted);
        assert_eq!(t["workout_exercise"]["other"].status, Status::Synced);
        assert_eq!(t["workout_exercise_sets"]["s"].status, Status::Deleted);
        assert_eq!(
            t["workout_exercise_sets"]["new"].status,
            Status::Deleted,
            "a never-acknowledged child is deleted on the server too (a lost answer)"
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
    }
}
