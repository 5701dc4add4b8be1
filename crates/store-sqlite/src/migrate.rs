//! Embedded migrations, applied in order at start and by `tessera migrate`.

use crate::rows::SqlResultExt;
use rusqlite::Connection;
use tessera_store::StoreResult;

/// Every migration, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (2, "web", include_str!("../migrations/0002_web.sql")),
    (3, "hooks", include_str!("../migrations/0003_hooks.sql")),
    (4, "views", include_str!("../migrations/0004_views.sql")),
    (5, "search", include_str!("../migrations/0005_search.sql")),
    (6, "sla", include_str!("../migrations/0006_sla.sql")),
    (7, "counts", include_str!("../migrations/0007_counts.sql")),
    (8, "windows", include_str!("../migrations/0008_windows.sql")),
    (9, "view_times", include_str!("../migrations/0009_view_times.sql")),
    (10, "ticket_versions", include_str!("../migrations/0010_ticket_versions.sql")),
    (11, "rate_limit_last", include_str!("../migrations/0011_rate_limit_last.sql")),
    (12, "mail", include_str!("../migrations/0012_mail.sql")),
    (13, "mailboxes", include_str!("../migrations/0013_mailboxes.sql")),
    (14, "organization_domains", include_str!("../migrations/0014_organization_domains.sql")),
    (15, "mailbox_oauth", include_str!("../migrations/0015_mailbox_oauth.sql")),
    (16, "message_quote", include_str!("../migrations/0016_message_quote.sql")),
    (17, "mail_rules", include_str!("../migrations/0017_mail_rules.sql")),
    (18, "outbound_mail", include_str!("../migrations/0018_outbound_mail.sql")),
    (19, "sign_in_tokens", include_str!("../migrations/0019_sign_in_tokens.sql")),
    (20, "digests", include_str!("../migrations/0020_digests.sql")),
    (21, "drafts", include_str!("../migrations/0021_drafts.sql")),
    (22, "search_fold_accents", include_str!("../migrations/0022_search_fold_accents.sql")),
];

/// Applies the migrations `conn` has not seen yet; answers how many ran.
pub fn migrate(conn: &Connection) -> StoreResult<usize> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )
    .db()?;
    let mut ran = 0;
    for (version, name, sql) in MIGRATIONS {
        conn.execute_batch("BEGIN IMMEDIATE").db()?;
        let done: bool = conn
            .query_row("SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = ?1)", [version], |r| r.get(0))
            .db()?;
        if done {
            conn.execute_batch("COMMIT").db()?;
            continue;
        }
        let applied = conn.execute_batch(sql).and_then(|()| {
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, strftime('%s','now') * 1000)",
                rusqlite::params![version, name],
            )
        });
        match applied {
            Ok(_) => {
                conn.execute_batch("COMMIT").db()?;
                tracing::info!(version, name, "applied migration");
                ran += 1;
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e).db();
            }
        }
    }
    Ok(ran)
}
