//! A strict reader for the one PHP-serialised shape WHMCS clients send:
//! `customfields`, an array of field id → value (`a:1:{i:3;s:5:"Value";}`).
//!
//! Only arrays of integer or string keys with string or integer values are
//! read; anything else (objects, nested arrays, trailing bytes, a length
//! that does not match) is an error, so a malformed field is refused
//! rather than silently dropped.

use thiserror::Error;

/// Why a serialised array could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("malformed serialized data at byte {at}: {what}")]
pub struct PhpError {
    /// Where reading stopped.
    pub at: usize,
    /// What was expected there.
    pub what: &'static str,
}

/// A key or value of the array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scalar {
    /// `i:<n>;`
    Int(i64),
    /// `s:<len>:"<bytes>";`
    Str(String),
}

impl Scalar {
    /// The value as text (integers in decimal).
    pub fn into_text(self) -> String {
        match self {
            Self::Int(i) => i.to_string(),
            Self::Str(s) => s,
        }
    }
}

/// Reads `a:<n>:{<key><value>…}` and nothing after it.
pub fn unserialize_array(input: &[u8]) -> Result<Vec<(Scalar, Scalar)>, PhpError> {
    let mut r = Reader { input, pos: 0 };
    r.expect(b"a:", "an array (a:)")?;
    let n = r.number(b':')?;
    let n = usize::try_from(n).map_err(|_| r.err("a non-negative count"))?;
    r.expect(b"{", "{")?;
    let mut out = Vec::new();
    for _ in 0..n {
        let key = r.scalar()?;
        let value = r.scalar()?;
        out.push((key, value));
    }
    r.expect(b"}", "} closing the array")?;
    if r.pos != input.len() {
        return Err(r.err("the end of the data"));
    }
    Ok(out)
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn err(&self, what: &'static str) -> PhpError {
        PhpError { at: self.pos, what }
    }

    fn expect(&mut self, token: &[u8], what: &'static str) -> Result<(), PhpError> {
        if self.input.get(self.pos..self.pos + token.len()) == Some(token) {
            self.pos += token.len();
            Ok(())
        } else {
            Err(self.err(what))
        }
    }

    /// An optionally signed decimal integer ended by `end`.
    fn number(&mut self, end: u8) -> Result<i64, PhpError> {
        let start = self.pos;
        let rest = self.input.get(start..).unwrap_or_default();
        let len = rest.iter().position(|b| *b == end).ok_or_else(|| self.err("a number"))?;
        let text = std::str::from_utf8(&rest[..len]).map_err(|_| self.err("a number"))?;
        let digits = text.strip_prefix('-').unwrap_or(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err("a number"));
        }
        let n = text.parse::<i64>().map_err(|_| self.err("a number in range"))?;
        self.pos = start + len + 1;
        Ok(n)
    }

    fn scalar(&mut self) -> Result<Scalar, PhpError> {
        match self.input.get(self.pos..self.pos + 2) {
            Some(b"i:") => {
                self.pos += 2;
                Ok(Scalar::Int(self.number(b';')?))
            }
            Some(b"s:") => {
                self.pos += 2;
                let len = self.number(b':')?;
                let len = usize::try_from(len).map_err(|_| self.err("a non-negative length"))?;
                self.expect(b"\"", "a quoted string")?;
                let end = self.pos.checked_add(len).ok_or_else(|| self.err("a string of the given length"))?;
                let bytes = self.input.get(self.pos..end).ok_or_else(|| self.err("a string of the given length"))?;
                let text = std::str::from_utf8(bytes).map_err(|_| self.err("UTF-8 text"))?.to_string();
                self.pos = end;
                self.expect(b"\";", "the string's closing quote (is its length right?)")?;
                Ok(Scalar::Str(text))
            }
            _ => Err(self.err("an integer (i:) or a string (s:)")),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_documented_shape() {
        let got = unserialize_array(br#"a:2:{i:3;s:5:"Value";s:1:"7";i:42;}"#).unwrap();
        assert_eq!(
            got,
            vec![(Scalar::Int(3), Scalar::Str("Value".into())), (Scalar::Str("7".into()), Scalar::Int(42))]
        );
    }

    #[test]
    fn lengths_are_bytes_so_utf8_round_trips() {
        let text = "İstanbul 退款 Привет";
        let data = format!("a:1:{{i:1;s:{}:\"{}\";}}", text.len(), text);
        let got = unserialize_array(data.as_bytes()).unwrap();
        assert_eq!(got[0].1, Scalar::Str(text.into()));
        assert!(unserialize_array(b"a:0:{}").unwrap().is_empty());
    }

    #[test]
    fn malformed_data_is_refused() {
        for bad in [
            &b""[..],
            b"a:1:{i:1;s:3:\"ab\";}",
            b"a:1:{i:1;s:1:\"ab\";}",
            b"a:2:{i:1;s:1:\"a\";}",
            b"a:1:{i:1;s:1:\"a\";}x",
            b"a:1:{i:1;a:0:{}}",
            b"a:1:{i:x;s:1:\"a\";}",
            b"a:-1:{}",
            b"s:1:\"a\";",
            b"O:8:\"stdClass\":0:{}",
            b"a:1:{i:1;b:1;}",
            b"a:1:{i:1;s:99999999999999999999:\"a\";}",
        ] {
            assert!(unserialize_array(bad).is_err(), "accepted {:?}", String::from_utf8_lossy(bad));
        }
    }
}
