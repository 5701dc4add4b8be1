//! The integration example of docs/hooks.md, run as written: the Python
//! script validates tickets, prints status changes and fills the agent's
//! ticket page with a panel, registered through the API as the docs show.

use crate::support::*;
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/examples/hooks_integration.py");
const SECRET: &str = "whsec_docs_example_0123";
const PW: &str = "a long test password";

/// The running script; killed when dropped.
struct Script {
    child: Child,
    lines: mpsc::Receiver<String>,
    url: String,
}

impl Drop for Script {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Script {
    /// Starts the script on a free loopback port and waits (bounded) until it listens.
    fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = Command::new("python3")
            .arg(SCRIPT)
            .arg(port.to_string())
            .env("TESSERA_HOOK_SECRET", SECRET)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs (the example needs Python 3)");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let script = Self { child, lines, url: format!("http://127.0.0.1:{port}/") };
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the script does not listen on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        script
    }

    /// The next line the script prints, waiting at most `limit` (without
    /// blocking the runtime the server runs on).
    async fn line(&self, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        loop {
            match self.lines.try_recv() {
                Ok(line) => return Some(line),
                Err(mpsc::TryRecvError::Disconnected) => return None,
                Err(mpsc::TryRecvError::Empty) if Instant::now() >= deadline => return None,
                Err(mpsc::TryRecvError::Empty) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }
}

#[tokio::test]
async fn the_documented_integration_script_works() {
    // The docs show the script's code as it is.
    let script = std::fs::read_to_string(SCRIPT).unwrap();
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/hooks.md")).unwrap();
    let code = &script[script.find("import ").unwrap()..];
    assert!(docs.contains(code.trim_end()), "docs/hooks.md does not show docs/examples/hooks_integration.py as it is");
    let script = Script::start();
    let server = TestServer::start_with(|c| {
        c.hooks.allow_internal_targets = true;
        c.hooks.retry_base_ms = 100;
    })
    .await;
    let admin = server.admin().await;
    let (agent_id, agent) = admin.make_user(&server, "agent", "ayse@example.com", "Ayşe Yılmaz").await;
    admin.patch("/departments/1", json!({"member_ids": [1, agent_id]})).await.expect(200);
    admin.patch(&format!("/users/{agent_id}"), json!({"password": PW})).await.expect(200);
    let (_, customer) = admin.make_user(&server, "customer", "cem@example.com", "Cem Kaya").await;

    // Registered as docs/hooks.md shows, one secret for all three.
    let w = admin
        .post(
            "/webhooks",
            json!({"url": script.url, "kinds": ["ticket.status_changed"], "format": "native", "secret": SECRET}),
        )
        .await
        .expect(201);
    assert_eq!(w.body["secret"], SECRET, "the answer carries the secret once");
    let v = admin
        .post(
            "/hooks",
            json!({"kind": "validation", "name": "TicketClientCreateValidation", "url": script.url, "secret": SECRET}),
        )
        .await
        .expect(201);
    let p = admin
        .post(
            "/hooks",
            json!({"kind": "panel", "name": "TicketAdminAreaViewDetail", "url": script.url, "secret": SECRET}),
        )
        .await
        .expect(201);
    // The test buttons reach the script and it answers them (signature accepted).
    for id in [v.id(), p.id()] {
        let probe = admin.post_empty(&format!("/hooks/{id}/test")).await.expect(200);
        assert_eq!(probe.body["status"], 200, "{}", probe.body);
        assert!(probe.body["error"].is_null() && probe.body["refusal"].is_null(), "{}", probe.body);
    }

    // Requests not signed with the secret are turned away.
    let forged = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();
    let r = forged
        .post(&script.url)
        .header("tessera-event", "TicketClientCreateValidation")
        .header("tessera-timestamp", chrono::Utc::now().timestamp().to_string())
        .header("tessera-signature", format!("v1={}", "0".repeat(64)))
        .body(r#"{"hook":"TicketClientCreateValidation","params":{"message":"refund"}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);

    // A customer asking for a refund is refused with the script's words, and no ticket is made.
    let r = customer
        .post(
            "/tickets",
            json!({"subject": "Money back", "department_id": 1, "body": "I would like a REFUND for last month."}),
        )
        .await
        .expect(422);
    assert_eq!(r.code(), "refused");
    assert_eq!(r.body["error"]["message"], "Refunds are handled by billing: billing@example.com");
    assert_eq!(admin.get("/tickets").await.expect(200).body["total"], 0);

    // Any other ticket goes through.
    let t = customer
        .post("/tickets", json!({"subject": "VPS does not boot", "department_id": 1, "body": "It hangs at GRUB."}))
        .await
        .expect(201);
    let id = t.id();
    let number = t.body["number"].as_str().unwrap().to_string();

    // An agent changes its status: the script prints the change it was sent.
    agent.patch(&format!("/tickets/{id}"), json!({"status": "in_progress"})).await.expect(200);
    let line = script.line(Duration::from_secs(20)).await;
    assert_eq!(line.as_deref(), Some(format!("status of #{number}: new -> in_progress").as_str()));
    // The delivery log says so too (the answer is recorded just after the script printed).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let log = admin.get(&format!("/webhooks/{}/deliveries", w.id())).await.expect(200);
        if log.body["deliveries"][0]["state"] == "delivered" {
            assert_eq!(log.body["deliveries"][0]["name"], "ticket.status_changed");
            break;
        }
        assert!(Instant::now() < deadline, "the delivery is not recorded as delivered: {}", log.body);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The agent's ticket page shows the script's panel.
    let mut b = Browser::new(&server);
    assert_eq!(b.sign_in("ayse@example.com", PW).await.status, 303);
    let mut page = b.get(&format!("/agent/tickets/{id}")).await;
    // A panel late on a busy machine shows a placeholder; a reload asks again.
    for _ in 0..3 {
        if !page.text.contains("data-panel-missing") {
            break;
        }
        page = b.get(&format!("/agent/tickets/{id}")).await;
    }
    assert_eq!(page.status, 200);
    let fragment = "<p>Cem Kaya asks: <b>VPS does not boot</b></p>";
    assert!(page.text.contains(fragment), "the panel is not on the agent's ticket page: {}", page.text);
}
