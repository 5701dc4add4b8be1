//! Messages as the portal and the console show and take them: the
//! conversation with its files, readable sizes, and the files a form
//! uploads.

use super::Stamp;
use crate::WebState;
use crate::i18n::I18n;
use crate::page::{FormErrors, WebError, desk_message};
use tessera_core::Actor;
use tessera_core::ids::AttachmentId;
use tessera_desk::DeskError;

/// A file of a message.
#[derive(Debug, Clone)]
pub struct FileLink {
    /// Download URL.
    pub href: String,
    /// File name.
    pub name: String,
    /// Size, readable.
    pub size: String,
    /// Shown as a thumbnail too: a PNG, JPEG, GIF or WebP image as the
    /// server sniffed it (never SVG, which can carry script).
    pub image: bool,
}

/// The image types a message's files are previewed for.
pub const PREVIEWED_IMAGES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// A message as the conversation shows it.
#[derive(Debug, Clone)]
pub struct MessageView {
    /// Id.
    pub id: i64,
    /// Author's name.
    pub author: String,
    /// Written by staff.
    pub staff: bool,
    /// An internal note.
    pub note: bool,
    /// Written.
    pub at: Stamp,
    /// Plain text: what is new in it when the message has a quote offset
    /// (issue 16), else all of it.
    pub body: String,
    /// The rest of the plain text from the quote offset on (the quoted
    /// history, a signature), shown folded under the new part.
    pub quoted: Option<String>,
    /// Sanitised HTML, when the message has it: its new part when it carries
    /// the quote mark ([`tessera_desk::html::QUOTE_MARK`]).
    pub html: Option<String>,
    /// The quoted part of the HTML, shown folded.
    pub html_quoted: Option<String>,
    /// Files.
    pub files: Vec<FileLink>,
    /// The customer's rating.
    pub rating: u8,
    /// Edited.
    pub edited: bool,
    /// Deleted (agents see the trace).
    pub deleted: bool,
    /// For agents, how a message that came by e-mail found this ticket
    /// ("matched by References"); empty otherwise.
    pub matched_by: String,
    /// For agents, each recipient's copy of the mail sent for this message
    /// and what became of it; always empty on customers' pages.
    pub mail_out: Vec<super::mail_out::MailLine>,
}

impl MessageView {
    /// The plain text, escaped, with its web and mail addresses as links.
    pub fn linked_body(&self) -> String {
        linkify(&self.body)
    }

    /// The quoted part of the plain text, as [`MessageView::linked_body`].
    pub fn linked_quoted(&self) -> String {
        self.quoted.as_deref().map(linkify).unwrap_or_default()
    }
}

/// The schemes a message's plain text gets links for: nothing else
/// (`javascript:`, `data:`) ever becomes a link.
const LINK_SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];

/// `text` escaped for HTML, each `http://`, `https://` and `mailto:`
/// address in it a link with `rel="noopener noreferrer nofollow"`. An
/// address ends at a space, a quote or an angle bracket; the punctuation a
/// sentence puts after it (`.`, `,`, `)`, ...) is left out unless it
/// closes a bracket the address opened (`https://en.wikipedia.org/wiki/Rust_(language)`).
pub fn linkify(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some((at, scheme)) = next_link(rest) {
        let tail = &rest[at..];
        let end =
            tail.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`')).unwrap_or(tail.len());
        let url = trim_link(&tail[..end]);
        if url.len() <= scheme.len() {
            escape_into(&mut out, &rest[..at + scheme.len()]);
            rest = &rest[at + scheme.len()..];
            continue;
        }
        escape_into(&mut out, &rest[..at]);
        out.push_str("<a href=\"");
        escape_into(&mut out, url);
        out.push_str("\" rel=\"noopener noreferrer nofollow\">");
        escape_into(&mut out, url);
        out.push_str("</a>");
        rest = &tail[url.len()..];
    }
    escape_into(&mut out, rest);
    out
}

/// The first address of `text` that starts a word: its byte offset and scheme.
fn next_link(text: &str) -> Option<(usize, &'static str)> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let (at, scheme) = LINK_SCHEMES
            .iter()
            .filter_map(|s| lower[from..].find(s).map(|i| (from + i, *s)))
            .min_by_key(|(i, _)| *i)?;
        let starts_word = text[..at].chars().next_back().is_none_or(|c| !c.is_alphanumeric());
        if starts_word {
            return Some((at, scheme));
        }
        from = at + scheme.len();
    }
}

/// `url` without the punctuation a sentence puts after an address.
fn trim_link(mut url: &str) -> &str {
    loop {
        let Some(last) = url.chars().next_back() else { return url };
        let unbalanced =
            |open: char, close: char| last == close && url.matches(close).count() > url.matches(open).count();
        if matches!(last, '.' | ',' | ';' | ':' | '!' | '?') || unbalanced('(', ')') || unbalanced('[', ']') {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            return url;
        }
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Readable byte counts.
pub fn human_size(n: i64) -> String {
    match n {
        n if n >= 1024 * 1024 => format!("{:.1} MB", n as f64 / 1_048_576.0),
        n if n >= 1024 => format!("{:.0} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// The messages of a detail, with their files.
pub async fn message_views(
    state: &WebState,
    actor: &Actor,
    messages: &[tessera_core::Message],
) -> Result<Vec<MessageView>, WebError> {
    let mut out = Vec::with_capacity(messages.len());
    for m in messages {
        let mut files = Vec::new();
        for a in &m.attachment_ids {
            if let Ok(rec) = state.desk.attachment(actor, *a).await {
                files.push(FileLink {
                    href: format!("/files/{}", rec.id),
                    name: rec.filename,
                    size: human_size(rec.size),
                    image: PREVIEWED_IMAGES.contains(&rec.content_type.as_str()),
                });
            }
        }
        let (body, quoted, html, html_quoted) = folded(m);
        out.push(MessageView {
            id: m.id.0,
            author: m.author.name.clone(),
            staff: m.author.staff,
            note: m.kind == tessera_core::MessageKind::Note,
            at: Stamp::of(m.created_at),
            body,
            quoted,
            html,
            html_quoted,
            files,
            rating: m.rating.unwrap_or(0),
            edited: m.edited_at.is_some(),
            deleted: m.deleted_at.is_some(),
            matched_by: String::new(),
            mail_out: Vec::new(),
        });
    }
    Ok(out)
}

/// A message's text and HTML as the page shows them: the new part, and the
/// quoted part to fold (issue 16). HTML is folded at its quote mark; a
/// message shown as HTML without one is shown whole. The plain text is
/// folded at the message's quote offset. Everything stays on the page.
fn folded(m: &tessera_core::Message) -> (String, Option<String>, Option<String>, Option<String>) {
    if let Some(h) = &m.html {
        return match tessera_desk::html::split_quoted(h) {
            Some((new, quoted)) => (m.body.clone(), None, Some(new), Some(quoted)),
            None => (m.body.clone(), None, Some(h.clone()), None),
        };
    }
    let new = tessera_core::message::new_part(&m.body, m.quote_start);
    if new.len() < m.body.len() {
        let quoted = m.body[new.len()..].trim_matches('\n');
        (new.trim_end().to_string(), Some(quoted.to_string()), None, None)
    } else {
        (m.body.clone(), None, None, None)
    }
}

/// Uploads the form's files; a refused one becomes a message on `field`.
pub async fn upload_files(
    state: &WebState,
    actor: &Actor,
    i: &I18n,
    files: &[(String, Vec<u8>)],
    errors: &mut FormErrors,
) -> Vec<AttachmentId> {
    let limits = state.desk.limits();
    if files.len() > limits.max_attachments_per_message {
        errors.add("attachments", i.t1("err.too_many_files", limits.max_attachments_per_message));
        return vec![];
    }
    let mut ids = Vec::new();
    for (name, bytes) in files {
        match state.desk.upload(actor, name, bytes.clone()).await {
            Ok(a) => ids.push(a.id),
            Err(DeskError::TooLarge(_)) => {
                errors.add(
                    "attachments",
                    i.t2(
                        "err.file_too_large",
                        name,
                        human_size(i64::try_from(limits.max_attachment_bytes).unwrap_or(i64::MAX)),
                    ),
                );
            }
            Err(e) => {
                let (_, m) = desk_message(i, &e);
                errors.add("attachments", m);
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::linkify;

    const REL: &str = r#"rel="noopener noreferrer nofollow""#;

    #[test]
    fn addresses_become_links_and_the_rest_is_escaped() {
        assert_eq!(
            linkify("See https://example.com/a?b=1&c=2. <b>ok</b>"),
            format!(
                r#"See <a href="https://example.com/a?b=1&amp;c=2" {REL}>https://example.com/a?b=1&amp;c=2</a>. &lt;b&gt;ok&lt;/b&gt;"#
            )
        );
        assert_eq!(
            linkify("(mailto:help@example.com)"),
            format!(r#"(<a href="mailto:help@example.com" {REL}>mailto:help@example.com</a>)"#)
        );
        assert_eq!(
            linkify("HTTP://EN.wikipedia.org/wiki/Rust_(language), then"),
            format!(
                r#"<a href="HTTP://EN.wikipedia.org/wiki/Rust_(language)" {REL}>HTTP://EN.wikipedia.org/wiki/Rust_(language)</a>, then"#
            )
        );
    }

    #[test]
    fn nothing_else_is_a_link() {
        for text in
            ["javascript:alert(1)", "data:text/html,<script>", "http://", "xhttp://a", "ftp://a", "a\"onmouseover=\"x"]
        {
            assert!(!linkify(text).contains("<a "), "{text}");
        }
        // An address cannot leave its attribute.
        let out = linkify(r#"http://a.example/"onclick="x"#);
        assert!(out.starts_with(&format!(r#"<a href="http://a.example/" {REL}>"#)), "{out}");
        assert_eq!(
            linkify("javascript:http://a.example"),
            format!(r#"javascript:<a href="http://a.example" {REL}>http://a.example</a>"#)
        );
    }
}
