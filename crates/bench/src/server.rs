//! Starting, measuring and stopping the Tessera server under test.
//!
//! The server is the release binary run as a child process on a free loopback
//! port, exactly as an operator runs it (`tessera serve --data-dir …
//! --listen 127.0.0.1:PORT`). [`Server`] is a guard: dropping it kills the
//! child, so the server never outlives the harness, whether the run ends
//! normally, with an error, a panic or Ctrl-C.

use anyhow::{Context, Result, bail};
use rustix::process::{Pid, Signal, kill_process};
use serde_json::Value;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a start may take before the harness gives up.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a graceful stop may take before the server is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(15);

/// The `tessera` binary and the data folder it works on: runs the CLI
/// commands of the black-box contract and starts the server.
#[derive(Debug, Clone)]
pub struct Tessera {
    /// Path of the `tessera` binary.
    pub binary: PathBuf,
    /// The data folder (`--data-dir`).
    pub data_dir: PathBuf,
    /// `TESSERA_*` settings given on purpose (a PostgreSQL database URL
    /// and the secret key instances on one database share).
    pub env: Vec<(String, String)>,
}

impl Tessera {
    /// A command for the binary with `--data-dir` set and no `TESSERA_*`
    /// variable inherited from the caller's environment (a stray
    /// `TESSERA_DATABASE_URL` would send the benchmark to another database).
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.binary);
        cmd.args(args).arg("--data-dir").arg(&self.data_dir);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("TESSERA_") {
                cmd.env_remove(key);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd
    }

    /// Runs a CLI command that prints one JSON object (`user create`,
    /// `token create`) and returns it.
    pub fn cli_json(&self, args: &[&str]) -> Result<Value> {
        let out = self
            .command(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("running {} {}", self.binary.display(), args.join(" ")))?;
        if !out.status.success() {
            bail!(
                "`tessera {}` failed ({}): {}",
                args.join(" "),
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        serde_json::from_slice(&out.stdout).with_context(|| format!("`tessera {}` did not print JSON", args.join(" ")))
    }

    /// Starts `tessera serve` on a free loopback port, its output appended
    /// to `log`, and waits until `/readyz` answers 200. Returns the running
    /// server and the time from spawning the process to that first 200.
    pub async fn serve(&self, log: &Path) -> Result<(Server, Duration)> {
        let port = free_port()?;
        let listen = format!("127.0.0.1:{port}");
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .with_context(|| format!("opening the server log {}", log.display()))?;
        let err = out.try_clone().context("duplicating the server log handle")?;
        let started = Instant::now();
        let child = self
            .command(&["serve", "--listen", &listen])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .with_context(|| format!("starting {}", self.binary.display()))?;
        let mut server = Server { child, base: format!("http://{listen}"), stopped: false };
        let ready = server.wait_ready(started, log).await?;
        Ok((server, ready))
    }
}

/// A running `tessera serve`; killed when dropped.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stopped: bool,
}

/// Memory figures of a process from `/proc/<pid>/status`, in kibibytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Memory {
    /// Resident set size now (`VmRSS`).
    pub rss_kib: u64,
    /// The peak resident set size since the process started (`VmHWM`).
    pub peak_kib: u64,
}

impl Server {
    /// Polls `/readyz` every 2 ms until it answers 200, the process exits or
    /// [`READY_TIMEOUT`] passes.
    async fn wait_ready(&mut self, started: Instant, log: &Path) -> Result<Duration> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .context("building the readiness client")?;
        let url = format!("{}/readyz", self.base);
        loop {
            if let Ok(resp) = client.get(&url).send().await
                && resp.status() == reqwest::StatusCode::OK
            {
                return Ok(started.elapsed());
            }
            if let Some(status) = self.child.try_wait().context("checking the server process")? {
                self.stopped = true;
                bail!("tessera serve exited with {status} before it was ready; see {}", log.display());
            }
            if started.elapsed() > READY_TIMEOUT {
                bail!("tessera serve not ready after {READY_TIMEOUT:?}; see {}", log.display());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// The server's current and peak resident memory.
    pub fn memory(&self) -> Result<Memory> {
        let path = format!("/proc/{}/status", self.child.id());
        let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
        parse_memory(&status).with_context(|| format!("no VmRSS/VmHWM in {path}"))
    }

    /// Stops the server gracefully (SIGTERM, as systemd does) and waits for
    /// it to exit; kills it if it takes longer than [`STOP_TIMEOUT`].
    pub async fn stop(mut self) -> Result<()> {
        kill_process(Pid::from_child(&self.child), Signal::TERM).context("sending SIGTERM to tessera serve")?;
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().context("waiting for tessera serve")? {
                self.stopped = true;
                if !status.success() {
                    bail!("tessera serve exited with {status} after SIGTERM");
                }
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("tessera serve did not stop within {STOP_TIMEOUT:?} of SIGTERM (killed)");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.stopped {
            // Best effort: the process may already be gone.
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A TCP port on 127.0.0.1 that nothing listens on right now (the OS picks
/// it; there is a small window in which another process could take it).
pub fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 0)).context("finding a free loopback port")?;
    Ok(listener.local_addr().context("reading the free port")?.port())
}

/// Reads `VmRSS` and `VmHWM` (in kB) from the text of `/proc/<pid>/status`.
fn parse_memory(status: &str) -> Option<Memory> {
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    Some(Memory { rss_kib: field("VmRSS:")?, peak_kib: field("VmHWM:")? })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rss_and_peak_from_proc_status() {
        let status = "Name:\ttessera\nVmPeak:\t  900000 kB\nVmHWM:\t   48212 kB\nVmRSS:\t   30100 kB\n";
        assert_eq!(parse_memory(status), Some(Memory { rss_kib: 30100, peak_kib: 48212 }));
        assert_eq!(parse_memory("Name:\tx\n"), None);
    }
}
