//! The reads an entry point needs to render what it shows — names of people,
//! departments and organizations, a ticket found by its number, the
//! number of a linked ticket — each answering only what the actor may see.
//! Entry points render; they never read the store for it.

use crate::Desk;
use crate::error::{DeskError, DeskResult};
use std::collections::HashMap;
use tessera_core::Email;
use tessera_core::custom_field::{CustomFieldDef, FieldType};
use tessera_core::ids::{OrganizationId, TicketId, UserId};
use tessera_core::status::Status;
use tessera_core::{Actor, Department, Ticket, User};

/// The catalogue a page labels things with.
#[derive(Debug, Clone)]
pub struct Labels {
    /// Every department (a customer's ticket may sit in one that is not
    /// public; its name is shown all the same).
    pub departments: Vec<Department>,
    /// The status catalogue.
    pub statuses: Vec<Status>,
    /// The custom field definitions the actor may meet (customers: the
    /// visible, non-secret ones).
    pub fields: Vec<CustomFieldDef>,
}

impl Desk {
    /// The catalogue of labels for `actor`'s pages.
    pub async fn labels(&self, actor: &Actor) -> DeskResult<Labels> {
        let fields = self.field_defs().await?;
        let fields = fields
            .iter()
            .filter(|f| actor.is_staff() || (f.customer_visible && f.field_type != FieldType::Secret))
            .cloned()
            .collect();
        Ok(Labels { departments: self.store.list_departments().await?, statuses: self.statuses().await?, fields })
    }

    /// The ticket numbered `number`, as `actor` may see it; not found when
    /// they may not.
    pub async fn ticket_by_number(&self, actor: &Actor, number: &str) -> DeskResult<Ticket> {
        match self.store.ticket_by_number(number).await? {
            Some(t) if actor.can_view(&t) => self.ticket(actor, t.id).await,
            _ => Err(DeskError::not_found("ticket")),
        }
    }

    /// The number of ticket `id` (a merge target, a follow-up's origin), if
    /// `actor` may see that ticket.
    pub async fn ticket_number(&self, actor: &Actor, id: TicketId) -> DeskResult<Option<String>> {
        Ok(self.store.ticket(id).await?.filter(|t| actor.can_view(t)).map(|t| t.number))
    }

    /// The users among `ids` whom `actor` may see by name: everyone for
    /// agents; for a customer themselves, the staff who write to them and
    /// the members of their organization. Never their password hash.
    pub async fn users_by_id(&self, actor: &Actor, ids: &[UserId]) -> DeskResult<HashMap<UserId, User>> {
        let mut out = HashMap::new();
        for &id in ids {
            if out.contains_key(&id) {
                continue;
            }
            let Some(mut u) = self.store.user(id).await? else { continue };
            let shown = actor.is_staff()
                || u.id == actor.user_id
                || u.role.is_staff()
                || (actor.organization_id.is_some() && u.organization_id == actor.organization_id);
            if shown {
                u.password_hash = None;
                out.insert(id, u);
            }
        }
        Ok(out)
    }

    /// The names of the organizations among `ids` that `actor` may see:
    /// every one for agents, a customer's own.
    pub async fn organization_names(
        &self,
        actor: &Actor,
        ids: &[OrganizationId],
    ) -> DeskResult<HashMap<OrganizationId, String>> {
        let mut out = HashMap::new();
        for &id in ids {
            if !(actor.is_staff() || actor.organization_id == Some(id)) || out.contains_key(&id) {
                continue;
            }
            if let Some(o) = self.store.organization(id).await? {
                out.insert(id, o.name);
            }
        }
        Ok(out)
    }

    /// The user with address `email`, for an agent filling in a form (a
    /// requester's services); agents only.
    pub async fn user_by_email(&self, actor: &Actor, email: &Email) -> DeskResult<Option<User>> {
        if !actor.is_staff() {
            return Err(DeskError::forbidden("only agents look people up"));
        }
        Ok(self.store.user_by_email(email.as_str()).await?.map(|mut u| {
            u.password_hash = None;
            u
        }))
    }

    /// The user with address `email`, without a permission check: for the
    /// operator's CLI (which acts on the installation, not as a person).
    pub async fn user_by_email_unchecked(&self, email: &str) -> DeskResult<Option<User>> {
        Ok(self.store.user_by_email(email).await?)
    }
}
