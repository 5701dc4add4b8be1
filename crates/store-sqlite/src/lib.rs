//! The SQLite backend of the [`Store`] trait: Tessera's embedded default.
//!
//! One writer thread owns the only writing connection and commits in groups
//! (see [`pool`]); a pool of read-only connections serves reads, which in WAL
//! mode never wait for the writer. `synchronous = FULL` makes every
//! acknowledged write durable.
#![forbid(unsafe_code)]

mod checkpoint;
mod entities;
mod hooks;
pub mod migrate;
pub mod pool;
mod rows;
mod search_index;
mod search_query;
mod sla;
mod tickets;
mod views;

use async_trait::async_trait;
use pool::{Readers, Writer};
use rows::SqlResultExt;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::Status;
use tessera_core::{
    Department, Event, Message, MessageEdit, Organization, Service, ServiceKind, Ticket, Timestamp, User,
};
use tessera_store::*;

/// Readers in the pool.
const READERS: usize = 4;

/// Tickets indexed per write transaction by a rebuild.
pub const REINDEX_BATCH: u32 = 2000;

/// Prepared statements kept per connection. The store runs about a hundred
/// distinct statements; with rusqlite's default of 16 a busy connection kept
/// evicting and compiling them again (SQLite's parser was a tenth of a
/// ticket read's time).
const STATEMENT_CACHE: usize = 256;

fn configure(conn: &Connection) -> StoreResult<()> {
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.busy_timeout(std::time::Duration::from_secs(10)).db()?;
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -32000;",
    )
    .db()
}

/// Opens a read-only connection.
pub(crate) fn open_reader(path: &Path) -> StoreResult<Connection> {
    let conn =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX).db()?;
    configure(&conn)?;
    Ok(conn)
}

/// Turns on SQLite's query planner stability guarantee: a statement keeps
/// the plan it was prepared with whatever values are bound to it.
fn stable_plans(conn: &Connection) -> StoreResult<()> {
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).db()?;
    Ok(())
}

/// Opens a read-only connection for lookups by key ([`Readers::read_now`]),
/// with SQLite's query planner stability guarantee on. This build of SQLite
/// keeps value statistics (STAT4), and with them a statement whose plan
/// could depend on a bound value is compiled again whenever the value
/// changes: every `messages WHERE ticket_id = ?` was parsed and planned
/// anew, a tenth of a ticket read. A lookup by key has one sensible plan;
/// scans and counts keep the statistics on the other readers. A smaller page
/// cache: lookups touch few pages.
pub(crate) fn open_lookup_reader(path: &Path) -> StoreResult<Connection> {
    let conn = open_reader(path)?;
    stable_plans(&conn)?;
    conn.execute_batch("PRAGMA cache_size = -8000;").db()?;
    Ok(conn)
}

/// Opens (creating if needed) the database at `path` for writing, in WAL
/// mode, and applies pending migrations.
pub fn open_writer(path: &Path) -> StoreResult<Connection> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let conn = Connection::open(path).db()?;
    // The database holds personal data: only its owner reads it (SQLite
    // gives the -wal and -shm files the same mode).
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    conn.busy_timeout(std::time::Duration::from_secs(10)).db()?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).db()?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Backend(format!("cannot switch the database to WAL mode (it is in {mode} mode)")));
    }
    configure(&conn)?;
    // As on the lookup readers (see `open_lookup_reader`): the writer's
    // statements find their rows by key, and without the guarantee SQLite
    // compiled the search index's lookups again for every ticket (a profile
    // with call stacks put 15% of the writer's time in re-preparing them).
    stable_plans(&conn)?;
    migrate::migrate(&conn)?;
    refresh_statistics(&conn, true);
    // Checkpoints run on a thread of their own (`checkpoint`), not inside
    // the writer's commits.
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0;").db()?;
    Ok(conn)
}

/// Lets SQLite refresh the statistics its query planner chooses indexes
/// with (`PRAGMA optimize`), bounded so it never takes long. Without them
/// the planner cannot tell that walking the queue-order index beats
/// sorting a quarter of a million unsolved tickets; at start every table
/// that was never measured (or grew tenfold since) is measured, later only
/// those the running queries suggest. Failure only costs speed.
pub(crate) fn refresh_statistics(conn: &Connection, at_start: bool) {
    let sql = if at_start {
        "PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002;"
    } else {
        "PRAGMA analysis_limit = 1000; PRAGMA optimize;"
    };
    if let Err(e) = conn.execute_batch(sql) {
        tracing::warn!(error = %e, "refreshing the query planner's statistics failed");
    }
}

/// The SQLite store.
#[derive(Clone)]
pub struct SqliteStore {
    writer: Writer,
    /// Stops the checkpoint thread when the last clone is dropped.
    _checkpointer: Arc<checkpoint::Checkpointer>,
    readers: Arc<Readers>,
    path: PathBuf,
    /// Woken after every write that may have added events (one process
    /// owns the file, so an in-process signal reaches every log reader).
    events: Arc<tokio::sync::Notify>,
}

impl SqliteStore {
    /// Opens the database file at `path`, migrating it first.
    pub fn open(path: &Path) -> StoreResult<Self> {
        let conn = open_writer(path)?;
        let writer = Writer::start(conn)?;
        let readers = Readers::new(path, READERS)?;
        let checkpointer = Arc::new(checkpoint::Checkpointer::start(path)?);
        Ok(Self {
            writer,
            _checkpointer: checkpointer,
            readers,
            path: path.to_path_buf(),
            events: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Rebuilds the search index in batches of [`REINDEX_BATCH`] tickets,
    /// each its own write (so the server keeps writing meanwhile), then
    /// merges the index and clears the stale mark.
    pub async fn rebuild_index(&self, observer: Option<ReindexObserver>) -> StoreResult<ReindexStats> {
        let total = self.readers.read(search_index::ticket_count).await?;
        self.writer.write(search_index::clear).await?;
        let mut stats = ReindexStats::default();
        let mut after = 0i64;
        loop {
            let batch = self.writer.write(move |c| search_index::rebuild_batch(c, after, REINDEX_BATCH)).await?;
            let Some(last) = batch.last_id else { break };
            after = last;
            stats.tickets += batch.tickets;
            stats.messages += batch.messages;
            if let Some(o) = &observer {
                o(ReindexProgress { done: stats.tickets, total: total.max(stats.tickets), last_id: TicketId(last) });
            }
        }
        self.writer
            .write(|c: &Connection| {
                search_index::optimize(c)?;
                c.execute("DELETE FROM settings WHERE key = ?1", [search_index::STALE_KEY]).db()?;
                Ok(())
            })
            .await?;
        Ok(stats)
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on an idle reader on a blocking thread: scans, counts,
    /// searches (see [`Readers::read`]).
    pub(crate) async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.readers.read(f).await
    }

    /// Runs `f`, a lookup by key with a small answer, on the calling task
    /// when a lookup reader is idle (see [`Readers::read_now`]).
    pub(crate) async fn lookup<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.readers.read_now(f).await
    }

    /// Runs `f` in the writer's transaction and answers once it is durable
    /// (see [`Writer::write`]).
    pub(crate) async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.writer.write(f).await
    }
}

macro_rules! read {
    ($self:ident, |$c:ident| $body:expr) => {
        $self.readers.read(move |$c: &Connection| $body).await
    };
}

/// A lookup by key with a small answer: see [`Readers::read_now`].
macro_rules! read_now {
    ($self:ident, |$c:ident| $body:expr) => {
        $self.readers.read_now(move |$c: &Connection| $body).await
    };
}

macro_rules! write {
    ($self:ident, |$c:ident| $body:expr) => {
        $self.writer.write(move |$c: &Connection| $body).await
    };
}

#[async_trait]
impl TicketStore for SqliteStore {
    async fn commit(&self, change: ChangeSet) -> StoreResult<CommitOutcome> {
        let outcome = write!(self, |c| tickets::commit(c, change));
        if outcome.is_ok() {
            self.events.notify_waiters();
        }
        outcome
    }
    async fn ticket(&self, id: TicketId) -> StoreResult<Option<Ticket>> {
        read_now!(self, |c| tickets::ticket(c, id))
    }
    async fn ticket_by_number(&self, number: &str) -> StoreResult<Option<Ticket>> {
        let number = number.to_string();
        read_now!(self, |c| tickets::ticket_by_number(c, &number))
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
        read_now!(self, |c| tickets::messages(c, ticket, include_notes))
    }
    async fn message(&self, id: MessageId) -> StoreResult<Option<Message>> {
        read_now!(self, |c| tickets::message(c, id))
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
        read_now!(self, |c| tickets::latest_event_id(c))
    }
    async fn wait_for_events(&self, after: EventId, timeout: std::time::Duration) {
        // Registered before the look at the log, so a commit in between
        // still wakes us.
        let woken = self.events.notified();
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
impl SearchStore for SqliteStore {
    async fn search_tickets(&self, query: &SearchQuery) -> StoreResult<SearchPage> {
        let q = query.clone();
        read!(self, |c| search_query::search(c, &q))
    }
    async fn rebuild_search_index(&self, observer: Option<ReindexObserver>) -> StoreResult<ReindexStats> {
        self.rebuild_index(observer).await
    }
    async fn search_index_stale(&self) -> StoreResult<bool> {
        read!(self, |c| entities::setting(c, search_index::STALE_KEY)).map(|v| v.is_some())
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
impl DirectoryStore for SqliteStore {
    async fn insert_user(&self, user: User) -> StoreResult<User> {
        write!(self, |c| entities::insert_user(c, user))
    }
    async fn update_user(&self, user: &User) -> StoreResult<()> {
        let u = user.clone();
        write!(self, |c| entities::update_user(c, &u))
    }
    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        read_now!(self, |c| entities::user(c, id))
    }
    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let e = email.to_string();
        read_now!(self, |c| entities::user_by_email(c, &e))
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
        read_now!(self, |c| entities::organization(c, id))
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
        read_now!(self, |c| entities::department(c, id))
    }
    async fn list_departments(&self) -> StoreResult<Vec<Department>> {
        read_now!(self, |c| entities::list_departments(c))
    }
    async fn set_department_members(&self, dept: DepartmentId, members: &[UserId]) -> StoreResult<()> {
        let m = members.to_vec();
        write!(self, |c| entities::set_department_members(c, dept, &m))
    }
    async fn department_members(&self, dept: DepartmentId) -> StoreResult<Vec<UserId>> {
        read!(self, |c| entities::department_members(c, dept))
    }
    async fn user_departments(&self, user: UserId) -> StoreResult<Vec<DepartmentId>> {
        read_now!(self, |c| entities::user_departments(c, user))
    }
    async fn insert_service(&self, service: Service) -> StoreResult<Service> {
        write!(self, |c| entities::insert_service(c, service))
    }
    async fn update_service(&self, service: &Service) -> StoreResult<()> {
        let s = service.clone();
        write!(self, |c| entities::update_service(c, &s))
    }
    async fn service(&self, id: ServiceId) -> StoreResult<Option<Service>> {
        read_now!(self, |c| entities::service(c, id))
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
impl CatalogueStore for SqliteStore {
    async fn statuses(&self) -> StoreResult<Vec<Status>> {
        read_now!(self, |c| entities::statuses(c))
    }
    async fn insert_status(&self, status: Status) -> StoreResult<Status> {
        write!(self, |c| entities::insert_status(c, status))
    }
    async fn custom_fields(&self) -> StoreResult<Vec<CustomFieldDef>> {
        read_now!(self, |c| entities::custom_fields(c))
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
        read_now!(self, |c| entities::setting(c, &k))
    }
    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        let (k, v) = (key.to_string(), value.to_string());
        write!(self, |c| entities::set_setting(c, &k, &v))
    }
}

#[async_trait]
impl AccessStore for SqliteStore {
    async fn insert_token(&self, token: TokenRecord) -> StoreResult<TokenRecord> {
        write!(self, |c| entities::insert_token(c, token))
    }
    async fn token_by_identifier(&self, identifier: &str) -> StoreResult<Option<TokenRecord>> {
        let i = identifier.to_string();
        read_now!(self, |c| entities::token_by_identifier(c, &i))
    }
    async fn token(&self, id: TokenId) -> StoreResult<Option<TokenRecord>> {
        read_now!(self, |c| entities::token(c, id))
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
