//! Mail going out (issue 17): what the desk decides — who hears of which
//! committed change, in which words and language, threaded how — and the
//! queue the sender (`tessera_mail::outbound`) works from.
//!
//! The sender is infrastructure around the desk like the IMAP poller: it
//! asks the desk to turn the event log into queued mail
//! ([`Desk::queue_mail_from_log`]), claims due deliveries
//! ([`Desk::claim_mail`]), composes and sends them over SMTP, and reports
//! each outcome ([`Desk::finish_mail`]). Queuing moves the log cursor in the
//! same commit, so a change is mailed once, a rolled-back change never
//! (it has no event), and a crash loses nothing (the rows stay queued).
//!
//! Each recipient gets a copy of their own (its own Message-ID, link and
//! language; one SMTP transaction each), so a refused CC never holds the
//! requester's copy back, and the requester's access link is never shown to
//! the others. The copies carry the same `To`/`Cc` headers, so a "reply
//! all" reaches everyone.

pub mod digest;
mod notify;
pub mod plural;
pub mod templates;
mod unsubscribe;

use serde::{Deserialize, Serialize};
use std::time::Duration;
use tessera_core::ids::{AttachmentId, TicketId};
use tessera_core::{Actor, Timestamp};
use tessera_store::*;

use crate::error::DeskError;
use crate::{Desk, DeskResult};

pub use digest::NotificationChoice;
pub use templates::{LANGUAGES, Rendered, Template, TemplateError};
pub use unsubscribe::Unsubscribe;

/// The event-log cursor of outbound mail (a setting).
pub const CURSOR: &str = "mail.outbound.cursor";
/// How long a delivery keeps being retried after its first try failed for
/// a temporary reason (as MTAs do: 5 days is Postfix's default; two are
/// enough for a helpdesk, whose answer is stale after that).
pub const RETRY_FOR_HOURS: i64 = 48;
/// The first retry's delay; each next one doubles, up to [`RETRY_CAP_SECS`].
pub const RETRY_BASE_SECS: i64 = 60;
/// The longest wait between retries.
pub const RETRY_CAP_SECS: i64 = 3600;

/// How outbound mail is set up (from the server's configuration).
#[derive(Debug, Clone, Default)]
pub struct OutboundSettings {
    /// Whether an SMTP server is configured: without one nothing is queued.
    pub enabled: bool,
    /// `[server] public_url`: links in mail. Without it mail carries no
    /// links (and the start-up warns).
    pub public_url: Option<String>,
    /// `[mail] from`: the sender of departments without an address of
    /// their own, and of account mail (name, address).
    pub from: Option<(Option<String>, String)>,
    /// The installation's language: the templates' language for people
    /// whose own is not one of [`LANGUAGES`].
    pub language: String,
    /// At most one acknowledgement per sender within this window.
    pub acknowledgement_window: Duration,
    /// How long a notification waits for its digest (decision 48): a
    /// person's digest is due when their oldest collected line is this old.
    pub digest_period: Duration,
}

/// A mailbox in a plan: a display name and an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanMailbox {
    /// The display name, in any script.
    pub name: Option<String>,
    /// The address.
    pub address: String,
}

/// Everything the sender needs to compose one message: decided by the desk
/// when it was queued, so a retry sends the same message. Stored as JSON
/// on the message's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailPlan {
    /// What it is.
    pub kind: OutboundKind,
    /// The sender.
    pub from: PlanMailbox,
    /// The primary recipients (the headers; the envelope is the delivery's).
    pub to: Vec<PlanMailbox>,
    /// The copies.
    pub cc: Vec<PlanMailbox>,
    /// Where replies go.
    pub reply_to: Option<PlanMailbox>,
    /// The ticket's number (empty for account mail).
    pub ticket_number: String,
    /// The rendered subject (the composer adds the ticket tag).
    pub subject: String,
    /// This message's Message-ID (signed token `@` host).
    pub message_id: String,
    /// The customer's last mail, when answering one.
    pub in_reply_to: Option<String>,
    /// The ticket's stable root id.
    pub root_id: String,
    /// When the ticket was opened (the Outlook thread index).
    pub started_at: Timestamp,
    /// Further ids for `References` (the first and last customer mails).
    pub references: Vec<String>,
    /// The installation's loop id.
    pub loop_id: String,
    /// When it was written.
    pub date: Timestamp,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: Option<String>,
    /// Files to attach (an agent reply's).
    pub attachments: Vec<AttachmentId>,
    /// The token hidden in the body for providers that rewrite Message-IDs.
    pub marker: Option<String>,
    /// The RFC 8058 one-click unsubscribe URL (https) of an optional
    /// notification to a person with an account (decision 49); absent in
    /// rows queued before it existed.
    #[serde(default)]
    pub unsubscribe_url: Option<String>,
}

impl MailPlan {
    /// A message to one person about no ticket (account mail, a digest):
    /// no ticket tag, no thread, no files, no unsubscribe link.
    pub(crate) fn outside_tickets(
        kind: OutboundKind,
        (from, to): (PlanMailbox, PlanMailbox),
        rendered: Rendered,
        message_id: String,
        loop_id: String,
        now: Timestamp,
    ) -> Self {
        Self {
            kind,
            from,
            to: vec![to],
            cc: Vec::new(),
            reply_to: None,
            ticket_number: String::new(),
            subject: rendered.subject,
            message_id,
            in_reply_to: None,
            root_id: String::new(),
            started_at: now,
            references: Vec::new(),
            loop_id,
            date: now,
            text: rendered.text,
            html: Some(rendered.html),
            attachments: Vec::new(),
            marker: None,
            unsubscribe_url: None,
        }
    }
}

/// A file to attach, read by the desk for the sender.
#[derive(Debug, Clone)]
pub struct PlanFile {
    /// Its name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// A delivery the sender claimed: the recipient, the plan and the files.
#[derive(Debug, Clone)]
pub struct MailToSend {
    /// The delivery (its recipient is the envelope's only one).
    pub delivery: OutboundDelivery,
    /// What to compose.
    pub plan: MailPlan,
    /// The files the plan names, read.
    pub files: Vec<PlanFile>,
}

/// What the SMTP server made of one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendResult {
    /// Accepted (the server's answer).
    Sent(String),
    /// Refused for now or not reachable: try again later.
    Temporary(String),
    /// Refused for good: record it, and stop sending to the address when
    /// the refusal is about the address ([`names_the_address`]).
    Permanent(String),
    /// Could not be built or addressed (a plan the composer refuses): fail
    /// the copy, but the address is not at fault and stays usable.
    Unsendable(String),
}

impl Desk {
    /// The same desk sending mail as `settings` say.
    pub fn with_outbound(&self, settings: OutboundSettings) -> Self {
        Self { outbound: std::sync::Arc::new(settings), ..self.clone() }
    }

    /// How outbound mail is set up.
    pub fn outbound_settings(&self) -> &OutboundSettings {
        &self.outbound
    }

    /// This installation's id in `X-Tessera-Loop`: derived from its key, so
    /// every instance of one installation shares it and mail it sent that
    /// comes back is known as its own.
    pub fn mail_loop_id(&self) -> String {
        let tag = hex::encode(self.secrets.tag("mail-loop", "installation"));
        format!("tessera-{}", &tag[..16])
    }

    /// Turns the next committed events (at most `limit`) into queued mail,
    /// moving the cursor in the same commit; answers how many events were
    /// looked at (0: nothing new). On the first start the cursor begins at
    /// the end of the log: history is never mailed. Without SMTP nothing is
    /// queued and the cursor stays.
    pub async fn queue_mail_from_log(&self, limit: u32) -> DeskResult<usize> {
        if !self.outbound.enabled {
            return Ok(0);
        }
        let Some(cursor) = self.store.setting(CURSOR).await?.and_then(|c| c.parse::<i64>().ok()) else {
            let last = self.store.latest_event_id().await?;
            self.store.set_setting(CURSOR, &last.0.to_string()).await?;
            return Ok(0);
        };
        let from = tessera_core::ids::EventId(cursor);
        let events = self.store.events_after(from, limit).await?;
        let Some(up_to) = events.last().map(|e| e.id) else { return Ok(0) };
        let planned = self.plan_events(&events).await?;
        let cursor = OutboundCursor { name: CURSOR.into(), from, up_to };
        match self.store.queue_notifications(Some(cursor), planned.mails, planned.digest).await {
            // Another instance queued these events first.
            Err(StoreError::VersionConflict) => Ok(0),
            Err(e) => Err(e.into()),
            Ok(()) => Ok(events.len()),
        }
    }

    /// The last event whose mail is queued (the sender waits for the log
    /// to pass it).
    pub async fn mail_cursor(&self) -> DeskResult<tessera_core::ids::EventId> {
        Ok(tessera_core::ids::EventId(self.store.setting(CURSOR).await?.and_then(|c| c.parse().ok()).unwrap_or(0)))
    }

    /// Waits until the event log passes `after` or `timeout` ends.
    pub async fn wait_for_events(&self, after: tessera_core::ids::EventId, timeout: Duration) {
        self.store.wait_for_events(after, timeout).await;
    }

    /// Claims up to `limit` due deliveries for `lease` (a crashed sender's
    /// are claimed again after it), with their plans and files. A plan that
    /// cannot be read fails its delivery instead of stopping the queue.
    pub async fn claim_mail(&self, limit: u32, lease: Duration) -> DeskResult<Vec<MailToSend>> {
        let now = self.now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60));
        let claimed = self.store.claim_outbound(now, until, limit).await?;
        let mut out = Vec::with_capacity(claimed.len());
        for c in claimed {
            let plan = match serde_json::from_str::<MailPlan>(&c.plan) {
                Ok(p) => p,
                Err(e) => {
                    self.finish_mail(&c.delivery, SendResult::Unsendable(format!("unreadable plan: {e}"))).await?;
                    continue;
                }
            };
            let mut files = Vec::with_capacity(plan.attachments.len());
            for id in &plan.attachments {
                if let Some(a) = self.store.attachment(*id).await? {
                    files.push(PlanFile {
                        name: a.filename.clone(),
                        content_type: a.content_type.clone(),
                        bytes: self.blobs.get(&a.sha256).await?,
                    });
                }
            }
            out.push(MailToSend { delivery: c.delivery, plan, files });
        }
        Ok(out)
    }

    /// Records what became of a delivery: sent; deferred with a growing
    /// wait (failed once it has been retried for [`RETRY_FOR_HOURS`]); or
    /// failed for good, which puts the address on the suppression list.
    pub async fn finish_mail(&self, d: &OutboundDelivery, result: SendResult) -> DeskResult<()> {
        self.finish_mails(vec![(d.clone(), result)]).await
    }

    /// [`Desk::finish_mail`] for a whole claimed batch, in one commit.
    pub async fn finish_mails(&self, results: Vec<(OutboundDelivery, SendResult)>) -> DeskResult<()> {
        let now = self.now();
        let answer = |s: String| Some(s.chars().take(1000).collect::<String>());
        let mut outcomes = Vec::with_capacity(results.len());
        let mut suppress = Vec::new();
        for (d, result) in results {
            let outcome = match result {
                SendResult::Sent(a) => {
                    DeliveryOutcome { state: MailDeliveryState::Sent, answer: answer(a), next_attempt_at: now, at: now }
                }
                SendResult::Temporary(a) if now - d.created_at < chrono::Duration::hours(RETRY_FOR_HOURS) => {
                    let wait = (RETRY_BASE_SECS << d.attempts.clamp(0, 20)).min(RETRY_CAP_SECS);
                    DeliveryOutcome {
                        state: MailDeliveryState::Deferred,
                        answer: answer(a),
                        next_attempt_at: now + chrono::Duration::seconds(wait),
                        at: now,
                    }
                }
                SendResult::Temporary(a) => DeliveryOutcome {
                    state: MailDeliveryState::Failed,
                    answer: answer(format!("gave up after {RETRY_FOR_HOURS} hours: {a}")),
                    next_attempt_at: now,
                    at: now,
                },
                SendResult::Unsendable(a) => DeliveryOutcome {
                    state: MailDeliveryState::Failed,
                    answer: answer(a),
                    next_attempt_at: now,
                    at: now,
                },
                SendResult::Permanent(a) if !names_the_address(&a) => DeliveryOutcome {
                    state: MailDeliveryState::Failed,
                    answer: answer(a),
                    next_attempt_at: now,
                    at: now,
                },
                SendResult::Permanent(a) => {
                    suppress.push(Suppression {
                        address: d.address.clone(),
                        reason: a.chars().take(500).collect(),
                        delivery_id: Some(d.id),
                        created_at: now,
                    });
                    DeliveryOutcome {
                        state: MailDeliveryState::Failed,
                        answer: answer(a),
                        next_attempt_at: now,
                        at: now,
                    }
                }
            };
            outcomes.push((d.id, outcome));
        }
        self.store.finish_deliveries(outcomes, suppress).await?;
        Ok(())
    }

    /// A bounce came back for message `mail_id` to `address`: the delivery
    /// becomes `bounced` with the report's words, and a permanent one puts
    /// the address on the suppression list. Answers whether a delivery of
    /// ours was found. Called by the inbound side (a delivery status
    /// notification names the message and the recipient).
    pub(crate) async fn record_bounce(
        &self,
        mail_id: &str,
        address: &str,
        permanent: bool,
        answer: &str,
    ) -> DeskResult<bool> {
        let now = self.now();
        let mail_id = mail_id.trim().trim_start_matches('<').trim_end_matches('>');
        let Some(d) = self.store.bounce_delivery(mail_id, address, answer, now).await? else { return Ok(false) };
        if permanent {
            self.store
                .suppress_address(Suppression {
                    address: d.address,
                    reason: answer.chars().take(500).collect(),
                    delivery_id: Some(d.id),
                    created_at: now,
                })
                .await?;
        }
        Ok(true)
    }

    /// The deliveries of a ticket's mail, for the agent's timeline (agents
    /// who see the ticket).
    pub async fn mail_out_of_ticket(&self, actor: &Actor, ticket: TicketId) -> DeskResult<Vec<OutboundDelivery>> {
        self.visible_ticket(actor, ticket).await?;
        if !actor.is_staff() {
            return Err(DeskError::forbidden("only agents see the mail sent about a ticket"));
        }
        Ok(self.store.outbound_of_ticket(ticket, 1000).await?)
    }

    /// The outgoing queue, newest first (admins).
    pub async fn outgoing_mail(
        &self,
        actor: &Actor,
        state: Option<MailDeliveryState>,
        before: Option<MailDeliveryId>,
        limit: u32,
    ) -> DeskResult<Vec<OutboundDelivery>> {
        require_admin(actor)?;
        Ok(self.store.list_outbound(state, before, limit.clamp(1, 200)).await?)
    }

    /// Sends a delivery again now (admins): a failed, bounced or suppressed
    /// one after the cause was fixed. Its address stays suppressed until
    /// [`Desk::clear_suppression`]; a suppressed address's copy is not sent.
    pub async fn resend_mail(&self, actor: &Actor, id: MailDeliveryId) -> DeskResult<OutboundDelivery> {
        require_admin(actor)?;
        let d = self.store.delivery_of_mail(id).await?.ok_or(DeskError::not_found("delivery"))?;
        if !self.store.suppressions_of(std::slice::from_ref(&d.address)).await?.is_empty() {
            return Err(DeskError::invalid(
                "address",
                "suppressed",
                "the address is on the suppression list: take it off first",
            ));
        }
        self.store.requeue_delivery(id, self.now()).await?;
        self.store.delivery_of_mail(id).await?.ok_or(DeskError::not_found("delivery"))
    }

    /// The suppression list (agents: they need to see why a customer hears
    /// nothing).
    pub async fn suppressions(&self, actor: &Actor) -> DeskResult<Vec<Suppression>> {
        if !actor.is_staff() {
            return Err(DeskError::forbidden("only agents see the suppression list"));
        }
        Ok(self.store.list_suppressions().await?)
    }

    /// Takes an address off the suppression list (agents), so mail to it
    /// goes again.
    pub async fn clear_suppression(&self, actor: &Actor, address: &str) -> DeskResult<()> {
        if !actor.is_staff() {
            return Err(DeskError::forbidden("only agents clear the suppression list"));
        }
        self.store.clear_suppression(address.trim()).await.map_err(|e| match e {
            StoreError::NotFound => DeskError::not_found("suppression"),
            e => e.into(),
        })
    }

    /// How many copies are in each kind and state (the metrics; admins).
    pub async fn outbound_tally(&self, actor: &Actor) -> DeskResult<Vec<OutboundTally>> {
        require_admin(actor)?;
        Ok(self.store.outbound_tally().await?)
    }

    /// A person's notification choices: every kind they may turn off (the
    /// agents' kinds for agents, the customers' for customers), on unless
    /// they turned it off.
    pub async fn notification_choices(&self, actor: &Actor) -> DeskResult<Vec<(OutboundKind, bool)>> {
        let stored = self.store.notification_prefs(actor.user_id).await?;
        Ok(OutboundKind::ALL
            .iter()
            .filter(|k| k.optional() && k.for_agents() == actor.is_staff())
            .map(|k| (*k, stored.iter().find(|(s, _)| s == k).is_none_or(|(_, on)| *on)))
            .collect())
    }

    /// Turns one kind of mail on or off for oneself.
    pub async fn set_notification_choice(&self, actor: &Actor, kind: OutboundKind, on: bool) -> DeskResult<()> {
        if !kind.optional() || kind.for_agents() != actor.is_staff() {
            return Err(DeskError::invalid("kind", "not_a_choice", "this kind of mail cannot be turned off here"));
        }
        Ok(self.store.set_notification_pref(actor.user_id, kind, on).await?)
    }

    /// The template of a kind in a language: an admin's, else the built-in.
    pub(crate) async fn template_for(&self, kind: OutboundKind, language: &str) -> DeskResult<Template> {
        let own = self.caches.mail_templates.get_or_read(|| self.store.mail_templates()).await?;
        Ok(own
            .iter()
            .find(|t| t.kind == kind && t.language == language)
            .map(|t| Template { subject: t.subject.clone(), body: t.body.clone() })
            .unwrap_or_else(|| templates::built_in(kind, language)))
    }

    /// Every template (admins): each kind and language with its text and
    /// whether an admin changed it.
    pub async fn mail_templates(&self, actor: &Actor) -> DeskResult<Vec<(OutboundKind, String, Template, bool)>> {
        require_admin(actor)?;
        let own = self.caches.mail_templates.get_or_read(|| self.store.mail_templates()).await?;
        let mut out = Vec::new();
        for kind in OutboundKind::ALL {
            for lang in LANGUAGES {
                match own.iter().find(|t| t.kind == *kind && t.language == *lang) {
                    Some(t) => out.push((
                        *kind,
                        (*lang).to_string(),
                        Template { subject: t.subject.clone(), body: t.body.clone() },
                        true,
                    )),
                    None => out.push((*kind, (*lang).to_string(), templates::built_in(*kind, lang), false)),
                }
            }
        }
        Ok(out)
    }

    /// Saves an admin's template after checking it (an unknown placeholder
    /// or a syntax error is refused with its place).
    pub async fn save_mail_template(
        &self,
        actor: &Actor,
        kind: OutboundKind,
        language: &str,
        template: Template,
    ) -> DeskResult<()> {
        require_admin(actor)?;
        if !LANGUAGES.contains(&language) {
            return Err(DeskError::invalid("language", "unknown", "templates exist in en, tr, zh and ru"));
        }
        templates::check(kind, &template).map_err(|e| {
            DeskError::invalid(e.part, "template", format!("{}, line {}: {}", e.part, e.line, e.message))
        })?;
        self.store
            .save_mail_template(MailTemplateRecord {
                kind,
                language: language.to_string(),
                subject: template.subject,
                body: template.body,
                updated_by: Some(actor.user_id),
                updated_at: self.now(),
            })
            .await?;
        self.caches.mail_templates.clear();
        Ok(())
    }

    /// Puts the built-in template of a kind and language back (admins).
    pub async fn reset_mail_template(&self, actor: &Actor, kind: OutboundKind, language: &str) -> DeskResult<()> {
        require_admin(actor)?;
        match self.store.delete_mail_template(kind, language).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        self.caches.mail_templates.clear();
        Ok(())
    }

    /// Renders a template (saved or not) against a real ticket the admin
    /// names, or the sample values without one: the editor's preview. Its
    /// `language` (English without one) picks the `plural` filter's rules.
    pub async fn preview_mail_template(
        &self,
        actor: &Actor,
        kind: OutboundKind,
        template: &Template,
        ticket: Option<TicketId>,
        language: Option<&str>,
    ) -> DeskResult<Rendered> {
        require_admin(actor)?;
        let mut context = match ticket {
            Some(id) => {
                let t = self.visible_ticket(actor, id).await?;
                self.preview_context(kind, &t).await?
            }
            None => templates::sample(kind),
        };
        let language = language.filter(|l| LANGUAGES.contains(l)).unwrap_or("en");
        context["language"] = language.into();
        templates::render(template, &context, None)
            .map_err(|e| DeskError::invalid(e.part, "template", format!("{}, line {}: {}", e.part, e.line, e.message)))
    }
}

/// Whether a permanent SMTP refusal is about the recipient's address (so
/// the address is suppressed) rather than about us (a relay that refuses
/// us, a policy, a message too large): by its enhanced status code
/// (RFC 3463) — 5.1.x (bad mailbox, bad domain, no such system), 5.2.1
/// (mailbox disabled), 5.4.4 (no route to the domain). Without an enhanced
/// code nothing is suppressed: a misconfigured relay answering `550 relay
/// not permitted` to every copy must not put every customer on the list.
pub fn names_the_address(answer: &str) -> bool {
    answer
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .find(|w| {
            let parts: Vec<&str> = w.split('.').collect();
            parts.len() == 3
                && parts.iter().all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        })
        .is_some_and(|code| code.starts_with("5.1.") || code == "5.2.1" || code == "5.4.4")
}

fn require_admin(actor: &Actor) -> DeskResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(DeskError::forbidden("only admins manage outgoing mail")) }
}

#[cfg(test)]
mod tests {
    use super::names_the_address;

    #[test]
    fn only_refusals_about_the_address_suppress_it() {
        assert!(names_the_address("permanent error (550): 5.1.1 <x@y>: Recipient address rejected: No such user"));
        assert!(names_the_address("550 5.1.10 RESOLVER.ADR.RecipientNotFound"));
        assert!(names_the_address("554 5.4.4 Unable to route"));
        assert!(names_the_address("550 5.2.1 Mailbox disabled"));
        assert!(!names_the_address("554 5.7.1 <x@y>: Relay access denied"));
        assert!(!names_the_address("552 5.3.4 Message size exceeds fixed limit"));
        assert!(!names_the_address("550 relay not permitted"));
        assert!(!names_the_address("550 5.7.30 Basic authentication is not supported for Client Submission"));
    }
}
