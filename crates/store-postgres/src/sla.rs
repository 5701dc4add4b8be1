//! SLA policies and tickets' stored SLA states (migration 0003): the SQLite
//! store's `sla.rs` on PostgreSQL, with the same tables and columns.
//!
//! Where SQLite's single writer made a check-then-write safe, this takes a
//! row lock: [`record_sla_alerts`] locks the ticket row (`FOR NO KEY
//! UPDATE`) before it compares the ticket's version and the alerts already
//! written, so two checkers of one ticket (in two instances) run one after
//! the other and the second finds the first one's alerts: each alert is
//! written once. [`save_ticket_sla`] is a single upsert whose `WHERE` keeps
//! a state computed from a later ticket version.

use crate::db::{Db, Tx, execute, query, query_opt};
use crate::rows::{RowExt, b, ms, ms_opt, to_json};
use tessera_core::ids::*;
use tessera_core::sla::{SlaPolicy, TargetState};
use tessera_core::{StatusCategory, Timestamp};
use tessera_store::*;
use tokio_postgres::Row;

const POLICY_SELECT: &str =
    "id, name, position, active, department_ids, schedule, targets, warning_minutes, created_at, updated_at";

fn policy_from_row(r: &Row) -> StoreResult<SlaPolicyRecord> {
    Ok(SlaPolicyRecord {
        id: SlaPolicyId(r.int(0)?),
        position: r.int(2)?,
        active: r.flag(3)?,
        policy: SlaPolicy {
            name: r.text(1)?,
            department_ids: r.json(4)?,
            schedule: r.json(5)?,
            targets: r.json(6)?,
            warning_minutes: r.int(7)?,
        },
        created_at: r.ts(8)?,
        updated_at: r.ts(9)?,
    })
}

/// A policy's stored values, in `POLICY_SELECT` order after `id` and
/// `position`, as owned values.
struct PolicyValues {
    name: String,
    active: i64,
    department_ids: String,
    schedule: String,
    targets: String,
    warning_minutes: i64,
    created_at: i64,
    updated_at: i64,
}

fn policy_values(p: &SlaPolicyRecord) -> StoreResult<PolicyValues> {
    Ok(PolicyValues {
        name: p.policy.name.clone(),
        active: b(p.active),
        department_ids: to_json(&p.policy.department_ids)?,
        schedule: to_json(&p.policy.schedule)?,
        targets: to_json(&p.policy.targets)?,
        warning_minutes: i64::from(p.policy.warning_minutes),
        created_at: ms(p.created_at),
        updated_at: ms(p.updated_at),
    })
}

/// Creates a policy after the others (its position one past the highest).
pub async fn insert_sla_policy(tx: &Tx<'_>, mut p: SlaPolicyRecord) -> StoreResult<SlaPolicyRecord> {
    let v = policy_values(&p)?;
    let row = query_opt(
        tx,
        "INSERT INTO sla_policies (name, position, active, department_ids, schedule, targets, warning_minutes, \
         created_at, updated_at) \
         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM sla_policies), $2, $3, $4, $5, $6, $7, $8) \
         RETURNING id, position",
        &[
            &v.name,
            &v.active,
            &v.department_ids,
            &v.schedule,
            &v.targets,
            &v.warning_minutes,
            &v.created_at,
            &v.updated_at,
        ],
    )
    .await?
    .ok_or_else(|| StoreError::Backend("INSERT … RETURNING gave no row".into()))?;
    p.id = SlaPolicyId(row.int(0)?);
    p.position = row.int(1)?;
    Ok(p)
}

/// Saves a policy ([`StoreError::NotFound`] when there is none).
pub async fn update_sla_policy(tx: &Tx<'_>, p: &SlaPolicyRecord) -> StoreResult<()> {
    let v = policy_values(p)?;
    let n = execute(
        tx,
        "UPDATE sla_policies SET name = $1, position = $2, active = $3, department_ids = $4, schedule = $5, \
         targets = $6, warning_minutes = $7, created_at = $8, updated_at = $9 WHERE id = $10",
        &[
            &v.name,
            &p.position,
            &v.active,
            &v.department_ids,
            &v.schedule,
            &v.targets,
            &v.warning_minutes,
            &v.created_at,
            &v.updated_at,
            &p.id.0,
        ],
    )
    .await?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One policy.
pub async fn sla_policy(c: &impl Db, id: SlaPolicyId) -> StoreResult<Option<SlaPolicyRecord>> {
    let sql = format!("SELECT {POLICY_SELECT} FROM sla_policies WHERE id = $1");
    query_opt(c, &sql, &[&id.0]).await?.as_ref().map(policy_from_row).transpose()
}

/// Every policy in position order.
pub async fn list_sla_policies(c: &impl Db) -> StoreResult<Vec<SlaPolicyRecord>> {
    let sql = format!("SELECT {POLICY_SELECT} FROM sla_policies ORDER BY position, id");
    query(c, &sql, &[]).await?.iter().map(policy_from_row).collect()
}

/// Removes a policy (the states naming it keep no link: `ON DELETE SET
/// NULL`).
pub async fn delete_sla_policy(tx: &Tx<'_>, id: SlaPolicyId) -> StoreResult<()> {
    let n = execute(tx, "DELETE FROM sla_policies WHERE id = $1", &[&id.0]).await?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

const STATE_SELECT: &str =
    "ticket_id, ticket_version, policy_id, targets, next_due_at, next_alert_at, breached, announced, computed_at";

fn state_from_row(r: &Row) -> StoreResult<TicketSlaRecord> {
    Ok(TicketSlaRecord {
        ticket_id: TicketId(r.int(0)?),
        ticket_version: r.int(1)?,
        policy_id: r.int_opt::<i64>(2)?.map(SlaPolicyId),
        targets: r.json(3)?,
        next_due_at: r.ts_opt(4)?,
        next_alert_at: r.ts_opt(5)?,
        breached: r.flag(6)?,
        announced: r.json(7)?,
        computed_at: r.ts(8)?,
    })
}

/// A ticket's stored state.
pub async fn ticket_sla(c: &impl Db, ticket: TicketId) -> StoreResult<Option<TicketSlaRecord>> {
    let sql = format!("SELECT {STATE_SELECT} FROM ticket_sla WHERE ticket_id = $1");
    query_opt(c, &sql, &[&ticket.0]).await?.as_ref().map(state_from_row).transpose()
}

/// A target's due time and status (its serde name), as the per-metric
/// columns hold them.
fn metric(t: &Option<TargetState>) -> (Option<i64>, Option<String>) {
    match t {
        Some(t) => (
            ms_opt(t.due_at),
            Some(serde_json::to_value(t.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()),
        ),
        None => (None, None),
    }
}

/// The values of a state row, owned, in `STATE_UPSERT`'s order.
struct StateValues {
    ticket_id: i64,
    ticket_version: i64,
    policy_id: Option<i64>,
    targets: String,
    first_response: (Option<i64>, Option<String>),
    next_response: (Option<i64>, Option<String>),
    resolution: (Option<i64>, Option<String>),
    next_due_at: Option<i64>,
    next_alert_at: Option<i64>,
    breached: i64,
    announced: String,
    computed_at: i64,
}

impl StateValues {
    fn new(s: &TicketSlaRecord) -> StoreResult<Self> {
        Ok(Self {
            ticket_id: s.ticket_id.0,
            ticket_version: s.ticket_version,
            policy_id: s.policy_id.map(|p| p.0),
            targets: to_json(&s.targets)?,
            first_response: metric(&s.targets.first_response),
            next_response: metric(&s.targets.next_response),
            resolution: metric(&s.targets.resolution),
            next_due_at: ms_opt(s.next_due_at),
            next_alert_at: ms_opt(s.next_alert_at),
            breached: b(s.breached),
            announced: to_json(&s.announced)?,
            computed_at: ms(s.computed_at),
        })
    }

    async fn upsert(&self, tx: &Tx<'_>, sql: &str) -> StoreResult<u64> {
        execute(
            tx,
            sql,
            &[
                &self.ticket_id,
                &self.ticket_version,
                &self.policy_id,
                &self.targets,
                &self.first_response.0,
                &self.first_response.1,
                &self.next_response.0,
                &self.next_response.1,
                &self.resolution.0,
                &self.resolution.1,
                &self.next_due_at,
                &self.next_alert_at,
                &self.breached,
                &self.announced,
                &self.computed_at,
            ],
        )
        .await
    }
}

/// Inserts a state row for a ticket that exists (none for one deleted for
/// good meanwhile: nothing to keep), or updates the stored one; every
/// column but `announced`, which only [`record_sla_alerts`] changes. The
/// casts name the parameters' types (a `SELECT` list does not take them
/// from the target columns).
const STATE_UPSERT: &str = "INSERT INTO ticket_sla (ticket_id, ticket_version, policy_id, targets, \
     first_response_due_at, first_response_status, next_response_due_at, next_response_status, resolution_due_at, \
     resolution_status, next_due_at, next_alert_at, breached, announced, computed_at) \
     SELECT $1::bigint, $2::bigint, $3::bigint, $4::text, $5::bigint, $6::text, $7::bigint, $8::text, $9::bigint, \
     $10::text, $11::bigint, $12::bigint, $13::bigint, $14::text, $15::bigint \
     WHERE EXISTS (SELECT 1 FROM tickets WHERE id = $1) \
     ON CONFLICT (ticket_id) DO UPDATE SET ticket_version = excluded.ticket_version, \
     policy_id = excluded.policy_id, targets = excluded.targets, \
     first_response_due_at = excluded.first_response_due_at, first_response_status = excluded.first_response_status, \
     next_response_due_at = excluded.next_response_due_at, next_response_status = excluded.next_response_status, \
     resolution_due_at = excluded.resolution_due_at, resolution_status = excluded.resolution_status, \
     next_due_at = excluded.next_due_at, next_alert_at = excluded.next_alert_at, breached = excluded.breached, \
     computed_at = excluded.computed_at";

/// Saves a computed state unless one computed from a later ticket version
/// is stored; keeps the stored list of written alerts.
pub async fn save_ticket_sla(tx: &Tx<'_>, s: &TicketSlaRecord) -> StoreResult<()> {
    let sql = format!("{STATE_UPSERT} WHERE excluded.ticket_version >= ticket_sla.ticket_version");
    match StateValues::new(s)?.upsert(tx, &sql).await {
        // The ticket was deleted for good between the check and the insert.
        Ok(_) | Err(StoreError::InvalidReference(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes alerts and the state that records them, if the ticket is still
/// at the record's version and the stored alerts are still `expected`.
pub async fn record_sla_alerts(
    tx: &Tx<'_>,
    s: &TicketSlaRecord,
    expected: &[String],
    events: &[NewEvent],
) -> StoreResult<Vec<EventId>> {
    // The row lock makes a second checker of this ticket wait here until
    // the first commits, then read the alerts it wrote. NO KEY UPDATE: rows
    // referencing the ticket (messages, events) may still be inserted.
    let version: Option<i64> = query_opt(
        tx,
        "SELECT version FROM tickets WHERE id = $1 AND deleted_at IS NULL FOR NO KEY UPDATE",
        &[&s.ticket_id.0],
    )
    .await?
    .map(|r| r.int(0))
    .transpose()?;
    if version != Some(s.ticket_version) {
        return Err(StoreError::VersionConflict);
    }
    let stored: Vec<String> = ticket_sla(tx, s.ticket_id).await?.map(|r| r.announced).unwrap_or_default();
    if stored != expected {
        return Err(StoreError::VersionConflict);
    }
    let sql = format!("{STATE_UPSERT}, announced = excluded.announced");
    StateValues::new(s)?.upsert(tx, &sql).await?;
    // Last: it takes the event-order lock and notifies listeners.
    crate::tickets::insert_events(tx, s.ticket_id, s.ticket_version, events, &[]).await
}

/// Tickets (not deleted) whose next alert is due, earliest first.
pub async fn due_sla_alerts(c: &impl Db, now: Timestamp, limit: u32) -> StoreResult<Vec<TicketId>> {
    let rows = query(
        c,
        "SELECT s.ticket_id FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id \
         WHERE s.next_alert_at IS NOT NULL AND s.next_alert_at <= $1 AND t.deleted_at IS NULL \
         ORDER BY s.next_alert_at, s.ticket_id LIMIT $2",
        &[&ms(now), &i64::from(limit)],
    )
    .await?;
    rows.iter().map(|r| r.int(0).map(TicketId)).collect()
}

/// The earliest pending alert of a ticket that is not deleted.
pub async fn next_sla_alert_at(c: &impl Db) -> StoreResult<Option<Timestamp>> {
    let row = query_opt(
        c,
        "SELECT s.next_alert_at FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id \
         WHERE s.next_alert_at IS NOT NULL AND t.deleted_at IS NULL ORDER BY s.next_alert_at LIMIT 1",
        &[],
    )
    .await?;
    row.map(|r| r.ts(0)).transpose()
}

/// Unsolved, undeleted tickets to recompute, in id order (with
/// `stale_only`, those without a state of their current version).
pub async fn sla_candidates(c: &impl Db, after: TicketId, limit: u32, stale_only: bool) -> StoreResult<Vec<TicketId>> {
    let stale = if stale_only {
        " AND NOT EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.ticket_version = t.version)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT t.id FROM tickets t WHERE t.id > $1 AND t.deleted_at IS NULL \
         AND t.status_category NOT IN ($2, $3){stale} ORDER BY t.id LIMIT $4"
    );
    let rows = query(
        c,
        &sql,
        &[&after.0, &StatusCategory::Solved.as_str(), &StatusCategory::Closed.as_str(), &i64::from(limit)],
    )
    .await?;
    rows.iter().map(|r| r.int(0).map(TicketId)).collect()
}
