//! Bangwo8's JSON shapes: a ticket view and a ticket, every value a string
//! as in the seed's examples, an empty time `""`, times `Y-m-d H:i:s`.

use super::labels;
use crate::common::{ymd_his, ymd_his_or_empty};
use serde_json::{Value, json};
use tessera_core::lang::Lang;
use tessera_core::{CustomFieldDef, Message, Ticket};
use tessera_store::ViewRecord;

/// How values are written: the zone and the label language.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// The configured time zone.
    pub tz: chrono_tz::Tz,
    /// The caller's label language.
    pub lang: Lang,
}

/// A view: `id`, `url`, `title`, `active`, `createDT`, `updateDT` (`""`
/// when it was never changed), and `ticket_count` when asked.
pub fn view(v: &ViewRecord, url: String, count: Option<u64>, style: Style) -> Value {
    let updated = if v.updated_at > v.created_at { ymd_his(v.updated_at, style.tz) } else { String::new() };
    let mut out = json!({
        "id": v.id.0.to_string(),
        "url": url,
        "title": v.title,
        "active": if v.active { "1" } else { "0" },
        "createDT": ymd_his(v.created_at, style.tz),
        "updateDT": updated,
    });
    if let (Some(n), Some(map)) = (count, out.as_object_mut()) {
        map.insert("ticket_count".into(), Value::String(n.to_string()));
    }
    out
}

/// A custom field's value as a string (lists stay lists of strings).
fn field_value(v: &Value) -> Value {
    match v {
        Value::Null => Value::String(String::new()),
        Value::String(s) => Value::String(s.clone()),
        Value::Bool(b) => Value::String(if *b { "1" } else { "0" }.into()),
        Value::Number(n) => Value::String(n.to_string()),
        Value::Array(items) => Value::Array(items.iter().map(field_value).collect()),
        Value::Object(_) => Value::String(v.to_string()),
    }
}

/// A ticket; `first` is its opening message when the caller may read it.
pub fn ticket(t: &Ticket, first: Option<&Message>, defs: &[CustomFieldDef], style: Style) -> Value {
    let custom_fields: Vec<Value> = t
        .custom_fields
        .iter()
        .filter_map(|(key, value)| {
            let def = defs.iter().find(|d| &d.key == key)?;
            Some(json!({"key": format!("field_{}", def.id.0), "value": field_value(value)}))
        })
        .collect();
    let join = |ids: Vec<String>| ids.join(",");
    json!({
        "ticketId": t.id.0.to_string(),
        "custUserId": t.requester_id.0.to_string(),
        "subject": t.subject,
        "descript": first.map(|m| m.body.clone()).unwrap_or_default(),
        "servicerUserId": t.assignee_id.map(|a| a.0.to_string()).unwrap_or_default(),
        "ccUserIdList": join(t.cc.agent_ids.iter().map(|a| a.0.to_string()).collect()),
        "ticketType": labels::type_label(t.ticket_type, style.lang),
        "priorityLevel": labels::priority_label(t.priority, style.lang),
        "tagList": t.tags.join(","),
        "ticketStatus": labels::status_label(labels::status_code(t), style.lang),
        "createDT": ymd_his(t.created_at, style.tz),
        "updateDT": ymd_his(t.updated_at, style.tz),
        "solveDT": ymd_his_or_empty(t.solved_at, style.tz),
        "closeDT": ymd_his_or_empty(t.closed_at, style.tz),
        "servicerGroupId": t.department_id.0.to_string(),
        "createrId": first.and_then(|m| m.author.user_id).map(|u| u.0.to_string()).unwrap_or_default(),
        "createrType": if first.is_some_and(|m| m.author.staff) { "0" } else { "1" },
        "ticketSource": labels::source_label(t.source, style.lang),
        "custom_fields": custom_fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_values_are_strings() {
        assert_eq!(field_value(&json!(123.5)), json!("123.5"));
        assert_eq!(field_value(&json!(true)), json!("1"));
        assert_eq!(field_value(&json!(["a", 2])), json!(["a", "2"]));
        assert_eq!(field_value(&Value::Null), json!(""));
    }
}
