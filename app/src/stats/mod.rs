//! Training statistics as plain functions of logged sets, so the server (rendering from
//! the database) and the browser (reading the replica) compute the same figures.
//!
//! Definitions (weights in kilograms; the pages convert for display):
//! - A set *counts* when it is completed and not a warm-up.
//! - Volume of a set = weight × reps; of a session, the sum over its counting sets. Only
//!   a weight that is a load counts: an assisted exercise's weight is help, not load, so
//!   its sets add reps but no volume, heaviest weight or 1RM.
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

pub mod calendar;
pub mod catalog;
pub mod history;
pub mod progress;

pub use calendar::{Day, Month, Zone};
pub use catalog::Catalog;

use crate::local::edit::sort_listed;
use crate::local::Query;
use crate::model::records::{Log, LogExercise, LogExerciseSet};
use crate::model::tables::{log_exercise, log_exercise_sets};
use crate::model::{SetType, Tracking};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// A logged set of an exercise tracked as `tracking`: its weight counts only when it
    /// is a load.
    pub fn of(set: &LogExerciseSet, tracking: Tracking) -> Self {
        Self {
            set_type: set
                .set_type
                .as_deref()
                .map(SetType::parse)
                .unwrap_or_default(),
            weight: if tracking.weight_is_load() {
                set.weight.filter(|w| w.is_finite()).unwrap_or(0.0)
            } else {
                0.0
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
/// [`crate::local::query_snapshot`]), oldest first, its exercises and sets in the
/// order logged.
pub fn sessions(q: &Query, catalog: &Catalog) -> Vec<Session> {
    q.logs_by_date(..)
        .map(|log| session(q, log, catalog))
        .collect()
}

/// One logged session as statistics see it.
pub fn session(q: &Query, log: &Log, catalog: &Catalog) -> Session {
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
                    .map(|s| SetFacts::of(s, tracking))
                    .collect(),
            ))
        })
        .collect();
    Session {
        id: log.id.clone(),
        date: log.session_date.unwrap_or_default(),
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
pub fn personal_records(sessions: &[Session], formula: OneRmFormula) -> Records {
    let mut order: Vec<&Session> = sessions.iter().collect();
    order.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.id.cmp(&b.id)));
    let mut out = Records::default();
    for session in order {
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
            if !out.by_exercise.contains_key(exercise) {
                out.by_exercise
                    .insert(exercise.to_owned(), ExerciseRecords::default());
            }
            let records = out.by_exercise.get_mut(exercise).expect("just made sure");
            let mut set = |kind: RecordKind, best: &Option<Best>| {
                out.history.push(RecordSet {
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
    out
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
        let all = query_snapshot(&snapshot, |q| sessions(q, &Catalog::default()));
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
        assert_eq!(SetFacts::of(&set, Tracking::WeightReps).volume(), 160.0);
        let assisted = SetFacts::of(&set, Tracking::Assisted);
        assert_eq!((assisted.volume(), assisted.reps), (0.0, 8));
        let r = personal_records(
            &[session("a", 1, &[("dip", vec![assisted])])],
            OneRmFormula::Epley,
        );
        assert!(r.by_exercise["dip"].heaviest.is_none());
        assert!(r.by_exercise["dip"].one_rm.is_none());
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
    }
}
