//! Everything that is not a ticket: users, organizations, departments,
//! services, statuses, custom fields, tokens, attachments, idempotency keys,
//! sessions, rate limits and settings.

use crate::db::{Db, Tx, execute, query, query_dynamic, query_one, query_opt};
use crate::rows::*;
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::Status;
use tessera_core::{Department, Organization, Service, ServiceKind, Timestamp, User};
use tessera_store::sql::Value;
use tessera_store::*;

fn new_id(row: &tokio_postgres::Row) -> StoreResult<i64> {
    PgRow(row).int(0)
}

// ---- users ----------------------------------------------------------------------

/// Creates a user.
pub async fn insert_user(c: &impl Db, mut u: User) -> StoreResult<User> {
    let row = query_one(
        c,
        "INSERT INTO users (email, email_key, name, role, organization_id, sees_all, password_hash, locale, disabled, \
         created_at, updated_at, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        &[
            &u.email.as_str(),
            &u.email.normalized(),
            &u.name,
            &u.role.as_str(),
            &u.organization_id.map(|o| o.0),
            &b(u.sees_all),
            &u.password_hash,
            &u.locale,
            &b(u.disabled),
            &ms(u.created_at),
            &ms(u.updated_at),
            &u.time_zone,
        ],
    )
    .await?;
    u.id = UserId(new_id(&row)?);
    Ok(u)
}

/// Saves a user (and re-indexes their tickets when their name or e-mail,
/// which tickets are found by, changed).
pub async fn update_user(tx: &Tx<'_>, u: &User) -> StoreResult<()> {
    let before = query_opt(tx, "SELECT name, email FROM users WHERE id = $1 FOR UPDATE", &[&u.id.0]).await?;
    let n = execute(
        tx,
        "UPDATE users SET email = $1, email_key = $2, name = $3, role = $4, organization_id = $5, sees_all = $6, \
         password_hash = $7, locale = $8, disabled = $9, updated_at = $10, time_zone = $12 WHERE id = $11",
        &[
            &u.email.as_str(),
            &u.email.normalized(),
            &u.name,
            &u.role.as_str(),
            &u.organization_id.map(|o| o.0),
            &b(u.sees_all),
            &u.password_hash,
            &u.locale,
            &b(u.disabled),
            &ms(u.updated_at),
            &u.id.0,
            &u.time_zone,
        ],
    )
    .await?;
    one_row(n)?;
    if let Some(r) = before
        && (PgRow(&r).text(0)? != u.name || PgRow(&r).text(1)? != u.email.as_str())
    {
        crate::search::index_requester_tickets(tx, u.id).await?;
    }
    Ok(())
}

/// Users whose name folds to the same text as `name` (a scan: names have
/// no index; this serves `requester:"Name"` searches).
pub async fn users_named(c: &impl Db, name: &str, limit: u32) -> StoreResult<Vec<User>> {
    let want = tessera_core::search::fold(name.trim());
    let rows = query(c, "SELECT id, name FROM users ORDER BY id", &[]).await?;
    let mut ids = Vec::new();
    for r in &rows {
        if tessera_core::search::fold(PgRow(r).text(1)?.trim()) == want {
            ids.push(PgRow(r).int::<i64>(0)?);
            if ids.len() >= limit as usize {
                break;
            }
        }
    }
    let sql = format!("SELECT {USER_SELECT} FROM users WHERE id = ANY($1) ORDER BY id");
    all(query(c, &sql, &[&ids]).await?, user_from_row)
}

/// One user.
pub async fn user(c: &impl Db, id: UserId) -> StoreResult<Option<User>> {
    one(query_opt(c, &format!("SELECT {USER_SELECT} FROM users WHERE id = $1"), &[&id.0]).await?, user_from_row)
}

/// One user by e-mail.
pub async fn user_by_email(c: &impl Db, email: &str) -> StoreResult<Option<User>> {
    // No stored text holds NUL, and PostgreSQL refuses to bind one.
    if email.contains('\0') {
        return Ok(None);
    }
    let key = email.trim().to_lowercase();
    one(query_opt(c, &format!("SELECT {USER_SELECT} FROM users WHERE email_key = $1"), &[&key]).await?, user_from_row)
}

/// A page of users.
pub async fn list_users(c: &impl Db, q: &UserQuery) -> StoreResult<Vec<User>> {
    let mut w = vec!["id > ?".to_string()];
    let mut v = vec![Value::Int(q.after.map_or(0, |u| u.0))];
    if let Some(r) = q.role {
        w.push("role = ?".into());
        v.push(Value::Text(r.as_str().into()));
    }
    if let Some(o) = q.organization_id {
        w.push("organization_id = ?".into());
        v.push(Value::Int(o.0));
    }
    if let Some(s) = &q.search {
        w.push("(strpos(email_key, ?) > 0 OR strpos(lower(name), ?) > 0)".into());
        let s = s.to_lowercase();
        v.push(Value::Text(s.clone()));
        v.push(Value::Text(s));
    }
    let sql = format!(
        "SELECT {USER_SELECT} FROM users WHERE {} ORDER BY id LIMIT {}",
        w.join(" AND "),
        q.limit.clamp(1, 1000)
    );
    all(query_dynamic(c, &numbered(&sql), &bound(&binds(&v))).await?, user_from_row)
}

// ---- organizations ----------------------------------------------------------------

/// Creates an organization.
pub async fn insert_organization(c: &impl Db, mut o: Organization) -> StoreResult<Organization> {
    let row = query_one(
        c,
        "INSERT INTO organizations (name, external_id, notes, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        &[&o.name, &o.external_id, &o.notes, &ms(o.created_at)],
    )
    .await?;
    o.id = OrganizationId(new_id(&row)?);
    Ok(o)
}

/// Saves an organization.
pub async fn update_organization(c: &impl Db, o: &Organization) -> StoreResult<()> {
    let n = execute(
        c,
        "UPDATE organizations SET name = $1, external_id = $2, notes = $3 WHERE id = $4",
        &[&o.name, &o.external_id, &o.notes, &o.id.0],
    )
    .await?;
    one_row(n)
}

/// One organization.
pub async fn organization(c: &impl Db, id: OrganizationId) -> StoreResult<Option<Organization>> {
    let sql = format!("SELECT {ORGANIZATION_SELECT} FROM organizations WHERE id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, organization_from_row)
}

/// All organizations (names in code-point order, as SQLite sorts them).
pub async fn list_organizations(c: &impl Db) -> StoreResult<Vec<Organization>> {
    let sql = format!("SELECT {ORGANIZATION_SELECT} FROM organizations ORDER BY name COLLATE \"C\", id");
    all(query(c, &sql, &[]).await?, organization_from_row)
}

// ---- departments --------------------------------------------------------------------

/// Creates a department.
pub async fn insert_department(c: &impl Db, mut d: Department) -> StoreResult<Department> {
    let row = query_one(
        c,
        "INSERT INTO departments (name, description, public, email, auto_assign, requires_service, signature, position, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        &[
            &d.name,
            &d.description,
            &b(d.public),
            &d.email,
            &auto_assign_str(d.auto_assign),
            &b(d.requires_service),
            &d.signature,
            &d.position,
            &ms(d.created_at),
        ],
    )
    .await?;
    d.id = DepartmentId(new_id(&row)?);
    Ok(d)
}

/// Saves a department.
pub async fn update_department(c: &impl Db, d: &Department) -> StoreResult<()> {
    let n = execute(
        c,
        "UPDATE departments SET name = $1, description = $2, public = $3, email = $4, auto_assign = $5, \
         requires_service = $6, signature = $7, position = $8 WHERE id = $9",
        &[
            &d.name,
            &d.description,
            &b(d.public),
            &d.email,
            &auto_assign_str(d.auto_assign),
            &b(d.requires_service),
            &d.signature,
            &d.position,
            &d.id.0,
        ],
    )
    .await?;
    one_row(n)
}

/// One department.
pub async fn department(c: &impl Db, id: DepartmentId) -> StoreResult<Option<Department>> {
    let sql = format!("SELECT {DEPARTMENT_SELECT} FROM departments WHERE id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, department_from_row)
}

/// All departments.
pub async fn list_departments(c: &impl Db) -> StoreResult<Vec<Department>> {
    let sql = format!("SELECT {DEPARTMENT_SELECT} FROM departments ORDER BY position, name COLLATE \"C\"");
    all(query(c, &sql, &[]).await?, department_from_row)
}

/// Replaces the members of a department.
pub async fn set_department_members(tx: &Tx<'_>, dept: DepartmentId, members: &[UserId]) -> StoreResult<()> {
    // Locks the department row, so two replacements never interleave.
    if query_opt(tx, "SELECT 1 FROM departments WHERE id = $1 FOR UPDATE", &[&dept.0]).await?.is_none() {
        return Err(StoreError::NotFound);
    }
    execute(tx, "DELETE FROM department_members WHERE department_id = $1", &[&dept.0]).await?;
    let ids: Vec<i64> = members.iter().map(|m| m.0).collect();
    execute(
        tx,
        "INSERT INTO department_members (department_id, user_id) SELECT $1, u FROM unnest($2::bigint[]) AS u \
         ON CONFLICT DO NOTHING",
        &[&dept.0, &ids],
    )
    .await?;
    Ok(())
}

/// A department's members.
pub async fn department_members(c: &impl Db, dept: DepartmentId) -> StoreResult<Vec<UserId>> {
    let rows = query(c, "SELECT user_id FROM department_members WHERE department_id = $1 ORDER BY user_id", &[&dept.0])
        .await?;
    all(rows, |r| Ok(UserId(r.int(0)?)))
}

/// The departments of a user.
pub async fn user_departments(c: &impl Db, user: UserId) -> StoreResult<Vec<DepartmentId>> {
    let rows =
        query(c, "SELECT department_id FROM department_members WHERE user_id = $1 ORDER BY department_id", &[&user.0])
            .await?;
    all(rows, |r| Ok(DepartmentId(r.int(0)?)))
}

// ---- services -------------------------------------------------------------------------

/// Creates a service.
pub async fn insert_service(c: &impl Db, mut s: Service) -> StoreResult<Service> {
    let row = query_one(
        c,
        "INSERT INTO services (kind, external_id, label, owner_id, status, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        &[
            &s.kind.as_str(),
            &s.external_id,
            &s.label,
            &s.owner_id.0,
            &s.status.as_str(),
            &ms(s.created_at),
            &ms(s.updated_at),
        ],
    )
    .await?;
    s.id = ServiceId(new_id(&row)?);
    Ok(s)
}

/// Saves a service.
pub async fn update_service(c: &impl Db, s: &Service) -> StoreResult<()> {
    let n = execute(
        c,
        "UPDATE services SET kind = $1, external_id = $2, label = $3, owner_id = $4, status = $5, updated_at = $6 \
         WHERE id = $7",
        &[&s.kind.as_str(), &s.external_id, &s.label, &s.owner_id.0, &s.status.as_str(), &ms(s.updated_at), &s.id.0],
    )
    .await?;
    one_row(n)
}

/// One service.
pub async fn service(c: &impl Db, id: ServiceId) -> StoreResult<Option<Service>> {
    let sql = format!("SELECT {SERVICE_SELECT} FROM services WHERE id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, service_from_row)
}

/// One service by billing id.
pub async fn service_by_external_id(c: &impl Db, kind: ServiceKind, ext: &str) -> StoreResult<Option<Service>> {
    let sql = format!("SELECT {SERVICE_SELECT} FROM services WHERE kind = $1 AND external_id = $2");
    one(query_opt(c, &sql, &[&kind.as_str(), &ext]).await?, service_from_row)
}

/// Services, optionally of one owner.
pub async fn list_services(c: &impl Db, owner: Option<UserId>) -> StoreResult<Vec<Service>> {
    let rows = match owner {
        Some(o) => {
            query(c, &format!("SELECT {SERVICE_SELECT} FROM services WHERE owner_id = $1 ORDER BY id"), &[&o.0]).await?
        }
        None => query(c, &format!("SELECT {SERVICE_SELECT} FROM services ORDER BY id"), &[]).await?,
    };
    all(rows, service_from_row)
}

// ---- statuses and custom fields --------------------------------------------------------

/// The status catalogue.
pub async fn statuses(c: &impl Db) -> StoreResult<Vec<Status>> {
    let rows = query(
        c,
        "SELECT key, name, category, position, builtin FROM statuses ORDER BY position, key COLLATE \"C\"",
        &[],
    )
    .await?;
    all(rows, status_from_row)
}

/// Adds a status.
pub async fn insert_status(c: &impl Db, s: Status) -> StoreResult<Status> {
    execute(
        c,
        "INSERT INTO statuses (key, name, category, position, builtin) VALUES ($1, $2, $3, $4, $5)",
        &[&s.key.0, &s.name, &s.category.as_str(), &s.position, &b(s.builtin)],
    )
    .await?;
    Ok(s)
}

/// Custom field definitions.
pub async fn custom_fields(c: &impl Db) -> StoreResult<Vec<CustomFieldDef>> {
    let sql = format!("SELECT {CUSTOM_FIELD_SELECT} FROM custom_fields ORDER BY position, id");
    all(query(c, &sql, &[]).await?, custom_field_from_row)
}

/// Creates a custom field.
pub async fn insert_custom_field(c: &impl Db, mut f: CustomFieldDef) -> StoreResult<CustomFieldDef> {
    let v = custom_field_values(&f)?;
    let row = query_one(
        c,
        "INSERT INTO custom_fields (key, labels, field_type, required, options, customer_visible, customer_editable, \
         department_ids, wipe_on_solve, position, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING id",
        &bound(&binds(&v)),
    )
    .await?;
    f.id = CustomFieldId(new_id(&row)?);
    Ok(f)
}

/// Saves a custom field.
pub async fn update_custom_field(c: &impl Db, f: &CustomFieldDef) -> StoreResult<()> {
    let mut v = custom_field_values(f)?;
    v.push(Value::Int(f.id.0));
    let n = execute(
        c,
        "UPDATE custom_fields SET key = $1, labels = $2, field_type = $3, required = $4, options = $5, \
         customer_visible = $6, customer_editable = $7, department_ids = $8, wipe_on_solve = $9, position = $10, \
         created_at = $11 WHERE id = $12",
        &bound(&binds(&v)),
    )
    .await?;
    one_row(n)
}

/// Removes a custom field.
pub async fn delete_custom_field(c: &impl Db, id: CustomFieldId) -> StoreResult<()> {
    one_row(execute(c, "DELETE FROM custom_fields WHERE id = $1", &[&id.0]).await?)
}

// ---- tokens ------------------------------------------------------------------------------

/// Stores a token.
pub async fn insert_token(c: &impl Db, mut t: TokenRecord) -> StoreResult<TokenRecord> {
    let row = query_one(
        c,
        "INSERT INTO tokens (user_id, name, identifier, secret_hash, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        &[&t.user_id.0, &t.name, &t.identifier, &t.secret_hash, &ms(t.created_at), &t.revoked_at.map(ms)],
    )
    .await?;
    t.id = TokenId(new_id(&row)?);
    Ok(t)
}

/// A token by identifier.
pub async fn token_by_identifier(c: &impl Db, identifier: &str) -> StoreResult<Option<TokenRecord>> {
    // No stored text holds NUL, and PostgreSQL refuses to bind one.
    if identifier.contains('\0') {
        return Ok(None);
    }
    let sql = format!("SELECT {TOKEN_SELECT} FROM tokens WHERE identifier = $1");
    one(query_opt(c, &sql, &[&identifier]).await?, token_from_row)
}

/// One token.
pub async fn token(c: &impl Db, id: TokenId) -> StoreResult<Option<TokenRecord>> {
    one(query_opt(c, &format!("SELECT {TOKEN_SELECT} FROM tokens WHERE id = $1"), &[&id.0]).await?, token_from_row)
}

/// A user's tokens.
pub async fn tokens_of(c: &impl Db, user: UserId) -> StoreResult<Vec<TokenRecord>> {
    let sql = format!("SELECT {TOKEN_SELECT} FROM tokens WHERE user_id = $1 ORDER BY id");
    all(query(c, &sql, &[&user.0]).await?, token_from_row)
}

/// Revokes a token (revoking twice keeps the first time).
pub async fn revoke_token(c: &impl Db, id: TokenId, at: Timestamp) -> StoreResult<()> {
    let n =
        execute(c, "UPDATE tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2", &[&ms(at), &id.0]).await?;
    one_row(n)
}

// ---- attachments ---------------------------------------------------------------------------

/// Records an upload.
pub async fn insert_attachment(c: &impl Db, mut a: AttachmentRecord) -> StoreResult<AttachmentRecord> {
    let row = query_one(
        c,
        "INSERT INTO attachments (sha256, filename, content_type, size, uploader_id, ticket_id, message_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        &[
            &a.sha256,
            &a.filename,
            &a.content_type,
            &a.size,
            &a.uploader_id.0,
            &a.ticket_id.map(|t| t.0),
            &a.message_id.map(|m| m.0),
            &ms(a.created_at),
        ],
    )
    .await?;
    a.id = AttachmentId(new_id(&row)?);
    Ok(a)
}

/// One attachment.
pub async fn attachment(c: &impl Db, id: AttachmentId) -> StoreResult<Option<AttachmentRecord>> {
    let sql = format!("SELECT {ATTACHMENT_SELECT} FROM attachments WHERE id = $1");
    one(query_opt(c, &sql, &[&id.0]).await?, attachment_from_row)
}

// ---- idempotency and settings ------------------------------------------------------------------

/// A request still "in progress" after this long is taken to have died.
const STALE_MS: i64 = 5 * 60 * 1000;

/// Starts or looks up an idempotent request. Who starts it is decided by one
/// statement: the insert, or the take-over of a stale unfinished row,
/// answers a row only to the one caller that wrote it.
pub async fn idempotency_begin(
    c: &impl Db,
    key: &IdempotencyKey,
    fingerprint: &str,
    at: Timestamp,
) -> StoreResult<IdempotencyBegin> {
    let now = ms(at);
    // A row that vanishes between the two statements (abandoned meanwhile)
    // is retried; three rounds are plenty.
    for _ in 0..3 {
        let started = query_opt(
            c,
            "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at) \
             VALUES ($1, $2, $3, NULL, NULL, $4) \
             ON CONFLICT (user_id, key) DO UPDATE SET fingerprint = excluded.fingerprint, created_at = excluded.created_at \
             WHERE idempotency_keys.status IS NULL AND idempotency_keys.created_at <= $4 - $5 \
             RETURNING 1",
            &[&key.user_id.0, &key.key, &fingerprint, &now, &STALE_MS],
        )
        .await?;
        if started.is_some() {
            return Ok(IdempotencyBegin::Started);
        }
        let found = query_opt(
            c,
            "SELECT fingerprint, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2",
            &[&key.user_id.0, &key.key],
        )
        .await?;
        let Some(r) = found else { continue };
        return match PgRow(&r).int_opt::<i64>(1)? {
            Some(status) => {
                let body: Option<Vec<u8>> = r.try_get(2).map_err(map_err)?;
                Ok(IdempotencyBegin::Done {
                    fingerprint: PgRow(&r).text(0)?,
                    status: u16::try_from(status).unwrap_or(500),
                    body: body.unwrap_or_default(),
                })
            }
            None => Ok(IdempotencyBegin::InProgress),
        };
    }
    Ok(IdempotencyBegin::InProgress)
}

/// Saves the answer of an idempotent request.
pub async fn idempotency_finish(c: &impl Db, key: &IdempotencyKey, status: u16, body: &[u8]) -> StoreResult<()> {
    execute(
        c,
        "UPDATE idempotency_keys SET status = $1, body = $2 WHERE user_id = $3 AND key = $4",
        &[&i64::from(status), &body, &key.user_id.0, &key.key],
    )
    .await?;
    Ok(())
}

/// Forgets an idempotent request.
pub async fn idempotency_abandon(c: &impl Db, key: &IdempotencyKey) -> StoreResult<()> {
    execute(
        c,
        "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL",
        &[&key.user_id.0, &key.key],
    )
    .await?;
    Ok(())
}

/// Stores a session.
pub async fn insert_session(c: &impl Db, s: &SessionRecord) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO sessions (id_hash, user_id, ticket_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &s.id_hash,
            &s.user_id.0,
            &s.ticket_id.map(|t| t.0),
            &s.csrf_token,
            &ms(s.created_at),
            &ms(s.last_seen_at),
            &ms(s.expires_at),
        ],
    )
    .await?;
    Ok(())
}

/// A session.
pub async fn session(c: &impl Db, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
    // No stored text holds NUL, and PostgreSQL refuses to bind one.
    if id_hash.contains('\0') {
        return Ok(None);
    }
    let row = query_opt(
        c,
        "SELECT id_hash, user_id, ticket_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = $1",
        &[&id_hash],
    )
    .await?;
    one(row, |r| {
        Ok(SessionRecord {
            id_hash: r.text(0)?,
            user_id: UserId(r.int(1)?),
            ticket_id: r.int_opt(2)?.map(TicketId),
            csrf_token: r.text(3)?,
            created_at: r.ts(4)?,
            last_seen_at: r.ts(5)?,
            expires_at: r.ts(6)?,
        })
    })
}

/// Moves a session's expiry.
pub async fn touch_session(c: &impl Db, id_hash: &str, seen: Timestamp, expires: Timestamp) -> StoreResult<()> {
    execute(
        c,
        "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3",
        &[&ms(seen), &ms(expires), &id_hash],
    )
    .await?;
    Ok(())
}

/// Ends a session.
pub async fn delete_session(c: &impl Db, id_hash: &str) -> StoreResult<()> {
    execute(c, "DELETE FROM sessions WHERE id_hash = $1", &[&id_hash]).await?;
    Ok(())
}

/// Ends a user's sessions but one.
pub async fn delete_sessions_of(c: &impl Db, user: UserId, keep: Option<&str>) -> StoreResult<()> {
    execute(c, "DELETE FROM sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2::text", &[&user.0, &keep])
        .await?;
    Ok(())
}

/// Counts a hit in a fixed window, in one statement (two instances counting
/// the same key never lose a hit).
pub async fn rate_limit_hit(c: &impl Db, key: &str, window_ms: i64, max: u32, at: Timestamp) -> StoreResult<bool> {
    let row = query_one(
        c,
        "INSERT INTO rate_limits (key, window_start, count, last_hit) VALUES ($1, $2, 1, $2)
         ON CONFLICT (key) DO UPDATE SET
             count = CASE WHEN rate_limits.window_start <= $2 - $3 THEN 1 ELSE rate_limits.count + 1 END,
             window_start = CASE WHEN rate_limits.window_start <= $2 - $3 THEN $2 ELSE rate_limits.window_start END,
             last_hit = $2
         RETURNING count",
        &[&key, &ms(at), &window_ms],
    )
    .await?;
    Ok(PgRow(&row).int::<i64>(0)? <= i64::from(max))
}

/// Where a limit stands, if its window is open.
pub async fn rate_limit_peek(c: &impl Db, key: &str, window_ms: i64, at: Timestamp) -> StoreResult<Option<RateWindow>> {
    one(
        query_opt(
            c,
            "SELECT count, window_start, last_hit FROM rate_limits WHERE key = $1 AND window_start > $2::BIGINT - $3::BIGINT",
            &[&key, &ms(at), &window_ms],
        )
        .await?,
        |r| {
            let count: i64 = r.int(0)?;
            Ok(RateWindow { count: u32::try_from(count).unwrap_or(u32::MAX), started_at: r.ts(1)?, last_at: r.ts(2)? })
        },
    )
}

/// Forgets the idle limits of a key prefix.
pub async fn rate_limit_prune(c: &impl Db, prefix: &str, idle_before: Timestamp) -> StoreResult<u64> {
    // `starts_with`, not a range: under a linguistic collation a range of
    // text is not a prefix. Pruning is rare, a scan is fine.
    execute(
        c,
        "DELETE FROM rate_limits WHERE starts_with(key, $1) AND last_hit < $2::BIGINT",
        &[&prefix, &ms(idle_before)],
    )
    .await
}

/// Forgets a limit's hits.
pub async fn rate_limit_clear(c: &impl Db, key: &str) -> StoreResult<()> {
    execute(c, "DELETE FROM rate_limits WHERE key = $1", &[&key]).await?;
    Ok(())
}

/// A setting.
pub async fn setting(c: &impl Db, key: &str) -> StoreResult<Option<String>> {
    // No stored text holds NUL, and PostgreSQL refuses to bind one.
    if key.contains('\0') {
        return Ok(None);
    }
    one(query_opt(c, "SELECT value FROM settings WHERE key = $1", &[&key]).await?, |r| r.text(0))
}

/// Saves a setting.
pub async fn set_setting(c: &impl Db, key: &str, value: &str) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&key, &value],
    )
    .await?;
    Ok(())
}
