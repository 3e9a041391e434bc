//! One module per page.

pub mod auth;
pub mod dashboard;
pub mod exercise;
pub mod figures;
pub mod history;
pub mod import;
pub mod placeholder;
pub mod programs;
pub mod settings;
pub mod shell;
pub mod workout;
