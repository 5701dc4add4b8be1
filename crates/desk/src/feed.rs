//! The live feed: the committed event log fanned out to every subscriber
//! in this process — the web UI's live screens and the API's event stream —
//! with the rule of who may be told what in one place, and who is looking
//! at (or writing on) which ticket.
//!
//! One task per process follows the committed event log (the outbox) and
//! broadcasts each event with the ticket it concerns; each subscriber
//! passes on only what [`visible_event`] lets its actor see. A subscriber
//! too slow for the feed, or resuming, reads the log itself
//! ([`Desk::feed_page`]). Presence is kept in this process's memory
//! (heartbeats every few seconds, forgotten after [`PRESENCE_TTL_SECS`]);
//! with several instances it moves to the database.

use crate::{Desk, DeskResult};
use serde::Serialize;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tessera_core::ids::{EventId, TicketId, UserId};
use tessera_core::{Actor, Event, Ticket, Timestamp};
use tokio::sync::broadcast;

/// A viewer is forgotten this long after their last heartbeat.
pub const PRESENCE_TTL_SECS: i64 = 30;
/// The longest wait between looks at the log (a write wakes the feed at once).
const POLL: Duration = Duration::from_millis(250);

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
pub struct Feed {
    tx: broadcast::Sender<Live>,
    presence: Mutex<HashMap<TicketId, HashMap<UserId, Seen>>>,
}

impl Feed {
    /// Starts following the event log from now on: every event committed
    /// after this returns is told to whoever subscribes before it commits.
    pub async fn start(desk: Desk) -> Arc<Self> {
        let (tx, _) = broadcast::channel(1024);
        let hub = Arc::new(Self { tx, presence: Mutex::new(HashMap::new()) });
        let weak = Arc::downgrade(&hub);
        // Where the log ends is read before anyone can write "after the
        // start", not when the task first runs.
        let mut last = desk.store.latest_event_id().await.unwrap_or(EventId(0));
        tokio::spawn(async move {
            loop {
                desk.store.wait_for_events(last, POLL).await;
                let Some(hub) = weak.upgrade() else { break };
                if hub.tx.receiver_count() == 0 {
                    // Nobody is watching: skip what they would have been
                    // sent rather than read every event and its ticket —
                    // only if still nobody watches once the end is read, so
                    // a subscriber arriving meanwhile misses nothing it
                    // could have been told.
                    if let Ok(latest) = desk.store.latest_event_id().await
                        && hub.tx.receiver_count() == 0
                    {
                        last = latest;
                    }
                    continue;
                }
                let events = match desk.store.events_after(last, 500).await {
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
                        None => match desk.store.ticket(e.ticket_id).await {
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

/// What `actor` may be told of `e` on `ticket`: everything for agents who
/// see the ticket, what the portal shows for its customers, nothing for
/// anyone else. The one rule of every subscriber. A deleted ticket is seen
/// by nobody, but those who saw it are told its events (its deletion
/// first), so their screens drop it.
pub fn visible_event(actor: &Actor, ticket: &Ticket, e: &Event) -> Option<Event> {
    let saw = if ticket.deleted_at.is_some() {
        tessera_core::permission::scope_contains(&actor.ticket_scope(), ticket)
    } else {
        actor.can_view(ticket)
    };
    if !saw {
        None
    } else if actor.is_staff() {
        Some(e.clone())
    } else {
        e.for_customer()
    }
}

/// A page of the log as one actor may see it.
#[derive(Debug, Clone, Default)]
pub struct FeedPage {
    /// The events the actor may be told, in order.
    pub events: Vec<Event>,
    /// The last event read (seen or not): where the next page starts.
    /// `None` when there was nothing after the asked position.
    pub last: Option<EventId>,
}

impl Desk {
    /// The newest committed event's id (where a live subscription starts).
    pub async fn latest_event_id(&self) -> DeskResult<EventId> {
        Ok(self.store.latest_event_id().await?)
    }

    /// Up to `limit` events after `after` as `actor` may see them: for a
    /// subscriber resuming, or one too slow for the feed.
    pub async fn feed_page(&self, actor: &Actor, after: EventId, limit: u32) -> DeskResult<FeedPage> {
        let page = self.store.events_after(after, limit).await?;
        let last = page.last().map(|e| e.id);
        let mut tickets: HashMap<TicketId, Option<Ticket>> = HashMap::new();
        let mut events = Vec::new();
        for e in page {
            let ticket = match tickets.entry(e.ticket_id) {
                Entry::Occupied(o) => o.into_mut(),
                Entry::Vacant(v) => v.insert(self.store.ticket(e.ticket_id).await?),
            };
            if let Some(t) = ticket
                && let Some(v) = visible_event(actor, t, &e)
            {
                events.push(v);
            }
        }
        Ok(FeedPage { events, last })
    }

    /// Whether `actor` may see the ticket `id` now (for presence on it).
    pub async fn can_see_ticket(&self, actor: &Actor, id: TicketId) -> bool {
        self.visible_ticket(actor, id).await.is_ok()
    }
}
