//! Saved views (seed 004's ticket views).

use tessera_core::Timestamp;
use tessera_core::ids::{DepartmentId, UserId, ViewId};
use tessera_core::view::{Conditions, ViewSort};

/// A view as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewRecord {
    /// Row id.
    pub id: ViewId,
    /// Its title.
    pub title: String,
    /// What it is for.
    pub description: String,
    /// The agent it belongs to (personal), or `None` (shared).
    pub owner_id: Option<UserId>,
    /// A shared view limited to these departments' members; empty: everyone.
    pub department_ids: Vec<DepartmentId>,
    /// Shown in the console.
    pub active: bool,
    /// Place in the list (lower first).
    pub position: i64,
    /// Which tickets.
    pub conditions: Conditions,
    /// Columns shown.
    pub columns: Vec<String>,
    /// Order.
    pub sort: ViewSort,
    /// The name of an installed default view (its title comes from the
    /// catalogs until someone renames it).
    pub default_key: Option<String>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}
