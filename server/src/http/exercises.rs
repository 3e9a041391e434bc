//! `GET /api/exercises`: the read-only library, cacheable and revalidated by ETag.

use super::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/exercises", get(list))
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let catalogue = &state.catalogue;
    let cache = [
        (header::ETAG, catalogue.etag.clone()),
        // Clients may use their copy for a day, then revalidate cheaply with the ETag.
        (
            header::CACHE_CONTROL,
            "public, max-age=86400, must-revalidate".to_owned(),
        ),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim() == catalogue.etag || tag.trim() == "*")
        });
    if matches {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (
        cache,
        [(header::CONTENT_TYPE, "application/json".to_owned())],
        catalogue.json.clone(),
    )
        .into_response()
}
