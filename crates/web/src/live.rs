//! Live screens: the event log fanned out to connected agents over
//! server-sent events, and who is looking at (or writing on) which ticket.
//!
//! One task per process follows the committed event log (the outbox) and
//! broadcasts each event with the ticket it concerns; each agent's stream
//! passes on only events of tickets that agent may see. The API's event
//! stream (`/api/v1/events/stream`) listens to the same hub. Presence is kept in
//! this process's memory (heartbeats every few seconds, forgotten after
//! [`PRESENCE_TTL_SECS`]); with several instances it moves to the database.

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
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tessera_core::ids::{EventId, TicketId, UserId};
use tessera_core::{Actor, Event, Ticket, Timestamp};
use tessera_desk::Desk;
use tokio::sync::broadcast;

/// A viewer is forgotten this long after their last heartbeat.
pub const PRESENCE_TTL_SECS: i64 = 30;
/// The longest wait between looks at the log (a write wakes the hub at once).
const POLL: Duration = Duration::from_millis(250);
/// How often a quiet feed checks that its session still holds.
pub const RECHECK: Duration = Duration::from_secs(3);
/// While events flow, the session is checked again at most this often.
const CHECK_AT_MOST: Duration = Duration::from_secs(1);

/// What connected screens are told.
#[derive(Debug, Clone)]
pub enum Live {
    /// A ticket changed.
    Ticket {
        /// The ticket as it is now (for the permission check).
        ticket: Arc<Ticket>,
        /// What happened.
        event: Arc<Event>,
    },
    /// Who is on a ticket changed.
    Presence {
        /// The ticket.
        ticket: TicketId,
        /// Who is there.
        viewers: Vec<Viewer>,
    },
}

/// Someone on a ticket page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Viewer {
    /// Their id.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Writing a reply or note.
    pub typing: bool,
}

#[derive(Debug, Clone)]
struct Seen {
    name: String,
    typing: bool,
    at: Timestamp,
}

/// The fan-out and the presence table.
pub struct Hub {
    tx: broadcast::Sender<Live>,
    presence: Mutex<HashMap<TicketId, HashMap<UserId, Seen>>>,
}

impl Hub {
    /// Starts following the event log from now on.
    pub fn start(desk: Desk) -> Arc<Self> {
        let (tx, _) = broadcast::channel(1024);
        let hub = Arc::new(Self { tx, presence: Mutex::new(HashMap::new()) });
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            let mut last = desk.store().latest_event_id().await.unwrap_or(EventId(0));
            loop {
                desk.store().wait_for_events(last, POLL).await;
                let Some(hub) = weak.upgrade() else { break };
                if hub.tx.receiver_count() == 0 {
                    // Nobody is watching: skip what they would have been
                    // sent rather than read every event and its ticket.
                    if let Ok(latest) = desk.store().latest_event_id().await {
                        last = latest;
                    }
                    continue;
                }
                let events = match desk.store().events_after(last, 500).await {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!(error = %e, "live updates cannot read the event log");
                        continue;
                    }
                };
                let mut tickets: HashMap<TicketId, Arc<Ticket>> = HashMap::new();
                for e in events {
                    last = e.id;
                    let ticket = match tickets.get(&e.ticket_id) {
                        Some(t) => Arc::clone(t),
                        None => match desk.store().ticket(e.ticket_id).await {
                            Ok(Some(t)) => {
                                let t = Arc::new(t);
                                tickets.insert(e.ticket_id, Arc::clone(&t));
                                t
                            }
                            _ => continue,
                        },
                    };
                    let _ = hub.tx.send(Live::Ticket { ticket, event: Arc::new(e) });
                }
            }
        });
        hub
    }

    /// Listens to everything.
    pub fn subscribe(&self) -> broadcast::Receiver<Live> {
        self.tx.subscribe()
    }

    /// Records a heartbeat (or a departure) and tells the others.
    pub fn heartbeat(&self, ticket: TicketId, user: UserId, name: &str, typing: bool, leaving: bool, now: Timestamp) {
        let viewers = {
            let Ok(mut map) = self.presence.lock() else { return };
            let entry = map.entry(ticket).or_default();
            if leaving {
                entry.remove(&user);
            } else {
                entry.insert(user, Seen { name: name.to_string(), typing, at: now });
            }
            Self::live_viewers(entry, now)
        };
        let _ = self.tx.send(Live::Presence { ticket, viewers });
    }

    /// Who is on a ticket now.
    pub fn viewers(&self, ticket: TicketId, now: Timestamp) -> Vec<Viewer> {
        match self.presence.lock() {
            Ok(mut map) => map.get_mut(&ticket).map(|e| Self::live_viewers(e, now)).unwrap_or_default(),
            Err(_) => Vec::new(),
        }
    }

    fn live_viewers(entry: &mut HashMap<UserId, Seen>, now: Timestamp) -> Vec<Viewer> {
        entry.retain(|_, s| (now - s.at).num_seconds() < PRESENCE_TTL_SECS);
        let mut v: Vec<Viewer> =
            entry.iter().map(|(id, s)| Viewer { id: *id, name: s.name.clone(), typing: s.typing }).collect();
        v.sort_by_key(|x| x.id);
        v
    }
}

/// The message an agent's screen gets.
#[derive(Debug, Serialize)]
struct Wire<'a> {
    ticket_id: TicketId,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    viewers: Option<&'a [Viewer]>,
}

fn visible(actor: &Actor, live: &Live, recent: &mut HashMap<TicketId, bool>) -> bool {
    match live {
        Live::Ticket { ticket, .. } => {
            let ok = actor.can_view(ticket);
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
                let t = self.state.desk.store().ticket(*ticket).await.ok().flatten();
                let ok = t.is_some_and(|t| self.actor.can_view(&t));
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
                        viewers: None,
                    }),
                ),
                Live::Presence { ticket, viewers } => (
                    "presence",
                    serde_json::to_string(&Wire { ticket_id: *ticket, kind: None, viewers: Some(viewers) }),
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
