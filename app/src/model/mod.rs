//! The data model, defined once for the server, the browser and the tests.

pub mod column;
pub mod exercises;
pub mod ids;
pub mod measures;
pub mod one_rm;
pub mod tables;
pub mod tracking;
pub mod units;
pub mod wire;

pub use column::{Column, ColumnKind, ColumnType, Field};
pub use exercises::LibraryExercise;
pub use ids::RecordId;
pub use measures::Measure;
pub use one_rm::OneRmFormula;
pub use tables::{records, ColumnDef, ParentRef, Record, TableDef, SCHEMA_VERSION, TABLES};
pub use tracking::Tracking;
pub use units::{DistanceUnit, SetType, WeightUnit};

/// What a session without a title is called, everywhere it is named.
pub const UNTITLED_SESSION: &str = "Workout";
/// What a template or routine without a title is called.
pub const UNTITLED: &str = "Untitled";

/// A title as it is shown: trimmed, or `untitled` when there is none. The history, the
/// logger, Recently deleted and the sync status's list all name a record by this rule.
pub fn shown_title(title: Option<&str>, untitled: &str) -> String {
    title
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(untitled)
        .to_owned()
}
