//! Mail coming in: inbound messages' rows and the Message-IDs tickets are
//! known by (`MailStore`); and what a ticket commit records about the
//! message it applies (`record_applied`, run inside the commit).

use crate::SqliteStore;
use crate::rows::*;
use async_trait::async_trait;
use rusqlite::{Connection, params};
use tessera_core::ids::*;
use tessera_store::*;

fn inbound(conn: &Connection, id: InboundId) -> StoreResult<Option<InboundRecord>> {
    let sql = format!("SELECT {INBOUND_SELECT} FROM inbound_messages WHERE id = ?1");
    get(conn, &sql, [id.0], read(inbound_from_row))
}

/// Records, inside a ticket commit, that `m` was applied as `message` of
/// `ticket`: the row moves from stored (or quarantined) to applied — or
/// the whole commit fails with `Duplicate` when it was applied meanwhile —
/// and the ticket is known by the message's ids from now on (the first
/// ticket to claim an id keeps it).
pub(crate) fn record_applied(
    conn: &Connection,
    m: &MailApplied,
    ticket: TicketId,
    message: Option<MessageId>,
) -> StoreResult<()> {
    let n = conn
        .prepare_cached(
            "UPDATE inbound_messages SET state = 'applied', reason = ?7, mail_id = ?2, ticket_id = ?3, \
             message_ref = ?4, matched_by = ?5, attempts = attempts + 1, processed_at = ?6 \
             WHERE id = ?1 AND state IN ('stored', 'quarantined')",
        )
        .db()?
        .execute(params![m.inbound_id.0, m.mail_id, ticket.0, message.map(|x| x.0), m.matched_by, ms(m.at), m.note])
        .db()?;
    if n != 1 {
        return Err(StoreError::Duplicate("inbound message".into()));
    }
    let mut ins = conn
        .prepare_cached(
            "INSERT INTO mail_ids (mail_id, ticket_id, message_ref, inbound_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (mail_id) DO NOTHING",
        )
        .db()?;
    for id in &m.thread_ids {
        let own = m.mail_id.as_deref() == Some(id.as_str());
        ins.execute(params![id, ticket.0, message.filter(|_| own).map(|x| x.0), m.inbound_id.0, ms(m.at)]).db()?;
    }
    Ok(())
}

/// Adds a blocked-senders entry unless the same pattern is listed for the
/// same department; answers the entry and whether it is new. Runs inside
/// the caller's transaction (a ticket commit's, or its own).
pub(crate) fn add_sender_block(conn: &Connection, b: &NewSenderBlock) -> StoreResult<(SenderBlock, bool)> {
    let n = conn
        .prepare_cached(
            "INSERT INTO sender_blocks (pattern, department_id, note, created_by, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )
        .db()?
        .execute(params![b.pattern, b.department_id.map(|d| d.0), b.note, b.created_by.map(|u| u.0), ms(b.created_at)])
        .db()?;
    let sql = format!(
        "SELECT {SENDER_BLOCK_SELECT} FROM sender_blocks WHERE pattern = ?1 AND COALESCE(department_id, 0) = ?2"
    );
    let found = get(conn, &sql, params![b.pattern, b.department_id.map_or(0, |d| d.0)], read(sender_block_from_row))?;
    Ok((found.ok_or(StoreError::NotFound)?, n == 1))
}

#[async_trait]
impl MailStore for SqliteStore {
    async fn add_sender_block(&self, new: NewSenderBlock) -> StoreResult<(SenderBlock, bool)> {
        self.write(move |conn| add_sender_block(conn, &new)).await
    }

    async fn sender_blocks(&self) -> StoreResult<Vec<SenderBlock>> {
        self.read(|conn| {
            let sql = format!("SELECT {SENDER_BLOCK_SELECT} FROM sender_blocks ORDER BY id DESC");
            collect(conn, &sql, [], read(sender_block_from_row))
        })
        .await
    }

    async fn delete_sender_block(&self, id: SenderBlockId) -> StoreResult<()> {
        self.write(move |conn| {
            let n = conn.prepare_cached("DELETE FROM sender_blocks WHERE id = ?1").db()?.execute([id.0]).db()?;
            if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
        })
        .await
    }

    async fn sender_block_for(
        &self,
        address: &str,
        department: Option<DepartmentId>,
    ) -> StoreResult<Option<SenderBlock>> {
        let [own, domain] = tessera_store::sender_blocks::patterns_of(address);
        self.read(move |conn| {
            let sql = format!(
                "SELECT {SENDER_BLOCK_SELECT} FROM sender_blocks WHERE pattern IN (?1, ?2) \
                 AND (department_id IS NULL OR department_id = ?3) ORDER BY department_id IS NOT NULL, id LIMIT 1"
            );
            get(conn, &sql, params![own, domain, department.map(|d| d.0)], read(sender_block_from_row))
        })
        .await
    }

    async fn record_inbound(&self, new: NewInbound) -> StoreResult<(InboundRecord, bool)> {
        self.write(move |conn| {
            let sql = format!("SELECT {INBOUND_SELECT} FROM inbound_messages WHERE sha256 = ?1");
            if let Some(found) = get(conn, &sql, [&new.sha256], read(inbound_from_row))? {
                return Ok((found, false));
            }
            conn.prepare_cached(
                "INSERT INTO inbound_messages (sha256, size, source, mailbox_id, envelope_to, received_at, state) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'stored')",
            )
            .db()?
            .execute(params![
                new.sha256,
                new.size,
                new.source.as_str(),
                new.mailbox_id,
                new.envelope_to,
                ms(new.received_at)
            ])
            .db()?;
            let id = InboundId(conn.last_insert_rowid());
            Ok((inbound(conn, id)?.ok_or(StoreError::NotFound)?, true))
        })
        .await
    }

    async fn inbound(&self, id: InboundId) -> StoreResult<Option<InboundRecord>> {
        self.read(move |conn| inbound(conn, id)).await
    }

    async fn list_inbound(
        &self,
        state: Option<InboundState>,
        before: Option<InboundId>,
        limit: u32,
    ) -> StoreResult<Vec<InboundRecord>> {
        self.read(move |conn| {
            let sql = format!(
                "SELECT {INBOUND_SELECT} FROM inbound_messages WHERE (?1 IS NULL OR state = ?1) AND id < ?2 \
                 ORDER BY id DESC LIMIT ?3"
            );
            collect(
                conn,
                &sql,
                params![state.map(InboundState::as_str), before.map_or(i64::MAX, |b| b.0), limit],
                read(inbound_from_row),
            )
        })
        .await
    }

    async fn inbound_to_apply(&self, limit: u32) -> StoreResult<Vec<InboundRecord>> {
        self.read(move |conn| {
            let sql =
                format!("SELECT {INBOUND_SELECT} FROM inbound_messages WHERE state = 'stored' ORDER BY id LIMIT ?1");
            collect(conn, &sql, [limit], read(inbound_from_row))
        })
        .await
    }

    async fn applied_inbound_by_mail_id(&self, mail_id: &str) -> StoreResult<Option<InboundRecord>> {
        let mail_id = mail_id.to_string();
        self.read(move |conn| {
            let sql = format!(
                "SELECT {INBOUND_SELECT} FROM inbound_messages WHERE mail_id = ?1 AND state = 'applied' ORDER BY id LIMIT 1"
            );
            get(conn, &sql, [mail_id], read(inbound_from_row))
        })
        .await
    }

    async fn settle_inbound(&self, id: InboundId, s: InboundSettle) -> StoreResult<()> {
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE inbound_messages SET state = ?2, reason = ?3, mail_id = COALESCE(?4, mail_id), \
                     ticket_id = ?5, attempts = attempts + 1, processed_at = ?6 \
                     WHERE id = ?1 AND state IN ('stored', 'quarantined')",
                )
                .db()?
                .execute(params![id.0, s.state.as_str(), s.reason, s.mail_id, s.ticket_id.map(|t| t.0), ms(s.at)])
                .db()?;
            if n == 1 {
                Ok(())
            } else if inbound(conn, id)?.is_some() {
                Err(StoreError::Duplicate("inbound message".into()))
            } else {
                Err(StoreError::NotFound)
            }
        })
        .await
    }

    async fn inbound_of_ticket(&self, ticket: TicketId, limit: u32) -> StoreResult<Vec<InboundRecord>> {
        self.read(move |conn| {
            let sql =
                format!("SELECT {INBOUND_SELECT} FROM inbound_messages WHERE ticket_id = ?1 ORDER BY id LIMIT ?2");
            collect(conn, &sql, params![ticket.0, limit], read(inbound_from_row))
        })
        .await
    }

    async fn inbound_tally(&self) -> StoreResult<Vec<InboundTally>> {
        self.read(|conn| collect(conn, TALLY_SQL, [], read(tally_from_row))).await
    }

    async fn threads_of(&self, mail_ids: &[String]) -> StoreResult<Vec<(String, ThreadHit)>> {
        let ids = mail_ids.to_vec();
        self.read(move |conn| {
            let mut out = Vec::new();
            for id in ids {
                let hit = get(conn, "SELECT ticket_id, message_ref FROM mail_ids WHERE mail_id = ?1", [&id], |r| {
                    Ok(ThreadHit {
                        ticket_id: TicketId(r.get(0)?),
                        message_ref: r.get::<_, Option<i64>>(1)?.map(MessageId),
                    })
                })?;
                if let Some(h) = hit {
                    out.push((id, h));
                }
            }
            Ok(out)
        })
        .await
    }
}
