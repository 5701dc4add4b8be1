//! The connections: one writer thread that owns the only writing connection,
//! and a pool of read-only connections, so reads never wait for writes (WAL).
//!
//! The writer commits in groups: it takes every job that is waiting (up to
//! [`MAX_BATCH`]), runs each in its own savepoint inside one transaction, and
//! commits once. With `synchronous = FULL` a commit is one fsync, so a burst of
//! writes costs one disk flush instead of one each, and every job is
//! acknowledged only after the flush that made it durable. A job that fails
//! rolls back to its savepoint and leaves the others untouched.

use rusqlite::Connection;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tessera_store::{StoreError, StoreResult};
use tokio::sync::{Semaphore, mpsc, oneshot};

/// Most jobs committed together.
pub const MAX_BATCH: usize = 256;

trait Job: Send {
    /// Runs the job inside the open transaction; true when it succeeded.
    fn run(&mut self, conn: &Connection) -> bool;
    /// Delivers the result once the transaction's fate is known.
    fn finish(self: Box<Self>, commit: Result<(), String>);
}

struct WriteJob<T, F> {
    f: Option<F>,
    result: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
}

impl<T, F> Job for WriteJob<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let Some(f) = self.f.take() else { return false };
        let r = match std::panic::catch_unwind(AssertUnwindSafe(|| f(conn))) {
            Ok(r) => r,
            Err(_) => Err(StoreError::Backend("a write job panicked".into())),
        };
        let ok = r.is_ok();
        self.result = Some(r);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), String>) {
        let me = *self;
        let out = match (me.result, commit) {
            (Some(Ok(v)), Ok(())) => Ok(v),
            (Some(Ok(_)), Err(e)) => Err(StoreError::Backend(format!("commit failed: {e}"))),
            (Some(Err(e)), _) => Err(e),
            (None, _) => Err(StoreError::Backend("the write job did not run".into())),
        };
        let _ = me.reply.send(out);
    }
}

/// Sends write jobs to the writer thread.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::UnboundedSender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub fn start(conn: Connection) -> StoreResult<Self> {
        let (tx, rx) = mpsc::unbounded_channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("tessera-sqlite-writer".into())
            .spawn(move || writer_loop(conn, rx))
            .map_err(|e| StoreError::Backend(format!("cannot start the writer thread: {e}")))?;
        Ok(Self { tx })
    }

    /// Runs `f` in a write transaction and answers once it is durable.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        let job = WriteJob { f: Some(f), result: None, reply };
        self.tx.send(Box::new(job)).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}

/// How often the writer lets SQLite refresh its planner statistics.
const STATISTICS_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

fn writer_loop(conn: Connection, mut rx: mpsc::UnboundedReceiver<Box<dyn Job>>) {
    let mut statistics_at = std::time::Instant::now();
    while let Some(first) = rx.blocking_recv() {
        if statistics_at.elapsed() >= STATISTICS_EVERY {
            crate::refresh_statistics(&conn, false);
            statistics_at = std::time::Instant::now();
        }
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(e) = run_cached(&conn, "BEGIN IMMEDIATE") {
            let msg = e.to_string();
            for job in batch {
                job.finish(Err(msg.clone()));
            }
            continue;
        }
        crate::search_index::begin_batch();
        for job in &mut batch {
            if run_cached(&conn, "SAVEPOINT job").is_err() {
                continue;
            }
            if job.run(&conn) {
                let _ = run_cached(&conn, "RELEASE job");
            } else {
                let _ = run_cached(&conn, "ROLLBACK TO job").and_then(|_| run_cached(&conn, "RELEASE job"));
            }
        }
        finish_search_index(&conn);
        let commit = run_cached(&conn, "COMMIT").map_err(|e| e.to_string());
        if commit.is_err() {
            let _ = run_cached(&conn, "ROLLBACK");
        }
        for job in batch {
            job.finish(commit.clone());
        }
    }
}

/// Rewrites the search documents of the tickets the batch changed, in the
/// batch's transaction (see [`crate::search_index::reindex`]). Should that
/// fail, the writes stand and the index is marked stale, to be rebuilt at
/// the next start.
fn finish_search_index(conn: &Connection) {
    if run_cached(conn, "SAVEPOINT search").is_err() {
        // Without a savepoint nothing can be undone: the index waits for a rebuild.
        crate::search_index::finish_batch_skipped();
        let _ = crate::search_index::mark_stale(conn);
        return;
    }
    match crate::search_index::finish_batch(conn) {
        Ok(()) => {
            let _ = run_cached(conn, "RELEASE search");
        }
        Err(e) => {
            tracing::error!(error = %e, "the search index could not be updated; it is rebuilt at the next start");
            let _ = run_cached(conn, "ROLLBACK TO search").and_then(|_| run_cached(conn, "RELEASE search"));
            let _ = crate::search_index::mark_stale(conn);
        }
    }
}

/// Runs a statement from the connection's cache (the savepoint statements
/// run twice per write; parsing them each time showed in profiles).
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(drop)
}

/// Read-only connections: `size` for reads on the blocking pool, each used by
/// one task at a time, and a few more for lookups by key on the calling task
/// ([`Readers::read_now`]).
pub struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    permits: Semaphore,
    lookups: Mutex<Vec<Connection>>,
}

impl Readers {
    /// A pool of `size` readers of the database at `path`, and one lookup
    /// connection per core (at least 2, at most 8): the async workers, one
    /// per core, are all that use them.
    pub fn new(path: &Path, size: usize) -> StoreResult<Arc<Self>> {
        let mut idle = Vec::with_capacity(size);
        for _ in 0..size {
            idle.push(crate::open_reader(path)?);
        }
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8);
        let mut lookups = Vec::with_capacity(cores);
        for _ in 0..cores {
            lookups.push(crate::open_lookup_reader(path)?);
        }
        Ok(Arc::new(Self {
            path: path.to_path_buf(),
            idle: Mutex::new(idle),
            permits: Semaphore::new(size),
            lookups: Mutex::new(lookups),
        }))
    }

    /// Runs a short read (a lookup by key with a small answer) right here on
    /// the calling task when a reader is idle, otherwise as [`Readers::read`]
    /// does. Such a lookup takes microseconds from SQLite's page cache;
    /// handing it to a blocking thread and back cost more than the lookup
    /// itself (two thread switches; docs/benchmarks.md, "Findings"). Scans,
    /// counts and searches keep to [`Readers::read`], so a long query never
    /// holds up the tasks of an async worker.
    pub async fn read_now<T, F>(self: &Arc<Self>, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let conn = self.lookups.lock().map_err(|_| StoreError::Closed)?.pop();
        let Some(conn) = conn else {
            return self.read(f).await;
        };
        let r = std::panic::catch_unwind(AssertUnwindSafe(|| f(&conn)))
            .unwrap_or_else(|_| Err(StoreError::Backend("a read panicked".into())));
        if let Ok(mut lookups) = self.lookups.lock() {
            lookups.push(conn);
        }
        r
    }

    /// Runs `f` on an idle reader on a blocking thread.
    pub async fn read<T, F>(self: &Arc<Self>, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(|_| StoreError::Closed)?;
        let conn = self.idle.lock().map_err(|_| StoreError::Closed)?.pop();
        let conn = match conn {
            Some(c) => c,
            None => crate::open_reader(&self.path)?,
        };
        let this = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let r = f(&conn);
            if let Ok(mut idle) = this.idle.lock() {
                idle.push(conn);
            }
            r
        })
        .await
        .map_err(|e| StoreError::Backend(format!("a read task failed: {e}")))?
    }
}
