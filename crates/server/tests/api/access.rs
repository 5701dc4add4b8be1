//! Account access over HTTP (issue 17): the password reset and the
//! billing panel's hand-off through the native API, the links opened the
//! way a browser opens them, and bad input refused with a clear 4xx that
//! changes nothing.

use crate::support::*;
use chrono::Duration;
use serde_json::json;
use std::sync::Arc;
use tessera_core::time::ManualClock;

/// A server with `public_url`, account mail kept in an outbox, and a clock
/// the test moves; a customer made by the admin (no password, as a billing
/// sync makes them) and an agent.
struct Access {
    server: TestServer,
    outbox: Outbox,
    clock: Arc<ManualClock>,
    admin: Api,
    agent: Api,
    agent_id: i64,
    customer: Api,
    customer_id: i64,
}

async fn access() -> Access {
    access_with(|_| {}).await
}

async fn access_with(tweak: impl FnOnce(&mut tessera_server::Config)) -> Access {
    let outbox = Outbox::default();
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let mail = account_mail(&outbox);
    let c = clock.clone();
    let server = TestServer::start_with(move |config| {
        mail(config);
        config.clock = Some(c);
        tweak(config);
    })
    .await;
    let admin = server.admin().await;
    let (agent_id, agent) = admin.make_user(&server, "agent", "agent@example.com", "Agent").await;
    let (customer_id, customer) = admin.make_user(&server, "customer", "cem@example.com", "Cem Kaya").await;
    Access { server, outbox, clock, admin, agent, agent_id, customer, customer_id }
}

/// Whether `password` signs `email` in (the desk's check every door uses).
async fn password_works(a: &Access, email: &str, password: &str) -> bool {
    a.server.state.desk.authenticate_password(email, password).await.is_ok()
}

#[tokio::test]
async fn a_reset_by_mail_sets_a_password_once_and_ends_every_session() {
    let a = access().await;
    let anon = a.server.anonymous();
    let customer = a.server.store.user(tessera_core::UserId(a.customer_id)).await.unwrap().unwrap();
    let actor = a.server.state.desk.actor_for(&customer).await.unwrap();
    let session = a.server.state.desk.start_session(&actor, tessera_desk::SessionKind::Browser).await.unwrap();

    let known = anon.post("/auth/password-reset", json!({"email": "CEM@example.com"})).await.expect(202);
    let unknown = anon.post("/auth/password-reset", json!({"email": "nobody@example.com"})).await.expect(202);
    assert_eq!(known.body, unknown.body, "the same answer for known and unknown addresses");
    assert!(links_to(&a.server.state.desk, &a.outbox, "nobody@example.com").await.is_empty());
    let token = last_token(&a.server.state.desk, &a.outbox, "cem@example.com").await;
    assert!(
        links_to(&a.server.state.desk, &a.outbox, "cem@example.com").await[0]
            .starts_with(&format!("{PUBLIC_URL}/reset/"))
    );

    // A password the rules refuse: 422 on the field, the link still works.
    let r = anon.post("/auth/password-reset/confirm", json!({"token": token, "password": "short"})).await.expect(422);
    assert_eq!((r.code(), r.field()), ("too_short", "password"));
    anon.post("/auth/password-reset/confirm", json!({"token": token, "password": "a brand new secret"}))
        .await
        .expect(204);
    assert!(password_works(&a, "cem@example.com", "a brand new secret").await);
    let ended = a.server.state.desk.session(tessera_desk::SessionKind::Browser, &session.secret).await;
    assert!(ended.is_err(), "the reset ended the customer's sessions");

    // Used once: a second use is a clear 422 and changes nothing.
    let r = anon.post("/auth/password-reset/confirm", json!({"token": token, "password": "someone else's"})).await;
    let r = r.expect(422);
    assert_eq!((r.code(), r.field()), ("invalid_token", "token"));
    assert!(password_works(&a, "cem@example.com", "a brand new secret").await);
}

#[tokio::test]
async fn an_expired_reset_link_is_refused_and_changes_nothing() {
    let a = access().await;
    let anon = a.server.anonymous();
    anon.post("/auth/password-reset", json!({"email": "agent@example.com"})).await.expect(202);
    let token = last_token(&a.server.state.desk, &a.outbox, "agent@example.com").await;
    a.clock.advance(Duration::minutes(61));
    let r = anon.post("/auth/password-reset/confirm", json!({"token": token, "password": "a brand new secret"})).await;
    assert_eq!(r.expect(422).code(), "invalid_token");
    assert!(!password_works(&a, "agent@example.com", "a brand new secret").await);
}

#[tokio::test]
async fn reset_requests_are_limited_and_bad_input_gets_a_clear_4xx() {
    let a = access().await;
    let anon = a.server.anonymous();
    for _ in 0..tessera_desk::access::REQUESTS_PER_ADDRESS {
        anon.post("/auth/password-reset", json!({"email": "ghost@example.com"})).await.expect(202);
    }
    let r = anon.post("/auth/password-reset", json!({"email": "ghost@example.com"})).await.expect(429);
    assert_eq!(r.code(), "too_many_requests");

    let raw =
        |path: &'static str, body: &'static str| anon.post_raw(path, "application/json", body.as_bytes().to_vec());
    for path in ["/auth/password-reset", "/auth/password-reset/confirm", "/sso/handoff"] {
        let r = raw(path, "{not json").await;
        assert!(matches!(r.status, 400 | 401), "{path}: {} {}", r.status, r.body);
    }
    assert!(raw("/auth/password-reset", r#"{"mail":"x@example.com"}"#).await.status / 100 == 4);
    assert!(raw("/auth/password-reset", r#"{"email":42}"#).await.status / 100 == 4);
    assert_eq!(raw("/auth/password-reset", r#"{"email":"  "}"#).await.expect(422).code(), "invalid_email");
    for token in ["", "abc", &"z".repeat(64), &"0".repeat(64), "../../etc/passwd"] {
        let r = anon.post("/auth/password-reset/confirm", json!({"token": token, "password": "long enough pw"})).await;
        assert_eq!(r.expect(422).code(), "invalid_token", "{token}");
    }
}

#[tokio::test]
async fn without_public_url_the_answer_stays_neutral_and_the_handoff_says_why() {
    let a = access_with(|c| c.public_url = None).await;
    let r = a.server.anonymous().post("/auth/password-reset", json!({"email": "cem@example.com"})).await.expect(202);
    assert!(r.body["message"].as_str().is_some());
    assert!(links_to(&a.server.state.desk, &a.outbox, "cem@example.com").await.is_empty());
    let r = a.admin.post("/sso/handoff", json!({"user_id": a.customer_id})).await.expect(409);
    assert_eq!(r.code(), "public_url_missing");
}

#[tokio::test]
async fn a_handoff_url_signs_the_customer_in_once_and_opens_the_portal() {
    let a = access().await;
    let ticket = a
        .customer
        .post("/tickets", json!({"subject": "Boot fails", "department_id": 1, "body": "It hangs."}))
        .await
        .expect(201);
    let r =
        a.admin.post("/sso/handoff", json!({"email": "cem@example.com", "ticket_id": ticket.id()})).await.expect(201);
    assert_eq!(r.body["user_id"], a.customer_id);
    let url = r.body["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("{PUBLIC_URL}/sso/")), "{url}");
    let expires = chrono::DateTime::parse_from_rfc3339(r.body["expires_at"].as_str().unwrap()).unwrap();
    assert_eq!(expires.timestamp(), (a.server.state.desk.now() + Duration::seconds(60)).timestamp());

    let browser = browser_without_redirects();
    let opened = browser.get(on_server(&a.server, &url)).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    let number = ticket.body["number"].as_str().unwrap();
    assert_eq!(opened.headers()["location"], format!("/tickets/{number}").as_str());
    let cookie = opened.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    assert!(cookie.starts_with("tessera_session="), "{cookie}");
    let page =
        browser.get(format!("{}/tickets/{number}", a.server.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Boot fails"));

    // Once only.
    let again = browser.get(on_server(&a.server, &url)).send().await.unwrap();
    assert_eq!(again.status(), 410);
    assert!(again.headers().get("set-cookie").is_none_or(|c| !c.to_str().unwrap().starts_with("tessera_session=")));

    // Sixty seconds.
    let r = a.admin.post("/sso/handoff", json!({"user_id": a.customer_id})).await.expect(201);
    a.clock.advance(Duration::seconds(61));
    let late = browser.get(on_server(&a.server, r.body["url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(late.status(), 410);
}

#[tokio::test]
async fn a_handoff_is_refused_clearly_to_anyone_but_an_admin_and_for_anyone_but_a_customer() {
    let a = access().await;
    let body = json!({"user_id": a.customer_id});
    assert_eq!(a.server.anonymous().post("/sso/handoff", body.clone()).await.expect(401).code(), "unauthenticated");
    assert_eq!(a.agent.post("/sso/handoff", body.clone()).await.expect(403).code(), "forbidden");
    assert_eq!(a.customer.post("/sso/handoff", body.clone()).await.expect(403).code(), "forbidden");
    // Not a customer of ours: unknown ids and addresses, staff, a billing
    // client id nobody has.
    for body in [
        json!({"user_id": 999_999}),
        json!({"user_id": a.agent_id}),
        json!({"user_id": 1}),
        json!({"email": "nobody@example.com"}),
        json!({"external_client_id": "whmcs-42"}),
    ] {
        assert_eq!(a.admin.post("/sso/handoff", body.clone()).await.expect(404).code(), "not_found", "{body}");
    }
    // Another customer's ticket is not this customer's to open.
    let (_, other) = a.admin.make_user(&a.server, "customer", "other@example.com", "Other").await;
    let t = other.post("/tickets", json!({"subject": "Mine", "department_id": 1, "body": "Mine."})).await.expect(201);
    let r = a.admin.post("/sso/handoff", json!({"user_id": a.customer_id, "ticket_id": t.id()})).await;
    assert_eq!(r.expect(404).code(), "not_found");
    for (body, field) in [
        (json!({}), "user_id"),
        (json!({"user_id": a.customer_id, "email": "cem@example.com"}), "user_id"),
        (json!({"user_id": a.customer_id, "redirect_path": "https://evil.example/"}), "redirect_path"),
        (json!({"user_id": a.customer_id, "redirect_path": "//evil.example"}), "redirect_path"),
    ] {
        let r = a.admin.post("/sso/handoff", body.clone()).await.expect(422);
        assert_eq!(r.field(), field, "{body}");
    }
    assert!(a.admin.post("/sso/handoff", json!({"user_id": "seven"})).await.status / 100 == 4);
    assert!(a.admin.post("/sso/handoff", json!({"user": 3})).await.status / 100 == 4);
}

#[tokio::test]
async fn a_billing_client_id_names_the_organizations_head() {
    let a = access().await;
    let org = a.admin.post("/organizations", json!({"name": "Acme", "external_id": "whmcs-7"})).await.expect(201);
    let carol = a
        .admin
        .post(
            "/users",
            json!({"email": "carol@acme.test", "name": "Carol", "organization_id": org.id(), "sees_all": true}),
        )
        .await
        .expect(201)
        .id();
    a.admin
        .post("/users", json!({"email": "dave@acme.test", "name": "Dave", "organization_id": org.id()}))
        .await
        .expect(201);
    let r = a.admin.post("/sso/handoff", json!({"external_client_id": "whmcs-7"})).await.expect(201);
    assert_eq!(r.body["user_id"], carol);
}

#[tokio::test]
async fn the_hand_off_url_never_redirects_off_the_site() {
    let a = access().await;
    let r = a.admin.post("/sso/handoff", json!({"user_id": a.customer_id})).await.expect(201);
    let url = on_server(&a.server, r.body["url"].as_str().unwrap());
    // A `next` added to the URL by someone else: only a path of the site.
    let opened = browser_without_redirects().get(format!("{url}?next=//evil.example/x")).send().await.unwrap();
    assert_eq!(opened.status(), 303);
    assert_eq!(opened.headers()["location"], "/");
}

/// A web page's pre-session cookie (`name=value`) and the `_pre` value its
/// form double-submits.
async fn pre_of(browser: &reqwest::Client, url: &str) -> (u16, String, String, String) {
    let r = browser.get(url).send().await.unwrap();
    let status = r.status().as_u16();
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tessera_pre="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a pre-session cookie");
    let text = r.text().await.unwrap();
    let marker = "name=\"_pre\" value=\"";
    let pre = text
        .find(marker)
        .map_or(String::new(), |at| text[at + marker.len()..].chars().take_while(|c| *c != '"').collect());
    (status, cookie, pre, text)
}

#[tokio::test]
async fn the_web_pages_reset_a_password_and_sign_in_by_link() {
    let a = access().await;
    let base = &a.server.base;
    let browser = browser_without_redirects();

    // "Forgot password?" on the sign-in page, and the neutral answer.
    let (_, _, _, sign_in) = pre_of(&browser, &format!("{base}/sign-in")).await;
    assert!(sign_in.contains("href=\"/forgot-password\"") && sign_in.contains("href=\"/sign-in/link\""));
    assert!(!sign_in.contains("Ask the support team"));
    let (_, cookie, pre, _) = pre_of(&browser, &format!("{base}/forgot-password")).await;
    let post = |path: String, cookie: String, form: Vec<(&'static str, String)>| {
        let browser = browser.clone();
        async move { browser.post(path).header("cookie", cookie).form(&form).send().await.unwrap() }
    };
    let mut answers = Vec::new();
    for email in ["cem@example.com", "nobody@example.com"] {
        let r = post(
            format!("{base}/forgot-password"),
            cookie.clone(),
            vec![("_pre", pre.clone()), ("email", email.into())],
        )
        .await;
        assert_eq!(r.status(), 200);
        answers.push(r.text().await.unwrap());
    }
    assert_eq!(answers[0], answers[1], "the same page for known and unknown addresses");
    assert!(answers[0].contains("id=\"access-sent\""));
    // Without the double-submitted token: refused, nothing sent.
    let r = post(format!("{base}/forgot-password"), cookie.clone(), vec![("email", "cem@example.com".into())]).await;
    assert_eq!(r.status(), 403);

    // The reset page from the mailed link.
    let token = last_token(&a.server.state.desk, &a.outbox, "cem@example.com").await;
    assert_eq!(links_to(&a.server.state.desk, &a.outbox, "cem@example.com").await.len(), 1);
    let (status, cookie, pre, page) = pre_of(&browser, &format!("{base}/reset/{token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("name=\"new_password\""));
    let form = |new: &str, again: &str| {
        vec![("_pre", pre.clone()), ("new_password", new.into()), ("confirm_password", again.into())]
    };
    let r = post(format!("{base}/reset/{token}"), cookie.clone(), form("a brand new secret", "another one")).await;
    assert_eq!(r.status(), 422, "the two passwords differ");
    let r = post(format!("{base}/reset/{token}"), cookie.clone(), form("short", "short")).await;
    assert_eq!(r.status(), 422, "too short");
    let r =
        post(format!("{base}/reset/{token}"), cookie.clone(), form("a brand new secret", "a brand new secret")).await;
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/sign-in?reset=1"));
    assert!(password_works(&a, "cem@example.com", "a brand new secret").await);
    let (status, _, _, page) = pre_of(&browser, &format!("{base}/reset/{token}")).await;
    assert_eq!(status, 410);
    assert!(page.contains("id=\"access-invalid\""));
    let r =
        post(format!("{base}/reset/{token}"), cookie.clone(), form("yet another secret", "yet another secret")).await;
    assert_eq!(r.status(), 410);

    // A sign-in link: the page has a button; the POST signs in, once.
    let (_, cookie, pre, _) = pre_of(&browser, &format!("{base}/sign-in/link")).await;
    let r =
        post(format!("{base}/sign-in/link"), cookie, vec![("_pre", pre), ("email", "cem@example.com".into())]).await;
    assert_eq!(r.status(), 200);
    let link = links_to(&a.server.state.desk, &a.outbox, "cem@example.com").await.pop().unwrap();
    assert!(link.starts_with(&format!("{PUBLIC_URL}/sign-in/link/")), "{link}");
    let (status, cookie, pre, page) = pre_of(&browser, &on_server(&a.server, &link)).await;
    assert_eq!(status, 200, "opening the link spends nothing (a mail scanner may follow it)");
    assert!(page.contains("method=\"post\""));
    let r = post(on_server(&a.server, &link), cookie.clone(), vec![("_pre", pre.clone())]).await;
    assert_eq!((r.status().as_u16(), r.headers()["location"].to_str().unwrap()), (303, "/"));
    assert!(r.headers()["set-cookie"].to_str().unwrap().starts_with("tessera_session="));
    let r = post(on_server(&a.server, &link), cookie, vec![("_pre", pre)]).await;
    assert_eq!(r.status(), 410, "once");

    // An agent asking for a sign-in link gets the same page and no mail.
    let (_, cookie, pre, _) = pre_of(&browser, &format!("{base}/sign-in/link")).await;
    let r =
        post(format!("{base}/sign-in/link"), cookie, vec![("_pre", pre), ("email", "agent@example.com".into())]).await;
    assert_eq!(r.status(), 200);
    assert!(links_to(&a.server.state.desk, &a.outbox, "agent@example.com").await.is_empty());
}
