//! `bench import`: a generated Strong export of 25,000 rows (1,200 sessions) sent to
//! `POST /api/import` as a dry run and for real, on PostgreSQL. The server runs as a child
//! process of its own, so its memory is measured alone: resident memory when idle, and
//! the peak during each request (the kernel's high-water mark, reset before each).

use super::process::{mb, ServerProcess};
use super::{ms, Res};
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

pub async fn bench(database_url: &str) -> Res<Vec<(String, String)>> {
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
        let started = Instant::now();
        let report = import(token.clone(), query, file.clone()).await?;
        let took = started.elapsed();
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
