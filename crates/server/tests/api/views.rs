//! Views: conditions, counts, paging, permissions and bad input.

use crate::support::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Runs a view to the end as `who`: its total and every ticket id, paging
/// with the cursors it gives.
async fn run(who: &Api, view: i64) -> (u64, Vec<i64>) {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    let mut total = None;
    for _ in 0..100 {
        let path = match &cursor {
            Some(c) => format!("/views/{view}/tickets?limit=3&cursor={c}"),
            None => format!("/views/{view}/tickets?limit=3"),
        };
        let r = who.get(&path).await.expect(200);
        let t = r.body["total"].as_u64().unwrap();
        assert_eq!(*total.get_or_insert(t), t, "the total does not change between pages");
        ids.extend(r.body["tickets"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()));
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let count = who.get(&format!("/views/{view}/count")).await.expect(200).body["count"].as_u64().unwrap();
    assert_eq!(Some(count), total, "count and execution agree");
    assert_eq!(ids.len() as u64, count, "paging visits every ticket of the count");
    let unique: BTreeSet<i64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no ticket twice");
    (count, ids)
}

async fn view_with(who: &Api, all: Value, any: Value) -> i64 {
    who.post("/views", json!({"title": "t", "personal": true, "conditions": {"all": all, "any": any}}))
        .await
        .expect(201)
        .id()
}

/// The tickets of a world, as the admin sees them.
async fn tickets(w: &World) -> Vec<Value> {
    w.admin.get("/tickets?limit=100").await.expect(200).body["tickets"].as_array().unwrap().clone()
}

fn ids_where(all: &[Value], f: impl Fn(&Value) -> bool) -> BTreeSet<i64> {
    all.iter().filter(|t| f(t)).map(|t| t["id"].as_i64().unwrap()).collect()
}

/// Eight tickets with varied fields, in billing (Ayşe) and tech (Boris).
async fn populate(w: &World) -> Vec<i64> {
    w.admin.post("/custom-fields", json!({"key": "plan", "type": "select", "options": ["gold", "silver"], "labels": {"en": "Plan"}, "customer_editable": true})).await.expect(201);
    w.admin
        .post(
            "/custom-fields",
            json!({"key": "seats", "type": "number", "labels": {"en": "Seats"}, "customer_editable": true}),
        )
        .await
        .expect(201);
    let mut ids = Vec::new();
    let specs = [
        (&w.erin, w.billing, "Fatura hatası", json!({"plan": "gold", "seats": 10})),
        (&w.dave, w.billing, "Refund please", json!({"plan": "silver", "seats": 2})),
        (&w.carol, w.tech, "Server down", json!({"seats": 50})),
        (&w.erin, w.tech, "Сервер не отвечает", json!({})),
        (&w.dave, w.billing, "Invoice copy", json!({"plan": "gold"})),
        (&w.erin, w.tech, "服务器退款", json!({})),
        (&w.carol, w.billing, "VAT number", json!({})),
        (&w.dave, w.tech, "DNS question", json!({"plan": "silver", "seats": 5})),
    ];
    for (who, dept, subject, fields) in specs {
        let t = who
            .post("/tickets", json!({"subject": subject, "department_id": dept, "body": "x", "custom_fields": fields}))
            .await
            .expect(201)
            .id();
        ids.push(t);
    }
    w.admin
        .patch(
            &format!("/tickets/{}", ids[0]),
            json!({"assignee_id": w.ayse_id, "priority": "high", "tags": ["vip", "invoice"], "status": "open"}),
        )
        .await
        .expect(200);
    w.admin
        .patch(
            &format!("/tickets/{}", ids[1]),
            json!({"assignee_id": w.ayse_id, "priority": "urgent", "type": "incident", "status": "on_hold"}),
        )
        .await
        .expect(200);
    w.admin
        .patch(
            &format!("/tickets/{}", ids[2]),
            json!({"assignee_id": w.boris_id, "priority": "low", "tags": ["vip"], "locked": true}),
        )
        .await
        .expect(200);
    w.boris.post(&format!("/tickets/{}/replies", ids[3]), json!({"body": "Bakıyoruz"})).await.expect(201);
    w.admin.post_empty(&format!("/tickets/{}/solve", ids[4])).await.expect(200);
    w.admin.patch(&format!("/tickets/{}", ids[5]), json!({"queue_boost": true, "type": "question"})).await.expect(200);
    w.admin.post_empty(&format!("/tickets/{}/close", ids[6])).await.expect(200);
    w.admin.patch(&format!("/tickets/{}", ids[7]), json!({"due_at": "2030-01-01T00:00:00Z"})).await.expect(200);
    ids
}

#[tokio::test]
async fn every_operator_selects_what_it_says_and_counts_match_execution() {
    let w = World::new().await;
    let ids = populate(&w).await;
    let all = tickets(&w).await;
    let cat_rank = |t: &Value| -> i64 {
        ["new", "open", "pending", "hold", "solved", "closed"].iter().position(|c| t["status_category"] == *c).unwrap()
            as i64
    };
    let prio_rank = |t: &Value| ["low", "normal", "high", "urgent"].iter().position(|p| t["priority"] == *p).unwrap();
    let cases: Vec<(Value, BTreeSet<i64>)> = vec![
        (json!({"field": "status", "operator": "less_than", "value": "solved"}), ids_where(&all, |t| cat_rank(t) < 4)),
        (
            json!({"field": "status", "operator": "greater_than", "value": "pending"}),
            ids_where(&all, |t| cat_rank(t) > 2),
        ),
        (
            json!({"field": "status", "operator": "is", "value": "on_hold"}),
            ids_where(&all, |t| t["status"] == "on_hold"),
        ),
        (json!({"field": "status", "operator": "is_not", "value": "new"}), ids_where(&all, |t| t["status"] != "new")),
        (
            json!({"field": "status", "operator": "in", "value": ["solved", "closed"]}),
            ids_where(&all, |t| cat_rank(t) >= 4),
        ),
        (
            json!({"field": "status_category", "operator": "not_in", "value": ["new", "solved"]}),
            ids_where(&all, |t| t["status_category"] != "new" && t["status_category"] != "solved"),
        ),
        (
            json!({"field": "priority", "operator": "greater_than", "value": "normal"}),
            ids_where(&all, |t| prio_rank(t) > 1),
        ),
        (
            json!({"field": "priority", "operator": "less_than", "value": "normal"}),
            ids_where(&all, |t| prio_rank(t) < 1),
        ),
        (
            json!({"field": "priority", "operator": "is", "value": "urgent"}),
            ids_where(&all, |t| t["priority"] == "urgent"),
        ),
        (
            json!({"field": "assignee_id", "operator": "is", "value": w.ayse_id}),
            ids_where(&all, |t| t["assignee_id"] == w.ayse_id),
        ),
        (
            json!({"field": "assignee_id", "operator": "is_not", "value": w.ayse_id}),
            ids_where(&all, |t| t["assignee_id"] != w.ayse_id),
        ),
        (json!({"field": "assignee_id", "operator": "absent"}), ids_where(&all, |t| t["assignee_id"].is_null())),
        (json!({"field": "assignee_id", "operator": "present"}), ids_where(&all, |t| !t["assignee_id"].is_null())),
        (
            json!({"field": "assignee_id", "operator": "in", "value": [w.ayse_id, w.boris_id]}),
            ids_where(&all, |t| !t["assignee_id"].is_null()),
        ),
        (
            json!({"field": "department_id", "operator": "not_in", "value": [w.billing]}),
            ids_where(&all, |t| t["department_id"] == w.tech),
        ),
        (
            json!({"field": "requester_id", "operator": "is", "value": w.erin_id}),
            ids_where(&all, |t| t["requester_id"] == w.erin_id),
        ),
        (
            json!({"field": "organization_id", "operator": "is", "value": w.acme}),
            ids_where(&all, |t| t["organization_id"] == w.acme),
        ),
        (
            json!({"field": "organization_id", "operator": "absent"}),
            ids_where(&all, |t| t["organization_id"].is_null()),
        ),
        (
            json!({"field": "type", "operator": "in", "value": ["incident", "question"]}),
            ids_where(&all, |t| t["type"] == "incident" || t["type"] == "question"),
        ),
        (json!({"field": "type", "operator": "absent"}), ids_where(&all, |t| t["type"].is_null())),
        (
            json!({"field": "tags", "operator": "contains", "value": "VIP"}),
            ids_where(&all, |t| t["tags"].as_array().unwrap().contains(&json!("vip"))),
        ),
        (
            json!({"field": "tags", "operator": "not_contains", "value": "vip"}),
            ids_where(&all, |t| !t["tags"].as_array().unwrap().contains(&json!("vip"))),
        ),
        (
            json!({"field": "tags", "operator": "in", "value": ["invoice", "nothing"]}),
            ids_where(&all, |t| t["tags"].as_array().unwrap().contains(&json!("invoice"))),
        ),
        (json!({"field": "tags", "operator": "absent"}), ids_where(&all, |t| t["tags"].as_array().unwrap().is_empty())),
        (
            json!({"field": "subject", "operator": "contains", "value": "server"}),
            ids_where(&all, |t| t["subject"].as_str().unwrap().to_lowercase().contains("server")),
        ),
        (
            json!({"field": "subject", "operator": "not_contains", "value": "Server"}),
            ids_where(&all, |t| !t["subject"].as_str().unwrap().to_lowercase().contains("server")),
        ),
        (
            json!({"field": "subject", "operator": "is", "value": "VAT number"}),
            ids_where(&all, |t| t["subject"] == "VAT number"),
        ),
        (
            json!({"field": "number", "operator": "is", "value": all[0]["number"]}),
            ids_where(&all, |t| t["number"] == all[0]["number"]),
        ),
        (json!({"field": "locked", "operator": "is", "value": true}), ids_where(&all, |t| t["locked"] == true)),
        (
            json!({"field": "queue_boost", "operator": "is", "value": true}),
            ids_where(&all, |t| t["queue_boost"] == true),
        ),
        (
            json!({"field": "archived", "operator": "is_not", "value": true}),
            ids_where(&all, |t| t["archived"] == false),
        ),
        (json!({"field": "created_at", "operator": "within_last", "value": 1}), ids_where(&all, |_| true)),
        (json!({"field": "created_at", "operator": "older_than", "value": 1}), BTreeSet::new()),
        (json!({"field": "created_at", "operator": "greater_than", "value": "2020-01-01"}), ids_where(&all, |_| true)),
        (json!({"field": "updated_at", "operator": "less_than", "value": "2020-01-01T00:00:00Z"}), BTreeSet::new()),
        (json!({"field": "solved_at", "operator": "present"}), ids_where(&all, |t| !t["solved_at"].is_null())),
        (
            json!({"field": "due_at", "operator": "greater_than", "value": "2029-12-31"}),
            ids_where(&all, |t| !t["due_at"].is_null()),
        ),
        (
            json!({"field": "last_agent_reply_at", "operator": "present"}),
            ids_where(&all, |t| !t["last_agent_reply_at"].is_null()),
        ),
        (
            json!({"field": "custom_fields.plan", "operator": "is", "value": "gold"}),
            ids_where(&all, |t| t["custom_fields"]["plan"] == "gold"),
        ),
        (
            json!({"field": "custom_fields.plan", "operator": "is_not", "value": "gold"}),
            ids_where(&all, |t| t["custom_fields"]["plan"] != "gold"),
        ),
        (
            json!({"field": "custom_fields.plan", "operator": "in", "value": ["gold", "silver"]}),
            ids_where(&all, |t| !t["custom_fields"]["plan"].is_null()),
        ),
        (
            json!({"field": "custom_fields.plan", "operator": "absent"}),
            ids_where(&all, |t| t["custom_fields"]["plan"].is_null()),
        ),
        (
            json!({"field": "custom_fields.seats", "operator": "greater_than", "value": 4}),
            ids_where(&all, |t| t["custom_fields"]["seats"].as_i64().is_some_and(|n| n > 4)),
        ),
        (
            json!({"field": "custom_fields.seats", "operator": "less_than", "value": 10}),
            ids_where(&all, |t| t["custom_fields"]["seats"].as_i64().is_some_and(|n| n < 10)),
        ),
        (
            json!({"field": "custom_fields.plan", "operator": "contains", "value": "old"}),
            ids_where(&all, |t| t["custom_fields"]["plan"] == "gold"),
        ),
    ];
    for (cond, expected) in cases {
        let v = view_with(&w.admin, json!([cond.clone()]), json!([])).await;
        let (count, got) = run(&w.admin, v).await;
        let got: BTreeSet<i64> = got.into_iter().collect();
        assert_eq!(got, expected, "{cond}");
        assert_eq!(count as usize, expected.len(), "{cond}");
    }
    // `all` narrows, `any` widens, both together.
    let v = view_with(
        &w.admin,
        json!([{"field": "department_id", "operator": "is", "value": w.billing}]),
        json!([{"field": "priority", "operator": "is", "value": "urgent"}, {"field": "tags", "operator": "contains", "value": "invoice"}]),
    )
    .await;
    assert_eq!(run(&w.admin, v).await.1.into_iter().collect::<BTreeSet<_>>(), BTreeSet::from([ids[0], ids[1]]));
    let v = view_with(&w.admin, json!([]), json!([{"field": "locked", "operator": "is", "value": true}, {"field": "queue_boost", "operator": "is", "value": true}])).await;
    assert_eq!(run(&w.admin, v).await.1.into_iter().collect::<BTreeSet<_>>(), BTreeSet::from([ids[2], ids[5]]));
}

#[tokio::test]
async fn default_views_current_user_and_departments_never_leak() {
    let w = World::new().await;
    let ids = populate(&w).await;
    let views = w.ayse.get("/views").await.expect(200).body["views"].as_array().unwrap().clone();
    let keys: Vec<&str> = views.iter().filter_map(|v| v["default_key"].as_str()).collect();
    assert_eq!(
        keys,
        [
            "your_unsolved",
            "unassigned",
            "all_unsolved",
            "new_in_departments",
            "departments_unsolved",
            "pending",
            "recently_updated",
            "recently_solved",
            "all"
        ]
    );
    let id_of = |key: &str| views.iter().find(|v| v["default_key"] == key).unwrap()["id"].as_i64().unwrap();
    // "Your unsolved" is the viewer's own: the same view, different tickets.
    let mine = id_of("your_unsolved");
    assert_eq!(run(&w.ayse, mine).await.1.into_iter().collect::<BTreeSet<_>>(), BTreeSet::from([ids[0], ids[1]]));
    assert_eq!(run(&w.boris, mine).await.1, vec![ids[2]]);
    // "All tickets" for an agent stays inside what the agent may see.
    let all_view = id_of("all");
    let (_, ayse_all) = run(&w.ayse, all_view).await;
    let (_, boris_all) = run(&w.boris, all_view).await;
    let admin_all = run(&w.admin, all_view).await.1;
    assert_eq!(admin_all.len(), 8);
    for (who, dept, agent, seen) in
        [(w.ayse_id, w.billing, "ayse", &ayse_all), (w.boris_id, w.tech, "boris", &boris_all)]
    {
        for t in seen {
            let b = w.admin.get(&format!("/tickets/{t}")).await.body;
            assert!(
                b["department_id"] == dept || b["assignee_id"] == who,
                "{agent} sees ticket {t} of another department"
            );
        }
    }
    assert_eq!(ayse_all.len() + boris_all.len(), 8, "between them they see every ticket once");
    // The time-window views (read through their own indexes) list and count
    // the same tickets, in scope.
    let solved = id_of("recently_solved");
    assert_eq!(run(&w.admin, solved).await.1, vec![ids[4]], "ids[6] was closed without being solved");
    assert_eq!(run(&w.ayse, solved).await.1, vec![ids[4]]);
    assert_eq!(run(&w.boris, solved).await.0, 0);
    let updated = id_of("recently_updated");
    assert_eq!(run(&w.admin, updated).await.0, 8);
    assert_eq!(run(&w.ayse, updated).await.1.into_iter().collect::<BTreeSet<_>>(), ayse_all.iter().copied().collect());
    // A view naming another department's tickets still shows none of them.
    let sneaky =
        view_with(&w.boris, json!([{"field": "department_id", "operator": "is", "value": w.billing}]), json!([])).await;
    assert_eq!(run(&w.boris, sneaky).await.0, 0);
    // Counts of many views in one call, in the order asked.
    let r = w.ayse.get(&format!("/views/count_many?ids={mine},{all_view}")).await.expect(200);
    assert_eq!(
        r.body["counts"],
        json!([{"view_id": mine, "count": 2}, {"view_id": all_view, "count": ayse_all.len()}])
    );
    // Queue order: boosted first, then priority, then the longest wait.
    let unsolved = id_of("all_unsolved");
    let (_, order) = run(&w.admin, unsolved).await;
    assert_eq!(order[0], ids[5], "the boosted ticket leads the queue");
    assert_eq!(order[1], ids[1], "then the urgent one");
}

#[tokio::test]
async fn views_belong_to_their_owners_and_admins_share_them() {
    let w = World::new().await;
    let mine = w
        .ayse
        .post(
            "/views",
            json!({"title": "Mine", "conditions": {"all": [{"field": "priority", "operator": "is", "value": "high"}]}}),
        )
        .await
        .expect(201);
    assert_eq!(mine.body["personal"], true);
    let mine = mine.id();
    // Others do not see a personal view.
    w.boris.get(&format!("/views/{mine}")).await.expect(404);
    w.admin.get(&format!("/views/{mine}")).await.expect(404);
    w.boris.patch(&format!("/views/{mine}"), json!({"title": "x"})).await.expect(404);
    // Agents cannot share; admins can, with departments.
    w.ayse.post("/views", json!({"title": "For all", "personal": false})).await.expect(403);
    let shared =
        w.admin.post("/views", json!({"title": "Billing only", "department_ids": [w.billing]})).await.expect(201);
    assert_eq!(shared.body["personal"], false);
    let shared = shared.id();
    w.ayse.get(&format!("/views/{shared}")).await.expect(200);
    w.boris.get(&format!("/views/{shared}")).await.expect(404);
    w.ayse.patch(&format!("/views/{shared}"), json!({"title": "Mine now"})).await.expect(403);
    w.ayse.delete(&format!("/views/{shared}")).await.expect(403);
    // Customers have no views.
    w.erin.get("/views").await.expect(403);
    w.erin.post("/views", json!({"title": "x"})).await.expect(403);
    // Owners change, deactivate and reorder their views.
    let v = w.ayse.patch(&format!("/views/{mine}"), json!({"title": "Mine (high)", "active": false, "columns": ["number", "subject"], "sort": {"by": "created", "order": "asc"}})).await.expect(200);
    assert_eq!((v.body["active"].clone(), v.body["columns"].clone()), (json!(false), json!(["number", "subject"])));
    assert!(!w.ayse.get("/views?active=true").await.body["views"].as_array().unwrap().iter().any(|x| x["id"] == mine));
    let second = w.ayse.post("/views", json!({"title": "Second"})).await.expect(201).id();
    let r = w.ayse.post("/views/reorder", json!({"ids": [second, mine]})).await.expect(200);
    let order: Vec<i64> = r.body["views"].as_array().unwrap().iter().map(|v| v["id"].as_i64().unwrap()).collect();
    assert_eq!(&order[..2], &[second, mine]);
    w.ayse.post("/views/reorder", json!({"ids": [shared]})).await.expect(403);
    // Renaming a default view keeps the new title.
    let def = w.admin.get("/views").await.body["views"][0]["id"].as_i64().unwrap();
    let r = w.admin.patch(&format!("/views/{def}"), json!({"title": "Benim"})).await.expect(200);
    assert!(r.body["default_key"].is_null());
    w.ayse.delete(&format!("/views/{mine}")).await.expect(204);
    w.ayse.get(&format!("/views/{mine}")).await.expect(404);
}

#[tokio::test]
async fn bad_view_input_is_refused_and_changes_nothing() {
    let w = World::new().await;
    w.admin.post("/custom-fields", json!({"key": "pw", "type": "secret", "labels": {"en": "PW"}})).await.expect(201);
    let before = w.admin.get("/views").await.body;
    let cond = |c: Value| json!({"title": "bad", "conditions": {"all": [c]}});
    for (body, field) in [
        (json!({}), "title"),
        (json!({"title": ""}), "title"),
        (json!({"title": "x".repeat(101)}), "title"),
        (cond(json!({"field": "colour", "operator": "is", "value": "red"})), "conditions.all[0].field"),
        (cond(json!({"field": "status", "operator": "contains", "value": "x"})), "conditions.all[0].operator"),
        (cond(json!({"field": "priority", "operator": "is", "value": "extreme"})), "conditions.all[0].value"),
        (cond(json!({"field": "priority", "operator": "is", "value": 3})), "conditions.all[0].value"),
        (cond(json!({"field": "assignee_id", "operator": "is", "value": "somebody"})), "conditions.all[0].value"),
        (cond(json!({"field": "updated_at", "operator": "within_last", "value": -3})), "conditions.all[0].value"),
        (cond(json!({"field": "status", "operator": "is", "value": "ghost"})), "conditions"),
        (cond(json!({"field": "custom_fields.nope", "operator": "is", "value": "x"})), "conditions"),
        (cond(json!({"field": "custom_fields.pw", "operator": "is", "value": "hunter2"})), "conditions"),
        (json!({"title": "x", "columns": ["colour"]}), "columns[0]"),
        (json!({"title": "x", "columns": []}), "columns"),
        (json!({"title": "x", "sort": {"by": "colour"}}), "sort.by"),
        (json!({"title": "x", "department_ids": [99999]}), "department_ids[0]"),
    ] {
        let r = w.admin.post("/views", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert_eq!(r.field(), field, "{body}");
    }
    for body in [
        json!({"title": "x", "conditions": {"all": [{"field": "status", "operator": "like", "value": "x"}]}}),
        json!({"title": "x", "conditions": {"every": []}}),
        json!({"title": 5}),
        json!({"title": "x", "colour": 1}),
    ] {
        let r = w.admin.post("/views", body.clone()).await;
        assert!(r.status == 400 || r.status == 422, "{body}: {}", r.status);
    }
    assert_eq!(w.admin.get("/views").await.body, before, "nothing was created");
    let first = before["views"][0]["id"].as_i64().unwrap();
    w.admin.get(&format!("/views/{first}/tickets?cursor=garbage")).await.expect(400);
    w.admin.get("/views/count_many?ids=1,abc").await.expect(400);
    let r = w.admin.get("/views/count_many?ids=99999").await.expect(422);
    assert_eq!(r.code(), "unknown_view");
    w.admin.get("/views/99999/count").await.expect(404);
    w.admin.get("/views/99999/tickets").await.expect(404);
    w.admin.post("/views/reorder", json!({"ids": []})).await.expect(422);
    w.admin.post("/views/reorder", json!({"ids": [first, first]})).await.expect(422);
    // A personal view cannot be shared with departments.
    let r = w.ayse.post("/views", json!({"title": "x", "department_ids": [w.billing]})).await.expect(422);
    assert_eq!(r.field(), "department_ids");
}

/// Issue 14, item 16: the views every installation starts with carry the
/// time they were made (the installation's), not 1970.
#[tokio::test]
async fn installation_views_carry_the_time_they_were_made() {
    // Migrations record whole seconds.
    let before = chrono::Utc::now() - chrono::Duration::seconds(2);
    let w = World::new().await;
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    let views = w.admin.get("/views").await.expect(200).body["views"].as_array().unwrap().clone();
    let defaults: Vec<&Value> = views.iter().filter(|v| v["default_key"].is_string()).collect();
    assert_eq!(defaults.len(), 9, "{views:?}");
    for v in defaults {
        let at = |k: &str| {
            chrono::DateTime::parse_from_rfc3339(v[k].as_str().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{k} of {}: {e}", v["default_key"]))
                .with_timezone(&chrono::Utc)
        };
        let (created, updated) = (at("created_at"), at("updated_at"));
        assert!(before <= created && created <= after, "{} made at {created}, not {before}..{after}", v["default_key"]);
        assert_eq!(updated, created, "{} never changed", v["default_key"]);
    }
}
