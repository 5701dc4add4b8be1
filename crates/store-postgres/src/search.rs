//! Full-text search (part B fills this in): the index kept inside each
//! ticket write, searches, and rebuilds.
//!
//! STUB: every function answers "not built yet" until the real one lands.

#![allow(clippy::unused_async, missing_docs, dead_code)]

use crate::db::{Db, Tx};
use crate::rows::{Param, p};
use deadpool_postgres::Pool;
use tessera_core::ids::*;
use tessera_store::*;

fn nb() -> StoreError {
    StoreError::Backend("not built yet".into())
}

/// The fields of a ticket its document depends on, before a change.
#[derive(Debug, PartialEq, Eq)]
pub struct Indexed;

/// Rewrites a ticket's document inside the caller's transaction.
pub async fn index_ticket(_tx: &Tx<'_>, _id: TicketId) -> StoreResult<()> {
    Ok(())
}

/// The indexed fields of a stored ticket (`None` when it does not exist).
pub async fn indexed_fields(_tx: &Tx<'_>, _id: TicketId) -> StoreResult<Option<Indexed>> {
    Ok(None)
}

/// Whether a change alters the document of its ticket.
pub fn change_needs_reindex(_before: Option<&Indexed>, _u: &TicketChange) -> bool {
    false
}

/// Rewrites the documents of a requester's tickets.
pub async fn index_requester_tickets(_tx: &Tx<'_>, _requester: UserId) -> StoreResult<()> {
    Ok(())
}

/// Rebuilds the whole index in batches (each its own transaction).
pub async fn rebuild_index(_pool: &Pool, _observer: Option<ReindexObserver>) -> StoreResult<ReindexStats> {
    Err(nb())
}

/// Whether the index must be rebuilt before search finds everything.
pub async fn index_stale(_c: &impl Db) -> StoreResult<bool> {
    Err(nb())
}

/// A page of a search.
pub async fn search(_c: &impl Db, _q: &SearchQuery) -> StoreResult<SearchPage> {
    Err(nb())
}

/// The condition of a ticket list's plain `text` filter, with `?`
/// placeholders (see `rows::numbered`) over the tickets aliased `t`.
pub fn list_text_condition(text: &str, _include_notes: bool) -> (String, Vec<Param>) {
    ("t.number = ?".into(), vec![p(text.to_string())])
}
