//! `/programs` — the program builder: routines and their workouts here, one workout's
//! exercises and sets in [`workout`].
//!
//! Server rendering reads the database; after hydration the page reads and writes only
//! the replica. Until a new device's replica has finished its first sync, the
//! server-rendered data stays on screen and editing waits.

mod builder;
mod library;
mod routines;
mod workout;

pub use routines::ProgramsPage;
pub use workout::WorkoutPage;

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// `/programs` as a route whose code is loaded on demand: the builder is only fetched by
/// those who open it, which keeps the first download of every other page small.
pub struct ProgramsRoute;

#[lazy_route]
impl LazyRoute for ProgramsRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <ProgramsPage /> }.into_any()
    }
}

/// `/programs/workouts/:id`, loaded on demand like [`ProgramsRoute`].
pub struct WorkoutRoute;

#[lazy_route]
impl LazyRoute for WorkoutRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <WorkoutPage /> }.into_any()
    }
}
