//! Ticket writes (change sets) and ticket, message and event reads.

use crate::db::{Db, Tx, execute, query, query_dynamic, query_one, query_opt};
use crate::rows::*;
use crate::search;
use std::collections::HashMap;
use tessera_core::ids::*;
use tessera_core::permission::TicketScope;
use tessera_core::status::StatusCategory;
use tessera_core::ticket::{number_candidate, number_digits};
use tessera_core::view::{Field, Operator, Resolved, ResolvedValue};
use tessera_core::{Event, Message, MessageEdit, Ticket, Timestamp};
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

/// Writes a change set inside the caller's transaction: every update (with
/// its version check), every creation, then all the events at the end (see
/// [`EVENT_LOCK`]).
pub async fn commit(tx: &Tx<'_>, change: ChangeSet) -> StoreResult<CommitOutcome> {
    let mut out = CommitOutcome::default();
    let mut pending: Vec<(TicketId, i64, Vec<NewEvent>, Vec<MessageId>)> = Vec::new();
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
    Ok(out)
}

fn random_u64() -> StoreResult<u64> {
    getrandom::u64().map_err(|e| StoreError::Backend(format!("no randomness: {e}")))
}

/// Finds or creates the requester of a new ticket by e-mail. Two instances
/// creating the same new requester at once both end with the one row.
async fn ensure_requester(tx: &Tx<'_>, user: &tessera_core::User) -> StoreResult<(UserId, Option<OrganizationId>)> {
    let key = user.email.normalized();
    let find = "SELECT id, organization_id FROM users WHERE email_key = $1";
    if let Some(r) = query_opt(tx, find, &[&key]).await? {
        return Ok((UserId(r.int(0)?), r.int_opt(1)?.map(OrganizationId)));
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
    Ok((UserId(r.int(0)?), r.int_opt(1)?.map(OrganizationId)))
}

async fn insert_message(tx: &Tx<'_>, ticket: TicketId, m: &NewMessage) -> StoreResult<MessageId> {
    let row = query_one(
        tx,
        "INSERT INTO messages (ticket_id, kind, author_id, author_name, author_email, author_staff, body, html, channel, \
         author_ip, encrypted, email_message_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
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
        ],
    )
    .await?;
    let id = MessageId(row.int(0)?);
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
        ids.push(EventId(row.int(0)?));
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
        let values = ticket_values(&ticket)?;
        if let Some(row) = tx.query_opt(&insert, &refs(&values)).await.db()? {
            id = Some(TicketId(row.int(0)?));
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
    let mut values = ticket_values(t)?;
    values.push(p(t.id.0));
    values.push(p(u.expected_version));
    // The version check: the row changes only if nobody changed it since it
    // was read (a concurrent writer's UPDATE waits for ours, then re-checks
    // the version against our committed row and matches nothing).
    let n = execute(tx, &TICKET_UPDATE, &refs(&values)).await?;
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
            "UPDATE messages SET body = $1, html = $2, edited_at = $3, edited_by_id = $4 WHERE id = $5 AND ticket_id = $6",
            &[&e.body, &e.html, &ms(e.at), &e.editor_id.0, &e.message_id.0, &t.id.0],
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
            "UPDATE messages SET body = '', html = NULL, deleted_at = $1 WHERE id = $2 AND ticket_id = $3",
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

/// One ticket by id.
pub async fn ticket(c: &impl Db, id: TicketId) -> StoreResult<Option<Ticket>> {
    let sql = format!("SELECT {} FROM tickets t WHERE t.id = $1", *TICKET_SELECT);
    one(query_opt(c, &sql, &[&id.0]).await?, ticket_from_row)
}

/// One ticket by number.
pub async fn ticket_by_number(c: &impl Db, number: &str) -> StoreResult<Option<Ticket>> {
    if number.contains('\0') {
        return Ok(None);
    }
    let sql = format!("SELECT {} FROM tickets t WHERE t.number = $1", *TICKET_SELECT);
    one(query_opt(c, &sql, &[&number]).await?, ticket_from_row)
}

/// Adds the condition of a permission scope over `t` to `w`, its values to
/// `v` (`?` placeholders, see [`numbered`]).
pub(crate) fn scope_clause(scope: &TicketScope, w: &mut Vec<String>, v: &mut Vec<Param>) {
    match scope {
        TicketScope::All => {}
        TicketScope::Single(id) => {
            w.push("t.id = ?".into());
            v.push(p(id.0));
        }
        TicketScope::Agent { user_id, department_ids } => {
            let in_depts = if department_ids.is_empty() {
                "FALSE".to_string()
            } else {
                v.push(p(department_ids.iter().map(|d| d.0).collect::<Vec<i64>>()));
                "t.department_id = ANY(?)".to_string()
            };
            w.push(format!("({in_depts} OR t.assignee_id = ? OR t.flagged_id = ?)"));
            v.push(p(user_id.0));
            v.push(p(user_id.0));
        }
        TicketScope::Customer { user_id, organization_id } => match organization_id {
            Some(org) => {
                w.push("(t.requester_id = ? OR t.organization_id = ?)".into());
                v.push(p(user_id.0));
                v.push(p(org.0));
            }
            None => {
                w.push("t.requester_id = ?".into());
                v.push(p(user_id.0));
            }
        },
    }
}

/// The WHERE clause (without `WHERE`) and its values for scope and filter.
fn where_clause(q: &TicketQuery) -> (String, Vec<Param>) {
    let mut w: Vec<String> = vec!["t.deleted_at IS NULL".into()];
    let mut v: Vec<Param> = Vec::new();
    scope_clause(&q.scope, &mut w, &mut v);
    let f = &q.filter;
    if let Some(n) = &f.number {
        // No stored text holds NUL, and PostgreSQL refuses to bind one.
        if n.contains('\0') {
            w.push("FALSE".into());
        } else {
            w.push("t.number = ?".into());
            v.push(p(n.clone()));
        }
    }
    if !f.statuses.is_empty() {
        w.push("t.status = ANY(?)".into());
        v.push(p(f.statuses.iter().map(|s| s.0.clone()).collect::<Vec<String>>()));
    }
    if !f.categories.is_empty() {
        w.push("t.status_category = ANY(?)".into());
        v.push(p(f.categories.iter().map(|s| s.as_str().to_string()).collect::<Vec<String>>()));
    }
    if !f.department_ids.is_empty() {
        w.push("t.department_id = ANY(?)".into());
        v.push(p(f.department_ids.iter().map(|s| s.0).collect::<Vec<i64>>()));
    }
    match f.assignee {
        None => {}
        Some(None) => w.push("t.assignee_id IS NULL".into()),
        Some(Some(a)) => {
            w.push("t.assignee_id = ?".into());
            v.push(p(a.0));
        }
    }
    if let Some(r) = f.requester_id {
        w.push("t.requester_id = ?".into());
        v.push(p(r.0));
    }
    if let Some(o) = f.organization_id {
        w.push("t.organization_id = ?".into());
        v.push(p(o.0));
    }
    if !f.priorities.is_empty() {
        w.push("t.priority = ANY(?)".into());
        v.push(p(f.priorities.iter().map(|s| s.rank()).collect::<Vec<i64>>()));
    }
    if !f.types.is_empty() {
        w.push("t.ticket_type = ANY(?)".into());
        v.push(p(f.types.iter().map(|s| s.as_str().to_string()).collect::<Vec<String>>()));
    }
    for tag in &f.tags {
        if tag.contains('\0') {
            w.push("FALSE".into());
            continue;
        }
        w.push("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)".into());
        v.push(p(tag.clone()));
    }
    if let Some(a) = f.archived {
        w.push("t.archived = ?".into());
        v.push(p(b(a)));
    }
    if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let (sql, vals) = search::list_text_condition(text, f.text_in_notes);
        w.push(sql);
        v.extend(vals);
    }
    if let Some(view) = &f.view {
        let (sql, vals) = view_sql(view);
        w.push(sql);
        v.extend(vals);
    }
    if let Some(want) = f.sla_breached {
        w.push(sla_breached(want));
    }
    if let Some(t) = f.sla_due_before {
        w.push(format!("{SLA_NEXT_DUE} < ?"));
        v.push(p(ms(t)));
    }
    for (col, op, val) in [
        ("created_at", ">=", f.created_after),
        ("created_at", "<", f.created_before),
        ("updated_at", ">=", f.updated_after),
        ("updated_at", "<", f.updated_before),
    ] {
        if let Some(t) = val {
            w.push(format!("t.{col} {op} ?"));
            v.push(p(ms(t)));
        }
    }
    (w.join(" AND "), v)
}

/// A view's conditions as one boolean expression and its values (`TRUE`
/// when there are none).
fn view_sql(view: &tessera_core::view::ResolvedConditions) -> (String, Vec<Param>) {
    let mut w = Vec::new();
    let mut v = Vec::new();
    for c in &view.all {
        let (sql, vals) = condition_sql(c);
        w.push(sql);
        v.extend(vals);
    }
    if !view.any.is_empty() {
        let mut parts = Vec::new();
        for c in &view.any {
            let (sql, vals) = condition_sql(c);
            parts.push(sql);
            v.extend(vals);
        }
        w.push(format!("({})", parts.join(" OR ")));
    }
    if w.is_empty() { ("TRUE".into(), v) } else { (w.join(" AND "), v) }
}

/// The SQL of one resolved view condition (a boolean expression over `t`)
/// and its values. Conditions were checked when the view was saved, so a
/// value of an unexpected shape here matches nothing rather than failing.
fn condition_sql(c: &Resolved) -> (String, Vec<Param>) {
    let column = match &c.field {
        Field::StatusCategory => return category_sql("t.status_category", c),
        Field::Status => "t.status",
        Field::Priority => "t.priority",
        Field::Type => "t.ticket_type",
        Field::Source => "t.source",
        Field::DepartmentId => "t.department_id",
        Field::AssigneeId => "t.assignee_id",
        Field::RequesterId => "t.requester_id",
        Field::OrganizationId => "t.organization_id",
        Field::ServiceId => "t.service_id",
        Field::FlaggedId => "t.flagged_id",
        Field::Subject => "t.subject",
        Field::Number => "t.number",
        Field::Locked => "t.locked",
        Field::Archived => "t.archived",
        Field::QueueBoost => "t.queue_boost",
        Field::CreatedAt => "t.created_at",
        Field::UpdatedAt => "t.updated_at",
        Field::LastCustomerReplyAt => "t.last_customer_reply_at",
        Field::LastAgentReplyAt => "t.last_agent_reply_at",
        Field::AwaitingAgentSince => "t.awaiting_agent_since",
        Field::SolvedAt => "t.solved_at",
        Field::DueAt => "t.due_at",
        Field::SlaBreached => return sla_breached_sql(&c.value, c.operator),
        Field::SlaNextDueAt => SLA_NEXT_DUE,
        Field::Tags => return tags_sql(c),
        Field::Custom(key) => return custom_sql(key, c),
    };
    value_sql(column, c)
}

/// A status-category condition (values are category ranks, see
/// `tessera_core::view::category_rank`) as `column IN (the categories it
/// selects)`.
fn category_sql(column: &str, c: &Resolved) -> (String, Vec<Param>) {
    use Operator::*;
    let ranks = match &c.value {
        ResolvedValue::Ints(v) => v.clone(),
        _ => Vec::new(),
    };
    let chosen: Vec<String> = StatusCategory::ALL
        .into_iter()
        .filter(|cat| {
            let r = tessera_core::view::category_rank(*cat);
            match c.operator {
                Is | In => ranks.contains(&r),
                IsNot | NotIn => !ranks.contains(&r),
                LessThan => ranks.first().is_some_and(|b| r < *b),
                GreaterThan => ranks.first().is_some_and(|b| r > *b),
                // A ticket always has a category.
                Present => true,
                _ => false,
            }
        })
        .map(|c| c.as_str().to_string())
        .collect();
    match chosen.len() {
        0 => ("FALSE".into(), vec![]),
        n if n == StatusCategory::ALL.len() => ("TRUE".into(), vec![]),
        _ => (format!("{column} = ANY(?)"), vec![p(chosen)]),
    }
}

/// `column <operator> value` for one resolved condition.
fn value_sql(column: &str, c: &Resolved) -> (String, Vec<Param>) {
    use Operator::*;
    let nothing = || ("FALSE".to_string(), Vec::new());
    let ints = |v: &[i64]| v.iter().map(|i| p(*i)).collect::<Vec<_>>();
    let texts = |v: &[String]| v.iter().map(|t| p(t.clone())).collect::<Vec<_>>();
    match (&c.value, c.operator) {
        (_, Present) => (format!("{column} IS NOT NULL"), vec![]),
        (_, Absent) => (format!("{column} IS NULL"), vec![]),
        (ResolvedValue::Flag(f), Is) => (format!("{column} = ?"), vec![p(b(*f))]),
        (ResolvedValue::Flag(f), IsNot) => (format!("{column} != ?"), vec![p(b(*f))]),
        (ResolvedValue::Time(t), LessThan) => (format!("{column} < ?"), vec![p(ms(*t))]),
        (ResolvedValue::Time(t), GreaterThan) => (format!("{column} > ?"), vec![p(ms(*t))]),
        (ResolvedValue::Ints(v), op) => compare(column, op, ints(v)),
        // ILIKE: SQLite's LIKE ignores case too.
        (ResolvedValue::Texts(v), Contains) if c.field == Field::Subject && !v.is_empty() => {
            (format!("{column} ILIKE ? ESCAPE '\\'"), vec![p(like(&v[0]))])
        }
        (ResolvedValue::Texts(v), NotContains) if c.field == Field::Subject && !v.is_empty() => {
            (format!("{column} NOT ILIKE ? ESCAPE '\\'"), vec![p(like(&v[0]))])
        }
        (ResolvedValue::Texts(v), op @ (Is | IsNot | In | NotIn)) => compare(column, op, texts(v)),
        (ResolvedValue::Texts(v), op @ (LessThan | GreaterThan)) if !v.is_empty() => {
            let sign = if op == LessThan { "<" } else { ">" };
            (format!("{column} COLLATE \"C\" {sign} ?"), texts(&v[..1]))
        }
        _ => nothing(),
    }
}

/// The earliest due time of the ticket's running SLA targets (stored beside
/// the ticket; `NULL` when none runs).
const SLA_NEXT_DUE: &str = "(SELECT s.next_due_at FROM ticket_sla s WHERE s.ticket_id = t.id)";

/// Whether an SLA target of the ticket is breached, as `op` a flag.
fn sla_breached_sql(value: &ResolvedValue, op: Operator) -> (String, Vec<Param>) {
    let wanted = match (value, op) {
        (ResolvedValue::Flag(f), Operator::Is) => *f,
        (ResolvedValue::Flag(f), Operator::IsNot) => !*f,
        _ => return ("FALSE".into(), vec![]),
    };
    (sla_breached(wanted), vec![])
}

/// The condition "an SLA target of `t` is (not) breached".
pub(crate) fn sla_breached(wanted: bool) -> String {
    let exists = "EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.breached = 1)";
    if wanted { exists.to_string() } else { format!("NOT {exists}") }
}

fn like(text: &str) -> String {
    format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

/// `column op values` where an empty column is "not" every value.
fn compare(column: &str, op: Operator, values: Vec<Param>) -> (String, Vec<Param>) {
    use Operator::*;
    let n = values.len();
    if n == 0 {
        return (if matches!(op, IsNot | NotIn) { "TRUE" } else { "FALSE" }.to_string(), vec![]);
    }
    let list = vec!["?"; n].join(", ");
    let sql = match op {
        Is if n == 1 => format!("{column} = ?"),
        Is | In => format!("{column} IN ({list})"),
        IsNot if n == 1 => format!("({column} IS NULL OR {column} != ?)"),
        IsNot | NotIn => format!("({column} IS NULL OR {column} NOT IN ({list}))"),
        LessThan => format!("{column} < ?"),
        GreaterThan => format!("{column} > ?"),
        _ => return ("FALSE".to_string(), vec![]),
    };
    let values = if matches!(op, LessThan | GreaterThan) { values.into_iter().take(1).collect() } else { values };
    (sql, values)
}

fn tags_sql(c: &Resolved) -> (String, Vec<Param>) {
    use Operator::*;
    let tags = match &c.value {
        ResolvedValue::Texts(t) => t.clone(),
        _ => Vec::new(),
    };
    let has_any = "EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ANY(?))".to_string();
    match c.operator {
        Present => ("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id)".into(), vec![]),
        Absent => ("NOT EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id)".into(), vec![]),
        _ if tags.is_empty() => ("FALSE".into(), vec![]),
        Is | Contains | In => (has_any, vec![p(tags)]),
        IsNot | NotContains | NotIn => (format!("NOT {has_any}"), vec![p(tags)]),
        _ => ("FALSE".into(), vec![]),
    }
}

/// A condition on a custom field's value in the ticket's JSON. Values are
/// compared as JSON (numbers as numbers, texts as texts), like SQLite's
/// `json_extract`; a JSON `null` counts as no value.
fn custom_sql(key: &str, c: &Resolved) -> (String, Vec<Param>) {
    use Operator::*;
    // Spliced as a string literal (quotes doubled), so the column
    // expression holds no placeholder and may be repeated.
    let key = key.replace(['\'', '?'], "");
    let col = format!("NULLIF(t.custom_fields::jsonb -> '{key}', 'null'::jsonb)");
    let vals: Vec<&serde_json::Value> = match &c.value {
        ResolvedValue::Json(v) => v.iter().collect(),
        _ => Vec::new(),
    };
    match c.operator {
        Present => (format!("{col} IS NOT NULL"), vec![]),
        Absent => (format!("{col} IS NULL"), vec![]),
        Contains | NotContains => {
            let Some(serde_json::Value::String(text)) = vals.first() else { return ("FALSE".into(), vec![]) };
            // A text containing it, or a list (multiselect) holding it.
            let has = format!(
                "COALESCE(({col} #>> '{{}}') ILIKE ? ESCAPE '\\' OR (jsonb_typeof({col}) = 'array' \
                 AND EXISTS (SELECT 1 FROM jsonb_array_elements_text({col}) j WHERE j = ?)), FALSE)"
            );
            let out = vec![p(like(text)), p(text.clone())];
            if c.operator == Contains { (has, out) } else { (format!("NOT {has}"), out) }
        }
        op => {
            let params: Vec<Param> =
                vals.iter().map(|v| p(serde_json::to_string(v).unwrap_or_else(|_| "null".into()))).collect();
            let (sql, params) = compare(&col, op, params);
            // Each value is JSON text (sent as text: the driver cannot send
            // a String as jsonb): compare it as jsonb.
            (sql.replace('?', "(?::text)::jsonb"), params)
        }
    }
}

fn sort_column(f: SortField) -> &'static str {
    match f {
        SortField::CreatedAt => "t.created_at",
        SortField::UpdatedAt => "t.updated_at",
        SortField::Priority => "t.priority",
        SortField::Id => "t.id",
        // SQLite's CAST reads the leading digits (0 when there are none).
        SortField::Number => "COALESCE(substring(t.number FROM '^[0-9]{1,18}')::bigint, 0)",
        // SQLite's NOCASE: folded case, then code points.
        SortField::Subject => "lower(t.subject) COLLATE \"C\"",
        SortField::Requester => "(SELECT lower(u.name) FROM users u WHERE u.id = t.requester_id) COLLATE \"C\"",
        SortField::Department => "(SELECT lower(d.name) FROM departments d WHERE d.id = t.department_id) COLLATE \"C\"",
        SortField::Assignee => {
            "COALESCE((SELECT lower(u.name) FROM users u WHERE u.id = t.assignee_id), '') COLLATE \"C\""
        }
        SortField::Status => {
            "CASE t.status_category WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 \
             WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END"
        }
        SortField::Wait => "COALESCE(t.awaiting_agent_since, 9223372036854775807)",
        SortField::Queue => "t.priority",
        SortField::SlaDue => {
            "COALESCE((SELECT s.next_due_at FROM ticket_sla s WHERE s.ticket_id = t.id), 9223372036854775807)"
        }
    }
}

/// A page of tickets: keyset cursors for the orders that have them, offsets
/// for the others; ties broken by id.
pub async fn list_tickets(c: &impl Db, q: &TicketQuery) -> StoreResult<Vec<Ticket>> {
    let (mut w, mut v) = where_clause(q);
    let col = sort_column(q.sort.field);
    let dir = if q.sort.descending { "DESC" } else { "ASC" };
    if let Some(cur) = q.after.filter(|_| q.sort.field.keyset()) {
        let cmp = if q.sort.descending { "<" } else { ">" };
        w.push_str(&format!(" AND ({col}, t.id) {cmp} (?, ?)"));
        v.push(p(cur.value));
        v.push(p(cur.id.0));
    }
    let boost = if q.sort.boosted_first || q.sort.field == SortField::Queue { "t.queue_boost DESC, " } else { "" };
    let order = if q.sort.field == SortField::Queue {
        "t.priority DESC, COALESCE(t.awaiting_agent_since, 9223372036854775807) ASC, t.id ASC".to_string()
    } else {
        format!("{col} {dir}, t.id {dir}")
    };
    let limit = q.limit.clamp(1, 1000);
    let sql = format!(
        "SELECT {} FROM tickets t WHERE {w} ORDER BY {boost}{order} LIMIT {limit} OFFSET {}",
        *TICKET_SELECT, q.offset
    );
    all(query_dynamic(c, &numbered(&sql), &refs(&v)).await?, ticket_from_row)
}

/// The exact count of a query (paging ignored).
pub async fn count_tickets(c: &impl Db, q: &TicketQuery) -> StoreResult<u64> {
    let (w, v) = where_clause(q);
    let sql = format!("SELECT COUNT(*) FROM tickets t WHERE {w}");
    let rows = query_dynamic(c, &numbered(&sql), &refs(&v)).await?;
    let n: i64 = rows.first().ok_or_else(|| StoreError::Backend("COUNT answered no row".into()))?.int(0)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

async fn attach_ids(c: &impl Db, ticket: TicketId, messages: &mut [Message]) -> StoreResult<()> {
    let rows = query(
        c,
        "SELECT id, message_id FROM attachments WHERE ticket_id = $1 AND message_id IS NOT NULL ORDER BY id",
        &[&ticket.0],
    )
    .await?;
    let mut by_message: HashMap<i64, Vec<AttachmentId>> = HashMap::new();
    for r in &rows {
        by_message.entry(r.int(1)?).or_default().push(AttachmentId(r.int(0)?));
    }
    for m in messages {
        if m.deleted_at.is_none() {
            m.attachment_ids = by_message.remove(&m.id.0).unwrap_or_default();
        }
    }
    Ok(())
}

/// A ticket's messages, oldest first.
pub async fn messages(c: &impl Db, ticket: TicketId, include_notes: bool) -> StoreResult<Vec<Message>> {
    let sql = if include_notes {
        format!("SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = $1 ORDER BY id")
    } else {
        format!("SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = $1 AND kind = 'reply' ORDER BY id")
    };
    let mut out = all(query(c, &sql, &[&ticket.0]).await?, message_from_row)?;
    attach_ids(c, ticket, &mut out).await?;
    Ok(out)
}

/// The searchable messages of several tickets (for snippets).
pub async fn snippet_messages(c: &impl Db, tickets: &[TicketId], include_notes: bool) -> StoreResult<Vec<Message>> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let kind = if include_notes { "" } else { " AND kind = 'reply'" };
    let sql = format!(
        "SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = ANY($1) AND deleted_at IS NULL AND encrypted = 0{kind} \
         ORDER BY ticket_id, id"
    );
    let ids: Vec<i64> = tickets.iter().map(|t| t.0).collect();
    all(query(c, &sql, &[&ids]).await?, message_from_row)
}

/// One message with its attachment ids.
pub async fn message(c: &impl Db, id: MessageId) -> StoreResult<Option<Message>> {
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

/// A message's edit history.
pub async fn message_edits(c: &impl Db, id: MessageId) -> StoreResult<Vec<MessageEdit>> {
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

/// A ticket's events.
pub async fn ticket_events(c: &impl Db, ticket: TicketId) -> StoreResult<Vec<Event>> {
    let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE ticket_id = $1 ORDER BY id");
    all(query(c, &sql, &[&ticket.0]).await?, event_from_row)
}

/// Events after an id.
pub async fn events_after(c: &impl Db, after: EventId, limit: u32) -> StoreResult<Vec<Event>> {
    let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE id > $1 ORDER BY id LIMIT $2");
    all(query(c, &sql, &[&after.0, &i64::from(limit.clamp(1, 10_000))]).await?, event_from_row)
}

/// One event.
pub async fn event(c: &impl Db, id: EventId) -> StoreResult<Option<Event>> {
    let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, event_from_row)
}

/// The ticket kept at a version.
pub async fn ticket_at(c: &impl Db, id: TicketId, version: i64) -> StoreResult<Option<Ticket>> {
    let sql = "SELECT ticket FROM ticket_versions WHERE ticket_id = $1 AND version = $2";
    match query_opt(c, sql, &[&id.0, &version]).await? {
        Some(row) => tessera_store::snapshot::from_text(&row.text(0)?).map(Some),
        None => Ok(None),
    }
}

/// The newest event id.
pub async fn latest_event_id(c: &impl Db) -> StoreResult<EventId> {
    let id: Option<i64> = query_one(c, "SELECT MAX(id) FROM events", &[]).await?.int_opt(0)?;
    Ok(EventId(id.unwrap_or(0)))
}

/// Workloads of a department's active agents.
pub async fn agent_loads(c: &impl Db, dept: DepartmentId) -> StoreResult<Vec<AgentLoad>> {
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

/// Records a read and clears the side's unread mark.
pub async fn mark_read(tx: &Tx<'_>, ticket: TicketId, user: UserId, staff: bool, at: Timestamp) -> StoreResult<()> {
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
}

/// When a user last read a ticket.
pub async fn last_read(c: &impl Db, ticket: TicketId, user: UserId) -> StoreResult<Option<Timestamp>> {
    let row =
        query_opt(c, "SELECT read_at FROM ticket_reads WHERE ticket_id = $1 AND user_id = $2", &[&ticket.0, &user.0])
            .await?;
    one(row, |r| r.ts(0))
}
