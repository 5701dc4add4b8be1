//! OAuth2 (XOAUTH2) mailboxes end to end, with real parts only: a real
//! Dovecot whose `oauth2` passdb asks the test's own provider on loopback
//! (introspection, token and authorize endpoints: `OAuthServer`), and the
//! running server's poller and admin pages. A mailbox with only a refresh
//! token gets an access token and imports mail; a refused refresh token
//! puts it in `reauthorise` and the token endpoint is not asked again; a
//! rotated refresh token is kept and used; an admin authorises through the
//! pages (state bound to the session, single use, PKCE); secrets never come
//! back in answers or logs.

use crate::support::*;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tessera_mail::testing::dovecot::{CLIENT_ID, CLIENT_SECRET, Dovecot, OAUTH_USER, message};

/// The public address the server is configured with: the redirect URI the
/// provider sends the admin back to (the test follows it itself).
const PUBLIC: &str = "http://help.example.test";

/// A server that looks at its mailboxes every 200 ms, may call the test
/// provider on loopback (the hooks' setting), and knows its public URL.
async fn server() -> TestServer {
    TestServer::start_with(|c| {
        loopback_hooks(c);
        c.mail_poll_ms = 200;
        c.public_url = Some(PUBLIC.into());
    })
    .await
}

/// Everything the server logs from here on, for checking that no secret
/// is in it (each test runs in its own process under nextest; elsewhere
/// another test may own the logger, and the log stays empty).
pub(crate) fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    #[derive(Clone)]
    struct Sink(Arc<Mutex<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf: Arc<Mutex<Vec<u8>>> = Arc::default();
    let sink = Sink(buf.clone());
    let _ = tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::DEBUG)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .try_init();
    buf
}

pub(crate) fn logged(buf: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&buf.lock().unwrap()).into_owned()
}

/// An OAuth2 mailbox of the OAuth2 user on `dovecot`, with the test
/// provider's endpoints and client, and `extra` fields.
async fn oauth_mailbox(admin: &Api, dovecot: &Dovecot, department: i64, extra: Value) -> Value {
    let mut body = json!({
        "department_id": department, "address": "oauth@example.test", "imap_url": dovecot.url(),
        "username": OAUTH_USER, "oauth2_provider": "custom",
        "oauth2_authorize_url": dovecot.oauth.authorize_url(), "oauth2_token_url": dovecot.oauth.token_url(),
        "oauth2_scope": "imap offline_access", "oauth2_client_id": CLIENT_ID, "oauth2_client_secret": CLIENT_SECRET,
    });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    admin.post("/mailboxes", body).await.expect(201).body
}

/// No secret of the provider's or the mailbox's in `text`.
fn no_secrets(text: &str, also: &[&str]) {
    for s in [CLIENT_SECRET, "test-access-", "test-refresh-", "test-code-"].iter().chain(also) {
        assert!(!text.contains(s), "{s:?} leaked into: {text}");
    }
}

/// The refresh tokens the provider was asked with, in order.
fn refreshes(dovecot: &Dovecot) -> Vec<String> {
    dovecot.oauth.token_requests().into_iter().filter(|(g, _)| g == "refresh_token").map(|(_, t)| t).collect()
}

/// A browser signed in as the admin.
async fn admin_browser(server: &TestServer, admin: &Api) -> Browser {
    let me = admin.get("/me").await.expect(200).body["id"].as_i64().unwrap();
    admin.patch(&format!("/users/{me}"), json!({"password": "a long test password"})).await.expect(200);
    let mut b = Browser::new(server);
    assert_eq!(b.sign_in("admin@localhost", "a long test password").await.status, 303);
    b
}

#[tokio::test]
async fn a_mailbox_with_only_a_refresh_token_gets_an_access_token_and_imports_mail() {
    let logs = capture_logs();
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.oauth.accept_refresh_token("first-refresh-token");
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let created =
            oauth_mailbox(&admin, &dovecot, sales, json!({"oauth2_refresh_token": "first-refresh-token"})).await;
        let id = created["id"].as_i64().unwrap();
        assert_eq!((created["auth"].as_str(), created["status"]["state"].as_str()), (Some("oauth2"), Some("ok")));
        assert_eq!(created["oauth2"]["provider"], "custom");
        assert_eq!(created["oauth2"]["has_refresh_token"], true);
        assert_eq!(created["oauth2"]["has_client_secret"], true);
        assert!(created["oauth2"]["access_token_expires_at"].is_null(), "{created}");
        no_secrets(&created.to_string(), &["first-refresh-token"]);

        dovecot.deliver(OAUTH_USER, &message(1));
        let t = ticket_appears(&admin, "Help 1").await;
        assert_eq!(t["department_id"], sales);
        let m = mailbox_until(&admin, id, |m| m["status"]["last_success_at"].is_string()).await;
        assert_eq!(m["status"]["state"], "ok", "{m}");
        assert!(m["oauth2"]["access_token_expires_at"].is_string(), "{m}");
        assert_eq!(refreshes(&dovecot), ["first-refresh-token"], "one refresh, ahead of the first login");
        no_secrets(&m.to_string(), &["first-refresh-token"]);
        no_secrets(&admin.get("/mailboxes").await.expect(200).body.to_string(), &["first-refresh-token"]);
    })
    .await;
    no_secrets(&logged(&logs), &["first-refresh-token"]);
}

#[tokio::test]
async fn a_refused_refresh_token_asks_an_admin_to_authorise_again_and_stops_asking() {
    let logs = capture_logs();
    bounded(async {
        let dovecot = Dovecot::start().await;
        // The provider knows no such refresh token: invalid_grant.
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let created =
            oauth_mailbox(&admin, &dovecot, sales, json!({"oauth2_refresh_token": "revoked-refresh-token"})).await;
        let id = created["id"].as_i64().unwrap();
        let m = mailbox_until(&admin, id, |m| m["status"]["state"] == "reauthorise").await;
        let why = m["status"]["last_error"].as_str().unwrap();
        assert!(why.contains("invalid_grant") && why.contains("authorise the mailbox again"), "{why}");
        // Over many poll intervals (200 ms), the provider is not asked again.
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(refreshes(&dovecot), ["revoked-refresh-token"], "asked once, no loop");
        let m = admin.get(&format!("/mailboxes/{id}")).await.expect(200).body;
        assert_eq!(m["status"]["state"], "reauthorise");
        no_secrets(&m.to_string(), &["revoked-refresh-token"]);

        // The admin's page says so, and offers to authorise again.
        let mut b = admin_browser(&server, &admin).await;
        let page = b.get(&format!("/admin/mailboxes/{id}")).await;
        assert_eq!(page.status, 200);
        assert!(page.text.contains("mailbox-reauthorise"), "the state's badge");
        assert!(page.text.contains("Needs authorising again"), "in words");
        assert!(page.text.contains("no longer accepts Tessera’s authorisation"), "the hint");
        assert!(page.text.contains("Authorise with the provider"), "the button");
        no_secrets(&page.text, &["revoked-refresh-token"]);

        // A passing failure of the provider is an error retried with
        // pauses, not a reason to ask an admin.
        dovecot.oauth.accept_refresh_token("good-refresh-token");
        dovecot.oauth.fail_token_requests(Some(503));
        admin
            .patch(&format!("/mailboxes/{id}"), json!({"oauth2_refresh_token": "good-refresh-token"}))
            .await
            .expect(200);
        let m = mailbox_until(&admin, id, |m| m["status"]["state"] == "error").await;
        assert!(m["status"]["last_error"].as_str().unwrap().contains("503"), "{m}");
        dovecot.oauth.fail_token_requests(None);
        dovecot.deliver(OAUTH_USER, &message(2));
        ticket_appears(&admin, "Help 2").await;
        let m = mailbox_until(&admin, id, |m| m["status"]["state"] == "ok").await;
        no_secrets(&m.to_string(), &["good-refresh-token"]);
        // Bounded: growing pauses, a handful of requests in all.
        assert!(refreshes(&dovecot).len() <= 6, "{:?}", dovecot.oauth.token_requests().len());
    })
    .await;
    let log = logged(&logs);
    if !log.is_empty() {
        // The log is the one written: it says what happened, without secrets.
        assert!(log.contains("needs an admin to authorise it again"), "{log}");
    }
    no_secrets(&log, &["revoked-refresh-token", "good-refresh-token"]);
}

#[tokio::test]
async fn a_fresh_token_the_imap_server_refuses_asks_an_admin_and_stops_asking() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.oauth.accept_refresh_token("refresh-ok");
        // The provider gives tokens, the IMAP server refuses them (a wrong
        // account, a missing scope, IMAP off for the mailbox).
        dovecot.oauth.issue_unusable_tokens(true);
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let id = oauth_mailbox(&admin, &dovecot, sales, json!({"oauth2_refresh_token": "refresh-ok"})).await["id"]
            .as_i64()
            .unwrap();
        let m = mailbox_until(&admin, id, |m| m["status"]["state"] == "reauthorise").await;
        let why = m["status"]["last_error"].as_str().unwrap();
        assert!(why.contains("freshly issued") && why.contains("scopes"), "{why}");
        let logins = *dovecot.oauth.requests.lock().unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(refreshes(&dovecot), ["refresh-ok"], "one token, no loop");
        assert_eq!(*dovecot.oauth.requests.lock().unwrap(), logins, "no more logins tried");
        no_secrets(&m.to_string(), &["refresh-ok"]);
    })
    .await;
}

#[tokio::test]
async fn a_rotated_refresh_token_is_saved_and_used_the_next_time() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.oauth.accept_refresh_token("refresh-0");
        dovecot.oauth.rotate_refresh_tokens(true);
        // Short-lived access tokens: replaced every 2 seconds (half their
        // life), each time with the refresh token the last answer rotated.
        dovecot.oauth.token_lifetime(4);
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let id = oauth_mailbox(&admin, &dovecot, sales, json!({"oauth2_refresh_token": "refresh-0"})).await["id"]
            .as_i64()
            .unwrap();
        dovecot.deliver(OAUTH_USER, &message(1));
        ticket_appears(&admin, "Help 1").await;
        assert_eq!(refreshes(&dovecot), ["refresh-0"]);
        // The next access token is got with the rotated refresh token (the
        // first one no longer works), on a new connection.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while refreshes(&dovecot).len() < 2 {
            assert!(tokio::time::Instant::now() < deadline, "no second refresh within 20 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        dovecot.deliver(OAUTH_USER, &message(2));
        ticket_appears(&admin, "Help 2").await;
        let asked = refreshes(&dovecot);
        assert_eq!(asked[..2], ["refresh-0".to_string(), "test-refresh-1".to_string()], "{asked:?}");
        assert!(asked.len() <= 8, "bounded: {asked:?}");
        assert!(asked.iter().all(|t| t == "refresh-0" || t.starts_with("test-refresh-")), "{asked:?}");
        let m = admin.get(&format!("/mailboxes/{id}")).await.expect(200).body;
        assert_eq!(m["status"]["state"], "ok", "{m}");
    })
    .await;
}

/// The path and query of a URL on the public address (the test is the
/// browser: it takes the provider's redirect to the server itself).
fn local(url: &str) -> String {
    url.strip_prefix(PUBLIC).unwrap_or_else(|| panic!("not on {PUBLIC}: {url}")).to_string()
}

#[tokio::test]
async fn an_admin_authorises_a_mailbox_through_the_pages_and_a_forged_or_replayed_state_changes_nothing() {
    let logs = capture_logs();
    bounded(async {
        let dovecot = Dovecot::start().await;
        let server = server().await;
        let admin = server.admin().await;
        let sales = department(&admin, "Sales").await;
        let created = oauth_mailbox(&admin, &dovecot, sales, json!({})).await;
        let id = created["id"].as_i64().unwrap();
        // Not authorised yet: nothing to read with, and it says so.
        assert_eq!(created["status"]["state"], "reauthorise", "{created}");
        assert_eq!(created["oauth2"]["has_refresh_token"], false);

        let mut b = admin_browser(&server, &admin).await;
        let page = b.get(&format!("/admin/mailboxes/{id}")).await;
        assert!(page.text.contains("Authorise with the provider"), "the button");
        let csrf = page.hidden("_csrf").unwrap();
        // Without the form's token: refused.
        assert_eq!(b.post(&format!("/admin/mailboxes/{id}/authorise"), &[]).await.status, 403);

        let go = b.post(&format!("/admin/mailboxes/{id}/authorise"), &[("_csrf", &csrf)]).await;
        assert_eq!(go.status, 303);
        let to_provider = go.location().unwrap();
        assert!(to_provider.starts_with(&dovecot.oauth.authorize_url()), "{to_provider}");
        for part in [
            "response_type=code",
            &format!("client_id={CLIENT_ID}"),
            "redirect_uri=http%3A%2F%2Fhelp.example.test%2Fadmin%2Fmailboxes%2Foauth%2Fcallback",
            "code_challenge_method=S256",
            "scope=imap+offline_access",
            &format!("state={id}."),
        ] {
            assert!(to_provider.contains(part), "{part} in {to_provider}");
        }
        assert!(!to_provider.contains(CLIENT_SECRET));

        // The provider (the test's own) consents and sends the admin back.
        let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let answer = plain.get(&to_provider).send().await.unwrap();
        assert_eq!(answer.status(), 302);
        let back = answer.headers()["location"].to_str().unwrap().to_string();
        let callback = local(&back);
        assert!(callback.starts_with("/admin/mailboxes/oauth/callback?code="), "{callback}");

        // The same answer in another session of the same admin: refused.
        let mut other = Browser::new(&server);
        assert_eq!(other.sign_in("admin@localhost", "a long test password").await.status, 303);
        let r = other.get(&callback).await;
        assert_eq!(r.status, 400, "a state from another session");
        let before = admin.get(&format!("/mailboxes/{id}")).await.expect(200).body;
        assert_eq!(before["oauth2"]["has_refresh_token"], false);

        // A forged state: refused, nothing changes.
        let forged = format!("/admin/mailboxes/oauth/callback?code=test-code-1&state={id}.{}", "ab".repeat(32));
        let r = b.get(&forged).await;
        assert_eq!(r.status, 400);
        assert!(r.text.contains("Press Authorise again"), "{}", r.text);
        // The provider's refusal: shown, nothing changes.
        let r = b.get("/admin/mailboxes/oauth/callback?error=access_denied&state=x").await;
        assert_eq!(r.status, 200);
        assert!(r.text.contains("Nothing was changed"));
        assert!(r.text.contains("access_denied"));
        assert_eq!(admin.get(&format!("/mailboxes/{id}")).await.expect(200).body, before);

        // The real answer: the code is exchanged, the mailbox shown.
        let done = b.get(&callback).await;
        assert_eq!(done.status, 303, "{}", done.text);
        assert_eq!(done.location().unwrap(), format!("/admin/mailboxes/{id}?done=authorised"));
        let shown = b.get(&done.location().unwrap()).await;
        assert!(shown.text.contains("The mailbox is authorised"));
        assert!(shown.text.contains("mailbox-ok"));
        no_secrets(&shown.text, &[]);
        let exchanged = dovecot.oauth.token_requests();
        assert_eq!(exchanged.len(), 1, "{exchanged:?}");
        assert_eq!(exchanged[0].0, "authorization_code");

        // Replayed: refused, the stored tokens stay.
        let after = admin.get(&format!("/mailboxes/{id}")).await.expect(200).body;
        assert_eq!(after["oauth2"]["has_refresh_token"], true);
        let r = b.get(&callback).await;
        assert_eq!(r.status, 400, "used once");
        assert_eq!(dovecot.oauth.token_requests().len(), 1, "a replay is not sent to the provider");

        // The mailbox works.
        dovecot.deliver(OAUTH_USER, &message(3));
        let t = ticket_appears(&admin, "Help 3").await;
        assert_eq!(t["department_id"], sales);
        let m = mailbox_until(&admin, id, |m| m["status"]["last_success_at"].is_string()).await;
        assert_eq!(m["status"]["state"], "ok");
        no_secrets(&m.to_string(), &[]);
    })
    .await;
    no_secrets(&logged(&logs), &[]);
}

#[tokio::test]
async fn oauth2_settings_are_checked_and_sealed_at_rest() {
    // No loopback for integrations here: a token URL must be https.
    let server = TestServer::start_with(|c| c.public_url = None).await;
    let admin = server.admin().await;
    let d = department(&admin, "Sales").await;
    let base = json!({"department_id": d, "address": "a@example.test", "imap_url": "imaps://imap.gmail.com",
                      "username": "a@example.test", "oauth2_provider": "google",
                      "oauth2_client_id": "client-1.apps.example", "oauth2_client_secret": "client-secret-77aa"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = base.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    for (body, field) in [
        (with("oauth2_provider", json!("yahoo")), "oauth2_provider"),
        (without("oauth2_client_id"), "oauth2_client_id"),
        (with("oauth2_client_id", json!("two words")), "oauth2_client_id"),
        (with("oauth2_token_url", json!("https://elsewhere.example/token")), "oauth2_token_url"),
        (with("password", json!("and a password")), "password"),
        (with("oauth2_refresh_token", json!("two\nlines")), "oauth2_refresh_token"),
        (with("oauth2_provider", json!("custom")), "oauth2_token_url"),
        (
            json!({"department_id": d, "address": "a@example.test", "imap_url": "imaps://mail.example.test",
                   "username": "u", "oauth2_provider": "custom", "oauth2_client_id": "c",
                   "oauth2_token_url": "http://127.0.0.1:9/token"}),
            "oauth2_token_url",
        ),
        (
            json!({"department_id": d, "address": "a@example.test", "imap_url": "imaps://mail.example.test",
                   "username": "u", "oauth2_provider": "microsoft", "oauth2_client_id": "c",
                   "oauth2_tenant": "../evil"}),
            "oauth2_tenant",
        ),
    ] {
        let r = admin.post("/mailboxes", body.clone()).await.expect(422);
        assert_eq!(r.field(), field, "{body}: {}", r.body);
    }

    let m = admin.post("/mailboxes", with("oauth2_refresh_token", json!("refresh-only-here-5e1"))).await.expect(201);
    let m = m.body;
    let id = m["id"].as_i64().unwrap();
    assert_eq!(m["oauth2"]["authorize_url"], "https://accounts.google.com/o/oauth2/v2/auth");
    assert_eq!(m["oauth2"]["token_url"], "https://oauth2.googleapis.com/token");
    assert_eq!(m["oauth2"]["scope"], "https://mail.google.com/");
    no_secrets(&m.to_string(), &["client-secret-77aa", "refresh-only-here-5e1"]);
    for bytes in stored_bytes(&server).await {
        for secret in [&b"client-secret-77aa"[..], b"refresh-only-here-5e1"] {
            assert!(!bytes.windows(secret.len()).any(|w| w == secret), "a secret is stored in clear");
        }
    }
    // Microsoft: the tenant goes into both URLs.
    let ms = admin
        .patch(&format!("/mailboxes/{id}"), json!({"oauth2_provider": "microsoft", "oauth2_tenant": "contoso.example"}))
        .await
        .expect(200)
        .body;
    assert_eq!(ms["oauth2"]["token_url"], "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token");
    assert_eq!(ms["oauth2"]["scope"], "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access");
    // Without a public URL, the admin is told what to set; nothing changes.
    let mut b = admin_browser(&server, &admin).await;
    let csrf = b.csrf(&format!("/admin/mailboxes/{id}")).await;
    let r = b.post(&format!("/admin/mailboxes/{id}/authorise"), &[("_csrf", &csrf)]).await;
    assert_eq!(r.status, 409);
    assert!(r.text.contains("public_url"), "{}", r.text);
    // A callback without a code or a state, or with nonsense: 400.
    for q in ["", "?code=x", "?code=x&state=nonsense", "?code=x&state=99999999999999999999999.ab"] {
        assert_eq!(b.get(&format!("/admin/mailboxes/oauth/callback{q}")).await.status, 400, "{q}");
    }
    // Back to a password: the OAuth2 settings go.
    let pw = admin.patch(&format!("/mailboxes/{id}"), json!({"password": "a new password"})).await.expect(200).body;
    assert_eq!((pw["auth"].as_str(), pw["oauth2"].is_null()), (Some("password"), true));
}
