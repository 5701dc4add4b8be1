//! The authorization matrix (issue 14): every native route, web route and
//! dialect action, called by each of seven people, against one table of
//! what each may do.
//!
//! - The routes come from the tables the routers are built from: the
//!   OpenAPI document of `tessera_server::api::router()`,
//!   `tessera_web::route_list()` and each dialect's `ACTIONS`. A route or
//!   action the table below does not judge fails the test, and so does a
//!   table row that names no route: a new route cannot ship unjudged.
//! - Each row names a *class*, the policy it falls under; the class says
//!   what each of the seven gets ([`Out`]): allowed, "sign in first", 403,
//!   404, each door in its own words.
//! - Every request is a valid one (its body is in the row), so a refusal is
//!   a permission refusal and not a validation error; rows that destroy
//!   their target (delete, merge, close…) get a fresh one for every cell.
//! - Whatever the class, no answer may carry what its reader may never
//!   see: the fixture's internal note (customers, agents outside its
//!   department), its secret field's value (anyone but a reveal), its
//!   access key (anyone but its requester and admins).
//!
//! Run it alone: `cargo nextest run -p tessera-server --test api matrix`.

mod cell;
mod fixture;

use cell::*;
use fixture::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};

// ---- the seven people ---------------------------------------------------------------------------

/// Who calls. The fixture ticket is Dave's, in billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Who {
    /// No credential at all.
    Anonymous,
    /// The ticket's customer (Acme, without `sees_all`).
    Dave,
    /// Another organization's customer (in none).
    Erin,
    /// A member of Dave's organization with `sees_all`.
    Carol,
    /// The agent of the ticket's department (billing).
    Ayse,
    /// An agent of another department (tech).
    Boris,
    /// The administrator.
    Admin,
}

const PEOPLE: [Who; 7] = [Who::Anonymous, Who::Dave, Who::Erin, Who::Carol, Who::Ayse, Who::Boris, Who::Admin];

impl Who {
    fn is_customer(self) -> bool {
        matches!(self, Who::Dave | Who::Erin | Who::Carol)
    }

    fn is_staff(self) -> bool {
        matches!(self, Who::Ayse | Who::Boris | Who::Admin)
    }
}

// ---- outcomes and classes -------------------------------------------------------------------------

/// What a cell's answer means, read the same way for every door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    /// Done: a 2xx (a 3xx elsewhere than sign-in for a web form), a
    /// dialect's success.
    Ok,
    /// Done, and the answer lists the fixture ticket (lists and searches).
    Listed,
    /// Done, and the answer does not list the fixture ticket.
    Unlisted,
    /// Who are you: 401, a redirect to sign in, a dialect's refused credential.
    Unauth,
    /// You may see it but not do this: 403, a dialect's access error.
    Forbidden,
    /// No such thing for you: 404, a dialect's "not found".
    NotFound,
    /// The door does not offer this to anyone (BILLmanager's `incident`).
    Unsupported,
}

use Out::{Forbidden as F, Listed as L, NotFound as N, Ok as Y, Unauth as U, Unlisted as X};

/// A policy: what each of [`PEOPLE`] gets, in that order (anonymous, Dave,
/// Erin, Carol, Ayşe, Boris, admin).
#[derive(Debug, Clone, Copy)]
struct Class {
    name: &'static str,
    outcomes: [Out; 7],
}

const fn class(name: &'static str, outcomes: [Out; 7]) -> Class {
    Class { name, outcomes }
}

/// Anyone, with or without a session: static files, the sign-in form, the
/// language switch, a guest link (whose key is the credential).
const PUBLIC: Class = class("Public", [Y, Y, Y, Y, Y, Y, Y]);
/// Whoever proves who they are (a password): everyone with an account.
const CREDENTIALS: Class = class("Credentials", [U, Y, Y, Y, Y, Y, Y]);
/// Anyone signed in, each within their own scope (their own account,
/// tokens, the statuses, public departments…).
const SIGNED_IN: Class = class("SignedIn", [U, Y, Y, Y, Y, Y, Y]);
/// Ticket lists and searches: everyone signed in, and the fixture ticket
/// shows for exactly who may see it (its requester, Carol through
/// `sees_all`, the department's agent, the admin).
const TICKET_LIST: Class = class("TicketList", [U, L, X, L, L, X, L]);
/// The customer portal's list: customers see their scope; staff are sent
/// to the console.
const PORTAL_LIST: Class = class("PortalList", [U, L, X, L, Y, Y, Y]);
/// Reads of the ticket and what hangs on it (messages, attachments): who
/// may see it; everyone else is told it does not exist (404, never 403).
const TICKET_READER: Class = class("TicketReader", [U, Y, N, Y, Y, N, Y]);
/// What customers do on their tickets (reply, solve, close, reopen,
/// archive, mark read): everyone who may see the ticket, so Carol too (a
/// billing client acts for its contacts); agents who may see it as well.
const TICKET_PARTICIPANT: Class = class("TicketParticipant", [U, Y, N, Y, Y, N, Y]);
/// Agents' work on the ticket (notes, fields, events, history, delete,
/// merge, secrets, the guest link): staff who may see it; customers who
/// may see it get 403; whoever may not see it, 404.
const TICKET_WORKER: Class = class("TicketWorker", [U, F, N, F, Y, N, Y]);
/// An internal note: customers are never shown one, so it does not exist
/// for them (404), like for agents outside its department.
const NOTE_READER: Class = class("NoteReader", [U, N, N, N, Y, N, Y]);
/// Editing a reply: its customer author (not on a locked ticket), and
/// agents who work the ticket; Carol may see it but not edit Dave's words.
const OWN_REPLY_OR_WORKER: Class = class("OwnReplyOrWorker", [U, Y, N, F, Y, N, Y]);
/// Rating an agent's reply: the ticket's requester only.
const REQUESTER_ONLY: Class = class("RequesterOnly", [U, Y, N, F, F, N, F]);
/// Opening a ticket in billing: customers in a public department, agents
/// in their own departments only (Boris is in tech), admins anywhere
/// (decision 34).
const OPENS_IN_BILLING: Class = class("OpensInBilling", [U, Y, Y, Y, Y, F, Y]);
/// Staff only, whatever the department: customers get 403.
const STAFF: Class = class("Staff", [U, F, F, F, Y, Y, Y]);
/// A staff list of tickets (a view's tickets, the console's search): the
/// fixture ticket only for who may see it.
const STAFF_TICKET_LIST: Class = class("StaffTicketList", [U, F, F, F, L, X, L]);
/// Settings that give or change reach or the desk's shape (departments,
/// fields, statuses, webhooks, hooks, SLA policies, shared views, other
/// people's tokens): admins only.
const ADMIN: Class = class("Admin", [U, F, F, F, F, F, Y]);
/// A user record: themselves, and staff (agents see everyone and edit
/// customers' names); another customer is told it does not exist.
const SELF_OR_STAFF: Class = class("SelfOrStaff", [U, Y, N, N, Y, Y, Y]);
/// An organization: its members read it; staff read and manage it;
/// outsiders are told it does not exist.
const MEMBER_OR_STAFF: Class = class("MemberOrStaff", [U, Y, N, Y, Y, Y, Y]);
/// Changing an organization: staff; its members may see it but not change
/// it (403); outsiders get 404.
const ORG_MANAGER: Class = class("OrgManager", [U, F, N, F, Y, Y, Y]);
/// A customer's service: its owner reads it, staff read and manage it;
/// anyone else (Carol included: `sees_all` is about tickets) is told it
/// does not exist.
const OWNER_OR_STAFF: Class = class("OwnerOrStaff", [U, Y, N, N, Y, Y, Y]);
/// Changing a service: staff; its owner may see it but not change it.
const SERVICE_MANAGER: Class = class("ServiceManager", [U, F, N, N, Y, Y, Y]);
/// Revoking Dave's token: Dave, and admins (everyone's); for anyone else
/// it does not exist.
const OWNER_OR_ADMIN: Class = class("OwnerOrAdmin", [U, Y, N, N, N, N, Y]);
/// Disabling a guest sender's account (WHMCS `BlockTicketSender`): an
/// admin's (decision 34); agents who may see the ticket get 403, whoever
/// may not see it 404.
const TICKET_ADMIN: Class = class("TicketAdmin", [U, F, N, F, F, N, Y]);
/// An admin's action on something the fixture cannot have (an outgoing
/// copy: the matrix's server sends no mail): everyone else is refused
/// before the lookup, the admin is told it does not exist.
const ADMIN_UNKNOWN: Class = class("AdminUnknown", [U, F, F, F, F, F, N]);
/// Staff's action on something the fixture cannot have (a suppressed
/// address): customers are refused before the lookup.
const STAFF_UNKNOWN: Class = class("StaffUnknown", [U, F, F, F, N, N, N]);
/// Nobody: the door answers that it does not support this.
const UNSUPPORTED: Class = class(
    "Unsupported",
    [U, Out::Unsupported, Out::Unsupported, Out::Unsupported, Out::Unsupported, Out::Unsupported, Out::Unsupported],
);

// ---- doors and the table --------------------------------------------------------------------------

/// Where a request goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Door {
    /// `/api/v1`, a bearer token.
    Api,
    /// The web UI, a session cookie and its CSRF token.
    Web,
    /// `/compat/whmcs`, a token's identifier and secret (staff only).
    Whmcs,
    /// `/compat/billmanager`, a session; staff act as Dave with `su`.
    Billmanager,
    /// `/compat/hostapi`, a bearer token (customers only).
    Hostapi,
    /// `/compat/bangwo8`, a bearer token (staff only).
    Bangwo8,
}

impl Door {
    /// What the door itself answers someone it is not for, before any
    /// class applies.
    fn refuses(self, who: Who) -> Option<Out> {
        match self {
            Door::Whmcs if who.is_customer() => Some(Out::Unauth),
            Door::Bangwo8 if who.is_customer() => Some(Out::Forbidden),
            Door::Hostapi if who.is_staff() => Some(Out::Forbidden),
            _ => None,
        }
    }
}

/// One row: a route (or a dialect's action) with its policy and a valid
/// request. `$name` in `args` and `body` stands for a value of the fixture
/// (see [`Cell::value`]); `$fresh_…` makes a new one for each cell.
#[derive(Debug, Clone, Copy)]
struct Row {
    door: Door,
    /// The HTTP method (dialects: the one their clients use).
    method: &'static str,
    /// The route pattern as its router knows it; for WHMCS and BILLmanager
    /// the action's name; for hostapi and Bangwo8 the action's name too
    /// (their paths come from their endpoint lists).
    route: &'static str,
    /// Which case of the route this row is (several rows may share a route).
    case: &'static str,
    class: Class,
    /// Fill the route's `{…}` in order.
    args: &'static [&'static str],
    /// The API's JSON body, a form or query (`a=1&b=2`) elsewhere; for GET
    /// the query string. Or a body the door builds itself: `$upload` (a
    /// file), `$sign_in` (the sign-in form with the person's password),
    /// `$fresh_session` (a web session of the cell's own, which sign-out
    /// ends), `$bm_credentials` (BILLmanager's username and password).
    body: &'static str,
}

const fn row(
    door: Door,
    method: &'static str,
    route: &'static str,
    class: Class,
    args: &'static [&'static str],
    body: &'static str,
) -> Row {
    Row { door, method, route, case: "", class, args, body }
}

const fn case(mut r: Row, case: &'static str) -> Row {
    r.case = case;
    r
}

use Door::{Api, Bangwo8 as B8, Billmanager as Bm, Hostapi as Ha, Web, Whmcs as Wh};

const T: &[&str] = &["$ticket"];
const FRESH: &[&str] = &["$fresh_ticket"];

/// The table.
const TABLE: &[Row] = &[
    // ---- the native API -------------------------------------------------------------
    row(Api, "GET", "/api/v1/me", SIGNED_IN, &[], ""),
    row(Api, "GET", "/api/v1/tickets", TICKET_LIST, &[], "limit=100"),
    row(
        Api,
        "POST",
        "/api/v1/tickets",
        OPENS_IN_BILLING,
        &[],
        r#"{"subject": "Opened by the matrix", "department_id": $billing, "body": "b"}"#,
    ),
    row(Api, "GET", "/api/v1/tickets/{id}", TICKET_READER, T, ""),
    case(row(Api, "PATCH", "/api/v1/tickets/{id}", TICKET_WORKER, T, r#"{"priority": "high"}"#), "agent fields"),
    case(row(Api, "PATCH", "/api/v1/tickets/{id}", TICKET_PARTICIPANT, T, r#"{"archived": false}"#), "customer fields"),
    row(Api, "DELETE", "/api/v1/tickets/{id}", TICKET_WORKER, FRESH, ""),
    row(Api, "POST", "/api/v1/tickets/{id}/solve", TICKET_PARTICIPANT, FRESH, ""),
    row(Api, "POST", "/api/v1/tickets/{id}/close", TICKET_PARTICIPANT, FRESH, ""),
    row(Api, "POST", "/api/v1/tickets/{id}/reopen", TICKET_PARTICIPANT, &["$fresh_solved"], ""),
    row(Api, "POST", "/api/v1/tickets/{id}/merge", TICKET_WORKER, FRESH, r#"{"source_ids": [$fresh_ticket2]}"#),
    row(Api, "GET", "/api/v1/tickets/{id}/events", TICKET_WORKER, T, ""),
    row(Api, "POST", "/api/v1/tickets/{id}/read", TICKET_PARTICIPANT, T, ""),
    row(Api, "POST", "/api/v1/tickets/{id}/secrets/{key}/reveal", TICKET_WORKER, &["$ticket", "$secret_key"], ""),
    row(Api, "POST", "/api/v1/tickets/{id}/guest-link", TICKET_WORKER, T, ""),
    row(Api, "POST", "/api/v1/tickets/{id}/replies", TICKET_PARTICIPANT, T, r#"{"body": "a reply from the matrix"}"#),
    row(Api, "POST", "/api/v1/tickets/{id}/notes", TICKET_WORKER, T, r#"{"body": "a note from the matrix"}"#),
    row(Api, "GET", "/api/v1/tickets/{id}/messages", TICKET_READER, T, ""),
    case(row(Api, "GET", "/api/v1/messages/{id}", TICKET_READER, &["$dave_reply"], ""), "a reply"),
    case(row(Api, "GET", "/api/v1/messages/{id}", NOTE_READER, &["$note"], ""), "a note"),
    row(
        Api,
        "PATCH",
        "/api/v1/messages/{id}",
        OWN_REPLY_OR_WORKER,
        &["$dave_reply"],
        r#"{"body": "Dave's words, edited"}"#,
    ),
    row(Api, "DELETE", "/api/v1/messages/{id}", TICKET_WORKER, &["$fresh_reply"], ""),
    row(Api, "GET", "/api/v1/messages/{id}/history", TICKET_WORKER, &["$dave_reply"], ""),
    row(Api, "POST", "/api/v1/messages/{id}/rating", REQUESTER_ONLY, &["$agent_reply"], r#"{"rating": 5}"#),
    row(Api, "POST", "/api/v1/attachments", SIGNED_IN, &[], "$upload"),
    row(Api, "GET", "/api/v1/attachments/{id}", TICKET_READER, &["$attachment"], ""),
    row(Api, "GET", "/api/v1/attachments/{id}/download", TICKET_READER, &["$attachment"], ""),
    row(Api, "GET", "/api/v1/users", STAFF, &[], ""),
    row(Api, "POST", "/api/v1/users", STAFF, &[], r#"{"email": "m$uniq@example.com", "name": "Made by the matrix"}"#),
    row(Api, "GET", "/api/v1/users/{id}", SELF_OR_STAFF, &["$dave"], ""),
    row(Api, "PATCH", "/api/v1/users/{id}", SELF_OR_STAFF, &["$dave"], r#"{"name": "Dave"}"#),
    row(Api, "GET", "/api/v1/organizations", SIGNED_IN, &[], ""),
    row(Api, "POST", "/api/v1/organizations", STAFF, &[], r#"{"name": "Org $uniq"}"#),
    row(Api, "GET", "/api/v1/organizations/{id}", MEMBER_OR_STAFF, &["$acme"], ""),
    row(Api, "PATCH", "/api/v1/organizations/{id}", ORG_MANAGER, &["$acme"], r#"{"notes": "noted by the matrix"}"#),
    row(Api, "GET", "/api/v1/tokens", SIGNED_IN, &[], ""),
    row(Api, "POST", "/api/v1/tokens", SIGNED_IN, &[], r#"{"name": "matrix"}"#),
    row(Api, "DELETE", "/api/v1/tokens/{id}", OWNER_OR_ADMIN, &["$fresh_dave_token"], ""),
    row(Api, "GET", "/api/v1/departments", SIGNED_IN, &[], ""),
    row(Api, "POST", "/api/v1/departments", ADMIN, &[], r#"{"name": "Dept $uniq"}"#),
    row(Api, "GET", "/api/v1/departments/{id}", SIGNED_IN, &["$billing"], ""),
    row(Api, "PATCH", "/api/v1/departments/{id}", ADMIN, &["$billing"], r#"{"description": "Invoices"}"#),
    row(Api, "GET", "/api/v1/departments/{id}/notifications", ADMIN, &["$billing"], ""),
    row(
        Api,
        "PATCH",
        "/api/v1/departments/{id}/notifications",
        ADMIN,
        &["$billing"],
        r#"{"modes": {"new_ticket": "digest"}}"#,
    ),
    row(Api, "GET", "/api/v1/services", SIGNED_IN, &[], ""),
    row(
        Api,
        "POST",
        "/api/v1/services",
        STAFF,
        &[],
        r#"{"kind": "service", "external_id": "m$uniq", "label": "VPS", "owner_id": $dave}"#,
    ),
    row(Api, "GET", "/api/v1/services/{id}", OWNER_OR_STAFF, &["$dave_service"], ""),
    row(Api, "PATCH", "/api/v1/services/{id}", SERVICE_MANAGER, &["$dave_service"], r#"{"label": "Dave's VPS"}"#),
    row(
        Api,
        "PUT",
        "/api/v1/services/sync/{kind}/{external_id}",
        STAFF,
        &["domain", "m$uniq"],
        r#"{"label": "example.com", "owner_id": $dave}"#,
    ),
    row(Api, "GET", "/api/v1/statuses", SIGNED_IN, &[], ""),
    row(
        Api,
        "POST",
        "/api/v1/statuses",
        ADMIN,
        &[],
        r#"{"key": "s$uniq", "name": "Status $uniq", "category": "hold"}"#,
    ),
    row(Api, "GET", "/api/v1/custom-fields", SIGNED_IN, &[], ""),
    row(
        Api,
        "POST",
        "/api/v1/custom-fields",
        ADMIN,
        &[],
        r#"{"key": "f$uniq", "type": "text", "labels": {"en": "Field"}}"#,
    ),
    row(Api, "PATCH", "/api/v1/custom-fields/{id}", ADMIN, &["$field"], r#"{"labels": {"en": "Server IP"}}"#),
    row(Api, "DELETE", "/api/v1/custom-fields/{id}", ADMIN, &["$fresh_field"], ""),
    row(Api, "POST", "/api/v1/mail/inbound", ADMIN, &[], r#"{"not": "a message"}"#),
    row(Api, "GET", "/api/v1/mail/inbound", ADMIN, &[], ""),
    row(Api, "GET", "/api/v1/mail/inbound/{id}", ADMIN, &["$inbound"], ""),
    row(Api, "GET", "/api/v1/mail/inbound/{id}/raw", ADMIN, &["$inbound"], ""),
    row(Api, "POST", "/api/v1/mail/inbound/{id}/process", ADMIN, &["$inbound"], ""),
    row(
        Api,
        "POST",
        "/api/v1/mailboxes",
        ADMIN,
        &[],
        r#"{"department_id": $billing, "address": "new@example.test", "imap_url": "imap://127.0.0.1:1", "username": "u", "password": "p", "active": false}"#,
    ),
    row(Api, "GET", "/api/v1/mailboxes", ADMIN, &[], ""),
    row(Api, "GET", "/api/v1/mailboxes/{id}", ADMIN, &["$mailbox"], ""),
    row(Api, "PATCH", "/api/v1/mailboxes/{id}", ADMIN, &["$mailbox"], r#"{"folder": "INBOX"}"#),
    row(Api, "DELETE", "/api/v1/mailboxes/{id}", ADMIN, &["$fresh_mailbox"], ""),
    row(Api, "GET", "/api/v1/blocked-senders", ADMIN, &[], ""),
    row(Api, "POST", "/api/v1/blocked-senders", ADMIN, &[], r#"{"pattern": "m$uniq@spam.test", "note": "matrix"}"#),
    row(Api, "DELETE", "/api/v1/blocked-senders/{id}", ADMIN, &["$fresh_block"], ""),
    row(Api, "GET", "/api/v1/tickets/{id}/mail", TICKET_WORKER, T, ""),
    row(Api, "GET", "/api/v1/mail/outgoing", ADMIN, &[], ""),
    row(Api, "POST", "/api/v1/mail/outgoing/{id}/resend", ADMIN_UNKNOWN, &["987654"], ""),
    row(Api, "GET", "/api/v1/mail/suppressions", STAFF, &[], ""),
    row(Api, "DELETE", "/api/v1/mail/suppressions/{address}", STAFF_UNKNOWN, &["nobody@example.test"], ""),
    row(Api, "GET", "/api/v1/me/notifications", SIGNED_IN, &[], ""),
    row(Api, "PATCH", "/api/v1/me/notifications", SIGNED_IN, &[], r#"{"notifications": {}}"#),
    row(Api, "GET", "/api/v1/mail/templates", ADMIN, &[], ""),
    row(
        Api,
        "PUT",
        "/api/v1/mail/templates/{kind}/{language}",
        ADMIN,
        &["solved", "en"],
        r#"{"subject": "Solved: {{ ticket.subject }}", "body": "Ticket {{ ticket.number }} is solved."}"#,
    ),
    row(Api, "DELETE", "/api/v1/mail/templates/{kind}/{language}", ADMIN, &["solved", "tr"], ""),
    row(
        Api,
        "POST",
        "/api/v1/mail/templates/{kind}/preview",
        ADMIN,
        &["assigned"],
        r#"{"subject": "Hi {{ agent.name }}", "body": "{{ ticket.url }}"}"#,
    ),
    row(Api, "GET", "/api/v1/webhooks", ADMIN, &[], ""),
    row(Api, "POST", "/api/v1/webhooks", ADMIN, &[], r#"{"url": "$receiver", "kinds": ["ticket.merged"]}"#),
    row(Api, "GET", "/api/v1/webhooks/{id}", ADMIN, &["$webhook"], ""),
    row(Api, "PATCH", "/api/v1/webhooks/{id}", ADMIN, &["$webhook"], r#"{"description": "matrix"}"#),
    row(Api, "DELETE", "/api/v1/webhooks/{id}", ADMIN, &["$fresh_webhook"], ""),
    row(Api, "POST", "/api/v1/webhooks/{id}/test", ADMIN, &["$webhook"], ""),
    row(Api, "GET", "/api/v1/webhooks/{id}/deliveries", ADMIN, &["$webhook"], ""),
    row(Api, "GET", "/api/v1/webhooks/{id}/deliveries/{delivery}", ADMIN, &["$webhook", "$delivery"], ""),
    row(Api, "POST", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", ADMIN, &["$webhook", "$delivery"], ""),
    row(Api, "GET", "/api/v1/hooks", ADMIN, &[], ""),
    row(
        Api,
        "POST",
        "/api/v1/hooks",
        ADMIN,
        &[],
        r#"{"kind": "panel", "name": "TicketAdminAreaViewDetail", "url": "$receiver", "active": false}"#,
    ),
    row(Api, "GET", "/api/v1/hooks/{id}", ADMIN, &["$hook"], ""),
    row(Api, "PATCH", "/api/v1/hooks/{id}", ADMIN, &["$hook"], r#"{"description": "matrix"}"#),
    row(Api, "DELETE", "/api/v1/hooks/{id}", ADMIN, &["$fresh_hook"], ""),
    row(Api, "POST", "/api/v1/hooks/{id}/test", ADMIN, &["$hook"], ""),
    row(Api, "GET", "/api/v1/events/stream", SIGNED_IN, &[], ""),
    row(Api, "GET", "/api/v1/views", STAFF, &[], ""),
    row(
        Api,
        "POST",
        "/api/v1/views",
        STAFF,
        &[],
        r#"{"title": "Matrix $uniq", "conditions": {"all": [{"field": "status", "operator": "less_than", "value": "closed"}]}}"#,
    ),
    row(Api, "GET", "/api/v1/views/count_many", STAFF, &[], "ids=$view"),
    row(Api, "POST", "/api/v1/views/reorder", STAFF, &[], r#"{"ids": [$own_view]}"#),
    row(Api, "GET", "/api/v1/views/{id}", STAFF, &["$view"], ""),
    row(Api, "PATCH", "/api/v1/views/{id}", ADMIN, &["$view"], r#"{"description": "shared"}"#),
    row(Api, "DELETE", "/api/v1/views/{id}", ADMIN, &["$fresh_view"], ""),
    row(Api, "GET", "/api/v1/views/{id}/tickets", STAFF_TICKET_LIST, &["$view"], "limit=100"),
    row(Api, "GET", "/api/v1/views/{id}/count", STAFF, &["$view"], ""),
    row(Api, "GET", "/api/v1/sla/policies", STAFF, &[], ""),
    row(
        Api,
        "POST",
        "/api/v1/sla/policies",
        ADMIN,
        &[],
        r#"{"name": "SLA $uniq", "schedule": {"time_zone": "UTC", "week": {"mon": [["09:00", "17:00"]]}}, "targets": {"normal": {"first_response_minutes": 60}}}"#,
    ),
    row(Api, "GET", "/api/v1/sla/policies/{id}", STAFF, &["$sla"], ""),
    row(Api, "PATCH", "/api/v1/sla/policies/{id}", ADMIN, &["$sla"], r#"{"warning_minutes": 15}"#),
    row(Api, "DELETE", "/api/v1/sla/policies/{id}", ADMIN, &["$fresh_sla"], ""),
    row(Api, "GET", "/api/v1/search", TICKET_LIST, &[], "q=invoice&limit=100"),
    row(Api, "POST", "/api/v1/auth/password-reset", PUBLIC, &[], r#"{"email": "matrix$uniq@example.net"}"#),
    row(
        Api,
        "POST",
        "/api/v1/auth/password-reset/confirm",
        PUBLIC,
        &[],
        r#"{"token": "$fresh_reset_token", "password": "a matrix password"}"#,
    ),
    row(Api, "POST", "/api/v1/sso/handoff", ADMIN, &[], r#"{"user_id": $dave}"#),
    // ---- the web UI --------------------------------------------------------------------------
    row(Web, "GET", "/static/{hash}/{name}", PUBLIC, &["$static_hash", "$static_name"], ""),
    row(Web, "GET", "/sign-in", PUBLIC, &[], ""),
    row(Web, "POST", "/sign-in", CREDENTIALS, &[], "$sign_in"),
    row(Web, "POST", "/sign-out", PUBLIC, &[], "$fresh_session"),
    row(Web, "GET", "/forgot-password", PUBLIC, &[], ""),
    row(Web, "POST", "/forgot-password", PUBLIC, &[], "$pre:email=matrix$uniq@example.net"),
    row(Web, "GET", "/reset/{token}", PUBLIC, &["$fresh_reset_token"], ""),
    row(
        Web,
        "POST",
        "/reset/{token}",
        PUBLIC,
        &["$fresh_reset_token"],
        "$pre:new_password=a+matrix+password&confirm_password=a+matrix+password",
    ),
    row(Web, "GET", "/sign-in/link", PUBLIC, &[], ""),
    row(Web, "POST", "/sign-in/link", PUBLIC, &[], "$pre:email=matrix$uniq@example.net"),
    row(Web, "GET", "/sign-in/link/{token}", PUBLIC, &["$fresh_link_token"], ""),
    row(Web, "POST", "/sign-in/link/{token}", PUBLIC, &["$fresh_link_token"], "$pre:"),
    row(Web, "GET", "/sso/{token}", PUBLIC, &["$fresh_handoff_token"], ""),
    row(Web, "GET", "/unsubscribe/{token}", PUBLIC, &["$unsubscribe_token"], ""),
    row(Web, "POST", "/unsubscribe/{token}", PUBLIC, &["$unsubscribe_token"], "List-Unsubscribe=One-Click"),
    row(Web, "GET", "/account", SIGNED_IN, &[], ""),
    row(Web, "POST", "/account", SIGNED_IN, &[], "form=profile&name=$own_name&locale=en&time_zone=UTC"),
    row(Web, "POST", "/language", PUBLIC, &[], "lang=en&back=/"),
    row(Web, "GET", "/t/{number}", PUBLIC, &["$number"], "key=$key"),
    row(Web, "GET", "/", PORTAL_LIST, &[], "scope=org"),
    row(Web, "GET", "/tickets/new", SIGNED_IN, &[], ""),
    row(
        Web,
        "POST",
        "/tickets/new",
        OPENS_IN_BILLING,
        &[],
        "subject=Opened+by+the+matrix&department_id=$billing&body=b",
    ),
    row(Web, "GET", "/tickets/{number}", TICKET_READER, &["$number"], ""),
    row(Web, "POST", "/tickets/{number}/reply", TICKET_PARTICIPANT, &["$number"], "body=a+reply+from+the+matrix"),
    row(Web, "POST", "/tickets/{number}/action", TICKET_PARTICIPANT, &["$fresh_number"], "do=solve"),
    row(Web, "POST", "/tickets/{number}/rate", REQUESTER_ONLY, &["$number"], "message_id=$agent_reply&rating=4"),
    row(Web, "GET", "/files/{id}", TICKET_READER, &["$attachment"], ""),
    row(Web, "GET", "/agent", STAFF, &[], ""),
    row(Web, "GET", "/agent/counts", STAFF, &[], ""),
    row(Web, "GET", "/agent/live", STAFF, &[], ""),
    row(Web, "POST", "/agent/bulk", TICKET_WORKER, &[], "do=priority&priority=high&ids=$ticket"),
    row(Web, "GET", "/agent/search", STAFF_TICKET_LIST, &[], "q=invoice"),
    row(Web, "GET", "/agent/views", STAFF, &[], ""),
    row(Web, "GET", "/agent/views/new", STAFF, &[], ""),
    row(
        Web,
        "POST",
        "/agent/views/new",
        STAFF,
        &[],
        "title=Matrix+$uniq&share=me&active=on&columns=number&columns=subject&sort_by=updated&order=desc",
    ),
    row(Web, "GET", "/agent/views/{id}", ADMIN, &["$view"], ""),
    row(
        Web,
        "POST",
        "/agent/views/{id}",
        ADMIN,
        &["$view"],
        "title=Shared+by+the+matrix&share=everyone&active=on&columns=number&columns=subject&sort_by=updated&order=desc&c0.group=all&c0.field=status&c0.op=less_than&c0.value=closed",
    ),
    row(Web, "POST", "/agent/views/{id}/active", ADMIN, &["$view"], "active=1"),
    row(Web, "POST", "/agent/views/{id}/delete", ADMIN, &["$fresh_view"], ""),
    row(Web, "POST", "/agent/views/{id}/move", ADMIN, &["$view"], "dir=up"),
    row(Web, "GET", "/agent/tickets/new", STAFF, &[], ""),
    row(
        Web,
        "POST",
        "/agent/tickets/new",
        OPENS_IN_BILLING_STAFF,
        &[],
        "department_id=$billing&subject=Phone+call&body=b&requester_email=dave%40acme.example&priority=normal",
    ),
    row(Web, "GET", "/agent/tickets/{id}", TICKET_WORKER, T, ""),
    row(Web, "POST", "/agent/tickets/{id}/message", TICKET_WORKER, T, "kind=note&body=a+note+from+the+matrix"),
    row(Web, "POST", "/agent/tickets/{id}/properties", TICKET_WORKER, T, "priority=normal"),
    case(row(Web, "POST", "/agent/tickets/{id}/action", TICKET_WORKER, FRESH, "do=solve"), "solve"),
    case(row(Web, "POST", "/agent/tickets/{id}/action", TICKET_WORKER, FRESH, "do=delete"), "delete"),
    row(Web, "POST", "/agent/tickets/{id}/reveal", TICKET_WORKER, T, "key=$secret_key"),
    row(Web, "POST", "/agent/tickets/{id}/guest-link", TICKET_WORKER, T, ""),
    row(Web, "POST", "/agent/tickets/{id}/presence", TICKET_WORKER, T, "typing=on"),
    row(Web, "GET", "/admin", ADMIN, &[], ""),
    row(Web, "GET", "/admin/departments", ADMIN, &[], ""),
    row(Web, "POST", "/admin/departments", ADMIN, &[], "name=Dept+$uniq&public=on&auto_assign=none"),
    row(Web, "GET", "/admin/departments/{id}", ADMIN, &["$billing"], ""),
    row(
        Web,
        "POST",
        "/admin/departments/{id}",
        ADMIN,
        &["$billing"],
        "name=Billing&public=on&auto_assign=none&member_ids=$ayse",
    ),
    row(Web, "GET", "/admin/users", ADMIN, &[], ""),
    row(Web, "POST", "/admin/users", ADMIN, &[], "email=w$uniq%40example.com&name=Web+user&role=customer&locale=en"),
    row(Web, "GET", "/admin/users/{id}", ADMIN, &["$dave"], ""),
    row(
        Web,
        "POST",
        "/admin/users/{id}",
        ADMIN,
        &["$dave"],
        "email=dave%40acme.example&name=Dave&role=customer&organization_id=$acme&locale=en&time_zone=UTC",
    ),
    row(Web, "GET", "/admin/organizations", ADMIN, &[], ""),
    row(Web, "POST", "/admin/organizations", ADMIN, &[], "name=Org+$uniq"),
    row(Web, "GET", "/admin/organizations/{id}", ADMIN, &["$acme"], ""),
    row(Web, "POST", "/admin/organizations/{id}", ADMIN, &["$acme"], "name=Acme"),
    row(Web, "GET", "/admin/custom-fields", ADMIN, &[], ""),
    row(
        Web,
        "POST",
        "/admin/custom-fields",
        ADMIN,
        &[],
        "key=w$uniq&type=text&label_en=Web+field&customer_visible=on&customer_editable=on",
    ),
    row(Web, "GET", "/admin/custom-fields/{id}", ADMIN, &["$field"], ""),
    row(
        Web,
        "POST",
        "/admin/custom-fields/{id}",
        ADMIN,
        &["$field"],
        "label_en=Server+IP&customer_visible=on&customer_editable=on",
    ),
    row(Web, "POST", "/admin/custom-fields/{id}/delete", ADMIN, &["$fresh_field"], ""),
    row(Web, "GET", "/admin/statuses", ADMIN, &[], ""),
    row(Web, "POST", "/admin/statuses", ADMIN, &[], "key=w$uniq&name=Web+status&category=hold"),
    row(Web, "GET", "/admin/tokens", ADMIN, &[], ""),
    row(Web, "POST", "/admin/tokens", ADMIN, &[], "name=web"),
    row(Web, "POST", "/admin/tokens/{id}/revoke", ADMIN, &["$fresh_dave_token"], ""),
    row(Web, "GET", "/admin/webhooks", ADMIN, &[], ""),
    row(
        Web,
        "POST",
        "/admin/webhooks",
        ADMIN,
        &[],
        "url=$receiver&kinds=ticket.merged&format=native&active=on&failure_limit=10",
    ),
    row(Web, "GET", "/admin/webhooks/{id}", ADMIN, &["$webhook"], ""),
    row(
        Web,
        "POST",
        "/admin/webhooks/{id}",
        ADMIN,
        &["$webhook"],
        "url=$receiver&kinds=ticket.merged&format=native&active=on&failure_limit=10",
    ),
    row(Web, "POST", "/admin/webhooks/{id}/delete", ADMIN, &["$fresh_webhook"], ""),
    row(Web, "POST", "/admin/webhooks/{id}/test", ADMIN, &["$webhook"], ""),
    row(Web, "GET", "/admin/webhooks/{id}/deliveries/{delivery}", ADMIN, &["$webhook", "$delivery"], ""),
    row(Web, "POST", "/admin/webhooks/{id}/deliveries/{delivery}/redeliver", ADMIN, &["$webhook", "$delivery"], ""),
    row(Web, "GET", "/admin/hooks", ADMIN, &[], ""),
    row(
        Web,
        "POST",
        "/admin/hooks",
        ADMIN,
        &[],
        "kind=panel&name=TicketAdminAreaViewDetail&url=$receiver&format=native&priority=0&timeout_ms=2000&on_failure=allow",
    ),
    row(Web, "GET", "/admin/hooks/{id}", ADMIN, &["$hook"], ""),
    row(
        Web,
        "POST",
        "/admin/hooks/{id}",
        ADMIN,
        &["$hook"],
        "name=TicketAdminAreaViewDetail&url=$receiver&format=native&priority=0&timeout_ms=2000&on_failure=allow",
    ),
    row(Web, "POST", "/admin/hooks/{id}/delete", ADMIN, &["$fresh_hook"], ""),
    row(Web, "POST", "/admin/hooks/{id}/test", ADMIN, &["$hook"], ""),
    row(Web, "GET", "/admin/sla", ADMIN, &[], ""),
    row(
        Web,
        "POST",
        "/admin/sla",
        ADMIN,
        &[],
        "name=SLA+$uniq&schedule.time_zone=UTC&schedule.week.mon=09%3A00-17%3A00&targets.normal.first_response_minutes=60&warning_minutes=30&active=on",
    ),
    row(Web, "GET", "/admin/sla/{id}", ADMIN, &["$sla"], ""),
    row(
        Web,
        "POST",
        "/admin/sla/{id}",
        ADMIN,
        &["$sla"],
        "name=Office+hours&schedule.time_zone=UTC&schedule.week.mon=09%3A00-17%3A00&targets.normal.first_response_minutes=60&warning_minutes=30&active=on",
    ),
    row(Web, "POST", "/admin/sla/{id}/delete", ADMIN, &["$fresh_sla"], ""),
    row(Web, "GET", "/admin/mail", ADMIN, &[], ""),
    row(Web, "GET", "/admin/mail/{id}", ADMIN, &["$inbound"], ""),
    row(Web, "GET", "/admin/mail/{id}/raw", ADMIN, &["$inbound"], ""),
    row(Web, "POST", "/admin/mail/{id}/process", ADMIN, &["$inbound"], ""),
    row(Web, "GET", "/admin/mailboxes", ADMIN, &[], ""),
    row(Web, "GET", "/admin/mailboxes/new", ADMIN, &[], ""),
    row(
        Web,
        "POST",
        "/admin/mailboxes/new",
        ADMIN,
        &[],
        "department_id=$billing&address=w$uniq%40example.test&imap_url=imap%3A%2F%2F127.0.0.1%3A1&username=u&password=p&folder=INBOX&after_import=keyword",
    ),
    row(Web, "GET", "/admin/mailboxes/{id}", ADMIN, &["$mailbox"], ""),
    row(
        Web,
        "POST",
        "/admin/mailboxes/{id}",
        ADMIN,
        &["$mailbox"],
        "department_id=$billing&address=matrix%40example.test&imap_url=imap%3A%2F%2F127.0.0.1%3A1&username=matrix&folder=INBOX&after_import=keyword",
    ),
    row(Web, "POST", "/admin/mailboxes/{id}/delete", ADMIN, &["$fresh_mailbox"], ""),
    row(Web, "GET", "/admin/blocked-senders", ADMIN, &[], ""),
    row(Web, "POST", "/admin/blocked-senders", ADMIN, &[], "pattern=w$uniq%40spam.test&department_id=&note=matrix"),
    row(Web, "POST", "/admin/blocked-senders/{id}/delete", ADMIN, &["$fresh_block"], ""),
    row(Web, "POST", "/admin/mailboxes/{id}/authorise", ADMIN, &["$oauth_mailbox"], ""),
    row(Web, "GET", "/admin/mailboxes/oauth/callback", ADMIN, &[], "error=access_denied&state=1.x"),
    // ---- outgoing mail's pages (issue 17; the matrix's server sends no mail, so a copy to send
    // again does not exist: AdminUnknown, and no address is suppressed: StaffUnknown) ---------------
    row(Web, "GET", "/admin/outgoing", ADMIN, &[], "state=failed"),
    row(Web, "POST", "/admin/outgoing/{id}/resend", ADMIN_UNKNOWN, &["987654"], ""),
    row(Web, "GET", "/admin/templates", ADMIN, &[], ""),
    row(Web, "GET", "/admin/templates/{kind}/{language}", ADMIN, &["solved", "tr"], ""),
    case(
        row(
            Web,
            "POST",
            "/admin/templates/{kind}/{language}",
            ADMIN,
            &["assigned", "ru"],
            "do=preview&subject=Hi+%7B%7B+agent.name+%7D%7D&body=%7B%7B+ticket.url+%7D%7D&ticket=$number",
        ),
        "preview",
    ),
    case(
        row(
            Web,
            "POST",
            "/admin/templates/{kind}/{language}",
            ADMIN,
            &["solved", "zh"],
            "do=save&subject=Solved%3A+%7B%7B+ticket.subject+%7D%7D&body=Ticket+%7B%7B+ticket.number+%7D%7D+is+solved.",
        ),
        "save",
    ),
    row(Web, "POST", "/admin/templates/{kind}/{language}/reset", ADMIN, &["solved", "zh"], ""),
    row(Web, "GET", "/agent/suppressions", STAFF, &[], ""),
    row(Web, "POST", "/agent/suppressions/remove", STAFF_UNKNOWN, &[], "address=nobody%40example.test"),
    case(row(Web, "POST", "/account", SIGNED_IN, &[], "form=notifications"), "notifications"),
    // ---- WHMCS (staff tokens; customers' credentials are refused) ---------------------------------
    row(Wh, "POST", "GetTickets", TICKET_LIST, &[], "limitnum=100"),
    row(Wh, "POST", "GetTicket", TICKET_READER, &[], "ticketid=$ticket"),
    row(
        Wh,
        "POST",
        "OpenTicket",
        OPENS_IN_BILLING,
        &[],
        "deptid=$billing&subject=WHMCS+ticket&message=m&clientid=$dave",
    ),
    row(Wh, "POST", "AddTicketReply", TICKET_PARTICIPANT, &[], "ticketid=$ticket&message=a+reply+from+the+matrix"),
    row(Wh, "POST", "AddTicketNote", TICKET_WORKER, &[], "ticketid=$ticket&message=a+note+from+the+matrix"),
    row(Wh, "POST", "UpdateTicket", TICKET_WORKER, &[], "ticketid=$ticket&priority=Medium"),
    row(Wh, "POST", "UpdateTicketReply", TICKET_WORKER, &[], "replyid=$agent_reply&message=edited+by+the+matrix"),
    row(Wh, "POST", "DeleteTicket", TICKET_WORKER, &[], "ticketid=$fresh_ticket"),
    row(Wh, "POST", "DeleteTicketReply", TICKET_WORKER, &[], "ticketid=$ticket&replyid=$fresh_reply"),
    row(Wh, "POST", "DeleteTicketNote", TICKET_WORKER, &[], "noteid=$fresh_note"),
    row(Wh, "POST", "GetSupportDepartments", STAFF, &[], ""),
    row(Wh, "POST", "GetSupportStatuses", STAFF, &[], ""),
    row(Wh, "POST", "GetTicketCounts", STAFF, &[], ""),
    row(Wh, "POST", "GetTicketNotes", TICKET_WORKER, &[], "ticketid=$ticket"),
    row(Wh, "POST", "GetTicketAttachment", TICKET_READER, &[], "relatedid=$ticket&type=ticket&index=0"),
    row(Wh, "POST", "MergeTicket", TICKET_WORKER, &[], "ticketid=$fresh_ticket&mergeticketids=$fresh_ticket2"),
    row(Wh, "POST", "BlockTicketSender", TICKET_ADMIN, &[], "ticketid=$fresh_guest_ticket&delete=true"),
    row(Wh, "POST", "CreateSsoToken", ADMIN, &[], "client_id=$dave"),
    // ---- BILLmanager (customers; staff with su=Dave) ---------------------------------------------
    row(Bm, "GET", "auth", CREDENTIALS, &[], "$bm_credentials"),
    row(Bm, "GET", "clientticket", TICKET_LIST, &[], ""),
    row(Bm, "GET", "clientticket.filter", SIGNED_IN, &[], ""),
    case(row(Bm, "GET", "clientticket.edit", TICKET_READER, &[], "elid=$ticket"), "read"),
    case(
        row(
            Bm,
            "GET",
            "clientticket.edit",
            OPENS_IN_BILLING,
            &[],
            "sok=ok&name=BILLmanager+ticket&client_department=$billing&message=m",
        ),
        "open",
    ),
    case(
        row(
            Bm,
            "GET",
            "clientticket.edit",
            TICKET_PARTICIPANT,
            &[],
            "sok=ok&elid=$ticket&message=a+reply+from+the+matrix",
        ),
        "reply",
    ),
    row(Bm, "GET", "clientticket.archive", TICKET_PARTICIPANT, &[], "elid=$fresh_ticket"),
    row(Bm, "GET", "incident", UNSUPPORTED, &[], ""),
    // ---- hostapi (customers' tokens; staff's are refused) ----------------------------------------
    row(Ha, "GET", "tickets", TICKET_LIST, &[], ""),
    row(
        Ha,
        "POST",
        "create",
        SIGNED_IN,
        &[],
        "title=Hosting+ticket&department=$billing&message=m&service=S$own_service",
    ),
    row(Ha, "POST", "reply", TICKET_PARTICIPANT, &[], "id=$ticket&reply=a+reply+from+the+matrix"),
    row(Ha, "GET", "close", TICKET_PARTICIPANT, &["$fresh_ticket"], ""),
    row(Ha, "POST", "close", TICKET_PARTICIPANT, &["$fresh_ticket"], ""),
    // ---- Bangwo8 (staff) --------------------------------------------------------------------
    row(B8, "GET", "ticketviews", STAFF, &[], ""),
    row(B8, "GET", "ticketviews.show", STAFF, &["$view.json"], ""),
    row(B8, "GET", "ticketviews.show_many", STAFF, &[], "ids=$view"),
    row(B8, "GET", "ticketviews.tickets", STAFF_TICKET_LIST, &["$view"], "per_page=100"),
    row(B8, "GET", "ticketviews.count", STAFF, &["$view"], ""),
    row(B8, "GET", "tickets", TICKET_LIST, &[], "per_page=100"),
];

/// Opening a ticket from the console: the agent of billing may, the agent
/// of tech may not (decision 34), admins may; customers have no console.
const OPENS_IN_BILLING_STAFF: Class = class("OpensInBillingFromTheConsole", [U, F, F, F, Y, F, Y]);

// ---- what the routers have -----------------------------------------------------------------------

/// Every route and action the doors have: (door, method, route or action).
fn routes() -> BTreeSet<(Door, String, String)> {
    let mut out = BTreeSet::new();
    let (_, doc) = tessera_server::api::router();
    let doc = serde_json::to_value(&doc).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.insert((Api, method.to_uppercase(), path.clone()));
        }
    }
    for (method, path) in tessera_web::route_list() {
        out.insert((Web, method.to_string(), path.to_string()));
    }
    for a in tessera_compat::whmcs::ACTIONS {
        out.insert((Wh, "POST".into(), a.to_string()));
    }
    for a in tessera_compat::billmanager::ACTIONS {
        out.insert((Bm, "GET".into(), a.to_string()));
    }
    for e in tessera_compat::hostapi::Endpoint::ALL {
        for m in e.methods() {
            out.insert((Ha, m.to_string(), e.name().to_string()));
        }
    }
    for e in tessera_compat::bangwo8::Endpoint::ALL {
        for m in e.methods() {
            out.insert((B8, m.to_string(), e.name().to_string()));
        }
    }
    out
}

/// The path of a path-based dialect's action.
fn dialect_path(door: Door, action: &str) -> String {
    match door {
        Ha => {
            let e = tessera_compat::hostapi::Endpoint::ALL.iter().find(|e| e.name() == action).unwrap();
            format!("/compat/hostapi{}", e.path())
        }
        B8 => {
            let e = tessera_compat::bangwo8::Endpoint::ALL.iter().find(|e| e.name() == action).unwrap();
            format!("/compat/bangwo8{}", e.path())
        }
        _ => unreachable!(),
    }
}

#[tokio::test]
async fn every_route_of_every_door_answers_each_person_as_the_table_says() {
    let started = std::time::Instant::now();
    // 1. The table judges every route, and names only routes.
    let have = routes();
    let judged: BTreeSet<(Door, String, String)> =
        TABLE.iter().map(|r| (r.door, r.method.to_string(), r.route.to_string())).collect();
    let unjudged: Vec<String> = have
        .difference(&judged)
        .map(|(d, m, p)| {
            format!("  {d:?} {m} {p}: add a row to TABLE in crates/server/tests/api/matrix/mod.rs with its class")
        })
        .collect();
    let unknown: Vec<String> = judged
        .difference(&have)
        .map(|(d, m, p)| format!("  {d:?} {m} {p}: no such route or action; fix or remove the row"))
        .collect();
    assert!(
        unjudged.is_empty() && unknown.is_empty(),
        "the matrix and the routers disagree:\n{}\n{}",
        unjudged.join("\n"),
        unknown.join("\n")
    );

    // 2. Every cell.
    let fx = Fixture::new().await;
    let mut failures = Vec::new();
    let mut cells = 0;
    let mut by_class: BTreeMap<&str, usize> = BTreeMap::new();
    for r in TABLE {
        *by_class.entry(r.class.name).or_default() += 1;
        for who in PEOPLE {
            cells += 1;
            let mut cell = Cell { fx: &fx, who, made: HashMap::new() };
            let answer = send(&mut cell, r).await;
            let want = expected(r, who);
            let label = format!(
                "{:?} {} {}{} as {:?} ({})",
                r.door,
                r.method,
                r.route,
                if r.case.is_empty() { String::new() } else { format!(" [{}]", r.case) },
                who,
                r.class.name
            );
            match judge(r.door, &answer) {
                Ok(got) if matches(want, got, &answer.text) => {}
                Ok(got) => failures.push(format!("{label}: expected {want:?}, got {got:?} (HTTP {})", answer.status)),
                Err(e) => failures.push(format!("{label}: expected {want:?}, got {e}")),
            }
            for leak in leaks(&fx, r, who, &answer.text) {
                failures.push(format!("{label}: the answer carries {leak}"));
            }
        }
    }
    let _ = &fx.receiver;
    eprintln!(
        "authorization matrix: {} rows, {cells} cells, {} classes, {:.1?}",
        TABLE.len(),
        by_class.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {cells} cells disagree with the table:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
