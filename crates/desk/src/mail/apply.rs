//! Applying a parsed message: which ticket it belongs to, by a fixed order
//! of rules recorded as [`MatchedBy`], and the ticket or reply it becomes —
//! written in the same commit as the inbound row's new state, so a message
//! is applied exactly once however often it is handed in or retried.
//!
//! The order (see `docs/email.md`): (0) a token Tessera signed (see
//! `tokens`), in an id the message refers to, a plus-address or a body
//! marker; (1) every id in `In-Reply-To`, then in
//! `References`, newest first, against the ids the desk knows tickets by
//! (of mail received, and of the mail those referred to); (2) a ticket
//! number in the subject (`[#123456]`) — only when the sender is the
//! requester, on the ticket's cc, or a member of its organization who sees
//! the organization's tickets; otherwise the message opens a new ticket;
//! (3) optionally, per department (`mail_thread_days`), the sender's own
//! ticket there with the same subject without reply prefixes, changed
//! within that many days; (4) else a new ticket in the department whose
//! address it was sent to. The blocked-senders list is asked once the
//! department is known (the ticket's, or the one the message goes to).
//! Machine-made mail (auto-replies, bounces, list mail, our own) never
//! opens, reopens or answers anything: it is recorded as automatic,
//! against the ticket it concerns when one is found.

use super::types::{InboundMail, MailClass};
use crate::inputs::{OpenTicket, Origin, PostMessage};
use crate::{Desk, DeskError, DeskResult};
use tessera_core::ids::{AttachmentId, DepartmentId, InboundId, TicketId};
use tessera_core::message::Author;
use tessera_core::ticket::{Cc, Source};
use tessera_core::{Actor, Email, Role, Ticket, User};
use tessera_store::{InboundRecord, InboundState, MailApplied};

/// How an inbound message found its ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    /// A token Tessera signed: in an id it refers to, in a recipient's
    /// plus-address, or in its text.
    Token,
    /// It opened a new ticket.
    New,
    /// It opened a new ticket: its subject names one the sender may not
    /// write to.
    NewMentioning,
    /// An id in its `In-Reply-To`.
    InReplyTo,
    /// An id in its `References`.
    References,
    /// The ticket number in its subject, from someone on the ticket.
    SubjectTag,
    /// Its sender's ticket in the department with the same subject
    /// (without reply prefixes), changed within the department's
    /// `mail_thread_days`: the fourth rule, off unless a department turns
    /// it on.
    Subject,
}

impl MatchedBy {
    /// The recorded spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::New => "new",
            Self::NewMentioning => "new_mentioning",
            Self::InReplyTo => "in_reply_to",
            Self::References => "references",
            Self::SubjectTag => "subject_tag",
            Self::Subject => "subject",
        }
    }
}

/// The most of a sender's recent tickets in a department compared by
/// subject (the most recently changed).
const TOPIC_CANDIDATES: u32 = 200;
/// The most ids of a message's `References` looked up (the newest ones).
const MAX_REFERENCES: usize = 100;
/// The most cc addresses a new ticket takes from a message's recipients.
const MAX_CC: usize = 50;
/// The longest Message-ID kept.
const MAX_ID_LEN: usize = 998;
/// A sender's mail taken per window: far above any person's pace, far
/// below a loop's or a flood's. The rest is refused, recorded.
const SENDER_MAX: u32 = 60;
/// The window of [`SENDER_MAX`]: an hour.
const SENDER_WINDOW_MS: i64 = 60 * 60 * 1000;

/// What the state change of an inbound message records.
struct Settle {
    state: InboundState,
    reason: Option<String>,
    ticket_id: Option<TicketId>,
}

impl Desk {
    /// Applies a parsed message handed in before ([`Desk::store_raw_mail`]):
    /// a new ticket, a reply (or, from someone not on the ticket, an
    /// internal note flagged as theirs), a recorded automatic message, a
    /// refusal, a duplicate — or a quarantine with its reason when nothing
    /// else fits. Answers the row as it ends. A message already applied is
    /// answered as it is. Admins and Tessera itself only.
    pub async fn apply_mail(&self, actor: &Actor, id: InboundId, mail: &InboundMail) -> DeskResult<InboundRecord> {
        let record = self.inbound_mail(actor, id).await?;
        if !record.state.is_open() {
            return Ok(record);
        }
        let mail_id = mail.message_id.clone().filter(|m| !m.is_empty() && m.len() <= MAX_ID_LEN);
        if let Some(m) = &mail_id
            && let Some(first) = self.store.applied_inbound_by_mail_id(m).await?
            && first.id != id
        {
            let reason = format!("the same message was applied before (inbound message {})", first.id);
            let settle = Settle { state: InboundState::Duplicate, reason: Some(reason), ticket_id: first.ticket_id };
            return self.settle_mail(id, mail_id.as_deref(), settle).await;
        }
        let by_ids = match self.thread_by_token(&record, mail) {
            Some(t) => Some((t, MatchedBy::Token)),
            None => self.thread_by_ids(mail).await?,
        };
        if mail.class != MailClass::Human {
            let mut ticket_id = by_ids.map(|(t, _)| t);
            if ticket_id.is_none()
                && let Some(b) = &mail.bounced_message_id
            {
                ticket_id = match self.read_mail_token(b) {
                    Some((t, _)) => Some(t),
                    None => self.store.threads_of(std::slice::from_ref(b)).await?.first().map(|(_, h)| h.ticket_id),
                };
            }
            // A bounce of mail Tessera sent marks the recipient's delivery
            // (and a permanent one stops mail to the address).
            if mail.class == MailClass::Bounce
                && let Some(b) = &mail.bounced_message_id
            {
                for r in &mail.bounces {
                    let failed = r.permanent || r.action.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("failed"));
                    if let (Some(address), true) = (&r.recipient, failed) {
                        let words = [r.status.as_deref(), r.diagnostic.as_deref()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" ");
                        let answer = if words.is_empty() { "bounced".to_string() } else { format!("bounced: {words}") };
                        self.record_bounce(b, address, r.permanent, &answer).await?;
                    }
                }
            }
            let settle = Settle { state: InboundState::Automatic, reason: Some(automatic_reason(mail)), ticket_id };
            return self.settle_mail(id, mail_id.as_deref(), settle).await;
        }
        let Some(from) = &mail.from else {
            return self.quarantine_mail(id, mail_id.as_deref(), "the message names no sender").await;
        };
        let Ok(address) = Email::parse(from.address.trim()) else {
            return self.quarantine_mail(id, mail_id.as_deref(), "the sender's address is not valid").await;
        };
        let sender = self.store.user_by_email(address.as_str()).await?;
        if sender.as_ref().is_some_and(|u| u.disabled) {
            let settle =
                Settle { state: InboundState::Refused, reason: Some("the sender is blocked".into()), ticket_id: None };
            return self.settle_mail(id, mail_id.as_deref(), settle).await;
        }
        let key = format!("mail:{}", address.as_str().to_lowercase());
        if !self.store.rate_limit_hit(&key, SENDER_WINDOW_MS, SENDER_MAX, self.now()).await? {
            let reason = format!("the sender wrote more than {SENDER_MAX} messages within an hour");
            let settle = Settle { state: InboundState::Refused, reason: Some(reason), ticket_id: None };
            return self.settle_mail(id, mail_id.as_deref(), settle).await;
        }
        let target = match by_ids {
            Some((t, by)) => match self.store.ticket(t).await? {
                Some(ticket) if ticket.deleted_at.is_none() => Some((ticket, by)),
                _ => None,
            },
            None => None,
        };
        let (target, mentioned) = match target {
            Some(t) => (Some(t), false),
            None => match self.thread_by_subject_tag(mail, sender.as_ref()).await? {
                Tagged::Ticket(t) => (Some((*t, MatchedBy::SubjectTag)), false),
                Tagged::Stranger => (None, true),
                Tagged::None => (None, false),
            },
        };
        let mut applied = MailApplied {
            inbound_id: id,
            mail_id: mail_id.clone(),
            // Checked against the stored body where the message is written.
            quote_start: if mail.text.trim().is_empty() { None } else { mail.quote_start },
            matched_by: String::new(),
            thread_ids: thread_ids(mail),
            note: self.left_out(mail),
            at: self.now(),
        };
        let written = match target {
            Some((ticket, by)) => {
                if let Some(refused) =
                    self.refused_by_list(id, mail_id.as_deref(), &address, ticket.department_id).await?
                {
                    return Ok(refused);
                }
                applied.matched_by = by.as_str().into();
                self.mail_reply(&ticket, mail, &address, sender, applied).await
            }
            None => {
                let departments = self.store.list_departments().await?;
                let Some(department) = self.route(&record, mail, &departments).await? else {
                    return self
                        .quarantine_mail(id, mail_id.as_deref(), "no department has the address it was sent to")
                        .await;
                };
                if let Some(refused) = self.refused_by_list(id, mail_id.as_deref(), &address, department).await? {
                    return Ok(refused);
                }
                let by_topic = match (&sender, mentioned) {
                    (Some(user), false) => {
                        let days = departments.iter().find(|d| d.id == department).map_or(0, |d| d.mail_thread_days);
                        self.thread_by_topic(mail, user, department, days).await?
                    }
                    _ => None,
                };
                match by_topic {
                    Some(ticket) => {
                        applied.matched_by = MatchedBy::Subject.as_str().into();
                        self.mail_reply(&ticket, mail, &address, sender, applied).await
                    }
                    None => {
                        applied.matched_by =
                            if mentioned { MatchedBy::NewMentioning } else { MatchedBy::New }.as_str().into();
                        self.mail_ticket(department, &departments, mail, &address, sender, applied).await
                    }
                }
            }
        };
        match written {
            Ok(()) => self.inbound_mail(actor, id).await,
            // Applied meanwhile by another instance: its outcome stands.
            Err(DeskError::Conflict { code: "applied", .. }) => self.inbound_mail(actor, id).await,
            Err(e) if e.is_server_fault() => Err(e),
            Err(e) => self.quarantine_mail(id, mail_id.as_deref(), &format!("refused: {e}")).await,
        }
    }

    /// Puts a message aside with its reason, for an admin to look at and
    /// process again; it blocks nothing.
    pub async fn quarantine_mail(
        &self,
        id: InboundId,
        mail_id: Option<&str>,
        reason: &str,
    ) -> DeskResult<InboundRecord> {
        let settle = Settle { state: InboundState::Quarantined, reason: Some(reason.to_string()), ticket_id: None };
        self.settle_mail(id, mail_id, settle).await
    }

    async fn settle_mail(&self, id: InboundId, mail_id: Option<&str>, s: Settle) -> DeskResult<InboundRecord> {
        let settle = tessera_store::InboundSettle {
            state: s.state,
            reason: s.reason,
            mail_id: mail_id.map(str::to_string),
            ticket_id: s.ticket_id,
            at: self.now(),
        };
        // A message applied meanwhile keeps what it became.
        match self.store.settle_inbound(id, settle).await {
            Ok(()) | Err(tessera_store::StoreError::Duplicate(_)) => {}
            Err(e) => return Err(e.into()),
        }
        self.store.inbound(id).await?.ok_or_else(|| DeskError::not_found("inbound message"))
    }

    /// The ticket a token Tessera signed names: in `In-Reply-To`, in
    /// `References` (newest first), in a recipient's plus-address, or in a
    /// `[tessera:…]` marker of the text.
    fn thread_by_token(&self, record: &InboundRecord, mail: &InboundMail) -> Option<TicketId> {
        let ids = mail.in_reply_to.iter().chain(mail.references.iter().rev().take(MAX_REFERENCES));
        let addresses = record
            .envelope_to
            .iter()
            .chain(mail.to.iter().map(|a| &a.address))
            .chain(mail.cc.iter().map(|a| &a.address))
            .filter(|a| a.split('@').next().is_some_and(|local| local.contains('+')));
        ids.chain(addresses)
            .find_map(|t| self.read_mail_token(t))
            .or_else(|| self.read_mail_marker(&mail.text))
            .or_else(|| mail.html.as_deref().and_then(|h| self.read_mail_marker(h)))
            .map(|(ticket, _)| ticket)
    }

    /// The ticket an id of `In-Reply-To`, then of `References` (newest
    /// first), is known by.
    async fn thread_by_ids(&self, mail: &InboundMail) -> DeskResult<Option<(TicketId, MatchedBy)>> {
        for (ids, by) in [(&mail.in_reply_to, MatchedBy::InReplyTo), (&mail.references, MatchedBy::References)] {
            let wanted: Vec<String> = ids.iter().rev().take(MAX_REFERENCES).cloned().collect();
            if wanted.is_empty() {
                continue;
            }
            let hits = self.store.threads_of(&wanted).await?;
            for w in &wanted {
                if let Some((_, hit)) = hits.iter().find(|(m, _)| m == w) {
                    return Ok(Some((hit.ticket_id, by)));
                }
            }
        }
        Ok(None)
    }

    /// The ticket the subject's tag names, if the sender is on it.
    async fn thread_by_subject_tag(&self, mail: &InboundMail, sender: Option<&User>) -> DeskResult<Tagged> {
        let Some(number) = tessera_core::ticket::number_in_subject(&mail.subject) else { return Ok(Tagged::None) };
        let Some(ticket) = self.store.ticket_by_number(number).await?.filter(|t| t.deleted_at.is_none()) else {
            return Ok(Tagged::None);
        };
        let on_it = match sender {
            Some(u) if u.id == ticket.requester_id => true,
            Some(u) if u.role == Role::Customer => {
                ticket.cc.emails.iter().any(|e| e.as_str().eq_ignore_ascii_case(u.email.as_str()))
                    || (u.sees_all && u.organization_id.is_some() && u.organization_id == ticket.organization_id)
            }
            _ => false,
        };
        Ok(if on_it { Tagged::Ticket(Box::new(ticket)) } else { Tagged::Stranger })
    }

    /// Refuses the message, recorded with the entry that refused it, when
    /// the blocked-senders list turns `address` away from `department`.
    async fn refused_by_list(
        &self,
        id: InboundId,
        mail_id: Option<&str>,
        address: &Email,
        department: DepartmentId,
    ) -> DeskResult<Option<InboundRecord>> {
        let Some(block) = self.sender_block_for(address.as_str(), Some(department)).await? else { return Ok(None) };
        let scope = if block.department_id.is_some() { "this department's" } else { "the" };
        let reason = format!("the sender is on {scope} blocked-senders list ({})", block.pattern);
        let settle = Settle { state: InboundState::Refused, reason: Some(reason), ticket_id: None };
        self.settle_mail(id, mail_id, settle).await.map(Some)
    }

    /// The fourth rule: the sender's own ticket in `department` whose
    /// subject has the message's topic, changed within `days` (0: off) —
    /// the most recently changed if several. Only a known customer's own
    /// tickets: someone else's subject is no proof of anything.
    async fn thread_by_topic(
        &self,
        mail: &InboundMail,
        sender: &User,
        department: DepartmentId,
        days: u32,
    ) -> DeskResult<Option<Ticket>> {
        let topic = tessera_core::ticket::subject_topic(&mail.subject);
        if days == 0 || sender.role.is_staff() || topic.is_empty() {
            return Ok(None);
        }
        let query = tessera_store::TicketQuery {
            scope: tessera_core::permission::TicketScope::All,
            filter: tessera_store::TicketFilter {
                requester_id: Some(sender.id),
                department_ids: vec![department],
                updated_after: Some(self.now() - chrono::Duration::days(i64::from(days))),
                ..Default::default()
            },
            sort: tessera_store::TicketSort::default(),
            after: None,
            offset: 0,
            limit: TOPIC_CANDIDATES,
        };
        let found = self.store.list_tickets(&query).await?;
        Ok(found
            .into_iter()
            .find(|t| t.deleted_at.is_none() && tessera_core::ticket::subject_topic(&t.subject) == topic))
    }

    /// The department a new ticket goes to: the one whose address the
    /// envelope named, else the first addressed in `To`, then `Cc`.
    async fn route(
        &self,
        record: &InboundRecord,
        mail: &InboundMail,
        departments: &[tessera_core::Department],
    ) -> DeskResult<Option<DepartmentId>> {
        let of = |address: &str| {
            departments
                .iter()
                .find(|d| d.email.as_deref().is_some_and(|e| e.trim().eq_ignore_ascii_case(address.trim())))
        };
        let candidates = record
            .envelope_to
            .iter()
            .map(String::as_str)
            .chain(mail.to.iter().map(|a| a.address.as_str()))
            .chain(mail.cc.iter().map(|a| a.address.as_str()));
        for c in candidates {
            if let Some(d) = of(c) {
                return Ok(Some(d.id));
            }
        }
        // Fetched from a mailbox: its department, when no address matched.
        let mailbox = match record.mailbox_id {
            Some(id) => self.store.mailbox(tessera_core::ids::MailboxId(id)).await?,
            None => None,
        };
        Ok(mailbox.map(|m| m.department_id))
    }

    /// The sender as a customer, created without a password if unknown.
    async fn mail_customer(&self, address: &Email, name: Option<&str>, known: Option<User>) -> DeskResult<User> {
        if let Some(u) = known {
            return Ok(u);
        }
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| address.as_str().split('@').next().unwrap_or("customer").to_string());
        let name: String = name.chars().take(200).collect();
        let domain = address.as_str().rsplit('@').next().unwrap_or_default().to_lowercase();
        let organization_id = self
            .store
            .list_organizations()
            .await?
            .into_iter()
            .find(|o| o.email_domains.contains(&domain))
            .map(|o| o.id);
        let input = crate::inputs::CreateUser {
            organization_id,
            ..crate::inputs::CreateUser::new(address.clone(), &name, Role::Customer)
        };
        match self.create_user_unchecked(input).await {
            Ok(v) => Ok(v.user),
            // Created meanwhile (another message from them).
            Err(_) => self
                .store
                .user_by_email(address.as_str())
                .await?
                .ok_or_else(|| DeskError::Internal("the sender could not be created".into())),
        }
    }

    /// A new ticket from the message, opened by its sender.
    async fn mail_ticket(
        &self,
        department: DepartmentId,
        departments: &[tessera_core::Department],
        mail: &InboundMail,
        address: &Email,
        known: Option<User>,
        applied: MailApplied,
    ) -> DeskResult<()> {
        let name = mail.from.as_ref().and_then(|f| f.name.as_deref());
        let user = self.mail_customer(address, name, known).await?;
        if user.role.is_staff() {
            return Err(DeskError::forbidden("mail from an agent's address does not open tickets"));
        }
        let actor = self.actor_for(&user).await?;
        let ours: Vec<String> = departments.iter().filter_map(|d| d.email.as_deref()).map(str::to_lowercase).collect();
        let mut cc = Cc::default();
        for a in mail.to.iter().chain(mail.cc.iter()) {
            let lower = a.address.trim().to_lowercase();
            if cc.emails.len() >= MAX_CC || ours.contains(&lower) || lower == address.as_str().to_lowercase() {
                continue;
            }
            if let Ok(e) = Email::parse(a.address.trim())
                && !cc.emails.contains(&e)
            {
                cc.emails.push(e);
            }
        }
        let attachment_ids = self.mail_attachments(&actor, mail).await?;
        let subject = subject_line(&mail.subject);
        let input = OpenTicket {
            html: marked_html(mail),
            attachment_ids,
            cc: (!cc.emails.is_empty()).then_some(cc),
            ..OpenTicket::new(&subject, department, &body_text(mail))
        };
        let origin = Origin { channel: Source::Email, ip: None, mail: Some(applied) };
        self.open_ticket(&actor, input, &origin).await.map(|_| ())
    }

    /// A reply from the message on `ticket`: the sender's own when they may
    /// see the ticket, a reply in their name when their address is on its
    /// cc, else an internal note in their name, so a stranger quoting a
    /// ticket changes nothing a customer sees.
    async fn mail_reply(
        &self,
        ticket: &Ticket,
        mail: &InboundMail,
        address: &Email,
        known: Option<User>,
        applied: MailApplied,
    ) -> DeskResult<()> {
        let origin = Origin { channel: Source::Email, ip: None, mail: Some(applied) };
        if let Some(user) = &known
            && !user.role.is_staff()
        {
            let actor = self.actor_for(user).await?;
            if actor.can_view(ticket) {
                let attachment_ids = self.mail_attachments(&actor, mail).await?;
                let input =
                    PostMessage { html: marked_html(mail), attachment_ids, ..PostMessage::text(&body_text(mail)) };
                return self.reply(&actor, ticket.id, input, &origin).await.map(|_| ());
            }
        }
        let name = mail.from.as_ref().and_then(|f| f.name.clone()).unwrap_or_else(|| address.to_string());
        let author = Author {
            user_id: known.as_ref().map(|u| u.id),
            name: name.chars().take(200).collect(),
            email: Some(address.to_string()),
            staff: false,
        };
        let system = Actor::system();
        let attachment_ids = self.mail_attachments(&system, mail).await?;
        let input = PostMessage { html: marked_html(mail), attachment_ids, ..PostMessage::text(&body_text(mail)) };
        let copied = ticket.cc.emails.iter().any(|e| e.as_str().eq_ignore_ascii_case(address.as_str()));
        if copied && known.as_ref().is_none_or(|u| !u.role.is_staff()) {
            return self.reply_from(&system, ticket.id, input, &origin, author).await.map(|_| ());
        }
        self.note_from(&system, ticket.id, input, &origin, author).await.map(|_| ())
    }

    /// What of the message's files [`Desk::mail_attachments`] leaves out
    /// (empty, over the size limit, past the per-message count), in words
    /// for the inbound row: never dropped unsaid.
    fn left_out(&self, mail: &InboundMail) -> Option<String> {
        let mut out = Vec::new();
        let mut taken = 0;
        for a in &mail.attachments {
            let why = if a.bytes.is_empty() {
                Some("empty".to_string())
            } else if a.bytes.len() > self.limits.max_attachment_bytes {
                Some(format!("{} bytes, over the limit of {}", a.bytes.len(), self.limits.max_attachment_bytes))
            } else if taken >= self.limits.max_attachments_per_message {
                Some(format!("more than {} files", self.limits.max_attachments_per_message))
            } else {
                taken += 1;
                None
            };
            if let Some(w) = why {
                out.push(format!("{} ({w})", a.name));
            }
        }
        (!out.is_empty()).then(|| format!("files left out: {}", out.join(", ")))
    }

    /// The message's files, uploaded as `actor`'s, within the limits
    /// ([`Desk::left_out`] names the rest on the inbound row).
    async fn mail_attachments(&self, actor: &Actor, mail: &InboundMail) -> DeskResult<Vec<AttachmentId>> {
        let mut ids = Vec::new();
        for a in &mail.attachments {
            if ids.len() >= self.limits.max_attachments_per_message
                || a.bytes.is_empty()
                || a.bytes.len() > self.limits.max_attachment_bytes
            {
                continue;
            }
            ids.push(self.upload(actor, &a.name, a.bytes.clone()).await?.id);
        }
        Ok(ids)
    }
}

/// What a subject's ticket tag names.
enum Tagged {
    Ticket(Box<Ticket>),
    Stranger,
    None,
}

/// The ids the ticket is known by once the message is applied.
fn thread_ids(mail: &InboundMail) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in
        mail.message_id.iter().chain(mail.in_reply_to.iter()).chain(mail.references.iter().rev().take(MAX_REFERENCES))
    {
        if !id.is_empty() && id.len() <= MAX_ID_LEN && !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    ids
}

/// A subject fit for a ticket.
fn subject_line(subject: &str) -> String {
    let one_line: String = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = one_line.chars().take(250).collect();
    if cut.is_empty() { "(no subject)".into() } else { cut }
}

/// The message's HTML with [`crate::html::QUOTE_MARK`] where a mail
/// client's quote container opens, so pages fold the quoted history.
fn marked_html(mail: &InboundMail) -> Option<String> {
    mail.html.as_deref().map(|h| crate::html::mark_quote(h, mail.html_quote_start))
}

/// A message's text fit for a message: what it says, or a mark that it
/// says nothing (its files may be the point).
fn body_text(mail: &InboundMail) -> String {
    if mail.text.trim().is_empty() { "(no text)".into() } else { mail.text.clone() }
}

/// Why a message was taken as automatic, for its row.
fn automatic_reason(mail: &InboundMail) -> String {
    let kind = match mail.class {
        MailClass::Human => "human",
        MailClass::AutoReply => "auto-reply",
        MailClass::Bounce => "bounce",
        MailClass::Bulk => "list or bulk mail",
        MailClass::Report => "automatic report",
        MailClass::OwnLoop => "our own mail come back",
    };
    let failures: Vec<String> = mail
        .bounces
        .iter()
        .map(|b| {
            format!(
                "{} {}",
                b.recipient.as_deref().unwrap_or("?"),
                b.status.as_deref().or(b.diagnostic.as_deref()).unwrap_or("")
            )
            .trim()
            .to_string()
        })
        .collect();
    if failures.is_empty() { kind.into() } else { format!("{kind}: {}", failures.join(", ")) }
}
