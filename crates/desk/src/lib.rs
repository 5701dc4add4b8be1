//! The desk: the application layer every entry point calls.
//!
//! The native API, the web UI, the compat dialects, the mail gateway and the
//! CLI all turn their requests into calls of [`Desk`]. The desk checks
//! permissions, validates, decides the state changes with the domain's rules,
//! and hands the store one change set with the events that describe it. No
//! entry point writes the database itself, so no path skips a check or an
//! event.
#![forbid(unsafe_code)]

pub mod access;
pub mod admin;
pub mod attachments;
pub mod auth;
mod cache;
pub mod clients;
pub mod crypto;
mod diff;
pub mod drafts;
pub mod error;
pub mod feed;
pub mod hooks;
pub mod html;
pub mod inputs;
pub mod lookups;
pub mod mail;
pub mod mentions;
pub mod operations;
mod present;
pub mod random;
pub mod search;
pub mod sessions;
pub mod sign_in;
pub mod sla;
pub mod tickets;
pub mod views;

pub use access::{AccessError, Handoff, HandoffRequest, HandoffTarget};
pub use crypto::SecretBox;
pub use drafts::{DraftView, SaveDraft};
pub use error::{DeskError, DeskResult};
pub use inputs::*;
pub use search::{SearchRequest, SearchResult, SearchResults, Snippet, SnippetSource};
pub use sessions::{Session, SessionKind, Started};
pub use sign_in::SignInError;
pub use tickets::{DEFAULT_PAGE, Posted, TicketDetail, TicketListQuery, TicketPage};

use std::sync::Arc;
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::{TicketId, UserId};
use tessera_core::status::{Status, StatusKey, StatusRef};
use tessera_core::{Actor, Clock, Ticket, Timestamp, User};
use tessera_store::{BlobStore, Store};

/// Limits that protect the installation from oversized input.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest attachment, in bytes.
    pub max_attachment_bytes: usize,
    /// Most attachments on one message.
    pub max_attachments_per_message: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_attachment_bytes: 20 * 1024 * 1024, max_attachments_per_message: 10 }
    }
}

/// The application layer. Cheap to clone; share one per process.
///
/// The desk is the only door to the store: every entry point (API, web,
/// dialects, CLI, and next the mail gateway) calls a named desk method that
/// checks the caller's permissions itself. The store it holds is not
/// reachable from outside this crate — the compiler refuses it:
///
/// ```compile_fail
/// fn side_door(desk: &tessera_desk::Desk) {
///     let _ = desk.store();
/// }
/// ```
///
/// Infrastructure that must read the store on its own schedule (the webhook
/// worker, the reindex at start-up) is handed it by the server's start-up,
/// never fished out of a desk (decision 41).
#[derive(Clone)]
pub struct Desk {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    secrets: SecretBox,
    limits: Limits,
    integrations: Option<Arc<dyn hooks::Integrations>>,
    hooks_allow_internal: bool,
    token_poster: Option<Arc<dyn mail::oauth::FormPoster>>,
    sla: Arc<sla::SlaSignal>,
    caches: Arc<cache::Caches>,
    outbound: Arc<mail::outbound::OutboundSettings>,
}

impl Desk {
    /// A desk over a store, a blob store, a clock and the secret key.
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn BlobStore>,
        clock: Arc<dyn Clock>,
        secrets: SecretBox,
        limits: Limits,
    ) -> Self {
        Self {
            store,
            blobs,
            clock,
            secrets,
            limits,
            integrations: None,
            hooks_allow_internal: false,
            token_poster: None,
            sla: Arc::new(sla::SlaSignal::default()),
            caches: Arc::new(cache::Caches::default()),
            outbound: Arc::new(mail::outbound::OutboundSettings::default()),
        }
    }

    /// The same desk asking `integrations` before tickets and replies are
    /// committed and for the panels of pages.
    pub fn with_integrations(&self, integrations: Arc<dyn hooks::Integrations>) -> Self {
        Self { integrations: Some(integrations), ..self.clone() }
    }

    /// The same desk letting hooks call loopback and private addresses
    /// (tests, and installations whose integrations run next to them).
    pub fn allowing_internal_hook_targets(&self, allow: bool) -> Self {
        Self { hooks_allow_internal: allow, ..self.clone() }
    }

    /// The same desk reaching OAuth2 token endpoints (for mailboxes)
    /// through `poster`: the hooks' HTTP client, with their address policy.
    pub fn with_token_poster(&self, poster: Arc<dyn mail::oauth::FormPoster>) -> Self {
        Self { token_poster: Some(poster), ..self.clone() }
    }

    /// Whether hooks may call loopback and private addresses.
    pub fn hooks_allow_internal(&self) -> bool {
        self.hooks_allow_internal
    }

    /// The same desk reading another clock (the demo data generator plays
    /// weeks of history in seconds with it).
    pub fn with_clock(&self, clock: Arc<dyn Clock>) -> Self {
        Self { clock, ..self.clone() }
    }

    /// The store: the desk's own. Every door reads and writes through the
    /// desk's named methods; the infrastructure around it (webhook worker,
    /// integrations) is handed the store at start-up. Tests that look at
    /// what was stored get it from the start-up too.
    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The current time.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The actor behind a user: their role and memberships.
    pub async fn actor_for(&self, user: &User) -> DeskResult<Actor> {
        let department_ids =
            if user.role.is_staff() { self.store.user_departments(user.id).await? } else { Vec::new() };
        Ok(Actor {
            user_id: user.id,
            role: user.role,
            organization_id: user.organization_id,
            sees_all: user.sees_all,
            department_ids,
            only_ticket: None,
        })
    }

    /// Authenticates an API token (`identifier.secret`).
    /// A token verified in the last [`cache::TTL`] is not looked up again;
    /// a revocation, a disabled user or a membership change made through
    /// this desk takes effect at once (see [`cache`]).
    pub async fn authenticate_token(&self, token: &str) -> DeskResult<Actor> {
        let (identifier, secret) = auth::split_token(token).ok_or(DeskError::Unauthenticated)?;
        let hash = auth::secret_hash(secret);
        let ticket = match self.caches.actors.get(identifier, &hash) {
            Ok(actor) => return Ok(actor),
            Err(ticket) => ticket,
        };
        let record = self.store.token_by_identifier(identifier).await?.ok_or(DeskError::Unauthenticated)?;
        if record.revoked_at.is_some() || !auth::constant_time_eq(&hash, &record.secret_hash) {
            return Err(DeskError::Unauthenticated);
        }
        let user = self.store.user(record.user_id).await?.ok_or(DeskError::Unauthenticated)?;
        if user.disabled {
            return Err(DeskError::Unauthenticated);
        }
        let actor = self.actor_for(&user).await?;
        self.caches.actors.put(ticket, identifier, &hash, &actor);
        Ok(actor)
    }

    /// Drops the cached token checks: a token, a user or a membership
    /// changed.
    pub(crate) fn forget_actors(&self) {
        self.caches.actors.clear();
    }

    /// Authenticates an e-mail and password.
    pub async fn authenticate_password(&self, email: &str, password: &str) -> DeskResult<Actor> {
        let user = self.store.user_by_email(email).await?;
        let Some(user) = user.filter(|u| !u.disabled) else {
            // Spend the same time as a real check, so addresses cannot be probed.
            let _ = auth::verify_password(password, DUMMY_HASH).await;
            return Err(DeskError::Unauthenticated);
        };
        let Some(hash) = &user.password_hash else {
            let _ = auth::verify_password(password, DUMMY_HASH).await;
            return Err(DeskError::Unauthenticated);
        };
        if !auth::verify_password(password, hash).await {
            return Err(DeskError::Unauthenticated);
        }
        self.actor_for(&user).await
    }

    // ---- shared helpers --------------------------------------------------------

    /// A ticket the actor may see, or not found.
    pub(crate) async fn visible_ticket(&self, actor: &Actor, id: TicketId) -> DeskResult<Ticket> {
        match self.store.ticket(id).await? {
            Some(t) if actor.can_view(&t) => Ok(t),
            _ => Err(DeskError::not_found("ticket")),
        }
    }

    /// The status catalogue.
    pub async fn statuses(&self) -> DeskResult<Vec<Status>> {
        Ok(self.store.statuses().await?)
    }

    /// A status by key, as the field `field` of the input.
    pub(crate) async fn status_ref(&self, field: &str, key: &StatusKey) -> DeskResult<StatusRef> {
        self.store
            .statuses()
            .await?
            .iter()
            .find(|s| s.key == *key)
            .map(StatusRef::from)
            .ok_or_else(|| DeskError::invalid(field, "unknown_status", format!("there is no status {key:?}")))
    }

    /// Custom field definitions.
    /// The custom field definitions (cached for [`cache::TTL`]).
    pub(crate) async fn field_defs(&self) -> DeskResult<Arc<Vec<CustomFieldDef>>> {
        Ok(self.caches.fields.get_or_read(|| self.store.custom_fields()).await?)
    }

    /// The SLA policies (cached for [`cache::TTL`]).
    pub(crate) async fn sla_policies(&self) -> DeskResult<Arc<Vec<tessera_store::SlaPolicyRecord>>> {
        Ok(self.caches.sla_policies.get_or_read(|| self.store.list_sla_policies()).await?)
    }

    /// A staff user by id, as the field `field` of the input.
    pub(crate) async fn staff_user(&self, field: &str, id: UserId) -> DeskResult<User> {
        match self.store.user(id).await? {
            Some(u) if u.role.is_staff() && !u.disabled => Ok(u),
            _ => Err(DeskError::invalid(field, "unknown_agent", format!("there is no active agent with id {id}"))),
        }
    }
}

/// A valid Argon2id hash of a random password, checked against when there is
/// no real hash, so a failed sign-in takes the same time either way.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Hc0Cjw3Kxk9wC4Zn2qLp5cE6T6Kq2m7vO5lC1u3Qk1Y";

#[cfg(test)]
mod tests {
    #[test]
    fn the_dummy_hash_parses() {
        assert!(argon2::password_hash::phc::PasswordHash::new(super::DUMMY_HASH).is_ok());
    }
}
