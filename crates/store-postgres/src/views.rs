//! Saved views.

use crate::PgStore;
use crate::db::{Db, execute, query, query_one, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use tessera_core::ids::*;
use tessera_store::sql::Value;
use tessera_store::*;

/// The advisory lock key serializing position changes of views ("tessview"):
/// two instances adding or reordering views at once never share a position.
const VIEWS_LOCK: i64 = 0x7465_7373_7669_6577;

/// Every view in position order.
async fn list_views(c: &impl Db) -> StoreResult<Vec<ViewRecord>> {
    all(query(c, &format!("SELECT {VIEW_SELECT} FROM views ORDER BY position, id"), &[]).await?, view_from_row)
}

#[async_trait]
impl ViewStore for PgStore {
    async fn insert_view(&self, mut v: ViewRecord) -> StoreResult<ViewRecord> {
        transaction!(self, |tx| {
            execute(tx, "SELECT pg_advisory_xact_lock($1)", &[&VIEWS_LOCK]).await?;
            let next = query_one(tx, "SELECT COALESCE(MAX(position), 0) + 1 FROM views", &[]).await?;
            v.position = PgRow(&next).int(0)?;
            let row = query_one(
                tx,
                "INSERT INTO views (title, description, owner_id, department_ids, active, position, conditions, \
                 columns, sort, default_key, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                &bound(&binds(&view_values(&v)?)),
            )
            .await?;
            v.id = ViewId(PgRow(&row).int(0)?);
            Ok(v)
        })
    }

    async fn update_view(&self, v: &ViewRecord) -> StoreResult<()> {
        let mut values = view_values(v)?;
        values.push(Value::Int(v.id.0));
        transaction!(self, |tx| {
            let n = execute(
                tx,
                "UPDATE views SET title = $1, description = $2, owner_id = $3, department_ids = $4, active = $5, \
                 position = $6, conditions = $7, columns = $8, sort = $9, default_key = $10, created_at = $11, \
                 updated_at = $12 WHERE id = $13",
                &bound(&binds(&values)),
            )
            .await?;
            one_row(n)
        })
    }

    async fn view(&self, id: ViewId) -> StoreResult<Option<ViewRecord>> {
        let c = self.client().await?;
        one(query_opt(&c, &format!("SELECT {VIEW_SELECT} FROM views WHERE id = $1"), &[&id.0]).await?, view_from_row)
    }

    async fn list_views(&self) -> StoreResult<Vec<ViewRecord>> {
        list_views(&self.client().await?).await
    }

    async fn delete_view(&self, id: ViewId) -> StoreResult<()> {
        transaction!(self, |tx| { one_row(execute(tx, "DELETE FROM views WHERE id = $1", &[&id.0]).await?) })
    }

    // `ids` first, in this order, then the others in theirs.
    async fn reorder_views(&self, ids: &[ViewId]) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(tx, "SELECT pg_advisory_xact_lock($1)", &[&VIEWS_LOCK]).await?;
            let all = list_views(tx).await?;
            let mut order: Vec<ViewId> = ids.to_vec();
            order.extend(all.iter().map(|v| v.id).filter(|id| !ids.contains(id)));
            let order: Vec<i64> = order.iter().map(|v| v.0).collect();
            execute(
                tx,
                "UPDATE views SET position = o.n FROM unnest($1::bigint[]) WITH ORDINALITY AS o(id, n) \
                 WHERE views.id = o.id",
                &[&order],
            )
            .await?;
            Ok(())
        })
    }
}
