//! Who is calling, as handlers take it from a request: the authenticated user and the
//! client's address.

use super::error::ApiError;
use super::state::AppState;
use crate::auth::{request_token, AuthError, Identity};
use crate::config::Config;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::net::SocketAddr;

/// An authenticated caller. Accepts the `x-jwt-token` header, or the session cookie; a
/// cookie alone may change data only from this site's own pages.
pub struct AuthUser(pub Identity);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = request_token(&parts.headers, &parts.method)?.ok_or(AuthError::Missing)?;
        Ok(Self(state.auth.authenticate(&token).await?))
    }
}

/// The caller's network address, as the limits see it.
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress
where
    std::sync::Arc<Config>: axum::extract::FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config: std::sync::Arc<Config> = axum::extract::FromRef::from_ref(state);
        let forwarded = config
            .trust_proxy
            .then(|| {
                parts
                    .headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .flat_map(|v| v.split(','))
                    .map(str::trim)
                    .rfind(|v| !v.is_empty())
                    .map(str::to_owned)
            })
            .flatten();
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(Self(
            forwarded.or(peer).unwrap_or_else(|| "unknown".to_owned()),
        ))
    }
}
