//! tokio-postgres under the shared SQL: errors, parameters, rows. The
//! columns and the mapping of rows to records are the shared ones
//! ([`tessera_store::sql::rows`]).

use bytes::BytesMut;
use std::sync::LazyLock;
use tessera_store::sql::{POSTGRES, SqlRow, Value};
use tessera_store::{StoreError, StoreResult};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{IsNull, ToSql, Type};

pub use tessera_store::sql::RowExt;
pub use tessera_store::sql::rows::*;

/// A shared statement parameter (see [`tessera_store::sql`]) as the driver
/// binds it, borrowed. Each value is checked against the statement's
/// parameter type as the driver checks its own; `NULL` fits any.
#[derive(Debug)]
pub struct Bind<'a>(pub &'a Value);

impl ToSql for Bind<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.to_sql_checked(ty, out)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => v.to_sql_checked(ty, out),
            Value::Real(v) => v.to_sql_checked(ty, out),
            Value::Text(v) => v.to_sql_checked(ty, out),
            Value::Ints(v) => v.to_sql_checked(ty, out),
            Value::Texts(v) => v.to_sql_checked(ty, out),
        }
    }
}

/// A fragment's values as the driver borrows them (see [`binds`]).
pub fn bound<'a>(binds: &'a [Bind<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect()
}

/// A fragment's values, ready to borrow with [`bound`].
pub fn binds(values: &[Value]) -> Vec<Bind<'_>> {
    values.iter().map(Bind).collect()
}

/// Numbers the `?` placeholders of SQL written SQLite-style (`$1`, `$2`…),
/// so conditions can be assembled piece by piece without counting. The SQL
/// must hold no other `?` (no JSON operators, no `?` in literals).
pub fn numbered(sql: &str) -> String {
    POSTGRES.finish(sql).into_owned()
}

/// A boolean as its stored 0/1.
pub fn b(v: bool) -> i64 {
    i64::from(v)
}

/// Turns driver errors into store errors.
pub trait PgResultExt<T> {
    /// Maps the error (see [`map_err`]).
    fn db(self) -> StoreResult<T>;
}

impl<T> PgResultExt<T> for Result<T, tokio_postgres::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(map_err)
    }
}

/// Maps a driver error: unique violations become `Duplicate` (naming the
/// column from the constraint's name, never from the offending value, which
/// may be personal data), foreign-key violations `InvalidReference`,
/// deadlocks and serialization failures `VersionConflict`, a database that
/// cannot be reached or is shutting down `Unavailable` (a 503: worth a
/// retry), the rest `Backend`.
pub fn map_err(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        if *db.code() == SqlState::UNIQUE_VIOLATION {
            return StoreError::Duplicate(duplicate_name(db.table(), db.constraint()));
        }
        if *db.code() == SqlState::FOREIGN_KEY_VIOLATION {
            return StoreError::InvalidReference("a referenced row does not exist".into());
        }
        // PostgreSQL text cannot hold NUL (SQLite's can): a text holding
        // one is refused as bad input, not a fault of the database.
        if *db.code() == SqlState::CHARACTER_NOT_IN_REPERTOIRE || *db.code() == SqlState::UNTRANSLATABLE_CHARACTER {
            return StoreError::InvalidReference("the text holds a NUL character".into());
        }
        // Two writers crossed (rows locked in opposite orders, or a
        // serializable snapshot went stale): one was rolled back. Like a
        // failed version check, the caller re-reads and tries again.
        if *db.code() == SqlState::T_R_DEADLOCK_DETECTED || *db.code() == SqlState::T_R_SERIALIZATION_FAILURE {
            return StoreError::VersionConflict;
        }
        // Shutting down, starting up, too many connections: not our fault.
        let class = db.code().code();
        if class.starts_with("57P") || class.starts_with("08") || *db.code() == SqlState::TOO_MANY_CONNECTIONS {
            return StoreError::Unavailable(format!("{class}: {}", db.message()));
        }
        // The message names the problem; the detail could quote values.
        return StoreError::Backend(format!("{}: {}", db.code().code(), db.message()));
    }
    // No answer from the server at all: a closed or refused connection.
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return StoreError::Unavailable(e.to_string());
    }
    StoreError::Backend(e.to_string())
}

/// `users_email_key_key` on `users` → `email`; `statuses_pkey` → `key`.
fn duplicate_name(table: Option<&str>, constraint: Option<&str>) -> String {
    let Some(c) = constraint else { return "value".into() };
    let c = table.and_then(|t| c.strip_prefix(t)).map_or(c, |rest| rest.trim_start_matches('_'));
    let c = c.trim_end_matches("_key").trim_end_matches("_pkey");
    if c.is_empty() || c == "pkey" || c == "key" { "key".into() } else { c.to_string() }
}

/// `INSERT INTO tickets (...) VALUES ($1, ...) ON CONFLICT (number) DO
/// NOTHING RETURNING id`: no row back means the random number was taken.
pub static TICKET_INSERT: LazyLock<String> = LazyLock::new(|| {
    let placeholders: Vec<String> = (1..=TICKET_FIELDS.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO tickets ({}) VALUES ({}) ON CONFLICT (number) DO NOTHING RETURNING id",
        TICKET_FIELDS.join(", "),
        placeholders.join(", ")
    )
});

/// `UPDATE tickets SET ... WHERE id = $39 AND version = $40`.
pub static TICKET_UPDATE: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = TICKET_FIELDS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
    let n = TICKET_FIELDS.len();
    format!("UPDATE tickets SET {} WHERE id = ${} AND version = ${}", sets.join(", "), n + 1, n + 2)
});

/// The id an `INSERT … RETURNING id` answered.
pub fn new_id(row: &Row) -> StoreResult<i64> {
    PgRow(row).int(0)
}

/// `NotFound` unless the statement changed exactly one row.
pub fn one_row(changed: u64) -> StoreResult<()> {
    if changed == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// A driver row as the shared record readers read it.
pub struct PgRow<'a>(pub &'a Row);

impl SqlRow for PgRow<'_> {
    fn int64(&self, i: usize) -> StoreResult<Option<i64>> {
        self.0.try_get(i).map_err(map_err)
    }
    fn string(&self, i: usize) -> StoreResult<Option<String>> {
        self.0.try_get(i).map_err(map_err)
    }
    fn column_name(&self, i: usize) -> String {
        self.0.columns().get(i).map_or_else(|| format!("#{i}"), |c| c.name().to_string())
    }
}

/// Reads every row with `f`.
pub fn all<T>(rows: Vec<Row>, f: impl Fn(&dyn SqlRow) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    rows.iter().map(|r| f(&PgRow(r))).collect()
}

/// Reads an optional row with `f`.
pub fn one<T>(row: Option<Row>, f: impl Fn(&dyn SqlRow) -> StoreResult<T>) -> StoreResult<Option<T>> {
    row.as_ref().map(|r| f(&PgRow(r))).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_names_name_the_column() {
        assert_eq!(duplicate_name(Some("users"), Some("users_email_key_key")), "email");
        assert_eq!(duplicate_name(Some("statuses"), Some("statuses_pkey")), "key");
        assert_eq!(duplicate_name(Some("custom_fields"), Some("custom_fields_key_key")), "key");
        assert_eq!(duplicate_name(None, None), "value");
    }
}
