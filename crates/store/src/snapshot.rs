//! The ticket as a committed change left it, kept so that webhook deliveries
//! made later (retries, a queue held back by a failing receiver) describe
//! the ticket as of their event (decision 18). Both backends keep it in the
//! same form: the ticket's JSON without sealed (secret) custom field values,
//! which must not outlive a wipe or reach a payload.

use crate::{StoreError, StoreResult};
use tessera_core::Ticket;
use tessera_core::custom_field::is_sealed;

/// The text kept for `t` at its version.
pub fn to_text(t: &Ticket) -> StoreResult<String> {
    let mut kept = t.clone();
    kept.custom_fields.retain(|_, v| !is_sealed(v));
    serde_json::to_string(&kept).map_err(|e| StoreError::Backend(format!("cannot keep the ticket: {e}")))
}

/// A kept ticket read back.
pub fn from_text(text: &str) -> StoreResult<Ticket> {
    serde_json::from_str(text).map_err(|e| StoreError::Backend(format!("a kept ticket does not read back: {e}")))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn sealed_values_are_left_out_and_the_rest_round_trips() {
        let mut t: Ticket = serde_json::from_value(json!({
            "id": 7, "number": "123456", "access_key": "k", "subject": "S", "department_id": 1,
            "requester_id": 2, "organization_id": null, "service_id": null, "assignee_id": null,
            "assigned_by_id": null, "flagged_id": null, "cc": {"emails": [], "agent_ids": []}, "tags": [],
            "type": null, "priority": "normal", "status": "new", "status_category": "new", "source": "api",
            "custom_fields": {}, "locked": false, "archived": false, "queue_boost": false,
            "closed_reason": null, "merged_into_id": null, "follow_up_of_id": null,
            "created_at": "2026-01-01T09:00:00Z", "updated_at": "2026-01-01T09:00:00Z",
            "last_reply_at": null, "last_customer_reply_at": null, "last_agent_reply_at": null,
            "first_response_at": null, "awaiting_agent_since": null, "solved_at": null, "closed_at": null,
            "due_at": null, "deleted_at": null, "customer_unread": false, "agent_unread": true, "version": 3
        }))
        .unwrap();
        t.custom_fields.insert("plan".into(), json!("gold"));
        t.custom_fields.insert("server_password".into(), json!("enc:v1:AAAA"));
        let back = from_text(&to_text(&t).unwrap()).unwrap();
        assert!(!back.custom_fields.contains_key("server_password"));
        t.custom_fields.remove("server_password");
        assert_eq!(back, t);
    }
}
