//! Webhooks, deliveries, attempts and hook endpoints.

use crate::db::{Db, Tx, execute, query, query_one, query_opt};
use crate::rows::*;
use tessera_core::ids::*;
use tessera_core::{EventKind, Side, Timestamp};
use tessera_store::*;
use tokio_postgres::Row;

fn not_found_unless_one(n: u64) -> StoreResult<()> {
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

const WEBHOOK_SELECT: &str = "id, url, description, kinds, sides, format, secret, active, failure_limit, \
     consecutive_failures, disabled_reason, created_at, updated_at";

fn webhook_from_row(r: &Row) -> StoreResult<Webhook> {
    let kinds: Vec<String> = r.json(3)?;
    let sides: Vec<String> = r.json(4)?;
    Ok(Webhook {
        id: WebhookId(r.int(0)?),
        url: r.text(1)?,
        description: r.text(2)?,
        kinds: kinds
            .iter()
            .map(|k| EventKind::parse(k).ok_or_else(|| bad_column("kinds", "unknown event kind")))
            .collect::<Result<_, _>>()?,
        sides: sides
            .iter()
            .map(|s| Side::parse(s).ok_or_else(|| bad_column("sides", "unknown side")))
            .collect::<Result<_, _>>()?,
        format: r.parsed(5, HookFormat::parse)?,
        secret: r.text(6)?,
        active: r.flag(7)?,
        failure_limit: r.int(8)?,
        consecutive_failures: r.int(9)?,
        disabled_reason: r.text_opt(10)?,
        created_at: r.ts(11)?,
        updated_at: r.ts(12)?,
    })
}

fn webhook_values(w: &Webhook) -> StoreResult<Vec<Param>> {
    let kinds: Vec<&str> = w.kinds.iter().map(|k| k.as_str()).collect();
    let sides: Vec<&str> = w.sides.iter().map(|s| s.as_str()).collect();
    Ok(vec![
        p(w.url.clone()),
        p(w.description.clone()),
        p(to_json(&kinds)?),
        p(to_json(&sides)?),
        p(w.format.as_str().to_string()),
        p(w.secret.clone()),
        p(b(w.active)),
        p(i64::from(w.failure_limit)),
        p(i64::from(w.consecutive_failures)),
        p(w.disabled_reason.clone()),
        p(ms(w.created_at)),
        p(ms(w.updated_at)),
    ])
}

/// Creates a webhook.
pub async fn insert_webhook(c: &impl Db, mut w: Webhook) -> StoreResult<Webhook> {
    let v = webhook_values(&w)?;
    let row = query_one(
        c,
        "INSERT INTO webhooks (url, description, kinds, sides, format, secret, active, failure_limit, \
         consecutive_failures, disabled_reason, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        &refs(&v),
    )
    .await?;
    w.id = WebhookId(row.int(0)?);
    Ok(w)
}

/// Saves a webhook.
pub async fn update_webhook(c: &impl Db, w: &Webhook) -> StoreResult<()> {
    let mut v = webhook_values(w)?;
    v.push(p(w.id.0));
    let n = execute(
        c,
        "UPDATE webhooks SET url = $1, description = $2, kinds = $3, sides = $4, format = $5, secret = $6, \
         active = $7, failure_limit = $8, consecutive_failures = $9, disabled_reason = $10, created_at = $11, \
         updated_at = $12 WHERE id = $13",
        &refs(&v),
    )
    .await?;
    not_found_unless_one(n)
}

/// One webhook.
pub async fn webhook(c: &impl Db, id: WebhookId) -> StoreResult<Option<Webhook>> {
    let sql = format!("SELECT {WEBHOOK_SELECT} FROM webhooks WHERE id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, webhook_from_row)
}

/// All webhooks.
pub async fn list_webhooks(c: &impl Db) -> StoreResult<Vec<Webhook>> {
    all(query(c, &format!("SELECT {WEBHOOK_SELECT} FROM webhooks ORDER BY id"), &[]).await?, webhook_from_row)
}

/// Removes a webhook and what hangs on it.
pub async fn delete_webhook(tx: &Tx<'_>, id: WebhookId) -> StoreResult<()> {
    execute(
        tx,
        "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)",
        &[&id.0],
    )
    .await?;
    execute(tx, "UPDATE webhook_deliveries SET redelivery_of = NULL WHERE webhook_id = $1", &[&id.0]).await?;
    execute(tx, "DELETE FROM webhook_deliveries WHERE webhook_id = $1", &[&id.0]).await?;
    not_found_unless_one(execute(tx, "DELETE FROM webhooks WHERE id = $1", &[&id.0]).await?)
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, ticket_id, name, state, attempts, \
     next_attempt_at, last_status, last_error, created_at, finished_at, redelivery_of, test_payload";

fn delivery_select() -> String {
    DELIVERY_COLUMNS.split(", ").map(|c| format!("d.{c}")).collect::<Vec<_>>().join(", ")
}

fn delivery_from_row(r: &Row) -> StoreResult<Delivery> {
    Ok(Delivery {
        id: DeliveryId(r.int(0)?),
        webhook_id: WebhookId(r.int(1)?),
        event_id: r.int_opt(2)?.map(EventId),
        ticket_id: r.int_opt(3)?.map(TicketId),
        name: r.text(4)?,
        state: r.parsed(5, DeliveryState::parse)?,
        attempts: r.int(6)?,
        next_attempt_at: r.ts(7)?,
        last_status: r.int_opt(8)?,
        last_error: r.text_opt(9)?,
        created_at: r.ts(10)?,
        finished_at: r.ts_opt(11)?,
        redelivery_of: r.int_opt(12)?.map(DeliveryId),
        test_payload: r.text_opt(13)?,
    })
}

async fn insert_delivery_row(c: &impl Db, d: &NewDelivery, now: i64) -> StoreResult<DeliveryId> {
    let row = query_one(
        c,
        "INSERT INTO webhook_deliveries (webhook_id, event_id, ticket_id, name, state, attempts, next_attempt_at, \
         created_at, redelivery_of, test_payload) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $7, $8) RETURNING id",
        &[
            &d.webhook_id.0,
            &d.event_id.map(|e| e.0),
            &d.ticket_id.map(|t| t.0),
            &d.name,
            &ms(d.next_attempt_at),
            &now,
            &d.redelivery_of.map(|r| r.0),
            &d.test_payload,
        ],
    )
    .await?;
    Ok(DeliveryId(row.int(0)?))
}

/// Moves the outbox cursor from `from` to `up_to` by compare-and-set and
/// enqueues the deliveries, in the caller's transaction. The UPDATE locks
/// the cursor's row until commit, so a second instance enqueuing the same
/// events waits, then finds the cursor moved and gets `VersionConflict`.
pub async fn enqueue_deliveries(
    tx: &Tx<'_>,
    cursor: &str,
    from: EventId,
    up_to: EventId,
    ds: &[NewDelivery],
) -> StoreResult<()> {
    let (from_text, up_text) = (from.0.to_string(), up_to.0.to_string());
    let moved = if from.0 == 0 {
        // A cursor never set counts as 0: create it, or move it from '0'.
        query_opt(
            tx,
            "INSERT INTO settings (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value WHERE settings.value = '0' RETURNING 1",
            &[&cursor, &up_text],
        )
        .await?
        .is_some()
    } else {
        execute(tx, "UPDATE settings SET value = $2 WHERE key = $1 AND value = $3", &[&cursor, &up_text, &from_text])
            .await?
            == 1
    };
    if !moved {
        return Err(StoreError::VersionConflict);
    }
    for d in ds {
        insert_delivery_row(tx, d, ms(d.next_attempt_at)).await?;
    }
    Ok(())
}

/// Adds one delivery.
pub async fn insert_delivery(tx: &Tx<'_>, d: &NewDelivery) -> StoreResult<Delivery> {
    let id = insert_delivery_row(tx, d, ms(d.next_attempt_at)).await?;
    delivery(tx, id).await?.ok_or(StoreError::NotFound)
}

/// Leases due deliveries: the oldest pending one per webhook and ticket.
/// `FOR UPDATE SKIP LOCKED` lets several instances claim at once without
/// waiting for each other or leasing one delivery twice (a row another
/// instance leased meanwhile fails the re-checked lease condition).
pub async fn claim_deliveries(
    tx: &Tx<'_>,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    let sql = format!(
        "WITH due AS (
            SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
            WHERE d.state = 'pending' AND d.next_attempt_at <= $1 AND (d.leased_until IS NULL OR d.leased_until <= $1)
              AND w.active = 1
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id
                              AND e.state = 'pending' AND e.ticket_id IS NOT DISTINCT FROM d.ticket_id AND e.id < d.id)
            ORDER BY d.next_attempt_at, d.id LIMIT $2
            FOR UPDATE OF d SKIP LOCKED
         )
         UPDATE webhook_deliveries d SET leased_until = $3 FROM due WHERE d.id = due.id
         RETURNING {}",
        delivery_select()
    );
    let rows = query(tx, &sql, &[&ms(now), &i64::from(limit), &ms(lease_until)]).await?;
    let mut claimed = all(rows, delivery_from_row)?;
    claimed.sort_by_key(|d| (d.next_attempt_at, d.id.0));
    Ok(claimed)
}

/// Records an attempt and keeps the webhook's failure count.
pub async fn record_attempt(tx: &Tx<'_>, a: &Attempt, outcome: AttemptOutcome) -> StoreResult<AttemptRecorded> {
    execute(
        tx,
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, status, latency_ms, response, error) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &a.delivery_id.0,
            &i64::from(a.attempt),
            &ms(a.at),
            &a.status.map(i64::from),
            &i64::from(a.latency_ms),
            &a.response,
            &a.error,
        ],
    )
    .await?;
    let (state, next, finished) = match outcome {
        AttemptOutcome::Delivered => ("delivered", ms(a.at), Some(ms(a.at))),
        AttemptOutcome::Retry(at) => ("pending", ms(at), None),
        AttemptOutcome::Failed => ("failed", ms(a.at), Some(ms(a.at))),
    };
    let row = query_opt(
        tx,
        "UPDATE webhook_deliveries SET state = $1, attempts = $2, next_attempt_at = $3, leased_until = NULL, \
         last_status = $4, last_error = $5, finished_at = $6 WHERE id = $7 RETURNING webhook_id",
        &[&state, &i64::from(a.attempt), &next, &a.status.map(i64::from), &a.error, &finished, &a.delivery_id.0],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let webhook_id: i64 = row.int(0)?;
    let ok = outcome == AttemptOutcome::Delivered;
    let row = query_one(
        tx,
        "UPDATE webhooks SET consecutive_failures = CASE WHEN $1 THEN 0 ELSE consecutive_failures + 1 END \
         WHERE id = $2 RETURNING consecutive_failures, failure_limit, active",
        &[&ok, &webhook_id],
    )
    .await?;
    let (failures, limit, active): (u32, u32, bool) = (row.int(0)?, row.int(1)?, row.flag(2)?);
    let disabled = !ok && active && failures >= limit;
    if disabled {
        execute(
            tx,
            "UPDATE webhooks SET active = 0, disabled_reason = $1, updated_at = $2 WHERE id = $3",
            &[&format!("switched off after {failures} failed attempts in a row"), &ms(a.at), &webhook_id],
        )
        .await?;
    }
    Ok(AttemptRecorded { consecutive_failures: failures, disabled })
}

/// One delivery.
pub async fn delivery(c: &impl Db, id: DeliveryId) -> StoreResult<Option<Delivery>> {
    let sql = format!("SELECT {} FROM webhook_deliveries d WHERE d.id = $1", delivery_select());
    one(query_opt(c, &sql, &[&id.0]).await?, delivery_from_row)
}

/// A webhook's deliveries, newest first.
pub async fn deliveries(
    c: &impl Db,
    w: WebhookId,
    before: Option<DeliveryId>,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    let sql = format!(
        "SELECT {} FROM webhook_deliveries d WHERE d.webhook_id = $1 AND d.id < $2 ORDER BY d.id DESC LIMIT $3",
        delivery_select()
    );
    let rows = query(c, &sql, &[&w.0, &before.map_or(i64::MAX, |b| b.0), &i64::from(limit.clamp(1, 500))]).await?;
    all(rows, delivery_from_row)
}

/// A delivery's attempts.
pub async fn attempts(c: &impl Db, d: DeliveryId) -> StoreResult<Vec<Attempt>> {
    let rows = query(
        c,
        "SELECT delivery_id, attempt, at, status, latency_ms, response, error FROM webhook_attempts \
         WHERE delivery_id = $1 ORDER BY id",
        &[&d.0],
    )
    .await?;
    all(rows, |r| {
        Ok(Attempt {
            delivery_id: DeliveryId(r.int(0)?),
            attempt: r.int(1)?,
            at: r.ts(2)?,
            status: r.int_opt(3)?,
            latency_ms: r.int(4)?,
            response: r.text(5)?,
            error: r.text_opt(6)?,
        })
    })
}

const ENDPOINT_SELECT: &str = "id, kind, name, url, description, format, secret, priority, timeout_ms, on_failure, active, created_at, updated_at";

fn endpoint_from_row(r: &Row) -> StoreResult<HookEndpoint> {
    Ok(HookEndpoint {
        id: HookId(r.int(0)?),
        kind: r.parsed(1, EndpointKind::parse)?,
        name: r.text(2)?,
        url: r.text(3)?,
        description: r.text(4)?,
        format: r.parsed(5, HookFormat::parse)?,
        secret: r.text(6)?,
        priority: r.int(7)?,
        timeout_ms: r.int(8)?,
        on_failure: r.parsed(9, OnFailure::parse)?,
        active: r.flag(10)?,
        created_at: r.ts(11)?,
        updated_at: r.ts(12)?,
    })
}

fn endpoint_values(e: &HookEndpoint) -> Vec<Param> {
    vec![
        p(e.kind.as_str().to_string()),
        p(e.name.clone()),
        p(e.url.clone()),
        p(e.description.clone()),
        p(e.format.as_str().to_string()),
        p(e.secret.clone()),
        p(e.priority),
        p(i64::from(e.timeout_ms)),
        p(e.on_failure.as_str().to_string()),
        p(b(e.active)),
        p(ms(e.created_at)),
        p(ms(e.updated_at)),
    ]
}

/// Creates an endpoint.
pub async fn insert_hook_endpoint(c: &impl Db, mut e: HookEndpoint) -> StoreResult<HookEndpoint> {
    let v = endpoint_values(&e);
    let row = query_one(
        c,
        "INSERT INTO hook_endpoints (kind, name, url, description, format, secret, priority, timeout_ms, on_failure, \
         active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        &refs(&v),
    )
    .await?;
    e.id = HookId(row.int(0)?);
    Ok(e)
}

/// Saves an endpoint.
pub async fn update_hook_endpoint(c: &impl Db, e: &HookEndpoint) -> StoreResult<()> {
    let mut v = endpoint_values(e);
    v.push(p(e.id.0));
    let n = execute(
        c,
        "UPDATE hook_endpoints SET kind = $1, name = $2, url = $3, description = $4, format = $5, secret = $6, \
         priority = $7, timeout_ms = $8, on_failure = $9, active = $10, created_at = $11, updated_at = $12 WHERE id = $13",
        &refs(&v),
    )
    .await?;
    not_found_unless_one(n)
}

/// One endpoint.
pub async fn hook_endpoint(c: &impl Db, id: HookId) -> StoreResult<Option<HookEndpoint>> {
    let sql = format!("SELECT {ENDPOINT_SELECT} FROM hook_endpoints WHERE id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, endpoint_from_row)
}

/// Endpoints by kind and name.
pub async fn list_hook_endpoints(
    c: &impl Db,
    kind: Option<EndpointKind>,
    name: Option<&str>,
) -> StoreResult<Vec<HookEndpoint>> {
    let sql = format!(
        "SELECT {ENDPOINT_SELECT} FROM hook_endpoints WHERE ($1::text IS NULL OR kind = $1) \
         AND ($2::text IS NULL OR name = $2) ORDER BY priority, id"
    );
    all(query(c, &sql, &[&kind.map(EndpointKind::as_str), &name]).await?, endpoint_from_row)
}

/// Removes an endpoint.
pub async fn delete_hook_endpoint(c: &impl Db, id: HookId) -> StoreResult<()> {
    not_found_unless_one(execute(c, "DELETE FROM hook_endpoints WHERE id = $1", &[&id.0]).await?)
}
