//! Password sign-in under limits that stop guessing without letting an
//! attacker lock real users out (after OWASP's authentication and
//! credential-stuffing guidance).
//!
//! Only failures count; a successful check never does. Three counters, kept
//! in the database so they hold across instances:
//!
//! - **the account from one address**: [`FREE_PER_PAIR`] failures, then a
//!   growing wait after each further failure (30 s, 1 min, 2 min … at most
//!   15 min: about a dozen attempts an hour), within [`PAIR_WINDOW_MS`];
//! - **the account from everywhere** ([`PER_ACCOUNT`] failures in
//!   [`ACCOUNT_WINDOW_MS`]): a guessing attack spread over many addresses;
//!   then addresses the account has not signed in from in the last
//!   [`KNOWN_FOR_MS`] wait for the window to close;
//! - **one address for every account** ([`PER_ADDRESS`] failures in
//!   [`ADDRESS_WINDOW_MS`]): credential stuffing from one place; then that
//!   address waits, but for accounts that signed in from it before.
//!
//! So a person keeps getting in from where they usually sign in while
//! someone else hammers their account from elsewhere, and a billing panel
//! that sends correct credentials on every call is never refused. The
//! address is the client's as the server judges it (`[server]
//! trusted_proxies`); behind a proxy that is not trusted, every user shares
//! one address, which only failures can fill.

use crate::error::DeskError;
use crate::{Desk, DeskResult};
use tessera_core::{Actor, Timestamp};

/// Failures of one account from one address before attempts must wait.
pub const FREE_PER_PAIR: u32 = 5;
/// The window of the account-and-address counter (1 hour).
pub const PAIR_WINDOW_MS: i64 = 60 * 60 * 1000;
/// The first wait after the free failures; each further failure doubles it.
pub const PAIR_FIRST_WAIT_SECS: i64 = 30;
/// The longest wait after a failure (15 minutes).
pub const PAIR_MAX_WAIT_SECS: i64 = 15 * 60;
/// Failures of one account from all addresses before unknown addresses wait.
pub const PER_ACCOUNT: u32 = 50;
/// The window of the account counter (1 hour).
pub const ACCOUNT_WINDOW_MS: i64 = 60 * 60 * 1000;
/// Failures from one address, for any accounts, before it waits.
pub const PER_ADDRESS: u32 = 100;
/// The window of the address counter (15 minutes).
pub const ADDRESS_WINDOW_MS: i64 = 15 * 60 * 1000;
/// How long an address stays known to an account after a sign-in (30 days).
pub const KNOWN_FOR_MS: i64 = 30 * 24 * 60 * 60 * 1000;

/// Why [`Desk::sign_in`] let nobody in.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Too many failures for the account or from the address; try again
    /// after the given number of seconds.
    #[error("too many sign-in attempts; try again in {retry_after_secs} s")]
    TooMany {
        /// Seconds until an attempt is looked at again.
        retry_after_secs: i64,
    },
    /// The e-mail and password do not match an enabled account.
    #[error("the e-mail or password is wrong")]
    Failed,
    /// The store failed.
    #[error(transparent)]
    Desk(#[from] DeskError),
}

impl From<tessera_store::StoreError> for SignInError {
    fn from(e: tessera_store::StoreError) -> Self {
        Self::Desk(e.into())
    }
}

/// The counters' keys of one attempt.
struct Keys {
    pair: String,
    account: String,
    address: String,
    known: String,
}

const PAIR_PREFIX: &str = "sign-in:pair:";
const ACCOUNT_PREFIX: &str = "sign-in:account:";
const ADDRESS_PREFIX: &str = "sign-in:address:";
const KNOWN_PREFIX: &str = "sign-in:known:";
/// Failures that also prune closed counters, out of 256 (about 1 in 50).
const PRUNE_ONE_IN_256: u8 = 5;

impl Keys {
    fn new(email: &str, address: &str) -> Self {
        let account = email.trim().to_lowercase();
        Self {
            pair: format!("{PAIR_PREFIX}{account}\u{1f}{address}"),
            known: format!("{KNOWN_PREFIX}{account}\u{1f}{address}"),
            account: format!("{ACCOUNT_PREFIX}{account}"),
            address: format!("{ADDRESS_PREFIX}{address}"),
        }
    }
}

/// The wait after the last of `failures` failures of one account from one
/// address.
fn pair_wait_secs(failures: u32) -> i64 {
    if failures < FREE_PER_PAIR {
        return 0;
    }
    let doublings = (failures - FREE_PER_PAIR).min(20);
    (PAIR_FIRST_WAIT_SECS << doublings).min(PAIR_MAX_WAIT_SECS)
}

/// Seconds from `now` until `until`, at least 1.
fn secs_until(until: Timestamp, now: Timestamp) -> i64 {
    (until - now).num_seconds().max(1)
}

impl Desk {
    /// Authenticates an e-mail and password under the sign-in limits every
    /// password door shares (the web sign-in form, the compat dialects'
    /// passwords), for a client at `address` (see the module's doc).
    pub async fn sign_in(&self, email: &str, password: &str, address: &str) -> Result<Actor, SignInError> {
        let now = self.now();
        let keys = Keys::new(email, address);
        if let Some(retry_after_secs) = self.sign_in_wait(&keys, now).await? {
            return Err(SignInError::TooMany { retry_after_secs });
        }
        match self.authenticate_password(email.trim(), password).await {
            Ok(actor) => {
                let store = &self.store;
                store.rate_limit_clear(&keys.pair).await?;
                store.rate_limit_hit(&keys.known, KNOWN_FOR_MS, u32::MAX, now).await?;
                Ok(actor)
            }
            Err(DeskError::Unauthenticated) => {
                let store = &self.store;
                store.rate_limit_hit(&keys.pair, PAIR_WINDOW_MS, u32::MAX, now).await?;
                store.rate_limit_hit(&keys.account, ACCOUNT_WINDOW_MS, u32::MAX, now).await?;
                store.rate_limit_hit(&keys.address, ADDRESS_WINDOW_MS, u32::MAX, now).await?;
                if crate::random::bytes::<1>().is_ok_and(|b| b[0] < PRUNE_ONE_IN_256) {
                    self.prune_sign_in_counters(now).await?;
                }
                Err(SignInError::Failed)
            }
            Err(e) => Err(SignInError::Desk(e)),
        }
    }

    /// Forgets counters whose windows closed: every failure for a made-up
    /// account adds rows, which must not pile up.
    async fn prune_sign_in_counters(&self, now: Timestamp) -> DeskResult<()> {
        let before = |ms: i64| now - chrono::Duration::milliseconds(ms);
        let idle_for = [
            (PAIR_PREFIX, PAIR_WINDOW_MS),
            (ACCOUNT_PREFIX, ACCOUNT_WINDOW_MS),
            (ADDRESS_PREFIX, ADDRESS_WINDOW_MS),
            (KNOWN_PREFIX, KNOWN_FOR_MS),
        ];
        for (prefix, window) in idle_for {
            self.store.rate_limit_prune(prefix, before(window)).await?;
        }
        Ok(())
    }

    /// How long this attempt must wait, if it must; counts nothing.
    async fn sign_in_wait(&self, keys: &Keys, now: Timestamp) -> DeskResult<Option<i64>> {
        let store = &self.store;
        if let Some(w) = store.rate_limit_peek(&keys.pair, PAIR_WINDOW_MS, now).await? {
            let until = w.last_at + chrono::Duration::seconds(pair_wait_secs(w.count));
            if until > now {
                return Ok(Some(secs_until(until, now)));
            }
        }
        if store.rate_limit_peek(&keys.known, KNOWN_FOR_MS, now).await?.is_some() {
            // Where the account signed in from before: only the first limit.
            return Ok(None);
        }
        for (key, max, window) in
            [(&keys.account, PER_ACCOUNT, ACCOUNT_WINDOW_MS), (&keys.address, PER_ADDRESS, ADDRESS_WINDOW_MS)]
        {
            if let Some(w) = store.rate_limit_peek(key, window, now).await?
                && w.count >= max
            {
                let until = w.started_at + chrono::Duration::milliseconds(window);
                return Ok(Some(secs_until(until, now)));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures_and_stop_growing() {
        let waits: Vec<i64> = (0..=10).map(pair_wait_secs).collect();
        assert_eq!(waits, [0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 900]);
        assert_eq!(pair_wait_secs(100), PAIR_MAX_WAIT_SECS);
        assert_eq!(pair_wait_secs(u32::MAX), PAIR_MAX_WAIT_SECS);
    }

    #[test]
    fn keys_ignore_the_case_of_the_address() {
        assert_eq!(Keys::new(" Erin@Example.org ", "192.0.2.1").pair, Keys::new("erin@example.org", "192.0.2.1").pair);
        assert_ne!(Keys::new("a@x", "192.0.2.1").pair, Keys::new("a@x", "192.0.2.2").pair);
    }
}
