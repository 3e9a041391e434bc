//! Metrics in Prometheus's text format at `GET /metrics` (when `EZLIFT_METRICS` is on, for
//! a scraper on the operator's network): requests by route and status with their latency,
//! records pushed and pulled, the database pool, reads by database node (primary or
//! standby), the figures cache and the records held for it. Routes are labelled
//! by their pattern (`/history/{id}`), never by a path a user's ids fill in, so the
//! metrics hold nothing of any user's data.

use crate::store::Store;
use axum::extract::{FromRef, MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use std::sync::Arc;
use std::time::Instant;

/// The process's counters, shared by every request.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    records: IntCounterVec,
    pool: IntGaugeVec,
    reads: IntCounterVec,
    cache_bytes: IntGauge,
    cache_entries: IntGauge,
    held_bytes: IntGauge,
    held_users: IntGauge,
    held_reads: IntCounterVec,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = IntCounterVec::new(
            Opts::new(
                "ezlift_http_requests_total",
                "Requests answered, by route pattern, method and status.",
            ),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "ezlift_http_request_duration_seconds",
                "Time to answer a request, by route pattern.",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            &["route"],
        )
        .expect("valid metric");
        let records = IntCounterVec::new(
            Opts::new(
                "ezlift_sync_records_total",
                "Records in sync requests answered, pushed or pulled.",
            ),
            &["direction"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new(
                "ezlift_db_pool_connections",
                "Database connections of this process, in use or idle.",
            ),
            &["state"],
        )
        .expect("valid metric");
        let reads = IntCounterVec::new(
            Opts::new(
                "ezlift_db_reads_total",
                "Snapshot reads (pulls, pages, exports) by the node that served them.",
            ),
            &["node"],
        )
        .expect("valid metric");
        let cache_bytes = IntGauge::new(
            "ezlift_figures_cache_bytes",
            "Bytes of computed page figures held, as weighed.",
        )
        .expect("valid metric");
        let cache_entries = IntGauge::new(
            "ezlift_figures_cache_entries",
            "Computed page figures held.",
        )
        .expect("valid metric");
        let held_bytes = IntGauge::new(
            "ezlift_records_cache_bytes",
            "Bytes of users' records held in memory for page figures, as weighed.",
        )
        .expect("valid metric");
        let held_users = IntGauge::new(
            "ezlift_records_cache_users",
            "Users whose records are held in memory for page figures.",
        )
        .expect("valid metric");
        let held_reads = IntCounterVec::new(
            Opts::new(
                "ezlift_records_cache_reads_total",
                "Reads of a user's records for page figures: whole, or the changes since held.",
            ),
            &["kind"],
        )
        .expect("valid metric");
        let registry = Registry::new();
        for m in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(records.clone()),
            Box::new(pool.clone()),
            Box::new(reads.clone()),
            Box::new(cache_bytes.clone()),
            Box::new(cache_entries.clone()),
            Box::new(held_bytes.clone()),
            Box::new(held_users.clone()),
            Box::new(held_reads.clone()),
        ] {
            registry.register(m).expect("metric registered once");
        }
        Self {
            registry,
            requests,
            latency,
            records,
            pool,
            reads,
            cache_bytes,
            cache_entries,
            held_bytes,
            held_users,
            held_reads,
        }
    }
}

impl Metrics {
    /// Counts the records of a sync request answered (`push` or `pull`).
    pub fn synced(&self, direction: &'static str, records: usize) {
        self.records
            .with_label_values(&[direction])
            .inc_by(records as u64);
    }
}

/// Counts and times every request, by the pattern of the route that answered it.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    metrics
        .latency
        .with_label_values(&[&route])
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .with_label_values(&[&route, &method, response.status().as_str()])
        .inc();
    response
}

/// What the pages' caches hold now, each as weighed bytes and entries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caches {
    /// Computed figures.
    pub figures: (u64, u64),
    /// Users' records held to compute figures from, and how they were read.
    pub records: super::held_records::HeldUsage,
}

/// Reads the pages' caches' usage at a scrape.
pub type CacheUsage = Arc<dyn Fn() -> Caches + Send + Sync>;

/// `GET /metrics`, for any state that holds the counters and the store.
pub fn router<S>(cache_usage: CacheUsage) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Arc<Metrics>: FromRef<S>,
    Arc<dyn Store>: FromRef<S>,
{
    Router::new().route(
        "/metrics",
        get(
            move |State(metrics): State<Arc<Metrics>>, State(store): State<Arc<dyn Store>>| {
                let cache_usage = cache_usage.clone();
                async move { render(&metrics, store.as_ref(), cache_usage()) }
            },
        ),
    )
}

fn render(metrics: &Metrics, store: &dyn Store, caches: Caches) -> impl IntoResponse {
    metrics.cache_bytes.set(caches.figures.0 as i64);
    metrics.cache_entries.set(caches.figures.1 as i64);
    metrics.held_bytes.set(caches.records.bytes as i64);
    metrics.held_users.set(caches.records.users as i64);
    for (kind, total) in [
        ("whole", caches.records.whole_reads),
        ("changes", caches.records.change_reads),
    ] {
        let counter = metrics.held_reads.with_label_values(&[kind]);
        counter.inc_by(total.saturating_sub(counter.get()));
    }
    let pool = store.pool_usage();
    metrics
        .pool
        .with_label_values(&["in_use"])
        .set(i64::from(pool.size) - pool.idle as i64);
    metrics
        .pool
        .with_label_values(&["idle"])
        .set(pool.idle as i64);
    // The store counts; the counters catch up with it at each scrape.
    let served = store.reads_served();
    for (node, total) in [("primary", served.primary), ("standby", served.standby)] {
        let counter = metrics.reads.with_label_values(&[node]);
        counter.inc_by(total.saturating_sub(counter.get()));
    }
    let mut body = Vec::new();
    let encoder = TextEncoder::new();
    if let Err(e) = encoder.encode(&metrics.registry.gather(), &mut body) {
        tracing::error!(error = %e, "cannot encode the metrics");
    }
    ([(CONTENT_TYPE, encoder.format_type().to_owned())], body)
}
