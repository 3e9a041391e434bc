//! Look-ups of records by id for the push and the import: one key-equality probe per id,
//! whatever the plan cache and the statistics say.

use super::db::{Db, SqlValue};
use super::error::{StoreError, StoreResult};
use super::sql::quote;
use app::model::{ColumnKind, TableDef};
use std::collections::HashSet;

/// Most ids looked up by one statement: under SQLite's limit of 500 terms in a compound
/// select, and well under both backends' parameter limits.
pub(super) const CHUNK: usize = 200;

/// One lookup per id, joined by `union all`; `branch` gets the id's placeholder number.
///
/// Each branch is an equality on a whole key: an `in (…)` list, planned while a table was
/// small (as a prepared statement's cached plan can be), becomes a scan of all the user's
/// rows with the ids as a filter, and a push then costs more the larger the account
/// (measured: a 31-record push went from 3 ms to 23 ms over 1,000 sessions). Equalities
/// alone do not decide the plan either (see `push::deleted_since`).
pub(super) fn union_per_id(first: usize, n: usize, branch: impl Fn(usize) -> String) -> String {
    (first..first + n)
        .map(branch)
        .collect::<Vec<_>>()
        .join(" union all ")
}

pub(super) fn columns_sql(table: &TableDef) -> String {
    table
        .columns
        .iter()
        .map(|c| quote(c.name))
        .collect::<Vec<_>>()
        .join(", ")
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

/// A record's latest change in the log.
pub(super) struct LatestChange {
    pub id: String,
    pub kind: String,
    pub at: i64,
}

/// The latest change of each of `ids` that has one (see `push::deleted_since` for why it is
/// looked up this way).
pub(super) async fn latest_changes(
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
