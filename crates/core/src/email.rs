//! E-mail addresses, checked once at the boundary and compared without case.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A syntactically plausible e-mail address, kept as written but compared in
/// lower case (addresses are unique per user without regard to case).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Checks the shape of an address: one `@`, a local part and a domain, no
    /// spaces or control characters, at most 254 characters. Deliverability is
    /// the mail system's business, not ours.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        let bad =
            |why: &str| DomainError::invalid("email", "invalid_email", format!("not a valid e-mail address: {why}"));
        if s.is_empty() {
            return Err(bad("empty"));
        }
        if s.chars().count() > 254 {
            return Err(bad("longer than 254 characters"));
        }
        if s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';')) {
            return Err(bad("contains spaces or forbidden characters"));
        }
        let Some((local, domain)) = s.rsplit_once('@') else {
            return Err(bad("no @"));
        };
        if local.is_empty() || domain.is_empty() || local.contains('@') {
            return Err(bad("it must be local@domain"));
        }
        if domain.starts_with('.') || domain.ends_with('.') || domain.contains("..") {
            return Err(bad("malformed domain"));
        }
        Ok(Self(s.to_string()))
    }

    /// The address as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key addresses are compared and indexed by.
    pub fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

impl TryFrom<String> for Email {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> Self {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_and_local_addresses() {
        for ok in ["a@b.c", "Ali.Veli@Örnek.com.tr", "admin@localhost", "x+tag@mail.example.org"] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_malformed_addresses() {
        for bad in ["", "plain", "@b.c", "a@", "a b@c.d", "a@b..c", "a@.b", "<a@b.c>", "a@b@c"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn compares_without_case() {
        let a = Email::parse("Ayşe@Example.COM").unwrap();
        assert_eq!(a.normalized(), "ayşe@example.com");
        assert_eq!(a.as_str(), "Ayşe@Example.COM");
    }
}
