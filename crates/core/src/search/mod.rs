//! Search: the query language of the search box, and the text folding that
//! makes it work in our users' languages.
//!
//! # The search language
//!
//! A search is a list of terms; a ticket matches when it matches **every**
//! term. Field names and the keywords `OR`, `AND`, `me`, `none` are not case
//! sensitive, and neither is the text.
//!
//! | You type | Finds tickets |
//! | --- | --- |
//! | `refund` | with the text in the subject, a message, the requester's name or e-mail; a word of three characters or more also finds the longer words it starts (`istanbul` finds `İstanbul'da`, `fatura` finds `faturanın`), shorter words match whole words; Chinese, Japanese or Korean text matches anywhere, from one character on (see [`word_match`]) |
//! | `"server is down"` | with this exact phrase |
//! | `status:open` | in this status, or in every status of this category (`new`, `open`, `pending`, `hold`, `solved`, `closed`) |
//! | `status<solved` | before this category in the order new < open < pending < hold < solved < closed (also `<=`, `>`, `>=`) |
//! | `priority:high`, `priority>=high` | of this priority; by rank low < normal < high < urgent |
//! | `type:incident` | of this type (`question`, `incident`, `problem`, `task`) |
//! | `department:Billing`, `department:3` | in this department (name or id) |
//! | `assignee:me`, `assignee:none`, `assignee:ana@example.com` | assigned to you, to nobody, to this agent (e-mail, name or id) |
//! | `requester:"Ayşe Yılmaz"` | from this customer (e-mail, name or id; `me` is you) |
//! | `org:Acme` | of this organization (name or id) |
//! | `tag:vip` | with this tag |
//! | `#482913`, `number:482913` | with this ticket number |
//! | `has:attachment` | with at least one attachment |
//! | `created>2026-01-31` | created after that day (UTC); also `<`, `<=`, `>=` |
//! | `created<=2026-01-31T10:00` | created up to that minute (UTC) |
//! | `created:2026-01-31` | created during that day (or minute) |
//! | `updated<7d` | updated within the last 7 days (`h` hours, `d` days, `w` weeks) |
//! | `updated>2w` | last updated more than 2 weeks ago |
//! | `-tag:spam`, `-"out of office"`, `-invoice` | that do **not** match the term |
//! | `refund OR chargeback` | matching either side |
//! | `(refund OR chargeback) priority:urgent` | parentheses group terms |
//!
//! `OR` binds looser than the implied "and": `a b OR c` means `(a b) OR c`.
//! `AND` may be written between terms; it changes nothing. A value with
//! spaces goes in double quotes (`requester:"Ayşe Yılmaz"`); a quoted value is
//! taken literally, so `assignee:"me"` looks for an agent named "me" and
//! `department:"2024"` for a department named "2024". To search for text
//! that looks like a field (`error:`, a URL) or starts with `-`, or for the
//! words `or` and `and`, put it in quotes.
//!
//! Dates are UTC, written `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`. A date stands
//! for its whole day (a date with a time for its whole minute): `>` means
//! after it, `>=` from its start, `<` before it, `<=` up to its end. An age
//! compares how long ago the time was: `<7d` is less than 7 days ago
//! ("within the last 7 days"), `>7d` more than 7 days ago; `<=`, `>=` include
//! the boundary instant. Ages go from 1 to 100000 units.
//!
//! A search holds at most 500 characters and nests parentheses and `-` at
//! most 20 deep. A mistake (an unknown field, a bad value, an unbalanced
//! quote or parenthesis, an `OR` or `-` with nothing to apply to) is
//! reported with what is wrong and where.
//!
//! # Folding: how text matches across case
//!
//! The query and the indexed text both go through [`fold`], and match when
//! their folded forms match. [`fold`] lowercases with Unicode's rules and
//! then merges a few letters that users type interchangeably:
//!
//! - **Turkish I.** `I`, `İ`, `ı` and `i` all fold to `i` (and a combining
//!   dot above after an `i`, from a decomposed `İ`, is dropped). Plain
//!   `to_lowercase` maps `I` to `i` and `İ` to `i̇` (two characters), so
//!   `IŞIK` would never find `ışık` and `İSTANBUL` would never find
//!   `istanbul`. Turkish-only folding (`I`→`ı`, `İ`→`i`) would fix Turkish but
//!   break every other language (`INVOICE` would not find `invoice`), and a
//!   search cannot know the language of each ticket. Merging the four
//!   letters makes both `IŞIK`→`işik`←`ışık` and `İSTANBUL`→`istanbul`
//!   match; the cost is that `kıl` also finds `kil`, which is rare and
//!   harmless in a search box.
//! - **Russian ё.** `ё`/`Ё` fold to `е`: Russian text routinely writes `е`
//!   for `ё` (`еще`/`ещё`), so a search for either finds both.
//!   Cyrillic case folds as usual (`ПРИВЕТ` → `привет`).
//! - **German ß** folds to `ss` and Greek final `ς` to `σ`, as Unicode case
//!   folding does.
//! - **Full-width forms** (`ＡＢＣ１２３`, common in Chinese and Japanese input)
//!   fold to their ASCII letters and digits, and the ideographic space to a
//!   space.
//! - Everything else, including Chinese, Japanese and Korean text, is
//!   unchanged. Accents are kept: `ş`, `ç`, `ğ`, `ö`, `ü` are letters of
//!   their own in Turkish.
//!
//! # Indexing plan (SQLite)
//!
//! What the SQLite store implements (see `docs/search.md` and decision 21 in
//! `docs/decisions.md` for the measurements):
//!
//! - **A word index.** One FTS5 document per ticket holding
//!   [`index_tokens`]`(&`[`fold`]`(text))` joined by spaces, in a table with
//!   `tokenize = 'ascii'` (which splits only on the ASCII spaces and
//!   punctuation [`index_tokens`] has already removed, so it keeps the tokens
//!   exactly; SQLite's own folding, which gets `İ`/`ı` wrong, never runs).
//!   Words of any script are tokens; runs of Chinese, Japanese or Korean
//!   characters become overlapping **bigrams** plus the run's last character
//!   alone (`退款申请` → `退款 款申 申请 请`).
//! - **Queries** are planned by [`word_match`]: the term's tokens as a
//!   phrase, the last one a prefix when it is a word of three characters or
//!   more (Turkish and Russian need it: `fatura` must find `faturanın`,
//!   `счет` must find `счета`) or a lone CJK character (`退` finds `退款`);
//!   a CJK run of two characters or more is a phrase of its bigrams, found
//!   wherever it is. [`find_term`] finds the same matches in a text for
//!   highlighting.
//!
//! The alternative first planned here — a trigram table over the folded
//! text ([`text_match`]'s [`TextMatch::Substring`]), which also matches
//! inside words, plus a short-term table for one- and two-character terms —
//! measured four times larger (3 GB for a million tickets) and ten times
//! slower to count a common word; [`text_match`] and [`match_ranges`] remain
//! for a backend that wants substrings.

use crate::error::DomainError;
use crate::ids::{DepartmentId, OrganizationId, UserId};
use crate::status::StatusCategory;
use crate::ticket::{Priority, TicketType};
use crate::time::Timestamp;
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Utc};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;
use thiserror::Error;

/// The longest search, in characters.
pub const MAX_QUERY_CHARS: usize = 500;
/// How deep parentheses and negations may nest.
pub const MAX_DEPTH: usize = 20;
/// The largest age (`100000d`).
pub const MAX_AGO: u32 = 100_000;

// ---------------------------------------------------------------------------
// The syntax tree
// ---------------------------------------------------------------------------

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
    /// A word, as typed (fold it with [`fold`] before matching).
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
    /// How many units, 1 to [`MAX_AGO`].
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

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// A search that cannot be parsed: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{kind} (at byte {offset})")]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// The byte offset in the search where the problem starts.
    pub offset: usize,
}

/// The kinds of [`ParseError`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseErrorKind {
    /// Nothing but spaces.
    #[error("the search is empty")]
    Empty,
    /// More than [`MAX_QUERY_CHARS`] characters.
    #[error("the search is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Parentheses and negations nested more than [`MAX_DEPTH`] deep.
    #[error("the search nests parentheses and '-' more than {max} levels deep")]
    TooDeep {
        /// The limit.
        max: usize,
    },
    /// A `"` without its closing `"`.
    #[error("this quote is never closed")]
    UnbalancedQuote,
    /// A `(` without its `)`.
    #[error("this parenthesis is never closed")]
    UnclosedParen,
    /// A `)` without its `(`.
    #[error("this closing parenthesis has no opening one")]
    UnexpectedParen,
    /// `()`.
    #[error("the parentheses are empty")]
    EmptyGroup,
    /// `""`.
    #[error("the quotes are empty")]
    EmptyPhrase,
    /// `foo:bar` with an unknown `foo`.
    #[error(
        "unknown field '{field}'; the fields are status, priority, type, department, assignee, requester, org, tag, \
         number, has, created and updated (to search for the text, put it in double quotes)"
    )]
    UnknownField {
        /// The field as typed.
        field: String,
    },
    /// A comparison on a field that only takes `:`.
    #[error("'{field}' cannot be compared with '{op}'; use '{field}:'")]
    UnsupportedOperator {
        /// The field.
        field: &'static str,
        /// The operator.
        op: &'static str,
    },
    /// `status:` with nothing after it.
    #[error("'{field}' needs a value")]
    MissingValue {
        /// The field.
        field: &'static str,
    },
    /// A value the field does not take.
    #[error("'{value}' is not a valid {field}: expected {expected}")]
    BadValue {
        /// The field.
        field: &'static str,
        /// The value as typed.
        value: String,
        /// What the field takes.
        expected: &'static str,
    },
    /// `OR`, `AND` or `-` with no term to apply to.
    #[error("{}", dangling_message(.op))]
    DanglingOperator {
        /// `OR`, `AND` or `-`.
        op: &'static str,
    },
}

fn dangling_message(op: &str) -> String {
    if op == "-" {
        "'-' must be followed directly (without a space) by the term it excludes".to_string()
    } else {
        format!("'{op}' must stand between two search terms")
    }
}

impl ParseError {
    fn new(kind: ParseErrorKind, offset: usize) -> Self {
        Self { kind, offset }
    }

    /// A stable snake_case code for API answers.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ParseErrorKind::Empty => "empty_query",
            ParseErrorKind::TooLong { .. } => "query_too_long",
            ParseErrorKind::TooDeep { .. } => "query_too_deep",
            ParseErrorKind::UnbalancedQuote => "unbalanced_quote",
            ParseErrorKind::UnclosedParen | ParseErrorKind::UnexpectedParen => "unbalanced_parenthesis",
            ParseErrorKind::EmptyGroup => "empty_group",
            ParseErrorKind::EmptyPhrase => "empty_phrase",
            ParseErrorKind::UnknownField { .. } => "unknown_field",
            ParseErrorKind::UnsupportedOperator { .. } => "unsupported_operator",
            ParseErrorKind::MissingValue { .. } => "missing_value",
            ParseErrorKind::BadValue { .. } => "invalid_value",
            ParseErrorKind::DanglingOperator { .. } => "dangling_operator",
        }
    }
}

/// A search error is a bad input value (a 4xx) on the field `q`.
impl From<ParseError> for DomainError {
    fn from(e: ParseError) -> Self {
        DomainError::invalid("q", e.code(), e.to_string())
    }
}

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Colon,
    Cmp(CompareOp),
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Self::Colon => ":",
            Self::Cmp(c) => c.as_str(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    LParen,
    RParen,
    Minus,
    Or,
    And,
    Word(&'a str),
    Phrase(&'a str),
    Field { name: &'a str, op: Op, value: &'a str, quoted: bool, value_at: usize },
}

/// Characters that end a bare word or value.
fn is_stop(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

fn lex(src: &str) -> Result<Vec<(Tok<'_>, usize)>, ParseError> {
    let mut out = Vec::new();
    let mut pos = 0;
    // The end of a bare run starting at `from`.
    let run_end = |from: usize| from + src[from..].find(is_stop).unwrap_or(src.len() - from);
    // A quoted string whose `"` is at `at`: its body and the offset after it.
    let quoted = |at: usize| -> Result<(&str, usize), ParseError> {
        let body = at + 1;
        match src[body..].find('"') {
            Some(k) => Ok((&src[body..body + k], body + k + 1)),
            None => Err(ParseError::new(ParseErrorKind::UnbalancedQuote, at)),
        }
    };
    loop {
        let rest = &src[pos..];
        let trimmed = rest.trim_start();
        pos += rest.len() - trimmed.len();
        let Some(c) = trimmed.chars().next() else { break };
        let at = pos;
        match c {
            '(' => {
                out.push((Tok::LParen, at));
                pos += 1;
            }
            ')' => {
                out.push((Tok::RParen, at));
                pos += 1;
            }
            '"' => {
                let (body, end) = quoted(at)?;
                let body = body.trim();
                if body.is_empty() {
                    return Err(ParseError::new(ParseErrorKind::EmptyPhrase, at));
                }
                out.push((Tok::Phrase(body), at));
                pos = end;
            }
            '-' => {
                if trimmed[1..].chars().next().is_none_or(char::is_whitespace) {
                    return Err(ParseError::new(ParseErrorKind::DanglingOperator { op: "-" }, at));
                }
                out.push((Tok::Minus, at));
                pos += 1;
            }
            _ => {
                let ident_len = trimmed.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(trimmed.len());
                let ident = &trimmed[..ident_len];
                let after = &trimmed[ident_len..];
                let op = if after.starts_with("<=") {
                    Some((Op::Cmp(CompareOp::Le), 2))
                } else if after.starts_with(">=") {
                    Some((Op::Cmp(CompareOp::Ge), 2))
                } else if after.starts_with('<') {
                    Some((Op::Cmp(CompareOp::Lt), 1))
                } else if after.starts_with('>') {
                    Some((Op::Cmp(CompareOp::Gt), 1))
                } else if after.starts_with(':') {
                    Some((Op::Colon, 1))
                } else {
                    None
                };
                match op {
                    Some((op, op_len)) if ident.starts_with(char::is_alphabetic) => {
                        let value_at = at + ident_len + op_len;
                        let (value, quoted_value, end) = if src[value_at..].starts_with('"') {
                            let (body, end) = quoted(value_at)?;
                            (body.trim(), true, end)
                        } else {
                            let end = run_end(value_at);
                            (&src[value_at..end], false, end)
                        };
                        out.push((Tok::Field { name: ident, op, value, quoted: quoted_value, value_at }, at));
                        pos = end;
                    }
                    _ => {
                        let end = run_end(at);
                        let word = &src[at..end];
                        let tok = if word.eq_ignore_ascii_case("or") {
                            Tok::Or
                        } else if word.eq_ignore_ascii_case("and") {
                            Tok::And
                        } else {
                            Tok::Word(word)
                        };
                        out.push((tok, at));
                        pos = end;
                    }
                }
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

/// Parses a search. Any input either parses or returns an error; parsing
/// never panics, and its work is bounded by [`MAX_QUERY_CHARS`] and
/// [`MAX_DEPTH`].
pub fn parse(input: &str) -> Result<Query, ParseError> {
    if let Some((at, _)) = input.char_indices().nth(MAX_QUERY_CHARS) {
        return Err(ParseError::new(ParseErrorKind::TooLong { max: MAX_QUERY_CHARS }, at));
    }
    let toks = lex(input)?;
    if toks.is_empty() {
        return Err(ParseError::new(ParseErrorKind::Empty, 0));
    }
    let mut p = Parser { toks, i: 0, end: input.len() };
    let q = p.or(0)?;
    match p.peek() {
        None => Ok(q),
        Some((Tok::RParen, at)) => Err(ParseError::new(ParseErrorKind::UnexpectedParen, at)),
        // `or` stops only at the end or a `)`.
        Some((_, at)) => Err(ParseError::new(ParseErrorKind::UnexpectedParen, at)),
    }
}

impl FromStr for Query {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

struct Parser<'a> {
    toks: Vec<(Tok<'a>, usize)>,
    i: usize,
    end: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<(Tok<'a>, usize)> {
        self.toks.get(self.i).copied()
    }

    fn bump(&mut self) {
        self.i += 1;
    }

    /// `and ( OR and )*`
    fn or(&mut self, depth: usize) -> Result<Query, ParseError> {
        let mut items = Vec::new();
        loop {
            if let Some((Tok::Or, at)) = self.peek() {
                return Err(ParseError::new(ParseErrorKind::DanglingOperator { op: "OR" }, at));
            }
            push_flat(&mut items, self.and(depth)?, true);
            match self.peek() {
                Some((Tok::Or, at)) => {
                    self.bump();
                    if matches!(self.peek(), None | Some((Tok::RParen | Tok::Or, _))) {
                        return Err(ParseError::new(ParseErrorKind::DanglingOperator { op: "OR" }, at));
                    }
                }
                _ => break,
            }
        }
        Ok(collapse(items, Query::Or))
    }

    /// `unary ( [AND] unary )*`, up to an `OR`, a `)` or the end.
    fn and(&mut self, depth: usize) -> Result<Query, ParseError> {
        let mut items = Vec::new();
        loop {
            match self.peek() {
                None | Some((Tok::RParen | Tok::Or, _)) => break,
                Some((Tok::And, at)) => {
                    self.bump();
                    if items.is_empty() || matches!(self.peek(), None | Some((Tok::RParen | Tok::Or | Tok::And, _))) {
                        return Err(ParseError::new(ParseErrorKind::DanglingOperator { op: "AND" }, at));
                    }
                }
                Some(_) => push_flat(&mut items, self.unary(depth)?, false),
            }
        }
        if items.is_empty() {
            return Err(match self.peek() {
                Some((Tok::RParen, at)) => ParseError::new(ParseErrorKind::UnexpectedParen, at),
                Some((_, at)) => ParseError::new(ParseErrorKind::DanglingOperator { op: "OR" }, at),
                None => ParseError::new(ParseErrorKind::Empty, self.end),
            });
        }
        Ok(collapse(items, Query::And))
    }

    /// `-unary | primary`
    fn unary(&mut self, depth: usize) -> Result<Query, ParseError> {
        match self.peek() {
            Some((Tok::Minus, at)) => {
                self.bump();
                if depth + 1 > MAX_DEPTH {
                    return Err(ParseError::new(ParseErrorKind::TooDeep { max: MAX_DEPTH }, at));
                }
                if matches!(self.peek(), None | Some((Tok::RParen | Tok::Or | Tok::And, _))) {
                    return Err(ParseError::new(ParseErrorKind::DanglingOperator { op: "-" }, at));
                }
                Ok(Query::Not(Box::new(self.unary(depth + 1)?)))
            }
            _ => self.primary(depth),
        }
    }

    /// `( or ) | term`
    fn primary(&mut self, depth: usize) -> Result<Query, ParseError> {
        let Some((tok, at)) = self.peek() else {
            return Err(ParseError::new(ParseErrorKind::Empty, self.end));
        };
        self.bump();
        match tok {
            Tok::LParen => {
                if depth + 1 > MAX_DEPTH {
                    return Err(ParseError::new(ParseErrorKind::TooDeep { max: MAX_DEPTH }, at));
                }
                match self.peek() {
                    Some((Tok::RParen, _)) => return Err(ParseError::new(ParseErrorKind::EmptyGroup, at)),
                    None => return Err(ParseError::new(ParseErrorKind::UnclosedParen, at)),
                    _ => {}
                }
                let q = self.or(depth + 1)?;
                match self.peek() {
                    Some((Tok::RParen, _)) => {
                        self.bump();
                        Ok(q)
                    }
                    _ => Err(ParseError::new(ParseErrorKind::UnclosedParen, at)),
                }
            }
            Tok::Word(w) => word_term(w, at).map(Query::Term),
            Tok::Phrase(p) => Ok(Query::Term(Term::Phrase(p.to_string()))),
            Tok::Field { name, op, value, quoted, value_at } => {
                field_term(name, op, value, quoted, at, value_at).map(Query::Term)
            }
            Tok::RParen => Err(ParseError::new(ParseErrorKind::UnexpectedParen, at)),
            Tok::Or => Err(ParseError::new(ParseErrorKind::DanglingOperator { op: "OR" }, at)),
            Tok::And => Err(ParseError::new(ParseErrorKind::DanglingOperator { op: "AND" }, at)),
            Tok::Minus => Err(ParseError::new(ParseErrorKind::DanglingOperator { op: "-" }, at)),
        }
    }
}

/// Adds `q` to an AND (`or == false`) or OR list, flattening a nested list
/// of the same kind.
fn push_flat(items: &mut Vec<Query>, q: Query, or: bool) {
    match q {
        Query::Or(inner) if or => items.extend(inner),
        Query::And(inner) if !or => items.extend(inner),
        q => items.push(q),
    }
}

fn collapse(mut items: Vec<Query>, make: fn(Vec<Query>) -> Query) -> Query {
    if items.len() == 1
        && let Some(q) = items.pop()
    {
        return q;
    }
    make(items)
}

fn word_term(w: &str, at: usize) -> Result<Term, ParseError> {
    if let Some(digits) = w.strip_prefix('#')
        && all_digits(digits)
    {
        return number(digits, at + 1).map(|n| Term::Field(FieldMatch::Number(n)));
    }
    Ok(Term::Text(w.to_string()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldName {
    Status,
    Priority,
    Type,
    Department,
    Organization,
    Assignee,
    Requester,
    Tag,
    Number,
    Has,
    Created,
    Updated,
    Sla,
}

impl FieldName {
    fn parse(s: &str) -> Option<Self> {
        Some(match s.to_lowercase().as_str() {
            "status" => Self::Status,
            "priority" => Self::Priority,
            "type" => Self::Type,
            "department" | "dept" => Self::Department,
            "org" | "organization" => Self::Organization,
            "assignee" => Self::Assignee,
            "requester" => Self::Requester,
            "tag" | "tags" => Self::Tag,
            "number" => Self::Number,
            "has" => Self::Has,
            "created" => Self::Created,
            "updated" => Self::Updated,
            "sla" => Self::Sla,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Status => "status",
            Self::Priority => "priority",
            Self::Type => "type",
            Self::Department => "department",
            Self::Organization => "org",
            Self::Assignee => "assignee",
            Self::Requester => "requester",
            Self::Tag => "tag",
            Self::Number => "number",
            Self::Has => "has",
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Sla => "sla",
        }
    }
}

const EXPECT_STATUS: &str = "a status key or a category (new, open, pending, hold, solved, closed)";
const EXPECT_CATEGORY: &str = "a status category (new, open, pending, hold, solved, closed)";
const EXPECT_PRIORITY: &str = "low, normal, high or urgent";
const EXPECT_TYPE: &str = "question, incident, problem or task";
const EXPECT_ID: &str = "an id or a name (put a name made of digits in quotes)";
const EXPECT_TAG: &str = "a tag of 1 to 64 characters without spaces or commas";
const EXPECT_NUMBER: &str = "a ticket number (1 to 20 digits)";
const EXPECT_HAS: &str = "attachment";
const EXPECT_DATE: &str = "a date (2026-01-31 or 2026-01-31T10:00, UTC) or an age (12h, 7d, 2w; 1 to 100000)";
const EXPECT_DAY: &str = "a date (2026-01-31 or 2026-01-31T10:00, UTC); for an age write created<7d or created>7d";
const EXPECT_SLA: &str = "breached or running";
const EXPECT_SLA_DUE: &str = "an amount of time ahead (4h, 2d, 1w; 1 to 100000), as in sla<4h";
const EXPECT_REQUESTER: &str = "me, an e-mail, a name or an id (every ticket has a requester)";

fn field_term(name: &str, op: Op, value: &str, quoted: bool, at: usize, value_at: usize) -> Result<Term, ParseError> {
    let Some(field) = FieldName::parse(name) else {
        return Err(ParseError::new(ParseErrorKind::UnknownField { field: name.to_string() }, at));
    };
    let fname = field.as_str();
    if value.is_empty() {
        return Err(ParseError::new(ParseErrorKind::MissingValue { field: fname }, at));
    }
    let bad = |expected: &'static str| {
        ParseError::new(ParseErrorKind::BadValue { field: fname, value: value.to_string(), expected }, value_at)
    };
    let lower = value.to_lowercase();
    let cmp = match op {
        Op::Colon => None,
        Op::Cmp(c) => Some(c),
    };
    let only_colon = || {
        if cmp.is_some() {
            Err(ParseError::new(ParseErrorKind::UnsupportedOperator { field: fname, op: op.as_str() }, at))
        } else {
            Ok(())
        }
    };
    let term = match field {
        FieldName::Status => match cmp {
            None => match StatusCategory::parse(&lower) {
                Some(c) => Term::Field(FieldMatch::Status(StatusValue::Category(c))),
                None if is_status_key(&lower) => Term::Field(FieldMatch::Status(StatusValue::Key(lower))),
                None => return Err(bad(EXPECT_STATUS)),
            },
            Some(op) => {
                let category = StatusCategory::parse(&lower).ok_or_else(|| bad(EXPECT_CATEGORY))?;
                Term::Compare(Comparison::Status { op, category })
            }
        },
        FieldName::Priority => {
            let priority = Priority::parse(&lower).ok_or_else(|| bad(EXPECT_PRIORITY))?;
            match cmp {
                None => Term::Field(FieldMatch::Priority(priority)),
                Some(op) => Term::Compare(Comparison::Priority { op, priority }),
            }
        }
        FieldName::Type => {
            only_colon()?;
            Term::Field(FieldMatch::Type(TicketType::parse(&lower).ok_or_else(|| bad(EXPECT_TYPE))?))
        }
        FieldName::Department => {
            only_colon()?;
            Term::Field(FieldMatch::Department(named_ref(value, quoted).ok_or_else(|| bad(EXPECT_ID))?))
        }
        FieldName::Organization => {
            only_colon()?;
            Term::Field(FieldMatch::Organization(named_ref(value, quoted).ok_or_else(|| bad(EXPECT_ID))?))
        }
        FieldName::Assignee => {
            only_colon()?;
            Term::Field(FieldMatch::Assignee(user_ref(value, quoted).ok_or_else(|| bad(EXPECT_ID))?))
        }
        FieldName::Requester => {
            only_colon()?;
            match user_ref(value, quoted) {
                Some(UserRef::Nobody) => return Err(bad(EXPECT_REQUESTER)),
                Some(r) => Term::Field(FieldMatch::Requester(r)),
                None => return Err(bad(EXPECT_ID)),
            }
        }
        FieldName::Tag => {
            only_colon()?;
            let ok =
                lower.chars().count() <= 64 && !lower.chars().any(|c| c.is_whitespace() || c == ',' || c.is_control());
            if !ok {
                return Err(bad(EXPECT_TAG));
            }
            Term::Field(FieldMatch::Tag(lower))
        }
        FieldName::Number => {
            only_colon()?;
            let digits = value.strip_prefix('#').unwrap_or(value);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(EXPECT_NUMBER));
            }
            Term::Field(FieldMatch::Number(number(digits, value_at)?))
        }
        FieldName::Has => {
            only_colon()?;
            match lower.as_str() {
                "attachment" | "attachments" => Term::Has(HasWhat::Attachment),
                _ => return Err(bad(EXPECT_HAS)),
            }
        }
        FieldName::Created | FieldName::Updated => {
            let df = if field == FieldName::Created { DateField::Created } else { DateField::Updated };
            match cmp {
                None => Term::Field(FieldMatch::Date(df, parse_date_spec(value).ok_or_else(|| bad(EXPECT_DAY))?)),
                Some(op) => {
                    let v = match parse_date_spec(value) {
                        Some(d) => DateValue::At(d),
                        None => DateValue::Ago(parse_ago(value).ok_or_else(|| bad(EXPECT_DATE))?),
                    };
                    Term::Compare(Comparison::Date { field: df, op, value: v })
                }
            }
        }
        FieldName::Sla => match cmp {
            None => match lower.as_str() {
                "breached" => Term::Field(FieldMatch::Sla(SlaState::Breached)),
                "running" => Term::Field(FieldMatch::Sla(SlaState::Running)),
                _ => return Err(bad(EXPECT_SLA)),
            },
            Some(op) => {
                Term::Compare(Comparison::SlaDue { op, within: parse_ago(value).ok_or_else(|| bad(EXPECT_SLA_DUE))? })
            }
        },
    };
    Ok(term)
}

fn number(digits: &str, at: usize) -> Result<String, ParseError> {
    if digits.len() > 20 {
        return Err(ParseError::new(
            ParseErrorKind::BadValue { field: "number", value: digits.to_string(), expected: EXPECT_NUMBER },
            at,
        ));
    }
    Ok(digits.to_string())
}

fn is_status_key(s: &str) -> bool {
    s.len() <= 40
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// An id (unquoted digits) or a name; `None` for digits too long for an id.
fn named_ref<I: From<i64>>(value: &str, quoted: bool) -> Option<NamedRef<I>> {
    if !quoted && all_digits(value) {
        return value.parse::<i64>().ok().map(|n| NamedRef::Id(I::from(n)));
    }
    Some(NamedRef::Name(value.to_string()))
}

fn user_ref(value: &str, quoted: bool) -> Option<UserRef> {
    if !quoted {
        if value.eq_ignore_ascii_case("me") {
            return Some(UserRef::Me);
        }
        if value.eq_ignore_ascii_case("none") {
            return Some(UserRef::Nobody);
        }
        if all_digits(value) {
            return value.parse::<i64>().ok().map(|n| UserRef::Id(UserId(n)));
        }
    }
    if value.contains('@') { Some(UserRef::Email(value.to_string())) } else { Some(UserRef::Name(value.to_string())) }
}

fn digits_u32(s: &str) -> Option<u32> {
    if all_digits(s) { s.parse().ok() } else { None }
}

/// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`.
fn parse_date_spec(v: &str) -> Option<DateSpec> {
    if !v.is_ascii() {
        return None;
    }
    let (date, time) = match v.find(['T', 't']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    if date.len() != 10 || &date[4..5] != "-" || &date[7..8] != "-" {
        return None;
    }
    let year = i32::try_from(digits_u32(&date[..4])?).ok()?;
    let day = NaiveDate::from_ymd_opt(year, digits_u32(&date[5..7])?, digits_u32(&date[8..10])?)?;
    match time {
        None => Some(DateSpec::Day(day)),
        Some(t) => {
            if t.len() != 5 || &t[2..3] != ":" {
                return None;
            }
            let dt = day.and_hms_opt(digits_u32(&t[..2])?, digits_u32(&t[3..])?, 0)?;
            Some(DateSpec::Minute(dt))
        }
    }
}

/// `Nh`, `Nd`, `Nw` with 1 <= N <= MAX_AGO.
fn parse_ago(v: &str) -> Option<Ago> {
    let unit = match v.chars().last()?.to_ascii_lowercase() {
        'h' => AgoUnit::Hours,
        'd' => AgoUnit::Days,
        'w' => AgoUnit::Weeks,
        _ => return None,
    };
    let digits = &v[..v.len() - 1];
    if digits.len() > 9 {
        return None;
    }
    let amount = digits_u32(digits)?;
    (1..=MAX_AGO).contains(&amount).then_some(Ago { amount, unit })
}

// ---------------------------------------------------------------------------
// Display: back to the search language
// ---------------------------------------------------------------------------

/// Writes a value bare, or in quotes when it would not read back the same.
fn write_value(f: &mut fmt::Formatter<'_>, v: &str, force_quotes: bool) -> fmt::Result {
    if force_quotes || v.is_empty() || v.chars().any(is_stop) { write!(f, "\"{v}\"") } else { f.write_str(v) }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Term(t) => t.fmt(f),
            Self::Not(inner) => match **inner {
                Self::Term(_) | Self::Not(_) => write!(f, "-{inner}"),
                _ => write!(f, "-({inner})"),
            },
            Self::And(items) => {
                for (i, q) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    match q {
                        Self::Or(_) | Self::And(_) => write!(f, "({q})")?,
                        _ => q.fmt(f)?,
                    }
                }
                Ok(())
            }
            Self::Or(items) => {
                for (i, q) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" OR ")?;
                    }
                    match q {
                        Self::Or(_) => write!(f, "({q})")?,
                        _ => q.fmt(f)?,
                    }
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(w) => f.write_str(w),
            Self::Phrase(p) => write!(f, "\"{p}\""),
            Self::Field(m) => m.fmt(f),
            Self::Compare(c) => c.fmt(f),
            Self::Has(HasWhat::Attachment) => f.write_str("has:attachment"),
        }
    }
}

impl fmt::Display for FieldMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(StatusValue::Category(c)) => write!(f, "status:{c}"),
            Self::Status(StatusValue::Key(k)) => write!(f, "status:{k}"),
            Self::Priority(p) => write!(f, "priority:{}", p.as_str()),
            Self::Type(t) => write!(f, "type:{}", t.as_str()),
            Self::Department(r) => {
                f.write_str("department:")?;
                write_named(f, r)
            }
            Self::Organization(r) => {
                f.write_str("org:")?;
                write_named(f, r)
            }
            Self::Assignee(r) => {
                f.write_str("assignee:")?;
                write_user(f, r)
            }
            Self::Requester(r) => {
                f.write_str("requester:")?;
                write_user(f, r)
            }
            Self::Tag(t) => {
                f.write_str("tag:")?;
                write_value(f, t, false)
            }
            Self::Number(n) => write!(f, "#{n}"),
            Self::Date(field, d) => write!(f, "{}:{d}", field.as_str()),
            Self::Sla(s) => write!(f, "sla:{}", s.as_str()),
        }
    }
}

fn write_named<I: fmt::Display>(f: &mut fmt::Formatter<'_>, r: &NamedRef<I>) -> fmt::Result {
    match r {
        NamedRef::Id(id) => write!(f, "{id}"),
        NamedRef::Name(n) => write_value(f, n, all_digits(n)),
    }
}

fn write_user(f: &mut fmt::Formatter<'_>, r: &UserRef) -> fmt::Result {
    match r {
        UserRef::Me => f.write_str("me"),
        UserRef::Nobody => f.write_str("none"),
        UserRef::Id(id) => write!(f, "{id}"),
        UserRef::Email(e) => write_value(f, e, false),
        UserRef::Name(n) => {
            let keyword = n.eq_ignore_ascii_case("me") || n.eq_ignore_ascii_case("none") || all_digits(n);
            write_value(f, n, keyword)
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status { op, category } => write!(f, "status{op}{category}"),
            Self::Priority { op, priority } => write!(f, "priority{op}{}", priority.as_str()),
            Self::Date { field, op, value } => write!(f, "{}{op}{value}", field.as_str()),
            Self::SlaDue { op, within } => write!(f, "sla{op}{within}"),
        }
    }
}

// ---------------------------------------------------------------------------
// Folding and tokens
// ---------------------------------------------------------------------------

/// Folds text for matching: the same function runs over indexed text and
/// over the query, so they match whatever the case. See the module docs for
/// the rules (Turkish `I`/`İ`/`ı`/`i` → `i`, `ё` → `е`, `ß` → `ss`,
/// full-width ASCII → ASCII, Unicode lowercase for the rest, CJK unchanged).
/// Idempotent: `fold(&fold(s)) == fold(s)`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, |_, _| {}, &mut out);
    out
}

/// Folds `text`, calling `mapped(from, to)` for every input character with
/// the byte range of `out` its folding produced (possibly empty).
fn fold_into(text: &str, mut mapped: impl FnMut(Range<usize>, Range<usize>), out: &mut String) {
    for (i, orig) in text.char_indices() {
        let from = out.len();
        let c = match orig {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(orig as u32 - 0xFEE0).unwrap_or(orig),
            '\u{3000}' => ' ',
            c => c,
        };
        match c {
            // The combining dot of a decomposed `İ` (or of `i̇`) goes with the i.
            '\u{307}' if out.ends_with('i') => {}
            'İ' => out.push('i'),
            c => {
                for l in c.to_lowercase() {
                    match l {
                        'ı' => out.push('i'),
                        'ё' => out.push('е'),
                        'ς' => out.push('σ'),
                        'ß' => out.push_str("ss"),
                        l => out.push(l),
                    }
                }
            }
        }
        mapped(i..i + orig.len_utf8(), from..out.len());
    }
}

/// Chinese, Japanese and Korean characters: text without spaces between
/// words, indexed as bigrams.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x11FF       // Hangul Jamo
        | 0x3040..=0x30FF     // Hiragana, Katakana
        | 0x3130..=0x318F     // Hangul compatibility Jamo
        | 0x31F0..=0x31FF     // Katakana extension
        | 0x3400..=0x4DBF     // CJK extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xAC00..=0xD7AF     // Hangul syllables
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0xFF66..=0xFF9F     // half-width Katakana
        | 0x20000..=0x3134F // CJK extensions B to G
    )
}

/// Characters between tokens: spaces, controls, punctuation and symbols.
/// Letters, digits and combining marks (of any script) are token characters.
fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !c.is_ascii_alphanumeric();
    }
    c.is_whitespace()
        || c.is_control()
        || matches!(c as u32,
            0xA1..=0xBF           // Latin-1 punctuation and signs
            | 0xD7 | 0xF7         // × ÷
            | 0x2000..=0x2BFF     // general punctuation, symbols, arrows, shapes
            | 0x2E00..=0x2E7F     // supplemental punctuation
            | 0x3000..=0x303F     // CJK punctuation (、。「」…)
            | 0xFE10..=0xFE1F     // vertical forms
            | 0xFE30..=0xFE6F     // CJK compatibility forms, small forms
            | 0xFF00..=0xFF65     // full-width punctuation, half-width CJK punctuation
            | 0x1F000..=0x1FAFF // emoji and pictographs
        ) && !c.is_alphanumeric()
}

/// Splits folded text into tokens (slices of it). In index mode a CJK run
/// ends with its last character alone, so prefix queries find a single
/// character anywhere; in query mode it does not. Returns the tokens and
/// whether the last one is a lone CJK character (to be looked up by prefix).
fn tokens(folded: &str, index: bool) -> (Vec<&str>, bool) {
    /// Ends a CJK run: its last character alone in index mode, or when the
    /// run is that one character.
    fn flush_run<'a>(
        folded: &'a str,
        out: &mut Vec<&'a str>,
        run: &mut usize,
        last: &Range<usize>,
        index: bool,
    ) -> bool {
        let lone = *run == 1;
        if lone || (*run > 1 && index) {
            out.push(&folded[last.clone()]);
        }
        let pushed = lone || (*run > 1 && index);
        *run = 0;
        pushed && lone
    }
    let mut out = Vec::new();
    let mut word: Option<usize> = None;
    // The current CJK run: its length in characters and its last character.
    let mut run = 0usize;
    let mut last: Range<usize> = 0..0;
    let mut lone_last = false;
    for (i, c) in folded.char_indices() {
        let here = i..i + c.len_utf8();
        let cjk = is_cjk(c);
        let sep = !cjk && is_separator(c);
        if (sep || cjk)
            && let Some(start) = word.take()
        {
            out.push(&folded[start..i]);
            lone_last = false;
        }
        if cjk {
            if run > 0 {
                out.push(&folded[last.start..here.end]);
                lone_last = false;
            }
            run += 1;
            last = here;
        } else {
            if run > 0 {
                lone_last = flush_run(folded, &mut out, &mut run, &last, index);
            }
            if !sep && word.is_none() {
                word = Some(i);
            }
        }
    }
    if let Some(start) = word {
        out.push(&folded[start..]);
        lone_last = false;
    }
    if run > 0 {
        lone_last = flush_run(folded, &mut out, &mut run, &last, index);
    }
    (out, lone_last)
}

/// The tokens of the short-term index for already [`fold`]ed text: words of
/// non-CJK text whole; runs of CJK characters as overlapping bigrams followed
/// by the run's last character alone (`退款申请` → `退款`, `款申`, `申请`,
/// `请`). Punctuation, symbols and spaces separate tokens and are dropped.
/// Store them joined by spaces in an FTS5 table with `tokenize = 'ascii'`.
pub fn index_tokens(folded: &str) -> Vec<&str> {
    tokens(folded, true).0
}

/// How to look up one word or phrase of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextMatch {
    /// Three characters or more: a substring match on the trigram index.
    Substring(String),
    /// One or two characters: a phrase of tokens on the short-term index;
    /// `prefix` when the last token is a lone CJK character, to be matched
    /// by prefix (it may be the first half of any bigram).
    Tokens {
        /// The tokens, in order.
        tokens: Vec<String>,
        /// Match the last token by prefix.
        prefix: bool,
    },
}

impl TextMatch {
    /// The FTS5 `MATCH` expression: `"…"` for the trigram table, `"a b"` or
    /// `"a b" *` for the short-term table.
    pub fn fts5_query(&self) -> String {
        match self {
            Self::Substring(s) => fts5_quote(s),
            Self::Tokens { tokens, prefix } => {
                let q = fts5_quote(&tokens.join(" "));
                if *prefix { format!("{q} *") } else { q }
            }
        }
    }
}

/// Quotes a string as an FTS5 string (`"` doubled inside).
pub fn fts5_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// Plans the lookup of a word or phrase as typed: folded, then a substring
/// match when it has three characters or more, a token lookup otherwise.
/// `None` when nothing searchable is left (only punctuation, say).
pub fn text_match(term: &str) -> Option<TextMatch> {
    let folded = fold(term);
    let folded = folded.trim();
    if folded.chars().count() >= 3 {
        return Some(TextMatch::Substring(folded.to_string()));
    }
    let (toks, prefix) = tokens(folded, false);
    if toks.is_empty() {
        return None;
    }
    Some(TextMatch::Tokens { tokens: toks.into_iter().map(str::to_string).collect(), prefix })
}

/// Where `needle` (as typed; it is folded) occurs in `text`, as byte ranges
/// of `text`, sorted and not overlapping: for highlighting the words of
/// [`Query::free_text`] in a snippet of the original text.
pub fn match_ranges(text: &str, needle: &str) -> Vec<Range<usize>> {
    let needle = fold(needle);
    let needle = needle.trim();
    if needle.is_empty() {
        return Vec::new();
    }
    // For every byte of the folded text, the input character it came from.
    let (folded, origin) = fold_with_origin(text);
    let mut out: Vec<Range<usize>> = Vec::new();
    for (k, m) in folded.match_indices(needle) {
        let (Some(first), Some(last)) = (origin.get(k), origin.get(k + m.len() - 1)) else { continue };
        let r = first.start..last.end;
        match out.last_mut() {
            Some(prev) if r.start < prev.end => prev.end = prev.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Word lookups (the plan the SQLite store implements)
// ---------------------------------------------------------------------------

/// Plans the lookup of a word or phrase as typed on a **word index**: an
/// FTS5 table (`tokenize = 'ascii'`) over [`index_tokens`] of the folded
/// text. The answer is always [`TextMatch::Tokens`]: the term's tokens, to be
/// found next to each other in that order, and whether the last one is
/// matched as a prefix:
///
/// - a word of three characters or more finds the words that **start**
///   with it (`fatura` finds `faturanın`, `счет` finds `счета`,
///   `istanbul` finds `İstanbul'daki`); so does the last word of a term
///   that the index splits into several (`e-ma` finds `e-mail`);
/// - a word of one or two characters finds that whole word (`ok`, `да`);
/// - Chinese, Japanese and Korean text matches anywhere: its overlapping
///   bigrams are looked up as a phrase (`退款申请` → `退款 款申 申请`), and a
///   lone last character by prefix (`退` finds `退款`);
/// - a quoted `phrase` matches its words exactly, in order (only a lone CJK
///   character at its end is still a prefix).
///
/// Punctuation separates words and is otherwise ignored. `None` when nothing
/// searchable is left (only punctuation, say).
pub fn word_match(term: &str, phrase: bool) -> Option<TextMatch> {
    let folded = fold(term);
    let folded = folded.trim_matches(|c: char| !is_cjk(c) && is_separator(c));
    let (mut toks, _) = tokens(folded, true);
    // The index ends every CJK run with its last character alone; a query's
    // final run may stop in the middle of a run of the text, so it leaves that
    // lone character out (its bigrams already say everything).
    let mut tail = folded.chars().rev();
    if let (Some(a), Some(b)) = (tail.next(), tail.next())
        && is_cjk(a)
        && is_cjk(b)
    {
        toks.pop();
    }
    let last = *toks.last()?;
    let lone_cjk = last.chars().count() == 1 && last.chars().all(is_cjk);
    let word = !last.chars().any(is_cjk);
    let prefix = lone_cjk || (!phrase && word && (toks.len() > 1 || last.chars().count() >= 3));
    Some(TextMatch::Tokens { tokens: toks.into_iter().map(str::to_string).collect(), prefix })
}

/// `text` folded, with the byte range of `text` each byte of the folded text
/// came from.
fn fold_with_origin(text: &str) -> (String, Vec<Range<usize>>) {
    let mut origin: Vec<Range<usize>> = Vec::new();
    let mut folded = String::with_capacity(text.len());
    fold_into(
        text,
        |from, to| {
            if to.is_empty() {
                // A dropped character belongs to the one before it.
                if let Some(prev) = origin.last().map(|r| r.start) {
                    let extended = prev..from.end;
                    for r in origin.iter_mut().rev().take_while(|r| r.start == prev) {
                        *r = extended.clone();
                    }
                }
            } else {
                origin.extend(std::iter::repeat_n(from, to.len()));
            }
        },
        &mut folded,
    );
    (folded, origin)
}

/// Where the word or phrase `term` (as typed) matches `text` under
/// [`word_match`]'s rules, as byte ranges of `text`, sorted and not
/// overlapping: the highlights of a snippet, consistent with what the word
/// index found.
pub fn find_term(text: &str, term: &str, phrase: bool) -> Vec<Range<usize>> {
    let Some(TextMatch::Tokens { tokens: want, prefix }) = word_match(term, phrase) else {
        return Vec::new();
    };
    let (folded, origin) = fold_with_origin(text);
    let base = folded.as_ptr() as usize;
    let have: Vec<(usize, &str)> =
        tokens(&folded, true).0.into_iter().map(|t| (t.as_ptr() as usize - base, t)).collect();
    let k = want.len();
    let mut out: Vec<Range<usize>> = Vec::new();
    if k == 0 || have.len() < k {
        return out;
    }
    for i in 0..=have.len() - k {
        let hit = want.iter().enumerate().all(|(j, w)| {
            let h = have[i + j].1;
            if j + 1 == k && prefix { h.starts_with(w.as_str()) } else { h == w }
        });
        if !hit {
            continue;
        }
        let start = have[i].0;
        let end = have[i + k - 1].0 + want[k - 1].len();
        let (Some(first), Some(last)) = (origin.get(start), origin.get(end - 1)) else { continue };
        let r = first.start..last.end;
        match out.last_mut() {
            Some(prev) if r.start <= prev.end => prev.end = prev.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(s: &str) -> Query {
        match parse(s) {
            Ok(q) => q,
            Err(e) => panic!("{s:?} did not parse: {e}"),
        }
    }

    fn e(s: &str) -> ParseError {
        match parse(s) {
            Ok(q) => panic!("{s:?} parsed as {q:?}"),
            Err(e) => e,
        }
    }

    fn t(term: Term) -> Query {
        Query::Term(term)
    }

    fn text(w: &str) -> Query {
        t(Term::Text(w.into()))
    }

    fn phrase(w: &str) -> Query {
        t(Term::Phrase(w.into()))
    }

    fn field(m: FieldMatch) -> Query {
        t(Term::Field(m))
    }

    fn not(q: Query) -> Query {
        Query::Not(Box::new(q))
    }

    fn day(y: i32, m: u32, d: u32) -> DateSpec {
        DateSpec::Day(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn ts(s: &str) -> Timestamp {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn words_and_phrases() {
        assert_eq!(p("refund"), text("refund"));
        assert_eq!(p("  refund   please "), Query::And(vec![text("refund"), text("please")]));
        assert_eq!(p("\"server is down\""), phrase("server is down"));
        assert_eq!(p("\"  padded \""), phrase("padded"));
        assert_eq!(p("e-mail 10:30 <3 :x"), Query::And(vec![text("e-mail"), text("10:30"), text("<3"), text(":x")]));
        assert_eq!(p("a\"b c\"d"), Query::And(vec![text("a"), phrase("b c"), text("d")]));
        assert_eq!(p("退款"), text("退款"));
        assert_eq!(p("#abc"), text("#abc"));
        assert_eq!(p("\"or\""), phrase("or"));
    }

    #[test]
    fn fields() {
        use FieldMatch as F;
        assert_eq!(p("status:open"), field(F::Status(StatusValue::Category(StatusCategory::Open))));
        assert_eq!(p("STATUS:Hold"), field(F::Status(StatusValue::Category(StatusCategory::Hold))));
        assert_eq!(p("status:in_progress"), field(F::Status(StatusValue::Key("in_progress".into()))));
        assert_eq!(p("status:Waiting_On_Vendor"), field(F::Status(StatusValue::Key("waiting_on_vendor".into()))));
        assert_eq!(p("priority:URGENT"), field(F::Priority(Priority::Urgent)));
        assert_eq!(p("type:incident"), field(F::Type(TicketType::Incident)));
        assert_eq!(p("department:3"), field(F::Department(NamedRef::Id(DepartmentId(3)))));
        assert_eq!(p("dept:Billing"), field(F::Department(NamedRef::Name("Billing".into()))));
        assert_eq!(p("department:\"2024\""), field(F::Department(NamedRef::Name("2024".into()))));
        assert_eq!(p("department:\"Sales EU\""), field(F::Department(NamedRef::Name("Sales EU".into()))));
        assert_eq!(p("org:7"), field(F::Organization(NamedRef::Id(OrganizationId(7)))));
        assert_eq!(p("organization:Acme"), field(F::Organization(NamedRef::Name("Acme".into()))));
        assert_eq!(p("assignee:me"), field(F::Assignee(UserRef::Me)));
        assert_eq!(p("Assignee:NONE"), field(F::Assignee(UserRef::Nobody)));
        assert_eq!(p("assignee:42"), field(F::Assignee(UserRef::Id(UserId(42)))));
        assert_eq!(p("assignee:Ana@Example.com"), field(F::Assignee(UserRef::Email("Ana@Example.com".into()))));
        assert_eq!(p("assignee:ana"), field(F::Assignee(UserRef::Name("ana".into()))));
        assert_eq!(p("assignee:\"me\""), field(F::Assignee(UserRef::Name("me".into()))));
        assert_eq!(p("requester:\"Ayşe Yılmaz\""), field(F::Requester(UserRef::Name("Ayşe Yılmaz".into()))));
        assert_eq!(p("requester:me"), field(F::Requester(UserRef::Me)));
        assert_eq!(p("requester:9"), field(F::Requester(UserRef::Id(UserId(9)))));
        assert_eq!(p("requester:a@b.tr"), field(F::Requester(UserRef::Email("a@b.tr".into()))));
        assert_eq!(p("tag:VIP"), field(F::Tag("vip".into())));
        assert_eq!(p("tags:\"a(b)\""), field(F::Tag("a(b)".into())));
        assert_eq!(p("#482913"), field(F::Number("482913".into())));
        assert_eq!(p("number:482913"), field(F::Number("482913".into())));
        assert_eq!(p("number:#482913"), field(F::Number("482913".into())));
        assert_eq!(p("has:attachment"), t(Term::Has(HasWhat::Attachment)));
        assert_eq!(p("HAS:Attachments"), t(Term::Has(HasWhat::Attachment)));
        assert_eq!(p("created:2026-01-31"), field(F::Date(DateField::Created, day(2026, 1, 31))));
    }

    #[test]
    fn comparisons() {
        let cmp = |c| t(Term::Compare(c));
        assert_eq!(p("priority>=high"), cmp(Comparison::Priority { op: CompareOp::Ge, priority: Priority::High }));
        assert_eq!(p("status<solved"), cmp(Comparison::Status { op: CompareOp::Lt, category: StatusCategory::Solved }));
        assert_eq!(
            p("created>2026-01-01"),
            cmp(Comparison::Date {
                field: DateField::Created,
                op: CompareOp::Gt,
                value: DateValue::At(day(2026, 1, 1))
            })
        );
        let minute = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(10, 0, 0).unwrap();
        assert_eq!(
            p("created<=2026-01-01T10:00"),
            cmp(Comparison::Date {
                field: DateField::Created,
                op: CompareOp::Le,
                value: DateValue::At(DateSpec::Minute(minute))
            })
        );
        assert_eq!(
            p("updated<7d"),
            cmp(Comparison::Date {
                field: DateField::Updated,
                op: CompareOp::Lt,
                value: DateValue::Ago(Ago { amount: 7, unit: AgoUnit::Days })
            })
        );
        for (s, unit) in [("12h", AgoUnit::Hours), ("3W", AgoUnit::Weeks)] {
            let Query::Term(Term::Compare(Comparison::Date { value: DateValue::Ago(a), .. })) =
                p(&format!("updated>{s}"))
            else {
                panic!("{s}")
            };
            assert_eq!(a.unit, unit);
        }
        assert_eq!(
            CompareOp::Lt.select(StatusCategory::ALL, StatusCategory::Solved),
            vec![StatusCategory::New, StatusCategory::Open, StatusCategory::Pending, StatusCategory::Hold]
        );
        assert_eq!(CompareOp::Ge.select(Priority::ALL, Priority::High), vec![Priority::High, Priority::Urgent]);
        assert!(CompareOp::Le.holds(Priority::Low, Priority::Low));
    }

    #[test]
    fn sla_terms() {
        assert_eq!(p("sla:breached"), field(FieldMatch::Sla(SlaState::Breached)));
        assert_eq!(p("SLA:Running"), field(FieldMatch::Sla(SlaState::Running)));
        assert_eq!(
            p("sla<4h"),
            t(Term::Compare(Comparison::SlaDue { op: CompareOp::Lt, within: Ago { amount: 4, unit: AgoUnit::Hours } }))
        );
        assert_eq!(
            p("sla>=2d"),
            t(Term::Compare(Comparison::SlaDue { op: CompareOp::Ge, within: Ago { amount: 2, unit: AgoUnit::Days } }))
        );
        assert_eq!(p("-sla:breached sla<=1w").to_string(), "-sla:breached sla<=1w");
    }

    #[test]
    fn negation_or_and_grouping() {
        let spam = field(FieldMatch::Tag("spam".into()));
        assert_eq!(p("-tag:spam"), not(spam.clone()));
        assert_eq!(p("-\"exact phrase\""), not(phrase("exact phrase")));
        assert_eq!(p("-word"), not(text("word")));
        assert_eq!(p("--word"), not(not(text("word"))));
        assert_eq!(p("-(a b)"), not(Query::And(vec![text("a"), text("b")])));
        assert_eq!(p("a OR b"), Query::Or(vec![text("a"), text("b")]));
        assert_eq!(p("a or b Or c"), Query::Or(vec![text("a"), text("b"), text("c")]));
        // OR binds looser than the implied AND.
        assert_eq!(p("a b OR c"), Query::Or(vec![Query::And(vec![text("a"), text("b")]), text("c")]));
        assert_eq!(p("(a OR b) c"), Query::And(vec![Query::Or(vec![text("a"), text("b")]), text("c")]));
        // Flattening and single-item groups.
        assert_eq!(p("a (b c)"), Query::And(vec![text("a"), text("b"), text("c")]));
        assert_eq!(p("((a))"), text("a"));
        assert_eq!(p("a OR (b OR c)"), Query::Or(vec![text("a"), text("b"), text("c")]));
        assert_eq!(p("a AND b and c"), Query::And(vec![text("a"), text("b"), text("c")]));
        assert_eq!(p("a(b)"), Query::And(vec![text("a"), text("b")]));
        assert_eq!(
            p("-tag:spam (refund OR chargeback) priority>=high"),
            Query::And(vec![
                not(spam),
                Query::Or(vec![text("refund"), text("chargeback")]),
                t(Term::Compare(Comparison::Priority { op: CompareOp::Ge, priority: Priority::High })),
            ])
        );
        // 20 levels are fine.
        let deep = format!("{}a{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(p(&deep), text("a"));
        assert_eq!(p(&format!("{}a", "-".repeat(MAX_DEPTH))).to_string(), format!("{}a", "-".repeat(MAX_DEPTH)));
    }

    #[test]
    fn errors() {
        use ParseErrorKind as K;
        let cases: Vec<(&str, K, usize)> = vec![
            ("", K::Empty, 0),
            ("   ", K::Empty, 0),
            ("\"abc", K::UnbalancedQuote, 0),
            ("a \"b\" \"c", K::UnbalancedQuote, 6),
            ("requester:\"Ayşe", K::UnbalancedQuote, 10),
            ("(a b", K::UnclosedParen, 0),
            ("x ((a) b", K::UnclosedParen, 2),
            ("a) b", K::UnexpectedParen, 1),
            (")", K::UnexpectedParen, 0),
            ("()", K::EmptyGroup, 0),
            ("\"\"", K::EmptyPhrase, 0),
            ("\"  \"", K::EmptyPhrase, 0),
            ("foo:bar", K::UnknownField { field: "foo".into() }, 0),
            ("x https://example.com", K::UnknownField { field: "https".into() }, 2),
            ("tag>x", K::UnsupportedOperator { field: "tag", op: ">" }, 0),
            ("type<=task", K::UnsupportedOperator { field: "type", op: "<=" }, 0),
            ("status:", K::MissingValue { field: "status" }, 0),
            ("a status: open", K::MissingValue { field: "status" }, 2),
            ("requester:\"\"", K::MissingValue { field: "requester" }, 0),
            (
                "priority:critical",
                K::BadValue { field: "priority", value: "critical".into(), expected: EXPECT_PRIORITY },
                9,
            ),
            (
                "priority>=critical",
                K::BadValue { field: "priority", value: "critical".into(), expected: EXPECT_PRIORITY },
                10,
            ),
            ("type:bug", K::BadValue { field: "type", value: "bug".into(), expected: EXPECT_TYPE }, 5),
            (
                "status:\"on hold\"",
                K::BadValue { field: "status", value: "on hold".into(), expected: EXPECT_STATUS },
                7,
            ),
            (
                "status<in_progress",
                K::BadValue { field: "status", value: "in_progress".into(), expected: EXPECT_CATEGORY },
                7,
            ),
            (
                "created>2026-02-30",
                K::BadValue { field: "created", value: "2026-02-30".into(), expected: EXPECT_DATE },
                8,
            ),
            ("created>2026-1-5", K::BadValue { field: "created", value: "2026-1-5".into(), expected: EXPECT_DATE }, 8),
            (
                "created<2026-01-01T25:00",
                K::BadValue { field: "created", value: "2026-01-01T25:00".into(), expected: EXPECT_DATE },
                8,
            ),
            (
                "created<2026-01-01T10:00:00",
                K::BadValue { field: "created", value: "2026-01-01T10:00:00".into(), expected: EXPECT_DATE },
                8,
            ),
            ("updated<7m", K::BadValue { field: "updated", value: "7m".into(), expected: EXPECT_DATE }, 8),
            ("sla:late", K::BadValue { field: "sla", value: "late".into(), expected: EXPECT_SLA }, 4),
            ("sla<2026-01-01", K::BadValue { field: "sla", value: "2026-01-01".into(), expected: EXPECT_SLA_DUE }, 4),
            ("sla>=0h", K::BadValue { field: "sla", value: "0h".into(), expected: EXPECT_SLA_DUE }, 5),
            ("updated<0d", K::BadValue { field: "updated", value: "0d".into(), expected: EXPECT_DATE }, 8),
            ("updated<100001d", K::BadValue { field: "updated", value: "100001d".into(), expected: EXPECT_DATE }, 8),
            ("updated<d", K::BadValue { field: "updated", value: "d".into(), expected: EXPECT_DATE }, 8),
            ("updated:7d", K::BadValue { field: "updated", value: "7d".into(), expected: EXPECT_DAY }, 8),
            ("has:pictures", K::BadValue { field: "has", value: "pictures".into(), expected: EXPECT_HAS }, 4),
            (
                "requester:none",
                K::BadValue { field: "requester", value: "none".into(), expected: EXPECT_REQUESTER },
                10,
            ),
            (
                "department:99999999999999999999",
                K::BadValue { field: "department", value: "99999999999999999999".into(), expected: EXPECT_ID },
                11,
            ),
            ("number:12a", K::BadValue { field: "number", value: "12a".into(), expected: EXPECT_NUMBER }, 7),
            (
                "#123456789012345678901",
                K::BadValue { field: "number", value: "123456789012345678901".into(), expected: EXPECT_NUMBER },
                1,
            ),
            ("tag:\"two words\"", K::BadValue { field: "tag", value: "two words".into(), expected: EXPECT_TAG }, 4),
            ("OR a", K::DanglingOperator { op: "OR" }, 0),
            ("a OR", K::DanglingOperator { op: "OR" }, 2),
            ("a OR OR b", K::DanglingOperator { op: "OR" }, 2),
            ("(a OR) b", K::DanglingOperator { op: "OR" }, 3),
            ("(OR a)", K::DanglingOperator { op: "OR" }, 1),
            ("AND a", K::DanglingOperator { op: "AND" }, 0),
            ("a AND", K::DanglingOperator { op: "AND" }, 2),
            ("-", K::DanglingOperator { op: "-" }, 0),
            ("a - b", K::DanglingOperator { op: "-" }, 2),
            ("a -", K::DanglingOperator { op: "-" }, 2),
            ("(a -)", K::DanglingOperator { op: "-" }, 3),
            ("-OR a", K::DanglingOperator { op: "-" }, 0),
        ];
        for (input, kind, offset) in cases {
            let err = e(input);
            assert_eq!((err.kind.clone(), err.offset), (kind, offset), "{input:?}: {err}");
            assert!(!err.to_string().is_empty());
        }
        let long = "a ".repeat(300);
        assert_eq!(e(&long).kind, K::TooLong { max: MAX_QUERY_CHARS });
        assert_eq!(e(&long).offset, 500);
        // 500 characters of Turkish (2 bytes each) are fine; 501 are not.
        assert!(parse(&"ş".repeat(500)).is_ok());
        assert_eq!(e(&"ş".repeat(501)).offset, 1000);
        let too_deep = format!("{}a{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
        assert_eq!((e(&too_deep).kind, e(&too_deep).offset), (K::TooDeep { max: MAX_DEPTH }, MAX_DEPTH));
        assert_eq!(e(&format!("{}a", "-".repeat(MAX_DEPTH + 1))).kind, K::TooDeep { max: MAX_DEPTH });
        assert_eq!(e(&format!("{}a", "-(".repeat(11))).kind, K::TooDeep { max: MAX_DEPTH });
    }

    #[test]
    fn error_messages_and_codes() {
        let err = e("foo:bar");
        assert_eq!(err.code(), "unknown_field");
        assert!(err.to_string().contains("unknown field 'foo'"), "{err}");
        assert!(err.to_string().contains("at byte 0"), "{err}");
        let err = e("priority:critical");
        assert_eq!(
            err.to_string(),
            "'critical' is not a valid priority: expected low, normal, high or urgent (at byte 9)"
        );
        assert_eq!(e("(a").code(), "unbalanced_parenthesis");
        assert_eq!(e("a)").code(), "unbalanced_parenthesis");
        assert_eq!(e("\"a").code(), "unbalanced_quote");
        let d: DomainError = e("a OR").into();
        assert_eq!(d.code(), "dangling_operator");
        assert!(matches!(d, DomainError::Invalid { field: Some(ref f), .. } if f == "q"));
    }

    #[test]
    fn date_ranges() {
        let now = ts("2026-03-10T12:00:00Z");
        let d = DateValue::At(day(2026, 1, 1));
        let (s, e_) = (ts("2026-01-01T00:00:00Z"), ts("2026-01-02T00:00:00Z"));
        assert_eq!(d.range(CompareOp::Gt, now), TimeRange { start: Some(e_), end: None });
        assert_eq!(d.range(CompareOp::Ge, now), TimeRange { start: Some(s), end: None });
        assert_eq!(d.range(CompareOp::Lt, now), TimeRange { start: None, end: Some(s) });
        assert_eq!(d.range(CompareOp::Le, now), TimeRange { start: None, end: Some(e_) });
        assert_eq!(day(2026, 1, 1).range(), TimeRange { start: Some(s), end: Some(e_) });
        let m = parse_date_spec("2026-01-01t10:00").unwrap();
        assert_eq!(
            m.range(),
            TimeRange { start: Some(ts("2026-01-01T10:00:00Z")), end: Some(ts("2026-01-01T10:01:00Z")) }
        );

        let ago = DateValue::Ago(Ago { amount: 7, unit: AgoUnit::Days });
        let cut = ts("2026-03-03T12:00:00Z");
        let within = ago.range(CompareOp::Lt, now);
        assert!(within.contains(now) && within.contains(ts("2026-03-03T12:00:00.001Z")) && !within.contains(cut));
        assert!(ago.range(CompareOp::Le, now).contains(cut));
        let older = ago.range(CompareOp::Gt, now);
        assert!(older.contains(ts("2026-03-03T11:59:59.999Z")) && !older.contains(cut) && !older.contains(now));
        assert!(ago.range(CompareOp::Ge, now).contains(cut));
        let huge = DateValue::Ago(Ago { amount: MAX_AGO, unit: AgoUnit::Weeks });
        assert!(huge.range(CompareOp::Lt, now).contains(ts("1970-01-01T00:00:00Z")));
        assert_eq!(Ago { amount: 2, unit: AgoUnit::Weeks }.duration(), TimeDelta::days(14));
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "refund",
            "-tag:spam (refund OR chargeback) priority>=high",
            "a b OR c",
            "(a OR b) c",
            "-(a OR b) -(c d) --e",
            "status:open status:in_progress status<solved",
            "department:3 department:\"2024\" department:\"Sales EU\" org:Acme",
            "assignee:me assignee:none assignee:\"me\" assignee:\"None\" assignee:\"12\" requester:\"Ayşe Yılmaz\"",
            "requester:a@b.tr tag:\"a(b)\" #482913 has:attachment",
            "created>2026-01-01 created<=2026-01-01T10:00 updated<7d updated>=12h created:2026-02-03",
            "\"exact phrase\" -\"not this\" 退款 İSTANBUL",
        ] {
            let q = p(s);
            assert_eq!(p(&q.to_string()), q, "{s:?} printed as {q}");
        }
        assert_eq!(
            p("dept:\"R&D\" AND (a) tags:X number:#1 has:ATTACHMENTS").to_string(),
            "department:R&D a tag:x #1 has:attachment"
        );
        assert_eq!(p("a OR (b c) OR -(d OR e)").to_string(), "a OR b c OR -(d OR e)");
    }

    #[test]
    fn free_text_lists_positive_words_and_phrases() {
        let q = p("refund \"server down\" -spam -\"out of office\" tag:x (a OR --b) -(c -d)");
        let parts: Vec<(&str, bool)> = q.free_text().into_iter().map(|t| (t.text, t.phrase)).collect();
        assert_eq!(parts, vec![("refund", false), ("server down", true), ("a", false), ("b", false), ("d", false)]);
    }

    #[test]
    fn turkish_folding() {
        assert_eq!(fold("İSTANBUL"), "istanbul");
        assert_eq!(fold("istanbul"), "istanbul");
        assert_eq!(fold("IŞIK"), fold("ışık"));
        assert_eq!(fold("ışık"), "işik");
        assert_eq!(fold("I\u{307}STANBUL"), "istanbul"); // decomposed İ
        assert_eq!(fold("ÇĞÖÜŞ"), "çğöüş");
        assert_eq!(fold("INVOICE"), "invoice");
        assert!(fold("İstanbul'da bir IŞIK").contains(&fold("İSTANBUL")));
        assert!(fold("ışıklar yandı").contains(&fold("IŞIK")));
    }

    #[test]
    fn russian_and_chinese_folding() {
        assert_eq!(fold("ПРИВЕТ"), "привет");
        assert_eq!(fold("Привет"), fold("привет"));
        assert_eq!(fold("ЁЛКА"), "елка");
        assert_eq!(fold("ещё"), fold("еще"));
        assert_eq!(fold("我的退款申请"), "我的退款申请");
        assert_eq!(fold("ＡＢＣ１２３　退款"), "abc123 退款");
        assert_eq!(fold("Straße ΣΟΦΟΣ"), "strasse σοφοσ");
    }

    #[test]
    fn index_tokens_split_words_and_cjk_bigrams() {
        assert_eq!(index_tokens(&fold("Sunucu çöktü! İstanbul'da.")), vec!["sunucu", "çöktü", "istanbul", "da"]);
        assert_eq!(index_tokens("我的退款申请"), vec!["我的", "的退", "退款", "款申", "申请", "请"]);
        assert_eq!(index_tokens("退"), vec!["退"]);
        assert_eq!(index_tokens("iphone退款，谢谢。ok"), vec!["iphone", "退款", "款", "谢谢", "谢", "ok"]);
        assert_eq!(index_tokens("привет, мир"), vec!["привет", "мир"]);
        assert_eq!(index_tokens("  ...  "), Vec::<&str>::new());
        assert_eq!(index_tokens("안녕하세요 고객님"), vec!["안녕", "녕하", "하세", "세요", "요", "고객", "객님", "님"]);
    }

    #[test]
    fn text_match_plans() {
        assert_eq!(text_match("退款"), Some(TextMatch::Tokens { tokens: vec!["退款".into()], prefix: false }));
        assert_eq!(text_match("退"), Some(TextMatch::Tokens { tokens: vec!["退".into()], prefix: true }));
        assert_eq!(text_match("OK"), Some(TextMatch::Tokens { tokens: vec!["ok".into()], prefix: false }));
        assert_eq!(text_match("退款申请"), Some(TextMatch::Substring("退款申请".into())));
        assert_eq!(text_match("İSTANBUL"), Some(TextMatch::Substring("istanbul".into())));
        assert_eq!(text_match("!!"), None);
        assert_eq!(text_match("退款").map(|m| m.fts5_query()), Some("\"退款\"".into()));
        assert_eq!(text_match("退").map(|m| m.fts5_query()), Some("\"退\" *".into()));
        assert_eq!(TextMatch::Substring("a\"b".into()).fts5_query(), "\"a\"\"b\"");
        // The index holds the tokens each short query asks for.
        let idx = index_tokens("我的退款申请");
        assert!(idx.contains(&"退款"));
        assert!(idx.iter().any(|t| t.starts_with("退")) && idx.iter().any(|t| t.starts_with("请")));
    }

    #[test]
    fn match_ranges_point_into_the_original_text() {
        let text = "İSTANBUL'da IŞIK, Straße";
        let r = match_ranges(text, "istanbul");
        assert_eq!(r.len(), 1);
        assert_eq!(&text[r[0].clone()], "İSTANBUL");
        let r = match_ranges(text, "ışık");
        assert_eq!(&text[r[0].clone()], "IŞIK");
        let r = match_ranges(text, "strasse");
        assert_eq!(&text[r[0].clone()], "Straße");
        let r = match_ranges(text, "s");
        assert!(r.windows(2).all(|w| w[0].end <= w[1].start));
        let decomposed = "I\u{307}STANBUL";
        assert_eq!(match_ranges(decomposed, "i"), vec![0..3]);
        assert_eq!(match_ranges("我的退款申请", "退款"), vec![6..12]);
        assert!(match_ranges("abc", "  ").is_empty());
    }

    fn wm(term: &str, phrase: bool) -> Option<(Vec<String>, bool)> {
        match word_match(term, phrase) {
            Some(TextMatch::Tokens { tokens, prefix }) => Some((tokens, prefix)),
            Some(TextMatch::Substring(_)) => panic!("word_match never plans a substring"),
            None => None,
        }
    }

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn word_match_plans() {
        assert_eq!(wm("İSTANBUL", false), Some((owned(&["istanbul"]), true)));
        assert_eq!(wm("ok", false), Some((owned(&["ok"]), false)));
        assert_eq!(wm("да", false), Some((owned(&["да"]), false)));
        assert_eq!(wm("e-ma", false), Some((owned(&["e", "ma"]), true)));
        assert_eq!(wm("退款", false), Some((owned(&["退款"]), false)));
        assert_eq!(wm("退", false), Some((owned(&["退"]), true)));
        assert_eq!(wm("退款申请", false), Some((owned(&["退款", "款申", "申请"]), false)));
        // A CJK run followed by more text keeps its lone last character, as the index does.
        assert_eq!(wm("退款abc", false), Some((owned(&["退款", "款", "abc"]), true)));
        assert_eq!(wm("server is down", true), Some((owned(&["server", "is", "down"]), false)));
        assert_eq!(wm("\"退款。\"", false), Some((owned(&["退款"]), false)));
        assert_eq!(wm("!!", false), None);
        assert_eq!(word_match("退", false).map(|m| m.fts5_query()), Some("\"退\" *".into()));
        // Every plan finds the text it came from.
        for (text, term) in [
            ("İstanbul'daki sunucu", "istanbul"),
            ("ışık yandı", "IŞIK"),
            ("Счёт не пришёл", "СЧЕТ"),
            ("我的退款申请被拒绝", "退"),
            ("我的退款申请被拒绝", "退款"),
            ("我的退款申请被拒绝", "退款申请"),
            ("我的退款申请被拒绝", "拒绝"),
            ("iphone退款，谢谢", "iphone退款"),
            ("please send the e-mail", "e-ma"),
        ] {
            assert!(!find_term(text, term, false).is_empty(), "{term:?} does not find {text:?}");
        }
    }

    #[test]
    fn find_term_follows_word_rules() {
        let text = "İSTANBUL'daki sunucu, token ok. Fatura faturanın";
        let r = find_term(text, "istanbul", false);
        assert_eq!(r.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), vec!["İSTANBUL"]);
        // Short words match whole words only: "ok" is not found inside "token".
        let r = find_term(text, "ok", false);
        assert_eq!(r.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), vec!["ok"]);
        // Longer words match the start of words, not their inside.
        let r = find_term(text, "fatura", false);
        assert_eq!(r.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(), vec!["Fatura", "fatura"]);
        assert!(find_term(text, "stanbul", false).is_empty());
        let zh = "我的退款申请被拒绝";
        let r = find_term(zh, "退款申", false);
        assert_eq!(r.iter().map(|r| &zh[r.clone()]).collect::<Vec<_>>(), vec!["退款申"]);
        let r = find_term(zh, "退", false);
        assert_eq!(r.iter().map(|r| &zh[r.clone()]).collect::<Vec<_>>(), vec!["退"]);
        let r = find_term("Server is down. server is downloading", "server is down", true);
        assert_eq!(r, vec![0..14]);
        let r = find_term("Straße", "strasse", false);
        assert_eq!(r, vec![0..7]);
    }

    /// Pieces that make many valid and invalid queries when strung together.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("refund".to_string()),
            Just("İSTANBUL".to_string()),
            Just("退款".to_string()),
            Just(" ".to_string()),
            Just(" ".to_string()),
            Just(" OR ".to_string()),
            Just(" and ".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("\"".to_string()),
            Just("\"a b\"".to_string()),
            Just("-".to_string()),
            Just(":".to_string()),
            Just("<".to_string()),
            Just(">=".to_string()),
            Just("#".to_string()),
            Just("#12".to_string()),
            Just("tag:spam".to_string()),
            Just("status:".to_string()),
            Just("status<solved".to_string()),
            Just("priority>=high".to_string()),
            Just("assignee:me".to_string()),
            Just("assignee:\"me\"".to_string()),
            Just("requester:\"Ayşe Yılmaz\"".to_string()),
            Just("department:12".to_string()),
            Just("org:\"2024\"".to_string()),
            Just("created>2026-01-01".to_string()),
            Just("created:2026-01-01T10:00".to_string()),
            Just("updated<7d".to_string()),
            Just("has:attachment".to_string()),
            Just("sla:breached".to_string()),
            Just("sla<4h".to_string()),
            Just("sla>=".to_string()),
            Just("foo:bar".to_string()),
            "[a-zA-Zçğışöüİı0-9_@.é-]{1,6}",
            any::<char>().prop_map(String::from),
        ]
    }

    /// A term that always parses.
    fn valid_term() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Zçğışöüİı0-9_@.é退款][a-zA-Zçğışöüİı0-9_@.é退款:-]{0,5}"
                .prop_filter("keywords", |w| !w.eq_ignore_ascii_case("or") && !w.eq_ignore_ascii_case("and"))
                .prop_filter("fields", |w| w.split_once(':').is_none_or(|(a, _)| !a.starts_with(char::is_alphabetic))),
            "\"[a-zA-Z()İı退款:-]{1,4}( [a-z]{1,3})?\"",
            "requester:\"[a-zA-Zşı]{1,5}( [a-zA-Z]{1,5})?\"",
            "tag:\"[a-z()-]{1,5}\"",
            "department:\"?[0-9]{1,3}\"?".prop_filter("balanced", |v| v.matches('"').count() != 1),
            "#[0-9]{1,8}",
            Just("status:pending".to_string()),
            Just("status:waiting_on_vendor".to_string()),
            Just("status>=hold".to_string()),
            Just("priority<normal".to_string()),
            Just("type:task".to_string()),
            Just("assignee:none".to_string()),
            Just("assignee:\"None\"".to_string()),
            Just("org:Acme".to_string()),
            Just("updated>=2W".to_string()),
            Just("created<2026-12-31T23:59".to_string()),
            Just("created:2026-01-31".to_string()),
            Just("has:attachments".to_string()),
            Just("sla:Breached".to_string()),
            Just("sla:running".to_string()),
            Just("sla<=2d".to_string()),
            Just("sla>4H".to_string()),
        ]
    }

    /// A query that parses unless it is too long or too deep.
    fn valid_query() -> impl Strategy<Value = String> {
        valid_term().prop_recursive(6, 48, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" ")),
                prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" OR ")),
                prop::collection::vec(inner.clone(), 2..3).prop_map(|v| v.join(" AND ")),
                inner.clone().prop_map(|q| format!("-({q})")),
                inner.clone().prop_map(|q| format!("-{q}")),
                inner.prop_map(|q| format!("({q})")),
            ]
        })
    }

    fn check_any(s: &str) -> Result<(), TestCaseError> {
        match parse(s) {
            Ok(q) => {
                let printed = q.to_string();
                // Printing can lengthen a query a little (`dept:` → `department:`).
                if printed.chars().count() <= MAX_QUERY_CHARS {
                    prop_assert_eq!(parse(&printed), Ok(q.clone()), "{:?} printed as {:?}", s, printed);
                }
                for part in q.free_text() {
                    prop_assert!(!part.text.is_empty());
                }
            }
            Err(err) => {
                prop_assert!(err.offset <= s.len(), "offset {} beyond {:?}", err.offset, s);
                prop_assert!(s.is_char_boundary(err.offset));
                prop_assert!(!err.to_string().is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn any_string_parses_or_errors(s in any::<String>()) {
            check_any(&s)?;
        }

        #[test]
        fn query_like_strings_parse_or_error_and_round_trip(parts in prop::collection::vec(fragment(), 0..24)) {
            check_any(&parts.concat())?;
        }

        #[test]
        fn valid_queries_parse_and_round_trip(s in valid_query()) {
            match parse(&s) {
                Ok(_) => check_any(&s)?,
                Err(e) => prop_assert!(
                    matches!(e.kind, ParseErrorKind::TooLong { .. } | ParseErrorKind::TooDeep { .. }),
                    "{:?}: {}", s, e
                ),
            }
        }

        #[test]
        fn deep_and_long_inputs_are_bounded(n in 0usize..600, c in prop::sample::select(vec!['(', ')', '-', '"', ':', 'a'])) {
            check_any(&c.to_string().repeat(n))?;
        }

        #[test]
        fn folding_is_stable(s in any::<String>()) {
            let f = fold(&s);
            prop_assert_eq!(&fold(&f), &f);
            for t in index_tokens(&f) {
                prop_assert!(!t.is_empty() && f.contains(t));
            }
            let _ = text_match(&s);
            for r in match_ranges(&s, "a") {
                prop_assert!(s.is_char_boundary(r.start) && s.is_char_boundary(r.end) && r.start < r.end);
            }
        }
    }

    #[test]
    fn fragments_often_parse() {
        // The round-trip property above is only meaningful if many generated
        // queries parse: check a few typical concatenations by hand.
        for s in ["refund OR tag:spam", "-(\"a b\" status<solved) OR 退款", "assignee:\"me\" and org:\"2024\" #12"] {
            let q = p(s);
            assert_eq!(p(&q.to_string()), q);
        }
    }
}
