//! Ticket and user list queries.

use tessera_core::ids::{DepartmentId, OrganizationId, TicketId, UserId};
use tessera_core::permission::TicketScope;
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{Priority, TicketType};
use tessera_core::{Role, Timestamp};

/// Filters of a ticket list; every set filter must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketFilter {
    /// Exactly this public number.
    pub number: Option<String>,
    /// Any of these statuses.
    pub statuses: Vec<StatusKey>,
    /// Any of these status categories.
    pub categories: Vec<StatusCategory>,
    /// Any of these departments.
    pub department_ids: Vec<DepartmentId>,
    /// `Some(None)`: unassigned; `Some(Some(id))`: assigned to `id`.
    pub assignee: Option<Option<UserId>>,
    /// This requester.
    pub requester_id: Option<UserId>,
    /// This organization.
    pub organization_id: Option<OrganizationId>,
    /// Any of these priorities.
    pub priorities: Vec<Priority>,
    /// Any of these types.
    pub types: Vec<TicketType>,
    /// All of these tags.
    pub tags: Vec<String>,
    /// Archived or not.
    pub archived: Option<bool>,
    /// Created at or after.
    pub created_after: Option<Timestamp>,
    /// Created before.
    pub created_before: Option<Timestamp>,
    /// Updated at or after.
    pub updated_after: Option<Timestamp>,
    /// Updated before.
    pub updated_before: Option<Timestamp>,
    /// Words the ticket's text contains (looked up in the search index,
    /// each word as in a search), or the ticket's number.
    pub text: Option<String>,
    /// Let `text` match internal notes too (agents).
    pub text_in_notes: bool,
    /// Whether an SLA target was breached (`sla:breached` in search).
    pub sla_breached: Option<bool>,
    /// The earliest due time of a running SLA target is before this
    /// (`sla<4h` in search: now + 4 hours; overdue ones match too).
    pub sla_due_before: Option<Timestamp>,
    /// A view's conditions, resolved for the viewer.
    pub view: Option<tessera_core::view::ResolvedConditions>,
}

/// Columns a ticket list can be ordered by (ties are broken by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortField {
    /// Opening time.
    CreatedAt,
    /// Last change.
    #[default]
    UpdatedAt,
    /// Priority rank.
    Priority,
    /// Internal id.
    Id,
    /// Public number (numeric order). Offset paging only.
    Number,
    /// Subject, without regard to case. Offset paging only.
    Subject,
    /// Requester's name. Offset paging only.
    Requester,
    /// Department's name. Offset paging only.
    Department,
    /// Assignee's name (unassigned first when ascending). Offset paging only.
    Assignee,
    /// Status category in queue order. Offset paging only.
    Status,
    /// Waiting for an agent the longest first (ascending); tickets not
    /// waiting last. Offset paging only.
    Wait,
    /// The queue: boosted first, then the highest priority, then the
    /// longest wait. Offset paging only; direction is ignored.
    Queue,
    /// The earliest due time of a running SLA target, soonest first when
    /// ascending; tickets without one last. Offset paging only.
    SlaDue,
}

impl SortField {
    /// Whether cursors (keyset paging) work with this order; the others
    /// page by offset.
    pub fn keyset(self) -> bool {
        matches!(self, Self::CreatedAt | Self::UpdatedAt | Self::Priority | Self::Id)
    }
}

/// An order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketSort {
    /// The column.
    pub field: SortField,
    /// Largest first.
    pub descending: bool,
    /// Tickets with `queue_boost` come first, whatever the order.
    pub boosted_first: bool,
}

impl Default for TicketSort {
    fn default() -> Self {
        Self { field: SortField::UpdatedAt, descending: true, boosted_first: false }
    }
}

/// Where the previous page ended: the sort value and id of its last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The sort column's value (milliseconds for times, rank for priority).
    pub value: i64,
    /// The last row's id.
    pub id: TicketId,
}

/// A ticket list query.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketQuery {
    /// Whose tickets (permissions).
    pub scope: TicketScope,
    /// Which tickets.
    pub filter: TicketFilter,
    /// Order.
    pub sort: TicketSort,
    /// Continue after this row (keyset orders only).
    pub after: Option<Cursor>,
    /// Skip this many rows (offset paging, for orders without cursors).
    pub offset: u32,
    /// Page size.
    pub limit: u32,
}

impl TicketQuery {
    /// The sort value of `t` for this query's order, for building cursors.
    pub fn sort_value(&self, t: &tessera_core::Ticket) -> i64 {
        match self.sort.field {
            SortField::CreatedAt => t.created_at.timestamp_millis(),
            SortField::UpdatedAt => t.updated_at.timestamp_millis(),
            SortField::Priority => t.priority.rank(),
            SortField::Id => t.id.0,
            _ => 0,
        }
    }
}

/// A user list query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserQuery {
    /// Only this role.
    pub role: Option<Role>,
    /// Only members of this organization.
    pub organization_id: Option<OrganizationId>,
    /// Name or e-mail contains this (case-insensitive for ASCII).
    pub search: Option<String>,
    /// Ids greater than this.
    pub after: Option<UserId>,
    /// Page size.
    pub limit: u32,
}
