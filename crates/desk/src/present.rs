//! What each actor is shown: tickets and messages with what they may not
//! see removed, and encrypted texts opened for those who may read them.

use crate::Desk;
use crate::error::DeskResult;
use serde_json::Value;
use tessera_core::custom_field::{CustomFieldDef, FieldType};
use tessera_core::{Actor, Message, Ticket};

/// How a secret value that is set appears in a ticket (reveal it with the
/// reveal operation).
pub const SECRET_MASK: &str = "********";

impl Desk {
    /// The ticket as `actor` may see it.
    pub(crate) fn present_ticket(&self, actor: &Actor, defs: &[CustomFieldDef], mut t: Ticket) -> Ticket {
        let fields = std::mem::take(&mut t.custom_fields);
        for (key, value) in fields {
            let Some(def) = defs.iter().find(|d| d.key == key) else { continue };
            if !actor.can_see_field(def, &t) {
                continue;
            }
            let shown = if def.field_type == FieldType::Secret && !value.is_null() {
                Value::String(SECRET_MASK.into())
            } else {
                value
            };
            t.custom_fields.insert(key, shown);
        }
        if !(actor.is_admin() || actor.user_id == t.requester_id) {
            t.access_key.clear();
        }
        if !actor.is_staff() {
            t.tags.clear();
            t.flagged_id = None;
            t.assigned_by_id = None;
            t.queue_boost = false;
            t.agent_unread = false;
        }
        t
    }

    /// The message as `actor` may see it, its text decrypted.
    pub(crate) fn present_message(&self, actor: &Actor, mut m: Message) -> DeskResult<Message> {
        if m.encrypted && m.deleted_at.is_none() {
            m.body = self.secrets.open("message", &m.body)?;
            m.html = m.html.map(|h| self.secrets.open("message", &h)).transpose()?;
        }
        if !actor.is_staff() {
            m.author_ip = None;
            if m.author.staff {
                m.author.email = None;
            }
        }
        Ok(m)
    }
}
