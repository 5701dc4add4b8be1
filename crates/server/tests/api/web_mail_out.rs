//! The web pages of outgoing mail (issue 17): the admins' template editor
//! (a refused template keeps its text and says where, a saved one is
//! custom, reset, a preview on a real ticket), the outgoing queue with
//! "Send again" and the suppression list, the mail lines beside each
//! message of the agent's ticket page (never on the customer's), and the
//! notification choices of the account page, which are the API's.
//!
//! Real deliveries come from Postfix relaying to Dovecot, exactly as in
//! `mail_out.rs` (Postfix's master runs as root: these tests run as root).

use crate::support::*;
use serde_json::{Value, json};
use std::time::Duration;
use tessera_mail::testing::dovecot::Dovecot;
use tessera_mail::testing::postfix::{Options, Postfix};

const PW: &str = "a long test password";

/// Sets `id`'s password and signs a browser in as `email`.
async fn browser_for(server: &TestServer, admin: &Api, id: i64, email: &str) -> Browser {
    admin.patch(&format!("/users/{id}"), json!({"password": PW})).await.expect(200);
    let mut b = Browser::new(server);
    assert_eq!(b.sign_in(email, PW).await.status, 303);
    b
}

async fn admin_id(admin: &Api) -> i64 {
    admin.get("/me").await.expect(200).body["id"].as_i64().unwrap()
}

/// The template of `kind` in `language` as the API has it.
async fn template(admin: &Api, kind: &str, language: &str) -> Value {
    let all = admin.get("/mail/templates").await.expect(200).body;
    all["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == kind && t["language"] == language)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn an_admin_edits_previews_saves_and_resets_a_template_through_the_pages() {
    let w = World::new().await;
    let me = admin_id(&w.admin).await;
    let mut b = browser_for(&w.server, &w.admin, me, "admin@localhost").await;

    let list = b.get("/admin/templates").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("href=\"/admin/templates\" aria-current=\"page\">Mail templates</a>"), "the nav entry");
    assert!(list.text.contains("href=\"/admin/templates/solved/tr\""));
    assert!(list.text.contains("href=\"/admin/templates/digest/ru\""), "the digest is editable like the others");
    assert!(list.text.contains("Anyone who chose digests"));
    let digest = b.get("/admin/templates/digest/ru").await;
    assert_eq!(digest.status, 200);
    assert!(digest.text.contains("<code>{{ count }}</code>") && digest.text.contains("plural("), "{}", digest.text);
    assert!(!list.text.contains("template-custom"), "every template is built-in at first");

    let editor = b.get("/admin/templates/solved/tr").await;
    assert_eq!(editor.status, 200);
    assert!(editor.text.contains("<code>{{ ticket.number }}</code>"), "the kind's placeholders are listed");
    assert!(editor.text.contains("<code>{{ customer.name }}</code>"));
    assert!(editor.text.contains("data-template-state=\"built-in\""));
    let csrf = editor.hidden("_csrf").unwrap();
    let path = "/admin/templates/solved/tr";

    // An unknown placeholder on the body's second line: refused with its
    // line next to the body, the typed text kept, nothing saved.
    let bad_body = "Merhaba {{ customer.name }},\r\ntalebiniz {{ ticket.nmber }} çözüldü.";
    let r = b
        .post(
            path,
            &[("_csrf", &csrf), ("do", "save"), ("subject", "Çözüldü: {{ ticket.subject }}"), ("body", bad_body)],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("id=\"tpl-body-error\""), "the message is next to the body");
    assert!(r.text.contains("This template cannot be used: body, line 2"), "{}", r.text);
    assert!(r.text.contains("talebiniz {{ ticket.nmber }} çözüldü."), "the typed body is kept");
    assert!(r.text.contains("value=\"Çözüldü: {{ ticket.subject }}\""), "the typed subject is kept");
    assert_eq!(template(&w.admin, "solved", "tr").await["custom"], false);

    // Fixed and saved: custom from now on, in the list too.
    let good_body = "Merhaba {{ customer.name }},\r\ntalebiniz {{ ticket.number }} çözüldü.";
    let r = b
        .post(
            path,
            &[("_csrf", &csrf), ("do", "save"), ("subject", "Çözüldü: {{ ticket.subject }}"), ("body", good_body)],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, Some(format!("{path}?done=saved"))), "{}", r.text);
    let saved = template(&w.admin, "solved", "tr").await;
    assert_eq!(
        (saved["custom"].as_bool(), saved["subject"].as_str()),
        (Some(true), Some("Çözüldü: {{ ticket.subject }}"))
    );
    assert_eq!(
        saved["body"], "Merhaba {{ customer.name }},\ntalebiniz {{ ticket.number }} çözüldü.",
        "line ends are LF"
    );
    let page = b.get(&format!("{path}?done=saved")).await;
    assert!(page.text.contains("The template is saved and used from now on."));
    assert!(page.text.contains("data-template-state=\"custom\""));
    let list = b.get("/admin/templates").await;
    let row = list.text.split("data-kind=\"solved\"").nth(1).unwrap().split("</tr>").next().unwrap();
    let cell = row.split("data-language=\"tr\"").nth(1).unwrap().split("</td>").next().unwrap();
    assert!(cell.contains("Custom"), "{cell}");

    // A preview on a real ticket shows its subject, the text and the HTML
    // (in a sandboxed frame, escaped into its attribute).
    let ticket = w
        .dave
        .post("/tickets", json!({"department_id": w.billing, "subject": "Printer <b>on</b> fire", "body": "Help"}))
        .await
        .expect(201)
        .body;
    let number = ticket["number"].as_str().unwrap().to_string();
    let r = b
        .post(
            path,
            &[
                ("_csrf", &csrf),
                ("do", "preview"),
                ("subject", "Çözüldü: {{ ticket.subject }}"),
                ("body", good_body),
                ("ticket", &number),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("data-preview-subject>Çözüldü: Printer &#60;b&#62;on&#60;/b&#62; fire</dd>"), "{}", r.text);
    assert!(r.text.contains(&format!("talebiniz {number} çözüldü.")), "the text part");
    assert!(r.text.contains("Merhaba Dave,"));
    assert!(r.text.contains("sandbox=\"\"") && r.text.contains("srcdoc=\"&#60;div"), "the HTML in a sandboxed frame");
    assert!(!r.text.contains("<b>on</b>"), "nothing typed or stored reaches the page unescaped");
    // By id, and without a ticket (sample values).
    let id = ticket["id"].as_i64().unwrap().to_string();
    let r = b
        .post(
            path,
            &[("_csrf", &csrf), ("do", "preview"), ("subject", "{{ ticket.subject }}"), ("body", "x"), ("ticket", &id)],
        )
        .await;
    assert!(r.text.contains("data-preview-subject>Printer &#60;b&#62;on&#60;/b&#62; fire</dd>"), "{}", r.text);
    let r = b
        .post(
            path,
            &[("_csrf", &csrf), ("do", "preview"), ("subject", "{{ ticket.subject }}"), ("body", "x"), ("ticket", "")],
        )
        .await;
    assert!(r.text.contains("data-preview-subject>Website down after the upgrade</dd>"), "{}", r.text);
    // A ticket that does not exist, and a bad template: the form again.
    let r = b
        .post(path, &[("_csrf", &csrf), ("do", "preview"), ("subject", "s"), ("body", "x"), ("ticket", "99999999")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("No ticket with this number or id.") && r.text.contains("id=\"tpl-ticket-error\""));
    let r = b
        .post(path, &[("_csrf", &csrf), ("do", "preview"), ("subject", "{{ nope }}"), ("body", "x"), ("ticket", "")])
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("id=\"tpl-subject-error\"") && r.text.contains("value=\"{{ nope }}\""), "{}", r.text);

    // Reset to the built-in one.
    let r = b.post(&format!("{path}/reset"), &[("_csrf", &csrf)]).await;
    assert_eq!((r.status, r.location()), (303, Some("/admin/templates?done=reset".to_string())));
    assert_eq!(template(&w.admin, "solved", "tr").await["custom"], false);
    assert!(b.get("/admin/templates?done=reset").await.text.contains("The built-in template is used again."));

    // Unknown kinds and languages do not exist; agents may not come in.
    assert_eq!(b.get("/admin/templates/nonsense/tr").await.status, 404);
    assert_eq!(b.get("/admin/templates/solved/de").await.status, 404);
    let mut agent = browser_for(&w.server, &w.admin, w.ayse_id, "ayse@example.com").await;
    assert_eq!(agent.get("/admin/templates").await.status, 403);
    assert_eq!(agent.get(path).await.status, 403);
}

#[tokio::test]
async fn without_smtp_the_outgoing_page_says_so_and_agents_have_the_suppression_list() {
    let w = World::new().await;
    let me = admin_id(&w.admin).await;
    let mut b = browser_for(&w.server, &w.admin, me, "admin@localhost").await;
    let page = b.get("/admin/outgoing").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("href=\"/admin/outgoing\" aria-current=\"page\">Outgoing mail</a>"), "the nav entry");
    assert!(page.text.contains("Outgoing mail is not configured: set [mail] smtp_url"));
    assert!(page.text.contains("[server] public_url"));
    assert!(page.text.contains("No mail was sent yet.") && page.text.contains("No address is suppressed."));
    assert_eq!(b.get("/admin/outgoing?state=bogus&before=x").await.status, 200, "a bad filter lists everything");
    let mut agent = browser_for(&w.server, &w.admin, w.ayse_id, "ayse@example.com").await;
    assert_eq!(agent.get("/admin/outgoing").await.status, 403);
    let list = agent.get("/agent/suppressions").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("No address is suppressed."));
    assert!(agent.get("/agent").await.text.contains("href=\"/agent/suppressions\""), "the console links to it");
    let csrf = list.hidden("_csrf").unwrap();
    let r = agent.post("/agent/suppressions/remove", &[("_csrf", &csrf), ("address", "nobody@example.test")]).await;
    assert_eq!(r.status, 404, "an address not on the list");
    let r = agent.post("/agent/suppressions/remove", &[("_csrf", &csrf), ("address", "")]).await;
    assert_eq!(r.status, 400);
}

/// The ticket's copies as the API has them.
async fn deliveries(admin: &Api, ticket: i64) -> Vec<Value> {
    admin.get(&format!("/tickets/{ticket}/mail")).await.expect(200).body["deliveries"].as_array().unwrap().clone()
}

/// Waits until a copy of `kind` to `address` reaches `state` (the newest
/// such copy, or the one with `id`).
async fn wait_for(admin: &Api, ticket: i64, kind: &str, address: &str, state: &str, id: Option<i64>) -> Value {
    for _ in 0..300 {
        let all = deliveries(admin, ticket).await;
        let found = all.iter().rev().find(|d| {
            d["kind"] == kind
                && d["address"] == address
                && d["state"] == state
                && id.is_none_or(|id| d["id"].as_i64() == Some(id))
        });
        if let Some(d) = found {
            return d.clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no {kind} copy to {address} became {state}: {:#?}", deliveries(admin, ticket).await);
}

#[tokio::test]
async fn agents_see_each_copy_beside_its_message_customers_never_and_admins_send_a_failed_one_again() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let postfix = Postfix::start(Options::relay_to(&dovecot));
        let port = postfix.port;
        let server = TestServer::start_with(move |c| {
            c.public_url = Some("https://help.tessera.test".into());
            c.mail_out.smtp = Some(
                tessera_mail::outbound::SmtpConfig::parse(&format!("smtp://127.0.0.1:{port}"), None, None).unwrap(),
            );
            c.mail_out.from = Some((Some("Tessera".into()), "support@tessera.test".into()));
        })
        .await;
        let admin = server.admin().await;
        let department = admin
            .post("/departments", json!({"name": "Destek", "public": true, "email": "destek@tessera.test"}))
            .await
            .expect(201)
            .id();
        let (ana_id, ana) = admin.make_user(&server, "customer", "ana@customer.test", "Ana Lima").await;
        let ticket = ana
            .post(
                "/tickets",
                json!({"department_id": department, "subject": "Site down", "body": "Since this morning."}),
            )
            .await
            .expect(201)
            .body;
        let (id, number) = (ticket["id"].as_i64().unwrap(), ticket["number"].as_str().unwrap().to_string());
        wait_for(&admin, id, "acknowledgement", "ana@customer.test", "sent", None).await;
        admin.post(&format!("/tickets/{id}/replies"), json!({"body": "We are on it."})).await.expect(201);
        wait_for(&admin, id, "agent_reply", "ana@customer.test", "sent", None).await;
        postfix.set_answer("ana@customer.test", Some("550 5.1.1 No such user"));
        admin.post(&format!("/tickets/{id}/replies"), json!({"body": "Fixed now."})).await.expect(201);
        let failed = wait_for(&admin, id, "agent_reply", "ana@customer.test", "failed", None).await;
        let failed_id = failed["id"].as_i64().unwrap();

        // The agent's page: a line per copy beside its message; the
        // acknowledgement (no message) in the timeline.
        let me = admin_id(&admin).await;
        let mut b = browser_for(&server, &admin, me, "admin@localhost").await;
        let page = b.get(&format!("/agent/tickets/{id}")).await;
        assert_eq!(page.status, 200);
        let articles: Vec<&str> = page.text.split("<article class=\"message").skip(1).collect();
        let on_it = articles.iter().find(|a| a.contains("We are on it.")).unwrap();
        assert!(on_it.contains("data-mail-state=\"sent\"") && on_it.contains("Sent to ana@customer.test"), "{on_it}");
        assert!(on_it.contains("<span class=\"mail-answer\">250"), "the server's answer: {on_it}");
        let fixed = articles.iter().find(|a| a.contains("Fixed now.")).unwrap();
        assert!(
            fixed.contains("data-mail-state=\"failed\"") && fixed.contains("Failed for ana@customer.test"),
            "{fixed}"
        );
        assert!(fixed.contains("No such user"), "{fixed}");
        let first = articles.iter().find(|a| a.contains("Since this morning.")).unwrap();
        assert!(!first.contains("data-mail-state"), "nothing was sent for the customer's own message");
        assert!(page.text.contains("Mail sent: Acknowledgement"), "the acknowledgement is in the timeline");

        // The customer's page never shows any of it.
        let mut customer = browser_for(&server, &admin, ana_id, "ana@customer.test").await;
        let theirs = customer.get(&format!("/tickets/{number}")).await;
        assert_eq!(theirs.status, 200);
        assert!(theirs.text.contains("Fixed now."));
        for hidden in ["data-mail-state", "mail-out", "Sent to ana@", "No such user", "250 "] {
            assert!(!theirs.text.contains(hidden), "the customer sees {hidden:?}");
        }
        assert_eq!(customer.get(&format!("/agent/tickets/{id}")).await.status, 403);
        assert_eq!(customer.get("/agent/suppressions").await.status, 403);

        // The queue lists the failed copy with its answer and "Send again".
        let queue = b.get("/admin/outgoing?state=failed").await;
        assert_eq!(queue.status, 200);
        assert!(!queue.text.contains("Outgoing mail is not configured") && !queue.text.contains("data-no-public-url"));
        let row =
            queue.text.split(&format!("data-delivery=\"{failed_id}\"")).nth(1).unwrap().split("</tr>").next().unwrap();
        assert!(
            row.contains("ana@customer.test") && row.contains("No such user") && row.contains("Agent’s reply"),
            "{row}"
        );
        assert!(row.contains(&format!("href=\"/agent/tickets/{id}\">#{number}</a>")), "{row}");
        assert!(row.contains(&format!("action=\"/admin/outgoing/{failed_id}/resend\"")), "{row}");
        assert!(!queue.text.contains("data-state=\"sent\""), "the filter holds");
        assert!(queue.text.contains("data-suppressed=\"ana@customer.test\""), "the address is suppressed");

        // Sending again while suppressed is refused with why.
        let csrf = queue.hidden("_csrf").unwrap();
        let r = b.post(&format!("/admin/outgoing/{failed_id}/resend"), &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, 422);
        assert!(r.text.contains("This address is suppressed"), "{}", r.text);
        assert_eq!(b.post("/admin/outgoing/987654/resend", &[("_csrf", &csrf)]).await.status, 404);

        // The mailbox works again: the admin removes the address and sends
        // the copy again; it is sent.
        postfix.set_answer("ana@customer.test", None);
        let r = b
            .post(
                "/agent/suppressions/remove",
                &[("_csrf", &csrf), ("address", "ana@customer.test"), ("from", "admin")],
            )
            .await;
        assert_eq!((r.status, r.location()), (303, Some("/admin/outgoing?done=removed".to_string())));
        assert!(admin.get("/mail/suppressions").await.expect(200).body["suppressions"].as_array().unwrap().is_empty());
        let r = b.post(&format!("/admin/outgoing/{failed_id}/resend"), &[("_csrf", &csrf)]).await;
        assert_eq!((r.status, r.location()), (303, Some("/admin/outgoing?done=resent".to_string())), "{}", r.text);
        wait_for(&admin, id, "agent_reply", "ana@customer.test", "sent", Some(failed_id)).await;
        let inbox = dovecot.wait_for_inbox("ana", 3, Duration::from_secs(30), || postfix.log()).await;
        assert!(String::from_utf8_lossy(inbox.last().unwrap()).contains("Fixed now."));
        let page = b.get(&format!("/agent/tickets/{id}")).await;
        let fixed = page.text.split("<article class=\"message").find(|a| a.contains("Fixed now.")).unwrap().to_string();
        assert!(fixed.contains("data-mail-state=\"sent\"") && !fixed.contains("data-mail-state=\"failed\""), "{fixed}");
    })
    .await;
}

/// The option selected in the `<select>` named `name`, and every option's
/// value.
fn selected(page: &str, name: &str) -> (Option<String>, Vec<String>) {
    let Some(at) = page.find(&format!("name=\"{name}\"")) else { return (None, Vec::new()) };
    let select = &page[at..at + page[at..].find("</select>").unwrap()];
    let mut chosen = None;
    let mut values = Vec::new();
    for option in select.split("<option value=\"").skip(1) {
        let value = option.split('"').next().unwrap().to_string();
        if option.split('>').next().unwrap().contains("selected") {
            chosen = Some(value.clone());
        }
        values.push(value);
    }
    (chosen, values)
}

#[tokio::test]
async fn notification_modes_saved_on_the_account_page_are_the_apis() {
    let w = World::new().await;
    // An agent picks off, at once, a digest or the department's default
    // for each agents' kind; the default at first.
    let mut agent = browser_for(&w.server, &w.admin, w.ayse_id, "ayse@example.com").await;
    let page = agent.get("/account").await;
    assert_eq!(page.status, 200);
    for kind in ["new_ticket", "customer_reply", "assigned", "sla_warning", "sla_breached", "mention"] {
        let (chosen, values) = selected(&page.text, &format!("mode.{kind}"));
        assert_eq!(chosen.as_deref(), Some("default"), "{kind}");
        assert_eq!(values, ["default", "off", "immediate", "digest"], "{kind}");
    }
    assert!(!page.text.contains("mode.solved") && !page.text.contains("mode.agent_reply"));
    let csrf = page.hidden("_csrf").unwrap();
    let r = agent
        .post(
            "/account",
            &[
                ("_csrf", &csrf),
                ("form", "notifications"),
                ("mode.new_ticket", "digest"),
                ("mode.customer_reply", "off"),
                ("mode.assigned", "immediate"),
                ("mode.sla_warning", "default"),
            ],
        )
        .await;
    assert_eq!((r.status, r.location()), (303, Some("/account?saved=1".to_string())));
    let mine = w.ayse.get("/me/notifications").await.expect(200).body;
    assert_eq!(
        mine["modes"],
        json!({"new_ticket": "digest", "customer_reply": "off", "assigned": "immediate", "sla_warning": "default",
               "sla_breached": "default",
               "mention": "default"})
    );
    assert_eq!(
        mine["notifications"],
        json!({"new_ticket": true, "customer_reply": false, "assigned": true, "sla_warning": true, "sla_breached": true,
               "mention": true})
    );
    let page = agent.get("/account").await;
    assert_eq!(selected(&page.text, "mode.new_ticket").0.as_deref(), Some("digest"));
    assert_eq!(selected(&page.text, "mode.customer_reply").0.as_deref(), Some("off"));
    // A mode that does not exist is a bad request, and changes nothing.
    let csrf = page.hidden("_csrf").unwrap();
    let r = agent
        .post(
            "/account",
            &[("_csrf", &csrf), ("form", "notifications"), ("mode.assigned", "off"), ("mode.new_ticket", "weekly")],
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(w.ayse.get("/me/notifications").await.expect(200).body["modes"], mine["modes"]);

    // A customer sees the customers' kinds (no department default: at
    // once); an agents' kind typed in is not theirs to set and is ignored.
    let mut customer = browser_for(&w.server, &w.admin, w.erin_id, "erin@example.org").await;
    let page = customer.get("/account").await;
    for kind in ["acknowledgement", "solved"] {
        let (chosen, values) = selected(&page.text, &format!("mode.{kind}"));
        assert_eq!(chosen.as_deref(), Some("immediate"), "{kind}");
        assert_eq!(values, ["off", "immediate", "digest"], "{kind}");
    }
    assert!(!page.text.contains("mode.new_ticket"));
    let csrf = page.hidden("_csrf").unwrap();
    let r = customer
        .post(
            "/account",
            &[("_csrf", &csrf), ("form", "notifications"), ("mode.solved", "digest"), ("mode.new_ticket", "off")],
        )
        .await;
    assert_eq!(r.status, 303);
    let theirs = w.erin.get("/me/notifications").await.expect(200).body;
    assert_eq!(theirs["modes"], json!({"acknowledgement": "default", "solved": "digest"}));
    // Without the session's token nothing changes.
    let r = customer.post("/account", &[("_csrf", "forged"), ("form", "notifications"), ("mode.solved", "off")]).await;
    assert_eq!(r.status, 403);
    assert_eq!(w.erin.get("/me/notifications").await.expect(200).body["modes"]["solved"], "digest");
}

#[tokio::test]
async fn an_admin_sets_a_departments_default_modes_on_its_page() {
    let w = World::new().await;
    let me = admin_id(&w.admin).await;
    let mut b = browser_for(&w.server, &w.admin, me, "admin@localhost").await;
    let path = format!("/admin/departments/{}", w.billing);
    let page = b.get(&path).await;
    assert_eq!(page.status, 200);
    let (chosen, values) = selected(&page.text, "mode.new_ticket");
    assert_eq!((chosen.as_deref(), values.len()), (Some("default"), 4));
    assert!(!page.text.contains("mode.solved"), "customers' kinds have no department default");
    let csrf = page.hidden("_csrf").unwrap();
    let current = w.admin.get(&format!("/departments/{}", w.billing)).await.expect(200).body;
    let name = current["name"].as_str().unwrap().to_string();
    let member = w.ayse_id.to_string();
    let form = |new_ticket: &'static str| {
        vec![
            ("_csrf", csrf.clone()),
            ("name", name.clone()),
            ("auto_assign", "none".to_string()),
            ("member_ids", member.clone()),
            ("mode.new_ticket", new_ticket.to_string()),
            ("mode.sla_breached", "digest".to_string()),
        ]
    };
    let fields = form("off");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = b.post(&path, &pairs).await;
    assert_eq!((r.status, r.location()), (303, Some(format!("{path}?done=saved"))), "{}", r.text);
    let modes = w.admin.get(&format!("/departments/{}/notifications", w.billing)).await.expect(200).body;
    assert_eq!(modes["modes"]["new_ticket"], "off", "{modes}");
    assert_eq!(modes["modes"]["sla_breached"], "digest", "{modes}");
    assert_eq!(modes["modes"]["assigned"], "default", "{modes}");
    let page = b.get(&path).await;
    assert_eq!(selected(&page.text, "mode.new_ticket").0.as_deref(), Some("off"));
    // A made-up mode: a bad request, nothing saved.
    let fields = form("sometimes");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(b.post(&path, &pairs).await.status, 400);
    let after = w.admin.get(&format!("/departments/{}/notifications", w.billing)).await.expect(200).body;
    assert_eq!(after, modes);
}
