//! The SQLite backend of the [`Store`] trait: Tessera's embedded default.
//!
//! One writer thread owns the only writing connection and commits in groups
//! (see [`pool`]); a pool of read-only connections serves reads, which in WAL
//! mode never wait for the writer. `synchronous = FULL` makes every
//! acknowledged write durable.
//!
//! Each of the store's sub-traits is implemented in the module that holds
//! its SQL (`tickets`, `search_query`, `directory`, `catalogue`, `access`,
//! `views`, `hooks`, `sla`); a method says where its statements run —
//! `read` (scans, counts, searches on the blocking pool), `lookup` (a lookup by
//! key on the calling task) or `write` (the writer thread). The SQL both
//! backends share, with SQLite's spelling ([`tessera_store::sql::SQLITE`]),
//! is in [`tessera_store::sql`].
#![forbid(unsafe_code)]

mod access;
mod catalogue;
mod checkpoint;
mod directory;
mod drafts;
mod hooks;
mod mail;
mod mailboxes;
pub mod migrate;
mod outbound;
pub mod pool;
mod rows;
mod search_index;
mod search_query;
mod sla;
mod tickets;
mod views;

use pool::{Readers, Writer};
use rows::SqlResultExt;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
