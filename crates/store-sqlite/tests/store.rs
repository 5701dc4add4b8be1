//! The SQLite store against the shared behavioural suite, plus what only
//! SQLite has: WAL, durability settings, readers that never wait for the
//! writer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use tessera_store::{CatalogueStore, Store};
use tessera_store_sqlite::SqliteStore;

fn open() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("tessera.db")).unwrap();
    (Arc::new(store), dir)
}

tessera_store::store_contract_tests!(open());

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wal_full_sync_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tessera.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store.set_setting("greeting", "merhaba").await.unwrap();
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
    let migrations: i64 = conn.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert_eq!(migrations, tessera_store_sqlite::migrate::MIGRATIONS.len() as i64);
    drop(conn);
    // Reopening migrates nothing again and keeps the data.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.setting("greeting").await.unwrap().as_deref(), Some("merhaba"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_do_not_wait_for_an_open_write_transaction() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tessera.db");
    let store = SqliteStore::open(&path).unwrap();
    store.set_setting("k", "committed").await.unwrap();
    // Another process holds the write lock with an uncommitted change.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE; UPDATE settings SET value = 'uncommitted' WHERE key = 'k';").unwrap();
    let read = tokio::time::timeout(std::time::Duration::from_secs(2), store.setting("k")).await;
    assert_eq!(read.expect("the read waited for the writer").unwrap().as_deref(), Some("committed"));
    other.execute_batch("COMMIT").unwrap();
    assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("uncommitted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_write_in_a_group_leaves_the_others_committed() {
    let (store, _dir) = open();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let email = if i % 5 == 0 { "dup@example.com".to_string() } else { format!("u{i}@example.com") };
            let user = tessera_core::User {
                id: tessera_core::UserId(0),
                email: tessera_core::Email::parse(&email).unwrap(),
                name: "U".into(),
                role: tessera_core::Role::Customer,
                organization_id: None,
                sees_all: false,
                password_hash: None,
                locale: "en".into(),
                time_zone: "UTC".into(),
                disabled: false,
                created_at: tessera_core::Timestamp::default(),
                updated_at: tessera_core::Timestamp::default(),
            };
            store.insert_user(user).await.is_ok()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap());
    }
    // 40 distinct addresses and one of the ten duplicates.
    assert_eq!(ok, 41);
    let all = store.list_users(&tessera_store::UserQuery { limit: 100, ..Default::default() }).await.unwrap();
    assert_eq!(all.len(), 41);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checkpoint_thread_copies_the_wal_into_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tessera.db");
    let store = SqliteStore::open(&path).unwrap();
    let before = std::fs::metadata(&path).unwrap().len();
    // About 2 MB of pages, written to the WAL; the writer itself never
    // checkpoints (wal_autocheckpoint = 0), so only the checkpoint thread can
    // bring them into the database file.
    let value = "x".repeat(2000);
    for i in 0..1000 {
        store.set_setting(&format!("k{i}"), &value).await.unwrap();
    }
    let mut grown = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if std::fs::metadata(&path).unwrap().len() > before + 1_000_000 {
            grown = true;
            break;
        }
    }
    assert!(grown, "the database file never received the WAL's pages");
    assert_eq!(store.setting("k999").await.unwrap().as_deref(), Some(value.as_str()));
}
