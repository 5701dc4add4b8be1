//! Notification modes and digests (decision 48): a person's own mode wins,
//! then their department's default, then immediate; notifications in
//! digest mode are collected and come as one mail when the digest is due.

use chrono::Duration;
use tessera_core::Role;
use tessera_desk::mail::outbound::NotificationChoice;
use tessera_desk::{CreateUser, DepartmentInput};
use tessera_store::{NotificationMode, OutboundKind};

use crate::support::*;

fn choice(kind: OutboundKind, mode: Option<NotificationMode>) -> NotificationChoice {
    NotificationChoice { kind, mode }
}

#[tokio::test]
async fn three_new_tickets_in_digest_mode_come_as_one_digest_when_it_is_due() {
    let w = World::new().await;
    w.desk.queue_mail_from_log(500).await.unwrap(); // the cursor starts at the end of the log
    let digest = [choice(OutboundKind::NewTicket, Some(NotificationMode::Digest))];
    w.desk.set_notification_modes(&w.ayse, &digest).await.unwrap();
    for subject in ["Disk full", "DNS records", "Renewal"] {
        w.open(&w.gul, w.support, subject).await;
    }
    w.desk.queue_mail_from_log(500).await.unwrap();
    assert!(w.mail_to("ayse@tessera.test").await.is_empty(), "nothing at once in digest mode");
    assert_eq!(w.mail_to("gul@example.test").await.len(), 1, "Gül's acknowledgement goes as before");

    assert_eq!(w.desk.queue_due_digests(100).await.unwrap(), 0, "not due yet");
    w.advance(Duration::minutes(59));
    assert_eq!(w.desk.queue_due_digests(100).await.unwrap(), 0, "not due before the hour");
    w.advance(Duration::minutes(2));
    assert_eq!(w.desk.queue_due_digests(100).await.unwrap(), 1);
    let mails = w.mail_to("ayse@tessera.test").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let (kind, text) = &mails[0];
    assert_eq!(*kind, OutboundKind::Digest);
    for subject in ["New ticket: Disk full", "New ticket: DNS records", "New ticket: Renewal"] {
        assert!(text.contains(subject), "{subject} in {text}");
    }
    assert!(text.contains("(3)") && text.contains(&format!("{PUBLIC_URL}/agent/tickets/")), "{text}");
    // Taken once: the next look finds nothing.
    w.advance(Duration::minutes(5));
    assert_eq!(w.desk.queue_due_digests(100).await.unwrap(), 0);
    assert_eq!(w.mail_to("ayse@tessera.test").await.len(), 1);
}

#[tokio::test]
async fn a_department_default_of_off_silences_its_agents_until_their_own_choice() {
    let w = World::new().await;
    w.desk.queue_mail_from_log(500).await.unwrap();
    let deniz = w
        .desk
        .create_user(&w.admin, CreateUser::new(email("deniz@tessera.test"), "Deniz", Role::Agent))
        .await
        .unwrap()
        .user;
    let members = DepartmentInput { member_ids: Some(vec![w.ayse.user_id, deniz.id]), ..DepartmentInput::default() };
    w.desk.update_department(&w.admin, w.support, members).await.unwrap();
    let deniz = w.desk.actor_for(&deniz).await.unwrap();
    let off = [choice(OutboundKind::NewTicket, Some(NotificationMode::Off))];
    w.desk.set_department_notification_defaults(&w.admin, w.support, &off).await.unwrap();
    let defaults = w.desk.department_notification_defaults(&w.admin, w.support).await.unwrap();
    assert!(defaults.contains(&choice(OutboundKind::NewTicket, Some(NotificationMode::Off))), "{defaults:?}");
    assert!(defaults.contains(&choice(OutboundKind::Assigned, None)), "{defaults:?}");

    w.open(&w.gul, w.support, "Quiet one").await;
    w.desk.queue_mail_from_log(500).await.unwrap();
    assert!(w.mail_to("deniz@tessera.test").await.is_empty(), "the department's default is off");
    assert!(w.mail_to("ayse@tessera.test").await.is_empty());
    let now = [choice(OutboundKind::NewTicket, Some(NotificationMode::Immediate))];
    w.desk.set_notification_modes(&deniz, &now).await.unwrap();
    w.open(&w.gul, w.support, "Loud one").await;
    w.desk.queue_mail_from_log(500).await.unwrap();
    let mails = w.mail_to("deniz@tessera.test").await;
    assert_eq!(mails.len(), 1, "his own choice wins: {mails:?}");
    assert_eq!(mails[0].0, OutboundKind::NewTicket);
    assert!(w.mail_to("ayse@tessera.test").await.is_empty(), "Ayşe made no choice: still off");
    // Back to the default: silent again.
    w.desk.set_notification_modes(&deniz, &[choice(OutboundKind::NewTicket, None)]).await.unwrap();
    w.open(&w.gul, w.support, "Quiet again").await;
    w.desk.queue_mail_from_log(500).await.unwrap();
    assert_eq!(w.mail_to("deniz@tessera.test").await.len(), 1);
}

#[tokio::test]
async fn only_admins_set_department_defaults_and_only_of_agents_kinds() {
    let w = World::new().await;
    let off = [choice(OutboundKind::NewTicket, Some(NotificationMode::Off))];
    assert_eq!(refusal(w.desk.set_department_notification_defaults(&w.ayse, w.support, &off).await).0, "forbidden");
    assert_eq!(refusal(w.desk.department_notification_defaults(&w.ayse, w.support).await).0, "forbidden");
    let missing = tessera_core::ids::DepartmentId(987_654);
    assert_eq!(refusal(w.desk.set_department_notification_defaults(&w.admin, missing, &off).await).0, "not_found");
    // A customers' kind among good ones: refused, and nothing changed.
    let mixed = [
        choice(OutboundKind::Assigned, Some(NotificationMode::Digest)),
        choice(OutboundKind::Solved, Some(NotificationMode::Off)),
    ];
    let (_, field) = refusal(w.desk.set_department_notification_defaults(&w.admin, w.support, &mixed).await);
    assert_eq!(field.as_deref(), Some("kind"));
    let defaults = w.desk.department_notification_defaults(&w.admin, w.support).await.unwrap();
    assert!(defaults.iter().all(|c| c.mode.is_none()), "{defaults:?}");
}

#[tokio::test]
async fn people_choose_their_own_kinds_only_and_a_bad_one_changes_nothing() {
    let w = World::new().await;
    let mixed = [
        choice(OutboundKind::NewTicket, Some(NotificationMode::Digest)),
        choice(OutboundKind::Solved, Some(NotificationMode::Off)),
    ];
    refusal(w.desk.set_notification_modes(&w.ayse, &mixed).await);
    assert!(w.desk.notification_modes(&w.ayse).await.unwrap().iter().all(|c| c.mode.is_none()));
    refusal(w.desk.set_notification_modes(&w.gul, &mixed).await);
    let digest = [choice(OutboundKind::Solved, Some(NotificationMode::Digest))];
    w.desk.set_notification_modes(&w.gul, &digest).await.unwrap();
    let gul = w.desk.notification_modes(&w.gul).await.unwrap();
    assert_eq!(
        gul,
        vec![choice(OutboundKind::Acknowledgement, None), choice(OutboundKind::Solved, Some(NotificationMode::Digest))]
    );
    // Erin's choices are her own: Gül's did not touch them.
    assert!(w.desk.notification_modes(&w.erin).await.unwrap().iter().all(|c| c.mode.is_none()));
}
