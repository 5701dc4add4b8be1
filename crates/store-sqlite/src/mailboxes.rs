//! IMAP mailboxes (`MailboxStore`): settings, cursor, state, and the lease
//! one instance at a time holds to read each. The statements are the
//! shared ones ([`tessera_store::sql::rows`]).

use crate::SqliteStore;
use crate::rows::*;
use async_trait::async_trait;
use rusqlite::params;
use tessera_core::Timestamp;
use tessera_core::ids::MailboxId;
use tessera_store::sql::Value;
use tessera_store::*;

#[async_trait]
impl MailboxStore for SqliteStore {
    async fn insert_mailbox(&self, mut m: MailboxRecord) -> StoreResult<MailboxRecord> {
        let mut values = mailbox_settings(&m);
        values.extend([Value::Int(ms(m.created_at)), Value::Int(ms(m.updated_at))]);
        let id = self
            .write(move |conn| {
                conn.prepare_cached(&MAILBOX_INSERT).db()?.execute(bound(&values)).db()?;
                Ok(conn.last_insert_rowid())
            })
            .await?;
        m.id = MailboxId(id);
        Ok(m)
    }

    async fn update_mailbox(&self, m: &MailboxRecord) -> StoreResult<()> {
        let mut values = mailbox_settings(m);
        values.extend([Value::Int(ms(m.updated_at)), Value::Int(m.id.0)]);
        self.write(move |conn| one_row(conn.prepare_cached(&MAILBOX_UPDATE).db()?.execute(bound(&values)).db()?)).await
    }

    async fn mailbox(&self, id: MailboxId) -> StoreResult<Option<MailboxRecord>> {
        self.read(move |conn| {
            let sql = format!("SELECT {MAILBOX_SELECT} FROM mailboxes WHERE id = ?1");
            get(conn, &sql, [id.0], read(mailbox_from_row))
        })
        .await
    }

    async fn list_mailboxes(&self) -> StoreResult<Vec<MailboxRecord>> {
        self.read(|conn| {
            collect(conn, &format!("SELECT {MAILBOX_SELECT} FROM mailboxes ORDER BY id"), [], read(mailbox_from_row))
        })
        .await
    }

    async fn delete_mailbox(&self, id: MailboxId) -> StoreResult<()> {
        self.write(move |conn| one_row(conn.execute("DELETE FROM mailboxes WHERE id = ?1", [id.0]).db()?)).await
    }

    async fn take_mailbox_lease(
        &self,
        id: MailboxId,
        owner: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> StoreResult<bool> {
        let owner = owner.to_string();
        self.write(move |conn| {
            let n = conn
                .prepare_cached(MAILBOX_TAKE_LEASE)
                .db()?
                .execute(params![owner, ms(until), id.0, ms(now), owner])
                .db()?;
            Ok(n == 1)
        })
        .await
    }

    async fn release_mailbox_lease(&self, id: MailboxId, owner: &str) -> StoreResult<()> {
        let owner = owner.to_string();
        self.write(move |conn| {
            conn.prepare_cached(MAILBOX_RELEASE_LEASE).db()?.execute(params![id.0, owner]).db()?;
            Ok(())
        })
        .await
    }

    async fn save_mailbox_progress(&self, id: MailboxId, owner: &str, p: MailboxProgress) -> StoreResult<bool> {
        let values = mailbox_progress_values(id, owner, &p);
        self.write(move |conn| Ok(conn.prepare_cached(MAILBOX_SAVE_PROGRESS).db()?.execute(bound(&values)).db()? == 1))
            .await
    }

    async fn save_mailbox_tokens(&self, id: MailboxId, tokens: MailboxTokens) -> StoreResult<()> {
        let values = mailbox_tokens_values(id, &tokens);
        self.write(move |conn| one_row(conn.prepare_cached(MAILBOX_SAVE_TOKENS).db()?.execute(bound(&values)).db()?))
            .await
    }

    async fn set_mailbox_pending(&self, id: MailboxId, pending: Option<String>) -> StoreResult<()> {
        self.write(move |conn| {
            one_row(conn.prepare_cached(MAILBOX_SET_PENDING).db()?.execute(params![pending, id.0]).db()?)
        })
        .await
    }

    async fn take_mailbox_pending(&self, id: MailboxId, pending: &str) -> StoreResult<bool> {
        let pending = pending.to_string();
        self.write(move |conn| {
            Ok(conn.prepare_cached(MAILBOX_TAKE_PENDING).db()?.execute(params![id.0, pending]).db()? == 1)
        })
        .await
    }

    async fn set_mailbox_state(&self, id: MailboxId, state: MailboxState, error: Option<String>) -> StoreResult<()> {
        self.write(move |conn| {
            one_row(conn.prepare_cached(MAILBOX_SET_STATE).db()?.execute(params![state.as_str(), error, id.0]).db()?)
        })
        .await
    }
}
