//! Saved views.

use crate::rows::*;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params_from_iter};
use tessera_core::ids::*;
use tessera_core::time::from_millis;
use tessera_store::*;

const VIEW_SELECT: &str = "id, title, description, owner_id, department_ids, active, position, conditions, columns, \
     sort, default_key, created_at, updated_at";

fn bad(i: usize) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, "malformed view column".into())
}

fn json<T: serde::de::DeserializeOwned>(r: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let s: String = r.get(i)?;
    serde_json::from_str(&s).map_err(|_| bad(i))
}

fn view_from_row(r: &Row<'_>) -> rusqlite::Result<ViewRecord> {
    let depts: Vec<i64> = json(r, 4)?;
    Ok(ViewRecord {
        id: ViewId(r.get(0)?),
        title: r.get(1)?,
        description: r.get(2)?,
        owner_id: r.get::<_, Option<i64>>(3)?.map(UserId),
        department_ids: depts.into_iter().map(DepartmentId).collect(),
        active: r.get(5)?,
        position: r.get(6)?,
        conditions: json(r, 7)?,
        columns: json(r, 8)?,
        sort: json(r, 9)?,
        default_key: r.get(10)?,
        created_at: from_millis(r.get(11)?),
        updated_at: from_millis(r.get(12)?),
    })
}

fn values(v: &ViewRecord) -> StoreResult<Vec<Value>> {
    let enc = |x: serde_json::Result<String>| x.map_err(|e| StoreError::Backend(e.to_string()));
    let depts: Vec<i64> = v.department_ids.iter().map(|d| d.0).collect();
    Ok(vec![
        Value::Text(v.title.clone()),
        Value::Text(v.description.clone()),
        v.owner_id.map_or(Value::Null, |o| Value::Integer(o.0)),
        Value::Text(enc(serde_json::to_string(&depts))?),
        Value::Integer(i64::from(v.active)),
        Value::Integer(v.position),
        Value::Text(enc(serde_json::to_string(&v.conditions))?),
        Value::Text(enc(serde_json::to_string(&v.columns))?),
        Value::Text(enc(serde_json::to_string(&v.sort))?),
        v.default_key.clone().map_or(Value::Null, Value::Text),
        Value::Integer(ms(v.created_at)),
        Value::Integer(ms(v.updated_at)),
    ])
}

/// Creates a view after the others.
pub fn insert_view(conn: &Connection, mut v: ViewRecord) -> StoreResult<ViewRecord> {
    v.position = conn.query_row("SELECT COALESCE(MAX(position), 0) + 1 FROM views", [], |r| r.get(0)).db()?;
    conn.prepare_cached(
        "INSERT INTO views (title, description, owner_id, department_ids, active, position, conditions, columns, \
         sort, default_key, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .db()?
    .execute(params_from_iter(values(&v)?))
    .db()?;
    v.id = ViewId(conn.last_insert_rowid());
    Ok(v)
}

/// Saves a view.
pub fn update_view(conn: &Connection, v: &ViewRecord) -> StoreResult<()> {
    let mut vals = values(v)?;
    vals.push(Value::Integer(v.id.0));
    let n = conn
        .prepare_cached(
            "UPDATE views SET title = ?1, description = ?2, owner_id = ?3, department_ids = ?4, active = ?5, \
             position = ?6, conditions = ?7, columns = ?8, sort = ?9, default_key = ?10, created_at = ?11, \
             updated_at = ?12 WHERE id = ?13",
        )
        .db()?
        .execute(params_from_iter(vals))
        .db()?;
    if n == 1 { Ok(()) } else { Err(StoreError::NotFound) }
}

/// One view.
pub fn view(conn: &Connection, id: ViewId) -> StoreResult<Option<ViewRecord>> {
    conn.prepare_cached(&format!("SELECT {VIEW_SELECT} FROM views WHERE id = ?1"))
        .db()?
        .query_row([id.0], view_from_row)
        .optional()
        .db()
}

/// Every view in position order.
pub fn list_views(conn: &Connection) -> StoreResult<Vec<ViewRecord>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {VIEW_SELECT} FROM views ORDER BY position, id")).db()?;
    stmt.query_map([], view_from_row).db()?.collect::<Result<Vec<_>, _>>().db()
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
