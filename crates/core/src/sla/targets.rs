//! Per-ticket measurement: the SLA metrics, a ticket's times as the clocks
//! read them ([`TicketTimes`]), the state of each target ([`SlaTargets`])
//! and the alerts it is due.

use super::schedule::Schedule;
use crate::status::StatusCategory;
use crate::ticket::{Priority, Ticket};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a target measures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaMetric {
    /// Creation to the first agent reply.
    FirstResponse,
    /// A customer's message to the next agent reply.
    NextResponse,
    /// Creation to solved, less waiting for the customer.
    Resolution,
}

impl SlaMetric {
    /// Every metric.
    pub const ALL: [Self; 3] = [Self::FirstResponse, Self::NextResponse, Self::Resolution];

    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FirstResponse => "first_response",
            Self::NextResponse => "next_response",
            Self::Resolution => "resolution",
        }
    }
}

impl fmt::Display for SlaMetric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A period during which the resolution clock stands still (the ticket
/// waits for the customer or someone else); `until` is `None` while it lasts.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// When it began.
    pub from: DateTime<Utc>,
    /// When it ended.
    pub until: Option<DateTime<Utc>>,
}

/// The times the SLA clocks read, taken from a ticket by
/// [`TicketTimes::from_ticket`] or put together by the desk from its event
/// log (which can list every pause exactly).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketTimes {
    /// Chooses the targets.
    pub priority: Priority,
    /// Opened: first response and resolution start here.
    pub created_at: DateTime<Utc>,
    /// The first agent reply.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Start of the current next-response cycle: the ticket, already
    /// answered once, waits for an agent again.
    pub next_response_since: Option<DateTime<Utc>>,
    /// The agent reply that ended that cycle, when judging a finished one.
    pub next_response_at: Option<DateTime<Utc>>,
    /// Solved (or closed), which stops the resolution clock.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Waiting periods excluded from resolution.
    pub paused: Vec<Pause>,
}

impl TicketTimes {
    /// The times from a ticket's own fields.
    ///
    /// A ticket keeps only its latest times (not its status history), so
    /// two things are approximated:
    ///
    /// * **Next response** starts when the ticket, answered once, began
    ///   waiting for an agent again (`awaiting_agent_since`) if that is after
    ///   the last agent reply: the customer's reply reopened it. If the ticket
    ///   stayed open across the agent's reply, it starts at the last customer
    ///   message after that reply (the first one is not kept, so a customer
    ///   who wrote twice gets the later time). If the agent had the last
    ///   word, no cycle runs.
    /// * **Resolution** stands still while the ticket waits for the customer
    ///   or a third party (pending or on hold), but only the latest such
    ///   stretch can be seen. An agent's reply is what usually puts a ticket
    ///   in pending, so the stretch is taken to start at the last agent reply:
    ///   - pending or on hold now: from the later of the last agent reply and
    ///     the last customer message (put on hold without a reply: a lower
    ///     bound), still running;
    ///   - new or open now, after an agent reply: from that reply to
    ///     `awaiting_agent_since`, when the customer's answer reopened it;
    ///   - solved or closed, and the agent had the last word: from that reply
    ///     to solving (the customer never answered; pending would have
    ///     stopped the clock the same way).
    ///
    ///   Exact in the common flow (reply and set pending, customer answers,
    ///   solve). Off in two ways: earlier stretches are unknown and count
    ///   toward resolution (erring toward a breach), and a stretch that began
    ///   after the last reply (the agent replied, kept the ticket open, put it
    ///   on hold later) is taken as longer than it was (erring toward "met").
    ///   The desk can pass every stretch exactly, from its event log, in
    ///   [`TicketTimes::paused`].
    pub fn from_ticket(t: &Ticket) -> Self {
        let agent = t.last_agent_reply_at;
        let customer = t.last_customer_reply_at;
        let after_agent = |x: DateTime<Utc>| agent.is_none_or(|a| x > a);
        let next_response_since = match (t.first_response_at, t.awaiting_agent_since) {
            (Some(_), Some(since)) if after_agent(since) => Some(since),
            (Some(_), Some(_)) => customer.filter(|c| after_agent(*c)),
            _ => None,
        };
        let resolved_at = if t.status_category.is_done() { t.solved_at.or(t.closed_at) } else { None };
        let mut paused = Vec::new();
        match t.status_category {
            StatusCategory::New | StatusCategory::Open => {
                if let (Some(a), Some(since)) = (agent, t.awaiting_agent_since)
                    && a < since
                {
                    paused.push(Pause { from: a, until: Some(since) });
                }
            }
            StatusCategory::Pending | StatusCategory::Hold => {
                let from = [agent, customer].into_iter().flatten().max().unwrap_or(t.created_at);
                paused.push(Pause { from, until: None });
            }
            StatusCategory::Solved | StatusCategory::Closed => {
                if let (Some(a), Some(end)) = (agent, resolved_at)
                    && customer.is_none_or(|c| c <= a)
                    && a < end
                {
                    paused.push(Pause { from: a, until: Some(end) });
                }
            }
        }
        Self {
            priority: t.priority,
            created_at: t.created_at,
            first_response_at: t.first_response_at,
            next_response_since,
            next_response_at: None,
            resolved_at,
            paused,
        }
    }
}

/// Where a target stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// The clock runs; the due time is ahead.
    Running,
    /// The clock stands still (resolution while waiting for the customer).
    Paused,
    /// Done by the due time.
    Met,
    /// The due time passed first (whether or not it is done since).
    Breached,
}

/// One target of one ticket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetState {
    /// What it measures.
    pub metric: SlaMetric,
    /// The target, in business minutes.
    pub target_minutes: u32,
    /// When the clock started.
    pub started_at: DateTime<Utc>,
    /// When it falls (or fell) due; `None` while paused before that.
    pub due_at: Option<DateTime<Utc>>,
    /// When the warning falls due (`warning_minutes` of business time before
    /// `due_at`); `None` while paused before that.
    pub warning_at: Option<DateTime<Utc>>,
    /// When it was done (in time or late).
    pub completed_at: Option<DateTime<Utc>>,
    /// Running, paused, met or breached.
    pub status: TargetStatus,
    /// Business seconds left at `now` (or at completion), negative when
    /// overdue; the countdown. It stands still outside business hours.
    pub remaining_seconds: i64,
    /// Running or paused with no more than the warning lead left.
    pub warning: bool,
}

/// Every measured target of a ticket.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SlaTargets {
    /// The first-response target, if the policy sets one.
    pub first_response: Option<TargetState>,
    /// The next-response target, if one is set and a cycle runs.
    pub next_response: Option<TargetState>,
    /// The resolution target, if set.
    pub resolution: Option<TargetState>,
}

impl SlaTargets {
    /// The targets present.
    pub fn iter(&self) -> impl Iterator<Item = &TargetState> {
        [&self.first_response, &self.next_response, &self.resolution].into_iter().flatten()
    }

    /// Whether any target is breached.
    pub fn breached(&self) -> bool {
        self.iter().any(|t| t.status == TargetStatus::Breached)
    }

    /// The earliest due time of a running target: what "breaches within N
    /// hours" compares.
    pub fn next_due_at(&self) -> Option<DateTime<Utc>> {
        self.iter().filter(|t| t.status == TargetStatus::Running).filter_map(|t| t.due_at).min()
    }

    /// The next instant after `now` at which a running target warns or
    /// breaches: when the desk should evaluate the ticket again.
    pub fn next_change_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.iter()
            .filter(|t| t.status == TargetStatus::Running)
            .flat_map(|t| [t.warning_at, t.due_at])
            .flatten()
            .filter(|at| *at > now)
            .min()
    }
}

// ---------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------

/// What an alert says of a target.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaAlert {
    /// The warning lead began: the target is about to be breached
    /// (`sla.warning`).
    Warning,
    /// The due time passed before the target was met (`sla.breached`).
    Breached,
}

impl SlaAlert {
    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Warning => "warning",
            Self::Breached => "breached",
        }
    }
}

impl TargetState {
    /// The name of one alert of this target instance, as kept in the list of
    /// alerts already written: `first_response:breached:<start ms>`. A new
    /// next-response cycle starts later, so it gets new names and can warn
    /// and breach again.
    pub fn alert_key(&self, alert: SlaAlert) -> String {
        format!("{}:{}:{}", self.metric.as_str(), alert.as_str(), self.started_at.timestamp_millis())
    }

    /// Whether `key` names an alert of this target instance.
    fn owns_key(&self, key: &str) -> bool {
        let prefix = self.metric.as_str();
        let start = self.started_at.timestamp_millis().to_string();
        key.strip_prefix(prefix)
            .and_then(|k| k.strip_prefix(':'))
            .and_then(|k| k.split_once(':'))
            .is_some_and(|(_, s)| s == start)
    }
}

impl SlaTargets {
    /// The alerts due at `now` that `announced` does not hold yet, each with
    /// the target it concerns. A breached target gives its breach only (a
    /// warning after the fact would be noise); a running one its warning
    /// once `warning_at` passed, when `warn` (the policy has a warning lead).
    /// Met and paused targets give none.
    pub fn alerts_due(&self, announced: &[String], warn: bool, now: DateTime<Utc>) -> Vec<(SlaAlert, TargetState)> {
        let has = |t: &TargetState, a: SlaAlert| announced.iter().any(|k| *k == t.alert_key(a));
        let mut out = Vec::new();
        for t in self.iter() {
            match t.status {
                TargetStatus::Breached if !has(t, SlaAlert::Breached) => out.push((SlaAlert::Breached, *t)),
                TargetStatus::Running
                    if warn
                        && t.warning_at.is_some_and(|w| w <= now)
                        && !has(t, SlaAlert::Warning)
                        && !has(t, SlaAlert::Breached) =>
                {
                    out.push((SlaAlert::Warning, *t))
                }
                _ => {}
            }
        }
        out
    }

    /// When the next alert not in `announced` falls due (possibly already
    /// past): when the checker must look at the ticket again. `None` when no
    /// alert can come without a change of the ticket.
    pub fn next_alert_at(&self, announced: &[String], warn: bool) -> Option<DateTime<Utc>> {
        let has = |t: &TargetState, a: SlaAlert| announced.iter().any(|k| *k == t.alert_key(a));
        self.iter()
            .filter_map(|t| match t.status {
                TargetStatus::Breached if !has(t, SlaAlert::Breached) => t.due_at.or(t.completed_at),
                TargetStatus::Running if has(t, SlaAlert::Breached) => None,
                TargetStatus::Running if warn && !has(t, SlaAlert::Warning) => t.warning_at.or(t.due_at),
                TargetStatus::Running => t.due_at,
                _ => None,
            })
            .min()
    }

    /// `announced` without the names of alerts of target instances that no
    /// longer exist (a finished next-response cycle), so the list stays short.
    pub fn keep_current(&self, announced: &[String]) -> Vec<String> {
        announced.iter().filter(|k| self.iter().any(|t| t.owns_key(k))).cloned().collect()
    }
}

/// One target's clock: the stretches of time it runs in.
pub(super) struct TargetClock<'a> {
    schedule: &'a Schedule,
    /// Running stretches in order; the last has no end unless an open pause
    /// stopped the clock.
    runs: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    start: DateTime<Utc>,
    done: Option<DateTime<Utc>>,
}

impl<'a> TargetClock<'a> {
    pub(super) fn new(
        schedule: &'a Schedule,
        start: DateTime<Utc>,
        pauses: &[Pause],
        done: Option<DateTime<Utc>>,
    ) -> Self {
        // Pauses clipped to [start, done]; once done, an open pause ends there.
        let mut ps: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)> = pauses
            .iter()
            .filter_map(|p| {
                let from = p.from.max(start);
                let until = match (p.until, done) {
                    (Some(u), Some(d)) => Some(u.min(d)),
                    (None, Some(d)) => Some(d),
                    (u, None) => u,
                };
                let keep = done.is_none_or(|d| from < d) && until.is_none_or(|u| u > from);
                keep.then_some((from, until))
            })
            .collect();
        ps.sort();
        let mut runs = Vec::new();
        let mut cursor = start;
        for (from, until) in ps {
            if from > cursor {
                runs.push((cursor, Some(from)));
            }
            match until {
                Some(u) => cursor = cursor.max(u),
                None => return Self { schedule, runs, start, done },
            }
        }
        runs.push((cursor, None));
        Self { schedule, runs, start, done }
    }

    /// When `budget` of business time has run, if the clock gets there.
    fn deadline(&self, budget: Duration) -> Option<DateTime<Utc>> {
        let mut left = budget;
        for &(s, e) in &self.runs {
            match e {
                Some(e) => {
                    let available = self.schedule.business_between(s, e);
                    if available >= left {
                        return Some(self.schedule.add_business(s, left));
                    }
                    left -= available;
                }
                None => return Some(self.schedule.add_business(s, left)),
            }
        }
        None
    }

    /// Business time run by `at`.
    fn elapsed(&self, at: DateTime<Utc>) -> Duration {
        self.runs
            .iter()
            .filter(|(s, _)| *s < at)
            .map(|&(s, e)| self.schedule.business_between(s, e.map_or(at, |e| e.min(at))))
            .fold(Duration::zero(), |a, b| a + b)
    }

    pub(super) fn state(
        &self,
        metric: SlaMetric,
        minutes: u32,
        warning_minutes: u32,
        now: DateTime<Utc>,
    ) -> TargetState {
        let budget = Duration::minutes(i64::from(minutes));
        let lead = Duration::minutes(i64::from(warning_minutes.min(minutes)));
        let due_at = self.deadline(budget);
        let warning_at = self.deadline(budget - lead);
        let at = self.done.unwrap_or(now);
        let remaining = budget - self.elapsed(at);
        let status = match (self.done, due_at) {
            (Some(done), Some(due)) if done <= due => TargetStatus::Met,
            (Some(_), _) => TargetStatus::Breached,
            (None, Some(due)) if now >= due => TargetStatus::Breached,
            (None, Some(_)) => TargetStatus::Running,
            (None, None) => TargetStatus::Paused,
        };
        let open = matches!(status, TargetStatus::Running | TargetStatus::Paused);
        TargetState {
            metric,
            target_minutes: minutes,
            started_at: self.start,
            due_at,
            warning_at,
            completed_at: self.done,
            status,
            remaining_seconds: remaining.num_seconds(),
            warning: open && remaining <= lead,
        }
    }
}
