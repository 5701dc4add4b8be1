//! The search index (`search_index`, migration 0005): building a ticket's
//! document, keeping it current inside the transaction that changes the
//! ticket, and rebuilding it in batches.
//!
//! A document holds word tokens of folded text
//! ([`tessera_core::search::index_tokens`] of [`fold`]), joined by spaces,
//! so the FTS5 `ascii` tokenizer finds exactly those tokens: it splits only
//! on the ASCII spaces and punctuation [`index_tokens`] has already removed,
//! so it keeps the tokens exactly, and SQLite's own folding, which gets
//! `İ`/`ı` wrong, never runs. A query's word or phrase is looked up as the
//! phrase of its tokens, the last one a prefix where
//! [`tessera_core::search::word_match`] says so (`crate::search_query`).
//!
//! A message adds only its new part ([`new_part`], up to its
//! `quote_start`): the quoted history of an e-mail reply is the ticket's
//! earlier messages, already in the document, and tokenising it again on
//! every reply was most of the cost of taking in mail (issue 16).

use crate::rows::SqlResultExt;
use rusqlite::{Connection, OptionalExtension, params};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use tessera_core::ids::TicketId;
use tessera_core::message::new_part;
use tessera_core::search::{fold, index_tokens};
use tessera_store::{StoreResult, TicketChange};

/// Longer tokens (hashes, encoded blobs) are cut to this many characters in
/// the index and in queries alike.
pub const MAX_TOKEN_CHARS: usize = 64;

/// Separates two messages in a column: a token no query produces (the `§`
/// sign is punctuation to [`index_tokens`]), so a phrase never spans two
/// messages.
const BARRIER: &str = "§";

/// A token of the `scope` column: `§` (which [`index_tokens`] never puts
/// in a token, so no text and no query can produce one), a letter for what
/// it names (`d`epartment, `a`ssignee, `f`lagged agent, `r`equester,
/// `o`rganization) and the id.
pub fn scope_token(kind: char, id: i64) -> String {
    format!("§{kind}{id}")
}

/// The settings key that says tickets were written without being indexed.
pub const STALE_KEY: &str = "search_index_stale";

/// Appends one token, cut to [`MAX_TOKEN_CHARS`].
fn push_token(out: &mut String, token: &str) {
    if !out.is_empty() {
        out.push(' ');
    }
    match token.char_indices().nth(MAX_TOKEN_CHARS) {
        Some((cut, _)) => out.push_str(&token[..cut]),
        None => out.push_str(token),
    }
}

/// Appends the index tokens of `text` (as written; it is folded here).
pub fn push_words(out: &mut String, text: &str) {
    let folded = fold(text);
    for token in index_tokens(&folded) {
        push_token(out, token);
    }
}

/// A ticket's document, column by column.
#[derive(Debug, Default)]
struct Doc {
    subject: String,
    people: String,
    replies: String,
    notes: String,
    scope: String,
}

/// What the index needs of a ticket row.
struct TicketText {
    subject: String,
    department_id: i64,
    assignee_id: Option<i64>,
    flagged_id: Option<i64>,
    requester_id: i64,
    organization_id: Option<i64>,
    requester_name: Option<String>,
    requester_email: Option<String>,
}

impl Doc {
    fn new(t: &TicketText) -> Self {
        let mut d = Doc::default();
        push_words(&mut d.subject, &t.subject);
        if let Some(n) = &t.requester_name {
            push_words(&mut d.people, n);
        }
        if let Some(e) = &t.requester_email {
            push_words(&mut d.people, e);
        }
        let mut scope = vec![scope_token('d', t.department_id), scope_token('r', t.requester_id)];
        scope.extend(t.assignee_id.map(|a| scope_token('a', a)));
        scope.extend(t.flagged_id.map(|f| scope_token('f', f)));
        scope.extend(t.organization_id.map(|o| scope_token('o', o)));
        d.scope = scope.join(" ");
        d
    }

    /// The distinct text tokens of the document (not the scope's).
    fn terms(&self) -> impl Iterator<Item = &str> {
        [&self.subject, &self.people, &self.replies, &self.notes]
            .into_iter()
            .flat_map(|c| c.split(' '))
            .filter(|t| !t.is_empty() && *t != BARRIER)
    }

    /// Adds a message's body (replies and notes in their own columns).
    fn add_message(&mut self, note: bool, body: &str) {
        let col = if note { &mut self.notes } else { &mut self.replies };
        if !col.is_empty() {
            push_token(col, BARRIER);
        }
        push_words(col, body);
    }
}

const TEXT_SELECT: &str = "SELECT t.id, t.subject, t.department_id, t.assignee_id, t.flagged_id, t.requester_id, \
     t.organization_id, u.name, u.email FROM tickets t LEFT JOIN users u ON u.id = t.requester_id";

fn text_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, TicketText)> {
    Ok((
        r.get(0)?,
        TicketText {
            subject: r.get(1)?,
            department_id: r.get(2)?,
            assignee_id: r.get(3)?,
            flagged_id: r.get(4)?,
            requester_id: r.get(5)?,
            organization_id: r.get(6)?,
            requester_name: r.get(7)?,
            requester_email: r.get(8)?,
        },
    ))
}

fn insert_doc(conn: &Connection, id: i64, d: &Doc) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO search_index (rowid, subject, people, replies, notes, scope) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .db()?
    .execute(params![id, d.subject, d.people, d.replies, d.notes, d.scope])
    .db()?;
    Ok(())
}

/// Records tokens in `search_terms`.
fn insert_terms<'a>(conn: &Connection, terms: impl IntoIterator<Item = &'a str>) -> StoreResult<()> {
    let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO search_terms (term) VALUES (?1)").db()?;
    for t in terms {
        stmt.execute([t]).db()?;
    }
    Ok(())
}

fn delete_doc(conn: &Connection, id: i64) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM search_index WHERE rowid = ?1").db()?.execute([id]).db()?;
    Ok(())
}

thread_local! {
    /// The tickets whose documents the write batch under way on this thread
    /// rewrites at its end (`None` when no batch is under way).
    static DEFERRED: RefCell<Option<BTreeSet<i64>>> = const { RefCell::new(None) };
}

/// Rewrites a ticket's document: at the end of the write batch under way
/// (see [`begin_batch`]), or now when none is.
///
/// Why at the end: the writer runs each write in a savepoint, and FTS5
/// writes its pending terms out as a new index segment whenever a savepoint
/// is released, so indexing inside each write made a segment per ticket,
/// and merging them cost the writer more than the indexing itself. Once per
/// batch, after every write, the documents go out as one segment, and a
/// ticket changed by several writes of the batch is indexed once.
/// Rewriting a document from the ticket's rows is idempotent, so a write that
/// failed and rolled back leaves a rewrite that changes nothing.
pub fn reindex(conn: &Connection, id: TicketId) -> StoreResult<()> {
    let deferred = DEFERRED.with(|d| match d.borrow_mut().as_mut() {
        Some(ids) => {
            ids.insert(id.0);
            true
        }
        None => false,
    });
    if deferred { Ok(()) } else { index_ticket(conn, id) }
}

/// Starts collecting the tickets to reindex at the end of a write batch.
pub(crate) fn begin_batch() {
    DEFERRED.with(|d| *d.borrow_mut() = Some(BTreeSet::new()));
}

/// Stops collecting and rewrites the documents of every ticket the batch
/// touched, inside the batch's transaction.
pub(crate) fn finish_batch(conn: &Connection) -> StoreResult<()> {
    let ids = DEFERRED.with(|d| d.borrow_mut().take()).unwrap_or_default();
    for id in ids {
        index_ticket(conn, TicketId(id))?;
    }
    Ok(())
}

/// Stops collecting without rewriting anything (the batch could not make
/// room for the rewrite; the index is marked stale instead).
pub(crate) fn finish_batch_skipped() {
    DEFERRED.with(|d| *d.borrow_mut() = None);
}

/// Marks the index stale, so the next start rebuilds it: what the writer
/// does when rewriting a batch's documents failed (the writes stand).
pub(crate) fn mark_stale(conn: &Connection) -> StoreResult<()> {
    conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?1, '1')", [STALE_KEY]).db()?;
    Ok(())
}

/// Rewrites a ticket's document from its rows; a deleted or missing ticket
/// gets none. Runs inside the caller's transaction.
pub fn index_ticket(conn: &Connection, id: TicketId) -> StoreResult<()> {
    delete_doc(conn, id.0)?;
    let sql = format!("{TEXT_SELECT} WHERE t.id = ?1 AND t.deleted_at IS NULL");
    let Some((_, t)) = conn.prepare_cached(&sql).db()?.query_row([id.0], text_from_row).optional().db()? else {
        return Ok(());
    };
    let mut doc = Doc::new(&t);
    let mut stmt = conn
        .prepare_cached(
            "SELECT kind, body, quote_start FROM messages WHERE ticket_id = ?1 AND deleted_at IS NULL AND encrypted = 0 \
             ORDER BY id",
        )
        .db()?;
    let mut rows = stmt.query([id.0]).db()?;
    while let Some(r) = rows.next().db()? {
        let kind: String = r.get(0).db()?;
        let body: String = r.get(1).db()?;
        let quote: Option<u32> = r.get(2).db()?;
        doc.add_message(kind == "note", new_part(&body, quote));
    }
    let terms: HashSet<&str> = doc.terms().collect();
    insert_terms(conn, terms)?;
    insert_doc(conn, id.0, &doc)
}

/// The fields of a ticket its document depends on, before a change.
#[derive(Debug, PartialEq, Eq)]
pub struct Indexed {
    subject: String,
    department_id: i64,
    assignee_id: Option<i64>,
    flagged_id: Option<i64>,
    requester_id: i64,
    organization_id: Option<i64>,
    deleted: bool,
}

/// The indexed fields of a stored ticket (`None` when it does not exist).
pub fn indexed_fields(conn: &Connection, id: TicketId) -> StoreResult<Option<Indexed>> {
    conn.prepare_cached(
        "SELECT subject, department_id, assignee_id, flagged_id, requester_id, organization_id, deleted_at IS NOT NULL \
         FROM tickets WHERE id = ?1",
    )
    .db()?
    .query_row([id.0], |r| {
        Ok(Indexed {
            subject: r.get(0)?,
            department_id: r.get(1)?,
            assignee_id: r.get(2)?,
            flagged_id: r.get(3)?,
            requester_id: r.get(4)?,
            organization_id: r.get(5)?,
            deleted: r.get(6)?,
        })
    })
    .optional()
    .db()
}

/// Whether a change alters the document of its ticket, given the indexed
/// fields before it.
pub fn change_needs_reindex(before: Option<&Indexed>, u: &TicketChange) -> bool {
    let t = &u.ticket;
    let after = Indexed {
        subject: t.subject.clone(),
        department_id: t.department_id.0,
        assignee_id: t.assignee_id.map(|a| a.0),
        flagged_id: t.flagged_id.map(|a| a.0),
        requester_id: t.requester_id.0,
        organization_id: t.organization_id.map(|o| o.0),
        deleted: t.deleted_at.is_some(),
    };
    before != Some(&after)
        || !u.new_messages.is_empty()
        || !u.message_updates.is_empty()
        || !u.message_deletes.is_empty()
        || u.move_messages_to.is_some()
}

/// Rewrites the documents of a requester's tickets (after a change of their
/// name or e-mail).
pub fn index_requester_tickets(conn: &Connection, requester: i64) -> StoreResult<()> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM tickets WHERE requester_id = ?1 AND deleted_at IS NULL")
        .db()?
        .query_map([requester], |r| r.get(0))
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    for id in ids {
        reindex(conn, TicketId(id))?;
    }
    Ok(())
}

/// Empties the index (the first step of a rebuild).
pub fn clear(conn: &Connection) -> StoreResult<()> {
    conn.execute("INSERT INTO search_index (search_index) VALUES ('delete-all')", []).db()?;
    conn.execute("DELETE FROM search_terms", []).db()?;
    Ok(())
}

/// What one batch of a rebuild did.
#[derive(Debug, Clone, Copy, Default)]
pub struct Batch {
    /// Tickets indexed.
    pub tickets: u64,
    /// Messages read.
    pub messages: u64,
    /// The highest ticket id seen (`None`: no tickets were left).
    pub last_id: Option<i64>,
}

/// Indexes up to `limit` tickets with ids above `after`, in id order,
/// replacing what the index holds for them.
pub fn rebuild_batch(conn: &Connection, after: i64, limit: u32) -> StoreResult<Batch> {
    let sql = format!("{TEXT_SELECT} WHERE t.id > ?1 AND t.deleted_at IS NULL ORDER BY t.id LIMIT ?2");
    let tickets: Vec<(i64, TicketText)> = conn
        .prepare_cached(&sql)
        .db()?
        .query_map(params![after, limit], text_from_row)
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    let Some(last) = tickets.last().map(|(id, _)| *id) else {
        return Ok(Batch::default());
    };
    let mut out = Batch { tickets: tickets.len() as u64, messages: 0, last_id: Some(last) };
    let mut stmt = conn
        .prepare_cached(
            "SELECT ticket_id, kind, body, quote_start FROM messages WHERE ticket_id > ?1 AND ticket_id <= ?2 \
             AND deleted_at IS NULL AND encrypted = 0 ORDER BY ticket_id, id",
        )
        .db()?;
    let messages: Vec<(i64, bool, String, Option<u32>)> = stmt
        .query_map(params![after, last], |r| Ok((r.get(0)?, r.get::<_, String>(1)? == "note", r.get(2)?, r.get(3)?)))
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    out.messages = messages.len() as u64;
    let mut messages = messages.into_iter().peekable();
    let mut terms: HashSet<String> = HashSet::new();
    for (id, t) in &tickets {
        let mut doc = Doc::new(t);
        while let Some((tid, note, body, quote)) = messages.next_if(|m| m.0 <= *id) {
            if tid == *id {
                doc.add_message(note, new_part(&body, quote));
            }
        }
        for t in doc.terms() {
            if !terms.contains(t) {
                terms.insert(t.to_string());
            }
        }
        delete_doc(conn, *id)?;
        insert_doc(conn, *id, &doc)?;
    }
    insert_terms(conn, terms.iter().map(String::as_str))?;
    Ok(out)
}

/// Merges the index's segments into one, so lookups read one list per
/// token (the last step of a rebuild).
pub fn optimize(conn: &Connection) -> StoreResult<()> {
    conn.execute("INSERT INTO search_index (search_index) VALUES ('optimize')", []).db()?;
    Ok(())
}

/// The number of tickets a rebuild will index.
pub fn ticket_count(conn: &Connection) -> StoreResult<u64> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM tickets WHERE deleted_at IS NULL", [], |r| r.get(0)).db()?;
    Ok(u64::try_from(n).unwrap_or(0))
}
