//! Events: the append-only record of every change. They are the ticket's
//! timeline, the audit log and the outbox that webhooks, e-mail and live
//! screens are fed from.

use crate::ids::{EventId, MessageId, TicketId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Who caused a change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A customer (or guest).
    Customer,
    /// An agent or admin.
    Agent,
    /// Tessera itself (automations, e-mail ingest bookkeeping).
    System,
}

impl Side {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Agent => "agent",
            Self::System => "system",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "customer" => Some(Self::Customer),
            "agent" => Some(Self::Agent),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

macro_rules! event_kinds {
    ($($(#[$m:meta])* $v:ident => $s:literal,)*) => {
        /// What happened. The dot names are stable: webhooks and the API use them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum EventKind {
            $($(#[$m])* #[serde(rename = $s)] $v,)*
        }

        impl EventKind {
            /// Every kind.
            pub const ALL: &'static [EventKind] = &[$(EventKind::$v,)*];

            /// The dot name.
            pub fn as_str(self) -> &'static str {
                match self { $(EventKind::$v => $s,)* }
            }

            /// Parses a dot name.
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(EventKind::$v),)* _ => None }
            }
        }
    };
}

event_kinds! {
    /// A ticket was opened.
    TicketCreated => "ticket.created",
    /// A public reply was added.
    TicketReplied => "ticket.replied",
    /// An internal note was added.
    NoteAdded => "note.added",
    /// Fields without an event of their own changed (subject, cc, flag, due date, queue boost).
    TicketUpdated => "ticket.updated",
    /// The status changed.
    StatusChanged => "ticket.status_changed",
    /// The priority changed.
    PriorityChanged => "ticket.priority_changed",
    /// The ticket moved to another department.
    DepartmentChanged => "ticket.department_changed",
    /// The assignee changed.
    AssigneeChanged => "ticket.assignee_changed",
    /// The linked service changed.
    ServiceChanged => "ticket.service_changed",
    /// The ticket was locked or unlocked.
    LockChanged => "ticket.lock_changed",
    /// Tags were added or removed.
    TagsChanged => "ticket.tags_changed",
    /// The type changed.
    TypeChanged => "ticket.type_changed",
    /// Custom field values changed (secret values never appear).
    CustomFieldsChanged => "ticket.custom_fields_changed",
    /// The ticket became solved.
    Solved => "ticket.solved",
    /// The ticket became closed.
    Closed => "ticket.closed",
    /// A solved ticket was reopened.
    Reopened => "ticket.reopened",
    /// The ticket was archived or taken out of the archive.
    Archived => "ticket.archived",
    /// Tickets were merged (recorded on the source and on the target).
    Merged => "ticket.merged",
    /// The ticket was deleted.
    Deleted => "ticket.deleted",
    /// A message's body was edited.
    MessageEdited => "message.edited",
    /// A message was deleted.
    MessageDeleted => "message.deleted",
    /// A customer rated an agent reply.
    MessageRated => "message.rated",
    /// An agent looked at a secret custom field value.
    SecretRevealed => "secret.revealed",
    /// An agent asked for the ticket's guest link (which acts as the
    /// requester on this ticket for whoever holds it).
    GuestLinkIssued => "ticket.guest_link_issued",
    /// A webhook was switched off after too many failed deliveries (recorded
    /// on the ticket whose delivery was the last straw).
    WebhookDisabled => "webhook.disabled",
    /// An SLA target is about to be breached: its warning lead began. `data`
    /// names the metric, the due time and the policy. Agents only.
    SlaWarning => "sla.warning",
    /// An SLA target was breached: its due time passed before it was met.
    /// `data` names the metric, the due time and the policy. Agents only.
    SlaBreached => "sla.breached",
}

// Written by hand: the derive cannot see serde renames made inside a macro,
// and the document must list the dot names the API really uses.
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for EventKind {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("What happened (a dot name)."))
            .enum_values(Some(EventKind::ALL.iter().map(|k| k.as_str())))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for EventKind {}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One field's old and new value.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// Before.
    pub old: serde_json::Value,
    /// After.
    pub new: serde_json::Value,
}

/// A recorded change.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Position in the log; increases with time.
    pub id: EventId,
    /// The ticket it concerns.
    pub ticket_id: TicketId,
    /// Who did it (`None` for the system).
    pub actor_id: Option<UserId>,
    /// Which side acted.
    pub side: Side,
    /// What happened.
    pub kind: EventKind,
    /// The message it concerns, if any.
    pub message_id: Option<MessageId>,
    /// Changed fields, by name.
    pub changes: BTreeMap<String, Change>,
    /// Anything else worth keeping (merge partners, follow-up links).
    pub data: serde_json::Value,
    /// The ticket's version after the change.
    pub ticket_version: i64,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl EventKind {
    /// Whether customers are told of events of this kind (on their own
    /// tickets): what they can see happen on the portal. Notes, assignment,
    /// tags, internal fields, reveals and integrations are agents' business.
    pub fn customer_visible(self) -> bool {
        matches!(
            self,
            Self::TicketCreated
                | Self::TicketReplied
                | Self::StatusChanged
                | Self::PriorityChanged
                | Self::DepartmentChanged
                | Self::LockChanged
                | Self::Solved
                | Self::Closed
                | Self::Reopened
                | Self::Archived
                | Self::Merged
                | Self::MessageRated
        )
    }
}

impl Event {
    /// What a customer may be told of this event: the kind, side, time and
    /// message of a customer-visible kind, without the changes and data
    /// (which can name internal fields). `None` for agents-only kinds.
    pub fn for_customer(&self) -> Option<Event> {
        self.kind.customer_visible().then(|| Event {
            changes: BTreeMap::new(),
            data: serde_json::Value::Null,
            actor_id: if self.side == Side::Customer { self.actor_id } else { None },
            ..self.clone()
        })
    }
}

/// The placeholder that stands for a secret value in events and logs.
pub const REDACTED: &str = "[secret]";
