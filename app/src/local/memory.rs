//! The in-memory replica: the engine's store in native tests and, in the browser, what a
//! tab holds (IndexedDB persists it in chunks). Beside the raw records it keeps them
//! typed and indexed ([`Indexed`]), built on demand and updated with every change.

use super::apply::apply_pull_to;
use super::chunks::{ChunkKey, Within};
use super::derived::sessions_of;
use super::ops::{apply_ops_to, footprint, pull_footprint, Op, Tables};
use super::query::{Indexed, Query};
use super::record::{LocalRecord, Status};
use crate::model::wire::PullResponse;
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Records with their typed indexes, kept in step: what a tab's [`MemoryStore`] holds,
/// and what the server holds of a user between the pages it computes figures for.
#[derive(Debug, Default)]
pub struct IndexedRecords {
    pub(crate) tables: Tables,
    pub(crate) index: Indexed,
}

/// What a change may touch, so the indexes are updated for those records only.
pub(crate) enum Touched {
    Records(Vec<(String, String)>),
    All,
}

impl IndexedRecords {
    /// Applies a pull (see [`apply_pull_to`]), updating the indexes of the records it
    /// touches only, unless it is a full pull.
    pub fn apply_pull(&mut self, pull: PullResponse, full: bool) {
        let touched = if full {
            Touched::All
        } else {
            Touched::Records(pull_footprint(&self.tables, &pull))
        };
        self.change(touched, |tables| apply_pull_to(tables, pull, full));
    }

    /// Answers a typed query (see [`Query`]).
    pub fn query<R>(&self, f: impl FnOnce(&Query) -> R) -> R {
        f(&self.index.over(&self.tables))
    }

    /// How many records are held, tombstones included.
    pub fn len(&self) -> usize {
        self.tables.values().map(|t| t.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs a change of the records, keeping the indexes in step with it.
    pub(crate) fn change<R>(&mut self, touched: Touched, f: impl FnOnce(&mut Tables) -> R) -> R {
        match touched {
            // Whole tables changed: their indexes are built again when next queried.
            Touched::All => {
                self.index = Indexed::default();
                self.index.derived.everything_changed();
                f(&mut self.tables)
            }
            Touched::Records(mut records) => {
                records.sort();
                records.dedup();
                let mut sessions = Vec::new();
                sessions_of(&self.tables, &records, &mut sessions);
                for (table, id) in &records {
                    if let Some(r) = self.tables.get(table).and_then(|t| t.get(id)) {
                        self.index.remove(table, r);
                    }
                }
                let out = f(&mut self.tables);
                for (table, id) in &records {
                    if let Some(r) = self.tables.get(table).and_then(|t| t.get(id)) {
                        self.index.insert(table, r);
                    }
                }
                sessions_of(&self.tables, &records, &mut sessions);
                self.index.derived.touched(sessions);
                out
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    pub(crate) inner: RefCell<IndexedRecords>,
}

impl MemoryStore {
    /// Applies local edits, with the same cascade rules as the browser replica. Returns
    /// the records they touched (see [`footprint`]), for persisting them.
    pub fn apply(&self, ops: &[Op]) -> Vec<(String, String)> {
        let mut inner = self.inner.borrow_mut();
        let touched = footprint(&inner.tables, ops);
        inner.change(Touched::Records(touched.clone()), |tables| {
            apply_ops_to(tables, ops)
        });
        touched
    }

    /// Replaces every record (a reload from persistent storage).
    pub fn replace_tables(&self, tables: Tables) {
        self.inner
            .borrow_mut()
            .change(Touched::All, |t| *t = tables);
    }

    /// Replaces the records of some chunks with what is stored in them now (another tab
    /// rewrote them). Only the records that differ count as changed: a chunk holds
    /// hundreds, and figures kept over sessions should redo only the ones another tab
    /// touched.
    pub fn replace_chunks(&self, keys: &BTreeSet<ChunkKey>, stored: Tables) {
        let within = Within::of(keys);
        let mut inner = self.inner.borrow_mut();
        let mut touched = Vec::new();
        for (table, records) in &inner.tables {
            if !within.has_table(table) {
                continue;
            }
            let now = stored.get(table);
            for (id, record) in records {
                if within.holds(table, id) && now.and_then(|t| t.get(id)) != Some(record) {
                    touched.push((table.clone(), id.clone()));
                }
            }
        }
        for (table, records) in &stored {
            let held = inner.tables.get(table);
            for (id, record) in records {
                if held.and_then(|t| t.get(id)) != Some(record) {
                    touched.push((table.clone(), id.clone()));
                }
            }
        }
        inner.change(Touched::Records(touched), |tables| {
            for (table, records) in tables.iter_mut() {
                if within.has_table(table) {
                    records.retain(|id, _| !within.holds(table, id));
                }
            }
            for (table, records) in stored {
                tables.entry(table).or_default().extend(records);
            }
        });
    }

    /// Reads the records (e.g. to find what lies under a record).
    pub fn with_tables<R>(&self, f: impl FnOnce(&Tables) -> R) -> R {
        f(&self.inner.borrow().tables)
    }

    /// Answers a typed query (see [`Query`]).
    pub fn query<R>(&self, f: impl FnOnce(&Query) -> R) -> R {
        self.inner.borrow().query(f)
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
