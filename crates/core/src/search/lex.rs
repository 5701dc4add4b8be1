//! The lexer: a search as tokens (words, quoted phrases, `field:value`
//! terms with their operator, parentheses, `-`, `OR`, `AND`), each with its
//! byte offset for error messages.

use super::error::{ParseError, ParseErrorKind};
use super::query::CompareOp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Colon,
    Cmp(CompareOp),
}

impl Op {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Colon => ":",
            Self::Cmp(c) => c.as_str(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok<'a> {
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
pub(super) fn is_stop(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"')
}

pub(super) fn lex(src: &str) -> Result<Vec<(Tok<'_>, usize)>, ParseError> {
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
