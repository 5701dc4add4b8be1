//! Raw message bytes → the desk's [`InboundMail`]: headers, bodies,
//! attachments, class and quote start, with every repair noted in
//! `problems`. Pure: no I/O, no clock, no logging of contents.
//!
//! MIME structure is read by `mail-parser`; this module decides what the
//! desk sees. It decodes text bodies itself (not with the parser's charset
//! handling) so that missing or wrong charsets fall back on the
//! department's language ([`LanguageHint`]), and re-reads a header block
//! whose raw 8-bit bytes are not UTF-8 with the same hint.

use std::borrow::Cow;

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Address, Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};
use tessera_desk::mail::{InboundMail, MailAddress, MailAttachment};

use crate::charset::{self, LanguageHint};
use crate::classify::{classify, clean_id};
use crate::{html, quote};

/// What the gateway knows about where a message arrived, for parsing it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions<'a> {
    /// The receiving department's language: the charset fallback.
    pub hint: LanguageHint,
    /// This installation's id; a message whose `X-Tessera-Loop` header
    /// carries it is one of ours coming back ([`MailClass::OwnLoop`](tessera_desk::mail::MailClass::OwnLoop)).
    pub loop_id: Option<&'a str>,
}

impl<'a> ParseOptions<'a> {
    /// Options for a department's language, with no loop id.
    pub fn new(hint: LanguageHint) -> Self {
        Self { hint, loop_id: None }
    }

    /// The same options recognising this installation's loop id.
    pub fn with_loop_id(self, loop_id: &'a str) -> Self {
        Self { loop_id: Some(loop_id), ..self }
    }
}

/// Why bytes could not be read as a message at all. Anything that is a
/// message, however damaged, parses with its damage in `problems`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing but whitespace.
    #[error("the message is empty")]
    Empty,
    /// No header could be read: not an e-mail message.
    #[error("no message headers found")]
    NoHeaders,
}

/// Parses a raw message (RFC 5322 with MIME) into what the desk applies.
pub fn parse(raw: &[u8], options: &ParseOptions<'_>) -> Result<InboundMail, ParseError> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    if !starts_with_header(raw) {
        return Err(ParseError::NoHeaders);
    }
    let hint = options.hint;
    let mut problems = Vec::new();

    let raw = strip_mbox_line(raw);
    let raw = repair_header_block(raw, hint, &mut problems);
    let raw = match repair_boundary(raw.as_ref()) {
        Some(fixed) => {
            problems.push("declared MIME boundary not found; used the one in the body".to_owned());
            Cow::Owned(fixed)
        }
        None => raw,
    };
    let msg = MessageParser::default()
        .parse(raw.as_ref())
        .filter(|m| m.parts.first().is_some_and(|p| !p.headers.is_empty()))
        .ok_or(ParseError::NoHeaders)?;

    let mut mail = InboundMail {
        message_id: msg.message_id().map(clean_id).filter(|id| !id.is_empty()),
        in_reply_to: ids(msg.in_reply_to()),
        references: ids(msg.references()),
        from: msg.from().and_then(first_address),
        reply_to: msg.reply_to().and_then(first_address),
        to: msg.to().map(all_addresses).unwrap_or_default(),
        cc: msg.cc().map(all_addresses).unwrap_or_default(),
        subject: msg.subject().map(clean_subject).unwrap_or_default(),
        date: msg.date().filter(|d| d.is_valid()).and_then(|d| chrono::DateTime::from_timestamp(d.to_timestamp(), 0)),
        ..Default::default()
    };
    repair_encoded_words(&msg, &mut mail, hint, &mut problems);
    if mail.message_id.is_none() {
        problems.push("no Message-ID".to_owned());
    }
    if mail.from.is_none() {
        problems.push("no From address".to_owned());
    }
    if has_header(&msg, "Date") && mail.date.is_none() {
        problems.push("Date could not be read".to_owned());
    }
    structure_problems(&msg, &mut problems);

    // Bodies.
    let mut texts = Vec::new();
    for part in msg.text_bodies() {
        if let PartType::Text(_) = part.body {
            let (text, problem) = part_text(&msg, part, hint);
            note(&mut problems, "text body", problem);
            texts.push(text);
        }
    }
    let mut htmls = Vec::new();
    for part in msg.html_bodies() {
        if let PartType::Html(_) = part.body {
            let (text, problem) = part_text(&msg, part, hint);
            note(&mut problems, "HTML body", problem);
            htmls.push(text);
        }
    }
    // A multipart whose boundary could not be found was read as one text
    // part; if it is all there is, it is the body, not a file.
    let mut unreadable_multipart = Vec::new();
    for &id in &msg.attachments {
        if let Some(part) = msg.parts.get(id as usize)
            && matches!(part.body, PartType::Text(_))
            && part.content_type().is_some_and(|ct| ct.ctype().eq_ignore_ascii_case("multipart"))
        {
            unreadable_multipart.push(id);
            if texts.is_empty() && htmls.is_empty() {
                texts.push(part_text(&msg, part, hint).0);
            }
        }
    }
    let html = (!htmls.is_empty()).then(|| htmls.join("\n"));
    // The HTML is walked once: for where its quote starts (a client's
    // container, or a header the text patterns find in its text), where
    // pages fold it, and, when there is no text part, for the text.
    let converted = html.as_deref().map(html::to_text);
    let html_quote = converted.as_ref().map(|c| {
        let by_text = quote::quote_start(&c.text);
        let first = match (c.quote_start, by_text) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        mail.html_quote_start = match first {
            Some(q) if Some(q) == c.quote_start => c.html_quote_start,
            Some(q) => c.html_offset(q),
            None => None,
        };
        first
    });
    if texts.iter().any(|t| !t.trim().is_empty()) {
        mail.text = texts.join("\n");
        mail.quote_start = quote::quote_start(&mail.text);
    } else if let Some(converted) = converted {
        mail.quote_start = html_quote.flatten();
        mail.text = converted.text;
    } else {
        mail.text = texts.join("\n");
    }
    mail.html = html;

    // Attachments.
    let files = msg
        .attachments
        .iter()
        .filter(|id| !unreadable_multipart.contains(id))
        .filter_map(|id| msg.parts.get(*id as usize));
    for (n, part) in files.enumerate() {
        let attachment = attachment(&msg, part, n + 1, hint, &mut problems);
        let tnef = attachment.content_type == "application/ms-tnef"
            || attachment.content_type == "application/vnd.ms-tnef"
            || attachment.name.eq_ignore_ascii_case("winmail.dat");
        match tnef.then(|| crate::tnef::files(&attachment.bytes)).flatten() {
            // Unpacked: its files instead of it (the raw message keeps it).
            Some(inside) if !inside.is_empty() => {
                note(&mut problems, "winmail.dat", Some(format!("unpacked into {} files", inside.len())));
                for f in inside {
                    let content_type = "application/octet-stream".to_owned();
                    mail.attachments.push(MailAttachment {
                        name: f.name,
                        content_type,
                        content_id: None,
                        inline: false,
                        bytes: f.bytes,
                    });
                }
            }
            _ => mail.attachments.push(attachment),
        }
    }

    let class = classify(&msg, &mail.text, options.loop_id);
    mail.class = class.class;
    mail.bounces = class.bounces;
    mail.bounced_message_id = class.bounced_message_id;
    mail.problems = problems;
    Ok(mail)
}

/// The input without a leading mbox `From sender date` line (what an
/// MTA's pipe or an mbox export leaves in front of the headers).
fn strip_mbox_line(raw: &[u8]) -> &[u8] {
    let start = raw.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
    let rest = &raw[start..];
    if rest.starts_with(b"From ") {
        let end = rest.iter().position(|b| *b == b'\n').map_or(rest.len(), |e| e + 1);
        &rest[end..]
    } else {
        raw
    }
}

/// Whether the input begins with a header field (`Name: value`), after
/// blank lines and an mbox `From ` line a pipe may leave in front.
fn starts_with_header(raw: &[u8]) -> bool {
    let mut rest = raw;
    loop {
        let line_end = rest.iter().position(|b| *b == b'\n').unwrap_or(rest.len());
        let line = &rest[..line_end];
        let blank = line.iter().all(u8::is_ascii_whitespace);
        if blank || line.starts_with(b"From ") {
            if line_end >= rest.len() {
                return false;
            }
            rest = &rest[line_end + 1..];
            continue;
        }
        let name_len = line.iter().take_while(|b| (33..=126).contains(*b) && **b != b':').count();
        return name_len > 0 && line.get(name_len) == Some(&b':');
    }
}

fn note(problems: &mut Vec<String>, what: &str, problem: Option<String>) {
    if let Some(p) = problem {
        let line = format!("{what}: {p}");
        if !problems.contains(&line) {
            problems.push(line);
        }
    }
}

fn has_header(msg: &Message<'_>, name: &str) -> bool {
    msg.parts.first().is_some_and(|r| r.headers.iter().any(|h| h.name().eq_ignore_ascii_case(name)))
}

/// The top-level header block, re-read with the hint when its raw 8-bit
/// bytes are not UTF-8 (RFC 6532 allows UTF-8; anything else is a guess).
fn repair_header_block<'r>(raw: &'r [u8], hint: LanguageHint, problems: &mut Vec<String>) -> Cow<'r, [u8]> {
    let end = header_end(raw);
    let head = &raw[..end];
    // Raw ISO-2022-JP (7-bit, escape sequences) is valid UTF-8 too.
    let needs_repair = |line: &[u8]| line.contains(&0x1b) || std::str::from_utf8(line).is_err();
    if !head.split(|b| *b == b'\n').any(needs_repair) {
        return Cow::Borrowed(raw);
    }
    // Line by line, so UTF-8 lines (RFC 6532) stay as they are.
    let mut fixed = Vec::with_capacity(raw.len() + end);
    let mut used_names = Vec::new();
    for line in head.split_inclusive(|b| *b == b'\n') {
        if needs_repair(line) {
            let (text, used) = charset::guess(line, hint);
            if !used_names.contains(&used) {
                used_names.push(used);
            }
            fixed.extend_from_slice(text.as_bytes());
        } else {
            fixed.extend_from_slice(line);
        }
    }
    problems.push(format!("8-bit header bytes read as {}", used_names.join(", ")));
    fixed.extend_from_slice(&raw[end..]);
    Cow::Owned(fixed)
}

/// A top-level multipart whose declared boundary never occurs, while the
/// body plainly uses another (`--something` on a line of its own): the
/// message with the header's boundary replaced by the one used.
fn repair_boundary(raw: &[u8]) -> Option<Vec<u8>> {
    let end = header_end(raw);
    let headers = MessageParser::default().parse_headers(&raw[..end])?;
    let ct = headers.content_type()?;
    if !ct.ctype().eq_ignore_ascii_case("multipart") {
        return None;
    }
    let declared = ct.attribute("boundary")?;
    let body = &raw[end..];
    if contains(body, format!("--{declared}").as_bytes()) {
        return None;
    }
    let used = body.split(|b| *b == b'\n').find_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let name = line.strip_prefix(b"--")?;
        let name = name.strip_suffix(b"--").unwrap_or(name);
        let ok = !name.is_empty() && name.len() <= 200 && name.iter().all(|b| b.is_ascii_graphic() && *b != b'"');
        ok.then_some(name)
    })?;
    // Replace the value after `boundary=` in the header block.
    let head = &raw[..end];
    let lower = head.to_ascii_lowercase();
    let at = lower.windows(9).position(|w| w == b"boundary=")? + 9;
    let value_end = if head.get(at) == Some(&b'"') {
        at + 1 + head[at + 1..].iter().position(|b| *b == b'"')? + 1
    } else {
        at + head[at..].iter().position(|b| b.is_ascii_whitespace() || *b == b';').unwrap_or(head.len() - at)
    };
    let mut fixed = Vec::with_capacity(raw.len() + used.len());
    fixed.extend_from_slice(&head[..at]);
    fixed.push(b'"');
    fixed.extend_from_slice(used);
    fixed.push(b'"');
    fixed.extend_from_slice(&raw[value_end..]);
    Some(fixed)
}

/// Where the header block ends: after the first empty line, or the end.
fn header_end(raw: &[u8]) -> usize {
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\n' {
            let rest = &raw[i + 1..];
            if rest.starts_with(b"\n") {
                return i + 2;
            }
            if rest.starts_with(b"\r\n") {
                return i + 3;
            }
        }
        i += 1;
    }
    raw.len()
}

/// RFC 2047 encoded words whose bytes are not in their declared charset
/// (Outlook's `=?utf-8?Q?Ay=FEe?=` over windows-1254) come out of the parser
/// with replacement characters; the subject and the sender's name are
/// decoded again from the raw header with the charset fallbacks.
fn repair_encoded_words(msg: &Message<'_>, mail: &mut InboundMail, hint: LanguageHint, problems: &mut Vec<String>) {
    if mail.subject.contains('\u{fffd}')
        && let Some(raw) = raw_header(msg, "Subject")
    {
        let fixed = clean_subject(&decode_words(raw, hint));
        if !fixed.contains('\u{fffd}') {
            mail.subject = fixed;
            problems.push("Subject: encoded words re-read with the department's charset".to_owned());
        }
    }
    for (header, address) in [("From", &mut mail.from), ("Reply-To", &mut mail.reply_to)] {
        let Some(addr) = address.as_mut() else {
            continue;
        };
        if !addr.name.as_deref().is_some_and(|n| n.contains('\u{fffd}')) {
            continue;
        }
        let Some(raw) = raw_header(msg, header) else {
            continue;
        };
        let decoded = decode_words(raw, hint);
        let Some((name, _)) = decoded.rsplit_once('<') else {
            continue;
        };
        let name = name.trim().trim_matches('"').trim();
        if !name.is_empty() && !name.contains('\u{fffd}') {
            addr.name = Some(name.to_owned());
            problems.push(format!("{header}: encoded words re-read with the department's charset"));
        }
    }
}

/// The raw text of a top-level header (the last one of that name, as the
/// parser reads it).
fn raw_header<'m>(msg: &'m Message<'_>, name: &str) -> Option<&'m str> {
    let h = msg.parts.first()?.headers.iter().rev().find(|h| h.name().eq_ignore_ascii_case(name))?;
    std::str::from_utf8(msg.raw_message.get(h.offset_start as usize..h.offset_end as usize)?).ok()
}

static ENCODED_WORD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    // A constant pattern; a typo fails every test.
    #[allow(clippy::expect_used)]
    regex::Regex::new(r"=\?([^?\s]{1,60})\?([bBqQ])\?([^?\s]*)\?=").expect("encoded-word pattern compiles")
});

/// Decodes RFC 2047 encoded words in a raw header value with this crate's
/// charset fallbacks; whitespace between adjacent words is dropped.
fn decode_words(raw: &str, hint: LanguageHint) -> String {
    let unfolded: String = raw.split(['\r', '\n']).map(str::trim_start).collect::<Vec<_>>().join(" ");
    let mut out = String::new();
    let mut last = 0;
    let mut after_word = false;
    for cap in ENCODED_WORD.captures_iter(&unfolded) {
        let (Some(all), Some(charset), Some(kind), Some(text)) = (cap.get(0), cap.get(1), cap.get(2), cap.get(3))
        else {
            continue;
        };
        let gap = &unfolded[last..all.start()];
        if !(after_word && gap.trim().is_empty()) {
            out.push_str(gap);
        }
        let bytes = if kind.as_str().eq_ignore_ascii_case("b") {
            base64_decode(text.as_str().as_bytes()).unwrap_or_default()
        } else {
            q_decode(text.as_str())
        };
        // RFC 2231 allows `charset*language`.
        let charset = charset.as_str().split('*').next().unwrap_or_default();
        out.push_str(&charset::decode(&bytes, Some(charset), hint).text);
        last = all.end();
        after_word = true;
    }
    out.push_str(&unfolded[last..]);
    out.trim().to_owned()
}

/// The `Q` encoding of RFC 2047: `_` is a space, `=XX` a byte.
fn q_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let byte = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = byte {
                    out.push(v);
                    i += 3;
                    continue;
                }
                out.push(b'=');
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Damaged structure the parser worked around.
fn structure_problems(msg: &Message<'_>, problems: &mut Vec<String>) {
    let raw = msg.raw_message();
    // Only the first 64 parts: each check scans the whole message.
    for (n, part) in msg.parts.iter().enumerate().take(64) {
        let Some(ct) = part.content_type() else {
            continue;
        };
        if !ct.ctype().eq_ignore_ascii_case("multipart") {
            continue;
        }
        let Some(boundary) = ct.attribute("boundary") else {
            problems.push(format!("part {n}: multipart without a boundary, read as text"));
            continue;
        };
        if !matches!(part.body, PartType::Multipart(_)) {
            problems.push(format!("part {n}: MIME boundary not found, read as text"));
            continue;
        }
        let closing = format!("--{boundary}--");
        if !contains(raw, closing.as_bytes()) {
            problems.push(format!("part {n}: closing MIME boundary missing"));
        }
    }
    let no_body = msg.parts.len() == 1 && msg.parts[0].offset_body as usize >= raw.len().saturating_sub(2);
    if no_body {
        problems.push("no body".to_owned());
    } else if msg.parts.iter().any(|p| p.is_encoding_problem) {
        problems.push("a part's encoding or structure is damaged; kept as text".to_owned());
    }
}

/// Whether `needle` occurs in `haystack` (a linear literal search).
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    regex::bytes::Regex::new(&regex::escape(&String::from_utf8_lossy(needle))).is_ok_and(|re| re.is_match(haystack))
}

/// A part's body with its transfer encoding undone, as the sender's bytes.
fn part_bytes<'m>(msg: &'m Message<'_>, part: &'m MessagePart<'_>) -> Cow<'m, [u8]> {
    match &part.body {
        PartType::Binary(b) | PartType::InlineBinary(b) => return Cow::Borrowed(b.as_ref()),
        PartType::Multipart(_) => return Cow::Borrowed(&[]),
        _ => {}
    }
    let raw = msg.raw_message.get(part.offset_body as usize..part.offset_end as usize).unwrap_or_default();
    let decoded = match part.encoding {
        Encoding::Base64 => base64_decode(raw),
        Encoding::QuotedPrintable => quoted_printable_decode(raw),
        Encoding::None => return Cow::Borrowed(raw),
    };
    match decoded {
        Some(d) => Cow::Owned(d),
        None => Cow::Owned(part.contents().to_vec()),
    }
}

/// A text part decoded with the charset fallbacks; problems noted.
fn part_text(msg: &Message<'_>, part: &MessagePart<'_>, hint: LanguageHint) -> (String, Option<String>) {
    let bytes = part_bytes(msg, part);
    let mut declared = part.content_type().and_then(|ct| ct.attribute("charset")).map(str::to_owned);
    if declared.is_none() && matches!(part.body, PartType::Html(_)) {
        declared = meta_charset(&bytes);
    }
    let decoded = charset::decode(&bytes, declared.as_deref(), hint);
    let mut text = decoded.text;
    let flowed =
        part.content_type().and_then(|ct| ct.attribute("format")).is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
    if flowed && matches!(part.body, PartType::Text(_)) {
        let delsp =
            part.content_type().and_then(|ct| ct.attribute("delsp")).is_some_and(|d| d.eq_ignore_ascii_case("yes"));
        text = unflow(&text, delsp);
    }
    let text = text.replace("\r\n", "\n");
    (text, decoded.problem)
}

/// The charset an HTML body names in a `<meta>` tag, when MIME names none.
fn meta_charset(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(2048)];
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    let at = lower.find("charset=")? + "charset=".len();
    let value: String = lower[at..]
        .trim_start_matches(['"', '\''])
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        .collect();
    (!value.is_empty()).then_some(value)
}

/// Joins the soft line breaks of `format=flowed` text (RFC 3676): a line
/// ending in a space continues on the next line of the same quote depth.
fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open: Option<usize> = None; // quote depth of a paragraph being joined
    for raw_line in text.split('\n') {
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);
        let depth = line.bytes().take_while(|b| *b == b'>').count();
        let mut content = &line[depth..];
        content = content.strip_prefix(' ').unwrap_or(content); // space-stuffing
        let soft = content.ends_with(' ') && content != "-- ";
        match open {
            Some(d) if d == depth => {}
            Some(_) => {
                out.push('\n');
                out.push_str(&">".repeat(depth));
                if depth > 0 {
                    out.push(' ');
                }
            }
            None => {
                out.push_str(&">".repeat(depth));
                if depth > 0 {
                    out.push(' ');
                }
            }
        }
        if soft {
            let kept = if delsp { &content[..content.len() - 1] } else { content };
            out.push_str(kept);
            open = Some(depth);
        } else {
            out.push_str(content);
            out.push('\n');
            open = None;
        }
    }
    if open.is_none() && out.ends_with('\n') && !text.ends_with('\n') {
        out.pop();
    }
    out
}

fn ids(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    let list: Vec<String> = match value {
        mail_parser::HeaderValue::Text(t) => t.split_whitespace().map(clean_id).collect(),
        mail_parser::HeaderValue::TextList(l) => l.iter().flat_map(|t| t.split_whitespace()).map(clean_id).collect(),
        _ => Vec::new(),
    };
    list.into_iter().filter(|id| !id.is_empty()).collect()
}

fn clean_subject(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

fn to_mail_address(a: &mail_parser::Addr<'_>) -> Option<MailAddress> {
    let address = a.address.as_deref()?.trim();
    if address.is_empty() {
        return None;
    }
    let name = a
        .name
        .as_deref()
        .map(|n| n.trim().trim_matches('"').trim())
        .filter(|n| !n.is_empty() && *n != address)
        .map(str::to_owned);
    Some(MailAddress { name, address: address.to_owned() })
}

fn first_address(a: &Address<'_>) -> Option<MailAddress> {
    a.iter().find_map(to_mail_address)
}

fn all_addresses(a: &Address<'_>) -> Vec<MailAddress> {
    a.iter().filter_map(to_mail_address).collect()
}

/// A file name without directories or control characters, at most 255
/// characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars().filter(|c| !c.is_control()).take(255).collect::<String>().trim().trim_matches('.').trim().to_owned()
}

fn made_up_name(content_type: &str, n: usize) -> String {
    match content_type {
        "message/rfc822" | "message/global" => "forwarded.eml".to_owned(),
        "text/calendar" => "invite.ics".to_owned(),
        "message/delivery-status" | "message/global-delivery-status" => "delivery-status.txt".to_owned(),
        "text/rfc822-headers" | "message/global-headers" => "headers.txt".to_owned(),
        "message/disposition-notification" => "read-receipt.txt".to_owned(),
        "message/feedback-report" => "feedback-report.txt".to_owned(),
        _ => {
            let ext = match content_type {
                "image/png" => "png",
                "image/jpeg" => "jpg",
                "image/gif" => "gif",
                "image/webp" => "webp",
                "application/pdf" => "pdf",
                "text/plain" => "txt",
                "text/html" => "html",
                _ => "bin",
            };
            format!("attachment-{n}.{ext}")
        }
    }
}

fn attachment(
    msg: &Message<'_>,
    part: &MessagePart<'_>,
    n: usize,
    hint: LanguageHint,
    problems: &mut Vec<String>,
) -> MailAttachment {
    let content_type = match part.content_type() {
        Some(ct) => match ct.subtype() {
            Some(sub) => format!("{}/{}", ct.ctype(), sub),
            None => ct.ctype().to_owned(),
        },
        None if matches!(part.body, PartType::Message(_)) => "message/rfc822".to_owned(),
        None => "text/plain".to_owned(),
    }
    .to_ascii_lowercase();

    let mut name = part.attachment_name().map(clean_name);
    if name.as_deref().is_some_and(|n| n.contains('\u{fffd}')) {
        // The parser read raw 8-bit bytes as UTF-8; read them with the hint.
        if let Some(fixed) = reread_part_name(msg, part, hint) {
            note(problems, "attachment name", Some("8-bit bytes read with the department's charset".to_owned()));
            name = Some(fixed);
        }
    }
    let name = name.filter(|n| !n.is_empty()).unwrap_or_else(|| made_up_name(&content_type, n));

    let content_id = part.content_id().map(clean_id).filter(|id| !id.is_empty());
    let is_attachment_disposition =
        part.content_disposition().is_some_and(|d| d.ctype().eq_ignore_ascii_case("attachment"));
    let inline = content_id.is_some() && !is_attachment_disposition && !matches!(part.body, PartType::Message(_));

    MailAttachment { name, content_type, content_id, inline, bytes: part_bytes(msg, part).into_owned() }
}

/// A part's file name re-read from its raw header bytes with the hint.
fn reread_part_name(msg: &Message<'_>, part: &MessagePart<'_>, hint: LanguageHint) -> Option<String> {
    let head = msg.raw_message.get(part.offset_header as usize..part.offset_body as usize)?;
    if std::str::from_utf8(head).is_ok() {
        return None;
    }
    let (text, _) = charset::guess(head, hint);
    let headers = MessageParser::default().parse_headers(text.as_bytes())?;
    let name = headers.attachment_name().map(clean_name)?;
    (!name.is_empty() && !name.contains('\u{fffd}')).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unrepairable_multipart_is_still_read_as_the_body() {
        let raw = b"From: a@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=\"nowhere\"\n\nplain words, no parts at all\n";
        let mail = parse(raw, &ParseOptions::default()).expect("parses");
        assert!(mail.text.contains("plain words, no parts at all"));
        assert!(mail.attachments.is_empty());
        assert!(mail.problems.iter().any(|p| p.contains("boundary")));
    }

    #[test]
    fn an_8bit_attachment_name_is_read_with_the_hint() {
        let mut raw = b"From: a@example.org\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nsee file\n--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename=\"".to_vec();
        let (name, _, _) = encoding_rs::WINDOWS_1251.encode("Счёт.pdf");
        raw.extend_from_slice(&name);
        raw.extend_from_slice(b"\"\n\n%PDF\n--b--\n");
        let mail = parse(&raw, &ParseOptions::new(LanguageHint::Ru)).expect("parses");
        assert_eq!(mail.attachments[0].name, "Счёт.pdf");
    }

    #[test]
    fn encoded_words_in_the_wrong_charset_use_the_hint() {
        let raw = b"From: =?utf-8?Q?Ay=FEe_Y=FDlmaz?= <ayse@example.com>\nSubject: =?utf-8?Q?=DEifre_s=FDf=FDrlama_?=\n =?utf-8?B?aXN0ZfBp?=\n\nhi\n";
        let mail = parse(raw, &ParseOptions::new(LanguageHint::Tr)).expect("parses");
        assert_eq!(mail.subject, "Şifre sıfırlama isteği");
        assert_eq!(mail.from.and_then(|f| f.name).as_deref(), Some("Ayşe Yılmaz"));
        assert_eq!(q_decode("a_b=3Dc=F"), b"a b=c=F");
    }

    #[test]
    fn html_meta_charset_is_used_when_mime_names_none() {
        let mut raw = b"From: a@example.org\nSubject: x\nContent-Type: text/html\n\n<html><head><meta charset=\"windows-1251\"></head><body>".to_vec();
        let (words, _, _) = encoding_rs::WINDOWS_1251.encode("Привет, мир");
        raw.extend_from_slice(&words);
        raw.extend_from_slice(b"</body></html>\n");
        let mail = parse(&raw, &ParseOptions::new(LanguageHint::En)).expect("parses");
        assert_eq!(mail.text, "Привет, мир");
    }

    #[test]
    fn a_null_sender_with_a_failure_text_is_a_bounce() {
        let raw = b"Return-Path: <>\nFrom: Mail System <mail@relay.example>\nSubject: Notice\n\nYour message could not be delivered to x@example.org.\n";
        let mail = parse(raw, &ParseOptions::default()).expect("parses");
        assert_eq!(mail.class, tessera_desk::mail::MailClass::Bounce);
        let raw = b"Return-Path: <>\nFrom: Ann <ann@example.org>\nSubject: Out of office\n\nI am away until Monday.\n";
        let mail = parse(raw, &ParseOptions::default()).expect("parses");
        assert_eq!(mail.class, tessera_desk::mail::MailClass::Human);
    }

    #[test]
    fn raw_header_bytes_are_repaired_line_by_line() {
        let mut raw = "From: Gül <gul@example.org>\nSubject: ".as_bytes().to_vec();
        let (subject, _, _) = encoding_rs::WINDOWS_1254.encode("Ödeme başarısız");
        raw.extend_from_slice(&subject);
        raw.extend_from_slice(b"\nTo: ");
        let (jis, _, _) = encoding_rs::ISO_2022_JP.encode("田中 <tanaka@example.jp>");
        raw.extend_from_slice(&jis);
        raw.extend_from_slice(b"\n\nhi\n");
        let mail = parse(&raw, &ParseOptions::new(LanguageHint::Tr)).expect("parses");
        // The UTF-8 line is kept, the windows-1254 one read with the hint,
        // the ISO-2022-JP one recognised by its escapes.
        assert_eq!(mail.from.and_then(|f| f.name).as_deref(), Some("Gül"));
        assert_eq!(mail.subject, "Ödeme başarısız");
        assert_eq!(mail.to[0].name.as_deref(), Some("田中"));
    }

    #[test]
    fn flowed_text_is_joined() {
        assert_eq!(
            unflow("This is a long \nline.\n> quoted \n> more\n-- \nsig", false),
            "This is a long line.\n> quoted more\n-- \nsig"
        );
    }

    #[test]
    fn empty_and_headerless_input_are_errors() {
        let o = ParseOptions::default();
        assert_eq!(parse(b"", &o), Err(ParseError::Empty));
        assert_eq!(parse(b"  \r\n ", &o), Err(ParseError::Empty));
        assert_eq!(parse(b"just some words without any header", &o), Err(ParseError::NoHeaders));
    }
}
