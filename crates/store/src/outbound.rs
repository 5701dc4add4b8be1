//! Records of mail going out (issue 17): each message built from the event
//! log or for an account, its recipients' delivery states, the addresses
//! nothing is sent to, people's notification choices and admins' templates.

use serde::{Deserialize, Serialize};
use tessera_core::Timestamp;
use tessera_core::ids::{EventId, MessageId, TicketId, UserId};

macro_rules! stored_names {
    ($(#[$meta:meta])* $name:ident { $($(#[$vm:meta])* $v:ident => $s:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)* }

        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[$($name::$v,)*];

            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)* }
            }

            /// Reads the stored spelling.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$v),)* _ => None }
            }
        }
    };
}

stored_names! {
    /// What a mail is: decides its template, its automatic-mail headers and
    /// which preference turns it off.
    OutboundKind {
        /// To a customer who opened a ticket: its number and access link.
        Acknowledgement => "acknowledgement",
        /// An agent's public reply (or a ticket an agent opened for a
        /// customer), with its attachments.
        AgentReply => "agent_reply",
        /// To the customer: the ticket was solved, and how to reopen it.
        Solved => "solved",
        /// To agents: a new ticket in their department.
        NewTicket => "new_ticket",
        /// To the assignee and the agents copied: the customer replied.
        CustomerReply => "customer_reply",
        /// To an agent: a ticket was assigned to them.
        Assigned => "assigned",
        /// To the assignee (or the department): an SLA target is near.
        SlaWarning => "sla_warning",
        /// To the assignee (or the department): an SLA target was missed.
        SlaBreached => "sla_breached",
        /// To an agent: another agent mentioned them (`@handle`) in a note
        /// or reply on a ticket they can see.
        Mention => "mention",
        /// A password reset link.
        PasswordReset => "password_reset",
        /// A customer's sign-in link.
        SignInLink => "sign_in_link",
        /// One mail listing the notifications a person chose to get as a
        /// digest (decision 48).
        Digest => "digest",
    }
}

impl OutboundKind {
    /// Whether people may turn this kind off (account mail and agents'
    /// answers always go: they are what was asked for).
    pub fn optional(self) -> bool {
        !matches!(self, Self::AgentReply | Self::PasswordReset | Self::SignInLink | Self::Digest)
    }

    /// Whether this kind goes to agents (their console's preferences) or to
    /// customers (the portal's).
    pub fn for_agents(self) -> bool {
        matches!(
            self,
            Self::NewTicket
                | Self::CustomerReply
                | Self::Assigned
                | Self::SlaWarning
                | Self::SlaBreached
                | Self::Mention
        )
    }
}

stored_names! {
    /// How a person gets one kind of notification (decision 48): stored in
    /// `notification_prefs.mode` and as departments' defaults.
    NotificationMode {
        /// Not at all.
        Off => "off",
        /// A mail of its own, as soon as the change is committed.
        Immediate => "immediate",
        /// Collected, and listed in one digest mail a period.
        Digest => "digest",
    }
}

impl NotificationMode {
    /// Reads a stored mode, including the `on` that choices were stored as
    /// before modes existed (issue 17's first version): it means immediate.
    pub fn read(s: &str) -> Option<Self> {
        if s == "on" { Some(Self::Immediate) } else { Self::parse(s) }
    }
}

/// A notification collected for a person's next digest, before it is
/// stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDigestItem {
    /// Whose digest it goes into.
    pub user_id: UserId,
    /// What kind of notification it stands for.
    pub kind: OutboundKind,
    /// The ticket it is about.
    pub ticket_id: Option<TicketId>,
    /// The event it was made for.
    pub event_id: Option<EventId>,
    /// Its line in the digest, rendered when collected (JSON: the
    /// notification's subject in the person's language, the ticket's
    /// number, subject and link).
    pub item: String,
    /// When it was collected (the change's time).
    pub created_at: Timestamp,
}

/// A collected notification waiting for its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem {
    /// Its id (ascending in collection order).
    pub id: i64,
    /// What it was collected as.
    pub item: NewDigestItem,
}

stored_names! {
    /// Where one recipient's copy is.
    MailDeliveryState {
        /// Waiting for its first try.
        Queued => "queued",
        /// The SMTP server accepted it.
        Sent => "sent",
        /// Refused for now (4xx, or the server was unreachable): tried again
        /// later.
        Deferred => "deferred",
        /// Refused for good (5xx), or tried for too long; the server's
        /// answer is kept.
        Failed => "failed",
        /// Accepted, then bounced back (a delivery status notification
        /// came in for it).
        Bounced => "bounced",
        /// Not sent: the address is on the suppression list.
        Suppressed => "suppressed",
    }
}

impl MailDeliveryState {
    /// Whether the sender may still try it.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Queued | Self::Deferred)
    }
}

/// The id of one recipient's delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct MailDeliveryId(pub i64);

/// A recipient of a message about to be queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecipient {
    /// The address (lower case).
    pub address: String,
    /// The user it belongs to, if known.
    pub user_id: Option<UserId>,
    /// `Queued`, or `Suppressed` when the address is on the list.
    pub state: MailDeliveryState,
    /// Why, when it is not queued.
    pub answer: Option<String>,
}

/// A message to queue: its plan and its recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbound {
    /// The ticket it is about (none for account mail).
    pub ticket_id: Option<TicketId>,
    /// The ticket message it carries.
    pub message_ref: Option<MessageId>,
    /// The event it was made for.
    pub event_id: Option<EventId>,
    /// What it is.
    pub kind: OutboundKind,
    /// Its Message-ID (without angle brackets).
    pub mail_id: String,
    /// What the sender composes it from (JSON, the desk's plan).
    pub plan: String,
    /// Who gets it.
    pub recipients: Vec<NewRecipient>,
    /// When it was queued.
    pub created_at: Timestamp,
}

/// The event-log cursor a batch of messages moves, in the same commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundCursor {
    /// The setting that holds it.
    pub name: String,
    /// Where the batch started (the cursor must still be here).
    pub from: EventId,
    /// The last event of the batch.
    pub up_to: EventId,
}

/// One recipient's copy of a message, with what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboundDelivery {
    /// Its id.
    pub id: MailDeliveryId,
    /// The message's id (shared by its recipients).
    pub outbound_id: i64,
    /// The ticket.
    pub ticket_id: Option<TicketId>,
    /// The ticket message it carries.
    pub message_ref: Option<MessageId>,
    /// What it is.
    pub kind: OutboundKind,
    /// The message's Message-ID.
    pub mail_id: String,
    /// The recipient.
    pub address: String,
    /// The recipient's user.
    pub user_id: Option<UserId>,
    /// Where it is.
    pub state: MailDeliveryState,
    /// Tries made.
    pub attempts: i64,
    /// When it is tried next (open states only).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub next_attempt_at: Timestamp,
    /// The SMTP server's last answer, or why it was not sent.
    pub answer: Option<String>,
    /// When the message was queued.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
    /// When its state last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub updated_at: Timestamp,
}

/// A delivery handed to the sender, with the plan of its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedDelivery {
    /// The delivery.
    pub delivery: OutboundDelivery,
    /// The message's plan (JSON).
    pub plan: String,
}

/// What a try came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOutcome {
    /// The new state.
    pub state: MailDeliveryState,
    /// The server's answer, or the error.
    pub answer: Option<String>,
    /// When to try again (deferred).
    pub next_attempt_at: Timestamp,
    /// When it happened.
    pub at: Timestamp,
}

/// An address nothing is sent to, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Suppression {
    /// The address (lower case).
    pub address: String,
    /// The failure that put it here.
    pub reason: String,
    /// The delivery that failed.
    pub delivery_id: Option<MailDeliveryId>,
    /// Since when.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
}

/// How many deliveries are in each kind and state (the metrics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundTally {
    /// What they are.
    pub kind: OutboundKind,
    /// Where they are.
    pub state: MailDeliveryState,
    /// How many.
    pub count: i64,
}

/// An admin's own version of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailTemplateRecord {
    /// The kind it is for.
    pub kind: OutboundKind,
    /// Its language (`en`, `tr`, `zh`, `ru`).
    pub language: String,
    /// The subject template.
    pub subject: String,
    /// The body template (plain text; the HTML part is made from it).
    pub body: String,
    /// Who saved it.
    pub updated_by: Option<UserId>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub updated_at: Timestamp,
}
