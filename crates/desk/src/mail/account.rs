//! Mail about an account rather than a ticket: a password reset link, a
//! customer's sign-in link. Queued like every other mail (the sender sends
//! it within seconds, retries it, records what became of it), in the
//! user's language, from `[mail] from`.

use tessera_core::User;
use tessera_store::{MailDeliveryState, NewOutbound, NewRecipient, OutboundKind};

use super::outbound::{MailPlan, PlanMailbox, templates};
use crate::error::DeskError;
use crate::{Desk, DeskResult};

/// What account mail says, with the link it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountMail {
    /// A password reset link (valid for `minutes`).
    PasswordReset {
        /// The whole link (`[server] public_url` + path and token).
        link: String,
        /// How long it works.
        minutes: u32,
    },
    /// A one-time sign-in link for a customer (valid for `minutes`).
    SignInLink {
        /// The whole link.
        link: String,
        /// How long it works.
        minutes: u32,
    },
}

impl Desk {
    /// Queues an account mail to `user`. Refused (`Unavailable`) when no
    /// SMTP server or no sender address is configured, so the caller can
    /// tell an admin; a suppressed address is recorded as such and nothing
    /// is sent.
    pub(crate) async fn queue_account_mail(&self, user: &User, mail: AccountMail) -> DeskResult<()> {
        let settings = self.outbound_settings();
        if !settings.enabled {
            return Err(DeskError::Unavailable("outgoing mail is not configured ([mail] smtp_url)".into()));
        }
        let Some((from_name, from_address)) = settings.from.clone() else {
            return Err(DeskError::Unavailable("no sender address is configured ([mail] from)".into()));
        };
        let (kind, link, minutes) = match mail {
            AccountMail::PasswordReset { link, minutes } => (OutboundKind::PasswordReset, link, minutes),
            AccountMail::SignInLink { link, minutes } => (OutboundKind::SignInLink, link, minutes),
        };
        let language = self.mail_language(&user.locale);
        let template = self.template_for(kind, &language).await?;
        let context = serde_json::json!({
            "language": language,
            "user": {"name": user.name, "email": user.email.as_str()},
            "link": {"url": link, "minutes": minutes},
        });
        let rendered = templates::render(&template, &context, None)
            .map_err(|e| DeskError::Internal(format!("the {} template cannot be rendered: {e}", kind.as_str())))?;
        let now = self.now();
        let random = hex::encode(crate::random::bytes::<12>()?);
        let host = from_address.rsplit('@').next().unwrap_or("localhost").to_string();
        let message_id = format!("account.{random}@{host}");
        let address = user.email.as_str().to_lowercase();
        let to = PlanMailbox { name: Some(user.name.clone()), address: address.clone() };
        let plan = MailPlan::outside_tickets(
            kind,
            (PlanMailbox { name: from_name, address: from_address }, to),
            rendered,
            message_id.clone(),
            self.mail_loop_id(),
            now,
        );
        let suppressed = self.store.suppressions_of(std::slice::from_ref(&address)).await?;
        let recipient = match suppressed.first() {
            Some(s) => NewRecipient {
                address,
                user_id: Some(user.id),
                state: MailDeliveryState::Suppressed,
                answer: Some(format!("suppressed: {}", s.reason)),
            },
            None => NewRecipient { address, user_id: Some(user.id), state: MailDeliveryState::Queued, answer: None },
        };
        let plan = serde_json::to_string(&plan).map_err(|e| DeskError::Internal(e.to_string()))?;
        self.store
            .queue_outbound(
                None,
                vec![NewOutbound {
                    ticket_id: None,
                    message_ref: None,
                    event_id: None,
                    kind,
                    mail_id: message_id,
                    plan,
                    recipients: vec![recipient],
                    created_at: now,
                }],
            )
            .await?;
        Ok(())
    }
}
