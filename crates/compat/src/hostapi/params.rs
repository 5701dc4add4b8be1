//! The parameters of a hosting REST request: a JSON object or a form body,
//! read into one map, and the typed readings the endpoints need.

use serde_json::{Map, Value};

/// Why a body or a parameter could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// The body is neither a JSON object nor a form.
    #[error("the body is neither a JSON object nor a form")]
    BadBody,
    /// A required parameter is absent or empty.
    #[error("{0} is required")]
    Missing(&'static str),
    /// A parameter has the wrong type or form.
    #[error("{0} is invalid")]
    Invalid(&'static str),
    /// `service` is not written `S<id>`.
    #[error("service must be S<id>")]
    ServiceFormat,
}

/// The parameters of a request body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params(Map<String, Value>);

impl Params {
    /// Reads a body: JSON when the content type says so (or the body starts
    /// like an object), else a form. An empty body has no parameters.
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Self, ParamError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        let looks_json = body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        if ct.contains("json") || (!ct.contains("form") && looks_json) {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => Ok(Self(m)),
                _ => Err(ParamError::BadBody),
            }
        } else {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| ParamError::BadBody)?;
            let mut m = Map::new();
            for (k, v) in pairs {
                m.insert(k, Value::String(v));
            }
            Ok(Self(m))
        }
    }

    /// A text parameter (strings as they are, numbers written out);
    /// `None` when absent, null or blank.
    pub fn text(&self, name: &'static str) -> Result<Option<String>, ParamError> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(ParamError::Invalid(name)),
        }
    }

    /// A required text parameter.
    pub fn required_text(&self, name: &'static str) -> Result<String, ParamError> {
        self.text(name)?.ok_or(ParamError::Missing(name))
    }

    /// A required positive integer (a JSON number or digits).
    pub fn required_id(&self, name: &'static str) -> Result<i64, ParamError> {
        let raw = match self.0.get(name) {
            None | Some(Value::Null) => return Err(ParamError::Missing(name)),
            Some(Value::String(s)) if s.trim().is_empty() => return Err(ParamError::Missing(name)),
            Some(Value::String(s)) => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => return Err(ParamError::Invalid(name)),
        };
        parse_id(&raw).ok_or(ParamError::Invalid(name))
    }

    /// The `service` parameter: `S<id>` (case-insensitive `S`), required.
    pub fn service(&self) -> Result<i64, ParamError> {
        let raw = match self.0.get("service") {
            None | Some(Value::Null) => return Err(ParamError::Missing("service")),
            Some(Value::String(s)) if s.trim().is_empty() => return Err(ParamError::Missing("service")),
            Some(Value::String(s)) => s.trim().to_string(),
            Some(_) => return Err(ParamError::ServiceFormat),
        };
        raw.strip_prefix(['S', 's']).and_then(parse_id).ok_or(ParamError::ServiceFormat)
    }
}

/// A positive id written in digits.
pub fn parse_id(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>().ok().filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn json_and_form_bodies_read_alike() {
        let j = Params::parse(Some("application/json"), br#"{"id": 12, "reply": "Merhaba"}"#).unwrap();
        let f = Params::parse(Some("application/x-www-form-urlencoded"), b"id=12&reply=Merhaba").unwrap();
        for p in [j, f] {
            assert_eq!(p.required_id("id").unwrap(), 12);
            assert_eq!(p.required_text("reply").unwrap(), "Merhaba");
        }
    }

    #[test]
    fn bad_bodies_and_values_are_refused() {
        assert_eq!(Params::parse(Some("application/json"), b"{nope"), Err(ParamError::BadBody));
        assert_eq!(Params::parse(Some("application/json"), b"[1]"), Err(ParamError::BadBody));
        let p = Params::parse(None, br#"{"id": "12a", "title": [], "service": "952157"}"#).unwrap();
        assert_eq!(p.required_id("id"), Err(ParamError::Invalid("id")));
        assert_eq!(p.required_id("department"), Err(ParamError::Missing("department")));
        assert_eq!(p.text("title"), Err(ParamError::Invalid("title")));
        assert_eq!(p.service(), Err(ParamError::ServiceFormat));
        let p = Params::parse(None, br#"{"id": -3, "service": "S0"}"#).unwrap();
        assert_eq!(p.required_id("id"), Err(ParamError::Invalid("id")));
        assert_eq!(p.service(), Err(ParamError::ServiceFormat));
    }

    #[test]
    fn services_are_written_with_an_s() {
        let p = Params::parse(None, b"service=S952157").unwrap();
        assert_eq!(p.service().unwrap(), 952157);
        let p = Params::parse(None, br#"{"service": 952157}"#).unwrap();
        assert_eq!(p.service(), Err(ParamError::ServiceFormat));
    }
}
