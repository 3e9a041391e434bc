//! The browser's side of rest alerts: subscribing this browser to Web Push with the
//! server's key, and asking the server for an alert at each rest's end (or not to send
//! one). The endpoint of this browser's subscription is kept in `localStorage`, per user
//! (a browser someone else signs into shows alerts off for them until they turn them on,
//! which moves the subscription to them on the server): a tab knows at once whether to
//! ask, without waiting for the service worker.

use super::remote::send;
use crate::rest_alert::{Device, PushKey, RestAlert, KEY_PATH, REST_PATH, SUBSCRIPTION_PATH, TAG};
use crate::sync::engine::RemoteError;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Where the signed-in user's endpoint is kept on this browser.
fn kept_endpoint() -> Option<String> {
    Some(format!(
        "ezlift.rest-alerts.{}",
        crate::session::device_user()?.id
    ))
}

/// This browser's subscription, if the user turned rest alerts on here.
pub fn endpoint() -> Option<String> {
    storage()?.get_item(&kept_endpoint()?).ok().flatten()
}

fn keep_endpoint(endpoint: &str) {
    if let (Some(s), Some(key)) = (storage(), kept_endpoint()) {
        let _ = s.set_item(&key, endpoint);
    }
}

fn forget_endpoint() {
    if let (Some(s), Some(key)) = (storage(), kept_endpoint()) {
        let _ = s.remove_item(&key);
    }
}

fn message(e: JsValue) -> String {
    super::js_error_text(&e).unwrap_or_else(|| "the browser refused".into())
}

/// `target.method(...args)`, awaited if it answers a promise.
async fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let f: js_sys::Function = Reflect::get(target, &method.into())
        .map_err(message)?
        .dyn_into()
        .map_err(|_| format!("this browser has no {method}"))?;
    let out = Reflect::apply(&f, target, &args.iter().collect::<Array>()).map_err(message)?;
    match out.dyn_into::<js_sys::Promise>() {
        Ok(p) => JsFuture::from(p).await.map_err(message),
        Err(v) => Ok(v),
    }
}

/// The service worker's registration, once it is active.
async fn registration() -> Result<JsValue, String> {
    let window = web_sys::window().ok_or("no window")?;
    let container = window.navigator().service_worker();
    let ready = container.ready().map_err(message)?;
    JsFuture::from(ready).await.map_err(message)
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o
}

/// Whether this browser can receive rest alerts at all.
pub fn supported() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    Reflect::has(&window, &"PushManager".into()).unwrap_or(false)
        && Reflect::has(&window.navigator(), &"serviceWorker".into()).unwrap_or(false)
}

/// Asks for permission, subscribes this browser with the server's key and stores the
/// subscription on the server.
pub async fn enable() -> Result<(), String> {
    if kept_endpoint().is_none() {
        return Err(
            "This page does not know who is signed in yet: reload it and try again.".into(),
        );
    }
    let asked = web_sys::Notification::request_permission().map_err(message)?;
    let answer = JsFuture::from(asked).await.map_err(message)?;
    if answer.as_string().as_deref() != Some("granted") {
        return Err(
            "Notifications are blocked for this site: allow them in the browser's site settings."
                .into(),
        );
    }
    let key: PushKey = serde_json::from_slice(
        &send("GET", KEY_PATH, None)
            .await
            .map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("unreadable key: {e}"))?;
    let manager = Reflect::get(&registration().await?, &"pushManager".into()).map_err(message)?;
    let options = object(&[
        ("userVisibleOnly", JsValue::TRUE),
        ("applicationServerKey", key.public_key.into()),
    ]);
    let subscription = call(&manager, "subscribe", &[options.into()]).await?;
    let json = js_sys::JSON::stringify(&subscription)
        .map_err(message)?
        .as_string()
        .unwrap_or_default();
    let endpoint = Reflect::get(&subscription, &"endpoint".into())
        .ok()
        .and_then(|e| e.as_string())
        .ok_or("the subscription has no endpoint")?;
    send("PUT", SUBSCRIPTION_PATH, Some(json))
        .await
        .map_err(|e| e.to_string())?;
    keep_endpoint(&endpoint);
    Ok(())
}

/// Unsubscribes this browser and has the server forget it.
pub async fn disable() -> Result<(), String> {
    let endpoint = endpoint();
    forget_endpoint();
    let manager = Reflect::get(&registration().await?, &"pushManager".into()).map_err(message)?;
    let subscription = call(&manager, "getSubscription", &[]).await?;
    if !subscription.is_null() && !subscription.is_undefined() {
        call(&subscription, "unsubscribe", &[]).await?;
    }
    if let Some(endpoint) = endpoint {
        let body = serde_json::to_string(&Device { endpoint }).unwrap_or_default();
        send("DELETE", SUBSCRIPTION_PATH, Some(body))
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

thread_local! {
    /// The last ask (an alert or its cancelling) did not reach the server: the tab was
    /// offline, or the network failed.
    static UNSENT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether the last ask did not reach the server, so it is asked again, for the rest as
/// it is then, when the connection returns.
pub fn unsent() -> bool {
    UNSENT.get()
}

/// Sends an ask, noting whether it reached the server; offline, it is not tried.
async fn ask(method: &'static str, body: String) {
    if !super::runtime::online() {
        UNSENT.set(true);
        return;
    }
    match send(method, REST_PATH, Some(body)).await {
        Ok(_) => UNSENT.set(false),
        // 410: the server no longer knows this browser (another user signed in here, or
        // the push service dropped it): Settings offers to turn alerts on again.
        Err(RemoteError::Unavailable(m)) if m.starts_with("HTTP 410") => {
            UNSENT.set(false);
            forget_endpoint();
        }
        // Refused by the server (4xx): asking again would not help.
        Err(RemoteError::Unavailable(m)) if m.starts_with("HTTP 4") => UNSENT.set(false),
        Err(RemoteError::Unauthorized) => UNSENT.set(false),
        Err(_) => UNSENT.set(true),
    }
}

/// Asks for the alert of a rest ending at `ends_at` (epoch ms), replacing this browser's
/// last; a rest already over asks for nothing.
pub fn schedule(ends_at: i64, session_id: String, next: Option<String>) {
    let Some(endpoint) = endpoint() else { return };
    let in_ms = ends_at - super::now_ms();
    if in_ms <= 0 {
        return;
    }
    let alert = RestAlert {
        endpoint,
        in_ms,
        session_id,
        next,
    };
    leptos::task::spawn_local(ask(
        "PUT",
        serde_json::to_string(&alert).unwrap_or_default(),
    ));
}

/// Asks the server not to send this browser's alert (the rest was skipped, or ended here).
pub fn cancel() {
    let Some(endpoint) = endpoint() else { return };
    let body = serde_json::to_string(&Device { endpoint }).unwrap_or_default();
    leptos::task::spawn_local(ask("DELETE", body));
}

/// Shows the rest's end through the service worker (`new Notification` throws on Android
/// Chrome), under the same tag as the pushed alert so the two are one notification.
pub fn notify(title: &str, body: &str) {
    let title = title.to_owned();
    let body = body.to_owned();
    leptos::task::spawn_local(async move {
        let options = object(&[
            ("body", body.into()),
            ("tag", TAG.into()),
            ("icon", "/icons/icon-192.png".into()),
            (
                "data",
                object(&[("url", crate::rest_alert::LOGGER_PATH.into())]).into(),
            ),
        ]);
        if let Ok(reg) = registration().await {
            let _ = call(&reg, "showNotification", &[title.into(), options.into()]).await;
        }
    });
}
