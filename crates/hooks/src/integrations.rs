//! The desk's [`Integrations`] over HTTP: validation hooks, panels, and the
//! test call of either.

use crate::client::{HookClient, Request};
use crate::panels::{Panels, fragment_of, sanitize};
use crate::validator::{HttpValidator, refusal};
use async_trait::async_trait;
use serde_json::{Value, json};
use std::time::Duration;
use tessera_desk::Desk;
use tessera_desk::hooks::{Integrations, PanelFragment, Probe, Validation};
use tessera_store::{EndpointKind, HookEndpoint};

/// Validation hooks and panels called over HTTP.
pub struct HttpIntegrations {
    desk: Desk,
    client: HookClient,
    validator: HttpValidator,
    panels: Panels,
}

impl HttpIntegrations {
    /// Integrations reading their endpoints from `store` (the desk's, handed
    /// over at start-up; give it the desk before [`Desk::with_integrations`]:
    /// hooks are not asked about what hooks do).
    pub fn new(store: std::sync::Arc<dyn tessera_store::Store>, desk: Desk, client: HookClient) -> Self {
        Self {
            validator: HttpValidator::new(store.clone(), desk.clone(), client.clone()),
            panels: Panels::new(store, desk.clone(), client.clone()),
            desk,
            client,
        }
    }

    /// Writes the dates of WiseCP-shaped validation bodies in `tz` (`[server]
    /// timezone`), as the dialects and webhooks do.
    pub fn in_time_zone(mut self, tz: chrono_tz::Tz) -> Self {
        self.validator.tz = tz;
        self
    }
}

/// What a test call sends: the hook's name and a `test` flag, so a receiver
/// can tell it from real traffic.
pub fn probe_body(e: &HookEndpoint) -> Value {
    json!({"hook": e.name, "test": true, "params": {}})
}

#[async_trait]
impl Integrations for HttpIntegrations {
    async fn validate(&self, v: &Validation<'_>) -> Result<(), String> {
        self.validator.validate(v).await
    }

    async fn panels(&self, place: &str, context: Value, key: &str) -> Vec<PanelFragment> {
        self.panels.fetch(place, context, key).await
    }

    async fn probe(&self, e: &HookEndpoint) -> Probe {
        let body = serde_json::to_vec(&probe_body(e)).unwrap_or_default();
        let secret = self.desk.open_hook_secret(&e.secret).unwrap_or_default();
        let now = self.desk.now();
        let req = Request {
            url: &e.url,
            body: &body,
            secret: &secret,
            delivery: &format!("test-{}-{}", e.id, now.timestamp_millis()),
            event: &e.name,
            timestamp: now.timestamp(),
            timeout: Duration::from_millis(u64::from(e.timeout_ms)),
        };
        let a = self.client.post(&req).await;
        let ok = a.ok();
        Probe {
            status: a.status,
            latency_ms: u32::try_from(a.latency.as_millis()).unwrap_or(u32::MAX),
            response: a.excerpt(),
            error: a.error.clone().or_else(|| (!ok).then(|| format!("status {}", a.status.unwrap_or(0)))),
            refusal: (ok && e.kind == EndpointKind::Validation).then(|| refusal(&a.body)).flatten(),
            fragment: (ok && e.kind == EndpointKind::Panel).then(|| sanitize(&fragment_of(&a.body))),
        }
    }
}
