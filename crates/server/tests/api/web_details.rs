//! Smaller things of the web pages (issue 18, item 15): what a person sees
//! after a form, by the field it is about.

use crate::support::*;
use serde_json::json;

const PW: &str = "a long test password";

/// A browser signed in as `email` (whose id is `id`).
async fn signed_in(w: &World, id: i64, email: &str) -> Browser {
    w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(&w.server);
    assert_eq!(b.sign_in(email, PW).await.status, 303);
    b
}

/// The text of the field error of the page's `id`, if any.
fn field_error(text: &str, id: &str) -> Option<String> {
    let at = text.find(&format!("id=\"{id}\""))?;
    let rest = &text[at..];
    let body = &rest[rest.find('>')? + 1..];
    Some(body[..body.find("</p>")?].to_string())
}

#[tokio::test]
async fn an_unknown_time_zone_is_refused_by_its_field_and_not_saved() {
    let w = World::new().await;
    let mut b = signed_in(&w, w.erin_id, "erin@example.org").await;
    let csrf = b.csrf("/account").await;
    let r = b
        .post("/account", &[("_csrf", &csrf), ("name", "Erin"), ("locale", "en"), ("time_zone", "Mars/Olympus_Mons")])
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(!r.text.contains("saved=1"));
    let error = field_error(&r.text, "tz-error").expect("an error by the time zone field");
    assert!(error.contains("Europe/Istanbul"), "{error}");
    // The field keeps what was typed, to be corrected.
    assert!(r.text.contains("value=\"Mars/Olympus_Mons\""));
    assert_eq!(w.erin.get("/me").await.expect(200).body["time_zone"], "UTC");
    // A real zone is saved.
    let r = b
        .post("/account", &[("_csrf", &csrf), ("name", "Erin"), ("locale", "en"), ("time_zone", "Europe/Istanbul")])
        .await;
    assert_eq!((r.status, r.location()), (303, Some("/account?saved=1".to_string())));
    assert_eq!(w.erin.get("/me").await.expect(200).body["time_zone"], "Europe/Istanbul");
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const SVG: &[u8] = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>"#;

#[tokio::test]
async fn message_links_are_clickable_and_safe_and_images_are_previewed() {
    let w = World::new().await;
    let up = w.erin.upload(&[("screen.png", PNG), ("logo.svg", SVG), ("notes.txt", b"7 bytes")]).await.expect(201);
    let ids: Vec<i64> = up.body["attachments"].as_array().unwrap().iter().map(|f| f["id"].as_i64().unwrap()).collect();
    let body = "Status page: https://status.example.com/incident?id=7&x=1. \
                Mail mailto:help@example.com or javascript:alert(1) <script>alert(2)</script>";
    let t = w
        .erin
        .post("/tickets", json!({"subject": "Links", "department_id": w.billing, "body": body, "attachment_ids": ids}))
        .await
        .expect(201);
    let number = t.body["number"].as_str().unwrap().to_string();
    let mut agent = signed_in(&w, w.ayse_id, "ayse@example.com").await;
    let mut customer = signed_in(&w, w.erin_id, "erin@example.org").await;
    let agent_page = agent.get(&format!("/agent/tickets/{}", t.id())).await;
    let customer_page = customer.get(&format!("/tickets/{number}")).await;
    for page in [&agent_page, &customer_page] {
        assert_eq!(page.status, 200);
        let text = &page.text;
        assert!(
            text.contains(
                r#"<a href="https://status.example.com/incident?id=7&amp;x=1" rel="noopener noreferrer nofollow">https://status.example.com/incident?id=7&amp;x=1</a>."#
            ),
            "{text}"
        );
        assert!(text.contains(r#"<a href="mailto:help@example.com" rel="noopener noreferrer nofollow">"#));
        assert!(!text.contains(r#"href="javascript:"#) && !text.contains("<script>alert(2)"));
        assert!(text.contains("&lt;script&gt;alert(2)&lt;/script&gt;"));
        // The PNG has a thumbnail of its own file; the SVG and the text do not.
        assert_eq!(text.matches("<img class=\"thumb\"").count(), 1, "{text}");
        assert!(text.contains(&format!(r#"<img class="thumb" src="/files/{}" alt="screen.png""#, ids[0])));
        // A 7-byte file says so.
        assert!(text.contains(r#"notes.txt</a> <span class="muted">7 B</span>"#), "{text}");
    }
}

#[tokio::test]
async fn merge_asks_first_like_delete() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Merge me").await;
    let mut agent = signed_in(&w, w.ayse_id, "ayse@example.com").await;
    let page = agent.get(&format!("/agent/tickets/{id}")).await;
    let button = |value: &str| {
        let at = page.text.find(&format!(r#"name="do" value="{value}""#)).unwrap_or_else(|| panic!("{value}"));
        page.text[at..at + page.text[at..].find('>').unwrap()].to_string()
    };
    assert!(button("delete").contains("data-confirm=\"Delete this ticket?"), "{}", button("delete"));
    assert!(button("merge").contains("data-confirm=\"Merge these tickets into this one?"), "{}", button("merge"));
}

#[tokio::test]
async fn a_new_user_is_in_the_list_after_creating_them() {
    let w = World::new().await;
    // More users than a page holds: the new one would be on the last page.
    for n in 0..55 {
        w.admin
            .post("/users", json!({"email": format!("filler{n:02}@example.net"), "name": format!("Filler {n:02}")}))
            .await
            .expect(201);
    }
    let me = w.admin.get("/me").await.expect(200).body;
    let mut admin = signed_in(&w, me["id"].as_i64().unwrap(), me["email"].as_str().unwrap()).await;
    let csrf = admin.csrf("/admin/users").await;
    let r = admin
        .post(
            "/admin/users",
            &[
                ("_csrf", &csrf),
                ("email", "zeynep+new@example.com"),
                ("name", "Zeynep Newcomer"),
                ("role", "customer"),
                ("locale", "tr"),
            ],
        )
        .await;
    assert_eq!(r.status, 303);
    let list = admin.get(&r.location().unwrap()).await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("The user was created."), "{}", list.text);
    assert!(list.text.contains("<td>zeynep+new@example.com</td>"), "{}", list.text);
    assert!(list.text.contains(">Zeynep Newcomer</a>"));
}
