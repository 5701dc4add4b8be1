//! Getting in without a password: "Forgot password?", the reset page from
//! the mailed link, "E-mail me a sign-in link" for customers, and the
//! billing panel's hand-off URL (the desk's `access` module decides; these
//! pages parse, call it and render).
//!
//! The request forms answer the same neutral message for every address
//! (and when `[server] public_url` is missing, which only the log tells).
//! The anonymous forms are protected like the sign-in form: a pre-session
//! cookie double-submitted, from our own site. A mailed sign-in link opens
//! a page with a button, so a mail scanner that follows links does not
//! spend it; the hand-off URL, made for one browser a second ago, signs in
//! at once.

use crate::WebState;
use crate::auth::{pre_for, pre_ok, safe_next, with_pre_cookie};
use crate::forms::Form;
use crate::page::{FormErrors, Page, WebError, desk_message, html_status, see_other};
use crate::session::{self, cookie_of};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use tessera_desk::{AccessError, DeskError};

#[derive(Template)]
#[template(path = "access_request.html")]
struct RequestPage {
    page: Page,
    title_key: &'static str,
    intro_key: &'static str,
    submit_key: &'static str,
    action: &'static str,
    email: String,
    pre: String,
    sent: bool,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "access_token.html")]
struct TokenPage {
    page: Page,
    title_key: &'static str,
    action: String,
    again: &'static str,
    reset: bool,
    valid: bool,
    pre: String,
    errors: FormErrors,
}

/// Which request form.
#[derive(Clone, Copy)]
enum Ask {
    Reset,
    Link,
}

impl Ask {
    fn keys(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Self::Reset => ("access.forgot.title", "access.forgot.intro", "access.forgot.submit", "/forgot-password"),
            Self::Link => ("access.link.title", "access.link.intro", "access.link.submit", "/sign-in/link"),
        }
    }
}

async fn render_request(
    state: &WebState,
    headers: &HeaderMap,
    ask: Ask,
    email: String,
    sent: bool,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (title_key, intro_key, submit_key, action) = ask.keys();
    let pre = pre_for(headers)?;
    let page = Page::new(state, headers, None, "sign-in", action);
    let t = RequestPage { page, title_key, intro_key, submit_key, action, email, pre: pre.clone(), sent, errors };
    let mut r = html_status(status, &t)?;
    with_pre_cookie(state, &mut r, &pre);
    Ok(r)
}

/// "Forgot password?": the form.
pub async fn forgot_page(State(state): State<WebState>, headers: HeaderMap) -> Result<Response, WebError> {
    render_request(&state, &headers, Ask::Reset, String::new(), false, FormErrors::default(), StatusCode::OK).await
}

/// "Forgot password?": asks the desk for a reset link; the same answer
/// for every address.
pub async fn forgot(
    State(state): State<WebState>,
    headers: HeaderMap,
    peer: crate::peer::Peer,
    form: Form,
) -> Result<Response, WebError> {
    ask(state, headers, peer, form, Ask::Reset).await
}

/// "E-mail me a sign-in link": the form.
pub async fn link_request_page(State(state): State<WebState>, headers: HeaderMap) -> Result<Response, WebError> {
    render_request(&state, &headers, Ask::Link, String::new(), false, FormErrors::default(), StatusCode::OK).await
}

/// "E-mail me a sign-in link": asks the desk; the same answer for every
/// address.
pub async fn link_request(
    State(state): State<WebState>,
    headers: HeaderMap,
    peer: crate::peer::Peer,
    form: Form,
) -> Result<Response, WebError> {
    ask(state, headers, peer, form, Ask::Link).await
}

async fn ask(
    state: WebState,
    headers: HeaderMap,
    peer: crate::peer::Peer,
    form: Form,
    which: Ask,
) -> Result<Response, WebError> {
    if !pre_ok(&headers, &form) {
        return Err(WebError::Csrf);
    }
    let i = session::i18n_for(&headers, None);
    let email = form.text("email").unwrap_or_default();
    let client = peer.0.unwrap_or_else(|| "unknown".to_string());
    let answer = match which {
        Ask::Reset => state.desk.request_password_reset(&email, &client).await,
        Ask::Link => state.desk.request_sign_in_link(&email, &client).await,
    };
    let mut errors = FormErrors::default();
    match answer {
        Ok(()) => {}
        Err(e @ (AccessError::NoPublicUrl | AccessError::MailOff)) => {
            // The visitor gets the neutral answer; the operator the log line.
            tracing::warn!(why = %e, "an account link was asked for and nothing was sent");
        }
        Err(AccessError::TooMany { retry_after_secs }) => {
            errors.add("_", i.t("access.too_many").to_string());
            let status = StatusCode::TOO_MANY_REQUESTS;
            let mut r = render_request(&state, &headers, which, email, false, errors, status).await?;
            r.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
            return Ok(r);
        }
        Err(AccessError::Desk(e)) if e.is_server_fault() => return Err(e.into()),
        Err(AccessError::Desk(e)) => {
            let (_, message) = desk_message(&i, &e);
            errors.add("_", message);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_request(&state, &headers, which, email, false, errors, status).await;
        }
    }
    render_request(&state, &headers, which, String::new(), true, FormErrors::default(), StatusCode::OK).await
}

async fn render_token(
    state: &WebState,
    headers: &HeaderMap,
    reset: bool,
    token: &str,
    valid: bool,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    let (title_key, action, again) = if reset {
        ("access.reset.title", format!("/reset/{token}"), "/forgot-password")
    } else {
        ("access.link.title", format!("/sign-in/link/{token}"), "/sign-in/link")
    };
    let pre = pre_for(headers)?;
    let page = Page::new(state, headers, None, "sign-in", again);
    let t = TokenPage { page, title_key, action, again, reset, valid, pre: pre.clone(), errors };
    let mut r = html_status(status, &t)?;
    with_pre_cookie(state, &mut r, &pre);
    // The token is in the address: no other site learns it from a Referer.
    r.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
    Ok(r)
}

/// Only tokens of our shape reach the desk or the page (nothing else is
/// echoed into a form's action).
fn shaped(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The reset link's page: the new-password form, or why the link is dead.
pub async fn reset_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let valid = shaped(&token) && state.desk.check_reset_token(&token).await.is_ok();
    let status = if valid { StatusCode::OK } else { StatusCode::GONE };
    let token = if shaped(&token) { token } else { String::new() };
    render_token(&state, &headers, true, &token, valid, FormErrors::default(), status).await
}

/// Sets the new password (typed twice); every session of the user ends,
/// and the browser goes to the sign-in page.
pub async fn reset(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: Form,
) -> Result<Response, WebError> {
    if !pre_ok(&headers, &form) {
        return Err(WebError::Csrf);
    }
    if !shaped(&token) {
        return render_token(&state, &headers, true, "", false, FormErrors::default(), StatusCode::GONE).await;
    }
    let i = session::i18n_for(&headers, None);
    let new = form.get("new_password").unwrap_or_default();
    let mut errors = FormErrors::default();
    if new != form.get("confirm_password").unwrap_or_default() {
        errors.add("confirm_password", i.t("account.passwords_differ").to_string());
        return render_token(&state, &headers, true, &token, true, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match state.desk.complete_password_reset(&token, new).await {
        Ok(_) => {
            let mut r = see_other("/sign-in?reset=1");
            // Whatever this browser was signed in as ended with the reset.
            r.headers_mut()
                .append(header::SET_COOKIE, session::set_cookie(session::COOKIE, "", 0, state.secure_cookies, true));
            Ok(r)
        }
        Err(e) if e.field() == Some("token") => {
            render_token(&state, &headers, true, &token, false, FormErrors::default(), StatusCode::GONE).await
        }
        Err(e) if e.is_server_fault() => Err(e.into()),
        Err(e) => {
            let (field, message) = desk_message(&i, &e);
            let field = if field == "password" { "new_password".to_string() } else { field };
            errors.add(&field, message);
            render_token(&state, &headers, true, &token, true, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// A mailed sign-in link's page: one button (a link followed by a mail
/// scanner spends nothing).
pub async fn link_page(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let valid = shaped(&token);
    let status = if valid { StatusCode::OK } else { StatusCode::GONE };
    let token = if valid { token } else { String::new() };
    render_token(&state, &headers, false, &token, valid, FormErrors::default(), status).await
}

/// Signs in with a mailed sign-in link, spending it.
pub async fn link_sign_in(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: Form,
) -> Result<Response, WebError> {
    if !pre_ok(&headers, &form) {
        return Err(WebError::Csrf);
    }
    signed_in(&state, &headers, state.desk.sign_in_with_link(&token).await, "/").await
}

/// `?next=` of a hand-off URL.
#[derive(Debug, Deserialize)]
pub struct HandoffQuery {
    next: Option<String>,
}

/// A billing panel's hand-off URL: signs the customer in and opens the
/// portal at `next` (a path of this site only; anything else opens the
/// ticket list).
pub async fn handoff(
    State(state): State<WebState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Query<HandoffQuery>,
) -> Result<Response, WebError> {
    let to = safe_next(q.next.as_deref());
    signed_in(&state, &headers, state.desk.sign_in_with_handoff(&token).await, &to).await
}

/// The browser signed in (a new session cookie, then `to`), or the page of
/// a dead link.
async fn signed_in(
    state: &WebState,
    headers: &HeaderMap,
    started: Result<tessera_desk::Started, DeskError>,
    to: &str,
) -> Result<Response, WebError> {
    match started {
        Ok(started) => {
            let mut r = see_other(to);
            r.headers_mut().append(header::SET_COOKIE, cookie_of(state, &started));
            r.headers_mut().insert(header::REFERRER_POLICY, header::HeaderValue::from_static("no-referrer"));
            Ok(r)
        }
        Err(e) if e.is_server_fault() => Err(e.into()),
        Err(_) => render_token(state, headers, false, "", false, FormErrors::default(), StatusCode::GONE).await,
    }
}
