//! SQL text with its parameters.

/// A statement parameter, typed as the stored columns are: integers
/// (ids, times in milliseconds, booleans as 0/1, priority ranks), reals
/// (custom field numbers), texts, and lists bound as one array for
/// dialects that take arrays ([`super::Lists::Array`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL `NULL`.
    Null,
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Real(f64),
    /// A text.
    Text(String),
    /// Integers as one array parameter.
    Ints(Vec<i64>),
    /// Texts as one array parameter.
    Texts(Vec<String>),
}

impl Value {
    /// A nullable integer.
    pub fn int_opt(v: Option<i64>) -> Self {
        v.map_or(Self::Null, Self::Int)
    }

    /// A nullable text.
    pub fn text_opt(v: Option<impl Into<String>>) -> Self {
        v.map_or(Self::Null, |t| Self::Text(t.into()))
    }

    /// A boolean as its stored 0/1.
    pub fn flag(v: bool) -> Self {
        Self::Int(i64::from(v))
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_string())
    }
}

/// SQL text with `?` placeholders and the values they stand for, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fragment {
    /// The text.
    pub sql: String,
    /// One value per `?` of the text.
    pub values: Vec<Value>,
}

impl Fragment {
    /// Text without parameters.
    pub fn new(sql: impl Into<String>) -> Self {
        Self { sql: sql.into(), values: Vec::new() }
    }

    /// Text with its values.
    pub fn with(sql: impl Into<String>, values: Vec<Value>) -> Self {
        Self { sql: sql.into(), values }
    }

    /// Appends text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `v`.
    pub fn bind(&mut self, v: impl Into<Value>) -> &mut Self {
        self.sql.push('?');
        self.values.push(v.into());
        self
    }

    /// Appends another fragment, text and values.
    pub fn append(&mut self, other: &Fragment) -> &mut Self {
        self.sql.push_str(&other.sql);
        self.values.extend(other.values.iter().cloned());
        self
    }

    /// The fragments joined by `sep`, values in order.
    pub fn join(parts: impl IntoIterator<Item = Fragment>, sep: &str) -> Fragment {
        let mut out = Fragment::default();
        for (i, part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.sql.push_str(sep);
            }
            out.sql.push_str(&part.sql);
            out.values.extend(part.values);
        }
        out
    }
}
