//! Readable text from an HTML body, for mail that has no `text/plain`
//! part: the desk searches, previews and quotes plain text, and an
//! HTML-only reply must not become an empty ticket message.
//!
//! While walking the HTML it also notes where the mail clients' own quote
//! containers begin (Gmail `gmail_quote`, Outlook `divRplyFwdMsg` and
//! `appendonsend`, Apple Mail and Thunderbird `blockquote type=cite`,
//! Coremail `isReplyContent`,
//! Yahoo `yahoo_quoted`, ProtonMail `protonmail_quote`), which are far more
//! reliable than any text pattern, and gives that position in the text.
//!
//! It is a small linear scanner, not an HTML parser: scripts, styles and
//! comments are dropped, block elements become line breaks, entities are
//! decoded. The HTML itself is kept untouched for the desk to sanitise.

/// Text made from HTML, and where the first quote container starts in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlText {
    /// The readable text: one line per block, whitespace collapsed.
    pub text: String,
    /// Byte offset in `text` (a character boundary) where a mail client's
    /// quote container begins, when one has text after it.
    pub quote_start: Option<usize>,
    /// Byte offset in the HTML itself where that container's opening tag
    /// (`<`) begins, when the text has something new before it as well:
    /// where the desk marks the HTML so pages can fold the quoted part.
    pub html_quote_start: Option<usize>,
    /// `(text offset, HTML offset)` after each opening block tag and `<br>`,
    /// in order: where each line of the text begins in the HTML.
    marks: Vec<(usize, usize)>,
}

impl HtmlText {
    /// Where the HTML should be cut so that what follows is the text from
    /// `text_offset` on (a quote the text patterns found: a QQ or Coremail
    /// "原始邮件" rule, an "On … wrote:" line without a client's container):
    /// the first block tag or `<br>` with only white space between it and
    /// that offset. None when the offset is not at such a line start, or
    /// nothing new comes before it.
    pub fn html_offset(&self, text_offset: usize) -> Option<usize> {
        let before = self.text.get(..text_offset)?.trim_end();
        if before.trim().is_empty() {
            return None;
        }
        let floor = before.len();
        let i = self.marks.partition_point(|m| m.0 < floor);
        let (t, h) = *self.marks.get(i)?;
        (t <= text_offset).then_some(h)
    }
}

/// Elements whose content is not text for a reader.
const SKIPPED: &[&str] = &["script", "style", "title", "template", "noscript", "xml"];

/// Elements that start or end a line.
const BLOCKS: &[&str] = &[
    "p",
    "div",
    "tr",
    "li",
    "ul",
    "ol",
    "table",
    "blockquote",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "hr",
    "section",
    "article",
    "header",
    "footer",
    "address",
    "dd",
    "dt",
    "dl",
    "center",
    "form",
    "fieldset",
];

/// Converts HTML to readable text and finds the quote container.
pub fn to_text(html: &str) -> HtmlText {
    let mut out = Out::default();
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut pre_depth = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'<' {
            if html[i..].starts_with("<!--") {
                i = match html[i + 4..].find("-->") {
                    Some(end) => i + 4 + end + 3,
                    None => bytes.len(),
                };
                continue;
            }
            let next = bytes.get(i + 1).copied().unwrap_or(b' ');
            if next.is_ascii_alphabetic() || next == b'/' || next == b'!' || next == b'?' {
                let tag_start = i;
                let end = tag_end(bytes, i + 1);
                let inner = &html[i + 1..end.min(bytes.len())];
                i = (end + 1).min(bytes.len());
                let closing = inner.starts_with('/');
                let body = inner.trim_start_matches('/');
                let name_len =
                    body.bytes().take_while(|c| c.is_ascii_alphanumeric() || *c == b':' || *c == b'-').count();
                let name = body[..name_len].to_ascii_lowercase();
                let attrs = &body[name_len..];
                if !closing && SKIPPED.contains(&name.as_str()) {
                    i = skip_element(html, i, &name);
                    continue;
                }
                if name == "br" {
                    out.newline_hard();
                    out.marks.push((out.text.len(), tag_start));
                } else if name == "td" || name == "th" {
                    if !closing {
                        out.space();
                    }
                } else if BLOCKS.contains(&name.as_str()) {
                    out.newline_soft();
                    if !closing {
                        out.marks.push((out.text.len(), tag_start));
                    }
                    if name == "pre" {
                        pre_depth = if closing { pre_depth.saturating_sub(1) } else { pre_depth + 1 };
                    }
                    if name == "li" && !closing {
                        out.push_str("- ");
                    }
                }
                if !closing && out.quote_start.is_none() && is_quote_container(&name, attrs) {
                    out.newline_soft();
                    out.quote_start = Some(out.text.len());
                    out.html_quote_start = Some(tag_start);
                }
                continue;
            }
            out.push_char('<');
            i += 1;
            continue;
        }
        if b == b'&' {
            let (decoded, used) = entity(&html[i..]);
            if let Some(c) = decoded {
                if c == '\u{a0}' {
                    out.push_char(' ');
                } else {
                    out.push_char(c);
                }
                i += used;
                continue;
            }
        }
        // One whole character.
        let ch = html[i..].chars().next().unwrap_or(' ');
        i += ch.len_utf8();
        if ch.is_whitespace() && ch != '\u{a0}' {
            if pre_depth > 0 && ch == '\n' {
                out.newline_hard();
            } else if pre_depth > 0 {
                out.push_char(' ');
            } else {
                out.space();
            }
        } else if ch == '\u{a0}' {
            out.push_char(' ');
        } else if !ch.is_control() {
            out.push_char(ch);
        }
    }
    out.finish()
}

/// Whether an opening tag is a mail client's quote container.
fn is_quote_container(name: &str, attrs: &str) -> bool {
    let class = attr(attrs, "class").unwrap_or_default();
    let id = attr(attrs, "id").unwrap_or_default();
    let classes = || class.split_ascii_whitespace();
    if classes().any(|c| {
        c == "gmail_quote"
            || c == "gmail_quote_container"
            || c == "yahoo_quoted"
            || c == "protonmail_quote"
            || c == "moz-cite-prefix"
    }) {
        return true;
    }
    // Coremail (NetEase 163/126, many Chinese corporate servers) wraps the
    // quoted message in `<blockquote id="isReplyContent">`.
    if id == "divRplyFwdMsg" || id == "appendonsend" || id == "isReplyContent" {
        return true;
    }
    name == "blockquote" && attr(attrs, "type").is_some_and(|t| t.eq_ignore_ascii_case("cite"))
}

/// The value of an attribute in a tag's attribute text (case-insensitive
/// name; quoted or bare value).
fn attr(attrs: &str, wanted: &str) -> Option<String> {
    let b = attrs.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'=' && b[i] != b'/' {
            i += 1;
        }
        let name = &attrs[start..i];
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                i += 1;
                let vs = i;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                value = attrs[vs..i].to_owned();
                i = (i + 1).min(b.len());
            } else {
                let vs = i;
                while i < b.len() && !b[i].is_ascii_whitespace() {
                    i += 1;
                }
                value = attrs[vs..i].to_owned();
            }
        }
        if name.eq_ignore_ascii_case(wanted) {
            return Some(value);
        }
        if start == i {
            i += 1;
        }
    }
    None
}

/// The index of the `>` closing a tag that starts at `from`, skipping
/// quoted attribute values (or the end of input).
fn tag_end(bytes: &[u8], from: usize) -> usize {
    let mut quote: Option<u8> = None;
    let mut i = from;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return i,
            None => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Skips to after `</name>` (case-insensitive), or to the end. Scans
/// forward only, so many skipped elements stay linear in the input.
fn skip_element(html: &str, from: usize, name: &str) -> usize {
    let bytes = html.as_bytes();
    let mut pos = from;
    while let Some(off) = html[pos..].find("</") {
        let at = pos + off;
        let after = &bytes[at + 2..];
        if after.len() >= name.len() && after[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
            return (tag_end(bytes, at + 1) + 1).min(html.len());
        }
        pos = at + 2;
    }
    html.len()
}

/// Decodes an entity at the start of `s` (which begins with `&`): the
/// character and how many bytes it used, or `None` if it is not one.
fn entity(s: &str) -> (Option<char>, usize) {
    let Some(end) = s.bytes().take(12).position(|b| b == b';') else {
        return (None, 0);
    };
    let body = &s[1..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        let v = if let Some(hex) = num.strip_prefix(['x', 'X']) {
            u32::from_str_radix(hex, 16).ok()
        } else {
            num.parse::<u32>().ok()
        };
        v.map(|v| char::from_u32(v).unwrap_or('\u{fffd}'))
    } else {
        Some(match body {
            "nbsp" => '\u{a0}',
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "copy" => '©',
            "reg" => '®',
            "trade" => '™',
            "hellip" => '…',
            "mdash" => '—',
            "ndash" => '–',
            "laquo" => '«',
            "raquo" => '»',
            "lsquo" => '‘',
            "rsquo" => '’',
            "ldquo" => '“',
            "rdquo" => '”',
            "bull" => '•',
            "middot" => '·',
            "euro" => '€',
            "shy" | "zwnj" | "zwj" => '\u{200b}',
            _ => return (None, 0),
        })
    };
    match c {
        Some('\u{200b}') => (Some('\u{200b}'), end + 1),
        Some(c) if c.is_control() && c != '\n' && c != '\t' => (Some(' '), end + 1),
        Some(c) => (Some(c), end + 1),
        None => (None, 0),
    }
}

/// The text being built: whitespace collapsed as it is appended, so byte
/// offsets taken along the way stay valid.
#[derive(Default)]
struct Out {
    text: String,
    quote_start: Option<usize>,
    html_quote_start: Option<usize>,
    marks: Vec<(usize, usize)>,
}

impl Out {
    fn push_char(&mut self, c: char) {
        if c == '\u{200b}' {
            return;
        }
        if c == ' ' {
            self.space();
            return;
        }
        self.text.push(c);
    }

    fn push_str(&mut self, s: &str) {
        self.text.push_str(s);
    }

    fn space(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with([' ', '\n']) {
            self.text.push(' ');
        }
    }

    fn trim_trailing_spaces(&mut self) {
        let floor = self.quote_start.unwrap_or(0);
        while self.text.len() > floor && self.text.ends_with(' ') {
            self.text.pop();
        }
    }

    /// A line break from `<br>`: always breaks, at most one blank line.
    fn newline_hard(&mut self) {
        self.trim_trailing_spaces();
        if self.text.is_empty() || self.text.ends_with("\n\n") {
            return;
        }
        self.text.push('\n');
    }

    /// A line break from a block: only if the line has text.
    fn newline_soft(&mut self) {
        self.trim_trailing_spaces();
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }

    fn finish(mut self) -> HtmlText {
        let trimmed = self.text.trim_end().len();
        self.text.truncate(trimmed);
        let quote_start = self.quote_start.filter(|&q| q < self.text.len() && !self.text[q..].trim().is_empty());
        let html_quote_start = quote_start.filter(|&q| !self.text[..q].trim().is_empty()).and(self.html_quote_start);
        HtmlText { text: self.text, quote_start, html_quote_start, marks: self.marks }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_become_lines_and_scripts_vanish() {
        let h = to_text(
            "<html><head><style>p{color:red}</style><title>x</title></head><body>\
             <p>Merhaba,</p><div>Sunucum&nbsp;kapandı &amp; açılmıyor.</div>\
             <script>alert('x')</script><br>Teşekkürler</body></html>",
        );
        assert_eq!(h.text, "Merhaba,\nSunucum kapandı & açılmıyor.\n\nTeşekkürler");
        assert_eq!(h.quote_start, None);
    }

    #[test]
    fn gmail_quote_is_found() {
        let h = to_text(
            "<div dir=\"ltr\">Thanks, that fixed it.</div><br><div class=\"gmail_quote\">\
             <div class=\"gmail_attr\">On Mon, Dec 7, 2026 at 10:00 AM Support wrote:<br></div>\
             <blockquote class=\"gmail_quote\">Please restart the server.</blockquote></div>",
        );
        let q = h.quote_start.expect("quote found");
        assert_eq!(h.text[..q].trim(), "Thanks, that fixed it.");
        assert!(h.text[q..].contains("Please restart the server."));
        let html = "<div dir=\"ltr\">Thanks, that fixed it.</div><br><div class=\"gmail_quote\">x</div>";
        let at = to_text(html).html_quote_start.expect("marked in the HTML");
        assert!(html[at..].starts_with("<div class=\"gmail_quote\">"));
    }

    #[test]
    fn a_quote_found_in_the_text_maps_to_the_tag_its_line_starts_at() {
        // QQ Mail: no container of its own, a rule line.
        let html = "<div>好的，已经解决了。</div><div><br></div><div style=\"font-size: 12px\">\
                    ------------------&nbsp;原始邮件&nbsp;------------------</div><div><b>发件人:</b> 客服</div><div>旧的内容</div>";
        let h = to_text(html);
        let q = h.text.find("------------------").expect("rule in the text");
        let at = h.html_offset(q).expect("mapped");
        // The first tag after the new text: the blank line goes with the quote.
        assert!(html[at..].starts_with("<div><br></div><div style="), "{}", &html[at..]);
        // On the same line as new text: no cut; nothing new above: none.
        assert_eq!(h.html_offset(h.text.find("已经").unwrap()), None);
        assert_eq!(h.html_offset(0), None);
        assert_eq!(h.html_offset(h.text.len() + 10), None);
        // A <br> starts the attribution line.
        let html = "<div>Thanks!<br><br>On Mon, A wrote:<br>&gt; old</div>";
        let h = to_text(html);
        let at = h.html_offset(h.text.find("On Mon").unwrap()).expect("mapped");
        assert!(html[at..].starts_with("<br>On Mon") || html[at..].starts_with("<br><br>On Mon"), "{}", &html[at..]);
    }

    #[test]
    fn a_quote_with_nothing_new_above_is_not_marked_in_the_html() {
        let h = to_text("<div class=\"gmail_quote\">On Mon, A wrote:<blockquote>old</blockquote></div>");
        assert!(h.quote_start.is_some());
        assert_eq!(h.html_quote_start, None);
    }

    #[test]
    fn outlook_and_apple_markers() {
        for html in [
            "<p>Tamam</p><div id=\"appendonsend\"></div><hr><div id=\"divRplyFwdMsg\"><b>From:</b> Destek</div><div>eski</div>",
            "<div>Tamam</div><blockquote type=\"cite\"><div>eski</div></blockquote>",
            "<div>Tamam</div><div class=\"yahoo_quoted\">eski</div>",
            "<div>Tamam</div><div class=\"protonmail_quote\">eski</div>",
            "<div>Tamam</div><blockquote id=\"isReplyContent\">eski</blockquote>",
        ] {
            let h = to_text(html);
            let q = h.quote_start.expect(html);
            assert_eq!(h.text[..q].trim(), "Tamam", "{html}");
        }
    }

    #[test]
    fn broken_html_does_not_lose_text() {
        let h = to_text("a < b and <b>bold <i unclosed");
        assert!(h.text.starts_with("a < b and bold"));
        let h = to_text("x &unknown; y &#x1F600; &#99999999;");
        assert_eq!(h.text, "x &unknown; y 😀 \u{fffd}");
    }
}
