//! The sync contract (DESIGN.md §4), rule by rule, on SQLite and PostgreSQL. Each case
//! checks the response and what the database holds afterwards (tables through a first
//! pull, and the change log).

mod common;

use axum::http::StatusCode;
use common::{TestApp, TestDb};
use serde_json::{json, Value};

on_both_backends!(
    first_pull_returns_current_state_as_created,
    every_table_round_trips_exactly,
    created_updated_deleted_edge_rules,
    conflicts_refuse_the_whole_push,
    deleting_a_parent_deletes_its_children,
    orphans_are_rejected_and_the_rest_is_written,
    ids_are_per_account,
    one_settings_record_per_user,
    malformed_pushes_write_nothing,
    incremental_pull_collapses_per_record,
    version_1_clients_never_see_or_erase_version_2_columns,
    version_2_clients_never_see_or_erase_version_3_tables_and_columns,
);

async fn user(app: &TestApp, name: &str) -> String {
    app.sign_up(&format!("{name}@example.com"), "long-enough-password")
        .await
        .0
}

/// The user's current sync cursor, as a first pull reports it.
async fn cursor(app: &TestApp, token: &str) -> i64 {
    app.pull(token, None).await["timestamp"].as_i64().unwrap()
}

/// The user's whole state, as a first pull reports it (records sorted by id: a pull
/// promises no order).
async fn state(app: &TestApp, token: &str) -> Value {
    let mut changes = app.pull(token, None).await["changes"].clone();
    for table in changes.as_object_mut().unwrap().values_mut() {
        if let Some(list) = table["created"].as_array_mut() {
            list.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        }
    }
    changes
}

fn ids(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_str()
                .map_or_else(|| r["id"].as_str().unwrap().to_owned(), str::to_owned)
        })
        .collect();
    v.sort();
    v
}

async fn first_pull_returns_current_state_as_created(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    for since in [
        "",
        "lastPulledAt=0&",
        "lastPulledAt=null&",
        "lastPulledAt=&",
    ] {
        let res = app
            .get(
                &format!("/api/sync/pull-changes?{since}schemaVersion=1"),
                &[("x-jwt-token", &token)],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{since}");
        let body = res.json();
        assert!(body["timestamp"].as_i64().unwrap() >= 1);
        let settings = &body["changes"]["user_settings"];
        assert_eq!(settings["created"].as_array().unwrap().len(), 1, "{since}");
        assert_eq!(settings["updated"], json!([]));
        assert_eq!(settings["deleted"], json!([]));
        assert_eq!(body["changes"]["routines"]["created"], json!([]));
        assert_eq!(
            body["changes"].as_object().unwrap().len(),
            app::model::TABLES.iter().filter(|t| t.since == 1).count(),
            "a version-1 client is sent the tables it knows"
        );
    }
    let res = app
        .get(
            "/api/sync/pull-changes?lastPulledAt=null&schemaVersion=4",
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.text().contains("schemaVersion 4"));
    let res = app
        .get(
            "/api/sync/pull-changes?lastPulledAt=soon",
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let res = app.get("/api/sync/pull-changes", &[]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

fn sample() -> Value {
    json!({
        "routines": { "created": [{ "id": "r1", "title": "PPL", "description": "", "order": 1.5, "default_routine": true, "created_at": 1700000000000_i64, "updated_at": 1700000000001_i64, "_status": "created", "_changed": "" }] },
        "workouts": { "created": [{ "id": "w1", "title": "Push", "notes": null, "order": 0, "estimated_duration": 60, "created_at": 1, "updated_at": 2 }] },
        "routine_workouts": { "created": [{ "id": "rw1", "routine_id": "r1", "workout_id": "w1", "order": 0 }] },
        "workout_exercise": { "created": [{ "id": "we1", "workout_id": "w1", "exercise_id": "barbell-bench-press", "order": 0, "rest_time": 120, "notes": "pause", "is_saved": true, "superset_group": null, "progression": "double", "rep_range_top": 10, "one_rm_percent": null }] },
        "workout_exercise_sets": { "created": [{ "id": "wes1", "workout_exercise_id": "we1", "order": 0, "set_type": "warmup", "reps": 5, "weight": 60, "duration": null, "distance": null, "rest_time": 90, "rpe": 7.5, "notes": "" }] },
        "logs": { "created": [{ "id": "l1", "workout_id": "w1", "workout_title": "Push", "notes": "good", "session_date": 1700000000000_i64, "duration": 3600, "is_imported": false, "imported_at": null, "created_at": 3, "updated_at": 4 }] },
        "log_exercise": { "created": [{ "id": "le1", "log_id": "l1", "exercise_id": "custom-1", "order": 0, "notes": null, "superset_group": 1 }] },
        "log_exercise_sets": { "created": [{ "id": "les1", "log_exercise_id": "le1", "order": 0, "set_type": "normal", "reps": 8, "weight": 102.5, "duration": null, "distance": null, "rpe": null, "completed": true, "notes": null }] },
        "custom_exercises": { "created": [{ "id": "custom-1", "name": "Zercher squat", "category": "legs", "equipment": "barbell", "primary_muscle": "quads", "created_at": 5, "updated_at": 6, "tracking": "weight_reps" }] },
        "body_measurements": { "created": [{ "id": "bm1", "measured_at": 1700000000000_i64, "bodyweight": 81.3, "body_fat": 14.5, "neck": 0.39, "chest": 1.02, "waist": 0.84, "hips": 0.98, "arm": 0.38, "thigh": 0.6, "calf": 0.39, "notes": "morning", "created_at": 7, "updated_at": 8 }] },
        "user_settings": { "updated": [] },
    })
}

fn without_bookkeeping(mut record: Value) -> Value {
    let map = record.as_object_mut().unwrap();
    map.remove("_status");
    map.remove("_changed");
    record
}

async fn every_table_round_trips_exactly(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    let before = cursor(&app, &token).await;
    let res = app.push(&token, before, sample()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json(), json!({}));

    // Another device's first pull: every record exactly as pushed, bookkeeping dropped.
    let pulled = app.pull(&token, None).await;
    assert!(pulled["timestamp"].as_i64().unwrap() > before);
    for (table, changes) in sample().as_object().unwrap() {
        for record in changes["created"].as_array().into_iter().flatten() {
            let got = pulled["changes"][table]["created"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["id"] == record["id"])
                .unwrap_or_else(|| panic!("{table} {} missing", record["id"]))
                .clone();
            assert_eq!(got, without_bookkeeping(record.clone()), "{table}");
        }
    }
    // An incremental pull reports them as updated (sendCreatedAsUpdated), never created.
    let inc = app.pull(&token, Some(before)).await;
    assert_eq!(ids(&inc["changes"]["routines"]["updated"]), ["r1"]);
    assert_eq!(inc["changes"]["routines"]["created"], json!([]));
    assert_eq!(inc["timestamp"], pulled["timestamp"]);
    // Pulling from the newest cursor brings nothing.
    let none = app
        .pull(&token, Some(pulled["timestamp"].as_i64().unwrap()))
        .await;
    assert!(none["changes"]
        .as_object()
        .unwrap()
        .values()
        .all(|t| t["updated"] == json!([]) && t["deleted"] == json!([])));

    // The log holds one `created` change per record, all with the same server stamp.
    let user_id = app
        .get("/api/auth/me", &[("x-jwt-token", &token)])
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let log = app.store().change_log(&user_id).await.unwrap();
    let pushed: Vec<_> = log
        .iter()
        .filter(|c| c.table_name != "user_settings")
        .collect();
    assert_eq!(pushed.len(), 10);
    assert!(pushed
        .iter()
        .all(|c| c.change_type == "created" && c.timestamp == pushed[0].timestamp));
    assert_eq!(pushed[0].changes["title"], "PPL");
    assert!(pushed[0].changes.get("_status").is_none());
}

async fn created_updated_deleted_edge_rules(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    let t0 = cursor(&app, &token).await;
    let res = app
        .push(
            &token,
            t0,
            json!({ "routines": { "created": [{ "id": "r1", "title": "A" }] } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let t1 = cursor(&app, &token).await;

    // created of an existing id updates it; updated of a missing id creates it;
    // deleted of a missing id is ignored.
    let res = app
        .push(
            &token,
            t1,
            json!({ "routines": {
            "created": [{ "id": "r1", "title": "B" }],
            "updated": [{ "id": "r2", "title": "C" }],
            "deleted": ["never-existed"],
        } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let routines = state(&app, &token).await["routines"]["created"].clone();
    assert_eq!(ids(&routines), ["r1", "r2"]);
    assert_eq!(
        routines
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == "r1")
            .unwrap()["title"],
        "B"
    );
    let user_id = app
        .get("/api/auth/me", &[("x-jwt-token", &token)])
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let kinds: Vec<_> = app
        .store()
        .change_log(&user_id)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.table_name == "routines")
        .map(|c| (c.record_id, c.change_type))
        .collect();
    assert_eq!(
        kinds,
        [
            ("r1".into(), "created".into()),
            ("r1".into(), "updated".into()),
            ("r2".into(), "created".into())
        ]
    );

    // A column the client does not send keeps its value; unknown columns are dropped.
    let t2 = cursor(&app, &token).await;
    let res = app
        .push(&token, t2, json!({ "routines": { "updated": [{ "id": "r2", "description": "new", "colour": "red" }] } }))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let r2 = state(&app, &token).await["routines"]["created"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "r2")
        .unwrap()
        .clone();
    assert_eq!(r2["title"], "C");
    assert_eq!(r2["description"], "new");
    assert!(r2.get("colour").is_none());
}

async fn conflicts_refuse_the_whole_push(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    let t0 = cursor(&app, &token).await;
    app.push(&token, t0, json!({ "routines": { "created": [{ "id": "r1", "title": "A" }, { "id": "r2", "title": "X" }] } })).await;
    let base = cursor(&app, &token).await;
    // Device A changes r1 after device B's last pull.
    let res = app
        .push(
            &token,
            base,
            json!({ "routines": { "updated": [{ "id": "r1", "title": "from A" }] } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let after_a = state(&app, &token).await;

    // Device B, still at `base`, pushes r1 and a new record: 409, and nothing is written.
    let res = app
        .push(&token, base, json!({ "routines": { "updated": [{ "id": "r1", "title": "from B" }], "created": [{ "id": "r3", "title": "new" }] } }))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
    assert!(res.json()["message"]
        .as_str()
        .unwrap()
        .contains("routines r1"));
    assert_eq!(state(&app, &token).await, after_a, "nothing written");

    // Pushing what the server already has is not a conflict.
    let res = app
        .push(
            &token,
            base,
            json!({ "routines": { "updated": [{ "id": "r1", "title": "from A" }] } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Deleting a record changed since the client's pull is a conflict too.
    let res = app
        .push(&token, base, json!({ "routines": { "deleted": ["r1"] } }))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    // So is updating a record the server deleted since.
    let now = cursor(&app, &token).await;
    assert_eq!(
        app.push(&token, now, json!({ "routines": { "deleted": ["r2"] } }))
            .await
            .status,
        StatusCode::OK
    );
    let res = app
        .push(
            &token,
            now,
            json!({ "routines": { "updated": [{ "id": "r2", "title": "zombie" }] } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    // After pulling, the same push goes through.
    let latest = app.pull(&token, Some(now)).await;
    assert_eq!(ids(&latest["changes"]["routines"]["deleted"]), ["r2"]);
    let res = app
        .push(
            &token,
            latest["timestamp"].as_i64().unwrap(),
            json!({ "routines": { "updated": [{ "id": "r1", "title": "from B" }] } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
}

async fn deleting_a_parent_deletes_its_children(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    let t0 = cursor(&app, &token).await;
    let mut changes = sample();
    changes["workout_exercise_sets"]["created"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "id": "wes2", "workout_exercise_id": "we1", "reps": 3 }));
    assert_eq!(app.push(&token, t0, changes).await.status, StatusCode::OK);
    let t1 = cursor(&app, &token).await;

    let res = app
        .push(&token, t1, json!({ "workouts": { "deleted": ["w1"] } }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let inc = app.pull(&token, Some(t1)).await["changes"].clone();
    assert_eq!(ids(&inc["workouts"]["deleted"]), ["w1"]);
    assert_eq!(ids(&inc["workout_exercise"]["deleted"]), ["we1"]);
    assert_eq!(
        ids(&inc["workout_exercise_sets"]["deleted"]),
        ["wes1", "wes2"]
    );
    assert_eq!(ids(&inc["routine_workouts"]["deleted"]), ["rw1"]);
    let now = state(&app, &token).await;
    for t in [
        "workouts",
        "workout_exercise",
        "workout_exercise_sets",
        "routine_workouts",
    ] {
        assert_eq!(now[t]["created"], json!([]), "{t}");
    }
    // History is not a child of its template: the log survives with its loose reference.
    assert_eq!(now["logs"]["created"][0]["workout_id"], "w1");
    assert_eq!(ids(&now["routines"]["created"]), ["r1"]);
}

async fn orphans_are_rejected_and_the_rest_is_written(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    let t0 = cursor(&app, &token).await;
    let res = app
        .push(&token, t0, json!({
            "routines": { "created": [{ "id": "r1", "title": "kept" }] },
            "workout_exercise": { "created": [{ "id": "we-orphan", "workout_id": "ghost" }] },
            "workout_exercise_sets": { "created": [{ "id": "set-of-orphan", "workout_exercise_id": "we-orphan" }] },
        }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(
        res.json(),
        json!({ "experimentalRejectedIds": {
            "workout_exercise": ["we-orphan"],
            "workout_exercise_sets": ["set-of-orphan"],
        } })
    );
    let now = state(&app, &token).await;
    assert_eq!(ids(&now["routines"]["created"]), ["r1"]);
    assert_eq!(now["workout_exercise"]["created"], json!([]));
    assert_eq!(now["workout_exercise_sets"]["created"], json!([]));
}

/// `sample()` with the user's settings in it (under `settings_id`) and every id made
/// `prefix`-free: the ids another account will also use.
fn sample_with_settings(settings_id: &str, theme: &str) -> Value {
    let mut changes = sample();
    changes["user_settings"] =
        json!({ "created": [{ "id": settings_id, "theme": theme, "weight_unit": "lb" }] });
    changes
}

async fn ids_are_per_account(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let ann = user(&app, "ann").await;
    let ann_id = app
        .get("/api/auth/me", &[("x-jwt-token", &ann)])
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let t0 = cursor(&app, &ann).await;
    assert_eq!(app.push(&ann, t0, sample()).await.status, StatusCode::OK);
    let ann_state = state(&app, &ann).await;
    let ann_settings = ann_state["user_settings"]["created"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(
        ann_settings, ann_id,
        "the settings id is not derived from the user id"
    );

    // Bob pushes, in every table, the ids Ann uses (her settings id and her user id
    // included), then edits and deletes them: all his own records, never refused.
    let bob = user(&app, "bob").await;
    let bt = cursor(&app, &bob).await;
    let res = app
        .push(&bob, bt, sample_with_settings(&ann_settings, "dark"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json(), json!({}), "nothing rejected");
    let bt = cursor(&app, &bob).await;
    let res = app
        .push(&bob, bt, json!({
            "user_settings": { "updated": [{ "id": ann_id, "theme": "light" }] },
            "workout_exercise_sets": { "updated": [{ "id": "wes1", "workout_exercise_id": "we1", "reps": 99 }] },
            "routines": { "deleted": ["r1"] },
        }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let bob_state = state(&app, &bob).await;
    assert_eq!(
        bob_state["user_settings"]["created"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(bob_state["user_settings"]["created"][0]["theme"], "light");
    assert_eq!(bob_state["workout_exercise_sets"]["created"][0]["reps"], 99);
    assert_eq!(bob_state["routines"]["created"], json!([]));
    assert_eq!(
        bob_state["routine_workouts"]["created"],
        json!([]),
        "cascade in Bob's account"
    );
    assert_eq!(
        state(&app, &ann).await,
        ann_state,
        "Ann's data is untouched"
    );

    // Ann goes on with the same ids Bob now holds: never refused, never sees Bob's data.
    let t1 = cursor(&app, &ann).await;
    let res = app
        .push(&ann, t1, json!({
            "routines": { "updated": [{ "id": "r1", "title": "Ann's" }] },
            "workout_exercise_sets": { "created": [{ "id": "wes2", "workout_exercise_id": "we1", "reps": 3 }] },
        }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json(), json!({}));
    let now = state(&app, &ann).await;
    assert_eq!(now["routines"]["created"][0]["title"], "Ann's");
    assert_eq!(
        now["workout_exercise_sets"]["created"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(now["workout_exercise_sets"]["created"][0]["reps"], 5);
    assert_eq!(now["user_settings"], ann_state["user_settings"]);
    let inc = app.pull(&ann, Some(t1)).await;
    assert!(
        !inc.to_string().contains("light"),
        "no change of Bob's reaches Ann"
    );

    // A child pointed at a parent only Ann has is an orphan in Bob's account.
    let bt = cursor(&app, &bob).await;
    let res = app
        .push(&bob, bt, json!({ "workout_exercise": { "created": [{ "id": "bob-we", "workout_id": "w-only-ann" }] } }))
        .await;
    assert_eq!(
        res.json()["experimentalRejectedIds"]["workout_exercise"],
        json!(["bob-we"])
    );
}

async fn one_settings_record_per_user(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let ann = user(&app, "ann").await;
    let first = app.pull(&ann, None).await;
    let t0 = first["timestamp"].as_i64().unwrap();
    let one = first["changes"]["user_settings"]["created"][0].clone();
    let one_id = one["id"].as_str().unwrap().to_owned();

    // A device creates its own settings record: it becomes an update of the one record,
    // and its id comes back deleted.
    let res = app
        .push(&ann, t0, json!({
            "user_settings": { "created": [{ "id": "deviceA", "weight_unit": "lb", "theme": "dark", "_status": "created" }] },
            "routines": { "created": [{ "id": "r1", "title": "still synced" }] },
        }))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let inc = app.pull(&ann, Some(t0)).await;
    let settings = &inc["changes"]["user_settings"];
    assert_eq!(settings["deleted"], json!(["deviceA"]));
    assert_eq!(ids(&settings["updated"]), [one_id.as_str()]);
    assert_eq!(settings["updated"][0]["weight_unit"], "lb");
    assert_eq!(settings["updated"][0]["theme"], "dark");
    assert_eq!(
        settings["updated"][0]["distance_unit"], one["distance_unit"],
        "unsent columns kept"
    );
    assert_eq!(ids(&inc["changes"]["routines"]["updated"]), ["r1"]);

    // A second device's record with an older cursor: the usual conflict rule applies.
    let res = app
        .push(
            &ann,
            t0,
            json!({ "user_settings": { "created": [{ "id": "deviceB", "theme": "light" }] } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
    // After pulling it goes through, as an update of the same record.
    let t1 = cursor(&app, &ann).await;
    let res = app
        .push(
            &ann,
            t1,
            json!({ "user_settings": { "created": [{ "id": "deviceB", "theme": "light" }] } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Deleting the one record does not remove it: the deleting device gets it back.
    let t2 = cursor(&app, &ann).await;
    let res = app
        .push(
            &ann,
            t2,
            json!({ "user_settings": { "deleted": [one_id.clone()] } }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let inc = app.pull(&ann, Some(t2)).await;
    assert_eq!(
        ids(&inc["changes"]["user_settings"]["updated"]),
        [one_id.as_str()]
    );
    let now = state(&app, &ann).await;
    let all = now["user_settings"]["created"].as_array().unwrap();
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["id"], one_id);
    assert_eq!(all[0]["theme"], "light");
    assert_eq!(all[0]["weight_unit"], "lb");
}

async fn malformed_pushes_write_nothing(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    let before = state(&app, &token).await;
    let good = json!({ "id": "r-good", "title": "valid" });
    let cases = [
        (
            json!({ "routines": { "created": [good.clone()] }, "nope": { "created": [] } }),
            "changes.nope: unknown table",
        ),
        (
            json!({ "routines": { "created": [good.clone()] }, "logs": { "created": [{ "id": "l1", "duration": "1h" }] } }),
            "changes.logs.created[0] (id l1): duration must be an integer",
        ),
        (
            json!({ "routines": { "created": [good.clone(), { "id": "bad id!" }] } }),
            "changes.routines.created[1].id",
        ),
        (
            json!({ "routines": { "created": [good.clone()], "deleted": "r1" } }),
            "changes.routines.deleted must be an array",
        ),
    ];
    for (changes, needle) in cases {
        let res = app.push(&token, 1, changes.clone()).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{changes}");
        let message = res.json()["message"].as_str().unwrap().to_owned();
        assert!(message.contains(needle), "{needle}: {message}");
    }
    let res = app
        .call(
            axum::http::Request::post("/api/sync/push-changes")
                .header("content-type", "application/json")
                .header("x-jwt-token", &token)
                .body(axum::body::Body::from(
                    "{\"lastPulledAt\": 1, \"changes\": {",
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let big = json!({ "routines": { "created": [{ "id": "r", "description": "x".repeat(2 * 1024 * 1024) }] } });
    assert_eq!(
        app.push(&token, 1, big).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(state(&app, &token).await, before, "nothing was written");
}

async fn incremental_pull_collapses_per_record(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    let t0 = cursor(&app, &token).await;
    let mut at = t0;
    let steps = [
        json!({ "routines": { "created": [{ "id": "kept", "title": "v1" }, { "id": "gone", "title": "x" }] } }),
        json!({ "routines": { "updated": [{ "id": "kept", "title": "v2" }] } }),
        json!({ "routines": { "updated": [{ "id": "kept", "title": "v3" }], "deleted": ["gone"] } }),
    ];
    for step in steps {
        assert_eq!(app.push(&token, at, step).await.status, StatusCode::OK);
        at = cursor(&app, &token).await;
    }
    let inc = app.pull(&token, Some(t0)).await["changes"]["routines"].clone();
    assert_eq!(inc["created"], json!([]));
    assert_eq!(inc["updated"].as_array().unwrap().len(), 1);
    assert_eq!(inc["updated"][0]["title"], "v3");
    assert_eq!(inc["deleted"], json!(["gone"]));
}

/// Pulls with an explicit schema version (and WatermelonDB's `migration`, if any).
async fn pull_as(
    app: &TestApp,
    token: &str,
    since: Option<i64>,
    version: u32,
    migration: &str,
) -> Value {
    let since = since.map_or("null".to_owned(), |n| n.to_string());
    let res = app
        .get(
            &format!(
                "/api/sync/pull-changes?lastPulledAt={since}&schemaVersion={version}{migration}"
            ),
            &[("x-jwt-token", token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    res.json()
}

/// Schema version 2 adds `custom_exercises.tracking` (DESIGN.md §4 "Schema versions").
async fn version_1_clients_never_see_or_erase_version_2_columns(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    let before = cursor(&app, &token).await;
    let exercise = json!({ "id": "c1", "name": "Ring dip", "category": "arms", "equipment": "other", "primary_muscle": "triceps", "created_at": 1, "updated_at": 1, "tracking": "reps" });
    let res = app
        .post_json(
            "/api/sync/push-changes?schemaVersion=2",
            json!({ "lastPulledAt": before, "changes": { "custom_exercises": { "created": [exercise] } } }),
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    // A version-1 client never sees the column, in a first or an incremental pull.
    let v1 = pull_as(&app, &token, None, 1, "").await;
    let record = &v1["changes"]["custom_exercises"]["created"][0];
    assert_eq!(record["name"], "Ring dip");
    assert!(record.get("tracking").is_none(), "{record}");
    let v1_cursor = v1["timestamp"].as_i64().unwrap();
    let inc = pull_as(&app, &token, Some(before), 1, "").await;
    assert!(inc["changes"]["custom_exercises"]["updated"][0]
        .get("tracking")
        .is_none());
    let v2 = pull_as(&app, &token, None, 2, "").await;
    assert_eq!(
        v2["changes"]["custom_exercises"]["created"][0]["tracking"],
        "reps"
    );

    // Its pushes (with or without a version: mobile apps send none) keep the value.
    for (n, url) in [
        "/api/sync/push-changes?schemaVersion=1",
        "/api/sync/push-changes",
    ]
    .iter()
    .enumerate()
    {
        let last = cursor(&app, &token).await;
        let update = json!({ "id": "c1", "name": format!("Ring dip {n}"), "category": "arms", "equipment": "other", "primary_muscle": "triceps", "created_at": 1, "updated_at": 2 + n, "_status": "updated", "_changed": "name,updated_at" });
        let res = app
            .post_json(url, json!({ "lastPulledAt": last, "changes": { "custom_exercises": { "updated": [update] } } }), &[("x-jwt-token", &token)])
            .await;
        assert_eq!(res.status, StatusCode::OK, "{url}: {}", res.text());
        let now = pull_as(&app, &token, None, 2, "").await;
        let record = &now["changes"]["custom_exercises"]["created"][0];
        assert_eq!(record["name"], format!("Ring dip {n}"), "{url}");
        assert_eq!(
            record["tracking"], "reps",
            "{url}: the v1 push erased the v2 column"
        );
    }
    // A version-1 client may even send the column: it is not its to set.
    let last = cursor(&app, &token).await;
    let res = app
        .post_json(
            "/api/sync/push-changes?schemaVersion=1",
            json!({ "lastPulledAt": last, "changes": { "custom_exercises": { "updated": [{ "id": "c1", "tracking": null }] } } }),
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let now = pull_as(&app, &token, None, 2, "").await;
    assert_eq!(
        now["changes"]["custom_exercises"]["created"][0]["tracking"],
        "reps"
    );

    // A client upgraded from version 1 pulls from its old cursor with `migration`: the
    // records with the new column come along although they did not change since; other
    // tables do not.
    let latest = cursor(&app, &token).await;
    let plain = pull_as(&app, &token, Some(latest), 2, "").await;
    assert_eq!(plain["changes"]["custom_exercises"]["updated"], json!([]));
    let migration = "&migration=%7B%22from%22%3A1%2C%22tables%22%3A%5B%5D%2C%22columns%22%3A%5B%7B%22table%22%3A%22custom_exercises%22%2C%22columns%22%3A%5B%22tracking%22%5D%7D%5D%7D";
    let migrated = pull_as(&app, &token, Some(latest), 2, migration).await;
    let updated = migrated["changes"]["custom_exercises"]["updated"]
        .as_array()
        .unwrap();
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0]["tracking"], "reps");
    assert_eq!(migrated["changes"]["user_settings"]["updated"], json!([]));
    assert_eq!(
        migrated["changes"]["custom_exercises"]["created"],
        json!([])
    );
    // From its very old cursor too: one entry per record, never the same id twice.
    let migrated = pull_as(&app, &token, Some(v1_cursor - 1), 2, migration).await;
    assert_eq!(
        ids(&migrated["changes"]["custom_exercises"]["updated"]),
        ["c1"]
    );
    // A malformed migration is a 400 that names it.
    let res = app
        .get(
            &format!("/api/sync/pull-changes?lastPulledAt={latest}&schemaVersion=2&migration=%7B"),
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.text().contains("migration"), "{}", res.text());
}

/// Schema version 3 adds a table (`body_measurements`) and columns to two version-1
/// tables (DESIGN.md §4 "Schema versions").
async fn version_2_clients_never_see_or_erase_version_3_tables_and_columns(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let token = user(&app, "ann").await;
    let first = pull_as(&app, &token, None, 3, "").await;
    let settings_id = first["changes"]["user_settings"]["created"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = cursor(&app, &token).await;
    let measurement = json!({ "id": "m1", "measured_at": 1_700_000_000_000_i64, "bodyweight": 82.5, "body_fat": 15.0, "waist": 0.84, "notes": "", "created_at": 1, "updated_at": 1 });
    let settings = json!({ "id": settings_id, "plate_unit": "lb", "bar_weight": 45.0, "plates": "45:8 25:4", "warmup_ramp": "bar:10 50:5", "updated_at": 2 });
    let res = app
        .post_json(
            "/api/sync/push-changes?schemaVersion=3",
            json!({ "lastPulledAt": before, "changes": {
                "body_measurements": { "created": [measurement] },
                "user_settings": { "updated": [settings] },
            } }),
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    // A version-2 client is sent neither the table nor the columns.
    let v2 = pull_as(&app, &token, None, 2, "").await;
    assert!(v2["changes"].get("body_measurements").is_none(), "{v2}");
    let record = &v2["changes"]["user_settings"]["created"][0];
    for column in ["plate_unit", "bar_weight", "plates", "warmup_ramp"] {
        assert!(record.get(column).is_none(), "{column}: {record}");
    }
    let inc = pull_as(&app, &token, Some(before), 2, "").await;
    assert!(inc["changes"].get("body_measurements").is_none());
    assert!(inc["changes"]["user_settings"]["updated"][0]
        .get("plates")
        .is_none());

    // Pushing the table is refused for what it is; its pushes of the old tables keep the
    // new columns.
    let last = cursor(&app, &token).await;
    let res = app
        .post_json(
            "/api/sync/push-changes?schemaVersion=2",
            json!({ "lastPulledAt": last, "changes": { "body_measurements": { "created": [{ "id": "m2" }] } } }),
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
    assert!(res.text().contains("body_measurements"), "{}", res.text());
    let res = app
        .post_json(
            "/api/sync/push-changes?schemaVersion=2",
            json!({ "lastPulledAt": last, "changes": { "user_settings": { "updated": [{ "id": settings_id, "weight_unit": "lb", "plates": null, "updated_at": 3 }] } } }),
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let v3 = pull_as(&app, &token, None, 3, "").await;
    let record = &v3["changes"]["user_settings"]["created"][0];
    assert_eq!(record["weight_unit"], "lb");
    assert_eq!(
        record["plates"], "45:8 25:4",
        "the v2 push erased a v3 column"
    );
    assert_eq!(record["bar_weight"], 45.0);
    let measurements = &v3["changes"]["body_measurements"]["created"];
    assert_eq!(ids(measurements), ["m1"]);
    assert_eq!(measurements[0]["bodyweight"], 82.5);

    // Upgraded from version 2, a client's migration sync brings the new table whole and
    // the records with new columns, although none changed since its cursor.
    let latest = cursor(&app, &token).await;
    let plain = pull_as(&app, &token, Some(latest), 3, "").await;
    assert_eq!(plain["changes"]["body_measurements"]["created"], json!([]));
    let migration = "&migration=%7B%22from%22%3A2%7D";
    let migrated = pull_as(&app, &token, Some(latest), 3, migration).await;
    let changes = &migrated["changes"];
    let brought: Vec<String> = ["created", "updated"]
        .iter()
        .flat_map(|k| ids(&changes["body_measurements"][k]))
        .collect();
    assert_eq!(brought, ["m1"]);
    assert_eq!(ids(&changes["user_settings"]["updated"]), [settings_id]);
    assert_eq!(
        changes["user_settings"]["updated"][0]["plates"],
        "45:8 25:4"
    );
    assert_eq!(changes["custom_exercises"]["updated"], json!([]));
}
