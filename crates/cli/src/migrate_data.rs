//! `tessera migrate-data`: the command around `tessera-migrate-data`, with a
//! progress bar on a terminal and a line per tenth otherwise (logs, CI).

use anyhow::{Context, Result};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};
use tessera_migrate_data::{Endpoint, Progress, migrate_data};
use tessera_server::config::{DatabaseUrl, parse_database_url};

/// The width of the bar, in characters.
const BAR: usize = 30;

fn endpoint(url: &str, data_dir: &Path) -> Result<Endpoint> {
    Ok(match parse_database_url(url, data_dir).with_context(|| format!("cannot read the database URL {url:?}"))? {
        DatabaseUrl::Sqlite(p) => Endpoint::Sqlite(p),
        DatabaseUrl::Postgres(u) => Endpoint::Postgres(u),
    })
}

/// Draws the copy's progress.
struct Bar {
    tty: bool,
    started: Instant,
    drawn: Instant,
    tenth: u64,
}

impl Bar {
    fn new() -> Self {
        let now = Instant::now();
        Self { tty: std::io::stderr().is_terminal(), started: now, drawn: now - Duration::from_secs(1), tenth: 0 }
    }

    fn show(&mut self, p: &Progress) {
        let (what, done, total) = match p {
            Progress::Rows { table, done, total } => (format!("copying {table}"), *done, *total),
            Progress::Reindex(r) => ("indexing tickets".to_string(), r.done, r.total),
        };
        let pct = (done * 100).checked_div(total).unwrap_or(100);
        if self.tty {
            if self.drawn.elapsed() < Duration::from_millis(100) && done < total {
                return;
            }
            self.drawn = Instant::now();
            let filled = (pct as usize * BAR / 100).min(BAR);
            let rate = done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
            eprint!(
                "\r[{}{}] {pct:>3}% {done}/{total} {what} ({rate:.0}/s)\x1b[K",
                "#".repeat(filled),
                "-".repeat(BAR - filled)
            );
            let _ = std::io::stderr().flush();
        } else if pct / 10 > self.tenth || done == total {
            self.tenth = pct / 10;
            eprintln!("{pct:>3}% {done}/{total} {what}");
        }
    }
}

/// Copies, verifies, reindexes and reports.
pub async fn run(data_dir: &Path, from: &str, to: &str) -> Result<()> {
    let from = endpoint(from, data_dir)?;
    let to = endpoint(to, data_dir)?;
    eprintln!("Copying {} to {}", from.describe(), to.describe());
    let mut bar = Bar::new();
    let started = Instant::now();
    let mut phase_reindex = false;
    let report = migrate_data(&from, &to, &mut |p| {
        if matches!(p, Progress::Reindex(_)) && !phase_reindex {
            phase_reindex = true;
            if bar.tty {
                eprintln!();
            }
            eprintln!("Verified every table. Rebuilding the search index on the target.");
            bar = Bar::new();
        }
        bar.show(&p);
    })
    .await?;
    if bar.tty {
        eprintln!();
    }
    let rows: u64 = report.tables.iter().map(|t| t.rows).sum();
    for t in &report.tables {
        eprintln!("  {:<24} {:>10} rows  checksum {}", t.table, t.rows, t.checksum);
    }
    eprintln!(
        "Done in {:.1} s: {rows} rows in {} tables copied and verified (same counts and checksums on both sides), {} tickets indexed.",
        started.elapsed().as_secs_f64(),
        report.tables.len(),
        report.indexed
    );
    Ok(())
}
