//! "Recently deleted": sessions, templates and routines deleted on any device in the last
//! [`KEPT_DAYS`] days, and bringing one back with everything deleted with it.
//!
//! Nothing extra is kept for it: the change log is append-only and holds each record's
//! whole content at every change, and a delete takes a record's descendants in the same
//! push, under the same stamp. So what one delete took is the `deleted` changes of its
//! stamp that descend from it (through the model's parent columns), each with its last
//! content before the delete. A restore pushes those records again, as of now, through
//! the normal push path: every device pulls them like any other change.

use crate::store::{ChangeRow, Freshness, Store, StoreError};
use crate::validate::created_push;
use app::deleted::{Deleted, Kind, RestoreRequest, Restored, KEPT_DAYS};
use app::model::{RecordId, TABLES};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

const DAY_MS: i64 = 86_400_000;

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the log says of one record: its latest change and its last content before any
/// delete.
#[derive(Debug, Default)]
struct Known {
    latest: Option<(String, i64)>,
    content: Option<Map<String, Value>>,
}

impl Known {
    /// Whether its latest change is the delete stamped `stamp` (not since restored,
    /// re-created or deleted again).
    fn deleted_at(&self, stamp: i64) -> bool {
        self.latest
            .as_ref()
            .is_some_and(|(kind, at)| kind == "deleted" && *at == stamp)
    }
}

/// The log's history of each of `records` (by table), read per table.
async fn histories(
    store: &dyn Store,
    user_id: &str,
    records: &[(String, String)],
) -> Result<HashMap<(String, String), Known>, StoreError> {
    let mut by_table: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (table, id) in records {
        by_table.entry(table).or_default().push(id);
    }
    let mut out: HashMap<(String, String), Known> = HashMap::new();
    for (table, ids) in by_table {
        for row in store.changes_of(user_id, table, &ids).await? {
            let ChangeRow {
                table_name,
                record_id,
                change_type,
                changes,
                timestamp,
            } = row;
            let known = out.entry((table_name, record_id)).or_default();
            if change_type != "deleted" {
                if let Value::Object(content) = changes {
                    known.content = Some(content);
                }
            }
            known.latest = Some((change_type, timestamp));
        }
    }
    Ok(out)
}

/// Of `candidates` (records one push deleted, with their content), `root` and what
/// descends from it, parents before children.
fn descendants<'a>(
    root: (&str, &str),
    candidates: &'a [(String, String, Map<String, Value>)],
) -> Vec<&'a (String, String, Map<String, Value>)> {
    let mut taken: HashSet<(&str, &str)> = HashSet::from([root]);
    let mut out = Vec::new();
    for def in TABLES {
        for c in candidates.iter().filter(|c| c.0 == def.name) {
            let is_root = (c.0.as_str(), c.1.as_str()) == root;
            let under = def.parents.iter().any(|p| {
                c.2.get(p.column)
                    .and_then(Value::as_str)
                    .is_some_and(|parent| taken.contains(&(p.table, parent)))
            });
            if is_root || under {
                taken.insert((&c.0, &c.1));
                out.push(c);
            }
        }
    }
    out
}

/// The records one delete (stamp `stamp`) took with `root`, with their last content.
fn taken_with(
    root: (&str, &str),
    stamp: i64,
    deletions: &[ChangeRow],
    known: &HashMap<(String, String), Known>,
) -> Vec<(String, String, Map<String, Value>)> {
    let candidates: Vec<(String, String, Map<String, Value>)> = deletions
        .iter()
        .filter(|d| d.timestamp == stamp)
        .filter_map(|d| {
            let k = known.get(&(d.table_name.clone(), d.record_id.clone()))?;
            if !k.deleted_at(stamp) {
                return None;
            }
            Some((
                d.table_name.clone(),
                d.record_id.clone(),
                k.content.clone()?,
            ))
        })
        .collect();
    descendants(root, &candidates)
        .into_iter()
        .cloned()
        .collect()
}

/// The sessions, templates and routines the user deleted in the [`KEPT_DAYS`] days before
/// `now` and has not restored, most recently deleted first.
pub async fn recently_deleted(
    store: &dyn Store,
    user_id: &str,
    now: i64,
) -> Result<Vec<Deleted>, StoreError> {
    let deletions = store
        .deletions_since(user_id, now - KEPT_DAYS * DAY_MS)
        .await?;
    if !deletions
        .iter()
        .any(|d| Kind::of_table(&d.table_name).is_some())
    {
        return Ok(Vec::new());
    }
    let records: Vec<(String, String)> = deletions
        .iter()
        .map(|d| (d.table_name.clone(), d.record_id.clone()))
        .collect();
    let known = histories(store, user_id, &records).await?;
    let mut out = Vec::new();
    for d in &deletions {
        let Some(kind) = Kind::of_table(&d.table_name) else {
            continue;
        };
        let key = (d.table_name.clone(), d.record_id.clone());
        let Some(content) = known
            .get(&key)
            .filter(|k| k.deleted_at(d.timestamp))
            .and_then(|k| k.content.as_ref())
        else {
            continue;
        };
        let root = (d.table_name.as_str(), d.record_id.as_str());
        let taken = taken_with(root, d.timestamp, &deletions, &known);
        out.push(Deleted {
            kind,
            id: d.record_id.clone(),
            title: kind.title_of(content),
            date: match kind {
                Kind::Session => content.get("session_date").and_then(Value::as_i64),
                _ => None,
            },
            deleted_at: d.timestamp,
            under: taken.len().saturating_sub(1),
        });
    }
    out.sort_by(|a, b| b.deleted_at.cmp(&a.deleted_at).then(a.id.cmp(&b.id)));
    Ok(out)
}

/// Restores one deleted session, template or routine with everything deleted with it, as
/// a push of now. A routine's link to a template that is gone is left out (the template
/// can be restored on its own, and its links with it).
pub async fn restore(
    store: &dyn Store,
    user_id: &str,
    request: &RestoreRequest,
    now: i64,
) -> Result<Restored, RestoreError> {
    RecordId::parse(&request.id).map_err(|e| RestoreError::Invalid(format!("id: {e}")))?;
    let table = request.kind.table();
    let gone = || {
        RestoreError::NotFound(format!(
            "no {} {} was deleted in the last {KEPT_DAYS} days",
            request.kind.label().to_lowercase(),
            request.id
        ))
    };
    let history = histories(store, user_id, &[(table.to_owned(), request.id.clone())]).await?;
    let root_key = (table.to_owned(), request.id.clone());
    let stamp = match history.get(&root_key).and_then(|k| k.latest.clone()) {
        Some((kind, at)) if kind == "deleted" && at >= now - KEPT_DAYS * DAY_MS => at,
        _ => return Err(gone()),
    };
    let deletions: Vec<ChangeRow> = store
        .deletions_since(user_id, stamp)
        .await?
        .into_iter()
        .filter(|d| d.timestamp == stamp)
        .collect();
    let records: Vec<(String, String)> = deletions
        .iter()
        .map(|d| (d.table_name.clone(), d.record_id.clone()))
        .collect();
    let known = histories(store, user_id, &records).await?;
    let taken = taken_with((table, &request.id), stamp, &deletions, &known);
    let Some(root) = taken.first().filter(|r| r.0 == table && r.1 == request.id) else {
        return Err(gone());
    };
    let title = request.kind.title_of(&root.2);

    // Parents outside what is restored must be there now (a routine's templates).
    let tables: Vec<&str> = taken
        .iter()
        .flat_map(|(t, _, _)| app::model::tables::table(t).into_iter())
        .flat_map(|def| def.parents.iter().map(|p| p.table))
        .collect::<BTreeSet<&str>>()
        .into_iter()
        .collect();
    let live = store.records(user_id, &tables).await?;
    let mut present: HashSet<(String, String)> = live
        .iter()
        .flat_map(|(t, rows)| {
            rows.iter()
                .filter_map(move |r| Some((t.clone(), r.get("id")?.as_str()?.to_owned())))
        })
        .collect();
    let mut records: Vec<(&str, Value)> = Vec::new();
    for (t, id, content) in &taken {
        let def = app::model::tables::table(t).expect("a table of the log is in the model");
        let parents_here = def.parents.iter().all(|p| {
            content
                .get(p.column)
                .and_then(Value::as_str)
                .is_none_or(|parent| present.contains(&(p.table.to_owned(), parent.to_owned())))
        });
        if parents_here {
            present.insert((t.clone(), id.clone()));
            records.push((t, Value::Object(content.clone())));
        }
    }
    let written = records.len();
    let cursor = store.change_stamp(user_id, Freshness::Latest).await?;
    let push = created_push(records, cursor)?;
    store.push(user_id, &push).await?;
    Ok(Restored {
        kind: request.kind,
        id: request.id.clone(),
        title,
        records: written,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rec(table: &str, id: &str, content: Value) -> (String, String, Map<String, Value>) {
        let Value::Object(map) = content else {
            unreachable!()
        };
        (table.into(), id.into(), map)
    }

    #[test]
    fn what_a_delete_took_follows_the_parent_columns() {
        let candidates = vec![
            rec(
                "log_exercise_sets",
                "s1",
                json!({ "log_exercise_id": "e1" }),
            ),
            rec("log_exercise", "e1", json!({ "log_id": "l1" })),
            rec("logs", "l1", json!({})),
            // Deleted in the same push, but not under l1.
            rec("logs", "l2", json!({})),
            rec("log_exercise", "e2", json!({ "log_id": "l2" })),
        ];
        let ids = |root| -> Vec<String> {
            descendants(root, &candidates)
                .into_iter()
                .map(|c| c.1.clone())
                .collect()
        };
        assert_eq!(ids(("logs", "l1")), ["l1", "e1", "s1"], "parents first");
        assert_eq!(ids(("logs", "l2")), ["l2", "e2"]);
        let links = vec![
            rec("routines", "r", json!({})),
            rec(
                "routine_workouts",
                "rw",
                json!({ "routine_id": "r", "workout_id": "w" }),
            ),
        ];
        let taken: Vec<&str> = descendants(("routines", "r"), &links)
            .into_iter()
            .map(|c| c.1.as_str())
            .collect();
        assert_eq!(taken, ["r", "rw"]);
    }
}
