//! EzLift's shared crate: the data model, the pages and the code both the server and the
//! browser run. Server-only code sits behind `ssr`, browser-only code behind `hydrate`.
#![forbid(unsafe_code)]
#![recursion_limit = "256"]

pub mod app;
pub mod app_shell;
pub mod import;
pub mod local;
pub mod model;
#[cfg(feature = "ssr")]
pub mod page_data;
pub mod pages;
pub mod programs;
pub mod replica;
pub mod session;
pub mod settings;
pub mod stats;
pub mod sync;
pub mod theme;
pub mod workout;

pub use app::{shell, App};
