//! Response shapes of the native API that are not domain types themselves.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Serialize;
use tessera_core::ids::*;
use tessera_core::{Department, Event, Message, Organization, Service, Ticket, User};
use tessera_desk::admin::{DepartmentView, IssuedToken, UserView};
use tessera_desk::sla::TicketSla;
use tessera_store::{AttachmentRecord, Cursor, SortField, TicketSort, TokenRecord};
use utoipa::ToSchema;

/// A ticket as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketOut {
    /// The ticket's fields.
    #[serde(flatten)]
    pub ticket: Ticket,
    /// Seconds it has been waiting for an agent (status new or open).
    pub wait_seconds: Option<i64>,
    /// The conversation, on single-ticket answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub messages: Option<Vec<Message>>,
    /// The SLA policy that applies and each target's due time, status and
    /// countdown, computed at the moment of the answer. Agents only, on
    /// single tickets and lists; absent when no policy covers the ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<TicketSla>,
}

impl TicketOut {
    /// A ticket without messages.
    pub fn new(ticket: Ticket, now: DateTime<Utc>) -> Self {
        let wait_seconds = ticket.wait_seconds(now);
        Self { ticket, wait_seconds, messages: None, sla: None }
    }

    /// The same ticket with its SLA (for agents).
    pub fn with_sla(self, sla: Option<TicketSla>) -> Self {
        Self { sla, ..self }
    }

    /// Tickets with their SLAs as `actor` may see them.
    pub async fn list(
        desk: &tessera_desk::Desk,
        actor: &tessera_core::Actor,
        tickets: Vec<Ticket>,
    ) -> Result<Vec<Self>, tessera_desk::DeskError> {
        let now = desk.now();
        let slas = desk.sla_of(actor, &tickets.iter().collect::<Vec<_>>()).await?;
        Ok(tickets.into_iter().zip(slas).map(|(t, sla)| Self::new(t, now).with_sla(sla)).collect())
    }

    /// A ticket with its messages.
    pub fn with_messages(ticket: Ticket, messages: Vec<Message>, now: DateTime<Utc>) -> Self {
        Self { messages: Some(messages), ..Self::new(ticket, now) }
    }
}

/// A page of tickets.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketList {
    /// The tickets.
    pub tickets: Vec<TicketOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Exact number of matching tickets.
    pub total: u64,
}

/// A reply or note just added.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostedOut {
    /// The ticket it landed on (a new follow-up when the ticket was closed).
    pub ticket: TicketOut,
    /// The message.
    pub message: Message,
    /// The message opened a follow-up ticket.
    pub follow_up: bool,
}

/// A ticket's messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageList {
    /// The messages.
    pub messages: Vec<Message>,
}

/// A message's earlier versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageHistory {
    /// Oldest first.
    pub edits: Vec<tessera_core::MessageEdit>,
}

/// A ticket's events.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventList {
    /// Oldest first.
    pub events: Vec<Event>,
}

/// The answer to marking a ticket read.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadOut {
    /// When.
    pub read_at: DateTime<Utc>,
}

/// A revealed secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecretOut {
    /// The field.
    pub key: String,
    /// Its value (`null` when unset).
    pub value: Option<String>,
}

/// A ticket's guest link, for an agent to send to its requester.
#[derive(Debug, Serialize, ToSchema)]
pub struct GuestLinkOut {
    /// The link's path and query (`/t/<number>?key=<access key>`).
    pub path: String,
    /// The whole link, when `[server] public_url` is set.
    pub url: Option<String>,
}

/// An uploaded file's record.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    /// Id to pass in `attachment_ids`.
    pub id: AttachmentId,
    /// Cleaned file name.
    pub filename: String,
    /// Sniffed type.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256.
    pub sha256: String,
    /// The ticket, once attached.
    pub ticket_id: Option<TicketId>,
    /// The message, once attached.
    pub message_id: Option<MessageId>,
    /// Upload time.
    pub created_at: DateTime<Utc>,
}

impl From<AttachmentRecord> for AttachmentOut {
    fn from(a: AttachmentRecord) -> Self {
        Self {
            id: a.id,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            ticket_id: a.ticket_id,
            message_id: a.message_id,
            created_at: a.created_at,
        }
    }
}

/// Uploaded files.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentList {
    /// In upload order.
    pub attachments: Vec<AttachmentOut>,
}

/// A user with their departments.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// The user's fields.
    #[serde(flatten)]
    pub user: User,
    /// Departments (agents and admins).
    pub department_ids: Vec<DepartmentId>,
    /// Whether a password is set.
    pub has_password: bool,
}

impl From<UserView> for UserOut {
    fn from(v: UserView) -> Self {
        let has_password = v.user.password_hash.is_some();
        Self { user: v.user, department_ids: v.department_ids, has_password }
    }
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self::from(UserView { user: u, department_ids: vec![] })
    }
}

/// Users.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    /// Ordered by id.
    pub users: Vec<UserOut>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<UserId>,
}

/// Organizations.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationList {
    /// By name.
    pub organizations: Vec<Organization>,
}

/// A department with its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentOut {
    /// The department's fields.
    #[serde(flatten)]
    pub department: Department,
    /// Agent members (empty for customers).
    pub member_ids: Vec<UserId>,
}

impl From<DepartmentView> for DepartmentOut {
    fn from(v: DepartmentView) -> Self {
        Self { department: v.department, member_ids: v.member_ids }
    }
}

/// Departments.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartmentList {
    /// By position.
    pub departments: Vec<DepartmentOut>,
}

/// Services.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceList {
    /// By id.
    pub services: Vec<Service>,
}

/// Statuses.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusList {
    /// By position.
    pub statuses: Vec<tessera_core::Status>,
}

/// Custom field definitions.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomFieldList {
    /// By position.
    pub custom_fields: Vec<tessera_core::CustomFieldDef>,
}

/// A token (its secret is never shown again after creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    /// Id.
    pub id: TokenId,
    /// The user it acts as.
    pub user_id: UserId,
    /// What it is for.
    pub name: String,
    /// The public half.
    pub identifier: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<TokenRecord> for TokenOut {
    fn from(t: TokenRecord) -> Self {
        Self {
            id: t.id,
            user_id: t.user_id,
            name: t.name,
            identifier: t.identifier,
            created_at: t.created_at,
            revoked_at: t.revoked_at,
        }
    }
}

/// A token just created, with its secret (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedTokenOut {
    /// Id.
    pub id: TokenId,
    /// The user it acts as.
    pub user_id: UserId,
    /// What it is for.
    pub name: String,
    /// The public half (WHMCS-style `identifier`).
    pub identifier: String,
    /// The secret half (WHMCS-style `secret`).
    pub secret: String,
    /// `identifier.secret`: send as `Authorization: Bearer <token>`.
    pub token: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

impl From<IssuedToken> for IssuedTokenOut {
    fn from(t: IssuedToken) -> Self {
        Self {
            id: t.record.id,
            user_id: t.record.user_id,
            name: t.record.name,
            identifier: t.record.identifier,
            secret: t.secret,
            token: t.token,
            created_at: t.record.created_at,
        }
    }
}

/// Tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    /// By id.
    pub tokens: Vec<TokenOut>,
}

/// Encodes a list cursor, with the order it belongs to, as an opaque string.
pub fn encode_cursor(c: &Cursor, sort: &TicketSort) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}:{}", sort_code(sort), c.value, c.id.0))
}

/// Decodes a cursor made by [`encode_cursor`] for the same order; a cursor
/// of another order is refused rather than silently misread.
pub fn decode_cursor(s: &str, sort: &TicketSort) -> Option<Cursor> {
    let raw = URL_SAFE_NO_PAD.decode(s).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let mut parts = text.splitn(3, ':');
    if parts.next()? != sort_code(sort) {
        return None;
    }
    let value = parts.next()?.parse().ok()?;
    let id = parts.next()?.parse().ok()?;
    Some(Cursor { value, id: TicketId(id) })
}

/// The cursor of an order paged by offset (`wait`, `queue`): where the
/// next page starts, tied to its order like [`encode_cursor`]'s.
pub fn encode_offset_cursor(offset: u32, sort: &TicketSort) -> String {
    URL_SAFE_NO_PAD.encode(format!("o{}:{offset}", sort_code(sort)))
}

/// Decodes a cursor made by [`encode_offset_cursor`] for the same order.
pub fn decode_offset_cursor(s: &str, sort: &TicketSort) -> Option<u32> {
    let raw = URL_SAFE_NO_PAD.decode(s).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (code, offset) = text.split_once(':')?;
    if code.strip_prefix('o')? != sort_code(sort) {
        return None;
    }
    offset.parse().ok().filter(|o| *o <= MAX_OFFSET)
}

/// The deepest offset a cursor may hold (offset paging reads every row
/// before it, so a forged huge offset is refused rather than scanned).
const MAX_OFFSET: u32 = 1_000_000;

fn sort_code(sort: &TicketSort) -> String {
    let field = match sort.field {
        SortField::CreatedAt => "c",
        SortField::UpdatedAt => "u",
        SortField::Priority => "p",
        SortField::Id => "i",
        SortField::Wait => "w",
        SortField::Queue => "q",
        SortField::SlaDue => "s",
        // Orders without cursors (the web UI pages them by offset).
        _ => "x",
    };
    format!("{field}{}", if sort.descending { "-" } else { "+" })
}
