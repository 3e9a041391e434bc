//! SQLite: the embedded default, so the app runs on a fresh machine with nothing to start.

use super::backend::{Backend, PoolUsage};
use super::db::Tx;
use super::error::{StoreError, StoreResult};
use super::sql::Dialect;
use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/sqlite");

pub struct Sqlite {
    pool: SqlitePool,
    /// What each connection is opened with (an import's publishing one too).
    options: SqliteConnectOptions,
    /// The database file; `None` in memory.
    file: Option<std::path::PathBuf>,
}

impl Sqlite {
    pub async fn connect(url: &str, lock_wait: Duration) -> StoreResult<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            // Writers queue on the database lock instead of failing at once.
            .busy_timeout(lock_wait);
        let file = options.get_filename().to_path_buf();
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Config(format!(
                    "cannot create data directory {}: {e}",
                    dir.display()
                ))
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        MIGRATOR.run(&pool).await?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        Ok(Self {
            pool,
            file: (!in_memory).then_some(file),
            options,
        })
    }
}

#[async_trait]
impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn begin(&self) -> Result<Box<dyn Tx>, sqlx::Error> {
        Ok(Box::new(self.pool.begin().await?))
    }

    async fn begin_snapshot(&self) -> Result<Box<dyn Tx>, sqlx::Error> {
        // In WAL mode a transaction's first read fixes its snapshot until it ends.
        Ok(Box::new(self.pool.begin().await?))
    }

    fn pool_usage(&self) -> PoolUsage {
        PoolUsage {
            size: self.pool.size(),
            idle: self.pool.num_idle(),
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    /// Staged, so that other users' writes go on while it runs (see `staged_import`).
    async fn import(
        &self,
        user_id: &str,
        batches: &mut (dyn Iterator<Item = StoreResult<crate::store::changeset::ValidPush>> + Send),
    ) -> StoreResult<()> {
        match &self.file {
            Some(file) => {
                super::staged_import::import(&self.options, &MIGRATOR, file, user_id, batches).await
            }
            None => {
                let mut tx = self.begin().await?;
                let mut cursor = None;
                for batch in batches {
                    super::push::import_batch(
                        &mut *tx,
                        self.dialect(),
                        user_id,
                        batch?,
                        &mut cursor,
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    }
}
