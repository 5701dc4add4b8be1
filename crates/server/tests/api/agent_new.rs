//! The console's new-ticket page (`/agent/tickets/new`): an agent opens a
//! ticket for a new requester, errors come back next to their fields with
//! the values kept, customers are kept out, the panels of its two places
//! show, and a validation hook's refusal shows as the form's alert.

use crate::support::*;
use serde_json::json;

const PW: &str = "a long test password";

async fn with_passwords(w: &World) {
    for id in [w.ayse_id, w.erin_id] {
        w.admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    }
}

async fn agent(w: &World) -> Browser {
    let mut b = Browser::new(&w.server);
    assert_eq!(b.sign_in("ayse@example.com", PW).await.location().as_deref(), Some("/agent"));
    b
}

async fn user_exists(w: &World, email: &str) -> bool {
    w.server.store.user_by_email(email).await.unwrap().is_some()
}

#[tokio::test]
async fn an_agent_opens_a_ticket_for_a_new_requester() {
    let w = World::new().await;
    with_passwords(&w).await;
    let mut b = agent(&w).await;
    // The console leads there.
    let console = b.get("/agent").await;
    assert!(console.text.contains("href=\"/agent/tickets/new\""), "the console has a New ticket button");
    let form = b.get("/agent/tickets/new").await;
    assert_eq!(form.status, 200);
    // Ayşe's only department is offered and chosen; Tech is not hers.
    assert!(form.text.contains(&format!("<option value=\"{}\" selected>Billing</option>", w.billing)), "{}", form.text);
    assert!(!form.text.contains(">Tech</option>"));
    assert!(form.text.contains("<option value=\"phone\" selected>"), "phone is the default source");
    let csrf = form.hidden("_csrf").unwrap();
    let billing = w.billing.to_string();
    let r = b
        .post_multipart(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("requester_email", "Ivan.Petrov@example.ru"),
                ("requester_name", "Иван Петров"),
                ("department_id", &billing),
                ("subject", "Телефонный звонок"),
                ("body", "Клиент звонил по поводу счёта."),
                ("priority", "high"),
                ("type", "question"),
                ("status", "open"),
                ("source", "chat"),
                ("tags", "phone, callback"),
            ],
            &[("attachments", "call-notes.txt", b"notes of the call".to_vec())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let to = r.location().unwrap();
    let id: i64 = to
        .strip_prefix("/agent/tickets/")
        .and_then(|rest| rest.strip_suffix("?done=created"))
        .unwrap_or_else(|| panic!("lands on the ticket page: {to}"))
        .parse()
        .unwrap();
    let page = b.get(&to).await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("Телефонный звонок")
            && page.text.contains("The ticket was opened in Billing, one of your departments.")
    );
    assert!(page.text.contains("call-notes.txt"));
    // The desk has it as chosen.
    let t = w.ayse.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(t["source"], "chat");
    assert_eq!(t["priority"], "high");
    assert_eq!(t["department_id"], w.billing);
    assert_eq!(t["status"], "open");
    assert_eq!(t["type"], "question");
    assert_eq!(t["tags"], json!(["callback", "phone"]));
    assert_eq!(t["messages"][0]["attachment_ids"].as_array().unwrap().len(), 1);
    // The requester is a new customer with the name given.
    let u = w.admin.get(&format!("/users/{}", t["requester_id"])).await.expect(200).body;
    assert_eq!(
        (u["email"].as_str(), u["name"].as_str(), u["role"].as_str()),
        (Some("Ivan.Petrov@example.ru"), Some("Иван Петров"), Some("customer"))
    );
    // The same address again finds the same person; the source defaults to phone.
    let r = b
        .post(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("requester_email", "ivan.petrov@EXAMPLE.ru"),
                ("department_id", &billing),
                ("subject", "Again"),
                ("body", "He called back."),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let again: i64 =
        r.location().unwrap().trim_start_matches("/agent/tickets/").split('?').next().unwrap().parse().unwrap();
    let t2 = w.ayse.get(&format!("/tickets/{again}")).await.expect(200).body;
    assert_eq!(t2["requester_id"], t["requester_id"]);
    assert_eq!(
        (t2["source"].as_str(), t2["priority"].as_str(), t2["status"].as_str()),
        (Some("phone"), Some("normal"), Some("new"))
    );
}

#[tokio::test]
async fn errors_come_back_next_to_their_fields_and_nothing_is_made() {
    let w = World::new().await;
    with_passwords(&w).await;
    let mut b = agent(&w).await;
    let csrf = b.csrf("/agent/tickets/new").await;
    let billing = w.billing.to_string();
    let rows = w.ticket_rows().await;
    let r = b
        .post_multipart(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("requester_email", "new.person@example.com"),
                ("requester_name", "New Person"),
                ("department_id", &billing),
                ("subject", " "),
                ("body", "Kept message"),
                ("priority", "urgent"),
                ("source", "email"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("<p class=\"field-error\" id=\"subject-error\">Subject is required.</p>"), "{}", r.text);
    assert!(r.text.contains("value=\"new.person@example.com\"") && r.text.contains("value=\"New Person\""));
    assert!(r.text.contains("Kept message"));
    assert!(r.text.contains("value=\"urgent\" selected") && r.text.contains("value=\"email\" selected"));
    assert_eq!(w.ticket_rows().await, rows, "no ticket");
    assert!(!user_exists(&w, "new.person@example.com").await, "no requester either");
    // A malformed address and a missing department are told apart.
    let r = b
        .post(
            "/agent/tickets/new",
            &[("_csrf", &csrf), ("requester_email", "not an address"), ("subject", "S"), ("body", "B")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("E-mail address is not a valid e-mail address."), "{}", r.text);
    assert!(r.text.contains("Department is required."), "{}", r.text);
    assert_eq!(w.ticket_rows().await, rows);
    // The desk's word on the new requester's name shows next to it.
    let long = "N".repeat(201);
    let r = b
        .post(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("requester_email", "long.name@example.com"),
                ("requester_name", &long),
                ("department_id", &billing),
                ("subject", "S"),
                ("body", "B"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.text.contains("<p class=\"field-error\" id=\"requester_name-error\">Name is too long.</p>"),
        "{}",
        r.text
    );
    assert!(!user_exists(&w, "long.name@example.com").await);
    // Without the form's token nothing happens.
    let r = b
        .post(
            "/agent/tickets/new",
            &[("requester_email", "x@example.com"), ("department_id", &billing), ("subject", "S"), ("body", "B")],
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(w.ticket_rows().await, rows);
}

#[tokio::test]
async fn customers_cannot_open_the_page() {
    let w = World::new().await;
    with_passwords(&w).await;
    let mut c = Browser::new(&w.server);
    c.sign_in("erin@example.org", PW).await;
    let r = c.get("/agent/tickets/new").await;
    assert!(matches!(r.status, 403 | 404), "{}", r.status);
    let csrf = c.csrf("/").await;
    let rows = w.ticket_rows().await;
    let r = c
        .post(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("requester_email", "victim@example.com"),
                ("department_id", &w.billing.to_string()),
                ("subject", "S"),
                ("body", "B"),
            ],
        )
        .await;
    assert!(matches!(r.status, 403 | 404), "{}", r.status);
    assert_eq!(w.ticket_rows().await, rows);
    // Signed out, the page asks for a sign-in.
    let r = Browser::new(&w.server).get("/agent/tickets/new").await;
    assert_eq!(r.status, 303);
}

#[tokio::test]
async fn both_panel_places_show_on_the_page() {
    let w = World::with(loopback_hooks).await;
    with_passwords(&w).await;
    let rx = Receiver::answering(|r, _| match r.path.as_str() {
        "/create" => Reply::new(
            200,
            format!(
                "<p>Create panel for department {}<script>alert(1)</script></p>",
                r.json["params"]["department_id"]
            ),
        ),
        "/side" => Reply::new(200, "<p>Side panel for the new ticket</p>"),
        _ => Reply::new(404, ""),
    })
    .await;
    let panel =
        |place: &str, path: &str| json!({"kind": "panel", "name": place, "url": rx.url(path), "timeout_ms": 2000});
    w.admin.post("/hooks", panel("TicketAdminAreaViewCreate", "/create")).await.expect(201);
    w.admin.post("/hooks", panel("TicketAdminAreaViewCreateSidebar", "/side")).await.expect(201);
    let mut b = agent(&w).await;
    let page = b.get("/agent/tickets/new").await;
    assert_eq!(page.status, 200);
    let text = &page.text;
    assert!(text.contains(&format!("<p>Create panel for department {}</p>", w.billing)), "{text}");
    assert!(text.contains("<p>Side panel for the new ticket</p>"));
    assert!(!text.contains("alert(1)"));
    // Above the form, and at the top of the side column.
    let create = text.find("data-place=\"TicketAdminAreaViewCreate\"").unwrap();
    let side = text.find("data-place=\"TicketAdminAreaViewCreateSidebar\"").unwrap();
    let form = text.find("<form id=\"new-ticket\"").unwrap();
    let aside = text.find("<aside class=\"side\">").unwrap();
    assert!(create < form && aside < side, "places where they belong");
    // The panels were told the department and who is looking.
    let asked = &rx.on("/create")[0];
    assert_eq!(asked.json["hook"], "TicketAdminAreaViewCreate");
    assert_eq!(asked.json["params"]["department_id"], w.billing);
    assert_eq!(asked.json["params"]["viewer"]["id"], w.ayse_id);
    assert_eq!(rx.on("/side")[0].json["params"]["viewer"]["id"], w.ayse_id);
    // With two departments and none chosen yet, the department is null.
    w.admin
        .patch(&format!("/departments/{}", w.tech), json!({"member_ids": [w.boris_id, w.ayse_id]}))
        .await
        .expect(200);
    let mut b = agent(&w).await;
    let page = b.get("/agent/tickets/new").await;
    assert!(page.text.contains("Create panel for department null"), "{}", page.text);
    let page = b.get(&format!("/agent/tickets/new?department={}", w.tech)).await;
    assert!(page.text.contains(&format!("Create panel for department {}", w.tech)));
}

#[tokio::test]
async fn a_validation_hook_refusal_shows_on_the_form() {
    let w = World::with(loopback_hooks).await;
    with_passwords(&w).await;
    let rx = Receiver::answering(|_, _| Reply::new(200, r#"{"error":"Use the billing form"}"#)).await;
    w.admin
        .post("/hooks", json!({"kind": "validation", "name": "TicketAdminCreateValidation", "url": rx.url("/check")}))
        .await
        .expect(201);
    let mut b = agent(&w).await;
    let csrf = b.csrf("/agent/tickets/new").await;
    let rows = w.ticket_rows().await;
    let r = b
        .post(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("requester_email", "refused.person@example.com"),
                ("department_id", &w.billing.to_string()),
                ("subject", "Invoice question"),
                ("body", "Wants a copy of the invoice."),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("<p class=\"alert\" role=\"alert\">Use the billing form</p>"), "{}", r.text);
    assert!(r.text.contains("value=\"Invoice question\"") && r.text.contains("Wants a copy of the invoice."));
    assert_eq!(w.ticket_rows().await, rows, "no ticket");
    assert!(!user_exists(&w, "refused.person@example.com").await, "no requester");
    let asked = rx.on("/check");
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].json["hook"], "TicketAdminCreateValidation");
    assert_eq!(asked[0].json["params"]["title"], "Invoice question");
    assert_eq!(asked[0].json["params"]["message"], "Wants a copy of the invoice.");
}

#[tokio::test]
async fn the_chosen_departments_fields_show_and_agents_fill_agent_only_ones() {
    let w = World::new().await;
    with_passwords(&w).await;
    w.admin
        .patch(&format!("/departments/{}", w.tech), json!({"member_ids": [w.boris_id, w.ayse_id]}))
        .await
        .expect(200);
    w.admin.post("/custom-fields", json!({"key": "os", "type": "select", "options": ["linux", "windows"], "labels": {"en": "OS"}, "required": true, "department_ids": [w.tech]})).await.expect(201);
    w.admin.post("/custom-fields", json!({"key": "internal_score", "type": "number", "labels": {"en": "Score"}, "customer_visible": false, "customer_editable": false})).await.expect(201);
    let mut b = agent(&w).await;
    // Two departments: none is chosen, so no fields yet.
    let form = b.get("/agent/tickets/new").await;
    assert!(!form.text.contains("id=\"cf-os\"") && !form.text.contains("id=\"cf-internal_score\""));
    assert!(form.text.contains("Choose a department to see its fields."));
    let csrf = form.hidden("_csrf").unwrap();
    let tech = w.tech.to_string();
    let rows = w.ticket_rows().await;
    // Choosing one (the script presses "refresh") shows its fields and keeps what was typed.
    let r = b
        .post(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("refresh", "1"),
                ("requester_email", "erin@example.org"),
                ("department_id", &tech),
                ("subject", "Server down"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("id=\"cf-os\"") && r.text.contains("id=\"cf-internal_score\""), "{}", r.text);
    assert!(r.text.contains("value=\"Server down\"") && r.text.contains("value=\"erin@example.org\""));
    assert!(!r.text.contains("class=\"field-error\""), "refreshing is not an error");
    assert_eq!(w.ticket_rows().await, rows);
    // A required field left empty comes back marked.
    let r = b
        .post(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("requester_email", "erin@example.org"),
                ("department_id", &tech),
                ("subject", "Server down"),
                ("body", "Since noon."),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("<select id=\"cf-os\" name=\"cf.os\" required aria-invalid=\"true\">"), "{}", r.text);
    assert!(r.text.contains("<p class=\"field-error\">OS is required.</p>"), "{}", r.text);
    assert_eq!(w.ticket_rows().await, rows);
    // Filled in, the ticket has them; the existing customer is its requester.
    let r = b
        .post(
            "/agent/tickets/new",
            &[
                ("_csrf", &csrf),
                ("requester_email", "erin@example.org"),
                ("department_id", &tech),
                ("subject", "Server down"),
                ("body", "Since noon."),
                ("cf.os", "linux"),
                ("cf.internal_score", "7"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let id: i64 =
        r.location().unwrap().trim_start_matches("/agent/tickets/").split('?').next().unwrap().parse().unwrap();
    let t = w.admin.get(&format!("/tickets/{id}")).await.expect(200).body;
    assert_eq!(t["requester_id"], w.erin_id);
    assert_eq!(t["department_id"], w.tech);
    assert_eq!(t["custom_fields"]["os"], "linux");
    assert_eq!(t["custom_fields"]["internal_score"], 7.0);
}
