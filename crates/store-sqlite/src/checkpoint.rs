//! Checkpoints on a thread of their own.
//!
//! In WAL mode every commit appends pages to the `-wal` file, and a
//! checkpoint copies them back into the database file. By default the
//! connection that commits runs one whenever the WAL passes 1,000 pages,
//! inside that commit: on the writer thread, the one thread every write
//! waits for. A profile of replies at concurrency 32 put a fifth of the
//! writer's time there. The writer's automatic checkpoints are off
//! (`wal_autocheckpoint = 0`), and this thread runs a `PASSIVE` checkpoint
//! (it never blocks the writer or a reader) every [`EVERY`] on a connection of
//! its own, so the copying runs on the other core while the writer goes on.
//! A WAL whose pages are all copied starts again from its beginning only
//! when no reader is looking at it, which under a steady load of reads may
//! not happen for a long time; and a WAL left behind by a stop is read whole
//! by the next start (64 MB of it made the cold start 220 ms instead of 40).
//! So when the WAL has grown past [`TRUNCATE_PAGES`], a `TRUNCATE`
//! checkpoint, which waits for the writer and the readers for at most the
//! busy timeout, empties it.

use crate::rows::SqlResultExt;
use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;
use tessera_store::{StoreError, StoreResult};

/// How often the checkpointer looks at the WAL.
pub const EVERY: Duration = Duration::from_millis(200);

/// WAL pages (4 KiB each) beyond which a checkpoint also empties the WAL.
pub const TRUNCATE_PAGES: i64 = 4_096;

/// The checkpoint thread; it stops when this is dropped.
pub struct Checkpointer {
    _stop: mpsc::Sender<()>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`.
    pub fn start(path: &Path) -> StoreResult<Self> {
        let conn = Connection::open(path).db()?;
        conn.busy_timeout(Duration::from_secs(2)).db()?;
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("tessera-sqlite-checkpoint".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    checkpoint(&conn);
                }
            })
            .map_err(|e| StoreError::Backend(format!("cannot start the checkpoint thread: {e}")))?;
        Ok(Self { _stop: stop })
    }
}

/// One round: copy what can be copied; empty the WAL when it grew long.
fn checkpoint(conn: &Connection) {
    let passive =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)));
    match passive {
        Ok((log, _)) if log > TRUNCATE_PAGES => {
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "emptying the WAL failed; the next round tries again");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "a checkpoint failed; the next round tries again"),
    }
}
