//! `bench load`: a thousand devices against one server process on PostgreSQL.
//!
//! 200 users with 5 devices each. Every device pulls every 30 s (at its own offset) and
//! pushes a logged session after a third of its pulls; every 5 s a burst of 50 devices
//! pushes at once. The server runs as a child process so its memory is its own: resident
//! size before the load, the peak during it, and after it has ended (twice, 10 s apart,
//! to show it does not keep growing). Every request's latency is kept.
//!
//! `EZLIFT_LOAD_SECS` sets the length (60 s by default). `bench fleet` runs the same load
//! against several processes behind a balancer ([`run`] with a [`Target`] of its own).

use super::figures::{ms, percentile, Res};
use super::process::{mb, ServerProcess};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: usize = 200;
const DEVICES_PER_USER: usize = 5;
const PERIOD: Duration = Duration::from_secs(30);
const BURST_EVERY: Duration = Duration::from_secs(5);
const BURST_DEVICES: usize = 50;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pull,
    Push,
}

struct Sample {
    kind: Kind,
    took: Duration,
    ok: bool,
}

struct Device {
    user: usize,
    n: usize,
    token: String,
    cursor: i64,
    made: usize,
}

struct Load {
    client: super::client::Client,
    errors: AtomicUsize,
}

impl Load {
    async fn pull(&self, device: &mut Device, out: &mut Vec<Sample>) {
        let started = Instant::now();
        let res = self
            .client
            .http
            .get(format!(
                "{}/api/sync/pull-changes?lastPulledAt={}&schemaVersion={}",
                self.client.base,
                device.cursor,
                app::model::SCHEMA_VERSION
            ))
            .header("x-jwt-token", &device.token)
            .send()
            .await;
        let body = match res {
            Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
            _ => None,
        };
        let ok = body.is_some();
        if let Some(cursor) = body.as_ref().and_then(|b| b["timestamp"].as_i64()) {
            device.cursor = cursor;
        }
        self.record(out, Kind::Pull, started, ok);
    }

    /// A logged session: the log, one exercise, three sets.
    async fn push(&self, device: &mut Device, out: &mut Vec<Sample>) {
        device.made += 1;
        let id = format!("u{}d{}n{}", device.user, device.n, device.made);
        let now = chrono::Utc::now().timestamp_millis();
        let sets: Vec<Value> = (0..3)
            .map(|s| {
                json!({ "id": format!("{id}s{s}"), "log_exercise_id": format!("{id}e"), "order": s,
                        "set_type": "normal", "reps": 5, "weight": 100.0 + f64::from(s) * 2.5,
                        "completed": true })
            })
            .collect();
        let changes = json!({
            "logs": { "created": [{ "id": format!("{id}l"), "workout_title": "Load", "session_date": now,
                                    "duration": 3600, "created_at": now, "updated_at": now }] },
            "log_exercise": { "created": [{ "id": format!("{id}e"), "log_id": format!("{id}l"),
                                            "exercise_id": "barbell-back-squat", "order": 0 }] },
            "log_exercise_sets": { "created": sets },
        });
        let started = Instant::now();
        let res = self
            .client
            .http
            .post(format!("{}/api/sync/push-changes", self.client.base))
            .header("x-jwt-token", &device.token)
            .json(&json!({ "lastPulledAt": device.cursor, "changes": changes }))
            .send()
            .await;
        let ok = matches!(&res, Ok(r) if r.status().is_success());
        if let Ok(r) = res {
            let _ = r.bytes().await;
        }
        self.record(out, Kind::Push, started, ok);
    }

    fn record(&self, out: &mut Vec<Sample>, kind: Kind, started: Instant, ok: bool) {
        if !ok {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        out.push(Sample {
            kind,
            took: started.elapsed(),
            ok,
        });
    }
}

/// Where the load goes: the address the devices use and the server processes behind it
/// (whose memory is measured, summed).
pub struct Target {
    pub base: String,
    pub servers: Vec<ServerProcess>,
}

impl Target {
    fn memory(&self, field: &str) -> Res<u64> {
        self.servers.iter().map(|s| s.memory(field)).sum()
    }

    fn reset_peak(&self) -> Res<()> {
        self.servers.iter().try_for_each(ServerProcess::reset_peak)
    }
}

pub async fn bench(database_url: &str) -> Res<Vec<(String, String)>> {
    let server = ServerProcess::start(database_url)?;
    let target = Target {
        base: server.base.clone(),
        servers: vec![server],
    };
    let (mut rows, accounts) = run(&target).await?;
    let client = super::client::Client {
        http: reqwest::Client::new(),
        base: target.base.clone(),
    };
    rows.extend(figures_cache(&client, &target.servers[0], &accounts).await?);
    Ok(rows)
}

/// The load against `target`: its figures, and the accounts it made (a token each).
pub async fn run(target: &Target) -> Res<(Vec<(String, String)>, Vec<String>)> {
    let secs: u64 = std::env::var("EZLIFT_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let load = Arc::new(Load {
        client: super::client::Client {
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(512)
                .timeout(Duration::from_secs(30))
                .build()?,
            base: target.base.clone(),
        },
        errors: AtomicUsize::new(0),
    });

    // Accounts, each with a first session, and every device's first pull.
    let mut devices = Vec::new();
    for chunk in (0..USERS).collect::<Vec<_>>().chunks(8) {
        let emails: Vec<String> = chunk
            .iter()
            .map(|u| format!("load{u}@example.com"))
            .collect();
        let signups = emails.iter().map(|e| load.client.signup(e));
        for (&user, token) in chunk
            .iter()
            .zip(futures_util::future::join_all(signups).await)
        {
            let token = token?;
            for n in 0..DEVICES_PER_USER {
                devices.push(Device {
                    user,
                    n,
                    token: token.clone(),
                    cursor: 0,
                    made: 0,
                });
            }
        }
    }
    let mut warmup = Vec::new();
    for d in devices.iter_mut().filter(|d| d.n == 0) {
        load.push(d, &mut warmup).await;
    }
    for d in devices.iter_mut() {
        load.pull(d, &mut warmup).await;
    }
    if load.errors.load(Ordering::Relaxed) > 0 {
        return Err("requests failed while setting up".into());
    }
    let idle = target.memory("VmRSS")?;
    target.reset_peak()?;
    let accounts: Vec<String> = devices
        .iter()
        .filter(|d| d.n == 0)
        .map(|d| d.token.clone())
        .collect();

    let started = Instant::now();
    let until = started + Duration::from_secs(secs);
    let count = devices.len();
    let bursts = {
        let load = load.clone();
        let mut burst_devices: Vec<Device> = devices
            .iter()
            .filter(|d| d.n == DEVICES_PER_USER - 1)
            .map(|d| Device {
                user: d.user,
                n: 100 + d.n,
                token: d.token.clone(),
                cursor: d.cursor,
                made: 0,
            })
            .collect();
        tokio::spawn(async move {
            let mut out = Vec::new();
            let mut round = 0;
            while Instant::now() + BURST_EVERY < until {
                tokio::time::sleep(BURST_EVERY).await;
                let start = (round * BURST_DEVICES) % burst_devices.len();
                let group = burst_devices
                    .iter_mut()
                    .skip(start)
                    .take(BURST_DEVICES)
                    .map(|d| {
                        let load = load.clone();
                        async move {
                            let mut out = Vec::new();
                            load.push(d, &mut out).await;
                            out
                        }
                    });
                for samples in futures_util::future::join_all(group).await {
                    out.extend(samples);
                }
                round += 1;
            }
            out
        })
    };
    let tasks: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(i, mut device)| {
            let load = load.clone();
            // Devices spread evenly over the period.
            let offset = PERIOD.mul_f64(i as f64 / count as f64);
            tokio::spawn(async move {
                let mut out = Vec::new();
                let mut next = started + offset;
                let mut syncs = 0;
                while next < until {
                    tokio::time::sleep_until(next.into()).await;
                    load.pull(&mut device, &mut out).await;
                    syncs += 1;
                    if (syncs + device.n) % 3 == 0 {
                        load.push(&mut device, &mut out).await;
                    }
                    next += PERIOD;
                }
                out
            })
        })
        .collect();
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await?);
    }
    samples.extend(bursts.await?);
    let elapsed = started.elapsed();
    let peak = target.memory("VmHWM")?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = target.memory("VmRSS")?;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let later = target.memory("VmRSS")?;

    let mut rows = vec![
        (
            "devices (users × devices)".to_owned(),
            format!("{count} ({USERS} × {DEVICES_PER_USER}), each syncing every 30 s; a burst of {BURST_DEVICES} pushes every 5 s"),
        ),
        ("duration".into(), format!("{:.1} s", elapsed.as_secs_f64())),
        (
            "requests".into(),
            format!(
                "{} ({:.1}/s)",
                samples.len(),
                samples.len() as f64 / elapsed.as_secs_f64()
            ),
        ),
        (
            "errors".into(),
            samples.iter().filter(|s| !s.ok).count().to_string(),
        ),
    ];
    for (name, kind) in [
        ("pull", Some(Kind::Pull)),
        ("push", Some(Kind::Push)),
        ("all", None),
    ] {
        let mut took: Vec<Duration> = samples
            .iter()
            .filter(|s| kind.is_none_or(|k| s.kind == k))
            .map(|s| s.took)
            .collect();
        if took.is_empty() {
            continue;
        }
        took.sort();
        rows.push((
            format!("{name}: p50 / p99 / max ({} requests)", took.len()),
            format!(
                "{} / {} / {}",
                ms(percentile(&took, 0.5)),
                ms(percentile(&took, 0.99)),
                ms(*took.last().unwrap_or(&Duration::ZERO))
            ),
        ));
    }
    rows.push(("server memory before the load (RSS)".into(), mb(idle)));
    rows.push(("server memory, peak during the load".into(), mb(peak)));
    rows.push(("server memory 5 s after the load".into(), mb(after)));
    rows.push(("server memory 15 s after the load".into(), mb(later)));
    Ok((rows, accounts))
}

/// Every user's dashboard, history and exercise page rendered once after the load: what
/// the figures cache holds then, as the server weighs it and as the process's memory.
async fn figures_cache(
    client: &super::client::Client,
    server: &ServerProcess,
    accounts: &[String],
) -> Res<Vec<(String, String)>> {
    let before = server.memory("VmRSS")?;
    let started = Instant::now();
    let mut pages = 0;
    for chunk in accounts.chunks(8) {
        let views = chunk.iter().flat_map(|token| {
            ["/", "/history", "/exercises/barbell-back-squat"].map(|path| async move {
                let res = client
                    .http
                    .get(format!("{}{path}", client.base))
                    .header("cookie", format!("ezlift_session={token}"))
                    .send()
                    .await?;
                if !res.status().is_success() {
                    return Err(format!("{path}: {}", res.status()).into());
                }
                res.bytes().await?;
                Res::Ok(())
            })
        });
        for view in futures_util::future::join_all(views).await {
            view?;
            pages += 1;
        }
    }
    let took = started.elapsed();
    let metrics = client
        .http
        .get(format!("{}/metrics", client.base))
        .send()
        .await?
        .error_for_status()?
        .text()
        .await?;
    let gauge = |name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_default()
    };
    let after = server.memory("VmRSS")?;
    Ok(vec![
        (
            format!(
                "pages rendered after the load ({} users × dashboard, history, exercise page)",
                accounts.len()
            ),
            format!("{pages} in {:.1} s", took.as_secs_f64()),
        ),
        (
            "figures cache then: weighed size (entries) / records held for it: weighed size (users) / server memory grown meanwhile".into(),
            format!(
                "{} ({} entries) / {} ({} users) / {}",
                mb(gauge("ezlift_figures_cache_bytes")),
                gauge("ezlift_figures_cache_entries"),
                mb(gauge("ezlift_records_cache_bytes")),
                gauge("ezlift_records_cache_users"),
                mb(after.saturating_sub(before))
            ),
        ),
    ])
}
