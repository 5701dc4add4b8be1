//! The pieces the demo makes once and finds again on a second run: the
//! administrator, the agents, the departments, the custom fields, the
//! organizations, the customers and their services.

use super::ADMIN_EMAIL;
use super::corpus::{AgentSpec, Area, Corpus, CustomerSpec};
use super::report::Report;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use tessera_core::ids::{DepartmentId, OrganizationId, ServiceId, UserId};
use tessera_core::{Actor, Email, FieldType, Role, ServiceKind, ServiceStatus, User};
use tessera_desk::{
    CreateUser, CustomFieldInput, DepartmentInput, Desk, OrganizationInput, ServiceInput, UpdateUser, random,
};

/// A demo agent, with their actor.
#[derive(Debug)]
pub(super) struct AgentRt {
    pub spec: &'static AgentSpec,
    pub user: User,
    pub actor: Actor,
}

/// A demo customer, with their actor and services.
#[derive(Debug)]
pub(super) struct CustomerRt {
    pub spec: &'static CustomerSpec,
    pub user: User,
    pub actor: Actor,
    pub domain: ServiceRt,
    pub hosting: Vec<ServiceRt>,
}

/// A service as the tickets need it.
#[derive(Debug, Clone)]
pub(super) struct ServiceRt {
    pub id: ServiceId,
    pub label: String,
}

/// The administrator's actor, creating `admin@localhost` when there is none
/// (then with a random password, answered so the summary can show it).
pub(super) async fn admin_actor(desk: &Desk) -> Result<(Actor, Option<String>)> {
    if let Some(user) = desk.user_by_email_unchecked(ADMIN_EMAIL).await? {
        if user.role != Role::Admin || user.disabled {
            bail!("{ADMIN_EMAIL} exists but is not an active administrator; the demo acts as that administrator");
        }
        return Ok((desk.actor_for(&user).await?, None));
    }
    let password = random::password()?;
    let created = desk
        .create_user_unchecked(CreateUser {
            email: Email::parse(ADMIN_EMAIL)?,
            name: "Administrator".into(),
            role: Role::Admin,
            password: Some(password.clone()),
            organization_id: None,
            sees_all: false,
            locale: None,
            time_zone: None,
        })
        .await
        .context("cannot create the administrator")?;
    Ok((desk.actor_for(&created.user).await?, Some(password)))
}

/// The demo agents, created or found by e-mail; all get `password`.
pub(super) async fn ensure_agents(
    desk: &Desk,
    admin: &Actor,
    corpus: &'static Corpus,
    password: &str,
    report: &mut Report,
) -> Result<Vec<(&'static AgentSpec, User)>> {
    let mut out = Vec::new();
    for spec in &corpus.people.agents {
        let user = match desk.user_by_email_unchecked(&spec.email).await? {
            Some(u) => {
                if !u.role.is_staff() {
                    bail!(
                        "{} exists but is not an agent; remove it or run the demo on another installation",
                        spec.email
                    );
                }
                desk.update_user(
                    admin,
                    u.id,
                    UpdateUser { password: Some(password.to_string()), ..UpdateUser::default() },
                )
                .await
                .with_context(|| format!("cannot set the password of {}", spec.email))?;
                report.agents_existing += 1;
                u
            }
            None => {
                let created = desk
                    .create_user(
                        admin,
                        CreateUser {
                            email: Email::parse(&spec.email)?,
                            name: spec.name.clone(),
                            role: Role::Agent,
                            password: Some(password.to_string()),
                            organization_id: None,
                            sees_all: false,
                            locale: Some(spec.lang.code().into()),
                            time_zone: Some(corpus.texts(spec.lang).time_zone.clone()),
                        },
                    )
                    .await
                    .with_context(|| format!("cannot create the agent {}", spec.email))?;
                report.agents_created += 1;
                created.user
            }
        };
        out.push((spec, user));
    }
    Ok(out)
}

/// The demo departments, created or found by name; the demo agents are made
/// members of their areas' departments (other members stay).
pub(super) async fn ensure_departments(
    desk: &Desk,
    admin: &Actor,
    corpus: &'static Corpus,
    agents: &[(&'static AgentSpec, User)],
    report: &mut Report,
) -> Result<Vec<(Area, DepartmentId)>> {
    let existing = desk.list_departments(admin).await?;
    let mut out = Vec::new();
    for spec in &corpus.people.departments {
        let wanted: Vec<UserId> =
            agents.iter().filter(|(a, _)| a.areas.contains(&spec.area)).map(|(_, u)| u.id).collect();
        let found = existing.iter().find(|d| d.department.name.eq_ignore_ascii_case(&spec.name));
        let id = if let Some(view) = found {
            let mut members = view.member_ids.clone();
            members.extend(wanted.iter().filter(|id| !view.member_ids.contains(id)));
            if members.len() != view.member_ids.len() {
                desk.update_department(
                    admin,
                    view.department.id,
                    DepartmentInput { member_ids: Some(members), ..DepartmentInput::default() },
                )
                .await
                .with_context(|| format!("cannot add the demo agents to {}", spec.name))?;
            }
            report.depts_existing.push(&spec.name);
            view.department.id
        } else {
            let created = desk
                .create_department(
                    admin,
                    DepartmentInput {
                        name: Some(spec.name.clone()),
                        description: Some(spec.description.clone()),
                        public: Some(true),
                        email: Some(Some(Email::parse(&spec.email)?)),
                        auto_assign: Some(spec.auto_assign),
                        requires_service: Some(spec.requires_service),
                        signature: Some(spec.signature.clone()),
                        position: Some(spec.position),
                        member_ids: Some(wanted),
                        mail_thread_days: None,
                    },
                )
                .await
                .with_context(|| format!("cannot create the department {}", spec.name))?;
            report.depts_created.push(&spec.name);
            created.department.id
        };
        out.push((spec.area, id));
    }
    Ok(out)
}

/// What the demo may put into custom fields.
#[derive(Debug, Default)]
pub(super) struct Fields {
    /// Options of `operating_system` when it applies to Technical Support.
    pub os_options: Vec<String>,
    /// `server_password` is a secret customers may write in Technical Support.
    pub secret: bool,
}

/// The demo custom fields, created or found by key.
pub(super) async fn ensure_custom_fields(
    desk: &Desk,
    admin: &Actor,
    corpus: &Corpus,
    depts: &[(Area, DepartmentId)],
    report: &mut Report,
) -> Result<Fields> {
    let tech = dept_id(depts, Area::Tech)?;
    let labels = |pairs: [(&str, &str); 4]| {
        pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect::<BTreeMap<_, _>>()
    };
    let wanted = [
        CustomFieldInput {
            key: Some("operating_system".into()),
            labels: Some(labels([
                ("en", "Operating system"),
                ("tr", "İşletim sistemi"),
                ("zh", "操作系统"),
                ("ru", "Операционная система"),
            ])),
            field_type: Some(FieldType::Select),
            required: Some(false),
            options: Some(corpus.people.os_options.clone()),
            customer_visible: Some(true),
            customer_editable: Some(true),
            department_ids: Some(vec![tech]),
            wipe_on_solve: Some(false),
            position: Some(10),
        },
        CustomFieldInput {
            key: Some("server_password".into()),
            labels: Some(labels([
                ("en", "Server root password"),
                ("tr", "Sunucu root şifresi"),
                ("zh", "服务器 root 密码"),
                ("ru", "Пароль root сервера"),
            ])),
            field_type: Some(FieldType::Secret),
            required: Some(false),
            options: None,
            customer_visible: Some(false),
            customer_editable: Some(true),
            department_ids: Some(vec![tech]),
            wipe_on_solve: Some(true),
            position: Some(20),
        },
    ];
    let existing = desk.custom_fields(admin).await?;
    for input in wanted {
        let key = input.key.clone().unwrap_or_default();
        if existing.iter().any(|d| d.key == key) {
            report.fields_existing.push(key);
        } else {
            desk.create_custom_field(admin, input)
                .await
                .with_context(|| format!("cannot create the custom field {key}"))?;
            report.fields_created.push(key);
        }
    }
    // Use the definitions as they are now (an older one may differ).
    let mut fields = Fields::default();
    for def in desk.custom_fields(admin).await? {
        if !def.applies_to(tech) || !def.customer_editable {
            continue;
        }
        if def.key == "operating_system" && def.field_type == FieldType::Select {
            fields.os_options = def.options.clone();
        }
        if def.key == "server_password" && def.field_type == FieldType::Secret {
            fields.secret = true;
        }
    }
    Ok(fields)
}

/// The demo organizations, created or found by name.
pub(super) async fn ensure_organizations(
    desk: &Desk,
    admin: &Actor,
    corpus: &Corpus,
    report: &mut Report,
) -> Result<Vec<OrganizationId>> {
    let existing = desk.list_organizations(admin).await?;
    let mut out = Vec::new();
    for spec in &corpus.people.organizations {
        let id = if let Some(o) = existing.iter().find(|o| o.name == spec.name) {
            report.orgs_existing += 1;
            o.id
        } else {
            let input = OrganizationInput {
                name: Some(spec.name.clone()),
                external_id: Some(Some(spec.external_id.clone())),
                notes: Some(spec.notes.clone()),
                email_domains: None,
            };
            report.orgs_created += 1;
            desk.create_organization(admin, input)
                .await
                .with_context(|| format!("cannot create the organization {}", spec.name))?
                .id
        };
        out.push(id);
    }
    Ok(out)
}

/// The demo customers (found by e-mail or created) with their services
/// (created or updated by external id).
pub(super) async fn ensure_customers(
    desk: &Desk,
    admin: &Actor,
    corpus: &'static Corpus,
    orgs: &[OrganizationId],
    password: &str,
    report: &mut Report,
) -> Result<Vec<CustomerRt>> {
    let mut out = Vec::new();
    let hosting_products = &corpus.people.hosting;
    for (i, spec) in corpus.people.customers.iter().enumerate() {
        let org = spec.org.and_then(|(o, _)| orgs.get(o).copied());
        let user = match desk.user_by_email_unchecked(&spec.email).await? {
            Some(u) => {
                report.customers_existing += 1;
                // The demo's customers share this run's password too.
                let input = UpdateUser { password: Some(password.to_string()), ..UpdateUser::default() };
                desk.update_user(admin, u.id, input).await.context("cannot set a demo customer's password")?;
                u
            }
            None => {
                let input = CreateUser {
                    email: Email::parse(&spec.email)?,
                    name: spec.name.clone(),
                    role: Role::Customer,
                    password: Some(password.to_string()),
                    organization_id: org,
                    sees_all: org.is_some() && spec.org.is_some_and(|(_, all)| all),
                    locale: Some(spec.lang.code().into()),
                    time_zone: Some(corpus.texts(spec.lang).time_zone.clone()),
                };
                report.customers_created += 1;
                desk.create_user(admin, input)
                    .await
                    .with_context(|| format!("cannot create the customer {}", spec.email))?
                    .user
            }
        };
        let actor = desk.actor_for(&user).await?;

        // One domain, one or two hosting products, sometimes a certificate.
        let domain = upsert_service(
            desk,
            admin,
            &user,
            ServiceKind::Domain,
            500 + i,
            spec.domain.to_string(),
            ServiceStatus::Active,
            report,
        )
        .await?;
        let mut hosting = Vec::new();
        let count = if i % 3 == 0 { 2 } else { 1 };
        for k in 0..count {
            let label = hosting_products[(i * 3 + k * 5) % hosting_products.len()].replace("{domain}", &spec.domain);
            let status = match (i % 11, i % 13, k) {
                (7, _, 0) => ServiceStatus::Suspended,
                (_, 5, 1) => ServiceStatus::Pending,
                _ => ServiceStatus::Active,
            };
            hosting.push(
                upsert_service(desk, admin, &user, ServiceKind::Service, 1000 + i * 2 + k, label, status, report)
                    .await?,
            );
        }
        if i % 5 == 2 {
            let label = format!("SSL Certificate (DV) — www.{}", spec.domain);
            upsert_service(desk, admin, &user, ServiceKind::Other, 9000 + i, label, ServiceStatus::Active, report)
                .await?;
        }
        out.push(CustomerRt { spec, user, actor, domain, hosting });
    }
    Ok(out)
}

/// Creates or updates the service known by (`kind`, `external_id`).
#[allow(clippy::too_many_arguments)]
async fn upsert_service(
    desk: &Desk,
    admin: &Actor,
    owner: &User,
    kind: ServiceKind,
    external_id: usize,
    label: String,
    status: ServiceStatus,
    report: &mut Report,
) -> Result<ServiceRt> {
    let input = ServiceInput {
        label: Some(label.clone()),
        owner_id: Some(owner.id),
        status: Some(status),
        ..ServiceInput::default()
    };
    let (service, created) = desk
        .upsert_service(admin, kind, &external_id.to_string(), input)
        .await
        .with_context(|| format!("cannot save the service {label}"))?;
    if created {
        report.services_created += 1;
    } else {
        report.services_updated += 1;
    }
    Ok(ServiceRt { id: service.id, label })
}

pub(super) fn dept_id(depts: &[(Area, DepartmentId)], area: Area) -> Result<DepartmentId> {
    depts.iter().find(|(a, _)| *a == area).map(|(_, id)| *id).with_context(|| format!("no department for {area:?}"))
}
