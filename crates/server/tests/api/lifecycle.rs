//! A ticket's life through the API: opening, the status machine, messages,
//! merges, deletion, and the events each change records.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn customer_opens_agent_answers_customer_replies() {
    let w = World::new().await;
    let t = w
        .erin
        .post(
            "/tickets",
            json!({
                "subject": "Sunucu çöktü", "department_id": w.billing,
                "body": "Merhaba, sunucum yanıt vermiyor.", "priority": "high"
            }),
        )
        .await
        .expect(201);
    let id = t.id();
    assert_eq!(t.body["status"], "new");
    assert_eq!(t.body["priority"], "high");
    assert_eq!(t.body["requester_id"], w.erin_id);
    assert_eq!(t.body["source"], "api");
    assert_eq!(t.body["agent_unread"], false, "customers never see agent-side marks");
    assert_eq!(t.header("etag").as_deref(), Some("\"1\""));
    assert_eq!(t.header("location"), Some(format!("/api/v1/tickets/{id}")));
    let number = t.body["number"].as_str().unwrap().to_string();
    assert_eq!(number.len(), 6);
    assert_eq!(t.body["access_key"].as_str().unwrap().len(), 32);
    assert_eq!(t.body["messages"][0]["body"], "Merhaba, sunucum yanıt vermiyor.");

    // The agent sees it unread and waiting.
    let seen = w.ayse.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(seen.body["agent_unread"], true);
    assert!(seen.body["awaiting_agent_since"].is_string());
    assert!(seen.body["wait_seconds"].as_i64().unwrap() >= 0);

    // A note changes nothing about the status and stays hidden from the customer.
    let n = w.ayse.post(&format!("/tickets/{id}/notes"), json!({"body": "Müşteri eski sunucuda."})).await.expect(201);
    assert_eq!(n.body["ticket"]["status"], "new");
    assert_eq!(n.body["message"]["kind"], "note");

    // An agent reply answers.
    let r = w.ayse.post(&format!("/tickets/{id}/replies"), json!({"body": "Yeniden başlattık."})).await.expect(201);
    assert_eq!(r.body["ticket"]["status"], "answered");
    assert_eq!(r.body["ticket"]["customer_unread"], true);
    assert!(r.body["ticket"]["first_response_at"].is_string());
    assert!(r.body["ticket"]["awaiting_agent_since"].is_null());

    // The customer sees the reply, not the note.
    let c = w.erin.get(&format!("/tickets/{id}")).await.expect(200);
    let kinds: Vec<&str> = c.body["messages"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["reply", "reply"]);
    assert_eq!(c.body["customer_unread"], true);
    w.erin.post_empty(&format!("/tickets/{id}/read")).await.expect(200);
    assert_eq!(w.erin.get(&format!("/tickets/{id}")).await.body["customer_unread"], false);

    // A customer reply opens it again.
    let r = w
        .erin
        .post(&format!("/tickets/{id}/replies"), json!({"body": "Teşekkürler, ama yine oldu."}))
        .await
        .expect(201);
    assert_eq!(r.body["ticket"]["status"], "open");
    assert_eq!(w.ayse.get(&format!("/tickets/{id}")).await.body["agent_unread"], true);

    // Newest first on request.
    let d = w.ayse.get(&format!("/tickets/{id}?order=desc")).await.expect(200);
    assert_eq!(d.body["messages"][0]["body"], "Teşekkürler, ama yine oldu.");
    assert_eq!(d.body["messages"].as_array().unwrap().len(), 4);

    assert_eq!(
        w.event_kinds(id).await,
        [
            "ticket.created",
            "note.added",
            "ticket.replied",
            "ticket.status_changed",
            "ticket.replied",
            "ticket.status_changed"
        ]
    );
}

#[tokio::test]
async fn agent_reply_can_choose_the_status_and_solved_tickets_reopen() {
    let w = World::new().await;
    let id = w.open(&w.dave, w.tech, "VPS down").await;
    let r = w
        .boris
        .post(&format!("/tickets/{id}/replies"), json!({"body": "Waiting for the datacenter.", "status": "on_hold"}))
        .await
        .expect(201);
    assert_eq!(r.body["ticket"]["status"], "on_hold");
    let s = w.boris.post_empty(&format!("/tickets/{id}/solve")).await.expect(200);
    assert_eq!(s.body["status"], "solved");
    assert!(s.body["solved_at"].is_string());
    // A customer reply to a solved ticket reopens it.
    let r = w.dave.post(&format!("/tickets/{id}/replies"), json!({"body": "It is down again."})).await.expect(201);
    assert_eq!(r.body["ticket"]["status"], "open");
    assert!(r.body["ticket"]["solved_at"].is_null());
    assert!(w.event_kinds(id).await.contains(&"ticket.reopened".to_string()));
    // Reopening an open ticket is refused; solving then reopening works.
    w.dave.post_empty(&format!("/tickets/{id}/reopen")).await.expect(409);
    w.dave.post_empty(&format!("/tickets/{id}/solve")).await.expect(200);
    let r = w.dave.post_empty(&format!("/tickets/{id}/reopen")).await.expect(200);
    assert_eq!(r.body["status"], "open");
}

#[tokio::test]
async fn closed_is_final_and_a_reply_opens_a_follow_up() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Refund 退款").await;
    let c = w.erin.post_empty(&format!("/tickets/{id}/close")).await.expect(200);
    assert_eq!(c.body["status"], "closed");
    assert_eq!(c.body["closed_reason"], "manual");
    // No way back.
    w.erin.post_empty(&format!("/tickets/{id}/reopen")).await.expect(409);
    let r = w.ayse.patch(&format!("/tickets/{id}"), json!({"status": "open"})).await.expect(409);
    assert_eq!(r.code(), "ticket_closed");
    // Nothing else changes either, but filing: tags and the archive.
    let r = w.ayse.patch(&format!("/tickets/{id}"), json!({"priority": "urgent"})).await.expect(409);
    assert_eq!(r.code(), "ticket_closed");
    let r = w.ayse.post(&format!("/tickets/{id}/notes"), json!({"body": "late note"})).await.expect(409);
    assert_eq!(r.code(), "ticket_closed");
    let f =
        w.ayse.patch(&format!("/tickets/{id}"), json!({"add_tags": ["refund"], "archived": true})).await.expect(200);
    assert_eq!((f.body["tags"].clone(), f.body["archived"].clone()), (json!(["refund"]), json!(true)));
    let other = w.open(&w.erin, w.billing, "Other").await;
    let r = w.ayse.post(&format!("/tickets/{other}/merge"), json!({"source_ids": [id]})).await.expect(422);
    assert_eq!(r.code(), "ticket_closed");
    // A reply opens a linked follow-up.
    let r = w.erin.post(&format!("/tickets/{id}/replies"), json!({"body": "还有一个问题"})).await.expect(201);
    assert_eq!(r.body["follow_up"], true);
    let f = r.body["ticket"]["id"].as_i64().unwrap();
    assert_ne!(f, id);
    assert_eq!(r.body["ticket"]["follow_up_of_id"], id);
    assert_eq!(r.body["ticket"]["status"], "new");
    assert_eq!(r.body["ticket"]["subject"], "Refund 退款");
    assert_eq!(r.body["message"]["ticket_id"], f);
    // The closed ticket keeps its conversation unchanged.
    let closed = w.erin.get(&format!("/tickets/{id}?archived=true")).await;
    assert_eq!(closed.status, 400, "unknown query parameters are refused");
    let closed = w.erin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(closed.body["messages"].as_array().unwrap().len(), 1);
    assert_eq!(closed.body["status"], "closed");
}

#[tokio::test]
async fn locked_tickets_refuse_customer_replies() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Invoice").await;
    let l = w.ayse.patch(&format!("/tickets/{id}"), json!({"locked": true})).await.expect(200);
    assert_eq!(l.body["locked"], true);
    let r = w.erin.post(&format!("/tickets/{id}/replies"), json!({"body": "hello?"})).await.expect(409);
    assert_eq!(r.code(), "ticket_locked");
    assert!(r.body["error"]["message"].as_str().unwrap().contains("locked"));
    // Agents still reply.
    w.ayse.post(&format!("/tickets/{id}/replies"), json!({"body": "We are on it."})).await.expect(201);
    assert_eq!(w.erin.get(&format!("/tickets/{id}/messages")).await.body["messages"].as_array().unwrap().len(), 2);
    assert!(w.event_kinds(id).await.contains(&"ticket.lock_changed".to_string()));
}

#[tokio::test]
async fn every_field_change_records_its_event() {
    let w = World::new().await;
    let id = w.open(&w.dave, w.billing, "Many changes").await;
    let svc = w
        .admin
        .post("/services", json!({"kind": "service", "label": "VPS 4 GB", "owner_id": w.dave_id, "external_id": "77"}))
        .await
        .expect(201)
        .id();
    w.admin.patch(&format!("/tickets/{id}"), json!({
        "subject": "Many changes (edited)", "status": "in_progress", "priority": "urgent", "type": "incident",
        "assignee_id": w.boris_id, "tags": ["VIP", "vps"], "service_id": svc, "locked": true,
        "flagged_id": w.ayse_id, "archived": true, "cc": {"emails": ["boss@acme.example"], "agent_ids": [w.ayse_id]},
        "due_at": "2026-12-01T10:00:00Z", "queue_boost": true
    })).await.expect(200);
    w.admin.patch(&format!("/tickets/{id}"), json!({"department_id": w.tech})).await.expect(200);
    let kinds = w.event_kinds(id).await;
    for k in [
        "ticket.created",
        "ticket.status_changed",
        "ticket.priority_changed",
        "ticket.department_changed",
        "ticket.assignee_changed",
        "ticket.service_changed",
        "ticket.lock_changed",
        "ticket.tags_changed",
        "ticket.type_changed",
        "ticket.archived",
        "ticket.updated",
    ] {
        assert!(kinds.contains(&k.to_string()), "missing {k} in {kinds:?}");
    }
    let t = w.admin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(t.body["tags"], json!(["vip", "vps"]));
    assert_eq!(t.body["assigned_by_id"], 1);
    assert_eq!(t.body["version"], 3);
    // Events carry old and new values.
    let ev = w.admin.get(&format!("/tickets/{id}/events")).await;
    let pri = ev.body["events"].as_array().unwrap().iter().find(|e| e["kind"] == "ticket.priority_changed").unwrap();
    assert_eq!(pri["changes"]["priority"], json!({"old": "normal", "new": "urgent"}));
    assert_eq!(pri["side"], "agent");
    assert_eq!(pri["actor_id"], 1);
    // A patch that changes nothing writes nothing.
    w.admin.patch(&format!("/tickets/{id}"), json!({"priority": "urgent"})).await.expect(200);
    assert_eq!(w.admin.get(&format!("/tickets/{id}")).await.body["version"], 3);
    // Add and remove tags.
    let t = w
        .admin
        .patch(&format!("/tickets/{id}"), json!({"add_tags": ["refund"], "remove_tags": ["vip"]}))
        .await
        .expect(200);
    assert_eq!(t.body["tags"], json!(["refund", "vps"]));
}

#[tokio::test]
async fn agents_open_tickets_for_new_and_existing_requesters() {
    let w = World::new().await;
    let t = w
        .ayse
        .post(
            "/tickets",
            json!({
                "subject": "Телефонный звонок", "department_id": w.billing, "body": "Клиент звонил по поводу счёта.",
                "requester": {"email": "Ivan.Petrov@example.ru", "name": "Иван Петров"}, "source": "phone",
                "type": "question", "tags": ["phone"], "status": "open"
            }),
        )
        .await
        .expect(201);
    assert_eq!(t.body["source"], "phone");
    assert_eq!(t.body["status"], "open");
    let requester = t.body["requester_id"].as_i64().unwrap();
    let u = w.admin.get(&format!("/users/{requester}")).await.expect(200);
    assert_eq!(u.body["email"], "Ivan.Petrov@example.ru");
    assert_eq!(u.body["role"], "customer");
    assert_eq!(u.body["has_password"], false);
    // The same address again (any case) finds the same user.
    let t2 = w.ayse.post("/tickets", json!({
        "subject": "Again", "department_id": w.billing, "body": "x", "requester": {"email": "ivan.petrov@EXAMPLE.ru"}
    })).await.expect(201);
    assert_eq!(t2.body["requester_id"], requester);
    // By id.
    let t3 = w
        .ayse
        .post(
            "/tickets",
            json!({"subject": "For Erin", "department_id": w.billing, "body": "x", "requester_id": w.erin_id}),
        )
        .await
        .expect(201);
    assert_eq!(t3.body["requester_id"], w.erin_id);
    assert_eq!(w.erin.get("/tickets").await.body["total"], 1);
}

#[tokio::test]
async fn merging_moves_messages_and_closes_sources() {
    let w = World::new().await;
    let target = w.open(&w.dave, w.billing, "Invoice wrong").await;
    let source = w.open(&w.dave, w.billing, "Invoice wrong again").await;
    w.dave.post(&format!("/tickets/{source}/replies"), json!({"body": "second message"})).await.expect(201);
    // Customers may not merge.
    w.dave.post(&format!("/tickets/{target}/merge"), json!({"source_ids": [source]})).await.expect(403);
    let m = w.ayse.post(&format!("/tickets/{target}/merge"), json!({"source_ids": [source]})).await.expect(200);
    assert_eq!(m.body["id"], target);
    let t = w.ayse.get(&format!("/tickets/{target}")).await.expect(200);
    let bodies: Vec<&str> =
        t.body["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Invoice wrong: details", "Invoice wrong again: details", "second message"]);
    let s = w.ayse.get(&format!("/tickets/{source}")).await.expect(200);
    assert_eq!(s.body["status"], "closed");
    assert_eq!(s.body["closed_reason"], "merged");
    assert_eq!(s.body["merged_into_id"], target);
    assert!(s.body["messages"].as_array().unwrap().is_empty());
    assert!(w.event_kinds(source).await.contains(&"ticket.merged".to_string()));
    assert!(w.event_kinds(target).await.contains(&"ticket.merged".to_string()));
    // Merging again is refused; merging into itself too.
    w.ayse.post(&format!("/tickets/{target}/merge"), json!({"source_ids": [source]})).await.expect(422);
    w.ayse.post(&format!("/tickets/{target}/merge"), json!({"source_ids": [target]})).await.expect(422);
}

#[tokio::test]
async fn messages_are_edited_with_history_deleted_and_rated() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Edit me").await;
    let first = w.erin.get(&format!("/tickets/{id}")).await.body["messages"][0]["id"].as_i64().unwrap();
    // The author edits their own reply.
    let e = w.erin.patch(&format!("/messages/{first}"), json!({"body": "Edit me: corrected"})).await.expect(200);
    assert_eq!(e.body["body"], "Edit me: corrected");
    assert!(e.body["edited_at"].is_string());
    let h = w.ayse.get(&format!("/messages/{first}/history")).await.expect(200);
    assert_eq!(h.body["edits"][0]["previous_body"], "Edit me: details");
    w.erin.get(&format!("/messages/{first}/history")).await.expect(403);
    // The agent replies; the customer may not edit that, but rates it.
    let reply = w.ayse.post(&format!("/tickets/{id}/replies"), json!({"body": "Done."})).await.expect(201).body["message"]["id"].as_i64().unwrap();
    w.erin.patch(&format!("/messages/{reply}"), json!({"body": "hacked"})).await.expect(403);
    let r = w.erin.post(&format!("/messages/{reply}/rating"), json!({"rating": 5})).await.expect(200);
    assert_eq!(r.body["rating"], 5);
    w.erin.post(&format!("/messages/{reply}/rating"), json!({"rating": 6})).await.expect(422);
    w.erin.post(&format!("/messages/{first}/rating"), json!({"rating": 4})).await.expect(422);
    w.ayse.post(&format!("/messages/{reply}/rating"), json!({"rating": 1})).await.expect(403);
    // Agents delete; customers may not.
    w.erin.delete(&format!("/messages/{reply}")).await.expect(403);
    w.ayse.delete(&format!("/messages/{reply}")).await.expect(204);
    let c = w.erin.get(&format!("/tickets/{id}")).await;
    assert_eq!(c.body["messages"].as_array().unwrap().len(), 1, "customers no longer see a deleted message");
    let a = w.ayse.get(&format!("/messages/{reply}")).await.expect(200);
    assert!(a.body["deleted_at"].is_string());
    assert_eq!(a.body["body"], "");
    let kinds = w.event_kinds(id).await;
    for k in ["message.edited", "message.rated", "message.deleted"] {
        assert!(kinds.contains(&k.to_string()), "missing {k}");
    }
}

#[tokio::test]
async fn deleted_tickets_disappear() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.billing, "Spam").await;
    w.erin.delete(&format!("/tickets/{id}")).await.expect(403);
    w.ayse.delete(&format!("/tickets/{id}")).await.expect(204);
    w.ayse.get(&format!("/tickets/{id}")).await.expect(404);
    w.erin.get(&format!("/tickets/{id}")).await.expect(404);
    assert_eq!(w.admin.get("/tickets").await.body["total"], 0);
    let kinds: Vec<String> = w
        .server
        .store
        .ticket_events(tessera_core::TicketId(id))
        .await
        .unwrap()
        .iter()
        .map(|e| e.kind.as_str().to_string())
        .collect();
    assert_eq!(kinds.last().map(String::as_str), Some("ticket.deleted"));
}

#[tokio::test]
async fn lists_filter_sort_and_page() {
    let w = World::new().await;
    let mut ids = Vec::new();
    for i in 0..7 {
        let dept = if i % 2 == 0 { w.billing } else { w.tech };
        ids.push(w.open(&w.dave, dept, &format!("Ticket {i}")).await);
    }
    w.admin
        .patch(
            &format!("/tickets/{}", ids[0]),
            json!({"priority": "urgent", "tags": ["vip"], "assignee_id": w.ayse_id}),
        )
        .await
        .expect(200);
    w.admin.patch(&format!("/tickets/{}", ids[1]), json!({"priority": "low", "status": "on_hold"})).await.expect(200);

    let all = w.admin.get("/tickets?limit=3").await.expect(200);
    assert_eq!(all.body["total"], 7);
    assert_eq!(all.body["tickets"].as_array().unwrap().len(), 3);
    // Walking the cursor visits every ticket once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/tickets?limit=3&sort=created_at&cursor={c}"),
            None => "/tickets?limit=3&sort=created_at".to_string(),
        };
        let page = w.admin.get(&path).await.expect(200);
        seen.extend(page.body["tickets"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    assert_eq!(seen, ids, "ascending by creation");

    let f = |q: &str| {
        let admin = w.admin.clone();
        let q = q.to_string();
        async move { admin.get(&format!("/tickets?{q}")).await.expect(200).body["total"].as_u64().unwrap() }
    };
    assert_eq!(f(&format!("department_id={}", w.billing)).await, 4);
    assert_eq!(f("priority=urgent,low").await, 2);
    assert_eq!(f("tag=vip").await, 1);
    assert_eq!(f(&format!("assignee_id={}", w.ayse_id)).await, 1);
    assert_eq!(f("assignee_id=none").await, 6);
    assert_eq!(f("status=on_hold").await, 1);
    assert_eq!(f("status_category=new").await, 6);
    assert_eq!(f(&format!("requester_id={}", w.dave_id)).await, 7);
    assert_eq!(f(&format!("organization_id={}", w.acme)).await, 7);
    assert_eq!(f("created_after=2000-01-01T00:00:00Z").await, 7);
    assert_eq!(f("created_before=2000-01-01T00:00:00Z").await, 0);
    assert_eq!(f("archived=false").await, 7);
    let n = w.admin.get(&format!("/tickets/{}", ids[3])).await.body["number"].as_str().unwrap().to_string();
    assert_eq!(f(&format!("number={n}")).await, 1);
    let by_pri = w.admin.get("/tickets?sort=-priority&limit=1").await;
    assert_eq!(by_pri.body["tickets"][0]["id"], ids[0]);
}

#[tokio::test]
async fn departments_auto_assign() {
    let w = World::new().await;
    let (a2, _) = w.admin.make_user(&w.server, "agent", "zed@example.com", "Zed").await;
    let d = w
        .admin
        .post("/departments", json!({"name": "Round", "auto_assign": "round_robin", "member_ids": [w.ayse_id, a2]}))
        .await
        .expect(201)
        .id();
    let mut assignees = Vec::new();
    for i in 0..4 {
        let t = w
            .erin
            .post("/tickets", json!({"subject": format!("rr {i}"), "department_id": d, "body": "x"}))
            .await
            .expect(201);
        assignees.push(w.admin.get(&format!("/tickets/{}", t.id())).await.body["assignee_id"].as_i64().unwrap());
    }
    assert_eq!(assignees, [w.ayse_id, a2, w.ayse_id, a2]);
    let id = w.open(&w.erin, d, "with event").await;
    let ev = w.admin.get(&format!("/tickets/{id}/events")).await;
    let a = ev.body["events"].as_array().unwrap().iter().find(|e| e["kind"] == "ticket.assignee_changed").unwrap();
    assert_eq!(a["side"], "system");
}

#[tokio::test]
async fn answers_match_what_was_stored() {
    let w = World::new().await;
    let without_wait = |mut v: serde_json::Value| {
        v.as_object_mut().unwrap().remove("wait_seconds");
        v
    };
    // A customer's ticket, an agent's ticket for a new requester, a reply, a note, a follow-up.
    let up = w.erin.upload(&[("a.txt", b"abc")]).await.body["attachments"][0]["id"].as_i64().unwrap();
    let c = w
        .erin
        .post(
            "/tickets",
            json!({"subject": "Stored?", "department_id": w.billing, "body": "yes", "attachment_ids": [up]}),
        )
        .await
        .expect(201);
    let g = w.erin.get(&format!("/tickets/{}", c.id())).await.expect(200);
    assert_eq!(without_wait(c.body.clone()), without_wait(g.body));
    let a = w.ayse.post("/tickets", json!({"subject": "New person", "department_id": w.billing, "body": "hi", "requester": {"email": "new.person@example.com"}})).await.expect(201);
    let g = w.ayse.get(&format!("/tickets/{}", a.id())).await.expect(200);
    // The agent who opened it gets its access key once, to hand over; reads
    // leave it out for agents.
    let mut opened = without_wait(a.body.clone());
    assert_eq!(opened.as_object_mut().unwrap().remove("access_key").unwrap().as_str().unwrap().len(), 32);
    assert!(g.body.get("access_key").is_none());
    assert_eq!(opened, without_wait(g.body));
    let r = w
        .ayse
        .post(&format!("/tickets/{}/replies", c.id()), json!({"body": "reply", "status": "on_hold"}))
        .await
        .expect(201);
    let m = w.ayse.get(&format!("/messages/{}", r.body["message"]["id"])).await.expect(200);
    assert_eq!(r.body["message"], m.body);
    let g = w.ayse.get(&format!("/tickets/{}", c.id())).await.expect(200);
    let mut listed = g.body.clone();
    listed.as_object_mut().unwrap().remove("messages");
    assert_eq!(without_wait(r.body["ticket"].clone()), without_wait(listed));
    w.erin.post_empty(&format!("/tickets/{}/close", c.id())).await.expect(200);
    let f = w.erin.post(&format!("/tickets/{}/replies", c.id()), json!({"body": "again"})).await.expect(201);
    let g = w.erin.get(&format!("/tickets/{}", f.body["ticket"]["id"])).await.expect(200);
    let mut listed = g.body;
    assert_eq!(listed["messages"][0], f.body["message"]);
    listed.as_object_mut().unwrap().remove("messages");
    assert_eq!(without_wait(f.body["ticket"].clone()), without_wait(listed));
}

#[tokio::test]
async fn a_reply_carries_custom_fields_in_the_same_change() {
    let w = World::new().await;
    w.admin.post("/custom-fields", json!({"key": "plan", "type": "text", "labels": {"en": "Plan"}})).await.expect(201);
    let id = w.open(&w.erin, w.billing, "Plan change").await;
    let before = w.admin.get(&format!("/tickets/{id}")).await.body["version"].as_i64().unwrap();
    let r = w
        .ayse
        .post(&format!("/tickets/{id}/replies"), json!({"body": "Moved you", "custom_fields": {"plan": "gold"}}))
        .await
        .expect(201);
    assert_eq!(r.body["ticket"]["custom_fields"]["plan"], "gold");
    assert_eq!(r.body["ticket"]["version"], before + 1, "one change, one version");
    // A field the desk refuses refuses the reply: nothing is written.
    let messages = w.admin.get(&format!("/tickets/{id}/messages")).await.body["messages"].as_array().unwrap().len();
    let r = w.ayse.post(&format!("/tickets/{id}/replies"), json!({"body": "x", "custom_fields": {"nope": "1"}})).await;
    assert!(r.status >= 400 && r.status < 500, "{}", r.body);
    assert_eq!(
        w.admin.get(&format!("/tickets/{id}/messages")).await.body["messages"].as_array().unwrap().len(),
        messages
    );
    // Replying to a closed ticket opens a follow-up, which gets the fields.
    w.admin.post_empty(&format!("/tickets/{id}/close")).await.expect(200);
    let r = w
        .ayse
        .post(&format!("/tickets/{id}/replies"), json!({"body": "Again", "custom_fields": {"plan": "silver"}}))
        .await
        .expect(201);
    assert_eq!(r.body["follow_up"], true);
    assert_eq!(r.body["ticket"]["custom_fields"]["plan"], "silver");
}
