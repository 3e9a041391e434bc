//! The HTTP error type: every handler returns it, and it becomes a response in one place.

use crate::auth::AuthError;
use crate::store::StoreError;
use crate::sync::PushError;
use app::sync::wire::{ErrorBody, RefusedRecord};
use axum::extract::rejection::{FormRejection, JsonRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request is malformed; the message says what and where.
    #[error("{0}")]
    BadRequest(String),
    /// A push was refused for one of its records, located in the body so the client can
    /// set that record aside.
    #[error("{message}")]
    RefusedRecord {
        message: String,
        record: RefusedRecord,
    },
    /// No valid credentials; the message says which check failed.
    #[error("{0}")]
    Unauthorized(String),
    /// Valid credentials, but not for this (another user's data, a cross-site request).
    #[error("{0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Anything we did not expect. Logged in full, answered without detail.
    #[error("internal error: {0}")]
    Internal(String),
    #[error("{0}")]
    Unavailable(String),
    /// The request took longer than the server gives one.
    #[error("the request took longer than {0} s and was stopped; nothing of it was kept")]
    Timeout(u64),
    /// Too many attempts; `retry_after` (seconds) becomes the `Retry-After` header.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::RefusedRecord { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) | Self::RefusedRecord { .. } => "bad_request",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict(_) => "conflict",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::Internal(_) => "internal",
            Self::Unavailable(_) => "unavailable",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Timeout(_) => "timeout",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = match &self {
            Self::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "internal server error".to_owned()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            error: self.code().to_owned(),
            message,
            record: match &self {
                Self::RefusedRecord { record, .. } => Some(record.clone()),
                _ => None,
            },
        };
        let mut response = (self.status_code(), Json(body)).into_response();
        let retry_after = match &self {
            Self::TooManyRequests { retry_after, .. } => Some(*retry_after),
            // Briefly down (the database restarting): a client may try again soon.
            Self::Unavailable(_) => Some(5),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict(msg) => Self::Conflict(msg),
            StoreError::Invalid(msg) => Self::BadRequest(msg),
            StoreError::Other(e) if is_connection_error(&e) => {
                tracing::warn!(error = %e, "the database cannot be reached");
                Self::Unavailable("the database is unavailable; try again shortly".into())
            }
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Errors of reaching the database (down, restarting, every connection busy), as opposed
/// to errors of a statement: the first are temporary and answered with 503.
fn is_connection_error(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => true,
        // PostgreSQL shutting down or starting up: admin_shutdown, crash_shutdown,
        // cannot_connect_now (class 57P).
        sqlx::Error::Database(e) => e.code().is_some_and(|c| c.starts_with("57P")),
        _ => false,
    }
}

impl From<PushError> for ApiError {
    fn from(err: PushError) -> Self {
        match err.record {
            Some(record) => Self::RefusedRecord {
                message: err.message,
                record,
            },
            None => Self::BadRequest(err.message),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::CrossSite => Self::Forbidden(err.to_string()),
            AuthError::KeysUnavailable(_) => Self::Unavailable(err.to_string()),
            AuthError::Store(e) => e.into(),
            other => Self::Unauthorized(other.to_string()),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge("request body is larger than the server accepts".into())
        } else {
            Self::BadRequest(rejection.body_text())
        }
    }
}

impl From<FormRejection> for ApiError {
    fn from(rejection: FormRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge("request body is larger than the server accepts".into())
        } else {
            Self::BadRequest(rejection.body_text())
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        Self::BadRequest(rejection.body_text())
    }
}

/// `axum::Json`, but malformed bodies answer in our error format.
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}
