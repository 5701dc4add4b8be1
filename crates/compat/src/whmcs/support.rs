//! The support catalogue actions: departments, statuses and the counts
//! WHMCS's admin sidebar shows.

use super::answer::{Fields, WhmcsError};
use super::context::Ctx;
use super::params::Params;
use super::present::id_text;
use super::statuses::{self, TITLES};
use serde_json::{Map, Value, json};
use tessera_core::ids::DepartmentId;
use tessera_core::status::Status;
use tessera_core::view::ResolvedConditions;
use tessera_store::TicketFilter;

fn desk(e: tessera_desk::DeskError) -> WhmcsError {
    WhmcsError::from_desk(e, "Department ID not found")
}

/// The number of tickets the caller sees in a status (or pseudo-status),
/// within `dept` when given.
async fn count(ctx: &Ctx, status: &str, dept: Option<DepartmentId>, cat: &[Status]) -> Result<u64, WhmcsError> {
    let mut filter = TicketFilter::default();
    let mut conds = ResolvedConditions::default();
    statuses::narrow(&mut filter, &mut conds, status, ctx.actor.user_id, cat)?;
    if let Some(d) = dept {
        filter.department_ids = vec![d];
    }
    if !conds.all.is_empty() || !conds.any.is_empty() {
        filter.view = Some(conds);
    }
    ctx.desk.count_tickets(&ctx.actor, filter).await.map_err(desk)
}

/// `GetSupportDepartments`: an agent's own departments (all with
/// `ignore_dept_assignments`), an admin's all.
pub async fn departments(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let all = p.flag("ignore_dept_assignments")? || ctx.actor.is_admin();
    let cat = ctx.desk.statuses().await.map_err(desk)?;
    let list = ctx.desk.list_departments(&ctx.actor).await.map_err(desk)?;
    let mut items = Vec::new();
    for d in list.iter().map(|v| &v.department) {
        if !all && !ctx.actor.department_ids.contains(&d.id) {
            continue;
        }
        let awaiting = count(ctx, "Awaiting Reply", Some(d.id), &cat).await?;
        let open = count(ctx, "All Active Tickets", Some(d.id), &cat).await?;
        items.push(json!({
            "id": id_text(d.id.0),
            "name": d.name,
            "awaitingreply": awaiting.to_string(),
            "opentickets": open.to_string(),
        }));
    }
    let mut f = Fields::new();
    f.insert("totalresults".into(), Value::String(items.len().to_string()));
    f.insert("departments".into(), json!({ "department": items }));
    Ok(f)
}

/// `GetSupportStatuses`: WHMCS's six titles, then the admin-defined
/// statuses, each with its count (a number, as WHMCS) and colour.
pub async fn statuses(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let dept = p.id("deptid")?.map(DepartmentId);
    if let Some(d) = dept
        && ctx.department_name(d).await?.is_none()
    {
        return Err(WhmcsError::not_found("Department ID not found"));
    }
    let cat = ctx.desk.statuses().await.map_err(desk)?;
    let mut items = Vec::new();
    for (title, colour) in TITLES {
        let n = count(ctx, title, dept, &cat).await?;
        items.push(json!({"title": title, "count": n, "color": colour}));
    }
    for s in cat.iter().filter(|s| !s.builtin) {
        let n = count(ctx, &s.key.0, dept, &cat).await?;
        items.push(json!({"title": s.name, "count": n, "color": statuses::colour_of(s)}));
    }
    let mut f = Fields::new();
    f.insert("totalresults".into(), Value::String(items.len().to_string()));
    f.insert("statuses".into(), json!({ "status": items }));
    Ok(f)
}

/// `GetTicketCounts`.
pub async fn counts(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    p.flag("ignoreDepartmentAssignments")?;
    let by_status = p.flag("includeCountsByStatus")?;
    let cat = ctx.desk.statuses().await.map_err(desk)?;
    let departments: Vec<i64> = if ctx.actor.is_admin() {
        ctx.desk.list_departments(&ctx.actor).await.map_err(desk)?.iter().map(|d| d.department.id.0).collect()
    } else {
        ctx.actor.department_ids.iter().map(|d| d.0).collect()
    };
    let mut f = Fields::new();
    f.insert("filteredDepartments".into(), json!(departments));
    f.insert("allActive".into(), json!(count(ctx, "All Active Tickets", None, &cat).await?));
    f.insert("awaitingReply".into(), json!(count(ctx, "Awaiting Reply", None, &cat).await?));
    f.insert("flaggedTickets".into(), json!(count(ctx, "My Flagged Tickets", None, &cat).await?));
    if by_status {
        let mut map = Map::new();
        for (title, _) in TITLES {
            let key: String =
                title.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
            let n = count(ctx, title, None, &cat).await?;
            map.insert(key, json!({"title": title, "count": n}));
        }
        f.insert("status".into(), Value::Object(map));
    }
    Ok(f)
}
