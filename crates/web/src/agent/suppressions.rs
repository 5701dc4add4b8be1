//! The suppression list for agents (`/agent/suppressions`, issue 17):
//! addresses nothing is sent to since a permanent failure or a bounce, and
//! "Remove" once the customer's mailbox works again. Agents reach it from a
//! suppressed copy on the ticket page and from the console; admins see the
//! same list on `/admin/outgoing`, whose "Remove" posts here too.

use super::require_agent;
use crate::WebState;
use crate::admin::outgoing::{SuppressionRow, suppression_rows};
use crate::forms::Form;
use crate::page::{Page, WebError, html, see_other};
use crate::session::{Signed, check_csrf};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "agent_suppressions.html")]
struct SuppressionsPage {
    page: Page,
    notice: Option<String>,
    suppressions: Vec<SuppressionRow>,
    suppressions_from: &'static str,
}

/// `?done=removed` after a removal.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    done: Option<String>,
}

/// The list.
pub async fn suppressions(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_agent(&s)?;
    let page = Page::new(&state, &headers, Some(&s), "agent", "/agent/suppressions");
    let notice = (q.done.as_deref() == Some("removed")).then(|| page.i.t("mailout.suppression_removed").to_string());
    html(&SuppressionsPage {
        notice,
        suppressions: suppression_rows(state.desk.suppressions(&s.actor).await?),
        suppressions_from: "agent",
        page,
    })
}

/// Takes an address off the list; back to the page it was removed from
/// (`from=admin`: the outgoing queue). An address not on the list is 404.
pub async fn remove(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    let address = form.text("address").ok_or_else(|| WebError::BadRequest("no address".into()))?;
    state.desk.clear_suppression(&s.actor, &address).await?;
    let back = if form.get("from") == Some("admin") && s.actor.is_admin() {
        "/admin/outgoing?done=removed"
    } else {
        "/agent/suppressions?done=removed"
    };
    Ok(see_other(back))
}
