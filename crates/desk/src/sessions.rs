//! Sessions: every door's signed-in state, started, loaded, moved on and
//! ended here under one policy.
//!
//! Two kinds, one table, one set of rules:
//!
//! - a **browser** session (the web UI's cookie, and a guest's, limited to
//!   one ticket by its access key): 14 days from its last use;
//! - an **API session** (an id a client got by signing in and sends back on
//!   each call, as BILLmanager clients do with `func=auth` then `auth=`):
//!   one idle hour.
//!
//! For both, the store keeps only a SHA-256 of the secret (with a prefix
//! per kind, so a secret of one kind is never valid as the other); a
//! session ends when it expires, when it is ended, when its user is
//! disabled, and when the user's password changes through any door
//! (`Desk::update_user_in_session`, `Desk::set_password_unchecked`). Who
//! may start one is decided before: a password under the sign-in limits
//! (`Desk::sign_in`), or a ticket's access key.

use crate::error::{DeskError, DeskResult};
use crate::{Desk, random};
use chrono::Duration;
use sha2::{Digest, Sha256};
use tessera_core::ids::TicketId;
use tessera_core::{Actor, User};
use tessera_store::SessionRecord;

/// What a session is for; decides its lifetime and how its secret is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// A browser's cookie (the web UI, guests).
    Browser,
    /// An id an API client sends back on each call.
    Api,
}

impl SessionKind {
    /// How long a session lives after its last use.
    pub fn idle(self) -> Duration {
        match self {
            Self::Browser => Duration::days(14),
            Self::Api => Duration::hours(1),
        }
    }

    /// A session's expiry is moved at most this often (fewer writes); the
    /// idle time is counted from the last move.
    fn touch_every(self) -> Duration {
        match self {
            Self::Browser => Duration::minutes(10),
            Self::Api => Duration::seconds(30),
        }
    }

    /// What the secret is hashed with. The browser's is empty and the API's
    /// names BILLmanager, as when these were kept apart: sessions stored
    /// then stay valid.
    fn hash_prefix(self) -> &'static str {
        match self {
            Self::Browser => "",
            Self::Api => "billmanager-session:",
        }
    }

    /// The stored hash of a secret of this kind.
    fn hash(self, secret: &str) -> String {
        hex::encode(Sha256::digest(format!("{}{secret}", self.hash_prefix()).as_bytes()))
    }
}

/// Whether a text has the shape of a secret we hand out (64 hex digits).
fn is_secret(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A loaded session: who, with which rights, and its record.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user (for a guest: the ticket's requester).
    pub user: User,
    /// Their rights now (a guest's limited to the one ticket).
    pub actor: Actor,
    /// The stored record (its hash names it; its CSRF token protects forms).
    pub record: SessionRecord,
}

impl Session {
    /// A guest reaching one ticket by its access key.
    pub fn is_guest(&self) -> bool {
        self.record.ticket_id.is_some()
    }
}

/// A session just started: its secret, shown once.
#[derive(Debug, Clone)]
pub struct Started {
    /// What the client sends back (the cookie's value, the session id).
    pub secret: String,
    /// The session.
    pub session: Session,
}

impl Desk {
    /// Starts a session of `kind` for a signed-in actor.
    pub async fn start_session(&self, actor: &Actor, kind: SessionKind) -> DeskResult<Started> {
        let user = self.store.user(actor.user_id).await?.filter(|u| !u.disabled).ok_or(DeskError::Unauthenticated)?;
        self.begin(user, kind, None).await
    }

    /// Starts a guest's browser session on the ticket numbered `number`,
    /// acting as its requester there and nowhere else, when `key` is the
    /// ticket's access key. Not found otherwise (nothing to probe).
    pub async fn start_guest_session(&self, number: &str, key: &str) -> DeskResult<Started> {
        let ticket = self.store.ticket_by_number(number).await?.filter(|t| t.deleted_at.is_none());
        let Some(t) = ticket.filter(|t| !key.is_empty() && crate::auth::constant_time_eq(key, &t.access_key)) else {
            return Err(DeskError::not_found("ticket"));
        };
        let requester = self.store.user(t.requester_id).await?.filter(|u| !u.disabled);
        let requester = requester.ok_or(DeskError::not_found("ticket"))?;
        self.begin(requester, SessionKind::Browser, Some(t.id)).await
    }

    async fn begin(&self, user: User, kind: SessionKind, ticket: Option<TicketId>) -> DeskResult<Started> {
        let secret = random::hex_token::<32>()?;
        let now = self.now();
        let record = SessionRecord {
            id_hash: kind.hash(&secret),
            user_id: user.id,
            ticket_id: ticket,
            csrf_token: random::hex_token::<16>()?,
            created_at: now,
            last_seen_at: now,
            expires_at: now + kind.idle(),
        };
        self.store.insert_session(record.clone()).await?;
        let actor = self.session_actor(&user, &record).await?;
        Ok(Started { secret, session: Session { user, actor, record } })
    }

    /// The session behind a secret of `kind`, its idle expiry moved on;
    /// [`DeskError::Unauthenticated`] when it is malformed, unknown, ended,
    /// expired, or its user is disabled.
    pub async fn session(&self, kind: SessionKind, secret: &str) -> DeskResult<Session> {
        let secret = secret.trim();
        if !is_secret(secret) {
            return Err(DeskError::Unauthenticated);
        }
        self.session_by_hash(kind, &kind.hash(&secret.to_ascii_lowercase())).await
    }

    /// The session stored under `id_hash`, as [`Desk::session`]: for
    /// requests that last (a live feed) and ask again while they run.
    pub async fn session_by_hash(&self, kind: SessionKind, id_hash: &str) -> DeskResult<Session> {
        let record = self.store.session(id_hash).await?.ok_or(DeskError::Unauthenticated)?;
        let now = self.now();
        // An API session is never a guest's.
        if record.expires_at <= now || (kind == SessionKind::Api && record.ticket_id.is_some()) {
            let _ = self.store.delete_session(id_hash).await;
            return Err(DeskError::Unauthenticated);
        }
        let user = self.store.user(record.user_id).await?.filter(|u| !u.disabled).ok_or(DeskError::Unauthenticated)?;
        let actor = self.session_actor(&user, &record).await?;
        if now - record.last_seen_at >= kind.touch_every() {
            self.store.touch_session(id_hash, now, now + kind.idle()).await?;
        }
        Ok(Session { user, actor, record })
    }

    /// Ends a session (signing out).
    pub async fn end_session(&self, session: &SessionRecord) -> DeskResult<()> {
        Ok(self.store.delete_session(&session.id_hash).await?)
    }

    /// The rights of a session's user; a guest's reach one ticket.
    async fn session_actor(&self, user: &User, record: &SessionRecord) -> DeskResult<Actor> {
        let mut actor = self.actor_for(user).await?;
        if let Some(t) = record.ticket_id {
            actor.only_ticket = Some(t);
            actor.sees_all = false;
        }
        Ok(actor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kinds_hash_apart() {
        let secret = "ab".repeat(32);
        assert!(is_secret(&secret));
        assert_ne!(SessionKind::Browser.hash(&secret), SessionKind::Api.hash(&secret));
        // A browser's hash is the secret's plain SHA-256, as cookies stored before.
        assert_eq!(SessionKind::Browser.hash(&secret), hex::encode(Sha256::digest(secret.as_bytes())));
        assert!(!is_secret("abc"));
        assert!(!is_secret(&"zz".repeat(32)));
    }

    #[test]
    fn lifetimes() {
        assert_eq!(SessionKind::Browser.idle(), Duration::days(14));
        assert_eq!(SessionKind::Api.idle(), Duration::hours(1));
    }
}
