//! The mail templates (`/admin/templates`, issue 17): every kind of mail in
//! every language, built-in or an admin's own; an editor per kind and
//! language with the kind's placeholders beside it; a preview rendered by
//! the desk on sample values or on a ticket the admin names (its HTML shown
//! in a sandboxed frame, scripts off, and as escaped source); saving, which
//! the desk refuses with the place of an unknown placeholder or a syntax
//! error (the typed text is kept); and putting the built-in one back.
//!
//! Admins only. Rendering and checking are the desk's
//! (`Desk::preview_mail_template`, `Desk::save_mail_template`); the
//! placeholders listed are `tessera_desk::mail::outbound::templates::sample`.

use super::common::{DoneQuery, Nav, require_admin};
use crate::WebState;
use crate::forms::Form;
use crate::i18n::{I18n, Lang};
use crate::page::{FormErrors, Page, WebError, html, html_status, see_other};
use crate::session::{Signed, SignedIn, check_csrf, i18n_for};
use crate::view::mail_out::kind_label;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use tessera_core::ids::TicketId;
use tessera_desk::DeskError;
use tessera_desk::mail::outbound::templates::{LANGUAGES, sample};
use tessera_desk::mail::outbound::{Rendered, Template};
use tessera_store::OutboundKind;

/// One language's version of a kind, as a cell of the list.
#[derive(Debug, Clone)]
pub struct LanguageCell {
    /// `en`, `tr`…
    pub code: &'static str,
    /// The language's own name.
    pub name: &'static str,
    /// An admin's own version is used (else the built-in one).
    pub custom: bool,
    /// The editor shows this one.
    pub current: bool,
}

/// A kind of mail as a row of the list.
#[derive(Debug, Clone)]
pub struct KindRow {
    /// Its stored name (the editor's path).
    pub kind: &'static str,
    /// Its name in words.
    pub label: String,
    /// Who receives it, in words.
    pub audience: String,
    /// Each language.
    pub languages: Vec<LanguageCell>,
}

/// A placeholder of the kind, with a sample value.
#[derive(Debug, Clone)]
pub struct Placeholder {
    /// As it is written in a template: `{{ ticket.number }}`.
    pub code: String,
    /// What it looks like (the sample's value).
    pub example: String,
}

/// A rendered preview.
#[derive(Debug, Clone)]
pub struct PreviewView {
    /// The subject.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part (shown in a sandboxed frame and as source).
    pub html: String,
    /// The ticket it was rendered on, or none (sample values).
    pub ticket: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "admin_templates.html")]
struct ListPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    rows: Vec<KindRow>,
}

#[derive(askama::Template)]
#[template(path = "admin_template.html")]
struct EditorPage {
    page: Page,
    nav: Nav,
    notice: Option<String>,
    kind: &'static str,
    kind_label: String,
    language: &'static str,
    language_name: &'static str,
    custom: bool,
    languages: Vec<LanguageCell>,
    subject: String,
    body: String,
    ticket: String,
    placeholders: Vec<Placeholder>,
    errors: FormErrors,
    preview: Option<PreviewView>,
}

fn audience(i: &I18n, k: OutboundKind) -> String {
    if matches!(k, OutboundKind::PasswordReset | OutboundKind::SignInLink) {
        i.t("admin.templates.for_accounts")
    } else if k == OutboundKind::Digest {
        i.t("admin.templates.for_digests")
    } else if k.for_agents() {
        i.t("admin.templates.for_agents")
    } else {
        i.t("admin.templates.for_customers")
    }
    .to_string()
}

fn language_name(code: &str) -> &'static str {
    Lang::parse(code).map_or("?", Lang::native_name)
}

/// The kind and language of a path, or 404.
fn parse_path(kind: &str, language: &str) -> Result<(OutboundKind, &'static str), WebError> {
    let kind = OutboundKind::parse(kind).ok_or(WebError::NotFound)?;
    let language = LANGUAGES.iter().copied().find(|l| *l == language).ok_or(WebError::NotFound)?;
    Ok((kind, language))
}

/// Every placeholder of a kind (`{{ map.key }}`) with its sample value.
pub fn placeholders(kind: OutboundKind) -> Vec<Placeholder> {
    let mut out = Vec::new();
    if let serde_json::Value::Object(top) = sample(kind) {
        for (name, value) in top {
            match value {
                serde_json::Value::Object(inner) => {
                    for (key, v) in inner {
                        let example = match v {
                            serde_json::Value::String(s) => s,
                            other => other.to_string(),
                        };
                        out.push(Placeholder { code: format!("{{{{ {name}.{key} }}}}"), example });
                    }
                }
                other => out.push(Placeholder { code: format!("{{{{ {name} }}}}"), example: other.to_string() }),
            }
        }
    }
    out
}

/// Every template: (kind, language) → custom.
async fn customised(state: &WebState, s: &SignedIn) -> Result<Vec<(OutboundKind, String, Template, bool)>, WebError> {
    Ok(state.desk.mail_templates(&s.actor).await?)
}

fn cells(all: &[(OutboundKind, String, Template, bool)], kind: OutboundKind, current: &str) -> Vec<LanguageCell> {
    LANGUAGES
        .iter()
        .map(|l| LanguageCell {
            code: l,
            name: language_name(l),
            custom: all.iter().any(|(k, lang, _, custom)| *k == kind && lang == l && *custom),
            current: *l == current,
        })
        .collect()
}

/// The list: each kind, each language, custom or built-in.
pub async fn list(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let page = Page::new(&state, &headers, Some(&s), "admin", "/admin/templates");
    let i = page.i;
    let all = customised(&state, &s).await?;
    let rows = OutboundKind::ALL
        .iter()
        .map(|k| KindRow {
            kind: k.as_str(),
            label: kind_label(&i, *k),
            audience: audience(&i, *k),
            languages: cells(&all, *k, ""),
        })
        .collect();
    let notice = super::common::notice(&i, q.done.as_deref(), &[("reset", "admin.templates.was_reset")]);
    html(&ListPage { nav: Nav::list("templates"), notice, rows, page })
}

/// What the editor shows besides the stored template.
struct Shown {
    subject: String,
    body: String,
    ticket: String,
    errors: FormErrors,
    preview: Option<PreviewView>,
}

async fn render(
    state: &WebState,
    headers: &HeaderMap,
    s: &SignedIn,
    kind: OutboundKind,
    language: &'static str,
    shown: Option<Shown>,
    notice: Option<String>,
) -> Result<Response, WebError> {
    let here = format!("/admin/templates/{}/{language}", kind.as_str());
    let page = Page::new(state, headers, Some(s), "admin", &here);
    let i = page.i;
    let all = customised(state, s).await?;
    let (stored, custom) = all
        .iter()
        .find(|(k, l, _, _)| *k == kind && l == language)
        .map(|(_, _, t, c)| (t.clone(), *c))
        .ok_or(WebError::NotFound)?;
    let shown = shown.unwrap_or(Shown {
        subject: stored.subject,
        body: stored.body,
        ticket: String::new(),
        errors: FormErrors::default(),
        preview: None,
    });
    let status = shown.errors.status();
    html_status(
        if status == StatusCode::OK { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY },
        &EditorPage {
            nav: Nav::sub("templates"),
            notice,
            kind: kind.as_str(),
            kind_label: kind_label(&i, kind),
            language,
            language_name: language_name(language),
            custom,
            languages: cells(&all, kind, language),
            subject: shown.subject,
            body: shown.body,
            ticket: shown.ticket,
            placeholders: placeholders(kind),
            errors: shown.errors,
            preview: shown.preview,
            page,
        },
    )
}

/// The editor of one kind in one language.
pub async fn editor(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path((kind, language)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, WebError> {
    require_admin(&s)?;
    let (kind, language) = parse_path(&kind, &language)?;
    let i = i18n_for(&headers, Some(&s));
    let notice = super::common::notice(&i, q.done.as_deref(), &[("saved", "admin.templates.saved")]);
    render(&state, &headers, &s, kind, language, None, notice).await
}

/// The ticket the admin typed (a number, `#number`, or an id), as the admin
/// may see it.
async fn ticket_of(state: &WebState, s: &SignedIn, typed: &str) -> Result<Option<(TicketId, String)>, DeskError> {
    let t = typed.trim().trim_start_matches('#').trim();
    if t.is_empty() {
        return Ok(None);
    }
    match state.desk.ticket_by_number(&s.actor, t).await {
        Ok(ticket) => return Ok(Some((ticket.id, ticket.number))),
        Err(DeskError::NotFound { .. }) => {}
        Err(e) => return Err(e),
    }
    if let Ok(id) = t.parse::<i64>()
        && let Some(number) = state.desk.ticket_number(&s.actor, TicketId(id)).await?
    {
        return Ok(Some((TicketId(id), number)));
    }
    Err(DeskError::not_found("ticket"))
}

/// The desk's refusal of a template, next to its part (`subject` or
/// `body`); other refusals as the page's.
fn template_error(i: &I18n, e: DeskError) -> Result<FormErrors, WebError> {
    match &e {
        DeskError::Domain(_) => {
            let field = match e.field() {
                Some("subject") => "subject",
                Some("body") => "body",
                _ => "_",
            };
            let mut errors = FormErrors::default();
            errors.add(field, i.t1("admin.templates.refused", &e));
            Ok(errors)
        }
        _ => Err(e.into()),
    }
}

/// Previews (`do=preview`) or saves (`do=save`) the typed template. Either
/// way a refusal shows the editor again with the typed text and the
/// desk's message (with its line) next to the part at fault.
pub async fn submit(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path((kind, language)): Path<(String, String)>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let (kind, language) = parse_path(&kind, &language)?;
    let i = i18n_for(&headers, Some(&s));
    // Browsers send line ends as CRLF; templates keep LF.
    let subject = form.get("subject").unwrap_or_default().replace("\r\n", "\n");
    let body = form.get("body").unwrap_or_default().replace("\r\n", "\n");
    let typed_ticket = form.get("ticket").unwrap_or_default().to_string();
    let template = Template { subject: subject.clone(), body: body.clone() };
    let mut shown = Shown { subject, body, ticket: typed_ticket.clone(), errors: FormErrors::default(), preview: None };
    if form.get("do") == Some("save") {
        match state.desk.save_mail_template(&s.actor, kind, language, template).await {
            Ok(()) => {
                return Ok(see_other(&format!("/admin/templates/{}/{language}?done=saved", kind.as_str())));
            }
            Err(e) => shown.errors = template_error(&i, e)?,
        }
        return render(&state, &headers, &s, kind, language, Some(shown), None).await;
    }
    let ticket = match ticket_of(&state, &s, &typed_ticket).await {
        Ok(t) => t,
        Err(DeskError::NotFound { .. }) => {
            shown.errors.add("ticket", i.t("admin.templates.no_ticket").to_string());
            return render(&state, &headers, &s, kind, language, Some(shown), None).await;
        }
        Err(e) => return Err(e.into()),
    };
    match state
        .desk
        .preview_mail_template(&s.actor, kind, &template, ticket.as_ref().map(|t| t.0), Some(language))
        .await
    {
        Ok(Rendered { subject, text, html }) => {
            shown.preview = Some(PreviewView { subject, text, html, ticket: ticket.map(|t| t.1) });
        }
        Err(DeskError::NotFound { .. }) => {
            shown.errors.add("ticket", i.t("admin.templates.no_ticket").to_string());
        }
        Err(e) => shown.errors = template_error(&i, e)?,
    }
    render(&state, &headers, &s, kind, language, Some(shown), None).await
}

/// Puts the built-in template back; to the list.
pub async fn reset(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path((kind, language)): Path<(String, String)>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_admin(&s)?;
    let (kind, language) = parse_path(&kind, &language)?;
    state.desk.reset_mail_template(&s.actor, kind, language).await?;
    Ok(see_other("/admin/templates?done=reset"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_placeholders_of_a_kind_are_written_as_templates_use_them() {
        let p = placeholders(OutboundKind::AgentReply);
        assert!(p.iter().any(|p| p.code == "{{ ticket.number }}" && p.example == "482913"), "{p:?}");
        assert!(p.iter().any(|p| p.code == "{{ message.text }}"));
        let p = placeholders(OutboundKind::PasswordReset);
        assert!(p.iter().any(|p| p.code == "{{ link.url }}") && !p.iter().any(|p| p.code.contains("ticket.")));
    }

    #[test]
    fn unknown_kinds_and_languages_are_not_found() {
        assert!(parse_path("solved", "tr").is_ok());
        assert!(matches!(parse_path("nonsense", "tr"), Err(WebError::NotFound)));
        assert!(matches!(parse_path("solved", "de"), Err(WebError::NotFound)));
    }
}
