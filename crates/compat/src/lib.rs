//! The compat dialects: thin modules that let clients written for WHMCS,
//! BILLmanager, a hosting provider's REST API (seed 002) and Bangwo8's
//! ticket views talk to Tessera unchanged (`../shared/spec/compat.md`).
//!
//! A dialect maps names, codes and shapes onto the desk and nothing more:
//! it authenticates a caller to an [`Actor`](tessera_core::Actor), calls the
//! same desk operations as the native API (so permissions, validation,
//! events, webhooks and e-mail behave the same), and writes the answer in
//! the original system's shape. It never touches the store's write side.
//!
//! Each dialect is switched on in the configuration (`[compat] enable`);
//! one that is off is not mounted, so its paths answer 404.
#![forbid(unsafe_code)]

pub mod bangwo8;
pub mod billmanager;
pub mod common;
pub mod config;
pub mod hostapi;
pub mod whmcs;
pub mod xml;

use axum::Router;
use axum::http::HeaderMap;
use axum::response::Response;
use std::sync::Arc;
use tessera_desk::Desk;

pub use config::{CompatConfig, Dialect};

/// What every dialect's handlers share.
#[derive(Clone)]
pub struct CompatState {
    /// The application layer every dialect calls.
    pub desk: Desk,
    /// Which dialects are on and how they behave.
    pub config: Arc<CompatConfig>,
}

impl CompatState {
    /// State over a desk.
    pub fn new(desk: Desk, config: CompatConfig) -> Self {
        Self { desk, config: Arc::new(config) }
    }
}

/// A dialect's answer to a request whose body is larger than the route
/// accepts, in the dialect's own error shape. The server's body limits give
/// it before reading any of the body, so it cannot depend on the body:
/// `headers` and `query` (a format asked for in the query string, the
/// caller's language) are all it reads.
pub fn too_large(state: &CompatState, dialect: Dialect, headers: &HeaderMap, query: Option<&str>) -> Response {
    match dialect {
        Dialect::Whmcs => whmcs::too_large(query),
        Dialect::Billmanager => billmanager::too_large(query),
        Dialect::Hostapi => hostapi::too_large(state, headers),
        Dialect::Bangwo8 => bangwo8::too_large(),
    }
}

/// The routes of every enabled dialect, each below `/compat/<dialect>`,
/// each with its own request log lines.
pub fn router(state: CompatState) -> Router {
    let mut app = Router::new();
    for dialect in state.config.enabled.iter().copied() {
        let routes = match dialect {
            Dialect::Whmcs => whmcs::router(),
            Dialect::Billmanager => billmanager::router(),
            Dialect::Hostapi => hostapi::router(),
            Dialect::Bangwo8 => bangwo8::router(),
        };
        let routes = routes
            .layer(axum::extract::DefaultBodyLimit::max(state.config.max_body_bytes))
            .layer(axum::middleware::from_fn_with_state(dialect, common::request_log))
            .with_state(state.clone());
        app = app.nest(&format!("/compat/{}", dialect.as_str()), routes);
    }
    app
}
