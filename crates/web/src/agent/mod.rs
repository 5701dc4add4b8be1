//! The agent console: ticket lists with live counts, sortable columns,
//! paging and bulk actions (`console.rs`); the ticket page with the
//! conversation, the reply/note composer, the properties panel, secrets, the
//! requester's card and the event timeline (`ticket.rs`); opening a ticket
//! for a customer (`new.rs`); search (`search.rs`); views (`views.rs`); SLA
//! targets in the console and on the ticket page (`sla.rs`); the mail
//! suppression list (`suppressions.rs`).

pub mod console;
pub mod new;
pub mod search;
pub mod sla;
pub mod suppressions;
pub mod ticket;
pub mod views;

use crate::WebState;
use crate::i18n::Lang;
use crate::page::WebError;
use crate::session::SignedIn;
use tessera_core::{Actor, Role, User};
use tessera_store::{UserQuery, ViewRecord};

/// Only agents and administrators signed in (not through a guest link).
pub(crate) fn require_agent(s: &SignedIn) -> Result<(), WebError> {
    if s.actor.is_staff() && !s.is_guest() { Ok(()) } else { Err(WebError::Forbidden) }
}

/// The active agents and administrators, by name.
pub(crate) async fn staff_users(state: &WebState, actor: &Actor, lang: Lang) -> Result<Vec<User>, WebError> {
    let mut out = Vec::new();
    for role in [Role::Agent, Role::Admin] {
        let q = UserQuery { role: Some(role), limit: 200, ..UserQuery::default() };
        out.extend(state.desk.list_users(actor, q).await?.into_iter().filter(|u| !u.disabled));
    }
    crate::view::choice::sort_by_name(lang, &mut out, |u| u.name.as_str(), |u| u.id);
    Ok(out)
}

/// A view's name on the page: the catalogs' words for an installed default
/// view, else its title.
pub fn view_label(i: &crate::i18n::I18n, v: &ViewRecord) -> String {
    match v.default_key.as_deref() {
        Some(k) => {
            let key = format!("view.{k}");
            let text = i.t(&key);
            if text == key { v.title.clone() } else { text.to_string() }
        }
        None => v.title.clone(),
    }
}

/// Tags as typed: separated by commas or spaces.
pub(crate) fn split_tags(raw: &str) -> Vec<String> {
    raw.split([',', ' ']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}
