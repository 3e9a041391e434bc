//! PostgreSQL: the store of record for production, CI and benchmarks.

use super::backend::Backend;
use super::db::Tx;
use super::error::StoreResult;
use super::sql::Dialect;
use async_trait::async_trait;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};
use std::time::Duration;

static MIGRATOR: Migrator = sqlx::migrate!("../migrations/postgres");

pub struct Postgres {
    pool: PgPool,
}

impl Postgres {
    pub async fn connect(url: &str) -> StoreResult<Self> {
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
        Ok(Self { pool })
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
        let mut tx = self.pool.begin().await?;
        // Read committed would give each statement its own snapshot; the cursor and the
        // changes must come from the same one (DESIGN.md §4).
        sqlx::query("set transaction isolation level repeatable read, read only")
            .execute(&mut *tx)
            .await?;
        Ok(Box::new(tx))
    }

    fn pool_usage(&self) -> super::PoolUsage {
        super::PoolUsage {
            size: self.pool.size(),
            idle: self.pool.num_idle(),
        }
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
