//! The syntax tree of a search, and the time ranges its date terms stand
//! for. [`parse`](super::parse) builds it; its `Display` (`display.rs`)
//! writes it back in the search language.

use crate::ids::{DepartmentId, OrganizationId, UserId};
use crate::status::StatusCategory;
use crate::ticket::{Priority, TicketType};
use crate::time::Timestamp;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use std::fmt;

/// A parsed search. [`Query::And`] and [`Query::Or`] hold at least two
/// items and never directly hold an item of their own kind (the parser
/// flattens `a (b c)` to `a b c`); `Display` writes the query back in the
/// search language, and parsing that text gives the same tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// One term.
    Term(Term),
    /// Tickets that do not match.
    Not(Box<Query>),
    /// Tickets that match every item.
    And(Vec<Query>),
    /// Tickets that match at least one item.
    Or(Vec<Query>),
}

/// One search term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A word, as typed (fold it with [`fold`](super::fold) before matching).
    Text(String),
    /// A quoted phrase, as typed without its quotes and outer spaces.
    Phrase(String),
    /// `field:value`.
    Field(FieldMatch),
    /// `field<value`, `field<=value`, `field>value`, `field>=value`.
    Compare(Comparison),
    /// `has:…`.
    Has(HasWhat),
}

/// A `field:value` term. Names the database must resolve (departments,
/// people, organizations, status keys) are left as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldMatch {
    /// `status:`.
    Status(StatusValue),
    /// `priority:`.
    Priority(Priority),
    /// `type:`.
    Type(TicketType),
    /// `department:` (alias `dept:`).
    Department(NamedRef<DepartmentId>),
    /// `org:` (alias `organization:`).
    Organization(NamedRef<OrganizationId>),
    /// `assignee:`.
    Assignee(UserRef),
    /// `requester:` (never [`UserRef::Nobody`]).
    Requester(UserRef),
    /// `tag:` (alias `tags:`), lower-cased as tags are stored.
    Tag(String),
    /// `number:` or `#123456`: the public ticket number, digits only.
    Number(String),
    /// `created:2026-01-31`: a time within the day or minute.
    Date(DateField, DateSpec),
    /// `sla:breached`, `sla:running`.
    Sla(SlaState),
}

/// What `sla:` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SlaState {
    /// `sla:breached`: a target of the ticket's SLA policy was missed.
    Breached,
    /// `sla:running`: a target is still running (due, or overdue and not yet met).
    Running,
}

impl SlaState {
    /// The value as written after `sla:`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Breached => "breached",
            Self::Running => "running",
        }
    }
}

/// What `status:` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusValue {
    /// Every status of a category. Category names win over status keys, so
    /// `status:open` also finds `in_progress` tickets.
    Category(StatusCategory),
    /// A status key (lower-cased; the caller checks it exists).
    Key(String),
}

/// A department or organization: an id, or a name for the caller to look up
/// (case-insensitively). A quoted number is a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamedRef<I> {
    /// By id.
    Id(I),
    /// By name, as typed.
    Name(String),
}

/// A person in `assignee:` or `requester:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    /// `me`: the person searching.
    Me,
    /// `none`: unassigned (assignee only).
    Nobody,
    /// By user id.
    Id(UserId),
    /// By e-mail (any value with an `@`), as typed.
    Email(String),
    /// By name, as typed.
    Name(String),
}

/// A comparison term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// `status<solved`: by category order.
    Status {
        /// How to compare.
        op: CompareOp,
        /// The category compared with.
        category: StatusCategory,
    },
    /// `priority>=high`: by rank.
    Priority {
        /// How to compare.
        op: CompareOp,
        /// The priority compared with.
        priority: Priority,
    },
    /// `created>2026-01-01`, `updated<7d`.
    Date {
        /// Which time.
        field: DateField,
        /// How to compare.
        op: CompareOp,
        /// A date or an age.
        value: DateValue,
    },
    /// `sla<4h`: the next running SLA target falls due within 4 hours (or
    /// is already overdue); `sla>4h`: it falls due later than that.
    SlaDue {
        /// How to compare.
        op: CompareOp,
        /// How far ahead of now.
        within: Ago,
    },
}

/// An ordering operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CompareOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
        }
    }

    /// Whether `left <op> right`: for statuses by category order
    /// (`StatusCategory`'s `Ord`), for priorities by rank.
    pub fn holds<T: Ord>(self, left: T, right: T) -> bool {
        match self {
            Self::Lt => left < right,
            Self::Le => left <= right,
            Self::Gt => left > right,
            Self::Ge => left >= right,
        }
    }

    /// The values of `all` for which `value <op> bound` holds, e.g. the
    /// categories of `status<solved` from `StatusCategory::ALL`.
    pub fn select<T: Ord + Copy>(self, all: impl IntoIterator<Item = T>, bound: T) -> Vec<T> {
        all.into_iter().filter(|v| self.holds(*v, bound)).collect()
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A ticket time the search can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateField {
    /// `created`: `created_at`.
    Created,
    /// `updated`: `updated_at`.
    Updated,
}

impl DateField {
    /// The field name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
        }
    }
}

/// A calendar date or a minute, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateSpec {
    /// `YYYY-MM-DD`: the whole day.
    Day(NaiveDate),
    /// `YYYY-MM-DDTHH:MM`: the whole minute (seconds are zero).
    Minute(NaiveDateTime),
}

impl DateSpec {
    /// The first instant of the day or minute.
    pub fn start(self) -> Timestamp {
        match self {
            Self::Day(d) => d.and_time(NaiveTime::MIN).and_utc(),
            Self::Minute(m) => m.and_utc(),
        }
    }

    /// The first instant after the day or minute.
    pub fn end(self) -> Timestamp {
        let step = match self {
            Self::Day(_) => TimeDelta::days(1),
            Self::Minute(_) => TimeDelta::minutes(1),
        };
        self.start().checked_add_signed(step).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The times within the day or minute (`created:2026-01-31`).
    pub fn range(self) -> TimeRange {
        TimeRange { start: Some(self.start()), end: Some(self.end()) }
    }
}

impl fmt::Display for DateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Day(d) => write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
            Self::Minute(m) => {
                write!(f, "{:04}-{:02}-{:02}T{:02}:{:02}", m.year(), m.month(), m.day(), m.hour(), m.minute())
            }
        }
    }
}

/// The right side of a time comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateValue {
    /// A date or minute.
    At(DateSpec),
    /// An age: so long before now.
    Ago(Ago),
}

impl DateValue {
    /// The times `t` for which `t <op> self` holds, `now` being the time of
    /// the search (times are kept to the millisecond):
    ///
    /// | | date `D` (day or minute) | age `N` (`cut = now - N`) |
    /// | --- | --- | --- |
    /// | `<` | `t < start(D)` | younger than N: `t > cut` |
    /// | `<=` | `t < end(D)` | `t >= cut` |
    /// | `>` | `t >= end(D)` | older than N: `t < cut` |
    /// | `>=` | `t >= start(D)` | `t <= cut` |
    pub fn range(self, op: CompareOp, now: Timestamp) -> TimeRange {
        let ms = TimeDelta::milliseconds(1);
        match self {
            Self::At(d) => match op {
                CompareOp::Lt => TimeRange { start: None, end: Some(d.start()) },
                CompareOp::Le => TimeRange { start: None, end: Some(d.end()) },
                CompareOp::Gt => TimeRange { start: Some(d.end()), end: None },
                CompareOp::Ge => TimeRange { start: Some(d.start()), end: None },
            },
            Self::Ago(a) => match now.checked_sub_signed(a.duration()) {
                Some(cut) => match op {
                    CompareOp::Lt => TimeRange { start: cut.checked_add_signed(ms), end: None },
                    CompareOp::Le => TimeRange { start: Some(cut), end: None },
                    CompareOp::Gt => TimeRange { start: None, end: Some(cut) },
                    CompareOp::Ge => TimeRange { start: None, end: Some(cut.checked_add_signed(ms).unwrap_or(cut)) },
                },
                // Before the beginning of representable time: every ticket
                // is younger, none is older.
                None => match op {
                    CompareOp::Lt | CompareOp::Le => TimeRange::default(),
                    CompareOp::Gt | CompareOp::Ge => TimeRange { start: None, end: Some(DateTime::<Utc>::MIN_UTC) },
                },
            },
        }
    }
}

impl fmt::Display for DateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::At(d) => d.fmt(f),
            Self::Ago(a) => a.fmt(f),
        }
    }
}

/// An age such as `7d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ago {
    /// How many units, 1 to [`MAX_AGO`](super::MAX_AGO).
    pub amount: u32,
    /// Which unit.
    pub unit: AgoUnit,
}

/// The unit of an [`Ago`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgoUnit {
    /// `h`
    Hours,
    /// `d` (24 hours)
    Days,
    /// `w` (7 days)
    Weeks,
}

impl Ago {
    /// The age as a duration.
    pub fn duration(self) -> TimeDelta {
        let n = i64::from(self.amount);
        let d = match self.unit {
            AgoUnit::Hours => TimeDelta::try_hours(n),
            AgoUnit::Days => TimeDelta::try_days(n),
            AgoUnit::Weeks => TimeDelta::try_weeks(n),
        };
        d.unwrap_or(TimeDelta::MAX)
    }
}

impl Ago {
    /// The times `t` for which `t <op> now + self` holds: `sla<4h` asks for
    /// a due time before four hours from now (overdue ones included).
    pub fn ahead(self, op: CompareOp, now: Timestamp) -> TimeRange {
        let ms = TimeDelta::milliseconds(1);
        let cut = now.checked_add_signed(self.duration()).unwrap_or(DateTime::<Utc>::MAX_UTC);
        let after = cut.checked_add_signed(ms).unwrap_or(cut);
        match op {
            CompareOp::Lt => TimeRange { start: None, end: Some(cut) },
            CompareOp::Le => TimeRange { start: None, end: Some(after) },
            CompareOp::Gt => TimeRange { start: Some(after), end: None },
            CompareOp::Ge => TimeRange { start: Some(cut), end: None },
        }
    }
}

impl fmt::Display for Ago {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            AgoUnit::Hours => 'h',
            AgoUnit::Days => 'd',
            AgoUnit::Weeks => 'w',
        };
        write!(f, "{}{unit}", self.amount)
    }
}

/// A half-open time interval `start <= t < end`; `None` is unbounded. It
/// maps onto `created_after`/`created_before`-style filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    /// The earliest time included.
    pub start: Option<Timestamp>,
    /// The first time excluded.
    pub end: Option<Timestamp>,
}

impl TimeRange {
    /// Whether `t` is in the interval.
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start.is_none_or(|s| t >= s) && self.end.is_none_or(|e| t < e)
    }
}

/// What `has:` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HasWhat {
    /// `has:attachment` (or `has:attachments`).
    Attachment,
}

/// One free-text part of a query, for highlighting and snippets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextPart<'a> {
    /// The word or phrase as typed (not folded).
    pub text: &'a str,
    /// Whether it was a quoted phrase.
    pub phrase: bool,
}

impl Query {
    /// The words and phrases a matching ticket contains, left to right:
    /// every [`Term::Text`] and [`Term::Phrase`] that is not negated (under
    /// an odd number of `-`). Duplicates are kept.
    pub fn free_text(&self) -> Vec<TextPart<'_>> {
        let mut out = Vec::new();
        // An explicit stack: no recursion, whatever the depth of the tree.
        let mut stack: Vec<(&Query, bool)> = vec![(self, false)];
        while let Some((q, negated)) = stack.pop() {
            match q {
                Query::Term(Term::Text(t)) if !negated => out.push(TextPart { text: t, phrase: false }),
                Query::Term(Term::Phrase(t)) if !negated => out.push(TextPart { text: t, phrase: true }),
                Query::Term(_) => {}
                Query::Not(inner) => stack.push((inner, !negated)),
                Query::And(items) | Query::Or(items) => stack.extend(items.iter().rev().map(|i| (i, negated))),
            }
        }
        out
    }
}
