//! Logging a workout: the session in progress ([`active`]), the ways to start one
//! ([`start`]) and what finishing writes and reports ([`finish`]). Plain Rust over the
//! replica's typed queries, so every rule is unit-tested natively; the `/workout` page
//! only wires them to the screen.

pub mod active;
pub mod finish;
pub mod plates;
pub mod start;

pub use active::{ActiveExercise, ActiveSession, ActiveSet, Edit, RestTimer, SetField};
