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
