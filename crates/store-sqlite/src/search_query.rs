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

use crate::rows::*;
use crate::search_index::{MAX_TOKEN_CHARS, scope_token};
use crate::tickets::sla_breached;
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use std::collections::HashMap;
use tessera_core::permission::TicketScope;
use tessera_core::search::{DateField, TextMatch, word_match};
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

/// An FTS5 expression of a text-only part of a search.
enum Fts {
    /// Matches this FTS5 expression.
    Expr(String),
    /// Matches every ticket (terms with nothing to search for).
    Everything,
}

/// The FTS5 expression of `e`, when it is text only and FTS5 can say it
/// (it has no "not" on its own, only "this and not that").
fn fts_expr(e: &SearchExpr, ph: &Phrases) -> Option<Fts> {
    match e {
        SearchExpr::Text { text, phrase } => Some(match ph.get(text, *phrase) {
            Some(p) => Fts::Expr(p),
            None => Fts::Everything,
        }),
        SearchExpr::All(items) => {
            let mut pos = Vec::new();
            let mut neg = Vec::new();
            for item in items {
                match item {
                    SearchExpr::Not(inner) => match fts_expr(inner, ph)? {
                        Fts::Expr(x) => neg.push(x),
                        Fts::Everything => return None,
                    },
                    other => match fts_expr(other, ph)? {
                        Fts::Expr(x) => pos.push(x),
                        Fts::Everything => {}
                    },
                }
            }
            if pos.is_empty() {
                return if neg.is_empty() { Some(Fts::Everything) } else { None };
            }
            let mut out = pos.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(" AND ");
            for n in neg {
                out = format!("({out}) NOT ({n})");
            }
            Some(Fts::Expr(out))
        }
        SearchExpr::Any(items) => {
            let mut parts = Vec::new();
            for item in items {
                match fts_expr(item, ph)? {
                    Fts::Expr(x) => parts.push(format!("({x})")),
                    Fts::Everything => return Some(Fts::Everything),
                }
            }
            Some(Fts::Expr(parts.join(" OR ")))
        }
        SearchExpr::Not(_) | SearchExpr::Field(_) | SearchExpr::Nothing => None,
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

/// SQL text and its values, built left to right.
#[derive(Debug, Clone, Default)]
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn bind(&mut self, v: Value) {
        self.text.push('?');
        self.values.push(v);
    }

    fn list(&mut self, values: impl IntoIterator<Item = Value>) {
        let mut first = true;
        for v in values {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.bind(v);
        }
    }
}

struct Compiler<'a> {
    phrases: &'a Phrases,
    include_notes: bool,
    /// The scope, as FTS5, for the top-level text lookup.
    scope: Option<&'a str>,
}

impl Compiler<'_> {
    /// `t.id IN (…)` for an FTS5 expression.
    ///
    /// `per_ticket`: the other terms pick few tickets (a number, a
    /// requester, an assignee, an organization), so each of those is looked
    /// up in the index (`EXISTS … rowid = t.id`) instead of listing every
    /// ticket the words match.
    fn lookup(&self, sql: &mut Sql, expr: &str, scoped: bool, per_ticket: bool) {
        let m = text_match(expr, self.include_notes, if scoped { self.scope } else { None });
        if per_ticket {
            sql.push("EXISTS (SELECT 1 FROM search_index WHERE search_index MATCH ");
            sql.bind(Value::Text(m));
            sql.push(" AND rowid = t.id)");
        } else {
            sql.push("t.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ");
            sql.bind(Value::Text(m));
            sql.push(")");
        }
    }

    /// A boolean SQL expression over `t` for `e`; `top` for the items of
    /// the top-level "and", whose text lookups may carry the scope.
    fn expr(&self, sql: &mut Sql, e: &SearchExpr, top: bool) {
        if let Some(f) = fts_expr(e, self.phrases) {
            match f {
                Fts::Expr(x) => self.lookup(sql, &x, top, false),
                Fts::Everything => sql.push("1"),
            }
            return;
        }
        match e {
            SearchExpr::All(items) => {
                // Text items (with the "not"s FTS5 can attach to them)
                // together make one lookup; the rest are joined.
                let expressible = |i: &SearchExpr| matches!(fts_expr(i, self.phrases), Some(Fts::Expr(_)));
                let positive: Vec<&SearchExpr> =
                    items.iter().filter(|i| !matches!(i, SearchExpr::Not(_)) && expressible(i)).collect();
                let (text, other): (Vec<&SearchExpr>, Vec<&SearchExpr>) = items.iter().partition(|i| match i {
                    SearchExpr::Not(inner) => !positive.is_empty() && expressible(inner),
                    other => expressible(other),
                });
                sql.push("(");
                let mut first = true;
                if !text.is_empty() {
                    let group = SearchExpr::All(text.into_iter().cloned().collect());
                    match fts_expr(&group, self.phrases) {
                        // A prefix query would merge its lists again for
                        // each ticket: only whole tokens are looked up so.
                        Some(Fts::Expr(x)) => {
                            let per_ticket = top && !x.contains('*') && items.iter().any(selective);
                            self.lookup(sql, &x, top, per_ticket)
                        }
                        _ => sql.push("1"),
                    }
                    first = false;
                }
                for item in other {
                    if !first {
                        sql.push(" AND ");
                    }
                    first = false;
                    self.expr(sql, item, false);
                }
                if first {
                    sql.push("1");
                }
                sql.push(")");
            }
            SearchExpr::Any(items) => {
                sql.push("(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        sql.push(" OR ");
                    }
                    self.expr(sql, item, false);
                }
                if items.is_empty() {
                    sql.push("0");
                }
                sql.push(")");
            }
            SearchExpr::Not(inner) => {
                sql.push("NOT ");
                self.expr(sql, inner, false);
            }
            SearchExpr::Text { .. } => sql.push("1"),
            SearchExpr::Field(f) => self.field(sql, f),
            SearchExpr::Nothing => sql.push("0"),
        }
    }

    /// A field condition that is 0 or 1, never NULL (so that `NOT` of it
    /// is right for tickets where the column is empty), written so that
    /// SQLite can use the tickets' indexes.
    fn field(&self, sql: &mut Sql, f: &SearchField) {
        let ints = |v: &mut Sql, col: &str, ids: Vec<i64>| {
            if ids.is_empty() {
                v.push("0");
                return;
            }
            v.push(col);
            v.push(" IN (");
            v.list(ids.into_iter().map(Value::Integer));
            v.push(")");
        };
        match f {
            SearchField::Number(n) => {
                sql.push("t.number = ");
                sql.bind(Value::Text(n.clone()));
            }
            SearchField::Statuses(keys) => {
                if keys.is_empty() {
                    sql.push("0");
                } else {
                    sql.push("t.status IN (");
                    sql.list(keys.iter().map(|k| Value::Text(k.0.clone())));
                    sql.push(")");
                }
            }
            SearchField::Categories(cats) => {
                if cats.is_empty() {
                    sql.push("0");
                } else {
                    sql.push("t.status_category IN (");
                    sql.list(cats.iter().map(|c| Value::Text(c.as_str().into())));
                    sql.push(")");
                }
            }
            SearchField::Priorities(p) => ints(sql, "t.priority", p.iter().map(|p| p.rank()).collect()),
            SearchField::Type(t) => {
                sql.push("t.ticket_type IS ");
                sql.bind(Value::Text(t.as_str().into()));
            }
            SearchField::Departments(d) => ints(sql, "t.department_id", d.iter().map(|d| d.0).collect()),
            SearchField::Assignee(None) => sql.push("t.assignee_id IS NULL"),
            SearchField::Assignee(Some(a)) => {
                sql.push("t.assignee_id IS ");
                sql.bind(Value::Integer(a.0));
            }
            SearchField::Requesters(r) => ints(sql, "t.requester_id", r.iter().map(|r| r.0).collect()),
            SearchField::Organizations(o) => {
                sql.push("(t.organization_id IS NOT NULL AND ");
                ints(sql, "t.organization_id", o.iter().map(|o| o.0).collect());
                sql.push(")");
            }
            SearchField::Tag(tag) => {
                sql.push("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = ");
                sql.bind(Value::Text(tag.clone()));
                sql.push(")");
            }
            SearchField::HasAttachment => {
                // Only attachments of messages the searcher may read count.
                let kind = if self.include_notes { "" } else { " AND m.kind = 'reply'" };
                sql.push(&format!(
                    "EXISTS (SELECT 1 FROM attachments a JOIN messages m ON m.id = a.message_id \
                     WHERE a.ticket_id = t.id AND m.deleted_at IS NULL{kind})"
                ));
            }
            SearchField::Time(field, range) => {
                let col = match field {
                    DateField::Created => "t.created_at",
                    DateField::Updated => "t.updated_at",
                };
                sql.push("(1");
                if let Some(s) = range.start {
                    sql.push(&format!(" AND {col} >= "));
                    sql.bind(Value::Integer(ms(s)));
                }
                if let Some(e) = range.end {
                    sql.push(&format!(" AND {col} < "));
                    sql.bind(Value::Integer(ms(e)));
                }
                sql.push(")");
            }
            SearchField::SlaBreached => sql.push(&sla_breached(true)),
            SearchField::SlaDue(range) => {
                sql.push("EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.next_due_at IS NOT NULL");
                if let Some(s) = range.start {
                    sql.push(" AND s.next_due_at >= ");
                    sql.bind(Value::Integer(ms(s)));
                }
                if let Some(e) = range.end {
                    sql.push(" AND s.next_due_at < ");
                    sql.bind(Value::Integer(ms(e)));
                }
                sql.push(")");
            }
        }
    }
}

/// A field term that picks few tickets, with an index to find them.
fn selective(e: &SearchExpr) -> bool {
    matches!(
        e,
        SearchExpr::Field(
            SearchField::Number(_)
                | SearchField::Requesters(_)
                | SearchField::Assignee(Some(_))
                | SearchField::Organizations(_)
        )
    )
}

/// The words and phrases a result should contain, as one FTS5 expression
/// for ranking (`None` without any).
fn rank_expr(e: &SearchExpr, ph: &Phrases) -> Option<String> {
    fn walk(e: &SearchExpr, negated: bool, ph: &Phrases, out: &mut Vec<String>) {
        match e {
            SearchExpr::Text { text, phrase } if !negated => out.extend(ph.get(text, *phrase)),
            SearchExpr::All(items) | SearchExpr::Any(items) => items.iter().for_each(|i| walk(i, negated, ph, out)),
            SearchExpr::Not(inner) => walk(inner, !negated, ph, out),
            _ => {}
        }
    }
    let mut parts = Vec::new();
    walk(e, false, ph, &mut parts);
    parts.sort();
    parts.dedup();
    (!parts.is_empty()).then(|| parts.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(" OR "))
}

fn count(conn: &Connection, sql: &str, values: &[Value]) -> StoreResult<u64> {
    let n: i64 = conn.prepare_cached(sql).db()?.query_row(params_from_iter(values.iter()), |r| r.get(0)).db()?;
    Ok(u64::try_from(n).unwrap_or(0))
}

fn ids(conn: &Connection, sql: &str, values: &[Value]) -> StoreResult<Vec<(i64, Option<f64>)>> {
    let mut stmt = conn.prepare_cached(sql).db()?;
    let cols = stmt.column_count();
    let rows = stmt
        .query_map(params_from_iter(values.iter()), |r| {
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
pub fn search(conn: &Connection, q: &SearchQuery) -> StoreResult<SearchPage> {
    let limit = i64::from(q.limit.clamp(1, MAX_SEARCH_LIMIT));
    let offset = i64::from(q.offset.min(MAX_SEARCH_OFFSET));
    let scope_tokens = scope_fts(&q.scope);
    let phrases = Phrases::prepare(conn, &q.expr)?;
    let rank = rank_expr(&q.expr, &phrases).map(|r| text_match(&r, q.include_notes, None));
    let relevance = q.order == SearchOrder::Relevance && rank.is_some();

    let found: Vec<(i64, Option<f64>)>;
    let total: u64;
    match fts_expr(&q.expr, &phrases) {
        Some(Fts::Expr(x)) if relevance && !matches!(q.scope, TicketScope::Single(_)) => {
            // Index only: the count, then the page, each one pass over the
            // index (bm25 costs a pass of its own for its statistics, and a
            // few microseconds per match it ranks).
            let m = Value::Text(text_match(&x, q.include_notes, scope_tokens.as_deref()));
            total =
                count(conn, "SELECT COUNT(*) FROM search_index WHERE search_index MATCH ?", std::slice::from_ref(&m))?;
            let page = [m, Value::Integer(limit), Value::Integer(offset)];
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
            let mut wh = Vec::new();
            let mut scope_values = Vec::new();
            crate::tickets::scope_clause(&q.scope, false, &mut wh, &mut scope_values);
            let mut sql = Sql::default();
            sql.push("t.deleted_at IS NULL");
            for part in wh {
                sql.push(" AND ");
                sql.push(&part);
            }
            sql.values.extend(scope_values);
            sql.push(" AND ");
            let c = Compiler { phrases: &phrases, include_notes: q.include_notes, scope: scope_tokens.as_deref() };
            c.expr(&mut sql, &q.expr, true);
            let base = sql.text;
            let values = sql.values;
            total = count(conn, &format!("SELECT COUNT(*) FROM tickets t WHERE {base}"), &values)?;
            let page = |order: &str, l: i64, o: i64| -> StoreResult<_> {
                let mut v = values.clone();
                v.push(Value::Integer(l));
                v.push(Value::Integer(o));
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
                            &[
                                Value::Text(rank.clone()),
                                Value::Integer(oldest),
                                Value::Integer(newest),
                                Value::Integer(SCORED),
                            ],
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
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Vec::new();
    let mut v = Vec::new();
    crate::tickets::scope_clause(scope, false, &mut w, &mut v);
    let mut sql = Sql::default();
    sql.push(&format!("SELECT {} FROM tickets t WHERE t.deleted_at IS NULL", *TICKET_SELECT));
    for part in w {
        sql.push(" AND ");
        sql.push(&part);
    }
    sql.values.extend(v);
    sql.push(" AND t.id IN (");
    sql.list(found.iter().map(|(id, _)| Value::Integer(*id)));
    sql.push(")");
    let mut stmt = conn.prepare(&sql.text).db()?;
    let rows = stmt.query_map(params_from_iter(sql.values.iter()), ticket_from_row).db()?;
    let mut by_id: HashMap<i64, tessera_core::Ticket> = HashMap::new();
    for t in rows {
        let t = t.db()?;
        by_id.insert(t.id.0, t);
    }
    Ok(found
        .iter()
        .filter_map(|(id, score)| by_id.remove(id).map(|ticket| SearchHit { ticket, score: *score }))
        .collect())
}

/// The SQL condition of a ticket list's plain `text` filter: every word of
/// it in the ticket's text (notes only for agents), or the text is the
/// ticket's number.
pub fn list_text_condition(text: &str, include_notes: bool) -> (String, Vec<Value>) {
    let words: Vec<String> = text.split_whitespace().filter_map(|w| fts_phrase(w, false)).collect();
    if words.is_empty() {
        return ("t.number = ?".into(), vec![Value::Text(text.to_string())]);
    }
    let expr = words.iter().map(|w| format!("({w})")).collect::<Vec<_>>().join(" AND ");
    (
        "(t.number = ? OR t.id IN (SELECT rowid FROM search_index WHERE search_index MATCH ?))".into(),
        vec![Value::Text(text.to_string()), Value::Text(text_match(&expr, include_notes, None))],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_only_searches_become_one_fts_expression() {
        let t = |s: &str| SearchExpr::Text { text: s.into(), phrase: false };
        let e = SearchExpr::All(vec![t("refund"), SearchExpr::Not(Box::new(t("spam")))]);
        let ph = Phrases::default();
        match fts_expr(&e, &ph) {
            Some(Fts::Expr(x)) => assert_eq!(x, "((\"refund\" *)) NOT (\"spam\" *)"),
            _ => panic!("not one expression"),
        }
        assert!(fts_expr(&SearchExpr::Not(Box::new(t("spam"))), &ph).is_none());
        assert!(matches!(fts_expr(&t("!!"), &ph), Some(Fts::Everything)));
        let any = SearchExpr::Any(vec![t("ok"), t("退款")]);
        match fts_expr(&any, &ph) {
            Some(Fts::Expr(x)) => assert_eq!(x, "(\"ok\") OR (\"退款\")"),
            _ => panic!("not one expression"),
        }
    }
}
