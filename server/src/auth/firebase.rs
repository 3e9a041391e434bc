//! Firebase ID tokens (RS256), checked against the project's published keys.

use super::{AuthError, Identity};
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

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    email: Option<String>,
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
}

impl FirebaseVerifier {
    pub fn new(project: &str, source: JwksSource) -> Self {
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
        super::identity(data.claims.sub, data.claims.email)
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
            .is_some_and(|k| k.fetched_at.elapsed() < MIN_REFETCH);
        if !recently {
            let fresh = self.fetch().await?;
            *self.keys.write().await = Some(fresh);
        }
        self.cached(kid, true).await.ok_or(AuthError::UnknownKey)
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
