//! `/deleted` — what was deleted on any device in the last 30 days, each with a button
//! that brings it back with everything deleted with it ([`crate::deleted`]).
//!
//! The list is the server's (the change log is not in the replica), rendered with the
//! page; a restore is a plain form post, so it works before (and without) the page's
//! script, and the replica receives the records on its next sync like any change.

use crate::deleted::{Deleted, KEPT_DAYS};
use crate::live::zone::zone_here;
use crate::pages::format::thousands;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use leptos_router::{lazy_route, LazyRoute};

pub struct DeletedRoute;

#[lazy_route]
impl LazyRoute for DeletedRoute {
    fn data() -> Self {
        Self
    }

    fn view(_this: Self) -> AnyView {
        view! { <DeletedPage /> }.into_any()
    }
}

/// The list: the server's while rendering, fetched when the page is opened in the browser.
async fn load() -> Result<Vec<Deleted>, String> {
    #[cfg(feature = "ssr")]
    {
        crate::page_data::recently_deleted()
            .await
            .ok_or_else(|| "Sign in to see what you deleted.".to_owned())
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        #[derive(serde::Deserialize)]
        struct Listed {
            deleted: Vec<Deleted>,
        }
        // Resources are `Send`; the browser runs one thread, where a fetch never moves.
        let bytes =
            send_wrapper::SendWrapper::new(crate::replica::send("GET", "/api/deleted", None))
                .await
                .map_err(|_| {
                    "Recently deleted needs a connection: the server keeps them.".to_owned()
                })?;
        serde_json::from_slice::<Listed>(&bytes)
            .map(|l| l.deleted)
            .map_err(|e| e.to_string())
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        Ok(Vec::new())
    }
}

#[component]
pub fn DeletedPage() -> impl IntoView {
    // The list travels from the server render to hydration as its JSON text: a
    // resource's value is decoded in the module every page loads, where decoding a
    // `Vec<Deleted>` cost 32 KB (brotli) and decoding text costs nothing new.
    let list = Resource::new(
        || (),
        |_| async {
            load()
                .await
                .and_then(|items| serde_json::to_string(&items).map_err(|e| e.to_string()))
        },
    );
    let query = use_query_map();
    let restored = move || query.with(|q| q.get("restored"));
    let home = move || {
        query
            .with(|q| q.get("home"))
            .filter(|h| h.starts_with('/') && !h.starts_with("//"))
    };
    let failed = move || query.with(|q| q.get("restore_error"));
    view! {
        <Title text="Recently deleted · EzLift" />
        <h1>"Recently deleted"</h1>
        <p class="muted">
            {format!(
                "Sessions, workout templates and routines deleted on any of your devices in the last {KEPT_DAYS} days. \
                 Restoring one brings back everything deleted with it, on every device."
            )}
        </p>
        {move || restored().map(|title| view! {
            <p class="notice" role="status" data-testid="restored">
                {format!("Restored “{title}”. ")}
                {home().map(|h| view! { <a href=h>"Open it →"</a> })}
            </p>
        })}
        {move || failed().map(|e| view! { <p class="warning" role="alert" data-testid="restore-error">{e}</p> })}
        <Suspense fallback=|| view! { <p class="empty">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let items = list.await.and_then(|json| {
                    serde_json::from_str::<Vec<Deleted>>(&json).map_err(|e| e.to_string())
                });
                match items {
                    Err(e) => view! { <p class="empty">{e}</p> }.into_any(),
                    Ok(items) if items.is_empty() => view! {
                        <p class="empty" data-testid="nothing-deleted">"Nothing deleted in the last 30 days."</p>
                    }
                    .into_any(),
                    Ok(items) => view! {
                        <ul class="session-list" data-testid="deleted-list">
                            {items.into_iter().map(item).collect_view()}
                        </ul>
                    }
                    .into_any(),
                }
            })}
        </Suspense>
    }
}

fn item(d: Deleted) -> impl IntoView {
    let zone = zone_here();
    let what = match d.date {
        Some(date) => format!("{} of {}", d.kind.label(), zone.day(date).long()),
        None => d.kind.label().to_owned(),
    };
    let under = match d.under {
        0 => String::new(),
        1 => " · with 1 record under it".to_owned(),
        n => format!(" · with {} records under it", thousands(n as i64)),
    };
    let when = format!(
        "Deleted {} · restorable until {}",
        zone.day(d.deleted_at).long(),
        zone.day(d.kept_until()).long()
    );
    let kind = serde_json::to_value(d.kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    view! {
        <li data-testid="deleted-item">
            <strong>{d.title.clone()}</strong>
            <p class="muted small">{what}{under}</p>
            <p class="muted small">{when}</p>
            <form method="post" action="/deleted/restore" class="restore">
                <input type="hidden" name="kind" value=kind />
                <input type="hidden" name="id" value=d.id.clone() />
                <button type="submit" class="primary" data-testid="restore" aria-label=format!("Restore {}", d.title)>
                    "Restore"
                </button>
            </form>
        </li>
    }
}
