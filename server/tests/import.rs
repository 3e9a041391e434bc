//! `POST /api/import` and `GET /api/export` against the real stores: every generation of
//! each app's export read exactly, idempotent re-imports, bad files refused with nothing
//! written, and export → import round trips.

// Sessions are compared as plain tuples, so a mismatch prints every value side by side.
#![allow(clippy::type_complexity)]

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{Response, TestApp, TestDb};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/import/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn import(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> Response {
    let req = Request::post(format!("/api/import?{query}"))
        .header("x-jwt-token", token)
        .body(Body::from(body))
        .unwrap();
    app.call(req).await
}

async fn imported(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> Value {
    let res = import(app, token, query, body).await;
    assert_eq!(res.status, StatusCode::OK, "{query}: {}", res.text());
    res.json()
}

/// The user's records by table, from a first pull (what a new device gets).
async fn records(app: &TestApp, token: &str) -> BTreeMap<String, Vec<Value>> {
    let pulled = app.pull(token, None).await;
    pulled["changes"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(t, c)| (t.clone(), c["created"].as_array().unwrap().clone()))
        .collect()
}

/// Sessions as comparable facts: (date ms, title, duration, [(exercise, [(type, kg, reps,
/// seconds, metres)])]) in date order.
type SetFacts = (String, Option<f64>, Option<i64>, Option<i64>, Option<f64>);
type SessionFacts = (i64, String, Option<i64>, Vec<(String, Vec<SetFacts>)>);

fn sessions(db: &BTreeMap<String, Vec<Value>>, names: bool) -> Vec<SessionFacts> {
    let list = |t: &str| db.get(t).cloned().unwrap_or_default();
    let custom: BTreeMap<String, String> = list("custom_exercises")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let round = |v: &Value| v.as_f64().map(|f| (f * 1000.0).round() / 1000.0);
    let mut out: Vec<SessionFacts> = list("logs")
        .iter()
        .map(|log| {
            let mut blocks: Vec<(f64, String, Vec<(f64, SetFacts)>)> = list("log_exercise")
                .iter()
                .filter(|le| le["log_id"] == log["id"])
                .map(|le| {
                    let ex = le["exercise_id"].as_str().unwrap().to_owned();
                    let ex = if names {
                        custom.get(&ex).cloned().unwrap_or(ex)
                    } else {
                        ex
                    };
                    let mut sets: Vec<(f64, SetFacts)> = list("log_exercise_sets")
                        .iter()
                        .filter(|s| s["log_exercise_id"] == le["id"])
                        .map(|s| {
                            (
                                s["order"].as_f64().unwrap(),
                                (
                                    s["set_type"].as_str().unwrap().to_owned(),
                                    round(&s["weight"]),
                                    s["reps"].as_i64(),
                                    s["duration"].as_i64(),
                                    round(&s["distance"]),
                                ),
                            )
                        })
                        .collect();
                    sets.sort_by(|a, b| a.0.total_cmp(&b.0));
                    (le["order"].as_f64().unwrap(), ex, sets)
                })
                .collect();
            blocks.sort_by(|a, b| a.0.total_cmp(&b.0));
            (
                log["session_date"].as_i64().unwrap(),
                log["workout_title"].as_str().unwrap_or("").to_owned(),
                log["duration"].as_i64(),
                blocks
                    .into_iter()
                    .map(|(_, ex, sets)| (ex, sets.into_iter().map(|(_, s)| s).collect()))
                    .collect(),
            )
        })
        .collect();
    out.sort_by_key(|s| s.0);
    out
}

fn volume(db: &BTreeMap<String, Vec<Value>>) -> f64 {
    db.get("log_exercise_sets")
        .into_iter()
        .flatten()
        .map(|s| s["weight"].as_f64().unwrap_or(0.0) * s["reps"].as_f64().unwrap_or(0.0))
        .sum()
}

fn set_types(facts: &[SessionFacts]) -> Vec<String> {
    facts
        .iter()
        .flat_map(|s| &s.3)
        .flat_map(|b| &b.1)
        .map(|s| s.0.clone())
        .collect()
}

const UTC: &str = "tz=UTC";

async fn every_generation_reads_exactly(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    // (file, query, format, sessions, sets, unit, matched, created, durations)
    let cases: &[(
        &str,
        &str,
        &str,
        usize,
        usize,
        Option<&str>,
        usize,
        usize,
        &[Option<i64>],
    )] = &[
        (
            "strong_ios_12.csv",
            "unit=lb",
            "strong",
            3,
            10,
            None,
            4,
            1,
            &[Some(3900), Some(2280), Some(55)],
        ),
        (
            "strong_ios_10.csv",
            "unit=kg",
            "strong",
            2,
            4,
            None,
            2,
            0,
            &[Some(2700), Some(3000)],
        ),
        (
            "strong_android.csv",
            "",
            "strong",
            2,
            5,
            Some("kg"),
            2,
            0,
            &[Some(3600), Some(1800)],
        ),
        (
            "strong_units_2019.csv",
            "",
            "strong",
            2,
            4,
            Some("lb"),
            2,
            0,
            &[Some(3720), Some(3600)],
        ),
        (
            "strong_legacy_2016.csv",
            "",
            "strong",
            2,
            4,
            Some("kg"),
            3,
            0,
            &[None, None],
        ),
        (
            "strong_german.csv",
            "unit=kg",
            "strong",
            1,
            3,
            None,
            1,
            1,
            &[Some(4200)],
        ),
        (
            "hevy_kg.csv",
            "",
            "hevy",
            2,
            9,
            Some("kg"),
            6,
            0,
            &[Some(3840), Some(3900)],
        ),
        (
            "hevy_lbs.csv",
            "",
            "hevy",
            1,
            3,
            Some("lb"),
            2,
            0,
            &[Some(3600)],
        ),
        (
            "fitnotes_kg.csv",
            "",
            "fitnotes",
            2,
            6,
            Some("kg"),
            3,
            2,
            &[None, None],
        ),
        (
            "fitnotes_units.csv",
            "",
            "fitnotes",
            1,
            3,
            Some("lb"),
            2,
            0,
            &[None],
        ),
    ];
    for (i, (file, query, format, n_sessions, n_sets, unit, matched, created, durations)) in
        cases.iter().enumerate()
    {
        let (token, _) = app
            .sign_up(&format!("gen{i}@example.com"), "correct horse battery")
            .await;
        let dry = imported(&app, &token, &format!("dry_run=true&{UTC}"), fixture(file)).await;
        assert_eq!(dry["format"], *format, "{file}");
        assert_eq!(dry["sessions"], *n_sessions, "{file}: {dry}");
        assert_eq!(dry["sets"], *n_sets, "{file}: {dry}");
        assert_eq!(dry["unit"].as_str(), *unit, "{file}: {dry}");
        assert_eq!(dry["exercises_matched"], *matched, "{file}: {dry}");
        assert_eq!(dry["exercises_created"], *created, "{file}: {dry}");
        assert_eq!(dry["warnings"], serde_json::json!([]), "{file}");
        assert_eq!(dry["new_sessions"], *n_sessions, "{file}");
        // A dry run writes nothing.
        assert!(
            records(&app, &token)
                .await
                .get("logs")
                .is_none_or(Vec::is_empty),
            "{file}"
        );

        let done = imported(&app, &token, &format!("{query}&{UTC}"), fixture(file)).await;
        assert_eq!(done["new_sessions"], *n_sessions, "{file}");
        let db = records(&app, &token).await;
        let facts = sessions(&db, false);
        assert_eq!(facts.len(), *n_sessions, "{file}");
        assert_eq!(
            facts.iter().map(|s| s.2).collect::<Vec<_>>(),
            durations.to_vec(),
            "{file}"
        );
        let sets: usize = facts.iter().flat_map(|s| &s.3).map(|b| b.1.len()).sum();
        assert_eq!(sets, *n_sets, "{file}");
        assert_eq!(db["custom_exercises"].len(), *created, "{file}");
        for log in &db["logs"] {
            assert_eq!(log["is_imported"], true, "{file}");
            assert!(log["imported_at"].as_i64().unwrap() > 0, "{file}");
        }
        let check: Box<dyn Fn(&[SessionFacts])> = match *file {
            "strong_ios_12.csv" => Box::new(|f| {
                // 2023-01-05 18:30 UTC; three blocks, the bench twice.
                assert_eq!(f[0].0, 1_672_943_400_000);
                assert_eq!(f[0].1, "Push, Heavy");
                let ex: Vec<&str> = f[0].3.iter().map(|b| b.0.as_str()).collect();
                assert_eq!(ex[0], "barbell-bench-press");
                assert_eq!(ex[2], "barbell-bench-press");
                assert_eq!(
                    set_types(&f[..1]),
                    ["warmup", "normal", "normal", "normal", "drop", "failure"]
                );
                // 225 lb, 5 reps.
                assert_eq!(f[0].3[0].1[1].1, Some(102.058));
                assert_eq!(f[0].3[0].1[1].2, Some(5));
                // 1.5 mi of treadmill in 600 s; a 55 s plank.
                assert_eq!(f[1].3[1].1[0].4, Some(2414.016));
                assert_eq!(f[1].3[1].1[0].3, Some(600));
                assert_eq!(f[2].3[0].1[0].3, Some(55));
            }),
            "strong_android.csv" => Box::new(|f| {
                assert_eq!(
                    set_types(&f[..1]),
                    ["warmup", "normal", "normal", "failure"]
                );
                assert_eq!(f[0].3[0].1[1].1, Some(22.68));
                assert_eq!(f[1].3[0].1[0].4, Some(5000.0));
                assert_eq!(f[1].3[0].1[0].3, Some(1500));
            }),
            "strong_units_2019.csv" => Box::new(|f| {
                assert_eq!(f[0].3[0].1[0].1, Some(43.091));
                assert_eq!(f[0].3[1].1[0].4, Some(4988.966));
                assert_eq!(f[1].3[0].1[0].1, Some(45.0));
            }),
            "strong_legacy_2016.csv" => Box::new(|f| {
                assert_eq!(set_types(f), ["normal"; 4]);
                assert_eq!(f[0].3[0].1[1].1, Some(62.5));
            }),
            "strong_german.csv" => Box::new(|f| {
                assert_eq!(f[0].1, "Oberkörper");
                assert_eq!(f[0].3[0].1[1].1, Some(82.5));
            }),
            "hevy_kg.csv" => Box::new(|f| {
                assert_eq!(f[0].1, "Push Day 💪");
                assert_eq!(
                    set_types(f),
                    [
                        "warmup", "normal", "drop", "normal", "normal", "normal", "normal",
                        "failure", "normal"
                    ]
                );
                // Bodyweight push-ups: no weight; the plank: 60 s only.
                assert_eq!(
                    f[0].3[1].1[0],
                    ("normal".into(), None, Some(15), None, None)
                );
                assert_eq!(
                    f[0].3[3].1[0],
                    ("normal".into(), None, None, Some(60), None)
                );
                assert_eq!(f[1].3[1].1[0].4, Some(2500.0));
            }),
            "hevy_lbs.csv" => Box::new(|f| {
                assert_eq!(f[0].3[0].1[0].1, Some(54.431));
                assert_eq!(f[0].3[1].1[0].4, Some(16093.44));
            }),
            "fitnotes_kg.csv" => Box::new(|f| {
                assert_eq!(f[0].3[0].0, "barbell-bench-press");
                assert_eq!(f[0].3[1].0, "barbell-back-squat");
                assert_eq!(f[0].3[2].1[0].3, Some(750));
                assert_eq!(f[0].3[2].1[0].4, Some(2000.0));
            }),
            _ => Box::new(|_| {}),
        };
        check(&facts);
    }
}

async fn reimport_adds_nothing_and_a_newer_export_only_its_new_sessions(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, user) = app
        .sign_up("again@example.com", "correct horse battery")
        .await;
    let file = fixture("strong_ios_12.csv");
    imported(&app, &token, "unit=lb", file.clone()).await;
    let log_len = app.store().change_log(&user).await.unwrap().len();
    let before = records(&app, &token).await;

    let again = imported(&app, &token, "unit=lb", file.clone()).await;
    assert_eq!(
        (
            again["new_sessions"].as_u64(),
            again["skipped_duplicates"].as_u64()
        ),
        (Some(0), Some(3))
    );
    assert_eq!(
        again["exercises_created"], 0,
        "the custom exercise is matched now"
    );
    assert_eq!(app.store().change_log(&user).await.unwrap().len(), log_len);
    assert_eq!(records(&app, &token).await, before);

    let mut newer = file;
    newer.extend_from_slice(
        b"2023-01-12 18:00:00,\"Push, Heavy\",50m,Bench Press (Barbell),1,230,5,0,0,,,\n",
    );
    let dry = imported(&app, &token, "unit=lb&dry_run=true", newer.clone()).await;
    assert_eq!(
        (
            dry["new_sessions"].as_u64(),
            dry["skipped_duplicates"].as_u64()
        ),
        (Some(1), Some(3))
    );
    imported(&app, &token, "unit=lb", newer).await;
    let after = records(&app, &token).await;
    assert_eq!(after["logs"].len(), 4);
    assert_eq!(after["log_exercise_sets"].len(), 11);
    assert_eq!(after["custom_exercises"].len(), 1);
}

async fn bad_files_get_their_4xx_and_write_nothing(db: TestDb) {
    let app = TestApp::new(db, &[("EZLIFT_IMPORT_MAX_BYTES", "4096")]).await;
    let (token, user) = app
        .sign_up("bad@example.com", "correct horse battery")
        .await;
    let log_len = app.store().change_log(&user).await.unwrap().len();

    let big = import(&app, &token, "", vec![b'a'; 5000]).await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", big.text());
    assert!(big.json()["message"].as_str().unwrap().contains("larger"));

    let unknown = import(&app, &token, "", b"name,age\nBob,42\n".to_vec()).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.json()["message"]
            .as_str()
            .unwrap()
            .contains("\"name,age\""),
        "{}",
        unknown.text()
    );

    for junk in [
        vec![],
        vec![0xff, 0x00, 0xfe, 0x13],
        b"\n\n\n".to_vec(),
        b"{\"a\":".to_vec(),
        b"{}".to_vec(),
    ] {
        let res = import(&app, &token, "", junk.clone()).await;
        assert_eq!(
            res.status,
            StatusCode::BAD_REQUEST,
            "{junk:?}: {}",
            res.text()
        );
    }
    let needs_unit = import(&app, &token, "", fixture("strong_ios_10.csv")).await;
    assert_eq!(needs_unit.status, StatusCode::BAD_REQUEST);
    assert!(needs_unit.text().contains("unit=kg or unit=lb"));
    let dry = imported(&app, &token, "dry_run=true", fixture("strong_ios_10.csv")).await;
    assert_eq!(dry["unit"], Value::Null);
    assert_eq!(dry["unit_guess"], "kg");
    let wrong = import(&app, &token, "format=hevy", fixture("strong_ios_10.csv")).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.text().contains("Strong"), "{}", wrong.text());
    for query in [
        "unit=stone",
        "dry_run=maybe",
        "format=myfitnesspal",
        "tz=Mars/Olympus",
    ] {
        let res = import(&app, &token, query, fixture("strong_ios_10.csv")).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}");
    }
    assert_eq!(
        app.store().change_log(&user).await.unwrap().len(),
        log_len,
        "nothing written"
    );

    // Rows that cannot be read are listed by line; the rest imports.
    let messy =
        b"Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,RPE\n\
2024-02-01 06:00:00,A,45m,Deadlift (Barbell),1,140,5,0,0,\n\
yesterday,A,45m,Deadlift (Barbell),2,140,5,0,0,\n\
2024-02-01 06:00:00,A,45m,Deadlift (Barbell),3,heavy,5,0,0,\n\
2024-02-01 06:00:00,A,45m,,4,140,5,0,0,\n\
2024-02-01 06:00:00,A,45m,Deadlift (Barbell),5,140,5.5,0,0,\n"
            .to_vec();
    let dry = imported(&app, &token, "dry_run=true&unit=kg", messy.clone()).await;
    let lines: Vec<u64> = dry["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4, 5, 6], "{dry}");
    assert!(dry["warnings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("yesterday"));
    assert_eq!(dry["sets"], 1);
    imported(&app, &token, "unit=kg", messy).await;
    assert_eq!(records(&app, &token).await["log_exercise_sets"].len(), 1);

    // Cross-site with only the cookie: refused.
    let cookie = format!("ezlift_session={token}");
    let req = Request::post("/api/import?unit=kg")
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .body(Body::from(fixture("strong_ios_10.csv")))
        .unwrap();
    assert_eq!(app.call(req).await.status, StatusCode::FORBIDDEN);
}

/// A failing batch rolls back the batches before it: an import is all or nothing.
async fn a_failed_import_leaves_nothing(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (_, user) = app
        .sign_up("atomic@example.com", "correct horse battery")
        .await;
    let log_len = app.store().change_log(&user).await.unwrap().len();
    let first = server::validate::parse_push(
        &serde_json::json!({"lastPulledAt": 0, "changes": {"logs": {"created": [{"id": "l1", "workout_title": "A", "session_date": 1}], "updated": [], "deleted": []}}}),
        app::model::SCHEMA_VERSION,
    )
    .unwrap();
    let mut batches = vec![
        Ok(first),
        Err(server::store::StoreError::Invalid("broken batch".into())),
    ]
    .into_iter();
    assert!(app.store().import(&user, &mut batches).await.is_err());
    assert_eq!(app.store().change_log(&user).await.unwrap().len(), log_len);
    assert!(app
        .store()
        .known_ids(&user, "logs", &["l1"])
        .await
        .unwrap()
        .is_empty());
}

async fn export_then_import_gives_the_same_history(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (a, _) = app
        .sign_up("source@example.com", "correct horse battery")
        .await;
    imported(
        &app,
        &a,
        &format!("unit=lb&{UTC}"),
        fixture("strong_ios_12.csv"),
    )
    .await;
    imported(&app, &a, UTC, fixture("hevy_kg.csv")).await;
    imported(&app, &a, UTC, fixture("fitnotes_kg.csv")).await;
    let source = records(&app, &a).await;

    let csv = app
        .get(
            &format!("/api/export?format=strong&{UTC}"),
            &[("x-jwt-token", &a)],
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.header("content-disposition").unwrap().contains(".csv"));
    assert!(csv.text().starts_with(
        "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n"
    ));
    let (b, _) = app
        .sign_up("csv-copy@example.com", "correct horse battery")
        .await;
    // The export is in the source account's unit: pounds, which its first import (of a
    // pound file into a new account) made its display unit.
    assert_eq!(weight_unit(&source), "lb");
    let report = imported(&app, &b, &format!("unit=lb&{UTC}"), csv.body.clone()).await;
    assert_eq!(report["format"], "strong");
    let copy = records(&app, &b).await;
    assert_eq!(copy["logs"].len(), source["logs"].len());
    assert_eq!(
        copy["log_exercise_sets"].len(),
        source["log_exercise_sets"].len()
    );
    assert!(
        (volume(&copy) - volume(&source)).abs() < 0.01,
        "{} vs {}",
        volume(&copy),
        volume(&source)
    );
    // Same sessions, exercises (custom ones by name), set types, values and durations.
    let strip = |facts: Vec<SessionFacts>| -> Vec<SessionFacts> {
        facts
            .into_iter()
            .map(|(d, t, dur, blocks)| {
                (
                    d,
                    if t.is_empty() { "Workout".into() } else { t },
                    dur,
                    blocks,
                )
            })
            .collect()
    };
    assert_eq!(strip(sessions(&copy, true)), strip(sessions(&source, true)));

    let json = app
        .get("/api/export?format=json", &[("x-jwt-token", &a)])
        .await;
    assert_eq!(json.status, StatusCode::OK);
    let (c, _) = app
        .sign_up("json-copy@example.com", "correct horse battery")
        .await;
    let report = imported(&app, &c, "", json.body.clone()).await;
    assert_eq!(report["format"], "json");
    assert_eq!(report["new_sessions"], source["logs"].len());
    let copy = records(&app, &c).await;
    for table in [
        "logs",
        "log_exercise",
        "log_exercise_sets",
        "custom_exercises",
    ] {
        assert_eq!(copy[table], source[table], "{table}");
    }
    let again = imported(&app, &c, "", json.body).await;
    assert_eq!(again["new_sessions"], 0);

    // A new user's export holds nothing of anyone else's.
    let (d, _) = app
        .sign_up("empty@example.com", "correct horse battery")
        .await;
    let empty = app
        .get("/api/export?format=json", &[("x-jwt-token", &d)])
        .await
        .json();
    assert_eq!(empty["tables"]["logs"], serde_json::json!([]));
    assert_eq!(
        app.get("/api/export?format=json", &[]).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Mangled exports imported for real: always `200` or `400`, never a server error, and
/// the account still pulls whole afterwards.
async fn mangled_files_never_get_a_server_error(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, _) = app
        .sign_up("mangled@example.com", "correct horse battery")
        .await;
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let files = [
        "strong_ios_12.csv",
        "strong_android.csv",
        "hevy_kg.csv",
        "fitnotes_units.csv",
    ];
    let (mut ok, mut refused) = (0, 0);
    for i in 0..60 {
        let mut bytes = fixture(files[i % files.len()]);
        for _ in 0..(1 + next() % 4) {
            let at = (next() as usize) % (bytes.len() + 1);
            match next() % 3 {
                0 => bytes.truncate(at.max(1)),
                1 if at < bytes.len() => bytes[at] = next() as u8,
                _ => {
                    bytes.splice(at..at, *b"\";\n\xff");
                }
            }
        }
        let res = import(&app, &token, "unit=kg", bytes).await;
        match res.status {
            StatusCode::OK => ok += 1,
            StatusCode::BAD_REQUEST => refused += 1,
            other => panic!("case {i}: {other}: {}", res.text()),
        }
    }
    assert!(ok > 0 && refused > 0, "{ok} imported, {refused} refused");
    records(&app, &token).await;
}

fn weight_unit(db: &BTreeMap<String, Vec<Value>>) -> String {
    db["user_settings"][0]["weight_unit"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn a_new_account_takes_the_files_unit_and_an_established_one_keeps_its_own(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (fresh, _) = app
        .sign_up("fresh@example.com", "correct horse battery")
        .await;
    assert_eq!(weight_unit(&records(&app, &fresh).await), "kg");
    let dry = imported(
        &app,
        &fresh,
        &format!("dry_run=true&{UTC}"),
        fixture("hevy_lbs.csv"),
    )
    .await;
    assert_eq!(dry["unit_adopted"], "lb", "{dry}");
    assert_eq!(
        weight_unit(&records(&app, &fresh).await),
        "kg",
        "a dry run changes nothing"
    );
    let done = imported(&app, &fresh, UTC, fixture("hevy_lbs.csv")).await;
    assert_eq!(done["unit_adopted"], "lb", "{done}");
    let db = records(&app, &fresh).await;
    assert_eq!(weight_unit(&db), "lb");
    assert_eq!(db["user_settings"][0]["distance_unit"], "mi");
    assert_eq!(db["user_settings"].len(), 1);
    // Once the account has a history, a file in another unit leaves the choice alone.
    let again = imported(&app, &fresh, UTC, fixture("hevy_kg.csv")).await;
    assert_eq!(again["unit_adopted"], Value::Null, "{again}");
    assert_eq!(weight_unit(&records(&app, &fresh).await), "lb");

    // An account with a session of its own keeps its unit.
    let (own, _) = app
        .sign_up("own@example.com", "correct horse battery")
        .await;
    let log = json!({ "id": "own-log", "workout_title": "Mine", "session_date": 1_700_000_000_000_i64,
        "created_at": 1_700_000_000_000_i64, "updated_at": 1_700_000_000_000_i64 });
    let pushed = app
        .push(
            &own,
            0,
            json!({ "logs": { "created": [log], "updated": [], "deleted": [] } }),
        )
        .await;
    assert_eq!(pushed.status, StatusCode::OK, "{}", pushed.text());
    let done = imported(&app, &own, UTC, fixture("hevy_lbs.csv")).await;
    assert_eq!(done["unit_adopted"], Value::Null, "{done}");
    assert_eq!(weight_unit(&records(&app, &own).await), "kg");
}

/// An import adds only what the account never had: a custom exercise it made and the
/// user renamed keeps its new name, a session the user deleted stays deleted, a session
/// the user edited keeps the edit; the rest of a newer export still comes in.
async fn an_import_never_changes_or_revives_what_the_account_has(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, _) = app
        .sign_up("keeper@example.com", "correct horse battery")
        .await;
    let query = format!("unit=lb&{UTC}");
    imported(&app, &token, &query, fixture("strong_ios_12.csv")).await;
    let db = records(&app, &token).await;
    let custom = db["custom_exercises"][0].clone();
    let logs: Vec<Value> = db["logs"].clone();
    assert!(logs.len() >= 2, "{logs:?}");
    let (gone, edited) = (logs[0]["id"].clone(), logs[1]["id"].clone());
    let cursor = app.pull(&token, None).await["timestamp"].as_i64().unwrap();
    let mut renamed = custom.clone();
    renamed["name"] = json!("My landmine press");
    let mut retitled = logs[1].clone();
    retitled["workout_title"] = json!("Edited by me");
    let res = app
        .push(
            &token,
            cursor,
            json!({
                "custom_exercises": { "created": [], "updated": [renamed], "deleted": [] },
                "logs": { "created": [], "updated": [retitled], "deleted": [gone] },
            }),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());

    // The same file again, dry run and import alike.
    let dry = imported(
        &app,
        &token,
        &format!("dry_run=true&{query}"),
        fixture("strong_ios_12.csv"),
    )
    .await;
    assert_eq!(dry["new_sessions"], 0, "{dry}");
    assert_eq!(dry["exercises_created"], 0, "{dry}");
    let done = imported(&app, &token, &query, fixture("strong_ios_12.csv")).await;
    assert_eq!(done["new_sessions"], 0, "{done}");
    let after = records(&app, &token).await;
    assert_eq!(after["custom_exercises"].len(), 1);
    assert_eq!(after["custom_exercises"][0]["name"], "My landmine press");
    assert!(
        after["logs"].iter().all(|l| l["id"] != gone),
        "a deleted session came back"
    );
    let kept = after["logs"].iter().find(|l| l["id"] == edited).unwrap();
    assert_eq!(kept["workout_title"], "Edited by me");
    assert_eq!(after["logs"].len(), logs.len() - 1);

    // Our JSON export of the account as it was does not bring them back either.
    let (other, _) = app
        .sign_up("keeper-copy@example.com", "correct horse battery")
        .await;
    let export = app
        .get(
            &format!("/api/export?format=json&{UTC}"),
            &[("x-jwt-token", &other)],
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let mut doc: Value = serde_json::from_slice(&export.body).unwrap();
    doc["tables"]["logs"] = json!(logs);
    doc["tables"]["custom_exercises"] = json!([custom]);
    let back = imported(&app, &token, UTC, serde_json::to_vec(&doc).unwrap()).await;
    assert_eq!(back["new_sessions"], 0, "{back}");
    let last = records(&app, &token).await;
    assert_eq!(last["custom_exercises"][0]["name"], "My landmine press");
    assert!(last["logs"].iter().all(|l| l["id"] != gone));
    assert_eq!(last["logs"].len(), logs.len() - 1);
}

/// Hevy's measurement export: one row per day, sides apart, a 0 for what was not taken.
const HEVY_MEASUREMENTS: &str = "date,weight_kg,fat_percent,neck_cm,shoulder_cm,chest_cm,\
left_bicep_cm,right_bicep_cm,left_forearm_cm,right_forearm_cm,abdomen_cm,waist_cm,hips_cm,\
left_thigh_cm,right_thigh_cm,left_calf_cm,right_calf_cm
\"15 Jan 2024, 08:00\",82.4,15.5,0,120,104,36,37,0,0,88,84,98,58,59,38,38
\"22 Jan 2024, 08:00\",81.9,,,,,,,,,,83.5,,,,,
\"29 Jan 2024, 08:00\",eighty,,,,,,,,,,,,,,,
";

async fn measurements_come_in_from_hevy_and_go_out_again_for_their_owner_only(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, user) = app
        .sign_up("tape@example.com", "correct horse battery")
        .await;
    let (other, _) = app
        .sign_up("other@example.com", "correct horse battery")
        .await;
    let body = HEVY_MEASUREMENTS.as_bytes().to_vec();

    let dry = imported(&app, &token, &format!("dry_run=true&{UTC}"), body.clone()).await;
    assert_eq!(
        (dry["format"].as_str(), dry["measurements"].as_u64()),
        (Some("hevy"), Some(2))
    );
    assert_eq!(dry["warnings"][0]["line"], 4, "{dry}");
    assert!(records(&app, &token)
        .await
        .get("body_measurements")
        .is_none_or(Vec::is_empty));

    let done = imported(&app, &token, UTC, body.clone()).await;
    assert_eq!(done["new_measurements"], 2, "{done}");
    let rows = records(&app, &token).await["body_measurements"].clone();
    let first = rows
        .iter()
        .find(|r| r["bodyweight"] == 82.4)
        .expect("the first day");
    assert_eq!(first["measured_at"], 1_705_305_600_000_i64, "08:00 UTC");
    assert_eq!(
        (first["body_fat"].as_f64(), first["waist"].as_f64()),
        (Some(15.5), Some(0.84))
    );
    assert_eq!(first["arm"], 0.365, "both sides, averaged");
    assert!(first["neck"].is_null(), "0 is not a measurement");
    assert_eq!(first["notes"], "shoulder 120 cm · abdomen 88 cm");

    // Again: nothing twice.
    let log_len = app.store().change_log(&user).await.unwrap().len();
    let again = imported(&app, &token, UTC, body).await;
    assert_eq!(
        (
            again["new_measurements"].as_u64(),
            again["skipped_duplicates"].as_u64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(app.store().change_log(&user).await.unwrap().len(), log_len);

    // The export, in kilograms and centimetres, reads back as the same entries.
    let res = app
        .get(
            &format!("/api/export?format=measurements&{UTC}"),
            &[("x-jwt-token", &token)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let csv = res.text();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "date,weight_kg,fat_percent,neck_cm,chest_cm,waist_cm,hips_cm,arm_cm,thigh_cm,calf_cm,notes");
    assert_eq!(
        lines[1],
        "2024-01-15 08:00:00,82.4,15.5,,104,84,98,36.5,58.5,38,shoulder 120 cm · abdomen 88 cm"
    );
    assert_eq!(lines.len(), 3);
    let (fresh, _) = app
        .sign_up("fresh@example.com", "correct horse battery")
        .await;
    let back = imported(&app, &fresh, UTC, csv.into_bytes()).await;
    assert_eq!(
        (back["format"].as_str(), back["new_measurements"].as_u64()),
        (Some("json"), Some(2))
    );
    let strip = |mut rows: Vec<Value>| {
        for r in &mut rows {
            let r = r.as_object_mut().unwrap();
            for k in ["id", "created_at", "updated_at"] {
                r.remove(k);
            }
        }
        rows.sort_by_key(|r| r["measured_at"].as_i64());
        rows
    };
    assert_eq!(
        strip(records(&app, &fresh).await["body_measurements"].clone()),
        strip(rows)
    );

    // Another account exports nothing of it.
    let res = app
        .get(
            "/api/export?format=measurements",
            &[("x-jwt-token", &other)],
        )
        .await;
    assert_eq!(res.text().lines().count(), 1, "only the header");
    let res = app
        .get("/api/export?format=tape", &[("x-jwt-token", &token)])
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(
        res.text().contains("strong, json or measurements"),
        "{}",
        res.text()
    );
}

on_both_backends!(
    measurements_come_in_from_hevy_and_go_out_again_for_their_owner_only,
    an_import_never_changes_or_revives_what_the_account_has,
    a_new_account_takes_the_files_unit_and_an_established_one_keeps_its_own,
    mangled_files_never_get_a_server_error,
    every_generation_reads_exactly,
    reimport_adds_nothing_and_a_newer_export_only_its_new_sessions,
    bad_files_get_their_4xx_and_write_nothing,
    a_failed_import_leaves_nothing,
    export_then_import_gives_the_same_history,
);

/// A Strong iOS export of `sessions` sessions of `sets` sets each, in pounds.
fn strong_export(sessions: usize, sets: usize) -> Vec<u8> {
    let mut out = String::from(
        "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n",
    );
    let lifts = [
        "Squat (Barbell)",
        "Bench Press (Barbell)",
        "Deadlift (Barbell)",
        "Zercher Squat",
    ];
    for s in 0..sessions {
        let day =
            chrono::NaiveDate::from_ymd_opt(2021, 1, 1).unwrap() + chrono::Duration::days(s as i64);
        for k in 0..sets {
            out.push_str(&format!(
                "{day} 07:00:00,\"Day {s}\",1h,{},{},{},5,0,0,,,\n",
                lifts[k / 5 % lifts.len()],
                k % 5 + 1,
                135 + 10 * (k % 5)
            ));
        }
    }
    out.into_bytes()
}

/// Another user's pushes during a large import: each answered while the import is being
/// written, not after it (SQLite has one writer: the import is staged and published in one
/// short step). The slowest push waits at most a quarter of the import's time.
async fn other_users_push_while_an_import_is_written(db: TestDb) {
    let app = std::sync::Arc::new(TestApp::new(db, &[]).await);
    let (importer, _) = app
        .sign_up("big-import@example.com", "correct horse battery")
        .await;
    let (other, _) = app
        .sign_up("meanwhile@example.com", "correct horse battery")
        .await;
    let file = strong_export(400, 15);
    let started = std::time::Instant::now();
    let import = {
        let app = app.clone();
        tokio::spawn(async move {
            let res = import(&app, &importer, &format!("unit=lb&{UTC}"), file).await;
            (res, started.elapsed())
        })
    };
    let mut waits = Vec::new();
    let mut n = 0;
    while !import.is_finished() {
        n += 1;
        let log = format!("other-{n}");
        let push_started = std::time::Instant::now();
        let res = app
            .push(
                &other,
                0,
                json!({ "logs": { "created": [{ "id": log, "workout_title": "Meanwhile", "session_date": n }], "updated": [], "deleted": [] } }),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        waits.push(push_started.elapsed());
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let (res, took) = import.await.unwrap();
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["new_sessions"], 400);
    let slowest = waits.iter().max().copied().unwrap_or_default();
    eprintln!(
        "import {took:?}; {} pushes of another user meanwhile, slowest {slowest:?}",
        waits.len()
    );
    assert!(
        waits.len() >= 3,
        "only {} pushes while the import ran ({took:?})",
        waits.len()
    );
    assert!(
        slowest * 4 < took,
        "a push of another user waited {slowest:?} during an import of {took:?}"
    );
    let pulled = app.pull(&other, None).await;
    assert_eq!(
        pulled["changes"]["logs"]["created"]
            .as_array()
            .unwrap()
            .len(),
        waits.len()
    );
}

/// A device writes a record that an import of our JSON export also carries, while the
/// import runs: whichever comes second is refused whole (409), and the device's
/// acknowledged write is never overwritten.
async fn an_edit_made_while_an_import_runs_is_never_overwritten(db: TestDb) {
    let app = std::sync::Arc::new(TestApp::new(db, &[]).await);
    let (source, _) = app
        .sign_up("source@example.com", "correct horse battery")
        .await;
    imported(
        &app,
        &source,
        &format!("unit=lb&{UTC}"),
        strong_export(300, 15),
    )
    .await;
    let export = app
        .get(
            &format!("/api/export?format=json&{UTC}"),
            &[("x-jwt-token", &source)],
        )
        .await;
    assert_eq!(export.status, StatusCode::OK);
    let doc: Value = serde_json::from_slice(&export.body).unwrap();
    let mut mine = doc["tables"]["logs"][150].clone();
    mine["workout_title"] = json!("Logged on my phone");
    let id = mine["id"].clone();

    for delay in [0u64, 30, 120, 400] {
        let email = format!("target-{delay}@example.com");
        let (target, _) = app.sign_up(&email, "correct horse battery").await;
        let import = {
            let (app, target, body) = (
                app.clone(),
                target.clone(),
                serde_json::to_vec(&doc).unwrap(),
            );
            tokio::spawn(async move { import(&app, &target, UTC, body).await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        let pushed = app
            .push(
                &target,
                0,
                json!({ "logs": { "created": [mine.clone()], "updated": [], "deleted": [] } }),
            )
            .await;
        let imported = import.await.unwrap();
        eprintln!(
            "delay {delay}: push {} import {}",
            pushed.status, imported.status
        );
        let after = records(&app, &target).await;
        let log = after["logs"].iter().find(|l| l["id"] == id).cloned();
        match (pushed.status, imported.status) {
            (StatusCode::OK, StatusCode::OK) => {
                // The push came before the import looked: the import left the log alone.
                assert_eq!(
                    log.unwrap()["workout_title"],
                    "Logged on my phone",
                    "delay {delay}"
                );
                assert_eq!(after["logs"].len(), 300, "delay {delay}");
            }
            (StatusCode::OK, StatusCode::CONFLICT) => {
                assert_eq!(
                    log.unwrap()["workout_title"],
                    "Logged on my phone",
                    "delay {delay}"
                );
                assert_eq!(
                    after["logs"].len(),
                    1,
                    "a refused import wrote something (delay {delay})"
                );
                assert!(after.get("log_exercise").is_none_or(Vec::is_empty));
            }
            (StatusCode::CONFLICT, StatusCode::OK) => {
                assert_ne!(
                    log.unwrap()["workout_title"],
                    "Logged on my phone",
                    "delay {delay}"
                );
                assert_eq!(after["logs"].len(), 300, "delay {delay}");
            }
            other => panic!(
                "delay {delay}: {other:?}: {} / {}",
                pushed.text(),
                imported.text()
            ),
        }
    }
}

/// Both stores, on a runtime with two workers: the import and the other requests run at
/// the same time, as in the server.
mod concurrent {
    macro_rules! on_both {
        ($($case:ident),*) => {
            mod sqlite {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        crate::common::bounded(stringify!($case), super::super::$case(crate::common::TestDb::sqlite())).await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $case() {
                        if let Some(db) = crate::common::TestDb::postgres().await {
                            crate::common::bounded(stringify!($case), super::super::$case(db)).await;
                        }
                    }
                )*
            }
        };
    }
    on_both!(
        other_users_push_while_an_import_is_written,
        an_edit_made_while_an_import_runs_is_never_overwritten
    );
}
