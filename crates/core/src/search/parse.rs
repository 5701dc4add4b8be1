//! The parser: tokens into a [`Query`], with every value checked (a status,
//! a priority, a date, an age…) and every mistake reported with its place.

use super::error::{ParseError, ParseErrorKind};
use super::lex::{Op, Tok, lex};
use super::query::*;
use super::{MAX_AGO, MAX_DEPTH, MAX_QUERY_CHARS};
use crate::ids::UserId;
use crate::status::StatusCategory;
use crate::ticket::{Priority, TicketType};
use chrono::NaiveDate;
use std::str::FromStr;

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

pub(super) fn all_digits(s: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::DomainError;
    use crate::ids::{DepartmentId, OrganizationId};
    use crate::time::Timestamp;
    use chrono::{DateTime, TimeDelta, Utc};

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
    fn free_text_lists_positive_words_and_phrases() {
        let q = p("refund \"server down\" -spam -\"out of office\" tag:x (a OR --b) -(c -d)");
        let parts: Vec<(&str, bool)> = q.free_text().into_iter().map(|t| (t.text, t.phrase)).collect();
        assert_eq!(parts, vec![("refund", false), ("server down", true), ("a", false), ("b", false), ("d", false)]);
    }
}
