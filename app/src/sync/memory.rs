//! An in-memory replica: the engine's store in native tests and the reference the
//! IndexedDB store must behave like.

use super::engine::{apply_pull_to, finish_push_on, LocalStore, TableRecord};
use super::record::{LocalRecord, Status};
use super::wire::{PullResponse, WireRecord};
use async_trait::async_trait;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::convert::Infallible;

#[derive(Debug, Default)]
struct Inner {
    tables: BTreeMap<String, BTreeMap<String, LocalRecord>>,
    last_pulled_at: Option<i64>,
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RefCell<Inner>,
}

impl MemoryStore {
    pub fn create(&self, table: &str, raw: WireRecord) {
        let id = raw
            .get("id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned();
        self.inner
            .borrow_mut()
            .tables
            .entry(table.to_owned())
            .or_default()
            .insert(id, LocalRecord::created(raw));
    }

    /// Returns whether the record existed (and was not deleted).
    pub fn update(&self, table: &str, id: &str, fields: WireRecord) -> bool {
        let mut inner = self.inner.borrow_mut();
        match inner.tables.get_mut(table).and_then(|t| t.get_mut(id)) {
            Some(r) if r.status != Status::Deleted => {
                r.update(&fields);
                true
            }
            _ => false,
        }
    }

    pub fn delete(&self, table: &str, id: &str) {
        let mut inner = self.inner.borrow_mut();
        if let Some(records) = inner.tables.get_mut(table) {
            let keep = records.get_mut(id).is_some_and(LocalRecord::mark_deleted);
            if !keep {
                records.remove(id);
            }
        }
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

    async fn apply_pull(&self, pull: &PullResponse) -> Result<(), Infallible> {
        let mut inner = self.inner.borrow_mut();
        apply_pull_to(&mut inner.tables, pull);
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
}
