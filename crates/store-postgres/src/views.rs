//! Saved views.

use crate::db::{Db, Tx, execute, query, query_one, query_opt};
use crate::rows::*;
use tessera_core::ids::*;
use tessera_store::sql::Value;
use tessera_store::*;

/// The advisory lock key serializing position changes of views ("tessview").
const VIEWS_LOCK: i64 = 0x7465_7373_7669_6577;

/// Creates a view after the others (the position is taken under a lock, so
/// two instances adding views at once never share one).
pub async fn insert_view(tx: &Tx<'_>, mut v: ViewRecord) -> StoreResult<ViewRecord> {
    execute(tx, "SELECT pg_advisory_xact_lock($1)", &[&VIEWS_LOCK]).await?;
    v.position = PgRow(&query_one(tx, "SELECT COALESCE(MAX(position), 0) + 1 FROM views", &[]).await?).int(0)?;
    let vals = view_values(&v)?;
    let row = query_one(
        tx,
        "INSERT INTO views (title, description, owner_id, department_ids, active, position, conditions, columns, \
         sort, default_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         RETURNING id",
        &bound(&binds(&vals)),
    )
    .await?;
    v.id = ViewId(PgRow(&row).int(0)?);
    Ok(v)
}

/// Saves a view.
pub async fn update_view(c: &impl Db, v: &ViewRecord) -> StoreResult<()> {
    let mut vals = view_values(v)?;
    vals.push(Value::Int(v.id.0));
    let n = execute(
        c,
        "UPDATE views SET title = $1, description = $2, owner_id = $3, department_ids = $4, active = $5, \
         position = $6, conditions = $7, columns = $8, sort = $9, default_key = $10, created_at = $11, \
         updated_at = $12 WHERE id = $13",
        &bound(&binds(&vals)),
    )
    .await?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One view.
pub async fn view(c: &impl Db, id: ViewId) -> StoreResult<Option<ViewRecord>> {
    one(query_opt(c, &format!("SELECT {VIEW_SELECT} FROM views WHERE id = $1"), &[&id.0]).await?, view_from_row)
}

/// Every view in position order.
pub async fn list_views(c: &impl Db) -> StoreResult<Vec<ViewRecord>> {
    all(query(c, &format!("SELECT {VIEW_SELECT} FROM views ORDER BY position, id"), &[]).await?, view_from_row)
}

/// Removes a view.
pub async fn delete_view(c: &impl Db, id: ViewId) -> StoreResult<()> {
    let n = execute(c, "DELETE FROM views WHERE id = $1", &[&id.0]).await?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// Puts `ids` first, in this order, keeping the others' order after them.
pub async fn reorder_views(tx: &Tx<'_>, ids: &[ViewId]) -> StoreResult<()> {
    execute(tx, "SELECT pg_advisory_xact_lock($1)", &[&VIEWS_LOCK]).await?;
    let all = list_views(tx).await?;
    let mut order: Vec<ViewId> = ids.to_vec();
    order.extend(all.iter().map(|v| v.id).filter(|id| !ids.contains(id)));
    let order: Vec<i64> = order.iter().map(|v| v.0).collect();
    execute(
        tx,
        "UPDATE views SET position = o.n FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, n) WHERE views.id = o.id",
        &[&order],
    )
    .await?;
    Ok(())
}
