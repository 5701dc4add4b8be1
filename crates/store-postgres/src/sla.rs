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
use crate::rows::*;
use tessera_core::ids::*;
use tessera_core::{StatusCategory, Timestamp};
use tessera_store::sql::Value;
use tessera_store::*;

/// Creates a policy after the others (its position one past the highest).
pub async fn insert_sla_policy(tx: &Tx<'_>, mut p: SlaPolicyRecord) -> StoreResult<SlaPolicyRecord> {
    // Every value but the position, which the statement takes.
    let mut v = policy_values(&p)?;
    v.remove(1);
    let row = query_opt(
        tx,
        "INSERT INTO sla_policies (name, position, active, department_ids, schedule, targets, warning_minutes, \
         created_at, updated_at) \
         VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM sla_policies), $2, $3, $4, $5, $6, $7, $8) \
         RETURNING id, position",
        &bound(&binds(&v)),
    )
    .await?
    .ok_or_else(|| StoreError::Backend("INSERT … RETURNING gave no row".into()))?;
    p.id = SlaPolicyId(PgRow(&row).int(0)?);
    p.position = PgRow(&row).int(1)?;
    Ok(p)
}

/// Saves a policy ([`StoreError::NotFound`] when there is none).
pub async fn update_sla_policy(tx: &Tx<'_>, p: &SlaPolicyRecord) -> StoreResult<()> {
    let mut v = policy_values(p)?;
    v.push(Value::Int(p.id.0));
    let n = execute(
        tx,
        "UPDATE sla_policies SET name = $1, position = $2, active = $3, department_ids = $4, schedule = $5, \
         targets = $6, warning_minutes = $7, created_at = $8, updated_at = $9 WHERE id = $10",
        &bound(&binds(&v)),
    )
    .await?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One policy.
pub async fn sla_policy(c: &impl Db, id: SlaPolicyId) -> StoreResult<Option<SlaPolicyRecord>> {
    let sql = format!("SELECT {POLICY_SELECT} FROM sla_policies WHERE id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, policy_from_row)
}

/// Every policy in position order.
pub async fn list_sla_policies(c: &impl Db) -> StoreResult<Vec<SlaPolicyRecord>> {
    let sql = format!("SELECT {POLICY_SELECT} FROM sla_policies ORDER BY position, id");
    all(query(c, &sql, &[]).await?, policy_from_row)
}

/// Removes a policy (the states naming it keep no link: `ON DELETE SET
/// NULL`).
pub async fn delete_sla_policy(tx: &Tx<'_>, id: SlaPolicyId) -> StoreResult<()> {
    let n = execute(tx, "DELETE FROM sla_policies WHERE id = $1", &[&id.0]).await?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// A ticket's stored state.
pub async fn ticket_sla(c: &impl Db, ticket: TicketId) -> StoreResult<Option<TicketSlaRecord>> {
    let sql = format!("SELECT {STATE_SELECT} FROM ticket_sla WHERE ticket_id = $1");
    one(query_opt(c, &sql, &[&ticket.0]).await?, state_from_row)
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
    match execute(tx, &sql, &bound(&binds(&state_values(s)?))).await {
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
    .map(|r| PgRow(&r).int(0))
    .transpose()?;
    if version != Some(s.ticket_version) {
        return Err(StoreError::VersionConflict);
    }
    let stored: Vec<String> = ticket_sla(tx, s.ticket_id).await?.map(|r| r.announced).unwrap_or_default();
    if stored != expected {
        return Err(StoreError::VersionConflict);
    }
    let sql = format!("{STATE_UPSERT}, announced = excluded.announced");
    execute(tx, &sql, &bound(&binds(&state_values(s)?))).await?;
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
    rows.iter().map(|r| PgRow(r).int(0).map(TicketId)).collect()
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
    row.map(|r| PgRow(&r).ts(0)).transpose()
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
    rows.iter().map(|r| PgRow(r).int(0).map(TicketId)).collect()
}
