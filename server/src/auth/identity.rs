//! Who a verified token says the caller is, and every way verifying can fail.

use crate::store::StoreError;
use jsonwebtoken::errors::ErrorKind;

/// A verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub user_id: String,
    pub email: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("missing credentials: send the x-jwt-token header or sign in")]
    Missing,
    #[error("wrong e-mail or password")]
    WrongCredentials,
    #[error("token has expired; sign in again")]
    Expired,
    #[error("token signature is invalid")]
    BadSignature,
    #[error("token algorithm is not accepted")]
    Algorithm,
    #[error("token issuer is not accepted")]
    Issuer,
    #[error("token audience is not accepted")]
    Audience,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("this session has ended (signed out or password changed); sign in again")]
    SessionEnded,
    #[error("token is signed by an unknown key")]
    UnknownKey,
    #[error("malformed token: {0}")]
    Malformed(String),
    #[error("signing keys are unavailable: {0}")]
    KeysUnavailable(String),
    #[error("cross-site request refused: a cookie-authenticated change must come from this site")]
    CrossSite,
    #[error("{0}")]
    Disabled(&'static str),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<jsonwebtoken::errors::Error> for AuthError {
    fn from(err: jsonwebtoken::errors::Error) -> Self {
        match err.kind() {
            ErrorKind::ExpiredSignature => Self::Expired,
            ErrorKind::InvalidSignature
            | ErrorKind::InvalidRsaKey(_)
            | ErrorKind::InvalidEcdsaKey
            | ErrorKind::InvalidKeyFormat => Self::BadSignature,
            ErrorKind::InvalidAlgorithm
            | ErrorKind::InvalidAlgorithmName
            | ErrorKind::MissingAlgorithm => Self::Algorithm,
            ErrorKind::InvalidIssuer => Self::Issuer,
            ErrorKind::InvalidAudience => Self::Audience,
            ErrorKind::ImmatureSignature => Self::NotYetValid,
            ErrorKind::MissingRequiredClaim(claim) => {
                Self::Malformed(format!("the {claim} claim is missing"))
            }
            // `alg: none` and other unknown algorithms fail while parsing the header.
            ErrorKind::Json(e) if e.to_string().contains("unknown variant") => Self::Algorithm,
            ErrorKind::Base64(_)
            | ErrorKind::Json(_)
            | ErrorKind::Utf8(_)
            | ErrorKind::InvalidToken => Self::Malformed("not a JSON Web Token".into()),
            _ => Self::Malformed(err.to_string()),
        }
    }
}

/// Checks a token's subject: it becomes our user id, so it must be a plausible one.
pub(super) fn checked(sub: String, email: Option<String>) -> Result<Identity, AuthError> {
    if sub.is_empty() || sub.len() > 128 || sub.chars().any(char::is_control) {
        return Err(AuthError::Malformed(
            "the sub claim is not a user id".into(),
        ));
    }
    Ok(Identity {
        user_id: sub,
        email,
    })
}
