//! Tessera's web UI: the customer portal (`/`), the agent console
//! (`/agent`) and the admin settings (`/admin`), rendered on the server
//! from compile-time checked templates, with a little JavaScript of our own
//! and every string from the message catalogs. Every action goes through
//! the desk, exactly as the API's do.
#![forbid(unsafe_code)]

pub mod admin;
pub mod admin_hooks;
pub mod admin_sla;
pub mod agent;
pub mod agent_new;
pub mod agent_search;
pub mod agent_views;
pub mod assets;
pub mod auth;
pub mod forms;
pub mod i18n;
pub mod live;
pub mod page;
pub mod panels;
pub mod portal;
pub mod session;
pub mod view;

use axum::Router;
use axum::routing::{get, post};
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
    /// Live updates and presence.
    pub live: Arc<live::Hub>,
    /// `[server] public_url`: makes links shown to be sent elsewhere whole.
    pub public_url: Option<String>,
    /// The longest pause of the live stream (`/agent/live`): keep-alives
    /// keep it within the server's idle timeout.
    pub sse_keep_alive: Duration,
}

impl WebState {
    /// The web state over a desk; starts the live-update feed. Cookies are
    /// marked `Secure` when the public URL is https.
    pub fn new(desk: Desk, public_url: Option<String>) -> Self {
        let live = live::Hub::start(desk.clone());
        let secure_cookies = public_url.as_deref().is_some_and(|u| u.starts_with("https://"));
        Self {
            desk,
            assets: Arc::new(assets::Assets::new()),
            secure_cookies,
            live,
            public_url,
            sse_keep_alive: Duration::from_secs(15),
        }
    }

    /// Sets the live stream's keep-alive interval (see [`Self::sse_keep_alive`]).
    pub fn with_sse_keep_alive(mut self, every: Duration) -> Self {
        self.sse_keep_alive = every;
        self
    }
}

/// The web routes (to be merged with the API's).
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/static/{hash}/{name}", get(assets::serve))
        .route("/sign-in", get(auth::sign_in_page).post(auth::sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route("/account", get(auth::account_page).post(auth::account))
        .route("/language", post(auth::language))
        .route("/t/{number}", get(portal::guest_link))
        .route("/", get(portal::list))
        .route("/tickets/new", get(portal::new_page).post(portal::create))
        .route("/tickets/{number}", get(portal::ticket))
        .route("/tickets/{number}/reply", post(portal::reply))
        .route("/tickets/{number}/action", post(portal::action))
        .route("/tickets/{number}/rate", post(portal::rate))
        .route("/files/{id}", get(portal::download))
        .route("/agent", get(agent::console))
        .route("/agent/counts", get(agent::counts))
        .route("/agent/live", get(live::stream))
        .route("/agent/bulk", post(agent::bulk))
        .route("/agent/search", get(agent_search::search))
        .route("/agent/views", get(agent_views::list))
        .route("/agent/views/new", get(agent_views::new_page).post(agent_views::create))
        .route("/agent/views/{id}", get(agent_views::edit_page).post(agent_views::update))
        .route("/agent/views/{id}/active", post(agent_views::set_active))
        .route("/agent/views/{id}/delete", post(agent_views::delete))
        .route("/agent/views/{id}/move", post(agent_views::move_view))
        .route("/agent/tickets/new", get(agent_new::new_page).post(agent_new::create))
        .route("/agent/tickets/{id}", get(agent::ticket))
        .route("/agent/tickets/{id}/message", post(agent::message))
        .route("/agent/tickets/{id}/properties", post(agent::properties))
        .route("/agent/tickets/{id}/action", post(agent::action))
        .route("/agent/tickets/{id}/reveal", post(agent::reveal))
        .route("/agent/tickets/{id}/guest-link", post(agent::guest_link))
        .route("/agent/tickets/{id}/presence", post(live::presence))
        .merge(admin::routes())
        .with_state(state)
}

/// The page for paths nobody serves (the server's fallback for non-API
/// paths). Error answers become pages through [`page::error_pages`], which
/// the server layers around everything.
pub async fn not_found() -> page::WebError {
    page::WebError::NotFound
}
