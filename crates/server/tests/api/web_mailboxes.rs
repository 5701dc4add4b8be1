//! The admins' IMAP mailbox pages (`/admin/mailboxes`): a mailbox set up,
//! refused, changed and deleted through the forms, exactly as through
//! `/api/v1/mailboxes`; the password never comes back into a page; a
//! mailbox made through the form imports mail from a real Dovecot, and
//! still does after a change that left the password empty; nobody but
//! admins reaches any of it.

use crate::support::*;
use serde_json::{Value, json};
use std::time::Duration;
use tessera_mail::testing::dovecot::{Dovecot, PASSWORD, USER, message};

const PW: &str = "a long test password";
const SECRET: &str = "Imap-Secret-zq7";

/// A browser signed in as `email` (the admin's password is set too).
async fn signed_in(w: &World, email: &str) -> Browser {
    let me = w.admin.get("/me").await.expect(200).body["id"].as_i64().unwrap();
    for id in [me, w.ayse_id, w.erin_id] {
        w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    }
    let mut b = Browser::new(&w.server);
    assert_eq!(b.sign_in(email, PW).await.status, 303);
    b
}

async fn mailboxes(admin: &Api) -> Vec<Value> {
    admin.get("/mailboxes").await.expect(200).body["mailboxes"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_admin_sets_up_changes_and_deletes_a_mailbox_through_the_forms() {
    let w = World::new().await;
    let mut b = signed_in(&w, "admin@localhost").await;
    let billing = w.billing.to_string();

    let list = b.get("/admin/mailboxes").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("href=\"/admin/mailboxes\" aria-current=\"page\">Mailboxes</a>"), "the nav entry");
    assert!(list.text.contains("No mailbox is read yet."));
    assert!(list.text.contains("href=\"/admin/mailboxes/new\""));

    let new = b.get("/admin/mailboxes/new").await;
    assert_eq!(new.status, 200);
    assert!(new.text.contains("placeholder=\"imaps://mail.example.com:993\""));
    assert!(new.text.contains("name=\"folder\" value=\"INBOX\""), "INBOX by default");
    let csrf = new.hidden("_csrf").unwrap();

    // A bad URL: refused next to its field, the rest kept, the password not.
    let fields = |url: &'static str| -> Vec<(&'static str, String)> {
        [
            ("_csrf", csrf.as_str()),
            ("department_id", billing.as_str()),
            ("address", "support@example.test"),
            ("imap_url", url),
            ("starttls", "on"),
            ("username", "support-user"),
            ("password", SECRET),
            ("oauth2_access_token", ""),
            ("folder", "Support"),
            ("after_import", "move"),
            ("move_folder", "Done"),
            ("active", "on"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect()
    };
    let bad = fields("https://mail.example.test");
    let bad_refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/admin/mailboxes/new", &bad_refs).await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"mb-imap-url-error\""), "the message is next to the field");
    assert!(
        r.text.contains("This IMAP server address cannot be used: the IMAP URL must start with imap:// or imaps://")
    );
    assert!(r.text.contains("value=\"https://mail.example.test\""), "the typed URL is kept");
    assert!(r.text.contains("value=\"support@example.test\"") && r.text.contains("value=\"support-user\""));
    assert!(r.text.contains("value=\"Support\"") && r.text.contains("value=\"Done\""));
    assert!(r.text.contains("<option value=\"move\" selected>"));
    assert!(r.text.contains(&format!("<option value=\"{billing}\" selected>")));
    assert!(!r.text.contains(SECRET), "the password is never echoed");
    assert!(mailboxes(&w.admin).await.is_empty());

    // The same with a good URL: made, back to the list with a notice.
    let good = fields("imap://127.0.0.1:1");
    let good_refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post("/admin/mailboxes/new", &good_refs).await;
    assert_eq!((r.status, r.location()), (303, Some("/admin/mailboxes?done=created".to_string())), "{}", r.text);
    let all = mailboxes(&w.admin).await;
    assert_eq!(all.len(), 1);
    let m = all[0].clone();
    let id = m["id"].as_i64().unwrap();
    assert_eq!(m["department_id"], w.billing);
    assert_eq!(m["address"], "support@example.test");
    assert_eq!(m["imap_url"], "imap://127.0.0.1:1");
    assert_eq!((m["starttls"].as_bool(), m["active"].as_bool()), (Some(true), Some(true)));
    assert_eq!((m["username"].as_str(), m["auth"].as_str()), (Some("support-user"), Some("password")));
    assert_eq!((m["folder"].as_str(), m["after_import"].as_str()), (Some("Support"), Some("move")));
    assert_eq!(m["move_folder"], "Done");
    let list = b.get("/admin/mailboxes?done=created").await;
    assert!(list.text.contains("The mailbox was added; it is read within seconds."));
    assert!(list.text.contains(&format!("<a href=\"/admin/mailboxes/{id}\">support@example.test</a>")));
    assert!(list.text.contains("<code>imap://127.0.0.1:1</code>") && list.text.contains("<code>Support</code>"));
    assert!(list.text.contains("class=\"badge mailbox-"), "a state badge");
    assert!(!list.text.contains(SECRET));

    // Its page: the status and the settings, never the password.
    let page = b.get(&format!("/admin/mailboxes/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("How reading it is going") && page.text.contains("UIDVALIDITY"));
    assert!(page.text.contains("href=\"/admin/mail\""));
    assert!(page.text.contains("name=\"password\" type=\"password\" value=\"\""));
    assert!(!page.text.contains(SECRET));
    assert!(page.text.contains(&format!("action=\"/admin/mailboxes/{id}/delete\"")));

    // Changed without retyping the password: the settings change, the
    // secret (and how it signs in) stays.
    let before = w.admin.get(&format!("/mailboxes/{id}")).await.expect(200).body;
    let csrf = page.hidden("_csrf").unwrap();
    let r = b
        .post(
            &format!("/admin/mailboxes/{id}"),
            &[
                ("_csrf", &csrf),
                ("department_id", &billing),
                ("address", "support@example.test"),
                ("imap_url", "imaps://127.0.0.1:2"),
                ("username", "support-user"),
                ("password", ""),
                ("oauth2_access_token", ""),
                ("folder", "INBOX"),
                ("after_import", "keyword"),
                ("move_folder", "Done"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, Some("/admin/mailboxes?done=saved".to_string())), "{}", r.text);
    let after = w.admin.get(&format!("/mailboxes/{id}")).await.expect(200).body;
    assert_eq!(after["auth"], "password", "the stored password stays");
    assert_eq!(after["imap_url"], "imaps://127.0.0.1:2");
    assert_eq!((after["starttls"].as_bool(), after["active"].as_bool()), (Some(false), Some(false)));
    assert_eq!((after["folder"].as_str(), after["after_import"].as_str()), (Some("INBOX"), Some("keyword")));
    for same in ["department_id", "address", "username", "move_folder", "created_at"] {
        assert_eq!(after[same], before[same], "{same}");
    }

    // A refused change shows the page again with what was typed.
    let r = b
        .post(
            &format!("/admin/mailboxes/{id}"),
            &[
                ("_csrf", &csrf),
                ("department_id", &billing),
                ("address", "not an address"),
                ("imap_url", "imaps://127.0.0.1:2"),
                ("username", "support-user"),
                ("password", SECRET),
                ("folder", "INBOX"),
                ("after_import", "keyword"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"mb-address-error\"") && r.text.contains("value=\"not an address\""));
    assert!(!r.text.contains(SECRET));
    assert_eq!(w.admin.get(&format!("/mailboxes/{id}")).await.expect(200).body["address"], "support@example.test");

    // Deleted, with the form's token only.
    assert_eq!(b.post(&format!("/admin/mailboxes/{id}/delete"), &[]).await.status, 403);
    let r = b.post(&format!("/admin/mailboxes/{id}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!((r.status, r.location()), (303, Some("/admin/mailboxes?done=deleted".to_string())));
    assert!(mailboxes(&w.admin).await.is_empty());
    assert_eq!(b.get(&format!("/admin/mailboxes/{id}")).await.status, 404);
}

#[tokio::test]
async fn agents_and_customers_are_refused_the_mailbox_pages() {
    let w = World::new().await;
    let id = w
        .admin
        .post(
            "/mailboxes",
            json!({"department_id": w.billing, "address": "kept@example.test", "imap_url": "imap://127.0.0.1:1",
                   "username": "kept", "password": "kept", "active": false}),
        )
        .await
        .expect(201)
        .id();
    let paths = ["/admin/mailboxes".to_string(), "/admin/mailboxes/new".to_string(), format!("/admin/mailboxes/{id}")];
    for who in ["ayse@example.com", "erin@example.org"] {
        let mut b = signed_in(&w, who).await;
        for p in &paths {
            let r = b.get(p).await;
            assert_eq!(r.status, 403, "{who} {p}");
            assert!(!r.text.contains("kept@example.test"), "{who} {p}");
        }
        let csrf = b.csrf("/account").await;
        let form = [
            ("_csrf", csrf.as_str()),
            ("department_id", "1"),
            ("address", "x@example.test"),
            ("imap_url", "imap://127.0.0.1:1"),
            ("username", "x"),
            ("password", "x"),
        ];
        assert_eq!(b.post("/admin/mailboxes/new", &form).await.status, 403, "{who}");
        assert_eq!(b.post(&format!("/admin/mailboxes/{id}"), &form).await.status, 403, "{who}");
        assert_eq!(b.post(&format!("/admin/mailboxes/{id}/delete"), &[("_csrf", &csrf)]).await.status, 403, "{who}");
    }
    let all = mailboxes(&w.admin).await;
    assert_eq!((all.len(), all[0]["address"].as_str()), (1, Some("kept@example.test")));
    let mut visitor = Browser::new(&w.server);
    let r = visitor.get("/admin/mailboxes").await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().starts_with("/sign-in?next="));
}

/// Waits (up to 20 s) for a ticket titled `subject`.
async fn ticket_appears(admin: &Api, subject: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let list = admin.get("/tickets?limit=100").await.expect(200).body;
        if let Some(t) = list["tickets"].as_array().unwrap().iter().find(|t| t["subject"] == subject) {
            return t.clone();
        }
        assert!(tokio::time::Instant::now() < deadline, "no ticket {subject:?} within 20 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_mailbox_made_through_the_form_imports_mail_and_still_does_after_a_change() {
    tokio::time::timeout(Duration::from_secs(90), async {
        let dovecot = Dovecot::start().await;
        let w = World::with(|c| c.mail_poll_ms = 200).await;
        let mut b = signed_in(&w, "admin@localhost").await;
        let csrf = b.csrf("/admin/mailboxes/new").await;
        let billing = w.billing.to_string();
        let url = dovecot.url();
        let r = b
            .post(
                "/admin/mailboxes/new",
                &[
                    ("_csrf", csrf.as_str()),
                    ("department_id", &billing),
                    ("address", "support@example.test"),
                    ("imap_url", &url),
                    ("username", USER),
                    ("password", PASSWORD),
                    ("folder", "INBOX"),
                    ("after_import", "keyword"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        dovecot.append("INBOX", &message(1)).await;
        assert_eq!(ticket_appears(&w.admin, "Help 1").await["department_id"], w.billing);

        // Changed with the password left empty: the stored one still signs in.
        let id = mailboxes(&w.admin).await[0]["id"].as_i64().unwrap();
        let r = b
            .post(
                &format!("/admin/mailboxes/{id}"),
                &[
                    ("_csrf", csrf.as_str()),
                    ("department_id", &billing),
                    ("address", "help@example.test"),
                    ("imap_url", &url),
                    ("username", USER),
                    ("password", ""),
                    ("folder", "INBOX"),
                    ("after_import", "keyword"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
        dovecot.append("INBOX", &message(2)).await;
        ticket_appears(&w.admin, "Help 2").await;
        let m = w.admin.get(&format!("/mailboxes/{id}")).await.expect(200).body;
        assert_eq!((m["address"].as_str(), m["status"]["state"].as_str()), (Some("help@example.test"), Some("ok")));
        let page = b.get(&format!("/admin/mailboxes/{id}")).await;
        assert!(page.text.contains("<span class=\"badge mailbox-ok\">OK</span>"));
    })
    .await
    .expect("the test took more than 90 seconds");
}

#[tokio::test]
async fn an_admin_keeps_the_blocked_senders_list_through_the_forms() {
    let w = World::new().await;
    let mut b = signed_in(&w, "admin@localhost").await;
    let list = b.get("/admin/blocked-senders").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("aria-current=\"page\">Blocked senders</a>"), "the nav entry");
    assert!(list.text.contains("Nobody is blocked."));
    let csrf = list.hidden("_csrf").unwrap();
    let billing = w.billing.to_string();

    // Not an address or a domain: refused next to its field, typed text kept.
    let r = b
        .post(
            "/admin/blocked-senders",
            &[("_csrf", &csrf), ("pattern", "spam dot test"), ("department_id", &billing), ("note", "Kampanya")],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"b-pattern-error\""), "the message is next to the field");
    assert!(r.text.contains("value=\"spam dot test\"") && r.text.contains("value=\"Kampanya\""));
    assert!(r.text.contains(&format!("<option value=\"{billing}\" selected>")));

    let r = b
        .post(
            "/admin/blocked-senders",
            &[("_csrf", &csrf), ("pattern", "@Spam.test"), ("department_id", &billing), ("note", "Kampanya")],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, Some("/admin/blocked-senders?done=added".to_string())), "{}", r.text);
    let r = b.post("/admin/blocked-senders", &[("_csrf", &csrf), ("pattern", "mallory@evil.test")]).await;
    assert_eq!(r.status, 303);
    let listed = w.admin.get("/blocked-senders").await.expect(200).body["blocked_senders"].clone();
    let entries = listed.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[1]["pattern"].as_str(), entries[1]["department_id"].as_i64()),
        (Some("@spam.test"), Some(w.billing))
    );
    assert!(entries[0]["department_id"].is_null(), "no department chosen: every department");

    let page = b.get("/admin/blocked-senders?done=added").await;
    assert!(page.text.contains("The sender is blocked."));
    assert!(page.text.contains("<code>@spam.test</code>") && page.text.contains("Every department"));
    let id = entries[0]["id"].as_i64().unwrap();
    let r = b.post(&format!("/admin/blocked-senders/{id}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.location(), Some("/admin/blocked-senders?done=removed".to_string()));
    assert_eq!(w.admin.get("/blocked-senders").await.expect(200).body["blocked_senders"].as_array().unwrap().len(), 1);
    // Without the form's token nothing changes.
    let r = b.post("/admin/blocked-senders", &[("pattern", "x@evil.test")]).await;
    assert_eq!(r.status, 403);
    // Agents do not reach it.
    let mut agent = signed_in(&w, "ayse@example.com").await;
    assert_eq!(agent.get("/admin/blocked-senders").await.status, 403);
}
