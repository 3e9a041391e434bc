//! Tokens this server signs in local mode (HS256).

use super::identity::{checked, AuthError, Identity};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

const ISSUER: &str = "ezlift";
const AUDIENCE: &str = "ezlift";
/// How long a session lasts before the user signs in again.
pub const LIFETIME_SECS: i64 = 30 * 24 * 3600;

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    iss: String,
    aud: String,
    iat: i64,
    exp: i64,
    /// The sign-in session (see `Store::start_session`); a token without one is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
}

/// A verified local token: who, and which session it belongs to.
pub struct Verified {
    pub identity: Identity,
    pub session: String,
}

pub struct LocalTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl LocalTokens {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue(&self, identity: &Identity, session: &str) -> Result<String, AuthError> {
        self.issue_at(identity, session, chrono::Utc::now().timestamp())
    }

    /// Signs a token as if issued at `iat` (seconds); tests use it to make expired tokens.
    pub fn issue_at(
        &self,
        identity: &Identity,
        session: &str,
        iat: i64,
    ) -> Result<String, AuthError> {
        let claims = Claims {
            sub: identity.user_id.clone(),
            email: identity.email.clone(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat,
            exp: iat + LIFETIME_SECS,
            sid: Some(session.to_owned()),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Malformed(format!("cannot sign token: {e}")))
    }

    pub fn verify(&self, token: &str) -> Result<Verified, AuthError> {
        let data = decode::<Claims>(token, &self.decoding, &self.validation)?;
        let session = data.claims.sid.ok_or(AuthError::SessionEnded)?;
        Ok(Verified {
            identity: checked(data.claims.sub, data.claims.email)?,
            session,
        })
    }
}
