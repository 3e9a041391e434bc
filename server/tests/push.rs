//! Rest alerts by Web Push, end to end on our side: the app's sender delivers to a push
//! service this test runs on loopback, which checks each message as a real one would
//! (the VAPID token signed by the key browsers subscribed with, for its own origin) and
//! decrypts it with the subscription's private key (RFC 8291), as the browser would.

mod common;

use axum::http::{HeaderMap, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{TestApp, TestDb};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use web_push_native::p256;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;

const LOCAL: &[(&str, &str)] = &[("EZLIFT_PUSH_LOCAL_ENDPOINTS", "1")];

/// One message as the push service received it.
struct Received {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
    at: Instant,
    at_ms: i64,
}

/// A push service on loopback: `/push/{id}` takes messages (201), `/gone/{id}` answers 410
/// as a service does for an expired subscription.
struct PushService {
    origin: String,
    received: mpsc::UnboundedReceiver<Received>,
}

impl PushService {
    async fn start() -> Self {
        let (tx, received) = mpsc::unbounded_channel();
        let take = move |gone: bool| {
            let tx = tx.clone();
            move |uri: axum::http::Uri, headers: HeaderMap, body: axum::body::Bytes| {
                let tx = tx.clone();
                async move {
                    let _ = tx.send(Received {
                        path: uri.path().to_owned(),
                        headers,
                        body: body.to_vec(),
                        at: Instant::now(),
                        at_ms: server::store::now_ms(),
                    });
                    if gone {
                        StatusCode::GONE
                    } else {
                        StatusCode::CREATED
                    }
                }
            }
        };
        let router = axum::Router::new()
            .route("/push/{id}", axum::routing::post(take(false)))
            .route("/gone/{id}", axum::routing::post(take(true)));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Self { origin, received }
    }

    /// The next message, if one comes within `wait`.
    async fn next(&mut self, wait: Duration) -> Option<Received> {
        tokio::time::timeout(wait, self.received.recv())
            .await
            .ok()
            .flatten()
    }
}

/// A browser's side of a subscription: its key pair and authentication secret.
struct Browser {
    endpoint: String,
    secret: p256::SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new(service: &PushService, path: &str) -> Self {
        let mut auth = [0u8; 16];
        rand::Rng::fill(&mut rand::thread_rng(), &mut auth);
        Self {
            endpoint: format!("{}/{path}", service.origin),
            secret: p256::SecretKey::random(&mut rand::rngs::OsRng),
            auth,
        }
    }

    fn subscription(&self) -> Value {
        let public = self.secret.public_key().to_encoded_point(false);
        json!({
            "endpoint": self.endpoint,
            "expirationTime": null,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            }
        })
    }

    /// The message as the browser reads it: decrypted with its own keys.
    fn read(&self, received: &Received) -> Value {
        let auth = web_push_native::Auth::clone_from_slice(&self.auth);
        let plain = web_push_native::decrypt(received.body.clone(), &self.secret, &auth)
            .expect("the message decrypts with the subscription's keys");
        serde_json::from_slice(&plain).expect("the message is JSON")
    }
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> common::Response {
    let req = axum::http::Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .header("x-jwt-token", token)
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    app.call(req).await
}

async fn subscribe(app: &TestApp, token: &str, browser: &Browser) {
    let res = call(
        app,
        "PUT",
        "/api/push/subscription",
        token,
        browser.subscription(),
    )
    .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
}

async fn schedule(
    app: &TestApp,
    token: &str,
    endpoint: &str,
    in_ms: i64,
    session: &str,
) -> common::Response {
    call(
        app,
        "PUT",
        "/api/push/rest",
        token,
        json!({ "endpoint": endpoint, "inMs": in_ms, "sessionId": session, "next": "Squat · set 2" }),
    )
    .await
}

/// What the push API answers when it did what was asked.
const DONE: StatusCode = StatusCode::NO_CONTENT;

/// Schedules an alert; the answer's status.
async fn rest(app: &TestApp, token: &str, endpoint: &str, in_ms: i64, session: &str) -> StatusCode {
    let res = schedule(app, token, endpoint, in_ms, session).await;
    assert!(
        res.status == DONE || res.json()["message"].is_string(),
        "{}",
        res.text()
    );
    res.status
}

/// `DELETE` of `path` for `endpoint`; the answer's status.
async fn delete(app: &TestApp, token: &str, path: &str, endpoint: &str) -> StatusCode {
    call(app, "DELETE", path, token, json!({ "endpoint": endpoint }))
        .await
        .status
}

/// Checks the VAPID header as a push service does: signed by the key the app publishes,
/// for this service's origin, naming a contact, expiring within a day.
fn check_vapid(received: &Received, public_key: &str, origin: &str) {
    let header = received.headers["authorization"].to_str().unwrap();
    let rest = header
        .strip_prefix("vapid ")
        .expect("a vapid authorization");
    let mut token = None;
    let mut key = None;
    for part in rest.split(',').map(str::trim) {
        if let Some(t) = part.strip_prefix("t=") {
            token = Some(t);
        } else if let Some(k) = part.strip_prefix("k=") {
            key = Some(k);
        }
    }
    let (token, key) = (token.expect("t="), key.expect("k="));
    assert_eq!(key, public_key, "k= is the key browsers subscribed with");
    let point = URL_SAFE_NO_PAD.decode(key).unwrap();
    assert_eq!(
        (point.len(), point[0]),
        (65, 4),
        "an uncompressed P-256 point"
    );
    let decoding = jsonwebtoken::DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(&point[1..33]),
        &URL_SAFE_NO_PAD.encode(&point[33..65]),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[origin]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<Value>(token, &decoding, &validation)
        .expect("the VAPID token verifies with k=")
        .claims;
    let exp = claims["exp"].as_i64().unwrap();
    assert!(
        exp * 1000 <= server::store::now_ms() + 24 * 3_600_000,
        "expires within 24 h"
    );
    assert!(claims["sub"].as_str().unwrap().starts_with("mailto:"));
    // A token signed by another key fails: the check above is not a formality.
    let other = p256::SecretKey::random(&mut rand::rngs::OsRng).public_key();
    let other = other.to_encoded_point(false);
    let wrong = jsonwebtoken::DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(&other.as_bytes()[1..33]),
        &URL_SAFE_NO_PAD.encode(&other.as_bytes()[33..65]),
    )
    .unwrap();
    assert!(jsonwebtoken::decode::<Value>(token, &wrong, &validation).is_err());
}

async fn public_key(app: &TestApp) -> String {
    let res = app.get("/api/push/key", &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()["publicKey"].as_str().unwrap().to_owned()
}

async fn a_rest_alert_arrives_encrypted_and_signed_when_the_rest_ends(db: TestDb) {
    let app = TestApp::new(db, LOCAL).await;
    let mut service = PushService::start().await;
    let (token, _) = app
        .sign_up("rest@example.com", "correct horse battery")
        .await;
    let browser = Browser::new(&service, "push/1");
    subscribe(&app, &token, &browser).await;

    let asked = Instant::now();
    let asked_ms = server::store::now_ms();
    let res = schedule(&app, &token, &browser.endpoint, 400, "l1").await;
    assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    let got = service
        .next(Duration::from_secs(5))
        .await
        .expect("the alert arrives");
    let waited = got.at - asked;
    assert!(
        waited >= Duration::from_millis(400),
        "not before the rest ends: {waited:?}"
    );
    assert_eq!(got.path, "/push/1");
    assert_eq!(got.headers["content-encoding"], "aes128gcm");
    assert_eq!(got.headers["urgency"], "high");
    assert!(got.headers["ttl"].to_str().unwrap().parse::<u64>().unwrap() > 0);
    check_vapid(&got, &public_key(&app).await, &service.origin);
    let message = browser.read(&got);
    assert_eq!(message["title"], "Rest over");
    assert_eq!(message["body"], "Next: Squat · set 2");
    assert_eq!(message["url"], "/workout");
    assert_eq!(message["tag"], "ezlift-rest");
    let ends_at = message["ends_at"].as_i64().unwrap();
    assert!(ends_at >= asked_ms + 400 && ends_at <= got.at_ms);
    println!(
        "rest end to the push service: {} ms ({})",
        got.at_ms - ends_at,
        app.db.backend
    );
    // Sent once.
    assert!(service.next(Duration::from_millis(1500)).await.is_none());
    // The key is the same for every process on the database, and after a restart.
    let again = TestApp::new(app.db.share(), LOCAL).await;
    assert_eq!(public_key(&again).await, public_key(&app).await);
}

async fn changing_or_skipping_the_rest_moves_or_cancels_its_alert(db: TestDb) {
    let app = TestApp::new(db, LOCAL).await;
    let mut service = PushService::start().await;
    let (token, _) = app
        .sign_up("move@example.com", "correct horse battery")
        .await;
    let browser = Browser::new(&service, "push/2");
    subscribe(&app, &token, &browser).await;

    // +15 s in the logger: the same alert, later.
    let asked = Instant::now();
    assert_eq!(rest(&app, &token, &browser.endpoint, 300, "l1").await, DONE);
    assert_eq!(
        rest(&app, &token, &browser.endpoint, 1500, "l1").await,
        DONE
    );
    let got = service
        .next(Duration::from_secs(6))
        .await
        .expect("the moved alert arrives");
    assert!(
        got.at - asked >= Duration::from_millis(1500),
        "at the new end: {:?}",
        got.at - asked
    );
    assert!(
        service.next(Duration::from_millis(800)).await.is_none(),
        "the first was replaced"
    );

    // Skip: nothing comes.
    assert_eq!(rest(&app, &token, &browser.endpoint, 300, "l1").await, DONE);
    assert_eq!(
        delete(&app, &token, "/api/push/rest", &browser.endpoint).await,
        DONE
    );
    assert!(
        service.next(Duration::from_millis(1500)).await.is_none(),
        "a skipped rest sends nothing"
    );

    // Turning alerts off forgets the subscription: scheduling then says so.
    assert_eq!(rest(&app, &token, &browser.endpoint, 300, "l1").await, DONE);
    assert_eq!(
        delete(&app, &token, "/api/push/subscription", &browser.endpoint).await,
        DONE
    );
    assert!(service.next(Duration::from_millis(1200)).await.is_none());
    let res = schedule(&app, &token, &browser.endpoint, 300, "l1").await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(
        res.json()["message"].as_str().unwrap().contains("Settings"),
        "{}",
        res.text()
    );
}

async fn nothing_is_sent_for_a_finished_workout(db: TestDb) {
    let app = TestApp::new(db, LOCAL).await;
    let mut service = PushService::start().await;
    let (token, _) = app
        .sign_up("done@example.com", "correct horse battery")
        .await;
    let browser = Browser::new(&service, "push/3");
    subscribe(&app, &token, &browser).await;
    assert_eq!(rest(&app, &token, &browser.endpoint, 700, "l9").await, DONE);
    // Finished on another tab (or device) during the rest: the session's record arrives.
    let res = app
        .push(&token, 0, json!({ "logs": { "created": [{ "id": "l9", "workout_title": "Legs", "session_date": 1_700_000_000_000_i64, "duration": 3000 }] } }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(
        service.next(Duration::from_millis(1800)).await.is_none(),
        "nothing for a finished workout"
    );
    // Another session's rest still alerts.
    assert_eq!(
        rest(&app, &token, &browser.endpoint, 200, "l10").await,
        DONE
    );
    assert!(service.next(Duration::from_secs(5)).await.is_some());
}

async fn an_alert_belongs_to_its_callers_subscription(db: TestDb) {
    let app = TestApp::new(db, LOCAL).await;
    let mut service = PushService::start().await;
    let (alice, _) = app
        .sign_up("alice@example.com", "correct horse battery")
        .await;
    let (bob, _) = app
        .sign_up("bob@example.com", "correct horse battery")
        .await;
    let browser = Browser::new(&service, "push/4");
    subscribe(&app, &alice, &browser).await;

    // Bob can neither use Alice's subscription nor cancel her alert.
    assert_eq!(
        rest(&app, &bob, &browser.endpoint, 200, "x").await,
        StatusCode::GONE
    );
    assert_eq!(rest(&app, &alice, &browser.endpoint, 600, "l1").await, DONE);
    assert_eq!(
        delete(&app, &bob, "/api/push/rest", &browser.endpoint).await,
        DONE
    );
    assert_eq!(
        delete(&app, &bob, "/api/push/subscription", &browser.endpoint).await,
        DONE
    );
    assert!(
        service.next(Duration::from_secs(5)).await.is_some(),
        "Alice's alert still comes"
    );

    // The browser signs in as Bob: the subscription goes with it, Alice's alert with it.
    assert_eq!(rest(&app, &alice, &browser.endpoint, 600, "l1").await, DONE);
    subscribe(&app, &bob, &browser).await;
    assert!(
        service.next(Duration::from_millis(1500)).await.is_none(),
        "Alice's alert left with her"
    );
    assert_eq!(
        rest(&app, &alice, &browser.endpoint, 200, "l1").await,
        StatusCode::GONE
    );
    assert_eq!(rest(&app, &bob, &browser.endpoint, 200, "b1").await, DONE);
    assert!(service.next(Duration::from_secs(5)).await.is_some());

    // Without a token nothing is done.
    let req = axum::http::Request::put("/api/push/rest")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(
            json!({ "endpoint": browser.endpoint, "inMs": 100, "sessionId": "z" }).to_string(),
        ))
        .unwrap();
    assert_eq!(app.call(req).await.status, StatusCode::UNAUTHORIZED);
}

async fn bad_subscriptions_and_alerts_are_refused_with_the_reason(db: TestDb) {
    let strict = TestApp::new(db, &[]).await;
    let service = PushService::start().await;
    let (token, _) = strict
        .sign_up("bad@example.com", "correct horse battery")
        .await;
    let browser = Browser::new(&service, "push/5");
    let refused = |mut sub: Value, path: &str, value: Value| {
        let mut at = &mut sub;
        for key in path.split('.') {
            at = &mut at[key];
        }
        *at = value;
        sub
    };
    let good = refused(
        browser.subscription(),
        "endpoint",
        json!("https://push.example/x"),
    );
    let cases = [
        // A push service on this machine is refused unless the operator allows it.
        (browser.subscription(), "https"),
        (
            refused(good.clone(), "endpoint", json!("https://127.0.0.1:8443/x")),
            "internet",
        ),
        (
            refused(good.clone(), "endpoint", json!("https://push.example/x")),
            "",
        ),
        (
            refused(good.clone(), "endpoint", json!("http://push.example/x")),
            "https",
        ),
        (refused(good.clone(), "keys.p256dh", json!("BAAA")), "P-256"),
        (
            refused(good.clone(), "keys.p256dh", json!("!!")),
            "base64url",
        ),
        (
            refused(good.clone(), "keys.auth", json!("AAAA")),
            "16 bytes",
        ),
        (json!({ "endpoint": "https://push.example/x" }), "keys"),
    ];
    for (sub, says) in cases {
        let res = call(
            &strict,
            "PUT",
            "/api/push/subscription",
            &token,
            sub.clone(),
        )
        .await;
        if says.is_empty() {
            assert_eq!(res.status, StatusCode::NO_CONTENT, "{sub}: {}", res.text());
        } else {
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{sub}: {}", res.text());
            assert!(res.text().contains(says), "{sub}: {}", res.text());
        }
    }
    for (in_ms, session) in [(0, "l1"), (3_600_001, "l1"), (1000, " ")] {
        let res = schedule(&strict, &token, "https://push.example/x", in_ms, session).await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{in_ms} {session:?}: {}",
            res.text()
        );
        assert!(res
            .text()
            .contains(if session == " " { "sessionId" } else { "inMs" }));
    }
    let res = call(
        &strict,
        "PUT",
        "/api/push/rest",
        &token,
        json!({ "endpoint": "https://push.example/x" }),
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
}

async fn a_subscription_its_push_service_has_dropped_is_forgotten(db: TestDb) {
    let app = TestApp::new(db, LOCAL).await;
    let mut service = PushService::start().await;
    let (token, _) = app
        .sign_up("gone@example.com", "correct horse battery")
        .await;
    let browser = Browser::new(&service, "gone/1");
    subscribe(&app, &token, &browser).await;
    assert_eq!(rest(&app, &token, &browser.endpoint, 100, "l1").await, DONE);
    assert!(service.next(Duration::from_secs(5)).await.is_some());
    // The service said 410: the next schedule asks the browser to subscribe again.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let res = schedule(&app, &token, &browser.endpoint, 100_000, "l1").await;
        if res.status == StatusCode::GONE {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dropped subscription is still kept"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Two processes on one database: each alert is sent once, whichever process scheduled it.
async fn a_fleet_sends_each_alert_once(db: TestDb) {
    let first = TestApp::new(db, LOCAL).await;
    let second = TestApp::new(first.db.share(), LOCAL).await;
    let mut service = PushService::start().await;
    let (token, _) = first
        .sign_up("fleet@example.com", "correct horse battery")
        .await;
    let n = 12;
    for i in 0..n {
        let browser = Browser::new(&service, &format!("push/f{i}"));
        let app = if i % 2 == 0 { &first } else { &second };
        subscribe(app, &token, &browser).await;
        let res = schedule(
            app,
            &token,
            &browser.endpoint,
            300 + (i as i64 % 3) * 100,
            "l1",
        )
        .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.text());
    }
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    while let Some(got) = service.next(Duration::from_secs(3)).await {
        *seen.entry(got.path).or_default() += 1;
    }
    assert_eq!(seen.len(), n, "{seen:?}");
    assert!(seen.values().all(|&c| c == 1), "each sent once: {seen:?}");
}

on_both_backends!(
    a_rest_alert_arrives_encrypted_and_signed_when_the_rest_ends,
    changing_or_skipping_the_rest_moves_or_cancels_its_alert,
    nothing_is_sent_for_a_finished_workout,
    an_alert_belongs_to_its_callers_subscription,
    bad_subscriptions_and_alerts_are_refused_with_the_reason,
    a_subscription_its_push_service_has_dropped_is_forgotten,
    a_fleet_sends_each_alert_once,
);
