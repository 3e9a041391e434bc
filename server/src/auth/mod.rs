//! Who is calling: tokens (local or Firebase), the session cookie, and the first-request
//! creation of a user's profile.

pub mod firebase;
mod identity;
pub mod limits;
pub mod password;
pub mod tokens;

pub use identity::{AuthError, Identity};

use crate::config::{AuthMode, Config};
use crate::store::{Store, StoreError};
use axum::http::{HeaderMap, Method};
use axum_extra::extract::cookie::{Cookie, SameSite};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// The header the mobile apps send their token in.
pub const TOKEN_HEADER: &str = "x-jwt-token";
/// The browser's session cookie (HttpOnly, SameSite=Lax).
pub const SESSION_COOKIE: &str = "ezlift_session";

enum Verifier {
    Local(tokens::LocalTokens),
    Firebase(firebase::FirebaseVerifier),
}

pub struct Auth {
    verifier: Verifier,
    store: Arc<dyn Store>,
    secure_cookies: bool,
    /// Users whose profile is known to exist, so most requests skip that database check.
    known_users: Mutex<HashSet<String>>,
}

const TOKEN_SECRET_NAME: &str = "local_token_hmac";
const KNOWN_USERS_CAP: usize = 100_000;

impl Auth {
    pub async fn new(config: &Config, store: Arc<dyn Store>) -> Result<Self, StoreError> {
        let verifier = match &config.auth {
            AuthMode::Local => {
                let secret = match &config.token_secret {
                    Some(secret) => secret.clone(),
                    None => {
                        let candidate = random_secret();
                        store.server_secret(TOKEN_SECRET_NAME, &candidate).await?
                    }
                };
                Verifier::Local(tokens::LocalTokens::new(secret.as_bytes()))
            }
            AuthMode::Firebase { project, jwks } => {
                Verifier::Firebase(firebase::FirebaseVerifier::new(project, jwks.clone()))
            }
        };
        Ok(Self {
            verifier,
            store,
            secure_cookies: config.secure_cookies,
            known_users: Mutex::new(HashSet::new()),
        })
    }

    /// The local token signer, or `None` in Firebase mode (accounts live in Firebase).
    pub fn local(&self) -> Result<&tokens::LocalTokens, AuthError> {
        match &self.verifier {
            Verifier::Local(t) => Ok(t),
            Verifier::Firebase(_) => Err(AuthError::Disabled(
                "this server uses Firebase accounts; sign in with the EzLift app",
            )),
        }
    }

    /// Verifies a token and makes sure the user's profile exists.
    pub async fn authenticate(&self, token: &str) -> Result<Identity, AuthError> {
        Ok(self.verify(token).await?.0)
    }

    /// Verifies a token: who it is, and (for our own tokens) its sign-in session, which
    /// must not have ended.
    pub async fn verify(&self, token: &str) -> Result<(Identity, Option<String>), AuthError> {
        let (identity, session) = match &self.verifier {
            Verifier::Local(t) => {
                let verified = t.verify(token)?;
                if !self
                    .store
                    .session_active(&verified.session, &verified.identity.user_id)
                    .await?
                {
                    return Err(AuthError::SessionEnded);
                }
                (verified.identity, Some(verified.session))
            }
            Verifier::Firebase(f) => (f.verify(token).await?, None),
        };
        let known = self
            .known_users
            .lock()
            .map(|set| set.contains(&identity.user_id))
            .unwrap_or(false);
        if !known {
            self.store
                .ensure_user(&identity.user_id, identity.email.as_deref())
                .await?;
            if let Ok(mut set) = self.known_users.lock() {
                if set.len() >= KNOWN_USERS_CAP {
                    set.clear();
                }
                set.insert(identity.user_id.clone());
            }
        }
        Ok((identity, session))
    }

    /// Signs a token for a new session of `identity`.
    pub async fn start_session(&self, identity: &Identity) -> Result<String, AuthError> {
        let tokens = self.local()?;
        let session = self.store.start_session(&identity.user_id).await?;
        tokens.issue(identity, &session)
    }

    /// Ends the session a token belongs to (sign-out). An invalid token has nothing to end.
    pub async fn end_session(&self, token: &str) -> Result<(), AuthError> {
        if let Verifier::Local(t) = &self.verifier {
            if let Ok(verified) = t.verify(token) {
                self.store
                    .end_session(&verified.session, &verified.identity.user_id)
                    .await?;
            }
        }
        Ok(())
    }

    /// The session from the cookie alone, for rendering pages. Invalid means signed out.
    /// The identity of a page request's session cookie: `Ok(None)` without a cookie or
    /// with one that is not a live session, `Err` when the database could not say (an
    /// outage must not look like a sign-out).
    pub async fn session(&self, headers: &HeaderMap) -> Result<Option<Identity>, StoreError> {
        let Some(token) = cookie_token(headers) else {
            return Ok(None);
        };
        match self.authenticate(&token).await {
            Ok(identity) => Ok(Some(identity)),
            Err(AuthError::Store(e)) => Err(e),
            Err(_) => Ok(None),
        }
    }

    pub fn session_cookie(&self, token: String) -> Cookie<'static> {
        Cookie::build((SESSION_COOKIE, token))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_cookies)
            .max_age(time_secs(tokens::LIFETIME_SECS))
            .build()
    }

    pub fn clear_cookie(&self) -> Cookie<'static> {
        Cookie::build((SESSION_COOKIE, ""))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure_cookies)
            .max_age(time_secs(0))
            .build()
    }
}

fn time_secs(secs: i64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(secs)
}

fn random_secret() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

pub fn cookie_token(headers: &HeaderMap) -> Option<String> {
    axum_extra::extract::CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether a request comes from a page of this site. Browsers send `Sec-Fetch-Site` (and
/// `Origin` on every POST); a request carrying neither is not from a browser page and so
/// cannot be a cross-site forgery riding on the cookie, but we still refuse it: cookie
/// sessions are for browsers, other clients send the token header.
pub fn is_same_origin(headers: &HeaderMap) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && rest == host),
        _ => false,
    }
}

/// The token a request carries: the `x-jwt-token` header, else the session cookie, which
/// may change data (any method but GET, HEAD, OPTIONS) only from this site's own pages.
pub fn request_token(headers: &HeaderMap, method: &Method) -> Result<Option<String>, AuthError> {
    if let Some(value) = headers.get(TOKEN_HEADER) {
        let token = value
            .to_str()
            .map_err(|_| AuthError::Malformed("x-jwt-token is not text".into()))?;
        return Ok(Some(token.trim().to_owned()));
    }
    let Some(token) = cookie_token(headers) else {
        return Ok(None);
    };
    let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !is_same_origin(headers) {
        return Err(AuthError::CrossSite);
    }
    Ok(Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn same_origin_rules() {
        assert!(is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(!is_same_origin(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        assert!(is_same_origin(&headers(&[
            ("origin", "http://127.0.0.1:3000"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_same_origin(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:3000")
        ])));
        assert!(!is_same_origin(&headers(&[("host", "127.0.0.1:3000")])));
    }
}
