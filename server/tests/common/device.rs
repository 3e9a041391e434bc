//! A device of the browser's sync engine for tests: an in-memory replica and the sync
//! endpoints over real HTTP. Each request carries an `x-fault-seed` (the current sync's
//! seed and the request's number) that a fault-injecting proxy may key its faults on.

use app::model::wire::{PullResponse, PushRequest, PushResponse};
use app::sync::engine::{Remote, RemoteError};
use async_trait::async_trait;
use std::cell::{Cell, RefCell};

pub struct HttpRemote {
    http: reqwest::Client,
    base: String,
    token: String,
    seed: RefCell<String>,
    sent: Cell<usize>,
}

impl HttpRemote {
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.to_owned(),
            token: token.to_owned(),
            seed: RefCell::new(String::new()),
            sent: Cell::new(0),
        }
    }

    /// Names the coming sync's requests `<seed>-0`, `<seed>-1`, …
    pub fn set_seed(&self, seed: String) {
        self.sent.set(0);
        *self.seed.borrow_mut() = seed;
    }

    fn next_seed(&self) -> String {
        let n = self.sent.get();
        self.sent.set(n + 1);
        format!("{}-{n}", self.seed.borrow())
    }
}

/// A sync endpoint's answer as the engine sees it: the body of a 2xx, else the error its
/// status means.
pub async fn decode<T: serde::de::DeserializeOwned>(
    res: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, RemoteError> {
    let res = res.map_err(|e| RemoteError::Unavailable(e.to_string()))?;
    let status = res.status().as_u16();
    let body = res.text().await.unwrap_or_default();
    if (200..300).contains(&status) {
        serde_json::from_str(&body).map_err(|e| RemoteError::Unavailable(e.to_string()))
    } else {
        Err(RemoteError::from_status(status, &body))
    }
}

#[async_trait(?Send)]
impl Remote for HttpRemote {
    async fn pull(
        &self,
        since: Option<i64>,
        _migrated_from: Option<u32>,
    ) -> Result<PullResponse, RemoteError> {
        let since = since.map_or("null".to_owned(), |s| s.to_string());
        let res = self
            .http
            .get(format!(
                "{}/api/sync/pull-changes?lastPulledAt={since}&schemaVersion={}",
                self.base,
                app::model::SCHEMA_VERSION
            ))
            .header("x-jwt-token", &self.token)
            .header("x-fault-seed", self.next_seed())
            .send()
            .await;
        decode(res).await
    }

    async fn push(&self, request: &PushRequest) -> Result<PushResponse, RemoteError> {
        let res = self
            .http
            .post(format!("{}/api/sync/push-changes", self.base))
            .header("x-jwt-token", &self.token)
            .header("x-fault-seed", self.next_seed())
            .json(request)
            .send()
            .await;
        decode(res).await
    }
}
