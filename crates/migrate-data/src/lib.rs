//! `tessera migrate-data`: copies a whole installation from SQLite to
//! PostgreSQL or back, and proves the copy.
//!
//! Both stores keep the same tables with the same columns and value kinds
//! (integers, 0/1 flags and millisecond timestamps as integers, text, bytes),
//! so the copy is table by table, row by row, ids included. Tables that are
//! only a backend's mechanism are not copied: the search index (rebuilt on
//! the target at the end through the store, so it is made by the target's
//! own means) and the view-count tally (kept by the target's triggers while
//! the tickets go in).
//!
//! The whole copy is one transaction on the target: it lands completely or
//! not at all. The target must be a new installation (migrated or not, but
//! with no users and no tickets); what its migrations seeded (the default
//! statuses and views) is replaced by the source's. The source is read in
//! one read transaction, so a server that still runs gives a consistent
//! snapshot — but writes it accepts after that are not copied, so stop the
//! instances first (docs/deploy.md).
//!
//! At the end every table is counted and checksummed on both sides; the
//! checksum is independent of row order and of the backend (a SHA-256 of
//! each row's canonical form, summed).
#![forbid(unsafe_code)]

mod checksum;
mod pg;
mod sqlite;
mod value;

pub use checksum::TableSum;

use std::path::PathBuf;
use tessera_store::{ReindexProgress, StoreError};
use thiserror::Error;

/// One end of a copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// An SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl Endpoint {
    /// How the endpoint is named in messages (a PostgreSQL URL's password is
    /// never shown).
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(p) => format!("SQLite {}", p.display()),
            Self::Postgres(url) => format!("PostgreSQL {}", redact(url)),
        }
    }
}

/// A URL without its password.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let Some((auth, host)) = rest.rsplit_once('@') else { return url.to_string() };
    let user = auth.split(':').next().unwrap_or("");
    format!("{scheme}://{user}@{host}")
}

/// Why a copy did not happen or did not verify.
#[derive(Debug, Error)]
pub enum MigrateError {
    /// The request cannot be carried out (same endpoint twice, a target
    /// that already holds an installation, an unsupported direction).
    #[error("{0}")]
    Refused(String),
    /// The two schemas differ (an older version at one end).
    #[error("the schemas differ: {0}")]
    Schema(String),
    /// A value does not fit the target column.
    #[error("table {table}, column {column}: {problem}")]
    Value {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What is wrong.
        problem: String,
    },
    /// SQLite failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// Opening or reindexing through the store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The copy does not match its source.
    #[error("verification failed: {0}")]
    Mismatch(String),
}

/// What the copy reports while it runs.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Rows copied so far, of all tables.
    Rows {
        /// The table being copied.
        table: String,
        /// Rows copied in all tables.
        done: u64,
        /// Rows to copy in all tables.
        total: u64,
    },
    /// The copy is verified; the search index is being rebuilt.
    Reindex(ReindexProgress),
}

/// The outcome of a verified copy.
#[derive(Debug, Clone)]
pub struct Report {
    /// Every copied table with its row count and checksum (equal on both
    /// sides, or the copy fails).
    pub tables: Vec<TableSum>,
    /// Tickets indexed on the target.
    pub indexed: u64,
}

/// Tables that are a backend's own mechanism, rebuilt rather than copied.
pub(crate) fn derived(table: &str) -> bool {
    table == "schema_migrations"
        || table.starts_with("search_")
        || table.starts_with("ticket_counts")
        || table.starts_with("sqlite_")
}

/// Copies the installation at `from` into the new installation at `to`,
/// verifies it table by table and rebuilds the target's search index.
pub async fn migrate_data(
    from: &Endpoint,
    to: &Endpoint,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Report, MigrateError> {
    if from == to {
        return Err(MigrateError::Refused("the source and the target are the same".into()));
    }
    // Both ends at the current schema: opening a store migrates it.
    drop(open_store(from).await?);
    let target = open_store(to).await?;
    let tables = match (from, to) {
        (Endpoint::Sqlite(src), Endpoint::Postgres(dst)) => {
            let layout = sqlite::layout(src)?;
            let mut dst = pg::Db::connect(dst).await?;
            let types = dst.types(&layout).await?;
            dst.check_empty().await?;
            let (rx, reader) = sqlite::spawn_reader(src.clone(), layout.clone());
            let filled = dst.fill(&layout, &types, rx, progress).await;
            let read = reader.join().map_err(|_| MigrateError::Refused("the SQLite reader failed".into()))?;
            read?;
            let sums = filled?;
            compare(&sums, &dst.sums(&layout).await?)?;
            sums
        }
        (Endpoint::Postgres(src), Endpoint::Sqlite(dst)) => {
            let layout = sqlite::layout(dst)?;
            let mut src = pg::Db::connect(src).await?;
            src.types(&layout).await?;
            sqlite::check_empty(dst)?;
            let (tx, writer) = sqlite::spawn_writer(dst.clone(), layout.clone());
            let read = src.read_into(&layout, tx, progress).await;
            let written = writer.join().map_err(|_| MigrateError::Refused("the SQLite writer failed".into()))?;
            // The writer's error explains a failed read better than "stopped".
            let committed = written?;
            let sums = read?;
            if !committed {
                return Err(MigrateError::Refused("the copy was not committed".into()));
            }
            compare(&sums, &sqlite::sums(dst, &layout)?)?;
            sums
        }
        _ => {
            return Err(MigrateError::Refused(
                "copies go from SQLite to PostgreSQL or from PostgreSQL to SQLite".into(),
            ));
        }
    };
    let mut observe = |p: ReindexProgress| progress(Progress::Reindex(p));
    let stats = reindex(&target, &mut observe).await?;
    Ok(Report { tables, indexed: stats })
}

/// A store opened (and so migrated) at an endpoint.
async fn open_store(at: &Endpoint) -> Result<std::sync::Arc<dyn tessera_store::Store>, MigrateError> {
    Ok(match at {
        Endpoint::Sqlite(path) => std::sync::Arc::new(tessera_store_sqlite::SqliteStore::open(path)?),
        Endpoint::Postgres(url) => std::sync::Arc::new(tessera_store_postgres::PgStore::connect(url).await?),
    })
}

/// Rebuilds the target's search index through its store.
async fn reindex(
    store: &std::sync::Arc<dyn tessera_store::Store>,
    observe: &mut (dyn FnMut(ReindexProgress) + Send),
) -> Result<u64, MigrateError> {
    // The observer must be 'static; progress goes through a channel.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let observer: tessera_store::ReindexObserver = std::sync::Arc::new(move |p: ReindexProgress| {
        let _ = tx.send(p);
    });
    let store = std::sync::Arc::clone(store);
    let job = tokio::spawn(async move { store.rebuild_search_index(Some(observer)).await });
    while let Some(p) = rx.recv().await {
        observe(p);
    }
    let stats = job.await.map_err(|e| MigrateError::Refused(format!("the reindex stopped: {e}")))??;
    Ok(stats.tickets)
}

/// Compares what was read from the source with what the target now holds.
fn compare(source: &[TableSum], target: &[TableSum]) -> Result<(), MigrateError> {
    for (a, b) in source.iter().zip(target) {
        if a != b {
            return Err(MigrateError::Mismatch(format!(
                "table {}: the source has {} rows (checksum {}), the target {} rows (checksum {})",
                a.table, a.rows, a.checksum, b.rows, b.checksum
            )));
        }
    }
    if source.len() != target.len() {
        return Err(MigrateError::Mismatch("the number of tables differs".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_appear_in_descriptions() {
        let e = Endpoint::Postgres("postgres://tessera:s3cret@127.0.0.1:5432/desk".into());
        assert_eq!(e.describe(), "PostgreSQL postgres://tessera@127.0.0.1:5432/desk");
        let e = Endpoint::Postgres("postgres://127.0.0.1/desk".into());
        assert_eq!(e.describe(), "PostgreSQL postgres://127.0.0.1/desk");
    }

    #[test]
    fn backend_mechanisms_are_not_copied() {
        assert!(derived("search_index"));
        assert!(derived("ticket_counts"));
        assert!(derived("schema_migrations"));
        assert!(!derived("tickets"));
        assert!(!derived("settings"));
    }
}
