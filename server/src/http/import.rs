//! `POST /api/import` (a file's bytes, with `format`, `unit`, `dry_run`) and
//! `GET /api/export?format=strong|json|measurements`.

use super::error::{ApiError, ApiResult};
use super::extract::AuthUser;
use super::seen::seen_by;
use super::state::AppState;
use crate::import::{self, export, Format, ImportError, Options, Report};
use crate::store::Freshness;
use app::model::WeightUnit;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures_util::StreamExt;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        // The import reads its body itself, up to its own limit (`read_body`).
        .route("/api/import", post(import_file))
        .route("/api/export", get(export_file))
}

/// The request body, read into one buffer of the announced size: collecting it in
/// pieces and then joining them would hold the file twice.
async fn read_body(body: Body, headers: &HeaderMap, limit: usize) -> ApiResult<Vec<u8>> {
    let too_large = || {
        ApiError::PayloadTooLarge(format!(
            "the file is larger than the {} MB this server imports at once",
            limit / (1024 * 1024)
        ))
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut out = Vec::with_capacity(declared.unwrap_or(0));
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("the upload broke off: {e}")))?;
        if out.len() + chunk.len() > limit {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
struct ImportParams {
    format: Option<String>,
    unit: Option<String>,
    dry_run: Option<String>,
    /// The IANA zone the file's local times are in; else the browser's `tz` cookie; else UTC.
    tz: Option<String>,
}

/// The zone named by `tz=` or the `tz` cookie the pages set.
fn zone(param: Option<&str>, headers: &HeaderMap) -> ApiResult<chrono_tz::Tz> {
    if let Some(name) = param.filter(|s| !s.is_empty()) {
        return name
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("tz \"{name}\" is not a known time zone")));
    }
    Ok(app::page_data::zone_cookie(headers)
        .and_then(|name| name.parse().ok())
        .unwrap_or(chrono_tz::UTC))
}

fn flag(name: &str, value: Option<&str>) -> ApiResult<bool> {
    match value {
        None | Some("" | "false" | "0") => Ok(false),
        Some("true" | "1") => Ok(true),
        Some(other) => Err(ApiError::BadRequest(format!(
            "{name} must be true or false, not \"{other}\""
        ))),
    }
}

impl From<ImportError> for ApiError {
    fn from(err: ImportError) -> Self {
        match err {
            ImportError::Store(e) => e.into(),
            other => Self::BadRequest(other.to_string()),
        }
    }
}

async fn import_file(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ImportParams>, QueryRejection>,
    body: Body,
) -> ApiResult<Json<Report>> {
    let Query(params) = params?;
    let body = read_body(body, &headers, state.config.import_max_bytes).await?;
    let options = Options {
        format: Format::parse(params.format.as_deref()).map_err(ApiError::BadRequest)?,
        unit: match params.unit.as_deref() {
            None | Some("") => None,
            Some("kg") => Some(WeightUnit::Kg),
            Some("lb" | "lbs") => Some(WeightUnit::Lb),
            Some(other) => {
                return Err(ApiError::BadRequest(format!(
                    "unit must be kg or lb, not \"{other}\""
                )))
            }
        },
        dry_run: flag("dry_run", params.dry_run.as_deref())?,
        zone: zone(params.tz.as_deref(), &headers)?,
    };
    let report = import::import(
        state.store.as_ref(),
        &state.catalogue.library,
        &user.user_id,
        &body,
        &options,
    )
    .await?;
    if !options.dry_run {
        tracing::info!(
            format = ?report.format,
            sessions = report.new_sessions,
            measurements = report.new_measurements,
            skipped = report.skipped_duplicates,
            "imported"
        );
    }
    Ok(Json(report))
}

#[derive(Debug, Deserialize)]
struct ExportParams {
    format: Option<String>,
    tz: Option<String>,
}

async fn export_file(
    AuthUser(user): AuthUser,
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(params) = params?;
    let day = chrono::Utc::now().format("%Y-%m-%d");
    // A standby serves the export once it has what this browser has seen.
    let seen = Freshness::Seen(seen_by(&headers, &user.user_id));
    let (bytes, kind, name) = match params.format.as_deref().unwrap_or("json") {
        "strong" | "csv" => {
            let zone = zone(params.tz.as_deref(), &headers)?;
            let csv = export::strong_csv(
                state.store.as_ref(),
                &state.catalogue.library,
                &user.user_id,
                zone,
                seen,
            )
            .await?;
            (
                csv,
                "text/csv; charset=utf-8",
                format!("ezlift-strong-{day}.csv"),
            )
        }
        "json" => {
            let json = export::json_export(state.store.as_ref(), &user.user_id, seen).await?;
            (json, "application/json", format!("ezlift-{day}.json"))
        }
        "measurements" => {
            let zone = zone(params.tz.as_deref(), &headers)?;
            let csv =
                import::measurements_csv(state.store.as_ref(), &user.user_id, zone, seen).await?;
            (
                csv,
                "text/csv; charset=utf-8",
                format!("ezlift-measurements-{day}.csv"),
            )
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "format must be strong, json or measurements, not \"{other}\""
            )))
        }
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
