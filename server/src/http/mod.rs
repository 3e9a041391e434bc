//! The HTTP surface: JSON API routes, account forms, and the Leptos pages, in one router.

mod accounts;
mod app_shell;
mod exercises;
mod health;
mod import;
mod page_data;
mod pages;
mod security;
mod sync;

use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::middleware::from_fn_with_state;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

/// The pages' routes, found once per process: while Leptos walks the app to find them it
/// holds back resource loading in the whole process, so a page rendering at that moment
/// (another app built in the same process, as tests do) would wait for ever.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App)).clone()
}

pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let page_data: app::page_data::SharedPageData =
        std::sync::Arc::new(page_data::StorePageData::new(&state));
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                leptos::prelude::provide_context(page_data.clone());
                pages::use_request_nonce();
            },
            {
                let options = state.leptos_options.clone();
                move || app::shell(options.clone())
            },
        )
        // Pages need to know who is signed in; the layer also redirects signed-out visitors.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::session,
        ));

    let max_body = state.config.max_body_bytes;
    let timeout = state.config.request_timeout;
    let quick = Router::new()
        .merge(health::router())
        .merge(app_shell::router())
        .merge(exercises::router())
        .merge(accounts::router())
        .merge(sync::router())
        .merge(pages)
        .layer(from_fn_with_state(timeout, security::limit_time));
    // A big file from a phone may take minutes to upload.
    let slow = import::router().layer(from_fn_with_state(timeout * 10, security::limit_time));
    Router::new()
        .merge(quick)
        .merge(slow)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CompressionLayer::new())
        // Spans carry the method and path only: query strings and headers may hold secrets.
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                tracing::info_span!("request", method = %req.method(), path = %req.uri().path())
            }),
        )
        .layer(axum::middleware::from_fn(security::set_headers))
        .with_state(state)
}
