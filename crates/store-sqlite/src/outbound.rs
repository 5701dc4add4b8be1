//! Mail going out: the queue, the suppression list, notification choices
//! and admins' templates (SQL shared with PostgreSQL's in
//! `tessera_store::sql::rows`).

use crate::SqliteStore;
use crate::catalogue::{set_setting, setting};
use crate::rows::*;
use async_trait::async_trait;
use rusqlite::{Connection, params};
use tessera_core::Timestamp;
use tessera_core::ids::*;
use tessera_store::*;

fn insert_outbound(conn: &Connection, m: &NewOutbound) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO outbound_mail (ticket_id, message_ref, event_id, kind, mail_id, plan, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .db()?
    .execute(params![
        m.ticket_id.map(|t| t.0),
        m.message_ref.map(|x| x.0),
        m.event_id.map(|e| e.0),
        m.kind.as_str(),
        m.mail_id,
        m.plan,
        ms(m.created_at)
    ])
    .db()?;
    let id = conn.last_insert_rowid();
    let mut add = conn
        .prepare_cached(
            "INSERT INTO outbound_deliveries (outbound_id, address, user_id, state, next_attempt_at, answer, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5)",
        )
        .db()?;
    for r in &m.recipients {
        add.execute(params![id, r.address, r.user_id.map(|u| u.0), r.state.as_str(), ms(m.created_at), r.answer])
            .db()?;
    }
    Ok(())
}

fn insert_digest_item(conn: &Connection, i: &NewDigestItem) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO digest_items (user_id, kind, ticket_id, event_id, item, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .db()?
    .execute(params![
        i.user_id.0,
        i.kind.as_str(),
        i.ticket_id.map(|t| t.0),
        i.event_id.map(|e| e.0),
        i.item,
        ms(i.created_at)
    ])
    .db()?;
    Ok(())
}

fn insert_suppression(conn: &Connection, e: &Suppression) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO mail_suppressions (address, reason, delivery_id, created_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (address) DO NOTHING",
    )
    .db()?
    .execute(params![e.address.to_lowercase(), e.reason, e.delivery_id.map(|d| d.0), ms(e.created_at)])
    .db()?;
    Ok(())
}

fn delivery_by_id(conn: &Connection, id: MailDeliveryId) -> StoreResult<Option<OutboundDelivery>> {
    let sql = format!("SELECT {OUTBOUND_SELECT} FROM {OUTBOUND_FROM} WHERE d.id = ?1");
    get(conn, &sql, [id.0], read(delivery_of_mail_from_row))
}

#[async_trait]
impl OutboundStore for SqliteStore {
    async fn queue_outbound(&self, cursor: Option<OutboundCursor>, mails: Vec<NewOutbound>) -> StoreResult<()> {
        self.queue_notifications(cursor, mails, Vec::new()).await
    }

    async fn queue_notifications(
        &self,
        cursor: Option<OutboundCursor>,
        mails: Vec<NewOutbound>,
        digest: Vec<NewDigestItem>,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            if let Some(c) = &cursor {
                let at = setting(conn, &c.name)?.and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
                if at != c.from.0 {
                    return Err(StoreError::VersionConflict);
                }
            }
            for m in &mails {
                insert_outbound(conn, m)?;
            }
            for i in &digest {
                insert_digest_item(conn, i)?;
            }
            match &cursor {
                Some(c) => set_setting(conn, &c.name, &c.up_to.0.to_string()),
                None => Ok(()),
            }
        })
        .await
    }

    async fn claim_outbound(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let any_due: bool = self
            .lookup(move |conn| {
                conn.prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM outbound_deliveries WHERE state IN ('queued', 'deferred') \
                     AND next_attempt_at <= ?1 AND (leased_until IS NULL OR leased_until <= ?1))",
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
            "SELECT {OUTBOUND_SELECT}, m.plan FROM {OUTBOUND_FROM} \
             WHERE d.state IN ('queued', 'deferred') AND d.next_attempt_at <= ?1 \
               AND (d.leased_until IS NULL OR d.leased_until <= ?1) \
             ORDER BY d.next_attempt_at, d.id LIMIT ?2"
        );
        self.write(move |conn| {
            let claimed = collect(conn, &sql, params![ms(now), limit], |r| {
                let delivery = read(delivery_of_mail_from_row)(r)?;
                Ok(ClaimedDelivery { delivery, plan: r.get(14)? })
            })?;
            let mut lease =
                conn.prepare_cached("UPDATE outbound_deliveries SET leased_until = ?1 WHERE id = ?2").db()?;
            for c in &claimed {
                lease.execute(params![ms(lease_until), c.delivery.id.0]).db()?;
            }
            Ok(claimed)
        })
        .await
    }

    async fn finish_deliveries(
        &self,
        outcomes: Vec<(MailDeliveryId, DeliveryOutcome)>,
        suppress: Vec<Suppression>,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            let mut finish = conn
                .prepare_cached(
                    "UPDATE outbound_deliveries SET state = ?2, answer = ?3, next_attempt_at = ?4, updated_at = ?5, \
                     attempts = attempts + 1, leased_until = NULL WHERE id = ?1",
                )
                .db()?;
            for (id, o) in &outcomes {
                finish.execute(params![id.0, o.state.as_str(), o.answer, ms(o.next_attempt_at), ms(o.at)]).db()?;
            }
            for e in &suppress {
                insert_suppression(conn, e)?;
            }
            Ok(())
        })
        .await
    }

    async fn requeue_delivery(&self, id: MailDeliveryId, now: Timestamp) -> StoreResult<()> {
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE outbound_deliveries SET state = 'queued', next_attempt_at = ?2, updated_at = ?2, \
                     leased_until = NULL WHERE id = ?1",
                )
                .db()?
                .execute(params![id.0, ms(now)])
                .db()?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
        })
        .await
    }

    async fn bounce_delivery(
        &self,
        mail_id: &str,
        address: &str,
        answer: &str,
        at: Timestamp,
    ) -> StoreResult<Option<OutboundDelivery>> {
        let (mail_id, address, answer) = (mail_id.to_string(), address.to_lowercase(), answer.to_string());
        self.write(move |conn| {
            let sql = format!("SELECT {OUTBOUND_SELECT} FROM {OUTBOUND_FROM} WHERE m.mail_id = ?1 AND d.address = ?2");
            let Some(found) = get(conn, &sql, params![mail_id, address], read(delivery_of_mail_from_row))? else {
                return Ok(None);
            };
            conn.prepare_cached(
                "UPDATE outbound_deliveries SET state = 'bounced', answer = ?2, updated_at = ?3, leased_until = NULL \
                 WHERE id = ?1",
            )
            .db()?
            .execute(params![found.id.0, answer, ms(at)])
            .db()?;
            delivery_by_id(conn, found.id)
        })
        .await
    }

    async fn delivery_of_mail(&self, id: MailDeliveryId) -> StoreResult<Option<OutboundDelivery>> {
        self.read(move |conn| delivery_by_id(conn, id)).await
    }

    async fn outbound_of_ticket(&self, ticket: TicketId, limit: u32) -> StoreResult<Vec<OutboundDelivery>> {
        self.read(move |conn| {
            let sql =
                format!("SELECT {OUTBOUND_SELECT} FROM {OUTBOUND_FROM} WHERE m.ticket_id = ?1 ORDER BY d.id LIMIT ?2");
            collect(conn, &sql, params![ticket.0, limit], read(delivery_of_mail_from_row))
        })
        .await
    }

    async fn list_outbound(
        &self,
        state: Option<MailDeliveryState>,
        before: Option<MailDeliveryId>,
        limit: u32,
    ) -> StoreResult<Vec<OutboundDelivery>> {
        self.read(move |conn| {
            let sql = format!(
                "SELECT {OUTBOUND_SELECT} FROM {OUTBOUND_FROM} WHERE (?1 IS NULL OR d.state = ?1) \
                 AND (?2 IS NULL OR d.id < ?2) ORDER BY d.id DESC LIMIT ?3"
            );
            collect(
                conn,
                &sql,
                params![state.map(MailDeliveryState::as_str), before.map(|b| b.0), limit],
                read(delivery_of_mail_from_row),
            )
        })
        .await
    }

    async fn sent_since(&self, kind: OutboundKind, address: &str, since: Timestamp) -> StoreResult<bool> {
        let address = address.to_lowercase();
        self.read(move |conn| {
            conn.prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM outbound_deliveries d JOIN outbound_mail m ON m.id = d.outbound_id \
                 WHERE d.address = ?1 AND d.updated_at >= ?3 AND m.kind = ?2 AND m.created_at >= ?3)",
            )
            .db()?
            .query_row(params![address, kind.as_str(), ms(since)], |r| r.get(0))
            .db()
        })
        .await
    }

    async fn outbound_tally(&self) -> StoreResult<Vec<OutboundTally>> {
        self.read(|conn| {
            collect(
                conn,
                "SELECT m.kind, d.state, COUNT(*) FROM outbound_deliveries d JOIN outbound_mail m \
                 ON m.id = d.outbound_id GROUP BY m.kind, d.state",
                [],
                read(outbound_tally_from_row),
            )
        })
        .await
    }

    async fn suppress_address(&self, e: Suppression) -> StoreResult<()> {
        self.write(move |conn| insert_suppression(conn, &e)).await
    }

    async fn suppressions_of(&self, addresses: &[String]) -> StoreResult<Vec<Suppression>> {
        let list = serde_json::to_string(&addresses.iter().map(|a| a.to_lowercase()).collect::<Vec<_>>())
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.read(move |conn| {
            let sql = format!(
                "SELECT {SUPPRESSION_SELECT} FROM mail_suppressions WHERE address IN (SELECT value FROM json_each(?1))"
            );
            collect(conn, &sql, [list], read(suppression_from_row))
        })
        .await
    }

    async fn list_suppressions(&self) -> StoreResult<Vec<Suppression>> {
        self.read(|conn| {
            let sql = format!("SELECT {SUPPRESSION_SELECT} FROM mail_suppressions ORDER BY created_at DESC, address");
            collect(conn, &sql, [], read(suppression_from_row))
        })
        .await
    }

    async fn clear_suppression(&self, address: &str) -> StoreResult<()> {
        let address = address.to_lowercase();
        self.write(move |conn| {
            let n = conn
                .prepare_cached("DELETE FROM mail_suppressions WHERE address = ?1")
                .db()?
                .execute([address])
                .db()?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
        })
        .await
    }

    async fn notification_prefs(&self, user: UserId) -> StoreResult<Vec<(OutboundKind, bool)>> {
        self.read(move |conn| {
            collect(
                conn,
                "SELECT kind, mode FROM notification_prefs WHERE user_id = ?1 ORDER BY kind",
                [user.0],
                read(pref_from_row),
            )
        })
        .await
    }

    async fn users_opted_out(&self, kind: OutboundKind, users: &[UserId]) -> StoreResult<Vec<UserId>> {
        let list = serde_json::to_string(&users.iter().map(|u| u.0).collect::<Vec<_>>())
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.read(move |conn| {
            collect(
                conn,
                "SELECT user_id FROM notification_prefs WHERE kind = ?1 AND mode = 'off' \
                 AND user_id IN (SELECT value FROM json_each(?2))",
                params![kind.as_str(), list],
                |r| Ok(UserId(r.get(0)?)),
            )
        })
        .await
    }

    async fn set_notification_pref(&self, user: UserId, kind: OutboundKind, on: bool) -> StoreResult<()> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO notification_prefs (user_id, kind, mode) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id, kind) DO UPDATE SET mode = excluded.mode",
            )
            .db()?
            .execute(params![user.0, kind.as_str(), if on { "immediate" } else { "off" }])
            .db()?;
            Ok(())
        })
        .await
    }

    async fn notification_modes(&self, user: UserId) -> StoreResult<Vec<(OutboundKind, NotificationMode)>> {
        self.read(move |conn| {
            collect(
                conn,
                "SELECT kind, mode FROM notification_prefs WHERE user_id = ?1 ORDER BY kind",
                [user.0],
                read(mode_from_row),
            )
        })
        .await
    }

    async fn notification_modes_of(
        &self,
        kind: OutboundKind,
        users: &[UserId],
    ) -> StoreResult<Vec<(UserId, NotificationMode)>> {
        let list = serde_json::to_string(&users.iter().map(|u| u.0).collect::<Vec<_>>())
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        self.read(move |conn| {
            collect(
                conn,
                "SELECT user_id, mode FROM notification_prefs WHERE kind = ?1 \
                 AND user_id IN (SELECT value FROM json_each(?2))",
                params![kind.as_str(), list],
                read(user_mode_from_row),
            )
        })
        .await
    }

    async fn set_notification_mode(
        &self,
        user: UserId,
        kind: OutboundKind,
        mode: Option<NotificationMode>,
    ) -> StoreResult<()> {
        self.write(move |conn| set_mode_row(conn, ModeTable::People, user.0, kind, mode)).await
    }

    async fn department_notification_defaults(
        &self,
    ) -> StoreResult<Vec<(DepartmentId, OutboundKind, NotificationMode)>> {
        self.read(|conn| {
            collect(
                conn,
                "SELECT department_id, kind, mode FROM department_notification_defaults \
                 ORDER BY department_id, kind",
                [],
                read(department_mode_from_row),
            )
        })
        .await
    }

    async fn set_department_notification_default(
        &self,
        department: DepartmentId,
        kind: OutboundKind,
        mode: Option<NotificationMode>,
    ) -> StoreResult<()> {
        self.write(move |conn| set_mode_row(conn, ModeTable::Departments, department.0, kind, mode)).await
    }

    async fn digests_due(&self, before: Timestamp, limit: u32) -> StoreResult<Vec<UserId>> {
        self.read(move |conn| {
            collect(
                conn,
                "SELECT DISTINCT user_id FROM digest_items WHERE created_at <= ?1 ORDER BY user_id LIMIT ?2",
                params![ms(before), limit],
                |r| Ok(UserId(r.get(0)?)),
            )
        })
        .await
    }

    async fn digest_items(&self, user: UserId, limit: u32) -> StoreResult<Vec<DigestItem>> {
        self.read(move |conn| {
            let sql = format!("SELECT {DIGEST_ITEM_SELECT} FROM digest_items WHERE user_id = ?1 ORDER BY id LIMIT ?2");
            collect(conn, &sql, params![user.0, limit], read(digest_item_from_row))
        })
        .await
    }

    async fn queue_digest(&self, user: UserId, items: Vec<i64>, mail: Option<NewOutbound>) -> StoreResult<()> {
        self.write(move |conn| {
            let mut delete = conn.prepare_cached("DELETE FROM digest_items WHERE id = ?1 AND user_id = ?2").db()?;
            for id in &items {
                if delete.execute(params![id, user.0]).db()? != 1 {
                    return Err(StoreError::VersionConflict);
                }
            }
            match &mail {
                Some(m) => insert_outbound(conn, m),
                None => Ok(()),
            }
        })
        .await
    }

    async fn mail_templates(&self) -> StoreResult<Vec<MailTemplateRecord>> {
        self.read(|conn| {
            let sql = format!("SELECT {MAIL_TEMPLATE_SELECT} FROM mail_templates ORDER BY kind, language");
            collect(conn, &sql, [], read(mail_template_from_row))
        })
        .await
    }

    async fn save_mail_template(&self, t: MailTemplateRecord) -> StoreResult<()> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO mail_templates (kind, language, subject, body, updated_by, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (kind, language) DO UPDATE SET \
                 subject = excluded.subject, body = excluded.body, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at",
            )
            .db()?
            .execute(params![
                t.kind.as_str(),
                t.language,
                t.subject,
                t.body,
                t.updated_by.map(|u| u.0),
                ms(t.updated_at)
            ])
            .db()?;
            Ok(())
        })
        .await
    }

    async fn delete_mail_template(&self, kind: OutboundKind, language: &str) -> StoreResult<()> {
        let language = language.to_string();
        self.write(move |conn| {
            let n = conn
                .prepare_cached("DELETE FROM mail_templates WHERE kind = ?1 AND language = ?2")
                .db()?
                .execute(params![kind.as_str(), language])
                .db()?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
        })
        .await
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
fn set_mode_row(
    conn: &rusqlite::Connection,
    table: ModeTable,
    owner: i64,
    kind: OutboundKind,
    mode: Option<NotificationMode>,
) -> StoreResult<()> {
    let (upsert, delete) = match table {
        ModeTable::People => (
            "INSERT INTO notification_prefs (user_id, kind, mode) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user_id, kind) DO UPDATE SET mode = excluded.mode",
            "DELETE FROM notification_prefs WHERE user_id = ?1 AND kind = ?2",
        ),
        ModeTable::Departments => (
            "INSERT INTO department_notification_defaults (department_id, kind, mode) VALUES (?1, ?2, ?3) \
             ON CONFLICT (department_id, kind) DO UPDATE SET mode = excluded.mode",
            "DELETE FROM department_notification_defaults WHERE department_id = ?1 AND kind = ?2",
        ),
    };
    match mode {
        Some(m) => conn.prepare_cached(upsert).db()?.execute(params![owner, kind.as_str(), m.as_str()]).db()?,
        None => conn.prepare_cached(delete).db()?.execute(params![owner, kind.as_str()]).db()?,
    };
    Ok(())
}
