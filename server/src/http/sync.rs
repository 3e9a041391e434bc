//! The WatermelonDB sync endpoints, shared by the mobile apps and the web client.

use super::error::{ApiError, ApiResult, AppJson};
use super::extract::AuthUser;
use super::seen::remember;
use super::state::AppState;
use crate::validate::{parse_pull_query, parse_push, parse_schema_version, push_size};
use app::model::wire::{PullResponse, PushResponse};
use app::model::{ColumnKind, SCHEMA_VERSION, TABLES};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::{json, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/sync/pull-changes", get(pull))
        .route("/api/sync/push-changes", post(push))
        .route("/api/sync/schema", get(schema))
}

/// The synced schema in WatermelonDB's `appSchema` terms, generated from the registry, so
/// clients (and the compatibility test) build their local schema from the one definition.
/// `?version=1` gives an older version's schema (what a client of that version has).
async fn schema(params: Result<Query<SchemaParams>, QueryRejection>) -> ApiResult<Json<Value>> {
    let Query(params) = params?;
    let version = match params.version.as_deref() {
        None => SCHEMA_VERSION,
        Some(v) => parse_schema_version(Some(v)).map_err(ApiError::BadRequest)?,
    };
    let tables: Vec<Value> = TABLES
        .iter()
        .filter(|t| t.since <= version)
        .map(|t| {
            let columns: Vec<Value> = t
                .columns_for(version)
                .map(|c| {
                    let kind = match c.kind {
                        ColumnKind::Text => "string",
                        ColumnKind::Int | ColumnKind::Real => "number",
                        ColumnKind::Bool => "boolean",
                    };
                    // WatermelonDB manages these two itself and insists they are numbers.
                    let managed = matches!(c.name, "created_at" | "updated_at");
                    json!({ "name": c.name, "type": kind, "isOptional": !managed })
                })
                .collect();
            json!({ "name": t.name, "columns": columns })
        })
        .collect();
    Ok(Json(json!({ "version": version, "tables": tables })))
}

#[derive(Debug, Deserialize)]
struct SchemaParams {
    version: Option<String>,
}

/// Query parameters as WatermelonDB clients send them (strings: `"null"` is common).
#[derive(Debug, Deserialize)]
struct SyncParams {
    #[serde(rename = "lastPulledAt")]
    last_pulled_at: Option<String>,
    #[serde(rename = "schemaVersion")]
    schema_version: Option<String>,
    migration: Option<String>,
}

async fn pull(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    jar: CookieJar,
    params: Result<Query<SyncParams>, QueryRejection>,
) -> ApiResult<(CookieJar, Json<PullResponse>)> {
    let Query(params) = params?;
    let query = parse_pull_query(
        params.last_pulled_at.as_deref(),
        params.schema_version.as_deref(),
        params.migration.as_deref(),
    )
    .map_err(ApiError::BadRequest)?;
    let response = state.store.pull(&user.user_id, query).await?;
    let records = response
        .changes
        .values()
        .map(|c| c.created.len() + c.updated.len() + c.deleted.len())
        .sum();
    state.metrics.synced("pull", records);
    let secure = state.config.secure_cookies;
    let jar = remember(jar, &user.user_id, response.timestamp, secure);
    Ok((jar, Json(response)))
}

async fn push(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    jar: CookieJar,
    params: Result<Query<SyncParams>, QueryRejection>,
    AppJson(body): AppJson<Value>,
) -> ApiResult<(CookieJar, Json<PushResponse>)> {
    let Query(params) = params?;
    // Without a version the push is read with every column this server knows; columns a
    // client does not send keep their stored values either way.
    let version = match params.schema_version.as_deref() {
        None => SCHEMA_VERSION,
        Some(v) => parse_schema_version(Some(v)).map_err(ApiError::BadRequest)?,
    };
    let records = push_size(&body);
    let max = state.config.max_push_records;
    if records > max {
        return Err(ApiError::PayloadTooLarge(format!(
            "changes: {records} records in one push; this server takes at most {max}"
        )));
    }
    let changes = parse_push(&body, version)?;
    let pushed = state.store.push(&user.user_id, &changes).await?;
    state.metrics.synced("push", records);
    let response = pushed.response;
    if !response.experimental_rejected_ids.is_empty() {
        tracing::info!(rejected = ?response.experimental_rejected_ids, "push skipped records with missing parents");
    }
    // The browser's next pages must show what it just wrote.
    let jar = match pushed.stamp {
        Some(stamp) => remember(jar, &user.user_id, stamp, state.config.secure_cookies),
        None => jar,
    };
    Ok((jar, Json(response)))
}
