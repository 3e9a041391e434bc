//! What the builder's pages share: the program (the server's copy while rendering, the
//! replica's once readable) and the writes that change it.

use crate::local::{Op, Snapshot};
use crate::programs::Program;
use crate::replica::{now_ms, use_replica, ReplicaSlot};
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
pub async fn load_from_server() -> Option<ServerPrograms> {
    let snapshot = crate::page_data::records(crate::programs::PROGRAM_TABLES).await?;
    let all = crate::page_data::exercise_names()?;
    let names = snapshot
        .rows("workout_exercise")
        .iter()
        .filter_map(|r| r.get("exercise_id")?.as_str())
        .filter_map(|id| Some((id.to_owned(), all.get(id)?.clone())))
        .collect();
    Some(ServerPrograms { snapshot, names })
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
pub fn provide_builder(server: Option<ServerPrograms>) -> Builder {
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
pub fn WithProgram(children: ChildrenFn) -> impl IntoView {
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
