//! The matrix's world: seven people with their credentials at every door,
//! and the fixture ticket (with an internal note, a secret field and an
//! access key) whose leaks every answer is checked for.

use super::*;
use crate::support::*;
use serde_json::json;
use std::collections::HashMap;
use tessera_core::UserId;

pub(super) const PW: &str = "a long matrix password";
pub(super) const MARKER: &str = "Matrixfixture";
pub(super) const NOTE_MARK: &str = "NOTEzq7internal";
pub(super) const SECRET_VALUE: &str = "SECRETzq7hunter2";
pub(super) const SECRET_KEY: &str = "matrix_root_password";

/// One person's credentials at every door.
#[derive(Clone, Default)]
pub(super) struct Creds {
    pub(super) user_id: i64,
    pub(super) email: String,
    pub(super) name: String,
    /// Bearer token.
    pub(super) token: Option<String>,
    /// Identifier and secret.
    pub(super) pair: Option<(String, String)>,
    /// Web session cookie value and its CSRF token.
    pub(super) web: Option<(String, String)>,
    /// BILLmanager session.
    pub(super) bm_sid: Option<String>,
}

pub(super) struct Fixture {
    pub(super) w: World,
    pub(super) creds: HashMap<Who, Creds>,
    /// Named values for `$name`.
    pub(super) values: HashMap<&'static str, String>,
    pub(super) key: String,
    pub(super) receiver: Receiver,
    pub(super) http: reqwest::Client,
    /// The account mail the server would have sent (reset and sign-in links).
    pub(super) outbox: Outbox,
}

impl Fixture {
    pub(super) async fn new() -> Self {
        let receiver = Receiver::start().await;
        let outbox = Outbox::default();
        let mail = account_mail(&outbox);
        let w = World::with(|c| {
            mail(c);
            all_compat(c);
            loopback_hooks(c);
            // `mail` set `public_url`: where a mailbox's OAuth2 provider
            // sends an admin back, and the host of account links.
        })
        .await;
        let desk = w.server.state.desk.clone();
        let store = w.server.store.clone();
        let admin_user = store.user_by_email("admin@localhost").await.unwrap().unwrap();
        let people = [
            (Who::Dave, w.dave_id),
            (Who::Erin, w.erin_id),
            (Who::Carol, w.carol_id),
            (Who::Ayse, w.ayse_id),
            (Who::Boris, w.boris_id),
            (Who::Admin, admin_user.id.0),
        ];
        let mut creds = HashMap::new();
        creds.insert(Who::Anonymous, Creds::default());
        for (who, id) in people {
            desk.set_password_unchecked(UserId(id), PW).await.unwrap();
            let user = store.user(UserId(id)).await.unwrap().unwrap();
            let t = desk.issue_token(user.id, "matrix").await.unwrap();
            let actor = desk.actor_for(&user).await.unwrap();
            let web = web_session(&w, &actor).await;
            let sid = desk.start_session(&actor, tessera_desk::SessionKind::Api).await.unwrap().secret;
            creds.insert(
                who,
                Creds {
                    user_id: id,
                    email: user.email.to_string(),
                    name: user.name.clone(),
                    token: Some(t.token.clone()),
                    pair: Some((t.record.identifier.clone(), t.secret.clone())),
                    web: Some(web),
                    bm_sid: Some(sid),
                },
            );
        }

        // The ticket: Dave's, in billing, with a file, an agent's reply, a
        // note, Dave's reply and a secret field.
        let admin = &w.admin;
        admin
            .post(
                "/custom-fields",
                json!({"key": SECRET_KEY, "type": "secret", "labels": {"en": "Root password"},
                       "customer_editable": true, "department_ids": [w.billing]}),
            )
            .await
            .expect(201);
        let field = admin
            .post("/custom-fields", json!({"key": "matrix_server_ip", "type": "text", "labels": {"en": "Server IP"}}))
            .await
            .expect(201)
            .id();
        let up = w.dave.upload(&[("boot.log", b"kernel: matrix")]).await.expect(201);
        let attachment = up.body["attachments"][0]["id"].as_i64().unwrap();
        let opened = w
            .dave
            .post(
                "/tickets",
                json!({"subject": format!("{MARKER} invoice"), "department_id": w.billing,
                       "body": format!("{MARKER}: my invoice is wrong"), "attachment_ids": [attachment]}),
            )
            .await
            .expect(201);
        let ticket = opened.id();
        let number = opened.body["number"].as_str().unwrap().to_string();
        let key = opened.body["access_key"].as_str().unwrap().to_string();
        let msg = |r: Resp| r.expect(201).body["message"]["id"].as_i64().unwrap();
        let agent_reply =
            msg(w.ayse.post(&format!("/tickets/{ticket}/replies"), json!({"body": "We are on it."})).await);
        let note = msg(w
            .ayse
            .post(&format!("/tickets/{ticket}/notes"), json!({"body": format!("{NOTE_MARK} he owes us")}))
            .await);
        let dave_reply = msg(w.dave.post(&format!("/tickets/{ticket}/replies"), json!({"body": "Thanks!"})).await);
        w.ayse
            .patch(&format!("/tickets/{ticket}"), json!({"custom_fields": {SECRET_KEY: SECRET_VALUE}}))
            .await
            .expect(200);

        // Everything else a route needs.
        let service = |owner: i64, ext: &str| {
            let admin = admin.clone();
            let ext = ext.to_string();
            async move {
                admin
                    .post(
                        "/services",
                        json!({"kind": "service", "external_id": ext, "label": "VPS", "owner_id": owner}),
                    )
                    .await
                    .expect(201)
                    .id()
            }
        };
        let dave_service = service(w.dave_id, "dave-1").await;
        let carol_service = service(w.carol_id, "carol-1").await;
        let erin_service = service(w.erin_id, "erin-1").await;
        let view = admin
            .post(
                "/views",
                json!({"title": "Shared by the matrix", "personal": false,
                       "conditions": {"all": [{"field": "status", "operator": "less_than", "value": "closed"}]}}),
            )
            .await
            .expect(201)
            .id();
        let personal = |api: crate::support::Api| async move {
            api.post(
                "/views",
                json!({"title": "Mine", "conditions": {"all": [{"field": "status", "operator": "less_than", "value": "closed"}]}}),
            )
            .await
            .expect(201)
            .id()
        };
        let ayse_view = personal(w.ayse.clone()).await;
        let boris_view = personal(w.boris.clone()).await;
        let hook_url = receiver.url("/hook");
        let webhook =
            admin.post("/webhooks", json!({"url": hook_url, "kinds": ["ticket.merged"]})).await.expect(201).id();
        admin.post_empty(&format!("/webhooks/{webhook}/test")).await.expect(202);
        let delivery =
            admin.get(&format!("/webhooks/{webhook}/deliveries")).await.expect(200).body["deliveries"][0]["id"]
                .as_i64()
                .unwrap_or_else(|| panic!("a delivery"));
        let hook = admin
            .post(
                "/hooks",
                json!({"kind": "panel", "name": "TicketAdminAreaViewDetail", "url": hook_url, "active": false}),
            )
            .await
            .expect(201)
            .id();
        let sla = admin
            .post(
                "/sla/policies",
                json!({"name": "Office hours", "schedule": {"time_zone": "UTC", "week": {"mon": [["09:00", "17:00"]]}},
                       "targets": {"normal": {"first_response_minutes": 60}}}),
            )
            .await
            .expect(201)
            .id();
        let mailbox = admin
            .post(
                "/mailboxes",
                json!({"department_id": w.billing, "address": "matrix@example.test", "imap_url": "imap://127.0.0.1:1",
                       "username": "matrix", "password": "matrix", "active": false}),
            )
            .await
            .expect(201)
            .id();
        // An OAuth2 mailbox an admin can press "Authorise" on (never read:
        // inactive, and the provider is never called by the matrix).
        let oauth_mailbox = admin
            .post(
                "/mailboxes",
                json!({"department_id": w.billing, "address": "oauth@example.test", "imap_url": "imaps://imap.gmail.com",
                       "username": "oauth@example.test", "oauth2_provider": "google", "oauth2_client_id": "matrix",
                       "active": false}),
            )
            .await
            .expect(201)
            .id();
        let inbound =
            admin.post_raw("/mail/inbound", "message/rfc822", b"not a message".to_vec()).await.expect(202).id();
        let page = reqwest::get(format!("{}/sign-in", w.server.base)).await.unwrap().text().await.unwrap();
        let at = page.find("/static/").expect("a static file on the sign-in page") + "/static/".len();
        let rest: String = page[at..].chars().take_while(|c| *c != '"').collect();
        let (static_hash, static_name) = rest.split_once('/').unwrap();

        let mut values: HashMap<&'static str, String> = HashMap::new();
        for (k, v) in [
            ("ticket", ticket.to_string()),
            ("number", number),
            ("key", key.clone()),
            ("agent_reply", agent_reply.to_string()),
            ("dave_reply", dave_reply.to_string()),
            ("note", note.to_string()),
            ("attachment", attachment.to_string()),
            ("secret_key", SECRET_KEY.to_string()),
            ("field", field.to_string()),
            ("billing", w.billing.to_string()),
            ("acme", w.acme.to_string()),
            ("dave", w.dave_id.to_string()),
            ("ayse", w.ayse_id.to_string()),
            ("dave_service", dave_service.to_string()),
            ("carol_service", carol_service.to_string()),
            ("erin_service", erin_service.to_string()),
            ("view", view.to_string()),
            ("ayse_view", ayse_view.to_string()),
            ("boris_view", boris_view.to_string()),
            ("webhook", webhook.to_string()),
            ("delivery", delivery.to_string()),
            ("hook", hook.to_string()),
            ("sla", sla.to_string()),
            ("inbound", inbound.to_string()),
            ("mailbox", mailbox.to_string()),
            ("oauth_mailbox", oauth_mailbox.to_string()),
            ("receiver", hook_url),
            ("marker", MARKER.to_string()),
            ("static_hash", static_hash.to_string()),
            ("static_name", static_name.to_string()),
        ] {
            values.insert(k, v);
        }
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap();
        Self { w, creds, values, key, receiver, http, outbox }
    }
}

/// A web session for `actor`, started as the sign-in form starts one:
/// (cookie value, CSRF token).
pub(super) async fn web_session(w: &World, actor: &tessera_core::Actor) -> (String, String) {
    let started = w.server.state.desk.start_session(actor, tessera_desk::SessionKind::Browser).await.unwrap();
    (started.secret, started.session.record.csrf_token)
}
