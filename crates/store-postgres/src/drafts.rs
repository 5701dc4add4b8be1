//! Drafts of replies and notes, one per user and ticket.

use crate::PgStore;
use crate::db::{execute, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use tessera_core::ids::*;
use tessera_store::*;

#[async_trait]
impl DraftStore for PgStore {
    async fn save_draft(&self, d: Draft) -> StoreResult<()> {
        // No stored text holds NUL, and PostgreSQL refuses to bind one.
        let body = d.body.replace('\0', "");
        transaction!(self, |tx| {
            execute(
                tx,
                "INSERT INTO drafts (user_id, ticket_id, kind, body, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (user_id, ticket_id) DO UPDATE SET kind = excluded.kind, body = excluded.body, \
                 updated_at = excluded.updated_at",
                &[&d.user_id.0, &d.ticket_id.0, &d.kind.as_str(), &body, &ms(d.updated_at)],
            )
            .await?;
            Ok(())
        })
    }

    async fn draft(&self, user: UserId, ticket: TicketId) -> StoreResult<Option<Draft>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {DRAFT_SELECT} FROM drafts WHERE user_id = $1 AND ticket_id = $2");
        one(query_opt(c, &sql, &[&user.0, &ticket.0]).await?, draft_from_row)
    }

    async fn delete_draft(&self, user: UserId, ticket: TicketId) -> StoreResult<bool> {
        transaction!(self, |tx| {
            let n =
                execute(tx, "DELETE FROM drafts WHERE user_id = $1 AND ticket_id = $2", &[&user.0, &ticket.0]).await?;
            Ok(n > 0)
        })
    }
}
