//! Search: `GET /api/v1/search?q=…`, the search language over the tickets
//! the caller may see, ranked, with highlighted snippets.

use super::dto::TicketOut;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiQuery, Auth};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use tessera_core::ids::MessageId;
use tessera_desk::{SearchRequest, SnippetSource};
use tessera_store::SearchOrder;
use utoipa::{IntoParams, ToSchema};

/// The search and its paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The search, in the search language (docs/search.md): words,
    /// "phrases", `field:value`, comparisons, `-` and `OR`; at most 500
    /// characters.
    q: Option<String>,
    /// `relevance` (default: best first when at most 2,000 tickets match,
    /// else newest first; without words `-updated`), `-updated` or
    /// `updated`, `-created` or `created` (`-`: newest first).
    sort: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 100 (default 25).
    limit: Option<String>,
}

/// Where a snippet comes from.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SnippetSourceOut {
    /// The ticket's subject.
    Subject,
    /// A message (a public reply; for agents also a note).
    Message,
}

/// An excerpt with the matched words marked.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnippetOut {
    /// Subject or message.
    pub source: SnippetSourceOut,
    /// The message, for message snippets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// At most 200 characters, whitespace collapsed, `…` where it was cut.
    pub text: String,
    /// The matches as `[start, end)` pairs of offsets into `text`, counted
    /// in Unicode characters (code points, not bytes or UTF-16 units).
    pub highlights: Vec<[usize; 2]>,
}

/// One result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResultOut {
    /// The ticket, as the ticket endpoints show it.
    pub ticket: TicketOut,
    /// Relevance (bm25), larger is better; `null` when the search has no
    /// words, is sorted by time, or matches more than 2,000 tickets (those
    /// come newest first).
    pub score: Option<f64>,
    /// Up to three: the subject when it matches, then the best matching
    /// messages.
    pub snippets: Vec<SnippetOut>,
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchOut {
    /// The results, in order.
    pub results: Vec<SearchResultOut>,
    /// The exact number of matching tickets the caller may see.
    pub total: u64,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

fn bad(field: &str, msg: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_query", msg).with_field(field)
}

fn order(sort: Option<&str>) -> ApiResult<SearchOrder> {
    Ok(match sort.map(str::trim) {
        None | Some("") | Some("relevance") => SearchOrder::Relevance,
        Some("-updated") | Some("-updated_at") => SearchOrder::Updated { descending: true },
        Some("updated") | Some("updated_at") | Some("+updated") => SearchOrder::Updated { descending: false },
        Some("-created") | Some("-created_at") => SearchOrder::Created { descending: true },
        Some("created") | Some("created_at") | Some("+created") => SearchOrder::Created { descending: false },
        Some(_) => return Err(bad("sort", "sort by relevance, -updated, updated, -created or created")),
    })
}

fn sort_code(o: SearchOrder) -> &'static str {
    match o {
        SearchOrder::Relevance => "r",
        SearchOrder::Updated { descending: true } => "u-",
        SearchOrder::Updated { descending: false } => "u+",
        SearchOrder::Created { descending: true } => "c-",
        SearchOrder::Created { descending: false } => "c+",
    }
}

/// A cursor: the offset of the next page, bound to the search and order it
/// belongs to, so it cannot be reused for another.
fn encode_cursor(q: &str, o: SearchOrder, offset: u32) -> String {
    URL_SAFE_NO_PAD.encode(format!("s{}:{}:{}", sort_code(o), fingerprint(q), offset))
}

fn decode_cursor(s: &str, q: &str, o: SearchOrder) -> Option<u32> {
    let raw = URL_SAFE_NO_PAD.decode(s.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let mut parts = text.splitn(3, ':');
    if parts.next()? != format!("s{}", sort_code(o)) || parts.next()? != fingerprint(q) {
        return None;
    }
    parts.next()?.parse().ok()
}

/// A short, stable digest of the search text.
fn fingerprint(q: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(q.as_bytes())[..6])
}

/// Search tickets.
///
/// Finds the tickets the caller may see that match the search, whatever
/// the search says: customers their own (and, with `sees_all`, their
/// organization's) tickets, never internal notes; agents their
/// departments' tickets and those assigned or flagged to them; admins all.
/// A search that does not parse, or names an unknown department, agent,
/// organization or status, is a 422 whose `field` is `q`, with the
/// parser's `code` and the `position` (in characters) of the problem. An
/// empty or missing `q` is a 422 with the code `empty_query`.
#[utoipa::path(
    get, path = "/search", tag = "search", params(SearchParams),
    responses(
        (status = 200, body = SearchOut),
        (status = 400, description = "a bad cursor, sort or limit", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 422, description = "the search does not parse, or names something unknown", body = ErrorBody),
    ),
)]
pub async fn search(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> ApiResult<Json<SearchOut>> {
    let q = p.q.unwrap_or_default();
    let order = order(p.sort.as_deref())?;
    let limit = match p.limit.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(l) => Some(
            l.parse::<u32>().ok().filter(|n| (1..=100).contains(n)).ok_or_else(|| bad("limit", "limit is 1 to 100"))?,
        ),
    };
    let offset = match p.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
        None => 0,
        Some(c) => decode_cursor(c, &q, order)
            .ok_or_else(|| bad("cursor", "this cursor is not from this search; start again without it"))?,
    };
    let found = state.desk.search(&actor, SearchRequest { query: q.clone(), order, offset, limit }).await?;
    let now = state.desk.now();
    let results = found
        .results
        .into_iter()
        .map(|r| SearchResultOut {
            ticket: TicketOut::new(r.ticket, now),
            score: r.score,
            snippets: r
                .snippets
                .into_iter()
                .map(|s| {
                    let (source, message_id) = match s.source {
                        SnippetSource::Subject => (SnippetSourceOut::Subject, None),
                        SnippetSource::Message(id) => (SnippetSourceOut::Message, Some(id)),
                    };
                    SnippetOut {
                        source,
                        message_id,
                        text: s.text,
                        highlights: s.highlights.into_iter().map(|(a, b)| [a, b]).collect(),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(Json(SearchOut {
        results,
        total: found.total,
        next_cursor: found.next_offset.map(|o| encode_cursor(&q, order, o)),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_belong_to_their_search_and_order() {
        let c = encode_cursor("refund", SearchOrder::Relevance, 25);
        assert_eq!(decode_cursor(&c, "refund", SearchOrder::Relevance), Some(25));
        assert_eq!(decode_cursor(&c, "other", SearchOrder::Relevance), None);
        assert_eq!(decode_cursor(&c, "refund", SearchOrder::Updated { descending: true }), None);
        assert_eq!(decode_cursor("garbage", "refund", SearchOrder::Relevance), None);
    }
}
