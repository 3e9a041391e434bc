//! An in-memory replica: the engine's store in native tests and the reference the
//! IndexedDB store must behave like.

use super::engine::{apply_pull_to, discard_in, finish_push_on, LocalStore, SetAside, TableRecord};
use super::record::{LocalRecord, Status};
use super::wire::{PullResponse, WireRecord};
use crate::replica::chunks::{key_of, table_of, ChunkKey};
use crate::replica::{apply_ops_to, Op, Snapshot, Tables};
use async_trait::async_trait;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;

#[derive(Debug, Default)]
struct Inner {
    tables: Tables,
    last_pulled_at: Option<i64>,
    aside: Vec<SetAside>,
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RefCell<Inner>,
}

impl MemoryStore {
    /// Applies local edits, with the same cascade rules as the browser replica.
    pub fn apply(&self, ops: &[Op]) {
        apply_ops_to(&mut self.inner.borrow_mut().tables, ops);
    }

    pub fn create(&self, table: &'static str, raw: WireRecord) {
        self.apply(&[Op::Create { table, raw }]);
    }

    /// Returns whether the record existed (and was not deleted).
    pub fn update(&self, table: &'static str, id: &str, fields: WireRecord) -> bool {
        let live = self
            .get(table, id)
            .is_some_and(|r| r.status != Status::Deleted);
        self.apply(&[Op::Update {
            table,
            id: id.to_owned(),
            fields,
        }]);
        live
    }

    pub fn delete(&self, table: &'static str, id: &str) {
        self.apply(&[Op::Delete {
            table,
            id: id.to_owned(),
        }]);
    }

    /// Replaces every record (a reload from persistent storage); cursor and set-aside
    /// entries are kept.
    pub fn replace_tables(&self, tables: Tables) {
        self.inner.borrow_mut().tables = tables;
    }

    /// Replaces the records of some chunks with what is stored in them now.
    pub fn replace_chunks(&self, keys: &BTreeSet<ChunkKey>, stored: Tables) {
        let mut inner = self.inner.borrow_mut();
        let named: BTreeSet<&str> = keys.iter().filter_map(|k| table_of(k)).collect();
        for (table, records) in inner.tables.iter_mut() {
            if named.contains(table.as_str()) {
                records.retain(|id, _| !keys.contains(&key_of(table, id)));
            }
        }
        for (table, records) in stored {
            inner.tables.entry(table).or_default().extend(records);
        }
    }

    /// Reads the records (e.g. to find what lies under a record).
    pub fn with_tables<R>(&self, f: impl FnOnce(&Tables) -> R) -> R {
        f(&self.inner.borrow().tables)
    }

    /// Live records of `tables`, as pages read them.
    pub fn snapshot(&self, tables: &[&str]) -> Snapshot {
        let inner = self.inner.borrow();
        let mut snapshot = Snapshot::default();
        for name in tables {
            let live = inner
                .tables
                .get(*name)
                .into_iter()
                .flat_map(|t| t.values())
                .filter(|r| r.status != Status::Deleted)
                .map(|r| r.raw.clone())
                .collect();
            snapshot.tables.insert((*name).to_owned(), live);
        }
        snapshot
    }

    pub fn get(&self, table: &str, id: &str) -> Option<LocalRecord> {
        self.inner.borrow().tables.get(table)?.get(id).cloned()
    }

    /// Live (not deleted) records of a table, by id.
    pub fn records(&self, table: &str) -> Vec<LocalRecord> {
        self.inner
            .borrow()
            .tables
            .get(table)
            .map(|t| {
                t.values()
                    .filter(|r| r.status != Status::Deleted)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[async_trait(?Send)]
impl LocalStore for MemoryStore {
    type Error = Infallible;

    async fn last_pulled_at(&self) -> Result<Option<i64>, Infallible> {
        Ok(self.inner.borrow().last_pulled_at)
    }

    async fn apply_pull(&self, pull: &PullResponse, full: bool) -> Result<(), Infallible> {
        let mut inner = self.inner.borrow_mut();
        apply_pull_to(&mut inner.tables, pull, full);
        inner.last_pulled_at = Some(pull.timestamp);
        Ok(())
    }

    async fn pending(&self) -> Result<Vec<TableRecord>, Infallible> {
        Ok(self
            .inner
            .borrow()
            .tables
            .iter()
            .flat_map(|(t, records)| {
                records
                    .values()
                    .filter(|r| r.status != Status::Synced)
                    .map(move |r| (t.clone(), r.clone()))
            })
            .collect())
    }

    async fn finish_push(
        &self,
        sent: &[TableRecord],
        rejected: &BTreeMap<String, Vec<String>>,
    ) -> Result<(), Infallible> {
        finish_push_on(&mut self.inner.borrow_mut().tables, sent, rejected);
        Ok(())
    }

    async fn set_aside(&self) -> Result<Vec<SetAside>, Infallible> {
        Ok(self.inner.borrow().aside.clone())
    }

    async fn store_aside(&self, entries: Vec<SetAside>) -> Result<(), Infallible> {
        self.inner.borrow_mut().aside = entries;
        Ok(())
    }

    async fn discard(&self, table: &str, id: &str) -> Result<(), Infallible> {
        let mut inner = self.inner.borrow_mut();
        inner.aside.retain(|a| !(a.table == table && a.id() == id));
        if discard_in(&mut inner.tables, table, id) {
            inner.last_pulled_at = None;
        }
        Ok(())
    }
}
