//! Mail coming in: inbound messages' rows and the Message-IDs tickets are
//! known by (`MailStore`); and what a ticket commit records about the
//! message it applies (`record_applied`, run inside the commit).

use crate::PgStore;
use crate::db::{Db, Tx, execute, query, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use tessera_core::ids::*;
use tessera_store::*;

async fn inbound(c: &impl Db, id: InboundId) -> StoreResult<Option<InboundRecord>> {
    let sql = format!("SELECT {INBOUND_SELECT} FROM inbound_messages WHERE id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, inbound_from_row)
}

/// Records, inside a ticket commit, that `m` was applied as `message` of
/// `ticket`: the row moves from stored (or quarantined) to applied — or
/// the whole commit fails with `Duplicate` when it was applied meanwhile —
/// and the ticket is known by the message's ids from now on (the first
/// ticket to claim an id keeps it).
pub(crate) async fn record_applied(
    tx: &Tx<'_>,
    m: &MailApplied,
    ticket: TicketId,
    message: Option<MessageId>,
) -> StoreResult<()> {
    let n = execute(
        tx,
        "UPDATE inbound_messages SET state = 'applied', reason = $7, mail_id = $2, ticket_id = $3, \
         message_ref = $4, matched_by = $5, attempts = attempts + 1, processed_at = $6 \
         WHERE id = $1 AND state IN ('stored', 'quarantined')",
        &[&m.inbound_id.0, &m.mail_id, &ticket.0, &message.map(|x| x.0), &m.matched_by, &ms(m.at), &m.note],
    )
    .await?;
    if n != 1 {
        return Err(StoreError::Duplicate("inbound message".into()));
    }
    for id in &m.thread_ids {
        let own = m.mail_id.as_deref() == Some(id.as_str());
        execute(
            tx,
            "INSERT INTO mail_ids (mail_id, ticket_id, message_ref, inbound_id, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (mail_id) DO NOTHING",
            &[id, &ticket.0, &message.filter(|_| own).map(|x| x.0), &m.inbound_id.0, &ms(m.at)],
        )
        .await?;
    }
    Ok(())
}

/// Adds a blocked-senders entry unless the same pattern is listed for the
/// same department; answers the entry and whether it is new. Runs inside
/// the caller's transaction (a ticket commit's, or its own).
pub(crate) async fn add_sender_block(tx: &Tx<'_>, b: &NewSenderBlock) -> StoreResult<(SenderBlock, bool)> {
    let n = execute(
        tx,
        "INSERT INTO sender_blocks (pattern, department_id, note, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        &[&b.pattern, &b.department_id.map(|d| d.0), &b.note, &b.created_by.map(|u| u.0), &ms(b.created_at)],
    )
    .await?;
    let sql = format!(
        "SELECT {SENDER_BLOCK_SELECT} FROM sender_blocks WHERE pattern = $1 AND COALESCE(department_id, 0) = $2"
    );
    let found =
        one(query_opt(tx, &sql, &[&b.pattern, &b.department_id.map_or(0, |d| d.0)]).await?, sender_block_from_row)?;
    Ok((found.ok_or(StoreError::NotFound)?, n == 1))
}

#[async_trait]
impl MailStore for PgStore {
    async fn add_sender_block(&self, new: NewSenderBlock) -> StoreResult<(SenderBlock, bool)> {
        transaction!(self, |tx| { add_sender_block(tx, &new).await })
    }

    async fn sender_blocks(&self) -> StoreResult<Vec<SenderBlock>> {
        let sql = format!("SELECT {SENDER_BLOCK_SELECT} FROM sender_blocks ORDER BY id DESC");
        let c = self.client().await?;
        all(query(&c, &sql, &[]).await?, sender_block_from_row)
    }

    async fn delete_sender_block(&self, id: SenderBlockId) -> StoreResult<()> {
        let c = self.client().await?;
        let n = execute(&c, "DELETE FROM sender_blocks WHERE id = $1", &[&id.0]).await?;
        if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
    }

    async fn sender_block_for(
        &self,
        address: &str,
        department: Option<DepartmentId>,
    ) -> StoreResult<Option<SenderBlock>> {
        let [own, domain] = tessera_store::sender_blocks::patterns_of(address);
        let sql = format!(
            "SELECT {SENDER_BLOCK_SELECT} FROM sender_blocks WHERE pattern IN ($1, $2) \
             AND (department_id IS NULL OR department_id = $3) ORDER BY department_id IS NOT NULL, id LIMIT 1"
        );
        let c = self.client().await?;
        one(query_opt(&c, &sql, &[&own, &domain, &department.map(|d| d.0)]).await?, sender_block_from_row)
    }

    async fn record_inbound(&self, new: NewInbound) -> StoreResult<(InboundRecord, bool)> {
        transaction!(self, |tx| {
            let inserted = query_opt(
                tx,
                "INSERT INTO inbound_messages (sha256, size, source, mailbox_id, envelope_to, received_at, state) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'stored') ON CONFLICT (sha256) DO NOTHING RETURNING id",
                &[
                    &new.sha256,
                    &new.size,
                    &new.source.as_str(),
                    &new.mailbox_id,
                    &new.envelope_to,
                    &ms(new.received_at),
                ],
            )
            .await?;
            let sql = format!("SELECT {INBOUND_SELECT} FROM inbound_messages WHERE sha256 = $1");
            let found =
                one(query_opt(tx, &sql, &[&new.sha256]).await?, inbound_from_row)?.ok_or(StoreError::NotFound)?;
            Ok((found, inserted.is_some()))
        })
    }

    async fn inbound(&self, id: InboundId) -> StoreResult<Option<InboundRecord>> {
        inbound(&self.client().await?, id).await
    }

    async fn list_inbound(
        &self,
        state: Option<InboundState>,
        before: Option<InboundId>,
        limit: u32,
    ) -> StoreResult<Vec<InboundRecord>> {
        let sql = format!(
            "SELECT {INBOUND_SELECT} FROM inbound_messages WHERE ($1::text IS NULL OR state = $1) AND id < $2 \
             ORDER BY id DESC LIMIT $3"
        );
        let c = self.client().await?;
        let rows =
            query(&c, &sql, &[&state.map(InboundState::as_str), &before.map_or(i64::MAX, |b| b.0), &i64::from(limit)])
                .await?;
        all(rows, inbound_from_row)
    }

    async fn inbound_to_apply(&self, limit: u32) -> StoreResult<Vec<InboundRecord>> {
        let sql = format!("SELECT {INBOUND_SELECT} FROM inbound_messages WHERE state = 'stored' ORDER BY id LIMIT $1");
        let c = self.client().await?;
        all(query(&c, &sql, &[&i64::from(limit)]).await?, inbound_from_row)
    }

    async fn applied_inbound_by_mail_id(&self, mail_id: &str) -> StoreResult<Option<InboundRecord>> {
        let sql = format!(
            "SELECT {INBOUND_SELECT} FROM inbound_messages WHERE mail_id = $1 AND state = 'applied' ORDER BY id LIMIT 1"
        );
        let c = self.client().await?;
        one(query_opt(&c, &sql, &[&mail_id]).await?, inbound_from_row)
    }

    async fn settle_inbound(&self, id: InboundId, s: InboundSettle) -> StoreResult<()> {
        transaction!(self, |tx| {
            let n = execute(
                tx,
                "UPDATE inbound_messages SET state = $2, reason = $3, mail_id = COALESCE($4, mail_id), \
                 ticket_id = $5, attempts = attempts + 1, processed_at = $6 \
                 WHERE id = $1 AND state IN ('stored', 'quarantined')",
                &[&id.0, &s.state.as_str(), &s.reason, &s.mail_id, &s.ticket_id.map(|t| t.0), &ms(s.at)],
            )
            .await?;
            if n == 1 {
                Ok(())
            } else if inbound(tx, id).await?.is_some() {
                Err(StoreError::Duplicate("inbound message".into()))
            } else {
                Err(StoreError::NotFound)
            }
        })
    }

    async fn inbound_of_ticket(&self, ticket: TicketId, limit: u32) -> StoreResult<Vec<InboundRecord>> {
        let sql = format!("SELECT {INBOUND_SELECT} FROM inbound_messages WHERE ticket_id = $1 ORDER BY id LIMIT $2");
        let c = self.client().await?;
        all(query(&c, &sql, &[&ticket.0, &i64::from(limit)]).await?, inbound_from_row)
    }

    async fn inbound_tally(&self) -> StoreResult<Vec<InboundTally>> {
        let c = self.client().await?;
        all(query(&c, TALLY_SQL, &[]).await?, tally_from_row)
    }

    async fn threads_of(&self, mail_ids: &[String]) -> StoreResult<Vec<(String, ThreadHit)>> {
        let c = self.client().await?;
        let rows =
            query(&c, "SELECT mail_id, ticket_id, message_ref FROM mail_ids WHERE mail_id = ANY($1)", &[&mail_ids])
                .await?;
        all(rows, |r| {
            Ok((r.text(0)?, ThreadHit { ticket_id: TicketId(r.int(1)?), message_ref: r.int_opt(2)?.map(MessageId) }))
        })
    }
}
