//! Rest alerts: `GET /api/push/key` (the key browsers subscribe with), a browser's
//! subscription (`PUT`/`DELETE /api/push/subscription`) and its pending alert
//! (`PUT`/`DELETE /api/push/rest`). Each acts only on the caller's own subscriptions.

use super::error::{ApiError, ApiResult, AppJson};
use super::extract::AuthUser;
use super::state::AppState;
use crate::push::PushError;
use app::rest_alert::{
    Device, PushKey, RestAlert, Subscription, KEY_PATH, REST_PATH, SUBSCRIPTION_PATH,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(KEY_PATH, get(key))
        .route(SUBSCRIPTION_PATH, put(subscribe).delete(unsubscribe))
        .route(REST_PATH, put(schedule).delete(cancel))
}

async fn key(State(state): State<AppState>) -> Json<PushKey> {
    Json(PushKey {
        public_key: state.rest_alerts.public_key().to_owned(),
    })
}

async fn subscribe(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    AppJson(sub): AppJson<Subscription>,
) -> ApiResult<StatusCode> {
    state.rest_alerts.subscribe(&user.user_id, &sub).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn unsubscribe(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    AppJson(device): AppJson<Device>,
) -> ApiResult<StatusCode> {
    state
        .rest_alerts
        .unsubscribe(&user.user_id, &device.endpoint)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn schedule(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    AppJson(alert): AppJson<RestAlert>,
) -> ApiResult<StatusCode> {
    state.rest_alerts.schedule(&user.user_id, &alert).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn cancel(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    AppJson(device): AppJson<Device>,
) -> ApiResult<StatusCode> {
    state
        .rest_alerts
        .cancel(&user.user_id, &device.endpoint)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

impl From<PushError> for ApiError {
    fn from(err: PushError) -> Self {
        match err {
            PushError::Invalid(m) => Self::BadRequest(m),
            e @ PushError::UnknownSubscription => Self::Gone(e.to_string()),
            PushError::Store(e) => e.into(),
        }
    }
}
