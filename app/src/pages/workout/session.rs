//! What the workout page's parts share: the session in progress, the settings, the
//! program's templates and what each exercise records.

use crate::live::settings::use_settings;
use crate::local::Snapshot;
use crate::model::{LibraryExercise, Tracking};
use crate::programs::Program;
use crate::replica::{use_replica, ReplicaSlot};
use crate::settings::Settings;
use leptos::prelude::*;
use std::collections::BTreeMap;

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
    pub finished: RwSignal<Option<(String, Vec<crate::local::Op>)>>,
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
pub async fn load_from_server() -> Option<Snapshot> {
    crate::page_data::records(crate::programs::PROGRAM_TABLES).await
}

pub fn provide_logger(server: Option<Snapshot>) -> Logger {
    let replica = use_replica();
    let readable = replica.readable();
    let live = Signal::derive(move || readable.get() && replica.state.active_loaded.get());
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
