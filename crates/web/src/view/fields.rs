//! Custom fields in forms: the controls of the fields a person may set
//! (`field_input.html`), and the submitted values back as JSON by type.

use super::field_label;
use crate::i18n::I18n;
use crate::page::FormErrors;
use serde_json::Value;
use std::collections::BTreeMap;
use tessera_core::custom_field::{CustomFieldDef, FieldType};
use tessera_core::ids::DepartmentId;

/// A custom field as a form control.
#[derive(Debug, Clone)]
pub struct FieldInput {
    /// Key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Type name (`text`, `select`...).
    pub kind: &'static str,
    /// Required.
    pub required: bool,
    /// Options of selects.
    pub options: Vec<String>,
    /// Current values (one for most, several for multiselects).
    pub values: Vec<String>,
    /// Error message.
    pub error: Option<String>,
}

impl FieldInput {
    /// Whether `option` is among the values.
    pub fn has(&self, option: &str) -> bool {
        self.values.iter().any(|v| v == option)
    }

    /// The first value.
    pub fn value(&self) -> &str {
        self.values.first().map_or("", String::as_str)
    }
}

/// Builds the controls of the fields a customer may set in a department.
pub fn field_inputs(
    i: &I18n,
    defs: &[CustomFieldDef],
    dept: DepartmentId,
    staff: bool,
    values: &BTreeMap<String, Vec<String>>,
    errors: &FormErrors,
) -> Vec<FieldInput> {
    defs.iter()
        .filter(|d| d.applies_to(dept) && (staff || d.customer_editable))
        .map(|d| {
            let path = format!("custom_fields.{}", d.key);
            let label = field_label(i, d);
            FieldInput {
                key: d.key.clone(),
                kind: d.field_type.as_str(),
                required: d.required,
                options: d.options.clone(),
                values: values.get(&d.key).cloned().unwrap_or_default(),
                // The desk's messages name the field by its path: say its label.
                error: errors.get(&path).map(|e| e.replace(&path, &label)),
                label,
            }
        })
        .collect()
}

/// Turns the form's `cf.<key>` fields into JSON values by their type.
pub fn field_values(
    i: &I18n,
    defs: &[CustomFieldDef],
    raw: &BTreeMap<String, Vec<String>>,
    errors: &mut FormErrors,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (key, values) in raw {
        let Some(def) = defs.iter().find(|d| &d.key == key) else { continue };
        let first = values.first().map(|v| v.trim().to_string()).unwrap_or_default();
        let v = match def.field_type {
            FieldType::Multiselect => {
                Value::Array(values.iter().filter(|v| !v.is_empty()).map(|v| Value::String(v.clone())).collect())
            }
            FieldType::Checkbox => Value::Bool(values.iter().any(|v| v == "on" || v == "true")),
            FieldType::Number if first.is_empty() => continue,
            FieldType::Number => match first.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
                Some(n) => Value::Number(n),
                None => {
                    errors.add(
                        &format!("custom_fields.{key}"),
                        i.t("err.invalid_type").replace("{0}", &field_label(i, def)),
                    );
                    continue;
                }
            },
            _ if first.is_empty() => continue,
            _ => Value::String(first),
        };
        out.insert(key.clone(), v);
    }
    out
}
