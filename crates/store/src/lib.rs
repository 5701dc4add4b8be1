//! The storage contract: the [`Store`] trait every database backend
//! implements (the sum of a sub-trait per concern: [`TicketStore`],
//! [`SearchStore`], [`DirectoryStore`], [`CatalogueStore`], [`AccessStore`],
//! [`ViewStore`], [`IntegrationStore`], [`SlaStore`]), the records it reads
//! and writes, the SQL the backends share ([`sql`]: the ticket-query and
//! search compilers, the tables' columns and row mapping), and the
//! [`BlobStore`] for attachment contents.
//!
//! The desk decides everything; a store only keeps what it is given. Every
//! change to a ticket arrives as one [`ChangeSet`] (rows, messages and the
//! events that describe them) and is written in one transaction, after a
//! version check, so events can never disagree with the data and two writers
//! can never both win.
//!
//! Conventions: `insert_*` methods ignore the `id` of the record they are
//! given and return the stored record with its new id. Lookups of a missing
//! row answer `Ok(None)`; updates of one answer [`StoreError::NotFound`].
#![forbid(unsafe_code)]

pub mod blob;
pub mod changeset;
pub mod drafts;
pub mod error;
pub mod hooks;
pub mod mail;
pub mod mailboxes;
pub mod outbound;
pub mod query;
pub mod records;
pub mod search;
pub mod sender_blocks;
pub mod sla;
pub mod snapshot;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod views;

pub use blob::{BlobStore, FsBlobStore, sha256_hex};
pub use changeset::{
    ChangeSet, CommitOutcome, CreatedIds, MessageRef, MessageUpdate, NewEvent, NewMessage, TicketChange, TicketCreate,
    UpdatedIds, applied_to,
};
pub use drafts::Draft;
pub use error::{StoreError, StoreResult};
pub use hooks::*;
pub use mail::*;
pub use mailboxes::*;
pub use outbound::*;
pub use query::{Cursor, SortField, TicketFilter, TicketQuery, TicketSort, UserQuery};
pub use records::*;
pub use search::{
    MAX_SEARCH_LIMIT, MAX_SEARCH_OFFSET, ReindexObserver, ReindexProgress, ReindexStats, SearchExpr, SearchField,
    SearchHit, SearchOrder, SearchPage, SearchQuery,
};
pub use sender_blocks::{NewSenderBlock, SenderBlock};
pub use sla::{SlaPolicyRecord, TicketSlaRecord};
pub use views::ViewRecord;

use async_trait::async_trait;
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::Status;
use tessera_core::{
    Department, Event, Message, MessageEdit, Organization, Service, ServiceKind, Ticket, Timestamp, User,
};

/// A database backend: every concern's sub-trait, so that `Arc<dyn Store>`
/// reaches them all. Implementations: `tessera-store-sqlite` (the default)
/// and `tessera-store-postgres`; both pass the same behavioural suite
/// (`tessera_store::testing`, feature `testing`) and share their SQL where it is the
/// same ([`sql`]). A backend implements each sub-trait beside the SQL it
/// runs; `Store` comes with them.
pub trait Store:
    TicketStore
    + SearchStore
    + DirectoryStore
    + CatalogueStore
    + AccessStore
    + ViewStore
    + IntegrationStore
    + SlaStore
    + MailStore
    + MailboxStore
    + OutboundStore
    + DraftStore
{
}

impl<T> Store for T where
    T: TicketStore
        + SearchStore
        + DirectoryStore
        + CatalogueStore
        + AccessStore
        + ViewStore
        + IntegrationStore
        + SlaStore
        + MailStore
        + MailboxStore
        + OutboundStore
        + DraftStore
{
}

/// Tickets and their change sets, messages, attachments and the event log.
#[async_trait]
pub trait TicketStore: Send + Sync + 'static {
    /// Applies a change set atomically: every ticket update's version check
    /// passes and everything is written, or nothing is
    /// ([`StoreError::VersionConflict`] when a ticket changed meanwhile).
    async fn commit(&self, change: ChangeSet) -> StoreResult<CommitOutcome>;
    /// One ticket, deleted ones included.
    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>>;
    /// One ticket by its public number.
    async fn ticket_by_number(&self, number: &str) -> StoreResult<Option<Ticket>>;
    /// A page of tickets in the query's scope, filter and order (deleted
    /// tickets never appear).
    async fn list_tickets(&self, query: &TicketQuery) -> StoreResult<Vec<Ticket>>;
    /// The exact number of tickets matching the query's scope and filter.
    async fn count_tickets(&self, query: &TicketQuery) -> StoreResult<u64>;
    /// A ticket's messages, oldest first (notes only when asked).
    async fn messages(&self, ticket: TicketId, include_notes: bool) -> StoreResult<Vec<Message>>;
    /// One message.
    async fn message(&self, id: MessageId) -> StoreResult<Option<Message>>;
    /// The earlier versions of an edited message, oldest first.
    async fn message_edits(&self, id: MessageId) -> StoreResult<Vec<MessageEdit>>;
    /// A ticket's events, oldest first.
    async fn ticket_events(&self, ticket: TicketId) -> StoreResult<Vec<Event>>;
    /// Events after `after`, in log order: the outbox that workers read.
    async fn events_after(&self, after: EventId, limit: u32) -> StoreResult<Vec<Event>>;
    /// One event.
    async fn event(&self, id: EventId) -> StoreResult<Option<Event>>;
    /// The ticket as the change that made its version `version` left it, if
    /// it was kept: every ticket written while a webhook is active is kept
    /// at its new version in the same transaction (without sealed custom
    /// field values; see [`snapshot`]), so a delivery made later describes
    /// the ticket as of its event (decision 18).
    async fn ticket_at(&self, ticket: TicketId, version: i64) -> StoreResult<Option<Ticket>>;
    /// The newest event's id (0 when there is none), where a new reader of
    /// the log starts.
    async fn latest_event_id(&self) -> StoreResult<EventId>;
    /// Waits until events after `after` may have been written (by this
    /// process or, with a shared database, another instance), or until
    /// `timeout`: readers of the log (live screens, webhooks) wake at once
    /// instead of polling. Spurious wake-ups are allowed; the caller reads
    /// the log to see. The default only sleeps.
    async fn wait_for_events(&self, after: EventId, timeout: std::time::Duration) {
        let _ = after;
        tokio::time::sleep(timeout).await;
    }
    /// For each member of a department: unsolved tickets assigned to them and
    /// the last time a ticket of the department was assigned to them, for
    /// auto-assignment.
    async fn agent_loads(&self, department: DepartmentId) -> StoreResult<Vec<AgentLoad>>;
    /// Records that `user` has read the ticket up to now and clears the
    /// unread mark of their side; not a change of the ticket (no version bump,
    /// no event).
    async fn mark_read(&self, ticket: TicketId, user: UserId, staff: bool, at: Timestamp) -> StoreResult<()>;
    /// When `user` last read the ticket.
    async fn last_read(&self, ticket: TicketId, user: UserId) -> StoreResult<Option<Timestamp>>;
    /// Records an uploaded file (its contents are in the blob store).
    async fn insert_attachment(&self, attachment: AttachmentRecord) -> StoreResult<AttachmentRecord>;
    /// One attachment.
    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<AttachmentRecord>>;
}

/// Full-text search and its index.
#[async_trait]
pub trait SearchStore: Send + Sync + 'static {
    /// A page of a search in its scope, with the exact number of matches
    /// (deleted tickets never match).
    async fn search_tickets(&self, query: &SearchQuery) -> StoreResult<SearchPage>;
    /// Rebuilds the search index from the tickets and messages, in batches
    /// (writes go on meanwhile and keep it current); `observer` hears of
    /// each batch. Needed after a bulk import that bypassed the store.
    async fn rebuild_search_index(&self, observer: Option<ReindexObserver>) -> StoreResult<ReindexStats>;
    /// Whether tickets were written without indexing them (an upgrade from
    /// a version without search, a bulk import), so that the index must be
    /// rebuilt before search finds everything.
    async fn search_index_stale(&self) -> StoreResult<bool>;
    /// The readable text of several tickets' messages for search snippets:
    /// not deleted, not encrypted, notes only when asked; by ticket, oldest
    /// first, without attachment ids.
    async fn snippet_messages(&self, tickets: &[TicketId], include_notes: bool) -> StoreResult<Vec<Message>>;
    /// Users whose name is `name` when both are folded (case, Turkish
    /// `İ`/`ı`, `ё`), at most `limit`, by id.
    async fn users_named(&self, name: &str, limit: u32) -> StoreResult<Vec<User>>;
}

/// Users, organizations, departments and services.
#[async_trait]
pub trait DirectoryStore: Send + Sync + 'static {
    /// Creates a user ([`StoreError::Duplicate`] for a taken e-mail).
    async fn insert_user(&self, user: User) -> StoreResult<User>;
    /// Saves a user's fields.
    async fn update_user(&self, user: &User) -> StoreResult<()>;
    /// One user.
    async fn user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// One user by e-mail, without regard to case.
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>>;
    /// A page of users.
    async fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<User>>;
    /// Creates an organization.
    async fn insert_organization(&self, org: Organization) -> StoreResult<Organization>;
    /// Saves an organization.
    async fn update_organization(&self, org: &Organization) -> StoreResult<()>;
    /// One organization.
    async fn organization(&self, id: OrganizationId) -> StoreResult<Option<Organization>>;
    /// All organizations, by name.
    async fn list_organizations(&self) -> StoreResult<Vec<Organization>>;
    /// Creates a department.
    async fn insert_department(&self, dept: Department) -> StoreResult<Department>;
    /// Saves a department.
    async fn update_department(&self, dept: &Department) -> StoreResult<()>;
    /// One department.
    async fn department(&self, id: DepartmentId) -> StoreResult<Option<Department>>;
    /// All departments, by position then name.
    async fn list_departments(&self) -> StoreResult<Vec<Department>>;
    /// Replaces a department's agent members.
    async fn set_department_members(&self, dept: DepartmentId, members: &[UserId]) -> StoreResult<()>;
    /// A department's members.
    async fn department_members(&self, dept: DepartmentId) -> StoreResult<Vec<UserId>>;
    /// The departments a user belongs to.
    async fn user_departments(&self, user: UserId) -> StoreResult<Vec<DepartmentId>>;
    /// Creates a service ([`StoreError::Duplicate`] for a taken kind and external id).
    async fn insert_service(&self, service: Service) -> StoreResult<Service>;
    /// Saves a service.
    async fn update_service(&self, service: &Service) -> StoreResult<()>;
    /// One service.
    async fn service(&self, id: ServiceId) -> StoreResult<Option<Service>>;
    /// One service by its billing system's id.
    async fn service_by_external_id(&self, kind: ServiceKind, external_id: &str) -> StoreResult<Option<Service>>;
    /// Services, optionally of one owner.
    async fn list_services(&self, owner: Option<UserId>) -> StoreResult<Vec<Service>>;
}

/// The status catalogue, custom field definitions and installation settings.
#[async_trait]
pub trait CatalogueStore: Send + Sync + 'static {
    /// The status catalogue, by position.
    async fn statuses(&self) -> StoreResult<Vec<Status>>;
    /// Adds a status ([`StoreError::Duplicate`] for a taken key).
    async fn insert_status(&self, status: Status) -> StoreResult<Status>;
    /// Custom field definitions, by position.
    async fn custom_fields(&self) -> StoreResult<Vec<CustomFieldDef>>;
    /// Creates a custom field ([`StoreError::Duplicate`] for a taken key).
    async fn insert_custom_field(&self, field: CustomFieldDef) -> StoreResult<CustomFieldDef>;
    /// Saves a custom field.
    async fn update_custom_field(&self, field: &CustomFieldDef) -> StoreResult<()>;
    /// Removes a custom field definition (values on tickets stay in history).
    async fn delete_custom_field(&self, id: CustomFieldId) -> StoreResult<()>;
    /// An installation setting.
    async fn setting(&self, key: &str) -> StoreResult<Option<String>>;
    /// Saves an installation setting.
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()>;
}

/// Credentials and what guards them: API tokens, sessions, rate limits and idempotency keys.
#[async_trait]
pub trait AccessStore: Send + Sync + 'static {
    /// Stores a token (only the hash of its secret).
    async fn insert_token(&self, token: TokenRecord) -> StoreResult<TokenRecord>;
    /// A token by its public identifier.
    async fn token_by_identifier(&self, identifier: &str) -> StoreResult<Option<TokenRecord>>;
    /// One token.
    async fn token(&self, id: TokenId) -> StoreResult<Option<TokenRecord>>;
    /// A user's tokens, revoked ones included.
    async fn tokens_of(&self, user: UserId) -> StoreResult<Vec<TokenRecord>>;
    /// Revokes a token.
    async fn revoke_token(&self, id: TokenId, at: Timestamp) -> StoreResult<()>;
    /// Stores a new session.
    async fn insert_session(&self, session: SessionRecord) -> StoreResult<()>;
    /// A session by the hash of its secret.
    async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>>;
    /// Records a session's use and moves its expiry.
    async fn touch_session(&self, id_hash: &str, last_seen_at: Timestamp, expires_at: Timestamp) -> StoreResult<()>;
    /// Ends a session.
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;
    /// Ends a user's sessions, but the one named (after a password change).
    async fn delete_sessions_of(&self, user: UserId, keep: Option<&str>) -> StoreResult<()>;
    /// Counts a hit against a fixed-window limit; answers whether it is
    /// allowed (at most `max` hits per `window_ms` per key).
    async fn rate_limit_hit(&self, key: &str, window_ms: i64, max: u32, at: Timestamp) -> StoreResult<bool>;
    /// Forgets a limit's hits (after a successful sign-in).
    async fn rate_limit_clear(&self, key: &str) -> StoreResult<()>;
    /// Where a limit stands, without counting a hit: `None` when it has no
    /// hits in a window of `window_ms` that is still open at `at`. Lets a
    /// check refuse before doing the work and count only what failed.
    async fn rate_limit_peek(&self, key: &str, window_ms: i64, at: Timestamp) -> StoreResult<Option<RateWindow>>;
    /// Forgets the limits whose key starts with `prefix` and whose last hit
    /// came before `idle_before`: counters of closed windows are dead
    /// weight, and a stream of failures for made-up accounts would
    /// otherwise grow the table without end. Answers how many went.
    async fn rate_limit_prune(&self, prefix: &str, idle_before: Timestamp) -> StoreResult<u64>;
    /// Stores a new single-use sign-in token.
    async fn insert_sign_in_token(&self, token: SignInToken) -> StoreResult<()>;
    /// A sign-in token by its hash, used or not (to show a form before the
    /// token is spent).
    async fn sign_in_token(&self, token_hash: &str) -> StoreResult<Option<SignInToken>>;
    /// Uses a token of `purpose` that is unused and unexpired at `at`, in
    /// one statement: of two concurrent callers, one gets the row and the
    /// other `None`. `None` as well for an unknown, used, expired or
    /// other-purpose token.
    async fn consume_sign_in_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        at: Timestamp,
    ) -> StoreResult<Option<SignInToken>>;
    /// Marks a user's unused tokens of `purpose` used (after a reset, older
    /// reset links die); answers how many.
    async fn retire_sign_in_tokens(&self, user: UserId, purpose: TokenPurpose, at: Timestamp) -> StoreResult<u64>;
    /// Forgets tokens that expired before `before`; answers how many.
    async fn prune_sign_in_tokens(&self, before: Timestamp) -> StoreResult<u64>;
    /// Starts an idempotent request, or reports what became of an earlier one
    /// with the same key.
    async fn idempotency_begin(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        at: Timestamp,
    ) -> StoreResult<IdempotencyBegin>;
    /// Saves the answer of a finished idempotent request.
    async fn idempotency_finish(&self, key: &IdempotencyKey, status: u16, body: &[u8]) -> StoreResult<()>;
    /// Forgets a request that failed, so it may be retried.
    async fn idempotency_abandon(&self, key: &IdempotencyKey) -> StoreResult<()>;
}

/// Drafts of replies and notes, one per user and ticket ([`Draft`]).
#[async_trait]
pub trait DraftStore: Send + Sync + 'static {
    /// Saves a draft, replacing the user's draft on that ticket.
    async fn save_draft(&self, draft: Draft) -> StoreResult<()>;
    /// The user's draft on a ticket.
    async fn draft(&self, user: UserId, ticket: TicketId) -> StoreResult<Option<Draft>>;
    /// Removes the user's draft on a ticket; answers whether there was one.
    async fn delete_draft(&self, user: UserId, ticket: TicketId) -> StoreResult<bool>;
}

/// Saved views.
#[async_trait]
pub trait ViewStore: Send + Sync + 'static {
    /// Creates a view (its position: after the others).
    async fn insert_view(&self, view: ViewRecord) -> StoreResult<ViewRecord>;
    /// Saves a view.
    async fn update_view(&self, view: &ViewRecord) -> StoreResult<()>;
    /// One view.
    async fn view(&self, id: tessera_core::ids::ViewId) -> StoreResult<Option<ViewRecord>>;
    /// Every view, in position order.
    async fn list_views(&self) -> StoreResult<Vec<ViewRecord>>;
    /// Removes a view.
    async fn delete_view(&self, id: tessera_core::ids::ViewId) -> StoreResult<()>;
    /// Sets the positions of views: the first id gets the lowest.
    async fn reorder_views(&self, ids: &[tessera_core::ids::ViewId]) -> StoreResult<()>;
}

/// Webhooks with their delivery outbox, and validation hooks and panels.
#[async_trait]
pub trait IntegrationStore: Send + Sync + 'static {
    /// Creates a webhook.
    async fn insert_webhook(&self, webhook: Webhook) -> StoreResult<Webhook>;
    /// Saves a webhook (including re-enabling it, which resets its failure count).
    async fn update_webhook(&self, webhook: &Webhook) -> StoreResult<()>;
    /// One webhook.
    async fn webhook(&self, id: WebhookId) -> StoreResult<Option<Webhook>>;
    /// All webhooks.
    async fn list_webhooks(&self) -> StoreResult<Vec<Webhook>>;
    /// Removes a webhook with its deliveries.
    async fn delete_webhook(&self, id: WebhookId) -> StoreResult<()>;
    /// Adds the deliveries of the events after `from` up to `up_to` and moves
    /// the named outbox cursor from `from` to `up_to`, in one transaction.
    /// When the cursor is no longer at `from` (another instance enqueued those
    /// events first) nothing is written and the answer is
    /// [`StoreError::VersionConflict`]: so nothing is ever enqueued twice,
    /// however many instances run workers. A cursor never set counts as 0.
    async fn enqueue_deliveries(
        &self,
        cursor: &str,
        from: EventId,
        up_to: EventId,
        deliveries: Vec<NewDelivery>,
    ) -> StoreResult<()>;
    /// Adds one delivery (a test, or a redelivery).
    async fn insert_delivery(&self, delivery: NewDelivery) -> StoreResult<Delivery>;
    /// Leases up to `limit` due deliveries of active webhooks until
    /// `lease_until`: only the oldest pending one per webhook and ticket, so
    /// a ticket's deliveries reach a webhook in event order.
    async fn claim_deliveries(&self, now: Timestamp, lease_until: Timestamp, limit: u32) -> StoreResult<Vec<Delivery>>;
    /// Records an attempt and its outcome, and keeps the webhook's failure
    /// count (switching it off at its limit).
    async fn record_attempt(&self, attempt: Attempt, outcome: AttemptOutcome) -> StoreResult<AttemptRecorded>;
    /// One delivery.
    async fn delivery(&self, id: DeliveryId) -> StoreResult<Option<Delivery>>;
    /// A webhook's deliveries, newest first, before an id.
    async fn deliveries(
        &self,
        webhook: WebhookId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> StoreResult<Vec<Delivery>>;
    /// A delivery's attempts, oldest first.
    async fn attempts(&self, delivery: DeliveryId) -> StoreResult<Vec<Attempt>>;
    /// Creates a validation hook or panel.
    async fn insert_hook_endpoint(&self, endpoint: HookEndpoint) -> StoreResult<HookEndpoint>;
    /// Saves one.
    async fn update_hook_endpoint(&self, endpoint: &HookEndpoint) -> StoreResult<()>;
    /// One.
    async fn hook_endpoint(&self, id: HookId) -> StoreResult<Option<HookEndpoint>>;
    /// Endpoints of a kind (and name), by priority then id.
    async fn list_hook_endpoints(
        &self,
        kind: Option<EndpointKind>,
        name: Option<&str>,
    ) -> StoreResult<Vec<HookEndpoint>>;
    /// Removes one.
    async fn delete_hook_endpoint(&self, id: HookId) -> StoreResult<()>;
}

/// SLA policies and tickets' SLA states.
#[async_trait]
pub trait SlaStore: Send + Sync + 'static {
    /// Creates an SLA policy (its position: after the others).
    async fn insert_sla_policy(&self, policy: SlaPolicyRecord) -> StoreResult<SlaPolicyRecord>;
    /// Saves an SLA policy.
    async fn update_sla_policy(&self, policy: &SlaPolicyRecord) -> StoreResult<()>;
    /// One SLA policy.
    async fn sla_policy(&self, id: SlaPolicyId) -> StoreResult<Option<SlaPolicyRecord>>;
    /// Every SLA policy, in position order.
    async fn list_sla_policies(&self) -> StoreResult<Vec<SlaPolicyRecord>>;
    /// Removes an SLA policy (tickets' states naming it keep no link to it).
    async fn delete_sla_policy(&self, id: SlaPolicyId) -> StoreResult<()>;
    /// A ticket's stored SLA state.
    async fn ticket_sla(&self, ticket: TicketId) -> StoreResult<Option<TicketSlaRecord>>;
    /// Saves a ticket's computed SLA state, unless a state computed from a
    /// later ticket version is stored. The alerts already written are kept
    /// as stored (only [`SlaStore::record_sla_alerts`] adds to them); a new row
    /// starts with the record's.
    async fn save_ticket_sla(&self, record: TicketSlaRecord) -> StoreResult<()>;
    /// Writes alert events with the ticket's SLA state, in one transaction,
    /// if the ticket is still at `record.ticket_version` and the stored
    /// alerts are still `expected_announced` (else
    /// [`StoreError::VersionConflict`], and nothing is written): so two
    /// checkers never write the same alert. The events carry the ticket's
    /// version; the ticket itself does not change.
    async fn record_sla_alerts(
        &self,
        record: TicketSlaRecord,
        expected_announced: Vec<String>,
        events: Vec<NewEvent>,
    ) -> StoreResult<Vec<EventId>>;
    /// Tickets (not deleted) whose next alert is due at `now`, earliest first.
    async fn due_sla_alerts(&self, now: Timestamp, limit: u32) -> StoreResult<Vec<TicketId>>;
    /// The earliest pending alert time of a ticket that is not deleted.
    async fn next_sla_alert_at(&self) -> StoreResult<Option<Timestamp>>;
    /// Unsolved, undeleted tickets with ids above `after`, in id order, for
    /// recomputing SLA states in batches; with `stale_only`, only those whose
    /// stored state is missing or older than the ticket.
    async fn sla_candidates(&self, after: TicketId, limit: u32, stale_only: bool) -> StoreResult<Vec<TicketId>>;
}

/// Mail coming in: the rows of raw messages handed to Tessera and the
/// Message-IDs tickets are known by (issue 16). A ticket commit applying a
/// message records it itself (`ChangeSet::mail`).
#[async_trait]
pub trait MailStore: Send + Sync + 'static {
    /// Adds the row of a raw message already kept as a blob; when a row for
    /// the same bytes exists, answers it instead. The flag says whether the
    /// row is new.
    async fn record_inbound(&self, new: NewInbound) -> StoreResult<(InboundRecord, bool)>;
    /// An inbound message's row.
    async fn inbound(&self, id: tessera_core::ids::InboundId) -> StoreResult<Option<InboundRecord>>;
    /// Inbound messages newest first, in `state` if named, with ids below
    /// `before`.
    async fn list_inbound(
        &self,
        state: Option<InboundState>,
        before: Option<tessera_core::ids::InboundId>,
        limit: u32,
    ) -> StoreResult<Vec<InboundRecord>>;
    /// Messages stored and not yet applied, oldest first.
    async fn inbound_to_apply(&self, limit: u32) -> StoreResult<Vec<InboundRecord>>;
    /// The first message applied with this `Message-ID`.
    async fn applied_inbound_by_mail_id(&self, mail_id: &str) -> StoreResult<Option<InboundRecord>>;
    /// Moves a stored or quarantined message to a state without a ticket
    /// change; `Duplicate` if it has left those states meanwhile.
    async fn settle_inbound(&self, id: tessera_core::ids::InboundId, settle: InboundSettle) -> StoreResult<()>;
    /// The tickets known by these Message-IDs (those found).
    async fn threads_of(&self, mail_ids: &[String]) -> StoreResult<Vec<(String, ThreadHit)>>;
    /// The inbound messages about a ticket, oldest first (at most `limit`).
    async fn inbound_of_ticket(
        &self,
        ticket: tessera_core::ids::TicketId,
        limit: u32,
    ) -> StoreResult<Vec<InboundRecord>>;
    /// How many inbound messages there are by source, state and threading
    /// rule (for the metrics).
    async fn inbound_tally(&self) -> StoreResult<Vec<InboundTally>>;
    /// Adds an entry to the blocked-senders list; when the same pattern is
    /// listed for the same department, answers that entry instead. The flag
    /// says whether the entry is new.
    async fn add_sender_block(&self, new: NewSenderBlock) -> StoreResult<(SenderBlock, bool)>;
    /// The whole list, newest first.
    async fn sender_blocks(&self) -> StoreResult<Vec<SenderBlock>>;
    /// Removes an entry (`NotFound` if there is none).
    async fn delete_sender_block(&self, id: tessera_core::ids::SenderBlockId) -> StoreResult<()>;
    /// The entry that refuses `address`'s mail to `department` (or to no
    /// department in particular): the address's own or its domain's,
    /// listed for every department or for that one.
    async fn sender_block_for(
        &self,
        address: &str,
        department: Option<DepartmentId>,
    ) -> StoreResult<Option<SenderBlock>>;
}

/// IMAP mailboxes: their settings, their read cursor and state, and the
/// lease that lets one instance at a time read each (issue 16).
#[async_trait]
pub trait MailboxStore: Send + Sync + 'static {
    /// Creates a mailbox (its id is given by the store).
    async fn insert_mailbox(&self, mailbox: MailboxRecord) -> StoreResult<MailboxRecord>;
    /// Saves a mailbox's settings (department, address, server, credential,
    /// folder, after-import, active) with its `state` and `last_error` (an
    /// admin's change clears an error); the cursor, the lease and the
    /// fetch times are left as stored. `NotFound` when there is none.
    async fn update_mailbox(&self, mailbox: &MailboxRecord) -> StoreResult<()>;
    /// One mailbox.
    async fn mailbox(&self, id: tessera_core::ids::MailboxId) -> StoreResult<Option<MailboxRecord>>;
    /// Every mailbox, by id.
    async fn list_mailboxes(&self) -> StoreResult<Vec<MailboxRecord>>;
    /// Removes a mailbox (the messages fetched from it keep its id).
    async fn delete_mailbox(&self, id: tessera_core::ids::MailboxId) -> StoreResult<()>;
    /// Takes or renews the lease of an active mailbox for `owner` until
    /// `until`, in one statement: only when nobody holds it, its holder's
    /// lease ran out before `now`, or `owner` holds it already. Answers
    /// whether `owner` holds it now.
    async fn take_mailbox_lease(
        &self,
        id: tessera_core::ids::MailboxId,
        owner: &str,
        now: tessera_core::Timestamp,
        until: tessera_core::Timestamp,
    ) -> StoreResult<bool>;
    /// Gives the lease up, if `owner` holds it.
    async fn release_mailbox_lease(&self, id: tessera_core::ids::MailboxId, owner: &str) -> StoreResult<()>;
    /// Saves the cursor and state after a round of reading, if `owner`
    /// still holds the lease; answers whether it did.
    async fn save_mailbox_progress(
        &self,
        id: tessera_core::ids::MailboxId,
        owner: &str,
        progress: MailboxProgress,
    ) -> StoreResult<bool>;
    /// Saves an OAuth2 mailbox's new tokens (after a refresh), leaving the
    /// settings and their time as they are. `NotFound` when there is none.
    async fn save_mailbox_tokens(&self, id: tessera_core::ids::MailboxId, tokens: MailboxTokens) -> StoreResult<()>;
    /// Sets (or clears) an admin's pending OAuth2 authorisation of a
    /// mailbox, sealed, leaving everything else as it is. `NotFound` when
    /// there is none.
    async fn set_mailbox_pending(&self, id: tessera_core::ids::MailboxId, pending: Option<String>) -> StoreResult<()>;
    /// Clears the pending authorisation if it is still `pending`, in one
    /// statement: answers whether it was (so a state is used once, even by
    /// two callbacks at the same moment).
    async fn take_mailbox_pending(&self, id: tessera_core::ids::MailboxId, pending: &str) -> StoreResult<bool>;
    /// Sets a mailbox's state and error (the credential was refused)
    /// without touching anything else. `NotFound` when there is none.
    async fn set_mailbox_state(
        &self,
        id: tessera_core::ids::MailboxId,
        state: MailboxState,
        error: Option<String>,
    ) -> StoreResult<()>;
}

/// Mail going out (issue 17): the queue of messages and their recipients'
/// deliveries, the suppression list, notification preferences and admins'
/// templates.
#[async_trait]
pub trait OutboundStore: Send + Sync + 'static {
    /// Queues messages; with a cursor, moves it in the same commit and
    /// answers `VersionConflict` (queuing nothing) if it is no longer at
    /// `from` (another instance queued these events).
    async fn queue_outbound(&self, cursor: Option<OutboundCursor>, mails: Vec<NewOutbound>) -> StoreResult<()>;
    /// Claims up to `limit` open deliveries due at `now` (and not leased),
    /// leasing them until `lease_until`, oldest first.
    async fn claim_outbound(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Records the outcomes of a batch of tries (each counts an attempt and
    /// ends the lease) and puts the addresses that
    /// failed for good on the suppression list, in one commit (the sender
    /// reports a whole claimed batch at once: one commit, not one each).
    async fn finish_deliveries(
        &self,
        outcomes: Vec<(MailDeliveryId, DeliveryOutcome)>,
        suppress: Vec<Suppression>,
    ) -> StoreResult<()>;
    /// Puts a delivery back in the queue now (an admin's "send again");
    /// `NotFound` when there is none.
    async fn requeue_delivery(&self, id: MailDeliveryId, now: Timestamp) -> StoreResult<()>;
    /// Marks the delivery of message `mail_id` to `address` bounced, with
    /// the report's words; answers it (`None` when no such delivery).
    async fn bounce_delivery(
        &self,
        mail_id: &str,
        address: &str,
        answer: &str,
        at: Timestamp,
    ) -> StoreResult<Option<OutboundDelivery>>;
    /// One delivery.
    async fn delivery_of_mail(&self, id: MailDeliveryId) -> StoreResult<Option<OutboundDelivery>>;
    /// The deliveries about a ticket, oldest first (at most `limit`).
    async fn outbound_of_ticket(&self, ticket: TicketId, limit: u32) -> StoreResult<Vec<OutboundDelivery>>;
    /// Deliveries newest first, in `state` if named, with ids below `before`.
    async fn list_outbound(
        &self,
        state: Option<MailDeliveryState>,
        before: Option<MailDeliveryId>,
        limit: u32,
    ) -> StoreResult<Vec<OutboundDelivery>>;
    /// Whether a message of `kind` went (or is going) to `address` since `since`.
    async fn sent_since(&self, kind: OutboundKind, address: &str, since: Timestamp) -> StoreResult<bool>;
    /// How many deliveries there are by kind and state (for the metrics).
    async fn outbound_tally(&self) -> StoreResult<Vec<OutboundTally>>;
    /// Puts an address on the suppression list (keeps an entry already there).
    async fn suppress_address(&self, entry: Suppression) -> StoreResult<()>;
    /// The suppression entries of these addresses (those found).
    async fn suppressions_of(&self, addresses: &[String]) -> StoreResult<Vec<Suppression>>;
    /// The whole suppression list, newest first.
    async fn list_suppressions(&self) -> StoreResult<Vec<Suppression>>;
    /// Takes an address off the list; `NotFound` when it is not on it.
    async fn clear_suppression(&self, address: &str) -> StoreResult<()>;
    /// A user's notification choices that differ from the default.
    async fn notification_prefs(&self, user: UserId) -> StoreResult<Vec<(OutboundKind, bool)>>;
    /// The users of `users` who turned `kind` off.
    async fn users_opted_out(&self, kind: OutboundKind, users: &[UserId]) -> StoreResult<Vec<UserId>>;
    /// Sets a user's choice for a kind.
    async fn set_notification_pref(&self, user: UserId, kind: OutboundKind, on: bool) -> StoreResult<()>;
    /// Queues messages and collects notifications for digests in one
    /// commit; with a cursor, moves it in the same commit (`VersionConflict`,
    /// nothing written, when it is no longer at `from`).
    async fn queue_notifications(
        &self,
        cursor: Option<OutboundCursor>,
        mails: Vec<NewOutbound>,
        digest: Vec<NewDigestItem>,
    ) -> StoreResult<()>;
    /// A user's own notification modes (the kinds they chose a mode for).
    async fn notification_modes(&self, user: UserId) -> StoreResult<Vec<(OutboundKind, NotificationMode)>>;
    /// The own modes of `users` for `kind` (those who chose one).
    async fn notification_modes_of(
        &self,
        kind: OutboundKind,
        users: &[UserId],
    ) -> StoreResult<Vec<(UserId, NotificationMode)>>;
    /// Sets a user's mode for a kind; `None` removes their choice (the
    /// default applies again).
    async fn set_notification_mode(
        &self,
        user: UserId,
        kind: OutboundKind,
        mode: Option<NotificationMode>,
    ) -> StoreResult<()>;
    /// Every department's default modes (department, kind, mode).
    async fn department_notification_defaults(
        &self,
    ) -> StoreResult<Vec<(DepartmentId, OutboundKind, NotificationMode)>>;
    /// Sets a department's default mode of a kind for its agents; `None`
    /// removes it.
    async fn set_department_notification_default(
        &self,
        department: DepartmentId,
        kind: OutboundKind,
        mode: Option<NotificationMode>,
    ) -> StoreResult<()>;
    /// Users with a collected notification from at or before `before`
    /// (their digest is due), at most `limit`.
    async fn digests_due(&self, before: Timestamp, limit: u32) -> StoreResult<Vec<UserId>>;
    /// A user's collected notifications, oldest first, at most `limit`.
    async fn digest_items(&self, user: UserId, limit: u32) -> StoreResult<Vec<DigestItem>>;
    /// Queues a digest mail and removes the items it lists, in one commit:
    /// `VersionConflict` (nothing written) when any of `items` is gone
    /// (another instance sent them). Without a mail the items just go (the
    /// person is gone or disabled).
    async fn queue_digest(&self, user: UserId, items: Vec<i64>, mail: Option<NewOutbound>) -> StoreResult<()>;
    /// Admins' own templates (every kind and language that has one).
    async fn mail_templates(&self) -> StoreResult<Vec<MailTemplateRecord>>;
    /// Saves (or replaces) an admin's template.
    async fn save_mail_template(&self, template: MailTemplateRecord) -> StoreResult<()>;
    /// Removes an admin's template (back to the built-in); `NotFound` when
    /// there is none.
    async fn delete_mail_template(&self, kind: OutboundKind, language: &str) -> StoreResult<()>;
}
