//! Tessera's web UI: the customer portal (`/`), the agent console
//! (`/agent`) and the admin settings (`/admin`), rendered on the server
//! from compile-time checked templates, with a little JavaScript of our own
//! and every string from the message catalogs. Every action goes through
//! the desk, exactly as the API's do.
//!
//! A folder per audience: `portal/` (customers), `agent/` (the console),
//! `admin/` (the settings); `view/` holds what they share (labels, ticket
//! rows, custom-field controls, the conversation and its files, select
//! options, integration panels). Beside them: sign-in and the account
//! (`auth.rs`), pages and error pages (`page.rs`), sessions, forms, the
//! catalogs, static files, the live stream, the client's address
//! (`peer.rs`) and where the pages' script saves drafts (`drafts.rs`). Every route is listed in [`routes`].
#![forbid(unsafe_code)]

pub mod access;
pub mod admin;
pub mod agent;
pub mod assets;
pub mod auth;
pub mod drafts;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod live;
pub mod page;
pub mod peer;
pub mod portal;
pub mod session;
pub mod unsubscribe;
pub mod view;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter};
use std::sync::Arc;
use std::time::Duration;
use tessera_desk::Desk;

/// What the web handlers share.
#[derive(Clone)]
pub struct WebState {
    /// The application layer.
    pub desk: Desk,
    /// Stylesheet and script.
    pub assets: Arc<assets::Assets>,
    /// Mark cookies `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// The desk's live feed, and presence.
    pub live: Arc<tessera_desk::feed::Feed>,
    /// `[server] public_url`: makes links shown to be sent elsewhere whole.
    pub public_url: Option<String>,
    /// The longest pause of the live stream (`/agent/live`): keep-alives
    /// keep it within the server's idle timeout.
    pub sse_keep_alive: Duration,
    /// How mail is read when an admin processes a message again (the
    /// installation language as the charset fallback).
    pub mail_reading: tessera_mail::gateway::Reading,
}

impl WebState {
    /// The web state over a desk and the process's live feed. Cookies are
    /// marked `Secure` when the public URL is https.
    pub fn new(desk: Desk, live: Arc<tessera_desk::feed::Feed>, public_url: Option<String>) -> Self {
        let secure_cookies = public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        Self {
            desk,
            assets: Arc::new(assets::Assets::new()),
            secure_cookies,
            live,
            public_url,
            sse_keep_alive: Duration::from_secs(15),
            mail_reading: tessera_mail::gateway::Reading::default(),
        }
    }

    /// Sets how mail is read (see [`Self::mail_reading`]).
    pub fn with_mail_reading(mut self, reading: tessera_mail::gateway::Reading) -> Self {
        self.mail_reading = reading;
        self
    }

    /// Sets the live stream's keep-alive interval (see [`Self::sse_keep_alive`]).
    pub fn with_sse_keep_alive(mut self, every: Duration) -> Self {
        self.sse_keep_alive = every;
        self
    }
}

/// One web route: a method, a path pattern (axum's syntax) and its handler.
///
/// The router is built from [`routes`], so the same list tells tests (the
/// authorization matrix) and the body limits which routes exist.
pub struct Route {
    /// The HTTP method it answers (a GET route answers HEAD too).
    pub method: Method,
    /// The path pattern, such as `/tickets/{number}/reply`.
    pub path: &'static str,
    /// The handler, for this method only.
    pub handler: MethodRouter<WebState>,
}

/// A GET route (HEAD is answered by it too, as with axum's `get`).
pub(crate) fn get<H, T>(path: &'static str, handler: H) -> Route
where
    H: Handler<T, WebState>,
    T: 'static,
{
    Route { method: Method::GET, path, handler: axum::routing::on(MethodFilter::GET, handler) }
}

/// A POST route.
pub(crate) fn post<H, T>(path: &'static str, handler: H) -> Route
where
    H: Handler<T, WebState>,
    T: 'static,
{
    Route { method: Method::POST, path, handler: axum::routing::on(MethodFilter::POST, handler) }
}

/// Every web route: the portal, the console, the settings, sign-in and the
/// static files. [`router`] is built from this list and nothing else.
pub fn routes() -> Vec<Route> {
    let mut r = vec![
        get("/static/{hash}/{name}", assets::serve),
        get("/sign-in", auth::sign_in_page),
        post("/sign-in", auth::sign_in),
        post("/sign-out", auth::sign_out),
        get("/forgot-password", access::forgot_page),
        post("/forgot-password", access::forgot),
        get("/reset/{token}", access::reset_page),
        post("/reset/{token}", access::reset),
        get("/sign-in/link", access::link_request_page),
        post("/sign-in/link", access::link_request),
        get("/sign-in/link/{token}", access::link_page),
        post("/sign-in/link/{token}", access::link_sign_in),
        get("/sso/{token}", access::handoff),
        get("/unsubscribe/{token}", unsubscribe::page),
        post("/unsubscribe/{token}", unsubscribe::one_click),
        get("/account", auth::account_page),
        post("/account", auth::account),
        post("/language", auth::language),
        get("/t/{number}", portal::ticket::guest_link),
        get("/", portal::list::list),
        get("/tickets/new", portal::new::new_page),
        post("/tickets/new", portal::new::create),
        get("/tickets/{number}", portal::ticket::ticket),
        post("/tickets/{number}/reply", portal::ticket::reply),
        post("/tickets/{number}/action", portal::ticket::action),
        post("/tickets/{number}/rate", portal::ticket::rate),
        post("/tickets/{number}/draft", drafts::portal_save),
        get("/files/{id}", portal::ticket::download),
        get("/agent", agent::console::console),
        get("/agent/counts", agent::console::counts),
        get("/agent/live", live::stream),
        post("/agent/bulk", agent::console::bulk),
        get("/agent/search", agent::search::search),
        get("/agent/views", agent::views::list),
        get("/agent/views/new", agent::views::new_page),
        post("/agent/views/new", agent::views::create),
        get("/agent/views/{id}", agent::views::edit_page),
        post("/agent/views/{id}", agent::views::update),
        post("/agent/views/{id}/active", agent::views::set_active),
        post("/agent/views/{id}/delete", agent::views::delete),
        post("/agent/views/{id}/move", agent::views::move_view),
        get("/agent/tickets/new", agent::new::new_page),
        post("/agent/tickets/new", agent::new::create),
        get("/agent/tickets/{id}", agent::ticket::ticket),
        post("/agent/tickets/{id}/message", agent::ticket::message),
        post("/agent/tickets/{id}/properties", agent::ticket::properties),
        post("/agent/tickets/{id}/action", agent::ticket::action),
        post("/agent/tickets/{id}/reveal", agent::ticket::reveal),
        post("/agent/tickets/{id}/guest-link", agent::ticket::guest_link),
        post("/agent/tickets/{id}/presence", live::presence),
        post("/agent/tickets/{id}/draft", drafts::agent_save),
        get("/agent/suppressions", agent::suppressions::suppressions),
        post("/agent/suppressions/remove", agent::suppressions::remove),
    ];
    r.extend(admin::routes());
    r
}

/// The method and path pattern of every web route, in [`routes`]' order:
/// what a test enumerates to judge every route (the authorization matrix
/// fails on a route it has no expectation for).
pub fn route_list() -> Vec<(Method, &'static str)> {
    routes().into_iter().map(|r| (r.method, r.path)).collect()
}

/// The web routes (to be merged with the API's): [`routes`], folded into
/// one router (two routes of one path with different methods become one
/// path with both).
pub fn router(state: WebState) -> Router {
    routes().into_iter().fold(Router::new(), |router, r| router.route(r.path, r.handler)).with_state(state)
}

/// The page for paths nobody serves (the server's fallback for non-API
/// paths). Error answers become pages through [`page::error_pages`], which
/// the server layers around everything.
pub async fn not_found() -> page::WebError {
    page::WebError::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_route_is_listed_once_and_the_router_takes_them_all() {
        let list = route_list();
        let unique: BTreeSet<(String, &str)> = list.iter().map(|(m, p)| (m.to_string(), *p)).collect();
        assert_eq!(unique.len(), list.len(), "a route is listed twice");
        assert!(list.iter().all(|(m, _)| *m == Method::GET || *m == Method::POST), "forms are GET or POST");
        // Routes of one path with different methods merge (axum panics on
        // a path and method registered twice).
        let _: Router<WebState> = routes().into_iter().fold(Router::new(), |router, r| router.route(r.path, r.handler));
        assert!(unique.contains(&("POST".to_string(), "/tickets/{number}/reply")));
        assert!(unique.contains(&("GET".to_string(), "/admin/sla/{id}")));
        assert!(unique.contains(&("GET".to_string(), "/admin/mailboxes/new")));
        assert!(unique.contains(&("POST".to_string(), "/admin/mailboxes/{id}/delete")));
    }
}
