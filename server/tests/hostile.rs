//! Hostile input, generated from a seed: push bodies, pull queries, tokens and imported
//! files that are malformed, huge, deeply nested, of the wrong types or aimed at other
//! accounts. Every answer must be a success or a 4xx with a message, never a 5xx; a
//! refused request must leave nothing written (the user's change stamp, which every write
//! advances, stays where it was); the server must keep answering.
//!
//! `EZLIFT_FUZZ_SEED` replays a run; `EZLIFT_FUZZ_CASES` makes it longer.

mod common;

use axum::body::Body;
use axum::http::{HeaderValue, Request, StatusCode};
use common::{Response, TestApp, TestDb};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use server::store::Freshness;

on_both_backends!(hostile_input_is_refused_cleanly);

fn cases() -> usize {
    std::env::var("EZLIFT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300)
}

fn seed() -> u64 {
    std::env::var("EZLIFT_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20261127)
}

/// The answer is a success, or a 4xx whose JSON says what is wrong; never a 5xx.
fn check(what: &str, res: &Response) {
    assert!(
        !res.status.is_server_error(),
        "{what}: {} {}",
        res.status,
        res.text()
    );
    if res.status.is_client_error() && res.status != StatusCode::NOT_MODIFIED {
        let body: Value = serde_json::from_slice(&res.body).unwrap_or_else(|_| {
            panic!(
                "{what}: {} without a JSON message: {}",
                res.status,
                res.text()
            )
        });
        let message = body["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty(), "{what}: no message in {body}");
    }
}

const TABLES: &[&str] = &[
    "user_settings",
    "routines",
    "routine_workouts",
    "workouts",
    "workout_exercise",
    "workout_exercise_sets",
    "logs",
    "log_exercise",
    "log_exercise_sets",
    "custom_exercises",
];

fn nasty_string(rng: &mut StdRng) -> String {
    match rng.gen_range(0..10) {
        0 => String::new(),
        1 => "x".repeat(rng.gen_range(1000..100_000)),
        2 => "NaN".into(),
        3 => "Infinity".into(),
        4 => "\u{0}\u{1}\u{7f}".into(),
        5 => "💪🏋️‍♀️ Bänkdrücken".into(),
        6 => "'; drop table changes; --".into(),
        7 => "../../etc/passwd".into(),
        8 => "<script>alert(1)</script>".into(),
        _ => (0..rng.gen_range(1..40))
            .map(|_| char::from_u32(rng.gen_range(1..0x2FFF)).unwrap_or('?'))
            .collect(),
    }
}

fn nasty_number(rng: &mut StdRng) -> Value {
    match rng.gen_range(0..8) {
        0 => json!(f64::MAX),
        1 => json!(-f64::MAX),
        2 => json!(u64::MAX),
        3 => json!(i64::MIN),
        4 => json!(1e-300),
        5 => json!(-0.0),
        6 => json!(0.1 + 0.2),
        _ => json!(rng.gen::<i32>()),
    }
}

fn random_json(rng: &mut StdRng, depth: u32) -> Value {
    match rng.gen_range(0..if depth == 0 { 5 } else { 7 }) {
        0 => Value::Null,
        1 => json!(rng.gen_bool(0.5)),
        2 => nasty_number(rng),
        3 => json!(nasty_string(rng)),
        4 => json!(rng.gen::<i64>()),
        5 => Value::Array(
            (0..rng.gen_range(0..5))
                .map(|_| random_json(rng, depth - 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.gen_range(0..5))
                .map(|_| {
                    let key = if rng.gen_bool(0.5) {
                        (*[
                            "id",
                            "created",
                            "updated",
                            "deleted",
                            "changes",
                            "lastPulledAt",
                            "title",
                            "user_id",
                        ]
                        .choose(rng)
                        .unwrap())
                        .to_owned()
                    } else {
                        nasty_string(rng)
                    };
                    (key, random_json(rng, depth - 1))
                })
                .collect(),
        ),
    }
}

fn nasty_id(rng: &mut StdRng) -> Value {
    match rng.gen_range(0..9) {
        0 => json!(""),
        1 => json!("a b"),
        2 => json!("x".repeat(65)),
        3 => json!("../../x"),
        4 => json!("id\u{0}"),
        5 => json!("💪"),
        6 => json!(rng.gen::<u32>()),
        7 => Value::Null,
        _ => json!({ "id": "nested" }),
    }
}

/// A push that looks right but has something wrong (or several things) in it.
fn hostile_push(rng: &mut StdRng) -> (String, Value) {
    let mut changes = Map::new();
    let mut what = Vec::new();
    for _ in 0..rng.gen_range(1..4) {
        let table = if rng.gen_ratio(1, 6) {
            let t = (*[
                "users",
                "changes",
                "local_account",
                "",
                "__proto__",
                "routines ",
            ]
            .choose(rng)
            .unwrap())
            .to_owned();
            what.push(format!("unknown table {t:?}"));
            t
        } else {
            (*TABLES.choose(rng).unwrap()).to_owned()
        };
        let mut created = Vec::new();
        let mut deleted = Vec::new();
        for n in 0..rng.gen_range(0..6) {
            let mut record = Map::new();
            record.insert("id".into(), json!(format!("r{n}")));
            match rng.gen_range(0..10) {
                0 => {
                    record.insert("id".into(), nasty_id(rng));
                    what.push("bad id".into());
                }
                1 => {
                    let column = (*[
                        "user_id",
                        "server_changed_at",
                        "_status",
                        "__proto__",
                        "nope",
                    ]
                    .choose(rng)
                    .unwrap())
                    .to_owned();
                    record.insert(column.clone(), random_json(rng, 2));
                    what.push(format!("column {column}"));
                }
                2 => {
                    record.insert("title".into(), nasty_number(rng));
                    record.insert("reps".into(), json!(nasty_string(rng)));
                    what.push("wrong types".into());
                }
                3 => {
                    record.insert("weight".into(), json!("NaN"));
                    record.insert("order".into(), json!("Infinity"));
                    what.push("NaN-like strings".into());
                }
                4 => {
                    deleted.push(json!(format!("r{n}")));
                    what.push("an id both created and deleted".into());
                }
                5 => {
                    for (k, v) in random_json(rng, 3).as_object().cloned().unwrap_or_default() {
                        record.insert(k, v);
                    }
                    what.push("random fields".into());
                }
                6 => {
                    record.insert("workout_id".into(), json!("someone-elses-workout"));
                    record.insert("log_id".into(), json!("missing-parent"));
                    what.push("parents that are not there".into());
                }
                _ => {
                    record.insert("notes".into(), json!(nasty_string(rng)));
                }
            }
            created.push(Value::Object(record));
        }
        let entry = match rng.gen_range(0..8) {
            0 => random_json(rng, 2),
            1 => json!({ "created": created.clone(), "updated": created, "deleted": deleted }),
            _ => json!({ "created": created, "updated": [], "deleted": deleted }),
        };
        changes.insert(table, entry);
    }
    let last_pulled_at = match rng.gen_range(0..8) {
        0 => json!(-1),
        1 => json!("yesterday"),
        2 => json!(1e20),
        3 => json!(true),
        4 => json!(4_102_444_800_000_i64),
        5 => Value::Null,
        _ => json!(0),
    };
    (
        what.join(", "),
        json!({ "lastPulledAt": last_pulled_at, "changes": changes }),
    )
}

async fn push_raw(app: &TestApp, token: &str, query: &str, body: Vec<u8>) -> Response {
    app.call(
        Request::post(format!("/api/sync/push-changes{query}"))
            .header("content-type", "application/json")
            .header("x-jwt-token", token)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn hostile_input_is_refused_cleanly(db: TestDb) {
    let app = TestApp::new(db, &[]).await;
    let (token, user) = app.sign_up("target@example.com", "a good password").await;
    let mut rng = StdRng::seed_from_u64(seed());
    println!(
        "hostile input: seed {} (replay with EZLIFT_FUZZ_SEED)",
        seed()
    );
    let store = app.store();
    let mut tried = std::collections::BTreeMap::<&str, usize>::new();

    // Push bodies: structured but wrong.
    let mut accepted = 0;
    for i in 0..cases() {
        let (what, body) = hostile_push(&mut rng);
        let before = store.change_stamp(&user, Freshness::Latest).await.unwrap();
        let res = push_raw(&app, &token, "", body.to_string().into_bytes()).await;
        check(&format!("push {i} ({what})"), &res);
        if res.status.is_success() {
            accepted += 1;
        } else {
            assert_eq!(
                store.change_stamp(&user, Freshness::Latest).await.unwrap(),
                before,
                "push {i} ({what}) was refused with {} but wrote something",
                res.status
            );
        }
        *tried.entry("push bodies").or_default() += 1;
    }
    println!(
        "hostile input: {accepted} of {} pushes were acceptable as sent",
        cases()
    );

    // Push bodies: not even the right shape.
    let mut deep = "[".repeat(100_000);
    deep.push_str(&"]".repeat(100_000));
    let mut raw_bodies: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"1e999".to_vec(),
        b"{\"changes\": 1e999}".to_vec(),
        b"\xff\xfe\x00".to_vec(),
        b"{\"lastPulledAt\": 0, \"changes\": {\"routines\": {\"created\": [{\"id\": \"a\", \"title\": NaN}]}}}".to_vec(),
        b"{\"lastPulledAt\": 0, \"changes\": {\"routines\": {\"created\": [{\"id\": \"dup\"}], \"deleted\": [\"dup\"]}}}".to_vec(),
        b"{\"lastPulledAt\": 0, \"changes\": {\"routines\": {\"created\": [{\"id\": \"dup\"}, {\"id\": \"dup\"}]}}}".to_vec(),
        deep.into_bytes(),
    ];
    for _ in 0..cases() / 3 {
        raw_bodies.push(random_json(&mut rng, 5).to_string().into_bytes());
        let mut bytes = hostile_push(&mut rng).1.to_string().into_bytes();
        // Cut short or with a byte flipped.
        if rng.gen_bool(0.5) && !bytes.is_empty() {
            let at = rng.gen_range(0..bytes.len());
            bytes.truncate(at);
        } else if !bytes.is_empty() {
            let at = rng.gen_range(0..bytes.len());
            bytes[at] = rng.gen();
        }
        raw_bodies.push(bytes);
    }
    for (i, body) in raw_bodies.into_iter().enumerate() {
        let before = store.change_stamp(&user, Freshness::Latest).await.unwrap();
        let res = push_raw(&app, &token, "", body).await;
        check(&format!("raw push {i}"), &res);
        if !res.status.is_success() {
            assert_eq!(
                store.change_stamp(&user, Freshness::Latest).await.unwrap(),
                before
            );
        }
        *tried.entry("malformed push bodies").or_default() += 1;
    }

    // 10,000 records in one push: accepted (under the cap), all or nothing.
    let many: Vec<Value> = (0..10_000)
        .map(|i| json!({ "id": format!("bulk{i}"), "title": "R" }))
        .collect();
    let res = app
        .push(
            &token,
            0,
            json!({ "routines": { "created": many, "updated": [], "deleted": [] } }),
        )
        .await;
    check("10,000 records", &res);
    assert_eq!(res.status, StatusCode::OK);
    let state = app.pull(&token, None).await;
    assert!(
        state["changes"]["routines"]["created"]
            .as_array()
            .unwrap()
            .len()
            >= 10_000
    );
    // The same with one bad record at the end: nothing of it is written.
    let before = store.change_stamp(&user, Freshness::Latest).await.unwrap();
    let mut many: Vec<Value> = (0..10_000)
        .map(|i| json!({ "id": format!("more{i}"), "title": "R" }))
        .collect();
    many.push(json!({ "id": "bad", "title": 5 }));
    let cursor = state["timestamp"].as_i64().unwrap();
    let res = app
        .push(
            &token,
            cursor,
            json!({ "routines": { "created": many, "updated": [], "deleted": [] } }),
        )
        .await;
    check("10,001 records, the last bad", &res);
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        store.change_stamp(&user, Freshness::Latest).await.unwrap(),
        before
    );
    *tried.entry("bulk pushes").or_default() += 2;

    // Schema versions and pull queries.
    let mut params: Vec<String> = vec![
        "".into(),
        "lastPulledAt=".into(),
        "lastPulledAt=-1".into(),
        "lastPulledAt=NaN".into(),
        "lastPulledAt=1e3".into(),
        "lastPulledAt=99999999999999999999999".into(),
        "lastPulledAt=0x10".into(),
        "lastPulledAt=1.5".into(),
        "lastPulledAt=null&lastPulledAt=5".into(),
        "lastPulledAt=%00".into(),
        "lastPulledAt=%F0%9F%92%AA".into(),
        "schemaVersion=0".into(),
        "schemaVersion=999".into(),
        "schemaVersion=-1".into(),
        "schemaVersion=two".into(),
        "migration=%7B%22from%22%3A%22x%22%7D".into(),
        "migration=%7B".into(),
        "migration=%7B%22from%22%3A99%7D".into(),
        format!("lastPulledAt={}", "9".repeat(5000)),
    ];
    for _ in 0..cases() / 2 {
        let value: String = nasty_string(&mut rng).chars().take(300).collect();
        let encoded: String = value.bytes().map(|b| format!("%{b:02X}")).collect();
        let key = ["lastPulledAt", "schemaVersion", "migration", "unknown"]
            .choose(&mut rng)
            .unwrap();
        params.push(format!("{key}={encoded}"));
        params.push(format!("lastPulledAt={}", rng.gen::<i64>()));
    }
    for q in &params {
        let res = app
            .get(
                &format!("/api/sync/pull-changes?{q}"),
                &[("x-jwt-token", &token)],
            )
            .await;
        check(&format!("pull ?{q:.80}"), &res);
        let before = store.change_stamp(&user, Freshness::Latest).await.unwrap();
        let res = push_raw(
            &app,
            &token,
            &format!("?{q}"),
            json!({ "lastPulledAt": 0, "changes": {} })
                .to_string()
                .into_bytes(),
        )
        .await;
        check(&format!("push ?{q:.80}"), &res);
        assert_eq!(
            store.change_stamp(&user, Freshness::Latest).await.unwrap(),
            before
        );
        *tried.entry("pull and push queries").or_default() += 2;
    }

    // Tokens: random, mutated, forged.
    let mut tokens: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"Bearer x".to_vec(),
        b"a.b.c".to_vec(),
        b"..".to_vec(),
        vec![b'A'; 16 * 1024],
        b"\xff\xfe".to_vec(),
    ];
    for _ in 0..cases() {
        let mut t = token.clone().into_bytes();
        match rng.gen_range(0..5) {
            0 => {
                let at = rng.gen_range(0..t.len());
                t[at] = *b"AZaz09-_.".choose(&mut rng).unwrap();
            }
            1 => t.truncate(rng.gen_range(0..t.len())),
            2 => t.extend_from_slice(nasty_string(&mut rng).as_bytes()),
            3 => {
                // Another payload under the real header and signature.
                use base64::Engine;
                let parts: Vec<&str> = token.split('.').collect();
                let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(random_json(&mut rng, 2).to_string());
                t = format!("{}.{payload}.{}", parts[0], parts[2]).into_bytes();
            }
            _ => {
                t = (0..rng.gen_range(1..400))
                    .map(|_| rng.gen_range(0x20..0x7f))
                    .collect();
            }
        }
        tokens.push(t);
    }
    let mut refused = 0;
    for (i, t) in tokens.iter().enumerate() {
        let Ok(value) = HeaderValue::from_bytes(t) else {
            continue;
        };
        let mut req = Request::get("/api/sync/pull-changes?lastPulledAt=null")
            .body(Body::empty())
            .unwrap();
        req.headers_mut().insert("x-jwt-token", value.clone());
        let res = app.call(req).await;
        check(&format!("token {i}"), &res);
        if *t != token.as_bytes() {
            assert_eq!(
                res.status,
                StatusCode::UNAUTHORIZED,
                "token {i} was accepted"
            );
            refused += 1;
        }
        // The same as a cookie, on a page and on the API.
        if let Ok(cookie) = HeaderValue::from_bytes(&[b"ezlift_session=".as_slice(), t].concat()) {
            let mut req = Request::get("/api/auth/me").body(Body::empty()).unwrap();
            req.headers_mut().insert("cookie", cookie);
            let res = app.call(req).await;
            check(&format!("cookie {i}"), &res);
        }
        *tried.entry("tokens").or_default() += 2;
    }
    println!("hostile input: {refused} forged or broken tokens refused");

    // Imported files: random bytes, and CSV that starts right and goes wrong.
    for i in 0..cases() / 3 {
        let body: Vec<u8> = match rng.gen_range(0..3) {
            0 => (0..rng.gen_range(0..2000)).map(|_| rng.gen()).collect(),
            1 => format!(
                "Date,Workout Name,Exercise Name,Set Order,Weight,Reps\n{}",
                (0..rng.gen_range(1..30))
                    .map(|_| {
                        format!(
                            "{},{},{},{},{},{}\n",
                            nasty_string(&mut rng)
                                .chars()
                                .take(40)
                                .collect::<String>()
                                .replace(['\n', ','], " "),
                            nasty_string(&mut rng).chars().take(40).collect::<String>(),
                            ["Squat", "\"Bench", "", "Deadlift (Barbell)"]
                                .choose(&mut rng)
                                .unwrap(),
                            ["1", "W", "-3", "99999999999999999999"]
                                .choose(&mut rng)
                                .unwrap(),
                            nasty_number(&mut rng),
                            ["5", "NaN", "", "1e9"].choose(&mut rng).unwrap(),
                        )
                    })
                    .collect::<String>()
            )
            .into_bytes(),
            _ => random_json(&mut rng, 4).to_string().into_bytes(),
        };
        let before = store.change_stamp(&user, Freshness::Latest).await.unwrap();
        let res = app
            .call(
                Request::post("/api/import?unit=kg&tz=Europe/Berlin")
                    .header("x-jwt-token", &token)
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        check(&format!("import {i}"), &res);
        if !res.status.is_success() {
            assert_eq!(
                store.change_stamp(&user, Freshness::Latest).await.unwrap(),
                before
            );
        }
        *tried.entry("imported files").or_default() += 1;
    }

    // Still up, and the account's data still reads.
    assert_eq!(app.get("/healthz", &[]).await.status, StatusCode::OK);
    app.pull(&token, None).await;
    println!("hostile input: cases tried {tried:?}");
}
