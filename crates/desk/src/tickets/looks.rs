//! Looking without changing: read marks, revealing a secret, asking for a
//! guest link. Each is recorded in the event log, without a version bump.

use super::change::RETRIES;
use crate::Desk;
use crate::diff::Events;
use crate::error::{DeskError, DeskResult};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::custom_field::FieldType;
use tessera_core::event::EventKind;
use tessera_core::ids::*;
use tessera_core::{Actor, Ticket, Timestamp};
use tessera_store::*;

impl Desk {
    /// Marks a ticket read by the actor (clears their side's unread mark).
    /// Reading is not a change of the ticket: no version bump, no event.
    pub async fn mark_read(&self, actor: &Actor, id: TicketId) -> DeskResult<Timestamp> {
        let _ = self.visible_ticket(actor, id).await?;
        let now = self.now();
        self.store.mark_read(id, actor.user_id, actor.is_staff(), now).await?;
        Ok(now)
    }

    /// Shows a secret custom field's value to an agent of the ticket's
    /// department (or an admin), and records that they looked.
    pub async fn reveal_secret(&self, actor: &Actor, id: TicketId, key: &str) -> DeskResult<Option<String>> {
        let t = self.visible_ticket(actor, id).await?;
        let defs = self.field_defs().await?;
        let def = defs
            .iter()
            .find(|d| d.key == key && d.field_type == FieldType::Secret)
            .ok_or(DeskError::not_found("secret field"))?;
        if !actor.is_staff() || !actor.can_see_field(def, &t) {
            return Err(DeskError::forbidden("only agents of the ticket's department see its secrets"));
        }
        let value = match t.custom_fields.get(key) {
            Some(Value::String(sealed)) => Some(self.secrets.open(&format!("custom_field:{key}"), sealed)?),
            _ => None,
        };
        self.record_look(actor, t, EventKind::SecretRevealed, json!({"field": key})).await?;
        Ok(value)
    }

    /// The ticket's guest link (`/t/<number>?key=<access key>`) for an
    /// agent who works the ticket, to send to its requester; recorded on
    /// the ticket, since whoever holds the link acts as the requester there.
    pub async fn guest_link(&self, actor: &Actor, id: TicketId) -> DeskResult<String> {
        let t = self.visible_ticket(actor, id).await?;
        if !actor.can_work(&t) || actor.only_ticket.is_some() {
            // They see the ticket (a customer, a guest), but the link is
            // for agents to hand out.
            return Err(DeskError::forbidden("only agents who work the ticket ask for its guest link"));
        }
        let link = format!("/t/{}?key={}", t.number, t.access_key);
        self.record_look(actor, t, EventKind::GuestLinkIssued, Value::Null).await?;
        Ok(link)
    }

    /// Records that `actor` looked at something of `t` without changing it
    /// (no version bump: looking is not a change), retrying while the
    /// ticket changes under it.
    async fn record_look(&self, actor: &Actor, mut t: Ticket, kind: EventKind, data: Value) -> DeskResult<()> {
        for _ in 0..RETRIES {
            let mut ev = Events::new(actor, self.now());
            ev.push(kind, None, BTreeMap::new(), data.clone());
            let mut change = TicketChange::new(t.clone(), t.version);
            change.events = ev.list;
            match self
                .store
                .commit(ChangeSet { creates: vec![], updates: vec![change], users: vec![], mail: None, blocks: vec![] })
                .await
            {
                Ok(_) => return Ok(()),
                Err(StoreError::VersionConflict) => t = self.visible_ticket(actor, t.id).await?,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Conflict { code: "busy", message: "the ticket kept changing; try again".into(), field: None })
    }
}
