//! `GET /api/deleted` (what can be restored), `POST /api/deleted/restore`, and the
//! `/deleted` page's form post (`POST /deleted/restore`, answered with a redirect back).

use super::error::{ApiError, ApiResult, AppJson};
use super::extract::AuthUser;
use super::links::query_value;
use super::state::AppState;
use crate::deleted::{self, RestoreError};
use app::deleted::{Deleted, RestoreRequest, Restored};
use axum::extract::rejection::FormRejection;
use axum::extract::State;
use axum::response::Redirect;
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Serialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/deleted", get(list))
        .route("/api/deleted/restore", post(restore))
        .route("/deleted/restore", post(form_restore))
}

#[derive(Serialize)]
struct Listed {
    deleted: Vec<Deleted>,
}

async fn list(AuthUser(user): AuthUser, State(state): State<AppState>) -> ApiResult<Json<Listed>> {
    let deleted =
        deleted::recently_deleted(state.store.as_ref(), &user.user_id, crate::store::now_ms())
            .await?;
    Ok(Json(Listed { deleted }))
}

async fn restore(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    AppJson(request): AppJson<RestoreRequest>,
) -> ApiResult<Json<Restored>> {
    let restored = deleted::restore(
        state.store.as_ref(),
        &user.user_id,
        &request,
        crate::store::now_ms(),
    )
    .await?;
    tracing::info!(kind = ?restored.kind, records = restored.records, "restored");
    Ok(Json(restored))
}

/// The page's Restore button: back to the page, saying what came back (and where it
/// shows) or why not.
async fn form_restore(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    form: Result<Form<RestoreRequest>, FormRejection>,
) -> ApiResult<Redirect> {
    let Form(request) = form?;
    let done = deleted::restore(
        state.store.as_ref(),
        &user.user_id,
        &request,
        crate::store::now_ms(),
    )
    .await;
    Ok(match done {
        Ok(r) => {
            tracing::info!(kind = ?r.kind, records = r.records, "restored");
            Redirect::to(&format!(
                "/deleted?restored={}&home={}",
                query_value(&r.title),
                query_value(r.kind.home())
            ))
        }
        Err(RestoreError::Store(e)) => return Err(e.into()),
        Err(e) => Redirect::to(&format!(
            "/deleted?restore_error={}",
            query_value(&e.to_string())
        )),
    })
}

impl From<RestoreError> for ApiError {
    fn from(err: RestoreError) -> Self {
        match err {
            RestoreError::Invalid(m) => Self::BadRequest(m),
            RestoreError::NotFound(m) => Self::Gone(m),
            RestoreError::Store(e) => e.into(),
        }
    }
}
