//! The whmcs compat dialect against a running server (`spec/compat.md`,
//! section whmcs; `research/seed-apis.md` §A.2): the documented example
//! requests replayed, answers compared field by field (names, JSON types,
//! messages), both response types parsed, bad input refused without
//! changes, department scope, and a real WHMCS client library from PyPI.
//!
//! Why one file of over 1,000 lines: it is one dialect's test suite, as
//! each dialect has its file beside it — the replays of its documented
//! requests and the rules they show; the helpers every suite shares are in
//! `support.rs`. Split it by action group (tickets, replies, departments…)
//! if it grows much further.

use crate::support::*;
use base64::Engine;
use serde_json::{Value, json};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// `identifier` and `secret` of a client's token.
fn pair(api: &Api) -> (String, String) {
    let t = api.token.clone().expect("a token");
    let (i, s) = t.split_once('.').expect("identifier.secret");
    (i.to_string(), s.to_string())
}

fn url(w: &World) -> String {
    format!("{}/compat/whmcs/includes/api.php", w.server.base)
}

/// Posts a form to the API as-is; answers status and raw body.
async fn post_form(w: &World, form: &[(&str, &str)]) -> (u16, String) {
    let r = w.admin.client.post(url(w)).form(form).send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

/// Calls `action` as `who` with `responsetype=json`; answers status and JSON.
async fn call(w: &World, who: &Api, action: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let (i, s) = pair(who);
    let mut form =
        vec![("identifier", i.as_str()), ("secret", s.as_str()), ("action", action), ("responsetype", "json")];
    form.extend_from_slice(params);
    let (status, body) = post_form(w, &form).await;
    let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    (status, v)
}

/// Calls and expects success.
pub(crate) async fn ok(w: &World, who: &Api, action: &str, params: &[(&str, &str)]) -> Value {
    let (status, v) = call(w, who, action, params).await;
    assert_eq!((status, v["result"].as_str()), (200, Some("success")), "{action}: {v}");
    v
}

/// Calls and expects an error with this HTTP status and message.
async fn refused(w: &World, who: &Api, action: &str, params: &[(&str, &str)], status: u16, message: &str) {
    let (got, v) = call(w, who, action, params).await;
    assert_eq!(v["result"], "error", "{action} {params:?}: {v}");
    assert_eq!(v["message"], message, "{action} {params:?}: {v}");
    assert_eq!(got, status, "{action} {params:?}: {v}");
    assert_eq!(v.as_object().map(|o| o.len()), Some(2), "error shape is result + message: {v}");
}

/// PHP's `serialize()` of an array of int keys and string values.
fn php_array(items: &[(i64, &str)]) -> String {
    let mut s = format!("a:{}:{{", items.len());
    for (k, v) in items {
        s.push_str(&format!("i:{k};s:{}:\"{v}\";", v.len()));
    }
    s.push('}');
    s
}

async fn world() -> World {
    World::with(all_compat).await
}

/// A customer with a password (a registered WHMCS client, `Owner`).
async fn registered(w: &World, id: i64) {
    w.admin.patch(&format!("/users/{id}"), json!({"password": "correct horse battery"})).await.expect(200);
}

async fn open_as_client(w: &World, who: &Api, dept: i64, client: i64, subject: &str, message: &str) -> Value {
    let (d, c) = (dept.to_string(), client.to_string());
    ok(
        w,
        who,
        "OpenTicket",
        &[("deptid", &d), ("clientid", &c), ("subject", subject), ("message", message), ("priority", "High")],
    )
    .await
}

#[tokio::test]
async fn the_dialect_answers_404_when_it_is_off() {
    let w = World::new().await;
    let (status, _) = post_form(&w, &[("action", "GetTickets")]).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn credentials_are_an_agents_token_pair() {
    let w = world().await;
    // No credentials, a wrong secret, a customer's token: 403 Authentication Failed.
    let (status, body) = post_form(&w, &[("action", "GetTickets"), ("responsetype", "json")]).await;
    assert_eq!(status, 403);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"result": "error", "message": "Authentication Failed"})
    );
    let (i, _) = pair(&w.ayse);
    let (status, body) =
        post_form(&w, &[("identifier", &i), ("secret", "wrong"), ("action", "GetTickets"), ("responsetype", "json")])
            .await;
    assert_eq!(status, 403, "{body}");
    refused(&w, &w.carol, "GetTickets", &[], 403, "Authentication Failed").await;
    // The same pair as username + password works; errors default to XML.
    let (i, s) = pair(&w.ayse);
    let (status, body) =
        post_form(&w, &[("username", &i), ("password", &s), ("action", "GetTickets"), ("responsetype", "json")]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_form(&w, &[("identifier", &i), ("secret", "nope"), ("action", "GetTickets")]).await;
    assert_eq!(status, 403);
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"), "{body}");
    assert_eq!(xml_to_json(&body), json!({"whmcsapi": {"result": "error", "message": "Authentication Failed"}}));
    // An unknown action, in any case of a known one.
    refused(&w, &w.ayse, "NoSuchAction", &[], 400, "Command Not Found").await;
    ok(&w, &w.ayse, "gettickets", &[]).await;
}

#[tokio::test]
async fn an_allow_list_refuses_other_addresses() {
    let w = World::with(|c| {
        all_compat(c);
        c.compat.whmcs_allowed_ips = vec!["10.1.2.3".parse().unwrap()];
    })
    .await;
    refused(&w, &w.admin, "GetTickets", &[], 403, "Invalid IP 127.0.0.1").await;
    let w = World::with(|c| {
        all_compat(c);
        c.compat.whmcs_allowed_ips = vec!["127.0.0.1".parse().unwrap()];
    })
    .await;
    ok(&w, &w.admin, "GetTickets", &[]).await;
}

#[tokio::test]
async fn open_ticket_and_get_ticket_answer_in_whmcs_shapes() {
    let w = World::with(|c| {
        all_compat(c);
        c.compat.timezone = "Europe/Istanbul".parse().unwrap();
    })
    .await;
    registered(&w, w.erin_id).await;
    let subject = "Sunucu yanıt vermiyor — 服务器 — Сервер";
    let message = "Merhaba, İstanbul'daki sunucum çöktü.\n退款 Привет";
    let opened = open_as_client(&w, &w.ayse, w.billing, w.erin_id, subject, message).await;
    // OpenTicket: result, id, tid, c — all strings.
    let keys: Vec<&String> = opened.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["c", "id", "result", "tid"]);
    for k in ["id", "tid", "c"] {
        assert!(opened[k].is_string() && !opened[k].as_str().unwrap().is_empty(), "{k}: {opened}");
    }
    let id = opened["id"].as_str().unwrap().to_string();

    // The native API sees the same ticket.
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(native.body["subject"], subject);
    assert_eq!(native.body["priority"], "high");
    assert_eq!(native.body["department_id"], w.billing);
    assert_eq!(native.body["requester_id"], w.erin_id);
    assert_eq!(native.body["number"], opened["tid"]);
    assert_eq!(native.body["messages"][0]["body"], message);

    // A reply from an agent, then GetTicket (example request: ticketid).
    ok(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id), ("message", "Bakıyoruz. 正在处理。")]).await;
    // The desk recorded the same events as for the native API (webhooks follow them).
    let kinds = w.event_kinds(id.parse().unwrap()).await;
    assert!(
        kinds.contains(&"ticket.created".to_string()) && kinds.contains(&"ticket.replied".to_string()),
        "{kinds:?}"
    );
    let t = ok(&w, &w.ayse, "GetTicket", &[("ticketid", &id)]).await;
    for k in [
        "ticketid",
        "tid",
        "c",
        "deptid",
        "deptname",
        "userid",
        "contactid",
        "name",
        "email",
        "requestor_name",
        "requestor_type",
        "requestor_email",
        "cc",
        "date",
        "subject",
        "status",
        "priority",
        "admin",
        "lastreply",
        "flag",
        "service",
    ] {
        assert!(t[k].is_string(), "{k} should be a string: {t}");
    }
    assert_eq!(t["ticketid"], id);
    assert_eq!(t["tid"], opened["tid"]);
    // The key is handed over once, by OpenTicket; an agent's reads carry
    // none (whoever holds it acts as the client on this ticket).
    assert_eq!(t["c"], "");
    assert_eq!(t["deptid"], w.billing.to_string());
    assert_eq!(t["deptname"], "Billing");
    assert_eq!(t["userid"], w.erin_id.to_string());
    assert_eq!(t["name"], "Erin");
    assert_eq!(t["email"], "erin@example.org");
    assert_eq!(t["requestor_type"], "Owner");
    assert_eq!(t["subject"], subject);
    assert_eq!(t["status"], "Answered");
    assert_eq!(t["priority"], "High");
    assert_eq!(t["flag"], "0");
    assert_eq!(t["service"], "");
    // Dates: Y-m-d H:i:s in the configured zone (Istanbul is UTC+3).
    let created = native.body["created_at"].as_str().unwrap();
    let utc = chrono::DateTime::parse_from_rfc3339(created).unwrap();
    let ist = (utc + chrono::Duration::hours(3)).format("%Y-%m-%d %H:%M:%S").to_string();
    assert_eq!(t["date"], ist);
    // Replies: the opening message is replyid "0"; the agent's is an Operator.
    let replies = t["replies"]["reply"].as_array().expect("replies.reply[]");
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0]["replyid"], "0");
    assert_eq!(replies[0]["message"], message);
    assert!(replies[0].get("rating").is_none());
    assert_ne!(replies[1]["replyid"], "0");
    assert!(replies[1]["replyid"].is_string());
    assert_eq!(replies[1]["requestor_type"], "Operator");
    assert_eq!(replies[1]["admin"], "Ayşe Yılmaz");
    assert_eq!(replies[1]["message"], "Bakıyoruz. 正在处理。");
    assert_eq!(replies[1]["rating"], "0");
    assert_eq!(replies[1]["attachments_removed"], false);
    assert_eq!(t["notes"]["note"], json!([]));
    // repliessort=DESC reverses; the opening message stays replyid "0".
    let d = ok(&w, &w.ayse, "GetTicket", &[("ticketid", &id), ("repliessort", "DESC")]).await;
    assert_eq!(d["replies"]["reply"][1]["replyid"], "0");
    assert_eq!(d["replies"]["reply"][0]["message"], "Bakıyoruz. 正在处理。");
    // By number.
    let n = ok(&w, &w.ayse, "GetTicket", &[("ticketnum", opened["tid"].as_str().unwrap())]).await;
    assert_eq!(n["ticketid"], id);

    // The XML form (the default) parses and holds the same values.
    let (i, s) = pair(&w.ayse);
    let (status, xml) =
        post_form(&w, &[("identifier", &i), ("secret", &s), ("action", "GetTicket"), ("ticketid", &id)]).await;
    assert_eq!(status, 200);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<whmcsapi><result>success</result>"), "{xml}");
    let x = xml_to_json(&xml);
    let x = &x["whmcsapi"];
    assert_eq!(x["subject"], subject);
    assert_eq!(x["tid"], opened["tid"]);
    assert_eq!(x["replies"]["reply"].as_array().map(Vec::len), Some(2), "repeated <reply> elements: {x}");
    assert_eq!(x["replies"]["reply"][0]["message"], message);
}

#[tokio::test]
async fn get_tickets_pages_and_filters_with_whmcs_typing() {
    let w = world().await;
    registered(&w, w.erin_id).await;
    let a = open_as_client(&w, &w.admin, w.billing, w.erin_id, "Fatura sorusu", "Merhaba").await;
    let b = open_as_client(&w, &w.admin, w.tech, w.dave_id, "Disk full", "help").await;
    let c = open_as_client(&w, &w.admin, w.tech, w.carol_id, "Disk slow", "help").await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_string();
    ok(&w, &w.admin, "AddTicketReply", &[("ticketid", &id(&b)), ("message", "on it")]).await;

    // The documented example: limitstart / limitnum.
    let page = ok(&w, &w.admin, "GetTickets", &[("limitstart", "0"), ("limitnum", "2")]).await;
    assert_eq!(page["totalresults"], "3");
    assert_eq!(page["startnumber"], 0);
    assert_eq!(page["numreturned"], 2);
    let items = page["tickets"]["ticket"].as_array().expect("tickets.ticket[]");
    assert_eq!(items.len(), 2);
    let t = &items[0];
    for k in [
        "id",
        "tid",
        "deptid",
        "userid",
        "name",
        "owner_name",
        "email",
        "requestor_name",
        "requestor_email",
        "requestor_type",
        "cc",
        "c",
        "date",
        "subject",
        "status",
        "priority",
        "admin",
        "attachment",
        "lastreply",
        "flag",
        "service",
    ] {
        assert!(t[k].is_string(), "{k} should be a string: {t}");
    }
    assert!(t["attachments"].is_array());
    assert_eq!(t["attachments_removed"], false);
    assert_eq!(t["id"], id(&c), "newest first");
    let rest = ok(&w, &w.admin, "GetTickets", &[("limitstart", "2"), ("limitnum", "2")]).await;
    assert_eq!(rest["startnumber"], 2);
    assert_eq!(rest["numreturned"], 1);
    assert_eq!(rest["tickets"]["ticket"][0]["id"], id(&a));

    let ids = |v: &Value| -> Vec<String> {
        v["tickets"]["ticket"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_string()).collect()
    };
    let tech = w.tech.to_string();
    assert_eq!(ids(&ok(&w, &w.admin, "GetTickets", &[("deptid", &tech)]).await), [id(&c), id(&b)]);
    let erin = w.erin_id.to_string();
    assert_eq!(ids(&ok(&w, &w.admin, "GetTickets", &[("clientid", &erin)]).await), [id(&a)]);
    assert_eq!(ids(&ok(&w, &w.admin, "GetTickets", &[("email", "DAVE@acme.example")]).await), [id(&b)]);
    assert_eq!(ok(&w, &w.admin, "GetTickets", &[("email", "nobody@example.com")]).await["totalresults"], "0");
    assert_eq!(ids(&ok(&w, &w.admin, "GetTickets", &[("subject", "disk")]).await), [id(&c), id(&b)]);
    assert_eq!(ids(&ok(&w, &w.admin, "GetTickets", &[("status", "Answered")]).await), [id(&b)]);
    assert_eq!(ids(&ok(&w, &w.admin, "GetTickets", &[("status", "Open")]).await), [id(&c), id(&a)]);
    assert_eq!(ids(&ok(&w, &w.admin, "GetTickets", &[("status", "Awaiting Reply")]).await), [id(&c), id(&a)]);
    assert_eq!(ok(&w, &w.admin, "GetTickets", &[("status", "All Active Tickets")]).await["totalresults"], "3");
    assert_eq!(ok(&w, &w.admin, "GetTickets", &[("status", "My Flagged Tickets")]).await["totalresults"], "0");
    ok(&w, &w.admin, "UpdateTicket", &[("ticketid", &id(&a)), ("flag", &w.admin_id().await.to_string())]).await;
    assert_eq!(ids(&ok(&w, &w.admin, "GetTickets", &[("status", "My Flagged Tickets")]).await), [id(&a)]);
    refused(
        &w,
        &w.admin,
        "GetTickets",
        &[("status", "Sleeping")],
        400,
        "Invalid Ticket Status. Valid statuses are: Open,Answered,Customer-Reply,On Hold,In Progress,Closed",
    )
    .await;
    refused(
        &w,
        &w.admin,
        "GetTickets",
        &[("limitnum", "many")],
        400,
        "Invalid limitnum: expected a whole number of 0 or more",
    )
    .await;
    // Customer-Reply: a customer wrote after an agent replied.
    w.dave.post(&format!("/tickets/{}/replies", id(&b)), json!({"body": "still full"})).await.expect(201);
    assert_eq!(ids(&ok(&w, &w.admin, "GetTickets", &[("status", "Customer-Reply")]).await), [id(&b)]);
    let t = ok(&w, &w.admin, "GetTicket", &[("ticketid", &id(&b))]).await;
    assert_eq!(t["status"], "Customer-Reply");
    assert_eq!(t["requestor_type"], "Guest", "dave has no password");

    // The list in XML: repeated <ticket> elements.
    let (i, s) = pair(&w.admin);
    let (_, xml) = post_form(&w, &[("identifier", &i), ("secret", &s), ("action", "GetTickets")]).await;
    let x = xml_to_json(&xml);
    assert_eq!(x["whmcsapi"]["tickets"]["ticket"].as_array().map(Vec::len), Some(3), "{x}");
    assert_eq!(x["whmcsapi"]["numreturned"], "3");
}

impl World {
    async fn admin_id(&self) -> i64 {
        self.admin.get("/me").await.expect(200).body["id"].as_i64().expect("id")
    }
}

/// Parameters, then the expected HTTP status and message.
type Case = (Vec<(&'static str, String)>, u16, &'static str);

#[tokio::test]
async fn bad_input_to_open_ticket_changes_nothing() {
    let w = world().await;
    let before = w.ticket_rows().await;
    let billing = w.billing.to_string();
    let erin = w.erin_id.to_string();
    let base = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, String)> {
        let mut v = vec![("subject", "s".to_string()), ("message", "m".to_string())];
        v.extend(extra.iter().map(|(k, x)| (*k, x.to_string())));
        v
    };
    let cases: Vec<Case> = vec![
        (base(&[]), 404, "Department ID not found"),
        (
            {
                let mut v = base(&[("deptid", "999")]);
                v.push(("clientid", erin.clone()));
                v
            },
            404,
            "Department ID not found",
        ),
        (
            vec![("deptid", billing.clone()), ("message", "m".into()), ("clientid", erin.clone())],
            400,
            "Subject is required",
        ),
        (
            vec![("deptid", billing.clone()), ("subject", "s".into()), ("clientid", erin.clone())],
            400,
            "Message is required",
        ),
        (
            {
                let mut v = base(&[("priority", "Critical")]);
                v.push(("deptid", billing.clone()));
                v.push(("clientid", erin.clone()));
                v
            },
            400,
            "Invalid Ticket Priority. Valid priorities are: Low,Medium,High",
        ),
        (
            {
                let mut v = base(&[("clientid", "9999")]);
                v.push(("deptid", billing.clone()));
                v
            },
            404,
            "Client ID Not Found",
        ),
        (
            {
                let mut v = base(&[("name", "Guest")]);
                v.push(("deptid", billing.clone()));
                v
            },
            400,
            "Name and email address are required if not a client",
        ),
        (
            {
                let mut v = base(&[("name", "Guest"), ("email", "not-an-address")]);
                v.push(("deptid", billing.clone()));
                v
            },
            400,
            "Email Address Invalid",
        ),
        (
            {
                let mut v = base(&[("deptid", "abc")]);
                v.push(("clientid", erin.clone()));
                v
            },
            400,
            "Invalid deptid: expected a positive whole number",
        ),
        (
            {
                let mut v = base(&[("customfields", "!!not base64!!")]);
                v.push(("deptid", billing.clone()));
                v.push(("clientid", erin.clone()));
                v
            },
            400,
            "Invalid customfields: not base64",
        ),
        (
            {
                let mut v = base(&[("serviceid", "77")]);
                v.push(("deptid", billing.clone()));
                v.push(("clientid", erin.clone()));
                v
            },
            404,
            "Service ID Not Found",
        ),
    ];
    for (params, status, message) in cases {
        let p: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        refused(&w, &w.admin, "OpenTicket", &p, status, message).await;
    }
    // Serialised data whose length lies, and attachments that are not what they say.
    let lying = B64.encode("a:1:{i:1;s:10:\"short\";}");
    let (s, v) = call(
        &w,
        &w.admin,
        "OpenTicket",
        &[("deptid", &billing), ("clientid", &erin), ("subject", "s"), ("message", "m"), ("customfields", &lying)],
    )
    .await;
    assert_eq!((s, v["result"].as_str()), (400, Some("error")));
    assert!(v["message"].as_str().unwrap().starts_with("Invalid customfields: malformed serialized data"), "{v}");
    for bad in
        [B64.encode("{\"name\":\"a\"}"), B64.encode("[{\"name\":\"a.txt\",\"data\":\"%%%\"}]"), "###".to_string()]
    {
        let (s, v) = call(
            &w,
            &w.admin,
            "OpenTicket",
            &[("deptid", &billing), ("clientid", &erin), ("subject", "s"), ("message", "m"), ("attachments", &bad)],
        )
        .await;
        assert_eq!((s, v["result"].as_str()), (400, Some("error")), "{v}");
        assert!(v["message"].as_str().unwrap().starts_with("Invalid attachments"), "{v}");
    }
    let unknown_field = B64.encode(php_array(&[(4242, "x")]));
    refused(
        &w,
        &w.admin,
        "OpenTicket",
        &[
            ("deptid", &billing),
            ("clientid", &erin),
            ("subject", "s"),
            ("message", "m"),
            ("customfields", &unknown_field),
        ],
        400,
        "Custom Field ID 4242 Not Found",
    )
    .await;
    // A body that is not a form.
    let (status, body) = {
        let r = w
            .admin
            .client
            .post(url(&w))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(vec![0xff, 0xfe, b'=', 0x80])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    assert!((400..500).contains(&status), "{status} {body}");
    assert_eq!(w.ticket_rows().await, before, "nothing was made");
}

#[tokio::test]
async fn guests_custom_fields_services_and_attachments() {
    let w = world().await;
    let field = w
        .admin
        .post("/custom-fields", json!({"key": "domain", "type": "text", "labels": {"en": "Domain"}}))
        .await
        .expect(201)
        .id();
    let domain = w
        .admin
        .post("/services", json!({"kind": "domain", "label": "örnek.com.tr", "owner_id": w.erin_id}))
        .await
        .expect(201)
        .id();
    let cf = B64.encode(php_array(&[(field, "örnek.com.tr")]));
    let file = B64.encode("merhaba dünya".as_bytes());
    let att = B64.encode(json!([{"name": "günlük.txt", "data": file}]).to_string());
    let billing = w.billing.to_string();
    let erin = w.erin_id.to_string();
    let dom = domain.to_string();
    let opened = ok(
        &w,
        &w.ayse,
        "OpenTicket",
        &[
            ("deptid", &billing),
            ("clientid", &erin),
            ("subject", "Alan adı"),
            ("message", "DNS"),
            ("domainid", &dom),
            ("customfields", &cf),
            ("attachments", &att),
            ("markdown", "true"),
        ],
    )
    .await;
    let id = opened["id"].as_str().unwrap().to_string();
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(native.body["custom_fields"]["domain"], "örnek.com.tr");
    assert_eq!(native.body["service_id"], domain);
    let t = ok(&w, &w.ayse, "GetTicket", &[("ticketid", &id)]).await;
    assert_eq!(t["service"], format!("D{domain}"));
    let first = &t["replies"]["reply"][0];
    assert_eq!(first["attachments"], json!([{"filename": "günlük.txt", "index": 0}]));
    assert!(first["attachment"].as_str().unwrap().ends_with("_günlük.txt"));
    let a = ok(&w, &w.ayse, "GetTicketAttachment", &[("relatedid", &id), ("type", "ticket"), ("index", "0")]).await;
    assert_eq!(a["filename"], "günlük.txt");
    assert_eq!(B64.decode(a["data"].as_str().unwrap()).unwrap(), "merhaba dünya".as_bytes());
    refused(
        &w,
        &w.ayse,
        "GetTicketAttachment",
        &[("relatedid", &id), ("type", "ticket"), ("index", "5")],
        404,
        "Invalid Attachment Index",
    )
    .await;
    refused(
        &w,
        &w.ayse,
        "GetTicketAttachment",
        &[("relatedid", &id), ("type", "invoice"), ("index", "0")],
        400,
        "Invalid Type. Must be one of ticket, reply, note",
    )
    .await;
    // AddTicketReply sets custom fields along with the reply.
    let cf2 = B64.encode(php_array(&[(field, "yeni.com.tr")]));
    ok(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id), ("message", "Alan adı değişti"), ("customfields", &cf2)])
        .await;
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(native.body["custom_fields"]["domain"], "yeni.com.tr");
    // A value the field refuses leaves neither the reply nor the field.
    let plan = w
        .admin
        .post(
            "/custom-fields",
            json!({"key": "plan", "type": "select", "options": ["gold", "silver"], "labels": {"en": "Plan"}}),
        )
        .await
        .expect(201)
        .id();
    let messages = w.admin.get(&format!("/tickets/{id}/messages")).await.expect(200).body["messages"].clone();
    let cf3 = B64.encode(php_array(&[(plan, "bronze")]));
    let (status, body) =
        call(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id), ("message", "Koltuk"), ("customfields", &cf3)]).await;
    assert_eq!((status, body["result"].as_str()), (400, Some("error")), "{body}");
    assert!(body["message"].as_str().unwrap().starts_with(&format!("Custom field {plan}")), "{body}");
    assert_eq!(w.admin.get(&format!("/tickets/{id}/messages")).await.expect(200).body["messages"], messages);
    // A service id given as a domain is not found.
    refused(
        &w,
        &w.ayse,
        "OpenTicket",
        &[("deptid", &billing), ("clientid", &erin), ("subject", "s"), ("message", "m"), ("serviceid", &dom)],
        404,
        "Service ID Not Found",
    )
    .await;

    // A guest: name + email.
    let g = ok(
        &w,
        &w.ayse,
        "OpenTicket",
        &[
            ("deptid", &billing),
            ("name", "Zeynep Kaya"),
            ("email", "zeynep@misafir.example"),
            ("subject", "Misafir"),
            ("message", "Selam"),
        ],
    )
    .await;
    let gt = ok(&w, &w.ayse, "GetTicket", &[("ticketid", g["id"].as_str().unwrap())]).await;
    assert_eq!(gt["requestor_type"], "Guest");
    assert_eq!(gt["email"], "zeynep@misafir.example");
    assert_eq!(gt["name"], "Zeynep Kaya");
    // Blocking that sender, and deleting the ticket: disabling an account
    // is an admin's right, so an agent is refused and nothing changes.
    refused(
        &w,
        &w.ayse,
        "BlockTicketSender",
        &[("ticketid", g["id"].as_str().unwrap()), ("delete", "1")],
        403,
        "only admins change disabled",
    )
    .await;
    ok(&w, &w.ayse, "GetTicket", &[("ticketid", g["id"].as_str().unwrap())]).await;
    let b = ok(&w, &w.admin, "BlockTicketSender", &[("ticketid", g["id"].as_str().unwrap()), ("delete", "1")]).await;
    assert_eq!(b["deleted"], "true");
    // The address is on the installation's blocked-senders list: their
    // mail is refused from now on.
    let listed = w.admin.get("/blocked-senders").await.expect(200).body;
    let entries = listed["blocked_senders"].as_array().unwrap();
    assert!(
        entries.iter().any(|b| b["pattern"] == "zeynep@misafir.example" && b["department_id"].is_null()),
        "{listed}"
    );
    refused(&w, &w.ayse, "GetTicket", &[("ticketid", g["id"].as_str().unwrap())], 404, "Ticket ID Not Found").await;
    // A registered client cannot be blocked.
    registered(&w, w.erin_id).await;
    let (s, v) = call(&w, &w.admin, "BlockTicketSender", &[("ticketid", &id)]).await;
    assert_eq!((s, v["result"].as_str()), (400, Some("error")), "{v}");
}

#[tokio::test]
async fn replies_notes_updates_and_deletes() {
    let w = world().await;
    let opened = open_as_client(&w, &w.ayse, w.billing, w.erin_id, "Yedekleme", "İlk mesaj").await;
    let id = opened["id"].as_str().unwrap().to_string();
    ok(&w, &w.ayse, "AddTicketNote", &[("ticketid", &id), ("message", "İç not: müşteri VIP")]).await;
    ok(&w, &w.ayse, "AddTicketNote", &[("ticketnum", opened["tid"].as_str().unwrap()), ("message", "second note")])
        .await;
    refused(&w, &w.ayse, "AddTicketNote", &[("ticketid", &id)], 400, "Message is required").await;
    refused(&w, &w.ayse, "AddTicketNote", &[("message", "x")], 400, "Ticket ID Required").await;
    let notes = ok(&w, &w.ayse, "GetTicketNotes", &[("ticketid", &id)]).await;
    assert_eq!(notes["totalresults"], "2");
    let n0 = &notes["notes"]["note"][0];
    assert_eq!(n0["message"], "İç not: müşteri VIP");
    assert_eq!(n0["admin"], "Ayşe Yılmaz");
    assert!(n0["id"].is_string());
    // Notes never reach the customer.
    let native = w.erin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(native.body["messages"].as_array().unwrap().len(), 1);

    // A reply with a status; an invalid status changes nothing.
    refused(
        &w,
        &w.ayse,
        "AddTicketReply",
        &[("ticketid", &id), ("message", "x"), ("status", "Bogus")],
        400,
        "Invalid Ticket Status. Valid statuses are: Open,Answered,Customer-Reply,On Hold,In Progress,Closed",
    )
    .await;
    refused(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id)], 400, "Message is required").await;
    refused(&w, &w.ayse, "AddTicketReply", &[("ticketid", "99999"), ("message", "x")], 404, "Ticket ID Not Found")
        .await;
    ok(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id), ("message", "Beklemede"), ("status", "On Hold")]).await;
    let t = ok(&w, &w.ayse, "GetTicket", &[("ticketid", &id)]).await;
    assert_eq!(t["status"], "On Hold");
    assert_eq!(t["notes"]["note"].as_array().unwrap().len(), 2);
    assert!(t["notes"]["note"][0]["noteid"].is_string());
    let reply_id = t["replies"]["reply"][1]["replyid"].as_str().unwrap().to_string();

    // UpdateTicket: example fields and its documented errors.
    let tech = w.tech.to_string();
    let u = ok(
        &w,
        &w.admin,
        "UpdateTicket",
        &[
            ("ticketid", &id),
            ("status", "In Progress"),
            ("priority", "Low"),
            ("subject", "Yedekleme (acil değil)"),
            ("message", "İlk mesaj, düzeltildi"),
        ],
    )
    .await;
    assert_eq!(u["ticketid"], id);
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(native.body["status"], "in_progress");
    assert_eq!(native.body["priority"], "low");
    assert_eq!(native.body["subject"], "Yedekleme (acil değil)");
    assert_eq!(native.body["messages"][0]["body"], "İlk mesaj, düzeltildi");
    refused(
        &w,
        &w.admin,
        "UpdateTicket",
        &[("ticketid", &id), ("priority", "Urgent")],
        400,
        "Invalid Ticket Priority. Valid priorities are: Low,Medium,High",
    )
    .await;
    refused(&w, &w.admin, "UpdateTicket", &[("ticketid", &id), ("deptid", "4040")], 404, "Department ID Not Found")
        .await;
    refused(&w, &w.admin, "UpdateTicket", &[("ticketid", "4040")], 404, "Ticket ID Not Found").await;
    refused(
        &w,
        &w.admin,
        "UpdateTicket",
        &[("ticketid", &id), ("subject", "x"), ("userid", "5")],
        400,
        "Changing userid of a ticket is not supported by this server",
    )
    .await;
    refused(
        &w,
        &w.admin,
        "UpdateTicket",
        &[("ticketid", &id), ("subject", "x"), ("removeFlag", "perhaps")],
        400,
        "Invalid removeFlag: expected true or false",
    )
    .await;
    let after = w.admin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(after.body["version"], native.body["version"], "refused updates changed nothing");
    ok(&w, &w.admin, "UpdateTicket", &[("ticketid", &id), ("deptid", &tech), ("status", "Closed")]).await;
    let t = ok(&w, &w.admin, "GetTicket", &[("ticketid", &id)]).await;
    assert_eq!((t["status"].as_str(), t["deptid"].as_str()), (Some("Closed"), Some(tech.as_str())));

    // UpdateTicketReply, DeleteTicketReply, DeleteTicketNote.
    let r =
        ok(&w, &w.admin, "UpdateTicketReply", &[("replyid", &reply_id), ("message", "Beklemede (düzeltildi)")]).await;
    assert_eq!(r["replyid"], reply_id);
    refused(&w, &w.admin, "UpdateTicketReply", &[("replyid", "99999"), ("message", "x")], 404, "Reply ID Not Found")
        .await;
    refused(&w, &w.admin, "UpdateTicketReply", &[("message", "x")], 400, "Reply ID Required").await;
    let note_id = notes["notes"]["note"][0]["id"].as_str().unwrap().to_string();
    refused(&w, &w.admin, "DeleteTicketReply", &[("ticketid", &id), ("replyid", &note_id)], 404, "Reply ID Not Found")
        .await;
    ok(&w, &w.admin, "DeleteTicketNote", &[("noteid", &note_id)]).await;
    refused(&w, &w.admin, "DeleteTicketNote", &[("noteid", &note_id)], 404, "Note ID Not Found").await;
    ok(&w, &w.admin, "DeleteTicketReply", &[("ticketid", &id), ("replyid", &reply_id)]).await;
    let t = ok(&w, &w.admin, "GetTicket", &[("ticketid", &id)]).await;
    assert_eq!(t["replies"]["reply"].as_array().unwrap().len(), 1);
    assert_eq!(t["notes"]["note"].as_array().unwrap().len(), 1);

    // DeleteTicket.
    ok(&w, &w.admin, "DeleteTicket", &[("ticketid", &id)]).await;
    refused(&w, &w.admin, "DeleteTicket", &[("ticketid", &id)], 404, "Ticket ID Not Found").await;
}

#[tokio::test]
async fn an_agent_sees_only_their_departments_tickets() {
    let w = world().await;
    let opened = open_as_client(&w, &w.ayse, w.billing, w.erin_id, "Fatura", "Gizli").await;
    let id = opened["id"].as_str().unwrap().to_string();
    // Boris (tech) cannot read, list, reply to, note, update or delete it: not found.
    refused(&w, &w.boris, "GetTicket", &[("ticketid", &id)], 404, "Ticket ID Not Found").await;
    refused(&w, &w.boris, "GetTicket", &[("ticketnum", opened["tid"].as_str().unwrap())], 404, "Ticket ID Not Found")
        .await;
    refused(&w, &w.boris, "AddTicketReply", &[("ticketid", &id), ("message", "x")], 404, "Ticket ID Not Found").await;
    refused(&w, &w.boris, "AddTicketNote", &[("ticketid", &id), ("message", "x")], 404, "Ticket ID Not Found").await;
    refused(&w, &w.boris, "UpdateTicket", &[("ticketid", &id), ("priority", "Low")], 404, "Ticket ID Not Found").await;
    refused(&w, &w.boris, "DeleteTicket", &[("ticketid", &id)], 404, "Ticket ID Not Found").await;
    refused(&w, &w.boris, "GetTicketNotes", &[("ticketid", &id)], 404, "Ticket ID Not Found").await;
    let l = ok(&w, &w.boris, "GetTickets", &[("ignore_dept_assignments", "1")]).await;
    assert_eq!(l["totalresults"], "0");
    assert_eq!(l["numreturned"], 0);
    let mine = ok(&w, &w.ayse, "GetTickets", &[]).await;
    assert_eq!(mine["totalresults"], "1");
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(native.body["messages"].as_array().unwrap().len(), 1, "nothing was added");
    // Customers' tokens cannot use the dialect at all.
    refused(&w, &w.erin, "GetTicket", &[("ticketid", &id)], 403, "Authentication Failed").await;
}

#[tokio::test]
async fn departments_statuses_and_counts() {
    let w = world().await;
    let a = open_as_client(&w, &w.admin, w.billing, w.erin_id, "One", "m").await;
    open_as_client(&w, &w.admin, w.tech, w.erin_id, "Two", "m").await;
    ok(&w, &w.admin, "AddTicketReply", &[("ticketid", a["id"].as_str().unwrap()), ("message", "done")]).await;
    w.admin
        .post("/statuses", json!({"key": "waiting_vendor", "name": "Waiting on Vendor", "category": "hold"}))
        .await
        .expect(201);

    let d = ok(&w, &w.ayse, "GetSupportDepartments", &[]).await;
    assert_eq!(d["totalresults"], "1");
    assert_eq!(
        d["departments"]["department"],
        json!([{"id": w.billing.to_string(), "name": "Billing", "awaitingreply": "0", "opentickets": "1"}])
    );
    let all = ok(&w, &w.admin, "GetSupportDepartments", &[]).await;
    let native = w.admin.get("/departments").await.expect(200);
    let count = native.body["departments"].as_array().expect("departments").len();
    assert!(count >= 2);
    assert_eq!(all["totalresults"], count.to_string(), "an admin sees every department");
    let tech =
        all["departments"]["department"].as_array().unwrap().iter().find(|x| x["name"] == "Tech").cloned().unwrap();
    assert_eq!(tech["awaitingreply"], "1");

    let s = ok(&w, &w.admin, "GetSupportStatuses", &[]).await;
    let list = s["statuses"]["status"].as_array().unwrap();
    let titles: Vec<&str> = list.iter().map(|x| x["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Open", "Answered", "Customer-Reply", "On Hold", "In Progress", "Closed", "Waiting on Vendor"]);
    assert_eq!(s["totalresults"], "7");
    assert_eq!(list[0]["count"], 1, "count is a number");
    assert_eq!(list[1]["count"], 1);
    assert_eq!(list[0]["color"], "#779500");
    assert!(list.iter().all(|x| x["color"].as_str().is_some_and(|c| c.starts_with('#'))));
    // After moving a ticket to the admin-defined status, it counts there,
    // and the status is valid in filters and updates.
    ok(&w, &w.admin, "UpdateTicket", &[("ticketid", a["id"].as_str().unwrap()), ("status", "Waiting on Vendor")]).await;
    let s = ok(&w, &w.admin, "GetSupportStatuses", &[]).await;
    assert_eq!(s["statuses"]["status"][6]["count"], 1);
    // Its WHMCS title is its category's (On Hold), so it counts there too.
    assert_eq!(s["statuses"]["status"][3]["count"], 1);
    let t = ok(&w, &w.admin, "GetTicket", &[("ticketid", a["id"].as_str().unwrap())]).await;
    assert_eq!(t["status"], "On Hold");
    assert_eq!(ok(&w, &w.admin, "GetTickets", &[("status", "Waiting on Vendor")]).await["totalresults"], "1");
    let billing = w.billing.to_string();
    let per_dept = ok(&w, &w.admin, "GetSupportStatuses", &[("deptid", &billing)]).await;
    assert_eq!(per_dept["statuses"]["status"][0]["count"], 0);
    refused(&w, &w.admin, "GetSupportStatuses", &[("deptid", "777")], 404, "Department ID not found").await;

    let c = ok(&w, &w.admin, "GetTicketCounts", &[("includeCountsByStatus", "true")]).await;
    assert_eq!(c["allActive"], 2);
    assert_eq!(c["awaitingReply"], 1);
    assert_eq!(c["flaggedTickets"], 0);
    assert_eq!(c["filteredDepartments"].as_array().unwrap().len(), count);
    assert_eq!(c["status"]["open"], json!({"title": "Open", "count": 1}));
    assert_eq!(c["status"]["customerreply"]["title"], "Customer-Reply");
    assert_eq!(c["status"]["onhold"]["title"], "On Hold");
    assert!(ok(&w, &w.admin, "GetTicketCounts", &[]).await.get("status").is_none());
    let c = ok(&w, &w.ayse, "GetTicketCounts", &[]).await;
    assert_eq!(c["filteredDepartments"], json!([w.billing]));
}

#[tokio::test]
async fn merge_ticket() {
    let w = world().await;
    let a = open_as_client(&w, &w.admin, w.billing, w.erin_id, "Ana", "first").await;
    let b = open_as_client(&w, &w.admin, w.billing, w.erin_id, "Kopya", "second").await;
    let (aid, bid) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    refused(&w, &w.admin, "MergeTicket", &[("ticketid", aid)], 400, "Merge Ticket IDs Required").await;
    refused(
        &w,
        &w.admin,
        "MergeTicket",
        &[("ticketid", aid), ("mergeticketids", "x, 9999")],
        400,
        "Invalid Merge Ticket IDs: x, 9999",
    )
    .await;
    refused(&w, &w.admin, "MergeTicket", &[("mergeticketids", bid)], 400, "Ticket ID Required").await;
    let m = ok(&w, &w.admin, "MergeTicket", &[("ticketid", aid), ("mergeticketids", bid), ("newsubject", "Birleşik")])
        .await;
    assert_eq!(m["ticketid"], aid);
    let t = ok(&w, &w.admin, "GetTicket", &[("ticketid", aid)]).await;
    assert_eq!(t["subject"], "Birleşik");
    let bodies: Vec<&str> =
        t["replies"]["reply"].as_array().unwrap().iter().map(|r| r["message"].as_str().unwrap()).collect();
    assert!(bodies.contains(&"second"), "{bodies:?}");
}

#[tokio::test]
async fn multipart_bodies_are_accepted() {
    let w = world().await;
    let (i, s) = pair(&w.admin);
    let form = reqwest::multipart::Form::new()
        .text("identifier", i)
        .text("secret", s)
        .text("action", "OpenTicket")
        .text("responsetype", "json")
        .text("deptid", w.billing.to_string())
        .text("name", "Иван")
        .text("email", "ivan@example.ru")
        .text("subject", "Привет")
        .text("message", "Сервер не отвечает");
    let r = w.admin.client.post(url(&w)).multipart(form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["result"], "success", "{v}");
    let t = ok(&w, &w.admin, "GetTicket", &[("ticketid", v["id"].as_str().unwrap())]).await;
    assert_eq!(t["subject"], "Привет");
    assert_eq!(t["name"], "Иван");
}

/// The Python interpreter of the test venv (`scripts/test` makes it).
fn python() -> std::path::PathBuf {
    if let Ok(p) = std::env::var("TESSERA_TEST_PYTHON") {
        return p.into();
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.join("target/pyenv/bin/python")
}

/// Runs a script of `tests/python` with the test venv's Python (bounded to
/// two minutes); answers the JSON summary it prints last.
async fn run_python(script: &str, args: &[String]) -> Value {
    let py = python();
    assert!(
        py.exists(),
        "{} is missing: set up the test venv with `python3 -m venv target/pyenv && \
         target/pyenv/bin/pip install -r tests/python/requirements.txt` (scripts/test does it), \
         or point TESSERA_TEST_PYTHON at a Python that has them",
        py.display()
    );
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/python").join(script);
    let mut child = std::process::Command::new(&py)
        .arg(&script)
        .args(args)
        .env("NO_PROXY", "127.0.0.1")
        .env("no_proxy", "127.0.0.1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python runs");
    // Bounded: the client gets two minutes.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while child.try_wait().expect("wait").is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("the Python client did not finish within two minutes");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let out = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "client failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("a JSON summary line")
}

#[tokio::test]
async fn a_real_whmcs_client_library_from_pypi_works() {
    let w = world().await;
    let (i, s) = pair(&w.ayse);
    let summary = run_python("whmcs_client.py", &[url(&w), i, s, w.billing.to_string(), w.erin_id.to_string()]).await;
    let id = summary["id"].as_str().expect("id");
    // What the library made, as the native API sees it.
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(native.body["subject"], "Python istemcisi: sunucu çöktü");
    assert_eq!(native.body["requester_id"], w.erin_id);
    let bodies: Vec<&str> =
        native.body["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Merhaba — 你好 — Привет", "Yanıt: bakıyoruz"]);
    assert_eq!(summary["listed"], true);
    assert_eq!(summary["replies"], 2);
}

/// Issue 14, item 11: WHMCS reads a request's fields from the query string
/// and the form body alike, and so do clients: whmcs-api-client (PyPI)
/// puts `action` in the URL and everything else in the body.
#[tokio::test]
async fn a_client_library_that_names_the_action_in_the_url_works() {
    let w = world().await;
    let (i, s) = pair(&w.ayse);
    let base = format!("{}/compat/whmcs/includes", w.server.base);
    let summary =
        run_python("whmcs_query_client.py", &[base, i, s, w.billing.to_string(), w.erin_id.to_string()]).await;
    let id = summary["id"].as_str().expect("id");
    assert_eq!(summary["listed"], 1);
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200);
    assert_eq!(native.body["subject"], "Sorgu dizesi: action URL'de");
    assert_eq!(native.body["requester_id"], w.erin_id);
}

/// Issue 14, item 11: fields are read from the query string too; on a clash
/// the body's value wins, as in WHMCS (PHP's `$_REQUEST` order: POST over GET).
#[tokio::test]
async fn query_string_fields_are_read_and_the_body_wins_a_clash() {
    let w = world().await;
    let (i, s) = pair(&w.ayse);
    let t = w.open(&w.erin, w.billing, "Query string").await.to_string();
    // The action in the URL, the credentials in the body.
    let r = w
        .admin
        .client
        .post(format!("{}?action=GetTicket&responsetype=json", url(&w)))
        .form(&[("identifier", i.as_str()), ("secret", s.as_str()), ("ticketid", t.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!((v["result"].as_str(), v["ticketid"].as_str()), (Some("success"), Some(t.as_str())), "{v}");
    // Everything in the URL, no body at all.
    let q = format!("{}?action=GetTickets&responsetype=json&identifier={}&secret={}", url(&w), enc(&i), enc(&s));
    let r = w.admin.client.post(q).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["result"], "success", "{v}");
    assert_eq!(v["totalresults"], "1");
    // A clash: the body's action, ticket and response type win over the URL's.
    let r = w
        .admin
        .client
        .post(format!("{}?action=DeleteTicket&ticketid={t}&responsetype=xml", url(&w)))
        .form(&[
            ("identifier", i.as_str()),
            ("secret", s.as_str()),
            ("action", "GetTicket"),
            ("ticketid", t.as_str()),
            ("responsetype", "json"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["subject"], "Query string", "{v}");
    w.admin.get(&format!("/tickets/{t}")).await.expect(200);
    // A clash of credentials: the body's wrong secret is the one judged.
    let r = w
        .admin
        .client
        .post(format!("{}?secret={}&action=GetTickets&responsetype=json", url(&w), enc(&s)))
        .form(&[("identifier", i.as_str()), ("secret", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    // A malformed query string is the dialect's error, not a 5xx.
    let r = w.admin.client.post(format!("{}?action=%FF%FE", url(&w))).send().await.unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
}

/// The events of a ticket as the admin reads them.
async fn events(w: &World, ticket: &str) -> Vec<Value> {
    w.admin.get(&format!("/tickets/{ticket}/events")).await.expect(200).body["events"].as_array().unwrap().clone()
}

/// Issue 14, item 12: a ticket opened for a client starts with that client's
/// message (seed 003: reply 0 is the client's, `requestor_type` "Owner"),
/// and `AddTicketReply` with `clientid` is the client's reply; the event log
/// names the credential that acted.
#[tokio::test]
async fn a_ticket_opened_for_a_client_starts_with_the_clients_message() {
    let w = world().await;
    registered(&w, w.erin_id).await;
    let erin = w.erin_id.to_string();
    let opened = open_as_client(&w, &w.ayse, w.billing, w.erin_id, "Fatura", "Faturam iki kez kesildi").await;
    let id = opened["id"].as_str().unwrap().to_string();

    let t = ok(&w, &w.ayse, "GetTicket", &[("ticketid", &id)]).await;
    let first = &t["replies"]["reply"][0];
    assert_eq!(first["replyid"], "0");
    assert_eq!(first["requestor_type"], "Owner", "{first}");
    assert_eq!(first["userid"], erin, "{first}");
    assert_eq!(first["contactid"], "0", "{first}");
    assert_eq!(first["requestor_name"], "Erin", "{first}");
    assert_eq!(first["requestor_email"], "erin@example.org", "{first}");
    assert_eq!(first["name"], "Erin", "{first}");
    assert_eq!(first["admin"], "", "{first}");
    assert_eq!((t["admin"].as_str(), t["requestor_type"].as_str()), (Some(""), Some("Owner")), "{t}");
    assert_eq!(t["status"], "Open");
    // Natively: the client wrote it; the agent's credential acted.
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(native["messages"][0]["author"]["user_id"], w.erin_id);
    assert_eq!(native["messages"][0]["author"]["staff"], false);
    assert_eq!(native["last_customer_reply_at"], native["created_at"]);
    assert!(native["last_agent_reply_at"].is_null(), "{native}");
    let created = events(&w, &id).await.into_iter().find(|e| e["kind"] == "ticket.created").unwrap();
    assert_eq!((created["actor_id"].as_i64(), created["side"].as_str()), (Some(w.ayse_id), Some("customer")));

    // The agent answers; then the billing panel posts the client's reply.
    ok(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id), ("message", "İade edildi")]).await;
    ok(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id), ("clientid", &erin), ("message", "Teşekkürler")]).await;
    let t = ok(&w, &w.ayse, "GetTicket", &[("ticketid", &id)]).await;
    let replies = t["replies"]["reply"].as_array().unwrap();
    assert_eq!(replies[1]["requestor_type"], "Operator");
    let last = &replies[2];
    assert_eq!(last["message"], "Teşekkürler");
    assert_eq!(last["requestor_type"], "Owner", "{last}");
    assert_eq!(last["userid"], erin, "{last}");
    assert_eq!(last["admin"], "", "{last}");
    assert_eq!(t["status"], "Customer-Reply", "a client's reply after the agent's");
    let replied = events(&w, &id).await.into_iter().rfind(|e| e["kind"] == "ticket.replied").unwrap();
    assert_eq!((replied["actor_id"].as_i64(), replied["side"].as_str()), (Some(w.ayse_id), Some("customer")));
    // Erin sees her own words in the portal, as hers.
    let mine = w.erin.get(&format!("/tickets/{id}")).await.expect(200).body;
    let authors: Vec<&Value> = mine["messages"].as_array().unwrap().iter().map(|m| &m["author"]["user_id"]).collect();
    assert_eq!(authors, [&json!(w.erin_id), &json!(w.ayse_id), &json!(w.erin_id)]);

    // `admin` set: the operator opens it, as WHMCS's admin-opened tickets.
    let (d, c) = (w.billing.to_string(), erin.clone());
    let by_admin = ok(
        &w,
        &w.ayse,
        "OpenTicket",
        &[("deptid", &d), ("clientid", &c), ("subject", "s"), ("message", "m"), ("admin", "1")],
    )
    .await;
    let t = ok(&w, &w.ayse, "GetTicket", &[("ticketid", by_admin["id"].as_str().unwrap())]).await;
    assert_eq!(t["replies"]["reply"][0]["requestor_type"], "Operator");
    assert_eq!(t["admin"], "Ayşe Yılmaz");

    // A client the ticket has nothing to do with cannot be its author.
    let before = w.admin.get(&format!("/tickets/{id}/messages")).await.body["messages"].as_array().unwrap().len();
    let dave = w.dave_id.to_string();
    let (status, v) =
        call(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id), ("clientid", &dave), ("message", "x")]).await;
    assert_eq!((status, v["result"].as_str()), (404, Some("error")), "{v}");
    assert_eq!(v["message"], "Client ID Not Found");
    let after = w.admin.get(&format!("/tickets/{id}/messages")).await.body["messages"].as_array().unwrap().len();
    assert_eq!(after, before, "nothing written");
}

/// Issue 14, item 13: `userid` is the client the ticket belongs to,
/// `contactid` the contact who opened it (seed 003), mapped through
/// organizations: the client is the requester, the contact a member of
/// the requester's organization who wrote the message.
#[tokio::test]
async fn contacts_open_and_answer_tickets_of_their_client() {
    let w = world().await;
    registered(&w, w.carol_id).await;
    registered(&w, w.dave_id).await;
    let (carol, dave, erin) = (w.carol_id.to_string(), w.dave_id.to_string(), w.erin_id.to_string());
    let d = w.billing.to_string();
    let opened = ok(
        &w,
        &w.ayse,
        "OpenTicket",
        &[("deptid", &d), ("clientid", &carol), ("contactid", &dave), ("subject", "Kişi"), ("message", "Dave here")],
    )
    .await;
    let id = opened["id"].as_str().unwrap().to_string();
    let t = ok(&w, &w.ayse, "GetTicket", &[("ticketid", &id)]).await;
    assert_eq!((t["userid"].as_str(), t["contactid"].as_str()), (Some(carol.as_str()), Some(dave.as_str())), "{t}");
    assert_eq!((t["name"].as_str(), t["email"].as_str()), (Some("Carol"), Some("carol@acme.example")), "{t}");
    assert_eq!(t["requestor_name"], "Dave", "the contact submitted it: {t}");
    assert_eq!(t["requestor_email"], "dave@acme.example", "{t}");
    assert_eq!(t["requestor_type"], "Authorized User", "{t}");
    let first = &t["replies"]["reply"][0];
    assert_eq!((first["userid"].as_str(), first["contactid"].as_str()), (Some(carol.as_str()), Some(dave.as_str())));
    assert_eq!(
        (first["requestor_name"].as_str(), first["requestor_type"].as_str()),
        (Some("Dave"), Some("Authorized User"))
    );
    // The list says the same.
    let listed = ok(&w, &w.ayse, "GetTickets", &[("clientid", &carol)]).await;
    let item = &listed["tickets"]["ticket"][0];
    assert_eq!(
        (item["id"].as_str(), item["userid"].as_str(), item["contactid"].as_str()),
        (Some(id.as_str()), Some(carol.as_str()), Some(dave.as_str()))
    );
    // Natively: Carol's ticket (Acme's), Dave's message.
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!((native["requester_id"].as_i64(), native["organization_id"].as_i64()), (Some(w.carol_id), Some(w.acme)));
    assert_eq!(native["messages"][0]["author"]["user_id"], w.dave_id);
    // Carol sees it in the portal (it is hers).
    w.carol.get(&format!("/tickets/{id}")).await.expect(200);

    // A reply by the contact, and one by the client herself.
    ok(
        &w,
        &w.ayse,
        "AddTicketReply",
        &[("ticketid", &id), ("clientid", &carol), ("contactid", &dave), ("message", "Dave again")],
    )
    .await;
    ok(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id), ("clientid", &carol), ("message", "Carol")]).await;
    let t = ok(&w, &w.ayse, "GetTicket", &[("ticketid", &id)]).await;
    let r = t["replies"]["reply"].as_array().unwrap();
    assert_eq!(
        (r[1]["userid"].as_str(), r[1]["contactid"].as_str(), r[1]["requestor_type"].as_str()),
        (Some(carol.as_str()), Some(dave.as_str()), Some("Authorized User")),
        "{}",
        r[1]
    );
    assert_eq!(
        (r[2]["userid"].as_str(), r[2]["contactid"].as_str(), r[2]["requestor_type"].as_str()),
        (Some(carol.as_str()), Some("0"), Some("Owner")),
        "{}",
        r[2]
    );

    // A ticket Dave opened as his own: he is its client, no contact.
    let own =
        ok(&w, &w.ayse, "OpenTicket", &[("deptid", &d), ("clientid", &dave), ("subject", "Mine"), ("message", "m")])
            .await;
    let t = ok(&w, &w.ayse, "GetTicket", &[("ticketid", own["id"].as_str().unwrap())]).await;
    assert_eq!(
        (t["userid"].as_str(), t["contactid"].as_str(), t["requestor_type"].as_str()),
        (Some(dave.as_str()), Some("0"), Some("Owner"))
    );

    // Someone outside the client's organization is not its contact.
    let rows = w.ticket_rows().await;
    refused(
        &w,
        &w.ayse,
        "OpenTicket",
        &[("deptid", &d), ("clientid", &carol), ("contactid", &erin), ("subject", "s"), ("message", "m")],
        404,
        "Contact ID Not Found",
    )
    .await;
    assert_eq!(w.ticket_rows().await, rows);
    refused(
        &w,
        &w.ayse,
        "AddTicketReply",
        &[("ticketid", &id), ("clientid", &carol), ("contactid", &erin), ("message", "m")],
        404,
        "Contact ID Not Found",
    )
    .await;
}

/// The ticket's version and its events, read as the admin.
async fn version_and_events(w: &World, id: &str) -> (i64, Vec<Value>) {
    let version = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body["version"].as_i64().unwrap();
    let events =
        w.admin.get(&format!("/tickets/{id}/events")).await.expect(200).body["events"].as_array().unwrap().clone();
    (version, events)
}

#[tokio::test]
async fn a_reply_with_a_status_and_custom_fields_is_one_change() {
    let w = world().await;
    let field = w
        .admin
        .post("/custom-fields", json!({"key": "domain", "type": "text", "labels": {"en": "Domain"}}))
        .await
        .expect(201)
        .id();
    let id = w.open(&w.erin, w.billing, "One change").await.to_string();
    let (before, events_before) = version_and_events(&w, &id).await;
    let cf = B64.encode(php_array(&[(field, "ornek.com.tr")]));
    ok(
        &w,
        &w.ayse,
        "AddTicketReply",
        &[("ticketid", &id), ("message", "Tamam"), ("status", "On Hold"), ("customfields", &cf)],
    )
    .await;
    let (after, events) = version_and_events(&w, &id).await;
    // One commit: one new version, and every new event belongs to it (one
    // batch, one webhook burst), with the reply, the status and the field.
    assert_eq!(after, before + 1, "the reply took {} versions", after - before);
    let new: Vec<&Value> = events[events_before.len()..].iter().collect();
    assert!(new.iter().all(|e| e["ticket_version"] == after), "{new:?}");
    let kinds: Vec<&str> = new.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for k in ["ticket.replied", "ticket.status_changed", "ticket.custom_fields_changed"] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    let t = w.admin.get(&format!("/tickets/{id}")).await.body;
    assert_eq!((t["status"].as_str(), t["custom_fields"]["domain"].as_str()), (Some("on_hold"), Some("ornek.com.tr")));
    // A custom field the desk refuses refuses the reply too: all or nothing.
    let bad = B64.encode(php_array(&[(999_999, "x")]));
    let (status, v) =
        call(&w, &w.ayse, "AddTicketReply", &[("ticketid", &id), ("message", "no"), ("customfields", &bad)]).await;
    assert!(status >= 400, "{v}");
    assert_eq!(version_and_events(&w, &id).await.0, after, "a refused reply changed the ticket");
}

#[tokio::test]
async fn update_and_merge_with_their_extras_are_one_change_each() {
    let w = world().await;
    let id = w.open(&w.erin, w.billing, "Update me").await.to_string();
    let (before, events_before) = version_and_events(&w, &id).await;
    ok(
        &w,
        &w.ayse,
        "UpdateTicket",
        &[("ticketid", &id), ("status", "In Progress"), ("subject", "Updated"), ("message", "Reworded opening")],
    )
    .await;
    let (after, events) = version_and_events(&w, &id).await;
    assert_eq!(after, before + 1, "UpdateTicket took {} versions", after - before);
    let new = &events[events_before.len()..];
    assert!(new.iter().all(|e| e["ticket_version"] == after), "{new:?}");
    assert!(new.iter().any(|e| e["kind"] == "message.edited"), "{new:?}");
    let first = w.admin.get(&format!("/tickets/{id}/messages")).await.body["messages"][0]["body"].clone();
    assert_eq!(first, "Reworded opening");

    // MergeTicket with a new subject: the target moves one version.
    let other = w.open(&w.erin, w.billing, "Merge me").await.to_string();
    let (before, _) = version_and_events(&w, &id).await;
    ok(&w, &w.ayse, "MergeTicket", &[("ticketid", &id), ("mergeticketids", &other), ("newsubject", "Merged")]).await;
    let (after, events) = version_and_events(&w, &id).await;
    assert_eq!(after, before + 1, "MergeTicket took {} versions", after - before);
    let t = w.admin.get(&format!("/tickets/{id}")).await.body;
    assert_eq!(t["subject"], "Merged");
    let last: Vec<&Value> = events.iter().filter(|e| e["ticket_version"] == after).collect();
    assert!(last.iter().any(|e| e["kind"] == "ticket.merged") && last.iter().any(|e| e["kind"] == "ticket.updated"));
    // A subject the desk refuses refuses the merge.
    let third = w.open(&w.erin, w.billing, "Not merged").await.to_string();
    let long = "x".repeat(1000);
    let (status, v) =
        call(&w, &w.ayse, "MergeTicket", &[("ticketid", &id), ("mergeticketids", &third), ("newsubject", &long)]).await;
    assert!(status >= 400, "{v}");
    assert!(w.admin.get(&format!("/tickets/{third}")).await.body["merged_into_id"].is_null());
}

/// `noemail` on `OpenTicket` and `AddTicketReply`: the client is sent
/// nothing about that ticket or reply (agents still are); without it the
/// client gets the acknowledgement and the reply. Mail goes to a real
/// Postfix on loopback (the harness of `tessera_mail::testing`), which
/// accepts it and drops it: only what Tessera recorded is looked at here.
#[tokio::test]
async fn noemail_keeps_the_client_from_hearing_of_a_ticket_or_a_reply() {
    use tessera_mail::testing::{dovecot::Dovecot, postfix};
    bounded(async {
        let dovecot = Dovecot::start().await;
        let pf = postfix::Postfix::start(postfix::Options::relay_to(&dovecot));
        let port = pf.port;
        let w = World::with(move |c| {
            all_compat(c);
            c.mail_out.smtp = Some(
                tessera_mail::outbound::SmtpConfig::parse(&format!("smtp://127.0.0.1:{port}"), None, None).unwrap(),
            );
            c.mail_out.from = Some((None, "support@tessera.test".into()));
        })
        .await;
        let copies = |ticket: i64| {
            let admin = w.admin.clone();
            async move {
                // The sender picks new events up within a second or two.
                let mut last = Vec::new();
                for _ in 0..50 {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    let d = admin.get(&format!("/tickets/{ticket}/mail")).await.expect(200).body["deliveries"].clone();
                    last = d
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|c| c["state"] == "sent")
                        .map(|c| format!("{} {}", c["kind"].as_str().unwrap(), c["address"].as_str().unwrap()))
                        .collect::<Vec<_>>();
                }
                last
            }
        };
        let (dept, client) = (w.billing.to_string(), w.dave_id.to_string());
        let quiet = ok(
            &w,
            &w.admin,
            "OpenTicket",
            &[("deptid", &dept), ("clientid", &client), ("subject", "Quiet"), ("message", "x"), ("noemail", "1")],
        )
        .await;
        let loud = open_as_client(&w, &w.admin, w.billing, w.dave_id, "Loud", "y").await;
        for (v, text) in [(&quiet, "Quiet reply"), (&loud, "Loud reply")] {
            let id = v["id"].as_str().unwrap().to_string();
            let mut params = vec![("ticketid", id.as_str()), ("message", text)];
            if text.starts_with("Quiet") {
                params.push(("noemail", "true"));
            }
            ok(&w, &w.admin, "AddTicketReply", &params).await;
        }
        let quiet_id = quiet["id"].as_str().unwrap().parse().unwrap();
        let loud_id = loud["id"].as_str().unwrap().parse().unwrap();
        let loud_copies = copies(loud_id).await;
        assert!(loud_copies.contains(&"acknowledgement dave@acme.example".to_string()), "{loud_copies:?}");
        assert!(loud_copies.contains(&"agent_reply dave@acme.example".to_string()), "{loud_copies:?}");
        let quiet_copies = copies(quiet_id).await;
        assert!(quiet_copies.iter().all(|c| !c.ends_with("dave@acme.example")), "{quiet_copies:?}");
        // The department's agent still hears of the new ticket.
        assert!(quiet_copies.iter().any(|c| c.starts_with("new_ticket ")), "{quiet_copies:?}");
    })
    .await;
}

/// `CreateSsoToken` (issue 17): WHMCS's single sign-on, as the billing
/// panel's hand-off. An admin's credential gets `access_token` and
/// `redirect_url` for a customer; the URL signs them in once.
#[tokio::test]
async fn create_sso_token_hands_a_client_off_once() {
    let outbox = Outbox::default();
    let mail = account_mail(&outbox);
    let w = World::with(move |c| {
        mail(c);
        all_compat(c);
    })
    .await;
    let carol = w.carol_id.to_string();
    let v = ok(&w, &w.admin, "CreateSsoToken", &[("client_id", &carol)]).await;
    let obj = v.as_object().unwrap();
    assert_eq!(obj.keys().map(String::as_str).collect::<Vec<_>>(), ["access_token", "redirect_url", "result"]);
    let token = v["access_token"].as_str().unwrap();
    let url = v["redirect_url"].as_str().unwrap();
    assert_eq!(url, format!("{PUBLIC_URL}/sso/{token}"));
    assert_eq!(token.len(), 64);

    let browser = browser_without_redirects();
    let r = browser.get(on_server(&w.server, url)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/");
    assert!(r.headers()["set-cookie"].to_str().unwrap().starts_with("tessera_session="));
    assert_eq!(browser.get(on_server(&w.server, url)).send().await.unwrap().status(), 410, "used once");

    // Destinations: the ticket form, or a path of the portal.
    let v =
        ok(&w, &w.admin, "CreateSsoToken", &[("client_id", &carol), ("destination", "clientarea:submit_ticket")]).await;
    assert!(v["redirect_url"].as_str().unwrap().ends_with("?next=/tickets/new"), "{v}");
    let custom =
        [("client_id", carol.as_str()), ("destination", "sso:custom_redirect"), ("sso_redirect_path", "tickets/new")];
    let v = ok(&w, &w.admin, "CreateSsoToken", &custom).await;
    assert!(v["redirect_url"].as_str().unwrap().ends_with("?next=/tickets/new"), "{v}");
    let r = browser.get(on_server(&w.server, v["redirect_url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/tickets/new");
}

#[tokio::test]
async fn create_sso_token_refuses_clearly_and_makes_nothing() {
    let outbox = Outbox::default();
    let mail = account_mail(&outbox);
    let w = World::with(move |c| {
        mail(c);
        all_compat(c);
    })
    .await;
    let carol = w.carol_id.to_string();
    let agent = w.ayse_id.to_string();
    refused(&w, &w.admin, "CreateSsoToken", &[], 400, "client_id or user_id is required").await;
    refused(
        &w,
        &w.admin,
        "CreateSsoToken",
        &[("client_id", "abc")],
        400,
        "Invalid client_id: expected a positive whole number",
    )
    .await;
    refused(&w, &w.admin, "CreateSsoToken", &[("client_id", "999999")], 404, "Client ID Not Found").await;
    // Staff are never handed off.
    refused(&w, &w.admin, "CreateSsoToken", &[("client_id", &agent)], 404, "Client ID Not Found").await;
    refused(
        &w,
        &w.admin,
        "CreateSsoToken",
        &[("client_id", &carol), ("destination", "clientarea:nowhere")],
        400,
        "Invalid destination",
    )
    .await;
    let evil = [
        ("client_id", carol.as_str()),
        ("destination", "sso:custom_redirect"),
        ("sso_redirect_path", "//evil.example/"),
    ];
    refused(&w, &w.admin, "CreateSsoToken", &evil, 400, "Invalid sso_redirect_path").await;
    // An agent's credential may not sign customers in (WHMCS asks for admin credentials too).
    let (status, v) = call(&w, &w.ayse, "CreateSsoToken", &[("client_id", &carol)]).await;
    assert_eq!((status, v["result"].as_str()), (403, Some("error")), "{v}");
}
