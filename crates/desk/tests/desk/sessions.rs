//! Sessions (decisions 37 and 38): browser and API sessions start, load,
//! move on with use and expire after their idle time; they end when ended,
//! when their user is disabled and when the user's password changes through
//! any door, while API tokens stay. A guest's session reaches one ticket as
//! its requester.

use crate::support::*;
use chrono::Duration;
use tessera_core::Actor;
use tessera_desk::{DeskError, DeskResult, Session, SessionKind, Started, TicketListQuery, UpdateUser};

/// Both kinds: the rules that are one policy are checked for each.
const KINDS: [SessionKind; 2] = [SessionKind::Browser, SessionKind::Api];

/// Whether a secret is refused as a door sees it: not signed in (not
/// "not found" or a fault, which a door would answer differently).
fn refused(r: DeskResult<Session>) -> bool {
    matches!(r, Err(DeskError::Unauthenticated))
}

/// Starts a session of `kind` for `who`; panics if refused, for tests
/// where starting one is a step, not the point.
async fn start(w: &World, who: &Actor, kind: SessionKind) -> Started {
    w.desk.start_session(who, kind).await.expect("the session starts")
}

/// Whether the secret still loads a session of `kind` now: a session's
/// life is judged the way every door judges it, by loading it. Any answer
/// but a session or "not signed in" fails the test.
async fn loads(w: &World, kind: SessionKind, s: &Started) -> bool {
    match w.desk.session(kind, &s.secret).await {
        Ok(_) => true,
        Err(DeskError::Unauthenticated) => false,
        Err(e) => panic!("loading a session failed: {e}"),
    }
}

/// A change of password and nothing else, so what ends is due to it.
fn new_password() -> UpdateUser {
    UpdateUser { password: Some("a brand new secret".into()), ..UpdateUser::default() }
}

/// Whether a text a client sent back loads a session of `kind`.
async fn loads_secret(w: &World, kind: SessionKind, secret: &str) -> bool {
    w.desk.session(kind, secret).await.is_ok()
}

#[tokio::test]
async fn a_started_session_loads_as_its_user_with_their_rights() {
    let w = World::new().await;
    for kind in KINDS {
        let a = start(&w, &w.ayse, kind).await;
        let b = start(&w, &w.ayse, kind).await;
        assert_eq!(a.secret.len(), 64, "a secret is 256 bits in hex");
        assert_ne!(a.secret, b.secret, "every session has its own secret");
        for _ in 0..2 {
            let s = w.desk.session(kind, &a.secret).await.expect("the session loads, and loads again");
            assert_eq!(s.user.id, w.ayse.user_id);
            assert_eq!(s.actor, w.ayse, "the session has its user's rights");
            assert!(!s.is_guest());
            assert!(!s.record.csrf_token.is_empty(), "forms need a CSRF token");
        }
        // What a client sends back may carry spaces or capitals.
        assert!(loads_secret(&w, kind, &format!("  {}\n", a.secret.to_uppercase())).await);
    }
}

#[tokio::test]
async fn a_browser_session_lives_fourteen_days_from_its_last_use() {
    let w = World::new().await;
    let used = start(&w, &w.erin, SessionKind::Browser).await;
    let idle = start(&w, &w.erin, SessionKind::Browser).await;
    w.advance(Duration::days(13));
    assert!(loads(&w, SessionKind::Browser, &used).await);
    w.advance(Duration::days(13));
    assert!(loads(&w, SessionKind::Browser, &used).await, "used 13 days ago: still signed in");
    assert!(!loads(&w, SessionKind::Browser, &idle).await, "unused for 26 days: signed out");
    // The idle time is 14 days to the second.
    let (a, b) = (start(&w, &w.erin, SessionKind::Browser).await, start(&w, &w.erin, SessionKind::Browser).await);
    w.advance(Duration::days(14) - Duration::seconds(1));
    assert!(loads(&w, SessionKind::Browser, &a).await);
    w.advance(Duration::seconds(1));
    assert!(!loads(&w, SessionKind::Browser, &b).await);
    // An expired session stays expired.
    assert!(!loads(&w, SessionKind::Browser, &idle).await);
}

#[tokio::test]
async fn an_api_session_lives_one_hour_from_its_last_use() {
    let w = World::new().await;
    let used = start(&w, &w.erin, SessionKind::Api).await;
    let idle = start(&w, &w.erin, SessionKind::Api).await;
    w.advance(Duration::minutes(50));
    assert!(loads(&w, SessionKind::Api, &used).await);
    w.advance(Duration::minutes(50));
    assert!(loads(&w, SessionKind::Api, &used).await, "used 50 minutes ago: still signed in");
    assert!(!loads(&w, SessionKind::Api, &idle).await, "unused for 100 minutes: signed out");
    let (a, b) = (start(&w, &w.erin, SessionKind::Api).await, start(&w, &w.erin, SessionKind::Api).await);
    w.advance(Duration::hours(1) - Duration::seconds(1));
    assert!(loads(&w, SessionKind::Api, &a).await);
    w.advance(Duration::seconds(1));
    assert!(!loads(&w, SessionKind::Api, &b).await);
}

#[tokio::test]
async fn an_ended_session_is_refused_and_the_others_stay() {
    let w = World::new().await;
    for kind in KINDS {
        let ending = start(&w, &w.erin, kind).await;
        let staying = start(&w, &w.erin, kind).await;
        w.desk.end_session(&ending.session.record).await.expect("signing out");
        assert!(!loads(&w, kind, &ending).await);
        assert!(loads(&w, kind, &staying).await);
    }
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let w = World::new().await;
    let ticket = w.open(&w.erin, w.support, "Before the ban").await;
    let browser = start(&w, &w.erin, SessionKind::Browser).await;
    let api = start(&w, &w.erin, SessionKind::Api).await;
    let guest = w.desk.start_guest_session(&ticket.number, &ticket.access_key).await.expect("the guest link works");
    let token = w.desk.issue_token(w.erin.user_id, "billing panel").await.expect("a token");
    w.desk.authenticate_token(&token.token).await.expect("the token works");
    let gul = start(&w, &w.gul, SessionKind::Browser).await;

    let disable = |d: bool| UpdateUser { disabled: Some(d), ..UpdateUser::default() };
    w.desk.update_user(&w.admin, w.erin.user_id, disable(true)).await.expect("the admin disables Erin");
    assert!(!loads(&w, SessionKind::Browser, &browser).await);
    assert!(!loads(&w, SessionKind::Api, &api).await);
    assert!(!loads(&w, SessionKind::Browser, &guest).await, "nor does her ticket's guest link");
    assert!(matches!(w.desk.authenticate_token(&token.token).await, Err(DeskError::Unauthenticated)));
    assert!(matches!(w.desk.start_session(&w.erin, SessionKind::Browser).await, Err(DeskError::Unauthenticated)));
    assert_eq!(refusal(w.desk.start_guest_session(&ticket.number, &ticket.access_key).await).0, "not_found");
    assert!(loads(&w, SessionKind::Browser, &gul).await, "other users stay signed in");

    // Ended, not suspended: enabling her again does not bring them back.
    w.desk.update_user(&w.admin, w.erin.user_id, disable(false)).await.expect("the admin enables Erin");
    assert!(!loads(&w, SessionKind::Browser, &browser).await);
    assert!(!loads(&w, SessionKind::Api, &api).await);
    assert!(!loads(&w, SessionKind::Browser, &guest).await);
    assert!(loads(&w, SessionKind::Browser, &start(&w, &w.erin, SessionKind::Browser).await).await);
}

#[tokio::test]
async fn a_password_set_by_an_admin_ends_every_session_but_not_api_tokens() {
    let w = World::new().await;
    let browser = start(&w, &w.erin, SessionKind::Browser).await;
    let api = start(&w, &w.erin, SessionKind::Api).await;
    let token = w.desk.issue_token(w.erin.user_id, "billing panel").await.expect("a token");
    let gul = start(&w, &w.gul, SessionKind::Api).await;
    // The admin names Erin's session: it is not theirs to keep.
    let hash = browser.session.record.id_hash.clone();
    w.desk.update_user_in_session(&w.admin, w.erin.user_id, new_password(), Some(&hash)).await.expect("reset");
    assert!(!loads(&w, SessionKind::Browser, &browser).await);
    assert!(!loads(&w, SessionKind::Api, &api).await);
    let actor = w.desk.authenticate_token(&token.token).await.expect("API tokens stay valid");
    assert_eq!(actor.user_id, w.erin.user_id);
    assert!(loads(&w, SessionKind::Api, &gul).await, "other users stay signed in");
}

#[tokio::test]
async fn a_password_changed_in_a_session_keeps_only_that_session() {
    let w = World::new().await;
    let here = start(&w, &w.erin, SessionKind::Browser).await;
    let elsewhere = start(&w, &w.erin, SessionKind::Browser).await;
    let panel = start(&w, &w.erin, SessionKind::Api).await;
    let token = w.desk.issue_token(w.erin.user_id, "billing panel").await.expect("a token");
    let hash = here.session.record.id_hash.clone();
    w.desk.update_user_in_session(&w.erin, w.erin.user_id, new_password(), Some(&hash)).await.expect("own change");
    assert!(loads(&w, SessionKind::Browser, &here).await, "the session it was changed in stays");
    assert!(!loads(&w, SessionKind::Browser, &elsewhere).await);
    assert!(!loads(&w, SessionKind::Api, &panel).await);
    assert!(w.desk.authenticate_token(&token.token).await.is_ok());

    // Through `update_user` no session is named: every one ends.
    w.desk.update_user(&w.erin, w.erin.user_id, new_password()).await.expect("own change");
    assert!(!loads(&w, SessionKind::Browser, &here).await);
    assert!(w.desk.authenticate_token(&token.token).await.is_ok());
}

#[tokio::test]
async fn a_password_set_by_the_operator_ends_every_session_but_not_api_tokens() {
    let w = World::new().await;
    let browser = start(&w, &w.ayse, SessionKind::Browser).await;
    let api = start(&w, &w.ayse, SessionKind::Api).await;
    let token = w.desk.issue_token(w.ayse.user_id, "script").await.expect("a token");
    w.desk.set_password_unchecked(w.ayse.user_id, "set by the operator").await.expect("tessera user set-password");
    assert!(!loads(&w, SessionKind::Browser, &browser).await);
    assert!(!loads(&w, SessionKind::Api, &api).await);
    assert_eq!(w.desk.authenticate_token(&token.token).await.expect("the token stays").user_id, w.ayse.user_id);
}

#[tokio::test]
async fn a_guest_session_reaches_only_its_ticket_as_its_requester() {
    let w = World::new().await;
    let shared = w.open(&w.erin, w.support, "Shared by link").await;
    let other = w.open(&w.erin, w.support, "Not shared").await;
    let started = w.desk.start_guest_session(&shared.number, &shared.access_key).await.expect("the link works");
    let guest = w.desk.session(SessionKind::Browser, &started.secret).await.expect("the guest session loads");
    assert!(guest.is_guest());
    assert_eq!(guest.user.id, w.erin.user_id, "a guest acts as the requester");
    let g = &guest.actor;
    assert_eq!(w.desk.ticket(g, shared.id).await.expect("the shared ticket").id, shared.id);
    assert_eq!(refusal(w.desk.ticket(g, other.id).await).0, "not_found", "even the requester's other tickets");
    let page = w.desk.list_tickets(g, TicketListQuery::default()).await.expect("a list");
    assert_eq!(page.tickets.iter().map(|t| t.id).collect::<Vec<_>>(), [shared.id]);
    let posted = w.reply(g, shared.id, "Replying from the link").await;
    assert_eq!(posted.message.author.user_id, Some(w.erin.user_id));
    assert!(!posted.message.author.staff);

    // Nothing else opens it.
    for (number, key) in [
        (&shared.number, ""),
        (&shared.number, &other.access_key[..]),
        (&other.number, &shared.access_key[..]),
        (&"000000".to_string(), &shared.access_key[..]),
    ] {
        assert_eq!(refusal(w.desk.start_guest_session(number, key).await).0, "not_found", "{number} {key}");
    }
    // A deleted ticket's link stops working.
    w.desk.delete_ticket(&w.admin, shared.id).await.expect("deleted");
    assert_eq!(refusal(w.desk.start_guest_session(&shared.number, &shared.access_key).await).0, "not_found");
    assert_eq!(refusal(w.desk.ticket(g, shared.id).await).0, "not_found");
}

#[tokio::test]
async fn a_secret_of_one_kind_is_not_valid_as_the_other() {
    let w = World::new().await;
    let ticket = w.open(&w.erin, w.support, "Guest").await;
    let browser = start(&w, &w.erin, SessionKind::Browser).await;
    let api = start(&w, &w.erin, SessionKind::Api).await;
    let guest = w.desk.start_guest_session(&ticket.number, &ticket.access_key).await.expect("the link works");
    assert!(refused(w.desk.session(SessionKind::Api, &browser.secret).await));
    assert!(refused(w.desk.session(SessionKind::Browser, &api.secret).await));
    assert!(refused(w.desk.session(SessionKind::Api, &guest.secret).await), "a guest's link is no API session");
    // Asking with the wrong kind does not end them.
    assert!(loads(&w, SessionKind::Browser, &browser).await);
    assert!(loads(&w, SessionKind::Api, &api).await);
    assert!(loads(&w, SessionKind::Browser, &guest).await);
}

#[tokio::test]
async fn malformed_secrets_are_refused() {
    let w = World::new().await;
    let real = start(&w, &w.erin, SessionKind::Browser).await.secret;
    let token = w.desk.issue_token(w.erin.user_id, "panel").await.expect("a token").token;
    let malformed = [
        String::new(),
        "   ".into(),
        "abc".into(),
        real[..63].to_string(),
        format!("{real}0"),
        format!("{} {}", &real[..32], &real[33..]),
        "zz".repeat(32),
        "ğ".repeat(32),
        format!("{real}\0"),
        token,
    ];
    for secret in &malformed {
        for kind in KINDS {
            assert!(refused(w.desk.session(kind, secret).await), "{kind:?} {secret:?}");
        }
    }
}
