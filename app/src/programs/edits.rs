//! Every edit the program builder offers, as replica [`Op`]s computed from the current
//! read model: plain functions, so ordering, defaults and cascades are unit-tested.

use super::read::{Program, TemplateSet};
use crate::local::edit::{create, delete, move_in, next_order, update};
use crate::local::Op;
use crate::model::tables::{
    custom_exercises as custom, routine_workouts as links, routines, workout_exercise as planned,
    workout_exercise_sets as sets, workouts,
};
use crate::model::{Field, SetType, Tracking};
use std::collections::BTreeSet;

pub fn new_routine(p: &Program, id: &str, title: &str, now: i64) -> Vec<Op> {
    vec![create(
        routines::TABLE,
        id,
        [
            routines::title.to(title.to_owned()),
            routines::description.to(String::new()),
            routines::order.to(next_order(p.routines.iter().map(|r| r.order))),
            routines::default_routine.to(p.routines.is_empty()),
            routines::created_at.to(now),
            routines::updated_at.to(now),
        ],
    )]
}

/// Makes one routine the default and every other one not.
pub fn set_default(p: &Program, id: &str, now: i64) -> Vec<Op> {
    p.routines
        .iter()
        .filter(|r| r.default != (r.id == id))
        .map(|r| {
            update(
                routines::TABLE,
                &r.id,
                [routines::default_routine.to(r.id == id)],
                now,
            )
        })
        .collect()
}

pub fn move_routine(p: &Program, id: &str, delta: i32) -> Vec<Op> {
    let items: Vec<_> = p.routines.iter().map(|r| (r.id.clone(), r.order)).collect();
    move_in(routines::order, &items, id, delta)
}

/// Deletes a routine with its links and the workouts no other routine uses (their
/// exercises and sets follow by cascade).
pub fn delete_routine(p: &Program, id: &str) -> Vec<Op> {
    let Some(routine) = p.routine(id) else {
        return Vec::new();
    };
    let mut ops: Vec<Op> = routine
        .links
        .iter()
        .filter(|l| p.routines_of(&l.workout_id).len() == 1)
        .map(|l| l.workout_id.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|w| delete(workouts::TABLE, w))
        .collect();
    ops.push(delete(routines::TABLE, id));
    ops
}

fn link(p: &Program, routine_id: &str, workout_id: &str, link_id: &str) -> Op {
    let order = next_order(
        p.routine(routine_id)
            .into_iter()
            .flat_map(|r| r.links.iter().map(|l| l.order)),
    );
    create(
        links::TABLE,
        link_id,
        [
            links::routine_id.to(routine_id.to_owned()),
            links::workout_id.to(workout_id.to_owned()),
            links::order.to(order),
        ],
    )
}

/// A new empty workout, added at the end of a routine.
pub fn add_new_workout(
    p: &Program,
    routine_id: &str,
    workout_id: &str,
    link_id: &str,
    title: &str,
    now: i64,
) -> Vec<Op> {
    vec![
        create(
            workouts::TABLE,
            workout_id,
            [
                workouts::title.to(title.to_owned()),
                workouts::notes.to(String::new()),
                workouts::order.to(next_order(p.workouts.iter().map(|w| w.order))),
                workouts::estimated_duration.to(None),
                workouts::created_at.to(now),
                workouts::updated_at.to(now),
            ],
        ),
        link(p, routine_id, workout_id, link_id),
    ]
}

pub fn add_existing_workout(
    p: &Program,
    routine_id: &str,
    workout_id: &str,
    link_id: &str,
) -> Vec<Op> {
    if p.workout(workout_id).is_none() {
        return Vec::new();
    }
    vec![link(p, routine_id, workout_id, link_id)]
}

pub fn move_link(p: &Program, routine_id: &str, link_id: &str, delta: i32) -> Vec<Op> {
    let items: Vec<_> = p
        .routine(routine_id)
        .map(|r| r.links.iter().map(|l| (l.id.clone(), l.order)).collect())
        .unwrap_or_default();
    move_in(links::order, &items, link_id, delta)
}

pub fn remove_link(link_id: &str) -> Vec<Op> {
    vec![delete(links::TABLE, link_id)]
}

/// Adds an exercise to a workout with one empty set to fill in.
pub fn add_exercise(
    p: &Program,
    workout_id: &str,
    exercise_id: &str,
    planned_id: &str,
    set_id: &str,
) -> Vec<Op> {
    let order = next_order(
        p.workout(workout_id)
            .into_iter()
            .flat_map(|w| w.exercises.iter().map(|e| e.order)),
    );
    vec![
        create(
            planned::TABLE,
            planned_id,
            [
                planned::workout_id.to(workout_id.to_owned()),
                planned::exercise_id.to(exercise_id.to_owned()),
                planned::order.to(order),
                planned::rest_time.to(p.default_rest.unwrap_or(90)),
                planned::notes.to(String::new()),
                planned::is_saved.to(true),
                planned::superset_group.to(None),
            ],
        ),
        create(
            sets::TABLE,
            set_id,
            [
                sets::workout_exercise_id.to(planned_id.to_owned()),
                sets::order.to(1.0),
                sets::set_type.to(SetType::Normal.as_str().to_owned()),
                sets::reps.to(None),
                sets::weight.to(None),
                sets::duration.to(None),
                sets::distance.to(None),
                sets::rest_time.to(None),
                sets::rpe.to(None),
                sets::notes.to(String::new()),
            ],
        ),
    ]
}

pub fn move_exercise(p: &Program, planned_id: &str, delta: i32) -> Vec<Op> {
    let items: Vec<_> = p
        .planned(planned_id)
        .map(|(w, _)| {
            w.exercises
                .iter()
                .map(|e| (e.id.clone(), e.order))
                .collect()
        })
        .unwrap_or_default();
    move_in(planned::order, &items, planned_id, delta)
}

/// A set's values as a new set under `planned_id` at `order` (notes start empty).
fn copy_of(s: Option<&TemplateSet>, planned_id: &str, order: f64) -> Vec<Field> {
    let mut fields = vec![
        sets::workout_exercise_id.to(planned_id.to_owned()),
        sets::order.to(order),
        sets::notes.to(String::new()),
        sets::set_type.to(s
            .map_or(SetType::Normal, |s| s.set_type)
            .as_str()
            .to_owned()),
    ];
    if let Some(s) = s {
        fields.extend([
            sets::reps.to(s.reps),
            sets::weight.to(s.weight),
            sets::duration.to(s.duration),
            sets::distance.to(s.distance),
            sets::rpe.to(s.rpe),
        ]);
    }
    fields
}

/// A new set at the end, copying the last set's values (what a lifter types anyway).
pub fn add_set(p: &Program, planned_id: &str, set_id: &str) -> Vec<Op> {
    let Some((_, planned)) = p.planned(planned_id) else {
        return Vec::new();
    };
    let order = next_order(planned.sets.iter().map(|s| s.order));
    vec![create(
        sets::TABLE,
        set_id,
        copy_of(planned.sets.last(), planned_id, order),
    )]
}

/// A copy of a set right after it.
pub fn duplicate_set(p: &Program, set_id: &str, new_id: &str) -> Vec<Op> {
    let Some((planned, set)) = p.set(set_id) else {
        return Vec::new();
    };
    let next = planned
        .sets
        .iter()
        .map(|s| s.order)
        .filter(|o| *o > set.order)
        .fold(None, |m: Option<f64>, o| Some(m.map_or(o, |m| m.min(o))));
    let order = next.map_or(set.order + 1.0, |n| (set.order + n) / 2.0);
    vec![create(
        sets::TABLE,
        new_id,
        copy_of(Some(set), &planned.id, order),
    )]
}

pub fn move_set(p: &Program, set_id: &str, delta: i32) -> Vec<Op> {
    let items: Vec<_> = p
        .set(set_id)
        .map(|(e, _)| e.sets.iter().map(|s| (s.id.clone(), s.order)).collect())
        .unwrap_or_default();
    move_in(sets::order, &items, set_id, delta)
}

pub fn new_custom_exercise(
    id: &str,
    name: &str,
    category: &str,
    equipment: &str,
    muscle: &str,
    tracking: Tracking,
    now: i64,
) -> Vec<Op> {
    vec![create(
        custom::TABLE,
        id,
        [
            custom::name.to(name.trim().to_owned()),
            custom::category.to(category.to_owned()),
            custom::equipment.to(equipment.to_owned()),
            custom::primary_muscle.to(muscle.trim().to_owned()),
            custom::tracking.to(tracking.as_str().to_owned()),
            custom::created_at.to(now),
            custom::updated_at.to(now),
        ],
    )]
}

/// Saves a logged session as a new template workout with its exercises and sets (values
/// as logged), in the default routine — else the first, else a new "Saved workouts"
/// routine — so it shows in the builder and can be started. Returns the workout's id.
pub fn save_as_template(
    p: &Program,
    detail: &crate::stats::history::SessionDetail,
    ids: &mut impl FnMut() -> String,
    now: i64,
) -> (String, Vec<Op>) {
    let mut ops = Vec::new();
    let routine = match p.routines.iter().find(|r| r.default).or(p.routines.first()) {
        Some(r) => r.id.clone(),
        None => {
            let id = ids();
            ops.extend(new_routine(p, &id, "Saved workouts", now));
            id
        }
    };
    let workout_id = ids();
    let link_id = ids();
    ops.extend(add_new_workout(
        p,
        &routine,
        &workout_id,
        &link_id,
        &detail.line.title,
        now,
    ));
    for (i, e) in detail.exercises.iter().enumerate() {
        let planned_id = ids();
        ops.push(create(
            planned::TABLE,
            &planned_id,
            [
                planned::workout_id.to(workout_id.clone()),
                planned::exercise_id.to(e.exercise_id.clone()),
                planned::order.to(i as f64 + 1.0),
                planned::rest_time.to(p.default_rest.unwrap_or(90)),
                planned::notes.to(e.notes.clone()),
                planned::is_saved.to(true),
                planned::superset_group.to(None),
            ],
        ));
        for (j, s) in e.sets.iter().enumerate() {
            ops.push(create(
                sets::TABLE,
                &ids(),
                [
                    sets::workout_exercise_id.to(planned_id.clone()),
                    sets::order.to(j as f64 + 1.0),
                    sets::set_type.to(s.set_type.as_str().to_owned()),
                    sets::reps.to(s.reps),
                    sets::weight.to(s.weight),
                    sets::duration.to(s.duration),
                    sets::distance.to(s.distance),
                    sets::rest_time.to(None),
                    sets::rpe.to(s.rpe),
                    sets::notes.to(String::new()),
                ],
            ));
        }
    }
    (workout_id, ops)
}

#[cfg(test)]
mod tests {
    use super::super::read::Program;
    use super::*;
    use crate::local::memory::MemoryStore;

    /// A replica in memory (the store the browser tab uses): applies ops and reads the
    /// program back through its typed queries.
    #[derive(Default)]
    struct Fixture {
        store: MemoryStore,
    }

    impl Fixture {
        fn apply(&mut self, ops: Vec<Op>) -> &mut Self {
            self.store.apply(&ops);
            self
        }

        fn program(&self) -> Program {
            self.store.query(Program::from_index)
        }
    }

    #[test]
    fn routines_keep_order_and_one_default() {
        let mut f = Fixture::default();
        f.apply(new_routine(&f.program(), "a", "Push", 1));
        f.apply(new_routine(&f.program(), "b", "Pull", 2));
        let p = f.program();
        assert_eq!(
            p.routines
                .iter()
                .map(|r| (r.id.as_str(), r.default))
                .collect::<Vec<_>>(),
            [("a", true), ("b", false)]
        );
        f.apply(set_default(&p, "b", 3));
        f.apply(move_routine(&f.program(), "b", -1));
        let p = f.program();
        assert_eq!(
            p.routines
                .iter()
                .map(|r| (r.id.as_str(), r.default))
                .collect::<Vec<_>>(),
            [("b", true), ("a", false)]
        );
        assert!(
            move_routine(&p, "b", -1).is_empty(),
            "the first cannot move up"
        );
    }

    #[test]
    fn deleting_a_routine_takes_its_own_workouts_but_not_shared_ones() {
        let mut f = Fixture::default();
        f.apply(new_routine(&f.program(), "r1", "A", 1));
        f.apply(new_routine(&f.program(), "r2", "B", 1));
        f.apply(add_new_workout(&f.program(), "r1", "own", "l1", "Day 1", 1));
        f.apply(add_new_workout(
            &f.program(),
            "r1",
            "shared",
            "l2",
            "Day 2",
            1,
        ));
        f.apply(add_existing_workout(&f.program(), "r2", "shared", "l3"));
        f.apply(add_exercise(
            &f.program(),
            "own",
            "barbell-squat",
            "e1",
            "s1",
        ));
        f.apply(delete_routine(&f.program(), "r1"));
        let p = f.program();
        assert_eq!(p.routines.len(), 1);
        assert_eq!(
            p.workouts.iter().map(|w| w.id.as_str()).collect::<Vec<_>>(),
            ["shared"]
        );
        assert!(
            f.store.with_tables(|t| t["workout_exercise"]
                .values()
                .all(|r| r.status == crate::local::record::Status::Deleted)),
            "its children go with it"
        );
        assert_eq!(p.routine("r2").unwrap().links.len(), 1);
    }

    #[test]
    fn sets_copy_duplicate_and_reorder() {
        let mut f = Fixture::default();
        f.apply(new_routine(&f.program(), "r", "A", 1));
        f.apply(add_new_workout(&f.program(), "r", "w", "l", "Day", 1));
        f.apply(add_exercise(&f.program(), "w", "barbell-squat", "e", "s1"));
        f.apply(vec![update(
            sets::TABLE,
            "s1",
            [sets::reps.to(5), sets::weight.to(100.0)],
            2,
        )]);
        f.apply(add_set(&f.program(), "e", "s2"));
        f.apply(duplicate_set(&f.program(), "s1", "s1b"));
        let p = f.program();
        let sets = &p.planned("e").unwrap().1.sets;
        assert_eq!(
            sets.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            ["s1", "s1b", "s2"]
        );
        assert!(sets
            .iter()
            .all(|s| s.reps == Some(5) && s.weight == Some(100.0)));
        f.apply(move_set(&p, "s2", -1));
        let p = f.program();
        let ids: Vec<_> = p
            .planned("e")
            .unwrap()
            .1
            .sets
            .iter()
            .map(|s| s.id.clone())
            .collect();
        assert_eq!(ids, ["s1", "s2", "s1b"]);
    }
    #[test]
    fn a_logged_session_saved_as_a_template_lands_in_the_default_routine() {
        use crate::stats::history::{DetailExercise, DetailSet, SessionDetail, SessionLine};
        use crate::stats::Day;
        let set = |w: f64, r: i64, t: SetType| DetailSet {
            id: "x".into(),
            set_type: t,
            weight: Some(w),
            reps: Some(r),
            completed: true,
            ..DetailSet::default()
        };
        let detail = SessionDetail {
            line: SessionLine {
                id: "log".into(),
                title: "Heavy day".into(),
                day: Day(0),
                duration: 0,
                volume: 0.0,
                sets: 2,
                exercises: Vec::new(),
            },
            notes: String::new(),
            workout_id: None,
            exercises: vec![DetailExercise {
                entry_id: "e".into(),
                exercise_id: "squat".into(),
                name: "Squat".into(),
                tracking: Tracking::WeightReps,
                notes: "belt".into(),
                sets: vec![
                    set(60.0, 5, SetType::Warmup),
                    set(140.0, 3, SetType::Normal),
                ],
            }],
            records: Vec::new(),
        };
        let mut n = 0;
        let mut ids = || {
            n += 1;
            format!("id{n}")
        };
        // Without a routine, one is made (and is the default, as the first one is).
        let mut f = Fixture::default();
        let (workout, ops) = save_as_template(&f.program(), &detail, &mut ids, 1);
        let p = f.apply(ops).program();
        assert_eq!(p.routines.len(), 1);
        assert_eq!(p.routines[0].title, "Saved workouts");
        assert!(p.routines[0].default);
        assert_eq!(p.routines[0].links[0].workout_id, workout);
        let w = p.workout(&workout).unwrap();
        assert_eq!(w.title, "Heavy day");
        assert_eq!(w.exercises[0].exercise_id, "squat");
        assert_eq!(w.exercises[0].notes, "belt");
        let sets: Vec<_> = w.exercises[0]
            .sets
            .iter()
            .map(|s| (s.set_type, s.weight, s.reps))
            .collect();
        assert_eq!(
            sets,
            [
                (SetType::Warmup, Some(60.0), Some(5)),
                (SetType::Normal, Some(140.0), Some(3))
            ]
        );
        // With routines, the default one gets it, after its workouts.
        let (second, ops) = save_as_template(&p, &detail, &mut ids, 2);
        let p = f.apply(ops).program();
        assert_eq!(p.routines.len(), 1);
        let links: Vec<&str> = p.routines[0]
            .links
            .iter()
            .map(|l| l.workout_id.as_str())
            .collect();
        assert_eq!(links, [workout.as_str(), second.as_str()]);
    }
}
