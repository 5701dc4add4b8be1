//! The one Markdown table a run prints, and the lines under it (memory, cold
//! start, the machine's load, errors).

use crate::scenarios::Scenario;
use crate::server::Memory;
use crate::stats::Sample;
use std::fmt::Write as _;
use std::time::Duration;

/// Which server a row measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    /// Tessera, started by the harness.
    Tessera,
    /// The Request Tracker peer.
    Rt,
}

impl System {
    fn name(self) -> &'static str {
        match self {
            System::Tessera => "Tessera",
            System::Rt => "RT",
        }
    }
}

/// One scenario at one concurrency on one server.
#[derive(Debug, Clone)]
pub struct Row {
    /// What ran.
    pub scenario: Scenario,
    /// Concurrent clients.
    pub concurrency: usize,
    /// On which server.
    pub system: System,
    /// What it measured.
    pub sample: Sample,
}

/// Everything a run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every row, in any order (rendering sorts them).
    pub rows: Vec<Row>,
    /// Tickets prepared in Tessera before the runs.
    pub tessera_tickets: usize,
    /// Tickets prepared in RT, when the peer ran.
    pub rt_tickets: Option<usize>,
    /// Tessera's memory right after its first start on an empty folder.
    pub idle_fresh: Memory,
    /// Tessera's memory right after the restart on the prepared folder.
    pub idle_prepared: Memory,
    /// Tessera's memory after every scenario ran (its peak is the peak of
    /// the runs: the restart reset it).
    pub after_load: Memory,
    /// From spawning `tessera serve` on the prepared folder to `/readyz` 200.
    pub cold_start: Duration,
    /// The limits of each run.
    pub duration: Duration,
    /// The limit of operations per run.
    pub max_ops: u64,
    /// `/proc/loadavg` before and after the runs.
    pub load: (String, String),
}

/// Renders the table and the notes under it.
pub fn render(report: &Report) -> String {
    let peer = report.rows.iter().any(|r| r.system == System::Rt);
    let mut rows: Vec<&Row> = report.rows.iter().collect();
    rows.sort_by_key(|r| {
        let pos = Scenario::ALL.iter().position(|s| *s == r.scenario).unwrap_or(usize::MAX);
        (pos, r.concurrency, r.system == System::Rt)
    });

    let mut out = String::new();
    if peer {
        out.push_str("| scenario | concurrency | server | requests | errors | req/s | p50 ms | p99 ms | p99.9 ms | Tessera / RT |\n");
        out.push_str("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    } else {
        out.push_str("| scenario | concurrency | requests | errors | req/s | p50 ms | p99 ms | p99.9 ms |\n");
        out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    }
    for row in &rows {
        let s = &row.sample;
        let _ = write!(out, "| {} | {} | ", row.scenario.name(), row.concurrency);
        if peer {
            let _ = write!(out, "{} | ", row.system.name());
        }
        let _ = write!(
            out,
            "{} | {} | {} | {} | {} | {} |",
            s.ok() + s.errors,
            s.errors,
            rate(s.throughput()),
            ms(s.percentile_ms(0.5)),
            ms(s.percentile_ms(0.99)),
            ms(s.percentile_ms(0.999)),
        );
        if peer {
            let ratio = (row.system == System::Tessera)
                .then(|| {
                    rows.iter().find(|o| {
                        o.system == System::Rt && o.scenario == row.scenario && o.concurrency == row.concurrency
                    })
                })
                .flatten()
                .and_then(|rt| ratio(s.throughput(), rt.sample.throughput()));
            let _ = write!(out, " {} |", ratio.unwrap_or_default());
        }
        out.push('\n');
    }

    out.push('\n');
    let _ = writeln!(
        out,
        "Tessera: {} prepared tickets (2 messages each); each run {:.1} s or {} requests, whichever first.",
        report.tessera_tickets,
        report.duration.as_secs_f64(),
        report.max_ops
    );
    if let Some(n) = report.rt_tickets {
        let _ = writeln!(out, "RT: {n} prepared tickets (a first message and a reply each); same limits.");
    }
    let _ = writeln!(
        out,
        "Tessera RSS: idle after first start {}, idle after restart on the prepared folder {}, peak during the runs (VmHWM) {}.",
        mib(report.idle_fresh.rss_kib),
        mib(report.idle_prepared.rss_kib),
        mib(report.after_load.peak_kib),
    );
    let _ = writeln!(
        out,
        "Cold start on the prepared folder (spawn to /readyz 200): {:.0} ms.",
        report.cold_start.as_secs_f64() * 1000.0
    );
    let _ = writeln!(out, "Load average before / after: {} / {}.", report.load.0, report.load.1);
    for row in rows.iter().filter(|r| r.sample.errors > 0) {
        let _ = writeln!(
            out,
            "Errors in {} at {} on {}: {} (first: {})",
            row.scenario.name(),
            row.concurrency,
            row.system.name(),
            row.sample.errors,
            row.sample.first_error.as_deref().unwrap_or("?")
        );
    }
    out
}

/// Requests per second: whole numbers from 100 up, one decimal below.
fn rate(r: f64) -> String {
    if r >= 100.0 { format!("{r:.0}") } else { format!("{r:.1}") }
}

/// Milliseconds with two decimals below 10, one below 100, none above.
fn ms(v: Option<f64>) -> String {
    match v {
        None => "–".to_owned(),
        Some(v) if v < 10.0 => format!("{v:.2}"),
        Some(v) if v < 100.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.0}"),
    }
}

/// Tessera's throughput over RT's, as `640×`; none when RT did nothing.
fn ratio(tessera: f64, rt: f64) -> Option<String> {
    if rt <= 0.0 {
        return None;
    }
    let x = tessera / rt;
    Some(if x >= 10.0 { format!("{x:.0}×") } else { format!("{x:.1}×") })
}

/// KiB as MiB with one decimal.
fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(scenario: Scenario, concurrency: usize, system: System, n: usize, secs: u64) -> Row {
        let sample = Sample::new(vec![1_500; n], 0, Duration::from_secs(secs));
        Row { scenario, concurrency, system, sample }
    }

    fn report(rows: Vec<Row>) -> Report {
        let mem = Memory { rss_kib: 10_240, peak_kib: 20_480 };
        Report {
            rows,
            tessera_tickets: 100,
            rt_tickets: None,
            idle_fresh: mem,
            idle_prepared: mem,
            after_load: mem,
            cold_start: Duration::from_millis(42),
            duration: Duration::from_secs(1),
            max_ops: 1000,
            load: ("1.0".into(), "2.0".into()),
        }
    }

    #[test]
    fn ratio_column_compares_tessera_with_rt_at_the_same_concurrency() {
        let text = render(&report(vec![
            row(Scenario::Read, 8, System::Rt, 10, 1),
            row(Scenario::Read, 8, System::Tessera, 6400, 1),
            row(Scenario::List, 8, System::Tessera, 500, 1),
        ]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "| ticket read | 8 | Tessera | 6400 | 0 | 6400 | 1.50 | 1.50 | 1.50 | 640× |");
        assert_eq!(lines[3], "| ticket read | 8 | RT | 10 | 0 | 10.0 | 1.50 | 1.50 | 1.50 |  |");
        assert_eq!(lines[4], "| ticket list page | 8 | Tessera | 500 | 0 | 500 | 1.50 | 1.50 | 1.50 |  |");
        assert!(text.contains("peak during the runs (VmHWM) 20.0 MiB"));
        assert!(text.contains("Cold start on the prepared folder (spawn to /readyz 200): 42 ms."));
    }

    #[test]
    fn without_a_peer_there_is_no_server_or_ratio_column() {
        let text = render(&report(vec![row(Scenario::Create, 1, System::Tessera, 300, 2)]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "| scenario | concurrency | requests | errors | req/s | p50 ms | p99 ms | p99.9 ms |");
        assert_eq!(lines[2], "| ticket create | 1 | 300 | 0 | 150 | 1.50 | 1.50 | 1.50 |");
    }
}
