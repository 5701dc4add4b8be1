//! What the BILLmanager compat dialect keeps between calls: its sessions
//! (`func=auth`, then `auth=<sid>`), each caller's stored list filter
//! (`clientticket.filter`), and the lookups behind `su=` and the `create_user`
//! column. They live here so the dialect itself never touches the store.
//!
//! Sessions are kept with the web's sessions in the store (so they work
//! across several instances and end with the user's other sessions after a
//! password change), hashed with a prefix of their own: a BILLmanager
//! session id is never a valid web cookie, nor a cookie a session id.

use crate::error::{DeskError, DeskResult};
use crate::{Desk, random};
use sha2::{Digest, Sha256};
use tessera_core::ids::UserId;
use tessera_core::{Actor, User};
use tessera_store::SessionRecord;

/// How long a BILLmanager session lives after its last use (the original's
/// one idle hour).
const SESSION_IDLE_SECS: i64 = 3600;
/// A session's expiry is moved at most this often (fewer writes); the idle
/// hour is counted from the last move.
const TOUCH_EVERY_SECS: i64 = 30;
/// The prefix a session id is hashed with, apart from web cookies.
const SESSION_HASH_PREFIX: &str = "billmanager-session:";
/// The settings key prefix of stored list filters (one per user).
const FILTER_KEY_PREFIX: &str = "compat.billmanager.filter.";

/// The stored hash of a session id.
fn session_hash(sid: &str) -> String {
    hex::encode(Sha256::digest(format!("{SESSION_HASH_PREFIX}{sid}").as_bytes()))
}

/// Whether a text has the shape of a session id we hand out (64 hex digits).
fn is_session_id(sid: &str) -> bool {
    sid.len() == 64 && sid.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Desk {
    /// Starts a BILLmanager session for a signed-in actor; answers the
    /// session id (shown once: the store keeps only its hash).
    pub async fn billmanager_start_session(&self, actor: &Actor) -> DeskResult<String> {
        let sid = random::hex_token::<32>()?;
        let now = self.now();
        let record = SessionRecord {
            id_hash: session_hash(&sid),
            user_id: actor.user_id,
            ticket_id: None,
            csrf_token: random::hex_token::<16>()?,
            created_at: now,
            last_seen_at: now,
            expires_at: now + chrono::Duration::seconds(SESSION_IDLE_SECS),
        };
        self.store.insert_session(record).await?;
        Ok(sid)
    }

    /// The actor behind a BILLmanager session id, moving its idle expiry;
    /// [`DeskError::Unauthenticated`] when the id is unknown, expired, or
    /// its user is disabled.
    pub async fn billmanager_session(&self, sid: &str) -> DeskResult<Actor> {
        let sid = sid.trim();
        if !is_session_id(sid) {
            return Err(DeskError::Unauthenticated);
        }
        let id_hash = session_hash(&sid.to_ascii_lowercase());
        let session = self.store.session(&id_hash).await?.ok_or(DeskError::Unauthenticated)?;
        let now = self.now();
        if session.expires_at <= now || session.ticket_id.is_some() {
            let _ = self.store.delete_session(&id_hash).await;
            return Err(DeskError::Unauthenticated);
        }
        let user = self.store.user(session.user_id).await?.ok_or(DeskError::Unauthenticated)?;
        if user.disabled {
            return Err(DeskError::Unauthenticated);
        }
        if now - session.last_seen_at >= chrono::Duration::seconds(TOUCH_EVERY_SECS) {
            self.store.touch_session(&id_hash, now, now + chrono::Duration::seconds(SESSION_IDLE_SECS)).await?;
        }
        self.actor_for(&user).await
    }

    /// The customer an agent or admin acts as with `su=` (an e-mail address
    /// or a user id). Anyone else, an unknown or disabled user, or a user
    /// who is not a customer: refused.
    pub async fn billmanager_su(&self, actor: &Actor, who: &str) -> DeskResult<Actor> {
        if !actor.is_staff() {
            return Err(DeskError::forbidden_field("su", "only agents and admins may act as another user"));
        }
        let who = who.trim();
        let user = match who.parse::<i64>() {
            Ok(id) if id > 0 => self.store.user(UserId(id)).await?,
            Ok(_) => None,
            Err(_) => self.store.user_by_email(who).await?,
        };
        match user {
            Some(u) if !u.disabled && !u.role.is_staff() => self.actor_for(&u).await,
            _ => Err(DeskError::invalid("su", "unknown_user", "there is no such customer")),
        }
    }

    /// A user's display name (the `create_user` column); `None` for a user
    /// that no longer exists.
    pub async fn billmanager_user_name(&self, id: UserId) -> DeskResult<Option<String>> {
        Ok(self.store.user(id).await?.map(|u: User| u.name))
    }

    /// A user's stored `clientticket` list filter (the dialect's own text).
    pub async fn billmanager_filter(&self, actor: &Actor) -> DeskResult<Option<String>> {
        Ok(self.store.setting(&format!("{FILTER_KEY_PREFIX}{}", actor.user_id)).await?)
    }

    /// Stores a user's `clientticket` list filter.
    pub async fn set_billmanager_filter(&self, actor: &Actor, filter: &str) -> DeskResult<()> {
        Ok(self.store.set_setting(&format!("{FILTER_KEY_PREFIX}{}", actor.user_id), filter).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_hashes_differ_from_web_cookie_hashes() {
        let sid = "ab".repeat(32);
        assert!(is_session_id(&sid));
        assert_ne!(session_hash(&sid), hex::encode(Sha256::digest(sid.as_bytes())));
        assert!(!is_session_id("abc"));
        assert!(!is_session_id(&"zz".repeat(32)));
    }
}
