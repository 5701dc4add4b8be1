//! Webhooks, deliveries, attempts and hook endpoints.

use crate::PgStore;
use crate::db::{Db, Tx, execute, query, query_one, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use tessera_core::Timestamp;
use tessera_core::ids::*;
use tessera_store::sql::Value;
use tessera_store::*;

async fn insert_delivery_row(c: &impl Db, d: &NewDelivery) -> StoreResult<DeliveryId> {
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
            &ms(d.next_attempt_at),
            &d.redelivery_of.map(|r| r.0),
            &d.test_payload,
        ],
    )
    .await?;
    Ok(DeliveryId(PgRow(&row).int(0)?))
}

async fn delivery(c: &impl Db, id: DeliveryId) -> StoreResult<Option<Delivery>> {
    let sql = format!("SELECT {DELIVERY_SELECT} FROM webhook_deliveries d WHERE d.id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, delivery_from_row)
}

#[async_trait]
impl IntegrationStore for PgStore {
    async fn insert_webhook(&self, mut w: Webhook) -> StoreResult<Webhook> {
        let values = webhook_values(&w)?;
        let row = transaction!(self, |tx| {
            query_one(
                tx,
                "INSERT INTO webhooks (url, description, kinds, sides, format, secret, active, failure_limit, \
                 consecutive_failures, disabled_reason, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                &bound(&binds(&values)),
            )
            .await
        })?;
        w.id = WebhookId(PgRow(&row).int(0)?);
        Ok(w)
    }

    async fn update_webhook(&self, w: &Webhook) -> StoreResult<()> {
        let mut values = webhook_values(w)?;
        values.push(Value::Int(w.id.0));
        transaction!(self, |tx| {
            let n = execute(
                tx,
                "UPDATE webhooks SET url = $1, description = $2, kinds = $3, sides = $4, format = $5, secret = $6, \
                 active = $7, failure_limit = $8, consecutive_failures = $9, disabled_reason = $10, created_at = $11, \
                 updated_at = $12 WHERE id = $13",
                &bound(&binds(&values)),
            )
            .await?;
            one_row(n)
        })
    }

    async fn webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>> {
        let sql = format!("SELECT {WEBHOOK_SELECT} FROM webhooks WHERE id = $1");
        one(query_opt(&self.client().await?, &sql, &[&id.0]).await?, webhook_from_row)
    }

    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>> {
        let sql = format!("SELECT {WEBHOOK_SELECT} FROM webhooks ORDER BY id");
        all(query(&self.client().await?, &sql, &[]).await?, webhook_from_row)
    }

    async fn delete_webhook(&self, id: WebhookId) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(
                tx,
                "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = $1)",
                &[&id.0],
            )
            .await?;
            execute(tx, "UPDATE webhook_deliveries SET redelivery_of = NULL WHERE webhook_id = $1", &[&id.0]).await?;
            execute(tx, "DELETE FROM webhook_deliveries WHERE webhook_id = $1", &[&id.0]).await?;
            one_row(execute(tx, "DELETE FROM webhooks WHERE id = $1", &[&id.0]).await?)
        })
    }

    // The cursor moves by compare-and-set in the deliveries' transaction: the
    // UPDATE locks the cursor's row until commit, so a second instance
    // enqueuing the same events waits, then finds the cursor moved and gets
    // `VersionConflict`.
    async fn enqueue_deliveries(
        &self,
        cursor: &str,
        from: EventId,
        up_to: EventId,
        deliveries: Vec<NewDelivery>,
    ) -> StoreResult<()> {
        transaction!(self, |tx| {
            if !move_cursor(tx, cursor, from, up_to).await? {
                return Err(StoreError::VersionConflict);
            }
            for d in &deliveries {
                insert_delivery_row(tx, d).await?;
            }
            Ok(())
        })
    }

    async fn insert_delivery(&self, d: NewDelivery) -> StoreResult<Delivery> {
        transaction!(self, |tx| {
            let id = insert_delivery_row(tx, &d).await?;
            delivery(tx, id).await?.ok_or(StoreError::NotFound)
        })
    }

    // `FOR UPDATE SKIP LOCKED` lets several instances claim at once without
    // waiting for each other or leasing one delivery twice (a row another
    // instance leased meanwhile fails the re-checked lease condition).
    async fn claim_deliveries(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> StoreResult<Vec<Delivery>> {
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
                 RETURNING {DELIVERY_SELECT}"
        );
        transaction!(self, |tx| {
            let rows = query(tx, &sql, &[&ms(now), &i64::from(limit), &ms(lease_until)]).await?;
            let mut claimed = all(rows, delivery_from_row)?;
            claimed.sort_by_key(|d| (d.next_attempt_at, d.id.0));
            Ok(claimed)
        })
    }

    async fn record_attempt(&self, a: Attempt, outcome: AttemptOutcome) -> StoreResult<AttemptRecorded> {
        transaction!(self, |tx| {
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
                &[
                    &state,
                    &i64::from(a.attempt),
                    &next,
                    &a.status.map(i64::from),
                    &a.error,
                    &finished,
                    &a.delivery_id.0,
                ],
            )
            .await?
            .ok_or(StoreError::NotFound)?;
            let webhook_id: i64 = PgRow(&row).int(0)?;
            let ok = outcome == AttemptOutcome::Delivered;
            let row = query_one(
                tx,
                "UPDATE webhooks SET consecutive_failures = CASE WHEN $1 THEN 0 ELSE consecutive_failures + 1 END \
                 WHERE id = $2 RETURNING consecutive_failures, failure_limit, active",
                &[&ok, &webhook_id],
            )
            .await?;
            let r = PgRow(&row);
            let (failures, limit, active): (u32, u32, bool) = (r.int(0)?, r.int(1)?, r.flag(2)?);
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
        })
    }

    async fn delivery(&self, id: DeliveryId) -> StoreResult<Option<Delivery>> {
        delivery(&self.client().await?, id).await
    }

    async fn deliveries(
        &self,
        webhook: WebhookId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>> {
        let sql = format!(
            "SELECT {DELIVERY_SELECT} FROM webhook_deliveries d WHERE d.webhook_id = $1 AND d.id < $2 \
             ORDER BY d.id DESC LIMIT $3"
        );
        let before = before.map_or(i64::MAX, |b| b.0);
        let rows = query(&self.client().await?, &sql, &[&webhook.0, &before, &i64::from(limit.clamp(1, 500))]).await?;
        all(rows, delivery_from_row)
    }

    async fn attempts(&self, d: DeliveryId) -> StoreResult<Vec<Attempt>> {
        let sql = format!("SELECT {ATTEMPT_SELECT} FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id");
        all(query(&self.client().await?, &sql, &[&d.0]).await?, attempt_from_row)
    }

    async fn insert_hook_endpoint(&self, mut e: HookEndpoint) -> StoreResult<HookEndpoint> {
        let values = endpoint_values(&e);
        let row = transaction!(self, |tx| {
            query_one(
                tx,
                "INSERT INTO hook_endpoints (kind, name, url, description, format, secret, priority, timeout_ms, \
                 on_failure, active, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                &bound(&binds(&values)),
            )
            .await
        })?;
        e.id = HookId(PgRow(&row).int(0)?);
        Ok(e)
    }

    async fn update_hook_endpoint(&self, e: &HookEndpoint) -> StoreResult<()> {
        let mut values = endpoint_values(e);
        values.push(Value::Int(e.id.0));
        transaction!(self, |tx| {
            let n = execute(
                tx,
                "UPDATE hook_endpoints SET kind = $1, name = $2, url = $3, description = $4, format = $5, \
                 secret = $6, priority = $7, timeout_ms = $8, on_failure = $9, active = $10, created_at = $11, \
                 updated_at = $12 WHERE id = $13",
                &bound(&binds(&values)),
            )
            .await?;
            one_row(n)
        })
    }

    async fn hook_endpoint(&self, id: HookId) -> StoreResult<Option<HookEndpoint>> {
        let sql = format!("SELECT {ENDPOINT_SELECT} FROM hook_endpoints WHERE id = $1");
        one(query_opt(&self.client().await?, &sql, &[&id.0]).await?, endpoint_from_row)
    }

    async fn list_hook_endpoints(
        &self,
        kind: Option<EndpointKind>,
        name: Option<&str>,
    ) -> StoreResult<Vec<HookEndpoint>> {
        let sql = format!(
            "SELECT {ENDPOINT_SELECT} FROM hook_endpoints WHERE ($1::text IS NULL OR kind = $1) \
             AND ($2::text IS NULL OR name = $2) ORDER BY priority, id"
        );
        all(query(&self.client().await?, &sql, &[&kind.map(EndpointKind::as_str), &name]).await?, endpoint_from_row)
    }

    async fn delete_hook_endpoint(&self, id: HookId) -> StoreResult<()> {
        transaction!(self, |tx| { one_row(execute(tx, "DELETE FROM hook_endpoints WHERE id = $1", &[&id.0]).await?) })
    }
}

/// Moves an event-log cursor (a setting) from `from` to `up_to` inside the
/// caller's transaction; answers whether it was still at `from`.
pub(crate) async fn move_cursor(tx: &Tx<'_>, cursor: &str, from: EventId, up_to: EventId) -> StoreResult<bool> {
    let (from_text, up_text) = (from.0.to_string(), up_to.0.to_string());
    Ok(if from.0 == 0 {
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
    })
}
