//! How benchmarks report: percentiles of timings, in milliseconds.

use std::time::Duration;

/// What benchmark steps return.
pub type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
