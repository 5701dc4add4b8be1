//! Data survives a restart of the server.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn everything_is_there_after_a_restart() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Persistent").await;
    w.ayse.post(&format!("/tickets/{id}/replies"), json!({"body": "Kalıcı yanıt"})).await.expect(201);
    let f = w.admin.post("/custom-fields", json!({"key": "server_password", "type": "secret", "labels": {"en": "Server password"}, "customer_editable": true})).await.expect(201);
    assert_eq!(f.body["customer_visible"], false);
    w.erin.patch(&format!("/tickets/{id}"), json!({"custom_fields": {"server_password": "hunter2"}})).await.expect(200);
    let up = w.erin.upload(&[("log.txt", "günlük".as_bytes())]).await.expect(201).body["attachments"][0]["id"]
        .as_i64()
        .unwrap();
    w.erin
        .post(&format!("/tickets/{id}/replies"), json!({"body": "log attached", "attachment_ids": [up]}))
        .await
        .expect(201);
    let before = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    let erin_token = w.erin.token.clone().unwrap();

    let dir = w.server.stop().await;
    let server = TestServer::start_in(dir, |_| {}).await;
    let admin = server.admin().await;
    let after = admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(before, after);
    // Tokens, blobs and the secret key survived too.
    let erin = server.with_token(&erin_token);
    let d = erin.get(&format!("/attachments/{up}/download")).await.expect(200);
    assert_eq!(d.bytes, "günlük".as_bytes());
    let s = admin.post_empty(&format!("/tickets/{id}/secrets/server_password/reveal")).await.expect(200);
    assert_eq!(s.body["value"], "hunter2");
    // And it keeps working.
    erin.post(&format!("/tickets/{id}/replies"), json!({"body": "still here"})).await.expect(201);
}
