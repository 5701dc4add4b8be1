//! Users, organizations, departments and services.

use crate::PgStore;
use crate::db::{Db, Tx, execute, query, query_dynamic, query_one, query_opt};
use crate::rows::*;
use async_trait::async_trait;
use tessera_core::ids::*;
use tessera_core::{Department, Organization, Service, ServiceKind, User};
use tessera_store::sql::Value;
use tessera_store::*;

#[async_trait]
impl DirectoryStore for PgStore {
    async fn insert_user(&self, mut u: User) -> StoreResult<User> {
        transaction!(self, |tx| {
            let row = query_one(
                tx,
                "INSERT INTO users (email, email_key, name, role, organization_id, sees_all, password_hash, locale, disabled, \
                 created_at, updated_at, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
                &[
                    &u.email.as_str(),
                    &u.email.normalized(),
                    &u.name,
                    &u.role.as_str(),
                    &u.organization_id.map(|o| o.0),
                    &b(u.sees_all),
                    &u.password_hash,
                    &u.locale,
                    &b(u.disabled),
                    &ms(u.created_at),
                    &ms(u.updated_at),
                    &u.time_zone,
                ],
            )
            .await?;
            u.id = UserId(new_id(&row)?);
            Ok(u)
        })
    }

    async fn update_user(&self, u: &User) -> StoreResult<()> {
        transaction!(self, |tx| { save_user(tx, u).await })
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        let c = &self.client().await?;
        one(query_opt(c, &format!("SELECT {USER_SELECT} FROM users WHERE id = $1"), &[&id.0]).await?, user_from_row)
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let c = &self.client().await?;
        // No stored text holds NUL, and PostgreSQL refuses to bind one.
        if email.contains('\0') {
            return Ok(None);
        }
        let key = email.trim().to_lowercase();
        one(
            query_opt(c, &format!("SELECT {USER_SELECT} FROM users WHERE email_key = $1"), &[&key]).await?,
            user_from_row,
        )
    }

    async fn list_users(&self, q: &UserQuery) -> StoreResult<Vec<User>> {
        let c = &self.client().await?;
        let mut w = vec!["id > ?".to_string()];
        let mut v = vec![Value::Int(q.after.map_or(0, |u| u.0))];
        if let Some(r) = q.role {
            w.push("role = ?".into());
            v.push(Value::Text(r.as_str().into()));
        }
        if let Some(o) = q.organization_id {
            w.push("organization_id = ?".into());
            v.push(Value::Int(o.0));
        }
        if let Some(s) = &q.search {
            w.push("(strpos(email_key, ?) > 0 OR strpos(lower(name), ?) > 0)".into());
            let s = s.to_lowercase();
            v.push(Value::Text(s.clone()));
            v.push(Value::Text(s));
        }
        let sql = format!(
            "SELECT {USER_SELECT} FROM users WHERE {} ORDER BY id LIMIT {}",
            w.join(" AND "),
            q.limit.clamp(1, 1000)
        );
        all(query_dynamic(c, &numbered(&sql), &bound(&binds(&v))).await?, user_from_row)
    }

    async fn insert_organization(&self, mut o: Organization) -> StoreResult<Organization> {
        let domains = to_json(&o.email_domains)?;
        transaction!(self, |tx| {
            let row = query_one(
                tx,
                "INSERT INTO organizations (name, external_id, notes, created_at, email_domains) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&o.name, &o.external_id, &o.notes, &ms(o.created_at), &domains],
            )
            .await?;
            o.id = OrganizationId(new_id(&row)?);
            Ok(o)
        })
    }

    async fn update_organization(&self, o: &Organization) -> StoreResult<()> {
        let domains = to_json(&o.email_domains)?;
        transaction!(self, |tx| {
            let n = execute(
                tx,
                "UPDATE organizations SET name = $1, external_id = $2, notes = $3, email_domains = $5 WHERE id = $4",
                &[&o.name, &o.external_id, &o.notes, &o.id.0, &domains],
            )
            .await?;
            one_row(n)
        })
    }

    async fn organization(&self, id: OrganizationId) -> StoreResult<Option<Organization>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {ORGANIZATION_SELECT} FROM organizations WHERE id = $1");
        one(query_opt(c, &sql, &[&id.0]).await?, organization_from_row)
    }

    /// All organizations (names in code-point order, as SQLite sorts them).
    async fn list_organizations(&self) -> StoreResult<Vec<Organization>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {ORGANIZATION_SELECT} FROM organizations ORDER BY name COLLATE \"C\", id");
        all(query(c, &sql, &[]).await?, organization_from_row)
    }

    async fn insert_department(&self, mut d: Department) -> StoreResult<Department> {
        transaction!(self, |tx| {
            let row = query_one(
                tx,
                "INSERT INTO departments (name, description, public, email, auto_assign, requires_service, signature, position, \
                 created_at, mail_thread_days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    &d.name,
                    &d.description,
                    &b(d.public),
                    &d.email,
                    &auto_assign_str(d.auto_assign),
                    &b(d.requires_service),
                    &d.signature,
                    &d.position,
                    &ms(d.created_at),
                    &i64::from(d.mail_thread_days),
                ],
            )
            .await?;
            d.id = DepartmentId(new_id(&row)?);
            Ok(d)
        })
    }

    async fn update_department(&self, d: &Department) -> StoreResult<()> {
        transaction!(self, |tx| {
            let n = execute(
                tx,
                "UPDATE departments SET name = $1, description = $2, public = $3, email = $4, auto_assign = $5, \
                 requires_service = $6, signature = $7, position = $8, mail_thread_days = $10 WHERE id = $9",
                &[
                    &d.name,
                    &d.description,
                    &b(d.public),
                    &d.email,
                    &auto_assign_str(d.auto_assign),
                    &b(d.requires_service),
                    &d.signature,
                    &d.position,
                    &d.id.0,
                    &i64::from(d.mail_thread_days),
                ],
            )
            .await?;
            one_row(n)
        })
    }

    async fn department(&self, id: DepartmentId) -> StoreResult<Option<Department>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {DEPARTMENT_SELECT} FROM departments WHERE id = $1");
        one(query_opt(c, &sql, &[&id.0]).await?, department_from_row)
    }

    async fn list_departments(&self) -> StoreResult<Vec<Department>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {DEPARTMENT_SELECT} FROM departments ORDER BY position, name COLLATE \"C\"");
        all(query(c, &sql, &[]).await?, department_from_row)
    }

    async fn set_department_members(&self, dept: DepartmentId, members: &[UserId]) -> StoreResult<()> {
        transaction!(self, |tx| {
            // Locks the department row, so two replacements never interleave.
            if query_opt(tx, "SELECT 1 FROM departments WHERE id = $1 FOR UPDATE", &[&dept.0]).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            execute(tx, "DELETE FROM department_members WHERE department_id = $1", &[&dept.0]).await?;
            let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
            execute(
                tx,
                "INSERT INTO department_members (department_id, user_id) SELECT $1, u FROM unnest($2::bigint[]) AS u \
                 ON CONFLICT DO NOTHING",
                &[&dept.0, &ids],
            )
            .await?;
            Ok(())
        })
    }

    async fn department_members(&self, dept: DepartmentId) -> StoreResult<Vec<UserId>> {
        let c = &self.client().await?;
        let rows =
            query(c, "SELECT user_id FROM department_members WHERE department_id = $1 ORDER BY user_id", &[&dept.0])
                .await?;
        all(rows, |r| Ok(UserId(r.int(0)?)))
    }

    async fn user_departments(&self, user: UserId) -> StoreResult<Vec<DepartmentId>> {
        let c = &self.client().await?;
        let rows = query(
            c,
            "SELECT department_id FROM department_members WHERE user_id = $1 ORDER BY department_id",
            &[&user.0],
        )
        .await?;
        all(rows, |r| Ok(DepartmentId(r.int(0)?)))
    }

    async fn insert_service(&self, mut s: Service) -> StoreResult<Service> {
        transaction!(self, |tx| {
            let row = query_one(
                tx,
                "INSERT INTO services (kind, external_id, label, owner_id, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    &s.kind.as_str(),
                    &s.external_id,
                    &s.label,
                    &s.owner_id.0,
                    &s.status.as_str(),
                    &ms(s.created_at),
                    &ms(s.updated_at),
                ],
            )
            .await?;
            s.id = ServiceId(new_id(&row)?);
            Ok(s)
        })
    }

    async fn update_service(&self, s: &Service) -> StoreResult<()> {
        transaction!(self, |tx| {
            let n = execute(
                tx,
                "UPDATE services SET kind = $1, external_id = $2, label = $3, owner_id = $4, status = $5, updated_at = $6 \
                 WHERE id = $7",
                &[&s.kind.as_str(), &s.external_id, &s.label, &s.owner_id.0, &s.status.as_str(), &ms(s.updated_at), &s.id.0],
            )
            .await?;
            one_row(n)
        })
    }

    async fn service(&self, id: ServiceId) -> StoreResult<Option<Service>> {
        let c = &self.client().await?;
        let sql = format!("SELECT {SERVICE_SELECT} FROM services WHERE id = $1");
        one(query_opt(c, &sql, &[&id.0]).await?, service_from_row)
    }

    async fn service_by_external_id(&self, kind: ServiceKind, external_id: &str) -> StoreResult<Option<Service>> {
        let sql = format!("SELECT {SERVICE_SELECT} FROM services WHERE kind = $1 AND external_id = $2");
        one(query_opt(&self.client().await?, &sql, &[&kind.as_str(), &external_id]).await?, service_from_row)
    }

    async fn list_services(&self, owner: Option<UserId>) -> StoreResult<Vec<Service>> {
        let c = &self.client().await?;
        let rows = match owner {
            Some(o) => {
                query(c, &format!("SELECT {SERVICE_SELECT} FROM services WHERE owner_id = $1 ORDER BY id"), &[&o.0])
                    .await?
            }
            None => query(c, &format!("SELECT {SERVICE_SELECT} FROM services ORDER BY id"), &[]).await?,
        };
        all(rows, service_from_row)
    }
}

/// Saves a user over its stored row (and re-indexes their tickets when their
/// name or e-mail, which tickets are found by, changed) — alone, or as part
/// of a ticket commit (`ChangeSet::users`).
pub(crate) async fn save_user(tx: &Tx<'_>, u: &User) -> StoreResult<()> {
    let before = query_opt(tx, "SELECT name, email FROM users WHERE id = $1 FOR UPDATE", &[&u.id.0]).await?;
    let n = execute(
        tx,
        "UPDATE users SET email = $1, email_key = $2, name = $3, role = $4, organization_id = $5, sees_all = $6, \
         password_hash = $7, locale = $8, disabled = $9, updated_at = $10, time_zone = $12 WHERE id = $11",
        &[
            &u.email.as_str(),
            &u.email.normalized(),
            &u.name,
            &u.role.as_str(),
            &u.organization_id.map(|o| o.0),
            &b(u.sees_all),
            &u.password_hash,
            &u.locale,
            &b(u.disabled),
            &ms(u.updated_at),
            &u.id.0,
            &u.time_zone,
        ],
    )
    .await?;
    one_row(n)?;
    if let Some(r) = before
        && (PgRow(&r).text(0)? != u.name || PgRow(&r).text(1)? != u.email.as_str())
    {
        crate::search::index_requester_tickets(tx, u.id).await?;
    }
    Ok(())
}
