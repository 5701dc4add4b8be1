//! The web UI over HTTP: sessions, CSRF, rate limits, forms that come back
//! with their messages, permissions by URL, guest links, headers.

use crate::support::*;
use serde_json::json;

const PW: &str = "a long test password";

async fn with_passwords(w: &World) {
    for id in [w.ayse_id, w.boris_id, w.carol_id, w.dave_id, w.erin_id] {
        w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    }
}

#[tokio::test]
async fn sign_in_sets_a_safe_cookie_and_goes_home_by_role() {
    let w = World::new().await;
    with_passwords(&w).await;
    let mut b = Browser::new(&w.server);
    let r = b.sign_in("AYSE@example.com", PW).await;
    assert_eq!((r.status, r.location().as_deref()), (303, Some("/agent")));
    let cookie = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .find(|c| c.starts_with("tessera_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    let console = b.get("/agent").await;
    assert_eq!(console.status, 200);
    assert!(console.headers["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
    // A customer lands on the portal; the console is not for them.
    let mut c = Browser::new(&w.server);
    assert_eq!(c.sign_in("erin@example.org", PW).await.location().as_deref(), Some("/"));
    assert_eq!(c.get("/").await.status, 200);
    assert_eq!(c.get("/agent").await.status, 403);
    assert_eq!(c.get("/admin").await.status, 403);
    // An admin setting her password signs her out everywhere.
    w.admin.patch(&format!("/users/{}", w.erin_id), json!({"password": "another long password"})).await.expect(200);
    assert_eq!(c.get("/").await.status, 303);
    c.sign_in("erin@example.org", "another long password").await;
    // Signing out ends the session.
    let csrf = c.csrf("/").await;
    assert_eq!(c.post("/sign-out", &[("_csrf", &csrf)]).await.status, 303);
    let after = c.get("/").await;
    assert_eq!((after.status, after.location().as_deref()), (303, Some("/sign-in?next=%2F")));
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_then_rate_limited() {
    let w = World::new().await;
    with_passwords(&w).await;
    let mut b = Browser::new(&w.server);
    let r = b.sign_in("erin@example.org", "wrong password!").await;
    assert_eq!(r.status, 401);
    assert!(r.text.contains("The e-mail address or the password is wrong."));
    assert!(r.text.contains("value=\"erin@example.org\""), "the address is kept");
    for _ in 0..10 {
        b.sign_in("erin@example.org", "wrong password!").await;
    }
    // Now even the right password waits: the account is rate-limited.
    let r = b.sign_in("erin@example.org", PW).await;
    assert_eq!(r.status, 429, "{}", r.text);
    assert!(r.text.contains("Too many attempts"));
    // Another account from the same address still works (per-account limit).
    let mut other = Browser::new(&w.server);
    assert_eq!(other.sign_in("dave@acme.example", PW).await.status, 303);
    // The sign-in form refuses a post without its token.
    let mut x = Browser::new(&w.server);
    let r = x.post("/sign-in", &[("email", "dave@acme.example"), ("password", PW)]).await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn expired_sessions_go_to_sign_in_and_come_back() {
    let w = World::new().await;
    with_passwords(&w).await;
    let id = w.open(&w.erin, w.billing, "Where was I").await;
    let number = w.erin.get(&format!("/tickets/{id}")).await.body["number"].as_str().unwrap().to_string();
    let mut b = Browser::new(&w.server);
    let r = b.get(&format!("/tickets/{number}")).await;
    assert_eq!(r.status, 303);
    let to = r.location().unwrap();
    assert_eq!(to, format!("/sign-in?next=%2Ftickets%2F{number}"));
    // The sign-in form carries the way back.
    let form = b.get(&to).await;
    let pre = form.hidden("_pre").unwrap();
    let next = form.hidden("next").unwrap();
    assert_eq!(next, format!("/tickets/{number}"));
    let r =
        b.post("/sign-in", &[("_pre", &pre), ("next", &next), ("email", "erin@example.org"), ("password", PW)]).await;
    assert_eq!(r.location(), Some(format!("/tickets/{number}")));
    // A stolen-looking cookie gets nothing.
    let mut forged = Browser::new(&w.server);
    forged.cookies.insert("tessera_session".into(), "0".repeat(64));
    assert_eq!(forged.get("/").await.status, 303);
    // Redirects never leave the site.
    let mut b2 = Browser::new(&w.server);
    let form = b2.get("/sign-in").await;
    let pre = form.hidden("_pre").unwrap();
    let r = b2
        .post(
            "/sign-in",
            &[("_pre", &pre), ("next", "//evil.example/"), ("email", "erin@example.org"), ("password", PW)],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/"));
}

#[tokio::test]
async fn posts_without_a_valid_csrf_token_change_nothing() {
    let w = World::new().await;
    with_passwords(&w).await;
    let id = w.open(&w.erin, w.billing, "CSRF target").await;
    let number = w.erin.get(&format!("/tickets/{id}")).await.body["number"].as_str().unwrap().to_string();
    let mut b = Browser::new(&w.server);
    b.sign_in("erin@example.org", PW).await;
    let token = b.csrf(&format!("/tickets/{number}")).await;
    let before = w.admin.get(&format!("/tickets/{id}")).await.body;
    for fields in [vec![("body", "forged")], vec![("body", "forged"), ("_csrf", "0123456789abcdef0123456789abcdef")]] {
        let r = b.post(&format!("/tickets/{number}/reply"), &fields).await;
        assert_eq!(r.status, 403, "{}", r.text);
        assert!(r.text.contains("This form has expired"));
    }
    let r = b.post(&format!("/tickets/{number}/action"), &[("do", "close")]).await;
    assert_eq!(r.status, 403);
    // A valid token from another site is refused by the browser's own marker.
    let r = b
        .post_with(
            &format!("/tickets/{number}/reply"),
            &[("body", "x"), ("_csrf", &token)],
            &[("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(w.admin.get(&format!("/tickets/{id}")).await.body, before, "nothing changed");
    // With the token it works.
    let r = b.post(&format!("/tickets/{number}/reply"), &[("body", "legit"), ("_csrf", &token)]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(w.admin.get(&format!("/tickets/{id}")).await.body["messages"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn customers_reach_only_their_tickets_by_url() {
    let w = World::new().await;
    with_passwords(&w).await;
    let daves = w.open(&w.dave, w.billing, "Dave private matter").await;
    let number = w.dave.get(&format!("/tickets/{daves}")).await.body["number"].as_str().unwrap().to_string();
    let mut erin = Browser::new(&w.server);
    erin.sign_in("erin@example.org", PW).await;
    let r = erin.get(&format!("/tickets/{number}")).await;
    assert_eq!(r.status, 404);
    assert!(!r.text.contains("Dave private matter"));
    let csrf = erin.csrf("/").await;
    assert_eq!(erin.post(&format!("/tickets/{number}/reply"), &[("body", "x"), ("_csrf", &csrf)]).await.status, 404);
    assert_eq!(erin.get(&format!("/agent/tickets/{daves}")).await.status, 403);
    // Carol sees her organization's tickets when she asks for them.
    let mut carol = Browser::new(&w.server);
    carol.sign_in("carol@acme.example", PW).await;
    assert_eq!(carol.get(&format!("/tickets/{number}")).await.status, 200);
    assert!(!carol.get("/").await.text.contains("Dave private matter"), "her own list by default");
    assert!(carol.get("/?scope=org").await.text.contains("Dave private matter"));
    // Agents outside the department cannot open it either.
    let mut boris = Browser::new(&w.server);
    boris.sign_in("boris@example.com", PW).await;
    assert_eq!(boris.get(&format!("/agent/tickets/{daves}")).await.status, 404);
}

#[tokio::test]
async fn forms_come_back_with_messages_and_values() {
    let server = TestServer::start_with(|c| c.max_attachment_bytes = 1000).await;
    let admin = server.admin().await;
    let (uid, _) = admin.make_user(&server, "customer", "cem@example.com", "Cem").await;
    admin.patch(&format!("/users/{uid}"), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(&server);
    b.sign_in("cem@example.com", PW).await;
    // Department first.
    let pick = b.get("/tickets/new").await;
    assert!(pick.text.contains("/tickets/new?department=1"));
    let csrf = b.csrf("/tickets/new?department=1").await;
    let r = b
        .post_multipart(
            "/tickets/new",
            &[
                ("_csrf", &csrf),
                ("department_id", "1"),
                ("subject", " "),
                ("body", "Kept message"),
                ("priority", "high"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("Subject is required."), "{}", r.text);
    assert!(r.text.contains("Kept message"));
    assert!(r.text.contains("value=\"high\" selected"));
    // An upload over the limit is refused with a clear message, and no ticket is made.
    let r = b
        .post_multipart(
            "/tickets/new",
            &[("_csrf", &csrf), ("department_id", "1"), ("subject", "Big"), ("body", "x")],
            &[("attachments", "big.log", vec![b'x'; 5000])],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("The file big.log is larger than 1000 B."), "{}", r.text);
    assert_eq!(admin.get("/tickets").await.body["total"], 0);
    // A good form opens the ticket and goes to it.
    let r = b
        .post_multipart(
            "/tickets/new",
            &[
                ("_csrf", &csrf),
                ("department_id", "1"),
                ("subject", "Good"),
                ("body", "<script>alert(1)</script> hello"),
            ],
            &[("attachments", "a.txt", b"abc".to_vec())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = b.get(&r.location().unwrap()).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("a.txt"));
    assert!(!page.text.contains("<script>alert(1)</script>"), "text is escaped");
    assert!(page.text.contains("alert(1)") && page.text.contains("hello"), "the text is shown, escaped");
}

#[tokio::test]
async fn html_messages_are_sanitised_on_the_page() {
    let w = World::new().await;
    with_passwords(&w).await;
    let id = w.open(&w.erin, w.billing, "Rich").await;
    w.ayse
        .post(&format!("/tickets/{id}/replies"), json!({"body": "hi", "html": "<p onclick=\"x()\">Hi <a href=\"javascript:alert(1)\">x</a><script>alert(2)</script><b>bold</b></p>"}))
        .await
        .expect(201);
    let number = w.erin.get(&format!("/tickets/{id}")).await.body["number"].as_str().unwrap().to_string();
    let mut b = Browser::new(&w.server);
    b.sign_in("erin@example.org", PW).await;
    let page = b.get(&format!("/tickets/{number}")).await;
    assert!(page.text.contains("<b>bold</b>"));
    for bad in ["onclick", "javascript:", "alert(2)"] {
        assert!(!page.text.contains(bad), "{bad} reached the page");
    }
}

#[tokio::test]
async fn guest_links_open_one_ticket_only() {
    let w = World::new().await;
    let t = w.ayse
        .post("/tickets", json!({"subject": "Guest ticket", "department_id": w.billing, "body": "From a phone call", "requester": {"email": "guest@example.net"}}))
        .await
        .expect(201);
    let (number, key) =
        (t.body["number"].as_str().unwrap().to_string(), t.body["access_key"].as_str().unwrap().to_string());
    let other = w.ayse
        .post("/tickets", json!({"subject": "Other guest ticket", "department_id": w.billing, "body": "x", "requester": {"email": "guest@example.net"}}))
        .await
        .expect(201);
    let other_number = other.body["number"].as_str().unwrap().to_string();
    let mut g = Browser::new(&w.server);
    assert_eq!(g.get(&format!("/t/{number}?key={}", "0".repeat(32))).await.status, 404);
    assert_eq!(g.get(&format!("/t/{number}")).await.status, 404);
    let r = g.get(&format!("/t/{number}?key={key}")).await;
    assert_eq!((r.status, r.location()), (303, Some(format!("/tickets/{number}"))));
    let page = g.get(&format!("/tickets/{number}")).await;
    assert!(page.text.contains("From a phone call"));
    assert_eq!(g.get(&format!("/tickets/{other_number}")).await.status, 404, "the link opens one ticket");
    assert_eq!(g.get("/account").await.status, 403);
    let csrf = page.hidden("_csrf").unwrap();
    assert_eq!(
        g.post(&format!("/tickets/{number}/reply"), &[("_csrf", &csrf), ("body", "Guest answer")]).await.status,
        303
    );
    let msgs = w.ayse.get(&format!("/tickets/{}", t.id())).await.body["messages"].clone();
    assert_eq!(msgs.as_array().unwrap().last().unwrap()["body"], "Guest answer");
}

#[tokio::test]
async fn agents_work_tickets_from_the_console() {
    let w = World::new().await;
    with_passwords(&w).await;
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(w.open(&w.erin, w.billing, &format!("Bulk {i}")).await);
        }
        v
    };
    let mut a = Browser::new(&w.server);
    a.sign_in("ayse@example.com", PW).await;
    // An old bookmark of the fixed lists opens the default view that replaced it.
    let console = a.get("/agent?list=waiting").await;
    assert!(console.text.contains("data-count=\"all_unsolved\">3<"), "the rail counts");
    let csrf = console.hidden("_csrf").unwrap();
    let ayse = w.ayse_id.to_string();
    let mut fields: Vec<(&str, &str)> =
        vec![("_csrf", &csrf), ("back", "/agent?list=waiting"), ("do", "assign"), ("assignee_id", &ayse)];
    let id_texts: Vec<String> = ids.iter().map(i64::to_string).collect();
    for i in &id_texts {
        fields.push(("ids", i));
    }
    let r = a.post("/agent/bulk", &fields).await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().contains("done=bulk&n=3"));
    for id in &ids {
        assert_eq!(w.admin.get(&format!("/tickets/{id}")).await.body["assignee_id"], w.ayse_id);
    }
    assert!(a.get("/agent?list=mine").await.text.contains("data-count=\"your_unsolved\">3<"));
    // Reply with a status, add a note, change properties with the version.
    let page = a.get(&format!("/agent/tickets/{}", ids[0])).await;
    let csrf = page.hidden("_csrf").unwrap();
    let version = page.hidden("version").unwrap();
    let r = a
        .post(
            &format!("/agent/tickets/{}/message", ids[0]),
            &[("_csrf", &csrf), ("kind", "reply"), ("body", "On it"), ("status", "on_hold")],
        )
        .await;
    assert_eq!(r.status, 303);
    let r = a
        .post(
            &format!("/agent/tickets/{}/message", ids[0]),
            &[("_csrf", &csrf), ("kind", "note"), ("body", "Internal")],
        )
        .await;
    assert_eq!(r.status, 303);
    let t = w.admin.get(&format!("/tickets/{}", ids[0])).await.body;
    assert_eq!(t["status"], "on_hold");
    assert_eq!(t["messages"][2]["kind"], "note");
    // The version seen before the reply is stale: the change is refused and explained.
    let r = a
        .post(
            &format!("/agent/tickets/{}/properties", ids[0]),
            &[
                ("_csrf", &csrf),
                ("version", &version),
                ("status", "on_hold"),
                ("priority", "urgent"),
                ("department_id", &w.billing.to_string()),
                ("tags", "vip"),
            ],
        )
        .await;
    assert_eq!(r.status, 409, "the page again, current");
    assert!(r.text.contains("Someone changed this ticket while you were editing it."));
    assert_eq!(w.admin.get(&format!("/tickets/{}", ids[0])).await.body["priority"], "normal");
    let fresh = a.get(&format!("/agent/tickets/{}", ids[0])).await;
    let version = fresh.hidden("version").unwrap();
    let r = a
        .post(
            &format!("/agent/tickets/{}/properties", ids[0]),
            &[
                ("_csrf", &csrf),
                ("version", &version),
                ("status", "on_hold"),
                ("priority", "urgent"),
                ("department_id", &w.billing.to_string()),
                ("assignee_id", &ayse),
                ("tags", "vip, refund"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let t = w.admin.get(&format!("/tickets/{}", ids[0])).await.body;
    assert_eq!((t["priority"].clone(), t["tags"].clone()), (json!("urgent"), json!(["refund", "vip"])));
    // The timeline shows the changes.
    let page = a.get(&format!("/agent/tickets/{}", ids[0])).await;
    assert!(page.text.contains("changed the priority"));
}

#[tokio::test]
async fn languages_follow_the_user_then_the_browser() {
    let w = World::new().await;
    with_passwords(&w).await;
    let mut v = Browser::new(&w.server);
    let r = v.get_with("/sign-in", &[("accept-language", "tr-TR,tr;q=0.9,en;q=0.5")]).await;
    assert!(r.text.contains("<html lang=\"tr\">"));
    let r = v.get_with("/sign-in", &[("accept-language", "de, fr")]).await;
    assert!(r.text.contains("<html lang=\"en\">"));
    // Switching as a visitor sets a cookie.
    let r = v.post("/language", &[("lang", "ru"), ("back", "/sign-in")]).await;
    assert_eq!(r.status, 303);
    assert!(v.get("/sign-in").await.text.contains("<html lang=\"ru\">"));
    // Signed in, the switch is saved in the account.
    let mut b = Browser::new(&w.server);
    b.sign_in("erin@example.org", PW).await;
    let csrf = b.csrf("/").await;
    b.post("/language", &[("_csrf", &csrf), ("lang", "zh"), ("back", "/")]).await;
    assert_eq!(w.erin.get("/me").await.body["locale"], "zh");
    assert!(b.get("/").await.text.contains("<html lang=\"zh\">"));
}
