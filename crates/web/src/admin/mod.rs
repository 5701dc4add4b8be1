//! The admin settings (`/admin`): departments, users, organizations,
//! custom fields, statuses, API tokens, SLA policies, webhooks, validation
//! hooks and panels, the mail that came in, the IMAP mailboxes, the blocked
//! senders, the outgoing mail queue and the mail templates — a module each;
//! `common.rs` holds what they share and `integrations.rs` what the
//! webhook and hook screens share.
//!
//! Admins only: anyone else signed in gets "not allowed", visitors are sent
//! to sign in. Every change goes through the desk, exactly as the API's do;
//! a refused change shows the form again (422) with what was typed and the
//! message next to its field; a change that went through redirects (303)
//! with a `?done=` confirmation.

pub mod blocked;
pub mod common;
pub mod departments;
pub mod fields;
pub mod hooks;
pub mod integrations;
pub mod mail;
pub mod mail_templates;
pub mod mailboxes;
pub mod organizations;
pub mod outgoing;
pub mod sla;
pub mod statuses;
pub mod tokens;
pub mod users;
pub mod webhooks;

use crate::page::{WebError, see_other};
use crate::session::Signed;
use axum::response::Response;
use common::require_admin;

/// The admin routes, every screen's.
pub fn routes() -> Vec<crate::Route> {
    vec![
        crate::get("/admin", index),
        crate::get("/admin/departments", departments::departments),
        crate::post("/admin/departments", departments::create_department),
        crate::get("/admin/departments/{id}", departments::department),
        crate::post("/admin/departments/{id}", departments::update_department),
        crate::get("/admin/users", users::users),
        crate::post("/admin/users", users::create_user),
        crate::get("/admin/users/{id}", users::user),
        crate::post("/admin/users/{id}", users::update_user),
        crate::get("/admin/organizations", organizations::organizations),
        crate::post("/admin/organizations", organizations::create_organization),
        crate::get("/admin/organizations/{id}", organizations::organization),
        crate::post("/admin/organizations/{id}", organizations::update_organization),
        crate::get("/admin/custom-fields", fields::fields),
        crate::post("/admin/custom-fields", fields::create_field),
        crate::get("/admin/custom-fields/{id}", fields::field),
        crate::post("/admin/custom-fields/{id}", fields::update_field),
        crate::post("/admin/custom-fields/{id}/delete", fields::delete_field),
        crate::get("/admin/statuses", statuses::statuses),
        crate::post("/admin/statuses", statuses::create_status),
        crate::get("/admin/tokens", tokens::tokens),
        crate::post("/admin/tokens", tokens::create_token),
        crate::post("/admin/tokens/{id}/revoke", tokens::revoke_token),
        crate::get("/admin/webhooks", webhooks::webhooks),
        crate::post("/admin/webhooks", webhooks::create_webhook),
        crate::get("/admin/webhooks/{id}", webhooks::webhook),
        crate::post("/admin/webhooks/{id}", webhooks::update_webhook),
        crate::post("/admin/webhooks/{id}/delete", webhooks::delete_webhook),
        crate::post("/admin/webhooks/{id}/test", webhooks::test_webhook),
        crate::get("/admin/webhooks/{id}/deliveries/{delivery}", webhooks::delivery),
        crate::post("/admin/webhooks/{id}/deliveries/{delivery}/redeliver", webhooks::redeliver),
        crate::get("/admin/hooks", hooks::hooks),
        crate::post("/admin/hooks", hooks::create_hook),
        crate::get("/admin/hooks/{id}", hooks::hook),
        crate::post("/admin/hooks/{id}", hooks::update_hook),
        crate::post("/admin/hooks/{id}/delete", hooks::delete_hook),
        crate::post("/admin/hooks/{id}/test", hooks::test_hook),
        crate::get("/admin/sla", sla::policies),
        crate::post("/admin/sla", sla::create_policy),
        crate::get("/admin/sla/{id}", sla::policy),
        crate::post("/admin/sla/{id}", sla::update_policy),
        crate::post("/admin/sla/{id}/delete", sla::delete_policy),
        crate::get("/admin/mail", mail::inbound_list),
        crate::get("/admin/mail/{id}", mail::inbound),
        crate::get("/admin/mail/{id}/raw", mail::raw),
        crate::post("/admin/mail/{id}/process", mail::process),
        crate::get("/admin/mailboxes", mailboxes::mailboxes),
        crate::get("/admin/mailboxes/new", mailboxes::new_page),
        crate::post("/admin/mailboxes/new", mailboxes::create),
        crate::get("/admin/mailboxes/{id}", mailboxes::mailbox),
        crate::post("/admin/mailboxes/{id}", mailboxes::update),
        crate::post("/admin/mailboxes/{id}/delete", mailboxes::delete),
        crate::get("/admin/blocked-senders", blocked::blocked),
        crate::post("/admin/blocked-senders", blocked::add),
        crate::post("/admin/blocked-senders/{id}/delete", blocked::remove),
        crate::post("/admin/mailboxes/{id}/authorise", mailboxes::authorise),
        crate::get(mailboxes::CALLBACK, mailboxes::callback),
        crate::get("/admin/outgoing", outgoing::outgoing),
        crate::post("/admin/outgoing/{id}/resend", outgoing::resend),
        crate::get("/admin/templates", mail_templates::list),
        crate::get("/admin/templates/{kind}/{language}", mail_templates::editor),
        crate::post("/admin/templates/{kind}/{language}", mail_templates::submit),
        crate::post("/admin/templates/{kind}/{language}/reset", mail_templates::reset),
    ]
}

/// The settings start at the departments.
pub async fn index(Signed(s): Signed) -> Result<Response, WebError> {
    require_admin(&s)?;
    Ok(see_other("/admin/departments"))
}
