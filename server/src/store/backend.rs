//! What a backend contributes to the store: its name, its dialect, its transactions, and
//! how it takes an import (SQLite stages one; see `staged_import`).

use super::changeset::ValidPush;
use super::db::Tx;
use super::error::StoreResult;
use super::push::import_batch;
use super::reads::{Freshness, Node};
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
    /// A snapshot for reading `user_id`'s records at `freshness`, and the node it is on:
    /// by default the one database.
    async fn begin_read(
        &self,
        _user_id: &str,
        _freshness: Freshness,
    ) -> Result<(Box<dyn Tx>, Node), sqlx::Error> {
        Ok((self.begin_snapshot().await?, Node::Primary))
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
