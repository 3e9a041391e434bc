//! The HTTP surface: JSON API routes, account forms, and the Leptos pages, in one router.

mod accounts;
mod app_shell;
mod deleted;
pub mod error;
mod exercises;
pub mod extract;
mod health;
pub mod held_records;
mod import;
mod links;
pub mod metrics;
mod page_data;
mod pages;
mod push;
mod render;
mod security;
mod seen;
pub mod state;
mod sync;

use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use state::AppState;
use tower_http::catch_panic::CatchPanicLayer;
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
    router_with(state, |page_data| page_data)
}

/// [`router`], with the pages reading their data through `wrap` of the store's: tests
/// use it to put faults where pages read.
pub fn router_with(
    state: AppState,
    wrap: impl FnOnce(app::page_data::SharedPageData) -> app::page_data::SharedPageData,
) -> Router {
    render::init_executor();
    let routes = route_list();
    let store_pages = std::sync::Arc::new(page_data::StorePageData::new(&state));
    let page_data = wrap(store_pages.clone());
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
        // A render's tasks belong to its request (a panic answers 500 at once).
        .route_layer(axum::middleware::from_fn(render::guard))
        // Pages need to know who is signed in; the layer also redirects signed-out visitors.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            pages::session,
        ));

    let max_body = state.config.max_body_bytes;
    let timeout = state.config.request_timeout;
    let metrics = if state.config.metrics {
        metrics::router(std::sync::Arc::new(move || metrics::Caches {
            figures: store_pages.cache_usage(),
            records: store_pages.held_usage(),
        }))
    } else {
        Router::new()
    };
    let quick = Router::new()
        .merge(health::router())
        .merge(metrics)
        .merge(app_shell::router())
        .merge(exercises::router())
        .merge(accounts::router())
        .merge(sync::router())
        .merge(deleted::router())
        .merge(push::router())
        .merge(pages)
        .layer(from_fn_with_state(timeout, security::limit_time));
    // A big file from a phone may take minutes to upload.
    let slow = import::router().layer(from_fn_with_state(timeout * 10, security::limit_time));
    Router::new()
        .merge(quick)
        .merge(slow)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(app::shell))
        .layer(DefaultBodyLimit::max(max_body))
        // A handler that panics answers 500 (with the error shape) instead of dropping
        // the connection; pages catch their own panics first and answer with a page.
        .layer(CatchPanicLayer::custom(|panic: Box<dyn std::any::Any + Send>| {
            let message = render::panic_message(panic.as_ref());
            error::ApiError::Internal(format!("a handler panicked: {message}"))
                .into_response()
        }))
        // Every answer counted and timed, a panic's 500 included.
        .layer(from_fn_with_state(state.metrics.clone(), metrics::track))
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
