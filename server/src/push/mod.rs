//! Rest alerts by Web Push (RFC 8030, 8291, 8292): the browser subscribes with the server's
//! VAPID key, and each rest it starts is kept as one alert per subscription, which the
//! sender delivers, encrypted for that browser, to its push service when the rest ends.

mod sender;
mod vapid;

use crate::config::Config;
use crate::store::{now_ms, PushTarget, ScheduledAlert, Store, StoreError};
use app::rest_alert::{clean_next, RestAlert, Subscription, LONGEST_REST_MS};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::sync::Notify;
use vapid::Vapid;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;
use web_push_native::{p256, Auth};

/// The longest push endpoint kept (real ones are a few hundred characters).
const ENDPOINT_MAX: usize = 1024;

/// Why a request about push was refused.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error("{0}")]
    Invalid(String),
    #[error(
        "this browser's push subscription is not known here: turn rest alerts on again in Settings"
    )]
    UnknownSubscription,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The rest alerts of this process: what the HTTP handlers call, and the sender's wake-up.
pub struct RestAlerts {
    store: Arc<dyn Store>,
    vapid: Vapid,
    local_endpoints: bool,
    /// Rung when this process schedules an alert, so the sender looks again at once.
    wake: Notify,
    client: reqwest::Client,
}

impl RestAlerts {
    /// Loads (or makes) the VAPID key and starts the sender on the current runtime.
    pub async fn start(config: &Config, store: Arc<dyn Store>) -> Result<Arc<Self>, String> {
        let vapid = Vapid::load(store.as_ref(), &config.push_contact).await?;
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            // A push service answers; it never sends us elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot make the push client: {e}"))?;
        let alerts = Arc::new(Self {
            store,
            vapid,
            local_endpoints: config.push_local_endpoints,
            wake: Notify::new(),
            client,
        });
        tokio::spawn(sender::run(Arc::downgrade(&alerts)));
        Ok(alerts)
    }

    /// The key browsers subscribe with (`applicationServerKey`).
    pub fn public_key(&self) -> &str {
        self.vapid.public_key()
    }

    pub async fn subscribe(&self, user_id: &str, sub: &Subscription) -> Result<(), PushError> {
        let target = self.target(sub)?;
        self.store.save_push_subscription(user_id, &target).await?;
        Ok(())
    }

    pub async fn unsubscribe(&self, user_id: &str, endpoint: &str) -> Result<(), PushError> {
        Ok(self
            .store
            .forget_push_subscription(user_id, endpoint)
            .await?)
    }

    /// Keeps the alert (in place of the subscription's last) and wakes the sender.
    pub async fn schedule(&self, user_id: &str, alert: &RestAlert) -> Result<i64, PushError> {
        if !(1..=LONGEST_REST_MS).contains(&alert.in_ms) {
            return Err(PushError::Invalid(format!(
                "inMs must be from 1 to {LONGEST_REST_MS} milliseconds, not {}",
                alert.in_ms
            )));
        }
        if alert.session_id.trim().is_empty() || alert.session_id.len() > 200 {
            return Err(PushError::Invalid(
                "sessionId must name the session in progress".into(),
            ));
        }
        let due_at = now_ms() + alert.in_ms;
        let scheduled = ScheduledAlert {
            endpoint: alert.endpoint.clone(),
            due_at,
            session_id: alert.session_id.clone(),
            next: clean_next(alert.next.as_deref()),
        };
        if !self.store.schedule_rest_alert(user_id, &scheduled).await? {
            return Err(PushError::UnknownSubscription);
        }
        self.wake.notify_one();
        Ok(due_at)
    }

    pub async fn cancel(&self, user_id: &str, endpoint: &str) -> Result<(), PushError> {
        Ok(self.store.cancel_rest_alert(user_id, endpoint).await?)
    }

    /// A subscription as it is kept, once its endpoint and keys are what a browser makes.
    fn target(&self, sub: &Subscription) -> Result<PushTarget, PushError> {
        check_endpoint(&sub.endpoint, self.local_endpoints).map_err(PushError::Invalid)?;
        let (public, auth) =
            browser_keys(&sub.keys.p256dh, &sub.keys.auth).map_err(PushError::Invalid)?;
        Ok(PushTarget {
            endpoint: sub.endpoint.clone(),
            p256dh: URL_SAFE_NO_PAD.encode(public.to_encoded_point(false).as_bytes()),
            auth: URL_SAFE_NO_PAD.encode(auth),
        })
    }
}

/// A subscription's keys as the encryption takes them: the browser's P-256 point and its
/// 16-byte secret, from base64url with or without padding (as browsers and libraries
/// write them). A subscription is checked by it, and each message encrypted through it.
pub(crate) fn browser_keys(p256dh: &str, auth: &str) -> Result<(p256::PublicKey, Auth), String> {
    let decode = |field: &str, text: &str| {
        URL_SAFE_NO_PAD
            .decode(text.trim().trim_end_matches('='))
            .map_err(|_| format!("{field} is not base64url"))
    };
    let public = p256::PublicKey::from_sec1_bytes(&decode("keys.p256dh", p256dh)?)
        .map_err(|_| "keys.p256dh is not a P-256 public key".to_owned())?;
    let auth = decode("keys.auth", auth)?;
    if auth.len() != 16 {
        return Err(format!("keys.auth must be 16 bytes, not {}", auth.len()));
    }
    Ok((public, Auth::clone_from_slice(&auth)))
}

/// A push endpoint is an `https:` URL of a push service on the internet (with `local`,
/// also `http:` and loopback or private addresses, for a push service in a test).
fn check_endpoint(endpoint: &str, local: bool) -> Result<http::Uri, String> {
    if endpoint.len() > ENDPOINT_MAX {
        return Err(format!("endpoint is longer than {ENDPOINT_MAX} characters"));
    }
    let uri: http::Uri = endpoint
        .parse()
        .map_err(|_| "endpoint is not a URL".to_owned())?;
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if local => {}
        _ => return Err("endpoint must be an https: URL".into()),
    }
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err("endpoint must not carry a user name or password".into());
    }
    let host = uri.host().ok_or("endpoint has no host")?;
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>();
    let private = match ip {
        Ok(IpAddr::V4(ip)) => {
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
        }
        Ok(IpAddr::V6(ip)) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_unique_local()
                || ip.is_unicast_link_local()
        }
        Err(_) => host.eq_ignore_ascii_case("localhost") || host.ends_with(".localhost"),
    };
    if private && !local {
        return Err("endpoint must be a push service on the internet".into());
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::check_endpoint;

    #[test]
    fn endpoints_are_push_services_on_the_internet() {
        assert!(check_endpoint("https://fcm.googleapis.com/fcm/send/x", false).is_ok());
        assert!(check_endpoint(
            "https://updates.push.services.mozilla.com/wpush/v2/x",
            false
        )
        .is_ok());
        for bad in [
            "http://fcm.googleapis.com/x",
            "https://127.0.0.1/x",
            "https://10.1.2.3/x",
            "https://192.168.0.2:8443/x",
            "https://[::1]/x",
            "https://localhost/x",
            "https://user:pw@push.example/x",
            "ftp://push.example/x",
            "not a url",
        ] {
            assert!(check_endpoint(bad, false).is_err(), "{bad}");
        }
        assert!(check_endpoint("http://127.0.0.1:9000/x", true).is_ok());
        assert!(check_endpoint(&format!("https://a.example/{}", "x".repeat(2000)), true).is_err());
    }
}
