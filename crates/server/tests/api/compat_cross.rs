//! Every compat dialect against the others: a ticket made through one
//! dialect reads back through every other dialect and the native API with
//! the same subject, status, priority, department and messages; a change
//! made through one is seen by all.
//!
//! Bangwo8's ticket-view API only reads (seed 004 documents no writes), so
//! tickets are made through WHMCS (an agent for a client), BILLmanager and
//! the hosting REST API (customers) and read through all four.

use crate::compat_bangwo8::{self as bangwo8, Cred};
use crate::compat_billmanager::{self as bm, ERIN};
use crate::compat_hostapi as hostapi;
use crate::compat_whmcs as whmcs;
use crate::support::*;
use serde_json::{Value, json};

/// A ticket as every reader should see it.
struct Expected<'a> {
    id: i64,
    subject: &'a str,
    /// Public messages, oldest first.
    messages: Vec<&'a str>,
    /// Tessera's priority key.
    priority: &'a str,
    /// Tessera's status key (one of the built-in rows).
    status: &'a str,
}

/// The dialects' words for a built-in status: WHMCS title, BILLmanager
/// `tstatus`, hostapi label, Bangwo8 label (`spec/compat.md`'s table).
fn status_words(status: &str, agent_replied: bool) -> (&'static str, &'static str, &'static str, &'static str) {
    match status {
        "new" => ("Open", "0", "Open", "新建"),
        "open" if agent_replied => ("Customer-Reply", "1", "Open", "已开启"),
        "open" => ("Open", "1", "Open", "已开启"),
        "answered" => ("Answered", "2", "Answered", "待回应"),
        other => panic!("no expectation written for status {other}"),
    }
}

/// WHMCS priority title, BILLmanager number, Bangwo8 label.
fn priority_words(priority: &str) -> (&'static str, &'static str, &'static str) {
    match priority {
        "low" => ("Low", "1", "低"),
        "normal" => ("Medium", "2", "正常"),
        "high" => ("High", "3", "高"),
        "urgent" => ("High", "4", "紧急"),
        other => panic!("unknown priority {other}"),
    }
}

/// Reads `e` through the native API and the four dialects and compares.
async fn reads_the_same_everywhere(w: &World, view: i64, e: &Expected<'_>) {
    let id = e.id.to_string();
    let billing = w.billing.to_string();
    let agent_replied = e.messages.len() > 1;
    let (whmcs_status, tstatus, host_status, bangwo8_status) = status_words(e.status, agent_replied);
    let (whmcs_priority, bm_priority, bangwo8_priority) = priority_words(e.priority);

    // Native.
    let native = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(native["subject"], e.subject);
    assert_eq!(native["department_id"], w.billing);
    assert_eq!(native["priority"], e.priority);
    assert_eq!(native["status"], e.status, "{native}");
    let bodies: Vec<&str> =
        native["messages"].as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, e.messages, "native");

    // WHMCS (the billing agent).
    let t = whmcs::ok(w, &w.ayse, "GetTicket", &[("ticketid", &id), ("repliessort", "ASC")]).await;
    assert_eq!(t["subject"], e.subject);
    assert_eq!(t["deptid"], billing);
    assert_eq!(t["priority"], whmcs_priority);
    assert_eq!(t["status"], whmcs_status, "{t}");
    let replies: Vec<&str> =
        t["replies"]["reply"].as_array().unwrap().iter().map(|r| r["message"].as_str().unwrap()).collect();
    assert_eq!(replies, e.messages, "whmcs: {t}");

    // BILLmanager (the customer).
    let v = bm::call(w, ERIN, "clientticket.edit", &[("elid", &id)]).await.json();
    let d = &v["doc"];
    assert_eq!(d["name"]["$"], e.subject);
    assert_eq!(d["client_department"]["$"], billing);
    assert_eq!(d["priority"]["$"], bm_priority);
    assert_eq!(d["tstatus"]["$"], tstatus, "{v}");
    let msgs: Vec<&str> = d["elem"].as_array().unwrap().iter().map(|m| m["message"]["$"].as_str().unwrap()).collect();
    assert_eq!(msgs, e.messages, "billmanager: {v}");

    // hostapi (the customer): the opening message, then the replies.
    let r = hostapi::get(w, &w.erin, "/v1/tickets", None).await.expect(200);
    let t = r.body["data"].as_array().unwrap().iter().find(|t| t["id"] == e.id).unwrap_or_else(|| panic!("{}", r.body));
    assert_eq!(t["status"], host_status);
    let mut msgs = vec![t["message"].as_str().unwrap()];
    msgs.extend(t["replies"].as_array().unwrap().iter().map(|r| r["message"].as_str().unwrap()));
    assert_eq!(msgs, e.messages, "hostapi: {t}");

    // Bangwo8 (the billing agent, through a shared view of every ticket).
    let token = w.ayse.token.clone().unwrap();
    let r =
        bangwo8::call(w, Cred::Bearer(&token), &format!("/api/v1/ticketviews/{view}/tickets.json?per_page=100"), None)
            .await
            .expect(200);
    let t = r.body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["ticketId"] == id)
        .unwrap_or_else(|| panic!("{}", r.body));
    assert_eq!(t["subject"], e.subject);
    assert_eq!(t["descript"], e.messages[0]);
    assert_eq!(t["servicerGroupId"], billing);
    assert_eq!(t["priorityLevel"], bangwo8_priority);
    assert_eq!(t["ticketStatus"], bangwo8_status, "{t}");
}

#[tokio::test]
async fn a_ticket_made_through_any_dialect_reads_the_same_through_every_other() {
    let w = bm::world().await;
    let service = hostapi::service(&w, w.erin_id).await;
    let view = bangwo8::all_tickets_view(&w).await;
    let billing = w.billing.to_string();
    let erin = w.erin_id.to_string();

    // WHMCS: an agent opens a ticket for the client.
    let opened = whmcs::ok(
        &w,
        &w.ayse,
        "OpenTicket",
        &[
            ("deptid", &billing),
            ("clientid", &erin),
            ("subject", "WHMCS: İADE talebi"),
            ("message", "Fatura iadesi — 退款"),
            ("priority", "High"),
        ],
    )
    .await;
    let by_whmcs: i64 = opened["id"].as_str().unwrap().parse().unwrap();
    // BILLmanager: the customer opens one.
    let by_bm = bm::call(
        &w,
        ERIN,
        "clientticket.edit",
        &[
            ("sok", "ok"),
            ("client_department", &billing),
            ("name", "BILLmanager: счёт"),
            ("message", "Счёт не пришёл"),
            ("client_priority", "3"),
        ],
    )
    .await
    .ok_id();
    // hostapi: the customer opens one for a service.
    let r = hostapi::post_json(
        &w,
        &w.erin,
        "/v1/tickets/create",
        json!({"title": "hostapi: sunucu 服务器", "department": w.billing, "message": "Sunucu yanıt vermiyor", "service": format!("S{service}")}),
        None,
    )
    .await
    .expect(200);
    let by_host = r.body["id"].as_i64().unwrap();

    // A ticket an agent opens starts where the desk puts it; every dialect
    // must then agree with the native API.
    let first: Value = w.admin.get(&format!("/tickets/{by_whmcs}")).await.expect(200).body;
    let whmcs_status = first["status"].as_str().unwrap().to_string();
    let mut tickets = [
        Expected {
            id: by_whmcs,
            subject: "WHMCS: İADE talebi",
            messages: vec!["Fatura iadesi — 退款"],
            priority: "high",
            status: &whmcs_status,
        },
        Expected {
            id: by_bm,
            subject: "BILLmanager: счёт",
            messages: vec!["Счёт не пришёл"],
            priority: "high",
            status: "new",
        },
        Expected {
            id: by_host,
            subject: "hostapi: sunucu 服务器",
            messages: vec!["Sunucu yanıt vermiyor"],
            priority: "normal",
            status: "new",
        },
    ];
    for e in &tickets {
        reads_the_same_everywhere(&w, view, e).await;
    }

    // An agent's answer through WHMCS, a customer's through BILLmanager and
    // hostapi: every reader sees the new messages and status.
    for e in &mut tickets {
        whmcs::ok(&w, &w.ayse, "AddTicketReply", &[("ticketid", &e.id.to_string()), ("message", "Bakıyoruz")]).await;
        e.messages.push("Bakıyoruz");
        e.status = "answered";
        reads_the_same_everywhere(&w, view, e).await;
    }
    let r = bm::call(
        &w,
        ERIN,
        "clientticket.edit",
        &[("sok", "ok"), ("elid", &by_host.to_string()), ("message", "Hâlâ çalışmıyor")],
    )
    .await;
    assert_eq!(r.ok_id(), by_host);
    hostapi::post_json(&w, &w.erin, "/v1/tickets/reply", json!({"id": by_bm, "reply": "Жду ответа"}), None)
        .await
        .expect(200);
    for (id, text) in [(by_host, "Hâlâ çalışmıyor"), (by_bm, "Жду ответа")] {
        let e = tickets.iter_mut().find(|e| e.id == id).unwrap();
        e.messages.push(text);
        e.status = "open";
        reads_the_same_everywhere(&w, view, e).await;
    }
}

/// Malformed requests of every kind, to every dialect, as nobody, a
/// customer and an agent: each gets a 2xx/4xx answer in the dialect's
/// shape (never a 5xx), and no ticket is made.
#[tokio::test]
async fn junk_to_any_dialect_never_gets_a_5xx_or_makes_a_ticket() {
    let w = bm::world().await;
    let before = w.ticket_rows().await;
    let base = &w.server.base;
    let client = &w.admin.client;
    let (ident, secret) = {
        let t = w.ayse.token.clone().unwrap();
        let (i, s) = t.split_once('.').unwrap();
        (i.to_string(), s.to_string())
    };
    let long = "x".repeat(100_000);
    let nasty: Vec<(&str, String)> = vec![
        ("application/x-www-form-urlencoded", "%%%&&=&=%zz".into()),
        (
            "application/x-www-form-urlencoded",
            format!(
                "identifier={ident}&secret={secret}&action=OpenTicket&deptid=-1&subject=%00&message=x&customfields=YTox&attachments=W3sibmFtZSI6MX1d"
            ),
        ),
        (
            "application/x-www-form-urlencoded",
            format!(
                "identifier={ident}&secret={secret}&action=GetTickets&limitstart=-5&limitnum=99999999999999999999&responsetype=xml"
            ),
        ),
        (
            "application/x-www-form-urlencoded",
            format!("identifier={ident}&secret={secret}&action=GetTicket&ticketid=1e9&responsetype=json"),
        ),
        (
            "application/x-www-form-urlencoded",
            format!("identifier={ident}&secret={secret}&action=UpdateTicket&ticketid=1&status=%FF%FE&priority={long}"),
        ),
        ("application/json", "{\"title\": [1,2], \"department\": \"x\", \"message\": null, \"service\": {}}".into()),
        ("application/json", "{not json".into()),
        ("application/json", format!("{{\"id\": 99999999999999999999, \"reply\": \"{long}\"}}")),
        (
            "multipart/form-data; boundary=zzz",
            "--zzz\r\nContent-Disposition: form-data; name=\"action\"\r\n\r\nGetTickets\r\n--zz".into(),
        ),
        ("text/plain", "\u{0}\u{1}\u{2}".into()),
        ("application/xml", "<doc><elem>".into()),
    ];
    let paths = [
        "/compat/whmcs/includes/api.php",
        "/compat/billmanager/billmgr?func=clientticket.edit&sok=ok&out=json&authinfo=erin@example.org:wrong",
        "/compat/billmanager/billmgr?func=clientticket.archive&elid=1,%20,x&out=xml",
        "/compat/billmanager/billmgr?func=clientticket.edit&elid=-1&out=json&auth=%00",
        "/compat/hostapi/v1/tickets/create",
        "/compat/hostapi/v1/tickets/reply",
        "/compat/hostapi/v1/tickets/abc/close",
        "/compat/bangwo8/api/v1/ticketviews/show_many.json?ids={1,,x}",
        "/compat/bangwo8/api/v1/tickets.json?created_start=2026-02-30&per_page=-1&page=99999999999999999999",
        "/compat/bangwo8/api/v1/ticketviews/99999999999999999999/tickets.json",
    ];
    let tokens = [None, w.erin.token.clone(), w.ayse.token.clone()];
    let mut answers = 0;
    for path in paths {
        for token in &tokens {
            for (ctype, body) in &nasty {
                for method in [reqwest::Method::GET, reqwest::Method::POST] {
                    let mut rb = client
                        .request(method.clone(), format!("{base}{path}"))
                        .header("content-type", *ctype)
                        .body(body.clone());
                    if let Some(t) = token {
                        rb = rb.bearer_auth(t);
                    }
                    let r = rb.send().await.expect("an answer");
                    let status = r.status().as_u16();
                    let text = r.text().await.expect("a body");
                    assert!(status < 500, "{method} {path} ({ctype}) answered {status}: {text}");
                    answers += 1;
                }
            }
        }
    }
    assert_eq!(answers, paths.len() * tokens.len() * nasty.len() * 2);
    assert_eq!(w.ticket_rows().await, before, "no ticket was made");
}
