//! Browser sessions and CSRF protection.
//!
//! A session cookie (`HttpOnly`, `SameSite=Lax`, `Secure` when the public
//! URL is https) holds a browser session's secret; the desk starts, loads,
//! moves on and ends sessions under its one policy (`tessera_desk::sessions`:
//! 14 days from the last use, ended by a new password). Every form carries
//! the session's CSRF token, and every POST is checked against it; a POST
//! from another site is refused before that by its `Sec-Fetch-Site`.

use crate::WebState;
use crate::error::WebError;
use crate::i18n::{I18n, Lang};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use tessera_core::{Actor, User};
use tessera_desk::SessionKind;
use tessera_store::SessionRecord;

/// The session cookie.
pub const COOKIE: &str = "tessera_session";
/// The language cookie for visitors who are not signed in.
pub const LANG_COOKIE: &str = "tessera_lang";
/// The pre-session token cookie that protects the sign-in form.
pub const PRE_COOKIE: &str = "tessera_pre";
/// A cookie value from the request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool, http_only: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age_secs}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or(HeaderValue::from_static("x=; Path=/"))
}

/// The signed-in person behind a request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Their record.
    pub user: User,
    /// Their permissions.
    pub actor: Actor,
    /// The session.
    pub session: SessionRecord,
}

impl SignedIn {
    /// A guest reaching one ticket by its access key.
    pub fn is_guest(&self) -> bool {
        self.session.ticket_id.is_some()
    }
}

impl From<tessera_desk::Session> for SignedIn {
    fn from(s: tessera_desk::Session) -> Self {
        Self { user: s.user, actor: s.actor, session: s.record }
    }
}

/// The `Set-Cookie` header of a browser session the desk just started
/// (a signed-in user's, or a guest's).
pub fn cookie_of(state: &WebState, started: &tessera_desk::Started) -> HeaderValue {
    set_cookie(COOKIE, &started.secret, SessionKind::Browser.idle().num_seconds(), state.secure_cookies, true)
}

/// The session of a request, if it has a valid one (the desk's rules).
pub async fn load(state: &WebState, headers: &HeaderMap) -> Option<SignedIn> {
    let secret = cookie(headers, COOKIE)?;
    state.desk.session(SessionKind::Browser, secret).await.ok().map(SignedIn::from)
}

/// A session by its stored hash, if it is still valid, with the user's
/// current rights. Long requests (the live feed) ask again while they run.
pub async fn load_hash(state: &WebState, id_hash: &str) -> Option<SignedIn> {
    state.desk.session_by_hash(SessionKind::Browser, id_hash).await.ok().map(SignedIn::from)
}

/// The language of a request: the user's setting, else the language
/// cookie, else `Accept-Language`, else English.
pub fn language(headers: &HeaderMap, user: Option<&User>) -> Lang {
    user.and_then(|u| Lang::parse(&u.locale))
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::negotiate))
        .unwrap_or(Lang::En)
}

/// Refuses a state-changing request that a browser marks as coming from
/// another site.
pub fn same_site(headers: &HeaderMap) -> bool {
    match headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        None | Some("same-origin" | "none") => true,
        Some(_) => false,
    }
}

/// Checks a form's CSRF token against the session's.
pub fn check_csrf(signed: &SignedIn, headers: &HeaderMap, token: Option<&str>) -> Result<(), WebError> {
    let sent = token.or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
    let ok =
        same_site(headers) && sent.is_some_and(|t| tessera_desk::auth::constant_time_eq(t, &signed.session.csrf_token));
    if ok { Ok(()) } else { Err(WebError::Csrf) }
}

/// The session's CSRF token, left in a signed-in request by [`Signed`] so
/// that the form reader can refuse a forged multipart form before reading
/// its files ([`crate::forms::Form`]). The handler still checks the token.
#[derive(Debug, Clone)]
pub struct ExpectedCsrf(pub String);

/// The signed-in person, or a redirect to sign-in that comes back here.
pub struct Signed(pub SignedIn);

impl FromRequestParts<WebState> for Signed {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        match load(state, &parts.headers).await {
            Some(s) => {
                parts.extensions.insert(ExpectedCsrf(s.session.csrf_token.clone()));
                Ok(Signed(s))
            }
            None => {
                let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let next = if parts.method == axum::http::Method::GET {
                    here.to_string()
                } else {
                    page_of_post(parts.uri.path())
                };
                let expired = cookie(&parts.headers, COOKIE).is_some_and(|c| !c.is_empty());
                Err(WebError::SignIn { next, expired })
            }
        }
    }
}

/// The page a form was posted from, to come back to after signing in
/// (issue 18: a POST address answers 405 to the GET after sign-in). The
/// action forms of a ticket post to `<page>/<verb>`; every other form posts
/// to the address of its own page. (No `Referer`: the server sends
/// `Referrer-Policy: no-referrer`.)
pub fn page_of_post(path: &str) -> String {
    const VERBS: [&str; 8] = ["message", "reply", "action", "properties", "reveal", "guest-link", "rate", "presence"];
    match path.rsplit_once('/') {
        Some((page, verb)) if !page.is_empty() && VERBS.contains(&verb) => page.to_string(),
        _ => path.to_string(),
    }
}

/// The signed-in person if any (pages that also serve visitors).
pub struct MaybeSigned(pub Option<SignedIn>);

impl FromRequestParts<WebState> for MaybeSigned {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &WebState) -> Result<Self, Self::Rejection> {
        Ok(MaybeSigned(load(state, &parts.headers).await))
    }
}

/// Translations for a request.
pub fn i18n_for(headers: &HeaderMap, signed: Option<&SignedIn>) -> I18n {
    I18n::new(language(headers, signed.map(|s| &s.user)))
}

#[cfg(test)]
mod tests {
    use super::page_of_post;

    #[test]
    fn a_post_comes_back_to_the_page_of_its_form() {
        assert_eq!(page_of_post("/agent/tickets/5/message"), "/agent/tickets/5");
        assert_eq!(page_of_post("/tickets/123456/reply"), "/tickets/123456");
        assert_eq!(page_of_post("/agent/tickets/5/properties"), "/agent/tickets/5");
        // Forms that post to their own page's address.
        assert_eq!(page_of_post("/account"), "/account");
        assert_eq!(page_of_post("/agent/tickets/new"), "/agent/tickets/new");
        assert_eq!(page_of_post("/admin/users/7"), "/admin/users/7");
        assert_eq!(page_of_post("/reply"), "/reply");
    }
}
