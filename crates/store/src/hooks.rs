//! Records of the integrations: webhooks with their deliveries and
//! attempts, and the HTTP endpoints asked for validation and panels.

use serde::{Deserialize, Serialize};
use tessera_core::ids::{DeliveryId, EventId, HookId, TicketId, WebhookId};
use tessera_core::{EventKind, Side, Timestamp};

/// The shape of what is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum HookFormat {
    /// Tessera's own: the event, the ticket as the API shows it, the message.
    Native,
    /// WiseCP's hook names and parameters (seed 000).
    Wisecp,
}

impl HookFormat {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Wisecp => "wisecp",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "native" => Some(Self::Native),
            "wisecp" => Some(Self::Wisecp),
            _ => None,
        }
    }
}

/// A webhook: where committed events are POSTed.
#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    /// Row id.
    pub id: WebhookId,
    /// Where to POST.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// Event kinds wanted; empty means all.
    pub kinds: Vec<EventKind>,
    /// Sides wanted; empty means all.
    pub sides: Vec<Side>,
    /// Payload shape.
    pub format: HookFormat,
    /// The signing secret, sealed with the installation key.
    pub secret: String,
    /// On or off.
    pub active: bool,
    /// Consecutive failed attempts after which it is switched off.
    pub failure_limit: u32,
    /// Failed attempts in a row so far.
    pub consecutive_failures: u32,
    /// Why it was switched off automatically.
    pub disabled_reason: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Waiting for its (next) attempt.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Given up (24 hours of retries).
    Failed,
}

impl DeliveryState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One thing to deliver to one webhook.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    /// Row id (sent as the delivery id, for de-duplication).
    pub id: DeliveryId,
    /// The webhook.
    pub webhook_id: WebhookId,
    /// The event (none for test deliveries).
    pub event_id: Option<EventId>,
    /// The ticket (deliveries of one ticket go out in order).
    pub ticket_id: Option<TicketId>,
    /// The event kind, or the WiseCP hook name.
    pub name: String,
    /// Where it stands.
    pub state: DeliveryState,
    /// Attempts so far.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: Timestamp,
    /// The last answer's status.
    pub last_status: Option<u16>,
    /// The last error.
    pub last_error: Option<String>,
    /// Creation time (retries stop 24 hours after it).
    pub created_at: Timestamp,
    /// Delivered or given up at.
    pub finished_at: Option<Timestamp>,
    /// The delivery this one repeats.
    pub redelivery_of: Option<DeliveryId>,
    /// The body of a test delivery.
    pub test_payload: Option<String>,
}

/// A delivery to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDelivery {
    /// The webhook.
    pub webhook_id: WebhookId,
    /// The event.
    pub event_id: Option<EventId>,
    /// The ticket.
    pub ticket_id: Option<TicketId>,
    /// The event kind or hook name.
    pub name: String,
    /// Due at.
    pub next_attempt_at: Timestamp,
    /// Repeats this delivery.
    pub redelivery_of: Option<DeliveryId>,
    /// The body of a test delivery.
    pub test_payload: Option<String>,
}

/// One attempt of a delivery, for the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// The delivery.
    pub delivery_id: DeliveryId,
    /// 1 for the first.
    pub attempt: u32,
    /// When it was made.
    pub at: Timestamp,
    /// The answer's status, if an answer came.
    pub status: Option<u16>,
    /// How long it took.
    pub latency_ms: u32,
    /// The start of the answer's body.
    pub response: String,
    /// What went wrong.
    pub error: Option<String>,
}

/// What an attempt leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Done.
    Delivered,
    /// Try again at this time.
    Retry(Timestamp),
    /// Give up.
    Failed,
}

/// What recording an attempt did to the webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptRecorded {
    /// Failed attempts in a row now.
    pub consecutive_failures: u32,
    /// This attempt switched the webhook off.
    pub disabled: bool,
}

/// Validation hook or panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// Asked before a ticket or reply is committed; may refuse it.
    Validation,
    /// Asked for an HTML fragment for a place of a page.
    Panel,
}

impl EndpointKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "validation",
            Self::Panel => "panel",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "validation" => Some(Self::Validation),
            "panel" => Some(Self::Panel),
            _ => None,
        }
    }
}

/// What a failing or silent validation hook means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OnFailure {
    /// Let the action through.
    Allow,
    /// Refuse the action.
    Refuse,
}

impl OnFailure {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Refuse => "refuse",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "allow" => Some(Self::Allow),
            "refuse" => Some(Self::Refuse),
            _ => None,
        }
    }
}

/// A validation hook or a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct HookEndpoint {
    /// Row id.
    pub id: HookId,
    /// Validation or panel.
    pub kind: EndpointKind,
    /// The WiseCP hook name (validation) or place (panel).
    pub name: String,
    /// Where to POST.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// Payload shape.
    pub format: HookFormat,
    /// The signing secret, sealed.
    pub secret: String,
    /// Lower runs first (seed 000's `Hook::add` priority).
    pub priority: i64,
    /// How long to wait for an answer.
    pub timeout_ms: u32,
    /// What a failure means (validation hooks).
    pub on_failure: OnFailure,
    /// On or off.
    pub active: bool,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}
