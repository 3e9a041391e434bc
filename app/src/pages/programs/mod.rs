//! `/programs` — the program builder: routines and their workouts here, one workout's
//! exercises and sets in [`workout`].
//!
//! Server rendering reads the database; after hydration the page reads and writes only
//! the replica. Until a new device's replica has finished its first sync, the
//! server-rendered data stays on screen and editing waits.

mod library;
mod routines;
mod workout;

pub use routines::ProgramsPage;
pub use workout::WorkoutPage;

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

use crate::programs::Program;
use crate::replica::{now_ms, use_replica, Op, ReplicaSlot, Snapshot};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the server rendered the page from, serialised into the page for hydration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerPrograms {
    pub snapshot: Snapshot,
    /// Names of the library exercises the program uses.
    pub names: BTreeMap<String, String>,
}

/// Reads the program from the database while rendering on the server. In the browser
/// (client-side navigation) there is nothing to fetch: the replica answers.
async fn load_from_server() -> Option<ServerPrograms> {
    #[cfg(feature = "ssr")]
    {
        use crate::page_data::{page_user, SharedPageData};
        let data = use_context::<SharedPageData>()?;
        let user = page_user()?;
        let snapshot = data
            .records(&user.id, crate::programs::PROGRAM_TABLES)
            .await
            .ok()?;
        let all = data.exercise_names();
        let names = snapshot
            .rows("workout_exercise")
            .iter()
            .filter_map(|r| r.get("exercise_id")?.as_str())
            .filter_map(|id| Some((id.to_owned(), all.get(id)?.clone())))
            .collect();
        Some(ServerPrograms { snapshot, names })
    }
    #[cfg(not(feature = "ssr"))]
    None
}

/// Everything the builder's components share.
#[derive(Clone, Copy)]
pub struct Builder {
    pub program: Memo<Program>,
    /// The replica is the source: edits are possible.
    pub editable: Signal<bool>,
    /// Exercise names by id: library and custom.
    pub names: Memo<BTreeMap<String, String>>,
    pub library: RwSignal<Vec<crate::model::LibraryExercise>>,
    pub replica: ReplicaSlot,
}

impl Builder {
    pub fn write(&self, ops: Vec<Op>) {
        if self.editable.get_untracked() {
            self.replica.write(ops);
        }
    }

    /// Builds `ops` from the current program (when there is one) and writes them.
    pub fn act(&self, f: impl FnOnce(&Program, i64) -> Vec<Op>) {
        let ops = self.program.with_untracked(|p| f(p, now_ms()));
        self.write(ops);
    }

    pub fn name_of(&self, exercise_id: &str) -> String {
        self.names
            .with(|n| n.get(exercise_id).cloned())
            .unwrap_or_else(|| "Unknown exercise".into())
    }
}

pub fn use_builder() -> Builder {
    expect_context::<Builder>()
}

/// Creates the builder context from the server's data and the replica.
fn provide_builder(server: Option<ServerPrograms>) -> Builder {
    let replica = use_replica();
    let readable = replica.readable();
    // The replica's data once it is the source (read from memory, so an action always
    // sees the edits made before it); until then the server's.
    let local = Memo::new(move |_| {
        if readable.get() {
            replica.query(Program::from_index)
        } else {
            None
        }
    });
    let library = replica.library(readable);
    let server_program = server
        .as_ref()
        .map(|s| Program::from_snapshot(&s.snapshot))
        .unwrap_or_default();
    let server_names = server.map(|s| s.names).unwrap_or_default();
    let program = Memo::new(move |_| local.get().unwrap_or_else(|| server_program.clone()));
    let names = Memo::new(move |_| {
        let mut names = server_names.clone();
        library.with(|l| {
            for e in l {
                names.insert(e.id.clone(), e.name.clone());
            }
        });
        program.with(|p| {
            for c in &p.custom {
                names.insert(c.id.clone(), c.name.clone());
            }
        });
        names
    });
    let builder = Builder {
        program,
        editable: Signal::derive(move || local.with(Option::is_some)),
        names,
        library,
        replica,
    };
    provide_context(builder);
    builder
}

/// Loads the program and renders `children` with the builder in context.
#[component]
fn WithProgram(children: ChildrenFn) -> impl IntoView {
    let server = Resource::new(|| (), |_| load_from_server());
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="empty">"Loading your programs…"</p> }>
            {move || Suspend::new(async move {
                let data = server.await;
                provide_builder(data);
                children.with_value(|c| c())
            })}
        </Suspense>
    }
}

/// A field's value as inputs show it, changing only when the value itself changes: an
/// input is never rewritten (losing what is being typed) because another column of its
/// record changed.
pub fn field(
    value: impl Fn() -> String + Send + Sync + 'static,
) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let memo = Memo::new(move |_| value());
    move || memo.get()
}

/// Text typed into a number field that is not a non-negative number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotANumber;

/// Reads a number from an input: empty is `None`; anything unparsable or negative is
/// refused, so a typo never overwrites a value.
pub fn parse_number(text: &str) -> Result<Option<f64>, NotANumber> {
    let t = text.trim().replace(',', ".");
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
        _ => Err(NotANumber),
    }
}

/// Formats an optional number for an input's value.
pub fn show_number(v: Option<f64>) -> String {
    v.map(|v| {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_strictly() {
        assert_eq!(parse_number(" 2,5 "), Ok(Some(2.5)));
        assert_eq!(parse_number(""), Ok(None));
        assert_eq!(parse_number("-1"), Err(NotANumber));
        assert_eq!(parse_number("abc"), Err(NotANumber));
        assert_eq!(show_number(Some(100.0)), "100");
        assert_eq!(show_number(Some(220.46)), "220.46");
    }
}
