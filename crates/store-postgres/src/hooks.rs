//! hooks (being ported from the SQLite store).

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
pub async fn insert_webhook(c: &impl Db, mut w: Webhook) -> StoreResult<Webhook> {
    Err(nb())
}

/// Stub.
pub async fn update_webhook(c: &impl Db, w: &Webhook) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn webhook(c: &impl Db, id: WebhookId) -> StoreResult<Option<Webhook>> {
    Err(nb())
}

/// Stub.
pub async fn list_webhooks(c: &impl Db) -> StoreResult<Vec<Webhook>> {
    Err(nb())
}

/// Stub.
pub async fn delete_webhook(c: &impl Db, id: WebhookId) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn enqueue_deliveries(
    c: &impl Db,
    cursor: &str,
    from: EventId,
    up_to: EventId,
    ds: &[NewDelivery],
) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn insert_delivery(c: &impl Db, d: &NewDelivery) -> StoreResult<Delivery> {
    Err(nb())
}

/// Stub.
pub async fn claim_deliveries(
    c: &impl Db,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    Err(nb())
}

/// Stub.
pub async fn record_attempt(c: &impl Db, a: &Attempt, outcome: AttemptOutcome) -> StoreResult<AttemptRecorded> {
    Err(nb())
}

/// Stub.
pub async fn delivery(c: &impl Db, id: DeliveryId) -> StoreResult<Option<Delivery>> {
    Err(nb())
}

/// Stub.
pub async fn deliveries(
    c: &impl Db,
    w: WebhookId,
    before: Option<DeliveryId>,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    Err(nb())
}

/// Stub.
pub async fn attempts(c: &impl Db, d: DeliveryId) -> StoreResult<Vec<Attempt>> {
    Err(nb())
}

/// Stub.
pub async fn insert_hook_endpoint(c: &impl Db, mut e: HookEndpoint) -> StoreResult<HookEndpoint> {
    Err(nb())
}

/// Stub.
pub async fn update_hook_endpoint(c: &impl Db, e: &HookEndpoint) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn hook_endpoint(c: &impl Db, id: HookId) -> StoreResult<Option<HookEndpoint>> {
    Err(nb())
}

/// Stub.
pub async fn list_hook_endpoints(
    c: &impl Db,
    kind: Option<EndpointKind>,
    name: Option<&str>,
) -> StoreResult<Vec<HookEndpoint>> {
    Err(nb())
}

/// Stub.
pub async fn delete_hook_endpoint(c: &impl Db, id: HookId) -> StoreResult<()> {
    Err(nb())
}
