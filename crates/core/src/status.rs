//! Ticket statuses and the status machine.
//!
//! A status is a key in one of six categories. The seven built-in keys cover
//! the seeds' statuses; admins add more in a category. Rules only ever look
//! at categories, so an admin-defined status behaves like the built-in one
//! of its category.

use crate::error::DomainError;
use crate::event::Side;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The category a status belongs to, in queue order (a view's "less than"
/// compares by this order).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    /// Nobody has acted on it yet.
    New,
    /// Waiting for an agent.
    Open,
    /// Waiting for the customer.
    Pending,
    /// Waiting for someone else (a third party, a deployment).
    Hold,
    /// Done; a reply reopens it.
    Solved,
    /// Final; a reply opens a follow-up ticket.
    Closed,
}

impl StatusCategory {
    /// Every category, in order.
    pub const ALL: [Self; 6] = [Self::New, Self::Open, Self::Pending, Self::Hold, Self::Solved, Self::Closed];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Hold => "hold",
            Self::Solved => "solved",
            Self::Closed => "closed",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The ticket waits for an agent (new or open): the wait time runs.
    pub fn awaits_agent(self) -> bool {
        matches!(self, Self::New | Self::Open)
    }

    /// Solved or closed.
    pub fn is_done(self) -> bool {
        matches!(self, Self::Solved | Self::Closed)
    }
}

impl fmt::Display for StatusCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The key of a status (`open`, `answered`, or an admin's `waiting_on_vendor`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatusKey(pub String);

impl StatusKey {
    /// Built-in: a ticket nobody has acted on.
    pub const NEW: &'static str = "new";
    /// Built-in: waiting for an agent.
    pub const OPEN: &'static str = "open";
    /// Built-in: an agent is working on it.
    pub const IN_PROGRESS: &'static str = "in_progress";
    /// Built-in: an agent replied; waiting for the customer.
    pub const ANSWERED: &'static str = "answered";
    /// Built-in: on hold.
    pub const ON_HOLD: &'static str = "on_hold";
    /// Built-in: solved.
    pub const SOLVED: &'static str = "solved";
    /// Built-in: closed, final.
    pub const CLOSED: &'static str = "closed";

    /// A key from a string (not checked against the catalogue).
    pub fn new(s: &str) -> Self {
        Self(s.to_string())
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Checks the shape of a new key: 1–40 characters of `a-z`, `0-9`, `_`.
    pub fn parse_new(s: &str) -> Result<Self, DomainError> {
        let ok = !s.is_empty()
            && s.len() <= 40
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && s.starts_with(|c: char| c.is_ascii_lowercase());
        if ok {
            Ok(Self::new(s))
        } else {
            Err(DomainError::invalid(
                "key",
                "invalid_key",
                "a status key is 1 to 40 characters of a-z, 0-9 and _, starting with a letter",
            ))
        }
    }
}

impl fmt::Display for StatusKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A status of the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Unique key.
    pub key: StatusKey,
    /// Display name.
    pub name: String,
    /// The category that decides how it behaves.
    pub category: StatusCategory,
    /// Sort position.
    pub position: i64,
    /// Shipped with Tessera (cannot be removed).
    pub builtin: bool,
}

/// The built-in statuses, as DESIGN.md lists them.
pub fn builtin_statuses() -> Vec<Status> {
    use StatusCategory as C;
    [
        (StatusKey::NEW, "New", C::New),
        (StatusKey::OPEN, "Open", C::Open),
        (StatusKey::IN_PROGRESS, "In progress", C::Open),
        (StatusKey::ANSWERED, "Answered", C::Pending),
        (StatusKey::ON_HOLD, "On hold", C::Hold),
        (StatusKey::SOLVED, "Solved", C::Solved),
        (StatusKey::CLOSED, "Closed", C::Closed),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (key, name, category))| Status {
        key: StatusKey::new(key),
        name: name.to_string(),
        category,
        position: i as i64 * 10,
        builtin: true,
    })
    .collect()
}

/// A status reference as the machine needs it: key and category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRef {
    /// The key.
    pub key: StatusKey,
    /// Its category.
    pub category: StatusCategory,
}

impl StatusRef {
    /// A built-in status by key (the key must be one of [`builtin_statuses`]).
    pub fn builtin(key: &'static str) -> Self {
        let category =
            builtin_statuses().into_iter().find(|s| s.key.as_str() == key).map_or(StatusCategory::Open, |s| s.category);
        Self { key: StatusKey::new(key), category }
    }
}

impl From<&Status> for StatusRef {
    fn from(s: &Status) -> Self {
        Self { key: s.key.clone(), category: s.category }
    }
}

/// What a reply does to a ticket's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// The ticket moves to (or stays in) this status.
    Status(StatusRef),
    /// The ticket is closed: the reply opens a new ticket linked to it.
    FollowUp,
}

/// The status a public reply leads to.
///
/// - a customer reply moves the ticket to `open` (reopening a solved one);
/// - an agent reply moves it to `answered`, or to the status the agent chose;
/// - a reply to a closed ticket opens a linked follow-up, whoever writes it;
/// - a locked ticket refuses the customer's reply.
pub fn after_reply(
    current: &StatusRef,
    side: Side,
    locked: bool,
    chosen: Option<&StatusRef>,
) -> Result<ReplyOutcome, DomainError> {
    if side == Side::Customer && locked {
        return Err(DomainError::Locked);
    }
    if current.category == StatusCategory::Closed {
        return Ok(ReplyOutcome::FollowUp);
    }
    match side {
        Side::Customer => Ok(ReplyOutcome::Status(StatusRef::builtin(StatusKey::OPEN))),
        Side::Agent | Side::System => match chosen {
            Some(s) if s.category == StatusCategory::New => {
                Err(DomainError::Transition("a replied ticket cannot go back to the new status".into()))
            }
            Some(s) => Ok(ReplyOutcome::Status(s.clone())),
            None => Ok(ReplyOutcome::Status(StatusRef::builtin(StatusKey::ANSWERED))),
        },
    }
}

/// The status a note leads to: unchanged, unless the agent chose one.
pub fn after_note(current: &StatusRef, chosen: Option<&StatusRef>) -> Result<StatusRef, DomainError> {
    match chosen {
        None => Ok(current.clone()),
        Some(s) => set_status(current, s, Side::Agent),
    }
}

/// Checks an explicit status change.
///
/// Closed is final. A ticket cannot go back to a `new`-category status once it
/// has left it. Customers may only solve or close their ticket, or reopen a
/// solved one (which makes it `open`).
pub fn set_status(current: &StatusRef, target: &StatusRef, side: Side) -> Result<StatusRef, DomainError> {
    if current.key == target.key {
        return Ok(current.clone());
    }
    if current.category == StatusCategory::Closed {
        return Err(DomainError::Closed);
    }
    if target.category == StatusCategory::New && current.category != StatusCategory::New {
        return Err(DomainError::Transition("a ticket cannot go back to the new status".into()));
    }
    if side == Side::Customer {
        let allowed = target.category.is_done()
            || (current.category == StatusCategory::Solved && target.key.as_str() == StatusKey::OPEN);
        if !allowed {
            return Err(DomainError::Transition(
                "customers may only solve or close a ticket, or reopen a solved one".into(),
            ));
        }
    }
    Ok(target.clone())
}

/// Reopening: only a solved ticket reopens (to `open`); a closed one is final.
pub fn reopen(current: &StatusRef) -> Result<StatusRef, DomainError> {
    match current.category {
        StatusCategory::Solved => Ok(StatusRef::builtin(StatusKey::OPEN)),
        StatusCategory::Closed => Err(DomainError::Closed),
        _ => Err(DomainError::Transition("only a solved ticket can be reopened".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn st(key: &'static str) -> StatusRef {
        StatusRef::builtin(key)
    }

    #[test]
    fn customer_reply_opens() {
        for from in [StatusKey::NEW, StatusKey::ANSWERED, StatusKey::ON_HOLD, StatusKey::SOLVED, StatusKey::IN_PROGRESS]
        {
            assert_eq!(
                after_reply(&st(from), Side::Customer, false, None).unwrap(),
                ReplyOutcome::Status(st(StatusKey::OPEN)),
                "from {from}"
            );
        }
    }

    #[test]
    fn agent_reply_answers_unless_chosen() {
        assert_eq!(
            after_reply(&st(StatusKey::OPEN), Side::Agent, false, None).unwrap(),
            ReplyOutcome::Status(st(StatusKey::ANSWERED))
        );
        assert_eq!(
            after_reply(&st(StatusKey::OPEN), Side::Agent, false, Some(&st(StatusKey::ON_HOLD))).unwrap(),
            ReplyOutcome::Status(st(StatusKey::ON_HOLD))
        );
        assert!(after_reply(&st(StatusKey::OPEN), Side::Agent, false, Some(&st(StatusKey::NEW))).is_err());
    }

    #[test]
    fn reply_to_closed_is_a_follow_up() {
        for side in [Side::Customer, Side::Agent] {
            assert_eq!(after_reply(&st(StatusKey::CLOSED), side, false, None).unwrap(), ReplyOutcome::FollowUp);
        }
    }

    #[test]
    fn locked_refuses_customers_only() {
        assert_eq!(after_reply(&st(StatusKey::OPEN), Side::Customer, true, None), Err(DomainError::Locked));
        assert!(after_reply(&st(StatusKey::OPEN), Side::Agent, true, None).is_ok());
    }

    #[test]
    fn note_keeps_status() {
        assert_eq!(after_note(&st(StatusKey::ANSWERED), None).unwrap(), st(StatusKey::ANSWERED));
    }

    #[test]
    fn reopen_rules() {
        assert_eq!(reopen(&st(StatusKey::SOLVED)).unwrap(), st(StatusKey::OPEN));
        assert_eq!(reopen(&st(StatusKey::CLOSED)), Err(DomainError::Closed));
        assert!(reopen(&st(StatusKey::OPEN)).is_err());
    }

    #[test]
    fn customers_only_solve_close_or_reopen() {
        assert!(set_status(&st(StatusKey::OPEN), &st(StatusKey::SOLVED), Side::Customer).is_ok());
        assert!(set_status(&st(StatusKey::OPEN), &st(StatusKey::CLOSED), Side::Customer).is_ok());
        assert!(set_status(&st(StatusKey::SOLVED), &st(StatusKey::OPEN), Side::Customer).is_ok());
        assert!(set_status(&st(StatusKey::OPEN), &st(StatusKey::ON_HOLD), Side::Customer).is_err());
        assert!(set_status(&st(StatusKey::ANSWERED), &st(StatusKey::OPEN), Side::Customer).is_err());
    }

    fn any_status() -> impl Strategy<Value = StatusRef> {
        prop::sample::select(builtin_statuses()).prop_map(|s| StatusRef::from(&s))
    }

    fn any_side() -> impl Strategy<Value = Side> {
        prop::sample::select(vec![Side::Customer, Side::Agent])
    }

    proptest! {
        /// Closed is final: no explicit change leaves it, and every reply
        /// becomes a follow-up.
        #[test]
        fn closed_is_final(target in any_status(), side in any_side()) {
            let closed = st(StatusKey::CLOSED);
            let r = set_status(&closed, &target, side);
            prop_assert_eq!(after_reply(&closed, side, false, None).unwrap(), ReplyOutcome::FollowUp);
            if target.key == closed.key {
                prop_assert_eq!(r.unwrap(), closed, "closed stays closed");
            } else {
                prop_assert_eq!(r, Err(DomainError::Closed));
            }
        }

        /// Whatever the history, once a ticket left `new` no sequence of
        /// replies and changes brings it back there, and the machine never
        /// leaves `closed`.
        #[test]
        fn walks_respect_the_rules(steps in prop::collection::vec((any_side(), any_status(), 0u8..3), 1..40)) {
            let mut cur = st(StatusKey::NEW);
            let mut left_new = false;
            for (side, target, op) in steps {
                let before = cur.clone();
                let next = match op {
                    0 => after_reply(&cur, side, false, Some(&target)).ok().and_then(|o| match o {
                        ReplyOutcome::Status(s) => Some(s),
                        ReplyOutcome::FollowUp => None,
                    }),
                    1 => set_status(&cur, &target, side).ok(),
                    _ => reopen(&cur).ok(),
                };
                if let Some(n) = next {
                    cur = n;
                }
                if before.category == StatusCategory::Closed {
                    prop_assert_eq!(&cur, &before);
                }
                if cur.category != StatusCategory::New {
                    left_new = true;
                }
                if left_new {
                    prop_assert!(cur.category != StatusCategory::New);
                }
            }
        }
    }
}
