//! The PostgreSQL backend of the [`Store`] trait, for several Tessera
//! instances sharing one database.
//!
//! # Design
//!
//! - **Connections.** Each store keeps a [`deadpool_postgres`] pool of
//!   [`db::POOL_SIZE`] connections over `tokio-postgres`, plus one
//!   dedicated LISTEN connection ([`notify`]). Reads run on a pooled
//!   connection; every write is one transaction at PostgreSQL's default
//!   READ COMMITTED isolation. No TLS: the database is expected on
//!   loopback or a private network (put a TLS tunnel or a local proxy in
//!   front of a remote one).
//! - **Nothing shared in memory.** Ticket updates check the version in the
//!   UPDATE's WHERE clause; ticket numbers are random and inserted with
//!   `ON CONFLICT DO NOTHING`, retried on a collision; rate limits and
//!   idempotency keys are single `INSERT … ON CONFLICT … RETURNING`
//!   statements; webhook deliveries are leased with `FOR UPDATE SKIP
//!   LOCKED`; the outbox cursor moves by compare-and-set.
//! - **Migrations** ([`db::MIGRATIONS`]) are embedded, numbered, recorded in
//!   `schema_migrations` and applied under a session advisory lock, so two
//!   instances starting together never both migrate.
//! - **Event order.** Workers tail the event log by id. Ids come from a
//!   sequence, and two concurrent transactions could commit out of id order:
//!   a reader that had seen the later id would skip the earlier forever. So
//!   every transaction that writes events takes one transaction-level
//!   advisory lock right before inserting them (the last thing it does
//!   before COMMIT): ids are then allocated, and made visible, in commit
//!   order (see `tickets::insert_events`).
//! - **Live updates.** The same statement sends `pg_notify`, delivered at
//!   commit to every instance's LISTEN connection, which wakes
//!   [`TicketStore::wait_for_events`].
//! - **Layout.** Each of the store's sub-traits is implemented in the module
//!   that holds its SQL (`tickets`, `search`, `directory`, `catalogue`,
//!   `access`, `views`, `hooks`, `sla`): reads on a pooled connection,
//!   writes in `transaction!`. The SQL both backends share, with
//!   PostgreSQL's spelling ([`tessera_store::sql::POSTGRES`]), is in
//!   [`tessera_store::sql`].
#![forbid(unsafe_code)]

/// Runs `$body`, a block that may `.await` and use `?`, in a transaction on
/// a pooled connection (`$tx` names a reference to it): commits when it
/// answers `Ok`, rolls back (drops the transaction) when it fails.
macro_rules! transaction {
    ($store:expr, |$tx:ident| $body:block) => {{
        let mut client = $store.client().await?;
        let transaction = client.transaction().await.db()?;
        let out: StoreResult<_> = {
            let $tx = &transaction;
            async { $body }.await
        };
        let out = out?;
        transaction.commit().await.db()?;
        Result::<_, StoreError>::Ok(out)
    }};
}

mod access;
mod catalogue;
pub mod db;
mod directory;
mod drafts;
mod hooks;
mod mail;
mod mailboxes;
pub mod notify;
mod outbound;
mod rows;
mod search;
mod sla;
#[cfg(feature = "testing")]
pub mod testing;
mod tickets;
mod views;

use deadpool_postgres::Pool;
use std::sync::Arc;
use tessera_store::*;

/// The PostgreSQL store: a connection pool and a LISTEN connection. Clones
/// share both.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    listener: Arc<notify::Listener>,
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/db`),
    /// applies pending migrations, and starts listening for new events.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config = db::parse_url(url)?;
        let pool = db::pool(config.clone())?;
        let mut client = db::client(&pool).await?;
        db::migrate_with(&mut client).await?;
        drop(client);
        let listener = Arc::new(notify::Listener::start(config).await?);
        Ok(Self { pool, listener })
    }

    /// The connection pool (for maintenance commands and tests).
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn client(&self) -> StoreResult<db::Client> {
        db::client(&self.pool).await
    }
}

/// Applies pending migrations to the database at `url` and answers the
/// names of those applied (`0001_init`…), for `tessera migrate`.
pub async fn migrate(url: &str) -> StoreResult<Vec<String>> {
    let pool = db::pool(db::parse_url(url)?)?;
    let mut client = db::client(&pool).await?;
    db::migrate_with(&mut client).await
}
