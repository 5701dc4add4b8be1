//! Views: saved ticket queries that agents work from. Agents keep personal
//! views; admins share views with everyone or with departments. Running a
//! view applies its conditions on top of the viewer's own permissions, so a
//! view never shows a ticket its viewer may not see, whatever it says.

use crate::error::{DeskError, DeskResult};
use crate::tickets::TicketListQuery;
use crate::{Desk, TicketPage};
use serde::{Deserialize, Serialize};
use tessera_core::custom_field::FieldType;
use tessera_core::ids::{DepartmentId, ViewId};
use tessera_core::view::{Conditions, Field, Operator, ResolvedConditions, Resolver, ViewSort, check_columns};
use tessera_core::{Actor, StatusCategory};
use tessera_store::{Cursor, SortField, TicketFilter, TicketSort, ViewRecord};

/// The most views one `count_many` call may ask about.
pub const MAX_COUNT_MANY: usize = 100;

/// Creating or changing a view.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ViewInput {
    /// The title (1–100 characters).
    #[serde(default)]
    pub title: Option<String>,
    /// What it is for.
    #[serde(default)]
    pub description: Option<String>,
    /// `true`: only its creator sees it (agents' views always are);
    /// `false`: shared (admins). Fixed after creation.
    #[serde(default)]
    pub personal: Option<bool>,
    /// A shared view only for these departments' members; empty: everyone.
    #[serde(default)]
    pub department_ids: Option<Vec<DepartmentId>>,
    /// Shown in the console's list.
    #[serde(default)]
    pub active: Option<bool>,
    /// Which tickets.
    #[serde(default)]
    pub conditions: Option<Conditions>,
    /// Columns shown (default: number, subject, requester, department,
    /// status, priority, assignee, wait, updated).
    #[serde(default)]
    pub columns: Option<Vec<String>>,
    /// Order (default: the queue).
    #[serde(default)]
    pub sort: Option<ViewSort>,
}

/// Where the next page of a view starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViewCursor {
    /// After this row (orders by time, priority or id).
    After(Cursor),
    /// Skip this many rows (the other orders).
    Offset(u32),
}

/// A page of a view's tickets.
#[derive(Debug, Clone)]
pub struct ViewPage {
    /// The view.
    pub view: ViewRecord,
    /// Its tickets, as the viewer may see them.
    pub tickets: Vec<tessera_core::Ticket>,
    /// The exact number of tickets in the view.
    pub total: u64,
    /// Where the next page starts.
    pub next: Option<ViewCursor>,
}

/// The default columns of a new view.
pub const DEFAULT_COLUMNS: [&str; 9] =
    ["number", "subject", "requester", "department", "status", "priority", "assignee", "wait", "updated"];

fn require_staff(actor: &Actor) -> DeskResult<()> {
    if actor.is_staff() { Ok(()) } else { Err(DeskError::forbidden("views are for agents")) }
}

/// Whether `actor` may use `v`.
pub fn can_see(actor: &Actor, v: &ViewRecord) -> bool {
    if !actor.is_staff() {
        return false;
    }
    match v.owner_id {
        Some(owner) => owner == actor.user_id,
        None => {
            v.department_ids.is_empty()
                || actor.is_admin()
                || v.department_ids.iter().any(|d| actor.department_ids.contains(d))
        }
    }
}

/// Whether `actor` may change `v`.
pub fn can_edit(actor: &Actor, v: &ViewRecord) -> bool {
    match v.owner_id {
        Some(owner) => owner == actor.user_id,
        None => actor.is_admin(),
    }
}

/// A view's order as the store's.
pub fn store_sort(s: &ViewSort) -> TicketSort {
    let field = match s.by.as_str() {
        "updated" => SortField::UpdatedAt,
        "created" => SortField::CreatedAt,
        "priority" => SortField::Priority,
        "wait" => SortField::Wait,
        "number" => SortField::Number,
        "subject" => SortField::Subject,
        "requester" => SortField::Requester,
        "department" => SortField::Department,
        "assignee" => SortField::Assignee,
        "status" => SortField::Status,
        "sla_due" => SortField::SlaDue,
        _ => SortField::Queue,
    };
    // Boosting is part of the queue order only: other orders are exactly
    // what they say (and keyset paging needs that).
    TicketSort { field, descending: s.order != "asc", boosted_first: false }
}

impl Desk {
    /// The views `actor` may use, in position order (`active_only`: the
    /// console's list).
    pub async fn list_views(&self, actor: &Actor, active_only: bool) -> DeskResult<Vec<ViewRecord>> {
        require_staff(actor)?;
        let all = self.store.list_views().await?;
        Ok(all.into_iter().filter(|v| can_see(actor, v) && (!active_only || v.active)).collect())
    }

    /// One view `actor` may use.
    pub async fn view(&self, actor: &Actor, id: ViewId) -> DeskResult<ViewRecord> {
        require_staff(actor)?;
        self.store.view(id).await?.filter(|v| can_see(actor, v)).ok_or(DeskError::not_found("view"))
    }

    async fn check_view_input(&self, input: &ViewInput, v: &mut ViewRecord) -> DeskResult<()> {
        if let Some(t) = &input.title {
            let t = t.trim();
            if t.is_empty() || t.chars().count() > 100 {
                return Err(DeskError::invalid("title", "invalid_value", "a title is 1 to 100 characters"));
            }
            if t != v.title {
                // A renamed default view keeps its new title in every language.
                v.default_key = None;
            }
            v.title = t.to_string();
        }
        if let Some(d) = &input.description {
            if d.chars().count() > 500 {
                return Err(DeskError::invalid("description", "too_long", "at most 500 characters"));
            }
            v.description = d.trim().to_string();
        }
        if let Some(a) = input.active {
            v.active = a;
        }
        if let Some(depts) = &input.department_ids {
            if v.owner_id.is_some() && !depts.is_empty() {
                return Err(DeskError::invalid(
                    "department_ids",
                    "not_allowed",
                    "a personal view is not shared with departments",
                ));
            }
            let known = self.store.list_departments().await?;
            for (i, d) in depts.iter().enumerate() {
                if !known.iter().any(|k| k.id == *d) {
                    return Err(DeskError::invalid(
                        &format!("department_ids[{i}]"),
                        "unknown_department",
                        format!("there is no department {d}"),
                    ));
                }
            }
            let mut depts = depts.clone();
            depts.sort();
            depts.dedup();
            v.department_ids = depts;
        }
        if let Some(c) = &input.conditions {
            let checked = c.check()?;
            // Secret fields hold ciphertext: only whether they are set is asked.
            let defs = self.field_defs().await?;
            for (i, cc) in checked.all.iter().chain(checked.any.iter()).enumerate() {
                if let Field::Custom(key) = &cc.field {
                    let def = defs.iter().find(|d| &d.key == key).ok_or_else(|| {
                        DeskError::invalid("conditions", "unknown_field", format!("there is no custom field {key:?}"))
                    })?;
                    if def.field_type == FieldType::Secret
                        && !matches!(cc.operator, Operator::Present | Operator::Absent)
                    {
                        return Err(DeskError::invalid(
                            "conditions",
                            "invalid_operator",
                            format!("the secret field {key} can only be present or absent (condition {i})"),
                        ));
                    }
                }
            }
            // Status keys must exist now (they are checked again at each run).
            let statuses = self.store.statuses().await?;
            let cat = |k: &str| statuses.iter().find(|s| s.key.as_str() == k).map(|s| s.category);
            checked.resolve(&Resolver {
                user_id: tessera_core::UserId(0),
                department_ids: &[],
                now: self.now(),
                category_of: &cat,
            })?;
            v.conditions = c.clone();
        }
        if let Some(cols) = &input.columns {
            check_columns(cols)?;
            v.columns = cols.clone();
        }
        if let Some(s) = &input.sort {
            s.check()?;
            v.sort = s.clone();
        }
        Ok(())
    }

    /// Creates a view: personal for agents, shared or personal for admins.
    pub async fn create_view(&self, actor: &Actor, input: ViewInput) -> DeskResult<ViewRecord> {
        require_staff(actor)?;
        let personal = input.personal.unwrap_or(!actor.is_admin());
        if !personal && !actor.is_admin() {
            return Err(DeskError::forbidden_field("personal", "only admins share views"));
        }
        if input.title.is_none() {
            return Err(DeskError::invalid("title", "required", "a view needs a title"));
        }
        let now = self.now();
        let mut v = ViewRecord {
            id: ViewId(0),
            title: String::new(),
            description: String::new(),
            owner_id: personal.then_some(actor.user_id),
            department_ids: Vec::new(),
            active: true,
            position: 0,
            conditions: Conditions::default(),
            columns: DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect(),
            sort: ViewSort::default(),
            default_key: None,
            created_at: now,
            updated_at: now,
        };
        self.check_view_input(&input, &mut v).await?;
        Ok(self.store.insert_view(v).await?)
    }

    /// Changes a view (its owner, or an admin for shared views).
    pub async fn update_view(&self, actor: &Actor, id: ViewId, input: ViewInput) -> DeskResult<ViewRecord> {
        let mut v = self.view(actor, id).await?;
        if !can_edit(actor, &v) {
            return Err(DeskError::forbidden("only admins change shared views"));
        }
        if input.personal.is_some_and(|p| p != v.owner_id.is_some()) {
            return Err(DeskError::invalid("personal", "not_allowed", "a view stays personal or shared"));
        }
        self.check_view_input(&input, &mut v).await?;
        v.updated_at = self.now();
        self.store.update_view(&v).await?;
        Ok(v)
    }

    /// Removes a view.
    pub async fn delete_view(&self, actor: &Actor, id: ViewId) -> DeskResult<()> {
        let v = self.view(actor, id).await?;
        if !can_edit(actor, &v) {
            return Err(DeskError::forbidden("only admins remove shared views"));
        }
        Ok(self.store.delete_view(id).await?)
    }

    /// Puts views in this order (each must be one the actor may change).
    pub async fn reorder_views(&self, actor: &Actor, ids: &[ViewId]) -> DeskResult<Vec<ViewRecord>> {
        require_staff(actor)?;
        if ids.is_empty() || ids.len() > 500 {
            return Err(DeskError::invalid("ids", "invalid_value", "list 1 to 500 view ids"));
        }
        for (i, id) in ids.iter().enumerate() {
            let v = self.view(actor, *id).await.map_err(|_| {
                DeskError::invalid(&format!("ids[{i}]"), "unknown_view", format!("there is no view {id}"))
            })?;
            if !can_edit(actor, &v) {
                return Err(DeskError::forbidden_field(&format!("ids[{i}]"), "only admins reorder shared views"));
            }
            if ids[..i].contains(id) {
                return Err(DeskError::invalid(&format!("ids[{i}]"), "duplicate", "a view is listed twice"));
            }
        }
        self.store.reorder_views(ids).await?;
        self.list_views(actor, false).await
    }

    /// A view's conditions resolved for `actor` now.
    async fn resolved(&self, actor: &Actor, v: &ViewRecord) -> DeskResult<ResolvedConditions> {
        let checked = v.conditions.check()?;
        let statuses = self.store.statuses().await?;
        let cat =
            |k: &str| -> Option<StatusCategory> { statuses.iter().find(|s| s.key.as_str() == k).map(|s| s.category) };
        Ok(checked.resolve(&Resolver {
            user_id: actor.user_id,
            department_ids: &actor.department_ids,
            now: self.now(),
            category_of: &cat,
        })?)
    }

    /// A view with its filter (resolved for `actor` now) and its order, for
    /// screens that page and sort on their own (the console).
    pub async fn view_query(&self, actor: &Actor, id: ViewId) -> DeskResult<(ViewRecord, TicketFilter, TicketSort)> {
        let view = self.view(actor, id).await?;
        let resolved = self.resolved(actor, &view).await?;
        let sort = store_sort(&view.sort);
        Ok((view, TicketFilter { view: Some(resolved), ..TicketFilter::default() }, sort))
    }

    /// A page of a view's tickets with the exact total.
    pub async fn view_tickets(
        &self,
        actor: &Actor,
        id: ViewId,
        cursor: Option<ViewCursor>,
        limit: Option<u32>,
    ) -> DeskResult<ViewPage> {
        let view = self.view(actor, id).await?;
        let resolved = self.resolved(actor, &view).await?;
        let sort = store_sort(&view.sort);
        let (after, offset) = match cursor {
            Some(ViewCursor::After(c)) if sort.field.keyset() => (Some(c), 0),
            Some(ViewCursor::Offset(o)) if !sort.field.keyset() => (None, o),
            Some(_) => return Err(DeskError::invalid("cursor", "invalid_cursor", "this cursor is not of this view")),
            None => (None, 0),
        };
        let limit = limit.unwrap_or(25).clamp(1, 100);
        let q = TicketListQuery {
            filter: TicketFilter { view: Some(resolved), ..TicketFilter::default() },
            sort,
            after,
            offset,
            limit: Some(limit),
        };
        let TicketPage { tickets, next, total } = self.list_tickets(actor, q).await?;
        let next = match next {
            Some(c) => Some(ViewCursor::After(c)),
            None if !sort.field.keyset() && u64::from(offset) + u64::from(limit) < total => {
                Some(ViewCursor::Offset(offset + limit))
            }
            None => None,
        };
        Ok(ViewPage { view, tickets, total, next })
    }

    /// The exact number of tickets in a view for `actor`.
    pub async fn view_count(&self, actor: &Actor, id: ViewId) -> DeskResult<u64> {
        let view = self.view(actor, id).await?;
        self.count_view(actor, &view).await
    }

    async fn count_view(&self, actor: &Actor, view: &ViewRecord) -> DeskResult<u64> {
        let resolved = self.resolved(actor, view).await?;
        self.count_tickets(actor, TicketFilter { view: Some(resolved), ..TicketFilter::default() }).await
    }

    /// Counts of many views in one call (only those the actor may use; an
    /// unknown or hidden id is an error naming it).
    pub async fn count_views(&self, actor: &Actor, ids: &[ViewId]) -> DeskResult<Vec<(ViewId, u64)>> {
        require_staff(actor)?;
        if ids.len() > MAX_COUNT_MANY {
            return Err(DeskError::invalid("ids", "too_many", format!("at most {MAX_COUNT_MANY} views at once")));
        }
        let all = self.store.list_views().await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let v = all.iter().find(|v| v.id == *id && can_see(actor, v)).ok_or_else(|| {
                DeskError::invalid("ids", "unknown_view", format!("there is no view {id} you may use"))
            })?;
            out.push((*id, self.count_view(actor, v).await?));
        }
        Ok(out)
    }
}
