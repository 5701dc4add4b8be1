//! Turning domain records into what templates show: localized labels,
//! times, names, rows; and, in its modules, the pieces the customer portal,
//! the agent console and the admin settings share.

pub mod choice;
pub mod fields;
pub mod mail_out;
pub mod messages;
pub mod modes;
pub mod panels;

use crate::i18n::I18n;
use chrono::SecondsFormat;
use std::collections::HashMap;
use tessera_core::custom_field::{CustomFieldDef, FieldType};
use tessera_core::ids::{DepartmentId, OrganizationId, UserId};
use tessera_core::status::{Status, StatusCategory};
use tessera_core::ticket::Priority;
use tessera_core::{Actor, Department, Service, ServiceKind, Ticket, Timestamp, User};
use tessera_desk::Desk;

/// A time as the page shows it: machine-readable for the script (which
/// writes it in the reader's language and time zone) and a UTC fallback.
#[derive(Debug, Clone)]
pub struct Stamp {
    /// RFC 3339.
    pub iso: String,
    /// `2026-11-23 09:15 UTC`.
    pub text: String,
}

impl Stamp {
    /// The stamp of `t`.
    pub fn of(t: Timestamp) -> Self {
        Self { iso: t.to_rfc3339_opts(SecondsFormat::Secs, true), text: t.format("%Y-%m-%d %H:%M UTC").to_string() }
    }
}

/// Names and labels one page needs, loaded once, as its reader may see them
/// (the desk's lookups).
pub struct Lookup {
    /// Departments by id.
    pub departments: HashMap<DepartmentId, Department>,
    /// The status catalogue.
    pub statuses: Vec<Status>,
    /// Users met so far.
    pub users: HashMap<UserId, User>,
    /// Custom field definitions.
    pub fields: Vec<CustomFieldDef>,
    /// Organization names met so far.
    pub organizations: HashMap<OrganizationId, String>,
    /// Whose page it is.
    actor: Actor,
}

impl Lookup {
    /// Loads departments, statuses and custom fields for `actor`'s page.
    pub async fn load(desk: &Desk, actor: &Actor) -> Result<Self, tessera_desk::DeskError> {
        let labels = desk.labels(actor).await?;
        Ok(Self {
            departments: labels.departments.into_iter().map(|d| (d.id, d)).collect(),
            statuses: labels.statuses,
            users: HashMap::new(),
            fields: labels.fields,
            organizations: HashMap::new(),
            actor: actor.clone(),
        })
    }

    /// Makes sure the users `ids` are known (those the reader may see).
    pub async fn users(&mut self, desk: &Desk, ids: &[UserId]) -> Result<(), tessera_desk::DeskError> {
        let missing: Vec<UserId> = ids.iter().copied().filter(|id| !self.users.contains_key(id)).collect();
        self.users.extend(desk.users_by_id(&self.actor, &missing).await?);
        Ok(())
    }

    /// Makes sure the organizations `ids` are known (those the reader may see).
    pub async fn organizations(&mut self, desk: &Desk, ids: &[OrganizationId]) -> Result<(), tessera_desk::DeskError> {
        let missing: Vec<OrganizationId> =
            ids.iter().copied().filter(|id| !self.organizations.contains_key(id)).collect();
        self.organizations.extend(desk.organization_names(&self.actor, &missing).await?);
        Ok(())
    }

    /// An organization's name (empty when it is not known).
    pub fn organization(&self, id: OrganizationId) -> String {
        self.organizations.get(&id).cloned().unwrap_or_default()
    }

    /// The departments in the order of every list of them on a page (see
    /// [`choice::sort_departments`]).
    pub fn departments_by_name(&self, i: &I18n) -> Vec<&Department> {
        let mut out: Vec<&Department> = self.departments.values().collect();
        choice::sort_departments(i.lang, &mut out, |d| d);
        out
    }

    /// A department's name.
    pub fn department(&self, id: DepartmentId) -> String {
        self.departments.get(&id).map_or_else(|| format!("#{id}"), |d| d.name.clone())
    }

    /// A user's name.
    pub fn user(&self, id: UserId) -> String {
        self.users.get(&id).map_or_else(|| format!("#{id}"), |u| u.name.clone())
    }

    /// A status's label in the page's language (admin-made statuses keep their name).
    pub fn status(&self, i: &I18n, key: &str) -> String {
        status_label(i, &self.statuses, key)
    }

    /// A custom field's label in the page's language.
    pub fn field_label(&self, i: &I18n, key: &str) -> String {
        self.fields.iter().find(|f| f.key == key).map_or_else(|| key.to_string(), |f| field_label(i, f))
    }
}

/// A status's label.
pub fn status_label(i: &I18n, statuses: &[Status], key: &str) -> String {
    match statuses.iter().find(|s| s.key.as_str() == key) {
        Some(s) if s.builtin => i.t(&format!("status.{key}")).to_string(),
        Some(s) => s.name.clone(),
        None => key.to_string(),
    }
}

/// A custom field's label: the page's language, else English, else its key.
pub fn field_label(i: &I18n, f: &CustomFieldDef) -> String {
    f.labels.get(i.code()).or_else(|| f.labels.get("en")).cloned().unwrap_or_else(|| f.key.clone())
}

/// A priority's label.
pub fn priority_label(i: &I18n, p: Priority) -> String {
    i.t(&format!("priority.{}", p.as_str())).to_string()
}

/// The CSS class of a status category.
pub fn category_class(c: StatusCategory) -> &'static str {
    c.as_str()
}

/// A custom field value as text.
pub fn field_text(i: &I18n, def: Option<&CustomFieldDef>, v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Bool(b) => i.t(if *b { "common.yes" } else { "common.no" }).to_string(),
        serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "),
        serde_json::Value::String(s) if def.is_some_and(|d| d.field_type == FieldType::Secret) => s.clone(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A ticket as a row of a list.
#[derive(Debug, Clone)]
pub struct TicketRow {
    /// Internal id.
    pub id: i64,
    /// Public number.
    pub number: String,
    /// Subject.
    pub subject: String,
    /// Department name.
    pub department: String,
    /// Requester name.
    pub requester: String,
    /// Status label.
    pub status: String,
    /// Status category (CSS class).
    pub category: &'static str,
    /// Priority label.
    pub priority: String,
    /// Priority key (CSS class).
    pub priority_key: &'static str,
    /// Assignee name, or empty.
    pub assignee: String,
    /// Waiting time, or empty.
    pub wait: String,
    /// Last update.
    pub updated: Stamp,
    /// Opened.
    pub created: Stamp,
    /// Due, if a due date is set.
    pub due: Option<Stamp>,
    /// The requester's organization's name (known when loaded), or empty.
    pub organization: String,
    /// The type's label, or empty.
    pub type_label: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Unread by the viewer's side.
    pub unread: bool,
    /// Boosted to the top.
    pub boosted: bool,
    /// The SLA cell (state class, text), when the view shows it.
    pub sla: Option<(&'static str, String)>,
}

impl TicketRow {
    /// The row of `t` for a viewer on `staff`'s side.
    pub fn of(i: &I18n, l: &Lookup, t: &Ticket, staff: bool, now: Timestamp) -> Self {
        Self {
            id: t.id.0,
            number: t.number.clone(),
            subject: t.subject.clone(),
            department: l.department(t.department_id),
            requester: l.user(t.requester_id),
            status: l.status(i, t.status.as_str()),
            category: category_class(t.status_category),
            priority: priority_label(i, t.priority),
            priority_key: t.priority.as_str(),
            assignee: t.assignee_id.map(|a| l.user(a)).unwrap_or_default(),
            wait: t.wait_seconds(now).map(|s| i.duration(s)).unwrap_or_default(),
            updated: Stamp::of(t.updated_at),
            created: Stamp::of(t.created_at),
            due: t.due_at.map(Stamp::of),
            organization: t.organization_id.map(|o| l.organization(o)).unwrap_or_default(),
            type_label: t.ticket_type.map(|ty| i.t(&format!("type.{}", ty.as_str())).to_string()).unwrap_or_default(),
            tags: t.tags.clone(),
            unread: if staff { t.agent_unread } else { t.customer_unread },
            boosted: t.queue_boost,
            sla: None,
        }
    }
}

/// A service as the picker shows it: `S12 — VPS 4 GB`.
pub fn service_label(s: &Service) -> String {
    let prefix = match s.kind {
        ServiceKind::Domain => "D",
        _ => "S",
    };
    format!("{prefix}{} — {}", s.id, s.label)
}

/// The confirmation shown after an action (`?done=`).
pub fn done_notice(i: &I18n, done: Option<&str>) -> Option<String> {
    const KNOWN: [&str; 9] =
        ["replied", "noted", "follow_up", "solve", "close", "reopen", "archive", "unarchive", "rated"];
    let d = done.filter(|d| KNOWN.contains(d))?;
    Some(i.t(&format!("done.{d}")).to_string())
}
