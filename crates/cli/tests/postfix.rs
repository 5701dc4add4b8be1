//! `tessera mail ingest` behind a real Postfix (Debian's `postfix`): a
//! message sent over SMTP to a department's address is piped into Tessera
//! and becomes a ticket; when Tessera cannot store it the pipe exits 75, and
//! Postfix keeps the message and delivers it on its next try.
//!
//! Postfix runs as a private instance (the shared harness,
//! `tessera_mail::testing::postfix`): its configuration, queue and log in
//! a temporary folder, its SMTP server on a free loopback port. It relays
//! nothing: every domain but the test's is discarded, so nothing leaves the
//! machine (bounces included). Postfix's master runs as root, so this test
//! must run as root (CI does); Tessera runs as `nobody`, the user Postfix's
//! pipe delivers as.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};
use support::{get_json, serve_as, tessera_as, token_for_as};
use tessera_mail::testing::postfix::{Options, Pipe, Postfix};

/// The unprivileged user Tessera runs as (Debian's `nobody:nogroup`).
const NOBODY: (u32, u32) = (65534, 65534);

/// Starts a Postfix that pipes mail for `tessera.test` into `tessera mail
/// ingest --data-dir <data> --to <recipient>`, as `nobody`.
fn start_postfix(data: &std::path::Path) -> Postfix {
    Postfix::start(Options {
        pipes: vec![Pipe {
            name: "tessera".into(),
            domain: "tessera.test".into(),
            user: "nobody".into(),
            argv: format!(
                "{} mail ingest --data-dir {} --to ${{recipient}}",
                env!("CARGO_BIN_EXE_tessera"),
                data.display()
            ),
        }],
        ..Options::default()
    })
}

/// Waits up to 30 s for `pred` over the ticket list; answers the list.
async fn tickets_until(
    base: &str,
    token: &str,
    pf: &Postfix,
    pred: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let started = Instant::now();
    loop {
        let list = get_json(base, "/api/v1/tickets", token).await;
        let tickets = list["tickets"].as_array().cloned().unwrap_or_default();
        if pred(&tickets) {
            return tickets;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "not there after 30 s: {list}\n{}", pf.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postfix_pipes_mail_into_tickets_and_retries_what_could_not_be_stored() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let data = root.join("tessera");
    std::fs::create_dir(&data).unwrap();
    let status = Command::new("chown").arg("nobody:nogroup").arg(&data).status().unwrap();
    assert!(status.success());
    let pf = start_postfix(&data);

    let server = serve_as(&data, Some(NOBODY));
    let out = tessera_as(
        &data,
        Some(NOBODY),
        &["user", "create", "--email", "root@tessera.test", "--name", "Root", "--role", "admin"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let token = token_for_as(&data, Some(NOBODY), "root@tessera.test");
    tessera_hooks::install_tls_provider();
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let made = client
        .post(format!("{}/api/v1/departments", server.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "Help", "description": "", "public": false, "email": "help@tessera.test"}))
        .send()
        .await
        .unwrap();
    assert_eq!(made.status(), 201);

    // Sent over SMTP, piped by Postfix: a ticket.
    pf.send(
        "erin@acme.test",
        "help@tessera.test",
        "From: Erin <erin@acme.test>\nTo: help@tessera.test\nMessage-ID: <pf1@acme.test>\nSubject: Backups failing\n\nLast night's backup failed.\n",
    );
    let tickets = tickets_until(&server.base, &token, &pf, |t| !t.is_empty()).await;
    assert_eq!(tickets[0]["subject"], "Backups failing");
    assert!(pf.log().contains("relay=tessera") && pf.log().contains("status=sent"), "{}", pf.log());

    // Tessera cannot store (its data folder is unreadable to the pipe's
    // user): the pipe exits 75, Postfix keeps the message ("deferred").
    let locked = std::fs::metadata(&data).unwrap().permissions();
    std::fs::set_permissions(&data, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    pf.send(
        "erin@acme.test",
        "help@tessera.test",
        "From: Erin <erin@acme.test>\nTo: help@tessera.test\nMessage-ID: <pf2@acme.test>\nSubject: Disk full\n\nThe disk is full.\n",
    );
    let started = Instant::now();
    while !pf.log().contains("status=deferred") {
        assert!(started.elapsed() < Duration::from_secs(30), "not deferred: {}", pf.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(pf.log().contains("dsn=4."), "a temporary failure: {}", pf.log());
    // Once Tessera can store again, Postfix's next try delivers it.
    std::fs::set_permissions(&data, locked).unwrap();
    pf.flush();
    let tickets = tickets_until(&server.base, &token, &pf, |t| t.len() == 2).await;
    assert!(tickets.iter().any(|t| t["subject"] == "Disk full"), "{tickets:?}");
}
