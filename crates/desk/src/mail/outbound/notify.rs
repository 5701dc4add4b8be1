//! Who hears of which change: the rules that turn committed events into
//! mail (docs/email.md, "Who is told what").
//!
//! To the requester and the ticket's CCs: an acknowledgement of a ticket
//! they opened (at most one per address within the window), every public
//! reply of an agent with its files (a ticket an agent opened for them
//! too), and the ticket being solved (folded into the reply when both came
//! in one change). Never an internal note, never a change made by the
//! recipient themselves.
//!
//! To agents: a new ticket in their departments; a customer's reply to the
//! assignee and the agents copied (to the department while nobody is
//! assigned); an assignment to the new assignee; SLA warnings and breaches
//! to the assignee (to the department while nobody is assigned); a mention
//! in an agent's note, reply or first message to the agent mentioned. Each
//! kind can be turned off per person.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::{Value, json};
use tessera_core::event::{Event, EventKind, Side};
use tessera_core::ids::{DepartmentId, MessageId, TicketId, UserId};
use tessera_core::message::{Message, MessageKind};
use tessera_core::{Department, Ticket, User};
use tessera_store::*;

use super::digest::Planned;
use super::templates::{self, LANGUAGES};
use super::{MailPlan, PlanMailbox};
use crate::{Desk, DeskResult};

/// Characters of a message quoted in an agent's notification.
const QUOTED_CHARS: usize = 4000;

/// Who a copy is for and how they see the ticket.
struct Recipient {
    user: Option<User>,
    address: String,
    /// The link in their copy.
    url: Option<String>,
}

/// What one batch of events already looked up.
#[derive(Default)]
struct Batch {
    tickets: HashMap<TicketId, Option<Ticket>>,
    users: HashMap<UserId, Option<User>>,
    departments: HashMap<DepartmentId, Option<Department>>,
    members: HashMap<DepartmentId, Vec<UserId>>,
    /// Each ticket's threading ids.
    threading: HashMap<TicketId, Threading>,
    /// Addresses acknowledged in this batch (not yet in the store).
    acknowledged: HashSet<String>,
}

impl Desk {
    /// The template language for a person's locale.
    pub(crate) fn mail_language(&self, locale: &str) -> String {
        let lang = locale.split(['-', '_']).next().unwrap_or("").to_lowercase();
        if LANGUAGES.contains(&lang.as_str()) {
            lang
        } else if LANGUAGES.contains(&self.outbound.language.as_str()) {
            self.outbound.language.clone()
        } else {
            "en".into()
        }
    }

    async fn batch_ticket(&self, b: &mut Batch, id: TicketId) -> DeskResult<Option<Ticket>> {
        let t = remembered(&mut b.tickets, id, || self.store.ticket(id)).await?;
        Ok(t.filter(|t| t.deleted_at.is_none() && t.merged_into_id.is_none()))
    }

    async fn batch_user(&self, b: &mut Batch, id: UserId) -> DeskResult<Option<User>> {
        remembered(&mut b.users, id, || self.store.user(id)).await
    }

    async fn batch_department(&self, b: &mut Batch, id: DepartmentId) -> DeskResult<Option<Department>> {
        remembered(&mut b.departments, id, || self.store.department(id)).await
    }

    async fn batch_members(&self, b: &mut Batch, id: DepartmentId) -> DeskResult<Vec<UserId>> {
        remembered(&mut b.members, id, || self.store.department_members(id)).await
    }

    /// The mail a batch of committed events makes.
    pub(super) async fn plan_events(&self, events: &[Event]) -> DeskResult<Planned> {
        let mut b = Batch::default();
        // A reply and a solve in one change make one mail: the reply's,
        // saying the ticket is solved.
        let replied: HashSet<(TicketId, i64)> = events
            .iter()
            .filter(|e| e.kind == EventKind::TicketReplied && e.side == Side::Agent)
            .map(|e| (e.ticket_id, e.ticket_version))
            .collect();
        let solved: HashSet<(TicketId, i64)> =
            events.iter().filter(|e| e.kind == EventKind::Solved).map(|e| (e.ticket_id, e.ticket_version)).collect();
        let mut out = Planned::default();
        for e in events {
            let Some(t) = self.batch_ticket(&mut b, e.ticket_id).await? else { continue };
            // An agent or integration asked that the customer hear nothing of
            // this (WHMCS `noemail`).
            let quiet = e.data.get("no_email").and_then(Value::as_bool).unwrap_or(false);
            match e.kind {
                EventKind::TicketCreated => {
                    let message = self.event_message(e).await?;
                    if quiet {
                    } else if e.side == Side::Agent {
                        if let Some(m) = message.as_ref().filter(|m| m.kind == MessageKind::Reply) {
                            let solved = solved.contains(&(e.ticket_id, e.ticket_version));
                            self.customer_mail(&mut b, e, &t, OutboundKind::AgentReply, Some(m), solved, &mut out)
                                .await?;
                        }
                    } else {
                        self.customer_mail(&mut b, e, &t, OutboundKind::Acknowledgement, None, false, &mut out).await?;
                    }
                    let agents = self.batch_members(&mut b, t.department_id).await?;
                    self.agent_mail(&mut b, e, &t, OutboundKind::NewTicket, message.as_ref(), &agents, &mut out)
                        .await?;
                }
                EventKind::TicketReplied => {
                    let Some(m) = self.event_message(e).await? else { continue };
                    if m.kind != MessageKind::Reply {
                        continue;
                    }
                    if e.side == Side::Agent {
                        if !quiet {
                            let solved = solved.contains(&(e.ticket_id, e.ticket_version));
                            self.customer_mail(&mut b, e, &t, OutboundKind::AgentReply, Some(&m), solved, &mut out)
                                .await?;
                        }
                    } else {
                        let mut agents: Vec<UserId> = t.assignee_id.into_iter().collect();
                        agents.extend(t.cc.agent_ids.iter().copied());
                        if t.assignee_id.is_none() {
                            agents.extend(self.batch_members(&mut b, t.department_id).await?);
                        }
                        self.agent_mail(&mut b, e, &t, OutboundKind::CustomerReply, Some(&m), &agents, &mut out)
                            .await?;
                    }
                }
                EventKind::Solved if !replied.contains(&(e.ticket_id, e.ticket_version)) => {
                    self.customer_mail(&mut b, e, &t, OutboundKind::Solved, None, true, &mut out).await?;
                }
                EventKind::AssigneeChanged => {
                    if let Some(a) = t.assignee_id.filter(|a| Some(*a) != e.actor_id) {
                        self.agent_mail(&mut b, e, &t, OutboundKind::Assigned, None, &[a], &mut out).await?;
                    }
                }
                EventKind::SlaWarning | EventKind::SlaBreached => {
                    let kind = if e.kind == EventKind::SlaWarning {
                        OutboundKind::SlaWarning
                    } else {
                        OutboundKind::SlaBreached
                    };
                    let agents = match t.assignee_id {
                        Some(a) => vec![a],
                        None => self.batch_members(&mut b, t.department_id).await?,
                    };
                    self.agent_mail(&mut b, e, &t, kind, None, &agents, &mut out).await?;
                }
                _ => {}
            }
            // The agents an agent's note, reply or first message mentions
            // (`crate::mentions`), beside whatever else the change makes.
            if matches!(e.kind, EventKind::NoteAdded | EventKind::TicketReplied | EventKind::TicketCreated)
                && let Some(ids) = e.data.get("mentions").and_then(Value::as_array)
            {
                self.mention_mail(&mut b, e, &t, ids, &mut out).await?;
            }
        }
        Ok(out)
    }

    /// Mail to the agents a message mentions: those the desk found when it
    /// was posted who are still enabled staff and can still see the ticket
    /// (it may have moved to another department since).
    async fn mention_mail(
        &self,
        b: &mut Batch,
        e: &Event,
        t: &Ticket,
        ids: &[Value],
        out: &mut Planned,
    ) -> DeskResult<()> {
        let Some(m) = self.event_message(e).await? else { return Ok(()) };
        let mut agents = Vec::new();
        for id in ids.iter().filter_map(Value::as_i64).take(crate::mentions::MAX_MENTIONS) {
            let Some(u) = self.batch_user(b, UserId(id)).await? else { continue };
            if !u.disabled && u.role.is_staff() && self.actor_for(&u).await?.can_view(t) {
                agents.push(u.id);
            }
        }
        self.agent_mail(b, e, t, OutboundKind::Mention, Some(&m), &agents, out).await
    }

    async fn event_message(&self, e: &Event) -> DeskResult<Option<Message>> {
        let Some(id) = e.message_id else { return Ok(None) };
        match self.store.message(id).await? {
            Some(m) if m.deleted_at.is_none() => Ok(Some(self.open_message(m)?)),
            _ => Ok(None),
        }
    }

    /// The sender of a department's mail: its own address, else `[mail]
    /// from` with the department's name.
    fn sender(&self, d: Option<&Department>) -> Option<PlanMailbox> {
        let name = d.map(|d| d.name.clone());
        match d.and_then(|d| d.email.clone()).filter(|a| !a.trim().is_empty()) {
            Some(address) => Some(PlanMailbox { name, address }),
            None => self.outbound.from.clone().map(|(n, address)| PlanMailbox { name: name.or(n), address }),
        }
    }

    fn link(&self, path: &str) -> Option<String> {
        self.outbound.public_url.as_deref().map(|base| format!("{}{path}", base.trim_end_matches('/')))
    }

    /// Mail to the requester and the CCs (each their own copy).
    #[allow(clippy::too_many_arguments)]
    async fn customer_mail(
        &self,
        b: &mut Batch,
        e: &Event,
        t: &Ticket,
        kind: OutboundKind,
        message: Option<&Message>,
        solved: bool,
        out: &mut Planned,
    ) -> DeskResult<()> {
        let Some(requester) = self.batch_user(b, t.requester_id).await? else { return Ok(()) };
        let mut recipients = Vec::new();
        // An acknowledgement answers the requester's own action; anything
        // else is news only to those who did not do it.
        let own = kind != OutboundKind::Acknowledgement && Some(requester.id) == e.actor_id;
        if !requester.disabled && !own {
            recipients.push(Recipient {
                address: requester.email.as_str().to_lowercase(),
                url: self.link(&format!("/t/{}?key={}", t.number, t.access_key)),
                user: Some(requester.clone()),
            });
        }
        if kind != OutboundKind::Acknowledgement {
            let actor_address = match e.actor_id {
                Some(a) => self.batch_user(b, a).await?.map(|u| u.email.as_str().to_lowercase()),
                None => None,
            };
            for cc in &t.cc.emails {
                let address = cc.as_str().to_lowercase();
                if Some(&address) == actor_address.as_ref() || recipients.iter().any(|r| r.address == address) {
                    continue;
                }
                let user = self.store.user_by_email(&address).await?;
                if user.as_ref().is_some_and(|u| u.disabled) {
                    continue;
                }
                recipients.push(Recipient { user, address, url: self.link(&format!("/tickets/{}", t.number)) });
            }
        } else {
            // At most one acknowledgement per address in the window (a loop
            // with an autoresponder that opens tickets ends here).
            let window = chrono::Duration::from_std(self.outbound.acknowledgement_window).unwrap_or_default();
            let since = self.now() - window;
            let mut kept = Vec::new();
            for r in recipients {
                let recent = !window.is_zero()
                    && (b.acknowledged.contains(&r.address) || self.store.sent_since(kind, &r.address, since).await?);
                if !recent {
                    b.acknowledged.insert(r.address.clone());
                    kept.push(r);
                }
            }
            recipients = kept;
        }
        if recipients.is_empty() {
            return Ok(());
        }
        let dept = self.batch_department(b, t.department_id).await?;
        let agent = match message.and_then(|m| m.author.user_id).or(e.actor_id) {
            Some(a) => self.batch_user(b, a).await?,
            None => None,
        };
        // The headers every copy carries: the requester and the CCs.
        let to = vec![PlanMailbox { name: Some(requester.name.clone()), address: requester.email.as_str().into() }];
        let cc: Vec<PlanMailbox> =
            t.cc.emails
                .iter()
                .filter(|c| !c.as_str().eq_ignore_ascii_case(requester.email.as_str()))
                .map(|c| PlanMailbox { name: None, address: c.as_str().into() })
                .collect();
        let threading = self.threading(b, t.id).await?;
        for (i, r) in recipients.into_iter().enumerate() {
            let language = self.mail_language(r.user.as_ref().map_or("", |u| u.locale.as_str()));
            let context = json!({
                "ticket": ticket_context(t, r.url.as_deref(), solved),
                "customer": {"name": requester.name, "email": requester.email.as_str()},
                "department": department_context(dept.as_ref()),
                "agent": {"name": agent.as_ref().map(|a| a.name.clone()).unwrap_or_default()},
                "message": {"text": message.map(|m| message_text(m, false)).unwrap_or_default()},
                "sla": {"metric": "", "due": ""},
            });
            let html = message.map(|m| message_html(m, false));
            let plan = self
                .plan(
                    kind,
                    t,
                    dept.as_ref(),
                    &threading,
                    (&to, &cc),
                    &format!("e{}r{i}", e.id.0),
                    &language,
                    &context,
                    html.as_deref(),
                    message.filter(|m| !m.encrypted).map(|m| m.attachment_ids.clone()).unwrap_or_default(),
                )
                .await?;
            self.push_mail(out, e, t, message.map(|m| m.id), kind, plan, r).await?;
        }
        Ok(())
    }

    /// Mail to agents (each their own copy, in their language).
    #[allow(clippy::too_many_arguments)]
    async fn agent_mail(
        &self,
        b: &mut Batch,
        e: &Event,
        t: &Ticket,
        kind: OutboundKind,
        message: Option<&Message>,
        agents: &[UserId],
        out: &mut Planned,
    ) -> DeskResult<()> {
        let wanted: BTreeSet<UserId> = agents.iter().copied().filter(|a| Some(*a) != e.actor_id).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let ids: Vec<UserId> = wanted.iter().copied().collect();
        let modes = self.modes_of(kind, t.department_id, &ids).await?;
        let off: HashSet<UserId> =
            modes.into_iter().filter(|(_, m)| *m == NotificationMode::Off).map(|(u, _)| u).collect();
        let Some(requester) = self.batch_user(b, t.requester_id).await? else { return Ok(()) };
        let dept = self.batch_department(b, t.department_id).await?;
        let actor = match e.actor_id {
            Some(a) => self.batch_user(b, a).await?,
            None => None,
        };
        let threading = self.threading(b, t.id).await?;
        for (i, id) in ids.into_iter().enumerate() {
            if off.contains(&id) {
                continue;
            }
            let Some(agent) = self.batch_user(b, id).await? else { continue };
            if agent.disabled || !agent.role.is_staff() {
                continue;
            }
            let language = self.mail_language(&agent.locale);
            let url = self.link(&format!("/agent/tickets/{}", t.id.0));
            let (metric, due) = (
                e.data.get("metric").and_then(Value::as_str).unwrap_or_default().replace('_', " "),
                e.data.get("due_at").and_then(Value::as_str).unwrap_or_default().to_string(),
            );
            let context = json!({
                "ticket": ticket_context(t, url.as_deref(), t.status_category == tessera_core::status::StatusCategory::Solved),
                "customer": {"name": requester.name, "email": requester.email.as_str()},
                "department": department_context(dept.as_ref()),
                "agent": {"name": actor.as_ref().map(|a| a.name.clone()).unwrap_or_default()},
                "message": {"text": message.map(|m| message_text(m, true)).unwrap_or_default()},
                "sla": {"metric": metric, "due": due},
            });
            let to = vec![PlanMailbox { name: Some(agent.name.clone()), address: agent.email.as_str().into() }];
            let html = message.map(|m| message_html(m, true));
            let plan = self
                .plan(
                    kind,
                    t,
                    dept.as_ref(),
                    &threading,
                    (&to, &[]),
                    // Mentions have their own letter: a new ticket's first
                    // message may both tell the department and mention.
                    &format!("e{}{}{i}", e.id.0, if kind == OutboundKind::Mention { "m" } else { "a" }),
                    &language,
                    &context,
                    html.as_deref(),
                    Vec::new(),
                )
                .await?;
            let r = Recipient { address: agent.email.as_str().to_lowercase(), url, user: Some(agent) };
            self.push_mail(out, e, t, message.map(|m| m.id), kind, plan, r).await?;
        }
        Ok(())
    }

    /// The ids a ticket's mail threads by: the root, the last mail that came
    /// in for it (answered), the first one (kept in `References`). Read from
    /// the inbound rows (small, indexed by ticket), not the messages, once
    /// a ticket a batch.
    async fn threading(&self, b: &mut Batch, ticket: TicketId) -> DeskResult<Threading> {
        remembered(&mut b.threading, ticket, || async {
            let inbound = self.store.inbound_of_ticket(ticket, 1000).await?;
            let ids: Vec<&String> = inbound
                .iter()
                .filter(|r| r.state == InboundState::Applied)
                .filter_map(|r| r.mail_id.as_ref())
                .collect();
            Ok(Threading { last: ids.last().map(|s| (*s).clone()), first: ids.first().map(|s| (*s).clone()) })
        })
        .await
    }

    /// Builds one copy's plan.
    #[allow(clippy::too_many_arguments)]
    async fn plan(
        &self,
        kind: OutboundKind,
        t: &Ticket,
        dept: Option<&Department>,
        threading: &Threading,
        (to, cc): (&[PlanMailbox], &[PlanMailbox]),
        suffix: &str,
        language: &str,
        context: &Value,
        message_html: Option<&str>,
        attachments: Vec<tessera_core::ids::AttachmentId>,
    ) -> DeskResult<Option<MailPlan>> {
        let Some(from) = self.sender(dept) else { return Ok(None) };
        let template = self.template_for(kind, language).await?;
        // The template's language, for the `plural` filter.
        let mut context = context.clone();
        context["language"] = language.into();
        let context = &context;
        let rendered = match templates::render(&template, context, message_html) {
            Ok(r) => r,
            Err(e) => {
                // A template that fails on real data (it passed its check on
                // the sample) falls back to the built-in one.
                tracing::warn!(kind = kind.as_str(), language, error = %e, "mail template failed; built-in used");
                templates::render(&templates::built_in(kind, language), context, message_html)
                    .map_err(|e| crate::error::DeskError::Internal(e.to_string()))?
            }
        };
        let host = from.address.rsplit('@').next().unwrap_or("localhost").to_string();
        let token = self.mail_token(t.id, None);
        let message_id = format!("{token}-{suffix}@{host}");
        let references = threading.first.iter().chain(threading.last.iter()).cloned().collect();
        Ok(Some(MailPlan {
            kind,
            reply_to: Some(from.clone()),
            from,
            to: to.to_vec(),
            cc: cc.to_vec(),
            ticket_number: t.number.clone(),
            subject: rendered.subject,
            message_id,
            in_reply_to: threading.last.clone(),
            root_id: format!("{token}@{host}"),
            started_at: t.created_at,
            references,
            loop_id: self.mail_loop_id(),
            date: self.now(),
            text: rendered.text,
            html: Some(rendered.html),
            attachments,
            marker: Some(token),
            unsubscribe_url: None,
        }))
    }

    /// Adds a copy to the batch: queued, or recorded as not sent (no
    /// sender address, a suppressed address, the person turned it off).
    #[allow(clippy::too_many_arguments)]
    async fn push_mail(
        &self,
        out: &mut Planned,
        e: &Event,
        t: &Ticket,
        message: Option<MessageId>,
        kind: OutboundKind,
        plan: Option<MailPlan>,
        r: Recipient,
    ) -> DeskResult<()> {
        // The person's mode for this kind: none, this mail, or a line in
        // their next digest (decision 48).
        if kind.optional()
            && let Some(u) = &r.user
        {
            let mode = self.modes_of(kind, t.department_id, &[u.id]).await?.remove(&u.id);
            match (mode, &plan) {
                (Some(NotificationMode::Off), _) => return Ok(()),
                (Some(NotificationMode::Digest), Some(p)) => {
                    out.collect(e, t, kind, p, u.id, r.url.as_deref());
                    return Ok(());
                }
                _ => {}
            }
        }
        // One-click unsubscribe for the kinds the person may turn off
        // (decision 49): an agent copied on a customer's kind has no such
        // choice, so no link.
        let plan = plan.map(|mut p| {
            p.unsubscribe_url = r
                .user
                .as_ref()
                .filter(|u| kind.for_agents() == u.role.is_staff())
                .and_then(|u| self.unsubscribe_url(u.id, kind));
            p
        });
        let suppressed = self.store.suppressions_of(std::slice::from_ref(&r.address)).await?;
        let (state, answer, mail_id, plan) = match (plan, suppressed.first()) {
            (None, _) => (
                MailDeliveryState::Failed,
                Some("no sender address: give the department an e-mail address or set [mail] from".to_string()),
                format!("{}-unsent-{}@localhost", self.mail_token(t.id, None), e.id.0),
                "{}".to_string(),
            ),
            (Some(p), s) => {
                let json = serde_json::to_string(&p).map_err(|e| crate::error::DeskError::Internal(e.to_string()))?;
                match s {
                    Some(s) => {
                        (MailDeliveryState::Suppressed, Some(format!("suppressed: {}", s.reason)), p.message_id, json)
                    }
                    None => (MailDeliveryState::Queued, None, p.message_id, json),
                }
            }
        };
        out.push(NewOutbound {
            ticket_id: Some(t.id),
            message_ref: message,
            event_id: Some(e.id),
            kind,
            mail_id,
            plan,
            recipients: vec![NewRecipient { address: r.address, user_id: r.user.map(|u| u.id), state, answer }],
            created_at: self.now(),
        });
        Ok(())
    }

    /// The placeholders of a kind filled from a real ticket (the template
    /// editor's preview).
    pub(super) async fn preview_context(&self, kind: OutboundKind, t: &Ticket) -> DeskResult<Value> {
        if matches!(kind, OutboundKind::PasswordReset | OutboundKind::SignInLink) {
            return Ok(templates::sample(kind));
        }
        let requester = self.store.user(t.requester_id).await?;
        let dept = self.store.department(t.department_id).await?;
        let messages = self.store.messages(t.id, false).await?;
        let last = messages.last().map(|m| self.open_message(m.clone())).transpose()?;
        let agent = match t.assignee_id {
            Some(a) => self.store.user(a).await?,
            None => None,
        };
        Ok(json!({
            "ticket": ticket_context(t, self.link(&format!("/tickets/{}", t.number)).as_deref(), false),
            "customer": {
                "name": requester.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
                "email": requester.as_ref().map(|u| u.email.as_str().to_string()).unwrap_or_default(),
            },
            "department": department_context(dept.as_ref()),
            "agent": {"name": agent.map(|a| a.name).unwrap_or_default()},
            "message": {"text": last.as_ref().map(|m| message_text(m, false)).unwrap_or_default()},
            "sla": {"metric": "first reply", "due": ""},
        }))
    }
}

/// What `map` holds for `key`, or what `read` answers, kept in `map` for
/// the rest of the batch.
async fn remembered<K, V, F, Fut>(map: &mut HashMap<K, V>, key: K, read: F) -> DeskResult<V>
where
    K: std::hash::Hash + Eq,
    V: Clone,
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = tessera_store::StoreResult<V>>,
{
    if let Some(v) = map.get(&key) {
        return Ok(v.clone());
    }
    let v = read().await?;
    map.insert(key, v.clone());
    Ok(v)
}

/// A ticket's mail threading ids.
#[derive(Clone)]
struct Threading {
    first: Option<String>,
    last: Option<String>,
}

fn ticket_context(t: &Ticket, url: Option<&str>, solved: bool) -> Value {
    json!({
        "number": t.number,
        "subject": t.subject,
        "url": url.unwrap_or_default(),
        "status": t.status.as_str(),
        "priority": t.priority.as_str(),
        "solved": solved,
    })
}

fn department_context(d: Option<&Department>) -> Value {
    json!({
        "name": d.map(|d| d.name.clone()).unwrap_or_default(),
        "signature": d.map(|d| d.signature.clone()).unwrap_or_default(),
    })
}

/// A message's text for mail: what was written now (a mailed reply's
/// quoted history left out), shortened in agents' notifications; an
/// encrypted message's text never leaves the desk.
fn message_text(m: &Message, for_agents: bool) -> String {
    if m.encrypted {
        return "(This message is kept encrypted; read it on the ticket's page.)".into();
    }
    let body = match m.quote_start {
        Some(q) => m.body.get(..q as usize).unwrap_or(&m.body),
        None => &m.body,
    };
    let body = body.trim();
    if for_agents && body.chars().count() > QUOTED_CHARS {
        let cut: String = body.chars().take(QUOTED_CHARS).collect();
        format!("{cut}…")
    } else {
        body.to_string()
    }
}

/// A message's HTML for the mail's HTML part: its sanitised HTML when it
/// has one (an agent's formatted reply), else its text as HTML.
fn message_html(m: &Message, for_agents: bool) -> String {
    match (&m.html, m.encrypted, m.quote_start, for_agents) {
        (Some(html), false, None, false) => html.clone(),
        _ => {
            let t = templates::text_to_html(&message_text(m, for_agents));
            // Without the wrapper's styling: it sits inside the mail's own.
            t.trim_start_matches(|c| c != '>').trim_start_matches('>').trim_end_matches("</div>").to_string()
        }
    }
}
