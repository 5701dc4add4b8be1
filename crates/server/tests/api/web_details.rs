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
