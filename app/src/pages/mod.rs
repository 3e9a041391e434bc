//! One module per page, and what several pages share: the frame around them (`shell`),
//! number formats and fields (`format`), charts (`chart`), the plate calculator
//! (`plates`) and the start button (`starter`).

pub mod auth;
pub mod chart;
pub mod dashboard;
pub mod deleted;
pub mod exercise;
pub mod format;
pub mod history;
pub mod import;
pub mod measurements;
pub mod placeholder;
pub mod plates;
pub mod programs;
pub mod settings;
pub mod shell;
pub mod starter;
pub mod sync_status;
pub mod workout;
