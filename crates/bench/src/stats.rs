//! Latency statistics of one scenario run: exact percentiles over every
//! recorded latency.
//!
//! Runs are bounded in count (at most a few hundred thousand requests), so the
//! harness keeps every latency and sorts once instead of approximating with a
//! histogram: the percentiles are exact and no extra dependency is needed.

use std::time::Duration;

/// What one scenario at one concurrency produced: how many operations
/// succeeded or failed, how long the run took, and every successful latency.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Latencies of the successful operations, in microseconds, sorted
    /// ascending once [`Sample::new`] has run.
    latencies_us: Vec<u64>,
    /// Operations that failed (transport error or an unexpected status).
    pub errors: u64,
    /// Wall-clock time from the first request sent to the last answer read.
    pub elapsed: Duration,
    /// The first failure's message, to show why a run had errors.
    pub first_error: Option<String>,
}

impl Sample {
    /// Builds a sample from unsorted latencies.
    pub fn new(mut latencies_us: Vec<u64>, errors: u64, elapsed: Duration) -> Self {
        latencies_us.sort_unstable();
        Self { latencies_us, errors, elapsed, first_error: None }
    }

    /// Successful operations.
    pub fn ok(&self) -> u64 {
        self.latencies_us.len() as u64
    }

    /// Successful operations per second of wall-clock time.
    pub fn throughput(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs <= 0.0 { 0.0 } else { self.ok() as f64 / secs }
    }

    /// The latency at quantile `q` (0.0 to 1.0) in milliseconds, by the
    /// nearest-rank method: the smallest recorded latency such that at least
    /// `q` of all latencies are at or below it. `None` without latencies.
    pub fn percentile_ms(&self, q: f64) -> Option<f64> {
        nearest_rank(&self.latencies_us, q).map(|us| us as f64 / 1000.0)
    }
}

/// The nearest-rank percentile of sorted values: the value at rank
/// `ceil(q * n)` (1-based), clamped to the first and last value.
fn nearest_rank(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (q.clamp(0.0, 1.0) * n as f64).ceil() as usize;
    let index = rank.clamp(1, n) - 1;
    sorted.get(index).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(values: Vec<u64>) -> Sample {
        Sample::new(values, 0, Duration::from_secs(2))
    }

    #[test]
    fn percentiles_of_one_to_a_thousand() {
        // 1..=1000 µs in reverse order: sorting is the sample's job.
        let s = sample((1..=1000).rev().collect());
        assert_eq!(s.percentile_ms(0.5), Some(0.5));
        assert_eq!(s.percentile_ms(0.99), Some(0.99));
        assert_eq!(s.percentile_ms(0.999), Some(0.999));
        assert_eq!(s.percentile_ms(1.0), Some(1.0));
        assert_eq!(s.percentile_ms(0.0), Some(0.001));
    }

    #[test]
    fn percentiles_of_a_small_skewed_set() {
        // Nine fast answers and one slow one: the p50 is fast, the p99 and
        // p99.9 are the slow one (rank ceil(0.99 * 10) = 10).
        let mut v = vec![2_000; 9];
        v.push(250_000);
        let s = sample(v);
        assert_eq!(s.percentile_ms(0.5), Some(2.0));
        assert_eq!(s.percentile_ms(0.9), Some(2.0));
        assert_eq!(s.percentile_ms(0.99), Some(250.0));
        assert_eq!(s.percentile_ms(0.999), Some(250.0));
    }

    #[test]
    fn empty_sample_has_no_percentiles_and_no_throughput() {
        let s = Sample::new(Vec::new(), 3, Duration::from_secs(1));
        assert_eq!(s.percentile_ms(0.5), None);
        assert_eq!(s.ok(), 0);
        assert_eq!(s.errors, 3);
        assert_eq!(s.throughput(), 0.0);
    }

    #[test]
    fn throughput_counts_successes_per_second() {
        let s = Sample::new(vec![1; 500], 7, Duration::from_millis(250));
        assert_eq!(s.throughput(), 2000.0);
    }
}
