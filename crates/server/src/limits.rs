//! Request body limits, one per route, enforced before anything is
//! buffered (decision 32).
//!
//! [`body_limit`] runs after routing, around every route of every door. It
//! picks the route's limit ([`route_limit`]), refuses a request whose
//! `Content-Length` is above it at once, in the door's own error shape
//! (without reading a byte of the body), and otherwise hands the route a
//! body that fails as soon as more than the limit has arrived, so a chunked
//! body is cut off at the limit too. Whatever reads the body afterwards (a
//! JSON extractor, the idempotency middleware, a multipart reader, a
//! dialect) therefore never holds more than the route allows, and answers
//! the failure as its door's 413.

use crate::config::Config;
use crate::error::ApiError;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The limit of every route that anyone may call without a session or a
/// token (the sign-in form, the language switch, sign-out) and of routes
/// that take no body at all: enough for any form of theirs, far too small
/// to fill memory with.
pub const ANONYMOUS_BODY_BYTES: usize = 64 * 1024;

/// The limit of the web's forms without files (the web's own URL-encoded
/// form limit, `tessera_web::forms::MAX_FORM_BYTES`).
pub const FORM_BYTES: usize = tessera_web::forms::MAX_FORM_BYTES;

/// The web forms that carry files (route patterns of `tessera_web::routes`):
/// they get the upload limit.
pub const WEB_UPLOAD_FORMS: [&str; 4] =
    ["/tickets/new", "/tickets/{number}/reply", "/agent/tickets/new", "/agent/tickets/{id}/message"];

/// The web forms anyone may post without a session: they get the small
/// anonymous limit.
pub const WEB_ANONYMOUS_FORMS: [&str; 8] = [
    "/sign-in",
    "/sign-out",
    "/language",
    "/forgot-password",
    "/reset/{token}",
    "/sign-in/link",
    "/sign-in/link/{token}",
    "/unsubscribe/{token}",
];

/// Which door a path belongs to: each answers a refusal in its own shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// The native API (`/api/`): a JSON error.
    Api,
    /// A compat dialect (`/compat/<name>/`): the dialect's error.
    Compat(tessera_compat::Dialect),
    /// The web UI and the rest: an error page.
    Web,
}

impl Door {
    /// The door of a path.
    pub fn of(path: &str) -> Self {
        if path.starts_with("/api/") {
            return Self::Api;
        }
        if let Some(rest) = path.strip_prefix("/compat/")
            && let Some(d) = rest.split('/').next().and_then(tessera_compat::Dialect::parse)
        {
            return Self::Compat(d);
        }
        Self::Web
    }
}

/// The largest multipart body of a route that takes files: every file at
/// its largest, plus a form's worth of text fields and part headers.
pub fn upload_bytes(config: &Config) -> usize {
    config.max_attachment_bytes.saturating_mul(config.max_attachments_per_message).saturating_add(FORM_BYTES)
}

/// The largest body `route` (a matched route pattern such as
/// `/tickets/{number}/reply`) accepts.
pub fn route_limit(config: &Config, route: &str) -> usize {
    match Door::of(route) {
        Door::Api => match route {
            "/api/v1/attachments" => upload_bytes(config),
            "/api/v1/openapi.json" => ANONYMOUS_BODY_BYTES,
            // A raw e-mail with its attachments, base64 and all.
            "/api/v1/mail/inbound" => tessera_desk::mail::MAX_RAW_BYTES,
            _ => config.max_body_bytes,
        },
        Door::Compat(d) => match d {
            // Credentials come in the body, and attachments as base64.
            tessera_compat::Dialect::Whmcs => config.compat.max_body_bytes,
            // Forms and JSON of text only.
            tessera_compat::Dialect::Billmanager | tessera_compat::Dialect::Hostapi => config.max_body_bytes,
            // Reads only.
            tessera_compat::Dialect::Bangwo8 => ANONYMOUS_BODY_BYTES,
        },
        Door::Web => {
            if WEB_UPLOAD_FORMS.contains(&route) {
                upload_bytes(config)
            } else if WEB_ANONYMOUS_FORMS.contains(&route) || ["/healthz", "/readyz", "/metrics"].contains(&route) {
                // Reachable without a session, or not web pages and reads only.
                ANONYMOUS_BODY_BYTES
            } else {
                FORM_BYTES
            }
        }
    }
}

/// The body length a request announces, if it announces one. (hyper has
/// already refused a malformed or repeated `Content-Length`.)
fn announced_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

/// The door's 413.
fn too_large(state: &AppState, door: Door, limit: usize, req: &Request) -> Response {
    match door {
        Door::Api => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the request body is larger than {limit} bytes"),
        )
        .into_response(),
        Door::Compat(d) => tessera_compat::too_large(&state.compat, d, req.headers(), req.uri().query()),
        Door::Web => tessera_web::page::WebError::TooLarge.into_response(),
    }
}

/// The middleware: refuses an announced body above the route's limit
/// before reading it, and cuts any body off at the limit while it streams.
pub async fn body_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // Paths no route matched are answered by fallbacks that read no body.
    let limit = match req.extensions().get::<MatchedPath>() {
        Some(route) => route_limit(&state.config, route.as_str()),
        None => ANONYMOUS_BODY_BYTES,
    };
    if announced_length(req.headers()).is_some_and(|n| n > limit as u64) {
        return too_large(&state, Door::of(req.uri().path()), limit, &req);
    }
    next.run(req.map(|body| Body::new(http_body_util::Limited::new(body, limit)))).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn routes_get_their_limits() {
        let mut c = Config::defaults(Path::new("/tmp/x"));
        c.compat.max_body_bytes = 3 << 20;
        let upload = 10 * (20 << 20) + FORM_BYTES;
        for (route, want) in [
            ("/api/v1/tickets", 1 << 20),
            ("/api/v1/tickets/{id}/replies", 1 << 20),
            ("/api/v1/attachments", upload),
            ("/sign-in", ANONYMOUS_BODY_BYTES),
            ("/language", ANONYMOUS_BODY_BYTES),
            ("/tickets/{number}/reply", upload),
            ("/agent/tickets/{id}/message", upload),
            ("/agent/tickets/{id}/properties", FORM_BYTES),
            ("/admin/users", FORM_BYTES),
            ("/compat/whmcs/includes/api.php", 3 << 20),
            ("/compat/billmanager/billmgr", 1 << 20),
            ("/compat/hostapi/v1/tickets/create", 1 << 20),
            ("/compat/bangwo8/api/v1/tickets.json", ANONYMOUS_BODY_BYTES),
            ("/healthz", ANONYMOUS_BODY_BYTES),
        ] {
            assert_eq!(route_limit(&c, route), want, "{route}");
        }
        c.max_attachments_per_message = usize::MAX;
        assert_eq!(upload_bytes(&c), usize::MAX);
    }

    #[test]
    fn the_web_forms_named_here_are_web_routes() {
        // A renamed form would silently fall back to the default limit.
        let routes = tessera_web::route_list();
        for path in WEB_UPLOAD_FORMS.iter().chain(WEB_ANONYMOUS_FORMS.iter()) {
            assert!(
                routes.iter().any(|(m, p)| m == axum::http::Method::POST && p == path),
                "{path} is not a POST route of tessera_web::routes()"
            );
        }
    }

    #[test]
    fn doors() {
        assert_eq!(Door::of("/api/v1/x"), Door::Api);
        assert_eq!(Door::of("/compat/whmcs/includes/api.php"), Door::Compat(tessera_compat::Dialect::Whmcs));
        assert_eq!(Door::of("/compatx"), Door::Web);
        assert_eq!(Door::of("/sign-in"), Door::Web);
    }
}
