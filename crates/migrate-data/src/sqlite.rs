//! The SQLite end of a copy. SQLite connections are synchronous, so each
//! side of a copy runs on its own thread and trades batches of rows with the
//! PostgreSQL side through bounded channels: the whole source is read in one
//! read transaction, the whole target written in one write transaction.

use crate::checksum::{Summer, TableSum};
use crate::value::Val;
use crate::{MigrateError, derived};
use rusqlite::{Connection, OpenFlags};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use tokio::sync::mpsc;

/// Rows per batch between the two sides.
pub const BATCH: usize = 500;

/// A table to copy.
#[derive(Debug, Clone)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// Its columns, in the table's order.
    pub columns: Vec<String>,
}

/// The tables to copy, every table after the tables it refers to.
#[derive(Debug, Clone)]
pub struct Layout {
    /// In dependency order.
    pub tables: Vec<Table>,
}

impl Layout {
    /// The query that reads table number `i`'s rows.
    pub fn select(&self, i: usize) -> String {
        let t = &self.tables[i];
        format!("SELECT {} FROM {}", quoted(&t.columns), ident(&t.name))
    }
}

/// A quoted identifier.
pub fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quoted, comma-separated column names.
pub fn quoted(columns: &[String]) -> String {
    columns.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ")
}

fn open(path: &Path, write: bool) -> Result<Connection, MigrateError> {
    let flags = if write {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    Ok(conn)
}

/// Reads the tables to copy and orders them by their foreign keys.
pub fn layout(path: &Path) -> Result<Layout, MigrateError> {
    let conn = open(path, false)?;
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let names: Vec<String> = names.into_iter().filter(|n| !derived(n)).collect();
    let mut columns = BTreeMap::new();
    let mut refers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in &names {
        let cols: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info({})", literal(n)))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let deps: Vec<String> = conn
            .prepare(&format!("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list({})", literal(n)))?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        columns.insert(n.clone(), cols);
        refers.insert(n.clone(), deps);
    }
    // Depth-first: a table comes after what it refers to (self-references
    // and cycles are left to the deferred constraint check).
    fn visit(n: &str, refers: &BTreeMap<String, Vec<String>>, seen: &mut HashSet<String>, out: &mut Vec<String>) {
        if !seen.insert(n.to_string()) {
            return;
        }
        for d in refers.get(n).into_iter().flatten() {
            if refers.contains_key(d) {
                visit(d, refers, seen, out);
            }
        }
        out.push(n.to_string());
    }
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    for n in &names {
        visit(n, &refers, &mut seen, &mut order);
    }
    let tables = order
        .into_iter()
        .map(|name| {
            let columns = columns.remove(&name).unwrap_or_default();
            Table { name, columns }
        })
        .collect();
    Ok(Layout { tables })
}

/// An SQL string literal.
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The first `n` columns of a row.
fn values(row: &rusqlite::Row<'_>, n: usize) -> Result<Vec<Val>, MigrateError> {
    (0..n).map(|c| Ok(Val::from(row.get::<_, rusqlite::types::Value>(c)?))).collect()
}

/// Refuses a target that already holds an installation.
pub fn check_empty(path: &Path) -> Result<(), MigrateError> {
    let conn = open(path, false)?;
    for t in ["users", "tickets"] {
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?;
        if n > 0 {
            return Err(MigrateError::Refused(format!(
                "the target already holds an installation ({n} {t}); copy into a new, empty database"
            )));
        }
    }
    Ok(())
}

/// Rows of every table of `layout`, in batches tagged with the table's
/// index; the source's row count per table first.
pub enum Batch {
    /// The number of rows each table holds (sent once, first).
    Totals(Vec<u64>),
    /// Rows of table number `.0`.
    Rows(usize, Vec<Vec<Val>>),
}

/// Reads the whole source in one read transaction on a thread of its own.
pub fn spawn_reader(
    path: PathBuf,
    layout: Layout,
) -> (mpsc::Receiver<Batch>, std::thread::JoinHandle<Result<(), MigrateError>>) {
    let (tx, rx) = mpsc::channel(4);
    let handle = std::thread::spawn(move || -> Result<(), MigrateError> {
        let mut conn = open(&path, false)?;
        let read = conn.transaction()?;
        let mut totals = Vec::new();
        for t in &layout.tables {
            let n: i64 = read.query_row(&format!("SELECT count(*) FROM {}", ident(&t.name)), [], |r| r.get(0))?;
            totals.push(u64::try_from(n).unwrap_or(0));
        }
        if tx.blocking_send(Batch::Totals(totals)).is_err() {
            return Ok(());
        }
        for (i, t) in layout.tables.iter().enumerate() {
            let mut stmt = read.prepare(&layout.select(i))?;
            let mut rows = stmt.query([])?;
            let mut batch = Vec::with_capacity(BATCH);
            while let Some(row) = rows.next()? {
                let vals = values(row, t.columns.len())?;
                batch.push(vals);
                if batch.len() == BATCH && tx.blocking_send(Batch::Rows(i, std::mem::take(&mut batch))).is_err() {
                    // The writer gave up; its error is the one to report.
                    return Ok(());
                }
            }
            if !batch.is_empty() && tx.blocking_send(Batch::Rows(i, batch)).is_err() {
                return Ok(());
            }
        }
        Ok(())
    });
    (rx, handle)
}

/// What the writer thread is told.
pub enum Write {
    /// Insert rows into table number `.0`.
    Rows(usize, Vec<Vec<Val>>),
    /// Everything is sent: commit.
    Commit,
}

/// Writes the whole target in one transaction on a thread of its own:
/// first it empties the tables (what the migrations seeded), then inserts
/// what it is sent, then commits on [`Write::Commit`] — or rolls back if the
/// channel closes without it.
pub fn spawn_writer(
    path: PathBuf,
    layout: Layout,
) -> (mpsc::Sender<Write>, std::thread::JoinHandle<Result<bool, MigrateError>>) {
    let (tx, mut rx) = mpsc::channel::<Write>(4);
    let handle = std::thread::spawn(move || -> Result<bool, MigrateError> {
        let mut conn = open(&path, true)?;
        // Rows arrive table by table, not in reference order within a table;
        // the references are checked once at the end instead.
        conn.execute_batch("PRAGMA foreign_keys = OFF")?;
        let write = conn.transaction()?;
        for t in layout.tables.iter().rev() {
            write.execute(&format!("DELETE FROM {}", ident(&t.name)), [])?;
        }
        // The tally's triggers counted down as tickets went; start it clean.
        write.execute_batch("DELETE FROM ticket_counts")?;
        let inserts: Vec<String> = layout
            .tables
            .iter()
            .map(|t| {
                let marks = vec!["?"; t.columns.len()].join(", ");
                format!("INSERT INTO {} ({}) VALUES ({marks})", ident(&t.name), quoted(&t.columns))
            })
            .collect();
        let mut committed = false;
        while let Some(msg) = rx.blocking_recv() {
            match msg {
                Write::Rows(i, rows) => {
                    let mut stmt = write.prepare_cached(&inserts[i])?;
                    for row in rows {
                        let vals: Vec<rusqlite::types::Value> = row.into_iter().map(Into::into).collect();
                        stmt.execute(rusqlite::params_from_iter(vals))?;
                    }
                }
                Write::Commit => {
                    let broken: i64 =
                        write.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
                    if broken > 0 {
                        return Err(MigrateError::Mismatch(format!(
                            "{broken} rows refer to rows the source does not have"
                        )));
                    }
                    committed = true;
                    break;
                }
            }
        }
        if committed {
            write.commit()?;
        } else {
            drop(write);
        }
        conn.execute_batch("PRAGMA foreign_keys = ON")?;
        Ok(committed)
    });
    (tx, handle)
}

/// Counts and checksums every table of the layout.
pub fn sums(path: &Path, layout: &Layout) -> Result<Vec<TableSum>, MigrateError> {
    let mut conn = open(path, false)?;
    let read = conn.transaction()?;
    let mut out = Vec::new();
    for (i, t) in layout.tables.iter().enumerate() {
        let mut summer = Summer::new(&t.name);
        let mut stmt = read.prepare(&layout.select(i))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let vals = values(row, t.columns.len())?;
            summer.add(&vals);
        }
        out.push(summer.finish());
    }
    Ok(out)
}
