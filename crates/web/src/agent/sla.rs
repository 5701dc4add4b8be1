//! SLA targets as the agent reads them: a cell of the console's SLA column
//! and the card on the ticket page, in the same words.

use crate::i18n::I18n;
use crate::view::Stamp;
use tessera_core::Timestamp;
use tessera_core::sla::{TargetState, TargetStatus};
use tessera_desk::sla::TicketSla;

/// The ticket's SLA as the agent page shows it: a countdown per target.
#[derive(Debug, Clone)]
pub struct SlaCard {
    /// The policy's name.
    pub policy: String,
    /// One row per measured target.
    pub rows: Vec<SlaRow>,
}

/// One SLA target on the agent page.
#[derive(Debug, Clone)]
pub struct SlaRow {
    /// What it measures.
    pub label: String,
    /// `running`, `paused`, `met` or `breached` (a CSS class).
    pub state: &'static str,
    /// `due in 2h 10m`, `breached 35m ago`, `met`.
    pub text: String,
    /// When it falls (or fell) due.
    pub due: Option<Stamp>,
}

/// One SLA target as the agent reads it: its state (a CSS class) and the
/// words for it (`due in 2h 10m`, `paused, 1h left`, `met`, `breached 35m
/// ago`), the same in the console's cell and on the ticket's card.
fn target_text(i: &I18n, t: &TargetState, now: Timestamp) -> (&'static str, String) {
    match t.status {
        TargetStatus::Running => ("running", i.t1("sla.due_in", i.duration(t.remaining_seconds))),
        TargetStatus::Paused => ("paused", i.t1("sla.paused", i.duration(t.remaining_seconds))),
        TargetStatus::Met => ("met", i.t("sla.met").to_string()),
        TargetStatus::Breached => {
            let ago = t.due_at.map_or(0, |due| (now - due).num_seconds().max(0));
            ("breached", i.t1("sla.breached_ago", i.duration(ago)))
        }
    }
}

/// A ticket's SLA in one console cell: the longest-breached target, else
/// when the next target falls due, else a paused one (waiting for the
/// customer); `None` when every target is met.
pub(super) fn sla_cell(i: &I18n, sla: &TicketSla, now: Timestamp) -> Option<(&'static str, String)> {
    let targets: Vec<_> = [&sla.first_response, &sla.next_response, &sla.resolution].into_iter().flatten().collect();
    if let Some(late) =
        targets.iter().filter(|t| t.status == TargetStatus::Breached && t.due_at.is_some()).min_by_key(|t| t.due_at)
    {
        return Some(target_text(i, late, now));
    }
    if let Some(due) = sla.next_due_at {
        return Some(("running", i.t1("sla.due_in", i.duration((due - now).num_seconds().max(0)))));
    }
    let paused = targets.into_iter().find(|t| t.status == TargetStatus::Paused)?;
    Some(target_text(i, paused, now))
}

/// The SLA card of a ticket, if a policy covers it.
pub(super) fn sla_card(i: &I18n, sla: Option<TicketSla>, now: Timestamp) -> Option<SlaCard> {
    let sla = sla?;
    let rows = [sla.first_response, sla.next_response, sla.resolution]
        .into_iter()
        .flatten()
        .map(|t| {
            let (state, text) = target_text(i, &t, now);
            SlaRow {
                label: i.t(&format!("sla.metric.{}", t.metric.as_str())).to_string(),
                state,
                text,
                due: t.due_at.map(Stamp::of),
            }
        })
        .collect();
    Some(SlaCard { policy: sla.policy, rows })
}
