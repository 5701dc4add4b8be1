//! The agent's search page: the search language, ranked results with the
//! matched words marked, mistakes shown next to the box.

use crate::support::{Browser, World};
use serde_json::json;

const PW: &str = "a long test password";

#[tokio::test]
async fn agents_search_in_every_language_and_see_the_words_marked() {
    let w = World::new().await;
    for id in [w.ayse_id, w.erin_id] {
        w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    }
    let tr = w.open(&w.erin, w.billing, "İstanbul'daki sunucu yanıt vermiyor").await;
    let zh = w.open(&w.erin, w.billing, "退款问题").await;
    w.erin.post(&format!("/tickets/{zh}/replies"), json!({"body": "我的退款申请被拒绝了"})).await.expect(201);
    w.open(&w.erin, w.tech, "İSTANBUL office in Tech").await;

    let mut a = Browser::new(&w.server);
    a.sign_in("ayse@example.com", PW).await;
    // The console's search box leads here.
    assert!(a.get("/agent").await.text.contains("action=\"/agent/search\""));

    let page = a.get("/agent/search?q=ISTANBUL").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains(&format!("data-ticket-id=\"{tr}\"")));
    assert!(page.text.contains("<mark>İstanbul</mark>"), "{}", page.text);
    assert!(!page.text.contains("office in Tech"), "another department's ticket never shows");

    let page = a.get("/agent/search?q=%E9%80%80%E6%AC%BE").await; // 退款
    assert!(page.text.contains(&format!("data-ticket-id=\"{zh}\"")));
    assert!(page.text.contains("<mark>退款</mark>申请"), "{}", page.text);

    let page = a.get("/agent/search?q=status%3Aextreme").await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("id=\"sq-error\""));
    assert!(page.text.contains("value=\"status:extreme\""), "the search is kept in the box");

    // Customers have the portal's search, not this page.
    let mut c = Browser::new(&w.server);
    c.sign_in("erin@example.org", PW).await;
    assert_eq!(c.get("/agent/search?q=x").await.status, 403);
}
