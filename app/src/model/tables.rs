//! The registry of synced tables (DESIGN.md §3).
//!
//! Every other piece — push validation, the SQL the server generates, the columns a pull
//! returns, the browser replica and the schema-drift tests — reads this one
//! declaration, so adding a column is one line here plus a migration per backend.
//!
//! Code names columns through typed constants generated from it, so a misspelt column
//! does not compile:
//! ```compile_fail
//! let _ = app::model::tables::log_exercise_sets::wieght.to(100.0);
//! ```
//! nor does a value of the wrong type:
//! ```compile_fail
//! let _ = app::model::tables::log_exercise_sets::weight.to("heavy".to_owned());
//! ```
//! while the real column with a number does:
//! ```
//! use app::model::{records::LogExerciseSet, Record};
//! use app::model::tables::log_exercise_sets as sets;
//! let field = sets::weight.to(100.0);
//! assert_eq!((field.table, field.column), ("log_exercise_sets", "weight"));
//! let raw = serde_json::json!({ "id": "s", "weight": 100, "reps": 5 });
//! let set = LogExerciseSet::from_wire(raw.as_object().unwrap());
//! assert_eq!((set.weight, set.reps, set.rpe), (Some(100.0), Some(5), None));
//! ```

/// The schema version this build speaks. Clients newer than this are refused.
pub const SCHEMA_VERSION: u32 = 3;

pub use super::column::ColumnKind;
use super::column::ColumnType;
use super::wire::WireRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: &'static str,
    pub kind: ColumnKind,
    /// Schema version that introduced the column; older clients never see it.
    pub since: u32,
}

/// A child's pointer at its parent: deleting the parent deletes the child, and a pushed
/// child whose parent is missing is rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParentRef {
    pub column: &'static str,
    pub table: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDef {
    pub name: &'static str,
    /// Columns besides `id`, in wire order.
    pub columns: &'static [ColumnDef],
    pub parents: &'static [ParentRef],
    /// Schema version that introduced the table.
    pub since: u32,
}

impl TableDef {
    pub fn column(&self, name: &str) -> Option<&'static ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Columns a client of `version` knows about.
    pub fn columns_for(&self, version: u32) -> impl Iterator<Item = &'static ColumnDef> {
        self.columns.iter().filter(move |c| c.since <= version)
    }

    /// Tables whose rows point at this one, i.e. what a delete cascades to.
    pub fn children(&self) -> impl Iterator<Item = (&'static TableDef, &'static ParentRef)> {
        let name = self.name;
        TABLES.iter().flat_map(move |t| {
            t.parents
                .iter()
                .filter(move |p| p.table == name)
                .map(move |p| (t, p))
        })
    }
}

/// Look a table up by its wire name.
pub fn table(name: &str) -> Option<&'static TableDef> {
    TABLES.iter().find(|t| t.name == name)
}

/// Declares the synced tables once. From the one declaration come the registry
/// ([`TABLES`], read by validation, SQL, pulls and the replica), a module per table with
/// a typed [`Column`] constant per column (`routines::title`), and a record type per
/// table in [`records`] — so the registry, the code that names columns and the record
/// types cannot drift apart.
macro_rules! tables {
    ($(
        $(#[$doc:meta])*
        $record:ident $table:ident $(since $tsince:literal)? {
            $( $col:ident : $ty:ty $(= since $csince:literal)? ),* $(,)?
        }
        parents { $( $pcol:ident -> $ptable:ident ),* $(,)? }
    )*) => {
        /// The synced tables, parents before children: the order a push is applied in.
        pub const TABLES: &[TableDef] = &[$(
            TableDef {
                name: stringify!($table),
                columns: &[$(ColumnDef {
                    name: stringify!($col),
                    kind: <$ty as ColumnType>::KIND,
                    since: since!($($csince)?),
                }),*],
                parents: &[$(ParentRef {
                    column: stringify!($pcol),
                    table: stringify!($ptable),
                }),*],
                since: since!($($tsince)?),
            }
        ),*];

        $(
            $(#[$doc])*
            #[allow(non_upper_case_globals)]
            pub mod $table {
                use crate::model::column::Column;
                use crate::model::tables::TableDef;

                pub const TABLE: &str = stringify!($table);
                pub const id: Column<String> = Column::new(TABLE, "id");
                $(pub const $col: Column<$ty> = Column::new(TABLE, stringify!($col));)*

                /// This table's entry in the registry.
                pub fn def() -> &'static TableDef {
                    crate::model::tables::table(TABLE).expect("declared with the registry")
                }
            }
        )*

        /// One type per synced table, with its columns as typed fields (`None` for null,
        /// absent, or a value of the wrong type).
        pub mod records {
            use crate::model::tables::Record;
            use crate::model::wire::WireRecord;

            /// A record of any synced table, typed: what the in-memory replica keeps
            /// beside the raw record so queries hand out typed records without decoding.
            #[derive(Debug, Clone, PartialEq)]
            pub enum AnyRecord {
                $($record($record),)*
            }

            impl AnyRecord {
                /// Decodes a raw record of the table named `table`.
                pub fn decode(table: &str, raw: &WireRecord) -> Option<Self> {
                    match table {
                        $(stringify!($table) => Some(Self::$record($record::from_wire(raw))),)*
                        _ => None,
                    }
                }
            }
            $(
                $(#[$doc])*
                #[derive(Debug, Clone, PartialEq, Default)]
                pub struct $record {
                    pub id: String,
                    $(pub $col: Option<$ty>,)*
                }

                impl Record for $record {
                    const TABLE: &'static str = stringify!($table);
                    fn from_any(any: &AnyRecord) -> Option<&Self> {
                        match any {
                            AnyRecord::$record(r) => Some(r),
                            #[allow(unreachable_patterns)]
                            _ => None,
                        }
                    }
                    fn from_wire(raw: &WireRecord) -> Self {
                        Self {
                            id: super::$table::id.text(raw),
                            $($col: super::$table::$col.get(raw),)*
                        }
                    }
                }
            )*
        }
    };
}

macro_rules! since {
    () => {
        1
    };
    ($v:literal) => {
        $v
    };
}

tables! {
    /// The user's preferences; one record per user. Schema version 3 adds the plates the
    /// user loads (`plate_unit`, `bar_weight` in that unit, `plates` and `warmup_ramp` as
    /// [`crate::plates`] spells them).
    UserSettings user_settings {
        weight_unit: String,
        distance_unit: String,
        theme: String,
        default_rest_seconds: i64,
        one_rm_formula: String,
        week_start: i64,
        updated_at: i64,
        plate_unit: String = since 3,
        bar_weight: f64 = since 3,
        plates: String = since 3,
        warmup_ramp: String = since 3,
    }
    parents {}

    Routine routines {
        title: String,
        description: String,
        order: f64,
        default_routine: bool,
        created_at: i64,
        updated_at: i64,
    }
    parents {}

    /// A template workout (a routine's day).
    Workout workouts {
        title: String,
        notes: String,
        order: f64,
        estimated_duration: i64,
        created_at: i64,
        updated_at: i64,
    }
    parents {}

    /// A routine's use of a workout (many-to-many).
    RoutineWorkout routine_workouts {
        routine_id: String,
        workout_id: String,
        order: f64,
    }
    parents { routine_id -> routines, workout_id -> workouts }

    /// An exercise planned in a template workout. Schema version 3 adds how its next
    /// session's weight and reps are suggested: `progression` (`double`, the default:
    /// reps up to `rep_range_top`, then weight; `fixed`; `percent`: `one_rm_percent` of
    /// the estimated one-rep max).
    WorkoutExercise workout_exercise {
        workout_id: String,
        exercise_id: String,
        order: f64,
        rest_time: i64,
        notes: String,
        is_saved: bool,
        superset_group: i64,
        progression: String = since 3,
        rep_range_top: i64 = since 3,
        one_rm_percent: f64 = since 3,
    }
    parents { workout_id -> workouts }

    /// A template set: targets in kilograms, metres and seconds.
    WorkoutExerciseSet workout_exercise_sets {
        workout_exercise_id: String,
        order: f64,
        set_type: String,
        reps: i64,
        weight: f64,
        duration: i64,
        distance: f64,
        rest_time: i64,
        rpe: f64,
        notes: String,
    }
    parents { workout_exercise_id -> workout_exercise }

    /// A completed session.
    Log logs {
        workout_id: String,
        workout_title: String,
        notes: String,
        session_date: i64,
        duration: i64,
        is_imported: bool,
        imported_at: i64,
        created_at: i64,
        updated_at: i64,
    }
    parents {}

    /// An exercise as performed in a session.
    LogExercise log_exercise {
        log_id: String,
        exercise_id: String,
        order: f64,
        notes: String,
        superset_group: i64,
    }
    parents { log_id -> logs }

    /// A performed set: kilograms, metres, seconds.
    LogExerciseSet log_exercise_sets {
        log_exercise_id: String,
        order: f64,
        set_type: String,
        reps: i64,
        weight: f64,
        duration: i64,
        distance: f64,
        rpe: f64,
        completed: bool,
        notes: String,
    }
    parents { log_exercise_id -> log_exercise }

    /// An exercise a user added (or an import created). `tracking` (schema version 2):
    /// what a set of it records, a [`super::tracking::Tracking`].
    CustomExercise custom_exercises {
        name: String,
        category: String,
        equipment: String,
        primary_muscle: String,
        created_at: i64,
        updated_at: i64,
        tracking: String = since 2,
    }
    parents {}

    /// Bodyweight, body fat and tape measurements taken at one moment (schema version 3):
    /// kilograms, percent and metres; a column left empty was not measured.
    BodyMeasurement body_measurements since 3 {
        measured_at: i64,
        bodyweight: f64,
        body_fat: f64,
        neck: f64,
        chest: f64,
        waist: f64,
        hips: f64,
        arm: f64,
        thigh: f64,
        calf: f64,
        notes: String,
        created_at: i64,
        updated_at: i64,
    }
    parents {}
}

/// A record type generated from the registry (see `model::records`).
pub trait Record: Sized {
    const TABLE: &'static str;
    /// The record inside `any` when it is of this table.
    fn from_any(any: &records::AnyRecord) -> Option<&Self>;
    /// Reads a raw record; a column of the wrong type reads as absent.
    fn from_wire(raw: &WireRecord) -> Self;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_snake_case() {
        let mut seen = HashSet::new();
        for t in TABLES {
            assert!(seen.insert(t.name), "duplicate table {}", t.name);
            let mut cols = HashSet::new();
            for c in t.columns {
                assert!(
                    cols.insert(c.name),
                    "duplicate column {}.{}",
                    t.name,
                    c.name
                );
                assert!(
                    c.name
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                    "{}.{} is not a raw WatermelonDB name",
                    t.name,
                    c.name
                );
                assert_ne!(c.name, "id");
                assert!(
                    !c.name.starts_with('_'),
                    "bookkeeping columns are not synced"
                );
            }
        }
    }

    #[test]
    fn parents_come_before_children_and_point_at_text_columns() {
        for (i, t) in TABLES.iter().enumerate() {
            for p in t.parents {
                let parent_pos = TABLES.iter().position(|x| x.name == p.table);
                assert!(
                    matches!(parent_pos, Some(pos) if pos < i),
                    "{} must come after its parent {}",
                    t.name,
                    p.table
                );
                assert_eq!(t.column(p.column).map(|c| c.kind), Some(ColumnKind::Text));
            }
        }
    }

    #[test]
    fn cascades_follow_parents() {
        let children: Vec<_> = table("workouts")
            .unwrap()
            .children()
            .map(|(t, _)| t.name)
            .collect();
        assert_eq!(children, ["routine_workouts", "workout_exercise"]);
        // Loose references never cascade: history outlives templates.
        assert!(table("logs").unwrap().parents.is_empty());
    }
}
