//! rusqlite under the shared SQL: errors, parameters, rows. The columns and
//! the mapping of rows to records are the shared ones
//! ([`tessera_store::sql::rows`]).

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension, Row, ffi};
use std::sync::LazyLock;
use tessera_store::sql::{SqlRow, Value};
use tessera_store::{StoreError, StoreResult};

pub use tessera_store::sql::rows::*;

/// Turns rusqlite errors into store errors.
pub trait SqlResultExt<T> {
    /// Maps the error.
    fn db(self) -> StoreResult<T>;
}

impl<T> SqlResultExt<T> for Result<T, rusqlite::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(map_err)
    }
}

/// Maps a rusqlite error: unique violations become `Duplicate` (naming the
/// column), foreign-key violations `InvalidReference`, a store error raised
/// while reading a row (see [`read`]) itself, the rest `Backend`.
pub fn map_err(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, msg) => match f.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                let col = msg
                    .as_deref()
                    .and_then(|m| m.rsplit(['.', ' ']).next())
                    .unwrap_or("value")
                    .trim_end_matches("_key");
                let col = if col.is_empty() { "key" } else { col };
                StoreError::Duplicate(col.to_string())
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => StoreError::InvalidReference("a referenced row does not exist".into()),
            _ => StoreError::Backend(rusqlite::Error::SqliteFailure(f, msg).to_string()),
        },
        rusqlite::Error::FromSqlConversionFailure(i, t, inner) => match inner.downcast::<StoreError>() {
            Ok(e) => *e,
            Err(other) => StoreError::Backend(rusqlite::Error::FromSqlConversionFailure(i, t, other).to_string()),
        },
        e => StoreError::Backend(e.to_string()),
    }
}

/// Every row of a (cached) statement, read with `f`.
pub fn collect<T>(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    f: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).db()?;
    stmt.query_map(args, f).db()?.collect::<Result<Vec<_>, _>>().db()
}

/// The first row of a (cached) statement, if any, read with `f`.
pub fn get<T>(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    f: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> StoreResult<Option<T>> {
    conn.prepare_cached(sql).db()?.query_row(args, f).optional().db()
}

/// `NotFound` unless the statement changed exactly one row.
pub fn one_row(changed: usize) -> StoreResult<()> {
    if changed == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// A rusqlite row as the shared record readers read it.
struct SqliteRow<'a, 'r>(&'a Row<'r>);

impl SqlRow for SqliteRow<'_, '_> {
    fn int64(&self, i: usize) -> StoreResult<Option<i64>> {
        self.0.get(i).db()
    }
    fn string(&self, i: usize) -> StoreResult<Option<String>> {
        self.0.get(i).db()
    }
    fn column_name(&self, i: usize) -> String {
        self.0.as_ref().column_name(i).map_or_else(|_| format!("#{i}"), str::to_string)
    }
}

/// A shared record reader as rusqlite's row callbacks take it (its error
/// comes back out of [`map_err`] as it was).
pub fn read<T>(f: fn(&dyn SqlRow) -> StoreResult<T>) -> impl Fn(&Row<'_>) -> rusqlite::Result<T> {
    move |r: &Row<'_>| {
        f(&SqliteRow(r))
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Null, Box::new(e)))
    }
}

/// A shared statement parameter (see [`tessera_store::sql`]) as rusqlite
/// binds it, borrowed.
pub struct Bind<'a>(pub &'a Value);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Value::Null => ValueRef::Null,
            Value::Int(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Ints(_) | Value::Texts(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure("SQLite takes no array parameters".into()));
            }
        }))
    }
}

/// Values as statement parameters.
pub fn bound(values: &[Value]) -> impl rusqlite::Params + '_ {
    rusqlite::params_from_iter(values.iter().map(Bind))
}

/// `INSERT INTO tickets (...) VALUES (?1, ...)`.
pub static TICKET_INSERT: LazyLock<String> = LazyLock::new(|| {
    let placeholders: Vec<String> = (1..=TICKET_FIELDS.len()).map(|i| format!("?{i}")).collect();
    format!("INSERT INTO tickets ({}) VALUES ({})", TICKET_FIELDS.join(", "), placeholders.join(", "))
});

/// `UPDATE tickets SET ... WHERE id = ?39 AND version = ?40`.
pub static TICKET_UPDATE: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = TICKET_FIELDS.iter().enumerate().map(|(i, c)| format!("{c} = ?{}", i + 1)).collect();
    let n = TICKET_FIELDS.len();
    format!("UPDATE tickets SET {} WHERE id = ?{} AND version = ?{}", sets.join(", "), n + 1, n + 2)
});
