//! Reads from a streaming standby, never older than what the caller has seen.
//!
//! The test builds a primary and a streaming standby of its own (`initdb`, then
//! `pg_basebackup`, on loopback ports of their own), points `DATABASE_REPLICA_URL` at the
//! standby, and holds the standby's replay back with `recovery_min_apply_delay`: pulls,
//! pages and exports come from the standby while it has what their caller saw, from the
//! primary while it lags behind that, and never go back in time.

mod common;

use axum::http::StatusCode;
use common::cluster::Cluster;
use common::{bounded, Response, TestApp, TestDb};
use serde_json::{json, Value};
use server::store::{ReadsServed, Store};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery";

/// One logged session, titled so that a page or an export shows whether it has it.
fn session(id: &str, title: &str) -> Value {
    json!({
        "logs": { "created": [{ "id": id, "workout_title": title, "session_date": 1_793_575_800_000_i64, "duration": 3000 }] },
        "log_exercise": { "created": [{ "id": format!("{id}-e"), "log_id": id, "exercise_id": "barbell-back-squat", "order": 1 }] },
        "log_exercise_sets": { "created": [
            { "id": format!("{id}-s1"), "log_exercise_id": format!("{id}-e"), "order": 1, "weight": 100, "reps": 5, "completed": true, "set_type": "normal" },
        ] },
    })
}

struct Setup {
    app: TestApp,
    primary: Cluster,
    standby: Cluster,
}

impl Setup {
    async fn start() -> Option<Self> {
        let primary = Cluster::primary()?;
        let mut admin = primary.connect("postgres").await;
        sqlx::query("create database ezlift")
            .execute(&mut admin)
            .await
            .expect("create database");
        let standby = Cluster::standby_of(&primary);
        let app = TestApp::new(
            TestDb::postgres_at(primary.url("ezlift")),
            &[("DATABASE_REPLICA_URL", &standby.url("ezlift"))],
        )
        .await;
        let setup = Self {
            app,
            primary,
            standby,
        };
        setup.caught_up().await;
        Some(setup)
    }

    fn store(&self) -> Arc<dyn Store> {
        self.app.store()
    }

    /// Waits until the standby has replayed everything the primary has written so far.
    async fn caught_up(&self) {
        let mut primary = self.primary.connect("postgres").await;
        let mut standby = self.standby.connect("postgres").await;
        let (written,): (String,) = sqlx::query_as("select pg_current_wal_lsn()::text")
            .fetch_one(&mut primary)
            .await
            .unwrap();
        let started = Instant::now();
        loop {
            let (done,): (bool,) =
                sqlx::query_as("select coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false)")
                    .bind(&written)
                    .fetch_one(&mut standby)
                    .await
                    .unwrap();
            if done {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the standby did not catch up"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Holds every later commit back on the standby for `delay`, and waits until it does.
    async fn delay_replay(&self, delay: &str) {
        self.standby
            .configure(&format!("recovery_min_apply_delay = '{delay}'\n"));
        self.standby.reload();
        let mut standby = self.standby.connect("postgres").await;
        let started = Instant::now();
        loop {
            let (now,): (String,) = sqlx::query_as("show recovery_min_apply_delay")
                .fetch_one(&mut standby)
                .await
                .unwrap();
            if now == delay || (delay == "0" && now == "0") {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the delay {delay} did not take ({now})"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs a request and says which database nodes served its reads.
    async fn served<F: std::future::Future<Output = Response>>(
        &self,
        request: F,
    ) -> (Response, ReadsServed) {
        let before = self.store().reads_served();
        let res = request.await;
        let after = self.store().reads_served();
        let delta = ReadsServed {
            primary: after.primary - before.primary,
            standby: after.standby - before.standby,
        };
        (res, delta)
    }

    async fn pull(&self, token: &str, cursor: Option<i64>) -> (Value, ReadsServed) {
        let since = cursor.map_or("null".to_owned(), |n| n.to_string());
        let path = format!(
            "/api/sync/pull-changes?lastPulledAt={since}&schemaVersion={}",
            app::model::SCHEMA_VERSION
        );
        let (res, served) = self
            .served(self.app.get(&path, &[("x-jwt-token", token)]))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        (res.json(), served)
    }
}

fn titles(pull: &Value) -> Vec<String> {
    let mut titles: Vec<String> = ["created", "updated"]
        .iter()
        .flat_map(|list| {
            pull["changes"]["logs"][list]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|log| log["workout_title"].as_str().map(str::to_owned))
        .collect();
    titles.sort();
    titles
}

const ONLY_STANDBY: ReadsServed = ReadsServed {
    primary: 0,
    standby: 1,
};
const ONLY_PRIMARY: ReadsServed = ReadsServed {
    primary: 1,
    standby: 0,
};

#[tokio::test]
async fn reads_come_from_a_standby_that_has_what_the_caller_saw() {
    bounded("standby reads", async {
        let Some(setup) = Setup::start().await else {
            return;
        };
        let app = &setup.app;
        let (token, user) = app.sign_up("standby@example.com", PASSWORD).await;
        let session_cookie = format!("ezlift_session={token}");
        let res = app.push(&token, 0, session("first", "Monday legs")).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        setup.caught_up().await;

        // A current standby serves the first pull.
        let (first, served) = setup.pull(&token, None).await;
        assert_eq!(served, ONLY_STANDBY);
        assert_eq!(titles(&first), ["Monday legs"]);
        let seen = first["timestamp"].as_i64().unwrap();

        // The standby falls behind: a browser's push is acknowledged by the primary and
        // answered with the stamp the browser has now seen.
        setup.delay_replay("1h").await;
        let res = app
            .post_json(
                "/api/sync/push-changes",
                json!({ "lastPulledAt": seen, "changes": session("second", "Tuesday press") }),
                &[
                    ("cookie", &session_cookie),
                    ("sec-fetch-site", "same-origin"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let seen_cookie = res
            .set_cookie("ezlift_seen")
            .expect("a push tells the browser what it has seen");
        let seen_cookie = seen_cookie.split(';').next().unwrap().to_owned();
        let pushed: i64 = seen_cookie
            .trim_start_matches("ezlift_seen=")
            .split_once('.')
            .map(|(stamp, owner)| {
                assert_eq!(owner, user);
                stamp.parse().unwrap()
            })
            .unwrap();
        assert!(pushed > seen);

        // A caller whose cursor the standby has reached reads the standby: nothing new,
        // and its cursor does not move back.
        let (again, served) = setup.pull(&token, Some(seen)).await;
        assert_eq!(served, ONLY_STANDBY);
        assert!(titles(&again).is_empty());
        assert!(again["timestamp"].as_i64().unwrap() >= seen);

        // A caller that has seen the push (its cursor is past the standby) reads the
        // primary, never an answer older than its cursor.
        let (fresh, served) = setup.pull(&token, Some(pushed)).await;
        assert_eq!(served, ONLY_PRIMARY);
        assert!(fresh["timestamp"].as_i64().unwrap() >= pushed);
        let (from_start, served) = setup.pull(&token, Some(seen - 1)).await;
        assert_eq!(
            served, ONLY_STANDBY,
            "the standby has everything up to {seen}"
        );
        assert_eq!(titles(&from_start), ["Monday legs"]);

        // Pages: a page of a browser that has not seen the push comes from the standby,
        // and tells that browser what it has now seen; the browser that pushed sees its
        // push, from the primary (and this process's figures are then the newer ones).
        let with_seen = format!("{session_cookie}; {seen_cookie}");
        let (page, served) = setup
            .served(app.get("/history", &[("cookie", &session_cookie)]))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("Monday legs"));
        assert!(!page.text().contains("Tuesday press"));
        assert!(served.standby > 0 && served.primary == 0, "{served:?}");
        let told = page.set_cookie("ezlift_seen").expect("the page's stamp");
        assert!(
            told.starts_with(&format!("ezlift_seen={seen}.{user}")),
            "{told}"
        );
        // A stamp of another user (an earlier sign-in on this browser) counts for nothing.
        let (page, served) = setup
            .served(app.get(
                "/history",
                &[(
                    "cookie",
                    &format!("{session_cookie}; ezlift_seen={pushed}.someone-else"),
                )],
            ))
            .await;
        assert!(!page.text().contains("Tuesday press"));
        assert!(served.primary == 0, "{served:?}");

        let (page, served) = setup
            .served(app.get("/history", &[("cookie", &with_seen)]))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("Tuesday press"), "{}", page.text());
        assert!(served.primary > 0 && served.standby == 0, "{served:?}");
        // This process now holds figures newer than the standby: a page read at the
        // standby's stamp shows them, and tells the browser the stamp it has now seen, so
        // no later page (of any process) shows it less.
        let (page, served) = setup
            .served(app.get("/history", &[("cookie", &session_cookie)]))
            .await;
        assert!(page.text().contains("Tuesday press"));
        assert!(served.primary == 0, "{served:?}");
        let told = page.set_cookie("ezlift_seen").expect("the page's stamp");
        assert!(
            told.starts_with(&format!("ezlift_seen={pushed}.{user}")),
            "{told}"
        );
        // An export follows the same rule.
        let (export, served) = setup
            .served(app.get("/api/export?format=json", &[("cookie", &with_seen)]))
            .await;
        assert_eq!(export.status, StatusCode::OK, "{}", export.text());
        assert!(export.text().contains("Tuesday press"));
        assert_eq!(served, ONLY_PRIMARY);

        // Once the standby has replayed the push, it serves the caller that saw it.
        setup.delay_replay("0").await;
        setup.caught_up().await;
        let (current, served) = setup.pull(&token, Some(pushed)).await;
        assert_eq!(served, ONLY_STANDBY);
        assert!(current["timestamp"].as_i64().unwrap() >= pushed);
        let (page, served) = setup
            .served(app.get("/history", &[("cookie", &with_seen)]))
            .await;
        assert!(page.text().contains("Tuesday press"));
        assert!(served.standby > 0 && served.primary == 0, "{served:?}");

        // A standby that is down costs nothing but its own reads: the primary serves.
        setup.standby.stop();
        let (pull, served) = setup.pull(&token, None).await;
        assert_eq!(served, ONLY_PRIMARY);
        assert_eq!(titles(&pull), ["Monday legs", "Tuesday press"]);

        // Writes never go to the standby: a push is the primary's alone.
        let res = app
            .push(&token, pushed, session("third", "Friday pulls"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        app.store().close().await;
    })
    .await;
}
