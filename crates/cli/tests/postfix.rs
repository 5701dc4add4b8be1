//! `tessera mail ingest` behind a real Postfix (Debian's `postfix`): a
//! message sent over SMTP to a department's address is piped into Tessera
//! and becomes a ticket; when Tessera cannot store it the pipe exits 75, and
//! Postfix keeps the message and delivers it on its next try.
//!
//! Postfix runs as a private instance: its configuration, queue and log in
//! a temporary folder, its SMTP server on a free loopback port. It relays
//! nothing: every domain but the test's is discarded, so nothing leaves the
//! machine (bounces included). Postfix's master runs as root, so this test
//! must run as root (CI does); Tessera runs as `nobody`, the user Postfix's
//! pipe delivers as.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::{get_json, serve_as, tessera_as, token_for_as};

/// The unprivileged user Tessera runs as (Debian's `nobody:nogroup`).
const NOBODY: (u32, u32) = (65534, 65534);

/// A private Postfix instance, stopped on drop.
struct Postfix {
    dir: PathBuf,
    port: u16,
}

impl Postfix {
    fn etc(&self) -> PathBuf {
        self.dir.join("etc")
    }

    /// Starts one that pipes mail for `tessera.test` into `tessera mail
    /// ingest --data-dir data --to <recipient>`.
    fn start(dir: &Path, data: &Path) -> Self {
        assert!(
            Path::new("/usr/sbin/postfix").exists(),
            "Postfix is not installed: apt-get install -y postfix (.ci/run installs it)"
        );
        let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
        assert_eq!(uid.trim(), "0", "Postfix's master runs as root: run this test as root (CI does)");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        for d in ["etc", "queue", "data"] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        let status = Command::new("chown").arg("postfix").arg(dir.join("data")).status().unwrap();
        assert!(status.success());
        let t = dir.display();
        let bin = env!("CARGO_BIN_EXE_tessera");
        let main_cf = format!(
            "compatibility_level = 3.6\n\
             queue_directory = {t}/queue\n\
             data_directory = {t}/data\n\
             command_directory = /usr/sbin\n\
             daemon_directory = /usr/lib/postfix/sbin\n\
             meta_directory = /etc/postfix\n\
             shlib_directory = /usr/lib/postfix\n\
             mail_owner = postfix\n\
             setgid_group = postdrop\n\
             myhostname = mx.tessera.test\n\
             mydomain = tessera.test\n\
             myorigin = tessera.test\n\
             mydestination =\n\
             inet_interfaces = 127.0.0.1\n\
             inet_protocols = ipv4\n\
             mynetworks = 127.0.0.0/8\n\
             relay_domains = tessera.test\n\
             transport_maps = inline:{{ tessera.test=tessera: }}\n\
             default_transport = discard\n\
             relay_transport = discard\n\
             tessera_destination_recipient_limit = 1\n\
             smtpd_recipient_restrictions = permit_mynetworks, reject\n\
             local_recipient_maps =\n\
             alias_maps =\n\
             alias_database =\n\
             disable_dns_lookups = yes\n\
             queue_run_delay = 1s\n\
             minimal_backoff_time = 1s\n\
             maximal_backoff_time = 2s\n\
             maillog_file_prefixes = {t}\n\
             maillog_file = {t}/maillog\n"
        );
        std::fs::write(dir.join("etc/main.cf"), main_cf).unwrap();
        let master_cf = format!(
            "127.0.0.1:{port} inet n - n - - smtpd\n\
             pickup unix n - n 60 1 pickup\n\
             cleanup unix n - n - 0 cleanup\n\
             qmgr unix n - n 300 1 qmgr\n\
             rewrite unix - - n - - trivial-rewrite\n\
             bounce unix - - n - 0 bounce\n\
             defer unix - - n - 0 bounce\n\
             trace unix - - n - 0 bounce\n\
             verify unix - - n - 1 verify\n\
             flush unix n - n 1000? 0 flush\n\
             proxymap unix - - n - - proxymap\n\
             error unix - - n - - error\n\
             retry unix - - n - - error\n\
             discard unix - - n - - discard\n\
             anvil unix - - n - 1 anvil\n\
             scache unix - - n - 1 scache\n\
             postlog unix-dgram n - n - 1 postlogd\n\
             showq unix n - n - - showq\n\
             tessera unix - n n - - pipe flags=Rq user=nobody argv={bin} mail ingest --data-dir {data} --to ${{recipient}}\n",
            data = data.display()
        );
        std::fs::write(dir.join("etc/master.cf"), master_cf).unwrap();
        let pf = Self { dir: dir.to_path_buf(), port };
        let run = |args: &[&str]| {
            let out = Command::new("/usr/sbin/postfix").arg("-c").arg(pf.etc()).args(args).output().unwrap();
            assert!(out.status.success(), "postfix {args:?}: {} {}", String::from_utf8_lossy(&out.stderr), pf.log());
        };
        run(&["post-install", "create-missing"]);
        run(&["start"]);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "Postfix did not listen: {}", pf.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        pf
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("maillog")).unwrap_or_default()
    }

    /// Sends `message` from `from` to `to` over SMTP.
    fn send(&self, from: &str, to: &str, message: &str) {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut expect = |code: &str| loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            assert!(line.starts_with(code), "SMTP: wanted {code}, got {line:?}");
            if line.as_bytes().get(3) != Some(&b'-') {
                break;
            }
        };
        expect("220");
        for (command, code) in [
            ("EHLO client.test".to_string(), "250"),
            (format!("MAIL FROM:<{from}>"), "250"),
            (format!("RCPT TO:<{to}>"), "250"),
            ("DATA".into(), "354"),
        ] {
            writer.write_all(format!("{command}\r\n").as_bytes()).unwrap();
            expect(code);
        }
        writer.write_all(message.replace('\n', "\r\n").as_bytes()).unwrap();
        writer.write_all(b"\r\n.\r\n").unwrap();
        expect("250");
        writer.write_all(b"QUIT\r\n").unwrap();
    }

    /// Asks Postfix to try its deferred mail now.
    fn flush(&self) {
        let out = Command::new("/usr/sbin/postqueue").arg("-c").arg(self.etc()).arg("-f").output().unwrap();
        assert!(out.status.success(), "postqueue -f: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("/usr/sbin/postfix").arg("-c").arg(self.etc()).arg("abort").output();
    }
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
    let pf = Postfix::start(&root.join("postfix"), &data);

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
