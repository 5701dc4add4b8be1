//! entities (being ported from the SQLite store).

#![allow(unused_variables, clippy::unused_async)]

use crate::db::{Db, Tx};
use tessera_core::custom_field::CustomFieldDef;
use tessera_core::ids::*;
use tessera_core::status::Status;
use tessera_core::*;
use tessera_store::*;

fn nb() -> StoreError {
    StoreError::Backend("not built yet".into())
}

/// Stub.
pub async fn insert_user(c: &impl Db, mut u: User) -> StoreResult<User> {
    Err(nb())
}

/// Stub.
pub async fn update_user(c: &impl Db, u: &User) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn users_named(c: &impl Db, name: &str, limit: u32) -> StoreResult<Vec<User>> {
    Err(nb())
}

/// Stub.
pub async fn user(c: &impl Db, id: UserId) -> StoreResult<Option<User>> {
    Err(nb())
}

/// Stub.
pub async fn user_by_email(c: &impl Db, email: &str) -> StoreResult<Option<User>> {
    Err(nb())
}

/// Stub.
pub async fn list_users(c: &impl Db, q: &UserQuery) -> StoreResult<Vec<User>> {
    Err(nb())
}

/// Stub.
pub async fn insert_organization(c: &impl Db, mut o: Organization) -> StoreResult<Organization> {
    Err(nb())
}

/// Stub.
pub async fn update_organization(c: &impl Db, o: &Organization) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn organization(c: &impl Db, id: OrganizationId) -> StoreResult<Option<Organization>> {
    Err(nb())
}

/// Stub.
pub async fn list_organizations(c: &impl Db) -> StoreResult<Vec<Organization>> {
    Err(nb())
}

/// Stub.
pub async fn insert_department(c: &impl Db, mut d: Department) -> StoreResult<Department> {
    Err(nb())
}

/// Stub.
pub async fn update_department(c: &impl Db, d: &Department) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn department(c: &impl Db, id: DepartmentId) -> StoreResult<Option<Department>> {
    Err(nb())
}

/// Stub.
pub async fn list_departments(c: &impl Db) -> StoreResult<Vec<Department>> {
    Err(nb())
}

/// Stub.
pub async fn set_department_members(c: &impl Db, dept: DepartmentId, members: &[UserId]) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn department_members(c: &impl Db, dept: DepartmentId) -> StoreResult<Vec<UserId>> {
    Err(nb())
}

/// Stub.
pub async fn user_departments(c: &impl Db, user: UserId) -> StoreResult<Vec<DepartmentId>> {
    Err(nb())
}

/// Stub.
pub async fn insert_service(c: &impl Db, mut s: Service) -> StoreResult<Service> {
    Err(nb())
}

/// Stub.
pub async fn update_service(c: &impl Db, s: &Service) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn service(c: &impl Db, id: ServiceId) -> StoreResult<Option<Service>> {
    Err(nb())
}

/// Stub.
pub async fn service_by_external_id(c: &impl Db, kind: ServiceKind, ext: &str) -> StoreResult<Option<Service>> {
    Err(nb())
}

/// Stub.
pub async fn list_services(c: &impl Db, owner: Option<UserId>) -> StoreResult<Vec<Service>> {
    Err(nb())
}

/// Stub.
pub async fn statuses(c: &impl Db) -> StoreResult<Vec<Status>> {
    Err(nb())
}

/// Stub.
pub async fn insert_status(c: &impl Db, s: Status) -> StoreResult<Status> {
    Err(nb())
}

/// Stub.
pub async fn custom_fields(c: &impl Db) -> StoreResult<Vec<CustomFieldDef>> {
    Err(nb())
}

/// Stub.
pub async fn insert_custom_field(c: &impl Db, mut f: CustomFieldDef) -> StoreResult<CustomFieldDef> {
    Err(nb())
}

/// Stub.
pub async fn update_custom_field(c: &impl Db, f: &CustomFieldDef) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn delete_custom_field(c: &impl Db, id: CustomFieldId) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn insert_token(c: &impl Db, mut t: TokenRecord) -> StoreResult<TokenRecord> {
    Err(nb())
}

/// Stub.
pub async fn token_by_identifier(c: &impl Db, identifier: &str) -> StoreResult<Option<TokenRecord>> {
    Err(nb())
}

/// Stub.
pub async fn token(c: &impl Db, id: TokenId) -> StoreResult<Option<TokenRecord>> {
    Err(nb())
}

/// Stub.
pub async fn tokens_of(c: &impl Db, user: UserId) -> StoreResult<Vec<TokenRecord>> {
    Err(nb())
}

/// Stub.
pub async fn revoke_token(c: &impl Db, id: TokenId, at: Timestamp) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn insert_attachment(c: &impl Db, mut a: AttachmentRecord) -> StoreResult<AttachmentRecord> {
    Err(nb())
}

/// Stub.
pub async fn attachment(c: &impl Db, id: AttachmentId) -> StoreResult<Option<AttachmentRecord>> {
    Err(nb())
}

/// Stub.
pub async fn idempotency_begin(
    c: &impl Db,
    key: &IdempotencyKey,
    fingerprint: &str,
    at: Timestamp,
) -> StoreResult<IdempotencyBegin> {
    Err(nb())
}

/// Stub.
pub async fn idempotency_finish(c: &impl Db, key: &IdempotencyKey, status: u16, body: &[u8]) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn idempotency_abandon(c: &impl Db, key: &IdempotencyKey) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn insert_session(c: &impl Db, s: &SessionRecord) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn session(c: &impl Db, id_hash: &str) -> StoreResult<Option<SessionRecord>> {
    Err(nb())
}

/// Stub.
pub async fn touch_session(c: &impl Db, id_hash: &str, seen: Timestamp, expires: Timestamp) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn delete_session(c: &impl Db, id_hash: &str) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn delete_sessions_of(c: &impl Db, user: UserId, keep: Option<&str>) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn rate_limit_hit(c: &impl Db, key: &str, window_ms: i64, max: u32, at: Timestamp) -> StoreResult<bool> {
    Err(nb())
}

/// Stub.
pub async fn rate_limit_clear(c: &impl Db, key: &str) -> StoreResult<()> {
    Err(nb())
}

/// Stub.
pub async fn setting(c: &impl Db, key: &str) -> StoreResult<Option<String>> {
    Err(nb())
}

/// Stub.
pub async fn set_setting(c: &impl Db, key: &str, value: &str) -> StoreResult<()> {
    Err(nb())
}
