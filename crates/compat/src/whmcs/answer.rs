//! WHMCS's answers: `{"result":"success",…}` or
//! `{"result":"error","message":"…"}`, written as JSON or as XML
//! (`<whmcsapi>…</whmcsapi>`, a list's items as repeated elements).

use crate::xml::{XmlWriter, is_element_name};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};
use tessera_desk::DeskError;

/// The format a caller asked for with `responsetype`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `responsetype=json`.
    Json,
    /// `responsetype=xml`, or no `responsetype` (WHMCS's default).
    Xml,
}

impl Format {
    /// The format named by `responsetype` (unknown names and `nvp`, which
    /// WHMCS deprecated, fall back to XML like an absent one).
    pub fn parse(responsetype: Option<&str>) -> Self {
        match responsetype.map(|s| s.trim().to_ascii_lowercase()) {
            Some(s) if s == "json" => Self::Json,
            _ => Self::Xml,
        }
    }
}

/// A refusal in WHMCS's words, with the HTTP status it is sent with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct WhmcsError {
    /// HTTP status (403 for credentials and addresses, 404 for unknown
    /// ids, 400 for bad input, 500 for a fault of ours).
    pub status: StatusCode,
    /// WHMCS's message.
    pub message: String,
}

impl WhmcsError {
    /// Bad input (HTTP 400).
    pub fn bad(message: impl Into<String>) -> Self {
        Self { status: StatusCode::BAD_REQUEST, message: message.into() }
    }

    /// An unknown or invisible id (HTTP 404).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { status: StatusCode::NOT_FOUND, message: message.into() }
    }

    /// Credentials or address refused (HTTP 403).
    pub fn denied(message: impl Into<String>) -> Self {
        Self { status: StatusCode::FORBIDDEN, message: message.into() }
    }

    /// A desk refusal, with `not_found` as the message for anything the
    /// caller may not know exists.
    pub fn from_desk(e: DeskError, not_found: &str) -> Self {
        e.log_fault("whmcs");
        match e {
            DeskError::NotFound { .. } => Self::not_found(not_found),
            DeskError::Unauthenticated => Self::denied("Authentication Failed"),
            DeskError::Forbidden { message, .. } => Self::denied(message),
            DeskError::VersionMismatch { .. } => {
                Self { status: StatusCode::CONFLICT, message: "The ticket changed meanwhile; try again".into() }
            }
            DeskError::TooLarge(m) => Self { status: StatusCode::PAYLOAD_TOO_LARGE, message: m },
            DeskError::Internal(_) => {
                Self { status: StatusCode::INTERNAL_SERVER_ERROR, message: "Internal error".into() }
            }
            DeskError::Unavailable(_) => {
                Self { status: StatusCode::SERVICE_UNAVAILABLE, message: "Temporarily unavailable".into() }
            }
            other => Self::bad(other.to_string()),
        }
    }
}

/// A successful answer's fields (without `result`).
pub type Fields = Map<String, Value>;

/// Writes a success answer.
pub fn success(format: Format, fields: Fields) -> Response {
    let mut all = Map::new();
    all.insert("result".into(), Value::String("success".into()));
    all.extend(fields);
    write(format, StatusCode::OK, all)
}

/// Writes an error answer.
pub fn error(format: Format, e: &WhmcsError) -> Response {
    let mut all = Map::new();
    all.insert("result".into(), Value::String("error".into()));
    all.insert("message".into(), Value::String(e.message.clone()));
    write(format, e.status, all)
}

fn write(format: Format, status: StatusCode, all: Map<String, Value>) -> Response {
    match format {
        Format::Json => {
            let body = Value::Object(all).to_string();
            (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
        }
        Format::Xml => (status, [(header::CONTENT_TYPE, "text/xml; charset=utf-8")], to_xml(&all)).into_response(),
    }
}

/// The XML form: `<whmcsapi>` holding one element per field, `result`
/// first; an array under a key becomes that element repeated.
pub fn to_xml(all: &Map<String, Value>) -> String {
    let mut w = XmlWriter::document();
    w.open("whmcsapi", &[]);
    if let Some(r) = all.get("result") {
        element(&mut w, "result", r);
    }
    for (k, v) in all.iter().filter(|(k, _)| k.as_str() != "result") {
        element(&mut w, k, v);
    }
    w.finish()
}

fn element(w: &mut XmlWriter, name: &str, v: &Value) {
    // Keys come from code, but keep the document valid whatever they are.
    let name = if is_element_name(name) { name } else { "item" };
    match v {
        Value::Array(items) => {
            for item in items {
                element(w, name, item);
            }
        }
        Value::Object(map) => {
            w.open(name, &[]);
            for (k, v) in map {
                element(w, k, v);
            }
            w.close();
        }
        Value::Null => {
            w.text(name, "");
        }
        Value::String(s) => {
            w.text(name, s);
        }
        Value::Bool(b) => {
            w.text(name, if *b { "true" } else { "false" });
        }
        Value::Number(n) => {
            w.text(name, &n.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_become_repeated_elements_and_result_comes_first() {
        let Value::Object(all) = json!({
            "totalresults": "2",
            "result": "success",
            "tickets": {"ticket": [{"id": "1", "subject": "İş <b>"}, {"id": "2", "subject": "退款"}]},
        }) else {
            unreachable!()
        };
        let xml = to_xml(&all);
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<whmcsapi><result>success</result><tickets>\
             <ticket><id>1</id><subject>İş &lt;b&gt;</subject></ticket><ticket><id>2</id><subject>退款</subject>\
             </ticket></tickets><totalresults>2</totalresults></whmcsapi>"
        );
    }

    #[test]
    fn formats() {
        assert_eq!(Format::parse(Some("JSON")), Format::Json);
        assert_eq!(Format::parse(None), Format::Xml);
        assert_eq!(Format::parse(Some("nvp")), Format::Xml);
    }
}
