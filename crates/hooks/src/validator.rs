//! Validation hooks: asked, in priority order, before a ticket or a reply
//! is committed. A 2xx answer `{"error": "…"}` refuses the action with that
//! text; any other 2xx answer lets it through; a failure (timeout, error
//! status, unreachable) means what the hook's `on_failure` says.

use crate::client::{HookClient, Request};
use crate::payload;
use serde_json::{Value, json};
use std::time::Duration;
use tessera_desk::Desk;
use tessera_desk::hooks::Validation;
use tessera_store::{EndpointKind, HookFormat, OnFailure};

/// The message shown when a hook that must answer did not.
pub const UNREACHABLE: &str = "The request could not be checked right now; please try again later.";

/// Validation over HTTP.
pub struct HttpValidator {
    store: std::sync::Arc<dyn tessera_store::Store>,
    desk: Desk,
    client: HookClient,
    /// The zone WiseCP-shaped dates are written in.
    pub(crate) tz: chrono_tz::Tz,
}

impl HttpValidator {
    /// A validator reading its hooks from `store` (dates in UTC until
    /// [`crate::HttpIntegrations::in_time_zone`] says otherwise).
    pub fn new(store: std::sync::Arc<dyn tessera_store::Store>, desk: Desk, client: HookClient) -> Self {
        Self { store, desk, client, tz: chrono_tz::UTC }
    }
}

/// The body a validation hook gets; WiseCP dates in `tz`.
pub fn body(
    format: HookFormat,
    v: &Validation<'_>,
    defs: &[tessera_core::custom_field::CustomFieldDef],
    tz: chrono_tz::Tz,
) -> Value {
    let name = v.point.hook_name();
    let create = matches!(
        v.point,
        tessera_desk::hooks::ValidationPoint::ClientCreate | tessera_desk::hooks::ValidationPoint::AdminCreate
    );
    match format {
        HookFormat::Wisecp if create => {
            json!({"hook": name, "params": payload::wisecp_ticket(v.ticket, defs, Some(v.body), tz)})
        }
        HookFormat::Wisecp => json!({"hook": name, "params": {
            "request": payload::wisecp_ticket(v.ticket, defs, None, tz),
            "reply": {
                "id": 0,
                "user_id": v.actor.user_id.0,
                "owner_id": v.ticket.id.0,
                "admin": i64::from(v.actor.is_staff()),
                "name": v.author_name,
                "encrypted": 0,
                "message": v.body,
                "ctime": payload::wisecp_time(v.ticket.updated_at, tz),
                "ip": v.author_ip.unwrap_or_default(),
            }
        }}),
        HookFormat::Native => json!({
            "hook": name,
            "ticket": payload::native_ticket(v.ticket, defs, v.ticket.updated_at),
            "message": {"body": v.body, "author_name": v.author_name, "author_ip": v.author_ip},
            "actor": {"id": v.actor.user_id, "role": v.actor.role},
        }),
    }
}

/// What an answer says: `Some(text)` refuses.
pub fn refusal(body: &[u8]) -> Option<String> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let text = v.get("error")?.as_str()?.trim();
    if text.is_empty() { None } else { Some(text.chars().take(1000).collect()) }
}

impl HttpValidator {
    /// Runs the hooks of `v.point` in priority order; `Err(text)` refuses.
    pub async fn validate(&self, v: &Validation<'_>) -> Result<(), String> {
        let store = &self.store;
        let hooks = store
            .list_hook_endpoints(Some(EndpointKind::Validation), Some(v.point.hook_name()))
            .await
            .map_err(|_| UNREACHABLE.to_string())?;
        let hooks: Vec<_> = hooks.into_iter().filter(|h| h.active).collect();
        if hooks.is_empty() {
            return Ok(());
        }
        let defs = store.custom_fields().await.map_err(|_| UNREACHABLE.to_string())?;
        for h in hooks {
            let body = serde_json::to_vec(&body(h.format, v, &defs, self.tz)).unwrap_or_default();
            let secret = self.desk.open_hook_secret(&h.secret).unwrap_or_default();
            let now = self.desk.now();
            let req = Request {
                url: &h.url,
                body: &body,
                secret: &secret,
                delivery: &format!("validation-{}-{}", h.id, now.timestamp_millis()),
                event: v.point.hook_name(),
                timestamp: now.timestamp(),
                timeout: Duration::from_millis(u64::from(h.timeout_ms)),
            };
            let answer = self.client.post(&req).await;
            if answer.ok() {
                if let Some(text) = refusal(&answer.body) {
                    return Err(text);
                }
            } else {
                tracing::warn!(hook = h.id.0, error = ?answer.error, status = ?answer.status, "a validation hook failed");
                if h.on_failure == OnFailure::Refuse {
                    return Err(UNREACHABLE.to_string());
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_refuse_only_with_an_error_text() {
        assert_eq!(refusal(br#"{"error":"No refunds on Sundays"}"#).as_deref(), Some("No refunds on Sundays"));
        assert_eq!(refusal(br#"{"error":""}"#), None);
        assert_eq!(refusal(br#"{"ok":true}"#), None);
        assert_eq!(refusal(b"garbage"), None);
        assert_eq!(refusal(br#"{"error": 5}"#), None);
    }
}
