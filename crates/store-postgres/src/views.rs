//! views (being ported from the SQLite store).

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
pub async fn insert_view(c: &impl Db, mut v: ViewRecord) -> StoreResult<ViewRecord> {
    Err(nb())
}

/// Stub.
pub async fn update_view(c: &impl Db, v: &ViewRecord) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn view(c: &impl Db, id: ViewId) -> StoreResult<Option<ViewRecord>> {
    Err(nb())
}

/// Stub.
pub async fn list_views(c: &impl Db) -> StoreResult<Vec<ViewRecord>> {
    Err(nb())
}

/// Stub.
pub async fn delete_view(c: &impl Db, id: ViewId) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn reorder_views(c: &impl Db, ids: &[ViewId]) -> StoreResult<()> {
    Err(nb())
}
