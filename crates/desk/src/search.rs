//! Search: the search box of the console and the portal, and
//! `GET /api/v1/search`. A search in the language of
//! [`tessera_core::search`] is parsed, its names (departments, people,
//! organizations, statuses) are resolved to ids, and the store runs it inside
//! the searcher's permission scope, whatever the search says. Each result
//! comes with highlighted snippets of the subject and the best matching
//! messages the searcher may read.

use crate::Desk;
use crate::error::{DeskError, DeskResult};
use std::collections::HashMap;
use std::ops::Range;
use tessera_core::ids::{MessageId, TicketId, UserId};
use tessera_core::search::{
    self, Comparison, FieldMatch, HasWhat, NamedRef, ParseError, Query, SlaState, StatusValue, Term, TextPart,
    TimeRange, UserRef,
};
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::Priority;
use tessera_core::{Actor, Message, MessageKind, Ticket};
use tessera_store::{MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET, SearchExpr, SearchField, SearchOrder, SearchQuery};

/// The longest snippet, in characters (with its `…`).
pub const SNIPPET_CHARS: usize = 200;
/// Most snippets per result.
pub const MAX_SNIPPETS: usize = 3;
/// Characters of context kept before the first match in a snippet.
const LEAD_CHARS: usize = 60;
/// Most people a name may stand for in `requester:"…"`.
const MAX_NAMESAKES: u32 = 50;

/// A search request.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// The search, in the search language.
    pub query: String,
    /// Order (default: relevance; newest changed first without text).
    pub order: SearchOrder,
    /// Skip this many results (at most [`MAX_SEARCH_OFFSET`]).
    pub offset: u32,
    /// Page size, 1 to [`MAX_SEARCH_LIMIT`] (default 25).
    pub limit: Option<u32>,
}

/// Where a snippet comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnippetSource {
    /// The ticket's subject.
    Subject,
    /// A message (a public reply, or for agents a note).
    Message(MessageId),
}

/// An excerpt of a result with the matched words marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// Subject or message.
    pub source: SnippetSource,
    /// At most [`SNIPPET_CHARS`] characters, whitespace collapsed, `…` where
    /// it was cut.
    pub text: String,
    /// The matches as `[start, end)` offsets into `text`, counted in
    /// Unicode characters (code points), sorted, not overlapping.
    pub highlights: Vec<(usize, usize)>,
}

/// One result.
#[derive(Debug, Clone)]
pub struct SearchResult {
    /// The ticket as the searcher may see it.
    pub ticket: Ticket,
    /// Relevance, larger is better (`None` when the order is not by
    /// relevance, the search has no words, or it matches too many tickets
    /// to rank: see `tessera_store_sqlite`'s `RANK_LIMIT`).
    pub score: Option<f64>,
    /// Up to [`MAX_SNIPPETS`]: the subject when it matches, then the best
    /// matching messages (none when the search has no words).
    pub snippets: Vec<Snippet>,
}

/// A page of results.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// The results, in order.
    pub results: Vec<SearchResult>,
    /// The exact number of matching tickets the searcher may see.
    pub total: u64,
    /// The offset of the next page, if there is one.
    pub next_offset: Option<u32>,
}

/// The error of a search that does not parse: its code, what is wrong and
/// where (a character offset), on the input `q`.
pub fn parse_error(input: &str, e: &ParseError) -> DeskError {
    let position = input.get(..e.offset).map_or(0, |s| s.chars().count());
    DeskError::Search {
        code: e.code(),
        message: format!("{} (at character {} of the search)", e.kind, position + 1),
        position,
    }
}

fn unknown(what: &str, value: &str) -> DeskError {
    DeskError::Search { code: "unknown_value", message: format!("there is no {what} {value:?}"), position: 0 }
}

/// Names the search uses, looked up once before it is translated.
#[derive(Default)]
struct Names {
    /// People by e-mail or name as typed (`requester` or `assignee`).
    people: HashMap<(bool, String), Vec<UserId>>,
}

impl Desk {
    /// Runs a search for `actor`: tickets they may see that match, ranked,
    /// with snippets, and the exact total. Customers search their own (and,
    /// when allowed, their organization's) tickets, archived ones included,
    /// and never internal notes.
    pub async fn search(&self, actor: &Actor, req: SearchRequest) -> DeskResult<SearchResults> {
        let query = search::parse(&req.query).map_err(|e| parse_error(&req.query, &e))?;
        let expr = self.resolve(actor, &query).await?;
        let limit = req.limit.unwrap_or(25).clamp(1, MAX_SEARCH_LIMIT);
        if req.offset > MAX_SEARCH_OFFSET {
            return Err(DeskError::invalid(
                "cursor",
                "too_deep",
                format!("results go no deeper than {MAX_SEARCH_OFFSET}; narrow the search"),
            ));
        }
        let page = self
            .store
            .search_tickets(&SearchQuery {
                scope: actor.ticket_scope(),
                expr,
                include_notes: actor.is_staff(),
                order: req.order,
                offset: req.offset,
                limit,
            })
            .await?;
        let terms = query.free_text();
        let defs = self.field_defs().await?;
        let mut by_ticket: HashMap<TicketId, Vec<Message>> = HashMap::new();
        if !terms.is_empty() {
            let ids: Vec<TicketId> = page.hits.iter().map(|h| h.ticket.id).collect();
            for m in self.store.snippet_messages(&ids, actor.is_staff()).await? {
                by_ticket.entry(m.ticket_id).or_default().push(m);
            }
        }
        let mut results = Vec::with_capacity(page.hits.len());
        for hit in page.hits {
            let snippets = if terms.is_empty() {
                Vec::new()
            } else {
                let messages = by_ticket.remove(&hit.ticket.id).unwrap_or_default();
                snippets(actor, &hit.ticket, &messages, &terms)
            };
            results.push(SearchResult {
                ticket: self.present_ticket(actor, &defs, hit.ticket),
                score: hit.score,
                snippets,
            });
        }
        let seen = u64::from(req.offset) + results.len() as u64;
        let next_offset = (seen < page.total && !results.is_empty())
            .then(|| req.offset + results.len() as u32)
            .filter(|o| *o <= MAX_SEARCH_OFFSET);
        Ok(SearchResults { results, total: page.total, next_offset })
    }

    /// Translates a parsed search into the store's terms.
    async fn resolve(&self, actor: &Actor, q: &Query) -> DeskResult<SearchExpr> {
        let mut wanted: Vec<(bool, UserRef)> = Vec::new();
        let mut needs_departments = false;
        let mut needs_organizations = false;
        let mut needs_statuses = false;
        walk(q, &mut |t| match t {
            Term::Field(FieldMatch::Assignee(r @ (UserRef::Email(_) | UserRef::Name(_)))) => {
                wanted.push((true, r.clone()))
            }
            Term::Field(FieldMatch::Requester(r @ (UserRef::Email(_) | UserRef::Name(_)))) => {
                wanted.push((false, r.clone()))
            }
            Term::Field(FieldMatch::Department(NamedRef::Name(_))) => needs_departments = true,
            Term::Field(FieldMatch::Organization(NamedRef::Name(_))) => needs_organizations = true,
            Term::Field(FieldMatch::Status(StatusValue::Key(_))) => needs_statuses = true,
            _ => {}
        });
        if !actor.is_staff() && any_term(q, |t| matches!(t, Term::Field(FieldMatch::Tag(_)))) {
            return Err(DeskError::Search {
                code: "field_not_allowed",
                message: "tags are for agents; search without 'tag:'".into(),
                position: 0,
            });
        }
        if !actor.is_staff()
            && any_term(q, |t| matches!(t, Term::Field(FieldMatch::Sla(_)) | Term::Compare(Comparison::SlaDue { .. })))
        {
            return Err(DeskError::Search {
                code: "field_not_allowed",
                message: "SLA targets are for agents; search without 'sla'".into(),
                position: 0,
            });
        }
        let mut names = Names::default();
        for (staff_only, r) in wanted {
            let key = match &r {
                UserRef::Email(e) | UserRef::Name(e) => e.clone(),
                _ => continue,
            };
            if names.people.contains_key(&(staff_only, key.clone())) {
                continue;
            }
            let users = match &r {
                UserRef::Email(e) => self.store.user_by_email(e).await?.into_iter().collect(),
                _ => self.store.users_named(&key, MAX_NAMESAKES).await?,
            };
            let ids = users.into_iter().filter(|u| !staff_only || u.role.is_staff()).map(|u| u.id).collect();
            names.people.insert((staff_only, key), ids);
        }
        let departments = if needs_departments { self.store.list_departments().await? } else { Vec::new() };
        let organizations = if needs_organizations { self.store.list_organizations().await? } else { Vec::new() };
        let statuses = if needs_statuses { self.store.statuses().await? } else { Vec::new() };
        let now = self.now();
        // Unknown names are an error for agents, who can fix them; for
        // customers they simply match nothing (nothing is revealed).
        let staff = actor.is_staff();
        let missing = |what: &str, value: &str| -> DeskResult<SearchExpr> {
            if staff { Err(unknown(what, value)) } else { Ok(SearchExpr::Nothing) }
        };
        let term = |t: &Term| -> DeskResult<SearchExpr> {
            Ok(match t {
                Term::Text(w) if w.bytes().all(|b| b.is_ascii_digit()) && w.len() <= 20 => SearchExpr::Any(vec![
                    SearchExpr::Text { text: w.clone(), phrase: false },
                    SearchExpr::Field(SearchField::Number(w.clone())),
                ]),
                Term::Text(w) => SearchExpr::Text { text: w.clone(), phrase: false },
                Term::Phrase(p) => SearchExpr::Text { text: p.clone(), phrase: true },
                Term::Has(HasWhat::Attachment) => SearchExpr::Field(SearchField::HasAttachment),
                Term::Compare(Comparison::Status { op, category }) => {
                    SearchExpr::Field(SearchField::Categories(op.select(StatusCategory::ALL, *category)))
                }
                Term::Compare(Comparison::Priority { op, priority }) => {
                    SearchExpr::Field(SearchField::Priorities(op.select(Priority::ALL, *priority)))
                }
                Term::Compare(Comparison::Date { field, op, value }) => {
                    SearchExpr::Field(SearchField::Time(*field, value.range(*op, now)))
                }
                Term::Compare(Comparison::SlaDue { op, within }) => {
                    SearchExpr::Field(SearchField::SlaDue(within.ahead(*op, now)))
                }
                Term::Field(f) => match f {
                    FieldMatch::Status(StatusValue::Category(c)) => {
                        SearchExpr::Field(SearchField::Categories(vec![*c]))
                    }
                    FieldMatch::Status(StatusValue::Key(k)) => {
                        if statuses.iter().any(|s| s.key.as_str() == k) {
                            SearchExpr::Field(SearchField::Statuses(vec![StatusKey::new(k)]))
                        } else {
                            return Err(unknown("status", k));
                        }
                    }
                    FieldMatch::Priority(p) => SearchExpr::Field(SearchField::Priorities(vec![*p])),
                    FieldMatch::Type(t) => SearchExpr::Field(SearchField::Type(*t)),
                    FieldMatch::Department(NamedRef::Id(id)) => SearchExpr::Field(SearchField::Departments(vec![*id])),
                    FieldMatch::Department(NamedRef::Name(n)) => {
                        let want = search::fold(n.trim());
                        match departments
                            .iter()
                            .filter(|d| search::fold(d.name.trim()) == want)
                            .map(|d| d.id)
                            .collect::<Vec<_>>()
                        {
                            ids if ids.is_empty() => missing("department", n)?,
                            ids => SearchExpr::Field(SearchField::Departments(ids)),
                        }
                    }
                    FieldMatch::Organization(NamedRef::Id(id)) => {
                        SearchExpr::Field(SearchField::Organizations(vec![*id]))
                    }
                    FieldMatch::Organization(NamedRef::Name(n)) => {
                        let want = search::fold(n.trim());
                        match organizations
                            .iter()
                            .filter(|o| search::fold(o.name.trim()) == want)
                            .map(|o| o.id)
                            .collect::<Vec<_>>()
                        {
                            ids if ids.is_empty() => missing("organization", n)?,
                            ids => SearchExpr::Field(SearchField::Organizations(ids)),
                        }
                    }
                    FieldMatch::Assignee(r) => match r {
                        UserRef::Me => SearchExpr::Field(SearchField::Assignee(Some(actor.user_id))),
                        UserRef::Nobody => SearchExpr::Field(SearchField::Assignee(None)),
                        UserRef::Id(id) => SearchExpr::Field(SearchField::Assignee(Some(*id))),
                        UserRef::Email(v) | UserRef::Name(v) => {
                            match names.people.get(&(true, v.clone())).map(Vec::as_slice).unwrap_or_default() {
                                [] => missing("agent", v)?,
                                ids => any(ids.iter().map(|id| SearchExpr::Field(SearchField::Assignee(Some(*id))))),
                            }
                        }
                    },
                    FieldMatch::Requester(r) => match r {
                        UserRef::Me => SearchExpr::Field(SearchField::Requesters(vec![actor.user_id])),
                        UserRef::Id(id) => SearchExpr::Field(SearchField::Requesters(vec![*id])),
                        // The parser refuses `requester:none`.
                        UserRef::Nobody => SearchExpr::Nothing,
                        UserRef::Email(v) | UserRef::Name(v) => {
                            match names.people.get(&(false, v.clone())).map(Vec::as_slice).unwrap_or_default() {
                                [] => missing("requester", v)?,
                                ids => SearchExpr::Field(SearchField::Requesters(ids.to_vec())),
                            }
                        }
                    },
                    FieldMatch::Tag(tag) => SearchExpr::Field(SearchField::Tag(tag.clone())),
                    FieldMatch::Number(n) => SearchExpr::Field(SearchField::Number(n.clone())),
                    FieldMatch::Date(field, spec) => SearchExpr::Field(SearchField::Time(*field, spec.range())),
                    FieldMatch::Sla(SlaState::Breached) => SearchExpr::Field(SearchField::SlaBreached),
                    FieldMatch::Sla(SlaState::Running) => SearchExpr::Field(SearchField::SlaDue(TimeRange::default())),
                },
            })
        };
        translate(q, &term)
    }
}

/// The snippets of one result: the subject when it matches, then the
/// messages the searcher may read with the most matched words.
fn snippets(actor: &Actor, t: &Ticket, messages: &[Message], terms: &[TextPart<'_>]) -> Vec<Snippet> {
    let mut out = Vec::new();
    if let Some(s) = snippet(&t.subject, terms) {
        out.push(Snippet { source: SnippetSource::Subject, ..s });
    }
    let mut scored: Vec<(usize, usize, MessageId, Snippet)> = Vec::new();
    for m in messages {
        if m.deleted_at.is_some() || m.encrypted || (m.kind == MessageKind::Note && !actor.is_staff()) {
            continue;
        }
        // Only what the message says anew, as the index holds: a word found
        // in quoted history is shown from the message that first said it.
        let text = tessera_core::message::new_part(&m.body, m.quote_start);
        let Some(s) = snippet(text, terms) else { continue };
        let matched = terms.iter().filter(|p| !search::find_term(text, p.text, p.phrase).is_empty()).count();
        let hits = s.highlights.len();
        scored.push((matched, hits, m.id, Snippet { source: SnippetSource::Message(m.id), ..s }));
    }
    // Most distinct words first, then most matches, then the newest.
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(&a.2)));
    out.extend(scored.into_iter().map(|s| s.3));
    out.truncate(MAX_SNIPPETS);
    out
}

/// Calls `f` on every term of `q`.
fn walk(q: &Query, f: &mut impl FnMut(&Term)) {
    let mut stack = vec![q];
    while let Some(q) = stack.pop() {
        match q {
            Query::Term(t) => f(t),
            Query::Not(inner) => stack.push(inner),
            Query::And(items) | Query::Or(items) => stack.extend(items.iter()),
        }
    }
}

fn any_term(q: &Query, pred: impl Fn(&Term) -> bool) -> bool {
    let mut found = false;
    walk(q, &mut |t| found |= pred(t));
    found
}

fn any(items: impl Iterator<Item = SearchExpr>) -> SearchExpr {
    let mut v: Vec<SearchExpr> = items.collect();
    if v.len() == 1 { v.remove(0) } else { SearchExpr::Any(v) }
}

/// The query's tree with each term translated (the parser bounds its depth).
fn translate(q: &Query, term: &impl Fn(&Term) -> DeskResult<SearchExpr>) -> DeskResult<SearchExpr> {
    Ok(match q {
        Query::Term(t) => term(t)?,
        Query::Not(inner) => SearchExpr::Not(Box::new(translate(inner, term)?)),
        Query::And(items) => SearchExpr::All(items.iter().map(|i| translate(i, term)).collect::<DeskResult<_>>()?),
        Query::Or(items) => SearchExpr::Any(items.iter().map(|i| translate(i, term)).collect::<DeskResult<_>>()?),
    })
}

/// An excerpt of `text` around its first match of any of `terms`, with the
/// matches highlighted; `None` when nothing matches.
pub fn snippet(text: &str, terms: &[TextPart<'_>]) -> Option<Snippet> {
    // One line: runs of whitespace become one space.
    let clean: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut ranges: Vec<Range<usize>> =
        terms.iter().flat_map(|p| search::find_term(&clean, p.text, p.phrase)).collect();
    if ranges.is_empty() {
        return None;
    }
    ranges.sort_by_key(|r| (r.start, r.end));
    // Byte offsets to character offsets.
    let starts: Vec<usize> = clean.char_indices().map(|(i, _)| i).collect();
    let char_at = |byte: usize| starts.partition_point(|&b| b < byte);
    let total = starts.len();
    let first = char_at(ranges[0].start);
    let mut from = first.saturating_sub(LEAD_CHARS);
    // Start at a word when one begins shortly after the cut.
    if from > 0 {
        let chars: Vec<char> = clean.chars().collect();
        if let Some(k) = (from..first).take(20).find(|&i| chars[i - 1] == ' ') {
            from = k;
        }
    }
    let lead = usize::from(from > 0);
    let room = SNIPPET_CHARS - lead;
    let to = if total - from > room { from + room - 1 } else { total };
    let trail = usize::from(to < total);
    let mut out = String::new();
    if lead == 1 {
        out.push('…');
    }
    out.extend(clean.chars().skip(from).take(to - from));
    if trail == 1 {
        out.push('…');
    }
    let mut highlights: Vec<(usize, usize)> = Vec::new();
    for r in ranges {
        let (s, e) = (char_at(r.start), char_at(r.end));
        let (s, e) = (s.max(from), e.min(to));
        if s >= e {
            continue;
        }
        let (s, e) = (s - from + lead, e - from + lead);
        match highlights.last_mut() {
            Some(prev) if s <= prev.1 => prev.1 = prev.1.max(e),
            _ => highlights.push((s, e)),
        }
    }
    Some(Snippet { source: SnippetSource::Subject, text: out, highlights })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(words: &[&'static str]) -> Vec<TextPart<'static>> {
        words.iter().map(|w| TextPart { text: w, phrase: false }).collect()
    }

    fn marked(s: &Snippet) -> Vec<String> {
        let chars: Vec<char> = s.text.chars().collect();
        s.highlights.iter().map(|(a, b)| chars[*a..*b].iter().collect()).collect()
    }

    #[test]
    fn snippets_mark_matches_in_characters() {
        let s = snippet("İSTANBUL'daki   sunucu\nçöktü", &parts(&["istanbul", "çöktü"])).unwrap();
        assert_eq!(s.text, "İSTANBUL'daki sunucu çöktü");
        assert_eq!(marked(&s), ["İSTANBUL", "çöktü"]);
        let s = snippet("我的退款申请被拒绝", &parts(&["退款"])).unwrap();
        assert_eq!(s.highlights, [(2, 4)]);
        assert!(snippet("nothing here", &parts(&["refund"])).is_none());
    }

    #[test]
    fn long_texts_are_cut_around_the_first_match() {
        let text = format!("{} refund {}", "word ".repeat(100), "tail ".repeat(100));
        let s = snippet(&text, &parts(&["refund"])).unwrap();
        assert!(s.text.chars().count() <= SNIPPET_CHARS, "{}", s.text.chars().count());
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert_eq!(marked(&s), ["refund"]);
    }
}
