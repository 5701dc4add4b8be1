//! Notification modes and digests (decision 48).
//!
//! Each kind of notification a person may turn off reaches them in a mode:
//! `off`, `immediate` (a mail of its own, as before) or `digest`. A
//! person's own choice wins; for the agents' kinds a department's default
//! comes next (the department of the ticket the notification is about);
//! without either, immediate. Customers' kinds have one default for the
//! installation: immediate.
//!
//! A notification in digest mode is not queued as mail: its line (the
//! subject its own mail would have had, in the person's language, and the
//! ticket's number and link) is collected, in the same commit that moves
//! the outbound cursor. When the person's oldest collected line is one
//! period old (`[mail] digest_minutes`, 60), the sender's next poll asks
//! the desk ([`Desk::queue_due_digests`]) to queue one digest mail listing
//! them, through the same queue as every other mail; the digest and the
//! removal of its lines are one commit, so a crash loses nothing and two
//! instances never queue one digest twice.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};
use tessera_core::Actor;
use tessera_core::event::Event;
use tessera_core::ids::{DepartmentId, UserId};
use tessera_core::{Ticket, User};
use tessera_store::*;

use super::templates;
use super::{MailPlan, PlanMailbox};
use crate::error::DeskError;
use crate::{Desk, DeskResult};

/// The most lines one digest lists; a person with more gets the rest in
/// the next one, due at once.
pub const DIGEST_MAX_ITEMS: u32 = 200;
/// The longest time between two looks for due digests (shorter when the
/// period is shorter): the look is one indexed query, but the sender polls
/// every second.
const LOOK_EVERY_SECS: i64 = 15;

/// What a batch of events makes: mail to queue, and lines for digests.
/// Stored together, with the cursor, in one commit.
#[derive(Default)]
pub(super) struct Planned {
    /// Mail to queue now.
    pub(super) mails: Vec<NewOutbound>,
    /// Notifications collected for digests.
    pub(super) digest: Vec<NewDigestItem>,
}

impl Planned {
    /// Adds a mail to queue.
    pub(super) fn push(&mut self, mail: NewOutbound) {
        self.mails.push(mail);
    }

    /// Collects a notification for `user`'s digest instead of mailing it.
    pub(super) fn collect(
        &mut self,
        e: &Event,
        t: &Ticket,
        kind: OutboundKind,
        plan: &MailPlan,
        user: UserId,
        url: Option<&str>,
    ) {
        let item = json!({
            "kind": kind.as_str(),
            "subject": plan.subject,
            "ticket": {"number": t.number, "subject": t.subject, "url": url.unwrap_or_default()},
        });
        self.digest.push(NewDigestItem {
            user_id: user,
            kind,
            ticket_id: Some(t.id),
            event_id: Some(e.id),
            item: item.to_string(),
            created_at: e.created_at,
        });
    }
}

/// One kind of notification as a person (or a department) chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationChoice {
    /// The kind.
    pub kind: OutboundKind,
    /// The mode chosen; `None`: the default applies (a department's for
    /// agents' kinds, else immediate).
    pub mode: Option<NotificationMode>,
}

impl NotificationChoice {
    /// Whether the kind is on, as the on/off form of the API had it: on
    /// unless turned off.
    pub fn on(&self) -> bool {
        self.mode != Some(NotificationMode::Off)
    }
}

/// The kinds a person chooses for themselves: the agents' for staff, the
/// customers' for customers.
fn offered(staff: bool) -> impl Iterator<Item = OutboundKind> {
    OutboundKind::ALL.iter().copied().filter(move |k| k.optional() && k.for_agents() == staff)
}

impl Desk {
    /// One's own notification modes, for every kind one may choose.
    pub async fn notification_modes(&self, actor: &Actor) -> DeskResult<Vec<NotificationChoice>> {
        let own = self.store.notification_modes(actor.user_id).await?;
        Ok(offered(actor.is_staff())
            .map(|kind| NotificationChoice { kind, mode: own.iter().find(|(k, _)| *k == kind).map(|(_, m)| *m) })
            .collect())
    }

    /// Sets one's own modes: all of `choices` or, when one is not a kind
    /// one may choose, none of them. `None` goes back to the default.
    pub async fn set_notification_modes(&self, actor: &Actor, choices: &[NotificationChoice]) -> DeskResult<()> {
        let allowed: Vec<OutboundKind> = offered(actor.is_staff()).collect();
        if let Some(c) = choices.iter().find(|c| !allowed.contains(&c.kind)) {
            return Err(DeskError::invalid(
                "kind",
                "not_a_choice",
                format!("{} is not a kind of mail you can choose", c.kind.as_str()),
            ));
        }
        for c in choices {
            self.store.set_notification_mode(actor.user_id, c.kind, c.mode).await?;
        }
        Ok(())
    }

    /// A department's default modes of the agents' kinds (admins).
    pub async fn department_notification_defaults(
        &self,
        actor: &Actor,
        department: DepartmentId,
    ) -> DeskResult<Vec<NotificationChoice>> {
        require_admin(actor)?;
        self.store.department(department).await?.ok_or(DeskError::not_found("department"))?;
        let all = self.store.department_notification_defaults().await?;
        Ok(offered(true)
            .map(|kind| NotificationChoice {
                kind,
                mode: all.iter().find(|(d, k, _)| *d == department && *k == kind).map(|(_, _, m)| *m),
            })
            .collect())
    }

    /// Sets a department's default modes for its agents (admins): all of
    /// `choices` or, when one is not an agents' kind, none. `None` removes a
    /// default (immediate again).
    pub async fn set_department_notification_defaults(
        &self,
        actor: &Actor,
        department: DepartmentId,
        choices: &[NotificationChoice],
    ) -> DeskResult<()> {
        require_admin(actor)?;
        self.store.department(department).await?.ok_or(DeskError::not_found("department"))?;
        if let Some(c) = choices.iter().find(|c| !offered(true).any(|k| k == c.kind)) {
            return Err(DeskError::invalid(
                "kind",
                "not_a_choice",
                format!("{} is not an agents' kind of mail", c.kind.as_str()),
            ));
        }
        for c in choices {
            self.store.set_department_notification_default(department, c.kind, c.mode).await?;
        }
        self.caches.notification_defaults.clear();
        Ok(())
    }

    /// The modes of `users` for `kind` on a ticket of `department`: their
    /// own, else the department's default (agents' kinds), else immediate.
    pub(super) async fn modes_of(
        &self,
        kind: OutboundKind,
        department: DepartmentId,
        users: &[UserId],
    ) -> DeskResult<HashMap<UserId, NotificationMode>> {
        let own: HashMap<UserId, NotificationMode> =
            self.store.notification_modes_of(kind, users).await?.into_iter().collect();
        let default = if kind.for_agents() {
            let all =
                self.caches.notification_defaults.get_or_read(|| self.store.department_notification_defaults()).await?;
            all.iter().find(|(d, k, _)| *d == department && *k == kind).map(|(_, _, m)| *m)
        } else {
            None
        };
        let default = default.unwrap_or(NotificationMode::Immediate);
        Ok(users.iter().map(|u| (*u, own.get(u).copied().unwrap_or(default))).collect())
    }

    /// Queues the digests that are due (at most `limit` people's); answers
    /// how many. Called by the sender at each poll: it looks at most every
    /// few seconds. Without SMTP nothing is queued.
    pub async fn queue_due_digests(&self, limit: u32) -> DeskResult<usize> {
        if !self.outbound.enabled {
            return Ok(0);
        }
        let now = self.now();
        let period = chrono::Duration::from_std(self.outbound.digest_period).unwrap_or(chrono::Duration::hours(1));
        let every = period.num_milliseconds().clamp(0, LOOK_EVERY_SECS * 1000);
        let last = self.caches.digest_look.load(Ordering::Acquire);
        let at = now.timestamp_millis();
        if last != 0 && at - last < every {
            return Ok(0);
        }
        self.caches.digest_look.store(at, Ordering::Release);
        let mut queued = 0;
        for user in self.store.digests_due(now - period, limit).await? {
            let items = self.store.digest_items(user, DIGEST_MAX_ITEMS).await?;
            if items.is_empty() {
                continue;
            }
            let ids = items.iter().map(|i| i.id).collect();
            let mail = match self.store.user(user).await?.filter(|u| !u.disabled) {
                Some(u) => Some(self.digest_mail(&u, &items).await?),
                // Nobody to tell any more: the lines go.
                None => None,
            };
            match self.store.queue_digest(user, ids, mail).await {
                // Another instance queued it first.
                Err(StoreError::VersionConflict) => {}
                Err(e) => return Err(e.into()),
                Ok(()) => queued += 1,
            }
        }
        Ok(queued)
    }

    /// The digest mail listing `items` for `user`, in their language.
    async fn digest_mail(&self, user: &User, items: &[DigestItem]) -> DeskResult<NewOutbound> {
        let now = self.now();
        let language = self.mail_language(&user.locale);
        let lines: Vec<Value> = items.iter().filter_map(|i| serde_json::from_str(&i.item.item).ok()).collect();
        let context = json!({
            "language": language,
            "user": {"name": user.name, "email": user.email.as_str()},
            "count": lines.len(),
            "items": lines,
            "account_url": self.outbound.public_url.as_deref()
                .map(|b| format!("{}/account", b.trim_end_matches('/'))).unwrap_or_default(),
        });
        let template = self.template_for(OutboundKind::Digest, &language).await?;
        let rendered = match templates::render(&template, &context, None) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(kind = "digest", language, error = %e, "mail template failed; built-in used");
                templates::render(&templates::built_in(OutboundKind::Digest, &language), &context, None)
                    .map_err(|e| DeskError::Internal(e.to_string()))?
            }
        };
        let address = user.email.as_str().to_lowercase();
        let from = match self.outbound.from.clone() {
            Some((name, address)) => Some(PlanMailbox { name, address }),
            None => self.digest_sender(items).await?,
        };
        let random = hex::encode(crate::random::bytes::<12>()?);
        let (state, answer, mail_id, plan) = match from {
            None => (
                MailDeliveryState::Failed,
                Some("no sender address: set [mail] from".to_string()),
                format!("digest.{random}-unsent@localhost"),
                "{}".to_string(),
            ),
            Some(from) => {
                let host = from.address.rsplit('@').next().unwrap_or("localhost").to_string();
                let message_id = format!("digest.{random}@{host}");
                // Its lines are of several kinds: the account page's
                // choices, not one link, turn them off (no unsubscribe URL).
                let to = PlanMailbox { name: Some(user.name.clone()), address: address.clone() };
                let plan = MailPlan::outside_tickets(
                    OutboundKind::Digest,
                    (from, to),
                    rendered,
                    message_id.clone(),
                    self.mail_loop_id(),
                    now,
                );
                let json = serde_json::to_string(&plan).map_err(|e| DeskError::Internal(e.to_string()))?;
                match self.store.suppressions_of(std::slice::from_ref(&address)).await?.first() {
                    Some(s) => {
                        (MailDeliveryState::Suppressed, Some(format!("suppressed: {}", s.reason)), message_id, json)
                    }
                    None => (MailDeliveryState::Queued, None, message_id, json),
                }
            }
        };
        Ok(NewOutbound {
            ticket_id: None,
            message_ref: None,
            event_id: None,
            kind: OutboundKind::Digest,
            mail_id,
            plan,
            recipients: vec![NewRecipient { address, user_id: Some(user.id), state, answer }],
            created_at: now,
        })
    }

    /// Without `[mail] from`: the address of the department of the first
    /// listed ticket.
    async fn digest_sender(&self, items: &[DigestItem]) -> DeskResult<Option<PlanMailbox>> {
        let Some(ticket) = items.iter().find_map(|i| i.item.ticket_id) else { return Ok(None) };
        let Some(t) = self.store.ticket(ticket).await? else { return Ok(None) };
        let d = self.store.department(t.department_id).await?;
        Ok(d.and_then(|d| {
            d.email.clone().filter(|a| !a.trim().is_empty()).map(|address| PlanMailbox { name: Some(d.name), address })
        }))
    }
}

fn require_admin(actor: &Actor) -> DeskResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(DeskError::forbidden("only admins set departments' defaults")) }
}
