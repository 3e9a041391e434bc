//! "Recently deleted" against the real stores: a deleted session, template or routine is
//! listed for its owner only, and restored with everything deleted with it as a change
//! other devices pull; what is gone for good (restored already, too old, another user's)
//! answers 410 with a message, and bad requests 400.

mod common;

use axum::http::StatusCode;
use common::{TestApp, TestDb};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const DAY: i64 = 86_400_000;

/// The user's whole state, records by table sorted by id, from a first pull.
async fn state(app: &TestApp, token: &str) -> BTreeMap<String, Vec<Value>> {
    let pulled = app.pull(token, None).await;
    pulled["changes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(t, c)| {
            let mut rows = c["created"].as_array().unwrap().clone();
            rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
            (t.clone(), rows)
        })
        .filter(|(_, rows)| !rows.is_empty())
        .collect()
}

async fn listed(app: &TestApp, token: &str) -> Vec<Value> {
    let res = app.get("/api/deleted", &[("x-jwt-token", token)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()["deleted"].as_array().unwrap().clone()
}

async fn restore(app: &TestApp, token: &str, body: Value) -> common::Response {
    app.post_json("/api/deleted/restore", body, &[("x-jwt-token", token)])
        .await
}

async fn a_deleted_session_comes_back_whole_on_every_device_for_its_owner_only(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, user) = app
        .sign_up("undo@example.com", "correct horse battery")
        .await;
    let (other, _) = app
        .sign_up("other@example.com", "correct horse battery")
        .await;
    let pushed = app
        .push(
            &token,
            0,
            json!({
                "logs": { "created": [{ "id": "l1", "workout_title": "Push day", "session_date": 1_700_000_000_000_i64, "duration": 3600 }] },
                "log_exercise": { "created": [{ "id": "e1", "log_id": "l1", "exercise_id": "bench", "order": 1 }] },
                "log_exercise_sets": { "created": [
                    { "id": "s1", "log_exercise_id": "e1", "order": 1, "weight": 100, "reps": 5, "completed": true },
                    { "id": "s2", "log_exercise_id": "e1", "order": 2, "weight": 100, "reps": 4, "completed": true }
                ] },
                "routines": { "created": [{ "id": "r1", "title": "PPL" }] },
                "workouts": { "created": [{ "id": "w1", "title": "Legs" }] },
                "routine_workouts": { "created": [{ "id": "rw1", "routine_id": "r1", "workout_id": "w1", "order": 1 }] },
                "workout_exercise": { "created": [{ "id": "we1", "workout_id": "w1", "exercise_id": "squat", "order": 1 }] },
                "workout_exercise_sets": { "created": [{ "id": "ws1", "workout_exercise_id": "we1", "order": 1, "weight": 100, "reps": 5 }] }
            }),
        )
        .await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.text());
    let before = state(&app, &token).await;
    assert!(listed(&app, &token).await.is_empty());

    // Another device of the same user, up to date before the deletes.
    let cursor = app.pull(&token, None).await["timestamp"].as_i64().unwrap();
    // Only the session's id is pushed: the server deletes what is under it.
    let res = app
        .push(&token, cursor, json!({ "logs": { "deleted": ["l1"] } }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let now = app.pull(&token, None).await["timestamp"].as_i64().unwrap();
    let res = app
        .push(&token, now, json!({ "routines": { "deleted": ["r1"] } }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    let list = listed(&app, &token).await;
    let brief: Vec<(&str, &str, &str, u64)> = list
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap(),
                d["id"].as_str().unwrap(),
                d["title"].as_str().unwrap(),
                d["under"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        brief,
        [
            ("routine", "r1", "PPL", 1),
            ("session", "l1", "Push day", 3)
        ],
        "newest first, each with what was deleted with it"
    );
    assert_eq!(list[1]["date"], 1_700_000_000_000_i64);

    // Nobody else sees or restores it.
    assert!(listed(&app, &other).await.is_empty());
    let res = restore(&app, &other, json!({ "kind": "session", "id": "l1" })).await;
    assert_eq!(res.status, StatusCode::GONE, "{}", res.text());
    assert!(
        res.text()
            .contains("no session l1 was deleted in the last 30 days"),
        "{}",
        res.text()
    );

    // Restored: the session and its sets as they were, and the other device pulls them.
    let cursor = app.pull(&token, None).await["timestamp"].as_i64().unwrap();
    let res = restore(&app, &token, json!({ "kind": "session", "id": "l1" })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        (res.json()["records"].as_u64(), res.json()["title"].as_str()),
        (Some(4), Some("Push day"))
    );
    let pulled = app.pull(&token, Some(cursor)).await;
    let mut updated: Vec<&str> = ["logs", "log_exercise", "log_exercise_sets"]
        .iter()
        .flat_map(|t| pulled["changes"][t]["updated"].as_array().unwrap())
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    updated.sort();
    assert_eq!(updated, ["e1", "l1", "s1", "s2"]);
    let after = state(&app, &token).await;
    for table in ["logs", "log_exercise", "log_exercise_sets"] {
        assert_eq!(after[table], before[table], "{table} as before the delete");
    }
    let again = restore(&app, &token, json!({ "kind": "session", "id": "l1" })).await;
    assert_eq!(again.status, StatusCode::GONE, "restored already");
    assert_eq!(
        listed(&app, &token).await.len(),
        1,
        "only the routine is left"
    );

    // A routine whose template has been deleted since comes back without its link to
    // it; the template, restored on its own, brings back its exercises and sets.
    let now = app.pull(&token, None).await["timestamp"].as_i64().unwrap();
    let res = app
        .push(&token, now, json!({ "workouts": { "deleted": ["w1"] } }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = restore(&app, &token, json!({ "kind": "routine", "id": "r1" })).await;
    assert_eq!(res.json()["records"], 1, "{}", res.text());
    let res = restore(&app, &token, json!({ "kind": "template", "id": "w1" })).await;
    assert_eq!(res.json()["records"], 3, "{}", res.text());
    let after = state(&app, &token).await;
    assert_eq!(
        after["workout_exercise_sets"],
        before["workout_exercise_sets"]
    );
    assert!(!after.contains_key("routine_workouts"));

    // Bad requests say what is wrong and change nothing.
    let log_len = app.store().change_log(&user).await.unwrap().len();
    for (body, says) in [
        (json!({ "kind": "exercise", "id": "l1" }), "kind"),
        (json!({ "kind": "session", "id": "../l1" }), "id"),
        (json!({ "kind": "session" }), "id"),
    ] {
        let res = restore(&app, &token, body.clone()).await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            res.text()
        );
        assert!(res.text().contains(says), "{body}: {}", res.text());
    }
    assert_eq!(app.store().change_log(&user).await.unwrap().len(), log_len);

    // Past the 30 days, a delete is for good.
    let now = app.pull(&token, None).await["timestamp"].as_i64().unwrap();
    let res = app
        .push(&token, now, json!({ "logs": { "deleted": ["l1"] } }))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let store = app.store();
    let later = server::store::now_ms() + 31 * DAY;
    let old = server::deleted::recently_deleted(store.as_ref(), &user, later)
        .await
        .unwrap();
    assert!(old.is_empty(), "{old:?}");
    let request = app::deleted::RestoreRequest {
        kind: app::deleted::Kind::Session,
        id: "l1".into(),
    };
    let too_late = server::deleted::restore(store.as_ref(), &user, &request, later).await;
    assert!(matches!(
        too_late,
        Err(server::deleted::RestoreError::NotFound(_))
    ));
}

async fn the_page_lists_and_its_form_restores(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, _) = app
        .sign_up("form@example.com", "correct horse battery")
        .await;
    app.push(
        &token,
        0,
        json!({ "workouts": { "created": [{ "id": "w9", "title": "Arms & abs" }] } }),
    )
    .await;
    let now = app.pull(&token, None).await["timestamp"].as_i64().unwrap();
    app.push(&token, now, json!({ "workouts": { "deleted": ["w9"] } }))
        .await;
    let cookie = format!("ezlift_session={token}");
    let page = app.get("/deleted", &[("cookie", &cookie)]).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains("Arms &amp; abs"),
        "the page is whole before any script"
    );
    assert!(html.contains(r#"action="/deleted/restore""#));

    let req = axum::http::Request::post("/deleted/restore")
        .header("cookie", &cookie)
        .header("origin", "http://localhost")
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("kind=template&id=w9"))
        .unwrap();
    let res = app.call(req).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    let location = res.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(
        location,
        "/deleted?restored=Arms%20%26%20abs&home=/programs"
    );
    assert_eq!(
        state(&app, &token).await["workouts"][0]["title"],
        "Arms & abs"
    );

    // A form from another site is refused.
    let req = axum::http::Request::post("/deleted/restore")
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .header("host", "localhost")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("kind=template&id=w9"))
        .unwrap();
    assert_eq!(app.call(req).await.status, StatusCode::FORBIDDEN);
}

on_both_backends!(
    a_deleted_session_comes_back_whole_on_every_device_for_its_owner_only,
    the_page_lists_and_its_form_restores,
);
