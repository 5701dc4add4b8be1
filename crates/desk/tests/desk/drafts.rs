//! Issue 18: drafts of replies and notes (one per user and ticket, only
//! one's own, gone when sent) and the precondition against double answers
//! (`if_last_message_id`).

use crate::support::*;
use tessera_desk::{PostMessage, SaveDraft};

fn draft(kind: &str, body: &str) -> SaveDraft {
    SaveDraft { kind: Some(kind.into()), body: body.into() }
}

#[tokio::test]
async fn drafts_are_ones_own_until_sent_or_discarded() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.support, "VPN drops every hour").await.id;
    assert_eq!(w.desk.draft(&w.ayse, id).await.unwrap(), None);
    let saved = w.desk.save_draft(&w.ayse, id, draft("note", "Checking the tunnel logs")).await.unwrap().unwrap();
    assert_eq!((saved.kind.as_str(), saved.body.as_str()), ("note", "Checking the tunnel logs"));
    w.desk.save_draft(&w.erin, id, draft("reply", "It dropped again at 10:00")).await.unwrap();
    // Each sees their own.
    assert_eq!(w.desk.draft(&w.ayse, id).await.unwrap().unwrap().body, "Checking the tunnel logs");
    assert_eq!(w.desk.draft(&w.erin, id).await.unwrap().unwrap().body, "It dropped again at 10:00");
    // A customer keeps no note; nothing too long; no unknown kind.
    assert_eq!(refusal(w.desk.save_draft(&w.erin, id, draft("note", "x")).await), ("forbidden", Some("kind".into())));
    let long = "a".repeat(256 * 1024 + 1);
    assert_eq!(refusal(w.desk.save_draft(&w.ayse, id, draft("reply", &long)).await), ("too_long", Some("body".into())));
    assert_eq!(refusal(w.desk.save_draft(&w.ayse, id, draft("memo", "x")).await), ("invalid", Some("kind".into())));
    // A ticket one cannot see: no draft shown, none saved.
    assert_eq!(refusal(w.desk.draft(&w.bora, id).await).0, "not_found");
    assert_eq!(refusal(w.desk.save_draft(&w.bora, id, draft("reply", "x")).await).0, "not_found");
    assert_eq!(refusal(w.desk.draft(&w.gul, id).await).0, "not_found");
    // Sending removes the writer's draft, not another's.
    w.desk.note(&w.ayse, id, PostMessage::text("Checking the tunnel logs"), &web()).await.unwrap();
    assert_eq!(w.desk.draft(&w.ayse, id).await.unwrap(), None);
    assert!(w.desk.draft(&w.erin, id).await.unwrap().is_some());
    // A blank text discards; so does discarding.
    assert_eq!(w.desk.save_draft(&w.erin, id, draft("reply", "  \n")).await.unwrap(), None);
    assert_eq!(w.desk.draft(&w.erin, id).await.unwrap(), None);
    w.desk.save_draft(&w.erin, id, draft("", "Again")).await.unwrap();
    assert!(w.desk.discard_draft(&w.erin, id).await.unwrap());
    assert!(!w.desk.discard_draft(&w.erin, id).await.unwrap());
}

#[tokio::test]
async fn a_reply_written_before_a_colleagues_answer_is_refused_until_seen() {
    let w = World::new().await;
    let id = w.open(&w.erin, w.support, "Invoice twice").await.id;
    let seen = w.desk.last_public_message_id(&w.ayse, id).await.unwrap().expect("the first message");
    // A note arriving does not count: it is no answer to the customer.
    w.desk.note(&w.admin, id, PostMessage::text("Billing knows"), &web()).await.unwrap();
    let ok = PostMessage { if_last_message_id: Some(seen), ..PostMessage::text("Looking into it") };
    let first = w.desk.reply(&w.ayse, id, ok, &web()).await.expect("nothing new: sent");
    // A colleague's composer opened before that reply: refused, nothing posted.
    let before = w.desk.messages(&w.admin, id, true).await.unwrap().len();
    let stale = PostMessage { if_last_message_id: Some(seen), ..PostMessage::text("We refunded it") };
    assert_eq!(
        refusal(w.desk.reply(&w.admin, id, stale.clone(), &web()).await),
        ("new_reply", Some("if_last_message_id".into()))
    );
    assert_eq!(
        refusal(w.desk.note(&w.admin, id, stale, &web()).await),
        ("new_reply", Some("if_last_message_id".into()))
    );
    assert_eq!(w.desk.messages(&w.admin, id, true).await.unwrap().len(), before);
    // Having seen it ("send anyway"), or without the precondition, it goes.
    let latest = w.desk.last_public_message_id(&w.admin, id).await.unwrap();
    assert_eq!(latest, Some(first.message.id));
    let seen_now = PostMessage { if_last_message_id: latest, ..PostMessage::text("We refunded it") };
    w.desk.reply(&w.admin, id, seen_now, &web()).await.expect("sent anyway");
    w.desk.reply(&w.erin, id, PostMessage::text("Thanks"), &web()).await.expect("old clients: no check");
}
