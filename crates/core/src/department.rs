//! Departments: where tickets go and which agents answer them.

use crate::ids::DepartmentId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a new ticket in a department gets an assignee.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AutoAssign {
    /// Tickets wait unassigned.
    #[default]
    None,
    /// Members take turns.
    RoundRobin,
    /// The member with the fewest unsolved tickets gets it.
    LeastOpen,
}

/// A department.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Department {
    /// Row id.
    pub id: DepartmentId,
    /// Display name, unique.
    pub name: String,
    /// Shown to customers picking a department.
    pub description: String,
    /// Customers may pick it when opening a ticket.
    pub public: bool,
    /// Inbound e-mail address that files tickets here.
    pub email: Option<String>,
    /// How new tickets get an assignee.
    pub auto_assign: AutoAssign,
    /// A ticket here must link one of the customer's services.
    pub requires_service: bool,
    /// Appended to agents' e-mailed replies.
    pub signature: String,
    /// Sort position in lists.
    pub position: i64,
    /// The fourth mail threading rule (`docs/email.md`): a message from a
    /// ticket's requester whose subject, without reply prefixes, is the
    /// ticket's joins it within this many days of the ticket's last
    /// change, for mail clients that drop every header we thread by. 0
    /// (the default) leaves it off: two questions with the same subject
    /// then stay two tickets.
    #[serde(default)]
    pub mail_thread_days: u32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}
