//! Live screens: the desk's live feed (`tessera_desk::feed`) passed on to
//! connected agents over server-sent events, and their heartbeats on the
//! ticket pages they have open (presence).

use crate::WebState;
use crate::forms::Form;
use crate::page::WebError;
use crate::session::{Signed, check_csrf};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::Stream;
use serde::Serialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;
use tessera_core::Actor;
use tessera_core::ids::{TicketId, UserId};
use tessera_desk::feed::{Live, Viewer};
use tokio::sync::broadcast;

/// How often a quiet feed checks that its session still holds.
pub const RECHECK: Duration = Duration::from_secs(3);
/// While events flow, the session is checked again at most this often.
const CHECK_AT_MOST: Duration = Duration::from_secs(1);

/// The message an agent's screen gets.
#[derive(Debug, Serialize)]
struct Wire<'a> {
    ticket_id: TicketId,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    /// The ticket's version after the event: a page showing this version
    /// or a later one has nothing new to show (looks such as revealing a
    /// secret do not change a ticket, and keep its version).
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i64>,
    /// Who did it (absent for the system).
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_id: Option<UserId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    viewers: Option<&'a [Viewer]>,
}

fn visible(actor: &Actor, live: &Live, recent: &mut HashMap<TicketId, bool>) -> bool {
    match live {
        Live::Ticket { ticket, event } => {
            let ok = tessera_desk::feed::visible_event(actor, ticket, event).is_some();
            recent.insert(ticket.id, ok);
            ok
        }
        // Presence only for tickets the agent was allowed to see.
        Live::Presence { ticket, .. } => recent.get(ticket).copied().unwrap_or(actor.is_admin()),
    }
}

/// The agent's event stream.
pub async fn stream(State(state): State<WebState>, Signed(s): Signed) -> Result<Response, WebError> {
    if !s.actor.is_staff() || s.is_guest() {
        return Err(WebError::Forbidden);
    }
    let rx = state.live.subscribe();
    let state_keep_alive = state.sse_keep_alive;
    let feed = Feed {
        rx,
        actor: s.actor,
        session: s.session.id_hash,
        checked: std::time::Instant::now(),
        state,
        recent: HashMap::new(),
    };
    let every = state_keep_alive;
    let stream = events(feed);
    // Keep-alives keep the connection within the server's idle timeout.
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(every)).into_response())
}

/// One agent's feed: the hub, who they are, and the session that lets them in.
struct Feed {
    rx: broadcast::Receiver<Live>,
    actor: Actor,
    /// The session's stored hash, checked again while the feed is open.
    session: String,
    checked: std::time::Instant,
    state: WebState,
    /// Whether the agent may see a ticket, as of its last event.
    recent: HashMap<TicketId, bool>,
}

impl Feed {
    /// Whether the session still holds (signed out, expired, a new
    /// password, a disabled user: it does not), taking the agent's current
    /// rights. Asked at most once a [`CHECK_AT_MOST`] while events flow.
    async fn still_allowed(&mut self, force: bool) -> bool {
        if !force && self.checked.elapsed() < CHECK_AT_MOST {
            return true;
        }
        self.checked = std::time::Instant::now();
        match crate::session::load_hash(&self.state, &self.session).await.filter(|s| s.actor.is_staff()) {
            Some(s) => {
                self.actor = s.actor;
                true
            }
            None => false,
        }
    }

    /// The next message for the screen; `None` ends the feed.
    async fn next(&mut self) -> Option<SseEvent> {
        loop {
            let live = match tokio::time::timeout(RECHECK, self.rx.recv()).await {
                Err(_) => {
                    if !self.still_allowed(true).await {
                        return None;
                    }
                    continue;
                }
                Ok(Ok(l)) => l,
                // Too slow a reader: tell the screen to refresh.
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => {
                    return Some(SseEvent::default().event("resync").data("{}"));
                }
                Ok(Err(broadcast::error::RecvError::Closed)) => return None,
            };
            if !self.still_allowed(false).await {
                return None;
            }
            if let Live::Presence { ticket, .. } = &live
                && !self.recent.contains_key(ticket)
            {
                let ok = self.state.desk.can_see_ticket(&self.actor, *ticket).await;
                self.recent.insert(*ticket, ok);
            }
            if !visible(&self.actor, &live, &mut self.recent) {
                continue;
            }
            let (name, data) = match &live {
                Live::Ticket { ticket, event } => (
                    "ticket",
                    serde_json::to_string(&Wire {
                        ticket_id: ticket.id,
                        kind: Some(event.kind.as_str()),
                        version: Some(event.ticket_version),
                        actor_id: event.actor_id,
                        viewers: None,
                    }),
                ),
                Live::Presence { ticket, viewers } => (
                    "presence",
                    serde_json::to_string(&Wire {
                        ticket_id: *ticket,
                        kind: None,
                        version: None,
                        actor_id: None,
                        viewers: Some(viewers),
                    }),
                ),
            };
            let Ok(data) = data else { continue };
            return Some(SseEvent::default().event(name).data(data));
        }
    }
}

fn events(feed: Feed) -> impl Stream<Item = Result<SseEvent, Infallible>> {
    futures_util::stream::unfold(feed, |mut feed| async move { feed.next().await.map(|ev| (Ok(ev), feed)) })
}

/// An agent's heartbeat on a ticket page (`typing=1` while writing,
/// `leaving=1` when the page closes).
pub async fn presence(
    State(state): State<WebState>,
    Signed(s): Signed,
    headers: HeaderMap,
    Path(id): Path<i64>,
    form: Form,
) -> Result<Response, WebError> {
    check_csrf(&s, &headers, form.get("_csrf"))?;
    if !s.actor.is_staff() {
        return Err(WebError::Forbidden);
    }
    let t = state.desk.ticket(&s.actor, TicketId(id)).await?;
    let now = state.desk.now();
    state.live.heartbeat(t.id, s.user.id, &s.user.name, form.checked("typing"), form.checked("leaving"), now);
    let viewers = state.live.viewers(t.id, now);
    let body = serde_json::to_string(&viewers).unwrap_or_else(|_| "[]".into());
    Ok((StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "application/json")], body).into_response())
}
