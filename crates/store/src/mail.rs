//! Records of mail coming in: the raw message's row (where it came from,
//! what became of it) and the Message-IDs tickets are threaded by.

use serde::{Deserialize, Serialize};
use tessera_core::Timestamp;
use tessera_core::ids::{InboundId, MessageId, TicketId};

/// Where a raw message was handed to Tessera.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MailSource {
    /// Fetched from an IMAP mailbox.
    Imap,
    /// Piped in by an MTA (`tessera mail ingest`).
    Pipe,
    /// Posted to `/api/v1/mail/inbound`.
    Http,
}

impl MailSource {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Imap => "imap",
            Self::Pipe => "pipe",
            Self::Http => "http",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "imap" => Self::Imap,
            "pipe" => Self::Pipe,
            "http" => Self::Http,
            _ => return None,
        })
    }
}

/// What became of an inbound message. Only `stored` and `quarantined`
/// messages may still be applied; the others are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InboundState {
    /// Kept raw, not yet applied.
    Stored,
    /// Became a ticket or a message on one.
    Applied,
    /// Machine-made (an auto-reply, a bounce, list mail, our own loop):
    /// recorded, against its ticket where one was found, and nothing else.
    Automatic,
    /// Refused on purpose (a blocked sender, a sender over the rate limit).
    Refused,
    /// The same message (by Message-ID) was applied before, for instance
    /// when it was sent to two department addresses.
    Duplicate,
    /// Could not be parsed, routed or threaded: kept with its reason for an
    /// admin to look at and process again.
    Quarantined,
}

impl InboundState {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stored => "stored",
            Self::Applied => "applied",
            Self::Automatic => "automatic",
            Self::Refused => "refused",
            Self::Duplicate => "duplicate",
            Self::Quarantined => "quarantined",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "stored" => Self::Stored,
            "applied" => Self::Applied,
            "automatic" => Self::Automatic,
            "refused" => Self::Refused,
            "duplicate" => Self::Duplicate,
            "quarantined" => Self::Quarantined,
            _ => return None,
        })
    }

    /// Whether the message may still be applied.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Stored | Self::Quarantined)
    }
}

/// A raw message as it was handed in, before its row exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInbound {
    /// The raw message's blob (its SHA-256, hex).
    pub sha256: String,
    /// Its size in bytes.
    pub size: i64,
    /// Where it came from.
    pub source: MailSource,
    /// The IMAP mailbox it was fetched from.
    pub mailbox_id: Option<i64>,
    /// The envelope recipient the MTA named, if any.
    pub envelope_to: Option<String>,
    /// When it was handed in.
    pub received_at: Timestamp,
}

/// An inbound message's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboundRecord {
    /// Its id.
    pub id: InboundId,
    /// The raw message's blob.
    pub sha256: String,
    /// Its size in bytes.
    pub size: i64,
    /// Where it came from.
    pub source: MailSource,
    /// The IMAP mailbox it was fetched from.
    pub mailbox_id: Option<i64>,
    /// The envelope recipient, if the source named one.
    pub envelope_to: Option<String>,
    /// When it was handed in.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub received_at: Timestamp,
    /// What became of it.
    pub state: InboundState,
    /// Why it was quarantined, refused or taken as automatic.
    pub reason: Option<String>,
    /// Its `Message-ID`, once parsed.
    pub mail_id: Option<String>,
    /// The ticket it became or joined.
    pub ticket_id: Option<TicketId>,
    /// The message it became.
    pub message_ref: Option<MessageId>,
    /// How it was threaded: `new`, `new_mentioning` (a new ticket; its subject named one the sender is not on), `in_reply_to`, `references`, `subject_tag`.
    pub matched_by: Option<String>,
    /// How many times applying it was tried.
    pub attempts: i64,
    /// When it reached its state.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub processed_at: Option<Timestamp>,
}

/// A count of inbound messages of one source, state and threading rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundTally {
    /// Where they came from.
    pub source: MailSource,
    /// What became of them.
    pub state: InboundState,
    /// How they were threaded (applied ones).
    pub matched_by: Option<String>,
    /// How many.
    pub count: u64,
}

/// Reads a tally row: source, state, matched_by, count.
pub fn tally_from_row(r: &dyn crate::sql::SqlRow) -> crate::StoreResult<InboundTally> {
    use crate::sql::rows::RowExt;
    Ok(InboundTally {
        source: r.parsed(0, MailSource::parse)?,
        state: r.parsed(1, InboundState::parse)?,
        matched_by: r.text_opt(2)?,
        count: r.int(3)?,
    })
}

/// The tally's statement (the same on both backends).
pub const TALLY_SQL: &str =
    "SELECT source, state, matched_by, COUNT(*) FROM inbound_messages GROUP BY source, state, matched_by";

/// A ticket known by a Message-ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadHit {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The message that carried the id, if it was one of ours.
    pub message_ref: Option<MessageId>,
}

/// What a ticket commit records about the inbound message it applies
/// (`ChangeSet::mail`): written in the same transaction, so a message is
/// applied exactly once — a commit that finds it already applied fails
/// whole with [`crate::StoreError::VersionConflict`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailApplied {
    /// The inbound message.
    pub inbound_id: InboundId,
    /// Its `Message-ID`.
    pub mail_id: Option<String>,
    /// Where the quoted history starts in its text (the parser's
    /// `quote_start`), for the message it becomes; the desk checks it
    /// against the stored body. Not written with the inbound row.
    pub quote_start: Option<usize>,
    /// How it was threaded.
    pub matched_by: String,
    /// The Message-IDs to know the ticket by from now on (its own and those
    /// it referred to).
    pub thread_ids: Vec<String>,
    /// What the admin should know of how it was applied (files left out
    /// for being over the limits), kept as the row's reason.
    pub note: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// A state an inbound message reaches without a ticket change: automatic,
/// refused, a duplicate, quarantined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundSettle {
    /// The new state.
    pub state: InboundState,
    /// Why.
    pub reason: Option<String>,
    /// Its `Message-ID`, once parsed.
    pub mail_id: Option<String>,
    /// The ticket it concerns, if one was found.
    pub ticket_id: Option<TicketId>,
    /// When.
    pub at: Timestamp,
}
