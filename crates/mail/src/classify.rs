//! What kind of message it is, decided once when it is parsed: only mail a
//! person wrote may open or reopen a ticket or make Tessera answer, so
//! auto-replies, bounces, list mail, reports and our own mail coming back
//! are told apart here (issue 16; research/email.md §6, §7 C).
//!
//! Order, first match wins: our own loop marker (it is ours whatever else
//! it says), a bounce (DSNs often also carry `Auto-Submitted`), another
//! machine report (read receipt, abuse feedback), an auto-reply, bulk mail.
//! `X-Auto-Response-Suppress` is a request *not* to auto-reply, not a sign
//! that a mail is one, so it is ignored.

use std::sync::LazyLock;

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};
use regex::Regex;
use tessera_desk::mail::{BounceReport, MailClass};

/// The header outbound mail carries with the installation's id, so a
/// message of ours that comes back (a forwarding loop, a fetched Sent
/// folder) is recognised.
pub const LOOP_HEADER: &str = "X-Tessera-Loop";

/// A message's class and, for a bounce, what failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Classification {
    pub class: MailClass,
    pub bounces: Vec<BounceReport>,
    pub bounced_message_id: Option<String>,
}

/// Every value of a top-level header (case-insensitive name), trimmed.
fn header_values<'m>(msg: &'m Message<'_>, name: &str) -> Vec<&'m str> {
    let Some(root) = msg.parts.first() else {
        return Vec::new();
    };
    root.headers
        .iter()
        .filter(|h| h.name().eq_ignore_ascii_case(name))
        .filter_map(|h| {
            msg.raw_message
                .get(h.offset_start as usize..h.offset_end as usize)
                .and_then(|b| std::str::from_utf8(b).ok())
        })
        .map(str::trim)
        .collect()
}

fn has_header(msg: &Message<'_>, name: &str) -> bool {
    msg.parts.first().is_some_and(|r| r.headers.iter().any(|h| h.name().eq_ignore_ascii_case(name)))
}

/// The first token of a header value, lower case (`auto-replied; x=y` →
/// `auto-replied`).
fn token(value: &str) -> String {
    value.split([';', ' ', '\t', '\r', '\n', '(']).next().unwrap_or_default().trim().to_ascii_lowercase()
}

fn report_type(msg: &Message<'_>) -> Option<String> {
    let ct = msg.content_type()?;
    let is_report =
        ct.ctype().eq_ignore_ascii_case("multipart") && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"));
    if !is_report {
        return None;
    }
    Some(ct.attribute("report-type").unwrap_or_default().to_ascii_lowercase())
}

fn media_type(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => {
            format!("{}/{}", ct.ctype().to_ascii_lowercase(), ct.subtype().unwrap_or_default().to_ascii_lowercase())
        }
        None => String::new(),
    }
}

/// Failure words in bounce subjects and texts of the MTAs our users meet.
static FAILURE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(concat!(
        r"(?i)(undeliver|undelivered mail|delivery status notification|delivery has failed",
        r"|mail delivery failed|delivery failure|failure notice|returned mail|could not be delivered",
        r"|iletilemedi|teslim edilemedi|не доставлено|недоставленное сообщение|не удалось доставить",
        r"|退信|投递失败|无法投递|未能送达)"
    ))
    .expect("failure text pattern compiles")
});

static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"\b([245]\.\d{1,3}\.\d{1,3})\b").expect("status pattern compiles")
});

static INLINE_MESSAGE_ID: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"(?im)^message-id:\s*<([^<>\s]+)>").expect("message-id pattern compiles")
});

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    Regex::new(r"^<?([^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>?:?$").expect("address pattern compiles")
});

/// Classifies a parsed message. `text` is its decoded plain text (for
/// bounces that are not RFC 3464 reports); `loop_id` is this
/// installation's id.
pub(crate) fn classify(msg: &Message<'_>, text: &str, loop_id: Option<&str>) -> Classification {
    if let Some(id) = loop_id.map(str::trim).filter(|id| !id.is_empty())
        && header_values(msg, LOOP_HEADER).contains(&id)
    {
        return Classification { class: MailClass::OwnLoop, ..Default::default() };
    }

    let report = report_type(msg);
    if matches!(report.as_deref(), Some("delivery-status" | "global-delivery-status")) {
        return dsn(msg);
    }
    if matches!(report.as_deref(), Some("disposition-notification" | "feedback-report")) {
        return Classification { class: MailClass::Report, ..Default::default() };
    }

    if is_plain_bounce(msg, text) {
        return plain_bounce(text);
    }

    if is_auto_reply(msg) {
        return Classification { class: MailClass::AutoReply, ..Default::default() };
    }

    let precedence = header_values(msg, "Precedence").into_iter().map(token).collect::<Vec<_>>();
    if has_header(msg, "List-Id")
        || has_header(msg, "List-Unsubscribe")
        || precedence.iter().any(|p| matches!(p.as_str(), "bulk" | "list" | "junk"))
    {
        return Classification { class: MailClass::Bulk, ..Default::default() };
    }

    Classification::default()
}

fn is_auto_reply(msg: &Message<'_>) -> bool {
    header_values(msg, "Auto-Submitted").into_iter().any(|v| !token(v).is_empty() && token(v) != "no")
        || has_header(msg, "X-Autoreply")
        || has_header(msg, "X-Autorespond")
        || header_values(msg, "Precedence").into_iter().any(|v| token(v) == "auto_reply")
}

/// A mailer-daemon or postmaster sender, or an empty return path with a
/// failure subject or a failure text at the top of the body.
fn is_plain_bounce(msg: &Message<'_>, text: &str) -> bool {
    let from_daemon = msg
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address.as_deref())
        .and_then(|a| a.split('@').next())
        .is_some_and(|local| local.eq_ignore_ascii_case("mailer-daemon") || local.eq_ignore_ascii_case("postmaster"));
    if from_daemon {
        return true;
    }
    let null_return = header_values(msg, "Return-Path").iter().any(|v| v.trim_matches(['<', '>', ' ']).is_empty());
    let top: String = text.chars().take(2000).collect();
    null_return && (msg.subject().is_some_and(|s| FAILURE_TEXT.is_match(s)) || FAILURE_TEXT.is_match(&top))
}

/// A bounce without an RFC 3464 report (Exim's and qmail's plain texts):
/// failed addresses and their status, as far as the text tells.
fn plain_bounce(text: &str) -> Classification {
    let mut bounces = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let says_permanent = text.to_ascii_lowercase().contains("permanent error");
    if let Some(list) = lines.iter().position(|l| l.to_ascii_lowercase().contains("following address(es) failed")) {
        let mut i = list + 1;
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        while i < lines.len() {
            let line = lines[i].trim();
            let Some(cap) = ADDRESS.captures(line) else {
                break;
            };
            let recipient = cap.get(1).map(|m| m.as_str().to_owned());
            i += 1;
            let mut detail = Vec::new();
            while i < lines.len() && lines[i].starts_with([' ', '\t']) {
                let l = lines[i].trim();
                if ADDRESS.is_match(l) {
                    break;
                }
                detail.push(l);
                i += 1;
            }
            let diagnostic = detail.join(" ");
            let status = STATUS.captures(&diagnostic).and_then(|c| c.get(1)).map(|m| m.as_str().to_owned());
            let permanent = status.as_deref().is_some_and(|s| s.starts_with('5')) || says_permanent;
            bounces.push(BounceReport {
                recipient,
                action: Some(if permanent { "failed" } else { "delayed" }.to_owned()),
                status,
                diagnostic: (!diagnostic.is_empty()).then_some(diagnostic),
                permanent,
            });
            while i < lines.len() && lines[i].trim().is_empty() {
                i += 1;
            }
        }
    }
    Classification {
        class: MailClass::Bounce,
        bounces,
        bounced_message_id: INLINE_MESSAGE_ID.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str().to_owned()),
    }
}

/// An RFC 3464 delivery status notification: its per-recipient fields and
/// the id of the message that bounced.
fn dsn(msg: &Message<'_>) -> Classification {
    let mut out = Classification { class: MailClass::Bounce, ..Default::default() };
    for part in &msg.parts {
        let ty = media_type(part);
        match ty.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                let bytes: &[u8] = match &part.body {
                    PartType::Binary(b) | PartType::InlineBinary(b) => b,
                    PartType::Text(t) => t.as_bytes(),
                    _ => &[],
                };
                out.bounces.extend(delivery_status(bytes));
            }
            "message/rfc822" | "message/global" if out.bounced_message_id.is_none() => {
                if let PartType::Message(inner) = &part.body {
                    out.bounced_message_id = inner.message_id().map(clean_id);
                }
            }
            "text/rfc822-headers" | "message/global-headers" if out.bounced_message_id.is_none() => {
                let bytes: &[u8] = match &part.body {
                    PartType::Binary(b) | PartType::InlineBinary(b) => b,
                    PartType::Text(t) => t.as_bytes(),
                    _ => &[],
                };
                out.bounced_message_id =
                    MessageParser::default().parse_headers(bytes).and_then(|m| m.message_id().map(clean_id));
            }
            _ => {}
        }
    }
    out
}

pub(crate) fn clean_id(id: &str) -> String {
    id.trim().trim_matches(['<', '>']).trim().to_owned()
}

/// Parses a `message/delivery-status` body: groups of fields separated by
/// blank lines; the first group is per message, the rest per recipient.
fn delivery_status(bytes: &[u8]) -> Vec<BounceReport> {
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    let mut reports = Vec::new();
    for (n, group) in text.split("\n\n").enumerate() {
        let fields = fields(group);
        let get = |name: &str| fields.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
        let recipient = get("Final-Recipient").or_else(|| get("Original-Recipient"));
        let action = get("Action").map(|a| a.to_ascii_lowercase());
        if n == 0 && recipient.is_none() && action.is_none() {
            continue; // the per-message group
        }
        if recipient.is_none() && action.is_none() && get("Status").is_none() {
            continue;
        }
        let status = get("Status").map(|s| token(&s));
        let permanent = status.as_deref().is_some_and(|s| s.starts_with('5')) || action.as_deref() == Some("failed");
        reports.push(BounceReport {
            recipient: recipient.map(|r| strip_address_type(&r)),
            action,
            status,
            diagnostic: get("Diagnostic-Code"),
            permanent,
        });
    }
    reports
}

/// `rfc822; a@b` → `a@b`.
fn strip_address_type(value: &str) -> String {
    match value.split_once(';') {
        Some((_, addr)) => addr.trim().trim_matches(['<', '>']).to_owned(),
        None => value.trim().trim_matches(['<', '>']).to_owned(),
    }
}

/// Header-style fields with continuation lines unfolded.
fn fields(group: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in group.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    out
}
