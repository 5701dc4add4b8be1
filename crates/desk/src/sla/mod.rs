//! SLA policies and each ticket's SLA state.
//!
//! Admins keep the policies (agents may read them). The desk recomputes a
//! ticket's stored SLA state after every change it commits (the state is
//! derived: the ticket and the policies decide it), and the
//! [`SlaChecker`](checker::SlaChecker) writes `sla.warning` and
//! `sla.breached` events when their times come, once per target instance.
//! A ticket's answer computes its SLA afresh at the moment of asking, so the
//! countdown is exact.

pub mod checker;

use crate::Desk;
use crate::error::{DeskError, DeskResult};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tessera_core::ids::{DepartmentId, SlaPolicyId, TicketId};
use tessera_core::sla::{
    PriorityTargets, Schedule, ScheduleConfig, SlaAlert, SlaPolicy, SlaTargets, TargetState, TicketTimes,
};
use tessera_core::{Actor, EventKind, Side, Ticket, Timestamp};
use tessera_store::{NewEvent, SlaPolicyRecord, StoreError, TicketSlaRecord};
use tokio::sync::Notify;

/// Creating or changing an SLA policy; on a change, absent fields keep
/// their value.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlaPolicyInput {
    /// Display name (1–100 characters). Required on creation.
    #[serde(default)]
    pub name: Option<String>,
    /// The departments it applies to; empty: every department (a general
    /// policy). The first active policy naming a ticket's department wins,
    /// else the first active general one.
    #[serde(default)]
    pub department_ids: Option<Vec<DepartmentId>>,
    /// Business hours: a time zone, working intervals per weekday, holidays.
    /// Required on creation.
    #[serde(default)]
    pub schedule: Option<ScheduleConfig>,
    /// Targets per priority, in business minutes. Required on creation.
    #[serde(default)]
    pub targets: Option<PriorityTargets>,
    /// Warn this many business minutes before a target is breached (0: no
    /// warnings).
    #[serde(default)]
    pub warning_minutes: Option<u32>,
    /// Whether it applies (default true).
    #[serde(default)]
    pub active: Option<bool>,
    /// Place in the list (lower first); new policies go last.
    #[serde(default)]
    pub position: Option<i64>,
}

/// A ticket's SLA as agents see it: the policy and every measured target at
/// the moment of asking.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TicketSla {
    /// The policy that applies.
    pub policy_id: SlaPolicyId,
    /// Its name.
    pub policy: String,
    /// First response: creation to the first agent reply.
    pub first_response: Option<TargetState>,
    /// Next response: a customer's message to the next agent reply (while a
    /// cycle runs).
    pub next_response: Option<TargetState>,
    /// Resolution: creation to solved, less waiting for the customer.
    pub resolution: Option<TargetState>,
    /// Whether any target is breached.
    pub breached: bool,
    /// The earliest due time of a running target.
    pub next_due_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Tells the SLA checker that something changed: a ticket's next alert may
/// be earlier than the one it sleeps towards, or the policies changed and
/// every open ticket must be recomputed.
#[derive(Debug, Default)]
pub struct SlaSignal {
    wake: Notify,
    recompute_all: AtomicBool,
}

impl SlaSignal {
    /// Wakes the checker.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Asks the checker to recompute every open ticket, and wakes it.
    pub fn recompute_all(&self) {
        self.recompute_all.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Takes the "recompute every open ticket" request.
    fn take_recompute_all(&self) -> bool {
        self.recompute_all.swap(false, Ordering::SeqCst)
    }

    /// Waits for a wake-up.
    async fn woken(&self) {
        self.wake.notified().await;
    }
}

fn require_admin(actor: &Actor) -> DeskResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(DeskError::forbidden("only admins may change SLA policies")) }
}

fn require_staff(actor: &Actor) -> DeskResult<()> {
    if actor.is_staff() { Ok(()) } else { Err(DeskError::forbidden("SLA policies are for agents")) }
}

/// The policy that applies to a ticket of `department`: the first active
/// one naming it, else the first active general one.
pub fn policy_for(policies: &[SlaPolicyRecord], department: DepartmentId) -> Option<&SlaPolicyRecord> {
    let active = || policies.iter().filter(|p| p.active);
    active()
        .find(|p| p.policy.department_ids.contains(&department))
        .or_else(|| active().find(|p| p.policy.department_ids.is_empty()))
}

/// Whether SLA clocks run for `t` at all (deleted and merged tickets have
/// none).
fn measured(t: &Ticket) -> bool {
    t.deleted_at.is_none() && t.merged_into_id.is_none()
}

/// The state of `t` at `now` under `policies`, keeping the alerts already
/// written (`announced`) that still concern its targets.
pub fn compute_state(
    t: &Ticket,
    policies: &[SlaPolicyRecord],
    announced: &[String],
    now: Timestamp,
) -> (TicketSlaRecord, Option<SlaPolicyRecord>) {
    let policy = if measured(t) { policy_for(policies, t.department_id).cloned() } else { None };
    let targets =
        policy.as_ref().map_or_else(SlaTargets::default, |p| p.policy.evaluate(&TicketTimes::from_ticket(t), now));
    let warn = policy.as_ref().is_some_and(|p| p.policy.warning_minutes > 0);
    let announced = targets.keep_current(announced);
    let record = TicketSlaRecord {
        ticket_id: t.id,
        ticket_version: t.version,
        policy_id: policy.as_ref().map(|p| p.id),
        next_due_at: targets.next_due_at(),
        next_alert_at: targets.next_alert_at(&announced, warn),
        breached: targets.breached(),
        announced,
        targets,
        computed_at: now,
    };
    (record, policy)
}

/// The event of one alert.
fn alert_event(alert: SlaAlert, target: &TargetState, policy: &SlaPolicyRecord, now: Timestamp) -> NewEvent {
    NewEvent {
        kind: match alert {
            SlaAlert::Warning => EventKind::SlaWarning,
            SlaAlert::Breached => EventKind::SlaBreached,
        },
        side: Side::System,
        actor_id: None,
        message: None,
        changes: Default::default(),
        data: serde_json::json!({
            "metric": target.metric,
            "due_at": target.due_at,
            "warning_at": target.warning_at,
            "started_at": target.started_at,
            "target_minutes": target.target_minutes,
            "remaining_seconds": target.remaining_seconds,
            "policy_id": policy.id,
            "policy": policy.policy.name,
        }),
        created_at: now,
    }
}

impl Desk {
    /// The SLA checker's signal.
    pub fn sla_signal(&self) -> &Arc<SlaSignal> {
        &self.sla
    }

    // ---- policies ----------------------------------------------------------------

    /// Every SLA policy, in order (agents and admins).
    pub async fn list_sla_policies(&self, actor: &Actor) -> DeskResult<Vec<SlaPolicyRecord>> {
        require_staff(actor)?;
        Ok(self.store.list_sla_policies().await?)
    }

    /// One SLA policy (agents and admins).
    pub async fn sla_policy(&self, actor: &Actor, id: SlaPolicyId) -> DeskResult<SlaPolicyRecord> {
        require_staff(actor)?;
        self.store.sla_policy(id).await?.ok_or_else(|| DeskError::not_found("SLA policy"))
    }

    /// Creates an SLA policy (admins); open tickets are recomputed in the
    /// background.
    pub async fn create_sla_policy(&self, actor: &Actor, input: SlaPolicyInput) -> DeskResult<SlaPolicyRecord> {
        require_admin(actor)?;
        let name = input.name.clone().ok_or_else(|| DeskError::invalid("name", "required", "name is required"))?;
        let schedule =
            input.schedule.clone().ok_or_else(|| DeskError::invalid("schedule", "required", "schedule is required"))?;
        let targets = input.targets.ok_or_else(|| DeskError::invalid("targets", "required", "targets are required"))?;
        let policy = SlaPolicy {
            name,
            department_ids: Vec::new(),
            schedule: Self::schedule(schedule)?,
            targets,
            warning_minutes: 0,
        };
        let now = self.now();
        let mut record =
            SlaPolicyRecord { id: SlaPolicyId(0), position: 0, active: true, policy, created_at: now, updated_at: now };
        self.apply_policy_input(&mut record, SlaPolicyInput { schedule: None, ..input }).await?;
        let position = record.position;
        let created = self.store.insert_sla_policy(record).await;
        self.caches.sla_policies.clear();
        let mut created = created?;
        if position != 0 {
            created.position = position;
            let updated = self.store.update_sla_policy(&created).await;
            self.caches.sla_policies.clear();
            updated?;
        }
        self.sla.recompute_all();
        Ok(created)
    }

    /// Changes an SLA policy (admins); open tickets are recomputed in the
    /// background.
    pub async fn update_sla_policy(
        &self,
        actor: &Actor,
        id: SlaPolicyId,
        input: SlaPolicyInput,
    ) -> DeskResult<SlaPolicyRecord> {
        require_admin(actor)?;
        let mut record = self.store.sla_policy(id).await?.ok_or_else(|| DeskError::not_found("SLA policy"))?;
        self.apply_policy_input(&mut record, input).await?;
        record.updated_at = self.now();
        let updated = self.store.update_sla_policy(&record).await;
        self.caches.sla_policies.clear();
        updated?;
        self.sla.recompute_all();
        Ok(record)
    }

    /// Removes an SLA policy (admins); open tickets are recomputed in the
    /// background.
    pub async fn delete_sla_policy(&self, actor: &Actor, id: SlaPolicyId) -> DeskResult<()> {
        require_admin(actor)?;
        let deleted = self.store.delete_sla_policy(id).await;
        self.caches.sla_policies.clear();
        match deleted {
            Ok(()) => {
                self.sla.recompute_all();
                Ok(())
            }
            Err(StoreError::NotFound) => Err(DeskError::not_found("SLA policy")),
            Err(e) => Err(e.into()),
        }
    }

    /// A checked schedule; errors name `schedule.<field>`.
    fn schedule(config: ScheduleConfig) -> DeskResult<Schedule> {
        Schedule::new(config)
            .map_err(|e| DeskError::invalid(&format!("schedule.{}", e.field()), e.code(), e.to_string()))
    }

    async fn apply_policy_input(&self, record: &mut SlaPolicyRecord, input: SlaPolicyInput) -> DeskResult<()> {
        let p = &mut record.policy;
        if let Some(name) = input.name {
            p.name = name.trim().to_string();
        }
        if let Some(schedule) = input.schedule {
            p.schedule = Self::schedule(schedule)?;
        }
        if let Some(targets) = input.targets {
            p.targets = targets;
        }
        if let Some(w) = input.warning_minutes {
            p.warning_minutes = w;
        }
        if let Some(mut ids) = input.department_ids {
            ids.sort();
            ids.dedup();
            p.department_ids = ids;
        }
        if let Some(a) = input.active {
            record.active = a;
        }
        if let Some(pos) = input.position {
            record.position = pos;
        }
        p.validate().map_err(tessera_core::DomainError::from)?;
        if !p.department_ids.is_empty() {
            let known = self.store.list_departments().await?;
            if let Some(bad) = p.department_ids.iter().find(|d| !known.iter().any(|k| k.id == **d)) {
                return Err(DeskError::invalid(
                    "department_ids",
                    "unknown_department",
                    format!("there is no department with id {bad}"),
                ));
            }
        }
        Ok(())
    }

    // ---- tickets ---------------------------------------------------------------------

    /// The SLA of tickets the actor sees, computed now: `None` for
    /// customers, and for tickets no policy covers.
    pub async fn sla_of(&self, actor: &Actor, tickets: &[&Ticket]) -> DeskResult<Vec<Option<TicketSla>>> {
        if !actor.is_staff() {
            return Ok(vec![None; tickets.len()]);
        }
        let policies = self.sla_policies().await?;
        let now = self.now();
        Ok(tickets
            .iter()
            .map(|t| {
                let (state, policy) = compute_state(t, &policies, &[], now);
                policy.map(|p| TicketSla {
                    policy_id: p.id,
                    policy: p.policy.name,
                    first_response: state.targets.first_response,
                    next_response: state.targets.next_response,
                    resolution: state.targets.resolution,
                    breached: state.breached,
                    next_due_at: state.next_due_at,
                })
            })
            .collect())
    }

    /// Recomputes and stores a ticket's SLA state after a change. A failure
    /// is logged, not returned: the change itself is committed, and the
    /// checker recomputes stale states when it starts.
    pub(crate) async fn refresh_sla(&self, id: TicketId) {
        if let Err(e) = self.refresh_sla_with(id, None).await {
            tracing::warn!(ticket = id.0, error = %e, "cannot update the ticket's SLA state");
        }
    }

    /// Recomputes and stores a ticket's SLA state under `policies` (read
    /// when `None`).
    pub(crate) async fn refresh_sla_with(&self, id: TicketId, policies: Option<&[SlaPolicyRecord]>) -> DeskResult<()> {
        let read;
        let policies = match policies {
            Some(p) => p,
            None => {
                read = self.sla_policies().await?;
                &read
            }
        };
        let previous = self.store.ticket_sla(id).await?;
        if previous.is_none() && !policies.iter().any(|p| p.active) {
            // No policy at all and nothing stored: keep no row.
            return Ok(());
        }
        let Some(t) = self.store.ticket(id).await? else { return Ok(()) };
        let announced = previous.as_ref().map(|p| p.announced.clone()).unwrap_or_default();
        let (state, _) = compute_state(&t, policies, &announced, self.now());
        let wake = state.next_alert_at.is_some();
        self.store.save_ticket_sla(state).await?;
        if wake {
            self.sla.wake();
        }
        Ok(())
    }
}
