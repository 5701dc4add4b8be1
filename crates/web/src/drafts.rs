//! Where the pages' script saves drafts of replies and notes (issue 18):
//! `POST /agent/tickets/{id}/draft` (the console's composer) and
//! `POST /tickets/{number}/draft` (the portal's reply form). The form
//! carries `body` and `kind` (and the session's CSRF token, as every
//! POST); a blank body discards the draft. Answers JSON
//! (`{"saved": true, "updated_at": …}` or `{"saved": false}`), for the
//! script. The desk keeps the draft (one per user and ticket, one's own
//! only); the ticket pages put it back into the composer.

use crate::WebState;
use crate::agent::require_agent;
use crate::forms::Form;
use crate::page::WebError;
use crate::portal::ticket::by_number;
use crate::session::{Signed, SignedIn, check_csrf};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tessera_core::ids::TicketId;
use tessera_desk::{DeskError, DraftView, SaveDraft};

async fn save(state: &WebState, s: &SignedIn, id: TicketId, form: &Form) -> Result<Response, WebError> {
    let input = SaveDraft {
        kind: form.get("kind").map(str::to_string),
        body: form.get("body").unwrap_or_default().to_string(),
    };
    match state.desk.save_draft(&s.actor, id, input).await {
        Ok(Some(d)) => Ok(Json(json!({"saved": true, "updated_at": d.updated_at.to_rfc3339()})).into_response()),
        Ok(None) => Ok(Json(json!({"saved": false})).into_response()),
        Err(e @ DeskError::Domain(_)) => Err(WebError::BadRequest(e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Saves (or, with a blank body, discards) the agent's draft on a ticket.
pub async fn agent_save(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    require_agent(&s)?;
    save(&state, &s, TicketId(id), &form).await
}

/// Saves (or discards) the signed-in person's draft reply on a ticket of
/// the portal. Not for a guest link: its holder is not the account.
pub async fn portal_save(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(number): Path<String>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    if s.is_guest() {
        return Err(WebError::Forbidden);
    }
    let t = by_number(&state, &s.actor, &number).await?;
    save(&state, &s, t.id, &form).await
}

/// The draft a ticket page puts back into its composer: the signed-in
/// person's own, none for a guest link (and none when the desk has none).
pub(crate) async fn for_page(state: &WebState, s: &SignedIn, id: TicketId) -> Option<DraftView> {
    if s.is_guest() {
        return None;
    }
    state.desk.draft(&s.actor, id).await.ok().flatten()
}
