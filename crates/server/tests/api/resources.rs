//! The resources around tickets: me, users, organizations, departments,
//! services (with billing sync), statuses, custom fields (with secrets) and
//! tokens.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn me_users_and_organizations() {
    let w = World::new().await;
    let me = w.ayse.get("/me").await.expect(200);
    assert_eq!(me.body["email"], "ayse@example.com");
    assert_eq!(me.body["role"], "agent");
    assert_eq!(me.body["department_ids"], json!([w.billing]));
    let u = w.admin.post("/users", json!({"email": "wang.fang@example.cn", "name": "王芳", "locale": "zh", "password": "a good long password"})).await.expect(201);
    assert_eq!(u.body["name"], "王芳");
    assert_eq!(u.body["has_password"], true);
    assert!(u.body.get("password_hash").is_none());
    let id = u.id();
    let list = w.admin.get("/users?q=wang").await.expect(200);
    assert_eq!(list.body["users"].as_array().unwrap().len(), 1);
    let custs = w.admin.get("/users?role=customer&limit=2").await.expect(200);
    assert_eq!(custs.body["users"].as_array().unwrap().len(), 2);
    let next = custs.body["next_after"].as_i64().unwrap();
    let rest = w.admin.get(&format!("/users?role=customer&after={next}")).await.expect(200);
    assert_eq!(rest.body["users"].as_array().unwrap().len(), 2, "{}", rest.body);
    assert_eq!(
        w.admin.get(&format!("/users?organization_id={}", w.acme)).await.body["users"].as_array().unwrap().len(),
        2
    );
    let p = w
        .admin
        .patch(&format!("/users/{id}"), json!({"name": "Wang Fang", "email": "fang@example.cn"}))
        .await
        .expect(200);
    assert_eq!(p.body["email"], "fang@example.cn");
    assert_eq!(p.body["time_zone"], "UTC");
    let tz = w.admin.patch(&format!("/users/{id}"), json!({"time_zone": "Asia/Shanghai"})).await.expect(200);
    assert_eq!(tz.body["time_zone"], "Asia/Shanghai");
    let bad = w.admin.patch(&format!("/users/{id}"), json!({"time_zone": "not a zone!"})).await.expect(422);
    assert_eq!(bad.field(), "time_zone");
    // Well formed is not enough: the zone must exist (issue 18, item 15).
    for unknown in ["Mars/Olympus_Mons", "Europe/Nowhere"] {
        let bad = w.admin.patch(&format!("/users/{id}"), json!({"time_zone": unknown})).await.expect(422);
        assert_eq!((bad.code(), bad.field()), ("invalid_time_zone", "time_zone"));
        let new = json!({"email": "mars@example.cn", "name": "Mars", "role": "customer", "time_zone": unknown});
        assert_eq!(w.admin.post("/users", new).await.expect(422).field(), "time_zone");
    }
    assert_eq!(w.admin.get(&format!("/users/{id}")).await.expect(200).body["time_zone"], "Asia/Shanghai");
    // The last administrator stays one.
    let r = w.admin.patch("/users/1", json!({"role": "agent"})).await.expect(422);
    assert_eq!((r.code(), r.field()), ("last_admin", "role"));
    w.admin.patch(&format!("/users/{}", w.boris_id), json!({"role": "admin"})).await.expect(200);
    w.admin.patch("/users/1", json!({"role": "agent"})).await.expect(200);
    // The user can sign in with the password through the desk.
    assert!(w.server.state.desk.authenticate_password("FANG@example.cn", "a good long password").await.is_ok());
    assert!(w.server.state.desk.authenticate_password("fang@example.cn", "wrong password").await.is_err());

    let o = w
        .ayse
        .post("/organizations", json!({"name": "Örnek A.Ş.", "external_id": "C-17", "notes": "VIP"}))
        .await
        .expect(201);
    let oid = o.id();
    w.ayse.patch(&format!("/organizations/{oid}"), json!({"notes": "very VIP"})).await.expect(200);
    assert_eq!(w.ayse.get(&format!("/organizations/{oid}")).await.body["notes"], "very VIP");
    w.ayse.post("/organizations", json!({"name": "Örnek A.Ş."})).await.expect(409);
    // Customers see only their own organization.
    assert_eq!(w.dave.get("/organizations").await.body["organizations"].as_array().unwrap().len(), 1);
    w.dave.get(&format!("/organizations/{oid}")).await.expect(404);
    w.dave.post("/organizations", json!({"name": "Mine"})).await.expect(403);
}

#[tokio::test]
async fn departments_with_members_and_required_services() {
    let w = World::new().await;
    let d = w.admin.post("/departments", json!({
        "name": "Sunucular", "description": "Sunucu sorunları", "public": true, "email": "sunucu@example.com.tr",
        "auto_assign": "least_open", "requires_service": true, "signature": "— Destek", "position": 5,
        "member_ids": [w.ayse_id, w.boris_id]
    })).await.expect(201);
    let id = d.id();
    assert_eq!(d.body["member_ids"], json!([w.ayse_id, w.boris_id]));
    assert_eq!(d.body["auto_assign"], "least_open");
    let p = w
        .admin
        .patch(&format!("/departments/{id}"), json!({"member_ids": [w.boris_id], "description": "Servers"}))
        .await
        .expect(200);
    assert_eq!(p.body["member_ids"], json!([w.boris_id]));
    assert_eq!(w.boris.get("/me").await.body["department_ids"], json!([w.tech, id]));
    // A ticket there needs one of the requester's services.
    let r = w.erin.post("/tickets", json!({"subject": "x", "department_id": id, "body": "x"})).await.expect(422);
    assert_eq!(r.field(), "service_id");
    let s = w
        .admin
        .post("/services", json!({"kind": "service", "label": "VPS", "owner_id": w.erin_id}))
        .await
        .expect(201)
        .id();
    let t = w
        .erin
        .post("/tickets", json!({"subject": "x", "department_id": id, "body": "x", "service_id": s}))
        .await
        .expect(201);
    assert_eq!(t.body["service_id"], s);
    // least_open gave it to the only member.
    assert_eq!(w.admin.get(&format!("/tickets/{}", t.id())).await.body["assignee_id"], w.boris_id);
}

#[tokio::test]
async fn services_sync_from_a_billing_system() {
    let w = World::new().await;
    let r = w
        .admin
        .put(
            "/services/sync/service/1042",
            json!({"label": "VPS 4 GB — web01", "owner_email": "new.client@example.com", "status": "active"}),
        )
        .await
        .expect(201);
    let id = r.id();
    assert_eq!(r.body["external_id"], "1042");
    assert_eq!(r.body["kind"], "service");
    let owner = r.body["owner_id"].as_i64().unwrap();
    assert_eq!(w.admin.get(&format!("/users/{owner}")).await.body["email"], "new.client@example.com");
    // The same call again updates in place.
    let r = w
        .admin
        .put("/services/sync/service/1042", json!({"label": "VPS 8 GB — web01", "status": "suspended"}))
        .await
        .expect(200);
    assert_eq!(r.id(), id);
    assert_eq!(r.body["status"], "suspended");
    assert_eq!(r.body["owner_id"], owner);
    // A domain with the same external id is another service.
    let d = w
        .admin
        .put("/services/sync/domain/1042", json!({"label": "ornek.com.tr", "owner_id": owner}))
        .await
        .expect(201);
    assert_ne!(d.id(), id);
    assert_eq!(w.admin.get(&format!("/services?owner_id={owner}")).await.body["services"].as_array().unwrap().len(), 2);
    // The path decides kind and id.
    w.admin.put("/services/sync/domain/1042", json!({"kind": "service"})).await.expect(422);
    w.erin.put("/services/sync/service/1", json!({"label": "x", "owner_id": w.erin_id})).await.expect(403);
    // Direct creation and editing.
    let s = w
        .ayse
        .post("/services", json!({"kind": "other", "label": "Licence", "owner_id": w.dave_id, "external_id": "L-1"}))
        .await
        .expect(201)
        .id();
    w.ayse.patch(&format!("/services/{s}"), json!({"status": "cancelled"})).await.expect(200);
    w.ayse
        .post("/services", json!({"kind": "other", "label": "Dup", "owner_id": w.dave_id, "external_id": "L-1"}))
        .await
        .expect(409);
}

#[tokio::test]
async fn custom_statuses_behave_like_their_category() {
    let w = World::new().await;
    let s = w
        .admin
        .post("/statuses", json!({"key": "waiting_on_vendor", "name": "Waiting on vendor", "category": "hold"}))
        .await
        .expect(201);
    assert_eq!(s.body["builtin"], false);
    let keys: Vec<String> = w.erin.get("/statuses").await.body["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, ["new", "open", "in_progress", "answered", "on_hold", "solved", "closed", "waiting_on_vendor"]);
    let id = w.open(&w.erin, w.billing, "Vendor").await;
    let t = w.ayse.patch(&format!("/tickets/{id}"), json!({"status": "waiting_on_vendor"})).await.expect(200);
    assert_eq!(t.body["status_category"], "hold");
    assert_eq!(w.ayse.get("/tickets?status_category=hold").await.body["total"], 1);
    let r = w.erin.post(&format!("/tickets/{id}/replies"), json!({"body": "any news?"})).await.expect(201);
    assert_eq!(r.body["ticket"]["status"], "open");
}

#[tokio::test]
async fn custom_fields_validate_show_and_keep_secrets() {
    let w = World::new().await;
    w.admin.post("/custom-fields", json!({"key": "os", "type": "select", "options": ["linux", "windows"], "labels": {"en": "OS", "tr": "İşletim sistemi"}, "required": true, "department_ids": [w.tech]})).await.expect(201);
    w.admin.post("/custom-fields", json!({"key": "internal_score", "type": "number", "labels": {"en": "Score"}, "customer_visible": false, "customer_editable": false})).await.expect(201);
    let secret = w.admin.post("/custom-fields", json!({"key": "server_password", "type": "secret", "labels": {"en": "Server password"}, "customer_editable": true, "wipe_on_solve": true})).await.expect(201).id();
    // Required where it applies, unknown where it does not.
    let r = w.erin.post("/tickets", json!({"subject": "x", "department_id": w.tech, "body": "x"})).await.expect(422);
    assert_eq!(r.field(), "custom_fields.os");
    let r = w
        .erin
        .post(
            "/tickets",
            json!({"subject": "x", "department_id": w.billing, "body": "x", "custom_fields": {"os": "linux"}}),
        )
        .await
        .expect(422);
    assert_eq!(r.field(), "custom_fields.os");
    let r = w.erin.post("/tickets", json!({"subject": "x", "department_id": w.tech, "body": "x", "custom_fields": {"os": "linux", "internal_score": 3}})).await.expect(403);
    assert_eq!(r.field(), "custom_fields.internal_score");
    let t = w
        .erin
        .post(
            "/tickets",
            json!({"subject": "Sunucuya giremiyorum", "department_id": w.tech, "body": "x",
        "custom_fields": {"os": "linux", "server_password": "S3cr3t-şifre"}}),
        )
        .await
        .expect(201);
    let id = t.id();
    assert_eq!(t.body["custom_fields"], json!({"os": "linux"}), "customers never see secrets");
    w.boris.patch(&format!("/tickets/{id}"), json!({"custom_fields": {"internal_score": 7}})).await.expect(200);
    // Agents of the department see that a secret is set, not its value.
    let a = w.boris.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(a.body["custom_fields"]["server_password"], "********");
    assert_eq!(a.body["custom_fields"]["internal_score"], 7);
    // The database holds ciphertext only.
    let raw = w.server.store.ticket(tessera_core::TicketId(id)).await.unwrap().unwrap();
    let stored = raw.custom_fields["server_password"].as_str().unwrap().to_string();
    assert!(stored.starts_with("enc:v1:") && !stored.contains("S3cr3t"));
    // Revealing is for the department's agents, and leaves a trace.
    let v = w.boris.post_empty(&format!("/tickets/{id}/secrets/server_password/reveal")).await.expect(200);
    assert_eq!(v.body["value"], "S3cr3t-şifre");
    w.erin.post_empty(&format!("/tickets/{id}/secrets/server_password/reveal")).await.expect(403);
    w.ayse.post_empty(&format!("/tickets/{id}/secrets/server_password/reveal")).await.expect(404);
    w.boris.post_empty(&format!("/tickets/{id}/secrets/os/reveal")).await.expect(404);
    let events = w.admin.get(&format!("/tickets/{id}/events")).await.body;
    let dump = events.to_string();
    assert!(dump.contains("secret.revealed"));
    assert!(!dump.contains("S3cr3t"), "secrets never reach events");
    // Solving wipes it.
    w.boris.post_empty(&format!("/tickets/{id}/solve")).await.expect(200);
    let v = w.boris.post_empty(&format!("/tickets/{id}/secrets/server_password/reveal")).await.expect(200);
    assert!(v.body["value"].is_null());
    // Definitions: customers see only theirs; key and type are fixed; delete works.
    let keys: Vec<String> = w.erin.get("/custom-fields").await.body["custom_fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys, ["os", "server_password"]);
    w.admin.patch(&format!("/custom-fields/{secret}"), json!({"required": true})).await.expect(200);
    w.admin.patch(&format!("/custom-fields/{secret}"), json!({"key": "pw"})).await.expect(422);
    w.admin.delete(&format!("/custom-fields/{secret}")).await.expect(204);
    w.admin.delete(&format!("/custom-fields/{secret}")).await.expect(404);
}

#[tokio::test]
async fn tokens_are_shown_once_and_work_as_bearer() {
    let w = World::new().await;
    let t = w.erin.post("/tokens", json!({"name": "my script"})).await.expect(201);
    let token = t.body["token"].as_str().unwrap().to_string();
    assert_eq!(token, format!("{}.{}", t.body["identifier"].as_str().unwrap(), t.body["secret"].as_str().unwrap()));
    let api = w.server.with_token(&token);
    assert_eq!(api.get("/me").await.expect(200).body["id"], w.erin_id);
    let list = w.erin.get("/tokens").await.expect(200);
    assert_eq!(list.body["tokens"].as_array().unwrap().len(), 2);
    assert!(!list.body.to_string().contains(t.body["secret"].as_str().unwrap()), "secrets are never listed");
    // Only a hash is stored.
    let stored = w.server.store.token_by_identifier(t.body["identifier"].as_str().unwrap()).await.unwrap().unwrap();
    assert_ne!(stored.secret_hash, t.body["secret"].as_str().unwrap());
    w.erin.delete(&format!("/tokens/{}", t.id())).await.expect(204);
    api.get("/me").await.expect(401);
}

#[tokio::test]
async fn health_and_readiness() {
    let s = TestServer::start().await;
    let a = s.anonymous();
    let h = a.get("/healthz").await;
    assert_eq!(h.status, 200);
    assert_eq!(a.get("/readyz").await.status, 200);
    // Every answer carries the security headers.
    assert_eq!(h.header("x-content-type-options").as_deref(), Some("nosniff"));
    assert!(h.header("content-security-policy").unwrap().contains("frame-ancestors 'none'"));
}
