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
use tessera_core::custom_field::{CustomFieldDef, FieldType, is_empty_value};
use tessera_core::ids::{DepartmentId, ServiceId, TicketId, UserId};
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{Priority, TicketType};
use tessera_core::{Event, Ticket};
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

/// A clash found when saving the properties panel over a colleague's
/// change: the fields both changed, to different values.
#[derive(Debug, Clone, Default)]
struct Clash {
    /// The version the agent's form was made from.
    since: i64,
    /// Input name, the colleague's value, the agent's value.
    rows: Vec<(String, Vec<String>, Vec<String>)>,
}

/// A clashing field as the panel shows it.
#[derive(Debug, Clone)]
pub struct ClashRow {
    /// The input's name.
    pub name: String,
    /// The field's label.
    pub label: String,
    /// The colleague's value, in words.
    pub theirs: String,
    /// The agent's value, in words.
    pub mine: String,
}

/// The clashes of a properties save: who changed the ticket meanwhile, and
/// the fields whose values differ.
#[derive(Debug, Clone)]
pub struct ClashView {
    /// "Olga changed this ticket while you were editing it…"
    pub intro: String,
    /// The fields.
    pub rows: Vec<ClashRow>,
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
    /// The ticket's last public message when the page was made: the
    /// composer sends it back as `if_last_message_id` (issue 18).
    last_message_id: i64,
    /// A message refused because replies arrived after this id: the
    /// composer shows them and asks (send anyway / edit); 0 when not.
    collision_after: i64,
    /// The user's saved draft, for the script to compare with the
    /// browser's copy (RFC 3339 time; empty when none).
    draft_at: String,
    /// The panel's values as sent untouched (JSON), for conflicts.
    base: String,
    /// Fields that clash with a colleague's change.
    clash: Option<ClashView>,
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
    /// The composer's message was refused: replies arrived after this id.
    collision_after: Option<i64>,
    /// The properties panel clashed with a colleague's change.
    clash: Option<Clash>,
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
            collision_after: None,
            clash: None,
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

/// A ticket's custom field values as the properties panel shows them (by
/// key; a multiselect's values, `on` for a ticked box).
fn field_raw(i: &crate::i18n::I18n, tk: &Ticket) -> BTreeMap<String, Vec<String>> {
    tk.custom_fields
        .iter()
        .map(|(k, v)| {
            let vals = match v {
                Value::Array(a) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
                Value::Bool(true) => vec!["on".to_string()],
                Value::Bool(false) => vec![],
                other => vec![field_text(i, None, other)],
            };
            (k.clone(), vals)
        })
        .collect()
}

/// One value of the panel as compared: trimmed, empty ones dropped, in order.
fn panel_norm<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut v: Vec<String> = values.into_iter().map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect();
    v.sort();
    v
}

/// What the properties panel sends for a ticket untouched, by input name
/// (secrets apart): the form's `base`, so that a conflict can tell which
/// fields the agent changed and which a colleague did.
fn panel_values(i: &crate::i18n::I18n, defs: &[CustomFieldDef], tk: &Ticket) -> BTreeMap<String, Vec<String>> {
    let opt = |v: Option<i64>| v.map_or_else(String::new, |x| x.to_string());
    let on = |b: bool| if b { "on".to_string() } else { String::new() };
    let mut out: BTreeMap<String, Vec<String>> = [
        ("status", tk.status.to_string()),
        ("priority", tk.priority.as_str().to_string()),
        ("type", tk.ticket_type.map_or_else(String::new, |t| t.as_str().to_string())),
        ("department_id", tk.department_id.to_string()),
        ("assignee_id", opt(tk.assignee_id.map(|a| a.0))),
        ("tags", tk.tags.join(", ")),
        ("service_id", opt(tk.service_id.map(|a| a.0))),
        ("flagged_id", opt(tk.flagged_id.map(|a| a.0))),
        ("due", tk.due_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()),
        ("locked", on(tk.locked)),
        ("queue_boost", on(tk.queue_boost)),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), panel_norm([v.as_str()])))
    .collect();
    let raw = field_raw(i, tk);
    for d in defs.iter().filter(|d| d.applies_to(tk.department_id) && d.field_type != FieldType::Secret) {
        let vals = raw.get(&d.key).map(|v| panel_norm(v.iter().map(String::as_str))).unwrap_or_default();
        out.insert(format!("cf.{}", d.key), vals);
    }
    out
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
    let last_message_id =
        detail.messages.iter().filter(|m| m.kind != tessera_core::message::MessageKind::Note).map(|m| m.id.0).max();
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
        None => field_raw(&i, tk),
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
    // A save over a colleague's change: who made it, and the fields where
    // their value and the agent's differ, in words.
    let clash = extra.clash.as_ref().map(|c| {
        let mut who: Vec<String> = Vec::new();
        for e in events.iter().filter(|e| e.ticket_version > c.since && !e.changes.is_empty()) {
            if let Some(a) = e.actor_id.filter(|a| *a != s.user.id) {
                let n = l.user(a);
                if !who.contains(&n) {
                    who.push(n);
                }
            }
        }
        let who = if who.is_empty() { i.t("clash.someone").to_string() } else { who.join(", ") };
        let word = |name: &str, v: &str| -> String {
            let n = v.parse::<i64>().ok();
            match name {
                "status" => l.status(&i, v),
                "priority" => Priority::parse(v).map_or_else(|| v.to_string(), |p| priority_label(&i, p)),
                "type" => i.t(&format!("type.{v}")).to_string(),
                "department_id" => n.map_or_else(|| v.to_string(), |d| l.department(DepartmentId(d))),
                "assignee_id" | "flagged_id" => {
                    agents.iter().find(|u| Some(u.id.0) == n).map_or_else(|| v.to_string(), |u| u.name.clone())
                }
                "service_id" => {
                    req_services.iter().find(|sv| Some(sv.id.0) == n).map_or_else(|| v.to_string(), service_label)
                }
                "locked" | "queue_boost" => i.t("common.yes").to_string(),
                _ if v == "on" => i.t("common.yes").to_string(),
                _ => v.to_string(),
            }
        };
        let words = |name: &str, vals: &[String]| -> String {
            if vals.is_empty() {
                return "—".to_string();
            }
            vals.iter().map(|v| word(name, v)).collect::<Vec<_>>().join(", ")
        };
        let rows = c
            .rows
            .iter()
            .map(|(name, theirs, mine)| {
                let label = match name.strip_prefix("cf.") {
                    Some(key) => l.field_label(&i, key),
                    None => {
                        let key = match name.as_str() {
                            "department_id" => "department",
                            "assignee_id" => "assignee",
                            "service_id" => "service",
                            "flagged_id" => "flagged",
                            "due" => "due_at",
                            other => other,
                        };
                        i.t(&format!("field.{key}")).to_string()
                    }
                };
                ClashRow { name: name.clone(), label, theirs: words(name, theirs), mine: words(name, mine) }
            })
            .collect();
        ClashView { intro: i.t1("clash.intro", who), rows }
    });
    let base = serde_json::to_string(&panel_values(&i, &defs, tk)).unwrap_or_default();
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
    // The composer: what was posted (a refused message), else one's draft.
    let (mut body, mut kind, mut draft_at) = (extra.body, extra.kind, String::new());
    if body.is_empty()
        && let Some(d) = crate::drafts::for_page(state, s, tk.id).await
    {
        (body, kind, draft_at) = (d.body, d.kind, d.updated_at.to_rfc3339());
    }
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
            body,
            kind,
            max_files,
            panels_detail,
            panels_sidebar,
            sla,
            last_message_id: last_message_id.unwrap_or(0),
            collision_after: extra.collision_after.unwrap_or(0),
            draft_at,
            base,
            clash,
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
        Some("saved_merged") => Some(i.t("done.saved_merged").to_string()),
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
        let seen = form.get("if_last_message_id").and_then(|v| v.trim().parse::<i64>().ok()).filter(|n| *n > 0);
        let input = PostMessage {
            body: body.clone(),
            attachment_ids,
            status: form.text("status").map(|k| StatusKey::new(&k)),
            if_last_message_id: seen.map(tessera_core::ids::MessageId),
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
            Err(DeskError::Conflict { code: "new_reply", .. }) => {
                // Show what arrived and ask (the composer's block); the
                // page's new last message id makes the next send "anyway".
                let extra = Extra {
                    status: Some(StatusCode::CONFLICT),
                    body,
                    kind: kind.into(),
                    collision_after: seen,
                    ..Extra::default()
                };
                return render_ticket(&state, &headers, &s, TicketId(id), extra).await;
            }
            Err(e) => errors = FormErrors::from_desk(&i, &e),
        }
    }
    let extra = Extra { errors, body, kind: kind.into(), ..Extra::default() };
    render_ticket(&state, &headers, &s, TicketId(id), extra).await
}

/// The change the properties panel asks for, with the messages of values
/// it cannot read.
fn panel_patch(
    i: &crate::i18n::I18n,
    defs: &[CustomFieldDef],
    current: &Ticket,
    form: &Form,
    errors: &mut FormErrors,
) -> TicketPatch {
    // Fields of the ticket's department the form shows (unticked boxes and
    // emptied fields are absent from the form: they become "no value").
    let mut raw = form.prefixed("cf.");
    for d in defs.iter().filter(|d| d.applies_to(current.department_id) && d.field_type != FieldType::Secret) {
        raw.entry(d.key.clone()).or_default();
    }
    let mut custom_fields = field_values(i, defs, &raw, errors);
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
    TicketPatch {
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
    }
}

/// A form with the values of `name` replaced.
fn with_values(form: &Form, name: &str, values: &[String]) -> Form {
    let mut out = form.clone();
    out.pairs.retain(|(k, _)| k != name);
    out.pairs.extend(values.iter().map(|v| (name.to_string(), v.clone())));
    out
}

/// A panel saved over a colleague's change, merged: the agent's changes to
/// fields the colleague left alone go onto the fresh version; a field both
/// changed to different values keeps the colleague's value and is shown
/// with both, to choose. Answers the form to save (the colleague's values
/// in every field they changed, at the fresh version) and the clashes.
fn merge_panel(
    form: &Form,
    base: &BTreeMap<String, Vec<String>>,
    fresh: &BTreeMap<String, Vec<String>>,
    version: i64,
) -> (Form, Clash) {
    let mut merged = with_values(form, "version", &[version.to_string()]);
    let mut clash = Clash::default();
    // Fields the fresh ticket no longer shows (a colleague moved it to a
    // department without them) are left out.
    for name in base.keys().filter(|n| n.starts_with("cf.") && !fresh.contains_key(*n)) {
        merged = with_values(&merged, name, &[]);
    }
    for (name, now) in fresh {
        let was = base.get(name).cloned().unwrap_or_default();
        if *now == was {
            continue; // the colleague left it alone: the agent's value stands
        }
        let mine = panel_norm(form.all(name));
        if mine != was && mine != *now {
            clash.rows.push((name.clone(), now.clone(), mine));
        }
        merged = with_values(&merged, name, now);
    }
    (merged, clash)
}

/// Saves the properties panel (only if nobody changed the ticket meanwhile;
/// if somebody did, what does not clash with their change is saved on the
/// fresh version and what does is shown, both values, to choose).
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
    let patch = panel_patch(&i, &defs, &current, &form, &mut errors);
    if errors.any() {
        let extra = Extra { errors, patch_form: Some(form), ..Extra::default() };
        return render_ticket(&state, &headers, &s, TicketId(id), extra).await;
    }
    let Err(err) = state.desk.update_ticket(&s.actor, TicketId(id), patch, None).await else {
        return Ok(see_other(&format!("/agent/tickets/{id}?done=saved")));
    };
    let base: Option<BTreeMap<String, Vec<String>>> = form.get("base").and_then(|b| serde_json::from_str(b).ok());
    let since = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let (form, err) = match (err, base, since) {
        (DeskError::VersionMismatch { .. }, Some(base), Some(since)) => {
            // Somebody changed the ticket since the panel was shown: keep
            // what does not clash with their change.
            let fresh = state.desk.ticket(&s.actor, TicketId(id)).await?;
            let (merged, mut clash) = merge_panel(&form, &base, &panel_values(&i, &defs, &fresh), fresh.version);
            clash.since = since;
            let patch = panel_patch(&i, &defs, &fresh, &merged, &mut errors);
            let saved = if errors.any() {
                Err(None)
            } else {
                state.desk.update_ticket(&s.actor, TicketId(id), patch, None).await.map_err(Some)
            };
            match saved {
                Ok(_) if clash.rows.is_empty() => {
                    return Ok(see_other(&format!("/agent/tickets/{id}?done=saved_merged")));
                }
                Ok(_) => {
                    // Saved but for the clashes: the panel shows the agent's
                    // values of those, Save takes them, the link keeps theirs.
                    let mut shown = merged;
                    for (name, _, mine) in &clash.rows {
                        shown = with_values(&shown, name, mine);
                    }
                    let extra = Extra {
                        status: Some(StatusCode::CONFLICT),
                        patch_form: Some(shown),
                        clash: Some(clash),
                        ..Extra::default()
                    };
                    return render_ticket(&state, &headers, &s, TicketId(id), extra).await;
                }
                Err(None) => {
                    let extra = Extra { errors, patch_form: Some(merged), ..Extra::default() };
                    return render_ticket(&state, &headers, &s, TicketId(id), extra).await;
                }
                Err(Some(e)) => (merged, e),
            }
        }
        (e, _, _) => (form, e),
    };
    match err {
        DeskError::VersionMismatch { .. } => {
            errors.add("_", i.t("ticket.changed_meanwhile").to_string());
            let extra = Extra { status: Some(StatusCode::CONFLICT), errors, ..Extra::default() };
            render_ticket(&state, &headers, &s, TicketId(id), extra).await
        }
        e => {
            let (field, message) = desk_message(&i, &e);
            errors.add(&field, message);
            let extra = Extra { errors, patch_form: Some(form), ..Extra::default() };
            render_ticket(&state, &headers, &s, TicketId(id), extra).await
        }
    }
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
