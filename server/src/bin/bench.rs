//! Sync benchmarks on PostgreSQL (`./dev bench`). Prints a markdown table.
//!
//! Runs the real server on a loopback port against a fresh database and talks HTTP to it:
//! W1, one heavy user (1,000 sessions × 6 exercises × 4 sets plus templates), for the
//! initial pull against a plain SELECT + serde_json of the same rows; W2, a fleet of 1,000
//! users with 2 million change-log rows (then 5× that), for incremental pulls; and pushes of
//! one logged session into one account growing to 1,000 sessions (`bench push` runs only
//! that), and from 16 users at once. `bench query` times the replica's typed queries on
//! W1 held in memory (no database). `bench pages` times server rendering of W1's
//! dashboard, history and exercise page with 16 clients at once. `bench import` times a
//! 25,000-row Strong export's dry run and import and the server's memory meanwhile.
//! `bench scale` compares one account of W1 with one of W3 (5,000 sessions).

#[path = "bench/client.rs"]
mod client;
#[path = "bench/figures.rs"]
mod figures;
#[path = "bench/fleet.rs"]
mod fleet;
#[path = "bench/import.rs"]
mod import;
#[path = "bench/load.rs"]
mod load;
#[path = "bench/pg_cpu.rs"]
mod pg_cpu;
#[path = "bench/process.rs"]
mod process;
#[path = "bench/scale.rs"]
mod scale;
#[path = "bench/workload.rs"]
mod workload;

use client::Client;
use figures::{ms, percentile, Res};
use workload::{merge, session, templates};

use app::model::{ColumnKind, TABLES};
use serde_json::{json, Map, Value};
use sqlx::{Connection, Row};
use std::time::{Duration, Instant};

/// The baseline: the same rows with a plain SELECT per table, serialised by serde_json.
async fn plain_select(conn: &mut sqlx::PgConnection, user_id: &str) -> Res<(Duration, usize)> {
    let started = Instant::now();
    let mut out = Map::new();
    for t in TABLES {
        let cols: Vec<String> = t
            .columns
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect();
        let sql = format!(
            "select id, {} from \"{}\" where user_id = $1",
            cols.join(", "),
            t.name
        );
        let rows = sqlx::query(&sql)
            .bind(user_id)
            .fetch_all(&mut *conn)
            .await?;
        let mut list = Vec::with_capacity(rows.len());
        for row in rows {
            let mut rec = Map::new();
            rec.insert("id".into(), Value::String(row.try_get(0)?));
            for (i, c) in t.columns.iter().enumerate() {
                let v = match c.kind {
                    ColumnKind::Text => row.try_get::<Option<String>, _>(i + 1)?.map(Value::String),
                    ColumnKind::Int => row.try_get::<Option<i64>, _>(i + 1)?.map(Value::from),
                    ColumnKind::Real => row.try_get::<Option<f64>, _>(i + 1)?.map(Value::from),
                    ColumnKind::Bool => row.try_get::<Option<bool>, _>(i + 1)?.map(Value::Bool),
                };
                rec.insert(c.name.into(), v.unwrap_or(Value::Null));
            }
            list.push(Value::Object(rec));
        }
        out.insert(t.name.into(), Value::Array(list));
    }
    let bytes = serde_json::to_vec(&out)?;
    Ok((started.elapsed(), bytes.len()))
}

/// Appends `rows` filler changes spread over the fleet (straight SQL: this measures the
/// log's size, not how it was written).
async fn grow_log(conn: &mut sqlx::PgConnection, from: i64, rows: i64) -> Res<()> {
    sqlx::query(
        "insert into changes (table_name, record_id, change_type, changes, user_id, \"timestamp\") \
         select 'routines', 'filler-' || g, 'updated', '{\"id\":\"filler\",\"title\":\"x\"}'::jsonb, \
                'fleet-' || (g % 1000), 1000 + g \
         from generate_series($1::bigint, $2::bigint) g",
    )
    .bind(from)
    .bind(from + rows - 1)
    .execute(&mut *conn)
    .await?;
    sqlx::query("analyze changes").execute(&mut *conn).await?;
    Ok(())
}

async fn incremental(
    client: &Client,
    token: &str,
    base: i64,
    rounds: usize,
) -> Res<(Duration, Duration)> {
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        client.pull_body(token, Some(base)).await?;
        times.push(t.elapsed());
    }
    times.sort();
    Ok((percentile(&times, 0.5), percentile(&times, 0.99)))
}

/// Fills a user's account with W1 over HTTP.
async fn seed_w1(client: &Client, token: &str) -> Res<()> {
    scale::seed(client, token, "w1", scale::W1_SESSIONS).await
}

#[tokio::main]
async fn main() -> Res<()> {
    // `bench seed-w1|seed-w3 <base url> <token>`: an account for the browser replica
    // benchmark.
    let args: Vec<String> = std::env::args().collect();
    if let [_, mode, base, token] = args.as_slice() {
        let sessions = match mode.as_str() {
            "seed-w1" => Some(scale::W1_SESSIONS),
            "seed-w3" => Some(scale::W3_SESSIONS),
            _ => None,
        };
        if let Some(sessions) = sessions {
            let client = Client {
                http: reqwest::Client::new(),
                base: base.clone(),
            };
            return scale::seed(&client, token, "w1", sessions).await;
        }
    }
    if args.get(1).is_some_and(|m| m == "query") {
        return print(query_w1().await?);
    }
    // `bench serve`: the server alone on a free loopback port (what `bench import`
    // measures as a process of its own); prints `listening <base url>`.
    if args.get(1).is_some_and(|m| m == "serve") {
        let config = server::config::Config::from_env()?;
        let (router, _state) = server::build(config, server::leptos_options()?).await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("listening http://{}", listener.local_addr()?);
        axum::serve(listener, router).await?;
        return Ok(());
    }
    let admin = std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("ezlift_bench_{}", std::process::id());
    let mut admin_conn = sqlx::PgConnection::connect(&admin).await?;
    sqlx::query(&format!("create database \"{name}\""))
        .execute(&mut admin_conn)
        .await?;
    let url = format!(
        "{}/{name}",
        admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b)
    );
    let mode = args.get(1).cloned().unwrap_or_default();
    let result = run(&url, &mode).await;
    drop(admin_conn);
    let mut admin_conn = sqlx::PgConnection::connect(&admin).await?;
    sqlx::query(&format!("drop database if exists \"{name}\" with (force)"))
        .execute(&mut admin_conn)
        .await?;
    result
}

/// Runs every sync benchmark, or with `mode` `push` or `pages` only that one.
async fn run(url: &str, mode: &str) -> Res<()> {
    if mode == "import" {
        return print(import::bench(url).await?);
    }
    if mode == "load" {
        return print(load::bench(url).await?);
    }
    if mode == "fleet" {
        return fleet_on(url).await;
    }
    let config = server::config::Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some(url.to_owned()),
        // Thousands of benchmark accounts sign up from one address.
        "EZLIFT_SIGNIN_PER_ADDRESS" | "EZLIFT_SIGNIN_PER_ACCOUNT" => Some("100000000".into()),
        _ => None,
    })?;
    let (router, _state) = server::build(config, server::leptos_options()?).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });
    let client = Client {
        http: reqwest::Client::new(),
        base,
    };
    match mode {
        "push" => return print(push_growth(&client, url).await?),
        "pages" => return print(pages(&client).await?),
        "scale" => return print(scale::bench(&client, url).await?),
        _ => {}
    }
    let mut conn = sqlx::PgConnection::connect(url).await?;
    let mut rows: Vec<(String, String)> = Vec::new();

    // W1: one heavy user.
    eprintln!("generating W1 (31k records) …");
    let heavy = client.signup("heavy@example.com").await?;
    seed_w1(&client, &heavy).await?;
    let heavy_id: String =
        sqlx::query_scalar("select user_id from local_account where email = 'heavy@example.com'")
            .fetch_one(&mut conn)
            .await?;
    let records: i64 = {
        let mut n = 0;
        for t in TABLES {
            n += sqlx::query_scalar::<_, i64>(&format!(
                "select count(*) from \"{}\" where user_id = $1",
                t.name
            ))
            .bind(&heavy_id)
            .fetch_one(&mut conn)
            .await?;
        }
        n
    };
    let mut pulls = Vec::new();
    let mut plains = Vec::new();
    let (mut pull_bytes, mut plain_bytes) = (0, 0);
    for _ in 0..5 {
        let t = Instant::now();
        pull_bytes = client.pull_body(&heavy, None).await?.len();
        pulls.push(t.elapsed());
        let (d, b) = plain_select(&mut conn, &heavy_id).await?;
        plains.push(d);
        plain_bytes = b;
    }
    pulls.sort();
    plains.sort();
    let (pull, plain) = (percentile(&pulls, 0.5), percentile(&plains, 0.5));
    rows.push((
        format!("W1 initial pull, {records} records (median of 5)"),
        format!("{} , {:.1} MB", ms(pull), pull_bytes as f64 / 1e6),
    ));
    rows.push((
        "W1 plain SELECT + serde_json, same rows".into(),
        format!("{} , {:.1} MB", ms(plain), plain_bytes as f64 / 1e6),
    ));
    rows.push((
        "W1 ratio pull / plain (goal ≤ 1.5×)".into(),
        format!("{:.2}×", pull.as_secs_f64() / plain.as_secs_f64()),
    ));

    if std::env::var("EZLIFT_BENCH_W1_ONLY").is_ok_and(|v| v == "1") {
        return print(rows);
    }

    // W2: the fleet.
    eprintln!("generating W2 (1,000 users, 2M change rows) …");
    let fleet = client.signup("fleet@example.com").await?;
    let fleet_id: String =
        sqlx::query_scalar("select user_id from local_account where email = 'fleet@example.com'")
            .fetch_one(&mut conn)
            .await?;
    sqlx::query("insert into user_profile (id, created_at, last_change_at) select 'fleet-' || g, 0, 0 from generate_series(1, 999) g")
        .execute(&mut conn)
        .await?;
    sqlx::query(
        "insert into user_profile (id, created_at, last_change_at) values ('fleet-0', 0, 0)",
    )
    .execute(&mut conn)
    .await?;
    let log_rows = 2_000_000;
    grow_log(&mut conn, 1, log_rows).await?;
    // The measured user has its share of the log too.
    sqlx::query(
        "insert into changes (table_name, record_id, change_type, changes, user_id, \"timestamp\") \
         select 'routines', 'old-' || g, 'updated', '{\"id\":\"old\"}'::jsonb, $1, 1000 + g from generate_series(1, 2000) g",
    )
    .bind(&fleet_id)
    .execute(&mut conn)
    .await?;
    let (base_cursor, _) = client.pull(&fleet, None).await?;
    for i in 0..10 {
        client
            .push(&fleet, 0, &json!({ "routines": { "created": [{ "id": format!("ten-{i}"), "title": "new" }] } }))
            .await?;
    }
    let (p50, p99) = incremental(&client, &fleet, base_cursor, 300).await?;
    let total: i64 = sqlx::query_scalar("select count(*) from changes")
        .fetch_one(&mut conn)
        .await?;
    rows.push((
        format!("W2 incremental pull of 10 changes, log {total} rows: p50 / p99 (goal p99 ≤ 5 ms)"),
        format!("{} / {}", ms(p50), ms(p99)),
    ));
    eprintln!("growing the log 5× …");
    grow_log(&mut conn, log_rows + 1, 4 * log_rows).await?;
    let (q50, q99) = incremental(&client, &fleet, base_cursor, 300).await?;
    let total: i64 = sqlx::query_scalar("select count(*) from changes")
        .fetch_one(&mut conn)
        .await?;
    rows.push((
        format!("W2 same pull, log {total} rows: p50 / p99"),
        format!("{} / {}", ms(q50), ms(q99)),
    ));
    rows.push((
        "W2 slowdown at 5× log, p50 (goal ≤ 1.2×)".into(),
        format!("{:.2}×", q50.as_secs_f64() / p50.as_secs_f64()),
    ));

    // Pushes of one logged session (31 records) into one account as it grows.
    rows.extend(push_growth(&client, url).await?);
    let mut tokens = Vec::new();
    for u in 0..16 {
        tokens.push(client.signup(&format!("c{u}@example.com")).await?);
    }
    let per_client = 40;
    let started = Instant::now();
    let tasks: Vec<_> = tokens
        .into_iter()
        .enumerate()
        .map(|(u, token)| {
            let client = Client {
                http: client.http.clone(),
                base: client.base.clone(),
            };
            tokio::spawn(async move {
                for n in 0..per_client {
                    client
                        .push(&token, 0, &session(&format!("c{u}"), n))
                        .await?;
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .collect();
    for t in tasks {
        t.await??;
    }
    let rate = (16 * per_client) as f64 / started.elapsed().as_secs_f64();
    rows.push((
        "pushes/s, 16 concurrent clients (different users)".into(),
        format!("{rate:.0} pushes/s ({:.0} records/s)", rate * 31.0),
    ));

    print(rows)
}

/// One device logs 1,000 sessions (31 records each, 31k records in all) into one account
/// the way a client does (pull, then push with the pulled cursor); the push is timed, and
/// its p50/p99 reported around 0, 250, 500 and 1,000 sessions: a push must cost the same
/// whatever the account's size.
/// Server rendering of W1's pages: a warm-up, then 16 clients each requesting every page
/// in turn; latency percentiles per page and requests per second over all.
async fn pages(client: &Client) -> Res<Vec<(String, String)>> {
    const CLIENTS: usize = 16;
    const ROUNDS: usize = 25;
    eprintln!("generating W1 (31k records) …");
    let token = client.signup("pages@example.com").await?;
    seed_w1(client, &token).await?;
    let paths = [
        "/",
        "/history",
        "/history?page=25",
        "/exercises/barbell-bench-press",
    ];
    let get = {
        let http = client.http.clone();
        let base = client.base.clone();
        let cookie = format!("ezlift_session={token}");
        move |path: &'static str| {
            let request = http
                .get(format!("{base}{path}"))
                .header("cookie", cookie.clone());
            async move {
                let t = Instant::now();
                let body = request.send().await?.error_for_status()?.text().await?;
                if !body.contains("data-testid") {
                    return Err("page rendered without its content".into());
                }
                Res::Ok((t.elapsed(), body.len()))
            }
        }
    };
    let mut rows = Vec::new();
    for path in paths {
        for _ in 0..3 {
            get(path).await?;
        }
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let get = get.clone();
        tasks.push(tokio::spawn(async move {
            let mut times: Vec<(usize, Duration)> = Vec::new();
            for r in 0..ROUNDS {
                for i in 0..paths.len() {
                    let i = (i + c + r) % paths.len();
                    times.push((i, get(paths[i]).await?.0));
                }
            }
            Res::Ok(times)
        }));
    }
    let mut by_page: Vec<Vec<Duration>> = vec![Vec::new(); paths.len()];
    for t in tasks {
        for (i, d) in t.await?? {
            by_page[i].push(d);
        }
    }
    let elapsed = started.elapsed();
    let total: usize = by_page.iter().map(Vec::len).sum();
    for (i, mut times) in by_page.into_iter().enumerate() {
        times.sort();
        let (_, bytes) = get(paths[i]).await?;
        rows.push((
            format!(
                "W1 render {} ({} KB), {CLIENTS} clients: p50 / p99",
                paths[i],
                bytes / 1000
            ),
            format!(
                "{} / {}",
                ms(percentile(&times, 0.5)),
                ms(percentile(&times, 0.99))
            ),
        ));
    }
    rows.push((
        format!("W1 pages rendered per second, {CLIENTS} clients"),
        format!("{:.0}", total as f64 / elapsed.as_secs_f64()),
    ));
    // The first render after a change: the figures are computed from the database again.
    for (i, path) in paths.iter().enumerate() {
        let mut times = Vec::new();
        for n in 0..5 {
            client
                .push(&token, 0, &session("fresh", 10_000 + i * 10 + n))
                .await?;
            times.push(get(path).await?.0);
        }
        times.sort();
        rows.push((
            format!("W1 render {path} right after a push (recomputed): median of 5"),
            ms(percentile(&times, 0.5)),
        ));
    }
    Ok(rows)
}

async fn push_growth(client: &Client, url: &str) -> Res<Vec<(String, String)>> {
    eprintln!("pushing 1,000 sessions into one account …");
    let database = pg_cpu::database_of(url);
    let token = client.signup("grower@example.com").await?;
    let (mut cursor, _) = client.pull(&token, None).await?;
    let before_all = cursor;
    let mut times = Vec::new();
    // PostgreSQL's CPU during the pushes only (the pulls between them are left out).
    let mut database_cpu = Duration::ZERO;
    for n in 0..1000 {
        let changes = session("grow", n);
        let (wall, cpu, next) =
            pg_cpu::timed_push(client, database, &token, cursor, &changes).await?;
        times.push(wall);
        database_cpu += cpu;
        cursor = next;
    }
    let mut rows = Vec::new();
    for (label, from) in [("0", 0), ("250", 250), ("500", 500), ("1,000", 950)] {
        let mut window = times[from..from + 50].to_vec();
        window.sort();
        rows.push((
            format!(
                "push of one session (31 records) at {label} sessions in the account: p50 / p99"
            ),
            format!(
                "{} / {}",
                ms(percentile(&window, 0.5)),
                ms(percentile(&window, 0.99))
            ),
        ));
    }
    rows.push((
        "PostgreSQL CPU per push of one session (31 records), mean over the 1,000 pushes".into(),
        ms(database_cpu / 1000),
    ));
    // The same push from a client that pushes without pulling first (or whose pull
    // failed): its cursor is from before all 31k records. It must cost the same.
    let mut stale = Vec::new();
    for n in 0..50 {
        let changes = session("stale", 2000 + n);
        let t = Instant::now();
        client.push(&token, before_all, &changes).await?;
        stale.push(t.elapsed());
    }
    stale.sort();
    rows.push((
        "push of one session (31 records) at 1,000 sessions, cursor from before all of them: p50 / p99".into(),
        format!(
            "{} / {}",
            ms(percentile(&stale, 0.5)),
            ms(percentile(&stale, 0.99))
        ),
    ));
    Ok(rows)
}

/// The replica's typed queries on W1 (31,444 records) in memory, loaded through the same
/// full-pull apply a new device runs.
async fn query_w1() -> Res<Vec<(String, String)>> {
    use app::local::memory::MemoryStore;
    use app::local::Query as Q;
    let mut changes = templates();
    for n in 0..1000 {
        merge(&mut changes, session("w1", n));
    }
    let body = serde_json::to_vec(&json!({ "changes": changes, "timestamp": 1 }))?;
    let t = Instant::now();
    let pull: app::model::wire::PullResponse = serde_json::from_slice(&body)?;
    let parse = t.elapsed();
    // The first sync's work on a new device, natively: the chunks (in memory instead
    // of IndexedDB, so this is the CPU part: merge and encode) and the memory side.
    let device = app::sync::persisted::LocalReplica {
        mem: MemoryStore::default(),
        store: app::local::persist::MemoryChunks::default(),
    };
    let copy = pull.clone();
    let t = Instant::now();
    app::sync::engine::LocalStore::apply_pull(&device.engine(&()), copy, true).await?;
    let first_sync = t.elapsed();
    let store = MemoryStore::default();
    let t = Instant::now();
    store.apply_pull(pull, true);
    let load = t.elapsed();
    let time = |f: &dyn Fn(&Q) -> usize| {
        let mut times = Vec::new();
        let mut found = 0;
        // The first run builds the tables' typed records and indexes.
        let t = Instant::now();
        store.query(|q| f(q));
        let first = t.elapsed();
        for _ in 0..101 {
            let t = Instant::now();
            found = store.query(|q| f(q));
            times.push(t.elapsed());
        }
        times.sort();
        (
            found,
            first,
            percentile(&times, 0.5),
            percentile(&times, 0.99),
        )
    };
    let mut rows = vec![
        (
            format!("W1 pull body ({} bytes) parsed", body.len()),
            ms(parse),
        ),
        (
            "W1 full pull applied in memory (merge; typed records and indexes wait for a query)"
                .to_owned(),
            ms(load),
        ),
        (
            "W1 first pull applied to chunks and memory (chunks kept in memory)".to_owned(),
            ms(first_sync),
        ),
    ];
    let last = 1_700_000_000_000_i64 + 999 * 86_400_000;
    type Query<'a> = &'a dyn Fn(&Q) -> usize;
    // The pages' figures, computed as the browser does on its replica.
    let library = server::exercises::builtin()?;
    let settings = app::settings::Settings::default();
    let zone = app::stats::Zone::UTC;
    let (library, settings, zone) = (&library, &settings, &zone);
    let figures = |f: &'static dyn Fn(&Q, &app::stats::Scope) -> usize| {
        move |q: &Q| {
            let catalog = app::stats::Catalog::new(library, q);
            let scope = app::stats::Scope {
                catalog: &catalog,
                settings,
                zone,
                now: last + 86_400_000,
            };
            f(q, &scope)
        }
    };
    let overview = figures(&|q, s| app::overview::overview(q, s).total_sessions);
    let history = figures(&|q, s| app::stats::history::history(q, s, &Default::default()).total);
    let progress = figures(&|q, s| {
        app::stats::progress::progress(q, s, "barbell-bench-press", 0).map_or(0, |p| p.total)
    });
    let session = figures(&|q, s| {
        app::stats::history::session_detail(q, s, "w1-log-500").map_or(0, |d| d.line.sets)
    });
    let queries: [(&str, Query); 7] = [
        ("the dashboard's figures (sessions)", &overview),
        ("the history page's figures (sessions)", &history),
        ("an exercise page's figures (sessions)", &progress),
        ("a session page's figures (sets)", &session),
        ("every set of one exercise across all sessions", &|q| {
            q.exercise_sets("barbell-bench-press").len()
        }),
        ("sessions of the last 30 days, newest first", &|q| {
            q.logs_by_date(last - 30 * 86_400_000..=last).rev().count()
        }),
        ("one session's exercises and sets", &|q| {
            q.find::<app::model::records::LogExercise>(
                app::model::tables::log_exercise::log_id,
                "w1-log-500",
            )
            .iter()
            .map(|e| {
                q.find::<app::model::records::LogExerciseSet>(
                    app::model::tables::log_exercise_sets::log_exercise_id,
                    &e.id,
                )
                .len()
            })
            .sum()
        }),
    ];
    for (label, f) in queries {
        let (found, first, p50, p99) = time(f);
        rows.push((
            format!("typed query on W1: {label} ({found} records): first (builds its indexes) / p50 / p99"),
            format!("{} / {} / {}", ms(first), ms(p50), ms(p99)),
        ));
    }
    // The dashboard after a change (goal: one frame): a set of the newest session edited,
    // then the figures computed again; only the computation is timed.
    let mut times = Vec::new();
    for i in 0..101 {
        store.apply(&[app::local::edit::update(
            app::model::tables::log_exercise_sets::TABLE,
            "w1-log-999-e0-s0",
            [app::model::tables::log_exercise_sets::reps.to(5 + i % 3)],
            i,
        )]);
        let t = Instant::now();
        store.query(|q| overview(q));
        times.push(t.elapsed());
    }
    times.sort();
    rows.push((
        "the dashboard's figures after a set of the newest session was edited: p50 / p99"
            .to_owned(),
        format!(
            "{} / {}",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99))
        ),
    ));
    // What the server holds of a user for page figures: the records and their typed
    // indexes (every page's), measured as the resident memory they add. Everything
    // allocated above stays alive meanwhile, so freed memory is not reused.
    let resident = || -> Res<u64> {
        let status = std::fs::read_to_string("/proc/self/status")?;
        let kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .ok_or("no VmRSS")?;
        Ok(kib * 1024)
    };
    let before = resident()?;
    let mut held = app::local::memory::IndexedRecords::default();
    held.apply_pull(serde_json::from_slice(&body)?, true);
    for (_, f) in queries {
        held.query(|q| f(q));
    }
    let grown = resident()?.saturating_sub(before);
    rows.push((
        format!(
            "W1 held with every page's indexes ({} records): resident memory added, per record",
            held.len()
        ),
        format!(
            "{:.1} MB, {} B",
            grown as f64 / 1e6,
            grown / held.len().max(1) as u64
        ),
    ));
    Ok(rows)
}

/// `bench fleet`: `url` is the one process's database; the fleet gets another beside it,
/// which the standby (`EZLIFT_FLEET_STANDBY`, a server URL without a database) replays.
async fn fleet_on(url: &str) -> Res<()> {
    let standby = std::env::var("EZLIFT_FLEET_STANDBY")
        .map_err(|_| "EZLIFT_FLEET_STANDBY: the standby's URL (./dev bench fleet sets it)")?;
    let (server, single) = url.rsplit_once('/').ok_or("a database URL")?;
    let name = format!("{single}_fleet");
    let mut conn = sqlx::PgConnection::connect(url).await?;
    sqlx::query(&format!("create database \"{name}\""))
        .execute(&mut conn)
        .await?;
    let rows = fleet::bench(
        url,
        &format!("{server}/{name}"),
        &format!("{}/{name}", standby.trim_end_matches('/')),
    )
    .await?;
    println!("| measurement | {} |\n|---|---|---|", fleet::COLUMNS);
    for (k, v) in rows {
        println!("| {k} | {v} |");
    }
    Ok(())
}

fn print(rows: Vec<(String, String)>) -> Res<()> {
    println!("| measurement | result |\n|---|---|");
    for (k, v) in rows {
        println!("| {k} | {v} |");
    }
    Ok(())
}
