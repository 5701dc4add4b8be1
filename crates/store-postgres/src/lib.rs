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

mod access;
mod catalogue;
pub mod db;
mod directory;
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
use tessera_core::ids::*;
use tessera_core::{
    Event, Message, MessageEdit, Ticket, Timestamp, User,
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
        write!(self, |c| tickets::insert_attachment(c, attachment))
    }
    async fn attachment(&self, id: AttachmentId) -> StoreResult<Option<AttachmentRecord>> {
        read!(self, |c| tickets::attachment(c, id))
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
        read!(self, |c| directory::users_named(c, &n, limit))
    }
}
