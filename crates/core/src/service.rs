//! Services a customer bought, usually mirrored from a billing system.

use crate::ids::{ServiceId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of thing was bought; dialects write services `S<id>` and domains `D<id>`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// A hosting product, server or licence.
    Service,
    /// A domain name.
    Domain,
    /// Anything else.
    Other,
}

impl ServiceKind {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Domain => "domain",
            Self::Other => "other",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "service" => Some(Self::Service),
            "domain" => Some(Self::Domain),
            "other" => Some(Self::Other),
            _ => None,
        }
    }
}

/// The billing state of a service (WHMCS's list).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceStatus {
    /// Ordered, not yet provisioned.
    Pending,
    /// In use.
    #[default]
    Active,
    /// Suspended (unpaid, abuse).
    Suspended,
    /// Ended by the provider.
    Terminated,
    /// Ended by the customer.
    Cancelled,
    /// Marked fraudulent.
    Fraud,
    /// A one-off service that is done.
    Completed,
}

impl ServiceStatus {
    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Terminated => "terminated",
            Self::Cancelled => "cancelled",
            Self::Fraud => "fraud",
            Self::Completed => "completed",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Active, Self::Suspended, Self::Terminated, Self::Cancelled, Self::Fraud, Self::Completed]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// One service.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Service {
    /// Row id.
    pub id: ServiceId,
    /// Service, domain or other.
    pub kind: ServiceKind,
    /// The billing system's id; unique per kind.
    pub external_id: Option<String>,
    /// What customers and agents see ("VPS 4 GB — web01", "example.com").
    pub label: String,
    /// The customer who owns it.
    pub owner_id: UserId,
    /// Billing state.
    pub status: ServiceStatus,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}
