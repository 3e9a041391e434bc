//! Logging a workout: the session in progress ([`active`]), the ways to start one
//! ([`start`]), what finishing writes and reports ([`finish`]) and what to lift next
//! ([`progression`]). Plain Rust over the
//! replica's typed queries, so every rule is unit-tested natively; the `/workout` page
//! only wires them to the screen.

pub mod active;
pub mod finish;
pub mod progression;
pub mod start;

pub use active::{ActiveExercise, ActiveSession, ActiveSet, Edit, RestTimer, SetField};
