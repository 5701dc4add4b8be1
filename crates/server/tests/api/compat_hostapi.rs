//! The hostapi compat dialect against a running server (`spec/compat.md`):
//! seed 002's example requests replayed, the answers compared field by
//! field, bad input, other customers' tickets, languages and secrets.

use crate::support::*;
use serde_json::{Value, json};

/// A request to the dialect as `who` (their bearer token), optionally in a
/// language.
fn req(
    w: &World,
    who: Option<&Api>,
    method: reqwest::Method,
    path: &str,
    lang: Option<&str>,
) -> reqwest::RequestBuilder {
    let mut rb = w.admin.client.request(method, format!("{}/compat/hostapi{path}", w.server.base));
    if let Some(t) = who.and_then(|a| a.token.as_deref()) {
        rb = rb.bearer_auth(t);
    }
    if let Some(l) = lang {
        rb = rb.header("accept-language", l);
    }
    rb
}

pub(crate) async fn get(w: &World, who: &Api, path: &str, lang: Option<&str>) -> Resp {
    Api::send(req(w, Some(who), reqwest::Method::GET, path, lang)).await
}

pub(crate) async fn post_json(w: &World, who: &Api, path: &str, body: Value, lang: Option<&str>) -> Resp {
    Api::send(req(w, Some(who), reqwest::Method::POST, path, lang).json(&body)).await
}

async fn post_form(w: &World, who: &Api, path: &str, form: &[(&str, &str)], lang: Option<&str>) -> Resp {
    Api::send(req(w, Some(who), reqwest::Method::POST, path, lang).form(form)).await
}

/// A world with the hostapi dialect on.
async fn world() -> World {
    World::with(all_compat).await
}

/// A service owned by `owner`; answers its id.
pub(crate) async fn service(w: &World, owner: i64) -> i64 {
    w.admin.post("/services", json!({"kind": "service", "label": "VPS", "owner_id": owner})).await.expect(201).id()
}

/// `d-m-y H:i:s`, as the seed writes dates.
fn is_dmy_his(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 17
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b'-',
            8 => *c == b' ',
            11 | 14 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

/// Asserts an error answer: the status and `{"status":"error","message":…}`.
#[track_caller]
fn assert_error(r: &Resp, status: u16, contains: &str) {
    assert_eq!(r.status, status, "body: {}", r.body);
    assert_eq!(r.body["status"], "error", "body: {}", r.body);
    let m = r.body["message"].as_str().unwrap_or_else(|| panic!("no message in {}", r.body));
    assert!(m.contains(contains), "{m:?} does not contain {contains:?}");
    assert_eq!(r.body.as_object().unwrap().len(), 2, "only status and message: {}", r.body);
}

#[tokio::test]
async fn seed_examples_replayed_in_turkish() {
    let w = world().await;
    let sid = service(&w, w.erin_id).await;
    let tr = Some("tr-TR,tr;q=0.9");

    // POST /v1/tickets/create, as the seed's table lists the parameters.
    let r = post_json(
        &w,
        &w.erin,
        "/v1/tickets/create",
        json!({"title": "Sunucuma erişemiyorum", "department": w.tech, "message": "Destek talebi mesaj.", "service": format!("S{sid}")}),
        tr,
    )
    .await
    .expect(200);
    assert_eq!(r.body["status"], "success");
    assert_eq!(r.body["message"], "Destek talebi başarıyla oluşturuldu.");
    let id = r.body["id"].as_i64().expect("the id is a number");
    assert_eq!(r.body.as_object().unwrap().len(), 3);

    // The ticket is the desk's, with the service linked.
    let native = w.erin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(native["subject"], "Sunucuma erişemiyorum");
    assert_eq!(native["department_id"], w.tech);
    assert_eq!(native["service_id"], sid);
    assert_eq!(native["source"], "api");

    // GET /v1/tickets
    let r = get(&w, &w.erin, "/v1/tickets", tr).await.expect(200);
    let data = r.body["data"].as_array().expect("data is a list");
    assert_eq!(data.len(), 1);
    let t = &data[0];
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["attachment", "date", "id", "lastreply", "message", "replies", "status"]);
    assert_eq!(t["id"], id);
    assert!(is_dmy_his(t["date"].as_str().unwrap()), "{}", t["date"]);
    assert!(is_dmy_his(t["lastreply"].as_str().unwrap()), "{}", t["lastreply"]);
    assert_eq!(t["message"], "Destek talebi mesaj.");
    assert_eq!(t["status"], "Open");
    assert_eq!(t["attachment"], "");
    assert_eq!(t["replies"], json!([]));

    // An agent answers (and writes a note the customer never sees).
    w.boris.post(&format!("/tickets/{id}/notes"), json!({"body": "iç not: müşteri VIP"})).await.expect(201);
    w.boris.post(&format!("/tickets/{id}/replies"), json!({"body": "Merhaba, bakıyoruz."})).await.expect(201);

    // POST /v1/tickets/reply, form-encoded as panels send it.
    let r = post_form(&w, &w.erin, "/v1/tickets/reply", &[("id", &id.to_string()), ("reply", "Teşekkürler!")], tr)
        .await
        .expect(200);
    assert_eq!(r.body, json!({"status": "success", "message": "Ticket başarıyla cevaplandı."}));

    let r = get(&w, &w.erin, "/v1/tickets", tr).await.expect(200);
    let t = &r.body["data"][0];
    assert_eq!(t["status"], "Open", "the customer's reply reopens the conversation");
    let replies = t["replies"].as_array().unwrap();
    assert_eq!(replies.len(), 2, "two public replies, no note: {replies:?}");
    assert_eq!(replies[0]["admin"], 1);
    assert_eq!(replies[0]["user"], "Борис Иванов");
    assert_eq!(replies[0]["message"], "Merhaba, bakıyoruz.");
    assert_eq!(replies[1]["admin"], 0);
    assert_eq!(replies[1]["user"], "Erin");
    assert_eq!(replies[1]["message"], "Teşekkürler!");
    for rep in replies {
        let keys: Vec<&str> = rep.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["admin", "date", "id", "message", "user"]);
        assert!(rep["id"].is_i64());
        assert!(is_dmy_his(rep["date"].as_str().unwrap()));
    }
    assert!(!r.body.to_string().contains("VIP"), "internal notes never shown");

    // GET /v1/tickets/{id}/close
    let r = get(&w, &w.erin, &format!("/v1/tickets/{id}/close"), tr).await.expect(200);
    assert_eq!(
        r.body,
        json!({"status": "success", "message": format!("#{id} numaralı destek talebi başarıyla kapatılmıştır.")})
    );
    let t = &get(&w, &w.erin, "/v1/tickets", tr).await.expect(200).body["data"][0];
    assert_eq!(t["status"], "Closed");
    assert_eq!(w.admin.get(&format!("/tickets/{id}")).await.expect(200).body["status"], "closed");
}

/// The hostapi status label of Erin's first ticket.
async fn status(w: &World) -> String {
    let r = get(w, &w.erin, "/v1/tickets", None).await.expect(200);
    r.body["data"][0]["status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn statuses_are_the_mapped_labels() {
    let w = world().await;
    let id = w.open(&w.erin, w.billing, "Fatura").await;
    assert_eq!(status(&w).await, "Open");
    for (native, label) in
        [("in_progress", "In Progress"), ("on_hold", "On Hold"), ("answered", "Answered"), ("solved", "Closed")]
    {
        w.ayse.patch(&format!("/tickets/{id}"), json!({"status": native})).await.expect(200);
        assert_eq!(status(&w).await, label, "{native}");
    }
}

#[tokio::test]
async fn messages_follow_the_callers_language() {
    let w = World::with(|c| {
        all_compat(c);
        c.compat.language = tessera_core::lang::Lang::Tr;
    })
    .await;
    let sid = service(&w, w.erin_id).await;
    let open = |lang: Option<&'static str>, title: &'static str| {
        let body = json!({"title": title, "department": w.billing, "message": "тело / 正文 / gövde", "service": format!("S{sid}")});
        post_json(&w, &w.erin, "/v1/tickets/create", body, lang)
    };
    // No Accept-Language: the configured default (Turkish here).
    assert_eq!(open(None, "Varsayılan").await.expect(200).body["message"], "Destek talebi başarıyla oluşturuldu.");
    assert_eq!(
        open(Some("en-US,en;q=0.8"), "English").await.expect(200).body["message"],
        "Support ticket created successfully."
    );
    assert_eq!(open(Some("zh-CN"), "中文标题").await.expect(200).body["message"], "工单已成功创建。");
    let r = open(Some("ru"), "Русский заголовок").await.expect(200);
    assert_eq!(r.body["message"], "Обращение успешно создано.");
    let id = r.body["id"].as_i64().unwrap();
    let r = get(&w, &w.erin, &format!("/v1/tickets/{id}/close"), Some("ru")).await.expect(200);
    assert_eq!(r.body["message"], format!("Обращение #{id} успешно закрыто."));
    // Errors too.
    let r = get(&w, &w.erin, "/v1/tickets/999999/close", Some("zh")).await;
    assert_error(&r, 404, "未找到该工单");
    let r = get(&w, &w.erin, "/v1/tickets/999999/close", Some("en")).await;
    assert_error(&r, 404, "Ticket not found");

    // UTF-8 round-trips through the list.
    let r = get(&w, &w.erin, "/v1/tickets", None).await.expect(200);
    let subjects: Vec<String> = w.erin.get("/tickets?limit=100").await.expect(200).body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap().to_string())
        .collect();
    assert!(subjects.contains(&"中文标题".to_string()) && subjects.contains(&"Русский заголовок".to_string()));
    for t in r.body["data"].as_array().unwrap() {
        assert_eq!(t["message"], "тело / 正文 / gövde");
    }
}

#[tokio::test]
async fn server_details_are_secret_fields_only_agents_see() {
    let w = world().await;
    let sid = service(&w, w.erin_id).await;
    let r = post_form(
        &w,
        &w.erin,
        "/v1/tickets/create",
        &[
            ("title", "Disk full"),
            ("department", &w.tech.to_string()),
            ("message", "Please help"),
            ("service", &format!("S{sid}")),
            ("serverip", "192.0.2.10"),
            ("serveruser", "root"),
            ("serverpassword", "hunter2-şifre"),
        ],
        None,
    )
    .await
    .expect(200);
    let id = r.body["id"].as_i64().unwrap();

    // The definitions exist, as secret fields customers may set but not see.
    let defs = w.admin.get("/custom-fields").await.expect(200).body;
    let defs = defs["custom_fields"].as_array().or(defs.as_array()).cloned().unwrap_or_else(|| panic!("{defs}"));
    for key in ["server_ip", "server_user", "server_password"] {
        let d = defs.iter().find(|d| d["key"] == key).unwrap_or_else(|| panic!("no {key} in {defs:?}"));
        assert_eq!(d["type"], "secret");
        assert_eq!(d["customer_visible"], false);
    }
    // Stored encrypted.
    let stored = w.server.store.ticket(tessera_core::TicketId(id)).await.unwrap().unwrap();
    let raw = serde_json::to_string(&stored.custom_fields).unwrap();
    assert!(!raw.contains("hunter2") && !raw.contains("192.0.2.10") && raw.contains("server_password"), "{raw}");
    // The customer does not see them; the agent sees a mask and may reveal.
    let mine = w.erin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert!(!mine.to_string().contains("hunter2") && mine["custom_fields"].get("server_password").is_none(), "{mine}");
    let r = w.boris.post_empty(&format!("/tickets/{id}/secrets/server_password/reveal")).await.expect(200);
    assert_eq!(r.body["value"], "hunter2-şifre");
    let r = w.boris.post_empty(&format!("/tickets/{id}/secrets/server_ip/reveal")).await.expect(200);
    assert_eq!(r.body["value"], "192.0.2.10");
    w.erin.post_empty(&format!("/tickets/{id}/secrets/server_password/reveal")).await.expect(403);
    // A second ticket reuses the definitions.
    post_json(&w, &w.erin, "/v1/tickets/create", json!({"title": "Again", "department": w.tech, "message": "m", "service": format!("S{sid}"), "serveruser": "admin"}), None).await.expect(200);
    let n = w.admin.get("/custom-fields").await.body.to_string().matches("\"server_user\"").count();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let w = world().await;
    let sid = service(&w, w.erin_id).await;
    let dave_sid = service(&w, w.dave_id).await;
    let good = json!({"title": "T", "department": w.billing, "message": "M", "service": format!("S{sid}")});
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let before = w.ticket_rows().await;
    let en = Some("en");
    let cases: Vec<(Value, u16, &str)> = vec![
        (without("title"), 400, "title parameter is required"),
        (without("department"), 400, "department parameter is required"),
        (without("message"), 400, "message parameter is required"),
        (without("service"), 400, "service parameter is required"),
        (with("title", json!("  ")), 400, "title parameter is required"),
        (with("department", json!("two")), 400, "department parameter is invalid"),
        (with("department", json!(999_999)), 400, "Department not found"),
        (with("service", json!(sid)), 400, "S prefix"),
        (with("service", json!(sid.to_string())), 400, "S prefix"),
        (with("service", json!("Sabc")), 400, "S prefix"),
        (with("service", json!(format!("S{dave_sid}"))), 400, "Service not found"),
        (with("service", json!("S999999")), 400, "Service not found"),
        (with("title", json!({"x": 1})), 400, "title parameter is invalid"),
        (with("serverip", json!("not an ip")), 400, "serverip parameter is invalid"),
        (with("title", json!("x".repeat(1000))), 400, ""),
    ];
    for (body, status, msg) in cases {
        let r = post_json(&w, &w.erin, "/v1/tickets/create", body.clone(), en).await;
        assert_error(&r, status, msg);
        let _ = body;
    }
    // Malformed bodies.
    let r = Api::send(
        req(&w, Some(&w.erin), reqwest::Method::POST, "/v1/tickets/create", en)
            .header("content-type", "application/json")
            .body("{\"title\": "),
    )
    .await;
    assert_error(&r, 400, "neither valid JSON nor a form");
    let r = Api::send(
        req(&w, Some(&w.erin), reqwest::Method::POST, "/v1/tickets/create", en)
            .header("content-type", "application/json")
            .body("[1,2]"),
    )
    .await;
    assert_error(&r, 400, "neither valid JSON nor a form");
    assert_eq!(w.ticket_rows().await, before, "no half-made ticket");
    assert!(
        !w.admin.get("/custom-fields").await.body.to_string().contains("server_ip"),
        "no field made for a refused request"
    );

    // Replies and closes.
    let id = w.open(&w.erin, w.billing, "Mine").await;
    let r = post_json(&w, &w.erin, "/v1/tickets/reply", json!({"id": id}), en).await;
    assert_error(&r, 400, "reply parameter is required");
    let r = post_json(&w, &w.erin, "/v1/tickets/reply", json!({"reply": "x"}), en).await;
    assert_error(&r, 400, "id parameter is required");
    let r = post_json(&w, &w.erin, "/v1/tickets/reply", json!({"id": "12x", "reply": "x"}), en).await;
    assert_error(&r, 400, "id parameter is invalid");
    let r = post_json(&w, &w.erin, "/v1/tickets/reply", json!({"id": 999_999, "reply": "x"}), en).await;
    assert_error(&r, 404, "Ticket not found");
    for path in ["/v1/tickets/abc/close", "/v1/tickets/0/close", "/v1/tickets/999999/close", "/v1/tickets/-1/close"] {
        assert_error(&get(&w, &w.erin, path, en).await, 404, "Ticket not found");
    }
    assert_eq!(w.erin.get(&format!("/tickets/{id}")).await.expect(200).body["messages"].as_array().unwrap().len(), 1);

    // Wrong credentials and agents' tokens.
    let nobody = Api { token: Some("nope.nope".into()), ..w.erin.clone() };
    assert_error(&get(&w, &nobody, "/v1/tickets", en).await, 401, "Authentication failed");
    let r = Api::send(req(&w, None, reqwest::Method::GET, "/v1/tickets", en)).await;
    assert_error(&r, 401, "Authentication failed");
    assert_error(&get(&w, &w.ayse, "/v1/tickets", en).await, 403, "customers");
    assert_error(&get(&w, &w.admin, "/v1/tickets", en).await, 403, "customers");
    // Unknown endpoints and methods, in the dialect's shape.
    assert_error(&get(&w, &w.erin, "/v1/nothing", en).await, 404, "No such endpoint");
    assert_error(&get(&w, &w.erin, "/v1/tickets/create", en).await, 405, "method");
}

#[tokio::test]
async fn another_customers_ticket_is_not_found() {
    let w = world().await;
    let daves = w.open(&w.dave, w.billing, "Dave's secret").await;
    let erins = w.open(&w.erin, w.billing, "Erin's").await;
    let en = Some("en");
    let r = get(&w, &w.erin, "/v1/tickets", en).await.expect(200);
    let ids: Vec<i64> = r.body["data"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [erins]);
    let r = post_json(&w, &w.erin, "/v1/tickets/reply", json!({"id": daves, "reply": "hi"}), en).await;
    assert_error(&r, 404, "Ticket not found");
    assert_error(&get(&w, &w.erin, &format!("/v1/tickets/{daves}/close"), en).await, 404, "Ticket not found");
    let t = w.dave.get(&format!("/tickets/{daves}")).await.expect(200).body;
    assert_eq!(t["status"], "new");
    assert_eq!(t["messages"].as_array().unwrap().len(), 1);
    // Carol sees her organization's tickets (as in the native API), Erin's not.
    let r = get(&w, &w.carol, "/v1/tickets", en).await.expect(200);
    let ids: Vec<i64> = r.body["data"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [daves]);
}

#[tokio::test]
async fn the_opening_attachment_is_a_download_link() {
    let w = world().await;
    let up = w.erin.upload(&[("ekran görüntüsü.png", b"\x89PNG\r\n\x1a\nrest")]).await.expect(201);
    let att = up.body["attachments"][0]["id"].as_i64().unwrap();
    let id = w
        .erin
        .post(
            "/tickets",
            json!({"subject": "Ekran", "department_id": w.billing, "body": "ekte", "attachment_ids": [att]}),
        )
        .await
        .expect(201)
        .id();
    let r = get(&w, &w.erin, "/v1/tickets", None).await.expect(200);
    let t = &r.body["data"][0];
    assert_eq!(t["id"], id);
    let url = t["attachment"].as_str().unwrap();
    assert_eq!(url, format!("{}/api/v1/attachments/{att}/download", w.server.base));
    let got = w.erin.client.get(url).bearer_auth(w.erin.token.as_deref().unwrap()).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"\x89PNG\r\n\x1a\nrest");
}

#[tokio::test]
async fn off_unless_enabled() {
    let w = World::new().await;
    let r = get(&w, &w.erin, "/v1/tickets", None).await;
    assert_eq!(r.status, 404);
    let r = post_json(&w, &w.erin, "/v1/tickets/create", json!({}), None).await;
    assert_eq!(r.status, 404);
    // Switching on another dialect does not switch this one on.
    let w = World::with(|c| {
        c.compat.enabled = [tessera_compat::Dialect::Bangwo8].into_iter().collect();
    })
    .await;
    assert_eq!(get(&w, &w.erin, "/v1/tickets", None).await.status, 404);
}

#[tokio::test]
async fn dates_are_written_in_the_configured_zone() {
    let w = World::with(|c| {
        all_compat(c);
        c.compat.timezone = "Europe/Istanbul".parse().unwrap();
    })
    .await;
    let id = w.open(&w.erin, w.billing, "Saat dilimi").await;
    let native = w.erin.get(&format!("/tickets/{id}")).await.expect(200).body;
    let created = chrono::DateTime::parse_from_rfc3339(native["created_at"].as_str().unwrap()).unwrap();
    let ist: chrono_tz::Tz = "Europe/Istanbul".parse().unwrap();
    let r = get(&w, &w.erin, "/v1/tickets", None).await.expect(200);
    assert_eq!(r.body["data"][0]["date"], created.with_timezone(&ist).format("%d-%m-%y %H:%M:%S").to_string());
}
