//! Each user's records held in memory between the renders that compute figures from
//! them, typed and indexed as a browser's replica holds them, and brought up to date from
//! the change log. After a push, the next page applies the pushed records (an incremental
//! pull of what changed since the held stamp) instead of reading years of sets again.

use crate::store::changeset::PullQuery;
use crate::store::{Freshness, Store, StoreResult};
use app::local::memory::IndexedRecords;
use app::local::Query;
use app::model::SCHEMA_VERSION;
use moka::sync::Cache;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{OwnedRwLockReadGuard, RwLock};

/// What one held record is weighed at: a record as a map of its columns plus its typed
/// copy and index entries. Measured (`./dev bench query`): W1 held with every page's
/// indexes adds 1,773 B of resident memory per record; weighed a little above that.
const BYTES_PER_RECORD: u64 = 2048;

/// A user's records as of `stamp` (`None` until first read).
#[derive(Default)]
pub struct Memory {
    stamp: Option<i64>,
    records: IndexedRecords,
}

impl Memory {
    /// The user's change stamp the records are as of.
    pub fn stamp(&self) -> i64 {
        self.stamp.unwrap_or(0)
    }

    /// A typed query over the records.
    pub fn query<R>(&self, f: impl FnOnce(&Query) -> R) -> R {
        self.records.query(f)
    }
}

struct Held {
    memory: Arc<RwLock<Memory>>,
    /// The weight the cache last gave the entry, updated when its record count changes.
    weight: AtomicU32,
}

/// The users' held records, bounded by their weighed bytes (least useful first out).
pub struct HeldRecords {
    store: Arc<dyn Store>,
    users: Cache<String, Arc<Held>>,
    /// Users' records read whole (a first page, or after being let go).
    whole_reads: AtomicU64,
    /// Updates that read only the changes since the held stamp.
    change_reads: AtomicU64,
}

/// What [`HeldRecords`] holds and has read.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeldUsage {
    pub bytes: u64,
    pub users: u64,
    pub whole_reads: u64,
    pub change_reads: u64,
}

impl HeldRecords {
    pub fn new(store: Arc<dyn Store>, bytes: u64) -> Self {
        Self {
            store,
            users: Cache::builder()
                .max_capacity(bytes)
                .weigher(|_, held: &Arc<Held>| held.weight.load(Ordering::Relaxed))
                .build(),
            whole_reads: AtomicU64::new(0),
            change_reads: AtomicU64::new(0),
        }
    }

    /// The user's records as of `at` or later, where `freshness` allows reading them,
    /// held for reading by the caller: computations of a user's figures run side by side;
    /// an update waits for them, and those after it wait for the update.
    pub async fn current(
        &self,
        user_id: &str,
        at: i64,
        freshness: Freshness,
    ) -> StoreResult<OwnedRwLockReadGuard<Memory>> {
        let held = self.users.get_with(user_id.to_owned(), || {
            Arc::new(Held {
                memory: Arc::default(),
                weight: AtomicU32::new(1),
            })
        });
        let current = held.memory.clone().read_owned().await;
        if current.stamp.is_some_and(|s| s >= at) {
            return Ok(current);
        }
        drop(current);
        let mut memory = held.memory.clone().write_owned().await;
        // Another request may have brought them up to date meanwhile.
        if memory.stamp.is_some_and(|s| s >= at) {
            return Ok(memory.downgrade());
        }
        let query = PullQuery {
            last_pulled_at: memory.stamp,
            schema_version: SCHEMA_VERSION,
            migrated_from: None,
        };
        let full = memory.stamp.is_none();
        let pull = self.store.pull_from(user_id, query, freshness).await?;
        let counter = if full {
            &self.whole_reads
        } else {
            &self.change_reads
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let stamp = pull.timestamp;
        memory.records.apply_pull(pull, full);
        memory.stamp = Some(stamp);
        let bytes = memory.records.len() as u64 * BYTES_PER_RECORD;
        let weight = u32::try_from(bytes.max(1)).unwrap_or(u32::MAX);
        if held.weight.swap(weight, Ordering::Relaxed) != weight {
            // Weighed again on insert.
            self.users.insert(user_id.to_owned(), held);
        }
        Ok(memory.downgrade())
    }

    /// What is held and what has been read, as of now.
    pub fn usage(&self) -> HeldUsage {
        self.users.run_pending_tasks();
        HeldUsage {
            bytes: self.users.weighted_size(),
            users: self.users.entry_count(),
            whole_reads: self.whole_reads.load(Ordering::Relaxed),
            change_reads: self.change_reads.load(Ordering::Relaxed),
        }
    }
}
