//! Role boundaries: customers against other customers' tickets, agents
//! outside their departments, revoked tokens, disabled users.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn a_customer_cannot_reach_another_customers_ticket_by_any_route() {
    let w = World::new().await;
    let id = w.open(&w.dave, w.billing, "Dave's secret").await;
    let msg = w.dave.get(&format!("/tickets/{id}")).await.body["messages"][0]["id"].as_i64().unwrap();
    let up =
        w.dave.upload(&[("a.txt", b"dave's file")]).await.expect(201).body["attachments"][0]["id"].as_i64().unwrap();
    w.dave
        .post(&format!("/tickets/{id}/replies"), json!({"body": "with file", "attachment_ids": [up]}))
        .await
        .expect(201);
    let before = w.admin.get(&format!("/tickets/{id}")).await.body.clone();

    // Erin is in no organization: everything answers 404, as if the ticket did not exist.
    let e = &w.erin;
    for r in [
        e.get(&format!("/tickets/{id}")).await,
        e.get(&format!("/tickets/{id}/messages")).await,
        e.get(&format!("/tickets/{id}/events")).await,
        e.patch(&format!("/tickets/{id}"), json!({"archived": true})).await,
        e.post(&format!("/tickets/{id}/replies"), json!({"body": "hi"})).await,
        e.post_empty(&format!("/tickets/{id}/solve")).await,
        e.post_empty(&format!("/tickets/{id}/close")).await,
        e.post_empty(&format!("/tickets/{id}/read")).await,
        e.delete(&format!("/tickets/{id}")).await,
        e.get(&format!("/messages/{msg}")).await,
        e.patch(&format!("/messages/{msg}"), json!({"body": "x"})).await,
        e.post(&format!("/messages/{msg}/rating"), json!({"rating": 1})).await,
        e.get(&format!("/attachments/{up}")).await,
        e.get(&format!("/attachments/{up}/download")).await,
    ] {
        assert_eq!(r.status, 404, "{}", r.body);
        assert_eq!(r.code(), "not_found");
    }
    // Lists do not show it.
    assert_eq!(e.get("/tickets").await.body["total"], 0);
    assert_eq!(e.get(&format!("/tickets?requester_id={}", w.dave_id)).await.body["total"], 0);
    // Nothing changed.
    assert_eq!(w.admin.get(&format!("/tickets/{id}")).await.body, before);

    // Carol is in Dave's organization and sees all of it; her colleague
    // without sees_all would not.
    w.carol.get(&format!("/tickets/{id}")).await.expect(200);
    w.carol.get(&format!("/attachments/{up}/download")).await.expect(200);
    assert_eq!(w.carol.get("/tickets").await.body["total"], 1);
    let carols = w.open(&w.carol, w.billing, "Carol's").await;
    w.dave.get(&format!("/tickets/{carols}")).await.expect(404);
}

#[tokio::test]
async fn customers_never_see_notes_or_internal_fields() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Hidden things").await;
    let note = w.ayse.post(&format!("/tickets/{id}/notes"), json!({"body": "internal only"})).await.expect(201).body["message"]["id"].as_i64().unwrap();
    let up = w.ayse.upload(&[("note.txt", b"internal file")]).await.body["attachments"][0]["id"].as_i64().unwrap();
    w.ayse
        .post(&format!("/tickets/{id}/notes"), json!({"body": "with file", "attachment_ids": [up]}))
        .await
        .expect(201);
    w.ayse
        .patch(&format!("/tickets/{id}"), json!({"tags": ["difficult-customer"], "flagged_id": w.ayse_id}))
        .await
        .expect(200);
    let t = w.erin.get(&format!("/tickets/{id}")).await.expect(200);
    assert!(t.body["messages"].as_array().unwrap().iter().all(|m| m["kind"] == "reply"));
    assert_eq!(t.body["tags"], json!([]));
    assert!(t.body["flagged_id"].is_null());
    w.erin.get(&format!("/messages/{note}")).await.expect(404);
    w.erin.get(&format!("/attachments/{up}/download")).await.expect(404);
    w.erin.post(&format!("/tickets/{id}/notes"), json!({"body": "can I?"})).await.expect(403);
    // Customers cannot set agent-only fields.
    let r = w.erin.patch(&format!("/tickets/{id}"), json!({"priority": "urgent"})).await.expect(403);
    assert_eq!(r.field(), "priority");
    let r = w
        .erin
        .post("/tickets", json!({"subject": "x", "department_id": w.billing, "body": "x", "assignee_id": w.ayse_id}))
        .await
        .expect(403);
    assert_eq!(r.field(), "assignee_id");
    let r = w.erin.post(&format!("/tickets/{id}/replies"), json!({"body": "x", "status": "solved"})).await.expect(403);
    assert_eq!(r.field(), "status");
    // Customers set the copied addresses, not the agents who follow.
    let c = w
        .erin
        .patch(&format!("/tickets/{id}"), json!({"cc": {"emails": ["boss@example.org"], "agent_ids": [w.boris_id]}}))
        .await
        .expect(200);
    assert_eq!(c.body["cc"], json!({"emails": ["boss@example.org"], "agent_ids": []}));
    // But may archive and solve their own ticket.
    w.erin.patch(&format!("/tickets/{id}"), json!({"archived": true})).await.expect(200);
    assert_eq!(w.erin.get("/tickets").await.body["total"], 0, "archived tickets leave the customer's default list");
    assert_eq!(w.erin.get("/tickets?archived=true").await.body["total"], 1);
    w.erin.patch(&format!("/tickets/{id}"), json!({"status": "on_hold"})).await.expect(409);
    w.erin.patch(&format!("/tickets/{id}"), json!({"status": "solved"})).await.expect(200);
}

#[tokio::test]
async fn agents_see_their_departments_and_what_is_assigned_to_them() {
    let w = World::new().await;
    let billing_ticket = w.open(&w.erin, w.billing, "Billing question").await;
    // Boris (tech) cannot see a billing ticket.
    for r in [
        w.boris.get(&format!("/tickets/{billing_ticket}")).await,
        w.boris.post(&format!("/tickets/{billing_ticket}/notes"), json!({"body": "x"})).await,
        w.boris.patch(&format!("/tickets/{billing_ticket}"), json!({"priority": "low"})).await,
    ] {
        assert_eq!(r.status, 404, "{}", r.body);
    }
    assert_eq!(w.boris.get("/tickets").await.body["total"], 0);
    // Once it is assigned to him, he can.
    w.ayse.patch(&format!("/tickets/{billing_ticket}"), json!({"assignee_id": w.boris_id})).await.expect(200);
    w.boris.get(&format!("/tickets/{billing_ticket}")).await.expect(200);
    assert_eq!(w.boris.get("/tickets").await.body["total"], 1);
    // Moving a ticket out of your department and not keeping it: you lose it.
    let t2 = w.open(&w.erin, w.billing, "Move me").await;
    w.ayse.patch(&format!("/tickets/{t2}"), json!({"department_id": w.tech})).await.expect(200);
    w.ayse.get(&format!("/tickets/{t2}")).await.expect(404);
    w.boris.get(&format!("/tickets/{t2}")).await.expect(200);
    // Admins see everything.
    assert_eq!(w.admin.get("/tickets").await.body["total"], 2);
}

#[tokio::test]
async fn a_change_of_departments_reaches_a_token_checked_a_moment_ago() {
    // Token checks are remembered for two seconds (decision 27); a change of
    // membership made through the server must still count at once.
    let w = World::new().await;
    let t = w.open(&w.erin, w.billing, "Billing question").await;
    w.boris.get(&format!("/tickets/{t}")).await.expect(404);
    let both = json!({"member_ids": [w.ayse_id, w.boris_id]});
    w.admin.patch(&format!("/departments/{}", w.billing), both).await.expect(200);
    w.boris.get(&format!("/tickets/{t}")).await.expect(200);
    w.admin.patch(&format!("/departments/{}", w.billing), json!({"member_ids": [w.ayse_id]})).await.expect(200);
    w.boris.get(&format!("/tickets/{t}")).await.expect(404);
}

#[tokio::test]
async fn revoked_tokens_and_disabled_users_are_refused() {
    let w = World::new().await;
    w.erin.get("/me").await.expect(200);
    let tokens = w.erin.get("/tokens").await.expect(200);
    let tid = tokens.body["tokens"][0]["id"].as_i64().unwrap();
    // Another customer cannot revoke it.
    w.dave.delete(&format!("/tokens/{tid}")).await.expect(404);
    w.erin.delete(&format!("/tokens/{tid}")).await.expect(204);
    let r = w.erin.get("/me").await.expect(401);
    assert_eq!(r.code(), "unauthenticated");
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
    w.erin.get("/tickets").await.expect(401);

    // Disabling a user stops their tokens.
    w.dave.get("/me").await.expect(200);
    w.ayse.patch(&format!("/users/{}", w.dave_id), json!({"disabled": true})).await.expect(403);
    w.admin.patch(&format!("/users/{}", w.dave_id), json!({"disabled": true})).await.expect(200);
    w.dave.get("/me").await.expect(401);

    // No token, a malformed one, a forged secret.
    w.server.anonymous().get("/tickets").await.expect(401);
    w.server.with_token("garbage").get("/tickets").await.expect(401);
    let forged = format!("{}.{}", w.carol.token.as_ref().unwrap().split('.').next().unwrap(), "0".repeat(64));
    w.server.with_token(&forged).get("/tickets").await.expect(401);
}

#[tokio::test]
async fn user_management_follows_roles() {
    let w = World::new().await;
    // Customers cannot list or create users and see only themselves.
    w.erin.get("/users").await.expect(403);
    w.erin.post("/users", json!({"email": "x@example.com", "name": "X"})).await.expect(403);
    w.erin.get(&format!("/users/{}", w.dave_id)).await.expect(404);
    let me = w.erin.get(&format!("/users/{}", w.erin_id)).await.expect(200);
    assert!(me.body.get("password_hash").is_none());
    // A customer changes their own name and password, not their role.
    w.erin
        .patch(
            &format!("/users/{}", w.erin_id),
            json!({"name": "Erin B.", "password": "a long password", "locale": "tr"}),
        )
        .await
        .expect(200);
    let r = w.erin.patch(&format!("/users/{}", w.erin_id), json!({"role": "admin"})).await.expect(403);
    assert_eq!(r.field(), "role");
    w.erin.patch(&format!("/users/{}", w.erin_id), json!({"sees_all": true})).await.expect(403);
    // Agents create customers, not agents.
    w.ayse.post("/users", json!({"email": "new@example.com", "name": "New"})).await.expect(201);
    w.ayse.post("/users", json!({"email": "agent2@example.com", "name": "A2", "role": "agent"})).await.expect(403);
    // Agents cannot change other agents.
    w.ayse.patch(&format!("/users/{}", w.boris_id), json!({"name": "Boris!"})).await.expect(403);
    // Only admins manage departments, statuses and custom fields.
    w.ayse.post("/departments", json!({"name": "Mine"})).await.expect(403);
    w.ayse.post("/statuses", json!({"key": "x", "name": "X", "category": "open"})).await.expect(403);
    w.ayse.post("/custom-fields", json!({"key": "x", "type": "text", "labels": {"en": "X"}})).await.expect(403);
    // Tokens: own only, unless admin.
    w.ayse.post("/tokens", json!({"user_id": w.boris_id})).await.expect(403);
    w.admin.post("/tokens", json!({"user_id": w.boris_id, "name": "billing sync"})).await.expect(201);
    w.ayse.get(&format!("/tokens?user_id={}", w.boris_id)).await.expect(403);
    assert_eq!(
        w.admin.get(&format!("/tokens?user_id={}", w.boris_id)).await.body["tokens"].as_array().unwrap().len(),
        2
    );
}

#[tokio::test]
async fn customers_see_public_departments_and_their_own_services() {
    let w = World::new().await;
    let hidden = w.admin.post("/departments", json!({"name": "Internal", "public": false})).await.expect(201).id();
    let names: Vec<String> = w.erin.get("/departments").await.body["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_string())
        .collect();
    assert!(!names.contains(&"Internal".to_string()));
    assert!(w.erin.get("/departments").await.body["departments"][0]["member_ids"].as_array().unwrap().is_empty());
    w.erin.get(&format!("/departments/{hidden}")).await.expect(404);
    let r = w.erin.post("/tickets", json!({"subject": "x", "department_id": hidden, "body": "x"})).await.expect(422);
    assert_eq!(r.field(), "department_id");
    // Its agents may open tickets there; an agent of another department may not.
    let open = json!({"subject": "x", "department_id": hidden, "body": "x", "requester_id": w.erin_id});
    w.ayse.post("/tickets", open.clone()).await.expect(403);
    w.admin.patch(&format!("/departments/{hidden}"), json!({"member_ids": [w.ayse_id]})).await.expect(200);
    w.ayse.post("/tickets", open).await.expect(201);

    let s = w
        .admin
        .post("/services", json!({"kind": "domain", "label": "ornek.com.tr", "owner_id": w.dave_id}))
        .await
        .expect(201)
        .id();
    w.erin.get(&format!("/services/{s}")).await.expect(404);
    assert!(w.erin.get("/services").await.body["services"].as_array().unwrap().is_empty());
    w.dave.get(&format!("/services/{s}")).await.expect(200);
    // Erin cannot link Dave's service.
    let r = w
        .erin
        .post("/tickets", json!({"subject": "x", "department_id": w.billing, "body": "x", "service_id": s}))
        .await
        .expect(422);
    assert_eq!(r.field(), "service_id");
}
