//! `CreateSsoToken`: the billing panel's hand-off, as WHMCS's own action
//! (a single-use token valid 60 seconds, answered with `access_token` and
//! `redirect_url`). WHMCS asks for admin-level API credentials; so does
//! Tessera (an admin's token). `client_id` (or `user_id`) is the Tessera
//! user id of the customer, as everywhere in this dialect.

use super::answer::{Fields, WhmcsError};
use super::context::Ctx;
use super::params::Params;
use serde_json::Value;
use tessera_core::ids::{TicketId, UserId};
use tessera_desk::{AccessError, HandoffRequest, HandoffTarget};

/// Where WHMCS destinations open in Tessera's portal (the ones about
/// support; the rest of a client area is the billing panel's).
fn destination_path(destination: &str, p: &Params) -> Result<Option<String>, WhmcsError> {
    match destination.trim().to_ascii_lowercase().as_str() {
        "" | "clientarea:homepage" | "clientarea:tickets" | "clientarea:support" => Ok(None),
        "clientarea:submit_ticket" | "clientarea:open_ticket" => Ok(Some("/tickets/new".into())),
        "sso:custom_redirect" => {
            let path = p.text("sso_redirect_path").ok_or_else(|| WhmcsError::bad("sso_redirect_path is required"))?;
            // WHMCS's paths are relative to the client area; ours to the portal.
            let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
            Ok(Some(path))
        }
        _ => Err(WhmcsError::bad("Invalid destination")),
    }
}

/// `CreateSsoToken` with `client_id` (or `user_id`), optional
/// `destination` (`clientarea:tickets`, `clientarea:submit_ticket`,
/// `sso:custom_redirect` with `sso_redirect_path`) and Tessera's own
/// `ticket_id` (opens that ticket's page).
pub async fn create_sso_token(ctx: &mut Ctx, p: &Params) -> Result<Fields, WhmcsError> {
    let Some(id) = p.id("client_id")?.or(p.id("user_id")?) else {
        return Err(WhmcsError::bad("client_id or user_id is required"));
    };
    let redirect_path = destination_path(p.text("destination").unwrap_or_default(), p)?;
    let ticket_id = p.id("ticket_id")?.map(TicketId);
    let request = HandoffRequest { target: HandoffTarget::User(UserId(id)), redirect_path, ticket_id };
    let h = match ctx.desk.create_handoff(&ctx.actor, request).await {
        Ok(h) => h,
        Err(AccessError::NoPublicUrl) => {
            return Err(WhmcsError::bad("Single sign-on needs [server] public_url to be set in Tessera"));
        }
        Err(AccessError::TooMany { .. }) => return Err(WhmcsError::bad("Too many requests")),
        Err(AccessError::MailOff) => return Err(WhmcsError::bad("Outgoing mail is not configured in Tessera")),
        Err(AccessError::Desk(e)) if e.field() == Some("redirect_path") => {
            return Err(WhmcsError::bad("Invalid sso_redirect_path"));
        }
        Err(AccessError::Desk(e)) => return Err(WhmcsError::from_desk(e, "Client ID Not Found")),
    };
    let token = h.url.rsplit("/sso/").next().unwrap_or_default().split('?').next().unwrap_or_default().to_string();
    let mut f = Fields::new();
    f.insert("access_token".into(), Value::String(token));
    f.insert("redirect_url".into(), Value::String(h.url));
    Ok(f)
}
