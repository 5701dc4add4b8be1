//! The parsed form of an inbound message, as the mail gateway hands it to
//! the desk: plain data, no parser types, so the desk does not depend on
//! how MIME was read.

use serde::{Deserialize, Serialize};

/// A name and an address from a header (`"Ayşe Yılmaz" <ayse@example.com>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAddress {
    /// The display name, decoded (RFC 2047), if any.
    pub name: Option<String>,
    /// The address as written (its case kept; compared without case).
    pub address: String,
}

/// What kind of message it is, decided once when it is parsed. Only
/// [`MailClass::Human`] mail may open a ticket, reopen one or make anything
/// be sent back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailClass {
    /// Written by a person.
    #[default]
    Human,
    /// An automatic answer: out-of-office, vacation, an autoresponder
    /// (RFC 3834 `Auto-Submitted` other than `no`, `X-Autoreply`,
    /// `X-Autorespond`, `Precedence: auto_reply`).
    AutoReply,
    /// A delivery failure report (RFC 3464 `multipart/report;
    /// report-type=delivery-status`, a MAILER-DAEMON or postmaster sender,
    /// an empty return path with a failure text).
    Bounce,
    /// Mailing-list or bulk mail (`List-Id`, `List-Unsubscribe`,
    /// `Precedence: bulk|list|junk`).
    Bulk,
    /// Another machine-made report: read receipts (RFC 8098), abuse
    /// feedback (RFC 5965).
    Report,
    /// One of ours coming back (this installation's `X-Tessera-Loop`).
    OwnLoop,
}

/// One delivery failure a bounce reports (RFC 3464 per-recipient fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BounceReport {
    /// `Final-Recipient` (or `Original-Recipient`), without `rfc822;`.
    pub recipient: Option<String>,
    /// `Action`: failed, delayed, …
    pub action: Option<String>,
    /// `Status`, such as `5.1.1`.
    pub status: Option<String>,
    /// `Diagnostic-Code`, the remote server's words.
    pub diagnostic: Option<String>,
    /// Whether this failure is permanent (a 5.x.x status or `failed`).
    pub permanent: bool,
}

/// A file the message carries (an attachment, an inline image, a
/// forwarded message as `.eml`, a calendar invite as `.ics`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAttachment {
    /// The file name (from `Content-Disposition` or `Content-Type`), or a
    /// made-up one (`attachment-2.bin`, `forwarded.eml`, `invite.ics`).
    pub name: String,
    /// The declared media type, lower case (`image/png`).
    pub content_type: String,
    /// `Content-ID` without angle brackets, for inline images the HTML
    /// body refers to as `cid:…`.
    pub content_id: Option<String>,
    /// Shown in the body rather than listed.
    pub inline: bool,
    /// The decoded bytes.
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// A message as parsed: what the desk needs to thread, classify and store
/// it. Texts are decoded to UTF-8 (charset fallbacks applied).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundMail {
    /// `Message-ID` without angle brackets.
    pub message_id: Option<String>,
    /// Every id in `In-Reply-To`, without angle brackets, in order.
    pub in_reply_to: Vec<String>,
    /// Every id in `References`, without angle brackets, oldest first.
    pub references: Vec<String>,
    /// `From` (the first one).
    pub from: Option<MailAddress>,
    /// `Reply-To` (the first one).
    pub reply_to: Option<MailAddress>,
    /// `To`.
    pub to: Vec<MailAddress>,
    /// `Cc`.
    pub cc: Vec<MailAddress>,
    /// `Subject`, decoded, trimmed (empty when missing).
    pub subject: String,
    /// `Date`, if it parses.
    pub date: Option<chrono::DateTime<chrono::Utc>>,
    /// The plain-text body (from `text/plain`, or made from the HTML).
    pub text: String,
    /// The HTML body as sent (the desk sanitises it).
    pub html: Option<String>,
    /// Where quoted text starts in `text` (a byte offset at a character
    /// boundary): `text[..quote_start]` is what is new in this message.
    /// `None` when nothing is quoted. Never used to delete: the full text
    /// is kept.
    pub quote_start: Option<usize>,
    /// Where the quoted part begins in `html`: the byte offset of the `<` of
    /// the first quote container of a mail client (Gmail, Outlook, Apple
    /// Mail, Thunderbird, Yahoo, ProtonMail, Coremail), or of the block tag
    /// or `<br>` that starts the line where the text patterns found a quote
    /// (QQ's "原始邮件" rule), when there is something new above it. The desk
    /// marks the stored HTML there ([`crate::html::QUOTE_MARK`]) so pages
    /// fold the quoted part; nothing is removed.
    #[serde(default)]
    pub html_quote_start: Option<usize>,
    /// Files, in the order they appear.
    pub attachments: Vec<MailAttachment>,
    /// What kind of message it is.
    pub class: MailClass,
    /// For a bounce: the failures it reports.
    pub bounces: Vec<BounceReport>,
    /// For a bounce: the `Message-ID` of the message that bounced (from the
    /// returned message or its headers), without angle brackets.
    pub bounced_message_id: Option<String>,
    /// What the parser had to repair or guess (a missing charset, a broken
    /// boundary), for the admin's view of the message.
    pub problems: Vec<String>,
}
