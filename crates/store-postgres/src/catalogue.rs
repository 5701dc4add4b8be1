//! The status catalogue, custom field definitions and installation settings.

use crate::PgStore;
use crate::db::{execute, query, query_one, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::Status;
use tessera_store::sql::Value;
use tessera_store::*;

#[async_trait]
impl CatalogueStore for PgStore {
    // Keys in code-point order, as SQLite sorts them.
    async fn statuses(&self) -> StoreResult<Vec<Status>> {
        let sql = format!("SELECT {STATUS_SELECT} FROM statuses ORDER BY position, key COLLATE \"C\"");
        all(query(&self.client().await?, &sql, &[]).await?, status_from_row)
    }

    async fn insert_status(&self, s: Status) -> StoreResult<Status> {
        transaction!(self, |tx| {
            execute(
                tx,
                "INSERT INTO statuses (key, name, category, position, builtin) VALUES ($1, $2, $3, $4, $5)",
                &[&s.key.0, &s.name, &s.category.as_str(), &s.position, &b(s.builtin)],
            )
            .await
        })?;
        Ok(s)
    }

    async fn custom_fields(&self) -> StoreResult<Vec<CustomFieldDef>> {
        let sql = format!("SELECT {CUSTOM_FIELD_SELECT} FROM custom_fields ORDER BY position, id");
        all(query(&self.client().await?, &sql, &[]).await?, custom_field_from_row)
    }

    async fn insert_custom_field(&self, mut f: CustomFieldDef) -> StoreResult<CustomFieldDef> {
        let values = custom_field_values(&f)?;
        let row = transaction!(self, |tx| {
            query_one(
                tx,
                "INSERT INTO custom_fields (key, labels, field_type, required, options, customer_visible, \
                 customer_editable, department_ids, wipe_on_solve, position, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
                &bound(&binds(&values)),
            )
            .await
        })?;
        f.id = CustomFieldId(new_id(&row)?);
        Ok(f)
    }

    async fn update_custom_field(&self, f: &CustomFieldDef) -> StoreResult<()> {
        let mut values = custom_field_values(f)?;
        values.push(Value::Int(f.id.0));
        transaction!(self, |tx| {
            let n = execute(
                tx,
                "UPDATE custom_fields SET key = $1, labels = $2, field_type = $3, required = $4, options = $5, \
                 customer_visible = $6, customer_editable = $7, department_ids = $8, wipe_on_solve = $9, \
                 position = $10, created_at = $11 WHERE id = $12",
                &bound(&binds(&values)),
            )
            .await?;
            one_row(n)
        })
    }

    async fn delete_custom_field(&self, id: CustomFieldId) -> StoreResult<()> {
        transaction!(self, |tx| { one_row(execute(tx, "DELETE FROM custom_fields WHERE id = $1", &[&id.0]).await?) })
    }

    async fn setting(&self, key: &str) -> StoreResult<Option<String>> {
        // No stored text holds NUL, and PostgreSQL refuses to bind one.
        if key.contains('\0') {
            return Ok(None);
        }
        let row = query_opt(&self.client().await?, "SELECT value FROM settings WHERE key = $1", &[&key]).await?;
        one(row, |r| r.text(0))
    }

    async fn set_setting(&self, key: &str, value: &str) -> StoreResult<()> {
        transaction!(self, |tx| {
            execute(
                tx,
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&key, &value],
            )
            .await?;
            Ok(())
        })
    }
}
