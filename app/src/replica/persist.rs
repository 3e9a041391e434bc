//! One replica, whatever keeps it: the in-memory store (what pages query) changed in step
//! with a [`Persistence`] that keeps the same records in chunks. The browser persists in
//! IndexedDB; native tests persist in [`MemoryChunks`], so the engine tests run the code
//! the browser runs — the same chunk keys, the same in-transaction rewrites, the same
//! order of memory and storage.

use super::chunks::{self, ChunkKey};
use super::{apply_ops_to, with_descendants, Op, Tables};
use crate::local::memory::MemoryStore;
use crate::model::SCHEMA_VERSION;
use crate::sync::engine::{
    apply_pull_to, discard_in, finish_push_on, LocalStore, SetAside, TableRecord,
};
use crate::sync::wire::PullResponse;
use async_trait::async_trait;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;
use std::ops::Deref;

/// A write to the replica's meta data that commits with a change of records.
#[derive(Debug, Clone, PartialEq)]
pub enum MetaWrite {
    /// The pull cursor (`None`: the next pull is a full one).
    Cursor(Option<i64>),
    /// The changes the server refused, kept aside.
    Aside(Vec<SetAside>),
    /// The exercise library as JSON, cached for offline use.
    Library(String),
    /// The session being logged, as JSON (`None`: there is none): written with the
    /// records of a finished session, so the two never exist at once.
    Active(Option<String>),
}

/// An edit of loaded records, returning the meta writes that go with it. Boxed so one
/// copy of each store's `mutate` serves every kind of edit.
pub type Edit<'a> = Box<dyn FnOnce(&mut Tables) -> Vec<MetaWrite> + 'a>;

/// A change of the records of some chunks, with the meta writes that go with it.
pub enum Change<'a> {
    Edit(Edit<'a>),
    /// Applies a pull and stores its cursor. Into chunks that hold nothing (a new
    /// device's first sync: tens of thousands of records) the pulled records are encoded
    /// as they came, without first being copied into tables.
    Pull {
        pull: &'a PullResponse,
        full: bool,
    },
}

impl<'a> Change<'a> {
    pub fn edit(f: impl FnOnce(&mut Tables) -> Vec<MetaWrite> + 'a) -> Self {
        Self::Edit(Box::new(f))
    }
}

/// Where a replica's chunks and meta data are kept.
#[async_trait(?Send)]
pub trait Persistence {
    type Error: Display;

    /// One atomic change: loads the chunks of `keys` as stored now (not as this tab
    /// remembers them), lets `change` edit their records, writes back the chunks whose
    /// records changed and the meta writes. Returns the keys of the rewritten chunks.
    async fn mutate(
        &self,
        keys: &BTreeSet<ChunkKey>,
        change: Change<'_>,
    ) -> Result<Vec<ChunkKey>, Self::Error>;

    /// The keys of every stored chunk.
    async fn chunk_keys(&self) -> Result<BTreeSet<ChunkKey>, Self::Error>;

    /// Every record, tombstones included.
    async fn load_all(&self) -> Result<Tables, Self::Error>;

    async fn last_pulled_at(&self) -> Result<Option<i64>, Self::Error>;

    /// The schema version the cursor was pulled with (this build's when none is stored).
    async fn pulled_version(&self) -> Result<u32, Self::Error>;

    async fn set_aside(&self) -> Result<Vec<SetAside>, Self::Error>;
}

/// What every persistence commits for a change: `change` applied to the chunks of `keys`
/// as loaded (`before`), giving the chunks to rewrite (`None` removes one) and the meta
/// writes that go with them.
pub fn rewrite(
    keys: &BTreeSet<ChunkKey>,
    before: &Tables,
    change: Change<'_>,
) -> (Vec<(ChunkKey, Option<String>)>, Vec<MetaWrite>) {
    if let Change::Pull { pull, .. } = &change {
        let empty = before.values().all(BTreeMap::is_empty);
        if empty && pull.changes.values().all(|c| c.deleted.is_empty()) {
            let cursor = vec![MetaWrite::Cursor(Some(pull.timestamp))];
            return (chunks::pulled_into_empty(pull), cursor);
        }
    }
    let mut after = before.clone();
    let meta = match change {
        Change::Edit(edit) => edit(&mut after),
        Change::Pull { pull, full } => {
            apply_pull_to(&mut after, pull.clone(), full);
            vec![MetaWrite::Cursor(Some(pull.timestamp))]
        }
    };
    (chunks::rewrites(keys, before, &after), meta)
}

/// Chunks and meta data kept in memory, in the stored layout: the persistence of native
/// tests (and a reference for the IndexedDB one).
#[derive(Debug, Default)]
pub struct MemoryChunks {
    chunks: RefCell<BTreeMap<ChunkKey, String>>,
    cursor: Cell<Option<i64>>,
    /// `None`: this build's version.
    pulled_version: Cell<Option<u32>>,
    aside: RefCell<Vec<SetAside>>,
}

impl MemoryChunks {
    /// A store whose cursor was pulled by an older build, speaking `version`.
    pub fn pulled_with(&self, version: u32) {
        self.pulled_version.set(Some(version));
    }

    fn load(&self, keys: &BTreeSet<ChunkKey>) -> Tables {
        let stored = self.chunks.borrow();
        let mut tables = Tables::new();
        for key in keys {
            if let Some(text) = stored.get(key) {
                let records = chunks::decode(text).expect("chunks are written by `encode`");
                chunks::merge_into(&mut tables, key, records);
            }
        }
        tables
    }
}

#[async_trait(?Send)]
impl Persistence for MemoryChunks {
    type Error = std::convert::Infallible;

    async fn mutate(
        &self,
        keys: &BTreeSet<ChunkKey>,
        change: Change<'_>,
    ) -> Result<Vec<ChunkKey>, Self::Error> {
        let (rewrites, meta) = rewrite(keys, &self.load(keys), change);
        let mut written = Vec::new();
        let mut stored = self.chunks.borrow_mut();
        for (key, value) in rewrites {
            match value {
                Some(text) => stored.insert(key.clone(), text),
                None => stored.remove(&key),
            };
            written.push(key);
        }
        for write in meta {
            match write {
                MetaWrite::Cursor(c) => {
                    self.cursor.set(c);
                    self.pulled_version.set(None);
                }
                MetaWrite::Aside(list) => *self.aside.borrow_mut() = list,
                MetaWrite::Library(_) | MetaWrite::Active(_) => {}
            }
        }
        Ok(written)
    }

    async fn chunk_keys(&self) -> Result<BTreeSet<ChunkKey>, Self::Error> {
        Ok(self.chunks.borrow().keys().cloned().collect())
    }

    async fn load_all(&self) -> Result<Tables, Self::Error> {
        let keys = self.chunks.borrow().keys().cloned().collect();
        Ok(self.load(&keys))
    }

    async fn last_pulled_at(&self) -> Result<Option<i64>, Self::Error> {
        Ok(self.cursor.get())
    }

    async fn pulled_version(&self) -> Result<u32, Self::Error> {
        Ok(self.pulled_version.get().unwrap_or(SCHEMA_VERSION))
    }

    async fn set_aside(&self) -> Result<Vec<SetAside>, Self::Error> {
        Ok(self.aside.borrow().clone())
    }
}

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
