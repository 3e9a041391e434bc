//! The one write path for synced tables: every write stamps the user's cursor, writes the
//! row and appends to `changes` in the caller's transaction (DESIGN.md §4).

use super::db::{Db, SqlValue};
use super::record::{to_json, to_sql, WireRecord};
use super::sql::{self, Dialect};
use super::{now_ms, StoreError, StoreResult};
use app::model::{ColumnKind, TableDef};
use serde_json::{json, Value};

/// The kinds of entry in the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    Created,
    Updated,
    Deleted,
}

impl ChangeType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }
}

/// Takes the next stamp of the user's cursor: `max(now, last_change_at + 1)`.
pub async fn stamp(db: &mut dyn Db, dialect: Dialect, user_id: &str) -> StoreResult<i64> {
    db.fetch_int(
        &sql::stamp(dialect),
        vec![SqlValue::text(user_id), SqlValue::int(now_ms())],
    )
    .await
    .map_err(|e| match e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        e => e.into(),
    })
}

/// A new user's settings. The record id is the user id: there is exactly one per user, and
/// a deterministic id means two devices that both start from defaults agree on it.
pub fn default_settings(user_id: &str, now: i64) -> WireRecord {
    let Value::Object(map) = json!({
        "id": user_id,
        "weight_unit": "kg",
        "distance_unit": "km",
        "theme": "system",
        "default_rest_seconds": 90,
        "one_rm_formula": "epley",
        "week_start": 1,
        "updated_at": now,
    }) else {
        unreachable!("a json object literal")
    };
    map
}

/// Writes one record (values in registry column order, already validated) and logs the
/// change with the full record as it now stands.
#[allow(clippy::too_many_arguments)]
pub async fn write_record(
    db: &mut dyn Db,
    dialect: Dialect,
    table: &TableDef,
    user_id: &str,
    id: &str,
    values: Vec<SqlValue>,
    stamp: i64,
    change: ChangeType,
) -> StoreResult<()> {
    debug_assert_eq!(values.len(), table.columns.len());
    let logged = record_json(table, id, values.clone());
    let mut args = Vec::with_capacity(values.len() + 3);
    args.push(SqlValue::text(id));
    args.push(SqlValue::text(user_id));
    args.extend(values);
    args.push(SqlValue::int(stamp));
    let written = db.execute(&sql::upsert_record(table), args).await?;
    if written != 1 {
        return Err(StoreError::Forbidden(format!(
            "{} {id} belongs to another user",
            table.name
        )));
    }
    log_change(db, dialect, table, user_id, id, &logged, stamp, change).await
}

/// Appends one entry to the change log.
#[allow(clippy::too_many_arguments)]
pub async fn log_change(
    db: &mut dyn Db,
    dialect: Dialect,
    table: &TableDef,
    user_id: &str,
    id: &str,
    record: &WireRecord,
    stamp: i64,
    change: ChangeType,
) -> StoreResult<()> {
    db.execute(
        &sql::append_change(dialect),
        vec![
            SqlValue::text(table.name),
            SqlValue::text(id),
            SqlValue::text(change.as_str()),
            SqlValue::text(Value::Object(record.clone()).to_string()),
            SqlValue::text(user_id),
            SqlValue::int(stamp),
        ],
    )
    .await?;
    Ok(())
}

/// The wire form of a record from its stored values.
pub fn record_json(table: &TableDef, id: &str, values: Vec<SqlValue>) -> WireRecord {
    let mut record = WireRecord::new();
    record.insert("id".into(), Value::String(id.to_owned()));
    for (column, value) in table.columns.iter().zip(values) {
        record.insert(column.name.into(), to_json(value));
    }
    record
}

/// Typed values of a wire record, in registry column order (missing columns are null).
pub fn record_values(table: &TableDef, record: &WireRecord) -> StoreResult<Vec<SqlValue>> {
    table
        .columns
        .iter()
        .map(|column| {
            to_sql(column.kind, record.get(column.name).unwrap_or(&Value::Null)).map_err(|m| {
                StoreError::Config(format!(
                    "{}.{} must be {}",
                    table.name, column.name, m.expected
                ))
            })
        })
        .collect()
}

/// Reads the first record of `table` owned by the user, in wire form.
pub async fn read_record_of_user(
    db: &mut dyn Db,
    table: &TableDef,
    user_id: &str,
) -> StoreResult<Option<WireRecord>> {
    let mut columns = vec![sql::quote("id")];
    columns.extend(table.columns.iter().map(|c| sql::quote(c.name)));
    let mut kinds = vec![ColumnKind::Text];
    kinds.extend(table.columns.iter().map(|c| c.kind));
    let query = format!(
        "select {} from {} where \"user_id\" = $1 order by \"id\" limit 1",
        columns.join(", "),
        sql::quote(table.name)
    );
    let row = db
        .fetch_optional(&query, vec![SqlValue::text(user_id)], &kinds)
        .await?;
    Ok(row.map(|row| {
        std::iter::once("id")
            .chain(table.columns.iter().map(|c| c.name))
            .zip(row)
            .map(|(name, value)| (name.to_owned(), to_json(value)))
            .collect()
    }))
}
