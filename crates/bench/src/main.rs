//! `tessera-bench`: Tessera's benchmark harness.
//!
//! Starts a release Tessera on a temporary data folder on a free loopback
//! port, creates users and tokens with its CLI, prepares tickets, restarts it
//! to time a cold start, runs each scenario at each concurrency for a bounded
//! time and count, and prints one Markdown table with throughput, latency
//! percentiles and the server's memory. With `--peer-rt` it runs the create,
//! reply, read and search scenarios against a Request Tracker 5 too (see
//! `bench/peers/rt.sh`) and adds the ratio of the two.
//!
//! Every request goes to 127.0.0.1 (or `::1`), and the server is killed when
//! the harness exits, however it exits.

mod peers;
mod report;
mod scenarios;
mod server;
mod stats;

use anyhow::{Context, Result, bail};
use clap::Parser;
use peers::rt::RtPeer;
use report::{Report, Row, System};
use reqwest::Url;
use scenarios::{Bounds, Preparation, Scenario, Target, run_load};
use server::Tessera;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Tessera's benchmark harness: one table of throughput and latency per
/// scenario and concurrency, optionally side by side with Request Tracker.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The `tessera` binary to benchmark (a release build).
    #[arg(long, default_value = "target/release/tessera")]
    tessera: PathBuf,
    /// A smoke check in under a minute: few tickets, short runs.
    #[arg(long)]
    quick: bool,
    /// Tickets to prepare before the runs [default: 10000, 300 with --quick].
    #[arg(long)]
    tickets: Option<usize>,
    /// Seconds each scenario runs at each concurrency [default: 5, 1 with --quick].
    #[arg(long)]
    duration: Option<f64>,
    /// At most this many requests per run [default: 200000, 20000 with --quick].
    #[arg(long)]
    max_requests: Option<u64>,
    /// Concurrencies to run each scenario at.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    concurrency: Vec<usize>,
    /// Scenarios to run (create, reply, read, list, view-count, search) [default: all].
    #[arg(long, value_delimiter = ',')]
    scenarios: Vec<String>,
    /// Customers (one token each) the create scenario cycles through.
    #[arg(long, default_value_t = 32)]
    customers: usize,
    /// Also run against Request Tracker at this URL (loopback only), e.g.
    /// `http://127.0.0.1:18480` as printed by `bench/peers/rt.sh`.
    #[arg(long)]
    peer_rt: Option<String>,
    /// RT user to log in as.
    #[arg(long, default_value = "bench")]
    rt_user: String,
    /// RT password (or `RT_PASSWORD`).
    #[arg(long, env = "RT_PASSWORD", hide_env_values = true)]
    rt_password: Option<String>,
    /// RT queue to open tickets in.
    #[arg(long, default_value = "Bench")]
    rt_queue: String,
    /// Tickets to have in RT before its runs (existing ones are reused)
    /// [default: 300, 20 with --quick].
    #[arg(long)]
    rt_tickets: Option<usize>,
    /// Run Tessera on this PostgreSQL database (an empty one, on loopback)
    /// instead of SQLite in the temporary data folder.
    #[arg(long)]
    database: Option<String>,
    /// Tessera instances sharing the database (more than one needs
    /// `--database`); requests go to each in turn.
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// Only time cold starts on this existing data folder (one that
    /// `bench/generate.py` filled, say): starts the server on it
    /// `--starts` times, each until `/readyz` answers 200, and stops it.
    #[arg(long, value_name = "DATA_DIR")]
    cold_start: Option<PathBuf>,
    /// Starts to time with `--cold-start`.
    #[arg(long, default_value_t = 6)]
    starts: usize,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    // The workspace builds reqwest with rustls but no provider (tessera-hooks
    // installs ring); a client cannot be built before one is installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Ctrl-C drops the run, and with it the server guard, which kills the
    // server; a panic unwinds through the same guard.
    tokio::select! {
        result = run(args) => result,
        _ = tokio::signal::ctrl_c() => bail!("interrupted; the server was stopped"),
    }
}

/// The whole run: prepare, measure, print.
async fn run(args: Args) -> Result<()> {
    let quick = args.quick;
    let tickets = args.tickets.unwrap_or(if quick { 300 } else { 10_000 });
    let duration = Duration::from_secs_f64(args.duration.unwrap_or(if quick { 1.0 } else { 5.0 }));
    let max_ops = args.max_requests.unwrap_or(if quick { 20_000 } else { 200_000 });
    let bounds = Bounds { duration, max_ops };
    let scenarios = chosen_scenarios(&args.scenarios)?;
    if args.concurrency.iter().any(|&c| c == 0 || c > 256) {
        bail!("--concurrency takes numbers from 1 to 256");
    }
    let peer = match &args.peer_rt {
        Some(url) => {
            let url = loopback_url(url)?;
            let password = args.rt_password.clone().context("--peer-rt needs --rt-password (or RT_PASSWORD)")?;
            Some((url, password))
        }
        None => None,
    };
    if !args.tessera.is_file() {
        bail!(
            "no tessera binary at {} (build it with `cargo build --release -p tessera -p tessera-bench`, or pass --tessera)",
            args.tessera.display()
        );
    }
    if let Some(dir) = &args.cold_start {
        return cold_starts(&args.tessera, dir, args.starts).await;
    }

    let work = tempfile::Builder::new().prefix("tessera-bench-").tempdir().context("making a temporary folder")?;
    let data_dir = work.path().join("data");
    std::fs::create_dir(&data_dir).context("making the data folder")?;
    let log = work.path().join("server.log");
    let mut env = Vec::new();
    if let Some(url) = &args.database {
        let host = url.rsplit('@').next().unwrap_or(url);
        if !(host.starts_with("127.0.0.1") || host.starts_with("[::1]")) {
            bail!("--database must be a PostgreSQL on loopback (127.0.0.1 or [::1])");
        }
        env.push(("TESSERA_DATABASE_URL".to_string(), url.clone()));
        // Instances on one database share the key for secrets at rest.
        env.push(("TESSERA_SECRET_KEY".to_string(), "b3".repeat(32)));
    }
    if args.instances == 0 || args.instances > 4 || (args.instances > 1 && args.database.is_none()) {
        bail!("--instances takes 1 to 4, and more than one needs --database");
    }
    let tessera = Tessera { binary: args.tessera.clone(), data_dir, env };

    eprintln!("starting {} on a fresh data folder", tessera.binary.display());
    let (first, _) = tessera.serve(&log).await?;
    let idle_fresh = first.memory()?;
    let prep = Preparation { tickets, customers: args.customers };
    let mut target = Target::prepare(&tessera, &first.base, prep).await?;
    first.stop().await.context("stopping Tessera after the preparation")?;

    let (server, cold_start) = tessera.serve(&log).await?;
    let idle_prepared = server.memory()?;
    eprintln!("restarted on the prepared folder: ready in {:.0} ms", cold_start.as_secs_f64() * 1000.0);
    target.base = server.base.clone();
    // Further instances, each with a data folder of its own, on the same database.
    let mut others = Vec::new();
    for i in 1..args.instances {
        let dir = work.path().join(format!("data{i}"));
        std::fs::create_dir(&dir).context("making a data folder")?;
        let more = Tessera { data_dir: dir, ..tessera.clone() };
        let (s, _) = more.serve(&log).await?;
        target.others.push(s.base.clone());
        others.push(s);
    }

    let load_before = loadavg();
    let mut rows = Vec::new();
    for &scenario in Scenario::RUN_ORDER.iter().filter(|s| scenarios.contains(s)) {
        let t = target.clone();
        warm_up(duration, move |seq| {
            let t = t.clone();
            async move { t.op(scenario, seq).await }
        })
        .await?;
        for &concurrency in &args.concurrency {
            let t = target.clone();
            let sample = run_load(concurrency, bounds, move |seq| {
                let t = t.clone();
                async move { t.op(scenario, seq).await }
            })
            .await?;
            eprintln!(
                "Tessera {:<16} c={concurrency:<3} {:>9.1} req/s, {} errors",
                scenario.name(),
                sample.throughput(),
                sample.errors
            );
            rows.push(Row { scenario, concurrency, system: System::Tessera, sample });
        }
    }
    let after_load = server.memory()?;
    server.stop().await.context("stopping Tessera after the runs")?;
    for s in others {
        s.stop().await.context("stopping another instance")?;
    }

    let mut rt_tickets = None;
    if let Some((url, password)) = peer {
        let mut rt = RtPeer::login(&url, &args.rt_user, &password, &args.rt_queue).await?;
        rt.prepare(args.rt_tickets.unwrap_or(if quick { 20 } else { 300 })).await?;
        rt_tickets = Some(rt.tickets.len());
        for &scenario in Scenario::RUN_ORDER.iter().filter(|s| scenarios.contains(s) && s.on_rt()) {
            let peer = rt.clone();
            warm_up(duration, move |seq| {
                let peer = peer.clone();
                async move { peer.op(scenario, seq).await }
            })
            .await?;
            for &concurrency in &args.concurrency {
                let peer = rt.clone();
                let sample = run_load(concurrency, bounds, move |seq| {
                    let peer = peer.clone();
                    async move { peer.op(scenario, seq).await }
                })
                .await?;
                eprintln!(
                    "RT      {:<16} c={concurrency:<3} {:>9.1} req/s, {} errors",
                    scenario.name(),
                    sample.throughput(),
                    sample.errors
                );
                rows.push(Row { scenario, concurrency, system: System::Rt, sample });
            }
        }
    }
    let load_after = loadavg();

    let report = Report {
        rows,
        tessera_tickets: target.tickets.len(),
        rt_tickets,
        idle_fresh,
        idle_prepared,
        after_load,
        cold_start,
        duration,
        max_ops,
        load: (load_before, load_after),
    };
    let backend = if args.database.is_some() { "PostgreSQL" } else { "SQLite" };
    println!("Tessera on {backend}, {} instance(s)\n", args.instances);
    print!("{}", report::render(&report));
    Ok(())
}

/// Times `starts` cold starts of the server on an existing data folder and
/// prints each with the idle memory after it. The first start may do
/// one-off work (a migration, the planner statistics of a database never
/// measured); the table shows it apart.
async fn cold_starts(binary: &std::path::Path, dir: &std::path::Path, starts: usize) -> Result<()> {
    if !dir.join("tessera.db").is_file() {
        bail!("--cold-start {}: no tessera.db in that folder", dir.display());
    }
    let bytes = std::fs::metadata(dir.join("tessera.db")).map(|m| m.len()).unwrap_or(0);
    let tessera = Tessera { binary: binary.to_path_buf(), data_dir: dir.to_path_buf(), env: Vec::new() };
    let work = tempfile::Builder::new().prefix("tessera-bench-").tempdir().context("making a temporary folder")?;
    let log = work.path().join("server.log");
    let mut times = Vec::new();
    println!("Cold starts on {} ({:.0} MiB database)\n", dir.display(), bytes as f64 / 1048576.0);
    println!("| start | spawn to /readyz 200 ms | idle RSS 1 s later MiB |");
    println!("| ---: | ---: | ---: |");
    for i in 1..=starts.max(1) {
        let (server, took) = tessera.serve(&log).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let memory = server.memory()?;
        server.stop().await.context("stopping Tessera")?;
        let ms = took.as_secs_f64() * 1000.0;
        println!("| {i} | {ms:.0} | {:.1} |", memory.rss_kib as f64 / 1024.0);
        times.push(ms);
    }
    let mut later: Vec<f64> = times.iter().skip(1).copied().collect();
    later.sort_by(f64::total_cmp);
    if let Some(median) = later.get(later.len() / 2) {
        println!("\nMedian of starts 2–{}: {median:.0} ms.", times.len());
    }
    Ok(())
}

/// Runs a few unmeasured operations of a scenario (4 clients, at most 8
/// operations, at most one run's duration), so the first measured run does
/// not pay for cold caches or, in RT, Mason compiling its components.
async fn warm_up<F, Fut>(duration: Duration, op: F) -> Result<()>
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<()>> + Send + 'static,
{
    let bounds = Bounds { duration, max_ops: 8 };
    let sample = run_load(4, bounds, op).await?;
    if sample.ok() == 0 && sample.errors > 0 {
        bail!("every warm-up request failed: {}", sample.first_error.unwrap_or_default());
    }
    Ok(())
}

/// The scenarios named with `--scenarios`, or all of them.
fn chosen_scenarios(keys: &[String]) -> Result<Vec<Scenario>> {
    if keys.is_empty() {
        return Ok(Scenario::ALL.to_vec());
    }
    keys.iter()
        .map(|k| {
            Scenario::from_key(k.trim()).with_context(|| {
                let known: Vec<&str> = Scenario::ALL.iter().map(|s| s.key()).collect();
                format!("unknown scenario {k:?} (known: {})", known.join(", "))
            })
        })
        .collect()
}

/// Parses a peer URL and refuses anything but `http://` to a loopback IP
/// address: a benchmark never sends load elsewhere, nor resolves a name.
fn loopback_url(raw: &str) -> Result<Url> {
    let url = Url::parse(raw).with_context(|| format!("--peer-rt {raw:?} is not a URL"))?;
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
    let ip: Option<IpAddr> = host.parse().ok();
    if url.scheme() != "http" || !ip.is_some_and(|ip| ip.is_loopback()) {
        bail!("--peer-rt must be http:// to a loopback address such as http://127.0.0.1:18480 (got {raw})");
    }
    Ok(url)
}

/// The first three fields of `/proc/loadavg` (the machine is shared; the
/// table says how busy it was).
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_urls_must_be_loopback_ip_addresses() {
        assert!(loopback_url("http://127.0.0.1:18480").is_ok());
        assert!(loopback_url("http://[::1]:18480/").is_ok());
        assert!(loopback_url("http://localhost:18480").is_err(), "no name resolution");
        assert!(loopback_url("http://10.0.0.5:80").is_err());
        assert!(loopback_url("https://127.0.0.1:443").is_err());
        assert!(loopback_url("not a url").is_err());
    }

    #[test]
    fn scenarios_are_chosen_by_key() {
        assert_eq!(chosen_scenarios(&[]).expect("all"), Scenario::ALL.to_vec());
        let some = chosen_scenarios(&["read".into(), " search".into()]).expect("two");
        assert_eq!(some, vec![Scenario::Read, Scenario::Search]);
        assert!(chosen_scenarios(&["bogus".into()]).is_err());
    }
}
