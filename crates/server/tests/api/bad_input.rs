//! Bad input on every route family gets the error shape with the right 4xx
//! status, and changes nothing.

use crate::support::*;
use serde_json::{Value, json};

/// Ids of one of everything, to aim bad requests at.
struct Targets {
    ticket: i64,
    message: i64,
    user: i64,
    org: i64,
    dept: i64,
    service: i64,
    field: i64,
}

async fn targets(w: &World) -> Targets {
    let ticket = w.open(&w.erin, w.billing, "Target").await;
    let message = w.admin.get(&format!("/tickets/{ticket}")).await.body["messages"][0]["id"].as_i64().unwrap();
    let service = w
        .admin
        .post("/services", json!({"kind": "service", "label": "S", "owner_id": w.erin_id}))
        .await
        .expect(201)
        .id();
    let field = w
        .admin
        .post("/custom-fields", json!({"key": "os", "type": "select", "options": ["linux"], "labels": {"en": "OS"}}))
        .await
        .expect(201)
        .id();
    Targets { ticket, message, user: w.erin_id, org: w.acme, dept: w.billing, service, field }
}

/// Every route that takes a JSON body: method and path.
fn json_routes(t: &Targets) -> Vec<(&'static str, String)> {
    vec![
        ("POST", "/tickets".into()),
        ("PATCH", format!("/tickets/{}", t.ticket)),
        ("POST", format!("/tickets/{}/replies", t.ticket)),
        ("POST", format!("/tickets/{}/notes", t.ticket)),
        ("POST", format!("/tickets/{}/merge", t.ticket)),
        ("PATCH", format!("/messages/{}", t.message)),
        ("POST", format!("/messages/{}/rating", t.message)),
        ("POST", "/users".into()),
        ("PATCH", format!("/users/{}", t.user)),
        ("POST", "/organizations".into()),
        ("PATCH", format!("/organizations/{}", t.org)),
        ("POST", "/departments".into()),
        ("PATCH", format!("/departments/{}", t.dept)),
        ("POST", "/services".into()),
        ("PATCH", format!("/services/{}", t.service)),
        ("PUT", "/services/sync/service/B-1".into()),
        ("POST", "/statuses".into()),
        ("POST", "/custom-fields".into()),
        ("PATCH", format!("/custom-fields/{}", t.field)),
        ("POST", "/tokens".into()),
    ]
}

async fn raw(api: &Api, method: &str, path: &str, ct: &str, body: &[u8]) -> Resp {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    Api::send(api.request(m, path).header("content-type", ct).body(body.to_vec())).await
}

async fn snapshot(w: &World) -> Value {
    let tickets = w.admin.get("/tickets?limit=100").await.body;
    let users = w.admin.get("/users?limit=200").await.body;
    let depts = w.admin.get("/departments").await.body;
    let services = w.admin.get("/services").await.body;
    let fields = w.admin.get("/custom-fields").await.body;
    let statuses = w.admin.get("/statuses").await.body;
    let orgs = w.admin.get("/organizations").await.body;
    let messages = w.admin.get("/tickets?limit=1").await.body;
    json!([tickets, users, depts, services, fields, statuses, orgs, messages])
}

#[tokio::test]
async fn malformed_wrong_and_unknown_bodies_on_every_json_route() {
    let w = World::new().await;
    let t = targets(&w).await;
    let before = snapshot(&w).await;
    for (method, path) in json_routes(&t) {
        let r = raw(&w.admin, method, &path, "application/json", b"{,}").await;
        assert_eq!((r.status, r.code()), (400, "malformed_json"), "{method} {path}: {}", r.body);
        let r = raw(&w.admin, method, &path, "application/json", b"\"just a string\"").await;
        assert_eq!((r.status, r.code()), (422, "invalid_body"), "{method} {path}: {}", r.body);
        let r = raw(&w.admin, method, &path, "application/json", b"{\"no_such_field\": 1}").await;
        assert_eq!((r.status, r.code()), (422, "invalid_body"), "{method} {path}: {}", r.body);
        assert!(r.body["error"]["message"].as_str().unwrap().contains("no_such_field"), "{method} {path}: {}", r.body);
        let r = raw(&w.admin, method, &path, "text/plain", b"{}").await;
        assert_eq!((r.status, r.code()), (415, "unsupported_media_type"), "{method} {path}: {}", r.body);
        let r = raw(&w.admin, method, &path, "application/json", &[0xff, 0xfe, 0x00]).await;
        assert_eq!(r.status, 400, "{method} {path}: {}", r.body);
    }
    assert_eq!(snapshot(&w).await, before, "bad requests changed something");
}

#[tokio::test]
async fn wrong_types_and_values_name_the_field() {
    let w = World::new().await;
    let t = targets(&w).await;
    let before = snapshot(&w).await;
    let cases: Vec<(&str, String, Value, u16, &str)> = vec![
        ("POST", "/tickets".into(), json!({"subject": 5, "department_id": w.billing, "body": "x"}), 422, "subject"),
        ("POST", "/tickets".into(), json!({"department_id": w.billing, "body": "x"}), 422, "subject"),
        (
            "POST",
            "/tickets".into(),
            json!({"subject": "x", "department_id": w.billing, "body": "x", "requester": {"name": "No Mail"}}),
            422,
            "requester.email",
        ),
        ("POST", "/tickets".into(), json!({"subject": "x", "department_id": "one", "body": "x"}), 422, "department_id"),
        ("POST", "/tickets".into(), json!({"subject": "   ", "department_id": w.billing, "body": "x"}), 422, "subject"),
        (
            "POST",
            "/tickets".into(),
            json!({"subject": "x", "department_id": 999_999, "body": "x"}),
            422,
            "department_id",
        ),
        ("POST", "/tickets".into(), json!({"subject": "x", "department_id": w.billing, "body": ""}), 422, "body"),
        (
            "POST",
            "/tickets".into(),
            json!({"subject": "x", "department_id": w.billing, "body": "x", "priority": "extreme"}),
            422,
            "priority",
        ),
        (
            "POST",
            "/tickets".into(),
            json!({"subject": "x", "department_id": w.billing, "body": "x", "attachment_ids": [424_242]}),
            422,
            "attachment_ids",
        ),
        (
            "POST",
            "/tickets".into(),
            json!({"subject": "x", "department_id": w.billing, "body": "x", "custom_fields": {"nope": 1}}),
            422,
            "custom_fields.nope",
        ),
        (
            "POST",
            "/tickets".into(),
            json!({"subject": "x", "department_id": w.billing, "body": "x", "custom_fields": {"os": "windows"}}),
            422,
            "custom_fields.os",
        ),
        (
            "POST",
            "/tickets".into(),
            json!({"subject": "x", "department_id": w.billing, "body": "x", "requester": {"email": "not an address"}}),
            422,
            "requester.email",
        ),
        (
            "POST",
            "/tickets".into(),
            json!({"subject": "x", "department_id": w.billing, "body": "x", "tags": ["two words"]}),
            422,
            "tags",
        ),
        ("PATCH", format!("/tickets/{}", t.ticket), json!({"status": "nonexistent"}), 422, "status"),
        ("PATCH", format!("/tickets/{}", t.ticket), json!({"assignee_id": w.erin_id}), 422, "assignee_id"),
        ("PATCH", format!("/tickets/{}", t.ticket), json!({"tags": "vip"}), 422, "tags"),
        ("PATCH", format!("/tickets/{}", t.ticket), json!({"locked": "yes"}), 422, "locked"),
        ("PATCH", format!("/tickets/{}", t.ticket), json!({"due_at": "tomorrow"}), 422, "due_at"),
        ("PATCH", format!("/tickets/{}", t.ticket), json!({"cc": {"emails": ["x"]}}), 422, "cc.emails[0]"),
        ("PATCH", format!("/tickets/{}", t.ticket), json!({"service_id": 777_777}), 422, "service_id"),
        ("POST", format!("/tickets/{}/replies", t.ticket), json!({"body": "  "}), 422, "body"),
        ("POST", format!("/tickets/{}/merge", t.ticket), json!({"source_ids": []}), 422, "source_ids"),
        ("POST", format!("/messages/{}/rating", t.message), json!({"rating": 300}), 422, "rating"),
        ("POST", "/users".into(), json!({"email": "a@b.c", "name": "X", "role": "king"}), 422, "role"),
        ("POST", "/users".into(), json!({"email": "a@b.c", "name": "X", "password": "short"}), 422, "password"),
        ("POST", "/users".into(), json!({"email": "erin@EXAMPLE.org", "name": "Dup"}), 409, "email"),
        ("POST", "/users".into(), json!({"email": "a@b.c", "name": "X", "locale": "xx"}), 422, "locale"),
        ("POST", "/departments".into(), json!({"name": "Billing"}), 409, "name"),
        ("POST", "/departments".into(), json!({"name": "D", "auto_assign": "random"}), 422, "auto_assign"),
        ("POST", "/departments".into(), json!({"name": "D", "member_ids": [w.erin_id]}), 422, "member_ids"),
        ("POST", "/services".into(), json!({"kind": "service", "label": "x"}), 422, "owner_id"),
        ("POST", "/services".into(), json!({"kind": "planet", "label": "x", "owner_id": w.erin_id}), 422, "kind"),
        ("POST", "/statuses".into(), json!({"key": "Bad Key", "name": "x", "category": "open"}), 422, "key"),
        ("POST", "/statuses".into(), json!({"key": "open", "name": "x", "category": "open"}), 409, "key"),
        ("POST", "/statuses".into(), json!({"key": "x", "name": "x", "category": "limbo"}), 422, "category"),
        (
            "POST",
            "/custom-fields".into(),
            json!({"key": "sel", "type": "select", "labels": {"en": "S"}}),
            422,
            "options",
        ),
        ("POST", "/custom-fields".into(), json!({"key": "t", "type": "text"}), 422, "labels"),
        ("PATCH", format!("/custom-fields/{}", t.field), json!({"type": "text"}), 422, "type"),
        ("POST", "/organizations".into(), json!({"name": ""}), 422, "name"),
    ];
    for (method, path, body, status, field) in cases {
        let r = raw(&w.admin, method, &path, "application/json", body.to_string().as_bytes()).await;
        assert_eq!(r.status, status, "{method} {path} {body}: {}", r.body);
        if !field.is_empty() {
            assert_eq!(r.field(), field, "{method} {path} {body}: {}", r.body);
        }
        assert!(r.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(snapshot(&w).await, before, "bad requests changed something");
}

#[tokio::test]
async fn unknown_ids_paths_methods_queries_and_headers() {
    let w = World::new().await;
    let t = targets(&w).await;
    w.open(&w.erin, w.billing, "Second").await;
    let before = snapshot(&w).await;
    for path in [
        "/tickets/999999",
        "/tickets/abc",
        "/tickets/-1",
        "/tickets/0",
        "/tickets/999999/messages",
        "/tickets/999999/events",
        "/messages/999999",
        "/messages/999999/history",
        "/users/999999",
        "/organizations/999999",
        "/departments/999999",
        "/services/999999",
        "/attachments/999999",
        "/attachments/999999/download",
        "/no/such/route",
    ] {
        let r = w.admin.get(path).await;
        assert_eq!((r.status, r.code()), (404, "not_found"), "{path}: {}", r.body);
    }
    for (method, path, body) in [
        ("PATCH", "/tickets/999999", json!({"priority": "low"})),
        ("POST", "/tickets/999999/replies", json!({"body": "x"})),
        ("POST", "/tickets/999999/solve", Value::Null),
        ("DELETE", "/tickets/999999", Value::Null),
        ("POST", "/tickets/999999/merge", json!({"source_ids": [1]})),
        ("PATCH", "/messages/999999", json!({"body": "x"})),
        ("DELETE", "/messages/999999", Value::Null),
        ("PATCH", "/users/999999", json!({"name": "x"})),
        ("PATCH", "/departments/999999", json!({"name": "x"})),
        ("PATCH", "/services/999999", json!({"label": "x"})),
        ("PATCH", "/organizations/999999", json!({"name": "x"})),
        ("PATCH", "/custom-fields/999999", json!({"required": true})),
        ("DELETE", "/custom-fields/999999", Value::Null),
        ("DELETE", "/tokens/999999", Value::Null),
        ("POST", "/tickets/999999/secrets/x/reveal", Value::Null),
        ("PUT", "/services/sync/planet/1", json!({"label": "x"})),
    ] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let rb = w.admin.request(m, path);
        let rb = if body.is_null() { rb } else { rb.json(&body) };
        let r = Api::send(rb).await;
        assert_eq!((r.status, r.code()), (404, "not_found"), "{method} {path}: {}", r.body);
    }
    // Merging an unknown source is a field error.
    let r = w.admin.post(&format!("/tickets/{}/merge", t.ticket), json!({"source_ids": [999_999]})).await.expect(422);
    assert_eq!(r.field(), "source_ids");
    // Wrong methods.
    let r = Api::send(w.admin.request(reqwest::Method::PUT, "/tickets")).await;
    assert_eq!((r.status, r.code()), (405, "method_not_allowed"));
    // Bad queries.
    for q in [
        "status_category=limbo",
        "priority=extreme",
        "sort=subject",
        "limit=0",
        "limit=1000",
        "cursor=%%%",
        "created_after=yesterday",
        "archived=maybe",
        "assignee_id=x",
        "unknown=1",
        "type=bug",
    ] {
        let r = w.admin.get(&format!("/tickets?{q}")).await;
        assert_eq!((r.status, r.code()), (400, "invalid_query"), "{q}: {}", r.body);
    }
    w.admin.get(&format!("/tickets/{}?order=sideways", t.ticket)).await.expect(400);
    w.admin.get("/users?role=king").await.expect(400);
    w.admin.get("/users?limit=5000").await.expect(400);
    // A cursor belongs to its order.
    let c = w.admin.get("/tickets?limit=1&sort=created_at").await;
    let cursor = c.body["next_cursor"].as_str().unwrap().to_string();
    w.admin.get(&format!("/tickets?limit=1&sort=created_at&cursor={cursor}")).await.expect(200);
    w.admin.get(&format!("/tickets?limit=1&sort=-priority&cursor={cursor}")).await.expect(400);
    // Bad If-Match.
    let r = Api::send(
        w.admin
            .request(reqwest::Method::PATCH, &format!("/tickets/{}", t.ticket))
            .header("if-match", "banana")
            .json(&json!({"priority": "low"})),
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "invalid_header"));
    assert_eq!(snapshot(&w).await, before, "bad requests changed something");
    let _ = (t.user, t.org, t.dept, t.service, t.field, t.message);
}

#[tokio::test]
async fn oversized_bodies_and_uploads_are_refused() {
    let server = TestServer::start_with(|c| {
        c.max_body_bytes = 2048;
        c.max_attachment_bytes = 1000;
        c.max_attachments_per_message = 2;
    })
    .await;
    let admin = server.admin().await;
    let big = json!({"subject": "big", "department_id": 1, "body": "x".repeat(10_000)});
    let r = admin.post("/tickets", big).await;
    assert_eq!((r.status, r.code()), (413, "too_large"), "{}", r.body);
    let r = admin.upload(&[("big.bin", &[7u8; 1001])]).await;
    assert_eq!((r.status, r.code()), (413, "too_large"), "{}", r.body);
    let r = admin.upload(&[("a", b"1"), ("b", b"2"), ("c", b"3")]).await;
    assert_eq!(r.status, 413, "{}", r.body);
    let r = admin.upload(&[]).await;
    assert_eq!((r.status, r.code()), (400, "malformed_multipart"), "{}", r.body);
    let r = admin
        .post_raw(
            "/attachments",
            "multipart/form-data; boundary=x",
            b"--x\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nvalue\r\n--x--\r\n".to_vec(),
        )
        .await;
    assert_eq!((r.status, r.field()), (422, "file"), "{}", r.body);
    let r = admin.post_raw("/attachments", "multipart/form-data; boundary=x", b"--x\r\nbroken".to_vec()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = admin.post_raw("/attachments", "application/json", b"{}".to_vec()).await;
    assert_eq!(r.status, 415, "{}", r.body);
    // Too many attachments on one message.
    let ids: Vec<i64> = {
        let mut v = Vec::new();
        for i in 0..3 {
            v.push(
                admin.upload(&[("f", format!("file {i}").as_bytes())]).await.expect(201).body["attachments"][0]["id"]
                    .as_i64()
                    .unwrap(),
            );
        }
        v
    };
    let r =
        admin.post("/tickets", json!({"subject": "x", "department_id": 1, "body": "x", "attachment_ids": ids})).await;
    assert_eq!((r.status, r.field()), (422, "attachment_ids"));
    assert_eq!(admin.get("/tickets").await.body["total"], 0);
}

// Found by the API fuzzing suite (tests/fuzz, docs/fuzzing.md).

#[tokio::test]
async fn a_json_array_is_refused_where_an_object_is_expected() {
    let w = World::new().await;
    let t = targets(&w).await;
    let tokens_before = w.admin.get("/tokens").await.body;
    let before = snapshot(&w).await;
    // serde fills a struct from an array by position: `[null, null]` was a
    // valid "change nothing" and a valid "new token".
    for (method, path) in json_routes(&t) {
        let r = raw(&w.admin, method, &path, "application/json", b"[null, null]").await;
        assert_eq!((r.status, r.code()), (422, "invalid_body"), "{method} {path}: {}", r.body);
        let r = raw(&w.admin, method, &path, "application/json", b"[1, ").await;
        assert_eq!((r.status, r.code()), (400, "malformed_json"), "{method} {path}: {}", r.body);
    }
    assert_eq!(snapshot(&w).await, before, "array bodies changed something");
    assert_eq!(w.admin.get("/tokens").await.body, tokens_before, "an array body made a token");
}

#[tokio::test]
async fn if_match_accepts_the_documented_forms_only() {
    let w = World::new().await;
    let t = targets(&w).await;
    let path = format!("/tickets/{}", t.ticket);
    let send = |value: &str| {
        Api::send(
            w.admin
                .request(reqwest::Method::PATCH, &path)
                .header("if-match", value)
                .json(&json!({"priority": "normal"})),
        )
    };
    // Malformed: 400, whatever the version.
    for bad in ["\"\"1\"\"", "\"1", "1\"", "+1", "-1", "1.0", "W/", "*", "1234567890123456789"] {
        let r = send(bad).await;
        assert_eq!((r.status, r.code(), r.field()), (400, "invalid_header", "If-Match"), "{bad:?}: {}", r.body);
    }
    // The documented forms name a version: a stale one is 412, the current
    // one applies.
    let version = w.admin.get(&path).await.body["version"].as_i64().unwrap();
    for stale in [format!("{}", version + 5), format!("\"{}\"", version + 5), format!("W/\"{}\"", version + 5)] {
        assert_eq!(send(&stale).await.status, 412, "{stale}");
    }
    for current in [format!("{version}"), format!("\"{version}\""), format!("W/\"{version}\"")] {
        assert_eq!(send(&current).await.status, 200, "{current}");
    }
}

#[tokio::test]
async fn a_bad_idempotency_key_without_a_token_is_401() {
    let w = World::new().await;
    let body = json!({"subject": "x", "department_id": w.billing, "body": "x"});
    let anonymous = w.server.anonymous();
    let r =
        Api::send(anonymous.request(reqwest::Method::POST, "/tickets").header("idempotency-key", "").json(&body)).await;
    assert_eq!((r.status, r.code()), (401, "unauthenticated"), "{}", r.body);
    assert_eq!(r.header("www-authenticate").as_deref(), Some("Bearer"));
    // With a token, the key is judged.
    let r =
        Api::send(w.erin.request(reqwest::Method::POST, "/tickets").header("idempotency-key", "").json(&body)).await;
    assert_eq!((r.status, r.field()), (400, "Idempotency-Key"), "{}", r.body);
}

#[tokio::test]
async fn empty_query_values_are_as_if_not_sent() {
    let w = World::new().await;
    let t = targets(&w).await;
    let view = w.admin.post("/views", json!({"title": "All", "personal": true})).await.expect(201).id();
    let all = w.admin.get("/tickets").await.expect(200).body["total"].clone();
    let r = w
        .admin
        .get("/tickets?assignee_id=&requester_id=&organization_id=&archived=&number=&created_after=&sla_breached=&sla_due_within=&sort=&cursor=&limit=")
        .await
        .expect(200);
    assert_eq!(r.body["total"], all);
    w.admin.get(&format!("/tickets/{}?order=", t.ticket)).await.expect(200);
    w.admin.get(&format!("/tickets/{}/messages?order=", t.ticket)).await.expect(200);
    assert!(!w.admin.get("/users?role=").await.expect(200).body["users"].as_array().unwrap().is_empty());
    w.admin.get(&format!("/views/{view}/tickets?cursor=")).await.expect(200);
    // An order is still checked exactly.
    w.admin.get(&format!("/tickets/{}?order=%20asc", t.ticket)).await.expect(400);
}

#[tokio::test]
async fn a_view_page_size_out_of_range_is_refused() {
    let w = World::new().await;
    let view = w.admin.post("/views", json!({"title": "All", "personal": true})).await.expect(201).id();
    for limit in ["0", "101", "2147483648"] {
        let r = w.admin.get(&format!("/views/{view}/tickets?limit={limit}")).await;
        assert_eq!((r.status, r.code(), r.field()), (400, "invalid_query", "limit"), "{limit}: {}", r.body);
    }
    w.admin.get(&format!("/views/{view}/tickets?limit=100")).await.expect(200);
}
