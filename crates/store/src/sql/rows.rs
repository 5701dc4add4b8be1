//! The tables both schemas share (decision 26: the same tables and columns,
//! every integer a 64-bit integer, booleans 0/1, times milliseconds, lists
//! and maps JSON text): their columns, how a record becomes statement
//! values, and how a row becomes a record.
//!
//! A backend reads rows through [`SqlRow`] (a few lines over its driver's
//! row type); [`RowExt`] turns the stored kinds into the records' types.

use super::{Dialect, Value};
use crate::{
    AttachmentRecord, Attempt, Delivery, DeliveryState, EndpointKind, HookEndpoint, HookFormat, OnFailure,
    SessionRecord, SlaPolicyRecord, StoreError, StoreResult, TicketSlaRecord, TokenRecord, ViewRecord, Webhook,
};
use serde::de::DeserializeOwned;
use std::sync::LazyLock;
use tessera_core::custom_field::{CustomFieldDef, FieldType};
use tessera_core::ids::*;
use tessera_core::message::{Author, Message, MessageKind};
use tessera_core::sla::{SlaPolicy, TargetState};
use tessera_core::status::{Status, StatusCategory, StatusKey};
use tessera_core::ticket::{ClosedReason, Priority, Source, TicketType};
use tessera_core::time::from_millis;
use tessera_core::{
    AutoAssign, Department, Email, Event, EventKind, Organization, Role, Service, ServiceKind, ServiceStatus, Side,
    Ticket, Timestamp, User,
};

/// A result row, column by position, as a backend's driver reads it.
pub trait SqlRow {
    /// An integer column (`None` for `NULL`).
    fn int64(&self, i: usize) -> StoreResult<Option<i64>>;
    /// A text column (`None` for `NULL`).
    fn string(&self, i: usize) -> StoreResult<Option<String>>;
    /// The column's name, for errors.
    fn column_name(&self, i: usize) -> String;
}

/// An error for a column whose stored value cannot be read back.
pub fn bad_column(column: &str, what: &str) -> StoreError {
    StoreError::Backend(format!("malformed column {column}: {what}"))
}

/// Typed reads of a row's columns, in the stored kinds.
pub trait RowExt: SqlRow {
    /// A column that may not be `NULL`.
    fn required<T>(&self, i: usize, v: Option<T>) -> StoreResult<T> {
        v.ok_or_else(|| bad_column(&self.column_name(i), "NULL"))
    }
    /// An integer column, narrowed to the field's type.
    fn int<T: TryFrom<i64>>(&self, i: usize) -> StoreResult<T> {
        let v = self.int64(i)?;
        let v = self.required(i, v)?;
        T::try_from(v).map_err(|_| bad_column(&self.column_name(i), "out of range"))
    }
    /// A nullable integer column.
    fn int_opt<T: TryFrom<i64>>(&self, i: usize) -> StoreResult<Option<T>> {
        self.int64(i)?.map(|v| T::try_from(v).map_err(|_| bad_column(&self.column_name(i), "out of range"))).transpose()
    }
    /// A 0/1 column.
    fn flag(&self, i: usize) -> StoreResult<bool> {
        Ok(self.int::<i64>(i)? != 0)
    }
    /// A text column.
    fn text(&self, i: usize) -> StoreResult<String> {
        let v = self.string(i)?;
        self.required(i, v)
    }
    /// A nullable text column.
    fn text_opt(&self, i: usize) -> StoreResult<Option<String>> {
        self.string(i)
    }
    /// A time in milliseconds.
    fn ts(&self, i: usize) -> StoreResult<Timestamp> {
        Ok(from_millis(self.int(i)?))
    }
    /// A nullable time in milliseconds.
    fn ts_opt(&self, i: usize) -> StoreResult<Option<Timestamp>> {
        Ok(self.int_opt::<i64>(i)?.map(from_millis))
    }
    /// A JSON text column.
    fn json<T: DeserializeOwned>(&self, i: usize) -> StoreResult<T> {
        serde_json::from_str(&self.text(i)?).map_err(|_| bad_column(&self.column_name(i), "malformed JSON"))
    }
    /// A text column holding an enum's stored name.
    fn parsed<T>(&self, i: usize, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
        parse(&self.text(i)?).ok_or_else(|| bad_column(&self.column_name(i), "unknown value"))
    }
    /// A nullable text column holding an enum's stored name.
    fn parsed_opt<T>(&self, i: usize, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Option<T>> {
        match self.text_opt(i)? {
            None => Ok(None),
            Some(s) => parse(&s).map(Some).ok_or_else(|| bad_column(&self.column_name(i), "unknown value")),
        }
    }
}

impl<R: SqlRow + ?Sized> RowExt for R {}

/// Milliseconds of a timestamp (how every time is stored).
pub fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

/// A nullable time as milliseconds.
fn ms_opt(t: Option<Timestamp>) -> Value {
    Value::int_opt(t.map(ms))
}

/// Serializes to JSON text (lists and maps are stored as JSON text).
pub fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("cannot encode JSON: {e}")))
}

fn json_text<T: serde::Serialize>(v: &T) -> StoreResult<Value> {
    to_json(v).map(Value::Text)
}

// ---- tickets, messages, events ---------------------------------------------------

/// Ticket columns after `id`, in the order of [`ticket_values`].
pub const TICKET_FIELDS: [&str; 38] = [
    "number",
    "access_key",
    "subject",
    "department_id",
    "requester_id",
    "organization_id",
    "service_id",
    "assignee_id",
    "assigned_by_id",
    "flagged_id",
    "cc",
    "tags",
    "ticket_type",
    "priority",
    "status",
    "status_category",
    "source",
    "custom_fields",
    "locked",
    "archived",
    "queue_boost",
    "closed_reason",
    "merged_into_id",
    "follow_up_of_id",
    "created_at",
    "updated_at",
    "last_reply_at",
    "last_customer_reply_at",
    "last_agent_reply_at",
    "first_response_at",
    "awaiting_agent_since",
    "solved_at",
    "closed_at",
    "due_at",
    "deleted_at",
    "customer_unread",
    "agent_unread",
    "version",
];

/// `t.id, t.<field>…` for SELECTs over `tickets t`.
pub static TICKET_SELECT: LazyLock<String> = LazyLock::new(|| {
    std::iter::once("id").chain(TICKET_FIELDS).map(|c| format!("t.{c}")).collect::<Vec<_>>().join(", ")
});

/// A ticket's values in [`TICKET_FIELDS`] order. Where the dialect's text
/// cannot hold NUL, custom field values have it replaced by U+FFFD: the
/// column is read as `jsonb` by view conditions, which refuses `\u0000`,
/// and one such value would break every custom-field view.
pub fn ticket_values(t: &Ticket, d: &Dialect) -> StoreResult<Vec<Value>> {
    let custom_fields =
        if d.text_takes_nul { to_json(&t.custom_fields)? } else { to_json(&without_nul(&t.custom_fields))? };
    let id = |v: Option<i64>| Value::int_opt(v);
    Ok(vec![
        Value::Text(t.number.clone()),
        Value::Text(t.access_key.clone()),
        Value::Text(t.subject.clone()),
        Value::Int(t.department_id.0),
        Value::Int(t.requester_id.0),
        id(t.organization_id.map(|v| v.0)),
        id(t.service_id.map(|v| v.0)),
        id(t.assignee_id.map(|v| v.0)),
        id(t.assigned_by_id.map(|v| v.0)),
        id(t.flagged_id.map(|v| v.0)),
        json_text(&t.cc)?,
        json_text(&t.tags)?,
        Value::text_opt(t.ticket_type.map(|v| v.as_str())),
        Value::Int(t.priority.rank()),
        Value::Text(t.status.0.clone()),
        Value::Text(t.status_category.as_str().into()),
        Value::Text(t.source.as_str().into()),
        Value::Text(custom_fields),
        Value::flag(t.locked),
        Value::flag(t.archived),
        Value::flag(t.queue_boost),
        Value::text_opt(t.closed_reason.map(|v| v.as_str())),
        id(t.merged_into_id.map(|v| v.0)),
        id(t.follow_up_of_id.map(|v| v.0)),
        Value::Int(ms(t.created_at)),
        Value::Int(ms(t.updated_at)),
        ms_opt(t.last_reply_at),
        ms_opt(t.last_customer_reply_at),
        ms_opt(t.last_agent_reply_at),
        ms_opt(t.first_response_at),
        ms_opt(t.awaiting_agent_since),
        ms_opt(t.solved_at),
        ms_opt(t.closed_at),
        ms_opt(t.due_at),
        ms_opt(t.deleted_at),
        Value::flag(t.customer_unread),
        Value::flag(t.agent_unread),
        Value::Int(t.version),
    ])
}

/// Custom field values with NUL characters replaced by U+FFFD.
fn without_nul(
    fields: &std::collections::BTreeMap<String, serde_json::Value>,
) -> std::collections::BTreeMap<String, serde_json::Value> {
    fn clean(v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => serde_json::Value::String(s.replace('\0', "\u{fffd}")),
            serde_json::Value::Array(a) => serde_json::Value::Array(a.iter().map(clean).collect()),
            serde_json::Value::Object(o) => {
                serde_json::Value::Object(o.iter().map(|(k, v)| (k.replace('\0', "\u{fffd}"), clean(v))).collect())
            }
            other => other.clone(),
        }
    }
    fields.iter().map(|(k, v)| (k.replace('\0', "\u{fffd}"), clean(v))).collect()
}

/// Reads a ticket selected with [`TICKET_SELECT`].
pub fn ticket_from_row(r: &dyn SqlRow) -> StoreResult<Ticket> {
    Ok(Ticket {
        id: TicketId(r.int(0)?),
        number: r.text(1)?,
        access_key: r.text(2)?,
        subject: r.text(3)?,
        department_id: DepartmentId(r.int(4)?),
        requester_id: UserId(r.int(5)?),
        organization_id: r.int_opt(6)?.map(OrganizationId),
        service_id: r.int_opt(7)?.map(ServiceId),
        assignee_id: r.int_opt(8)?.map(UserId),
        assigned_by_id: r.int_opt(9)?.map(UserId),
        flagged_id: r.int_opt(10)?.map(UserId),
        cc: r.json(11)?,
        tags: r.json(12)?,
        ticket_type: r.parsed_opt(13, TicketType::parse)?,
        priority: Priority::from_rank(r.int(14)?).ok_or_else(|| bad_column("priority", "unknown priority"))?,
        status: StatusKey(r.text(15)?),
        status_category: r.parsed(16, StatusCategory::parse)?,
        source: r.parsed(17, Source::parse)?,
        custom_fields: r.json(18)?,
        locked: r.flag(19)?,
        archived: r.flag(20)?,
        queue_boost: r.flag(21)?,
        closed_reason: r.parsed_opt(22, ClosedReason::parse)?,
        merged_into_id: r.int_opt(23)?.map(TicketId),
        follow_up_of_id: r.int_opt(24)?.map(TicketId),
        created_at: r.ts(25)?,
        updated_at: r.ts(26)?,
        last_reply_at: r.ts_opt(27)?,
        last_customer_reply_at: r.ts_opt(28)?,
        last_agent_reply_at: r.ts_opt(29)?,
        first_response_at: r.ts_opt(30)?,
        awaiting_agent_since: r.ts_opt(31)?,
        solved_at: r.ts_opt(32)?,
        closed_at: r.ts_opt(33)?,
        due_at: r.ts_opt(34)?,
        deleted_at: r.ts_opt(35)?,
        customer_unread: r.flag(36)?,
        agent_unread: r.flag(37)?,
        version: r.int(38)?,
    })
}

/// Columns of [`message_from_row`].
pub const MESSAGE_SELECT: &str = "id, ticket_id, kind, author_id, author_name, author_email, author_staff, body, html, \
     channel, author_ip, encrypted, email_message_id, rating, created_at, edited_at, edited_by_id, deleted_at, quote_start";

/// Reads a message (without its attachment ids).
pub fn message_from_row(r: &dyn SqlRow) -> StoreResult<Message> {
    Ok(Message {
        id: MessageId(r.int(0)?),
        ticket_id: TicketId(r.int(1)?),
        kind: r.parsed(2, MessageKind::parse)?,
        author: Author {
            user_id: r.int_opt(3)?.map(UserId),
            name: r.text(4)?,
            email: r.text_opt(5)?,
            staff: r.flag(6)?,
        },
        body: r.text(7)?,
        html: r.text_opt(8)?,
        quote_start: r.int_opt(18)?,
        channel: r.parsed(9, Source::parse)?,
        author_ip: r.text_opt(10)?,
        encrypted: r.flag(11)?,
        email_message_id: r.text_opt(12)?,
        rating: r.int_opt(13)?,
        attachment_ids: Vec::new(),
        created_at: r.ts(14)?,
        edited_at: r.ts_opt(15)?,
        edited_by_id: r.int_opt(16)?.map(UserId),
        deleted_at: r.ts_opt(17)?,
    })
}

/// Columns of [`event_from_row`].
pub const EVENT_SELECT: &str =
    "id, ticket_id, actor_id, side, kind, message_id, changes, data, ticket_version, created_at";

/// Reads an event.
pub fn event_from_row(r: &dyn SqlRow) -> StoreResult<Event> {
    Ok(Event {
        id: EventId(r.int(0)?),
        ticket_id: TicketId(r.int(1)?),
        actor_id: r.int_opt(2)?.map(UserId),
        side: r.parsed(3, Side::parse)?,
        kind: r.parsed(4, EventKind::parse)?,
        message_id: r.int_opt(5)?.map(MessageId),
        changes: r.json(6)?,
        data: r.json(7)?,
        ticket_version: r.int(8)?,
        created_at: r.ts(9)?,
    })
}

/// Sets the attachment ids of the messages (not deleted ones) from
/// `(attachment, message)` pairs, each message's in the order given.
pub fn attach(messages: &mut [Message], pairs: impl IntoIterator<Item = (i64, i64)>) {
    let mut by_message: std::collections::HashMap<i64, Vec<AttachmentId>> = std::collections::HashMap::new();
    for (a, m) in pairs {
        by_message.entry(m).or_default().push(AttachmentId(a));
    }
    for m in messages {
        if m.deleted_at.is_none() {
            m.attachment_ids = by_message.remove(&m.id.0).unwrap_or_default();
        }
    }
}

/// Columns of [`attachment_from_row`].
pub const ATTACHMENT_SELECT: &str =
    "id, sha256, filename, content_type, size, uploader_id, ticket_id, message_id, created_at";

/// Reads an attachment record.
pub fn attachment_from_row(r: &dyn SqlRow) -> StoreResult<AttachmentRecord> {
    Ok(AttachmentRecord {
        id: AttachmentId(r.int(0)?),
        sha256: r.text(1)?,
        filename: r.text(2)?,
        content_type: r.text(3)?,
        size: r.int(4)?,
        uploader_id: UserId(r.int(5)?),
        ticket_id: r.int_opt(6)?.map(TicketId),
        message_id: r.int_opt(7)?.map(MessageId),
        created_at: r.ts(8)?,
    })
}

// ---- people and the catalogue ----------------------------------------------------

/// Columns of [`user_from_row`].
pub const USER_SELECT: &str = "id, email, name, role, organization_id, sees_all, password_hash, locale, disabled, created_at, updated_at, time_zone";

/// Reads a user.
pub fn user_from_row(r: &dyn SqlRow) -> StoreResult<User> {
    Ok(User {
        id: UserId(r.int(0)?),
        email: r.parsed(1, |s| Email::parse(s).ok())?,
        name: r.text(2)?,
        role: r.parsed(3, Role::parse)?,
        organization_id: r.int_opt(4)?.map(OrganizationId),
        sees_all: r.flag(5)?,
        password_hash: r.text_opt(6)?,
        locale: r.text(7)?,
        disabled: r.flag(8)?,
        created_at: r.ts(9)?,
        updated_at: r.ts(10)?,
        time_zone: r.text(11)?,
    })
}

/// Columns of [`organization_from_row`].
pub const ORGANIZATION_SELECT: &str = "id, name, external_id, notes, created_at, email_domains";

/// Reads an organization.
pub fn organization_from_row(r: &dyn SqlRow) -> StoreResult<Organization> {
    Ok(Organization {
        id: OrganizationId(r.int(0)?),
        name: r.text(1)?,
        external_id: r.text_opt(2)?,
        notes: r.text(3)?,
        email_domains: r.json(5)?,
        created_at: r.ts(4)?,
    })
}

/// Columns of [`department_from_row`].
pub const DEPARTMENT_SELECT: &str = "id, name, description, public, email, auto_assign, requires_service, signature, position, created_at, mail_thread_days";

/// Reads a department.
pub fn department_from_row(r: &dyn SqlRow) -> StoreResult<Department> {
    Ok(Department {
        id: DepartmentId(r.int(0)?),
        name: r.text(1)?,
        description: r.text(2)?,
        public: r.flag(3)?,
        email: r.text_opt(4)?,
        auto_assign: r.parsed(5, |s| match s {
            "none" => Some(AutoAssign::None),
            "round_robin" => Some(AutoAssign::RoundRobin),
            "least_open" => Some(AutoAssign::LeastOpen),
            _ => None,
        })?,
        requires_service: r.flag(6)?,
        signature: r.text(7)?,
        position: r.int(8)?,
        created_at: r.ts(9)?,
        mail_thread_days: r.int(10)?,
    })
}

/// The stored name of an auto-assignment policy.
pub fn auto_assign_str(a: AutoAssign) -> &'static str {
    match a {
        AutoAssign::None => "none",
        AutoAssign::RoundRobin => "round_robin",
        AutoAssign::LeastOpen => "least_open",
    }
}

/// Columns of [`service_from_row`].
pub const SERVICE_SELECT: &str = "id, kind, external_id, label, owner_id, status, created_at, updated_at";

/// Reads a service.
pub fn service_from_row(r: &dyn SqlRow) -> StoreResult<Service> {
    Ok(Service {
        id: ServiceId(r.int(0)?),
        kind: r.parsed(1, ServiceKind::parse)?,
        external_id: r.text_opt(2)?,
        label: r.text(3)?,
        owner_id: UserId(r.int(4)?),
        status: r.parsed(5, ServiceStatus::parse)?,
        created_at: r.ts(6)?,
        updated_at: r.ts(7)?,
    })
}

/// Columns of [`status_from_row`].
pub const STATUS_SELECT: &str = "key, name, category, position, builtin";

/// Reads a status.
pub fn status_from_row(r: &dyn SqlRow) -> StoreResult<Status> {
    Ok(Status {
        key: StatusKey(r.text(0)?),
        name: r.text(1)?,
        category: r.parsed(2, StatusCategory::parse)?,
        position: r.int(3)?,
        builtin: r.flag(4)?,
    })
}

/// Columns of [`custom_field_from_row`].
pub const CUSTOM_FIELD_SELECT: &str = "id, key, labels, field_type, required, options, customer_visible, \
     customer_editable, department_ids, wipe_on_solve, position, created_at";

/// Reads a custom field definition.
pub fn custom_field_from_row(r: &dyn SqlRow) -> StoreResult<CustomFieldDef> {
    Ok(CustomFieldDef {
        id: CustomFieldId(r.int(0)?),
        key: r.text(1)?,
        labels: r.json(2)?,
        field_type: r.parsed(3, FieldType::parse)?,
        required: r.flag(4)?,
        options: r.json(5)?,
        customer_visible: r.flag(6)?,
        customer_editable: r.flag(7)?,
        department_ids: r.json(8)?,
        wipe_on_solve: r.flag(9)?,
        position: r.int(10)?,
        created_at: r.ts(11)?,
    })
}

/// A custom field's values in [`CUSTOM_FIELD_SELECT`] order, after `id`.
pub fn custom_field_values(f: &CustomFieldDef) -> StoreResult<Vec<Value>> {
    Ok(vec![
        Value::Text(f.key.clone()),
        json_text(&f.labels)?,
        Value::Text(f.field_type.as_str().into()),
        Value::flag(f.required),
        json_text(&f.options)?,
        Value::flag(f.customer_visible),
        Value::flag(f.customer_editable),
        json_text(&f.department_ids)?,
        Value::flag(f.wipe_on_solve),
        Value::Int(f.position),
        Value::Int(ms(f.created_at)),
    ])
}

// ---- access ----------------------------------------------------------------------

/// Columns of [`token_from_row`].
pub const TOKEN_SELECT: &str = "id, user_id, name, identifier, secret_hash, created_at, revoked_at";

/// Reads a token.
pub fn token_from_row(r: &dyn SqlRow) -> StoreResult<TokenRecord> {
    Ok(TokenRecord {
        id: TokenId(r.int(0)?),
        user_id: UserId(r.int(1)?),
        name: r.text(2)?,
        identifier: r.text(3)?,
        secret_hash: r.text(4)?,
        created_at: r.ts(5)?,
        revoked_at: r.ts_opt(6)?,
    })
}

/// Columns of [`session_from_row`].
pub const SESSION_SELECT: &str = "id_hash, user_id, ticket_id, csrf_token, created_at, last_seen_at, expires_at";

/// Reads a session.
pub fn session_from_row(r: &dyn SqlRow) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        id_hash: r.text(0)?,
        user_id: UserId(r.int(1)?),
        ticket_id: r.int_opt(2)?.map(TicketId),
        csrf_token: r.text(3)?,
        created_at: r.ts(4)?,
        last_seen_at: r.ts(5)?,
        expires_at: r.ts(6)?,
    })
}

/// Columns of [`sign_in_token_from_row`].
pub const SIGN_IN_TOKEN_SELECT: &str = "token_hash, user_id, purpose, created_at, expires_at, used_at";

/// Reads a sign-in token.
pub fn sign_in_token_from_row(r: &dyn SqlRow) -> StoreResult<crate::SignInToken> {
    Ok(crate::SignInToken {
        token_hash: r.text(0)?,
        user_id: UserId(r.int(1)?),
        purpose: r.parsed(2, crate::TokenPurpose::parse)?,
        created_at: r.ts(3)?,
        expires_at: r.ts(4)?,
        used_at: r.ts_opt(5)?,
    })
}

// ---- drafts ----------------------------------------------------------------------

/// Columns of [`draft_from_row`].
pub const DRAFT_SELECT: &str = "user_id, ticket_id, kind, body, updated_at";

/// Reads a draft.
pub fn draft_from_row(r: &dyn SqlRow) -> StoreResult<crate::Draft> {
    Ok(crate::Draft {
        user_id: UserId(r.int(0)?),
        ticket_id: TicketId(r.int(1)?),
        kind: r.parsed(2, MessageKind::parse)?,
        body: r.text(3)?,
        updated_at: r.ts(4)?,
    })
}

// ---- views -----------------------------------------------------------------------

/// Columns of [`view_from_row`].
pub const VIEW_SELECT: &str = "id, title, description, owner_id, department_ids, active, position, conditions, \
     columns, sort, default_key, created_at, updated_at";

/// Reads a view.
pub fn view_from_row(r: &dyn SqlRow) -> StoreResult<ViewRecord> {
    let depts: Vec<i64> = r.json(4)?;
    Ok(ViewRecord {
        id: ViewId(r.int(0)?),
        title: r.text(1)?,
        description: r.text(2)?,
        owner_id: r.int_opt(3)?.map(UserId),
        department_ids: depts.into_iter().map(DepartmentId).collect(),
        active: r.flag(5)?,
        position: r.int(6)?,
        conditions: r.json(7)?,
        columns: r.json(8)?,
        sort: r.json(9)?,
        default_key: r.text_opt(10)?,
        created_at: r.ts(11)?,
        updated_at: r.ts(12)?,
    })
}

/// A view's values in [`VIEW_SELECT`] order, after `id`.
pub fn view_values(v: &ViewRecord) -> StoreResult<Vec<Value>> {
    let depts: Vec<i64> = v.department_ids.iter().map(|d| d.0).collect();
    Ok(vec![
        Value::Text(v.title.clone()),
        Value::Text(v.description.clone()),
        Value::int_opt(v.owner_id.map(|o| o.0)),
        json_text(&depts)?,
        Value::flag(v.active),
        Value::Int(v.position),
        json_text(&v.conditions)?,
        json_text(&v.columns)?,
        json_text(&v.sort)?,
        Value::text_opt(v.default_key.clone()),
        Value::Int(ms(v.created_at)),
        Value::Int(ms(v.updated_at)),
    ])
}

// ---- integrations ----------------------------------------------------------------

/// Columns of [`webhook_from_row`].
pub const WEBHOOK_SELECT: &str = "id, url, description, kinds, sides, format, secret, active, failure_limit, \
     consecutive_failures, disabled_reason, created_at, updated_at";

/// Reads a webhook.
pub fn webhook_from_row(r: &dyn SqlRow) -> StoreResult<Webhook> {
    let kinds: Vec<String> = r.json(3)?;
    let sides: Vec<String> = r.json(4)?;
    Ok(Webhook {
        id: WebhookId(r.int(0)?),
        url: r.text(1)?,
        description: r.text(2)?,
        kinds: kinds
            .iter()
            .map(|k| EventKind::parse(k).ok_or_else(|| bad_column("kinds", "unknown event kind")))
            .collect::<Result<_, _>>()?,
        sides: sides
            .iter()
            .map(|s| Side::parse(s).ok_or_else(|| bad_column("sides", "unknown side")))
            .collect::<Result<_, _>>()?,
        format: r.parsed(5, HookFormat::parse)?,
        secret: r.text(6)?,
        active: r.flag(7)?,
        failure_limit: r.int(8)?,
        consecutive_failures: r.int(9)?,
        disabled_reason: r.text_opt(10)?,
        created_at: r.ts(11)?,
        updated_at: r.ts(12)?,
    })
}

/// A webhook's values in [`WEBHOOK_SELECT`] order, after `id`.
pub fn webhook_values(w: &Webhook) -> StoreResult<Vec<Value>> {
    let kinds: Vec<&str> = w.kinds.iter().map(|k| k.as_str()).collect();
    let sides: Vec<&str> = w.sides.iter().map(|s| s.as_str()).collect();
    Ok(vec![
        Value::Text(w.url.clone()),
        Value::Text(w.description.clone()),
        json_text(&kinds)?,
        json_text(&sides)?,
        Value::Text(w.format.as_str().into()),
        Value::Text(w.secret.clone()),
        Value::flag(w.active),
        Value::Int(w.failure_limit.into()),
        Value::Int(w.consecutive_failures.into()),
        Value::text_opt(w.disabled_reason.clone()),
        Value::Int(ms(w.created_at)),
        Value::Int(ms(w.updated_at)),
    ])
}

/// Columns of [`delivery_from_row`], of `webhook_deliveries d`.
pub const DELIVERY_SELECT: &str = "d.id, d.webhook_id, d.event_id, d.ticket_id, d.name, d.state, d.attempts, \
     d.next_attempt_at, d.last_status, d.last_error, d.created_at, d.finished_at, d.redelivery_of, d.test_payload";

/// Reads a delivery.
pub fn delivery_from_row(r: &dyn SqlRow) -> StoreResult<Delivery> {
    Ok(Delivery {
        id: DeliveryId(r.int(0)?),
        webhook_id: WebhookId(r.int(1)?),
        event_id: r.int_opt(2)?.map(EventId),
        ticket_id: r.int_opt(3)?.map(TicketId),
        name: r.text(4)?,
        state: r.parsed(5, DeliveryState::parse)?,
        attempts: r.int(6)?,
        next_attempt_at: r.ts(7)?,
        last_status: r.int_opt(8)?,
        last_error: r.text_opt(9)?,
        created_at: r.ts(10)?,
        finished_at: r.ts_opt(11)?,
        redelivery_of: r.int_opt(12)?.map(DeliveryId),
        test_payload: r.text_opt(13)?,
    })
}

/// Columns of [`attempt_from_row`].
pub const ATTEMPT_SELECT: &str = "delivery_id, attempt, at, status, latency_ms, response, error";

/// Reads a delivery attempt.
pub fn attempt_from_row(r: &dyn SqlRow) -> StoreResult<Attempt> {
    Ok(Attempt {
        delivery_id: DeliveryId(r.int(0)?),
        attempt: r.int(1)?,
        at: r.ts(2)?,
        status: r.int_opt(3)?,
        latency_ms: r.int(4)?,
        response: r.text(5)?,
        error: r.text_opt(6)?,
    })
}

/// Columns of [`endpoint_from_row`].
pub const ENDPOINT_SELECT: &str = "id, kind, name, url, description, format, secret, priority, timeout_ms, \
     on_failure, active, created_at, updated_at";

/// Reads a validation hook or panel.
pub fn endpoint_from_row(r: &dyn SqlRow) -> StoreResult<HookEndpoint> {
    Ok(HookEndpoint {
        id: HookId(r.int(0)?),
        kind: r.parsed(1, EndpointKind::parse)?,
        name: r.text(2)?,
        url: r.text(3)?,
        description: r.text(4)?,
        format: r.parsed(5, HookFormat::parse)?,
        secret: r.text(6)?,
        priority: r.int(7)?,
        timeout_ms: r.int(8)?,
        on_failure: r.parsed(9, OnFailure::parse)?,
        active: r.flag(10)?,
        created_at: r.ts(11)?,
        updated_at: r.ts(12)?,
    })
}

/// An endpoint's values in [`ENDPOINT_SELECT`] order, after `id`.
pub fn endpoint_values(e: &HookEndpoint) -> Vec<Value> {
    vec![
        Value::Text(e.kind.as_str().into()),
        Value::Text(e.name.clone()),
        Value::Text(e.url.clone()),
        Value::Text(e.description.clone()),
        Value::Text(e.format.as_str().into()),
        Value::Text(e.secret.clone()),
        Value::Int(e.priority),
        Value::Int(e.timeout_ms.into()),
        Value::Text(e.on_failure.as_str().into()),
        Value::flag(e.active),
        Value::Int(ms(e.created_at)),
        Value::Int(ms(e.updated_at)),
    ]
}

// ---- SLA -------------------------------------------------------------------------

/// Columns of [`policy_from_row`].
pub const POLICY_SELECT: &str =
    "id, name, position, active, department_ids, schedule, targets, warning_minutes, created_at, updated_at";

/// Reads an SLA policy.
pub fn policy_from_row(r: &dyn SqlRow) -> StoreResult<SlaPolicyRecord> {
    Ok(SlaPolicyRecord {
        id: SlaPolicyId(r.int(0)?),
        position: r.int(2)?,
        active: r.flag(3)?,
        policy: SlaPolicy {
            name: r.text(1)?,
            department_ids: r.json(4)?,
            schedule: r.json(5)?,
            targets: r.json(6)?,
            warning_minutes: r.int(7)?,
        },
        created_at: r.ts(8)?,
        updated_at: r.ts(9)?,
    })
}

/// A policy's values in [`POLICY_SELECT`] order, after `id`.
pub fn policy_values(p: &SlaPolicyRecord) -> StoreResult<Vec<Value>> {
    Ok(vec![
        Value::Text(p.policy.name.clone()),
        Value::Int(p.position),
        Value::flag(p.active),
        json_text(&p.policy.department_ids)?,
        json_text(&p.policy.schedule)?,
        json_text(&p.policy.targets)?,
        Value::Int(p.policy.warning_minutes.into()),
        Value::Int(ms(p.created_at)),
        Value::Int(ms(p.updated_at)),
    ])
}

/// Columns of [`state_from_row`].
pub const STATE_SELECT: &str =
    "ticket_id, ticket_version, policy_id, targets, next_due_at, next_alert_at, breached, announced, computed_at";

/// Reads a ticket's stored SLA state.
pub fn state_from_row(r: &dyn SqlRow) -> StoreResult<TicketSlaRecord> {
    Ok(TicketSlaRecord {
        ticket_id: TicketId(r.int(0)?),
        ticket_version: r.int(1)?,
        policy_id: r.int_opt(2)?.map(SlaPolicyId),
        targets: r.json(3)?,
        next_due_at: r.ts_opt(4)?,
        next_alert_at: r.ts_opt(5)?,
        breached: r.flag(6)?,
        announced: r.json(7)?,
        computed_at: r.ts(8)?,
    })
}

/// A target's due time and status (its serde name), as the per-target
/// columns hold them.
fn target_values(t: &Option<TargetState>) -> [Value; 2] {
    match t {
        Some(t) => [
            ms_opt(t.due_at),
            Value::Text(
                serde_json::to_value(t.status).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
            ),
        ],
        None => [Value::Null, Value::Null],
    }
}

/// Columns of [`state_values`].
pub const STATE_COLUMNS: &str = "ticket_id, ticket_version, policy_id, targets, first_response_due_at, \
     first_response_status, next_response_due_at, next_response_status, resolution_due_at, resolution_status, \
     next_due_at, next_alert_at, breached, announced, computed_at";

/// What saving a state over a stored one changes: every column but
/// `announced` (the alerts written), which only recording alerts changes.
pub const STATE_ON_CONFLICT: &str = "ON CONFLICT (ticket_id) DO UPDATE SET ticket_version = excluded.ticket_version, \
     policy_id = excluded.policy_id, targets = excluded.targets, \
     first_response_due_at = excluded.first_response_due_at, first_response_status = excluded.first_response_status, \
     next_response_due_at = excluded.next_response_due_at, next_response_status = excluded.next_response_status, \
     resolution_due_at = excluded.resolution_due_at, resolution_status = excluded.resolution_status, \
     next_due_at = excluded.next_due_at, next_alert_at = excluded.next_alert_at, breached = excluded.breached, \
     computed_at = excluded.computed_at";

/// A state's values in [`STATE_COLUMNS`] order.
pub fn state_values(s: &TicketSlaRecord) -> StoreResult<Vec<Value>> {
    let mut v = vec![
        Value::Int(s.ticket_id.0),
        Value::Int(s.ticket_version),
        Value::int_opt(s.policy_id.map(|p| p.0)),
        json_text(&s.targets)?,
    ];
    v.extend(target_values(&s.targets.first_response));
    v.extend(target_values(&s.targets.next_response));
    v.extend(target_values(&s.targets.resolution));
    v.extend([
        ms_opt(s.next_due_at),
        ms_opt(s.next_alert_at),
        Value::flag(s.breached),
        json_text(&s.announced)?,
        Value::Int(ms(s.computed_at)),
    ]);
    Ok(v)
}

/// The columns of an inbound message, in [`inbound_from_row`]'s order.
pub const INBOUND_SELECT: &str = "id, sha256, size, source, mailbox_id, envelope_to, received_at, state, reason, \
     mail_id, ticket_id, message_ref, matched_by, attempts, processed_at";

/// An inbound message from a row of [`INBOUND_SELECT`].
pub fn inbound_from_row(r: &dyn SqlRow) -> StoreResult<crate::InboundRecord> {
    Ok(crate::InboundRecord {
        id: InboundId(r.int(0)?),
        sha256: r.text(1)?,
        size: r.int(2)?,
        source: r.parsed(3, crate::MailSource::parse)?,
        mailbox_id: r.int_opt(4)?,
        envelope_to: r.text_opt(5)?,
        received_at: r.ts(6)?,
        state: r.parsed(7, crate::InboundState::parse)?,
        reason: r.text_opt(8)?,
        mail_id: r.text_opt(9)?,
        ticket_id: r.int_opt(10)?.map(TicketId),
        message_ref: r.int_opt(11)?.map(MessageId),
        matched_by: r.text_opt(12)?,
        attempts: r.int(13)?,
        processed_at: r.ts_opt(14)?,
    })
}

/// The columns of a blocked-senders entry, in [`sender_block_from_row`]'s order.
pub const SENDER_BLOCK_SELECT: &str = "id, pattern, department_id, note, created_by, created_at";

/// A blocked-senders entry from a row of [`SENDER_BLOCK_SELECT`].
pub fn sender_block_from_row(r: &dyn SqlRow) -> StoreResult<crate::SenderBlock> {
    Ok(crate::SenderBlock {
        id: tessera_core::ids::SenderBlockId(r.int(0)?),
        pattern: r.text(1)?,
        department_id: r.int_opt(2)?.map(DepartmentId),
        note: r.text(3)?,
        created_by: r.int_opt(4)?.map(UserId),
        created_at: r.ts(5)?,
    })
}

/// The columns of a mailbox, in [`mailbox_from_row`]'s order.
pub const MAILBOX_SELECT: &str = "id, department_id, address, imap_url, starttls, username, auth_kind, secret, \
     folder, after_import, move_folder, active, uid_validity, last_uid, lease_owner, lease_until, last_fetch_at, \
     last_success_at, last_error, state, backlog, created_at, updated_at, oauth_provider, oauth_tenant, \
     oauth_authorize_url, oauth_token_url, oauth_scope, oauth_client_id, oauth_client_secret, oauth_refresh_token, \
     oauth_expires_at, oauth_pending";

/// The settings columns of a mailbox, in [`mailbox_settings`]' order: what
/// creating one writes (with the times) and what an admin's change saves.
pub const MAILBOX_SETTINGS: [&str; 23] = [
    "department_id",
    "address",
    "imap_url",
    "starttls",
    "username",
    "auth_kind",
    "secret",
    "folder",
    "after_import",
    "move_folder",
    "active",
    "state",
    "last_error",
    "oauth_provider",
    "oauth_tenant",
    "oauth_authorize_url",
    "oauth_token_url",
    "oauth_scope",
    "oauth_client_id",
    "oauth_client_secret",
    "oauth_refresh_token",
    "oauth_expires_at",
    "oauth_pending",
];

/// `INSERT INTO mailboxes (settings…, created_at, updated_at) VALUES (?…)`,
/// SQLite-style placeholders.
pub static MAILBOX_INSERT: LazyLock<String> = LazyLock::new(|| {
    let n = MAILBOX_SETTINGS.len() + 2;
    format!(
        "INSERT INTO mailboxes ({}, created_at, updated_at) VALUES ({})",
        MAILBOX_SETTINGS.join(", "),
        vec!["?"; n].join(", ")
    )
});

/// `UPDATE mailboxes SET settings…, updated_at = ? WHERE id = ?`,
/// SQLite-style placeholders.
pub static MAILBOX_UPDATE: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = MAILBOX_SETTINGS.iter().map(|c| format!("{c} = ?")).collect();
    format!("UPDATE mailboxes SET {}, updated_at = ? WHERE id = ?", sets.join(", "))
});

/// Takes or renews a lease: `owner, until, id, now, owner`.
pub const MAILBOX_TAKE_LEASE: &str = "UPDATE mailboxes SET lease_owner = ?, lease_until = ? WHERE id = ? AND active = 1 \
     AND (lease_owner IS NULL OR lease_until IS NULL OR lease_until < ? OR lease_owner = ?)";

/// Gives a lease up: `id, owner`.
pub const MAILBOX_RELEASE_LEASE: &str =
    "UPDATE mailboxes SET lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?";

/// Saves a round's progress: `uid_validity, last_uid, fetched_at,
/// success_at (NULL keeps the stored one), error, state, backlog, id, owner`.
pub const MAILBOX_SAVE_PROGRESS: &str = "UPDATE mailboxes SET uid_validity = ?, last_uid = ?, last_fetch_at = ?, \
     last_success_at = COALESCE(?, last_success_at), last_error = ?, state = ?, backlog = ? \
     WHERE id = ? AND lease_owner = ?";

/// A mailbox's settings in [`MAILBOX_SETTINGS`] order.
pub fn mailbox_settings(m: &crate::MailboxRecord) -> Vec<Value> {
    vec![
        Value::Int(m.department_id.0),
        Value::Text(m.address.clone()),
        Value::Text(m.imap_url.clone()),
        Value::flag(m.starttls),
        Value::Text(m.username.clone()),
        Value::Text(m.auth_kind.as_str().into()),
        Value::Text(m.secret.clone()),
        Value::Text(m.folder.clone()),
        Value::Text(m.after_import.as_str().into()),
        Value::text_opt(m.move_folder.clone()),
        Value::flag(m.active),
        Value::Text(m.state.as_str().into()),
        Value::text_opt(m.last_error.clone()),
        Value::text_opt(m.oauth.provider.clone()),
        Value::text_opt(m.oauth.tenant.clone()),
        Value::text_opt(m.oauth.authorize_url.clone()),
        Value::text_opt(m.oauth.token_url.clone()),
        Value::text_opt(m.oauth.scope.clone()),
        Value::text_opt(m.oauth.client_id.clone()),
        Value::text_opt(m.oauth.client_secret.clone()),
        Value::text_opt(m.oauth.refresh_token.clone()),
        m.oauth.expires_at.map_or(Value::Null, |t| Value::Int(ms(t))),
        Value::text_opt(m.oauth.pending.clone()),
    ]
}

/// Saves an OAuth2 mailbox's tokens: `secret, refresh_token, expires_at, id`.
pub const MAILBOX_SAVE_TOKENS: &str =
    "UPDATE mailboxes SET secret = ?, oauth_refresh_token = ?, oauth_expires_at = ? WHERE id = ?";

/// Sets a mailbox's pending authorisation: `pending, id`.
pub const MAILBOX_SET_PENDING: &str = "UPDATE mailboxes SET oauth_pending = ? WHERE id = ?";

/// Takes a mailbox's pending authorisation if unchanged: `id, pending`.
pub const MAILBOX_TAKE_PENDING: &str = "UPDATE mailboxes SET oauth_pending = NULL WHERE id = ? AND oauth_pending = ?";

/// Sets a mailbox's state: `state, last_error, id`.
pub const MAILBOX_SET_STATE: &str = "UPDATE mailboxes SET state = ?, last_error = ? WHERE id = ?";

/// The values [`MAILBOX_SAVE_TOKENS`] binds.
pub fn mailbox_tokens_values(id: MailboxId, t: &crate::MailboxTokens) -> Vec<Value> {
    vec![
        Value::Text(t.secret.clone()),
        Value::text_opt(t.refresh_token.clone()),
        t.expires_at.map_or(Value::Null, |t| Value::Int(ms(t))),
        Value::Int(id.0),
    ]
}

/// A round's progress as [`MAILBOX_SAVE_PROGRESS`] binds it.
pub fn mailbox_progress_values(id: MailboxId, owner: &str, p: &crate::MailboxProgress) -> Vec<Value> {
    vec![
        Value::Int(p.uid_validity),
        Value::Int(p.last_uid),
        Value::Int(ms(p.fetched_at)),
        if p.succeeded { Value::Int(ms(p.fetched_at)) } else { Value::Null },
        Value::text_opt(p.error.clone()),
        Value::Text(p.state.as_str().into()),
        Value::Int(p.backlog),
        Value::Int(id.0),
        Value::Text(owner.into()),
    ]
}

/// A mailbox from a row of [`MAILBOX_SELECT`].
pub fn mailbox_from_row(r: &dyn SqlRow) -> StoreResult<crate::MailboxRecord> {
    Ok(crate::MailboxRecord {
        id: MailboxId(r.int(0)?),
        department_id: DepartmentId(r.int(1)?),
        address: r.text(2)?,
        imap_url: r.text(3)?,
        starttls: r.flag(4)?,
        username: r.text(5)?,
        auth_kind: r.parsed(6, crate::MailboxAuthKind::parse)?,
        secret: r.text(7)?,
        folder: r.text(8)?,
        after_import: r.parsed(9, crate::AfterImportKind::parse)?,
        move_folder: r.text_opt(10)?,
        active: r.flag(11)?,
        uid_validity: r.int(12)?,
        last_uid: r.int(13)?,
        lease_owner: r.text_opt(14)?,
        lease_until: r.ts_opt(15)?,
        last_fetch_at: r.ts_opt(16)?,
        last_success_at: r.ts_opt(17)?,
        last_error: r.text_opt(18)?,
        state: r.parsed(19, crate::MailboxState::parse)?,
        backlog: r.int(20)?,
        created_at: r.ts(21)?,
        updated_at: r.ts(22)?,
        oauth: crate::MailboxOAuth {
            provider: r.text_opt(23)?,
            tenant: r.text_opt(24)?,
            authorize_url: r.text_opt(25)?,
            token_url: r.text_opt(26)?,
            scope: r.text_opt(27)?,
            client_id: r.text_opt(28)?,
            client_secret: r.text_opt(29)?,
            refresh_token: r.text_opt(30)?,
            expires_at: r.ts_opt(31)?,
            pending: r.text_opt(32)?,
        },
    })
}

/// The columns of a delivery (`outbound_deliveries d JOIN outbound_mail m`),
/// in [`delivery_of_mail_from_row`]'s order.
pub const OUTBOUND_SELECT: &str = "d.id, d.outbound_id, m.ticket_id, m.message_ref, m.kind, m.mail_id, d.address, \
     d.user_id, d.state, d.attempts, d.next_attempt_at, d.answer, m.created_at, d.updated_at";

/// The tables [`OUTBOUND_SELECT`] reads.
pub const OUTBOUND_FROM: &str = "outbound_deliveries d JOIN outbound_mail m ON m.id = d.outbound_id";

/// A delivery from a row of [`OUTBOUND_SELECT`].
pub fn delivery_of_mail_from_row(r: &dyn SqlRow) -> StoreResult<crate::OutboundDelivery> {
    Ok(crate::OutboundDelivery {
        id: crate::MailDeliveryId(r.int(0)?),
        outbound_id: r.int(1)?,
        ticket_id: r.int_opt(2)?.map(TicketId),
        message_ref: r.int_opt(3)?.map(tessera_core::ids::MessageId),
        kind: r.parsed(4, crate::OutboundKind::parse)?,
        mail_id: r.text(5)?,
        address: r.text(6)?,
        user_id: r.int_opt(7)?.map(UserId),
        state: r.parsed(8, crate::MailDeliveryState::parse)?,
        attempts: r.int(9)?,
        next_attempt_at: r.ts(10)?,
        answer: r.text_opt(11)?,
        created_at: r.ts(12)?,
        updated_at: r.ts(13)?,
    })
}

/// The columns of a suppression entry, in [`suppression_from_row`]'s order.
pub const SUPPRESSION_SELECT: &str = "address, reason, delivery_id, created_at";

/// A suppression entry from a row of [`SUPPRESSION_SELECT`].
pub fn suppression_from_row(r: &dyn SqlRow) -> StoreResult<crate::Suppression> {
    Ok(crate::Suppression {
        address: r.text(0)?,
        reason: r.text(1)?,
        delivery_id: r.int_opt(2)?.map(crate::MailDeliveryId),
        created_at: r.ts(3)?,
    })
}

/// The columns of an admin's template, in [`mail_template_from_row`]'s order.
pub const MAIL_TEMPLATE_SELECT: &str = "kind, language, subject, body, updated_by, updated_at";

/// An admin's template from a row of [`MAIL_TEMPLATE_SELECT`].
pub fn mail_template_from_row(r: &dyn SqlRow) -> StoreResult<crate::MailTemplateRecord> {
    Ok(crate::MailTemplateRecord {
        kind: r.parsed(0, crate::OutboundKind::parse)?,
        language: r.text(1)?,
        subject: r.text(2)?,
        body: r.text(3)?,
        updated_by: r.int_opt(4)?.map(UserId),
        updated_at: r.ts(5)?,
    })
}

/// A tally row: `kind, state, count`.
pub fn outbound_tally_from_row(r: &dyn SqlRow) -> StoreResult<crate::OutboundTally> {
    Ok(crate::OutboundTally {
        kind: r.parsed(0, crate::OutboundKind::parse)?,
        state: r.parsed(1, crate::MailDeliveryState::parse)?,
        count: r.int(2)?,
    })
}

/// A notification choice row: `kind, mode` (`on` / `off`).
pub fn pref_from_row(r: &dyn SqlRow) -> StoreResult<(crate::OutboundKind, bool)> {
    Ok((r.parsed(0, crate::OutboundKind::parse)?, r.text(1)? != "off"))
}

/// A notification mode row: `kind, mode` (`on` read as immediate).
pub fn mode_from_row(r: &dyn SqlRow) -> StoreResult<(crate::OutboundKind, crate::NotificationMode)> {
    Ok((r.parsed(0, crate::OutboundKind::parse)?, r.parsed(1, crate::NotificationMode::read)?))
}

/// A user's mode row: `user_id, mode`.
pub fn user_mode_from_row(r: &dyn SqlRow) -> StoreResult<(UserId, crate::NotificationMode)> {
    Ok((UserId(r.int(0)?), r.parsed(1, crate::NotificationMode::read)?))
}

/// A department default row: `department_id, kind, mode`.
pub fn department_mode_from_row(
    r: &dyn SqlRow,
) -> StoreResult<(DepartmentId, crate::OutboundKind, crate::NotificationMode)> {
    Ok((DepartmentId(r.int(0)?), r.parsed(1, crate::OutboundKind::parse)?, r.parsed(2, crate::NotificationMode::read)?))
}

/// Columns of a collected digest item, read by [`digest_item_from_row`].
pub const DIGEST_ITEM_SELECT: &str = "id, user_id, kind, ticket_id, event_id, item, created_at";

/// A collected digest item from a row of [`DIGEST_ITEM_SELECT`].
pub fn digest_item_from_row(r: &dyn SqlRow) -> StoreResult<crate::DigestItem> {
    Ok(crate::DigestItem {
        id: r.int(0)?,
        item: crate::NewDigestItem {
            user_id: UserId(r.int(1)?),
            kind: r.parsed(2, crate::OutboundKind::parse)?,
            ticket_id: r.int_opt(3)?.map(TicketId),
            event_id: r.int_opt(4)?.map(EventId),
            item: r.text(5)?,
            created_at: r.ts(6)?,
        },
    })
}
