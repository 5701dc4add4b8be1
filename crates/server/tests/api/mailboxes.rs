//! IMAP mailboxes end to end, against a real Dovecot on loopback (the
//! harness of `tessera_mail::testing`): an admin sets a mailbox up through
//! the API, a customer's mail lands in the box, and the running server's
//! poller makes it a ticket in the mailbox's department — whoever read the
//! box first, across a restart, across a UIDVALIDITY change, never twice;
//! a mailbox that cannot log in says so and holds nobody else up.

use crate::support::*;
use serde_json::{Value, json};
use tessera_core::Actor;
use tessera_desk::mail::Handover;
use tessera_mail::gateway::{self, Reading};
use tessera_mail::testing::dovecot::{Dovecot, PASSWORD, USER, message};
use tessera_store::MailSource;

/// A server that looks at its mailboxes every 200 ms.
async fn server() -> TestServer {
    TestServer::start_with(|c| c.mail_poll_ms = 200).await
}

/// Sets up a mailbox on the test Dovecot for `department`.
async fn mailbox(admin: &Api, dovecot: &Dovecot, department: i64, password: &str, folder: &str) -> Value {
    admin
        .post(
            "/mailboxes",
            json!({"department_id": department, "address": "support@example.test", "imap_url": dovecot.url(),
                   "username": USER, "password": password, "folder": folder}),
        )
        .await
        .expect(201)
        .body
}

#[tokio::test]
async fn a_customers_mail_in_the_box_becomes_a_ticket_in_the_mailboxs_department() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let created = mailbox(&admin, &dovecot, sales, PASSWORD, "INBOX").await;
        let id = created["id"].as_i64().unwrap();
        // The password is write-only, and sealed at rest.
        assert!(created.get("password").is_none() && !created.to_string().contains(PASSWORD), "{created}");
        assert_eq!(created["auth"], "password");
        assert_eq!(created["status"]["state"], "ok");
        let listed = admin.get("/mailboxes").await.expect(200).body;
        assert!(!listed.to_string().contains(PASSWORD));

        dovecot.append("INBOX", &message(1)).await;
        let t = ticket_appears(&admin, "Help 1").await;
        assert_eq!(t["department_id"], sales);
        assert_eq!(t["source"], "email");
        let m = mailbox_until(&admin, id, |m| m["status"]["last_success_at"].is_string()).await;
        assert_eq!((m["status"]["state"].as_str(), m["status"]["backlog"].as_i64()), (Some("ok"), Some(0)), "{m}");
        assert!(m["status"]["last_uid"].as_i64().unwrap() >= 1, "{m}");
        // Kept with its keyword: still in the box for the people who read it.
        assert_eq!(dovecot.count("INBOX").await, 1);
        let inbound = admin.get("/mail/inbound").await.expect(200).body;
        assert_eq!(inbound["messages"][0]["source"], "imap");
        assert_eq!(inbound["messages"][0]["mailbox_id"], id);
    })
    .await;
}

#[tokio::test]
async fn mail_someone_read_in_another_client_first_is_still_imported() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let id = mailbox(&admin, &dovecot, sales, PASSWORD, "INBOX").await["id"].as_i64().unwrap();
        // Stopped while someone reads the box in their mail program.
        admin.patch(&format!("/mailboxes/{id}"), json!({"active": false})).await.expect(200);
        dovecot.append("INBOX", &message(2)).await;
        dovecot.read_all("INBOX").await;
        admin.patch(&format!("/mailboxes/{id}"), json!({"active": true})).await.expect(200);
        ticket_appears(&admin, "Help 2").await;
    })
    .await;
}

#[tokio::test]
async fn a_restart_between_keeping_and_acknowledging_loses_nothing_and_imports_nothing_twice() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let id = mailbox(&admin, &dovecot, sales, PASSWORD, "INBOX").await["id"].as_i64().unwrap();
        dovecot.append("INBOX", &message(1)).await;
        ticket_appears(&admin, "Help 1").await;
        // The poller's first half for message 2 — kept through the gateway
        // exactly as it does — and then the server stops before the
        // message is acknowledged or the cursor moves.
        admin.patch(&format!("/mailboxes/{id}"), json!({"active": false})).await.expect(200);
        dovecot.append("INBOX", &message(2)).await;
        let from = Handover { source: MailSource::Imap, mailbox_id: Some(id), envelope_to: None };
        gateway::take(&server.state.desk, message(2), from, &Reading::default()).await.unwrap();
        let before = server.state.desk.mailbox(&Actor::system(), tessera_core::ids::MailboxId(id)).await.unwrap();
        let token = admin.token.clone().unwrap();
        let dir = server.stop().await;
        // More mail while it is down.
        dovecot.append("INBOX", &message(3)).await;
        let server = TestServer::start_in(dir, |c| c.mail_poll_ms = 200).await;
        let admin = server.with_token(&token);
        admin.patch(&format!("/mailboxes/{id}"), json!({"active": true})).await.expect(200);
        ticket_appears(&admin, "Help 3").await;
        let m = mailbox_until(&admin, id, |m| m["status"]["last_uid"].as_i64() >= Some(3)).await;
        assert!(m["status"]["last_uid"].as_i64() > Some(before.status.last_uid), "{m}");
        for n in 1..=3 {
            assert_eq!(tickets_titled(&admin, &format!("Help {n}")).await.len(), 1, "Help {n}");
        }
        let inbound = admin.get("/mail/inbound").await.expect(200).body;
        assert_eq!(inbound["messages"].as_array().unwrap().len(), 3, "{inbound}");
    })
    .await;
}

#[tokio::test]
async fn a_uidvalidity_change_makes_no_duplicate_tickets() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.create("Support").await;
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let id = mailbox(&admin, &dovecot, sales, PASSWORD, "Support").await["id"].as_i64().unwrap();
        dovecot.append("Support", &message(1)).await;
        dovecot.append("Support", &message(2)).await;
        ticket_appears(&admin, "Help 1").await;
        ticket_appears(&admin, "Help 2").await;
        let first = mailbox_until(&admin, id, |m| m["status"]["last_uid"].as_i64() == Some(2)).await;
        // An admin restores the folder: new UIDVALIDITY, the same mail
        // again (without our keyword) and one new message.
        dovecot.recreate("Support").await;
        for n in 1..=3 {
            dovecot.append("Support", &message(n)).await;
        }
        ticket_appears(&admin, "Help 3").await;
        let old = first["status"]["uid_validity"].clone();
        mailbox_until(&admin, id, |m| {
            m["status"]["uid_validity"] != old && m["status"]["last_uid"].as_i64() == Some(3)
        })
        .await;
        for n in 1..=3 {
            assert_eq!(tickets_titled(&admin, &format!("Help {n}")).await.len(), 1, "Help {n}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_shows_on_its_mailbox_and_the_other_mailbox_keeps_working() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.create("Sales").await;
        let server = server().await;
        let admin = server.admin().await;
        let support = department(&admin, "Helpdesk").await;
        let sales = department(&admin, "Sales").await;
        let wrong = "not-the-password-7f3a";
        let bad = mailbox(&admin, &dovecot, support, wrong, "INBOX").await["id"].as_i64().unwrap();
        let good = mailbox(&admin, &dovecot, sales, PASSWORD, "Sales").await["id"].as_i64().unwrap();
        dovecot.append("Sales", &message(1)).await;
        let t = ticket_appears(&admin, "Help 1").await;
        assert_eq!(t["department_id"], sales);
        let m = mailbox_until(&admin, bad, |m| m["status"]["state"] == "reauthorise").await;
        let error = m["status"]["last_error"].as_str().unwrap_or_default();
        assert!(error.contains("refused the login"), "{m}");
        assert!(!m.to_string().contains(wrong), "{m}");
        assert!(m["status"]["last_fetch_at"].is_string() && m["status"]["last_success_at"].is_null(), "{m}");
        // The good one still works after the bad one failed.
        dovecot.append("Sales", &message(2)).await;
        ticket_appears(&admin, "Help 2").await;
        mailbox_until(&admin, good, |m| m["status"]["state"] == "ok").await;
        // A new password clears the state at once, and the box is read.
        admin.patch(&format!("/mailboxes/{bad}"), json!({"password": PASSWORD})).await.expect(200);
        dovecot.append("INBOX", &message(3)).await;
        let t = ticket_appears(&admin, "Help 3").await;
        assert_eq!(t["department_id"], support);
        mailbox_until(&admin, bad, |m| m["status"]["state"] == "ok" && m["status"]["last_error"].is_null()).await;
    })
    .await;
}

#[tokio::test]
async fn mailbox_settings_are_checked() {
    let server = TestServer::start().await;
    let admin = server.admin().await;
    let d = department(&admin, "Sales").await;
    let base = json!({"department_id": d, "address": "a@example.test", "imap_url": "imaps://mail.example.test",
                      "username": "u", "password": "pw-only-here-91c2"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (with("imap_url", json!("https://mail.example.test")), "imap_url"),
        (with("imap_url", json!("imap://user@host")), "imap_url"),
        (with("imap_url", json!("imap://host:70000")), "imap_url"),
        (with("department_id", json!(99999)), "department_id"),
        (with("address", json!("not an address")), "address"),
        (with("folder", json!("Входящие")), "folder"),
        (with("after_import", json!("move")), "move_folder"),
        (with("password", json!("two\r\nlines")), "password"),
    ] {
        let r = admin.post("/mailboxes", body.clone()).await.expect(422);
        assert_eq!(r.field(), field, "{body}: {}", r.body);
    }
    let mut no_secret = base.clone();
    no_secret.as_object_mut().unwrap().remove("password");
    assert_eq!(admin.post("/mailboxes", no_secret).await.expect(422).field(), "password");
    let m = admin.post("/mailboxes", with("active", json!(false))).await.expect(201).body;
    let id = m["id"].as_i64().unwrap();
    // Sealed at rest: the clear password is nowhere in the database.
    for bytes in stored_bytes(&server).await {
        assert!(!bytes.windows(17).any(|w| w == b"pw-only-here-91c2"), "the password is stored in clear");
    }
    let moved = admin
        .patch(
            &format!("/mailboxes/{id}"),
            json!({"after_import": "move", "move_folder": "Done", "oauth2_access_token": "tok"}),
        )
        .await
        .expect(200)
        .body;
    assert_eq!(
        (moved["after_import"].as_str(), moved["move_folder"].as_str(), moved["auth"].as_str()),
        (Some("move"), Some("Done"), Some("oauth2"))
    );
    admin.delete(&format!("/mailboxes/{id}")).await.expect(204);
    admin.get(&format!("/mailboxes/{id}")).await.expect(404);
}

#[tokio::test]
async fn a_mailbox_whose_server_never_answers_holds_nobody_up() {
    bounded(async {
        // A "server" that takes connections and never says a word.
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = silent.local_addr().unwrap().port();
        let keep = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = silent.accept().await {
                held.push(socket);
            }
        });
        let dovecot = Dovecot::start().await;
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let stuck = admin
            .post(
                "/mailboxes",
                json!({"department_id": sales, "address": "stuck@example.test",
                       "imap_url": format!("imap://127.0.0.1:{port}"), "username": "u", "password": "p"}),
            )
            .await
            .expect(201)
            .id();
        mailbox(&admin, &dovecot, sales, PASSWORD, "INBOX").await;
        for n in 1..=3 {
            dovecot.append("INBOX", &message(n)).await;
            ticket_appears(&admin, &format!("Help {n}")).await;
        }
        let m = admin.get(&format!("/mailboxes/{stuck}")).await.expect(200).body;
        assert!(m["status"]["last_success_at"].is_null(), "{m}");
        keep.abort();
    })
    .await;
}
