//! Sanitising HTML before it is stored: messages keep only harmless markup.
//!
//! Quoted history in HTML mail (issue 16): the mail path puts
//! [`QUOTE_MARK`] in front of the first quote container a mail client wrote
//! ([`mark_quote`]); the sanitiser keeps that one class on `<hr>` and
//! nothing else of the container's markup; pages cut the stored HTML there
//! ([`split_quoted`]), sanitising each half again so both are balanced, and
//! show the second half folded. Nothing is removed from the stored HTML,
//! and a reader without the fold sees a horizontal rule above the quote.

/// The element the mail path puts where the quoted part of an HTML mail
/// begins, exactly as the sanitiser writes it back.
pub const QUOTE_MARK: &str = r#"<hr class="tessera-quote">"#;

/// Cleans `html` with a conservative allow-list (text formatting, lists,
/// links, tables, quotes, code; no scripts, styles, forms, frames or
/// event attributes). Links get `rel="noopener noreferrer nofollow"`.
/// The only class kept is [`QUOTE_MARK`]'s, on `<hr>`.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .add_allowed_classes("hr", &["tessera-quote"])
        .clean(html)
        .to_string()
}

/// `html` with [`QUOTE_MARK`] put at byte offset `at` (where a mail
/// client's quote container opens); unchanged when `at` is not the start
/// of a tag inside the HTML (never a panic on a bad offset).
pub fn mark_quote(html: &str, at: Option<usize>) -> String {
    match at {
        Some(at) if at > 0 && html.get(at..).is_some_and(|rest| rest.starts_with('<')) => {
            let mut out = String::with_capacity(html.len() + QUOTE_MARK.len());
            out.push_str(&html[..at]);
            out.push_str(QUOTE_MARK);
            out.push_str(&html[at..]);
            out
        }
        _ => html.to_string(),
    }
}

/// Stored HTML cut at its first [`QUOTE_MARK`] into what is new and what
/// is quoted, each sanitised again (so each is balanced markup fit to be
/// placed on a page on its own); none when there is no mark or either side
/// would be empty.
pub fn split_quoted(html: &str) -> Option<(String, String)> {
    let at = html.find(QUOTE_MARK)?;
    let new = sanitize(&html[..at]);
    let quoted = sanitize(&html[at + QUOTE_MARK.len()..]);
    (!visible_text_is_blank(&new) && !visible_text_is_blank(&quoted)).then_some((new, quoted))
}

/// Whether sanitised HTML shows no text (only tags, entities for spaces).
fn visible_text_is_blank(html: &str) -> bool {
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && !c.is_whitespace() => return false,
            _ => {}
        }
    }
    true
}

/// Sanitises optional HTML; blank HTML becomes none.
pub fn sanitize_opt(html: Option<&str>) -> Option<String> {
    html.map(sanitize).filter(|h| !h.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_go_text_stays() {
        let out = sanitize(
            r#"<p onclick="x()">Merhaba <b>dünya</b><script>alert(1)</script><a href="javascript:alert(1)">x</a></p>"#,
        );
        assert!(!out.contains("script"));
        assert!(!out.contains("onclick"));
        assert!(!out.contains("javascript"));
        assert!(out.contains("<b>dünya</b>"));
    }

    #[test]
    fn the_quote_mark_survives_and_splits_into_balanced_halves() {
        assert_eq!(sanitize(QUOTE_MARK), QUOTE_MARK);
        assert!(!sanitize(r#"<hr class="evil tessera-quote"><p class="x">a</p>"#).contains("evil"));
        let raw = r#"<div dir="ltr"><p>Yeni cevap</p><div class="gmail_quote"><p>On Mon wrote:</p><blockquote>eski</blockquote></div></div>"#;
        let at = raw.find(r#"<div class="gmail_quote">"#);
        let stored = sanitize(&mark_quote(raw, at));
        assert!(stored.contains(QUOTE_MARK), "{stored}");
        let (new, quoted) = split_quoted(&stored).expect("split");
        assert!(new.contains("Yeni cevap") && !new.contains("eski"), "{new}");
        assert!(quoted.contains("eski") && !quoted.contains("Yeni"), "{quoted}");
        assert_eq!(new.matches("<div").count(), new.matches("</div>").count());
        assert_eq!(quoted.matches("<div").count(), quoted.matches("</div>").count());
        // Bad offsets leave the HTML as it was.
        for bad in [None, Some(0), Some(3), Some(raw.len()), Some(raw.len() + 5)] {
            assert_eq!(mark_quote(raw, bad), raw);
        }
        assert_eq!(mark_quote("<p>ş</p>", Some(4)), "<p>ş</p>", "inside a character");
        assert_eq!(split_quoted("<p>no mark</p>"), None);
        assert_eq!(split_quoted(&format!("<p> </p>{QUOTE_MARK}<p>only quote</p>")), None);
    }
}
