//! Attacks found from outside (issue 14), each kept as a test: redirects
//! after sign-in, agents giving themselves reach, guest keys, sessions
//! after a password change, sign-in limits behind a proxy, live streams
//! after a revocation.

use crate::support::*;
use serde_json::json;

const PW: &str = "a long test password";

/// A browser that has fetched the sign-in form: its pre-session token.
async fn sign_in_form(b: &mut Browser) -> String {
    b.get("/sign-in").await.hidden("_pre").expect("the sign-in form has a pre-session token")
}

#[tokio::test]
async fn sign_in_never_redirects_off_site_and_never_fails_on_odd_next() {
    let w = World::new().await;
    w.admin.patch(&format!("/users/{}", w.erin_id), json!({"password": PW})).await.expect(200);
    // Each of these, resolved by a browser against the site, leaves it, or is
    // not a path at all.
    let hostile = [
        "//evil.example/x",
        "/\\evil.example/x",
        "/\\/evil.example/x",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/ /evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/\u{0}x",
        "/\u{7f}x",
        "/x\r\nSet-Cookie: a=b",
    ];
    for next in hostile {
        // Through the form.
        let mut b = Browser::new(&w.server);
        let pre = sign_in_form(&mut b).await;
        let r = b
            .post("/sign-in", &[("_pre", &pre), ("next", next), ("email", "erin@example.org"), ("password", PW)])
            .await;
        assert_eq!((r.status, r.location().as_deref()), (303, Some("/")), "{next:?}");
        // Through the sign-in page of someone already signed in (and its query string).
        let r = b.get(&format!("/sign-in?next={}", enc(next))).await;
        assert_eq!((r.status, r.location().as_deref()), (303, Some("/")), "{next:?}");
        // And the page a visitor sees carries no hostile way back.
        let mut v = Browser::new(&w.server);
        let page = v.get(&format!("/sign-in?next={}", enc(next))).await;
        assert_eq!(page.status, 200, "{next:?}");
        assert_eq!(page.hidden("next").as_deref(), Some("/"), "{next:?}");
    }
    // The raw forms of the report, percent-encoded in the URL as an attacker sends them.
    for raw in ["/\\evil.example/x", "/%09/evil.example", "%2F%0A", "%2F%0D%0A", "%2F%00", "%2F%7F"] {
        let mut v = Browser::new(&w.server);
        let page = v.get(&format!("/sign-in?next={raw}")).await;
        assert_eq!(page.status, 200, "{raw}: {}", page.text);
        let mut b = Browser::new(&w.server);
        b.sign_in("erin@example.org", PW).await;
        let r = b.get(&format!("/sign-in?next={raw}")).await;
        assert_eq!((r.status, r.location().as_deref()), (303, Some("/")), "{raw}");
    }
    // A path of the site is kept, query string and all, non-ASCII percent-encoded.
    let mut b = Browser::new(&w.server);
    let pre = sign_in_form(&mut b).await;
    let r = b
        .post(
            "/sign-in",
            &[("_pre", &pre), ("next", "/tickets?q=Çay&page=2"), ("email", "erin@example.org"), ("password", PW)],
        )
        .await;
    assert_eq!(r.location().as_deref(), Some("/tickets?q=%C3%87ay&page=2"));
    // The language switch's way back follows the same rule.
    let mut v = Browser::new(&w.server);
    v.get("/sign-in").await;
    let r = v.post("/language", &[("lang", "tr"), ("back", "/\\evil.example")]).await;
    assert_eq!((r.status, r.location().as_deref()), (303, Some("/")));
}

#[tokio::test]
async fn an_agent_cannot_give_itself_reach_through_a_customer_it_controls() {
    let w = World::with(all_compat).await;
    let tech_ticket = w.open(&w.carol, w.tech, "Tech only").await;
    let users_before = w.admin.get("/users?limit=200").await.body["users"].as_array().unwrap().len();
    // Ayşe (billing) makes herself a customer of Acme who sees all, with a
    // password she knows: each of the three is refused, and nothing is made.
    for (body, field) in [
        (json!({"email": "mole@example.com", "name": "Mole", "password": PW}), "password"),
        (json!({"email": "mole@example.com", "name": "Mole", "organization_id": w.acme}), "organization_id"),
        (json!({"email": "mole@example.com", "name": "Mole", "sees_all": true}), "sees_all"),
    ] {
        let r = w.ayse.post("/users", body).await.expect(403);
        assert_eq!(r.field(), field);
    }
    assert_eq!(w.admin.get("/users?limit=200").await.body["users"].as_array().unwrap().len(), users_before);
    // Nor can she turn an existing customer into one: not their password,
    // organization, reach or address (an address she owns would let her
    // take the account over by e-mail).
    for (body, field) in [
        (json!({"password": PW}), "password"),
        (json!({"organization_id": w.acme}), "organization_id"),
        (json!({"sees_all": true}), "sees_all"),
        (json!({"email": "ayse+erin@example.com"}), "email"),
    ] {
        let r = w.ayse.patch(&format!("/users/{}", w.erin_id), body).await.expect(403);
        assert_eq!(r.field(), field);
    }
    let erin = w.admin.get(&format!("/users/{}", w.erin_id)).await.body;
    assert_eq!((erin["organization_id"].clone(), erin["sees_all"].clone()), (json!(null), json!(false)));
    assert_eq!(erin["email"], "erin@example.org");
    // So the BILLmanager sign-in of the report finds no such customer.
    let mut b = Browser::new(&w.server);
    let r = b
        .get(&format!(
            "/compat/billmanager/billmgr?func=auth&out=json&username=mole%40example.com&password={}",
            enc(PW)
        ))
        .await;
    let answer: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert!(answer["doc"]["error"].is_object(), "{answer}");
    // What an agent may still do: make a customer without a password and
    // change their name, for a phone call.
    let id = w.ayse.post("/users", json!({"email": "caller@example.com", "name": "Caller"})).await.expect(201).id();
    w.ayse.patch(&format!("/users/{id}"), json!({"name": "Caller Name", "locale": "tr"})).await.expect(200);
    // The admin decides reach.
    w.admin
        .patch(&format!("/users/{id}"), json!({"organization_id": w.acme, "sees_all": true, "password": PW}))
        .await
        .expect(200);
    // Tickets of the tech department stay out of Ayşe's reach.
    w.ayse.get(&format!("/tickets/{tech_ticket}")).await.expect(404);
}

#[tokio::test]
async fn an_agent_opens_tickets_only_in_their_own_departments_through_every_door() {
    let w = World::with(all_compat).await;
    let rows = w.ticket_rows().await;
    // The native API.
    let r = w
        .ayse
        .post(
            "/tickets",
            json!({"subject": "Elsewhere", "department_id": w.tech, "body": "b", "requester_id": w.erin_id}),
        )
        .await
        .expect(403);
    assert_eq!(r.field(), "department_id");
    // The web form (the same rule: the tech department is not offered, and a forged post is refused).
    let mut b = Browser::new(&w.server);
    w.admin.patch(&format!("/users/{}", w.ayse_id), json!({"password": PW})).await.expect(200);
    b.sign_in("ayse@example.com", PW).await;
    let form = b.get("/agent/tickets/new").await;
    assert_eq!(form.status, 200);
    assert!(!form.text.contains(">Tech<"), "the tech department is offered");
    let csrf = form.hidden("_csrf").unwrap();
    let tech = w.tech.to_string();
    let r = b
        .post(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("department_id", &tech),
                ("subject", "Elsewhere"),
                ("body", "b"),
                ("requester_email", "erin@example.org"),
            ],
        )
        .await;
    assert_ne!(r.status, 303, "{}", r.text);
    assert_eq!(w.ticket_rows().await, rows);
    // In her own department she may; so may the admin anywhere.
    w.ayse
        .post(
            "/tickets",
            json!({"subject": "Mine", "department_id": w.billing, "body": "b", "requester_id": w.erin_id}),
        )
        .await
        .expect(201);
    w.admin
        .post("/tickets", json!({"subject": "Any", "department_id": w.tech, "body": "b", "requester_id": w.erin_id}))
        .await
        .expect(201);
}

#[tokio::test]
async fn only_the_requester_reads_a_tickets_access_key_and_guest_actions_say_so() {
    let w = World::new().await;
    let id = w.open(&w.dave, w.billing, "Dave's invoice").await;
    // Dave reads his own key; Carol (his organization, sees all) and Ayşe
    // (the department's agent) read the ticket without it, in every read.
    let key = w.dave.get(&format!("/tickets/{id}")).await.expect(200).body["access_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 32);
    for who in [&w.carol, &w.ayse] {
        let t = who.get(&format!("/tickets/{id}")).await.expect(200).body;
        assert!(t.get("access_key").is_none(), "{t}");
        let list = who.get("/tickets").await.expect(200).body;
        assert!(list.to_string().find(&key).is_none(), "the key is in a list");
        let r = who.post(&format!("/tickets/{id}/replies"), json!({"body": "hello"})).await.expect(201).body;
        assert!(r.to_string().find(&key).is_none(), "the key is in a reply's answer");
    }
    // The console's ticket page shows no key until Ayşe asks for the link.
    w.admin.patch(&format!("/users/{}", w.ayse_id), json!({"password": PW})).await.expect(200);
    let mut console = Browser::new(&w.server);
    console.sign_in("ayse@example.com", PW).await;
    let page = console.get(&format!("/agent/tickets/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.text.contains(&key), "the console page shows the key unasked");
    let csrf = page.hidden("_csrf").unwrap();
    let shown = console.post(&format!("/agent/tickets/{id}/guest-link"), &[("_csrf", &csrf)]).await;
    assert_eq!(shown.status, 200, "{}", shown.text);
    assert!(shown.text.contains(&format!("?key={key}")), "the asked-for link is not shown");
    // Carol (who sees the ticket) may not ask for the link either (403),
    // Boris (who does not) is told it does not exist; Ayşe may, as an
    // action of its own.
    w.carol.post_empty(&format!("/tickets/{id}/guest-link")).await.expect(403);
    w.boris.post_empty(&format!("/tickets/{id}/guest-link")).await.expect(404);
    let link = w.ayse.post_empty(&format!("/tickets/{id}/guest-link")).await.expect(200).body;
    let path = link["path"].as_str().unwrap().to_string();
    assert!(path.ends_with(&format!("?key={key}")), "{link}");
    // Whoever holds the link acts on that ticket, and the record says it
    // was the link, not the requester's own sign-in.
    let mut b = Browser::new(&w.server);
    let r = b.get(&path).await;
    assert_eq!(r.status, 303);
    let ticket_page = r.location().unwrap();
    let csrf = b.csrf(&ticket_page).await;
    let r = b.post(&format!("{ticket_page}/reply"), &[("_csrf", &csrf), ("body", "via the link")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let events = w.admin.get(&format!("/tickets/{id}/events")).await.body["events"].as_array().unwrap().clone();
    let reply = events.iter().rev().find(|e| e["kind"] == "ticket.replied").unwrap();
    assert_eq!(reply["actor_id"], w.dave_id);
    assert_eq!(reply["data"]["via"], "access_key", "{reply}");
    // Dave's own replies carry no such mark.
    w.dave.post(&format!("/tickets/{id}/replies"), json!({"body": "me"})).await.expect(201);
    let events = w.admin.get(&format!("/tickets/{id}/events")).await.body["events"].as_array().unwrap().clone();
    let last = events.iter().rev().find(|e| e["kind"] == "ticket.replied").unwrap();
    assert!(last["data"].get("via").is_none(), "{last}");
}

/// A BILLmanager session id for `email` (its `func=auth`).
async fn billmanager_session(w: &World, email: &str, password: &str) -> String {
    let mut b = Browser::new(&w.server);
    let r = b
        .get(&format!(
            "/compat/billmanager/billmgr?func=auth&out=json&username={}&password={}",
            enc(email),
            enc(password)
        ))
        .await;
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    v["doc"]["auth"]["$"].as_str().unwrap_or_else(|| panic!("no session: {v}")).to_string()
}

/// Whether a BILLmanager session id still works.
async fn billmanager_session_works(w: &World, sid: &str) -> bool {
    let mut b = Browser::new(&w.server);
    let r = b.get(&format!("/compat/billmanager/billmgr?func=clientticket&out=json&auth={sid}")).await;
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    v["doc"]["error"].is_null()
}

#[tokio::test]
async fn a_password_change_through_any_door_ends_every_other_session() {
    let w = World::with(all_compat).await;
    w.admin.patch(&format!("/users/{}", w.erin_id), json!({"password": PW})).await.expect(200);
    let start = || async {
        let mut web = Browser::new(&w.server);
        assert_eq!(web.sign_in("erin@example.org", PW).await.status, 303);
        assert_eq!(web.get("/").await.status, 200);
        (web, billmanager_session(&w, "erin@example.org", PW).await)
    };

    // Erin changes her password through the API with her token: her web and
    // BILLmanager sessions end; the token, a credential of its own, stays.
    let (mut web, sid) = start().await;
    assert!(billmanager_session_works(&w, &sid).await);
    w.erin.patch(&format!("/users/{}", w.erin_id), json!({"password": "the second password"})).await.expect(200);
    assert_eq!(web.get("/").await.status, 303, "the web session outlived the password");
    assert!(!billmanager_session_works(&w, &sid).await, "the BILLmanager session outlived the password");
    w.erin.get("/me").await.expect(200);
    w.admin.patch(&format!("/users/{}", w.erin_id), json!({"password": PW})).await.expect(200);

    // The operator's reset (`tessera user set-password`).
    let (mut web, sid) = start().await;
    w.server
        .state
        .desk
        .set_password_unchecked(tessera_core::ids::UserId(w.erin_id), "the third password")
        .await
        .unwrap();
    assert_eq!(web.get("/").await.status, 303, "the web session outlived the operator's reset");
    assert!(!billmanager_session_works(&w, &sid).await, "the BILLmanager session outlived the operator's reset");
    w.admin.patch(&format!("/users/{}", w.erin_id), json!({"password": PW})).await.expect(200);

    // The web account form: the browser she changed it in stays signed in, the others end.
    let (mut other, sid) = start().await;
    let mut here = Browser::new(&w.server);
    here.sign_in("erin@example.org", PW).await;
    let csrf = here.csrf("/account").await;
    let r = here
        .post(
            "/account",
            &[
                ("_csrf", &csrf),
                ("form", "password"),
                ("current_password", PW),
                ("new_password", "the fourth password"),
                ("confirm_password", "the fourth password"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(here.get("/").await.status, 200);
    assert_eq!(other.get("/").await.status, 303);
    assert!(!billmanager_session_works(&w, &sid).await);
}

/// A BILLmanager call with `authinfo` as a client at `from`, through a
/// proxy on loopback that forwards the client's address; answers the
/// status and the document.
async fn billmanager_from(w: &World, from: &str, email: &str, password: &str) -> (u16, serde_json::Value) {
    let mut b = Browser::new(&w.server);
    let r = b
        .get_with(
            &format!(
                "/compat/billmanager/billmgr?func=clientticket&out=json&authinfo={}",
                enc(&format!("{email}:{password}"))
            ),
            &[("x-forwarded-for", from)],
        )
        .await;
    (r.status, serde_json::from_str(&r.text).unwrap_or_default())
}

fn refused_as_too_many(doc: &serde_json::Value) -> bool {
    doc["doc"]["error"]["msg"]["$"].as_str().is_some_and(|m| m.contains("Too many"))
}

fn signed_in(doc: &serde_json::Value) -> bool {
    doc["doc"]["error"].is_null() && doc["doc"].is_object()
}

/// Signs in through the web form as a client at `from`; answers the status.
async fn web_sign_in_from(w: &World, from: &str, email: &str, password: &str) -> Page {
    let mut b = Browser::new(&w.server);
    let xff = [("x-forwarded-for", from)];
    let pre = b.get_with("/sign-in", &xff).await.hidden("_pre").unwrap();
    b.post_with("/sign-in", &[("_pre", &pre), ("next", "/"), ("email", email), ("password", password)], &xff).await
}

#[tokio::test]
async fn sign_in_limits_count_failures_only_and_let_real_users_in_during_an_attack() {
    let w = World::with(|c| {
        all_compat(c);
        c.trusted_proxies.0.push("127.0.0.1".parse().unwrap());
    })
    .await;
    for id in [w.erin_id, w.dave_id, w.carol_id] {
        w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    }
    // A billing panel sending correct credentials on every call, far more
    // often than any limit, is never refused; nor are the people behind it.
    for _ in 0..40 {
        let (_, doc) = billmanager_from(&w, "192.0.2.10", "carol@acme.example", PW).await;
        assert!(signed_in(&doc), "{doc}");
    }
    for _ in 0..35 {
        assert_eq!(web_sign_in_from(&w, "192.0.2.10", "dave@acme.example", PW).await.status, 303);
    }
    // Made-up accounts tried from one address lock nobody else out there.
    for n in 0..35 {
        let (_, doc) = billmanager_from(&w, "192.0.2.10", &format!("nobody{n}@example.com"), "guess guess").await;
        assert!(!signed_in(&doc));
    }
    assert_eq!(web_sign_in_from(&w, "192.0.2.10", "erin@example.org", PW).await.status, 303);

    // Erin usually signs in from 203.0.113.10.
    assert_eq!(web_sign_in_from(&w, "203.0.113.10", "erin@example.org", PW).await.status, 303);
    // Someone guesses her password from 198.51.100.66: five tries, then waits.
    for _ in 0..5 {
        let (_, doc) = billmanager_from(&w, "198.51.100.66", "erin@example.org", "guess guess").await;
        assert!(!signed_in(&doc) && !refused_as_too_many(&doc), "{doc}");
    }
    let (_, doc) = billmanager_from(&w, "198.51.100.66", "erin@example.org", "guess guess").await;
    assert!(refused_as_too_many(&doc), "{doc}");
    // Even the right password waits there, and the web says when to come back.
    let r = web_sign_in_from(&w, "198.51.100.66", "erin@example.org", PW).await;
    assert_eq!(r.status, 429);
    assert!(r.headers.get("retry-after").is_some());
    // Then from many addresses, one guess each: the account as a whole is under attack.
    for n in 1..=60 {
        let (_, doc) = billmanager_from(&w, &format!("198.51.100.{n}"), "erin@example.org", "guess guess").await;
        assert!(!signed_in(&doc));
    }
    // Erin still gets in from where she always does, on the web and through the panel.
    assert_eq!(web_sign_in_from(&w, "203.0.113.10", "erin@example.org", PW).await.status, 303);
    assert!(signed_in(&billmanager_from(&w, "203.0.113.10", "erin@example.org", PW).await.1));
    // A new address waits until the attack's window closes (documented).
    let (_, doc) = billmanager_from(&w, "203.0.113.99", "erin@example.org", PW).await;
    assert!(refused_as_too_many(&doc), "{doc}");
    // Other accounts are untouched.
    assert!(signed_in(&billmanager_from(&w, "203.0.113.99", "dave@acme.example", PW).await.1));
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    // No trusted proxy: a client cannot escape the limit by naming new addresses.
    let w = World::with(all_compat).await;
    w.admin.patch(&format!("/users/{}", w.erin_id), json!({"password": PW})).await.expect(200);
    for n in 0..5 {
        let (_, doc) = billmanager_from(&w, &format!("198.51.100.{n}"), "erin@example.org", "guess guess").await;
        assert!(!refused_as_too_many(&doc), "{doc}");
    }
    let (_, doc) = billmanager_from(&w, "198.51.100.200", "erin@example.org", "guess guess").await;
    assert!(refused_as_too_many(&doc), "X-Forwarded-For was believed from an untrusted peer: {doc}");
}

/// Reads a server-sent event stream until the server ends it; answers the
/// event ids seen, or panics when it is still open after `secs` seconds.
async fn read_until_closed(mut r: reqwest::Response, secs: u64) -> Vec<String> {
    let mut text = String::new();
    let read = async {
        loop {
            match r.chunk().await {
                Ok(Some(chunk)) => text.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(None) => break,
                Err(e) => panic!("the stream failed instead of ending: {e}"),
            }
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(secs), read)
        .await
        .unwrap_or_else(|_| panic!("the stream is still open after {secs} s"));
    text.lines().filter_map(|l| l.strip_prefix("id:")).map(|s| s.trim().to_string()).collect()
}

#[tokio::test]
async fn live_streams_end_when_their_credential_no_longer_holds() {
    let w = World::new().await;
    let mine = w.open(&w.erin, w.billing, "Watched").await;
    // A token revoked while its stream is open: the stream ends, and tells nothing after.
    let token = w.admin.post("/tokens", json!({"user_id": w.erin_id, "name": "watcher"})).await.expect(201).body;
    let watcher = w.server.with_token(token["token"].as_str().unwrap());
    let r = watcher.request(reqwest::Method::GET, "/events/stream").send().await.unwrap();
    assert_eq!(r.status(), 200);
    w.admin.delete(&format!("/tokens/{}", token["id"])).await.expect(204);
    w.ayse.post(&format!("/tickets/{mine}/replies"), json!({"body": "after the revocation"})).await.expect(201);
    let seen = read_until_closed(r, 20).await;
    assert!(seen.is_empty(), "events after the revocation: {seen:?}");

    // A disabled user's stream ends too.
    let r = w.dave.request(reqwest::Method::GET, "/events/stream").send().await.unwrap();
    w.admin.patch(&format!("/users/{}", w.dave_id), json!({"disabled": true})).await.expect(200);
    read_until_closed(r, 20).await;

    // The console's live feed ends with the session: signed out elsewhere,
    // or by a password change.
    w.admin.patch(&format!("/users/{}", w.ayse_id), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(&w.server);
    b.sign_in("ayse@example.com", PW).await;
    let cookie = b.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let live = client.get(format!("{}/agent/live", w.server.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(live.status(), 200);
    let csrf = b.csrf("/agent").await;
    assert_eq!(b.post("/sign-out", &[("_csrf", &csrf)]).await.status, 303);
    read_until_closed(live, 20).await;
}
