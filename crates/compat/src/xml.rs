//! A small XML writer for the dialects that answer in XML (WHMCS,
//! BILLmanager). Answers are small trees written once, so a writer over a
//! `String` is all they need; what matters is that any text (Turkish,
//! Chinese, a pasted control character) yields a document a standard
//! parser accepts.

/// Writes an XML document element by element.
#[derive(Debug, Default)]
pub struct XmlWriter {
    out: String,
    open: Vec<String>,
}

impl XmlWriter {
    /// A document with the `<?xml version="1.0" encoding="utf-8"?>` declaration.
    pub fn document() -> Self {
        Self { out: "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n".into(), open: Vec::new() }
    }

    /// Opens `<name attr="value" …>`.
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push('>');
        self.open.push(name.to_string());
        self
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            self.out.push_str("</");
            self.out.push_str(&name);
            self.out.push('>');
        }
        self
    }

    /// `<name>text</name>`.
    pub fn text(&mut self, name: &str, text: &str) -> &mut Self {
        self.start_tag(name, &[]);
        self.out.push('>');
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name attr="value" …/>`.
    pub fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str("/>");
        self
    }

    /// The document, with every element still open closed.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            self.out.push_str(&escape(v));
            self.out.push('"');
        }
    }
}

/// Escapes text for element content and attribute values, and drops the
/// characters XML 1.0 forbids (control characters other than tab, line
/// feed and carriage return; U+FFFE and U+FFFF), which would make the
/// whole answer unreadable to a parser.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Whether `name` can be an element name as the dialects use them (ASCII
/// letters, digits, `_`, `-`, `.`, not starting with a digit, `-` or `.`).
/// Keys that come from data (custom field names) are checked with it
/// before they become element names.
pub fn is_element_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.to_ascii_lowercase().starts_with("xml")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_forbidden_characters_dropped() {
        let mut w = XmlWriter::document();
        w.open("whmcsapi", &[]).text("message", "a<b & \"c\" 'd'\u{1}\u{7}İş 退款\r\n").empty("ok", &[("x", "1<2")]);
        let doc = w.finish();
        assert_eq!(
            doc,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<whmcsapi><message>a&lt;b &amp; &quot;c&quot; &apos;d&apos;İş 退款&#13;\n</message><ok x=\"1&lt;2\"/></whmcsapi>"
        );
    }

    #[test]
    fn element_names_from_data_are_checked() {
        assert!(is_element_name("ticket"));
        assert!(is_element_name("field_12"));
        assert!(!is_element_name("12"));
        assert!(!is_element_name("a b"));
        assert!(!is_element_name("xmlns"));
        assert!(!is_element_name(""));
        assert!(!is_element_name("şehir"));
    }
}
