//! Outbound messages (issue 17): the pure composer that turns what the desk
//! wants to say into RFC 5322 bytes every mail client threads, and the
//! envelope's recipients. No SMTP, no queue, no database: a function of its
//! input, so the same input always gives the same bytes (the MIME
//! boundaries and the Thread-Index are derived from the message, not drawn
//! at random), which the worker can retry and the tests can snapshot.
//!
//! What it decides (docs/email.md, "E-mail out"):
//! - the subject is `[#NUMBER] topic`: the ticket tag exactly once, reply
//!   and forward prefixes and older tags taken out, so it never grows
//!   (`Re: Re:`) and never doubles the tag;
//! - `References` is the ticket's root id, the caller's chain and the id
//!   answered, deduplicated and capped ([`MAX_REFERENCES`],
//!   [`MAX_REFERENCES_LEN`]) keeping the root and the newest;
//! - `Thread-Index`: a 22-byte header made from the ticket's root (its time
//!   and a GUID hashed from the root id), so every message of a ticket
//!   shares it, plus one 5-byte child block for this message;
//! - display names and subjects with control characters (CR, LF, TAB, …)
//!   are neutralised — each becomes a space — because they come from
//!   customers' mail and refusing them would silence a ticket; addresses,
//!   Message-IDs, the loop id and URLs are refused with a typed error
//!   naming the field, because they are never legitimately broken;
//! - display names are written by the composer (plain ASCII words as they
//!   are, anything else as RFC 2047 B-encoded words), not by mail-builder's
//!   address writer, which puts unescaped Q-encoded words inside quotes;
//! - at most [`MAX_RECIPIENTS`] distinct recipients: more is refused
//!   ([`ComposeError::TooManyRecipients`]), never silently cut.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::date::Date;
use mail_builder::headers::message_id::MessageId;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::text::Text;
use mail_builder::headers::url::URL;
use mail_builder::mime::{BodyPart, MimePart};
use sha2::{Digest, Sha256};
use tessera_desk::mail::MARKER_OPEN;

use crate::classify::LOOP_HEADER;

/// Distinct recipients (To and Cc together) one message may have. A ticket
/// with more CCs is abuse or a mistake; most SMTP servers refuse more than
/// 100 `RCPT TO` per transaction anyway, so the sender never has to split.
pub const MAX_RECIPIENTS: usize = 100;
/// Ids kept in `References`: the root plus the newest, enough for every
/// client's threading (RFC 5322 sets no limit; long ones get truncated by
/// some servers, which then break threads).
pub const MAX_REFERENCES: usize = 10;
/// Characters `References` may take in all (ids plus their brackets).
pub const MAX_REFERENCES_LEN: usize = 1000;
/// Characters kept of a display name: keeps an encoded name well inside
/// RFC 5322's 998-character line.
pub const MAX_NAME_CHARS: usize = 100;
/// Characters kept of the subject's topic (after the tag and prefixes).
pub const MAX_TOPIC_CHARS: usize = 250;
/// Characters kept of an attachment's file name.
pub const MAX_FILE_NAME_CHARS: usize = 200;

/// What a message is, which decides its automatic-mail headers: mail
/// clients and autoresponders must not answer an acknowledgement or a
/// notification (RFC 3834), but an agent's reply is a person's mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The answer to a new ticket: `Auto-Submitted: auto-replied`.
    Acknowledgement,
    /// A change the recipient follows: `Auto-Submitted: auto-generated`
    /// and RFC 8058 one-click unsubscribe when a URL is given. Without a
    /// `ticket_number` it is about no one ticket (a digest listing several):
    /// no ticket tag, thread or references, as account mail.
    Notification,
    /// An agent's public reply: no `Auto-Submitted`, so the customer's
    /// out-of-office may answer and the customer's reply is a human one.
    AgentReply,
    /// Mail about an account, not a ticket (a password reset, a sign-in
    /// link): `Auto-Submitted: auto-generated`, and no ticket tag, thread
    /// or references (`ticket_number`, `thread`, `in_reply_to` and
    /// `references` are ignored).
    Account,
}

/// A display name and an address, as the desk knows a person or a
/// department. The name may be in any script; the address's domain may be
/// an IDN (it is sent as punycode).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    /// The display name, if any.
    pub name: Option<String>,
    /// The address, `local@domain`.
    pub address: String,
}

impl Mailbox {
    /// A mailbox with a display name.
    pub fn new(name: impl Into<String>, address: impl Into<String>) -> Self {
        Self { name: Some(name.into()), address: address.into() }
    }

    /// A mailbox with only an address.
    pub fn address(address: impl Into<String>) -> Self {
        Self { name: None, address: address.into() }
    }
}

/// A file the message carries (an agent reply's attachments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingAttachment {
    /// The file name, in any script (sent with RFC 2231 when not ASCII).
    pub name: String,
    /// The media type, `type/subtype`.
    pub content_type: String,
    /// The file's bytes (always sent base64, so they come back exactly).
    pub bytes: Vec<u8>,
}

/// The ticket's thread: what every message of one ticket shares, so mail
/// clients keep them in one conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thread {
    /// The stable per-ticket root Message-ID (first in `References`).
    pub root_id: String,
    /// When the ticket started: the time in the Thread-Index header part.
    pub started_at: DateTime<Utc>,
}

/// One message to build: everything the caller decided (recipients,
/// texts, ids signed by the desk) and nothing the composer should guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// What it is (decides `Auto-Submitted` and the unsubscribe headers).
    pub kind: Kind,
    /// The department's sender.
    pub from: Mailbox,
    /// Primary recipients; at least one.
    pub to: Vec<Mailbox>,
    /// Copies (the ticket's CCs).
    pub cc: Vec<Mailbox>,
    /// Where replies go: the department's address, possibly plus-addressed
    /// with the desk's token (`support+t12.abc…@example.com`).
    pub reply_to: Option<Mailbox>,
    /// The ticket's public number, put in the subject as `[#NUMBER]`
    /// (empty in account mail and digests, which are about no one ticket).
    pub ticket_number: String,
    /// The ticket's subject, as stored (prefixes and tags are cleaned).
    pub subject: String,
    /// This message's id, made and signed by the caller (`token@host`,
    /// angle brackets optional).
    pub message_id: String,
    /// The customer's last message's id, if answering one.
    pub in_reply_to: Option<String>,
    /// The ticket's thread (root id and start).
    pub thread: Thread,
    /// Further ids for `References`, oldest first (the first and the last
    /// of the ticket's messages); the root and `in_reply_to` are added.
    pub references: Vec<String>,
    /// This installation's loop id, for `X-Tessera-Loop`.
    pub loop_id: String,
    /// The RFC 8058 one-click unsubscribe URL (https), for notifications;
    /// ignored (not sent, not checked) for the other kinds.
    pub unsubscribe_url: Option<String>,
    /// The message's date.
    pub date: DateTime<Utc>,
    /// The plain-text body.
    pub text: String,
    /// The HTML body, if any (sent as multipart/alternative with the text).
    pub html: Option<String>,
    /// Files to attach.
    pub attachments: Vec<OutgoingAttachment>,
    /// A desk token to hide in the body as `[tessera:TOKEN]`, for providers
    /// that rewrite Message-IDs.
    pub marker: Option<String>,
}

/// Who the message goes to at the SMTP level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// `RCPT TO` addresses: To then Cc, deduplicated (case-insensitive),
    /// domains in punycode.
    pub recipients: Vec<String>,
    /// Whether an address has a non-ASCII local part, so the transport
    /// must use SMTPUTF8 (RFC 6531) or refuse.
    pub smtputf8: bool,
}

/// A built message: the bytes to hand to SMTP and its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    /// The RFC 5322 message, CRLF line endings.
    pub bytes: Vec<u8>,
    /// The recipients to give the SMTP server.
    pub envelope: Envelope,
}

/// Why a message could not be built: each names what was wrong, so the
/// caller can record a clear failure instead of sending something broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComposeError {
    /// An address that is not `local@domain` (or has characters a header
    /// cannot carry).
    #[error("{field}: not a valid e-mail address ({reason})")]
    InvalidAddress {
        /// Which field (`from`, `to[2]`, `cc[4999]`, `reply_to`).
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A Message-ID that is not `left@right` of visible ASCII.
    #[error("{field}: not a valid Message-ID")]
    InvalidMessageId {
        /// Which field (`message_id`, `in_reply_to`, `references[3]`, …).
        field: String,
    },
    /// No `To` recipient.
    #[error("to: at least one recipient is needed")]
    NoRecipient,
    /// More distinct recipients than [`MAX_RECIPIENTS`].
    #[error("too many recipients: {count}, at most {max}")]
    TooManyRecipients {
        /// Distinct recipients asked for.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A ticket number that is not 6 to 18 digits without a leading zero
    /// (what the inbound side reads back from `[#…]`).
    #[error("ticket_number: not a ticket number")]
    InvalidTicketNumber,
    /// A loop id that is empty, too long or not visible ASCII.
    #[error("loop_id: must be 1 to 128 visible ASCII characters")]
    InvalidLoopId,
    /// An unsubscribe URL that is not a plain https URL (RFC 8058).
    #[error("unsubscribe_url: must be an https URL without spaces or <>\",")]
    InvalidUnsubscribeUrl,
    /// A body marker token with characters the desk's reader would not
    /// accept back.
    #[error("marker: must be 1 to 64 characters of A-Z a-z 0-9 . _ -")]
    InvalidMarker,
    /// An attachment's media type that is not `type/subtype`.
    #[error("attachments[{index}]: not a media type")]
    InvalidContentType {
        /// The attachment's position.
        index: usize,
    },
    /// Writing the message failed (an in-memory write: not expected).
    #[error("writing the message: {0}")]
    Write(String),
}

/// Builds one message. Pure: the same [`Outgoing`] gives the same bytes.
pub fn build(out: &Outgoing) -> Result<Built, ComposeError> {
    let mut smtputf8 = false;

    let from = mailbox("from", &out.from, &mut smtputf8)?;
    let reply_to = out.reply_to.as_ref().map(|m| mailbox("reply_to", m, &mut smtputf8)).transpose()?;

    if out.to.is_empty() {
        return Err(ComposeError::NoRecipient);
    }
    let mut seen = std::collections::HashSet::new();
    let mut to = Vec::new();
    let mut cc = Vec::new();
    let mut recipients = Vec::new();
    for (list, field, target) in [(&out.to, "to", &mut to), (&out.cc, "cc", &mut cc)] {
        for (i, m) in list.iter().enumerate() {
            let checked = mailbox(&format!("{field}[{i}]"), m, &mut smtputf8)?;
            if seen.insert(checked.1.to_lowercase()) {
                if seen.len() > MAX_RECIPIENTS {
                    // Count them all (cheaply) to say how many were asked for.
                    let count = out
                        .to
                        .iter()
                        .chain(&out.cc)
                        .map(|m| m.address.trim().to_lowercase())
                        .collect::<std::collections::HashSet<_>>()
                        .len();
                    return Err(ComposeError::TooManyRecipients { count, max: MAX_RECIPIENTS });
                }
                recipients.push(checked.1.clone());
                target.push(checked);
            }
        }
    }

    // Account mail and digests (a notification with no ticket number) are
    // about no one ticket: no tag, thread or references.
    let account = out.kind == Kind::Account || (out.kind == Kind::Notification && out.ticket_number.trim().is_empty());
    let topic = topic(&out.subject);
    let subject = if account {
        topic.clone()
    } else {
        let number = out.ticket_number.trim();
        let tag = format!("[#{number}]");
        if tessera_core::ticket::number_in_subject(&tag) != Some(number) {
            return Err(ComposeError::InvalidTicketNumber);
        }
        if topic.is_empty() { tag } else { format!("{tag} {topic}") }
    };

    let message_id = msg_id("message_id", &out.message_id)?;
    let (root, in_reply_to, references) = if account {
        (String::new(), None, Vec::new())
    } else {
        let root = msg_id("thread.root_id", &out.thread.root_id)?;
        let in_reply_to = out.in_reply_to.as_deref().map(|id| msg_id("in_reply_to", id)).transpose()?;
        let mut chain = Vec::with_capacity(out.references.len() + 2);
        chain.push(root.clone());
        for (i, id) in out.references.iter().enumerate() {
            chain.push(msg_id(&format!("references[{i}]"), id)?);
        }
        let references = references(chain, in_reply_to.as_deref(), &message_id);
        (root, in_reply_to, references)
    };

    let loop_id = out.loop_id.trim();
    if loop_id.is_empty() || loop_id.len() > 128 || !loop_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ComposeError::InvalidLoopId);
    }
    let unsubscribe = match (&out.kind, out.unsubscribe_url.as_deref().map(str::trim)) {
        (Kind::Notification, Some(url)) => {
            let ok = url.len() <= 500
                && url.strip_prefix("https://").is_some_and(|rest| !rest.is_empty())
                && url.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'<' | b'>' | b'"' | b','));
            if !ok {
                return Err(ComposeError::InvalidUnsubscribeUrl);
            }
            Some(url)
        }
        _ => None,
    };
    let marker = match out.marker.as_deref().map(str::trim) {
        Some(token) => {
            let ok = !token.is_empty()
                && token.len() <= 64
                && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
            if !ok {
                return Err(ComposeError::InvalidMarker);
            }
            Some(format!("{MARKER_OPEN}{token}]"))
        }
        None => None,
    };

    let thread_index = (!account).then(|| thread_index(&root, out.thread.started_at, out.date, &message_id));
    let body = body(out, marker.as_deref(), &message_id)?;

    let mut builder = MessageBuilder::new()
        .date(Date::new(out.date.timestamp()))
        .header("From", Raw::new(address_list(&[from])))
        .header("To", Raw::new(address_list(&to)));
    if let Some(r) = reply_to {
        builder = builder.header("Reply-To", Raw::new(address_list(&[r])));
    }
    if !cc.is_empty() {
        builder = builder.header("Cc", Raw::new(address_list(&cc)));
    }
    builder = builder.subject(Text::new(subject)).message_id(MessageId::new(message_id));
    if let Some(id) = in_reply_to {
        builder = builder.in_reply_to(MessageId::new(id));
    }
    if let Some(thread_index) = thread_index {
        builder = builder
            .references(MessageId::new_list(references.into_iter()))
            .header("Thread-Topic", Text::new(topic))
            .header("Thread-Index", Raw::new(thread_index));
    }
    match out.kind {
        Kind::Acknowledgement => {
            builder = builder
                .header("Auto-Submitted", Raw::new("auto-replied"))
                .header("X-Auto-Response-Suppress", Raw::new("All"));
        }
        Kind::Notification => {
            builder = builder
                .header("Auto-Submitted", Raw::new("auto-generated"))
                .header("X-Auto-Response-Suppress", Raw::new("All"));
            if let Some(url) = unsubscribe {
                builder = builder
                    .header("List-Unsubscribe", URL::new(url.to_owned()))
                    .header("List-Unsubscribe-Post", Raw::new("List-Unsubscribe=One-Click"));
            }
        }
        Kind::Account => {
            builder = builder
                .header("Auto-Submitted", Raw::new("auto-generated"))
                .header("X-Auto-Response-Suppress", Raw::new("All"));
        }
        Kind::AgentReply => {}
    }
    builder = builder.header(LOOP_HEADER, Raw::new(loop_id.to_owned())).body(body);

    let bytes = builder.write_to_vec().map_err(|e| ComposeError::Write(e.to_string()))?;
    Ok(Built { bytes, envelope: Envelope { recipients, smtputf8 } })
}

/// The subject's topic with case kept: reply/forward prefixes, banners and
/// ticket tags taken out (by the core's rule: a leading piece is a prefix
/// when the core's topic of it is empty), control characters neutralised,
/// whitespace collapsed, capped at [`MAX_TOPIC_CHARS`]. Also the
/// `Thread-Topic`.
pub fn topic(subject: &str) -> String {
    let mut s = clean_text(subject);
    loop {
        let before = s.clone();
        while let Some(rest) = strip_leading_prefix(&s) {
            s = rest.trim_start().to_owned();
        }
        s = collapse(&without_tags(&s));
        if s == before {
            break;
        }
    }
    s.chars().take(MAX_TOPIC_CHARS).collect::<String>().trim_end().to_owned()
}

/// The text after a leading prefix (`Re:`, `回复：`, `[External]`, `[#123]`)
/// if it starts with one.
fn strip_leading_prefix(s: &str) -> Option<&str> {
    let t = s.trim_start();
    for (i, c) in t.char_indices().take(24) {
        if matches!(c, ':' | '：' | ']') {
            let end = i + c.len_utf8();
            if tessera_core::ticket::subject_topic(&t[..end]).is_empty() {
                return Some(&t[end..]);
            }
        }
    }
    None
}

/// The text without `[#123]` tags (as the core's topic rule removes them).
fn without_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut tail = text;
    while let Some(at) = tail.find("[#") {
        out.push_str(&tail[..at]);
        let after = &tail[at + 2..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && after[digits..].starts_with(']') {
            out.push(' ');
            tail = &after[digits + 1..];
        } else {
            out.push_str("[#");
            tail = after;
        }
    }
    out.push_str(tail);
    out
}

/// A header text with every control character (CR, LF, TAB, C1) and line
/// or paragraph separator turned into a space, runs of spaces collapsed:
/// nothing in it can end a header line.
fn clean_text(text: &str) -> String {
    let spaced: String =
        text.chars().map(|c| if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') { ' ' } else { c }).collect();
    collapse(&spaced)
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A checked mailbox: the cleaned display name and the address with its
/// domain in punycode.
fn mailbox(field: &str, m: &Mailbox, smtputf8: &mut bool) -> Result<(Option<String>, String), ComposeError> {
    let addr = email(field, &m.address, smtputf8)?;
    let name = m
        .name
        .as_deref()
        .map(|n| clean_text(n).chars().take(MAX_NAME_CHARS).collect::<String>().trim_end().to_owned())
        .filter(|n| !n.is_empty());
    Ok((name, addr))
}

/// Checks an address: the core's shape rule, an unquoted local part
/// (RFC 5322 dot-atom, UTF-8 allowed per RFC 6532), a domain that converts
/// to ASCII (IDNA).
fn email(field: &str, raw: &str, smtputf8: &mut bool) -> Result<String, ComposeError> {
    let bad = |reason: &str| ComposeError::InvalidAddress { field: field.to_owned(), reason: reason.to_owned() };
    // The core trims; a CR/LF at the ends must still be refused here.
    if raw.chars().any(|c| c.is_control()) {
        return Err(bad("control characters"));
    }
    let parsed = tessera_core::Email::parse(raw).map_err(|e| bad(&e.to_string()))?;
    let Some((local, domain)) = parsed.as_str().rsplit_once('@') else {
        return Err(bad("no @"));
    };
    if local.len() > 64 {
        return Err(bad("local part longer than 64 bytes"));
    }
    let atext = |c: char| !c.is_ascii() || c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !local.chars().all(|c| c == '.' || atext(c))
    {
        return Err(bad("local part has characters that need quoting"));
    }
    let ascii = idna::domain_to_ascii(domain).map_err(|_| bad("domain is not a valid (IDN) domain"))?;
    if ascii.is_empty()
        || !ascii.contains('.')
        || ascii.len() > 253
        || !ascii.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        || ascii.split('.').any(|label| label.is_empty() || label.starts_with('-') || label.ends_with('-'))
    {
        return Err(bad("domain is not a valid host name"));
    }
    if !local.is_ascii() {
        *smtputf8 = true;
    }
    Ok(format!("{local}@{ascii}"))
}

/// A Message-ID without angle brackets: `left@right`, visible ASCII, no
/// characters that would need quoting.
fn msg_id(field: &str, raw: &str) -> Result<String, ComposeError> {
    let bad = || ComposeError::InvalidMessageId { field: field.to_owned() };
    let trimmed = raw.trim_matches(|c: char| c == ' ');
    let id = trimmed.strip_prefix('<').and_then(|s| s.strip_suffix('>')).unwrap_or(trimmed);
    let ok = (3..=250).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_graphic() && !b"<>()[]\\\",;:".contains(&b))
        && id.split('@').count() == 2
        && id.split('@').all(|side| !side.is_empty());
    if ok { Ok(id.to_owned()) } else { Err(bad()) }
}

/// `References`: the root first, then the chain, the id answered last;
/// each once; this message's own id left out; at most [`MAX_REFERENCES`]
/// ids and [`MAX_REFERENCES_LEN`] characters, keeping the root and the
/// newest (as RFC 5537 §3.4.4 trims news references).
fn references(chain: Vec<String>, in_reply_to: Option<&str>, own: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::with_capacity(chain.len() + 1);
    for id in chain.into_iter().chain(in_reply_to.map(str::to_owned)) {
        if id == own {
            continue;
        }
        if let Some(at) = ids.iter().position(|x| *x == id) {
            // The root stays first; any other repeat moves to its newest place.
            if at == 0 {
                continue;
            }
            ids.remove(at);
        }
        ids.push(id);
    }
    let Some((root, rest)) = ids.split_first() else {
        return ids;
    };
    let mut used = root.len() + 3;
    let mut newest = Vec::new();
    for id in rest.iter().rev() {
        if newest.len() + 1 >= MAX_REFERENCES || used + id.len() + 3 > MAX_REFERENCES_LEN {
            break;
        }
        used += id.len() + 3;
        newest.push(id.clone());
    }
    let mut out = vec![root.clone()];
    out.extend(newest.into_iter().rev());
    out
}

/// 100-ns intervals since 1601-01-01 (a Windows FILETIME).
fn filetime(t: DateTime<Utc>) -> u64 {
    const UNIX_TO_1601_SECS: i64 = 11_644_473_600;
    let secs = t.timestamp().saturating_add(UNIX_TO_1601_SECS).max(0) as u64;
    secs.saturating_mul(10_000_000).saturating_add(u64::from(t.timestamp_subsec_nanos() / 100))
}

/// The first 22 bytes of the ticket's `Thread-Index` (MS-OXOMSG 2.2.1.3
/// conversation index header): 0x01, the 40 high bits of the ticket
/// start's FILETIME big-endian, and a GUID — the first 16 bytes of the
/// SHA-256 of the root Message-ID. Every message of the ticket has it.
pub fn thread_index_header(root_id: &str, started_at: DateTime<Utc>) -> [u8; 22] {
    let mut out = [0u8; 22];
    out[0] = 0x01;
    let ft = filetime(started_at) >> 24;
    for (i, byte) in out[1..6].iter_mut().enumerate() {
        *byte = (ft >> (8 * (4 - i))) as u8;
    }
    let root = root_id.trim().trim_start_matches('<').trim_end_matches('>');
    let digest = Sha256::digest(root.as_bytes());
    out[6..22].copy_from_slice(&digest[..16]);
    out
}

/// The whole `Thread-Index`, base64: the ticket's header and one child
/// block (response level) for this message: the delta code bit, 31 bits of
/// the time since the header's time (`>> 18`, or `>> 23` with the delta
/// code set when that overflows), and 8 bits from the message id's hash in
/// place of random bits (so the bytes are reproducible).
fn thread_index(root_id: &str, started_at: DateTime<Utc>, date: DateTime<Utc>, message_id: &str) -> String {
    let header = thread_index_header(root_id, started_at);
    let base = (filetime(started_at) >> 24) << 24;
    let delta = filetime(date).saturating_sub(base);
    let block: u32 = if delta >> 49 == 0 {
        ((delta >> 18) & 0x7FFF_FFFF) as u32
    } else {
        0x8000_0000 | ((delta >> 23) & 0x7FFF_FFFF) as u32
    };
    let mut bytes = header.to_vec();
    bytes.extend_from_slice(&block.to_be_bytes());
    bytes.push(Sha256::digest(message_id.as_bytes())[0]);
    base64(&bytes)
}

/// Standard base64 with padding, for the short Thread-Index.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Text with CRLF line endings (lone CR or LF made CRLF).
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n")
}

/// The MIME body: text (with the marker on a last line of its own), or
/// text and HTML (marker in a hidden element) as multipart/alternative,
/// inside multipart/mixed with the attachments. Boundaries come from a hash
/// of the message, so the output is reproducible and no body can guess
/// them.
fn body<'x>(out: &'x Outgoing, marker: Option<&str>, message_id: &str) -> Result<MimePart<'x>, ComposeError> {
    let mut hasher = Sha256::new();
    hasher.update(message_id.as_bytes());
    hasher.update(out.text.as_bytes());
    if let Some(html) = &out.html {
        hasher.update(html.as_bytes());
    }
    for a in &out.attachments {
        hasher.update(&a.bytes);
    }
    let digest = hasher.finalize();
    let seed: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let boundary = |level: &str| format!("=_tessera_{seed}_{level}");

    let mut text = out.text.clone();
    if let Some(marker) = marker {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push('\n');
        text.push_str(marker);
        text.push('\n');
    }
    let text_part = MimePart::new("text/plain", BodyPart::Text(Cow::Owned(crlf(&text))));
    let main = match &out.html {
        Some(html) => {
            let mut html = html.clone();
            if let Some(marker) = marker {
                let hidden = format!(
                    "<div style=\"display:none;max-height:0;overflow:hidden;font-size:0;line-height:0;mso-hide:all\">{marker}</div>"
                );
                match html.to_ascii_lowercase().rfind("</body>") {
                    Some(at) => html.insert_str(at, &hidden),
                    None => html.push_str(&hidden),
                }
            }
            let html_part = MimePart::new("text/html", BodyPart::Text(Cow::Owned(crlf(&html))));
            MimePart::new(
                ContentType::new("multipart/alternative").attribute("boundary", boundary("alt")),
                vec![text_part, html_part],
            )
        }
        None => text_part,
    };
    if out.attachments.is_empty() {
        return Ok(main);
    }
    let mut parts = vec![main];
    for (index, a) in out.attachments.iter().enumerate() {
        parts.push(attachment(index, a)?);
    }
    Ok(MimePart::new(ContentType::new("multipart/mixed").attribute("boundary", boundary("mixed")), parts))
}

/// One attachment part: base64 always (bytes come back exactly), the file
/// name as a quoted `filename` when plain ASCII, else RFC 2231
/// `filename*0*=utf-8''…` continuations.
fn attachment<'x>(index: usize, a: &'x OutgoingAttachment) -> Result<MimePart<'x>, ComposeError> {
    let ct = a.content_type.trim().to_ascii_lowercase();
    let token = |s: &str| {
        !s.is_empty() && s.len() <= 127 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
    };
    match ct.split_once('/') {
        Some((t, s)) if token(t) && token(s) => {}
        _ => return Err(ComposeError::InvalidContentType { index }),
    }
    let mut name: String = clean_text(&a.name).chars().take(MAX_FILE_NAME_CHARS).collect();
    name = name.trim().to_owned();
    if name.is_empty() {
        name = format!("attachment-{}.bin", index + 1);
    }
    let plain = name.bytes().all(|b| b.is_ascii_graphic() || b == b' ') && !name.contains(['"', '\\']);
    let disposition = if plain {
        format!("attachment; filename=\"{name}\"")
    } else {
        let mut segments: Vec<String> = vec![String::new()];
        for c in name.chars() {
            let mut buf = [0u8; 4];
            let mut enc = String::new();
            for &b in c.encode_utf8(&mut buf).as_bytes() {
                if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                    enc.push(char::from(b));
                } else {
                    enc.push_str(&format!("%{b:02X}"));
                }
            }
            let fits = segments.last().is_some_and(|s| s.len() + enc.len() <= 60);
            if fits {
                if let Some(last) = segments.last_mut() {
                    last.push_str(&enc);
                }
            } else {
                segments.push(enc);
            }
        }
        segments.retain(|s| !s.is_empty());
        let mut d = String::from("attachment");
        for (i, s) in segments.iter().enumerate() {
            let charset = if i == 0 { "utf-8''" } else { "" };
            d.push_str(&format!("; filename*{i}*={charset}{s}"));
        }
        d
    };
    let mut encoded = Vec::with_capacity(a.bytes.len() * 4 / 3 + 4);
    mail_builder::encoders::base64::base64_encode_mime(&a.bytes, &mut encoded, false)
        .map_err(|e| ComposeError::Write(e.to_string()))?;
    Ok(MimePart::new(ContentType::new(ct), BodyPart::Binary(Cow::Owned(encoded)))
        .header("Content-Disposition", Raw::new(disposition))
        .transfer_encoding("base64"))
}

/// A display name as a header phrase: plain ASCII words as they are (an
/// unquoted phrase, safe to fold between words); anything else — other
/// scripts, quotes, backslashes, dots, commas, `<>@` — as RFC 2047
/// B-encoded words of at most 45 bytes each. mail-builder's own address
/// writer puts Q-encoded words inside a quoted string without escaping a
/// `"` or `\\` in them, which lets a name like `x" <other@example.com>, "ş`
/// read as an extra recipient; encoded words cannot.
fn phrase(name: &str) -> String {
    let atom = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if name.split(' ').all(|w| !w.is_empty() && w.chars().all(atom)) && !name.contains("=?") {
        return name.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in name.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(encoded_word(&chunk));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(encoded_word(&chunk));
    }
    words.join(" ")
}

fn encoded_word(text: &str) -> String {
    format!("=?utf-8?B?{}?=", base64(text.as_bytes()))
}

/// An address header's value: `phrase <address>` (or the bare address),
/// comma-separated. Written as a raw header, which folds at the spaces
/// between words and addresses only.
fn address_list(list: &[(Option<String>, String)]) -> String {
    list.iter()
        .map(|(name, addr)| match name {
            Some(n) => format!("{} <{addr}>", phrase(n)),
            None => addr.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_keep_case_and_lose_prefixes_and_tags() {
        assert_eq!(topic("Re: RE: [#482913] Sunucu Çöktü"), "Sunucu Çöktü");
        assert_eq!(topic("回复：Ответ: [External] Сервер упал"), "Сервер упал");
        assert_eq!(topic("[#482913] Re: x [#482913]"), "x");
        assert_eq!(topic("Reboot: server"), "Reboot: server");
        assert_eq!(topic("a\r\nBcc: evil@example.com"), "a Bcc: evil@example.com");
        assert_eq!(topic("Re:"), "");
    }

    #[test]
    fn references_keep_root_and_newest() {
        let ids: Vec<String> = (0..30).map(|i| format!("m{i}@h")).collect();
        let refs = references(ids, Some("m5@h"), "own@h");
        assert_eq!(refs.len(), MAX_REFERENCES);
        assert_eq!(refs[0], "m0@h");
        assert_eq!(refs.last().map(String::as_str), Some("m5@h"));
        let refs = references(vec!["r@h".into(), "a@h".into(), "r@h".into(), "own@h".into()], Some("a@h"), "own@h");
        assert_eq!(refs, ["r@h", "a@h"]);
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
