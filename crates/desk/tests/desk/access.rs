//! Account access (issue 17): password resets for every role, sign-in links
//! for customers and the billing panel's hand-off, on single-use tokens.
//! The links are read from the mail the desk hands on, as the user reads
//! them from their mailbox.

use crate::support::*;
use chrono::Duration;
use tessera_core::Role;
use tessera_core::ids::UserId;
use tessera_desk::access::{REQUESTS_PER_ADDRESS, REQUESTS_PER_CLIENT};
use tessera_desk::{AccessError, DeskError, HandoffRequest, HandoffTarget, SessionKind, UpdateUser};
use tessera_store::OutboundKind;

const NEW_PASSWORD: &str = "a brand new secret";

fn handoff(target: HandoffTarget) -> HandoffRequest {
    HandoffRequest { target, redirect_path: None, ticket_id: None }
}

/// The code of a refusal by an access method.
fn code<T: std::fmt::Debug>(r: Result<T, AccessError>) -> String {
    match r.expect_err("refused") {
        AccessError::Desk(e) => e.code().to_string(),
        AccessError::TooMany { .. } => "too_many".into(),
        AccessError::NoPublicUrl => "no_public_url".into(),
        AccessError::MailOff => "mail_off".into(),
    }
}

/// The token of a hand-off URL.
fn handoff_token(url: &str) -> String {
    let path = url.strip_prefix(&format!("{PUBLIC_URL}/sso/")).expect("a hand-off URL of public_url");
    path.split('?').next().unwrap().to_string()
}

#[tokio::test]
async fn a_reset_sets_the_password_ends_every_session_and_works_once() {
    let w = World::new().await;
    let agent = w.user_with_password("deniz@tessera.test", Role::Agent).await;
    let browser = w.desk.start_session(&agent, SessionKind::Browser).await.unwrap();
    let api = w.desk.start_session(&agent, SessionKind::Api).await.unwrap();

    w.desk.request_password_reset("  Deniz@Tessera.test ", "192.0.2.1").await.unwrap();
    let token = w.last_link_token("deniz@tessera.test").await;
    let mails = w.mail_to("deniz@tessera.test").await;
    assert_eq!(mails[0].0, OutboundKind::PasswordReset);
    assert!(mails[0].1.contains(&format!("{PUBLIC_URL}/reset/{token}")), "{}", mails[0].1);
    w.desk.check_reset_token(&token).await.unwrap();

    // A password the rules refuse does not spend the link.
    let short = w.desk.complete_password_reset(&token, "short").await;
    assert_eq!(refusal(short), ("too_short", Some("password".into())));
    let user = w.desk.complete_password_reset(&token, NEW_PASSWORD).await.unwrap();
    assert_eq!(user.id, agent.user_id);

    for (kind, s) in [(SessionKind::Browser, &browser), (SessionKind::Api, &api)] {
        assert!(matches!(w.desk.session(kind, &s.secret).await, Err(DeskError::Unauthenticated)), "{kind:?} ended");
    }
    assert!(w.desk.authenticate_password("deniz@tessera.test", PASSWORD).await.is_err());
    w.desk.authenticate_password("deniz@tessera.test", NEW_PASSWORD).await.unwrap();

    // Used: it opens nothing any more, and says so the same way as a made-up one.
    let again = w.desk.complete_password_reset(&token, "yet another secret").await;
    assert_eq!(refusal(again), ("invalid_token", Some("token".into())));
    assert_eq!(refusal(w.desk.check_reset_token(&token).await), ("invalid_token", Some("token".into())));
    assert_eq!(refusal(w.desk.complete_password_reset(&"0".repeat(64), NEW_PASSWORD).await).0, "invalid_token");
    assert_eq!(refusal(w.desk.complete_password_reset("not a token", NEW_PASSWORD).await).0, "invalid_token");
}

#[tokio::test]
async fn a_customer_without_a_password_gets_one_and_an_admin_can_reset_too() {
    let w = World::new().await;
    // Gül was made by an agent and has no password.
    w.desk.request_password_reset("gul@example.test", "192.0.2.1").await.unwrap();
    let token = w.last_link_token("gul@example.test").await;
    w.desk.complete_password_reset(&token, NEW_PASSWORD).await.unwrap();
    let gul = w.desk.authenticate_password("gul@example.test", NEW_PASSWORD).await.unwrap();
    assert_eq!(gul.user_id, w.gul.user_id);

    w.desk.request_password_reset("admin@tessera.test", "192.0.2.1").await.unwrap();
    let token = w.last_link_token("admin@tessera.test").await;
    w.desk.complete_password_reset(&token, NEW_PASSWORD).await.unwrap();
}

#[tokio::test]
async fn unknown_and_disabled_addresses_get_the_same_answer_and_no_mail() {
    let w = World::new().await;
    w.desk.request_password_reset("nobody@example.test", "192.0.2.1").await.unwrap();
    assert!(w.mail_to("nobody@example.test").await.is_empty());
    let off = UpdateUser { disabled: Some(true), ..UpdateUser::default() };
    w.desk.update_user(&w.admin, w.erin.user_id, off).await.unwrap();
    w.desk.request_password_reset("erin@acme.test", "192.0.2.1").await.unwrap();
    w.desk.request_sign_in_link("erin@acme.test", "192.0.2.1").await.unwrap();
    assert!(w.mail_to("erin@acme.test").await.is_empty());
    // Staff sign in with a password: no sign-in link for them, same answer.
    w.desk.request_sign_in_link("ayse@tessera.test", "192.0.2.1").await.unwrap();
    assert!(w.mail_to("ayse@tessera.test").await.is_empty());
    let blank = w.desk.request_password_reset("  ", "192.0.2.1").await;
    assert_eq!(code(blank), "invalid_email");
}

#[tokio::test]
async fn a_reset_link_expires_after_an_hour_and_a_newer_reset_retires_it() {
    let w = World::new().await;
    w.desk.request_password_reset("gul@example.test", "192.0.2.1").await.unwrap();
    let first = w.last_link_token("gul@example.test").await;
    w.advance(Duration::minutes(61));
    assert_eq!(refusal(w.desk.complete_password_reset(&first, NEW_PASSWORD).await).0, "invalid_token");

    w.desk.request_password_reset("gul@example.test", "192.0.2.1").await.unwrap();
    let older = w.last_link_token("gul@example.test").await;
    w.desk.request_password_reset("gul@example.test", "192.0.2.1").await.unwrap();
    let newer = w.last_link_token("gul@example.test").await;
    w.desk.complete_password_reset(&newer, NEW_PASSWORD).await.unwrap();
    assert_eq!(refusal(w.desk.complete_password_reset(&older, "another new secret").await).0, "invalid_token");
}

#[tokio::test]
async fn a_token_opens_only_what_it_was_made_for() {
    let w = World::new().await;
    w.desk.request_sign_in_link("gul@example.test", "192.0.2.1").await.unwrap();
    let link = w.last_link_token("gul@example.test").await;
    assert_eq!(refusal(w.desk.complete_password_reset(&link, NEW_PASSWORD).await).0, "invalid_token");
    assert_eq!(refusal(w.desk.sign_in_with_handoff(&link).await).0, "invalid_token");
    w.desk.request_password_reset("gul@example.test", "192.0.2.1").await.unwrap();
    let reset = w.last_link_token("gul@example.test").await;
    assert_eq!(refusal(w.desk.sign_in_with_link(&reset).await).0, "invalid_token");
    // Neither was spent by the wrong use.
    let s = w.desk.sign_in_with_link(&link).await.unwrap();
    assert_eq!(s.session.user.id, w.gul.user_id);
    w.desk.complete_password_reset(&reset, NEW_PASSWORD).await.unwrap();
}

#[tokio::test]
async fn a_sign_in_link_starts_one_session_within_fifteen_minutes() {
    let w = World::new().await;
    w.desk.request_sign_in_link("faruk@acme.test", "192.0.2.1").await.unwrap();
    assert_eq!(w.mail_to("faruk@acme.test").await[0].0, OutboundKind::SignInLink);
    let token = w.last_link_token("faruk@acme.test").await;
    let started = w.desk.sign_in_with_link(&token).await.unwrap();
    let s = w.desk.session(SessionKind::Browser, &started.secret).await.unwrap();
    assert_eq!((s.user.id, s.is_guest()), (w.faruk.user_id, false));
    assert!(s.actor.sees_all, "the customer's own rights");
    assert_eq!(refusal(w.desk.sign_in_with_link(&token).await).0, "invalid_token");

    w.desk.request_sign_in_link("faruk@acme.test", "192.0.2.1").await.unwrap();
    let late = w.last_link_token("faruk@acme.test").await;
    w.advance(Duration::minutes(15));
    assert_eq!(refusal(w.desk.sign_in_with_link(&late).await).0, "invalid_token");
}

#[tokio::test]
async fn requests_are_limited_per_address_and_per_client_alike_for_unknown_addresses() {
    let w = World::new().await;
    for address in ["gul@example.test", "ghost@example.test"] {
        for _ in 0..REQUESTS_PER_ADDRESS {
            w.desk.request_password_reset(address, "192.0.2.1").await.unwrap();
        }
        // Sign-in links count against the same limit; another client too.
        let r = w.desk.request_sign_in_link(address, "198.51.100.7").await;
        assert!(matches!(r, Err(AccessError::TooMany { retry_after_secs }) if retry_after_secs > 0), "{address}");
    }
    assert_eq!(w.mail_to("gul@example.test").await.len(), REQUESTS_PER_ADDRESS as usize);
    // An hour later the address may ask again.
    w.advance(Duration::minutes(61));
    w.desk.request_password_reset("gul@example.test", "192.0.2.1").await.unwrap();

    // One client asking for many addresses.
    for i in 0..REQUESTS_PER_CLIENT {
        w.desk.request_password_reset(&format!("someone{i}@example.test"), "203.0.113.9").await.unwrap();
    }
    assert_eq!(code(w.desk.request_password_reset("new@example.test", "203.0.113.9").await), "too_many");
    w.desk.request_password_reset("new@example.test", "203.0.113.10").await.unwrap();
}

#[tokio::test]
async fn without_public_url_no_link_is_made() {
    let w = World::new().await;
    let desk = w.desk.with_public_url(None);
    assert!(!desk.makes_links());
    assert_eq!(code(desk.request_password_reset("gul@example.test", "192.0.2.1").await), "no_public_url");
    assert_eq!(code(desk.request_sign_in_link("gul@example.test", "192.0.2.1").await), "no_public_url");
    let r = desk.create_handoff(&w.admin, handoff(HandoffTarget::User(w.gul.user_id))).await;
    assert_eq!(code(r), "no_public_url");
    assert!(w.mail_to("gul@example.test").await.is_empty());
    // Without outgoing mail, links can be made (a hand-off) but not sent.
    let mut off = w.desk.outbound_settings().clone();
    off.enabled = false;
    let desk = w.desk.with_outbound(off);
    assert_eq!(code(desk.request_password_reset("gul@example.test", "192.0.2.1").await), "mail_off");
    assert_eq!(code(desk.request_password_reset("nobody@example.test", "192.0.2.1").await), "mail_off");
    desk.create_handoff(&w.admin, handoff(HandoffTarget::User(w.gul.user_id))).await.unwrap();
}

#[tokio::test]
async fn a_handoff_signs_one_customer_in_once_within_a_minute() {
    let w = World::new().await;
    let h = w.desk.create_handoff(&w.admin, handoff(HandoffTarget::Email("GUL@example.test".into()))).await.unwrap();
    assert_eq!(h.user_id, w.gul.user_id);
    assert_eq!(h.expires_at, w.desk.now() + Duration::seconds(60));
    let token = handoff_token(&h.url);
    let started = w.desk.sign_in_with_handoff(&token).await.unwrap();
    assert_eq!(started.session.user.id, w.gul.user_id);
    assert_eq!(refusal(w.desk.sign_in_with_handoff(&token).await).0, "invalid_token");
    // A sign-in link route does not take it either.
    let h = w.desk.create_handoff(&w.admin, handoff(HandoffTarget::User(w.erin.user_id))).await.unwrap();
    assert_eq!(refusal(w.desk.sign_in_with_link(&handoff_token(&h.url)).await).0, "invalid_token");
    w.advance(Duration::seconds(60));
    assert_eq!(refusal(w.desk.sign_in_with_handoff(&handoff_token(&h.url)).await).0, "invalid_token");
}

#[tokio::test]
async fn a_handoff_is_an_admins_and_only_for_enabled_customers() {
    let w = World::new().await;
    let r = w.desk.create_handoff(&w.ayse, handoff(HandoffTarget::User(w.gul.user_id))).await;
    assert_eq!(code(r), "forbidden");
    let r = w.desk.create_handoff(&w.gul, handoff(HandoffTarget::User(w.gul.user_id))).await;
    assert_eq!(code(r), "forbidden");
    for target in [
        HandoffTarget::User(w.ayse.user_id),
        HandoffTarget::User(w.admin.user_id),
        HandoffTarget::User(UserId(999_999)),
        HandoffTarget::Email("nobody@example.test".into()),
        HandoffTarget::ExternalClient("no-such-client".into()),
    ] {
        assert_eq!(code(w.desk.create_handoff(&w.admin, handoff(target.clone())).await), "not_found", "{target:?}");
    }
    let off = UpdateUser { disabled: Some(true), ..UpdateUser::default() };
    w.desk.update_user(&w.admin, w.gul.user_id, off).await.unwrap();
    let r = w.desk.create_handoff(&w.admin, handoff(HandoffTarget::User(w.gul.user_id))).await;
    assert_eq!(code(r), "not_found");
}

#[tokio::test]
async fn a_handoff_opens_a_page_of_the_site_only() {
    let w = World::new().await;
    let to = |path: &str| HandoffRequest {
        redirect_path: Some(path.into()),
        ..handoff(HandoffTarget::User(w.faruk.user_id))
    };
    let h = w.desk.create_handoff(&w.admin, to("/tickets/new")).await.unwrap();
    assert!(h.url.ends_with("?next=/tickets/new"), "{}", h.url);
    for bad in ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)", "/a b"] {
        let r = w.desk.create_handoff(&w.admin, to(bad)).await;
        assert_eq!(code(r), "invalid_value", "{bad}");
    }
    // A ticket's page: one the customer sees (Faruk sees Acme's), never another's.
    let erins = w.open(&w.erin, w.support, "Erin's").await;
    let guls = w.open(&w.gul, w.support, "Gül's").await;
    let with_ticket = |t| HandoffRequest { ticket_id: Some(t), ..handoff(HandoffTarget::User(w.faruk.user_id)) };
    let h = w.desk.create_handoff(&w.admin, with_ticket(erins.id)).await.unwrap();
    assert!(h.url.ends_with(&format!("?next=/tickets/{}", erins.number)), "{}", h.url);
    assert_eq!(code(w.desk.create_handoff(&w.admin, with_ticket(guls.id)).await), "not_found");
}
