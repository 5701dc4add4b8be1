//! What callers ask the desk to do: the inputs of its operations. The native
//! API deserializes request bodies straight into these (unknown fields are
//! refused); dialects and the web UI fill them in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use tessera_core::ids::*;
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{Cc, Priority, Source, TicketType};
use tessera_core::{AutoAssign, Email, Role, ServiceKind, ServiceStatus};

/// Deserializes a field that distinguishes "absent" (`None`) from "null"
/// (`Some(None)`), for updates that can clear a value.
pub fn nullable<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// Where a request came from, for the message record.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// Channel the message arrived through.
    pub channel: Source,
    /// The client's IP address.
    pub ip: Option<String>,
    /// The inbound e-mail the message comes from (the mail gateway's door):
    /// recorded with the change, so the e-mail is applied exactly once; its
    /// Message-ID is kept on the message; and mail addressed to a
    /// department opens a ticket there even if customers cannot pick it.
    pub mail: Option<tessera_store::MailApplied>,
}

/// A requester to find by e-mail or create, when an agent opens a ticket.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RequesterInput {
    /// Their address; an existing user with it is used.
    pub email: Email,
    /// Their name (for a new user; defaults to the address's local part).
    #[serde(default)]
    pub name: Option<String>,
}

/// Opening a ticket.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenTicket {
    /// One line.
    pub subject: String,
    /// Where it goes (customers may pick public departments only).
    pub department_id: DepartmentId,
    /// The first message, plain text.
    pub body: String,
    /// The first message as HTML (sanitised before storage).
    #[serde(default)]
    pub html: Option<String>,
    /// Urgency (default normal).
    #[serde(default)]
    pub priority: Option<Priority>,
    /// One of the requester's services.
    #[serde(default)]
    pub service_id: Option<ServiceId>,
    /// Custom field values by key.
    #[serde(default)]
    pub custom_fields: BTreeMap<String, Value>,
    /// Files uploaded before (`POST /attachments`).
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// Followers.
    #[serde(default)]
    pub cc: Option<Cc>,
    /// Keep the first message's text encrypted at rest.
    #[serde(default)]
    pub encrypted: bool,
    /// Agents: send the customer no mail about the new ticket (WHMCS's
    /// `noemail`: no acknowledgement, no copy of an agent's first
    /// message); agents' notifications still go. Agents only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_email: bool,
    /// Agents: the requester by id.
    #[serde(default)]
    pub requester_id: Option<UserId>,
    /// Agents: the requester by e-mail (found or created as a customer).
    #[serde(default)]
    pub requester: Option<RequesterInput>,
    /// Agents: the type.
    #[serde(default, rename = "type")]
    pub ticket_type: Option<TicketType>,
    /// Agents: tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Agents: the assignee (instead of the department's auto-assignment).
    #[serde(default)]
    pub assignee_id: Option<UserId>,
    /// Agents: the starting status (default `new`).
    #[serde(default)]
    pub status: Option<StatusKey>,
    /// Agents: the source (`phone`, `chat`...; default from the channel).
    #[serde(default)]
    pub source: Option<Source>,
    /// Agents: the due date.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    /// Agents: the first message is an internal note rather than a reply.
    #[serde(default)]
    pub first_message_is_note: bool,
    /// Agents: the customer the first message is from, when the agent
    /// passes on a customer's words (a billing panel opening a ticket for
    /// its client): the requester, or a member of the requester's
    /// organization. The message is theirs and counts as a customer's; the
    /// events still name the agent who acted.
    #[serde(default)]
    pub author_id: Option<UserId>,
}

impl OpenTicket {
    /// A minimal ticket: subject, department and first message.
    pub fn new(subject: &str, department_id: DepartmentId, body: &str) -> Self {
        Self {
            subject: subject.into(),
            department_id,
            body: body.into(),
            html: None,
            priority: None,
            service_id: None,
            custom_fields: BTreeMap::new(),
            attachment_ids: Vec::new(),
            cc: None,
            encrypted: false,
            no_email: false,
            requester_id: None,
            requester: None,
            ticket_type: None,
            tags: Vec::new(),
            assignee_id: None,
            status: None,
            source: None,
            due_at: None,
            first_message_is_note: false,
            author_id: None,
        }
    }
}

/// A reply or a note.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PostMessage {
    /// Plain text.
    pub body: String,
    /// HTML (sanitised before storage).
    #[serde(default)]
    pub html: Option<String>,
    /// Files uploaded before.
    #[serde(default)]
    pub attachment_ids: Vec<AttachmentId>,
    /// Agents: the status to set with it (a reply otherwise makes the ticket
    /// `answered`; a note leaves it alone).
    #[serde(default)]
    pub status: Option<StatusKey>,
    /// Keep the text encrypted at rest.
    #[serde(default)]
    pub encrypted: bool,
    /// Agents, replies only: the customer the reply is from, when the agent
    /// passes on a customer's words: the ticket's requester, or a member of
    /// its organization. The reply is theirs and counts as a customer's
    /// (the ticket moves to `open` unless `status` says otherwise); the
    /// events still name the agent who acted.
    #[serde(default)]
    pub author_id: Option<UserId>,
    /// Custom field values to set with it, by key, in the same change (one
    /// version, one batch of events; refused whole if one is refused). Who
    /// may set which is the fields' own rule, as in a ticket update.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_fields: BTreeMap<String, Value>,
    /// Agents: the priority to set with it, in the same change.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Agents: send the customer no mail about this reply (WHMCS's
    /// `noemail`); agents' notifications still go. Agents only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_email: bool,
    /// A precondition against double answers: the id of the ticket's last
    /// public message (reply) when the writer began. If a public message
    /// arrived since, the message is refused with the conflict
    /// `new_reply` (409), so the writer can read it first; absent, no check
    /// (old clients, mail).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub if_last_message_id: Option<MessageId>,
}

impl PostMessage {
    /// A plain-text message.
    pub fn text(body: &str) -> Self {
        Self { body: body.into(), ..Self::default() }
    }
}

/// Changing a ticket's fields. Absent fields stay; `null` clears a field that
/// may be empty.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    /// The version the caller saw (alternative to `If-Match`).
    #[serde(default)]
    pub version: Option<i64>,
    /// New subject.
    #[serde(default)]
    pub subject: Option<String>,
    /// New status.
    #[serde(default)]
    pub status: Option<StatusKey>,
    /// New priority.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// New type, or `null`.
    #[serde(default, rename = "type", deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<TicketType>))]
    pub ticket_type: Option<Option<TicketType>>,
    /// New department.
    #[serde(default)]
    pub department_id: Option<DepartmentId>,
    /// New assignee, or `null` to unassign.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub assignee_id: Option<Option<UserId>>,
    /// All tags (replaces them).
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// Tags to add.
    #[serde(default)]
    pub add_tags: Vec<String>,
    /// Tags to remove.
    #[serde(default)]
    pub remove_tags: Vec<String>,
    /// New service, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub service_id: Option<Option<ServiceId>>,
    /// Lock or unlock.
    #[serde(default)]
    pub locked: Option<bool>,
    /// Flag to an agent, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub flagged_id: Option<Option<UserId>>,
    /// Archive or unarchive.
    #[serde(default)]
    pub archived: Option<bool>,
    /// New followers.
    #[serde(default)]
    pub cc: Option<Cc>,
    /// Custom field values to set (`null` clears one).
    #[serde(default)]
    pub custom_fields: Option<BTreeMap<String, Value>>,
    /// New due date, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<DateTime<Utc>>))]
    pub due_at: Option<Option<DateTime<Utc>>>,
    /// Put at the top of the queue, or not.
    #[serde(default)]
    pub queue_boost: Option<bool>,
}

/// Editing a message's text.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EditMessage {
    /// The new text.
    pub body: String,
    /// The new HTML.
    #[serde(default)]
    pub html: Option<String>,
}

/// Creating a user.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    /// Unique address.
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Role (agents may create customers only).
    #[serde(default = "default_role")]
    pub role: Role,
    /// Initial password (none: the user signs in by link or access key).
    #[serde(default)]
    pub password: Option<String>,
    /// Organization.
    #[serde(default)]
    pub organization_id: Option<OrganizationId>,
    /// Sees the organization's tickets.
    #[serde(default)]
    pub sees_all: bool,
    /// Language (`en`, `tr`, `zh`, `ru`).
    #[serde(default)]
    pub locale: Option<String>,
    /// IANA time zone (default `UTC`).
    #[serde(default)]
    pub time_zone: Option<String>,
}

impl CreateUser {
    /// A user with just the required fields.
    pub fn new(email: Email, name: &str, role: Role) -> Self {
        Self {
            email,
            name: name.to_string(),
            role,
            password: None,
            organization_id: None,
            sees_all: false,
            locale: None,
            time_zone: None,
        }
    }
}

fn default_role() -> Role {
    Role::Customer
}

/// Changing a user.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    /// New address.
    #[serde(default)]
    pub email: Option<Email>,
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New role (admins only).
    #[serde(default)]
    pub role: Option<Role>,
    /// New password (yourself, or an admin for anyone).
    #[serde(default)]
    pub password: Option<String>,
    /// New organization, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub organization_id: Option<Option<OrganizationId>>,
    /// Sees the organization's tickets.
    #[serde(default)]
    pub sees_all: Option<bool>,
    /// Language.
    #[serde(default)]
    pub locale: Option<String>,
    /// IANA time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Disable or enable (admins only).
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// Creating or changing an organization.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OrganizationInput {
    /// Name (required when creating).
    #[serde(default)]
    pub name: Option<String>,
    /// Billing system id, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub external_id: Option<Option<String>>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
    /// Admins: the mail domains whose unknown senders join it
    /// (`["acme.com"]`; none by default).
    #[serde(default)]
    pub email_domains: Option<Vec<String>>,
}

/// Creating or changing a department.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DepartmentInput {
    /// Name (required when creating).
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Customers may pick it (default true).
    #[serde(default)]
    pub public: Option<bool>,
    /// Inbound address, or `null`.
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Option<Email>>,
    /// Auto-assignment policy.
    #[serde(default)]
    pub auto_assign: Option<AutoAssign>,
    /// Tickets must link a service.
    #[serde(default)]
    pub requires_service: Option<bool>,
    /// Days within which mail from a ticket's requester with the ticket's
    /// subject joins it (0 turns the rule off; at most 365).
    #[serde(default)]
    pub mail_thread_days: Option<u32>,
    /// Signature.
    #[serde(default)]
    pub signature: Option<String>,
    /// Sort position.
    #[serde(default)]
    pub position: Option<i64>,
    /// Agent members (replaces them).
    #[serde(default)]
    pub member_ids: Option<Vec<UserId>>,
}

/// Creating, changing or syncing a service.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    /// Kind (required when creating; fixed by the path when syncing).
    #[serde(default)]
    pub kind: Option<ServiceKind>,
    /// Billing id (fixed by the path when syncing).
    #[serde(default, deserialize_with = "nullable")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub external_id: Option<Option<String>>,
    /// Label (required when creating).
    #[serde(default)]
    pub label: Option<String>,
    /// Owner by id (required when creating, unless `owner_email`).
    #[serde(default)]
    pub owner_id: Option<UserId>,
    /// Owner by e-mail: an existing user, or a new customer.
    #[serde(default)]
    pub owner_email: Option<Email>,
    /// Billing state (default active).
    #[serde(default)]
    pub status: Option<ServiceStatus>,
}

/// Adding a status.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusInput {
    /// Key, `a-z0-9_`.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Category it behaves like.
    pub category: StatusCategory,
    /// Sort position (default after the others).
    #[serde(default)]
    pub position: Option<i64>,
}

/// Creating or changing a custom field.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CustomFieldInput {
    /// Key (required when creating; fixed afterwards).
    #[serde(default)]
    pub key: Option<String>,
    /// Labels by language; `en` required.
    #[serde(default)]
    pub labels: Option<BTreeMap<String, String>>,
    /// Type (required when creating; fixed afterwards).
    #[serde(default, rename = "type")]
    pub field_type: Option<tessera_core::FieldType>,
    /// Required on new tickets.
    #[serde(default)]
    pub required: Option<bool>,
    /// Options of select fields.
    #[serde(default)]
    pub options: Option<Vec<String>>,
    /// Customers see it.
    #[serde(default)]
    pub customer_visible: Option<bool>,
    /// Customers set it.
    #[serde(default)]
    pub customer_editable: Option<bool>,
    /// Departments it applies to (empty: all).
    #[serde(default)]
    pub department_ids: Option<Vec<DepartmentId>>,
    /// Wipe secret values when the ticket is solved.
    #[serde(default)]
    pub wipe_on_solve: Option<bool>,
    /// Sort position.
    #[serde(default)]
    pub position: Option<i64>,
}

/// Creating a token.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// What it is for.
    #[serde(default)]
    pub name: Option<String>,
    /// Admins: create it for another user.
    #[serde(default)]
    pub user_id: Option<UserId>,
}

/// Merging tickets into one.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The tickets whose messages move into this one; they are closed.
    pub source_ids: Vec<TicketId>,
}

/// Rating an agent reply.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RateInput {
    /// 1 (bad) to 5 (great).
    pub rating: u8,
}
