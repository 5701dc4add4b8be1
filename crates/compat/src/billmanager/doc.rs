//! BILLmanager's answer documents: one tree written either as XML
//! (`<doc><elem><id>12</id>…</elem></doc>`) or as its JSON mirror
//! (`{"doc":{"elem":[{"id":{"$":"12"}}]}}`), where an element's text is
//! under `"$"`, its attributes under `"$<name>"`, and `elem` rows are
//! always an array.

use crate::xml::escape;
use serde_json::{Map, Value};

/// The output format a caller asked for with `out=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Out {
    /// `out=xml`, or no `out` (the original's default).
    Xml,
    /// `out=json`.
    Json,
}

impl Out {
    /// The format named by `out`; `None` for a name we do not write.
    pub fn parse(out: Option<&str>) -> Option<Self> {
        match out.map(str::trim) {
            None | Some("" | "xml") => Some(Self::Xml),
            Some("json") => Some(Self::Json),
            Some(_) => None,
        }
    }

    /// The answer's `Content-Type`.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Xml => "text/xml; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }
}

/// One element of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elem {
    /// Its name (fixed by the dialect, never taken from data).
    pub name: &'static str,
    /// Attributes, in order.
    pub attrs: Vec<(&'static str, String)>,
    /// Its text, if it has one.
    pub text: Option<String>,
    /// Child elements, in order.
    pub children: Vec<Elem>,
}

impl Elem {
    /// An element without text or children (`<ok/>`, `{}`).
    pub fn empty(name: &'static str) -> Self {
        Self { name, attrs: Vec::new(), text: None, children: Vec::new() }
    }

    /// `<name>text</name>`, `{"$":"text"}`.
    pub fn value(name: &'static str, text: impl Into<String>) -> Self {
        Self { text: Some(text.into()), ..Self::empty(name) }
    }

    /// Adds an attribute.
    pub fn attr(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.attrs.push((name, value.into()));
        self
    }

    /// Adds a child.
    pub fn child(mut self, child: Elem) -> Self {
        self.children.push(child);
        self
    }

    /// An `elem` row of columns.
    pub fn row(columns: Vec<(&'static str, String)>) -> Self {
        let mut e = Self::empty("elem");
        e.children = columns.into_iter().map(|(k, v)| Elem::value(k, v)).collect();
        e
    }
}

/// A whole answer: the `doc` element, and whether it is a list (a list
/// has an `elem` array in JSON even when it holds no rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// The root `doc` element.
    pub root: Elem,
    /// The answer is a list.
    pub list: bool,
}

impl Doc {
    /// A document of fields.
    pub fn new(children: Vec<Elem>) -> Self {
        Self { root: Elem { children, ..Elem::empty("doc") }, list: false }
    }

    /// A list document of rows (and possibly other fields before them).
    pub fn list(children: Vec<Elem>) -> Self {
        Self { list: true, ..Self::new(children) }
    }

    /// A successful write: `<doc><ok/><id>12</id></doc>`.
    pub fn ok(id: Option<String>) -> Self {
        let mut children = vec![Elem::empty("ok")];
        if let Some(id) = id {
            children.push(Elem::value("id", id));
        }
        Self::new(children)
    }

    /// The document in the asked format.
    pub fn render(&self, out: Out) -> String {
        match out {
            Out::Json => {
                let mut root = json_of(&self.root);
                if self.list
                    && let Value::Object(map) = &mut root
                {
                    map.entry("elem").or_insert_with(|| Value::Array(Vec::new()));
                }
                let mut doc = Map::new();
                doc.insert("doc".into(), root);
                Value::Object(doc).to_string()
            }
            Out::Xml => {
                let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
                write_xml(&self.root, &mut s);
                s
            }
        }
    }
}

/// The JSON mirror of an element.
fn json_of(e: &Elem) -> Value {
    let mut map = Map::new();
    for (k, v) in &e.attrs {
        map.insert(format!("${k}"), Value::String(v.clone()));
    }
    if let Some(t) = &e.text {
        map.insert("$".into(), Value::String(t.clone()));
    }
    for child in &e.children {
        let many = child.name == "elem" || e.children.iter().filter(|c| c.name == child.name).count() > 1;
        let value = json_of(child);
        if many {
            match map.entry(child.name).or_insert_with(|| Value::Array(Vec::new())) {
                Value::Array(items) => items.push(value),
                other => *other = Value::Array(vec![value]),
            }
        } else {
            map.insert(child.name.into(), value);
        }
    }
    Value::Object(map)
}

/// Writes an element as XML.
fn write_xml(e: &Elem, out: &mut String) {
    out.push('<');
    out.push_str(e.name);
    for (k, v) in &e.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        out.push_str(&escape(v));
        out.push('"');
    }
    if e.text.is_none() && e.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    if let Some(t) = &e.text {
        out.push_str(&escape(t));
    }
    for c in &e.children {
        write_xml(c, out);
    }
    out.push_str("</");
    out.push_str(e.name);
    out.push('>');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn lists_are_arrays_even_with_one_row_or_none() {
        let one = Doc::list(vec![Elem::row(vec![("id", "12".into()), ("name", "Ödeme 退款".into())])]);
        let v: Value = serde_json::from_str(&one.render(Out::Json)).unwrap();
        assert_eq!(v, serde_json::json!({"doc":{"elem":[{"id":{"$":"12"},"name":{"$":"Ödeme 退款"}}]}}));
        assert_eq!(
            one.render(Out::Xml),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc><elem><id>12</id><name>Ödeme 退款</name></elem></doc>"
        );
        let none = Doc::list(vec![]);
        assert_eq!(none.render(Out::Json), r#"{"doc":{"elem":[]}}"#);
        assert_eq!(none.render(Out::Xml), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<doc/>");
    }

    #[test]
    fn writes_ok_auth_and_attributes() {
        let v: Value = serde_json::from_str(&Doc::ok(Some("7".into())).render(Out::Json)).unwrap();
        assert_eq!(v, serde_json::json!({"doc":{"ok":{},"id":{"$":"7"}}}));
        assert_eq!(Doc::ok(Some("7".into())).render(Out::Xml).lines().nth(1), Some("<doc><ok/><id>7</id></doc>"));
        let auth = Doc::new(vec![Elem::value("auth", "s1").attr("id", "s1")]);
        let v: Value = serde_json::from_str(&auth.render(Out::Json)).unwrap();
        assert_eq!(v, serde_json::json!({"doc":{"auth":{"$id":"s1","$":"s1"}}}));
        assert_eq!(auth.render(Out::Xml).lines().nth(1), Some(r#"<doc><auth id="s1">s1</auth></doc>"#));
    }

    #[test]
    fn text_is_escaped() {
        let d = Doc::new(vec![Elem::value("name", "a<b & \"c\"\u{1}")]);
        assert_eq!(d.render(Out::Xml).lines().nth(1), Some("<doc><name>a&lt;b &amp; &quot;c&quot;</name></doc>"));
        let v: Value = serde_json::from_str(&d.render(Out::Json)).unwrap();
        assert_eq!(v["doc"]["name"]["$"], "a<b & \"c\"\u{1}");
    }

    #[test]
    fn formats() {
        assert_eq!(Out::parse(None), Some(Out::Xml));
        assert_eq!(Out::parse(Some("json")), Some(Out::Json));
        assert_eq!(Out::parse(Some("xml")), Some(Out::Xml));
        assert_eq!(Out::parse(Some("yaml")), None);
    }
}
