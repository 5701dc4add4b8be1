//! One cell of the matrix: a row's request sent as one person, at its
//! door, and the answer judged: which outcome it is, whether it is the one
//! the table expects, and what it must not carry.

use super::fixture::*;
use super::*;
use crate::support::links_to;
use serde_json::{Value, json};
use std::collections::HashMap;
use tessera_core::UserId;

/// A cell being prepared: its person, and the fresh things made for it.
pub(super) struct Cell<'a> {
    pub(super) fx: &'a Fixture,
    pub(super) who: Who,
    pub(super) made: HashMap<String, String>,
}

pub(super) static UNIQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl<'a> Cell<'a> {
    pub(super) fn creds(&self) -> &Creds {
        &self.fx.creds[&self.who]
    }

    /// Dave opens a new ticket in billing (fresh targets); answers (id, number).
    pub(super) async fn fresh_ticket(&self) -> (i64, String) {
        let r = self
            .fx
            .w
            .dave
            .post("/tickets", json!({"subject": "A fresh ticket", "department_id": self.fx.w.billing, "body": "fresh"}))
            .await
            .expect(201);
        (r.id(), r.body["number"].as_str().unwrap().to_string())
    }

    /// The value of `$name`.
    pub(super) async fn value(&mut self, name: &str) -> String {
        if let Some(v) = self.made.get(name) {
            return v.clone();
        }
        let fx = self.fx;
        let w = &fx.w;
        let admin = &w.admin;
        let v = match name {
            "uniq" => UNIQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed).to_string(),
            "own_name" => self.creds().name.replace(' ', "+"),
            "own_service" => match self.who {
                Who::Carol => fx.values["carol_service"].clone(),
                Who::Erin => fx.values["erin_service"].clone(),
                _ => fx.values["dave_service"].clone(),
            },
            "fresh_ticket" | "fresh_ticket2" => self.fresh_ticket().await.0.to_string(),
            "fresh_guest_ticket" => {
                let n = UNIQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                admin
                    .post(
                        "/tickets",
                        json!({"subject": "From a guest", "department_id": w.billing, "body": "by mail",
                               "requester": {"email": format!("guest{n}@example.net")}}),
                    )
                    .await
                    .expect(201)
                    .id()
                    .to_string()
            }
            "own_view" => match self.who {
                Who::Ayse => fx.values["ayse_view"].clone(),
                Who::Boris => fx.values["boris_view"].clone(),
                _ => fx.values["view"].clone(),
            },
            "fresh_number" => self.fresh_ticket().await.1,
            "fresh_solved" => {
                let (id, _) = self.fresh_ticket().await;
                w.ayse.post_empty(&format!("/tickets/{id}/solve")).await.expect(200);
                id.to_string()
            }
            "fresh_reply" => {
                let t = &fx.values["ticket"];
                w.dave.post(&format!("/tickets/{t}/replies"), json!({"body": "one more"})).await.expect(201).body
                    ["message"]["id"]
                    .to_string()
            }
            "fresh_note" => {
                let t = &fx.values["ticket"];
                w.ayse.post(&format!("/tickets/{t}/notes"), json!({"body": "a fresh note"})).await.expect(201).body
                    ["message"]["id"]
                    .to_string()
            }
            "fresh_dave_token" => {
                w.dave.post("/tokens", json!({"name": "fresh"})).await.expect(201).id().to_string()
            }
            "fresh_field" => {
                let k = format!("fresh_{}", UNIQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
                admin
                    .post("/custom-fields", json!({"key": k, "type": "text", "labels": {"en": "Fresh"}}))
                    .await
                    .expect(201)
                    .id()
                    .to_string()
            }
            "fresh_view" => admin
                .post(
                    "/views",
                    json!({"title": "Fresh shared view", "personal": false,
                           "conditions": {"all": [{"field": "status", "operator": "less_than", "value": "closed"}]}}),
                )
                .await
                .expect(201)
                .id()
                .to_string(),
            "fresh_webhook" => admin
                .post("/webhooks", json!({"url": fx.values["receiver"], "kinds": ["ticket.merged"]}))
                .await
                .expect(201)
                .id()
                .to_string(),
            "fresh_mailbox" => admin
                .post(
                    "/mailboxes",
                    json!({"department_id": fx.values["billing"].parse::<i64>().unwrap(), "address": "fresh@example.test",
                           "imap_url": "imap://127.0.0.1:1", "username": "fresh", "password": "fresh", "active": false}),
                )
                .await
                .expect(201)
                .id()
                .to_string(),
            "fresh_block" => admin
                .post("/blocked-senders", json!({"pattern": format!("fresh{}@spam.test", UNIQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed))}))
                .await
                .expect(201)
                .id()
                .to_string(),
            "fresh_hook" => admin
                .post(
                    "/hooks",
                    json!({"kind": "panel", "name": "TicketAdminAreaViewDetail", "url": fx.values["receiver"], "active": false}),
                )
                .await
                .expect(201)
                .id()
                .to_string(),
            "fresh_sla" => admin
                .post(
                    "/sla/policies",
                    json!({"name": "Fresh SLA", "schedule": {"time_zone": "UTC", "week": {"mon": [["09:00", "17:00"]]}},
                           "targets": {"normal": {"first_response_minutes": 60}}}),
                )
                .await
                .expect(201)
                .id()
                .to_string(),
            "fresh_reset_token" | "fresh_link_token" => {
                // A customer of the cell's own, so nobody's password or
                // sessions change under the other cells.
                let n = UNIQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let email = format!("access{n}@example.net");
                admin.post("/users", json!({"email": email, "name": "Access"})).await.expect(201);
                let desk = &w.server.state.desk;
                let client = format!("matrix-{n}");
                if name == "fresh_reset_token" {
                    desk.request_password_reset(&email, &client).await.unwrap();
                } else {
                    desk.request_sign_in_link(&email, &client).await.unwrap();
                }
                let link = links_to(desk, &fx.outbox, &email).await.pop().expect("a mailed link");
                link.rsplit('/').next().unwrap().to_string()
            }
            "unsubscribe_token" => {
                // Dave's one-click link for the solved notice (decision 49).
                let dave = UserId(fx.values["dave"].parse().unwrap());
                w.server.state.desk.unsubscribe_token(dave, tessera_store::OutboundKind::Solved)
            }
            "fresh_handoff_token" => {
                let n = UNIQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let email = format!("handoff{n}@example.net");
                let id = admin.post("/users", json!({"email": email, "name": "Handoff"})).await.expect(201).id();
                let url = admin.post("/sso/handoff", json!({"user_id": id})).await.expect(201).body["url"]
                    .as_str()
                    .unwrap()
                    .to_string();
                url.rsplit("/sso/").next().unwrap().to_string()
            }
            other => match fx.values.get(other) {
                Some(v) => v.clone(),
                None => panic!("the table names ${other}, which the fixture does not have"),
            },
        };
        self.made.insert(name.to_string(), v.clone());
        v
    }

    /// `text` with every `$name` replaced by its value.
    pub(super) async fn fill(&mut self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let tail = &rest[at + 1..];
            let len =
                tail.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')).unwrap_or(tail.len());
            let name = &tail[..len];
            out.push_str(&self.value(name).await);
            rest = &tail[len..];
        }
        out.push_str(rest);
        out
    }

    /// The route pattern with its `{…}` filled from `args`.
    pub(super) async fn path(&mut self, pattern: &str, args: &[&str]) -> String {
        let mut out = String::new();
        let mut rest = pattern;
        let mut args = args.iter();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').unwrap() + open;
            out.push_str(&rest[..open]);
            let arg = args.next().unwrap_or_else(|| panic!("{pattern}: an argument for each {{…}}"));
            out.push_str(&self.fill(arg).await);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// An answer, whatever the door.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) location: String,
    pub(super) text: String,
}

pub(super) async fn read(rb: reqwest::RequestBuilder, stream: bool) -> Answer {
    let r = rb.send().await.expect("request");
    let status = r.status().as_u16();
    let location = r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    // An event stream never ends: its status line is the answer.
    let text = if stream && status == 200 { String::new() } else { r.text().await.unwrap_or_default() };
    Answer { status, location, text }
}

/// The sign-in page's pre-session cookie (`name=value`) and the token its
/// forms double-submit.
async fn pre_token(fx: &Fixture, base: &str) -> (String, String) {
    let page = fx.http.get(format!("{base}/sign-in")).send().await.unwrap();
    let pre_cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tessera_pre="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .unwrap();
    let text = page.text().await.unwrap();
    let marker = "name=\"_pre\" value=\"";
    let at = text.find(marker).unwrap() + marker.len();
    let pre: String = text[at..].chars().take_while(|c| *c != '"').collect();
    (pre_cookie, pre)
}

/// Sends the row's request as the cell's person.
pub(super) async fn send(cell: &mut Cell<'_>, r: &Row) -> Answer {
    let fx = cell.fx;
    let base = fx.w.server.base.clone();
    let method = reqwest::Method::from_bytes(r.method.as_bytes()).unwrap();
    let creds = cell.creds().clone();
    // Bodies the door builds itself.
    let special = ["$upload", "$sign_in", "$fresh_session", "$bm_credentials"].contains(&r.body);
    // `$pre:` + a form: an anonymous form that double-submits the
    // pre-session token (the account-access forms).
    let pre_form = r.body.strip_prefix("$pre:");
    let body = if special { String::new() } else { cell.fill(pre_form.unwrap_or(r.body)).await };
    match r.door {
        Api => {
            let path = cell.path(r.route, r.args).await;
            let mut url = format!("{base}{path}");
            let mut rb;
            if r.method == "GET" || r.method == "DELETE" {
                if !body.is_empty() {
                    url = format!("{url}?{body}");
                }
                rb = fx.http.request(method, url);
            } else if r.body == "$upload" {
                let form = reqwest::multipart::Form::new()
                    .part("file", reqwest::multipart::Part::bytes(b"matrix".to_vec()).file_name("m.txt"));
                rb = fx.http.request(method, url).multipart(form);
            } else if body.is_empty() {
                rb = fx.http.request(method, url);
            } else {
                let v: Value = serde_json::from_str(&body)
                    .unwrap_or_else(|e| panic!("{}: body is not JSON ({e}): {body}", r.route));
                rb = fx.http.request(method, url).json(&v);
            }
            if let Some(t) = &creds.token {
                rb = rb.bearer_auth(t);
            }
            read(rb, r.route.ends_with("/events/stream")).await
        }
        Web => {
            let path = cell.path(r.route, r.args).await;
            let mut session = creds.web.clone();
            let mut pairs: Vec<(String, String)> = Vec::new();
            if r.body == "$fresh_session" {
                if cell.who != Who::Anonymous {
                    let desk = &fx.w.server.state.desk;
                    let user = fx.w.server.store.user(UserId(creds.user_id)).await.unwrap().unwrap();
                    session = Some(web_session(&fx.w, &desk.actor_for(&user).await.unwrap()).await);
                }
            } else if pre_form.is_some() {
                let (pre_cookie, pre) = pre_token(fx, &base).await;
                let mut pairs = form_urlencoded_pairs(&body);
                pairs.push(("_pre".into(), pre));
                let mut cookie = pre_cookie;
                if let Some((s, _)) = &session {
                    cookie = format!("{cookie}; tessera_session={s}");
                }
                let rb = fx.http.post(format!("{base}{path}")).header("cookie", cookie).form(&pairs);
                return read(rb, false).await;
            } else if r.body == "$sign_in" {
                // The sign-in form's pre-session token, then the person's own
                // credentials (the anonymous have none that work).
                let (pre_cookie, pre) = pre_token(fx, &base).await;
                let (email, pw) = if cell.who == Who::Anonymous {
                    ("nobody@example.com".to_string(), "not the password".to_string())
                } else {
                    (creds.email.clone(), PW.to_string())
                };
                let fields = [("_pre", pre), ("next", "/".into()), ("email", email), ("password", pw)];
                let mut cookie = pre_cookie;
                if let Some((s, _)) = &session {
                    cookie = format!("{cookie}; tessera_session={s}");
                }
                let rb = fx.http.post(format!("{base}/sign-in")).header("cookie", cookie).form(&fields);
                return read(rb, false).await;
            } else if !body.is_empty() {
                pairs = form_urlencoded_pairs(&body);
            }
            let mut url = format!("{base}{path}");
            let mut rb = if r.method == "GET" {
                if !body.is_empty() {
                    url = format!("{url}?{body}");
                }
                fx.http.get(url)
            } else {
                if let Some((_, csrf)) = &session {
                    pairs.push(("_csrf".into(), csrf.clone()));
                }
                fx.http.post(url).form(&pairs)
            };
            if let Some((s, _)) = &session {
                rb = rb.header("cookie", format!("tessera_session={s}"));
            }
            read(rb, r.route == "/agent/live").await
        }
        Wh => {
            let mut pairs = form_urlencoded_pairs(&body);
            pairs.push(("action".into(), r.route.into()));
            pairs.push(("responsetype".into(), "json".into()));
            if let Some((id, secret)) = &creds.pair {
                pairs.push(("identifier".into(), id.clone()));
                pairs.push(("secret".into(), secret.clone()));
            }
            read(fx.http.post(format!("{base}/compat/whmcs/includes/api.php")).form(&pairs), false).await
        }
        Bm => {
            let mut pairs = vec![("func".to_string(), r.route.to_string()), ("out".into(), "json".into())];
            if r.body == "$bm_credentials" {
                let (email, pw) = if cell.who == Who::Anonymous {
                    ("nobody@example.com".to_string(), "not the password".to_string())
                } else {
                    (creds.email.clone(), PW.to_string())
                };
                pairs.push(("username".into(), email));
                pairs.push(("password".into(), pw));
            } else {
                pairs.extend(form_urlencoded_pairs(&body));
                if let Some(sid) = &creds.bm_sid {
                    pairs.push(("auth".into(), sid.clone()));
                }
                if cell.who.is_staff() {
                    pairs.push(("su".into(), fx.values["dave"].clone()));
                }
            }
            let query = serde_urlencoded::to_string(&pairs).unwrap();
            read(fx.http.get(format!("{base}/compat/billmanager/billmgr?{query}")), false).await
        }
        Ha | B8 => {
            let path = dialect_path(r.door, r.route);
            let path = cell.path(&path, r.args).await;
            let mut url = format!("{base}{path}");
            let mut rb = if r.method == "GET" {
                if !body.is_empty() {
                    url = format!("{url}?{body}");
                }
                fx.http.get(url)
            } else {
                fx.http.request(method, url).form(&form_urlencoded_pairs(&body))
            };
            if let Some(t) = &creds.token {
                rb = rb.bearer_auth(t);
            }
            read(rb, false).await
        }
    }
}

pub(super) fn form_urlencoded_pairs(body: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(body).unwrap_or_else(|e| panic!("not a form ({e}): {body}"))
}

/// What an answer means at its door; `Err` describes an answer that is
/// none of the outcomes (a validation error, a 5xx…).
pub(super) fn judge(door: Door, a: &Answer) -> Result<Out, String> {
    let other = || Err(format!("HTTP {} {}", a.status, a.text.chars().take(300).collect::<String>()));
    let json: Value = serde_json::from_str(&a.text).unwrap_or(Value::Null);
    match door {
        Api => match a.status {
            200..=299 => Ok(Out::Ok),
            401 => Ok(Out::Unauth),
            403 => Ok(Out::Forbidden),
            404 if json["error"]["code"] == "not_found" && json["error"]["message"] != "route not found" => {
                Ok(Out::NotFound)
            }
            _ => other(),
        },
        Web => match a.status {
            200..=299 => Ok(Out::Ok),
            // Sign in first, then come back (`Signed` of the web crate).
            301..=303 | 307 | 308 if a.location.starts_with("/sign-in?next=") => Ok(Out::Unauth),
            // A bulk change that changed nothing: every ticket was refused.
            303 if a.location.contains("done=bulk&n=0") => Ok(Out::NotFound),
            301..=303 | 307 | 308 => Ok(Out::Ok),
            401 => Ok(Out::Unauth),
            403 if !a.text.contains("CSRF") && !a.text.to_lowercase().contains("form has expired") => {
                Ok(Out::Forbidden)
            }
            404 => Ok(Out::NotFound),
            _ => other(),
        },
        Wh => {
            let message = json["message"].as_str().unwrap_or("");
            match (a.status, json["result"].as_str()) {
                (200, Some("success")) => Ok(Out::Ok),
                (_, Some("error")) if message == "Authentication Failed" => Ok(Out::Unauth),
                (404, Some("error")) => Ok(Out::NotFound),
                (_, Some("error")) if message.to_lowercase().contains("not found") => Ok(Out::NotFound),
                (403, Some("error")) => Ok(Out::Forbidden),
                _ => other(),
            }
        }
        Bm => {
            if a.status != 200 {
                return other();
            }
            let e = &json["doc"]["error"];
            if !e.is_object() {
                return if json["doc"].is_object() { Ok(Out::Ok) } else { other() };
            }
            match (e["$type"].as_str().unwrap_or(""), e["$object"].as_str().unwrap_or("")) {
                ("auth", _) => Ok(Out::Unauth),
                ("access", _) => Ok(Out::Forbidden),
                ("missed", "elid") => Ok(Out::NotFound),
                ("unsupported", _) => Ok(Out::Unsupported),
                _ => other(),
            }
        }
        Ha => match (a.status, json["status"].as_str()) {
            (200, Some("success")) | (200, None) if json.is_object() => Ok(Out::Ok),
            (401, Some("error")) => Ok(Out::Unauth),
            (403, Some("error")) => Ok(Out::Forbidden),
            (404, Some("error")) => Ok(Out::NotFound),
            _ => other(),
        },
        B8 => match (a.status, json["error"].as_str()) {
            (200, None) if json.is_object() => Ok(Out::Ok),
            (401, Some(_)) => Ok(Out::Unauth),
            (403, Some(_)) => Ok(Out::Forbidden),
            (404, Some("not_found")) => Ok(Out::NotFound),
            _ => other(),
        },
    }
}

/// What the cell expects: the door's own refusal, else the class's. The
/// console (`/agent…`) and the settings (`/admin…`) are not for customers
/// at all: 403 for every one of their routes, whatever the id.
pub(super) fn expected(r: &Row, who: Who) -> Out {
    let i = PEOPLE.iter().position(|p| *p == who).unwrap();
    let console = r.door == Web && (r.route.starts_with("/agent") || r.route.starts_with("/admin"));
    match r.class.outcomes[i] {
        Out::Unauth => Out::Unauth,
        _ if console && who.is_customer() => Out::Forbidden,
        o => r.door.refuses(who).unwrap_or(o),
    }
}

/// Whether `got` is what `want` asks for (lists: whether the fixture
/// ticket is in the answer).
pub(super) fn matches(want: Out, got: Out, text: &str) -> bool {
    match want {
        Out::Listed => got == Out::Ok && text.contains(MARKER),
        Out::Unlisted => got == Out::Ok && !text.contains(MARKER),
        w => w == got,
    }
}

/// What no answer to `who` may carry (beyond a reveal or a guest link of
/// the row itself).
pub(super) fn leaks(fx: &Fixture, r: &Row, who: Who, text: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let works_ticket = matches!(who, Who::Ayse | Who::Admin);
    if !works_ticket && text.contains(NOTE_MARK) {
        out.push("the internal note");
    }
    let reveals = r.route.contains("reveal");
    if !(reveals && works_ticket) && text.contains(SECRET_VALUE) {
        out.push("the secret field's value");
    }
    let may_hold_key = matches!(who, Who::Dave | Who::Admin) || (r.route.contains("guest-link") && works_ticket);
    if !may_hold_key && text.contains(&fx.key) {
        out.push("the ticket's access key");
    }
    out
}
