//! What every admin page shares: the admins-only check, the navigation
//! entry, `?done=` confirmations, refused changes as form errors, and the
//! lookups and labels several screens use.

use crate::WebState;
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{FormErrors, WebError};
use crate::session::SignedIn;
use axum::http::StatusCode;
use serde::Deserialize;
use tessera_core::{Actor, Role, User};
use tessera_desk::DeskError;
use tessera_store::UserQuery;

pub(crate) fn require_admin(s: &SignedIn) -> Result<(), WebError> {
    if s.actor.is_admin() && !s.is_guest() { Ok(()) } else { Err(WebError::Forbidden) }
}

/// The entry of the admin navigation a page belongs to.
#[derive(Debug, Clone, Copy)]
pub struct Nav {
    /// `departments`, `users`, `organizations`, `fields`, `statuses`, `tokens`,
    /// `sla`, `integrations`, `mail`, `mailboxes`, `blocked`, `outgoing`,
    /// `templates`.
    pub section: &'static str,
    /// `aria-current`: `page` on the section's own page, `location` below it.
    pub aria: &'static str,
}

impl Nav {
    pub(crate) fn list(section: &'static str) -> Self {
        Self { section, aria: "page" }
    }

    pub(crate) fn sub(section: &'static str) -> Self {
        Self { section, aria: "location" }
    }

    /// The page belongs to `section`.
    pub fn is(&self, section: &str) -> bool {
        self.section == section
    }
}

/// `?done=` after a change.
#[derive(Debug, Default, Deserialize)]
pub struct DoneQuery {
    pub(crate) done: Option<String>,
}

/// The confirmation for `done`, if it is one of `known` (value, catalog key).
pub(crate) fn notice(i: &I18n, done: Option<&str>, known: &[(&str, &'static str)]) -> Option<String> {
    let done = done?;
    known.iter().find(|(k, _)| *k == done).map(|(_, key)| i.t(key).to_string())
}

/// The messages of a refused change, by field; errors that are not the
/// form's fault become error pages.
pub(crate) fn form_errors(i: &I18n, e: DeskError) -> Result<FormErrors, WebError> {
    match e {
        DeskError::Internal(_)
        | DeskError::Unavailable(_)
        | DeskError::NotFound { .. }
        | DeskError::Unauthenticated => Err(e.into()),
        DeskError::Forbidden { field: None, .. } => Err(WebError::Forbidden),
        e => Ok(FormErrors::from_desk(i, &e)),
    }
}

/// 422 when the form has errors, else 200.
pub(crate) fn status_of(errors: &FormErrors) -> StatusCode {
    errors.status()
}

pub(crate) fn yes_no(i: &I18n, b: bool) -> String {
    i.t(if b { "common.yes" } else { "common.no" }).to_string()
}

/// Every user of a role (paging through the desk's limit).
pub(crate) async fn all_users(state: &WebState, actor: &Actor, role: Role) -> Result<Vec<User>, WebError> {
    let mut out: Vec<User> = Vec::new();
    loop {
        let q = UserQuery { role: Some(role), after: out.last().map(|u| u.id), limit: 200, ..UserQuery::default() };
        let page = state.desk.list_users(actor, q).await?;
        let done = page.len() < 200;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// Agents and admins, by name.
pub(crate) async fn staff(state: &WebState, actor: &Actor) -> Result<Vec<User>, WebError> {
    let mut out = all_users(state, actor, Role::Agent).await?;
    out.extend(all_users(state, actor, Role::Admin).await?);
    out.sort_by_key(|u| u.name.to_lowercase());
    Ok(out)
}

pub(crate) fn role_label(i: &I18n, r: Role) -> String {
    match r {
        Role::Customer => i.t("admin.role.customer"),
        Role::Agent => i.t("admin.role.agent"),
        Role::Admin => i.t("admin.role.admin"),
    }
    .to_string()
}

/// The `{0}` message of `code` on `field`, as the desk would give it.
pub(crate) fn invalid(field: &str, code: &'static str) -> DeskError {
    DeskError::invalid(field, code, format!("{field}: {code}"))
}

pub(crate) fn optional_number(f: &Form, field: &str) -> Result<Option<i64>, DeskError> {
    match f.get(field).map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| invalid(field, "invalid_type")),
    }
}
