//! tickets (being ported from the SQLite store).

#![allow(unused_variables, clippy::unused_async)]

use crate::db::{Db, Tx};
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::Status;
use tessera_core::*;
use tessera_store::*;

fn nb() -> StoreError {
    StoreError::Backend("not built yet".into())
}

/// Stub.
pub async fn commit(c: &impl Db, change: ChangeSet) -> StoreResult<CommitOutcome> {
    Err(nb())
}

/// Stub.
pub async fn insert_events(
    c: &impl Db,
    ticket: TicketId,
    version: i64,
    events: &[NewEvent],
    messages: &[MessageId],
) -> StoreResult<Vec<EventId>> {
    Err(nb())
}

/// Stub.
pub async fn ticket(c: &impl Db, id: TicketId) -> StoreResult<Option<Ticket>> {
    Err(nb())
}

/// Stub.
pub async fn ticket_by_number(c: &impl Db, number: &str) -> StoreResult<Option<Ticket>> {
    Err(nb())
}

/// Stub.
pub async fn list_tickets(c: &impl Db, q: &TicketQuery) -> StoreResult<Vec<Ticket>> {
    Err(nb())
}

/// Stub.
pub async fn count_tickets(c: &impl Db, q: &TicketQuery) -> StoreResult<u64> {
    Err(nb())
}

/// Stub.
pub async fn messages(c: &impl Db, ticket: TicketId, include_notes: bool) -> StoreResult<Vec<Message>> {
    Err(nb())
}

/// Stub.
pub async fn snippet_messages(c: &impl Db, tickets: &[TicketId], include_notes: bool) -> StoreResult<Vec<Message>> {
    Err(nb())
}

/// Stub.
pub async fn message(c: &impl Db, id: MessageId) -> StoreResult<Option<Message>> {
    Err(nb())
}

/// Stub.
pub async fn message_edits(c: &impl Db, id: MessageId) -> StoreResult<Vec<MessageEdit>> {
    Err(nb())
}

/// Stub.
pub async fn ticket_events(c: &impl Db, ticket: TicketId) -> StoreResult<Vec<Event>> {
    Err(nb())
}

/// Stub.
pub async fn events_after(c: &impl Db, after: EventId, limit: u32) -> StoreResult<Vec<Event>> {
    Err(nb())
}

/// Stub.
pub async fn event(c: &impl Db, id: EventId) -> StoreResult<Option<Event>> {
    Err(nb())
}

/// Stub.
pub async fn latest_event_id(c: &impl Db) -> StoreResult<EventId> {
    Err(nb())
}

/// Stub.
pub async fn agent_loads(c: &impl Db, dept: DepartmentId) -> StoreResult<Vec<AgentLoad>> {
    Err(nb())
}

/// Stub.
pub async fn mark_read(c: &impl Db, ticket: TicketId, user: UserId, staff: bool, at: Timestamp) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn last_read(c: &impl Db, ticket: TicketId, user: UserId) -> StoreResult<Option<Timestamp>> {
    Err(nb())
}
