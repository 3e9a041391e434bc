//! PostgreSQL's CPU time for one database, read from `/proc`: what the push figures charge
//! to the database beside their wall-clock time. PostgreSQL runs one process per
//! connection and titles it `postgres: <user> <database> <client> <state>`, so the
//! backends serving the benchmark's database are found by that title.

use super::client::Client;
use super::figures::Res;
use serde_json::Value;
use std::time::{Duration, Instant};

/// Linux reports `utime`/`stime` in USER_HZ, which is 100 on every architecture it runs on
/// here; the kernel samples at its own tick, so one push's figure is noisy and only a sum
/// over many pushes means something.
const TICKS_PER_SECOND: u64 = 100;

/// CPU time used so far by the backends connected to `database` (user + system).
pub fn backends(database: &str) -> Duration {
    let needle = format!(" {database} ");
    let mut ticks = 0;
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Duration::ZERO;
    };
    for entry in dir.flatten() {
        let path = entry.path();
        let Ok(title) = std::fs::read(path.join("cmdline")) else {
            continue;
        };
        let title = String::from_utf8_lossy(&title);
        if !title.starts_with("postgres: ") || !title.contains(&needle) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        // Fields after the command name in parentheses: state is the first, utime the 12th.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let field = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        ticks += field(11).unwrap_or(0) + field(12).unwrap_or(0);
    }
    Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND)
}

/// The database name at the end of a connection URL.
pub fn database_of(url: &str) -> &str {
    let tail = url.rsplit('/').next().unwrap_or(url);
    tail.split('?').next().unwrap_or(tail)
}

/// One push as a client makes it, timed on the wall and by the database's CPU (the backends
/// of `database`), then the pull that follows it; returns both times and the new cursor.
pub async fn timed_push(
    client: &Client,
    database: &str,
    token: &str,
    cursor: i64,
    changes: &Value,
) -> Res<(Duration, Duration, i64)> {
    let cpu = backends(database);
    let t = Instant::now();
    client.push(token, cursor, changes).await?;
    let wall = t.elapsed();
    let cpu = backends(database).saturating_sub(cpu);
    let (cursor, _) = client.pull(token, Some(cursor)).await?;
    Ok((wall, cpu, cursor))
}
