//! The columns of the tables both schemas share.

use std::sync::LazyLock;

/// Ticket columns after `id`, in the order of the backends' ticket values.
pub const TICKET_FIELDS: [&str; 38] = [
    "number",
    "access_key",
    "subject",
    "department_id",
    "requester_id",
    "organization_id",
    "service_id",
    "assignee_id",
    "assigned_by_id",
    "flagged_id",
    "cc",
    "tags",
    "ticket_type",
    "priority",
    "status",
    "status_category",
    "source",
    "custom_fields",
    "locked",
    "archived",
    "queue_boost",
    "closed_reason",
    "merged_into_id",
    "follow_up_of_id",
    "created_at",
    "updated_at",
    "last_reply_at",
    "last_customer_reply_at",
    "last_agent_reply_at",
    "first_response_at",
    "awaiting_agent_since",
    "solved_at",
    "closed_at",
    "due_at",
    "deleted_at",
    "customer_unread",
    "agent_unread",
    "version",
];

/// `t.id, t.<field>…` for SELECTs over `tickets t`.
pub static TICKET_SELECT: LazyLock<String> = LazyLock::new(|| {
    std::iter::once("id").chain(TICKET_FIELDS).map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
});
