//! The agent's ticket page (issue 18): a properties save over a colleague's
//! change keeps what does not clash and shows what does; the live feed tells
//! a page the version of each event (and who acted), so that a look such as
//! revealing a secret, which keeps the version, is not "something changed".

use crate::support::*;
use serde_json::json;

const PW: &str = "a long test password";

/// The value of a hidden input, unescaped.
fn hidden(page: &Page, name: &str) -> String {
    let raw = page.hidden(name).unwrap_or_else(|| panic!("no {name} on the page"));
    let mut out = String::new();
    let mut rest = raw.as_str();
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(';').expect("an entity ends with ;");
        let entity = &tail[1..end];
        let c = match entity {
            "quot" => '"',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "apos" => '\'',
            _ => {
                let n = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X"));
                let code = match n {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => entity.trim_start_matches('#').parse(),
                };
                char::from_u32(code.expect("a numeric entity")).expect("a character")
            }
        };
        out.push(c);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The properties panel as a browser sends it untouched, with `changes`.
fn panel(page: &Page, changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let base: std::collections::BTreeMap<String, Vec<String>> =
        serde_json::from_str(&hidden(page, "base")).expect("the panel's base is JSON");
    let mut out: Vec<(String, String)> =
        ["_csrf", "version", "base"].iter().map(|n| (n.to_string(), hidden(page, n))).collect();
    for (name, values) in &base {
        if changes.iter().any(|(n, _)| n == name) {
            continue;
        }
        if values.is_empty() && !matches!(name.as_str(), "locked" | "queue_boost") {
            out.push((name.clone(), String::new()));
        }
        out.extend(values.iter().map(|v| (name.clone(), v.clone())));
    }
    out.extend(changes.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    out
}

async fn post(b: &mut Browser, path: &str, fields: &[(String, String)]) -> Page {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post(path, &refs).await
}

#[tokio::test]
async fn a_properties_save_over_a_colleagues_change_keeps_what_does_not_clash() {
    let w = World::new().await;
    w.admin.patch(&format!("/users/{}", w.ayse_id), json!({"password": PW})).await.expect(200);
    let id = w.open(&w.erin, w.billing, "Invoice twice").await;
    let mut a = Browser::new(&w.server);
    a.sign_in("ayse@example.com", PW).await;
    let path = format!("/agent/tickets/{id}");

    // Ayşe changes the priority and the type; meanwhile the admin changes
    // the priority and the tags.
    let page = a.get(&path).await;
    w.admin.patch(&format!("/tickets/{id}"), json!({"priority": "urgent", "tags": ["vip"]})).await.expect(200);
    let r =
        post(&mut a, &format!("{path}/properties"), &panel(&page, &[("priority", "low"), ("type", "problem")])).await;
    assert_eq!(r.status, 409, "the clash is shown");
    assert!(r.text.contains("data-clash-field=\"priority\""), "the priority clashes");
    assert_eq!(r.text.matches("data-clash-field=").count(), 1, "only the priority");
    let t = w.admin.get(&format!("/tickets/{id}")).await.body;
    assert_eq!(t["type"], "problem", "the change that does not clash is saved: {t}");
    assert_eq!(t["tags"], json!(["vip"]), "the colleague's change stays");
    assert_eq!(t["priority"], "urgent", "the clashing field keeps the colleague's value until chosen");
    // The page holds Ayşe's value of the clashing field: saving it takes hers.
    let r = post(&mut a, &format!("{path}/properties"), &panel(&r, &[("priority", "low")])).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let t = w.admin.get(&format!("/tickets/{id}")).await.body;
    assert_eq!(
        (t["priority"].clone(), t["type"].clone(), t["tags"].clone()),
        (json!("low"), json!("problem"), json!(["vip"]))
    );

    // A change to other fields than the colleague's is simply saved.
    let page = a.get(&path).await;
    w.admin.patch(&format!("/tickets/{id}"), json!({"tags": ["vip", "refund"]})).await.expect(200);
    let r = post(&mut a, &format!("{path}/properties"), &panel(&page, &[("priority", "high")])).await;
    assert_eq!(r.status, 303);
    assert!(r.location().unwrap().contains("done=saved_merged"));
    let t = w.admin.get(&format!("/tickets/{id}")).await.body;
    assert_eq!((t["priority"].clone(), t["tags"].clone()), (json!("high"), json!(["refund", "vip"])));

    // Without the panel's base (an old page), a stale save is refused whole, as before.
    let page = a.get(&path).await;
    w.admin.patch(&format!("/tickets/{id}"), json!({"tags": ["vip"]})).await.expect(200);
    let mut fields = panel(&page, &[("priority", "low")]);
    fields.retain(|(k, _)| k != "base");
    let r = post(&mut a, &format!("{path}/properties"), &fields).await;
    assert_eq!(r.status, 409);
    assert_eq!(w.admin.get(&format!("/tickets/{id}")).await.body["priority"], "high");
}

/// The `ticket` messages of an agent's live feed, read for `secs` seconds
/// or until `n` arrived.
async fn ticket_messages(mut r: reqwest::Response, n: usize, secs: u64) -> Vec<serde_json::Value> {
    let mut text = String::new();
    let mut out = Vec::new();
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    while out.len() < n {
        let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(until, r.chunk()).await else { break };
        text.push_str(&String::from_utf8_lossy(&chunk));
        out = text
            .split("\n\n")
            .filter(|block| block.lines().any(|l| l == "event: ticket"))
            .filter_map(|block| block.lines().find_map(|l| l.strip_prefix("data: ")))
            .filter_map(|d| serde_json::from_str(d).ok())
            .collect();
    }
    out
}

#[tokio::test]
async fn the_live_feed_tells_the_version_and_the_actor_so_a_reveal_is_no_change() {
    let w = World::new().await;
    w.admin.patch(&format!("/users/{}", w.ayse_id), json!({"password": PW})).await.expect(200);
    w.admin
        .post("/custom-fields", json!({"key": "root_password", "type": "secret", "labels": {"en": "Root password"}}))
        .await
        .expect(201);
    let id = w
        .ayse
        .post(
            "/tickets",
            json!({"subject": "Locked out", "department_id": w.billing, "body": "Reboot", "requester_id": w.erin_id,
                   "custom_fields": {"root_password": "s3cret"}}),
        )
        .await
        .expect(201)
        .id();
    let version = w.admin.get(&format!("/tickets/{id}")).await.body["version"].as_i64().unwrap();
    let mut a = Browser::new(&w.server);
    a.sign_in("ayse@example.com", PW).await;
    let cookie = a.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let live = client.get(format!("{}/agent/live", w.server.base)).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(live.status(), 200);

    let csrf = a.csrf(&format!("/agent/tickets/{id}")).await;
    let r = a
        .post_with(
            &format!("/agent/tickets/{id}/reveal"),
            &[("_csrf", &csrf), ("key", "root_password")],
            &[("accept", "application/json")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    w.admin.patch(&format!("/tickets/{id}"), json!({"priority": "high"})).await.expect(200);

    let got = ticket_messages(live, 2, 20).await;
    let of =
        |kind: &str| got.iter().find(|m| m["kind"] == kind).cloned().unwrap_or_else(|| panic!("no {kind}: {got:?}"));
    let reveal = of("secret.revealed");
    assert_eq!(reveal["version"], version, "a look keeps the version: {reveal}");
    assert_eq!(reveal["actor_id"], w.ayse_id);
    let change = of("ticket.priority_changed");
    assert_eq!(change["version"], version + 1, "a change is a new version: {change}");
    assert_ne!(change["actor_id"], w.ayse_id);
}
