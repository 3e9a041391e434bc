//! The program builder's model: routines → workouts → exercises → sets, read from the
//! synced tables (whether the server loaded them from its database or the browser from
//! its replica), and every edit the builder offers expressed as replica ops.
//!
//! Plain Rust with no rendering, so the rules (ordering, cascades, defaults) are
//! unit-tested natively. Units, set types and the edit plumbing it shares with the other
//! pages live in [`crate::model`] and [`crate::local::edit`].

pub mod edits;
mod read;

pub use read::{
    CustomExercise, Link, PlannedExercise, Program, Routine, TemplateSet, Workout, PROGRAM_TABLES,
};
