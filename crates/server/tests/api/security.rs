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
    // Carol may not ask for the link either; Ayşe may, as an action of its own.
    w.carol.post_empty(&format!("/tickets/{id}/guest-link")).await.expect(404);
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
