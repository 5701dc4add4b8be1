//! The search compiler: a [`SearchExpr`] as a condition over `tickets t`
//! that is never NULL (so that `NOT` of it is right for tickets where a
//! column is empty). Its field terms mean the same on every backend; its
//! words and phrases are looked up in the backend's own full-text index
//! (SQLite's FTS5 table, PostgreSQL's tsvector), which says how through
//! [`TextIndex`].
//!
//! The words of one "and" (with the "not"s the index can attach to them)
//! make one lookup, so a search of words and fields reads the index once.

use super::rows::TICKET_SELECT;
use super::tickets::sla_breached;
use super::{Dialect, Fragment, TicketSql, Value};
use crate::{SearchExpr, SearchField, SearchHit};
use std::collections::HashMap;
use tessera_core::Ticket;
use tessera_core::permission::TicketScope;
use tessera_core::search::DateField;

/// A backend's full-text index, as the search compiler queries it.
pub trait TextIndex {
    /// Written between the parts of an "and" in the index's query language.
    const AND: &'static str;
    /// Written between the parts of an "or".
    const OR: &'static str;

    /// The index query of one word or phrase as typed, or `None` when it
    /// holds nothing to search for (only punctuation).
    fn phrase(&self, text: &str, phrase: bool) -> Option<String>;

    /// `all` but not `not`, in the index's query language.
    fn and_not(&self, all: String, not: &str) -> String;

    /// Appends the condition "the ticket's text matches `query`". `top`:
    /// the lookup is an item of the search's top-level "and" (it may carry
    /// the permission scope); `narrow`: the other items of its "and" pick
    /// few tickets (a number, a requester, an assignee, an organization).
    fn lookup(&self, sql: &mut Fragment, query: &str, top: bool, narrow: bool);
}

/// What the index can say of a text-only part of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextQuery {
    /// Tickets whose text matches this index query.
    Matches(String),
    /// Every ticket (terms with nothing to search for).
    Everything,
}

/// The index query of `e` when it is text only and the index can say it
/// (no "not" on its own, only "this and not that").
pub fn text_query<I: TextIndex>(index: &I, e: &SearchExpr) -> Option<TextQuery> {
    match e {
        SearchExpr::Text { text, phrase } => Some(match index.phrase(text, *phrase) {
            Some(p) => TextQuery::Matches(p),
            None => TextQuery::Everything,
        }),
        SearchExpr::All(items) => {
            let mut pos = Vec::new();
            let mut neg = Vec::new();
            for item in items {
                match item {
                    SearchExpr::Not(inner) => match text_query(index, inner)? {
                        TextQuery::Matches(x) => neg.push(x),
                        TextQuery::Everything => return None,
                    },
                    other => match text_query(index, other)? {
                        TextQuery::Matches(x) => pos.push(x),
                        TextQuery::Everything => {}
                    },
                }
            }
            if pos.is_empty() {
                return if neg.is_empty() { Some(TextQuery::Everything) } else { None };
            }
            let mut out = pos.iter().map(|p| format!("({p})")).collect::<Vec<_>>().join(I::AND);
            for n in neg {
                out = index.and_not(out, &n);
            }
            Some(TextQuery::Matches(out))
        }
        SearchExpr::Any(items) => {
            let mut parts = Vec::new();
            for item in items {
                match text_query(index, item)? {
                    TextQuery::Matches(x) => parts.push(format!("({x})")),
                    TextQuery::Everything => return Some(TextQuery::Everything),
                }
            }
            if parts.is_empty() {
                return None;
            }
            Some(TextQuery::Matches(parts.join(I::OR)))
        }
        SearchExpr::Not(_) | SearchExpr::Field(_) | SearchExpr::Nothing => None,
    }
}

/// The words and phrases a result should contain (those not under a
/// "not"), for ranking, as typed.
pub fn wanted_terms(e: &SearchExpr) -> Vec<(&str, bool)> {
    fn walk<'a>(e: &'a SearchExpr, negated: bool, out: &mut Vec<(&'a str, bool)>) {
        match e {
            SearchExpr::Text { text, phrase } if !negated => out.push((text, *phrase)),
            SearchExpr::All(items) | SearchExpr::Any(items) => items.iter().for_each(|i| walk(i, negated, out)),
            SearchExpr::Not(inner) => walk(inner, !negated, out),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(e, false, &mut out);
    out
}

/// The tickets of a page of matches (ids with their scores), each checked
/// against the scope again: a ticket the index misplaced, or one deleted
/// meanwhile, is left out rather than shown. `None` for an empty page.
pub fn hits_sql(tickets: &TicketSql, scope: &TicketScope, found: &[(i64, Option<f64>)]) -> Option<Fragment> {
    if found.is_empty() {
        return None;
    }
    let mut sql = Fragment::new(format!("SELECT {} FROM tickets t WHERE t.deleted_at IS NULL", *TICKET_SELECT));
    if let Some(scope) = tickets.scope(scope, false) {
        sql.push(" AND ").append(&scope);
    }
    sql.push(" AND ").append(&tickets.dialect.in_ints("t.id", found.iter().map(|(id, _)| *id).collect()));
    Some(sql)
}

/// The tickets [`hits_sql`] read, in the order of `found`, with their
/// scores.
pub fn hits(found: &[(i64, Option<f64>)], tickets: Vec<Ticket>) -> Vec<SearchHit> {
    let mut by_id: HashMap<i64, Ticket> = tickets.into_iter().map(|t| (t.id.0, t)).collect();
    found.iter().filter_map(|(id, score)| by_id.remove(id).map(|ticket| SearchHit { ticket, score: *score })).collect()
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

fn ms(t: tessera_core::Timestamp) -> i64 {
    t.timestamp_millis()
}

/// A backend's search compiler for one search.
pub struct SearchSql<'a, I: TextIndex> {
    /// The backend's SQL spelling.
    pub dialect: &'static Dialect,
    /// Its full-text index.
    pub index: &'a I,
    /// The searcher may read internal notes (their attachments count).
    pub include_notes: bool,
}

impl<I: TextIndex> SearchSql<'_, I> {
    /// Appends the condition of `e`; `top` for the search itself and the
    /// items of its top-level "and".
    pub fn condition(&self, sql: &mut Fragment, e: &SearchExpr, top: bool) {
        let d = self.dialect;
        if let Some(q) = text_query(self.index, e) {
            match q {
                TextQuery::Matches(x) => self.index.lookup(sql, &x, top, false),
                TextQuery::Everything => {
                    sql.push(d.true_sql);
                }
            }
            return;
        }
        match e {
            SearchExpr::All(items) => {
                // The text items (with the "not"s the index can attach to
                // them) together make one lookup; the rest are joined.
                let expressible = |i: &SearchExpr| matches!(text_query(self.index, i), Some(TextQuery::Matches(_)));
                let has_positive = items.iter().any(|i| !matches!(i, SearchExpr::Not(_)) && expressible(i));
                let (text, other): (Vec<&SearchExpr>, Vec<&SearchExpr>) = items.iter().partition(|i| match i {
                    SearchExpr::Not(inner) => has_positive && expressible(inner),
                    other => expressible(other),
                });
                sql.push("(");
                let mut first = true;
                if !text.is_empty() {
                    let group = SearchExpr::All(text.into_iter().cloned().collect());
                    match text_query(self.index, &group) {
                        Some(TextQuery::Matches(x)) => {
                            self.index.lookup(sql, &x, top, items.iter().any(selective));
                        }
                        _ => {
                            sql.push(d.true_sql);
                        }
                    }
                    first = false;
                }
                for item in other {
                    if !first {
                        sql.push(" AND ");
                    }
                    first = false;
                    self.condition(sql, item, false);
                }
                if first {
                    sql.push(d.true_sql);
                }
                sql.push(")");
            }
            SearchExpr::Any(items) => {
                sql.push("(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        sql.push(" OR ");
                    }
                    self.condition(sql, item, false);
                }
                if items.is_empty() {
                    sql.push(d.false_sql);
                }
                sql.push(")");
            }
            SearchExpr::Not(inner) => {
                sql.push("NOT (");
                self.condition(sql, inner, false);
                sql.push(")");
            }
            SearchExpr::Text { .. } => {
                sql.push(d.true_sql);
            }
            SearchExpr::Field(f) => self.field(sql, f),
            SearchExpr::Nothing => {
                sql.push(d.false_sql);
            }
        }
    }

    /// A field term, never NULL, written so that the tickets' indexes
    /// serve it.
    fn field(&self, sql: &mut Fragment, f: &SearchField) {
        let d = self.dialect;
        let ints = |col: &str, ids: Vec<i64>| {
            if ids.is_empty() { Fragment::new(d.false_sql) } else { d.in_ints(col, ids) }
        };
        let texts = |col: &str, values: Vec<String>| {
            if values.is_empty() { Fragment::new(d.false_sql) } else { d.in_texts(col, values) }
        };
        match f {
            SearchField::Number(n) => {
                sql.append(&d.text_equals("t.number", n));
            }
            SearchField::Statuses(keys) => {
                sql.append(&texts("t.status", keys.iter().map(|k| k.0.clone()).collect()));
            }
            SearchField::Categories(cats) => {
                sql.append(&texts("t.status_category", cats.iter().map(|c| c.as_str().to_string()).collect()));
            }
            SearchField::Priorities(p) => {
                sql.append(&ints("t.priority", p.iter().map(|p| p.rank()).collect()));
            }
            SearchField::Type(t) => {
                sql.append(&d.same_as("t.ticket_type", Value::Text(t.as_str().into())));
            }
            SearchField::Departments(ids) => {
                sql.append(&ints("t.department_id", ids.iter().map(|d| d.0).collect()));
            }
            SearchField::Assignee(None) => {
                sql.push("t.assignee_id IS NULL");
            }
            SearchField::Assignee(Some(a)) => {
                sql.append(&d.same_as("t.assignee_id", Value::Int(a.0)));
            }
            SearchField::Requesters(r) => {
                sql.append(&ints("t.requester_id", r.iter().map(|r| r.0).collect()));
            }
            SearchField::Organizations(o) => {
                if o.is_empty() {
                    sql.push(d.false_sql);
                } else {
                    sql.push("(t.organization_id IS NOT NULL AND ");
                    sql.append(&d.in_ints("t.organization_id", o.iter().map(|o| o.0).collect())).push(")");
                }
            }
            SearchField::Tag(tag) => {
                let equals = d.text_equals("g.tag", tag);
                sql.push("EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND ").append(&equals).push(")");
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
                sql.push("(").push(d.true_sql);
                if let Some(s) = range.start {
                    sql.push(&format!(" AND {col} >= ")).bind(ms(s));
                }
                if let Some(e) = range.end {
                    sql.push(&format!(" AND {col} < ")).bind(ms(e));
                }
                sql.push(")");
            }
            SearchField::SlaBreached => {
                sql.push(&sla_breached(true));
            }
            SearchField::SlaDue(range) => {
                sql.push("EXISTS (SELECT 1 FROM ticket_sla s WHERE s.ticket_id = t.id AND s.next_due_at IS NOT NULL");
                if let Some(s) = range.start {
                    sql.push(" AND s.next_due_at >= ").bind(ms(s));
                }
                if let Some(e) = range.end {
                    sql.push(" AND s.next_due_at < ").bind(ms(e));
                }
                sql.push(")");
            }
        }
    }
}
