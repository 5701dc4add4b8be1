//! The agent's ticket page: the conversation, the reply/note composer, the
//! properties panel, SLA targets, secrets, the requester's card and the
//! event timeline; and what it posts (messages, properties, actions,
//! revealing a secret, a guest link).

use super::sla::{SlaCard, sla_card};
use super::{require_agent, split_tags, staff_users};
use crate::WebState;
use crate::forms::Form;
use crate::page::{FormErrors, Page, WebError, desk_message, html_status, see_other};
use crate::peer::{Peer, origin};
use crate::session::{self, Signed, SignedIn, check_csrf};
use crate::view::choice::{Choice, choices};
use crate::view::fields::{FieldInput, field_inputs, field_values};
use crate::view::mail_out::mail_line;
use crate::view::messages::{MessageView, message_views, upload_files};
use crate::view::panels::{self, PanelHtml};
use crate::view::{Lookup, Stamp, done_notice, field_text, priority_label, service_label};
use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::Event;
use tessera_core::custom_field::{FieldType, is_empty_value};
use tessera_core::ids::{DepartmentId, ServiceId, TicketId, UserId};
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{Priority, TicketType};
use tessera_desk::{DeskError, PostMessage, TicketListQuery, TicketPatch};
use tessera_store::TicketFilter;

/// A line of the timeline.
#[derive(Debug, Clone)]
pub struct TimelineItem {
    /// What happened, in words.
    pub what: String,
    /// Who.
    pub who: String,
    /// When.
    pub at: Stamp,
    /// Field changes, as "field: old → new".
    pub changes: Vec<String>,
}

/// The requester's card.
#[derive(Debug, Clone)]
pub struct RequesterCard {
    /// Name.
    pub name: String,
    /// Address.
    pub email: String,
    /// Organization.
    pub organization: Option<String>,
    /// Other tickets: id, number, subject, status label, category.
    pub tickets: Vec<(i64, String, String, String, &'static str)>,
    /// Services.
    pub services: Vec<String>,
}

/// A secret field on the panel.
#[derive(Debug, Clone)]
pub struct SecretField {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// A value is set.
    pub set: bool,
    /// The value, once revealed in this answer.
    pub revealed: Option<String>,
}

#[derive(Template)]
#[template(path = "agent_ticket.html")]
struct TicketPage {
    page: Page,
    t: AgentTicket,
    messages: Vec<MessageView>,
    timeline: Vec<TimelineItem>,
    requester: RequesterCard,
    fields: Vec<FieldInput>,
    secrets: Vec<SecretField>,
    statuses: Vec<Choice>,
    reply_statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    types: Vec<Choice>,
    departments: Vec<Choice>,
    agents: Vec<Choice>,
    flag_agents: Vec<Choice>,
    services: Vec<Choice>,
    viewers: Vec<String>,
    errors: FormErrors,
    notice: Option<String>,
    body: String,
    kind: String,
    max_files: usize,
    panels_detail: Vec<PanelHtml>,
    panels_sidebar: Vec<PanelHtml>,
    sla: Option<SlaCard>,
}

/// The ticket as the agent page shows it.
#[derive(Debug, Clone)]
pub struct AgentTicket {
    /// Id.
    pub id: i64,
    /// Number.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Status label.
    pub status: String,
    /// Status category.
    pub category: &'static str,
    /// Version (for optimistic concurrency).
    pub version: i64,
    /// Locked.
    pub locked: bool,
    /// Solved.
    pub solved: bool,
    /// Closed.
    pub closed: bool,
    /// Tags, comma-separated.
    pub tags: String,
    /// Due date `YYYY-MM-DD`.
    pub due: String,
    /// Queue boost.
    pub boosted: bool,
    /// Waiting time.
    pub wait: String,
    /// The access-key link for the requester.
    pub guest_link: Option<String>,
    /// Merged into.
    pub merged_into: Option<String>,
    /// Follow-up of.
    pub follow_up_of: Option<String>,
    /// Opened.
    pub created: Stamp,
    /// Source.
    pub source: String,
}

/// `?done=` after an action.
#[derive(Debug, Default, Deserialize)]
pub struct TicketQuery {
    done: Option<String>,
}

struct Extra {
    /// Overrides the answer's status.
    status: Option<StatusCode>,
    errors: FormErrors,
    notice: Option<String>,
    body: String,
    kind: String,
    revealed: Option<(String, Option<String>)>,
    /// The guest link the agent asked for.
    guest_link: Option<String>,
    patch_form: Option<Form>,
}

impl Default for Extra {
    fn default() -> Self {
        Self {
            status: None,
            errors: FormErrors::default(),
            notice: None,
            body: String::new(),
            kind: "reply".into(),
            revealed: None,
            guest_link: None,
            patch_form: None,
        }
    }
}

fn event_changes(i: &crate::i18n::I18n, l: &Lookup, e: &Event) -> Vec<String> {
    e.changes
        .iter()
        .map(|(field, c)| {
            let show = |v: &Value| -> String {
                match (field.as_str(), v) {
                    (_, Value::Null) => "—".to_string(),
                    ("status", Value::String(s)) => l.status(i, s),
                    ("priority", Value::String(p)) => {
                        Priority::parse(p).map_or_else(|| p.clone(), |p| priority_label(i, p))
                    }
                    ("assignee_id" | "flagged_id", Value::Number(n)) => {
                        n.as_i64().map_or_else(String::new, |id| l.user(UserId(id)))
                    }
                    ("department_id", Value::Number(n)) => {
                        n.as_i64().map_or_else(String::new, |id| l.department(DepartmentId(id)))
                    }
                    (_, Value::String(s)) => s.clone(),
                    (_, Value::Array(a)) => a
                        .iter()
                        .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                        .collect::<Vec<_>>()
                        .join(", "),
                    (_, other) => other.to_string(),
                }
            };
            let label_key = format!("field.{}", field.trim_start_matches("custom_fields."));
            let label = if field.starts_with("custom_fields.") {
                l.field_label(i, field.trim_start_matches("custom_fields."))
            } else {
                let t = i.t(&label_key);
                if t == label_key { field.clone() } else { t.to_string() }
            };
            format!("{label}: {} → {}", show(&c.old), show(&c.new))
        })
        .collect()
}

async fn render_ticket(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    id: TicketId,
    extra: Extra,
) -> Result<Response, WebError> {
    let page = Page::new(state, headers, Some(s), "agent", &format!("/agent/tickets/{}", id));
    let i = page.i;
    let detail = state.desk.ticket_detail(&s.actor, id, false).await?;
    let tk = &detail.ticket;
    let (panels_detail, panels_sidebar) = {
        let ctx = panels::ticket_context(state, s, tk).await;
        let key = format!("{}:{}:{}", tk.id, tk.version, s.user.id);
        futures_util::future::join(
            panels::fetch(state, "TicketAdminAreaViewDetail", ctx.clone(), &key),
            panels::fetch(state, "TicketAdminAreaViewDetailSidebar", ctx, &key),
        )
        .await
    };
    let mut l = Lookup::load(&state.desk, &s.actor).await?;
    let events = state.desk.events(&s.actor, id).await?;
    let mut ids: Vec<UserId> = events.iter().filter_map(|e| e.actor_id).collect();
    ids.extend([Some(tk.requester_id), tk.assignee_id, tk.flagged_id].into_iter().flatten());
    for e in &events {
        for (field, c) in &e.changes {
            if field == "assignee_id" || field == "flagged_id" {
                ids.extend([&c.old, &c.new].into_iter().filter_map(Value::as_i64).map(UserId));
            }
        }
    }
    ids.sort();
    ids.dedup();
    l.users(&state.desk, &ids).await?;
    let mut messages = message_views(state, &s.actor, &detail.messages).await?;
    // How mail found the ticket, beside each message that came by e-mail.
    let mail = state.desk.mail_of_ticket(&s.actor, tk.id).await?;
    for (message, rule) in &mail.matched {
        if let Some(v) = messages.iter_mut().find(|v| v.id == message.0) {
            v.matched_by = i.t(&format!("ticket.mail_matched.{rule}")).to_string();
        }
    }
    // The mail sent for each message, one line per recipient's copy; the
    // copies of no message (acknowledgements, "solved") go in the timeline.
    let mut unattached = Vec::new();
    for d in state.desk.mail_out_of_ticket(&s.actor, tk.id).await? {
        let line = mail_line(&i, &d);
        match d.message_ref.and_then(|m| messages.iter_mut().find(|v| v.id == m.0)) {
            Some(v) => v.mail_out.push(line),
            None => unattached.push((d.updated_at, line)),
        }
    }
    let now = state.desk.now();
    let mut dated: Vec<(tessera_core::Timestamp, TimelineItem)> = events
        .iter()
        .rev()
        .map(|e| {
            let item = TimelineItem {
                what: i.t(&format!("event.{}", e.kind.as_str())).to_string(),
                who: e.actor_id.map_or_else(|| i.t("event.system").to_string(), |a| l.user(a)),
                at: Stamp::of(e.created_at),
                changes: event_changes(&i, &l, e),
            };
            (e.created_at, item)
        })
        .collect();
    // Machine-made mail about the ticket (out-of-office answers, bounces):
    // small entries, so the agents know without the ticket moving.
    for m in mail.automatic {
        let item = TimelineItem {
            what: i.t("event.mail_automatic").to_string(),
            who: i.t("event.system").to_string(),
            at: Stamp::of(m.received_at),
            changes: m.reason.into_iter().collect(),
        };
        dated.push((m.received_at, item));
    }
    for (at, line) in unattached {
        let mut changes = vec![line.text];
        changes.extend(line.answer);
        let item = TimelineItem {
            what: i.t1("mailout.timeline", line.kind),
            who: i.t("event.system").to_string(),
            at: Stamp::of(at),
            changes,
        };
        dated.push((at, item));
    }
    // Newest first; a stable sort keeps events of one instant newest first.
    dated.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    let timeline = dated.into_iter().map(|(_, item)| item).collect();
    // The requester's card.
    let requester_user = l.users.get(&tk.requester_id).cloned();
    let organization = match requester_user.as_ref().and_then(|u| u.organization_id) {
        Some(o) => state.desk.organization(&s.actor, o).await.ok().map(|o| o.name),
        None => None,
    };
    let others = state
        .desk
        .list_tickets(
            &s.actor,
            TicketListQuery {
                filter: TicketFilter { requester_id: Some(tk.requester_id), ..TicketFilter::default() },
                limit: Some(11),
                ..TicketListQuery::default()
            },
        )
        .await?;
    let req_services = state.desk.list_services(&s.actor, Some(tk.requester_id)).await?;
    let requester = RequesterCard {
        name: requester_user.as_ref().map_or_else(String::new, |u| u.name.clone()),
        email: requester_user.as_ref().map_or_else(String::new, |u| u.email.to_string()),
        organization,
        tickets: others
            .tickets
            .iter()
            .filter(|o| o.id != tk.id)
            .take(10)
            .map(|o| {
                (
                    o.id.0,
                    o.number.clone(),
                    o.subject.clone(),
                    l.status(&i, o.status.as_str()),
                    o.status_category.as_str(),
                )
            })
            .collect(),
        services: req_services.iter().map(service_label).collect(),
    };
    // The properties panel, with the submitted values after a refused change.
    let pf = extra.patch_form.as_ref();
    let pick = |name: &str, current: String| pf.and_then(|f| f.get(name)).map_or(current, str::to_string);
    let defs = state.desk.custom_fields(&s.actor).await?;
    let mut raw: BTreeMap<String, Vec<String>> = match pf {
        Some(f) => f.prefixed("cf."),
        None => tk
            .custom_fields
            .iter()
            .map(|(k, v)| {
                let vals = match v {
                    Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
                    Value::Bool(true) => vec!["on".to_string()],
                    Value::Bool(false) => vec![],
                    other => vec![field_text(&i, None, other)],
                };
                (k.clone(), vals)
            })
            .collect(),
    };
    // Secrets are never put into a form.
    let secret_keys: Vec<&str> =
        defs.iter().filter(|d| d.field_type == FieldType::Secret).map(|d| d.key.as_str()).collect();
    raw.retain(|k, _| !secret_keys.contains(&k.as_str()));
    // "Required" is required when a ticket is opened (the desk's rule): on
    // this ticket only a value it has may not be emptied, so a field added
    // later is no obstacle to saving the panel.
    let fields: Vec<FieldInput> = field_inputs(&i, &defs, tk.department_id, true, &raw, &extra.errors)
        .into_iter()
        .filter(|f| f.kind != "secret")
        .map(|mut f| {
            f.required &= tk.custom_fields.get(&f.key).is_some_and(|v| !is_empty_value(v) && *v != Value::Bool(false));
            f
        })
        .collect();
    let secrets = defs
        .iter()
        .filter(|d| d.field_type == FieldType::Secret && d.applies_to(tk.department_id))
        .map(|d| SecretField {
            key: d.key.clone(),
            label: crate::view::field_label(&i, d),
            set: tk.custom_fields.contains_key(&d.key),
            revealed: extra.revealed.as_ref().filter(|(k, _)| *k == d.key).and_then(|(_, v)| v.clone()),
        })
        .collect();
    let statuses = state.desk.statuses().await?;
    let agents = staff_users(state, &s.actor, i.lang).await?;
    let agent_items = || agents.iter().map(|u| (u.id.to_string(), u.name.clone())).collect::<Vec<_>>();
    let opt = |v: Option<i64>| v.map_or_else(String::new, |x| x.to_string());
    let mut assignee_items = vec![(String::new(), i.t("ticket.unassigned").to_string())];
    assignee_items.extend(agent_items());
    let mut flag_items = vec![(String::new(), i.t("ticket.not_flagged").to_string())];
    flag_items.extend(agent_items());
    let mut type_items = vec![(String::new(), "—".to_string())];
    type_items.extend(
        TicketType::ALL.iter().map(|t| (t.as_str().to_string(), i.t(&format!("type.{}", t.as_str())).to_string())),
    );
    let mut service_items = vec![(String::new(), i.t("new.no_service").to_string())];
    service_items.extend(req_services.iter().map(|sv| (sv.id.to_string(), service_label(sv))));
    let mut reply_status_items = vec![(String::new(), i.t("ticket.status_default").to_string())];
    reply_status_items.extend(
        statuses
            .iter()
            .filter(|st| st.category != StatusCategory::New)
            .map(|st| (st.key.to_string(), l.status(&i, st.key.as_str()))),
    );
    let merged_into = match tk.merged_into_id {
        Some(m) => state.desk.ticket_number(&s.actor, m).await?,
        None => None,
    };
    let follow_up_of = match tk.follow_up_of_id {
        Some(m) => state.desk.ticket_number(&s.actor, m).await?,
        None => None,
    };
    let sla = sla_card(&i, state.desk.sla_of(&s.actor, &[tk]).await?.pop().flatten(), now);
    let viewers = state.live.viewers(tk.id, now).into_iter().filter(|v| v.id != s.user.id).map(|v| v.name).collect();
    let t = AgentTicket {
        id: tk.id.0,
        number: tk.number.clone(),
        subject: tk.subject.clone(),
        status: l.status(&i, tk.status.as_str()),
        category: tk.status_category.as_str(),
        version: tk.version,
        locked: pf.map_or(tk.locked, |f| f.checked("locked")),
        solved: tk.status_category == StatusCategory::Solved,
        closed: tk.status_category == StatusCategory::Closed,
        tags: pick("tags", tk.tags.join(", ")),
        due: pick("due", tk.due_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()),
        boosted: pf.map_or(tk.queue_boost, |f| f.checked("queue_boost")),
        wait: tk.wait_seconds(now).map(|w| i.duration(w)).unwrap_or_default(),
        guest_link: extra.guest_link.clone(),
        merged_into,
        follow_up_of,
        created: Stamp::of(tk.created_at),
        source: i.t(&format!("source.{}", tk.source.as_str())).to_string(),
    };
    let status = extra.status.unwrap_or(extra.errors.status());
    let max_files = state.desk.limits().max_attachments_per_message;
    html_status(
        status,
        &TicketPage {
            statuses: choices(
                statuses
                    .iter()
                    .filter(|st| st.category != StatusCategory::New || st.key == tk.status)
                    .map(|st| (st.key.to_string(), l.status(&i, st.key.as_str()))),
                &pick("status", tk.status.to_string()),
            ),
            reply_statuses: choices(reply_status_items, ""),
            priorities: choices(
                Priority::ALL.iter().map(|p| (p.as_str().to_string(), priority_label(&i, *p))),
                &pick("priority", tk.priority.as_str().to_string()),
            ),
            types: choices(
                type_items,
                &pick("type", tk.ticket_type.map_or_else(String::new, |t| t.as_str().to_string())),
            ),
            departments: choices(
                l.departments_by_name(&i).into_iter().map(|d| (d.id.to_string(), d.name.clone())),
                &pick("department_id", tk.department_id.to_string()),
            ),
            agents: choices(assignee_items, &pick("assignee_id", opt(tk.assignee_id.map(|a| a.0)))),
            flag_agents: choices(flag_items, &pick("flagged_id", opt(tk.flagged_id.map(|a| a.0)))),
            services: choices(service_items, &pick("service_id", opt(tk.service_id.map(|a| a.0)))),
            t,
            messages,
            timeline,
            requester,
            fields,
            secrets,
            viewers,
            errors: extra.errors,
            notice: extra.notice,
            body: extra.body,
            kind: extra.kind,
            max_files,
            panels_detail,
            panels_sidebar,
            sla,
            page,
        },
    )
}

/// The ticket page.
pub async fn ticket(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<TicketQuery>,
) -> Result<Response, WebError> {
    require_agent(&s)?;
    let i = session::i18n_for(&headers, Some(&s));
    // Opened here: where the ticket went (issue 18, item 13).
    let created = match q.done.as_deref() {
        Some("created") => Some(crate::agent::new::created_notice(&state, &s, &i, TicketId(id)).await),
        _ => None,
    };
    let notice = done_notice(&i, q.done.as_deref()).or_else(|| match q.done.as_deref() {
        Some("saved") => Some(i.t("done.saved").to_string()),
        Some("merged") => Some(i.t("done.merged").to_string()),
        Some("created") => created,
        _ => None,
    });
    let _ = state.desk.mark_read(&s.actor, TicketId(id)).await;
    render_ticket(&state, &headers, &s, TicketId(id), Extra { notice, ..Extra::default() }).await
}

/// Sends a reply or a note.
pub async fn message(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    peer: Peer,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let i = session::i18n_for(&headers, Some(&s));
    let kind = if form.get("kind") == Some("note") { "note" } else { "reply" };
    let mut errors = FormErrors::default();
    let attachment_ids = upload_files(&state, &s.actor, &i, &form.files, &mut errors).await;
    let body = form.get("body").unwrap_or_default().to_string();
    if !errors.any() {
        let input = PostMessage {
            body: body.clone(),
            attachment_ids,
            status: form.text("status").map(|k| StatusKey::new(&k)),
            ..PostMessage::default()
        };
        let result = if kind == "note" {
            state.desk.note(&s.actor, TicketId(id), input, &origin(&peer)).await
        } else {
            state.desk.reply(&s.actor, TicketId(id), input, &origin(&peer)).await
        };
        match result {
            Ok(p) if p.follow_up => return Ok(see_other(&format!("/agent/tickets/{}?done=follow_up", p.ticket.id))),
            Ok(_) => {
                return Ok(see_other(&format!(
                    "/agent/tickets/{id}?done={}#latest",
                    if kind == "note" { "noted" } else { "replied" }
                )));
            }
            Err(e) => errors = FormErrors::from_desk(&i, &e),
        }
    }
    let extra = Extra { errors, body, kind: kind.into(), ..Extra::default() };
    render_ticket(&state, &headers, &s, TicketId(id), extra).await
}

/// Saves the properties panel (only if nobody changed the ticket meanwhile).
pub async fn properties(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let i = session::i18n_for(&headers, Some(&s));
    let mut errors = FormErrors::default();
    let defs = state.desk.custom_fields(&s.actor).await?;
    let current = state.desk.ticket(&s.actor, TicketId(id)).await?;
    // Fields of the ticket's department the form shows (unticked boxes and
    // emptied fields are absent from the form: they become "no value").
    let mut raw = form.prefixed("cf.");
    for d in defs.iter().filter(|d| d.applies_to(current.department_id) && d.field_type != FieldType::Secret) {
        raw.entry(d.key.clone()).or_default();
    }
    let mut custom_fields = field_values(&i, &defs, &raw, &mut errors);
    for d in defs.iter().filter(|d| d.applies_to(current.department_id) && d.field_type != FieldType::Secret) {
        custom_fields.entry(d.key.clone()).or_insert(Value::Null);
    }
    for (key, value) in form.prefixed("secret.") {
        if let Some(v) = value.first().filter(|v| !v.is_empty()) {
            custom_fields.insert(key, Value::String(v.clone()));
        }
    }
    let id_or_none =
        |name: &str| -> Option<Option<i64>> { form.get(name).map(|v| v.trim().parse::<i64>().ok().filter(|n| *n > 0)) };
    let due = match form.get("due").map(str::trim) {
        None => None,
        Some("") => Some(None),
        Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(date) => Some(date.and_hms_opt(23, 59, 0).map(|dt| dt.and_utc())),
            Err(_) => {
                errors.add("due_at", i.t("err.invalid_date").replace("{0}", i.t("field.due_at")));
                None
            }
        },
    };
    let patch = TicketPatch {
        version: form.get("version").and_then(|v| v.parse().ok()),
        status: form.text("status").map(|k| StatusKey::new(&k)),
        priority: form.get("priority").and_then(Priority::parse),
        ticket_type: form.get("type").map(TicketType::parse),
        department_id: form.id("department_id").map(DepartmentId),
        assignee_id: id_or_none("assignee_id").map(|o| o.map(UserId)),
        tags: form.get("tags").map(split_tags),
        service_id: id_or_none("service_id").map(|o| o.map(ServiceId)),
        locked: Some(form.checked("locked")),
        flagged_id: id_or_none("flagged_id").map(|o| o.map(UserId)),
        queue_boost: Some(form.checked("queue_boost")),
        custom_fields: Some(custom_fields),
        due_at: due,
        ..TicketPatch::default()
    };
    if !errors.any() {
        match state.desk.update_ticket(&s.actor, TicketId(id), patch, None).await {
            Ok(_) => return Ok(see_other(&format!("/agent/tickets/{id}?done=saved"))),
            Err(DeskError::VersionMismatch { .. }) => {
                errors.add("_", i.t("ticket.changed_meanwhile").to_string());
                let extra = Extra { status: Some(StatusCode::CONFLICT), errors, ..Extra::default() };
                return render_ticket(&state, &headers, &s, TicketId(id), extra).await;
            }
            Err(e) => {
                let (field, message) = desk_message(&i, &e);
                errors.add(&field, message);
            }
        }
    }
    let extra = Extra { errors, patch_form: Some(form), ..Extra::default() };
    render_ticket(&state, &headers, &s, TicketId(id), extra).await
}

/// Solve, close, reopen, delete or merge.
pub async fn action(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let i = session::i18n_for(&headers, Some(&s));
    let tid = TicketId(id);
    let what = form.get("do").unwrap_or_default().to_string();
    let result: Result<(), DeskError> = match what.as_str() {
        "solve" => state.desk.solve(&s.actor, tid, None).await.map(|_| ()),
        "close" => state.desk.close(&s.actor, tid, None).await.map(|_| ()),
        "reopen" => state.desk.reopen(&s.actor, tid, None).await.map(|_| ()),
        "delete" => match state.desk.delete_ticket(&s.actor, tid).await {
            Ok(()) => return Ok(see_other("/agent")),
            Err(e) => Err(e),
        },
        "merge" => {
            let mut sources = Vec::new();
            let mut missing = None;
            for n in form
                .get("numbers")
                .unwrap_or_default()
                .split([',', ' '])
                .map(|n| n.trim().trim_start_matches('#'))
                .filter(|n| !n.is_empty())
            {
                match state.desk.ticket_by_number(&s.actor, n).await {
                    Ok(t) => sources.push(t.id),
                    Err(DeskError::NotFound { .. }) => missing = Some(n.to_string()),
                    Err(e) => return Err(e.into()),
                }
            }
            match missing {
                Some(n) => Err(DeskError::invalid("source_ids", "unknown_ticket", format!("no ticket {n}"))),
                None => state.desk.merge(&s.actor, tid, &sources).await.map(|_| ()),
            }
        }
        _ => return Err(WebError::BadRequest("unknown action".into())),
    };
    match result {
        Ok(()) => {
            let done = match what.as_str() {
                "merge" => "merged",
                other => other,
            };
            Ok(see_other(&format!("/agent/tickets/{id}?done={done}")))
        }
        Err(e) => {
            render_ticket(
                &state,
                &headers,
                &s,
                tid,
                Extra { errors: FormErrors::from_desk(&i, &e), ..Extra::default() },
            )
            .await
        }
    }
}

/// Reveals a secret field (recorded as an event): JSON for the script, the
/// page with the value for browsers without it.
pub async fn reveal(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let key = form.get("key").unwrap_or_default().to_string();
    let value = state.desk.reveal_secret(&s.actor, TicketId(id), &key).await?;
    let wants_json =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    if wants_json {
        return Ok(Json(json!({"key": key, "value": value})).into_response());
    }
    render_ticket(&state, &headers, &s, TicketId(id), Extra { revealed: Some((key, value)), ..Extra::default() }).await
}

/// Shows the ticket's guest link (asked for, and recorded, one at a time:
/// whoever holds it acts as the requester on this ticket).
pub async fn guest_link(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let path = state.desk.guest_link(&s.actor, TicketId(id)).await?;
    let link = match &state.public_url {
        Some(base) => format!("{}{path}", base.trim_end_matches('/')),
        None => path,
    };
    render_ticket(&state, &headers, &s, TicketId(id), Extra { guest_link: Some(link), ..Extra::default() }).await
}
