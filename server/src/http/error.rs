//! The HTTP error type: every handler returns it, and it becomes a response in one place.

use crate::auth::limits::LimitError;
use crate::auth::AuthError;
use crate::store::StoreError;
use crate::validate::PushError;
use app::model::wire::{ErrorBody, RefusedRecord};
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
    /// What was asked for is not (or no longer) there; the message says what.
    #[error("{0}")]
    Gone(String),
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
            Self::Gone(_) => StatusCode::GONE,
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
            Self::Gone(_) => "gone",
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
        let retry_after = self.retry_after();
        let mut response = (self.status_code(), Json(body)).into_response();
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl ApiError {
    /// Seconds after which the same request may succeed, for the errors that pass.
    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after, .. } => Some(*retry_after),
            // Briefly down (the database restarting): a client may try again soon.
            Self::Unavailable(_) => Some(5),
            _ => None,
        }
    }

    /// The error as a page for a browser's navigation: the same status and `Retry-After`,
    /// a sentence saying what happened and a way to try again (the user stays signed in:
    /// nothing here touches the session).
    pub fn into_page(self, path: &str) -> Response {
        use axum::http::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE, RETRY_AFTER};
        let status = self.status_code();
        let retry_after = self.retry_after();
        let (title, text) = match &self {
            Self::Unavailable(_) => (
                "EzLift cannot reach its database",
                "Nothing is lost: what you saved is on the server or waiting on this device. \
                 The page will work again in a moment.",
            ),
            Self::Internal(detail) => {
                tracing::error!(%detail, "page failed");
                (
                    "Something went wrong",
                    "The page could not be made. Please try again.",
                )
            }
            _ => ("This page cannot be shown", "Please try again."),
        };
        let href: String = path
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "/-_.~?=&%".contains(*c))
            .collect();
        let html = format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} · EzLift</title><link rel=\"stylesheet\" href=\"/pkg/ezlift.css\">\
             </head><body><main class=\"page\"><section class=\"card\" data-testid=\"page-error\">\
             <h1>{title}</h1><p>{text}</p><p><a class=\"button primary\" href=\"{href}\" \
             data-testid=\"retry\">Try again</a></p></section></main></body></html>"
        );
        let mut response = (status, html).into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            "text/html; charset=utf-8".parse().expect("valid"),
        );
        headers.insert(
            CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'none'; frame-ancestors 'none'"
                .parse()
                .expect("valid"),
        );
        if let Some(secs) = retry_after {
            headers.insert(RETRY_AFTER, secs.into());
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
        sqlx::Error::Database(e) => e.code().is_some_and(|c| is_outage_code(&c)),
        _ => false,
    }
}

/// Database error codes that say the database cannot serve now, not that a statement is
/// wrong: PostgreSQL shutting down or starting up (class 57P: admin_shutdown,
/// crash_shutdown, cannot_connect_now), a lost connection (class 08), too many
/// connections (53300), a database not accepting connections (55000, as with
/// `allow_connections false` during a restart or failover), a write reaching a node that
/// is (still or again) a standby during a failover (25006); SQLite busy or locked past its
/// timeout (5, 6 and their extended codes).
fn is_outage_code(code: &str) -> bool {
    if code.starts_with("57P")
        || code.starts_with("08")
        || ["53300", "55000", "25006"].contains(&code)
    {
        return true;
    }
    code.parse::<i32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6))
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

impl From<LimitError> for ApiError {
    fn from(err: LimitError) -> Self {
        match err {
            LimitError::TooMany {
                message,
                retry_after,
            } => Self::TooManyRequests {
                message,
                retry_after,
            },
            LimitError::Busy(message) => Self::Unavailable(message),
            LimitError::Broken(message) => Self::Internal(message),
            LimitError::Store(err) => err.into(),
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
