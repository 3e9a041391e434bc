//! An HTTP client of the server under benchmark, signed in as one user.

use super::figures::Res;
use serde_json::{json, Value};

pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
}

impl Client {
    pub async fn signup(&self, email: &str) -> Res<String> {
        let body: Value = self
            .http
            .post(format!("{}/api/auth/signup", self.base))
            .json(&json!({ "email": email, "password": "benchmark-password" }))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(body["token"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn push(&self, token: &str, last_pulled_at: i64, changes: &Value) -> Res<()> {
        self.http
            .post(format!("{}/api/sync/push-changes", self.base))
            .header("x-jwt-token", token)
            .json(&json!({ "lastPulledAt": last_pulled_at, "changes": changes }))
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// Returns (cursor, body bytes).
    pub async fn pull(&self, token: &str, since: Option<i64>) -> Res<(i64, usize)> {
        let bytes = self.pull_body(token, since).await?;
        let body: Value = serde_json::from_slice(&bytes)?;
        Ok((body["timestamp"].as_i64().unwrap_or_default(), bytes.len()))
    }

    /// The raw response: what is timed (parsing it is the client's cost, not the server's).
    pub async fn pull_body(&self, token: &str, since: Option<i64>) -> Res<bytes::Bytes> {
        let since = since.map_or("null".to_owned(), |s| s.to_string());
        Ok(self
            .http
            .get(format!(
                "{}/api/sync/pull-changes?lastPulledAt={since}&schemaVersion=1",
                self.base
            ))
            .header("x-jwt-token", token)
            .send()
            .await?
            .error_for_status()?
            .bytes()
            .await?)
    }
}
