//! The program builder's model: routines → workouts → exercises → sets, read from the
//! synced tables (whether the server loaded them from its database or the browser from
//! its replica), and every edit the builder offers expressed as replica [`Op`]s.
//!
//! Plain Rust with no rendering, so the rules (ordering, cascades, defaults, units) are
//! unit-tested natively.

use crate::model::tables::table;
use crate::replica::{Op, Snapshot};
use crate::sync::wire::WireRecord;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The tables the builder reads.
pub const PROGRAM_TABLES: &[&str] = &[
    "user_settings",
    "routines",
    "workouts",
    "routine_workouts",
    "workout_exercise",
    "workout_exercise_sets",
    "custom_exercises",
];

fn text(raw: &WireRecord, column: &str) -> String {
    raw.get(column)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn int(raw: &WireRecord, column: &str) -> Option<i64> {
    raw.get(column)
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

fn real(raw: &WireRecord, column: &str) -> Option<f64> {
    raw.get(column).and_then(Value::as_f64)
}

fn flag(raw: &WireRecord, column: &str) -> bool {
    raw.get(column).and_then(Value::as_bool).unwrap_or(false)
}

fn order(raw: &WireRecord) -> f64 {
    real(raw, "order").unwrap_or(0.0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WeightUnit {
    #[default]
    Kg,
    Lb,
}

const LB_PER_KG: f64 = 2.204_622_621_8;

impl WeightUnit {
    pub fn label(self) -> &'static str {
        match self {
            Self::Kg => "kg",
            Self::Lb => "lb",
        }
    }

    /// Stored kilograms in this unit, rounded for display.
    pub fn show(self, kg: f64) -> f64 {
        let v = match self {
            Self::Kg => kg,
            Self::Lb => kg * LB_PER_KG,
        };
        (v * 100.0).round() / 100.0
    }

    /// A value typed in this unit, in kilograms.
    pub fn to_kg(self, v: f64) -> f64 {
        match self {
            Self::Kg => v,
            Self::Lb => v / LB_PER_KG,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DistanceUnit {
    #[default]
    Km,
    Mi,
}

const M_PER_MI: f64 = 1609.344;

impl DistanceUnit {
    pub fn label(self) -> &'static str {
        match self {
            Self::Km => "km",
            Self::Mi => "mi",
        }
    }

    /// Stored metres in this unit, rounded for display.
    pub fn show(self, m: f64) -> f64 {
        let v = match self {
            Self::Km => m / 1000.0,
            Self::Mi => m / M_PER_MI,
        };
        (v * 1000.0).round() / 1000.0
    }

    pub fn to_m(self, v: f64) -> f64 {
        match self {
            Self::Km => v * 1000.0,
            Self::Mi => v * M_PER_MI,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetType {
    #[default]
    Normal,
    Warmup,
    Drop,
    Failure,
}

impl SetType {
    pub const ALL: [SetType; 4] = [Self::Normal, Self::Warmup, Self::Drop, Self::Failure];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Warmup => "warmup",
            Self::Drop => "drop",
            Self::Failure => "failure",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Normal => "Normal",
            Self::Warmup => "Warm-up",
            Self::Drop => "Drop",
            Self::Failure => "Failure",
        }
    }

    pub fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .unwrap_or_default()
    }
}

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
        ka.0.total_cmp(&kb.0).then(ka.1.cmp(&kb.1))
    });
    items
}

/// Child records by the parent id they point at.
struct ByParent<'a>(BTreeMap<String, Vec<&'a WireRecord>>);

impl<'a> ByParent<'a> {
    fn new(rows: &'a [WireRecord], column: &str) -> Self {
        let mut map: BTreeMap<String, Vec<&WireRecord>> = BTreeMap::new();
        for row in rows {
            map.entry(text(row, column)).or_default().push(row);
        }
        Self(map)
    }

    fn of(&self, id: &str) -> impl Iterator<Item = &'a WireRecord> + '_ {
        self.0.get(id).into_iter().flatten().copied()
    }
}

fn template_set(r: &WireRecord) -> TemplateSet {
    TemplateSet {
        id: text(r, "id"),
        order: order(r),
        set_type: SetType::parse(&text(r, "set_type")),
        reps: int(r, "reps"),
        weight: real(r, "weight"),
        duration: int(r, "duration"),
        distance: real(r, "distance"),
        rpe: real(r, "rpe"),
    }
}

fn planned_exercise(e: &WireRecord, sets: &ByParent) -> PlannedExercise {
    let id = text(e, "id");
    let sets = sets.of(&id).map(template_set).collect();
    PlannedExercise {
        exercise_id: text(e, "exercise_id"),
        order: order(e),
        rest_time: int(e, "rest_time"),
        notes: text(e, "notes"),
        superset_group: int(e, "superset_group"),
        sets: sorted(sets, |s| (s.order, s.id.clone())),
        id,
    }
}

impl Program {
    pub fn from_snapshot(s: &Snapshot) -> Self {
        let sets = ByParent::new(s.rows("workout_exercise_sets"), "workout_exercise_id");
        let exercises = ByParent::new(s.rows("workout_exercise"), "workout_id");
        let links = ByParent::new(s.rows("routine_workouts"), "routine_id");
        let workouts = s
            .rows("workouts")
            .iter()
            .map(|w| {
                let id = text(w, "id");
                let planned = exercises
                    .of(&id)
                    .map(|e| planned_exercise(e, &sets))
                    .collect();
                Workout {
                    title: text(w, "title"),
                    notes: text(w, "notes"),
                    order: order(w),
                    estimated_duration: int(w, "estimated_duration"),
                    exercises: sorted(planned, |e| (e.order, e.id.clone())),
                    id,
                }
            })
            .collect();
        let workout_ids: BTreeSet<String> =
            s.rows("workouts").iter().map(|w| text(w, "id")).collect();
        let routines = s
            .rows("routines")
            .iter()
            .map(|r| {
                let id = text(r, "id");
                let links = links
                    .of(&id)
                    .map(|l| Link {
                        id: text(l, "id"),
                        workout_id: text(l, "workout_id"),
                        order: order(l),
                    })
                    .filter(|l| workout_ids.contains(&l.workout_id))
                    .collect();
                Routine {
                    title: text(r, "title"),
                    description: text(r, "description"),
                    order: order(r),
                    default: flag(r, "default_routine"),
                    links: sorted(links, |l| (l.order, l.id.clone())),
                    id,
                }
            })
            .collect();
        let custom = s
            .rows("custom_exercises")
            .iter()
            .map(|c| CustomExercise {
                id: text(c, "id"),
                name: text(c, "name"),
                category: text(c, "category"),
                equipment: text(c, "equipment"),
                primary_muscle: text(c, "primary_muscle"),
            })
            .collect();
        let settings = s.rows("user_settings").first();
        Program {
            routines: sorted(routines, |r| (r.order, r.id.clone())),
            workouts: sorted(workouts, |w| (w.order, w.id.clone())),
            custom: sorted(custom, |c| (0.0, c.name.to_lowercase())),
            weight_unit: match settings.map(|s| text(s, "weight_unit")).as_deref() {
                Some("lb") => WeightUnit::Lb,
                _ => WeightUnit::Kg,
            },
            distance_unit: match settings.map(|s| text(s, "distance_unit")).as_deref() {
                Some("mi") => DistanceUnit::Mi,
                _ => DistanceUnit::Km,
            },
            default_rest: settings.and_then(|s| int(s, "default_rest_seconds")),
        }
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

fn fields(value: Value) -> WireRecord {
    match value {
        Value::Object(map) => map,
        _ => WireRecord::new(),
    }
}

/// Changes columns of a record, stamping `updated_at` where the table has one.
pub fn edit(table_name: &'static str, id: &str, value: Value, now: i64) -> Op {
    let mut fields = fields(value);
    if table(table_name).is_some_and(|t| t.column("updated_at").is_some()) {
        fields.insert("updated_at".into(), now.into());
    }
    Op::Update {
        table: table_name,
        id: id.to_owned(),
        fields,
    }
}

fn create(table_name: &'static str, id: &str, value: Value) -> Op {
    let mut raw = fields(value);
    raw.insert("id".into(), id.into());
    Op::Create {
        table: table_name,
        raw,
    }
}

fn next_order(orders: impl Iterator<Item = f64>) -> f64 {
    orders.fold(0.0_f64, f64::max).floor() + 1.0
}

/// New `order` values after moving item `index` one place by `delta` (−1 up, +1 down):
/// the two neighbours swap keys, or, where keys tie, the list is renumbered.
pub fn reorder(items: &[(String, f64)], index: usize, delta: i32) -> Vec<(String, f64)> {
    let Some(target) = index
        .checked_add_signed(delta as isize)
        .filter(|t| *t < items.len())
    else {
        return Vec::new();
    };
    let distinct = items.windows(2).all(|w| w[0].1 < w[1].1);
    if distinct {
        return vec![
            (items[index].0.clone(), items[target].1),
            (items[target].0.clone(), items[index].1),
        ];
    }
    let mut ids: Vec<&String> = items.iter().map(|(id, _)| id).collect();
    ids.swap(index, target);
    ids.into_iter()
        .enumerate()
        .map(|(i, id)| (id.clone(), (i + 1) as f64))
        .filter(|(id, o)| items.iter().any(|(i2, o2)| i2 == id && o2 != o))
        .collect()
}

fn reorder_ops(table_name: &'static str, items: &[(String, f64)], id: &str, delta: i32) -> Vec<Op> {
    let Some(index) = items.iter().position(|(i, _)| i == id) else {
        return Vec::new();
    };
    reorder(items, index, delta)
        .into_iter()
        .map(|(id, order)| Op::Update {
            table: table_name,
            id,
            fields: fields(json!({ "order": order })),
        })
        .collect()
}

pub fn new_routine(p: &Program, id: &str, title: &str, now: i64) -> Vec<Op> {
    vec![create(
        "routines",
        id,
        json!({
            "title": title,
            "description": "",
            "order": next_order(p.routines.iter().map(|r| r.order)),
            "default_routine": p.routines.is_empty(),
            "created_at": now,
            "updated_at": now,
        }),
    )]
}

/// Makes one routine the default and every other one not.
pub fn set_default(p: &Program, id: &str, now: i64) -> Vec<Op> {
    p.routines
        .iter()
        .filter(|r| r.default != (r.id == id))
        .map(|r| {
            edit(
                "routines",
                &r.id,
                json!({ "default_routine": r.id == id }),
                now,
            )
        })
        .collect()
}

pub fn move_routine(p: &Program, id: &str, delta: i32) -> Vec<Op> {
    let items: Vec<_> = p.routines.iter().map(|r| (r.id.clone(), r.order)).collect();
    reorder_ops("routines", &items, id, delta)
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
        .map(|l| l.workout_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|w| Op::Delete {
            table: "workouts",
            id: w,
        })
        .collect();
    ops.push(Op::Delete {
        table: "routines",
        id: id.to_owned(),
    });
    ops
}

fn link(p: &Program, routine_id: &str, workout_id: &str, link_id: &str) -> Op {
    let order = next_order(
        p.routine(routine_id)
            .into_iter()
            .flat_map(|r| r.links.iter().map(|l| l.order)),
    );
    create(
        "routine_workouts",
        link_id,
        json!({ "routine_id": routine_id, "workout_id": workout_id, "order": order }),
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
            "workouts",
            workout_id,
            json!({
                "title": title,
                "notes": "",
                "order": next_order(p.workouts.iter().map(|w| w.order)),
                "estimated_duration": null,
                "created_at": now,
                "updated_at": now,
            }),
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
    reorder_ops("routine_workouts", &items, link_id, delta)
}

pub fn remove_link(link_id: &str) -> Vec<Op> {
    vec![Op::Delete {
        table: "routine_workouts",
        id: link_id.to_owned(),
    }]
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
            "workout_exercise",
            planned_id,
            json!({
                "workout_id": workout_id,
                "exercise_id": exercise_id,
                "order": order,
                "rest_time": p.default_rest.unwrap_or(90),
                "notes": "",
                "is_saved": true,
                "superset_group": null,
            }),
        ),
        create(
            "workout_exercise_sets",
            set_id,
            json!({
                "workout_exercise_id": planned_id,
                "order": 1.0,
                "set_type": "normal",
                "reps": null, "weight": null, "duration": null, "distance": null,
                "rest_time": null, "rpe": null, "notes": "",
            }),
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
    reorder_ops("workout_exercise", &items, planned_id, delta)
}

fn set_values(s: &TemplateSet) -> Value {
    json!({
        "set_type": s.set_type.as_str(),
        "reps": s.reps,
        "weight": s.weight,
        "duration": s.duration,
        "distance": s.distance,
        "rpe": s.rpe,
    })
}

/// A new set at the end, copying the last set's values (what a lifter types anyway).
pub fn add_set(p: &Program, planned_id: &str, set_id: &str) -> Vec<Op> {
    let Some((_, planned)) = p.planned(planned_id) else {
        return Vec::new();
    };
    let mut raw = planned
        .sets
        .last()
        .map(set_values)
        .unwrap_or_else(|| json!({ "set_type": "normal" }));
    let obj = raw.as_object_mut().expect("set values are an object");
    obj.insert("workout_exercise_id".into(), planned_id.into());
    obj.insert(
        "order".into(),
        next_order(planned.sets.iter().map(|s| s.order)).into(),
    );
    obj.insert("notes".into(), "".into());
    vec![create("workout_exercise_sets", set_id, raw)]
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
    let mut raw = set_values(set);
    let obj = raw.as_object_mut().expect("set values are an object");
    obj.insert("workout_exercise_id".into(), planned.id.clone().into());
    obj.insert("order".into(), order.into());
    obj.insert("notes".into(), "".into());
    vec![create("workout_exercise_sets", new_id, raw)]
}

pub fn move_set(p: &Program, set_id: &str, delta: i32) -> Vec<Op> {
    let items: Vec<_> = p
        .set(set_id)
        .map(|(e, _)| e.sets.iter().map(|s| (s.id.clone(), s.order)).collect())
        .unwrap_or_default();
    reorder_ops("workout_exercise_sets", &items, set_id, delta)
}

pub fn delete(table_name: &'static str, id: &str) -> Vec<Op> {
    vec![Op::Delete {
        table: table_name,
        id: id.to_owned(),
    }]
}

pub fn new_custom_exercise(
    id: &str,
    name: &str,
    category: &str,
    equipment: &str,
    muscle: &str,
    now: i64,
) -> Vec<Op> {
    vec![create(
        "custom_exercises",
        id,
        json!({
            "name": name.trim(),
            "category": category,
            "equipment": equipment,
            "primary_muscle": muscle.trim(),
            "created_at": now,
            "updated_at": now,
        }),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replica::apply_ops_to;
    use crate::sync::record::Status;

    /// A replica in memory: applies ops and gives the program back.
    #[derive(Default)]
    struct Fixture {
        tables: crate::replica::Tables,
    }

    impl Fixture {
        fn apply(&mut self, ops: Vec<Op>) -> &mut Self {
            apply_ops_to(&mut self.tables, &ops);
            self
        }

        fn program(&self) -> Program {
            let mut s = Snapshot::default();
            for (t, records) in &self.tables {
                s.tables.insert(
                    t.clone(),
                    records
                        .values()
                        .filter(|r| r.status != Status::Deleted)
                        .map(|r| r.raw.clone())
                        .collect(),
                );
            }
            Program::from_snapshot(&s)
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
            f.tables["workout_exercise"].is_empty(),
            "never-synced children vanish with it"
        );
        assert_eq!(p.routine("r2").unwrap().links.len(), 1);
    }

    #[test]
    fn sets_copy_duplicate_and_reorder() {
        let mut f = Fixture::default();
        f.apply(new_routine(&f.program(), "r", "A", 1));
        f.apply(add_new_workout(&f.program(), "r", "w", "l", "Day", 1));
        f.apply(add_exercise(&f.program(), "w", "barbell-squat", "e", "s1"));
        f.apply(vec![edit(
            "workout_exercise_sets",
            "s1",
            json!({ "reps": 5, "weight": 100.0 }),
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
    fn reorder_renumbers_ties() {
        let items = vec![
            ("a".to_owned(), 1.0),
            ("b".to_owned(), 1.0),
            ("c".to_owned(), 1.0),
        ];
        assert_eq!(
            reorder(&items, 2, -1),
            [("c".to_owned(), 2.0), ("b".to_owned(), 3.0)]
        );
    }

    #[test]
    fn units_convert_for_display_and_back() {
        assert_eq!(WeightUnit::Lb.show(100.0), 220.46);
        assert!((WeightUnit::Lb.to_kg(220.462_262_18) - 100.0).abs() < 1e-9);
        assert_eq!(DistanceUnit::Mi.show(1609.344), 1.0);
    }
}
