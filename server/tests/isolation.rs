//! One user's data, every endpoint, another user: Bob can neither read nor change Ann's
//! records by id, by parent id, through pages, exports or the library; Ann's cookie does
//! nothing from another site; Ann's token does nothing once she signed out.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestApp, TestDb};
use serde_json::{json, Value};

on_both_backends!(no_endpoint_gives_one_user_anothers_data);

/// Ann's records, with names nobody else uses.
fn anns_data() -> Value {
    json!({
        "routines": { "created": [{ "id": "ann-r", "title": "Ann Secret Routine" }] },
        "workouts": { "created": [{ "id": "ann-w", "title": "Ann Secret Workout" }] },
        "routine_workouts": { "created": [{ "id": "ann-rw", "routine_id": "ann-r", "workout_id": "ann-w" }] },
        "workout_exercise": { "created": [{ "id": "ann-we", "workout_id": "ann-w", "exercise_id": "ann-c" }] },
        "workout_exercise_sets": { "created": [{ "id": "ann-ws", "workout_exercise_id": "ann-we", "reps": 7 }] },
        "logs": { "created": [{ "id": "ann-l", "workout_title": "Ann Secret Session", "session_date": 1_700_000_000_000_i64, "duration": 600 }] },
        "log_exercise": { "created": [{ "id": "ann-le", "log_id": "ann-l", "exercise_id": "ann-c" }] },
        "log_exercise_sets": { "created": [{ "id": "ann-ls", "log_exercise_id": "ann-le", "reps": 3, "weight": 123.5, "completed": true }] },
        "custom_exercises": { "created": [{ "id": "ann-c", "name": "Ann Secret Curl", "category": "arms", "equipment": "dumbbell", "primary_muscle": "biceps", "tracking": "weight_reps" }] },
    })
}

const SECRETS: &[&str] = &[
    "Ann Secret",
    "ann-r",
    "ann-w",
    "ann-l",
    "ann-c",
    "ann-le",
    "ann-ls",
    "123.5",
];

fn leaks(text: &str) -> Vec<&'static str> {
    SECRETS
        .iter()
        .copied()
        .filter(|s| text.contains(s))
        .collect()
}

async fn no_endpoint_gives_one_user_anothers_data(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (ann, ann_id) = app.sign_up("ann@example.com", "anns password").await;
    let (bob, _) = app.sign_up("bob@example.com", "bobs password").await;
    let res = app.push(&ann, 0, anns_data()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let before = app.pull(&ann, None).await;
    let anns_log = app.store().change_log(&ann_id).await.unwrap().len();

    // Reading: Bob's pull, export, library and pages show nothing of Ann's.
    let bob_pull = app.pull(&bob, None).await;
    assert_eq!(leaks(&bob_pull.to_string()), Vec::<&str>::new(), "pull");
    for path in [
        "/api/export?format=json",
        "/api/export?format=strong",
        "/api/exercises",
    ] {
        let res = app.get(path, &[("x-jwt-token", &bob)]).await;
        assert_eq!(res.status, StatusCode::OK, "{path}");
        assert_eq!(leaks(&res.text()), Vec::<&str>::new(), "{path}");
    }
    let bob_cookie = format!("ezlift_session={bob}");
    for path in [
        "/",
        "/history",
        "/history/ann-l",
        "/programs",
        "/programs/workouts/ann-w",
        "/exercises/ann-c",
        "/workout",
        "/settings",
    ] {
        let res = app.get(path, &[("cookie", &bob_cookie)]).await;
        assert!(
            res.status == StatusCode::OK || res.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            res.status
        );
        assert_eq!(leaks(&res.text()), Vec::<&str>::new(), "page {path}");
    }

    // Writing by id: Bob's updates and deletes of Ann's ids touch only Bob's namespace.
    let bob_cursor = bob_pull["timestamp"].as_i64().unwrap();
    let res = app
        .push(
            &bob,
            bob_cursor,
            json!({
                "routines": { "updated": [{ "id": "ann-r", "title": "Bob was here" }], "deleted": ["ann-w"] },
                "logs": { "deleted": ["ann-l"] },
                "log_exercise_sets": { "updated": [{ "id": "ann-ls", "log_exercise_id": "ann-le", "reps": 99 }] },
                "custom_exercises": { "deleted": ["ann-c"] },
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // By parent id: a child under Ann's workout is an orphan in Bob's account.
    assert_eq!(
        res.json()["experimentalRejectedIds"]["log_exercise_sets"],
        json!(["ann-ls"]),
        "{}",
        res.text()
    );
    let after = app.pull(&ann, None).await;
    assert_eq!(
        after["changes"], before["changes"],
        "Ann's records are untouched"
    );
    assert_eq!(
        app.store().change_log(&ann_id).await.unwrap().len(),
        anns_log,
        "nothing was written to Ann's log"
    );

    // Imports go to the caller's account only: Bob importing Ann's own export gets copies.
    let export = app
        .get("/api/export?format=json", &[("x-jwt-token", &ann)])
        .await;
    let res = app
        .call(
            Request::post("/api/import?format=json")
                .header("x-jwt-token", &bob)
                .body(Body::from(export.body.clone()))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(app.pull(&ann, None).await["changes"], before["changes"]);

    // Ann's cookie from another site changes nothing.
    let ann_cookie = format!("ezlift_session={ann}");
    for (path, body) in [
        (
            "/api/sync/push-changes",
            json!({ "lastPulledAt": 0, "changes": { "logs": { "deleted": ["ann-l"] } } })
                .to_string(),
        ),
        (
            "/api/import?format=json",
            String::from_utf8_lossy(&export.body).into_owned(),
        ),
        (
            "/api/auth/password",
            json!({ "current_password": "anns password", "new_password": "stolen password" })
                .to_string(),
        ),
        ("/api/auth/logout", String::new()),
    ] {
        let res = app
            .call(
                Request::post(path)
                    .header("cookie", &ann_cookie)
                    .header("sec-fetch-site", "cross-site")
                    .header("content-type", "application/json")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}: {}", res.text());
    }
    assert_eq!(app.pull(&ann, None).await["changes"], before["changes"]);

    // After Ann signs out, her token opens nothing: API, export, import, pages.
    let out = app
        .post_json("/api/auth/logout", json!({}), &[("x-jwt-token", &ann)])
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    for path in [
        "/api/sync/pull-changes?lastPulledAt=null",
        "/api/export?format=json",
        "/api/auth/me",
    ] {
        let res = app.get(path, &[("x-jwt-token", &ann)]).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let res = app
        .push(&ann, 0, json!({ "logs": { "deleted": ["ann-l"] } }))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let page = app.get("/history/ann-l", &[("cookie", &ann_cookie)]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(leaks(&page.text()), Vec::<&str>::new());
}
