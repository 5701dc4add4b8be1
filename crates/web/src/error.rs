//! Why a page could not be shown, and the answer each reason gets (filled
//! with a page in the visitor's language by `page::error_pages`). Apart from
//! the pages so that forms and sessions, which fail with these, need not
//! know pages.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tessera_desk::DeskError;

/// A 303 redirect (after a form post).
/// A `Location` that is not a valid header value (a control character)
/// goes to the home page instead: input never makes a 5xx.
pub fn see_other(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
        Err(_) => (StatusCode::SEE_OTHER, [(header::LOCATION, HeaderValue::from_static("/"))]).into_response(),
    }
}

/// Why a page could not be shown. Turned into a localized page by
/// [`crate::page::error_pages`].
#[derive(Debug)]
pub enum WebError {
    /// Not signed in: go sign in, then come back to `next`.
    SignIn {
        /// Where to come back to.
        next: String,
        /// The browser sent a session that is no longer valid: the sign-in
        /// page says the session ended (and that typed text was kept).
        expired: bool,
    },
    /// The form's CSRF token is missing or wrong.
    Csrf,
    /// No such page, or not one for this person.
    NotFound,
    /// Not allowed.
    Forbidden,
    /// The request is malformed.
    BadRequest(String),
    /// Too large.
    TooLarge,
    /// The path exists, not with this method.
    MethodNotAllowed,
    /// The database or the attachment storage cannot be reached just now.
    Unavailable(String),
    /// A fault of ours.
    Internal(String),
}

impl From<DeskError> for WebError {
    fn from(e: DeskError) -> Self {
        match e {
            DeskError::NotFound { .. } => Self::NotFound,
            DeskError::Forbidden { .. } => Self::Forbidden,
            DeskError::Unauthenticated => Self::SignIn { next: "/".into(), expired: false },
            DeskError::TooLarge(_) => Self::TooLarge,
            DeskError::Internal(m) => Self::Internal(m),
            DeskError::Unavailable(m) => Self::Unavailable(m),
            other => Self::BadRequest(other.to_string()),
        }
    }
}

/// Marks an error answer for [`crate::page::error_pages`] to fill in.
#[derive(Debug, Clone)]
pub(crate) struct ErrorMark {
    pub(crate) title: &'static str,
    pub(crate) text: &'static str,
    pub(crate) detail: Option<String>,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, text, detail) = match self {
            Self::SignIn { next, expired } => {
                return see_other(&format!(
                    "/sign-in?next={}{}",
                    form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>(),
                    if expired { "&expired=1" } else { "" }
                ));
            }
            Self::Csrf => (StatusCode::FORBIDDEN, "error.csrf_title", "error.csrf_text", None),
            Self::NotFound => (StatusCode::NOT_FOUND, "error.not_found_title", "error.not_found_text", None),
            Self::Forbidden => (StatusCode::FORBIDDEN, "error.forbidden_title", "error.forbidden_text", None),
            Self::BadRequest(m) => {
                (StatusCode::BAD_REQUEST, "error.bad_request_title", "error.bad_request_text", Some(m))
            }
            Self::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "error.too_large_title", "error.too_large_text", None),
            Self::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "error.bad_request_title", "error.bad_request_text", None)
            }
            Self::Unavailable(m) => {
                tracing::error!(door = "web", cause = %m, "unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "error.internal_title", "error.internal_text", None)
            }
            Self::Internal(m) => {
                tracing::error!(door = "web", cause = %m, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "error.internal_title", "error.internal_text", None)
            }
        };
        let mut r = status.into_response();
        r.extensions_mut().insert(ErrorMark { title, text, detail });
        r
    }
}
