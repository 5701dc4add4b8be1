//! The request's parameters: read from a form (or multipart) body, then
//! typed one by one with WHMCS's own refusals.

use super::answer::WhmcsError;
use super::php::{Scalar, unserialize_array};
use base64::Engine;
use std::collections::HashMap;

/// The fields of one request (a repeated name keeps its last value, as PHP does).
#[derive(Debug, Default, Clone)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    /// From `name=value` pairs; a name given twice keeps its later value.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self(pairs.into_iter().collect())
    }

    /// A field's text, `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|s| !s.trim().is_empty())
    }

    /// A field's raw text (blank kept), `None` when absent.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A positive integer id, `None` when absent, blank or `0` (WHMCS's "none").
    pub fn id(&self, name: &str) -> Result<Option<i64>, WhmcsError> {
        match self.text(name) {
            None => Ok(None),
            Some(t) => match t.trim().parse::<i64>() {
                Ok(0) => Ok(None),
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(WhmcsError::bad(format!("Invalid {name}: expected a positive whole number"))),
            },
        }
    }

    /// A non-negative integer, `default` when absent.
    pub fn count(&self, name: &str, default: u32) -> Result<u32, WhmcsError> {
        match self.text(name) {
            None => Ok(default),
            Some(t) => t
                .trim()
                .parse::<u32>()
                .map_err(|_| WhmcsError::bad(format!("Invalid {name}: expected a whole number of 0 or more"))),
        }
    }

    /// A boolean as PHP forms send them (`1`, `true`, `on`, `yes`; `0`,
    /// `false`, `off`, `no`, blank); anything else is refused.
    pub fn flag(&self, name: &str) -> Result<bool, WhmcsError> {
        match self.raw(name).map(|s| s.trim().to_ascii_lowercase()) {
            None => Ok(false),
            Some(s) => match s.as_str() {
                "1" | "true" | "on" | "yes" => Ok(true),
                "0" | "false" | "off" | "no" | "" => Ok(false),
                _ => Err(WhmcsError::bad(format!("Invalid {name}: expected true or false"))),
            },
        }
    }

    /// `customfields`: base64 of a PHP-serialised array of field id → value.
    pub fn custom_fields(&self) -> Result<Vec<(i64, String)>, WhmcsError> {
        let Some(text) = self.text("customfields") else { return Ok(Vec::new()) };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|_| WhmcsError::bad("Invalid customfields: not base64"))?;
        let pairs = unserialize_array(&bytes).map_err(|e| WhmcsError::bad(format!("Invalid customfields: {e}")))?;
        pairs
            .into_iter()
            .map(|(k, v)| {
                let id = match k {
                    Scalar::Int(i) => i,
                    Scalar::Str(s) => s
                        .trim()
                        .parse::<i64>()
                        .map_err(|_| WhmcsError::bad(format!("Invalid customfields: {s:?} is not a field id")))?,
                };
                Ok((id, v.into_text()))
            })
            .collect()
    }

    /// `attachments`: base64 of a JSON array of `{"name", "data"}`, `data`
    /// itself base64 of the file.
    pub fn attachments(&self) -> Result<Vec<(String, Vec<u8>)>, WhmcsError> {
        let Some(text) = self.text("attachments") else { return Ok(Vec::new()) };
        let engine = base64::engine::general_purpose::STANDARD;
        let bad = |why: &str| WhmcsError::bad(format!("Invalid attachments: {why}"));
        let json = engine.decode(text.trim()).map_err(|_| bad("not base64"))?;
        let list: Vec<serde_json::Value> = serde_json::from_slice(&json).map_err(|_| bad("not a JSON array"))?;
        let mut out = Vec::with_capacity(list.len());
        for (i, item) in list.iter().enumerate() {
            let name = item.get("name").and_then(|v| v.as_str()).filter(|s| !s.trim().is_empty());
            let data = item.get("data").and_then(|v| v.as_str());
            let (Some(name), Some(data)) = (name, data) else {
                return Err(bad(&format!("item {i} needs a \"name\" and a \"data\" text")));
            };
            let bytes =
                engine.decode(data.trim()).map_err(|_| bad(&format!("the data of item {i} ({name}) is not base64")))?;
            out.push((name.to_string(), bytes));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn ids_and_flags_are_typed() {
        let q = p(&[("ticketid", "12"), ("deptid", "abc"), ("zero", "0"), ("admin", "true"), ("x", "maybe")]);
        assert_eq!(q.id("ticketid").unwrap(), Some(12));
        assert!(q.id("deptid").is_err());
        assert_eq!(q.id("zero").unwrap(), None);
        assert_eq!(q.id("missing").unwrap(), None);
        assert!(q.flag("admin").unwrap());
        assert!(q.flag("x").is_err());
        assert!(!q.flag("missing").unwrap());
    }

    #[test]
    fn custom_fields_and_attachments_decode_strictly() {
        let e = base64::engine::general_purpose::STANDARD;
        let cf = e.encode(br#"a:1:{i:4;s:4:"Evet";}"#);
        assert_eq!(p(&[("customfields", &cf)]).custom_fields().unwrap(), vec![(4, "Evet".to_string())]);
        assert!(p(&[("customfields", "%%%")]).custom_fields().is_err());
        assert!(p(&[("customfields", &e.encode("a:1:{i:4;s:9:\"Evet\";}"))]).custom_fields().is_err());
        let att = e.encode(format!(r#"[{{"name":"a.txt","data":"{}"}}]"#, e.encode("hi")));
        assert_eq!(p(&[("attachments", &att)]).attachments().unwrap(), vec![("a.txt".into(), b"hi".to_vec())]);
        assert!(p(&[("attachments", &e.encode(r#"[{"name":"a.txt","data":"***"}]"#))]).attachments().is_err());
        assert!(p(&[("attachments", &e.encode(r#"{"name":"a.txt"}"#))]).attachments().is_err());
    }
}
