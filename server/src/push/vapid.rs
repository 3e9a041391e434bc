//! The server's VAPID identity (RFC 8292): one P-256 key, made once and kept in the
//! database like the token secret, so every process signs as the same server and the
//! browsers' subscriptions (made for its public key) stay valid across restarts.

use crate::store::{Store, StoreError};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use web_push_native::p256;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;
use web_push_native::p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};

const SECRET_NAME: &str = "vapid_p256_pkcs8";
/// How long a token is good for (RFC 8292 allows up to 24 hours).
const TOKEN_SECONDS: u64 = 12 * 60 * 60;

pub struct Vapid {
    key: EncodingKey,
    /// The uncompressed public point, base64url: `applicationServerKey` and the `k=`.
    public_key: String,
    contact: String,
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: u64,
    sub: &'a str,
}

impl Vapid {
    /// The stored key, made and stored first if this database has none.
    pub async fn load(store: &dyn Store, contact: &str) -> Result<Self, String> {
        let candidate = p256::SecretKey::random(&mut rand::rngs::OsRng)
            .to_pkcs8_der()
            .map_err(|e| format!("cannot encode a VAPID key: {e}"))?;
        let stored = store
            .server_secret(SECRET_NAME, &STANDARD.encode(candidate.as_bytes()))
            .await
            .map_err(|e: StoreError| format!("cannot read the VAPID key: {e}"))?;
        let der = STANDARD
            .decode(stored.trim())
            .map_err(|e| format!("the stored VAPID key is not base64: {e}"))?;
        let secret = p256::SecretKey::from_pkcs8_der(&der)
            .map_err(|e| format!("the stored VAPID key is not a P-256 key: {e}"))?;
        let public = secret.public_key().to_encoded_point(false);
        Ok(Self {
            key: EncodingKey::from_ec_der(&der),
            public_key: URL_SAFE_NO_PAD.encode(public.as_bytes()),
            contact: contact.to_owned(),
        })
    }

    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// The `Authorization` header for a message to `endpoint`: a token for the endpoint's
    /// origin, signed now, and the key to check it with.
    pub fn authorization(&self, endpoint: &http::Uri, now_secs: u64) -> Result<String, String> {
        let audience = origin(endpoint).ok_or("the push endpoint has no origin")?;
        let claims = Claims {
            aud: &audience,
            exp: now_secs + TOKEN_SECONDS,
            sub: &self.contact,
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &self.key)
            .map_err(|e| format!("cannot sign the VAPID token: {e}"))?;
        Ok(format!("vapid t={token}, k={}", self.public_key))
    }
}

/// `scheme://host[:port]`, the port only where it is not the scheme's own.
fn origin(uri: &http::Uri) -> Option<String> {
    let scheme = uri.scheme_str()?;
    let host = uri.host()?;
    let default = match scheme {
        "https" => Some(443),
        "http" => Some(80),
        _ => None,
    };
    Some(match uri.port_u16() {
        Some(port) if Some(port) != default => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn the_audience_is_the_endpoints_origin() {
        let o = |s: &str| origin(&s.parse().unwrap()).unwrap();
        assert_eq!(
            o("https://fcm.googleapis.com/fcm/send/abc"),
            "https://fcm.googleapis.com"
        );
        assert_eq!(o("https://push.example:443/x"), "https://push.example");
        assert_eq!(o("http://127.0.0.1:8123/p/1"), "http://127.0.0.1:8123");
    }
}
