//! What a public deployment needs beyond correct sync: sessions that end, limits on
//! sign-in, a bound on password hashing, security headers, a cap on a push's records and
//! a time limit per request.

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use common::{Response, TestApp, TestDb};
use serde_json::json;
use std::net::SocketAddr;

on_both_backends!(
    sign_out_and_a_password_change_end_sessions,
    sign_in_and_sign_up_are_rate_limited,
    password_hashing_is_bounded,
    signing_up_again_never_says_the_account_exists,
    every_answer_carries_security_headers,
    a_push_has_a_record_cap,
    a_request_that_takes_too_long_is_stopped,
);

const PW: &str = "correct horse battery";

async fn login(app: &TestApp, email: &str, password: &str) -> Response {
    app.post_json(
        "/api/auth/login",
        json!({ "email": email, "password": password }),
        &[],
    )
    .await
}

fn token_of(res: &Response) -> String {
    assert!(res.status.is_success(), "{}", res.text());
    res.json()["token"].as_str().unwrap().to_owned()
}

async fn me(app: &TestApp, token: &str) -> StatusCode {
    app.get("/api/auth/me", &[("x-jwt-token", token)])
        .await
        .status
}

async fn me_by_cookie(app: &TestApp, token: &str) -> StatusCode {
    app.get(
        "/api/auth/me",
        &[("cookie", &format!("ezlift_session={token}"))],
    )
    .await
    .status
}

async fn sign_out_and_a_password_change_end_sessions(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (phone, _) = app.sign_up("ann@example.com", PW).await;
    let laptop = token_of(&login(&app, "ann@example.com", PW).await);
    let tablet = token_of(&login(&app, "ann@example.com", PW).await);
    assert_eq!(me(&app, &phone).await, StatusCode::OK);

    // Signing out ends that session only: its token is refused everywhere from now on,
    // even though it has not expired (a copied token is worth nothing after sign-out).
    let out = app
        .post_json("/api/auth/logout", json!({}), &[("x-jwt-token", &phone)])
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let replay = app.get("/api/auth/me", &[("x-jwt-token", &phone)]).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(
        replay.text().contains("session has ended"),
        "{}",
        replay.text()
    );
    let res = app
        .get(
            "/api/sync/pull-changes?lastPulledAt=null",
            &[("x-jwt-token", &phone)],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &laptop).await, StatusCode::OK);

    // The page form signs out only from this site; a cross-site post changes nothing.
    let cookie = format!("ezlift_session={laptop}");
    let forged = app
        .call(
            Request::post("/auth/logout")
                .header("cookie", &cookie)
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(me_by_cookie(&app, &laptop).await, StatusCode::OK);
    let forged_api = app
        .call(
            Request::post("/api/auth/logout")
                .header("cookie", &cookie)
                .header("sec-fetch-site", "cross-site")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(forged_api.status, StatusCode::FORBIDDEN);
    let real = app
        .call(
            Request::post("/auth/logout")
                .header("cookie", &cookie)
                .header("sec-fetch-site", "same-origin")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(real.status, StatusCode::SEE_OTHER);
    assert!(real
        .set_cookie("ezlift_session")
        .unwrap()
        .contains("Max-Age=0"));
    assert_eq!(me_by_cookie(&app, &laptop).await, StatusCode::UNAUTHORIZED);
    // A page with the ended session's cookie is a signed-out visit.
    let page = app.get("/history", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.text());

    // A password change needs the current password; a wrong one changes nothing.
    let change =
        |current: &str, new: &str| json!({ "current_password": current, "new_password": new });
    let wrong = app
        .post_json(
            "/api/auth/password",
            change("not it at all", "a new password"),
            &[("x-jwt-token", &tablet)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong.text().contains("current_password"),
        "{}",
        wrong.text()
    );
    assert_eq!(me(&app, &tablet).await, StatusCode::OK);
    let short = app
        .post_json(
            "/api/auth/password",
            change(PW, "short"),
            &[("x-jwt-token", &tablet)],
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.text().contains("new_password"), "{}", short.text());
    assert_eq!(
        login(&app, "ann@example.com", PW).await.status,
        StatusCode::OK
    );

    let other = token_of(&login(&app, "ann@example.com", PW).await);
    let changed = app
        .post_json(
            "/api/auth/password",
            change(PW, "a new password"),
            &[("x-jwt-token", &tablet)],
        )
        .await;
    let fresh = token_of(&changed);
    // Every earlier session has ended, the one that asked included; the new one works.
    assert_eq!(me(&app, &tablet).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &other).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&app, &fresh).await, StatusCode::OK);
    assert_eq!(
        login(&app, "ann@example.com", PW).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, "ann@example.com", "a new password")
            .await
            .status,
        StatusCode::OK
    );

    // The page form: same-site only, and it hands the browser its new session's cookie.
    let cookie = format!("ezlift_session={fresh}");
    let form = |cookie: &str, site: &'static str, body: &'static str| {
        Request::post("/auth/password")
            .header("cookie", cookie)
            .header("sec-fetch-site", site)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap()
    };
    let body = "current_password=a+new+password&new_password=the+third+one";
    let forged = app.call(form(&cookie, "cross-site", body)).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(me(&app, &fresh).await, StatusCode::OK);
    let done = app.call(form(&cookie, "same-origin", body)).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(
        done.header("location"),
        Some("/settings?password=changed#account")
    );
    let new_token = done
        .set_cookie("ezlift_session")
        .unwrap()
        .trim_start_matches("ezlift_session=")
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let new_cookie = format!("ezlift_session={new_token}");
    assert_eq!(me(&app, &fresh).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me_by_cookie(&app, &new_token).await, StatusCode::OK);
    let bad = app
        .call(form(
            &new_cookie,
            "same-origin",
            "current_password=wrong+one&new_password=whatever+else",
        ))
        .await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    assert!(bad
        .header("location")
        .unwrap()
        .starts_with("/settings?password_error="));
}

/// A sign-in request from a given client address (what the server sees as the peer).
fn from(address: [u8; 4], path: &str, email: &str, password: &str) -> Request<Body> {
    let mut req = Request::post(path)
        .header("content-type", "application/json")
        // Without EZLIFT_TRUST_PROXY a client cannot choose its address by this header.
        .header("x-forwarded-for", "203.0.113.99")
        .body(Body::from(
            json!({ "email": email, "password": password }).to_string(),
        ))
        .unwrap();
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from((address, 40000))));
    req
}

async fn sign_in_and_sign_up_are_rate_limited(db: TestDb) {
    let app = TestApp::new(
        db,
        &[
            ("EZLIFT_SIGNIN_PER_ADDRESS", "4"),
            ("EZLIFT_SIGNIN_PER_ACCOUNT", "3"),
        ],
    )
    .await;
    let (_, ann) = {
        let res = app
            .call(from(
                [10, 0, 0, 1],
                "/api/auth/signup",
                "ann@example.com",
                PW,
            ))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
        (
            res.json()["token"].clone(),
            res.json()["user"]["id"].clone(),
        )
    };
    assert!(ann.is_string());

    // One account from many addresses: the account's limit (3 per hour) stops guessing.
    for (i, address) in [[10, 0, 1, 1], [10, 0, 1, 2]].into_iter().enumerate() {
        let res = app
            .call(from(
                address,
                "/api/auth/login",
                "ann@example.com",
                &format!("guess {i}"),
            ))
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text());
    }
    let limited = app
        .call(from(
            [10, 0, 1, 3],
            "/api/auth/login",
            "ann@example.com",
            PW,
        ))
        .await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.text()
    );
    let wait: u64 = limited.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=1200).contains(&wait), "{wait}");
    assert_eq!(limited.json()["error"], "too_many_requests");
    assert!(
        limited.text().contains("for this account"),
        "{}",
        limited.text()
    );

    // One address trying many accounts: the address's limit (4 per minute) stops it,
    // whatever X-Forwarded-For it claims; other addresses go on.
    let mut statuses = Vec::new();
    for n in 0..5 {
        let res = app
            .call(from(
                [10, 0, 2, 1],
                "/api/auth/signup",
                &format!("probe{n}@example.com"),
                PW,
            ))
            .await;
        statuses.push(res.status);
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(res.text().contains("from this address"), "{}", res.text());
            assert!(res.header("retry-after").is_some());
        }
    }
    assert_eq!(
        statuses,
        [
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::CREATED,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let elsewhere = app
        .call(from(
            [10, 0, 3, 1],
            "/api/auth/login",
            "probe0@example.com",
            PW,
        ))
        .await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.text());
    // The limited sign-up created nothing.
    assert!(app
        .store()
        .local_account("probe4@example.com")
        .await
        .unwrap()
        .is_none());

    // The page form gets the same limit, as a message on the form (the fourth attempt
    // for one account within the hour).
    let mut last = None;
    for _ in 0..4 {
        let mut req = Request::post("/auth/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("sec-fetch-site", "same-origin")
            .body(Body::from(
                "email=bob%40example.com&password=whatever+it+is",
            ))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 4, 1], 1))));
        last = Some(app.call(req).await);
    }
    let last = last.unwrap();
    let location = last.header("location").unwrap_or_default().to_owned();
    assert!(
        location.starts_with("/login?error=too%20many"),
        "{location}"
    );
}

async fn password_hashing_is_bounded(db: TestDb) {
    let app = TestApp::new(db, &[("EZLIFT_PASSWORD_HASHES", "2")]).await;
    app.sign_up("ann@example.com", PW).await;
    // A flood of sign-ins: each is an argon2 check of ~19 MiB; at most two run at once.
    let mut tasks = Vec::new();
    for n in 0..12 {
        let router = app.router.clone();
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = Request::post("/api/auth/login")
                .header("content-type", "application/json")
                .body(Body::from(
                    json!({ "email": "ann@example.com", "password": format!("wrong {n} guess") })
                        .to_string(),
                ))
                .unwrap();
            let res = router.oneshot(req).await.unwrap();
            let status = res.status();
            let body = axum::body::to_bytes(res.into_body(), 1 << 16)
                .await
                .unwrap_or_default();
            (status, String::from_utf8_lossy(&body).into_owned())
        }));
    }
    for task in tasks {
        let (status, body) = task.await.unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    }
    // The rule is "at most two, the rest wait", not how the scheduler interleaved them.
    let signin = &app.state.signin;
    assert!(signin.peak_hashes() <= 2, "{}", signin.peak_hashes());
    assert!(
        signin.waited_hashes() > 0,
        "twelve at once on two slots: some waited"
    );
    assert_eq!(signin.running_hashes(), 0);

    // A sign-in whose client goes away mid-hash gives its slot back.
    let router = app.router.clone();
    let abandoned = tokio::spawn(async move {
        use tower::ServiceExt;
        let req = Request::post("/api/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({ "email": "ann@example.com", "password": "given up on" }).to_string(),
            ))
            .unwrap();
        router.oneshot(req).await.unwrap().status()
    });
    let started = std::time::Instant::now();
    while signin.running_hashes() == 0 && started.elapsed() < std::time::Duration::from_secs(5) {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        signin.running_hashes(),
        1,
        "the sign-in is hashing when its client goes"
    );
    abandoned.abort();
    let _ = abandoned.await;
    assert_eq!(
        signin.running_hashes(),
        0,
        "the abandoned hash still counts as running"
    );
}

async fn signing_up_again_never_says_the_account_exists(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (_, ann) = app.sign_up("ann@example.com", PW).await;
    let signup = |password: &'static str| {
        app.post_json(
            "/api/auth/signup",
            json!({ "email": "Ann@Example.com", "password": password }),
            &[],
        )
    };
    // Same e-mail and password: a sign-in, to the same account.
    let again = signup(PW).await;
    assert_eq!(again.json()["user"]["id"], ann.as_str());
    // Another password: exactly what a failed sign-in says.
    let other = signup("someone else's password").await;
    let failed = login(&app, "nobody@example.com", "whatever it is").await;
    assert_eq!(other.status, failed.status);
    assert_eq!(other.json(), failed.json());
    assert!(!other.text().contains("exist"), "{}", other.text());
    assert_eq!(
        login(&app, "ann@example.com", PW).await.status,
        StatusCode::OK,
        "the account is untouched"
    );
}

async fn every_answer_carries_security_headers(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, _) = app.sign_up("ann@example.com", PW).await;
    let check_common = |res: &Response| {
        assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(res.header("x-frame-options"), Some("DENY"));
        assert_eq!(res.header("referrer-policy"), Some("same-origin"));
    };
    for res in [
        app.get("/api/exercises", &[]).await,
        app.get("/api/auth/me", &[("x-jwt-token", &token)]).await,
        app.get("/api/auth/me", &[]).await,
        app.get("/api/export?format=json", &[("x-jwt-token", &token)])
            .await,
    ] {
        check_common(&res);
        assert_eq!(
            res.header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
        );
    }
    // A page allows this site's scripts, the wasm, and its own inline scripts by nonce.
    let cookie = format!("ezlift_session={token}");
    let mut nonces = Vec::new();
    for (path, signed_in) in [("/login", false), ("/", true), ("/history", true)] {
        let headers = [("cookie", cookie.as_str())];
        let res = app.get(path, if signed_in { &headers } else { &[] }).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        check_common(&res);
        let csp = res.header("content-security-policy").unwrap().to_owned();
        for part in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap()
            .to_owned();
        // Every inline script of the page carries it.
        let html = res.text();
        let scripts = html.matches("<script").count();
        let signed = html.matches(&format!("nonce=\"{nonce}\"")).count();
        assert!(scripts >= 2, "{path}: {scripts} scripts");
        assert_eq!(signed, scripts, "{path}: every <script> has the nonce");
        nonces.push(nonce);
    }
    assert_ne!(nonces[1], nonces[2], "a nonce is used once");
}

async fn a_push_has_a_record_cap(db: TestDb) {
    let app = TestApp::new(db, &[("EZLIFT_MAX_PUSH_RECORDS", "10")]).await;
    let (token, user) = app.sign_up("ann@example.com", PW).await;
    let before = app.store().change_log(&user).await.unwrap().len();
    let routines: Vec<_> = (0..8)
        .map(|i| json!({ "id": format!("r{i}"), "title": "R", "created_at": 1, "updated_at": 1 }))
        .collect();
    let too_many = app
        .push(
            &token,
            0,
            json!({
                "routines": { "created": routines, "updated": [], "deleted": ["x1", "x2", "x3"] }
            }),
        )
        .await;
    assert_eq!(too_many.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        too_many.text().contains("11 records") && too_many.text().contains("at most 10"),
        "{}",
        too_many.text()
    );
    assert_eq!(app.store().change_log(&user).await.unwrap().len(), before);
    let fits = app
        .push(
            &token,
            0,
            json!({ "routines": { "created": routines, "updated": [], "deleted": ["x1", "x2"] } }),
        )
        .await;
    assert_eq!(fits.status, StatusCode::OK, "{}", fits.text());
}

async fn a_request_that_takes_too_long_is_stopped(db: TestDb) {
    let app = TestApp::new(db, &[("EZLIFT_REQUEST_TIMEOUT_SECS", "1")]).await;
    let (token, user) = app.sign_up("ann@example.com", PW).await;
    let before = app.store().change_log(&user).await.unwrap().len();
    // A client that sends half a push and then nothing.
    let half = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from_static(
        br#"{"lastPulledAt": 0, "changes": {"routines": {"created": ["#,
    ))])
    .chain(futures_util::stream::pending());
    let started = std::time::Instant::now();
    let res = app
        .call(
            Request::post("/api/sync/push-changes")
                .header("content-type", "application/json")
                .header("x-jwt-token", &token)
                .body(Body::from_stream(half))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::REQUEST_TIMEOUT, "{}", res.text());
    assert!(
        res.text().contains("took longer than 1 s"),
        "{}",
        res.text()
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(app.store().change_log(&user).await.unwrap().len(), before);
    // The server goes on answering.
    assert_eq!(me(&app, &token).await, StatusCode::OK);
}

use futures_util::StreamExt as _;
