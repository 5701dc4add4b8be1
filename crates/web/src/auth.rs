//! Signing in and out, the account page (name, language, time zone,
//! password, which mail one receives) and the language switch.
//!
//! Failed sign-ins are limited by the desk (`tessera_desk::sign_in`: per
//! account and address, per account, per address; a success never counts),
//! answered with 429 and `Retry-After`. The sign-in form is protected by a pre-session token (double submit), every
//! other form by the session's CSRF token.

use crate::WebState;
use crate::forms::Form;
use crate::i18n::Lang;
use crate::page::{FormErrors, Page, WebError, desk_message, html, html_status, see_other};
use crate::session::{self, MaybeSigned, PRE_COOKIE, Signed, check_csrf, cookie, same_site, set_cookie};
use crate::view::modes::{self, ModeRow};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tessera_desk::{SessionKind, SignInError, UpdateUser};

/// Where to go after signing in (or after switching the language): a path
/// of this site, judged the way a browser parses URLs. Browsers drop tabs
/// and line breaks anywhere in a URL, read `\\` as `/`, and take `//host`
/// as another site, so a `next` with a control character, whitespace or a
/// backslash anywhere, or starting with `//`, is refused whole (answered
/// with `/`), never repaired. Non-ASCII characters are percent-encoded, so
/// the `Location` header is plain ASCII.
pub fn safe_next(next: Option<&str>) -> String {
    const MAX: usize = 2048;
    let Some(n) = next else { return "/".to_string() };
    let local = n.starts_with('/')
        && !n.starts_with("//")
        && n.len() <= MAX
        && !n.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if !local {
        return "/".to_string();
    }
    let mut out = String::with_capacity(n.len());
    for c in n.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// The home of a role.
pub fn home_of(role: tessera_core::Role) -> &'static str {
    if role.is_staff() { "/agent" } else { "/" }
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    page: Page,
    next: String,
    email: String,
    pre: String,
    errors: FormErrors,
    reset_done: bool,
}

/// `?next=` of the sign-in page (and `?reset=1` after a password reset).
#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
    reset: Option<String>,
}

/// The pre-session token of the anonymous forms (double submit), if the
/// browser sent a well-formed one.
pub(crate) fn pre_token(headers: &HeaderMap) -> Option<String> {
    cookie(headers, PRE_COOKIE).filter(|t| t.len() == 32).map(str::to_string)
}

async fn render_sign_in(
    state: &WebState,
    headers: &HeaderMap,
    next: String,
    email: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, WebError> {
    render_sign_in_with(state, headers, next, email, errors, status, false).await
}

async fn render_sign_in_with(
    state: &WebState,
    headers: &HeaderMap,
    next: String,
    email: String,
    errors: FormErrors,
    status: StatusCode,
    reset_done: bool,
) -> Result<Response, WebError> {
    let pre = pre_for(headers)?;
    let page = Page::new(state, headers, None, "sign-in", "/sign-in");
    let mut r = html_status(status, &SignInPage { page, next, email, pre: pre.clone(), errors, reset_done })?;
    with_pre_cookie(state, &mut r, &pre);
    Ok(r)
}

/// The browser's pre-session token, or a new one.
pub(crate) fn pre_for(headers: &HeaderMap) -> Result<String, WebError> {
    Ok(match pre_token(headers) {
        Some(t) => t,
        None => tessera_desk::random::hex_token::<16>()?,
    })
}

/// Sets (or renews) the pre-session cookie an anonymous form double-submits.
pub(crate) fn with_pre_cookie(state: &WebState, r: &mut Response, pre: &str) {
    r.headers_mut().append(header::SET_COOKIE, set_cookie(PRE_COOKIE, pre, 3600, state.secure_cookies, true));
}

/// Whether an anonymous form came from our page: same site, and its
/// `_pre` field equal to the pre-session cookie.
pub(crate) fn pre_ok(headers: &HeaderMap, form: &Form) -> bool {
    same_site(headers)
        && pre_token(headers)
            .is_some_and(|c| form.get("_pre").is_some_and(|f| tessera_desk::auth::constant_time_eq(f, &c)))
}

/// The sign-in form.
pub async fn sign_in_page(
    State(state): State<WebState>,
    MaybeSigned(signed): MaybeSigned,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    if let Some(s) = signed.filter(|s| !s.is_guest()) {
        let to = match q.next.as_deref() {
            Some(n) => safe_next(Some(n)),
            None => home_of(s.user.role).to_string(),
        };
        return Ok(see_other(&to));
    }
    let next = safe_next(q.next.as_deref());
    let reset_done = q.reset.is_some();
    render_sign_in_with(&state, &headers, next, String::new(), FormErrors::default(), StatusCode::OK, reset_done).await
}

/// The sign-in form's pre-session cookie, present and from our own site:
/// checked before the form is read, so a POST without it (anyone's, from
/// anywhere) is refused without reading its body. The form's copy of the
/// token is compared in [`sign_in`].
pub struct PreSession;

impl axum::extract::FromRequestParts<WebState> for PreSession {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &WebState) -> Result<Self, WebError> {
        if same_site(&parts.headers) && pre_token(&parts.headers).is_some() {
            Ok(PreSession)
        } else {
            Err(WebError::Csrf)
        }
    }
}

/// Signs in.
pub async fn sign_in(
    State(state): State<WebState>,
    headers: HeaderMap,
    peer: crate::peer::Peer,
    _pre: PreSession,
    form: Form,
) -> Result<Response, WebError> {
    let next = safe_next(form.get("next"));
    let email = form.text("email").unwrap_or_default();
    let password = form.get("password").unwrap_or_default().to_string();
    let i = session::i18n_for(&headers, None);
    // The form must come from our page (double-submitted token).
    if !pre_ok(&headers, &form) {
        return Err(WebError::Csrf);
    }
    let ip = peer.0.unwrap_or_else(|| "unknown".to_string());
    let mut errors = FormErrors::default();
    match state.desk.sign_in(&email, &password, &ip).await {
        Err(SignInError::TooMany { retry_after_secs }) => {
            errors.add("_", i.t("signin.too_many").to_string());
            let mut r = render_sign_in(&state, &headers, next, email, errors, StatusCode::TOO_MANY_REQUESTS).await?;
            r.headers_mut().insert(header::RETRY_AFTER, retry_after_secs.into());
            Ok(r)
        }
        Err(SignInError::Desk(e)) => Err(e.into()),
        Ok(actor) => {
            let started = state.desk.start_session(&actor, SessionKind::Browser).await?;
            let cookie = session::cookie_of(&state, &started);
            let role = started.session.user.role;
            let to = if form.get("next").is_some_and(|n| n != "/") { next } else { home_of(role).to_string() };
            let mut r = see_other(&to);
            r.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(r)
        }
        Err(SignInError::Failed) => {
            errors.add("_", i.t("signin.failed").to_string());
            render_sign_in(&state, &headers, next, email, errors, StatusCode::UNAUTHORIZED).await
        }
    }
}

/// Signs out.
pub async fn sign_out(State(state): State<WebState>, headers: HeaderMap, form: Form) -> Result<Response, WebError> {
    if let Some(s) = session::load(&state, &headers).await {
        check_csrf(&s, &headers, form.get("_csrf"))?;
        let _ = state.desk.end_session(&s.session).await;
    }
    let mut r = see_other("/sign-in");
    r.headers_mut().append(header::SET_COOKIE, set_cookie(session::COOKIE, "", 0, state.secure_cookies, true));
    Ok(r)
}

/// A kind of mail one may turn off, as a checkbox of the account page.
/// One's notification choices (customers: the customers' kinds; agents:
/// the agents', with their departments' default), as the desk has them.
async fn notification_choices(
    state: &WebState,
    s: &session::SignedIn,
    i: &crate::i18n::I18n,
) -> Result<Vec<ModeRow>, WebError> {
    let now = state.desk.notification_modes(&s.actor).await?;
    let default = s.actor.is_staff().then(|| i.t("mailout.mode.default_department").to_string());
    Ok(modes::rows(i, &now, default.as_deref()))
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    notifications: Vec<ModeRow>,
    name: String,
    email: String,
    locale: String,
    time_zone: String,
    saved: bool,
    errors: FormErrors,
}

/// `?saved=1` after a change.
#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

/// The account page.
pub async fn account_page(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Query(q): Query<SavedQuery>,
) -> Result<Response, WebError> {
    if s.is_guest() {
        return Err(WebError::Forbidden);
    }
    let page = Page::new(&state, &headers, Some(&s), "account", "/account");
    let notifications = notification_choices(&state, &s, &page.i).await?;
    html(&AccountPage {
        page,
        notifications,
        name: s.user.name.clone(),
        email: s.user.email.to_string(),
        locale: s.user.locale.clone(),
        saved: q.saved.is_some(),
        time_zone: s.user.time_zone,
        errors: FormErrors::default(),
    })
}

/// Saves the account page (profile, or a new password).
pub async fn account(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    if s.is_guest() {
        return Err(WebError::Forbidden);
    }
    let i = session::i18n_for(&headers, Some(&s));
    let mut errors = FormErrors::default();
    let mut input = UpdateUser::default();
    if form.get("form") == Some("notifications") {
        // Each kind offered: its `mode.<kind>` select (decision 48).
        let now = state.desk.notification_modes(&s.actor).await?;
        let changes = modes::changes(&form, &now)?;
        state.desk.set_notification_modes(&s.actor, &changes).await?;
        return Ok(see_other("/account?saved=1"));
    }
    if form.get("form") == Some("password") {
        let current = form.get("current_password").unwrap_or_default();
        let new = form.get("new_password").unwrap_or_default();
        let confirm = form.get("confirm_password").unwrap_or_default();
        if state.desk.authenticate_password(s.user.email.as_str(), current).await.is_err() {
            errors.add("current_password", i.t("account.wrong_password").to_string());
        } else if new != confirm {
            errors.add("confirm_password", i.t("account.passwords_differ").to_string());
        } else {
            input.password = Some(new.to_string());
        }
    } else {
        input.name = form.text("name");
        input.locale = form.text("locale");
        input.time_zone = form.text("time_zone");
    }
    if !errors.any() {
        // A new password signs out every other browser (the desk's rule);
        // this one stays signed in.
        match state.desk.update_user_in_session(&s.actor, s.user.id, input, Some(&s.session.id_hash)).await {
            Ok(_) => return Ok(see_other("/account?saved=1")),
            Err(e) => {
                let (field, message) = desk_message(&i, &e);
                let field = if field == "password" { "new_password".to_string() } else { field };
                errors.add(&field, message);
            }
        }
    }
    let page = Page::new(&state, &headers, Some(&s), "account", "/account");
    let notifications = notification_choices(&state, &s, &page.i).await?;
    html_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &AccountPage {
            page,
            notifications,
            name: form.get("name").map_or_else(|| s.user.name.clone(), str::to_string),
            email: s.user.email.to_string(),
            locale: form.get("locale").map_or_else(|| s.user.locale.clone(), str::to_string),
            time_zone: form.get("time_zone").map_or_else(|| s.user.time_zone.clone(), str::to_string),
            saved: false,
            errors,
        },
    )
}

/// Switches the language: in the account of the signed in, in a cookie for
/// visitors; then back to the page.
pub async fn language(State(state): State<WebState>, headers: HeaderMap, form: Form) -> Result<Response, WebError> {
    let lang = form.get("lang").and_then(Lang::parse).ok_or_else(|| WebError::BadRequest("unknown language".into()))?;
    let back = safe_next(form.get("back"));
    let signed = session::load(&state, &headers).await;
    if let Some(s) = &signed {
        check_csrf(s, &headers, form.get("_csrf"))?;
        if !s.is_guest() {
            let input = UpdateUser { locale: Some(lang.code().to_string()), ..UpdateUser::default() };
            state.desk.update_user(&s.actor, s.user.id, input).await?;
        }
    } else if !same_site(&headers) {
        return Err(WebError::Csrf);
    }
    let mut r = see_other(&back);
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(session::LANG_COOKIE, lang.code(), 365 * 86_400, state.secure_cookies, false),
    );
    Ok(r.into_response())
}
