//! Finishing a session: its records (one `logs` record with its `log_exercise` and
//! `log_exercise_sets`, written in one replica transaction), what to do with the template
//! it came from, and the summary with the records it set.

use super::active::{ActiveSession, ActiveSet};
use crate::local::edit::{create, delete, update};
use crate::local::{Op, Query};
use crate::model::tables::{
    log_exercise as entries, log_exercise_sets as sets, logs, workout_exercise as planned,
    workout_exercise_sets as template_sets,
};
use crate::programs::Program;
use crate::stats::{records_of, sessions, Catalog, OneRmFormula, RecordSet};

/// What finishing does with sets that were not ticked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unticked {
    Discard,
    MarkDone,
}

/// The session as it will be logged: unticked sets dropped or marked done, and
/// exercises left without sets dropped.
pub fn performed(session: &ActiveSession, unticked: Unticked) -> ActiveSession {
    let mut s = session.clone();
    for e in &mut s.exercises {
        match unticked {
            Unticked::Discard => e.sets.retain(|x| x.done),
            Unticked::MarkDone => e.sets.iter_mut().for_each(|x| x.done = true),
        }
    }
    s.exercises.retain(|e| !e.sets.is_empty());
    s.rest = None;
    s
}

/// The records of a finished session, under the session's own ids (finishing it again
/// writes the same records). Values are stored in kilograms, metres and seconds.
pub fn finish_ops(session: &ActiveSession, unticked: Unticked, now: i64) -> Vec<Op> {
    let s = performed(session, unticked);
    let mut ops = vec![create(
        logs::TABLE,
        &s.id,
        [
            logs::workout_id.to(s.workout_id.clone()),
            logs::workout_title.to(s.title.trim().to_owned()),
            logs::notes.to(s.notes.clone()),
            logs::session_date.to(s.started_at),
            logs::duration.to(((now - s.started_at) / 1000).max(0)),
            logs::is_imported.to(false),
            logs::imported_at.to(None),
            logs::created_at.to(now),
            logs::updated_at.to(now),
        ],
    )];
    for (i, e) in s.exercises.iter().enumerate() {
        ops.push(create(
            entries::TABLE,
            &e.id,
            [
                entries::log_id.to(s.id.clone()),
                entries::exercise_id.to(e.exercise_id.clone()),
                entries::order.to(i as f64),
                entries::notes.to(e.notes.clone()),
                entries::superset_group.to(e.superset_group),
            ],
        ));
        for (j, x) in e.sets.iter().enumerate() {
            ops.push(create(
                sets::TABLE,
                &x.id,
                [
                    sets::log_exercise_id.to(e.id.clone()),
                    sets::order.to(j as f64),
                    sets::set_type.to(x.set_type.as_str().to_owned()),
                    sets::reps.to(x.reps),
                    sets::weight.to(x.weight),
                    sets::duration.to(x.duration),
                    sets::distance.to(x.distance),
                    sets::rpe.to(x.rpe),
                    sets::completed.to(x.done),
                    sets::notes.to(String::new()),
                ],
            ));
        }
    }
    ops
}

fn same_values(t: &crate::programs::TemplateSet, x: &ActiveSet) -> bool {
    t.set_type == x.set_type
        && t.weight == x.weight
        && t.reps == x.reps
        && t.duration == x.duration
        && t.distance == x.distance
}

/// The edits that make the session's template match what was performed: values changed,
/// sets and exercises added, removed or reordered. Empty when nothing changed (or the
/// session has no template): then "Update template" is not offered.
pub fn template_update(
    session: &ActiveSession,
    program: &Program,
    ids: &mut impl FnMut() -> String,
    now: i64,
) -> Vec<Op> {
    let Some(workout) = session
        .workout_id
        .as_deref()
        .and_then(|id| program.workout(id))
    else {
        return Vec::new();
    };
    let mut ops = Vec::new();
    // Orders are rewritten (1, 2, …) only when the sequence changed: an exercise added or
    // the kept ones in another order.
    let kept: Vec<&str> = session
        .exercises
        .iter()
        .filter_map(|e| e.planned_id.as_deref())
        .filter(|id| workout.exercises.iter().any(|p| p.id == *id))
        .collect();
    let template_order: Vec<&str> = workout
        .exercises
        .iter()
        .map(|p| p.id.as_str())
        .filter(|id| kept.contains(id))
        .collect();
    let renumber = kept != template_order || kept.len() != session.exercises.len();
    for planned_exercise in &workout.exercises {
        if !session
            .exercises
            .iter()
            .any(|e| e.planned_id.as_deref() == Some(&planned_exercise.id))
        {
            ops.push(delete(planned::TABLE, &planned_exercise.id));
        }
    }
    for (i, e) in session.exercises.iter().enumerate() {
        let existing = e
            .planned_id
            .as_deref()
            .and_then(|id| workout.exercises.iter().find(|p| p.id == id));
        let planned_id = match existing {
            Some(p) => {
                let order = if renumber { (i + 1) as f64 } else { p.order };
                if order != p.order || p.rest_time != e.rest_time || p.notes != e.notes {
                    ops.push(update(
                        planned::TABLE,
                        &p.id,
                        [
                            planned::order.to(order),
                            planned::rest_time.to(e.rest_time),
                            planned::notes.to(e.notes.clone()),
                        ],
                        now,
                    ));
                }
                for t in &p.sets {
                    if !e
                        .sets
                        .iter()
                        .any(|x| x.planned_id.as_deref() == Some(&t.id))
                    {
                        ops.push(delete(template_sets::TABLE, &t.id));
                    }
                }
                p.id.clone()
            }
            None => {
                let id = ids();
                ops.push(create(
                    planned::TABLE,
                    &id,
                    [
                        planned::workout_id.to(workout.id.clone()),
                        planned::exercise_id.to(e.exercise_id.clone()),
                        planned::order.to((i + 1) as f64),
                        planned::rest_time.to(e.rest_time),
                        planned::notes.to(e.notes.clone()),
                        planned::is_saved.to(true),
                        planned::superset_group.to(e.superset_group),
                    ],
                ));
                id
            }
        };
        let template_sets_of = |x: &ActiveSet| {
            existing.and_then(|p| p.sets.iter().find(|t| Some(&t.id) == x.planned_id.as_ref()))
        };
        let kept_sets: Vec<&str> = e
            .sets
            .iter()
            .filter_map(|x| template_sets_of(x).map(|t| t.id.as_str()))
            .collect();
        let template_set_order: Vec<&str> = existing
            .into_iter()
            .flat_map(|p| p.sets.iter().map(|t| t.id.as_str()))
            .filter(|id| kept_sets.contains(id))
            .collect();
        let renumber_sets = kept_sets != template_set_order || kept_sets.len() != e.sets.len();
        for (j, x) in e.sets.iter().enumerate() {
            match template_sets_of(x) {
                Some(t) => {
                    let order = if renumber_sets {
                        (j + 1) as f64
                    } else {
                        t.order
                    };
                    if order != t.order || !same_values(t, x) {
                        ops.push(update(
                            template_sets::TABLE,
                            &t.id,
                            [
                                template_sets::order.to(order),
                                template_sets::set_type.to(x.set_type.as_str().to_owned()),
                                template_sets::weight.to(x.weight),
                                template_sets::reps.to(x.reps),
                                template_sets::duration.to(x.duration),
                                template_sets::distance.to(x.distance),
                            ],
                            now,
                        ));
                    }
                }
                None => ops.push(create(
                    template_sets::TABLE,
                    &ids(),
                    [
                        template_sets::workout_exercise_id.to(planned_id.clone()),
                        template_sets::order.to((j + 1) as f64),
                        template_sets::set_type.to(x.set_type.as_str().to_owned()),
                        template_sets::reps.to(x.reps),
                        template_sets::weight.to(x.weight),
                        template_sets::duration.to(x.duration),
                        template_sets::distance.to(x.distance),
                        template_sets::rest_time.to(None),
                        template_sets::rpe.to(None),
                        template_sets::notes.to(String::new()),
                    ],
                )),
            }
        }
    }
    ops
}

/// What the summary after finishing shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub title: String,
    /// Seconds.
    pub duration: i64,
    /// Kilograms: Σ weight × reps over completed sets that are not warm-ups.
    pub volume: f64,
    pub sets: usize,
    /// The personal records this session set, against all earlier history.
    pub records: Vec<RecordSet>,
}

/// The summary of the logged session `log_id`, from the replica (which holds it once
/// finished).
pub fn summary(
    q: &Query,
    log_id: &str,
    formula: OneRmFormula,
    catalog: &Catalog,
) -> Option<Summary> {
    let log = q.get::<crate::model::records::Log>(log_id)?;
    let all = sessions(q, catalog);
    let this = all.iter().find(|s| s.id == log_id)?;
    let facts = this.exercises.iter().flat_map(|(_, sets)| sets);
    let volume = crate::stats::volume(facts.clone());
    let set_count = facts.filter(|f| f.completed).count();
    let records = records_of(q, &all, catalog, formula);
    Some(Summary {
        title: log.workout_title.clone().unwrap_or_default(),
        duration: log.duration.unwrap_or_default(),
        volume,
        sets: set_count,
        records: records.set_in(log_id).cloned().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::active::{ActiveExercise, Edit, SetField};
    use super::super::start::{from_log, from_template, new_exercise, next_workout, previous_sets};
    use super::*;
    use crate::local::memory::MemoryStore;
    use crate::model::SetType;
    use crate::programs::edits as p;
    use crate::stats::RecordKind;

    fn counter() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("id{n}")
        }
    }

    /// A program with one default routine of two workouts; "push" has bench press with
    /// two template sets (60 × 8, then a set with no targets).
    fn program_store() -> MemoryStore {
        let store = MemoryStore::default();
        let prog = |s: &MemoryStore| s.query(Program::from_index);
        store.apply(&p::new_routine(&prog(&store), "r", "PPL", 1));
        store.apply(&p::add_new_workout(
            &prog(&store),
            "r",
            "push",
            "l1",
            "Push",
            1,
        ));
        store.apply(&p::add_new_workout(
            &prog(&store),
            "r",
            "pull",
            "l2",
            "Pull",
            1,
        ));
        store.apply(&p::add_exercise(&prog(&store), "push", "bench", "pe", "t1"));
        store.apply(&p::add_set(&prog(&store), "pe", "t2"));
        store.apply(&[update(
            template_sets::TABLE,
            "t1",
            [template_sets::weight.to(60.0), template_sets::reps.to(8)],
            1,
        )]);
        store.apply(&[update(
            template_sets::TABLE,
            "t2",
            [template_sets::weight.to(None), template_sets::reps.to(None)],
            1,
        )]);
        store
    }

    fn log_session(store: &MemoryStore, s: &ActiveSession, now: i64) {
        store.apply(&finish_ops(s, Unticked::Discard, now));
    }

    fn tick_all(s: &mut Option<ActiveSession>) {
        let ids: Vec<String> = s
            .as_ref()
            .unwrap()
            .exercises
            .iter()
            .flat_map(|e| e.sets.iter().map(|x| x.id.clone()))
            .collect();
        for id in ids {
            Edit::Tick {
                set: id,
                done: true,
                now: 0,
                rest: 0,
                next: None,
            }
            .apply(s);
        }
    }

    #[test]
    fn a_template_session_is_logged_with_its_values_in_order() {
        let store = program_store();
        let mut ids = counter();
        let program = store.query(Program::from_index);
        let s = store
            .query(|q| from_template(&program, q, "push", &mut ids, 1_000_000))
            .unwrap();
        let bench = &s.exercises[0];
        assert_eq!(s.title, "Push");
        assert_eq!(bench.rest_time, Some(90));
        assert_eq!(
            (bench.sets[0].weight, bench.sets[0].reps),
            (Some(60.0), Some(8))
        );
        assert_eq!((bench.sets[1].weight, bench.sets[1].reps), (None, None));

        let mut active = Some(s);
        let second = active.as_ref().unwrap().exercises[0].sets[1].id.clone();
        Edit::Value {
            set: second.clone(),
            field: SetField::Weight,
            value: Some(102.058_283_3),
        }
        .apply(&mut active);
        Edit::Value {
            set: second,
            field: SetField::Reps,
            value: Some(5.0),
        }
        .apply(&mut active);
        tick_all(&mut active);
        let s = active.unwrap();
        log_session(&store, &s, 1_000_000 + 3_600_000);
        let log = store.get("logs", &s.id).unwrap();
        assert_eq!(log.raw["duration"], 3600);
        assert_eq!(log.raw["workout_id"], "push");
        assert_eq!(log.raw["session_date"], 1_000_000);
        let sets: Vec<_> = store.query(|q| {
            q.exercise_sets("bench")
                .iter()
                .map(|p| (p.set.order, p.set.weight, p.set.reps, p.set.completed))
                .collect()
        });
        assert_eq!(
            sets,
            [
                (Some(0.0), Some(60.0), Some(8), Some(true)),
                (Some(1.0), Some(102.058_283_3), Some(5), Some(true))
            ]
        );
        // The next session shows those values as "previous", by position.
        let previous = store.query(|q| previous_sets(q, "bench"));
        assert_eq!(previous.len(), 2);
        assert_eq!(
            (previous[1].weight, previous[1].reps),
            (Some(102.058_283_3), Some(5))
        );
        // ... and fills the template's empty set from them.
        let again = store
            .query(|q| from_template(&program, q, "push", &mut ids, 2_000_000))
            .unwrap();
        assert_eq!(again.exercises[0].sets[1].weight, Some(102.058_283_3));
        assert_eq!(again.exercises[0].sets[0].weight, Some(60.0), "targets win");
    }

    #[test]
    fn unticked_sets_are_discarded_or_marked_done() {
        let store = program_store();
        let mut ids = counter();
        let program = store.query(Program::from_index);
        let s = store
            .query(|q| from_template(&program, q, "push", &mut ids, 0))
            .unwrap();
        let mut active = Some(s);
        let first = active.as_ref().unwrap().exercises[0].sets[0].id.clone();
        Edit::Tick {
            set: first,
            done: true,
            now: 0,
            rest: 0,
            next: None,
        }
        .apply(&mut active);
        let s = active.unwrap();
        assert_eq!(s.unticked(), 1);
        let kept = performed(&s, Unticked::Discard);
        assert_eq!(kept.set_count(), 1);
        let all = performed(&s, Unticked::MarkDone);
        assert_eq!(all.set_count(), 2);
        assert!(all.exercises[0].sets.iter().all(|x| x.done));
        // An exercise with nothing ticked disappears when its sets are discarded.
        let mut untouched = s.clone();
        untouched.exercises.push(ActiveExercise {
            sets: vec![ActiveSet {
                id: "x".into(),
                ..Default::default()
            }],
            ..untouched.exercises[0].clone()
        });
        untouched.exercises[1].id = "other".into();
        assert_eq!(performed(&untouched, Unticked::Discard).exercises.len(), 1);
    }

    #[test]
    fn the_next_workout_follows_the_last_logged_one_and_wraps() {
        let store = program_store();
        let mut ids = counter();
        let program = store.query(Program::from_index);
        let next = |store: &MemoryStore| {
            let program = store.query(Program::from_index);
            store.query(|q| next_workout(&program, q).map(|w| w.id.clone()))
        };
        assert_eq!(
            next(&store).as_deref(),
            Some("push"),
            "nothing logged: the first"
        );
        let mut push = store
            .query(|q| from_template(&program, q, "push", &mut ids, 10))
            .map(Some)
            .unwrap();
        tick_all(&mut push);
        log_session(&store, push.as_ref().unwrap(), 20);
        assert_eq!(next(&store).as_deref(), Some("pull"));
        let mut pull = store
            .query(|q| from_template(&program, q, "pull", &mut ids, 30))
            .map(Some)
            .unwrap();
        pull.as_mut()
            .unwrap()
            .exercises
            .push(store.query(|q| new_exercise(q, "row", &mut ids)));
        tick_all(&mut pull);
        log_session(&store, pull.as_ref().unwrap(), 40);
        assert_eq!(next(&store).as_deref(), Some("push"), "wraps around");
    }

    #[test]
    fn repeating_a_log_copies_its_sets_unticked_under_new_ids() {
        let store = program_store();
        let mut ids = counter();
        let program = store.query(Program::from_index);
        let mut s = store
            .query(|q| from_template(&program, q, "push", &mut ids, 0))
            .map(Some)
            .unwrap();
        tick_all(&mut s);
        let s = s.unwrap();
        log_session(&store, &s, 60_000);
        let again = store.query(|q| from_log(q, &s.id, &mut ids, 100)).unwrap();
        assert_ne!(again.id, s.id);
        assert_eq!(again.exercises.len(), 1);
        assert_eq!(again.exercises[0].sets.len(), 2);
        assert!(again.exercises[0].sets.iter().all(|x| !x.done));
        assert_ne!(again.exercises[0].sets[0].id, s.exercises[0].sets[0].id);
        assert_eq!(again.exercises[0].sets[0].weight, Some(60.0));
    }

    #[test]
    fn the_template_follows_what_was_performed_only_when_asked_and_changed() {
        let store = program_store();
        let mut ids = counter();
        let program = store.query(Program::from_index);
        let s = store
            .query(|q| from_template(&program, q, "push", &mut ids, 0))
            .unwrap();
        assert!(
            template_update(&s, &program, &mut ids, 1).is_empty(),
            "unchanged"
        );
        let mut active = Some(s);
        let first = active.as_ref().unwrap().exercises[0].sets[0].id.clone();
        Edit::Value {
            set: first,
            field: SetField::Weight,
            value: Some(62.5),
        }
        .apply(&mut active);
        let ex = active.as_ref().unwrap().exercises[0].id.clone();
        Edit::AddSet {
            exercise: ex,
            id: "extra".into(),
        }
        .apply(&mut active);
        let dip = store.query(|q| new_exercise(q, "dip", &mut ids));
        Edit::AddExercise(dip).apply(&mut active);
        let s = active.unwrap();
        store.apply(&template_update(&s, &program, &mut ids, 2));
        let after = store.query(Program::from_index);
        let push = after.workout("push").unwrap();
        assert_eq!(push.exercises.len(), 2);
        assert_eq!(push.exercises[1].exercise_id, "dip");
        let bench = &push.exercises[0];
        assert_eq!(bench.sets.len(), 3);
        assert_eq!(bench.sets[0].weight, Some(62.5));
        // Applying it made the template what was performed: nothing more to update.
        let s2 = s.clone();
        let mut planned = s2;
        planned.exercises[0].sets[2].planned_id = Some(bench.sets[2].id.clone());
        planned.exercises[1].planned_id = Some(push.exercises[1].id.clone());
        planned.exercises[1].sets[0].planned_id = Some(push.exercises[1].sets[0].id.clone());
        assert!(template_update(&planned, &after, &mut ids, 3).is_empty());
    }

    #[test]
    fn the_summary_names_the_records_a_session_set() {
        let store = program_store();
        let mut ids = counter();
        let program = store.query(Program::from_index);
        let session = |store: &MemoryStore,
                       ids: &mut dyn FnMut() -> String,
                       at: i64,
                       sets: &[(SetType, f64, i64)]| {
            let mut next = || ids();
            let mut s = store
                .query(|q| from_template(&program, q, "push", &mut next, at))
                .unwrap();
            s.exercises[0].sets = sets
                .iter()
                .map(|&(set_type, w, r)| ActiveSet {
                    id: next(),
                    set_type,
                    weight: Some(w),
                    reps: Some(r),
                    done: true,
                    ..Default::default()
                })
                .collect();
            store.apply(&finish_ops(&s, Unticked::Discard, at + 1_800_000));
            s.id
        };
        let first = session(&store, &mut ids, 0, &[(SetType::Normal, 100.0, 5)]);
        let s = store
            .query(|q| summary(q, &first, OneRmFormula::Epley, &Catalog::default()))
            .unwrap();
        assert_eq!((s.duration, s.volume, s.sets), (1800, 500.0, 1));
        // A heavier warm-up is no record; a tie of the heaviest weight is none either;
        // more reps at 100 kg is (and with it the best 1RM, set and session volume).
        let second = session(
            &store,
            &mut ids,
            10_000_000,
            &[(SetType::Warmup, 140.0, 1), (SetType::Normal, 100.0, 6)],
        );
        let s = store
            .query(|q| summary(q, &second, OneRmFormula::Epley, &Catalog::default()))
            .unwrap();
        assert_eq!(s.volume, 600.0, "warm-ups are not volume");
        let kinds: Vec<RecordKind> = s.records.iter().map(|r| r.kind).collect();
        assert!(!kinds.contains(&RecordKind::HeaviestWeight), "{kinds:?}");
        assert!(kinds.contains(&RecordKind::MostRepsAt(100.0)));
        assert!(kinds.contains(&RecordKind::BestOneRm));
        assert!(kinds.contains(&RecordKind::BestSetVolume));
    }
}
