//! What server-rendered pages read from the database. The server provides an
//! implementation as context; pages call it while rendering, never from the browser.

use crate::replica::Snapshot;
use crate::session::{SessionUser, UserInfo};
use async_trait::async_trait;
use leptos::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Computes a page's figures (serialised) from the user's records.
pub type Compute = Box<dyn FnOnce(&Snapshot) -> String + Send>;

#[async_trait]
pub trait PageData: Send + Sync {
    /// The user's live records of `tables`.
    async fn records(&self, user_id: &str, tables: &[&str]) -> Result<Snapshot, String>;

    /// `compute` over the user's records of `tables`, remembered under `key` (which must
    /// name everything else the result depends on) until any of the user's records
    /// change: a page viewed again is rendered without reading years of sets again.
    async fn computed(
        &self,
        user_id: &str,
        tables: &[&str],
        key: String,
        compute: Compute,
    ) -> Result<Arc<str>, String>;

    /// Library exercise names by id.
    fn exercise_names(&self) -> Arc<BTreeMap<String, String>>;

    /// The exercise library.
    fn library(&self) -> Arc<Vec<crate::model::LibraryExercise>>;
}

pub type SharedPageData = Arc<dyn PageData>;

/// The user whose page is being rendered.
pub fn page_user() -> Option<UserInfo> {
    use_context::<http::request::Parts>()?
        .extensions
        .get::<SessionUser>()?
        .0
        .clone()
}
