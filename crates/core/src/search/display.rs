//! A [`Query`] written back in the search language: parsing the text again
//! gives the same tree, so a search can be shown, stored and edited as text.

use super::lex::is_stop;
use super::parse::all_digits;
use super::query::*;
use std::fmt;

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

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    fn p(s: &str) -> Query {
        match parse(s) {
            Ok(q) => q,
            Err(e) => panic!("{s:?} did not parse: {e}"),
        }
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
}
