//! Firebase ID tokens (RS256), checked against the project's published keys.

use super::identity::{checked, AuthError, Identity};
use crate::config::JwksSource;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// How long fetched keys are trusted when the source names no lifetime.
const DEFAULT_KEY_TTL: Duration = Duration::from_secs(3600);
/// An unknown key id triggers a refetch at most this often (keys rotate rarely; a flood of
/// forged key ids must not become a flood of fetches).
const MIN_REFETCH: Duration = Duration::from_secs(30);
/// After a failed fetch, the next one waits this long, doubling on each failure up to
/// `MAX_BACKOFF`: while Google's endpoint is down, requests keep being served from the last
/// good keys instead of each one waiting on a fetch that will fail.
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// Clock skew tolerated on `iat` and `auth_time` (the same as on `exp`).
const LEEWAY_SECS: i64 = 60;

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    /// Issued-at and the time the user signed in: Firebase requires both in the past.
    iat: Option<i64>,
    auth_time: Option<i64>,
}

/// When the next fetch may be tried after failures.
struct Backoff {
    failures: u32,
    until: Instant,
}

struct Keys {
    by_kid: HashMap<String, DecodingKey>,
    fetched_at: Instant,
    ttl: Duration,
}

pub struct FirebaseVerifier {
    source: JwksSource,
    validation: Validation,
    http: reqwest::Client,
    keys: RwLock<Option<Keys>>,
    fetching: Mutex<()>,
    backoff: std::sync::Mutex<Option<Backoff>>,
    timings: Timings,
}

/// The refetch intervals; tests shrink them.
#[derive(Clone, Copy)]
struct Timings {
    min_refetch: Duration,
    first_backoff: Duration,
}

const TIMINGS: Timings = Timings {
    min_refetch: MIN_REFETCH,
    first_backoff: FIRST_BACKOFF,
};

impl FirebaseVerifier {
    pub fn new(project: &str, source: JwksSource) -> Self {
        Self::with_timings(project, source, TIMINGS)
    }

    fn with_timings(project: &str, source: JwksSource, timings: Timings) -> Self {
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[format!("https://securetoken.google.com/{project}")]);
        validation.set_audience(&[project]);
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.leeway = 60;
        Self {
            source,
            validation,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            keys: RwLock::new(None),
            fetching: Mutex::new(()),
            backoff: std::sync::Mutex::new(None),
            timings,
        }
    }

    pub async fn verify(&self, token: &str) -> Result<Identity, AuthError> {
        let header = decode_header(token)?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Algorithm);
        }
        let kid = header
            .kid
            .ok_or_else(|| AuthError::Malformed("token names no signing key (kid)".into()))?;
        let key = self.key(&kid).await?;
        let data = decode::<Claims>(token, &key, &self.validation)?;
        check_times(&data.claims, chrono::Utc::now().timestamp())?;
        checked(data.claims.sub, data.claims.email)
    }

    async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        if let Some(key) = self.cached(kid, false).await {
            return Ok(key);
        }
        let _guard = self.fetching.lock().await;
        // Another request may have refreshed the keys while we waited.
        if let Some(key) = self.cached(kid, false).await {
            return Ok(key);
        }
        let recently = self
            .keys
            .read()
            .await
            .as_ref()
            .is_some_and(|k| k.fetched_at.elapsed() < self.timings.min_refetch);
        if !recently && !self.backing_off() {
            match self.fetch().await {
                Ok(fresh) => {
                    *self.backoff.lock().unwrap_or_else(|e| e.into_inner()) = None;
                    *self.keys.write().await = Some(fresh);
                }
                Err(err) => {
                    let wait = self.failed();
                    // The last good keys stay in use; without any, nothing can be verified.
                    if let Some(key) = self.cached(kid, true).await {
                        tracing::warn!(error = %err, retry_in = ?wait, "Firebase keys could not be refreshed; using the last good ones");
                        return Ok(key);
                    }
                    tracing::warn!(error = %err, retry_in = ?wait, "Firebase keys could not be fetched");
                    return Err(err);
                }
            }
        }
        match self.cached(kid, true).await {
            Some(key) => Ok(key),
            None if self.keys.read().await.is_none() => Err(AuthError::KeysUnavailable(
                "Firebase keys are not loaded yet; try again shortly".into(),
            )),
            None => Err(AuthError::UnknownKey),
        }
    }

    fn backing_off(&self) -> bool {
        self.backoff
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_some_and(|b| Instant::now() < b.until)
    }

    /// Records a failed fetch; returns how long until the next try.
    fn failed(&self) -> Duration {
        let mut backoff = self.backoff.lock().unwrap_or_else(|e| e.into_inner());
        let failures = backoff.as_ref().map_or(0, |b| b.failures) + 1;
        let wait = self
            .timings
            .first_backoff
            .saturating_mul(1 << (failures - 1).min(16))
            .min(MAX_BACKOFF);
        *backoff = Some(Backoff {
            failures,
            until: Instant::now() + wait,
        });
        wait
    }

    async fn cached(&self, kid: &str, allow_stale: bool) -> Option<DecodingKey> {
        let keys = self.keys.read().await;
        let keys = keys.as_ref()?;
        if !allow_stale && keys.fetched_at.elapsed() > keys.ttl {
            return None;
        }
        keys.by_kid.get(kid).cloned()
    }

    async fn fetch(&self) -> Result<Keys, AuthError> {
        let unavailable = |e: String| AuthError::KeysUnavailable(e);
        let (body, ttl) = match &self.source {
            JwksSource::File(path) => (
                tokio::fs::read_to_string(path)
                    .await
                    .map_err(|e| unavailable(format!("{}: {e}", path.display())))?,
                DEFAULT_KEY_TTL,
            ),
            JwksSource::Url(url) => {
                let response = self
                    .http
                    .get(url)
                    .send()
                    .await
                    .and_then(|r| r.error_for_status())
                    .map_err(|e| unavailable(e.to_string()))?;
                let ttl = max_age(response.headers()).unwrap_or(DEFAULT_KEY_TTL);
                (
                    response
                        .text()
                        .await
                        .map_err(|e| unavailable(e.to_string()))?,
                    ttl,
                )
            }
        };
        let set: JwkSet =
            serde_json::from_str(&body).map_err(|e| unavailable(format!("not a JWKS: {e}")))?;
        let by_kid = set
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                DecodingKey::from_jwk(jwk).ok().map(|key| (kid, key))
            })
            .collect::<HashMap<_, _>>();
        tracing::info!(keys = by_kid.len(), "loaded Firebase signing keys");
        Ok(Keys {
            by_kid,
            fetched_at: Instant::now(),
            ttl,
        })
    }
}

/// Firebase's rules beyond the JWT basics: `iat` and `auth_time` must be in the past.
fn check_times(claims: &Claims, now: i64) -> Result<(), AuthError> {
    let iat = claims
        .iat
        .ok_or_else(|| AuthError::Malformed("the iat claim is missing".into()))?;
    if iat > now + LEEWAY_SECS {
        return Err(AuthError::Malformed(
            "the iat claim is in the future".into(),
        ));
    }
    match claims.auth_time {
        None => Err(AuthError::Malformed(
            "the auth_time claim is missing".into(),
        )),
        Some(t) if t > now + LEEWAY_SECS => Err(AuthError::Malformed(
            "the auth_time claim is in the future".into(),
        )),
        Some(_) => Ok(()),
    }
}

/// The `max-age` of a `Cache-Control` header, which Google sets to the keys' lifetime.
fn max_age(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::CACHE_CONTROL)?.to_str().ok()?;
    value.split(',').find_map(|part| {
        part.trim()
            .strip_prefix("max-age=")
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{header, StatusCode};
    use axum::routing::get;
    use base64::Engine;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Google {
        up: AtomicBool,
        hits: AtomicUsize,
        jwks: String,
    }

    fn key() -> (EncodingKey, String) {
        let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
        let pem = key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).unwrap();
        let b64 = |b: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        let jwks = serde_json::json!({ "keys": [{
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
            "n": b64(key.n().to_bytes_be()), "e": b64(key.e().to_bytes_be()),
        }]});
        (
            EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
            jwks.to_string(),
        )
    }

    fn token(key: &EncodingKey, extra: serde_json::Value) -> String {
        let now = chrono::Utc::now().timestamp();
        let mut claims = serde_json::json!({
            "iss": "https://securetoken.google.com/p", "aud": "p", "sub": "u1",
            "iat": now, "exp": now + 3600, "auth_time": now,
        });
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("k1".into());
        encode(&header, &claims, key).unwrap()
    }

    /// A JWKS endpoint that can go down, counting the fetches it sees.
    async fn google(jwks: String) -> (Arc<Google>, String) {
        let state = Arc::new(Google {
            up: AtomicBool::new(true),
            hits: AtomicUsize::new(0),
            jwks,
        });
        let s = state.clone();
        let app = axum::Router::new().route(
            "/jwks",
            get(move || {
                let s = s.clone();
                async move {
                    s.hits.fetch_add(1, Ordering::SeqCst);
                    if s.up.load(Ordering::SeqCst) {
                        // Keys that are stale at once, so every verification wants a refresh.
                        Ok(([(header::CACHE_CONTROL, "max-age=0")], s.jwks.clone()))
                    } else {
                        Err(StatusCode::SERVICE_UNAVAILABLE)
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (state, url)
    }

    fn verifier(url: String) -> FirebaseVerifier {
        FirebaseVerifier::with_timings(
            "p",
            JwksSource::Url(url),
            Timings {
                min_refetch: Duration::from_millis(20),
                first_backoff: Duration::from_millis(200),
            },
        )
    }

    #[tokio::test]
    async fn the_last_good_keys_serve_while_google_is_down_and_retries_back_off() {
        let (signing, jwks) = key();
        let (google, url) = google(jwks).await;
        let v = verifier(url);
        let good = token(&signing, serde_json::json!({}));
        assert_eq!(v.verify(&good).await.unwrap().user_id, "u1");
        assert_eq!(google.hits.load(Ordering::SeqCst), 1);

        google.up.store(false, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(30)).await;
        // The refresh fails; the last good key still verifies.
        assert_eq!(v.verify(&good).await.unwrap().user_id, "u1");
        assert_eq!(google.hits.load(Ordering::SeqCst), 2);
        // Within the backoff no request goes to Google.
        for _ in 0..5 {
            tokio::time::sleep(Duration::from_millis(25)).await;
            assert!(v.verify(&good).await.is_ok());
        }
        assert_eq!(google.hits.load(Ordering::SeqCst), 2);
        // After it, one more try; it fails, and the wait doubles.
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(v.verify(&good).await.is_ok());
        assert_eq!(google.hits.load(Ordering::SeqCst), 3);
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(v.verify(&good).await.is_ok());
        assert_eq!(
            google.hits.load(Ordering::SeqCst),
            3,
            "second wait is 400 ms"
        );
        // Google is back: the next try succeeds and resets the backoff.
        google.up.store(true, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(v.verify(&good).await.is_ok());
        assert_eq!(google.hits.load(Ordering::SeqCst), 4);
        assert!(v.backoff.lock().unwrap().is_none());
    }

    #[tokio::test]
    async fn without_any_keys_a_down_endpoint_is_unavailable_not_unauthorized() {
        let (signing, jwks) = key();
        let (google, url) = google(jwks).await;
        google.up.store(false, Ordering::SeqCst);
        let v = verifier(url);
        let err = v.verify(&token(&signing, serde_json::json!({}))).await;
        assert!(matches!(err, Err(AuthError::KeysUnavailable(_))), "{err:?}");
    }

    #[tokio::test]
    async fn iat_and_auth_time_must_be_in_the_past() {
        let (signing, jwks) = key();
        let (_google, url) = google(jwks).await;
        let v = verifier(url);
        let later = chrono::Utc::now().timestamp() + 3600;
        for (extra, needle) in [
            (
                serde_json::json!({ "iat": later }),
                "iat claim is in the future",
            ),
            (
                serde_json::json!({ "auth_time": later }),
                "auth_time claim is in the future",
            ),
            (
                serde_json::json!({ "auth_time": null }),
                "auth_time claim is missing",
            ),
        ] {
            let err = v.verify(&token(&signing, extra)).await.unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
        assert!(v
            .verify(&token(
                &signing,
                serde_json::json!({ "auth_time": 1_600_000_000 })
            ))
            .await
            .is_ok());
    }
}
