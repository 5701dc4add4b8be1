//! Views: saved ticket queries (seed 004's ticket views, after Zendesk's
//! Views API). A view's conditions are `all` and `any` lists of
//! `{field, operator, value}`; they are checked here once, when a view is
//! saved, and resolved for a viewer (`current_user`, relative times) each
//! time it runs, into [`Resolved`] conditions a store turns into its query
//! language. The viewer's permissions are applied by the store on top, so no
//! condition can widen what a view shows.

use crate::error::DomainError;
use crate::ids::{DepartmentId, UserId};
use crate::status::StatusCategory;
use crate::ticket::{Priority, Source, TicketType};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The most conditions a view may hold (both lists together).
pub const MAX_CONDITIONS: usize = 50;
/// The most values one `in`/`not_in` condition may list.
pub const MAX_VALUES: usize = 200;
/// The most columns a view may show.
pub const MAX_COLUMNS: usize = 12;

/// One condition as written.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// A ticket field (`status`, `priority`, `assignee_id`, `tags`,
    /// `updated_at`, `custom_fields.<key>`, …).
    pub field: String,
    /// How to compare.
    pub operator: Operator,
    /// What to compare with (absent for `present`/`absent`).
    #[serde(default)]
    pub value: Value,
}

/// A view's conditions: every `all` condition holds, and at least one `any`
/// condition when there are any.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conditions {
    /// Conditions that must all hold.
    #[serde(default)]
    pub all: Vec<Condition>,
    /// Conditions of which one must hold (ignored when empty).
    #[serde(default)]
    pub any: Vec<Condition>,
}

/// How a condition compares.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    /// Equal.
    Is,
    /// Not equal (an empty field is "not" any value).
    IsNot,
    /// One of a list.
    In,
    /// None of a list.
    NotIn,
    /// Below (statuses by category order, priorities by rank, times earlier).
    LessThan,
    /// Above.
    GreaterThan,
    /// Text holds the value (tags: has the tag).
    Contains,
    /// Text does not hold the value (tags: lacks the tag).
    NotContains,
    /// The field has a value.
    Present,
    /// The field is empty.
    Absent,
    /// A time within the last N hours.
    WithinLast,
    /// A time more than N hours ago.
    OlderThan,
    /// A time before N hours from now, past times included: "due within
    /// N hours" (`sla_next_due_at` within_next 4: breaches within 4 hours).
    WithinNext,
}

impl Operator {
    /// The written name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Is => "is",
            Self::IsNot => "is_not",
            Self::In => "in",
            Self::NotIn => "not_in",
            Self::LessThan => "less_than",
            Self::GreaterThan => "greater_than",
            Self::Contains => "contains",
            Self::NotContains => "not_contains",
            Self::Present => "present",
            Self::Absent => "absent",
            Self::WithinLast => "within_last",
            Self::OlderThan => "older_than",
            Self::WithinNext => "within_next",
        }
    }
}

/// What kind of value a field holds, which decides the operators it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Ordered by category (status, status_category).
    Status,
    /// Ordered by rank.
    Priority,
    /// A fixed list of names (type, source).
    Name,
    /// A reference to a user, department, organization or service.
    Reference,
    /// Free text (subject).
    Text,
    /// Exact text (number).
    Exact,
    /// Yes or no.
    Flag,
    /// A time.
    Time,
    /// The tag set.
    Tags,
    /// A custom field's value (JSON).
    Custom,
}

/// A ticket field a condition can look at.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    /// The status key.
    Status,
    /// The status category.
    StatusCategory,
    /// The priority.
    Priority,
    /// The type.
    Type,
    /// Where it came from.
    Source,
    /// The department.
    DepartmentId,
    /// The assignee.
    AssigneeId,
    /// The requester.
    RequesterId,
    /// The requester's organization.
    OrganizationId,
    /// The linked service.
    ServiceId,
    /// The agent who flagged it.
    FlaggedId,
    /// The tags.
    Tags,
    /// The subject.
    Subject,
    /// The public number.
    Number,
    /// Locked.
    Locked,
    /// Archived.
    Archived,
    /// Queue boost.
    QueueBoost,
    /// Opened.
    CreatedAt,
    /// Last change.
    UpdatedAt,
    /// The customer's last reply.
    LastCustomerReplyAt,
    /// An agent's last reply.
    LastAgentReplyAt,
    /// Since when it waits for an agent.
    AwaitingAgentSince,
    /// Solved.
    SolvedAt,
    /// Due.
    DueAt,
    /// Whether an SLA target of the ticket was breached (the stored SLA
    /// state; a ticket no policy covers is not breached).
    SlaBreached,
    /// The earliest due time of the ticket's running SLA targets (none when
    /// no target runs).
    SlaNextDueAt,
    /// A custom field, by key.
    Custom(String),
}

impl Field {
    /// Every built-in field's written name.
    pub const NAMES: [&'static str; 26] = [
        "status",
        "status_category",
        "priority",
        "type",
        "source",
        "department_id",
        "assignee_id",
        "requester_id",
        "organization_id",
        "service_id",
        "flagged_id",
        "tags",
        "subject",
        "number",
        "locked",
        "archived",
        "queue_boost",
        "created_at",
        "updated_at",
        "last_customer_reply_at",
        "last_agent_reply_at",
        "awaiting_agent_since",
        "solved_at",
        "due_at",
        "sla_breached",
        "sla_next_due_at",
    ];

    /// Parses a written field name (`custom_fields.<key>` for custom fields).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "status" => Self::Status,
            "status_category" => Self::StatusCategory,
            "priority" => Self::Priority,
            "type" => Self::Type,
            "source" => Self::Source,
            "department_id" => Self::DepartmentId,
            "assignee_id" => Self::AssigneeId,
            "requester_id" => Self::RequesterId,
            "organization_id" => Self::OrganizationId,
            "service_id" => Self::ServiceId,
            "flagged_id" => Self::FlaggedId,
            "tags" => Self::Tags,
            "subject" => Self::Subject,
            "number" => Self::Number,
            "locked" => Self::Locked,
            "archived" => Self::Archived,
            "queue_boost" => Self::QueueBoost,
            "created_at" => Self::CreatedAt,
            "updated_at" => Self::UpdatedAt,
            "last_customer_reply_at" => Self::LastCustomerReplyAt,
            "last_agent_reply_at" => Self::LastAgentReplyAt,
            "awaiting_agent_since" => Self::AwaitingAgentSince,
            "solved_at" => Self::SolvedAt,
            "due_at" => Self::DueAt,
            "sla_breached" => Self::SlaBreached,
            "sla_next_due_at" => Self::SlaNextDueAt,
            other => {
                let key = other.strip_prefix("custom_fields.")?;
                if key.is_empty() || key.len() > 64 {
                    return None;
                }
                Self::Custom(key.to_string())
            }
        })
    }

    fn kind(&self) -> Kind {
        match self {
            Self::Status | Self::StatusCategory => Kind::Status,
            Self::Priority => Kind::Priority,
            Self::Type | Self::Source => Kind::Name,
            Self::DepartmentId
            | Self::AssigneeId
            | Self::RequesterId
            | Self::OrganizationId
            | Self::ServiceId
            | Self::FlaggedId => Kind::Reference,
            Self::Tags => Kind::Tags,
            Self::Subject => Kind::Text,
            Self::Number => Kind::Exact,
            Self::Locked | Self::Archived | Self::QueueBoost | Self::SlaBreached => Kind::Flag,
            Self::CreatedAt
            | Self::UpdatedAt
            | Self::LastCustomerReplyAt
            | Self::LastAgentReplyAt
            | Self::AwaitingAgentSince
            | Self::SolvedAt
            | Self::DueAt
            | Self::SlaNextDueAt => Kind::Time,
            Self::Custom(_) => Kind::Custom,
        }
    }

    /// Whether the field can be empty.
    fn optional(&self) -> bool {
        matches!(
            self,
            Self::Type
                | Self::AssigneeId
                | Self::OrganizationId
                | Self::ServiceId
                | Self::FlaggedId
                | Self::Tags
                | Self::LastCustomerReplyAt
                | Self::LastAgentReplyAt
                | Self::AwaitingAgentSince
                | Self::SolvedAt
                | Self::DueAt
                | Self::SlaNextDueAt
                | Self::Custom(_)
        )
    }

    /// The comparisons this field takes.
    pub fn operators(&self) -> &'static [Operator] {
        use Operator::*;
        let ops: &'static [Operator] = match self.kind() {
            Kind::Status | Kind::Priority => &[Is, IsNot, In, NotIn, LessThan, GreaterThan],
            Kind::Name => &[Is, IsNot, In, NotIn, Present, Absent],
            Kind::Reference => &[Is, IsNot, In, NotIn, Present, Absent],
            Kind::Text => &[Is, IsNot, Contains, NotContains],
            Kind::Exact => &[Is, IsNot, In, NotIn],
            Kind::Flag => &[Is, IsNot],
            Kind::Time => &[LessThan, GreaterThan, WithinLast, OlderThan, WithinNext, Present, Absent],
            Kind::Tags => &[Is, IsNot, In, NotIn, Contains, NotContains, Present, Absent],
            Kind::Custom => &[Is, IsNot, In, NotIn, LessThan, GreaterThan, Contains, NotContains, Present, Absent],
        };
        ops
    }
}

/// A reference value as written: an id, or the viewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefValue {
    /// This id.
    Id(i64),
    /// `current_user`: the viewer.
    CurrentUser,
    /// `current_user_departments`: the viewer's departments.
    CurrentUserDepartments,
}

/// A checked condition value, before it is resolved for a viewer.
#[derive(Debug, Clone, PartialEq)]
pub enum Checked {
    /// No value (`present`, `absent`).
    None,
    /// Status keys or category names (resolved against the status list).
    Statuses(Vec<String>),
    /// Priorities.
    Priorities(Vec<Priority>),
    /// Names (types, sources).
    Names(Vec<String>),
    /// References.
    Refs(Vec<RefValue>),
    /// Text.
    Texts(Vec<String>),
    /// Yes or no.
    Flag(bool),
    /// A time.
    Time(Timestamp),
    /// Hours, for `within_last`, `older_than` and `within_next`.
    Hours(i64),
    /// A custom field's values (JSON scalars).
    Json(Vec<Value>),
}

/// A condition whose field, operator and value agree.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedCondition {
    /// The field.
    pub field: Field,
    /// The operator.
    pub operator: Operator,
    /// The value.
    pub value: Checked,
}

fn bad(path: &str, code: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::invalid(path, code, message)
}

fn list_of(v: &Value, op: Operator, path: &str) -> Result<Vec<Value>, DomainError> {
    let items = match (op, v) {
        (Operator::In | Operator::NotIn, Value::Array(a)) => a.clone(),
        (Operator::In | Operator::NotIn, other) => vec![other.clone()],
        (_, Value::Array(_)) => {
            return Err(bad(path, "invalid_value", format!("{} takes one value, not a list", op.as_str())));
        }
        (_, other) => vec![other.clone()],
    };
    if items.is_empty() || items.iter().any(Value::is_null) {
        return Err(bad(path, "required", format!("{} needs a value", op.as_str())));
    }
    if items.len() > MAX_VALUES {
        return Err(bad(path, "too_many", format!("at most {MAX_VALUES} values")));
    }
    Ok(items)
}

fn text_of(v: &Value, path: &str) -> Result<String, DomainError> {
    match v {
        Value::String(s) if !s.trim().is_empty() && s.chars().count() <= 500 => Ok(s.trim().to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(bad(path, "invalid_value", "the value must be a text of 1 to 500 characters")),
    }
}

fn time_of(v: &Value, path: &str) -> Result<Timestamp, DomainError> {
    let s =
        v.as_str().ok_or_else(|| bad(path, "invalid_value", "the value must be a time (RFC 3339 or YYYY-MM-DD)"))?;
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .ok_or_else(|| bad(path, "invalid_value", format!("{s:?} is not a time (RFC 3339 or YYYY-MM-DD)")))
}

impl Condition {
    /// Checks the condition; `path` names it in errors (`conditions.all[0]`).
    pub fn check(&self, path: &str) -> Result<CheckedCondition, DomainError> {
        let field_path = format!("{path}.field");
        let field = Field::parse(self.field.trim())
            .ok_or_else(|| bad(&field_path, "unknown_field", format!("there is no field {:?}", self.field)))?;
        let op = self.operator;
        if !field.operators().contains(&op) {
            return Err(bad(
                &format!("{path}.operator"),
                "invalid_operator",
                format!("{} does not take the operator {}", self.field, op.as_str()),
            ));
        }
        let vpath = format!("{path}.value");
        let v = &self.value;
        let value = match (op, field.kind()) {
            (Operator::Present | Operator::Absent, _) => {
                if !field.optional() {
                    return Err(bad(&vpath, "invalid_operator", format!("{} always has a value", self.field)));
                }
                Checked::None
            }
            (Operator::WithinLast | Operator::OlderThan | Operator::WithinNext, _) => match v.as_i64() {
                Some(h) if (1..=24 * 366 * 10).contains(&h) => Checked::Hours(h),
                _ => return Err(bad(&vpath, "invalid_value", "the value is a whole number of hours, at least 1")),
            },
            (_, Kind::Status) => {
                let items = list_of(v, op, &vpath)?;
                let mut out = Vec::new();
                for i in items {
                    let s = i.as_str().map(str::trim).filter(|s| !s.is_empty() && s.len() <= 64);
                    out.push(s.ok_or_else(|| bad(&vpath, "invalid_value", "statuses are named by key"))?.to_string());
                }
                if field == Field::StatusCategory
                    && let Some(x) = out.iter().find(|s| StatusCategory::parse(s).is_none())
                {
                    return Err(bad(&vpath, "invalid_value", format!("there is no status category {x:?}")));
                }
                Checked::Statuses(out)
            }
            (_, Kind::Priority) => {
                let items = list_of(v, op, &vpath)?;
                let ps = items
                    .iter()
                    .map(|i| {
                        i.as_str()
                            .and_then(Priority::parse)
                            .ok_or_else(|| bad(&vpath, "invalid_value", format!("{i} is not a priority")))
                    })
                    .collect::<Result<_, _>>()?;
                Checked::Priorities(ps)
            }
            (_, Kind::Name) => {
                let items = list_of(v, op, &vpath)?;
                let mut out = Vec::new();
                for i in items {
                    let s = i.as_str().unwrap_or("");
                    let ok = match field {
                        Field::Type => TicketType::parse(s).is_some(),
                        _ => Source::parse(s).is_some(),
                    };
                    if !ok {
                        return Err(bad(&vpath, "invalid_value", format!("{i} is not a {}", self.field)));
                    }
                    out.push(s.to_string());
                }
                Checked::Names(out)
            }
            (_, Kind::Reference) => {
                let items = list_of(v, op, &vpath)?;
                let mut out = Vec::new();
                for i in items {
                    let r = match (&i, &field) {
                        (Value::Number(n), _) => n.as_i64().filter(|n| *n > 0).map(RefValue::Id),
                        (Value::String(s), Field::AssigneeId | Field::RequesterId | Field::FlaggedId)
                            if s == "current_user" =>
                        {
                            Some(RefValue::CurrentUser)
                        }
                        (Value::String(s), Field::DepartmentId) if s == "current_user_departments" => {
                            Some(RefValue::CurrentUserDepartments)
                        }
                        (Value::String(s), _) => s.parse::<i64>().ok().filter(|n| *n > 0).map(RefValue::Id),
                        _ => None,
                    };
                    out.push(r.ok_or_else(|| {
                        bad(
                            &vpath,
                            "invalid_value",
                            format!("{i} is not an id (or current_user, current_user_departments)"),
                        )
                    })?);
                }
                Checked::Refs(out)
            }
            (_, Kind::Text | Kind::Exact) => {
                let items = list_of(v, op, &vpath)?;
                Checked::Texts(items.iter().map(|i| text_of(i, &vpath)).collect::<Result<_, _>>()?)
            }
            (_, Kind::Tags) => {
                let items = list_of(v, op, &vpath)?;
                let tags = items
                    .iter()
                    .map(|i| text_of(i, &vpath).map(|t| t.to_lowercase()))
                    .collect::<Result<Vec<_>, _>>()?;
                Checked::Texts(tags)
            }
            (_, Kind::Flag) => match v {
                Value::Bool(b) => Checked::Flag(*b),
                _ => return Err(bad(&vpath, "invalid_value", "the value is true or false")),
            },
            (_, Kind::Time) => Checked::Time(time_of(v, &vpath)?),
            (_, Kind::Custom) => {
                let items = list_of(v, op, &vpath)?;
                if items.iter().any(|i| i.is_object() || i.is_array()) {
                    return Err(bad(&vpath, "invalid_value", "custom field values are texts, numbers or true/false"));
                }
                if matches!(op, Operator::LessThan | Operator::GreaterThan) && !items[0].is_number() {
                    return Err(bad(&vpath, "invalid_value", "less_than and greater_than compare numbers"));
                }
                if matches!(op, Operator::Contains | Operator::NotContains) && !items[0].is_string() {
                    return Err(bad(&vpath, "invalid_value", "contains looks for a text"));
                }
                Checked::Json(items)
            }
        };
        Ok(CheckedCondition { field, operator: op, value })
    }
}

/// Checked conditions of a view.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckedConditions {
    /// Must all hold.
    pub all: Vec<CheckedCondition>,
    /// One must hold (when any).
    pub any: Vec<CheckedCondition>,
}

impl Conditions {
    /// Checks every condition (errors name `conditions.all[i]…`).
    pub fn check(&self) -> Result<CheckedConditions, DomainError> {
        if self.all.len() + self.any.len() > MAX_CONDITIONS {
            return Err(bad("conditions", "too_many", format!("a view holds at most {MAX_CONDITIONS} conditions")));
        }
        let all = self.all.iter().enumerate().map(|(i, c)| c.check(&format!("conditions.all[{i}]")));
        let any = self.any.iter().enumerate().map(|(i, c)| c.check(&format!("conditions.any[{i}]")));
        Ok(CheckedConditions { all: all.collect::<Result<_, _>>()?, any: any.collect::<Result<_, _>>()? })
    }
}

/// A condition resolved for one viewer at one time: plain values a store
/// can compare with.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// The field.
    pub field: Field,
    /// The operator (`within_last` becomes `greater_than` a time;
    /// `older_than` and `within_next` become `less_than` one).
    pub operator: Operator,
    /// The value.
    pub value: ResolvedValue,
}

/// A resolved value.
#[derive(Debug, Clone, PartialEq)]
pub enum ResolvedValue {
    /// No value.
    None,
    /// Integers (ids, priority ranks, category ranks for status order).
    Ints(Vec<i64>),
    /// Texts (status keys, categories, names, tags, subject words, numbers).
    Texts(Vec<String>),
    /// Yes or no.
    Flag(bool),
    /// A time.
    Time(Timestamp),
    /// Custom field values.
    Json(Vec<Value>),
}

/// Resolved conditions of a view for one run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolvedConditions {
    /// Must all hold.
    pub all: Vec<Resolved>,
    /// One must hold (when any).
    pub any: Vec<Resolved>,
}

/// What resolving needs to know.
pub struct Resolver<'a> {
    /// The viewer.
    pub user_id: UserId,
    /// The viewer's departments.
    pub department_ids: &'a [DepartmentId],
    /// Now.
    pub now: Timestamp,
    /// The category of a status key (`None`: unknown status).
    pub category_of: &'a dyn Fn(&str) -> Option<StatusCategory>,
}

/// A status category's place in queue order.
pub fn category_rank(c: StatusCategory) -> i64 {
    match c {
        StatusCategory::New => 0,
        StatusCategory::Open => 1,
        StatusCategory::Pending => 2,
        StatusCategory::Hold => 3,
        StatusCategory::Solved => 4,
        StatusCategory::Closed => 5,
    }
}

impl CheckedCondition {
    /// Resolves for a viewer. An unknown status key is an error (the view
    /// names a status that was never created).
    pub fn resolve(&self, r: &Resolver<'_>) -> Result<Resolved, DomainError> {
        let (operator, value) = match &self.value {
            Checked::None => (self.operator, ResolvedValue::None),
            Checked::Hours(h) => match self.operator {
                Operator::WithinNext => (Operator::LessThan, ResolvedValue::Time(r.now + chrono::Duration::hours(*h))),
                Operator::WithinLast => {
                    (Operator::GreaterThan, ResolvedValue::Time(r.now - chrono::Duration::hours(*h)))
                }
                _ => (Operator::LessThan, ResolvedValue::Time(r.now - chrono::Duration::hours(*h))),
            },
            Checked::Statuses(keys) => {
                let ordered = matches!(self.operator, Operator::LessThan | Operator::GreaterThan);
                if self.field == Field::StatusCategory || ordered {
                    let mut ranks = Vec::new();
                    for k in keys {
                        let c = StatusCategory::parse(k)
                            .or_else(|| (r.category_of)(k))
                            .ok_or_else(|| bad("conditions", "unknown_status", format!("there is no status {k:?}")))?;
                        ranks.push(category_rank(c));
                    }
                    // Ordered comparisons and category conditions look at
                    // the category's rank.
                    return Ok(Resolved {
                        field: Field::StatusCategory,
                        operator: self.operator,
                        value: ResolvedValue::Ints(ranks),
                    });
                }
                for k in keys {
                    if (r.category_of)(k).is_none() {
                        return Err(bad("conditions", "unknown_status", format!("there is no status {k:?}")));
                    }
                }
                (self.operator, ResolvedValue::Texts(keys.clone()))
            }
            Checked::Priorities(ps) => (self.operator, ResolvedValue::Ints(ps.iter().map(|p| p.rank()).collect())),
            Checked::Names(n) | Checked::Texts(n) => (self.operator, ResolvedValue::Texts(n.clone())),
            Checked::Refs(refs) => {
                let mut ids = Vec::new();
                for x in refs {
                    match x {
                        RefValue::Id(i) => ids.push(*i),
                        RefValue::CurrentUser => ids.push(r.user_id.0),
                        RefValue::CurrentUserDepartments => ids.extend(r.department_ids.iter().map(|d| d.0)),
                    }
                }
                // `is current_user_departments` means "in" them.
                let op = match (self.operator, ids.len()) {
                    (Operator::Is, n) if n != 1 => Operator::In,
                    (Operator::IsNot, n) if n != 1 => Operator::NotIn,
                    (op, _) => op,
                };
                (op, ResolvedValue::Ints(ids))
            }
            Checked::Flag(b) => (self.operator, ResolvedValue::Flag(*b)),
            Checked::Time(t) => (self.operator, ResolvedValue::Time(*t)),
            Checked::Json(v) => (self.operator, ResolvedValue::Json(v.clone())),
        };
        Ok(Resolved { field: self.field.clone(), operator, value })
    }
}

impl CheckedConditions {
    /// Resolves every condition for a viewer.
    pub fn resolve(&self, r: &Resolver<'_>) -> Result<ResolvedConditions, DomainError> {
        Ok(ResolvedConditions {
            all: self.all.iter().map(|c| c.resolve(r)).collect::<Result<_, _>>()?,
            any: self.any.iter().map(|c| c.resolve(r)).collect::<Result<_, _>>()?,
        })
    }
}

/// The columns a view can show.
pub const COLUMNS: [&str; 15] = [
    "number",
    "subject",
    "requester",
    "organization",
    "department",
    "status",
    "priority",
    "type",
    "assignee",
    "wait",
    "due",
    "sla",
    "created",
    "updated",
    "tags",
];

/// The orders a view can sort by (`queue`: boosted first, then priority,
/// then the longest wait).
pub const SORTS: [&str; 12] = [
    "queue",
    "updated",
    "created",
    "priority",
    "wait",
    "number",
    "subject",
    "requester",
    "department",
    "assignee",
    "status",
    "sla_due",
];

/// A view's order.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewSort {
    /// One of [`SORTS`].
    pub by: String,
    /// `asc` or `desc`.
    #[serde(default = "desc")]
    pub order: String,
}

fn desc() -> String {
    "desc".into()
}

impl Default for ViewSort {
    fn default() -> Self {
        Self { by: "queue".into(), order: "desc".into() }
    }
}

impl ViewSort {
    /// Checks the order.
    pub fn check(&self) -> Result<(), DomainError> {
        if !SORTS.contains(&self.by.as_str()) {
            return Err(bad("sort.by", "invalid_value", format!("a view sorts by one of {}", SORTS.join(", "))));
        }
        if self.order != "asc" && self.order != "desc" {
            return Err(bad("sort.order", "invalid_value", "the order is asc or desc"));
        }
        Ok(())
    }
}

/// Checks a column list.
pub fn check_columns(columns: &[String]) -> Result<(), DomainError> {
    if columns.is_empty() || columns.len() > MAX_COLUMNS {
        return Err(bad("columns", "invalid_value", format!("a view shows 1 to {MAX_COLUMNS} columns")));
    }
    for (i, c) in columns.iter().enumerate() {
        if !COLUMNS.contains(&c.as_str()) {
            return Err(bad(&format!("columns[{i}]"), "invalid_value", format!("there is no column {c:?}")));
        }
        if columns[..i].contains(c) {
            return Err(bad(&format!("columns[{i}]"), "duplicate", format!("the column {c} is listed twice")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cond(field: &str, op: &str, value: Value) -> Condition {
        serde_json::from_value(json!({"field": field, "operator": op, "value": value})).unwrap()
    }

    fn resolver(now: Timestamp) -> impl Fn(&dyn Fn(&Resolver<'_>)) {
        move |f| {
            let cats = |k: &str| match k {
                "in_progress" => Some(StatusCategory::Open),
                other => StatusCategory::parse(other),
            };
            f(&Resolver {
                user_id: UserId(7),
                department_ids: &[DepartmentId(2), DepartmentId(3)],
                now,
                category_of: &cats,
            })
        }
    }

    #[test]
    fn fields_take_only_their_operators_and_values() {
        let ok = [
            cond("status", "less_than", json!("solved")),
            cond("status", "in", json!(["new", "in_progress"])),
            cond("priority", "greater_than", json!("normal")),
            cond("assignee_id", "is", json!("current_user")),
            cond("assignee_id", "absent", Value::Null),
            cond("department_id", "in", json!("current_user_departments")),
            cond("tags", "contains", json!("VIP")),
            cond("updated_at", "within_last", json!(24)),
            cond("created_at", "greater_than", json!("2026-01-01")),
            cond("custom_fields.plan", "is", json!("gold")),
            cond("custom_fields.seats", "greater_than", json!(5)),
            cond("locked", "is", json!(true)),
            cond("type", "in", json!(["incident", "problem"])),
            cond("sla_breached", "is", json!(true)),
            cond("sla_next_due_at", "within_next", json!(4)),
            cond("sla_next_due_at", "absent", Value::Null),
        ];
        for c in ok {
            c.check("c").unwrap_or_else(|e| panic!("{c:?}: {e}"));
        }
        let bad = [
            (cond("colour", "is", json!("red")), "unknown_field"),
            (cond("status", "contains", json!("x")), "invalid_operator"),
            (cond("priority", "is", json!("extreme")), "invalid_value"),
            (cond("subject", "present", Value::Null), "invalid_operator"),
            (cond("assignee_id", "is", json!("someone")), "invalid_value"),
            (cond("department_id", "is", json!("current_user")), "invalid_value"),
            (cond("updated_at", "within_last", json!(0)), "invalid_value"),
            (cond("updated_at", "within_last", json!("a day")), "invalid_value"),
            (cond("created_at", "less_than", json!("yesterday")), "invalid_value"),
            (cond("locked", "is", json!("yes")), "invalid_value"),
            (cond("status", "is", json!(["new", "open"])), "invalid_value"),
            (cond("status", "in", json!([])), "required"),
            (cond("custom_fields.seats", "greater_than", json!("five")), "invalid_value"),
            (cond("status_category", "is", json!("waiting")), "invalid_value"),
            (cond("custom_fields.", "is", json!("x")), "unknown_field"),
            (cond("sla_breached", "present", Value::Null), "invalid_operator"),
            (cond("sla_breached", "is", json!("yes")), "invalid_value"),
            (cond("sla_next_due_at", "within_next", json!(0)), "invalid_value"),
            (cond("subject", "within_next", json!(3)), "invalid_operator"),
        ];
        for (c, code) in bad {
            let e = c.check("conditions.all[0]").unwrap_err();
            assert_eq!(e.code(), code, "{c:?}: {e}");
        }
        // Unknown operators do not even parse.
        assert!(
            serde_json::from_value::<Condition>(json!({"field": "status", "operator": "like", "value": "x"})).is_err()
        );
    }

    #[test]
    fn resolving_fills_in_the_viewer_and_the_time() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-23T12:00:00Z").unwrap().to_utc();
        resolver(now)(&|r| {
            let c = cond("assignee_id", "is", json!("current_user")).check("c").unwrap().resolve(r).unwrap();
            assert_eq!((c.operator, c.value), (Operator::Is, ResolvedValue::Ints(vec![7])));
            let c =
                cond("department_id", "is", json!("current_user_departments")).check("c").unwrap().resolve(r).unwrap();
            assert_eq!((c.operator, c.value), (Operator::In, ResolvedValue::Ints(vec![2, 3])));
            let c = cond("updated_at", "within_last", json!(24)).check("c").unwrap().resolve(r).unwrap();
            let day_ago = now - chrono::Duration::hours(24);
            assert_eq!((c.operator, c.value), (Operator::GreaterThan, ResolvedValue::Time(day_ago)));
            let c = cond("updated_at", "older_than", json!(2)).check("c").unwrap().resolve(r).unwrap();
            assert_eq!(c.operator, Operator::LessThan);
            // "Breaches within 4 hours": due before now + 4h.
            let c = cond("sla_next_due_at", "within_next", json!(4)).check("c").unwrap().resolve(r).unwrap();
            let later = now + chrono::Duration::hours(4);
            assert_eq!(
                (c.field, c.operator, c.value),
                (Field::SlaNextDueAt, Operator::LessThan, ResolvedValue::Time(later))
            );
            // Statuses compare by category order.
            let c = cond("status", "less_than", json!("solved")).check("c").unwrap().resolve(r).unwrap();
            assert_eq!((c.field, c.value), (Field::StatusCategory, ResolvedValue::Ints(vec![4])));
            let c = cond("status", "in", json!(["in_progress"])).check("c").unwrap().resolve(r).unwrap();
            assert_eq!((c.field, c.value), (Field::Status, ResolvedValue::Texts(vec!["in_progress".into()])));
            let e = cond("status", "is", json!("ghost")).check("c").unwrap().resolve(r).unwrap_err();
            assert_eq!(e.code(), "unknown_status");
            let c = cond("priority", "greater_than", json!("normal")).check("c").unwrap().resolve(r).unwrap();
            assert_eq!(c.value, ResolvedValue::Ints(vec![Priority::Normal.rank()]));
        });
    }

    #[test]
    fn columns_and_sorts_are_checked() {
        check_columns(&["number".into(), "subject".into()]).unwrap();
        assert!(check_columns(&[]).is_err());
        assert!(check_columns(&["number".into(), "number".into()]).is_err());
        assert!(check_columns(&["colour".into()]).is_err());
        ViewSort::default().check().unwrap();
        assert!(ViewSort { by: "colour".into(), order: "asc".into() }.check().is_err());
        assert!(ViewSort { by: "updated".into(), order: "up".into() }.check().is_err());
    }

    #[test]
    fn too_many_conditions_are_refused() {
        let c = Conditions { all: vec![cond("locked", "is", json!(true)); MAX_CONDITIONS + 1], any: vec![] };
        assert_eq!(c.check().unwrap_err().code(), "too_many");
    }
}
