//! The native API at `/api/v1`: JSON over HTTP with bearer tokens, described
//! by the OpenAPI document generated from these handlers.

pub mod access;
pub mod attachments;
pub mod blocked_senders;
pub mod catalog;
pub mod dto;
mod errors_doc;
pub mod integrations;
pub mod mail;
pub mod mail_out;
pub mod mailboxes;
pub mod messages;
pub mod people;
pub mod search;
pub mod sla;
pub mod stream;
pub mod tickets;
pub mod views;

use crate::state::AppState;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera API",
        description = "The native API of Tessera, a self-hosted helpdesk. Send `Authorization: Bearer <token>`; \
            create tokens with `tessera token create` or `POST /api/v1/tokens`. Errors are always \
            `{\"error\": {\"code\", \"message\", \"field\"}}`.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        openapi.security =
            Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// The API routes, and the document that describes them.
pub fn router() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    use attachments as at;
    use catalog as c;
    use integrations as i;
    use messages as m;
    use people as p;
    use tickets as t;
    let api = OpenApiRouter::<AppState>::new()
        .routes(routes!(p::me))
        .routes(routes!(t::list_tickets, t::create_ticket))
        .routes(routes!(t::get_ticket, t::update_ticket, t::delete_ticket))
        .routes(routes!(t::create_reply))
        .routes(routes!(t::create_note))
        .routes(routes!(t::list_messages))
        .routes(routes!(t::list_events))
        .routes(routes!(t::merge_tickets))
        .routes(routes!(t::solve_ticket))
        .routes(routes!(t::close_ticket))
        .routes(routes!(t::reopen_ticket))
        .routes(routes!(t::mark_read))
        .routes(routes!(t::reveal_secret))
        .routes(routes!(t::guest_link))
        .routes(routes!(m::get_message, m::edit_message, m::delete_message))
        .routes(routes!(m::message_history))
        .routes(routes!(m::rate_message))
        .routes(routes!(at::upload))
        .routes(routes!(mail::hand_in, mail::list_inbound))
        .routes(routes!(mail::get_inbound))
        .routes(routes!(mail::raw_inbound))
        .routes(routes!(mail::process_inbound))
        .routes(routes!(mail_out::ticket_mail))
        .routes(routes!(mail_out::list_outgoing))
        .routes(routes!(mail_out::resend))
        .routes(routes!(mail_out::list_suppressions))
        .routes(routes!(mail_out::clear_suppression))
        .routes(routes!(mail_out::my_notifications, mail_out::set_my_notifications))
        .routes(routes!(mail_out::department_notifications, mail_out::set_department_notifications))
        .routes(routes!(mail_out::list_templates))
        .routes(routes!(mail_out::save_template, mail_out::reset_template))
        .routes(routes!(mail_out::preview_template))
        .routes(routes!(mailboxes::list_mailboxes, mailboxes::create_mailbox))
        .routes(routes!(mailboxes::get_mailbox, mailboxes::update_mailbox, mailboxes::delete_mailbox))
        .routes(routes!(blocked_senders::list_blocked_senders, blocked_senders::add_blocked_sender))
        .routes(routes!(blocked_senders::remove_blocked_sender))
        .routes(routes!(at::get_attachment))
        .routes(routes!(at::download))
        .routes(routes!(p::list_users, p::create_user))
        .routes(routes!(p::get_user, p::update_user))
        .routes(routes!(p::list_organizations, p::create_organization))
        .routes(routes!(p::get_organization, p::update_organization))
        .routes(routes!(p::list_tokens, p::create_token))
        .routes(routes!(p::revoke_token))
        .routes(routes!(c::list_departments, c::create_department))
        .routes(routes!(c::get_department, c::update_department))
        .routes(routes!(c::list_services, c::create_service))
        .routes(routes!(c::get_service, c::update_service))
        .routes(routes!(c::sync_service))
        .routes(routes!(c::list_statuses, c::create_status))
        .routes(routes!(c::list_custom_fields, c::create_custom_field))
        .routes(routes!(c::update_custom_field, c::delete_custom_field))
        .routes(routes!(i::list_webhooks, i::create_webhook))
        .routes(routes!(i::get_webhook, i::update_webhook, i::delete_webhook))
        .routes(routes!(i::test_webhook))
        .routes(routes!(i::list_deliveries))
        .routes(routes!(i::get_delivery))
        .routes(routes!(i::redeliver))
        .routes(routes!(i::list_hooks, i::create_hook))
        .routes(routes!(i::get_hook, i::update_hook, i::delete_hook))
        .routes(routes!(i::test_hook))
        .routes(routes!(stream::event_stream))
        .routes(routes!(views::list_views, views::create_view))
        .routes(routes!(views::count_many))
        .routes(routes!(views::reorder_views))
        .routes(routes!(views::get_view, views::update_view, views::delete_view))
        .routes(routes!(views::view_tickets))
        .routes(routes!(views::view_count))
        .routes(routes!(sla::list_sla_policies, sla::create_sla_policy))
        .routes(routes!(sla::get_sla_policy, sla::update_sla_policy, sla::delete_sla_policy))
        .routes(routes!(search::search))
        .routes(routes!(access::request_reset))
        .routes(routes!(access::confirm_reset))
        .routes(routes!(access::handoff));
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", api).split_for_parts();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    errors_doc::add_standard_errors(&mut doc);
    (router, doc)
}
