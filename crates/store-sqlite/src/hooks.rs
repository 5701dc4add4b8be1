//! Webhooks, deliveries, attempts and hook endpoints.

use crate::rows::*;
use rusqlite::{Connection, OptionalExtension, params};
use tessera_core::Timestamp;
use tessera_core::ids::*;
use tessera_store::sql;
use tessera_store::*;

/// Creates a webhook.
pub fn insert_webhook(conn: &Connection, mut w: Webhook) -> StoreResult<Webhook> {
    conn.prepare_cached(
        "INSERT INTO webhooks (url, description, kinds, sides, format, secret, active, failure_limit, \
         consecutive_failures, disabled_reason, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .db()?
    .execute(bound(&webhook_values(&w)?))
    .db()?;
    w.id = WebhookId(conn.last_insert_rowid());
    Ok(w)
}

/// Saves a webhook.
pub fn update_webhook(conn: &Connection, w: &Webhook) -> StoreResult<()> {
    let mut v = webhook_values(w)?;
    v.push(sql::Value::Int(w.id.0));
    let n = conn
        .prepare_cached(
            "UPDATE webhooks SET url = ?1, description = ?2, kinds = ?3, sides = ?4, format = ?5, secret = ?6, \
             active = ?7, failure_limit = ?8, consecutive_failures = ?9, disabled_reason = ?10, created_at = ?11, \
             updated_at = ?12 WHERE id = ?13",
        )
        .db()?
        .execute(bound(&v))
        .db()?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One webhook.
pub fn webhook(conn: &Connection, id: WebhookId) -> StoreResult<Option<Webhook>> {
    conn.prepare_cached(&format!("SELECT {WEBHOOK_SELECT} FROM webhooks WHERE id = ?1"))
        .db()?
        .query_row([id.0], read(webhook_from_row))
        .optional()
        .db()
}

/// All webhooks.
pub fn list_webhooks(conn: &Connection) -> StoreResult<Vec<Webhook>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {WEBHOOK_SELECT} FROM webhooks ORDER BY id")).db()?;
    stmt.query_map([], read(webhook_from_row)).db()?.collect::<Result<Vec<_>, _>>().db()
}

/// Removes a webhook and what hangs on it.
pub fn delete_webhook(conn: &Connection, id: WebhookId) -> StoreResult<()> {
    conn.execute(
        "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = ?1)",
        [id.0],
    )
    .db()?;
    conn.execute("UPDATE webhook_deliveries SET redelivery_of = NULL WHERE webhook_id = ?1", [id.0]).db()?;
    conn.execute("DELETE FROM webhook_deliveries WHERE webhook_id = ?1", [id.0]).db()?;
    let n = conn.execute("DELETE FROM webhooks WHERE id = ?1", [id.0]).db()?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

fn insert_delivery_row(conn: &Connection, d: &NewDelivery, now: i64) -> StoreResult<DeliveryId> {
    conn.prepare_cached(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, ticket_id, name, state, attempts, next_attempt_at, \
         created_at, redelivery_of, test_payload) VALUES (?1, ?2, ?3, ?4, 'pending', 0, ?5, ?6, ?7, ?8)",
    )
    .db()?
    .execute(params![
        d.webhook_id.0,
        d.event_id.map(|e| e.0),
        d.ticket_id.map(|t| t.0),
        d.name,
        ms(d.next_attempt_at),
        now,
        d.redelivery_of.map(|r| r.0),
        d.test_payload,
    ])
    .db()?;
    Ok(DeliveryId(conn.last_insert_rowid()))
}

/// Enqueues deliveries and moves the cursor.
pub fn enqueue_deliveries(
    conn: &Connection,
    cursor: &str,
    from: EventId,
    up_to: EventId,
    ds: &[NewDelivery],
) -> StoreResult<()> {
    let at = crate::entities::setting(conn, cursor)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    if at != from.0 {
        return Err(StoreError::VersionConflict);
    }
    for d in ds {
        insert_delivery_row(conn, d, ms(d.next_attempt_at))?;
    }
    crate::entities::set_setting(conn, cursor, &up_to.0.to_string())
}

/// Adds one delivery.
pub fn insert_delivery(conn: &Connection, d: &NewDelivery) -> StoreResult<Delivery> {
    let id = insert_delivery_row(conn, d, ms(d.next_attempt_at))?;
    delivery(conn, id)?.ok_or(StoreError::NotFound)
}

/// Leases due deliveries.
/// Whether any delivery may be due (pending, due, not leased), from the
/// `webhook_deliveries_due` index.
pub fn any_due(conn: &Connection, now: Timestamp) -> StoreResult<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?1
                          AND (leased_until IS NULL OR leased_until <= ?1))",
    )
    .db()?
    .query_row([ms(now)], |r| r.get(0))
    .db()
}

pub fn claim_deliveries(
    conn: &Connection,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_SELECT} FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND (d.leased_until IS NULL OR d.leased_until <= ?1)
           AND w.active = 1
           AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id
                           AND e.state = 'pending' AND e.ticket_id IS d.ticket_id AND e.id < d.id)
         ORDER BY d.next_attempt_at, d.id LIMIT ?2"
    );
    let claimed: Vec<Delivery> = {
        let mut stmt = conn.prepare_cached(&sql).db()?;
        stmt.query_map(params![ms(now), limit], read(delivery_from_row)).db()?.collect::<Result<Vec<_>, _>>().db()?
    };
    let mut lease = conn.prepare_cached("UPDATE webhook_deliveries SET leased_until = ?1 WHERE id = ?2").db()?;
    for d in &claimed {
        lease.execute(params![ms(lease_until), d.id.0]).db()?;
    }
    Ok(claimed)
}

/// Records an attempt.
pub fn record_attempt(conn: &Connection, a: &Attempt, outcome: AttemptOutcome) -> StoreResult<AttemptRecorded> {
    conn.prepare_cached(
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, latency_ms, response, error) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .db()?
    .execute(params![a.delivery_id.0, a.attempt, ms(a.at), a.status, a.latency_ms, a.response, a.error])
    .db()?;
    let (state, next, finished) = match outcome {
        AttemptOutcome::Delivered => ("delivered", ms(a.at), Some(ms(a.at))),
        AttemptOutcome::Retry(at) => ("pending", ms(at), None),
        AttemptOutcome::Failed => ("failed", ms(a.at), Some(ms(a.at))),
    };
    let webhook_id: i64 = conn
        .prepare_cached(
            "UPDATE webhook_deliveries SET state = ?1, attempts = ?2, next_attempt_at = ?3, leased_until = NULL, \
             last_status = ?4, last_error = ?5, finished_at = ?6 WHERE id = ?7 RETURNING webhook_id",
        )
        .db()?
        .query_row(params![state, a.attempt, next, a.status, a.error, finished, a.delivery_id.0], |r| r.get(0))
        .optional()
        .db()?
        .ok_or(StoreError::NotFound)?;
    let ok = outcome == AttemptOutcome::Delivered;
    let (failures, limit, active): (u32, u32, bool) = conn
        .prepare_cached(
            "UPDATE webhooks SET consecutive_failures = CASE WHEN ?1 THEN 0 ELSE consecutive_failures + 1 END \
             WHERE id = ?2 RETURNING consecutive_failures, failure_limit, active",
        )
        .db()?
        .query_row(params![ok, webhook_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .db()?;
    let disabled = !ok && active && failures >= limit;
    if disabled {
        conn.prepare_cached("UPDATE webhooks SET active = 0, disabled_reason = ?1, updated_at = ?2 WHERE id = ?3")
            .db()?
            .execute(params![format!("switched off after {failures} failed attempts in a row"), ms(a.at), webhook_id])
            .db()?;
    }
    Ok(AttemptRecorded { consecutive_failures: failures, disabled })
}

/// One delivery.
pub fn delivery(conn: &Connection, id: DeliveryId) -> StoreResult<Option<Delivery>> {
    conn.prepare_cached(&format!("SELECT {DELIVERY_SELECT} FROM webhook_deliveries d WHERE d.id = ?1"))
        .db()?
        .query_row([id.0], read(delivery_from_row))
        .optional()
        .db()
}

/// A webhook's deliveries, newest first.
pub fn deliveries(
    conn: &Connection,
    w: WebhookId,
    before: Option<DeliveryId>,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_SELECT} FROM webhook_deliveries d WHERE d.webhook_id = ?1 AND d.id < ?2 ORDER BY d.id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(&sql).db()?;
    stmt.query_map(params![w.0, before.map_or(i64::MAX, |b| b.0), limit.clamp(1, 500)], read(delivery_from_row))
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()
}

/// A delivery's attempts.
pub fn attempts(conn: &Connection, d: DeliveryId) -> StoreResult<Vec<Attempt>> {
    let sql = format!("SELECT {ATTEMPT_SELECT} FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql).db()?;
    stmt.query_map([d.0], read(attempt_from_row)).db()?.collect::<Result<Vec<_>, _>>().db()
}

/// Creates an endpoint.
pub fn insert_hook_endpoint(conn: &Connection, mut e: HookEndpoint) -> StoreResult<HookEndpoint> {
    conn.prepare_cached(
        "INSERT INTO hook_endpoints (kind, name, url, description, format, secret, priority, timeout_ms, on_failure, \
         active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .db()?
    .execute(bound(&endpoint_values(&e)))
    .db()?;
    e.id = HookId(conn.last_insert_rowid());
    Ok(e)
}

/// Saves an endpoint.
pub fn update_hook_endpoint(conn: &Connection, e: &HookEndpoint) -> StoreResult<()> {
    let mut v = endpoint_values(e);
    v.push(sql::Value::Int(e.id.0));
    let n = conn
        .prepare_cached(
            "UPDATE hook_endpoints SET kind = ?1, name = ?2, url = ?3, description = ?4, format = ?5, secret = ?6, \
             priority = ?7, timeout_ms = ?8, on_failure = ?9, active = ?10, created_at = ?11, updated_at = ?12 WHERE id = ?13",
        )
        .db()?
        .execute(bound(&v))
        .db()?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One endpoint.
pub fn hook_endpoint(conn: &Connection, id: HookId) -> StoreResult<Option<HookEndpoint>> {
    conn.prepare_cached(&format!("SELECT {ENDPOINT_SELECT} FROM hook_endpoints WHERE id = ?1"))
        .db()?
        .query_row([id.0], read(endpoint_from_row))
        .optional()
        .db()
}

/// Endpoints by kind and name.
pub fn list_hook_endpoints(
    conn: &Connection,
    kind: Option<EndpointKind>,
    name: Option<&str>,
) -> StoreResult<Vec<HookEndpoint>> {
    let sql = format!(
        "SELECT {ENDPOINT_SELECT} FROM hook_endpoints WHERE (?1 IS NULL OR kind = ?1) AND (?2 IS NULL OR name = ?2) \
         ORDER BY priority, id"
    );
    let mut stmt = conn.prepare_cached(&sql).db()?;
    stmt.query_map(params![kind.map(EndpointKind::as_str), name], read(endpoint_from_row))
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()
}

/// Removes an endpoint.
pub fn delete_hook_endpoint(conn: &Connection, id: HookId) -> StoreResult<()> {
    let n = conn.execute("DELETE FROM hook_endpoints WHERE id = ?1", [id.0]).db()?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}
