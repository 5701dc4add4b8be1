//! Mapping between rows and domain types.

use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Row, ffi};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::LazyLock;
use tessera_core::custom_field::{CustomFieldDef, FieldType};
use tessera_core::ids::*;
use tessera_core::message::{Author, Message, MessageKind};
use tessera_core::status::{Status, StatusCategory, StatusKey};
use tessera_core::ticket::{ClosedReason, Priority, Source, TicketType};
use tessera_core::time::from_millis;
use tessera_core::{
    AutoAssign, Department, Email, Event, EventKind, Organization, Role, Service, ServiceKind, ServiceStatus, Side,
    Ticket, Timestamp, User,
};
use tessera_store::{AttachmentRecord, StoreError, StoreResult, TokenRecord};

/// Turns rusqlite errors into store errors.
pub trait SqlResultExt<T> {
    /// Maps the error.
    fn db(self) -> StoreResult<T>;
}

impl<T> SqlResultExt<T> for Result<T, rusqlite::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(map_err)
    }
}

/// Maps a rusqlite error: unique violations become `Duplicate` (naming the
/// column), foreign-key violations `InvalidReference`, the rest `Backend`.
pub fn map_err(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, msg) = &e {
        match f.extended_code {
            ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                let col = msg
                    .as_deref()
                    .and_then(|m| m.rsplit(['.', ' ']).next())
                    .unwrap_or("value")
                    .trim_end_matches("_key");
                let col = if col.is_empty() { "key" } else { col };
                return StoreError::Duplicate(col.to_string());
            }
            ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                return StoreError::InvalidReference("a referenced row does not exist".into());
            }
            _ => {}
        }
    }
    StoreError::Backend(e.to_string())
}

/// A shared statement parameter (see [`tessera_store::sql`]) as rusqlite
/// binds it, borrowed.
pub struct Bind<'a>(pub &'a tessera_store::sql::Value);

impl rusqlite::ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use tessera_store::sql::Value as V;
        Ok(ToSqlOutput::Borrowed(match self.0 {
            V::Null => ValueRef::Null,
            V::Int(i) => ValueRef::Integer(*i),
            V::Real(f) => ValueRef::Real(*f),
            V::Text(s) => ValueRef::Text(s.as_bytes()),
            V::Ints(_) | V::Texts(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure("SQLite takes no array parameters".into()));
            }
        }))
    }
}

/// A fragment's values as statement parameters.
pub fn bound(values: &[tessera_store::sql::Value]) -> impl rusqlite::Params + '_ {
    rusqlite::params_from_iter(values.iter().map(Bind))
}

/// Milliseconds of a timestamp.
pub fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

/// Milliseconds of an optional timestamp.
pub fn ms_opt(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::Integer(ms(t)))
}

/// An optional id as a value.
pub fn id_opt(id: Option<i64>) -> Value {
    id.map_or(Value::Null, Value::Integer)
}

/// Serializes to JSON text.
pub fn to_json<T: Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("cannot encode JSON: {e}")))
}

fn bad(col: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, what.to_string().into())
}

fn json<T: DeserializeOwned>(row: &Row<'_>, i: usize) -> rusqlite::Result<T> {
    let s: String = row.get(i)?;
    serde_json::from_str(&s)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn ts(row: &Row<'_>, i: usize) -> rusqlite::Result<Timestamp> {
    Ok(from_millis(row.get(i)?))
}

fn ts_opt(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<Timestamp>> {
    Ok(row.get::<_, Option<i64>>(i)?.map(from_millis))
}

fn parsed<T>(row: &Row<'_>, i: usize, parse: impl Fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let s: String = row.get(i)?;
    parse(&s).ok_or_else(|| bad(i, "unknown enum value"))
}

fn parsed_opt<T>(row: &Row<'_>, i: usize, parse: impl Fn(&str) -> Option<T>) -> rusqlite::Result<Option<T>> {
    match row.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(s) => parse(&s).map(Some).ok_or_else(|| bad(i, "unknown enum value")),
    }
}

pub use tessera_store::sql::rows::{TICKET_FIELDS, TICKET_SELECT};

/// `INSERT INTO tickets (...) VALUES (?1, ...)`.
pub static TICKET_INSERT: LazyLock<String> = LazyLock::new(|| {
    let placeholders: Vec<String> = (1..=TICKET_FIELDS.len()).map(|i| format!("?{i}")).collect();
    format!("INSERT INTO tickets ({}) VALUES ({})", TICKET_FIELDS.join(", "), placeholders.join(", "))
});

/// `UPDATE tickets SET ... WHERE id = ?39 AND version = ?40`.
pub static TICKET_UPDATE: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = TICKET_FIELDS.iter().enumerate().map(|(i, c)| format!("{c} = ?{}", i + 1)).collect();
    let n = TICKET_FIELDS.len();
    format!("UPDATE tickets SET {} WHERE id = ?{} AND version = ?{}", sets.join(", "), n + 1, n + 2)
});

fn b(v: bool) -> Value {
    Value::Integer(i64::from(v))
}

/// A ticket's values in [`TICKET_FIELDS`] order.
pub fn ticket_values(t: &Ticket) -> StoreResult<Vec<Value>> {
    Ok(vec![
        Value::Text(t.number.clone()),
        Value::Text(t.access_key.clone()),
        Value::Text(t.subject.clone()),
        Value::Integer(t.department_id.0),
        Value::Integer(t.requester_id.0),
        id_opt(t.organization_id.map(|v| v.0)),
        id_opt(t.service_id.map(|v| v.0)),
        id_opt(t.assignee_id.map(|v| v.0)),
        id_opt(t.assigned_by_id.map(|v| v.0)),
        id_opt(t.flagged_id.map(|v| v.0)),
        Value::Text(to_json(&t.cc)?),
        Value::Text(to_json(&t.tags)?),
        t.ticket_type.map_or(Value::Null, |v| Value::Text(v.as_str().into())),
        Value::Integer(t.priority.rank()),
        Value::Text(t.status.0.clone()),
        Value::Text(t.status_category.as_str().into()),
        Value::Text(t.source.as_str().into()),
        Value::Text(to_json(&t.custom_fields)?),
        b(t.locked),
        b(t.archived),
        b(t.queue_boost),
        t.closed_reason.map_or(Value::Null, |v| Value::Text(v.as_str().into())),
        id_opt(t.merged_into_id.map(|v| v.0)),
        id_opt(t.follow_up_of_id.map(|v| v.0)),
        Value::Integer(ms(t.created_at)),
        Value::Integer(ms(t.updated_at)),
        ms_opt(t.last_reply_at),
        ms_opt(t.last_customer_reply_at),
        ms_opt(t.last_agent_reply_at),
        ms_opt(t.first_response_at),
        ms_opt(t.awaiting_agent_since),
        ms_opt(t.solved_at),
        ms_opt(t.closed_at),
        ms_opt(t.due_at),
        ms_opt(t.deleted_at),
        b(t.customer_unread),
        b(t.agent_unread),
        Value::Integer(t.version),
    ])
}

/// Reads a ticket selected with [`TICKET_SELECT`].
pub fn ticket_from_row(r: &Row<'_>) -> rusqlite::Result<Ticket> {
    Ok(Ticket {
        id: TicketId(r.get(0)?),
        number: r.get(1)?,
        access_key: r.get(2)?,
        subject: r.get(3)?,
        department_id: DepartmentId(r.get(4)?),
        requester_id: UserId(r.get(5)?),
        organization_id: r.get::<_, Option<i64>>(6)?.map(OrganizationId),
        service_id: r.get::<_, Option<i64>>(7)?.map(ServiceId),
        assignee_id: r.get::<_, Option<i64>>(8)?.map(UserId),
        assigned_by_id: r.get::<_, Option<i64>>(9)?.map(UserId),
        flagged_id: r.get::<_, Option<i64>>(10)?.map(UserId),
        cc: json(r, 11)?,
        tags: json(r, 12)?,
        ticket_type: parsed_opt(r, 13, TicketType::parse)?,
        priority: Priority::from_rank(r.get(14)?).ok_or_else(|| bad(14, "unknown priority"))?,
        status: StatusKey(r.get(15)?),
        status_category: parsed(r, 16, StatusCategory::parse)?,
        source: parsed(r, 17, Source::parse)?,
        custom_fields: json(r, 18)?,
        locked: r.get(19)?,
        archived: r.get(20)?,
        queue_boost: r.get(21)?,
        closed_reason: parsed_opt(r, 22, ClosedReason::parse)?,
        merged_into_id: r.get::<_, Option<i64>>(23)?.map(TicketId),
        follow_up_of_id: r.get::<_, Option<i64>>(24)?.map(TicketId),
        created_at: ts(r, 25)?,
        updated_at: ts(r, 26)?,
        last_reply_at: ts_opt(r, 27)?,
        last_customer_reply_at: ts_opt(r, 28)?,
        last_agent_reply_at: ts_opt(r, 29)?,
        first_response_at: ts_opt(r, 30)?,
        awaiting_agent_since: ts_opt(r, 31)?,
        solved_at: ts_opt(r, 32)?,
        closed_at: ts_opt(r, 33)?,
        due_at: ts_opt(r, 34)?,
        deleted_at: ts_opt(r, 35)?,
        customer_unread: r.get(36)?,
        agent_unread: r.get(37)?,
        version: r.get(38)?,
    })
}

/// Columns of [`message_from_row`].
pub const MESSAGE_SELECT: &str = "id, ticket_id, kind, author_id, author_name, author_email, author_staff, body, html, \
     channel, author_ip, encrypted, email_message_id, rating, created_at, edited_at, edited_by_id, deleted_at";

/// Reads a message (without its attachment ids).
pub fn message_from_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: MessageId(r.get(0)?),
        ticket_id: TicketId(r.get(1)?),
        kind: parsed(r, 2, MessageKind::parse)?,
        author: Author {
            user_id: r.get::<_, Option<i64>>(3)?.map(UserId),
            name: r.get(4)?,
            email: r.get(5)?,
            staff: r.get(6)?,
        },
        body: r.get(7)?,
        html: r.get(8)?,
        channel: parsed(r, 9, Source::parse)?,
        author_ip: r.get(10)?,
        encrypted: r.get(11)?,
        email_message_id: r.get(12)?,
        rating: r.get(13)?,
        attachment_ids: Vec::new(),
        created_at: ts(r, 14)?,
        edited_at: ts_opt(r, 15)?,
        edited_by_id: r.get::<_, Option<i64>>(16)?.map(UserId),
        deleted_at: ts_opt(r, 17)?,
    })
}

/// Columns of [`event_from_row`].
pub const EVENT_SELECT: &str =
    "id, ticket_id, actor_id, side, kind, message_id, changes, data, ticket_version, created_at";

/// Reads an event.
pub fn event_from_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    Ok(Event {
        id: EventId(r.get(0)?),
        ticket_id: TicketId(r.get(1)?),
        actor_id: r.get::<_, Option<i64>>(2)?.map(UserId),
        side: parsed(r, 3, Side::parse)?,
        kind: parsed(r, 4, EventKind::parse)?,
        message_id: r.get::<_, Option<i64>>(5)?.map(MessageId),
        changes: json(r, 6)?,
        data: json(r, 7)?,
        ticket_version: r.get(8)?,
        created_at: ts(r, 9)?,
    })
}

/// Columns of [`user_from_row`].
pub const USER_SELECT: &str = "id, email, name, role, organization_id, sees_all, password_hash, locale, disabled, created_at, updated_at, time_zone";

/// Reads a user.
pub fn user_from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: UserId(r.get(0)?),
        email: parsed(r, 1, |s| Email::parse(s).ok())?,
        name: r.get(2)?,
        role: parsed(r, 3, Role::parse)?,
        organization_id: r.get::<_, Option<i64>>(4)?.map(OrganizationId),
        sees_all: r.get(5)?,
        password_hash: r.get(6)?,
        locale: r.get(7)?,
        disabled: r.get(8)?,
        created_at: ts(r, 9)?,
        updated_at: ts(r, 10)?,
        time_zone: r.get(11)?,
    })
}

/// Columns of [`organization_from_row`].
pub const ORGANIZATION_SELECT: &str = "id, name, external_id, notes, created_at";

/// Reads an organization.
pub fn organization_from_row(r: &Row<'_>) -> rusqlite::Result<Organization> {
    Ok(Organization {
        id: OrganizationId(r.get(0)?),
        name: r.get(1)?,
        external_id: r.get(2)?,
        notes: r.get(3)?,
        created_at: ts(r, 4)?,
    })
}

/// Columns of [`department_from_row`].
pub const DEPARTMENT_SELECT: &str =
    "id, name, description, public, email, auto_assign, requires_service, signature, position, created_at";

/// Reads a department.
pub fn department_from_row(r: &Row<'_>) -> rusqlite::Result<Department> {
    Ok(Department {
        id: DepartmentId(r.get(0)?),
        name: r.get(1)?,
        description: r.get(2)?,
        public: r.get(3)?,
        email: r.get(4)?,
        auto_assign: parsed(r, 5, |s| match s {
            "none" => Some(AutoAssign::None),
            "round_robin" => Some(AutoAssign::RoundRobin),
            "least_open" => Some(AutoAssign::LeastOpen),
            _ => None,
        })?,
        requires_service: r.get(6)?,
        signature: r.get(7)?,
        position: r.get(8)?,
        created_at: ts(r, 9)?,
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
pub fn service_from_row(r: &Row<'_>) -> rusqlite::Result<Service> {
    Ok(Service {
        id: ServiceId(r.get(0)?),
        kind: parsed(r, 1, ServiceKind::parse)?,
        external_id: r.get(2)?,
        label: r.get(3)?,
        owner_id: UserId(r.get(4)?),
        status: parsed(r, 5, ServiceStatus::parse)?,
        created_at: ts(r, 6)?,
        updated_at: ts(r, 7)?,
    })
}

/// Reads a status (`key, name, category, position, builtin`).
pub fn status_from_row(r: &Row<'_>) -> rusqlite::Result<Status> {
    Ok(Status {
        key: StatusKey(r.get(0)?),
        name: r.get(1)?,
        category: parsed(r, 2, StatusCategory::parse)?,
        position: r.get(3)?,
        builtin: r.get(4)?,
    })
}

/// Columns of [`custom_field_from_row`].
pub const CUSTOM_FIELD_SELECT: &str = "id, key, labels, field_type, required, options, customer_visible, \
     customer_editable, department_ids, wipe_on_solve, position, created_at";

/// Reads a custom field definition.
pub fn custom_field_from_row(r: &Row<'_>) -> rusqlite::Result<CustomFieldDef> {
    Ok(CustomFieldDef {
        id: CustomFieldId(r.get(0)?),
        key: r.get(1)?,
        labels: json(r, 2)?,
        field_type: parsed(r, 3, FieldType::parse)?,
        required: r.get(4)?,
        options: json(r, 5)?,
        customer_visible: r.get(6)?,
        customer_editable: r.get(7)?,
        department_ids: json(r, 8)?,
        wipe_on_solve: r.get(9)?,
        position: r.get(10)?,
        created_at: ts(r, 11)?,
    })
}

/// Columns of [`token_from_row`].
pub const TOKEN_SELECT: &str = "id, user_id, name, identifier, secret_hash, created_at, revoked_at";

/// Reads a token.
pub fn token_from_row(r: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        id: TokenId(r.get(0)?),
        user_id: UserId(r.get(1)?),
        name: r.get(2)?,
        identifier: r.get(3)?,
        secret_hash: r.get(4)?,
        created_at: ts(r, 5)?,
        revoked_at: ts_opt(r, 6)?,
    })
}

/// Columns of [`attachment_from_row`].
pub const ATTACHMENT_SELECT: &str =
    "id, sha256, filename, content_type, size, uploader_id, ticket_id, message_id, created_at";

/// Reads an attachment record.
pub fn attachment_from_row(r: &Row<'_>) -> rusqlite::Result<AttachmentRecord> {
    Ok(AttachmentRecord {
        id: AttachmentId(r.get(0)?),
        sha256: r.get(1)?,
        filename: r.get(2)?,
        content_type: r.get(3)?,
        size: r.get(4)?,
        uploader_id: UserId(r.get(5)?),
        ticket_id: r.get::<_, Option<i64>>(6)?.map(TicketId),
        message_id: r.get::<_, Option<i64>>(7)?.map(MessageId),
        created_at: ts(r, 8)?,
    })
}
