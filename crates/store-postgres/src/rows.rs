//! Mapping between rows and domain types, statement parameters, and the
//! translation of driver errors into store errors.

use bytes::BytesMut;
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
use tessera_store::sql::{POSTGRES, Value};
use tessera_store::{AttachmentRecord, StoreError, StoreResult, TokenRecord};
use tokio_postgres::Row;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{IsNull, ToSql, Type};

/// An owned statement parameter, for SQL assembled at run time (filters,
/// lists): the value's Rust type picks the PostgreSQL type, so integers are
/// always `i64` (BIGINT columns) and text `String`.
pub type Param = Box<dyn ToSql + Sync + Send>;

/// Boxes a value as a [`Param`].
pub fn p<T: ToSql + Sync + Send + 'static>(v: T) -> Param {
    Box::new(v)
}

/// Borrows owned parameters the way the driver takes them.
pub fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect()
}

/// A shared statement parameter (see [`tessera_store::sql`]) as the driver
/// binds it, borrowed. Each value is checked against the statement's
/// parameter type as the driver checks its own; `NULL` fits any.
#[derive(Debug)]
pub struct Bind<'a>(pub &'a Value);

impl ToSql for Bind<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        self.to_sql_checked(ty, out)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => v.to_sql_checked(ty, out),
            Value::Real(v) => v.to_sql_checked(ty, out),
            Value::Text(v) => v.to_sql_checked(ty, out),
            Value::Ints(v) => v.to_sql_checked(ty, out),
            Value::Texts(v) => v.to_sql_checked(ty, out),
        }
    }
}

/// A fragment's values as the driver borrows them (see [`binds`]).
pub fn bound<'a>(binds: &'a [Bind<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    binds.iter().map(|b| b as &(dyn ToSql + Sync)).collect()
}

/// A fragment's values, ready to borrow with [`bound`].
pub fn binds(values: &[Value]) -> Vec<Bind<'_>> {
    values.iter().map(Bind).collect()
}

/// Numbers the `?` placeholders of SQL written SQLite-style (`$1`, `$2`…),
/// so conditions can be assembled piece by piece without counting. The SQL
/// must hold no other `?` (no JSON operators, no `?` in literals).
pub fn numbered(sql: &str) -> String {
    POSTGRES.finish(sql).into_owned()
}

/// Turns driver errors into store errors.
pub trait PgResultExt<T> {
    /// Maps the error (see [`map_err`]).
    fn db(self) -> StoreResult<T>;
}

impl<T> PgResultExt<T> for Result<T, tokio_postgres::Error> {
    fn db(self) -> StoreResult<T> {
        self.map_err(map_err)
    }
}

/// Maps a driver error: unique violations become `Duplicate` (naming the
/// column from the constraint's name, never from the offending value, which
/// may be personal data), foreign-key violations `InvalidReference`,
/// deadlocks and serialization failures `VersionConflict`, a database that
/// cannot be reached or is shutting down `Unavailable` (a 503: worth a
/// retry), the rest `Backend`.
pub fn map_err(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        if *db.code() == SqlState::UNIQUE_VIOLATION {
            return StoreError::Duplicate(duplicate_name(db.table(), db.constraint()));
        }
        if *db.code() == SqlState::FOREIGN_KEY_VIOLATION {
            return StoreError::InvalidReference("a referenced row does not exist".into());
        }
        // PostgreSQL text cannot hold NUL (SQLite's can): a text holding
        // one is refused as bad input, not a fault of the database.
        if *db.code() == SqlState::CHARACTER_NOT_IN_REPERTOIRE || *db.code() == SqlState::UNTRANSLATABLE_CHARACTER {
            return StoreError::InvalidReference("the text holds a NUL character".into());
        }
        // Two writers crossed (rows locked in opposite orders, or a
        // serializable snapshot went stale): one was rolled back. Like a
        // failed version check, the caller re-reads and tries again.
        if *db.code() == SqlState::T_R_DEADLOCK_DETECTED || *db.code() == SqlState::T_R_SERIALIZATION_FAILURE {
            return StoreError::VersionConflict;
        }
        // Shutting down, starting up, too many connections: not our fault.
        let class = db.code().code();
        if class.starts_with("57P") || class.starts_with("08") || *db.code() == SqlState::TOO_MANY_CONNECTIONS {
            return StoreError::Unavailable(format!("{class}: {}", db.message()));
        }
        // The message names the problem; the detail could quote values.
        return StoreError::Backend(format!("{}: {}", db.code().code(), db.message()));
    }
    // No answer from the server at all: a closed or refused connection.
    if e.is_closed() || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>()) {
        return StoreError::Unavailable(e.to_string());
    }
    StoreError::Backend(e.to_string())
}

/// `users_email_key_key` on `users` → `email`; `statuses_pkey` → `key`.
fn duplicate_name(table: Option<&str>, constraint: Option<&str>) -> String {
    let Some(c) = constraint else { return "value".into() };
    let c = table.and_then(|t| c.strip_prefix(t)).map_or(c, |rest| rest.trim_start_matches('_'));
    let c = c.trim_end_matches("_key").trim_end_matches("_pkey");
    if c.is_empty() || c == "pkey" || c == "key" { "key".into() } else { c.to_string() }
}

/// Milliseconds of a timestamp (how every time is stored).
pub fn ms(t: Timestamp) -> i64 {
    t.timestamp_millis()
}

/// Milliseconds of an optional timestamp.
pub fn ms_opt(t: Option<Timestamp>) -> Option<i64> {
    t.map(ms)
}

/// Serializes to JSON text (lists and maps are stored as JSON text, like
/// SQLite's, so a table copies across unchanged).
pub fn to_json<T: serde::Serialize>(v: &T) -> StoreResult<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Backend(format!("cannot encode JSON: {e}")))
}

/// An error for a column whose stored value cannot be read back.
pub fn bad_column(column: &str, what: &str) -> StoreError {
    StoreError::Backend(format!("malformed column {column}: {what}"))
}

/// Typed reads of a row's columns by position, in the stored kinds: every
/// integer is BIGINT (read as `i64`, then narrowed), booleans are 0/1.
pub trait RowExt {
    /// An integer column, narrowed to the field's type.
    fn int<T: TryFrom<i64>>(&self, i: usize) -> StoreResult<T>;
    /// A nullable integer column.
    fn int_opt<T: TryFrom<i64>>(&self, i: usize) -> StoreResult<Option<T>>;
    /// A 0/1 column.
    fn flag(&self, i: usize) -> StoreResult<bool>;
    /// A text column.
    fn text(&self, i: usize) -> StoreResult<String>;
    /// A nullable text column.
    fn text_opt(&self, i: usize) -> StoreResult<Option<String>>;
    /// A time in milliseconds.
    fn ts(&self, i: usize) -> StoreResult<Timestamp>;
    /// A nullable time in milliseconds.
    fn ts_opt(&self, i: usize) -> StoreResult<Option<Timestamp>>;
    /// A JSON text column.
    fn json<T: DeserializeOwned>(&self, i: usize) -> StoreResult<T>;
    /// A text column holding an enum's stored name.
    fn parsed<T>(&self, i: usize, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T>;
    /// A nullable text column holding an enum's stored name.
    fn parsed_opt<T>(&self, i: usize, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Option<T>>;
}

impl RowExt for Row {
    fn int<T: TryFrom<i64>>(&self, i: usize) -> StoreResult<T> {
        let v: i64 = self.try_get(i).map_err(map_err)?;
        T::try_from(v).map_err(|_| bad_column(self.columns()[i].name(), "out of range"))
    }
    fn int_opt<T: TryFrom<i64>>(&self, i: usize) -> StoreResult<Option<T>> {
        let v: Option<i64> = self.try_get(i).map_err(map_err)?;
        v.map(|v| T::try_from(v).map_err(|_| bad_column(self.columns()[i].name(), "out of range"))).transpose()
    }
    fn flag(&self, i: usize) -> StoreResult<bool> {
        Ok(self.int::<i64>(i)? != 0)
    }
    fn text(&self, i: usize) -> StoreResult<String> {
        self.try_get(i).map_err(map_err)
    }
    fn text_opt(&self, i: usize) -> StoreResult<Option<String>> {
        self.try_get(i).map_err(map_err)
    }
    fn ts(&self, i: usize) -> StoreResult<Timestamp> {
        Ok(from_millis(self.int(i)?))
    }
    fn ts_opt(&self, i: usize) -> StoreResult<Option<Timestamp>> {
        Ok(self.int_opt::<i64>(i)?.map(from_millis))
    }
    fn json<T: DeserializeOwned>(&self, i: usize) -> StoreResult<T> {
        let s: String = self.text(i)?;
        serde_json::from_str(&s).map_err(|_| bad_column(self.columns()[i].name(), "malformed JSON"))
    }
    fn parsed<T>(&self, i: usize, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
        let s = self.text(i)?;
        parse(&s).ok_or_else(|| bad_column(self.columns()[i].name(), "unknown value"))
    }
    fn parsed_opt<T>(&self, i: usize, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Option<T>> {
        match self.text_opt(i)? {
            None => Ok(None),
            Some(s) => parse(&s).map(Some).ok_or_else(|| bad_column(self.columns()[i].name(), "unknown value")),
        }
    }
}

/// A boolean as its stored 0/1.
pub fn b(v: bool) -> i64 {
    i64::from(v)
}

/// An optional id as a nullable BIGINT parameter.
pub fn id_opt(id: Option<i64>) -> Param {
    p(id)
}

pub use tessera_store::sql::rows::{TICKET_FIELDS, TICKET_SELECT};

/// `INSERT INTO tickets (...) VALUES ($1, ...) ON CONFLICT (number) DO
/// NOTHING RETURNING id`: no row back means the random number was taken.
pub static TICKET_INSERT: LazyLock<String> = LazyLock::new(|| {
    let placeholders: Vec<String> = (1..=TICKET_FIELDS.len()).map(|i| format!("${i}")).collect();
    format!(
        "INSERT INTO tickets ({}) VALUES ({}) ON CONFLICT (number) DO NOTHING RETURNING id",
        TICKET_FIELDS.join(", "),
        placeholders.join(", ")
    )
});

/// `UPDATE tickets SET ... WHERE id = $39 AND version = $40`.
pub static TICKET_UPDATE: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = TICKET_FIELDS.iter().enumerate().map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
    let n = TICKET_FIELDS.len();
    format!("UPDATE tickets SET {} WHERE id = ${} AND version = ${}", sets.join(", "), n + 1, n + 2)
});

/// A ticket's values in [`TICKET_FIELDS`] order.
pub fn ticket_values(t: &Ticket) -> StoreResult<Vec<Param>> {
    Ok(vec![
        p(t.number.clone()),
        p(t.access_key.clone()),
        p(t.subject.clone()),
        p(t.department_id.0),
        p(t.requester_id.0),
        id_opt(t.organization_id.map(|v| v.0)),
        id_opt(t.service_id.map(|v| v.0)),
        id_opt(t.assignee_id.map(|v| v.0)),
        id_opt(t.assigned_by_id.map(|v| v.0)),
        id_opt(t.flagged_id.map(|v| v.0)),
        p(to_json(&t.cc)?),
        p(to_json(&t.tags)?),
        p(t.ticket_type.map(|v| v.as_str().to_string())),
        p(t.priority.rank()),
        p(t.status.0.clone()),
        p(t.status_category.as_str().to_string()),
        p(t.source.as_str().to_string()),
        p(to_json(&without_nul(&t.custom_fields))?),
        p(b(t.locked)),
        p(b(t.archived)),
        p(b(t.queue_boost)),
        p(t.closed_reason.map(|v| v.as_str().to_string())),
        id_opt(t.merged_into_id.map(|v| v.0)),
        id_opt(t.follow_up_of_id.map(|v| v.0)),
        p(ms(t.created_at)),
        p(ms(t.updated_at)),
        p(ms_opt(t.last_reply_at)),
        p(ms_opt(t.last_customer_reply_at)),
        p(ms_opt(t.last_agent_reply_at)),
        p(ms_opt(t.first_response_at)),
        p(ms_opt(t.awaiting_agent_since)),
        p(ms_opt(t.solved_at)),
        p(ms_opt(t.closed_at)),
        p(ms_opt(t.due_at)),
        p(ms_opt(t.deleted_at)),
        p(b(t.customer_unread)),
        p(b(t.agent_unread)),
        p(t.version),
    ])
}

/// Custom field values with NUL characters replaced by U+FFFD: the column
/// is read as `jsonb` by view conditions, which refuses `\u0000`, and one
/// such value would break every custom-field view.
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
pub fn ticket_from_row(r: &Row) -> StoreResult<Ticket> {
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
     channel, author_ip, encrypted, email_message_id, rating, created_at, edited_at, edited_by_id, deleted_at";

/// Reads a message (without its attachment ids).
pub fn message_from_row(r: &Row) -> StoreResult<Message> {
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
pub fn event_from_row(r: &Row) -> StoreResult<Event> {
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

/// Columns of [`user_from_row`].
pub const USER_SELECT: &str = "id, email, name, role, organization_id, sees_all, password_hash, locale, disabled, created_at, updated_at, time_zone";

/// Reads a user.
pub fn user_from_row(r: &Row) -> StoreResult<User> {
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
pub const ORGANIZATION_SELECT: &str = "id, name, external_id, notes, created_at";

/// Reads an organization.
pub fn organization_from_row(r: &Row) -> StoreResult<Organization> {
    Ok(Organization {
        id: OrganizationId(r.int(0)?),
        name: r.text(1)?,
        external_id: r.text_opt(2)?,
        notes: r.text(3)?,
        created_at: r.ts(4)?,
    })
}

/// Columns of [`department_from_row`].
pub const DEPARTMENT_SELECT: &str =
    "id, name, description, public, email, auto_assign, requires_service, signature, position, created_at";

/// Reads a department.
pub fn department_from_row(r: &Row) -> StoreResult<Department> {
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
pub fn service_from_row(r: &Row) -> StoreResult<Service> {
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

/// Reads a status (`key, name, category, position, builtin`).
pub fn status_from_row(r: &Row) -> StoreResult<Status> {
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
pub fn custom_field_from_row(r: &Row) -> StoreResult<CustomFieldDef> {
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

/// Columns of [`token_from_row`].
pub const TOKEN_SELECT: &str = "id, user_id, name, identifier, secret_hash, created_at, revoked_at";

/// Reads a token.
pub fn token_from_row(r: &Row) -> StoreResult<TokenRecord> {
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

/// Columns of [`attachment_from_row`].
pub const ATTACHMENT_SELECT: &str =
    "id, sha256, filename, content_type, size, uploader_id, ticket_id, message_id, created_at";

/// Reads an attachment record.
pub fn attachment_from_row(r: &Row) -> StoreResult<AttachmentRecord> {
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

/// Maps every row with `f`.
pub fn all<T>(rows: Vec<Row>, f: impl Fn(&Row) -> StoreResult<T>) -> StoreResult<Vec<T>> {
    rows.iter().map(f).collect()
}

/// Maps an optional row with `f`.
pub fn one<T>(row: Option<Row>, f: impl Fn(&Row) -> StoreResult<T>) -> StoreResult<Option<T>> {
    row.as_ref().map(f).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_names_name_the_column() {
        assert_eq!(duplicate_name(Some("users"), Some("users_email_key_key")), "email");
        assert_eq!(duplicate_name(Some("statuses"), Some("statuses_pkey")), "key");
        assert_eq!(duplicate_name(Some("custom_fields"), Some("custom_fields_key_key")), "key");
        assert_eq!(duplicate_name(None, None), "value");
    }
}
