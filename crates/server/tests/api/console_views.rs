//! The agent console's views: the rail, `?view=`, and the views screen.

use crate::support::{Browser, World};
use serde_json::json;

const PW: &str = "a long test password";

async fn agent(w: &World) -> Browser {
    w.admin.patch(&format!("/users/{}", w.ayse_id), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(&w.server);
    b.sign_in("ayse@example.com", PW).await;
    b
}

/// The number a rail entry shows, by its `data-count` key.
fn rail_count(html: &str, key: &str) -> Option<u64> {
    let at = html.find(&format!("data-count=\"{key}\">"))?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = rest.find('<')?;
    rest[start..end].trim().parse().ok()
}

#[tokio::test]
async fn the_rail_shows_every_active_view_with_its_exact_count() {
    let w = World::new().await;
    for i in 0..3 {
        w.open(&w.erin, w.billing, &format!("Billing {i}")).await;
    }
    w.open(&w.erin, w.tech, "Tech only").await;
    let mut a = agent(&w).await;
    let page = a.get("/agent").await;
    assert_eq!(page.status, 200);
    // Ayşe is in Billing only: the Tech ticket is in no count of hers.
    assert_eq!(rail_count(&page.text, "all_unsolved"), Some(3));
    assert_eq!(rail_count(&page.text, "unassigned"), Some(3));
    assert_eq!(rail_count(&page.text, "your_unsolved"), Some(0));
    assert!(!page.text.contains("Tech only"));
    // The counts the live screen polls say the same, under the same keys.
    let counts: serde_json::Value = serde_json::from_str(&a.get("/agent/counts").await.text).unwrap();
    assert_eq!(counts["all_unsolved"], 3);
    assert_eq!(counts["your_unsolved"], 0);
    // Each count equals what the view lists.
    let views = w.ayse.get("/views").await.body["views"].clone();
    for v in views.as_array().unwrap() {
        let key = v["default_key"].as_str().unwrap();
        let id = v["id"].as_i64().unwrap();
        let listed = w.ayse.get(&format!("/views/{id}/tickets")).await.body["tickets"].as_array().unwrap().len();
        assert_eq!(rail_count(&page.text, key), Some(listed as u64), "{key}");
    }
}

#[tokio::test]
async fn an_agent_makes_a_personal_view_and_it_joins_the_rail() {
    let w = World::new().await;
    let urgent = w.open(&w.erin, w.billing, "Card charged twice").await;
    w.admin.patch(&format!("/tickets/{urgent}"), json!({"priority": "urgent"})).await.expect(200);
    w.open(&w.erin, w.billing, "Question about VAT").await;
    let mut a = agent(&w).await;
    let csrf = a.csrf("/agent/views/new").await;
    let r = a
        .post(
            "/agent/views/new",
            &[
                ("_csrf", &csrf),
                ("do", "save"),
                ("title", "Urgent billing"),
                ("active", "1"),
                ("c0_group", "all"),
                ("c0_field", "priority"),
                ("c0_op", "is"),
                ("c0_value", "urgent"),
                ("c1_group", "all"),
                ("c1_field", "department_id"),
                ("c1_op", "is"),
                ("c1_value", &w.billing.to_string()),
                ("columns", "number"),
                ("columns", "subject"),
                ("columns", "priority"),
                ("sort_by", "updated"),
                ("order", "desc"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let views = w.ayse.get("/views").await.body["views"].clone();
    let mine = views.as_array().unwrap().iter().find(|v| v["title"] == "Urgent billing").unwrap().clone();
    let id = mine["id"].as_i64().unwrap();
    let console = a.get(&format!("/agent?view={id}")).await;
    assert_eq!(rail_count(&console.text, &format!("v{id}")), Some(1));
    assert!(console.text.contains("Card charged twice"));
    assert!(!console.text.contains("Question about VAT"));
    // Only the view's columns are drawn.
    assert!(console.text.contains("col-priority"));
    assert!(!console.text.contains("class=\"col-assignee\""));

    // Boris, another agent, cannot open or change it.
    w.admin.patch(&format!("/users/{}", w.boris_id), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(&w.server);
    b.sign_in("boris@example.com", PW).await;
    assert_eq!(b.get(&format!("/agent?view={id}")).await.status, 404);
    assert_eq!(b.get(&format!("/agent/views/{id}")).await.status, 404);
    assert!(!b.get("/agent").await.text.contains("Urgent billing"));

    // Hidden from the console, it leaves the rail but stays on the views screen.
    let csrf = a.csrf("/agent/views").await;
    assert_eq!(a.post(&format!("/agent/views/{id}/active"), &[("_csrf", &csrf), ("active", "0")]).await.status, 303);
    assert!(!a.get("/agent").await.text.contains(&format!("data-count=\"v{id}\"")));
    assert!(a.get("/agent/views").await.text.contains("Urgent billing"));
    // Removed, it is gone.
    assert_eq!(a.post(&format!("/agent/views/{id}/delete"), &[("_csrf", &csrf)]).await.status, 303);
    assert_eq!(w.ayse.get(&format!("/views/{id}")).await.status, 404);
}

#[tokio::test]
async fn a_wrong_condition_comes_back_on_its_row_with_everything_typed() {
    let w = World::new().await;
    let mut a = agent(&w).await;
    let before = w.ayse.get("/views").await.body["views"].as_array().unwrap().len();
    let csrf = a.csrf("/agent/views/new").await;
    let r = a
        .post(
            "/agent/views/new",
            &[
                ("_csrf", &csrf),
                ("do", "save"),
                ("title", "Old ones"),
                ("c0_group", "all"),
                ("c0_field", "created_at"),
                ("c0_op", "within_last"),
                ("c0_value", "soon"),
                ("columns", "number"),
                ("sort_by", "queue"),
                ("order", "desc"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("Condition 1: give a whole number of hours"), "{}", r.text);
    assert!(r.text.contains("value=\"Old ones\""), "the title is kept");
    assert!(r.text.contains("value=\"soon\""), "the value is kept");
    assert_eq!(w.ayse.get("/views").await.body["views"].as_array().unwrap().len(), before, "nothing was saved");
}

#[tokio::test]
async fn shared_views_are_read_only_for_agents_and_old_list_links_still_work() {
    let w = World::new().await;
    let mut a = agent(&w).await;
    let views = w.ayse.get("/views").await.body["views"].clone();
    let shared =
        views.as_array().unwrap().iter().find(|v| v["default_key"] == "unassigned").unwrap()["id"].as_i64().unwrap();
    assert_eq!(a.get(&format!("/agent/views/{shared}")).await.status, 403);
    let csrf = a.csrf("/agent/views").await;
    assert_eq!(a.post(&format!("/agent/views/{shared}/delete"), &[("_csrf", &csrf)]).await.status, 403);
    assert_eq!(w.ayse.get(&format!("/views/{shared}")).await.status, 200, "still there");
    // A bookmark of the old fixed lists opens the view that replaced it.
    let page = a.get("/agent?list=unassigned").await;
    assert!(page.text.contains(&format!("href=\"/agent?view={shared}\" aria-current=\"page\"")), "{}", page.text);
    assert_eq!(a.get("/agent?view=abc").await.status, 404);
    assert_eq!(a.get("/agent?view=999999").await.status, 404);
}
