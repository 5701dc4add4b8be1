//! `tessera demo`: fills an installation with realistic demo data.
//!
//! Everything goes through the desk's public operations, acting as the
//! administrator, the demo agents and the demo customers, so the data has the
//! same events, numbers, assignments and status changes real use produces.
//! The content is drawn from a fixed-seed PRNG (splitmix64), so two runs on
//! installations in the same state make the same data. Re-running adds more
//! tickets and reuses the departments, people, organizations, services and
//! custom fields made before (they are found by name, e-mail, external id or
//! key); the demo agents get a fresh password, reported in the summary.

use Area::{Billing, Domains, Sales, Tech};
use Priority::{High, Low, Normal, Urgent};
use TicketType::{Incident, Problem, Question, Task};
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;
use tessera_core::ids::{DepartmentId, MessageId, OrganizationId, ServiceId, TicketId, UserId};
use tessera_core::time::{Clock, ManualClock};
use tessera_core::{
    Actor, AutoAssign, Email, FieldType, Priority, Role, ServiceKind, ServiceStatus, Source, StatusKey, Ticket,
    TicketType, Timestamp, User,
};
use tessera_desk::{
    CreateUser, CustomFieldInput, DepartmentInput, Desk, OpenTicket, OrganizationInput, Origin, PostMessage,
    ServiceInput, TicketListQuery, TicketPatch, UpdateUser, random,
};

/// How many days of history the tickets are spread over.
const HISTORY_DAYS: i64 = 45;

/// The administrator the demo acts as (the one the first start creates).
const ADMIN_EMAIL: &str = "admin@localhost";

/// Seed of the content PRNG; mixed with the number of existing tickets so a
/// second run writes different conversations.
const SEED: u64 = 0x7e55_e4a0_2024_0001;

/// Fills the installation behind `desk` with demo departments, agents,
/// organizations, customers, services, custom fields and `tickets` tickets
/// with conversations, and answers a multi-line summary (counts, the agents'
/// e-mail addresses and their shared password, how to make an API token).
///
/// Safe to run again: what exists is reused, and `tickets` more tickets are
/// added. Progress is shown on stderr every 50 tickets.
pub async fn run(desk: &Desk, tickets: usize) -> Result<String> {
    let started = Instant::now();
    // The history is played on a clock of its own, spread over the last
    // weeks, so tickets have realistic ages, wait times and reply gaps.
    let real_now = desk.now();
    let clock = Arc::new(ManualClock::new(real_now - chrono::Duration::days(HISTORY_DAYS)));
    let desk = &desk.with_clock(clock.clone());
    let (admin, admin_password) = admin_actor(desk).await?;
    let mut report = Report::default();

    let password = random::password()?;
    let agents = ensure_agents(desk, &admin, &password, &mut report).await?;
    let depts = ensure_departments(desk, &admin, &agents, &mut report).await?;
    // Actors carry department memberships: read them after the departments.
    let mut agent_rts = Vec::new();
    for (spec, user) in agents {
        let actor = desk.actor_for(&user).await?;
        agent_rts.push(AgentRt { spec, user, actor });
    }
    let fields = ensure_custom_fields(desk, &admin, &depts, &mut report).await?;
    let orgs = ensure_organizations(desk, &admin, &mut report).await?;
    let customers = ensure_customers(desk, &admin, &orgs, &password, &mut report).await?;

    let existing =
        desk.list_tickets(&admin, TicketListQuery { limit: Some(1), ..TicketListQuery::default() }).await?.total;
    let mut generator = Generator {
        desk,
        admin,
        rng: SplitMix64::new(SEED ^ existing.wrapping_mul(0x9e37_79b9_7f4a_7c15)),
        agents: agent_rts,
        customers,
        depts,
        fields,
        status_of: BTreeMap::new(),
        report,
        clock,
        history: (real_now - chrono::Duration::days(HISTORY_DAYS), real_now),
    };
    generator.tickets(tickets).await?;
    let elapsed = started.elapsed();
    Ok(generator.summary(tickets, &password, admin_password.as_deref(), elapsed.as_secs_f64()))
}

// ---- the pieces that are made once -------------------------------------------------

/// The administrator's actor, creating `admin@localhost` when there is none
/// (then with a random password, answered so the summary can show it).
async fn admin_actor(desk: &Desk) -> Result<(Actor, Option<String>)> {
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
async fn ensure_agents(
    desk: &Desk,
    admin: &Actor,
    password: &str,
    report: &mut Report,
) -> Result<Vec<(&'static AgentSpec, User)>> {
    let mut out = Vec::new();
    for spec in AGENTS.iter() {
        let user = match desk.user_by_email_unchecked(spec.email).await? {
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
                            email: Email::parse(spec.email)?,
                            name: spec.name.into(),
                            role: Role::Agent,
                            password: Some(password.to_string()),
                            organization_id: None,
                            sees_all: false,
                            locale: Some(spec.lang.code().into()),
                            time_zone: Some(spec.lang.time_zone().into()),
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
async fn ensure_departments(
    desk: &Desk,
    admin: &Actor,
    agents: &[(&'static AgentSpec, User)],
    report: &mut Report,
) -> Result<Vec<(Area, DepartmentId)>> {
    let existing = desk.list_departments(admin).await?;
    let mut out = Vec::new();
    for spec in DEPARTMENTS.iter() {
        let wanted: Vec<UserId> =
            agents.iter().filter(|(a, _)| a.areas.contains(&spec.area)).map(|(_, u)| u.id).collect();
        let found = existing.iter().find(|d| d.department.name.eq_ignore_ascii_case(spec.name));
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
            report.depts_existing.push(spec.name);
            view.department.id
        } else {
            let created = desk
                .create_department(
                    admin,
                    DepartmentInput {
                        name: Some(spec.name.into()),
                        description: Some(spec.description.into()),
                        public: Some(true),
                        email: Some(Some(Email::parse(spec.email)?)),
                        auto_assign: Some(spec.auto_assign),
                        requires_service: Some(spec.requires_service),
                        signature: Some(spec.signature.into()),
                        position: Some(spec.position),
                        member_ids: Some(wanted),
                    },
                )
                .await
                .with_context(|| format!("cannot create the department {}", spec.name))?;
            report.depts_created.push(spec.name);
            created.department.id
        };
        out.push((spec.area, id));
    }
    Ok(out)
}

/// What the demo may put into custom fields.
#[derive(Debug, Default)]
struct Fields {
    /// Options of `operating_system` when it applies to Technical Support.
    os_options: Vec<String>,
    /// `server_password` is a secret customers may write in Technical Support.
    secret: bool,
}

/// The demo custom fields, created or found by key.
async fn ensure_custom_fields(
    desk: &Desk,
    admin: &Actor,
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
            options: Some(OS_OPTIONS.iter().map(|o| (*o).to_string()).collect()),
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
async fn ensure_organizations(desk: &Desk, admin: &Actor, report: &mut Report) -> Result<Vec<OrganizationId>> {
    let existing = desk.list_organizations(admin).await?;
    let mut out = Vec::new();
    for spec in ORGANIZATIONS.iter() {
        let id = if let Some(o) = existing.iter().find(|o| o.name == spec.name) {
            report.orgs_existing += 1;
            o.id
        } else {
            let input = OrganizationInput {
                name: Some(spec.name.into()),
                external_id: Some(Some(spec.external_id.into())),
                notes: Some(spec.notes.into()),
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
async fn ensure_customers(
    desk: &Desk,
    admin: &Actor,
    orgs: &[OrganizationId],
    password: &str,
    report: &mut Report,
) -> Result<Vec<CustomerRt>> {
    let mut out = Vec::new();
    for (i, spec) in CUSTOMERS.iter().enumerate() {
        let org = spec.org.and_then(|(o, _)| orgs.get(o).copied());
        let user = match desk.user_by_email_unchecked(spec.email).await? {
            Some(u) => {
                report.customers_existing += 1;
                // The demo's customers share this run's password too.
                let input = UpdateUser { password: Some(password.to_string()), ..UpdateUser::default() };
                desk.update_user(admin, u.id, input).await.context("cannot set a demo customer's password")?;
                u
            }
            None => {
                let input = CreateUser {
                    email: Email::parse(spec.email)?,
                    name: spec.name.into(),
                    role: Role::Customer,
                    password: Some(password.to_string()),
                    organization_id: org,
                    sees_all: org.is_some() && spec.org.is_some_and(|(_, all)| all),
                    locale: Some(spec.lang.code().into()),
                    time_zone: Some(spec.lang.time_zone().into()),
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
            let label = HOSTING[(i * 3 + k * 5) % HOSTING.len()].replace("{domain}", spec.domain);
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

fn dept_id(depts: &[(Area, DepartmentId)], area: Area) -> Result<DepartmentId> {
    depts.iter().find(|(a, _)| *a == area).map(|(_, id)| *id).with_context(|| format!("no department for {area:?}"))
}

// ---- tickets -------------------------------------------------------------------------

/// A demo agent, with their actor.
#[derive(Debug)]
struct AgentRt {
    spec: &'static AgentSpec,
    user: User,
    actor: Actor,
}

/// A demo customer, with their actor and services.
#[derive(Debug)]
struct CustomerRt {
    spec: &'static CustomerSpec,
    user: User,
    actor: Actor,
    domain: ServiceRt,
    hosting: Vec<ServiceRt>,
}

/// A service as the tickets need it.
#[derive(Debug, Clone)]
struct ServiceRt {
    id: ServiceId,
    label: String,
}

/// One step of a planned conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// An internal note by the agent.
    Note,
    /// A public reply by the agent.
    Agent,
    /// A reply by the customer.
    Customer,
}

/// How a ticket ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Left where the conversation leaves it.
    Leave,
    /// Solved.
    Solved,
    /// Solved, then closed.
    Closed,
}

/// A ticket just opened, as the follow-up steps need it.
#[derive(Debug, Clone)]
struct Opened {
    ticket: Ticket,
    customer: usize,
    topic: &'static Topic,
    service: Option<ServiceId>,
    vars: Vars,
}

/// Values substituted into the texts.
#[derive(Debug, Clone)]
struct Vars {
    domain: String,
    service: String,
    invoice: String,
    ip: String,
}

impl Vars {
    fn fill(&self, text: &str) -> String {
        text.replace("{domain}", &self.domain)
            .replace("{service}", &self.service)
            .replace("{invoice}", &self.invoice)
            .replace("{ip}", &self.ip)
    }
}

/// Counts for the summary.
#[derive(Debug, Default)]
struct Report {
    agents_created: usize,
    agents_existing: usize,
    depts_created: Vec<&'static str>,
    depts_existing: Vec<&'static str>,
    fields_created: Vec<String>,
    fields_existing: Vec<String>,
    orgs_created: usize,
    orgs_existing: usize,
    customers_created: usize,
    customers_existing: usize,
    services_created: usize,
    services_updated: usize,
    tickets: usize,
    by_agents: usize,
    customer_replies: usize,
    agent_replies: usize,
    notes: usize,
    ratings: usize,
    merged: usize,
    locked: usize,
}

/// The ticket generator: the people, the departments and the PRNG.
struct Generator<'a> {
    desk: &'a Desk,
    admin: Actor,
    rng: SplitMix64,
    agents: Vec<AgentRt>,
    customers: Vec<CustomerRt>,
    depts: Vec<(Area, DepartmentId)>,
    fields: Fields,
    status_of: BTreeMap<TicketId, String>,
    report: Report,
    /// The clock the desk reads.
    clock: Arc<ManualClock>,
    /// The span the tickets are spread over: from, to (the real now).
    history: (Timestamp, Timestamp),
}

impl Generator<'_> {
    /// Makes `n` tickets: a few are duplicates merged into the one before
    /// them, one is locked.
    async fn tickets(&mut self, n: usize) -> Result<()> {
        let merges: Vec<usize> = if n >= 12 { vec![n / 3, 2 * n / 3] } else { vec![] };
        let lock = (n >= 3).then_some(n / 2);
        let mut previous: Option<Opened> = None;
        for i in 0..n {
            // Ticket i opens at its share of the history span.
            let (from, to) = self.history;
            let share = (to - from) * i32::try_from(i).unwrap_or(i32::MAX) / i32::try_from(n.max(1)).unwrap_or(1);
            self.clock.set(from + share);
            if merges.contains(&i) {
                if let Some(prev) = previous.take() {
                    self.duplicate(&prev).await?;
                } else {
                    previous = Some(self.ticket(false, false).await?);
                }
            } else {
                let keep_open = merges.contains(&(i + 1));
                previous = Some(self.ticket(keep_open, lock == Some(i)).await?);
            }
            self.report.tickets += 1;
            if (i + 1) % 50 == 0 || i + 1 == n {
                eprintln!("demo: {}/{n} tickets", i + 1);
            }
        }
        Ok(())
    }

    /// An agent of `area`'s department, preferring one who speaks `lang`.
    fn agent_for(&mut self, area: Area, lang: Lang) -> Option<usize> {
        let members: Vec<usize> =
            (0..self.agents.len()).filter(|i| self.agents[*i].spec.areas.contains(&area)).collect();
        let speakers: Vec<usize> = members.iter().copied().filter(|i| self.agents[*i].spec.lang == lang).collect();
        let pool = if speakers.is_empty() { members } else { speakers };
        pool.get(self.rng.below(pool.len())).copied()
    }

    /// The actor and display name of the agent who works a ticket (the
    /// administrator when a department has no demo agent).
    fn worker(&self, agent: Option<usize>) -> (Actor, String) {
        match agent.and_then(|i| self.agents.get(i)) {
            Some(a) => (a.actor.clone(), a.user.name.clone()),
            None => (self.admin.clone(), "Administrator".into()),
        }
    }

    /// Lets some time pass before the next message (minutes to hours, never
    /// past the real now).
    fn pass_time(&mut self) {
        let minutes = 3 + self.rng.below(8 * 60) as i64;
        let next = self.clock.now() + chrono::Duration::minutes(minutes);
        self.clock.set(next.min(self.history.1));
    }

    fn note_status(&mut self, t: &Ticket) {
        self.status_of.insert(t.id, t.status.as_str().to_string());
    }

    fn customer_origin(&mut self) -> Origin {
        let channel = if self.rng.chance(22) { Source::Email } else { Source::Web };
        Origin { channel, ip: Some(format!("203.0.113.{}", 2 + self.rng.below(250))) }
    }

    fn agent_origin() -> Origin {
        Origin { channel: Source::Web, ip: Some("192.0.2.10".into()) }
    }

    /// Opens a ticket (as the customer, or as an agent taking a call) and
    /// plays a conversation on it. `keep_open` keeps it unsolved (a
    /// duplicate follows); `lock` locks it at the end.
    async fn ticket(&mut self, keep_open: bool, lock: bool) -> Result<Opened> {
        let c = self.rng.below(self.customers.len());
        let lang = self.customers[c].spec.lang;
        let topics = topics(lang);
        let topic = topics.get(self.rng.below(topics.len())).context("no topics")?;
        let dept = dept_id(&self.depts, topic.area)?;
        let agent = self.agent_for(topic.area, lang);
        let (agent_actor, agent_name) = self.worker(agent);

        let customer = &self.customers[c];
        let (customer_id, customer_actor) = (customer.user.id, customer.actor.clone());
        let hosting = customer.hosting.get(self.rng.below(customer.hosting.len().max(1))).cloned();
        let service = match topic.area {
            Area::Domains => Some(customer.domain.id),
            Area::Tech => hosting.as_ref().map(|s| s.id).filter(|_| self.rng.chance(85)),
            Area::Billing => hosting.as_ref().map(|s| s.id).filter(|_| self.rng.chance(55)),
            Area::Sales => hosting.as_ref().map(|s| s.id).filter(|_| self.rng.chance(25)),
        };
        let vars = Vars {
            domain: customer.domain.label.clone(),
            service: hosting.map_or_else(|| customer.domain.label.clone(), |s| s.label),
            invoice: (24_000 + self.rng.below(9_000)).to_string(),
            ip: format!("198.51.100.{}", 2 + self.rng.below(250)),
        };
        let [subject, body, ..] = topic.texts;
        let mut priority = topic.priority;
        if self.rng.chance(15) {
            priority = Priority::ALL[self.rng.below(Priority::ALL.len())];
        }
        let mut input = OpenTicket::new(&vars.fill(subject), dept, &vars.fill(body));
        input.priority = Some(priority);
        input.service_id = service;
        if topic.area == Area::Tech {
            if !self.fields.os_options.is_empty() && self.rng.chance(70) {
                let os = self.fields.os_options[self.rng.below(self.fields.os_options.len())].clone();
                input.custom_fields.insert("operating_system".into(), Value::String(os));
            }
            if self.fields.secret && self.rng.chance(15) {
                input.custom_fields.insert(
                    "server_password".into(),
                    Value::String(format!("Demo-{:012x}", self.rng.next_u64() >> 16)),
                );
            }
        }

        // Most tickets come from the customer; some are calls an agent logs.
        let by_agent = !lock && !keep_open && self.rng.chance(10);
        let detail = if by_agent {
            input.requester_id = Some(customer_id);
            input.source = Some(if self.rng.chance(70) { Source::Phone } else { Source::Chat });
            input.ticket_type = Some(topic.kind);
            input.tags = topic.tags.iter().map(|t| (*t).to_string()).collect();
            input.body = format!("{}\n\n{}", phrases(lang).phone, input.body);
            self.report.by_agents += 1;
            self.desk
                .open_ticket(&agent_actor, input, &Self::agent_origin())
                .await
                .context("cannot open a ticket for a customer")?
        } else {
            let origin = self.customer_origin();
            self.desk
                .open_ticket(&customer_actor, input, &origin)
                .await
                .context("cannot open a ticket as a customer")?
        };
        self.note_status(&detail.ticket);
        let opened = Opened { ticket: detail.ticket, customer: c, topic, service, vars };

        // Plan the conversation: 1 to 6 messages in all.
        let total = if lock { 4 } else { 1 + self.rng.weighted(&[14, 22, 24, 16, 12, 12]) };
        let mut steps = Vec::new();
        let mut last = Step::Customer;
        while steps.len() + 1 < total {
            let next = match last {
                Step::Customer if steps.len() + 2 < total && self.rng.chance(12) => Step::Note,
                Step::Customer | Step::Note => Step::Agent,
                Step::Agent => Step::Customer,
            };
            steps.push(next);
            last = next;
        }
        let outcome = if keep_open || lock || total == 1 {
            Outcome::Leave
        } else {
            match self.rng.weighted(&[45, 30, 25]) {
                0 => Outcome::Leave,
                1 => Outcome::Solved,
                _ => Outcome::Closed,
            }
        };

        // Triage: tags, type, assignee, sometimes a boost or a flag.
        if !steps.is_empty() || self.rng.chance(25) {
            self.triage(&opened, &agent_actor, agent, priority).await?;
        }

        let greet = greeting(self.customers[c].spec);
        let sign = format!("{}\n{agent_name}", phrases(lang).sign);
        let ph = phrases(lang);
        let [_, _, first_reply, first_follow, second_reply] = opened.topic.texts;
        let mut agent_replies = 0usize;
        let mut customer_replies = 0usize;
        // The generic exchange the customer's last message started, if any.
        let mut pair: Option<(&str, &str)> = None;
        let mut last_agent_message: Option<MessageId> = None;
        let id = opened.ticket.id;
        let count = steps.len();
        for (n, step) in steps.iter().enumerate() {
            self.pass_time();
            let final_step = n + 1 == count;
            match step {
                Step::Note => {
                    let body = opened.vars.fill(self.rng.pick(ph.notes));
                    let posted = self
                        .desk
                        .note(&agent_actor, id, PostMessage::text(&body), &Self::agent_origin())
                        .await
                        .context("cannot add a note")?;
                    self.note_status(&posted.ticket);
                    self.report.notes += 1;
                }
                Step::Agent => {
                    let mut status = None;
                    let mut text = match (agent_replies, pair) {
                        (0, _) => first_reply.to_string(),
                        (1, _) => second_reply.to_string(),
                        (_, Some((_, answer))) => answer.to_string(),
                        (_, None) => self.rng.pick(ph.hold).to_string(),
                    };
                    if final_step && outcome != Outcome::Leave {
                        text = format!("{text}\n\n{}", self.rng.pick(ph.closing));
                        status = Some(StatusKey::SOLVED);
                    } else if agent_replies > 0 && self.rng.chance(if final_step { 30 } else { 10 }) {
                        // Waiting for someone else: the agent says so.
                        text = self.rng.pick(ph.hold).to_string();
                        status = Some(StatusKey::ON_HOLD);
                    } else if self.rng.chance(12) {
                        // Still working on it: the agent picks the status.
                        status = Some(StatusKey::IN_PROGRESS);
                    }
                    let body = format!("{greet}\n\n{}\n\n{sign}", opened.vars.fill(&text));
                    let input = PostMessage { status: status.map(StatusKey::new), ..PostMessage::text(&body) };
                    let posted = self
                        .desk
                        .reply(&agent_actor, id, input, &Self::agent_origin())
                        .await
                        .context("cannot reply as an agent")?;
                    self.note_status(&posted.ticket);
                    last_agent_message = Some(posted.message.id);
                    agent_replies += 1;
                    self.report.agent_replies += 1;
                }
                Step::Customer => {
                    let text = if final_step && outcome != Outcome::Leave {
                        self.rng.pick(ph.thanks).to_string()
                    } else if customer_replies == 0 {
                        first_follow.to_string()
                    } else {
                        pair = ph.pairs.get(self.rng.below(ph.pairs.len())).copied();
                        pair.map_or("", |(question, _)| question).to_string()
                    };
                    let mut body = opened.vars.fill(&text);
                    if self.rng.chance(50) {
                        body = format!("{body}\n\n{}", signature_of(self.customers[c].spec));
                    }
                    let origin = self.customer_origin();
                    let actor = self.customers[c].actor.clone();
                    let posted = self
                        .desk
                        .reply(&actor, id, PostMessage::text(&body), &origin)
                        .await
                        .context("cannot reply as a customer")?;
                    self.note_status(&posted.ticket);
                    customer_replies += 1;
                    self.report.customer_replies += 1;
                }
            }
        }

        // The customer rates some answers.
        if let Some(mid) = last_agent_message {
            let chance = if outcome == Outcome::Leave { 20 } else { 55 };
            if self.rng.chance(chance) {
                let rating = [5u8, 5, 5, 5, 5, 4, 4, 4, 3, 2, 1][self.rng.below(11)];
                let actor = self.customers[c].actor.clone();
                self.desk.rate_message(&actor, mid, rating).await.context("cannot rate a reply")?;
                self.report.ratings += 1;
            }
        }

        match outcome {
            Outcome::Leave => {}
            Outcome::Solved | Outcome::Closed => {
                let solved = self.status_of.get(&id).is_some_and(|s| s == StatusKey::SOLVED);
                if !solved {
                    let by_customer = self.rng.chance(40);
                    let t = if by_customer {
                        let actor = self.customers[c].actor.clone();
                        self.desk.solve(&actor, id, None).await.context("cannot solve a ticket as its customer")?
                    } else {
                        self.desk.solve(&agent_actor, id, None).await.context("cannot solve a ticket")?
                    };
                    self.note_status(&t);
                }
                if outcome == Outcome::Closed {
                    let patch = TicketPatch {
                        status: Some(StatusKey::new(StatusKey::CLOSED)),
                        archived: self.rng.chance(30).then_some(true),
                        ..TicketPatch::default()
                    };
                    let t = self
                        .desk
                        .update_ticket(&agent_actor, id, patch, None)
                        .await
                        .context("cannot close a ticket")?;
                    self.note_status(&t);
                }
            }
        }

        if lock {
            let body = ph.lock_note.to_string();
            self.desk
                .note(&agent_actor, id, PostMessage::text(&body), &Self::agent_origin())
                .await
                .context("cannot add a note")?;
            self.report.notes += 1;
            let patch = TicketPatch { locked: Some(true), ..TicketPatch::default() };
            let t = self.desk.update_ticket(&agent_actor, id, patch, None).await.context("cannot lock a ticket")?;
            self.note_status(&t);
            self.report.locked += 1;
        }
        Ok(opened)
    }

    /// An agent sorts a new ticket: tags, type, takes it, sometimes boosts
    /// an urgent one or flags it to a colleague.
    async fn triage(&mut self, opened: &Opened, actor: &Actor, agent: Option<usize>, priority: Priority) -> Result<()> {
        let mut tags: Vec<String> = opened.topic.tags.iter().map(|t| (*t).to_string()).collect();
        if self.customers[opened.customer].spec.org.is_some() {
            tags.push("business".into());
        }
        tags.push(format!("lang-{}", self.customers[opened.customer].spec.lang.code()));
        let take = self.rng.chance(70);
        let flag = if self.rng.chance(6) {
            let other = self.rng.below(self.agents.len());
            (Some(other) != agent).then(|| self.agents.get(other).map(|a| a.user.id)).flatten()
        } else {
            None
        };
        let patch = TicketPatch {
            add_tags: tags,
            ticket_type: Some(Some(opened.topic.kind)),
            assignee_id: agent.filter(|_| take).and_then(|i| self.agents.get(i)).map(|a| Some(a.user.id)),
            queue_boost: (priority == Priority::Urgent && self.rng.chance(50)).then_some(true),
            flagged_id: flag.map(Some),
            ..TicketPatch::default()
        };
        let t =
            self.desk.update_ticket(actor, opened.ticket.id, patch, None).await.context("cannot triage a ticket")?;
        self.note_status(&t);
        Ok(())
    }

    /// The customer of `prev` writes again about the same thing; an agent
    /// merges the new ticket into the old one.
    async fn duplicate(&mut self, prev: &Opened) -> Result<()> {
        let c = prev.customer;
        let lang = self.customers[c].spec.lang;
        let ph = phrases(lang);
        let [subject, body, ..] = prev.topic.texts;
        let text = format!("{}\n\n{}", ph.duplicate, prev.vars.fill(body));
        let mut input = OpenTicket::new(&prev.vars.fill(subject), prev.ticket.department_id, &text);
        input.service_id = prev.service;
        let origin = self.customer_origin();
        let actor = self.customers[c].actor.clone();
        let dup = self.desk.open_ticket(&actor, input, &origin).await.context("cannot open a duplicate ticket")?.ticket;
        let agent = self.agent_for(prev.topic.area, lang);
        let (agent_actor, _) = self.worker(agent);
        let note = format!("{} #{}", ph.merge_note, dup.number);
        self.desk
            .note(&agent_actor, prev.ticket.id, PostMessage::text(&note), &Self::agent_origin())
            .await
            .context("cannot add a note")?;
        self.report.notes += 1;
        let target =
            self.desk.merge(&agent_actor, prev.ticket.id, &[dup.id]).await.context("cannot merge a duplicate")?;
        self.note_status(&target);
        self.status_of.insert(dup.id, StatusKey::CLOSED.to_string());
        self.report.merged += 1;
        Ok(())
    }

    /// The summary printed at the end.
    fn summary(&self, asked: usize, password: &str, admin_password: Option<&str>, seconds: f64) -> String {
        let r = &self.report;
        let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
        for s in self.status_of.values() {
            *by_status.entry(s.as_str()).or_default() += 1;
        }
        let order = [
            StatusKey::NEW,
            StatusKey::OPEN,
            StatusKey::IN_PROGRESS,
            StatusKey::ANSWERED,
            StatusKey::ON_HOLD,
            StatusKey::SOLVED,
            StatusKey::CLOSED,
        ];
        let statuses: Vec<String> =
            order.iter().map(|k| format!("{k} {}", by_status.get(k).copied().unwrap_or(0))).collect();
        let list = |v: &[&str]| if v.is_empty() { "none".to_string() } else { v.join(", ") };
        let created_fields: Vec<&str> = r.fields_created.iter().map(String::as_str).collect();
        let existing_fields: Vec<&str> = r.fields_existing.iter().map(String::as_str).collect();

        let mut s = String::new();
        let _ = writeln!(s, "Demo data is ready ({asked} tickets in {seconds:.1} s).");
        let _ = writeln!(
            s,
            "  departments:   created {}; already there {}",
            list(&r.depts_created),
            list(&r.depts_existing)
        );
        let _ =
            writeln!(s, "  custom fields: created {}; already there {}", list(&created_fields), list(&existing_fields));
        let _ = writeln!(s, "  agents:        {} created, {} already there", r.agents_created, r.agents_existing);
        let _ = writeln!(s, "  organizations: {} created, {} already there", r.orgs_created, r.orgs_existing);
        let _ = writeln!(s, "  customers:     {} created, {} already there", r.customers_created, r.customers_existing);
        let _ = writeln!(s, "  services:      {} created, {} updated", r.services_created, r.services_updated);
        let _ = writeln!(
            s,
            "  tickets:       {} opened ({} logged by agents), {} merged into another, {} locked",
            r.tickets, r.by_agents, r.merged, r.locked
        );
        let _ = writeln!(
            s,
            "  messages:      {} opening, {} customer replies, {} agent replies, {} internal notes; {} replies rated",
            r.tickets, r.customer_replies, r.agent_replies, r.notes, r.ratings
        );
        let _ = writeln!(s, "  statuses now:  {}", statuses.join(", "));
        let _ = writeln!(s);
        let _ = writeln!(s, "Agents (role agent), all with the password {password}");
        for a in &self.agents {
            let depts: Vec<&str> =
                DEPARTMENTS.iter().filter(|d| a.spec.areas.contains(&d.area)).map(|d| d.name).collect();
            let _ = writeln!(s, "  {:<34} {} — {}", a.spec.email, a.spec.name, depts.join(", "));
        }
        match admin_password {
            Some(p) => {
                let _ = writeln!(s, "Administrator {ADMIN_EMAIL} was created with the password {p}");
            }
            None => {
                let _ = writeln!(s, "Administrator {ADMIN_EMAIL} (password unchanged)");
            }
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "Customers (sign in at http://127.0.0.1:8080/) have the same password, for example:");
        for lang in [Lang::En, Lang::Tr, Lang::Zh, Lang::Ru] {
            if let Some(c) = CUSTOMERS.iter().find(|c| c.lang == lang) {
                let _ = writeln!(s, "  {:<34} {}", c.email, c.name);
            }
        }
        let _ = writeln!(s, "Agents sign in at the same address and land on the console (/agent).");
        let _ = writeln!(s, "Make an API token for an agent with:");
        let first = AGENTS.first().map_or(ADMIN_EMAIL, |a| a.email);
        let _ = writeln!(s, "  tessera token create --data-dir DATA_DIR --email {first}");
        let _ = write!(s, "and try: curl -H \"Authorization: Bearer <token>\" http://127.0.0.1:8080/api/v1/tickets");
        s
    }
}

/// How an agent greets the customer.
fn greeting(c: &CustomerSpec) -> String {
    let first = c.name.split_whitespace().next().unwrap_or(c.name);
    match c.lang {
        Lang::En => format!("Hello {first},"),
        Lang::Tr => format!("Merhaba {first} {},", if c.female { "Hanım" } else { "Bey" }),
        Lang::Zh => {
            let surname: String = c.name.chars().take(1).collect();
            format!("{surname}{}，您好！", if c.female { "女士" } else { "先生" })
        }
        Lang::Ru => format!("Здравствуйте, {first}!"),
    }
}

/// How a customer signs.
fn signature_of(c: &CustomerSpec) -> String {
    match c.lang {
        Lang::Zh => c.name.to_string(),
        _ => c.name.split_whitespace().next().unwrap_or(c.name).to_string(),
    }
}

// ---- the PRNG ------------------------------------------------------------------------------

/// splitmix64: small, fast, and good enough for demo data.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    /// True `percent` times out of a hundred.
    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut r = if total == 0 { 0 } else { self.next_u64() % total };
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        0
    }

    /// One of `items` ("" when there are none).
    fn pick(&mut self, items: &[&'static str]) -> &'static str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

// ---- who and what -----------------------------------------------------------------------

/// A customer's language (the locales Tessera ships).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    En,
    Tr,
    Zh,
    Ru,
}

impl Lang {
    fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Tr => "tr",
            Self::Zh => "zh",
            Self::Ru => "ru",
        }
    }

    /// Where people writing this language usually are.
    fn time_zone(self) -> &'static str {
        match self {
            Self::En => "Europe/London",
            Self::Tr => "Europe/Istanbul",
            Self::Zh => "Asia/Shanghai",
            Self::Ru => "Europe/Moscow",
        }
    }
}

/// What a department handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Area {
    Tech,
    Billing,
    Domains,
    Sales,
}

#[derive(Debug)]
struct DeptSpec {
    area: Area,
    name: &'static str,
    description: &'static str,
    email: &'static str,
    auto_assign: AutoAssign,
    requires_service: bool,
    signature: &'static str,
    position: i64,
}

static DEPARTMENTS: [DeptSpec; 4] = [
    DeptSpec {
        area: Area::Tech,
        name: "Technical Support",
        description: "Websites, servers, e-mail delivery, SSL certificates and anything that stopped working",
        email: "support@hosting.example",
        auto_assign: AutoAssign::RoundRobin,
        requires_service: false,
        signature: "Example Hosting — Technical Support, 24/7",
        position: 10,
    },
    DeptSpec {
        area: Area::Billing,
        name: "Billing",
        description: "Invoices, payments, refunds and changes to how you pay",
        email: "billing@hosting.example",
        auto_assign: AutoAssign::LeastOpen,
        requires_service: false,
        signature: "Example Hosting — Billing",
        position: 20,
    },
    DeptSpec {
        area: Area::Domains,
        name: "Domains",
        description: "Registrations, transfers, renewals, WHOIS and DNS of your domains",
        email: "domains@hosting.example",
        auto_assign: AutoAssign::None,
        requires_service: true,
        signature: "Example Hosting — Domains",
        position: 30,
    },
    DeptSpec {
        area: Area::Sales,
        name: "Sales",
        description: "Questions before you buy, upgrades, quotes and discounts",
        email: "sales@hosting.example",
        auto_assign: AutoAssign::None,
        requires_service: false,
        signature: "Example Hosting — Sales",
        position: 40,
    },
];

#[derive(Debug)]
struct AgentSpec {
    name: &'static str,
    email: &'static str,
    lang: Lang,
    areas: &'static [Area],
}

static AGENTS: [AgentSpec; 8] = [
    AgentSpec {
        name: "Emily Carter",
        email: "emily.carter@hosting.example",
        lang: Lang::En,
        areas: &[Area::Tech, Area::Sales],
    },
    AgentSpec {
        name: "James Walker",
        email: "james.walker@hosting.example",
        lang: Lang::En,
        areas: &[Area::Billing, Area::Domains, Area::Sales],
    },
    AgentSpec {
        name: "Mehmet Demir",
        email: "mehmet.demir@hosting.example",
        lang: Lang::Tr,
        areas: &[Area::Tech, Area::Domains],
    },
    AgentSpec {
        name: "Zeynep Kaya",
        email: "zeynep.kaya@hosting.example",
        lang: Lang::Tr,
        areas: &[Area::Billing, Area::Sales],
    },
    AgentSpec {
        name: "李伟",
        email: "li.wei@hosting.example",
        lang: Lang::Zh,
        areas: &[Area::Tech, Area::Billing, Area::Sales],
    },
    AgentSpec {
        name: "赵磊", email: "zhao.lei@hosting.example", lang: Lang::Zh, areas: &[Area::Domains, Area::Tech]
    },
    AgentSpec {
        name: "Дмитрий Соколов",
        email: "dmitry.sokolov@hosting.example",
        lang: Lang::Ru,
        areas: &[Area::Tech, Area::Domains],
    },
    AgentSpec {
        name: "Ольга Иванова",
        email: "olga.ivanova@hosting.example",
        lang: Lang::Ru,
        areas: &[Area::Billing, Area::Sales],
    },
];

#[derive(Debug)]
struct OrgSpec {
    name: &'static str,
    external_id: &'static str,
    notes: &'static str,
}

static ORGANIZATIONS: [OrgSpec; 3] = [
    OrgSpec {
        name: "Northwind Traders Ltd",
        external_id: "C-2001",
        notes: "Reseller client since 2019. Invoices go to accounts@northwind.example; David Miller is the main contact.",
    },
    OrgSpec {
        name: "Anadolu Bilişim A.Ş.",
        external_id: "C-2002",
        notes: "Kurumsal müşteri. Faturalar muhasebe@anadolu.example adresine; yetkili kişi Ahmet Arslan.",
    },
    OrgSpec {
        name: "云帆科技有限公司",
        external_id: "C-2003",
        notes: "Enterprise client (Hangzhou office). 黄磊 approves orders and invoices.",
    },
];

#[derive(Debug)]
struct CustomerSpec {
    name: &'static str,
    email: &'static str,
    lang: Lang,
    female: bool,
    /// Organization index, and whether they see all its tickets.
    org: Option<(usize, bool)>,
    domain: &'static str,
}

const fn cu(
    name: &'static str,
    email: &'static str,
    lang: Lang,
    female: bool,
    org: Option<(usize, bool)>,
    domain: &'static str,
) -> CustomerSpec {
    CustomerSpec { name, email, lang, female, org, domain }
}

static CUSTOMERS: [CustomerSpec; 40] = [
    cu("John Smith", "john.smith@example.com", Lang::En, false, None, "smithbakery.example"),
    cu("Sarah Johnson", "sarah.johnson@example.org", Lang::En, true, None, "johnsonphoto.example"),
    cu("Michael Brown", "michael.brown@example.co.uk", Lang::En, false, None, "brownlegal.example"),
    cu("Emma Wilson", "emma.wilson@example.com", Lang::En, true, None, "wilsonyoga.example"),
    cu("David Miller", "david.miller@northwind.example", Lang::En, false, Some((0, true)), "northwind.example"),
    cu("Laura Davies", "laura.davies@northwind.example", Lang::En, true, Some((0, false)), "northwind-shop.example"),
    cu("Robert Taylor", "robert.taylor@example.net", Lang::En, false, None, "taylorplumbing.example"),
    cu("Jessica Moore", "jessica.moore@example.com", Lang::En, true, None, "moorecrafts.example"),
    cu("Daniel Anderson", "daniel.anderson@example.org", Lang::En, false, None, "andersondental.example"),
    cu("Olivia Thomas", "olivia.thomas@example.co.uk", Lang::En, true, None, "thomasdesign.example"),
    cu("Ayşe Yılmaz", "ayse.yilmaz@example.com.tr", Lang::Tr, true, None, "yilmaztekstil.example"),
    cu("Mehmet Öztürk", "mehmet.ozturk@example.com.tr", Lang::Tr, false, None, "ozturkmobilya.example"),
    cu("Fatma Şahin", "fatma.sahin@example.com.tr", Lang::Tr, true, None, "sahinkuafor.example"),
    cu("Mustafa Çelik", "mustafa.celik@example.com.tr", Lang::Tr, false, None, "celikinsaat.example"),
    cu("Emine Aydın", "emine.aydin@example.com.tr", Lang::Tr, true, None, "aydinhukuk.example"),
    cu("Ahmet Arslan", "ahmet.arslan@anadolu.example", Lang::Tr, false, Some((1, true)), "anadolu.example"),
    cu("Elif Doğan", "elif.dogan@anadolu.example", Lang::Tr, true, Some((1, false)), "anadolubilisim.example"),
    cu("Burak Koç", "burak.koc@anadolu.example", Lang::Tr, false, Some((1, false)), "anadolu-destek.example"),
    cu("Hüseyin Kurt", "huseyin.kurt@example.com.tr", Lang::Tr, false, None, "kurtlojistik.example"),
    cu("Zehra Polat", "zehra.polat@example.com.tr", Lang::Tr, true, None, "polatcicek.example"),
    cu("王芳", "wang.fang@example.cn", Lang::Zh, true, None, "wangfang-shop.example"),
    cu("李娜", "li.na@example.cn", Lang::Zh, true, None, "lina-studio.example"),
    cu("张伟", "zhang.wei@example.cn", Lang::Zh, false, None, "zhangwei-tech.example"),
    cu("刘洋", "liu.yang@example.cn", Lang::Zh, false, None, "liuyang-edu.example"),
    cu("陈静", "chen.jing@example.cn", Lang::Zh, true, None, "chenjing-tea.example"),
    cu("杨帆", "yang.fan@example.cn", Lang::Zh, false, None, "yangfan-travel.example"),
    cu("黄磊", "huang.lei@yunfan.example", Lang::Zh, false, Some((2, true)), "yunfan.example"),
    cu("周敏", "zhou.min@yunfan.example", Lang::Zh, true, Some((2, false)), "yunfan-cloud.example"),
    cu("吴强", "wu.qiang@example.cn", Lang::Zh, false, None, "wuqiang-auto.example"),
    cu("孙丽", "sun.li@example.cn", Lang::Zh, true, None, "sunli-design.example"),
    cu("Иван Петров", "ivan.petrov@example.ru", Lang::Ru, false, None, "petrov-auto.example"),
    cu("Елена Смирнова", "elena.smirnova@example.ru", Lang::Ru, true, None, "smirnova-studio.example"),
    cu("Алексей Кузнецов", "aleksey.kuznetsov@example.ru", Lang::Ru, false, None, "kuznetsov-mebel.example"),
    cu("Анна Попова", "anna.popova@example.ru", Lang::Ru, true, None, "popova-shop.example"),
    cu("Сергей Васильев", "sergey.vasilyev@example.ru", Lang::Ru, false, None, "vasilyev-law.example"),
    cu("Наталья Морозова", "natalya.morozova@example.ru", Lang::Ru, true, None, "morozova-clinic.example"),
    cu("Андрей Новиков", "andrey.novikov@example.ru", Lang::Ru, false, None, "novikov-stroy.example"),
    cu("Татьяна Фёдорова", "tatyana.fedorova@example.ru", Lang::Ru, true, None, "fedorova-flowers.example"),
    cu("Михаил Волков", "mikhail.volkov@example.ru", Lang::Ru, false, None, "volkov-print.example"),
    cu("Екатерина Соловьёва", "ekaterina.solovyova@example.ru", Lang::Ru, true, None, "solovyova-edu.example"),
];

/// Hosting products (`{domain}` is the customer's domain).
const HOSTING: [&str; 8] = [
    "Shared Hosting Starter — {domain}",
    "VPS 4 GB — web01",
    "Shared Hosting Pro — {domain}",
    "Dedicated Server E-2388G — db01",
    "WordPress Hosting — {domain}",
    "VPS 8 GB — app02",
    "Reseller Hosting 50 GB",
    "Business E-mail (10 mailboxes) — {domain}",
];

/// Options of the `operating_system` field.
const OS_OPTIONS: [&str; 7] = [
    "AlmaLinux 9",
    "Rocky Linux 9",
    "Ubuntu 22.04",
    "Ubuntu 24.04",
    "Debian 12",
    "Windows Server 2022",
    "CentOS 7 (end of life)",
];

// ---- what they write --------------------------------------------------------------------

/// A ticket theme: `texts` are the subject, the customer's first message,
/// the agent's first answer, the customer's follow-up and the agent's answer
/// to it. `{domain}`, `{service}`, `{invoice}` and `{ip}` are filled in.
#[derive(Debug)]
struct Topic {
    area: Area,
    priority: Priority,
    kind: TicketType,
    tags: &'static [&'static str],
    texts: [&'static str; 5],
}

const fn tp(
    area: Area,
    priority: Priority,
    kind: TicketType,
    tags: &'static [&'static str],
    texts: [&'static str; 5],
) -> Topic {
    Topic { area, priority, kind, tags, texts }
}

/// Phrases used around the topics, in one language.
#[derive(Debug)]
struct Phrases {
    /// A customer's later message and the agent's answer to it.
    pairs: &'static [(&'static str, &'static str)],
    thanks: &'static [&'static str],
    closing: &'static [&'static str],
    hold: &'static [&'static str],
    notes: &'static [&'static str],
    duplicate: &'static str,
    merge_note: &'static str,
    lock_note: &'static str,
    phone: &'static str,
    sign: &'static str,
}

fn topics(lang: Lang) -> &'static [Topic] {
    match lang {
        Lang::En => &EN_TOPICS,
        Lang::Tr => &TR_TOPICS,
        Lang::Zh => &ZH_TOPICS,
        Lang::Ru => &RU_TOPICS,
    }
}

fn phrases(lang: Lang) -> &'static Phrases {
    match lang {
        Lang::En => &EN_PHRASES,
        Lang::Tr => &TR_PHRASES,
        Lang::Zh => &ZH_PHRASES,
        Lang::Ru => &RU_PHRASES,
    }
}

static EN_TOPICS: [Topic; 24] = [
    tp(
        Tech,
        High,
        Incident,
        &["500-error", "php"],
        [
            "Website shows 500 Internal Server Error",
            "Hi,\n\nSince this morning {domain} only shows \"500 Internal Server Error\". I haven't changed anything on the site. The error log in the control panel says \"PHP Fatal error: Allowed memory size exhausted\". Could you have a look?\n\nThanks",
            "Thank you for the details. The site hit the PHP memory limit of 128 MB after a plugin update. I have raised memory_limit to 256 MB for {domain} in the PHP selector. Could you check whether the site loads again?",
            "It loads now, but the admin area is still really slow. Is that related?",
            "Partly: the admin area loads all 38 plugins on every page. I have enabled OPcache as well; if it is still slow, please deactivate the plugins you don't use and let me know.",
        ],
    ),
    tp(
        Tech,
        Normal,
        Incident,
        &["email", "smtp"],
        [
            "Cannot send e-mail: 550 relay not permitted",
            "Hello,\n\nOutlook gives me \"550 relay not permitted\" whenever I send from info@{domain}. Receiving works fine. I use mail.{domain} on port 587 with STARTTLS.",
            "The server refuses the message because Outlook does not log in to the outgoing server. In Outlook open Account settings → More settings → Outgoing server and tick \"My outgoing server (SMTP) requires authentication\", using the same login as for incoming mail.",
            "Ticked it and sending works from the laptop. My phone still fails with the same error though.",
            "On the phone the outgoing server settings are separate: please enable authentication there too and make sure port 587 with STARTTLS is selected, not port 25.",
        ],
    ),
    tp(
        Tech,
        Urgent,
        Incident,
        &["ssl", "lets-encrypt"],
        [
            "SSL certificate expired on {domain}",
            "Visitors get a \"Your connection is not private\" warning on {domain}. The Let's Encrypt certificate seems to have expired yesterday, although auto-renewal is switched on.",
            "The renewal failed because the domain's AAAA record still points to an old IPv6 address, so the validation request never reached our server. I removed the stale record and re-issued the certificate; it is valid for 90 days now. Please clear your browser cache and check again.",
            "The warning is gone on my desktop, thanks. Will it renew by itself next time?",
            "Yes. Now that the AAAA record is gone, the automatic renewal can validate the domain again; it runs 30 days before expiry, and you will get an e-mail if it ever fails.",
        ],
    ),
    tp(
        Tech,
        Urgent,
        Incident,
        &["vps", "downtime"],
        [
            "VPS unreachable after reboot",
            "My VPS ({service}) has not answered ping or SSH since I rebooted it about an hour ago. The panel shows it as running. The IP is {ip}.",
            "Through the VNC console I can see the server stopped at the fsck prompt after the reboot; the root filesystem had errors. I ran the check and the server boots normally again. I'd recommend taking a snapshot now and checking your latest backups.",
            "It's up again, thank you. Do you know what caused the filesystem errors?",
            "The host node had a short power interruption two days ago, and your VPS's filesystem was not unmounted cleanly. The hardware checks out fine, and we have put the node on our monitoring watchlist.",
        ],
    ),
    tp(
        Tech,
        Normal,
        Problem,
        &["performance", "wordpress"],
        [
            "Website very slow since the migration",
            "We moved to your {service} plan last week and page loads went from about 1 second to 4–5 seconds. It's a WooCommerce shop with roughly 3,000 products.",
            "I checked the account: OPcache was disabled and there is no object cache, so every page runs about 400 database queries. I enabled OPcache and set up Redis for the account; please activate the Redis Object Cache plugin in WordPress.",
            "Activated the plugin and the home page is down to 1.8 seconds. Product pages are still slow though.",
            "Product pages run an uncached variation query. I have added an index on wp_postmeta (meta_key, post_id); in my tests product pages now load in about 1.2 seconds.",
        ],
    ),
    tp(
        Tech,
        Low,
        Question,
        &["cron"],
        [
            "Cron job does not run",
            "I set up a cron job to run cron.php every 5 minutes, but it never seems to run. There's nothing in the logs either.",
            "The cron command uses `php`, which on your server is the PHP 7.4 CLI, while the site runs on PHP 8.2, so the script stops with a syntax error. Please change the command to `/usr/local/bin/php82 /home/user/public_html/cron.php`.",
            "Changed it. Now I get an e-mail from cron every five minutes — can I turn those off?",
            "Yes: add >/dev/null 2>&1 to the end of the command, or clear the \"Cron e-mail\" field at the top of the Cron Jobs page.",
        ],
    ),
    tp(
        Billing,
        High,
        Incident,
        &["refund", "payment"],
        [
            "Charged twice for invoice #{invoice}",
            "Hello,\n\nMy card was charged twice for invoice #{invoice} (same amount, two minutes apart). Please refund the duplicate charge.",
            "I'm sorry about that. I can see two captured payments for invoice #{invoice}; the second one was caused by a timeout at the payment gateway. I have refunded the duplicate payment. Depending on your bank it will appear on your statement within 5–10 business days.",
            "Thanks. Could you send me a confirmation of the refund for our accountant?",
            "Of course. I have sent the refund confirmation with the transaction reference to your account e-mail address; it is also attached to invoice #{invoice} in the client area.",
        ],
    ),
    tp(
        Billing,
        Normal,
        Question,
        &["refund", "cancellation"],
        [
            "Refund for a VPS I don't need",
            "I ordered {service} three days ago but it doesn't fit our needs after all. You advertise a 30-day money-back guarantee — can I get a refund?",
            "Of course. The service is within the 30 days, so you are entitled to a full refund. I have cancelled {service} and sent the refund to the original payment method.",
            "Great, thank you. Will my data be deleted right away?",
            "No, the data is kept for 7 days after the cancellation, so you can still download a backup from the control panel until then. After that it is deleted permanently.",
        ],
    ),
    tp(
        Billing,
        Normal,
        Task,
        &["invoice", "vat"],
        [
            "VAT number missing on invoice #{invoice}",
            "Our invoices don't show our VAT number, which our accounting department needs. Our VAT ID is DE999999999. Could you add it and reissue invoice #{invoice}?",
            "I've added the VAT number to your profile and regenerated invoice #{invoice}; you can download it in the client area under Billing → Invoices. Future invoices will show it automatically.",
            "Got it, thanks. The reverse-charge note is missing though — we are a business in another EU country.",
            "Thanks for pointing that out. I have marked your account for the reverse-charge mechanism and regenerated invoice #{invoice} with the note \"Reverse charge: VAT to be accounted for by the recipient\".",
        ],
    ),
    tp(
        Billing,
        Urgent,
        Incident,
        &["suspension", "payment"],
        [
            "Service suspended although I paid",
            "My hosting account was suspended this morning even though I paid invoice #{invoice} yesterday by bank transfer. Our website and e-mail are down!",
            "Bank transfers take 1–2 business days to reach us, so the payment had not been matched yet when the suspension ran. I've unsuspended the account and extended the due date by 3 days; as soon as the transfer arrives the invoice will be marked as paid.",
            "Everything is back online. Please make sure it isn't suspended again before the money arrives.",
            "I have added a note to your account and switched off the automatic suspension until the payment arrives, so it will not happen again in the meantime.",
        ],
    ),
    tp(
        Billing,
        Low,
        Question,
        &["billing-cycle"],
        [
            "Switch to annual billing",
            "Is it possible to switch {service} from monthly to annual billing? I'd like to get the annual discount.",
            "Yes. I've changed the billing cycle to annual starting with the next renewal, and generated a pro-rated invoice for the remaining period with the 15% annual discount.",
            "Thanks! Can I pay the new invoice with PayPal?",
            "Yes, PayPal is available for all invoices; just choose it as the payment method on the invoice page.",
        ],
    ),
    tp(
        Billing,
        Normal,
        Question,
        &["payment-method"],
        [
            "How do I update my credit card?",
            "My card expired and the automatic payment failed. How do I update the card on file?",
            "You can update it in the client area under Billing → Payment methods. For security reasons we can't accept card numbers by e-mail or in tickets. Once it is saved you can pay the open invoice #{invoice} on the same page.",
            "Done, the invoice shows as paid now.",
            "Thanks for letting us know. Everything is in order on our side too.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["transfer"],
        [
            "Transfer {domain} to you",
            "I'd like to transfer {domain} from my current registrar. I've unlocked it and have the EPP code. What are the next steps?",
            "Please place a transfer order for {domain} in the client area and enter the EPP code there. The current registrar will send a confirmation e-mail to the domain's admin contact; once it's approved the transfer completes within 5 days.",
            "I placed the order but haven't received any confirmation e-mail yet.",
            "The confirmation went to the admin contact in the WHOIS, which is still an old address at your previous registrar. Please update the admin e-mail there, and I will resend the confirmation.",
        ],
    ),
    tp(
        Domains,
        Urgent,
        Incident,
        &["renewal", "expired"],
        [
            "Domain {domain} expired — please renew",
            "I missed the renewal of {domain} and the website is down. Can it still be renewed? It's urgent, this is our main shop.",
            "The domain is in the 30-day grace period, so it can still be renewed at the normal price. I've generated renewal invoice #{invoice}; as soon as it's paid the domain will be reactivated, and DNS usually recovers within a few hours.",
            "Paid just now. The site is still not loading.",
            "The payment came through and {domain} is active again. The nameservers were re-published a few minutes ago; please allow up to two hours for the site to come back everywhere.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Question,
        &["dns"],
        [
            "DNS change not propagating",
            "I changed the A record of {domain} to {ip} four hours ago, but the old server still answers.",
            "The old record had a TTL of 86400 seconds (24 hours), so some resolvers may keep the cached answer until tomorrow. Our nameservers already serve the new address. Next time, lower the TTL to 300 a day before the change.",
            "OK, I'll wait then. Can I lower the TTL of the other records right now?",
            "Yes, you can change the TTL of any record in the DNS zone editor at any time; it takes effect once the old TTL has run out.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["epp", "transfer-out"],
        [
            "EPP code for {domain}",
            "We're moving all our domains to one provider. Please send me the EPP/auth code for {domain}.",
            "For security reasons the EPP code is only sent to the registrant's e-mail address. I've unlocked {domain} and triggered that e-mail; the code is valid for 14 days.",
            "The registrant address is an old mailbox we no longer have access to. What can we do?",
            "In that case we need to verify ownership another way: please reply with a scan of an ID or company registration that matches the registrant name, and I will update the registrant e-mail.",
        ],
    ),
    tp(
        Domains,
        Low,
        Question,
        &["whois", "privacy"],
        [
            "Hide our address in WHOIS",
            "Our home address shows up in the WHOIS of {domain}. Can you hide it?",
            "I've enabled WHOIS privacy on {domain} free of charge. It can take up to 24 hours until public WHOIS lookups show the redacted data.",
            "Thanks. Could you enable it on our other domains as well?",
            "Done: WHOIS privacy is now enabled on all domains in your account that support it.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["dns", "mx", "email"],
        [
            "MX records for Google Workspace",
            "We're switching the e-mail of {domain} to Google Workspace. Can you add the MX records, or tell me how to do it?",
            "I've replaced the MX records of {domain} with smtp.google.com (priority 1) and added the SPF record \"v=spf1 include:_spf.google.com ~all\". Please also add the DKIM record that Google shows in its admin console.",
            "Where do I add the DKIM record? I can't find the DNS editor.",
            "In the client area go to Domains → {domain} → DNS management and add a TXT record named google._domainkey with the value Google gives you.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["upgrade", "vps"],
        [
            "Upgrade from shared hosting to a VPS",
            "Our shop has outgrown {service}. Which VPS would you recommend for about 20,000 visitors a day, and can you migrate us?",
            "For that traffic I'd suggest the VPS 8 GB with 4 vCPUs. Migration from shared hosting is free: we copy the files, databases and mailboxes and switch DNS at a time you choose. Would Sunday night work for you?",
            "Sunday night sounds good. How long will the site be down?",
            "Usually no more than 15 minutes: we copy everything in advance, and only the final database sync happens during the switch.",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["discount", "non-profit"],
        [
            "Discount for a charity?",
            "We're a registered charity. Do you offer discounts for non-profits?",
            "Yes — registered charities get 50% off shared hosting and 20% off VPS plans. Please reply with your charity registration number and I'll apply the discount to your account.",
            "Our registration number is 1234567. Thank you!",
            "Thank you, I have verified the number and applied the charity discount; it will show on your next invoice.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["dedicated", "quote"],
        [
            "Questions about dedicated servers",
            "We're considering a dedicated server for a database workload. Which CPUs are available, and do you offer NVMe in RAID?",
            "Our current line-up has AMD EPYC 4344P and Intel Xeon E-2388G servers, both with 2× NVMe in RAID 1 by default; RAID 10 with four drives is available too. Setup takes 1–2 business days. Tell me how much RAM and storage you need and I'll send you a quote.",
            "128 GB RAM and 4× 1.92 TB NVMe in RAID 10, please.",
            "Here is your quote: AMD EPYC 4344P, 128 GB DDR5 ECC, 4× 1.92 TB NVMe in RAID 10, 1 Gbit/s unmetered, for €249 a month, with free setup on a 12-month term. Shall I reserve one for you?",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["reseller"],
        [
            "Is reseller hosting white-label?",
            "Is your reseller hosting white-label? I'd like to host my clients' sites under my own brand.",
            "Yes. Reseller plans come with private nameservers (ns1/ns2 on your own domain) and a branded control panel, and we're not mentioned anywhere your clients can see. WHMCS licences are available at a discount.",
            "How many cPanel accounts are included in the 50 GB plan?",
            "The 50 GB reseller plan includes up to 40 cPanel accounts, and you can share the disk space between them as you like.",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["location"],
        [
            "Do you have servers in Asia?",
            "Most of our visitors are in Singapore and Hong Kong. Do you have a data centre in Asia?",
            "We have a data centre in Singapore, where VPS and dedicated servers are available. Latency to Hong Kong is about 35 ms.",
            "Can I move my existing VPS there without changing the IP address?",
            "IP addresses belong to each data centre, so the VPS gets a new IP in Singapore. We can keep the old one routed to it for 7 days to make the switch easier.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["email", "quote"],
        [
            "Quote for 20 mailboxes",
            "We need business e-mail for 20 employees on {domain}. What would that cost per year?",
            "Business E-mail is €2 per mailbox per month, so 20 mailboxes come to €480 a year; annual billing takes off another 10%, which makes €432. Each mailbox has 25 GB.",
            "Does that include spam filtering and webmail?",
            "Yes, both are included: spam and virus filtering, webmail, and IMAP/SMTP access from any mail client.",
        ],
    ),
];

static EN_PHRASES: Phrases = Phrases {
    pairs: &[
        (
            "I tried again just now and it's still the same.",
            "Thanks for checking. I've looked into it again and made a further change on our side. Could you try once more and let me know the result?",
        ),
        (
            "Thanks. One more question: does this affect my other services too?",
            "No, it only affects {domain}; your other services are not involved.",
        ),
        (
            "It happened again today around 14:20, with the same error message.",
            "Thank you, that helps: I found the matching entries in the logs for 14:20 and passed them on to our system administrators. I'll update you as soon as I hear back.",
        ),
        (
            "It works from my phone but not from the office network.",
            "Then the office network probably still has the old answer cached, or its firewall blocks the connection. Could you send us the output of `nslookup {domain}` from an office computer?",
        ),
        (
            "OK, I'll wait and let you know.",
            "Sounds good. If anything is still wrong tomorrow morning, just reply here and we'll take another look.",
        ),
        (
            "Sorry, I'm not very technical — could you explain step by step what I need to do?",
            "Of course, no problem. I've made the change for you, so there is nothing left to do on your side; please just check once more in an hour.",
        ),
    ],
    thanks: &[
        "That fixed it, thank you very much!",
        "Everything works now. Thanks for the great support!",
        "Perfect, that's all I needed. Have a nice day!",
        "Confirmed, all good on our side. Thanks!",
    ],
    closing: &[
        "I'm marking this ticket as solved; just reply if anything else comes up.",
        "As everything should be in order now, I'll mark the ticket as solved. If the problem comes back, simply reply and it will reopen.",
    ],
    hold: &[
        "I need to check this with a colleague in another team first. I'm putting the ticket on hold until I hear back from them, usually within 24 hours.",
        "We're waiting for an answer from a third party on this. I'll put the ticket on hold and update you as soon as we hear from them.",
    ],
    notes: &[
        "Checked the logs and the account history — nothing unusual around the reported time.",
        "Customer has had this before, see the older tickets. Might be worth a permanent fix.",
        "Asked L2 to double-check before we answer. Please don't close before they confirm.",
        "Called the customer; they'll send the details by e-mail.",
        "Account is in good standing, no unpaid invoices.",
    ],
    duplicate: "I'm writing again because I haven't had an answer yet.",
    merge_note: "Same request as this ticket; merging the duplicate",
    lock_note: "Settled from our side. Locking the ticket so it isn't reopened; anything new should come in as a new ticket.",
    phone: "Phone call with the customer. Summary:",
    sign: "Kind regards,",
};

static TR_TOPICS: [Topic; 24] = [
    tp(
        Tech,
        High,
        Incident,
        &["500-error", "php"],
        [
            "Sitede 500 Internal Server Error hatası",
            "Merhaba,\n\nBu sabahtan beri {domain} sadece \"500 Internal Server Error\" gösteriyor. Sitede hiçbir değişiklik yapmadım. Kontrol panelindeki hata kaydında \"PHP Fatal error: Allowed memory size exhausted\" yazıyor. Yardımcı olabilir misiniz?\n\nİyi çalışmalar.",
            "Detaylar için teşekkürler. Bir eklenti güncellemesinden sonra site 128 MB'lık PHP bellek sınırına takılmış. {domain} için memory_limit değerini 256 MB'a yükselttim. Sitenin tekrar açılıp açılmadığını kontrol edebilir misiniz?",
            "Site açıldı ama yönetim paneli hâlâ çok yavaş. Bununla bağlantılı olabilir mi?",
            "Kısmen: yönetim paneli her sayfada 38 eklentinin tamamını yüklüyor. OPcache'i de etkinleştirdim; hâlâ yavaşsa kullanmadığınız eklentileri devre dışı bırakıp bize haber verin.",
        ],
    ),
    tp(
        Tech,
        Normal,
        Incident,
        &["email", "smtp"],
        [
            "E-posta gönderemiyorum: 550 relay not permitted",
            "Merhaba,\n\ninfo@{domain} adresinden e-posta göndermeye çalıştığımda Outlook \"550 relay not permitted\" hatası veriyor. Gelen e-postalarda sorun yok. Giden sunucu olarak mail.{domain}, 587 portu ve STARTTLS kullanıyorum.",
            "Outlook giden sunucuda kimlik doğrulaması yapmadığı için sunucu iletiyi reddediyor. Outlook'ta Hesap ayarları → Diğer ayarlar → Giden sunucu sekmesinde \"Giden sunucum (SMTP) kimlik doğrulaması gerektiriyor\" seçeneğini işaretleyip gelen posta ile aynı bilgileri kullanın.",
            "İşaretledim, bilgisayardan gönderim çalışıyor. Telefonda ise aynı hata devam ediyor.",
            "Telefonda giden sunucu ayarları ayrı tutuluyor: orada da kimlik doğrulamayı açın ve 25 değil, STARTTLS ile 587 portunun seçili olduğundan emin olun.",
        ],
    ),
    tp(
        Tech,
        Urgent,
        Incident,
        &["ssl", "lets-encrypt"],
        [
            "{domain} SSL sertifikasının süresi dolmuş",
            "Ziyaretçiler {domain} adresinde \"Bağlantınız gizli değil\" uyarısı alıyor. Otomatik yenileme açık olmasına rağmen Let's Encrypt sertifikasının süresi dün dolmuş görünüyor.",
            "Alan adının AAAA kaydı hâlâ eski bir IPv6 adresini gösterdiği için doğrulama isteği sunucumuza ulaşamamış ve yenileme başarısız olmuş. Eski kaydı sildim ve sertifikayı yeniden oluşturdum; sertifika artık 90 gün geçerli. Tarayıcı önbelleğini temizleyip tekrar kontrol eder misiniz?",
            "Uyarı kalktı, teşekkürler. Bir dahaki sefere kendiliğinden yenilenecek mi?",
            "Evet. AAAA kaydı silindiği için otomatik yenileme alan adını yeniden doğrulayabiliyor; süre dolmadan 30 gün önce çalışıyor ve bir sorun olursa size e-posta gelir.",
        ],
    ),
    tp(
        Tech,
        Urgent,
        Incident,
        &["vps", "downtime"],
        [
            "Yeniden başlatma sonrası VPS'e erişilemiyor",
            "Yaklaşık bir saat önce VPS'imi ({service}) yeniden başlattım, o zamandan beri ping ve SSH yanıt vermiyor. Panelde çalışıyor olarak görünüyor. IP adresi: {ip}",
            "VNC konsolundan baktığımda sunucunun açılışta fsck ekranında beklediğini gördüm; kök dosya sisteminde hatalar vardı. Kontrolü çalıştırdım, sunucu şu an normal şekilde açılıyor. Bir anlık görüntü (snapshot) almanızı ve yedeklerinizi kontrol etmenizi öneririm.",
            "Sunucu tekrar açıldı, çok teşekkürler. Dosya sistemi hatalarının sebebi neydi?",
            "İki gün önce fiziksel sunucuda kısa bir elektrik kesintisi yaşandı ve VPS'inizin dosya sistemi düzgün kapatılamadı. Donanım testleri sorunsuz; sunucuyu yakın izleme listemize ekledik.",
        ],
    ),
    tp(
        Tech,
        Normal,
        Problem,
        &["performance", "wordpress"],
        [
            "Taşımadan sonra site çok yavaş",
            "Geçen hafta {service} paketinize geçtik, sayfaların açılış süresi 1 saniyeden 4-5 saniyeye çıktı. Yaklaşık 3.000 ürünlü bir WooCommerce mağazası.",
            "Hesabı inceledim: OPcache kapalıydı ve nesne önbelleği yok, bu yüzden her sayfa yaklaşık 400 veritabanı sorgusu çalıştırıyor. OPcache'i açtım ve hesabınız için Redis kurdum; WordPress'te Redis Object Cache eklentisini etkinleştirmeniz yeterli.",
            "Eklentiyi etkinleştirdim, ana sayfa 1,8 saniyeye düştü. Ürün sayfaları ise hâlâ yavaş.",
            "Ürün sayfaları önbelleğe alınmayan bir varyasyon sorgusu çalıştırıyor. wp_postmeta tablosuna (meta_key, post_id) indeksi ekledim; testlerimde ürün sayfaları artık yaklaşık 1,2 saniyede açılıyor.",
        ],
    ),
    tp(
        Tech,
        Low,
        Question,
        &["cron"],
        [
            "Cron görevi çalışmıyor",
            "cron.php dosyasını 5 dakikada bir çalıştıracak bir cron görevi ekledim ama hiç çalışmıyor gibi. Kayıtlarda da bir şey görünmüyor.",
            "Cron komutundaki `php` sunucunuzda PHP 7.4 CLI'yi çalıştırıyor, siteniz ise PHP 8.2 kullanıyor; bu yüzden betik sözdizimi hatasıyla duruyor. Komutu `/usr/local/bin/php82 /home/user/public_html/cron.php` olarak değiştirmeniz gerekiyor.",
            "Değiştirdim. Şimdi her beş dakikada bir cron'dan e-posta geliyor, bunları kapatabilir miyim?",
            "Evet, komutun sonuna >/dev/null 2>&1 ekleyebilir ya da Cron İşleri sayfasının üstündeki \"Cron e-postası\" alanını boşaltabilirsiniz.",
        ],
    ),
    tp(
        Billing,
        High,
        Incident,
        &["refund", "payment"],
        [
            "#{invoice} numaralı fatura için iki kez ödeme alındı",
            "Merhaba,\n\nKredi kartımdan #{invoice} numaralı fatura için iki kez çekim yapılmış (aynı tutar, iki dakika arayla). Fazla çekilen tutarın iadesini rica ediyorum.",
            "Yaşanan aksaklık için özür dileriz. #{invoice} numaralı faturada iki tahsilat görünüyor; ikincisi ödeme altyapısındaki bir zaman aşımından kaynaklanmış. Fazla çekilen tutarı iade ettim; bankanıza bağlı olarak 5-10 iş günü içinde hesabınıza yansır.",
            "Teşekkürler. Muhasebemiz için iade dekontu gönderebilir misiniz?",
            "Elbette. İşlem referansını içeren iade dekontunu hesabınızdaki e-posta adresine gönderdim; müşteri panelinde #{invoice} numaralı faturanın ekinde de bulabilirsiniz.",
        ],
    ),
    tp(
        Billing,
        Normal,
        Question,
        &["refund", "cancellation"],
        [
            "Kullanmadığım VPS için iade talebi",
            "Üç gün önce {service} satın aldım ama ihtiyaçlarımızı karşılamıyor. 30 gün para iade garantiniz var, iade alabilir miyim?",
            "Elbette. Hizmetiniz 30 günlük süre içinde olduğu için tam iade hakkınız var. {service} hizmetini iptal ettim ve iadeyi ödemeyi yaptığınız yönteme başlattım.",
            "Çok iyi, teşekkürler. Verilerim hemen silinecek mi?",
            "Hayır, veriler iptalden sonra 7 gün saklanıyor; bu süre içinde kontrol panelinden yedek alabilirsiniz. Sonrasında kalıcı olarak silinir.",
        ],
    ),
    tp(
        Billing,
        Normal,
        Task,
        &["invoice", "tax"],
        [
            "Faturada vergi numarası eksik",
            "Faturalarımızda şirketimizin vergi dairesi ve vergi numarası yer almıyor, muhasebe için gerekli. Vergi numaramız 1234567890, vergi dairesi Kadıköy. #{invoice} numaralı faturayı düzeltip yeniden gönderebilir misiniz?",
            "Vergi bilgilerinizi profilinize ekledim ve #{invoice} numaralı faturayı yeniden oluşturdum; müşteri panelinde Faturalarım bölümünden indirebilirsiniz. Bundan sonraki faturalarda bu bilgiler otomatik olarak yer alacak.",
            "Aldım, teşekkürler. e-Fatura olarak da kesebiliyor musunuz?",
            "Evet. e-Fatura mükellefi olduğunuzu doğruladım ve hesabınızı e-Fatura olarak işaretledim; #{invoice} numaralı fatura e-Fatura olarak yeniden düzenlendi.",
        ],
    ),
    tp(
        Billing,
        Urgent,
        Incident,
        &["suspension", "payment"],
        [
            "Ödeme yapmama rağmen hizmetim askıya alındı",
            "Dün #{invoice} numaralı faturayı havale ile ödedim ama hosting hesabım bu sabah askıya alınmış. Sitemiz ve e-postalarımız çalışmıyor!",
            "Havale/EFT ödemeleri bize 1-2 iş günü içinde ulaşıyor; askıya alma işlemi çalıştığında ödemeniz henüz eşleşmemişti. Hesabınızı yeniden aktif ettim ve son ödeme tarihini 3 gün uzattım; ödeme ulaştığında fatura ödendi olarak işaretlenecek.",
            "Her şey tekrar çalışıyor. Lütfen ödeme ulaşana kadar tekrar askıya alınmasın.",
            "Hesabınıza not ekledim ve ödeme ulaşana kadar otomatik askıya almayı kapattım; bu süre içinde tekrar yaşanmayacak.",
        ],
    ),
    tp(
        Billing,
        Low,
        Question,
        &["billing-cycle"],
        [
            "Yıllık ödemeye geçmek istiyorum",
            "{service} hizmetimi aylık yerine yıllık ödemeye çevirmek mümkün mü? Yıllık indirimden yararlanmak istiyorum.",
            "Evet. Ödeme döngüsünü bir sonraki yenilemeden itibaren yıllık olarak değiştirdim. Kalan süre için %15 yıllık indirimli bir kıst dönem faturası oluşturuldu.",
            "Teşekkürler! Yeni faturayı taksitle ödeyebilir miyim?",
            "Evet, anlaşmalı bankaların kredi kartlarıyla 3, 6 ya da 9 taksit seçeneği var; fatura sayfasında kartla ödemeyi seçtiğinizde görünecek.",
        ],
    ),
    tp(
        Billing,
        Normal,
        Question,
        &["payment-method"],
        [
            "Kayıtlı kredi kartımı nasıl güncellerim?",
            "Kartımın son kullanma tarihi geçti ve otomatik ödeme başarısız oldu. Kayıtlı kartı nasıl güncelleyebilirim?",
            "Müşteri panelinde Faturalar → Ödeme yöntemleri bölümünden güncelleyebilirsiniz. Güvenlik nedeniyle kart bilgilerini e-posta ya da destek talebi üzerinden alamıyoruz. Kaydettikten sonra aynı sayfadan #{invoice} numaralı açık faturayı ödeyebilirsiniz.",
            "Tamamdır, fatura ödendi olarak görünüyor.",
            "Bilgi verdiğiniz için teşekkürler, bizim tarafta da her şey yolunda görünüyor.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["transfer"],
        [
            "{domain} alan adının transferi",
            "{domain} alan adımı mevcut firmadan size taşımak istiyorum. Transfer kilidini kaldırdım ve EPP kodunu aldım. Sonraki adımlar nelerdir?",
            "Müşteri panelinden {domain} için transfer siparişi oluşturup EPP kodunu girmeniz yeterli. Mevcut firma, alan adının yönetici iletişim adresine bir onay e-postası gönderecek; onaydan sonra transfer en geç 5 gün içinde tamamlanır.",
            "Siparişi verdim ama henüz onay e-postası gelmedi.",
            "Onay e-postası Whois'teki yönetici adresine gitti; bu, eski firmanızda kayıtlı eski bir adres. Lütfen oradaki yönetici e-postasını güncelleyin, ardından onayı yeniden göndereyim.",
        ],
    ),
    tp(
        Domains,
        Urgent,
        Incident,
        &["renewal", "expired"],
        [
            "Alan adının süresi doldu, acil yenileme",
            "{domain} alan adımın yenilemesini kaçırdım ve site kapandı. Hâlâ yenilenebilir mi? Ana mağazamız, çok acil.",
            "Alan adı 30 günlük ek süre (grace period) içinde, normal fiyatla yenilenebilir. #{invoice} numaralı yenileme faturasını oluşturdum; ödendiği anda alan adı yeniden aktif olur, DNS genellikle birkaç saat içinde düzelir.",
            "Şimdi ödedim. Site hâlâ açılmıyor.",
            "Ödemeniz ulaştı ve {domain} yeniden aktif. Ad sunucuları birkaç dakika önce yeniden yayınlandı; sitenin her yerden açılması iki saati bulabilir.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Question,
        &["dns"],
        [
            "DNS değişikliği yansımadı",
            "Dört saat önce {domain} için A kaydını {ip} olarak değiştirdim ama hâlâ eski sunucu yanıt veriyor.",
            "Eski kaydın TTL değeri 86400 saniye (24 saat) olduğu için bazı DNS sunucuları yarına kadar önbellekteki yanıtı verebilir. Bizim ad sunucularımız yeni adresi veriyor. Sonraki değişikliklerden bir gün önce TTL'yi 300'e düşürmenizi öneririm.",
            "Tamam, bekleyeceğim. Diğer kayıtların TTL'sini şimdi düşürebilir miyim?",
            "Evet, DNS bölge düzenleyicisinden istediğiniz kaydın TTL değerini her zaman değiştirebilirsiniz; eski TTL süresi dolunca geçerli olur.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["epp", "transfer-out"],
        [
            "{domain} için EPP (transfer) kodu",
            "Tüm alan adlarımızı tek bir firmada topluyoruz. {domain} için EPP kodunu gönderebilir misiniz?",
            "Güvenlik nedeniyle EPP kodu yalnızca alan adı sahibinin e-posta adresine gönderiliyor. {domain} kilidini kaldırdım ve e-postayı gönderdim; kod 14 gün geçerli.",
            "Sahip e-posta adresi artık kullanmadığımız eski bir adres. Ne yapabiliriz?",
            "Bu durumda sahipliği başka bir yolla doğrulamamız gerekiyor: alan adı sahibinin adıyla eşleşen kimlik ya da şirket evrakının taramasını bu talebe yanıt olarak gönderirseniz e-posta adresini güncellerim.",
        ],
    ),
    tp(
        Domains,
        Low,
        Question,
        &["whois", "privacy"],
        [
            "Whois bilgilerini gizleme",
            "{domain} Whois sorgusunda ev adresimiz görünüyor. Bunu gizleyebilir misiniz?",
            "{domain} için Whois gizliliğini ücretsiz olarak etkinleştirdim. Herkese açık Whois sorgularında gizlenmiş bilgilerin görünmesi 24 saati bulabilir.",
            "Teşekkürler. Diğer alan adlarımızda da açabilir misiniz?",
            "Tamamdır, hesabınızdaki destekleyen tüm alan adlarında Whois gizliliği açıldı.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["dns", "mx", "email"],
        [
            "Google Workspace için MX kayıtları",
            "{domain} e-postalarını Google Workspace'e taşıyoruz. MX kayıtlarını ekleyebilir misiniz ya da nasıl ekleneceğini anlatabilir misiniz?",
            "{domain} için MX kaydını smtp.google.com (öncelik 1) olarak değiştirdim ve \"v=spf1 include:_spf.google.com ~all\" SPF kaydını ekledim. Google yönetici konsolunda gösterilen DKIM kaydını da eklemeniz gerekiyor.",
            "DKIM kaydını nereye ekleyeceğim? DNS düzenleyicisini bulamadım.",
            "Müşteri panelinde Alan Adlarım → {domain} → DNS Yönetimi bölümüne girip adı google._domainkey olan bir TXT kaydı ekleyin ve değer olarak Google'ın verdiği metni yazın.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["upgrade", "vps"],
        [
            "Paylaşımlı hostingten VPS'e geçiş",
            "Mağazamız artık {service} paketine sığmıyor. Günde yaklaşık 20.000 ziyaretçi için hangi VPS'i önerirsiniz, taşımayı siz yapabilir misiniz?",
            "Bu trafik için 8 GB RAM ve 4 vCPU'lu VPS paketini öneririm. Paylaşımlı hostingten taşıma ücretsiz: dosyaları, veritabanlarını ve e-posta hesaplarını kopyalıyor, DNS'i sizin belirleyeceğiniz saatte değiştiriyoruz. Pazar gecesi uygun olur mu?",
            "Pazar gecesi uygun. Site ne kadar süre kapalı kalır?",
            "Genellikle 15 dakikayı geçmiyor: her şeyi önceden kopyalıyoruz, geçiş sırasında yalnızca son veritabanı eşitlemesi yapılıyor.",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["discount", "non-profit"],
        [
            "Dernekler için indirim var mı?",
            "Biz kayıtlı bir derneğiz. Sivil toplum kuruluşlarına indirim uyguluyor musunuz?",
            "Evet, kayıtlı dernek ve vakıflara paylaşımlı hostingte %50, VPS paketlerinde %20 indirim uyguluyoruz. Dernek kütük numaranızı yazarsanız indirimi hesabınıza tanımlarım.",
            "Kütük numaramız 34-123-456. Teşekkürler!",
            "Teşekkürler, numarayı doğruladım ve dernek indirimini tanımladım; bir sonraki faturanızda görünecek.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["dedicated", "quote"],
        [
            "Fiziksel sunucu hakkında sorular",
            "Veritabanı için bir fiziksel sunucu almayı düşünüyoruz. Hangi işlemciler mevcut, NVMe RAID seçeneğiniz var mı?",
            "Şu an AMD EPYC 4344P ve Intel Xeon E-2388G sunucularımız var; ikisinde de varsayılan olarak RAID 1'de 2 adet NVMe disk bulunuyor, 4 diskli RAID 10 da mümkün. Kurulum 1-2 iş günü sürüyor. İhtiyacınız olan RAM ve disk miktarını yazarsanız teklif hazırlayabilirim.",
            "128 GB RAM ve RAID 10'da 4 × 1,92 TB NVMe rica ediyoruz.",
            "Teklifimiz: AMD EPYC 4344P, 128 GB DDR5 ECC, RAID 10'da 4 × 1,92 TB NVMe, 1 Gbit/s limitsiz trafik; aylık 9.900 TL + KDV, 12 ay taahhütte kurulum ücretsiz. Sizin için bir sunucu ayırayım mı?",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["reseller"],
        [
            "Bayi hosting markasız mı?",
            "Bayi (reseller) hosting paketleriniz markasız mı? Müşterilerimin sitelerini kendi markamla barındırmak istiyorum.",
            "Evet, bayi paketlerinde kendi alan adınızda özel ad sunucuları (ns1/ns2) ve markalı kontrol paneli var; müşterilerinizin gördüğü hiçbir sayfada adımız geçmiyor. İndirimli WHMCS lisansı da sunuyoruz.",
            "50 GB pakette kaç cPanel hesabı açabiliyorum?",
            "50 GB bayi paketinde 40 cPanel hesabına kadar açabiliyorsunuz; disk alanını hesaplar arasında istediğiniz gibi dağıtabilirsiniz.",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["location", "kvkk"],
        [
            "İstanbul lokasyonlu sunucu",
            "Ziyaretçilerimizin çoğu Türkiye'den. İstanbul'da sunucunuz var mı? KVKK açısından verilerin yurt içinde olması gerekiyor.",
            "İstanbul'daki veri merkezimizde VPS ve fiziksel sunucu hizmeti veriyoruz; veriler yurt içinde tutuluyor. Mevcut hizmetinizi de oraya taşıyabiliriz.",
            "Taşıma sırasında IP adresi değişir mi?",
            "IP adresleri veri merkezine bağlı olduğu için İstanbul'da yeni bir IP adresi alırsınız. Geçişi kolaylaştırmak için eski IP'yi 7 gün boyunca yönlendirmeye devam edebiliriz.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["email", "quote"],
        [
            "20 kurumsal e-posta hesabı için fiyat",
            "{domain} üzerinde 20 çalışanımız için kurumsal e-posta istiyoruz. Yıllık maliyeti ne olur?",
            "Kurumsal e-posta hesap başına aylık 60 TL; 20 hesap için yıllık 14.400 TL ediyor, yıllık ödemede %10 indirimle 12.960 TL + KDV. Her hesapta 25 GB alan var.",
            "Spam filtresi ve webmail de dahil mi?",
            "Evet, ikisi de dahil: spam ve virüs filtresi, webmail ve her e-posta programından IMAP/SMTP erişimi.",
        ],
    ),
];

static TR_PHRASES: Phrases = Phrases {
    pairs: &[
        (
            "Şimdi tekrar denedim, durum aynı.",
            "Kontrol ettiğiniz için teşekkürler. Konuyu tekrar inceledim ve bizim tarafta ek bir düzenleme yaptım. Bir kez daha deneyip sonucu bildirebilir misiniz?",
        ),
        (
            "Teşekkürler. Bir sorum daha var: bu durum diğer hizmetlerimi de etkiliyor mu?",
            "Hayır, yalnızca {domain} etkileniyor; diğer hizmetlerinizle bir ilgisi yok.",
        ),
        (
            "Bugün saat 14:20 civarında yine oldu, hata mesajı aynı.",
            "Teşekkürler, bu çok yardımcı oldu: kayıtlarda 14:20'ye ait satırları buldum ve sistem yöneticilerimize ilettim. Dönüş alır almaz sizi bilgilendireceğim.",
        ),
        (
            "Telefondan çalışıyor ama ofis ağından çalışmıyor.",
            "O hâlde ofis ağınız büyük ihtimalle eski yanıtı önbellekte tutuyor ya da güvenlik duvarı bağlantıyı engelliyor. Ofisteki bir bilgisayardan `nslookup {domain}` komutunun çıktısını gönderebilir misiniz?",
        ),
        (
            "Tamam, bekleyip size haber vereceğim.",
            "Tabii. Yarın sabah hâlâ bir sorun olursa bu talebe yanıt vermeniz yeterli, tekrar bakarız.",
        ),
        (
            "Kusura bakmayın, teknik konularda pek bilgim yok. Ne yapmam gerektiğini adım adım anlatabilir misiniz?",
            "Elbette, hiç sorun değil. Değişikliği sizin için yaptım, sizin tarafınızda yapılacak bir şey kalmadı; bir saat sonra tekrar kontrol etmeniz yeterli.",
        ),
    ],
    thanks: &[
        "Sorun çözüldü, çok teşekkür ederim!",
        "Her şey çalışıyor. İlginiz için teşekkürler!",
        "Harika, ihtiyacım olan buydu. İyi günler dilerim!",
        "Onaylıyorum, bizim tarafta her şey yolunda. Teşekkürler!",
    ],
    closing: &[
        "Talebi çözüldü olarak işaretliyorum; başka bir konu olursa bu talebe yanıt vermeniz yeterli.",
        "Her şey yolunda göründüğü için talebi çözüldü olarak işaretliyorum. Sorun tekrarlarsa yanıt verin, talep yeniden açılır.",
    ],
    hold: &[
        "Bu konuyu önce başka bir ekipteki arkadaşımızla kontrol etmem gerekiyor. Dönüş yapana kadar (genellikle 24 saat içinde) talebi beklemeye alıyorum.",
        "Bu konuda üçüncü bir taraftan yanıt bekliyoruz. Talebi beklemeye alıyorum, yanıt gelir gelmez sizi bilgilendireceğim.",
    ],
    notes: &[
        "Kayıtları ve hesap geçmişini kontrol ettim, bildirilen saatte olağan dışı bir şey yok.",
        "Müşteri bu sorunu daha önce de yaşamış, eski taleplere bakın. Kalıcı bir çözüm gerekebilir.",
        "Yanıtlamadan önce L2'den kontrol istedim. Onaylamadan kapatmayalım.",
        "Müşteriyi aradım, detayları e-posta ile gönderecek.",
        "Hesapta sorun yok, ödenmemiş fatura bulunmuyor.",
    ],
    duplicate: "Henüz yanıt alamadığım için tekrar yazıyorum.",
    merge_note: "Bu talep ile aynı konu; mükerrer talep birleştiriliyor",
    lock_note: "Bizim tarafımızda konu kapandı. Yeniden açılmaması için talebi kilitliyorum; yeni konular için yeni talep açılmalı.",
    phone: "Müşteriyle telefon görüşmesi. Özet:",
    sign: "Saygılarımızla,",
};

static ZH_TOPICS: [Topic; 24] = [
    tp(
        Tech,
        High,
        Incident,
        &["500-error", "php"],
        [
            "网站显示 500 Internal Server Error",
            "您好，\n\n从今天早上开始，{domain} 只显示“500 Internal Server Error”。我没有修改过网站。控制面板里的错误日志显示“PHP Fatal error: Allowed memory size exhausted”。麻烦帮忙看一下。\n\n谢谢！",
            "感谢您提供的信息。网站在一次插件更新后超出了 128 MB 的 PHP 内存限制。我已在 PHP 设置中把 {domain} 的 memory_limit 调整为 256 MB，请您确认网站是否已恢复访问。",
            "网站能打开了，但是后台还是很慢，这和刚才的问题有关系吗？",
            "有一定关系：后台每个页面都会加载全部 38 个插件。我也为您开启了 OPcache；如果仍然很慢，建议停用不用的插件后再告诉我结果。",
        ],
    ),
    tp(
        Tech,
        Normal,
        Incident,
        &["email", "smtp"],
        [
            "无法发送邮件：550 relay not permitted",
            "您好，\n\n用 Outlook 从 info@{domain} 发信时总是提示“550 relay not permitted”，收信正常。发信服务器是 mail.{domain}，端口 587，STARTTLS。",
            "服务器拒收是因为 Outlook 在发信服务器上没有进行身份验证。请在 Outlook 的“账户设置 → 其他设置 → 发送服务器”中勾选“我的发送服务器(SMTP)要求验证”，并使用与收信相同的账号密码。",
            "勾选后电脑可以发信了，但手机上还是同样的错误。",
            "手机上的发信服务器设置是单独的：请在那里也开启身份验证，并确认选择的是 587 端口加 STARTTLS，而不是 25 端口。",
        ],
    ),
    tp(
        Tech,
        Urgent,
        Incident,
        &["ssl", "lets-encrypt"],
        [
            "{domain} 的 SSL 证书已过期",
            "访客打开 {domain} 时提示“您的连接不是私密连接”。自动续期是开着的，但 Let's Encrypt 证书好像昨天过期了。",
            "续期失败是因为该域名的 AAAA 记录仍指向一个旧的 IPv6 地址，验证请求无法到达我们的服务器。我已删除这条旧记录并重新签发证书，现在有效期为 90 天。请清除浏览器缓存后再试。",
            "电脑上已经没有警告了，谢谢。下次会自动续期吗？",
            "会的。旧的 AAAA 记录删除后，自动续期可以正常验证域名了；系统会在到期前 30 天自动续期，如果失败会发邮件提醒您。",
        ],
    ),
    tp(
        Tech,
        Urgent,
        Incident,
        &["vps", "downtime"],
        [
            "重启后 VPS 无法访问",
            "大约一小时前我重启了 VPS（{service}），之后 ping 和 SSH 都没有响应，面板里显示运行中。IP 是 {ip}。",
            "通过 VNC 控制台看到，服务器重启后停在了 fsck 提示界面，根文件系统有错误。我已执行修复，服务器现在已正常启动。建议您马上创建一个快照，并检查最近的备份。",
            "服务器恢复了，非常感谢。请问文件系统出错的原因是什么？",
            "两天前宿主机出现过一次短暂断电，您的 VPS 文件系统没有正常卸载。硬件检测一切正常，我们已将这台宿主机加入重点监控。",
        ],
    ),
    tp(
        Tech,
        Normal,
        Problem,
        &["performance", "wordpress"],
        [
            "迁移后网站访问很慢",
            "上周我们迁移到了贵司的 {service} 套餐，页面加载时间从 1 秒左右变成了 4～5 秒。网站是 WooCommerce 商城，大约有 3000 个商品。",
            "我检查了您的账户：OPcache 未开启，也没有对象缓存，每个页面大约要执行 400 次数据库查询。我已开启 OPcache 并为您的账户安装了 Redis，请在 WordPress 中启用 Redis Object Cache 插件。",
            "插件启用后首页降到了 1.8 秒，不过商品页面还是很慢。",
            "商品页面有一个没有缓存的规格查询。我为 wp_postmeta 表添加了 (meta_key, post_id) 索引，测试中商品页面现在大约 1.2 秒就能打开。",
        ],
    ),
    tp(
        Tech,
        High,
        Incident,
        &["security", "cpu"],
        [
            "服务器 CPU 占用 100%，疑似被攻击",
            "从昨晚开始 {service} 的 CPU 一直是 100%，网站打不开。用 top 看到很多 php-fpm 进程，访问日志里有大量来自同一 IP 段对 wp-login.php 的请求。",
            "确认是针对 wp-login.php 的暴力破解攻击。我已在防火墙中封禁了相关 IP 段，并为 wp-login.php 启用了访问频率限制，目前 CPU 负载已恢复正常。建议您为管理员账户开启双因素认证。",
            "现在网站正常了。以后再遇到这种情况，我自己可以怎么处理？",
            "可以在控制面板的“防火墙”页面自行封禁 IP，也可以开启“自动防护”，检测到暴力破解时系统会自动封禁来源 IP。",
        ],
    ),
    tp(
        Billing,
        High,
        Incident,
        &["refund", "payment"],
        [
            "发票 #{invoice} 重复扣款，申请退款",
            "您好，\n\n我的信用卡为发票 #{invoice} 被扣了两次款（金额相同，间隔两分钟）。请退还重复扣除的款项。",
            "非常抱歉给您带来不便。发票 #{invoice} 确实有两笔成功付款，第二笔是支付网关超时导致的。我已为重复的付款办理退款，根据银行不同，通常 5～10 个工作日内到账。",
            "谢谢。能否提供一份退款凭证给我们的财务？",
            "当然可以。包含交易流水号的退款凭证已发送到您的账户邮箱，也可以在客户中心发票 #{invoice} 的附件中下载。",
        ],
    ),
    tp(
        Billing,
        Normal,
        Question,
        &["refund", "cancellation"],
        [
            "未使用的 VPS 申请退款",
            "三天前购买了 {service}，但不符合我们的需求。你们有 30 天无理由退款，我可以申请退款吗？",
            "当然可以。您的服务在 30 天内，可以全额退款。我已取消 {service}，退款将原路返回。",
            "好的，谢谢。我的数据会马上被删除吗？",
            "不会，取消后数据会保留 7 天，在此期间您仍可在控制面板中下载备份，之后数据将被永久删除。",
        ],
    ),
    tp(
        Billing,
        Normal,
        Task,
        &["invoice", "fapiao"],
        [
            "需要开具增值税专用发票",
            "我们公司需要开具增值税专用发票，抬头和税号已在账户资料中填写。请问订单 #{invoice} 可以开吗？",
            "可以。我已根据您账户中的开票信息为订单 #{invoice} 申请了增值税专用发票，电子发票将在 3 个工作日内发送到您的账户邮箱。",
            "收到，请问纸质发票可以邮寄吗？",
            "可以，纸质发票开具后会通过快递寄出，请在客户中心确认收件地址。",
        ],
    ),
    tp(
        Billing,
        Urgent,
        Incident,
        &["suspension", "payment"],
        [
            "已付款但服务被暂停",
            "我昨天已通过银行转账支付了发票 #{invoice}，但今天早上主机账户被暂停了，网站和邮箱都不能用！",
            "银行转账通常需要 1～2 个工作日到账，暂停任务运行时您的付款尚未匹配到账单。我已恢复您的账户，并将付款截止日期延长 3 天；款项到账后发票会自动标记为已付。",
            "服务已经恢复了。请确保在款项到账前不要再暂停。",
            "我已在您的账户中添加备注，并在款项到账前关闭了自动暂停，这期间不会再出现这种情况。",
        ],
    ),
    tp(
        Billing,
        Normal,
        Incident,
        &["payment", "alipay"],
        [
            "支付宝付款失败",
            "用支付宝支付发票 #{invoice} 时一直提示“交易失败”，换了微信支付也不行。",
            "我们的支付通道今天上午出现了短暂故障，现在已经恢复。请重新尝试支付；如果仍然失败，请告诉我具体时间，我来查询交易记录。",
            "刚才用支付宝付款成功了，谢谢。",
            "收到，感谢告知，我们这边也显示已付款。",
        ],
    ),
    tp(
        Billing,
        Low,
        Question,
        &["renewal", "price"],
        [
            "续费价格为什么上涨了？",
            "{service} 的续费账单比去年贵了不少，请问是什么原因？",
            "去年您购买时使用的是首年优惠价，续费时按标准价格计费。如果您改为一次付三年，可以享受 20% 的折扣，我可以帮您调整。",
            "那请帮我改成三年付吧。",
            "已为您改为三年付，并生成了享受 20% 折扣的新账单。",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["transfer"],
        [
            "域名 {domain} 转入",
            "我想把 {domain} 从现在的注册商转到你们这里。已经解锁并拿到了转移码（EPP Code），接下来该怎么做？",
            "请在客户中心为 {domain} 提交转入订单并填写转移码。原注册商会向域名管理联系人邮箱发送确认邮件，确认后转移通常在 5 天内完成。",
            "订单已经提交了，但还没有收到确认邮件。",
            "确认邮件发到了 WHOIS 中的管理联系人邮箱，那是您在原注册商处留的旧邮箱。请先在原注册商处更新管理邮箱，之后我为您重新发送确认邮件。",
        ],
    ),
    tp(
        Domains,
        Urgent,
        Incident,
        &["renewal", "expired"],
        [
            "域名过期，网站打不开了",
            "忘记续费 {domain}，现在网站打不开了。还能续费吗？这是我们的主站，很着急。",
            "该域名目前处于 30 天的宽限期内，可以按正常价格续费。我已生成续费账单 #{invoice}，付款后域名会立即恢复，DNS 一般在几小时内生效。",
            "刚刚付款了，网站还是打不开。",
            "款项已到账，{domain} 已恢复正常。域名服务器几分钟前已重新发布，全网恢复访问可能需要两个小时左右。",
        ],
    ),
    tp(
        Domains,
        Normal,
        Question,
        &["dns"],
        [
            "修改 DNS 解析后不生效",
            "四小时前我把 {domain} 的 A 记录改成了 {ip}，但访问的还是旧服务器。",
            "旧记录的 TTL 是 86400 秒（24 小时），部分递归 DNS 可能会缓存到明天。我们的权威 DNS 已经返回新地址了。下次修改前，建议提前一天把 TTL 调低到 300。",
            "好的，那我再等等。其他记录的 TTL 现在可以调低吗？",
            "可以，您随时可以在 DNS 解析管理中修改任意记录的 TTL，旧的 TTL 到期后生效。",
        ],
    ),
    tp(
        Domains,
        High,
        Task,
        &["verification"],
        [
            "域名实名认证未通过",
            "{domain} 的实名认证被驳回了，提示“证件信息与注册人不一致”。请问需要怎么处理？",
            "驳回原因是域名持有者名称与营业执照上的公司名称不一致。请将域名持有者修改为营业执照上的完整公司名称，然后重新上传营业执照扫描件，审核一般需要 1～3 个工作日。",
            "已经修改并重新提交了，麻烦帮忙催一下审核。",
            "已联系审核部门加急处理，预计今天下班前会有结果。",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["epp", "transfer-out"],
        [
            "申请 {domain} 的转移码",
            "我们要把所有域名集中到一个服务商，请提供 {domain} 的转移码。",
            "出于安全考虑，转移码只会发送到域名注册人邮箱。我已为 {domain} 解锁并发送了邮件，转移码 14 天内有效。",
            "注册人邮箱是以前的旧邮箱，已经无法登录了，怎么办？",
            "这种情况下需要通过其他方式验证所有权：请回复与注册人名称一致的身份证件或营业执照扫描件，我来为您更新注册人邮箱。",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["dns", "mx", "email"],
        [
            "企业邮箱 MX 记录设置",
            "我们要把 {domain} 的邮箱换成腾讯企业邮，能帮忙设置 MX 记录吗？",
            "已将 {domain} 的 MX 记录修改为 mxbiz1.qq.com（优先级 5）和 mxbiz2.qq.com（优先级 10），并添加了 SPF 记录“v=spf1 include:spf.mail.qq.com ~all”。生效后即可在腾讯企业邮收信。",
            "已经能收信了，但发出去的邮件会进对方的垃圾箱，还需要设置什么吗？",
            "发出的邮件进垃圾箱，多半是缺少 DKIM 签名。请在腾讯企业邮管理后台生成 DKIM 记录，然后在我们的 DNS 解析中添加对应的 TXT 记录。",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["upgrade", "vps"],
        [
            "从虚拟主机升级到 VPS",
            "我们的商城已经超出 {service} 的承载能力了。每天大约 2 万访客，推荐什么配置的 VPS？可以帮忙迁移吗？",
            "这个访问量建议选择 8 GB 内存、4 核的 VPS。从虚拟主机迁移是免费的：我们会复制网站文件、数据库和邮箱，并在您指定的时间切换 DNS。周日晚上可以吗？",
            "周日晚上可以。网站会中断多久？",
            "通常不超过 15 分钟：我们会提前复制所有数据，切换时只做最后一次数据库同步。",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["location"],
        [
            "有香港或新加坡机房吗？",
            "我们的用户主要在中国大陆和香港，请问你们有香港或新加坡的机房吗？大陆访问速度怎么样？",
            "我们在香港和新加坡都有机房。香港机房提供 CN2 线路，大陆访问延迟一般在 30～60 毫秒。",
            "现在的 VPS 可以迁移到香港机房吗？IP 会变吗？",
            "可以迁移，但 IP 地址属于各个机房，迁到香港后会分配新的 IP。为了方便切换，旧 IP 可以继续保留 7 天。",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["dedicated", "quote"],
        [
            "独立服务器咨询",
            "我们考虑为数据库购买一台独立服务器。请问有哪些 CPU 可选？支持 NVMe RAID 吗？",
            "目前有 AMD EPYC 4344P 和 Intel Xeon E-2388G 两种配置，默认 2 块 NVMe 组 RAID 1，也可以选 4 块盘组 RAID 10。交付时间 1～2 个工作日。请告诉我您需要的内存和存储容量，我为您报价。",
            "需要 128 GB 内存，4 块 1.92 TB NVMe 组 RAID 10。",
            "报价如下：AMD EPYC 4344P，128 GB DDR5 ECC 内存，4 块 1.92 TB NVMe 组 RAID 10，1 Gbps 不限流量，每月 1980 元，签一年合同免安装费。需要为您预留一台吗？",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["reseller"],
        [
            "代理商计划咨询",
            "请问你们有代理商计划吗？我们想给自己的客户提供主机服务，能否使用我们自己的品牌？",
            "有的。代理主机套餐支持自定义 DNS（ns1/ns2 使用您的域名）和带您品牌的控制面板，面向客户的页面不会出现我们的名字。另外 WHMCS 许可证也可以优惠购买。",
            "50 GB 的套餐可以开多少个 cPanel 账户？",
            "50 GB 的代理套餐最多可以开 40 个 cPanel 账户，磁盘空间可以在账户之间自由分配。",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["email", "quote"],
        [
            "企业邮箱批量购买报价",
            "我们需要为 20 名员工开通 {domain} 的企业邮箱，一年费用是多少？",
            "企业邮箱每个账户每月 15 元，20 个账户一年共 3600 元；按年付款可享九折，即 3240 元。每个邮箱 25 GB 空间。",
            "包含反垃圾邮件和网页版邮箱吗？",
            "都包含：反垃圾和防病毒过滤、网页版邮箱，也支持任何邮件客户端通过 IMAP/SMTP 收发。",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["discount", "education"],
        [
            "教育机构有优惠吗？",
            "我们是一所职业培训学校，请问教育机构购买主机有优惠吗？",
            "有的，教育机构购买虚拟主机可享五折，VPS 八折。请回复学校的办学许可证编号，我来为您的账户设置折扣。",
            "许可证编号已经发到您的邮箱了，请查收。",
            "已收到并核实，教育优惠已经生效，下一张账单就会体现。",
        ],
    ),
];

static ZH_PHRASES: Phrases = Phrases {
    pairs: &[
        (
            "我刚才又试了一下，还是一样。",
            "感谢您的反馈。我又检查了一遍，并在我们这边做了进一步调整。请您再试一次，并告诉我结果。",
        ),
        ("谢谢。还有一个问题：这会影响我的其他服务吗？", "不会，只影响 {domain}，您的其他服务不受影响。"),
        (
            "今天下午两点二十分左右又出现了，错误信息和之前一样。",
            "谢谢，这很有帮助：我在日志中找到了两点二十分的对应记录，已转给系统管理员处理。一有结果我会马上通知您。",
        ),
        (
            "用手机可以访问，公司网络不行。",
            "那很可能是公司网络还缓存着旧的解析结果，或者防火墙拦截了连接。能否在公司的电脑上执行 `nslookup {domain}`，把结果发给我们？",
        ),
        ("好的，我等一下再告诉您结果。", "好的。如果明天早上还有问题，直接回复本工单，我们再检查一次。"),
        (
            "不好意思，我不太懂技术，能一步一步说明我需要做什么吗？",
            "没问题。我已经替您修改好了，您这边不需要再做任何操作，一小时后再确认一下即可。",
        ),
    ],
    thanks: &[
        "问题解决了，非常感谢！",
        "现在一切正常，感谢你们的耐心支持！",
        "太好了，这正是我需要的。祝您工作顺利！",
        "确认没问题了，谢谢！",
    ],
    closing: &[
        "我先将此工单标记为已解决，如有其他问题，直接回复即可。",
        "现在应该一切正常了，我将工单标记为已解决。如果问题再次出现，回复本工单即可重新打开。",
    ],
    hold: &[
        "这个问题需要先和其他团队的同事确认。在他们回复之前（通常 24 小时内），本工单暂时挂起。",
        "我们正在等待第三方的回复。本工单先挂起，收到回复后会第一时间通知您。",
    ],
    notes: &[
        "查看了日志和账户记录，报告时间前后没有异常。",
        "客户之前也遇到过同样的问题，见历史工单。可能需要彻底解决。",
        "已请二线在回复前再确认一下，确认前请不要关闭。",
        "已电话联系客户，客户会通过邮件发送详细信息。",
        "账户状态正常，没有未付账单。",
    ],
    duplicate: "因为还没有收到回复，所以再提交一次。",
    merge_note: "与本工单内容相同，合并重复工单",
    lock_note: "此问题我们这边已处理完毕。为避免工单被重复打开，现将其锁定；新的问题请提交新工单。",
    phone: "与客户电话沟通，摘要如下：",
    sign: "祝好！",
};

static RU_TOPICS: [Topic; 24] = [
    tp(
        Tech,
        High,
        Incident,
        &["500-error", "php"],
        [
            "Сайт выдаёт ошибку 500 Internal Server Error",
            "Здравствуйте!\n\nС утра {domain} показывает только «500 Internal Server Error». На сайте я ничего не менял. В журнале ошибок в панели управления: «PHP Fatal error: Allowed memory size exhausted». Посмотрите, пожалуйста.\n\nСпасибо.",
            "Спасибо за подробности. После обновления плагина сайт упёрся в лимит памяти PHP 128 МБ. Я увеличил memory_limit для {domain} до 256 МБ. Проверьте, пожалуйста, открывается ли сайт.",
            "Сайт открывается, но админка всё ещё очень медленная. Это связано?",
            "Отчасти: админка загружает все 38 плагинов на каждой странице. Я также включил OPcache; если всё ещё медленно, отключите неиспользуемые плагины и сообщите результат.",
        ],
    ),
    tp(
        Tech,
        Normal,
        Incident,
        &["email", "smtp"],
        [
            "Не отправляется почта: 550 relay not permitted",
            "Здравствуйте!\n\nПри отправке с info@{domain} Outlook выдаёт «550 relay not permitted». Входящие приходят нормально. Сервер исходящей почты mail.{domain}, порт 587, STARTTLS.",
            "Сервер отклоняет письмо, потому что Outlook не проходит аутентификацию на сервере исходящей почты. В Outlook откройте «Настройки учётной записи → Другие настройки → Сервер исходящей почты» и отметьте «SMTP-серверу требуется проверка подлинности» с теми же данными, что и для входящей почты.",
            "Отметил, с ноутбука отправляется. А с телефона всё та же ошибка.",
            "На телефоне настройки сервера исходящей почты отдельные: включите аутентификацию и там и проверьте, что выбран порт 587 со STARTTLS, а не 25.",
        ],
    ),
    tp(
        Tech,
        Urgent,
        Incident,
        &["ssl", "lets-encrypt"],
        [
            "Истёк SSL-сертификат на {domain}",
            "Посетители {domain} видят предупреждение «Подключение не защищено». Похоже, сертификат Let's Encrypt истёк вчера, хотя автопродление было включено.",
            "Продление не прошло, потому что AAAA-запись домена указывала на старый IPv6-адрес и проверка не доходила до нашего сервера. Я удалил устаревшую запись и перевыпустил сертификат, теперь он действителен 90 дней. Очистите кеш браузера и проверьте ещё раз.",
            "Предупреждение пропало, спасибо. В следующий раз продлится автоматически?",
            "Да. После удаления AAAA-записи автопродление снова может проверить домен; оно запускается за 30 дней до окончания срока, а при ошибке вы получите письмо.",
        ],
    ),
    tp(
        Tech,
        Urgent,
        Incident,
        &["vps", "downtime"],
        [
            "VPS недоступен после перезагрузки",
            "Около часа назад перезагрузил VPS ({service}), с тех пор он не отвечает ни на ping, ни по SSH. В панели статус «работает». IP {ip}.",
            "Через VNC-консоль видно, что после перезагрузки сервер остановился на запросе fsck: в корневой файловой системе были ошибки. Я выполнил проверку, сервер загрузился нормально. Рекомендую сразу сделать снапшот и проверить свежие резервные копии.",
            "Сервер снова работает, большое спасибо. Из-за чего могли появиться ошибки файловой системы?",
            "Два дня назад на хост-ноде было кратковременное отключение питания, и файловая система вашего VPS не была корректно размонтирована. Оборудование в порядке, ноду мы поставили на усиленный мониторинг.",
        ],
    ),
    tp(
        Tech,
        Normal,
        Problem,
        &["performance", "bitrix"],
        [
            "Сайт тормозит после переноса",
            "На прошлой неделе переехали на ваш тариф {service}, и время загрузки страниц выросло с 1 до 4–5 секунд. Это интернет-магазин на 1С-Битрикс, около 3000 товаров.",
            "Я проверил аккаунт: OPcache был выключен, а композитный кеш Битрикса не настроен, поэтому каждая страница выполняет около 400 запросов к базе. Я включил OPcache и подключил memcached; включите, пожалуйста, кеширование в настройках Битрикса.",
            "Включил, главная грузится за 1,8 с. Но карточки товаров всё ещё медленные.",
            "Карточки товаров выполняют некешируемый запрос по торговым предложениям. Я добавил индекс в таблицу свойств инфоблока; в моих тестах карточки теперь открываются примерно за 1,2 с.",
        ],
    ),
    tp(
        Tech,
        Low,
        Question,
        &["cron"],
        [
            "Не выполняется задание cron",
            "Добавил задание cron для запуска cron.php каждые 5 минут, но оно, похоже, не выполняется. В логах пусто.",
            "В задании используется `php`, который на вашем сервере запускает PHP 7.4 CLI, а сайт работает на PHP 8.2 — скрипт завершается с синтаксической ошибкой. Замените команду на `/usr/local/bin/php82 /home/user/public_html/cron.php`.",
            "Заменил. Теперь каждые пять минут приходит письмо от cron, можно его отключить?",
            "Да, добавьте в конец команды >/dev/null 2>&1 или очистите поле «E-mail для уведомлений cron» вверху страницы заданий.",
        ],
    ),
    tp(
        Billing,
        High,
        Incident,
        &["refund", "payment"],
        [
            "Двойное списание по счёту #{invoice}",
            "Здравствуйте!\n\nС моей карты дважды списали оплату по счёту #{invoice} (одна и та же сумма с разницей в две минуты). Прошу вернуть лишнее списание.",
            "Приносим извинения. По счёту #{invoice} действительно прошли два платежа, второй — из-за тайм-аута платёжного шлюза. Я оформил возврат лишнего платежа; в зависимости от банка деньги вернутся в течение 5–10 рабочих дней.",
            "Спасибо. Можете прислать подтверждение возврата для бухгалтерии?",
            "Конечно. Подтверждение возврата с номером транзакции отправлено на почту вашего аккаунта; оно также приложено к счёту #{invoice} в личном кабинете.",
        ],
    ),
    tp(
        Billing,
        Normal,
        Question,
        &["refund", "cancellation"],
        [
            "Возврат средств за неиспользованный VPS",
            "Три дня назад заказал {service}, но он нам не подошёл. У вас заявлена гарантия возврата денег 30 дней — могу я получить возврат?",
            "Конечно. Услуга в пределах 30 дней, поэтому положен полный возврат. Я отменил {service} и оформил возврат на исходный способ оплаты.",
            "Отлично, спасибо. Данные удалятся сразу?",
            "Нет, после отмены данные хранятся 7 дней, за это время можно скачать резервную копию из панели управления. Затем они удаляются безвозвратно.",
        ],
    ),
    tp(
        Billing,
        Normal,
        Task,
        &["invoice", "documents"],
        [
            "Нужны закрывающие документы",
            "Для бухгалтерии нужны акт и счёт-фактура по счёту #{invoice}. Реквизиты организации указаны в профиле. Можно получить их через ЭДО?",
            "Да. Я сформировал акт и счёт-фактуру по счёту #{invoice} и отправил их через ЭДО на ИНН из вашего профиля. Оригиналы можем отправить почтой по запросу.",
            "Получили, спасибо. Можно ли настроить автоматическую отправку каждый месяц?",
            "Да, я включил ежемесячную автоматическую отправку закрывающих документов через ЭДО по всем счетам вашего аккаунта.",
        ],
    ),
    tp(
        Billing,
        Urgent,
        Incident,
        &["suspension", "payment"],
        [
            "Услуга приостановлена, хотя счёт оплачен",
            "Вчера оплатил счёт #{invoice} банковским переводом, а сегодня утром хостинг заблокировали. Не работают ни сайт, ни почта!",
            "Банковские переводы доходят до нас за 1–2 рабочих дня, и на момент автоматической блокировки платёж ещё не был зачислен. Я разблокировал аккаунт и продлил срок оплаты на 3 дня; как только платёж поступит, счёт будет отмечен оплаченным.",
            "Всё снова работает. Пожалуйста, не блокируйте повторно, пока деньги не дойдут.",
            "Я оставил пометку в аккаунте и отключил автоматическую блокировку до поступления платежа, так что в это время она не повторится.",
        ],
    ),
    tp(
        Billing,
        Low,
        Question,
        &["billing-cycle"],
        [
            "Перейти на оплату за год",
            "Можно ли перевести {service} с помесячной оплаты на годовую? Хочу получить скидку за год.",
            "Да. Я изменил период оплаты на годовой, начиная со следующего продления. Выставлен счёт на оставшийся период со скидкой 15 %.",
            "Спасибо! Можно оплатить новый счёт через СБП?",
            "Да, СБП доступна для всех счетов: выберите её способом оплаты на странице счёта.",
        ],
    ),
    tp(
        Billing,
        Normal,
        Question,
        &["payment-method"],
        [
            "Как обновить данные карты?",
            "Срок действия карты истёк, и автоплатёж не прошёл. Как поменять привязанную карту?",
            "Карту можно изменить в личном кабинете: «Финансы → Способы оплаты». Из соображений безопасности мы не принимаем данные карт по почте или в тикетах. После сохранения оплатите счёт #{invoice} на той же странице.",
            "Готово, счёт отображается как оплаченный.",
            "Спасибо, что сообщили, у нас тоже всё в порядке.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["transfer"],
        [
            "Перенос домена {domain} к вам",
            "Хочу перенести {domain} от текущего регистратора к вам. Домен разблокирован, код авторизации (EPP) получен. Что дальше?",
            "Оформите, пожалуйста, заказ на перенос {domain} в личном кабинете и укажите там код авторизации. Текущий регистратор отправит письмо для подтверждения на контактный адрес администратора домена; после подтверждения перенос завершится в течение 5 дней.",
            "Заказ оформил, но письма с подтверждением пока нет.",
            "Письмо ушло на контактный адрес администратора из WHOIS, а это старый адрес у вашего прежнего регистратора. Обновите его там, и я отправлю подтверждение повторно.",
        ],
    ),
    tp(
        Domains,
        Urgent,
        Incident,
        &["renewal", "expired"],
        [
            "Домен истёк, сайт не работает",
            "Пропустил продление {domain}, сайт не открывается. Можно ещё продлить? Это наш основной магазин, очень срочно.",
            "Домен находится в 30-дневном периоде ожидания, его можно продлить по обычной цене. Я выставил счёт на продление #{invoice}; сразу после оплаты домен будет восстановлен, DNS обычно обновляется в течение нескольких часов.",
            "Оплатил только что. Сайт всё ещё не открывается.",
            "Оплата поступила, {domain} снова активен. NS-серверы переопубликованы несколько минут назад; сайт станет доступен везде в течение пары часов.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Question,
        &["dns"],
        [
            "Изменения DNS не применяются",
            "Четыре часа назад поменял A-запись {domain} на {ip}, но отвечает всё ещё старый сервер.",
            "У старой записи TTL был 86400 секунд (24 часа), поэтому некоторые резолверы могут отдавать закешированный ответ до завтра. Наши DNS-серверы уже отдают новый адрес. Перед следующими изменениями уменьшите TTL до 300 за сутки.",
            "Хорошо, подожду. Для остальных записей TTL можно уменьшить прямо сейчас?",
            "Да, TTL любой записи можно изменить в редакторе DNS-зоны в любой момент; изменение вступит в силу, когда истечёт старый TTL.",
        ],
    ),
    tp(
        Domains,
        High,
        Task,
        &["registrant"],
        [
            "Смена администратора домена",
            "Домен {domain} зарегистрирован на бывшего сотрудника как на физлицо. Нужно переоформить его на нашу организацию. Как это сделать?",
            "Для смены администратора нужно заявление от текущего администратора домена и документы организации (ИНН, выписка из ЕГРЮЛ). Шаблон заявления я отправил вам на почту; подписанные сканы можно прислать ответом на этот тикет.",
            "Бывший сотрудник на связь не выходит. Есть другой вариант?",
            "Тогда администратора можно сменить по документам, подтверждающим, что домен оплачивался вашей организацией. Пришлите, пожалуйста, платёжные поручения за последние годы и письмо на бланке организации.",
        ],
    ),
    tp(
        Domains,
        Low,
        Question,
        &["whois", "privacy"],
        [
            "Скрыть персональные данные в WHOIS",
            "В WHOIS {domain} отображается мой домашний адрес. Можно его скрыть?",
            "Я бесплатно включил скрытие персональных данных в WHOIS для {domain}. Обновление в публичных WHOIS-сервисах может занять до 24 часов.",
            "Спасибо. А для остальных моих доменов тоже можно включить?",
            "Готово: скрытие данных в WHOIS включено для всех доменов в вашем аккаунте, где это поддерживается.",
        ],
    ),
    tp(
        Domains,
        Normal,
        Task,
        &["dns", "mx", "email"],
        [
            "Настройка MX для Яндекс 360",
            "Переводим почту {domain} на Яндекс 360. Добавьте, пожалуйста, MX-записи или подскажите, как это сделать.",
            "Я заменил MX-запись {domain} на mx.yandex.net (приоритет 10) и добавил SPF-запись «v=spf1 redirect=_spf.yandex.net». Добавьте также DKIM-запись, которую Яндекс 360 показывает в настройках домена.",
            "Где добавить DKIM-запись? Не могу найти редактор DNS.",
            "В личном кабинете откройте «Домены → {domain} → Управление DNS» и добавьте TXT-запись с именем mail._domainkey и значением, которое показывает Яндекс 360.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["upgrade", "vps"],
        [
            "Переход с виртуального хостинга на VPS",
            "Наш магазин перерос тариф {service}. Какой VPS посоветуете для 20 000 посетителей в день, и можете ли вы сделать перенос?",
            "Для такой нагрузки рекомендую VPS 8 ГБ (4 vCPU). Перенос с виртуального хостинга бесплатный: мы скопируем файлы, базы данных и почтовые ящики и переключим DNS в удобное вам время. Ночь на воскресенье подойдёт?",
            "Ночь на воскресенье подходит. Сколько сайт будет недоступен?",
            "Обычно не больше 15 минут: всё копируем заранее, а при переключении выполняется только финальная синхронизация базы.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["location", "152-fz"],
        [
            "Серверы в России",
            "По 152-ФЗ персональные данные наших клиентов должны храниться в России. Есть ли у вас серверы в российском дата-центре?",
            "Да, у нас есть площадка в Москве; там доступны VPS и выделенные серверы, данные хранятся на территории РФ. Можем перенести туда ваш текущий сервер.",
            "При переносе IP-адрес сменится?",
            "Да, IP-адреса привязаны к дата-центру, поэтому в Москве сервер получит новый адрес. Старый IP можем оставить маршрутизируемым 7 дней, чтобы переход был плавным.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["dedicated", "quote"],
        [
            "Вопросы по выделенным серверам",
            "Рассматриваем выделенный сервер под базу данных. Какие процессоры доступны и есть ли NVMe в RAID?",
            "Сейчас доступны серверы на AMD EPYC 4344P и Intel Xeon E-2388G, по умолчанию с 2× NVMe в RAID 1; возможен RAID 10 на четырёх дисках. Выдача — 1–2 рабочих дня. Напишите, сколько нужно памяти и места, и я подготовлю предложение.",
            "Нужно 128 ГБ RAM и 4× 1,92 ТБ NVMe в RAID 10.",
            "Предложение: AMD EPYC 4344P, 128 ГБ DDR5 ECC, 4× 1,92 ТБ NVMe в RAID 10, канал 1 Гбит/с без учёта трафика, 24 900 ₽ в месяц, установка бесплатно при договоре на 12 месяцев. Зарезервировать сервер для вас?",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["reseller"],
        [
            "Реселлерский хостинг под своим брендом",
            "Можно ли продавать ваш реселлерский хостинг под своим брендом? Хочу размещать сайты клиентов от своего имени.",
            "Да, реселлерские тарифы включают собственные NS-серверы (ns1/ns2 на вашем домене) и брендированную панель управления, а на страницах для клиентов наше имя не упоминается. Лицензию WHMCS можно приобрести со скидкой.",
            "Сколько аккаунтов cPanel входит в тариф на 50 ГБ?",
            "В тариф на 50 ГБ входит до 40 аккаунтов cPanel, дисковое пространство между ними можно распределять как угодно.",
        ],
    ),
    tp(
        Sales,
        Normal,
        Question,
        &["email", "quote"],
        [
            "Стоимость корпоративной почты на 20 ящиков",
            "Нужна корпоративная почта на {domain} для 20 сотрудников. Сколько это будет стоить в год?",
            "Корпоративная почта стоит 150 ₽ за ящик в месяц, 20 ящиков — 36 000 ₽ в год; при оплате за год скидка 10 %, итого 32 400 ₽. В каждом ящике 25 ГБ.",
            "Входят ли антиспам и веб-интерфейс?",
            "Да, всё включено: фильтрация спама и вирусов, веб-интерфейс и доступ по IMAP/SMTP из любого почтового клиента.",
        ],
    ),
    tp(
        Sales,
        Low,
        Question,
        &["discount", "non-profit"],
        [
            "Скидка для некоммерческой организации",
            "Мы — зарегистрированная НКО. Есть ли у вас скидки для некоммерческих организаций?",
            "Да, для НКО действует скидка 50 % на виртуальный хостинг и 20 % на VPS. Пришлите, пожалуйста, ОГРН организации, и я применю скидку к вашему аккаунту.",
            "ОГРН отправили вам на почту. Спасибо!",
            "Получили, спасибо. ОГРН проверен, скидка для НКО применена и отразится в следующем счёте.",
        ],
    ),
];

static RU_PHRASES: Phrases = Phrases {
    pairs: &[
        (
            "Только что попробовал ещё раз — всё так же.",
            "Спасибо, что проверили. Я ещё раз всё посмотрел и внёс дополнительные изменения с нашей стороны. Попробуйте, пожалуйста, снова и сообщите результат.",
        ),
        (
            "Спасибо. Ещё вопрос: это затрагивает мои другие услуги?",
            "Нет, это касается только {domain}, остальные ваши услуги не затронуты.",
        ),
        (
            "Сегодня около 14:20 повторилось, ошибка та же.",
            "Спасибо, это помогло: я нашёл в логах записи за 14:20 и передал их системным администраторам. Как только получу ответ, сразу напишу вам.",
        ),
        (
            "С телефона работает, а из офисной сети нет.",
            "Значит, офисная сеть, скорее всего, ещё хранит старый ответ в кеше или её файрвол блокирует соединение. Пришлите, пожалуйста, вывод команды `nslookup {domain}` с офисного компьютера.",
        ),
        (
            "Хорошо, подожду и сообщу.",
            "Договорились. Если завтра утром что-то будет не так, просто ответьте на этот тикет, и мы посмотрим снова.",
        ),
        (
            "Извините, я не очень разбираюсь в технике. Можете по шагам объяснить, что мне нужно сделать?",
            "Конечно. Я уже всё изменил за вас, с вашей стороны ничего делать не нужно; просто проверьте ещё раз через час.",
        ),
    ],
    thanks: &[
        "Заработало, большое спасибо!",
        "Теперь всё работает. Спасибо за отличную поддержку!",
        "Отлично, это всё, что было нужно. Хорошего дня!",
        "Подтверждаю, у нас всё в порядке. Спасибо!",
    ],
    closing: &[
        "Отмечаю тикет как решённый; если появятся вопросы, просто ответьте на него.",
        "Раз всё в порядке, отмечаю тикет как решённый. Если проблема вернётся, ответьте на тикет, и он откроется снова.",
    ],
    hold: &[
        "Этот вопрос мне нужно сначала уточнить у коллег из другого отдела. Ставлю тикет на удержание до их ответа, обычно это до 24 часов.",
        "Мы ждём ответа от третьей стороны. Ставлю тикет на удержание и сообщу, как только получим ответ.",
    ],
    notes: &[
        "Проверил логи и историю аккаунта — в указанное время ничего необычного.",
        "У клиента это уже было, см. старые тикеты. Возможно, нужно постоянное решение.",
        "Попросил L2 перепроверить перед ответом. Не закрывать до их подтверждения.",
        "Позвонил клиенту, детали пришлёт по почте.",
        "Аккаунт в порядке, неоплаченных счетов нет.",
    ],
    duplicate: "Пишу повторно, потому что ещё не получил ответа.",
    merge_note: "Тот же запрос, что и в этом тикете; объединяю дубликат",
    lock_note: "С нашей стороны вопрос решён. Блокирую тикет, чтобы его не переоткрывали; новые вопросы — в новом тикете.",
    phone: "Телефонный звонок клиента. Кратко:",
    sign: "С уважением,",
};
