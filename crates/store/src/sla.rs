//! SLA policies as stored, and each ticket's stored SLA state: what views
//! filter and sort on and what the SLA checker plans its alerts from.

use tessera_core::Timestamp;
use tessera_core::ids::{SlaPolicyId, TicketId};
use tessera_core::sla::{SlaPolicy, SlaTargets};

/// A policy as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaPolicyRecord {
    /// Row id.
    pub id: SlaPolicyId,
    /// Place in the list (lower first): the first policy naming a ticket's
    /// department wins, else the first general one.
    pub position: i64,
    /// Switched off policies are kept but apply to nothing.
    pub active: bool,
    /// Name, departments, schedule, targets and warning lead.
    pub policy: SlaPolicy,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// One ticket's SLA state as last computed: derived data (the ticket and
/// the policies decide it), kept so views can filter and sort on it and the
/// checker knows when to look again.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketSlaRecord {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The ticket version it was computed from.
    pub ticket_version: i64,
    /// The policy that applied (`None`: none did).
    pub policy_id: Option<SlaPolicyId>,
    /// Every measured target at `computed_at`.
    pub targets: SlaTargets,
    /// The earliest due time of a running target ("breaches within N hours").
    pub next_due_at: Option<Timestamp>,
    /// When the next alert not yet written falls due (the checker's timer).
    pub next_alert_at: Option<Timestamp>,
    /// Whether any target is breached.
    pub breached: bool,
    /// The alerts already written, by [`tessera_core::sla::TargetState::alert_key`],
    /// so each is written once.
    pub announced: Vec<String>,
    /// When it was computed.
    pub computed_at: Timestamp,
}
