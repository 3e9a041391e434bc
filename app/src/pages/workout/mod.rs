//! `/workout` — logging a session. The page is a route of its own loaded on demand.
//!
//! Server rendering lists the templates to start from (from the database); logging
//! itself needs JavaScript, and the page says so when it is off. In the browser the
//! session lives in the replica (see [`crate::workout`]) and every tab shows it live.

mod logger;
mod start;

use crate::model::{LibraryExercise, Tracking};
use crate::programs::Program;
use crate::replica::{use_replica, ReplicaSlot, Snapshot};
use crate::settings::{use_settings, Settings};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{lazy_route, LazyRoute};
use std::collections::BTreeMap;

/// `/workout`, loaded on demand.
pub struct WorkoutLogRoute;

#[lazy_route]
impl LazyRoute for WorkoutLogRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <WorkoutPage /> }.into_any()
    }
}

/// What a page needs to know of an exercise: its name and what a set of it records.
#[derive(Debug, Clone, PartialEq)]
pub struct ExerciseInfo {
    pub name: String,
    pub tracking: Tracking,
}

/// Everything the logger's components share.
#[derive(Clone, Copy)]
pub struct Logger {
    pub replica: ReplicaSlot,
    pub program: Memo<Program>,
    pub settings: Signal<Settings>,
    /// The replica is the source: logging is possible.
    pub live: Signal<bool>,
    pub library: RwSignal<Vec<LibraryExercise>>,
    pub exercises: Memo<BTreeMap<String, ExerciseInfo>>,
    /// The session just finished (its log id) and the template edits it suggests.
    pub finished: RwSignal<Option<(String, Vec<crate::replica::Op>)>>,
}

impl Logger {
    pub fn info(&self, exercise_id: &str) -> ExerciseInfo {
        self.exercises
            .with(|m| m.get(exercise_id).cloned())
            .unwrap_or_else(|| ExerciseInfo {
                name: "Unknown exercise".into(),
                tracking: Tracking::default(),
            })
    }
}

pub fn use_logger() -> Logger {
    expect_context::<Logger>()
}

/// Reads the templates from the database while rendering on the server.
async fn load_from_server() -> Option<Snapshot> {
    #[cfg(feature = "ssr")]
    {
        use crate::page_data::{page_user, SharedPageData};
        let data = use_context::<SharedPageData>()?;
        let user = page_user()?;
        data.records(&user.id, crate::programs::PROGRAM_TABLES)
            .await
            .ok()
    }
    #[cfg(not(feature = "ssr"))]
    None
}

fn provide_logger(server: Option<Snapshot>) -> Logger {
    let replica = use_replica();
    let readable = replica.readable();
    let live = Signal::derive(move || readable.get() && replica.active_loaded.get());
    let local = Memo::new(move |_| {
        if readable.get() {
            replica.query(Program::from_index)
        } else {
            None
        }
    });
    let server_program = server
        .as_ref()
        .map(Program::from_snapshot)
        .unwrap_or_default();
    let program = Memo::new(move |_| local.get().unwrap_or_else(|| server_program.clone()));
    let library = replica.library(readable);
    let exercises = Memo::new(move |_| {
        let mut map = BTreeMap::new();
        library.with(|l| {
            for e in l {
                map.insert(
                    e.id.clone(),
                    ExerciseInfo {
                        name: e.name.clone(),
                        tracking: e.tracking,
                    },
                );
            }
        });
        program.with(|p| {
            for c in &p.custom {
                map.insert(
                    c.id.clone(),
                    ExerciseInfo {
                        name: c.name.clone(),
                        tracking: c.tracking,
                    },
                );
            }
        });
        map
    });
    let logger = Logger {
        replica,
        program,
        settings: use_settings(),
        live,
        library,
        exercises,
        finished: RwSignal::new(None),
    };
    provide_context(logger);
    logger
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Start,
    Logging,
    Summary,
}

#[component]
pub fn WorkoutPage() -> impl IntoView {
    let server = Resource::new(|| (), |_| load_from_server());
    let settings = use_context::<crate::settings::ServerSettings>();
    view! {
        <Title text="Workout · EzLift" />
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let data = server.await;
                if let Some(s) = settings {
                    s.0.await;
                }
                let logger = provide_logger(data);
                let js = crate::pages::shell::client_ready();
                // Which part shows; a memo, so that editing the session (which changes
                // `active` on every keystroke saved) never rebuilds the logger.
                let mode = Memo::new(move |_| {
                    if logger.finished.with(Option::is_some) {
                        Mode::Summary
                    } else if logger.live.get() && logger.replica.active.with(Option::is_some) {
                        Mode::Logging
                    } else {
                        Mode::Start
                    }
                });
                view! {
                    <Show when=move || !js.get()>
                        <p class="card warning">
                            "Logging a workout needs JavaScript: turn it on to start one. "
                            "Your templates are listed below."
                        </p>
                    </Show>
                    {move || match mode.get() {
                        Mode::Summary => view! { <logger::Summary /> }.into_any(),
                        Mode::Logging => view! { <logger::ActiveLogger /> }.into_any(),
                        Mode::Start => view! { <start::StartPanel /> }.into_any(),
                    }}
                }
            })}
        </Suspense>
    }
}
