//! Full-text search on PostgreSQL (migration 0002): a `tsvector` per ticket
//! in `search_index` with a GIN index, kept current inside the transaction
//! that changes the ticket, and searches as SQL over the tickets table.
//!
//! # The document
//!
//! The tokens are the SQLite store's: [`tessera_core::search::fold`] then
//! [`index_tokens`] (Turkish `İ`/`ı`, `ё`, full-width forms, CJK bigrams),
//! cut to [`MAX_TOKEN_CHARS`]. They are written as a tsvector literal
//! (`'tok':1A 'tok2':2A`) and cast, so PostgreSQL's own parser, stemmer and
//! locale never decide anything. Positions run through the subject (weight
//! A), the requester's name and e-mail (B), public replies (C) and internal
//! notes (D), with an unused position between two columns and between two
//! messages, so that a phrase (`<->`) never spans them.
//!
//! # Queries
//!
//! A word or phrase becomes a tsquery of its tokens joined by `<->`, the
//! last one a prefix (`:*`) where [`word_match`] says so (words of three
//! characters or more, a lone CJK character). For a searcher who may not
//! read notes every lexeme carries the `:ABC` restriction, so notes never
//! match, and the ranking reads `ts_filter(doc, '{a,b,c}')`, so notes do
//! not move the order either.
//!
//! The expression is a `WHERE` over `tickets t` holding the permission
//! scope (the ticket's department, assignee, flagged agent, requester,
//! organization) and the field terms; the text terms of one "and" (with
//! the "not"s a tsquery can hold) make one lookup
//! `t.id IN (SELECT ticket_id FROM search_index WHERE doc @@ …)`.
//!
//! Relevance is `ts_rank` with the SQLite store's column weights (subject
//! 4, people 2, replies and notes 1, scaled to PostgreSQL's 0–1 range) for
//! searches matching at most [`RANK_LIMIT`] tickets; broader ones list
//! their matches newest first without a score, as the SQLite store does.
//!
//! A message adds only its new part ([`new_part`], up to its
//! `quote_start`): the quoted history of an e-mail reply is the ticket's
//! earlier messages, already in the document (issue 16).

use crate::PgStore;
use crate::db::{Db, Tx, execute, query, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use std::collections::BTreeMap;
use tessera_core::ids::*;
use tessera_core::message::new_part;
use tessera_core::permission::TicketScope;
use tessera_core::search::{TextMatch, fold, index_tokens, word_match};
use tessera_core::{Message, User};
use tessera_store::sql::search::{hits, hits_sql, wanted_terms};
use tessera_store::sql::{Fragment, POSTGRES, SearchSql, TextIndex, Value};
use tessera_store::*;

/// Longer tokens (hashes, encoded blobs) are cut to this many characters in
/// the index and in queries alike (as in the SQLite store).
pub const MAX_TOKEN_CHARS: usize = 64;

/// A search matching at most this many tickets is ranked by relevance; one
/// matching more lists them newest first (as in the SQLite store).
pub const RANK_LIMIT: u64 = 2000;

/// Tickets indexed per transaction of a rebuild (as in the SQLite store).
pub const REINDEX_BATCH: u32 = 2000;

/// The settings key that says tickets were written without being indexed.
pub const STALE_KEY: &str = "search_index_stale";

/// `ts_rank` weights, in PostgreSQL's order {D, C, B, A}: notes 1, replies
/// 1, people 2, subject 4, scaled by a quarter.
const RANK_WEIGHTS: &str = "'{0.25, 0.25, 0.5, 1.0}'::float4[]";

/// The highest position a tsvector holds (PostgreSQL sets larger ones to
/// it).
const MAX_POSITION: u32 = 16_383;

/// The most positions a tsvector keeps per lexeme (PostgreSQL drops the
/// rest; the earlier columns come first, so the subject's are kept).
const MAX_POSITIONS_PER_LEXEME: usize = 256;

/// The most bytes one document's packed lexemes and positions take:
/// PostgreSQL refuses a tsvector past 1 MiB - 1 of them ("string is too
/// long for tsvector"), so a huge ticket (a pasted log of hashes) keeps its
/// first tokens and the rest are not indexed, rather than failing its write.
const MAX_DOC_BYTES: usize = 1_000_000;

/// What a new lexeme with one position adds to a tsvector's packed data:
/// the lexeme padded to an even length, the position count and a position.
fn lexeme_cost(token: &str) -> usize {
    token.len() + (token.len() & 1) + 4
}

/// What one more position of a lexeme adds.
const POSITION_COST: usize = 2;

// ---- the document -------------------------------------------------------------------

/// A column's weight label in the tsvector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weight {
    /// The subject.
    Subject,
    /// The requester's name and e-mail.
    People,
    /// Public replies.
    Replies,
    /// Internal notes.
    Notes,
}

impl Weight {
    fn label(self) -> char {
        match self {
            Weight::Subject => 'A',
            Weight::People => 'B',
            Weight::Replies => 'C',
            Weight::Notes => 'D',
        }
    }
}

/// A ticket's document as it is built: each lexeme's positions.
#[derive(Debug)]
struct Doc {
    lexemes: BTreeMap<String, Vec<(u32, Weight)>>,
    /// The next position.
    next: u32,
    /// Packed bytes of the lexemes and positions so far (see
    /// [`MAX_DOC_BYTES`]).
    bytes: usize,
    /// The column being written, and whether it holds a token yet.
    column: Option<Weight>,
    column_used: bool,
}

impl Doc {
    fn new() -> Self {
        Doc { lexemes: BTreeMap::new(), next: 1, bytes: 0, column: None, column_used: false }
    }

    /// Starts a column: one unused position after the previous one's
    /// tokens, so a phrase never spans two columns.
    fn column(&mut self, w: Weight) {
        if self.column_used {
            self.next += 1;
        }
        self.column = Some(w);
        self.column_used = false;
    }

    /// Leaves one position unused (between two messages).
    fn barrier(&mut self) {
        if self.column_used {
            self.next += 1;
        }
    }

    /// Appends the tokens of `text` (as written; it is folded here) to the
    /// current column.
    fn push_text(&mut self, text: &str) {
        let w = self.column.unwrap_or(Weight::Subject);
        let folded = fold(text);
        for token in index_tokens(&folded) {
            self.push_token(cut(token), w);
        }
    }

    fn push_token(&mut self, token: &str, w: Weight) {
        let pos = self.next.min(MAX_POSITION);
        self.next = self.next.saturating_add(1);
        self.column_used = true;
        match self.lexemes.get_mut(token) {
            Some(positions)
                if positions.len() < MAX_POSITIONS_PER_LEXEME
                    && positions.last().is_none_or(|l| l.0 != pos)
                    && self.bytes + POSITION_COST <= MAX_DOC_BYTES =>
            {
                self.bytes += POSITION_COST;
                positions.push((pos, w));
            }
            Some(_) => {}
            None if self.bytes + lexeme_cost(token) <= MAX_DOC_BYTES => {
                self.bytes += lexeme_cost(token);
                self.lexemes.insert(token.to_string(), vec![(pos, w)]);
            }
            None => {}
        }
    }

    /// The tsvector literal (`'a':1A,5C 'b':2A`).
    fn literal(&self) -> String {
        let mut out = String::with_capacity(self.bytes + self.lexemes.len() * 8);
        for (lexeme, positions) in &self.lexemes {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&quote(lexeme));
            out.push(':');
            for (i, (pos, w)) in positions.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&pos.to_string());
                out.push(w.label());
            }
        }
        out
    }
}

/// A token cut to [`MAX_TOKEN_CHARS`] characters.
fn cut(token: &str) -> &str {
    match token.char_indices().nth(MAX_TOKEN_CHARS) {
        Some((at, _)) => &token[..at],
        None => token,
    }
}

/// A lexeme quoted for a tsvector or tsquery literal (`'` doubled, `\`
/// escaped). Tokens hold letters, digits and marks only, but a literal must
/// never be able to break out of its quotes.
fn quote(lexeme: &str) -> String {
    let mut out = String::with_capacity(lexeme.len() + 2);
    out.push('\'');
    for c in lexeme.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// What the document needs of a ticket.
struct TicketText {
    subject: String,
    requester_name: String,
    requester_email: String,
}

/// A ticket's document from its text and its messages (`(note, body)`, in
/// id order).
fn document<'a>(t: &TicketText, messages: impl IntoIterator<Item = (bool, &'a str)>) -> Doc {
    let mut d = Doc::new();
    d.column(Weight::Subject);
    d.push_text(&t.subject);
    d.column(Weight::People);
    d.push_text(&t.requester_name);
    d.push_text(&t.requester_email);
    let messages: Vec<(bool, &str)> = messages.into_iter().collect();
    for (w, notes) in [(Weight::Replies, false), (Weight::Notes, true)] {
        d.column(w);
        for (_, body) in messages.iter().filter(|m| m.0 == notes) {
            d.barrier();
            d.push_text(body);
        }
    }
    d
}

/// The text of a ticket that is not deleted, its requester's row locked
/// `FOR SHARE`: a concurrent rename of the requester (which rewrites the
/// documents of their tickets) then either waits for this transaction or
/// has committed before this reads the name, so no document keeps an old
/// name.
const TEXT_SELECT: &str =
    "SELECT t.id, t.subject, u.name, u.email FROM tickets t JOIN users u ON u.id = t.requester_id";

fn text_from_row(r: &tokio_postgres::Row) -> StoreResult<(i64, TicketText)> {
    Ok((
        PgRow(r).int(0)?,
        TicketText {
            subject: PgRow(r).text(1)?,
            requester_name: PgRow(r).text(2)?,
            requester_email: PgRow(r).text(3)?,
        },
    ))
}

const UPSERT: &str = "INSERT INTO search_index (ticket_id, doc) VALUES ($1, $2::text::tsvector) \
     ON CONFLICT (ticket_id) DO UPDATE SET doc = excluded.doc";

/// Rewrites a ticket's document from its rows; a deleted or missing ticket
/// gets none. Runs inside the caller's transaction.
pub async fn index_ticket(tx: &Tx<'_>, id: TicketId) -> StoreResult<()> {
    let sql = format!("{TEXT_SELECT} WHERE t.id = $1 AND t.deleted_at IS NULL FOR SHARE OF u");
    let Some(row) = query_opt(tx, &sql, &[&id.0]).await? else {
        execute(tx, "DELETE FROM search_index WHERE ticket_id = $1", &[&id.0]).await?;
        return Ok(());
    };
    let (_, text) = text_from_row(&row)?;
    let rows = query(
        tx,
        "SELECT kind, body, quote_start FROM messages WHERE ticket_id = $1 AND deleted_at IS NULL AND encrypted = 0 \
         ORDER BY id",
        &[&id.0],
    )
    .await?;
    let mut messages = Vec::with_capacity(rows.len());
    for r in &rows {
        messages.push((PgRow(r).text(0)? == "note", PgRow(r).text(1)?, PgRow(r).int_opt::<u32>(2)?));
    }
    let doc = document(&text, messages.iter().map(|(n, b, q)| (*n, new_part(b, *q))));
    execute(tx, UPSERT, &[&id.0, &doc.literal()]).await?;
    Ok(())
}

/// The fields of a ticket its document depends on, before a change. (The
/// permission scope is not in the document: searches read it from the
/// tickets table.)
#[derive(Debug, PartialEq, Eq)]
pub struct Indexed {
    subject: String,
    requester_id: i64,
    deleted: bool,
}

/// The indexed fields of a stored ticket (`None` when it does not exist).
pub async fn indexed_fields(tx: &Tx<'_>, id: TicketId) -> StoreResult<Option<Indexed>> {
    let row =
        query_opt(tx, "SELECT subject, requester_id, deleted_at IS NOT NULL FROM tickets WHERE id = $1", &[&id.0])
            .await?;
    row.map(|r| -> StoreResult<Indexed> {
        Ok(Indexed { subject: PgRow(&r).text(0)?, requester_id: PgRow(&r).int(1)?, deleted: r.try_get(2).db()? })
    })
    .transpose()
}

/// Whether a change alters the document of its ticket, given the indexed
/// fields before it.
pub fn change_needs_reindex(before: Option<&Indexed>, u: &TicketChange) -> bool {
    let t = &u.ticket;
    let after = Indexed { subject: t.subject.clone(), requester_id: t.requester_id.0, deleted: t.deleted_at.is_some() };
    before != Some(&after)
        || !u.new_messages.is_empty()
        || !u.message_updates.is_empty()
        || !u.message_deletes.is_empty()
        || u.move_messages_to.is_some()
}

/// Rewrites the documents of a requester's tickets (after a change of their
/// name or e-mail, inside the transaction that made it).
pub async fn index_requester_tickets(tx: &Tx<'_>, requester: UserId) -> StoreResult<()> {
    let rows =
        query(tx, "SELECT id FROM tickets WHERE requester_id = $1 AND deleted_at IS NULL ORDER BY id", &[&requester.0])
            .await?;
    for r in &rows {
        index_ticket(tx, TicketId(PgRow(r).int(0)?)).await?;
    }
    Ok(())
}

// ---- rebuilding -------------------------------------------------------------------------

/// What one batch of a rebuild did.
#[derive(Debug, Clone, Copy, Default)]
struct Batch {
    tickets: u64,
    messages: u64,
    /// The highest ticket id seen (`None`: no tickets were left).
    last_id: Option<i64>,
}

/// Indexes up to `limit` tickets with ids above `after`, in id order, and
/// drops the documents of deleted tickets among them. The tickets and their
/// requesters are locked `FOR SHARE` first, so a change committing
/// meanwhile either waits for this batch or is read by it: a batch never
/// writes back an older document over a newer one.
async fn rebuild_batch(tx: &Tx<'_>, after: i64, limit: u32) -> StoreResult<Batch> {
    let sql = format!("{TEXT_SELECT} WHERE t.id > $1 AND t.deleted_at IS NULL ORDER BY t.id LIMIT $2 FOR SHARE");
    let rows = query(tx, &sql, &[&after, &i64::from(limit)]).await?;
    let tickets: Vec<(i64, TicketText)> = rows.iter().map(text_from_row).collect::<StoreResult<_>>()?;
    let Some(last) = tickets.last().map(|(id, _)| *id) else {
        return Ok(Batch::default());
    };
    let rows = query(
        tx,
        "SELECT ticket_id, kind, body, quote_start FROM messages WHERE ticket_id > $1 AND ticket_id <= $2 \
         AND deleted_at IS NULL AND encrypted = 0 ORDER BY ticket_id, id",
        &[&after, &last],
    )
    .await?;
    let mut messages = Vec::with_capacity(rows.len());
    for r in &rows {
        messages.push((
            PgRow(r).int::<i64>(0)?,
            PgRow(r).text(1)? == "note",
            PgRow(r).text(2)?,
            PgRow(r).int_opt::<u32>(3)?,
        ));
    }
    let mut ids = Vec::with_capacity(tickets.len());
    let mut docs = Vec::with_capacity(tickets.len());
    let mut next = messages.iter().peekable();
    for (id, t) in &tickets {
        let mut mine = Vec::new();
        while let Some((tid, note, body, quote)) = next.next_if(|m| m.0 <= *id) {
            if tid == id {
                mine.push((*note, new_part(body, *quote)));
            }
        }
        ids.push(*id);
        docs.push(document(t, mine).literal());
    }
    execute(
        tx,
        "DELETE FROM search_index WHERE ticket_id > $1 AND ticket_id <= $2 AND NOT (ticket_id = ANY($3))",
        &[&after, &last, &ids],
    )
    .await?;
    execute(
        tx,
        "INSERT INTO search_index (ticket_id, doc) SELECT * FROM unnest($1::bigint[], $2::text[]::tsvector[]) \
         ON CONFLICT (ticket_id) DO UPDATE SET doc = excluded.doc",
        &[&ids, &docs],
    )
    .await?;
    Ok(Batch { tickets: tickets.len() as u64, messages: messages.len() as u64, last_id: Some(last) })
}

// ---- queries --------------------------------------------------------------------------------

/// A word or phrase planned for the index: its tokens (each cut to
/// [`MAX_TOKEN_CHARS`]) and whether the last is a prefix.
fn plan(text: &str, phrase: bool) -> Option<(Vec<String>, bool)> {
    let TextMatch { tokens, mut prefix } = word_match(text, phrase)?;
    let last = tokens.len().saturating_sub(1);
    let mut out = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.iter().enumerate() {
        let c = cut(t);
        prefix |= i == last && c.len() < t.len();
        out.push(c.to_string());
    }
    Some((out, prefix))
}

/// The tsquery of a word or phrase as typed (its tokens joined by `<->`,
/// each with the weight restriction `restrict`), or `None` when it holds
/// nothing to search for (only punctuation).
fn ts_phrase(text: &str, phrase: bool, restrict: &str) -> Option<String> {
    let (tokens, prefix) = plan(text, phrase)?;
    let last = tokens.len().saturating_sub(1);
    let parts: Vec<String> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let star = if prefix && i == last { "*" } else { "" };
            if star.is_empty() && restrict.is_empty() { quote(t) } else { format!("{}:{star}{restrict}", quote(t)) }
        })
        .collect();
    Some(parts.join(" <-> "))
}

/// The tsvector index as one search queries it: every lexeme with the
/// weight restriction `restrict` (`ABC`: no notes).
struct Tsvector<'a> {
    restrict: &'a str,
}

impl TextIndex for Tsvector<'_> {
    const AND: &'static str = " & ";
    const OR: &'static str = " | ";

    fn phrase(&self, text: &str, phrase: bool) -> Option<String> {
        ts_phrase(text, phrase, self.restrict)
    }

    fn and_not(&self, all: String, not: &str) -> String {
        format!("{all} & !({not})")
    }

    // One GIN lookup serves every case: no per-ticket form, no scope in the
    // index.
    fn lookup(&self, sql: &mut Fragment, query: &str, _top: bool, _narrow: bool) {
        lookup(sql, query.to_string());
    }
}

/// The words and phrases a result should contain, as one tsquery for
/// ranking (`None` without any).
fn rank_query(e: &SearchExpr) -> Option<String> {
    let mut parts: Vec<String> =
        wanted_terms(e).into_iter().filter_map(|(text, phrase)| ts_phrase(text, phrase, "")).collect();
    parts.sort();
    parts.dedup();
    (!parts.is_empty()).then(|| parts.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(" | "))
}

/// The lookup of a tsquery: the tickets whose document matches it.
fn lookup(sql: &mut Fragment, tsquery: String) {
    sql.push("t.id IN (SELECT si.ticket_id FROM search_index si WHERE si.doc @@ ");
    sql.bind(tsquery);
    sql.push("::text::tsquery)");
}

/// Runs a statement assembled at run time (not cached: each search's shape
/// differs, and a connection's statement cache has no bound).
async fn rows(c: &impl Db, sql: &str, values: &[Value]) -> StoreResult<Vec<tokio_postgres::Row>> {
    crate::db::query_dynamic(c, &POSTGRES.finish(sql), &bound(&binds(values))).await
}

/// Adds the permission scope's condition (see [`TicketSql::scope`]).
///
/// [`TicketSql::scope`]: tessera_store::sql::TicketSql::scope
fn scope(sql: &mut Fragment, scope: &TicketScope) {
    if let Some(s) = TICKETS.scope(scope, false) {
        sql.push(" AND ").append(&s);
    }
}

/// Runs a search: the exact count, then the page.
async fn search(c: &impl Db, q: &SearchQuery) -> StoreResult<SearchPage> {
    let limit = i64::from(q.limit.clamp(1, MAX_SEARCH_LIMIT));
    let offset = i64::from(q.offset.min(MAX_SEARCH_OFFSET));
    let restrict = if q.include_notes { "" } else { "ABC" };
    let rank = rank_query(&q.expr);

    let mut base = Fragment::default();
    base.push("t.deleted_at IS NULL");
    scope(&mut base, &q.scope);
    base.push(" AND ");
    let index = Tsvector { restrict };
    SearchSql { dialect: &POSTGRES, index: &index, include_notes: q.include_notes }.condition(&mut base, &q.expr, true);

    let counted = rows(c, &format!("SELECT COUNT(*) FROM tickets t WHERE {}", base.sql), &base.values).await?;
    let total: i64 = counted.first().map_or(Ok(0), |r| PgRow(r).int(0))?;
    let total = u64::try_from(total).unwrap_or(0);

    let mut values = base.values;
    let page = |values: &mut Vec<Value>| {
        values.push(Value::Int(limit));
        values.push(Value::Int(offset));
        "LIMIT ? OFFSET ?"
    };
    let found: Vec<(i64, Option<f64>)> = match (rank, q.order) {
        (Some(rank), SearchOrder::Relevance) if total <= RANK_LIMIT => {
            // The rank query's parameter comes first in the SQL text.
            let doc = if q.include_notes { "si.doc" } else { "ts_filter(si.doc, '{a,b,c}')" };
            let mut v = vec![Value::Text(rank)];
            v.append(&mut values);
            let tail = page(&mut v);
            let sql = format!(
                "SELECT t.id, ts_rank({RANK_WEIGHTS}, {doc}, ?::text::tsquery)::float8 AS score \
                 FROM tickets t LEFT JOIN search_index si ON si.ticket_id = t.id WHERE {} \
                 ORDER BY score DESC NULLS LAST, t.id DESC {tail}",
                base.sql
            );
            rows(c, &sql, &v)
                .await?
                .iter()
                .map(|r| Ok((PgRow(r).int(0)?, r.try_get::<_, Option<f64>>(1).db()?)))
                .collect::<StoreResult<_>>()?
        }
        (rank, order) => {
            let by = match (rank, order) {
                (Some(_), SearchOrder::Relevance) => "t.id DESC",
                (_, SearchOrder::Created { descending: true }) => "t.created_at DESC, t.id DESC",
                (_, SearchOrder::Created { descending: false }) => "t.created_at ASC, t.id ASC",
                (_, SearchOrder::Updated { descending: false }) => "t.updated_at ASC, t.id ASC",
                _ => "t.updated_at DESC, t.id DESC",
            };
            let tail = page(&mut values);
            let sql = format!("SELECT t.id FROM tickets t WHERE {} ORDER BY {by} {tail}", base.sql);
            rows(c, &sql, &values).await?.iter().map(|r| Ok((PgRow(r).int(0)?, None))).collect::<StoreResult<_>>()?
        }
    };
    let hits = load(c, &q.scope, &found).await?;
    Ok(SearchPage { hits, total })
}

/// The tickets of `found`, in its order, checked against the scope again
/// (one deleted meanwhile is left out).
async fn load(c: &impl Db, scope: &TicketScope, found: &[(i64, Option<f64>)]) -> StoreResult<Vec<SearchHit>> {
    let Some(sql) = hits_sql(&TICKETS, scope, found) else { return Ok(Vec::new()) };
    Ok(hits(found, all(rows(c, &sql.sql, &sql.values).await?, ticket_from_row)?))
}

/// The shared ticket-query compiler in PostgreSQL's spelling, its text
/// filter looked up in the tsvector index (here, beside the index's
/// lookups, so that tickets and search read it without needing each other).
pub(crate) const TICKETS: tessera_store::sql::TicketSql =
    tessera_store::sql::TicketSql { dialect: &POSTGRES, text_filter: list_text_condition };

/// The condition of a ticket list's plain `text` filter, with `?`
/// placeholders (see `rows::numbered`) over the tickets aliased `t`: every
/// word of it in the ticket's text (notes only when `include_notes`), or
/// the text is the ticket's number.
pub fn list_text_condition(text: &str, include_notes: bool) -> Fragment {
    let restrict = if include_notes { "" } else { "ABC" };
    let words: Vec<String> =
        text.split_whitespace().filter_map(|w| ts_phrase(w, false, restrict)).map(|w| format!("({w})")).collect();
    let number = POSTGRES.text_equals("t.number", text);
    if words.is_empty() {
        return number;
    }
    let mut sql = Fragment::new("(");
    sql.append(&number).push(" OR ");
    lookup(&mut sql, words.join(" & "));
    sql.push(")");
    sql
}

#[async_trait]
impl SearchStore for PgStore {
    async fn search_tickets(&self, q: &SearchQuery) -> StoreResult<SearchPage> {
        // One snapshot, so the total and the page agree under concurrent writes.
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .db()?;
        let page = search(&tx, q).await?;
        tx.commit().await.db()?;
        Ok(page)
    }

    // In batches of `REINDEX_BATCH` tickets, each its own transaction (the
    // server keeps writing meanwhile, and searches keep finding what is
    // indexed: documents are replaced, never cleared first); then documents
    // of tickets past the last batch that are gone are dropped and the stale
    // mark cleared.
    async fn rebuild_search_index(&self, observer: Option<ReindexObserver>) -> StoreResult<ReindexStats> {
        let mut client = self.client().await?;
        let total: i64 = query_opt(&client, "SELECT COUNT(*) FROM tickets WHERE deleted_at IS NULL", &[])
            .await?
            .map_or(Ok(0), |r| PgRow(&r).int(0))?;
        let total = u64::try_from(total).unwrap_or(0);
        let mut stats = ReindexStats::default();
        let mut after = 0i64;
        loop {
            let tx = client.transaction().await.db()?;
            let batch = rebuild_batch(&tx, after, REINDEX_BATCH).await?;
            tx.commit().await.db()?;
            let Some(last) = batch.last_id else { break };
            after = last;
            stats.tickets += batch.tickets;
            stats.messages += batch.messages;
            if let Some(o) = &observer {
                o(ReindexProgress { done: stats.tickets, total: total.max(stats.tickets), last_id: TicketId(last) });
            }
        }
        let tx = client.transaction().await.db()?;
        execute(
            &tx,
            "DELETE FROM search_index s WHERE s.ticket_id > $1 \
             AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.id = s.ticket_id AND t.deleted_at IS NULL)",
            &[&after],
        )
        .await?;
        execute(&tx, "DELETE FROM settings WHERE key = $1", &[&STALE_KEY]).await?;
        tx.commit().await.db()?;
        Ok(stats)
    }

    async fn search_index_stale(&self) -> StoreResult<bool> {
        let c = &self.client().await?;
        Ok(query_opt(c, "SELECT 1 FROM settings WHERE key = $1", &[&STALE_KEY]).await?.is_some())
    }

    async fn snippet_messages(&self, tickets: &[TicketId], include_notes: bool) -> StoreResult<Vec<Message>> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let kind = if include_notes { "" } else { " AND kind = 'reply'" };
        let sql = format!(
            "SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id = ANY($1) AND deleted_at IS NULL \
             AND encrypted = 0{kind} ORDER BY ticket_id, id"
        );
        let ids: Vec<i64> = tickets.iter().map(|t| t.0).collect();
        all(query(&self.client().await?, &sql, &[&ids]).await?, message_from_row)
    }

    // A scan: names have no index; this serves `requester:"Name"` searches.
    async fn users_named(&self, name: &str, limit: u32) -> StoreResult<Vec<User>> {
        let want = fold(name.trim());
        let c = &self.client().await?;
        let rows = query(c, "SELECT id, name FROM users ORDER BY id", &[]).await?;
        let mut ids = Vec::new();
        for r in &rows {
            if fold(PgRow(r).text(1)?.trim()) == want {
                ids.push(PgRow(r).int::<i64>(0)?);
                if ids.len() >= limit as usize {
                    break;
                }
            }
        }
        let sql = format!("SELECT {USER_SELECT} FROM users WHERE id = ANY($1) ORDER BY id");
        all(query(c, &sql, &[&ids]).await?, user_from_row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_store::sql::TextQuery;

    fn t(s: &str) -> SearchExpr {
        SearchExpr::Text { text: s.into(), phrase: false }
    }

    #[test]
    fn words_become_prefixes_phrases_and_bigrams() {
        assert_eq!(ts_phrase("Refund", false, "").as_deref(), Some("'refund':*"));
        assert_eq!(ts_phrase("ok", false, "").as_deref(), Some("'ok'"));
        assert_eq!(ts_phrase("İSTANBUL", false, "ABC").as_deref(), Some("'istanbul':*ABC"));
        assert_eq!(ts_phrase("server is down", true, "").as_deref(), Some("'server' <-> 'is' <-> 'down'"));
        assert_eq!(ts_phrase("退款", false, "").as_deref(), Some("'退款'"));
        assert_eq!(ts_phrase("退款申", false, "").as_deref(), Some("'退款' <-> '款申'"));
        assert_eq!(ts_phrase("退", false, "ABC").as_deref(), Some("'退':*ABC"));
        assert_eq!(ts_phrase("!!", false, ""), None);
        let long = "x".repeat(70);
        assert_eq!(ts_phrase(&long, true, ""), Some(format!("'{}':*", "x".repeat(64))));
    }

    #[test]
    fn text_only_searches_become_one_tsquery() {
        use tessera_store::sql::search::text_query;
        let (all, notes_hidden) = (Tsvector { restrict: "" }, Tsvector { restrict: "ABC" });
        let e = SearchExpr::All(vec![t("refund"), SearchExpr::Not(Box::new(t("spam")))]);
        match text_query(&all, &e) {
            Some(TextQuery::Matches(x)) => assert_eq!(x, "('refund':*) & !('spam':*)"),
            _ => panic!("not one tsquery"),
        }
        assert!(text_query(&all, &SearchExpr::Not(Box::new(t("spam")))).is_none());
        assert!(matches!(text_query(&all, &t("!!")), Some(TextQuery::Everything)));
        match text_query(&notes_hidden, &SearchExpr::Any(vec![t("ok"), t("退款")])) {
            Some(TextQuery::Matches(x)) => assert_eq!(x, "('ok':ABC) | ('退款':ABC)"),
            _ => panic!("not one tsquery"),
        }
    }

    #[test]
    fn documents_keep_columns_and_messages_apart() {
        let text = TicketText {
            subject: "Sunucu çöktü".into(),
            requester_name: "Zeynep Işık".into(),
            requester_email: "z@example.com".into(),
        };
        let d = document(&text, [(false, "İstanbul'daki sunucu"), (true, "gizli not"), (false, "退款申请")]);
        assert_eq!(
            d.literal(),
            "'coktu':2A 'com':8B 'daki':11C 'example':7B 'gizli':19D 'isik':5B 'istanbul':10C 'not':20D \
             'sunucu':1A,12C 'z':6B 'zeynep':4B '款申':15C '申请':16C '请':17C '退款':14C"
        );
    }

    #[test]
    fn a_nul_is_never_bound() {
        let f = list_text_condition("\u{0}!", false);
        assert_eq!((f.sql.as_str(), f.values.len()), ("FALSE", 0));
        let f = list_text_condition("a\u{0}bc", true);
        let values = f.values;
        assert_eq!(
            f.sql,
            "(FALSE OR t.id IN (SELECT si.ticket_id FROM search_index si WHERE si.doc @@ ?::text::tsquery))"
        );
        assert_eq!(values.len(), 1);
    }

    #[test]
    fn quotes_cannot_be_escaped() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote("a\\"), "'a\\\\'");
    }
}
