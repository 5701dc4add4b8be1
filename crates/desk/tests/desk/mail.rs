//! Mail applied by the desk: the signed tokens that thread a reply before
//! anything else, a message applied once however many hands apply it at
//! once, and any message — however odd — ending in a final state.

use crate::support::*;
use tessera_core::Actor;
use tessera_core::ids::TicketId;
use tessera_desk::mail::{Handover, InboundMail, MailAddress, MailClass};
use tessera_store::{InboundRecord, InboundState, MailSource};

fn address(a: &str) -> MailAddress {
    MailAddress { name: None, address: a.into() }
}

/// A message from `from` to Support's address.
fn from(sender: &str, id: &str, subject: &str) -> InboundMail {
    InboundMail {
        message_id: Some(id.into()),
        from: Some(address(sender)),
        to: vec![address("support@tessera.test")],
        subject: subject.into(),
        text: "Hello".into(),
        ..InboundMail::default()
    }
}

/// Hands `mail` in (its raw bytes made unique by its id) and applies it.
async fn apply(w: &World, mail: &InboundMail) -> InboundRecord {
    let gateway = Actor::system();
    let raw = format!("Message-ID: <{}>\r\n\r\nraw", mail.message_id.as_deref().unwrap_or("none")).into_bytes();
    let from = Handover { source: MailSource::Pipe, mailbox_id: None, envelope_to: None };
    let (record, _) = w.desk.store_raw_mail(&gateway, raw, from).await.expect("stored");
    w.desk.apply_mail(&gateway, record.id, mail).await.expect("applied or set aside")
}

/// Support gets an inbound address; answers a ticket Erin opened by mail.
async fn mailed_ticket(w: &World) -> TicketId {
    let input =
        tessera_desk::DepartmentInput { email: Some(Some(email("support@tessera.test"))), ..Default::default() };
    w.desk.update_department(&w.admin, w.support, input).await.expect("an address");
    let first = apply(w, &from("erin@acme.test", "first@acme.test", "Printer")).await;
    assert_eq!(first.state, InboundState::Applied);
    first.ticket_id.expect("a ticket")
}

#[tokio::test]
async fn a_signed_token_threads_a_reply_and_a_forged_one_does_not() {
    let w = World::new().await;
    let ticket = mailed_ticket(&w).await;
    let token = w.desk.mail_token(ticket, None);

    // In In-Reply-To, as a Message-ID of ours would be answered.
    let mut reply = from("erin@acme.test", "r1@acme.test", "Re: something else entirely");
    reply.in_reply_to = vec![format!("{token}@tessera.test")];
    let r = apply(&w, &reply).await;
    assert_eq!((r.ticket_id, r.matched_by.as_deref()), (Some(ticket), Some("token")));

    // In a plus-addressed recipient, and in a body marker.
    let mut plus = from("erin@acme.test", "r2@acme.test", "Again");
    plus.to = vec![address(&format!("support+{token}@tessera.test"))];
    assert_eq!(apply(&w, &plus).await.matched_by.as_deref(), Some("token"));
    let mut marked = from("erin@acme.test", "r3@acme.test", "Again");
    marked.text = format!("Thanks!\n\n[tessera:{}]", w.desk.mail_token(ticket, None));
    assert_eq!(apply(&w, &marked).await.ticket_id, Some(ticket));

    // A token with one character of its signature changed, or naming
    // another ticket with this ticket's signature, is nobody's: a new ticket.
    let mut forged = token.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
    let mut bad = from("erin@acme.test", "r4@acme.test", "Forged");
    bad.in_reply_to = vec![format!("{}@tessera.test", String::from_utf8(forged).unwrap())];
    let r = apply(&w, &bad).await;
    assert_ne!(r.ticket_id, Some(ticket));
    assert_eq!(r.matched_by.as_deref(), Some("new"));
    let signature = token.rsplit_once('.').unwrap().1;
    let mut other = from("erin@acme.test", "r5@acme.test", "Forged");
    other.in_reply_to = vec![format!("t{}.{signature}@tessera.test", ticket.0 + 1)];
    assert_eq!(apply(&w, &other).await.matched_by.as_deref(), Some("new"));
    assert!(w.desk.read_mail_token("garbage").is_none() && w.desk.read_mail_token("t1.m.x@y").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_message_applied_by_several_hands_at_once_becomes_one_ticket() {
    let w = World::new().await;
    mailed_ticket(&w).await;
    let gateway = Actor::system();
    let mail = from("gul@example.test", "once@example.test", "Only once");
    let raw = b"Message-ID: <once@example.test>\r\n\r\nonce".to_vec();
    let from_pipe = Handover { source: MailSource::Pipe, mailbox_id: None, envelope_to: None };
    let (record, _) = w.desk.store_raw_mail(&gateway, raw, from_pipe).await.unwrap();
    let hands: Vec<_> = (0..6)
        .map(|_| {
            let (desk, mail, gateway) = (w.desk.clone(), mail.clone(), gateway.clone());
            tokio::spawn(async move { desk.apply_mail(&gateway, record.id, &mail).await })
        })
        .collect();
    let mut tickets = Vec::new();
    for h in hands {
        let r = h.await.unwrap().expect("every hand ends without an error");
        assert_eq!(r.state, InboundState::Applied);
        tickets.push(r.ticket_id);
    }
    tickets.dedup();
    assert_eq!(tickets.len(), 1, "one ticket: {tickets:?}");
    let all = w.desk.list_tickets(&w.admin, tessera_desk::TicketListQuery::default()).await.unwrap();
    assert_eq!(all.tickets.iter().filter(|t| t.subject == "Only once").count(), 1);
}

#[tokio::test]
async fn any_message_ends_in_a_final_state() {
    let w = World::new().await;
    mailed_ticket(&w).await;
    // A spread of odd messages: no sender, a sender that is no address, no
    // recipient we know, every class, endless subjects and references, ids
    // of other tickets, a sender who is an agent.
    let long = "x".repeat(5000);
    let mut cases: Vec<InboundMail> = Vec::new();
    let mut base = from("erin@acme.test", "c0@acme.test", "");
    base.from = None;
    cases.push(base);
    cases.push(InboundMail { from: Some(address("not an address")), ..from("x", "c1@x", "s") });
    cases.push(InboundMail { to: vec![address("nobody@nowhere.test")], ..from("gul@example.test", "c2@x", "s") });
    for (i, class) in [MailClass::AutoReply, MailClass::Bounce, MailClass::Bulk, MailClass::Report, MailClass::OwnLoop]
        .into_iter()
        .enumerate()
    {
        cases.push(InboundMail { class, ..from("gul@example.test", &format!("k{i}@x"), "auto") });
    }
    cases.push(from("gul@example.test", "c3@x", &long));
    cases.push(InboundMail {
        references: (0..5000).map(|i| format!("ref{i}@x")).collect(),
        in_reply_to: vec![long.clone(), String::new()],
        ..from("gul@example.test", "c4@x", "refs")
    });
    cases.push(InboundMail { message_id: Some(long.clone()), ..from("gul@example.test", "", "long id") });
    cases.push(InboundMail { message_id: None, ..from("gul@example.test", "", "no id") });
    cases.push(from("ayse@tessera.test", "c5@x", "An agent writes"));
    cases.push(InboundMail {
        text: String::new(),
        html: Some("<script>x</script>".into()),
        ..from("gul@example.test", "c6@x", "empty")
    });
    cases.push(from("gul@example.test", "c7@x", "Re: [#000001] [#99999999999999999999] [#"));
    for mail in &cases {
        let r = apply(&w, mail).await;
        assert_ne!(r.state, InboundState::Stored, "{mail:?} was left unapplied: {r:?}");
        assert!(
            r.state != InboundState::Quarantined || r.reason.as_deref().is_some_and(|why| !why.is_empty()),
            "a quarantine says why: {r:?}"
        );
    }
}

#[tokio::test]
async fn the_subject_rule_joins_only_the_senders_own_recent_ticket_where_a_department_asks() {
    let w = World::new().await;
    let first = mailed_ticket(&w).await;
    // Off by default: a reply that lost its headers opens a new ticket.
    let r = apply(&w, &from("erin@acme.test", "s1@acme.test", "Re: Printer")).await;
    assert_eq!(r.matched_by.as_deref(), Some("new"));
    let second = r.ticket_id.expect("a ticket");
    assert_ne!(second, first);

    let days = tessera_desk::DepartmentInput { mail_thread_days: Some(7), ..Default::default() };
    w.desk.update_department(&w.admin, w.support, days).await.expect("the rule on");
    // Any reply prefix, any case: the most recently changed of her tickets.
    let r = apply(&w, &from("erin@acme.test", "s2@acme.test", "YNT: AW: printer")).await;
    assert_eq!((r.ticket_id, r.matched_by.as_deref()), (Some(second), Some("subject")));
    // Someone else's mail with the same subject is no proof of anything.
    let r = apply(&w, &from("stranger@elsewhere.test", "s3@elsewhere.test", "Re: Printer")).await;
    assert_eq!(r.matched_by.as_deref(), Some("new"));
    assert!(r.ticket_id.is_some_and(|t| t != first && t != second));
    // Another subject is another question.
    let r = apply(&w, &from("erin@acme.test", "s4@acme.test", "Re: Scanner")).await;
    assert_eq!(r.matched_by.as_deref(), Some("new"));
    // Past the department's days: a new ticket.
    w.clock.advance(chrono::Duration::days(8));
    let r = apply(&w, &from("erin@acme.test", "s5@acme.test", "Re: Printer")).await;
    assert_eq!(r.matched_by.as_deref(), Some("new"));
    let too_long = tessera_desk::DepartmentInput { mail_thread_days: Some(366), ..Default::default() };
    let refused = w.desk.update_department(&w.admin, w.support, too_long).await;
    assert_eq!(refusal(refused), ("out_of_range", Some("mail_thread_days".into())));
}

#[tokio::test]
async fn the_blocked_senders_list_refuses_mail_by_address_or_domain_and_department() {
    let w = World::new().await;
    let ticket = mailed_ticket(&w).await;
    let billing =
        tessera_desk::DepartmentInput { email: Some(Some(email("billing@tessera.test"))), ..Default::default() };
    w.desk.update_department(&w.admin, w.billing, billing).await.expect("an address");
    let block = |pattern: &str, department_id| tessera_desk::mail::SenderBlockInput {
        pattern: pattern.into(),
        department_id,
        note: "spam".into(),
    };
    // Agents do not keep the list; nonsense is refused.
    assert_eq!(refusal(w.desk.add_sender_block(&w.ayse, block("@spam.test", None)).await).0, "forbidden");
    assert_eq!(refusal(w.desk.add_sender_block(&w.admin, block("spam.test", None)).await).0, "invalid_value");
    let (domain, new) = w.desk.add_sender_block(&w.admin, block("*@Spam.test", Some(w.support))).await.unwrap();
    assert!(new);
    assert_eq!(domain.pattern, "@spam.test");
    let (_, new) = w.desk.add_sender_block(&w.admin, block("@spam.test", Some(w.support))).await.unwrap();
    assert!(!new, "listed once");
    w.desk.add_sender_block(&w.admin, block("Mallory@Evil.test", None)).await.unwrap();

    let r = apply(&w, &from("anyone@spam.test", "b1@spam.test", "Buy now")).await;
    assert_eq!((r.state, r.ticket_id), (InboundState::Refused, None));
    assert!(r.reason.as_deref().is_some_and(|why| why.contains("@spam.test")), "{r:?}");
    let r = apply(&w, &from("mallory@evil.test", "b2@evil.test", "Hi")).await;
    assert_eq!(r.state, InboundState::Refused);
    // The domain is blocked in Support only.
    let mut to_billing = from("anyone@spam.test", "b3@spam.test", "An invoice question");
    to_billing.to = vec![address("billing@tessera.test")];
    assert_eq!(apply(&w, &to_billing).await.state, InboundState::Applied);

    // A reply to a ticket is refused too once its sender is listed, and
    // taken again once the entry is gone.
    let (erin, _) = w.desk.add_sender_block(&w.admin, block("erin@acme.test", None)).await.unwrap();
    let mut reply = from("erin@acme.test", "b4@acme.test", "Re: Printer");
    reply.in_reply_to = vec![format!("{}@tessera.test", w.desk.mail_token(ticket, None))];
    assert_eq!(apply(&w, &reply).await.state, InboundState::Refused);
    w.desk.remove_sender_block(&w.admin, erin.id).await.unwrap();
    assert_eq!(refusal(w.desk.remove_sender_block(&w.admin, erin.id).await).0, "not_found");
    reply.message_id = Some("b5@acme.test".into());
    let r = apply(&w, &reply).await;
    assert_eq!((r.state, r.ticket_id), (InboundState::Applied, Some(ticket)));

    // Blocking a ticket's sender (WHMCS BlockTicketSender) is the same list.
    let stranger = apply(&w, &from("newcomer@example.test", "b6@example.test", "Hello")).await;
    w.desk.block_sender(&w.admin, stranger.ticket_id.unwrap(), false).await.unwrap();
    let listed = w.desk.sender_blocks(&w.admin).await.unwrap();
    assert!(listed.iter().any(|b| b.pattern == "newcomer@example.test" && b.department_id.is_none()), "{listed:?}");
    assert_eq!(
        apply(&w, &from("newcomer@example.test", "b7@example.test", "Again")).await.state,
        InboundState::Refused
    );
}

/// Random messages from a small alphabet of senders, ids and subjects — so
/// they answer each other, repeat ids, name ticket numbers that exist and
/// do not — all applied to one installation: every one ends in a final
/// state, never an error; an applied one names a ticket that exists.
#[test]
fn random_messages_thread_without_errors() {
    use proptest::prelude::*;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let w = rt.block_on(async {
        let w = World::new().await;
        mailed_ticket(&w).await;
        w
    });
    let senders =
        ["erin@acme.test", "faruk@acme.test", "gul@example.test", "ayse@tessera.test", "new@person.test", "x"];
    let ids = ["a@x", "b@x", "c@x", "first@acme.test", "", "t1.0000000000000000@x"];
    let subjects = ["Printer", "Re: [#100000] Printer", "Fwd: YNT: 回复：Printer", "", "[#"];
    let strategy = (
        0..senders.len(),
        0..ids.len(),
        proptest::collection::vec(0..ids.len(), 0..4),
        0..subjects.len(),
        0..6usize,
        any::<bool>(),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 64, ..ProptestConfig::default() });
    let counter = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&strategy, |(s, id, refs, subject, class, to_support)| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let class = [
                MailClass::Human,
                MailClass::Human,
                MailClass::Human,
                MailClass::AutoReply,
                MailClass::Bounce,
                MailClass::Bulk,
            ][class];
            let mut mail = from(senders[s], ids[id], subjects[subject]);
            mail.message_id = Some(format!("{n}-{}", ids[id]));
            mail.references = refs.iter().map(|r| ids[*r].to_string()).collect();
            mail.in_reply_to = refs.last().map(|r| vec![ids[*r].to_string()]).unwrap_or_default();
            mail.class = class;
            if !to_support {
                mail.to = vec![address("elsewhere@tessera.test")];
            }
            let r = rt.block_on(apply(&w, &mail));
            prop_assert_ne!(r.state, InboundState::Stored);
            if r.state == InboundState::Applied {
                let t = r.ticket_id.expect("an applied message names its ticket");
                prop_assert!(rt.block_on(w.desk.ticket(&w.admin, t)).is_ok());
            }
            Ok(())
        })
        .unwrap();
}

/// Issue 16: the parser's quote offset reaches the message only when it
/// fits the stored text; an edit keeps it while the quoted part is as it
/// was and clears it otherwise; HTML is marked at the client's container.
#[tokio::test]
async fn a_quote_offset_is_kept_checked_and_survives_only_fitting_edits() {
    let w = World::new().await;
    let ticket = mailed_ticket(&w).await;
    let text = "Çalıştı, teşekkürler.\n\nOn Mon, Support wrote:\n> restart it\n";
    let q = text.find("On Mon").unwrap();
    let mut good = from("erin@acme.test", "q1@acme.test", "Re: Printer");
    good.in_reply_to = vec!["first@acme.test".into()];
    good.text = text.into();
    good.quote_start = Some(q);
    let html = "<div>Çalıştı</div><div class=\"gmail_quote\">On Mon wrote:<blockquote>restart it</blockquote></div>";
    good.html = Some(html.into());
    good.html_quote_start = html.find("<div class=\"gmail_quote\">");
    assert_eq!(apply(&w, &good).await.ticket_id, Some(ticket));
    // Offsets that do not fit: inside 'Ç', past the end, on the trimmed tail.
    let mut bad = Vec::new();
    for (i, off) in [1, text.len() + 10, text.trim_end().len() + 1].into_iter().enumerate() {
        let mut m = from("erin@acme.test", &format!("qb{i}@acme.test"), "Re: Printer");
        m.in_reply_to = vec!["first@acme.test".into()];
        m.text = text.into();
        m.quote_start = Some(off);
        m.html = Some("<p>x</p>".into());
        m.html_quote_start = Some(2);
        bad.push(m);
    }
    for m in &bad {
        apply(&w, m).await;
    }
    let messages = w.desk.messages(&w.admin, ticket, false).await.unwrap();
    let mine = &messages[1];
    assert_eq!(mine.quote_start, Some(q as u32));
    assert!(mine.html.as_deref().unwrap().contains(tessera_desk::html::QUOTE_MARK));
    for m in &messages[2..] {
        assert_eq!(m.quote_start, None, "{:?}", m.body);
        assert_eq!(m.html.as_deref(), Some("<p>x</p>"));
    }
    // The agent redacts the new part: the fold stays, moved.
    let redacted = "Çalıştı.\n\nOn Mon, Support wrote:\n> restart it";
    let edit = tessera_desk::EditMessage { body: redacted.into(), html: None };
    let m = w.desk.edit_message(&w.admin, mine.id, edit).await.unwrap();
    assert_eq!(m.quote_start, Some(redacted.find("On Mon").unwrap() as u32));
    // Changing the quoted part clears it.
    let edit =
        tessera_desk::EditMessage { body: "Çalıştı.\n\nOn Mon, Support wrote:\n> (removed)".into(), html: None };
    assert_eq!(w.desk.edit_message(&w.admin, mine.id, edit).await.unwrap().quote_start, None);
    // Messages written through the desk's own doors have none.
    w.desk.reply(&w.admin, ticket, tessera_desk::PostMessage::text("On Mon, X wrote:\n> y"), &web()).await.unwrap();
    let all = w.desk.messages(&w.admin, ticket, false).await.unwrap();
    assert_eq!(all.last().unwrap().quote_start, None);
}

/// The mail the events since the last call made, as the sender claims it.
async fn queued(w: &World) -> Vec<tessera_desk::mail::outbound::MailToSend> {
    while w.desk.queue_mail_from_log(1000).await.expect("queued") > 0 {}
    w.desk.claim_mail(100, std::time::Duration::from_secs(300)).await.expect("claimed")
}

#[tokio::test]
async fn optional_notifications_carry_a_signed_unsubscribe_link_that_turns_only_that_kind_off() {
    use tessera_store::OutboundKind;
    let w = World::new().await;
    // The cursor starts at the end of the log.
    w.desk.queue_mail_from_log(1000).await.unwrap();
    let t = w.open(&w.gul, w.billing, "Invoice").await;
    let mails = queued(&w).await;
    let notice = mails
        .iter()
        .find(|m| m.delivery.address == "bora@tessera.test" && m.plan.kind == OutboundKind::NewTicket)
        .expect("Bora hears of the new ticket");
    let url = notice.plan.unsubscribe_url.clone().expect("an unsubscribe link");
    assert!(url.starts_with(&format!("{PUBLIC_URL}/unsubscribe/")), "{url}");
    let token = url.rsplit('/').next().unwrap().to_string();

    // An agent's reply cannot be turned off: no link.
    w.reply(&w.bora, t.id, "Here it is.").await;
    let mails = queued(&w).await;
    let reply = mails.iter().find(|m| m.plan.kind == OutboundKind::AgentReply).expect("Gül's copy");
    assert_eq!(reply.plan.unsubscribe_url, None);

    // Reading the link changes nothing; using it turns new tickets off for
    // Bora only, and again is fine.
    let link = w.desk.unsubscribe_link(&token).await.unwrap();
    assert_eq!((link.user_id, link.kind, link.on), (w.bora.user_id, OutboundKind::NewTicket, true));
    for _ in 0..2 {
        w.desk.unsubscribe(&token).await.unwrap();
    }
    let choices = w.desk.notification_choices(&w.bora).await.unwrap();
    assert!(choices.iter().all(|(k, on)| *on == (*k != OutboundKind::NewTicket)), "{choices:?}");
    assert!(w.desk.notification_choices(&w.ayse).await.unwrap().iter().all(|(_, on)| *on));

    // Forged and damaged tokens name nobody.
    let (payload, signature) = token.rsplit_once('.').unwrap();
    let mut flipped = token.clone().into_bytes();
    flipped[token.len() - 1] = if flipped[token.len() - 1] == b'a' { b'b' } else { b'a' };
    for forged in [
        format!("u{}.new_ticket.{signature}", w.ayse.user_id.0),
        format!("{}.customer_reply.{signature}", payload.split('.').next().unwrap()),
        String::from_utf8(flipped).unwrap(),
        token[..token.len() - 1].to_string(),
        "".to_string(),
        format!("{token}.x"),
    ] {
        assert_eq!(refusal(w.desk.unsubscribe(&forged).await).0, "not_found", "{forged}");
    }
    // A kind that is not the person's to turn off is not a link either.
    let not_theirs = w.desk.unsubscribe_token(w.bora.user_id, OutboundKind::Solved);
    assert_eq!(refusal(w.desk.unsubscribe_link(&not_theirs).await).0, "not_found");
    assert!(w.desk.notification_choices(&w.ayse).await.unwrap().iter().all(|(_, on)| *on));

    // Without an https public URL, no link (the composer refuses others).
    let plain = w.desk.with_public_url(Some("http://help.tessera.test".into()));
    w.open(&w.gul, w.support, "Login").await;
    while plain.queue_mail_from_log(1000).await.unwrap() > 0 {}
    let mails = plain.claim_mail(100, std::time::Duration::from_secs(300)).await.unwrap();
    let notice = mails.iter().find(|m| m.plan.kind == OutboundKind::NewTicket).expect("Ayşe hears of it");
    assert_eq!(notice.plan.unsubscribe_url, None);
}

#[tokio::test]
async fn a_note_mentions_the_agents_who_can_see_the_ticket_and_nobody_else() {
    use tessera_desk::inputs::PostMessage;
    use tessera_store::OutboundKind;
    let w = World::new().await;
    w.desk.queue_mail_from_log(1000).await.unwrap();
    let t = w.open(&w.gul, w.support, "Login").await;
    queued(&w).await;
    // Bora works Billing (cannot see a Support ticket); the admin sees all;
    // Ayşe is the writer; Gül is a customer.
    let note = "@bora @Admin @ayse @gul @nobody: the login server is down";
    w.desk.note(&w.ayse, t.id, PostMessage::text(note), &web()).await.unwrap();
    let (_, events) = w.history(t.id).await;
    let added = events.iter().rev().find(|e| e.kind == tessera_core::event::EventKind::NoteAdded).unwrap();
    assert_eq!(added.data["mentions"], serde_json::json!([w.admin.user_id.0]), "{}", added.data);
    let mails = queued(&w).await;
    let mentions: Vec<_> = mails.iter().filter(|m| m.plan.kind == OutboundKind::Mention).collect();
    assert_eq!(mentions.len(), 1, "{mentions:?}");
    assert_eq!(mentions[0].delivery.address, "admin@tessera.test");
    assert!(mentions[0].plan.text.contains("the login server is down"), "{}", mentions[0].plan.text);
    assert!(mentions[0].plan.text.contains(&format!("/agent/tickets/{}", t.id.0)));

    // A customer's reply mentions nobody; an admin who turned mentions off
    // hears of none.
    w.reply(&w.gul, t.id, "@admin please hurry").await;
    w.desk.set_notification_choice(&w.admin, OutboundKind::Mention, false).await.unwrap();
    w.desk.note(&w.ayse, t.id, PostMessage::text("@admin again"), &web()).await.unwrap();
    let mails = queued(&w).await;
    assert!(mails.iter().all(|m| m.plan.kind != OutboundKind::Mention), "{mails:?}");

    // The first message of a ticket an agent opens mentions too.
    w.desk.set_notification_choice(&w.admin, OutboundKind::Mention, true).await.unwrap();
    let opened = w.open(&w.ayse, w.support, "Ask @admin").await;
    let mails = queued(&w).await;
    let mention = mails.iter().find(|m| m.plan.kind == OutboundKind::Mention).expect("the admin is told");
    assert_eq!(mention.delivery.address, "admin@tessera.test");
    assert!(mention.plan.text.contains(&format!("/agent/tickets/{}", opened.id.0)));
    let ids: std::collections::HashSet<&str> = mails.iter().map(|m| m.plan.message_id.as_str()).collect();
    assert_eq!(ids.len(), mails.len(), "every copy has its own Message-ID");

    // Two admins called `ops`: `@ops` names neither, the address one.
    let one = w.user_with_password("ops@one.test", tessera_core::Role::Admin).await;
    w.user_with_password("ops@two.test", tessera_core::Role::Admin).await;
    w.desk.note(&w.ayse, opened.id, PostMessage::text("@ops, or rather @OPS@one.test"), &web()).await.unwrap();
    let (_, events) = w.history(opened.id).await;
    let added = events.iter().rev().find(|e| e.kind == tessera_core::event::EventKind::NoteAdded).unwrap();
    assert_eq!(added.data["mentions"], serde_json::json!([one.user_id.0]), "{}", added.data);
}
