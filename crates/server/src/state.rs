//! What every handler shares.

use crate::config::Config;
use std::sync::Arc;
use tessera_desk::Desk;

/// The application state.
#[derive(Clone)]
pub struct AppState {
    /// The application layer.
    pub desk: Desk,
    /// The effective configuration.
    pub config: Arc<Config>,
    /// The OpenAPI document, rendered once.
    pub openapi: Arc<String>,
    /// The web UI's state.
    pub web: tessera_web::WebState,
    /// The committed event log fanned out (the API's event stream and the
    /// web UI's live screens subscribe to it).
    pub feed: Arc<tessera_desk::feed::Feed>,
    /// The compat dialects' state.
    pub compat: tessera_compat::CompatState,
    /// The webhook delivery worker (stops when the last state is dropped).
    pub webhooks: Arc<tessera_hooks::WebhookWorker>,
    /// Request counts and latencies for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// The SLA checker (stops when the last state is dropped).
    pub sla: Arc<tessera_desk::sla::checker::SlaChecker>,
    /// The IMAP mail poller (stops when the last state is dropped).
    pub mail_poller: Arc<tessera_mail::poller::MailPoller>,
    /// The SMTP sender of queued mail (none without `[mail] smtp_url`).
    pub mail_sender: Option<Arc<tessera_mail::outbound::Sender>>,
}
