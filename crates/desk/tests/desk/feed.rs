//! The live feed: a subscriber is told the committed events of the tickets
//! its actor may see (customers: what the portal shows), a client catching
//! up reads the log with the same rule, and presence is forgotten when the
//! heartbeats stop.

use crate::support::*;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration as StdDuration;
use tessera_core::event::EventKind;
use tessera_core::ids::{EventId, TicketId};
use tessera_core::{Actor, Event, Ticket};
use tessera_desk::feed::{Feed, Live, PRESENCE_TTL_SECS, Viewer, visible_event};
use tessera_desk::{PostMessage, TicketPatch};
use tokio::sync::broadcast::Receiver;
use tokio::time::timeout;

/// How long a test waits for the feed before calling it stuck (it looks at
/// the log at least every quarter second).
const PATIENCE: StdDuration = StdDuration::from_secs(10);

/// The next ticket event told to `rx`, skipping presence (heartbeats share
/// the channel).
async fn next_change(rx: &mut Receiver<Live>) -> (Arc<Ticket>, Arc<Event>) {
    loop {
        match rx.recv().await.expect("the feed is running") {
            Live::Ticket { ticket, event } => return (ticket, event),
            Live::Presence { .. } => {}
        }
    }
}

/// A running feed and a subscription that is told every write from now on,
/// with where the log ended when both were ready.
async fn following(w: &World) -> (Arc<Feed>, Receiver<Live>, EventId) {
    let feed = Feed::start(w.desk.clone()).await;
    let rx = feed.subscribe();
    (feed, rx, w.desk.latest_event_id().await.expect("the log"))
}

/// What `rx` is told after `from` up to and including `to`.
async fn told(rx: &mut Receiver<Live>, from: EventId, to: EventId) -> Vec<(Arc<Ticket>, Arc<Event>)> {
    let mut out = Vec::new();
    while out.last().is_none_or(|(_, e): &(Arc<Ticket>, Arc<Event>)| e.id < to) {
        let (t, e) = timeout(PATIENCE, next_change(rx)).await.expect("the feed tells every commit");
        if e.id > from {
            out.push((t, e));
        }
    }
    out
}

/// The conversation every feed test watches: Erin's ticket in Support,
/// answered and noted on by Ayşe, and Gül's in Billing, answered by Bora.
/// Answers Erin's ticket and Gül's.
async fn conversation(w: &World) -> (TicketId, TicketId) {
    let erins = w.open(&w.erin, w.support, "Erin's printer").await.id;
    w.reply(&w.ayse, erins, "Have you tried turning it off and on?").await;
    w.desk.note(&w.ayse, erins, PostMessage::text("She has not."), &web()).await.expect("a note");
    let tags = TicketPatch { add_tags: vec!["hardware".into()], ..TicketPatch::default() };
    w.desk.update_ticket(&w.ayse, erins, tags, None).await.expect("tagged");
    let guls = w.open(&w.gul, w.billing, "Gül's invoice").await.id;
    w.reply(&w.bora, guls, "Corrected.").await;
    (erins, guls)
}

/// What `actor` is told of the feed's events: the one rule every
/// subscriber applies.
fn as_seen_by(actor: &Actor, events: &[(Arc<Ticket>, Arc<Event>)]) -> Vec<Event> {
    events.iter().filter_map(|(t, e)| visible_event(actor, t, e)).collect()
}

/// The tickets a list of events concerns: who is told of which ticket is
/// the first thing the rule decides.
fn tickets_of(events: &[Event]) -> BTreeSet<TicketId> {
    events.iter().map(|e| e.ticket_id).collect()
}

/// The kinds of a list of events: what a customer's portal may show.
fn kinds(events: &[Event]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind).collect()
}

#[tokio::test]
async fn a_subscriber_is_told_committed_events_its_actor_may_see() {
    let w = World::new().await;
    let (_feed, mut rx, from) = following(&w).await;
    let (erins, guls) = conversation(&w).await;
    let to = w.desk.latest_event_id().await.expect("the log");
    let events = told(&mut rx, from, to).await;
    let all: Vec<Event> = events.iter().map(|(_, e)| Event::clone(e)).collect();
    assert_eq!(tickets_of(&all), BTreeSet::from([erins, guls]));
    assert_eq!(as_seen_by(&w.admin, &events), all, "the admin is told everything");

    let ayse = as_seen_by(&w.ayse, &events);
    assert_eq!(tickets_of(&ayse), BTreeSet::from([erins]), "an agent is told of their departments' tickets");
    assert!(kinds(&ayse).contains(&EventKind::NoteAdded) && kinds(&ayse).contains(&EventKind::TagsChanged));
    assert_eq!(tickets_of(&as_seen_by(&w.bora, &events)), BTreeSet::from([guls]));

    // A customer is told what the portal shows of their own tickets.
    let erin = as_seen_by(&w.erin, &events);
    assert_eq!(tickets_of(&erin), BTreeSet::from([erins]));
    assert_eq!(kinds(&erin), [EventKind::TicketCreated, EventKind::TicketReplied, EventKind::StatusChanged]);
    assert!(erin.iter().all(|e| e.changes.is_empty() && e.data.is_null()), "no internal details: {erin:?}");
    let by_agent = erin.iter().find(|e| e.kind == EventKind::TicketReplied).expect("the reply");
    assert_eq!(by_agent.actor_id, None, "which agent acted is not the customer's business");
    // Faruk sees Acme's tickets; Gül only her own.
    assert_eq!(as_seen_by(&w.faruk, &events), erin);
    assert_eq!(tickets_of(&as_seen_by(&w.gul, &events)), BTreeSet::from([guls]));
}

#[tokio::test]
async fn a_catch_up_page_follows_the_same_rule_as_the_live_feed() {
    let w = World::new().await;
    let (_feed, mut rx, from) = following(&w).await;
    conversation(&w).await;
    let to = w.desk.latest_event_id().await.expect("the log");
    let live = told(&mut rx, from, to).await;
    for actor in [&w.admin, &w.ayse, &w.bora, &w.erin, &w.faruk, &w.gul] {
        let page = w.desk.feed_page(actor, from, 100).await.expect("a page");
        assert_eq!(page.events, as_seen_by(actor, &live), "{actor:?}");
        assert_eq!(page.last, Some(to), "a page reads to the end of the log");
        // One event a page: the same events, and a page with nothing to
        // tell still moves on.
        let (mut after, mut paged, mut pages) = (from, Vec::new(), 0);
        loop {
            let page = w.desk.feed_page(actor, after, 1).await.expect("a page");
            let Some(last) = page.last else { break };
            paged.extend(page.events);
            after = last;
            pages += 1;
        }
        assert_eq!((paged, after, pages), (page.events, to, live.len()));
    }
    // Which is the portal's view for customers.
    let erin = w.desk.feed_page(&w.erin, from, 100).await.expect("a page").events;
    assert_eq!(kinds(&erin), [EventKind::TicketCreated, EventKind::TicketReplied, EventKind::StatusChanged]);
    assert!(erin.iter().all(|e| e.changes.is_empty() && e.data.is_null()), "no internal details: {erin:?}");
    let nothing_new = w.desk.feed_page(&w.admin, to, 100).await.expect("a page");
    assert!(nothing_new.events.is_empty() && nothing_new.last.is_none());
}

#[tokio::test]
async fn presence_is_forgotten_after_its_heartbeats_stop() {
    let w = World::new().await;
    let feed = Feed::start(w.desk.clone()).await;
    let mut rx = feed.subscribe();
    let ticket = w.open(&w.erin, w.support, "Who is here?").await.id;
    let elsewhere = w.open(&w.gul, w.billing, "Nobody here").await.id;
    let viewer = |a: &Actor, name: &str, typing| Viewer { id: a.user_id, name: name.into(), typing };

    let t0 = w.desk.now();
    feed.heartbeat(ticket, w.ayse.user_id, "Ayşe", false, false, t0);
    let told = loop {
        if let Live::Presence { ticket: t, viewers } = rx.recv().await.expect("the feed runs") {
            break (t, viewers);
        }
    };
    assert_eq!(told, (ticket, vec![viewer(&w.ayse, "Ayşe", false)]), "the others are told at once");
    w.advance(chrono::Duration::seconds(10));
    feed.heartbeat(ticket, w.admin.user_id, "Admin", true, false, w.desk.now());
    let both = vec![viewer(&w.admin, "Admin", true), viewer(&w.ayse, "Ayşe", false)];
    assert_eq!(feed.viewers(ticket, w.desk.now()), both);
    assert!(feed.viewers(elsewhere, w.desk.now()).is_empty());

    // Ayşe's last heartbeat was 10 s ago: she is forgotten 30 s after it.
    let ttl = chrono::Duration::seconds(PRESENCE_TTL_SECS);
    assert_eq!(feed.viewers(ticket, t0 + ttl - chrono::Duration::milliseconds(1)), both);
    assert_eq!(feed.viewers(ticket, t0 + ttl), [viewer(&w.admin, "Admin", true)]);
    // Leaving is at once.
    feed.heartbeat(ticket, w.admin.user_id, "Admin", false, true, w.desk.now());
    assert!(feed.viewers(ticket, w.desk.now()).is_empty());

    // Presence is shown only on tickets one may see.
    assert!(w.desk.can_see_ticket(&w.ayse, ticket).await);
    assert!(!w.desk.can_see_ticket(&w.bora, ticket).await);
    assert!(!w.desk.can_see_ticket(&w.gul, ticket).await);
}

#[tokio::test]
async fn a_deletion_is_told_to_the_agents_who_saw_the_ticket() {
    let w = World::new().await;
    let (_feed, mut rx, from) = following(&w).await;
    let t = w.open(&w.erin, w.support, "Soon gone").await;
    w.desk.delete_ticket(&w.ayse, t.id).await.expect("Ayşe deletes it");
    let to = w.desk.latest_event_id().await.expect("the log");
    let told = told(&mut rx, from, to).await;
    let (ticket, deleted) =
        told.iter().find(|(_, e)| e.kind == EventKind::Deleted).expect("the deletion is on the feed");
    // The agents of its department and the admin are told; the others and the customer are not.
    assert!(visible_event(&w.ayse, ticket, deleted).is_some(), "Ayşe's screen keeps a deleted ticket");
    assert!(visible_event(&w.admin, ticket, deleted).is_some());
    assert!(visible_event(&w.bora, ticket, deleted).is_none(), "Bora never saw it");
    assert!(visible_event(&w.erin, ticket, deleted).is_none(), "customers are not told of deletions");
    // Catching up says the same.
    let page = w.desk.feed_page(&w.ayse, from, 500).await.expect("the log");
    assert!(page.events.iter().any(|e| e.kind == EventKind::Deleted && e.ticket_id == t.id));
}
