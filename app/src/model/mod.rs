//! The data model, defined once for the server, the browser and the tests.

pub mod exercises;
pub mod ids;
pub mod tables;

pub use exercises::LibraryExercise;
pub use ids::RecordId;
pub use tables::{ColumnDef, ColumnKind, ParentRef, TableDef, SCHEMA_VERSION, TABLES};
