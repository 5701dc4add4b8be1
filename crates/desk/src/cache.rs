//! Short-lived copies of what nearly every request reads and rarely changes:
//! who an API token belongs to, the custom field definitions and the SLA
//! policies.
//!
//! Without them a ticket read asked the store seven times (token, user,
//! departments, ticket, field definitions, messages, policies); with them
//! it asks twice. A copy lives [`TTL`] at most. This process drops its copies
//! the moment it changes what they hold (a revoked token, a disabled user,
//! new department members, an edited field or policy), so its own requests
//! never see an old copy. Another instance on the same PostgreSQL, or a
//! `tessera` command run beside the server, changes the database behind this
//! process's back: there a change takes effect within [`TTL`]
//! (docs/decisions.md, decision 27).
//!
//! A copy read from the store while a change was being made could be older
//! than the change; every cache therefore has a generation that a change
//! bumps, and a copy is kept only if no change happened since its read began.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tessera_core::Actor;

/// How long a copy is used before the store is asked again.
pub const TTL: Duration = Duration::from_secs(2);

/// Most API tokens remembered at once (a bound on memory: past it the
/// oldest half of the copies is dropped).
const MAX_ACTORS: usize = 4096;

/// The generation a read started in, handed back when its result is stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

/// One cached value.
pub(crate) struct Cached<T> {
    generation: AtomicU64,
    slot: Mutex<Option<(Instant, Arc<T>)>>,
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Self { generation: AtomicU64::new(0), slot: Mutex::new(None) }
    }
}

impl<T> Cached<T> {
    /// The copy, if one younger than [`TTL`] is held; otherwise the ticket
    /// to store a fresh read with.
    pub(crate) fn get(&self) -> Result<Arc<T>, Ticket> {
        let ticket = Ticket(self.generation.load(Ordering::Acquire));
        match self.slot.lock() {
            Ok(slot) => match slot.as_ref() {
                Some((at, v)) if at.elapsed() < TTL => Ok(Arc::clone(v)),
                _ => Err(ticket),
            },
            Err(_) => Err(ticket),
        }
    }

    /// Keeps `value`, read after `ticket` was handed out, unless a change
    /// came in between.
    pub(crate) fn put(&self, ticket: Ticket, value: Arc<T>) {
        if let Ok(mut slot) = self.slot.lock()
            && self.generation.load(Ordering::Acquire) == ticket.0
        {
            *slot = Some((Instant::now(), value));
        }
    }

    /// Drops the copy: what it holds was just changed.
    pub(crate) fn clear(&self) {
        if let Ok(mut slot) = self.slot.lock() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            *slot = None;
        }
    }

    /// The copy, or what `read` answers, kept for the next callers.
    pub(crate) async fn get_or_read<F, Fut, E>(&self, read: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let ticket = match self.get() {
            Ok(v) => return Ok(v),
            Err(ticket) => ticket,
        };
        let value = Arc::new(read().await?);
        self.put(ticket, Arc::clone(&value));
        Ok(value)
    }
}

/// Actors by API token. The key is the token's identifier with the SHA-256
/// of its whole secret, so only the exact token finds its actor; the token
/// itself is not kept.
#[derive(Default)]
pub(crate) struct Actors {
    generation: AtomicU64,
    map: Mutex<HashMap<(String, String), (Instant, Actor)>>,
}

impl Actors {
    /// The actor behind a token verified less than [`TTL`] ago.
    pub(crate) fn get(&self, identifier: &str, secret_hash: &str) -> Result<Actor, Ticket> {
        let ticket = Ticket(self.generation.load(Ordering::Acquire));
        let Ok(map) = self.map.lock() else { return Err(ticket) };
        match map.get(&(identifier.to_owned(), secret_hash.to_owned())) {
            Some((at, actor)) if at.elapsed() < TTL => Ok(actor.clone()),
            _ => Err(ticket),
        }
    }

    /// Remembers a verified token's actor, unless tokens, users or
    /// memberships changed since the check began.
    pub(crate) fn put(&self, ticket: Ticket, identifier: &str, secret_hash: &str, actor: &Actor) {
        let Ok(mut map) = self.map.lock() else { return };
        if self.generation.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if map.len() >= MAX_ACTORS {
            let now = Instant::now();
            map.retain(|_, (at, _)| now.duration_since(*at) < TTL / 2);
        }
        map.insert((identifier.to_owned(), secret_hash.to_owned()), (Instant::now(), actor.clone()));
    }

    /// Forgets every actor: a token, a user or a membership changed.
    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            self.generation.fetch_add(1, Ordering::AcqRel);
            map.clear();
        }
    }
}

/// Every cache of one desk (shared by its clones).
#[derive(Default)]
pub(crate) struct Caches {
    pub(crate) actors: Actors,
    pub(crate) fields: Cached<Vec<tessera_core::custom_field::CustomFieldDef>>,
    pub(crate) sla_policies: Cached<Vec<tessera_store::SlaPolicyRecord>>,
    pub(crate) mail_templates: Cached<Vec<tessera_store::MailTemplateRecord>>,
    /// When the desk last looked for due digests (milliseconds; 0: never).
    pub(crate) digest_look: std::sync::atomic::AtomicI64,
    pub(crate) notification_defaults:
        Cached<Vec<(tessera_core::ids::DepartmentId, tessera_store::OutboundKind, tessera_store::NotificationMode)>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use tessera_core::Role;
    use tessera_core::ids::UserId;

    fn actor(id: i64) -> Actor {
        Actor {
            user_id: UserId(id),
            role: Role::Agent,
            organization_id: None,
            sees_all: false,
            department_ids: vec![],
            only_ticket: None,
        }
    }

    #[test]
    fn a_value_read_before_a_change_is_not_kept() {
        let c: Cached<u32> = Cached::default();
        let Err(ticket) = c.get() else { panic!("empty at first") };
        c.clear(); // a change lands while the read is under way
        c.put(ticket, Arc::new(1));
        let Err(ticket) = c.get() else { panic!("the stale read must not be kept") };
        c.put(ticket, Arc::new(2));
        assert_eq!(*c.get().expect("kept"), 2);
        c.clear();
        assert!(c.get().is_err(), "a change drops the copy");
    }

    #[test]
    fn only_the_exact_token_finds_its_actor() {
        let a = Actors::default();
        let Err(t) = a.get("id1", "hash1") else { panic!("empty at first") };
        a.put(t, "id1", "hash1", &actor(7));
        assert_eq!(a.get("id1", "hash1").ok().map(|x| x.user_id), Some(UserId(7)));
        assert!(a.get("id1", "other").is_err(), "another secret with the same identifier");
        assert!(a.get("id2", "hash1").is_err());
        let Err(t) = a.get("id2", "hash2") else { panic!() };
        a.clear();
        a.put(t, "id2", "hash2", &actor(8));
        assert!(a.get("id2", "hash2").is_err(), "checked before a revocation, not kept");
        assert!(a.get("id1", "hash1").is_err(), "a change forgets every token");
    }
}
