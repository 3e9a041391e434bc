//! What server-rendered pages read from the database. The server provides an
//! implementation as context; pages call it while rendering, never from the browser.

use crate::replica::Snapshot;
use crate::session::{SessionUser, UserInfo};
use async_trait::async_trait;
use leptos::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

#[async_trait]
pub trait PageData: Send + Sync {
    /// The user's live records of `tables`.
    async fn records(&self, user_id: &str, tables: &[&str]) -> Result<Snapshot, String>;

    /// Library exercise names by id.
    fn exercise_names(&self) -> Arc<BTreeMap<String, String>>;
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
