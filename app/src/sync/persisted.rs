//! One replica, whatever keeps it: the in-memory store (what pages query) changed in step
//! with a [`Persistence`] that keeps the same records in chunks, and synced by the engine
//! through both, so a record is durable before memory shows it applied. The browser's
//! replica is this over IndexedDB; native tests run it over memory chunks.

use crate::local::apply::{discard_in, finish_push_on};
use crate::local::chunks::{self, ChunkKey};
use crate::local::memory::MemoryStore;
use crate::local::persist::{Change, MetaWrite, Persistence};
use crate::local::record::SetAside;
use crate::local::{apply_ops_to, with_descendants, Op};
use crate::model::wire::PullResponse;
use crate::sync::engine::{LocalStore, TableRecord};
use crate::sync::noticed::{noticed, Noticed};
use async_trait::async_trait;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;

/// What the browser shows while a sync applies a pull (first-sync progress, timings);
/// the default does nothing.
pub trait Progress {
    fn applying(&self, _records: usize) {}
    fn applied(&self, _records: usize) {}
    fn sending(&self) {}
}

impl Progress for () {}

/// A device's replica: memory (what pages query) and its persistence, changed in step.
pub struct LocalReplica<P> {
    pub mem: MemoryStore,
    pub store: P,
}

impl<P: Persistence> LocalReplica<P> {
    /// Opens a replica on what `store` holds.
    pub async fn open(store: P) -> Result<Self, P::Error> {
        let mem = MemoryStore::default();
        mem.replace_tables(store.load_all().await?);
        Ok(Self { mem, store })
    }

    /// Applies an edit to memory at once (the next read sees it) and returns the chunks
    /// its commit must rewrite; [`LocalReplica::commit`] makes it durable.
    pub fn apply_now(&self, ops: &[Op]) -> BTreeSet<ChunkKey> {
        chunks::keys_of_pairs(&self.mem.apply(ops))
    }

    /// Commits an edit already applied to memory, by the same function, to the chunks as
    /// stored now.
    pub async fn commit(
        &self,
        keys: &BTreeSet<ChunkKey>,
        ops: &[Op],
    ) -> Result<Vec<ChunkKey>, P::Error> {
        self.commit_with(keys, ops, Vec::new()).await
    }

    /// Commits an edit already applied to memory together with meta writes, in one
    /// transaction.
    pub async fn commit_with(
        &self,
        keys: &BTreeSet<ChunkKey>,
        ops: &[Op],
        meta: Vec<MetaWrite>,
    ) -> Result<Vec<ChunkKey>, P::Error> {
        self.store
            .mutate(
                keys,
                Change::edit(|t| {
                    apply_ops_to(t, ops);
                    meta
                }),
            )
            .await
    }

    /// An edit, applied and committed.
    pub async fn write(&self, ops: &[Op]) -> Result<Vec<ChunkKey>, P::Error> {
        let keys = self.apply_now(ops);
        self.commit(&keys, ops).await
    }

    /// The replica as the sync engine changes it, reporting to `progress`.
    pub fn engine<'a>(&'a self, progress: &'a dyn Progress) -> Synced<'a, P> {
        Synced {
            replica: self,
            progress,
            written: RefCell::new(Vec::new()),
        }
    }

    /// The chunks of `records` and of their descendants (found in memory).
    fn keys_under(&self, records: Vec<(String, String)>) -> BTreeSet<ChunkKey> {
        let all = self.mem.with_tables(|t| with_descendants(t, records));
        chunks::keys_of_pairs(&all)
    }
}

/// Reads go to memory.
impl<P> Deref for LocalReplica<P> {
    type Target = MemoryStore;
    fn deref(&self) -> &MemoryStore {
        &self.mem
    }
}

/// A [`LocalReplica`] as the sync engine sees it: every change is applied to the chunks
/// as stored (inside their transaction) and then to memory, by the same function.
pub struct Synced<'a, P> {
    replica: &'a LocalReplica<P>,
    progress: &'a dyn Progress,
    /// Chunks rewritten so far, for other tabs to reload.
    written: RefCell<Vec<ChunkKey>>,
}

impl<P: Persistence> Synced<'_, P> {
    /// The chunks this sync rewrote so far.
    pub fn take_written(&self) -> Vec<ChunkKey> {
        self.written.take()
    }

    async fn mutate(&self, keys: &BTreeSet<ChunkKey>, change: Change<'_>) -> Result<(), P::Error> {
        let written = self.replica.store.mutate(keys, change).await?;
        self.written.borrow_mut().extend(written);
        Ok(())
    }
}

#[async_trait(?Send)]
impl<P: Persistence> LocalStore for Synced<'_, P> {
    type Error = P::Error;

    async fn last_pulled_at(&self) -> Result<Option<i64>, P::Error> {
        self.replica.store.last_pulled_at().await
    }

    async fn pulled_version(&self) -> Result<u32, P::Error> {
        self.replica.store.pulled_version().await
    }

    async fn apply_pull(&self, pull: PullResponse, full: bool) -> Result<(), P::Error> {
        let records = pull
            .changes
            .values()
            .map(|t| t.created.len() + t.updated.len() + t.deleted.len())
            .sum();
        self.progress.applying(records);
        // The pulled records' own chunks (named straight from the pull: a first pull brings
        // 31k records), and for deletes those of everything under them.
        let brought = pull.changes.iter().flat_map(|(table, c)| {
            c.created
                .iter()
                .chain(&c.updated)
                .filter_map(move |r| Some((table.as_str(), r.get("id")?.as_str()?)))
        });
        let mut keys = chunks::keys_of(brought);
        let deleted = pull.deleted_records();
        if !deleted.is_empty() {
            keys.extend(self.replica.keys_under(deleted));
        }
        if full {
            keys.extend(self.replica.store.chunk_keys().await?);
        }
        let result = self.mutate(&keys, Change::Pull { pull: &pull, full }).await;
        if result.is_ok() {
            self.replica.mem.apply_pull(pull, full);
        }
        self.progress.applied(records);
        result
    }

    async fn notice(&self, pull: &PullResponse) -> Result<Vec<Noticed>, P::Error> {
        Ok(self.replica.mem.with_tables(|t| noticed(t, pull)))
    }

    async fn pending(&self) -> Result<Vec<TableRecord>, P::Error> {
        self.progress.sending();
        Ok(self.replica.mem.pending())
    }

    async fn finish_push(
        &self,
        sent: &[TableRecord],
        rejected: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), P::Error> {
        let keys = chunks::keys_of(sent.iter().map(|(t, r)| (t.as_str(), r.id())));
        self.mutate(
            &keys,
            Change::edit(|t| {
                finish_push_on(t, sent, rejected);
                Vec::new()
            }),
        )
        .await?;
        self.replica.mem.finish_push(sent, rejected);
        Ok(())
    }

    async fn set_aside(&self) -> Result<Vec<SetAside>, P::Error> {
        self.replica.store.set_aside().await
    }

    async fn store_aside(&self, entries: Vec<SetAside>) -> Result<(), P::Error> {
        self.mutate(
            &BTreeSet::new(),
            Change::edit(|_| vec![MetaWrite::Aside(entries)]),
        )
        .await
    }

    async fn discard(&self, table: &str, id: &str) -> Result<(), P::Error> {
        let left: Vec<SetAside> = self
            .replica
            .store
            .set_aside()
            .await?
            .into_iter()
            .filter(|a| !(a.table == table && a.id() == id))
            .collect();
        let keys = self
            .replica
            .keys_under(vec![(table.to_owned(), id.to_owned())]);
        self.mutate(
            &keys,
            Change::edit(|t| {
                let mut writes = vec![MetaWrite::Aside(left)];
                if discard_in(t, table, id) {
                    writes.push(MetaWrite::Cursor(None));
                }
                writes
            }),
        )
        .await?;
        self.replica.mem.discard(table, id);
        Ok(())
    }
}
