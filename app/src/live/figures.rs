//! A page's figures: computed on the server from the database while rendering (and
//! cached there), then in the browser from the replica, live, by the same
//! [`crate::stats`] code.

use super::zone::zone_here;
use crate::local::Query;
use crate::model::LibraryExercise;
use crate::replica::{now_ms, use_replica, ReplicaSlot};
use crate::settings::Settings;
use crate::stats::{Catalog, Scope, Zone};
use leptos::prelude::*;

/// Computes `f` on the server over the user's records, or takes it from the server's
/// cache of figures when nothing of the user's changed since. `key` names the question
/// (page and parameters); the zone and the day are added to it. `None` in the browser and
/// for a signed-out visitor.
pub async fn on_server<T>(
    key: String,
    f: impl FnOnce(&Query, &Scope) -> T + Send + 'static,
) -> Option<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let library = crate::page_data::library()?;
    let zone = zone_here();
    let now = now_ms();
    let key = format!("{key}|{zone:?}|{}", zone.day(now).0);
    let compute: crate::page_data::Compute = Box::new(move |q| {
        let value = scoped(q, &library, &zone, now, f);
        serde_json::to_string(&value).unwrap_or_default()
    });
    let json = crate::page_data::computed(key, compute).await?;
    serde_json::from_str(&json).ok()
}

/// Answers `404` for a page whose subject the server looked for and did not find
/// (`Some(None)`).
pub fn status_of<T>(found: &Option<Option<T>>) {
    #[cfg(feature = "ssr")]
    if matches!(found, Some(None)) {
        if let Some(r) = use_context::<leptos_axum::ResponseOptions>() {
            r.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    #[cfg(not(feature = "ssr"))]
    let _ = found;
}

fn scoped<T>(
    q: &Query,
    library: &[LibraryExercise],
    zone: &Zone,
    now: i64,
    f: impl FnOnce(&Query, &Scope) -> T,
) -> T {
    let catalog = Catalog::new(library, q);
    let settings = Settings::of(q);
    let scope = Scope {
        catalog: &catalog,
        settings: &settings,
        zone,
        now,
    };
    f(q, &scope)
}

/// A page's figures as [`live`] gives them.
#[derive(Clone, Copy)]
pub struct Live<T: Send + Sync + 'static> {
    pub figures: Signal<Option<T>>,
    /// The figures are the replica's (not the server's any more).
    pub from_replica: Signal<bool>,
    pub replica: ReplicaSlot,
}

/// A page's figures: the server's (sent with the page) until the replica may be read
/// and the exercise library has loaded, then the replica's, recomputed after every
/// change to it (a local edit, a sync, another tab).
///
/// In the browser each recomputation is timed, alone (`ezlift:figures-computed`) and up
/// to the frame that shows it (`ezlift:figures-drawn`), for the benchmark.
pub fn live<T>(
    server: Option<T>,
    f: impl Fn(&Query, &Scope) -> T + Send + Sync + 'static,
) -> Live<T>
where
    T: Clone + PartialEq + Send + Sync + 'static,
{
    let replica = use_replica();
    let readable = replica.readable();
    let library = replica.library(readable);
    let local = Memo::new(move |_| {
        if !readable.get() || library.with(Vec::is_empty) {
            return None;
        }
        #[cfg(feature = "hydrate")]
        {
            crate::replica::mark("ezlift:figures");
            crate::replica::mark("ezlift:figures-compute");
        }
        let zone = zone_here();
        let now = now_ms();
        let figures = library.with(|l| replica.query(|q| scoped(q, l, &zone, now, &f)));
        #[cfg(feature = "hydrate")]
        crate::replica::measure("ezlift:figures-computed", "ezlift:figures-compute");
        figures
    });
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if local.with(Option::is_some) {
            request_animation_frame(|| {
                crate::replica::measure("ezlift:figures-drawn", "ezlift:figures")
            });
        }
    });
    let server = StoredValue::new(server);
    Live {
        figures: Signal::derive(move || local.get().or_else(|| server.get_value())),
        from_replica: Signal::derive(move || local.with(Option::is_some)),
        replica,
    }
}
