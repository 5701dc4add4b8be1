//! Mail going out: the queue, the suppression list, notification choices
//! and admins' templates (rows read by `tessera_store::sql::rows`, as
//! SQLite's).

use crate::PgStore;
use crate::db::{Db, Tx, execute, query, query_opt};
use crate::hooks::move_cursor;
use crate::rows::*;
use async_trait::async_trait;
use tessera_core::Timestamp;
use tessera_core::ids::*;
use tessera_store::*;

async fn insert_outbound(tx: &Tx<'_>, m: &NewOutbound) -> StoreResult<()> {
    let row = query_opt(
        tx,
        "INSERT INTO outbound_mail (ticket_id, message_ref, event_id, kind, mail_id, plan, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        &[
            &m.ticket_id.map(|t| t.0),
            &m.message_ref.map(|x| x.0),
            &m.event_id.map(|e| e.0),
            &m.kind.as_str(),
            &m.mail_id,
            &m.plan,
            &ms(m.created_at),
        ],
    )
    .await?
    .ok_or(StoreError::NotFound)?;
    let id = new_id(&row)?;
    for r in &m.recipients {
        execute(
            tx,
            "INSERT INTO outbound_deliveries (outbound_id, address, user_id, state, next_attempt_at, answer, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $5)",
            &[&id, &r.address, &r.user_id.map(|u| u.0), &r.state.as_str(), &ms(m.created_at), &r.answer],
        )
        .await?;
    }
    Ok(())
}

async fn insert_digest_item(tx: &Tx<'_>, i: &NewDigestItem) -> StoreResult<()> {
    execute(
        tx,
        "INSERT INTO digest_items (user_id, kind, ticket_id, event_id, item, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &i.user_id.0,
            &i.kind.as_str(),
            &i.ticket_id.map(|t| t.0),
            &i.event_id.map(|e| e.0),
            &i.item,
            &ms(i.created_at),
        ],
    )
    .await?;
    Ok(())
}

async fn insert_suppression(tx: &Tx<'_>, e: &Suppression) -> StoreResult<()> {
    execute(
        tx,
        "INSERT INTO mail_suppressions (address, reason, delivery_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (address) DO NOTHING",
        &[&e.address.to_lowercase(), &e.reason, &e.delivery_id.map(|d| d.0), &ms(e.created_at)],
    )
    .await?;
    Ok(())
}

#[async_trait]
impl OutboundStore for PgStore {
    async fn queue_outbound(&self, cursor: Option<OutboundCursor>, mails: Vec<NewOutbound>) -> StoreResult<()> {
        self.queue_notifications(cursor, mails, Vec::new()).await
    }

    async fn queue_notifications(
        &self,
        cursor: Option<OutboundCursor>,
        mails: Vec<NewOutbound>,
        digest: Vec<NewDigestItem>,
    ) -> StoreResult<()> {
        transaction!(self, |tx| {
            if let Some(c) = &cursor
                && !move_cursor(tx, &c.name, c.from, c.up_to).await?
            {
                return Err(StoreError::VersionConflict);
            }
            for m in &mails {
                insert_outbound(tx, m).await?;
            }
            for i in &digest {
                insert_digest_item(tx, i).await?;
            }
            Ok(())
        })
    }

    // `FOR UPDATE SKIP LOCKED`: several instances claim at once without
    // leasing one delivery twice.
    async fn claim_outbound(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let sql = format!(
            "WITH due AS (
                SELECT d.id FROM outbound_deliveries d
                WHERE d.state IN ('queued', 'deferred') AND d.next_attempt_at <= $1
                  AND (d.leased_until IS NULL OR d.leased_until <= $1)
                ORDER BY d.next_attempt_at, d.id LIMIT $2
                FOR UPDATE OF d SKIP LOCKED
             ), leased AS (
                UPDATE outbound_deliveries d SET leased_until = $3 FROM due WHERE d.id = due.id RETURNING d.*
             )
             SELECT {OUTBOUND_SELECT}, m.plan FROM leased d JOIN outbound_mail m ON m.id = d.outbound_id"
        );
        transaction!(self, |tx| {
            let rows = query(tx, &sql, &[&ms(now), &i64::from(limit), &ms(lease_until)]).await?;
            let mut claimed = Vec::with_capacity(rows.len());
            for row in rows {
                let plan: String = row.try_get(14).map_err(map_err)?;
                let delivery = one(Some(row), delivery_of_mail_from_row)?.ok_or(StoreError::NotFound)?;
                claimed.push(ClaimedDelivery { delivery, plan });
            }
            claimed.sort_by_key(|c| (c.delivery.next_attempt_at, c.delivery.id.0));
            Ok(claimed)
        })
    }

    async fn finish_deliveries(
        &self,
        outcomes: Vec<(MailDeliveryId, DeliveryOutcome)>,
        suppress: Vec<Suppression>,
    ) -> StoreResult<()> {
        transaction!(self, |tx| {
            for (id, o) in &outcomes {
                execute(
                    tx,
                    "UPDATE outbound_deliveries SET state = $2, answer = $3, next_attempt_at = $4, updated_at = $5, \
                     attempts = attempts + 1, leased_until = NULL WHERE id = $1",
                    &[&id.0, &o.state.as_str(), &o.answer, &ms(o.next_attempt_at), &ms(o.at)],
                )
                .await?;
            }
            for e in &suppress {
                insert_suppression(tx, e).await?;
            }
            Ok(())
        })
    }

    async fn requeue_delivery(&self, id: MailDeliveryId, now: Timestamp) -> StoreResult<()> {
        let c = self.client().await?;
        let n = execute(
            &c,
            "UPDATE outbound_deliveries SET state = 'queued', next_attempt_at = $2, updated_at = $2, \
             leased_until = NULL WHERE id = $1",
            &[&id.0, &ms(now)],
        )
        .await?;
        one_row(n)
    }

    async fn bounce_delivery(
        &self,
        mail_id: &str,
        address: &str,
        answer: &str,
        at: Timestamp,
    ) -> StoreResult<Option<OutboundDelivery>> {
        let address = address.to_lowercase();
        transaction!(self, |tx| {
            let sql = format!("SELECT {OUTBOUND_SELECT} FROM {OUTBOUND_FROM} WHERE m.mail_id = $1 AND d.address = $2");
            let Some(found) = one(query_opt(tx, &sql, &[&mail_id, &address]).await?, delivery_of_mail_from_row)? else {
                return Ok(None);
            };
            execute(
                tx,
                "UPDATE outbound_deliveries SET state = 'bounced', answer = $2, updated_at = $3, leased_until = NULL \
                 WHERE id = $1",
                &[&found.id.0, &answer, &ms(at)],
            )
            .await?;
            let sql = format!("SELECT {OUTBOUND_SELECT} FROM {OUTBOUND_FROM} WHERE d.id = $1");
            one(query_opt(tx, &sql, &[&found.id.0]).await?, delivery_of_mail_from_row)
        })
    }

    async fn delivery_of_mail(&self, id: MailDeliveryId) -> StoreResult<Option<OutboundDelivery>> {
        let sql = format!("SELECT {OUTBOUND_SELECT} FROM {OUTBOUND_FROM} WHERE d.id = $1");
        let c = self.client().await?;
        one(query_opt(&c, &sql, &[&id.0]).await?, delivery_of_mail_from_row)
    }

    async fn outbound_of_ticket(&self, ticket: TicketId, limit: u32) -> StoreResult<Vec<OutboundDelivery>> {
        let sql =
            format!("SELECT {OUTBOUND_SELECT} FROM {OUTBOUND_FROM} WHERE m.ticket_id = $1 ORDER BY d.id LIMIT $2");
        let c = self.client().await?;
        all(query(&c, &sql, &[&ticket.0, &i64::from(limit)]).await?, delivery_of_mail_from_row)
    }

    async fn list_outbound(
        &self,
        state: Option<MailDeliveryState>,
        before: Option<MailDeliveryId>,
        limit: u32,
    ) -> StoreResult<Vec<OutboundDelivery>> {
        let sql = format!(
            "SELECT {OUTBOUND_SELECT} FROM {OUTBOUND_FROM} WHERE ($1::TEXT IS NULL OR d.state = $1) \
             AND ($2::BIGINT IS NULL OR d.id < $2) ORDER BY d.id DESC LIMIT $3"
        );
        let c = self.client().await?;
        let rows =
            query(&c, &sql, &[&state.map(MailDeliveryState::as_str), &before.map(|b| b.0), &i64::from(limit)]).await?;
        all(rows, delivery_of_mail_from_row)
    }

    async fn sent_since(&self, kind: OutboundKind, address: &str, since: Timestamp) -> StoreResult<bool> {
        let c = self.client().await?;
        let row = query_opt(
            &c,
            "SELECT 1 FROM outbound_deliveries d JOIN outbound_mail m ON m.id = d.outbound_id \
             WHERE d.address = $1 AND d.updated_at >= $3 AND m.kind = $2 AND m.created_at >= $3 LIMIT 1",
            &[&address.to_lowercase(), &kind.as_str(), &ms(since)],
        )
        .await?;
        Ok(row.is_some())
    }

    async fn outbound_tally(&self) -> StoreResult<Vec<OutboundTally>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT m.kind, d.state, COUNT(*) FROM outbound_deliveries d JOIN outbound_mail m \
             ON m.id = d.outbound_id GROUP BY m.kind, d.state",
            &[],
        )
        .await?;
        all(rows, outbound_tally_from_row)
    }

    async fn suppress_address(&self, e: Suppression) -> StoreResult<()> {
        transaction!(self, |tx| { insert_suppression(tx, &e).await })
    }

    async fn suppressions_of(&self, addresses: &[String]) -> StoreResult<Vec<Suppression>> {
        let list: Vec<String> = addresses.iter().map(|a| a.to_lowercase()).collect();
        let sql = format!("SELECT {SUPPRESSION_SELECT} FROM mail_suppressions WHERE address = ANY($1)");
        let c = self.client().await?;
        all(query(&c, &sql, &[&list]).await?, suppression_from_row)
    }

    async fn list_suppressions(&self) -> StoreResult<Vec<Suppression>> {
        let sql = format!("SELECT {SUPPRESSION_SELECT} FROM mail_suppressions ORDER BY created_at DESC, address");
        let c = self.client().await?;
        all(query(&c, &sql, &[]).await?, suppression_from_row)
    }

    async fn clear_suppression(&self, address: &str) -> StoreResult<()> {
        let c = self.client().await?;
        one_row(execute(&c, "DELETE FROM mail_suppressions WHERE address = $1", &[&address.to_lowercase()]).await?)
    }

    async fn notification_prefs(&self, user: UserId) -> StoreResult<Vec<(OutboundKind, bool)>> {
        let c = self.client().await?;
        let rows =
            query(&c, "SELECT kind, mode FROM notification_prefs WHERE user_id = $1 ORDER BY kind", &[&user.0]).await?;
        all(rows, pref_from_row)
    }

    async fn users_opted_out(&self, kind: OutboundKind, users: &[UserId]) -> StoreResult<Vec<UserId>> {
        let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT user_id FROM notification_prefs WHERE kind = $1 AND mode = 'off' AND user_id = ANY($2)",
            &[&kind.as_str(), &ids],
        )
        .await?;
        all(rows, |r| Ok(UserId(r.int(0)?)))
    }

    async fn set_notification_pref(&self, user: UserId, kind: OutboundKind, on: bool) -> StoreResult<()> {
        let c = self.client().await?;
        execute(
            &c,
            "INSERT INTO notification_prefs (user_id, kind, mode) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET mode = excluded.mode",
            &[&user.0, &kind.as_str(), &(if on { "immediate" } else { "off" })],
        )
        .await?;
        Ok(())
    }

    async fn notification_modes(&self, user: UserId) -> StoreResult<Vec<(OutboundKind, NotificationMode)>> {
        let c = self.client().await?;
        let rows =
            query(&c, "SELECT kind, mode FROM notification_prefs WHERE user_id = $1 ORDER BY kind", &[&user.0]).await?;
        all(rows, mode_from_row)
    }

    async fn notification_modes_of(
        &self,
        kind: OutboundKind,
        users: &[UserId],
    ) -> StoreResult<Vec<(UserId, NotificationMode)>> {
        let ids: Vec<i64> = users.iter().map(|u| u.0).collect();
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT user_id, mode FROM notification_prefs WHERE kind = $1 AND user_id = ANY($2)",
            &[&kind.as_str(), &ids],
        )
        .await?;
        all(rows, user_mode_from_row)
    }

    async fn set_notification_mode(
        &self,
        user: UserId,
        kind: OutboundKind,
        mode: Option<NotificationMode>,
    ) -> StoreResult<()> {
        set_mode_row(&self.client().await?, ModeTable::People, user.0, kind, mode).await
    }

    async fn department_notification_defaults(
        &self,
    ) -> StoreResult<Vec<(DepartmentId, OutboundKind, NotificationMode)>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT department_id, kind, mode FROM department_notification_defaults ORDER BY department_id, kind",
            &[],
        )
        .await?;
        all(rows, department_mode_from_row)
    }

    async fn set_department_notification_default(
        &self,
        department: DepartmentId,
        kind: OutboundKind,
        mode: Option<NotificationMode>,
    ) -> StoreResult<()> {
        set_mode_row(&self.client().await?, ModeTable::Departments, department.0, kind, mode).await
    }

    async fn digests_due(&self, before: Timestamp, limit: u32) -> StoreResult<Vec<UserId>> {
        let c = self.client().await?;
        let rows = query(
            &c,
            "SELECT DISTINCT user_id FROM digest_items WHERE created_at <= $1 ORDER BY user_id LIMIT $2",
            &[&ms(before), &i64::from(limit)],
        )
        .await?;
        all(rows, |r| Ok(UserId(r.int(0)?)))
    }

    async fn digest_items(&self, user: UserId, limit: u32) -> StoreResult<Vec<DigestItem>> {
        let sql = format!("SELECT {DIGEST_ITEM_SELECT} FROM digest_items WHERE user_id = $1 ORDER BY id LIMIT $2");
        let c = self.client().await?;
        all(query(&c, &sql, &[&user.0, &i64::from(limit)]).await?, digest_item_from_row)
    }

    // Two instances racing for one digest: the second's DELETE waits for
    // the first's row locks, then finds the rows gone and rolls back.
    async fn queue_digest(&self, user: UserId, items: Vec<i64>, mail: Option<NewOutbound>) -> StoreResult<()> {
        transaction!(self, |tx| {
            let deleted =
                execute(tx, "DELETE FROM digest_items WHERE id = ANY($1) AND user_id = $2", &[&items, &user.0]).await?;
            if deleted != items.len() as u64 {
                return Err(StoreError::VersionConflict);
            }
            match &mail {
                Some(m) => insert_outbound(tx, m).await,
                None => Ok(()),
            }
        })
    }

    async fn mail_templates(&self) -> StoreResult<Vec<MailTemplateRecord>> {
        let sql = format!("SELECT {MAIL_TEMPLATE_SELECT} FROM mail_templates ORDER BY kind, language");
        let c = self.client().await?;
        all(query(&c, &sql, &[]).await?, mail_template_from_row)
    }

    async fn save_mail_template(&self, t: MailTemplateRecord) -> StoreResult<()> {
        let c = self.client().await?;
        execute(
            &c,
            "INSERT INTO mail_templates (kind, language, subject, body, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (kind, language) DO UPDATE SET \
             subject = excluded.subject, body = excluded.body, updated_by = excluded.updated_by, \
             updated_at = excluded.updated_at",
            &[&t.kind.as_str(), &t.language, &t.subject, &t.body, &t.updated_by.map(|u| u.0), &ms(t.updated_at)],
        )
        .await?;
        Ok(())
    }

    async fn delete_mail_template(&self, kind: OutboundKind, language: &str) -> StoreResult<()> {
        let c = self.client().await?;
        one_row(
            execute(&c, "DELETE FROM mail_templates WHERE kind = $1 AND language = $2", &[&kind.as_str(), &language])
                .await?,
        )
    }
}

/// The two tables of notification modes: a person's own choices and a
/// department's defaults for its agents (decision 48); one row per owner
/// and kind, none for "not chosen".
#[derive(Clone, Copy)]
enum ModeTable {
    People,
    Departments,
}

/// Sets (or, with `None`, clears) one owner's mode of one kind.
async fn set_mode_row(
    c: &impl Db,
    table: ModeTable,
    owner: i64,
    kind: OutboundKind,
    mode: Option<NotificationMode>,
) -> StoreResult<()> {
    let (upsert, delete) = match table {
        ModeTable::People => (
            "INSERT INTO notification_prefs (user_id, kind, mode) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET mode = excluded.mode",
            "DELETE FROM notification_prefs WHERE user_id = $1 AND kind = $2",
        ),
        ModeTable::Departments => (
            "INSERT INTO department_notification_defaults (department_id, kind, mode) VALUES ($1, $2, $3) \
             ON CONFLICT (department_id, kind) DO UPDATE SET mode = excluded.mode",
            "DELETE FROM department_notification_defaults WHERE department_id = $1 AND kind = $2",
        ),
    };
    match mode {
        Some(m) => execute(c, upsert, &[&owner, &kind.as_str(), &m.as_str()]).await?,
        None => execute(c, delete, &[&owner, &kind.as_str()]).await?,
    };
    Ok(())
}
