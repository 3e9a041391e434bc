//! Push and pull (DESIGN.md §4), written once for both backends.

use super::changes::{self, log_changes, record_json, write_records, ChangeType, RecordWrite};
use super::db::{Db, SqlRow, SqlValue};
use super::record::WireRecord;
use super::sql::{quote, Dialect};
use super::{settings, StoreError, StoreResult};
use crate::sync::{PullQuery, ValidPush};
use app::model::{tables::table, ColumnKind, RecordId, TableDef, TABLES};
use app::sync::wire::{PullResponse, PushResponse, TableChanges};
use std::collections::{BTreeMap, HashMap, HashSet};

/// Most ids looked up by one statement: under SQLite's limit of 500 terms in a compound
/// select, and well under both backends' parameter limits.
const CHUNK: usize = 200;

/// A stored row as push needs it.
struct Current {
    changed_at: i64,
    values: Vec<SqlValue>,
}

/// One lookup per id, joined by `union all`; `branch` gets the id's placeholder number.
///
/// Each branch is an equality on a whole key: an `in (…)` list, planned while a table was
/// small (as a prepared statement's cached plan can be), becomes a scan of all the user's
/// rows with the ids as a filter, and a push then costs more the larger the account
/// (measured: a 31-record push went from 3 ms to 23 ms over 1,000 sessions). Equalities
/// alone do not decide the plan either (see [`deleted_since`]).
fn union_per_id(first: usize, n: usize, branch: impl Fn(usize) -> String) -> String {
    (first..first + n)
        .map(branch)
        .collect::<Vec<_>>()
        .join(" union all ")
}

fn columns_sql(table: &TableDef) -> String {
    table
        .columns
        .iter()
        .map(|c| quote(c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reads the user's current rows of the pushed ids (a lookup on the primary key).
async fn current_rows(
    db: &mut dyn Db,
    user_id: &str,
    table: &TableDef,
    ids: &[&RecordId],
) -> StoreResult<HashMap<String, Current>> {
    let mut kinds = vec![ColumnKind::Text, ColumnKind::Int];
    kinds.extend(table.columns.iter().map(|c| c.kind));
    let mut out = HashMap::new();
    let (columns, name) = (columns_sql(table), quote(table.name));
    for chunk in ids.chunks(CHUNK) {
        let sql = union_per_id(2, chunk.len(), |k| {
            format!(
                "select \"id\", \"server_changed_at\", {columns} from {name} \
                 where \"user_id\" = $1 and \"id\" = ${k}"
            )
        });
        let mut args = vec![SqlValue::text(user_id)];
        args.extend(chunk.iter().map(|id| SqlValue::text(id.as_str())));
        for row in db.fetch(&sql, args, &kinds).await? {
            let mut it = row.into_iter();
            let id = it.next().and_then(SqlValue::into_text).unwrap_or_default();
            let changed_at = it.next().and_then(SqlValue::into_int).unwrap_or_default();
            out.insert(
                id,
                Current {
                    changed_at,
                    values: it.collect(),
                },
            );
        }
    }
    Ok(out)
}

/// Runs a one-text-column lookup per id (see [`union_per_id`]) and collects the answers.
/// `branch` gets the id's placeholder number, counted after the `leading` arguments.
async fn id_set(
    db: &mut dyn Db,
    leading: Vec<SqlValue>,
    ids: &[&str],
    branch: impl Fn(usize) -> String,
) -> StoreResult<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in ids.chunks(CHUNK) {
        let query = union_per_id(leading.len() + 1, chunk.len(), &branch);
        let mut args = leading.clone();
        args.extend(chunk.iter().map(|id| SqlValue::text(*id)));
        for row in db.fetch(&query, args, &[ColumnKind::Text]).await? {
            out.extend(row.into_iter().next().and_then(SqlValue::into_text));
        }
    }
    Ok(out)
}

/// Of `ids`, those the user deleted on the server after `since`.
///
/// It must cost the same whatever the cursor's age: each id is probed for its latest
/// change only, newest first on `changes_user_record_idx` (which holds the order, so a
/// probe reads one entry), and the cursor is compared here, not in SQL. Given
/// `"timestamp" > $since` as a condition, a plan made while `changes` was small (cached
/// per connection, statistics stale with autovacuum off or late) walked
/// `changes_user_timestamp_idx` instead: every change since the cursor, per pushed id
/// (measured on PostgreSQL: a 31-record push with a cursor from before 1,000 sessions,
/// 246–292 ms p50). The lookup is also planned on each run, never from a cached plan.
async fn deleted_since(
    db: &mut dyn Db,
    user_id: &str,
    table: &TableDef,
    ids: &[&str],
    since: i64,
) -> StoreResult<HashSet<String>> {
    Ok(latest_changes(db, user_id, table, ids)
        .await?
        .into_iter()
        .filter(|c| c.kind == ChangeType::Deleted.as_str() && c.at > since)
        .map(|c| c.id)
        .collect())
}

/// A record's latest change in the log.
struct LatestChange {
    id: String,
    kind: String,
    at: i64,
}

/// The latest change of each of `ids` that has one (see [`deleted_since`] for why it is
/// looked up this way).
async fn latest_changes(
    db: &mut dyn Db,
    user_id: &str,
    table: &TableDef,
    ids: &[&str],
) -> StoreResult<Vec<LatestChange>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = latest_changes_sql(chunk.len());
        let mut args = vec![SqlValue::text(user_id), SqlValue::text(table.name)];
        args.extend(chunk.iter().map(|id| SqlValue::text(*id)));
        let kinds = [ColumnKind::Text, ColumnKind::Text, ColumnKind::Int];
        for row in db.fetch_replanned(&sql, args, &kinds).await? {
            let mut it = row.into_iter();
            let (Some(id), Some(kind), Some(at)) = (
                it.next().and_then(SqlValue::into_text),
                it.next().and_then(SqlValue::into_text),
                it.next().and_then(SqlValue::into_int),
            ) else {
                return Err(StoreError::Other(sqlx::Error::Protocol(
                    "a change without its record id, type or time".into(),
                )));
            };
            out.push(LatestChange { id, kind, at });
        }
    }
    Ok(out)
}

/// The latest change of each of `n` records of one table: `$1` the user, `$2` the table,
/// `$3…` the ids. Each branch is a subquery so that both dialects take its `limit`.
/// Public for the test that reads its plan.
pub fn latest_changes_sql(n: usize) -> String {
    union_per_id(3, n, |k| {
        format!(
            "select * from (select record_id, change_type, \"timestamp\" from changes \
             where user_id = $1 and table_name = $2 and record_id = ${k} \
             order by \"timestamp\" desc limit 1) as c{k}"
        )
    })
}

/// Of `ids`, those with any change in the user's log of `table`: live or deleted.
pub(super) async fn known_ids(
    db: &mut dyn Db,
    user_id: &str,
    table: &TableDef,
    ids: &[&str],
) -> StoreResult<HashSet<String>> {
    Ok(latest_changes(db, user_id, table, ids)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

/// Of `ids`, those that exist as the user's rows of `table`.
pub(super) async fn existing_ids(
    db: &mut dyn Db,
    user_id: &str,
    table: &TableDef,
    ids: &[&str],
) -> StoreResult<HashSet<String>> {
    let name = quote(table.name);
    id_set(db, vec![SqlValue::text(user_id)], ids, |k| {
        format!("select \"id\" from {name} where \"user_id\" = $1 and \"id\" = ${k}")
    })
    .await
}

fn text_at(values: &[Option<SqlValue>], pos: usize) -> Option<&str> {
    match values.get(pos) {
        Some(Some(SqlValue::Text(Some(s)))) => Some(s.as_str()),
        _ => None,
    }
}

/// Applies a validated push in the caller's transaction; on any error the caller rolls
/// back, so nothing is half-written.
pub async fn push(
    db: &mut dyn Db,
    dialect: Dialect,
    user_id: &str,
    push: &ValidPush,
) -> StoreResult<PushResponse> {
    let mut response = PushResponse::default();
    if push.is_empty() {
        return Ok(response);
    }
    // Locks the user's row first: pushes of one user run one at a time.
    let stamp = changes::stamp(db, dialect, user_id).await?;
    let since = push.last_pulled_at;
    let (push, folded) = settings::fold(db, user_id, push).await?;
    let push = push.as_ref();

    // A cursor at or past the user's newest change has seen every change, so nothing can
    // have been deleted since it: the usual push (right after a pull) and each batch of an
    // import after its first skip a look-up per record. Exact, as the stamp above holds
    // the user's row until the transaction ends.
    let seen_everything = since >= changes::newest(db, user_id).await?;

    // Read what is there and refuse conflicts before writing anything.
    let mut current: HashMap<&str, HashMap<String, Current>> = HashMap::new();
    for tp in &push.tables {
        let ids: Vec<&RecordId> = tp
            .upserts
            .iter()
            .map(|u| &u.id)
            .chain(&tp.deletes)
            .collect();
        let rows = current_rows(db, user_id, tp.table, &ids).await?;
        for upsert in &tp.upserts {
            if let Some(row) = rows.get(upsert.id.as_str()) {
                let equal = upsert
                    .values
                    .iter()
                    .zip(&row.values)
                    .all(|(pushed, stored)| pushed.as_ref().is_none_or(|p| p == stored));
                if row.changed_at > since && !equal {
                    return Err(conflict(tp.table, upsert.id.as_str()));
                }
            }
        }
        for id in &tp.deletes {
            if rows
                .get(id.as_str())
                .is_some_and(|row| row.changed_at > since)
            {
                return Err(conflict(tp.table, id.as_str()));
            }
        }
        let missing: Vec<&str> = tp
            .upserts
            .iter()
            .map(|u| u.id.as_str())
            .filter(|id| !rows.contains_key(*id))
            .collect();
        if !seen_everything {
            if let Some(id) = deleted_since(db, user_id, tp.table, &missing, since)
                .await?
                .into_iter()
                .next()
            {
                return Err(conflict(tp.table, &id));
            }
        }
        current.insert(tp.table.name, rows);
    }

    // Creates and updates, parents first; a child whose parent is missing is skipped.
    for tp in &push.tables {
        let rows = current.get(tp.table.name).expect("read above");
        // Each parent column's position and the parent ids that exist for this push.
        let mut parents: Vec<(usize, HashSet<String>)> = Vec::new();
        for parent in tp.table.parents {
            let (pos, wanted) = tp.pointed_at(parent);
            let parent_table = table(parent.table).expect("registry");
            parents.push((pos, existing_ids(db, user_id, parent_table, &wanted).await?));
        }
        let mut writes: Vec<RecordWrite> = Vec::with_capacity(tp.upserts.len());
        for upsert in &tp.upserts {
            let orphan = parents.iter().any(|(pos, present)| {
                text_at(&upsert.values, *pos).is_none_or(|pid| !present.contains(pid))
            });
            if orphan {
                response
                    .experimental_rejected_ids
                    .entry(tp.table.name.to_owned())
                    .or_default()
                    .push(upsert.id.to_string());
                continue;
            }
            let existing = rows.get(upsert.id.as_str());
            let values: Vec<SqlValue> = match existing {
                Some(row) => upsert
                    .values
                    .iter()
                    .zip(&row.values)
                    .map(|(pushed, stored)| pushed.clone().unwrap_or_else(|| stored.clone()))
                    .collect(),
                None => upsert
                    .values
                    .iter()
                    .zip(tp.table.columns)
                    .map(|(pushed, column)| pushed.clone().unwrap_or_else(|| null_of(column.kind)))
                    .collect(),
            };
            let change = if existing.is_some() {
                ChangeType::Updated
            } else {
                ChangeType::Created
            };
            writes.push(RecordWrite {
                id: upsert.id.to_string(),
                values,
                change,
            });
        }
        write_records(db, dialect, tp.table, user_id, writes, stamp).await?;
    }

    // Deletes, children first; each cascaded child gets its own `deleted` change.
    for tp in push.tables.iter().rev() {
        for id in &tp.deletes {
            delete_cascade(db, dialect, user_id, tp.table, id.as_str(), stamp).await?;
        }
    }
    folded.log(db, dialect, user_id, stamp).await?;
    Ok(response)
}

fn conflict(table: &TableDef, id: &str) -> StoreError {
    StoreError::Conflict(format!(
        "{} {id} changed on the server after lastPulledAt; pull, then push again",
        table.name
    ))
}

fn null_of(kind: ColumnKind) -> SqlValue {
    match kind {
        ColumnKind::Text => SqlValue::Text(None),
        ColumnKind::Int => SqlValue::Int(None),
        ColumnKind::Real => SqlValue::Real(None),
        ColumnKind::Bool => SqlValue::Bool(None),
    }
}

/// Deletes a record and, first, everything under it. Missing records are ignored.
async fn delete_cascade(
    db: &mut dyn Db,
    dialect: Dialect,
    user_id: &str,
    table: &'static TableDef,
    id: &str,
    stamp: i64,
) -> StoreResult<()> {
    let mut kinds = vec![ColumnKind::Text];
    kinds.extend(table.columns.iter().map(|c| c.kind));
    let row = db
        .fetch_optional(
            &format!(
                "select \"id\", {} from {} where \"id\" = $1 and \"user_id\" = $2",
                columns_sql(table),
                quote(table.name)
            ),
            vec![SqlValue::text(id), SqlValue::text(user_id)],
            &kinds,
        )
        .await?;
    let Some(row) = row else { return Ok(()) };
    for (child, parent) in table.children() {
        let child_ids = db
            .fetch(
                &format!(
                    "select \"id\" from {} where \"user_id\" = $1 and {} = $2",
                    quote(child.name),
                    quote(parent.column)
                ),
                vec![SqlValue::text(user_id), SqlValue::text(id)],
                &[ColumnKind::Text],
            )
            .await?;
        for child_id in child_ids
            .into_iter()
            .filter_map(|r| r.into_iter().next().and_then(SqlValue::into_text))
        {
            Box::pin(delete_cascade(
                db, dialect, user_id, child, &child_id, stamp,
            ))
            .await?;
        }
    }
    db.execute(
        &format!(
            "delete from {} where \"id\" = $1 and \"user_id\" = $2",
            quote(table.name)
        ),
        vec![SqlValue::text(id), SqlValue::text(user_id)],
    )
    .await?;
    let last_state = record_json(table, id, row.into_iter().skip(1).collect());
    let entry = [(id, ChangeType::Deleted, last_state)];
    log_changes(db, dialect, table, user_id, &entry, stamp).await
}

/// Reads a pull in the caller's (snapshot) transaction.
/// Every record of `table` the user owns, with the columns `version` knows: an initial
/// pull's content for that table, and what server-rendered pages read.
pub async fn live_records(
    db: &mut dyn Db,
    user_id: &str,
    t: &TableDef,
    version: u32,
) -> StoreResult<Vec<WireRecord>> {
    let columns: Vec<_> = t.columns_for(version).collect();
    let mut kinds = vec![ColumnKind::Text];
    kinds.extend(columns.iter().map(|c| c.kind));
    let list = columns.iter().map(|c| quote(c.name)).collect::<Vec<_>>();
    let sql = format!(
        "select \"id\"{}{} from {} where \"user_id\" = $1",
        if list.is_empty() { "" } else { ", " },
        list.join(", "),
        quote(t.name)
    );
    let rows: Vec<SqlRow> = db
        .fetch(&sql, vec![SqlValue::text(user_id)], &kinds)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut it = row.into_iter();
            let id = it.next().and_then(SqlValue::into_text).unwrap_or_default();
            let mut record = WireRecord::new();
            record.insert("id".into(), id.into());
            for (c, v) in columns.iter().zip(it) {
                record.insert(c.name.into(), super::record::to_json(v));
            }
            record
        })
        .collect())
}

/// Adds to an incremental pull every live record of the tables, or with the columns,
/// that versions after `from` introduced: the client has them without those values (or
/// not at all). They go in `updated`, which WatermelonDB creates when missing, and replace
/// any entry of the same record (the live record is the latest state anyway).
async fn migrate(
    db: &mut dyn Db,
    user_id: &str,
    changes: &mut BTreeMap<String, TableChanges>,
    from: u32,
    version: u32,
) -> StoreResult<()> {
    let affected = TABLES.iter().filter(|t| {
        t.since <= version && (t.since > from || t.columns_for(version).any(|c| c.since > from))
    });
    for t in affected {
        let records = live_records(db, user_id, t, version).await?;
        let entry = changes.entry(t.name.to_owned()).or_default();
        let fresh: HashSet<&str> = records
            .iter()
            .filter_map(|r| r.get("id").and_then(serde_json::Value::as_str))
            .collect();
        entry.updated.retain(|r| {
            !r.get("id")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|id| fresh.contains(id))
        });
        entry.updated.extend(records);
    }
    Ok(())
}

pub async fn pull(db: &mut dyn Db, user_id: &str, query: PullQuery) -> StoreResult<PullResponse> {
    let cursor = db
        .fetch_value(
            "select last_change_at from user_profile where id = $1",
            vec![SqlValue::text(user_id)],
            ColumnKind::Int,
        )
        .await?
        .and_then(SqlValue::into_int)
        .unwrap_or(0)
        .max(1);
    let version = query.schema_version;
    let known: Vec<&'static TableDef> = TABLES.iter().filter(|t| t.since <= version).collect();
    let mut changes: BTreeMap<String, TableChanges> = known
        .iter()
        .map(|t| (t.name.to_owned(), TableChanges::default()))
        .collect();

    match query.last_pulled_at {
        None => {
            for t in &known {
                let entry = changes.get_mut(t.name).expect("known table");
                entry.created = live_records(db, user_id, t, version).await?;
            }
        }
        Some(since) => {
            let rows = db
                .fetch(
                    "select table_name, record_id, change_type, changes_text from (\
                     select id, table_name, record_id, change_type, cast(changes as text) as changes_text \
                     from changes where user_id = $1 and \"timestamp\" > $2 and \"timestamp\" <= $3) c \
                     order by id",
                    vec![SqlValue::text(user_id), SqlValue::int(since), SqlValue::int(cursor)],
                    &[ColumnKind::Text; 4],
                )
                .await?;
            // The latest change of each record decides; order of first appearance is kept.
            let mut latest: HashMap<(String, String), (usize, String, String)> = HashMap::new();
            for (i, row) in rows.into_iter().enumerate() {
                let mut it = row.into_iter().map(|v| v.into_text().unwrap_or_default());
                let (t, id, kind, json) = (
                    it.next().unwrap_or_default(),
                    it.next().unwrap_or_default(),
                    it.next().unwrap_or_default(),
                    it.next().unwrap_or_default(),
                );
                let first = latest.get(&(t.clone(), id.clone())).map_or(i, |e| e.0);
                latest.insert((t, id), (first, kind, json));
            }
            let mut ordered: Vec<_> = latest.into_iter().collect();
            ordered.sort_by_key(|(_, (first, _, _))| *first);
            for ((t, id), (_, kind, json)) in ordered {
                let (Some(def), Some(entry)) = (table(&t), changes.get_mut(&t)) else {
                    continue; // a table this client's version does not know
                };
                if kind == "deleted" {
                    entry.deleted.push(id);
                    continue;
                }
                let stored: WireRecord = serde_json::from_str(&json)
                    .map_err(|e| StoreError::Other(sqlx::Error::Decode(Box::new(e))))?;
                let mut record = WireRecord::new();
                record.insert("id".into(), id.into());
                for c in def.columns_for(version) {
                    record.insert(
                        c.name.into(),
                        stored.get(c.name).cloned().unwrap_or_default(),
                    );
                }
                entry.updated.push(record);
            }
            if let Some(from) = query.migrated_from {
                migrate(db, user_id, &mut changes, from, version).await?;
            }
        }
    }
    Ok(PullResponse {
        changes,
        timestamp: cursor,
    })
}
