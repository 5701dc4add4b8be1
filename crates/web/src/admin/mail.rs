//! Mail that came in (`/admin/mail`): every inbound message newest first,
//! filtered by what became of it, one message with its raw text, the raw
//! message as a download, and processing a quarantined one again.
//!
//! Admins only, like the rest of `/admin`. Reading goes through the desk's
//! inbound methods; processing again goes through the mail gateway's one
//! path (`tessera_mail::gateway::apply_stored`) after the desk has checked
//! the caller, exactly as `POST /api/v1/mail/inbound/{id}/process` does.

use super::common::{Nav, require_admin};
use super::users::Tab;
use crate::WebState;
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{Page, WebError, html, see_other};
use crate::session::{Signed, check_csrf};
use crate::view::Stamp;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::HashMap;
use tessera_core::ids::{InboundId, TicketId};
use tessera_desk::DeskError;
use tessera_mail::gateway;
use tessera_store::{InboundRecord, InboundState, MailSource};

/// Messages per page of the list.
const PER_PAGE: u32 = 50;

/// How much of a raw message the page shows (the download has it all).
pub const SHOWN_BYTES: usize = 256 * 1024;

/// The list's filters, in order: the query value and the tab's label.
const FILTERS: [(&str, &str); 6] = [
    ("", "admin.mail.filter_all"),
    ("quarantined", "admin.mail.filter_quarantined"),
    ("automatic", "admin.mail.filter_automatic"),
    ("refused", "admin.mail.filter_refused"),
    ("duplicate", "admin.mail.filter_duplicate"),
    ("applied", "admin.mail.filter_applied"),
];

/// `?state=`, `?before=` (paging) and `?done=`.
#[derive(Debug, Default, Deserialize)]
pub struct MailQuery {
    /// One state's messages only (`quarantined`, …); empty or unknown: all.
    state: Option<String>,
    /// Messages older than this one.
    before: Option<String>,
    /// After processing again: the state it reached, or `unchanged`.
    done: Option<String>,
}

fn nav(on_its_page: bool) -> Nav {
    if on_its_page { Nav::list("mail") } else { Nav::sub("mail") }
}

/// The label of a state.
pub(crate) fn state_label(i: &I18n, s: InboundState) -> String {
    match s {
        InboundState::Stored => i.t("admin.mail.state_stored"),
        InboundState::Applied => i.t("admin.mail.state_applied"),
        InboundState::Automatic => i.t("admin.mail.state_automatic"),
        InboundState::Refused => i.t("admin.mail.state_refused"),
        InboundState::Duplicate => i.t("admin.mail.state_duplicate"),
        InboundState::Quarantined => i.t("admin.mail.state_quarantined"),
    }
    .to_string()
}

fn source_label(i: &I18n, s: MailSource) -> String {
    match s {
        MailSource::Imap => i.t("admin.mail.source_imap"),
        MailSource::Pipe => i.t("admin.mail.source_pipe"),
        MailSource::Http => i.t("admin.mail.source_http"),
    }
    .to_string()
}

/// How a message was threaded, in words (`matched_by`); an unknown rule
/// as it is stored.
pub(crate) fn matched_label(i: &I18n, matched_by: &str) -> String {
    match matched_by {
        "new" => i.t("admin.mail.matched_new").to_string(),
        "new_mentioning" => i.t("admin.mail.matched_new_mentioning").to_string(),
        "in_reply_to" => i.t("admin.mail.matched_in_reply_to").to_string(),
        "references" => i.t("admin.mail.matched_references").to_string(),
        "subject_tag" => i.t("admin.mail.matched_subject_tag").to_string(),
        other => other.to_string(),
    }
}

/// The ticket a message became or joined, as a link.
#[derive(Debug, Clone)]
pub struct TicketLink {
    /// The agent ticket page.
    pub href: String,
    /// Its number, or `#id` when it is gone.
    pub label: String,
}

/// An inbound message as a row (and the head of its own page).
#[derive(Debug, Clone)]
pub struct MailRow {
    /// Id.
    pub id: i64,
    /// Handed in at.
    pub received: Stamp,
    /// Where it came from, in words.
    pub source: String,
    /// The IMAP mailbox it was fetched from.
    pub mailbox_id: Option<i64>,
    /// `stored`, `applied`, … (the badge's class).
    pub state: &'static str,
    /// Its label.
    pub state_label: String,
    /// Why it was quarantined, refused or taken as automatic.
    pub reason: Option<String>,
    /// The ticket it became or joined.
    pub ticket: Option<TicketLink>,
    /// How it was threaded, in words.
    pub matched: Option<String>,
}

/// Ticket numbers of the tickets `records` name, as the admin sees them.
/// A ticket that is gone is left out (its link reads `#id`).
async fn ticket_numbers(
    state: &WebState,
    s: &crate::session::SignedIn,
    records: &[InboundRecord],
) -> Result<HashMap<TicketId, String>, WebError> {
    let mut out = HashMap::new();
    for id in records.iter().filter_map(|r| r.ticket_id) {
        if out.contains_key(&id) {
            continue;
        }
        match state.desk.ticket(&s.actor, id).await {
            Ok(t) => {
                out.insert(id, t.number);
            }
            Err(DeskError::NotFound { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

fn mail_row(i: &I18n, r: &InboundRecord, numbers: &HashMap<TicketId, String>) -> MailRow {
    MailRow {
        id: r.id.0,
        received: Stamp::of(r.received_at),
        source: source_label(i, r.source),
        mailbox_id: r.mailbox_id,
        state: r.state.as_str(),
        state_label: state_label(i, r.state),
        reason: r.reason.clone(),
        ticket: r.ticket_id.map(|t| TicketLink {
            href: format!("/agent/tickets/{t}"),
            label: numbers.get(&t).map_or_else(|| format!("#{t}"), |n| format!("#{n}")),
        }),
        matched: r.matched_by.as_deref().map(|m| matched_label(i, m)),
    }
}

#[derive(Template)]
#[template(path = "admin_mail.html")]
struct MailListPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    tabs: Vec<Tab>,
    /// A state is chosen (the empty list says so).
    filtered: bool,
    rows: Vec<MailRow>,
    newest: Option<String>,
    older: Option<String>,
}

/// The chosen state, if `state` names one.
fn chosen_state(state: Option<&str>) -> Option<InboundState> {
    state.map(str::trim).filter(|s| !s.is_empty()).and_then(InboundState::parse)
}

/// `?before=` as an id, when it is one.
fn before_of(before: Option<&str>) -> Option<i64> {
    before.and_then(|b| b.trim().parse::<i64>().ok()).filter(|b| *b > 0)
}

fn list_href(state: Option<InboundState>, before: Option<i64>) -> String {
    match (state, before) {
        (None, None) => "/admin/mail".to_string(),
        (Some(s), None) => format!("/admin/mail?state={}", s.as_str()),
        (None, Some(b)) => format!("/admin/mail?before={b}"),
        (Some(s), Some(b)) => format!("/admin/mail?state={}&before={b}", s.as_str()),
    }
}

/// Inbound messages, newest first, by state, with paging.
pub async fn inbound_list(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<MailQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let chosen = chosen_state(q.state.as_deref());
    let before = before_of(q.before.as_deref());
    let page = Page::new(&state, &headers, Some(&s), "admin", &list_href(chosen, before));
    let i = page.i;
    let mut records = state.desk.inbound_mails(&s.actor, chosen, before.map(InboundId), PER_PAGE + 1).await?;
    let older = if records.len() > PER_PAGE as usize {
        records.truncate(PER_PAGE as usize);
        records.last().map(|r| list_href(chosen, Some(r.id.0)))
    } else {
        None
    };
    let newest = before.map(|_| list_href(chosen, None));
    let numbers = ticket_numbers(&state, &s, &records).await?;
    let key = chosen.map_or("", InboundState::as_str);
    let tabs = FILTERS
        .iter()
        .map(|(value, label)| Tab {
            href: list_href(InboundState::parse(value), None),
            label: i.t(label).to_string(),
            current: *value == key,
        })
        .collect();
    html(&MailListPage {
        nav: nav(true),
        notice: None,
        tabs,
        filtered: chosen.is_some(),
        rows: records.iter().map(|r| mail_row(&i, r, &numbers)).collect(),
        newest,
        older,
        page,
    })
}

#[derive(Template)]
#[template(path = "admin_mail_one.html")]
struct MailPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    m: MailRow,
    envelope_to: Option<String>,
    mail_id: Option<String>,
    attempts: i64,
    processed: Option<Stamp>,
    size: i64,
    sha256: String,
    /// Stored or quarantined: it may be processed again.
    open: bool,
    /// The raw message as text (its first [`SHOWN_BYTES`]).
    raw: String,
    /// The raw message is longer than what is shown.
    cut: bool,
    shown_kib: usize,
}

/// The raw message as text: UTF-8 where it is, a replacement character
/// where not, control characters other than line ends and tabs as their
/// visible pictures (`␀`), its first `cap` bytes; and whether it was cut.
pub(crate) fn raw_text(bytes: &[u8], cap: usize) -> (String, bool) {
    let cut = bytes.len() > cap;
    let shown = if cut { &bytes[..cap] } else { bytes };
    let text = String::from_utf8_lossy(shown)
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            '\u{7f}' => '\u{2421}',
            c if (c as u32) < 0x20 => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            c => c,
        })
        .collect();
    (text, cut)
}

/// The confirmation after processing again: the state reached, or that
/// nothing was done.
fn done_notice(i: &I18n, done: Option<&str>) -> Option<String> {
    match done? {
        "unchanged" => Some(i.t("admin.mail.unchanged").to_string()),
        d => InboundState::parse(d).map(|st| i.t1("admin.mail.processed", state_label(i, st))),
    }
}

/// One message: where from, what it became and why, its raw text.
pub async fn inbound(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<MailQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let page = Page::new(&state, &headers, Some(&s), "admin", &format!("/admin/mail/{id}"));
    let i = page.i;
    let r = state.desk.inbound_mail(&s.actor, InboundId(id)).await?;
    let bytes = state.desk.raw_mail(&s.actor, r.id).await?;
    let (raw, cut) = raw_text(&bytes, SHOWN_BYTES);
    let numbers = ticket_numbers(&state, &s, std::slice::from_ref(&r)).await?;
    html(&MailPage {
        nav: nav(false),
        notice: done_notice(&i, q.done.as_deref()),
        m: mail_row(&i, &r, &numbers),
        envelope_to: r.envelope_to,
        mail_id: r.mail_id,
        attempts: r.attempts,
        processed: r.processed_at.map(Stamp::of),
        size: r.size,
        sha256: r.sha256,
        open: r.state.is_open(),
        raw,
        cut,
        shown_kib: SHOWN_BYTES / 1024,
        page,
    })
}

/// The raw message, exactly as it was handed in, as a download.
pub async fn raw(State(state): State<WebState>, Signed(s): Signed, Path(id): Path<i64>) -> Result<Response, WebError> {
    require_admin(&s)?;
    let bytes = state.desk.raw_mail(&s.actor, InboundId(id)).await?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("message/rfc822"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"message-{id}.eml\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(resp)
}

/// Processes a quarantined (or still stored) message again, then back to
/// its page saying what it became. A message that already became
/// something is left as it is.
pub async fn process(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let (after, processed) = gateway::process_again(&state.desk, &s.actor, InboundId(id), &state.mail_reading).await?;
    let done = if processed { after.state.as_str() } else { "unchanged" };
    Ok(see_other(&format!("/admin/mail/{id}?done={done}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_raw_text_is_cut_at_the_cap_and_bad_bytes_are_replaced() {
        assert_eq!(raw_text(b"Subject: hi\r\n", 100), ("Subject: hi\r\n".to_string(), false));
        let (t, cut) = raw_text(b"ab\xffcd", 100);
        assert_eq!((t.as_str(), cut), ("ab\u{fffd}cd", false));
        let (t, _) = raw_text(b"\x00a\tb\x1b\x7f\r\n", 100);
        assert_eq!(t, "\u{2400}a\tb\u{241b}\u{2421}\r\n", "control characters are shown, never sent");
        // A cut through a character leaves a replacement, never a panic.
        let (t, cut) = raw_text("aşb".as_bytes(), 2);
        assert_eq!((t.as_str(), cut), ("a\u{fffd}", true));
    }

    #[test]
    fn every_threading_rule_and_state_reads_as_words() {
        for lang in Lang::ALL {
            let i = I18n::new(lang);
            for rule in ["new", "new_mentioning", "in_reply_to", "references", "subject_tag"] {
                let text = matched_label(&i, rule);
                assert!(!text.is_empty() && text != rule && !text.starts_with("admin."), "{rule}: {text}");
            }
            assert_eq!(matched_label(&i, "something_new"), "something_new");
        }
        let i = I18n::new(Lang::En);
        assert_eq!(matched_label(&i, "in_reply_to"), "reply by In-Reply-To");
        assert_eq!(state_label(&i, InboundState::Quarantined), "Quarantined");
    }

    #[test]
    fn filters_and_paging_keep_each_other() {
        assert_eq!(list_href(None, None), "/admin/mail");
        assert_eq!(list_href(Some(InboundState::Refused), Some(7)), "/admin/mail?state=refused&before=7");
        assert_eq!(chosen_state(Some(" quarantined ")), Some(InboundState::Quarantined));
        assert_eq!(chosen_state(Some("nonsense")), None);
        assert_eq!(before_of(Some("-3")), None);
        let i = I18n::new(Lang::En);
        assert_eq!(done_notice(&i, Some("applied")).as_deref(), Some("Processed again. It is now: Applied."));
        assert_eq!(done_notice(&i, Some("<script>")), None);
    }
}
