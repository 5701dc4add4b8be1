//! Integrations: webhooks, validation hooks and panels — their management
//! (admins only), the checks of their URLs, and the point where validation
//! hooks are asked before a ticket or a reply is committed.
//!
//! The HTTP side (delivering, asking, fetching) lives in `tessera-hooks`;
//! the desk only knows the [`Integrations`] it may be given.

use crate::error::{DeskError, DeskResult};
use crate::{Desk, random};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use tessera_core::ids::{DeliveryId, HookId, WebhookId};
use tessera_core::{Actor, EventKind, Side, Ticket};
use tessera_store::*;

mod targets;
pub use targets::{
    AddressPolicy, NameLookup, SpecialBlock, SpecialPurposePolicy, SystemLookup, TargetError, is_internal,
    resolve_checked, special_purpose,
};

/// The validation points of seed 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValidationPoint {
    /// A customer opens a ticket.
    ClientCreate,
    /// An agent opens a ticket.
    AdminCreate,
    /// A customer replies.
    ClientReply,
    /// An agent replies.
    AdminReply,
}

impl ValidationPoint {
    /// Every point.
    pub const ALL: [Self; 4] = [Self::ClientCreate, Self::AdminCreate, Self::ClientReply, Self::AdminReply];

    /// WiseCP's hook name.
    pub fn hook_name(self) -> &'static str {
        match self {
            Self::ClientCreate => "TicketClientCreateValidation",
            Self::AdminCreate => "TicketAdminCreateValidation",
            Self::ClientReply => "TicketClientReplyValidation",
            Self::AdminReply => "TicketAdminReplyValidation",
        }
    }

    /// Parses a hook name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.hook_name() == name)
    }
}

/// The places of a page a panel can fill (seed 000's view hooks).
pub const PANEL_PLACES: [&str; 9] = [
    "TicketAdminAreaViewDetail",
    "TicketAdminAreaViewDetailSidebar",
    "TicketAdminAreaViewCreate",
    "TicketAdminAreaViewCreateSidebar",
    "TicketAdminAreaViewList",
    "TicketClientAreaViewDetailTop",
    "TicketClientAreaViewDetail",
    "TicketClientAreaViewCreate",
    "TicketClientAreaViewList",
];

/// What a validation hook is shown: the would-be ticket, and the message
/// (the first one of a new ticket, or the reply).
#[derive(Debug, Clone)]
pub struct Validation<'a> {
    /// Which point.
    pub point: ValidationPoint,
    /// The ticket as it would be (for a reply: as it is).
    pub ticket: &'a Ticket,
    /// The message's plain text.
    pub body: &'a str,
    /// Who acts.
    pub actor: &'a Actor,
    /// The author's name.
    pub author_name: &'a str,
    /// The author's address.
    pub author_ip: Option<&'a str>,
}

/// One panel's part of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelFragment {
    /// The panel.
    pub id: HookId,
    /// Sanitised HTML, or `None` when the panel did not answer in time
    /// (the page shows a quiet placeholder).
    pub html: Option<String>,
}

/// What a test call of a validation hook or panel found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Probe {
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// How long it took.
    pub latency_ms: u32,
    /// The start of the answer.
    pub response: String,
    /// Why it failed, when it did.
    pub error: Option<String>,
    /// Validation hooks: the refusal text their answer carries.
    pub refusal: Option<String>,
    /// Panels: the fragment as pages would show it (sanitised).
    pub fragment: Option<String>,
}

/// The HTTP side of integrations, given to the desk at start (implemented
/// in `tessera-hooks`; without one, no hook is asked and places stay empty).
#[async_trait]
pub trait Integrations: Send + Sync {
    /// Runs the validation hooks of `v.point` in priority order; `Err(text)`
    /// refuses the action with the hook's text.
    async fn validate(&self, v: &Validation<'_>) -> Result<(), String>;
    /// The fragments for `place` (one of [`PANEL_PLACES`]), given `context`
    /// (the ticket or list, and the viewer); `key` names the context for
    /// caching. Never waits longer than the slowest panel's timeout.
    async fn panels(&self, place: &str, context: serde_json::Value, key: &str) -> Vec<PanelFragment>;
    /// Calls an endpoint once with a test body and reports what came back.
    async fn probe(&self, endpoint: &HookEndpoint) -> Probe;
}

/// Creating or changing a webhook.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    /// Where to POST (http or https).
    #[serde(default)]
    pub url: Option<String>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// Event kinds wanted (dot names); empty or absent: all.
    #[serde(default)]
    pub kinds: Option<Vec<String>>,
    /// Sides wanted (`customer`, `agent`, `system`); empty or absent: all.
    #[serde(default)]
    pub sides: Option<Vec<String>>,
    /// `native` (default) or `wisecp`.
    #[serde(default)]
    pub format: Option<String>,
    /// The signing secret (8 to 200 characters); a random one when absent.
    #[serde(default)]
    pub secret: Option<String>,
    /// On or off (turning it on resets its failure count).
    #[serde(default)]
    pub active: Option<bool>,
    /// Failed attempts in a row after which it is switched off (1–1000, default 10).
    #[serde(default)]
    pub failure_limit: Option<u32>,
}

/// Creating or changing a validation hook or panel.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    /// `validation` or `panel` (fixed after creation).
    #[serde(default)]
    pub kind: Option<EndpointKind>,
    /// The WiseCP validation hook name, or the panel's place.
    #[serde(default)]
    pub name: Option<String>,
    /// Where to POST.
    #[serde(default)]
    pub url: Option<String>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// `native` or `wisecp` (default).
    #[serde(default)]
    pub format: Option<String>,
    /// The signing secret; a random one when absent.
    #[serde(default)]
    pub secret: Option<String>,
    /// Lower runs first (default 10).
    #[serde(default)]
    pub priority: Option<i64>,
    /// Milliseconds to wait (100–10,000; default 2,000 for validation, 800 for panels).
    #[serde(default)]
    pub timeout_ms: Option<u32>,
    /// What a failing validation hook means: `allow` (default) or `refuse`.
    #[serde(default)]
    pub on_failure: Option<OnFailure>,
    /// On or off.
    #[serde(default)]
    pub active: Option<bool>,
}

/// A webhook as shown: its secret only right after it is set.
#[derive(Debug, Clone)]
pub struct WebhookView {
    /// The webhook (its `secret` field sealed).
    pub webhook: Webhook,
    /// The secret in clear, when it was just set.
    pub secret: Option<String>,
}

/// Why a URL may not be called.
pub fn check_url_syntax(url: &str) -> Result<(String, u16), String> {
    let rest = url.strip_prefix("https://").map(|r| (r, 443)).or_else(|| url.strip_prefix("http://").map(|r| (r, 80)));
    let Some((rest, default_port)) = rest else { return Err("the URL must start with http:// or https://".into()) };
    if url.len() > 2000 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("the URL is too long or has spaces".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("the URL must not carry a user name or password".into());
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or("malformed IPv6 address")?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| "bad port")?,
            None if after.is_empty() => default_port,
            None => return Err("malformed host".into()),
        };
        (h.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse::<u16>().map_err(|_| "bad port")?),
            None => (authority.to_string(), default_port),
        }
    };
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    Ok((host, port))
}

/// Checks a hook's URL and resolves its host once with the system resolver,
/// every answer checked (see [`resolve_checked`]): the check of a URL when
/// it is saved. Answers the addresses.
pub async fn resolve_target(url: &str, allow_internal: bool) -> Result<Vec<SocketAddr>, String> {
    let (host, port) = check_url_syntax(url)?;
    let ips = resolve_checked(&host, &SystemLookup, &SpecialPurposePolicy { allow_internal })
        .await
        .map_err(|e| e.to_string())?;
    Ok(ips.into_iter().map(|ip| SocketAddr::new(ip, port)).collect())
}

fn require_admin(actor: &Actor) -> DeskResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(DeskError::forbidden("only admins manage integrations")) }
}

fn parse_kinds(kinds: &[String]) -> DeskResult<Vec<EventKind>> {
    let mut out: Vec<EventKind> = kinds
        .iter()
        .map(|k| {
            EventKind::parse(k.trim())
                .ok_or_else(|| DeskError::invalid("kinds", "unknown_kind", format!("there is no event kind {k:?}")))
        })
        .collect::<Result<_, _>>()?;
    out.sort_by_key(|k| k.as_str());
    out.dedup();
    Ok(out)
}

fn parse_sides(sides: &[String]) -> DeskResult<Vec<Side>> {
    let mut out: Vec<Side> = sides
        .iter()
        .map(|s| {
            Side::parse(s.trim())
                .ok_or_else(|| DeskError::invalid("sides", "unknown_side", format!("there is no side {s:?}")))
        })
        .collect::<Result<_, _>>()?;
    out.sort_by_key(|s| s.as_str());
    out.dedup();
    Ok(out)
}

fn parse_format(f: &str) -> DeskResult<HookFormat> {
    HookFormat::parse(f).ok_or_else(|| DeskError::invalid("format", "invalid_option", "the format is native or wisecp"))
}

fn check_secret(s: &str) -> DeskResult<String> {
    if s.chars().count() < 8 || s.len() > 200 || s.chars().any(char::is_control) {
        return Err(DeskError::invalid("secret", "invalid_value", "a secret is 8 to 200 characters"));
    }
    Ok(s.to_string())
}

fn description(d: &str) -> DeskResult<String> {
    if d.chars().count() > 500 {
        return Err(DeskError::invalid("description", "too_long", "the description is longer than 500 characters"));
    }
    Ok(d.trim().to_string())
}

impl Desk {
    async fn checked_url(&self, url: &str) -> DeskResult<String> {
        let url = url.trim();
        resolve_target(url, self.hooks_allow_internal)
            .await
            .map_err(|e| DeskError::invalid("url", "invalid_url", e))?;
        Ok(url.to_string())
    }

    /// Asks the validation hooks of `point`; a refusal becomes
    /// [`DeskError::Refused`].
    pub(crate) async fn run_validation(&self, v: Validation<'_>) -> DeskResult<()> {
        match &self.integrations {
            Some(i) => i.validate(&v).await.map_err(DeskError::Refused),
            None => Ok(()),
        }
    }

    /// The panel fragments of a page place (none without integrations).
    pub async fn panels(&self, place: &str, context: serde_json::Value, key: &str) -> Vec<PanelFragment> {
        match &self.integrations {
            Some(i) => i.panels(place, context, key).await,
            None => Vec::new(),
        }
    }

    /// Calls a validation hook or panel once with a test body (admins).
    pub async fn test_endpoint(&self, actor: &Actor, id: HookId) -> DeskResult<Probe> {
        let e = self.endpoint(actor, id).await?;
        match &self.integrations {
            Some(i) => Ok(i.probe(&e).await),
            None => Err(DeskError::Conflict {
                code: "unavailable",
                message: "integrations are not running in this process".into(),
                field: None,
            }),
        }
    }

    /// A message with its text opened (for payloads sent to integrations).
    pub fn open_message(&self, mut m: tessera_core::Message) -> DeskResult<tessera_core::Message> {
        if m.encrypted && m.deleted_at.is_none() {
            m.body = self.secrets.open("message", &m.body)?;
            m.html = m.html.map(|h| self.secrets.open("message", &h)).transpose()?;
        }
        Ok(m)
    }

    /// Records on a ticket that a webhook was switched off while delivering
    /// one of its events (no version bump: the ticket did not change).
    pub async fn record_webhook_disabled(
        &self,
        ticket: tessera_core::TicketId,
        webhook: WebhookId,
        failures: u32,
    ) -> DeskResult<()> {
        for _ in 0..8 {
            let Some(t) = self.store.ticket(ticket).await? else { return Ok(()) };
            let change = TicketChange {
                events: vec![NewEvent {
                    kind: EventKind::WebhookDisabled,
                    side: Side::System,
                    actor_id: None,
                    message: None,
                    changes: Default::default(),
                    data: serde_json::json!({"webhook_id": webhook, "consecutive_failures": failures}),
                    created_at: self.now(),
                }],
                ..TicketChange::new(t.clone(), t.version)
            };
            match self
                .store
                .commit(ChangeSet { creates: vec![], updates: vec![change], users: vec![], mail: None, blocks: vec![] })
                .await
            {
                Ok(_) => return Ok(()),
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The clear text of a sealed hook secret (for the HTTP side).
    pub fn open_hook_secret(&self, sealed: &str) -> DeskResult<String> {
        self.secrets.open("hook_secret", sealed)
    }

    // ---- webhooks ------------------------------------------------------------------------

    /// All webhooks (admins).
    pub async fn list_webhooks(&self, actor: &Actor) -> DeskResult<Vec<Webhook>> {
        require_admin(actor)?;
        Ok(self.store.list_webhooks().await?)
    }

    /// One webhook (admins).
    pub async fn webhook(&self, actor: &Actor, id: WebhookId) -> DeskResult<Webhook> {
        require_admin(actor)?;
        self.store.webhook(id).await?.ok_or(DeskError::not_found("webhook"))
    }

    /// Creates a webhook (admins); its secret is answered once.
    pub async fn create_webhook(&self, actor: &Actor, input: WebhookInput) -> DeskResult<WebhookView> {
        require_admin(actor)?;
        let url = self
            .checked_url(
                input.url.as_deref().ok_or_else(|| DeskError::invalid("url", "required", "a webhook needs a URL"))?,
            )
            .await?;
        let secret = match &input.secret {
            Some(s) => check_secret(s)?,
            None => format!("whsec_{}", random::hex_token::<24>()?),
        };
        let now = self.now();
        let limit = input.failure_limit.unwrap_or(10);
        if !(1..=1000).contains(&limit) {
            return Err(DeskError::invalid("failure_limit", "out_of_range", "the failure limit is 1 to 1000"));
        }
        let w = Webhook {
            id: WebhookId(0),
            url,
            description: description(input.description.as_deref().unwrap_or(""))?,
            kinds: parse_kinds(input.kinds.as_deref().unwrap_or(&[]))?,
            sides: parse_sides(input.sides.as_deref().unwrap_or(&[]))?,
            format: parse_format(input.format.as_deref().unwrap_or("native"))?,
            secret: self.secrets.seal("hook_secret", &secret)?,
            active: input.active.unwrap_or(true),
            failure_limit: limit,
            consecutive_failures: 0,
            disabled_reason: None,
            created_at: now,
            updated_at: now,
        };
        let webhook = self.store.insert_webhook(w).await?;
        Ok(WebhookView { webhook, secret: Some(secret) })
    }

    /// Changes a webhook (admins). Switching it on resets its failures.
    pub async fn update_webhook(&self, actor: &Actor, id: WebhookId, input: WebhookInput) -> DeskResult<WebhookView> {
        let mut w = self.webhook(actor, id).await?;
        let mut secret = None;
        if let Some(u) = &input.url {
            w.url = self.checked_url(u).await?;
        }
        if let Some(d) = &input.description {
            w.description = description(d)?;
        }
        if let Some(k) = &input.kinds {
            w.kinds = parse_kinds(k)?;
        }
        if let Some(s) = &input.sides {
            w.sides = parse_sides(s)?;
        }
        if let Some(f) = &input.format {
            w.format = parse_format(f)?;
        }
        if let Some(s) = &input.secret {
            let s = check_secret(s)?;
            w.secret = self.secrets.seal("hook_secret", &s)?;
            secret = Some(s);
        }
        if let Some(l) = input.failure_limit {
            if !(1..=1000).contains(&l) {
                return Err(DeskError::invalid("failure_limit", "out_of_range", "the failure limit is 1 to 1000"));
            }
            w.failure_limit = l;
        }
        if let Some(a) = input.active {
            if a && !w.active {
                w.consecutive_failures = 0;
                w.disabled_reason = None;
            }
            w.active = a;
        }
        w.updated_at = self.now();
        self.store.update_webhook(&w).await?;
        Ok(WebhookView { webhook: w, secret })
    }

    /// Removes a webhook and its log (admins).
    pub async fn delete_webhook(&self, actor: &Actor, id: WebhookId) -> DeskResult<()> {
        self.webhook(actor, id).await?;
        Ok(self.store.delete_webhook(id).await?)
    }

    /// A webhook's deliveries, newest first (admins).
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: WebhookId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> DeskResult<Vec<Delivery>> {
        self.webhook(actor, id).await?;
        Ok(self.store.deliveries(id, before, limit.clamp(1, 200)).await?)
    }

    /// One delivery of a webhook with its attempts (admins).
    pub async fn webhook_delivery(
        &self,
        actor: &Actor,
        id: WebhookId,
        delivery: DeliveryId,
    ) -> DeskResult<(Delivery, Vec<Attempt>)> {
        self.webhook(actor, id).await?;
        let d = self
            .store
            .delivery(delivery)
            .await?
            .filter(|d| d.webhook_id == id)
            .ok_or(DeskError::not_found("delivery"))?;
        let attempts = self.store.attempts(delivery).await?;
        Ok((d, attempts))
    }

    /// Sends a delivery again, as a new delivery (admins).
    pub async fn redeliver(&self, actor: &Actor, id: WebhookId, delivery: DeliveryId) -> DeskResult<Delivery> {
        let (d, _) = self.webhook_delivery(actor, id, delivery).await?;
        let again = NewDelivery {
            webhook_id: id,
            event_id: d.event_id,
            ticket_id: d.ticket_id,
            name: d.name,
            next_attempt_at: self.now(),
            redelivery_of: Some(d.id),
            test_payload: d.test_payload,
        };
        Ok(self.store.insert_delivery(again).await?)
    }

    /// Queues a test delivery (`webhook.test`) to a webhook (admins).
    pub async fn test_webhook(&self, actor: &Actor, id: WebhookId) -> DeskResult<Delivery> {
        let w = self.webhook(actor, id).await?;
        let now = self.now();
        let body = serde_json::json!({
            "kind": "webhook.test",
            "webhook_id": w.id,
            "created_at": now,
            "message": "This is a test delivery from Tessera.",
        });
        let d = NewDelivery {
            webhook_id: id,
            event_id: None,
            ticket_id: None,
            name: "webhook.test".into(),
            next_attempt_at: now,
            redelivery_of: None,
            test_payload: Some(body.to_string()),
        };
        Ok(self.store.insert_delivery(d).await?)
    }

    // ---- validation hooks and panels -----------------------------------------------------------

    /// All validation hooks and panels (admins).
    pub async fn list_endpoints(&self, actor: &Actor) -> DeskResult<Vec<HookEndpoint>> {
        require_admin(actor)?;
        Ok(self.store.list_hook_endpoints(None, None).await?)
    }

    /// One (admins).
    pub async fn endpoint(&self, actor: &Actor, id: HookId) -> DeskResult<HookEndpoint> {
        require_admin(actor)?;
        self.store.hook_endpoint(id).await?.ok_or(DeskError::not_found("hook"))
    }

    fn check_name(kind: EndpointKind, name: &str) -> DeskResult<String> {
        let ok = match kind {
            EndpointKind::Validation => ValidationPoint::parse(name).is_some(),
            EndpointKind::Panel => PANEL_PLACES.contains(&name),
        };
        if ok {
            Ok(name.to_string())
        } else {
            let valid: Vec<&str> = match kind {
                EndpointKind::Validation => ValidationPoint::ALL.iter().map(|p| p.hook_name()).collect(),
                EndpointKind::Panel => PANEL_PLACES.to_vec(),
            };
            Err(DeskError::invalid("name", "invalid_option", format!("the name is one of {}", valid.join(", "))))
        }
    }

    fn check_timeout(ms: u32) -> DeskResult<u32> {
        if (100..=10_000).contains(&ms) {
            Ok(ms)
        } else {
            Err(DeskError::invalid("timeout_ms", "out_of_range", "the timeout is 100 to 10000 milliseconds"))
        }
    }

    /// Creates a validation hook or panel (admins); its secret is answered once.
    pub async fn create_endpoint(&self, actor: &Actor, input: EndpointInput) -> DeskResult<(HookEndpoint, String)> {
        require_admin(actor)?;
        let kind =
            input.kind.ok_or_else(|| DeskError::invalid("kind", "required", "the kind is validation or panel"))?;
        let name = Self::check_name(kind, input.name.as_deref().unwrap_or(""))?;
        let url = self
            .checked_url(
                input.url.as_deref().ok_or_else(|| DeskError::invalid("url", "required", "a hook needs a URL"))?,
            )
            .await?;
        let secret = match &input.secret {
            Some(s) => check_secret(s)?,
            None => format!("hksec_{}", random::hex_token::<24>()?),
        };
        let default_timeout = if kind == EndpointKind::Panel { 800 } else { 2000 };
        let now = self.now();
        let e = HookEndpoint {
            id: HookId(0),
            kind,
            name,
            url,
            description: description(input.description.as_deref().unwrap_or(""))?,
            format: parse_format(input.format.as_deref().unwrap_or("wisecp"))?,
            secret: self.secrets.seal("hook_secret", &secret)?,
            priority: input.priority.unwrap_or(10),
            timeout_ms: Self::check_timeout(input.timeout_ms.unwrap_or(default_timeout))?,
            on_failure: input.on_failure.unwrap_or(OnFailure::Allow),
            active: input.active.unwrap_or(true),
            created_at: now,
            updated_at: now,
        };
        Ok((self.store.insert_hook_endpoint(e).await?, secret))
    }

    /// Changes a validation hook or panel (admins).
    pub async fn update_endpoint(
        &self,
        actor: &Actor,
        id: HookId,
        input: EndpointInput,
    ) -> DeskResult<(HookEndpoint, Option<String>)> {
        let mut e = self.endpoint(actor, id).await?;
        if input.kind.is_some_and(|k| k != e.kind) {
            return Err(DeskError::invalid("kind", "not_allowed", "the kind cannot change"));
        }
        let mut secret = None;
        if let Some(n) = &input.name {
            e.name = Self::check_name(e.kind, n)?;
        }
        if let Some(u) = &input.url {
            e.url = self.checked_url(u).await?;
        }
        if let Some(d) = &input.description {
            e.description = description(d)?;
        }
        if let Some(f) = &input.format {
            e.format = parse_format(f)?;
        }
        if let Some(s) = &input.secret {
            let s = check_secret(s)?;
            e.secret = self.secrets.seal("hook_secret", &s)?;
            secret = Some(s);
        }
        if let Some(p) = input.priority {
            e.priority = p;
        }
        if let Some(t) = input.timeout_ms {
            e.timeout_ms = Self::check_timeout(t)?;
        }
        if let Some(o) = input.on_failure {
            e.on_failure = o;
        }
        if let Some(a) = input.active {
            e.active = a;
        }
        e.updated_at = self.now();
        self.store.update_hook_endpoint(&e).await?;
        Ok((e, secret))
    }

    /// Removes a validation hook or panel (admins).
    pub async fn delete_endpoint(&self, actor: &Actor, id: HookId) -> DeskResult<()> {
        self.endpoint(actor, id).await?;
        Ok(self.store.delete_hook_endpoint(id).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert_eq!(check_url_syntax("https://hooks.example.com/x?y=1").unwrap(), ("hooks.example.com".into(), 443));
        assert_eq!(check_url_syntax("http://127.0.0.1:8080/h").unwrap(), ("127.0.0.1".into(), 8080));
        assert_eq!(check_url_syntax("http://[::1]:9/").unwrap(), ("::1".into(), 9));
        for bad in
            ["ftp://x/", "http://", "http://u:p@host/", "https://host:99999/", "javascript:alert(1)", "http://a b/"]
        {
            assert!(check_url_syntax(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn loopback_is_refused_unless_allowed() {
        assert!(resolve_target("http://127.0.0.1:9/hook", false).await.is_err());
        assert!(resolve_target("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(resolve_target("http://localhost:9/hook", false).await.is_err());
    }
}
