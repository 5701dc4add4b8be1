//! The connection pool, connecting, and the migrations runner.

use crate::rows::PgResultExt;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::str::FromStr;
use tessera_store::{StoreError, StoreResult};
use tokio_postgres::NoTls;

pub use deadpool_postgres::GenericClient as Db;

/// A pooled connection.
pub type Client = deadpool_postgres::Client;
/// A transaction on a pooled connection.
pub type Tx<'a> = deadpool_postgres::Transaction<'a>;

/// Connections in one instance's pool. Every instance of a deployment has
/// its own pool, so the database must allow `instances × (POOL_SIZE + 1)`
/// connections (the `+ 1` is the LISTEN connection).
pub const POOL_SIZE: usize = 12;

/// How long a caller waits for a free pooled connection before the store
/// answers an error (instead of hanging while the database is away).
const WAIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The advisory lock key taken (session-level) while migrating, so that two
/// instances starting together never both migrate: "tessmigr".
const MIGRATE_LOCK: i64 = 0x7465_7373_6d69_6772;

/// Every migration, in order: (version, name, SQL). Forward only.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (2, "search", include_str!("../migrations/0002_search.sql")),
    (3, "sla", include_str!("../migrations/0003_sla.sql")),
    (4, "view_times", include_str!("../migrations/0004_view_times.sql")),
    (5, "ticket_versions", include_str!("../migrations/0005_ticket_versions.sql")),
    (6, "rate_limit_last", include_str!("../migrations/0006_rate_limit_last.sql")),
    (7, "mail", include_str!("../migrations/0007_mail.sql")),
    (8, "mailboxes", include_str!("../migrations/0008_mailboxes.sql")),
    (9, "organization_domains", include_str!("../migrations/0009_organization_domains.sql")),
    (10, "mailbox_oauth", include_str!("../migrations/0010_mailbox_oauth.sql")),
    (11, "message_quote", include_str!("../migrations/0011_message_quote.sql")),
    (12, "mail_rules", include_str!("../migrations/0012_mail_rules.sql")),
    (13, "outbound_mail", include_str!("../migrations/0013_outbound_mail.sql")),
    (14, "sign_in_tokens", include_str!("../migrations/0014_sign_in_tokens.sql")),
    (15, "digests", include_str!("../migrations/0015_digests.sql")),
    (16, "drafts", include_str!("../migrations/0016_drafts.sql")),
    (17, "search_fold_accents", include_str!("../migrations/0017_search_fold_accents.sql")),
];

/// Parses a connection URL (`postgres://user@host:port/db`), without
/// echoing it back: it may hold a password.
pub fn parse_url(url: &str) -> StoreResult<tokio_postgres::Config> {
    let mut config = tokio_postgres::Config::from_str(url)
        .map_err(|e| StoreError::Backend(format!("invalid PostgreSQL URL: {e}")))?;
    if config.get_application_name().is_none() {
        config.application_name("tessera");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    Ok(config)
}

/// A pool of connections (plain TCP, no TLS: see the crate documentation).
pub fn pool(config: tokio_postgres::Config) -> StoreResult<Pool> {
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(WAIT_TIMEOUT))
        .create_timeout(Some(WAIT_TIMEOUT))
        .build()
        .map_err(|e| StoreError::Backend(format!("cannot build the connection pool: {e}")))
}

/// A connection from the pool (the database being away is `Unavailable`).
pub async fn client(pool: &Pool) -> StoreResult<Client> {
    // Whatever stops a connection being made (refused, not accepting
    // connections, too many, a bad password after a rotation) makes the
    // instance unable to serve, not a request wrong.
    pool.get().await.map_err(|e| StoreError::Unavailable(format!("no database connection: {e}")))
}

/// Applies the migrations the database has not seen yet, holding an
/// advisory lock meanwhile; answers the names of those applied.
pub async fn migrate_with(client: &mut Client) -> StoreResult<Vec<String>> {
    // Session-level: held across the per-migration transactions, released
    // below (or when the connection closes, if this task dies).
    client.execute("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK]).await.db()?;
    let result = apply(client).await;
    let unlock = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK]).await.db();
    let applied = result?;
    unlock?;
    Ok(applied)
}

async fn apply(client: &mut Client) -> StoreResult<Vec<String>> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await
        .db()?;
    let mut applied = Vec::new();
    for (version, name, sql) in MIGRATIONS {
        let tx = client.transaction().await.db()?;
        let done = tx.query_opt("SELECT 1 FROM schema_migrations WHERE version = $1", &[version]).await.db()?;
        if done.is_some() {
            continue;
        }
        tx.batch_execute(sql).await.db()?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) \
             VALUES ($1, $2, (extract(epoch FROM now()) * 1000)::bigint)",
            &[version, name],
        )
        .await
        .db()?;
        tx.commit().await.db()?;
        tracing::info!(version, name, "applied migration");
        applied.push(format!("{version:04}_{name}"));
    }
    Ok(applied)
}

/// Statement parameters as the driver takes them.
pub type Params<'a> = &'a [&'a (dyn tokio_postgres::types::ToSql + Sync)];

/// Every row of a (cached, prepared) statement.
pub async fn query(c: &impl Db, sql: &str, params: Params<'_>) -> StoreResult<Vec<tokio_postgres::Row>> {
    let st = c.prepare_cached(sql).await.db()?;
    c.query(&st, params).await.db()
}

/// The row of a statement, if any.
pub async fn query_opt(c: &impl Db, sql: &str, params: Params<'_>) -> StoreResult<Option<tokio_postgres::Row>> {
    let st = c.prepare_cached(sql).await.db()?;
    c.query_opt(&st, params).await.db()
}

/// The one row of a statement.
pub async fn query_one(c: &impl Db, sql: &str, params: Params<'_>) -> StoreResult<tokio_postgres::Row> {
    let st = c.prepare_cached(sql).await.db()?;
    c.query_one(&st, params).await.db()
}

/// Runs a statement; answers the rows it changed.
pub async fn execute(c: &impl Db, sql: &str, params: Params<'_>) -> StoreResult<u64> {
    let st = c.prepare_cached(sql).await.db()?;
    c.execute(&st, params).await.db()
}

/// Every row of SQL assembled at run time (filters, lists, paging), prepared
/// afresh each time: caching every shape such SQL can take would grow each
/// connection's statement cache (and the server's prepared statements)
/// without bound.
pub async fn query_dynamic(c: &impl Db, sql: &str, params: Params<'_>) -> StoreResult<Vec<tokio_postgres::Row>> {
    c.query(sql, params).await.db()
}
