//! Mapping between rows and domain types, statement parameters, and the
//! translation of driver errors into store errors.

use tessera_core::Timestamp;
use tessera_store::{StoreError, StoreResult};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;

/// An owned statement parameter, for SQL assembled at run time (filters,
/// lists): the value's Rust type picks the PostgreSQL type, so integers are
/// always `i64` (BIGINT columns) and text `String`.
pub type Param = Box<dyn ToSql + Sync + Send>;

/// Boxes a value as a [`Param`].
pub fn p<T: ToSql + Sync + Send + 'static>(v: T) -> Param {
    Box::new(v)
}

/// Borrows owned parameters the way the driver takes them.
pub fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
}

/// Numbers the `?` placeholders of SQL written SQLite-style (`$1`, `$2`…),
/// so conditions can be assembled piece by piece without counting. The SQL
/// must hold no other `?` (no JSON operators, no `?` in literals).
pub fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for ch in sql.chars() {
        if ch == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(ch);
        }
    }
    out
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
/// may be personal data), foreign-key violations `InvalidReference`, the
/// rest `Backend`.
pub fn map_err(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        if *db.code() == SqlState::UNIQUE_VIOLATION {
            return StoreError::Duplicate(duplicate_name(db.table(), db.constraint()));
        }
        if *db.code() == SqlState::FOREIGN_KEY_VIOLATION {
            return StoreError::InvalidReference("a referenced row does not exist".into());
        }
        // The message names the problem; the detail could quote values.
        return StoreError::Backend(format!("{}: {}", db.code().code(), db.message()));
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

/// Milliseconds of a timestamp (how every time is stored).
pub fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

/// Milliseconds of an optional timestamp.
pub fn ms_opt(t: Option<Timestamp>) -> Option<i64> {
    t.map(ms)
}

/// Serializes to JSON text (lists and maps are stored as JSON text, like
/// SQLite's, so a table copies across unchanged).
pub fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("cannot encode JSON: {e}")))
}

/// An error for a column whose stored value cannot be read back.
pub fn bad_column(column: &str, what: &str) -> StoreError {
    StoreError::Backend(format!("malformed column {column}: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(numbered("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)");
    }

    #[test]
    fn duplicate_names_name_the_column() {
        assert_eq!(duplicate_name(Some("users"), Some("users_email_key_key")), "email");
        assert_eq!(duplicate_name(Some("statuses"), Some("statuses_pkey")), "key");
        assert_eq!(duplicate_name(Some("custom_fields"), Some("custom_fields_key_key")), "key");
        assert_eq!(duplicate_name(None, None), "value");
    }
}
