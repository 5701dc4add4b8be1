//! The queue: wait time, queue boost and the default queue order through the API.

use crate::support::World;
use serde_json::{Value, json};

fn subjects(body: &Value) -> Vec<String> {
    body["tickets"].as_array().unwrap().iter().map(|t| t["subject"].as_str().unwrap().to_string()).collect()
}

/// Every page of `path` (which has a `?`), following `next_cursor`.
async fn all_pages(w: &World, path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let url = match &cursor {
            Some(c) => format!("{path}&limit=2&cursor={c}"),
            None => format!("{path}&limit=2"),
        };
        let page = w.admin.get(&url).await.expect(200).body;
        out.extend(subjects(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
    panic!("more than 20 pages");
}

#[tokio::test]
async fn the_queue_puts_boosted_first_then_priority_then_the_longest_wait() {
    let w = World::new().await;
    let mut ids = std::collections::HashMap::new();
    for (subject, priority) in
        [("old normal", "normal"), ("old high", "high"), ("new high", "high"), ("new normal", "normal"), ("low", "low")]
    {
        let id = w.open(&w.erin, w.billing, subject).await;
        w.admin.patch(&format!("/tickets/{id}"), json!({"priority": priority})).await.expect(200);
        ids.insert(subject, id);
    }
    // An answered ticket no longer waits for an agent.
    let answered = w.open(&w.erin, w.billing, "answered").await;
    w.admin.post(&format!("/tickets/{answered}/replies"), json!({"body": "Done"})).await.expect(201);

    let queue = subjects(&w.admin.get("/tickets?sort=queue&limit=100").await.expect(200).body);
    assert_eq!(queue, ["old high", "new high", "old normal", "new normal", "answered", "low"]);

    // Boosting the low one puts it on top until the boost is reset.
    w.admin.patch(&format!("/tickets/{}", ids["low"]), json!({"queue_boost": true})).await.expect(200);
    let queue = subjects(&w.admin.get("/tickets?sort=queue&limit=100").await.expect(200).body);
    assert_eq!(queue[0], "low");
    // Paging by cursor gives the same order, every ticket once.
    assert_eq!(all_pages(&w, "/tickets?sort=queue").await, queue);
    w.admin.patch(&format!("/tickets/{}", ids["low"]), json!({"queue_boost": false})).await.expect(200);
    let queue = subjects(&w.admin.get("/tickets?sort=queue&limit=100").await.expect(200).body);
    assert_eq!(queue.last().map(String::as_str), Some("low"));

    // Longest wait first; tickets not waiting for an agent last.
    let wait = all_pages(&w, "/tickets?sort=wait").await;
    assert_eq!(wait, ["old normal", "old high", "new high", "new normal", "low", "answered"]);
    let one = w.admin.get(&format!("/tickets/{}", ids["old normal"])).await.expect(200).body;
    assert!(one["wait_seconds"].as_i64().unwrap() >= 0, "the wait is shown");
    assert!(w.admin.get(&format!("/tickets/{answered}")).await.body["wait_seconds"].is_null());
}

#[tokio::test]
async fn queue_cursors_of_another_order_or_forged_are_refused() {
    let w = World::new().await;
    for i in 0..3 {
        w.open(&w.erin, w.billing, &format!("T{i}")).await;
    }
    let page = w.admin.get("/tickets?sort=queue&limit=1").await.expect(200).body;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let r = w.admin.get(&format!("/tickets?sort=wait&limit=1&cursor={cursor}")).await;
    assert_eq!((r.status, r.field()), (400, "cursor"));
    let r = w.admin.get(&format!("/tickets?sort=-updated_at&cursor={cursor}")).await;
    assert_eq!((r.status, r.field()), (400, "cursor"));
    let r = w.admin.get("/tickets?sort=queue&cursor=b3ErOjk5OTk5OTk5OTk5").await;
    assert_eq!((r.status, r.field()), (400, "cursor"));
    let r = w.admin.get("/tickets?sort=longest").await;
    assert_eq!((r.status, r.field()), (400, "sort"));
}
