//! Acknowledged means on disk: `tessera serve` killed with SIGKILL in the
//! middle of a concurrent write load loses no ticket it answered 201 for,
//! and the database it leaves passes SQLite's integrity check.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use support::{serve, tessera};

/// Concurrent clients creating tickets.
const CLIENTS: usize = 8;
/// Each client's most requests (bounds the load if the kill comes late).
const PER_CLIENT: usize = 400;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_under_load_loses_no_acknowledged_ticket() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        tessera(dir.path(), &["user", "create", "--email", "admin@example.com", "--name", "Admin", "--role", "admin"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = tessera(dir.path(), &["token", "create", "--email", "admin@example.com"]);
    let token = serde_json::from_slice::<Value>(&out.stdout).unwrap()["token"].as_str().unwrap().to_string();
    tessera_hooks::install_tls_provider();
    let client = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(10)).build().unwrap();

    let mut server = serve(dir.path());
    let base = server.base.clone();
    let dept = client
        .post(format!("{base}/api/v1/departments"))
        .bearer_auth(&token)
        .json(&json!({"name": "Support"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dept.status(), 201);
    let dept = dept.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // The load: every client opens tickets until the server is gone,
    // keeping the id and subject of each one answered 201.
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let (client, base, token, stop) = (client.clone(), base.clone(), token.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let mut acknowledged = Vec::new();
            for n in 0..PER_CLIENT {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let subject = format!("client {c} ticket {n} — İstanbul 退款");
                let r = client
                    .post(format!("{base}/api/v1/tickets"))
                    .bearer_auth(&token)
                    .json(&json!({"subject": subject, "department_id": dept, "body": "x".repeat(500)}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == 201 => {
                        // A 201 whose body is cut off by the kill still counts:
                        // the server said yes. Its id is then unknown, so it is
                        // found by subject below.
                        let id = r.json::<Value>().await.ok().and_then(|v| v["id"].as_i64());
                        acknowledged.push((id, subject));
                    }
                    Ok(r) => panic!("an answer other than 201 under load: {}", r.status()),
                    Err(_) => break,
                }
            }
            acknowledged
        }));
    }
    // Let the load run, then kill the server without warning.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.child.kill().unwrap(); // SIGKILL on Unix
    server.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = Vec::new();
    for c in clients {
        acknowledged.extend(c.await.unwrap());
    }
    assert!(acknowledged.len() >= CLIENTS, "the load made too few tickets to mean anything: {}", acknowledged.len());
    eprintln!("{} tickets acknowledged before the kill", acknowledged.len());
    drop(server);

    // The database the kill left is sound.
    {
        let db = rusqlite::Connection::open(dir.path().join("tessera.db")).unwrap();
        let check: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
        assert_eq!(check, "ok");
    }

    // After a restart every acknowledged ticket is there, whole.
    let server = serve(dir.path());
    let base = &server.base;
    for (id, subject) in &acknowledged {
        match id {
            Some(id) => {
                let r = client.get(format!("{base}/api/v1/tickets/{id}")).bearer_auth(&token).send().await.unwrap();
                assert_eq!(r.status(), 200, "acknowledged ticket {id} is lost");
                let t: Value = r.json().await.unwrap();
                assert_eq!(t["subject"], subject.as_str());
                assert_eq!(t["messages"][0]["body"].as_str().map(str::len), Some(500), "its first message too");
            }
            None => {
                // Found through the search index, which is written in the
                // same transaction as the ticket.
                // `"client 3 ticket 17"`, percent-encoded (ASCII letters,
                // digits and spaces only).
                let phrase = subject.split(" — ").next().unwrap().replace(' ', "%20");
                let found: Value = client
                    .get(format!("{base}/api/v1/search?q=%22{phrase}%22"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                assert!(
                    found["results"].as_array().unwrap().iter().any(|h| h["ticket"]["subject"] == subject.as_str()),
                    "acknowledged ticket {subject:?} is lost: {found}"
                );
            }
        }
    }
    // And the server goes on taking tickets.
    let r = client
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(&token)
        .json(&json!({"subject": "after the crash", "department_id": dept, "body": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}
