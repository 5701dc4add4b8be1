//! SQL that both database backends run: the ticket-query compiler (what a
//! scope, a list filter, a view and a sort order mean, in one place), the
//! columns of the tables both schemas share, and how their rows become
//! records.
//!
//! Everything here is pure: it turns queries and records into SQL text and
//! typed parameters ([`Fragment`], [`Value`]), or reads records from a row
//! through [`SqlRow`]. A backend prepares and runs the statements its own way
//! (rusqlite on the SQLite writer thread and readers, tokio-postgres on a
//! pool), binds the [`Value`]s with its driver, and supplies what only it
//! knows: its [`Dialect`] (placeholders, boolean literals, lists, text order,
//! case-insensitive matching, JSON access) and its full-text lookup.
//!
//! Fragments are written with `?` placeholders in the order of their
//! values, so conditions can be assembled piece by piece;
//! [`Dialect::finish`] numbers them for databases that want `$1`, `$2`…

mod dialect;
mod fragment;
pub mod rows;
pub mod search;
pub mod tickets;

pub use dialect::{Dialect, Json, Lists, POSTGRES, Placeholders, SQLITE, Wrap};
pub use fragment::{Fragment, Value};
pub use rows::{RowExt, SqlRow};
pub use search::{SearchSql, TextIndex, TextQuery};
pub use tickets::{Table, TicketSql};
