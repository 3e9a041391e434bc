//! The server's side of page data: the source it provides and what a rendering request
//! carries.

use super::Compute;
use crate::local::Snapshot;
use crate::session::request::page_user;
use crate::session::UserInfo;
use async_trait::async_trait;
use leptos::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;

#[async_trait]
pub trait PageData: Send + Sync {
    /// The user's live records of `tables`.
    async fn records(&self, user_id: &str, tables: &[&str]) -> Result<Snapshot, String>;

    /// `compute` over the user's records (every table), remembered under `key` (which
    /// must name everything else the result depends on) until any of the user's records
    /// change: a page viewed again is rendered without reading years of sets again.
    async fn computed(
        &self,
        user_id: &str,
        key: String,
        compute: Compute,
    ) -> Result<Arc<str>, String>;

    /// Library exercise names by id.
    fn exercise_names(&self) -> Arc<BTreeMap<String, String>>;

    /// The exercise library.
    fn library(&self) -> Arc<Vec<crate::model::LibraryExercise>>;

    /// What the user deleted and can still restore (from the change log, which the
    /// replica does not hold).
    async fn recently_deleted(&self, user_id: &str)
        -> Result<Vec<crate::deleted::Deleted>, String>;
}

pub type SharedPageData = Arc<dyn PageData>;

/// The IANA zone name the browser reported in the `tz` cookie (set by the theme's boot
/// script), so the server places sessions on the days the browser does.
pub fn zone_cookie(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("tz="))
}

pub(super) fn data() -> Option<SharedPageData> {
    use_context::<SharedPageData>()
}

pub(super) fn data_and_user() -> Option<(SharedPageData, UserInfo)> {
    Some((data()?, page_user()?))
}
