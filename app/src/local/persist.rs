//! Where a device keeps its records: a [`Persistence`] holds them in chunks (see
//! [`super::chunks`]) with the sync's meta data, changed atomically. The browser persists
//! in IndexedDB; native tests in [`MemoryChunks`], so they run the code the browser runs.

use super::apply::apply_pull_to;
use super::chunks::{self, ChunkKey};
use super::ops::Tables;
use super::record::SetAside;
use crate::model::wire::PullResponse;
use crate::model::SCHEMA_VERSION;
use async_trait::async_trait;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Display;

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
