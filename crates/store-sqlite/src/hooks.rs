//! Webhooks, deliveries, attempts and hook endpoints.

use crate::SqliteStore;
use crate::catalogue::{set_setting, setting};
use crate::rows::*;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use tessera_core::Timestamp;
use tessera_core::ids::*;
use tessera_store::sql::Value;
use tessera_store::*;

fn insert_delivery_row(conn: &Connection, d: &NewDelivery) -> StoreResult<DeliveryId> {
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
        ms(d.next_attempt_at),
        d.redelivery_of.map(|r| r.0),
        d.test_payload,
    ])
    .db()?;
    Ok(DeliveryId(conn.last_insert_rowid()))
}

fn delivery(conn: &Connection, id: DeliveryId) -> StoreResult<Option<Delivery>> {
    let sql = format!("SELECT {DELIVERY_SELECT} FROM webhook_deliveries d WHERE d.id = ?1");
    get(conn, &sql, [id.0], read(delivery_from_row))
}

#[async_trait]
impl IntegrationStore for SqliteStore {
    async fn insert_webhook(&self, mut w: Webhook) -> StoreResult<Webhook> {
        let values = webhook_values(&w)?;
        w.id = self
            .write(move |conn| {
                conn.prepare_cached(
                    "INSERT INTO webhooks (url, description, kinds, sides, format, secret, active, failure_limit, \
                     consecutive_failures, disabled_reason, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .db()?
                .execute(bound(&values))
                .db()?;
                Ok(WebhookId(conn.last_insert_rowid()))
            })
            .await?;
        Ok(w)
    }

    async fn update_webhook(&self, w: &Webhook) -> StoreResult<()> {
        let mut values = webhook_values(w)?;
        values.push(Value::Int(w.id.0));
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE webhooks SET url = ?1, description = ?2, kinds = ?3, sides = ?4, format = ?5, \
                     secret = ?6, active = ?7, failure_limit = ?8, consecutive_failures = ?9, disabled_reason = ?10, \
                     created_at = ?11, updated_at = ?12 WHERE id = ?13",
                )
                .db()?
                .execute(bound(&values))
                .db()?;
            one_row(n)
        })
        .await
    }

    async fn webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>> {
        self.read(move |conn| {
            get(conn, &format!("SELECT {WEBHOOK_SELECT} FROM webhooks WHERE id = ?1"), [id.0], read(webhook_from_row))
        })
        .await
    }

    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>> {
        self.read(|conn| {
            collect(conn, &format!("SELECT {WEBHOOK_SELECT} FROM webhooks ORDER BY id"), [], read(webhook_from_row))
        })
        .await
    }

    async fn delete_webhook(&self, id: WebhookId) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "DELETE FROM webhook_attempts WHERE delivery_id IN \
                 (SELECT id FROM webhook_deliveries WHERE webhook_id = ?1)",
                [id.0],
            )
            .db()?;
            conn.execute("UPDATE webhook_deliveries SET redelivery_of = NULL WHERE webhook_id = ?1", [id.0]).db()?;
            conn.execute("DELETE FROM webhook_deliveries WHERE webhook_id = ?1", [id.0]).db()?;
            one_row(conn.execute("DELETE FROM webhooks WHERE id = ?1", [id.0]).db()?)
        })
        .await
    }

    async fn enqueue_deliveries(
        &self,
        cursor: &str,
        from: EventId,
        up_to: EventId,
        deliveries: Vec<NewDelivery>,
    ) -> StoreResult<()> {
        let cursor = cursor.to_string();
        self.write(move |conn| {
            let at = setting(conn, &cursor)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
            if at != from.0 {
                return Err(StoreError::VersionConflict);
            }
            for d in &deliveries {
                insert_delivery_row(conn, d)?;
            }
            set_setting(conn, &cursor, &up_to.0.to_string())
        })
        .await
    }

    async fn insert_delivery(&self, d: NewDelivery) -> StoreResult<Delivery> {
        self.write(move |conn| {
            let id = insert_delivery_row(conn, &d)?;
            delivery(conn, id)?.ok_or(StoreError::NotFound)
        })
        .await
    }

    async fn claim_deliveries(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> StoreResult<Vec<Delivery>> {
        // The worker asks after every commit; most times nothing is due, and
        // a look through a reader (at the `webhook_deliveries_due` index)
        // spares the writer a job.
        let any_due: bool = self
            .lookup(move |conn| {
                conn.prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?1
                                      AND (leased_until IS NULL OR leased_until <= ?1))",
                )
                .db()?
                .query_row([ms(now)], |r| r.get(0))
                .db()
            })
            .await?;
        if !any_due {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {DELIVERY_SELECT} FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
             WHERE d.state = 'pending' AND d.next_attempt_at <= ?1 AND (d.leased_until IS NULL OR d.leased_until <= ?1)
               AND w.active = 1
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.webhook_id = d.webhook_id
                               AND e.state = 'pending' AND e.ticket_id IS d.ticket_id AND e.id < d.id)
             ORDER BY d.next_attempt_at, d.id LIMIT ?2"
        );
        self.write(move |conn| {
            let claimed = collect(conn, &sql, params![ms(now), limit], read(delivery_from_row))?;
            let mut lease =
                conn.prepare_cached("UPDATE webhook_deliveries SET leased_until = ?1 WHERE id = ?2").db()?;
            for d in &claimed {
                lease.execute(params![ms(lease_until), d.id.0]).db()?;
            }
            Ok(claimed)
        })
        .await
    }

    async fn record_attempt(&self, a: Attempt, outcome: AttemptOutcome) -> StoreResult<AttemptRecorded> {
        self.write(move |conn| {
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
                    "UPDATE webhook_deliveries SET state = ?1, attempts = ?2, next_attempt_at = ?3, \
                     leased_until = NULL, last_status = ?4, last_error = ?5, finished_at = ?6 WHERE id = ?7 \
                     RETURNING webhook_id",
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
                let reason = format!("switched off after {failures} failed attempts in a row");
                conn.prepare_cached(
                    "UPDATE webhooks SET active = 0, disabled_reason = ?1, updated_at = ?2 WHERE id = ?3",
                )
                .db()?
                .execute(params![reason, ms(a.at), webhook_id])
                .db()?;
            }
            Ok(AttemptRecorded { consecutive_failures: failures, disabled })
        })
        .await
    }

    async fn delivery(&self, id: DeliveryId) -> StoreResult<Option<Delivery>> {
        self.read(move |conn| delivery(conn, id)).await
    }

    async fn deliveries(
        &self,
        webhook: WebhookId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        let sql = format!(
            "SELECT {DELIVERY_SELECT} FROM webhook_deliveries d WHERE d.webhook_id = ?1 AND d.id < ?2 \
             ORDER BY d.id DESC LIMIT ?3"
        );
        let before = before.map_or(i64::MAX, |b| b.0);
        self.read(move |conn| {
            collect(conn, &sql, params![webhook.0, before, limit.clamp(1, 500)], read(delivery_from_row))
        })
        .await
    }

    async fn attempts(&self, d: DeliveryId) -> StoreResult<Vec<Attempt>> {
        let sql = format!("SELECT {ATTEMPT_SELECT} FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY id");
        self.read(move |conn| collect(conn, &sql, [d.0], read(attempt_from_row))).await
    }

    async fn insert_hook_endpoint(&self, mut e: HookEndpoint) -> StoreResult<HookEndpoint> {
        let values = endpoint_values(&e);
        e.id = self
            .write(move |conn| {
                conn.prepare_cached(
                    "INSERT INTO hook_endpoints (kind, name, url, description, format, secret, priority, timeout_ms, \
                     on_failure, active, created_at, updated_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .db()?
                .execute(bound(&values))
                .db()?;
                Ok(HookId(conn.last_insert_rowid()))
            })
            .await?;
        Ok(e)
    }

    async fn update_hook_endpoint(&self, e: &HookEndpoint) -> StoreResult<()> {
        let mut values = endpoint_values(e);
        values.push(Value::Int(e.id.0));
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE hook_endpoints SET kind = ?1, name = ?2, url = ?3, description = ?4, format = ?5, \
                     secret = ?6, priority = ?7, timeout_ms = ?8, on_failure = ?9, active = ?10, created_at = ?11, \
                     updated_at = ?12 WHERE id = ?13",
                )
                .db()?
                .execute(bound(&values))
                .db()?;
            one_row(n)
        })
        .await
    }

    async fn hook_endpoint(&self, id: HookId) -> StoreResult<Option<HookEndpoint>> {
        let sql = format!("SELECT {ENDPOINT_SELECT} FROM hook_endpoints WHERE id = ?1");
        self.read(move |conn| get(conn, &sql, [id.0], read(endpoint_from_row))).await
    }

    async fn list_hook_endpoints(
        &self,
        kind: Option<EndpointKind>,
        name: Option<&str>,
    ) -> StoreResult<Vec<HookEndpoint>> {
        let sql = format!(
            "SELECT {ENDPOINT_SELECT} FROM hook_endpoints WHERE (?1 IS NULL OR kind = ?1) \
             AND (?2 IS NULL OR name = ?2) ORDER BY priority, id"
        );
        let name = name.map(str::to_string);
        self.read(move |conn| {
            collect(conn, &sql, params![kind.map(EndpointKind::as_str), name], read(endpoint_from_row))
        })
        .await
    }

    async fn delete_hook_endpoint(&self, id: HookId) -> StoreResult<()> {
        self.write(move |conn| one_row(conn.execute("DELETE FROM hook_endpoints WHERE id = ?1", [id.0]).db()?)).await
    }
}
