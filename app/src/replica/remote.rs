//! The sync endpoints over `fetch`, authenticated by the session cookie. The server's
//! same-origin check passes because the browser sends `Origin` with every push.

use crate::model::tables::SCHEMA_VERSION;
use crate::model::wire::{PullResponse, PushRequest, PushResponse};
use crate::sync::engine::{Remote, RemoteError};
use async_trait::async_trait;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Request, RequestCredentials, RequestInit, Response};

pub struct FetchRemote;

/// What a JavaScript failure says: a thrown string, or an error's `message`.
pub fn js_error_text(e: &JsValue) -> Option<String> {
    e.as_string()
        .or_else(|| js_sys::Reflect::get(e, &"message".into()).ok()?.as_string())
}

fn unavailable(e: JsValue) -> RemoteError {
    RemoteError::Unavailable(js_error_text(&e).unwrap_or_else(|| "network error".into()))
}

/// Sends a request and returns the body of a 2xx response, as bytes: copying them out of
/// an `ArrayBuffer` is far cheaper than converting a multi-megabyte first pull from a
/// JavaScript string.
pub async fn send(method: &str, url: &str, body: Option<String>) -> Result<Vec<u8>, RemoteError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(RequestCredentials::SameOrigin);
    if let Some(body) = &body {
        init.set_body(&JsValue::from_str(body));
    }
    let request = Request::new_with_str_and_init(url, &init).map_err(unavailable)?;
    request
        .headers()
        .set("accept", "application/json")
        .map_err(unavailable)?;
    if body.is_some() {
        request
            .headers()
            .set("content-type", "application/json")
            .map_err(unavailable)?;
    }
    let window = web_sys::window().ok_or_else(|| RemoteError::Unavailable("no window".into()))?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(unavailable)?
        .unchecked_into();
    let body = match response.array_buffer() {
        Ok(promise) => {
            js_sys::Uint8Array::new(&JsFuture::from(promise).await.map_err(unavailable)?).to_vec()
        }
        Err(e) => return Err(unavailable(e)),
    };
    match response.status() {
        200..=299 => Ok(body),
        status => Err(RemoteError::from_status(
            status,
            &String::from_utf8_lossy(&body),
        )),
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, RemoteError> {
    serde_json::from_slice(body)
        .map_err(|e| RemoteError::Unavailable(format!("unreadable response: {e}")))
}

#[async_trait(?Send)]
impl Remote for FetchRemote {
    async fn pull(
        &self,
        last_pulled_at: Option<i64>,
        migrated_from: Option<u32>,
    ) -> Result<PullResponse, RemoteError> {
        let since = last_pulled_at.map_or_else(|| "null".to_owned(), |t| t.to_string());
        let mut url =
            format!("/api/sync/pull-changes?lastPulledAt={since}&schemaVersion={SCHEMA_VERSION}");
        if let Some(from) = migrated_from {
            // WatermelonDB's shape, URL-encoded: {"from":n}.
            url.push_str(&format!("&migration=%7B%22from%22%3A{from}%7D"));
        }
        let body = send("GET", &url, None).await?;
        // Where "pull arrived → Synced on screen" starts (what the benchmark reads).
        super::marks::mark("ezlift:pull-received");
        decode(&body)
    }

    async fn push(&self, request: &PushRequest) -> Result<PushResponse, RemoteError> {
        let body = serde_json::to_string(request)
            .map_err(|e| RemoteError::Unavailable(format!("the changes cannot be encoded: {e}")))?;
        let url = format!("/api/sync/push-changes?schemaVersion={SCHEMA_VERSION}");
        let body = send("POST", &url, Some(body)).await?;
        if body.trim_ascii().is_empty() {
            return Ok(PushResponse::default());
        }
        decode(&body)
    }
}
