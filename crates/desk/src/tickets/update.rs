//! Changing a ticket: its properties (status, priority, department,
//! assignee, tags, fields, flags), solving, closing, reopening, archiving,
//! deleting and merging.

use super::change::{Also, RETRIES, backoff};
use crate::Desk;
use crate::diff::Events;
use crate::error::{DeskError, DeskResult};
use crate::inputs::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tessera_core::event::EventKind;
use tessera_core::ids::*;
use tessera_core::status::{self, StatusCategory, StatusKey, StatusRef};
use tessera_core::ticket::{ClosedReason, normalize_tags, validate_subject};
use tessera_core::{Actor, Ticket};
use tessera_store::*;

impl Desk {
    /// Archives (or takes out of the archive) several tickets as one change:
    /// all of them, or none when one cannot be. Whoever may see a ticket may
    /// file it.
    pub async fn archive_tickets(&self, actor: &Actor, ids: &[TicketId], archived: bool) -> DeskResult<Vec<Ticket>> {
        if ids.len() > 100 {
            return Err(DeskError::invalid("ids", "invalid_value", "archive at most 100 tickets at once"));
        }
        let mut unique = ids.to_vec();
        unique.sort();
        unique.dedup();
        let defs = self.field_defs().await?;
        let tickets = self
            .modify_many(actor, &unique, &defs, |_, new, _| {
                new.archived = archived;
                Ok(())
            })
            .await?;
        Ok(tickets.into_iter().map(|t| self.present_ticket(actor, &defs, t)).collect())
    }

    // ---- checks shared by the operations ---------------------------------------------

    /// Changes a ticket's fields. `expected` (from `If-Match`) or the patch's
    /// `version` makes the change conditional on the ticket being unchanged.
    pub async fn update_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        patch: TicketPatch,
        expected: Option<i64>,
    ) -> DeskResult<Ticket> {
        self.update_ticket_editing(actor, id, patch, expected, None).await
    }

    /// [`Desk::update_ticket`], also editing one of the ticket's messages
    /// in the same change (WHMCS `UpdateTicket`'s `message`, the opening
    /// message): one commit, one version, one batch of events, refused
    /// whole if either part is.
    pub async fn update_ticket_editing(
        &self,
        actor: &Actor,
        id: TicketId,
        patch: TicketPatch,
        expected: Option<i64>,
        edit: Option<(MessageId, EditMessage)>,
    ) -> DeskResult<Ticket> {
        let staff = actor.is_staff();
        let expected = expected.or(patch.version);
        if !staff {
            // Whoever may not see the ticket is told it does not exist,
            // before being told which fields they may not change.
            self.visible_ticket(actor, id).await?;
            let agent_only: [(&str, bool); 13] = [
                ("subject", patch.subject.is_some()),
                ("priority", patch.priority.is_some()),
                ("type", patch.ticket_type.is_some()),
                ("department_id", patch.department_id.is_some()),
                ("assignee_id", patch.assignee_id.is_some()),
                ("tags", patch.tags.is_some()),
                ("add_tags", !patch.add_tags.is_empty()),
                ("remove_tags", !patch.remove_tags.is_empty()),
                ("service_id", patch.service_id.is_some()),
                ("locked", patch.locked.is_some()),
                ("flagged_id", patch.flagged_id.is_some()),
                ("due_at", patch.due_at.is_some()),
                ("queue_boost", patch.queue_boost.is_some()),
            ];
            if let Some((field, _)) = agent_only.iter().find(|(_, set)| *set) {
                return Err(DeskError::forbidden_field(field, format!("customers may not change {field}")));
            }
        }
        // Everything that needs a lookup is looked up before the loop.
        let subject = patch.subject.as_deref().map(validate_subject).transpose()?;
        let target_status = match &patch.status {
            Some(k) => Some(self.status_ref("status", k).await?),
            None => None,
        };
        if let Some(d) = patch.department_id
            && self.store.department(d).await?.is_none()
        {
            return Err(DeskError::invalid("department_id", "unknown_department", "there is no such department"));
        }
        if let Some(Some(a)) = patch.assignee_id {
            self.staff_user("assignee_id", a).await?;
        }
        if let Some(Some(a)) = patch.flagged_id {
            self.staff_user("flagged_id", a).await?;
        }
        let service = match patch.service_id {
            Some(Some(s)) => Some(
                self.store
                    .service(s)
                    .await?
                    .ok_or_else(|| DeskError::invalid("service_id", "unknown_service", "there is no such service"))?,
            ),
            _ => None,
        };
        let replace_tags = patch.tags.as_deref().map(normalize_tags).transpose()?;
        let add_tags = normalize_tags(&patch.add_tags)?;
        let remove_tags = normalize_tags(&patch.remove_tags)?;
        let cc = match &patch.cc {
            Some(cc) => Some(self.check_cc(cc).await?),
            None => None,
        };
        let edit = match edit {
            Some((mid, input)) => {
                let (t, m) = self.visible_message(actor, mid).await?;
                if t.id != id {
                    return Err(DeskError::not_found("message"));
                }
                Some(self.prepare_edit(actor, &t, m, &input)?)
            }
            None => None,
        };
        let defs = self.field_defs().await?;
        let (ticket, _) = self
            .modify(actor, id, expected, &defs, |old, new, work| {
                let now = self.now();
                if let Some(e) = &edit {
                    e.apply(actor, now, work);
                }
                if let Some(s) = &subject {
                    new.subject = s.clone();
                }
                if let Some(d) = patch.department_id {
                    new.department_id = d;
                }
                if let Some(target) = &target_status {
                    let next = status::set_status(&old.status_ref(), target, actor.side())?;
                    new.apply_status(&next, now);
                    if next.category == StatusCategory::Closed && old.status_category != StatusCategory::Closed {
                        new.closed_reason = Some(ClosedReason::Manual);
                    }
                }
                if let Some(p) = patch.priority {
                    new.priority = p;
                }
                if let Some(t) = patch.ticket_type {
                    new.ticket_type = t;
                }
                if let Some(a) = patch.assignee_id
                    && new.assignee_id != a
                {
                    new.assignee_id = a;
                    new.assigned_by_id = a.map(|_| actor.user_id);
                }
                if let Some(tags) = &replace_tags {
                    new.tags = tags.clone();
                }
                if !add_tags.is_empty() || !remove_tags.is_empty() {
                    let mut tags: Vec<String> = new.tags.iter().filter(|t| !remove_tags.contains(t)).cloned().collect();
                    tags.extend(add_tags.iter().cloned());
                    new.tags = normalize_tags(&tags)?;
                }
                if let Some(s) = patch.service_id {
                    if let Some(svc) = &service
                        && svc.owner_id != new.requester_id
                    {
                        return Err(DeskError::invalid(
                            "service_id",
                            "unknown_service",
                            "the requester has no such service",
                        ));
                    }
                    new.service_id = s;
                }
                if let Some(l) = patch.locked {
                    new.locked = l;
                }
                if let Some(f) = patch.flagged_id {
                    new.flagged_id = f;
                }
                if let Some(a) = patch.archived {
                    new.archived = a;
                }
                if let Some(cc) = &cc {
                    if staff {
                        new.cc = cc.clone();
                    } else {
                        // Customers manage the copied addresses; the agents
                        // following a ticket are the agents' business.
                        new.cc.emails = cc.emails.clone();
                    }
                }
                if let Some(fields) = &patch.custom_fields {
                    let department = new.department_id;
                    self.apply_custom_fields(actor, &defs, department, fields, &mut new.custom_fields, false)?;
                }
                if let Some(d) = patch.due_at {
                    new.due_at = d;
                }
                if let Some(q) = patch.queue_boost {
                    new.queue_boost = q;
                }
                Self::wipe_secrets(&defs, new);
                if old.status_category == StatusCategory::Closed {
                    // Closed is final: only filing changes (tags, archive).
                    let mut rest = new.clone();
                    rest.tags.clone_from(&old.tags);
                    rest.archived = old.archived;
                    if rest != *old {
                        return Err(tessera_core::DomainError::Closed.into());
                    }
                }
                Ok(())
            })
            .await?;
        Ok(self.present_ticket(actor, &defs, ticket))
    }

    /// Marks a ticket solved.
    pub async fn solve(&self, actor: &Actor, id: TicketId, expected: Option<i64>) -> DeskResult<Ticket> {
        let patch = TicketPatch { status: Some(StatusKey::new(StatusKey::SOLVED)), ..TicketPatch::default() };
        self.update_ticket(actor, id, patch, expected).await
    }

    /// Closes a ticket (final).
    pub async fn close(&self, actor: &Actor, id: TicketId, expected: Option<i64>) -> DeskResult<Ticket> {
        let patch = TicketPatch { status: Some(StatusKey::new(StatusKey::CLOSED)), ..TicketPatch::default() };
        self.update_ticket(actor, id, patch, expected).await
    }

    /// Reopens a solved ticket.
    pub async fn reopen(&self, actor: &Actor, id: TicketId, expected: Option<i64>) -> DeskResult<Ticket> {
        let t = self.visible_ticket(actor, id).await?;
        status::reopen(&t.status_ref())?;
        let patch = TicketPatch { status: Some(StatusKey::new(StatusKey::OPEN)), ..TicketPatch::default() };
        self.update_ticket(actor, id, patch, expected).await
    }

    /// Deletes a ticket (agents who can work it). It disappears everywhere;
    /// its rows and events stay for the audit trail.
    pub async fn delete_ticket(&self, actor: &Actor, id: TicketId) -> DeskResult<()> {
        let t = self.visible_ticket(actor, id).await?;
        if !actor.can_work(&t) {
            return Err(DeskError::forbidden("only agents delete tickets"));
        }
        let defs = self.field_defs().await?;
        self.modify(actor, id, None, &defs, |_, new, work| {
            new.deleted_at = Some(self.now());
            work.events.push(EventKind::Deleted, None, BTreeMap::new(), Value::Null);
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// Blocks a ticket's sender: the requester, a customer known only by
    /// the address they wrote from (no password), is disabled so that their
    /// sign-ins are refused, and their address goes on the installation's
    /// blocked-senders list so that their mail is refused; with `delete`
    /// the ticket is deleted in the same commit — all or nothing (WHMCS
    /// `BlockTicketSender`). A registered account is not blocked from one
    /// of its tickets: an admin disables it on its own page. Disabling
    /// anyone is an admin's right, as in [`Desk::update_user`].
    pub async fn block_sender(&self, actor: &Actor, id: TicketId, delete: bool) -> DeskResult<()> {
        let t = self.visible_ticket(actor, id).await?;
        let mut requester = self.store.user(t.requester_id).await?.ok_or_else(|| DeskError::not_found("user"))?;
        if requester.role.is_staff() || requester.password_hash.is_some() {
            return Err(DeskError::invalid(
                "requester",
                "registered",
                "the sender is a registered user; disable the account instead",
            ));
        }
        if !actor.is_admin() {
            return Err(DeskError::forbidden_field("disabled", "only admins change disabled"));
        }
        requester.disabled = true;
        requester.updated_at = self.now();
        let block = tessera_store::NewSenderBlock {
            pattern: requester.email.as_str().to_lowercase(),
            department_id: None,
            note: format!("blocked from ticket #{}", t.number),
            created_by: Some(actor.user_id).filter(|u| u.0 > 0),
            created_at: self.now(),
        };
        let defs = self.field_defs().await?;
        let saved = self
            .modify_saving(
                actor,
                id,
                None,
                &defs,
                Also { users: std::slice::from_ref(&requester), mail: None, blocks: std::slice::from_ref(&block) },
                |_, new, work| {
                    if delete {
                        new.deleted_at = Some(self.now());
                        work.events.push(EventKind::Deleted, None, BTreeMap::new(), Value::Null);
                    }
                    Ok(())
                },
            )
            .await;
        self.forget_actors();
        saved?;
        self.store.delete_sessions_of(requester.id, None).await?;
        Ok(())
    }

    // ---- merge -----------------------------------------------------------------------------------

    /// Merges `sources` into `target`: their messages move to the target, and
    /// each source is closed and linked to it.
    pub async fn merge(&self, actor: &Actor, target: TicketId, sources: &[TicketId]) -> DeskResult<Ticket> {
        self.merge_renaming(actor, target, sources, None).await
    }

    /// [`Desk::merge`], giving the target a new subject in the same change
    /// (WHMCS `MergeTicket`'s `newsubject`): one commit, one batch of events.
    pub async fn merge_renaming(
        &self,
        actor: &Actor,
        target: TicketId,
        sources: &[TicketId],
        new_subject: Option<&str>,
    ) -> DeskResult<Ticket> {
        let new_subject = new_subject.map(validate_subject).transpose()?;
        if !actor.is_staff() {
            let _ = self.visible_ticket(actor, target).await?;
            return Err(DeskError::forbidden("only agents merge tickets"));
        }
        if sources.is_empty() || sources.len() > 50 {
            return Err(DeskError::invalid("source_ids", "invalid_value", "name 1 to 50 tickets to merge"));
        }
        let mut unique = sources.to_vec();
        unique.sort();
        unique.dedup();
        if unique.contains(&target) {
            return Err(DeskError::invalid("source_ids", "invalid_value", "a ticket cannot be merged into itself"));
        }
        let defs = self.field_defs().await?;
        for attempt in 0..RETRIES {
            if attempt > 0 {
                backoff(attempt).await;
            }
            let now = self.now();
            let t = self.visible_ticket(actor, target).await?;
            if t.status_category == StatusCategory::Closed {
                return Err(tessera_core::DomainError::Closed.into());
            }
            let mut updates = Vec::new();
            let mut newest_reply = t.last_reply_at;
            for sid in &unique {
                let s = self.visible_ticket(actor, *sid).await.map_err(|_| {
                    DeskError::invalid("source_ids", "unknown_ticket", format!("there is no ticket {sid}"))
                })?;
                if s.merged_into_id.is_some() {
                    return Err(DeskError::invalid(
                        "source_ids",
                        "already_merged",
                        format!("ticket {sid} was already merged"),
                    ));
                }
                if s.status_category == StatusCategory::Closed {
                    return Err(DeskError::invalid(
                        "source_ids",
                        "ticket_closed",
                        format!("ticket {sid} is closed; closed tickets are final"),
                    ));
                }
                newest_reply = newest_reply.max(s.last_reply_at);
                let mut new = s.clone();
                new.apply_status(&StatusRef::builtin(StatusKey::CLOSED), now);
                new.closed_reason = Some(ClosedReason::Merged);
                new.merged_into_id = Some(target);
                new.version = s.version + 1;
                new.updated_at = now;
                let mut ev = Events::new(actor, now);
                ev.push(EventKind::Merged, None, BTreeMap::new(), json!({"into": target}));
                ev.diff(&s, &new, &defs);
                let mut change = TicketChange::new(new, s.version);
                change.move_messages_to = Some(target);
                change.events = ev.list;
                updates.push(change);
            }
            let mut new_target = t.clone();
            new_target.version = t.version + 1;
            new_target.updated_at = now;
            new_target.last_reply_at = newest_reply;
            if let Some(subject) = &new_subject {
                new_target.subject.clone_from(subject);
            }
            let mut ev = Events::new(actor, now);
            ev.push(EventKind::Merged, None, BTreeMap::new(), json!({"sources": unique}));
            ev.diff(&t, &new_target, &defs);
            let mut change = TicketChange::new(new_target.clone(), t.version);
            change.events = ev.list;
            updates.push(change);
            let touched: Vec<TicketId> = updates.iter().map(|u| u.ticket.id).collect();
            match self
                .store
                .commit(ChangeSet { creates: vec![], updates, users: vec![], mail: None, blocks: vec![] })
                .await
            {
                Ok(_) => {
                    for t in touched {
                        self.refresh_sla(t).await;
                    }
                    return Ok(self.present_ticket(actor, &defs, new_target));
                }
                Err(StoreError::VersionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DeskError::Conflict { code: "busy", message: "the tickets kept changing; try again".into(), field: None })
    }

    // ---- messages ---------------------------------------------------------------------------------
}
