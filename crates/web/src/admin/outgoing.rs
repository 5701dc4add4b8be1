//! The outgoing queue (`/admin/outgoing`, issue 17): every recipient's copy
//! of the mail Tessera sends, newest first, filtered by state and paged,
//! each with its ticket, kind, address, state, tries and the server's
//! answer, and "Send again" for the copies that failed, bounced or wait;
//! below it the suppression list (removing an address posts to the
//! agents' route, `/agent/suppressions/remove`, which admins share). The
//! page says when outgoing mail is not configured or links have no public
//! address.
//!
//! Admins only, like the rest of `/admin`; everything goes through the
//! desk's outbound methods, as `/api/v1/mail/outgoing` does.

use super::common::{Nav, require_admin};
use super::mail::TicketLink;
use super::users::Tab;
use crate::WebState;
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{Page, WebError, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::Stamp;
use crate::view::mail_out::{can_resend, kind_label, state_label};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use tessera_core::ids::TicketId;
use tessera_desk::DeskError;
use tessera_store::{MailDeliveryId, MailDeliveryState, OutboundDelivery, Suppression};

/// Copies per page.
const PER_PAGE: u32 = 50;

/// `?state=`, `?before=` (paging) and `?done=`.
#[derive(Debug, Default, Deserialize)]
pub struct OutgoingQuery {
    /// One state's copies only; empty or unknown: all.
    state: Option<String>,
    /// Copies older than this one.
    before: Option<String>,
    /// `resent` or `removed` after an action.
    done: Option<String>,
}

/// One recipient's copy as a row of the queue.
#[derive(Debug, Clone)]
pub struct OutgoingRow {
    /// The delivery's id.
    pub id: i64,
    /// Queued at.
    pub created: Stamp,
    /// The ticket it is about (account mail has none).
    pub ticket: Option<TicketLink>,
    /// The kind, in words.
    pub kind: String,
    /// The recipient.
    pub address: String,
    /// `sent`, `failed`… (the badge's class).
    pub state: &'static str,
    /// Its label.
    pub state_label: String,
    /// Tries made.
    pub attempts: i64,
    /// The server's last answer, or why it was not sent.
    pub answer: Option<String>,
    /// "Send again" is offered.
    pub resend: bool,
}

/// An address on the suppression list, as a row (shared with the agents'
/// page).
#[derive(Debug, Clone)]
pub struct SuppressionRow {
    /// The address.
    pub address: String,
    /// The failure that put it there.
    pub reason: String,
    /// Since.
    pub since: Stamp,
}

/// The suppression list as rows.
pub(crate) fn suppression_rows(list: Vec<Suppression>) -> Vec<SuppressionRow> {
    list.into_iter()
        .map(|s| SuppressionRow { address: s.address, reason: s.reason, since: Stamp::of(s.created_at) })
        .collect()
}

#[derive(Template)]
#[template(path = "admin_outgoing.html")]
struct OutgoingPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    /// A refused "Send again", in words.
    problem: Option<String>,
    /// `[mail] smtp_url` is set.
    enabled: bool,
    /// `[server] public_url` is set.
    public_url: bool,
    tabs: Vec<Tab>,
    filtered: bool,
    rows: Vec<OutgoingRow>,
    newest: Option<String>,
    older: Option<String>,
    suppressions: Vec<SuppressionRow>,
    /// Where "Remove" comes back to.
    suppressions_from: &'static str,
}

fn chosen_state(state: Option<&str>) -> Option<MailDeliveryState> {
    state.map(str::trim).filter(|s| !s.is_empty()).and_then(MailDeliveryState::parse)
}

fn before_of(before: Option<&str>) -> Option<i64> {
    before.and_then(|b| b.trim().parse::<i64>().ok()).filter(|b| *b > 0)
}

fn list_href(state: Option<MailDeliveryState>, before: Option<i64>) -> String {
    match (state, before) {
        (None, None) => "/admin/outgoing".to_string(),
        (Some(s), None) => format!("/admin/outgoing?state={}", s.as_str()),
        (None, Some(b)) => format!("/admin/outgoing?before={b}"),
        (Some(s), Some(b)) => format!("/admin/outgoing?state={}&before={b}", s.as_str()),
    }
}

/// Ticket numbers of the tickets the copies are about, as the admin sees
/// them (a ticket that is gone reads `#id`).
async fn ticket_numbers(
    state: &WebState,
    s: &SignedIn,
    rows: &[OutboundDelivery],
) -> Result<HashMap<TicketId, String>, WebError> {
    let mut out = HashMap::new();
    for id in rows.iter().filter_map(|r| r.ticket_id) {
        if out.contains_key(&id) {
            continue;
        }
        if let Some(n) = state.desk.ticket_number(&s.actor, id).await? {
            out.insert(id, n);
        }
    }
    Ok(out)
}

fn row(i: &I18n, d: &OutboundDelivery, numbers: &HashMap<TicketId, String>) -> OutgoingRow {
    OutgoingRow {
        id: d.id.0,
        created: Stamp::of(d.created_at),
        ticket: d.ticket_id.map(|t| TicketLink {
            href: format!("/agent/tickets/{t}"),
            label: numbers.get(&t).map_or_else(|| format!("#{t}"), |n| format!("#{n}")),
        }),
        kind: kind_label(i, d.kind),
        address: d.address.clone(),
        state: d.state.as_str(),
        state_label: state_label(i, d.state),
        attempts: d.attempts,
        answer: d.answer.clone().filter(|a| !a.trim().is_empty()),
        resend: can_resend(d.state),
    }
}

async fn render(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    q: &OutgoingQuery,
    problem: Option<String>,
) -> Result<Response, WebError> {
    let chosen = chosen_state(q.state.as_deref());
    let before = before_of(q.before.as_deref());
    let page = Page::new(state, headers, Some(s), "admin", &list_href(chosen, before));
    let i = page.i;
    let mut copies = state.desk.outgoing_mail(&s.actor, chosen, before.map(MailDeliveryId), PER_PAGE + 1).await?;
    let older = if copies.len() > PER_PAGE as usize {
        copies.truncate(PER_PAGE as usize);
        copies.last().map(|d| list_href(chosen, Some(d.id.0)))
    } else {
        None
    };
    let numbers = ticket_numbers(state, s, &copies).await?;
    let key = chosen.map_or("", MailDeliveryState::as_str);
    let mut tabs = vec![Tab {
        href: list_href(None, None),
        label: i.t("admin.outgoing.filter_all").to_string(),
        current: key.is_empty(),
    }];
    tabs.extend(MailDeliveryState::ALL.iter().map(|st| Tab {
        href: list_href(Some(*st), None),
        label: state_label(&i, *st),
        current: st.as_str() == key,
    }));
    let notice = match q.done.as_deref() {
        Some("resent") => Some(i.t("admin.outgoing.resent").to_string()),
        Some("removed") => Some(i.t("mailout.suppression_removed").to_string()),
        _ => None,
    };
    let settings = state.desk.outbound_settings();
    let status = if problem.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    html_status(
        status,
        &OutgoingPage {
            nav: Nav::list("outgoing"),
            notice,
            problem,
            enabled: settings.enabled,
            public_url: settings.public_url.is_some(),
            tabs,
            filtered: chosen.is_some(),
            rows: copies.iter().map(|d| row(&i, d, &numbers)).collect(),
            newest: before.map(|_| list_href(chosen, None)),
            older,
            suppressions: suppression_rows(state.desk.suppressions(&s.actor).await?),
            suppressions_from: "admin",
            page,
        },
    )
}

/// The queue, newest first, by state, with paging; and the suppression list.
pub async fn outgoing(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<OutgoingQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    render(&state, &headers, &s, &q, None).await
}

/// Sends a copy again now; back to the queue. A copy whose address is
/// suppressed is refused (422) with why, on the queue's page.
pub async fn resend(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    match state.desk.resend_mail(&s.actor, MailDeliveryId(id)).await {
        Ok(_) => Ok(see_other("/admin/outgoing?done=resent")),
        Err(e @ DeskError::Domain(_)) => {
            let i = i18n_for(&headers, Some(&s));
            let problem = if e.code() == "suppressed" {
                i.t("admin.outgoing.resend_suppressed").to_string()
            } else {
                e.to_string()
            };
            render(&state, &headers, &s, &OutgoingQuery::default(), Some(problem)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_paging_keep_each_other() {
        assert_eq!(list_href(None, None), "/admin/outgoing");
        assert_eq!(list_href(Some(MailDeliveryState::Failed), Some(7)), "/admin/outgoing?state=failed&before=7");
        assert_eq!(chosen_state(Some(" bounced ")), Some(MailDeliveryState::Bounced));
        assert_eq!(chosen_state(Some("nonsense")), None);
        assert_eq!(before_of(Some("-3")), None);
        assert_eq!(before_of(Some("12")), Some(12));
    }
}
