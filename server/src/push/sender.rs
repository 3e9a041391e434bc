//! The sender: sleeps until the next alert is due (looking at the table at least every
//! [`LOOK_EVERY`], for alerts other processes scheduled), takes what is due and delivers it.
//!
//! An alert is taken before it is sent, so a process that dies in between loses it: for a
//! rest timer a late alert is worth nothing, and the page's own alarm still rings.

use super::{browser_keys, RestAlerts};
use crate::store::{now_ms, DueAlert};
use app::rest_alert::Message;
use std::sync::Weak;
use std::time::Duration;
use web_push_native::WebPushBuilder;

/// The longest sleep between looks at the table.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// After a failed look (the database is away, or a standby): wait longer.
const AFTER_FAILURE: Duration = Duration::from_secs(5);
/// Alerts taken per look.
const BATCH: i64 = 64;
/// How long a push service keeps an alert for a phone it cannot reach: a rest alert
/// minutes late is noise.
const TIME_TO_LIVE: Duration = Duration::from_secs(120);

/// Runs until the process's [`RestAlerts`] is dropped.
pub(super) async fn run(alerts: Weak<RestAlerts>) {
    let mut failing = false;
    loop {
        let Some(this) = alerts.upgrade() else { return };
        let wait = match this.send_due().await {
            Ok(Some(next)) => {
                failing = false;
                let ms = (next - now_ms()).max(0) as u64;
                Duration::from_millis(ms).min(LOOK_EVERY)
            }
            Ok(None) => {
                failing = false;
                LOOK_EVERY
            }
            Err(e) => {
                if !failing {
                    tracing::warn!("rest alerts: cannot read the schedule: {e}");
                }
                failing = true;
                AFTER_FAILURE
            }
        };
        if wait.is_zero() {
            continue;
        }
        // The app is held for one look and one sleep (a few seconds at most): once it is
        // dropped, the next turn ends the loop.
        let woken = async {
            this.wake.notified().await;
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = woken => {}
        }
    }
}

impl RestAlerts {
    /// Sends every alert due now; answers when the next one is due. Only a look (a read,
    /// which a standby answers too) while nothing is due.
    async fn send_due(&self) -> Result<Option<i64>, crate::store::StoreError> {
        loop {
            match self.store.next_rest_alert().await? {
                Some(next) if next <= now_ms() => {}
                later => return Ok(later),
            }
            let due = self.store.take_due_rest_alerts(now_ms(), BATCH).await?;
            if due.is_empty() {
                // Due, but another process is taking them: look again in a moment.
                return Ok(Some(now_ms() + 25));
            }
            for alert in due {
                if let Some(request) = self.request(&alert) {
                    let (client, store) = (self.client.clone(), self.store.clone());
                    tokio::spawn(deliver(client, store, alert, request));
                }
            }
        }
    }

    /// The encrypted, signed request for an alert; `None` for one not to send.
    fn request(&self, alert: &DueAlert) -> Option<reqwest::Request> {
        if alert.finished {
            tracing::debug!("rest alert dropped: the workout is finished");
            return None;
        }
        match self.build(alert) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!("rest alert not sent: {e}");
                None
            }
        }
    }

    fn build(&self, alert: &DueAlert) -> Result<reqwest::Request, String> {
        let endpoint: http::Uri = alert
            .target
            .endpoint
            .parse()
            .map_err(|_| "the stored endpoint is not a URL")?;
        let (public, auth) = browser_keys(&alert.target.p256dh, &alert.target.auth)?;
        let message = Message::rest_over(alert.next.as_deref(), alert.due_at);
        let body = serde_json::to_vec(&message).map_err(|e| e.to_string())?;
        let mut request = WebPushBuilder::new(endpoint.clone(), public, auth)
            .with_valid_duration(TIME_TO_LIVE)
            .build(body)
            .map_err(|e| format!("cannot encrypt the message: {e}"))?;
        let now_secs = u64::try_from(now_ms() / 1000).unwrap_or_default();
        let authorization = self.vapid.authorization(&endpoint, now_secs)?;
        let headers = request.headers_mut();
        headers.insert(
            http::header::AUTHORIZATION,
            authorization.parse().map_err(|_| "a bad VAPID header")?,
        );
        // RFC 8030: a sleeping phone is woken for a high-urgency message.
        headers.insert("urgency", http::HeaderValue::from_static("high"));
        headers.insert("topic", http::HeaderValue::from_static("rest"));
        reqwest::Request::try_from(request).map_err(|e| e.to_string())
    }
}

/// Posts one alert to its push service; a subscription the service says is gone is
/// forgotten. Endpoints are never logged: each one lets anyone write to a browser.
async fn deliver(
    client: reqwest::Client,
    store: std::sync::Arc<dyn crate::store::Store>,
    alert: DueAlert,
    request: reqwest::Request,
) {
    let status = match client.execute(request).await {
        Ok(response) => response.status(),
        Err(e) => {
            tracing::warn!(
                "rest alert not delivered: push service unreachable: {}",
                e.without_url()
            );
            return;
        }
    };
    let late_ms = now_ms() - alert.due_at;
    if status.is_success() {
        tracing::info!(late_ms, "rest alert delivered");
    } else if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
        tracing::info!(%status, "push subscription expired: forgotten");
        if let Err(e) = store
            .forget_push_subscription(&alert.user_id, &alert.target.endpoint)
            .await
        {
            tracing::warn!("cannot forget an expired push subscription: {e}");
        }
    } else {
        tracing::warn!(%status, "rest alert refused by the push service");
    }
}
