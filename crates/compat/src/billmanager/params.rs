//! A call's parameters: the query string and, for a POST, the
//! form-encoded body (whose values win), read strictly into typed values
//! with BILLmanager's errors for what is missing or malformed.

use super::error::BmError;
use tessera_core::ticket::Priority;

/// The longest parameter value we read (longer ones are refused, not cut).
const MAX_VALUE_BYTES: usize = 256 * 1024 + 1024;

/// The parameters of one call.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Parameters from a query string and a form body (body values win).
    pub fn parse(query: Option<&str>, body: &[u8]) -> Result<Self, BmError> {
        let mut pairs: Vec<(String, String)> = match query {
            Some(q) => serde_urlencoded::from_str(q)
                .map_err(|_| BmError::value("", "The query string is not valid form encoding"))?,
            None => Vec::new(),
        };
        if !body.is_empty() {
            let more: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
                .map_err(|_| BmError::value("", "The request body is not valid form encoding"))?;
            pairs.extend(more);
        }
        if let Some((k, _)) = pairs.iter().find(|(_, v)| v.len() > MAX_VALUE_BYTES) {
            return Err(BmError::value(k, format!("The value of '{k}' is too long")));
        }
        Ok(Self { pairs })
    }

    /// A parameter as sent (the last occurrence), empty or not.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A parameter that is present and not blank.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.raw(name).filter(|v| !v.trim().is_empty())
    }

    /// A required parameter.
    pub fn required(&self, name: &str) -> Result<&str, BmError> {
        self.get(name).ok_or_else(|| BmError::missed(name))
    }

    /// `sok` is set (a write, not a view).
    pub fn sok(&self) -> bool {
        self.get("sok").is_some()
    }

    /// An optional positive id.
    pub fn id(&self, name: &str) -> Result<Option<i64>, BmError> {
        self.get(name).map(|v| positive_id(name, v)).transpose()
    }

    /// An optional priority (1–4).
    pub fn priority(&self, name: &str) -> Result<Option<Priority>, BmError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => crate::common::priority_from_number(v)
                .map(Some)
                .ok_or_else(|| BmError::value(name, format!("The value of '{name}' must be 1, 2, 3 or 4"))),
        }
    }

    /// An optional on/off switch.
    pub fn on_off(&self, name: &str) -> Result<Option<bool>, BmError> {
        match self.get(name).map(str::trim) {
            None => Ok(None),
            Some("on") => Ok(Some(true)),
            Some("off") => Ok(Some(false)),
            Some(_) => Err(BmError::value(name, format!("The value of '{name}' must be 'on' or 'off'"))),
        }
    }
}

/// A positive id written in decimal.
pub fn positive_id(name: &str, value: &str) -> Result<i64, BmError> {
    match value.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(BmError::value(name, format!("The value of '{name}' must be a positive whole number"))),
    }
}

/// An `elid` list: one id or several separated by `", "` (a bare `,` is
/// accepted too); duplicates are dropped, the order kept.
pub fn id_list(name: &str, value: &str) -> Result<Vec<i64>, BmError> {
    let mut ids = Vec::new();
    for part in value.split(',') {
        let id = positive_id(name, part)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > 100 {
        return Err(BmError::value(name, format!("At most 100 ids may be given in '{name}'")));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn body_wins_over_query_and_blank_is_absent() {
        let p = Params::parse(Some("func=clientticket&out=xml&name=%20"), b"out=json&message=%C4%B0%C5%9F").unwrap();
        assert_eq!(p.get("out"), Some("json"));
        assert_eq!(p.get("func"), Some("clientticket"));
        assert_eq!(p.get("message"), Some("İş"));
        assert_eq!(p.get("name"), None);
        assert_eq!(p.raw("name"), Some(" "));
        assert_eq!(p.required("name").unwrap_err().kind, "missed");
    }

    #[test]
    fn ids_and_lists_are_strict() {
        assert_eq!(id_list("elid", "3, 5,3 ,7").unwrap(), vec![3, 5, 7]);
        assert_eq!(id_list("elid", "3, x").unwrap_err().object, "elid");
        assert!(id_list("elid", "").is_err());
        assert!(id_list("elid", "0").is_err());
        assert!(id_list("elid", "-4").is_err());
        assert!(positive_id("elid", "12abc").is_err());
        let p = Params::parse(Some("priority=5&client_priority=4&archived=yes"), b"").unwrap();
        assert_eq!(p.priority("priority").unwrap_err().object, "priority");
        assert_eq!(p.priority("client_priority").unwrap(), Some(Priority::Urgent));
        assert!(p.on_off("archived").is_err());
    }
}
