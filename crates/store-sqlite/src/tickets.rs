//! Ticket writes (change sets) and ticket, message and event reads.

use crate::rows::*;
use crate::search_index;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use std::collections::HashMap;
use tessera_core::ids::*;
use tessera_core::permission::TicketScope;
use tessera_core::status::StatusCategory;
use tessera_core::ticket::{number_candidate, number_digits};
use tessera_core::view::{Field, Operator, Resolved, ResolvedValue};
use tessera_core::{Event, Message, MessageEdit, Ticket, Timestamp};
use tessera_store::*;

/// Writes a change set (inside the writer's transaction).
pub fn commit(conn: &Connection, change: ChangeSet) -> StoreResult<CommitOutcome> {
    let mut out = CommitOutcome::default();
    for update in change.updates {
        out.updated.push(apply_update(conn, update)?);
    }
    for create in change.creates {
        out.created.push(apply_create(conn, create)?);
    }
    Ok(out)
}

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
    let created = crate::entities::insert_user(conn, user.clone())?;
    Ok((created.id, created.organization_id))
}

fn insert_message(conn: &Connection, ticket: TicketId, m: &NewMessage) -> StoreResult<MessageId> {
    conn.prepare_cached(
        "INSERT INTO messages (ticket_id, kind, author_id, author_name, author_email, author_staff, body, html, channel, \
         author_ip, encrypted, email_message_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
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

fn insert_events(
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

fn apply_create(conn: &Connection, c: TicketCreate) -> StoreResult<CreatedIds> {
    let mut ticket = c.ticket;
    if let Some(u) = &c.new_requester {
        let (id, org) = ensure_requester(conn, u)?;
        ticket.requester_id = id;
        ticket.organization_id = org;
    }
    ticket.number = allocate_number(conn)?;
    conn.prepare_cached(&TICKET_INSERT).db()?.execute(params_from_iter(ticket_values(&ticket)?)).db()?;
    let id = TicketId(conn.last_insert_rowid());
    write_tags(conn, id, &ticket.tags)?;
    let mut message_ids = Vec::with_capacity(c.messages.len());
    for mut m in c.messages {
        if m.author.user_id.is_none() && !m.author.staff && c.new_requester.is_some() {
            m.author.user_id = Some(ticket.requester_id);
        }
        message_ids.push(insert_message(conn, id, &m)?);
    }
    let event_ids = insert_events(conn, id, ticket.version, &c.events, &message_ids)?;
    search_index::index_ticket(conn, id)?;
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
    let mut values = ticket_values(t)?;
    values.push(Value::Integer(t.id.0));
    values.push(Value::Integer(u.expected_version));
    let n = conn.prepare_cached(&TICKET_UPDATE).db()?.execute(params_from_iter(values)).db()?;
    if n != 1 {
        let exists: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM tickets WHERE id = ?1)", [t.id.0], |r| r.get(0)).db()?;
        return Err(if exists { StoreError::VersionConflict } else { StoreError::NotFound });
    }
    write_tags(conn, t.id, &t.tags)?;
    let mut message_ids = Vec::with_capacity(u.new_messages.len());
    for m in &u.new_messages {
        message_ids.push(insert_message(conn, t.id, m)?);
    }
    for e in &u.message_updates {
        let n = conn
            .prepare_cached(
                "UPDATE messages SET body = ?1, html = ?2, edited_at = ?3, edited_by_id = ?4 WHERE id = ?5 AND ticket_id = ?6",
            )
            .db()?
            .execute(params![e.body, e.html, ms(e.at), e.editor_id.0, e.message_id.0, t.id.0])
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
            "UPDATE messages SET body = '', html = NULL, deleted_at = ?1 WHERE id = ?2 AND ticket_id = ?3",
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
        search_index::index_ticket(conn, target)?;
    }
    if search_index::change_needs_reindex(indexed_before.as_ref(), &u) {
        search_index::index_ticket(conn, t.id)?;
    }
    let event_ids = insert_events(conn, t.id, t.version, &u.events, &message_ids)?;
    Ok(UpdatedIds { message_ids, event_ids })
}

/// One ticket by id.
pub fn ticket(conn: &Connection, id: TicketId) -> StoreResult<Option<Ticket>> {
    let sql = format!("SELECT {} FROM tickets t WHERE t.id = ?1", *TICKET_SELECT);
    conn.prepare_cached(&sql).db()?.query_row([id.0], ticket_from_row).optional().db()
}

/// One ticket by number.
pub fn ticket_by_number(conn: &Connection, number: &str) -> StoreResult<Option<Ticket>> {
    let sql = format!("SELECT {} FROM tickets t WHERE t.number = ?1", *TICKET_SELECT);
    conn.prepare_cached(&sql).db()?.query_row([number], ticket_from_row).optional().db()
}

/// Adds the condition of a permission scope over `t` to `w`, its values to `v`.
pub(crate) fn scope_clause(scope: &TicketScope, w: &mut Vec<String>, v: &mut Vec<Value>) {
    let list = |v: &mut Vec<Value>, items: Vec<Value>| -> String {
        let n = items.len();
        v.extend(items);
        vec!["?"; n].join(", ")
    };
    match scope {
        TicketScope::All => {}
        TicketScope::Single(id) => {
            w.push("t.id = ?".into());
            v.push(Value::Integer(id.0));
        }
        TicketScope::Agent { user_id, department_ids } => {
            let depts = list(v, department_ids.iter().map(|d| Value::Integer(d.0)).collect());
            let in_depts =
                if department_ids.is_empty() { "0".to_string() } else { format!("t.department_id IN ({depts})") };
            w.push(format!("({in_depts} OR t.assignee_id = ? OR t.flagged_id = ?)"));
            v.push(Value::Integer(user_id.0));
            v.push(Value::Integer(user_id.0));
        }
        TicketScope::Customer { user_id, organization_id } => match organization_id {
            Some(org) => {
                w.push("(t.requester_id = ? OR t.organization_id = ?)".into());
                v.push(Value::Integer(user_id.0));
                v.push(Value::Integer(org.0));
            }
            None => {
                w.push("t.requester_id = ?".into());
                v.push(Value::Integer(user_id.0));
            }
        },
    }
}

/// The WHERE clause (without `WHERE`) and its values for scope and filter.
fn where_clause(q: &TicketQuery) -> (String, Vec<Value>) {
    let mut w: Vec<String> = vec!["t.deleted_at IS NULL".into()];
    let mut v: Vec<Value> = Vec::new();
    let list = |v: &mut Vec<Value>, items: Vec<Value>| -> String {
        let n = items.len();
        v.extend(items);
        vec!["?"; n].join(", ")
    };
    scope_clause(&q.scope, &mut w, &mut v);
    let f = &q.filter;
    if let Some(n) = &f.number {
        w.push("t.number = ?".into());
        v.push(Value::Text(n.clone()));
    }
    if !f.statuses.is_empty() {
        let p = list(&mut v, f.statuses.iter().map(|s| Value::Text(s.0.clone())).collect());
        w.push(format!("t.status IN ({p})"));
    }
    if !f.categories.is_empty() {
        let p = list(&mut v, f.categories.iter().map(|s| Value::Text(s.as_str().into())).collect());
        w.push(format!("t.status_category IN ({p})"));
    }
    if !f.department_ids.is_empty() {
        let p = list(&mut v, f.department_ids.iter().map(|s| Value::Integer(s.0)).collect());
        w.push(format!("t.department_id IN ({p})"));
    }
    match f.assignee {
        None => {}
        Some(None) => w.push("t.assignee_id IS NULL".into()),
        Some(Some(a)) => {
            w.push("t.assignee_id = ?".into());
            v.push(Value::Integer(a.0));
        }
    }
    if let Some(r) = f.requester_id {
        w.push("t.requester_id = ?".into());
        v.push(Value::Integer(r.0));
    }
    if let Some(o) = f.organization_id {
        w.push("t.organization_id = ?".into());
        v.push(Value::Integer(o.0));
    }
    if !f.priorities.is_empty() {
        let p = list(&mut v, f.priorities.iter().map(|s| Value::Integer(s.rank())).collect());
        w.push(format!("t.priority IN ({p})"));
    }
    if !f.types.is_empty() {
        let p = list(&mut v, f.types.iter().map(|s| Value::Text(s.as_str().into())).collect());
        w.push(format!("t.ticket_type IN ({p})"));
    }
    for tag in &f.tags {
        w.push("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ?)".into());
        v.push(Value::Text(tag.clone()));
    }
    if let Some(a) = f.archived {
        w.push("t.archived = ?".into());
        v.push(Value::Integer(i64::from(a)));
    }
    if let Some(text) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let (sql, vals) = crate::search_query::list_text_condition(text, f.text_in_notes);
        w.push(sql);
        v.extend(vals);
    }
    if let Some(view) = &f.view {
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
    }
    for (col, op, val) in [
        ("created_at", ">=", f.created_after),
        ("created_at", "<", f.created_before),
        ("updated_at", ">=", f.updated_after),
        ("updated_at", "<", f.updated_before),
    ] {
        if let Some(t) = val {
            w.push(format!("t.{col} {op} ?"));
            v.push(Value::Integer(ms(t)));
        }
    }
    (w.join(" AND "), v)
}

/// The SQL of one resolved view condition (a boolean expression over `t`)
/// and its values. Conditions were checked when the view was saved, so a
/// value of an unexpected shape here matches nothing rather than failing.
fn condition_sql(c: &Resolved) -> (String, Vec<Value>) {
    use Operator::*;
    let nothing = || ("0".to_string(), Vec::new());
    let ints = |v: &[i64]| v.iter().map(|i| Value::Integer(*i)).collect::<Vec<_>>();
    let texts = |v: &[String]| v.iter().map(|t| Value::Text(t.clone())).collect::<Vec<_>>();
    let column = match &c.field {
        Field::Status => "t.status",
        Field::StatusCategory => CATEGORY_RANK,
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
        Field::Tags => return tags_sql(c),
        Field::Custom(key) => return custom_sql(key, c),
    };
    match (&c.value, c.operator) {
        (_, Present) => (format!("{column} IS NOT NULL"), vec![]),
        (_, Absent) => (format!("{column} IS NULL"), vec![]),
        (ResolvedValue::Flag(b), Is) => (format!("{column} = ?"), vec![Value::Integer(i64::from(*b))]),
        (ResolvedValue::Flag(b), IsNot) => (format!("{column} != ?"), vec![Value::Integer(i64::from(*b))]),
        (ResolvedValue::Time(t), LessThan) => (format!("{column} < ?"), vec![Value::Integer(ms(*t))]),
        (ResolvedValue::Time(t), GreaterThan) => (format!("{column} > ?"), vec![Value::Integer(ms(*t))]),
        (ResolvedValue::Ints(v), op) => compare(column, op, ints(v)),
        (ResolvedValue::Texts(v), Contains) if c.field == Field::Subject => {
            (format!("{column} LIKE ? ESCAPE '\\'"), vec![Value::Text(like(&v[0]))])
        }
        (ResolvedValue::Texts(v), NotContains) if c.field == Field::Subject => {
            (format!("{column} NOT LIKE ? ESCAPE '\\'"), vec![Value::Text(like(&v[0]))])
        }
        (ResolvedValue::Texts(v), op @ (Is | IsNot | In | NotIn)) => compare(column, op, texts(v)),
        (ResolvedValue::Texts(v), op @ (LessThan | GreaterThan)) if !v.is_empty() => {
            let sign = if op == LessThan { "<" } else { ">" };
            (format!("{column} {sign} ?"), texts(&v[..1]))
        }
        _ => nothing(),
    }
}

/// `t.status_category` as its queue-order rank.
const CATEGORY_RANK: &str = "(CASE t.status_category WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 \
     WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END)";

fn like(text: &str) -> String {
    format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

/// `column op values` where an empty column is "not" every value.
fn compare(column: &str, op: Operator, values: Vec<Value>) -> (String, Vec<Value>) {
    use Operator::*;
    let n = values.len();
    if n == 0 {
        return (if matches!(op, IsNot | NotIn) { "1" } else { "0" }.to_string(), vec![]);
    }
    let list = vec!["?"; n].join(", ");
    let sql = match op {
        Is if n == 1 => format!("{column} = ?"),
        Is | In => format!("{column} IN ({list})"),
        IsNot if n == 1 => format!("({column} IS NULL OR {column} != ?)"),
        IsNot | NotIn => format!("({column} IS NULL OR {column} NOT IN ({list}))"),
        LessThan => format!("{column} < ?"),
        GreaterThan => format!("{column} > ?"),
        _ => return ("0".to_string(), vec![]),
    };
    let values = if matches!(op, LessThan | GreaterThan) { values.into_iter().take(1).collect() } else { values };
    (sql, values)
}

fn tags_sql(c: &Resolved) -> (String, Vec<Value>) {
    use Operator::*;
    let tags = match &c.value {
        ResolvedValue::Texts(t) => t.clone(),
        _ => Vec::new(),
    };
    let list = vec!["?"; tags.len().max(1)].join(", ");
    let has_any = format!("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag IN ({list}))");
    let vals: Vec<Value> = tags.iter().map(|t| Value::Text(t.clone())).collect();
    match c.operator {
        Present => ("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id)".into(), vec![]),
        Absent => ("NOT EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id)".into(), vec![]),
        _ if tags.is_empty() => ("0".into(), vec![]),
        Is | Contains | In => (has_any, vals),
        IsNot | NotContains | NotIn => (format!("NOT {has_any}"), vals),
        _ => ("0".into(), vec![]),
    }
}

fn custom_sql(key: &str, c: &Resolved) -> (String, Vec<Value>) {
    use Operator::*;
    // The key is bound, never spliced: json_extract takes the path as a value.
    let path = Value::Text(format!("$.\"{}\"", key.replace('"', "")));
    let col = "json_extract(t.custom_fields, ?)";
    let scalar = |j: &serde_json::Value| match j {
        serde_json::Value::Bool(b) => Value::Integer(i64::from(*b)),
        serde_json::Value::Number(n) => {
            n.as_i64().map_or_else(|| Value::Real(n.as_f64().unwrap_or(0.0)), Value::Integer)
        }
        serde_json::Value::String(s) => Value::Text(s.clone()),
        _ => Value::Null,
    };
    let vals = match &c.value {
        ResolvedValue::Json(v) => v.iter().map(scalar).collect::<Vec<_>>(),
        _ => Vec::new(),
    };
    let mut out = vec![path.clone()];
    let sql = match c.operator {
        Present => format!("{col} IS NOT NULL"),
        Absent => format!("{col} IS NULL"),
        Contains | NotContains => {
            let text = match vals.first() {
                Some(Value::Text(t)) => t.clone(),
                _ => return ("0".into(), vec![]),
            };
            // Matches a text containing it, or a list (multiselect) holding it.
            out.push(Value::Text(like(&text)));
            out.push(path);
            out.push(Value::Text(text));
            let has = format!(
                "({col} LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM json_each(t.custom_fields, ?) j WHERE j.value = ?))"
            );
            return if c.operator == Contains { (has, out) } else { (format!("NOT {has}"), out) };
        }
        op => {
            let (sql, v) = compare(col, op, vals);
            out.extend(v);
            // `compare` writes the column twice for negations: bind the path again.
            if sql.matches("json_extract").count() == 2 {
                out.insert(1, out[0].clone());
            }
            sql
        }
    };
    (sql, out)
}

fn sort_column(f: SortField) -> &'static str {
    match f {
        SortField::CreatedAt => "t.created_at",
        SortField::UpdatedAt => "t.updated_at",
        SortField::Priority => "t.priority",
        SortField::Id => "t.id",
        SortField::Number => "CAST(t.number AS INTEGER)",
        SortField::Subject => "t.subject COLLATE NOCASE",
        SortField::Requester => "(SELECT u.name FROM users u WHERE u.id = t.requester_id) COLLATE NOCASE",
        SortField::Department => "(SELECT d.name FROM departments d WHERE d.id = t.department_id) COLLATE NOCASE",
        SortField::Assignee => "COALESCE((SELECT u.name FROM users u WHERE u.id = t.assignee_id), '') COLLATE NOCASE",
        SortField::Status => {
            "CASE t.status_category WHEN 'new' THEN 0 WHEN 'open' THEN 1 WHEN 'pending' THEN 2 \
             WHEN 'hold' THEN 3 WHEN 'solved' THEN 4 ELSE 5 END"
        }
        SortField::Wait => "COALESCE(t.awaiting_agent_since, 9223372036854775807)",
        SortField::Queue => "t.priority",
    }
}

/// A page of tickets.
pub fn list_tickets(conn: &Connection, q: &TicketQuery) -> StoreResult<Vec<Ticket>> {
    let (mut w, mut v) = where_clause(q);
    let col = sort_column(q.sort.field);
    let dir = if q.sort.descending { "DESC" } else { "ASC" };
    if let Some(c) = q.after.filter(|_| q.sort.field.keyset()) {
        let cmp = if q.sort.descending { "<" } else { ">" };
        w.push_str(&format!(" AND ({col}, t.id) {cmp} (?, ?)"));
        v.push(Value::Integer(c.value));
        v.push(Value::Integer(c.id.0));
    }
    let boost = if q.sort.boosted_first || q.sort.field == SortField::Queue { "t.queue_boost DESC, " } else { "" };
    let order = if q.sort.field == SortField::Queue {
        "t.priority DESC, COALESCE(t.awaiting_agent_since, 9223372036854775807) ASC, t.id ASC".to_string()
    } else {
        format!("{col} {dir}, t.id {dir}")
    };
    let sql = format!(
        "SELECT {} FROM tickets t WHERE {w} ORDER BY {boost}{order} LIMIT {} OFFSET {}",
        *TICKET_SELECT,
        q.limit.clamp(1, 1000),
        q.offset
    );
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let rows = stmt.query_map(params_from_iter(v), ticket_from_row).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// The exact count of a query (paging ignored).
pub fn count_tickets(conn: &Connection, q: &TicketQuery) -> StoreResult<u64> {
    let (w, v) = where_clause(q);
    let sql = format!("SELECT COUNT(*) FROM tickets t WHERE {w}");
    let n: i64 = conn.prepare_cached(&sql).db()?.query_row(params_from_iter(v), |r| r.get(0)).db()?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn attach_ids(conn: &Connection, ticket: TicketId, messages: &mut [Message]) -> StoreResult<()> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, message_id FROM attachments WHERE ticket_id = ?1 AND message_id IS NOT NULL ORDER BY id",
        )
        .db()?;
    let mut by_message: HashMap<i64, Vec<AttachmentId>> = HashMap::new();
    let rows = stmt.query_map([ticket.0], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))).db()?;
    for row in rows {
        let (a, m) = row.db()?;
        by_message.entry(m).or_default().push(AttachmentId(a));
    }
    for m in messages {
        if m.deleted_at.is_none() {
            m.attachment_ids = by_message.remove(&m.id.0).unwrap_or_default();
        }
    }
    Ok(())
}

/// A ticket's messages, oldest first.
pub fn messages(conn: &Connection, ticket: TicketId, include_notes: bool) -> StoreResult<Vec<Message>> {
    let sql = if include_notes {
        format!("SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = ?1 ORDER BY id")
    } else {
        format!("SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = ?1 AND kind = 'reply' ORDER BY id")
    };
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let mut out = stmt.query_map([ticket.0], message_from_row).db()?.collect::<Result<Vec<_>, _>>().db()?;
    attach_ids(conn, ticket, &mut out)?;
    Ok(out)
}

/// The searchable messages of several tickets (for snippets).
pub fn snippet_messages(conn: &Connection, tickets: &[TicketId], include_notes: bool) -> StoreResult<Vec<Message>> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let kind = if include_notes { "" } else { " AND kind = 'reply'" };
    let sql = format!(
        "SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id IN ({}) AND deleted_at IS NULL AND encrypted = 0{kind} \
         ORDER BY ticket_id, id",
        vec!["?"; tickets.len()].join(", ")
    );
    let mut stmt = conn.prepare(&sql).db()?;
    let rows = stmt.query_map(params_from_iter(tickets.iter().map(|t| t.0)), message_from_row).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// One message with its attachment ids.
pub fn message(conn: &Connection, id: MessageId) -> StoreResult<Option<Message>> {
    let sql = format!("SELECT {MESSAGE_SELECT} FROM messages WHERE id = ?1");
    let Some(mut m) = conn.prepare_cached(&sql).db()?.query_row([id.0], message_from_row).optional().db()? else {
        return Ok(None);
    };
    if m.deleted_at.is_none() {
        let mut stmt = conn.prepare_cached("SELECT id FROM attachments WHERE message_id = ?1 ORDER BY id").db()?;
        m.attachment_ids =
            stmt.query_map([id.0], |r| Ok(AttachmentId(r.get(0)?))).db()?.collect::<Result<Vec<_>, _>>().db()?;
    }
    Ok(Some(m))
}

/// A message's edit history.
pub fn message_edits(conn: &Connection, id: MessageId) -> StoreResult<Vec<MessageEdit>> {
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
}

/// A ticket's events.
pub fn ticket_events(conn: &Connection, ticket: TicketId) -> StoreResult<Vec<Event>> {
    let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE ticket_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql).db()?;
    stmt.query_map([ticket.0], event_from_row).db()?.collect::<Result<Vec<_>, _>>().db()
}

/// Events after an id.
pub fn events_after(conn: &Connection, after: EventId, limit: u32) -> StoreResult<Vec<Event>> {
    let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE id > ?1 ORDER BY id LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql).db()?;
    stmt.query_map(params![after.0, limit.clamp(1, 10_000)], event_from_row).db()?.collect::<Result<Vec<_>, _>>().db()
}

/// One event.
pub fn event(conn: &Connection, id: EventId) -> StoreResult<Option<Event>> {
    let sql = format!("SELECT {EVENT_SELECT} FROM events WHERE id = ?1");
    conn.prepare_cached(&sql).db()?.query_row([id.0], event_from_row).optional().db()
}

/// The newest event id.
pub fn latest_event_id(conn: &Connection) -> StoreResult<EventId> {
    let id: Option<i64> = conn.query_row("SELECT MAX(id) FROM events", [], |r| r.get(0)).db()?;
    Ok(EventId(id.unwrap_or(0)))
}

/// Workloads of a department's active agents.
pub fn agent_loads(conn: &Connection, dept: DepartmentId) -> StoreResult<Vec<AgentLoad>> {
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
}

/// Records a read and clears the side's unread mark.
pub fn mark_read(conn: &Connection, ticket: TicketId, user: UserId, staff: bool, at: Timestamp) -> StoreResult<()> {
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
}

/// When a user last read a ticket.
pub fn last_read(conn: &Connection, ticket: TicketId, user: UserId) -> StoreResult<Option<Timestamp>> {
    conn.prepare_cached("SELECT read_at FROM ticket_reads WHERE ticket_id = ?1 AND user_id = ?2")
        .db()?
        .query_row(params![ticket.0, user.0], |r| r.get::<_, i64>(0))
        .optional()
        .db()
        .map(|o| o.map(tessera_core::time::from_millis))
}
