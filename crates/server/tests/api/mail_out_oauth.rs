//! Sending with a mailbox's OAuth2 authorisation (`[mail]
//! smtp_oauth_mailbox`, SMTP `AUTH XOAUTH2`), with real servers only: a
//! private Postfix on a submission-style port that relays only for clients
//! that logged in, checking logins through Dovecot's auth socket, whose
//! `oauth2` passdb asks the test's provider on loopback about each token
//! (user `carol` logs in only with a token). What Postfix accepts it relays
//! to Dovecot, where the test reads the customer's inbox.
//!
//! A stale access token is refused, refreshed once and the copy sent; a
//! token the server keeps refusing, and a revoked grant, defer the copies
//! with an answer that says what to do — never a failure, never a crash —
//! and no secret reaches the answers or the log.

use crate::mail_out::{deliveries, header, wait_for_state};
use crate::mailboxes_oauth::{capture_logs, logged};
use crate::support::*;
use base64::Engine as _;
use serde_json::json;
use std::time::Duration;
use tessera_mail::testing::dovecot::{CLIENT_ID, CLIENT_SECRET, Dovecot, OAUTH_USER};
use tessera_mail::testing::postfix::{Options, Postfix};

const WAIT: Duration = Duration::from_secs(30);

/// A server sending through `postfix` with the OAuth2 mailbox
/// `oauth@example.test`'s authorisation; the token endpoint is on
/// loopback (the hooks' setting lets the desk call it).
async fn server(postfix: &Postfix) -> TestServer {
    let port = postfix.port;
    TestServer::start_with(move |c| {
        loopback_hooks(c);
        c.public_url = Some("https://help.tessera.test".into());
        c.mail_out.smtp = Some(
            tessera_mail::outbound::SmtpConfig::parse(&format!("smtp://127.0.0.1:{port}"), None, None)
                .unwrap()
                .with_oauth_mailbox("oauth@example.test")
                .unwrap(),
        );
        c.mail_out.from = Some((Some("Tessera".into()), "support@tessera.test".into()));
    })
    .await
}

/// Postfix that relays only for clients logged in through Dovecot (AUTH
/// PLAIN, LOGIN, XOAUTH2, OAUTHBEARER as Dovecot offers them).
fn submission(dovecot: &Dovecot) -> Postfix {
    Postfix::start(Options { require_auth: true, ..Options::relay_to(dovecot) })
}

/// The OAuth2 mailbox of `carol`, not read (so only the sender asks for
/// tokens), with `extra` fields.
async fn oauth_mailbox(admin: &Api, dovecot: &Dovecot, department: i64, extra: serde_json::Value) -> i64 {
    let mut body = json!({
        "department_id": department, "address": "oauth@example.test", "imap_url": dovecot.url(),
        "username": OAUTH_USER, "oauth2_provider": "custom",
        "oauth2_authorize_url": dovecot.oauth.authorize_url(), "oauth2_token_url": dovecot.oauth.token_url(),
        "oauth2_scope": "imap smtp offline_access", "oauth2_client_id": CLIENT_ID,
        "oauth2_client_secret": CLIENT_SECRET, "active": false,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    admin.post("/mailboxes", body).await.expect(201).id()
}

/// A customer's new ticket in a department with its own address: its
/// acknowledgement is the first mail out.
async fn customer_ticket(server: &TestServer, admin: &Api, address: &str) -> (i64, i64) {
    let department = admin
        .post(
            "/departments",
            json!({"name": "Hosting", "description": "", "public": true, "email": "support@tessera.test"}),
        )
        .await
        .expect(201)
        .id();
    let (_, customer) = admin.make_user(server, "customer", address, "Customer").await;
    let ticket = customer
        .post("/tickets", json!({"department_id": department, "subject": "VPS down", "body": "It does not boot."}))
        .await
        .expect(201)
        .id();
    (department, ticket)
}

/// The refresh tokens the provider was asked with.
fn refreshes(dovecot: &Dovecot) -> usize {
    dovecot.oauth.token_requests().iter().filter(|(g, _)| g == "refresh_token").count()
}

/// No secret in `text`: the client secret, the refresh and access tokens,
/// the XOAUTH2 strings made of them.
fn no_secrets(text: &str) {
    let mut secrets: Vec<String> =
        [CLIENT_SECRET, "smtp-refresh-token", "stale-access-token", "test-access-", "test-refresh-"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    for n in 1..6 {
        let xoauth2 = format!("user={OAUTH_USER}\x01auth=Bearer test-access-{n}\x01\x01");
        secrets.push(base64::engine::general_purpose::STANDARD.encode(xoauth2));
    }
    for s in secrets {
        assert!(!text.contains(&s), "{s:?} leaked into: {text}");
    }
}

#[tokio::test]
async fn mail_goes_out_through_smtp_logged_in_with_the_mailboxs_oauth2_token_refreshed_once_when_refused() {
    let logs = capture_logs();
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.oauth.accept_refresh_token("smtp-refresh-token");
        let postfix = submission(&dovecot);
        let server = server(&postfix).await;
        let admin = server.admin().await;
        let support = department(&admin, "Mailbox").await;
        // The stored access token has been revoked at the provider: the
        // SMTP server refuses it, and the sender gets a new one once.
        oauth_mailbox(
            &admin,
            &dovecot,
            support,
            json!({"oauth2_refresh_token": "smtp-refresh-token", "oauth2_access_token": "stale-access-token"}),
        )
        .await;

        let (_, ticket) = customer_ticket(&server, &admin, "bora@customer.test").await;
        let sent = wait_for_state(&admin, ticket, "acknowledgement", "bora@customer.test", "sent").await;
        assert!(sent["answer"].as_str().unwrap().starts_with("250"), "{sent}");
        let inbox = dovecot.wait_for_inbox("bora", 1, WAIT, || postfix.log()).await;
        assert!(header(&inbox[0], "Subject").unwrap().contains("VPS down"), "{:?}", header(&inbox[0], "Subject"));
        assert!(header(&inbox[0], "From").unwrap().contains("support@tessera.test"));
        let log = postfix.log();
        assert!(log.contains(&format!("sasl_method=XOAUTH2, sasl_username={OAUTH_USER}")), "{log}");
        assert_eq!(refreshes(&dovecot), 1, "one refresh after the refusal: {:?}", dovecot.oauth.token_requests());

        // The next mail logs in with the kept token: no new refresh.
        admin.post(&format!("/tickets/{ticket}/replies"), json!({"body": "It boots again."})).await.expect(201);
        wait_for_state(&admin, ticket, "agent_reply", "bora@customer.test", "sent").await;
        dovecot.wait_for_inbox("bora", 2, WAIT, || postfix.log()).await;
        assert_eq!(refreshes(&dovecot), 1, "{:?}", dovecot.oauth.token_requests());
        no_secrets(&deliveries(&admin, ticket).await.iter().map(|d| d.to_string()).collect::<String>());
        no_secrets(&postfix.log());
    })
    .await;
    no_secrets(&logged(&logs));
}

#[tokio::test]
async fn a_token_the_smtp_server_refuses_defers_the_copies_with_a_readable_answer() {
    let logs = capture_logs();
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.oauth.accept_refresh_token("smtp-refresh-token");
        // The provider issues tokens the SMTP server will not take (a token
        // without the right to send, another account's).
        dovecot.oauth.issue_unusable_tokens(true);
        let postfix = submission(&dovecot);
        let server = server(&postfix).await;
        let admin = server.admin().await;
        let support = department(&admin, "Mailbox").await;
        oauth_mailbox(&admin, &dovecot, support, json!({"oauth2_refresh_token": "smtp-refresh-token"})).await;

        let (_, ticket) = customer_ticket(&server, &admin, "bora@customer.test").await;
        let deferred = wait_for_state(&admin, ticket, "acknowledgement", "bora@customer.test", "deferred").await;
        let answer = deferred["answer"].as_str().unwrap();
        assert!(answer.contains("refused the OAuth2 token") && answer.contains("SMTP.Send"), "{answer}");
        assert_eq!(refreshes(&dovecot), 2, "a token, and one more after the refusal, then it waits");
        assert!(dovecot.inbox("bora").await.is_empty());

        // The provider is fixed; an admin sends the copy again: it arrives.
        dovecot.oauth.issue_unusable_tokens(false);
        let id = deferred["id"].as_i64().unwrap();
        admin.post_empty(&format!("/mail/outgoing/{id}/resend")).await.expect(200);
        wait_for_state(&admin, ticket, "acknowledgement", "bora@customer.test", "sent").await;
        dovecot.wait_for_inbox("bora", 1, WAIT, || postfix.log()).await;

        // (A connection logged in stays so, and is reused: the server
        // checks the token at AUTH only.)
        server.anonymous().get("/readyz").await.expect(200);
        no_secrets(&deliveries(&admin, ticket).await.iter().map(|d| d.to_string()).collect::<String>());
    })
    .await;
    no_secrets(&logged(&logs));
}

#[tokio::test]
async fn a_revoked_grant_defers_the_copies_asks_an_admin_and_stops_asking_the_provider() {
    let logs = capture_logs();
    bounded(async {
        let dovecot = Dovecot::start().await;
        // The user revoked Tessera's access: the refresh token is refused.
        let postfix = submission(&dovecot);
        let server = server(&postfix).await;
        let admin = server.admin().await;
        let support = department(&admin, "Mailbox").await;
        let mailbox =
            oauth_mailbox(&admin, &dovecot, support, json!({"oauth2_refresh_token": "smtp-refresh-token"})).await;

        let (_, ticket) = customer_ticket(&server, &admin, "bora@customer.test").await;
        let deferred = wait_for_state(&admin, ticket, "acknowledgement", "bora@customer.test", "deferred").await;
        let answer = deferred["answer"].as_str().unwrap();
        assert!(answer.contains("invalid_grant") && answer.contains("authorise the mailbox again"), "{answer}");
        assert_eq!(refreshes(&dovecot), 1, "one refresh, refused");
        let m = admin.get(&format!("/mailboxes/{mailbox}")).await.expect(200).body;
        assert_eq!(m["status"]["state"], "reauthorise", "the admin sees it on the mailbox: {m}");

        // More mail waits with the same reason; the provider is not asked again.
        admin.post(&format!("/tickets/{ticket}/replies"), json!({"body": "Still there?"})).await.expect(201);
        let all = loop {
            let all = deliveries(&admin, ticket).await;
            if all.iter().filter(|d| d["state"] == "deferred").count() == 2 {
                break all;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(all.iter().all(|d| d["state"] != "failed"), "{all:#?}");
        assert_eq!(refreshes(&dovecot), 1, "the provider is not asked again");
        assert!(all.iter().all(|d| d["answer"].as_str().unwrap().contains("authorise")), "{all:#?}");
        assert!(dovecot.inbox("bora").await.is_empty());
        server.anonymous().get("/readyz").await.expect(200);
        no_secrets(&all.iter().map(|d| d.to_string()).collect::<String>());
    })
    .await;
    no_secrets(&logged(&logs));
}
