//! The one write path for synced tables: every write stamps the user's cursor, writes the
//! row and appends to `changes` in the caller's transaction (DESIGN.md §4).

use super::db::{Cells, Db, SqlValue};
use super::error::{StoreError, StoreResult};
use super::record::{to_json, to_sql, WireRecord};
use super::sql::{self, Dialect};
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

/// Milliseconds since the epoch: what stamps and `updated_at` are made of.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The stamp a write takes, and the user's stamp before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// What the write's rows and change-log entries carry.
    pub at: i64,
    /// The user's `last_change_at` until this write: a cursor at or past it has seen
    /// every change the user had.
    pub previous: i64,
}

/// Takes the next stamp of the user's cursor: `max(now, last_change_at + 1)`.
pub async fn stamp(db: &mut dyn Db, dialect: Dialect, user_id: &str) -> StoreResult<Stamp> {
    let row = db
        .fetch_optional(
            &sql::stamp(dialect),
            vec![SqlValue::text(user_id), SqlValue::int(now_ms())],
            &[ColumnKind::Int, ColumnKind::Int],
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let mut cells = Cells::new(row);
    Ok(Stamp {
        at: cells.int("last_change_at")?,
        previous: cells.int("previous_change_at")?,
    })
}

/// The user's `last_change_at`, which every write advances (0 for an unknown user).
pub async fn last_stamp(db: &mut dyn Db, user_id: &str) -> StoreResult<i64> {
    match db
        .fetch_int(
            "select last_change_at from user_profile where id = $1",
            vec![SqlValue::text(user_id)],
        )
        .await
    {
        Ok(stamp) => Ok(stamp),
        Err(sqlx::Error::RowNotFound) => Ok(0),
        Err(e) => Err(e.into()),
    }
}

/// The time of the user's newest change (0 before any): one step down
/// the log's index in stamp order.
pub async fn newest(db: &mut dyn Db, user_id: &str) -> StoreResult<i64> {
    Ok(db
        .fetch_int(
            "select coalesce(max(\"timestamp\"), 0) from changes where user_id = $1",
            vec![SqlValue::text(user_id)],
        )
        .await?)
}

/// A new user's settings under `id`. The caller gives a random id, not one derived from the
/// user's: ids are a namespace of the account, and nothing about one should be guessable
/// from another. Devices converge on it because the server folds any other settings
/// record pushed into this one (see `settings::fold`).
pub fn default_settings(id: &str, now: i64) -> WireRecord {
    let Value::Object(map) = json!({
        "id": id,
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

/// Most rows one multi-row statement carries: about 17 columns each stays well under
/// both backends' limits on bound parameters.
const ROWS_PER_STATEMENT: usize = 200;

/// One record to write: id, values in registry column order (validated), change kind.
pub struct RecordWrite {
    pub id: String,
    pub values: Vec<SqlValue>,
    pub change: ChangeType,
}

/// Writes records of one table, adding each change, with the full record as it now
/// stands, to `log`: one statement per `ROWS_PER_STATEMENT` records.
pub async fn write_records(
    db: &mut dyn Db,
    table: &'static TableDef,
    user_id: &str,
    records: Vec<RecordWrite>,
    stamp: i64,
    log: &mut ChangeLog,
) -> StoreResult<()> {
    for chunk in records.chunks(ROWS_PER_STATEMENT) {
        let mut args = Vec::with_capacity(chunk.len() * (table.columns.len() + 3));
        for r in chunk {
            debug_assert_eq!(r.values.len(), table.columns.len());
            log.add(table, &r.id, r.change, r.values.clone());
            args.push(SqlValue::text(&r.id));
            args.push(SqlValue::text(user_id));
            args.extend(r.values.iter().cloned());
            args.push(SqlValue::int(stamp));
        }
        db.execute(&sql::upsert_records(table, chunk.len()), args)
            .await?;
    }
    Ok(())
}

/// Writes one record and logs it.
#[allow(clippy::too_many_arguments)]
pub async fn write_record(
    db: &mut dyn Db,
    dialect: Dialect,
    table: &'static TableDef,
    user_id: &str,
    id: &str,
    values: Vec<SqlValue>,
    stamp: i64,
    change: ChangeType,
) -> StoreResult<()> {
    let record = RecordWrite {
        id: id.to_owned(),
        values,
        change,
    };
    let mut log = ChangeLog::default();
    write_records(db, table, user_id, vec![record], stamp, &mut log).await?;
    log.append(db, dialect, user_id, stamp).await
}

/// Most change-log rows one statement carries: 6 parameters each, well under both
/// backends' limits.
const LOG_ROWS_PER_STATEMENT: usize = 1000;

/// The change-log entries of one write, gathered from every table it touches and appended
/// together: a push of a session, its exercises and its sets is one `insert` into
/// `changes`, not one per table.
#[derive(Default)]
pub struct ChangeLog {
    /// Table, record id, change kind, the record as JSON text.
    entries: Vec<(&'static str, String, ChangeType, String)>,
}

impl ChangeLog {
    /// Adds a record's change; `values` are its stored values in registry order.
    pub fn add(
        &mut self,
        table: &'static TableDef,
        id: &str,
        change: ChangeType,
        values: Vec<SqlValue>,
    ) {
        let record = Value::Object(record_json(table, id, values)).to_string();
        self.entries
            .push((table.name, id.to_owned(), change, record));
    }

    /// Adds a record's change in wire form.
    pub fn add_wire(
        &mut self,
        table: &'static TableDef,
        id: &str,
        change: ChangeType,
        record: WireRecord,
    ) {
        let record = Value::Object(record).to_string();
        self.entries
            .push((table.name, id.to_owned(), change, record));
    }

    /// Appends every entry, in the order added, under `stamp`.
    pub async fn append(
        self,
        db: &mut dyn Db,
        dialect: Dialect,
        user_id: &str,
        stamp: i64,
    ) -> StoreResult<()> {
        for chunk in self.entries.chunks(LOG_ROWS_PER_STATEMENT) {
            let mut args = Vec::with_capacity(chunk.len() * 6);
            for (table, id, change, record) in chunk {
                args.push(SqlValue::text(*table));
                args.push(SqlValue::text(id.as_str()));
                args.push(SqlValue::text(change.as_str()));
                args.push(SqlValue::text(record.as_str()));
                args.push(SqlValue::text(user_id));
                args.push(SqlValue::int(stamp));
            }
            db.execute(&sql::append_changes(dialect, chunk.len()), args)
                .await?;
        }
        Ok(())
    }
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
