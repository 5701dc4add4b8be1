//! SLA policies and tickets' stored SLA states (part B fills this in).
//!
//! STUB: every function answers "not built yet" until the real one lands.

#![allow(clippy::unused_async, missing_docs)]

use crate::db::{Db, Tx};
use tessera_core::Timestamp;
use tessera_core::ids::*;
use tessera_store::*;

fn nb() -> StoreError {
    StoreError::Backend("not built yet".into())
}

pub async fn insert_sla_policy(_tx: &Tx<'_>, _p: SlaPolicyRecord) -> StoreResult<SlaPolicyRecord> {
    Err(nb())
}
pub async fn update_sla_policy(_tx: &Tx<'_>, _p: &SlaPolicyRecord) -> StoreResult<()> {
    Err(nb())
}
pub async fn sla_policy(_c: &impl Db, _id: SlaPolicyId) -> StoreResult<Option<SlaPolicyRecord>> {
    Err(nb())
}
pub async fn list_sla_policies(_c: &impl Db) -> StoreResult<Vec<SlaPolicyRecord>> {
    Err(nb())
}
pub async fn delete_sla_policy(_tx: &Tx<'_>, _id: SlaPolicyId) -> StoreResult<()> {
    Err(nb())
}
pub async fn ticket_sla(_c: &impl Db, _ticket: TicketId) -> StoreResult<Option<TicketSlaRecord>> {
    Err(nb())
}
pub async fn save_ticket_sla(_tx: &Tx<'_>, _s: &TicketSlaRecord) -> StoreResult<()> {
    Err(nb())
}
/// Must write its events through `crate::tickets::insert_events` (last in
/// the transaction): that takes the event-order lock and notifies listeners.
pub async fn record_sla_alerts(
    _tx: &Tx<'_>,
    _s: &TicketSlaRecord,
    _expected: &[String],
    _events: &[NewEvent],
) -> StoreResult<Vec<EventId>> {
    Err(nb())
}
pub async fn due_sla_alerts(_c: &impl Db, _now: Timestamp, _limit: u32) -> StoreResult<Vec<TicketId>> {
    Err(nb())
}
pub async fn next_sla_alert_at(_c: &impl Db) -> StoreResult<Option<Timestamp>> {
    Err(nb())
}
pub async fn sla_candidates(
    _c: &impl Db,
    _after: TicketId,
    _limit: u32,
    _stale_only: bool,
) -> StoreResult<Vec<TicketId>> {
    Err(nb())
}
