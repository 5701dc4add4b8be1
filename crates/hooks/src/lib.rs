//! Tessera's integrations over HTTP: webhooks delivered from the committed
//! event log, validation hooks asked before tickets and replies are
//! committed, and panels that add HTML fragments to pages (seed 000's hook
//! model, any language can plug in).
//!
//! Every request is signed (see [`sign`]), goes only where the URL policy
//! allows (no special-purpose address — loopback, private, link-local and
//! the rest of IANA's registries — unless configured), connects to the very
//! address that was checked (see [`client`]), follows no redirect, and
//! reads at most [`client::MAX_BODY`] bytes back.
#![forbid(unsafe_code)]

pub mod client;
pub mod integrations;
pub mod panels;
pub mod payload;
pub mod sign;
pub mod validator;
pub mod worker;

pub use client::HookClient;
pub use integrations::HttpIntegrations;
pub use panels::Panels;
pub use validator::HttpValidator;
pub use worker::{WebhookWorker, WorkerSettings};

/// Installs the TLS crypto provider (ring) once per process, before the
/// first HTTPS request.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
