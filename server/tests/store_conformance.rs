//! The same store behaviour, checked against SQLite and PostgreSQL.

mod common;

use app::model::TABLES;
use common::TestDb;
use server::store::{self, StoreError};
use std::collections::BTreeSet;

on_both_backends!(
    new_user_gets_profile_and_default_settings_through_the_change_log,
    concurrent_first_requests_create_one_user,
    local_accounts_are_unique_by_email,
    server_secret_is_chosen_once,
    exercise_library_round_trips,
    schema_has_every_registry_column,
    change_log_is_append_only,
    records_are_the_users_live_rows,
    a_stale_cursors_delete_lookup_probes_only_the_pushed_ids,
    attempts_are_counted_in_the_database,
    a_sequence_never_decides_the_order_of_changes,
);

/// A user's changes are pulled (and listed) in the order of their stamps, whatever their
/// ids say: ids drawn from a sequence (on several nodes of a sharded database, each with
/// its own range) must never reorder two writes.
async fn a_sequence_never_decides_the_order_of_changes(db: TestDb) {
    use server::store::changeset::PullQuery;
    let store = store::connect(&db.url).await.unwrap();
    store.ensure_user("ordered", None).await.unwrap();
    let since = raw_count(
        &db,
        "select last_change_at from user_profile where id = 'ordered'",
    )
    .await;
    // Routine r is created at one stamp and deleted at the next, but the delete drew the
    // smaller id.
    for (id, kind, changes, at) in [
        (
            900_001,
            "created",
            "'{\"id\":\"r\",\"title\":\"t\"}'",
            since + 10,
        ),
        (900_000, "deleted", "'{\"id\":\"r\"}'", since + 11),
    ] {
        raw_execute(
            &db,
            &format!(
                "insert into changes (id, table_name, record_id, change_type, changes, user_id, \"timestamp\") \
                 values ({id}, 'routines', 'r', '{kind}', {changes}, 'ordered', {at})"
            ),
        )
        .await
        .unwrap();
    }
    raw_execute(
        &db,
        &format!(
            "update user_profile set last_change_at = {} where id = 'ordered'",
            since + 11
        ),
    )
    .await
    .unwrap();
    let pulled = store
        .pull(
            "ordered",
            PullQuery {
                last_pulled_at: Some(since),
                schema_version: 1,
                migrated_from: None,
            },
        )
        .await
        .unwrap();
    let routines = &pulled.changes["routines"];
    assert_eq!(routines.deleted, ["r"], "the later stamp wins");
    assert!(routines.created.is_empty() && routines.updated.is_empty());
    let log = store.change_log("ordered").await.unwrap();
    let kinds: Vec<&str> = log
        .iter()
        .rev()
        .take(2)
        .map(|c| c.change_type.as_str())
        .collect();
    assert_eq!(kinds, ["deleted", "created"], "listed by stamp");
}

/// Attempt limits live in the database: a burst, then refusals saying how long to wait;
/// another key is not affected; a second connection to the same database (another
/// server process) sees the same count; attempts made at once are all counted.
async fn attempts_are_counted_in_the_database(db: TestDb) {
    use std::time::Duration;
    let rate = store::AttemptRate::new(5, Duration::from_secs(60));
    let store = store::connect(&db.url).await.unwrap();
    for _ in 0..3 {
        store.take_attempt("a", rate).await.unwrap().unwrap();
    }
    let other = store::connect(&db.url).await.unwrap();
    for _ in 0..2 {
        other.take_attempt("a", rate).await.unwrap().unwrap();
    }
    let wait = store.take_attempt("a", rate).await.unwrap().unwrap_err();
    assert!(
        wait > Duration::from_secs(10) && wait <= Duration::from_secs(12),
        "one attempt comes back every 12 s: {wait:?}"
    );
    assert!(other.take_attempt("a", rate).await.unwrap().is_err());
    store.take_attempt("b", rate).await.unwrap().unwrap();
    // Ten at once on two connections: exactly the burst of five gets through.
    let mut tasks = Vec::new();
    for i in 0..10 {
        let s = if i % 2 == 0 {
            store.clone()
        } else {
            other.clone()
        };
        tasks.push(tokio::spawn(async move {
            s.take_attempt("c", rate).await.unwrap().is_ok()
        }));
    }
    let mut passed = 0;
    for t in tasks {
        passed += usize::from(t.await.unwrap());
    }
    assert_eq!(passed, 5);
}

/// A push's look-up of records deleted since its cursor reads one index entry per pushed
/// id, whatever the cursor's age and whatever statistics the planner has: here they were
/// gathered while `changes` was nearly empty, then 20,000 changes came after the cursor.
async fn a_stale_cursors_delete_lookup_probes_only_the_pushed_ids(db: TestDb) {
    use sqlx::{Connection, Row};
    let store = store::connect(&db.url).await.unwrap();
    store.ensure_user("grown", None).await.unwrap();
    let routines = |from: usize| -> Vec<serde_json::Value> {
        (from..from + 10_000)
            .map(|i| serde_json::json!({ "id": format!("r{i}"), "title": "t" }))
            .collect()
    };
    let analyze = if db.backend == "postgres" {
        "analyze changes"
    } else {
        "analyze"
    };
    let explain = if db.backend == "postgres" {
        "explain "
    } else {
        "explain query plan "
    };
    let ids: Vec<String> = (0..31).map(|i| format!("new{i}")).collect();
    let sql = format!("{explain}{}", store::latest_changes_sql(ids.len()));
    // The plan's lines: PostgreSQL's `explain` has them in its first column, SQLite's
    // `explain query plan` in its fourth.
    macro_rules! plan_lines {
        ($connection:ty, $column:expr) => {{
            let mut conn = <$connection>::connect(&db.url).await.unwrap();
            let mut q = sqlx::query(&sql).bind("grown").bind("routines");
            for id in &ids {
                q = q.bind(id);
            }
            q.fetch_all(&mut conn)
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get::<String, _>($column).unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        }};
    }
    // Statistics of a nearly empty log.
    let push = |records: Vec<serde_json::Value>| {
        server::validate::parse_push(
            &serde_json::json!({ "lastPulledAt": null, "changes": { "routines": { "created": records } } }),
            1,
        )
        .unwrap()
    };
    store
        .push("grown", &push(routines(0)[..2].to_vec()))
        .await
        .unwrap();
    let stale_cursor = 1;
    raw_execute(&db, analyze).await.unwrap();
    for from in [100, 10_100] {
        store.push("grown", &push(routines(from))).await.unwrap();
    }
    let plan = if db.backend == "postgres" {
        plan_lines!(sqlx::PgConnection, 0)
    } else {
        plan_lines!(sqlx::SqliteConnection, 3)
    };
    assert!(plan.contains("changes_user_record_idx"), "{plan}");
    // Neither store's index in stamp order (a walk of every change since the cursor).
    assert!(!plan.contains("changes_user_timestamp_idx"), "{plan}");
    assert!(!plan.contains("changes_pkey"), "{plan}");
    assert!(!plan.to_lowercase().contains("seq scan"), "{plan}");
    assert!(!plan.contains("SCAN changes"), "{plan}");
    // And the push itself, from before all of it, goes through.
    let stale = server::validate::parse_push(
        &serde_json::json!({ "lastPulledAt": stale_cursor, "changes": { "routines": { "created":
            ids.iter().map(|id| serde_json::json!({ "id": id, "title": "late" })).collect::<Vec<_>>() } } }),
        1,
    )
    .unwrap();
    store.push("grown", &stale).await.unwrap();
}

/// A push of a new session writes each table once and its whole change log in one
/// statement: PostgreSQL gives the rows one statement writes the same command id
/// (`cmin`), so counting distinct ids counts the statements that wrote them.
#[tokio::test]
async fn a_push_writes_each_table_once_and_the_log_once() {
    use sqlx::{Connection, Row};
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = store::connect(&db.url).await.unwrap();
    store.ensure_user("counted", None).await.unwrap();
    let (sets, exercises): (Vec<_>, Vec<_>) = (0..6)
        .map(|e| {
            let sets: Vec<_> = (0..4)
                .map(|s| serde_json::json!({ "id": format!("s{e}-{s}"), "log_exercise_id": format!("e{e}"), "order": s, "reps": 5, "weight": 100, "completed": true, "set_type": "normal" }))
                .collect();
            (sets, serde_json::json!({ "id": format!("e{e}"), "log_id": "log", "exercise_id": "barbell-bench-press", "order": e }))
        })
        .unzip();
    let push = server::validate::parse_push(
        &serde_json::json!({ "lastPulledAt": null, "changes": {
            "logs": { "created": [{ "id": "log", "workout_title": "Bench", "session_date": 1, "duration": 60 }] },
            "log_exercise": { "created": exercises },
            "log_exercise_sets": { "created": sets.concat() },
        } }),
        2,
    )
    .unwrap();
    let pushed = store.push("counted", &push).await.unwrap();
    assert!(pushed.response.experimental_rejected_ids.is_empty());
    let mut conn = sqlx::PgConnection::connect(&db.url).await.unwrap();
    let statements = |table: &str| {
        format!(
            "select count(*)::bigint as rows, count(distinct cmin::text)::bigint as statements \
             from {table} where user_id = 'counted' and {}",
            if table == "changes" {
                "table_name <> 'user_settings'"
            } else {
                "true"
            }
        )
    };
    for (table, rows) in [
        ("logs", 1),
        ("log_exercise", 6),
        ("log_exercise_sets", 24),
        ("changes", 31),
    ] {
        let row = sqlx::query(&statements(table))
            .fetch_one(&mut conn)
            .await
            .unwrap();
        let (n, by): (i64, i64) = (row.get("rows"), row.get("statements"));
        assert_eq!(
            (n, by),
            (rows, 1),
            "{table}: {n} rows written by {by} statements"
        );
    }
}

/// What server-rendered pages read: only the user's own rows, only live ones, only the
/// tables asked for.
async fn records_are_the_users_live_rows(db: TestDb) {
    let store = store::connect(&db.url).await.unwrap();
    for (user, title) in [("user-a", "A's"), ("user-b", "B's")] {
        store.ensure_user(user, None).await.unwrap();
        let push = server::validate::parse_push(
            &serde_json::json!({
                "lastPulledAt": null,
                "changes": { "routines": { "created": [
                    { "id": format!("{user}-keep"), "title": title, "order": 1.5 },
                    { "id": format!("{user}-gone"), "title": "gone", "order": 2 },
                ] } },
            }),
            1,
        )
        .unwrap();
        store.push(user, &push).await.unwrap();
    }
    let cursor = store
        .pull(
            "user-a",
            server::store::changeset::PullQuery {
                last_pulled_at: None,
                schema_version: 1,
                migrated_from: None,
            },
        )
        .await
        .unwrap()
        .timestamp;
    let delete = server::validate::parse_push(
        &serde_json::json!({
            "lastPulledAt": cursor,
            "changes": { "routines": { "deleted": ["user-a-gone"] } },
        }),
        1,
    )
    .unwrap();
    store.push("user-a", &delete).await.unwrap();

    let tables = store
        .records("user-a", &["routines", "workouts", "nope"])
        .await
        .unwrap();
    assert_eq!(tables.keys().collect::<Vec<_>>(), ["routines", "workouts"]);
    let routines = &tables["routines"];
    assert_eq!(routines.len(), 1);
    assert_eq!(routines[0]["id"], "user-a-keep");
    assert_eq!(routines[0]["title"], "A's");
    assert_eq!(routines[0]["order"], 1.5);
    assert!(tables["workouts"].is_empty());
}

async fn new_user_gets_profile_and_default_settings_through_the_change_log(db: TestDb) {
    let store = store::connect(&db.url).await.unwrap();
    assert_eq!(store.backend(), db.backend);
    assert!(store
        .ensure_user("user-a", Some("a@example.com"))
        .await
        .unwrap());

    let settings = store
        .user_settings("user-a")
        .await
        .unwrap()
        .expect("settings");
    let id = settings["id"].as_str().unwrap().to_owned();
    assert_ne!(id, "user-a", "the settings id is its own, not the user's");
    assert!(app::model::RecordId::parse(&id).is_ok());
    assert_eq!(settings["weight_unit"], "kg");
    assert_eq!(settings["default_rest_seconds"], 90);
    assert_eq!(settings["one_rm_formula"], "epley");

    let log = store.change_log("user-a").await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].table_name, "user_settings");
    assert_eq!(log[0].record_id, id);
    assert_eq!(log[0].change_type, "created");
    assert_eq!(log[0].changes, serde_json::Value::Object(settings));
    assert!(log[0].timestamp > 0);

    // A known user is left alone: no second settings row, no second change.
    assert!(!store
        .ensure_user("user-a", Some("a@example.com"))
        .await
        .unwrap());
    assert_eq!(store.change_log("user-a").await.unwrap().len(), 1);
    // Another user sees nothing of user-a's.
    assert!(store.user_settings("user-b").await.unwrap().is_none());
    assert!(store.change_log("user-b").await.unwrap().is_empty());
}

async fn concurrent_first_requests_create_one_user(db: TestDb) {
    let store = store::connect(&db.url).await.unwrap();
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.ensure_user("racer", None).await.unwrap() })
        })
        .collect();
    let mut created = 0;
    for t in tasks {
        created += usize::from(t.await.unwrap());
    }
    assert_eq!(created, 1);
    assert_eq!(store.change_log("racer").await.unwrap().len(), 1);
}

async fn local_accounts_are_unique_by_email(db: TestDb) {
    let store = store::connect(&db.url).await.unwrap();
    let id = store
        .create_local_account("ann@example.com", "$argon2id$fake")
        .await
        .unwrap();
    let account = store
        .local_account("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.user_id, id);
    assert_eq!(account.password_hash, "$argon2id$fake");
    assert!(
        !format!("{account:?}").contains("fake"),
        "Debug must hide the hash"
    );
    // Creating the account also created the user and their settings.
    assert!(store.user_settings(&id).await.unwrap().is_some());

    let again = store
        .create_local_account("ann@example.com", "$argon2id$other")
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // The refused attempt left no half-created user behind: its profile and default
    // settings were in the same transaction as the refused account.
    assert_eq!(raw_count(&db, "select count(*) from user_profile").await, 1);
    assert_eq!(
        raw_count(&db, "select count(*) from user_settings").await,
        1
    );
    assert_eq!(
        store
            .local_account("ann@example.com")
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        "$argon2id$fake"
    );
}

async fn server_secret_is_chosen_once(db: TestDb) {
    let store = store::connect(&db.url).await.unwrap();
    assert_eq!(store.server_secret("k", "first").await.unwrap(), "first");
    assert_eq!(store.server_secret("k", "second").await.unwrap(), "first");
    // A second process on the same database agrees.
    let other = store::connect(&db.url).await.unwrap();
    assert_eq!(other.server_secret("k", "third").await.unwrap(), "first");
}

async fn exercise_library_round_trips(db: TestDb) {
    let store = store::connect(&db.url).await.unwrap();
    let rows = server::exercises::builtin().unwrap();
    store.replace_exercises(&rows).await.unwrap();
    store.replace_exercises(&rows).await.unwrap();
    let stored = store.exercises().await.unwrap();
    assert_eq!(stored.len(), rows.len());
    let bench = stored
        .iter()
        .find(|r| r.id == "barbell-bench-press")
        .unwrap();
    assert_eq!(bench.secondary_muscles, ["triceps", "front delts"]);
    let lateral = stored
        .iter()
        .find(|r| r.id == "machine-lateral-raise")
        .unwrap();
    assert!(lateral.secondary_muscles.is_empty());
}

/// Selects every registry column from every table: fails if a migration missed one.
async fn schema_has_every_registry_column(db: TestDb) {
    let _store = store::connect(&db.url).await.unwrap();
    for table in TABLES {
        let mut cols = vec![
            "\"id\"".to_owned(),
            "\"user_id\"".into(),
            "\"server_changed_at\"".into(),
        ];
        cols.extend(table.columns.iter().map(|c| format!("\"{}\"", c.name)));
        let sql = format!("select {} from \"{}\" limit 0", cols.join(", "), table.name);
        raw_execute(&db, &sql)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", table.name));
    }
    raw_execute(&db, "select id, table_name, record_id, change_type, changes, user_id, \"timestamp\" from changes limit 0")
        .await
        .unwrap();
}

async fn change_log_is_append_only(db: TestDb) {
    let store = store::connect(&db.url).await.unwrap();
    store.ensure_user("u", None).await.unwrap();
    let before = store.change_log("u").await.unwrap();
    assert_eq!(before.len(), 1);
    // Refused by the trigger itself (its own message), not by any failure on the way.
    for sql in [
        "update changes set change_type = 'updated'",
        "delete from changes",
    ] {
        let err = raw_execute(&db, sql).await.expect_err(sql);
        let message = match &err {
            sqlx::Error::Database(e) => e.message().to_owned(),
            other => panic!("{sql}: not the trigger's refusal: {other}"),
        };
        assert!(
            message.contains("changes is append-only"),
            "{sql}: {message}"
        );
    }
    let after = store.change_log("u").await.unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after, before, "the row reads back unchanged");
}

async fn raw_count(db: &TestDb, sql: &str) -> i64 {
    use sqlx::Connection;
    if db.backend == "sqlite" {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
        sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
    }
}

async fn raw_execute(db: &TestDb, sql: &str) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    if db.backend == "sqlite" {
        let mut c = sqlx::SqliteConnection::connect(&db.url).await?;
        sqlx::query(sql).execute(&mut c).await?;
    } else {
        let mut c = sqlx::PgConnection::connect(&db.url).await?;
        sqlx::query(sql).execute(&mut c).await?;
    }
    Ok(())
}

#[test]
fn both_backends_have_the_same_migrations() {
    let list = |dir: &str| -> BTreeSet<String> {
        std::fs::read_dir(format!(
            "{}/../migrations/{dir}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
    };
    let pg = list("postgres");
    assert!(!pg.is_empty());
    assert_eq!(pg, list("sqlite"), "every migration needs its twin");
}
