//! The HTTP surface through the real router (no network): health, the exercise library,
//! accounts and tokens, the cookie session and its cross-site rules, server-rendered pages.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::Router;
use base64::Engine;
use common::{TestApp, TestDb};
use serde_json::json;
use server::auth::Identity;
use server::http::extract::AuthUser;
use tower::ServiceExt;

const PASSWORD: &str = "squat-bench-dead";

on_both_backends!(
    local_tokens_are_verified,
    exercise_library_is_served_with_an_etag,
    bad_requests_get_clear_errors,
    healthz_checks_the_database,
    accounts_and_pages,
    history_pages_render_the_users_figures,
    pages_render_while_another_app_is_built,
    metrics_show_the_figures_cache_when_asked_for,
    pages_after_a_push_read_only_what_changed,
);

/// `/metrics` only when the operator turns it on; it shows the figures cache filling.
async fn metrics_show_the_figures_cache_when_asked_for(db: TestDb) {
    let off = TestApp::new(db.share(), &[]).await;
    assert_eq!(off.get("/metrics", &[]).await.status, StatusCode::NOT_FOUND);
    let app = TestApp::new(db, &[("EZLIFT_METRICS", "true")]).await;
    let gauge = |text: &str, name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} missing in {text}"))
    };
    let before = app.get("/metrics", &[]).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(gauge(&before.text(), "ezlift_figures_cache_entries"), 0);
    let (token, _) = app.sign_up("metrics@example.com", PASSWORD).await;
    let page = app
        .get("/", &[("cookie", &format!("ezlift_session={token}"))])
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let after = app.get("/metrics", &[]).await.text();
    assert!(
        gauge(&after, "ezlift_figures_cache_entries") >= 1,
        "{after}"
    );
    assert!(gauge(&after, "ezlift_figures_cache_bytes") > 0, "{after}");
}

/// The records figures are computed from stay in memory between pages: after a push (or
/// a delete, or an edit), the next page reads only the changes since, and shows exactly
/// what reading everything would.
async fn pages_after_a_push_read_only_what_changed(db: TestDb) {
    let app = TestApp::new(db, &[("EZLIFT_METRICS", "true")]).await;
    let (token, _) = app.sign_up("held@example.com", PASSWORD).await;
    let cookie = format!("ezlift_session={token}; tz=UTC");
    let reads = || async {
        let text = app.get("/metrics", &[]).await.text();
        let count = |kind: &str| -> u64 {
            text.lines()
                .find_map(|l| {
                    l.strip_prefix(&format!(
                        "ezlift_records_cache_reads_total{{kind=\"{kind}\"}} "
                    ))
                })
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {kind} reads in {text}"))
        };
        (count("whole"), count("changes"))
    };
    let day = 1_793_575_800_000_i64;
    let session = |id: &str, n: i64, weight: f64| {
        json!({
            "logs": { "created": [{ "id": id, "workout_title": format!("Session {id}"), "session_date": day + n * 86_400_000, "duration": 3000 }] },
            "log_exercise": { "created": [{ "id": format!("{id}-e"), "log_id": id, "exercise_id": "barbell-back-squat", "order": 1 }] },
            "log_exercise_sets": { "created": [
                { "id": format!("{id}-s1"), "log_exercise_id": format!("{id}-e"), "order": 1, "weight": weight, "reps": 5, "completed": true, "set_type": "normal" },
            ] },
        })
    };
    for (n, id) in ["one", "two"].iter().enumerate() {
        let res = app.push(&token, 0, session(id, n as i64, 100.0)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    }
    let page = |path: &'static str| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            let res = app.get(path, &[("cookie", &cookie)]).await;
            assert_eq!(res.status, StatusCode::OK);
            res.text()
        }
    };
    let html = page("/history?month=2026-11").await;
    assert!(html.contains("2 sessions<"), "{html}");
    assert_eq!(
        reads().await,
        (1, 0),
        "the first page reads the records whole"
    );
    // Another page of the same state reads nothing more.
    page("/exercises/barbell-back-squat").await;
    assert_eq!(reads().await, (1, 0));

    // A new session, an edited set and a deleted session (with everything under it).
    let cursor = app.pull(&token, None).await["timestamp"].as_i64().unwrap();
    let mut changes = session("three", 2, 140.0);
    changes["log_exercise_sets"]["updated"] = json!([{ "id": "one-s1", "log_exercise_id": "one-e", "order": 1, "weight": 130, "reps": 5, "completed": true, "set_type": "normal" }]);
    changes["logs"]["deleted"] = json!(["two"]);
    let res = app.push(&token, cursor, changes).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    let html = page("/history?month=2026-11").await;
    assert!(html.contains("2 sessions<"), "{html}");
    assert!(
        html.contains("Session three") && !html.contains("Session two"),
        "{html}"
    );
    let exercise = page("/exercises/barbell-back-squat").await;
    // The best set is the new 140 kg; the edited 130 kg set counts, the deleted one not.
    assert!(
        exercise.contains("140 kg") && exercise.contains("130 kg"),
        "{exercise}"
    );
    let (whole, since) = reads().await;
    assert_eq!(whole, 1, "after a push only the changes are read");
    assert!(since >= 1, "the changes since were read");
    assert_eq!(
        app.get("/history/two", &[("cookie", &cookie)]).await.status,
        StatusCode::NOT_FOUND,
        "the deleted session is gone from the held records"
    );
}

/// Apps built in one process (as tests do, each on a runtime of its own) never stall
/// each other's pages: building one once held back resource loading process-wide while
/// it listed the routes, and a page rendered at that moment waited for ever.
async fn pages_render_while_another_app_is_built(db: TestDb) {
    let other = db.share();
    let app = TestApp::new(db, &[]).await;
    let (token, _) = app.sign_up("renders@example.com", PASSWORD).await;
    let cookie = format!("ezlift_session={token}");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let builder = {
        let done = done.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap();
            let mut built = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) || built == 0 {
                runtime.block_on(TestApp::new(other.share(), &[]));
                built += 1;
            }
            built
        })
    };
    for path in ["/", "/history", "/programs", "/settings"].repeat(5) {
        let res = tokio::time::timeout(
            std::time::Duration::from_secs(20),
            app.get(path, &[("cookie", &cookie)]),
        )
        .await
        .unwrap_or_else(|_| panic!("{path} never finished while another app was built"));
        assert_eq!(res.status, StatusCode::OK, "{path}");
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(builder.join().unwrap() > 0);
}

/// A logged session on the server-rendered history, session and exercise pages: the
/// figures, the day in the browser's zone, a re-render after a push, another user's 404.
async fn history_pages_render_the_users_figures(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, _) = app.sign_up("history@example.com", PASSWORD).await;
    let cookie = format!("ezlift_session={token}");
    // Sunday 2026-11-01 at 23:30 UTC: Monday the 2nd in Tokyo.
    let date = 1_793_575_800_000_i64;
    let session = |id: &str, date: i64, weight: f64| {
        json!({
            "logs": { "created": [{ "id": id, "workout_title": "Legs", "session_date": date, "duration": 3000 }] },
            "log_exercise": { "created": [{ "id": format!("{id}-e"), "log_id": id, "exercise_id": "barbell-back-squat", "order": 1 }] },
            "log_exercise_sets": { "created": [
                { "id": format!("{id}-s1"), "log_exercise_id": format!("{id}-e"), "order": 1, "weight": weight, "reps": 5, "completed": true, "set_type": "normal" },
                { "id": format!("{id}-s2"), "log_exercise_id": format!("{id}-e"), "order": 2, "weight": 60, "reps": 5, "completed": true, "set_type": "warmup" },
            ] },
        })
    };
    let res = app.push(&token, 0, session("first", date, 100.0)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    let page = |path: &'static str, tz: &'static str| {
        let cookie = format!("{cookie}; tz={tz}");
        let app = &app;
        async move {
            let res = app.get(path, &[("cookie", &cookie)]).await;
            (res.status, res.text())
        }
    };
    let (status, html) = page("/history?month=2026-11", "UTC").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("1 session<"), "{html}");
    // 100 × 5; the warm-up is not volume.
    assert!(html.contains("500 kg"));
    assert!(html.contains("Sun 1 Nov 2026"));
    let (_, tokyo) = page("/history?month=2026-11", "Asia/Tokyo").await;
    assert!(
        tokyo.contains("Mon 2 Nov 2026"),
        "the day where the browser is"
    );
    let (_, unknown) = page("/history?month=2026-11", "Not/AZone").await;
    assert!(unknown.contains("Sun 1 Nov 2026"), "an unknown zone is UTC");

    let (status, html) = page("/history/first", "UTC").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Legs") && html.contains("Heaviest weight: 100 kg"));
    let (status, html) = page("/exercises/barbell-back-squat", "UTC").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Back Squat (Barbell)") && html.contains("116.67 kg"));
    assert_eq!(page("/history/nope", "UTC").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        page("/exercises/nope", "UTC").await.0,
        StatusCode::NOT_FOUND
    );

    // A push changes what the same page shows (the figures are not served stale).
    let res = app
        .push(&token, 0, session("second", date + 86_400_000, 120.0))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let (_, html) = page("/history?month=2026-11", "UTC").await;
    assert!(html.contains("2 sessions<"), "{html}");
    let (_, html) = page("/exercises/barbell-back-squat", "UTC").await;
    assert!(html.contains("120 kg"));

    // Another user sees none of it, not even by id.
    let (other, _) = app.sign_up("other@example.com", PASSWORD).await;
    let theirs = format!("ezlift_session={other}");
    let res = app.get("/history/first", &[("cookie", &theirs)]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = app.get("/history", &[("cookie", &theirs)]).await;
    assert!(res.text().contains("No sessions yet"));
    let res = app
        .get("/exercises/barbell-back-squat", &[("cookie", &theirs)])
        .await;
    assert!(res.text().contains("Not logged yet"));
}

async fn healthz_checks_the_database(db: TestDb) {
    let backend = db.backend;
    let app = TestApp::new(db, &[]).await;
    let res = app.get("/healthz", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json(), json!({ "status": "ok", "database": backend }));

    app.store().close().await;
    let res = app.get("/healthz", &[]).await;
    assert_eq!(res.status, StatusCode::SERVICE_UNAVAILABLE);
}

/// The whole account flow on one backend: sign-up, sign-in, refusals, the cookie, pages.
async fn accounts_and_pages(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, user_id) = app.sign_up("Lifter@Example.com", PASSWORD).await;

    // The profile and default settings exist from the first request on.
    let settings = app.store().user_settings(&user_id).await.unwrap().unwrap();
    assert_eq!(settings["weight_unit"], "kg");

    let me = app.get("/api/auth/me", &[("x-jwt-token", &token)]).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(
        me.json(),
        json!({ "id": user_id, "email": "lifter@example.com" })
    );

    // Signing in again: same user, e-mail matched case-insensitively.
    let login = app
        .post_json(
            "/api/auth/login",
            json!({ "email": "LIFTER@example.com", "password": PASSWORD }),
            &[],
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text());
    assert_eq!(login.json()["user"]["id"], user_id.as_str());

    // Refusals, each with a message that says why.
    let cases = [
        (
            json!({ "email": "lifter@example.com", "password": "wrong-password" }),
            StatusCode::UNAUTHORIZED,
            "wrong e-mail or password",
        ),
        (
            json!({ "email": "nobody@example.com", "password": PASSWORD }),
            StatusCode::UNAUTHORIZED,
            "wrong e-mail or password",
        ),
        (
            json!({ "email": "not-an-email", "password": PASSWORD }),
            StatusCode::BAD_REQUEST,
            "email",
        ),
        (
            json!({ "email": "lifter@example.com" }),
            StatusCode::BAD_REQUEST,
            "password",
        ),
    ];
    for (body, status, needle) in cases {
        let res = app.post_json("/api/auth/login", body.clone(), &[]).await;
        assert_eq!(res.status, status, "{body}: {}", res.text());
        assert!(
            res.json()["message"].as_str().unwrap().contains(needle),
            "{body}: {}",
            res.text()
        );
    }
    let dup = app
        .post_json(
            "/api/auth/signup",
            json!({ "email": "lifter@example.com", "password": PASSWORD }),
            &[],
        )
        .await;
    // Signing up again with the same e-mail and password signs in (it never says the
    // account exists; see the hardening tests).
    assert_eq!(dup.status, StatusCode::CREATED, "{}", dup.text());
    let short = app
        .post_json(
            "/api/auth/signup",
            json!({ "email": "new@example.com", "password": "short" }),
            &[],
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(short.json()["message"]
        .as_str()
        .unwrap()
        .contains("at least 8"));

    // Browser sign-in: a form post from our own page sets an HttpOnly, SameSite=Lax cookie.
    let form = format!("email=lifter%40example.com&password={PASSWORD}&next=%2Fhistory");
    let res = app
        .call(
            Request::post("/auth/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", "http://localhost")
                .header("host", "localhost")
                .body(Body::from(form.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), Some("/history"));
    let set_cookie = res.set_cookie("ezlift_session").expect("session cookie");
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    // The same form posted from another site is refused (login CSRF).
    let res = app
        .call(
            Request::post("/auth/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("origin", "https://evil.example")
                .header("host", "localhost")
                .body(Body::from(form))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);

    // A wrong password through the form goes back to the page with the message.
    let res = app
        .call(
            Request::post("/auth/login")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .body(Body::from(
                    "email=lifter%40example.com&password=nope-nope-nope",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let location = res.header("location").unwrap();
    assert!(
        location.starts_with("/login?error=wrong%20e-mail%20or%20password"),
        "{location}"
    );
    assert!(res.set_cookie("ezlift_session").is_none());

    // Pages: rendered on the server for the signed-in user, redirected otherwise.
    let page = app.get("/", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("lifter@example.com"), "SSR shows the user");
    assert!(html.contains("Dashboard") && html.contains("/pkg/ezlift.js"));
    let res = app.get("/", &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.header("location"), Some("/login"));
    let res = app.get("/programs", &[]).await;
    assert_eq!(res.header("location"), Some("/login?next=/programs"));
    let res = app.get("/login", &[("cookie", &cookie)]).await;
    assert_eq!(res.header("location"), Some("/"));
    let login_page = app
        .get("/login?error=wrong%20e-mail%20or%20password", &[])
        .await;
    assert_eq!(login_page.status, StatusCode::OK);
    assert!(login_page.text().contains("wrong e-mail or password"));
    let missing = app.get("/no-such-page", &[("cookie", &cookie)]).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);

    // Cookie-authenticated changes are accepted only from our own pages.
    let probe = Router::new()
        .route(
            "/probe",
            post(|AuthUser(identity): AuthUser| async move { identity.user_id }),
        )
        .with_state(app.state.clone());
    let call_probe = |headers: Vec<(&'static str, String)>| {
        let probe = probe.clone();
        async move {
            let mut req = Request::post("/probe");
            for (k, v) in headers {
                req = req.header(k, v);
            }
            probe
                .oneshot(req.body(Body::empty()).unwrap())
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        call_probe(vec![
            ("cookie", cookie.clone()),
            ("sec-fetch-site", "same-origin".into())
        ])
        .await,
        StatusCode::OK
    );
    assert_eq!(
        call_probe(vec![
            ("cookie", cookie.clone()),
            ("sec-fetch-site", "cross-site".into())
        ])
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call_probe(vec![("cookie", cookie.clone())]).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call_probe(vec![("x-jwt-token", token.clone())]).await,
        StatusCode::OK
    );
    assert_eq!(call_probe(vec![]).await, StatusCode::UNAUTHORIZED);

    // Signing out clears the cookie.
    let res = app
        .call(
            Request::post("/auth/logout")
                .header("cookie", &cookie)
                .header("sec-fetch-site", "same-origin")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(res
        .set_cookie("ezlift_session")
        .unwrap()
        .contains("Max-Age=0"));
}

async fn local_tokens_are_verified(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, user_id) = app.sign_up("ann@example.com", PASSWORD).await;
    let identity = Identity {
        user_id: user_id.clone(),
        email: None,
    };
    let tokens = app.state.auth.local().unwrap();
    let session = app.store().start_session(&user_id).await.unwrap();
    let expired = tokens
        .issue_at(
            &identity,
            &session,
            chrono::Utc::now().timestamp() - 31 * 24 * 3600,
        )
        .unwrap();
    let other_key = server::auth::tokens::LocalTokens::new(b"another server's key")
        .issue(&identity, &session)
        .unwrap();
    // Well signed, but naming a session that does not exist, or another user's.
    let made_up = tokens.issue(&identity, "made-up-session").unwrap();
    let (_, bob) = app.sign_up("bob@example.com", PASSWORD).await;
    let bobs = app.store().start_session(&bob).await.unwrap();
    let borrowed = tokens.issue(&identity, &bobs).unwrap();
    assert_eq!(
        app.get(
            "/api/auth/me",
            &[("x-jwt-token", &tokens.issue(&identity, &session).unwrap())]
        )
        .await
        .status,
        StatusCode::OK
    );
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    let b64 = |v: serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let payload =
        b64(json!({ "sub": user_id, "iss": "ezlift", "aud": "ezlift", "exp": 4_000_000_000_i64 }));
    let alg_none = format!("{}.{payload}.", b64(json!({ "alg": "none", "typ": "JWT" })));

    let cases = [
        (expired, "expired"),
        (other_key, "signature"),
        (tampered, "signature"),
        (alg_none, "algorithm"),
        ("not-a-token".to_owned(), "malformed"),
        (made_up, "session has ended"),
        (borrowed, "session has ended"),
    ];
    for (bad, needle) in cases {
        let res = app.get("/api/auth/me", &[("x-jwt-token", &bad)]).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{needle}");
        let message = res.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains(needle), "{needle}: {message}");
    }
    let res = app.get("/api/auth/me", &[]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.json()["message"]
        .as_str()
        .unwrap()
        .contains("x-jwt-token"));
}

async fn exercise_library_is_served_with_an_etag(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let res = app.get("/api/exercises", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    let etag = res.header("etag").expect("etag").to_owned();
    assert!(res.header("cache-control").unwrap().contains("max-age"));
    let list = res.json();
    let list = list.as_array().unwrap();
    assert!(list.len() >= 150);
    let squat = list
        .iter()
        .find(|e| e["id"] == "barbell-back-squat")
        .unwrap();
    assert_eq!(squat["equipment"], "barbell");
    assert_eq!(squat["primary_muscle"], "quads");
    assert!(squat["secondary_muscles"]
        .as_array()
        .unwrap()
        .contains(&json!("glutes")));

    let res = app.get("/api/exercises", &[("if-none-match", &etag)]).await;
    assert_eq!(res.status, StatusCode::NOT_MODIFIED);
    assert!(res.body.is_empty());
    let res = app
        .get("/api/exercises", &[("if-none-match", "\"stale\"")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
}

async fn bad_requests_get_clear_errors(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let res = app
        .call(
            Request::post("/api/auth/login")
                .header("content-type", "application/json")
                .body(Body::from("{\"email\": "))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"], "bad_request");

    let huge = format!(
        "{{\"email\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(2 * 1024 * 1024)
    );
    let res = app
        .call(
            Request::post("/api/auth/login")
                .header("content-type", "application/json")
                .body(Body::from(huge))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);

    // The server is still fine afterwards.
    assert_eq!(app.get("/healthz", &[]).await.status, StatusCode::OK);
}
