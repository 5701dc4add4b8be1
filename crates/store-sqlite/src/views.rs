//! Saved views.

use crate::SqliteStore;
use crate::rows::*;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension};
use tessera_core::ids::*;
use tessera_store::sql::Value;
use tessera_store::*;

/// Every view in position order.
fn list_views(conn: &Connection) -> StoreResult<Vec<ViewRecord>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {VIEW_SELECT} FROM views ORDER BY position, id")).db()?;
    stmt.query_map([], read(view_from_row)).db()?.collect::<Result<Vec<_>, _>>().db()
}

#[async_trait]
impl ViewStore for SqliteStore {
    async fn insert_view(&self, mut v: ViewRecord) -> StoreResult<ViewRecord> {
        self.write(move |conn| {
            v.position = conn.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM views", [], |r| r.get(0)).db()?;
            conn.prepare_cached(
                "INSERT INTO views (title, description, owner_id, department_ids, active, position, conditions, \
                 columns, sort, default_key, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )
            .db()?
            .execute(bound(&view_values(&v)?))
            .db()?;
            v.id = ViewId(conn.last_insert_rowid());
            Ok(v)
        })
        .await
    }

    async fn update_view(&self, v: &ViewRecord) -> StoreResult<()> {
        let mut values = view_values(v)?;
        values.push(Value::Int(v.id.0));
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE views SET title = ?1, description = ?2, owner_id = ?3, department_ids = ?4, active = ?5, \
                     position = ?6, conditions = ?7, columns = ?8, sort = ?9, default_key = ?10, created_at = ?11, \
                     updated_at = ?12 WHERE id = ?13",
                )
                .db()?
                .execute(bound(&values))
                .db()?;
            one_row(n)
        })
        .await
    }

    async fn view(&self, id: ViewId) -> StoreResult<Option<ViewRecord>> {
        self.read(move |conn| {
            conn.prepare_cached(&format!("SELECT {VIEW_SELECT} FROM views WHERE id = ?1"))
                .db()?
                .query_row([id.0], read(view_from_row))
                .optional()
                .db()
        })
        .await
    }

    async fn list_views(&self) -> StoreResult<Vec<ViewRecord>> {
        self.read(list_views).await
    }

    async fn delete_view(&self, id: ViewId) -> StoreResult<()> {
        self.write(move |conn| one_row(conn.execute("DELETE FROM views WHERE id = ?1", [id.0]).db()?)).await
    }

    // `ids` first, in this order, then the others in theirs.
    async fn reorder_views(&self, ids: &[ViewId]) -> StoreResult<()> {
        let ids = ids.to_vec();
        self.write(move |conn| {
            let all = list_views(conn)?;
            let mut order = ids.clone();
            order.extend(all.iter().map(|v| v.id).filter(|id| !ids.contains(id)));
            let mut stmt = conn.prepare_cached("UPDATE views SET position = ?1 WHERE id = ?2").db()?;
            for (i, id) in order.iter().enumerate() {
                stmt.execute([i64::try_from(i).unwrap_or(i64::MAX) + 1, id.0]).db()?;
            }
            Ok(())
        })
        .await
    }
}
