//! Response headers every answer carries, and the time a request may take.
//!
//! Pages set their own Content-Security-Policy (it names the nonce of their inline
//! scripts, see `app::shell`); the API's answers get one that allows nothing.

use super::error::ApiError;
use axum::extract::{Request, State};
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// For the API's answers.
const NOTHING_ALLOWED: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the headers to every answer. The JSON API gets a policy that allows nothing (an
/// answer opened as a page runs nothing); pages bring their own; static files get none,
/// since the service worker runs under its script's policy and must fetch the app.
pub async fn set_headers(req: Request, next: Next) -> Response {
    let api = {
        let path = req.uri().path();
        path.starts_with("/api/")
            || path.starts_with("/auth/")
            || path == "/healthz"
            || path == "/readyz"
    };
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if api && !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(NOTHING_ALLOWED),
        );
    }
    response
}

/// Stops a request that has not answered after `limit` with `408` and a message. The
/// handler's future is dropped, so a transaction it held open is rolled back.
pub async fn limit_time(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout(limit.as_secs()).into_response(),
    }
}
