//! `bench import`: a generated Strong export of 25,000 rows (1,200 sessions) sent to
//! `POST /api/import` as a dry run and for real, on PostgreSQL and on SQLite. The server
//! runs as a child process of its own, so its memory is measured alone: resident memory
//! when idle, and the peak during each request (the kernel's high-water mark, reset
//! before each). While the real import runs, another user pushes a logged session every
//! 100 ms: an import must not stop everyone else (SQLite has one writer at a time).

use super::figures::{ms, percentile, Res};
use super::process::{mb, ServerProcess};
use std::time::Instant;

const SESSIONS: usize = 1_200;
const ROWS: usize = 25_000;

/// Lifts as Strong names them, with pound plates; two ("Zercher Squat", "Meadows Row")
/// are not in the library.
const LIFTS: &[(&str, f64)] = &[
    ("Squat (Barbell)", 225.0),
    ("Bench Press (Barbell)", 185.0),
    ("Deadlift (Barbell)", 315.0),
    ("Overhead Press (Barbell)", 95.0),
    ("Bent Over Row (Barbell)", 135.0),
    ("Lat Pulldown (Cable)", 120.0),
    ("Bicep Curl (Dumbbell)", 30.0),
    ("Triceps Pushdown (Cable)", 50.0),
    ("Leg Press", 360.0),
    ("Pull Up", 0.0),
    ("Zercher Squat", 135.0),
    ("Meadows Row", 70.0),
];

/// A Strong iOS export (12 columns, pounds not stated) of `ROWS` set rows.
pub fn strong_export() -> Vec<u8> {
    let mut out = String::with_capacity(ROWS * 110);
    out.push_str(
        "Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE\n",
    );
    let per_session = ROWS / SESSIONS; // 20, plus one more for the first ROWS % SESSIONS
    let extra = ROWS % SESSIONS;
    let mut written = 0;
    for s in 0..SESSIONS {
        let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
            + chrono::Duration::days((s * 3 / 2) as i64);
        let date = format!("{day} {:02}:{:02}:00", 6 + s % 14, (s * 7) % 60);
        let title = ["Push", "Pull", "Legs", "Upper, heavy"][s % 4];
        let sets = per_session + usize::from(s < extra);
        for k in 0..sets {
            let (name, base) = LIFTS[(s + k / 4) % LIFTS.len()];
            let order = if k % 4 == 0 {
                "W".to_owned()
            } else {
                (k % 4).to_string()
            };
            let weight = if base == 0.0 {
                0.0
            } else {
                base + 5.0 * (s / 40) as f64
            };
            let note = if k == 1 && s % 10 == 0 {
                "\"Paused, felt \"\"easy\"\"\nnext: +5\""
            } else {
                ""
            };
            out.push_str(&format!(
                "{date},\"{title}\",1h 5m,{name},{order},{weight},{reps}.0,0,0,{note},,{rpe}\n",
                reps = 5 + k % 4,
                rpe = if k % 4 == 3 { "8.5" } else { "" },
            ));
            written += 1;
        }
    }
    assert_eq!(written, ROWS);
    out.into_bytes()
}

/// Both stores, one after the other: PostgreSQL at `database_url`, SQLite in a file of a
/// temporary directory.
pub async fn bench(database_url: &str) -> Res<Vec<(String, String)>> {
    let mut rows = vec![];
    for (store, url) in [
        ("PostgreSQL", database_url.to_owned()),
        ("SQLite", String::new()),
    ] {
        let dir = std::env::temp_dir().join(format!("ezlift-bench-{}", std::process::id()));
        let url = if url.is_empty() {
            std::fs::create_dir_all(&dir)?;
            format!("sqlite:{}", dir.join("bench.db").display())
        } else {
            url
        };
        let measured = bench_store(&url).await;
        let _ = std::fs::remove_dir_all(&dir);
        for (label, value) in measured? {
            rows.push((format!("{store}: {label}"), value));
        }
    }
    Ok(rows)
}

/// Pushes one logged session every 100 ms until `stop`; the latency of each push and
/// the statuses that were not 200.
async fn push_meanwhile(
    http: reqwest::Client,
    base: String,
    token: String,
    stop: std::sync::Arc<tokio::sync::Notify>,
) -> (Vec<std::time::Duration>, Vec<u16>) {
    let (mut took, mut failed) = (Vec::new(), Vec::new());
    let mut tick = tokio::time::interval(std::time::Duration::from_millis(100));
    for n in 0.. {
        tokio::select! {
            _ = stop.notified() => break,
            _ = tick.tick() => {}
        }
        let started = Instant::now();
        let res = http
            .post(format!("{base}/api/sync/push-changes"))
            .header("x-jwt-token", &token)
            .json(&serde_json::json!({ "lastPulledAt": 0, "changes": super::workload::session("other", n) }))
            .send()
            .await;
        took.push(started.elapsed());
        match res {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => failed.push(r.status().as_u16()),
            Err(_) => failed.push(0),
        }
    }
    (took, failed)
}

async fn bench_store(database_url: &str) -> Res<Vec<(String, String)>> {
    let file = strong_export();
    let server = ServerProcess::start(database_url)?;
    let http = reqwest::Client::new();
    let base = server.base.clone();
    let signup = |email: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let body: serde_json::Value = http
                .post(format!("{base}/api/auth/signup"))
                .json(&serde_json::json!({ "email": email, "password": "benchmark-password" }))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            Res::Ok(body["token"].as_str().unwrap_or_default().to_owned())
        }
    };
    let import = |token: String, query: &'static str, body: Vec<u8>| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let res = http
                .post(format!("{base}/api/import?{query}"))
                .header("x-jwt-token", token)
                .body(body)
                .send()
                .await?;
            let status = res.status();
            let report: serde_json::Value = res.json().await?;
            if !status.is_success() {
                return Err(format!("{status}: {report}").into());
            }
            Res::Ok(report)
        }
    };
    // Warm up: pools, prepared statements, the allocator's first arenas.
    let warm = signup("warm@example.com").await?;
    import(warm.clone(), "unit=lb", file[..20_000].to_vec()).await?;

    let token = signup("importer@example.com").await?;
    let other = signup("other@example.com").await?;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let idle = server.memory("VmRSS")?;
    let mut rows = vec![
        (
            "file".into(),
            format!(
                "{} rows, {} sessions, {}",
                ROWS,
                SESSIONS,
                mb(file.len() as u64)
            ),
        ),
        ("server resident memory, idle".into(), mb(idle)),
    ];
    for (label, query) in [("dry run", "dry_run=true"), ("import", "unit=lb")] {
        server.reset_peak()?;
        let before = server.memory("VmRSS")?;
        let stop = std::sync::Arc::new(tokio::sync::Notify::new());
        let pusher = (label == "import").then(|| {
            tokio::spawn(push_meanwhile(
                http.clone(),
                base.clone(),
                other.clone(),
                stop.clone(),
            ))
        });
        let started = Instant::now();
        let report = import(token.clone(), query, file.clone()).await;
        let took = started.elapsed();
        stop.notify_one();
        if let Some(pusher) = pusher {
            let (mut pushes, failed) = pusher.await?;
            pushes.sort();
            rows.push((
                "another user's pushes during the import, every 100 ms: p50 / p99 / max".into(),
                format!(
                    "{} / {} / {} ({} pushes, {} failed{})",
                    ms(percentile(&pushes, 0.5)),
                    ms(percentile(&pushes, 0.99)),
                    ms(*pushes.last().unwrap_or(&Default::default())),
                    pushes.len(),
                    failed.len(),
                    if failed.is_empty() {
                        String::new()
                    } else {
                        format!(": {failed:?}")
                    }
                ),
            ));
        }
        let report = report?;
        let peak = server.memory("VmHWM")?;
        let above = peak.saturating_sub(before);
        eprintln!("{label}: {report}");
        assert_eq!(report["sessions"], SESSIONS);
        assert_eq!(report["sets"], ROWS);
        rows.push((format!("{label}: time (goal ≤ 3 s)"), ms(took)));
        rows.push((
            format!("{label}: peak memory above idle (goal ≤ 4× file)"),
            format!(
                "{} ({:.1}× the file)",
                mb(above),
                above as f64 / file.len() as f64
            ),
        ));
    }
    let started = Instant::now();
    let again = import(token.clone(), "unit=lb", file.clone()).await?;
    rows.push((
        "the same file again (adds nothing)".into(),
        format!(
            "{} ({} skipped)",
            ms(started.elapsed()),
            again["skipped_duplicates"]
        ),
    ));
    Ok(rows)
}
