//! Sign-in limits (decision 35): only failures count; after five failures
//! of an account from one address each further attempt waits longer; an
//! account attacked from many addresses still lets its owner in from where
//! they signed in before; a success never counts and clears the failures.

use crate::support::*;
use chrono::Duration;
use tessera_core::Role;
use tessera_desk::SignInError;

const HOME: &str = "198.51.100.7";
const ELSEWHERE: &str = "192.0.2.50";

/// What a person signing in is told.
#[derive(Debug, PartialEq, Eq)]
enum Told {
    /// Signed in.
    In,
    /// Wrong e-mail or password.
    Wrong,
    /// Try again in this many seconds.
    Wait(i64),
}

/// Signs in as `address` with `password` from `from`.
async fn sign_in(w: &World, address: &str, password: &str, from: &str) -> Told {
    match w.desk.sign_in(address, password, from).await {
        Ok(_) => Told::In,
        Err(SignInError::Failed) => Told::Wrong,
        Err(SignInError::TooMany { retry_after_secs }) => Told::Wait(retry_after_secs),
        Err(SignInError::Desk(e)) => panic!("the desk failed: {e}"),
    }
}

#[tokio::test]
async fn correct_credentials_on_every_call_are_never_refused() {
    let w = World::new().await;
    let who = "panel@tessera.test";
    let actor = w.user_with_password(who, Role::Agent).await;
    for _ in 0..12 {
        assert_eq!(sign_in(&w, who, PASSWORD, HOME).await, Told::In);
    }
    let signed_in = w.desk.sign_in(who, PASSWORD, HOME).await.expect("signed in");
    assert_eq!(signed_in.user_id, actor.user_id);
}

#[tokio::test]
async fn waits_grow_after_five_failures_of_an_account_from_one_address() {
    let w = World::new().await;
    let who = "erin.pw@acme.test";
    w.user_with_password(who, Role::Customer).await;
    for _ in 0..5 {
        assert_eq!(sign_in(&w, who, "guess", HOME).await, Told::Wrong);
    }
    // Now even the right password waits: the attempt is not looked at.
    assert_eq!(sign_in(&w, who, PASSWORD, HOME).await, Told::Wait(30));
    assert_eq!(sign_in(&w, &who.to_uppercase(), PASSWORD, HOME).await, Told::Wait(30), "whatever the case");
    w.advance(Duration::seconds(29));
    assert_eq!(sign_in(&w, who, PASSWORD, HOME).await, Told::Wait(1));
    w.advance(Duration::seconds(1));
    assert_eq!(sign_in(&w, who, "guess", HOME).await, Told::Wrong);
    assert_eq!(sign_in(&w, who, PASSWORD, HOME).await, Told::Wait(60), "each failure doubles the wait");
    w.advance(Duration::seconds(60));
    assert_eq!(sign_in(&w, who, "guess", HOME).await, Told::Wrong);
    assert_eq!(sign_in(&w, who, PASSWORD, HOME).await, Told::Wait(120));
    // The owner somewhere else is not held up by failures from here.
    assert_eq!(sign_in(&w, who, PASSWORD, ELSEWHERE).await, Told::In);
    w.advance(Duration::seconds(120));
    assert_eq!(sign_in(&w, who, PASSWORD, HOME).await, Told::In);
    // A success clears the count: five free failures again.
    for _ in 0..5 {
        assert_eq!(sign_in(&w, who, "guess", HOME).await, Told::Wrong);
    }
    assert_eq!(sign_in(&w, who, "guess", HOME).await, Told::Wait(30));
}

#[tokio::test]
async fn a_success_never_counts() {
    let w = World::new().await;
    let who = "gul.pw@example.test";
    w.user_with_password(who, Role::Customer).await;
    // Four failures and a success, three times over: fifteen attempts,
    // twelve failures, and never a wait.
    for _ in 0..3 {
        for _ in 0..4 {
            assert_eq!(sign_in(&w, who, "typo", HOME).await, Told::Wrong);
        }
        assert_eq!(sign_in(&w, who, PASSWORD, HOME).await, Told::In);
    }
}

#[tokio::test]
async fn a_known_address_keeps_getting_in_during_a_distributed_attack() {
    let w = World::new().await;
    let who = "target@acme.test";
    w.user_with_password(who, Role::Customer).await;
    assert_eq!(sign_in(&w, who, PASSWORD, HOME).await, Told::In, "the owner signs in from home");
    // Fifty guesses, each from another address: no address reaches its
    // own limit, but the account does.
    for i in 0..50 {
        assert_eq!(sign_in(&w, who, "guess", &format!("203.0.113.{i}")).await, Told::Wrong);
    }
    assert_eq!(sign_in(&w, who, PASSWORD, ELSEWHERE).await, Told::Wait(3600), "a new address waits out the hour");
    assert_eq!(sign_in(&w, who, "guess", "203.0.113.200").await, Told::Wait(3600), "so does the attacker");
    assert_eq!(sign_in(&w, who, PASSWORD, HOME).await, Told::In, "home still gets in");
    w.advance(Duration::hours(1));
    assert_eq!(sign_in(&w, who, PASSWORD, ELSEWHERE).await, Told::In, "after the hour, anyone with the password");
}

#[tokio::test]
async fn an_address_failing_for_many_accounts_waits_but_not_for_accounts_known_there() {
    let w = World::new().await;
    let (regular, newcomer) = ("regular@acme.test", "newcomer@acme.test");
    w.user_with_password(regular, Role::Customer).await;
    w.user_with_password(newcomer, Role::Customer).await;
    let office = "203.0.113.9";
    assert_eq!(sign_in(&w, regular, PASSWORD, office).await, Told::In, "the regular signs in from the office");
    // Credential stuffing from the office: a hundred accounts, one guess each.
    for i in 0..100 {
        assert_eq!(sign_in(&w, &format!("user{i}@stuffed.test"), "123456", office).await, Told::Wrong);
    }
    assert_eq!(sign_in(&w, "user100@stuffed.test", "123456", office).await, Told::Wait(900), "15 minutes");
    assert_eq!(sign_in(&w, newcomer, PASSWORD, office).await, Told::Wait(900));
    assert_eq!(sign_in(&w, regular, PASSWORD, office).await, Told::In, "known there: not held up");
    assert_eq!(sign_in(&w, newcomer, PASSWORD, HOME).await, Told::In, "only the office waits");
    w.advance(Duration::minutes(15));
    assert_eq!(sign_in(&w, newcomer, PASSWORD, office).await, Told::In);
}
