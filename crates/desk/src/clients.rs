//! What API clients keep and do between calls that the native API has no
//! word for: a caller's saved list filter, acting as a customer (an agent
//! answering for a caller, BILLmanager's `su=`), and the display name of a
//! ticket's author. Sessions are in [`crate::sessions`].

use crate::Desk;
use crate::error::{DeskError, DeskResult};
use tessera_core::ids::{TicketId, UserId};
use tessera_core::{Actor, Ticket};

/// The settings key of a caller's saved list filter for one client
/// (`compat.billmanager.filter.<user id>`, as stored before).
fn filter_key(client: &str, actor: &Actor) -> String {
    format!("compat.{client}.filter.{}", actor.user_id)
}

impl Desk {
    /// The customer an agent or admin acts as (an e-mail address or a user
    /// id); refused for anyone else, and for an unknown or disabled user or
    /// one who is not a customer. What the result may do is still checked
    /// against the agent as well, by whoever uses it.
    pub async fn act_as_customer(&self, actor: &Actor, who: &str) -> DeskResult<Actor> {
        if !actor.is_staff() {
            return Err(DeskError::forbidden_field("su", "only agents and admins may act as another user"));
        }
        let who = who.trim();
        let user = match who.parse::<i64>() {
            Ok(id) if id > 0 => self.store.user(UserId(id)).await?,
            Ok(_) => None,
            Err(_) => self.store.user_by_email(who).await?,
        };
        match user {
            Some(u) if !u.disabled && !u.role.is_staff() => self.actor_for(&u).await,
            _ => Err(DeskError::invalid("su", "unknown_user", "there is no such customer")),
        }
    }

    /// Ticket `id` as `actor` (the customer an agent acts as) sees it, when
    /// the agent behind it, `agent`, may see it too; not found otherwise.
    pub async fn ticket_for_both(&self, actor: &Actor, agent: &Actor, id: TicketId) -> DeskResult<Ticket> {
        let t = self.ticket(actor, id).await?;
        if agent.can_view(&t) { Ok(t) } else { Err(DeskError::not_found("ticket")) }
    }

    /// The tickets of `tickets` (read as the customer an agent acts as) that
    /// the agent behind it, `agent`, may see too.
    pub fn also_seen_by(&self, agent: &Actor, tickets: Vec<Ticket>) -> Vec<Ticket> {
        tickets.into_iter().filter(|t| agent.can_view(t)).collect()
    }

    /// A user's display name, as shown beside what they wrote; `None` for a
    /// user that no longer exists.
    pub async fn user_name(&self, id: UserId) -> DeskResult<Option<String>> {
        Ok(self.store.user(id).await?.map(|u| u.name))
    }

    /// The caller's saved list filter for `client` (the client's own text).
    pub async fn saved_filter(&self, actor: &Actor, client: &str) -> DeskResult<Option<String>> {
        Ok(self.store.setting(&filter_key(client, actor)).await?)
    }

    /// Saves the caller's list filter for `client`.
    pub async fn save_filter(&self, actor: &Actor, client: &str, filter: &str) -> DeskResult<()> {
        Ok(self.store.set_setting(&filter_key(client, actor), filter).await?)
    }
}
