//! An import on SQLite, written first to a database of its own and then published in one
//! short transaction.
//!
//! SQLite has one writer at a time: an import written in one transaction of the shared
//! database (seconds for a large file) would make every other user's push wait for it.
//! Here the import runs through the ordinary push path against a staging file, which holds
//! the schema, the user's profile and settings and the parents the import's records point
//! at (copied from the live database, attached read-only in spirit: nothing writes to it
//! from the staging connection). Publishing copies the records the import wrote and their
//! change-log entries with `INSERT … SELECT`, under one new stamp, after the normal
//! conflict rule: a record the server changed after the import's cursor refuses all of it.
//! Either everything is published or nothing; the staging file is removed in any case.

use super::changes;
use super::db::{Db, SqlValue};
use super::error::{StoreError, StoreResult};
use super::push::import_batch;
use super::sql::{quote, Dialect};
use crate::store::changeset::ValidPush;
use app::model::{TableDef, TABLES};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::path::{Path, PathBuf};

/// The page cache of each database an import's own connections open (KiB when
/// negative): SQLite's default of 2 MiB each, for four of them, made an import's memory
/// several times the file's; pages evicted are read back from the OS's cache.
const CACHE_SIZE: &str = "-256";

/// Most ids one `in (…)` list carries.
const IDS_PER_STATEMENT: usize = 500;

/// The staging file, removed when dropped (with SQLite's side files).
struct StagingFile(PathBuf);

impl Drop for StagingFile {
    fn drop(&mut self) {
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Imports `batches` for `user_id` into the database at `live` (opened with `options`).
pub async fn import(
    options: &SqliteConnectOptions,
    migrator: &sqlx::migrate::Migrator,
    live: &Path,
    user_id: &str,
    batches: &mut (dyn Iterator<Item = StoreResult<ValidPush>> + Send),
) -> StoreResult<()> {
    let file = StagingFile(live.with_file_name(format!(
        ".{}.import-{}",
        live.file_name().and_then(|n| n.to_str()).unwrap_or("db"),
        uuid::Uuid::new_v4().simple()
    )));
    let since = stage(&file.0, migrator, live, user_id, batches).await?;
    let Some(since) = since else {
        return Ok(()); // nothing to import
    };
    publish(options, &file.0, user_id, since).await
}

/// Runs the import into the staging file; the cursor of its first batch, or `None` when
/// there were no batches.
async fn stage(
    path: &Path,
    migrator: &sqlx::migrate::Migrator,
    live: &Path,
    user_id: &str,
    batches: &mut (dyn Iterator<Item = StoreResult<ValidPush>> + Send),
) -> StoreResult<Option<i64>> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Memory)
        .synchronous(SqliteSynchronous::Off)
        // The push checks parents itself; a copied parent's own parent is not copied.
        .foreign_keys(false)
        .pragma("cache_size", CACHE_SIZE)
        .connect()
        .await?;
    migrator.run_direct(&mut conn).await?;
    attach(&mut conn, live, "live").await?;
    let mut tx = conn.begin().await?;
    for table in ["user_profile", "user_settings"] {
        let key = if table == "user_profile" {
            "id"
        } else {
            "user_id"
        };
        Db::execute(
            &mut tx,
            &format!("insert into {table} select * from live.{table} where {key} = $1"),
            vec![SqlValue::text(user_id)],
        )
        .await?;
    }
    let (mut since, mut cursor) = (None, None);
    for batch in batches {
        let batch = batch?;
        since.get_or_insert(batch.last_pulled_at);
        copy_parents(&mut tx, user_id, &batch).await?;
        import_batch(&mut tx, Dialect::Sqlite, user_id, batch, &mut cursor).await?;
    }
    tx.commit().await?;
    conn.close().await?;
    Ok(since)
}

/// Copies from the live database the parents that `batch`'s records point at and the
/// staging file lacks (records the user already had before the import).
async fn copy_parents(db: &mut dyn Db, user_id: &str, batch: &ValidPush) -> StoreResult<()> {
    for tp in &batch.tables {
        for parent in tp.table.parents {
            let (_, ids) = tp.pointed_at(parent);
            let t = quote(parent.table);
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                let marks: Vec<String> = (0..chunk.len()).map(|k| format!("${}", k + 2)).collect();
                let mut args = vec![SqlValue::text(user_id)];
                args.extend(chunk.iter().map(|id| SqlValue::text(*id)));
                db.execute(
                    &format!(
                        "insert or ignore into {t} select * from live.{t} \
                         where \"user_id\" = $1 and \"id\" in ({})",
                        marks.join(", ")
                    ),
                    args,
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// Copies what the staging file's change log names into the live database in one
/// transaction, under one new stamp.
async fn publish(
    options: &SqliteConnectOptions,
    staged: &Path,
    user_id: &str,
    since: i64,
) -> StoreResult<()> {
    let mut conn = options
        .clone()
        .pragma("cache_size", CACHE_SIZE)
        .connect()
        .await?;
    attach(&mut conn, staged, "staged").await?;
    let result = publish_in(&mut conn, user_id, since).await;
    let _ = conn.close().await;
    result
}

async fn publish_in(conn: &mut SqliteConnection, user_id: &str, since: i64) -> StoreResult<()> {
    let user = || vec![SqlValue::text(user_id)];
    // The records' change-log probes run before the write lock is taken, in a read of
    // their own (a write after a read in one transaction fails if another writer came
    // between), so that other writers wait only for the copy; under the lock the check
    // is made again only if the user's log has grown since.
    let seen = {
        let mut read = conn.begin().await?;
        let deletes = Db::fetch_int(
            &mut read,
            "select count(*) from staged.changes where change_type = 'deleted'",
            vec![],
        )
        .await?;
        if deletes > 0 {
            return Err(StoreError::Invalid("an import never deletes".into()));
        }
        let seen = changes::newest(&mut read, user_id).await?;
        refuse_touched(&mut read, user_id, since).await?;
        read.commit().await?;
        seen
    };
    let mut tx = conn.begin().await?;
    // Takes the write lock first: from here on, other writers wait (for this step only).
    let stamp = changes::stamp(&mut tx, Dialect::Sqlite, user_id).await?.at;
    if changes::newest(&mut tx, user_id).await? > seen {
        refuse_touched(&mut tx, user_id, since).await?;
    }
    for table in TABLES {
        Db::execute(&mut tx, &publish_records_sql(table), {
            let mut args = user();
            args.push(SqlValue::int(stamp));
            args
        })
        .await
        .map_err(|e| match e {
            // A parent the import pointed at was deleted meanwhile.
            sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                StoreError::Conflict(format!(
                    "{} of the import points at a record deleted while it ran; import again",
                    table.name
                ))
            }
            e => e.into(),
        })?;
    }
    Db::execute(
        &mut tx,
        "insert into main.changes (table_name, record_id, change_type, changes, user_id, \"timestamp\") \
         select table_name, record_id, change_type, changes, user_id, $2 from staged.changes \
         where user_id = $1 order by id",
        vec![SqlValue::text(user_id), SqlValue::int(stamp)],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A conflict if the server changed any record the import wrote after its cursor.
async fn refuse_touched(db: &mut dyn Db, user_id: &str, since: i64) -> StoreResult<()> {
    let touched = db
        .fetch_value(
            "select s.table_name || ' ' || s.record_id from staged.changes s \
             where exists (select 1 from main.changes c where c.user_id = $1 \
             and c.table_name = s.table_name and c.record_id = s.record_id \
             and c.\"timestamp\" > $2) limit 1",
            vec![SqlValue::text(user_id), SqlValue::int(since)],
            app::model::ColumnKind::Text,
        )
        .await?
        .and_then(SqlValue::into_text);
    match touched {
        Some(record) => Err(StoreError::Conflict(format!(
            "{record} changed on the server while the import ran; import again"
        ))),
        None => Ok(()),
    }
}

/// Copies the staged records of `table` that the import wrote (those its change log
/// names) into the live table: `$1` the user, `$2` the stamp.
fn publish_records_sql(table: &TableDef) -> String {
    let mut names = vec![quote("id"), quote("user_id")];
    names.extend(table.columns.iter().map(|c| quote(c.name)));
    let columns = names.join(", ");
    let mut updates: Vec<String> = names[2..]
        .iter()
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    updates.push("\"server_changed_at\" = excluded.\"server_changed_at\"".into());
    let t = quote(table.name);
    format!(
        "insert into main.{t} ({columns}, \"server_changed_at\") \
         select {columns}, $2 from staged.{t} \
         where \"user_id\" = $1 and \"id\" in \
         (select record_id from staged.changes where table_name = '{name}') \
         order by rowid \
         on conflict (\"user_id\", \"id\") do update set {}",
        updates.join(", "),
        name = table.name,
    )
}

/// Attaches `path` as `name`, with the same small page cache as the connection's own.
async fn attach(conn: &mut SqliteConnection, path: &Path, name: &str) -> StoreResult<()> {
    sqlx::query(&format!("attach database $1 as {name}"))
        .bind(path.to_string_lossy().into_owned())
        .execute(&mut *conn)
        .await?;
    sqlx::query(&format!("pragma {name}.cache_size = {CACHE_SIZE}"))
        .execute(&mut *conn)
        .await?;
    Ok(())
}
