//! Where the quoted part of a reply starts, so the desk can show what is
//! new and fold the rest. Display only: the full text is always kept, and
//! this module returns an offset, never a shortened text.
//!
//! Markers, in the order they are trusted:
//! 1. Tessera's own separator ([`REPLY_SEPARATOR`]), which every outbound
//!    mail carries above the quoted conversation; a reply header the
//!    client wrote above it ("On … wrote:", Outlook's From/Sent block, at
//!    most eight lines up) is folded with it.
//! 2. A reply header written by a mail client, on an unquoted line:
//!    "On … wrote:" (en), "Am … schrieb …:" (de), "… tarihinde şunu yazdı:"
//!    (tr), "…写道：" (zh), "… написал(а):" / "… пишет:" (ru), a date line
//!    ending in `<address>:` (Gmail ru, Yandex, Mail.ru), an
//!    "-----Original Message-----" rule in en/tr/ru/de/zh (Coremail, QQ's
//!    "------------------ 原始邮件 ------------------"), and Outlook's header
//!    block (From/Kimden/От/发件人 followed by Sent/Gönderildi/Отправлено/
//!    发送时间 within four lines, with a `____` rule above it folded too).
//!    Forwarded-message blocks are *not* folded: what a customer forwards is
//!    new to the helpdesk.
//! 3. A `>`-quoted block at the end of the text.
//!
//! A header is only taken if nothing new follows the quote it introduces:
//! when an attribution is followed by `>` lines and then by unquoted text
//! (a bottom-posted or interleaved reply) it is skipped, because folding it
//! would hide the answer. For the same reason there is no quote start when
//! nothing new precedes it (a bare forward, a reply with an empty top).
//!
//! Signatures: a signature delimiter (`-- `, or a mobile "Sent from my
//! iPhone" line in our languages) is folded with the quote only when it
//! *follows* new text and what runs from it to the quote (or the end) is
//! signature-sized (at most twelve non-blank lines). A delimiter at the top
//! is content, and a long block under a `--` line is someone's text, so
//! both stay visible. This means `quote_start` can mark a trailing
//! signature even when nothing is quoted.
//!
//! HTML-only mail is converted by [`crate::html::to_text`], which reports
//! the clients' own quote containers; [`crate::parse()`] takes the earlier of
//! that and this module's answer.

use std::sync::LazyLock;

use regex::Regex;

/// The line Tessera puts above the conversation in every mail it sends;
/// everything from it down is the quoted history. The outbound side uses
/// this constant so the two always agree.
pub const REPLY_SEPARATOR: &str = "##- Please type your reply above this line -##";

/// Most non-blank lines a trailing signature may have.
const MAX_SIGNATURE_LINES: usize = 12;

fn re(pattern: &str) -> Regex {
    // Patterns are constants of this module; a typo fails every test.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("quote pattern compiles")
}

static ON_START: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^(on|am)\s"));
static ON_END: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(\bwrote|\bschrieb\b.{0,200})\s*:\s*$"));
static END_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(r"(?i)(", r"yazdı\s*:", r"|[写寫]道\s*[：:]", r"|(написал|написала|написал\(а\)|пишет)\s*:", r")\s*$"))
});
/// A date line ending in an address and a colon (Gmail in Russian,
/// Yandex, Mail.ru): `ср, 30 апр. 2025 г. в 15:19, Name <a@b>:`.
static ADDRESS_COLON: LazyLock<Regex> = LazyLock::new(|| re(r"\d.*<[^<>\s@]+@[^<>\s]+>\s*[:：]\s*$"));
static ORIGINAL: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^-{2,}\s*(original message|original e-mail|ursprüngliche nachricht",
        r"|исходное сообщение|özgün ileti|orijinal ileti|orijinal mesaj|原始邮件|原始郵件",
        r"|this is a copy of the message[^-]*)",
        r"\s*-{2,}\s*$"
    ))
});
static FORWARD: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)(forwarded message|begin forwarded message|пересылаемое сообщение",
        r"|перенаправленное сообщение|iletilen ileti|iletilmiş mesaj|ileti başlangıcı",
        r"|转发的邮件|轉寄的郵件|weitergeleitete nachricht)"
    ))
});
static HEADER_FROM: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)^\*?(from|kimden|gönderen|от|发件人|寄件者|von)\*?\s*[:：]"));
static HEADER_SENT: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^\*?(sent|date|gönderildi|gönderilme tarihi|tarih|отправлено|дата",
        r"|发送时间|日期|寄件日期|gesendet|datum)\*?\s*[:：]"
    ))
});
static RULE: LazyLock<Regex> = LazyLock::new(|| re(r"^(_{10,}|-{10,})\s*$"));
static SIGNATURE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^(--\s?$|sent from my |sent from mail for windows|get outlook for ",
        r"|iphone'umdan gönderildi|ipad'imden gönderildi|android'li cihazımdan gönderildi",
        r"|отправлено с (iphone|ipad|моего)|отправлено из мобильной почты",
        r"|отправлено из приложения|发自我的|从我的 ?(iphone|ipad))"
    ))
});

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Quoted,
    Text,
}

struct Line<'a> {
    start: usize,
    content: &'a str,
    kind: Kind,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in text.split_inclusive('\n') {
        let content = piece.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim();
        let kind = if trimmed.is_empty() {
            Kind::Blank
        } else if trimmed.starts_with('>') {
            Kind::Quoted
        } else {
            Kind::Text
        };
        out.push(Line { start, content, kind });
        start += piece.len();
    }
    out
}

/// The lines with counts precomputed, so every question below is answered
/// in constant time and the whole search stays linear in the text (a
/// hostile mail of many short header-like lines must not be quadratic).
struct Doc<'a> {
    lines: Vec<Line<'a>>,
    /// `nonblank_before[i]`: non-blank lines in `lines[..i]`.
    nonblank_before: Vec<usize>,
    /// `next_nonblank[i]`: the first non-blank line at or after `i` (or `len`).
    next_nonblank: Vec<usize>,
    /// `next_text[i]`: the first unquoted text line at or after `i` (or `len`).
    next_text: Vec<usize>,
}

impl<'a> Doc<'a> {
    fn new(text: &'a str) -> Self {
        let lines = lines(text);
        let n = lines.len();
        let mut nonblank_before = Vec::with_capacity(n + 1);
        nonblank_before.push(0);
        for l in &lines {
            let last = nonblank_before.last().copied().unwrap_or(0);
            nonblank_before.push(last + usize::from(l.kind != Kind::Blank));
        }
        let mut next_nonblank = vec![n; n + 1];
        let mut next_text = vec![n; n + 1];
        for i in (0..n).rev() {
            next_nonblank[i] = if lines[i].kind != Kind::Blank { i } else { next_nonblank[i + 1] };
            next_text[i] = if lines[i].kind == Kind::Text { i } else { next_text[i + 1] };
        }
        Self { lines, nonblank_before, next_nonblank, next_text }
    }

    /// Non-blank lines in `lines[from..to]`.
    fn nonblank(&self, from: usize, to: usize) -> usize {
        let n = self.lines.len();
        let (from, to) = (from.min(n), to.min(n));
        if from >= to { 0 } else { self.nonblank_before[to] - self.nonblank_before[from] }
    }
}

/// Where quoted text starts in a plain-text body: a byte offset at a
/// character boundary, so that `text[..offset]` is what the sender wrote
/// new (with a trailing signature folded too, see the module doc). `None`
/// when nothing is quoted or nothing new precedes the quote.
pub fn quote_start(text: &str) -> Option<usize> {
    let doc = Doc::new(text);
    let lines = &doc.lines;
    let cut = own_separator(&doc).or_else(|| first_reply_header(&doc)).or_else(|| trailing_quote(lines));
    let cut_line = cut.unwrap_or(lines.len());
    let cut_line = signature_start(&doc, cut_line).unwrap_or(cut_line);
    if cut_line >= lines.len() {
        return None;
    }
    let has_new = doc.nonblank(0, cut_line) > 0;
    let has_rest = doc.nonblank(cut_line, lines.len()) > 0;
    (has_new && has_rest).then(|| lines[cut_line].start)
}

/// The line of our own separator, moved up over an attribution just above.
fn own_separator(doc: &Doc<'_>) -> Option<usize> {
    let lines = &doc.lines;
    let sep = lines.iter().position(|l| l.content.contains(REPLY_SEPARATOR))?;
    // A reply header a few lines above it (Outlook's block) goes with it.
    for i in 0..sep {
        if lines[i].kind != Kind::Text {
            continue;
        }
        if doc.nonblank(i + 1, sep) > 8 {
            continue;
        }
        if is_outlook_block(lines, i) {
            return Some(rule_above(lines, i));
        }
        if let Some(start) = header_ending_at(lines, i) {
            return Some(rule_above(lines, start));
        }
    }
    // Walk back over blank or quoted-empty lines to an attribution.
    let mut i = sep;
    while i > 0 {
        let prev = &lines[i - 1];
        let t = prev.content.trim().trim_start_matches('>').trim();
        if t.is_empty() {
            i -= 1;
            continue;
        }
        if prev.kind == Kind::Text
            && let Some(start) = header_ending_at(lines, i - 1)
        {
            return Some(start);
        }
        break;
    }
    Some(sep)
}

/// If line `end` ends a reply attribution, the line it starts on.
fn header_ending_at(lines: &[Line<'_>], end: usize) -> Option<usize> {
    let line = lines[end].content.trim();
    if ORIGINAL.is_match(line) {
        return Some(end);
    }
    if ON_END.is_match(line) {
        // "On … wrote:" may be wrapped over up to three lines.
        for start in (end.saturating_sub(2)..=end).rev() {
            if lines[start..=end].iter().any(|l| l.kind != Kind::Text) {
                break;
            }
            if ON_START.is_match(lines[start].content.trim()) {
                return Some(start);
            }
        }
    }
    if END_ONLY.is_match(line) || ADDRESS_COLON.is_match(line) {
        return Some(joined_start(lines, end));
    }
    None
}

/// The start of an attribution that ends on line `end` and carries no
/// start marker: the line before joins it if it looks like its wrapped
/// beginning (no sentence end, a date digit or an address in it).
fn joined_start(lines: &[Line<'_>], end: usize) -> usize {
    if end == 0 {
        return end;
    }
    let prev = &lines[end - 1];
    let t = prev.content.trim_end();
    let ends_sentence = t.ends_with(['.', '!', '?', '。', '！', '？', ':', '：']);
    if prev.kind == Kind::Text
        && !ends_sentence
        && t.chars().count() + lines[end].content.chars().count() < 300
        && (t.contains('@') || t.chars().any(|c| c.is_ascii_digit()))
    {
        end - 1
    } else {
        end
    }
}

/// The first reply header on an unquoted line whose quote runs to the end.
fn first_reply_header(doc: &Doc<'_>) -> Option<usize> {
    let lines = &doc.lines;
    for (i, line) in lines.iter().enumerate() {
        if line.kind != Kind::Text {
            continue;
        }
        let t = line.content.trim();
        // An Outlook-style header block.
        if is_outlook_block(lines, i) {
            if forwarded_above(lines, i) {
                continue;
            }
            return Some(rule_above(lines, i));
        }
        if let Some(start) = header_ending_at(lines, i) {
            if start < i && lines[start].kind != Kind::Text {
                continue;
            }
            if forwarded_above(lines, start) {
                continue;
            }
            if quote_runs_to_end(doc, i + 1) {
                return Some(if ORIGINAL.is_match(t) { rule_above(lines, start) } else { start });
            }
        }
    }
    None
}

/// Whether line `i` starts an Outlook-style header block: a From label
/// with a Sent/Date label within the next four lines.
fn is_outlook_block(lines: &[Line<'_>], i: usize) -> bool {
    HEADER_FROM.is_match(lines[i].content.trim())
        && lines[i + 1..].iter().take(4).any(|l| HEADER_SENT.is_match(l.content.trim()))
}

/// Whether a forward marker is on one of the two lines above `i`.
fn forwarded_above(lines: &[Line<'_>], i: usize) -> bool {
    lines[i.saturating_sub(2)..i].iter().any(|l| FORWARD.is_match(l.content))
}

/// Moves a header start up over a rule line (Outlook's `____`) and blank
/// lines right above it.
fn rule_above(lines: &[Line<'_>], start: usize) -> usize {
    let mut i = start;
    while i > 0 {
        let prev = &lines[i - 1];
        if prev.kind == Kind::Blank {
            i -= 1;
        } else if RULE.is_match(prev.content.trim()) {
            return i - 1;
        } else {
            break;
        }
    }
    start
}

/// Whether what follows a header (from line `from`) is all quote: either
/// unquoted (Outlook, QQ: everything after is the old mail) or a `>` block
/// with nothing but blank lines or a signature after it.
fn quote_runs_to_end(doc: &Doc<'_>, from: usize) -> bool {
    let n = doc.lines.len();
    let first = doc.next_nonblank[from.min(n)];
    if first >= n {
        return false;
    }
    if doc.lines[first].kind != Kind::Quoted {
        return true;
    }
    let p = doc.next_text[first];
    if p >= n {
        return true;
    }
    SIGNATURE.is_match(doc.lines[p].content.trim_end_matches('\r')) && doc.nonblank(p, n) <= MAX_SIGNATURE_LINES + 1
}

/// The start of a `>` block that runs to the end of the text.
fn trailing_quote(lines: &[Line<'_>]) -> Option<usize> {
    let last = lines.iter().rposition(|l| l.kind != Kind::Blank)?;
    if lines[last].kind != Kind::Quoted {
        return None;
    }
    let mut start = last;
    while start > 0 && lines[start - 1].kind != Kind::Text {
        start -= 1;
    }
    // Start at the first quoted line, leaving blank lines to the new part.
    while lines[start].kind == Kind::Blank {
        start += 1;
    }
    Some(start)
}

/// A signature delimiter after new text and before `cut`, with a
/// signature-sized block from it to `cut`.
fn signature_start(doc: &Doc<'_>, cut: usize) -> Option<usize> {
    let lines = &doc.lines;
    let cut = cut.min(lines.len());
    let mut seen_text = false;
    for (i, line) in lines[..cut].iter().enumerate() {
        let is_delimiter =
            line.kind == Kind::Text && (line.content == "-- " || SIGNATURE.is_match(line.content.trim_end()));
        if is_delimiter && seen_text && doc.nonblank(i + 1, cut) <= MAX_SIGNATURE_LINES {
            return Some(i);
        }
        if line.kind != Kind::Blank {
            seen_text = true;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_part(text: &str) -> &str {
        match quote_start(text) {
            Some(q) => text[..q].trim_end(),
            None => text.trim_end(),
        }
    }

    #[test]
    fn english_gmail_reply() {
        let t = "Thanks, it works now.\n\nOn Mon, Dec 7, 2026 at 10:00 AM Tessera Support <\nsupport@example.com> wrote:\n\n> Please restart it.\n> Bye\n";
        assert_eq!(new_part(t), "Thanks, it works now.");
    }

    #[test]
    fn own_separator_takes_the_attribution_with_it() {
        let t = format!(
            "Yes please.\n\nOn 7 Dec 2026, at 10:00, Support <s@example.com> wrote:\n\n> {REPLY_SEPARATOR}\n> old\n"
        );
        assert_eq!(new_part(&t), "Yes please.");
        let t = format!("Evet.\n{REPLY_SEPARATOR}\nold\n");
        assert_eq!(new_part(&t), "Evet.");
    }

    #[test]
    fn languages() {
        for (t, new) in [
            (
                "Tamam, teşekkürler.\n\nDestek <destek@example.com>, 7 Ara 2026 Pzt, 10:00 tarihinde şunu yazdı:\n> eski\n",
                "Tamam, teşekkürler.",
            ),
            ("好的，谢谢。\n\n在 2026-12-07 10:00:00，\"客服\" <kf@example.com> 写道：\n> 旧的\n", "好的，谢谢。"),
            ("Спасибо.\n\n07.12.2026 10:00, Поддержка пишет:\n> старое\n", "Спасибо."),
            ("Спасибо.\n\nпн, 7 дек. 2026 г. в 10:00, Поддержка <s@example.com>:\n> старое\n", "Спасибо."),
            ("Danke.\n\nAm 07.12.2026 um 10:00 schrieb Support <s@example.com>:\n> alt\n", "Danke."),
            (
                "收到\n\n------------------ 原始邮件 ------------------\n发件人: \"客服\"<kf@example.com>\n发送时间: 2026年12月7日(星期一) 上午10:00\n旧的内容\n",
                "收到",
            ),
            (
                "OK\n\n________________________________\nFrom: Support <s@example.com>\nSent: Monday, December 7, 2026 10:00 AM\nTo: me\nSubject: Re: x\n\nold text\n",
                "OK",
            ),
            (
                "Tamam\n\nKimden: Destek <d@example.com>\nGönderildi: 7 Aralık 2026 Pazartesi 10:00\nKime: ben\nKonu: x\n\neski\n",
                "Tamam",
            ),
            (
                "Да\n\nОт: Поддержка <s@example.com>\nОтправлено: 7 декабря 2026 г. 10:00\nКому: я\nТема: x\n\nстарое\n",
                "Да",
            ),
        ] {
            assert_eq!(new_part(t), new, "{t}");
        }
    }

    #[test]
    fn bottom_posting_is_not_hidden() {
        let t = "On Mon, Support wrote:\n> question?\n\nMy answer is below the quote.\n";
        assert_eq!(quote_start(t), None);
    }

    #[test]
    fn forwarded_mail_is_not_folded() {
        let t = "See below.\n\n---------- Forwarded message ---------\nFrom: Bank <b@example.com>\nDate: Mon, 7 Dec 2026\nSubject: x\n\nforwarded body\n";
        assert_eq!(quote_start(t), None);
    }

    #[test]
    fn signatures_fold_only_after_new_text() {
        let t = "Hello\n\n-- \nAyşe\nACME\n";
        assert_eq!(new_part(t), "Hello");
        let t = "-- \nonly a signature\n";
        assert_eq!(quote_start(t), None);
        let long = format!("Hi\n--\n{}", "line\n".repeat(20));
        assert_eq!(quote_start(&long), None);
        let t =
            "Merhaba\n\niPhone'umdan gönderildi\n\nDestek <d@example.com>, 7 Ara 2026 tarihinde şunu yazdı:\n> eski\n";
        assert_eq!(new_part(t), "Merhaba");
    }

    #[test]
    fn many_header_like_lines_stay_linear() {
        // Quadratic work here would not finish within the test run.
        let text = "On Mon, x wrote:\n> a\nnew\n-- \n".repeat(50_000);
        // Every attribution has new text after its quote; only a signature
        // delimiter near the end (twelve lines or fewer after it) folds.
        let q = quote_start(&text).expect("a trailing signature");
        assert!(q >= text.len() - 4 * 29 && text[q..].starts_with("-- \n"));
        let text = format!("{}{REPLY_SEPARATOR}\n", "From: a\nSent: b\n".repeat(50_000));
        assert!(quote_start(&text).is_some());
    }

    #[test]
    fn trailing_quote_block() {
        let t = "ok\n> a\n> b\n\n";
        assert_eq!(new_part(t), "ok");
        assert_eq!(quote_start("> only quoted\n"), None);
        assert_eq!(quote_start(""), None);
    }
}
