//! `GET /healthz`: the process is up and its database answers (a balancer's liveness).
//! `GET /readyz`: and the database takes writes, so this process can serve pushes (a
//! balancer's readiness: a process left on a standby after a failover is taken out).

use super::error::{ApiError, ApiResult};
use super::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
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

async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Value>> {
    let writable = state.store.accepts_writes().await.map_err(|e| {
        tracing::warn!(error = %e, "readiness check failed");
        ApiError::Unavailable("database is unreachable".into())
    })?;
    if !writable {
        return Err(ApiError::Unavailable(
            "database is read-only: pushes cannot be written".into(),
        ));
    }
    Ok(Json(
        json!({ "status": "ready", "database": state.store.backend() }),
    ))
}
