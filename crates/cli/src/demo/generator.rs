//! The tickets of the demo: each a conversation between a demo customer and
//! an agent of the topic's department, played on the desk at times spread
//! over the history span, with triage, notes, ratings, solved and closed
//! tickets, a few merged duplicates and one locked ticket.

use super::corpus::{Area, Corpus, Topic};
use super::prng::SplitMix64;
use super::report::Report;
use super::setup::{AgentRt, CustomerRt, Fields, dept_id};
use anyhow::{Context, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use tessera_core::ids::{DepartmentId, MessageId, ServiceId, TicketId};
use tessera_core::lang::Lang;
use tessera_core::time::{Clock, ManualClock};
use tessera_core::{Actor, Priority, Source, StatusKey, Ticket, Timestamp};
use tessera_desk::{Desk, OpenTicket, Origin, PostMessage, TicketPatch};

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

/// The ticket generator: the people, the departments, the texts and the PRNG.
pub(super) struct Generator<'a> {
    pub desk: &'a Desk,
    pub admin: Actor,
    pub corpus: &'static Corpus,
    pub rng: SplitMix64,
    pub agents: Vec<AgentRt>,
    pub customers: Vec<CustomerRt>,
    pub depts: Vec<(Area, DepartmentId)>,
    pub fields: Fields,
    /// Each ticket's status now.
    pub status_of: BTreeMap<TicketId, String>,
    pub report: Report,
    /// The clock the desk reads.
    pub clock: Arc<ManualClock>,
    /// The span the tickets are spread over: from, to (the real now).
    pub history: (Timestamp, Timestamp),
}

impl Generator<'_> {
    /// Makes `n` tickets: a few are duplicates merged into the one before
    /// them, one is locked.
    pub(super) async fn tickets(&mut self, n: usize) -> Result<()> {
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
        self.read_all_but_the_newest().await
    }

    /// The agents have read what customers wrote before the last day of the
    /// history, and everything on solved and closed tickets: only the
    /// newest customer messages of open tickets show as "New reply" (every
    /// ticket whose customer wrote last did before).
    async fn read_all_but_the_newest(&mut self) -> Result<()> {
        self.clock.set(self.history.1);
        let recent = self.history.1 - chrono::Duration::hours(24);
        let ids: Vec<TicketId> = self.status_of.keys().copied().collect();
        for id in ids {
            let t = self.desk.ticket(&self.admin, id).await?;
            let settled = matches!(t.status.as_str(), "solved" | "closed");
            let new = !settled && t.last_customer_reply_at.is_some_and(|at| at > recent);
            if t.agent_unread && !new {
                self.desk.mark_read(&self.admin, id).await?;
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
        Origin { channel, ip: Some(format!("203.0.113.{}", 2 + self.rng.below(250))), mail: None }
    }

    fn agent_origin() -> Origin {
        Origin { channel: Source::Web, ip: Some("192.0.2.10".into()), mail: None }
    }

    /// Opens a ticket (as the customer, or as an agent taking a call) and
    /// plays a conversation on it. `keep_open` keeps it unsolved (a
    /// duplicate follows); `lock` locks it at the end.
    async fn ticket(&mut self, keep_open: bool, lock: bool) -> Result<Opened> {
        let c = self.rng.below(self.customers.len());
        let lang = self.customers[c].spec.lang;
        let texts = self.corpus.texts(lang);
        let topic = texts.topics.get(self.rng.below(texts.topics.len())).context("no topics")?;
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
        let (subject, body) = (&topic.subject, &topic.message);
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
            input.tags = topic.tags.clone();
            input.body = format!("{}\n\n{}", texts.phrases.phone, input.body);
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

        let greet = texts.person(&texts.greeting, self.customers[c].spec);
        let ph = &texts.phrases;
        let sign = format!("{}\n{agent_name}", ph.sign);
        let topic = opened.topic;
        let (first_reply, first_follow, second_reply) = (&topic.reply, &topic.follow_up, &topic.second_reply);
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
                    let body = opened.vars.fill(self.rng.pick(&ph.notes));
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
                        (_, None) => self.rng.pick(&ph.hold).to_string(),
                    };
                    if final_step && outcome != Outcome::Leave {
                        text = format!("{text}\n\n{}", self.rng.pick(&ph.closing));
                        status = Some(StatusKey::SOLVED);
                    } else if agent_replies > 0 && self.rng.chance(if final_step { 30 } else { 10 }) {
                        // Waiting for someone else: the agent says so.
                        text = self.rng.pick(&ph.hold).to_string();
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
                        self.rng.pick(&ph.thanks).to_string()
                    } else if customer_replies == 0 {
                        first_follow.to_string()
                    } else {
                        pair = ph
                            .pairs
                            .get(self.rng.below(ph.pairs.len()))
                            .map(|p| (p.customer.as_str(), p.agent.as_str()));
                        pair.map_or("", |(question, _)| question).to_string()
                    };
                    let mut body = opened.vars.fill(&text);
                    if self.rng.chance(50) {
                        body = format!("{body}\n\n{}", texts.person(&texts.signature, self.customers[c].spec));
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
        let mut tags: Vec<String> = opened.topic.tags.clone();
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
        let ph = &self.corpus.texts(lang).phrases;
        let (subject, body) = (&prev.topic.subject, &prev.topic.message);
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
}
