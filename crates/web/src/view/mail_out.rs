//! Outgoing mail as pages show it (issue 17): the words for each kind of
//! mail and each delivery state, and one recipient's copy as a line ("Sent
//! to ana@… · 250 Ok"). The agent's ticket page and the admins' outgoing
//! queue share them, so a state reads the same everywhere; customers never
//! see any of it.

use super::Stamp;
use crate::i18n::I18n;
use tessera_store::{MailDeliveryState, OutboundDelivery, OutboundKind};

/// The name of a kind of mail.
pub fn kind_label(i: &I18n, k: OutboundKind) -> String {
    match k {
        OutboundKind::Acknowledgement => i.t("mailout.kind.acknowledgement"),
        OutboundKind::AgentReply => i.t("mailout.kind.agent_reply"),
        OutboundKind::Solved => i.t("mailout.kind.solved"),
        OutboundKind::NewTicket => i.t("mailout.kind.new_ticket"),
        OutboundKind::CustomerReply => i.t("mailout.kind.customer_reply"),
        OutboundKind::Assigned => i.t("mailout.kind.assigned"),
        OutboundKind::SlaWarning => i.t("mailout.kind.sla_warning"),
        OutboundKind::SlaBreached => i.t("mailout.kind.sla_breached"),
        OutboundKind::Mention => i.t("mailout.kind.mention"),
        OutboundKind::PasswordReset => i.t("mailout.kind.password_reset"),
        OutboundKind::SignInLink => i.t("mailout.kind.sign_in_link"),
        OutboundKind::Digest => i.t("mailout.kind.digest"),
    }
    .to_string()
}

/// The name of a delivery state (a filter tab, a badge).
pub fn state_label(i: &I18n, s: MailDeliveryState) -> String {
    match s {
        MailDeliveryState::Queued => i.t("mailout.state.queued"),
        MailDeliveryState::Sent => i.t("mailout.state.sent"),
        MailDeliveryState::Deferred => i.t("mailout.state.deferred"),
        MailDeliveryState::Failed => i.t("mailout.state.failed"),
        MailDeliveryState::Bounced => i.t("mailout.state.bounced"),
        MailDeliveryState::Suppressed => i.t("mailout.state.suppressed"),
    }
    .to_string()
}

/// What became of a copy to `address`, as a sentence ("Sent to {0}").
fn sentence(i: &I18n, s: MailDeliveryState, address: &str) -> String {
    let key = match s {
        MailDeliveryState::Queued => "mailout.line.queued",
        MailDeliveryState::Sent => "mailout.line.sent",
        MailDeliveryState::Deferred => "mailout.line.deferred",
        MailDeliveryState::Failed => "mailout.line.failed",
        MailDeliveryState::Bounced => "mailout.line.bounced",
        MailDeliveryState::Suppressed => "mailout.line.suppressed",
    };
    i.t1(key, address)
}

/// One recipient's copy as a line of the agent's ticket page.
#[derive(Debug, Clone)]
pub struct MailLine {
    /// The kind of mail, in words.
    pub kind: String,
    /// `sent`, `failed`… (the badge's class and `data-mail-state`).
    pub state: &'static str,
    /// What became of it: "Sent to ana@example.com".
    pub text: String,
    /// The server's answer (or why it was not sent), when there is one.
    pub answer: Option<String>,
    /// Not delivered for now or for good (shown as a warning).
    pub trouble: bool,
    /// The address is on the suppression list (a link to it is shown).
    pub suppressed: bool,
    /// When its state last changed.
    pub at: Stamp,
}

/// A copy as a line.
pub fn mail_line(i: &I18n, d: &OutboundDelivery) -> MailLine {
    MailLine {
        kind: kind_label(i, d.kind),
        state: d.state.as_str(),
        text: sentence(i, d.state, &d.address),
        answer: d.answer.clone().filter(|a| !a.trim().is_empty()),
        trouble: matches!(
            d.state,
            MailDeliveryState::Deferred
                | MailDeliveryState::Failed
                | MailDeliveryState::Bounced
                | MailDeliveryState::Suppressed
        ),
        suppressed: d.state == MailDeliveryState::Suppressed,
        at: Stamp::of(d.updated_at),
    }
}

/// Whether an admin may send a copy again from the queue (its cause may
/// have been fixed): failed, bounced or still deferred.
pub fn can_resend(s: MailDeliveryState) -> bool {
    matches!(s, MailDeliveryState::Failed | MailDeliveryState::Bounced | MailDeliveryState::Deferred)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_kind_and_state_reads_as_words_in_every_language() {
        for lang in Lang::ALL {
            let i = I18n::new(lang);
            for k in OutboundKind::ALL {
                let t = kind_label(&i, *k);
                assert!(!t.starts_with("mailout."), "{lang:?} {k:?}");
            }
            for s in MailDeliveryState::ALL {
                assert!(!state_label(&i, *s).starts_with("mailout."), "{lang:?} {s:?}");
                let line = sentence(&i, *s, "ana@example.com");
                assert!(line.contains("ana@example.com") && !line.starts_with("mailout."), "{lang:?} {s:?}: {line}");
            }
        }
        // The account page's choices are looked up by a computed key
        // (`mailout.choice.<kind>`), which the scan of literal keys cannot see.
        for lang in Lang::ALL {
            let i = I18n::new(lang);
            for k in OutboundKind::ALL.iter().filter(|k| k.optional()) {
                let key = format!("mailout.choice.{}", k.as_str());
                assert_ne!(i.t(&key), key, "{lang:?} has no words for {key}");
            }
        }
        let i = I18n::new(Lang::En);
        assert_eq!(sentence(&i, MailDeliveryState::Sent, "ana@example.com"), "Sent to ana@example.com");
        assert!(can_resend(MailDeliveryState::Failed) && !can_resend(MailDeliveryState::Sent));
    }
}
