//! Everything that is not a ticket: users, organizations, departments,
//! services, statuses, custom fields, tokens, attachments, idempotency keys
//! and settings.

use crate::rows::*;
use rusqlite::{Connection, OptionalExtension, params};
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::Status;
use tessera_core::{Department, Organization, Service, ServiceKind, Timestamp, User};
use tessera_store::sql;
use tessera_store::*;

// ---- users ----------------------------------------------------------------------

/// Creates a user.
pub fn insert_user(conn: &Connection, mut u: User) -> StoreResult<User> {
    conn.prepare_cached(
        "INSERT INTO users (email, email_key, name, role, organization_id, sees_all, password_hash, locale, disabled, \
         created_at, updated_at, time_zone) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )
    .db()?
    .execute(params![
        u.email.as_str(),
        u.email.normalized(),
        u.name,
        u.role.as_str(),
        u.organization_id.map(|o| o.0),
        u.sees_all,
        u.password_hash,
        u.locale,
        u.disabled,
        ms(u.created_at),
        ms(u.updated_at),
        u.time_zone,
    ])
    .db()?;
    u.id = UserId(conn.last_insert_rowid());
    Ok(u)
}

/// Saves a user.
pub fn update_user(conn: &Connection, u: &User) -> StoreResult<()> {
    let before: Option<(String, String)> = conn
        .prepare_cached("SELECT name, email FROM users WHERE id = ?1")
        .db()?
        .query_row([u.id.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    let n = conn
        .prepare_cached(
            "UPDATE users SET email = ?1, email_key = ?2, name = ?3, role = ?4, organization_id = ?5, sees_all = ?6, \
             password_hash = ?7, locale = ?8, disabled = ?9, updated_at = ?10, time_zone = ?12 WHERE id = ?11",
        )
        .db()?
        .execute(params![
            u.email.as_str(),
            u.email.normalized(),
            u.name,
            u.role.as_str(),
            u.organization_id.map(|o| o.0),
            u.sees_all,
            u.password_hash,
            u.locale,
            u.disabled,
            ms(u.updated_at),
            u.id.0,
            u.time_zone,
        ])
        .db()?;
    one_row(n)?;
    // Tickets are found by their requester's name and e-mail.
    if before.is_some_and(|(name, email)| name != u.name || email != u.email.as_str()) {
        crate::search_index::index_requester_tickets(conn, u.id.0)?;
    }
    Ok(())
}

/// Users whose name folds to the same text as `name` (a scan: names have
/// no index; this serves `requester:"Name"` searches).
pub fn users_named(conn: &Connection, name: &str, limit: u32) -> StoreResult<Vec<User>> {
    let want = tessera_core::search::fold(name.trim());
    let mut stmt = conn.prepare_cached("SELECT id, name FROM users ORDER BY id").db()?;
    let mut rows = stmt.query([]).db()?;
    let mut ids = Vec::new();
    while let Some(r) = rows.next().db()? {
        let n: String = r.get(1).db()?;
        if tessera_core::search::fold(n.trim()) == want {
            ids.push(UserId(r.get(0).db()?));
            if ids.len() >= limit as usize {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.extend(user(conn, id)?);
    }
    Ok(out)
}

/// One user.
pub fn user(conn: &Connection, id: UserId) -> StoreResult<Option<User>> {
    get(conn, &format!("SELECT {USER_SELECT} FROM users WHERE id = ?1"), [id.0], read(user_from_row))
}

/// One user by e-mail.
pub fn user_by_email(conn: &Connection, email: &str) -> StoreResult<Option<User>> {
    get(
        conn,
        &format!("SELECT {USER_SELECT} FROM users WHERE email_key = ?1"),
        [email.trim().to_lowercase()],
        read(user_from_row),
    )
}

/// A page of users.
pub fn list_users(conn: &Connection, q: &UserQuery) -> StoreResult<Vec<User>> {
    let mut w = vec!["id > ?".to_string()];
    let mut v = vec![sql::Value::Int(q.after.map_or(0, |u| u.0))];
    if let Some(r) = q.role {
        w.push("role = ?".into());
        v.push(sql::Value::Text(r.as_str().into()));
    }
    if let Some(o) = q.organization_id {
        w.push("organization_id = ?".into());
        v.push(sql::Value::Int(o.0));
    }
    if let Some(s) = &q.search {
        w.push("(instr(email_key, ?) > 0 OR instr(lower(name), ?) > 0)".into());
        let s = s.to_lowercase();
        v.push(sql::Value::Text(s.clone()));
        v.push(sql::Value::Text(s));
    }
    let sql = format!(
        "SELECT {USER_SELECT} FROM users WHERE {} ORDER BY id LIMIT {}",
        w.join(" AND "),
        q.limit.clamp(1, 1000)
    );
    collect(conn, &sql, bound(&v), read(user_from_row))
}

// ---- organizations ----------------------------------------------------------------

/// Creates an organization.
pub fn insert_organization(conn: &Connection, mut o: Organization) -> StoreResult<Organization> {
    conn.prepare_cached("INSERT INTO organizations (name, external_id, notes, created_at) VALUES (?1, ?2, ?3, ?4)")
        .db()?
        .execute(params![o.name, o.external_id, o.notes, ms(o.created_at)])
        .db()?;
    o.id = OrganizationId(conn.last_insert_rowid());
    Ok(o)
}

/// Saves an organization.
pub fn update_organization(conn: &Connection, o: &Organization) -> StoreResult<()> {
    let n = conn
        .prepare_cached("UPDATE organizations SET name = ?1, external_id = ?2, notes = ?3 WHERE id = ?4")
        .db()?
        .execute(params![o.name, o.external_id, o.notes, o.id.0])
        .db()?;
    one_row(n)
}

/// One organization.
pub fn organization(conn: &Connection, id: OrganizationId) -> StoreResult<Option<Organization>> {
    get(
        conn,
        &format!("SELECT {ORGANIZATION_SELECT} FROM organizations WHERE id = ?1"),
        [id.0],
        read(organization_from_row),
    )
}

/// All organizations.
pub fn list_organizations(conn: &Connection) -> StoreResult<Vec<Organization>> {
    collect(
        conn,
        &format!("SELECT {ORGANIZATION_SELECT} FROM organizations ORDER BY name, id"),
        [],
        read(organization_from_row),
    )
}

// ---- departments --------------------------------------------------------------------

/// Creates a department.
pub fn insert_department(conn: &Connection, mut d: Department) -> StoreResult<Department> {
    conn.prepare_cached(
        "INSERT INTO departments (name, description, public, email, auto_assign, requires_service, signature, position, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .db()?
    .execute(params![
        d.name,
        d.description,
        d.public,
        d.email,
        auto_assign_str(d.auto_assign),
        d.requires_service,
        d.signature,
        d.position,
        ms(d.created_at),
    ])
    .db()?;
    d.id = DepartmentId(conn.last_insert_rowid());
    Ok(d)
}

/// Saves a department.
pub fn update_department(conn: &Connection, d: &Department) -> StoreResult<()> {
    let n = conn
        .prepare_cached(
            "UPDATE departments SET name = ?1, description = ?2, public = ?3, email = ?4, auto_assign = ?5, \
             requires_service = ?6, signature = ?7, position = ?8 WHERE id = ?9",
        )
        .db()?
        .execute(params![
            d.name,
            d.description,
            d.public,
            d.email,
            auto_assign_str(d.auto_assign),
            d.requires_service,
            d.signature,
            d.position,
            d.id.0,
        ])
        .db()?;
    one_row(n)
}

/// One department.
pub fn department(conn: &Connection, id: DepartmentId) -> StoreResult<Option<Department>> {
    get(conn, &format!("SELECT {DEPARTMENT_SELECT} FROM departments WHERE id = ?1"), [id.0], read(department_from_row))
}

/// All departments.
pub fn list_departments(conn: &Connection) -> StoreResult<Vec<Department>> {
    collect(
        conn,
        &format!("SELECT {DEPARTMENT_SELECT} FROM departments ORDER BY position, name"),
        [],
        read(department_from_row),
    )
}

/// Replaces the members of a department.
pub fn set_department_members(conn: &Connection, dept: DepartmentId, members: &[UserId]) -> StoreResult<()> {
    if department(conn, dept)?.is_none() {
        return Err(StoreError::NotFound);
    }
    conn.execute("DELETE FROM department_members WHERE department_id = ?1", [dept.0]).db()?;
    let mut ins = conn
        .prepare_cached("INSERT OR IGNORE INTO department_members (department_id, user_id) VALUES (?1, ?2)")
        .db()?;
    for m in members {
        ins.execute(params![dept.0, m.0]).db()?;
    }
    Ok(())
}

/// A department's members.
pub fn department_members(conn: &Connection, dept: DepartmentId) -> StoreResult<Vec<UserId>> {
    collect(conn, "SELECT user_id FROM department_members WHERE department_id = ?1 ORDER BY user_id", [dept.0], |r| {
        Ok(UserId(r.get(0)?))
    })
}

/// The departments of a user.
pub fn user_departments(conn: &Connection, user: UserId) -> StoreResult<Vec<DepartmentId>> {
    collect(
        conn,
        "SELECT department_id FROM department_members WHERE user_id = ?1 ORDER BY department_id",
        [user.0],
        |r| Ok(DepartmentId(r.get(0)?)),
    )
}

// ---- services -------------------------------------------------------------------------

/// Creates a service.
pub fn insert_service(conn: &Connection, mut s: Service) -> StoreResult<Service> {
    conn.prepare_cached(
        "INSERT INTO services (kind, external_id, label, owner_id, status, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .db()?
    .execute(params![
        s.kind.as_str(),
        s.external_id,
        s.label,
        s.owner_id.0,
        s.status.as_str(),
        ms(s.created_at),
        ms(s.updated_at)
    ])
    .db()?;
    s.id = ServiceId(conn.last_insert_rowid());
    Ok(s)
}

/// Saves a service.
pub fn update_service(conn: &Connection, s: &Service) -> StoreResult<()> {
    let n = conn
        .prepare_cached(
            "UPDATE services SET kind = ?1, external_id = ?2, label = ?3, owner_id = ?4, status = ?5, updated_at = ?6 \
             WHERE id = ?7",
        )
        .db()?
        .execute(params![
            s.kind.as_str(),
            s.external_id,
            s.label,
            s.owner_id.0,
            s.status.as_str(),
            ms(s.updated_at),
            s.id.0
        ])
        .db()?;
    one_row(n)
}

/// One service.
pub fn service(conn: &Connection, id: ServiceId) -> StoreResult<Option<Service>> {
    get(conn, &format!("SELECT {SERVICE_SELECT} FROM services WHERE id = ?1"), [id.0], read(service_from_row))
}

/// One service by billing id.
pub fn service_by_external_id(conn: &Connection, kind: ServiceKind, ext: &str) -> StoreResult<Option<Service>> {
    get(
        conn,
        &format!("SELECT {SERVICE_SELECT} FROM services WHERE kind = ?1 AND external_id = ?2"),
        params![kind.as_str(), ext],
        read(service_from_row),
    )
}

/// Services, optionally of one owner.
pub fn list_services(conn: &Connection, owner: Option<UserId>) -> StoreResult<Vec<Service>> {
    match owner {
        Some(o) => collect(
            conn,
            &format!("SELECT {SERVICE_SELECT} FROM services WHERE owner_id = ?1 ORDER BY id"),
            [o.0],
            read(service_from_row),
        ),
        None => {
            collect(conn, &format!("SELECT {SERVICE_SELECT} FROM services ORDER BY id"), [], read(service_from_row))
        }
    }
}

// ---- statuses and custom fields --------------------------------------------------------

/// The status catalogue.
pub fn statuses(conn: &Connection) -> StoreResult<Vec<Status>> {
    collect(
        conn,
        "SELECT key, name, category, position, builtin FROM statuses ORDER BY position, key",
        [],
        read(status_from_row),
    )
}

/// Adds a status.
pub fn insert_status(conn: &Connection, s: Status) -> StoreResult<Status> {
    conn.prepare_cached("INSERT INTO statuses (key, name, category, position, builtin) VALUES (?1, ?2, ?3, ?4, ?5)")
        .db()?
        .execute(params![s.key.0, s.name, s.category.as_str(), s.position, s.builtin])
        .db()?;
    Ok(s)
}

/// Custom field definitions.
pub fn custom_fields(conn: &Connection) -> StoreResult<Vec<CustomFieldDef>> {
    collect(
        conn,
        &format!("SELECT {CUSTOM_FIELD_SELECT} FROM custom_fields ORDER BY position, id"),
        [],
        read(custom_field_from_row),
    )
}

/// Creates a custom field.
pub fn insert_custom_field(conn: &Connection, mut f: CustomFieldDef) -> StoreResult<CustomFieldDef> {
    conn.prepare_cached(
        "INSERT INTO custom_fields (key, labels, field_type, required, options, customer_visible, customer_editable, \
         department_ids, wipe_on_solve, position, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .db()?
    .execute(bound(&custom_field_values(&f)?))
    .db()?;
    f.id = CustomFieldId(conn.last_insert_rowid());
    Ok(f)
}

/// Saves a custom field.
pub fn update_custom_field(conn: &Connection, f: &CustomFieldDef) -> StoreResult<()> {
    let mut v = custom_field_values(f)?;
    v.push(sql::Value::Int(f.id.0));
    let n = conn
        .prepare_cached(
            "UPDATE custom_fields SET key = ?1, labels = ?2, field_type = ?3, required = ?4, options = ?5, \
             customer_visible = ?6, customer_editable = ?7, department_ids = ?8, wipe_on_solve = ?9, position = ?10, \
             created_at = ?11 WHERE id = ?12",
        )
        .db()?
        .execute(bound(&v))
        .db()?;
    one_row(n)
}

/// Removes a custom field.
pub fn delete_custom_field(conn: &Connection, id: CustomFieldId) -> StoreResult<()> {
    one_row(conn.execute("DELETE FROM custom_fields WHERE id = ?1", [id.0]).db()?)
}

// ---- tokens ------------------------------------------------------------------------------

/// Stores a token.
pub fn insert_token(conn: &Connection, mut t: TokenRecord) -> StoreResult<TokenRecord> {
    conn.prepare_cached(
        "INSERT INTO tokens (user_id, name, identifier, secret_hash, created_at, revoked_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .db()?
    .execute(params![t.user_id.0, t.name, t.identifier, t.secret_hash, ms(t.created_at), t.revoked_at.map(ms)])
    .db()?;
    t.id = TokenId(conn.last_insert_rowid());
    Ok(t)
}

/// A token by identifier.
pub fn token_by_identifier(conn: &Connection, identifier: &str) -> StoreResult<Option<TokenRecord>> {
    get(conn, &format!("SELECT {TOKEN_SELECT} FROM tokens WHERE identifier = ?1"), [identifier], read(token_from_row))
}

/// One token.
pub fn token(conn: &Connection, id: TokenId) -> StoreResult<Option<TokenRecord>> {
    get(conn, &format!("SELECT {TOKEN_SELECT} FROM tokens WHERE id = ?1"), [id.0], read(token_from_row))
}

/// A user's tokens.
pub fn tokens_of(conn: &Connection, user: UserId) -> StoreResult<Vec<TokenRecord>> {
    collect(
        conn,
        &format!("SELECT {TOKEN_SELECT} FROM tokens WHERE user_id = ?1 ORDER BY id"),
        [user.0],
        read(token_from_row),
    )
}

/// Revokes a token (revoking twice keeps the first time).
pub fn revoke_token(conn: &Connection, id: TokenId, at: Timestamp) -> StoreResult<()> {
    let n = conn
        .execute("UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?1) WHERE id = ?2", params![ms(at), id.0])
        .db()?;
    one_row(n)
}

// ---- attachments ---------------------------------------------------------------------------

/// Records an upload.
pub fn insert_attachment(conn: &Connection, mut a: AttachmentRecord) -> StoreResult<AttachmentRecord> {
    conn.prepare_cached(
        "INSERT INTO attachments (sha256, filename, content_type, size, uploader_id, ticket_id, message_id, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .db()?
    .execute(params![
        a.sha256,
        a.filename,
        a.content_type,
        a.size,
        a.uploader_id.0,
        a.ticket_id.map(|t| t.0),
        a.message_id.map(|m| m.0),
        ms(a.created_at)
    ])
    .db()?;
    a.id = AttachmentId(conn.last_insert_rowid());
    Ok(a)
}

/// One attachment.
pub fn attachment(conn: &Connection, id: AttachmentId) -> StoreResult<Option<AttachmentRecord>> {
    get(conn, &format!("SELECT {ATTACHMENT_SELECT} FROM attachments WHERE id = ?1"), [id.0], read(attachment_from_row))
}

// ---- idempotency and settings ------------------------------------------------------------------

/// A request still "in progress" after this long is taken to have died.
const STALE_MS: i64 = 5 * 60 * 1000;

/// A stored idempotency row: fingerprint, status, body, creation time.
type IdempotencyRow = (String, Option<i64>, Option<Vec<u8>>, i64);

/// Starts or looks up an idempotent request.
pub fn idempotency_begin(
    conn: &Connection,
    key: &IdempotencyKey,
    fingerprint: &str,
    at: Timestamp,
) -> StoreResult<IdempotencyBegin> {
    let found: Option<IdempotencyRow> = get(
        conn,
        "SELECT fingerprint, status, body, created_at FROM idempotency_keys WHERE user_id = ?1 AND key = ?2",
        params![key.user_id.0, key.key],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    match found {
        Some((fp, Some(status), body, _)) => Ok(IdempotencyBegin::Done {
            fingerprint: fp,
            status: u16::try_from(status).unwrap_or(500),
            body: body.unwrap_or_default(),
        }),
        Some((_, None, _, created)) if ms(at) - created < STALE_MS => Ok(IdempotencyBegin::InProgress),
        _ => {
            conn.prepare_cached(
                "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at) VALUES (?1, ?2, ?3, NULL, NULL, ?4)
                 ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, created_at = excluded.created_at",
            )
            .db()?
            .execute(params![key.user_id.0, key.key, fingerprint, ms(at)])
            .db()?;
            Ok(IdempotencyBegin::Started)
        }
    }
}

/// Saves the answer of an idempotent request.
pub fn idempotency_finish(conn: &Connection, key: &IdempotencyKey, status: u16, body: &[u8]) -> StoreResult<()> {
    conn.prepare_cached("UPDATE idempotency_keys SET status = ?1, body = ?2 WHERE user_id = ?3 AND key = ?4")
        .db()?
        .execute(params![i64::from(status), body, key.user_id.0, key.key])
        .db()?;
    Ok(())
}

/// Forgets an idempotent request.
pub fn idempotency_abandon(conn: &Connection, key: &IdempotencyKey) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND status IS NULL")
        .db()?
        .execute(params![key.user_id.0, key.key])
        .db()?;
    Ok(())
}

/// Stores a session.
pub fn insert_session(conn: &Connection, s: &SessionRecord) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (id_hash, user_id, ticket_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .db()?
    .execute(params![
        s.id_hash,
        s.user_id.0,
        s.ticket_id.map(|t| t.0),
        s.csrf_token,
        ms(s.created_at),
        ms(s.last_seen_at),
        ms(s.expires_at)
    ])
    .db()?;
    Ok(())
}

/// A session.
pub fn session(conn: &Connection, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
    get(conn, &format!("SELECT {SESSION_SELECT} FROM sessions WHERE id_hash = ?1"), [id_hash], read(session_from_row))
}

/// Moves a session's expiry.
pub fn touch_session(conn: &Connection, id_hash: &str, seen: Timestamp, expires: Timestamp) -> StoreResult<()> {
    conn.prepare_cached("UPDATE sessions SET last_seen_at = ?1, expires_at = ?2 WHERE id_hash = ?3")
        .db()?
        .execute(params![ms(seen), ms(expires), id_hash])
        .db()?;
    Ok(())
}

/// Ends a session.
pub fn delete_session(conn: &Connection, id_hash: &str) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE id_hash = ?1").db()?.execute([id_hash]).db()?;
    Ok(())
}

/// Ends a user's sessions but one.
pub fn delete_sessions_of(conn: &Connection, user: UserId, keep: Option<&str>) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE user_id = ?1 AND id_hash IS NOT ?2")
        .db()?
        .execute(params![user.0, keep])
        .db()?;
    Ok(())
}

/// Counts a hit in a fixed window.
pub fn rate_limit_hit(conn: &Connection, key: &str, window_ms: i64, max: u32, at: Timestamp) -> StoreResult<bool> {
    let now = ms(at);
    let count: i64 = conn
        .prepare_cached(
            "INSERT INTO rate_limits (key, window_start, count, last_hit) VALUES (?1, ?2, 1, ?2)
             ON CONFLICT (key) DO UPDATE SET
                 count = CASE WHEN window_start <= ?2 - ?3 THEN 1 ELSE count + 1 END,
                 window_start = CASE WHEN window_start <= ?2 - ?3 THEN ?2 ELSE window_start END,
                 last_hit = ?2
             RETURNING count",
        )
        .db()?
        .query_row(params![key, now, window_ms], |r| r.get(0))
        .db()?;
    Ok(count <= i64::from(max))
}

/// Where a limit stands, if its window is open.
pub fn rate_limit_peek(conn: &Connection, key: &str, window_ms: i64, at: Timestamp) -> StoreResult<Option<RateWindow>> {
    get(
        conn,
        "SELECT count, window_start, last_hit FROM rate_limits WHERE key = ?1 AND window_start > ?2 - ?3",
        params![key, ms(at), window_ms],
        |r| {
            let count: i64 = r.get(0)?;
            Ok(RateWindow {
                count: u32::try_from(count).unwrap_or(u32::MAX),
                started_at: tessera_core::time::from_millis(r.get(1)?),
                last_at: tessera_core::time::from_millis(r.get(2)?),
            })
        },
    )
}

/// Forgets the idle limits of a key prefix (a range over the key, so the
/// primary key's index serves it).
pub fn rate_limit_prune(conn: &Connection, prefix: &str, idle_before: Timestamp) -> StoreResult<u64> {
    let n = conn
        .prepare_cached("DELETE FROM rate_limits WHERE key >= ?1 AND key < ?1 || char(1114111) AND last_hit < ?2")
        .db()?
        .execute(params![prefix, ms(idle_before)])
        .db()?;
    Ok(n as u64)
}

/// Forgets a limit's hits.
pub fn rate_limit_clear(conn: &Connection, key: &str) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM rate_limits WHERE key = ?1").db()?.execute([key]).db()?;
    Ok(())
}

/// A setting.
pub fn setting(conn: &Connection, key: &str) -> StoreResult<Option<String>> {
    get(conn, "SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
}

/// Saves a setting.
pub fn set_setting(conn: &Connection, key: &str, value: &str) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .db()?
    .execute(params![key, value])
    .db()?;
    Ok(())
}
