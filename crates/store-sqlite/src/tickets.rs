//! Ticket writes (change sets) and ticket, message and event reads.

use crate::SqliteStore;
use crate::rows::*;
use crate::search_index;
use crate::search_query::TICKETS;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use tessera_core::ids::*;
use tessera_core::permission::TicketScope;
use tessera_core::status::StatusCategory;
use tessera_core::ticket::{number_candidate, number_digits};
use tessera_core::view::{Field, Operator, ResolvedValue};
use tessera_core::{Event, Message, MessageEdit, Ticket, Timestamp};
use tessera_store::sql::{self, Fragment, SQLITE, Table};
use tessera_store::*;

fn random_u64() -> StoreResult<u64> {
    getrandom::u64().map_err(|e| StoreError::Backend(format!("no randomness: {e}")))
}

fn allocate_number(conn: &Connection) -> StoreResult<String> {
    let mut stmt = conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM tickets WHERE number = ?1)").db()?;
    for attempt in 0..200 {
        let candidate = number_candidate(random_u64()?, number_digits(attempt));
        let taken: bool = stmt.query_row([&candidate], |r| r.get(0)).db()?;
        if !taken {
            return Ok(candidate);
        }
    }
    Err(StoreError::Backend("could not find a free ticket number".into()))
}

fn ensure_requester(conn: &Connection, user: &tessera_core::User) -> StoreResult<(UserId, Option<OrganizationId>)> {
    let key = user.email.normalized();
    let existing: Option<(i64, Option<i64>)> = conn
        .query_row("SELECT id, organization_id FROM users WHERE email_key = ?1", [&key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    if let Some((id, org)) = existing {
        return Ok((UserId(id), org.map(OrganizationId)));
    }
    let created = crate::directory::insert_user(conn, user.clone())?;
    Ok((created.id, created.organization_id))
}

fn insert_message(conn: &Connection, ticket: TicketId, m: &NewMessage) -> StoreResult<MessageId> {
    conn.prepare_cached(
        "INSERT INTO messages (ticket_id, kind, author_id, author_name, author_email, author_staff, body, html, channel, \
         author_ip, encrypted, email_message_id, created_at, quote_start) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )
    .db()?
    .execute(params![
        ticket.0,
        m.kind.as_str(),
        m.author.user_id.map(|u| u.0),
        m.author.name,
        m.author.email,
        m.author.staff,
        m.body,
        m.html,
        m.channel.as_str(),
        m.author_ip,
        m.encrypted,
        m.email_message_id,
        ms(m.created_at),
        m.quote_start,
    ])
    .db()?;
    let id = MessageId(conn.last_insert_rowid());
    let mut link = conn
        .prepare_cached("UPDATE attachments SET ticket_id = ?1, message_id = ?2 WHERE id = ?3 AND message_id IS NULL")
        .db()?;
    for a in &m.attachment_ids {
        if link.execute(params![ticket.0, id.0, a.0]).db()? != 1 {
            return Err(StoreError::InvalidReference(format!("attachment {a} is unknown or already attached")));
        }
    }
    Ok(id)
}

pub(crate) fn insert_events(
    conn: &Connection,
    ticket: TicketId,
    version: i64,
    events: &[NewEvent],
    messages: &[MessageId],
) -> StoreResult<Vec<EventId>> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO events (ticket_id, actor_id, side, kind, message_id, changes, data, ticket_version, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )
        .db()?;
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
        stmt.execute(params![
            ticket.0,
            e.actor_id.map(|a| a.0),
            e.side.as_str(),
            e.kind.as_str(),
            message_id,
            to_json(&e.changes)?,
            to_json(&e.data)?,
            version,
            ms(e.created_at),
        ])
        .db()?;
        ids.push(EventId(conn.last_insert_rowid()));
    }
    Ok(ids)
}

fn write_tags(conn: &Connection, ticket: TicketId, tags: &[String]) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM ticket_tags WHERE ticket_id = ?1").db()?.execute([ticket.0]).db()?;
    let mut ins = conn.prepare_cached("INSERT INTO ticket_tags (ticket_id, tag) VALUES (?1, ?2)").db()?;
    for t in tags {
        ins.execute(params![ticket.0, t]).db()?;
    }
    Ok(())
}

/// Keeps the ticket as this change leaves it, when a webhook is active to
/// need it (decision 18).
fn keep_version(conn: &Connection, t: &Ticket) -> StoreResult<()> {
    let wanted: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM webhooks WHERE active = 1)")
        .db()?
        .query_row([], |r| r.get(0))
        .db()?;
    if wanted {
        conn.prepare_cached("INSERT OR REPLACE INTO ticket_versions (ticket_id, version, ticket) VALUES (?1, ?2, ?3)")
            .db()?
            .execute(params![t.id.0, t.version, tessera_store::snapshot::to_text(t)?])
            .db()?;
    }
    Ok(())
}

fn apply_create(conn: &Connection, c: TicketCreate) -> StoreResult<CreatedIds> {
    let mut ticket = c.ticket;
    if let Some(u) = &c.new_requester {
        let (id, org) = ensure_requester(conn, u)?;
        ticket.requester_id = id;
        ticket.organization_id = org;
    }
    ticket.number = allocate_number(conn)?;
    conn.prepare_cached(&TICKET_INSERT).db()?.execute(bound(&ticket_values(&ticket, &SQLITE)?)).db()?;
    let id = TicketId(conn.last_insert_rowid());
    ticket.id = id;
    keep_version(conn, &ticket)?;
    write_tags(conn, id, &ticket.tags)?;
    let mut message_ids = Vec::with_capacity(c.messages.len());
    for mut m in c.messages {
        if m.author.user_id.is_none() && !m.author.staff && c.new_requester.is_some() {
            m.author.user_id = Some(ticket.requester_id);
        }
        message_ids.push(insert_message(conn, id, &m)?);
    }
    let event_ids = insert_events(conn, id, ticket.version, &c.events, &message_ids)?;
    search_index::reindex(conn, id)?;
    Ok(CreatedIds {
        ticket_id: id,
        number: ticket.number,
        requester_id: ticket.requester_id,
        organization_id: ticket.organization_id,
        message_ids,
        event_ids,
    })
}

fn apply_update(conn: &Connection, u: TicketChange) -> StoreResult<UpdatedIds> {
    let t = &u.ticket;
    let indexed_before = search_index::indexed_fields(conn, t.id)?;
    let mut values = ticket_values(t, &SQLITE)?;
    values.push(sql::Value::Int(t.id.0));
    values.push(sql::Value::Int(u.expected_version));
    let n = conn.prepare_cached(&TICKET_UPDATE).db()?.execute(bound(&values)).db()?;
    if n != 1 {
        let exists: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?1)", [t.id.0], |r| r.get(0)).db()?;
        return Err(if exists { StoreError::VersionConflict } else { StoreError::NotFound });
    }
    keep_version(conn, t)?;
    write_tags(conn, t.id, &t.tags)?;
    let mut message_ids = Vec::with_capacity(u.new_messages.len());
    for m in &u.new_messages {
        message_ids.push(insert_message(conn, t.id, m)?);
    }
    for e in &u.message_updates {
        let n = conn
            .prepare_cached(
                "UPDATE messages SET body = ?1, html = ?2, edited_at = ?3, edited_by_id = ?4, quote_start = ?7 \
                 WHERE id = ?5 AND ticket_id = ?6",
            )
            .db()?
            .execute(params![e.body, e.html, ms(e.at), e.editor_id.0, e.message_id.0, t.id.0, e.quote_start])
            .db()?;
        if n != 1 {
            return Err(StoreError::NotFound);
        }
        conn.prepare_cached(
            "INSERT INTO message_edits (message_id, editor_id, previous_body, previous_html, edited_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .db()?
        .execute(params![e.message_id.0, e.editor_id.0, e.previous_body, e.previous_html, ms(e.at)])
        .db()?;
    }
    for (m, at) in &u.message_deletes {
        conn.prepare_cached(
            "UPDATE messages SET body = '', html = NULL, quote_start = NULL, deleted_at = ?1 WHERE id = ?2 AND ticket_id = ?3",
        )
        .db()?
        .execute(params![ms(*at), m.0, t.id.0])
        .db()?;
        conn.prepare_cached("DELETE FROM message_edits WHERE message_id = ?1").db()?.execute([m.0]).db()?;
    }
    for (m, rating) in &u.ratings {
        conn.prepare_cached("UPDATE messages SET rating = ?1 WHERE id = ?2 AND ticket_id = ?3")
            .db()?
            .execute(params![rating, m.0, t.id.0])
            .db()?;
    }
    if let Some(target) = u.move_messages_to {
        conn.execute("UPDATE messages SET ticket_id = ?1 WHERE ticket_id = ?2", params![target.0, t.id.0]).db()?;
        conn.execute("UPDATE attachments SET ticket_id = ?1 WHERE ticket_id = ?2", params![target.0, t.id.0]).db()?;
        // The target's text grew by the moved messages.
        search_index::reindex(conn, target)?;
    }
    if search_index::change_needs_reindex(indexed_before.as_ref(), &u) {
        search_index::reindex(conn, t.id)?;
    }
    let event_ids = insert_events(conn, t.id, t.version, &u.events, &message_ids)?;
    Ok(UpdatedIds { message_ids, event_ids })
}

/// The partial index of live tickets to count a query's time window from:
/// it holds every column an agent's scope and the default views test
/// (migration 0008). Used when a view asks for such a window ("solved in
/// the last 7 days", "updated in the last 24 hours"): SQLite's statistics
/// prefer the plain time indexes, which need every row read to check it is
/// live and in scope (26 ms against 2 ms for the 17,000 tickets solved in a
/// week at a million tickets). Both conditions the partial indexes need
/// hold for such a query: every query asks for live tickets, and
/// `solved_at > t` implies `solved_at IS NOT NULL`. Pages do not use it:
/// SQLite reads them best by walking a time index in the view's order
/// (newest updated first), where a window's tickets come first; through the
/// window index it would read and sort every row of the window (58 ms
/// against 2 ms for "recently updated").
fn window_index(q: &TicketQuery) -> Option<&'static str> {
    let f = &q.filter;
    let after = |field: Field| {
        f.view.as_ref().is_some_and(|v| {
            v.all.iter().any(|c| {
                c.field == field && c.operator == Operator::GreaterThan && matches!(c.value, ResolvedValue::Time(_))
            })
        })
    };
    // A customer's tickets are few and found through their own index.
    if !matches!(q.scope, TicketScope::All | TicketScope::Agent { .. }) {
        return None;
    }
    if after(Field::SolvedAt) {
        Some("tickets_live_solved")
    } else if after(Field::UpdatedAt) {
        Some("tickets_live_updated")
    } else {
        None
    }
}

/// The index that holds the tickets in the query's order, if one does.
fn order_index(q: &TicketQuery) -> Option<&'static str> {
    match (q.sort.field, q.sort.boosted_first) {
        (SortField::Queue, _) => Some("tickets_queue_order"),
        (SortField::UpdatedAt, false) => Some("tickets_updated"),
        (SortField::CreatedAt, false) => Some("tickets_created"),
        _ => None,
    }
}

/// At most this many index entries are worth walking in order for one page.
const WALK_BUDGET: u64 = 12_000;

/// Whether to read the page by walking the order's index (stopping once the
/// page is full) rather than letting SQLite pick an index for the
/// conditions and sort everything they match. SQLite's statistics cannot
/// tell that "unsolved" or "in my departments" match a quarter or a tenth of
/// a million tickets, so the store decides with exact numbers from the
/// tally: walking reads about `live / matching × (offset + limit)` entries,
/// which is small exactly when the matching set is large — when sorting it
/// would be slow. Queries the tally cannot count are left to SQLite.
///
/// One exception: a query pinned to one assignee ("your unsolved tickets")
/// is read through `tickets_assignee` and sorted. One person's tickets are
/// few, and they are not spread evenly over the queue order (tickets waiting
/// for the customer sort last), so the walk's estimate would be far off: at
/// a million tickets, 36 ms walking against 10 ms sorting.
fn walk_the_order(conn: &Connection, q: &TicketQuery, limit: u32) -> StoreResult<bool> {
    if pins_one_assignee(q) {
        return Ok(false);
    }
    let Some(count) = tally_count_sql(q) else { return Ok(false) };
    let matching: i64 = conn.prepare_cached(&count.sql).db()?.query_row(bound(&count.values), |r| r.get(0)).db()?;
    if matching <= 0 {
        return Ok(false);
    }
    let live: i64 =
        conn.prepare_cached("SELECT COALESCE(SUM(n), 0) FROM ticket_counts").db()?.query_row([], |r| r.get(0)).db()?;
    let wanted = u64::from(q.offset) + u64::from(limit);
    let walk = u64::try_from(live).unwrap_or(0).saturating_mul(wanted) / u64::try_from(matching).unwrap_or(1).max(1);
    Ok(walk <= WALK_BUDGET)
}

/// Whether every ticket of `q` has one given assignee (a filter, or a view
/// condition `assignee is <one agent>` that must hold).
fn pins_one_assignee(q: &TicketQuery) -> bool {
    matches!(q.filter.assignee, Some(Some(_)))
        || q.filter.view.as_ref().is_some_and(|v| {
            v.all.iter().any(|c| {
                c.field == Field::AssigneeId
                    && c.operator == Operator::Is
                    && matches!(&c.value, ResolvedValue::Ints(ids) if ids.len() == 1)
            })
        })
}

/// The count of `q` read from the tally (`ticket_counts`), or `None` when
/// the query looks at anything the tally does not hold (text, tags, times,
/// requester, a customer's or guest's scope…).
///
/// An agent sees their departments' tickets, those assigned to them and
/// those they flagged. The tally has no flag, so the flagged tickets outside
/// the first two groups are counted from the tickets themselves (through the
/// `tickets_flagged` index; an agent flags few tickets) and added.
fn tally_count_sql(q: &TicketQuery) -> Option<Fragment> {
    // Every field is named, so a new filter field cannot be forgotten here.
    let TicketFilter {
        number,
        statuses,
        categories,
        department_ids,
        assignee,
        requester_id,
        organization_id,
        priorities,
        types,
        tags,
        archived,
        created_after,
        created_before,
        updated_after,
        updated_before,
        text,
        text_in_notes: _,
        view,
        sla_breached,
        sla_due_before,
    } = &q.filter;
    if number.is_some()
        || sla_breached.is_some()
        || sla_due_before.is_some()
        || requester_id.is_some()
        || organization_id.is_some()
        || !types.is_empty()
        || !tags.is_empty()
        || created_after.is_some()
        || created_before.is_some()
        || updated_after.is_some()
        || updated_before.is_some()
        || text.as_deref().is_some_and(|t| !t.trim().is_empty())
    {
        return None;
    }
    let view = match view {
        Some(v) => Some(TICKETS.view(v, Table::Counts)?),
        None => None,
    };
    let mut w = vec![Fragment::new("1")];
    if !statuses.is_empty() {
        w.push(SQLITE.in_texts("c.status", statuses.iter().map(|s| s.0.clone()).collect()));
    }
    if !categories.is_empty() {
        w.push(SQLITE.in_texts("c.status_category", categories.iter().map(|c| c.as_str().to_string()).collect()));
    }
    if !department_ids.is_empty() {
        w.push(SQLITE.in_ints("c.department_id", department_ids.iter().map(|d| d.0).collect()));
    }
    match assignee {
        None => {}
        Some(None) => w.push(Fragment::new("c.assignee_id = 0")),
        Some(Some(a)) => w.push(Fragment::with("c.assignee_id = ?", vec![sql::Value::Int(a.0)])),
    }
    if !priorities.is_empty() {
        w.push(SQLITE.in_ints("c.priority", priorities.iter().map(|p| p.rank()).collect()));
    }
    if let Some(a) = archived {
        w.push(Fragment::with("c.archived = ?", vec![sql::Value::flag(*a)]));
    }
    w.extend(view);
    let w = Fragment::join(w, " AND ");
    match &q.scope {
        TicketScope::All => {
            Some(Fragment::with(format!("SELECT COALESCE(SUM(c.n), 0) FROM ticket_counts c WHERE {}", w.sql), w.values))
        }
        TicketScope::Agent { user_id, department_ids: mine } => {
            let in_mine = |column: &str| {
                if mine.is_empty() {
                    Fragment::new("0")
                } else {
                    SQLITE.in_ints(column, mine.iter().map(|d| d.0).collect())
                }
            };
            // The flagged rest: the same query over the tickets, limited to
            // those flagged by the agent and seen for no other reason.
            let mut rest = q.clone();
            rest.scope = TicketScope::All;
            let mut f = Fragment::new("SELECT (SELECT COALESCE(SUM(c.n), 0) FROM ticket_counts c WHERE (");
            f.append(&in_mine("c.department_id")).push(" OR c.assignee_id = ").bind(user_id.0);
            f.push(") AND ")
                .append(&w)
                .push(") + (SELECT COUNT(*) FROM tickets t WHERE t.flagged_id = ")
                .bind(user_id.0);
            f.push(" AND NOT (").append(&in_mine("t.department_id")).push(" OR t.assignee_id IS ").bind(user_id.0);
            f.push(") AND ").append(&TICKETS.filter(&rest)).push(")");
            Some(f)
        }
        TicketScope::Customer { .. } | TicketScope::Single(_) => None,
    }
}

fn attach_ids(conn: &Connection, ticket: TicketId, messages: &mut [Message]) -> StoreResult<()> {
    let pairs = collect(
        conn,
        "SELECT id, message_id FROM attachments WHERE ticket_id = ?1 AND message_id IS NOT NULL ORDER BY id",
        [ticket.0],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    attach(messages, pairs);
    Ok(())
}

#[async_trait]
impl TicketStore for SqliteStore {
    async fn commit(&self, change: ChangeSet) -> StoreResult<CommitOutcome> {
        let outcome = self
            .write(move |conn| {
                let mut out = CommitOutcome::default();
                for user in &change.users {
                    crate::directory::save_user(conn, user)?;
                }
                let first_updated = change.updates.first().map(|u| u.ticket.id);
                for update in change.updates {
                    out.updated.push(apply_update(conn, update)?);
                }
                for create in change.creates {
                    out.created.push(apply_create(conn, create)?);
                }
                if let Some(mail) = &change.mail {
                    let (ticket, message) = applied_to(&out, first_updated)?;
                    crate::mail::record_applied(conn, mail, ticket, message)?;
                }
                for block in &change.blocks {
                    crate::mail::add_sender_block(conn, block)?;
                }
                Ok(out)
            })
            .await;
        if outcome.is_ok() {
            self.events.notify_waiters();
        }
        outcome
    }

    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        self.lookup(move |conn| {
            let sql = format!("SELECT {} FROM tickets t WHERE t.id = ?1", *TICKET_SELECT);
            conn.prepare_cached(&sql).db()?.query_row([id.0], read(ticket_from_row)).optional().db()
        })
        .await
    }

    async fn ticket_by_number(&self, number: &str) -> StoreResult<Option<Ticket>> {
        let number = number.to_string();
        self.lookup(move |conn| {
            let sql = format!("SELECT {} FROM tickets t WHERE t.number = ?1", *TICKET_SELECT);
            conn.prepare_cached(&sql).db()?.query_row([number], read(ticket_from_row)).optional().db()
        })
        .await
    }

    /// A page of tickets, read by walking the order's index when that reads
    /// few entries (see `walk_the_order`).
    async fn list_tickets(&self, query: &TicketQuery) -> StoreResult<Vec<Ticket>> {
        let q = query.clone();
        self.read(move |conn| {
            let hint = match order_index(&q) {
                Some(index) if walk_the_order(conn, &q, sql::tickets::limit(&q))? => format!(" INDEXED BY {index}"),
                _ => String::new(),
            };
            let page = TICKETS.page(&q, &hint);
            let mut stmt = conn.prepare_cached(&page.sql).db()?;
            let rows = stmt.query_map(bound(&page.values), read(ticket_from_row)).db()?;
            rows.collect::<Result<Vec<_>, _>>().db()
        })
        .await
    }

    /// The exact count of a query (paging ignored): from the tally of migration
    /// 0007 when every condition of the query is on a column it holds, else by
    /// counting the matching tickets.
    async fn count_tickets(&self, query: &TicketQuery) -> StoreResult<u64> {
        let q = query.clone();
        self.read(move |conn| {
            let count = tally_count_sql(&q).unwrap_or_else(|| {
                let hint = window_index(&q).map(|i| format!(" INDEXED BY {i}")).unwrap_or_default();
                TICKETS.count(&q, &hint)
            });
            let n: i64 = conn.prepare_cached(&count.sql).db()?.query_row(bound(&count.values), |r| r.get(0)).db()?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    async fn messages(&self, ticket: TicketId, include_notes: bool) -> StoreResult<Vec<Message>> {
        self.lookup(move |conn| {
            let sql = if include_notes {
                format!("SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = ?1 ORDER BY id")
            } else {
                format!("SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = ?1 AND kind = 'reply' ORDER BY id")
            };
            let mut stmt = conn.prepare_cached(&sql).db()?;
            let mut out =
                stmt.query_map([ticket.0], read(message_from_row)).db()?.collect::<Result<Vec<_>, _>>().db()?;
            attach_ids(conn, ticket, &mut out)?;
            Ok(out)
        })
        .await
    }

    async fn message(&self, id: MessageId) -> StoreResult<Option<Message>> {
        self.lookup(move |conn| {
            let sql = format!("SELECT {MESSAGE_SELECT} FROM messages WHERE id = ?1");
            let Some(mut m) =
                conn.prepare_cached(&sql).db()?.query_row([id.0], read(message_from_row)).optional().db()?
            else {
                return Ok(None);
            };
            if m.deleted_at.is_none() {
                let mut stmt =
                    conn.prepare_cached("SELECT id FROM attachments WHERE message_id = ?1 ORDER BY id").db()?;
                m.attachment_ids = stmt
                    .query_map([id.0], |r| Ok(AttachmentId(r.get(0)?)))
                    .db()?
                    .collect::<Result<Vec<_>, _>>()
                    .db()?;
            }
            Ok(Some(m))
        })
        .await
    }

    async fn message_edits(&self, id: MessageId) -> StoreResult<Vec<MessageEdit>> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT message_id, editor_id, previous_body, previous_html, edited_at FROM message_edits WHERE message_id = ?1 ORDER BY id",
                )
                .db()?;
            let rows = stmt
                .query_map([id.0], |r| {
                    Ok(MessageEdit {
                        message_id: MessageId(r.get(0)?),
                        editor_id: UserId(r.get(1)?),
                        previous_body: r.get(2)?,
                        previous_html: r.get(3)?,
                        edited_at: tessera_core::time::from_millis(r.get(4)?),
                    })
                })
                .db()?;
            rows.collect::<Result<Vec<_>, _>>().db()
        })
        .await
    }

    async fn ticket_events(&self, ticket: TicketId) -> StoreResult<Vec<Event>> {
        self.read(move |conn| {
            let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE ticket_id = ?1 ORDER BY id");
            let mut stmt = conn.prepare_cached(&sql).db()?;
            stmt.query_map([ticket.0], read(event_from_row)).db()?.collect::<Result<Vec<_>, _>>().db()
        })
        .await
    }

    async fn events_after(&self, after: EventId, limit: u32) -> StoreResult<Vec<Event>> {
        self.read(move |conn| {
            let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE id > ?1 ORDER BY id LIMIT ?2");
            let mut stmt = conn.prepare_cached(&sql).db()?;
            stmt.query_map(params![after.0, limit.clamp(1, 10_000)], read(event_from_row))
                .db()?
                .collect::<Result<Vec<_>, _>>()
                .db()
        })
        .await
    }

    async fn event(&self, id: EventId) -> StoreResult<Option<Event>> {
        self.read(move |conn| {
            let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE id = ?1");
            conn.prepare_cached(&sql).db()?.query_row([id.0], read(event_from_row)).optional().db()
        })
        .await
    }

    async fn ticket_at(&self, ticket: TicketId, version: i64) -> StoreResult<Option<Ticket>> {
        self.read(move |conn| {
            let id = ticket;
            let text: Option<String> = conn
                .prepare_cached("SELECT ticket FROM ticket_versions WHERE ticket_id = ?1 AND version = ?2")
                .db()?
                .query_row(params![id.0, version], |r| r.get(0))
                .optional()
                .db()?;
            text.map(|t| tessera_store::snapshot::from_text(&t)).transpose()
        })
        .await
    }

    async fn latest_event_id(&self) -> StoreResult<EventId> {
        self.lookup(move |conn| {
            let id: Option<i64> = conn.query_row("SELECT MAX(id) FROM events", [], |r| r.get(0)).db()?;
            Ok(EventId(id.unwrap_or(0)))
        })
        .await
    }

    async fn wait_for_events(&self, after: EventId, timeout: std::time::Duration) {
        // Registered before the look at the log, so a commit in between
        // still wakes us.
        let woken = self.events.notified();
        if self.latest_event_id().await.is_ok_and(|latest| latest > after) {
            return;
        }
        let _ = tokio::time::timeout(timeout, woken).await;
    }

    async fn agent_loads(&self, dept: DepartmentId) -> StoreResult<Vec<AgentLoad>> {
        self.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT m.user_id,
                        (SELECT COUNT(*) FROM tickets t WHERE t.assignee_id = m.user_id AND t.deleted_at IS NULL
                            AND t.status_category NOT IN (?2, ?3)),
                        (SELECT MAX(t.created_at) FROM tickets t WHERE t.assignee_id = m.user_id AND t.department_id = m.department_id)
                     FROM department_members m JOIN users u ON u.id = m.user_id
                     WHERE m.department_id = ?1 AND u.disabled = 0 AND u.role IN ('agent', 'admin')
                     ORDER BY m.user_id",
                )
                .db()?;
            let rows = stmt
                .query_map(params![dept.0, StatusCategory::Solved.as_str(), StatusCategory::Closed.as_str()], |r| {
                    Ok(AgentLoad {
                        user_id: UserId(r.get(0)?),
                        open_tickets: u64::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                        last_assigned_at: r.get::<_, Option<i64>>(2)?.map(tessera_core::time::from_millis),
                    })
                })
                .db()?;
            rows.collect::<Result<Vec<_>, _>>().db()
        })
        .await
    }

    async fn mark_read(&self, ticket: TicketId, user: UserId, staff: bool, at: Timestamp) -> StoreResult<()> {
        self.write(move |conn| {
            let col = if staff { "agent_unread" } else { "customer_unread" };
            let n = conn.execute(&format!("UPDATE tickets SET {col} = 0 WHERE id = ?1"), [ticket.0]).db()?;
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            conn.prepare_cached(
                "INSERT INTO ticket_reads (ticket_id, user_id, read_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (ticket_id, user_id) DO UPDATE SET read_at = excluded.read_at",
            )
            .db()?
            .execute(params![ticket.0, user.0, ms(at)])
            .db()?;
            Ok(())
        })
        .await
    }

    async fn last_read(&self, ticket: TicketId, user: UserId) -> StoreResult<Option<Timestamp>> {
        self.read(move |conn| {
            conn.prepare_cached("SELECT read_at FROM ticket_reads WHERE ticket_id = ?1 AND user_id = ?2")
                .db()?
                .query_row(params![ticket.0, user.0], |r| r.get::<_, i64>(0))
                .optional()
                .db()
                .map(|o| o.map(tessera_core::time::from_millis))
        })
        .await
    }

    async fn insert_attachment(&self, mut a: AttachmentRecord) -> StoreResult<AttachmentRecord> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO attachments (sha256, filename, content_type, size, uploader_id, ticket_id, message_id, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .db()?
            .execute(params![
                a.sha256,
                a.filename,
                a.content_type,
                a.size,
                a.uploader_id.0,
                a.ticket_id.map(|t| t.0),
                a.message_id.map(|m| m.0),
                ms(a.created_at)
            ])
            .db()?;
            a.id = AttachmentId(conn.last_insert_rowid());
            Ok(a)
        })
        .await
    }

    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<AttachmentRecord>> {
        self.read(move |conn| {
            get(
                conn,
                &format!("SELECT {ATTACHMENT_SELECT} FROM attachments WHERE id = ?1"),
                [id.0],
                read(attachment_from_row),
            )
        })
        .await
    }
}
