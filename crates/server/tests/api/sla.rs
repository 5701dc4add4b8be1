//! SLA policies end to end: due times across a weekend, a holiday and a
//! clock change; met and breached targets; the checker's alerts in the event
//! log and at a webhook; views; what customers never see; bad policies.
//!
//! The server runs on a manual clock (`Config::clock`), so a ticket can be
//! opened on a Friday afternoon and a weekend can pass in a moment; the
//! checker polls every few milliseconds and reads that clock.

use crate::search::{ids as found, set};
use crate::support::*;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use tessera_core::time::ManualClock;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// A world on a manual clock showing `at`, with a fast SLA checker and
/// webhooks allowed to reach loopback.
async fn world_at(at: &str) -> (World, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(utc(at)));
    let c = Arc::clone(&clock);
    let w = World::with(move |cfg| {
        loopback_hooks(cfg);
        cfg.sla_poll_ms = 20;
        cfg.clock = Some(c);
    })
    .await;
    (w, clock)
}

/// The same targets for every priority, in business minutes.
fn targets(first: u32, next: u32, resolution: u32) -> Value {
    let t = json!({"first_response_minutes": first, "next_response_minutes": next, "resolution_minutes": resolution});
    json!({"low": t, "normal": t, "high": t, "urgent": t})
}

/// Monday to Friday, 09:00–17:00.
fn office_week() -> Value {
    let day = json!([["09:00", "17:00"]]);
    json!({"mon": day, "tue": day, "wed": day, "thu": day, "fri": day})
}

fn policy(name: &str, zone: &str, departments: &[i64], holidays: &[&str]) -> Value {
    json!({
        "name": name,
        "department_ids": departments,
        "schedule": {"time_zone": zone, "week": office_week(), "holidays": holidays},
        "targets": targets(120, 240, 960),
        "warning_minutes": 30,
    })
}

/// A ticket's `sla` as `who` sees it.
async fn sla_of(who: &Api, ticket: i64) -> Value {
    who.get(&format!("/tickets/{ticket}")).await.expect(200).body["sla"].clone()
}

fn instant(v: &Value) -> DateTime<Utc> {
    utc(v.as_str().unwrap_or_else(|| panic!("not a time: {v}")))
}

/// The events of a ticket of `kind`, as the admin sees them.
async fn events_of(w: &World, ticket: i64, kind: &str) -> Vec<Value> {
    let r = w.admin.get(&format!("/tickets/{ticket}/events")).await.expect(200);
    r.body["events"].as_array().unwrap().iter().filter(|e| e["kind"] == kind).cloned().collect()
}

async fn wait_for_event(w: &World, ticket: i64, kind: &str) -> Value {
    eventually(&format!("{kind} on ticket {ticket}"), || async { events_of(w, ticket, kind).await.pop() }).await
}

#[tokio::test]
async fn due_times_skip_the_weekend_and_holidays_and_follow_clock_changes() {
    // Friday 2026-11-27 16:00 in Istanbul (UTC+3 all year).
    let (w, clock) = world_at("2026-11-27T13:00:00Z").await;
    w.admin.post("/sla/policies", policy("Billing", "Europe/Istanbul", &[w.billing], &[])).await.expect(201);
    let tech = policy("Tech", "Europe/Istanbul", &[w.tech], &["2026-11-30"]);
    w.admin.post("/sla/policies", tech).await.expect(201);

    // Two business hours from Friday 16:00: one on Friday, one on Monday.
    let billing = w.open(&w.erin, w.billing, "Fatura hatası").await;
    let sla = sla_of(&w.ayse, billing).await;
    assert_eq!(sla["policy"], "Billing");
    assert_eq!(sla["first_response"]["status"], "running");
    assert_eq!(instant(&sla["first_response"]["due_at"]), utc("2026-11-30T10:00:00+03:00"));
    assert_eq!(sla["first_response"]["remaining_seconds"], 2 * 3600);
    // The warning 30 business minutes before: Monday 09:30.
    assert_eq!(instant(&sla["first_response"]["warning_at"]), utc("2026-11-30T09:30:00+03:00"));
    // Monday is a holiday for tech: Tuesday 10:00.
    let tech = w.open(&w.erin, w.tech, "Sunucu çöktü").await;
    let sla = sla_of(&w.boris, tech).await;
    assert_eq!(sla["policy"], "Tech");
    assert_eq!(instant(&sla["first_response"]["due_at"]), utc("2026-12-01T10:00:00+03:00"));

    // Over the weekend the countdown stands still.
    clock.set(utc("2026-11-29T12:00:00Z"));
    let sla = sla_of(&w.ayse, billing).await;
    assert_eq!(sla["first_response"]["remaining_seconds"], 3600);
    assert_eq!(sla["first_response"]["status"], "running");

    // Berlin springs forward on Sunday 2026-03-29: Friday 27 March 16:00 CET
    // plus two business hours is Monday 10:00 CEST, 08:00 UTC (not 09:00).
    let (w2, _clock2) = world_at("2026-03-27T15:00:00Z").await;
    let berlin2 = w2.admin.post("/departments", json!({"name": "Berlin"})).await.expect(201).id();
    w2.admin.post("/sla/policies", policy("Berlin", "Europe/Berlin", &[berlin2], &[])).await.expect(201);
    let t = w2.open(&w2.erin, berlin2, "Zeitumstellung").await;
    let sla = sla_of(&w2.admin, t).await;
    assert_eq!(instant(&sla["first_response"]["due_at"]), utc("2026-03-30T08:00:00Z"));
    // Sixteen business hours: 1 on Friday, 8 on Monday, 7 on Tuesday.
    assert_eq!(instant(&sla["resolution"]["due_at"]), utc("2026-03-31T16:00:00+02:00"));
}

#[tokio::test]
async fn replies_meet_targets_and_a_late_ticket_breaches_once_with_one_warning() {
    // Monday 2026-11-23 10:00 in Istanbul.
    let (w, clock) = world_at("2026-11-23T07:00:00Z").await;
    let rx = Receiver::start().await;
    w.admin
        .post("/webhooks", json!({"url": rx.url("/native"), "kinds": ["sla.warning", "sla.breached"]}))
        .await
        .expect(201);
    w.admin.post("/webhooks", json!({"url": rx.url("/wisecp"), "format": "wisecp"})).await.expect(201);
    let mut p = policy("Office", "Europe/Istanbul", &[], &[]);
    p["targets"] = targets(60, 60, 480);
    w.admin.post("/sla/policies", p).await.expect(201);

    let answered = w.open(&w.erin, w.billing, "Answered in time").await;
    let late = w.open(&w.erin, w.billing, "Nobody answers").await;
    clock.set(utc("2026-11-23T07:20:00Z"));
    w.ayse.post(&format!("/tickets/{answered}/replies"), json!({"body": "Bakıyoruz"})).await.expect(201);
    let sla = sla_of(&w.ayse, answered).await;
    assert_eq!(sla["first_response"]["status"], "met");
    assert_eq!(sla["first_response"]["remaining_seconds"], 40 * 60);

    // 10:40: the late ticket is within its 30-minute warning lead.
    clock.set(utc("2026-11-23T07:40:00Z"));
    let warning = wait_for_event(&w, late, "sla.warning").await;
    assert_eq!(warning["data"]["metric"], "first_response");
    assert_eq!(warning["data"]["policy"], "Office");
    assert_eq!(instant(&warning["data"]["due_at"]), utc("2026-11-23T11:00:00+03:00"));
    assert_eq!(warning["side"], "system");
    assert!(events_of(&w, late, "sla.breached").await.is_empty());

    // 11:05: breached.
    clock.set(utc("2026-11-23T08:05:00Z"));
    let breach = wait_for_event(&w, late, "sla.breached").await;
    assert_eq!(breach["data"]["metric"], "first_response");
    let sla = sla_of(&w.ayse, late).await;
    assert_eq!((sla["first_response"]["status"].clone(), sla["breached"].clone()), (json!("breached"), json!(true)));
    assert_eq!(sla["first_response"]["remaining_seconds"], -5 * 60);

    // A third ticket breaches later; once its breach is written the checker
    // has passed over the late ticket many times.
    let marker = w.open(&w.erin, w.billing, "Marker").await;
    clock.set(utc("2026-11-23T09:30:00Z"));
    wait_for_event(&w, marker, "sla.breached").await;
    assert_eq!(events_of(&w, late, "sla.warning").await.len(), 1);
    assert_eq!(events_of(&w, late, "sla.breached").await.len(), 1);
    assert!(events_of(&w, answered, "sla.breached").await.is_empty());

    // The webhook got both alerts of the late ticket in the native format;
    // WiseCP has no hook for them.
    let got = rx
        .wait_for("/native", |g| {
            g.iter().filter(|r| r.json["ticket"]["id"] == late).count() >= 2
                && g.iter().any(|r| r.json["ticket"]["id"] == marker && r.json["kind"] == "sla.breached")
        })
        .await;
    // Delivery is at least once (a slow answer under load is retried):
    // count each delivery id once.
    let mut seen = std::collections::HashSet::new();
    let kinds: Vec<&str> = got
        .iter()
        .filter(|r| r.json["ticket"]["id"] == late && seen.insert(r.json["delivery_id"].to_string()))
        .map(|r| r.json["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["sla.warning", "sla.breached"],
        "{:?}",
        got.iter().map(|r| &r.json["delivery_id"]).collect::<Vec<_>>()
    );
    assert!(rx.on("/wisecp").iter().all(|r| !r.body.windows(4).any(|x| x == b"sla.")));

    // Views: breached, and breaching within N hours.
    let breached = w
        .ayse
        .post(
            "/views",
            json!({"title": "Breached", "personal": true,
                "conditions": {"all": [{"field": "sla_breached", "operator": "is", "value": true}]}}),
        )
        .await
        .expect(201)
        .id();
    let count = w.ayse.get(&format!("/views/{breached}/count")).await.expect(200).body["count"].clone();
    assert_eq!(count, 2, "the late ticket and the marker");
    let soon = w.open(&w.erin, w.billing, "Due soon").await;
    let within = w
        .ayse
        .post(
            "/views",
            json!({"title": "Soon", "personal": true, "sort": {"by": "sla_due", "order": "asc"},
                "conditions": {"all": [{"field": "sla_next_due_at", "operator": "within_next", "value": 2}]}}),
        )
        .await
        .expect(201)
        .id();
    let r = w.ayse.get(&format!("/views/{within}/tickets")).await.expect(200);
    let ids: Vec<i64> = r.body["tickets"].as_array().unwrap().iter().map(|t| t["id"].as_i64().unwrap()).collect();
    assert!(ids.contains(&soon) && !ids.contains(&late), "{ids:?}");
    assert_eq!(r.body["tickets"][0]["sla"]["policy"], "Office");

    // Search asks the same: breached, and due within N hours of the clock
    // (the late ticket's running target, resolution, is due tomorrow at
    // 10:00, 21.5 hours away, 5.5 business hours).
    assert_eq!(found(&w.ayse, "sla:breached").await, set(&[late, marker]));
    assert_eq!(found(&w.ayse, "sla:breached Nobody").await, set(&[late]));
    let due_soon = found(&w.ayse, "sla<2h").await;
    assert!(due_soon.contains(&soon) && !due_soon.contains(&late), "{due_soon:?}");
    assert!(found(&w.ayse, "sla<1d").await.contains(&late));
    assert!(found(&w.ayse, "sla>12h").await.contains(&late));
    assert!(!found(&w.ayse, "sla>1d").await.contains(&late));
    assert!(found(&w.ayse, "sla:running -sla:breached").await.contains(&soon));
    let bad = w.ayse.get(&format!("/search?q={}", enc("sla<tomorrow"))).await.expect(422);
    assert_eq!((bad.code(), bad.field()), ("invalid_value", "q"));
    assert!(bad.body["error"]["message"].as_str().unwrap().contains("sla"), "{}", bad.body);

    // Customers see no SLA: not on the ticket, not in lists (and the event
    // log is agents' only).
    let mine = w.erin.get(&format!("/tickets/{late}")).await.expect(200).body;
    assert!(mine.get("sla").is_none(), "{mine}");
    let list = w.erin.get("/tickets").await.expect(200).body;
    assert!(list["tickets"].as_array().unwrap().iter().all(|t| t.get("sla").is_none()));
    w.erin.get(&format!("/tickets/{late}/events")).await.expect(403);
    // Nor can a customer find tickets by SLA state.
    let r = w.erin.get("/tickets?sla_breached=true").await.expect(200).body;
    assert_eq!(r["total"], w.erin.get("/tickets").await.expect(200).body["total"]);
    let refused = w.erin.get(&format!("/search?q={}", enc("sla:breached"))).await.expect(422);
    assert_eq!(refused.code(), "field_not_allowed");
}

#[tokio::test]
async fn alerts_due_while_the_server_was_down_come_once_after_a_restart() {
    let (w, clock) = world_at("2026-11-23T07:00:00Z").await;
    let mut p = policy("Office", "Europe/Istanbul", &[], &[]);
    p["targets"] = targets(60, 60, 480);
    w.admin.post("/sla/policies", p).await.expect(201);
    let t = w.open(&w.erin, w.billing, "Over the restart").await;
    let dir = w.server.stop().await;
    clock.set(utc("2026-11-23T09:00:00Z"));
    let c = Arc::clone(&clock);
    let server = TestServer::start_in(dir, move |cfg| {
        cfg.sla_poll_ms = 20;
        cfg.clock = Some(c);
    })
    .await;
    let admin = server.admin().await;
    let kinds = |a: Api| async move {
        let r = a.get(&format!("/tickets/{t}/events")).await.expect(200);
        r.body["events"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    eventually("the breach after the restart", || async {
        kinds(admin.clone()).await.contains(&"sla.breached".to_string()).then_some(())
    })
    .await;
    let all = kinds(admin.clone()).await;
    assert_eq!(all.iter().filter(|k| k.as_str() == "sla.breached").count(), 1);
    assert!(!all.iter().any(|k| k == "sla.warning"), "a breach found late comes without a warning: {all:?}");
}

#[tokio::test]
async fn bad_policies_are_refused_naming_the_field_and_only_admins_change_them() {
    let (w, _clock) = world_at("2026-11-23T07:00:00Z").await;
    let good = policy("General", "Europe/Istanbul", &[], &["2026-12-31"]);
    let with = |path: &[&str], v: Value| {
        let mut p = good.clone();
        let mut at = &mut p;
        for k in &path[..path.len() - 1] {
            at = at.get_mut(*k).unwrap();
        }
        at[path[path.len() - 1]] = v;
        p
    };
    let cases = [
        (with(&["schedule", "time_zone"], json!("Mars/Olympus")), "schedule.time_zone"),
        (with(&["schedule", "week", "mon"], json!([["09:00", "25:00"]])), "schedule.week.mon"),
        (with(&["schedule", "week", "tue"], json!([["09:00", "13:00"], ["12:00", "17:00"]])), "schedule.week.tue"),
        (with(&["schedule", "week", "wed"], json!([["17:00", "09:00"]])), "schedule.week.wed"),
        (with(&["targets", "normal", "first_response_minutes"], json!(-5)), "targets.normal.first_response_minutes"),
        (with(&["targets", "urgent", "resolution_minutes"], json!(0)), "targets.urgent.resolution_minutes"),
        (with(&["department_ids"], json!([987654])), "department_ids"),
        (with(&["name"], json!("  ")), "name"),
        (with(&["schedule", "week"], json!({})), "schedule.week"),
    ];
    for (body, field) in cases {
        let r = w.admin.post("/sla/policies", body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        assert!(r.field().starts_with(field), "{body}: field {} (wanted {field})", r.field());
    }
    assert!(w.admin.get("/sla/policies").await.expect(200).body["policies"].as_array().unwrap().is_empty());

    // Agents read; only admins change.
    w.ayse.post("/sla/policies", good.clone()).await.expect(403);
    let id = w.admin.post("/sla/policies", good.clone()).await.expect(201).id();
    let got = w.ayse.get(&format!("/sla/policies/{id}")).await.expect(200).body;
    assert_eq!(got["schedule"]["holidays"], json!(["2026-12-31"]));
    assert_eq!(got["targets"]["normal"]["first_response_minutes"], 120);
    w.erin.get("/sla/policies").await.expect(403);
    w.ayse.patch(&format!("/sla/policies/{id}"), json!({"name": "Mine"})).await.expect(403);
    w.ayse.delete(&format!("/sla/policies/{id}")).await.expect(403);
    let r = w
        .admin
        .patch(&format!("/sla/policies/{id}"), json!({"schedule": {"time_zone": "Nowhere", "week": office_week()}}))
        .await;
    assert_eq!((r.status, r.field()), (422, "schedule.time_zone"));
    let r = w.admin.patch(&format!("/sla/policies/{id}"), json!({"name": "Renamed", "warning_minutes": 15})).await;
    assert_eq!(r.expect(200).body["name"], "Renamed");
    assert_eq!(w.ayse.get("/sla/policies").await.expect(200).body["policies"][0]["warning_minutes"], 15);
    w.admin.delete(&format!("/sla/policies/{id}")).await.expect(204);
    w.admin.get(&format!("/sla/policies/{id}")).await.expect(404);
    w.admin.delete(&format!("/sla/policies/{id}")).await.expect(404);
}

#[tokio::test]
async fn admins_keep_policies_on_the_settings_screen_and_agents_see_the_countdown() {
    const PW: &str = "a long test password";
    let (w, clock) = world_at("2026-11-23T07:00:00Z").await;
    let me = w.admin.get("/me").await.expect(200).body["id"].as_i64().unwrap();
    for id in [me, w.ayse_id, w.erin_id] {
        w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    }
    let mut b = Browser::new(&w.server);
    b.sign_in("admin@localhost", PW).await;
    let list = b.get("/admin/sla").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("href=\"/admin/sla\""), "linked from the admin navigation");
    let csrf = list.hidden("_csrf").unwrap();
    let billing = w.billing.to_string();
    let mut fields = vec![
        ("_csrf", csrf.as_str()),
        ("name", "Office hours"),
        ("department_ids", billing.as_str()),
        ("schedule.time_zone", "Europe/Istanbul"),
        ("schedule.week.mon", "09:00-12:00, 13:00-17:00"),
        ("schedule.week.tue", "09:00-17:00"),
        ("schedule.week.wed", "09:00-17:00"),
        ("schedule.week.thu", "09:00-17:00"),
        ("schedule.week.fri", "09:00-17:00"),
        ("schedule.holidays", "2026-12-31\n2027-01-01"),
        ("targets.normal.first_response_minutes", "60"),
        ("targets.normal.resolution_minutes", "480"),
        ("warning_minutes", "15"),
        ("active", "on"),
    ];
    // A bad day comes back with its message and what was typed.
    let mut bad = fields.clone();
    bad[4] = ("schedule.week.mon", "09:00-25:00");
    let r = b.post("/admin/sla", &bad).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"s-day-mon-error\"") && r.text.contains("09:00-25:00"), "{}", r.text);
    let mut overlap = fields.clone();
    overlap[4] = ("schedule.week.mon", "09:00-13:00, 12:00-17:00");
    let r = b.post("/admin/sla", &overlap).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"s-day-mon-error\""));
    assert!(w.admin.get("/sla/policies").await.expect(200).body["policies"].as_array().unwrap().is_empty());

    let r = b.post("/admin/sla", &fields).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let policies = w.admin.get("/sla/policies").await.expect(200).body["policies"].clone();
    let p = &policies[0];
    assert_eq!(p["name"], "Office hours");
    assert_eq!(p["department_ids"], json!([w.billing]));
    assert_eq!(p["schedule"]["week"]["mon"], json!([["09:00", "12:00"], ["13:00", "17:00"]]));
    assert_eq!(p["schedule"]["holidays"], json!(["2026-12-31", "2027-01-01"]));
    assert_eq!(p["targets"]["normal"], json!({"first_response_minutes": 60, "resolution_minutes": 480}));
    let id = p["id"].as_i64().unwrap();
    let edit = b.get(&format!("/admin/sla/{id}")).await;
    assert!(edit.text.contains("value=\"09:00-12:00, 13:00-17:00\""));
    fields[1] = ("name", "Office");
    assert_eq!(b.post(&format!("/admin/sla/{id}"), &fields).await.status, 303);
    assert_eq!(w.admin.get(&format!("/sla/policies/{id}")).await.expect(200).body["name"], "Office");

    // The agent page counts down; the customer's shows nothing of it.
    let t = w.open(&w.erin, w.billing, "Countdown").await;
    let late = w.open(&w.erin, w.billing, "Too late").await;
    clock.set(utc("2026-11-23T07:30:00Z"));
    w.ayse.post(&format!("/tickets/{t}/replies"), json!({"body": "On it"})).await.expect(201);
    clock.set(utc("2026-11-23T08:35:00Z"));
    let mut a = Browser::new(&w.server);
    a.sign_in("ayse@example.com", PW).await;
    let page = a.get(&format!("/agent/tickets/{late}")).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("data-sla-state=\"breached\""), "{}", page.text);
    assert!(page.text.contains("breached 35m ago"));
    assert!(page.text.contains("<time datetime=\"2026-11-23T08:00:00"));
    assert!(page.text.contains("data-sla-state=\"running\""), "resolution still runs");
    let page = a.get(&format!("/agent/tickets/{t}")).await;
    assert!(page.text.contains("data-sla-state=\"met\""));
    // A view with the SLA column: the late ticket reads breached, the
    // answered one paused; sorted by it, the late one first.
    let view = w
        .ayse
        .post(
            "/views",
            json!({"title": "By SLA", "columns": ["number", "subject", "sla"], "sort": {"by": "sla_due", "order": "asc"}}),
        )
        .await
        .expect(201)
        .id();
    let console = a.get(&format!("/agent?view={view}")).await;
    assert_eq!(console.status, 200);
    let late_at = console.text.find("Too late").unwrap();
    let countdown_at = console.text.find("Countdown").unwrap();
    assert!(late_at < countdown_at, "the breached ticket comes first");
    assert!(console.text[late_at..countdown_at].contains("<span class=\"sla-breached\">breached 35m ago</span>"));
    // Answered, it waits for the customer: its resolution clock stands still.
    assert!(console.text[countdown_at..].contains("<span class=\"sla-paused\">paused, "));
    let number = w.erin.get(&format!("/tickets/{late}")).await.expect(200).body["number"].as_str().unwrap().to_string();
    let mut c = Browser::new(&w.server);
    c.sign_in("erin@example.org", PW).await;
    let portal = c.get(&format!("/tickets/{number}")).await;
    assert_eq!(portal.status, 200);
    assert!(!portal.text.contains("data-sla-state"));

    let r = b.post(&format!("/admin/sla/{id}/delete"), &[("_csrf", csrf.as_str())]).await;
    assert_eq!(r.status, 303);
    assert!(w.admin.get("/sla/policies").await.expect(200).body["policies"].as_array().unwrap().is_empty());
}
