//! What a backend contributes to the store: its name, its dialect, its transactions, and
//! how it takes an import (SQLite stages one; see `staged_import`).

use super::changeset::ValidPush;
use super::db::Tx;
use super::error::StoreResult;
use super::push::import_batch;
use super::sql::Dialect;
use async_trait::async_trait;

/// What a backend contributes: its dialect and its transactions.
#[async_trait]
pub(super) trait Backend: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    fn dialect(&self) -> Dialect;
    async fn begin(&self) -> Result<Box<dyn Tx>, sqlx::Error>;
    /// A read-only transaction whose reads all see one snapshot.
    async fn begin_snapshot(&self) -> Result<Box<dyn Tx>, sqlx::Error>;
    /// A snapshot on a standby that has replayed `user_id`'s changes up to `seen`, if the
    /// backend has one that can serve now: by default none.
    async fn begin_standby(&self, _user_id: &str, _seen: i64) -> Option<Box<dyn Tx>> {
        None
    }
    async fn close(&self);
    fn pool_usage(&self) -> PoolUsage;

    /// `Store::import`: by default every batch in one transaction, which on a store
    /// with row locks holds only the importing user's row.
    async fn import(
        &self,
        user_id: &str,
        batches: &mut (dyn Iterator<Item = StoreResult<ValidPush>> + Send),
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

/// A process's connections to the database: open, and of those idle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    pub size: u32,
    pub idle: usize,
}
