//! Everything around tickets: users, organizations, departments, services,
//! statuses, custom fields and tokens, with who may see and change them.
//!
//! - users: admins manage everyone; agents see everyone, create customers and
//!   change their names (never a password, an address, an organization or
//!   `sees_all`: those give reach, and are admins' to give);
//!   a customer sees and edits only themselves (name, locale, time zone, password);
//! - organizations, services: agents manage them; customers see their own;
//! - departments, statuses, custom fields: admins manage them; everyone
//!   reads them (customers only public departments and their own fields);
//! - tokens: everyone manages their own; admins everyone's.

use crate::error::{DeskError, DeskResult};
use crate::inputs::*;
use crate::{Desk, auth, random};
use std::collections::BTreeMap;
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::{Status, StatusKey};
use tessera_core::user::{validate_locale, validate_name, validate_time_zone};
use tessera_core::{
    Actor, AutoAssign, Department, Email, Organization, Role, Service, ServiceKind, ServiceStatus, User,
};
use tessera_store::{TokenRecord, UserQuery};

/// A user with their department memberships.
#[derive(Debug, Clone)]
pub struct UserView {
    /// The user.
    pub user: User,
    /// Departments (agents and admins).
    pub department_ids: Vec<DepartmentId>,
}

/// A department with its members.
#[derive(Debug, Clone)]
pub struct DepartmentView {
    /// The department.
    pub department: Department,
    /// Agent members (shown to agents only).
    pub member_ids: Vec<UserId>,
}

/// A token just made: the only time its secret is shown.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    /// The stored record.
    pub record: TokenRecord,
    /// The secret half.
    pub secret: String,
    /// `identifier.secret`, the Bearer token.
    pub token: String,
}

fn require_admin(actor: &Actor) -> DeskResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(DeskError::forbidden("only admins may do this")) }
}

fn require_staff(actor: &Actor) -> DeskResult<()> {
    if actor.is_staff() { Ok(()) } else { Err(DeskError::forbidden("only agents may do this")) }
}

fn text(field: &str, v: &str, max: usize) -> DeskResult<String> {
    if v.chars().count() > max {
        return Err(DeskError::invalid(field, "too_long", format!("{field} is longer than {max} characters")));
    }
    Ok(v.trim().to_string())
}

fn external_id(v: &str) -> DeskResult<String> {
    let v = v.trim();
    if v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control) {
        return Err(DeskError::invalid("external_id", "invalid_value", "an external id is 1 to 100 characters"));
    }
    Ok(v.to_string())
}

impl Desk {
    // ---- users ---------------------------------------------------------------------

    /// The signed-in user.
    pub async fn me(&self, actor: &Actor) -> DeskResult<UserView> {
        self.user(actor, actor.user_id).await
    }

    /// One user (customers: only themselves).
    pub async fn user(&self, actor: &Actor, id: UserId) -> DeskResult<UserView> {
        if !actor.is_staff() && id != actor.user_id {
            return Err(DeskError::not_found("user"));
        }
        let user = self.store.user(id).await?.ok_or(DeskError::not_found("user"))?;
        let department_ids = if user.role.is_staff() { self.store.user_departments(id).await? } else { vec![] };
        Ok(UserView { user, department_ids })
    }

    /// A page of users (agents).
    pub async fn list_users(&self, actor: &Actor, mut q: UserQuery) -> DeskResult<Vec<User>> {
        require_staff(actor)?;
        q.limit = q.limit.clamp(1, 200);
        Ok(self.store.list_users(&q).await?)
    }

    /// Creates a user: admins any role, agents customers. An agent's
    /// customer has no password, no organization and no reach: whoever
    /// knows a customer's password can act as that customer everywhere, and
    /// an organization with `sees_all` shows its tickets, so both are
    /// admins' decisions (an agent could otherwise make a customer it
    /// controls and read through it what its departments do not show).
    pub async fn create_user(&self, actor: &Actor, input: CreateUser) -> DeskResult<UserView> {
        require_staff(actor)?;
        if !actor.is_admin() {
            let admin_only = [
                ("role", input.role != Role::Customer),
                ("password", input.password.is_some()),
                ("organization_id", input.organization_id.is_some()),
                ("sees_all", input.sees_all),
            ];
            if let Some((field, _)) = admin_only.iter().find(|(_, set)| *set) {
                return Err(DeskError::forbidden_field(field, format!("only admins set {field} of a new user")));
            }
        }
        self.create_user_unchecked(input).await
    }

    /// Creates a user without a permission check: for the operator's CLI
    /// and the first start.
    pub async fn create_user_unchecked(&self, input: CreateUser) -> DeskResult<UserView> {
        let now = self.now();
        let name = validate_name("name", &input.name)?;
        let locale = validate_locale(input.locale.as_deref().unwrap_or("en"))?;
        let time_zone = validate_time_zone(input.time_zone.as_deref().unwrap_or("UTC"))?;
        if let Some(o) = input.organization_id
            && self.store.organization(o).await?.is_none()
        {
            return Err(DeskError::invalid("organization_id", "unknown_organization", "there is no such organization"));
        }
        let password_hash = match &input.password {
            Some(p) => {
                auth::check_password(p)?;
                Some(auth::hash_password(p).await?)
            }
            None => None,
        };
        if self.store.user_by_email(input.email.as_str()).await?.is_some() {
            return Err(email_taken());
        }
        let user = User {
            id: UserId(0),
            email: input.email,
            name,
            role: input.role,
            organization_id: input.organization_id,
            sees_all: input.sees_all,
            password_hash,
            locale,
            time_zone,
            disabled: false,
            created_at: now,
            updated_at: now,
        };
        let user = self.store.insert_user(user).await.map_err(|e| match e {
            tessera_store::StoreError::Duplicate(_) => email_taken(),
            other => other.into(),
        })?;
        Ok(UserView { user, department_ids: vec![] })
    }

    /// Changes a user. Admins change anything; agents change customers'
    /// name, language and time zone; everyone changes their own name,
    /// locale and password. What gives reach or takes an account over (a
    /// password, an address to send sign-in links to, an organization,
    /// `sees_all`) is set on another user by admins only.
    pub async fn update_user(&self, actor: &Actor, id: UserId, input: UpdateUser) -> DeskResult<UserView> {
        self.update_user_in_session(actor, id, input, None).await
    }

    /// [`Desk::update_user`] from a signed-in session (the web account
    /// form), which a new password does not end: every other session of
    /// the user does, whichever door the change came through. API tokens
    /// stay: they are credentials of their own, listed and revoked one by
    /// one (a billing panel's token must not stop because a person chose a
    /// new password).
    pub async fn update_user_in_session(
        &self,
        actor: &Actor,
        id: UserId,
        input: UpdateUser,
        session_hash: Option<&str>,
    ) -> DeskResult<UserView> {
        let mut user = self.user(actor, id).await?.user;
        let own = id == actor.user_id;
        let manages = actor.is_admin() || (actor.is_staff() && user.role == Role::Customer);
        if !(own || manages) {
            return Err(DeskError::forbidden("you may not change this user"));
        }
        let admin_only = [("role", input.role.is_some()), ("disabled", input.disabled.is_some())];
        if let Some((field, _)) = admin_only.iter().find(|(_, set)| *set).filter(|_| !actor.is_admin()) {
            return Err(DeskError::forbidden_field(field, format!("only admins change {field}")));
        }
        let reach = [
            ("email", input.email.is_some()),
            ("organization_id", input.organization_id.is_some()),
            ("sees_all", input.sees_all.is_some()),
        ];
        if let Some((field, _)) = reach.iter().find(|(_, set)| *set).filter(|_| !actor.is_admin()) {
            return Err(DeskError::forbidden_field(field, format!("only admins change {field}")));
        }
        if input.password.is_some() && !(own || actor.is_admin()) {
            return Err(DeskError::forbidden_field("password", "only admins set other users' passwords"));
        }
        if own && input.disabled == Some(true) {
            return Err(DeskError::invalid("disabled", "not_allowed", "you cannot disable yourself"));
        }
        if let Some(n) = &input.name {
            user.name = validate_name("name", n)?;
        }
        if let Some(l) = &input.locale {
            user.locale = validate_locale(l)?;
        }
        if let Some(tz) = &input.time_zone {
            user.time_zone = validate_time_zone(tz)?;
        }
        if let Some(e) = &input.email {
            if let Some(other) = self.store.user_by_email(e.as_str()).await?
                && other.id != id
            {
                return Err(email_taken());
            }
            user.email = e.clone();
        }
        if let Some(o) = input.organization_id {
            if let Some(o) = o
                && self.store.organization(o).await?.is_none()
            {
                return Err(DeskError::invalid(
                    "organization_id",
                    "unknown_organization",
                    "there is no such organization",
                ));
            }
            user.organization_id = o;
        }
        if let Some(s) = input.sees_all {
            user.sees_all = s;
        }
        if let Some(r) = input.role {
            user.role = r;
        }
        if let Some(d) = input.disabled {
            user.disabled = d;
        }
        let stays_admin = user.role == Role::Admin && !user.disabled;
        let was_admin = self.store.user(id).await?.is_some_and(|u| u.role == Role::Admin && !u.disabled);
        if was_admin && !stays_admin {
            let admins = self
                .store
                .list_users(&UserQuery { role: Some(Role::Admin), limit: 1000, ..UserQuery::default() })
                .await?;
            if admins.iter().filter(|a| !a.disabled).count() <= 1 {
                let field = if input.disabled == Some(true) { "disabled" } else { "role" };
                return Err(DeskError::invalid(
                    field,
                    "last_admin",
                    "the last administrator must stay an active administrator",
                ));
            }
        }
        if let Some(p) = &input.password {
            auth::check_password(p)?;
            user.password_hash = Some(auth::hash_password(p).await?);
        }
        user.updated_at = self.now();
        let updated = self.store.update_user(&user).await;
        self.forget_actors();
        updated.map_err(|e| match e {
            tessera_store::StoreError::Duplicate(_) => email_taken(),
            other => other.into(),
        })?;
        if user.disabled {
            // A disabled user's sessions end, rather than wait to come back
            // if the user is enabled again; API tokens, credentials of their
            // own, are only refused while it lasts.
            self.store.delete_sessions_of(id, None).await?;
        } else if input.password.is_some() {
            // Every other session ends; the one the user changed it in, if
            // it was theirs, stays.
            let keep = if own { session_hash } else { None };
            self.store.delete_sessions_of(id, keep).await?;
        }
        if user.role == Role::Customer {
            // A former agent leaves their departments.
            for d in self.store.user_departments(id).await? {
                let members: Vec<UserId> =
                    self.store.department_members(d).await?.into_iter().filter(|m| *m != id).collect();
                self.store.set_department_members(d, &members).await?;
                self.forget_actors();
            }
        }
        self.user(actor, id).await
    }

    /// Sets the departments an agent or admin belongs to (admins): the
    /// user's side of what a department's member list sets, so an agent is
    /// set up in one form. A customer belongs to none.
    pub async fn set_user_departments(
        &self,
        actor: &Actor,
        id: UserId,
        departments: &[DepartmentId],
    ) -> DeskResult<UserView> {
        require_admin(actor)?;
        let user = self.store.user(id).await?.ok_or(DeskError::not_found("user"))?;
        if !user.role.is_staff() && !departments.is_empty() {
            return Err(DeskError::invalid(
                "department_ids",
                "not_an_agent",
                "only agents and admins belong to departments",
            ));
        }
        let known: Vec<DepartmentId> = self.store.list_departments().await?.iter().map(|d| d.id).collect();
        if let Some(d) = departments.iter().find(|d| !known.contains(d)) {
            return Err(DeskError::invalid(
                "department_ids",
                "unknown_department",
                format!("there is no department {d}"),
            ));
        }
        for d in known {
            let mut members = self.store.department_members(d).await?;
            let was = members.contains(&id);
            let wanted = departments.contains(&d);
            if was == wanted {
                continue;
            }
            if wanted {
                members.push(id);
                members.sort();
            } else {
                members.retain(|m| *m != id);
            }
            self.store.set_department_members(d, &members).await?;
        }
        self.forget_actors();
        self.user(actor, id).await
    }

    /// Sets a user's password without a permission check (operator CLI);
    /// every session of the user ends, as with any password change.
    pub async fn set_password_unchecked(&self, id: UserId, password: &str) -> DeskResult<()> {
        auth::check_password(password)?;
        let mut user = self.store.user(id).await?.ok_or(DeskError::not_found("user"))?;
        user.password_hash = Some(auth::hash_password(password).await?);
        user.updated_at = self.now();
        self.store.update_user(&user).await?;
        Ok(self.store.delete_sessions_of(id, None).await?)
    }

    // ---- organizations ------------------------------------------------------------------

    /// Organizations (agents: all; customers: their own).
    pub async fn list_organizations(&self, actor: &Actor) -> DeskResult<Vec<Organization>> {
        let all = self.store.list_organizations().await?;
        Ok(if actor.is_staff() {
            all
        } else {
            all.into_iter().filter(|o| Some(o.id) == actor.organization_id).collect()
        })
    }

    /// One organization.
    pub async fn organization(&self, actor: &Actor, id: OrganizationId) -> DeskResult<Organization> {
        if !actor.is_staff() && actor.organization_id != Some(id) {
            return Err(DeskError::not_found("organization"));
        }
        self.store.organization(id).await?.ok_or(DeskError::not_found("organization"))
    }

    /// Creates an organization (agents).
    pub async fn create_organization(&self, actor: &Actor, input: OrganizationInput) -> DeskResult<Organization> {
        require_staff(actor)?;
        let name = validate_name("name", input.name.as_deref().unwrap_or(""))?;
        let email_domains = match &input.email_domains {
            Some(d) => self.email_domains(actor, None, d).await?,
            None => Vec::new(),
        };
        let org = Organization {
            id: OrganizationId(0),
            name,
            external_id: input.external_id.flatten().as_deref().map(external_id).transpose()?,
            notes: text("notes", input.notes.as_deref().unwrap_or(""), 10_000)?,
            email_domains,
            created_at: self.now(),
        };
        Ok(self.store.insert_organization(org).await?)
    }

    /// Changes an organization (agents).
    pub async fn update_organization(
        &self,
        actor: &Actor,
        id: OrganizationId,
        input: OrganizationInput,
    ) -> DeskResult<Organization> {
        // Outsiders are told it does not exist; its members may see it but
        // not change it.
        let mut org = self.organization(actor, id).await?;
        require_staff(actor)?;
        if let Some(n) = &input.name {
            org.name = validate_name("name", n)?;
        }
        if let Some(e) = input.external_id {
            org.external_id = e.as_deref().map(external_id).transpose()?;
        }
        if let Some(n) = &input.notes {
            org.notes = text("notes", n, 10_000)?;
        }
        if let Some(d) = &input.email_domains {
            org.email_domains = self.email_domains(actor, Some(id), d).await?;
        }
        self.store.update_organization(&org).await?;
        Ok(org)
    }

    /// Checks an organization's mail domains: admins only (a domain gives
    /// its senders the organization), each a plain domain name, at most 20,
    /// none another organization's.
    async fn email_domains(
        &self,
        actor: &Actor,
        org: Option<OrganizationId>,
        domains: &[String],
    ) -> DeskResult<Vec<String>> {
        if !actor.is_admin() {
            return Err(DeskError::forbidden_field("email_domains", "only admins change email_domains"));
        }
        if domains.len() > 20 {
            return Err(DeskError::invalid("email_domains", "too_many", "at most 20 domains"));
        }
        let mut out: Vec<String> = Vec::new();
        for d in domains {
            let d = d.trim().trim_start_matches('@').to_lowercase();
            let plain = !d.is_empty()
                && d.len() <= 253
                && d.contains('.')
                && d.split('.').all(|l| {
                    !l.is_empty() && !l.starts_with('-') && l.chars().all(|c| c.is_alphanumeric() || c == '-')
                });
            if !plain {
                return Err(DeskError::invalid(
                    "email_domains",
                    "invalid_value",
                    format!("{d:?} is not a domain name"),
                ));
            }
            if !out.contains(&d) {
                out.push(d);
            }
        }
        for other in self.store.list_organizations().await? {
            if Some(other.id) != org
                && let Some(taken) = other.email_domains.iter().find(|d| out.contains(d))
            {
                return Err(DeskError::invalid(
                    "email_domains",
                    "taken",
                    format!("{taken} belongs to the organization {}", other.name),
                ));
            }
        }
        Ok(out)
    }

    // ---- departments ----------------------------------------------------------------------

    /// Departments (customers: public ones, without members).
    pub async fn list_departments(&self, actor: &Actor) -> DeskResult<Vec<DepartmentView>> {
        let mut out = Vec::new();
        for d in self.store.list_departments().await? {
            if !actor.is_staff() && !d.public {
                continue;
            }
            let member_ids = if actor.is_staff() { self.store.department_members(d.id).await? } else { vec![] };
            out.push(DepartmentView { department: d, member_ids });
        }
        Ok(out)
    }

    /// One department.
    pub async fn department(&self, actor: &Actor, id: DepartmentId) -> DeskResult<DepartmentView> {
        let d = self
            .store
            .department(id)
            .await?
            .filter(|d| actor.is_staff() || d.public)
            .ok_or(DeskError::not_found("department"))?;
        let member_ids = if actor.is_staff() { self.store.department_members(id).await? } else { vec![] };
        Ok(DepartmentView { department: d, member_ids })
    }

    async fn check_members(&self, ids: &[UserId]) -> DeskResult<Vec<UserId>> {
        let mut out = Vec::new();
        for id in ids {
            match self.store.user(*id).await? {
                Some(u) if u.role.is_staff() => out.push(*id),
                _ => {
                    return Err(DeskError::invalid(
                        "member_ids",
                        "unknown_agent",
                        format!("user {id} is not an agent"),
                    ));
                }
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn apply_department(d: &mut Department, input: &DepartmentInput) -> DeskResult<()> {
        if let Some(n) = &input.name {
            d.name = validate_name("name", n)?;
        }
        if let Some(v) = &input.description {
            d.description = text("description", v, 2000)?;
        }
        if let Some(v) = input.public {
            d.public = v;
        }
        if let Some(v) = &input.email {
            d.email = v.as_ref().map(Email::to_string);
        }
        if let Some(v) = input.auto_assign {
            d.auto_assign = v;
        }
        if let Some(v) = input.requires_service {
            d.requires_service = v;
        }
        if let Some(v) = input.mail_thread_days {
            if v > 365 {
                return Err(DeskError::invalid("mail_thread_days", "out_of_range", "at most 365 days"));
            }
            d.mail_thread_days = v;
        }
        if let Some(v) = &input.signature {
            d.signature = text("signature", v, 5000)?;
        }
        if let Some(v) = input.position {
            d.position = v;
        }
        Ok(())
    }

    /// Creates a department (admins).
    pub async fn create_department(&self, actor: &Actor, input: DepartmentInput) -> DeskResult<DepartmentView> {
        require_admin(actor)?;
        if input.name.is_none() {
            return Err(DeskError::invalid("name", "required", "a department needs a name"));
        }
        let members = match &input.member_ids {
            Some(m) => self.check_members(m).await?,
            None => vec![],
        };
        let mut d = Department {
            id: DepartmentId(0),
            name: String::new(),
            description: String::new(),
            public: true,
            email: None,
            auto_assign: AutoAssign::None,
            requires_service: false,
            signature: String::new(),
            position: 0,
            created_at: self.now(),
            mail_thread_days: 0,
        };
        Self::apply_department(&mut d, &input)?;
        let d = self.store.insert_department(d).await?;
        self.store.set_department_members(d.id, &members).await?;
        self.forget_actors();
        Ok(DepartmentView { department: d, member_ids: members })
    }

    /// Changes a department (admins).
    pub async fn update_department(
        &self,
        actor: &Actor,
        id: DepartmentId,
        input: DepartmentInput,
    ) -> DeskResult<DepartmentView> {
        require_admin(actor)?;
        let mut d = self.store.department(id).await?.ok_or(DeskError::not_found("department"))?;
        let members = match &input.member_ids {
            Some(m) => Some(self.check_members(m).await?),
            None => None,
        };
        Self::apply_department(&mut d, &input)?;
        self.store.update_department(&d).await?;
        if let Some(m) = members {
            self.store.set_department_members(id, &m).await?;
            self.forget_actors();
        }
        self.department(actor, id).await
    }

    // ---- services ------------------------------------------------------------------------------

    /// Services (agents: all or one owner's; customers: their own).
    pub async fn list_services(&self, actor: &Actor, owner: Option<UserId>) -> DeskResult<Vec<Service>> {
        let owner = if actor.is_staff() { owner } else { Some(actor.user_id) };
        Ok(self.store.list_services(owner).await?)
    }

    /// One service.
    pub async fn service(&self, actor: &Actor, id: ServiceId) -> DeskResult<Service> {
        self.store
            .service(id)
            .await?
            .filter(|s| actor.is_staff() || s.owner_id == actor.user_id)
            .ok_or(DeskError::not_found("service"))
    }

    async fn resolve_owner(&self, input: &ServiceInput) -> DeskResult<Option<UserId>> {
        match (&input.owner_id, &input.owner_email) {
            (Some(_), Some(_)) => {
                Err(DeskError::invalid("owner_email", "conflict", "give owner_id or owner_email, not both"))
            }
            (Some(id), None) => match self.store.user(*id).await? {
                Some(u) => Ok(Some(u.id)),
                None => Err(DeskError::invalid("owner_id", "unknown_user", "there is no such user")),
            },
            (None, Some(email)) => match self.store.user_by_email(email.as_str()).await? {
                Some(u) => Ok(Some(u.id)),
                None => {
                    let name = email.as_str().split('@').next().unwrap_or("customer").to_string();
                    let created =
                        self.create_user_unchecked(CreateUser::new(email.clone(), &name, Role::Customer)).await?;
                    Ok(Some(created.user.id))
                }
            },
            (None, None) => Ok(None),
        }
    }

    /// Creates a service (agents).
    pub async fn create_service(&self, actor: &Actor, input: ServiceInput) -> DeskResult<Service> {
        require_staff(actor)?;
        let kind = input.kind.ok_or_else(|| DeskError::invalid("kind", "required", "a service needs a kind"))?;
        let label = validate_name("label", input.label.as_deref().unwrap_or(""))?;
        let external = input.external_id.clone().flatten().as_deref().map(external_id).transpose()?;
        let owner = self.resolve_owner(&input).await?.ok_or_else(|| {
            DeskError::invalid("owner_id", "required", "a service needs an owner (owner_id or owner_email)")
        })?;
        let now = self.now();
        let s = Service {
            id: ServiceId(0),
            kind,
            external_id: external,
            label,
            owner_id: owner,
            status: input.status.unwrap_or(ServiceStatus::Active),
            created_at: now,
            updated_at: now,
        };
        Ok(self.store.insert_service(s).await?)
    }

    /// Changes a service (agents).
    pub async fn update_service(&self, actor: &Actor, id: ServiceId, input: ServiceInput) -> DeskResult<Service> {
        // Anyone but its owner and staff is told it does not exist; its
        // owner may see it but not change it.
        let mut s = self.service(actor, id).await?;
        require_staff(actor)?;
        self.apply_service(&mut s, &input).await?;
        self.store.update_service(&s).await?;
        Ok(s)
    }

    async fn apply_service(&self, s: &mut Service, input: &ServiceInput) -> DeskResult<()> {
        if let Some(k) = input.kind {
            s.kind = k;
        }
        if let Some(e) = &input.external_id {
            s.external_id = e.as_deref().map(external_id).transpose()?;
        }
        if let Some(l) = &input.label {
            s.label = validate_name("label", l)?;
        }
        if let Some(o) = self.resolve_owner(input).await? {
            s.owner_id = o;
        }
        if let Some(st) = input.status {
            s.status = st;
        }
        s.updated_at = self.now();
        Ok(())
    }

    /// Creates or updates the service a billing system knows as
    /// (`kind`, `external_id`); answers it and whether it was created.
    pub async fn upsert_service(
        &self,
        actor: &Actor,
        kind: ServiceKind,
        ext: &str,
        mut input: ServiceInput,
    ) -> DeskResult<(Service, bool)> {
        require_staff(actor)?;
        let ext = external_id(ext)?;
        if input.kind.is_some_and(|k| k != kind) {
            return Err(DeskError::invalid("kind", "conflict", "the kind is given by the path"));
        }
        if input.external_id.as_ref().is_some_and(|e| e.as_deref() != Some(ext.as_str())) {
            return Err(DeskError::invalid("external_id", "conflict", "the external id is given by the path"));
        }
        input.kind = Some(kind);
        input.external_id = Some(Some(ext.clone()));
        match self.store.service_by_external_id(kind, &ext).await? {
            Some(mut s) => {
                self.apply_service(&mut s, &input).await?;
                self.store.update_service(&s).await?;
                Ok((s, false))
            }
            None => Ok((self.create_service(actor, input).await?, true)),
        }
    }

    // ---- statuses and custom fields ----------------------------------------------------------------

    /// Adds a status in a category (admins).
    pub async fn create_status(&self, actor: &Actor, input: StatusInput) -> DeskResult<Status> {
        require_admin(actor)?;
        let key = StatusKey::parse_new(&input.key)?;
        let name = validate_name("name", &input.name)?;
        let existing = self.store.statuses().await?;
        if existing.iter().any(|s| s.key == key) {
            return Err(DeskError::Conflict {
                code: "already_exists",
                message: format!("status {key} exists"),
                field: Some("key".into()),
            });
        }
        let position = input.position.unwrap_or_else(|| existing.iter().map(|s| s.position).max().unwrap_or(0) + 10);
        let s = Status { key, name, category: input.category, position, builtin: false };
        Ok(self.store.insert_status(s).await?)
    }

    /// Custom field definitions the actor may know about.
    pub async fn custom_fields(&self, actor: &Actor) -> DeskResult<Vec<CustomFieldDef>> {
        let defs = self.field_defs().await?;
        Ok(defs.iter().filter(|d| actor.is_staff() || d.customer_visible || d.customer_editable).cloned().collect())
    }

    /// Creates a custom field (admins).
    pub async fn create_custom_field(&self, actor: &Actor, input: CustomFieldInput) -> DeskResult<CustomFieldDef> {
        require_admin(actor)?;
        let key = input.key.clone().ok_or_else(|| DeskError::invalid("key", "required", "a field needs a key"))?;
        let field_type =
            input.field_type.ok_or_else(|| DeskError::invalid("type", "required", "a field needs a type"))?;
        let mut def = CustomFieldDef {
            id: CustomFieldId(0),
            key,
            labels: BTreeMap::new(),
            field_type,
            required: false,
            options: vec![],
            customer_visible: field_type != tessera_core::FieldType::Secret,
            customer_editable: true,
            department_ids: vec![],
            wipe_on_solve: false,
            position: 0,
            created_at: self.now(),
        };
        self.apply_field(&mut def, &input).await?;
        let inserted = self.store.insert_custom_field(def).await;
        self.caches.fields.clear();
        inserted.map_err(|e| match e {
            tessera_store::StoreError::Duplicate(_) => DeskError::Conflict {
                code: "already_exists",
                message: "a field with this key exists".into(),
                field: Some("key".into()),
            },
            other => other.into(),
        })
    }

    async fn apply_field(&self, def: &mut CustomFieldDef, input: &CustomFieldInput) -> DeskResult<()> {
        if let Some(l) = &input.labels {
            def.labels = l.iter().map(|(k, v)| (k.clone(), v.trim().to_string())).collect();
        }
        if let Some(v) = input.required {
            def.required = v;
        }
        if let Some(v) = &input.options {
            def.options = v.iter().map(|o| o.trim().to_string()).collect();
        }
        if let Some(v) = input.customer_visible {
            def.customer_visible = v;
        }
        if let Some(v) = input.customer_editable {
            def.customer_editable = v;
        }
        if let Some(v) = &input.department_ids {
            for d in v {
                if self.store.department(*d).await?.is_none() {
                    return Err(DeskError::invalid(
                        "department_ids",
                        "unknown_department",
                        format!("there is no department {d}"),
                    ));
                }
            }
            def.department_ids = v.clone();
        }
        if let Some(v) = input.wipe_on_solve {
            def.wipe_on_solve = v;
        }
        if let Some(v) = input.position {
            def.position = v;
        }
        def.check()?;
        Ok(())
    }

    /// Changes a custom field (admins); key and type are fixed.
    pub async fn update_custom_field(
        &self,
        actor: &Actor,
        id: CustomFieldId,
        input: CustomFieldInput,
    ) -> DeskResult<CustomFieldDef> {
        require_admin(actor)?;
        let mut def = self
            .field_defs()
            .await?
            .iter()
            .find(|d| d.id == id)
            .cloned()
            .ok_or(DeskError::not_found("custom field"))?;
        if input.key.as_ref().is_some_and(|k| *k != def.key) {
            return Err(DeskError::invalid("key", "not_allowed", "a field's key cannot change"));
        }
        if input.field_type.is_some_and(|t| t != def.field_type) {
            return Err(DeskError::invalid("type", "not_allowed", "a field's type cannot change"));
        }
        self.apply_field(&mut def, &input).await?;
        let updated = self.store.update_custom_field(&def).await;
        self.caches.fields.clear();
        updated?;
        Ok(def)
    }

    /// Removes a custom field definition (admins).
    pub async fn delete_custom_field(&self, actor: &Actor, id: CustomFieldId) -> DeskResult<()> {
        require_admin(actor)?;
        let deleted = self.store.delete_custom_field(id).await;
        self.caches.fields.clear();
        deleted.map_err(|e| match e {
            tessera_store::StoreError::NotFound => DeskError::not_found("custom field"),
            other => other.into(),
        })
    }

    // ---- tokens --------------------------------------------------------------------------------------

    /// Issues a token for `user` without a permission check (operator CLI).
    pub async fn issue_token(&self, user: UserId, name: &str) -> DeskResult<IssuedToken> {
        let name = text("name", name, 200)?;
        let identifier = format!("tsr{}", random::hex_token::<12>()?);
        let secret = random::hex_token::<32>()?;
        let record = TokenRecord {
            id: TokenId(0),
            user_id: user,
            name: if name.is_empty() { "API token".into() } else { name },
            identifier: identifier.clone(),
            secret_hash: auth::secret_hash(&secret),
            created_at: self.now(),
            revoked_at: None,
        };
        let record = self.store.insert_token(record).await?;
        Ok(IssuedToken { token: format!("{identifier}.{secret}"), record, secret })
    }

    /// Creates a token for yourself (or, for admins, anyone).
    pub async fn create_token(&self, actor: &Actor, input: TokenInput) -> DeskResult<IssuedToken> {
        let user = input.user_id.unwrap_or(actor.user_id);
        if user != actor.user_id {
            require_admin(actor)?;
            if self.store.user(user).await?.is_none() {
                return Err(DeskError::invalid("user_id", "unknown_user", "there is no such user"));
            }
        }
        self.issue_token(user, input.name.as_deref().unwrap_or("")).await
    }

    /// Tokens of a user (yourself, or for admins anyone).
    pub async fn list_tokens(&self, actor: &Actor, user: Option<UserId>) -> DeskResult<Vec<TokenRecord>> {
        let user = user.unwrap_or(actor.user_id);
        if user != actor.user_id {
            require_admin(actor)?;
        }
        Ok(self.store.tokens_of(user).await?)
    }

    /// Revokes a token (your own, or for admins anyone's).
    pub async fn revoke_token(&self, actor: &Actor, id: TokenId) -> DeskResult<()> {
        let t = self.store.token(id).await?.ok_or(DeskError::not_found("token"))?;
        if t.user_id != actor.user_id && !actor.is_admin() {
            return Err(DeskError::not_found("token"));
        }
        let revoked = self.store.revoke_token(id, self.now()).await;
        self.forget_actors();
        Ok(revoked?)
    }
}

fn email_taken() -> DeskError {
    DeskError::Conflict {
        code: "email_taken",
        message: "a user with this e-mail address exists".into(),
        field: Some("email".into()),
    }
}
