//! Ticket operations: opening, replies and notes, status changes, merges,
//! edits made with an update, archiving several tickets, follow-ups to
//! closed tickets and optimistic concurrency. A compound operation is one
//! change: one new version and one batch of events, or nothing at all.

use crate::support::*;
use serde_json::json;
use std::collections::BTreeMap;
use tessera_core::event::EventKind;
use tessera_core::ids::TicketId;
use tessera_core::message::MessageKind;
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{ClosedReason, Priority};
use tessera_core::{Event, FieldType, Ticket};
use tessera_desk::{CustomFieldInput, DeskError, EditMessage, OpenTicket, PostMessage, TicketPatch};

/// A status key as inputs carry it (the catalogue is not asked: the desk
/// checks it).
fn status(key: &str) -> Option<StatusKey> {
    Some(StatusKey::new(key))
}

/// Checks that the ticket moved on by exactly one change since `before`
/// (one new version, every new event of that version: one commit, one
/// batch for webhooks and the feed) and answers the new events' kinds.
async fn one_change(w: &World, id: TicketId, before: &(Ticket, Vec<Event>)) -> Vec<EventKind> {
    let (after, events) = w.history(id).await;
    assert_eq!(after.version, before.0.version + 1, "one change is one version");
    let new = &events[before.1.len()..];
    assert!(!new.is_empty(), "a change is recorded");
    assert!(new.iter().all(|e| e.ticket_version == after.version), "one batch: {new:?}");
    new.iter().map(|e| e.kind).collect()
}

/// Checks that nothing changed on the ticket since `before`: all or
/// nothing, a refused operation leaves no version, no event and no field
/// changed behind.
async fn unchanged(w: &World, id: TicketId, before: &(Ticket, Vec<Event>)) {
    let (after, events) = w.history(id).await;
    assert_eq!((after.version, events.len()), (before.0.version, before.1.len()), "a refusal changes nothing");
    assert_eq!(after, before.0);
}

/// A text custom field `key` the admin adds, for every department: what a
/// reply carrying field values needs to exist.
async fn text_field(w: &World, key: &str) {
    let input = CustomFieldInput {
        key: Some(key.into()),
        field_type: Some(FieldType::Text),
        labels: Some(BTreeMap::from([("en".to_string(), key.to_string())])),
        ..CustomFieldInput::default()
    };
    w.desk.create_custom_field(&w.admin, input).await.expect("a custom field");
}

#[tokio::test]
async fn an_opened_ticket_holds_its_first_message_and_says_so() {
    let w = World::new().await;
    let input = OpenTicket { priority: Some(Priority::High), ..OpenTicket::new("Mail is down", w.support, "Since 9") };
    let opened = w.desk.open_ticket(&w.erin, input, &web()).await.expect("opened");
    let t = &opened.ticket;
    assert!(!t.number.is_empty());
    assert_eq!((t.requester_id, t.organization_id, t.department_id), (w.erin.user_id, Some(w.acme), w.support));
    assert_eq!((t.status.as_str(), t.priority, t.version), (StatusKey::NEW, Priority::High, 1));
    assert_eq!(opened.messages.len(), 1);
    assert_eq!((opened.messages[0].body.as_str(), opened.messages[0].kind), ("Since 9", MessageKind::Reply));
    let read = w.desk.ticket_detail(&w.erin, t.id, false).await.expect("her ticket");
    assert_eq!(read.messages, opened.messages);
    let (_, events) = w.history(t.id).await;
    assert_eq!(events.iter().map(|e| e.kind).collect::<Vec<_>>(), [EventKind::TicketCreated]);
    assert_eq!(w.desk.ticket_by_number(&w.ayse, &t.number).await.expect("by number").id, t.id);

    // Customers describe their problem; agents decide the rest.
    let chosen = OpenTicket { status: status(StatusKey::OPEN), ..OpenTicket::new("S", w.support, "B") };
    assert_eq!(refusal(w.desk.open_ticket(&w.erin, chosen, &web()).await), ("forbidden", Some("status".into())));
    let empty = OpenTicket::new("  ", w.support, "B");
    assert_eq!(refusal(w.desk.open_ticket(&w.erin, empty, &web()).await), ("required", Some("subject".into())));
}

#[tokio::test]
async fn replies_move_the_status_and_notes_stay_with_the_agents() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.support, "Slow site").await.id;
    assert_eq!(w.reply(&w.ayse, id, "Looking into it").await.ticket.status.as_str(), StatusKey::ANSWERED);
    assert_eq!(w.reply(&w.erin, id, "Still slow").await.ticket.status.as_str(), StatusKey::OPEN);
    let note = w.desk.note(&w.ayse, id, PostMessage::text("Her plan is too small"), &web()).await.expect("a note");
    assert_eq!(note.ticket.status.as_str(), StatusKey::OPEN, "a note leaves the status alone");
    let held = PostMessage { status: status(StatusKey::ON_HOLD), ..PostMessage::text("Waiting on the host") };
    assert_eq!(w.desk.reply(&w.ayse, id, held, &web()).await.unwrap().ticket.status.as_str(), StatusKey::ON_HOLD);

    let bodies = |who| {
        let desk = w.desk.clone();
        async move {
            let messages = desk.messages(who, id, false).await.expect("the conversation");
            messages.into_iter().map(|m| m.body).collect::<Vec<_>>()
        }
    };
    let all =
        ["Slow site: please help", "Looking into it", "Still slow", "Her plan is too small", "Waiting on the host"];
    assert_eq!(bodies(&w.ayse).await, all);
    assert_eq!(bodies(&w.erin).await, [all[0], all[1], all[2], all[4]], "customers never see notes");
    let note_id = note.message.id;
    assert_eq!(refusal(w.desk.message(&w.erin, note_id).await).0, "not_found");

    assert_eq!(refusal(w.desk.note(&w.erin, id, PostMessage::text("x"), &web()).await).0, "forbidden");
    let chosen = PostMessage { status: status(StatusKey::SOLVED), ..PostMessage::text("done?") };
    assert_eq!(refusal(w.desk.reply(&w.erin, id, chosen, &web()).await), ("forbidden", Some("status".into())));
}

#[tokio::test]
async fn solved_tickets_reopen_and_closed_ones_are_final() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.support, "Lifecycle").await.id;
    let solved = w.desk.solve(&w.ayse, id, None).await.expect("solved");
    assert_eq!(solved.status_category, StatusCategory::Solved);
    assert!(solved.solved_at.is_some());
    let reopened = w.desk.reopen(&w.erin, id, None).await.expect("the requester reopens");
    assert_eq!(reopened.status.as_str(), StatusKey::OPEN);
    assert_eq!(refusal(w.desk.reopen(&w.erin, id, None).await).0, "invalid_transition", "only solved reopens");
    let closed = w.desk.close(&w.ayse, id, None).await.expect("closed");
    assert_eq!((closed.status_category, closed.closed_reason), (StatusCategory::Closed, Some(ClosedReason::Manual)));

    let before = w.history(id).await;
    assert_eq!(refusal(w.desk.reopen(&w.erin, id, None).await).0, "ticket_closed");
    let rename = TicketPatch { subject: Some("Renamed".into()), ..TicketPatch::default() };
    assert_eq!(refusal(w.desk.update_ticket(&w.ayse, id, rename, None).await).0, "ticket_closed");
    let reopen = TicketPatch { status: status(StatusKey::OPEN), ..TicketPatch::default() };
    assert_eq!(refusal(w.desk.update_ticket(&w.ayse, id, reopen, None).await).0, "ticket_closed");
    let note = w.desk.note(&w.ayse, id, PostMessage::text("late"), &web()).await;
    assert_eq!(refusal(note).0, "ticket_closed");
    unchanged(&w, id, &before).await;
    // Filing still works on a closed ticket.
    let tag = TicketPatch { add_tags: vec!["billing".into()], ..TicketPatch::default() };
    assert_eq!(w.desk.update_ticket(&w.ayse, id, tag, None).await.expect("tagged").tags, ["billing"]);
}

#[tokio::test]
async fn a_reply_to_a_closed_ticket_opens_a_follow_up() {
    let w = World::new().await;
    let closed = w.open(&w.erin, w.support, "Old problem").await.id;
    w.desk.close(&w.ayse, closed, None).await.expect("closed");
    let before = w.history(closed).await;

    let posted = w.reply(&w.erin, closed, "It is back").await;
    assert!(posted.follow_up);
    let f = &posted.ticket;
    assert_ne!(f.id, closed);
    assert_eq!((f.follow_up_of_id, f.subject.as_str()), (Some(closed), "Old problem"));
    assert_eq!((f.status.as_str(), f.requester_id, f.department_id), (StatusKey::NEW, w.erin.user_id, w.support));
    assert_eq!(posted.message.ticket_id, f.id);
    let bodies: Vec<String> =
        w.desk.messages(&w.erin, f.id, false).await.unwrap().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["It is back"]);
    unchanged(&w, closed, &before).await;

    // An agent's reply opens one too, waiting on the customer.
    let by_agent = w.reply(&w.ayse, closed, "We found more").await;
    assert!(by_agent.follow_up);
    assert_ne!(by_agent.ticket.id, f.id);
    assert_eq!(by_agent.ticket.status.as_str(), StatusKey::ANSWERED);
    assert_eq!(w.desk.list_tickets(&w.erin, Default::default()).await.unwrap().total, 3);
}

/// Issue 18, item 12: a field "required when a ticket is opened" added
/// after tickets were opened is required when a ticket is opened, and only
/// then. Older tickets stay changeable, also by a form that sends every
/// field it shows (the web's properties panel sends "no value" for the
/// empty ones), and by a reply; a value a ticket has is still not cleared.
#[tokio::test]
async fn a_required_field_added_later_is_required_only_when_a_ticket_is_opened() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.support, "Opened before the field existed").await.id;
    for (key, field_type) in [("contract", FieldType::Text), ("terms", FieldType::Checkbox)] {
        let input = CustomFieldInput {
            key: Some(key.into()),
            field_type: Some(field_type),
            required: Some(true),
            customer_editable: Some(true),
            labels: Some(BTreeMap::from([("en".to_string(), key.to_string())])),
            ..CustomFieldInput::default()
        };
        w.desk.create_custom_field(&w.admin, input).await.expect("a required field");
    }

    // The priority alone, and the priority with every field of the form.
    let priority = TicketPatch { priority: Some(Priority::High), ..TicketPatch::default() };
    let t = w.desk.update_ticket(&w.ayse, id, priority, None).await.expect("an old ticket's priority changes");
    assert_eq!(t.priority, Priority::High);
    let form = TicketPatch {
        priority: Some(Priority::Low),
        custom_fields: Some(BTreeMap::from([
            ("contract".to_string(), serde_json::Value::Null),
            ("terms".to_string(), json!(false)),
        ])),
        ..TicketPatch::default()
    };
    let t = w.desk.update_ticket(&w.ayse, id, form, None).await.expect("the properties form saves");
    assert_eq!(t.priority, Priority::Low);
    assert!(t.custom_fields.is_empty(), "no value stays no value: {:?}", t.custom_fields);
    let reply = PostMessage {
        custom_fields: BTreeMap::from([("contract".to_string(), json!(""))]),
        ..PostMessage::text("Still here")
    };
    w.desk.reply(&w.erin, id, reply, &web()).await.expect("the customer replies");

    // A value given stays: it may change, not be emptied.
    let set = TicketPatch {
        custom_fields: Some(BTreeMap::from([("contract".to_string(), json!("C-77"))])),
        ..TicketPatch::default()
    };
    w.desk.update_ticket(&w.ayse, id, set, None).await.expect("a value set");
    let before = w.history(id).await;
    let clear = TicketPatch {
        custom_fields: Some(BTreeMap::from([("contract".to_string(), serde_json::Value::Null)])),
        ..TicketPatch::default()
    };
    assert_eq!(
        refusal(w.desk.update_ticket(&w.ayse, id, clear, None).await),
        ("required", Some("custom_fields.contract".into()))
    );
    unchanged(&w, id, &before).await;

    // Opening a ticket still needs both.
    let missing = OpenTicket::new("New one", w.support, "Body");
    assert_eq!(refusal(w.desk.open_ticket(&w.erin, missing, &web()).await).0, "required");
}

#[tokio::test]
async fn a_reply_with_fields_a_priority_and_a_status_is_one_change() {
    let w = World::new().await;
    text_field(&w, "domain").await;
    let id = w.open(&w.erin, w.support, "Domain transfer").await.id;
    let before = w.history(id).await;
    let reply = PostMessage {
        status: status(StatusKey::IN_PROGRESS),
        priority: Some(Priority::Urgent),
        custom_fields: BTreeMap::from([("domain".to_string(), json!("ornek.com.tr"))]),
        ..PostMessage::text("Transferring now")
    };
    let posted = w.desk.reply(&w.ayse, id, reply, &web()).await.expect("the reply");
    let kinds = one_change(&w, id, &before).await;
    for k in [EventKind::TicketReplied, EventKind::StatusChanged, EventKind::PriorityChanged] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    assert!(kinds.contains(&EventKind::CustomFieldsChanged), "{kinds:?}");
    let t = w.desk.ticket(&w.ayse, id).await.expect("the ticket");
    assert_eq!(t, posted.ticket);
    assert_eq!((t.status.as_str(), t.priority), (StatusKey::IN_PROGRESS, Priority::Urgent));
    assert_eq!(t.custom_fields["domain"], "ornek.com.tr");

    // A part refused refuses the whole reply.
    let before = w.history(id).await;
    let messages = w.desk.messages(&w.ayse, id, false).await.unwrap().len();
    let bad = PostMessage {
        priority: Some(Priority::Low),
        custom_fields: BTreeMap::from([("no_such_field".to_string(), json!("x"))]),
        ..PostMessage::text("Should not land")
    };
    let refused = refusal(w.desk.reply(&w.ayse, id, bad, &web()).await);
    assert_eq!(refused, ("unknown_field", Some("custom_fields.no_such_field".into())));
    unchanged(&w, id, &before).await;
    assert_eq!(w.desk.messages(&w.ayse, id, false).await.unwrap().len(), messages);
    // A customer may not change the priority with a reply.
    let urgent = PostMessage { priority: Some(Priority::Low), ..PostMessage::text("lower it") };
    assert_eq!(refusal(w.desk.reply(&w.erin, id, urgent, &web()).await), ("forbidden", Some("priority".into())));
    unchanged(&w, id, &before).await;
}

#[tokio::test]
async fn an_update_that_edits_a_message_is_one_change() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.support, "Typo in subjct").await.id;
    let first = w.desk.messages(&w.ayse, id, false).await.unwrap()[0].id;
    let before = w.history(id).await;
    let patch = TicketPatch {
        subject: Some("Typo in subject".into()),
        status: status(StatusKey::IN_PROGRESS),
        ..TicketPatch::default()
    };
    let edit = EditMessage { body: "Reworded opening".into(), html: None };
    let t = w.desk.update_ticket_editing(&w.ayse, id, patch, None, Some((first, edit))).await.expect("updated");
    let kinds = one_change(&w, id, &before).await;
    for k in [EventKind::MessageEdited, EventKind::TicketUpdated, EventKind::StatusChanged] {
        assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
    }
    assert_eq!((t.subject.as_str(), t.status.as_str()), ("Typo in subject", StatusKey::IN_PROGRESS));
    assert_eq!(w.desk.message(&w.erin, first).await.expect("the message").body, "Reworded opening");
    let history = w.desk.message_history(&w.ayse, first).await.expect("its history");
    assert_eq!(history.iter().map(|e| e.previous_body.as_str()).collect::<Vec<_>>(), ["Typo in subjct: please help"]);

    // An edit that cannot be made refuses the update with it.
    let other = w.open(&w.erin, w.support, "Another").await.id;
    let elsewhere = w.desk.messages(&w.ayse, other, false).await.unwrap()[0].id;
    let before = w.history(id).await;
    let patch = TicketPatch { subject: Some("Not applied".into()), ..TicketPatch::default() };
    let edit = EditMessage { body: "Nor this".into(), html: None };
    let r = w.desk.update_ticket_editing(&w.ayse, id, patch.clone(), None, Some((elsewhere, edit.clone()))).await;
    assert_eq!(refusal(r).0, "not_found", "a message of another ticket");
    let empty = EditMessage { body: "   ".into(), html: None };
    let r = w.desk.update_ticket_editing(&w.ayse, id, patch, None, Some((first, empty))).await;
    assert_eq!(refusal(r), ("required", Some("body".into())), "an empty text");
    unchanged(&w, id, &before).await;
}

#[tokio::test]
async fn a_merge_with_a_new_subject_is_one_change_of_the_target() {
    let w = World::new().await;
    let target = w.open(&w.erin, w.support, "Printer").await.id;
    let sources = [w.open(&w.erin, w.support, "Printer again").await.id, w.open_for(&w.erin, "Printer call").await.id];
    let before = w.history(target).await;
    let merged = w.desk.merge_renaming(&w.ayse, target, &sources, Some("Printer (merged)")).await.expect("merged");
    assert_eq!(merged.subject, "Printer (merged)");
    let kinds = one_change(&w, target, &before).await;
    assert!(kinds.contains(&EventKind::Merged) && kinds.contains(&EventKind::TicketUpdated), "{kinds:?}");
    for s in sources {
        let t = w.desk.ticket(&w.ayse, s).await.expect("the source stays readable");
        assert_eq!((t.status_category, t.closed_reason), (StatusCategory::Closed, Some(ClosedReason::Merged)));
        assert_eq!(t.merged_into_id, Some(target));
    }
    let bodies: Vec<String> =
        w.desk.messages(&w.erin, target, false).await.unwrap().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies.len(), 3, "the sources' messages moved to the target: {bodies:?}");

    // A refused merge changes nothing.
    let third = w.open(&w.erin, w.support, "Not merged").await.id;
    let (before, third_before) = (w.history(target).await, w.history(third).await);
    let long = "x".repeat(256);
    let refusals = [
        refusal(w.desk.merge_renaming(&w.ayse, target, &[third], Some(&long)).await),
        refusal(w.desk.merge_renaming(&w.ayse, target, &[target], None).await),
        refusal(w.desk.merge_renaming(&w.ayse, target, &[third, sources[0]], None).await),
        refusal(w.desk.merge(&w.erin, target, &[third]).await),
    ];
    assert_eq!(refusals[0], ("too_long", Some("subject".into())));
    assert_eq!(refusals[1].1.as_deref(), Some("source_ids"), "not into itself");
    assert_eq!(refusals[2], ("already_merged", Some("source_ids".into())));
    assert_eq!(refusals[3].0, "forbidden", "only agents merge");
    unchanged(&w, target, &before).await;
    unchanged(&w, third, &third_before).await;
}

#[tokio::test]
async fn archiving_several_tickets_is_all_or_none_one_version_each() {
    let w = World::new().await;
    let a = w.open(&w.erin, w.support, "A").await.id;
    let b = w.open(&w.gul, w.support, "B").await.id;
    let billing = w.open(&w.gul, w.billing, "Not Ayşe's").await.id;
    let (before_a, before_b) = (w.history(a).await, w.history(b).await);
    let archived = w.desk.archive_tickets(&w.ayse, &[b, a, b], true).await.expect("archived");
    assert_eq!(archived.iter().map(|t| (t.id, t.archived)).collect::<Vec<_>>(), [(a, true), (b, true)]);
    assert_eq!(one_change(&w, a, &before_a).await, [EventKind::Archived]);
    assert_eq!(one_change(&w, b, &before_b).await, [EventKind::Archived]);

    // One ticket she may not see: none is taken out of the archive.
    let (before_a, before_billing) = (w.history(a).await, w.history(billing).await);
    assert_eq!(refusal(w.desk.archive_tickets(&w.ayse, &[a, billing], false).await).0, "not_found");
    unchanged(&w, a, &before_a).await;
    unchanged(&w, billing, &before_billing).await;
    let too_many: Vec<TicketId> = (1..=101).map(TicketId).collect();
    assert_eq!(refusal(w.desk.archive_tickets(&w.admin, &too_many, true).await).1.as_deref(), Some("ids"));
    // Archiving what is archived changes nothing.
    let before_a = w.history(a).await;
    w.desk.archive_tickets(&w.ayse, &[a], true).await.expect("nothing to do");
    unchanged(&w, a, &before_a).await;
}

#[tokio::test]
async fn a_change_made_on_a_stale_version_is_refused() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.support, "Race").await.id;
    let seen = w.desk.ticket(&w.ayse, id).await.expect("Ayşe reads it").version;
    let high = TicketPatch { priority: Some(Priority::High), ..TicketPatch::default() };
    let t = w.desk.update_ticket(&w.ayse, id, high, Some(seen)).await.expect("her version is current");
    assert_eq!(t.version, seen + 1);

    // The admin, who read the same version, is too late.
    let before = w.history(id).await;
    let low = TicketPatch { priority: Some(Priority::Low), ..TicketPatch::default() };
    let stale = w.desk.update_ticket(&w.admin, id, low.clone(), Some(seen)).await;
    assert!(matches!(stale, Err(DeskError::VersionMismatch { current }) if current == seen + 1), "{stale:?}");
    let in_patch = TicketPatch { version: Some(seen), ..low.clone() };
    let stale = w.desk.update_ticket(&w.admin, id, in_patch, None).await;
    assert!(matches!(stale, Err(DeskError::VersionMismatch { current }) if current == seen + 1), "{stale:?}");
    assert!(matches!(w.desk.solve(&w.admin, id, Some(seen)).await, Err(DeskError::VersionMismatch { .. })));
    unchanged(&w, id, &before).await;
    // Without a version, the change is made on the ticket as it is now.
    assert_eq!(w.desk.update_ticket(&w.admin, id, low, None).await.expect("applied").priority, Priority::Low);
}

#[tokio::test]
async fn blocking_a_sender_disables_them_and_deletes_the_ticket_in_one_change() {
    let w = World::new().await;
    let kept = w.open(&w.gul, w.support, "Still here").await.id;
    let spam = w.open(&w.gul, w.support, "Cheap watches").await.id;
    // Disabling a person is an admin's right; a registered customer is not
    // blocked from one of their tickets (their account page does that).
    let before = w.history(spam).await;
    assert_eq!(refusal(w.desk.block_sender(&w.ayse, spam, true).await).1.as_deref(), Some("disabled"));
    let registered = w.user_with_password("registered@example.test", tessera_core::Role::Customer).await;
    let theirs = w.open(&registered, w.support, "Mine").await.id;
    assert_eq!(refusal(w.desk.block_sender(&w.admin, theirs, true).await).1.as_deref(), Some("requester"));
    unchanged(&w, spam, &before).await;
    assert!(!w.desk.user(&w.admin, w.gul.user_id).await.unwrap().user.disabled);

    let last_event = before.1.last().expect("an opened ticket has events").id;
    w.desk.block_sender(&w.admin, spam, true).await.expect("blocked");
    assert!(w.desk.user(&w.admin, w.gul.user_id).await.unwrap().user.disabled, "the sender is disabled");
    assert_eq!(refusal(w.desk.ticket(&w.admin, spam).await).0, "not_found", "the ticket is deleted");
    // One change: one version, one event, told to the admin who saw it.
    let told: Vec<_> = w
        .desk
        .feed_page(&w.admin, last_event, 100)
        .await
        .unwrap()
        .events
        .into_iter()
        .filter(|e| e.ticket_id == spam)
        .map(|e| (e.kind, e.ticket_version))
        .collect();
    assert_eq!(told, [(EventKind::Deleted, before.0.version + 1)]);
    // Their other ticket stays, unchanged but for whom it is from.
    assert_eq!(w.desk.ticket(&w.admin, kept).await.unwrap().version, 1);
}

/// A customer's rating is not an update of the ticket (issue 18, item 15):
/// the "last update" the lists sort by stays where the reply put it, while
/// the version moves (a rating is a change others must not overwrite).
#[tokio::test]
async fn a_rating_does_not_change_the_last_update() {
    let w = World::new().await;
    let t = w.open(&w.erin, w.support, "Slow site").await;
    let answer = w.reply(&w.ayse, t.id, "Fixed, please check.").await;
    let (before, _) = w.history(t.id).await;
    w.advance(chrono::Duration::hours(1));
    w.desk.rate_message(&w.erin, answer.message.id, 5).await.expect("the requester rates");
    let (after, events) = w.history(t.id).await;
    assert_eq!(after.updated_at, before.updated_at);
    assert_eq!(after.version, before.version + 1);
    assert_eq!(events.last().map(|e| e.kind), Some(EventKind::MessageRated));
    // A reply still is an update.
    w.advance(chrono::Duration::minutes(1));
    w.reply(&w.erin, t.id, "Thanks!").await;
    assert!(w.history(t.id).await.0.updated_at > before.updated_at);
}
