//! `GET /healthz`: the process is up and its database answers.

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz))
}

async fn healthz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    state.store.health().await.map_err(|e| {
        tracing::warn!(error = %e, "health check failed");
        ApiError::Unavailable("database is unreachable".into())
    })?;
    Ok(Json(
        json!({ "status": "ok", "database": state.store.backend() }),
    ))
}
