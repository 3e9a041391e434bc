//! Local accounts: sign-up, sign-in and sign-out, as HTML form posts (for the pages) and
//! as JSON (for API clients and tests). Both share one implementation.

use super::error::{ApiError, ApiResult, AppJson};
use super::extract::{AuthUser, ClientAddress};
use super::links::query_value;
use super::state::AppState;
use crate::auth::{is_same_origin, password, request_token, AuthError, Identity};
use crate::store::StoreError;
use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
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
        .route("/api/auth/password", post(api_change_password))
        .route("/auth/password", post(form_change_password))
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

/// Checks `password` against the account of `email` (or against a dummy hash when there
/// is none, taking the same time); the user id when it matches.
async fn check_password(state: &AppState, email: &str, pw: &str) -> ApiResult<Option<String>> {
    if pw.len() > password::MAX_LEN {
        return Ok(None);
    }
    let account = state.store.local_account(email).await?;
    let (hash, user_id) = match account {
        Some(a) => (Some(a.password_hash), Some(a.user_id)),
        None => (None, None),
    };
    let pw = pw.to_owned();
    // The dummy hash is made (once) on a hashing thread too, never on the runtime's.
    let ok = state
        .signin
        .hash(move || password::verify(hash.as_deref().unwrap_or_else(|| dummy_hash()), &pw))
        .await?;
    Ok(user_id.filter(|_| ok))
}

async fn authenticate(
    state: &AppState,
    flow: Flow,
    creds: &Credentials,
    address: &str,
) -> ApiResult<(String, Identity)> {
    state.auth.local()?;
    let email = normalise_email(&creds.email)?;
    state.signin.attempt(&*state.store, address, &email).await?;
    let pw = creds.password.clone();
    let user_id = match flow {
        Flow::SignUp => {
            password::check_rules(&pw)
                .map_err(|m| ApiError::BadRequest(format!("password: {m}")))?;
            let hash = state
                .signin
                .hash(move || password::hash(&pw))
                .await?
                .map_err(ApiError::Internal)?;
            match state.store.create_local_account(&email, &hash).await {
                Ok(id) => id,
                // Signing up again with the same e-mail and password signs in; with another
                // password the answer is a sign-in's failure, after a hash check of the
                // same cost, and never says "this e-mail has an account".
                Err(StoreError::Conflict(_)) => check_password(state, &email, &creds.password)
                    .await?
                    .ok_or(AuthError::WrongCredentials)?,
                Err(other) => return Err(other.into()),
            }
        }
        Flow::SignIn => check_password(state, &email, &pw)
            .await?
            .ok_or(AuthError::WrongCredentials)?,
    };
    let identity = Identity {
        user_id,
        email: Some(email),
    };
    let token = state.auth.start_session(&identity).await?;
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
    request: FormRequest,
    form: Result<Form<Credentials>, FormRejection>,
) -> Result<Response, ApiError> {
    let FormRequest { address, jar } = request;
    let Form(creds) = form?;
    match authenticate(&state, flow, &creds, &address).await {
        Ok((token, _)) => Ok((
            jar.add(state.auth.session_cookie(token)),
            Redirect::to(safe_next(creds.next.as_deref())),
        )
            .into_response()),
        Err(err @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => Err(err),
        Err(err) => {
            let message = match &err {
                ApiError::BadRequest(m) => m.clone(),
                other => other.to_string(),
            };
            let mut target = format!(
                "{}?error={}&email={}",
                flow.page(),
                query_value(&message),
                query_value(creds.email.trim())
            );
            if let Some(next) = creds.next.as_deref().filter(|n| !n.is_empty()) {
                target.push_str(&format!("&next={}", query_value(next)));
            }
            Ok(Redirect::to(&target).into_response())
        }
    }
}

/// What the account forms read from a request besides the form. Forms are taken only
/// from this site's own pages: that stops login CSRF (signing a victim into the
/// attacker's account) and forged sign-outs or password changes.
struct FormRequest {
    address: String,
    jar: CookieJar,
}

impl FromRequestParts<AppState> for FormRequest {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if !is_same_origin(&parts.headers) {
            return Err(AuthError::CrossSite.into());
        }
        let Ok(ClientAddress(address)) = ClientAddress::from_request_parts(parts, state).await;
        Ok(Self {
            address,
            jar: CookieJar::from_headers(&parts.headers),
        })
    }
}

async fn form_login(
    State(state): State<AppState>,
    request: FormRequest,
    form: Result<Form<Credentials>, FormRejection>,
) -> Result<Response, ApiError> {
    form_flow(state, Flow::SignIn, request, form).await
}

async fn form_signup(
    State(state): State<AppState>,
    request: FormRequest,
    form: Result<Form<Credentials>, FormRejection>,
) -> Result<Response, ApiError> {
    form_flow(state, Flow::SignUp, request, form).await
}

/// Signing out ends the session on the server, so the token stops working everywhere it
/// may have been copied to, and only a page of this site may ask for it.
async fn form_logout(
    State(state): State<AppState>,
    FormRequest { jar, .. }: FormRequest,
) -> Result<Response, ApiError> {
    if let Some(token) = jar_token(&jar) {
        state.auth.end_session(&token).await?;
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
    ClientAddress(address): ClientAddress,
    AppJson(creds): AppJson<Credentials>,
) -> ApiResult<Json<Value>> {
    let (token, identity) = authenticate(&state, Flow::SignIn, &creds, &address).await?;
    Ok(session_body(token, &identity))
}

async fn api_signup(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    AppJson(creds): AppJson<Credentials>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (token, identity) = authenticate(&state, Flow::SignUp, &creds, &address).await?;
    Ok((StatusCode::CREATED, session_body(token, &identity)))
}

async fn api_logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> ApiResult<(CookieJar, StatusCode)> {
    if let Some(token) = request_token(&headers, &Method::POST)? {
        state.auth.end_session(&token).await?;
    }
    Ok((jar.add(state.auth.clear_cookie()), StatusCode::NO_CONTENT))
}

#[derive(Deserialize)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// Checks the current password, stores the new one, ends every session of the user (all
/// devices sign in again) and starts a new one for this device.
async fn change_password(
    state: &AppState,
    identity: &Identity,
    change: &PasswordChange,
    address: &str,
) -> ApiResult<String> {
    state.auth.local()?;
    let account = state
        .store
        .local_account_of(&identity.user_id)
        .await?
        .ok_or_else(|| ApiError::BadRequest("this account has no password to change".into()))?;
    state
        .signin
        .attempt(&*state.store, address, &account.email)
        .await?;
    if check_password(state, &account.email, &change.current_password)
        .await?
        .is_none()
    {
        return Err(ApiError::BadRequest(
            "current_password: this is not your current password".into(),
        ));
    }
    password::check_rules(&change.new_password)
        .map_err(|m| ApiError::BadRequest(format!("new_password: {m}")))?;
    let pw = change.new_password.clone();
    let hash = state
        .signin
        .hash(move || password::hash(&pw))
        .await?
        .map_err(ApiError::Internal)?;
    state
        .store
        .change_password(&identity.user_id, &hash)
        .await?;
    tracing::info!(user_id = %identity.user_id, "password changed; every session ended");
    Ok(state.auth.start_session(identity).await?)
}

async fn api_change_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    AuthUser(identity): AuthUser,
    jar: CookieJar,
    AppJson(change): AppJson<PasswordChange>,
) -> ApiResult<(CookieJar, Json<Value>)> {
    let token = change_password(&state, &identity, &change, &address).await?;
    // A browser that used its cookie gets the new session's cookie.
    let jar = if jar_token(&jar).is_some() {
        jar.add(state.auth.session_cookie(token.clone()))
    } else {
        jar
    };
    Ok((jar, session_body(token, &identity)))
}

/// The session cookie's token, if the request has one.
fn jar_token(jar: &CookieJar) -> Option<String> {
    jar.get(crate::auth::SESSION_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty())
}

async fn form_change_password(
    State(state): State<AppState>,
    request: FormRequest,
    AuthUser(identity): AuthUser,
    form: Result<Form<PasswordChange>, FormRejection>,
) -> Result<Response, ApiError> {
    let FormRequest { address, jar } = request;
    let Form(change) = form?;
    match change_password(&state, &identity, &change, &address).await {
        Ok(token) => Ok((
            jar.add(state.auth.session_cookie(token)),
            Redirect::to("/settings?password=changed#account"),
        )
            .into_response()),
        Err(err @ (ApiError::Internal(_) | ApiError::Unavailable(_))) => Err(err),
        Err(err) => Ok(Redirect::to(&format!(
            "/settings?password_error={}#account",
            query_value(&err.to_string())
        ))
        .into_response()),
    }
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
