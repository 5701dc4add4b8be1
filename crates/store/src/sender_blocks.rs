//! The blocked-senders list: addresses and whole domains whose mail is
//! refused, installation-wide or in one department. WHMCS's
//! `BlockTicketSender` and an admin's list share it.

use serde::Serialize;
use tessera_core::Timestamp;
use tessera_core::ids::{DepartmentId, SenderBlockId, UserId};

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SenderBlock {
    /// Its id.
    pub id: SenderBlockId,
    /// `someone@example.com` (one address) or `@example.com` (every
    /// address of the domain), lower case.
    pub pattern: String,
    /// The department whose mail it refuses; none: every department's.
    pub department_id: Option<DepartmentId>,
    /// Why, in the words of whoever added it.
    pub note: String,
    /// Who added it.
    pub created_by: Option<UserId>,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
}

/// An entry before it is stored (validated by the desk).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSenderBlock {
    /// See [`SenderBlock::pattern`].
    pub pattern: String,
    /// See [`SenderBlock::department_id`].
    pub department_id: Option<DepartmentId>,
    /// See [`SenderBlock::note`].
    pub note: String,
    /// See [`SenderBlock::created_by`].
    pub created_by: Option<UserId>,
    /// See [`SenderBlock::created_at`].
    pub created_at: Timestamp,
}

/// The patterns an address is blocked by: itself and its domain.
pub fn patterns_of(address: &str) -> [String; 2] {
    let lower = address.trim().to_lowercase();
    let domain = lower.rsplit_once('@').map(|(_, d)| format!("@{d}")).unwrap_or_default();
    [lower, domain]
}
