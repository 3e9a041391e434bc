//! A push applied in the caller's transaction (DESIGN.md §4): conflicts refused before
//! anything is written, creates and updates parents first, deletes children first.

use super::changes::{self, write_records, ChangeLog, ChangeType, RecordWrite};
use super::changeset::ValidPush;
use super::db::{Cells, Db, SqlValue};
use super::error::{StoreError, StoreResult};
use super::lookup::{columns_sql, existing_ids, latest_changes, union_per_id, CHUNK};
use super::settings;
use super::sql::{quote, Dialect};
use app::model::wire::PushResponse;
use app::model::{tables::table, ColumnKind, RecordId, TableDef};
use std::collections::{HashMap, HashSet};

/// A stored row as push needs it.
struct Current {
    changed_at: i64,
    values: Vec<SqlValue>,
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
            let mut cells = Cells::new(row);
            let id = cells.text("id")?;
            let changed_at = cells.int("server_changed_at")?;
            out.insert(
                id,
                Current {
                    changed_at,
                    values: cells.rest(),
                },
            );
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

fn text_at(values: &[Option<SqlValue>], pos: usize) -> Option<&str> {
    match values.get(pos) {
        Some(Some(SqlValue::Text(Some(s)))) => Some(s.as_str()),
        _ => None,
    }
}

/// What a push did: the records it skipped, and the user's stamp after it, which a
/// browser carries so that its next pages are never older than its own writes.
#[derive(Debug, Clone, PartialEq)]
pub struct Pushed {
    pub response: PushResponse,
    /// `None` when the push was empty and wrote nothing.
    pub stamp: Option<i64>,
}

/// Applies a validated push in the caller's transaction; on any error the caller rolls
/// back, so nothing is half-written.
pub async fn push(
    db: &mut dyn Db,
    dialect: Dialect,
    user_id: &str,
    push: &ValidPush,
) -> StoreResult<Pushed> {
    let mut response = PushResponse::default();
    if push.is_empty() {
        return Ok(Pushed {
            response,
            stamp: None,
        });
    }
    // Locks the user's row first: pushes of one user run one at a time.
    let taken = changes::stamp(db, dialect, user_id).await?;
    let stamp = taken.at;
    let since = push.last_pulled_at;
    let (push, folded) = settings::fold(db, user_id, push).await?;
    let push = push.as_ref();

    // A cursor at or past the user's stamp before this push has seen every change (each
    // change carries a stamp no later than it), so nothing can have been deleted since:
    // the usual push (right after a pull, whose cursor is that stamp) and each batch of an
    // import after its first skip a look-up per record. Exact, as the stamp holds the
    // user's row until the transaction ends.
    let seen_everything = since >= taken.previous;

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
    let mut log = ChangeLog::default();
    // Ids this push has written, by table: a parent among them exists without a look-up
    // (a new session's exercises and sets point at records of the same push).
    let mut written: HashMap<&str, HashSet<String>> = HashMap::new();
    for tp in &push.tables {
        let rows = current.get(tp.table.name).expect("read above");
        // Each parent column's position and the parent ids that exist for this push.
        let mut parents: Vec<(usize, HashSet<String>)> = Vec::new();
        for parent in tp.table.parents {
            let (pos, wanted) = tp.pointed_at(parent);
            let here = written.get(parent.table);
            let (mut present, elsewhere): (HashSet<String>, Vec<&str>) = (
                HashSet::new(),
                wanted
                    .into_iter()
                    .filter(|id| !here.is_some_and(|w| w.contains(*id)))
                    .collect(),
            );
            if let Some(here) = here {
                present.extend(here.iter().cloned());
            }
            let parent_table = table(parent.table).expect("registry");
            present.extend(existing_ids(db, user_id, parent_table, &elsewhere).await?);
            parents.push((pos, present));
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
        written.insert(tp.table.name, writes.iter().map(|w| w.id.clone()).collect());
        write_records(db, tp.table, user_id, writes, stamp, &mut log).await?;
    }

    // Deletes, children first; each cascaded child gets its own `deleted` change.
    for tp in push.tables.iter().rev() {
        for id in &tp.deletes {
            delete_cascade(db, user_id, tp.table, id.as_str(), &mut log).await?;
        }
    }
    folded.log(db, user_id, &mut log).await?;
    log.append(db, dialect, user_id, stamp).await?;
    Ok(Pushed {
        response,
        stamp: Some(stamp),
    })
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
    user_id: &str,
    table: &'static TableDef,
    id: &str,
    log: &mut ChangeLog,
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
            Box::pin(delete_cascade(db, user_id, child, &child_id, log)).await?;
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
    log.add(
        table,
        id,
        ChangeType::Deleted,
        row.into_iter().skip(1).collect(),
    );
    Ok(())
}

/// Applies one batch of an import in the caller's transaction. The first batch is checked
/// against the account from the caller's cursor; each later one from the stamp of the
/// batch before it, as the transaction has held the user's row since (so only the
/// import's own writes came after). A batch with an orphan fails the import.
pub(super) async fn import_batch(
    tx: &mut dyn Db,
    dialect: Dialect,
    user_id: &str,
    mut batch: ValidPush,
    cursor: &mut Option<i64>,
) -> StoreResult<()> {
    if let Some(after) = *cursor {
        batch.last_pulled_at = after;
    }
    let pushed = push(tx, dialect, user_id, &batch).await?;
    if let Some((table, ids)) = pushed.response.experimental_rejected_ids.iter().next() {
        // The caller drops the transaction, which rolls it back.
        return Err(StoreError::Invalid(format!(
            "{table} {} points at a record that does not exist",
            ids.first().map_or("", String::as_str)
        )));
    }
    *cursor = Some(changes::last_stamp(tx, user_id).await?);
    Ok(())
}
