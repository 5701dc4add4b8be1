//! Saved views.

use crate::rows::*;
use rusqlite::{Connection, OptionalExtension};
use tessera_core::ids::*;
use tessera_store::sql;
use tessera_store::*;

/// Creates a view after the others.
pub fn insert_view(conn: &Connection, mut v: ViewRecord) -> StoreResult<ViewRecord> {
    v.position = conn.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM views", [], |r| r.get(0)).db()?;
    conn.prepare_cached(
        "INSERT INTO views (title, description, owner_id, department_ids, active, position, conditions, columns, \
         sort, default_key, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .db()?
    .execute(bound(&view_values(&v)?))
    .db()?;
    v.id = ViewId(conn.last_insert_rowid());
    Ok(v)
}

/// Saves a view.
pub fn update_view(conn: &Connection, v: &ViewRecord) -> StoreResult<()> {
    let mut vals = view_values(v)?;
    vals.push(sql::Value::Int(v.id.0));
    let n = conn
        .prepare_cached(
            "UPDATE views SET title = ?1, description = ?2, owner_id = ?3, department_ids = ?4, active = ?5, \
             position = ?6, conditions = ?7, columns = ?8, sort = ?9, default_key = ?10, created_at = ?11, \
             updated_at = ?12 WHERE id = ?13",
        )
        .db()?
        .execute(bound(&vals))
        .db()?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One view.
pub fn view(conn: &Connection, id: ViewId) -> StoreResult<Option<ViewRecord>> {
    conn.prepare_cached(&format!("SELECT {VIEW_SELECT} FROM views WHERE id = ?1"))
        .db()?
        .query_row([id.0], read(view_from_row))
        .optional()
        .db()
}

/// Every view in position order.
pub fn list_views(conn: &Connection) -> StoreResult<Vec<ViewRecord>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {VIEW_SELECT} FROM views ORDER BY position, id")).db()?;
    stmt.query_map([], read(view_from_row)).db()?.collect::<Result<Vec<_>, _>>().db()
}

/// Removes a view.
pub fn delete_view(conn: &Connection, id: ViewId) -> StoreResult<()> {
    let n = conn.execute("DELETE FROM views WHERE id = ?1", [id.0]).db()?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// Puts `ids` first, in this order, keeping the others' order after them.
pub fn reorder_views(conn: &Connection, ids: &[ViewId]) -> StoreResult<()> {
    let all = list_views(conn)?;
    let mut order: Vec<ViewId> = ids.to_vec();
    order.extend(all.iter().map(|v| v.id).filter(|id| !ids.contains(id)));
    let mut stmt = conn.prepare_cached("UPDATE views SET position = ?1 WHERE id = ?2").db()?;
    for (i, id) in order.iter().enumerate() {
        stmt.execute([i64::try_from(i).unwrap_or(i64::MAX) + 1, id.0]).db()?;
    }
    Ok(())
}
