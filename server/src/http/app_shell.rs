//! `GET /app-shell`: the document the service worker answers a navigation with when it
//! has no copy of the page and no network (see `app::app_shell`). It holds nobody's data,
//! so it is served to anyone, signed in or not.

use super::state::AppState;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route(app::app_shell::PATH, get(shell))
}

async fn shell(State(state): State<AppState>) -> impl IntoResponse {
    let nonce = leptos::nonce::Nonce::new();
    let html = app::app_shell::document(&state.leptos_options, &nonce);
    (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (CONTENT_SECURITY_POLICY, app::app::page_policy(&nonce)),
            // The worker fetches it itself; a browser's HTTP cache must not serve an old one.
            (CACHE_CONTROL, "no-cache".to_owned()),
        ],
        html,
    )
}
