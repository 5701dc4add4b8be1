//! SLA policies and tickets' stored SLA states. The single writer makes
//! each check-then-write of an alert safe.

use crate::SqliteStore;
use crate::rows::*;
use crate::tickets::insert_events;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use std::sync::LazyLock;
use tessera_core::ids::*;
use tessera_core::time::from_millis;
use tessera_core::{StatusCategory, Timestamp};
use tessera_store::sql::Value;
use tessera_store::*;

fn ticket_sla(conn: &Connection, ticket: TicketId) -> StoreResult<Option<TicketSlaRecord>> {
    get(conn, &format!("SELECT {STATE_SELECT} FROM ticket_sla WHERE ticket_id = ?1"), [ticket.0], read(state_from_row))
}

static STATE_INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO ticket_sla ({STATE_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) {STATE_ON_CONFLICT}"
    )
});

#[async_trait]
impl SlaStore for SqliteStore {
    async fn insert_sla_policy(&self, mut p: SlaPolicyRecord) -> StoreResult<SlaPolicyRecord> {
        self.write(move |conn| {
            p.position =
                conn.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM sla_policies", [], |r| r.get(0)).db()?;
            conn.prepare_cached(
                "INSERT INTO sla_policies (name, position, active, department_ids, schedule, targets, \
                 warning_minutes, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .db()?
            .execute(bound(&policy_values(&p)?))
            .db()?;
            p.id = SlaPolicyId(conn.last_insert_rowid());
            Ok(p)
        })
        .await
    }

    async fn update_sla_policy(&self, p: &SlaPolicyRecord) -> StoreResult<()> {
        let mut values = policy_values(p)?;
        values.push(Value::Int(p.id.0));
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE sla_policies SET name = ?1, position = ?2, active = ?3, department_ids = ?4, \
                     schedule = ?5, targets = ?6, warning_minutes = ?7, created_at = ?8, updated_at = ?9 \
                     WHERE id = ?10",
                )
                .db()?
                .execute(bound(&values))
                .db()?;
            one_row(n)
        })
        .await
    }

    async fn sla_policy(&self, id: SlaPolicyId) -> StoreResult<Option<SlaPolicyRecord>> {
        self.lookup(move |conn| {
            get(conn, &format!("SELECT {POLICY_SELECT} FROM sla_policies WHERE id = ?1"), [id.0], read(policy_from_row))
        })
        .await
    }

    async fn list_sla_policies(&self) -> StoreResult<Vec<SlaPolicyRecord>> {
        self.lookup(|conn| {
            collect(
                conn,
                &format!("SELECT {POLICY_SELECT} FROM sla_policies ORDER BY position, id"),
                [],
                read(policy_from_row),
            )
        })
        .await
    }

    async fn delete_sla_policy(&self, id: SlaPolicyId) -> StoreResult<()> {
        self.write(move |conn| one_row(conn.execute("DELETE FROM sla_policies WHERE id = ?1", [id.0]).db()?)).await
    }

    async fn ticket_sla(&self, ticket: TicketId) -> StoreResult<Option<TicketSlaRecord>> {
        self.lookup(move |conn| ticket_sla(conn, ticket)).await
    }

    async fn save_ticket_sla(&self, record: TicketSlaRecord) -> StoreResult<()> {
        let values = state_values(&record)?;
        self.write(move |conn| {
            let sql = format!("{} WHERE excluded.ticket_version >= ticket_sla.ticket_version", *STATE_INSERT);
            match conn.prepare_cached(&sql).db()?.execute(bound(&values)).db() {
                // The ticket is gone (deleted for good meanwhile): nothing to keep.
                Ok(_) | Err(StoreError::InvalidReference(_)) => Ok(()),
                Err(e) => Err(e),
            }
        })
        .await
    }

    async fn record_sla_alerts(
        &self,
        record: TicketSlaRecord,
        expected_announced: Vec<String>,
        events: Vec<NewEvent>,
    ) -> StoreResult<Vec<EventId>> {
        let values = state_values(&record)?;
        let ids = self
            .write(move |conn| {
                let version: Option<i64> = conn
                    .query_row(
                        "SELECT version FROM tickets WHERE id = ?1 AND deleted_at IS NULL",
                        [record.ticket_id.0],
                        |r| r.get(0),
                    )
                    .optional()
                    .db()?;
                if version != Some(record.ticket_version) {
                    return Err(StoreError::VersionConflict);
                }
                let stored = ticket_sla(conn, record.ticket_id)?.map(|r| r.announced).unwrap_or_default();
                if stored != expected_announced {
                    return Err(StoreError::VersionConflict);
                }
                let sql = format!("{}, announced = excluded.announced", *STATE_INSERT);
                conn.prepare_cached(&sql).db()?.execute(bound(&values)).db()?;
                insert_events(conn, record.ticket_id, record.ticket_version, &events, &[])
            })
            .await;
        if ids.is_ok() {
            self.events.notify_waiters();
        }
        ids
    }

    async fn due_sla_alerts(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<TicketId>> {
        self.read(move |conn| {
            collect(
                conn,
                "SELECT s.ticket_id FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id \
                 WHERE s.next_alert_at IS NOT NULL AND s.next_alert_at <= ?1 AND t.deleted_at IS NULL \
                 ORDER BY s.next_alert_at, s.ticket_id LIMIT ?2",
                params![ms(now), limit],
                |r| r.get(0).map(TicketId),
            )
        })
        .await
    }

    async fn next_sla_alert_at(&self) -> StoreResult<Option<Timestamp>> {
        let at = self
            .read(|conn| {
                get(
                    conn,
                    "SELECT s.next_alert_at FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id \
                     WHERE s.next_alert_at IS NOT NULL AND t.deleted_at IS NULL ORDER BY s.next_alert_at LIMIT 1",
                    [],
                    |r| r.get::<_, i64>(0),
                )
            })
            .await?;
        Ok(at.map(from_millis))
    }

    async fn sla_candidates(&self, after: TicketId, limit: u32, stale_only: bool) -> StoreResult<Vec<TicketId>> {
        let stale = if stale_only {
            " AND NOT EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.ticket_version = t.version)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT t.id FROM tickets t WHERE t.id > ?1 AND t.deleted_at IS NULL \
             AND t.status_category NOT IN (?2, ?3){stale} ORDER BY t.id LIMIT ?4"
        );
        self.read(move |conn| {
            let (solved, closed) = (StatusCategory::Solved.as_str(), StatusCategory::Closed.as_str());
            collect(conn, &sql, params![after.0, solved, closed, limit], |r| r.get(0).map(TicketId))
        })
        .await
    }
}
