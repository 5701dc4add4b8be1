//! Search on PostgreSQL through `Store::search_tickets`: the language cases
//! the folding must get right (Turkish I, Chinese two-character words,
//! Russian ё, full-width forms), phrases and prefixes, notes hidden from
//! customers (in matching and in ranking), what only PostgreSQL's index can
//! get wrong (huge tickets, rebuilds, a rename racing commits), and SLA
//! alerts written once by two instances. Needs `TESSERA_TEST_POSTGRES`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{TimeZone, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use tessera_core::ids::SlaPolicyId;
use tessera_core::message::{Author, MessageKind};
use tessera_core::permission::TicketScope;
use tessera_core::sla::SlaTargets;
use tessera_core::ticket::{Cc, Priority, Source};
use tessera_core::{
    AutoAssign, Department, DepartmentId, Email, EventKind, Role, Side, StatusCategory, StatusKey, Ticket, TicketId,
    Timestamp, User, UserId,
};
use tessera_store::{
    ChangeSet, DirectoryStore, MessageRef, NewEvent, NewMessage, SearchExpr, SearchOrder, SearchQuery, SearchStore,
    SlaStore, Store, StoreError, TicketChange, TicketCreate, TicketSlaRecord, TicketStore,
};
use tessera_store_postgres::PgStore;
use tessera_store_postgres::testing::TempDatabase;

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).single().unwrap()
}

async fn open() -> (Arc<PgStore>, TempDatabase) {
    let db = TempDatabase::create().await;
    let store = PgStore::connect(db.url()).await.unwrap();
    (Arc::new(store), db)
}

/// A department and a customer.
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
    let u = customer(store, "customer@example.com", "Customer").await;
    (d.id, u)
}

async fn customer(store: &dyn Store, email: &str, name: &str) -> UserId {
    store
        .insert_user(User {
            id: UserId(0),
            email: Email::parse(email).unwrap(),
            name: name.into(),
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
        .unwrap()
        .id
}

fn ticket(dept: DepartmentId, requester: UserId, subject: &str) -> Ticket {
    Ticket {
        id: TicketId(0),
        number: String::new(),
        access_key: "0123456789abcdef0123456789abcdef".into(),
        subject: subject.into(),
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

fn message(kind: MessageKind, body: &str, author: UserId) -> NewMessage {
    NewMessage {
        kind,
        author: Author { user_id: Some(author), name: "A".into(), email: None, staff: kind == MessageKind::Note },
        body: body.into(),
        html: None,
        quote_start: None,
        channel: Source::Api,
        author_ip: None,
        encrypted: false,
        email_message_id: None,
        attachment_ids: vec![],
        created_at: t0(),
    }
}

fn event(kind: EventKind, message: Option<MessageRef>) -> NewEvent {
    NewEvent {
        kind,
        side: Side::Customer,
        actor_id: None,
        message,
        changes: BTreeMap::new(),
        data: serde_json::Value::Null,
        created_at: t0(),
    }
}

/// Opens a ticket with these messages (replies or notes, in order).
async fn open_ticket(
    store: &dyn Store,
    d: DepartmentId,
    u: UserId,
    subject: &str,
    messages: &[(MessageKind, &str)],
) -> TicketId {
    let c = TicketCreate {
        ticket: ticket(d, u, subject),
        new_requester: None,
        messages: messages.iter().map(|(k, b)| message(*k, b, u)).collect(),
        events: vec![event(EventKind::TicketCreated, Some(MessageRef::New(0)))],
    };
    store
        .commit(ChangeSet { creates: vec![c], updates: vec![], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap()
        .created[0]
        .ticket_id
}

/// Adds a reply to a ticket.
async fn reply(store: &dyn Store, id: TicketId, body: &str) -> Result<(), StoreError> {
    let t = store.ticket(id).await.unwrap().unwrap();
    let mut new = t.clone();
    new.version = t.version + 1;
    let mut c = TicketChange::new(new, t.version);
    c.new_messages = vec![message(MessageKind::Reply, body, t.requester_id)];
    c.events = vec![event(EventKind::TicketReplied, Some(MessageRef::New(0)))];
    store
        .commit(ChangeSet { creates: vec![], updates: vec![c], users: vec![], mail: None, blocks: vec![] })
        .await
        .map(|_| ())
}

fn query(scope: TicketScope, expr: SearchExpr, notes: bool) -> SearchQuery {
    SearchQuery { scope, expr, include_notes: notes, order: SearchOrder::Relevance, offset: 0, limit: 100 }
}

fn word(s: &str) -> SearchExpr {
    SearchExpr::Text { text: s.into(), phrase: false }
}

fn phrase(s: &str) -> SearchExpr {
    SearchExpr::Text { text: s.into(), phrase: true }
}

/// The ids an agent who may read notes finds, sorted.
async fn found(store: &dyn Store, expr: SearchExpr) -> Vec<TicketId> {
    found_as(store, TicketScope::All, expr, true).await
}

async fn found_as(store: &dyn Store, scope: TicketScope, expr: SearchExpr, notes: bool) -> Vec<TicketId> {
    let page = store.search_tickets(&query(scope, expr, notes)).await.unwrap();
    assert_eq!(page.total as usize, page.hits.len(), "the total counts what the search returns");
    let mut ids: Vec<TicketId> = page.hits.into_iter().map(|h| h.ticket.id).collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turkish_russian_and_full_width_text_is_found_whatever_the_case() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    let r = MessageKind::Reply;
    let tr = open_ticket(&*store, d, u, "Aydınlatma", &[(r, "ışık yanmıyor, İstanbul'daki ofiste")]).await;
    let ru = open_ticket(&*store, d, u, "Оплата", &[(r, "Счёт не пришёл")]).await;
    let wide = open_ticket(&*store, d, u, "ＡＢＣ１２３", &[(r, "Straße")]).await;
    for (q, want) in [
        ("IŞIK", tr),
        ("ışık", tr),
        ("İSTANBUL", tr),
        ("istanbul", tr),
        ("AYDINLATMA", tr),
        ("СЧЕТ", ru),
        ("счёт", ru),
        ("пришел", ru),
        ("ОПЛАТА", ru),
        ("abc123", wide),
        ("ＡＢＣ", wide),
        ("strasse", wide),
    ] {
        assert_eq!(found(&*store, word(q)).await, [want], "{q}");
    }
    assert!(found(&*store, word("stanbul")).await.is_empty(), "words match from their start only");
    // Accents of Latin letters do not count (issue 18): `isik` finds `ışık`.
    assert_eq!(found(&*store, word("isik")).await, [tr]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_chinese_characters_are_found_anywhere_in_a_run() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    let zh = open_ticket(&*store, d, u, "问题", &[(MessageKind::Reply, "我的退款申请被拒绝了")]).await;
    open_ticket(&*store, d, u, "别的", &[(MessageKind::Reply, "退货 申请 款式")]).await;
    for q in ["退款", "款申", "申请被", "拒绝", "退款申请被拒绝了", "我"] {
        assert!(found(&*store, word(q)).await.contains(&zh), "{q}");
    }
    for q in ["退款", "款申", "被拒"] {
        assert_eq!(found(&*store, word(q)).await, [zh], "{q}: only the ticket with those characters side by side");
    }
    assert!(found(&*store, word("退申")).await.is_empty(), "two characters that are not neighbours");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phrases_keep_their_order_and_stay_inside_one_message() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    let r = MessageKind::Reply;
    let one = open_ticket(&*store, d, u, "Outage", &[(r, "The server, is DOWN since morning")]).await;
    let split = open_ticket(&*store, d, u, "Outage", &[(r, "about the server is"), (r, "down again")]).await;
    let subject = open_ticket(&*store, d, u, "the server is", &[(r, "down")]).await;
    assert_eq!(found(&*store, phrase("server is down")).await, [one], "punctuation between words does not matter");
    assert!(found(&*store, phrase("down is server")).await.is_empty(), "the order counts");
    assert!(found(&*store, phrase("server down")).await.is_empty(), "words in between break a phrase");
    let both = [one, split, subject];
    assert_eq!(found(&*store, SearchExpr::All(vec![word("server"), word("down")])).await, both);
    assert_eq!(found(&*store, phrase("is down")).await, [one], "a phrase never spans two messages or columns");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_word_is_a_prefix_from_three_characters_on() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    let r = MessageKind::Reply;
    let fatura = open_ticket(&*store, d, u, "Faturanın kopyası", &[(r, "okay")]).await;
    let ok = open_ticket(&*store, d, u, "Soru", &[(r, "ok fat")]).await;
    assert_eq!(found(&*store, word("fatura")).await, [fatura]);
    assert_eq!(found(&*store, word("FATURANIN")).await, [fatura]);
    assert!(found(&*store, word("faturası")).await.is_empty(), "a longer word does not find a shorter one");
    assert_eq!(found(&*store, word("fat")).await, [fatura, ok]);
    assert_eq!(found(&*store, word("ok")).await, [ok], "a two-letter word finds itself only");
    assert_eq!(found(&*store, word("oka")).await, [fatura]);
    // A token longer than 64 characters is cut, and found by its start.
    let long = "x".repeat(80);
    let hash = open_ticket(&*store, d, u, "Hash", &[(r, &long)]).await;
    assert_eq!(found(&*store, word(&"x".repeat(70))).await, [hash]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_are_hidden_from_customers_in_matches_and_in_ranking() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    let (r, n) = (MessageKind::Reply, MessageKind::Note);
    let noted =
        open_ticket(&*store, d, u, "Soru", &[(r, "merhaba"), (n, "gizli anahtar merhaba merhaba merhaba")]).await;
    let plain = open_ticket(&*store, d, u, "Soru", &[(r, "merhaba")]).await;
    let me = TicketScope::Customer { user_id: u, organization_id: None };
    assert!(found_as(&*store, me.clone(), word("gizli"), false).await.is_empty());
    assert!(found_as(&*store, me.clone(), phrase("gizli anahtar"), false).await.is_empty());
    assert_eq!(found_as(&*store, me.clone(), SearchExpr::Any(vec![word("gizli"), word("xyz")]), false).await, []);
    assert_eq!(found_as(&*store, TicketScope::All, phrase("gizli anahtar"), true).await, [noted]);
    // The notes do not lift a ticket for a customer; they do for an agent.
    let scores = |notes: bool| {
        let store = Arc::clone(&store);
        let me = me.clone();
        async move {
            let page = store.search_tickets(&query(me, word("merhaba"), notes)).await.unwrap();
            let score = |id: TicketId| page.hits.iter().find(|h| h.ticket.id == id).unwrap().score.unwrap();
            (score(noted), score(plain))
        }
    };
    let (a, b) = scores(false).await;
    assert!(a > 0.0 && (a - b).abs() < 1e-9, "customer: {a} vs {b}");
    let (a, b) = scores(true).await;
    assert!(a > b, "agent: {a} vs {b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_subject_weighs_more_than_a_reply() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    let r = MessageKind::Reply;
    let in_body = open_ticket(&*store, d, u, "Other", &[(r, "the printer jams")]).await;
    let in_subject = open_ticket(&*store, d, u, "Printer", &[(r, "it jams")]).await;
    let page = store.search_tickets(&query(TicketScope::All, word("printer"), true)).await.unwrap();
    let order: Vec<TicketId> = page.hits.iter().map(|h| h.ticket.id).collect();
    assert_eq!(order, [in_subject, in_body]);
    assert!(page.hits[0].score.unwrap() > page.hits[1].score.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_ticket_is_indexed_without_failing() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    // 150,000 distinct tokens: more lexeme bytes than a tsvector holds, and
    // positions past PostgreSQL's 16,383.
    let body: String = (0..150_000).map(|i| format!("w{i:06}x ")).collect();
    let huge = open_ticket(&*store, d, u, "Log dump", &[(MessageKind::Reply, &body)]).await;
    reply(&*store, huge, "tail words").await.unwrap();
    assert_eq!(found(&*store, word("w000001x")).await, [huge]);
    assert_eq!(found(&*store, word("dump")).await, [huge]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rebuild_indexes_tickets_copied_past_the_store() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    let a = open_ticket(&*store, d, u, "Kayıp paket", &[(MessageKind::Reply, "kargo gelmedi")]).await;
    let b = open_ticket(&*store, d, u, "Deleted", &[(MessageKind::Reply, "kargo")]).await;
    // What `tessera migrate-data` leaves: the rows without their documents
    // (and a document of a ticket that is gone), marked stale.
    let client = store.pool().get().await.unwrap();
    client
        .batch_execute(&format!(
            "DELETE FROM search_index WHERE ticket_id = {a}; \
             UPDATE tickets SET deleted_at = 1 WHERE id = {b}; \
             INSERT INTO settings (key, value) VALUES ('search_index_stale', '1')",
            a = a.0,
            b = b.0
        ))
        .await
        .unwrap();
    assert!(store.search_index_stale().await.unwrap());
    assert!(found(&*store, word("kargo")).await.is_empty());
    let stats = store.rebuild_search_index(None).await.unwrap();
    assert_eq!((stats.tickets, stats.messages), (1, 1));
    assert!(!store.search_index_stale().await.unwrap());
    assert_eq!(found(&*store, word("kargo")).await, [a]);
    assert_eq!(found(&*store, word("KAYIP")).await, [a]);
    let docs: i64 = client.query_one("SELECT COUNT(*) FROM search_index", &[]).await.unwrap().get(0);
    assert_eq!(docs, 1, "the deleted ticket's document is gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_racing_replies_leaves_every_document_with_the_new_name() {
    let (store, _db) = open().await;
    let (d, u) = base(&*store).await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(open_ticket(&*store, d, u, &format!("Ticket {i}"), &[(MessageKind::Reply, "first")]).await);
    }
    let writers: Vec<_> = ids
        .iter()
        .map(|&id| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                for i in 0..5 {
                    reply(&*store, id, &format!("reply{i}")).await.unwrap();
                }
            })
        })
        .collect();
    let renamer = {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            for name in ["Ayşe Yılmaz", "Zeynep Işık"] {
                let mut who = store.user(u).await.unwrap().unwrap();
                who.name = name.into();
                store.update_user(&who).await.unwrap();
            }
        })
    };
    for w in writers {
        w.await.unwrap();
    }
    renamer.await.unwrap();
    assert_eq!(found(&*store, word("IŞIK")).await, ids, "every ticket has the new name");
    assert!(found(&*store, word("yılmaz")).await.is_empty(), "no ticket kept the old one");
    assert_eq!(found(&*store, word("reply4")).await, ids, "and every reply");
}

/// Two instances check one ticket at once: the alert is written once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_write_one_sla_alert_once() {
    let db = TempDatabase::create().await;
    let a = Arc::new(PgStore::connect(db.url()).await.unwrap());
    let b = Arc::new(PgStore::connect(db.url()).await.unwrap());
    let (d, u) = base(&*a).await;
    let id = open_ticket(&*a, d, u, "SLA", &[(MessageKind::Reply, "help")]).await;
    let state = TicketSlaRecord {
        ticket_id: id,
        ticket_version: 1,
        policy_id: None::<SlaPolicyId>,
        targets: SlaTargets::default(),
        next_due_at: Some(t0()),
        next_alert_at: Some(t0()),
        breached: false,
        announced: vec![],
        computed_at: t0(),
    };
    a.save_ticket_sla(state.clone()).await.unwrap();
    let alerted = TicketSlaRecord {
        breached: true,
        next_alert_at: None,
        announced: vec!["first_response:breached:0".into()],
        ..state
    };
    let tries: Vec<_> = (0..8)
        .map(|i| {
            let store = if i % 2 == 0 { Arc::clone(&a) } else { Arc::clone(&b) };
            let alerted = alerted.clone();
            tokio::spawn(async move {
                store.record_sla_alerts(alerted, vec![], vec![event(EventKind::SlaBreached, None)]).await
            })
        })
        .collect();
    let mut won = 0;
    for t in tries {
        match t.await.unwrap() {
            Ok(ids) => {
                assert_eq!(ids.len(), 1);
                won += 1;
            }
            Err(StoreError::VersionConflict) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(won, 1, "exactly one checker writes the alert");
    let kinds: Vec<EventKind> = a.ticket_events(id).await.unwrap().iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::TicketCreated, EventKind::SlaBreached]);
    assert_eq!(b.ticket_sla(id).await.unwrap().unwrap().announced, alerted.announced);
    assert_eq!(a.next_sla_alert_at().await.unwrap(), None);
}
