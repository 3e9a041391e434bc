//! Ways to start a session — empty, from a template, the default routine's next workout,
//! or again from a logged one — and the "previous" values each set shows.

use super::active::{ActiveExercise, ActiveSession, ActiveSet};
use crate::local::edit::sort_listed;
use crate::local::Query;
use crate::model::records::{Log, LogExercise, LogExerciseSet};
use crate::model::tables::{log_exercise, log_exercise_sets};
use crate::model::SetType;
use crate::programs::Program;

/// What an exercise's set at one position recorded the last time it was logged.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PreviousSet {
    pub set_type: SetType,
    /// Kilograms.
    pub weight: Option<f64>,
    pub reps: Option<i64>,
    pub duration: Option<i64>,
    /// Metres.
    pub distance: Option<f64>,
}

/// The sets of `exercise_id` in the newest finished session that had it, in the order
/// logged (all its blocks of that session): the logger's "previous" column by position.
pub fn previous_sets(q: &Query, exercise_id: &str) -> Vec<PreviousSet> {
    let performed = q.exercise_sets(exercise_id);
    let Some(newest) = performed.first().map(|p| p.log.id.as_str()) else {
        return Vec::new();
    };
    performed
        .iter()
        .take_while(|p| p.log.id == newest)
        .map(|p| PreviousSet {
            set_type: SetType::parse(p.set.set_type.as_deref().unwrap_or_default()),
            weight: p.set.weight,
            reps: p.set.reps,
            duration: p.set.duration,
            distance: p.set.distance,
        })
        .collect()
}

/// A new session with no exercises.
pub fn empty(id: String, now: i64) -> ActiveSession {
    ActiveSession {
        id,
        started_at: now,
        title: crate::model::UNTITLED_SESSION.into(),
        notes: String::new(),
        workout_id: None,
        exercises: Vec::new(),
        rest: None,
    }
}

/// An exercise added during a session: as many sets as last time, prefilled with last
/// time's values (one empty set for an exercise never logged).
pub fn new_exercise(
    q: &Query,
    exercise_id: &str,
    ids: &mut impl FnMut() -> String,
) -> ActiveExercise {
    let previous = previous_sets(q, exercise_id);
    let mut sets: Vec<ActiveSet> = previous
        .iter()
        .map(|p| ActiveSet {
            id: ids(),
            set_type: p.set_type,
            weight: p.weight,
            reps: p.reps,
            duration: p.duration,
            distance: p.distance,
            ..Default::default()
        })
        .collect();
    if sets.is_empty() {
        sets.push(ActiveSet {
            id: ids(),
            ..Default::default()
        });
    }
    ActiveExercise {
        id: ids(),
        exercise_id: exercise_id.to_owned(),
        notes: String::new(),
        rest_time: None,
        superset_group: None,
        planned_id: None,
        sets,
    }
}

/// A session from a template workout: its exercises, sets, targets and rest times; a
/// value the template leaves empty is taken from the previous session.
pub fn from_template(
    program: &Program,
    q: &Query,
    workout_id: &str,
    ids: &mut impl FnMut() -> String,
    now: i64,
) -> Option<ActiveSession> {
    let workout = program.workout(workout_id)?;
    let exercises = workout
        .exercises
        .iter()
        .map(|planned| {
            let previous = previous_sets(q, &planned.exercise_id);
            let sets = planned
                .sets
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let p = previous.get(i).copied().unwrap_or_default();
                    ActiveSet {
                        id: ids(),
                        set_type: t.set_type,
                        weight: t.weight.or(p.weight),
                        reps: t.reps.or(p.reps),
                        duration: t.duration.or(p.duration),
                        distance: t.distance.or(p.distance),
                        rpe: None,
                        done: false,
                        planned_id: Some(t.id.clone()),
                    }
                })
                .collect();
            ActiveExercise {
                id: ids(),
                exercise_id: planned.exercise_id.clone(),
                notes: planned.notes.clone(),
                rest_time: planned.rest_time,
                superset_group: planned.superset_group,
                planned_id: Some(planned.id.clone()),
                sets,
            }
        })
        .collect();
    Some(ActiveSession {
        id: ids(),
        started_at: now,
        title: crate::model::shown_title(Some(&workout.title), crate::model::UNTITLED_SESSION),
        notes: String::new(),
        workout_id: Some(workout.id.clone()),
        exercises,
        rest: None,
    })
}

/// The default routine's next workout: the one after the routine's workout logged last
/// (wrapping around), or its first when none was logged. `None` without a default
/// routine or when it has no workouts.
pub fn next_workout<'p>(program: &'p Program, q: &Query) -> Option<&'p crate::programs::Workout> {
    let routine = program.routines.iter().find(|r| r.default)?;
    let links = &routine.links;
    if links.is_empty() {
        return None;
    }
    let last = q.logs_by_date(..).rev().find_map(|log| {
        let wid = log.workout_id.as_deref()?;
        links.iter().position(|l| l.workout_id == wid)
    });
    let next = last.map_or(0, |i| (i + 1) % links.len());
    program.workout(&links[next].workout_id)
}

/// A session repeating a logged one: its exercises and sets with their values, none
/// ticked, under new ids.
pub fn from_log(
    q: &Query,
    log_id: &str,
    ids: &mut impl FnMut() -> String,
    now: i64,
) -> Option<ActiveSession> {
    let log = q.get::<Log>(log_id)?;
    let mut entries = q.find::<LogExercise>(log_exercise::log_id, log_id);
    sort_listed(&mut entries, |e| (e.order, &e.id));
    let exercises = entries
        .into_iter()
        .filter_map(|e| {
            let mut sets = q.find::<LogExerciseSet>(log_exercise_sets::log_exercise_id, &e.id);
            sort_listed(&mut sets, |s| (s.order, &s.id));
            Some(ActiveExercise {
                id: ids(),
                exercise_id: e.exercise_id.clone()?,
                notes: e.notes.clone().unwrap_or_default(),
                rest_time: None,
                superset_group: e.superset_group,
                planned_id: None,
                sets: sets
                    .into_iter()
                    .map(|s| ActiveSet {
                        id: ids(),
                        set_type: SetType::parse(s.set_type.as_deref().unwrap_or_default()),
                        weight: s.weight,
                        reps: s.reps,
                        duration: s.duration,
                        distance: s.distance,
                        rpe: s.rpe,
                        done: false,
                        planned_id: None,
                    })
                    .collect(),
            })
        })
        .collect();
    Some(ActiveSession {
        id: ids(),
        started_at: now,
        title: crate::stats::history::title(log),
        notes: String::new(),
        workout_id: log.workout_id.clone(),
        exercises,
        rest: None,
    })
}
