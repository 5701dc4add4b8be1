//! Panels on pages: the HTML fragments integrations add at seed 000's view
//! hook places. Each page asks for its places at once; the desk's
//! integrations bound the wait by each panel's timeout, sanitise what comes
//! back and cache it briefly. What did not come in time shows as a quiet
//! placeholder, never as an error.

use crate::WebState;
use crate::session::SignedIn;
use serde_json::{Value, json};
use tessera_core::Ticket;

/// One panel's fragment, ready for a template.
#[derive(Debug, Clone)]
pub struct PanelHtml {
    /// The panel's id (for styling and tests).
    pub id: i64,
    /// The sanitised fragment; `None` shows the placeholder.
    pub html: Option<String>,
}

/// Who is looking, as panels are told.
pub fn viewer(s: &SignedIn) -> Value {
    json!({
        "id": s.user.id,
        "name": s.user.name,
        "role": s.user.role,
        "locale": s.user.locale,
    })
}

/// The context of a ticket page: the ticket as this viewer may see it
/// (secret values are masked or absent already), its requester's name and
/// the viewer.
pub async fn ticket_context(state: &WebState, s: &SignedIn, t: &Ticket) -> Value {
    let requester =
        state.desk.users_by_id(&s.actor, &[t.requester_id]).await.ok().and_then(|mut m| m.remove(&t.requester_id));
    json!({
        "ticket": t,
        "requester": requester.map(|u| json!({"id": u.id, "name": u.name})),
        "viewer": viewer(s),
    })
}

/// The context of a list page: the tickets' ids and numbers, and the viewer.
pub fn list_context(s: &SignedIn, list: &str, tickets: &[&Ticket]) -> Value {
    let items: Vec<Value> = tickets.iter().map(|t| json!({"id": t.id, "number": t.number})).collect();
    json!({"list": list, "tickets": items, "viewer": viewer(s)})
}

/// The fragments of `place`.
pub async fn fetch(state: &WebState, place: &str, context: Value, key: &str) -> Vec<PanelHtml> {
    state.desk.panels(place, context, key).await.into_iter().map(|f| PanelHtml { id: f.id.0, html: f.html }).collect()
}
