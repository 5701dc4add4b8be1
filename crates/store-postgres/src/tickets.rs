//! Ticket writes (change sets) and ticket, message and event reads.

use crate::PgStore;
use crate::db::{Db, Tx, execute, query, query_dynamic, query_one, query_opt};
use crate::rows::*;
use crate::search::{self, TICKETS};
use async_trait::async_trait;
use tessera_core::ids::*;
use tessera_core::status::StatusCategory;
use tessera_core::ticket::{number_candidate, number_digits};
use tessera_core::{Event, Message, MessageEdit, Ticket, Timestamp};
use tessera_store::sql::{self, Fragment, POSTGRES};
use tessera_store::*;

/// The transaction-level advisory lock that orders the event log
/// ("tessevnt").
///
/// Event ids come from a sequence, which hands out numbers at INSERT time,
/// not at COMMIT. Two concurrent transactions could then commit out of id
/// order: transaction A takes id 10, B takes 11 and commits first, and a
/// worker tailing the log with `events_after(9)` sees 11, moves its cursor
/// there, and never sees 10 once A commits. Every transaction that writes
/// events takes this lock right before inserting them (the last thing it
/// does before COMMIT) and holds it until COMMIT, after which PostgreSQL
/// first makes the transaction visible and then releases its locks. So the
/// ids of one writer are all below those of the next, and become visible
/// before the next can take any: readers see the log grow only at its end.
/// The cost: event-writing commits queue for this lock from their first
/// event to their COMMIT (a few statements and the commit's flush).
pub const EVENT_LOCK: i64 = 0x7465_7373_6576_6e74;

fn random_u64() -> StoreResult<u64> {
    getrandom::u64().map_err(|e| StoreError::Backend(format!("no randomness: {e}")))
}

/// Finds or creates the requester of a new ticket by e-mail. Two instances
/// creating the same new requester at once both end with the one row.
async fn ensure_requester(tx: &Tx<'_>, user: &tessera_core::User) -> StoreResult<(UserId, Option<OrganizationId>)> {
    let key = user.email.normalized();
    let find = "SELECT id, organization_id FROM users WHERE email_key = $1";
    if let Some(r) = query_opt(tx, find, &[&key]).await? {
        return Ok((UserId(PgRow(&r).int(0)?), PgRow(&r).int_opt(1)?.map(OrganizationId)));
    }
    let inserted = query_opt(
        tx,
        "INSERT INTO users (email, email_key, name, role, organization_id, sees_all, password_hash, locale, disabled, \
         created_at, updated_at, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (email_key) DO NOTHING RETURNING id, organization_id",
        &[
            &user.email.as_str(),
            &key,
            &user.name,
            &user.role.as_str(),
            &user.organization_id.map(|o| o.0),
            &b(user.sees_all),
            &user.password_hash,
            &user.locale,
            &b(user.disabled),
            &ms(user.created_at),
            &ms(user.updated_at),
            &user.time_zone,
        ],
    )
    .await?;
    let r = match inserted {
        Some(r) => r,
        None => query_one(tx, find, &[&key]).await?,
    };
    Ok((UserId(PgRow(&r).int(0)?), PgRow(&r).int_opt(1)?.map(OrganizationId)))
}

async fn insert_message(tx: &Tx<'_>, ticket: TicketId, m: &NewMessage) -> StoreResult<MessageId> {
    let row = query_one(
        tx,
        "INSERT INTO messages (ticket_id, kind, author_id, author_name, author_email, author_staff, body, html, channel, \
         author_ip, encrypted, email_message_id, created_at, quote_start) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        &[
            &ticket.0,
            &m.kind.as_str(),
            &m.author.user_id.map(|u| u.0),
            &m.author.name,
            &m.author.email,
            &b(m.author.staff),
            &m.body,
            &m.html,
            &m.channel.as_str(),
            &m.author_ip,
            &b(m.encrypted),
            &m.email_message_id,
            &ms(m.created_at),
            &m.quote_start.map(i64::from),
        ],
    )
    .await?;
    let id = MessageId(PgRow(&row).int(0)?);
    for a in &m.attachment_ids {
        let n = execute(
            tx,
            "UPDATE attachments SET ticket_id = $1, message_id = $2 WHERE id = $3 AND message_id IS NULL",
            &[&ticket.0, &id.0, &a.0],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::InvalidReference(format!("attachment {a} is unknown or already attached")));
        }
    }
    Ok(id)
}

/// Appends events to the log. Takes [`EVENT_LOCK`] first and queues the
/// `pg_notify` that wakes every instance's log readers at commit; call it
/// as the last write of the transaction.
pub(crate) async fn insert_events(
    tx: &Tx<'_>,
    ticket: TicketId,
    version: i64,
    events: &[NewEvent],
    messages: &[MessageId],
) -> StoreResult<Vec<EventId>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    execute(tx, "SELECT pg_advisory_xact_lock($1), pg_notify($2, '')", &[&EVENT_LOCK, &crate::notify::CHANNEL]).await?;
    let mut ids = Vec::with_capacity(events.len());
    for e in events {
        let message_id = match e.message {
            None => None,
            Some(MessageRef::Existing(m)) => Some(m.0),
            Some(MessageRef::New(i)) => Some(
                messages
                    .get(i)
                    .ok_or_else(|| StoreError::InvalidReference(format!("event refers to new message #{i}")))?
                    .0,
            ),
        };
        let row = query_one(
            tx,
            "INSERT INTO events (ticket_id, actor_id, side, kind, message_id, changes, data, ticket_version, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            &[
                &ticket.0,
                &e.actor_id.map(|a| a.0),
                &e.side.as_str(),
                &e.kind.as_str(),
                &message_id,
                &to_json(&e.changes)?,
                &to_json(&e.data)?,
                &version,
                &ms(e.created_at),
            ],
        )
        .await?;
        ids.push(EventId(PgRow(&row).int(0)?));
    }
    Ok(ids)
}

async fn write_tags(tx: &Tx<'_>, ticket: TicketId, tags: &[String]) -> StoreResult<()> {
    execute(tx, "DELETE FROM ticket_tags WHERE ticket_id = $1", &[&ticket.0]).await?;
    if !tags.is_empty() {
        execute(
            tx,
            "INSERT INTO ticket_tags (ticket_id, tag) SELECT $1, g FROM unnest($2::text[]) AS g ON CONFLICT DO NOTHING",
            &[&ticket.0, &tags],
        )
        .await?;
    }
    Ok(())
}

type PendingEvents = (TicketId, i64, Vec<NewEvent>, Vec<MessageId>);

/// Keeps the ticket as this change leaves it, when a webhook is active to
/// need it (decision 18): one statement, decided inside the transaction.
async fn keep_version(tx: &Tx<'_>, t: &Ticket) -> StoreResult<()> {
    let text = tessera_store::snapshot::to_text(t)?;
    execute(
        tx,
        "INSERT INTO ticket_versions (ticket_id, version, ticket) SELECT $1::bigint, $2::bigint, $3::text \
         WHERE EXISTS (SELECT 1 FROM webhooks WHERE active = 1) \
         ON CONFLICT (ticket_id, version) DO UPDATE SET ticket = EXCLUDED.ticket",
        &[&t.id.0, &t.version, &text],
    )
    .await?;
    Ok(())
}

async fn apply_create(tx: &Tx<'_>, c: TicketCreate) -> StoreResult<(CreatedIds, PendingEvents)> {
    let mut ticket = c.ticket;
    if let Some(u) = &c.new_requester {
        let (id, org) = ensure_requester(tx, u).await?;
        ticket.requester_id = id;
        ticket.organization_id = org;
    }
    // A random number, retried on a collision: the unique constraint
    // decides between instances (no row back: the number was taken).
    let insert = tx.prepare_cached(&TICKET_INSERT).await.db()?;
    let mut id = None;
    for attempt in 0..200 {
        ticket.number = number_candidate(random_u64()?, number_digits(attempt));
        let values = ticket_values(&ticket, &POSTGRES)?;
        if let Some(row) = tx.query_opt(&insert, &bound(&binds(&values))).await.db()? {
            id = Some(TicketId(PgRow(&row).int(0)?));
            break;
        }
    }
    let id = id.ok_or_else(|| StoreError::Backend("could not find a free ticket number".into()))?;
    ticket.id = id;
    keep_version(tx, &ticket).await?;
    write_tags(tx, id, &ticket.tags).await?;
    let mut message_ids = Vec::with_capacity(c.messages.len());
    for mut m in c.messages {
        if m.author.user_id.is_none() && !m.author.staff && c.new_requester.is_some() {
            m.author.user_id = Some(ticket.requester_id);
        }
        message_ids.push(insert_message(tx, id, &m).await?);
    }
    search::index_ticket(tx, id).await?;
    let ids = CreatedIds {
        ticket_id: id,
        number: ticket.number,
        requester_id: ticket.requester_id,
        organization_id: ticket.organization_id,
        message_ids: message_ids.clone(),
        event_ids: Vec::new(),
    };
    Ok((ids, (id, ticket.version, c.events, message_ids)))
}

async fn apply_update(tx: &Tx<'_>, u: TicketChange) -> StoreResult<(UpdatedIds, PendingEvents)> {
    let t = &u.ticket;
    let indexed_before = search::indexed_fields(tx, t.id).await?;
    let mut values = ticket_values(t, &POSTGRES)?;
    values.push(sql::Value::Int(t.id.0));
    values.push(sql::Value::Int(u.expected_version));
    // The version check: the row changes only if nobody changed it since it
    // was read (a concurrent writer's UPDATE waits for ours, then re-checks
    // the version against our committed row and matches nothing).
    let n = execute(tx, &TICKET_UPDATE, &bound(&binds(&values))).await?;
    if n != 1 {
        let exists = query_opt(tx, "SELECT 1 FROM tickets WHERE id = $1", &[&t.id.0]).await?.is_some();
        return Err(if exists { StoreError::VersionConflict } else { StoreError::NotFound });
    }
    keep_version(tx, t).await?;
    write_tags(tx, t.id, &t.tags).await?;
    let mut message_ids = Vec::with_capacity(u.new_messages.len());
    for m in &u.new_messages {
        message_ids.push(insert_message(tx, t.id, m).await?);
    }
    for e in &u.message_updates {
        let n = execute(
            tx,
            "UPDATE messages SET body = $1, html = $2, edited_at = $3, edited_by_id = $4, quote_start = $7 \
             WHERE id = $5 AND ticket_id = $6",
            &[&e.body, &e.html, &ms(e.at), &e.editor_id.0, &e.message_id.0, &t.id.0, &e.quote_start.map(i64::from)],
        )
        .await?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        execute(
            tx,
            "INSERT INTO message_edits (message_id, editor_id, previous_body, previous_html, edited_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &[&e.message_id.0, &e.editor_id.0, &e.previous_body, &e.previous_html, &ms(e.at)],
        )
        .await?;
    }
    for (m, at) in &u.message_deletes {
        execute(
            tx,
            "UPDATE messages SET body = '', html = NULL, quote_start = NULL, deleted_at = $1 WHERE id = $2 AND ticket_id = $3",
            &[&ms(*at), &m.0, &t.id.0],
        )
        .await?;
        execute(tx, "DELETE FROM message_edits WHERE message_id = $1", &[&m.0]).await?;
    }
    for (m, rating) in &u.ratings {
        execute(
            tx,
            "UPDATE messages SET rating = $1 WHERE id = $2 AND ticket_id = $3",
            &[&i64::from(*rating), &m.0, &t.id.0],
        )
        .await?;
    }
    if let Some(target) = u.move_messages_to {
        execute(tx, "UPDATE messages SET ticket_id = $1 WHERE ticket_id = $2", &[&target.0, &t.id.0]).await?;
        execute(tx, "UPDATE attachments SET ticket_id = $1 WHERE ticket_id = $2", &[&target.0, &t.id.0]).await?;
        // The target's text grew by the moved messages.
        search::index_ticket(tx, target).await?;
    }
    if search::change_needs_reindex(indexed_before.as_ref(), &u) {
        search::index_ticket(tx, t.id).await?;
    }
    let ids = UpdatedIds { message_ids: message_ids.clone(), event_ids: Vec::new() };
    Ok((ids, (t.id, t.version, u.events, message_ids)))
}

/// Rows of SQL assembled at run time (see [`query_dynamic`]).
async fn dynamic(c: &impl Db, sql: &Fragment) -> StoreResult<Vec<tokio_postgres::Row>> {
    query_dynamic(c, &POSTGRES.finish(&sql.sql), &bound(&binds(&sql.values))).await
}

async fn attach_ids(c: &impl Db, ticket: TicketId, messages: &mut [Message]) -> StoreResult<()> {
    let rows = query(
        c,
        "SELECT id, message_id FROM attachments WHERE ticket_id = $1 AND message_id IS NOT NULL ORDER BY id",
        &[&ticket.0],
    )
    .await?;
    attach(messages, all(rows, |r| Ok((r.int(0)?, r.int(1)?)))?);
    Ok(())
}

#[async_trait]
impl TicketStore for PgStore {
    async fn commit(&self, change: ChangeSet) -> StoreResult<CommitOutcome> {
        // Every update (with its version check), every creation, then all
        // the events at the end (see `EVENT_LOCK`).
        let outcome = transaction!(self, |tx| {
            let mut out = CommitOutcome::default();
            let mut pending: Vec<PendingEvents> = Vec::new();
            for user in &change.users {
                crate::directory::save_user(tx, user).await?;
            }
            let first_updated = change.updates.first().map(|u| u.ticket.id);
            for update in change.updates {
                let (ids, events) = apply_update(tx, update).await?;
                pending.push(events);
                out.updated.push(ids);
            }
            for create in change.creates {
                let (ids, events) = apply_create(tx, create).await?;
                pending.push(events);
                out.created.push(ids);
            }
            let n_updates = out.updated.len();
            for (i, (ticket, version, events, messages)) in pending.into_iter().enumerate() {
                let ids = insert_events(tx, ticket, version, &events, &messages).await?;
                if i < n_updates {
                    out.updated[i].event_ids = ids;
                } else {
                    out.created[i - n_updates].event_ids = ids;
                }
            }
            if let Some(mail) = &change.mail {
                let (ticket, message) = applied_to(&out, first_updated)?;
                crate::mail::record_applied(tx, mail, ticket, message).await?;
            }
            for block in &change.blocks {
                crate::mail::add_sender_block(tx, block).await?;
            }
            Ok(out)
        });
        if outcome.is_ok() {
            // Our own LISTEN hears it too; this only saves the round trip.
            self.listener.signal().notify_waiters();
        }
        outcome
    }

    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {} FROM tickets t WHERE t.id = $1", *TICKET_SELECT);
        one(query_opt(c, &sql, &[&id.0]).await?, ticket_from_row)
    }

    async fn ticket_by_number(&self, number: &str) -> StoreResult<Option<Ticket>> {
        let c = &self.client().await?;
        if number.contains('\0') {
            return Ok(None);
        }
        let sql = format!("SELECT {} FROM tickets t WHERE t.number = $1", *TICKET_SELECT);
        one(query_opt(c, &sql, &[&number]).await?, ticket_from_row)
    }

    async fn list_tickets(&self, q: &TicketQuery) -> StoreResult<Vec<Ticket>> {
        let c = &self.client().await?;
        all(dynamic(c, &TICKETS.page(q, "")).await?, ticket_from_row)
    }

    async fn count_tickets(&self, q: &TicketQuery) -> StoreResult<u64> {
        let c = &self.client().await?;
        let rows = dynamic(c, &TICKETS.count(q, "")).await?;
        let n: i64 = PgRow(rows.first().ok_or_else(|| StoreError::Backend("COUNT answered no row".into()))?).int(0)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn messages(&self, ticket: TicketId, include_notes: bool) -> StoreResult<Vec<Message>> {
        let c = &self.client().await?;
        let sql = if include_notes {
            format!("SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = $1 ORDER BY id")
        } else {
            format!("SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = $1 AND kind = 'reply' ORDER BY id")
        };
        let mut out = all(query(c, &sql, &[&ticket.0]).await?, message_from_row)?;
        attach_ids(c, ticket, &mut out).await?;
        Ok(out)
    }

    async fn message(&self, id: MessageId) -> StoreResult<Option<Message>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {MESSAGE_SELECT} FROM messages WHERE id = $1");
        let Some(mut m) = one(query_opt(c, &sql, &[&id.0]).await?, message_from_row)? else {
            return Ok(None);
        };
        if m.deleted_at.is_none() {
            let rows = query(c, "SELECT id FROM attachments WHERE message_id = $1 ORDER BY id", &[&id.0]).await?;
            m.attachment_ids = all(rows, |r| Ok(AttachmentId(r.int(0)?)))?;
        }
        Ok(Some(m))
    }

    async fn message_edits(&self, id: MessageId) -> StoreResult<Vec<MessageEdit>> {
        let c = &self.client().await?;
        let rows = query(
            c,
            "SELECT message_id, editor_id, previous_body, previous_html, edited_at FROM message_edits \
             WHERE message_id = $1 ORDER BY id",
            &[&id.0],
        )
        .await?;
        all(rows, |r| {
            Ok(MessageEdit {
                message_id: MessageId(r.int(0)?),
                editor_id: UserId(r.int(1)?),
                previous_body: r.text(2)?,
                previous_html: r.text_opt(3)?,
                edited_at: r.ts(4)?,
            })
        })
    }

    async fn ticket_events(&self, ticket: TicketId) -> StoreResult<Vec<Event>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE ticket_id = $1 ORDER BY id");
        all(query(c, &sql, &[&ticket.0]).await?, event_from_row)
    }

    async fn events_after(&self, after: EventId, limit: u32) -> StoreResult<Vec<Event>> {
        let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE id > $1 ORDER BY id LIMIT $2");
        let rows = query(&self.client().await?, &sql, &[&after.0, &i64::from(limit.clamp(1, 10_000))]).await?;
        all(rows, event_from_row)
    }

    async fn event(&self, id: EventId) -> StoreResult<Option<Event>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE id = $1");
        one(query_opt(c, &sql, &[&id.0]).await?, event_from_row)
    }

    async fn ticket_at(&self, ticket: TicketId, version: i64) -> StoreResult<Option<Ticket>> {
        let c = &self.client().await?;
        let id = ticket;
        let sql = "SELECT ticket FROM ticket_versions WHERE ticket_id = $1 AND version = $2";
        match query_opt(c, sql, &[&id.0, &version]).await? {
            Some(row) => tessera_store::snapshot::from_text(&PgRow(&row).text(0)?).map(Some),
            None => Ok(None),
        }
    }

    async fn latest_event_id(&self) -> StoreResult<EventId> {
        let c = &self.client().await?;
        let id: Option<i64> = PgRow(&query_one(c, "SELECT MAX(id) FROM events", &[]).await?).int_opt(0)?;
        Ok(EventId(id.unwrap_or(0)))
    }

    async fn wait_for_events(&self, after: EventId, timeout: std::time::Duration) {
        // Registered before the look at the log, so a commit in between
        // still wakes us.
        let woken = self.listener.signal().notified();
        if self.latest_event_id().await.is_ok_and(|latest| latest > after) {
            return;
        }
        let _ = tokio::time::timeout(timeout, woken).await;
    }

    async fn agent_loads(&self, dept: DepartmentId) -> StoreResult<Vec<AgentLoad>> {
        let c = &self.client().await?;
        let rows = query(
            c,
            "SELECT m.user_id,
                (SELECT COUNT(*) FROM tickets t WHERE t.assignee_id = m.user_id AND t.deleted_at IS NULL
                    AND t.status_category NOT IN ($2, $3)),
                (SELECT MAX(t.created_at) FROM tickets t WHERE t.assignee_id = m.user_id AND t.department_id = m.department_id)
             FROM department_members m JOIN users u ON u.id = m.user_id
             WHERE m.department_id = $1 AND u.disabled = 0 AND u.role IN ('agent', 'admin')
             ORDER BY m.user_id",
            &[&dept.0, &StatusCategory::Solved.as_str(), &StatusCategory::Closed.as_str()],
        )
        .await?;
        all(rows, |r| {
            Ok(AgentLoad { user_id: UserId(r.int(0)?), open_tickets: r.int::<u64>(1)?, last_assigned_at: r.ts_opt(2)? })
        })
    }

    async fn mark_read(&self, ticket: TicketId, user: UserId, staff: bool, at: Timestamp) -> StoreResult<()> {
        transaction!(self, |tx| {
            let col = if staff { "agent_unread" } else { "customer_unread" };
            let n = execute(tx, &format!("UPDATE tickets SET {col} = 0 WHERE id = $1"), &[&ticket.0]).await?;
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            execute(
                tx,
                "INSERT INTO ticket_reads (ticket_id, user_id, read_at) VALUES ($1, $2, $3)
                 ON CONFLICT (ticket_id, user_id) DO UPDATE SET read_at = excluded.read_at",
                &[&ticket.0, &user.0, &ms(at)],
            )
            .await?;
            Ok(())
        })
    }

    async fn last_read(&self, ticket: TicketId, user: UserId) -> StoreResult<Option<Timestamp>> {
        let c = &self.client().await?;
        let row = query_opt(
            c,
            "SELECT read_at FROM ticket_reads WHERE ticket_id = $1 AND user_id = $2",
            &[&ticket.0, &user.0],
        )
        .await?;
        one(row, |r| r.ts(0))
    }

    async fn insert_attachment(&self, mut a: AttachmentRecord) -> StoreResult<AttachmentRecord> {
        transaction!(self, |tx| {
            let row = query_one(
                tx,
                "INSERT INTO attachments (sha256, filename, content_type, size, uploader_id, ticket_id, message_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[
                    &a.sha256,
                    &a.filename,
                    &a.content_type,
                    &a.size,
                    &a.uploader_id.0,
                    &a.ticket_id.map(|t| t.0),
                    &a.message_id.map(|m| m.0),
                    &ms(a.created_at),
                ],
            )
            .await?;
            a.id = AttachmentId(new_id(&row)?);
            Ok(a)
        })
    }

    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<AttachmentRecord>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {ATTACHMENT_SELECT} FROM attachments WHERE id = $1");
        one(query_opt(c, &sql, &[&id.0]).await?, attachment_from_row)
    }
}
