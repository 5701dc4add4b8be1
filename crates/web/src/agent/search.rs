//! The agent's search page (`/agent/search?q=`): the search language of
//! `docs/search.md` over every ticket the agent may see, ranked, with the
//! matched words marked in excerpts of the subject and messages. The same
//! desk call answers `GET /api/v1/search`.

use crate::WebState;
use crate::agent::require_agent;
use crate::forms::encode;
use crate::page::{Page, WebError, desk_message, html, html_status};
use crate::session::Signed;
use crate::view::{Lookup, TicketRow};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use tessera_core::ids::UserId;
use tessera_desk::{DeskError, SearchRequest, Snippet};
use tessera_store::SearchOrder;

/// Results per page.
const PER_PAGE: u32 = 25;

/// `?q=&page=`.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
    page: Option<u32>,
}

/// A piece of an excerpt: plain, or a matched word.
#[derive(Debug, Clone)]
pub struct Piece {
    /// The text.
    pub text: String,
    /// A match (shown in `<mark>`).
    pub hit: bool,
}

/// A result: the ticket's row and its excerpts.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The ticket.
    pub row: TicketRow,
    /// Excerpts, each as pieces.
    pub snippets: Vec<Vec<Piece>>,
}

#[derive(Template)]
#[template(path = "agent_search.html")]
struct SearchPage {
    page: Page,
    q: String,
    hits: Vec<Hit>,
    total: u64,
    error: Option<String>,
    prev: Option<String>,
    next: Option<String>,
}

/// Cuts an excerpt at its highlight offsets (counted in characters).
fn pieces(s: &Snippet) -> Vec<Piece> {
    let chars: Vec<char> = s.text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in &s.highlights {
        let (start, end) = (start.min(chars.len()), end.min(chars.len()));
        if start < at || end <= start {
            continue;
        }
        if start > at {
            out.push(Piece { text: chars[at..start].iter().collect(), hit: false });
        }
        out.push(Piece { text: chars[start..end].iter().collect(), hit: true });
        at = end;
    }
    if at < chars.len() {
        out.push(Piece { text: chars[at..].iter().collect(), hit: false });
    }
    out
}

/// The search page.
pub async fn search(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Result<Response, WebError> {
    require_agent(&s)?;
    let text = q.q.unwrap_or_default();
    let page_no = q.page.unwrap_or(1).clamp(1, 1000);
    let here = format!("/agent/search?q={}", encode(&text));
    let page = Page::new(&state, &headers, Some(&s), "agent", &here);
    let i = page.i;
    let mut out = SearchPage { page, q: text.clone(), hits: vec![], total: 0, error: None, prev: None, next: None };
    if text.trim().is_empty() {
        return html(&out);
    }
    let request = SearchRequest {
        query: text.clone(),
        order: SearchOrder::Relevance,
        offset: (page_no - 1) * PER_PAGE,
        limit: Some(PER_PAGE),
    };
    let results = match state.desk.search(&s.actor, request).await {
        Ok(r) => r,
        Err(e @ (DeskError::Search { .. } | DeskError::Domain(_))) => {
            // A mistake in the search: say what and where, next to the box.
            out.error = Some(match &e {
                DeskError::Search { message, .. } => message.clone(),
                other => desk_message(&i, other).1,
            });
            return html_status(StatusCode::UNPROCESSABLE_ENTITY, &out);
        }
        Err(e) => return Err(e.into()),
    };
    let mut l = Lookup::load(&state.desk, &s.actor).await?;
    let ids: Vec<UserId> =
        results.results.iter().flat_map(|r| [Some(r.ticket.requester_id), r.ticket.assignee_id]).flatten().collect();
    l.users(&state.desk, &ids).await?;
    let now = state.desk.now();
    out.total = results.total;
    out.hits = results
        .results
        .iter()
        .map(|r| Hit {
            row: TicketRow::of(&i, &l, &r.ticket, true, now),
            snippets: r.snippets.iter().map(pieces).collect(),
        })
        .collect();
    let qs = encode(&text);
    out.prev = (page_no > 1).then(|| format!("/agent/search?q={qs}&page={}", page_no - 1));
    out.next = results.next_offset.map(|_| format!("/agent/search?q={qs}&page={}", page_no + 1));
    html(&out)
}
