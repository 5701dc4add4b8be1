//! SLA policies: targets in business minutes per priority, the departments
//! a policy covers, and [`SlaPolicy::evaluate`], which turns a ticket's
//! times into a state per target.

use super::schedule::Schedule;
use super::targets::{Pause, SlaMetric, SlaTargets, TargetClock, TicketTimes};
use crate::error::DomainError;
use crate::ids::DepartmentId;
use crate::ticket::Priority;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The longest target or warning lead, in business minutes (a year of them).
pub const MAX_TARGET_MINUTES: u32 = 525_600;
/// At most this many departments named by one policy.
pub const MAX_POLICY_DEPARTMENTS: usize = 1000;

/// Targets for one priority, in business minutes; a missing one is not
/// measured.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// From the ticket's creation to the first agent reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response_minutes: Option<u32>,
    /// From a customer's message (after an agent's reply) to the next agent
    /// reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_response_minutes: Option<u32>,
    /// From creation to solved, less the time spent waiting for the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_minutes: Option<u32>,
}

impl Targets {
    /// The target for `metric`.
    pub fn get(&self, metric: SlaMetric) -> Option<u32> {
        match metric {
            SlaMetric::FirstResponse => self.first_response_minutes,
            SlaMetric::NextResponse => self.next_response_minutes,
            SlaMetric::Resolution => self.resolution_minutes,
        }
    }
}

/// Targets per priority: `{"urgent": {"first_response_minutes": 30}, ...}`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriorityTargets {
    /// Low priority.
    #[serde(default)]
    pub low: Targets,
    /// Normal priority.
    #[serde(default)]
    pub normal: Targets,
    /// High priority.
    #[serde(default)]
    pub high: Targets,
    /// Urgent priority.
    #[serde(default)]
    pub urgent: Targets,
}

impl PriorityTargets {
    /// The targets for `priority`.
    pub fn get(&self, priority: Priority) -> &Targets {
        match priority {
            Priority::Low => &self.low,
            Priority::Normal => &self.normal,
            Priority::High => &self.high,
            Priority::Urgent => &self.urgent,
        }
    }
}

/// An SLA policy: targets per priority, counted in a schedule's business
/// hours, for some departments or (with none listed) for all.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// Display name.
    pub name: String,
    /// The departments it applies to; empty means the general policy.
    #[serde(default)]
    pub department_ids: Vec<DepartmentId>,
    /// The business hours targets are counted in.
    pub schedule: Schedule,
    /// Targets per priority.
    pub targets: PriorityTargets,
    /// Warn this many business minutes before a target is breached.
    #[serde(default)]
    pub warning_minutes: u32,
}

/// Why a policy is refused (its schedule is checked when it is built).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlaPolicyError {
    /// The name is empty or longer than 100 characters.
    #[error("the policy name must be 1 to 100 characters")]
    BadName,
    /// A target is zero or longer than [`MAX_TARGET_MINUTES`].
    #[error("the {metric} target for {} priority must be 1 to {max} minutes", priority.as_str())]
    BadTarget {
        /// The priority.
        priority: Priority,
        /// The target.
        metric: SlaMetric,
        /// The limit.
        max: u32,
    },
    /// The warning lead is longer than [`MAX_TARGET_MINUTES`].
    #[error("the warning lead must be at most {0} minutes")]
    BadWarning(u32),
    /// Too many departments.
    #[error("a policy names at most {0} departments")]
    TooManyDepartments(usize),
}

impl SlaPolicyError {
    /// The stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadName => "invalid_name",
            Self::BadTarget { .. } => "invalid_target",
            Self::BadWarning(_) => "invalid_warning",
            Self::TooManyDepartments(_) => "too_many_departments",
        }
    }

    /// The field at fault (`targets.urgent.resolution_minutes`).
    pub fn field(&self) -> String {
        match self {
            Self::BadName => "name".into(),
            Self::BadTarget { priority, metric, .. } => {
                format!("targets.{}.{}_minutes", priority.as_str(), metric.as_str())
            }
            Self::BadWarning(_) => "warning_minutes".into(),
            Self::TooManyDepartments(_) => "department_ids".into(),
        }
    }
}

impl From<SlaPolicyError> for DomainError {
    fn from(e: SlaPolicyError) -> Self {
        DomainError::invalid(e.field(), e.code(), e.to_string())
    }
}

/// The policy for a ticket of `department_id`: the first policy that names
/// the department, else the first general one (naming none), else none.
/// Order is the admin's (the slice's).
pub fn choose_policy(policies: &[SlaPolicy], department_id: DepartmentId) -> Option<&SlaPolicy> {
    policies
        .iter()
        .find(|p| p.department_ids.contains(&department_id))
        .or_else(|| policies.iter().find(|p| p.department_ids.is_empty()))
}

impl SlaPolicy {
    /// Checks the name, the targets (1 to [`MAX_TARGET_MINUTES`]), the
    /// warning lead and the department list.
    pub fn validate(&self) -> Result<(), SlaPolicyError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(SlaPolicyError::BadName);
        }
        for priority in Priority::ALL {
            let targets = self.targets.get(priority);
            for metric in SlaMetric::ALL {
                if let Some(m) = targets.get(metric)
                    && !(1..=MAX_TARGET_MINUTES).contains(&m)
                {
                    return Err(SlaPolicyError::BadTarget { priority, metric, max: MAX_TARGET_MINUTES });
                }
            }
        }
        if self.warning_minutes > MAX_TARGET_MINUTES {
            return Err(SlaPolicyError::BadWarning(MAX_TARGET_MINUTES));
        }
        if self.department_ids.len() > MAX_POLICY_DEPARTMENTS {
            return Err(SlaPolicyError::TooManyDepartments(MAX_POLICY_DEPARTMENTS));
        }
        Ok(())
    }

    /// Whether it applies to tickets of `department_id` (named, or general).
    pub fn covers(&self, department_id: DepartmentId) -> bool {
        self.department_ids.is_empty() || self.department_ids.contains(&department_id)
    }

    /// The state of every target the policy sets for the ticket's priority,
    /// at `now`.
    ///
    /// * First response runs from creation to the first agent reply, or to
    ///   solving if the ticket is solved without one. It never pauses.
    /// * Next response runs from [`TicketTimes::next_response_since`] to
    ///   [`TicketTimes::next_response_at`] (one cycle; earlier cycles were
    ///   judged when they ended).
    /// * Resolution runs from creation to solved, except during
    ///   [`TicketTimes::paused`].
    pub fn evaluate(&self, times: &TicketTimes, now: DateTime<Utc>) -> SlaTargets {
        let targets = self.targets.get(times.priority);
        let measure = |metric: SlaMetric, start: DateTime<Utc>, pauses: &[Pause], done: Option<DateTime<Utc>>| {
            targets.get(metric).map(|minutes| {
                let clock = TargetClock::new(&self.schedule, start, pauses, done);
                clock.state(metric, minutes, self.warning_minutes, now)
            })
        };
        let first_done = match (times.first_response_at, times.resolved_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        SlaTargets {
            first_response: measure(SlaMetric::FirstResponse, times.created_at, &[], first_done),
            next_response: times
                .next_response_since
                .and_then(|since| measure(SlaMetric::NextResponse, since, &[], times.next_response_at)),
            resolution: measure(SlaMetric::Resolution, times.created_at, &times.paused, times.resolved_at),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{TicketId, UserId};
    use crate::sla::{ClockTime, Interval, ScheduleConfig, SlaAlert, TargetStatus, Week};
    use crate::status::StatusCategory;
    use crate::status::StatusKey;
    use crate::ticket::Ticket;
    use crate::ticket::{Cc, Source};

    use std::collections::BTreeMap;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn iv(s: &str, e: &str) -> Interval {
        Interval(ClockTime::parse(s).unwrap(), ClockTime::parse(e).unwrap())
    }

    fn schedule(tz: &str, week: Week, holidays: &[&str]) -> Schedule {
        Schedule::new(ScheduleConfig {
            time_zone: tz.into(),
            week,
            holidays: holidays.iter().map(|h| h.parse().unwrap()).collect(),
        })
        .unwrap()
    }

    fn office(tz: &str) -> Schedule {
        schedule(tz, Week::weekdays(&[iv("09:00", "18:00")]), &[])
    }

    fn policy(name: &str, departments: &[i64], schedule: Schedule) -> SlaPolicy {
        let t = |fr, nr, res| Targets {
            first_response_minutes: Some(fr),
            next_response_minutes: Some(nr),
            resolution_minutes: Some(res),
        };
        SlaPolicy {
            name: name.into(),
            department_ids: departments.iter().map(|d| DepartmentId(*d)).collect(),
            schedule,
            targets: PriorityTargets {
                low: Targets { resolution_minutes: Some(5 * 540), ..Targets::default() },
                normal: t(240, 240, 2 * 540),
                high: t(60, 120, 540),
                urgent: t(30, 30, 240),
            },
            warning_minutes: 30,
        }
    }

    fn ticket(created: &str) -> Ticket {
        let at = utc(created);
        Ticket {
            id: TicketId(1),
            number: "123456".into(),
            access_key: "k".into(),
            subject: "Sunucu çöktü".into(),
            department_id: DepartmentId(1),
            requester_id: UserId(2),
            organization_id: None,
            service_id: None,
            assignee_id: None,
            assigned_by_id: None,
            flagged_id: None,
            cc: Cc::default(),
            tags: vec![],
            ticket_type: None,
            priority: Priority::High,
            status: StatusKey::new(StatusKey::NEW),
            status_category: StatusCategory::New,
            source: Source::Web,
            custom_fields: BTreeMap::new(),
            locked: false,
            archived: false,
            queue_boost: false,
            closed_reason: None,
            merged_into_id: None,
            follow_up_of_id: None,
            created_at: at,
            updated_at: at,
            last_reply_at: Some(at),
            last_customer_reply_at: Some(at),
            last_agent_reply_at: None,
            first_response_at: None,
            awaiting_agent_since: Some(at),
            solved_at: None,
            closed_at: None,
            due_at: None,
            deleted_at: None,
            customer_unread: false,
            agent_unread: true,
            version: 1,
        }
    }

    #[test]
    fn the_department_policy_wins_over_the_general_one() {
        let general = policy("General", &[], office("UTC"));
        let billing = policy("Billing", &[2, 3], office("Europe/Istanbul"));
        let policies = vec![general, billing];
        assert_eq!(choose_policy(&policies, DepartmentId(3)).map(|p| p.name.as_str()), Some("Billing"));
        assert_eq!(choose_policy(&policies, DepartmentId(9)).map(|p| p.name.as_str()), Some("General"));
        assert!(choose_policy(&policies[1..], DepartmentId(9)).is_none());
        assert!(policies[0].covers(DepartmentId(9)) && !policies[1].covers(DepartmentId(9)));
    }

    #[test]
    fn policies_are_checked() {
        let mut p = policy("General", &[], office("UTC"));
        assert_eq!(p.validate(), Ok(()));
        p.targets.urgent.resolution_minutes = Some(0);
        let e = p.validate().unwrap_err();
        assert_eq!(e.field(), "targets.urgent.resolution_minutes");
        assert_eq!(e.to_string(), "the resolution target for urgent priority must be 1 to 525600 minutes");
        p.targets.urgent.resolution_minutes = Some(60);
        p.name = "  ".into();
        assert_eq!(p.validate(), Err(SlaPolicyError::BadName));
        p.name = "x".into();
        p.warning_minutes = MAX_TARGET_MINUTES + 1;
        assert_eq!(DomainError::from(p.validate().unwrap_err()).code(), "invalid_warning");

        let json = serde_json::json!({
            "name": "Standard",
            "department_ids": [4],
            "schedule": {"time_zone": "Europe/Istanbul", "week": {"mon": [["09:00", "18:00"]]}},
            "targets": {"urgent": {"first_response_minutes": 30, "resolution_minutes": 240}},
            "warning_minutes": 15
        });
        let p: SlaPolicy = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(p.targets.urgent.first_response_minutes, Some(30));
        assert_eq!(p.targets.low, Targets::default());
        assert_eq!(serde_json::to_value(&p).unwrap()["targets"]["urgent"], json["targets"]["urgent"]);
        let mut bad = json;
        bad["targets"]["urgent"]["first_reply"] = 5.into();
        assert!(serde_json::from_value::<SlaPolicy>(bad).is_err());
    }

    #[test]
    fn first_response_met_breached_and_counting_down() {
        let p = policy("General", &[], office("Europe/Berlin"));
        // High: first response in 60 business minutes. Friday 2026-01-09 17:30 CET.
        let mut t = ticket("2026-01-09T16:30:00Z");
        let now = utc("2026-01-10T12:00:00Z"); // Saturday
        let fr = p.evaluate(&TicketTimes::from_ticket(&t), now).first_response.unwrap();
        assert_eq!(fr.due_at, Some(utc("2026-01-12T08:30:00Z")));
        // The warning comes when 30 business minutes are left: Friday 18:00.
        assert_eq!(fr.warning_at, Some(utc("2026-01-09T17:00:00Z")));
        assert_eq!((fr.status, fr.remaining_seconds, fr.warning), (TargetStatus::Running, 30 * 60, true));

        // Answered Monday 09:10: met with 20 minutes to spare.
        t.first_response_at = Some(utc("2026-01-12T08:10:00Z"));
        let fr = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-13T12:00:00Z")).first_response.unwrap();
        assert_eq!(
            (fr.status, fr.completed_at, fr.remaining_seconds),
            (TargetStatus::Met, t.first_response_at, 20 * 60)
        );

        // Unanswered at Monday 10:00: breached, half an hour over.
        t.first_response_at = None;
        let targets = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-12T09:00:00Z"));
        let fr = targets.first_response.unwrap();
        assert_eq!((fr.status, fr.remaining_seconds, fr.warning), (TargetStatus::Breached, -30 * 60, false));
        assert!(targets.breached());
        // Answered late: still breached.
        t.first_response_at = Some(utc("2026-01-12T09:00:00Z"));
        let fr = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-12T10:00:00Z")).first_response.unwrap();
        assert_eq!((fr.status, fr.remaining_seconds), (TargetStatus::Breached, -30 * 60));
        // Low priority sets no response targets.
        t.priority = Priority::Low;
        let targets = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-12T10:00:00Z"));
        assert!(targets.first_response.is_none() && targets.next_response.is_none() && targets.resolution.is_some());
    }

    #[test]
    fn alerts_come_once_per_target_instance() {
        let p = policy("General", &[], office("Europe/Berlin"));
        // High, Friday 2026-01-09 17:30 CET: first response warns Friday
        // 18:00, falls due Monday 09:30.
        let t = ticket("2026-01-09T16:30:00Z");
        let at = |now: &str| p.evaluate(&TicketTimes::from_ticket(&t), utc(now));
        let none: Vec<String> = vec![];

        let before = at("2026-01-09T16:45:00Z");
        assert!(before.alerts_due(&none, true, utc("2026-01-09T16:45:00Z")).is_empty());
        assert_eq!(before.next_alert_at(&none, true), Some(utc("2026-01-09T17:00:00Z")));
        // Without a warning lead the next alert is the breach.
        assert_eq!(before.next_alert_at(&none, false), Some(utc("2026-01-12T08:30:00Z")));

        let saturday = at("2026-01-10T12:00:00Z");
        let alerts = saturday.alerts_due(&none, true, utc("2026-01-10T12:00:00Z"));
        assert_eq!(alerts.len(), 1);
        assert_eq!((alerts[0].0, alerts[0].1.metric), (SlaAlert::Warning, SlaMetric::FirstResponse));
        let announced = vec![alerts[0].1.alert_key(SlaAlert::Warning)];
        assert!(saturday.alerts_due(&announced, true, utc("2026-01-10T12:00:00Z")).is_empty());
        // After the warning, the next alert is the breach (resolution warns later).
        assert_eq!(saturday.next_alert_at(&announced, true), Some(utc("2026-01-12T08:30:00Z")));

        let monday = at("2026-01-12T09:00:00Z");
        let alerts = monday.alerts_due(&announced, true, utc("2026-01-12T09:00:00Z"));
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].0, SlaAlert::Breached);
        let mut announced = announced;
        announced.push(alerts[0].1.alert_key(SlaAlert::Breached));
        assert!(monday.alerts_due(&announced, true, utc("2026-01-12T09:00:00Z")).is_empty());
        assert_eq!(monday.keep_current(&announced), announced);
        assert!(monday.keep_current(&["next_response:warning:5".to_string()]).is_empty());

        // Found breached with nothing announced: the breach alone.
        let alerts = monday.alerts_due(&none, true, utc("2026-01-12T09:00:00Z"));
        assert_eq!(alerts.iter().map(|a| a.0).collect::<Vec<_>>(), vec![SlaAlert::Breached]);
    }

    #[test]
    fn next_response_runs_from_the_customers_reply() {
        let p = policy("General", &[], office("UTC"));
        let mut t = ticket("2026-01-12T09:00:00Z"); // Monday
        t.first_response_at = Some(utc("2026-01-12T09:20:00Z"));
        t.last_agent_reply_at = t.first_response_at;
        // The agent's reply set it pending; the customer answered at 11:00 and reopened it.
        t.status_category = StatusCategory::Open;
        t.awaiting_agent_since = Some(utc("2026-01-12T11:00:00Z"));
        t.last_customer_reply_at = t.awaiting_agent_since;
        let times = TicketTimes::from_ticket(&t);
        assert_eq!(times.next_response_since, t.awaiting_agent_since);
        assert_eq!(times.paused, vec![Pause { from: utc("2026-01-12T09:20:00Z"), until: t.awaiting_agent_since }]);
        let now = utc("2026-01-12T12:00:00Z");
        let targets = p.evaluate(&times, now);
        let nr = targets.next_response.unwrap();
        assert_eq!((nr.due_at, nr.status), (Some(utc("2026-01-12T13:00:00Z")), TargetStatus::Running));
        assert_eq!(targets.next_due_at(), Some(utc("2026-01-12T13:00:00Z")));
        assert_eq!(targets.next_change_at(now), Some(utc("2026-01-12T12:30:00Z")));
        // Judging the cycle when the agent answers at 12:45.
        let done = TicketTimes { next_response_at: Some(utc("2026-01-12T12:45:00Z")), ..times };
        assert_eq!(p.evaluate(&done, now).next_response.unwrap().status, TargetStatus::Met);

        // Open all along: the cycle starts at the customer's message after the agent's reply.
        t.awaiting_agent_since = Some(t.created_at);
        t.last_customer_reply_at = Some(utc("2026-01-12T10:00:00Z"));
        assert_eq!(TicketTimes::from_ticket(&t).next_response_since, t.last_customer_reply_at);
        // The agent had the last word: no cycle.
        t.last_customer_reply_at = Some(t.created_at);
        assert_eq!(TicketTimes::from_ticket(&t).next_response_since, None);
        assert!(p.evaluate(&TicketTimes::from_ticket(&t), now).next_response.is_none());
    }

    #[test]
    fn resolution_stops_while_waiting_for_the_customer() {
        let p = policy("General", &[], office("UTC"));
        // High: resolution in 540 business minutes (one working day).
        let mut t = ticket("2026-01-12T09:00:00Z"); // Monday 09:00
        let reply = utc("2026-01-12T12:00:00Z");
        t.first_response_at = Some(reply);
        t.last_agent_reply_at = Some(reply);
        t.status_category = StatusCategory::Pending;
        t.awaiting_agent_since = None;
        // Pending since the reply: paused with six hours left, whatever the time.
        let res = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-20T12:00:00Z")).resolution.unwrap();
        assert_eq!((res.status, res.due_at, res.remaining_seconds), (TargetStatus::Paused, None, 6 * 3600));
        assert!(!res.warning);
        // The customer answers Wednesday 10:00 and reopens it: due Wednesday 16:00.
        t.status_category = StatusCategory::Open;
        t.awaiting_agent_since = Some(utc("2026-01-14T10:00:00Z"));
        t.last_customer_reply_at = t.awaiting_agent_since;
        let res = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-14T11:00:00Z")).resolution.unwrap();
        assert_eq!(
            (res.status, res.due_at, res.remaining_seconds),
            (TargetStatus::Running, Some(utc("2026-01-14T16:00:00Z")), 5 * 3600)
        );
        // Solved Wednesday 15:00 with the customer's last word: met with an hour left.
        t.status_category = StatusCategory::Solved;
        t.awaiting_agent_since = None;
        t.solved_at = Some(utc("2026-01-14T15:00:00Z"));
        let res = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-20T00:00:00Z")).resolution.unwrap();
        // from_ticket only knows the latest stretch; the desk passes the earlier one.
        let mut times = TicketTimes::from_ticket(&t);
        assert!(times.paused.is_empty());
        assert_eq!(res.status, TargetStatus::Breached);
        times.paused.push(Pause { from: reply, until: Some(utc("2026-01-14T10:00:00Z")) });
        let res = p.evaluate(&times, utc("2026-01-20T00:00:00Z")).resolution.unwrap();
        assert_eq!((res.status, res.remaining_seconds, res.completed_at), (TargetStatus::Met, 3600, t.solved_at));

        // Solved right after the agent's reply with no answer since: the wait counts as pending.
        let mut t = ticket("2026-01-12T09:00:00Z");
        t.first_response_at = Some(reply);
        t.last_agent_reply_at = Some(reply);
        t.status_category = StatusCategory::Solved;
        t.awaiting_agent_since = None;
        t.solved_at = Some(utc("2026-01-19T09:00:00Z")); // auto-solved a week later
        let targets = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-20T00:00:00Z"));
        let res = targets.resolution.unwrap();
        assert_eq!((res.status, res.remaining_seconds), (TargetStatus::Met, 6 * 3600));
        assert_eq!(targets.first_response.unwrap().status, TargetStatus::Breached);
        assert_eq!(targets.next_change_at(utc("2026-01-20T00:00:00Z")), None);
    }

    #[test]
    fn solving_without_a_reply_ends_the_first_response_clock() {
        let p = policy("General", &[], office("UTC"));
        let mut t = ticket("2026-01-12T09:00:00Z");
        t.status_category = StatusCategory::Closed;
        t.awaiting_agent_since = None;
        t.closed_at = Some(utc("2026-01-12T09:30:00Z"));
        let targets = p.evaluate(&TicketTimes::from_ticket(&t), utc("2026-01-13T09:00:00Z"));
        assert_eq!(targets.first_response.unwrap().status, TargetStatus::Met);
        assert_eq!(targets.resolution.unwrap().completed_at, t.closed_at);
        let json = serde_json::to_value(targets).unwrap();
        assert_eq!(json["first_response"]["status"], "met");
        assert_eq!(json["first_response"]["metric"], "first_response");
    }
}
