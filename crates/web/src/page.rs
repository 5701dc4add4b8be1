//! What every page shares: the layout's context, HTML answers with their
//! security headers, redirects, and error pages in the visitor's language.

use crate::WebState;
use crate::i18n::{I18n, Lang};
use crate::session::{SignedIn, i18n_for, load};
use askama::Template;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use tessera_core::Role;
use tessera_desk::DeskError;

use crate::error::ErrorMark;
pub use crate::error::{WebError, see_other};

/// The content security policy of HTML pages: our own script and style
/// only, nothing inline, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// A language choice of the switcher.
#[derive(Debug, Clone)]
pub struct LangChoice {
    /// Code.
    pub code: &'static str,
    /// Native name.
    pub name: &'static str,
    /// The page is in it.
    pub current: bool,
}

/// The layout's context.
#[derive(Debug, Clone)]
pub struct Page {
    /// Translations.
    pub i: I18n,
    /// Stylesheet URL.
    pub css: String,
    /// Script URL.
    pub js: String,
    /// The session's CSRF token (empty for visitors).
    pub csrf: String,
    /// The signed-in person's id (0 for visitors).
    pub user_id: i64,
    /// The signed-in person's name.
    pub user_name: Option<String>,
    /// Their role.
    pub role: Option<Role>,
    /// A guest on one ticket.
    pub guest: bool,
    /// Their time zone (for dates).
    pub time_zone: String,
    /// The section (`portal`, `agent`, `admin`, `account`, `sign-in`).
    pub section: &'static str,
    /// The current path with its query (for coming back after a switch).
    pub here: String,
    /// The language switcher.
    pub langs: Vec<LangChoice>,
}

impl Page {
    /// The context for a page of `section`.
    pub fn new(
        state: &WebState,
        headers: &HeaderMap,
        signed: Option<&SignedIn>,
        section: &'static str,
        here: &str,
    ) -> Self {
        let i = i18n_for(headers, signed);
        Self {
            i,
            css: state.assets.css.clone(),
            js: state.assets.js.clone(),
            csrf: signed.map(|s| s.session.csrf_token.clone()).unwrap_or_default(),
            user_id: signed.map_or(0, |s| s.user.id.0),
            user_name: signed.map(|s| s.user.name.clone()),
            role: signed.map(|s| s.user.role),
            guest: signed.is_some_and(SignedIn::is_guest),
            time_zone: signed.map_or_else(|| "UTC".to_string(), |s| s.user.time_zone.clone()),
            section,
            here: here.to_string(),
            langs: Lang::ALL
                .into_iter()
                .map(|l| LangChoice { code: l.code(), name: l.native_name(), current: l == i.lang })
                .collect(),
        }
    }

    /// Agents and admins.
    pub fn is_staff(&self) -> bool {
        self.role.is_some_and(Role::is_staff) && !self.guest
    }

    /// Admins.
    pub fn is_admin(&self) -> bool {
        self.role == Some(Role::Admin) && !self.guest
    }
}

/// Error messages of a form, by field.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    /// Field → message (`_` for the form as a whole).
    pub by_field: BTreeMap<String, String>,
    /// The desk refused the form for who sent it (a permission, not a
    /// mistake in it): the page comes back as 403, as the API's answer
    /// would, rather than 422.
    pub forbidden: bool,
}

impl FormErrors {
    /// The message for `field`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.by_field.get(field).map(String::as_str)
    }

    /// The message for the form as a whole.
    pub fn general(&self) -> Option<&str> {
        self.get("_")
    }

    /// Whether there is any.
    pub fn any(&self) -> bool {
        !self.by_field.is_empty()
    }

    /// The status of the page that shows the form again: 403 for a
    /// refusal of who sent it, 422 for mistakes, else 200.
    pub fn status(&self) -> StatusCode {
        if !self.any() {
            StatusCode::OK
        } else if self.forbidden {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        }
    }

    /// Adds a message.
    pub fn add(&mut self, field: &str, message: String) {
        self.by_field.entry(field.to_string()).or_insert(message);
    }

    /// The localized message of a desk error, on its field (or the form).
    pub fn from_desk(i: &I18n, e: &DeskError) -> Self {
        let mut f = Self { forbidden: matches!(e, DeskError::Forbidden { .. }), ..Self::default() };
        let (field, message) = desk_message(i, e);
        f.add(&field, message);
        f
    }
}

/// The field (or `_`) and localized message of a desk error.
pub fn desk_message(i: &I18n, e: &DeskError) -> (String, String) {
    if let DeskError::Refused(text) = e {
        // A validation hook's own words, shown as they are.
        return ("_".to_string(), text.clone());
    }
    let field = e.field().unwrap_or("_").to_string();
    let key = format!("err.{}", e.code());
    let text = i.t(&key);
    let message = if text == key {
        // No translation for this code: the desk's own (English) words.
        e.to_string()
    } else {
        let label_key = format!("field.{}", field.rsplit('.').next().unwrap_or(&field));
        let label = i.t(&label_key);
        let label = if label == label_key { field.as_str() } else { label };
        text.replace("{0}", label)
    };
    (field, message)
}

/// Renders a template as an HTML answer with the page headers.
pub fn html(t: &impl Template) -> Result<Response, WebError> {
    let body = t.render().map_err(|e| WebError::Internal(format!("template: {e}")))?;
    Ok(with_page_headers(axum::response::Html(body).into_response()))
}

/// Renders a template with a status.
pub fn html_status(status: StatusCode, t: &impl Template) -> Result<Response, WebError> {
    let mut r = html(t)?;
    *r.status_mut() = status;
    Ok(r)
}

fn with_page_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    r
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    title: String,
    text: String,
    detail: Option<String>,
}

/// Fills error answers with a page in the visitor's language.
pub async fn error_pages(State(state): State<WebState>, req: Request, next: Next) -> Response {
    let headers = req.headers().clone();
    let here = req.uri().path().to_string();
    let resp = next.run(req).await;
    let Some(mark) = resp.extensions().get::<ErrorMark>().cloned() else { return resp };
    let status = resp.status();
    let signed = load(&state, &headers).await;
    let page = Page::new(&state, &headers, signed.as_ref(), "error", &here);
    let t = ErrorPage {
        title: page.i.t(mark.title).to_string(),
        text: page.i.t(mark.text).to_string(),
        detail: mark.detail,
        page,
    };
    html_status(status, &t).unwrap_or_else(|_| status.into_response())
}
