//! Helpers shared by the binary's black-box tests: running `tessera`
//! commands and a `tessera serve` on a loopback port.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `tessera <args> --data-dir <data>` and waits for it.
pub fn tessera(data: &Path, args: &[&str]) -> std::process::Output {
    tessera_as(data, None, args)
}

/// [`tessera`] as the user `uid:gid` when one is named.
pub fn tessera_as(data: &Path, user: Option<(u32, u32)>, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    if let Some((uid, gid)) = user {
        use std::os::unix::process::CommandExt;
        cmd.uid(uid).gid(gid);
    }
    cmd.args(args)
        .arg("--data-dir")
        .arg(data)
        .env_remove("TESSERA_LISTEN")
        .env_remove("TESSERA_DATABASE_URL")
        .env_remove("TESSERA_SECRET_KEY")
        .output()
        .unwrap()
}

/// A new API token for `email`, made with `tessera token create`.
pub fn token_for(data: &Path, email: &str) -> String {
    token_for_as(data, None, email)
}

/// [`token_for`] as the user `uid:gid` when one is named.
pub fn token_for_as(data: &Path, user: Option<(u32, u32)>, email: &str) -> String {
    let out = tessera_as(data, user, &["token", "create", "--email", email]);
    assert!(out.status.success(), "token create: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["token"].as_str().unwrap().to_string()
}

/// `GET base + path` with a bearer token, read as JSON.
pub async fn get_json(base: &str, path: &str, token: &str) -> serde_json::Value {
    // reqwest is built with rustls but no provider (tessera-hooks installs
    // ring at start); install it here too.
    tessera_hooks::install_tls_provider();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    client.get(format!("{base}{path}")).bearer_auth(token).send().await.unwrap().json().await.unwrap()
}

/// A running `tessera serve`, killed on drop.
pub struct Serve {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// What it wrote to stderr up to its banner.
    pub stderr: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn serve(data: &Path) -> Serve {
    serve_as(data, None)
}

/// `tessera serve` as the user `uid:gid` when one is named (the Postfix
/// test runs Tessera as the unprivileged user its pipe delivers as).
pub fn serve_as(data: &Path, user: Option<(u32, u32)>) -> Serve {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tessera"));
    if let Some((uid, gid)) = user {
        use std::os::unix::process::CommandExt;
        cmd.uid(uid).gid(gid);
    }
    let mut child = cmd
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .env("TESSERA_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stderr.take().unwrap());
    let mut stderr = String::new();
    let started = Instant::now();
    let mut base = None;
    let mut line = String::new();
    // Read the banner up to its last line.
    while started.elapsed() < Duration::from_secs(30) {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        stderr.push_str(&line);
        if let Some(rest) = line.trim().split("listening on ").nth(1) {
            base = Some(rest.to_string());
        }
        if line.contains("Press Ctrl-C to stop") {
            break;
        }
    }
    let base = base.unwrap_or_else(|| panic!("the server did not start: {stderr}"));
    Serve { child, base, stderr }
}
