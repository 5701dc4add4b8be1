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
//!
//! What the demo is made of — its people and the texts they write in four
//! languages — is data in `crates/cli/demo/*.toml` (see `corpus.rs`); the
//! code here plays it: `setup.rs` makes the people once, `generator.rs`
//! the tickets, `report.rs` counts them.

mod corpus;
mod generator;
mod prng;
mod report;
mod setup;

use anyhow::Result;
use generator::Generator;
use prng::SplitMix64;
use report::Report;
use setup::AgentRt;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use tessera_core::time::ManualClock;
use tessera_desk::{Desk, TicketListQuery, random};

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
/// added. Progress is shown on stderr every 50 tickets. `address` is where
/// the server is reached (the summary's sign-in and API examples).
pub async fn run(desk: &Desk, tickets: usize, address: &str) -> Result<String> {
    let started = Instant::now();
    // The history is played on a clock of its own, spread over the last
    // weeks, so tickets have realistic ages, wait times and reply gaps.
    let real_now = desk.now();
    let clock = Arc::new(ManualClock::new(real_now - chrono::Duration::days(HISTORY_DAYS)));
    let desk = &desk.with_clock(clock.clone());
    let corpus = corpus::corpus()?;
    let (admin, admin_password) = setup::admin_actor(desk).await?;
    let mut report = Report { address: address.to_string(), ..Report::default() };

    let password = random::password()?;
    let agents = setup::ensure_agents(desk, &admin, corpus, &password, &mut report).await?;
    let depts = setup::ensure_departments(desk, &admin, corpus, &agents, &mut report).await?;
    // Actors carry department memberships: read them after the departments.
    let mut agent_rts = Vec::new();
    for (spec, user) in agents {
        let actor = desk.actor_for(&user).await?;
        agent_rts.push(AgentRt { spec, user, actor });
    }
    let fields = setup::ensure_custom_fields(desk, &admin, corpus, &depts, &mut report).await?;
    let orgs = setup::ensure_organizations(desk, &admin, corpus, &mut report).await?;
    let customers = setup::ensure_customers(desk, &admin, corpus, &orgs, &password, &mut report).await?;

    let existing =
        desk.list_tickets(&admin, TicketListQuery { limit: Some(1), ..TicketListQuery::default() }).await?.total;
    let mut generator = Generator {
        desk,
        admin,
        corpus,
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
    let seconds = started.elapsed().as_secs_f64();
    let statuses = generator.status_of.values().map(String::as_str);
    Ok(generator.report.summary(corpus, statuses, tickets, &password, admin_password.as_deref(), seconds))
}
