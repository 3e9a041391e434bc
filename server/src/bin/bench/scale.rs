//! `bench scale`: the server's figures for one account of W1 (1,000 sessions, 31k records)
//! and of W3 (5,000 sessions, five years of a heavy user, 155k records), side by side with
//! their ratio: what must grow at most linearly with the account (the initial pull) and
//! what must not grow at all (a push, the page after a push, a page viewed again).

use super::client::Client;
use super::figures::{ms, percentile, Res};
use super::pg_cpu;
use super::workload::{merge, session, templates};
use serde_json::json;
use std::time::{Duration, Instant};

/// One account's figures.
struct Account {
    records: usize,
    pull: Duration,
    pull_bytes: usize,
    push: Duration,
    push_cpu: Duration,
    after_push: Vec<Duration>,
    again: Vec<Duration>,
}

/// Sessions of W1 (a heavy user's three years) and of W3 (five years, more often).
pub const W1_SESSIONS: usize = 1_000;
pub const W3_SESSIONS: usize = 5_000;

const PAGES: [&str; 2] = ["/", "/exercises/barbell-bench-press"];

/// Fills an account with `sessions` logged sessions (and the templates) over HTTP, their
/// ids starting with `tag`.
pub async fn seed(client: &Client, token: &str, tag: &str, sessions: usize) -> Res<()> {
    client.push(token, 0, &templates()).await?;
    for batch in 0..sessions.div_ceil(50) {
        let mut changes = json!({});
        for n in batch * 50..((batch + 1) * 50).min(sessions) {
            merge(&mut changes, session(tag, n));
        }
        client.push(token, 0, &changes).await?;
    }
    Ok(())
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    percentile(&times, 0.5)
}

async fn account(client: &Client, database: &str, sessions: usize) -> Res<Account> {
    eprintln!("generating an account of {sessions} sessions …");
    let token = client
        .signup(&format!("scale{sessions}@example.com"))
        .await?;
    seed(client, &token, "scale", sessions).await?;
    let get = |path: &str| {
        let request = client
            .http
            .get(format!("{}{path}", client.base))
            .header("cookie", format!("ezlift_session={token}; tz=UTC"));
        async move {
            let t = Instant::now();
            let body = request.send().await?.error_for_status()?.text().await?;
            if !body.contains("data-testid") {
                return Err("page rendered without its content".into());
            }
            Res::Ok(t.elapsed())
        }
    };
    // The initial pull a new device makes.
    let mut pulls = Vec::new();
    let mut pull_bytes = 0;
    for _ in 0..5 {
        let t = Instant::now();
        pull_bytes = client.pull_body(&token, None).await?.len();
        pulls.push(t.elapsed());
    }
    let (mut cursor, _) = client.pull(&token, None).await?;
    let body: serde_json::Value = serde_json::from_slice(&client.pull_body(&token, None).await?)?;
    let records = body["changes"].as_object().map_or(0, |t| {
        t.values()
            .map(|c| {
                c["created"].as_array().map_or(0, Vec::len)
                    + c["updated"].as_array().map_or(0, Vec::len)
            })
            .sum()
    });
    // Pushes of one session each, as a client makes them (pull, then push).
    let (mut pushes, mut cpu) = (Vec::new(), Duration::ZERO);
    for n in 0..50 {
        let changes = session("scale-push", sessions + n);
        let (wall, used, next) =
            pg_cpu::timed_push(client, database, &token, cursor, &changes).await?;
        pushes.push(wall);
        cpu += used;
        cursor = next;
    }
    // Each page right after a push, then viewed again.
    let mut after_push = Vec::new();
    let mut again = Vec::new();
    for path in PAGES {
        get(path).await?;
        let (mut first, mut next) = (Vec::new(), Vec::new());
        for n in 0..5 {
            client
                .push(&token, 0, &session("scale-page", sessions + 100 + n))
                .await?;
            first.push(get(path).await?);
            for _ in 0..4 {
                next.push(get(path).await?);
            }
        }
        after_push.push(median(first));
        again.push(median(next));
    }
    Ok(Account {
        records,
        pull: median(pulls),
        pull_bytes,
        push: median(pushes),
        push_cpu: cpu / 50,
        after_push,
        again,
    })
}

fn ratio(w3: Duration, w1: Duration) -> String {
    format!("{:.2}×", w3.as_secs_f64() / w1.as_secs_f64().max(1e-9))
}

/// A row of one time measured on both accounts: `W1 / W3 (ratio)`.
fn compared(label: String, w1: Duration, w3: Duration) -> (String, String) {
    (
        format!("{label}: W1 / W3 (ratio)"),
        format!("{} / {} ({})", ms(w1), ms(w3), ratio(w3, w1)),
    )
}

pub async fn bench(client: &Client, url: &str) -> Res<Vec<(String, String)>> {
    let database = pg_cpu::database_of(url);
    let w1 = account(client, database, W1_SESSIONS).await?;
    let w3 = account(client, database, W3_SESSIONS).await?;
    let mut rows = vec![
        (
            "records: W1 / W3".into(),
            format!(
                "{} / {} ({:.2}×)",
                w1.records,
                w3.records,
                w3.records as f64 / w1.records as f64
            ),
        ),
        (
            "initial pull, median of 5: W1 / W3 (ratio)".into(),
            format!(
                "{} ({:.1} MB) / {} ({:.1} MB) ({})",
                ms(w1.pull),
                w1.pull_bytes as f64 / 1e6,
                ms(w3.pull),
                w3.pull_bytes as f64 / 1e6,
                ratio(w3.pull, w1.pull)
            ),
        ),
        compared(
            "push of one session (31 records), p50 of 50".into(),
            w1.push,
            w3.push,
        ),
        compared(
            "PostgreSQL CPU per push, mean of 50".into(),
            w1.push_cpu,
            w3.push_cpu,
        ),
    ];
    for (i, path) in PAGES.iter().enumerate() {
        rows.push(compared(
            format!("{path} right after a push, median of 5"),
            w1.after_push[i],
            w3.after_push[i],
        ));
        rows.push(compared(
            format!("{path} viewed again, median of 20"),
            w1.again[i],
            w3.again[i],
        ));
    }
    Ok(rows)
}
