//! Typed queries over the in-memory replica.
//!
//! Beside the raw records (which the sync engine merges column by column), the replica
//! keeps every live record decoded once into its typed record and indexed: by id, by
//! each parent column, by exercise, and sessions by date. Pages ask questions such as
//! "every set of this exercise, newest session first" and get references to typed
//! records, without decoding or scanning a table.
//!
//! The indexes are kept up to date by the store (see `MemoryStore`): before a change it
//! removes the records the change may touch, after it adds them back as they now are.

use crate::model::records::{AnyRecord, Log, LogExercise, LogExerciseSet};
use crate::model::tables::{
    log_exercise, log_exercise_sets, logs, table, workout_exercise, TABLES,
};
use crate::model::{Column, Record};
use crate::sync::record::{LocalRecord, Status};
use crate::sync::wire::WireRecord;
use std::collections::BTreeMap;
use std::ops::RangeBounds;
use std::sync::Arc;

/// Live typed records of one table by id.
type Rows = BTreeMap<String, Arc<AnyRecord>>;

/// Columns indexed besides the parent columns: the loose references pages follow.
const EXTRA: &[Column<String>] = &[
    workout_exercise::exercise_id,
    log_exercise::exercise_id,
    logs::workout_id,
];

/// Records of one table grouped by the value of one text column.
#[derive(Debug, Clone)]
struct EqIndex {
    table: &'static str,
    column: &'static str,
    groups: BTreeMap<String, Rows>,
}

/// The typed, indexed view of a replica's live records.
#[derive(Debug, Clone)]
pub struct Indexed {
    rows: BTreeMap<&'static str, Rows>,
    eq: Vec<EqIndex>,
    /// Sessions by `(session_date, id)`.
    by_date: BTreeMap<(i64, String), Arc<AnyRecord>>,
}

impl Default for Indexed {
    fn default() -> Self {
        let parents = TABLES
            .iter()
            .flat_map(|t| t.parents.iter().map(move |p| (t.name, p.column)));
        let extra = EXTRA.iter().map(|c| (c.table, c.name));
        Self {
            rows: BTreeMap::new(),
            eq: parents
                .chain(extra)
                .map(|(table, column)| EqIndex {
                    table,
                    column,
                    groups: BTreeMap::new(),
                })
                .collect(),
            by_date: BTreeMap::new(),
        }
    }
}

/// One performed set with the exercise entry and the session it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerformedSet<'a> {
    pub log: &'a Log,
    pub exercise: &'a LogExercise,
    pub set: &'a LogExerciseSet,
}

fn order_key(order: Option<f64>, id: &str) -> (f64, &str) {
    (order.unwrap_or_default(), id)
}

impl Indexed {
    /// Indexes every live record of `tables`.
    pub fn build<'a>(
        tables: impl IntoIterator<Item = (&'a String, &'a BTreeMap<String, LocalRecord>)>,
    ) -> Self {
        let mut index = Self::default();
        for (name, records) in tables {
            for record in records.values() {
                index.insert(name, record);
            }
        }
        index
    }

    /// Indexes records read from the database, as a replica holds them once synced.
    pub fn from_snapshot(s: &crate::replica::Snapshot) -> Self {
        let mut index = Self::default();
        for (name, rows) in &s.tables {
            for raw in rows {
                index.insert(name, &LocalRecord::synced(raw.clone()));
            }
        }
        index
    }

    /// Adds a record as it is now (tombstones are not indexed).
    pub fn insert(&mut self, table_name: &str, record: &LocalRecord) {
        if record.status == Status::Deleted {
            return;
        }
        let Some(def) = table(table_name) else { return };
        let Some(any) = AnyRecord::decode(def.name, &record.raw) else {
            return;
        };
        let any = Arc::new(any);
        let id = record.id().to_owned();
        for index in self.eq.iter_mut().filter(|i| i.table == def.name) {
            if let Some(value) = text(&record.raw, index.column) {
                index
                    .groups
                    .entry(value.to_owned())
                    .or_default()
                    .insert(id.clone(), any.clone());
            }
        }
        if def.name == logs::TABLE {
            if let Some(date) = logs::session_date.get(&record.raw) {
                self.by_date.insert((date, id.clone()), any.clone());
            }
        }
        self.rows.entry(def.name).or_default().insert(id, any);
    }

    /// Removes a record as it was when it was added.
    pub fn remove(&mut self, table_name: &str, record: &LocalRecord) {
        let id = record.id();
        let Some(rows) = self.rows.get_mut(table_name) else {
            return;
        };
        if rows.remove(id).is_none() {
            return;
        }
        for index in self.eq.iter_mut().filter(|i| i.table == table_name) {
            if let Some(value) = text(&record.raw, index.column) {
                if let Some(group) = index.groups.get_mut(value) {
                    group.remove(id);
                    if group.is_empty() {
                        index.groups.remove(value);
                    }
                }
            }
        }
        if table_name == logs::TABLE {
            if let Some(date) = logs::session_date.get(&record.raw) {
                self.by_date.remove(&(date, id.to_owned()));
            }
        }
    }

    /// Forgets every record of one table (before it is indexed again).
    pub fn clear_table(&mut self, table_name: &str) {
        self.rows.remove(table_name);
        for index in self.eq.iter_mut().filter(|i| i.table == table_name) {
            index.groups.clear();
        }
        if table_name == logs::TABLE {
            self.by_date.clear();
        }
    }

    /// One live record by id.
    pub fn get<R: Record>(&self, id: &str) -> Option<&R> {
        R::from_any(self.rows.get(R::TABLE)?.get(id)?)
    }

    /// Every live record of a table, by id.
    pub fn all<'a, R: Record + 'a>(&'a self) -> impl Iterator<Item = &'a R> + 'a {
        self.rows
            .get(R::TABLE)
            .into_iter()
            .flat_map(|rows| rows.values())
            .filter_map(|r| R::from_any(r))
    }

    /// Live records of `R`'s table whose text `column` equals `value`, by id, through the
    /// column's index. Every parent column and exercise reference is indexed; another
    /// column finds nothing (filter [`Indexed::all`] instead) and fails debug builds.
    pub fn find<'a, R: Record + 'a>(&'a self, column: Column<String>, value: &str) -> Vec<&'a R> {
        debug_assert_eq!(
            column.table,
            R::TABLE,
            "{column:?} is not a column of {}",
            R::TABLE
        );
        let index = self
            .eq
            .iter()
            .find(|i| i.table == column.table && i.column == column.name);
        debug_assert!(index.is_some(), "{column:?} has no index");
        index
            .and_then(|i| i.groups.get(value))
            .into_iter()
            .flat_map(|rows| rows.values())
            .filter_map(|r| R::from_any(r))
            .collect()
    }

    /// Children of one parent sorted by their `order` column, as lists are shown.
    pub fn ordered<'a, R: Record + 'a>(
        &'a self,
        parent: Column<String>,
        value: &str,
        order: impl Fn(&R) -> Option<f64>,
        id: impl Fn(&R) -> &str,
    ) -> Vec<&'a R> {
        let mut rows = self.find::<R>(parent, value);
        rows.sort_by(|a, b| {
            let (ka, kb) = (order_key(order(a), id(a)), order_key(order(b), id(b)));
            ka.0.total_cmp(&kb.0).then(ka.1.cmp(kb.1))
        });
        rows
    }

    /// Sessions whose date falls in `range` (epoch ms), oldest first.
    pub fn logs_by_date(
        &self,
        range: impl RangeBounds<i64>,
    ) -> impl DoubleEndedIterator<Item = &Log> + '_ {
        use std::ops::Bound;
        let start = match range.start_bound() {
            Bound::Included(d) => Bound::Included((*d, String::new())),
            Bound::Excluded(d) => Bound::Excluded((*d, char::MAX.to_string())),
            Bound::Unbounded => Bound::Unbounded,
        };
        let end = match range.end_bound() {
            Bound::Included(d) => Bound::Included((*d, char::MAX.to_string())),
            Bound::Excluded(d) => Bound::Excluded((*d, String::new())),
            Bound::Unbounded => Bound::Unbounded,
        };
        self.by_date
            .range((start, end))
            .filter_map(|(_, r)| Log::from_any(r))
    }

    /// Every set performed of one exercise: newest session first, then in the order the
    /// session shows them (exercise entry, then set).
    pub fn exercise_sets(&self, exercise_id: &str) -> Vec<PerformedSet<'_>> {
        let mut entries: Vec<(&Log, &LogExercise)> = self
            .find::<LogExercise>(log_exercise::exercise_id, exercise_id)
            .into_iter()
            .filter_map(|e| Some((self.get::<Log>(e.log_id.as_deref()?)?, e)))
            .collect();
        entries.sort_by(|(la, ea), (lb, eb)| {
            lb.session_date
                .cmp(&la.session_date)
                .then_with(|| lb.id.cmp(&la.id))
                .then_with(|| {
                    let (ka, kb) = (order_key(ea.order, &ea.id), order_key(eb.order, &eb.id));
                    ka.0.total_cmp(&kb.0).then(ka.1.cmp(kb.1))
                })
        });
        let mut out = Vec::new();
        for (log, exercise) in entries {
            let sets = self.ordered::<LogExerciseSet>(
                log_exercise_sets::log_exercise_id,
                &exercise.id,
                |s| s.order,
                |s| &s.id,
            );
            out.extend(
                sets.into_iter()
                    .map(|set| PerformedSet { log, exercise, set }),
            );
        }
        out
    }
}

fn text<'a>(raw: &'a WireRecord, column: &str) -> Option<&'a str> {
    raw.get(column).and_then(|v| v.as_str())
}
