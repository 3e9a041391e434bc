//! Firebase mode: RS256 ID tokens checked against a JWKS file with a key the test makes.

mod common;

use axum::http::StatusCode;
use base64::Engine;
use common::{TestApp, TestDb};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};

const PROJECT: &str = "ezlift-test";

struct Keys {
    signing: EncodingKey,
    jwks: Value,
}

fn rsa_key(kid: &str) -> Keys {
    let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("RSA key");
    let pem = key.to_pkcs1_pem(rsa::pkcs1::LineEnding::LF).unwrap();
    let b64 = |bytes: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    Keys {
        signing: EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
        jwks: json!({ "keys": [{
            "kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid,
            "n": b64(key.n().to_bytes_be()), "e": b64(key.e().to_bytes_be()),
        }]}),
    }
}

fn claims(overrides: Value) -> Value {
    let now = chrono::Utc::now().timestamp();
    let mut c = json!({
        "iss": format!("https://securetoken.google.com/{PROJECT}"),
        "aud": PROJECT,
        "sub": "firebaseUid123",
        "email": "mobile@example.com",
        "iat": now,
        "exp": now + 3600,
        "auth_time": now,
    });
    for (k, v) in overrides.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

fn sign(keys: &Keys, kid: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(kid.into());
    encode(&header, claims, &keys.signing).unwrap()
}

async fn firebase_tokens_are_verified_against_the_jwks(db: TestDb) {
    let keys = rsa_key("key-1");
    let dir = tempfile::tempdir().unwrap();
    let jwks_path = dir.path().join("jwks.json");
    std::fs::write(&jwks_path, keys.jwks.to_string()).unwrap();
    let jwks = jwks_path.to_str().unwrap();
    let app = TestApp::new(
        db,
        &[
            ("EZLIFT_AUTH", "firebase"),
            ("EZLIFT_FIREBASE_PROJECT", PROJECT),
            ("EZLIFT_FIREBASE_JWKS", jwks),
        ],
    )
    .await;

    // A valid token: accepted, and the first request creates the user.
    let good = sign(&keys, "key-1", &claims(json!({})));
    let res = app.get("/api/auth/me", &[("x-jwt-token", &good)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({ "id": "firebaseUid123", "email": "mobile@example.com" })
    );
    assert!(app
        .store()
        .user_settings("firebaseUid123")
        .await
        .unwrap()
        .is_some());

    let now = chrono::Utc::now().timestamp();
    let other = rsa_key("key-1");
    let hs256 = {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("key-1".into());
        encode(
            &header,
            &claims(json!({})),
            &EncodingKey::from_secret(b"guess"),
        )
        .unwrap()
    };
    let b64 = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let alg_none = format!(
        "{}.{}.",
        b64(json!({ "alg": "none", "kid": "key-1" })),
        b64(claims(json!({})))
    );
    let cases = [
        (
            sign(
                &keys,
                "key-1",
                &claims(json!({ "exp": now - 600, "iat": now - 4000 })),
            ),
            "expired",
        ),
        (
            sign(
                &keys,
                "key-1",
                &claims(json!({ "iss": "https://securetoken.google.com/other" })),
            ),
            "issuer",
        ),
        (
            sign(&keys, "key-1", &claims(json!({ "aud": "other-project" }))),
            "audience",
        ),
        (sign(&other, "key-1", &claims(json!({}))), "signature"),
        (sign(&keys, "key-9", &claims(json!({}))), "unknown key"),
        (hs256, "algorithm"),
        (alg_none, "algorithm"),
        (sign(&keys, "key-1", &claims(json!({ "sub": "" }))), "sub"),
    ];
    for (token, needle) in cases {
        let res = app.get("/api/auth/me", &[("x-jwt-token", &token)]).await;
        assert_eq!(
            res.status,
            StatusCode::UNAUTHORIZED,
            "{needle}: {}",
            res.text()
        );
        let message = res.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains(needle), "{needle}: {message}");
    }

    // Local accounts are off in Firebase mode, and say so.
    let res = app
        .post_json(
            "/api/auth/signup",
            json!({ "email": "x@example.com", "password": "long enough" }),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.text().contains("Firebase"));
}

on_both_backends!(firebase_tokens_are_verified_against_the_jwks,);
