//! What a pull changes of what this device showed: the sessions, templates and routines
//! another device edited or deleted, so the status can say so and nothing vanishes
//! without a trace.
//!
//! A pulled record counts when this device holds it (or, for a delete, held it) and the
//! pull's version differs from the held one in a column it sends: a device's own pushes
//! come back in its next pull unchanged, and new records from elsewhere hide nothing.
//! Each change is reported once, under the session, template or routine it belongs to.

use crate::deleted::Kind;
use crate::local::record::{LocalRecord, Status};
use crate::model::tables::table;
use crate::model::wire::{PullResponse, WireRecord};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

type Tables = BTreeMap<String, BTreeMap<String, LocalRecord>>;

/// Most changes one sync lists (the rest are counted).
pub const LISTED: usize = 20;

/// One session, template or routine another device changed or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Noticed {
    pub kind: Kind,
    pub id: String,
    pub title: String,
    /// Deleted (with everything under it), not only changed.
    pub removed: bool,
}

/// Two column values are the same change: numbers by value (`105` is `105.0`), a missing
/// column as `null`.
fn same(held: Option<&Value>, pulled: &Value) -> bool {
    match (held.unwrap_or(&Value::Null), pulled) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (a, b) => a == b,
    }
}

/// Whether applying `pulled` changes what the device shows of `held`: columns changed
/// here and not yet pushed keep their local value (see `merge_remote`), and a record
/// created or deleted here keeps what this device did.
fn differs(held: &LocalRecord, pulled: &WireRecord) -> bool {
    match held.status {
        Status::Created | Status::Deleted => false,
        Status::Synced | Status::Updated => pulled.iter().any(|(column, value)| {
            !held.changed.contains(column) && !same(held.raw.get(column), value)
        }),
    }
}

/// The session, template or routine a held record belongs to (itself, for one).
fn owner<'t>(
    tables: &'t Tables,
    name: &str,
    raw: &'t WireRecord,
) -> Option<(Kind, &'t WireRecord)> {
    let (mut name, mut raw) = (name.to_owned(), raw);
    // Deep enough for every table: sets → exercises → sessions or templates.
    for _ in 0..4 {
        if let Some(kind) = Kind::of_table(&name) {
            return Some((kind, raw));
        }
        let parent = table(&name)?.parents.first()?;
        let id = raw.get(parent.column)?.as_str()?;
        raw = &tables.get(parent.table)?.get(id)?.raw;
        name = parent.table.to_owned();
    }
    None
}

/// What `pull` (an incremental one) changes of `tables`, the records as held before it.
pub fn noticed(tables: &Tables, pull: &PullResponse) -> Vec<Noticed> {
    let mut found: BTreeMap<(Kind, String), Noticed> = BTreeMap::new();
    let mut note = |kind: Kind, root: &WireRecord, removed: bool| {
        let id = root
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let entry = found.entry((kind, id.clone())).or_insert_with(|| Noticed {
            kind,
            id,
            title: kind.title_of(root),
            removed,
        });
        entry.removed |= removed;
    };
    for (name, changes) in &pull.changes {
        let Some(held) = tables.get(name) else {
            continue;
        };
        for pulled in changes.created.iter().chain(&changes.updated) {
            let Some(local) = pulled
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| held.get(id))
            else {
                continue;
            };
            if differs(local, pulled) {
                if let Some((kind, root)) = owner(tables, name, &local.raw) {
                    note(kind, root, false);
                }
            }
        }
        for id in &changes.deleted {
            let Some(local) = held.get(id).filter(|l| l.status != Status::Deleted) else {
                continue;
            };
            if let Some((kind, root)) = owner(tables, name, &local.raw) {
                // A child deleted alone changes its owner; the owner deleted is removed.
                let removed = Kind::of_table(name).is_some();
                note(kind, root, removed);
            }
        }
    }
    let mut out: Vec<Noticed> = found.into_values().collect();
    // Removed first: they are what vanished.
    out.sort_by(|a, b| b.removed.cmp(&a.removed).then(a.title.cmp(&b.title)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::wire::TableChanges;
    use serde_json::json;

    fn raw(v: Value) -> WireRecord {
        v.as_object().unwrap().clone()
    }

    fn held(rows: &[(&str, Value)]) -> Tables {
        let mut tables = Tables::new();
        for (t, v) in rows {
            let record = LocalRecord::synced(raw(v.clone()));
            tables
                .entry((*t).to_owned())
                .or_default()
                .insert(record.id().to_owned(), record);
        }
        tables
    }

    #[test]
    fn edits_and_deletes_from_elsewhere_are_named_by_what_they_belong_to() {
        let tables = held(&[
            ("logs", json!({ "id": "l", "workout_title": "Push day" })),
            ("log_exercise", json!({ "id": "e", "log_id": "l" })),
            (
                "log_exercise_sets",
                json!({ "id": "s", "log_exercise_id": "e", "weight": 100, "reps": 5 }),
            ),
            ("workouts", json!({ "id": "w", "title": "Legs" })),
            ("routines", json!({ "id": "r", "title": "PPL", "order": 1 })),
        ]);
        let mut pull = PullResponse::default();
        let mut put = |t: &str, c: TableChanges| {
            pull.changes.insert(t.to_owned(), c);
        };
        put(
            "log_exercise_sets",
            TableChanges {
                // Another device's edit, and this device's own push coming back (105.0 is 105).
                updated: vec![
                    raw(json!({ "id": "s", "log_exercise_id": "e", "weight": 102.5, "reps": 5 })),
                    raw(json!({ "id": "new", "log_exercise_id": "e", "weight": 1 })),
                ],
                ..Default::default()
            },
        );
        put(
            "workouts",
            TableChanges {
                deleted: vec!["w".into()],
                ..Default::default()
            },
        );
        put(
            "routines",
            TableChanges {
                updated: vec![raw(
                    json!({ "id": "r", "title": "PPL", "order": 1.0, "description": null }),
                )],
                ..Default::default()
            },
        );
        let found = noticed(&tables, &pull);
        assert_eq!(
            found,
            [
                Noticed {
                    kind: Kind::Template,
                    id: "w".into(),
                    title: "Legs".into(),
                    removed: true
                },
                Noticed {
                    kind: Kind::Session,
                    id: "l".into(),
                    title: "Push day".into(),
                    removed: false
                },
            ],
            "the routine came back unchanged; a set new to this device hid nothing"
        );
    }
}
