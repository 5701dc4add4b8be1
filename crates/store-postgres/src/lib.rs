//! The PostgreSQL backend of the [`Store`] trait, for several Tessera
//! instances sharing one database.
//!
//! # Design
//!
//! - **Connections.** Each store keeps a [`deadpool_postgres`] pool of
//!   [`db::POOL_SIZE`] connections over `tokio-postgres`, plus one
//!   dedicated LISTEN connection ([`notify`]). Reads run on a pooled
//!   connection; every write is one transaction at PostgreSQL's default
//!   READ COMMITTED isolation. No TLS: the database is expected on
//!   loopback or a private network (put a TLS tunnel or a local proxy in
//!   front of a remote one).
//! - **Nothing shared in memory.** Ticket updates check the version in the
//!   UPDATE's WHERE clause; ticket numbers are random and inserted with
//!   `ON CONFLICT DO NOTHING`, retried on a collision; rate limits and
//!   idempotency keys are single `INSERT … ON CONFLICT … RETURNING`
//!   statements; webhook deliveries are leased with `FOR UPDATE SKIP
//!   LOCKED`; the outbox cursor moves by compare-and-set.
//! - **Migrations** ([`db::MIGRATIONS`]) are embedded, numbered, recorded in
//!   `schema_migrations` and applied under a session advisory lock, so two
//!   instances starting together never both migrate.
//! - **Event order.** Workers tail the event log by id. Ids come from a
//!   sequence, and two concurrent transactions could commit out of id order:
//!   a reader that had seen the later id would skip the earlier forever. So
//!   every transaction that writes events takes one transaction-level
//!   advisory lock right before inserting them (the last thing it does
//!   before COMMIT): ids are then allocated, and made visible, in commit
//!   order (see `tickets::insert_events`).
//! - **Live updates.** The same statement sends `pg_notify`, delivered at
//!   commit to every instance's LISTEN connection, which wakes
//!   [`Store::wait_for_events`].
#![forbid(unsafe_code)]

/// Runs `$body`, a block that may `.await` and use `?`, in a transaction on
/// a pooled connection (`$tx` names a reference to it): commits when it
/// answers `Ok`, rolls back (drops the transaction) when it fails.
macro_rules! transaction {
    ($store:expr, |$tx:ident| $body:block) => {{
        let mut client = $store.client().await?;
        let transaction = client.transaction().await.db()?;
        let out: StoreResult<_> = {
            let $tx = &transaction;
            async { $body }.await
        };
        let out = out?;
        transaction.commit().await.db()?;
        Result::<_, StoreError>::Ok(out)
    }};
}

pub mod db;
mod entities;
mod hooks;
pub mod notify;
mod rows;
mod search;
mod sla;
#[cfg(feature = "testing")]
pub mod testing;
mod tickets;
mod views;

use async_trait::async_trait;
use deadpool_postgres::Pool;
use rows::PgResultExt;
use std::sync::Arc;
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::Status;
use tessera_core::{
    Department, Event, Message, MessageEdit, Organization, Service, ServiceKind, Ticket, Timestamp, User,
};
use tessera_store::*;

/// The PostgreSQL store: a connection pool and a LISTEN connection. Clones
/// share both.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    listener: Arc<notify::Listener>,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/db`),
    /// applies pending migrations, and starts listening for new events.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config = db::parse_url(url)?;
        let pool = db::pool(config.clone())?;
        let mut client = db::client(&pool).await?;
        db::migrate_with(&mut client).await?;
        drop(client);
        let listener = Arc::new(notify::Listener::start(config).await?);
        Ok(Self { pool, listener })
    }

    /// The connection pool (for maintenance commands and tests).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn client(&self) -> StoreResult<db::Client> {
        db::client(&self.pool).await
    }
}

/// Applies pending migrations to the database at `url` and answers the
/// names of those applied (`0001_init`…), for `tessera migrate`.
pub async fn migrate(url: &str) -> StoreResult<Vec<String>> {
    let pool = db::pool(db::parse_url(url)?)?;
    let mut client = db::client(&pool).await?;
    db::migrate_with(&mut client).await
}

/// Runs `$body` (an expression of `$c`, a pooled connection, answering a
/// future) and awaits it.
macro_rules! read {
    ($self:ident, |$c:ident| $body:expr) => {{
        let client = $self.client().await?;
        let $c = &client;
        $body.await
    }};
}

/// Runs `$body` (an expression of `$c`, a transaction, answering a future)
/// and commits when it succeeds; a failure rolls back (the transaction is
/// dropped).
macro_rules! write {
    ($self:ident, |$c:ident| $body:expr) => {{
        let mut client = $self.client().await?;
        let tx = client.transaction().await.db()?;
        let $c = &tx;
        let out = $body.await?;
        tx.commit().await.db()?;
        Result::<_, StoreError>::Ok(out)
    }};
}

#[async_trait]
impl TicketStore for PgStore {
    async fn commit(&self, change: ChangeSet) -> StoreResult<CommitOutcome> {
        let outcome = write!(self, |c| tickets::commit(c, change));
        if outcome.is_ok() {
            // Our own LISTEN hears it too; this only saves the round trip.
            self.listener.signal().notify_waiters();
        }
        outcome
    }
    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        read!(self, |c| tickets::ticket(c, id))
    }
    async fn ticket_by_number(&self, number: &str) -> StoreResult<Option<Ticket>> {
        let number = number.to_string();
        read!(self, |c| tickets::ticket_by_number(c, &number))
    }
    async fn list_tickets(&self, query: &TicketQuery) -> StoreResult<Vec<Ticket>> {
        let q = query.clone();
        read!(self, |c| tickets::list_tickets(c, &q))
    }
    async fn count_tickets(&self, query: &TicketQuery) -> StoreResult<u64> {
        let q = query.clone();
        read!(self, |c| tickets::count_tickets(c, &q))
    }
    async fn messages(&self, ticket: TicketId, include_notes: bool) -> StoreResult<Vec<Message>> {
        read!(self, |c| tickets::messages(c, ticket, include_notes))
    }
    async fn message(&self, id: MessageId) -> StoreResult<Option<Message>> {
        read!(self, |c| tickets::message(c, id))
    }
    async fn message_edits(&self, id: MessageId) -> StoreResult<Vec<MessageEdit>> {
        read!(self, |c| tickets::message_edits(c, id))
    }
    async fn ticket_events(&self, ticket: TicketId) -> StoreResult<Vec<Event>> {
        read!(self, |c| tickets::ticket_events(c, ticket))
    }
    async fn events_after(&self, after: EventId, limit: u32) -> StoreResult<Vec<Event>> {
        read!(self, |c| tickets::events_after(c, after, limit))
    }
    async fn event(&self, id: EventId) -> StoreResult<Option<Event>> {
        read!(self, |c| tickets::event(c, id))
    }
    async fn ticket_at(&self, ticket: TicketId, version: i64) -> StoreResult<Option<Ticket>> {
        read!(self, |c| tickets::ticket_at(c, ticket, version))
    }
    async fn latest_event_id(&self) -> StoreResult<EventId> {
        read!(self, |c| tickets::latest_event_id(c))
    }
    async fn wait_for_events(&self, after: EventId, timeout: std::time::Duration) {
        // Registered before the look at the log, so a commit in between
        // still wakes us.
        let woken = self.listener.signal().notified();
        if self.latest_event_id().await.is_ok_and(|latest| latest > after) {
            return;
        }
        let _ = tokio::time::timeout(timeout, woken).await;
    }
    async fn agent_loads(&self, department: DepartmentId) -> StoreResult<Vec<AgentLoad>> {
        read!(self, |c| tickets::agent_loads(c, department))
    }
    async fn mark_read(&self, ticket: TicketId, user: UserId, staff: bool, at: Timestamp) -> StoreResult<()> {
        write!(self, |c| tickets::mark_read(c, ticket, user, staff, at))
    }
    async fn last_read(&self, ticket: TicketId, user: UserId) -> StoreResult<Option<Timestamp>> {
        read!(self, |c| tickets::last_read(c, ticket, user))
    }
    async fn insert_attachment(&self, attachment: AttachmentRecord) -> StoreResult<AttachmentRecord> {
        write!(self, |c| entities::insert_attachment(c, attachment))
    }
    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<AttachmentRecord>> {
        read!(self, |c| entities::attachment(c, id))
    }
}

#[async_trait]
impl SearchStore for PgStore {
    async fn search_tickets(&self, query: &SearchQuery) -> StoreResult<SearchPage> {
        let q = query.clone();
        // One snapshot, so the total and the page agree under concurrent writes.
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .db()?;
        let page = search::search(&tx, &q).await?;
        tx.commit().await.db()?;
        Ok(page)
    }
    async fn rebuild_search_index(&self, observer: Option<ReindexObserver>) -> StoreResult<ReindexStats> {
        search::rebuild_index(&self.pool, observer).await
    }
    async fn search_index_stale(&self) -> StoreResult<bool> {
        read!(self, |c| search::index_stale(c))
    }
    async fn snippet_messages(&self, tickets: &[TicketId], include_notes: bool) -> StoreResult<Vec<Message>> {
        let ids = tickets.to_vec();
        read!(self, |c| tickets::snippet_messages(c, &ids, include_notes))
    }
    async fn users_named(&self, name: &str, limit: u32) -> StoreResult<Vec<User>> {
        let n = name.to_string();
        read!(self, |c| entities::users_named(c, &n, limit))
    }
}

#[async_trait]
impl DirectoryStore for PgStore {
    async fn insert_user(&self, user: User) -> StoreResult<User> {
        write!(self, |c| entities::insert_user(c, user))
    }
    async fn update_user(&self, user: &User) -> StoreResult<()> {
        let u = user.clone();
        write!(self, |c| entities::update_user(c, &u))
    }
    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        read!(self, |c| entities::user(c, id))
    }
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let e = email.to_string();
        read!(self, |c| entities::user_by_email(c, &e))
    }
    async fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<User>> {
        let q = query.clone();
        read!(self, |c| entities::list_users(c, &q))
    }
    async fn insert_organization(&self, org: Organization) -> StoreResult<Organization> {
        write!(self, |c| entities::insert_organization(c, org))
    }
    async fn update_organization(&self, org: &Organization) -> StoreResult<()> {
        let o = org.clone();
        write!(self, |c| entities::update_organization(c, &o))
    }
    async fn organization(&self, id: OrganizationId) -> StoreResult<Option<Organization>> {
        read!(self, |c| entities::organization(c, id))
    }
    async fn list_organizations(&self) -> StoreResult<Vec<Organization>> {
        read!(self, |c| entities::list_organizations(c))
    }
    async fn insert_department(&self, dept: Department) -> StoreResult<Department> {
        write!(self, |c| entities::insert_department(c, dept))
    }
    async fn update_department(&self, dept: &Department) -> StoreResult<()> {
        let d = dept.clone();
        write!(self, |c| entities::update_department(c, &d))
    }
    async fn department(&self, id: DepartmentId) -> StoreResult<Option<Department>> {
        read!(self, |c| entities::department(c, id))
    }
    async fn list_departments(&self) -> StoreResult<Vec<Department>> {
        read!(self, |c| entities::list_departments(c))
    }
    async fn set_department_members(&self, dept: DepartmentId, members: &[UserId]) -> StoreResult<()> {
        let m = members.to_vec();
        write!(self, |c| entities::set_department_members(c, dept, &m))
    }
    async fn department_members(&self, dept: DepartmentId) -> StoreResult<Vec<UserId>> {
        read!(self, |c| entities::department_members(c, dept))
    }
    async fn user_departments(&self, user: UserId) -> StoreResult<Vec<DepartmentId>> {
        read!(self, |c| entities::user_departments(c, user))
    }
    async fn insert_service(&self, service: Service) -> StoreResult<Service> {
        write!(self, |c| entities::insert_service(c, service))
    }
    async fn update_service(&self, service: &Service) -> StoreResult<()> {
        let s = service.clone();
        write!(self, |c| entities::update_service(c, &s))
    }
    async fn service(&self, id: ServiceId) -> StoreResult<Option<Service>> {
        read!(self, |c| entities::service(c, id))
    }
    async fn service_by_external_id(&self, kind: ServiceKind, external_id: &str) -> StoreResult<Option<Service>> {
        let e = external_id.to_string();
        read!(self, |c| entities::service_by_external_id(c, kind, &e))
    }
    async fn list_services(&self, owner: Option<UserId>) -> StoreResult<Vec<Service>> {
        read!(self, |c| entities::list_services(c, owner))
    }
}

#[async_trait]
impl CatalogueStore for PgStore {
    async fn statuses(&self) -> StoreResult<Vec<Status>> {
        read!(self, |c| entities::statuses(c))
    }
    async fn insert_status(&self, status: Status) -> StoreResult<Status> {
        write!(self, |c| entities::insert_status(c, status))
    }
    async fn custom_fields(&self) -> StoreResult<Vec<CustomFieldDef>> {
        read!(self, |c| entities::custom_fields(c))
    }
    async fn insert_custom_field(&self, field: CustomFieldDef) -> StoreResult<CustomFieldDef> {
        write!(self, |c| entities::insert_custom_field(c, field))
    }
    async fn update_custom_field(&self, field: &CustomFieldDef) -> StoreResult<()> {
        let f = field.clone();
        write!(self, |c| entities::update_custom_field(c, &f))
    }
    async fn delete_custom_field(&self, id: CustomFieldId) -> StoreResult<()> {
        write!(self, |c| entities::delete_custom_field(c, id))
    }
    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        let k = key.to_string();
        read!(self, |c| entities::setting(c, &k))
    }
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        let (k, v) = (key.to_string(), value.to_string());
        write!(self, |c| entities::set_setting(c, &k, &v))
    }
}

#[async_trait]
impl AccessStore for PgStore {
    async fn insert_token(&self, token: TokenRecord) -> StoreResult<TokenRecord> {
        write!(self, |c| entities::insert_token(c, token))
    }
    async fn token_by_identifier(&self, identifier: &str) -> StoreResult<Option<TokenRecord>> {
        let i = identifier.to_string();
        read!(self, |c| entities::token_by_identifier(c, &i))
    }
    async fn token(&self, id: TokenId) -> StoreResult<Option<TokenRecord>> {
        read!(self, |c| entities::token(c, id))
    }
    async fn tokens_of(&self, user: UserId) -> StoreResult<Vec<TokenRecord>> {
        read!(self, |c| entities::tokens_of(c, user))
    }
    async fn revoke_token(&self, id: TokenId, at: Timestamp) -> StoreResult<()> {
        write!(self, |c| entities::revoke_token(c, id, at))
    }
    async fn insert_session(&self, session: SessionRecord) -> StoreResult<()> {
        write!(self, |c| entities::insert_session(c, &session))
    }
    async fn session(&self, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
        let h = id_hash.to_string();
        read!(self, |c| entities::session(c, &h))
    }
    async fn touch_session(&self, id_hash: &str, last_seen_at: Timestamp, expires_at: Timestamp) -> StoreResult<()> {
        let h = id_hash.to_string();
        write!(self, |c| entities::touch_session(c, &h, last_seen_at, expires_at))
    }
    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        let h = id_hash.to_string();
        write!(self, |c| entities::delete_session(c, &h))
    }
    async fn delete_sessions_of(&self, user: UserId, keep: Option<&str>) -> StoreResult<()> {
        let k = keep.map(str::to_string);
        write!(self, |c| entities::delete_sessions_of(c, user, k.as_deref()))
    }
    async fn rate_limit_hit(&self, key: &str, window_ms: i64, max: u32, at: Timestamp) -> StoreResult<bool> {
        let k = key.to_string();
        write!(self, |c| entities::rate_limit_hit(c, &k, window_ms, max, at))
    }
    async fn rate_limit_clear(&self, key: &str) -> StoreResult<()> {
        let k = key.to_string();
        write!(self, |c| entities::rate_limit_clear(c, &k))
    }
    async fn rate_limit_peek(&self, key: &str, window_ms: i64, at: Timestamp) -> StoreResult<Option<RateWindow>> {
        let k = key.to_string();
        read!(self, |c| entities::rate_limit_peek(c, &k, window_ms, at))
    }
    async fn rate_limit_prune(&self, prefix: &str, idle_before: Timestamp) -> StoreResult<u64> {
        let p = prefix.to_string();
        write!(self, |c| entities::rate_limit_prune(c, &p, idle_before))
    }
    async fn idempotency_begin(
        &self,
        key: &IdempotencyKey,
        fingerprint: &str,
        at: Timestamp,
    ) -> StoreResult<IdempotencyBegin> {
        let (k, f) = (key.clone(), fingerprint.to_string());
        write!(self, |c| entities::idempotency_begin(c, &k, &f, at))
    }
    async fn idempotency_finish(&self, key: &IdempotencyKey, status: u16, body: &[u8]) -> StoreResult<()> {
        let (k, b) = (key.clone(), body.to_vec());
        write!(self, |c| entities::idempotency_finish(c, &k, status, &b))
    }
    async fn idempotency_abandon(&self, key: &IdempotencyKey) -> StoreResult<()> {
        let k = key.clone();
        write!(self, |c| entities::idempotency_abandon(c, &k))
    }
}
