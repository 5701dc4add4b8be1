//! Custom fields: definitions and the validation of their values.

use crate::error::DomainError;
use crate::ids::{CustomFieldId, DepartmentId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The kinds of value a field holds.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// One line, at most 255 characters.
    Text,
    /// Several lines, at most 10,000 characters.
    Textarea,
    /// A finite JSON number.
    Number,
    /// One of the options.
    Select,
    /// Several distinct options.
    Multiselect,
    /// `true` or `false`; a required checkbox must be ticked.
    Checkbox,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// A string kept encrypted, shown only to the ticket's department's agents.
    Secret,
}

impl FieldType {
    /// Every type.
    pub const ALL: [Self; 8] = [
        Self::Text,
        Self::Textarea,
        Self::Number,
        Self::Select,
        Self::Multiselect,
        Self::Checkbox,
        Self::Date,
        Self::Secret,
    ];

    /// The serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Textarea => "textarea",
            Self::Number => "number",
            Self::Select => "select",
            Self::Multiselect => "multiselect",
            Self::Checkbox => "checkbox",
            Self::Date => "date",
            Self::Secret => "secret",
        }
    }

    /// Parses the serialized name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// A custom field definition.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomFieldDef {
    /// Row id.
    pub id: CustomFieldId,
    /// Stable key used in the API (`server_ip`).
    pub key: String,
    /// Labels by language code; `en` is the fallback.
    pub labels: BTreeMap<String, String>,
    /// The value type (`type` in the API).
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// A value must be given when a ticket is opened.
    pub required: bool,
    /// Allowed values of select and multiselect fields.
    pub options: Vec<String>,
    /// Customers see the value.
    pub customer_visible: bool,
    /// Customers may set the value (for non-secret fields this implies
    /// visible; a secret is write-only for customers).
    pub customer_editable: bool,
    /// Departments the field applies to; empty means all.
    pub department_ids: Vec<DepartmentId>,
    /// Secret values are wiped when the ticket is solved.
    pub wipe_on_solve: bool,
    /// Sort position on forms.
    pub position: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl CustomFieldDef {
    /// The field applies to tickets of `department`.
    pub fn applies_to(&self, department: crate::ids::DepartmentId) -> bool {
        self.department_ids.is_empty() || self.department_ids.contains(&department)
    }

    /// Checks and normalizes one value. `Value::Null` clears the field
    /// (refused for required fields).
    pub fn validate(&self, value: &Value) -> Result<Value, DomainError> {
        let field = format!("custom_fields.{}", self.key);
        let err = |code: &'static str, msg: String| DomainError::invalid(field.clone(), code, msg);
        if is_empty_value(value) {
            if self.required {
                return Err(err("required", format!("{} is required", self.key)));
            }
            return Ok(Value::Null);
        }
        match self.field_type {
            FieldType::Text | FieldType::Textarea | FieldType::Secret => {
                let Value::String(s) = value else {
                    return Err(err("invalid_type", format!("{} must be a string", self.key)));
                };
                let max = match self.field_type {
                    FieldType::Text => 255,
                    FieldType::Secret => 1000,
                    _ => 10_000,
                };
                if s.chars().count() > max {
                    return Err(err("too_long", format!("{} is longer than {max} characters", self.key)));
                }
                if self.field_type != FieldType::Textarea && s.contains(['\n', '\r']) {
                    return Err(err("invalid_value", format!("{} must be one line", self.key)));
                }
                Ok(Value::String(s.trim().to_string()))
            }
            FieldType::Number => match value {
                Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => Ok(value.clone()),
                _ => Err(err("invalid_type", format!("{} must be a number", self.key))),
            },
            FieldType::Checkbox => match value {
                Value::Bool(false) if self.required => Err(err("required", format!("{} must be ticked", self.key))),
                Value::Bool(_) => Ok(value.clone()),
                _ => Err(err("invalid_type", format!("{} must be true or false", self.key))),
            },
            FieldType::Select => match value {
                Value::String(s) if self.options.contains(s) => Ok(value.clone()),
                Value::String(s) => Err(err(
                    "invalid_option",
                    format!("{s:?} is not an option of {}; options: {}", self.key, self.options.join(", ")),
                )),
                _ => Err(err("invalid_type", format!("{} must be a string", self.key))),
            },
            FieldType::Multiselect => {
                let Value::Array(items) = value else {
                    return Err(err("invalid_type", format!("{} must be a list of strings", self.key)));
                };
                let mut out: Vec<String> = Vec::with_capacity(items.len());
                for item in items {
                    let Value::String(s) = item else {
                        return Err(err("invalid_type", format!("{} must be a list of strings", self.key)));
                    };
                    if !self.options.contains(s) {
                        return Err(err("invalid_option", format!("{s:?} is not an option of {}", self.key)));
                    }
                    if !out.contains(s) {
                        out.push(s.clone());
                    }
                }
                Ok(Value::Array(out.into_iter().map(Value::String).collect()))
            }
            FieldType::Date => match value {
                Value::String(s) if chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10 => {
                    Ok(value.clone())
                }
                _ => Err(err("invalid_date", format!("{} must be a date written YYYY-MM-DD", self.key))),
            },
        }
    }

    /// Checks a definition's own consistency (options for selects, a key of
    /// `a-z0-9_`, an English label).
    pub fn check(&self) -> Result<(), DomainError> {
        let key_ok = !self.key.is_empty()
            && self.key.len() <= 64
            && self.key.starts_with(|c: char| c.is_ascii_lowercase())
            && self.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            return Err(DomainError::invalid(
                "key",
                "invalid_key",
                "a field key is 1 to 64 characters of a-z, 0-9 and _, starting with a letter",
            ));
        }
        let needs_options = matches!(self.field_type, FieldType::Select | FieldType::Multiselect);
        if needs_options && self.options.is_empty() {
            return Err(DomainError::invalid("options", "required", "select fields need options"));
        }
        if !needs_options && !self.options.is_empty() {
            return Err(DomainError::invalid("options", "not_allowed", "only select fields have options"));
        }
        if self.options.iter().any(|o| o.trim().is_empty() || o.chars().count() > 255) {
            return Err(DomainError::invalid("options", "invalid_option", "options are 1 to 255 characters"));
        }
        if self.labels.get("en").is_none_or(|l| l.trim().is_empty()) {
            return Err(DomainError::invalid("labels", "required", "an English label (labels.en) is required"));
        }
        if self.field_type == FieldType::Secret && self.customer_visible {
            return Err(DomainError::invalid(
                "customer_visible",
                "not_allowed",
                "secret values are never shown to customers; a customer may only be allowed to write them",
            ));
        }
        Ok(())
    }
}

/// How a value sealed at rest begins (`enc:v1:` and base64 of nonce and
/// ciphertext; the desk seals and opens them). Known here so that layers
/// without the key can tell a sealed value and leave it out.
pub const SEALED_PREFIX: &str = "enc:v1:";

/// Whether a stored custom field value is sealed (a `secret` field's).
pub fn is_sealed(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with(SEALED_PREFIX))
}

/// `null`, a blank string and an empty list count as "no value".
pub fn is_empty_value(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn def(t: FieldType, required: bool, options: &[&str]) -> CustomFieldDef {
        CustomFieldDef {
            id: CustomFieldId(1),
            key: "f".into(),
            labels: [("en".to_string(), "F".to_string())].into(),
            field_type: t,
            required,
            options: options.iter().map(|s| s.to_string()).collect(),
            customer_visible: true,
            customer_editable: true,
            department_ids: vec![],
            wipe_on_solve: false,
            position: 0,
            created_at: crate::Timestamp::default(),
        }
    }

    #[test]
    fn each_type_accepts_its_values() {
        assert_eq!(def(FieldType::Text, false, &[]).validate(&json!(" hi ")).unwrap(), json!("hi"));
        assert!(def(FieldType::Textarea, false, &[]).validate(&json!("a\nb")).is_ok());
        assert!(def(FieldType::Number, false, &[]).validate(&json!(4.5)).is_ok());
        assert!(def(FieldType::Select, false, &["a", "b"]).validate(&json!("b")).is_ok());
        assert_eq!(
            def(FieldType::Multiselect, false, &["a", "b"]).validate(&json!(["a", "a", "b"])).unwrap(),
            json!(["a", "b"])
        );
        assert!(def(FieldType::Checkbox, false, &[]).validate(&json!(false)).is_ok());
        assert!(def(FieldType::Date, false, &[]).validate(&json!("2026-02-28")).is_ok());
        assert!(def(FieldType::Secret, false, &[]).validate(&json!("hunter2")).is_ok());
    }

    #[test]
    fn each_type_refuses_wrong_values() {
        assert!(def(FieldType::Text, false, &[]).validate(&json!(3)).is_err());
        assert!(def(FieldType::Text, false, &[]).validate(&json!("a\nb")).is_err());
        assert!(def(FieldType::Text, false, &[]).validate(&json!("x".repeat(256))).is_err());
        assert!(def(FieldType::Number, false, &[]).validate(&json!("4")).is_err());
        assert!(def(FieldType::Select, false, &["a"]).validate(&json!("z")).is_err());
        assert!(def(FieldType::Multiselect, false, &["a"]).validate(&json!(["a", "z"])).is_err());
        assert!(def(FieldType::Multiselect, false, &["a"]).validate(&json!("a")).is_err());
        assert!(def(FieldType::Checkbox, false, &[]).validate(&json!("yes")).is_err());
        assert!(def(FieldType::Date, false, &[]).validate(&json!("2026-02-30")).is_err());
        assert!(def(FieldType::Date, false, &[]).validate(&json!("26-2-3")).is_err());
    }

    #[test]
    fn required_fields_need_a_value() {
        for t in FieldType::ALL {
            let opts: &[&str] = if matches!(t, FieldType::Select | FieldType::Multiselect) { &["a"] } else { &[] };
            let d = def(t, true, opts);
            assert!(d.validate(&Value::Null).is_err(), "{t:?}");
            assert!(d.validate(&json!("")).is_err(), "{t:?}");
        }
        assert!(def(FieldType::Checkbox, true, &[]).validate(&json!(false)).is_err());
        assert!(def(FieldType::Text, false, &[]).validate(&Value::Null).unwrap().is_null());
    }

    #[test]
    fn definitions_are_checked() {
        assert!(def(FieldType::Select, false, &[]).check().is_err());
        assert!(def(FieldType::Text, false, &["a"]).check().is_err());
        let mut d = def(FieldType::Text, false, &[]);
        d.key = "Bad Key".into();
        assert!(d.check().is_err());
        let mut s = def(FieldType::Secret, false, &[]);
        assert!(s.check().is_err(), "a secret visible to customers");
        s.customer_visible = false;
        assert!(s.check().is_ok(), "a secret customers may only write");
    }

    proptest! {
        /// Whatever JSON comes in, validation answers (never panics), and an
        /// accepted value validates again to itself.
        #[test]
        fn validation_is_total_and_idempotent(t in prop::sample::select(FieldType::ALL.to_vec()), v in arb_json()) {
            let d = def(t, false, &["a", "b"]);
            if let Ok(norm) = d.validate(&v) {
                prop_assert_eq!(d.validate(&norm).unwrap(), norm);
            }
        }
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
            "[a-b]{0,3}".prop_map(Value::String),
            ".{0,20}".prop_map(Value::String),
            "2026-0[1-9]-[0-3][0-9]".prop_map(Value::String),
        ];
        leaf.prop_recursive(2, 8, 4, |inner| prop::collection::vec(inner, 0..4).prop_map(Value::Array))
    }
}
