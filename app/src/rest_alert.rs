//! The rest alert that reaches a phone with its screen off: what the browser and the server
//! say to each other about it, and what the service worker is sent.
//!
//! A page's timer stops when a phone locks, so when a rest starts the browser also asks
//! the server to send a Web Push at its end; the service worker shows it. One alert waits
//! per device (per push subscription): a new rest replaces it, a skipped one cancels it.

use serde::{Deserialize, Serialize};

/// Where the rest alerts go: `GET /api/push/key`.
pub const KEY_PATH: &str = "/api/push/key";
/// A device's push subscription: `PUT` stores it, `DELETE` forgets it.
pub const SUBSCRIPTION_PATH: &str = "/api/push/subscription";
/// The device's rest alert: `PUT` schedules (or moves) it, `DELETE` cancels it.
pub const REST_PATH: &str = "/api/push/rest";

/// The longest rest an alert is kept for: past it the user has left the gym.
pub const LONGEST_REST_MS: i64 = 60 * 60 * 1000;
/// The notification's tag: the page's own alert and the pushed one replace each other.
pub const TAG: &str = "ezlift-rest";
/// Where a tap on the notification leads.
pub const LOGGER_PATH: &str = "/workout";

/// The server's VAPID public key, as `applicationServerKey` takes it (base64url, no
/// padding, an uncompressed P-256 point).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PushKey {
    pub public_key: String,
}

/// A push subscription as the browser's `PushSubscription.toJSON()` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
}

/// The subscription's keys (RFC 8291), base64url: the browser's P-256 public key and the
/// 16-byte authentication secret the payload is encrypted for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// Names the device's subscription (to forget it, or cancel its alert).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub endpoint: String,
}

/// Schedules the device's rest alert, replacing any it had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestAlert {
    pub endpoint: String,
    /// Milliseconds from now: the phone's clock and the server's need not agree.
    pub in_ms: i64,
    /// The session in progress (the `logs` id it finishes as): once that exists, the
    /// workout is over and nothing is sent.
    pub session_id: String,
    /// What comes next ("Bench Press · set 3"), shown under the title.
    #[serde(default)]
    pub next: Option<String>,
}

/// The longest `next` kept; the rest is cut (a push message holds about 4 KB).
pub const NEXT_MAX_CHARS: usize = 120;

/// What the service worker receives, encrypted, in the push message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub title: String,
    pub body: String,
    pub tag: String,
    pub url: String,
    /// When the rest ended, epoch milliseconds by the server's clock.
    pub ends_at: i64,
}

impl Message {
    /// The alert for a rest that ended at `ends_at`, naming what comes next if known.
    pub fn rest_over(next: Option<&str>, ends_at: i64) -> Self {
        let body = match next.map(str::trim).filter(|n| !n.is_empty()) {
            Some(next) => format!("Next: {next}"),
            None => "Time for the next set.".to_owned(),
        };
        Self {
            title: "Rest over".to_owned(),
            body,
            tag: TAG.to_owned(),
            url: LOGGER_PATH.to_owned(),
            ends_at,
        }
    }
}

/// `next` as it is kept: trimmed, cut to [`NEXT_MAX_CHARS`] characters, `None` if empty.
pub fn clean_next(next: Option<&str>) -> Option<String> {
    let next = next?.trim();
    (!next.is_empty()).then(|| next.chars().take(NEXT_MAX_CHARS).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_what_comes_next_when_known() {
        let m = Message::rest_over(Some("Squat · set 2"), 5);
        assert_eq!(m.body, "Next: Squat · set 2");
        assert_eq!(m.tag, TAG);
        assert_eq!(m.url, "/workout");
        assert_eq!(
            Message::rest_over(Some("  "), 5).body,
            "Time for the next set."
        );
        assert_eq!(Message::rest_over(None, 5).body, "Time for the next set.");
    }

    #[test]
    fn next_is_trimmed_and_cut() {
        assert_eq!(clean_next(Some("  Row ")), Some("Row".to_owned()));
        assert_eq!(clean_next(Some("")), None);
        let long = "é".repeat(500);
        assert_eq!(
            clean_next(Some(&long)).unwrap().chars().count(),
            NEXT_MAX_CHARS
        );
    }

    #[test]
    fn a_subscription_reads_as_the_browser_writes_it() {
        let s: Subscription = serde_json::from_str(
            r#"{"endpoint":"https://push.example/x","expirationTime":null,"keys":{"p256dh":"BA","auth":"AQ"}}"#,
        )
        .unwrap();
        assert_eq!(s.keys.auth, "AQ");
        let r: RestAlert = serde_json::from_str(
            r#"{"endpoint":"https://push.example/x","inMs":90000,"sessionId":"l1"}"#,
        )
        .unwrap();
        assert_eq!((r.in_ms, r.next), (90_000, None));
    }
}
