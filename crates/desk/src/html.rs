//! Sanitising HTML before it is stored: messages keep only harmless markup.

/// Cleans `html` with a conservative allow-list (text formatting, lists,
/// links, tables, quotes, code; no scripts, styles, forms, frames or
/// event attributes). Links get `rel="noopener noreferrer nofollow"`.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .clean(html)
        .to_string()
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
}
