//! Records that exist only for storage and plumbing (the domain types live
//! in `tessera-core`).

use serde::{Deserialize, Serialize};
use tessera_core::Timestamp;
use tessera_core::ids::{AttachmentId, MessageId, TicketId, TokenId, UserId};

/// An API token. Only the SHA-256 of the secret is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// Row id.
    pub id: TokenId,
    /// The user it acts as.
    pub user_id: UserId,
    /// What it is for.
    pub name: String,
    /// The public half (`identifier` of WHMCS-style clients).
    pub identifier: String,
    /// Hex SHA-256 of the secret half.
    pub secret_hash: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

/// An uploaded file. Its bytes live in the blob store under `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRecord {
    /// Row id.
    pub id: AttachmentId,
    /// Hex SHA-256 of the contents (the blob's address).
    pub sha256: String,
    /// File name as uploaded, cleaned.
    pub filename: String,
    /// Sniffed from the contents.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Who uploaded it.
    pub uploader_id: UserId,
    /// The ticket, once attached to a message.
    pub ticket_id: Option<TicketId>,
    /// The message, once attached.
    pub message_id: Option<MessageId>,
    /// Upload time.
    pub created_at: Timestamp,
}

/// Where a fixed-window limit stands: the hits of its current window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    /// Hits counted in the window.
    pub count: u32,
    /// When the window began (its first hit).
    pub started_at: Timestamp,
    /// When its last hit was counted.
    pub last_at: Timestamp,
}

/// A browser session. The cookie holds a random secret; only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Hex SHA-256 of the cookie's secret.
    pub id_hash: String,
    /// Who is signed in (for a guest: the ticket's requester).
    pub user_id: UserId,
    /// A guest session reaches only this ticket.
    pub ticket_id: Option<TicketId>,
    /// The token forms must send back (CSRF protection).
    pub csrf_token: String,
    /// Sign-in time.
    pub created_at: Timestamp,
    /// Last request.
    pub last_seen_at: Timestamp,
    /// When it ends unless used again.
    pub expires_at: Timestamp,
}

/// What a single-use sign-in token opens: each purpose is consumed only as
/// itself, so a hand-off token never resets a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// A password reset link (every role).
    Reset,
    /// A sign-in link a customer asked for by e-mail.
    Link,
    /// A billing panel's hand-off: one browser sign-in for its customer.
    Handoff,
}

impl TokenPurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Link => "link",
            Self::Handoff => "handoff",
        }
    }

    /// The purpose stored as `s`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "reset" => Some(Self::Reset),
            "link" => Some(Self::Link),
            "handoff" => Some(Self::Handoff),
            _ => None,
        }
    }
}

/// A single-use sign-in token (password reset, sign-in link, hand-off).
/// Only the SHA-256 of its 256-bit secret is kept, so a copy of the
/// database opens nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInToken {
    /// Hex SHA-256 of the secret.
    pub token_hash: String,
    /// Whose account it opens.
    pub user_id: UserId,
    /// What it opens.
    pub purpose: TokenPurpose,
    /// When it was made.
    pub created_at: Timestamp,
    /// After this it opens nothing.
    pub expires_at: Timestamp,
    /// When it was used (or retired); a used token opens nothing.
    pub used_at: Option<Timestamp>,
}

/// A member's workload, for auto-assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentLoad {
    /// The agent.
    pub user_id: UserId,
    /// Unsolved tickets assigned to them, in any department.
    pub open_tickets: u64,
    /// Last time a ticket of the department was assigned to them.
    pub last_assigned_at: Option<Timestamp>,
}

/// Idempotency keys are per user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    /// The caller.
    pub user_id: UserId,
    /// The `Idempotency-Key` header.
    pub key: String,
}

/// What `idempotency_begin` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// First use of the key: go ahead.
    Started,
    /// The same key is being processed right now.
    InProgress,
    /// The key was used before, for a request with this fingerprint, which
    /// was answered with this status and body.
    Done {
        /// Fingerprint of the earlier request.
        fingerprint: String,
        /// Its HTTP status.
        status: u16,
        /// Its body.
        body: Vec<u8>,
    },
}
