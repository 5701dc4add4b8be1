//! Running a search: a [`SearchExpr`] becomes SQL over `tickets t`, its
//! text terms FTS5 lookups in `search_index` (see [`crate::search_index`]).
//!
//! Two ways to run it:
//!
//! - **Index only.** When the whole expression is text (words, phrases,
//!   `OR`, and `-` under an `AND`), it becomes one FTS5 query, with the
//!   permission scope added as tokens of the `scope` column. The count and
//!   the order then come from the index alone, without reading a ticket
//!   row per match; the tickets of the page are read afterwards and checked
//!   against the scope again.
//! - **Tickets with index lookups.** Otherwise the expression is a `WHERE`
//!   over the tickets table in which text terms are `t.id IN (SELECT rowid
//!   FROM search_index WHERE search_index MATCH …)`.
//!
//! Relevance is FTS5's bm25 with the subject weighing most. It costs a pass
//! over the index for its statistics and a few microseconds per match, so
//! only searches matching at most [`RANK_LIMIT`] tickets are ranked; broader
//! ones list their matches newest first (a page of those stops reading the
//! index after its last row).

use crate::catalogue::setting;
use crate::directory::user;
use crate::rows::*;
use crate::search_index::{MAX_TOKEN_CHARS, scope_token};
use crate::{REINDEX_BATCH, SqliteStore, search_index};
use async_trait::async_trait;
use rusqlite::{Connection, params, params_from_iter};
use std::collections::HashMap;
use tessera_core::ids::{TicketId, UserId};
use tessera_core::permission::TicketScope;
use tessera_core::search::{TextMatch, word_match};
use tessera_core::{Message, User};
use tessera_store::sql::search::{hits, hits_sql, text_query, wanted_terms};
use tessera_store::sql::{Fragment, SQLITE, SearchSql, TextIndex, TextQuery, Value};
use tessera_store::*;

/// A search matching at most this many tickets is ranked by relevance;
/// one matching more lists them newest first.
pub const RANK_LIMIT: u64 = 2000;

/// Most index matches scored for one search that also has field terms.
const SCORED: i64 = 5000;

/// bm25 weights of the columns: subject, people, replies, notes, scope.
const WEIGHTS: &str = "4.0, 2.0, 1.0, 1.0, 0.0";

/// A word or phrase planned for the index: its tokens (each cut to
/// [`MAX_TOKEN_CHARS`]) and whether the last is a prefix.
fn plan(text: &str, phrase: bool) -> Option<(Vec<String>, bool)> {
    let TextMatch { tokens, mut prefix } = word_match(text, phrase)?;
    let last = tokens.len().saturating_sub(1);
    let mut cut = Vec::with_capacity(tokens.len());
    for (i, t) in tokens.into_iter().enumerate() {
        match t.char_indices().nth(MAX_TOKEN_CHARS) {
            Some((at, _)) => {
                cut.push(t[..at].to_string());
                prefix |= i == last;
            }
            None => cut.push(t),
        }
    }
    Some((cut, prefix))
}

/// Quotes a string as an FTS5 string (`"` doubled inside).
fn fts5_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// The FTS5 phrase of a word or phrase as typed, or `None` when it holds
/// nothing to search for (only punctuation).
pub fn fts_phrase(text: &str, phrase: bool) -> Option<String> {
    let (tokens, prefix) = plan(text, phrase)?;
    let q = fts5_quote(&tokens.join(" "));
    Some(if prefix { format!("{q} *") } else { q })
}

/// Most whole tokens a prefix is replaced with; a prefix that starts more
/// stays an FTS5 prefix query.
const MAX_EXPANSION: usize = 16;

/// Like [`fts_phrase`], but a prefix that starts few known tokens becomes an
/// OR of those whole tokens (`"fatura" OR "faturası"`): FTS5 answers that
/// from the tokens' lists as it goes, where a prefix query first merges
/// every matching list into one.
fn expanded_phrase(conn: &Connection, text: &str, phrase: bool) -> StoreResult<Option<String>> {
    let Some((tokens, prefix)) = plan(text, phrase) else { return Ok(None) };
    let Some((last, head)) = tokens.split_last() else { return Ok(None) };
    let joined = |end: &str| {
        let mut v: Vec<&str> = head.iter().map(String::as_str).collect();
        v.push(end);
        fts5_quote(&v.join(" "))
    };
    if !prefix {
        return Ok(Some(joined(last)));
    }
    let upper = format!("{last}\u{10FFFF}");
    let mut stmt = conn
        .prepare_cached("SELECT term FROM search_terms WHERE term >= ?1 AND term < ?2 ORDER BY term LIMIT ?3")
        .db()?;
    let found: Vec<String> = stmt
        .query_map(params![last, upper, (MAX_EXPANSION + 1) as i64], |r| r.get(0))
        .db()?
        .collect::<Result<_, _>>()
        .db()?;
    Ok(Some(match found.len() {
        0 => joined(last),
        n if n <= MAX_EXPANSION => {
            if n == 1 {
                joined(&found[0])
            } else {
                format!("({})", found.iter().map(|t| joined(t)).collect::<Vec<_>>().join(" OR "))
            }
        }
        _ => format!("{} *", joined(last)),
    }))
}

/// The FTS5 text of every word and phrase of a search, prepared once.
#[derive(Default)]
struct Phrases(HashMap<(String, bool), Option<String>>);

impl Phrases {
    fn prepare(conn: &Connection, e: &SearchExpr) -> StoreResult<Self> {
        let mut out = Phrases::default();
        let mut stack = vec![e];
        while let Some(e) = stack.pop() {
            match e {
                SearchExpr::Text { text, phrase } => {
                    if let std::collections::hash_map::Entry::Vacant(slot) = out.0.entry((text.clone(), *phrase)) {
                        slot.insert(expanded_phrase(conn, text, *phrase)?);
                    }
                }
                SearchExpr::All(items) | SearchExpr::Any(items) => stack.extend(items.iter()),
                SearchExpr::Not(inner) => stack.push(inner),
                SearchExpr::Field(_) | SearchExpr::Nothing => {}
            }
        }
        Ok(out)
    }

    fn get(&self, text: &str, phrase: bool) -> Option<String> {
        match self.0.get(&(text.to_string(), phrase)) {
            Some(p) => p.clone(),
            None => fts_phrase(text, phrase),
        }
    }
}

/// The scope as an FTS5 condition on the `scope` column (`None`: everyone's
/// tickets, or a scope the index does not name).
fn scope_fts(scope: &TicketScope) -> Option<String> {
    let tokens: Vec<String> = match scope {
        TicketScope::All | TicketScope::Single(_) => return None,
        TicketScope::Agent { user_id, department_ids } => department_ids
            .iter()
            .map(|d| scope_token('d', d.0))
            .chain([scope_token('a', user_id.0), scope_token('f', user_id.0)])
            .collect(),
        TicketScope::Customer { user_id, organization_id } => {
            std::iter::once(scope_token('r', user_id.0)).chain(organization_id.map(|o| scope_token('o', o.0))).collect()
        }
    };
    Some(tokens.iter().map(|t| fts5_quote(t)).collect::<Vec<_>>().join(" OR "))
}

/// A text match restricted to the columns the searcher may read, and to
/// their scope when given. Agents read every text column; text tokens never
/// look like scope tokens, so they need no column filter (which would cost
/// reading positions).
fn text_match(expr: &str, include_notes: bool, scope: Option<&str>) -> String {
    let text = if include_notes { format!("({expr})") } else { format!("({{subject people replies}} : ({expr}))") };
    match scope {
        Some(s) => format!("{text} AND ({s})"),
        None => text,
    }
}

/// The FTS5 index as one search queries it.
struct Fts5<'a> {
    phrases: &'a Phrases,
    include_notes: bool,
    /// The scope, as FTS5, for the top-level text lookup.
    scope: Option<&'a str>,
}

impl TextIndex for Fts5<'_> {
    const AND: &'static str = " AND ";
    const OR: &'static str = " OR ";

    fn phrase(&self, text: &str, phrase: bool) -> Option<String> {
        self.phrases.get(text, phrase)
    }

    fn and_not(&self, all: String, not: &str) -> String {
        format!("({all}) NOT ({not})")
    }

    /// `t.id IN (…)`, or, when the other terms pick few tickets, each of
    /// those looked up in the index (`EXISTS … rowid = t.id`) instead of
    /// listing every ticket the words match. A prefix query would merge its
    /// lists again for each ticket: only whole tokens are looked up so.
    fn lookup(&self, sql: &mut Fragment, query: &str, top: bool, narrow: bool) {
        let m = text_match(query, self.include_notes, if top { self.scope } else { None });
        if top && narrow && !query.contains('*') {
            sql.push("EXISTS (SELECT 1 FROM search_index WHERE search_index MATCH ");
            sql.bind(Value::Text(m));
            sql.push(" AND rowid = t.id)");
        } else {
            sql.push("t.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ");
            sql.bind(Value::Text(m));
            sql.push(")");
        }
    }
}

/// The words and phrases a result should contain, as one FTS5 expression
/// for ranking (`None` without any).
fn rank_expr(e: &SearchExpr, ph: &Phrases) -> Option<String> {
    let mut parts: Vec<String> =
        wanted_terms(e).into_iter().filter_map(|(text, phrase)| ph.get(text, phrase)).collect();
    parts.sort();
    parts.dedup();
    (!parts.is_empty()).then(|| parts.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(" OR "))
}

fn count(conn: &Connection, sql: &str, values: &[Value]) -> StoreResult<u64> {
    let n: i64 = conn.prepare_cached(sql).db()?.query_row(bound(values), |r| r.get(0)).db()?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn ids(conn: &Connection, sql: &str, values: &[Value]) -> StoreResult<Vec<(i64, Option<f64>)>> {
    let mut stmt = conn.prepare_cached(sql).db()?;
    let cols = stmt.column_count();
    let rows = stmt
        .query_map(bound(values), |r| {
            Ok((r.get::<_, i64>(0)?, if cols > 1 { r.get::<_, Option<f64>>(1)? } else { None }))
        })
        .db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// Orders scored matches best first (ties: newest first).
fn by_score(mut v: Vec<(i64, Option<f64>)>) -> Vec<(i64, Option<f64>)> {
    v.sort_by(|a, b| {
        let (sa, sb) = (a.1.unwrap_or(f64::NEG_INFINITY), b.1.unwrap_or(f64::NEG_INFINITY));
        sb.total_cmp(&sa).then(b.0.cmp(&a.0))
    });
    v
}

/// Runs a search.
fn search(conn: &Connection, q: &SearchQuery) -> StoreResult<SearchPage> {
    let limit = i64::from(q.limit.clamp(1, MAX_SEARCH_LIMIT));
    let offset = i64::from(q.offset.min(MAX_SEARCH_OFFSET));
    let scope_tokens = scope_fts(&q.scope);
    let phrases = Phrases::prepare(conn, &q.expr)?;
    let index = Fts5 { phrases: &phrases, include_notes: q.include_notes, scope: scope_tokens.as_deref() };
    let rank = rank_expr(&q.expr, &phrases).map(|r| text_match(&r, q.include_notes, None));
    let relevance = q.order == SearchOrder::Relevance && rank.is_some();

    let found: Vec<(i64, Option<f64>)>;
    let total: u64;
    match text_query(&index, &q.expr) {
        Some(TextQuery::Matches(x)) if relevance && !matches!(q.scope, TicketScope::Single(_)) => {
            // Index only: the count, then the page, each one pass over the
            // index (bm25 costs a pass of its own for its statistics, and a
            // few microseconds per match it ranks).
            let m = Value::Text(text_match(&x, q.include_notes, scope_tokens.as_deref()));
            total =
                count(conn, "SELECT COUNT(*) FROM search_index WHERE search_index MATCH ?", std::slice::from_ref(&m))?;
            let page = [m, Value::Int(limit), Value::Int(offset)];
            found = if total <= RANK_LIMIT {
                ids(
                    conn,
                    &format!(
                        "SELECT rowid, -bm25(search_index, {WEIGHTS}) AS score FROM search_index \
                         WHERE search_index MATCH ? ORDER BY score DESC, rowid DESC LIMIT ? OFFSET ?"
                    ),
                    &page,
                )?
            } else {
                ids(
                    conn,
                    "SELECT rowid FROM search_index WHERE search_index MATCH ? ORDER BY rowid DESC LIMIT ? OFFSET ?",
                    &page,
                )?
            };
        }
        _ => {
            // Tickets with index lookups.
            let mut sql = Fragment::new("t.deleted_at IS NULL");
            if let Some(scope) = TICKETS.scope(&q.scope, false) {
                sql.push(" AND ").append(&scope);
            }
            sql.push(" AND ");
            SearchSql { dialect: &SQLITE, index: &index, include_notes: q.include_notes }
                .condition(&mut sql, &q.expr, true);
            let base = sql.sql;
            let values = sql.values;
            total = count(conn, &format!("SELECT COUNT(*) FROM tickets t WHERE {base}"), &values)?;
            let page = |order: &str, l: i64, o: i64| -> StoreResult<_> {
                let mut v = values.clone();
                v.push(Value::Int(l));
                v.push(Value::Int(o));
                ids(conn, &format!("SELECT t.id FROM tickets t WHERE {base} ORDER BY {order} LIMIT ? OFFSET ?"), &v)
            };
            found = match (&rank, q.order) {
                (Some(rank), SearchOrder::Relevance) if total <= RANK_LIMIT => {
                    // Every match, scored by one pass over the index across
                    // their ids (at most SCORED index matches).
                    let all = page("t.id DESC", RANK_LIMIT as i64, 0)?;
                    let mut scores: HashMap<i64, f64> = HashMap::new();
                    if let (Some(newest), Some(oldest)) = (all.first().map(|r| r.0), all.last().map(|r| r.0)) {
                        let scored = ids(
                            conn,
                            &format!(
                                "SELECT rowid, -bm25(search_index, {WEIGHTS}) FROM search_index \
                                 WHERE search_index MATCH ? AND rowid >= ? AND rowid <= ? ORDER BY rowid DESC LIMIT ?"
                            ),
                            &[Value::Text(rank.clone()), Value::Int(oldest), Value::Int(newest), Value::Int(SCORED)],
                        )?;
                        scores.extend(scored.into_iter().filter_map(|(id, s)| s.map(|s| (id, s))));
                    }
                    let all = all.into_iter().map(|(id, _)| (id, scores.get(&id).copied())).collect();
                    by_score(all).into_iter().skip(offset as usize).take(limit as usize).collect()
                }
                (Some(_), SearchOrder::Relevance) => page("t.id DESC", limit, offset)?,
                (_, SearchOrder::Created { descending }) => {
                    let d = if descending { "DESC" } else { "ASC" };
                    page(&format!("t.created_at {d}, t.id {d}"), limit, offset)?
                }
                (_, SearchOrder::Updated { descending: false }) => page("t.updated_at ASC, t.id ASC", limit, offset)?,
                _ => page("t.updated_at DESC, t.id DESC", limit, offset)?,
            };
        }
    }
    let hits = load(conn, &q.scope, &found)?;
    Ok(SearchPage { hits, total })
}

/// The tickets of `found`, in its order, each checked again against the
/// scope (a ticket the index misplaced is left out rather than shown).
fn load(conn: &Connection, scope: &TicketScope, found: &[(i64, Option<f64>)]) -> StoreResult<Vec<SearchHit>> {
    let Some(sql) = hits_sql(&TICKETS, scope, found) else { return Ok(Vec::new()) };
    let mut stmt = conn.prepare(&sql.sql).db()?;
    let tickets = stmt.query_map(bound(&sql.values), read(ticket_from_row)).db()?.collect::<Result<_, _>>().db()?;
    Ok(hits(found, tickets))
}

/// The shared ticket-query compiler in SQLite's spelling, its text filter
/// looked up in the FTS5 index (here, beside the index's lookups, so that
/// tickets and search read it without needing each other).
pub(crate) const TICKETS: tessera_store::sql::TicketSql =
    tessera_store::sql::TicketSql { dialect: &SQLITE, text_filter: list_text_condition };

/// The SQL condition of a ticket list's plain `text` filter: every word of
/// it in the ticket's text (notes only for agents), or the text is the
/// ticket's number.
pub fn list_text_condition(text: &str, include_notes: bool) -> Fragment {
    let words: Vec<String> = text.split_whitespace().filter_map(|w| fts_phrase(w, false)).collect();
    if words.is_empty() {
        return Fragment::with("t.number = ?", vec![Value::Text(text.to_string())]);
    }
    let expr = words.iter().map(|w| format!("({w})")).collect::<Vec<_>>().join(" AND ");
    Fragment::with(
        "(t.number = ? OR t.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?))",
        vec![Value::Text(text.to_string()), Value::Text(text_match(&expr, include_notes, None))],
    )
}

#[async_trait]
impl SearchStore for SqliteStore {
    async fn search_tickets(&self, query: &SearchQuery) -> StoreResult<SearchPage> {
        let q = query.clone();
        self.read(move |conn| search(conn, &q)).await
    }

    // In batches of `REINDEX_BATCH` tickets, each its own write (so the
    // server keeps writing meanwhile), then the index is merged and the
    // stale mark cleared.
    async fn rebuild_search_index(&self, observer: Option<ReindexObserver>) -> StoreResult<ReindexStats> {
        let total = self.read(search_index::ticket_count).await?;
        self.write(search_index::clear).await?;
        let mut stats = ReindexStats::default();
        let mut after = 0i64;
        loop {
            let batch = self.write(move |conn| search_index::rebuild_batch(conn, after, REINDEX_BATCH)).await?;
            let Some(last) = batch.last_id else { break };
            after = last;
            stats.tickets += batch.tickets;
            stats.messages += batch.messages;
            if let Some(o) = &observer {
                o(ReindexProgress { done: stats.tickets, total: total.max(stats.tickets), last_id: TicketId(last) });
            }
        }
        self.write(|conn| {
            search_index::optimize(conn)?;
            conn.execute("DELETE FROM settings WHERE key = ?1", [search_index::STALE_KEY]).db()?;
            Ok(())
        })
        .await?;
        Ok(stats)
    }

    async fn search_index_stale(&self) -> StoreResult<bool> {
        Ok(self.read(|conn| setting(conn, search_index::STALE_KEY)).await?.is_some())
    }

    async fn snippet_messages(&self, tickets: &[TicketId], include_notes: bool) -> StoreResult<Vec<Message>> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let kind = if include_notes { "" } else { " AND kind = 'reply'" };
        let sql = format!(
            "SELECT {MESSAGE_SELECT} FROM messages WHERE ticket_id IN ({}) AND deleted_at IS NULL AND encrypted = 0{kind} \
             ORDER BY ticket_id, id",
            vec!["?"; tickets.len()].join(", ")
        );
        let ids: Vec<i64> = tickets.iter().map(|t| t.0).collect();
        self.read(move |conn| {
            let mut stmt = conn.prepare(&sql).db()?;
            let rows = stmt.query_map(params_from_iter(ids), read(message_from_row)).db()?;
            rows.collect::<Result<Vec<_>, _>>().db()
        })
        .await
    }

    // A scan: names have no index; this serves `requester:"Name"` searches.
    async fn users_named(&self, name: &str, limit: u32) -> StoreResult<Vec<User>> {
        let want = tessera_core::search::fold(name.trim());
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached("SELECT id, name FROM users ORDER BY id").db()?;
            let mut rows = stmt.query([]).db()?;
            let mut ids = Vec::new();
            while let Some(r) = rows.next().db()? {
                let n: String = r.get(1).db()?;
                if tessera_core::search::fold(n.trim()) == want {
                    ids.push(UserId(r.get(0).db()?));
                    if ids.len() >= limit as usize {
                        break;
                    }
                }
            }
            let mut out = Vec::with_capacity(ids.len());
            for id in ids {
                out.extend(user(conn, id)?);
            }
            Ok(out)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_only_searches_become_one_fts_expression() {
        let t = |s: &str| SearchExpr::Text { text: s.into(), phrase: false };
        let ph = Phrases::default();
        let index = Fts5 { phrases: &ph, include_notes: false, scope: None };
        let e = SearchExpr::All(vec![t("refund"), SearchExpr::Not(Box::new(t("spam")))]);
        match text_query(&index, &e) {
            Some(TextQuery::Matches(x)) => assert_eq!(x, "((\"refund\" *)) NOT (\"spam\" *)"),
            _ => panic!("not one expression"),
        }
        assert!(text_query(&index, &SearchExpr::Not(Box::new(t("spam")))).is_none());
        assert!(matches!(text_query(&index, &t("!!")), Some(TextQuery::Everything)));
        let any = SearchExpr::Any(vec![t("ok"), t("退款")]);
        match text_query(&index, &any) {
            Some(TextQuery::Matches(x)) => assert_eq!(x, "(\"ok\") OR (\"退款\")"),
            _ => panic!("not one expression"),
        }
    }
}
