//! The store of record: one trait, a PostgreSQL and a SQLite backend.
//!
//! Operations are written once against [`db::Db`]; a backend contributes only its pool,
//! its migrations and its dialect. The backend is picked from the URL scheme at start-up.

mod accounts;
mod alerts;
mod backend;
mod changes;
pub mod changeset;
pub mod db;
mod error;
mod library;
mod limits;
mod lookup;
mod postgres;
mod pull;
mod push;
mod reads;
pub mod record;
mod settings;
pub mod sql;
mod sqlite;
mod staged_import;

pub use accounts::LocalAccount;
pub use alerts::{DueAlert, PushTarget, ScheduledAlert};
pub use backend::PoolUsage;
pub use changes::now_ms;
pub use error::{StoreError, StoreResult};
pub use limits::AttemptRate;
pub use lookup::latest_changes_sql;
pub use push::Pushed;
pub use reads::{Freshness, ReadsServed};

use backend::Backend;
use reads::{Node, ReadCounters};

use app::model::wire::PullResponse;
use app::model::LibraryExercise;
use app::model::{tables::table, ColumnKind, SCHEMA_VERSION};
use async_trait::async_trait;
use db::SqlValue;
use record::WireRecord;
use std::collections::BTreeMap;
use std::sync::Arc;
use tracing::instrument;

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

    /// This process's connections to the database (for the metrics).
    fn pool_usage(&self) -> PoolUsage;

    /// Snapshot reads served so far by the primary and by the standby.
    fn reads_served(&self) -> ReadsServed;

    /// Whether the database takes writes now: false on a standby (in recovery) or a
    /// database set read-only, where every push would fail.
    async fn accepts_writes(&self) -> StoreResult<bool>;

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
    /// Ends one session of the user (sign-out); ending an ended or unknown one is not an
    /// error. By user and id, as the sessions are keyed (and would be sharded) by user.
    async fn end_session(&self, session_id: &str, user_id: &str) -> StoreResult<()>;

    /// Spends one attempt of `key` (an opaque key: the caller hashes what it limits) at
    /// `rate`; when none is left, how long until the next. Every process on the database
    /// counts the same attempts.
    async fn take_attempt(
        &self,
        key: &str,
        rate: AttemptRate,
    ) -> StoreResult<Result<(), std::time::Duration>>;

    /// Returns the secret stored under `name`, storing `candidate` first if there is none,
    /// so every server process on one database agrees on it.
    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String>;

    /// Keeps a browser's push subscription for the user (moving it from another user who
    /// signed in on that browser before).
    async fn save_push_subscription(&self, user_id: &str, target: &PushTarget) -> StoreResult<()>;
    /// Forgets the user's subscription and any alert waiting on it.
    async fn forget_push_subscription(&self, user_id: &str, endpoint: &str) -> StoreResult<()>;
    /// Schedules the subscription's rest alert in place of its last; false when the user
    /// has no such subscription.
    async fn schedule_rest_alert(&self, user_id: &str, alert: &ScheduledAlert)
        -> StoreResult<bool>;
    async fn cancel_rest_alert(&self, user_id: &str, endpoint: &str) -> StoreResult<()>;
    /// When the next alert of any user is due.
    async fn next_rest_alert(&self) -> StoreResult<Option<i64>>;
    /// Takes (removes) up to `limit` alerts due by `now` for this process to send.
    async fn take_due_rest_alerts(&self, now: i64, limit: i64) -> StoreResult<Vec<DueAlert>>;

    /// Writes the library catalogue (idempotent: insert or replace by id).
    async fn replace_exercises(&self, rows: &[LibraryExercise]) -> StoreResult<()>;

    async fn exercises(&self) -> StoreResult<Vec<LibraryExercise>>;

    /// The user's settings record in wire form.
    async fn user_settings(&self, user_id: &str) -> StoreResult<Option<WireRecord>>;

    /// Applies a validated push in one transaction: all of it, or nothing on error.
    async fn push(&self, user_id: &str, push: &changeset::ValidPush) -> StoreResult<Pushed>;

    /// Reads the user's changes (or whole state) and the cursor from one snapshot, on the
    /// standby when it has replayed up to the pull's cursor.
    async fn pull(&self, user_id: &str, query: changeset::PullQuery) -> StoreResult<PullResponse> {
        let seen = Freshness::Seen(query.last_pulled_at.unwrap_or(0));
        self.pull_from(user_id, query, seen).await
    }

    /// [`Store::pull`] read from a copy as fresh as `freshness` asks: the server's own
    /// pulls (the records pages compute from) must also reach what the browser has seen,
    /// which may be past their cursor.
    async fn pull_from(
        &self,
        user_id: &str,
        query: changeset::PullQuery,
        freshness: Freshness,
    ) -> StoreResult<PullResponse>;

    /// The user's live records of some tables, read in one snapshot of the primary.
    async fn records(
        &self,
        user_id: &str,
        tables: &[&str],
    ) -> StoreResult<BTreeMap<String, Vec<WireRecord>>> {
        Ok(self
            .records_stamped(user_id, tables, Freshness::Latest)
            .await?
            .1)
    }

    /// [`Store::records`] and the [`Store::change_stamp`] they are as of, from one
    /// snapshot of a node as fresh as `freshness` asks (server rendering, exports).
    async fn records_stamped(
        &self,
        user_id: &str,
        tables: &[&str],
        freshness: Freshness,
    ) -> StoreResult<(i64, BTreeMap<String, Vec<WireRecord>>)>;

    /// A number that grows with every write to the user's records (the cursor of the
    /// last change; 0 before any): what is computed from them stays valid while it stays.
    async fn change_stamp(&self, user_id: &str, freshness: Freshness) -> StoreResult<i64>;

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
        batches: &mut (dyn Iterator<Item = StoreResult<changeset::ValidPush>> + Send),
    ) -> StoreResult<()>;

    /// The user's change log in order.
    async fn change_log(&self, user_id: &str) -> StoreResult<Vec<ChangeRow>>;

    /// The user's `deleted` changes stamped at or after `since`, in order: what "recently
    /// deleted" lists, and the records one delete took with it.
    async fn deletions_since(&self, user_id: &str, since: i64) -> StoreResult<Vec<ChangeRow>>;

    /// Every change of `ids` of `table`, in order: a deleted record's last content is its
    /// last change before the delete (the log keeps the whole record of each change).
    async fn changes_of(
        &self,
        user_id: &str,
        table: &str,
        ids: &[&str],
    ) -> StoreResult<Vec<ChangeRow>>;

    async fn close(&self);
}

/// Opens the store named by `url` (`sqlite:…` or `postgres:…`) and runs its migrations.
pub async fn connect(url: &str) -> StoreResult<Arc<dyn Store>> {
    connect_with(url, &Options::default()).await
}

/// How a store is opened beyond its URL.
#[derive(Debug, Clone)]
pub struct Options {
    /// Writers on SQLite wait at most this long for the database's one write lock before
    /// failing as busy (answered `503` with `Retry-After`): kept below the request timeout
    /// so that a long wait is an outage the client retries, not a `408`.
    pub lock_wait: std::time::Duration,
    /// A streaming standby of the PostgreSQL primary that pulls, pages and exports read
    /// from whenever it has replayed what their caller has seen.
    pub standby_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            lock_wait: std::time::Duration::from_secs(10),
            standby_url: None,
        }
    }
}

/// [`connect`] with [`Options`].
pub async fn connect_with(url: &str, options: &Options) -> StoreResult<Arc<dyn Store>> {
    let backend: Box<dyn Backend> = if url.starts_with("sqlite:") {
        if options.standby_url.is_some() {
            return Err(StoreError::Config(
                "DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL (SQLite has no standby)"
                    .into(),
            ));
        }
        Box::new(sqlite::Sqlite::connect(url, options.lock_wait).await?)
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Box::new(postgres::Postgres::connect(url, options.standby_url.as_deref()).await?)
    } else {
        return Err(StoreError::Config(
            "DATABASE_URL must start with sqlite: or postgres:".into(),
        ));
    };
    Ok(Arc::new(SqlStore {
        backend,
        reads: ReadCounters::default(),
    }))
}

struct SqlStore {
    backend: Box<dyn Backend>,
    reads: ReadCounters,
}

/// What a read of the primary needs: one statement's view, or several statements agreeing
/// on one snapshot (a standby read is always a snapshot).
#[derive(Clone, Copy)]
enum OnPrimary {
    OneStatement,
    Snapshot,
}

impl SqlStore {
    /// Changes matching `filter` (over `args`), in the order they were written.
    async fn change_rows(&self, filter: &str, args: Vec<SqlValue>) -> StoreResult<Vec<ChangeRow>> {
        let dialect = self.backend.dialect();
        let mut tx = self.backend.begin_snapshot().await?;
        let rows = tx
            .fetch(
                &format!(
                    "select table_name, record_id, change_type, {}, \"timestamp\" from changes \
                     where {filter} order by \"timestamp\", id",
                    dialect.json_text("changes")
                ),
                args,
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
                let mut cells = db::Cells::new(row);
                Ok(ChangeRow {
                    table_name: cells.text("table_name")?,
                    record_id: cells.text("record_id")?,
                    change_type: cells.text("change_type")?,
                    changes: serde_json::from_str(&cells.text("changes")?)
                        .map_err(|e| StoreError::Other(sqlx::Error::Decode(Box::new(e))))?,
                    timestamp: cells.int("timestamp")?,
                })
            })
            .collect()
    }

    /// Where a read of `user_id`'s records runs: the standby when `freshness` lets it
    /// serve, else the primary as `primary` needs.
    async fn begin_read(
        &self,
        user_id: &str,
        freshness: Freshness,
        primary: OnPrimary,
    ) -> StoreResult<Box<dyn db::Tx>> {
        if let Freshness::Seen(seen) = freshness {
            if let Some(tx) = self.backend.begin_standby(user_id, seen).await {
                self.reads.count(Node::Standby);
                return Ok(tx);
            }
        }
        self.reads.count(Node::Primary);
        Ok(match primary {
            OnPrimary::OneStatement => self.backend.begin().await?,
            OnPrimary::Snapshot => self.backend.begin_snapshot().await?,
        })
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> &'static str {
        self.backend.name()
    }

    fn pool_usage(&self) -> PoolUsage {
        self.backend.pool_usage()
    }

    fn reads_served(&self) -> ReadsServed {
        self.reads.served()
    }

    async fn accepts_writes(&self) -> StoreResult<bool> {
        let mut tx = self.backend.begin().await?;
        let writable = tx
            .fetch_int(sql::accepts_writes(self.backend.dialect()), vec![])
            .await?;
        tx.commit().await?;
        Ok(writable == 1)
    }

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
        let created =
            accounts::create_profile(&mut *tx, self.backend.dialect(), user_id, email).await?;
        tx.commit().await?;
        Ok(created)
    }

    #[instrument(skip_all)]
    async fn create_local_account(&self, email: &str, password_hash: &str) -> StoreResult<String> {
        let mut tx = self.backend.begin().await?;
        let out =
            accounts::create_local_account(&mut *tx, self.backend.dialect(), email, password_hash)
                .await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn local_account(&self, email: &str) -> StoreResult<Option<LocalAccount>> {
        let mut tx = self.backend.begin().await?;
        let out = accounts::local_account(&mut *tx, accounts::AccountBy::Email(email)).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn local_account_of(&self, user_id: &str) -> StoreResult<Option<LocalAccount>> {
        let mut tx = self.backend.begin().await?;
        let out = accounts::local_account(&mut *tx, accounts::AccountBy::User(user_id)).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn change_password(&self, user_id: &str, password_hash: &str) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        let out = accounts::change_password(&mut *tx, user_id, password_hash).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn start_session(&self, user_id: &str) -> StoreResult<String> {
        let mut tx = self.backend.begin().await?;
        let out = accounts::start_session(&mut *tx, user_id).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn session_active(&self, session_id: &str, user_id: &str) -> StoreResult<bool> {
        let mut tx = self.backend.begin().await?;
        let out = accounts::session_active(&mut *tx, session_id, user_id).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn end_session(&self, session_id: &str, user_id: &str) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        let out = accounts::end_session(&mut *tx, session_id, user_id).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn take_attempt(
        &self,
        key: &str,
        rate: AttemptRate,
    ) -> StoreResult<Result<(), std::time::Duration>> {
        let mut tx = self.backend.begin().await?;
        let out = limits::take(&mut *tx, self.backend.dialect(), key, rate, now_ms()).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn server_secret(&self, name: &str, candidate: &str) -> StoreResult<String> {
        let mut tx = self.backend.begin().await?;
        let out = accounts::server_secret(&mut *tx, name, candidate).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn save_push_subscription(&self, user_id: &str, target: &PushTarget) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        alerts::save_subscription(&mut *tx, user_id, target, now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn forget_push_subscription(&self, user_id: &str, endpoint: &str) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        alerts::forget_subscription(&mut *tx, user_id, endpoint).await?;
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn schedule_rest_alert(
        &self,
        user_id: &str,
        alert: &ScheduledAlert,
    ) -> StoreResult<bool> {
        let mut tx = self.backend.begin().await?;
        let out = alerts::schedule(&mut *tx, user_id, alert).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn cancel_rest_alert(&self, user_id: &str, endpoint: &str) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        alerts::cancel(&mut *tx, user_id, endpoint).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn next_rest_alert(&self) -> StoreResult<Option<i64>> {
        let mut tx = self.backend.begin().await?;
        let out = alerts::next_due(&mut *tx).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn take_due_rest_alerts(&self, now: i64, limit: i64) -> StoreResult<Vec<DueAlert>> {
        let mut tx = self.backend.begin().await?;
        let out = alerts::take_due(&mut *tx, self.backend.dialect(), now, limit).await?;
        tx.commit().await?;
        Ok(out)
    }

    #[instrument(skip_all)]
    async fn replace_exercises(&self, rows: &[LibraryExercise]) -> StoreResult<()> {
        let mut tx = self.backend.begin().await?;
        library::replace(&mut *tx, rows).await?;
        tx.commit().await?;
        Ok(())
    }

    #[instrument(skip_all)]
    async fn exercises(&self) -> StoreResult<Vec<LibraryExercise>> {
        let mut tx = self.backend.begin().await?;
        let out = library::all(&mut *tx).await?;
        tx.commit().await?;
        Ok(out)
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
    async fn push(&self, user_id: &str, push: &changeset::ValidPush) -> StoreResult<Pushed> {
        let mut tx = self.backend.begin().await?;
        let pushed = push::push(&mut *tx, self.backend.dialect(), user_id, push).await?;
        tx.commit().await?;
        Ok(pushed)
    }

    #[instrument(skip_all)]
    async fn pull_from(
        &self,
        user_id: &str,
        query: changeset::PullQuery,
        freshness: Freshness,
    ) -> StoreResult<PullResponse> {
        let cursor = query.last_pulled_at.unwrap_or(0);
        let seen = match freshness {
            Freshness::Seen(at) => Freshness::Seen(at.max(cursor)),
            Freshness::Latest => Freshness::Latest,
        };
        let mut tx = self.begin_read(user_id, seen, OnPrimary::Snapshot).await?;
        let response = pull::pull(&mut *tx, user_id, query).await?;
        tx.commit().await?;
        Ok(response)
    }

    #[instrument(skip_all)]
    async fn records_stamped(
        &self,
        user_id: &str,
        tables: &[&str],
        freshness: Freshness,
    ) -> StoreResult<(i64, BTreeMap<String, Vec<WireRecord>>)> {
        let mut tx = self
            .begin_read(user_id, freshness, OnPrimary::Snapshot)
            .await?;
        let stamp = changes::last_stamp(&mut *tx, user_id).await?;
        let mut out = BTreeMap::new();
        for def in tables.iter().filter_map(|name| table(name)) {
            let rows = pull::live_records(&mut *tx, user_id, def, SCHEMA_VERSION).await?;
            out.insert(def.name.to_owned(), rows);
        }
        tx.commit().await?;
        Ok((stamp, out))
    }

    async fn change_stamp(&self, user_id: &str, freshness: Freshness) -> StoreResult<i64> {
        let mut tx = self
            .begin_read(user_id, freshness, OnPrimary::OneStatement)
            .await?;
        let stamp = changes::last_stamp(&mut *tx, user_id).await?;
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
        let found = lookup::known_ids(&mut *tx, user_id, def, ids).await?;
        tx.commit().await?;
        Ok(found)
    }

    #[instrument(skip_all)]
    async fn import(
        &self,
        user_id: &str,
        batches: &mut (dyn Iterator<Item = StoreResult<changeset::ValidPush>> + Send),
    ) -> StoreResult<()> {
        self.backend.import(user_id, batches).await
    }

    #[instrument(skip_all)]
    async fn change_log(&self, user_id: &str) -> StoreResult<Vec<ChangeRow>> {
        self.change_rows("user_id = $1", vec![SqlValue::text(user_id)])
            .await
    }

    #[instrument(skip_all)]
    async fn deletions_since(&self, user_id: &str, since: i64) -> StoreResult<Vec<ChangeRow>> {
        self.change_rows(
            "user_id = $1 and \"timestamp\" >= $2 and change_type = 'deleted'",
            vec![SqlValue::text(user_id), SqlValue::int(since)],
        )
        .await
    }

    #[instrument(skip_all)]
    async fn changes_of(
        &self,
        user_id: &str,
        table: &str,
        ids: &[&str],
    ) -> StoreResult<Vec<ChangeRow>> {
        let mut out = Vec::new();
        // One equality per id (see `lookup::union_per_id`).
        for chunk in ids.chunks(lookup::CHUNK) {
            let ors = (0..chunk.len())
                .map(|i| format!("record_id = ${}", i + 3))
                .collect::<Vec<_>>()
                .join(" or ");
            let mut args = vec![SqlValue::text(user_id), SqlValue::text(table)];
            args.extend(chunk.iter().map(|id| SqlValue::text(*id)));
            out.extend(
                self.change_rows(
                    &format!("user_id = $1 and table_name = $2 and ({ors})"),
                    args,
                )
                .await?,
            );
        }
        out.sort_by_key(|r| r.timestamp);
        Ok(out)
    }

    async fn close(&self) {
        self.backend.close().await;
    }
}
