//! Training statistics as plain functions of logged sets, so the server (rendering from
//! the database) and the browser (reading the replica) compute the same figures.
//!
//! Definitions (weights in kilograms; the pages convert for display):
//! - A set *counts* when it is completed and not a warm-up.
//! - Volume of a set = load × reps; of a session, the sum over its counting sets. A set's
//!   load is its weight for a weight × reps exercise. For a bodyweight exercise it is the
//!   lifter's bodyweight at the session ([`body::Bodyweights::at`]) plus the weight added,
//!   and for an assisted one that bodyweight minus the assistance; while no bodyweight
//!   was ever measured, a bodyweight exercise's load is the weight added and an assisted
//!   one has none (its sets add reps but no volume, heaviest weight or 1RM).
//! - Session time is the session's `duration`.
//! - Estimated one-rep max (1RM), by the user's formula, only from counting sets with
//!   weight > 0 and 1 ≤ reps ≤ 12 (beyond that the formulas say little): Epley
//!   `w × (1 + r/30)`, Brzycki `w × 36 / (37 − r)`; one rep is the weight itself.
//! - Personal records per exercise: heaviest weight, best estimated 1RM, most reps at
//!   each weight, best set volume and best session volume, each with the session that set
//!   it. Sessions are taken in date order; a value must beat the best so far to be a new
//!   record (a tie is not one). An exercise's first session sets its first records.
//! - Weeks start on the user's `week_start` day, in their time zone ([`calendar`]);
//!   the streak is the number of weeks in a row with a session, up to this one.
//! - Sets per muscle: counting sets, each for its exercise's primary muscle, over a
//!   window of days ([`crate::overview`]).
//!
//! The pages' figures ([`crate::overview`], [`history`], [`progress`]) are computed by these
//! functions from a [`Query`], which the server answers from the database and the
//! browser from its replica.

pub mod body;
pub mod calendar;
pub mod catalog;
pub mod history;
pub mod progress;

pub use calendar::{Day, Month, Zone};
pub use catalog::Catalog;

use crate::local::derived::SessionTouched;
use crate::local::edit::sort_listed;
use crate::local::Query;
use crate::model::records::{Log, LogExercise, LogExerciseSet};
use crate::model::tables::{log_exercise, log_exercise_sets};
use crate::model::{SetType, Tracking};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError};

/// Everything besides the records that the pages' figures depend on.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    pub catalog: &'a Catalog,
    pub settings: &'a crate::settings::Settings,
    pub zone: &'a Zone,
    /// Epoch milliseconds: what "this week" and "the last 7 days" are relative to.
    pub now: i64,
}

impl Scope<'_> {
    pub fn today(&self) -> Day {
        self.zone.day(self.now)
    }

    pub fn day(&self, ms: i64) -> Day {
        self.zone.day(ms)
    }
}

pub use crate::model::one_rm::{OneRmFormula, MAX_REPS_FOR_ONE_RM};

/// What statistics read of a performed set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetFacts {
    pub set_type: SetType,
    /// Kilograms; 0 when none was recorded.
    pub weight: f64,
    /// 0 when none was recorded.
    pub reps: i64,
    pub completed: bool,
}

impl SetFacts {
    /// A logged set of an exercise tracked as `tracking`, lifted at `bodyweight`
    /// (kilograms, when one was ever measured): its weight is the set's load.
    pub fn of(set: &LogExerciseSet, tracking: Tracking, bodyweight: Option<f64>) -> Self {
        let typed = set.weight.filter(|w| w.is_finite()).unwrap_or(0.0);
        Self {
            set_type: set
                .set_type
                .as_deref()
                .map(SetType::parse)
                .unwrap_or_default(),
            weight: match (tracking, bodyweight) {
                (Tracking::WeightReps, _) | (Tracking::Reps, None) => typed,
                (Tracking::Reps, Some(bw)) => bw + typed.max(0.0),
                (Tracking::Assisted, Some(bw)) => (bw - typed.max(0.0)).max(0.0),
                _ => 0.0,
            },
            reps: set.reps.unwrap_or(0),
            completed: set.completed.unwrap_or(false),
        }
    }

    /// Completed and not a warm-up.
    pub fn counts(&self) -> bool {
        self.completed && self.set_type != SetType::Warmup
    }

    /// Weight × reps of a counting set, else 0.
    pub fn volume(&self) -> f64 {
        if self.counts() {
            self.weight.max(0.0) * self.reps.max(0) as f64
        } else {
            0.0
        }
    }
}

/// Volume of a list of sets.
pub fn volume<'a>(sets: impl IntoIterator<Item = &'a SetFacts>) -> f64 {
    sets.into_iter().map(SetFacts::volume).sum()
}

/// One session as statistics see it: its exercises' sets, in the order logged.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub id: String,
    /// Epoch milliseconds.
    pub date: i64,
    /// Seconds.
    pub duration: i64,
    /// `(exercise id, sets)`; an exercise may appear in more than one block.
    pub exercises: Vec<(String, Vec<SetFacts>)>,
}

/// Every logged session of the replica (or of a database snapshot, through
/// [`crate::local::query_snapshot`]), oldest first (by date, then id), its exercises and
/// sets in the order logged.
///
/// Each session is read once and kept beside the records until a change touches it (see
/// [`crate::local::derived`]): after a set is ticked or a session finished, figures
/// over years of sessions read one again, not all of them.
pub fn sessions(q: &Query, catalog: &Catalog) -> Vec<Arc<Session>> {
    let derived = q.derived();
    let memo = derived.memo::<SessionsMemo>();
    let mut memo = memo.lock().unwrap_or_else(PoisonError::into_inner);
    let bodyweights = body::Bodyweights::of(q);
    let digest = load_digest(catalog, &bodyweights);
    match derived.touched_since(memo.seen) {
        Some(touched) if memo.catalog == digest => {
            for t in touched {
                memo.by_log.remove(&t.log_id);
            }
        }
        _ => memo.by_log.clear(),
    }
    memo.seen = derived.generation();
    memo.catalog = digest;
    q.logs_by_date(..)
        .map(|log| match memo.by_log.get(&log.id) {
            Some(kept) => kept.clone(),
            None => {
                let read = Arc::new(session(q, log, catalog, &bodyweights));
                memo.by_log.insert(log.id.clone(), read.clone());
                read
            }
        })
        .collect()
}

/// What every set's load depends on besides the set: each exercise's tracking and the
/// user's bodyweights. Figures kept between changes are read again when it differs.
fn load_digest(catalog: &Catalog, bodyweights: &body::Bodyweights) -> u64 {
    catalog.tracking_digest() ^ bodyweights.digest().rotate_left(1)
}

/// The local day of each instant of `dates` (epoch milliseconds) in `zone`, in order.
///
/// The browser's zone asks JavaScript's `Date` for every instant (its daylight-saving
/// rules are not ours to know), and a named zone walks its rules: over years of sessions
/// that was most of the dashboard's computation after a change. An instant's day in a
/// zone never changes, so days are kept by instant beside the records, for the last zone
/// asked; no journal is needed to keep them true.
pub fn days_of(q: &Query, zone: &Zone, dates: impl IntoIterator<Item = i64>) -> Vec<Day> {
    if let Zone::Fixed(_) = zone {
        return dates.into_iter().map(|ms| zone.day(ms)).collect();
    }
    let memo = q.derived().memo::<DaysMemo>();
    let mut memo = memo.lock().unwrap_or_else(PoisonError::into_inner);
    if memo.zone.as_ref() != Some(zone) {
        memo.zone = Some(zone.clone());
        memo.by_instant.clear();
    }
    let days: Vec<Day> = dates
        .into_iter()
        .map(|ms| *memo.by_instant.entry(ms).or_insert_with(|| zone.day(ms)))
        .collect();
    // Instants of sessions since moved or deleted are dropped once they are most of it
    // (measured against the most days asked at once: a page of one exercise's sessions
    // must not empty what the dashboard keeps).
    memo.most_asked = memo.most_asked.max(days.len());
    if memo.by_instant.len() > 2 * memo.most_asked + 1024 {
        memo.by_instant.clear();
    }
    days
}

/// Local days by instant, for one zone ([`days_of`]).
#[derive(Default)]
struct DaysMemo {
    zone: Option<Zone>,
    by_instant: FxHashMap<i64, Day>,
    most_asked: usize,
}

/// Sessions kept between changes, by id, as read with the catalog and bodyweights of
/// digest `catalog`.
#[derive(Default)]
struct SessionsMemo {
    seen: u64,
    catalog: u64,
    by_log: FxHashMap<String, Arc<Session>>,
}

/// One logged session as statistics see it.
pub fn session(
    q: &Query,
    log: &Log,
    catalog: &Catalog,
    bodyweights: &body::Bodyweights,
) -> Session {
    let date = log.session_date.unwrap_or_default();
    let bodyweight = bodyweights.at(date);
    let mut entries = q.find::<LogExercise>(log_exercise::log_id, &log.id);
    sort_listed(&mut entries, |e| (e.order, &e.id));
    let exercises = entries
        .into_iter()
        .filter_map(|e| {
            let exercise = e.exercise_id.clone()?;
            let tracking = catalog.tracking(&exercise);
            let mut sets = q.find::<LogExerciseSet>(log_exercise_sets::log_exercise_id, &e.id);
            sort_listed(&mut sets, |s| (s.order, &s.id));
            Some((
                exercise,
                sets.into_iter()
                    .map(|s| SetFacts::of(s, tracking, bodyweight))
                    .collect(),
            ))
        })
        .collect();
    Session {
        id: log.id.clone(),
        date,
        duration: log.duration.unwrap_or_default().max(0),
        exercises,
    }
}

impl Session {
    pub fn volume(&self) -> f64 {
        volume(self.exercises.iter().flat_map(|(_, sets)| sets))
    }

    /// Completed sets, warm-ups included (what the user did).
    pub fn completed_sets(&self) -> usize {
        self.exercises
            .iter()
            .flat_map(|(_, sets)| sets)
            .filter(|s| s.completed)
            .count()
    }
}

/// What a personal record measures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum RecordKind {
    HeaviestWeight,
    BestOneRm,
    /// Most reps lifted at this weight (kilograms).
    MostRepsAt(f64),
    BestSetVolume,
    BestSessionVolume,
}

/// A record value and the session that set it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Best {
    pub value: f64,
    pub log_id: String,
    pub date: i64,
}

/// A record being set: by which exercise, of what kind, its value, in which session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordSet {
    pub exercise_id: String,
    pub kind: RecordKind,
    pub best: Best,
}

/// One exercise's current records.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExerciseRecords {
    pub heaviest: Option<Best>,
    pub one_rm: Option<Best>,
    pub set_volume: Option<Best>,
    pub session_volume: Option<Best>,
    /// Most reps per weight, by the weight's bits (weights are compared exactly).
    pub reps_at: BTreeMap<u64, Best>,
    /// Sessions the exercise was logged in (with or without a counting set).
    pub sessions: usize,
}

/// Every exercise's records and every moment one was set, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    pub by_exercise: BTreeMap<String, ExerciseRecords>,
    pub history: Vec<RecordSet>,
}

impl Records {
    /// The records a session set (each kind once per exercise, its best of the session).
    pub fn set_in<'a>(&'a self, log_id: &'a str) -> impl Iterator<Item = &'a RecordSet> + 'a {
        self.history.iter().filter(move |r| r.best.log_id == log_id)
    }
}

/// Replaces `best` when `value` beats it (strictly); returns whether it did.
fn beat(best: &mut Option<Best>, value: f64, session: &Session) -> bool {
    if value > 0.0 && best.as_ref().is_none_or(|b| value > b.value) {
        *best = Some(Best {
            value,
            log_id: session.id.clone(),
            date: session.date,
        });
        true
    } else {
        false
    }
}

/// Walks `sessions` in date order (then id) and keeps every exercise's records.
pub fn personal_records<S: Borrow<Session>>(sessions: &[S], formula: OneRmFormula) -> Records {
    let mut order: Vec<&Session> = sessions.iter().map(Borrow::borrow).collect();
    order.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
    let mut out = Records::default();
    for session in order {
        out.add(session, formula);
    }
    out
}

/// Every exercise's records over `all`, kept between changes: what was set before the
/// newest sessions is kept, so a change to those (a set ticked, a session finished) walks
/// only them. A change to an older session walks everything again.
///
/// `all` must be what [`sessions`] gives for the same `q` and `catalog` (every session,
/// in its order): the kept records are of the replica's sessions, and a subset would be
/// answered with them. For records over some sessions, use [`personal_records`].
pub fn records_of(
    q: &Query,
    all: &[Arc<Session>],
    catalog: &Catalog,
    formula: OneRmFormula,
) -> Arc<Records> {
    let derived = q.derived();
    let memo = derived.memo::<RecordsMemo>();
    let mut memo = memo.lock().unwrap_or_else(PoisonError::into_inner);
    let digest = load_digest(catalog, &body::Bodyweights::of(q));
    let kept = memo.formula == Some(formula) && memo.catalog == digest;
    match derived.touched_since(memo.seen).filter(|_| kept) {
        None => *memo = RecordsMemo::default(),
        Some(mut touched) => {
            let upto = memo.upto.as_ref().map(|(date, _)| *date);
            if let Some(first) = touched.next() {
                memo.whole = None;
                let older =
                    |t: &SessionTouched| upto.is_some_and(|u| t.date.is_some_and(|d| d <= u));
                if older(first) || touched.any(older) {
                    *memo = RecordsMemo::default();
                }
            }
        }
    }
    memo.seen = derived.generation();
    memo.catalog = digest;
    memo.formula = Some(formula);
    if let Some(whole) = &memo.whole {
        return whole.clone();
    }
    let key = |s: &Session| (s.date, s.id.clone());
    let mut start = match &memo.upto {
        Some(upto) => all.partition_point(|s| key(s) < *upto),
        None => 0,
    };
    // Move the newest sessions but a few into what is kept, once there are many.
    if all.len() - start > 2 * RECENT_WALKED {
        let end = all.len() - RECENT_WALKED;
        for s in &all[start..end] {
            memo.prefix.add(s, formula);
        }
        memo.upto = Some(key(&all[end]));
        start = end;
    }
    let mut whole = memo.prefix.clone();
    for s in &all[start..] {
        whole.add(s, formula);
    }
    let whole = Arc::new(whole);
    memo.whole = Some(whole.clone());
    whole
}

/// The newest sessions whose records are walked again after a change to them.
const RECENT_WALKED: usize = 32;

/// Records kept between changes: `prefix` over the sessions before `upto` (date, id), and
/// the whole as last computed.
#[derive(Default)]
struct RecordsMemo {
    seen: u64,
    catalog: u64,
    formula: Option<OneRmFormula>,
    prefix: Records,
    upto: Option<(i64, String)>,
    whole: Option<Arc<Records>>,
}

impl Records {
    /// Walks one more session, later (by date, then id) than every one walked so far.
    fn add(&mut self, session: &Session, formula: OneRmFormula) {
        // The session's best of each kind per exercise, over all its blocks of it.
        let mut tops: BTreeMap<&str, SessionTops> = BTreeMap::new();
        for (exercise, sets) in &session.exercises {
            let top = tops.entry(exercise.as_str()).or_default();
            for set in sets.iter().filter(|s| s.counts()) {
                top.heaviest = top.heaviest.max(set.weight);
                if let Some(e) = formula.estimate(set.weight, set.reps) {
                    top.one_rm = top.one_rm.max(e);
                }
                top.set_volume = top.set_volume.max(set.volume());
                top.session_volume += set.volume();
                if set.weight > 0.0 && set.reps > 0 {
                    let reps = top.reps_at.entry(set.weight.to_bits()).or_default();
                    *reps = (*reps).max(set.reps);
                }
            }
        }
        for (exercise, top) in tops {
            if !self.by_exercise.contains_key(exercise) {
                self.by_exercise
                    .insert(exercise.to_owned(), ExerciseRecords::default());
            }
            let records = self.by_exercise.get_mut(exercise).expect("just made sure");
            records.sessions += 1;
            let history = &mut self.history;
            let mut set = |kind: RecordKind, best: &Option<Best>| {
                history.push(RecordSet {
                    exercise_id: exercise.to_owned(),
                    kind,
                    best: best.clone().expect("just set"),
                });
            };
            if beat(&mut records.heaviest, top.heaviest, session) {
                set(RecordKind::HeaviestWeight, &records.heaviest);
            }
            if beat(&mut records.one_rm, top.one_rm, session) {
                set(RecordKind::BestOneRm, &records.one_rm);
            }
            if beat(&mut records.set_volume, top.set_volume, session) {
                set(RecordKind::BestSetVolume, &records.set_volume);
            }
            if beat(&mut records.session_volume, top.session_volume, session) {
                set(RecordKind::BestSessionVolume, &records.session_volume);
            }
            for (weight, reps) in top.reps_at {
                let mut best = records.reps_at.get(&weight).cloned();
                if beat(&mut best, reps as f64, session) {
                    set(RecordKind::MostRepsAt(f64::from_bits(weight)), &best);
                    records.reps_at.insert(weight, best.expect("just set"));
                }
            }
        }
    }
}

/// One exercise's bests within one session.
#[derive(Default)]
struct SessionTops {
    heaviest: f64,
    one_rm: f64,
    set_volume: f64,
    session_volume: f64,
    reps_at: BTreeMap<u64, i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Record;

    fn set(weight: f64, reps: i64) -> SetFacts {
        SetFacts {
            set_type: SetType::Normal,
            weight,
            reps,
            completed: true,
        }
    }

    fn warm_up(weight: f64, reps: i64) -> SetFacts {
        SetFacts {
            set_type: SetType::Warmup,
            ..set(weight, reps)
        }
    }

    fn not_done(weight: f64, reps: i64) -> SetFacts {
        SetFacts {
            completed: false,
            ..set(weight, reps)
        }
    }

    fn session(id: &str, date: i64, exercises: &[(&str, Vec<SetFacts>)]) -> Session {
        Session {
            id: id.into(),
            date,
            duration: 0,
            exercises: exercises
                .iter()
                .map(|(e, s)| ((*e).to_owned(), s.clone()))
                .collect(),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    mod kept {
        //! Sessions and records kept between changes give what a fresh computation gives,
        //! and recompute only what a change touched.
        use super::super::*;
        use crate::local::edit::{create, delete, update};
        use crate::local::memory::MemoryStore;
        use crate::local::{query_snapshot, Snapshot};
        use crate::model::records::CustomExercise;
        use crate::model::tables::{custom_exercises, logs};

        const DAY: i64 = 86_400_000;

        /// Session `n` on day `n`: squats and a custom exercise, one set each.
        fn logged(store: &MemoryStore, n: i64, weight: f64) {
            let log = format!("log{n}");
            let ops = [
                create(logs::TABLE, &log, [logs::session_date.to(n * DAY)]),
                create(
                    log_exercise::TABLE,
                    &format!("e{n}"),
                    [
                        log_exercise::log_id.to(log.clone()),
                        log_exercise::exercise_id.to("squat".to_owned()),
                    ],
                ),
                create(
                    log_exercise_sets::TABLE,
                    &format!("s{n}"),
                    [
                        log_exercise_sets::log_exercise_id.to(format!("e{n}")),
                        log_exercise_sets::weight.to(weight),
                        log_exercise_sets::reps.to(5),
                        log_exercise_sets::completed.to(true),
                    ],
                ),
                create(
                    log_exercise::TABLE,
                    &format!("f{n}"),
                    [
                        log_exercise::log_id.to(log),
                        log_exercise::exercise_id.to("mine".to_owned()),
                    ],
                ),
                create(
                    log_exercise_sets::TABLE,
                    &format!("t{n}"),
                    [
                        log_exercise_sets::log_exercise_id.to(format!("f{n}")),
                        log_exercise_sets::weight.to(20.0),
                        log_exercise_sets::reps.to(8),
                        log_exercise_sets::completed.to(true),
                    ],
                ),
            ];
            store.apply(&ops);
        }

        fn catalog(q: &Query) -> Catalog {
            let library = [crate::model::LibraryExercise {
                id: "squat".into(),
                name: "Squat".into(),
                category: "strength".into(),
                equipment: "barbell".into(),
                primary_muscle: "legs".into(),
                secondary_muscles: Vec::new(),
                tracking: Tracking::WeightReps,
            }];
            Catalog::new(&library, q)
        }

        /// The store's sessions and records, kept and fresh (from a copy of its records
        /// with nothing kept).
        fn both(
            store: &MemoryStore,
            formula: OneRmFormula,
        ) -> ((Vec<Session>, Records), (Vec<Session>, Records)) {
            let kept = store.query(|q| {
                let catalog = catalog(q);
                let all = sessions(q, &catalog);
                let records = records_of(q, &all, &catalog, formula);
                (
                    all.iter().map(|s| (**s).clone()).collect(),
                    (*records).clone(),
                )
            });
            let snapshot = Snapshot {
                tables: store.with_tables(|t| {
                    t.iter()
                        .map(|(name, records)| {
                            (
                                name.clone(),
                                records
                                    .values()
                                    .filter(|r| r.status != crate::local::record::Status::Deleted)
                                    .map(|r| r.raw.clone())
                                    .collect(),
                            )
                        })
                        .collect()
                }),
            };
            let fresh = query_snapshot(&snapshot, |q| {
                let catalog = catalog(q);
                let all: Vec<Session> = sessions(q, &catalog)
                    .iter()
                    .map(|s| (**s).clone())
                    .collect();
                let records = personal_records(&all, formula);
                (all, records)
            });
            (kept, fresh)
        }

        fn kept_sessions(store: &MemoryStore) -> Vec<Arc<Session>> {
            store.query(|q| sessions(q, &catalog(q)))
        }

        fn upto(store: &MemoryStore) -> Option<(i64, String)> {
            store.query(|q| {
                q.derived()
                    .memo::<RecordsMemo>()
                    .lock()
                    .unwrap()
                    .upto
                    .clone()
            })
        }

        #[test]
        fn kept_figures_match_fresh_ones_through_every_kind_of_change() {
            let store = MemoryStore::default();
            store.apply(&[create(
                custom_exercises::TABLE,
                "mine",
                [custom_exercises::name.to("Mine".to_owned())],
            )]);
            for n in 0..100 {
                logged(&store, n, 100.0 + (n % 7) as f64);
            }
            let formula = OneRmFormula::Epley;
            let check = |what: &str, formula| {
                let (kept, fresh) = both(&store, formula);
                assert_eq!(kept.0, fresh.0, "sessions after {what}");
                assert_eq!(kept.1, fresh.1, "records after {what}");
            };
            check("the first read", formula);
            let before = kept_sessions(&store);
            // A set of the newest session edited: that session alone is read again, the
            // records before the newest sessions are kept.
            let boundary = upto(&store);
            assert!(boundary.is_some(), "100 sessions: the older ones are kept");
            store.apply(&[update(
                log_exercise_sets::TABLE,
                "s99",
                [log_exercise_sets::weight.to(150.0)],
                1,
            )]);
            check("a new best in the newest session", formula);
            let after = kept_sessions(&store);
            for (b, a) in before.iter().zip(&after) {
                assert_eq!(Arc::ptr_eq(b, a), a.id != "log99", "{} read again?", a.id);
            }
            assert_eq!(
                upto(&store),
                boundary,
                "the older sessions' records were kept"
            );
            // A session finished after all the others.
            logged(&store, 100, 160.0);
            check("a session added at the end", formula);
            assert_eq!(upto(&store), boundary);
            // An old session edited, moved, deleted: everything after it may change.
            store.apply(&[update(
                log_exercise_sets::TABLE,
                "s3",
                [log_exercise_sets::weight.to(170.0)],
                2,
            )]);
            check("an old session's set edited", formula);
            store.apply(&[update(
                logs::TABLE,
                "log5",
                [logs::session_date.to(150 * DAY)],
                3,
            )]);
            check("an old session moved to the end", formula);
            store.apply(&[delete(logs::TABLE, "log10")]);
            check("an old session deleted", formula);
            store.apply(&[delete(log_exercise::TABLE, "e98")]);
            check("an exercise removed from a recent session", formula);
            check("the formula changed", OneRmFormula::Brzycki);
            // The custom exercise becomes assisted: its weight stops counting everywhere.
            store.apply(&[update(
                custom_exercises::TABLE,
                "mine",
                [custom_exercises::tracking.to("assisted".to_owned())],
                4,
            )]);
            assert_eq!(
                store.query(|q| q
                    .get::<CustomExercise>("mine")
                    .and_then(|c| c.tracking.clone())),
                Some("assisted".into())
            );
            check("an exercise's tracking changed", OneRmFormula::Brzycki);
            let (kept, _) = both(&store, OneRmFormula::Brzycki);
            assert!(
                kept.1.by_exercise["mine"].heaviest.is_none(),
                "assisted: no load"
            );
            // A first weigh-in: an assisted set's load is the bodyweight less the help.
            let bw = crate::model::tables::body_measurements::TABLE;
            store.apply(&[create(
                bw,
                "weighed",
                [
                    crate::model::tables::body_measurements::measured_at.to(0),
                    crate::model::tables::body_measurements::bodyweight.to(300.0),
                ],
            )]);
            check("a bodyweight measured", OneRmFormula::Brzycki);
            let (kept, _) = both(&store, OneRmFormula::Brzycki);
            assert!(kept.1.by_exercise["mine"].heaviest.is_some());
            store.apply(&[update(
                bw,
                "weighed",
                [crate::model::tables::body_measurements::bodyweight.to(310.0)],
                5,
            )]);
            check("a bodyweight changed", OneRmFormula::Brzycki);
        }

        #[test]
        fn unchanged_records_are_the_same_figures() {
            let store = MemoryStore::default();
            for n in 0..3 {
                logged(&store, n, 100.0);
            }
            let records = |store: &MemoryStore| {
                store.query(|q| {
                    let catalog = catalog(q);
                    records_of(q, &sessions(q, &catalog), &catalog, OneRmFormula::Epley)
                })
            };
            let first = records(&store);
            assert!(Arc::ptr_eq(&first, &records(&store)));
            store.apply(&[update(
                log_exercise_sets::TABLE,
                "s1",
                [log_exercise_sets::reps.to(6)],
                1,
            )]);
            assert!(!Arc::ptr_eq(&first, &records(&store)));
        }
    }

    #[test]
    fn sessions_are_read_from_logged_records_in_their_order() {
        use crate::local::{query_snapshot, Snapshot};
        use serde_json::json;
        let rows = |v: serde_json::Value| -> Vec<crate::model::wire::WireRecord> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_object().unwrap().clone())
                .collect()
        };
        let snapshot = Snapshot {
            tables: [
                ("logs", rows(json!([{ "id": "l", "session_date": 5 }]))),
                (
                    "log_exercise",
                    rows(json!([
                        { "id": "e2", "log_id": "l", "exercise_id": "row", "order": 2 },
                        { "id": "e1", "log_id": "l", "exercise_id": "bench", "order": 1 },
                    ])),
                ),
                (
                    "log_exercise_sets",
                    rows(json!([
                        { "id": "s2", "log_exercise_id": "e1", "order": 2, "weight": 100, "reps": 5, "completed": true },
                        { "id": "s1", "log_exercise_id": "e1", "order": 1, "weight": 60, "reps": 10, "set_type": "warmup", "completed": true },
                        { "id": "s3", "log_exercise_id": "e2", "order": 1, "weight": 50, "reps": 8 },
                    ])),
                ),
            ]
            .into_iter()
            .map(|(t, r)| (t.to_owned(), r))
            .collect(),
        };
        let all: Vec<Session> = query_snapshot(&snapshot, |q| {
            sessions(q, &Catalog::default())
                .iter()
                .map(|s| (**s).clone())
                .collect()
        });
        let warm = warm_up(60.0, 10);
        let undone = not_done(50.0, 8);
        assert_eq!(
            all,
            [session(
                "l",
                5,
                &[("bench", vec![warm, set(100.0, 5)]), ("row", vec![undone])]
            )]
        );
    }

    #[test]
    fn an_assisted_weight_is_not_a_load() {
        let raw = serde_json::json!({ "id": "s", "weight": 20, "reps": 8, "completed": true });
        let set = LogExerciseSet::from_wire(raw.as_object().unwrap());
        assert_eq!(
            SetFacts::of(&set, Tracking::WeightReps, None).volume(),
            160.0
        );
        let assisted = SetFacts::of(&set, Tracking::Assisted, None);
        assert_eq!((assisted.volume(), assisted.reps), (0.0, 8));
        let r = personal_records(
            &[session("a", 1, &[("dip", vec![assisted])])],
            OneRmFormula::Epley,
        );
        assert!(r.by_exercise["dip"].heaviest.is_none());
        assert!(r.by_exercise["dip"].one_rm.is_none());
    }

    #[test]
    fn a_bodyweight_exercises_load_counts_the_lifters_bodyweight() {
        let raw = serde_json::json!({ "id": "s", "weight": 20, "reps": 8, "completed": true });
        let set = LogExerciseSet::from_wire(raw.as_object().unwrap());
        let load = |t, bw| SetFacts::of(&set, t, bw).weight;
        assert_eq!(
            load(Tracking::WeightReps, Some(80.0)),
            20.0,
            "a barbell's is its own"
        );
        assert_eq!(
            load(Tracking::Reps, Some(80.0)),
            100.0,
            "a weighted pull-up's"
        );
        assert_eq!(
            load(Tracking::Reps, None),
            20.0,
            "never weighed: the weight added"
        );
        assert_eq!(
            load(Tracking::Assisted, Some(80.0)),
            60.0,
            "less help, more load"
        );
        assert_eq!(load(Tracking::Assisted, None), 0.0);
        assert_eq!(load(Tracking::Duration, Some(80.0)), 0.0);
        assert_eq!(
            SetFacts::of(&set, Tracking::Assisted, Some(80.0)).volume(),
            480.0
        );
    }

    #[test]
    fn one_rep_max_formulas_and_their_bounds() {
        let (e, b) = (OneRmFormula::Epley, OneRmFormula::Brzycki);
        assert!(close(
            e.estimate(100.0, 5).unwrap(),
            100.0 * (1.0 + 5.0 / 30.0)
        ));
        assert!(close(b.estimate(100.0, 5).unwrap(), 100.0 * 36.0 / 32.0));
        assert_eq!(e.estimate(100.0, 1), Some(100.0));
        assert_eq!(b.estimate(100.0, 1), Some(100.0));
        assert!(close(e.estimate(60.0, 12).unwrap(), 84.0));
        assert_eq!(e.estimate(60.0, 13), None);
        assert_eq!(e.estimate(60.0, 0), None);
        assert_eq!(e.estimate(0.0, 5), None);
        assert_eq!(e.estimate(f64::NAN, 5), None);
        assert_eq!(OneRmFormula::parse("brzycki"), b);
        assert_eq!(OneRmFormula::parse("unknown"), e);
    }

    #[test]
    fn volume_counts_completed_sets_that_are_not_warm_ups() {
        let warm = warm_up(40.0, 10);
        let undone = not_done(100.0, 5);
        let drop = SetFacts {
            set_type: SetType::Drop,
            ..set(80.0, 8)
        };
        assert!(close(
            volume(&[warm, undone, drop, set(100.0, 5)]),
            640.0 + 500.0
        ));
    }

    #[test]
    fn records_need_to_beat_the_best_and_warm_ups_never_set_one() {
        let warm = warm_up(200.0, 1);
        let sessions = [
            // Given out of order: the walk is by date.
            session("b", 2, &[("bench", vec![set(100.0, 5)])]),
            session("a", 1, &[("bench", vec![set(100.0, 5), warm])]),
            session("c", 3, &[("bench", vec![set(100.0, 6)])]),
        ];
        let r = personal_records(&sessions, OneRmFormula::Epley);
        let bench = &r.by_exercise["bench"];
        assert_eq!(
            bench.heaviest.as_ref().unwrap().log_id,
            "a",
            "a tie is not a record"
        );
        assert_eq!(bench.heaviest.as_ref().unwrap().value, 100.0);
        assert_eq!(bench.one_rm.as_ref().unwrap().log_id, "c");
        assert_eq!(bench.reps_at[&100.0_f64.to_bits()].value, 6.0);
        assert_eq!(r.set_in("b").count(), 0);
        let kinds: Vec<RecordKind> = r.set_in("c").map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                RecordKind::BestOneRm,
                RecordKind::BestSetVolume,
                RecordKind::BestSessionVolume,
                RecordKind::MostRepsAt(100.0),
            ]
        );
        // The first session set every kind it has.
        assert_eq!(r.set_in("a").count(), 5);
    }

    #[test]
    fn records_per_weight_and_session_volume_over_split_blocks() {
        let sessions = [
            session("a", 1, &[("squat", vec![set(100.0, 5), set(120.0, 3)])]),
            session(
                "b",
                2,
                // The same exercise in two blocks: the session's volume is both.
                &[
                    ("squat", vec![set(120.0, 2)]),
                    ("row", vec![set(50.0, 10)]),
                    ("squat", vec![set(100.0, 5), set(90.0, 1)]),
                ],
            ),
        ];
        let r = personal_records(&sessions, OneRmFormula::Brzycki);
        let squat = &r.by_exercise["squat"];
        assert_eq!(squat.session_volume.as_ref().unwrap().value, 860.0);
        assert_eq!(squat.session_volume.as_ref().unwrap().log_id, "a");
        assert_eq!(squat.reps_at[&120.0_f64.to_bits()].log_id, "a");
        assert_eq!(
            squat.reps_at[&90.0_f64.to_bits()].log_id,
            "b",
            "a new weight is a record"
        );
        let b: Vec<RecordKind> = r
            .set_in("b")
            .filter(|s| s.exercise_id == "squat")
            .map(|s| s.kind)
            .collect();
        assert_eq!(b, [RecordKind::MostRepsAt(90.0)]);
        assert_eq!(r.by_exercise["row"].heaviest.as_ref().unwrap().value, 50.0);
        assert_eq!(
            (squat.sessions, r.by_exercise["row"].sessions),
            (2, 1),
            "sessions with the exercise, blocks of one session counted once"
        );
    }

    /// Named zones are the server's (the browser's own zone has no name here).
    #[cfg(feature = "ssr")]
    #[test]
    fn kept_days_are_those_of_the_zone_asked() {
        use crate::local::memory::MemoryStore;
        let store = MemoryStore::default();
        // Late evening in UTC: already the next day in Berlin, still that day in New York.
        let instants: Vec<i64> = (0..400).map(|n| n * 86_400_000 + 23 * 3_600_000).collect();
        let berlin = Zone::named("Europe/Berlin").unwrap();
        let new_york = Zone::named("America/New_York").unwrap();
        for zone in [&berlin, &new_york, &berlin, &Zone::UTC] {
            let expected: Vec<Day> = instants.iter().map(|&ms| zone.day(ms)).collect();
            let kept = store.query(|q| days_of(q, zone, instants.iter().copied()));
            assert_eq!(kept, expected, "{zone:?}");
            assert_eq!(
                store.query(|q| days_of(q, zone, instants.iter().copied())),
                expected,
                "{zone:?} asked again"
            );
        }
        assert_ne!(berlin.day(instants[0]), new_york.day(instants[0]));
    }
}
