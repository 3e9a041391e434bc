//! The registry of synced tables (DESIGN.md §3).
//!
//! Every other piece — push validation, the SQL the server generates, the columns a pull
//! returns, the browser replica's object stores and the schema-drift tests — reads this one
//! list, so adding a column is one line here plus a migration per backend.

/// The schema version this build speaks. Clients newer than this are refused.
pub const SCHEMA_VERSION: u32 = 1;

/// How a column's value travels on the wire and is stored.
///
/// Integers and reals are kept apart so that counts and epoch-millisecond times stay exact
/// integers while weights and ordering keys may carry fractions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Int,
    Real,
    Bool,
}

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

const fn col(name: &'static str, kind: ColumnKind) -> ColumnDef {
    ColumnDef {
        name,
        kind,
        since: 1,
    }
}

use ColumnKind::{Bool, Int, Real, Text};

/// The synced tables, parents before children: the order a push is applied in.
pub const TABLES: &[TableDef] = &[
    TableDef {
        name: "user_settings",
        columns: &[
            col("weight_unit", Text),
            col("distance_unit", Text),
            col("theme", Text),
            col("default_rest_seconds", Int),
            col("one_rm_formula", Text),
            col("week_start", Int),
            col("updated_at", Int),
        ],
        parents: &[],
        since: 1,
    },
    TableDef {
        name: "routines",
        columns: &[
            col("title", Text),
            col("description", Text),
            col("order", Real),
            col("default_routine", Bool),
            col("created_at", Int),
            col("updated_at", Int),
        ],
        parents: &[],
        since: 1,
    },
    TableDef {
        name: "workouts",
        columns: &[
            col("title", Text),
            col("notes", Text),
            col("order", Real),
            col("estimated_duration", Int),
            col("created_at", Int),
            col("updated_at", Int),
        ],
        parents: &[],
        since: 1,
    },
    TableDef {
        name: "routine_workouts",
        columns: &[
            col("routine_id", Text),
            col("workout_id", Text),
            col("order", Real),
        ],
        parents: &[
            ParentRef {
                column: "routine_id",
                table: "routines",
            },
            ParentRef {
                column: "workout_id",
                table: "workouts",
            },
        ],
        since: 1,
    },
    TableDef {
        name: "workout_exercise",
        columns: &[
            col("workout_id", Text),
            col("exercise_id", Text),
            col("order", Real),
            col("rest_time", Int),
            col("notes", Text),
            col("is_saved", Bool),
            col("superset_group", Int),
        ],
        parents: &[ParentRef {
            column: "workout_id",
            table: "workouts",
        }],
        since: 1,
    },
    TableDef {
        name: "workout_exercise_sets",
        columns: &[
            col("workout_exercise_id", Text),
            col("order", Real),
            col("set_type", Text),
            col("reps", Int),
            col("weight", Real),
            col("duration", Int),
            col("distance", Real),
            col("rest_time", Int),
            col("rpe", Real),
            col("notes", Text),
        ],
        parents: &[ParentRef {
            column: "workout_exercise_id",
            table: "workout_exercise",
        }],
        since: 1,
    },
    TableDef {
        name: "logs",
        columns: &[
            col("workout_id", Text),
            col("workout_title", Text),
            col("notes", Text),
            col("session_date", Int),
            col("duration", Int),
            col("is_imported", Bool),
            col("imported_at", Int),
            col("created_at", Int),
            col("updated_at", Int),
        ],
        parents: &[],
        since: 1,
    },
    TableDef {
        name: "log_exercise",
        columns: &[
            col("log_id", Text),
            col("exercise_id", Text),
            col("order", Real),
            col("notes", Text),
            col("superset_group", Int),
        ],
        parents: &[ParentRef {
            column: "log_id",
            table: "logs",
        }],
        since: 1,
    },
    TableDef {
        name: "log_exercise_sets",
        columns: &[
            col("log_exercise_id", Text),
            col("order", Real),
            col("set_type", Text),
            col("reps", Int),
            col("weight", Real),
            col("duration", Int),
            col("distance", Real),
            col("rpe", Real),
            col("completed", Bool),
            col("notes", Text),
        ],
        parents: &[ParentRef {
            column: "log_exercise_id",
            table: "log_exercise",
        }],
        since: 1,
    },
    TableDef {
        name: "custom_exercises",
        columns: &[
            col("name", Text),
            col("category", Text),
            col("equipment", Text),
            col("primary_muscle", Text),
            col("created_at", Int),
            col("updated_at", Int),
        ],
        parents: &[],
        since: 1,
    },
];

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
