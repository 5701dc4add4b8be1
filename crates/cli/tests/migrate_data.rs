//! `tessera migrate-data`, black-box: an installation copied from SQLite to
//! PostgreSQL and back is the same installation, and a copy never lands on
//! a database that already holds one.
//!
//! Needs the cluster named by `TESSERA_TEST_POSTGRES` (scripts/test starts
//! one); fails without it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use rusqlite::Connection;
use rusqlite::types::Value;
use std::path::Path;
use support::*;
use tessera_store_postgres::testing::TempDatabase;

/// Every row of every table an installation keeps (not the backends' own
/// index and tally tables), in a stable order: what an export would hold.
fn export(db: &Path) -> Vec<(String, Vec<Vec<Value>>)> {
    let conn = Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'search_%'
             AND name NOT LIKE 'sqlite_%' AND name NOT IN ('ticket_counts', 'schema_migrations') ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let n = stmt.column_count();
            let mut rows: Vec<Vec<Value>> = stmt
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
            (t, rows)
        })
        .collect()
}

fn ok(out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "the command failed: {stderr}");
    stderr
}

fn count(db: &Path, sql: &str) -> i64 {
    Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installation_goes_to_postgres_and_back_unchanged() {
    let first = tempfile::tempdir().unwrap();
    ok(&tessera(first.path(), &["demo", "--tickets", "60"]));
    let source = first.path().join("tessera.db");
    let tickets = count(&source, "SELECT count(*) FROM tickets");
    let messages = count(&source, "SELECT count(*) FROM messages");
    assert!(tickets >= 60 && messages > tickets, "{tickets} tickets, {messages} messages");
    // Tickets kept at their versions for webhooks (decision 31) travel too.
    let kept = "INSERT INTO ticket_versions (ticket_id, version, ticket) \
                SELECT id, version, json_object('id', id, 'subject', subject) FROM tickets LIMIT 5";
    assert_eq!(Connection::open(&source).unwrap().execute(kept, []).unwrap(), 5);

    // SQLite -> PostgreSQL.
    let pg = TempDatabase::create().await;
    let log = ok(&tessera(first.path(), &["migrate-data", "--from", "sqlite:tessera.db", "--to", pg.url()]));
    assert!(log.contains("copied and verified"), "{log}");
    assert!(log.contains(&format!("{tickets} tickets indexed")), "the search index is rebuilt on the target: {log}");

    // A second copy into the same database is refused and changes nothing.
    let again = tessera(first.path(), &["migrate-data", "--from", "sqlite:tessera.db", "--to", pg.url()]);
    assert!(!again.status.success());
    let why = String::from_utf8_lossy(&again.stderr);
    assert!(why.contains("already holds an installation"), "{why}");

    // PostgreSQL -> a new SQLite installation.
    let second = tempfile::tempdir().unwrap();
    let log = ok(&tessera(second.path(), &["migrate-data", "--from", pg.url(), "--to", "sqlite:tessera.db"]));
    assert!(log.contains("copied and verified"), "{log}");
    let copy = second.path().join("tessera.db");
    let (a, b) = (export(&source), export(&copy));
    assert_eq!(a.len(), b.len(), "the same tables");
    for ((ta, ra), (tb, rb)) in a.iter().zip(&b) {
        assert_eq!(ta, tb);
        assert_eq!(ra.len(), rb.len(), "table {ta}: row count");
        assert_eq!(ra, rb, "table {ta}: every row identical after the round trip");
    }
    // The view tally was rebuilt by the target's own triggers.
    assert_eq!(
        count(&source, "SELECT sum(n) FROM ticket_counts"),
        count(&copy, "SELECT sum(n) FROM ticket_counts"),
        "the view counts agree"
    );

    // The copy serves: same key, and the same tickets found by search.
    std::fs::copy(first.path().join("secret.key"), second.path().join("secret.key")).unwrap();
    let mut found = Vec::new();
    for dir in [first.path(), second.path()] {
        let t = token_for(dir, "admin@localhost");
        let server = serve(dir);
        let r = get_json(&server.base, "/api/v1/search?q=server&limit=100", &t).await;
        let mut ids: Vec<i64> =
            r["results"].as_array().unwrap().iter().map(|h| h["ticket"]["id"].as_i64().unwrap()).collect();
        ids.sort_unstable();
        found.push((r["total"].clone(), ids));
        drop(server);
    }
    assert!(found[0].0.as_u64().unwrap() > 0, "the demo has tickets about servers");
    assert_eq!(found[0], found[1], "search finds the same tickets in the copy");
}

#[test]
fn bad_endpoints_are_refused_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = tessera(dir.path(), &["migrate-data", "--from", "mysql://x", "--to", "sqlite:b.db"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("sqlite: or postgres://"));
    let out = tessera(dir.path(), &["migrate-data", "--from", "sqlite:a.db", "--to", "sqlite:a.db"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("the same"));
}
