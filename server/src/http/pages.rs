//! Session handling for server-rendered pages.

use super::error::ApiError;
use super::links::query_value;
use super::page_data::PageFailure;
use super::seen::{seen_by, seen_cookie, PageReads};
use super::state::AppState;
use crate::auth::Identity;
use app::session::{SessionUser, UserInfo};
use axum::extract::{Request, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, SET_COOKIE};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Pages a signed-out visitor may see.
const PUBLIC_PAGES: &[&str] = &["/login", "/signup"];

/// Resolves the session cookie for the page (or server function) being requested, sends
/// signed-out visitors to sign-in and signed-in ones away from the sign-in pages.
///
/// A database that cannot answer is never taken for a signed-out visitor: the page (or
/// server function) gets the error as a page, `503` with `Retry-After` for an outage, and
/// so does a page whose data could not be read while it rendered.
pub async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let identity = match state.auth.session(req.headers()).await {
        Ok(identity) => identity,
        Err(e) => return ApiError::from(e).into_page(&page_path(&req)),
    };
    let is_page = req.method() == Method::GET && !path.starts_with("/api/");
    if is_page {
        let public = PUBLIC_PAGES.contains(&path.as_str());
        match (&identity, public) {
            (None, false) => {
                let target = if path == "/" {
                    "/login".to_owned()
                } else {
                    format!("/login?next={}", query_value(&path))
                };
                return Redirect::to(&target).into_response();
            }
            (Some(_), true) => return Redirect::to("/").into_response(),
            _ => {}
        }
    }
    let user_id = identity.as_ref().map(|i| i.user_id.clone());
    let reads = PageReads::new(
        user_id
            .as_deref()
            .map_or(0, |user| seen_by(req.headers(), user)),
    );
    req.extensions_mut().insert(reads.clone());
    req.extensions_mut()
        .insert(SessionUser(identity.map(user_info)));
    let failure = PageFailure::default();
    req.extensions_mut().insert(failure.clone());
    let nonce = PageNonce(leptos::nonce::Nonce::new());
    req.extensions_mut().insert(nonce.clone());
    let retry = page_path(&req);
    let mut response = next.run(req).await;
    if let Some(e) = failure.take() {
        return ApiError::from(e).into_page(&retry);
    }
    // The page's policy names the nonce its inline scripts carry; set here, on the answer
    // itself, so no page leaves without it.
    if let Ok(policy) = HeaderValue::from_str(&app::app::page_policy(&nonce.0)) {
        response
            .headers_mut()
            .insert(CONTENT_SECURITY_POLICY, policy);
    }
    // What this page showed is what the browser has now seen: no later page of it may be
    // older, whichever database serves it.
    if let (Some(user), Some(stamp)) = (user_id, reads.newer()) {
        let cookie = seen_cookie(&user, stamp, state.config.secure_cookies);
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    response
}

/// The nonce of a page's inline scripts, chosen here for each page request so that the
/// answer's Content-Security-Policy and the rendered scripts always agree.
#[derive(Clone)]
struct PageNonce(leptos::nonce::Nonce);

/// Makes the request's [`PageNonce`] the one the page renders with (in place of the one
/// the Leptos integration made).
pub fn use_request_nonce() {
    if let Some(nonce) = app::session::request::of_this_request::<PageNonce>() {
        leptos::prelude::provide_context(nonce.0);
    }
}

/// The page to try again: the request's path and query.
fn page_path(req: &Request) -> String {
    req.uri()
        .path_and_query()
        .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned())
}

fn user_info(identity: Identity) -> UserInfo {
    UserInfo {
        id: identity.user_id,
        email: identity.email,
    }
}
