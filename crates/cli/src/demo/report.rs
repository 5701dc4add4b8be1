//! What a demo run made, counted for the summary it prints.

use super::ADMIN_EMAIL;
use super::corpus::Corpus;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use tessera_core::StatusKey;
use tessera_core::lang::Lang;

/// Counts for the summary.
#[derive(Debug, Default)]
pub(super) struct Report {
    /// Where the server is reached (the summary's sign-in and API examples).
    pub address: String,
    pub agents_created: usize,
    pub agents_existing: usize,
    pub depts_created: Vec<&'static str>,
    pub depts_existing: Vec<&'static str>,
    pub fields_created: Vec<String>,
    pub fields_existing: Vec<String>,
    pub orgs_created: usize,
    pub orgs_existing: usize,
    pub customers_created: usize,
    pub customers_existing: usize,
    pub services_created: usize,
    pub services_updated: usize,
    pub tickets: usize,
    pub by_agents: usize,
    pub customer_replies: usize,
    pub agent_replies: usize,
    pub notes: usize,
    pub ratings: usize,
    pub merged: usize,
    pub locked: usize,
}

impl Report {
    /// The summary printed at the end: what was made or found, the tickets'
    /// `statuses` now, and who may sign in with what.
    pub(super) fn summary<'a>(
        &self,
        corpus: &Corpus,
        statuses: impl IntoIterator<Item = &'a str>,
        asked: usize,
        password: &str,
        admin_password: Option<&str>,
        seconds: f64,
    ) -> String {
        let address = &self.address;
        let r = self;
        let mut by_status: BTreeMap<&str, usize> = BTreeMap::new();
        for s in statuses {
            *by_status.entry(s).or_default() += 1;
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
        for a in &corpus.people.agents {
            let depts: Vec<&str> = corpus
                .people
                .departments
                .iter()
                .filter(|d| a.areas.contains(&d.area))
                .map(|d| d.name.as_str())
                .collect();
            let _ = writeln!(s, "  {:<34} {} — {}", a.email, a.name, depts.join(", "));
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
        let _ = writeln!(s, "Customers (sign in at {address}/) have the same password, for example:");
        for lang in Lang::ALL {
            if let Some(c) = corpus.people.customers.iter().find(|c| c.lang == lang) {
                let _ = writeln!(s, "  {:<34} {}", c.email, c.name);
            }
        }
        let _ = writeln!(s, "Agents sign in at the same address and land on the console (/agent).");
        let _ = writeln!(s, "Make an API token for an agent with:");
        let first = corpus.people.agents.first().map_or(ADMIN_EMAIL, |a| a.email.as_str());
        let _ = writeln!(s, "  tessera token create --data-dir DATA_DIR --email {first}");
        let _ = write!(s, "and try: curl -H \"Authorization: Bearer <token>\" {address}/api/v1/tickets");
        s
    }
}
