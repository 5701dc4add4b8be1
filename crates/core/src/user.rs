//! People and the organizations that group customers.

use crate::email::Email;
use crate::ids::{OrganizationId, UserId};
use crate::permission::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A person who uses Tessera.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Row id.
    pub id: UserId,
    /// Unique without regard to case.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// What the person may do.
    pub role: Role,
    /// The organization the user belongs to, if any.
    pub organization_id: Option<OrganizationId>,
    /// This member sees all of the organization's tickets, not only their own.
    pub sees_all: bool,
    /// PHC string of the Argon2id hash; `None` for customers created from an
    /// e-mail, who reach their tickets by link or access key.
    #[serde(skip)]
    pub password_hash: Option<String>,
    /// Preferred language (`en`, `tr`, `zh`, `ru`).
    pub locale: String,
    /// IANA time zone dates are shown in (`Europe/Istanbul`), `UTC` by default.
    pub time_zone: String,
    /// A disabled user cannot sign in and their tokens stop working.
    pub disabled: bool,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// A customer organization (a billing client with several contacts).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    /// Row id.
    pub id: OrganizationId,
    /// Display name, unique.
    pub name: String,
    /// The billing system's id for it, if it is mirrored from one.
    pub external_id: Option<String>,
    /// Free-form notes for agents.
    pub notes: String,
    /// Mail domains whose unknown senders join it when mail makes them
    /// customers (`acme.com`), lower case. Set by admins only: it gives
    /// reach.
    #[serde(default)]
    pub email_domains: Vec<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// Checks a display name: not blank, at most 200 characters.
pub fn validate_name(field: &str, name: &str) -> Result<String, crate::DomainError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(crate::DomainError::invalid(field, "required", format!("{field} must not be empty")));
    }
    if n.chars().count() > 200 {
        return Err(crate::DomainError::invalid(field, "too_long", format!("{field} is longer than 200 characters")));
    }
    Ok(n.to_string())
}

/// Checks an IANA time zone name (`UTC`, `Europe/Istanbul`,
/// `America/Argentina/Buenos_Aires`, `Etc/GMT+3`) against the zone database
/// the server applies zones with (chrono-tz): a name that is well formed
/// but unknown (`Mars/Olympus_Mons`) is refused, as a misspelt one is.
/// Returns the database's spelling of the name.
pub fn validate_time_zone(tz: &str) -> Result<String, crate::DomainError> {
    match tz.trim().parse::<chrono_tz::Tz>() {
        Ok(zone) if !tz.trim().is_empty() => Ok(zone.name().to_string()),
        _ => Err(crate::DomainError::invalid(
            "time_zone",
            "invalid_time_zone",
            "time_zone must be a known IANA time zone, like Europe/Istanbul",
        )),
    }
}

/// The languages the product ships message catalogs for.
pub const LOCALES: [&str; 4] = ["en", "tr", "zh", "ru"];

/// Checks a locale code against [`LOCALES`].
pub fn validate_locale(locale: &str) -> Result<String, crate::DomainError> {
    if LOCALES.contains(&locale) {
        Ok(locale.to_string())
    } else {
        Err(crate::DomainError::invalid(
            "locale",
            "invalid_option",
            format!("locale must be one of {}", LOCALES.join(", ")),
        ))
    }
}
