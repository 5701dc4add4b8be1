//! The SLA checker: a background task that writes `sla.warning` and
//! `sla.breached` events when their times come.
//!
//! It sleeps until the earliest pending alert time stored beside the
//! tickets (`ticket_sla.next_alert_at`), at most [`CheckerSettings::poll`],
//! or until the desk wakes it (a ticket's alert moved earlier, the policies
//! changed). Everything it needs is in the database, so it picks up where
//! it left off after a restart: on start it recomputes the states that are
//! missing or older than their ticket, then writes any alert that fell due
//! while it was down. Each alert is written once per target instance,
//! together with the state that records it, in one transaction; the webhook
//! worker delivers it from the event log like any other event.
//!
//! Time comes from the desk's clock, so tests that move a manual clock see
//! alerts at the next poll.

use super::{SlaSignal, alert_event, compute_state};
use crate::Desk;
use crate::error::DeskResult;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tessera_core::ids::TicketId;
use tessera_core::sla::SlaAlert;
use tessera_store::{SlaPolicyRecord, StoreError};

/// Tickets handled per step.
const BATCH: u32 = 200;

/// Tunables.
#[derive(Debug, Clone)]
pub struct CheckerSettings {
    /// The longest sleep between looks (alerts come on time whatever it is,
    /// when the clock is the system's; it bounds how late a missed wake-up
    /// or a moved clock is noticed).
    pub poll: Duration,
}

impl Default for CheckerSettings {
    fn default() -> Self {
        Self { poll: Duration::from_secs(60) }
    }
}

/// The running checker; dropping it stops the task.
pub struct SlaChecker {
    stop: Arc<AtomicBool>,
    signal: Arc<SlaSignal>,
}

impl Drop for SlaChecker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.signal.wake();
    }
}

impl SlaChecker {
    /// Starts the checker on the desk (inside a Tokio runtime).
    pub fn start(desk: Desk, settings: CheckerSettings) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let signal = Arc::clone(desk.sla_signal());
        let flag = Arc::clone(&stop);
        tokio::spawn(async move {
            let poll = settings.poll.max(Duration::from_millis(10));
            let floor = poll.min(Duration::from_millis(250));
            let mut all = false;
            let mut first = true;
            while !flag.load(Ordering::SeqCst) {
                all |= desk.sla.take_recompute_all();
                if first || all {
                    match recompute(&desk, !all, &flag).await {
                        Ok(()) => {
                            first = false;
                            all = false;
                        }
                        Err(e) => tracing::warn!(error = %e, "SLA: cannot recompute ticket states"),
                    }
                }
                if let Err(e) = alert_due(&desk, &flag).await {
                    tracing::warn!(error = %e, "SLA: cannot write alerts");
                }
                let sleep = match desk.store().next_sla_alert_at().await {
                    Ok(Some(at)) => (at - desk.now()).to_std().unwrap_or(Duration::ZERO).clamp(floor, poll),
                    Ok(None) => poll,
                    Err(e) => {
                        tracing::warn!(error = %e, "SLA: cannot read the next alert time");
                        poll
                    }
                };
                if flag.load(Ordering::SeqCst) {
                    break;
                }
                tokio::select! {
                    () = tokio::time::sleep(sleep) => {}
                    () = desk.sla.woken() => {}
                }
            }
        });
        Self { stop, signal }
    }
}

/// Recomputes the states of open tickets in batches: all of them, or with
/// `stale_only` those missing or older than their ticket.
async fn recompute(desk: &Desk, stale_only: bool, stop: &AtomicBool) -> DeskResult<()> {
    let policies = desk.store().list_sla_policies().await?;
    if stale_only && !policies.iter().any(|p| p.active) {
        return Ok(());
    }
    let mut after = TicketId(0);
    loop {
        let ids = desk.store().sla_candidates(after, BATCH, stale_only).await?;
        for id in &ids {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            desk.refresh_sla_with(*id, Some(&policies)).await?;
        }
        match ids.last() {
            Some(last) if ids.len() == BATCH as usize => after = *last,
            _ => return Ok(()),
        }
    }
}

/// Writes every alert that is due.
async fn alert_due(desk: &Desk, stop: &AtomicBool) -> DeskResult<()> {
    let policies = desk.store().list_sla_policies().await?;
    // Bounded: a ticket whose write keeps conflicting is tried again at the
    // next look rather than in a tight loop.
    for _ in 0..50 {
        let now = desk.now();
        let ids = desk.store().due_sla_alerts(now, BATCH).await?;
        for id in &ids {
            if stop.load(Ordering::SeqCst) {
                return Ok(());
            }
            alert_ticket(desk, *id, &policies).await?;
        }
        if ids.len() < BATCH as usize {
            break;
        }
    }
    Ok(())
}

/// Recomputes one ticket and writes its due alerts.
async fn alert_ticket(desk: &Desk, id: TicketId, policies: &[SlaPolicyRecord]) -> DeskResult<()> {
    let store = desk.store();
    let Some(t) = store.ticket(id).await? else { return Ok(()) };
    let expected = store.ticket_sla(id).await?.map(|r| r.announced).unwrap_or_default();
    let now = desk.now();
    let (mut state, policy) = compute_state(&t, policies, &expected, now);
    let Some(policy) = policy else {
        store.save_ticket_sla(state).await?;
        return Ok(());
    };
    let warn = policy.policy.warning_minutes > 0;
    let alerts = state.targets.alerts_due(&state.announced, warn, now);
    if alerts.is_empty() {
        store.save_ticket_sla(state).await?;
        return Ok(());
    }
    let mut events = Vec::new();
    for (alert, target) in &alerts {
        events.push(alert_event(*alert, target, &policy, now));
        state.announced.push(target.alert_key(*alert));
        if *alert == SlaAlert::Breached {
            // A breach makes a later warning pointless.
            state.announced.push(target.alert_key(SlaAlert::Warning));
        }
    }
    state.announced.sort();
    state.announced.dedup();
    state.next_alert_at = state.targets.next_alert_at(&state.announced, warn);
    match store.record_sla_alerts(state, expected, events).await {
        Ok(_) => Ok(()),
        // The ticket or its alerts changed meanwhile: the next look redoes it.
        Err(StoreError::VersionConflict) => Ok(()),
        Err(e) => Err(e.into()),
    }
}
