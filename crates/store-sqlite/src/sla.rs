//! SLA policies and tickets' stored SLA states.

use crate::rows::*;
use crate::tickets::insert_events;
use rusqlite::{Connection, OptionalExtension, params};
use tessera_core::ids::*;
use tessera_core::time::from_millis;
use tessera_core::{StatusCategory, Timestamp};
use tessera_store::sql;
use tessera_store::*;

/// Creates a policy after the others.
pub fn insert_sla_policy(conn: &Connection, mut p: SlaPolicyRecord) -> StoreResult<SlaPolicyRecord> {
    p.position = conn.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM sla_policies", [], |r| r.get(0)).db()?;
    conn.prepare_cached(
        "INSERT INTO sla_policies (name, position, active, department_ids, schedule, targets, warning_minutes, \
         created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .db()?
    .execute(bound(&policy_values(&p)?))
    .db()?;
    p.id = SlaPolicyId(conn.last_insert_rowid());
    Ok(p)
}

/// Saves a policy.
pub fn update_sla_policy(conn: &Connection, p: &SlaPolicyRecord) -> StoreResult<()> {
    let mut vals = policy_values(p)?;
    vals.push(sql::Value::Int(p.id.0));
    let n = conn
        .prepare_cached(
            "UPDATE sla_policies SET name = ?1, position = ?2, active = ?3, department_ids = ?4, schedule = ?5, \
             targets = ?6, warning_minutes = ?7, created_at = ?8, updated_at = ?9 WHERE id = ?10",
        )
        .db()?
        .execute(bound(&vals))
        .db()?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One policy.
pub fn sla_policy(conn: &Connection, id: SlaPolicyId) -> StoreResult<Option<SlaPolicyRecord>> {
    conn.prepare_cached(&format!("SELECT {POLICY_SELECT} FROM sla_policies WHERE id = ?1"))
        .db()?
        .query_row([id.0], read(policy_from_row))
        .optional()
        .db()
}

/// Every policy in position order.
pub fn list_sla_policies(conn: &Connection) -> StoreResult<Vec<SlaPolicyRecord>> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {POLICY_SELECT} FROM sla_policies ORDER BY position, id")).db()?;
    stmt.query_map([], read(policy_from_row)).db()?.collect::<Result<Vec<_>, _>>().db()
}

/// Removes a policy.
pub fn delete_sla_policy(conn: &Connection, id: SlaPolicyId) -> StoreResult<()> {
    let n = conn.execute("DELETE FROM sla_policies WHERE id = ?1", [id.0]).db()?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// A ticket's stored state.
pub fn ticket_sla(conn: &Connection, ticket: TicketId) -> StoreResult<Option<TicketSlaRecord>> {
    conn.prepare_cached(&format!("SELECT {STATE_SELECT} FROM ticket_sla WHERE ticket_id = ?1"))
        .db()?
        .query_row([ticket.0], read(state_from_row))
        .optional()
        .db()
}

const STATE_INSERT: &str = "INSERT INTO ticket_sla (ticket_id, ticket_version, policy_id, targets, \
     first_response_due_at, first_response_status, next_response_due_at, next_response_status, resolution_due_at, \
     resolution_status, next_due_at, next_alert_at, breached, announced, computed_at) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) \
     ON CONFLICT (ticket_id) DO UPDATE SET ticket_version = excluded.ticket_version, \
     policy_id = excluded.policy_id, targets = excluded.targets, \
     first_response_due_at = excluded.first_response_due_at, first_response_status = excluded.first_response_status, \
     next_response_due_at = excluded.next_response_due_at, next_response_status = excluded.next_response_status, \
     resolution_due_at = excluded.resolution_due_at, resolution_status = excluded.resolution_status, \
     next_due_at = excluded.next_due_at, next_alert_at = excluded.next_alert_at, breached = excluded.breached, \
     computed_at = excluded.computed_at";

/// Saves a computed state unless a later one is stored; keeps the stored
/// list of written alerts.
pub fn save_ticket_sla(conn: &Connection, s: &TicketSlaRecord) -> StoreResult<()> {
    let sql = format!("{STATE_INSERT} WHERE excluded.ticket_version >= ticket_sla.ticket_version");
    match conn.prepare_cached(&sql).db()?.execute(bound(&state_values(s)?)).db() {
        // The ticket is gone (deleted for good meanwhile): nothing to keep.
        Ok(_) | Err(StoreError::InvalidReference(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Writes alerts and the state that records them, if nothing moved.
pub fn record_sla_alerts(
    conn: &Connection,
    s: &TicketSlaRecord,
    expected: &[String],
    events: &[NewEvent],
) -> StoreResult<Vec<EventId>> {
    let version: Option<i64> = conn
        .query_row("SELECT version FROM tickets WHERE id = ?1 AND deleted_at IS NULL", [s.ticket_id.0], |r| r.get(0))
        .optional()
        .db()?;
    if version != Some(s.ticket_version) {
        return Err(StoreError::VersionConflict);
    }
    let stored: Vec<String> = ticket_sla(conn, s.ticket_id)?.map(|r| r.announced).unwrap_or_default();
    if stored != expected {
        return Err(StoreError::VersionConflict);
    }
    let sql = format!("{STATE_INSERT}, announced = excluded.announced");
    conn.prepare_cached(&sql).db()?.execute(bound(&state_values(s)?)).db()?;
    insert_events(conn, s.ticket_id, s.ticket_version, events, &[])
}

/// Tickets whose next alert is due.
pub fn due_sla_alerts(conn: &Connection, now: Timestamp, limit: u32) -> StoreResult<Vec<TicketId>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT s.ticket_id FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id \
             WHERE s.next_alert_at IS NOT NULL AND s.next_alert_at <= ?1 AND t.deleted_at IS NULL \
             ORDER BY s.next_alert_at, s.ticket_id LIMIT ?2",
        )
        .db()?;
    stmt.query_map(params![ms(now), limit], |r| r.get(0).map(TicketId)).db()?.collect::<Result<_, _>>().db()
}

/// The earliest pending alert.
pub fn next_sla_alert_at(conn: &Connection) -> StoreResult<Option<Timestamp>> {
    let at: Option<i64> = conn
        .prepare_cached(
            "SELECT s.next_alert_at FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id \
             WHERE s.next_alert_at IS NOT NULL AND t.deleted_at IS NULL ORDER BY s.next_alert_at LIMIT 1",
        )
        .db()?
        .query_row([], |r| r.get(0))
        .optional()
        .db()?;
    Ok(at.map(from_millis))
}

/// Unsolved tickets to recompute, in id order.
pub fn sla_candidates(conn: &Connection, after: TicketId, limit: u32, stale_only: bool) -> StoreResult<Vec<TicketId>> {
    let stale = if stale_only {
        " AND NOT EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.ticket_version = t.version)"
    } else {
        ""
    };
    let sql = format!(
        "SELECT t.id FROM tickets t WHERE t.id > ?1 AND t.deleted_at IS NULL \
         AND t.status_category NOT IN (?2, ?3){stale} ORDER BY t.id LIMIT ?4"
    );
    let mut stmt = conn.prepare_cached(&sql).db()?;
    stmt.query_map(params![after.0, StatusCategory::Solved.as_str(), StatusCategory::Closed.as_str(), limit], |r| {
        r.get(0).map(TicketId)
    })
    .db()?
    .collect::<Result<_, _>>()
    .db()
}
