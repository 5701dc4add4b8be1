//! The WHMCS API: `POST /compat/whmcs/includes/api.php` with `action=…`
//! (`spec/compat.md`, section whmcs; `research/seed-apis.md` §A.2).
//!
//! A billing panel written for WHMCS sends its API credential pair
//! (`identifier` + `secret`, a Tessera token of an agent or admin) and an
//! action; the dialect calls the same desk operations as the native API
//! and answers in WHMCS's shapes, JSON or XML.

mod answer;
mod context;
mod params;
mod php;
mod present;
mod sso;
mod statuses;
mod support;
mod tickets;

use crate::CompatState;
use crate::common::{AuthError, peer_ip, staff, token_pair, with_action};
use answer::{Format, WhmcsError};
use axum::Router;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::header;
use axum::response::Response;
use axum::routing::post;
use context::Ctx;
use params::Params;

/// The dialect's routes, relative to `/compat/whmcs`.
pub fn router() -> Router<CompatState> {
    Router::new().route("/includes/api.php", post(api))
}

crate::common::actions! {
    /// The actions, by the name WHMCS gives them (matched without regard
    /// to case, as WHMCS does).
    Action, ACTIONS;
    /// Lists tickets.
    GetTickets => "GetTickets",
    /// Reads one ticket with its replies and notes.
    GetTicket => "GetTicket",
    /// Opens a ticket.
    OpenTicket => "OpenTicket",
    /// Replies on a ticket.
    AddTicketReply => "AddTicketReply",
    /// Adds an internal note.
    AddTicketNote => "AddTicketNote",
    /// Changes a ticket's fields.
    UpdateTicket => "UpdateTicket",
    /// Edits a reply.
    UpdateTicketReply => "UpdateTicketReply",
    /// Deletes a ticket.
    DeleteTicket => "DeleteTicket",
    /// Deletes a reply.
    DeleteTicketReply => "DeleteTicketReply",
    /// Deletes a note.
    DeleteTicketNote => "DeleteTicketNote",
    /// Lists the departments.
    GetSupportDepartments => "GetSupportDepartments",
    /// Lists the statuses with their counts.
    GetSupportStatuses => "GetSupportStatuses",
    /// Counts tickets by status.
    GetTicketCounts => "GetTicketCounts",
    /// Lists a ticket's notes.
    GetTicketNotes => "GetTicketNotes",
    /// Downloads an attachment.
    GetTicketAttachment => "GetTicketAttachment",
    /// Merges tickets.
    MergeTicket => "MergeTicket",
    /// Deletes a ticket and blocks its sender.
    BlockTicketSender => "BlockTicketSender",
    /// A single-use sign-in URL for a customer (the billing panel's
    /// hand-off; admins' credentials).
    CreateSsoToken => "CreateSsoToken",
}

impl Action {
    /// The action named `name` (without regard to case or surrounding
    /// spaces), if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.name().eq_ignore_ascii_case(name.trim()))
    }
}

async fn api(State(state): State<CompatState>, req: Request) -> Response {
    let peer = peer_ip(req.extensions());
    let params = match read_params(req, &state).await {
        Ok(p) => p,
        Err(e) => return with_action(answer::error(Format::Xml, &e), "-"),
    };
    let format = Format::parse(params.text("responsetype"));
    let action = params.text("action").and_then(Action::parse);
    let label = action.map_or("-", Action::name);
    let answer = run(&state, peer, &params, action).await;
    let resp = match answer {
        Ok(fields) => answer::success(format, fields),
        Err(e) => answer::error(format, &e),
    };
    with_action(resp, label)
}

async fn run(
    state: &CompatState,
    peer: Option<std::net::IpAddr>,
    params: &Params,
    action: Option<Action>,
) -> Result<answer::Fields, WhmcsError> {
    let allowed = &state.config.whmcs_allowed_ips;
    if !allowed.is_empty() {
        match peer {
            Some(ip) if allowed.contains(&ip) || allowed.contains(&canonical(ip)) => {}
            Some(ip) => return Err(WhmcsError::denied(format!("Invalid IP {}", canonical(ip)))),
            None => return Err(WhmcsError::denied("Invalid IP unknown")),
        }
    }
    let identifier = params.text("identifier").or_else(|| params.text("username"));
    let secret = params.text("secret").or_else(|| params.text("password"));
    let (Some(identifier), Some(secret)) = (identifier, secret) else {
        return Err(WhmcsError::denied("Authentication Failed"));
    };
    let actor = match token_pair(&state.desk, identifier, secret).await.and_then(staff) {
        Ok(a) => a,
        Err(AuthError::Desk(e)) => return Err(WhmcsError::from_desk(e, "Authentication Failed")),
        Err(_) => return Err(WhmcsError::denied("Authentication Failed")),
    };
    let Some(action) = action else { return Err(WhmcsError::bad("Command Not Found")) };
    let mut ctx = Ctx::new(state, actor, peer);
    match action {
        Action::GetTickets => tickets::get_tickets(&mut ctx, params).await,
        Action::GetTicket => tickets::get_ticket(&mut ctx, params).await,
        Action::OpenTicket => tickets::open_ticket(&mut ctx, params).await,
        Action::AddTicketReply => tickets::add_reply(&mut ctx, params).await,
        Action::AddTicketNote => tickets::add_note(&mut ctx, params).await,
        Action::UpdateTicket => tickets::update_ticket(&mut ctx, params).await,
        Action::UpdateTicketReply => tickets::update_reply(&mut ctx, params).await,
        Action::DeleteTicket => tickets::delete_ticket(&mut ctx, params).await,
        Action::DeleteTicketReply => tickets::delete_reply(&mut ctx, params).await,
        Action::DeleteTicketNote => tickets::delete_note(&mut ctx, params).await,
        Action::GetTicketNotes => tickets::get_notes(&mut ctx, params).await,
        Action::GetTicketAttachment => tickets::get_attachment(&mut ctx, params).await,
        Action::MergeTicket => tickets::merge(&mut ctx, params).await,
        Action::BlockTicketSender => tickets::block_sender(&mut ctx, params).await,
        Action::GetSupportDepartments => support::departments(&mut ctx, params).await,
        Action::GetSupportStatuses => support::statuses(&mut ctx, params).await,
        Action::GetTicketCounts => support::counts(&mut ctx, params).await,
        Action::CreateSsoToken => sso::create_sso_token(&mut ctx, params).await,
    }
}

/// An IPv4 address that arrived as IPv6-mapped, as IPv4.
fn canonical(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    }
}

/// The request's fields: the query string's, then the form body's
/// (url-encoded or multipart). WHMCS reads both (PHP's `$_REQUEST`), and
/// clients rely on it: some name the action in the URL
/// (`api.php?action=GetTickets`) and send the rest in the body. A name in
/// both takes the body's value, as POST wins over GET in PHP.
async fn read_params(req: Request, state: &CompatState) -> Result<Params, WhmcsError> {
    let mut pairs: Vec<(String, String)> = match req.uri().query() {
        Some(q) => serde_urlencoded::from_str(q).map_err(|_| WhmcsError::bad("Malformed query string"))?,
        None => Vec::new(),
    };
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut mp =
            Multipart::from_request(req, state).await.map_err(|_| WhmcsError::bad("Malformed multipart body"))?;
        loop {
            match mp.next_field().await {
                Ok(Some(field)) => {
                    let name = field.name().unwrap_or_default().to_string();
                    let text = field.text().await.map_err(|e| multipart_error(&e))?;
                    pairs.push((name, text));
                }
                Ok(None) => break,
                Err(e) => return Err(multipart_error(&e)),
            }
        }
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), state.config.max_body_bytes).await.map_err(|_| too_big())?;
        if !bytes.is_empty() {
            let body: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&bytes).map_err(|_| WhmcsError::bad("Malformed form body"))?;
            pairs.extend(body);
        }
    }
    Ok(Params::from_pairs(pairs))
}

/// A body above the limit.
fn too_big() -> WhmcsError {
    WhmcsError { status: axum::http::StatusCode::PAYLOAD_TOO_LARGE, message: "Request too large".into() }
}

/// A multipart body that cannot be read: too large, or malformed.
fn multipart_error(e: &axum::extract::multipart::MultipartError) -> WhmcsError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        too_big()
    } else {
        WhmcsError::bad("Malformed multipart body")
    }
}

/// The answer to a body above the limit, given before it is read (see
/// [`crate::too_large`]): XML unless the query string asks for JSON
/// (`responsetype` is usually in the body, which is not read).
pub(crate) fn too_large(query: Option<&str>) -> Response {
    let responsetype = query
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "responsetype").map(|(_, v)| v));
    with_action(answer::error(Format::parse(responsetype.as_deref()), &too_big()), "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_action_parses_to_itself_and_nothing_else_parses() {
        assert_eq!(ACTIONS.len(), Action::ALL.len());
        for (a, name) in Action::ALL.iter().zip(ACTIONS) {
            assert_eq!(a.name(), *name);
            assert_eq!(Action::parse(name), Some(*a));
            assert_eq!(Action::parse(&format!(" {} ", name.to_lowercase())), Some(*a));
        }
        for other in ["", "GetClients", "GetTicket s", "AddTicketReplies"] {
            assert_eq!(Action::parse(other), None, "{other}");
        }
    }
}
