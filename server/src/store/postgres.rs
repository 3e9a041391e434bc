//! PostgreSQL: the store of record for production, CI and benchmarks, with an optional
//! streaming standby for reads.

use super::backend::{Backend, PoolUsage};
use super::db::Tx;
use super::error::StoreResult;
use super::sql::Dialect;
use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::Postgres as Pg;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

/// How long reads skip a standby that failed, before trying it again: a standby that is
/// down costs one failed connection attempt per pause, not one per read.
const STANDBY_PAUSE_MS: i64 = 5_000;

pub struct Postgres {
    pool: PgPool,
    standby: Option<Standby>,
}

/// A streaming standby that snapshot reads go to when it has replayed what their caller
/// has seen.
struct Standby {
    pool: PgPool,
    /// Until when (ms since the epoch) reads skip it after a failure; 0 while it answers.
    paused_until: AtomicI64,
}

impl Postgres {
    pub async fn connect(url: &str, standby_url: Option<&str>) -> StoreResult<Self> {
        // While the database is down a request waits this long for a connection, then is
        // answered 503; idle connections are checked before use (sqlx's default), so after
        // a restart the pool replaces the dead ones by itself.
        let pool = PgPoolOptions::new()
            .max_connections(32)
            .acquire_timeout(Duration::from_secs(3))
            .connect(url)
            .await?;
        // sqlx serialises concurrent migrators with an advisory lock, so several server
        // processes may start at once against one database.
        MIGRATOR.run(&pool).await?;
        // Opened lazily: the server starts, and serves from the primary, while the standby
        // is down; it gets the primary's migrations by replaying them.
        let standby = standby_url
            .map(|url| {
                PgPoolOptions::new()
                    .max_connections(32)
                    .acquire_timeout(Duration::from_secs(1))
                    .connect_lazy(url)
            })
            .transpose()?
            .map(|pool| Standby {
                pool,
                paused_until: AtomicI64::new(0),
            });
        Ok(Self { pool, standby })
    }
}

/// Read committed would give each statement its own snapshot; the cursor and the changes
/// must come from the same one (DESIGN.md §4).
async fn snapshot(pool: &PgPool) -> Result<sqlx::Transaction<'static, Pg>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

impl Standby {
    /// A snapshot on the standby if it has replayed the user's changes up to `seen`.
    async fn snapshot_since(
        &self,
        user_id: &str,
        seen: i64,
    ) -> Result<Option<Box<dyn Tx>>, sqlx::Error> {
        let mut tx = snapshot(&self.pool).await?;
        let stamp: Option<i64> =
            sqlx::query_scalar("select last_change_at from user_profile where id = $1")
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        Ok((stamp.unwrap_or(0) >= seen).then(|| Box::new(tx) as Box<dyn Tx>))
    }

    async fn read(&self, user_id: &str, seen: i64) -> Option<Box<dyn Tx>> {
        let now = super::changes::now_ms();
        if self.paused_until.load(Ordering::Relaxed) > now {
            return None;
        }
        match self.snapshot_since(user_id, seen).await {
            Ok(tx) => {
                if self.paused_until.swap(0, Ordering::Relaxed) != 0 {
                    tracing::info!("the standby serves reads again");
                }
                tx
            }
            Err(e) => {
                if self
                    .paused_until
                    .swap(now + STANDBY_PAUSE_MS, Ordering::Relaxed)
                    == 0
                {
                    tracing::warn!(error = %e, "the standby cannot serve reads; reading the primary");
                }
                None
            }
        }
    }
}

#[async_trait]
impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn begin(&self) -> Result<Box<dyn Tx>, sqlx::Error> {
        Ok(Box::new(self.pool.begin().await?))
    }

    async fn begin_snapshot(&self) -> Result<Box<dyn Tx>, sqlx::Error> {
        Ok(Box::new(snapshot(&self.pool).await?))
    }

    async fn begin_standby(&self, user_id: &str, seen: i64) -> Option<Box<dyn Tx>> {
        self.standby.as_ref()?.read(user_id, seen).await
    }

    fn pool_usage(&self) -> PoolUsage {
        PoolUsage {
            size: self.pool.size(),
            idle: self.pool.num_idle(),
        }
    }

    async fn close(&self) {
        self.pool.close().await;
        if let Some(standby) = &self.standby {
            standby.pool.close().await;
        }
    }
}
