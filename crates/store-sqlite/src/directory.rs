//! Users, organizations, departments and services.

use crate::SqliteStore;
use crate::rows::*;
use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};
use tessera_core::ids::*;
use tessera_core::{Department, Organization, Service, ServiceKind, User};
use tessera_store::sql;
use tessera_store::*;

/// Creates a user.
pub fn insert_user(conn: &Connection, mut u: User) -> StoreResult<User> {
    conn.prepare_cached(
        "INSERT INTO users (email, email_key, name, role, organization_id, sees_all, password_hash, locale, disabled, \
         created_at, updated_at, time_zone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .db()?
    .execute(params![
        u.email.as_str(),
        u.email.normalized(),
        u.name,
        u.role.as_str(),
        u.organization_id.map(|o| o.0),
        u.sees_all,
        u.password_hash,
        u.locale,
        u.disabled,
        ms(u.created_at),
        ms(u.updated_at),
        u.time_zone,
    ])
    .db()?;
    u.id = UserId(conn.last_insert_rowid());
    Ok(u)
}

/// One user.
pub(crate) fn user(conn: &Connection, id: UserId) -> StoreResult<Option<User>> {
    get(conn, &format!("SELECT {USER_SELECT} FROM users WHERE id = ?1"), [id.0], read(user_from_row))
}

/// One department.
pub fn department(conn: &Connection, id: DepartmentId) -> StoreResult<Option<Department>> {
    get(conn, &format!("SELECT {DEPARTMENT_SELECT} FROM departments WHERE id = ?1"), [id.0], read(department_from_row))
}

#[async_trait]
impl DirectoryStore for SqliteStore {
    async fn insert_user(&self, u: User) -> StoreResult<User> {
        self.write(move |conn| insert_user(conn, u)).await
    }

    async fn update_user(&self, user: &User) -> StoreResult<()> {
        let u = user.clone();
        self.write(move |conn| save_user(conn, &u)).await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.lookup(move |conn| user(conn, id)).await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let email = email.to_string();
        self.lookup(move |conn| {
            get(
                conn,
                &format!("SELECT {USER_SELECT} FROM users WHERE email_key = ?1"),
                [email.trim().to_lowercase()],
                read(user_from_row),
            )
        })
        .await
    }

    async fn list_users(&self, query: &UserQuery) -> StoreResult<Vec<User>> {
        let q = query.clone();
        self.read(move |conn| {
            let mut w = vec!["id > ?".to_string()];
            let mut v = vec![sql::Value::Int(q.after.map_or(0, |u| u.0))];
            if let Some(r) = q.role {
                w.push("role = ?".into());
                v.push(sql::Value::Text(r.as_str().into()));
            }
            if let Some(o) = q.organization_id {
                w.push("organization_id = ?".into());
                v.push(sql::Value::Int(o.0));
            }
            if let Some(s) = &q.search {
                w.push("(instr(email_key, ?) > 0 OR instr(lower(name), ?) > 0)".into());
                let s = s.to_lowercase();
                v.push(sql::Value::Text(s.clone()));
                v.push(sql::Value::Text(s));
            }
            let sql = format!(
                "SELECT {USER_SELECT} FROM users WHERE {} ORDER BY id LIMIT {}",
                w.join(" AND "),
                q.limit.clamp(1, 1000)
            );
            collect(conn, &sql, bound(&v), read(user_from_row))
        })
        .await
    }

    async fn insert_organization(&self, mut o: Organization) -> StoreResult<Organization> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO organizations (name, external_id, notes, created_at, email_domains) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .db()?
            .execute(params![o.name, o.external_id, o.notes, ms(o.created_at), to_json(&o.email_domains)?])
            .db()?;
            o.id = OrganizationId(conn.last_insert_rowid());
            Ok(o)
        })
        .await
    }

    async fn update_organization(&self, org: &Organization) -> StoreResult<()> {
        let o = org.clone();
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE organizations SET name = ?1, external_id = ?2, notes = ?3, email_domains = ?5 WHERE id = ?4",
                )
                .db()?
                .execute(params![o.name, o.external_id, o.notes, o.id.0, to_json(&o.email_domains)?])
                .db()?;
            one_row(n)
        })
        .await
    }

    async fn organization(&self, id: OrganizationId) -> StoreResult<Option<Organization>> {
        self.lookup(move |conn| {
            get(
                conn,
                &format!("SELECT {ORGANIZATION_SELECT} FROM organizations WHERE id = ?1"),
                [id.0],
                read(organization_from_row),
            )
        })
        .await
    }

    async fn list_organizations(&self) -> StoreResult<Vec<Organization>> {
        self.read(move |conn| {
            collect(
                conn,
                &format!("SELECT {ORGANIZATION_SELECT} FROM organizations ORDER BY name, id"),
                [],
                read(organization_from_row),
            )
        })
        .await
    }

    async fn insert_department(&self, mut d: Department) -> StoreResult<Department> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO departments (name, description, public, email, auto_assign, requires_service, signature, position, \
                 created_at, mail_thread_days) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .db()?
            .execute(params![
                d.name,
                d.description,
                d.public,
                d.email,
                auto_assign_str(d.auto_assign),
                d.requires_service,
                d.signature,
                d.position,
                ms(d.created_at),
                d.mail_thread_days,
            ])
            .db()?;
            d.id = DepartmentId(conn.last_insert_rowid());
            Ok(d)
        })
        .await
    }

    async fn update_department(&self, dept: &Department) -> StoreResult<()> {
        let d = dept.clone();
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE departments SET name = ?1, description = ?2, public = ?3, email = ?4, auto_assign = ?5, \
                     requires_service = ?6, signature = ?7, position = ?8, mail_thread_days = ?10 WHERE id = ?9",
                )
                .db()?
                .execute(params![
                    d.name,
                    d.description,
                    d.public,
                    d.email,
                    auto_assign_str(d.auto_assign),
                    d.requires_service,
                    d.signature,
                    d.position,
                    d.id.0,
                    d.mail_thread_days,
                ])
                .db()?;
            one_row(n)
        })
        .await
    }

    async fn department(&self, id: DepartmentId) -> StoreResult<Option<Department>> {
        self.lookup(move |conn| department(conn, id)).await
    }

    async fn list_departments(&self) -> StoreResult<Vec<Department>> {
        self.lookup(move |conn| {
            collect(
                conn,
                &format!("SELECT {DEPARTMENT_SELECT} FROM departments ORDER BY position, name"),
                [],
                read(department_from_row),
            )
        })
        .await
    }

    async fn set_department_members(&self, dept: DepartmentId, members: &[UserId]) -> StoreResult<()> {
        let members = members.to_vec();
        self.write(move |conn| {
            if department(conn, dept)?.is_none() {
                return Err(StoreError::NotFound);
            }
            conn.execute("DELETE FROM department_members WHERE department_id = ?1", [dept.0]).db()?;
            let mut ins = conn
                .prepare_cached("INSERT OR IGNORE INTO department_members (department_id, user_id) VALUES (?1, ?2)")
                .db()?;
            for m in members {
                ins.execute(params![dept.0, m.0]).db()?;
            }
            Ok(())
        })
        .await
    }

    async fn department_members(&self, dept: DepartmentId) -> StoreResult<Vec<UserId>> {
        self.read(move |conn| {
            collect(
                conn,
                "SELECT user_id FROM department_members WHERE department_id = ?1 ORDER BY user_id",
                [dept.0],
                |r| Ok(UserId(r.get(0)?)),
            )
        })
        .await
    }

    async fn user_departments(&self, user: UserId) -> StoreResult<Vec<DepartmentId>> {
        self.lookup(move |conn| {
            collect(
                conn,
                "SELECT department_id FROM department_members WHERE user_id = ?1 ORDER BY department_id",
                [user.0],
                |r| Ok(DepartmentId(r.get(0)?)),
            )
        })
        .await
    }

    async fn insert_service(&self, mut s: Service) -> StoreResult<Service> {
        self.write(move |conn| {
            conn.prepare_cached(
                "INSERT INTO services (kind, external_id, label, owner_id, status, created_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .db()?
            .execute(params![
                s.kind.as_str(),
                s.external_id,
                s.label,
                s.owner_id.0,
                s.status.as_str(),
                ms(s.created_at),
                ms(s.updated_at)
            ])
            .db()?;
            s.id = ServiceId(conn.last_insert_rowid());
            Ok(s)
        })
        .await
    }

    async fn update_service(&self, service: &Service) -> StoreResult<()> {
        let s = service.clone();
        self.write(move |conn| {
            let n = conn
                .prepare_cached(
                    "UPDATE services SET kind = ?1, external_id = ?2, label = ?3, owner_id = ?4, status = ?5, updated_at = ?6 \
                     WHERE id = ?7",
                )
                .db()?
                .execute(params![
                    s.kind.as_str(),
                    s.external_id,
                    s.label,
                    s.owner_id.0,
                    s.status.as_str(),
                    ms(s.updated_at),
                    s.id.0
                ])
                .db()?;
            one_row(n)
        })
        .await
    }

    async fn service(&self, id: ServiceId) -> StoreResult<Option<Service>> {
        self.lookup(move |conn| {
            get(conn, &format!("SELECT {SERVICE_SELECT} FROM services WHERE id = ?1"), [id.0], read(service_from_row))
        })
        .await
    }

    async fn service_by_external_id(&self, kind: ServiceKind, external_id: &str) -> StoreResult<Option<Service>> {
        let external_id = external_id.to_string();
        self.read(move |conn| {
            get(
                conn,
                &format!("SELECT {SERVICE_SELECT} FROM services WHERE kind = ?1 AND external_id = ?2"),
                params![kind.as_str(), external_id],
                read(service_from_row),
            )
        })
        .await
    }

    async fn list_services(&self, owner: Option<UserId>) -> StoreResult<Vec<Service>> {
        self.read(move |conn| match owner {
            Some(o) => collect(
                conn,
                &format!("SELECT {SERVICE_SELECT} FROM services WHERE owner_id = ?1 ORDER BY id"),
                [o.0],
                read(service_from_row),
            ),
            None => {
                collect(conn, &format!("SELECT {SERVICE_SELECT} FROM services ORDER BY id"), [], read(service_from_row))
            }
        })
        .await
    }
}

/// Saves a user over its stored row (and re-indexes their tickets when their
/// name or e-mail, which tickets are found by, changed) — alone, or as part
/// of a ticket commit (`ChangeSet::users`).
pub(crate) fn save_user(conn: &Connection, u: &User) -> StoreResult<()> {
    let before: Option<(String, String)> = conn
        .prepare_cached("SELECT name, email FROM users WHERE id = ?1")
        .db()?
        .query_row([u.id.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    let n = conn
        .prepare_cached(
            "UPDATE users SET email = ?1, email_key = ?2, name = ?3, role = ?4, organization_id = ?5, sees_all = ?6, \
             password_hash = ?7, locale = ?8, disabled = ?9, updated_at = ?10, time_zone = ?12 WHERE id = ?11",
        )
        .db()?
        .execute(params![
            u.email.as_str(),
            u.email.normalized(),
            u.name,
            u.role.as_str(),
            u.organization_id.map(|o| o.0),
            u.sees_all,
            u.password_hash,
            u.locale,
            u.disabled,
            ms(u.updated_at),
            u.id.0,
            u.time_zone,
        ])
        .db()?;
    one_row(n)?;
    // Tickets are found by their requester's name and e-mail.
    if before.is_some_and(|(name, email)| name != u.name || email != u.email.as_str()) {
        crate::search_index::index_requester_tickets(conn, u.id.0)?;
    }
    Ok(())
}
