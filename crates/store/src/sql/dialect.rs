//! What differs between the SQL of the two databases, and nothing else.
//!
//! Both schemas have the same tables and columns, with every boolean stored
//! as 0/1 and every time as milliseconds (decision 26), so a condition means
//! the same on both; only its spelling differs, and the planner hints SQLite
//! needs (decision 22).

use super::{Fragment, Value};
use std::borrow::Cow;

/// How a statement's parameters are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholders {
    /// `?`, in order (SQLite).
    Question,
    /// `$1`, `$2`… (PostgreSQL).
    Numbered,
}

/// How "one of these values" is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lists {
    /// `column IN (?, ?, ?)`, a parameter per value.
    Expanded,
    /// `column = ANY(?)`, the values as one array parameter: one statement
    /// text whatever the number of values.
    Array,
}

/// How a custom field's value is read from the ticket's `custom_fields`
/// JSON text, and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Json {
    /// SQLite's JSON1: `json_extract(custom_fields, '$."key"')`, the path
    /// bound as a parameter; values compare as SQL scalars (numbers as
    /// numbers, texts as texts, `true` as 1).
    Sqlite,
    /// PostgreSQL's `jsonb`: `custom_fields::jsonb -> 'key'` (the key
    /// spliced as a literal), values compared as `jsonb`, so numbers
    /// compare as numbers and texts as texts as in SQLite.
    Postgres,
}

/// Text around an expression: `before` + expression + `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wrap(pub &'static str, pub &'static str);

impl Wrap {
    /// `expr` wrapped.
    pub fn around(&self, expr: &str) -> String {
        format!("{}{expr}{}", self.0, self.1)
    }
}

/// The spelling of one database's SQL, as the shared compiler needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// The database, for messages.
    pub name: &'static str,
    /// How parameters are written.
    pub placeholders: Placeholders,
    /// A condition that always holds.
    pub true_sql: &'static str,
    /// A condition that never holds.
    pub false_sql: &'static str,
    /// How "one of these values" is written in list filters.
    pub lists: Lists,
    /// `LIKE` that ignores case (SQLite's `LIKE` does, for ASCII).
    pub like_nocase: &'static str,
    /// Written after a text column compared with `<` or `>`, so texts
    /// compare by code point as SQLite's default collation does.
    pub code_point_order: &'static str,
    /// An expression ordered without regard to case, then by code point
    /// (SQLite's `NOCASE`).
    pub folded_order: Wrap,
    /// A text's leading digits as an integer, 0 without any (SQLite's
    /// `CAST(… AS INTEGER)`).
    pub leading_number: Wrap,
    /// Written before a column to keep the planner from seeking an index
    /// on it (SQLite's unary `+`; empty where the planner needs no hint).
    pub unseekable: &'static str,
    /// Whether a text parameter may hold NUL. Where it may not, a value
    /// holding one matches nothing (no stored text holds one) rather than
    /// failing the statement.
    pub text_takes_nul: bool,
    /// How custom field values are read.
    pub json: Json,
    /// "Holds the same value", where NULL holds the same as NULL.
    pub same_as: &'static str,
    /// Whether a parameter the database cannot type from its context (one
    /// compared with [`Dialect::same_as`]) names its type.
    pub typed_params: bool,
}

/// SQLite's spelling.
pub const SQLITE: Dialect = Dialect {
    name: "SQLite",
    placeholders: Placeholders::Question,
    true_sql: "1",
    false_sql: "0",
    lists: Lists::Expanded,
    like_nocase: "LIKE",
    code_point_order: "",
    folded_order: Wrap("", " COLLATE NOCASE"),
    leading_number: Wrap("CAST(", " AS INTEGER)"),
    unseekable: "+",
    text_takes_nul: true,
    json: Json::Sqlite,
    same_as: "IS",
    typed_params: false,
};

/// PostgreSQL's spelling, with SQLite's meaning: `ILIKE` for its `LIKE`,
/// the `"C"` collation for its code-point order, `lower()` for `NOCASE`.
pub const POSTGRES: Dialect = Dialect {
    name: "PostgreSQL",
    placeholders: Placeholders::Numbered,
    true_sql: "TRUE",
    false_sql: "FALSE",
    lists: Lists::Array,
    like_nocase: "ILIKE",
    code_point_order: " COLLATE \"C\"",
    folded_order: Wrap("lower(", ") COLLATE \"C\""),
    leading_number: Wrap("COALESCE(substring(", " FROM '^[0-9]{1,18}')::bigint, 0)"),
    unseekable: "",
    text_takes_nul: false,
    json: Json::Postgres,
    same_as: "IS NOT DISTINCT FROM",
    typed_params: true,
};

impl Dialect {
    /// The literal of a condition that always (`true`) or never holds.
    pub fn lit(&self, holds: bool) -> &'static str {
        if holds { self.true_sql } else { self.false_sql }
    }

    /// The statement text as the database takes it: `?` placeholders
    /// numbered where it wants numbers. The SQL must hold no other `?` (no
    /// JSON operators, no `?` in literals).
    pub fn finish<'a>(&self, sql: &'a str) -> Cow<'a, str> {
        match self.placeholders {
            Placeholders::Question => Cow::Borrowed(sql),
            Placeholders::Numbered => {
                let mut out = String::with_capacity(sql.len() + 16);
                let mut n = 0;
                for ch in sql.chars() {
                    if ch == '?' {
                        n += 1;
                        out.push('$');
                        out.push_str(&n.to_string());
                    } else {
                        out.push(ch);
                    }
                }
                Cow::Owned(out)
            }
        }
    }

    /// `column` with the planner kept from seeking an index on it.
    pub fn unseekable(&self, column: &str) -> String {
        format!("{}{column}", self.unseekable)
    }

    /// `column` is one of `values` (integers; at least one).
    pub fn in_ints(&self, column: &str, values: Vec<i64>) -> Fragment {
        match self.lists {
            Lists::Expanded => expanded(column, values.into_iter().map(Value::Int).collect()),
            Lists::Array => Fragment::with(format!("{column} = ANY(?)"), vec![Value::Ints(values)]),
        }
    }

    /// `column` is one of `values` (texts; at least one).
    pub fn in_texts(&self, column: &str, values: Vec<String>) -> Fragment {
        match self.lists {
            Lists::Expanded => expanded(column, values.into_iter().map(Value::Text).collect()),
            Lists::Array => Fragment::with(format!("{column} = ANY(?)"), vec![Value::Texts(values)]),
        }
    }

    /// Whether `text` cannot be bound (see [`Dialect::text_takes_nul`]): it
    /// then matches nothing.
    pub fn refuses(&self, text: &str) -> bool {
        !self.text_takes_nul && text.contains('\0')
    }

    /// `column` holds `value`, never NULL (an empty column holds no value).
    pub fn same_as(&self, column: &str, value: Value) -> Fragment {
        let cast = match (&value, self.typed_params) {
            (Value::Int(_), true) => "::bigint",
            (Value::Text(_), true) => "::text",
            _ => "",
        };
        Fragment::with(format!("{column} {} ?{cast}", self.same_as), vec![value])
    }

    /// `column = value` for a text as typed (see
    /// [`Dialect::text_takes_nul`]).
    pub fn text_equals(&self, column: &str, value: &str) -> Fragment {
        if self.refuses(value) {
            Fragment::new(self.false_sql)
        } else {
            Fragment::with(format!("{column} = ?"), vec![Value::Text(value.to_string())])
        }
    }
}

/// `column IN (?, ?, …)`.
fn expanded(column: &str, values: Vec<Value>) -> Fragment {
    Fragment::with(format!("{column} IN ({})", vec!["?"; values.len()].join(", ")), values)
}

/// The JSON path of a custom field for SQLite's `json_extract`.
fn sqlite_path(key: &str) -> Value {
    Value::Text(format!("$.\"{}\"", key.replace('"', "")))
}

impl Json {
    /// The value of the custom field `key` of the ticket `t`, SQL `NULL`
    /// when it has none (a JSON `null` counts as none).
    pub fn field(&self, key: &str) -> Fragment {
        match self {
            // The key is bound, never spliced: json_extract takes the path
            // as a value.
            Json::Sqlite => Fragment::with("json_extract(t.custom_fields, ?)", vec![sqlite_path(key)]),
            // Spliced as a string literal (without quotes or `?`), so the
            // expression holds no placeholder and may be repeated.
            Json::Postgres => {
                let key = key.replace(['\'', '?'], "");
                Fragment::new(format!("NULLIF(t.custom_fields::jsonb -> '{key}', 'null'::jsonb)"))
            }
        }
    }

    /// A placeholder for a custom field value to compare [`Json::field`]
    /// with.
    pub fn value(&self, v: &serde_json::Value) -> Fragment {
        match self {
            Json::Sqlite => {
                let scalar = match v {
                    serde_json::Value::Bool(b) => Value::flag(*b),
                    serde_json::Value::Number(n) => {
                        n.as_i64().map_or_else(|| Value::Real(n.as_f64().unwrap_or(0.0)), Value::Int)
                    }
                    serde_json::Value::String(s) => Value::Text(s.clone()),
                    _ => Value::Null,
                };
                Fragment::with("?", vec![scalar])
            }
            // JSON text, sent as text (the driver cannot send a String as
            // jsonb) and compared as jsonb.
            Json::Postgres => Fragment::with(
                "(?::text)::jsonb",
                vec![Value::Text(serde_json::to_string(v).unwrap_or_else(|_| "null".into()))],
            ),
        }
    }

    /// The custom field `key` (read as `field`) is a text containing `text`
    /// (matched with `like`, a `LIKE` pattern ignoring case), or a list (a
    /// multiselect) holding it.
    pub fn contains(&self, key: &str, field: &Fragment, like: String, text: &str) -> Fragment {
        let mut out = Fragment::default();
        match self {
            Json::Sqlite => {
                out.push("(").append(field).push(" LIKE ").bind(like);
                out.push(" ESCAPE '\\' OR EXISTS (SELECT 1 FROM json_each(t.custom_fields, ").bind(sqlite_path(key));
                out.push(") j WHERE j.value = ").bind(text).push("))");
            }
            Json::Postgres => {
                let col = &field.sql;
                out.push(&format!("COALESCE(({col} #>> '{{}}') ILIKE ")).bind(like);
                out.push(&format!(
                    " ESCAPE '\\' OR (jsonb_typeof({col}) = 'array' \
                     AND EXISTS (SELECT 1 FROM jsonb_array_elements_text({col}) j WHERE j = "
                ));
                out.bind(text).push(")), FALSE)");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(POSTGRES.finish("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)");
        assert_eq!(SQLITE.finish("a = ? AND b IN (?, ?)"), "a = ? AND b IN (?, ?)");
    }

    #[test]
    fn lists_are_expanded_or_one_array() {
        let s = SQLITE.in_ints("t.priority", vec![3, 4]);
        assert_eq!((s.sql.as_str(), s.values.len()), ("t.priority IN (?, ?)", 2));
        let p = POSTGRES.in_ints("t.priority", vec![3, 4]);
        assert_eq!(p.sql, "t.priority = ANY(?)");
        assert_eq!(p.values, vec![Value::Ints(vec![3, 4])]);
    }
}
