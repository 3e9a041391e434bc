//! `GET /metrics` (when `EZLIFT_METRICS` is on): what the process holds, in Prometheus's
//! text format, for a scraper on the operator's network and for the load benchmark.

use super::page_data::StorePageData;
use super::state::AppState;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

pub fn router(pages: Arc<StorePageData>) -> Router<AppState> {
    Router::new().route(
        "/metrics",
        get(move || {
            let pages = pages.clone();
            async move { render(&pages) }
        }),
    )
}

fn render(pages: &StorePageData) -> impl IntoResponse {
    let (bytes, entries) = pages.cache_usage();
    let body = format!(
        "# HELP ezlift_figures_cache_bytes Bytes of computed page figures held, as weighed.\n\
         # TYPE ezlift_figures_cache_bytes gauge\n\
         ezlift_figures_cache_bytes {bytes}\n\
         # HELP ezlift_figures_cache_entries Computed page figures held.\n\
         # TYPE ezlift_figures_cache_entries gauge\n\
         ezlift_figures_cache_entries {entries}\n"
    );
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
