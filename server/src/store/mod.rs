//! The store of record: one trait, a PostgreSQL and a SQLite backend.
//!
//! Operations are written once against [`db::Db`]; a backend contributes only its pool,
//! its migrations and its dialect. The backend is picked from the URL scheme at start-up.

mod changes;
pub mod db;
mod postgres;
pub mod record;
mod settings;
pub mod sql;
mod sqlite;
mod staged_import;
mod sync;

pub use sync::latest_changes_sql;

use app::model::{tables::table, ColumnKind, SCHEMA_VERSION};
use app::model::{LibraryExercise, Tracking};
use app::sync::wire::{PullResponse, PushResponse};
use async_trait::async_trait;
use db::{SqlValue, Tx};
use record::WireRecord;
use sql::Dialect;
use std::collections::BTreeMap;
use std::sync::Arc;
use tracing::instrument;

pub type StoreResult<T> = Result<T, StoreError>;

/// What callers of the store can tell apart; everything else is an internal failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A uniqueness rule refused the write (e.g. an e-mail already registered).
    #[error("{0}")]
    Conflict(String),
    /// The request breaks a rule of the data (answered as a bad request).
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Other(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Config(String),
}

impl StoreError {
    pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
    }
}

/// A local account's credentials. Deliberately not `Serialize` and with a `Debug` that
/// hides the hash, so it cannot leak into a response or a log line.
#[derive(Clone)]
pub struct LocalAccount {
    pub user_id: String,
    pub email: String,
    pub password_hash: String,
}

impl LocalAccount {
    /// From `select user_id, email, password_hash`.
    fn from_row(row: Vec<SqlValue>) -> Self {
        let mut it = row.into_iter().map(|v| v.into_text().unwrap_or_default());
        Self {
            user_id: it.next().unwrap_or_default(),
            email: it.next().unwrap_or_default(),
            password_hash: it.next().unwrap_or_default(),
        }
    }
}

impl std::fmt::Debug for LocalAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalAccount")
            .field("user_id", &self.user_id)
            .field("email", &self.email)
            .field("password_hash", &"<hidden>")
            .finish()
    }
}

/// One row of the change log, as tests and diagnostics read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    pub table_name: String,
    pub record_id: String,
    pub change_type: String,
    pub changes: serde_json::Value,
    pub timestamp: i64,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// `postgres` or `sqlite`, for logs and health output.
    fn backend(&self) -> &'static str;

    async fn health(&self) -> StoreResult<()>;

    /// Makes sure a user's profile and default settings exist; the first authenticated
    /// request of a new user lands here. Returns whether the user was new.
    async fn ensure_user(&self, user_id: &str, email: Option<&str>) -> StoreResult<bool>;

    /// Registers a local account, creating its user. `Conflict` if the e-mail is taken.
    async fn create_local_account(&self, email: &str, password_hash: &str) -> StoreResult<String>;

    async fn local_account(&self, email: &str) -> StoreResult<Option<LocalAccount>>;
    /// The local account of a user (for a password change), if they have one.
    async fn local_account_of(&self, user_id: &str) -> StoreResult<Option<LocalAccount>>;
    /// Replaces the password hash and ends every session of the user, in one transaction.
    async fn change_password(&self, user_id: &str, password_hash: &str) -> StoreResult<()>;
    /// Starts a sign-in session; its id goes into the token.
    async fn start_session(&self, user_id: &str) -> StoreResult<String>;
    /// Whether the session exists, belongs to `user_id` and has not ended.
    async fn session_active(&self, session_id: &str, user_id: &str) -> StoreResult<bool>;
    /// Ends one session (sign-out); ending an ended or unknown one is not an error.
    async fn end_session(&self, session_id: &str) -> StoreResult<()>;

    /// Returns the secret stored under `name`, storing `candidate` first if there is none,
    /// so every server process on one database agrees on it.
    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String>;

    /// Writes the library catalogue (idempotent: insert or replace by id).
    async fn replace_exercises(&self, rows: &[LibraryExercise]) -> StoreResult<()>;

    async fn exercises(&self) -> StoreResult<Vec<LibraryExercise>>;

    /// The user's settings record in wire form.
    async fn user_settings(&self, user_id: &str) -> StoreResult<Option<WireRecord>>;

    /// Applies a validated push in one transaction: all of it, or nothing on error.
    async fn push(&self, user_id: &str, push: &crate::sync::ValidPush)
        -> StoreResult<PushResponse>;

    /// Reads the user's changes (or whole state) and the cursor from one snapshot.
    async fn pull(&self, user_id: &str, query: crate::sync::PullQuery)
        -> StoreResult<PullResponse>;

    /// The user's live records of some tables, read in one snapshot (server rendering).
    async fn records(
        &self,
        user_id: &str,
        tables: &[&str],
    ) -> StoreResult<BTreeMap<String, Vec<WireRecord>>> {
        Ok(self.records_stamped(user_id, tables).await?.1)
    }

    /// [`Store::records`] and the [`Store::change_stamp`] they are as of, from one
    /// snapshot.
    async fn records_stamped(
        &self,
        user_id: &str,
        tables: &[&str],
    ) -> StoreResult<(i64, BTreeMap<String, Vec<WireRecord>>)>;

    /// A number that grows with every write to the user's records (the cursor of the
    /// last change; 0 before any): what is computed from them stays valid while it stays.
    async fn change_stamp(&self, user_id: &str) -> StoreResult<i64>;

    /// Of `ids`, those the user has or ever had in `table`, live or deleted (the change
    /// log knows every record it ever held): what an import must never write again.
    async fn known_ids(
        &self,
        user_id: &str,
        table: &str,
        ids: &[&str],
    ) -> StoreResult<std::collections::HashSet<String>>;

    /// Applies pushes one after another in one transaction (an import: all of it or
    /// nothing). Batches are taken as they are written, so the caller need not build
    /// every record first. A batch with a child whose parent is missing fails the whole.
    async fn import(
        &self,
        user_id: &str,
        batches: &mut (dyn Iterator<Item = StoreResult<crate::sync::ValidPush>> + Send),
    ) -> StoreResult<()>;

    /// The user's change log in order.
    async fn change_log(&self, user_id: &str) -> StoreResult<Vec<ChangeRow>>;

    async fn close(&self);
}

/// The user's `last_change_at`, which every write advances (0 for an unknown user).
async fn read_stamp(db: &mut dyn db::Db, user_id: &str) -> StoreResult<i64> {
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

/// Opens the store named by `url` (`sqlite:…` or `postgres:…`) and runs its migrations.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    connect_waiting(url, std::time::Duration::from_secs(10)).await
}

/// [`connect`], with writers on SQLite waiting at most `lock_wait` for the database's one
/// write lock before failing as busy (answered `503` with `Retry-After`): kept below the
/// request timeout so that a long wait is an outage the client retries, not a `408`.
pub async fn connect_waiting(
    url: &str,
    lock_wait: std::time::Duration,
) -> StoreResult<Arc<dyn Store>> {
    let backend: Box<dyn Backend> = if url.starts_with("sqlite:") {
        Box::new(sqlite::Sqlite::connect(url, lock_wait).await?)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Box::new(postgres::Postgres::connect(url).await?)
    } else {
        return Err(StoreError::Config(
            "DATABASE_URL must start with sqlite: or postgres:".into(),
        ));
    };
    Ok(Arc::new(SqlStore { backend }))
}

/// What a backend contributes: its dialect and its transactions.
#[async_trait]
trait Backend: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn dialect(&self) -> Dialect;
    async fn begin(&self) -> Result<Box<dyn Tx>, sqlx::Error>;
    /// A read-only transaction whose reads all see one snapshot.
    async fn begin_snapshot(&self) -> Result<Box<dyn Tx>, sqlx::Error>;
    async fn close(&self);

    /// [`Store::import`]: by default every batch in one transaction, which on a store
    /// with row locks holds only the importing user's row.
    async fn import(
        &self,
        user_id: &str,
        batches: &mut (dyn Iterator<Item = StoreResult<crate::sync::ValidPush>> + Send),
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let mut cursor = None;
        for batch in batches {
            import_batch(&mut *tx, self.dialect(), user_id, batch?, &mut cursor).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Applies one batch of an import in the caller's transaction. The first batch is checked
/// against the account from the caller's cursor; each later one from the stamp of the
/// batch before it, as the transaction has held the user's row since (so only the
/// import's own writes came after). A batch with an orphan fails the import.
async fn import_batch(
    tx: &mut dyn db::Db,
    dialect: Dialect,
    user_id: &str,
    mut batch: crate::sync::ValidPush,
    cursor: &mut Option<i64>,
) -> StoreResult<()> {
    if let Some(after) = *cursor {
        batch.last_pulled_at = after;
    }
    let response = sync::push(tx, dialect, user_id, &batch).await?;
    if let Some((table, ids)) = response.experimental_rejected_ids.iter().next() {
        // The caller drops the transaction, which rolls it back.
        return Err(StoreError::Invalid(format!(
            "{table} {} points at a record that does not exist",
            ids.first().map_or("", String::as_str)
        )));
    }
    *cursor = Some(read_stamp(tx, user_id).await?);
    Ok(())
}

struct SqlStore {
    backend: Box<dyn Backend>,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl SqlStore {
    /// Inserts the profile if missing; on first creation also writes default settings
    /// through the change log so every device receives them.
    async fn create_profile(
        &self,
        tx: &mut dyn Tx,
        user_id: &str,
        email: Option<&str>,
    ) -> StoreResult<bool> {
        let now = now_ms();
        let inserted = tx
            .execute(
                "insert into user_profile (id, email, created_at, last_change_at) \
                 values ($1, $2, $3, 0) on conflict (id) do nothing",
                vec![
                    SqlValue::text(user_id),
                    SqlValue::Text(email.map(str::to_owned)),
                    SqlValue::int(now),
                ],
            )
            .await?;
        if inserted == 0 {
            return Ok(false);
        }
        let dialect = self.backend.dialect();
        let stamp = changes::stamp(tx, dialect, user_id).await?;
        let settings_table = table("user_settings").expect("registry has user_settings");
        let id = uuid::Uuid::new_v4().to_string();
        let values = changes::record_values(settings_table, &changes::default_settings(&id, now))?;
        changes::write_record(
            tx,
            dialect,
            settings_table,
            user_id,
            &id,
            values,
            stamp,
            changes::ChangeType::Created,
        )
        .await?;
        Ok(true)
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        self.backend.name()
    }

    #[instrument(skip_all)]
    async fn health(&self) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        let one = tx.fetch_int("select cast(1 as bigint)", vec![]).await?;
        debug_assert_eq!(one, 1);
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn ensure_user(&self, user_id: &str, email: Option<&str>) -> StoreResult<bool> {
        let mut tx = self.backend.begin().await?;
        let created = self.create_profile(&mut *tx, user_id, email).await?;
        tx.commit().await?;
        Ok(created)
    }

    #[instrument(skip_all)]
    async fn create_local_account(&self, email: &str, password_hash: &str) -> StoreResult<String> {
        let user_id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.backend.begin().await?;
        self.create_profile(&mut *tx, &user_id, Some(email)).await?;
        let insert = tx
            .execute(
                "insert into local_account (user_id, email, password_hash, created_at) \
                 values ($1, $2, $3, $4)",
                vec![
                    SqlValue::text(&user_id),
                    SqlValue::text(email),
                    SqlValue::text(password_hash),
                    SqlValue::int(now_ms()),
                ],
            )
            .await;
        match insert {
            Ok(_) => {}
            Err(e) if StoreError::is_unique_violation(&e) => {
                return Err(StoreError::Conflict(
                    "an account with this e-mail already exists".into(),
                ))
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit().await?;
        Ok(user_id)
    }

    #[instrument(skip_all)]
    async fn local_account(&self, email: &str) -> StoreResult<Option<LocalAccount>> {
        let mut tx = self.backend.begin().await?;
        let row = tx
            .fetch_optional(
                "select user_id, email, password_hash from local_account where email = $1",
                vec![SqlValue::text(email)],
                &[ColumnKind::Text, ColumnKind::Text, ColumnKind::Text],
            )
            .await?;
        tx.commit().await?;
        Ok(row.map(LocalAccount::from_row))
    }

    #[instrument(skip_all)]
    async fn local_account_of(&self, user_id: &str) -> StoreResult<Option<LocalAccount>> {
        let mut tx = self.backend.begin().await?;
        let row = tx
            .fetch_optional(
                "select user_id, email, password_hash from local_account where user_id = $1",
                vec![SqlValue::text(user_id)],
                &[ColumnKind::Text, ColumnKind::Text, ColumnKind::Text],
            )
            .await?;
        tx.commit().await?;
        Ok(row.map(LocalAccount::from_row))
    }

    #[instrument(skip_all)]
    async fn change_password(&self, user_id: &str, password_hash: &str) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        let changed = tx
            .execute(
                "update local_account set password_hash = $2 where user_id = $1",
                vec![SqlValue::text(user_id), SqlValue::text(password_hash)],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            "update auth_session set ended_at = $2 where user_id = $1 and ended_at is null",
            vec![SqlValue::text(user_id), SqlValue::int(now_ms())],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn start_session(&self, user_id: &str) -> StoreResult<String> {
        let id = uuid::Uuid::new_v4().to_string();
        let mut tx = self.backend.begin().await?;
        tx.execute(
            "insert into auth_session (id, user_id, created_at) values ($1, $2, $3)",
            vec![
                SqlValue::text(&id),
                SqlValue::text(user_id),
                SqlValue::int(now_ms()),
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    #[instrument(skip_all)]
    async fn session_active(&self, session_id: &str, user_id: &str) -> StoreResult<bool> {
        let mut tx = self.backend.begin().await?;
        let found = tx
            .fetch_optional(
                "select id from auth_session \
                 where id = $1 and user_id = $2 and ended_at is null",
                vec![SqlValue::text(session_id), SqlValue::text(user_id)],
                &[ColumnKind::Text],
            )
            .await?;
        tx.commit().await?;
        Ok(found.is_some())
    }

    #[instrument(skip_all)]
    async fn end_session(&self, session_id: &str) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        tx.execute(
            "update auth_session set ended_at = $2 where id = $1 and ended_at is null",
            vec![SqlValue::text(session_id), SqlValue::int(now_ms())],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String> {
        let mut tx = self.backend.begin().await?;
        tx.execute(
            "insert into server_secret (name, value, created_at) values ($1, $2, $3) \
             on conflict (name) do nothing",
            vec![
                SqlValue::text(name),
                SqlValue::text(candidate),
                SqlValue::int(now_ms()),
            ],
        )
        .await?;
        let value = tx
            .fetch_value(
                "select value from server_secret where name = $1",
                vec![SqlValue::text(name)],
                ColumnKind::Text,
            )
            .await?
            .and_then(SqlValue::into_text)
            .ok_or(StoreError::NotFound)?;
        tx.commit().await?;
        Ok(value)
    }

    #[instrument(skip_all)]
    async fn replace_exercises(&self, rows: &[LibraryExercise]) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        for row in rows {
            tx.execute(
                "insert into exercises (id, name, category, equipment, primary_muscle, \
                 secondary_muscles, tracking) values ($1, $2, $3, $4, $5, $6, $7) \
                 on conflict (id) do update \
                 set name = excluded.name, category = excluded.category, \
                 equipment = excluded.equipment, primary_muscle = excluded.primary_muscle, \
                 secondary_muscles = excluded.secondary_muscles, tracking = excluded.tracking",
                vec![
                    SqlValue::text(&row.id),
                    SqlValue::text(&row.name),
                    SqlValue::text(&row.category),
                    SqlValue::text(&row.equipment),
                    SqlValue::text(&row.primary_muscle),
                    SqlValue::text(row.secondary_muscles.join(",")),
                    SqlValue::text(row.tracking.as_str()),
                ],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn exercises(&self) -> StoreResult<Vec<LibraryExercise>> {
        let mut tx = self.backend.begin().await?;
        let rows = tx
            .fetch(
                "select id, name, category, equipment, primary_muscle, secondary_muscles, \
                 tracking from exercises order by name, id",
                vec![],
                &[ColumnKind::Text; 7],
            )
            .await?;
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let mut it = row.into_iter().map(|v| v.into_text().unwrap_or_default());
                let mut next = || it.next().unwrap_or_default();
                let (id, name, category, equipment, primary_muscle) =
                    (next(), next(), next(), next(), next());
                let secondary = next();
                let tracking = Tracking::parse(Some(&next()));
                LibraryExercise {
                    id,
                    name,
                    category,
                    equipment,
                    primary_muscle,
                    secondary_muscles: secondary
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    tracking,
                }
            })
            .collect())
    }

    #[instrument(skip_all)]
    async fn user_settings(&self, user_id: &str) -> StoreResult<Option<WireRecord>> {
        let settings = table("user_settings").expect("registry has user_settings");
        let mut tx = self.backend.begin().await?;
        let record = changes::read_record_of_user(&mut *tx, settings, user_id).await?;
        tx.commit().await?;
        Ok(record)
    }

    #[instrument(skip_all)]
    async fn push(
        &self,
        user_id: &str,
        push: &crate::sync::ValidPush,
    ) -> StoreResult<PushResponse> {
        let mut tx = self.backend.begin().await?;
        let response = sync::push(&mut *tx, self.backend.dialect(), user_id, push).await?;
        tx.commit().await?;
        Ok(response)
    }

    #[instrument(skip_all)]
    async fn pull(
        &self,
        user_id: &str,
        query: crate::sync::PullQuery,
    ) -> StoreResult<PullResponse> {
        let mut tx = self.backend.begin_snapshot().await?;
        let response = sync::pull(&mut *tx, user_id, query).await?;
        tx.commit().await?;
        Ok(response)
    }

    #[instrument(skip_all)]
    async fn records_stamped(
        &self,
        user_id: &str,
        tables: &[&str],
    ) -> StoreResult<(i64, BTreeMap<String, Vec<WireRecord>>)> {
        let mut tx = self.backend.begin_snapshot().await?;
        let stamp = read_stamp(&mut *tx, user_id).await?;
        let mut out = BTreeMap::new();
        for def in tables.iter().filter_map(|name| table(name)) {
            let rows = sync::live_records(&mut *tx, user_id, def, SCHEMA_VERSION).await?;
            out.insert(def.name.to_owned(), rows);
        }
        tx.commit().await?;
        Ok((stamp, out))
    }

    async fn change_stamp(&self, user_id: &str) -> StoreResult<i64> {
        let mut tx = self.backend.begin().await?;
        let stamp = read_stamp(&mut *tx, user_id).await?;
        tx.commit().await?;
        Ok(stamp)
    }

    async fn known_ids(
        &self,
        user_id: &str,
        table: &str,
        ids: &[&str],
    ) -> StoreResult<std::collections::HashSet<String>> {
        let def = app::model::tables::table(table)
            .ok_or_else(|| StoreError::Invalid(format!("unknown table {table}")))?;
        let mut tx = self.backend.begin_snapshot().await?;
        let found = sync::known_ids(&mut *tx, user_id, def, ids).await?;
        tx.commit().await?;
        Ok(found)
    }

    #[instrument(skip_all)]
    async fn import(
        &self,
        user_id: &str,
        batches: &mut (dyn Iterator<Item = StoreResult<crate::sync::ValidPush>> + Send),
    ) -> StoreResult<()> {
        self.backend.import(user_id, batches).await
    }

    #[instrument(skip_all)]
    async fn change_log(&self, user_id: &str) -> StoreResult<Vec<ChangeRow>> {
        let dialect = self.backend.dialect();
        let mut tx = self.backend.begin().await?;
        let rows = tx
            .fetch(
                &format!(
                    "select table_name, record_id, change_type, {}, \"timestamp\" from changes \
                     where user_id = $1 order by id",
                    dialect.json_text("changes")
                ),
                vec![SqlValue::text(user_id)],
                &[
                    ColumnKind::Text,
                    ColumnKind::Text,
                    ColumnKind::Text,
                    ColumnKind::Text,
                    ColumnKind::Int,
                ],
            )
            .await?;
        tx.commit().await?;
        rows.into_iter()
            .map(|row| {
                let mut it = row.into_iter();
                let mut text = || it.next().and_then(SqlValue::into_text).unwrap_or_default();
                let (table_name, record_id, change_type, json) = (text(), text(), text(), text());
                let timestamp = it.next().and_then(SqlValue::into_int).unwrap_or_default();
                Ok(ChangeRow {
                    table_name,
                    record_id,
                    change_type,
                    changes: serde_json::from_str(&json)
                        .map_err(|e| StoreError::Other(sqlx::Error::Decode(Box::new(e))))?,
                    timestamp,
                })
            })
            .collect()
    }

    async fn close(&self) {
        self.backend.close().await;
    }
}
