//! The console: the agent's views in a rail with live counts, one view's
//! tickets with sortable columns and paging, and bulk changes to them.

use super::sla::sla_cell;
use super::{require_agent, split_tags, staff_users, view_label};
use crate::WebState;
use crate::forms::{Form, encode};
use crate::page::{Page, WebError, html, see_other};
use crate::session::{Signed, SignedIn, check_csrf};
use crate::view::choice::{Choice, choices};
use crate::view::panels::{self, PanelHtml};
use crate::view::{Lookup, TicketRow, priority_label};
use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use tessera_core::Actor;
use tessera_core::ids::{DepartmentId, TicketId, UserId, ViewId};
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::Priority;
use tessera_core::view::COLUMNS;
use tessera_desk::views::MAX_COUNT_MANY;
use tessera_desk::{TicketListQuery, TicketPatch};
use tessera_store::{SortField, TicketFilter, TicketSort, ViewRecord};

/// The old fixed lists' keys (`/agent?list=<key>` bookmarks) and the default
/// views that took their place.
const LEGACY_LISTS: [(&str, &str); 6] = [
    ("mine", "your_unsolved"),
    ("unassigned", "unassigned"),
    ("waiting", "all_unsolved"),
    ("answered", "pending"),
    ("on_hold", "all_unsolved"),
    ("solved", "recently_solved"),
];

/// The default view an old `?list=<key>` link means.
pub fn legacy_list(key: &str) -> Option<&'static str> {
    LEGACY_LISTS.iter().find(|(old, _)| *old == key).map(|(_, new)| *new)
}

/// The key a view's count goes by in the rail (`data-count`) and in
/// `/agent/counts`: its default key, else `v<id>`.
pub fn rail_key(v: &ViewRecord) -> String {
    v.default_key.clone().unwrap_or_else(|| format!("v{}", v.id))
}

/// A view of the rail with its count.
#[derive(Debug, Clone)]
pub struct RailItem {
    /// The view's id.
    pub id: i64,
    /// Its key for live counts.
    pub key: String,
    /// Label.
    pub label: String,
    /// Tickets in it (`None`: it could not be counted).
    pub count: Option<u64>,
    /// The one shown.
    pub current: bool,
}

/// Exact counts of `views` for the actor: one `count_views` call (per 100
/// views). Should the batch fail (a view naming a status that no longer
/// exists), each view is counted alone so the others still show.
async fn view_counts(state: &WebState, actor: &Actor, views: &[ViewRecord]) -> HashMap<ViewId, u64> {
    let ids: Vec<ViewId> = views.iter().map(|v| v.id).collect();
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(MAX_COUNT_MANY) {
        match state.desk.count_views(actor, chunk).await {
            Ok(counts) => out.extend(counts),
            Err(e) => {
                tracing::warn!(error = %e, "counting the rail's views together failed; counting them one by one");
                for id in chunk {
                    if let Ok(n) = state.desk.view_count(actor, *id).await {
                        out.insert(*id, n);
                    }
                }
            }
        }
    }
    out
}

async fn rail(
    state: &WebState,
    s: &SignedIn,
    i: &crate::i18n::I18n,
    views: &[ViewRecord],
    current: Option<ViewId>,
) -> Vec<RailItem> {
    let counts = view_counts(state, &s.actor, views).await;
    views
        .iter()
        .map(|v| RailItem {
            id: v.id.0,
            key: rail_key(v),
            label: view_label(i, v),
            count: counts.get(&v.id).copied(),
            current: Some(v.id) == current,
        })
        .collect()
}

/// A column header.
#[derive(Debug, Clone)]
pub struct Column {
    /// Column key (one of `tessera_core::view::COLUMNS`).
    pub key: &'static str,
    /// Label.
    pub label: String,
    /// The link that sorts by it (`None`: the column does not sort).
    pub href: Option<String>,
    /// `ascending`, `descending` or `none` (for `aria-sort`).
    pub aria: &'static str,
}

/// Query of the console.
#[derive(Debug, Default, Deserialize)]
pub struct ConsoleQuery {
    view: Option<String>,
    list: Option<String>,
    sort: Option<String>,
    dir: Option<String>,
    page: Option<u32>,
    q: Option<String>,
    done: Option<String>,
    n: Option<u32>,
}

/// The order a column header sorts by (columns without one get a plain
/// header). The keys are also the names of views' orders.
fn column_sort(key: &str) -> Option<SortField> {
    Some(match key {
        "number" => SortField::Number,
        "subject" => SortField::Subject,
        "requester" => SortField::Requester,
        "department" => SortField::Department,
        "status" => SortField::Status,
        "priority" => SortField::Priority,
        "assignee" => SortField::Assignee,
        "wait" => SortField::Wait,
        "updated" => SortField::UpdatedAt,
        "sla" => SortField::SlaDue,
        "created" => SortField::CreatedAt,
        _ => return None,
    })
}

/// Tickets per console page.
const PER_PAGE: u32 = 50;

#[derive(Template)]
#[template(path = "agent_console.html")]
struct ConsolePage {
    page: Page,
    rail: Vec<RailItem>,
    /// The view shown (`None`: the agent has no active view).
    view_id: Option<i64>,
    list: String,
    list_label: String,
    columns: Vec<Column>,
    rows: Vec<TicketRow>,
    total: u64,
    page_no: u32,
    pages: u32,
    base: String,
    q: String,
    agents: Vec<Choice>,
    statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    departments: Vec<Choice>,
    notice: Option<String>,
    panels_list: Vec<PanelHtml>,
    /// An agent in no department: the views show only tickets assigned to
    /// them, so the page says why and where an admin adds them.
    no_departments: bool,
    /// The agent's name (the user an admin opens to fix it).
    me: String,
}

/// The console: the agent's views in the rail with their counts, and one
/// view's tickets (`?view=<id>`; the first view without it; `?list=<key>`
/// of the old fixed lists means the default view that replaced it).
pub async fn console(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<ConsoleQuery>,
) -> Result<Response, WebError> {
    require_agent(&s)?;
    let views = state.desk.list_views(&s.actor, true).await?;
    let chosen: Option<ViewId> = match (q.view.as_deref().map(str::trim).filter(|v| !v.is_empty()), q.list.as_deref()) {
        (Some(v), _) => Some(ViewId(v.parse().map_err(|_| WebError::NotFound)?)),
        (None, Some(list)) => legacy_list(list)
            .and_then(|k| views.iter().find(|v| v.default_key.as_deref() == Some(k)))
            .or(views.first())
            .map(|v| v.id),
        (None, None) => views.first().map(|v| v.id),
    };
    let here = chosen.map_or_else(|| "/agent".to_string(), |id| format!("/agent?view={id}"));
    let page = Page::new(&state, &headers, Some(&s), "agent", &here);
    let i = page.i;
    let notice = match (q.done.as_deref(), q.n) {
        (Some("bulk"), Some(n)) => Some(i.t1("done.bulk", n)),
        (Some("view_created"), _) => Some(i.t("views.done_created").to_string()),
        _ => None,
    };
    let qs = encode(q.q.as_deref().unwrap_or(""));
    let statuses = state.desk.statuses().await?;
    let mut l = Lookup::load(&state.desk, &s.actor).await?;
    let (view, mut filter, view_sort) = match chosen {
        Some(id) => {
            let (v, f, srt) = state.desk.view_query(&s.actor, id).await?;
            (Some(v), f, srt)
        }
        None => (None, TicketFilter::default(), TicketSort::default()),
    };
    let now = state.desk.now();
    let mut columns = Vec::new();
    let mut rows = Vec::new();
    let mut total = 0;
    let mut panels_list = Vec::new();
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let mut base = "/agent?".to_string();
    if let Some(v) = &view {
        let vid = v.id;
        // A clicked header sorts by its column; otherwise the view's order.
        let clicked = q.sort.as_deref().and_then(|k| {
            let key = COLUMNS.iter().copied().find(|c| *c == k)?;
            column_sort(key).map(|f| (key, f))
        });
        let (sort, sort_key, descending) = match clicked {
            Some((key, field)) => {
                let descending = match q.dir.as_deref() {
                    Some("asc") => false,
                    Some("desc") => true,
                    _ => matches!(field, SortField::UpdatedAt | SortField::CreatedAt | SortField::Priority),
                };
                (TicketSort { field, descending, boosted_first: true }, Some(key), descending)
            }
            None => {
                let key = COLUMNS.iter().copied().find(|c| *c == v.sort.by && column_sort(c).is_some());
                (view_sort, key, view_sort.descending)
            }
        };
        base = match clicked {
            Some((key, _)) => {
                format!("/agent?view={vid}&sort={key}&dir={}&q={qs}", if descending { "desc" } else { "asc" })
            }
            None => format!("/agent?view={vid}&q={qs}"),
        };
        filter.text = q.q.clone().filter(|t| !t.trim().is_empty());
        let result = state
            .desk
            .list_tickets(
                &s.actor,
                TicketListQuery { filter, sort, after: None, offset: (page_no - 1) * PER_PAGE, limit: Some(PER_PAGE) },
            )
            .await?;
        let ids: Vec<UserId> =
            result.tickets.iter().flat_map(|t| [Some(t.requester_id), t.assignee_id]).flatten().collect();
        l.users(&state.desk, &ids).await?;
        if v.columns.iter().any(|c| c == "organization") {
            let orgs: Vec<_> = result.tickets.iter().filter_map(|t| t.organization_id).collect();
            l.organizations(&state.desk, &orgs).await?;
        }
        rows = result.tickets.iter().map(|t| TicketRow::of(&i, &l, t, true, now)).collect();
        if v.columns.iter().any(|c| c == "sla") {
            let shown: Vec<&tessera_core::Ticket> = result.tickets.iter().collect();
            let slas = state.desk.sla_of(&s.actor, &shown).await?;
            for (row, sla) in rows.iter_mut().zip(slas) {
                row.sla = sla.and_then(|x| sla_cell(&i, &x, now));
            }
        }
        total = result.total;
        columns = v
            .columns
            .iter()
            .filter_map(|c| COLUMNS.iter().copied().find(|k| k == c))
            .map(|key| {
                let active = sort_key == Some(key);
                let next_dir = if active && !descending { "desc" } else { "asc" };
                Column {
                    key,
                    label: i.t(&format!("col.{key}")).to_string(),
                    href: column_sort(key).map(|_| format!("/agent?view={vid}&sort={key}&dir={next_dir}&q={qs}")),
                    aria: if !active {
                        "none"
                    } else if descending {
                        "descending"
                    } else {
                        "ascending"
                    },
                }
            })
            .collect();
        let shown: Vec<&tessera_core::Ticket> = result.tickets.iter().collect();
        let ctx = panels::list_context(&s, &rail_key(v), &shown);
        let ids: Vec<String> = shown.iter().map(|t| format!("{}.{}", t.id, t.version)).collect();
        panels_list =
            panels::fetch(&state, "TicketAdminAreaViewList", ctx, &format!("{}:{}", s.user.id, ids.join(","))).await;
    }
    let agents = staff_users(&state, &s.actor, i.lang).await?;
    let pages = u32::try_from(total.div_ceil(u64::from(PER_PAGE))).unwrap_or(1).max(1);
    let rail = rail(&state, &s, &i, &views, chosen).await;
    let list_label = view.as_ref().map_or_else(|| i.t("views.none").to_string(), |v| view_label(&i, v));
    html(&ConsolePage {
        rail,
        view_id: view.as_ref().map(|v| v.id.0),
        list: view.as_ref().map(rail_key).unwrap_or_default(),
        list_label,
        columns,
        rows,
        total,
        page_no,
        pages,
        base,
        q: q.q.unwrap_or_default(),
        agents: choices(agents.iter().map(|u| (u.id.to_string(), u.name.clone())), ""),
        statuses: choices(
            statuses
                .iter()
                .filter(|st| st.category != StatusCategory::New)
                .map(|st| (st.key.to_string(), l.status(&i, st.key.as_str()))),
            "",
        ),
        priorities: choices(Priority::ALL.iter().map(|p| (p.as_str().to_string(), priority_label(&i, *p))), ""),
        departments: choices(l.departments_by_name(&i).into_iter().map(|d| (d.id.to_string(), d.name.clone())), ""),
        notice,
        panels_list,
        no_departments: s.actor.role == tessera_core::Role::Agent && s.actor.department_ids.is_empty(),
        me: s.user.name.clone(),
        page,
    })
}

/// The rail's counts as JSON (for live updates): `data-count` key → count.
pub async fn counts(State(state): State<WebState>, Signed(s): Signed) -> Result<Response, WebError> {
    require_agent(&s)?;
    let views = state.desk.list_views(&s.actor, true).await?;
    let counts = view_counts(&state, &s.actor, &views).await;
    let map: BTreeMap<String, u64> =
        views.iter().filter_map(|v| counts.get(&v.id).map(|n| (rail_key(v), *n))).collect();
    Ok(Json(map).into_response())
}

/// Applies one change to every checked ticket.
pub async fn bulk(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let back = form.get("back").filter(|b| b.starts_with("/agent")).unwrap_or("/agent").to_string();
    let ids: Vec<TicketId> = form.all("ids").iter().filter_map(|v| v.parse().ok()).map(TicketId).collect();
    let mut patch = TicketPatch::default();
    match form.get("do").unwrap_or_default() {
        "assign" => {
            patch.assignee_id = Some(match form.get("assignee_id").unwrap_or_default() {
                "" | "none" => None,
                v => Some(UserId(v.parse().map_err(|_| WebError::BadRequest("assignee".into()))?)),
            });
        }
        "status" => patch.status = form.text("status").map(|k| StatusKey::new(&k)),
        "priority" => patch.priority = form.get("priority").and_then(Priority::parse),
        "department" => patch.department_id = form.id("department_id").map(DepartmentId),
        "tags" => {
            patch.add_tags = split_tags(form.get("add_tags").unwrap_or_default());
            patch.remove_tags = split_tags(form.get("remove_tags").unwrap_or_default());
        }
        "archive" => patch.archived = Some(true),
        _ => return Err(WebError::BadRequest("unknown bulk action".into())),
    }
    let mut changed = 0u32;
    let mut first_error = None;
    for id in &ids {
        match state.desk.update_ticket(&s.actor, *id, patch.clone(), None).await {
            Ok(_) => changed += 1,
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        tracing::info!(error = %e, "a bulk change was refused for some tickets");
    }
    let sep = if back.contains('?') { '&' } else { '?' };
    Ok(see_other(&format!("{back}{sep}done=bulk&n={changed}")))
}
