//! Who may see and do what (decisions 34 and 36): reach — a password, an
//! address, an organization, `sees_all` — is an admin's to give; agents
//! open tickets in their own departments; customers see their own tickets
//! (and their organization's with `sees_all`); a ticket's access key is
//! shown to its requester and admins, agents ask for the guest link, and
//! what a guest does is recorded as the requester's, by the link.

use crate::support::*;
use std::collections::BTreeSet;
use tessera_core::event::EventKind;
use tessera_core::ids::TicketId;
use tessera_core::{Actor, Role};
use tessera_desk::{CreateUser, OpenTicket, TicketListQuery, UpdateUser};

/// The tickets `who` finds in their list: what they may see, as the
/// scope of a list query decides (reads of one ticket are checked apart).
async fn listed(w: &World, who: &Actor) -> BTreeSet<TicketId> {
    let page = w.desk.list_tickets(who, TicketListQuery::default()).await.expect("a list");
    page.tickets.iter().map(|t| t.id).collect()
}

#[tokio::test]
async fn agents_create_customers_without_reach() {
    let w = World::new().await;
    let new = |address: &str| CreateUser::new(email(address), "Caller", Role::Customer);
    let refused = [
        (CreateUser { password: Some("chosen by the agent".into()), ..new("a@caller.test") }, "password"),
        (CreateUser { organization_id: Some(w.acme), ..new("b@caller.test") }, "organization_id"),
        (CreateUser { sees_all: true, ..new("c@caller.test") }, "sees_all"),
        (CreateUser { role: Role::Agent, ..new("d@caller.test") }, "role"),
    ];
    for (input, field) in refused {
        assert_eq!(refusal(w.desk.create_user(&w.ayse, input).await), ("forbidden", Some(field.into())));
    }
    let caller = w.desk.create_user(&w.ayse, new("e@caller.test")).await.expect("a caller").user;
    assert_eq!((caller.role, caller.organization_id, caller.sees_all), (Role::Customer, None, false));
    assert!(caller.password_hash.is_none());
    assert_eq!(refusal(w.desk.create_user(&w.erin, new("f@caller.test")).await).0, "forbidden");
    // Nothing refused was made.
    for address in ["a@caller.test", "b@caller.test", "c@caller.test", "d@caller.test"] {
        assert!(w.desk.user_by_email(&w.admin, &email(address)).await.expect("a lookup").is_none(), "{address}");
    }
    // The admin gives reach.
    let member = CreateUser { organization_id: Some(w.acme), sees_all: true, ..new("g@caller.test") };
    let member = w.desk.create_user(&w.admin, member).await.expect("a member").user;
    assert_eq!((member.organization_id, member.sees_all), (Some(w.acme), true));
}

#[tokio::test]
async fn agents_change_a_customers_name_but_not_their_reach_or_password() {
    let w = World::new().await;
    let renamed = UpdateUser { name: Some("Erin Y.".into()), ..UpdateUser::default() };
    let erin = w.desk.update_user(&w.ayse, w.erin.user_id, renamed).await.expect("a new name").user;
    assert_eq!(erin.name, "Erin Y.");
    let refused = [
        (UpdateUser { password: Some("chosen by the agent".into()), ..UpdateUser::default() }, "password"),
        (UpdateUser { email: Some(email("agent-controlled@tessera.test")), ..UpdateUser::default() }, "email"),
        (UpdateUser { organization_id: Some(None), ..UpdateUser::default() }, "organization_id"),
        (UpdateUser { sees_all: Some(true), ..UpdateUser::default() }, "sees_all"),
        (UpdateUser { disabled: Some(true), ..UpdateUser::default() }, "disabled"),
    ];
    for (input, field) in refused {
        assert_eq!(
            refusal(w.desk.update_user(&w.ayse, w.erin.user_id, input).await),
            ("forbidden", Some(field.into()))
        );
    }
    let after = w.desk.user(&w.admin, w.erin.user_id).await.expect("Erin").user;
    assert_eq!((after.email.as_str(), after.organization_id, after.sees_all), ("erin@acme.test", Some(w.acme), false));
    assert!(after.password_hash.is_none() && !after.disabled);

    // Another agent is not an agent's to change; nor their own address.
    let name = || UpdateUser { name: Some("Renamed".into()), ..UpdateUser::default() };
    assert_eq!(refusal(w.desk.update_user(&w.ayse, w.bora.user_id, name()).await).0, "forbidden");
    let own_address = UpdateUser { email: Some(email("ayse@elsewhere.test")), ..UpdateUser::default() };
    assert_eq!(refusal(w.desk.update_user(&w.ayse, w.ayse.user_id, own_address).await).1.as_deref(), Some("email"));
    // A customer is told other users do not exist.
    assert_eq!(refusal(w.desk.update_user(&w.erin, w.gul.user_id, name()).await).0, "not_found");
    // The admin gives reach.
    let reach = UpdateUser { sees_all: Some(true), ..UpdateUser::default() };
    assert!(w.desk.update_user(&w.admin, w.erin.user_id, reach).await.expect("reach").user.sees_all);
}

#[tokio::test]
async fn agents_open_tickets_only_in_their_departments() {
    let w = World::new().await;
    let attempt = |who: &Actor, department| {
        let input = OpenTicket { requester_id: Some(w.erin.user_id), ..OpenTicket::new("Call", department, "notes") };
        let input = if who.is_staff() { input } else { OpenTicket::new("Question", department, "text") };
        let (desk, who) = (w.desk.clone(), who.clone());
        async move { desk.open_ticket(&who, input, &web()).await }
    };
    let forbidden = ("forbidden", Some("department_id".to_string()));
    assert_eq!(refusal(attempt(&w.ayse, w.billing).await), forbidden);
    assert_eq!(refusal(attempt(&w.ayse, w.internal).await), forbidden);
    assert_eq!(refusal(w.desk.check_may_open(&w.ayse, w.billing).await), forbidden);
    attempt(&w.ayse, w.support).await.expect("her own department");
    attempt(&w.admin, w.internal).await.expect("admins anywhere");
    attempt(&w.erin, w.billing).await.expect("customers in public departments");
    let hidden = ("unknown_department", Some("department_id".to_string()));
    assert_eq!(refusal(attempt(&w.erin, w.internal).await), hidden, "customers are not told it exists");

    let choices = |who: &Actor| {
        let (desk, who) = (w.desk.clone(), who.clone());
        async move { desk.departments_for_new_ticket(&who).await.unwrap().iter().map(|d| d.id).collect::<BTreeSet<_>>() }
    };
    assert_eq!(choices(&w.ayse).await, BTreeSet::from([w.support]));
    assert_eq!(choices(&w.erin).await, BTreeSet::from([w.support, w.billing]));
    assert_eq!(choices(&w.admin).await, BTreeSet::from([w.support, w.billing, w.internal]));
}

#[tokio::test]
async fn customers_see_their_own_tickets_and_with_sees_all_their_organizations() {
    let w = World::new().await;
    let erins = w.open(&w.erin, w.support, "Erin's").await.id;
    let faruks = w.open(&w.faruk, w.billing, "Faruk's").await.id;
    let guls = w.open(&w.gul, w.support, "Gül's").await.id;
    let for_erin = w.open_for(&w.erin, "Opened for Erin by phone").await.id;

    assert_eq!(listed(&w, &w.erin).await, BTreeSet::from([erins, for_erin]));
    assert_eq!(listed(&w, &w.faruk).await, BTreeSet::from([erins, faruks, for_erin]), "all of Acme's");
    assert_eq!(listed(&w, &w.gul).await, BTreeSet::from([guls]));
    assert_eq!(listed(&w, &w.ayse).await, BTreeSet::from([erins, guls, for_erin]), "Support's");
    assert_eq!(listed(&w, &w.bora).await, BTreeSet::from([faruks]), "Billing's");
    assert_eq!(listed(&w, &w.admin).await.len(), 4);

    // What is not theirs does not exist for them, whatever they try.
    for (who, id) in [(&w.erin, faruks), (&w.erin, guls), (&w.gul, erins), (&w.bora, erins)] {
        assert_eq!(refusal(w.desk.ticket(who, id).await).0, "not_found");
        assert_eq!(refusal(w.desk.messages(who, id, false).await).0, "not_found");
        assert_eq!(refusal(w.desk.reply(who, id, tessera_desk::PostMessage::text("hi"), &web()).await).0, "not_found");
    }
    w.desk.ticket(&w.faruk, erins).await.expect("Faruk sees Erin's ticket");
    w.reply(&w.faruk, erins, "I am Erin's colleague").await;

    // Without `sees_all`, Faruk is back to his own.
    let narrow = UpdateUser { sees_all: Some(false), ..UpdateUser::default() };
    let faruk = w.desk.update_user(&w.admin, w.faruk.user_id, narrow).await.expect("narrowed").user;
    let faruk = w.desk.actor_for(&faruk).await.expect("his actor");
    assert_eq!(listed(&w, &faruk).await, BTreeSet::from([faruks]));
}

#[tokio::test]
async fn a_tickets_access_key_is_shown_only_to_its_requester_and_admins() {
    let w = World::new().await;
    let opened = w.open(&w.erin, w.support, "Key").await;
    let key = opened.access_key.clone();
    assert!(!key.is_empty(), "the opener is handed the key once");
    for (who, sees) in [(&w.erin, true), (&w.admin, true), (&w.ayse, false), (&w.faruk, false)] {
        let shown = w.desk.ticket(who, opened.id).await.expect("a read").access_key;
        assert_eq!(shown, if sees { key.clone() } else { String::new() }, "{who:?}");
        let detail = w.desk.ticket_detail(who, opened.id, false).await.expect("a read").ticket.access_key;
        let page = w.desk.list_tickets(who, TicketListQuery::default()).await.expect("a list");
        let listed = page.tickets.iter().find(|t| t.id == opened.id).expect("listed").access_key.clone();
        assert_eq!((detail, listed), (shown.clone(), shown));
    }
    // An agent opening a ticket for a caller gets the key once, to hand over.
    let by_phone = w.open_for(&w.erin, "By phone").await;
    assert!(!by_phone.access_key.is_empty());
    assert_eq!(w.desk.ticket(&w.ayse, by_phone.id).await.expect("a read").access_key, "");
    assert_eq!(w.desk.ticket(&w.erin, by_phone.id).await.expect("a read").access_key, by_phone.access_key);
}

#[tokio::test]
async fn an_agents_guest_link_is_recorded_on_the_ticket() {
    let w = World::new().await;
    let t = w.open(&w.erin, w.support, "Link please").await;
    let (before, events_before) = w.history(t.id).await;
    let link = w.desk.guest_link(&w.ayse, t.id).await.expect("Ayşe works the ticket");
    assert_eq!(link, format!("/t/{}?key={}", t.number, t.access_key));
    let (after, events) = w.history(t.id).await;
    assert_eq!(after.version, before.version, "looking is not a change");
    let new = &events[events_before.len()..];
    assert_eq!(new.len(), 1);
    assert_eq!((new[0].kind, new[0].actor_id), (EventKind::GuestLinkIssued, Some(w.ayse.user_id)));

    // It is for agents who work the ticket to hand out.
    assert_eq!(refusal(w.desk.guest_link(&w.erin, t.id).await).0, "forbidden");
    assert_eq!(refusal(w.desk.guest_link(&w.bora, t.id).await).0, "not_found");
    let guest = w.desk.start_guest_session(&t.number, &t.access_key).await.expect("the link works").session.actor;
    assert_eq!(refusal(w.desk.guest_link(&guest, t.id).await).0, "forbidden");
    assert_eq!(w.history(t.id).await.1.len(), events.len(), "refusals record nothing");
}

#[tokio::test]
async fn what_a_guest_does_is_the_requesters_by_the_access_key() {
    let w = World::new().await;
    let t = w.open(&w.erin, w.support, "Guest actions").await;
    w.reply(&w.ayse, t.id, "Try this.").await;
    let (_, before) = w.history(t.id).await;
    let guest = w.desk.start_guest_session(&t.number, &t.access_key).await.expect("the link works").session.actor;
    let posted = w.reply(&guest, t.id, "It worked, thanks").await;
    assert_eq!(posted.message.author.user_id, Some(w.erin.user_id));
    w.desk.solve(&guest, t.id, None).await.expect("the requester may solve");
    let (_, events) = w.history(t.id).await;
    let by_guest = &events[before.len()..];
    assert!(by_guest.iter().any(|e| e.kind == EventKind::TicketReplied));
    assert!(by_guest.iter().any(|e| e.kind == EventKind::Solved));
    for e in by_guest {
        assert_eq!(e.actor_id, Some(w.erin.user_id), "{e:?}");
        assert_eq!(e.data["via"], "access_key", "{e:?}");
    }
    // Erin herself, signed in, leaves no such mark.
    w.desk.reopen(&w.erin, t.id, None).await.expect("reopened");
    let (_, events) = w.history(t.id).await;
    assert!(events.last().is_some_and(|e| e.actor_id == Some(w.erin.user_id) && e.data.get("via").is_none()));
}
