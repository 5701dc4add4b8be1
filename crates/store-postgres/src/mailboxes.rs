//! IMAP mailboxes (`MailboxStore`): settings, cursor, state, and the lease
//! one instance at a time holds to read each. The statements are the
//! shared ones ([`tessera_store::sql::rows`]), numbered for PostgreSQL.

use crate::PgStore;
use crate::db::{execute, query, query_one, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use tessera_core::Timestamp;
use tessera_core::ids::MailboxId;
use tessera_store::sql::Value;
use tessera_store::*;

#[async_trait]
impl MailboxStore for PgStore {
    async fn insert_mailbox(&self, mut m: MailboxRecord) -> StoreResult<MailboxRecord> {
        let mut values = mailbox_settings(&m);
        values.extend([Value::Int(ms(m.created_at)), Value::Int(ms(m.updated_at))]);
        let sql = numbered(&format!("{} RETURNING id", *MAILBOX_INSERT));
        let row = query_one(&self.client().await?, &sql, &bound(&binds(&values))).await?;
        m.id = MailboxId(new_id(&row)?);
        Ok(m)
    }

    async fn update_mailbox(&self, m: &MailboxRecord) -> StoreResult<()> {
        let mut values = mailbox_settings(m);
        values.extend([Value::Int(ms(m.updated_at)), Value::Int(m.id.0)]);
        one_row(execute(&self.client().await?, &numbered(&MAILBOX_UPDATE), &bound(&binds(&values))).await?)
    }

    async fn mailbox(&self, id: MailboxId) -> StoreResult<Option<MailboxRecord>> {
        let sql = format!("SELECT {MAILBOX_SELECT} FROM mailboxes WHERE id = $1");
        one(query_opt(&self.client().await?, &sql, &[&id.0]).await?, mailbox_from_row)
    }

    async fn list_mailboxes(&self) -> StoreResult<Vec<MailboxRecord>> {
        let sql = format!("SELECT {MAILBOX_SELECT} FROM mailboxes ORDER BY id");
        all(query(&self.client().await?, &sql, &[]).await?, mailbox_from_row)
    }

    async fn delete_mailbox(&self, id: MailboxId) -> StoreResult<()> {
        one_row(execute(&self.client().await?, "DELETE FROM mailboxes WHERE id = $1", &[&id.0]).await?)
    }

    async fn take_mailbox_lease(
        &self,
        id: MailboxId,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool> {
        let owner = owner.to_string();
        let n = execute(
            &self.client().await?,
            &numbered(MAILBOX_TAKE_LEASE),
            &[&owner, &ms(until), &id.0, &ms(now), &owner],
        )
        .await?;
        Ok(n == 1)
    }

    async fn release_mailbox_lease(&self, id: MailboxId, owner: &str) -> StoreResult<()> {
        let owner = owner.to_string();
        execute(&self.client().await?, &numbered(MAILBOX_RELEASE_LEASE), &[&id.0, &owner]).await?;
        Ok(())
    }

    async fn save_mailbox_progress(&self, id: MailboxId, owner: &str, p: MailboxProgress) -> StoreResult<bool> {
        let values = mailbox_progress_values(id, owner, &p);
        Ok(execute(&self.client().await?, &numbered(MAILBOX_SAVE_PROGRESS), &bound(&binds(&values))).await? == 1)
    }

    async fn save_mailbox_tokens(&self, id: MailboxId, tokens: MailboxTokens) -> StoreResult<()> {
        let values = mailbox_tokens_values(id, &tokens);
        one_row(execute(&self.client().await?, &numbered(MAILBOX_SAVE_TOKENS), &bound(&binds(&values))).await?)
    }

    async fn set_mailbox_pending(&self, id: MailboxId, pending: Option<String>) -> StoreResult<()> {
        one_row(execute(&self.client().await?, &numbered(MAILBOX_SET_PENDING), &[&pending, &id.0]).await?)
    }

    async fn take_mailbox_pending(&self, id: MailboxId, pending: &str) -> StoreResult<bool> {
        Ok(execute(&self.client().await?, &numbered(MAILBOX_TAKE_PENDING), &[&id.0, &pending]).await? == 1)
    }

    async fn set_mailbox_state(&self, id: MailboxId, state: MailboxState, error: Option<String>) -> StoreResult<()> {
        let sql = numbered(MAILBOX_SET_STATE);
        one_row(execute(&self.client().await?, &sql, &[&state.as_str(), &error, &id.0]).await?)
    }
}
