//! The PostgreSQL store against the shared behavioural suite, plus what
//! only several instances on one database show: the event log read in
//! commit order, deliveries never leased twice, and live updates across
//! stores. Needs `TESSERA_TEST_POSTGRES` (see `testing::TempDatabase`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::sync::Arc;
use tessera_store::{CatalogueStore, IntegrationStore, Store, TicketStore};
use tessera_store_postgres::PgStore;
use tessera_store_postgres::testing::TempDatabase;

async fn open() -> (Arc<dyn Store>, TempDatabase) {
    let db = TempDatabase::create().await;
    let store = PgStore::connect(db.url()).await.unwrap();
    (Arc::new(store), db)
}

tessera_store::store_contract_tests!(open().await);

// ---- several instances on one database -----------------------------------------------

use chrono::{TimeZone, Utc};
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};
use tessera_core::message::{Author, MessageKind};
use tessera_core::ticket::{Cc, Priority, Source};
use tessera_core::{
    AutoAssign, Department, DepartmentId, Email, EventId, EventKind, Role, Side, StatusCategory, StatusKey, Ticket,
    TicketId, Timestamp, User, UserId, WebhookId,
};
use tessera_store::{ChangeSet, HookFormat, MessageRef, NewDelivery, NewEvent, NewMessage, TicketCreate, Webhook};

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).single().unwrap()
}

/// A department and a customer to hang tickets on.
async fn base(store: &dyn Store) -> (DepartmentId, UserId) {
    let d = store
        .insert_department(Department {
            id: DepartmentId(0),
            name: "Support".into(),
            description: String::new(),
            public: true,
            email: None,
            auto_assign: AutoAssign::None,
            requires_service: false,
            signature: String::new(),
            position: 0,
            created_at: t0(),
            mail_thread_days: 0,
        })
        .await
        .unwrap();
    let u = store
        .insert_user(User {
            id: UserId(0),
            email: Email::parse("customer@example.com").unwrap(),
            name: "Customer".into(),
            role: Role::Customer,
            organization_id: None,
            sees_all: false,
            password_hash: None,
            locale: "en".into(),
            time_zone: "UTC".into(),
            disabled: false,
            created_at: t0(),
            updated_at: t0(),
        })
        .await
        .unwrap();
    (d.id, u.id)
}

fn new_ticket(dept: DepartmentId, requester: UserId) -> Ticket {
    Ticket {
        id: TicketId(0),
        number: String::new(),
        access_key: "0123456789abcdef0123456789abcdef".into(),
        subject: "Subject".into(),
        department_id: dept,
        requester_id: requester,
        organization_id: None,
        service_id: None,
        assignee_id: None,
        assigned_by_id: None,
        flagged_id: None,
        cc: Cc::default(),
        tags: vec![],
        ticket_type: None,
        priority: Priority::Normal,
        status: StatusKey::new(StatusKey::NEW),
        status_category: StatusCategory::New,
        source: Source::Api,
        custom_fields: BTreeMap::new(),
        locked: false,
        archived: false,
        queue_boost: false,
        closed_reason: None,
        merged_into_id: None,
        follow_up_of_id: None,
        created_at: t0(),
        updated_at: t0(),
        last_reply_at: Some(t0()),
        last_customer_reply_at: Some(t0()),
        last_agent_reply_at: None,
        first_response_at: None,
        awaiting_agent_since: Some(t0()),
        solved_at: None,
        closed_at: None,
        due_at: None,
        deleted_at: None,
        customer_unread: false,
        agent_unread: true,
        version: 1,
    }
}

fn event(kind: EventKind) -> NewEvent {
    NewEvent {
        kind,
        side: Side::Customer,
        actor_id: None,
        message: None,
        changes: BTreeMap::new(),
        data: serde_json::Value::Null,
        created_at: t0(),
    }
}

/// Creates a ticket with a message and `events` events in one commit.
async fn create(store: &dyn Store, dept: DepartmentId, requester: UserId, events: usize) -> TicketId {
    let mut evs = vec![NewEvent { message: Some(MessageRef::New(0)), ..event(EventKind::TicketCreated) }];
    evs.extend((1..events).map(|_| event(EventKind::StatusChanged)));
    let create = TicketCreate {
        ticket: new_ticket(dept, requester),
        new_requester: None,
        messages: vec![NewMessage {
            kind: MessageKind::Reply,
            author: Author { user_id: Some(requester), name: "C".into(), email: None, staff: false },
            body: "Hello".into(),
            html: None,
            quote_start: None,
            channel: Source::Api,
            author_ip: None,
            encrypted: false,
            email_message_id: None,
            attachment_ids: vec![],
            created_at: t0(),
        }],
        events: evs,
    };
    store
        .commit(ChangeSet { creates: vec![create], updates: vec![], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap()
        .created[0]
        .ticket_id
}

/// Two stores (two instances' pools) on one fresh database.
async fn two_stores() -> (Arc<PgStore>, Arc<PgStore>, TempDatabase) {
    let db = TempDatabase::create().await;
    let a = PgStore::connect(db.url()).await.unwrap();
    let b = PgStore::connect(db.url()).await.unwrap();
    (Arc::new(a), Arc::new(b), db)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_starting_together_migrate_once() {
    let db = TempDatabase::create().await;
    let (a, b) = tokio::join!(PgStore::connect(db.url()), PgStore::connect(db.url()));
    let (a, _b) = (a.unwrap(), b.unwrap());
    let client = a.pool().get().await.unwrap();
    let n: i64 = client.query_one("SELECT COUNT(*) FROM schema_migrations", &[]).await.unwrap().get(0);
    assert_eq!(n, tessera_store_postgres::db::MIGRATIONS.len() as i64);
    // Nothing is left to apply, and the data stays.
    a.set_setting("greeting", "merhaba").await.unwrap();
    assert!(tessera_store_postgres::migrate(db.url()).await.unwrap().is_empty());
    assert_eq!(a.setting("greeting").await.unwrap().as_deref(), Some("merhaba"));
}

/// Many commits from two stores at once while a reader tails the log by
/// id: the reader must see every event exactly once, in id order, although
/// commits finish in any order. Without the event-order lock a reader sees
/// a later id before an earlier one commits and skips the earlier forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_reader_sees_every_event_of_two_writers_once_in_order() {
    let (a, b, _db) = two_stores().await;
    let (d, u) = base(&*a).await;
    const WRITERS_PER_STORE: usize = 4;
    const COMMITS: usize = 30;
    const EVENTS_PER_COMMIT: usize = 4;
    let mut writers = Vec::new();
    for store in [&a, &b] {
        for _ in 0..WRITERS_PER_STORE {
            let store = Arc::clone(store);
            writers.push(tokio::spawn(async move {
                for _ in 0..COMMITS {
                    create(&*store, d, u, EVENTS_PER_COMMIT).await;
                }
            }));
        }
    }
    let expected = 2 * WRITERS_PER_STORE * COMMITS * EVENTS_PER_COMMIT;
    let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let reader = {
        let (a, writing) = (Arc::clone(&a), Arc::clone(&writing));
        tokio::spawn(async move {
            let mut seen: Vec<EventId> = Vec::new();
            let mut cursor = EventId(0);
            loop {
                // Read the flag before the page: a page read after the
                // writers finished that comes back empty is the end.
                let done = !writing.load(std::sync::atomic::Ordering::SeqCst);
                let page = a.events_after(cursor, 7).await.unwrap();
                for e in &page {
                    seen.push(e.id);
                    cursor = e.id;
                }
                if page.is_empty() {
                    if done {
                        return seen;
                    }
                    tokio::task::yield_now().await;
                }
            }
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    writing.store(false, std::sync::atomic::Ordering::SeqCst);
    let seen = reader.await.unwrap();
    let all: Vec<EventId> = a.events_after(EventId(0), 10_000).await.unwrap().iter().map(|e| e.id).collect();
    assert_eq!(all.len(), expected);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "the reader saw ids out of order");
    let missed = all.iter().filter(|id| !seen.contains(id)).count();
    assert_eq!(missed, 0, "the tailing reader skipped {missed} of {expected} events");
    assert_eq!(seen, all);
}

fn hook() -> Webhook {
    Webhook {
        id: WebhookId(0),
        url: "http://127.0.0.1:9/hook".into(),
        description: String::new(),
        kinds: vec![],
        sides: vec![],
        format: HookFormat::Native,
        secret: "sealed".into(),
        active: true,
        failure_limit: 5,
        consecutive_failures: 0,
        disabled_reason: None,
        created_at: t0(),
        updated_at: t0(),
    }
}

/// Two instances' workers claim at once: every due delivery is leased
/// exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_never_lease_one_delivery_twice() {
    let (a, b, _db) = two_stores().await;
    let w = a.insert_webhook(hook()).await.unwrap();
    const N: i64 = 300;
    let deliveries: Vec<NewDelivery> = (1..=N)
        .map(|i| NewDelivery {
            webhook_id: w.id,
            event_id: None,
            ticket_id: Some(TicketId(i)),
            name: format!("d{i}"),
            next_attempt_at: t0(),
            redelivery_of: None,
            test_payload: Some("{}".into()),
        })
        .collect();
    a.enqueue_deliveries("cursor.webhooks", EventId(0), EventId(1), deliveries).await.unwrap();
    let mut workers = Vec::new();
    for store in [&a, &b, &a, &b, &a, &b] {
        let store = Arc::clone(store);
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let claimed = store.claim_deliveries(t0(), t0() + chrono::Duration::minutes(5), 4).await.unwrap();
                if claimed.is_empty() {
                    return mine;
                }
                mine.extend(claimed.iter().map(|d| d.id));
            }
        }));
    }
    let mut all = Vec::new();
    let mut busy_workers = 0;
    for w in workers {
        let mine = w.await.unwrap();
        busy_workers += usize::from(!mine.is_empty());
        all.extend(mine);
    }
    let distinct: HashSet<_> = all.iter().collect();
    assert_eq!(distinct.len(), all.len(), "a delivery was leased twice");
    assert_eq!(all.len(), N as usize, "every due delivery is leased once");
    assert!(busy_workers >= 2, "the workers took turns rather than claiming together");
    // The second enqueuer of the same events is refused.
    let late = b.enqueue_deliveries("cursor.webhooks", EventId(0), EventId(1), vec![]).await;
    assert!(matches!(late, Err(tessera_store::StoreError::VersionConflict)), "{late:?}");
}

/// A reader waiting on one instance wakes when another instance commits,
/// long before its timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_on_one_instance_wakes_a_waiter_on_another() {
    let (a, b, _db) = two_stores().await;
    let (d, u) = base(&*b).await;
    let before = a.latest_event_id().await.unwrap();
    let test = async {
        let waiter = {
            let a = Arc::clone(&a);
            tokio::spawn(async move {
                let started = Instant::now();
                a.wait_for_events(before, Duration::from_secs(30)).await;
                started.elapsed()
            })
        };
        // The waiter is registered and finds nothing new yet.
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiter.is_finished(), "the waiter returned with nothing written");
        create(&*b, d, u, 1).await;
        let waited = waiter.await.unwrap();
        assert!(waited < Duration::from_secs(10), "woke only after {waited:?}");
        assert!(a.latest_event_id().await.unwrap() > before);
    };
    tokio::time::timeout(Duration::from_secs(10), test).await.expect("the waiter was not woken by the other instance");
}

/// The LISTEN connection comes back after the database drops it, and a
/// waiter is woken by the other instance's commit again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_updates_survive_a_dropped_listen_connection() {
    let (a, b, db) = two_stores().await;
    let (d, u) = base(&*b).await;
    let client = b.pool().get().await.unwrap();
    let killed: i64 = client
        .query_one(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = $1 AND application_name = 'tessera-listen'",
            &[&db.name()],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(killed, 2, "each store has one LISTEN connection");
    // Back within a few pauses (100 ms, then 200 ms…).
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let listening: i64 = client
            .query_one(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'tessera-listen'",
                &[&db.name()],
            )
            .await
            .unwrap()
            .get(0);
        if listening == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "the LISTEN connections did not come back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The reconnection itself wakes waiters (events may have been missed);
    // let that pass, then check a real wake-up.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = a.latest_event_id().await.unwrap();
    let waiter = {
        let a = Arc::clone(&a);
        tokio::spawn(async move { a.wait_for_events(before, Duration::from_secs(30)).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiter.is_finished(), "the waiter returned with nothing written");
    create(&*b, d, u, 1).await;
    tokio::time::timeout(Duration::from_secs(10), waiter).await.expect("not woken after reconnecting").unwrap();
}

/// A database that is not there is an error, soon, not a hang or a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_is_unavailable() {
    // Port 1 on loopback: nothing listens there. Worth a retry (a 503).
    let started = Instant::now();
    let r = PgStore::connect("postgres://postgres@127.0.0.1:1/tessera").await;
    assert!(matches!(r, Err(tessera_store::StoreError::Unavailable(_))), "{:?}", r.err());
    assert!(started.elapsed() < Duration::from_secs(15));
    // A wrong URL is a fault of the configuration, not an outage.
    let r = PgStore::connect("not a url").await;
    assert!(matches!(r, Err(tessera_store::StoreError::Backend(_))), "{:?}", r.err());
}

/// PostgreSQL text cannot hold NUL: lookups with one find nothing, and a
/// write with one is refused as bad input (never a database fault, which
/// the server would answer with a 500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_characters_are_bad_input_not_faults() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    create(&*store, d, u, 1).await;
    assert!(store.ticket_by_number("12\0").await.unwrap().is_none());
    assert!(store.user_by_email("customer@example.com\0").await.unwrap().is_none());
    assert!(store.setting("k\0").await.unwrap().is_none());
    let mut q = tessera_store::TicketQuery {
        scope: tessera_core::TicketScope::All,
        filter: tessera_store::TicketFilter::default(),
        sort: tessera_store::TicketSort::default(),
        after: None,
        offset: 0,
        limit: 10,
    };
    q.filter.number = Some("1\0".into());
    assert!(store.list_tickets(&q).await.unwrap().is_empty());
    q.filter.number = None;
    q.filter.tags = vec!["a\0".into()];
    assert_eq!(store.count_tickets(&q).await.unwrap(), 0);
    let r = store.set_setting("k", "v\0").await;
    assert!(matches!(r, Err(tessera_store::StoreError::InvalidReference(_))), "{r:?}");
    // A custom field value with NUL is kept (as U+FFFD) and views on custom
    // fields keep working.
    let mut t = new_ticket(d, u);
    t.custom_fields.insert("note".into(), serde_json::json!("a\0b"));
    let create = TicketCreate { ticket: t, new_requester: None, messages: vec![], events: vec![] };
    let id = store
        .commit(ChangeSet { creates: vec![create], updates: vec![], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap()
        .created[0]
        .ticket_id;
    let stored = store.ticket(id).await.unwrap().unwrap();
    assert_eq!(stored.custom_fields["note"], serde_json::json!("a\u{fffd}b"));
}
