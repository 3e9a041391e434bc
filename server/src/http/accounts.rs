//! Local accounts: sign-up, sign-in and sign-out, as HTML form posts (for the pages) and
//! as JSON (for API clients and tests). Both share one implementation.

use super::pages::urlencode;
use crate::auth::{is_same_origin, password, AuthError, AuthUser, Identity};
use crate::error::{ApiError, ApiResult, AppJson};
use crate::state::AppState;
use crate::store::StoreError;
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::OnceLock;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(form_login))
        .route("/auth/signup", post(form_signup))
        .route("/auth/logout", post(form_logout))
        .route("/api/auth/login", post(api_login))
        .route("/api/auth/signup", post(api_signup))
        .route("/api/auth/logout", post(api_logout))
        .route("/api/auth/me", get(me))
}

#[derive(Deserialize)]
struct Credentials {
    email: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("password", &"<hidden>")
            .finish()
    }
}

#[derive(Clone, Copy)]
enum Flow {
    SignIn,
    SignUp,
}

impl Flow {
    fn page(self) -> &'static str {
        match self {
            Self::SignIn => "/login",
            Self::SignUp => "/signup",
        }
    }
}

/// Lower-cases and checks an e-mail address; the message says what is wrong.
fn normalise_email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(ApiError::BadRequest(
            "email: not a valid e-mail address".into(),
        ))
    }
}

/// A hash to verify against when the e-mail is unknown, so that answering "no such user"
/// takes as long as "wrong password" and does not reveal which accounts exist.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash("not a real password").unwrap_or_default())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("password task failed: {e}")))
}

async fn authenticate(
    state: &AppState,
    flow: Flow,
    creds: &Credentials,
) -> ApiResult<(String, Identity)> {
    let tokens = state.auth.local()?;
    let email = normalise_email(&creds.email)?;
    let pw = creds.password.clone();
    let user_id = match flow {
        Flow::SignUp => {
            password::check_rules(&pw)
                .map_err(|m| ApiError::BadRequest(format!("password: {m}")))?;
            let hash = blocking(move || password::hash(&pw))
                .await?
                .map_err(ApiError::Internal)?;
            state
                .store
                .create_local_account(&email, &hash)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(m) => ApiError::Conflict(m),
                    other => other.into(),
                })?
        }
        Flow::SignIn => {
            if pw.len() > password::MAX_LEN {
                return Err(AuthError::WrongCredentials.into());
            }
            let account = state.store.local_account(&email).await?;
            let (hash, user_id) = match &account {
                Some(a) => (a.password_hash.clone(), Some(a.user_id.clone())),
                None => (dummy_hash().to_owned(), None),
            };
            let ok = blocking(move || password::verify(&hash, &pw)).await?;
            match (ok, user_id) {
                (true, Some(id)) => id,
                _ => return Err(AuthError::WrongCredentials.into()),
            }
        }
    };
    let identity = Identity {
        user_id,
        email: Some(email),
    };
    let token = tokens.issue(&identity)?;
    // Verifying our own token also creates the profile if it is somehow missing.
    let identity = state.auth.authenticate(&token).await?;
    tracing::info!(user_id = %identity.user_id, "signed in");
    Ok((token, identity))
}

/// Where to go after signing in: only paths on this site, never `//elsewhere`.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n,
        _ => "/",
    }
}

async fn form_flow(
    state: AppState,
    flow: Flow,
    headers: HeaderMap,
    jar: CookieJar,
    form: Result<Form<Credentials>, FormRejection>,
) -> Result<Response, ApiError> {
    // Forms only from our own pages: stops login CSRF (signing a victim into our account).
    if !is_same_origin(&headers) {
        return Err(AuthError::CrossSite.into());
    }
    let Form(creds) = form?;
    match authenticate(&state, flow, &creds).await {
        Ok((token, _)) => Ok((
            jar.add(state.auth.session_cookie(token)),
            Redirect::to(safe_next(creds.next.as_deref())),
        )
            .into_response()),
        Err(ApiError::Internal(detail)) => Err(ApiError::Internal(detail)),
        Err(err) => {
            let message = match &err {
                ApiError::BadRequest(m) => m.clone(),
                other => other.to_string(),
            };
            let mut target = format!(
                "{}?error={}&email={}",
                flow.page(),
                urlencode(&message),
                urlencode(creds.email.trim())
            );
            if let Some(next) = creds.next.as_deref().filter(|n| !n.is_empty()) {
                target.push_str(&format!("&next={}", urlencode(next)));
            }
            Ok(Redirect::to(&target).into_response())
        }
    }
}

async fn form_login(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    form: Result<Form<Credentials>, FormRejection>,
) -> Result<Response, ApiError> {
    form_flow(state, Flow::SignIn, headers, jar, form).await
}

async fn form_signup(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
    form: Result<Form<Credentials>, FormRejection>,
) -> Result<Response, ApiError> {
    form_flow(state, Flow::SignUp, headers, jar, form).await
}

async fn form_logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<Response, ApiError> {
    if !is_same_origin(&headers) {
        return Err(AuthError::CrossSite.into());
    }
    Ok((jar.add(state.auth.clear_cookie()), Redirect::to("/login")).into_response())
}

fn session_body(token: String, identity: &Identity) -> Json<Value> {
    Json(json!({
        "token": token,
        "user": { "id": identity.user_id, "email": identity.email },
    }))
}

async fn api_login(
    State(state): State<AppState>,
    AppJson(creds): AppJson<Credentials>,
) -> ApiResult<Json<Value>> {
    let (token, identity) = authenticate(&state, Flow::SignIn, &creds).await?;
    Ok(session_body(token, &identity))
}

async fn api_signup(
    State(state): State<AppState>,
    AppJson(creds): AppJson<Credentials>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (token, identity) = authenticate(&state, Flow::SignUp, &creds).await?;
    Ok((StatusCode::CREATED, session_body(token, &identity)))
}

async fn api_logout(State(state): State<AppState>, jar: CookieJar) -> (CookieJar, StatusCode) {
    (jar.add(state.auth.clear_cookie()), StatusCode::NO_CONTENT)
}

async fn me(AuthUser(identity): AuthUser) -> Json<Value> {
    Json(json!({ "id": identity.user_id, "email": identity.email }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/history")), "/history");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalise_email(" Ann@Example.COM ").unwrap(),
            "ann@example.com"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "a b@example.com",
            "ann@localhost",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }
}
