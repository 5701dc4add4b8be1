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

#[tokio::test]
async fn customers_search_their_own_tickets_in_the_same_language() {
    let w = World::new().await;
    for id in [w.erin_id, w.carol_id] {
        w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    }
    let fatura = w.open(&w.erin, w.billing, "Fatura İADESİ").await;
    let waiting = w.open(&w.erin, w.billing, "Fatura kopyası").await;
    w.ayse.post(&format!("/tickets/{waiting}/replies"), json!({"body": "Ekte"})).await.expect(201);
    let others = w.open(&w.dave, w.billing, "Fatura of Dave").await;
    let mut numbers = Vec::new();
    for id in [fatura, waiting, others] {
        numbers.push(w.admin.get(&format!("/tickets/{id}")).await.body["number"].as_str().unwrap().to_string());
    }
    let (fatura_no, waiting_no, others_no) = (&numbers[0], &numbers[1], &numbers[2]);

    let mut c = Browser::new(&w.server);
    c.sign_in("erin@example.org", PW).await;
    // Words, whatever the case, only in Erin's own tickets.
    let page = c.get("/?q=FATURA").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains(&format!("#{fatura_no}")) && page.text.contains(&format!("#{waiting_no}")));
    assert!(!page.text.contains(&format!("#{others_no}")), "another customer's ticket never shows");
    // Field terms and phrases, as in the agent console.
    let page = c.get("/?q=fatura%20status%3Apending").await;
    assert!(page.text.contains(&format!("#{waiting_no}")) && !page.text.contains(&format!("#{fatura_no}")));
    let page = c.get("/?q=%22fatura%20iadesi%22").await;
    assert!(page.text.contains(&format!("#{fatura_no}")) && !page.text.contains(&format!("#{waiting_no}")));
    // The tab narrows a search: "waiting for us" leaves out the answered one.
    let page = c.get("/?f=us&q=fatura").await;
    assert!(page.text.contains(&format!("#{fatura_no}")) && !page.text.contains(&format!("#{waiting_no}")));
    // A mistake is shown where it was made, the words kept in the box.
    let page = c.get("/?q=fatura%20(kopya").await;
    assert_eq!(page.status, 422);
    assert!(page.text.contains("id=\"q-error\"") && page.text.contains("at character 8"), "{}", page.text);
    assert!(page.text.contains("value=\"fatura (kopya\""));
    // Tags are agents' words.
    assert_eq!(c.get("/?q=tag%3Avip").await.status, 422);

    // Carol sees her organization's tickets with the scope switch, and only
    // those: Dave is in Acme, Erin is not.
    let mut carol = Browser::new(&w.server);
    carol.sign_in("carol@acme.example", PW).await;
    let page = carol.get("/?q=fatura&scope=org").await;
    assert!(page.text.contains(&format!("#{others_no}")), "{}", page.text);
    assert!(!page.text.contains(&format!("#{fatura_no}")));
    let page = carol.get("/?q=fatura").await;
    assert!(!page.text.contains(&format!("#{others_no}")), "her own tickets only without the switch");
}
