//! Drafts of replies and notes, one per user and ticket.

use crate::SqliteStore;
use crate::rows::*;
use async_trait::async_trait;
use rusqlite::params;
use tessera_core::ids::*;
use tessera_store::*;

#[async_trait]
impl DraftStore for SqliteStore {
    async fn save_draft(&self, d: Draft) -> StoreResult<()> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO drafts (user_id, ticket_id, kind, body, updated_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (user_id, ticket_id) DO UPDATE SET kind = excluded.kind, body = excluded.body, \
                 updated_at = excluded.updated_at",
            )
            .db()?
            .execute(params![d.user_id.0, d.ticket_id.0, d.kind.as_str(), d.body, ms(d.updated_at)])
            .db()?;
            Ok(())
        })
        .await
    }

    async fn draft(&self, user: UserId, ticket: TicketId) -> StoreResult<Option<Draft>> {
        self.read(move |conn| {
            get(
                conn,
                &format!("SELECT {DRAFT_SELECT} FROM drafts WHERE user_id = ?1 AND ticket_id = ?2"),
                [user.0, ticket.0],
                read(draft_from_row),
            )
        })
        .await
    }

    async fn delete_draft(&self, user: UserId, ticket: TicketId) -> StoreResult<bool> {
        self.write(move |conn| {
            let n = conn
                .prepare_cached("DELETE FROM drafts WHERE user_id = ?1 AND ticket_id = ?2")
                .db()?
                .execute([user.0, ticket.0])
                .db()?;
            Ok(n > 0)
        })
        .await
    }
}
