//! Optimistic concurrency and idempotency keys.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn two_updates_from_the_same_version_one_wins_one_gets_412() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Race").await;
    let etag = w.ayse.get(&format!("/tickets/{id}")).await.header("etag").unwrap();
    assert_eq!(etag, "\"1\"");
    for round in 0..5 {
        let t = w.ayse.get(&format!("/tickets/{id}")).await;
        let etag = t.header("etag").unwrap();
        let send = |api: Api, body: serde_json::Value, etag: String| async move {
            Api::send(
                api.request(reqwest::Method::PATCH, &format!("/tickets/{id}")).header("if-match", etag).json(&body),
            )
            .await
        };
        let (a, b) = tokio::join!(
            send(w.ayse.clone(), json!({"subject": format!("Race, round {round}")}), etag.clone()),
            send(w.admin.clone(), json!({"tags": [format!("round{round}")]}), etag.clone()),
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses, [200, 412], "round {round}: {} / {}", a.body, b.body);
        let loser = if a.status == 412 { &a } else { &b };
        assert_eq!(loser.code(), "version_mismatch");
    }
    // Exactly one change per round got through.
    let t = w.admin.get(&format!("/tickets/{id}")).await;
    assert_eq!(t.body["version"], 6);
}

#[tokio::test]
async fn a_stale_version_is_refused_and_changes_nothing() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Stale").await;
    w.ayse.patch(&format!("/tickets/{id}"), json!({"priority": "high"})).await.expect(200);
    let r = w.ayse.patch(&format!("/tickets/{id}"), json!({"priority": "low", "version": 1})).await.expect(412);
    assert!(r.body["error"]["message"].as_str().unwrap().contains("version 2"));
    let r = Api::send(
        w.ayse
            .request(reqwest::Method::PATCH, &format!("/tickets/{id}"))
            .header("if-match", "\"1\"")
            .json(&json!({"priority": "low"})),
    )
    .await;
    assert_eq!(r.status, 412);
    let t = w.ayse.get(&format!("/tickets/{id}")).await;
    assert_eq!(t.body["priority"], "high");
    assert_eq!(t.body["version"], 2);
    // The current version passes, also as a weak tag.
    let r = Api::send(
        w.ayse
            .request(reqwest::Method::PATCH, &format!("/tickets/{id}"))
            .header("if-match", "W/\"2\"")
            .json(&json!({"priority": "low"})),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("etag").as_deref(), Some("\"3\""));
    // Status shortcuts honour If-Match too.
    let r =
        Api::send(w.ayse.request(reqwest::Method::POST, &format!("/tickets/{id}/solve")).header("if-match", "\"2\""))
            .await;
    assert_eq!(r.status, 412);
}

#[tokio::test]
async fn concurrent_replies_all_land() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Busy").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let api = if i % 2 == 0 { w.ayse.clone() } else { w.erin.clone() };
        tasks.push(tokio::spawn(async move {
            api.post(&format!("/tickets/{id}/replies"), json!({"body": format!("message {i}")})).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    let t = w.admin.get(&format!("/tickets/{id}")).await;
    assert_eq!(t.body["messages"].as_array().unwrap().len(), 13);
    assert_eq!(t.body["version"], 13);
}

#[tokio::test]
async fn the_same_idempotency_key_twice_makes_one_ticket() {
    let w = World::new().await;
    let body = json!({"subject": "Once", "department_id": w.billing, "body": "only once please"});
    let send = |key: &str, body: serde_json::Value| {
        let api = w.erin.clone();
        let key = key.to_string();
        async move {
            Api::send(api.request(reqwest::Method::POST, "/tickets").header("idempotency-key", key).json(&body)).await
        }
    };
    let first = send("key-1", body.clone()).await;
    assert_eq!(first.status, 201);
    let again = send("key-1", body.clone()).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.header("idempotent-replayed").as_deref(), Some("true"));
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.body["number"], first.body["number"]);
    assert_eq!(w.erin.get("/tickets").await.body["total"], 1);
    // The same key for another request is refused.
    let other = send("key-1", json!({"subject": "Other", "department_id": w.billing, "body": "x"})).await;
    assert_eq!(other.status, 422);
    assert_eq!(other.code(), "idempotency_key_reused");
    // Keys are per user: Dave's key-1 is his own.
    let d = Api::send(w.dave.request(reqwest::Method::POST, "/tickets").header("idempotency-key", "key-1").json(&body))
        .await;
    assert_eq!(d.status, 201);
    assert_ne!(d.body["id"], first.body["id"]);
    // A failed request does not use up its key.
    let bad = send("key-2", json!({"subject": "", "department_id": w.billing, "body": "x"})).await;
    assert_eq!(bad.status, 422);
    let good = send("key-2", json!({"subject": "Fixed", "department_id": w.billing, "body": "x"})).await;
    assert_eq!(good.status, 201);
    // A malformed key is refused.
    let r = send("", body.clone()).await;
    assert_eq!(r.status, 400);
    assert_eq!(w.erin.get("/tickets").await.body["total"], 2);
}

#[tokio::test]
async fn secrets_are_not_kept_for_replays() {
    let w = World::new().await;
    let send = || {
        Api::send(
            w.erin
                .request(reqwest::Method::POST, "/tokens")
                .header("idempotency-key", "tok")
                .json(&json!({"name": "n"})),
        )
    };
    let first = send().await;
    assert_eq!(first.status, 201);
    let secret = first.body["secret"].as_str().unwrap().to_string();
    let again = send().await;
    assert_eq!((again.status, again.code()), (409, "already_done"));
    assert_eq!(w.erin.get("/tokens").await.body["tokens"].as_array().unwrap().len(), 2, "no second token");
    // The secret is nowhere in the database.
    let stored = stored_bytes(&w.server).await;
    assert!(stored.iter().map(Vec::len).sum::<usize>() > 1000, "the database was read");
    for bytes in stored {
        assert!(!bytes.windows(secret.len()).any(|win| win == secret.as_bytes()), "the token secret was stored");
    }
}

#[tokio::test]
async fn concurrent_requests_with_one_key_make_one_ticket() {
    let w = World::new().await;
    let body = json!({"subject": "Burst", "department_id": w.billing, "body": "x"});
    let mut tasks = Vec::new();
    for _ in 0..6 {
        let api = w.erin.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            Api::send(api.request(reqwest::Method::POST, "/tickets").header("idempotency-key", "burst").json(&body))
                .await
                .status
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert_eq!(w.erin.get("/tickets").await.body["total"], 1);
}
