//! One-click unsubscribe (RFC 8058, decision 49): the URL in a
//! notification's `List-Unsubscribe` header.
//!
//! - `POST /unsubscribe/{token}` with the body `List-Unsubscribe=One-Click`
//!   (form-encoded or multipart, as mail providers send it: no cookie, no
//!   CSRF token — the signed token in the path is the credential, and all
//!   it can do is turn one kind of mail off for one person) turns that kind
//!   off and answers 200: a short text, or the page for a browser.
//! - `GET /unsubscribe/{token}` shows a page with a button that makes that
//!   POST, in the person's language; a GET never changes anything, since
//!   link scanners and previews follow GETs.
//!
//! A forged or garbled token is 404 and changes nothing; a body other than
//! the one-click one is 400.

use crate::WebState;
use crate::forms::Form;
use crate::i18n::{I18n, Lang};
use crate::page::{Page, WebError, html_status};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_desk::mail::outbound::Unsubscribe;

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    page: Page,
    /// The token names someone.
    valid: bool,
    /// The kind was just turned off.
    done: bool,
    /// The kind is on (the button is shown).
    on: bool,
    /// The form's action (this URL).
    action: String,
    /// "Stop sending me e-mails for: …".
    confirm: String,
}

/// Only tokens of our shape are echoed into a page.
fn shaped(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 100
        && token.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_')
}

/// The translations of the link's person (their own language, not the
/// browser's: a mail provider's request has none).
fn i18n_of(headers: &HeaderMap, link: Option<&Unsubscribe>) -> I18n {
    match link.and_then(|l| Lang::parse(&l.locale)) {
        Some(lang) => I18n::new(lang),
        None => crate::session::i18n_for(headers, None),
    }
}

fn render(
    state: &WebState,
    headers: &HeaderMap,
    token: &str,
    link: Option<&Unsubscribe>,
    done: bool,
    status: StatusCode,
) -> Result<Response, WebError> {
    let here = if link.is_some() && shaped(token) { format!("/unsubscribe/{token}") } else { "/".to_string() };
    let mut page = Page::new(state, headers, None, "sign-in", &here);
    page.i = i18n_of(headers, link);
    for l in &mut page.langs {
        l.current = l.code == page.i.code();
    }
    let confirm = match link {
        Some(l) => page.i.t1("unsubscribe.confirm", page.i.t(&format!("mailout.choice.{}", l.kind.as_str()))),
        None => String::new(),
    };
    let t =
        UnsubscribePage { valid: link.is_some(), done, on: link.is_some_and(|l| l.on), action: here, confirm, page };
    let mut r = html_status(status, &t)?;
    // The token is in the address: no other site learns it from a Referer.
    r.headers_mut().insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    Ok(r)
}

/// Whether the caller is a browser that wants a page (the form on the
/// GET page), not a mail provider's one-click request.
fn wants_page(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// A short plain-text answer for a mail provider.
fn text(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `GET /unsubscribe/{token}`: what the link turns off and a button that
/// does it; changes nothing.
pub async fn page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    if !shaped(&token) {
        return render(&state, &headers, "", None, false, StatusCode::NOT_FOUND);
    }
    match state.desk.unsubscribe_link(&token).await {
        Ok(link) => render(&state, &headers, &token, Some(&link), false, StatusCode::OK),
        Err(e) if e.is_server_fault() => Err(e.into()),
        Err(_) => render(&state, &headers, "", None, false, StatusCode::NOT_FOUND),
    }
}

/// `POST /unsubscribe/{token}` with `List-Unsubscribe=One-Click`: turns
/// the link's kind of mail off for its person (again is fine).
pub async fn one_click(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: Form,
) -> Result<Response, WebError> {
    if form.get("List-Unsubscribe").map(str::trim) != Some("One-Click") {
        return Err(WebError::BadRequest(
            "an unsubscribe request's body is List-Unsubscribe=One-Click (RFC 8058)".into(),
        ));
    }
    let answer = if shaped(&token) { state.desk.unsubscribe(&token).await.map(Some) } else { Ok(None) };
    let link = match answer {
        Ok(link) => link,
        Err(e) if e.is_server_fault() => return Err(e.into()),
        Err(_) => None,
    };
    match (link, wants_page(&headers)) {
        (Some(link), true) => render(&state, &headers, &token, Some(&link), true, StatusCode::OK),
        (Some(link), false) => {
            Ok(text(StatusCode::OK, format!("{}\n", i18n_of(&headers, Some(&link)).t("unsubscribe.done"))))
        }
        (None, true) => render(&state, &headers, "", None, false, StatusCode::NOT_FOUND),
        (None, false) => Ok(text(StatusCode::NOT_FOUND, format!("{}\n", I18n::new(Lang::En).t("unsubscribe.invalid")))),
    }
}
