//! What the installation around the desk asks of it: whether it can serve
//! (health checks), its ticket counts for an administrator's metrics, the
//! search index rebuilt on an operator's command, and the record of
//! requests sent with an `Idempotency-Key`. Each is a named method, so no
//! door needs the store itself.

use crate::Desk;
use crate::error::{DeskError, DeskResult};
use tessera_core::status::StatusCategory;
use tessera_core::{Actor, TicketScope};
use tessera_store::{
    IdempotencyBegin, IdempotencyKey, ReindexObserver, ReindexStats, TicketFilter, TicketQuery, TicketSort,
};

/// Why the installation cannot serve.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    /// The database does not answer.
    #[error("database unavailable: {0}")]
    Database(String),
    /// The attachment storage does not answer.
    #[error("attachment storage unavailable: {0}")]
    Attachments(String),
}

impl NotReady {
    /// What a health check may tell anyone: the part, not the cause.
    pub fn public_text(&self) -> &'static str {
        match self {
            Self::Database(_) => "database unavailable",
            Self::Attachments(_) => "attachment storage unavailable",
        }
    }
}

impl Desk {
    /// Whether the database and the attachment storage answer (a folder
    /// always does; a bucket is asked for one small listing).
    pub async fn check_ready(&self) -> Result<(), NotReady> {
        self.store.statuses().await.map_err(|e| NotReady::Database(e.to_string()))?;
        self.blobs.check().await.map_err(|e| NotReady::Attachments(e.to_string()))
    }

    /// Live tickets by status category, exact (from the views' tally); for
    /// administrators.
    pub async fn ticket_counts_by_category(&self, actor: &Actor) -> DeskResult<Vec<(StatusCategory, u64)>> {
        if !actor.is_admin() {
            return Err(DeskError::forbidden("only admins read the installation's figures"));
        }
        let mut out = Vec::new();
        for c in StatusCategory::ALL {
            let q = TicketQuery {
                scope: TicketScope::All,
                filter: TicketFilter { categories: vec![c], ..TicketFilter::default() },
                sort: TicketSort::default(),
                after: None,
                offset: 0,
                limit: 1,
            };
            out.push((c, self.store.count_tickets(&q).await?));
        }
        Ok(out)
    }

    /// Rebuilds the search index of every ticket, reporting progress to
    /// `observer`: the operator's command after a bulk import (no person
    /// asks, so no permission is checked).
    pub async fn rebuild_search_index_unchecked(&self, observer: Option<ReindexObserver>) -> DeskResult<ReindexStats> {
        Ok(self.store.rebuild_search_index(observer).await?)
    }

    /// Reserves `key` for the caller's request with `fingerprint`, or says
    /// what became of an earlier one (see the API's idempotency layer).
    pub async fn idempotency_begin(&self, actor: &Actor, key: &str, fingerprint: &str) -> DeskResult<IdempotencyBegin> {
        let k = IdempotencyKey { user_id: actor.user_id, key: key.to_string() };
        Ok(self.store.idempotency_begin(&k, fingerprint, self.now()).await?)
    }

    /// Keeps the answer of the caller's request reserved under `key`.
    pub async fn idempotency_finish(&self, actor: &Actor, key: &str, status: u16, body: &[u8]) -> DeskResult<()> {
        let k = IdempotencyKey { user_id: actor.user_id, key: key.to_string() };
        Ok(self.store.idempotency_finish(&k, status, body).await?)
    }

    /// Forgets a failed request reserved under `key`, so it may be retried.
    pub async fn idempotency_abandon(&self, actor: &Actor, key: &str) -> DeskResult<()> {
        let k = IdempotencyKey { user_id: actor.user_id, key: key.to_string() };
        Ok(self.store.idempotency_abandon(&k).await?)
    }
}
