//! What server-rendered pages read from the database. The server provides a
//! [`PageData`] as context; pages ask through the functions here, which answer `None` in
//! the browser (where the replica answers instead) and for a signed-out visitor, so a
//! page's loader is written once for both builds.

use crate::local::{Query, Snapshot};
use std::collections::BTreeMap;
use std::sync::Arc;

#[cfg(feature = "ssr")]
mod source;
#[cfg(feature = "ssr")]
pub use source::{zone_cookie, PageData, SharedPageData};

/// Computes a page's figures (serialised) from the user's records.
pub type Compute = Box<dyn FnOnce(&Query) -> String + Send>;

/// The signed-in user's live records of `tables`, while rendering on the server.
pub async fn records(tables: &[&str]) -> Option<Snapshot> {
    #[cfg(feature = "ssr")]
    {
        let (data, user) = source::data_and_user()?;
        data.records(&user.id, tables).await.ok()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = tables;
        None
    }
}

/// `compute` over the signed-in user's records, from the server's cache when nothing of
/// the user's changed since it was last computed under `key`.
pub async fn computed(key: String, compute: Compute) -> Option<Arc<str>> {
    #[cfg(feature = "ssr")]
    {
        let (data, user) = source::data_and_user()?;
        data.computed(&user.id, key, compute).await.ok()
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = (key, compute);
        None
    }
}

/// What the signed-in user can restore, while rendering on the server.
pub async fn recently_deleted() -> Option<Vec<crate::deleted::Deleted>> {
    #[cfg(feature = "ssr")]
    {
        let (data, user) = source::data_and_user()?;
        data.recently_deleted(&user.id).await.ok()
    }
    #[cfg(not(feature = "ssr"))]
    None
}

/// Library exercise names by id, while rendering on the server.
pub fn exercise_names() -> Option<Arc<BTreeMap<String, String>>> {
    #[cfg(feature = "ssr")]
    {
        Some(source::data()?.exercise_names())
    }
    #[cfg(not(feature = "ssr"))]
    None
}

/// The exercise library, while rendering on the server.
pub fn library() -> Option<Arc<Vec<crate::model::LibraryExercise>>> {
    #[cfg(feature = "ssr")]
    {
        Some(source::data()?.library())
    }
    #[cfg(not(feature = "ssr"))]
    None
}
