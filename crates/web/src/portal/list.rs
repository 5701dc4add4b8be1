//! The customer's ticket list: their tickets (or their organization's),
//! open or solved, with search and paging.

use crate::WebState;
use crate::forms::encode;
use crate::page::{Page, WebError, desk_message, html_status, see_other};
use crate::session::Signed;
use crate::view::panels::{self, PanelHtml};
use crate::view::{Lookup, TicketRow};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use tessera_core::Ticket;
use tessera_core::status::StatusCategory;
use tessera_desk::{DeskError, SearchRequest, TicketListQuery};
use tessera_store::{SearchOrder, TicketFilter, TicketSort};

/// Filters of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// `us`, `you`, `closed`, `archived` (default: all active).
    f: Option<String>,
    /// Text search.
    q: Option<String>,
    /// `org` for the organization's tickets.
    scope: Option<String>,
    /// Page, from 1.
    page: Option<u32>,
}

#[derive(Template)]
#[template(path = "portal_list.html")]
struct ListPage {
    page: Page,
    rows: Vec<TicketRow>,
    filter: String,
    q: String,
    org: bool,
    can_org: bool,
    total: u64,
    page_no: u32,
    pages: u32,
    query_base: String,
    panels_list: Vec<PanelHtml>,
    /// What is wrong with the search, next to the box.
    error: Option<String>,
}

/// Tickets per page of the portal.
const PER_PAGE: u32 = 25;

/// My tickets.
pub async fn list(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Result<Response, WebError> {
    if s.user.role.is_staff() && !s.is_guest() {
        return Ok(see_other("/agent"));
    }
    let page = Page::new(&state, &headers, Some(&s), "portal", &format!("/?{}", headers_query(&q)));
    let i = page.i;
    let filter_key = q.f.clone().unwrap_or_default();
    let org = q.scope.as_deref() == Some("org") && s.user.sees_all && s.user.organization_id.is_some();
    let page_no = q.page.unwrap_or(1).clamp(1, 10_000);
    let text = q.q.clone().filter(|t| !t.trim().is_empty());
    let mut error = None;
    let (tickets, total) = match text {
        // A search: the search language of the agent console and the API,
        // over the customer's own tickets (their organization's with the
        // scope switch), narrowed by the tab.
        Some(text) => {
            let request = SearchRequest {
                query: portal_search(&text, &filter_key, &s, org),
                order: SearchOrder::Relevance,
                offset: (page_no - 1) * PER_PAGE,
                limit: Some(PER_PAGE),
            };
            // The customer's words are checked alone first, so a mistake is
            // reported where they made it.
            let checked = tessera_core::search::parse(&text).map_err(|e| tessera_desk::search::parse_error(&text, &e));
            match checked {
                Ok(_) => match state.desk.search(&s.actor, request).await {
                    Ok(r) => (r.results.into_iter().map(|r| r.ticket).collect(), r.total),
                    Err(e @ (DeskError::Search { .. } | DeskError::Domain(_))) => {
                        error = Some(search_message(&i, &e));
                        (Vec::new(), 0)
                    }
                    Err(e) => return Err(e.into()),
                },
                Err(e) => {
                    error = Some(search_message(&i, &e));
                    (Vec::new(), 0)
                }
            }
        }
        None => {
            let mut filter = TicketFilter::default();
            match filter_key.as_str() {
                "us" => filter.categories = vec![StatusCategory::New, StatusCategory::Open],
                "you" => filter.categories = vec![StatusCategory::Pending],
                "closed" => filter.categories = vec![StatusCategory::Solved, StatusCategory::Closed],
                "archived" => filter.archived = Some(true),
                _ => {}
            }
            if !s.is_guest() {
                if org {
                    filter.organization_id = s.user.organization_id;
                } else {
                    filter.requester_id = Some(s.user.id);
                }
            }
            let result = state
                .desk
                .list_tickets(
                    &s.actor,
                    TicketListQuery {
                        filter,
                        sort: TicketSort::default(),
                        after: None,
                        offset: (page_no - 1) * PER_PAGE,
                        limit: Some(PER_PAGE),
                    },
                )
                .await?;
            (result.tickets, result.total)
        }
    };
    let result = (tickets, total);
    let mut l = Lookup::load(&state.desk, &s.actor).await?;
    let ids: Vec<_> = result.0.iter().map(|t| t.requester_id).collect();
    l.users(&state.desk, &ids).await?;
    let now = state.desk.now();
    let rows = result.0.iter().map(|t| TicketRow::of(&i, &l, t, false, now)).collect();
    let panels_list = {
        let shown: Vec<&Ticket> = result.0.iter().collect();
        let ctx = panels::list_context(&s, &filter_key, &shown);
        let ids: Vec<String> = shown.iter().map(|t| format!("{}.{}", t.id, t.version)).collect();
        panels::fetch(&state, "TicketClientAreaViewList", ctx, &format!("{}:{}", s.user.id, ids.join(","))).await
    };
    let pages = u32::try_from(result.1.div_ceil(u64::from(PER_PAGE))).unwrap_or(1).max(1);
    let query_base = format!(
        "f={}&q={}{}",
        encode(&filter_key),
        encode(q.q.as_deref().unwrap_or("")),
        if org { "&scope=org" } else { "" }
    );
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    html_status(
        status,
        &ListPage {
            rows,
            filter: filter_key,
            q: q.q.unwrap_or_default(),
            org,
            can_org: s.user.sees_all && s.user.organization_id.is_some() && !s.is_guest(),
            total: result.1,
            page_no,
            pages,
            query_base,
            panels_list,
            error,
            page,
        },
    )
}

/// The portal's search in the search language: the customer's words, then
/// the tab (`status<pending` for "waiting for us", `status:pending`,
/// `status>=solved`; the archived tab does not narrow a search, which finds
/// archived tickets anyway) and the scope (`requester:me`, or the
/// organization). The desk limits it to what the customer may see in any
/// case; these terms only narrow.
fn portal_search(text: &str, tab: &str, s: &crate::session::SignedIn, org: bool) -> String {
    let mut q = format!("({text})");
    match tab {
        "us" => q.push_str(" status<pending"),
        "you" => q.push_str(" status:pending"),
        "closed" => q.push_str(" status>=solved"),
        _ => {}
    }
    if !s.is_guest() {
        match (org, s.user.organization_id) {
            (true, Some(o)) => q.push_str(&format!(" org:{o}")),
            _ => q.push_str(" requester:me"),
        }
    }
    q
}

/// A search mistake in the customer's words.
fn search_message(i: &crate::i18n::I18n, e: &DeskError) -> String {
    match e {
        DeskError::Search { message, .. } => message.clone(),
        other => desk_message(i, other).1,
    }
}

fn headers_query(q: &ListQuery) -> String {
    format!("f={}&q={}", encode(q.f.as_deref().unwrap_or("")), encode(q.q.as_deref().unwrap_or("")))
}
