//! What is wrong with a search that does not parse, and where.

use crate::error::DomainError;
use thiserror::Error;

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
    /// More than [`MAX_QUERY_CHARS`](super::MAX_QUERY_CHARS) characters.
    #[error("the search is longer than {max} characters")]
    TooLong {
        /// The limit.
        max: usize,
    },
    /// Parentheses and negations nested more than [`MAX_DEPTH`](super::MAX_DEPTH) deep.
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
    pub(super) fn new(kind: ParseErrorKind, offset: usize) -> Self {
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
