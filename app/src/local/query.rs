//! Typed queries over the in-memory replica.
//!
//! Beside the raw records (which the sync engine merges column by column), the replica
//! keeps live records decoded into their typed records and indexed: by id, by each
//! parent column, by exercise, and sessions by date. Pages ask questions such as "every
//! set of this exercise, newest session first" through a [`Query`] and get references to
//! typed records, without decoding or scanning a table.
//!
//! A table's typed records and indexes are built the first time a query needs them (a
//! tab that only shows programs never decodes years of logged sets), then kept up to
//! date by the store: before a change it removes the records the change may touch, after
//! it adds them back as they now are.

use super::record::{LocalRecord, Status};
use crate::model::records::{AnyRecord, Log, LogExercise, LogExerciseSet};
use crate::model::tables::{log_exercise, log_exercise_sets, logs, workout_exercise, TABLES};
use crate::model::wire::WireRecord;
use crate::model::{Column, Record};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::RangeBounds;
use std::sync::Arc;
use std::sync::OnceLock;

use super::derived::Derived;
use super::edit::list_order;
use super::ops::Tables;

/// Live typed records of one table by id. Hash maps: a query such as an exercise's
/// history looks up thousands of ids, and ids are hashed far faster than compared.
type Rows = FxHashMap<String, Arc<AnyRecord>>;

/// Columns indexed besides the parent columns: the loose references pages follow.
const EXTRA: &[Column<String>] = &[
    workout_exercise::exercise_id,
    log_exercise::exercise_id,
    logs::workout_id,
];

/// The typed records of one table and its indexes.
#[derive(Debug, Default)]
struct TableIndex {
    rows: Rows,
    /// Per indexed text column: records grouped by its value.
    eq: Vec<(&'static str, FxHashMap<String, Rows>)>,
    /// Sessions by `(session_date, id)` (the `logs` table only).
    by_date: BTreeMap<(i64, String), Arc<AnyRecord>>,
}

impl TableIndex {
    fn new(table: &'static str) -> Self {
        let parents = TABLES
            .iter()
            .filter(|t| t.name == table)
            .flat_map(|t| t.parents.iter().map(|p| p.column));
        let extra = EXTRA.iter().filter(|c| c.table == table).map(|c| c.name);
        Self {
            eq: parents
                .chain(extra)
                .map(|c| (c, FxHashMap::default()))
                .collect(),
            ..Self::default()
        }
    }

    fn insert(&mut self, table: &'static str, record: &LocalRecord) {
        if record.status == Status::Deleted {
            return;
        }
        let Some(any) = AnyRecord::decode(table, &record.raw) else {
            return;
        };
        let any = Arc::new(any);
        let id = record.id().to_owned();
        for (column, groups) in &mut self.eq {
            if let Some(value) = text(&record.raw, column) {
                groups
                    .entry(value.to_owned())
                    .or_default()
                    .insert(id.clone(), any.clone());
            }
        }
        if table == logs::TABLE {
            if let Some(date) = logs::session_date.get(&record.raw) {
                self.by_date.insert((date, id.clone()), any.clone());
            }
        }
        self.rows.insert(id, any);
    }

    /// The groups of an indexed text column (value → records), if it is indexed.
    fn groups(&self, column: Column<String>) -> Option<&FxHashMap<String, Rows>> {
        self.eq
            .iter()
            .find(|(c, _)| *c == column.name)
            .map(|(_, groups)| groups)
    }

    fn remove(&mut self, table: &str, record: &LocalRecord) {
        let id = record.id();
        if self.rows.remove(id).is_none() {
            return;
        }
        for (column, groups) in &mut self.eq {
            if let Some(value) = text(&record.raw, column) {
                if let Some(group) = groups.get_mut(value) {
                    group.remove(id);
                    if group.is_empty() {
                        groups.remove(value);
                    }
                }
            }
        }
        if table == logs::TABLE {
            if let Some(date) = logs::session_date.get(&record.raw) {
                self.by_date.remove(&(date, id.to_owned()));
            }
        }
    }
}

/// The typed, indexed view of a replica's live records, built per table on demand.
#[derive(Debug)]
pub struct Indexed {
    tables: Vec<(&'static str, OnceLock<TableIndex>)>,
    /// The sessions changes touched, and what computations keep over them.
    pub(crate) derived: Derived,
}

impl Default for Indexed {
    fn default() -> Self {
        Self {
            tables: TABLES.iter().map(|t| (t.name, OnceLock::new())).collect(),
            derived: Derived::default(),
        }
    }
}

impl Indexed {
    fn cell(&self, table: &str) -> Option<&(&'static str, OnceLock<TableIndex>)> {
        self.tables.iter().find(|(name, _)| *name == table)
    }

    fn built_mut(&mut self, table: &str) -> Option<(&'static str, &mut TableIndex)> {
        let (name, cell) = self.tables.iter_mut().find(|(name, _)| *name == table)?;
        Some((*name, cell.get_mut()?))
    }

    /// Adds a record as it is now (to a table already indexed; tombstones never).
    pub fn insert(&mut self, table: &str, record: &LocalRecord) {
        if let Some((name, index)) = self.built_mut(table) {
            index.insert(name, record);
        }
    }

    /// Removes a record as it was when it was added.
    pub fn remove(&mut self, table: &str, record: &LocalRecord) {
        if let Some((name, index)) = self.built_mut(table) {
            index.remove(name, record);
        }
    }

    /// Queries over `raw` (the records these indexes are kept for).
    pub fn over<'a>(&'a self, raw: &'a Tables) -> Query<'a> {
        Query { raw, index: self }
    }
}

/// The live records of some tables, by table name: what a page renders from, whether the
/// server read them from the database or the browser from the replica.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub tables: BTreeMap<String, Vec<WireRecord>>,
}

impl Snapshot {
    pub fn rows(&self, table: &str) -> &[WireRecord] {
        self.tables.get(table).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// Answers `f` over records read from the database, as a replica holds them once
/// synced: how the server renders a page with the same queries the browser runs.
pub fn query_snapshot<T>(s: &Snapshot, f: impl FnOnce(&Query) -> T) -> T {
    let mut raw = Tables::new();
    for (name, rows) in &s.tables {
        let records = raw.entry(name.clone()).or_default();
        for r in rows {
            let record = LocalRecord::synced(r.clone());
            records.insert(record.id().to_owned(), record);
        }
    }
    let index = Indexed::default();
    f(&index.over(&raw))
}

/// Typed queries on one state of the replica.
pub struct Query<'a> {
    raw: &'a Tables,
    index: &'a Indexed,
}

/// One performed set with the exercise entry and the session it belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PerformedSet<'a> {
    pub log: &'a Log,
    pub exercise: &'a LogExercise,
    pub set: &'a LogExerciseSet,
}

impl<'a> Query<'a> {
    /// One table's typed records and indexes, built on first use.
    fn table(&self, table: &str) -> Option<&'a TableIndex> {
        let (name, cell) = self.index.cell(table)?;
        Some(cell.get_or_init(|| {
            let mut index = TableIndex::new(name);
            for record in self.raw.get(*name).into_iter().flat_map(|t| t.values()) {
                index.insert(name, record);
            }
            index
        }))
    }

    /// The sessions changes touched and the memos kept over them (see [`Derived`]).
    pub fn derived(&self) -> &'a Derived {
        &self.index.derived
    }

    /// One live record by id.
    pub fn get<R: Record + 'a>(&self, id: &str) -> Option<&'a R> {
        R::from_any(self.table(R::TABLE)?.rows.get(id)?)
    }

    /// Every live record of a table, in no particular order.
    pub fn all<R: Record + 'a>(&self) -> impl Iterator<Item = &'a R> + 'a {
        self.table(R::TABLE)
            .into_iter()
            .flat_map(|t| t.rows.values())
            .filter_map(|r| R::from_any(r))
    }

    /// Live records of `R`'s table whose text `column` equals `value` (in no particular
    /// order), through the column's index. Every parent column and exercise reference is
    /// indexed; another column finds nothing (filter [`Query::all`] instead) and fails
    /// debug builds.
    pub fn find<R: Record + 'a>(&self, column: Column<String>, value: &str) -> Vec<&'a R> {
        debug_assert_eq!(
            column.table,
            R::TABLE,
            "{column:?} is not a column of {}",
            R::TABLE
        );
        let groups = self.table(column.table).and_then(|t| t.groups(column));
        debug_assert!(groups.is_some(), "{column:?} has no index");
        groups
            .and_then(|groups| groups.get(value))
            .into_iter()
            .flat_map(|rows| rows.values())
            .filter_map(|r| R::from_any(r))
            .collect()
    }

    /// Sessions whose date falls in `range` (epoch ms), oldest first.
    pub fn logs_by_date(
        &self,
        range: impl RangeBounds<i64>,
    ) -> impl DoubleEndedIterator<Item = &'a Log> + 'a {
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
        self.table(logs::TABLE)
            .into_iter()
            .flat_map(move |t| t.by_date.range((start.clone(), end.clone())))
            .filter_map(|(_, r)| Log::from_any(r))
    }

    /// Every set performed of one exercise: newest session first, then in the order the
    /// session shows them (exercise entry, then set).
    ///
    /// The exercise page's question, asked again after every edit, so it touches each
    /// record once: the three tables' indexes are looked up once, and sorting compares
    /// keys copied next to each other rather than following pointers into the records.
    pub fn exercise_sets(&self, exercise_id: &str) -> Vec<PerformedSet<'a>> {
        let (Some(sessions), Some(entries_t), Some(sets_t)) = (
            self.table(logs::TABLE),
            self.table(log_exercise::TABLE),
            self.table(log_exercise_sets::TABLE),
        ) else {
            return Vec::new();
        };
        let by_exercise = entries_t.groups(log_exercise::exercise_id);
        let by_entry = sets_t.groups(log_exercise_sets::log_exercise_id);
        let group = |groups: Option<&'a FxHashMap<String, Rows>>, value: &str| {
            groups
                .and_then(|g| g.get(value))
                .into_iter()
                .flat_map(|rows| rows.values())
        };
        // (date, session id, entry order, entry id) and the records, newest session first.
        type Entry<'r> = (Option<i64>, &'r str, f64, &'r str, &'r Log, &'r LogExercise);
        let mut entries: Vec<Entry<'a>> = group(by_exercise, exercise_id)
            .filter_map(|r| {
                let e = LogExercise::from_any(r)?;
                let log = Log::from_any(sessions.rows.get(e.log_id.as_deref()?)?)?;
                Some((
                    log.session_date,
                    log.id.as_str(),
                    e.order.unwrap_or_default(),
                    e.id.as_str(),
                    log,
                    e,
                ))
            })
            .collect();
        entries.sort_unstable_by(|a, b| {
            b.0.cmp(&a.0)
                .then_with(|| b.1.cmp(a.1))
                .then_with(|| list_order((a.2, a.3), (b.2, b.3)))
        });
        let mut out = Vec::with_capacity(entries.len() * 4);
        let mut sets: Vec<(f64, &'a str, &'a LogExerciseSet)> = Vec::new();
        for (_, _, _, entry_id, log, exercise) in entries {
            sets.clear();
            sets.extend(
                group(by_entry, entry_id)
                    .filter_map(|r| LogExerciseSet::from_any(r))
                    .map(|s| (s.order.unwrap_or_default(), s.id.as_str(), s)),
            );
            sets.sort_unstable_by(|a, b| list_order((a.0, a.1), (b.0, b.1)));
            out.extend(
                sets.iter()
                    .map(|&(_, _, set)| PerformedSet { log, exercise, set }),
            );
        }
        out
    }
}

fn text<'a>(raw: &'a WireRecord, column: &str) -> Option<&'a str> {
    raw.get(column).and_then(|v| v.as_str())
}
