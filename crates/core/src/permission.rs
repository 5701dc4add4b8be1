//! Who may see and do what.
//!
//! - a customer sees their own tickets, and their organization's when they
//!   are a member flagged `sees_all`;
//! - an agent sees the tickets of their departments and those assigned or
//!   flagged to them;
//! - an admin sees everything.
//!
//! Whoever may not see a ticket is told it does not exist, so ids cannot be
//! probed.

use crate::custom_field::{CustomFieldDef, FieldType};
use crate::event::Side;
use crate::ids::{DepartmentId, OrganizationId, TicketId, UserId};
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};

/// A user's role.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Opens tickets and talks to agents.
    Customer,
    /// Works tickets of their departments.
    Agent,
    /// Sees and configures everything.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Agent => "agent",
            Self::Admin => "admin",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "customer" => Some(Self::Customer),
            "agent" => Some(Self::Agent),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    /// Agents and admins.
    pub fn is_staff(self) -> bool {
        !matches!(self, Self::Customer)
    }
}

/// The authenticated person behind a request, with what their permissions
/// depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Who.
    pub user_id: UserId,
    /// Their role.
    pub role: Role,
    /// Their organization.
    pub organization_id: Option<OrganizationId>,
    /// They see their organization's tickets.
    pub sees_all: bool,
    /// The departments an agent belongs to.
    pub department_ids: Vec<DepartmentId>,
    /// Limited to one ticket (a guest holding its access key).
    pub only_ticket: Option<TicketId>,
}

/// Which tickets a list query may return; stores turn it into a condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TicketScope {
    /// Every ticket.
    All,
    /// An agent's departments, plus tickets assigned or flagged to them.
    Agent {
        /// The agent.
        user_id: UserId,
        /// Their departments.
        department_ids: Vec<DepartmentId>,
    },
    /// A customer's own tickets, plus their organization's when allowed.
    Customer {
        /// The customer.
        user_id: UserId,
        /// The organization whose tickets they also see.
        organization_id: Option<OrganizationId>,
    },
    /// A single ticket (guest access).
    Single(TicketId),
}

impl Actor {
    /// Which side this actor writes on.
    pub fn side(&self) -> Side {
        if self.role.is_staff() { Side::Agent } else { Side::Customer }
    }

    /// Tessera itself acting with an admin's rights and no user (user id 0):
    /// set-up work no person asked for, such as a compat dialect creating
    /// the custom fields it stores its values in on first use.
    pub fn system() -> Self {
        Self {
            user_id: UserId(0),
            role: Role::Admin,
            organization_id: None,
            sees_all: false,
            department_ids: Vec::new(),
            only_ticket: None,
        }
    }

    /// An agent or admin.
    pub fn is_staff(&self) -> bool {
        self.role.is_staff()
    }

    /// An admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The tickets this actor may list.
    pub fn ticket_scope(&self) -> TicketScope {
        if let Some(t) = self.only_ticket {
            return TicketScope::Single(t);
        }
        match self.role {
            Role::Admin => TicketScope::All,
            Role::Agent => TicketScope::Agent { user_id: self.user_id, department_ids: self.department_ids.clone() },
            Role::Customer => TicketScope::Customer {
                user_id: self.user_id,
                organization_id: if self.sees_all { self.organization_id } else { None },
            },
        }
    }

    /// This actor may see `ticket` (deleted tickets are seen by nobody).
    pub fn can_view(&self, ticket: &Ticket) -> bool {
        if ticket.deleted_at.is_some() {
            return false;
        }
        scope_contains(&self.ticket_scope(), ticket)
    }

    /// Agents and admins who can see the ticket may change it.
    pub fn can_work(&self, ticket: &Ticket) -> bool {
        self.is_staff() && self.can_view(ticket)
    }

    /// This actor sees the value of `field` on `ticket`.
    pub fn can_see_field(&self, field: &CustomFieldDef, ticket: &Ticket) -> bool {
        match self.role {
            Role::Customer => field.customer_visible && field.field_type != FieldType::Secret,
            Role::Admin => true,
            Role::Agent => field.field_type != FieldType::Secret || self.department_ids.contains(&ticket.department_id),
        }
    }

    /// This actor may set `field`.
    pub fn can_edit_field(&self, field: &CustomFieldDef) -> bool {
        self.is_staff() || field.customer_editable
    }
}

/// Whether `ticket` falls within `scope` (ignores deletion).
pub fn scope_contains(scope: &TicketScope, ticket: &Ticket) -> bool {
    match scope {
        TicketScope::All => true,
        TicketScope::Single(id) => *id == ticket.id,
        TicketScope::Agent { user_id, department_ids } => {
            department_ids.contains(&ticket.department_id)
                || ticket.assignee_id == Some(*user_id)
                || ticket.flagged_id == Some(*user_id)
        }
        TicketScope::Customer { user_id, organization_id } => {
            ticket.requester_id == *user_id || (organization_id.is_some() && ticket.organization_id == *organization_id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::{StatusCategory, StatusKey};
    use crate::ticket::{Cc, Priority, Source};
    use proptest::prelude::*;

    fn ticket(dept: i64, requester: i64, org: Option<i64>, assignee: Option<i64>) -> Ticket {
        Ticket {
            id: TicketId(1),
            number: "123456".into(),
            access_key: "k".into(),
            subject: "s".into(),
            department_id: DepartmentId(dept),
            requester_id: UserId(requester),
            organization_id: org.map(OrganizationId),
            service_id: None,
            assignee_id: assignee.map(UserId),
            assigned_by_id: None,
            flagged_id: None,
            cc: Cc::default(),
            tags: vec![],
            ticket_type: None,
            priority: Priority::Normal,
            status: StatusKey::new("new"),
            status_category: StatusCategory::New,
            source: Source::Api,
            custom_fields: Default::default(),
            locked: false,
            archived: false,
            queue_boost: false,
            closed_reason: None,
            merged_into_id: None,
            follow_up_of_id: None,
            created_at: Default::default(),
            updated_at: Default::default(),
            last_reply_at: None,
            last_customer_reply_at: None,
            last_agent_reply_at: None,
            first_response_at: None,
            awaiting_agent_since: None,
            solved_at: None,
            closed_at: None,
            due_at: None,
            deleted_at: None,
            customer_unread: false,
            agent_unread: false,
            version: 1,
        }
    }

    fn actor(id: i64, role: Role, org: Option<i64>, sees_all: bool, depts: &[i64]) -> Actor {
        Actor {
            user_id: UserId(id),
            role,
            organization_id: org.map(OrganizationId),
            sees_all,
            department_ids: depts.iter().copied().map(DepartmentId).collect(),
            only_ticket: None,
        }
    }

    #[test]
    fn customers_see_their_own_and_with_sees_all_their_orgs() {
        let t = ticket(1, 10, Some(5), None);
        assert!(actor(10, Role::Customer, Some(5), false, &[]).can_view(&t));
        assert!(!actor(11, Role::Customer, Some(5), false, &[]).can_view(&t));
        assert!(actor(11, Role::Customer, Some(5), true, &[]).can_view(&t));
        assert!(!actor(12, Role::Customer, Some(6), true, &[]).can_view(&t));
        assert!(!actor(13, Role::Customer, None, true, &[]).can_view(&ticket(1, 10, None, None)));
    }

    #[test]
    fn agents_see_their_departments_and_assignments() {
        let t = ticket(1, 10, None, Some(20));
        assert!(actor(21, Role::Agent, None, false, &[1]).can_view(&t));
        assert!(!actor(21, Role::Agent, None, false, &[2]).can_view(&t));
        assert!(actor(20, Role::Agent, None, false, &[2]).can_view(&t));
        assert!(actor(1, Role::Admin, None, false, &[]).can_view(&t));
    }

    #[test]
    fn deleted_tickets_are_invisible() {
        let mut t = ticket(1, 10, None, None);
        t.deleted_at = Some(Default::default());
        assert!(!actor(1, Role::Admin, None, false, &[]).can_view(&t));
    }

    proptest! {
        /// A customer without `sees_all` sees a ticket exactly when it is
        /// theirs, whatever the ticket's other fields; the check and the
        /// list scope agree.
        #[test]
        fn customer_sees_exactly_own(me in 1i64..5, requester in 1i64..5, org in prop::option::of(1i64..3),
                                     my_org in prop::option::of(1i64..3), sees_all: bool, dept in 1i64..3) {
            let t = ticket(dept, requester, org, None);
            let a = actor(me, Role::Customer, my_org, sees_all, &[]);
            let expected = requester == me || (sees_all && my_org.is_some() && org == my_org);
            prop_assert_eq!(a.can_view(&t), expected);
            prop_assert_eq!(scope_contains(&a.ticket_scope(), &t), expected);
            prop_assert!(!a.can_work(&t));
        }

        /// An agent never sees a ticket outside their departments unless it
        /// is assigned or flagged to them.
        #[test]
        fn agent_scope(me in 1i64..4, depts in prop::collection::vec(1i64..4, 0..3), dept in 1i64..4,
                       assignee in prop::option::of(1i64..4)) {
            let t = ticket(dept, 100, None, assignee);
            let a = actor(me, Role::Agent, None, false, &depts);
            prop_assert_eq!(a.can_view(&t), depts.contains(&dept) || assignee == Some(me));
        }
    }
}
