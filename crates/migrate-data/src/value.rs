//! A database value in the kinds both stores use, so rows pass between
//! SQLite and PostgreSQL and checksum the same on either side.

use crate::MigrateError;
use tokio_postgres::types::{ToSql, Type};

/// One column's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// No value.
    Null,
    /// Integers, 0/1 flags and millisecond timestamps.
    Int(i64),
    /// Floating-point numbers.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl From<rusqlite::types::Value> for Val {
    fn from(v: rusqlite::types::Value) -> Self {
        use rusqlite::types::Value as V;
        match v {
            V::Null => Self::Null,
            V::Integer(i) => Self::Int(i),
            V::Real(f) => Self::Real(f),
            V::Text(s) => Self::Text(s),
            V::Blob(b) => Self::Blob(b),
        }
    }
}

impl From<Val> for rusqlite::types::Value {
    fn from(v: Val) -> Self {
        match v {
            Val::Null => Self::Null,
            Val::Int(i) => Self::Integer(i),
            Val::Real(f) => Self::Real(f),
            Val::Text(s) => Self::Text(s),
            Val::Blob(b) => Self::Blob(b),
        }
    }
}

impl Val {
    /// Reads column `i` of a PostgreSQL row by the column's type.
    pub fn from_pg(row: &tokio_postgres::Row, i: usize, table: &str) -> Result<Self, MigrateError> {
        let column = &row.columns()[i];
        let ty = column.type_();
        let v = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Self::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?.map(|n| Self::Int(n.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)?.map(|n| Self::Int(n.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?.map(|b| Self::Int(b.into()))
        } else if *ty == Type::FLOAT8 {
            row.try_get::<_, Option<f64>>(i)?.map(Self::Real)
        } else if *ty == Type::FLOAT4 {
            row.try_get::<_, Option<f32>>(i)?.map(|f| Self::Real(f.into()))
        } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::BPCHAR || *ty == Type::NAME {
            row.try_get::<_, Option<String>>(i)?.map(Self::Text)
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(i)?.map(Self::Blob)
        } else {
            return Err(MigrateError::Value {
                table: table.to_string(),
                column: column.name().to_string(),
                problem: format!("PostgreSQL type {ty} is not one the copy knows"),
            });
        };
        Ok(v.unwrap_or(Self::Null))
    }

    /// A parameter for a PostgreSQL column of type `ty`.
    pub fn to_pg(&self, ty: &Type, table: &str, column: &str) -> Result<Box<dyn ToSql + Sync + Send>, MigrateError> {
        let wrong = |what: &str| MigrateError::Value {
            table: table.to_string(),
            column: column.to_string(),
            problem: format!("{what} does not fit PostgreSQL type {ty}"),
        };
        let int = |v: &Self| -> Result<Option<i64>, MigrateError> {
            match v {
                Self::Null => Ok(None),
                Self::Int(i) => Ok(Some(*i)),
                Self::Real(f) if f.fract() == 0.0 => Ok(Some(*f as i64)),
                Self::Real(_) => Err(wrong("a fraction")),
                Self::Text(_) => Err(wrong("text")),
                Self::Blob(_) => Err(wrong("bytes")),
            }
        };
        Ok(if *ty == Type::INT8 {
            Box::new(int(self)?)
        } else if *ty == Type::INT4 {
            Box::new(int(self)?.map(i32::try_from).transpose().map_err(|_| wrong("a large integer"))?)
        } else if *ty == Type::INT2 {
            Box::new(int(self)?.map(i16::try_from).transpose().map_err(|_| wrong("a large integer"))?)
        } else if *ty == Type::BOOL {
            Box::new(int(self)?.map(|i| i != 0))
        } else if *ty == Type::FLOAT8 {
            Box::new(match self {
                Self::Null => None,
                Self::Int(i) => Some(*i as f64),
                Self::Real(f) => Some(*f),
                _ => return Err(wrong("a non-number")),
            })
        } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::BPCHAR {
            Box::new(match self {
                Self::Null => None,
                Self::Text(s) => Some(s.clone()),
                // SQLite lets a text column hold a number; keep its digits.
                Self::Int(i) => Some(i.to_string()),
                Self::Real(f) => Some(f.to_string()),
                Self::Blob(b) => Some(String::from_utf8(b.clone()).map_err(|_| wrong("bytes that are not UTF-8"))?),
            })
        } else if *ty == Type::BYTEA {
            Box::new(match self {
                Self::Null => None,
                Self::Blob(b) => Some(b.clone()),
                Self::Text(s) => Some(s.clone().into_bytes()),
                _ => return Err(wrong("a number")),
            })
        } else {
            return Err(wrong("a value"));
        })
    }

    /// The value's canonical bytes for the checksum: the same value gives
    /// the same bytes whichever database it was read from.
    pub fn canonical(&self, out: &mut Vec<u8>) {
        match self {
            Self::Null => out.push(b'N'),
            Self::Int(i) => {
                out.push(b'I');
                out.extend_from_slice(i.to_string().as_bytes());
            }
            Self::Real(f) => {
                out.push(b'R');
                out.extend_from_slice(format!("{f:?}").as_bytes());
            }
            Self::Text(s) => {
                out.push(b'T');
                out.extend_from_slice(&(s.len() as u64).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
            Self::Blob(b) => {
                out.push(b'B');
                out.extend_from_slice(&(b.len() as u64).to_le_bytes());
                out.extend_from_slice(b);
            }
        }
    }
}
