//! Search: the languages of our users, the query language's terms,
//! permissions, paging, index maintenance and bad input.

use crate::support::*;
use serde_json::json;
use std::collections::BTreeSet;

/// Every ticket id `who` finds for `q`, paging through all results; checks
/// that the total equals what the pages hold.
pub(crate) async fn ids(who: &Api, q: &str) -> BTreeSet<i64> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut total = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/search?q={}&limit=2&cursor={c}", enc(q)),
            None => format!("/search?q={}&limit=2", enc(q)),
        };
        let r = who.get(&path).await.expect(200);
        let t = r.body["total"].as_u64().unwrap();
        assert_eq!(*total.get_or_insert(t), t, "the total does not change between pages");
        out.extend(r.body["results"].as_array().unwrap().iter().map(|h| h["ticket"]["id"].as_i64().unwrap()));
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let set: BTreeSet<i64> = out.iter().copied().collect();
    assert_eq!(set.len(), out.len(), "no ticket twice for {q:?}");
    assert_eq!(Some(out.len() as u64), total, "the total of {q:?} is the number of results");
    set
}

pub(crate) fn set(v: &[i64]) -> BTreeSet<i64> {
    v.iter().copied().collect()
}

async fn first_message(w: &World, ticket: i64) -> i64 {
    w.admin.get(&format!("/tickets/{ticket}/messages")).await.expect(200).body["messages"][0]["id"].as_i64().unwrap()
}

async fn open(who: &Api, dept: i64, subject: &str, body: &str) -> i64 {
    who.post("/tickets", json!({"subject": subject, "department_id": dept, "body": body})).await.expect(201).id()
}

#[tokio::test]
async fn turkish_chinese_and_russian_text_is_found_whatever_the_case() {
    let w = World::new().await;
    let tr = open(&w.erin, w.tech, "Sunucu sorunu", "İstanbul'daki sunucu yanıt vermiyor").await;
    let light = open(&w.erin, w.tech, "Aydınlatma", "ışık yanmıyor").await;
    let zh = open(&w.erin, w.billing, "退款", "我的退款申请被拒绝").await;
    let ru = open(&w.erin, w.billing, "Оплата", "Счёт не пришёл").await;
    for (q, want) in [
        ("istanbul", tr),
        ("İSTANBUL", tr),
        ("IŞIK", light),
        ("退款申请", zh),
        ("退", zh),
        ("СЧЕТ", ru),
        ("счёт", ru),
        ("пришел", ru),
    ] {
        assert_eq!(ids(&w.erin, q).await, set(&[want]), "{q}");
        assert_eq!(ids(&w.admin, q).await, set(&[want]), "{q} as the admin");
    }
    // "退款" is in the subject and the message of one ticket.
    assert_eq!(ids(&w.admin, "退款").await, set(&[zh]));
    // Snippets mark the match in the original text, in characters.
    let r = w.admin.get(&format!("/search?q={}", enc("İSTANBUL"))).await.expect(200);
    let hit = &r.body["results"][0];
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    let snippet = hit["snippets"].as_array().unwrap().iter().find(|s| s["source"] == "message").unwrap();
    assert_eq!(snippet["text"], "İstanbul'daki sunucu yanıt vermiyor");
    assert_eq!(snippet["highlights"], json!([[0, 8]]));
    assert!(snippet["message_id"].as_i64().is_some());
    let r = w.admin.get(&format!("/search?q={}", enc("退款"))).await.expect(200);
    let snippets = r.body["results"][0]["snippets"].as_array().unwrap().clone();
    assert_eq!(snippets[0]["source"], "subject");
    assert_eq!(snippets[0]["highlights"], json!([[0, 2]]));
    assert_eq!(snippets[1]["text"], "我的退款申请被拒绝");
    assert_eq!(snippets[1]["highlights"], json!([[2, 4]]));
}

#[tokio::test]
async fn phrases_negation_or_and_field_terms() {
    let w = World::new().await;
    let a = open(&w.dave, w.billing, "Refund please", "The server is down since morning").await;
    let b = open(&w.carol, w.tech, "Server question", "Is the server down? Not sure").await;
    let c = open(&w.erin, w.tech, "Chargeback", "bank chargeback for order 77").await;
    let up = w.erin.upload(&[("log.txt", b"boot log".as_slice())]).await.expect(201);
    let att = up.body["attachments"][0]["id"].as_i64().unwrap();
    let d = w
        .erin
        .post(
            "/tickets",
            json!({"subject": "Screenshot", "department_id": w.billing, "body": "refund screenshot", "attachment_ids": [att]}),
        )
        .await
        .expect(201)
        .id();
    w.admin
        .patch(
            &format!("/tickets/{a}"),
            json!({"assignee_id": w.ayse_id, "priority": "high", "tags": ["vip"], "status": "on_hold"}),
        )
        .await
        .expect(200);
    w.admin.patch(&format!("/tickets/{c}"), json!({"priority": "urgent", "type": "incident"})).await.expect(200);
    let number = w.admin.get(&format!("/tickets/{b}")).await.expect(200).body["number"].as_str().unwrap().to_string();
    let cases: Vec<(String, Vec<i64>)> = vec![
        ("\"server is down\"".into(), vec![a]),
        ("server down".into(), vec![a, b]),
        ("server -question".into(), vec![a]),
        ("refund OR chargeback".into(), vec![a, c, d]),
        ("(refund OR chargeback) priority:urgent".into(), vec![c]),
        ("status:hold".into(), vec![a]),
        ("status:on_hold".into(), vec![a]),
        ("status<pending server".into(), vec![b]),
        ("status>=hold".into(), vec![a]),
        ("priority>=high".into(), vec![a, c]),
        ("type:incident".into(), vec![c]),
        ("department:Billing".into(), vec![a, d]),
        ("department:billing refund".into(), vec![a, d]),
        (format!("department:{}", w.tech), vec![b, c]),
        ("tag:vip".into(), vec![a]),
        ("-tag:vip refund".into(), vec![d]),
        ("requester:dave@acme.example".into(), vec![a]),
        ("requester:Erin".into(), vec![c, d]),
        ("org:Acme".into(), vec![a, b]),
        ("assignee:none server".into(), vec![b]),
        ("assignee:ayse@example.com".into(), vec![a]),
        ("created>2020-01-01 chargeback".into(), vec![c]),
        ("created<2020-01-01".into(), vec![]),
        ("updated<7d refund".into(), vec![a, d]),
        ("updated>7d".into(), vec![]),
        ("has:attachment".into(), vec![d]),
        (format!("#{number}"), vec![b]),
        (number.clone(), vec![b]),
        ("Carol".into(), vec![b]),
        ("carol@acme".into(), vec![b]),
    ];
    for (q, want) in cases {
        assert_eq!(ids(&w.admin, &q).await, set(&want), "{q}");
    }
    // `assignee:me` is the searcher.
    assert_eq!(ids(&w.ayse, "assignee:me").await, set(&[a]));
    assert_eq!(ids(&w.ayse, "-assignee:me refund").await, set(&[d]));
}

#[tokio::test]
async fn permissions_hold_whatever_the_search_says() {
    let w = World::new().await;
    let mine = open(&w.dave, w.billing, "Fatura", "fatura gelmedi").await;
    let carols = open(&w.carol, w.tech, "Fatura tekrar", "fatura yok").await;
    let erins = open(&w.erin, w.tech, "Fatura", "fatura nerede").await;
    // A note: agents find it, the customer does not.
    w.boris.post(&format!("/tickets/{carols}/notes"), json!({"body": "gizlice iade edildi"})).await.expect(201);
    assert_eq!(ids(&w.boris, "gizlice").await, set(&[carols]));
    assert_eq!(ids(&w.admin, "gizlice").await, set(&[carols]));
    assert!(ids(&w.carol, "gizlice").await.is_empty());
    let r = w.boris.get(&format!("/search?q={}", enc("gizlice"))).await.expect(200);
    assert!(r.body["results"][0]["snippets"].as_array().unwrap().iter().any(|s| s["text"] == "gizlice iade edildi"));
    // Customers see their own tickets (and their organization's with sees_all) only.
    assert_eq!(ids(&w.dave, "fatura").await, set(&[mine]));
    assert_eq!(ids(&w.carol, "fatura").await, set(&[mine, carols]));
    assert_eq!(ids(&w.erin, "fatura").await, set(&[erins]));
    assert_eq!(ids(&w.erin, &format!("fatura OR requester:{}", w.dave_id)).await, set(&[erins]));
    assert!(ids(&w.erin, "requester:dave@acme.example").await.is_empty());
    assert!(ids(&w.erin, "department:Nowhere").await.is_empty(), "customers learn nothing from unknown names");
    // Agents see their departments (and what is assigned to them) only.
    assert_eq!(ids(&w.ayse, "fatura").await, set(&[mine]));
    assert_eq!(ids(&w.boris, "fatura").await, set(&[carols, erins]));
    assert!(ids(&w.ayse, "department:Tech").await.is_empty());
    w.admin.patch(&format!("/tickets/{erins}"), json!({"assignee_id": w.ayse_id})).await.expect(200);
    assert_eq!(ids(&w.ayse, "fatura").await, set(&[mine, erins]));
    assert_eq!(ids(&w.admin, "fatura").await, set(&[mine, carols, erins]));
    // Tags are for agents.
    let r = w.erin.get("/search?q=tag:vip").await.expect(422);
    assert_eq!((r.code(), r.field()), ("field_not_allowed", "q"));
    // A deleted ticket is found by nobody.
    w.admin.delete(&format!("/tickets/{mine}")).await.expect(204);
    assert!(!ids(&w.admin, "fatura").await.contains(&mine));
}

#[tokio::test]
async fn paging_visits_every_match_once() {
    let w = World::new().await;
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(open(&w.erin, w.billing, &format!("Invoice {i}"), "invoice missing again").await);
    }
    assert_eq!(ids(&w.admin, "invoice").await, set(&made));
    assert_eq!(ids(&w.admin, "department:Billing").await, set(&made));
    let r = w.admin.get("/search?q=invoice&sort=-created&limit=3").await.expect(200);
    let got: Vec<i64> =
        r.body["results"].as_array().unwrap().iter().map(|h| h["ticket"]["id"].as_i64().unwrap()).collect();
    assert_eq!(got, [made[6], made[5], made[4]]);
    assert!(r.body["results"][0]["score"].is_null());
    // A cursor belongs to its search.
    let c = r.body["next_cursor"].as_str().unwrap().to_string();
    let r = w.admin.get(&format!("/search?q=other&sort=-created&cursor={c}")).await.expect(400);
    assert_eq!(r.field(), "cursor");
}

#[tokio::test]
async fn edits_deletes_merges_and_renames_keep_the_index_current() {
    let w = World::new().await;
    let t = open(&w.erin, w.billing, "Question", "eski kelime burada").await;
    let m = first_message(&w, t).await;
    assert_eq!(ids(&w.admin, "eski").await, set(&[t]));
    w.admin.patch(&format!("/messages/{m}"), json!({"body": "yepyeni kelime"})).await.expect(200);
    assert!(ids(&w.admin, "eski").await.is_empty());
    assert_eq!(ids(&w.admin, "yepyeni").await, set(&[t]));
    // A new subject.
    w.admin.patch(&format!("/tickets/{t}"), json!({"subject": "Başlık değişti"})).await.expect(200);
    assert_eq!(ids(&w.admin, "başlık").await, set(&[t]));
    assert!(ids(&w.admin, "question").await.is_empty());
    // A reply, then its deletion.
    let r = w.ayse.post(&format!("/tickets/{t}/replies"), json!({"body": "cevabımız hazır"})).await.expect(201);
    let reply = r.body["message"]["id"].as_i64().unwrap();
    assert_eq!(ids(&w.erin, "cevabımız").await, set(&[t]));
    w.ayse.delete(&format!("/messages/{reply}")).await.expect(204);
    assert!(ids(&w.admin, "cevabımız").await.is_empty());
    // Merging moves the words to the target.
    let other = open(&w.erin, w.billing, "Another", "taşınan mesaj").await;
    w.admin.post(&format!("/tickets/{t}/merge"), json!({"source_ids": [other]})).await.expect(200);
    assert_eq!(ids(&w.admin, "taşınan").await, set(&[t]));
    // The requester's new name finds their tickets.
    w.admin.patch(&format!("/users/{}", w.erin_id), json!({"name": "Zeynep Yıldız"})).await.expect(200);
    assert_eq!(ids(&w.admin, "YILDIZ").await, set(&[t, other]));
}

#[tokio::test]
async fn bad_searches_are_4xx_naming_the_problem() {
    let w = World::new().await;
    open(&w.erin, w.billing, "Something", "text").await;
    let long = "a".repeat(501);
    let cases: Vec<(&str, &str, Option<u64>)> = vec![
        ("\"unbalanced", "unbalanced_quote", Some(0)),
        ("(a", "unbalanced_parenthesis", Some(0)),
        ("foo:bar", "unknown_field", Some(0)),
        ("priority:extreme", "invalid_value", Some(9)),
        ("created>notadate", "invalid_value", Some(8)),
        ("refund \"x", "unbalanced_quote", Some(7)),
        ("İstanbul (a", "unbalanced_parenthesis", Some(9)),
        (&long, "query_too_long", Some(500)),
        ("", "empty_query", Some(0)),
        ("   ", "empty_query", None),
        ("status:nosuchstatus", "unknown_value", None),
        ("department:Nowhere", "unknown_value", None),
        ("assignee:nobody@example.com", "unknown_value", None),
    ];
    for (q, code, position) in cases {
        for who in [&w.admin, &w.ayse] {
            let r = who.get(&format!("/search?q={}", enc(q))).await;
            assert_eq!(r.status, 422, "{q:?}: {}", r.body);
            assert_eq!((r.code(), r.field()), (code, "q"), "{q:?}: {}", r.body);
            assert!(!r.body["error"]["message"].as_str().unwrap().is_empty());
            if let Some(p) = position {
                assert_eq!(r.body["error"]["position"].as_u64(), Some(p), "{q:?}: {}", r.body);
            }
        }
    }
    // Without q at all.
    assert_eq!(w.admin.get("/search").await.expect(422).code(), "empty_query");
    // Bad paging and order.
    assert_eq!(w.admin.get("/search?q=a&limit=0").await.expect(400).field(), "limit");
    assert_eq!(w.admin.get("/search?q=a&sort=sideways").await.expect(400).field(), "sort");
    assert_eq!(w.admin.get("/search?q=a&cursor=nonsense").await.expect(400).field(), "cursor");
    assert_eq!(w.admin.get("/search?q=a&bogus=1").await.expect(400).code(), "invalid_query");
    w.server.anonymous().get("/search?q=a").await.expect(401);
    // Odd but valid searches answer, never a 5xx.
    for q in ["!!", "\"*\"", "NEAR(a b)", "a:b:c\"", "-(-a)", "\u{0}x", "💥", "退 款 OR ok", "\"\\\"\"", "e-mail ^a"]
    {
        let r = w.admin.get(&format!("/search?q={}", enc(q))).await;
        assert!(r.status < 500, "{q:?} gave {}: {}", r.status, r.body);
    }
    let r = w.admin.get(&format!("/search?q={}", enc("!!"))).await.expect(200);
    assert_eq!(r.body["total"], 1, "a term without letters or digits is ignored");
}
