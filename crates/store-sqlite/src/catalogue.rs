//! The status catalogue, custom field definitions and installation settings.

use crate::SqliteStore;
use crate::rows::*;
use async_trait::async_trait;
use rusqlite::{Connection, params};
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::Status;
use tessera_store::sql::Value;
use tessera_store::*;

/// An installation setting.
pub(crate) fn setting(conn: &Connection, key: &str) -> StoreResult<Option<String>> {
    get(conn, "SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
}

/// Saves an installation setting.
pub(crate) fn set_setting(conn: &Connection, key: &str, value: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .db()?
    .execute(params![key, value])
    .db()?;
    Ok(())
}

#[async_trait]
impl CatalogueStore for SqliteStore {
    async fn statuses(&self) -> StoreResult<Vec<Status>> {
        let sql = format!("SELECT {STATUS_SELECT} FROM statuses ORDER BY position, key");
        self.lookup(move |conn| collect(conn, &sql, [], read(status_from_row))).await
    }

    async fn insert_status(&self, s: Status) -> StoreResult<Status> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO statuses (key, name, category, position, builtin) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .db()?
            .execute(params![s.key.0, s.name, s.category.as_str(), s.position, s.builtin])
            .db()?;
            Ok(s)
        })
        .await
    }

    async fn custom_fields(&self) -> StoreResult<Vec<CustomFieldDef>> {
        let sql = format!("SELECT {CUSTOM_FIELD_SELECT} FROM custom_fields ORDER BY position, id");
        self.lookup(move |conn| collect(conn, &sql, [], read(custom_field_from_row))).await
    }

    async fn insert_custom_field(&self, mut f: CustomFieldDef) -> StoreResult<CustomFieldDef> {
        let values = custom_field_values(&f)?;
        f.id = self
            .write(move |conn| {
                conn.prepare_cached(
                    "INSERT INTO custom_fields (key, labels, field_type, required, options, customer_visible, \
                     customer_editable, department_ids, wipe_on_solve, position, created_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .db()?
                .execute(bound(&values))
                .db()?;
                Ok(CustomFieldId(conn.last_insert_rowid()))
            })
            .await?;
        Ok(f)
    }

    async fn update_custom_field(&self, f: &CustomFieldDef) -> StoreResult<()> {
        let mut values = custom_field_values(f)?;
        values.push(Value::Int(f.id.0));
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE custom_fields SET key = ?1, labels = ?2, field_type = ?3, required = ?4, options = ?5, \
                     customer_visible = ?6, customer_editable = ?7, department_ids = ?8, wipe_on_solve = ?9, \
                     position = ?10, created_at = ?11 WHERE id = ?12",
                )
                .db()?
                .execute(bound(&values))
                .db()?;
            one_row(n)
        })
        .await
    }

    async fn delete_custom_field(&self, id: CustomFieldId) -> StoreResult<()> {
        self.write(move |conn| one_row(conn.execute("DELETE FROM custom_fields WHERE id = ?1", [id.0]).db()?)).await
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        let key = key.to_string();
        self.lookup(move |conn| setting(conn, &key)).await
    }

    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        let (key, value) = (key.to_string(), value.to_string());
        self.write(move |conn| set_setting(conn, &key, &value)).await
    }
}
