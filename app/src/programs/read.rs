//! The builder's read model: routines → workouts → exercises → sets, built from the
//! synced tables' typed records, sorted by their ordering keys.

use crate::local::edit::list_order;
use crate::local::{query_snapshot, Query, Snapshot};
use crate::model::records::{
    CustomExercise as CustomRecord, Routine as RoutineRecord, RoutineWorkout, UserSettings,
    Workout as WorkoutRecord, WorkoutExercise, WorkoutExerciseSet,
};
use crate::model::tables::{
    custom_exercises, routine_workouts, routines, user_settings, workout_exercise,
    workout_exercise_sets, workouts,
};
use crate::model::{DistanceUnit, LibraryExercise, SetType, Tracking, WeightUnit};

/// The tables the builder reads.
pub const PROGRAM_TABLES: &[&str] = &[
    user_settings::TABLE,
    routines::TABLE,
    workouts::TABLE,
    routine_workouts::TABLE,
    workout_exercise::TABLE,
    workout_exercise_sets::TABLE,
    custom_exercises::TABLE,
];

#[derive(Debug, Clone, PartialEq)]
pub struct TemplateSet {
    pub id: String,
    pub order: f64,
    pub set_type: SetType,
    pub reps: Option<i64>,
    /// Kilograms.
    pub weight: Option<f64>,
    /// Seconds.
    pub duration: Option<i64>,
    /// Metres.
    pub distance: Option<f64>,
    pub rpe: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedExercise {
    pub id: String,
    pub exercise_id: String,
    pub order: f64,
    pub rest_time: Option<i64>,
    pub notes: String,
    pub superset_group: Option<i64>,
    pub sets: Vec<TemplateSet>,
    /// How its next weight and reps are suggested, as stored (schema version 3; read by
    /// [`crate::workout::progression::Rule::of`]).
    pub progression: Option<String>,
    pub rep_range_top: Option<i64>,
    pub one_rm_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Workout {
    pub id: String,
    pub title: String,
    pub notes: String,
    pub order: f64,
    pub estimated_duration: Option<i64>,
    pub exercises: Vec<PlannedExercise>,
}

/// A routine's use of a workout (a `routine_workouts` record).
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub id: String,
    pub workout_id: String,
    pub order: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Routine {
    pub id: String,
    pub title: String,
    pub description: String,
    pub order: f64,
    pub default: bool,
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomExercise {
    pub id: String,
    pub name: String,
    pub category: String,
    pub equipment: String,
    pub primary_muscle: String,
    pub tracking: Tracking,
}

impl From<&CustomExercise> for LibraryExercise {
    /// A custom exercise where the library's entries are listed (search, names).
    fn from(c: &CustomExercise) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            category: c.category.clone(),
            equipment: c.equipment.clone(),
            primary_muscle: c.primary_muscle.clone(),
            secondary_muscles: Vec::new(),
            tracking: c.tracking,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Program {
    pub routines: Vec<Routine>,
    pub workouts: Vec<Workout>,
    pub custom: Vec<CustomExercise>,
    pub weight_unit: WeightUnit,
    pub distance_unit: DistanceUnit,
    pub default_rest: Option<i64>,
}

fn sorted<T>(mut items: Vec<T>, key: impl Fn(&T) -> (f64, String)) -> Vec<T> {
    items.sort_by(|a, b| {
        let (ka, kb) = (key(a), key(b));
        list_order((ka.0, &ka.1), (kb.0, &kb.1))
    });
    items
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn template_set(r: &WorkoutExerciseSet) -> TemplateSet {
    TemplateSet {
        id: r.id.clone(),
        order: r.order.unwrap_or_default(),
        set_type: SetType::parse(r.set_type.as_deref().unwrap_or_default()),
        reps: r.reps,
        weight: r.weight,
        duration: r.duration,
        distance: r.distance,
        rpe: r.rpe,
    }
}

impl Program {
    /// The program as the server's database or this tab's replica holds it, through the
    /// replica's typed queries (children by their parent index).
    pub fn from_index(q: &Query) -> Self {
        let planned = |workout_id: &str| -> Vec<PlannedExercise> {
            let list = q
                .find::<WorkoutExercise>(workout_exercise::workout_id, workout_id)
                .into_iter()
                .map(|e| {
                    let sets = q
                        .find::<WorkoutExerciseSet>(
                            workout_exercise_sets::workout_exercise_id,
                            &e.id,
                        )
                        .into_iter()
                        .map(template_set)
                        .collect();
                    PlannedExercise {
                        id: e.id.clone(),
                        exercise_id: text(&e.exercise_id),
                        order: e.order.unwrap_or_default(),
                        rest_time: e.rest_time,
                        notes: text(&e.notes),
                        superset_group: e.superset_group,
                        sets: sorted(sets, |s| (s.order, s.id.clone())),
                        progression: e.progression.clone(),
                        rep_range_top: e.rep_range_top,
                        one_rm_percent: e.one_rm_percent,
                    }
                })
                .collect();
            sorted(list, |e| (e.order, e.id.clone()))
        };
        let workouts = q
            .all::<WorkoutRecord>()
            .map(|w| Workout {
                id: w.id.clone(),
                title: text(&w.title),
                notes: text(&w.notes),
                order: w.order.unwrap_or_default(),
                estimated_duration: w.estimated_duration,
                exercises: planned(&w.id),
            })
            .collect();
        let routines = q
            .all::<RoutineRecord>()
            .map(|r| {
                let links = q
                    .find::<RoutineWorkout>(routine_workouts::routine_id, &r.id)
                    .into_iter()
                    .filter_map(|l| {
                        let workout_id = l.workout_id.clone()?;
                        q.get::<WorkoutRecord>(&workout_id)?;
                        Some(Link {
                            id: l.id.clone(),
                            workout_id,
                            order: l.order.unwrap_or_default(),
                        })
                    })
                    .collect();
                Routine {
                    id: r.id.clone(),
                    title: text(&r.title),
                    description: text(&r.description),
                    order: r.order.unwrap_or_default(),
                    default: r.default_routine.unwrap_or(false),
                    links: sorted(links, |l| (l.order, l.id.clone())),
                }
            })
            .collect();
        let custom = q
            .all::<CustomRecord>()
            .map(|c| CustomExercise {
                id: c.id.clone(),
                name: text(&c.name),
                category: text(&c.category),
                equipment: text(&c.equipment),
                primary_muscle: text(&c.primary_muscle),
                tracking: Tracking::parse(c.tracking.as_deref()),
            })
            .collect();
        let settings = q.all::<UserSettings>().next().cloned().unwrap_or_default();
        Program {
            routines: sorted(routines, |r| (r.order, r.id.clone())),
            workouts: sorted(workouts, |w| (w.order, w.id.clone())),
            custom: sorted(custom, |c| (0.0, c.name.to_lowercase())),
            weight_unit: WeightUnit::parse(settings.weight_unit.as_deref()),
            distance_unit: DistanceUnit::parse(settings.distance_unit.as_deref()),
            default_rest: settings.default_rest_seconds,
        }
    }

    /// The program in records read from the database (server rendering, and a new
    /// device until its replica has synced).
    pub fn from_snapshot(s: &Snapshot) -> Self {
        query_snapshot(s, Self::from_index)
    }

    /// Exercises matching a search (see [`LibraryExercise::matches`]): the user's custom
    /// ones first, then the library's, at most `limit` — what every exercise picker lists.
    pub fn search_exercises(
        &self,
        library: &[LibraryExercise],
        query: &str,
        limit: usize,
    ) -> Vec<LibraryExercise> {
        if query.trim().is_empty() {
            return Vec::new();
        }
        let custom = self.custom.iter().map(LibraryExercise::from);
        custom
            .chain(library.iter().cloned())
            .filter(|e| e.matches(query))
            .take(limit)
            .collect()
    }

    pub fn routine(&self, id: &str) -> Option<&Routine> {
        self.routines.iter().find(|r| r.id == id)
    }

    pub fn workout(&self, id: &str) -> Option<&Workout> {
        self.workouts.iter().find(|w| w.id == id)
    }

    pub fn planned(&self, id: &str) -> Option<(&Workout, &PlannedExercise)> {
        self.workouts
            .iter()
            .find_map(|w| w.exercises.iter().find(|e| e.id == id).map(|e| (w, e)))
    }

    pub fn set(&self, id: &str) -> Option<(&PlannedExercise, &TemplateSet)> {
        self.workouts
            .iter()
            .flat_map(|w| &w.exercises)
            .find_map(|e| e.sets.iter().find(|s| s.id == id).map(|s| (e, s)))
    }

    /// Routines a workout belongs to.
    pub fn routines_of(&self, workout_id: &str) -> Vec<&Routine> {
        self.routines
            .iter()
            .filter(|r| r.links.iter().any(|l| l.workout_id == workout_id))
            .collect()
    }
}
