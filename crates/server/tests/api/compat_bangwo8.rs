//! The bangwo8 compat dialect against a running server (`spec/compat.md`):
//! seed 004's view requests replayed, shapes compared field by field (every
//! value a string), paging, languages, permissions and bad input.

use crate::support::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const PASSWORD: &str = "Ayşe's long passphrase 42";

/// How a request authenticates.
#[derive(Clone, Copy)]
pub(crate) enum Cred<'a> {
    /// `-u {account}:{password}`, as the seed's curl lines.
    Basic(&'a str, &'a str),
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
    /// Nothing.
    None,
}

pub(crate) async fn call(w: &World, cred: Cred<'_>, path_and_query: &str, lang: Option<&str>) -> Resp {
    let url = if path_and_query.starts_with("http") {
        path_and_query.to_string()
    } else {
        format!("{}/compat/bangwo8{path_and_query}", w.server.base)
    };
    let mut rb = w.admin.client.get(url);
    rb = match cred {
        Cred::Basic(u, p) => rb.basic_auth(u, Some(p)),
        Cred::Bearer(t) => rb.bearer_auth(t),
        Cred::None => rb,
    };
    if let Some(l) = lang {
        rb = rb.header("accept-language", l);
    }
    Api::send(rb).await
}

/// Ayşe (billing) with her e-mail and password.
fn ayse() -> Cred<'static> {
    Cred::Basic("ayse@example.com", PASSWORD)
}

async fn world() -> World {
    let w = World::with(all_compat).await;
    w.server.state.desk.set_password_unchecked(tessera_core::UserId(w.ayse_id), PASSWORD).await.unwrap();
    w
}

/// Asserts an error answer: the status and `{"error", "description"}`.
#[track_caller]
fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "body: {}", r.body);
    assert_eq!(r.body["error"], code, "body: {}", r.body);
    assert!(r.body["description"].as_str().is_some_and(|d| !d.is_empty()), "body: {}", r.body);
    assert_eq!(r.body.as_object().unwrap().len(), 2, "body: {}", r.body);
}

/// `Y-m-d H:i:s`.
fn is_ymd_his(s: &str) -> bool {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").is_ok()
}

/// A shared view of every ticket; answers its id.
pub(crate) async fn all_tickets_view(w: &World) -> i64 {
    w.admin.post("/views", json!({"title": "所有工单", "personal": false})).await.expect(201).id()
}

fn ids_of(r: &Resp) -> Vec<i64> {
    r.body["tickets"].as_array().unwrap().iter().map(|t| t["ticketId"].as_str().unwrap().parse().unwrap()).collect()
}

const TICKET_KEYS: [&str; 19] = [
    "ccUserIdList",
    "closeDT",
    "createDT",
    "createrId",
    "createrType",
    "custUserId",
    "custom_fields",
    "descript",
    "priorityLevel",
    "servicerGroupId",
    "servicerUserId",
    "solveDT",
    "subject",
    "tagList",
    "ticketId",
    "ticketSource",
    "ticketStatus",
    "ticketType",
    "updateDT",
];

#[tokio::test]
async fn seed_view_requests_replayed() {
    let w = world().await;
    let view = all_tickets_view(&w).await;
    let hidden = w.admin.post("/views", json!({"title": "技术部", "department_ids": [w.tech]})).await.expect(201).id();
    for i in 0..3 {
        w.open(&w.erin, w.billing, &format!("账单问题 {i}")).await;
    }
    w.open(&w.dave, w.tech, "Сервер упал").await;

    // GET /api/v1/ticketviews.json
    let r = call(&w, ayse(), "/api/v1/ticketviews.json", None).await.expect(200);
    let views = r.body["ticketviews"].as_array().unwrap();
    assert_eq!(r.body["count"], views.len().to_string(), "count is a string of the list's length");
    let native: BTreeSet<String> = w.ayse.get("/views").await.expect(200).body["views"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].to_string())
        .collect();
    let ours: BTreeSet<String> = views.iter().map(|v| v["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ours, native, "the views Ayşe may use, no more");
    assert!(!ours.contains(&hidden.to_string()), "another department's shared view is not listed");
    let v = views.iter().find(|v| v["id"] == json!(view.to_string())).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["active", "createDT", "id", "title", "updateDT", "url"]);
    assert_eq!(v["title"], "所有工单");
    assert_eq!(v["active"], "1");
    assert!(is_ymd_his(v["createDT"].as_str().unwrap()));
    assert_eq!(v["updateDT"], "", "never changed");
    assert_eq!(v["url"], format!("{}/compat/bangwo8/api/v1/ticketviews/{view}.json", w.server.base));
    for v in views {
        assert!(v.as_object().unwrap().values().all(Value::is_string), "every value a string: {v}");
    }

    // … with fields=show_tickets_num
    let r = call(&w, ayse(), "/api/v1/ticketviews.json?fields=show_tickets_num", None).await.expect(200);
    let v =
        r.body["ticketviews"].as_array().unwrap().iter().find(|v| v["id"] == json!(view.to_string())).unwrap().clone();
    assert_eq!(v["ticket_count"], "3", "only billing's tickets for Ayşe");

    // GET /api/v1/ticketviews/{id}.json (the seed follows the link it gives)
    let r = call(&w, ayse(), v["url"].as_str().unwrap(), None).await.expect(200);
    assert_eq!(r.body["ticketview"]["id"], view.to_string());
    assert_eq!(r.body["ticketview"]["title"], "所有工单");
    assert!(r.body["ticketview"].get("ticket_count").is_none());
    w.admin.patch(&format!("/views/{view}"), json!({"active": false})).await.expect(200);
    let r =
        call(&w, ayse(), &format!("/api/v1/ticketviews/{view}.json?fields=show_tickets_num"), None).await.expect(200);
    assert_eq!(r.body["ticketview"]["active"], "0");
    assert_eq!(r.body["ticketview"]["ticket_count"], "3");
    assert!(is_ymd_his(r.body["ticketview"]["updateDT"].as_str().unwrap()), "changed now: {}", r.body);

    // GET /api/v1/ticketviews/{id}/count.json
    let r = call(&w, ayse(), &format!("/api/v1/ticketviews/{view}/count.json"), None).await.expect(200);
    assert_eq!(r.body, json!({"ticketview_count": [{"ticketview_id": view.to_string(), "count": "3"}]}));
    let r = call(
        &w,
        Cred::Bearer(w.boris.token.as_deref().unwrap()),
        &format!("/api/v1/ticketviews/{view}/count.json"),
        None,
    )
    .await
    .expect(200);
    assert_eq!(r.body["ticketview_count"][0]["count"], "1", "Boris sees tech's one ticket");

    // GET /api/v1/ticketviews/show_many.json?ids={15,2} and ids=15,2, in the order asked.
    let defaults: Vec<i64> =
        views.iter().map(|v| v["id"].as_str().unwrap().parse().unwrap()).filter(|id| *id != view).take(1).collect();
    let other = defaults.first().copied().unwrap_or(view);
    for ids in [format!("{{{view},{other}}}"), format!("{view},{other}"), format!("{view}, {hidden}, 999999, {other}")]
    {
        let r = call(&w, ayse(), &format!("/api/v1/ticketviews/show_many.json?ids={ids}"), None).await.expect(200);
        let counts = r.body["ticketview_counts"].as_array().unwrap();
        let asked: Vec<&str> = counts.iter().map(|c| c["ticketview_id"].as_str().unwrap()).collect();
        assert_eq!(asked, [view.to_string(), other.to_string()], "{ids}: hidden and unknown views left out");
        assert_eq!(counts[0]["count"], "3");
        let n = call(&w, ayse(), &format!("/api/v1/ticketviews/{other}/count.json"), None).await.expect(200);
        assert_eq!(counts[1]["count"], n.body["ticketview_count"][0]["count"]);
    }
    let r = call(&w, ayse(), &format!("/api/v1/ticketviews/show_many.json?ids={other},{view}"), None).await.expect(200);
    assert_eq!(r.body["ticketview_counts"][0]["ticketview_id"], other.to_string());
}

#[tokio::test]
async fn view_tickets_page_through_the_execution() {
    let w = world().await;
    let view = all_tickets_view(&w).await;
    let mut billing = BTreeSet::new();
    for i in 0..5 {
        billing.insert(w.open(&w.erin, w.billing, &format!("Счёт {i}")).await);
    }
    let tech = w.open(&w.dave, w.tech, "Tech only").await;

    let mut seen = Vec::new();
    let mut url = format!("/api/v1/ticketviews/{view}/tickets.json?per_page=2");
    let mut pages = 0;
    loop {
        let r = call(&w, ayse(), &url, None).await.expect(200);
        pages += 1;
        assert_eq!(r.body["count"], "5", "count is every ticket of the view, as a string");
        let keys: Vec<&str> = r.body.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["count", "next_page", "previous_page", "tickets"]);
        if pages == 1 {
            assert_eq!(r.body["previous_page"], "");
        } else {
            let prev = r.body["previous_page"].as_str().unwrap();
            assert!(prev.ends_with(&format!("page={}", pages - 1)), "{prev}");
            assert!(
                prev.starts_with(&format!("{}/compat/bangwo8/api/v1/ticketviews/{view}/tickets.json?", w.server.base))
            );
        }
        seen.extend(ids_of(&r));
        match r.body["next_page"].as_str().unwrap() {
            "" => break,
            next => url = next.to_string(),
        }
        assert!(pages < 10);
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5, "no ticket twice");
    assert_eq!(seen.iter().copied().collect::<BTreeSet<_>>(), billing);
    assert!(!seen.contains(&tech), "never another department's ticket");
    let r = call(&w, ayse(), &format!("/api/v1/ticketviews/{view}/count.json"), None).await.expect(200);
    assert_eq!(r.body["ticketview_count"][0]["count"], seen.len().to_string(), "count equals the execution");
    // A page past the end is empty, with a way back.
    let r = call(&w, ayse(), &format!("/api/v1/ticketviews/{view}/tickets.json?page=9"), None).await.expect(200);
    assert_eq!(r.body["tickets"], json!([]));
    assert_eq!(r.body["next_page"], "");
    assert_ne!(r.body["previous_page"], "");
}

#[tokio::test]
async fn the_ticket_shape_and_its_labels() {
    let w = world().await;
    let view = all_tickets_view(&w).await;
    let plan = w
        .admin
        .post("/custom-fields", json!({"key": "plan", "type": "select", "options": ["金牌", "silver"], "labels": {"en": "Plan"}, "customer_editable": true}))
        .await
        .expect(201)
        .id();
    let id = w
        .erin
        .post("/tickets", json!({"subject": "测试工单", "department_id": w.billing, "body": "工单描述 — açıklama", "custom_fields": {"plan": "金牌"}}))
        .await
        .expect(201)
        .id();
    let path = format!("/api/v1/ticketviews/{view}/tickets.json");
    let ticket = |r: &Resp| {
        r.body["tickets"].as_array().unwrap().iter().find(|t| t["ticketId"] == json!(id.to_string())).unwrap().clone()
    };

    let t = ticket(&call(&w, ayse(), &path, None).await.expect(200));
    let keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, TICKET_KEYS);
    for (k, v) in t.as_object().unwrap() {
        assert!(k == "custom_fields" || v.is_string(), "{k} is a string: {v}");
    }
    assert_eq!(t["ticketId"], id.to_string());
    assert_eq!(t["custUserId"], w.erin_id.to_string());
    assert_eq!(t["subject"], "测试工单");
    assert_eq!(t["descript"], "工单描述 — açıklama");
    assert_eq!(t["servicerUserId"], "");
    assert_eq!(t["ccUserIdList"], "");
    assert_eq!(t["ticketType"], "");
    assert_eq!(t["priorityLevel"], "正常");
    assert_eq!(t["tagList"], "");
    assert_eq!(t["ticketStatus"], "新建", "Chinese labels by default, as the seed");
    assert!(is_ymd_his(t["createDT"].as_str().unwrap()) && is_ymd_his(t["updateDT"].as_str().unwrap()));
    assert_eq!(t["solveDT"], "");
    assert_eq!(t["closeDT"], "");
    assert_eq!(t["servicerGroupId"], w.billing.to_string());
    assert_eq!(t["createrId"], w.erin_id.to_string());
    assert_eq!(t["createrType"], "1");
    assert_eq!(t["ticketSource"], "API", "opened through the native API");
    assert_eq!(t["custom_fields"], json!([{"key": format!("field_{plan}"), "value": "金牌"}]));

    // Agents' fields, then other languages.
    w.ayse
        .patch(
            &format!("/tickets/{id}"),
            json!({"type": "incident", "priority": "urgent", "tags": ["vip", "加急"], "assignee_id": w.ayse_id, "cc": {"agent_ids": [w.boris_id]}}),
        )
        .await
        .expect(200);
    w.ayse.post(&format!("/tickets/{id}/replies"), json!({"body": "在处理"})).await.expect(201);
    let t = ticket(&call(&w, ayse(), &path, None).await.expect(200));
    assert_eq!(t["ticketType"], "故障");
    assert_eq!(t["priorityLevel"], "紧急");
    assert_eq!(t["tagList"].as_str().unwrap().split(',').collect::<BTreeSet<_>>(), BTreeSet::from(["vip", "加急"]));
    assert_eq!(t["servicerUserId"], w.ayse_id.to_string());
    assert_eq!(t["ccUserIdList"], w.boris_id.to_string());
    assert_eq!(t["ticketStatus"], "待回应");
    let t = ticket(&call(&w, ayse(), &format!("{path}?lang=en"), None).await.expect(200));
    assert_eq!(
        (t["ticketStatus"].as_str(), t["ticketType"].as_str(), t["priorityLevel"].as_str()),
        (Some("Pending"), Some("Incident"), Some("Urgent"))
    );
    assert_eq!(t["ticketSource"], "API");
    let t = ticket(&call(&w, ayse(), &path, Some("ru-RU,ru;q=0.9")).await.expect(200));
    assert_eq!(t["ticketStatus"], "Ожидает ответа");
    let t = ticket(&call(&w, ayse(), &format!("{path}?lang=tr"), Some("ru")).await.expect(200));
    assert_eq!(t["ticketStatus"], "Yanıt bekliyor", "lang wins over Accept-Language");

    w.ayse.patch(&format!("/tickets/{id}"), json!({"status": "solved"})).await.expect(200);
    let t = ticket(&call(&w, ayse(), &path, None).await.expect(200));
    assert_eq!(t["ticketStatus"], "已解决");
    assert!(is_ymd_his(t["solveDT"].as_str().unwrap()));
    w.ayse.patch(&format!("/tickets/{id}"), json!({"status": "closed"})).await.expect(200);
    let t = ticket(&call(&w, ayse(), &path, None).await.expect(200));
    assert_eq!(t["ticketStatus"], "手动关闭");
    assert!(is_ymd_his(t["closeDT"].as_str().unwrap()));

    // A ticket an agent opened for a customer.
    let by_agent = w
        .ayse
        .post("/tickets", json!({"subject": "Phoned in", "department_id": w.billing, "body": "call notes", "requester_id": w.erin_id, "source": "phone"}))
        .await
        .expect(201)
        .id();
    let r = call(&w, ayse(), &path, None).await.expect(200);
    let t =
        r.body["tickets"].as_array().unwrap().iter().find(|t| t["ticketId"] == json!(by_agent.to_string())).unwrap();
    assert_eq!(t["createrId"], w.ayse_id.to_string());
    assert_eq!(t["createrType"], "0");
    assert_eq!(t["custUserId"], w.erin_id.to_string());
    assert_eq!(t["ticketSource"], "呼叫中心");
}

#[tokio::test]
async fn tickets_json_filters_orders_and_pages() {
    let w = world().await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(w.open(&w.erin, w.billing, &format!("T{i}")).await);
    }
    w.open(&w.dave, w.tech, "not Ayşe's").await;
    let r = call(&w, ayse(), "/api/v1/tickets.json", None).await.expect(200);
    assert_eq!(ids_of(&r), ids, "by id ascending by default, only what Ayşe may see");
    assert_eq!(r.body["count"], "4");
    assert_eq!((r.body["previous_page"].as_str(), r.body["next_page"].as_str()), (Some(""), Some("")));
    let r = call(&w, ayse(), "/api/v1/tickets.json?created_order=desc", None).await.expect(200);
    assert_eq!(ids_of(&r), ids.iter().rev().copied().collect::<Vec<_>>());
    let r = call(&w, ayse(), "/api/v1/tickets.json?per_page=3&page=2", None).await.expect(200);
    assert_eq!(ids_of(&r), [ids[3]]);
    assert!(
        r.body["previous_page"].as_str().unwrap().ends_with("/compat/bangwo8/api/v1/tickets.json?per_page=3&page=1")
    );

    // Time windows, in the configured zone, inclusive.
    let now = chrono::Utc::now();
    let day = |d: chrono::Duration| (now + d).format("%Y-%m-%d").to_string();
    let q = format!(
        "/api/v1/tickets.json?created_start={}&created_end={}",
        day(chrono::Duration::days(-1)),
        day(chrono::Duration::zero())
    );
    assert_eq!(call(&w, ayse(), &q, None).await.expect(200).body["count"], "4");
    let q = format!("/api/v1/tickets.json?created_start={}", day(chrono::Duration::days(2)));
    let r = call(&w, ayse(), &q, None).await.expect(200);
    assert_eq!((r.body["count"].as_str(), r.body["tickets"].as_array().map(Vec::len)), (Some("0"), Some(0)));
    let q = format!("/api/v1/tickets.json?updated_end={}+00%3A00%3A00", day(chrono::Duration::days(-1)));
    assert_eq!(call(&w, ayse(), &q, None).await.expect(200).body["count"], "0");

    // Bad parameters.
    for q in [
        "per_page=101",
        "per_page=0",
        "page=0",
        "page=two",
        "created_start=yesterday",
        "updated_end=2019-13-45",
        "status_order=up",
        "lang=xx",
    ] {
        assert_error(&call(&w, ayse(), &format!("/api/v1/tickets.json?{q}"), None).await, 400, "invalid_parameter");
    }
}

#[tokio::test]
async fn credentials_and_permissions() {
    let w = world().await;
    let view = all_tickets_view(&w).await;
    let personal = w.boris.post("/views", json!({"title": "Boris's own", "personal": true})).await.expect(201).id();
    w.open(&w.erin, w.billing, "x").await;
    let path = "/api/v1/ticketviews.json";

    // Three ways in.
    call(&w, ayse(), path, None).await.expect(200);
    let token = w.ayse.token.clone().unwrap();
    call(&w, Cred::Bearer(&token), path, None).await.expect(200);
    let (identifier, secret) = token.split_once('.').unwrap();
    call(&w, Cred::Basic(identifier, secret), path, None).await.expect(200);

    // Wrong ones.
    let r = call(&w, Cred::None, path, None).await;
    assert_error(&r, 401, "unauthorized");
    assert!(r.header("www-authenticate").is_some_and(|h| h.starts_with("Basic")));
    assert_error(&call(&w, Cred::Basic("ayse@example.com", "wrong"), path, None).await, 401, "unauthorized");
    assert_error(&call(&w, Cred::Basic(identifier, "wrong"), path, None).await, 401, "unauthorized");
    assert_error(&call(&w, Cred::Bearer("nope.nope"), path, None).await, 401, "unauthorized");
    let r = Api::send(
        w.admin
            .client
            .get(format!("{}/compat/bangwo8{path}", w.server.base))
            .header("authorization", "Basic !!!not-base64"),
    )
    .await;
    assert_error(&r, 401, "unauthorized");
    // Customers may not use an agents' API.
    assert_error(&call(&w, Cred::Bearer(w.erin.token.as_deref().unwrap()), path, None).await, 403, "forbidden");

    // Views the caller may not use are not found, like unknown ones.
    for p in [
        format!("/api/v1/ticketviews/{personal}.json"),
        format!("/api/v1/ticketviews/{personal}/count.json"),
        format!("/api/v1/ticketviews/{personal}/tickets.json"),
        "/api/v1/ticketviews/999999.json".to_string(),
        "/api/v1/ticketviews/abc.json".to_string(),
        "/api/v1/ticketviews/999999/count.json".to_string(),
        "/api/v1/ticketviews/x/tickets.json".to_string(),
        "/api/v1/nothing.json".to_string(),
    ] {
        assert_error(&call(&w, ayse(), &p, None).await, 404, "not_found");
    }
    call(&w, Cred::Bearer(w.boris.token.as_deref().unwrap()), &format!("/api/v1/ticketviews/{personal}.json"), None)
        .await
        .expect(200);
    for q in ["", "ids=", "ids={1,x}", "ids=1,,2", "ids=-4"] {
        assert_error(
            &call(&w, ayse(), &format!("/api/v1/ticketviews/show_many.json?{q}"), None).await,
            400,
            "invalid_parameter",
        );
    }
    assert_error(
        &call(&w, ayse(), &format!("/api/v1/ticketviews/{view}/tickets.json?per_page=500"), None).await,
        400,
        "invalid_parameter",
    );
    let r = Api::send(
        w.admin
            .client
            .post(format!("{}/compat/bangwo8{path}", w.server.base))
            .basic_auth("ayse@example.com", Some(PASSWORD)),
    )
    .await;
    assert_error(&r, 405, "method_not_allowed");
}

#[tokio::test]
async fn off_unless_enabled() {
    let w = World::with(|c| {
        c.compat.enabled = [tessera_compat::Dialect::Hostapi].into_iter().collect();
    })
    .await;
    let r = call(&w, Cred::Bearer(w.ayse.token.as_deref().unwrap()), "/api/v1/ticketviews.json", None).await;
    assert_eq!(r.status, 404);
    let r = call(&w, Cred::Bearer(w.ayse.token.as_deref().unwrap()), "/api/v1/tickets.json", None).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn times_are_written_in_the_configured_zone() {
    let w = World::with(|c| {
        all_compat(c);
        c.compat.timezone = "Asia/Shanghai".parse().unwrap();
    })
    .await;
    let id = w.open(&w.erin, w.billing, "时区").await;
    let native = w.ayse.get(&format!("/tickets/{id}")).await.expect(200).body;
    let created = chrono::DateTime::parse_from_rfc3339(native["created_at"].as_str().unwrap()).unwrap();
    let shanghai: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let want = created.with_timezone(&shanghai).format("%Y-%m-%d %H:%M:%S").to_string();
    let r = call(&w, Cred::Bearer(w.ayse.token.as_deref().unwrap()), "/api/v1/tickets.json", None).await.expect(200);
    assert_eq!(r.body["tickets"][0]["createDT"], want);
    // Windows are read in the zone too: the ticket's own local second is inside.
    let q = format!("/api/v1/tickets.json?created_start={want}&created_end={want}").replace(' ', "+");
    let r = call(&w, Cred::Bearer(w.ayse.token.as_deref().unwrap()), &q, None).await.expect(200);
    assert_eq!(r.body["count"], "1");
}

/// Issue 14, item 16: the installation's views are dated when they were
/// made, in the configured zone (`createDT` was "1970-01-01 00:00:00").
#[tokio::test]
async fn installation_views_are_dated_when_they_were_made() {
    let w = World::with(|c| {
        all_compat(c);
        c.compat.timezone = "Asia/Shanghai".parse().unwrap();
    })
    .await;
    let shanghai: chrono_tz::Tz = "Asia/Shanghai".parse().unwrap();
    let native = w.admin.get("/views").await.expect(200).body["views"].as_array().unwrap().clone();
    let r =
        call(&w, Cred::Bearer(w.admin.token.as_deref().unwrap()), "/api/v1/ticketviews.json", None).await.expect(200);
    let listed = r.body["ticketviews"].as_array().unwrap();
    let mut seen = 0;
    for n in native.iter().filter(|v| v["default_key"].is_string()) {
        let v = listed.iter().find(|v| v["id"] == json!(n["id"].to_string())).expect("listed");
        let created = chrono::DateTime::parse_from_rfc3339(n["created_at"].as_str().unwrap()).unwrap();
        let want = created.with_timezone(&shanghai).format("%Y-%m-%d %H:%M:%S").to_string();
        assert_eq!(v["createDT"], want, "{v}");
        assert!(!want.starts_with("1970"), "{v}");
        assert_eq!(v["updateDT"], "", "never changed: {v}");
        seen += 1;
    }
    assert_eq!(seen, 9);
}

#[tokio::test]
async fn a_ticket_made_through_hostapi_reads_the_same_here_and_natively() {
    let w = world().await;
    let sid = w
        .admin
        .post("/services", json!({"kind": "service", "label": "VPS", "owner_id": w.erin_id}))
        .await
        .expect(201)
        .id();
    let r = Api::send(
        w.admin
            .client
            .post(format!("{}/compat/hostapi/v1/tickets/create", w.server.base))
            .bearer_auth(w.erin.token.as_deref().unwrap())
            .json(&json!({"title": "跨方言 — Türkçe — Русский", "department": w.billing, "message": "第一条消息", "service": format!("S{sid}")})),
    )
    .await
    .expect(200);
    let id = r.body["id"].as_i64().unwrap();
    let native = w.ayse.get(&format!("/tickets/{id}")).await.expect(200).body;
    let r = call(&w, ayse(), "/api/v1/tickets.json", None).await.expect(200);
    let t = &r.body["tickets"][0];
    assert_eq!(t["ticketId"], json!(id.to_string()));
    assert_eq!(t["subject"], native["subject"]);
    assert_eq!(t["subject"], "跨方言 — Türkçe — Русский");
    assert_eq!(t["descript"], native["messages"][0]["body"]);
    assert_eq!(t["descript"], "第一条消息");
    assert_eq!(t["servicerGroupId"], json!(native["department_id"].to_string()));
    assert_eq!(native["status"], "new");
    assert_eq!(t["ticketStatus"], "新建");
    assert_eq!(native["priority"], "normal");
    assert_eq!(t["priorityLevel"], "正常");
    assert_eq!(t["ticketSource"], "API");
    assert_eq!(t["createrType"], "1");
}
