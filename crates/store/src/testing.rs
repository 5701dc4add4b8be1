//! The behavioural suite every [`Store`] backend must pass. A backend's
//! tests call [`store_contract_tests!`] with an expression that opens a
//! fresh, empty store; the suite then checks the contract the desk relies
//! on: atomic change sets, version checks, unique numbers, events written
//! with their change, scopes and filters, keyset paging, idempotency keys.
//!
//! Why one file of over 1,000 lines: it is one suite, the contract: each
//! check is a function here and is listed once in [`store_contract_tests!`],
//! so a backend runs all of them or none, and a reader finds the whole
//! contract in one place.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use crate::*;
use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use tessera_core::event::{EventKind, Side};
use tessera_core::ids::*;
use tessera_core::message::{Author, MessageKind};
use tessera_core::permission::TicketScope;
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{Cc, Priority, Source};
use tessera_core::{AutoAssign, Department, Email, Role, Ticket, Timestamp, User};

/// Generates one `#[tokio::test]` per contract check. `$open` is an async
/// expression answering `(Arc<dyn Store>, guard)`; the guard (a temporary
/// folder, a database handle) lives as long as the test.
#[macro_export]
macro_rules! store_contract_tests {
    ($open:expr) => {
        $crate::store_contract_tests!(@each $open;
            users_are_unique_by_email_without_case,
            created_tickets_get_unique_random_numbers,
            a_change_set_is_all_or_nothing,
            a_stale_version_is_refused,
            concurrent_updates_of_one_version_have_one_winner,
            events_are_written_with_their_change_in_order,
            scopes_and_filters_select_the_right_tickets,
            keyset_pages_visit_every_ticket_once,
            messages_edits_deletes_ratings_and_moves,
            reads_do_not_change_versions,
            idempotency_keys_reserve_replay_and_release,
            agent_loads_count_open_work,
            catalogue_records_round_trip,
            sessions_and_rate_limits,
            sign_in_tokens_are_used_once,
            webhook_deliveries_keep_ticket_order_and_switch_off_at_the_limit,
            tickets_are_kept_at_each_version_while_a_webhook_is_active,
            hook_endpoints_come_in_priority_order,
            counts_stay_exact_through_changes,
            sla_states_are_kept_and_alerts_written_once,
            search_follows_every_change_of_the_text,
            search_follows_concurrent_writes_and_failed_ones,
            search_scopes_fields_and_paging,
            search_folds_accents,
            inbound_mail_is_kept_once_and_applied_once,
            mailboxes_keep_settings_cursor_and_one_lease_holder,
            blocked_senders_match_addresses_and_domains_per_department,
            quote_offsets_round_trip_and_quoted_text_is_not_searched,
            outbound_mail_is_queued_with_its_cursor_claimed_once_and_finished,
            digests_and_notification_modes_are_kept,
            suppressions_choices_and_templates_are_kept,
            drafts_are_kept_per_user_and_ticket
        );
    };
    (@each $open:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = $open;
                $crate::testing::$name(store).await;
            }
        )*
    };
}

fn t0() -> Timestamp {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).single().unwrap()
}

fn user(email: &str, role: Role) -> User {
    User {
        id: UserId(0),
        email: Email::parse(email).unwrap(),
        name: email.split('@').next().unwrap().to_string(),
        role,
        organization_id: None,
        sees_all: false,
        password_hash: None,
        locale: "en".into(),
        time_zone: "UTC".into(),
        disabled: false,
        created_at: t0(),
        updated_at: t0(),
    }
}

fn blocked(pattern: &str) -> NewSenderBlock {
    NewSenderBlock {
        pattern: pattern.into(),
        department_id: None,
        note: String::new(),
        created_by: None,
        created_at: t0(),
    }
}

fn department(name: &str) -> Department {
    Department {
        id: DepartmentId(0),
        name: name.into(),
        description: String::new(),
        public: true,
        email: None,
        auto_assign: AutoAssign::None,
        requires_service: false,
        signature: String::new(),
        position: 0,
        created_at: t0(),
        mail_thread_days: 0,
    }
}

fn ticket(dept: DepartmentId, requester: UserId, at: Timestamp) -> Ticket {
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
        created_at: at,
        updated_at: at,
        last_reply_at: Some(at),
        last_customer_reply_at: Some(at),
        last_agent_reply_at: None,
        first_response_at: None,
        awaiting_agent_since: Some(at),
        solved_at: None,
        closed_at: None,
        due_at: None,
        deleted_at: None,
        customer_unread: false,
        agent_unread: true,
        version: 1,
    }
}

fn message(body: &str, author: UserId, at: Timestamp) -> NewMessage {
    NewMessage {
        kind: MessageKind::Reply,
        author: Author { user_id: Some(author), name: "A".into(), email: None, staff: false },
        body: body.into(),
        html: None,
        quote_start: None,
        channel: Source::Api,
        author_ip: None,
        encrypted: false,
        email_message_id: None,
        attachment_ids: vec![],
        created_at: at,
    }
}

fn event(kind: EventKind, message: Option<MessageRef>, at: Timestamp) -> NewEvent {
    NewEvent {
        kind,
        side: Side::Customer,
        actor_id: None,
        message,
        changes: BTreeMap::new(),
        data: json!(null),
        created_at: at,
    }
}

/// A department and a customer to hang tickets on.
async fn base(store: &dyn Store) -> (DepartmentId, UserId) {
    let d = store.insert_department(department("Support")).await.unwrap();
    let u = store.insert_user(user("customer@example.com", Role::Customer)).await.unwrap();
    (d.id, u.id)
}

async fn create(store: &dyn Store, t: Ticket, body: &str) -> CreatedIds {
    let requester = t.requester_id;
    let at = t.created_at;
    let c = TicketCreate {
        ticket: t,
        new_requester: None,
        messages: vec![message(body, requester, at)],
        events: vec![event(EventKind::TicketCreated, Some(MessageRef::New(0)), at)],
    };
    store
        .commit(ChangeSet { creates: vec![c], updates: vec![], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap()
        .created
        .remove(0)
}

pub async fn users_are_unique_by_email_without_case(store: Arc<dyn Store>) {
    let a = store.insert_user(user("Ayse@Example.com", Role::Agent)).await.unwrap();
    assert!(a.id.0 > 0);
    assert!(matches!(store.insert_user(user("ayse@example.COM", Role::Customer)).await, Err(StoreError::Duplicate(_))));
    assert_eq!(store.user_by_email("AYSE@example.com").await.unwrap().unwrap().id, a.id);
    let mut changed = a.clone();
    changed.name = "Ayşe Yılmaz".into();
    store.update_user(&changed).await.unwrap();
    assert_eq!(store.user(a.id).await.unwrap().unwrap().name, "Ayşe Yılmaz");
    for i in 0..5 {
        store.insert_user(user(&format!("c{i}@example.com"), Role::Customer)).await.unwrap();
    }
    let page =
        store.list_users(&UserQuery { role: Some(Role::Customer), limit: 3, ..UserQuery::default() }).await.unwrap();
    assert_eq!(page.len(), 3);
    let rest = store
        .list_users(&UserQuery {
            role: Some(Role::Customer),
            after: Some(page[2].id),
            limit: 10,
            ..UserQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(rest.len(), 2);
    let found =
        store.list_users(&UserQuery { search: Some("AYSE".into()), limit: 10, ..UserQuery::default() }).await.unwrap();
    assert_eq!(found.len(), 1);
}

pub async fn created_tickets_get_unique_random_numbers(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for j in 0..40 {
                numbers.push(create(&*store, ticket(d, u, t0() + Duration::seconds(i * 100 + j)), "x").await.number);
            }
            numbers
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(unique.len(), 320);
    assert!(all.iter().all(|n| n.len() >= 6 && n.chars().all(|c| c.is_ascii_digit()) && !n.starts_with('0')));
    // Not handed out in order.
    let mut sorted = all.clone();
    sorted.sort();
    assert_ne!(sorted, all);
}

pub async fn a_change_set_is_all_or_nothing(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let first = create(&*store, ticket(d, u, t0()), "first").await;
    // A create whose message names an attachment that does not exist fails,
    // and with it the update in the same set.
    let mut bad_message = message("bad", u, t0());
    bad_message.attachment_ids = vec![AttachmentId(999)];
    let mut updated = store.ticket(first.ticket_id).await.unwrap().unwrap();
    updated.subject = "changed".into();
    updated.version = 2;
    let mut change = TicketChange::new(updated, 1);
    change.events = vec![event(EventKind::TicketUpdated, None, t0())];
    let mut disabled = store.user(u).await.unwrap().unwrap();
    disabled.disabled = true;
    let set = ChangeSet {
        creates: vec![TicketCreate {
            ticket: ticket(d, u, t0()),
            new_requester: None,
            messages: vec![bad_message],
            events: vec![event(EventKind::TicketCreated, Some(MessageRef::New(0)), t0())],
        }],
        updates: vec![change],
        users: vec![disabled.clone()],
        mail: None,
        blocks: vec![blocked("x@example.com")],
    };
    assert!(store.commit(set).await.is_err());
    assert!(!store.user(u).await.unwrap().unwrap().disabled, "the user's change rolled back too");
    assert!(store.sender_blocks().await.unwrap().is_empty(), "the blocked sender rolled back too");
    let all = TicketQuery {
        scope: TicketScope::All,
        filter: TicketFilter::default(),
        sort: TicketSort::default(),
        after: None,
        offset: 0,
        limit: 100,
    };
    assert_eq!(store.count_tickets(&all).await.unwrap(), 1, "no half-made ticket");
    let t = store.ticket(first.ticket_id).await.unwrap().unwrap();
    assert_eq!((t.subject.as_str(), t.version), ("Subject", 1), "the update rolled back too");
    assert_eq!(store.events_after(EventId(0), 100).await.unwrap().len(), 1, "no stray events");
    assert_eq!(store.messages(first.ticket_id, true).await.unwrap().len(), 1);
    // A user saved with a ticket change is saved with it.
    let mut deleted = store.ticket(first.ticket_id).await.unwrap().unwrap();
    deleted.deleted_at = Some(t0());
    deleted.version = 2;
    let set = ChangeSet {
        creates: vec![],
        updates: vec![TicketChange::new(deleted, 1)],
        users: vec![disabled],
        mail: None,
        blocks: vec![blocked("x@example.com")],
    };
    store.commit(set).await.unwrap();
    assert!(store.user(u).await.unwrap().unwrap().disabled);
    let listed: Vec<String> = store.sender_blocks().await.unwrap().into_iter().map(|b| b.pattern).collect();
    assert_eq!(listed, ["x@example.com"], "a blocked sender is saved with its ticket change");
    assert!(store.ticket(first.ticket_id).await.unwrap().unwrap().deleted_at.is_some());
    // A new requester is created with its ticket, or found if it exists.
    let mut requester = user("New.Person@example.com", Role::Customer);
    requester.created_at = t0();
    let mut hello = message("hello", UserId(0), t0());
    hello.author.user_id = None;
    let c = TicketCreate {
        ticket: ticket(d, UserId(0), t0()),
        new_requester: Some(requester.clone()),
        messages: vec![hello],
        events: vec![],
    };
    let ids = store
        .commit(ChangeSet { creates: vec![c.clone(), c], updates: vec![], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap();
    assert_eq!(ids.created[0].requester_id, ids.created[1].requester_id);
    let p = store.user_by_email("new.person@example.com").await.unwrap().unwrap();
    assert_eq!(p.id, ids.created[0].requester_id);
    let written = store.messages(ids.created[0].ticket_id, false).await.unwrap();
    assert_eq!(written[0].author.user_id, Some(p.id), "the new requester wrote the first message");
}

pub async fn a_stale_version_is_refused(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let c = create(&*store, ticket(d, u, t0()), "x").await;
    let mut t = store.ticket(c.ticket_id).await.unwrap().unwrap();
    t.subject = "v2".into();
    t.version = 2;
    store
        .commit(ChangeSet {
            creates: vec![],
            updates: vec![TicketChange::new(t.clone(), 1)],
            users: vec![],
            mail: None,
            blocks: vec![],
        })
        .await
        .unwrap();
    let mut stale = t.clone();
    stale.subject = "lost".into();
    let mut change = TicketChange::new(stale, 1);
    change.new_messages = vec![message("should not land", u, t0())];
    change.events = vec![event(EventKind::TicketReplied, Some(MessageRef::New(0)), t0())];
    assert!(matches!(
        store
            .commit(ChangeSet { creates: vec![], updates: vec![change], users: vec![], mail: None, blocks: vec![] })
            .await,
        Err(StoreError::VersionConflict)
    ));
    let now = store.ticket(c.ticket_id).await.unwrap().unwrap();
    assert_eq!((now.subject.as_str(), now.version), ("v2", 2));
    assert_eq!(store.messages(c.ticket_id, true).await.unwrap().len(), 1);
    let mut missing = t;
    missing.id = TicketId(424_242);
    assert!(matches!(
        store
            .commit(ChangeSet {
                creates: vec![],
                updates: vec![TicketChange::new(missing, 2)],
                users: vec![],
                mail: None,
                blocks: vec![],
            })
            .await,
        Err(StoreError::NotFound)
    ));
}

pub async fn concurrent_updates_of_one_version_have_one_winner(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let c = create(&*store, ticket(d, u, t0()), "x").await;
    let base_t = store.ticket(c.ticket_id).await.unwrap().unwrap();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = Arc::clone(&store);
        let mut t = base_t.clone();
        tasks.push(tokio::spawn(async move {
            t.subject = format!("writer {i}");
            t.version = 2;
            let mut change = TicketChange::new(t, 1);
            change.events = vec![event(EventKind::TicketUpdated, None, t0())];
            store
                .commit(ChangeSet { creates: vec![], updates: vec![change], users: vec![], mail: None, blocks: vec![] })
                .await
        }));
    }
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => wins += 1,
            Err(StoreError::VersionConflict) => {}
            Err(e) => panic!("unexpected {e}"),
        }
    }
    assert_eq!(wins, 1);
    assert_eq!(store.ticket_events(c.ticket_id).await.unwrap().len(), 2, "one created, one update");
}

pub async fn events_are_written_with_their_change_in_order(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let a = create(&*store, ticket(d, u, t0()), "a").await;
    let b = create(&*store, ticket(d, u, t0()), "b").await;
    let mut t = store.ticket(a.ticket_id).await.unwrap().unwrap();
    t.version = 2;
    let mut change = TicketChange::new(t, 1);
    change.new_messages = vec![message("reply", u, t0())];
    let mut e = event(EventKind::TicketReplied, Some(MessageRef::New(0)), t0());
    e.changes.insert("status".into(), tessera_core::Change { old: json!("new"), new: json!("open") });
    change.events = vec![e, event(EventKind::StatusChanged, None, t0())];
    let out = store
        .commit(ChangeSet { creates: vec![], updates: vec![change], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap();
    let events = store.events_after(EventId(0), 100).await.unwrap();
    let kinds: Vec<(TicketId, EventKind)> = events.iter().map(|e| (e.ticket_id, e.kind)).collect();
    assert_eq!(
        kinds,
        [
            (a.ticket_id, EventKind::TicketCreated),
            (b.ticket_id, EventKind::TicketCreated),
            (a.ticket_id, EventKind::TicketReplied),
            (a.ticket_id, EventKind::StatusChanged)
        ]
    );
    assert!(events.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(events[2].message_id, Some(out.updated[0].message_ids[0]));
    assert_eq!(events[0].message_id, Some(a.message_ids[0]));
    assert_eq!(events[2].ticket_version, 2);
    assert_eq!(events[2].changes["status"].new, json!("open"));
    assert_eq!(store.events_after(events[1].id, 1).await.unwrap()[0].id, events[2].id);
    assert_eq!(store.latest_event_id().await.unwrap(), events[3].id);
    assert_eq!(store.event(events[2].id).await.unwrap().as_ref(), Some(&events[2]));
    assert!(store.event(EventId(999_999)).await.unwrap().is_none());
}

pub async fn scopes_and_filters_select_the_right_tickets(store: Arc<dyn Store>) {
    let d1 = store.insert_department(department("One")).await.unwrap().id;
    let d2 = store.insert_department(department("Two")).await.unwrap().id;
    let org = store
        .insert_organization(tessera_core::Organization {
            id: OrganizationId(0),
            name: "Org".into(),
            external_id: None,
            notes: String::new(),
            email_domains: vec![],
            created_at: t0(),
        })
        .await
        .unwrap()
        .id;
    let c1 = store.insert_user(user("c1@example.com", Role::Customer)).await.unwrap().id;
    let c2 = store.insert_user(user("c2@example.com", Role::Customer)).await.unwrap().id;
    let agent = store.insert_user(user("agent@example.com", Role::Agent)).await.unwrap().id;
    let mut t1 = ticket(d1, c1, t0());
    t1.organization_id = Some(org);
    t1.tags = vec!["vip".into(), "vps".into()];
    t1.priority = Priority::Urgent;
    let mut t2 = ticket(d2, c2, t0() + Duration::hours(1));
    t2.assignee_id = Some(agent);
    t2.archived = true;
    t2.status = StatusKey::new(StatusKey::ON_HOLD);
    t2.status_category = StatusCategory::Hold;
    let mut t3 = ticket(d2, c2, t0() + Duration::hours(2));
    t3.deleted_at = Some(t0());
    let id1 = create(&*store, t1, "1").await.ticket_id;
    let id2 = create(&*store, t2, "2").await.ticket_id;
    create(&*store, t3, "3").await;
    let ids = |scope: TicketScope, filter: TicketFilter| {
        let store = Arc::clone(&store);
        async move {
            let q = TicketQuery { scope, filter, sort: TicketSort::default(), after: None, offset: 0, limit: 50 };
            let list: Vec<TicketId> = store.list_tickets(&q).await.unwrap().iter().map(|t| t.id).collect();
            assert_eq!(store.count_tickets(&q).await.unwrap(), list.len() as u64);
            let mut list = list;
            list.sort();
            list
        }
    };
    let f = TicketFilter::default;
    assert_eq!(ids(TicketScope::All, f()).await, [id1, id2], "deleted tickets never appear");
    assert_eq!(ids(TicketScope::Customer { user_id: c1, organization_id: None }, f()).await, [id1]);
    assert_eq!(ids(TicketScope::Customer { user_id: c2, organization_id: Some(org) }, f()).await, [id1, id2]);
    assert_eq!(ids(TicketScope::Agent { user_id: agent, department_ids: vec![] }, f()).await, [id2]);
    assert_eq!(ids(TicketScope::Agent { user_id: UserId(999), department_ids: vec![d1] }, f()).await, [id1]);
    assert_eq!(ids(TicketScope::Single(id2), f()).await, [id2]);
    let all = TicketScope::All;
    assert_eq!(ids(all.clone(), TicketFilter { tags: vec!["vip".into(), "vps".into()], ..f() }).await, [id1]);
    assert_eq!(ids(all.clone(), TicketFilter { tags: vec!["vip".into(), "nope".into()], ..f() }).await, []);
    assert_eq!(ids(all.clone(), TicketFilter { assignee: Some(None), ..f() }).await, [id1]);
    assert_eq!(ids(all.clone(), TicketFilter { assignee: Some(Some(agent)), ..f() }).await, [id2]);
    assert_eq!(ids(all.clone(), TicketFilter { archived: Some(false), ..f() }).await, [id1]);
    assert_eq!(ids(all.clone(), TicketFilter { categories: vec![StatusCategory::Hold], ..f() }).await, [id2]);
    assert_eq!(ids(all.clone(), TicketFilter { statuses: vec![StatusKey::new("new")], ..f() }).await, [id1]);
    assert_eq!(ids(all.clone(), TicketFilter { priorities: vec![Priority::Urgent], ..f() }).await, [id1]);
    assert_eq!(ids(all.clone(), TicketFilter { department_ids: vec![d2], ..f() }).await, [id2]);
    assert_eq!(ids(all.clone(), TicketFilter { organization_id: Some(org), ..f() }).await, [id1]);
    assert_eq!(ids(all.clone(), TicketFilter { requester_id: Some(c2), ..f() }).await, [id2]);
    let half = t0() + Duration::minutes(30);
    assert_eq!(ids(all.clone(), TicketFilter { created_after: Some(half), ..f() }).await, [id2]);
    assert_eq!(ids(all.clone(), TicketFilter { created_before: Some(half), ..f() }).await, [id1]);
    let n = store.ticket(id1).await.unwrap().unwrap().number;
    assert_eq!(ids(all.clone(), TicketFilter { number: Some(n.clone()), ..f() }).await, [id1]);
    assert_eq!(store.ticket_by_number(&n).await.unwrap().unwrap().id, id1);
}

pub async fn keyset_pages_visit_every_ticket_once(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let mut expected = Vec::new();
    for i in 0..23 {
        let mut t = ticket(d, u, t0() + Duration::minutes(i / 3));
        t.priority = Priority::ALL[(i % 4) as usize];
        expected.push(create(&*store, t, "x").await.ticket_id);
    }
    for (field, descending) in [
        (SortField::CreatedAt, false),
        (SortField::CreatedAt, true),
        (SortField::UpdatedAt, true),
        (SortField::Priority, true),
        (SortField::Priority, false),
        (SortField::Id, false),
    ] {
        let mut q = TicketQuery {
            scope: TicketScope::All,
            filter: TicketFilter::default(),
            sort: TicketSort { field, descending, boosted_first: false },
            after: None,
            offset: 0,
            limit: 5,
        };
        let mut seen = Vec::new();
        let mut values = Vec::new();
        loop {
            let page = store.list_tickets(&q).await.unwrap();
            if page.is_empty() {
                break;
            }
            for t in &page {
                values.push((q.sort_value(t), t.id));
            }
            seen.extend(page.iter().map(|t| t.id));
            let last = page.last().unwrap();
            q.after = Some(Cursor { value: q.sort_value(last), id: last.id });
        }
        let mut sorted = seen.clone();
        sorted.sort();
        assert_eq!(sorted, expected, "{field:?} {descending}: every ticket exactly once");
        let mut ordered = values.clone();
        ordered.sort();
        if descending {
            ordered.reverse();
        }
        assert_eq!(values, ordered, "{field:?} {descending}: in order");
    }
}

pub async fn messages_edits_deletes_ratings_and_moves(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let a = create(&*store, ticket(d, u, t0()), "first").await;
    let b = create(&*store, ticket(d, u, t0()), "other").await;
    let att = store
        .insert_attachment(AttachmentRecord {
            id: AttachmentId(0),
            sha256: "ab".repeat(32),
            filename: "a.txt".into(),
            content_type: "text/plain".into(),
            size: 3,
            uploader_id: u,
            ticket_id: None,
            message_id: None,
            created_at: t0(),
        })
        .await
        .unwrap();
    let mut t = store.ticket(a.ticket_id).await.unwrap().unwrap();
    t.version = 2;
    let mut change = TicketChange::new(t.clone(), 1);
    let mut note = message("note", u, t0());
    note.kind = MessageKind::Note;
    note.attachment_ids = vec![att.id];
    change.new_messages = vec![note];
    let out = store
        .commit(ChangeSet { creates: vec![], updates: vec![change], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap();
    let note_id = out.updated[0].message_ids[0];
    assert_eq!(store.messages(a.ticket_id, false).await.unwrap().len(), 1, "notes only when asked");
    let all = store.messages(a.ticket_id, true).await.unwrap();
    assert_eq!(all[1].attachment_ids, [att.id]);
    assert_eq!(store.attachment(att.id).await.unwrap().unwrap().message_id, Some(note_id));
    // Edit, rate, delete.
    t.version = 3;
    let mut change = TicketChange::new(t.clone(), 2);
    change.message_updates = vec![MessageUpdate {
        message_id: a.message_ids[0],
        body: "first (edited)".into(),
        html: None,
        quote_start: None,
        previous_body: "first".into(),
        previous_html: None,
        editor_id: u,
        at: t0(),
    }];
    change.ratings = vec![(a.message_ids[0], 4)];
    change.message_deletes = vec![(note_id, t0())];
    store
        .commit(ChangeSet { creates: vec![], updates: vec![change], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap();
    let m = store.message(a.message_ids[0]).await.unwrap().unwrap();
    assert_eq!((m.body.as_str(), m.rating), ("first (edited)", Some(4)));
    assert_eq!(store.message_edits(m.id).await.unwrap()[0].previous_body, "first");
    let deleted = store.message(note_id).await.unwrap().unwrap();
    assert!(deleted.deleted_at.is_some() && deleted.body.is_empty() && deleted.attachment_ids.is_empty());
    // Move everything to b.
    t.version = 4;
    let mut change = TicketChange::new(t, 3);
    change.move_messages_to = Some(b.ticket_id);
    store
        .commit(ChangeSet { creates: vec![], updates: vec![change], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap();
    assert!(store.messages(a.ticket_id, true).await.unwrap().is_empty());
    let moved: Vec<String> = store.messages(b.ticket_id, true).await.unwrap().into_iter().map(|m| m.body).collect();
    assert_eq!(moved, ["first (edited)", "other", ""]);
    assert_eq!(store.attachment(att.id).await.unwrap().unwrap().ticket_id, Some(b.ticket_id));
}

pub async fn reads_do_not_change_versions(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let c = create(&*store, ticket(d, u, t0()), "x").await;
    assert!(store.ticket(c.ticket_id).await.unwrap().unwrap().agent_unread);
    store.mark_read(c.ticket_id, u, true, t0() + Duration::minutes(5)).await.unwrap();
    let t = store.ticket(c.ticket_id).await.unwrap().unwrap();
    assert!(!t.agent_unread);
    assert_eq!(t.version, 1);
    assert_eq!(store.last_read(c.ticket_id, u).await.unwrap(), Some(t0() + Duration::minutes(5)));
    assert!(matches!(store.mark_read(TicketId(999), u, true, t0()).await, Err(StoreError::NotFound)));
}

pub async fn idempotency_keys_reserve_replay_and_release(store: Arc<dyn Store>) {
    let k = IdempotencyKey { user_id: UserId(1), key: "k".into() };
    assert_eq!(store.idempotency_begin(&k, "fp", t0()).await.unwrap(), IdempotencyBegin::Started);
    assert_eq!(store.idempotency_begin(&k, "fp", t0()).await.unwrap(), IdempotencyBegin::InProgress);
    store.idempotency_finish(&k, 201, b"{\"id\":1}").await.unwrap();
    assert_eq!(
        store.idempotency_begin(&k, "other", t0()).await.unwrap(),
        IdempotencyBegin::Done { fingerprint: "fp".into(), status: 201, body: b"{\"id\":1}".to_vec() }
    );
    let k2 = IdempotencyKey { user_id: UserId(2), key: "k".into() };
    assert_eq!(store.idempotency_begin(&k2, "fp", t0()).await.unwrap(), IdempotencyBegin::Started);
    store.idempotency_abandon(&k2).await.unwrap();
    assert_eq!(store.idempotency_begin(&k2, "fp", t0()).await.unwrap(), IdempotencyBegin::Started);
    // A reservation that was never finished expires.
    let k3 = IdempotencyKey { user_id: UserId(3), key: "k".into() };
    store.idempotency_begin(&k3, "fp", t0()).await.unwrap();
    assert_eq!(store.idempotency_begin(&k3, "fp", t0() + Duration::hours(1)).await.unwrap(), IdempotencyBegin::Started);
}

pub async fn agent_loads_count_open_work(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let a1 = store.insert_user(user("a1@example.com", Role::Agent)).await.unwrap().id;
    let a2 = store.insert_user(user("a2@example.com", Role::Agent)).await.unwrap().id;
    let mut off = user("a3@example.com", Role::Agent);
    off.disabled = true;
    let a3 = store.insert_user(off).await.unwrap().id;
    store.set_department_members(d, &[a1, a2, a3]).await.unwrap();
    let mut t = ticket(d, u, t0());
    t.assignee_id = Some(a1);
    create(&*store, t.clone(), "x").await;
    t.status = StatusKey::new(StatusKey::SOLVED);
    t.status_category = StatusCategory::Solved;
    t.created_at = t0() + Duration::hours(1);
    create(&*store, t, "y").await;
    let loads = store.agent_loads(d).await.unwrap();
    assert_eq!(loads.len(), 2, "disabled members take no work");
    assert_eq!((loads[0].user_id, loads[0].open_tickets), (a1, 1));
    assert_eq!(loads[0].last_assigned_at, Some(t0() + Duration::hours(1)));
    assert_eq!((loads[1].user_id, loads[1].open_tickets, loads[1].last_assigned_at), (a2, 0, None));
    assert_eq!(store.user_departments(a2).await.unwrap(), [d]);
    assert_eq!(store.department_members(d).await.unwrap(), [a1, a2, a3]);
}

pub async fn catalogue_records_round_trip(store: Arc<dyn Store>) {
    let statuses = store.statuses().await.unwrap();
    assert_eq!(statuses.len(), 7);
    assert_eq!(statuses[0].key.as_str(), "new");
    let s = tessera_core::Status {
        key: StatusKey::new("vendor"),
        name: "Vendor".into(),
        category: StatusCategory::Hold,
        position: 100,
        builtin: false,
    };
    store.insert_status(s.clone()).await.unwrap();
    assert!(matches!(store.insert_status(s.clone()).await, Err(StoreError::Duplicate(_))));
    assert_eq!(store.statuses().await.unwrap().last(), Some(&s));
    let (_, owner) = base(&*store).await;
    let svc = tessera_core::Service {
        id: ServiceId(0),
        kind: tessera_core::ServiceKind::Domain,
        external_id: Some("45".into()),
        label: "örnek.com.tr".into(),
        owner_id: owner,
        status: tessera_core::ServiceStatus::Active,
        created_at: t0(),
        updated_at: t0(),
    };
    let stored = store.insert_service(svc.clone()).await.unwrap();
    assert!(matches!(store.insert_service(svc.clone()).await, Err(StoreError::Duplicate(_))));
    let mut other_kind = svc.clone();
    other_kind.kind = tessera_core::ServiceKind::Service;
    store.insert_service(other_kind).await.unwrap();
    assert_eq!(
        store.service_by_external_id(tessera_core::ServiceKind::Domain, "45").await.unwrap().unwrap().id,
        stored.id
    );
    assert_eq!(store.list_services(Some(owner)).await.unwrap().len(), 2);
    let tok = store
        .insert_token(TokenRecord {
            id: TokenId(0),
            user_id: owner,
            name: "t".into(),
            identifier: "ident".into(),
            secret_hash: "hash".into(),
            created_at: t0(),
            revoked_at: None,
        })
        .await
        .unwrap();
    store.revoke_token(tok.id, t0()).await.unwrap();
    assert_eq!(store.token_by_identifier("ident").await.unwrap().unwrap().revoked_at, Some(t0()));
    store.set_setting("k", "v1").await.unwrap();
    store.set_setting("k", "v2").await.unwrap();
    assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("v2"));
    assert_eq!(store.setting("missing").await.unwrap(), None);
}

pub async fn sessions_and_rate_limits(store: Arc<dyn Store>) {
    let (_, u) = base(&*store).await;
    let s = SessionRecord {
        id_hash: "h1".into(),
        user_id: u,
        ticket_id: None,
        csrf_token: "csrf".into(),
        created_at: t0(),
        last_seen_at: t0(),
        expires_at: t0() + Duration::days(1),
    };
    store.insert_session(s.clone()).await.unwrap();
    store.insert_session(SessionRecord { id_hash: "h2".into(), ..s.clone() }).await.unwrap();
    assert_eq!(store.session("h1").await.unwrap(), Some(s.clone()));
    store.touch_session("h1", t0() + Duration::hours(1), t0() + Duration::days(2)).await.unwrap();
    assert_eq!(store.session("h1").await.unwrap().unwrap().expires_at, t0() + Duration::days(2));
    store.delete_sessions_of(u, Some("h1")).await.unwrap();
    assert!(store.session("h2").await.unwrap().is_none());
    assert!(store.session("h1").await.unwrap().is_some());
    store.delete_session("h1").await.unwrap();
    assert!(store.session("h1").await.unwrap().is_none());

    let minute = 60_000;
    for _ in 0..3 {
        assert!(store.rate_limit_hit("k", minute, 3, t0()).await.unwrap());
    }
    assert!(!store.rate_limit_hit("k", minute, 3, t0() + Duration::seconds(30)).await.unwrap());
    assert!(store.rate_limit_hit("other", minute, 3, t0()).await.unwrap(), "limits are per key");
    assert!(store.rate_limit_hit("k", minute, 3, t0() + Duration::seconds(61)).await.unwrap(), "a new window");
    store.rate_limit_clear("k").await.unwrap();
    for _ in 0..3 {
        assert!(store.rate_limit_hit("k", minute, 3, t0() + Duration::seconds(62)).await.unwrap());
    }
    // Peeking counts nothing and sees only an open window.
    let at = t0() + Duration::seconds(70);
    let w = store.rate_limit_peek("k", minute, at).await.unwrap().expect("an open window");
    assert_eq!((w.count, w.started_at, w.last_at), (3, t0() + Duration::seconds(62), t0() + Duration::seconds(62)));
    store.rate_limit_hit("k", minute, 9, t0() + Duration::seconds(66)).await.unwrap();
    let w = store.rate_limit_peek("k", minute, at).await.unwrap().expect("an open window");
    assert_eq!((w.count, w.started_at, w.last_at), (4, t0() + Duration::seconds(62), t0() + Duration::seconds(66)));
    assert_eq!(store.rate_limit_peek("k", minute, at).await.unwrap(), Some(w), "a peek is not a hit");
    assert_eq!(store.rate_limit_peek("k", minute, t0() + Duration::seconds(123)).await.unwrap(), None, "closed");
    assert_eq!(store.rate_limit_peek("never", minute, at).await.unwrap(), None);
    // Pruning forgets the idle counters of one prefix only.
    store.rate_limit_hit("p:old", minute, 9, t0()).await.unwrap();
    store.rate_limit_hit("p:new", minute, 9, t0() + Duration::seconds(100)).await.unwrap();
    store.rate_limit_hit("q:old", minute, 9, t0()).await.unwrap();
    assert_eq!(store.rate_limit_prune("p:", t0() + Duration::seconds(50)).await.unwrap(), 1);
    let later = t0() + Duration::seconds(101);
    assert_eq!(store.rate_limit_peek("p:old", 10 * minute, later).await.unwrap(), None);
    assert!(store.rate_limit_peek("p:new", 10 * minute, later).await.unwrap().is_some());
    assert!(store.rate_limit_peek("q:old", 10 * minute, later).await.unwrap().is_some());
}

pub async fn sign_in_tokens_are_used_once(store: Arc<dyn Store>) {
    let (_, u) = base(&*store).await;
    let token = |hash: &str, purpose: TokenPurpose| SignInToken {
        token_hash: hash.into(),
        user_id: u,
        purpose,
        created_at: t0(),
        expires_at: t0() + Duration::hours(1),
        used_at: None,
    };
    store.insert_sign_in_token(token("r1", TokenPurpose::Reset)).await.unwrap();
    store.insert_sign_in_token(token("r2", TokenPurpose::Reset)).await.unwrap();
    store.insert_sign_in_token(token("l1", TokenPurpose::Link)).await.unwrap();
    store.insert_sign_in_token(token("h1", TokenPurpose::Handoff)).await.unwrap();
    assert!(store.insert_sign_in_token(token("r1", TokenPurpose::Reset)).await.is_err(), "hashes are unique");
    assert_eq!(store.sign_in_token("r1").await.unwrap(), Some(token("r1", TokenPurpose::Reset)));
    assert_eq!(store.sign_in_token("nope").await.unwrap(), None);

    let at = t0() + Duration::minutes(5);
    // Another purpose opens nothing, and does not spend the token.
    assert_eq!(store.consume_sign_in_token("h1", TokenPurpose::Reset, at).await.unwrap(), None);
    assert_eq!(store.consume_sign_in_token("r1", TokenPurpose::Link, at).await.unwrap(), None);
    let used = store.consume_sign_in_token("r1", TokenPurpose::Reset, at).await.unwrap().expect("the first use");
    assert_eq!((used.user_id, used.purpose, used.used_at), (u, TokenPurpose::Reset, Some(at)));
    assert_eq!(store.consume_sign_in_token("r1", TokenPurpose::Reset, at).await.unwrap(), None, "used once");
    assert_eq!(store.sign_in_token("r1").await.unwrap().unwrap().used_at, Some(at));
    // Expired: nothing, at the very second too.
    let end = t0() + Duration::hours(1);
    assert_eq!(store.consume_sign_in_token("l1", TokenPurpose::Link, end).await.unwrap(), None);
    assert_eq!(store.sign_in_token("l1").await.unwrap().unwrap().used_at, None);
    assert_eq!(store.consume_sign_in_token("nope", TokenPurpose::Link, at).await.unwrap(), None);

    // Two concurrent consumers of one token: exactly one wins.
    for round in 0..5 {
        let hash = format!("race{round}");
        store.insert_sign_in_token(token(&hash, TokenPurpose::Handoff)).await.unwrap();
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let (store, hash) = (store.clone(), hash.clone());
                tokio::spawn(async move { store.consume_sign_in_token(&hash, TokenPurpose::Handoff, at).await })
            })
            .collect();
        let mut wins = 0;
        for r in racers {
            if r.await.unwrap().unwrap().is_some() {
                wins += 1;
            }
        }
        assert_eq!(wins, 1, "round {round}");
    }

    // Retiring spends the user's unused tokens of one purpose only.
    assert_eq!(store.retire_sign_in_tokens(u, TokenPurpose::Reset, at).await.unwrap(), 1);
    assert_eq!(store.consume_sign_in_token("r2", TokenPurpose::Reset, at).await.unwrap(), None);
    assert!(store.consume_sign_in_token("h1", TokenPurpose::Handoff, at).await.unwrap().is_some());
    // Pruning forgets expired tokens only.
    store
        .insert_sign_in_token(SignInToken { expires_at: t0() + Duration::days(2), ..token("late", TokenPurpose::Link) })
        .await
        .unwrap();
    assert_eq!(store.prune_sign_in_tokens(t0() + Duration::days(1)).await.unwrap(), 4 + 5);
    assert!(store.sign_in_token("r1").await.unwrap().is_none());
    assert!(store.sign_in_token("late").await.unwrap().is_some());
}

fn webhook(limit: u32) -> Webhook {
    Webhook {
        id: WebhookId(0),
        url: "http://127.0.0.1:9/hook".into(),
        description: String::new(),
        kinds: vec![EventKind::TicketCreated],
        sides: vec![Side::Customer],
        format: HookFormat::Native,
        secret: "sealed".into(),
        active: true,
        failure_limit: limit,
        consecutive_failures: 0,
        disabled_reason: None,
        created_at: t0(),
        updated_at: t0(),
    }
}

pub async fn webhook_deliveries_keep_ticket_order_and_switch_off_at_the_limit(store: Arc<dyn Store>) {
    let w = store.insert_webhook(webhook(2)).await.unwrap();
    assert_eq!(store.webhook(w.id).await.unwrap().unwrap().kinds, [EventKind::TicketCreated]);
    let nd = |ticket: i64, name: &str| NewDelivery {
        webhook_id: w.id,
        event_id: None,
        ticket_id: Some(TicketId(ticket)),
        name: name.into(),
        next_attempt_at: t0(),
        redelivery_of: None,
        test_payload: Some("{}".into()),
    };
    store
        .enqueue_deliveries("cursor.test", EventId(0), EventId(42), vec![nd(1, "a1"), nd(1, "a2"), nd(2, "b1")])
        .await
        .unwrap();
    assert_eq!(store.setting("cursor.test").await.unwrap().as_deref(), Some("42"));
    // A second enqueuer that read the cursor before it moved writes nothing.
    let late = store.enqueue_deliveries("cursor.test", EventId(0), EventId(42), vec![nd(3, "dup")]).await;
    assert!(matches!(late, Err(StoreError::VersionConflict)), "{late:?}");
    // Only the first of ticket 1, and ticket 2's.
    let claimed = store.claim_deliveries(t0(), t0() + Duration::minutes(1), 10).await.unwrap();
    let names: Vec<&str> = claimed.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["a1", "b1"]);
    // Leased: not claimed again before the lease ends.
    assert!(store.claim_deliveries(t0(), t0() + Duration::minutes(1), 10).await.unwrap().is_empty());
    // a1 fails and waits: a2 still waits behind it.
    let attempt = |d: &Delivery, status: Option<u16>| Attempt {
        delivery_id: d.id,
        attempt: d.attempts + 1,
        at: t0(),
        status,
        latency_ms: 5,
        response: "nope".into(),
        error: None,
    };
    let r = store
        .record_attempt(attempt(&claimed[0], Some(500)), AttemptOutcome::Retry(t0() + Duration::seconds(10)))
        .await
        .unwrap();
    assert_eq!(r, AttemptRecorded { consecutive_failures: 1, disabled: false });
    assert!(
        store
            .claim_deliveries(t0() + Duration::minutes(2), t0() + Duration::minutes(3), 10)
            .await
            .unwrap()
            .iter()
            .all(|d| d.name != "a2")
    );
    // b1 succeeds: the failure count resets.
    let r = store.record_attempt(attempt(&claimed[1], Some(200)), AttemptOutcome::Delivered).await.unwrap();
    assert_eq!(r.consecutive_failures, 0);
    let b1 = store.delivery(claimed[1].id).await.unwrap().unwrap();
    assert_eq!((b1.state, b1.attempts, b1.last_status), (DeliveryState::Delivered, 1, Some(200)));
    // Two more failures switch the webhook off.
    let later = t0() + Duration::minutes(10);
    let again = store.claim_deliveries(later, later + Duration::minutes(1), 10).await.unwrap();
    assert_eq!(again.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["a1"]);
    store.record_attempt(attempt(&again[0], None), AttemptOutcome::Retry(later)).await.unwrap();
    let again = store.claim_deliveries(later, later + Duration::minutes(1), 10).await.unwrap();
    let r = store.record_attempt(attempt(&again[0], Some(502)), AttemptOutcome::Retry(later)).await.unwrap();
    assert_eq!(r, AttemptRecorded { consecutive_failures: 2, disabled: true });
    let off = store.webhook(w.id).await.unwrap().unwrap();
    assert!(!off.active && off.disabled_reason.is_some());
    assert!(
        store.claim_deliveries(later, later + Duration::minutes(1), 10).await.unwrap().is_empty(),
        "nothing goes to a switched-off webhook"
    );
    assert_eq!(store.attempts(again[0].id).await.unwrap().len(), 3);
    let log = store.deliveries(w.id, None, 10).await.unwrap();
    assert_eq!(log.iter().map(|d| d.name.as_str()).collect::<Vec<_>>(), ["b1", "a2", "a1"]);
    store.delete_webhook(w.id).await.unwrap();
    assert!(store.delivery(claimed[0].id).await.unwrap().is_none());
}

/// Deliveries describe a ticket as of their event (decision 18): while a
/// webhook is active, every committed ticket is kept at its new version in
/// the change's transaction, without sealed custom field values.
pub async fn tickets_are_kept_at_each_version_while_a_webhook_is_active(store: Arc<dyn Store>) {
    let (dept, customer) = base(&*store).await;
    let quiet = create(&*store, ticket(dept, customer, t0()), "before any webhook").await.ticket_id;
    assert_eq!(store.ticket_at(quiet, 1).await.unwrap(), None, "nothing is kept without a webhook");

    let mut hook = store.insert_webhook(webhook(10)).await.unwrap();
    let id = create(&*store, ticket(dept, customer, t0()), "first").await.ticket_id;
    let at1 = store.ticket_at(id, 1).await.unwrap().expect("kept at version 1");
    assert_eq!(at1, store.ticket(id).await.unwrap().unwrap(), "with its id and number");
    change(&*store, id, |c| {
        c.ticket.subject = "Second".into();
        c.ticket.custom_fields.insert("plan".into(), json!("gold"));
        c.ticket.custom_fields.insert("server_password".into(), json!("enc:v1:c2VhbGVk"));
    })
    .await;
    change(&*store, id, |c| c.ticket.subject = "Third".into()).await;
    let at2 = store.ticket_at(id, 2).await.unwrap().expect("kept at version 2");
    assert_eq!((at2.subject.as_str(), at2.version), ("Second", 2));
    assert_eq!(at2.custom_fields.get("plan"), Some(&json!("gold")));
    assert!(!at2.custom_fields.contains_key("server_password"), "sealed values are never kept");
    assert_eq!(store.ticket_at(id, 3).await.unwrap().map(|t| t.subject), Some("Third".into()));
    assert_eq!(store.ticket_at(id, 1).await.unwrap(), Some(at1), "earlier versions stay as they were");

    // A refused change set keeps nothing.
    let current = store.ticket(id).await.unwrap().unwrap();
    let mut good = current.clone();
    good.version = 4;
    let mut stale = store.ticket(quiet).await.unwrap().unwrap();
    stale.version = 9;
    let refused = store
        .commit(ChangeSet {
            creates: vec![],
            updates: vec![TicketChange::new(good, 3), TicketChange::new(stale, 8)],
            users: vec![],
            mail: None,
            blocks: vec![],
        })
        .await;
    assert!(matches!(refused, Err(StoreError::VersionConflict)), "{refused:?}");
    assert_eq!(store.ticket_at(id, 4).await.unwrap(), None);

    // Switched off, nothing more is kept.
    hook.active = false;
    store.update_webhook(&hook).await.unwrap();
    change(&*store, id, |c| c.ticket.subject = "Fourth".into()).await;
    assert_eq!(store.ticket_at(id, 4).await.unwrap(), None);
}

pub async fn hook_endpoints_come_in_priority_order(store: Arc<dyn Store>) {
    let e = |name: &str, priority: i64| HookEndpoint {
        id: HookId(0),
        kind: EndpointKind::Validation,
        name: name.into(),
        url: "http://127.0.0.1:9/".into(),
        description: String::new(),
        format: HookFormat::Wisecp,
        secret: "s".into(),
        priority,
        timeout_ms: 1000,
        on_failure: OnFailure::Allow,
        active: true,
        created_at: t0(),
        updated_at: t0(),
    };
    let b = store.insert_hook_endpoint(e("TicketClientCreateValidation", 5)).await.unwrap();
    let a = store.insert_hook_endpoint(e("TicketClientCreateValidation", 1)).await.unwrap();
    store.insert_hook_endpoint(e("TicketAdminReplyValidation", 0)).await.unwrap();
    let list =
        store.list_hook_endpoints(Some(EndpointKind::Validation), Some("TicketClientCreateValidation")).await.unwrap();
    assert_eq!(list.iter().map(|x| x.id).collect::<Vec<_>>(), [a.id, b.id]);
    assert_eq!(store.list_hook_endpoints(None, None).await.unwrap().len(), 3);
    let mut changed = a.clone();
    changed.active = false;
    store.update_hook_endpoint(&changed).await.unwrap();
    assert!(!store.hook_endpoint(a.id).await.unwrap().unwrap().active);
    store.delete_hook_endpoint(a.id).await.unwrap();
    assert!(matches!(store.delete_hook_endpoint(a.id).await, Err(StoreError::NotFound)));
}

/// Counts stay exact while tickets are created, reassigned, moved, solved,
/// archived, flagged and deleted: for every scope and a spread of filters and
/// view conditions, the count equals the number of tickets listed. (A backend
/// may answer counts from a running tally; this is what keeps it honest.)
pub async fn counts_stay_exact_through_changes(store: Arc<dyn Store>) {
    use tessera_core::view::{Field, Operator, Resolved, ResolvedConditions, ResolvedValue};
    let d1 = store.insert_department(department("One")).await.unwrap().id;
    let d2 = store.insert_department(department("Two")).await.unwrap().id;
    let c = store.insert_user(user("c@example.com", Role::Customer)).await.unwrap().id;
    let a1 = store.insert_user(user("a1@example.com", Role::Agent)).await.unwrap().id;
    let a2 = store.insert_user(user("a2@example.com", Role::Agent)).await.unwrap().id;
    let priorities = [Priority::Low, Priority::Normal, Priority::High, Priority::Urgent];
    let mut ids = Vec::new();
    for i in 0..24usize {
        let mut t = ticket(if i % 3 == 0 { d2 } else { d1 }, c, t0() + Duration::minutes(i as i64));
        t.priority = priorities[i % 4];
        t.assignee_id = [None, Some(a1), Some(a2)][i % 3];
        ids.push(create(&*store, t, "x").await.ticket_id);
    }
    let statuses = [
        (StatusKey::OPEN, StatusCategory::Open),
        (StatusKey::ON_HOLD, StatusCategory::Hold),
        (StatusKey::SOLVED, StatusCategory::Solved),
        (StatusKey::CLOSED, StatusCategory::Closed),
    ];
    let rank = |c: StatusCategory| tessera_core::view::category_rank(c);
    let cond = |field: Field, operator: Operator, value: ResolvedValue| Resolved { field, operator, value };
    let views = [
        None,
        Some(ResolvedConditions {
            all: vec![cond(
                Field::StatusCategory,
                Operator::LessThan,
                ResolvedValue::Ints(vec![rank(StatusCategory::Solved)]),
            )],
            any: vec![],
        }),
        Some(ResolvedConditions {
            all: vec![
                cond(Field::AssigneeId, Operator::Absent, ResolvedValue::None),
                cond(Field::StatusCategory, Operator::IsNot, ResolvedValue::Ints(vec![rank(StatusCategory::Closed)])),
            ],
            any: vec![],
        }),
        Some(ResolvedConditions {
            all: vec![cond(Field::DepartmentId, Operator::In, ResolvedValue::Ints(vec![d1.0]))],
            any: vec![
                cond(Field::Priority, Operator::GreaterThan, ResolvedValue::Ints(vec![Priority::Normal.rank()])),
                cond(Field::AssigneeId, Operator::Is, ResolvedValue::Ints(vec![a2.0])),
            ],
        }),
        Some(ResolvedConditions {
            all: vec![cond(Field::Status, Operator::Is, ResolvedValue::Texts(vec![StatusKey::ON_HOLD.into()]))],
            any: vec![],
        }),
        Some(ResolvedConditions {
            all: vec![cond(Field::Archived, Operator::Is, ResolvedValue::Flag(false))],
            any: vec![cond(Field::Tags, Operator::Absent, ResolvedValue::None)],
        }),
    ];
    let scopes = [
        TicketScope::All,
        TicketScope::Agent { user_id: a1, department_ids: vec![d1] },
        TicketScope::Agent { user_id: a2, department_ids: vec![] },
        TicketScope::Agent { user_id: a1, department_ids: vec![d1, d2] },
        TicketScope::Customer { user_id: c, organization_id: None },
    ];
    let check = |round: usize| {
        let store = Arc::clone(&store);
        let views = views.clone();
        let scopes = scopes.clone();
        async move {
            for scope in &scopes {
                for view in &views {
                    for filter in [
                        TicketFilter { view: view.clone(), ..TicketFilter::default() },
                        TicketFilter { view: view.clone(), assignee: Some(None), ..TicketFilter::default() },
                        TicketFilter {
                            view: view.clone(),
                            priorities: vec![Priority::Urgent],
                            ..TicketFilter::default()
                        },
                        TicketFilter { view: view.clone(), archived: Some(false), ..TicketFilter::default() },
                    ] {
                        let q = TicketQuery {
                            scope: scope.clone(),
                            filter,
                            sort: TicketSort::default(),
                            after: None,
                            offset: 0,
                            limit: 100,
                        };
                        let listed = store.list_tickets(&q).await.unwrap().len() as u64;
                        assert_eq!(store.count_tickets(&q).await.unwrap(), listed, "round {round}: {q:?}");
                    }
                }
            }
        }
    };
    check(0).await;
    // Change tickets in every way a tally could miss, checking after each round.
    for (round, id) in ids.iter().enumerate() {
        let mut t = store.ticket(*id).await.unwrap().unwrap();
        let (key, category) = statuses[round % statuses.len()];
        t.status = StatusKey::new(key);
        t.status_category = category;
        match round % 6 {
            0 => t.assignee_id = Some(a1),
            1 => t.assignee_id = None,
            2 => t.department_id = if t.department_id == d1 { d2 } else { d1 },
            3 => t.archived = true,
            4 => t.flagged_id = Some(a2),
            _ => t.deleted_at = Some(t0()),
        }
        t.priority = priorities[(round + 1) % 4];
        let version = t.version;
        t.version += 1;
        store
            .commit(ChangeSet {
                creates: vec![],
                updates: vec![TicketChange::new(t, version)],
                users: vec![],
                mail: None,
                blocks: vec![],
            })
            .await
            .unwrap();
        if round % 4 == 3 {
            check(round + 1).await;
        }
    }
    check(ids.len() + 1).await;
}

pub async fn sla_states_are_kept_and_alerts_written_once(store: Arc<dyn Store>) {
    use tessera_core::sla::{Interval, PriorityTargets, Schedule, ScheduleConfig, SlaPolicy, SlaTargets, Week};
    let (d, u) = base(store.as_ref()).await;
    let schedule = Schedule::new(ScheduleConfig {
        time_zone: "Europe/Istanbul".into(),
        week: Week::weekdays(&[Interval::ALL_DAY]),
        holidays: vec![],
    })
    .unwrap();
    let policy = SlaPolicyRecord {
        id: SlaPolicyId(0),
        position: 0,
        active: true,
        policy: SlaPolicy {
            name: "General".into(),
            department_ids: vec![d],
            schedule,
            targets: PriorityTargets::default(),
            warning_minutes: 30,
        },
        created_at: t0(),
        updated_at: t0(),
    };
    let p = store.insert_sla_policy(policy.clone()).await.unwrap();
    let q = store.insert_sla_policy(SlaPolicyRecord { active: false, ..policy }).await.unwrap();
    assert!(q.position > p.position);
    assert_eq!(store.list_sla_policies().await.unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), [p.id, q.id]);
    assert_eq!(store.sla_policy(p.id).await.unwrap().unwrap().policy.department_ids, [d]);

    let id = create(store.as_ref(), ticket(d, u, t0()), "hi").await.ticket_id;
    let due = t0() + Duration::hours(1);
    let state = TicketSlaRecord {
        ticket_id: id,
        ticket_version: 1,
        policy_id: Some(p.id),
        targets: SlaTargets::default(),
        next_due_at: Some(due),
        next_alert_at: Some(due),
        breached: false,
        announced: vec![],
        computed_at: t0(),
    };
    store.save_ticket_sla(state.clone()).await.unwrap();
    assert_eq!(store.sla_candidates(TicketId(0), 10, true).await.unwrap(), Vec::<TicketId>::new());
    assert_eq!(store.sla_candidates(TicketId(0), 10, false).await.unwrap(), [id]);
    assert!(store.due_sla_alerts(t0(), 10).await.unwrap().is_empty());
    assert_eq!(store.due_sla_alerts(due, 10).await.unwrap(), [id]);
    assert_eq!(store.next_sla_alert_at().await.unwrap(), Some(due));

    // Views and filters see the state.
    let q = |filter: TicketFilter| TicketQuery {
        scope: TicketScope::All,
        filter,
        sort: TicketSort::default(),
        after: None,
        offset: 0,
        limit: 10,
    };
    assert_eq!(
        store.count_tickets(&q(TicketFilter { sla_breached: Some(true), ..Default::default() })).await.unwrap(),
        0
    );
    let soon = TicketFilter { sla_due_before: Some(due + Duration::minutes(1)), ..Default::default() };
    assert_eq!(store.count_tickets(&q(soon)).await.unwrap(), 1);

    // An alert is written once: a second writer expecting the old list loses.
    let alerted = TicketSlaRecord {
        breached: true,
        next_alert_at: None,
        announced: vec!["first_response:breached:0".into()],
        ..state.clone()
    };
    let ev = event(EventKind::SlaBreached, None, due);
    let ids = store.record_sla_alerts(alerted.clone(), vec![], vec![ev.clone()]).await.unwrap();
    assert_eq!(ids.len(), 1);
    assert!(matches!(
        store.record_sla_alerts(alerted.clone(), vec![], vec![ev.clone()]).await,
        Err(StoreError::VersionConflict)
    ));
    let kinds: Vec<EventKind> = store.ticket_events(id).await.unwrap().iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::TicketCreated, EventKind::SlaBreached]);
    assert_eq!(store.ticket(id).await.unwrap().unwrap().version, 1, "alerts change no ticket");
    // A recompute keeps the alerts written; an older one is ignored.
    store.save_ticket_sla(TicketSlaRecord { announced: vec![], ..alerted.clone() }).await.unwrap();
    let kept = store.ticket_sla(id).await.unwrap().unwrap();
    assert_eq!((kept.announced.clone(), kept.breached), (alerted.announced.clone(), true));
    assert_eq!(
        store.count_tickets(&q(TicketFilter { sla_breached: Some(true), ..Default::default() })).await.unwrap(),
        1
    );
    store.save_ticket_sla(TicketSlaRecord { ticket_version: 0, breached: false, ..alerted }).await.unwrap();
    assert!(store.ticket_sla(id).await.unwrap().unwrap().breached);
    store.delete_sla_policy(p.id).await.unwrap();
    assert_eq!(store.ticket_sla(id).await.unwrap().unwrap().policy_id, None);
    assert!(matches!(store.delete_sla_policy(p.id).await, Err(StoreError::NotFound)));
}

/// Ids found by a text-only search over everyone's tickets.
async fn find(store: &dyn Store, text: &str, notes: bool) -> Vec<TicketId> {
    search_ids(store, TicketScope::All, SearchExpr::Text { text: text.into(), phrase: false }, notes).await
}

async fn search_ids(store: &dyn Store, scope: TicketScope, expr: SearchExpr, notes: bool) -> Vec<TicketId> {
    let q = SearchQuery { scope, expr, include_notes: notes, order: SearchOrder::Relevance, offset: 0, limit: 100 };
    let page = store.search_tickets(&q).await.unwrap();
    assert_eq!(page.total as usize, page.hits.len(), "the total counts what the search returns");
    let mut ids: Vec<TicketId> = page.hits.into_iter().map(|h| h.ticket.id).collect();
    ids.sort();
    ids
}

async fn change(store: &dyn Store, id: TicketId, f: impl FnOnce(&mut TicketChange)) {
    let t = store.ticket(id).await.unwrap().unwrap();
    let mut new = t.clone();
    new.version = t.version + 1;
    let mut c = TicketChange::new(new, t.version);
    f(&mut c);
    store
        .commit(ChangeSet { creates: vec![], updates: vec![c], users: vec![], mail: None, blocks: vec![] })
        .await
        .unwrap();
}

/// Writes arriving together (committed as one group on SQLite, whose search
/// documents are rewritten at the group's end) are each found, and a write
/// refused among them leaves nothing in the index.
pub async fn search_follows_concurrent_writes_and_failed_ones(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let first = create(&*store, ticket(d, u, t0()), "ordinary words").await.ticket_id;
    let mut tasks = Vec::new();
    for i in 0..40u32 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            if i % 8 == 0 {
                // A stale version: refused, so its subject must never be found.
                let t = store.ticket(first).await.unwrap().unwrap();
                let mut new = t.clone();
                new.subject = format!("phantom{i}x");
                new.version = t.version + 1;
                let c = TicketChange::new(new, t.version - 1);
                let refused = store
                    .commit(ChangeSet { creates: vec![], updates: vec![c], users: vec![], mail: None, blocks: vec![] })
                    .await;
                assert!(matches!(refused, Err(StoreError::VersionConflict)), "{refused:?}");
                None
            } else {
                let body = format!("quartz{i}x lantern");
                Some((i, create(&*store, ticket(d, u, t0()), &body).await.ticket_id))
            }
        }));
    }
    let mut made = Vec::new();
    for t in tasks {
        made.extend(t.await.unwrap());
    }
    assert_eq!(made.len(), 35);
    for (i, id) in &made {
        assert_eq!(find(&*store, &format!("quartz{i}x"), false).await, [*id], "quartz{i}x");
    }
    assert_eq!(find(&*store, "lantern", false).await.len(), 35);
    for i in (0..40).step_by(8) {
        assert!(find(&*store, &format!("phantom{i}x"), false).await.is_empty(), "phantom{i}x");
    }
    assert_eq!(find(&*store, "ordinary", false).await, [first]);
    assert_eq!(store.ticket(first).await.unwrap().unwrap().version, 1);
}

pub async fn search_follows_every_change_of_the_text(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let mut ta = ticket(d, u, t0());
    ta.subject = "Sunucu çöktü".into();
    let a = create(&*store, ta, "İstanbul'daki sunucu").await;
    let b = create(&*store, ticket(d, u, t0()), "我的退款申请被拒绝").await;
    let (a_id, b_id) = (a.ticket_id, b.ticket_id);
    assert_eq!(find(&*store, "istanbul", false).await, [a_id]);
    assert_eq!(find(&*store, "İSTANBUL", false).await, [a_id]);
    assert_eq!(find(&*store, "SUNUCU", false).await, [a_id]);
    for q in ["退款", "退", "退款申请", "拒绝"] {
        assert_eq!(find(&*store, q, false).await, [b_id], "{q}");
    }
    assert!(find(&*store, "stanbul", false).await.is_empty(), "words match from their start");
    assert_eq!(find(&*store, "sunu", false).await, [a_id], "a word finds longer words it starts");
    // A prefix of many words still finds them all.
    let words: Vec<String> = ('a'..='t').map(|c| format!("pre{c}x")).collect();
    let many = create(&*store, ticket(d, u, t0()), &words.join(" ")).await.ticket_id;
    assert_eq!(find(&*store, "pre", false).await, [many]);
    assert_eq!(find(&*store, "prek", false).await, [many]);
    change(&*store, many, |c| c.ticket.deleted_at = Some(t0())).await;
    // A note is found only when notes may be searched.
    change(&*store, a_id, |c| {
        let mut note = message("gizli not", u, t0());
        note.kind = MessageKind::Note;
        c.new_messages = vec![note];
    })
    .await;
    assert!(find(&*store, "gizli", false).await.is_empty());
    assert_eq!(find(&*store, "gizli", true).await, [a_id]);
    // An edit replaces the old words.
    change(&*store, a_id, |c| {
        c.message_updates = vec![MessageUpdate {
            message_id: a.message_ids[0],
            body: "yeni metin".into(),
            html: None,
            quote_start: None,
            previous_body: "İstanbul'daki sunucu".into(),
            previous_html: None,
            editor_id: u,
            at: t0(),
        }];
    })
    .await;
    assert!(find(&*store, "istanbul", false).await.is_empty());
    assert_eq!(find(&*store, "yeni", false).await, [a_id]);
    // A deleted message is no longer found; a new subject is.
    change(&*store, b_id, |c| {
        c.message_deletes = vec![(b.message_ids[0], t0())];
        c.ticket.subject = "Fatura sorunu".into();
    })
    .await;
    assert!(find(&*store, "退款", false).await.is_empty());
    assert_eq!(find(&*store, "faturası", false).await, Vec::<TicketId>::new());
    assert_eq!(find(&*store, "fatura", false).await, [b_id]);
    // Merging moves the words with the messages.
    change(&*store, a_id, |c| c.move_messages_to = Some(b_id)).await;
    assert_eq!(find(&*store, "yeni", false).await, [b_id]);
    assert_eq!(find(&*store, "sunucu", false).await, [a_id], "the subject stays");
    // The requester's name and e-mail are found, also after a rename.
    let mut who = store.user(u).await.unwrap().unwrap();
    assert_eq!(find(&*store, "customer@example.com", false).await, [a_id, b_id]);
    who.name = "Zeynep Işık".into();
    store.update_user(&who).await.unwrap();
    assert_eq!(find(&*store, "IŞIK", false).await, [a_id, b_id]);
    // A deleted ticket is found no more.
    change(&*store, a_id, |c| c.ticket.deleted_at = Some(t0())).await;
    assert!(find(&*store, "sunucu", false).await.is_empty());
    // A rebuild gives the same answers.
    let stats = store.rebuild_search_index(None).await.unwrap();
    assert_eq!(stats.tickets, 1);
    assert!(!store.search_index_stale().await.unwrap());
    assert_eq!(find(&*store, "IŞIK", false).await, [b_id]);
    assert_eq!(find(&*store, "yeni", false).await, [b_id]);
    assert!(find(&*store, "sunucu", false).await.is_empty());
}

/// Accents of Latin letters do not count (issue 18): a Turkish customer's
/// `gönderemiyorum` is found by `gonderemiyorum` typed on an English
/// keyboard, and the other way round; other scripts keep their letters.
pub async fn search_folds_accents(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let mut ta = ticket(d, u, t0());
    ta.subject = "Dosya GÖNDEREMİYORUM".into();
    let a = create(&*store, ta, "Ek dosyayı gönderemiyorum, hata veriyor.").await.ticket_id;
    let b = create(&*store, ticket(d, u, t0()), "dosya gonderemiyorum ama deniyorum").await.ticket_id;
    let c = create(&*store, ticket(d, u, t0()), "Café in São Paulo, Łódź office").await.ticket_id;
    let e = create(&*store, ticket(d, u, t0()), "Мой заказ").await.ticket_id;
    for q in ["gonderemiyorum", "gönderemiyorum", "GONDEREMIYORUM", "GÖNDEREMİYORUM", "gönder", "gonder"] {
        assert_eq!(find(&*store, q, false).await, [a, b], "{q}");
    }
    for q in ["cafe", "CAFÉ", "sao paulo", "lodz", "Łódź"] {
        assert_eq!(find(&*store, q, false).await, [c], "{q}");
    }
    assert_eq!(find(&*store, "мой", false).await, [e]);
    assert!(find(&*store, "мои", false).await.is_empty(), "Cyrillic й stays a letter");
    // A rebuilt index folds the same way.
    store.rebuild_search_index(None).await.unwrap();
    assert_eq!(find(&*store, "gonderemiyorum", false).await, [a, b]);
    assert_eq!(find(&*store, "Cafe", false).await, [c]);
}

pub async fn search_scopes_fields_and_paging(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let d2 = store.insert_department(department("Sales")).await.unwrap().id;
    let other = store.insert_user(user("other@example.com", Role::Customer)).await.unwrap().id;
    let agent = store.insert_user(user("agent@example.com", Role::Agent)).await.unwrap().id;
    let mut ids = Vec::new();
    for i in 0..7 {
        let mut t = ticket(if i % 2 == 0 { d } else { d2 }, if i < 5 { u } else { other }, t0() + Duration::minutes(i));
        t.priority = if i < 3 { Priority::High } else { Priority::Low };
        ids.push(create(&*store, t, &format!("refund number {i}")).await.ticket_id);
    }
    let text = |s: &str| SearchExpr::Text { text: s.into(), phrase: false };
    let all = search_ids(&*store, TicketScope::All, text("refund"), false).await;
    assert_eq!(all, ids);
    let mine = TicketScope::Customer { user_id: u, organization_id: None };
    assert_eq!(search_ids(&*store, mine.clone(), text("refund"), false).await, ids[..5]);
    let agents = TicketScope::Agent { user_id: agent, department_ids: vec![d2] };
    assert_eq!(search_ids(&*store, agents, text("refund"), false).await, [ids[1], ids[3], ids[5]]);
    let high = SearchExpr::All(vec![text("refund"), SearchExpr::Field(SearchField::Priorities(vec![Priority::High]))]);
    assert_eq!(search_ids(&*store, mine.clone(), high, false).await, ids[..3]);
    let not3 = SearchExpr::All(vec![text("refund"), SearchExpr::Not(Box::new(text("3")))]);
    assert_eq!(search_ids(&*store, TicketScope::All, not3, false).await.len(), 6);
    let either = SearchExpr::Any(vec![text("2"), SearchExpr::Field(SearchField::Departments(vec![d2]))]);
    assert_eq!(search_ids(&*store, TicketScope::All, either, false).await, [ids[1], ids[2], ids[3], ids[5]]);
    // Pages visit every match once, in a stable order.
    let mut seen = Vec::new();
    for offset in (0..7).step_by(3) {
        let q = SearchQuery {
            scope: TicketScope::All,
            expr: text("refund"),
            include_notes: false,
            order: SearchOrder::Relevance,
            offset,
            limit: 3,
        };
        let page = store.search_tickets(&q).await.unwrap();
        assert_eq!(page.total, 7);
        assert!(page.hits.iter().all(|h| h.score.is_some()));
        seen.extend(page.hits.into_iter().map(|h| h.ticket.id));
    }
    seen.sort();
    assert_eq!(seen, ids);
    // Without text: newest changed first.
    let q = SearchQuery {
        scope: TicketScope::All,
        expr: SearchExpr::Field(SearchField::Priorities(vec![Priority::Low])),
        include_notes: false,
        order: SearchOrder::Relevance,
        offset: 0,
        limit: 10,
    };
    let page = store.search_tickets(&q).await.unwrap();
    let got: Vec<TicketId> = page.hits.iter().map(|h| h.ticket.id).collect();
    assert_eq!(got, [ids[6], ids[5], ids[4], ids[3]]);
    assert!(page.hits.iter().all(|h| h.score.is_none()));
    let named = store.users_named("OTHER", 10).await.unwrap();
    assert_eq!(named.iter().map(|u| u.id).collect::<Vec<_>>(), [other]);
}

pub async fn inbound_mail_is_kept_once_and_applied_once(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let new = |sha: &str| NewInbound {
        sha256: sha.repeat(64),
        size: 10,
        source: MailSource::Pipe,
        mailbox_id: None,
        envelope_to: Some("support@example.com".into()),
        received_at: t0(),
    };
    // The same bytes handed in twice keep one row.
    let (first, created) = store.record_inbound(new("a")).await.unwrap();
    assert!(created);
    assert_eq!((first.state, first.envelope_to.as_deref()), (InboundState::Stored, Some("support@example.com")));
    let (again, created) = store.record_inbound(new("a")).await.unwrap();
    assert_eq!((again.id, created), (first.id, false));
    let (other, _) = store.record_inbound(new("b")).await.unwrap();
    let waiting: Vec<InboundId> = store.inbound_to_apply(10).await.unwrap().iter().map(|r| r.id).collect();
    assert_eq!(waiting, [first.id, other.id], "oldest first");

    // Applied with the ticket it opens: one commit, the ids known from then on.
    let applied = MailApplied {
        inbound_id: first.id,
        mail_id: Some("m1@example.com".into()),
        quote_start: None,
        matched_by: "new".into(),
        thread_ids: vec!["m1@example.com".into(), "earlier@example.com".into()],
        note: None,
        at: t0(),
    };
    let c = TicketCreate {
        ticket: ticket(d, u, t0()),
        new_requester: None,
        messages: vec![message("by mail", u, t0())],
        events: vec![event(EventKind::TicketCreated, Some(MessageRef::New(0)), t0())],
    };
    let set = |mail: MailApplied| ChangeSet {
        creates: vec![c.clone()],
        updates: vec![],
        users: vec![],
        mail: Some(mail),
        blocks: vec![],
    };
    let out = store.commit(set(applied.clone())).await.unwrap();
    let (ticket_id, message_id) = (out.created[0].ticket_id, out.created[0].message_ids[0]);
    let row = store.inbound(first.id).await.unwrap().unwrap();
    assert_eq!(
        (row.state, row.ticket_id, row.message_ref, row.matched_by.as_deref(), row.mail_id.as_deref()),
        (InboundState::Applied, Some(ticket_id), Some(message_id), Some("new"), Some("m1@example.com"))
    );
    let hits =
        store.threads_of(&["earlier@example.com".into(), "unknown@x".into(), "m1@example.com".into()]).await.unwrap();
    let mut hits: Vec<(String, TicketId, Option<MessageId>)> =
        hits.into_iter().map(|(m, h)| (m, h.ticket_id, h.message_ref)).collect();
    hits.sort();
    assert_eq!(
        hits,
        [("earlier@example.com".into(), ticket_id, None), ("m1@example.com".into(), ticket_id, Some(message_id))]
    );
    assert_eq!(store.applied_inbound_by_mail_id("m1@example.com").await.unwrap().map(|r| r.id), Some(first.id));

    // Applying it again fails whole: no second ticket.
    let all = TicketQuery {
        scope: TicketScope::All,
        filter: TicketFilter::default(),
        sort: TicketSort::default(),
        after: None,
        offset: 0,
        limit: 100,
    };
    assert!(matches!(store.commit(set(applied)).await, Err(StoreError::Duplicate(_))));
    assert_eq!(store.count_tickets(&all).await.unwrap(), 1);
    // Nor can it be settled any more.
    let settle = |state| InboundSettle { state, reason: Some("why".into()), mail_id: None, ticket_id: None, at: t0() };
    assert!(matches!(
        store.settle_inbound(first.id, settle(InboundState::Quarantined)).await,
        Err(StoreError::Duplicate(_))
    ));
    // A quarantined message may be settled again (processed once more).
    store.settle_inbound(other.id, settle(InboundState::Quarantined)).await.unwrap();
    let q = store.list_inbound(Some(InboundState::Quarantined), None, 10).await.unwrap();
    assert_eq!((q.len(), q[0].reason.as_deref(), q[0].attempts), (1, Some("why"), 1));
    store.settle_inbound(other.id, settle(InboundState::Automatic)).await.unwrap();
    assert_eq!(store.inbound(other.id).await.unwrap().unwrap().attempts, 2);
    assert!(store.inbound_to_apply(10).await.unwrap().is_empty());
    assert!(matches!(
        store.settle_inbound(InboundId(999), settle(InboundState::Refused)).await,
        Err(StoreError::NotFound)
    ));
    let newest: Vec<InboundId> = store.list_inbound(None, None, 10).await.unwrap().iter().map(|r| r.id).collect();
    assert_eq!(newest, [other.id, first.id]);
}

pub async fn mailboxes_keep_settings_cursor_and_one_lease_holder(store: Arc<dyn Store>) {
    let (d, _) = base(&*store).await;
    let other = store.insert_department(department("Sales")).await.unwrap();
    let new = MailboxRecord {
        id: MailboxId(0),
        department_id: d,
        address: "support@example.com".into(),
        imap_url: "imaps://mail.example.com".into(),
        starttls: false,
        username: "support".into(),
        auth_kind: MailboxAuthKind::Password,
        secret: "enc:v1:sealed".into(),
        folder: "INBOX".into(),
        after_import: AfterImportKind::Keyword,
        move_folder: None,
        active: true,
        uid_validity: 0,
        last_uid: 0,
        lease_owner: None,
        lease_until: None,
        last_fetch_at: None,
        last_success_at: None,
        last_error: None,
        state: MailboxState::Ok,
        backlog: 0,
        created_at: t0(),
        updated_at: t0(),
        oauth: MailboxOAuth::default(),
    };
    let a = store.insert_mailbox(new.clone()).await.unwrap();
    let b = store.insert_mailbox(MailboxRecord { address: "sales@example.com".into(), ..new.clone() }).await.unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(store.mailbox(a.id).await.unwrap().unwrap(), a);
    assert_eq!(store.list_mailboxes().await.unwrap().iter().map(|m| m.id).collect::<Vec<_>>(), [a.id, b.id]);

    // Settings change; the cursor and lease are not touched by it.
    let mut changed = a.clone();
    changed.department_id = other.id;
    changed.after_import = AfterImportKind::Move;
    changed.move_folder = Some("Done".into());
    changed.starttls = true;
    changed.updated_at = t0() + Duration::minutes(1);
    changed.last_uid = 99;
    store.update_mailbox(&changed).await.unwrap();
    let got = store.mailbox(a.id).await.unwrap().unwrap();
    assert_eq!(
        (got.department_id, got.move_folder.as_deref(), got.starttls, got.last_uid),
        (other.id, Some("Done"), true, 0)
    );
    assert_eq!(got.updated_at, t0() + Duration::minutes(1));
    assert!(matches!(
        store.update_mailbox(&MailboxRecord { id: MailboxId(999), ..changed.clone() }).await,
        Err(StoreError::NotFound)
    ));

    // OAuth2: the settings round-trip; a refresh's tokens are saved
    // without the settings' time; the state is set on its own.
    let mut oauth = changed.clone();
    oauth.auth_kind = MailboxAuthKind::Oauth2;
    oauth.oauth = MailboxOAuth {
        provider: Some("microsoft".into()),
        tenant: Some("contoso.onmicrosoft.com".into()),
        authorize_url: Some("https://login.example/authorize".into()),
        token_url: Some("https://login.example/token".into()),
        scope: Some("imap offline_access".into()),
        client_id: Some("client".into()),
        client_secret: Some("enc:v1:client".into()),
        refresh_token: Some("enc:v1:refresh".into()),
        expires_at: Some(t0() + Duration::hours(1)),
        pending: Some("enc:v1:pending".into()),
    };
    store.update_mailbox(&oauth).await.unwrap();
    let got = store.mailbox(a.id).await.unwrap().unwrap();
    assert_eq!(got.oauth, oauth.oauth);
    let tokens = MailboxTokens {
        secret: "enc:v1:access2".into(),
        refresh_token: Some("enc:v1:refresh2".into()),
        expires_at: Some(t0() + Duration::hours(2)),
    };
    store.save_mailbox_tokens(a.id, tokens.clone()).await.unwrap();
    let got = store.mailbox(a.id).await.unwrap().unwrap();
    assert_eq!((got.secret.as_str(), got.oauth.refresh_token.as_deref()), ("enc:v1:access2", Some("enc:v1:refresh2")));
    assert_eq!((got.oauth.expires_at, got.updated_at), (tokens.expires_at, oauth.updated_at));
    assert_eq!(got.oauth.client_id.as_deref(), Some("client"));
    store.set_mailbox_state(a.id, MailboxState::Reauthorise, Some("authorise again".into())).await.unwrap();
    let got = store.mailbox(a.id).await.unwrap().unwrap();
    assert_eq!((got.state, got.last_error.as_deref()), (MailboxState::Reauthorise, Some("authorise again")));
    assert_eq!(got.updated_at, oauth.updated_at);
    // A pending authorisation is set alone and taken once.
    store.set_mailbox_pending(a.id, Some("enc:v1:pending2".into())).await.unwrap();
    assert!(!store.take_mailbox_pending(a.id, "enc:v1:other").await.unwrap());
    let (x, y) = tokio::join!(
        store.take_mailbox_pending(a.id, "enc:v1:pending2"),
        store.take_mailbox_pending(a.id, "enc:v1:pending2")
    );
    assert!(x.unwrap() ^ y.unwrap(), "taken exactly once");
    let got = store.mailbox(a.id).await.unwrap().unwrap();
    assert_eq!((got.oauth.pending, got.updated_at, got.state), (None, oauth.updated_at, MailboxState::Reauthorise));
    assert!(matches!(store.set_mailbox_pending(MailboxId(999), None).await, Err(StoreError::NotFound)));
    assert!(matches!(store.save_mailbox_tokens(MailboxId(999), tokens).await, Err(StoreError::NotFound)));
    assert!(matches!(store.set_mailbox_state(MailboxId(999), MailboxState::Ok, None).await, Err(StoreError::NotFound)));
    // Back to a password: the later checks expect one.
    store.update_mailbox(&changed).await.unwrap();

    // One lease holder at a time; renewing, expiry, release.
    let now = t0();
    let until = now + Duration::seconds(60);
    assert!(store.take_mailbox_lease(a.id, "one", now, until).await.unwrap());
    assert!(!store.take_mailbox_lease(a.id, "two", now + Duration::seconds(10), until).await.unwrap());
    assert!(
        store
            .take_mailbox_lease(a.id, "one", now + Duration::seconds(10), until + Duration::seconds(10))
            .await
            .unwrap()
    );
    // Two takers at once: exactly one wins.
    let (x, y) = tokio::join!(
        store.take_mailbox_lease(b.id, "one", now, until),
        store.take_mailbox_lease(b.id, "two", now, until)
    );
    assert!(x.unwrap() ^ y.unwrap());
    // Only the holder saves progress.
    let progress = MailboxProgress {
        uid_validity: 7,
        last_uid: 42,
        fetched_at: now + Duration::seconds(5),
        succeeded: true,
        error: None,
        state: MailboxState::Ok,
        backlog: 3,
    };
    assert!(store.save_mailbox_progress(a.id, "one", progress.clone()).await.unwrap());
    assert!(
        !store.save_mailbox_progress(a.id, "two", MailboxProgress { last_uid: 1, ..progress.clone() }).await.unwrap()
    );
    let got = store.mailbox(a.id).await.unwrap().unwrap();
    assert_eq!((got.uid_validity, got.last_uid, got.backlog), (7, 42, 3));
    assert_eq!(got.last_success_at, Some(now + Duration::seconds(5)));
    assert_eq!(got.lease_owner.as_deref(), Some("one"));
    // A failure keeps the last success and records why.
    let failed = MailboxProgress {
        fetched_at: now + Duration::seconds(30),
        succeeded: false,
        error: Some("timed out".into()),
        state: MailboxState::Error,
        ..progress
    };
    assert!(store.save_mailbox_progress(a.id, "one", failed).await.unwrap());
    let got = store.mailbox(a.id).await.unwrap().unwrap();
    assert_eq!((got.state, got.last_error.as_deref()), (MailboxState::Error, Some("timed out")));
    assert_eq!(
        (got.last_success_at, got.last_fetch_at),
        (Some(now + Duration::seconds(5)), Some(now + Duration::seconds(30)))
    );
    // Expired: another may take it, and the first can no longer save.
    let later = until + Duration::seconds(11);
    assert!(store.take_mailbox_lease(a.id, "two", later, later + Duration::seconds(60)).await.unwrap());
    assert!(
        !store
            .save_mailbox_progress(
                a.id,
                "one",
                MailboxProgress {
                    uid_validity: 7,
                    last_uid: 50,
                    fetched_at: later,
                    succeeded: true,
                    error: None,
                    state: MailboxState::Ok,
                    backlog: 0,
                }
            )
            .await
            .unwrap()
    );
    // Released: free for anyone; releasing a lease one does not hold changes nothing.
    store.release_mailbox_lease(a.id, "one").await.unwrap();
    assert_eq!(store.mailbox(a.id).await.unwrap().unwrap().lease_owner.as_deref(), Some("two"));
    store.release_mailbox_lease(a.id, "two").await.unwrap();
    assert!(store.take_mailbox_lease(a.id, "one", later, later + Duration::seconds(60)).await.unwrap());
    // An inactive mailbox is not leased.
    let mut off = store.mailbox(b.id).await.unwrap().unwrap();
    off.active = false;
    store.update_mailbox(&off).await.unwrap();
    store.release_mailbox_lease(b.id, "one").await.unwrap();
    store.release_mailbox_lease(b.id, "two").await.unwrap();
    assert!(!store.take_mailbox_lease(b.id, "one", later, later + Duration::seconds(60)).await.unwrap());

    store.delete_mailbox(b.id).await.unwrap();
    assert!(store.mailbox(b.id).await.unwrap().is_none());
    assert!(matches!(store.delete_mailbox(b.id).await, Err(StoreError::NotFound)));
}

/// The blocked-senders list: an address or a whole domain, for every
/// department or one; listed once; removed again.
pub async fn blocked_senders_match_addresses_and_domains_per_department(store: Arc<dyn Store>) {
    let (d, _) = base(&*store).await;
    let other = store.insert_department(department("Sales")).await.unwrap();
    let (one, new) = store.add_sender_block(blocked("spam@example.com")).await.unwrap();
    assert!(new);
    let (again, new) = store.add_sender_block(blocked("spam@example.com")).await.unwrap();
    assert!(!new, "listed once");
    assert_eq!(again.id, one.id);
    let (domain, _) =
        store.add_sender_block(NewSenderBlock { department_id: Some(d), ..blocked("@junk.test") }).await.unwrap();
    // The same pattern for another department is its own entry.
    let (sales, new) = store
        .add_sender_block(NewSenderBlock { department_id: Some(other.id), ..blocked("@junk.test") })
        .await
        .unwrap();
    assert!(new);
    assert_ne!(sales.id, domain.id);
    let found = |a: &'static str, dep: Option<DepartmentId>| {
        let store = store.clone();
        async move { store.sender_block_for(a, dep).await.unwrap().map(|b| b.id) }
    };
    assert_eq!(found("Spam@Example.com", None).await, Some(one.id), "addresses match without case");
    assert_eq!(found("spam@example.com", Some(d)).await, Some(one.id), "an installation entry holds everywhere");
    assert_eq!(found("anyone@junk.test", Some(d)).await, Some(domain.id));
    assert_eq!(found("anyone@junk.test", Some(other.id)).await, Some(sales.id));
    assert_eq!(found("anyone@junk.test", None).await, None, "a department's entry holds only there");
    assert_eq!(found("friend@example.com", Some(d)).await, None);
    assert_eq!(found("x@sub.junk.test", Some(d)).await, None, "a domain entry is that domain");
    assert_eq!(store.sender_blocks().await.unwrap().len(), 3);
    store.delete_sender_block(domain.id).await.unwrap();
    assert_eq!(found("anyone@junk.test", Some(d)).await, None);
    assert!(matches!(store.delete_sender_block(domain.id).await, Err(StoreError::NotFound)));
}

/// Issue 16: a message's quote offset is kept through write, read, edit
/// and delete, and the search document holds only the new part of a
/// message (the quoted history is earlier messages, already in it), also
/// after a rebuild.
pub async fn quote_offsets_round_trip_and_quoted_text_is_not_searched(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let body = "Teşekkürler, çözüldü freshword\n\nOn Mon, Ayşe wrote:\n> eski stalequote";
    let q = u32::try_from(body.find("On Mon").unwrap()).unwrap();
    let t = ticket(d, u, t0());
    let mut m = message(body, u, t0());
    m.quote_start = Some(q);
    let c = TicketCreate {
        ticket: t,
        new_requester: None,
        messages: vec![m, message("plain", u, t0())],
        events: vec![event(EventKind::TicketCreated, Some(MessageRef::New(0)), t0())],
    };
    let set = ChangeSet { creates: vec![c], updates: vec![], users: vec![], mail: None, blocks: vec![] };
    let out = store.commit(set).await.unwrap();
    let a = &out.created[0];
    let read = store.message(a.message_ids[0]).await.unwrap().unwrap();
    assert_eq!(read.quote_start, Some(q));
    assert_eq!(read.body, body);
    assert_eq!(store.message(a.message_ids[1]).await.unwrap().unwrap().quote_start, None);
    assert_eq!(store.messages(a.ticket_id, true).await.unwrap()[0].quote_start, Some(q));
    assert_eq!(find(&*store, "freshword", false).await, [a.ticket_id]);
    assert!(find(&*store, "stalequote", false).await.is_empty(), "quoted history is not indexed");
    // An edit writes the offset the desk decided.
    let edited = "Teşekkürler, çözüldü newword\n\nOn Mon, Ayşe wrote:\n> eski stalequote";
    let q2 = u32::try_from(edited.find("On Mon").unwrap()).unwrap();
    change(&*store, a.ticket_id, |c| {
        c.message_updates = vec![MessageUpdate {
            message_id: a.message_ids[0],
            body: edited.into(),
            html: None,
            quote_start: Some(q2),
            previous_body: body.into(),
            previous_html: None,
            editor_id: u,
            at: t0(),
        }];
    })
    .await;
    assert_eq!(store.message(a.message_ids[0]).await.unwrap().unwrap().quote_start, Some(q2));
    assert_eq!(find(&*store, "newword", false).await, [a.ticket_id]);
    assert!(find(&*store, "stalequote", false).await.is_empty());
    // A rebuild indexes the same.
    store.rebuild_search_index(None).await.unwrap();
    assert_eq!(find(&*store, "newword", false).await, [a.ticket_id]);
    assert!(find(&*store, "stalequote", false).await.is_empty());
    // Clearing the offset makes the whole body searchable; deleting drops it.
    change(&*store, a.ticket_id, |c| {
        c.message_updates = vec![MessageUpdate {
            message_id: a.message_ids[0],
            body: edited.into(),
            html: None,
            quote_start: None,
            previous_body: edited.into(),
            previous_html: None,
            editor_id: u,
            at: t0(),
        }];
    })
    .await;
    assert_eq!(find(&*store, "stalequote", false).await, [a.ticket_id]);
    change(&*store, a.ticket_id, |c| c.message_deletes = vec![(a.message_ids[0], t0())]).await;
    let gone = store.message(a.message_ids[0]).await.unwrap().unwrap();
    assert_eq!((gone.body.as_str(), gone.quote_start), ("", None));
}

fn outbound(ticket: Option<TicketId>, kind: OutboundKind, mail_id: &str, to: &[&str], at: Timestamp) -> NewOutbound {
    NewOutbound {
        ticket_id: ticket,
        message_ref: None,
        event_id: None,
        kind,
        mail_id: mail_id.into(),
        plan: format!(r#"{{"mail": "{mail_id}"}}"#),
        recipients: to
            .iter()
            .map(|a| NewRecipient {
                address: (*a).into(),
                user_id: None,
                state: MailDeliveryState::Queued,
                answer: None,
            })
            .collect(),
        created_at: at,
    }
}

/// Issue 17: messages are queued with the event-log cursor in one commit
/// (a second queuer of the same events changes nothing), each recipient's
/// copy is claimed by one sender at a time, and its outcome, a bounce and
/// an admin's resend are kept.
pub async fn outbound_mail_is_queued_with_its_cursor_claimed_once_and_finished(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let t = create(&*store, ticket(d, u, t0()), "hello").await.ticket_id;
    let cursor = |from: i64, up_to: i64| OutboundCursor {
        name: "mail.test.cursor".into(),
        from: EventId(from),
        up_to: EventId(up_to),
    };
    let reply = outbound(
        Some(t),
        OutboundKind::AgentReply,
        "t1.abc-e1r0@example.com",
        &["ana@example.com", "cc@example.com"],
        t0(),
    );
    store.queue_outbound(Some(cursor(0, 5)), vec![reply.clone()]).await.unwrap();
    assert_eq!(store.setting("mail.test.cursor").await.unwrap().as_deref(), Some("5"));
    // Another instance that read the same events finds the cursor moved.
    assert!(matches!(store.queue_outbound(Some(cursor(0, 5)), vec![reply]).await, Err(StoreError::VersionConflict)));
    store
        .queue_outbound(
            None,
            vec![outbound(None, OutboundKind::PasswordReset, "account.x@example.com", &["u@example.com"], t0())],
        )
        .await
        .unwrap();
    assert_eq!(store.outbound_of_ticket(t, 10).await.unwrap().len(), 2, "the conflicting batch queued nothing");

    // Claimed once while leased; again after the lease ends.
    let now = t0() + Duration::seconds(1);
    let claimed = store.claim_outbound(now, now + Duration::seconds(60), 10).await.unwrap();
    assert_eq!(claimed.len(), 3);
    assert!(claimed.iter().any(|c| c.plan.contains("t1.abc-e1r0")));
    assert!(store.claim_outbound(now, now + Duration::seconds(60), 10).await.unwrap().is_empty(), "leased");
    let again = store.claim_outbound(now + Duration::seconds(61), now + Duration::seconds(120), 1).await.unwrap();
    assert_eq!(again.len(), 1, "a crashed sender's copies come back");

    let ana = claimed.iter().find(|c| c.delivery.address == "ana@example.com").unwrap().delivery.id;
    let cc = claimed.iter().find(|c| c.delivery.address == "cc@example.com").unwrap().delivery.id;
    let at = now + Duration::seconds(2);
    let later = at + Duration::seconds(600);
    let sent =
        DeliveryOutcome { state: MailDeliveryState::Sent, answer: Some("250 Ok".into()), next_attempt_at: at, at };
    let deferred = DeliveryOutcome {
        state: MailDeliveryState::Deferred,
        answer: Some("450 busy".into()),
        next_attempt_at: later,
        at,
    };
    store.finish_deliveries(vec![(ana, sent), (cc, deferred)], Vec::new()).await.unwrap();
    let ana_row = store.delivery_of_mail(ana).await.unwrap().unwrap();
    assert_eq!(
        (ana_row.state, ana_row.attempts, ana_row.answer.as_deref()),
        (MailDeliveryState::Sent, 1, Some("250 Ok"))
    );
    assert_eq!(ana_row.ticket_id, Some(t));
    assert_eq!(ana_row.kind, OutboundKind::AgentReply);
    // The deferred copy is due only at its time.
    let due = |at: Timestamp| {
        let store = store.clone();
        async move {
            store
                .claim_outbound(at, at + Duration::seconds(1), 10)
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.delivery.id)
                .collect::<Vec<_>>()
        }
    };
    assert!(!due(at + Duration::seconds(300)).await.contains(&cc));
    assert!(due(later).await.contains(&cc));

    // A bounce for the sent copy names the message and the address.
    let bounced = store
        .bounce_delivery("t1.abc-e1r0@example.com", "ANA@example.com", "bounced: 5.1.1", later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((bounced.id, bounced.state), (ana, MailDeliveryState::Bounced));
    assert!(store.bounce_delivery("unknown@example.com", "ana@example.com", "x", later).await.unwrap().is_none());
    // An admin sends it again.
    store.requeue_delivery(ana, later).await.unwrap();
    assert_eq!(store.delivery_of_mail(ana).await.unwrap().unwrap().state, MailDeliveryState::Queued);
    assert!(matches!(store.requeue_delivery(MailDeliveryId(987_654), later).await, Err(StoreError::NotFound)));

    let newest = store.list_outbound(None, None, 2).await.unwrap();
    assert_eq!(newest.len(), 2);
    assert!(newest[0].id > newest[1].id, "newest first");
    let rest = store.list_outbound(None, Some(newest[1].id), 10).await.unwrap();
    assert_eq!(rest.len(), 1);
    let queued = store.list_outbound(Some(MailDeliveryState::Queued), None, 10).await.unwrap();
    assert!(queued.iter().all(|d| d.state == MailDeliveryState::Queued) && queued.iter().any(|d| d.id == ana));
    assert!(store.sent_since(OutboundKind::AgentReply, "ana@example.com", t0()).await.unwrap());
    assert!(!store.sent_since(OutboundKind::Acknowledgement, "ana@example.com", t0()).await.unwrap());
    assert!(
        !store.sent_since(OutboundKind::AgentReply, "ana@example.com", later + Duration::seconds(1)).await.unwrap()
    );
    let tally = store.outbound_tally().await.unwrap();
    assert_eq!(tally.iter().map(|t| t.count).sum::<i64>(), 3);
}

/// Issue 17: the suppression list (one entry per address, case folded),
/// people's notification choices, and admins' templates.
pub async fn suppressions_choices_and_templates_are_kept(store: Arc<dyn Store>) {
    let (_, u) = base(&*store).await;
    let entry = |a: &str, reason: &str| Suppression {
        address: a.into(),
        reason: reason.into(),
        delivery_id: None,
        created_at: t0(),
    };
    store.suppress_address(entry("Gone@Example.com", "550 5.1.1")).await.unwrap();
    store.suppress_address(entry("gone@example.com", "a second failure")).await.unwrap();
    let list = store.list_suppressions().await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].address.as_str(), list[0].reason.as_str()),
        ("gone@example.com", "550 5.1.1"),
        "the first reason is kept"
    );
    let found = store.suppressions_of(&["GONE@example.com".into(), "here@example.com".into()]).await.unwrap();
    assert_eq!(found.len(), 1);
    store.clear_suppression("gone@EXAMPLE.com").await.unwrap();
    assert!(matches!(store.clear_suppression("gone@example.com").await, Err(StoreError::NotFound)));

    assert!(store.notification_prefs(u).await.unwrap().is_empty());
    store.set_notification_pref(u, OutboundKind::Solved, false).await.unwrap();
    store.set_notification_pref(u, OutboundKind::NewTicket, false).await.unwrap();
    store.set_notification_pref(u, OutboundKind::NewTicket, true).await.unwrap();
    let mut prefs = store.notification_prefs(u).await.unwrap();
    prefs.sort();
    assert_eq!(prefs, vec![(OutboundKind::Solved, false), (OutboundKind::NewTicket, true)]);
    assert_eq!(store.users_opted_out(OutboundKind::Solved, &[u, UserId(987_654)]).await.unwrap(), vec![u]);
    assert!(store.users_opted_out(OutboundKind::NewTicket, &[u]).await.unwrap().is_empty());

    let template = |subject: &str| MailTemplateRecord {
        kind: OutboundKind::Solved,
        language: "tr".into(),
        subject: subject.into(),
        body: "Çözüldü: {{ ticket.number }}".into(),
        updated_by: Some(u),
        updated_at: t0(),
    };
    store.save_mail_template(template("Bir")).await.unwrap();
    store.save_mail_template(template("İki")).await.unwrap();
    let all = store.mail_templates().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].subject.as_str(), all[0].body.as_str()), ("İki", "Çözüldü: {{ ticket.number }}"));
    store.delete_mail_template(OutboundKind::Solved, "tr").await.unwrap();
    assert!(store.mail_templates().await.unwrap().is_empty());
    assert!(matches!(store.delete_mail_template(OutboundKind::Solved, "tr").await, Err(StoreError::NotFound)));
}

/// Issue 17, decision 48: people's modes (`on` from before is immediate;
/// no choice is no row), departments' defaults, and digest items collected
/// in the queue's commit and taken with their digest mail in one commit, once.
pub async fn digests_and_notification_modes_are_kept(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let other = store.insert_user(user("agent@example.com", Role::Agent)).await.unwrap().id;
    store.set_notification_mode(u, OutboundKind::NewTicket, Some(NotificationMode::Digest)).await.unwrap();
    store.set_notification_pref(u, OutboundKind::Solved, true).await.unwrap();
    let mut modes = store.notification_modes(u).await.unwrap();
    modes.sort();
    assert_eq!(
        modes,
        vec![(OutboundKind::Solved, NotificationMode::Immediate), (OutboundKind::NewTicket, NotificationMode::Digest)]
    );
    assert_eq!(
        store.notification_modes_of(OutboundKind::NewTicket, &[u, other]).await.unwrap(),
        vec![(u, NotificationMode::Digest)]
    );
    assert!(store.users_opted_out(OutboundKind::NewTicket, &[u]).await.unwrap().is_empty(), "digest is not off");
    store.set_notification_mode(u, OutboundKind::NewTicket, Some(NotificationMode::Off)).await.unwrap();
    assert_eq!(store.users_opted_out(OutboundKind::NewTicket, &[u]).await.unwrap(), vec![u]);
    store.set_notification_mode(u, OutboundKind::NewTicket, None).await.unwrap();
    assert!(store.notification_modes_of(OutboundKind::NewTicket, &[u]).await.unwrap().is_empty());

    assert!(store.department_notification_defaults().await.unwrap().is_empty());
    store.set_department_notification_default(d, OutboundKind::NewTicket, Some(NotificationMode::Off)).await.unwrap();
    store.set_department_notification_default(d, OutboundKind::Assigned, Some(NotificationMode::Off)).await.unwrap();
    store.set_department_notification_default(d, OutboundKind::Assigned, Some(NotificationMode::Digest)).await.unwrap();
    store.set_department_notification_default(d, OutboundKind::NewTicket, None).await.unwrap();
    assert_eq!(
        store.department_notification_defaults().await.unwrap(),
        vec![(d, OutboundKind::Assigned, NotificationMode::Digest)]
    );

    let t = create(&*store, ticket(d, u, t0()), "hello").await.ticket_id;
    let item = |n: u32, at: Timestamp| NewDigestItem {
        user_id: other,
        kind: OutboundKind::NewTicket,
        ticket_id: Some(t),
        event_id: None,
        item: format!(r#"{{"n": {n}}}"#),
        created_at: at,
    };
    let later = t0() + Duration::minutes(30);
    store
        .queue_notifications(
            None,
            vec![outbound(Some(t), OutboundKind::Solved, "digest.x@example.com", &["u@example.com"], t0())],
            vec![item(1, t0()), item(2, later)],
        )
        .await
        .unwrap();
    assert_eq!(store.list_outbound(None, None, 10).await.unwrap().len(), 1, "mail and items in one commit");
    assert!(store.digests_due(t0() - Duration::seconds(1), 10).await.unwrap().is_empty());
    assert_eq!(store.digests_due(t0(), 10).await.unwrap(), vec![other]);
    let items = store.digest_items(other, 10).await.unwrap();
    assert_eq!(items.iter().map(|i| i.item.item.as_str()).collect::<Vec<_>>(), [r#"{"n": 1}"#, r#"{"n": 2}"#]);
    assert_eq!(items[1].item, item(2, later));
    assert!(store.digest_items(u, 10).await.unwrap().is_empty());

    let ids: Vec<i64> = items.iter().map(|i| i.id).collect();
    let digest = || Some(outbound(None, OutboundKind::Digest, "digest.1@example.com", &["agent@example.com"], later));
    store.queue_digest(other, ids.clone(), digest()).await.unwrap();
    assert!(store.digest_items(other, 10).await.unwrap().is_empty());
    assert!(store.digests_due(later, 10).await.unwrap().is_empty());
    // A second instance with the same items: refused, nothing queued twice.
    assert!(matches!(store.queue_digest(other, ids, digest()).await, Err(StoreError::VersionConflict)));
    let all = store.list_outbound(None, None, 10).await.unwrap();
    assert_eq!(all.iter().filter(|m| m.kind == OutboundKind::Digest).count(), 1);
}

/// Issue 18: a reply's or note's draft per user and ticket, replaced by
/// the next save, deleted once.
pub async fn drafts_are_kept_per_user_and_ticket(store: Arc<dyn Store>) {
    let (d, u) = base(&*store).await;
    let agent = store.insert_user(user("agent@example.com", Role::Agent)).await.unwrap().id;
    let t1 = create(&*store, ticket(d, u, t0()), "one").await.ticket_id;
    let t2 = create(&*store, ticket(d, u, t0() + Duration::seconds(1)), "two").await.ticket_id;
    let draft = |user: UserId, ticket: TicketId, kind: MessageKind, body: &str, secs: i64| Draft {
        user_id: user,
        ticket_id: ticket,
        kind,
        body: body.into(),
        updated_at: t0() + Duration::seconds(secs),
    };
    assert_eq!(store.draft(agent, t1).await.unwrap(), None);
    store.save_draft(draft(agent, t1, MessageKind::Reply, "Hello", 10)).await.unwrap();
    store.save_draft(draft(u, t1, MessageKind::Reply, "Mine", 11)).await.unwrap();
    store.save_draft(draft(agent, t2, MessageKind::Note, "Other ticket", 12)).await.unwrap();
    assert_eq!(store.draft(agent, t1).await.unwrap(), Some(draft(agent, t1, MessageKind::Reply, "Hello", 10)));
    // A second save replaces the first: one draft per user and ticket.
    store.save_draft(draft(agent, t1, MessageKind::Note, "Hello again ğ 世界", 20)).await.unwrap();
    assert_eq!(
        store.draft(agent, t1).await.unwrap(),
        Some(draft(agent, t1, MessageKind::Note, "Hello again ğ 世界", 20))
    );
    assert_eq!(store.draft(u, t1).await.unwrap().unwrap().body, "Mine", "each user's own");
    assert_eq!(store.draft(agent, t2).await.unwrap().unwrap().kind, MessageKind::Note);
    assert!(store.delete_draft(agent, t1).await.unwrap());
    assert!(!store.delete_draft(agent, t1).await.unwrap(), "gone already");
    assert_eq!(store.draft(agent, t1).await.unwrap(), None);
    assert_eq!(store.draft(u, t1).await.unwrap().unwrap().body, "Mine", "another user's draft stays");
    assert_eq!(store.draft(agent, t2).await.unwrap().unwrap().body, "Other ticket", "another ticket's stays");
}
