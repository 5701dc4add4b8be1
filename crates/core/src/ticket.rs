//! Tickets and their small value types.

use crate::email::Email;
use crate::error::DomainError;
use crate::ids::{DepartmentId, OrganizationId, ServiceId, TicketId, UserId};
use crate::status::{StatusCategory, StatusKey, StatusRef};
use crate::time::Timestamp;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How urgent a ticket is; ordered by rank.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Rank 1.
    Low,
    /// Rank 2.
    #[default]
    Normal,
    /// Rank 3.
    High,
    /// Rank 4.
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Self; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    /// 1 (low) to 4 (urgent); stored, sorted and compared by this.
    pub fn rank(self) -> i64 {
        match self {
            Self::Low => 1,
            Self::Normal => 2,
            Self::High => 3,
            Self::Urgent => 4,
        }
    }

    /// The inverse of [`Priority::rank`].
    pub fn from_rank(rank: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.rank() == rank)
    }

    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }

    /// Parses the serialized name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Zendesk's ticket types.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketType {
    /// A question.
    Question,
    /// Something broke.
    Incident,
    /// The cause behind incidents.
    Problem,
    /// Work to do.
    Task,
}

impl TicketType {
    /// Every type.
    pub const ALL: [Self; 4] = [Self::Question, Self::Incident, Self::Problem, Self::Task];

    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Question => "question",
            Self::Incident => "incident",
            Self::Problem => "problem",
            Self::Task => "task",
        }
    }

    /// Parses the serialized name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Where a ticket came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The web portal or console.
    #[default]
    Web,
    /// An inbound e-mail.
    Email,
    /// The API or a compat dialect.
    Api,
    /// An agent logging a phone call.
    Phone,
    /// A chat transcript.
    Chat,
}

impl Source {
    /// Every source.
    pub const ALL: [Self; 5] = [Self::Web, Self::Email, Self::Api, Self::Phone, Self::Chat];

    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Email => "email",
            Self::Api => "api",
            Self::Phone => "phone",
            Self::Chat => "chat",
        }
    }

    /// Parses the serialized name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Who else follows a ticket: outside addresses and agents.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cc {
    /// Addresses copied on public replies.
    #[serde(default)]
    pub emails: Vec<Email>,
    /// Agents who follow the ticket.
    #[serde(default)]
    pub agent_ids: Vec<UserId>,
}

impl Cc {
    /// Removes duplicates (addresses without regard to case) and keeps order.
    pub fn normalized(mut self) -> Self {
        let mut seen = std::collections::HashSet::new();
        self.emails.retain(|e| seen.insert(e.normalized()));
        let mut seen_ids = std::collections::HashSet::new();
        self.agent_ids.retain(|a| seen_ids.insert(*a));
        self
    }
}

/// Why a ticket was closed (Bangwo8 tells automatic from manual closing).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedReason {
    /// Someone closed it.
    Manual,
    /// An automation closed it.
    Auto,
    /// It was merged into another ticket.
    Merged,
}

impl ClosedReason {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Auto => "auto",
            Self::Merged => "merged",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Manual, Self::Auto, Self::Merged].into_iter().find(|p| p.as_str() == s)
    }
}

/// A support ticket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Internal id.
    pub id: TicketId,
    /// Public, unique, not sequential (six digits by default).
    pub number: String,
    /// Random secret for guest links (WHMCS `c`), 128 bits or more.
    /// Whoever holds it acts as the requester on this ticket, so the desk
    /// shows it only to the requester and to admins (who may act as anyone
    /// already); everyone else is shown the ticket with this empty, and
    /// left out of JSON. Agents ask for a link to send instead
    /// (`Desk::guest_link`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub access_key: String,
    /// One line.
    pub subject: String,
    /// Where it is filed.
    pub department_id: DepartmentId,
    /// The customer it is for.
    pub requester_id: UserId,
    /// The requester's organization when the ticket was opened.
    pub organization_id: Option<OrganizationId>,
    /// A linked service of the requester.
    pub service_id: Option<ServiceId>,
    /// The agent responsible.
    pub assignee_id: Option<UserId>,
    /// Who assigned it.
    pub assigned_by_id: Option<UserId>,
    /// An agent it is flagged to.
    pub flagged_id: Option<UserId>,
    /// Followers.
    pub cc: Cc,
    /// Lower-case labels, sorted, unique.
    pub tags: Vec<String>,
    /// Question, incident, problem or task.
    #[serde(rename = "type")]
    pub ticket_type: Option<TicketType>,
    /// Urgency.
    pub priority: Priority,
    /// Status key.
    pub status: StatusKey,
    /// The status's category (denormalized: a status never changes category).
    pub status_category: StatusCategory,
    /// Where it came from.
    pub source: Source,
    /// Values by field key; secret values are kept encrypted.
    pub custom_fields: BTreeMap<String, serde_json::Value>,
    /// The customer may no longer reply.
    pub locked: bool,
    /// Hidden from the customer's active list.
    pub archived: bool,
    /// Placed at the top of the queue.
    pub queue_boost: bool,
    /// Why it was closed, when it is.
    pub closed_reason: Option<ClosedReason>,
    /// The ticket this one was merged into.
    pub merged_into_id: Option<TicketId>,
    /// The closed ticket this one follows up.
    pub follow_up_of_id: Option<TicketId>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last change of any kind.
    pub updated_at: DateTime<Utc>,
    /// Last public reply from either side.
    pub last_reply_at: Option<DateTime<Utc>>,
    /// Last public message from the customer.
    pub last_customer_reply_at: Option<DateTime<Utc>>,
    /// Last public reply from an agent.
    pub last_agent_reply_at: Option<DateTime<Utc>>,
    /// The first agent reply.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Since when it has been waiting for an agent (status new or open).
    pub awaiting_agent_since: Option<DateTime<Utc>>,
    /// Last time it became solved.
    pub solved_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// When it should be done.
    pub due_at: Option<DateTime<Utc>>,
    /// When it was deleted (deleted tickets are invisible).
    pub deleted_at: Option<DateTime<Utc>>,
    /// The customer has not seen the latest agent reply.
    pub customer_unread: bool,
    /// No agent has seen the latest customer message.
    pub agent_unread: bool,
    /// Bumped by every change; optimistic concurrency compares it.
    pub version: i64,
}

impl Ticket {
    /// The status as the machine sees it.
    pub fn status_ref(&self) -> StatusRef {
        StatusRef { key: self.status.clone(), category: self.status_category }
    }

    /// Moves the ticket to `status` and keeps the derived times true:
    /// `awaiting_agent_since` runs while the category waits for an agent,
    /// `solved_at` and `closed_at` mark entering those categories.
    pub fn apply_status(&mut self, status: &StatusRef, now: Timestamp) {
        let before = self.status_category;
        self.status = status.key.clone();
        self.status_category = status.category;
        if status.category.awaits_agent() {
            if !before.awaits_agent() || self.awaiting_agent_since.is_none() {
                self.awaiting_agent_since = Some(now);
            }
        } else {
            self.awaiting_agent_since = None;
        }
        if status.category == StatusCategory::Solved && before != StatusCategory::Solved {
            self.solved_at = Some(now);
        }
        if !status.category.is_done() {
            self.solved_at = None;
            self.closed_reason = None;
        }
        if status.category == StatusCategory::Closed && before != StatusCategory::Closed {
            self.closed_at = Some(now);
            self.closed_reason.get_or_insert(ClosedReason::Manual);
        }
    }

    /// Seconds the ticket has been waiting for an agent, if it is.
    pub fn wait_seconds(&self, now: Timestamp) -> Option<i64> {
        self.awaiting_agent_since.map(|t| (now - t).num_seconds().max(0))
    }
}

/// Checks and trims a subject: 1 to 255 characters on one line.
pub fn validate_subject(subject: &str) -> Result<String, DomainError> {
    let s = subject.trim();
    if s.is_empty() {
        return Err(DomainError::invalid("subject", "required", "the subject must not be empty"));
    }
    if s.chars().count() > 255 {
        return Err(DomainError::invalid("subject", "too_long", "the subject is longer than 255 characters"));
    }
    Ok(s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect())
}

/// Normalizes tags: trimmed, lower case, unique, sorted; each 1–64 characters
/// without spaces or commas; at most 50.
pub fn normalize_tags(tags: &[String]) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        let t = t.trim().to_lowercase();
        if t.is_empty() || t.chars().count() > 64 || t.chars().any(|c| c.is_whitespace() || c == ',' || c.is_control())
        {
            return Err(DomainError::invalid(
                "tags",
                "invalid_tag",
                format!("tag {t:?} must be 1 to 64 characters without spaces or commas"),
            ));
        }
        out.push(t);
    }
    out.sort();
    out.dedup();
    if out.len() > 50 {
        return Err(DomainError::invalid("tags", "too_many", "a ticket has at most 50 tags"));
    }
    Ok(out)
}

/// A candidate ticket number: `digits` decimal digits, no leading zero, drawn
/// from `random`. Stores try candidates until one is free and widen the
/// number after repeated collisions, so numbers stay short but never run out.
pub fn number_candidate(random: u64, digits: u32) -> String {
    let digits = digits.clamp(6, 18);
    let low = 10u64.pow(digits - 1);
    let span = 9 * low;
    (low + random % span).to_string()
}

/// How many digits a number should have after `attempt` collisions: six,
/// then one more for every eight collisions.
pub fn number_digits(attempt: u32) -> u32 {
    6 + attempt / 8
}

/// The ticket number a subject names in a `[#123456]` tag (the first one
/// that can be a number: 6 to 18 digits, no leading zero), as mail about a
/// ticket carries it. One rule for the mail parser and the desk.
pub fn number_in_subject(subject: &str) -> Option<&str> {
    let mut rest = subject;
    while let Some(at) = rest.find("[#") {
        rest = &rest[at + 2..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let number = &rest[..digits];
        if (6..=18).contains(&digits) && !number.starts_with('0') && rest[digits..].starts_with(']') {
            return Some(number);
        }
    }
    None
}

/// Reply and forward prefixes of every language Tessera serves, lower
/// case (`İLT` lowers to `i̇lt`).
const SUBJECT_PREFIXES: [&str; 20] = [
    "re",
    "fwd",
    "fw",
    "aw",
    "wg",
    "sv",
    "vs",
    "ynt",
    "ilt",
    "i\u{307}lt",
    "回复",
    "回覆",
    "答复",
    "答覆",
    "转发",
    "轉發",
    "ответ",
    "отв",
    "пересл",
    "tr",
];

/// A subject's topic: without reply and forward prefixes (stripped
/// repeatedly: `Re: AW: Fwd:`), `[External]` banners and ticket tags
/// (`[#123456]`), whitespace collapsed, lower case. Two messages about the
/// same thing have the same topic whatever mail client answered them, which
/// is what the mail threading rule by subject compares.
pub fn subject_topic(subject: &str) -> String {
    // Until nothing changes: a tag taken out may bare a prefix (`[#1] Re:`)
    // or close up into another tag; each round only ever shortens it.
    let mut topic = subject.to_string();
    loop {
        let mut rest = topic.as_str();
        while let Some(after) = strip_subject_prefix(rest) {
            rest = after;
        }
        let next = without_ticket_tags(rest).split_whitespace().collect::<Vec<_>>().join(" ");
        if next == topic {
            return topic.to_lowercase();
        }
        topic = next;
    }
}

/// The text without `[#123]` tags.
fn without_ticket_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut tail = text;
    while let Some(at) = tail.find("[#") {
        out.push_str(&tail[..at]);
        let after = &tail[at + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(']') {
            tail = &after[digits + 1..];
        } else {
            out.push_str("[#");
            tail = after;
        }
    }
    out.push_str(tail);
    out
}

/// The subject after its first reply/forward prefix or banner, if it has
/// one: a word of [`SUBJECT_PREFIXES`], an optional counter (`[2]`, `(2)`,
/// `^2`), then `:` or a full-width `：`.
fn strip_subject_prefix(subject: &str) -> Option<&str> {
    let s = subject.trim_start();
    if s.starts_with('[') {
        let close = s.find(']')?;
        let banner = s[1..close].to_lowercase();
        return (banner == "external" || banner == "ext").then(|| &s[close + 1..]);
    }
    for (end, _) in s.char_indices().skip(1).chain(std::iter::once((s.len(), ' '))).take(6) {
        if !SUBJECT_PREFIXES.contains(&s[..end].to_lowercase().as_str()) {
            continue;
        }
        let mut after = &s[end..];
        let counter = after.strip_prefix('[').map(|a| (a, ']')).or_else(|| after.strip_prefix('(').map(|a| (a, ')')));
        if let Some((inner, close)) = counter {
            let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
            if (1..=4).contains(&digits) && inner[digits..].starts_with(close) {
                after = &inner[digits + 1..];
            }
        } else if let Some(inner) = after.strip_prefix('^') {
            let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
            if (1..=4).contains(&digits) {
                after = &inner[digits..];
            }
        }
        let after = after.trim_start();
        if let Some(a) = after.strip_prefix(':').or_else(|| after.strip_prefix('：')) {
            return Some(a);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_drop_prefixes_in_every_language_and_tags() {
        for s in [
            "Re: Sunucu çöktü",
            "RE: RE: Sunucu çöktü",
            "Fwd: Sunucu çöktü",
            "FW: Sunucu çöktü",
            "Fw: AW: WG: Sunucu çöktü",
            "SV: VS: Sunucu çöktü",
            "YNT: Sunucu çöktü",
            "Ynt: İLT: Sunucu çöktü",
            "ILT: Sunucu çöktü",
            "回复：Sunucu çöktü",
            "回复: 答复: 转发: Sunucu çöktü",
            "Ответ: Отв: Sunucu çöktü",
            "RE[2]: Sunucu çöktü",
            "Re(3): Sunucu çöktü",
            "Re^2: Sunucu çöktü",
            "[External] Re: Sunucu çöktü",
            "  Re :  Sunucu   çöktü ",
            "Re: [#482913] Sunucu çöktü",
            "SUNUCU ÇÖKTÜ",
        ] {
            assert_eq!(subject_topic(s), "sunucu çöktü", "{s}");
        }
        // Words that only begin like a prefix stay.
        assert_eq!(subject_topic("Reboot: server"), "reboot: server");
        assert_eq!(subject_topic("Svar"), "svar");
        assert_eq!(subject_topic("[#abc] [x] Re"), "[#abc] [x] re");
        assert_eq!(subject_topic(""), "");
    }

    #[test]
    fn a_subject_names_a_ticket_number_only_in_a_whole_tag() {
        assert_eq!(number_in_subject("Re: [#482913] Sunucu"), Some("482913"));
        assert_eq!(number_in_subject("[#12345] short, then [#482913]"), Some("482913"));
        for none in ["[#012345] zero", "#482913 bare", "[#482913 open", "[#", "[#1234567890123456789] long", ""] {
            assert_eq!(number_in_subject(none), None, "{none}");
        }
    }
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn numbers_have_the_asked_digits(r in any::<u64>(), d in 6u32..12) {
            let n = number_candidate(r, d);
            prop_assert_eq!(n.len() as u32, d);
            prop_assert!(!n.starts_with('0'));
        }

        #[test]
        fn tags_are_normalized(tags in prop::collection::vec("[a-zA-Zçğışöü0-9_-]{1,10}", 0..20)) {
            let out = normalize_tags(&tags).unwrap();
            let mut sorted = out.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(&out, &sorted);
            prop_assert!(out.iter().all(|t| t.to_lowercase() == *t));
        }
    }

    #[test]
    fn bad_tags_and_subjects() {
        assert!(normalize_tags(&["two words".into()]).is_err());
        assert!(normalize_tags(&["a,b".into()]).is_err());
        assert!(validate_subject("   ").is_err());
        assert!(validate_subject(&"x".repeat(256)).is_err());
        assert_eq!(validate_subject("  Sunucu çöktü \n").unwrap(), "Sunucu çöktü");
    }

    #[test]
    fn digits_grow_after_collisions() {
        assert_eq!(number_digits(0), 6);
        assert_eq!(number_digits(7), 6);
        assert_eq!(number_digits(8), 7);
    }
}
