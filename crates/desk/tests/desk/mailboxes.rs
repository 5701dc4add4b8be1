//! IMAP mailboxes through the desk: admins manage them, the secret is
//! write-only and sealed, and only Tessera itself (the mail poller) gets
//! opened secrets, the lease and the cursor.

use crate::support::*;
use std::time::Duration;
use tessera_core::Actor;
use tessera_desk::mail::MailboxInput;
use tessera_store::{MailboxProgress, MailboxState};

fn input(w: &World) -> MailboxInput {
    MailboxInput {
        department_id: Some(w.support),
        address: Some("support@example.test".into()),
        imap_url: Some("imaps://mail.example.test".into()),
        username: Some("support".into()),
        password: Some("hunter2-for-imap".into()),
        ..MailboxInput::default()
    }
}

#[tokio::test]
async fn only_admins_manage_mailboxes_and_only_tessera_reads_their_secrets() {
    let w = World::new().await;
    for who in [&w.ayse, &w.erin] {
        assert_eq!(refusal(w.desk.create_mailbox(who, input(&w)).await).0, "forbidden");
        assert_eq!(refusal(w.desk.list_mailboxes(who).await).0, "forbidden");
    }
    let m = w.desk.create_mailbox(&w.admin, input(&w)).await.expect("a mailbox");
    assert!(!format!("{m:?}").contains("hunter2"), "the view carries no secret");
    for who in [&w.ayse, &w.erin] {
        assert_eq!(refusal(w.desk.mailbox(who, m.id).await).0, "forbidden");
        assert_eq!(refusal(w.desk.update_mailbox(who, m.id, MailboxInput::default()).await).0, "forbidden");
        assert_eq!(refusal(w.desk.delete_mailbox(who, m.id).await).0, "forbidden");
    }
    // A person, even an admin, gets neither the opened secret nor the lease.
    for who in [&w.admin, &w.ayse] {
        assert_eq!(refusal(w.desk.mailboxes_to_read(who).await).0, "forbidden");
        assert_eq!(refusal(w.desk.take_mailbox_lease(who, m.id, "me", Duration::from_secs(30)).await).0, "forbidden");
    }
    let system = Actor::system();
    let to_read = w.desk.mailboxes_to_read(&system).await.expect("the poller's list");
    assert_eq!(to_read.len(), 1);
    assert_eq!(to_read[0].secret, "hunter2-for-imap");
    assert!(to_read[0].mailbox.secret.starts_with("enc:"), "sealed at rest");
    assert!(!format!("{:?}", to_read[0]).contains("hunter2"));

    // One instance at a time; the progress is the holder's to save.
    assert!(w.desk.take_mailbox_lease(&system, m.id, "a", Duration::from_secs(30)).await.unwrap());
    assert!(!w.desk.take_mailbox_lease(&system, m.id, "b", Duration::from_secs(30)).await.unwrap());
    let progress = MailboxProgress {
        uid_validity: 9,
        last_uid: 4,
        fetched_at: w.desk.now(),
        succeeded: false,
        error: Some("x".repeat(5000)),
        state: MailboxState::Reauthorise,
        backlog: 2,
    };
    assert!(w.desk.save_mailbox_progress(&system, m.id, "a", progress.clone()).await.unwrap());
    assert!(!w.desk.save_mailbox_progress(&system, m.id, "b", progress).await.unwrap());
    let seen = w.desk.mailbox(&w.admin, m.id).await.unwrap();
    assert_eq!((seen.status.state, seen.status.last_uid, seen.status.backlog), (MailboxState::Reauthorise, 4, 2));
    assert_eq!(seen.status.last_error.as_deref().map(str::len), Some(1000), "errors are bounded");
    // An admin's change clears the error, keeps the cursor.
    let changed = w
        .desk
        .update_mailbox(&w.admin, m.id, MailboxInput { password: Some("new".into()), ..MailboxInput::default() })
        .await
        .unwrap();
    assert_eq!(
        (changed.status.state, changed.status.last_error.as_deref(), changed.status.last_uid),
        (MailboxState::Ok, None, 4)
    );
    // Inactive mailboxes are not read.
    w.desk
        .update_mailbox(&w.admin, m.id, MailboxInput { active: Some(false), ..MailboxInput::default() })
        .await
        .unwrap();
    assert!(w.desk.mailboxes_to_read(&system).await.unwrap().is_empty());
    w.desk.delete_mailbox(&w.admin, m.id).await.unwrap();
    assert_eq!(refusal(w.desk.mailbox(&w.admin, m.id).await).0, "not_found");
}
