//! The session being logged. It lives on the device (in the replica's IndexedDB
//! database, outside the synced tables) until it is finished, as Strong and Hevy keep
//! theirs: nothing of a half-done workout reaches the server or other devices.
//!
//! Every change is an [`Edit`], a value: the tab applies it to its copy at once, and the
//! store first records the edit itself, then applies every recorded edit to the stored
//! session inside one transaction, so two tabs editing at once both keep their changes
//! and a tab closed right after a tap keeps it.

use crate::model::SetType;
use serde::{Deserialize, Serialize};

/// A workout in progress. Its ids become the records' ids when it is finished, so
/// finishing twice (a crash between the two commits) writes the same records again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveSession {
    /// The `logs` id it will be finished as.
    pub id: String,
    /// Epoch milliseconds: the session's date, and where elapsed time counts from.
    pub started_at: i64,
    pub title: String,
    #[serde(default)]
    pub notes: String,
    /// The template workout it was started from.
    #[serde(default)]
    pub workout_id: Option<String>,
    pub exercises: Vec<ActiveExercise>,
    /// The rest countdown, as an end time so every tab and a reload agree on it.
    #[serde(default)]
    pub rest: Option<RestTimer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveExercise {
    /// The `log_exercise` id it will be finished as.
    pub id: String,
    pub exercise_id: String,
    #[serde(default)]
    pub notes: String,
    /// Seconds of rest after each set; `None`: the default from settings.
    #[serde(default)]
    pub rest_time: Option<i64>,
    #[serde(default)]
    pub superset_group: Option<i64>,
    /// The template exercise (`workout_exercise`) it came from.
    #[serde(default)]
    pub planned_id: Option<String>,
    pub sets: Vec<ActiveSet>,
}

/// A set: kilograms, metres and seconds, whatever the display unit.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ActiveSet {
    /// The `log_exercise_sets` id it will be finished as.
    pub id: String,
    #[serde(default)]
    pub set_type: SetType,
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub reps: Option<i64>,
    #[serde(default)]
    pub duration: Option<i64>,
    #[serde(default)]
    pub distance: Option<f64>,
    #[serde(default)]
    pub rpe: Option<f64>,
    #[serde(default)]
    pub done: bool,
    /// The template set (`workout_exercise_sets`) it came from.
    #[serde(default)]
    pub planned_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestTimer {
    /// Epoch milliseconds.
    pub ends_at: i64,
    /// The countdown's full length in seconds (for the progress shown).
    pub length: i64,
    /// What comes after it ("Squat · set 3"), named by the page that ticked the set: the
    /// rest alert says it.
    #[serde(default)]
    pub next: Option<String>,
}

impl RestTimer {
    /// Whole seconds left at `now` (0 once over).
    pub fn remaining(&self, now: i64) -> i64 {
        ((self.ends_at - now).max(0) + 999) / 1000
    }
}

/// A set's number fields, as the logger edits them one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SetField {
    /// Kilograms.
    Weight,
    Reps,
    /// Seconds.
    Duration,
    /// Metres.
    Distance,
    Rpe,
}

/// One change to the active session. Stored as JSON before it is applied to the stored
/// session (in the replica's IndexedDB database), so a tab closed in between
/// still keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Edit {
    /// Starts `session`, replacing any other (the page asks first).
    Start(Box<ActiveSession>),
    /// Ends the session: finished (its records are written) or discarded.
    Clear,
    Title(String),
    Notes(String),
    AddExercise(ActiveExercise),
    RemoveExercise(String),
    /// Moves an exercise up (-1) or down (+1).
    MoveExercise(String, i32),
    ExerciseNotes(String, String),
    ExerciseRest(String, Option<i64>),
    Superset(String, Option<i64>),
    /// Adds a set to the exercise, copying the values of its last set.
    AddSet {
        exercise: String,
        id: String,
    },
    /// Inserts a copy of a set after it.
    DuplicateSet {
        set: String,
        id: String,
    },
    DeleteSet(String),
    /// Puts warm-up sets before the exercise's work, in place of the warm-ups not yet
    /// ticked (asking again after changing the working weight replaces them); one at a
    /// weight already warmed up at is left out.
    WarmUps {
        exercise: String,
        sets: Vec<ActiveSet>,
    },
    SetType(String, SetType),
    Value {
        set: String,
        field: SetField,
        value: Option<f64>,
    },
    /// Ticks (or unticks) a set; ticking starts a rest of `rest` seconds from `now`.
    Tick {
        set: String,
        done: bool,
        now: i64,
        rest: i64,
        /// What comes next, as the rest alert names it.
        next: Option<String>,
    },
    /// Lengthens (or shortens, negative) the running rest.
    RestBy {
        seconds: i64,
        now: i64,
    },
    SkipRest,
}

impl Edit {
    /// Applies the edit; one aimed at something no longer there changes nothing.
    pub fn apply(&self, active: &mut Option<ActiveSession>) {
        match self {
            Edit::Start(session) => *active = Some((**session).clone()),
            Edit::Clear => *active = None,
            _ => {
                if let Some(session) = active {
                    self.apply_to(session);
                }
            }
        }
    }

    fn apply_to(&self, s: &mut ActiveSession) {
        match self {
            Edit::Start(_) | Edit::Clear => {}
            Edit::Title(t) => s.title = t.clone(),
            Edit::Notes(n) => s.notes = n.clone(),
            Edit::AddExercise(e) => {
                if !s.exercises.iter().any(|x| x.id == e.id) {
                    s.exercises.push(e.clone());
                }
            }
            Edit::RemoveExercise(id) => s.exercises.retain(|e| &e.id != id),
            Edit::MoveExercise(id, delta) => {
                if let Some(i) = s.exercises.iter().position(|e| &e.id == id) {
                    let j = i as i64 + i64::from(*delta);
                    if (0..s.exercises.len() as i64).contains(&j) {
                        s.exercises.swap(i, j as usize);
                    }
                }
            }
            Edit::ExerciseNotes(id, notes) => {
                if let Some(e) = s.exercise_mut(id) {
                    e.notes = notes.clone();
                }
            }
            Edit::ExerciseRest(id, rest) => {
                if let Some(e) = s.exercise_mut(id) {
                    e.rest_time = *rest;
                }
            }
            Edit::Superset(id, group) => {
                if let Some(e) = s.exercise_mut(id) {
                    e.superset_group = *group;
                }
            }
            Edit::AddSet { exercise, id } => {
                if let Some(e) = s.exercise_mut(exercise) {
                    if !e.sets.iter().any(|x| &x.id == id) {
                        let set = match e.sets.last() {
                            Some(last) => ActiveSet {
                                id: id.clone(),
                                done: false,
                                planned_id: None,
                                set_type: match last.set_type {
                                    SetType::Warmup => SetType::Normal,
                                    t => t,
                                },
                                ..last.clone()
                            },
                            None => ActiveSet {
                                id: id.clone(),
                                ..Default::default()
                            },
                        };
                        e.sets.push(set);
                    }
                }
            }
            Edit::DuplicateSet { set, id } => {
                for e in &mut s.exercises {
                    if let Some(i) = e.sets.iter().position(|x| &x.id == set) {
                        if !e.sets.iter().any(|x| &x.id == id) {
                            let copy = ActiveSet {
                                id: id.clone(),
                                done: false,
                                planned_id: None,
                                ..e.sets[i].clone()
                            };
                            e.sets.insert(i + 1, copy);
                        }
                    }
                }
            }
            Edit::DeleteSet(id) => {
                for e in &mut s.exercises {
                    e.sets.retain(|x| &x.id != id);
                }
            }
            Edit::WarmUps { exercise, sets } => {
                if let Some(e) = s.exercise_mut(exercise) {
                    e.sets.retain(|x| x.done || x.set_type != SetType::Warmup);
                    let at = e
                        .sets
                        .iter()
                        .position(|x| x.set_type != SetType::Warmup)
                        .unwrap_or(e.sets.len());
                    // A warm-up already done at a weight is not asked again.
                    let new = sets.iter().filter(|x| {
                        !e.sets
                            .iter()
                            .any(|y| y.id == x.id || (y.done && y.weight == x.weight))
                    });
                    let new: Vec<ActiveSet> = new
                        .map(|x| ActiveSet {
                            set_type: SetType::Warmup,
                            done: false,
                            ..x.clone()
                        })
                        .collect();
                    e.sets.splice(at..at, new);
                }
            }
            Edit::SetType(id, t) => {
                if let Some(set) = s.set_mut(id) {
                    set.set_type = *t;
                }
            }
            Edit::Value { set, field, value } => {
                if let Some(x) = s.set_mut(set) {
                    let whole = value.map(|v| v.round() as i64);
                    match field {
                        SetField::Weight => x.weight = *value,
                        SetField::Reps => x.reps = whole,
                        SetField::Duration => x.duration = whole,
                        SetField::Distance => x.distance = *value,
                        SetField::Rpe => x.rpe = *value,
                    }
                }
            }
            Edit::Tick {
                set,
                done,
                now,
                rest,
                next,
            } => {
                let Some(x) = s.set_mut(set) else { return };
                x.done = *done;
                if *done && *rest > 0 {
                    s.rest = Some(RestTimer {
                        ends_at: now + rest * 1000,
                        length: *rest,
                        next: next.clone(),
                    });
                }
            }
            Edit::RestBy { seconds, now } => {
                if let Some(r) = &mut s.rest {
                    r.ends_at += seconds * 1000;
                    r.length = (r.length + seconds).max(0);
                    if r.ends_at <= *now {
                        s.rest = None;
                    }
                }
            }
            Edit::SkipRest => s.rest = None,
        }
    }
}

impl ActiveSession {
    pub fn exercise(&self, id: &str) -> Option<&ActiveExercise> {
        self.exercises.iter().find(|e| e.id == id)
    }

    fn exercise_mut(&mut self, id: &str) -> Option<&mut ActiveExercise> {
        self.exercises.iter_mut().find(|e| e.id == id)
    }

    /// A set and the exercise it belongs to.
    pub fn set(&self, id: &str) -> Option<(&ActiveExercise, &ActiveSet)> {
        self.exercises
            .iter()
            .find_map(|e| e.sets.iter().find(|s| s.id == id).map(|s| (e, s)))
    }

    fn set_mut(&mut self, id: &str) -> Option<&mut ActiveSet> {
        self.exercises
            .iter_mut()
            .flat_map(|e| e.sets.iter_mut())
            .find(|s| s.id == id)
    }

    /// The set to do after `set` is ticked, with its exercise and 0-based place: the
    /// exercise's next unticked set, else the first unticked set of the exercises after it,
    /// else of those before it (one skipped earlier). In a superset, the next exercise of
    /// the group comes first, round it, as the lifter alternates.
    pub fn next_set(&self, set: &str) -> Option<(&ActiveExercise, usize)> {
        let at = self
            .exercises
            .iter()
            .position(|e| e.sets.iter().any(|s| s.id == set))?;
        fn open<'a>(e: &'a ActiveExercise, ticked: &str) -> Option<(&'a ActiveExercise, usize)> {
            e.sets
                .iter()
                .position(|s| !s.done && s.id != ticked)
                .map(|i| (e, i))
        }
        let n = self.exercises.len();
        let order = (1..=n).map(|k| &self.exercises[(at + k) % n]);
        let here = &self.exercises[at];
        let group = here.superset_group;
        let partners = order
            .clone()
            .filter(|e| group.is_some() && e.superset_group == group);
        partners
            .chain(std::iter::once(here))
            .chain(self.exercises[at + 1..].iter())
            .chain(self.exercises[..at].iter())
            .find_map(|e| open(e, set))
    }

    /// Sets not ticked yet (what finishing asks about).
    pub fn unticked(&self) -> usize {
        self.exercises
            .iter()
            .flat_map(|e| &e.sets)
            .filter(|s| !s.done)
            .count()
    }

    pub fn set_count(&self) -> usize {
        self.exercises.iter().map(|e| e.sets.len()).sum()
    }
}

/// The weight an exercise is worked at: the heaviest of its sets (type and kilograms)
/// that is not a warm-up. The logger's and the template editor's plate calculator start
/// from it, and warm-ups lead up to it.
pub fn working_weight(sets: impl IntoIterator<Item = (SetType, Option<f64>)>) -> Option<f64> {
    sets.into_iter()
        .filter(|(t, _)| *t != SetType::Warmup)
        .filter_map(|(_, w)| w)
        .filter(|w| *w > 0.0)
        .max_by(f64::total_cmp)
}

impl ActiveExercise {
    /// Its [`working_weight`].
    pub fn working_weight(&self) -> Option<f64> {
        working_weight(self.sets.iter().map(|s| (s.set_type, s.weight)))
    }

    /// The warm-ups for its working weight on these plates, by this ramp, with ids from
    /// `new_id`; `None` without a working weight or when nothing lighter can be loaded.
    pub fn warm_ups(
        &self,
        plates: &crate::plates::PlateSet,
        ramp: &[crate::plates::RampStep],
        mut new_id: impl FnMut() -> String,
    ) -> Option<Edit> {
        let sets: Vec<ActiveSet> = plates
            .warm_ups(self.working_weight()?, ramp)
            .into_iter()
            .map(|(kg, reps)| ActiveSet {
                id: new_id(),
                set_type: SetType::Warmup,
                weight: Some(kg),
                reps: Some(reps),
                ..Default::default()
            })
            .collect();
        (!sets.is_empty()).then(|| Edit::WarmUps {
            exercise: self.id.clone(),
            sets,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> ActiveSession {
        let set = |id: &str, w: f64| ActiveSet {
            id: id.into(),
            weight: Some(w),
            reps: Some(5),
            ..Default::default()
        };
        ActiveSession {
            id: "log".into(),
            started_at: 1_000,
            title: "Push".into(),
            notes: String::new(),
            workout_id: None,
            exercises: vec![
                ActiveExercise {
                    id: "e1".into(),
                    exercise_id: "bench".into(),
                    notes: String::new(),
                    rest_time: Some(120),
                    superset_group: None,
                    planned_id: None,
                    sets: vec![set("s1", 60.0), set("s2", 80.0)],
                },
                ActiveExercise {
                    id: "e2".into(),
                    exercise_id: "dip".into(),
                    notes: String::new(),
                    rest_time: None,
                    superset_group: None,
                    planned_id: None,
                    sets: vec![],
                },
            ],
            rest: None,
        }
    }

    fn edit(s: &mut Option<ActiveSession>, edits: &[Edit]) {
        for e in edits {
            e.apply(s);
        }
    }

    #[test]
    fn the_next_set_is_the_exercises_own_then_the_ones_after_then_a_partners() {
        let mut s = session();
        let set = |id: &str| ActiveSet {
            id: id.into(),
            ..Default::default()
        };
        s.exercises[1].sets = vec![set("d1"), set("d2")];
        let next =
            |s: &ActiveSession, id: &str| s.next_set(id).map(|(e, i)| (e.exercise_id.clone(), i));
        assert_eq!(next(&s, "s1"), Some(("bench".into(), 1)));
        assert_eq!(
            next(&s, "s2"),
            Some(("bench".into(), 0)),
            "s1 left unticked"
        );
        s.exercises[0].sets[0].done = true;
        assert_eq!(next(&s, "s2"), Some(("dip".into(), 0)));
        s.exercises[1].sets[0].done = true;
        s.exercises[1].sets[1].done = true;
        assert_eq!(next(&s, "s2"), None, "all done: nothing next");
        // A superset alternates: bench, dip, bench, dip.
        let mut s = session();
        s.exercises[1].sets = vec![set("d1"), set("d2")];
        s.exercises[0].superset_group = Some(1);
        s.exercises[1].superset_group = Some(1);
        assert_eq!(next(&s, "s1"), Some(("dip".into(), 0)));
        s.exercises[0].sets[0].done = true;
        assert_eq!(next(&s, "d1"), Some(("bench".into(), 1)));
        assert_eq!(next(&s, "nope"), None);
    }

    #[test]
    fn ticking_starts_a_rest_that_can_be_changed_and_skipped() {
        let mut s = Some(session());
        let tick = |set: &str, done: bool| Edit::Tick {
            set: set.into(),
            done,
            now: 10_000,
            rest: 90,
            next: Some("Squat · set 2".into()),
        };
        edit(&mut s, &[tick("s1", true)]);
        let rest = s.as_ref().unwrap().rest.clone().unwrap();
        assert_eq!((rest.ends_at, rest.length), (100_000, 90));
        assert_eq!(rest.next.as_deref(), Some("Squat · set 2"));
        assert_eq!(rest.remaining(10_001), 90);
        assert_eq!(rest.remaining(99_500), 1);
        assert_eq!(rest.remaining(200_000), 0);
        edit(
            &mut s,
            &[Edit::RestBy {
                seconds: 15,
                now: 20_000,
            }],
        );
        assert_eq!(s.as_ref().unwrap().rest.as_ref().unwrap().ends_at, 115_000);
        edit(
            &mut s,
            &[Edit::RestBy {
                seconds: -15,
                now: 110_000,
            }],
        );
        assert_eq!(s.as_ref().unwrap().rest, None, "shortened past now: over");
        edit(&mut s, &[tick("s2", true), Edit::SkipRest]);
        assert_eq!(s.as_ref().unwrap().rest, None);
        // Unticking never starts a rest.
        edit(&mut s, &[tick("s2", false)]);
        assert_eq!(s.as_ref().unwrap().rest, None);
        assert_eq!(s.as_ref().unwrap().unticked(), 2 - 1);
    }

    #[test]
    fn sets_are_added_duplicated_typed_and_deleted() {
        let mut s = Some(session());
        edit(
            &mut s,
            &[
                Edit::SetType("s1".into(), SetType::Warmup),
                Edit::AddSet {
                    exercise: "e1".into(),
                    id: "s3".into(),
                },
                Edit::DuplicateSet {
                    set: "s1".into(),
                    id: "s1b".into(),
                },
                Edit::AddSet {
                    exercise: "e2".into(),
                    id: "d1".into(),
                },
                Edit::Value {
                    set: "s3".into(),
                    field: SetField::Reps,
                    value: Some(7.6),
                },
                Edit::DeleteSet("s2".into()),
            ],
        );
        let s = s.unwrap();
        let e1 = s.exercise("e1").unwrap();
        let ids: Vec<_> = e1.sets.iter().map(|x| x.id.as_str()).collect();
        assert_eq!(ids, ["s1", "s1b", "s3"]);
        assert_eq!(
            e1.sets[1].set_type,
            SetType::Warmup,
            "a copy keeps its type"
        );
        // A new set copies the last one's values, not its tick or warm-up type.
        assert_eq!((e1.sets[2].weight, e1.sets[2].reps), (Some(80.0), Some(8)));
        assert_eq!(e1.sets[2].set_type, SetType::Normal);
        assert_eq!(s.exercise("e2").unwrap().sets.len(), 1);
    }

    #[test]
    fn exercises_move_and_go_and_edits_of_missing_things_do_nothing() {
        let mut s = Some(session());
        edit(&mut s, &[Edit::MoveExercise("e2".into(), -1)]);
        let order: Vec<_> = s
            .as_ref()
            .unwrap()
            .exercises
            .iter()
            .map(|e| e.id.clone())
            .collect();
        assert_eq!(order, ["e2", "e1"]);
        let before = s.clone();
        edit(
            &mut s,
            &[
                Edit::MoveExercise("e2".into(), -1),
                Edit::DeleteSet("nope".into()),
                Edit::SetType("nope".into(), SetType::Drop),
            ],
        );
        assert_eq!(s, before);
        edit(&mut s, &[Edit::RemoveExercise("e1".into())]);
        assert_eq!(s.as_ref().unwrap().exercises.len(), 1);
        edit(&mut s, &[Edit::Clear, Edit::Title("x".into())]);
        assert_eq!(s, None);
    }

    #[test]
    fn the_stored_form_round_trips() {
        let s = session();
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<ActiveSession>(&json).unwrap(), s);
        assert!(json.contains("\"set_type\":\"normal\""));
    }

    #[test]
    fn warm_ups_go_before_the_work_and_replace_those_not_ticked() {
        use crate::model::WeightUnit;
        use crate::plates::{PlateSet, DEFAULT_RAMP};
        let plates = PlateSet::standard(WeightUnit::Kg);
        let mut s = Some(session());
        let mut n = 0;
        let mut ids = || {
            n += 1;
            format!("w{n}")
        };
        let exercise = s.as_ref().unwrap().exercise("e1").unwrap().clone();
        assert_eq!(exercise.working_weight(), Some(80.0));
        let warm = exercise.warm_ups(&plates, &DEFAULT_RAMP, &mut ids).unwrap();
        edit(&mut s, std::slice::from_ref(&warm));
        let sets = |s: &Option<ActiveSession>| -> Vec<(String, SetType, Option<f64>)> {
            s.as_ref()
                .unwrap()
                .exercise("e1")
                .unwrap()
                .sets
                .iter()
                .map(|x| (x.id.clone(), x.set_type, x.weight))
                .collect()
        };
        let warm_up = SetType::Warmup;
        assert_eq!(
            sets(&s),
            [
                ("w1".into(), warm_up, Some(20.0)),
                ("w2".into(), warm_up, Some(32.5)),
                ("w3".into(), warm_up, Some(47.5)),
                ("w4".into(), warm_up, Some(65.0)),
                ("s1".into(), SetType::Normal, Some(60.0)),
                ("s2".into(), SetType::Normal, Some(80.0)),
            ]
        );
        // The same edit again (another tab, a retry) changes nothing.
        edit(&mut s, &[warm]);
        assert_eq!(sets(&s).len(), 6);
        // The bar is ticked, the work gets heavier, warm-ups are asked again: the ticked
        // one stays, the others are replaced.
        edit(
            &mut s,
            &[
                Edit::Tick {
                    set: "w1".into(),
                    done: true,
                    now: 0,
                    rest: 0,
                    next: None,
                },
                Edit::Value {
                    set: "s2".into(),
                    field: SetField::Weight,
                    value: Some(100.0),
                },
            ],
        );
        let exercise = s.as_ref().unwrap().exercise("e1").unwrap().clone();
        edit(
            &mut s,
            &[exercise.warm_ups(&plates, &DEFAULT_RAMP, &mut ids).unwrap()],
        );
        let now = sets(&s);
        assert_eq!(now[0].0, "w1");
        assert_eq!(
            now[1..].iter().map(|x| x.2.unwrap()).collect::<Vec<_>>(),
            [40.0, 60.0, 80.0, 60.0, 100.0],
            "the bar, done already, is not asked again"
        );
        // No working weight, no warm-ups.
        assert!(s
            .as_ref()
            .unwrap()
            .exercise("e2")
            .unwrap()
            .warm_ups(&plates, &DEFAULT_RAMP, &mut ids)
            .is_none());
    }

    /// Edits are kept as JSON before they are applied (a tab closed in between applies
    /// them when next opened): every kind reads back as itself.
    #[test]
    fn every_edit_reads_back_from_json() {
        let set = |id: &str| ActiveSet {
            id: id.into(),
            set_type: SetType::Warmup,
            weight: Some(20.0),
            ..Default::default()
        };
        let edits = [
            Edit::Start(Box::new(session())),
            Edit::Clear,
            Edit::Title("Legs".into()),
            Edit::Notes("slow".into()),
            Edit::AddExercise(session().exercises[0].clone()),
            Edit::RemoveExercise("e1".into()),
            Edit::MoveExercise("e1".into(), -1),
            Edit::ExerciseNotes("e1".into(), "grip".into()),
            Edit::ExerciseRest("e1".into(), Some(90)),
            Edit::Superset("e1".into(), None),
            Edit::AddSet {
                exercise: "e1".into(),
                id: "s9".into(),
            },
            Edit::DuplicateSet {
                set: "s1".into(),
                id: "s8".into(),
            },
            Edit::DeleteSet("s1".into()),
            Edit::WarmUps {
                exercise: "e1".into(),
                sets: vec![set("w1")],
            },
            Edit::SetType("s1".into(), SetType::Drop),
            Edit::Value {
                set: "s1".into(),
                field: SetField::Rpe,
                value: Some(8.5),
            },
            Edit::Tick {
                set: "s1".into(),
                done: true,
                now: 5_000,
                rest: 90,
                next: Some("Curl · set 2".into()),
            },
            Edit::RestBy {
                seconds: -15,
                now: 6_000,
            },
            Edit::SkipRest,
        ];
        for edit in edits {
            let text = serde_json::to_string(&edit).unwrap();
            assert_eq!(serde_json::from_str::<Edit>(&text).unwrap(), edit, "{text}");
        }
    }
}
