//! SLA policies and tickets' stored SLA states (migration 0003): the SQLite
//! store's `sla.rs` on PostgreSQL, with the same tables and columns.
//!
//! Where SQLite's single writer made a check-then-write safe, this takes a
//! row lock: `record_sla_alerts` locks the ticket row (`FOR NO KEY UPDATE`)
//! before it compares the ticket's version and the alerts already written,
//! so two checkers of one ticket (in two instances) run one after the other
//! and the second finds the first one's alerts: each alert is written once.
//! `save_ticket_sla` is a single upsert whose `WHERE` keeps a state computed
//! from a later ticket version.

use crate::PgStore;
use crate::db::{Db, execute, query, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use std::sync::LazyLock;
use tessera_core::ids::*;
use tessera_core::{StatusCategory, Timestamp};
use tessera_store::sql::Value;
use tessera_store::*;

async fn ticket_sla(c: &impl Db, ticket: TicketId) -> StoreResult<Option<TicketSlaRecord>> {
    let sql = format!("SELECT {STATE_SELECT} FROM ticket_sla WHERE ticket_id = $1");
    one(query_opt(c, &sql, &[&ticket.0]).await?, state_from_row)
}

/// Inserts a state row for a ticket that exists (none for one deleted for
/// good meanwhile: nothing to keep), or updates the stored one; every
/// column but `announced`, which only `record_sla_alerts` changes. The
/// casts name the parameters' types (a `SELECT` list does not take them
/// from the target columns).
static STATE_UPSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO ticket_sla ({STATE_COLUMNS}) \
         SELECT $1::bigint, $2::bigint, $3::bigint, $4::text, $5::bigint, $6::text, $7::bigint, $8::text, \
         $9::bigint, $10::text, $11::bigint, $12::bigint, $13::bigint, $14::text, $15::bigint \
         WHERE EXISTS (SELECT 1 FROM tickets WHERE id = $1) {STATE_ON_CONFLICT}"
    )
});

#[async_trait]
impl SlaStore for PgStore {
    async fn insert_sla_policy(&self, mut p: SlaPolicyRecord) -> StoreResult<SlaPolicyRecord> {
        // Every value but the position, which the statement takes: one past
        // the highest.
        let mut values = policy_values(&p)?;
        values.remove(1);
        let row = transaction!(self, |tx| {
            query_opt(
                tx,
                "INSERT INTO sla_policies (name, position, active, department_ids, schedule, targets, \
                 warning_minutes, created_at, updated_at) \
                 VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM sla_policies), $2, $3, $4, $5, $6, $7, $8) \
                 RETURNING id, position",
                &bound(&binds(&values)),
            )
            .await?
            .ok_or_else(|| StoreError::Backend("INSERT … RETURNING gave no row".into()))
        })?;
        p.id = SlaPolicyId(PgRow(&row).int(0)?);
        p.position = PgRow(&row).int(1)?;
        Ok(p)
    }

    async fn update_sla_policy(&self, p: &SlaPolicyRecord) -> StoreResult<()> {
        let mut values = policy_values(p)?;
        values.push(Value::Int(p.id.0));
        transaction!(self, |tx| {
            let n = execute(
                tx,
                "UPDATE sla_policies SET name = $1, position = $2, active = $3, department_ids = $4, schedule = $5, \
                 targets = $6, warning_minutes = $7, created_at = $8, updated_at = $9 WHERE id = $10",
                &bound(&binds(&values)),
            )
            .await?;
            one_row(n)
        })
    }

    async fn sla_policy(&self, id: SlaPolicyId) -> StoreResult<Option<SlaPolicyRecord>> {
        let sql = format!("SELECT {POLICY_SELECT} FROM sla_policies WHERE id = $1");
        one(query_opt(&self.client().await?, &sql, &[&id.0]).await?, policy_from_row)
    }

    async fn list_sla_policies(&self) -> StoreResult<Vec<SlaPolicyRecord>> {
        let sql = format!("SELECT {POLICY_SELECT} FROM sla_policies ORDER BY position, id");
        all(query(&self.client().await?, &sql, &[]).await?, policy_from_row)
    }

    // The states naming it keep no link: `ON DELETE SET NULL`.
    async fn delete_sla_policy(&self, id: SlaPolicyId) -> StoreResult<()> {
        transaction!(self, |tx| { one_row(execute(tx, "DELETE FROM sla_policies WHERE id = $1", &[&id.0]).await?) })
    }

    async fn ticket_sla(&self, ticket: TicketId) -> StoreResult<Option<TicketSlaRecord>> {
        ticket_sla(&self.client().await?, ticket).await
    }

    async fn save_ticket_sla(&self, record: TicketSlaRecord) -> StoreResult<()> {
        let values = state_values(&record)?;
        transaction!(self, |tx| {
            let sql = format!("{} WHERE excluded.ticket_version >= ticket_sla.ticket_version", *STATE_UPSERT);
            match execute(tx, &sql, &bound(&binds(&values))).await {
                // The ticket was deleted for good between the check and the insert.
                Ok(_) | Err(StoreError::InvalidReference(_)) => Ok(()),
                Err(e) => Err(e),
            }
        })
    }

    async fn record_sla_alerts(
        &self,
        record: TicketSlaRecord,
        expected_announced: Vec<String>,
        events: Vec<NewEvent>,
    ) -> StoreResult<Vec<EventId>> {
        let values = state_values(&record)?;
        let ids = transaction!(self, |tx| {
            // The row lock makes a second checker of this ticket wait here
            // until the first commits, then read the alerts it wrote. NO KEY
            // UPDATE: rows referencing the ticket (messages, events) may
            // still be inserted.
            let locked = query_opt(
                tx,
                "SELECT version FROM tickets WHERE id = $1 AND deleted_at IS NULL FOR NO KEY UPDATE",
                &[&record.ticket_id.0],
            )
            .await?;
            if one(locked, |r| r.int::<i64>(0))? != Some(record.ticket_version) {
                return Err(StoreError::VersionConflict);
            }
            let stored = ticket_sla(tx, record.ticket_id).await?.map(|r| r.announced).unwrap_or_default();
            if stored != expected_announced {
                return Err(StoreError::VersionConflict);
            }
            let sql = format!("{}, announced = excluded.announced", *STATE_UPSERT);
            execute(tx, &sql, &bound(&binds(&values))).await?;
            // Last: it takes the event-order lock and notifies listeners.
            crate::tickets::insert_events(tx, record.ticket_id, record.ticket_version, &events, &[]).await
        });
        if ids.is_ok() {
            self.listener.signal().notify_waiters();
        }
        ids
    }

    async fn due_sla_alerts(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<TicketId>> {
        let rows = query(
            &self.client().await?,
            "SELECT s.ticket_id FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id \
             WHERE s.next_alert_at IS NOT NULL AND s.next_alert_at <= $1 AND t.deleted_at IS NULL \
             ORDER BY s.next_alert_at, s.ticket_id LIMIT $2",
            &[&ms(now), &i64::from(limit)],
        )
        .await?;
        all(rows, |r| r.int(0).map(TicketId))
    }

    async fn next_sla_alert_at(&self) -> StoreResult<Option<Timestamp>> {
        let row = query_opt(
            &self.client().await?,
            "SELECT s.next_alert_at FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id \
             WHERE s.next_alert_at IS NOT NULL AND t.deleted_at IS NULL ORDER BY s.next_alert_at LIMIT 1",
            &[],
        )
        .await?;
        one(row, |r| r.ts(0))
    }

    async fn sla_candidates(&self, after: TicketId, limit: u32, stale_only: bool) -> StoreResult<Vec<TicketId>> {
        let stale = if stale_only {
            " AND NOT EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.ticket_version = t.version)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT t.id FROM tickets t WHERE t.id > $1 AND t.deleted_at IS NULL \
             AND t.status_category NOT IN ($2, $3){stale} ORDER BY t.id LIMIT $4"
        );
        let (solved, closed) = (StatusCategory::Solved.as_str(), StatusCategory::Closed.as_str());
        let rows = query(&self.client().await?, &sql, &[&after.0, &solved, &closed, &i64::from(limit)]).await?;
        all(rows, |r| r.int(0).map(TicketId))
    }
}
