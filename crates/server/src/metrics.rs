//! Prometheus metrics at `GET /metrics`: what an operator running several
//! instances behind a load balancer graphs and alerts on. Requests by route
//! pattern, method and status class with a latency histogram (counted by the
//! request-log layer every request passes), tickets by status category
//! (from the view tally: a few milliseconds), mail handed in by source, state
//! and threading rule, and the process's memory and
//! start time.
//!
//! The text is the Prometheus exposition format, written by hand: a few
//! counters do not justify a metrics framework. Routes are patterns
//! (`/api/v1/tickets/{id}`), never raw paths, so the label set stays small
//! and holds no personal data. Only an administrator's token may read it
//! (Prometheus sends it as `authorization: credentials`); the handler is
//! beside the other operator endpoints in `lib.rs`, this module only counts
//! and writes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// One series of the request histogram.
#[derive(Debug, Default, Clone)]
struct Series {
    /// Requests per bucket (not cumulative; summed when written).
    buckets: [u64; BUCKETS.len()],
    /// Requests slower than the last bucket.
    over: u64,
    /// Total seconds.
    sum: f64,
}

/// The series of one route: by method and status class (a handful).
type RouteSeries = Vec<(String, &'static str, Series)>;

/// Request counts and latencies of this process, by route, method and
/// status class. Keyed by route first, so counting a request of a route seen
/// before allocates nothing.
#[derive(Debug)]
pub struct Metrics {
    started: SystemTime,
    requests: Mutex<BTreeMap<String, RouteSeries>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self { started: SystemTime::now(), requests: Mutex::new(BTreeMap::new()) }
    }
}

impl Metrics {
    /// Counts one answered request.
    pub fn observe(&self, route: &str, method: &str, status: u16, took: Duration) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        let secs = took.as_secs_f64();
        // A poisoned lock only means another request panicked while counting;
        // the counts are still usable.
        let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        match map.get_mut(route) {
            Some(series) => count(series, method, class, secs),
            None => {
                let mut series = Vec::new();
                count(&mut series, method, class, secs);
                map.insert(route.to_owned(), series);
            }
        }
    }

    /// The request series in the exposition format.
    pub fn write_requests(&self, out: &mut String) {
        let routes = self.requests.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let mut map: BTreeMap<(&str, &str, &str), &Series> = BTreeMap::new();
        for (route, series) in &routes {
            for (method, class, s) in series {
                map.insert((route.as_str(), method.as_str(), class), s);
            }
        }
        out.push_str(
            "# HELP tessera_http_requests_total HTTP requests answered, by route pattern, method and status class.\n",
        );
        out.push_str("# TYPE tessera_http_requests_total counter\n");
        for ((route, method, class), s) in &map {
            let n = s.buckets.iter().sum::<u64>() + s.over;
            let _ = writeln!(
                out,
                "tessera_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{class}\"}} {n}",
                label(route),
                label(method)
            );
        }
        out.push_str("# HELP tessera_http_request_duration_seconds Time to answer, by route pattern and method.\n");
        out.push_str("# TYPE tessera_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((route, method, _), s) in &map {
            let t = by_route.entry((route, method)).or_default();
            for (i, n) in s.buckets.iter().enumerate() {
                t.buckets[i] += n;
            }
            t.over += s.over;
            t.sum += s.sum;
        }
        for ((route, method), s) in by_route {
            let labels = format!("route=\"{}\",method=\"{}\"", label(route), label(method));
            let mut cumulative = 0;
            for (i, b) in BUCKETS.iter().enumerate() {
                cumulative += s.buckets[i];
                let _ =
                    writeln!(out, "tessera_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {cumulative}");
            }
            let count = cumulative + s.over;
            let _ = writeln!(out, "tessera_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}");
            let _ = writeln!(out, "tessera_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "tessera_http_request_duration_seconds_count{{{labels}}} {count}");
        }
    }

    /// The process's series: start time and resident memory (Linux).
    pub fn write_process(&self, out: &mut String) {
        let start = self.started.duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0);
        out.push_str("# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n");
        out.push_str("# TYPE process_start_time_seconds gauge\n");
        let _ = writeln!(out, "process_start_time_seconds {start}");
        if let Some(rss) = resident_bytes() {
            out.push_str("# HELP process_resident_memory_bytes Resident memory size in bytes.\n");
            out.push_str("# TYPE process_resident_memory_bytes gauge\n");
            let _ = writeln!(out, "process_resident_memory_bytes {rss}");
        }
    }
}

/// Counts one request in a route's series.
fn count(series: &mut RouteSeries, method: &str, class: &'static str, secs: f64) {
    let i = match series.iter().position(|(m, c, _)| m == method && *c == class) {
        Some(i) => i,
        None => {
            series.push((method.to_owned(), class, Series::default()));
            series.len() - 1
        }
    };
    let s = &mut series[i].2;
    match BUCKETS.iter().position(|b| secs <= *b) {
        Some(b) => s.buckets[b] += 1,
        None => s.over += 1,
    }
    s.sum += secs;
}

/// Escapes a label value (backslash, quote, line feed).
fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Resident memory from `/proc/self/statm` (pages of 4 KiB), on Linux.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn requests_are_counted_in_cumulative_buckets() {
        let m = Metrics::default();
        m.observe("/api/v1/tickets/{id}", "GET", 200, Duration::from_millis(3));
        m.observe("/api/v1/tickets/{id}", "GET", 404, Duration::from_millis(30));
        m.observe("/api/v1/tickets/{id}", "GET", 200, Duration::from_secs(20));
        let mut out = String::new();
        m.write_requests(&mut out);
        assert!(
            out.contains("tessera_http_requests_total{route=\"/api/v1/tickets/{id}\",method=\"GET\",status=\"2xx\"} 2")
        );
        assert!(
            out.contains("tessera_http_requests_total{route=\"/api/v1/tickets/{id}\",method=\"GET\",status=\"4xx\"} 1")
        );
        let l = "route=\"/api/v1/tickets/{id}\",method=\"GET\"";
        assert!(out.contains(&format!("tessera_http_request_duration_seconds_bucket{{{l},le=\"0.001\"}} 0")));
        assert!(out.contains(&format!("tessera_http_request_duration_seconds_bucket{{{l},le=\"0.005\"}} 1")));
        assert!(out.contains(&format!("tessera_http_request_duration_seconds_bucket{{{l},le=\"0.05\"}} 2")));
        assert!(out.contains(&format!("tessera_http_request_duration_seconds_bucket{{{l},le=\"10\"}} 2")));
        assert!(out.contains(&format!("tessera_http_request_duration_seconds_bucket{{{l},le=\"+Inf\"}} 3")));
        assert!(out.contains(&format!("tessera_http_request_duration_seconds_count{{{l}}} 3")));
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
