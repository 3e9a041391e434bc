//! EzLift's shared crate: the data model, the pages and the code both the server and the
//! browser run. Server-only code sits behind `ssr`, browser-only code behind `hydrate`.
//!
//! Its layers, from the bottom; a module imports only the ones below it:
//! 1. `model`, `session`, `import`, `deleted`, `rest_alert`: the data model and what the
//!    server and browser say to each other.
//! 2. `local`: the records on a device and the pure operations on them.
//! 3. `sync`: WatermelonDB's sync algorithm over a local store and a remote.
//! 4. `plates`, `settings`, `stats`, `programs`, `workout`, `overview`: the training
//!    domain, in that order, computed from the local store's queries.
//! 5. `page_data`: what server rendering reads from the database.
//! 6. `replica`: the browser's replica (IndexedDB, fetch, tabs, status).
//! 7. `live`: what pages read: the server's answer, then the replica's, live.
//! 8. `pages`, `app`, `app_shell`: the pages, the layout and router, the document.
#![forbid(unsafe_code)]
#![recursion_limit = "256"]

pub mod deleted;
pub mod import;
pub mod model;
pub mod rest_alert;
pub mod session;

pub mod local;
pub mod sync;

pub mod overview;
pub mod plates;
pub mod programs;
pub mod settings;
pub mod stats;
pub mod workout;

pub mod live;
pub mod page_data;
pub mod replica;

pub mod app;
pub mod app_shell;
pub mod pages;

pub use app::{shell, App};
