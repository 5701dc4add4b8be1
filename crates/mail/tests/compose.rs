//! The outbound composer (issue 17): every message it builds parses back
//! with this crate's own parser with the same meaning, threads by its
//! headers, and no input can add a header line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use tessera_desk::mail::{InboundMail, MailClass};
use tessera_mail::compose::{
    Built, ComposeError, Kind, MAX_RECIPIENTS, Mailbox, Outgoing, OutgoingAttachment, Thread, build,
    thread_index_header,
};
use tessera_mail::{LanguageHint, ParseOptions, parse};

const LOOP_ID: &str = "tessera-test-instance";
/// Shaped as `Desk::mail_token` makes them: `t{ticket}.m{message}.{16 hex}`.
const MESSAGE_ID: &str = "t12.m34.abcdef0123456789@help.example.com";

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, h, m, 0).single().unwrap_or_default()
}

fn sample(kind: Kind) -> Outgoing {
    Outgoing {
        kind,
        from: Mailbox::new("Destek Ekibi", "support@help.example.com"),
        to: vec![Mailbox::new("Çağrı Öztürk", "cagri@örnek.com.tr")],
        cc: vec![Mailbox::new("王小明", "xiaoming@example.cn"), Mailbox::new("Дмитрий Иванов", "dima@пример.рф")],
        reply_to: Some(Mailbox::new("Destek", "support+t12.abcdef0123456789@help.example.com")),
        ticket_number: "482913".into(),
        subject: "Re: Sunucu çöktü".into(),
        message_id: MESSAGE_ID.into(),
        in_reply_to: Some("CAF=customer-last@mail.gmail.com".into()),
        thread: Thread { root_id: "t12.abcdef0123456789@help.example.com".into(), started_at: at(9, 0) },
        references: vec!["CAF=customer-first@mail.gmail.com".into(), "CAF=customer-last@mail.gmail.com".into()],
        loop_id: LOOP_ID.into(),
        unsubscribe_url: Some("https://help.example.com/u/abc123?one-click=1".into()),
        date: at(10, 30),
        text: "Merhaba,\n\nsunucunuz yeniden çalışıyor.\n".into(),
        html: None,
        attachments: Vec::new(),
        marker: None,
    }
}

fn parsed(built: &Built, loop_id: Option<&str>) -> InboundMail {
    let mut options = ParseOptions::new(LanguageHint::default());
    if let Some(id) = loop_id {
        options = options.with_loop_id(id);
    }
    parse(&built.bytes, &options).expect("built message parses")
}

/// Every line within RFC 5322's 998 characters (plus CRLF).
fn assert_line_lengths(bytes: &[u8]) {
    for line in bytes.split(|b| *b == b'\n') {
        assert!(line.len() <= 999, "line of {} bytes: {}", line.len(), String::from_utf8_lossy(line));
    }
}

fn lf(text: &str) -> String {
    text.replace("\r\n", "\n")
}

/// The top-level header lines' names (continuation lines folded in).
fn header_names(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let head = text.split("\r\n\r\n").next().unwrap_or_default();
    head.split("\r\n")
        .filter(|line| !line.starts_with([' ', '\t']))
        .map(|line| line.split(':').next().unwrap_or_default().to_owned())
        // A single-part body has its transfer encoding at the top level.
        .filter(|name| name != "Content-Transfer-Encoding")
        .collect()
}

#[test]
fn agent_reply_round_trips() {
    let mut out = sample(Kind::AgentReply);
    out.html = Some("<html><body><p>Merhaba, <b>sunucunuz</b> yeniden çalışıyor.</p></body></html>".into());
    out.attachments = vec![
        OutgoingAttachment {
            name: "günlük kaydı.txt".into(),
            content_type: "text/plain".into(),
            bytes: b"line 1\nline 2\r\nno newline".to_vec(),
        },
        OutgoingAttachment {
            name: "截图 屏幕.png".into(),
            content_type: "image/png".into(),
            bytes: (0..=255u8).cycle().take(5000).collect(),
        },
        OutgoingAttachment {
            name: "отчёт за декабрь 2026 года по серверу номер один и два.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: vec![0, 1, 2, 3],
        },
        OutgoingAttachment { name: "plain.csv".into(), content_type: "text/csv".into(), bytes: b"a,b\n1,2\n".to_vec() },
    ];
    let built = build(&out).expect("builds");
    let mail = parsed(&built, None);

    assert_eq!(mail.subject, "[#482913] Sunucu çöktü");
    assert_eq!(mail.message_id.as_deref(), Some(MESSAGE_ID));
    assert_eq!(mail.in_reply_to, ["CAF=customer-last@mail.gmail.com"]);
    assert_eq!(
        mail.references,
        [
            "t12.abcdef0123456789@help.example.com",
            "CAF=customer-first@mail.gmail.com",
            "CAF=customer-last@mail.gmail.com"
        ]
    );
    let from = mail.from.as_ref().expect("from");
    assert_eq!(from.name.as_deref(), Some("Destek Ekibi"));
    assert_eq!(from.address, "support@help.example.com");
    let reply_to = mail.reply_to.as_ref().expect("reply-to");
    assert_eq!(reply_to.address, "support+t12.abcdef0123456789@help.example.com");
    assert_eq!(mail.to.len(), 1);
    assert_eq!(mail.to[0].name.as_deref(), Some("Çağrı Öztürk"));
    assert_eq!(mail.to[0].address, "cagri@xn--rnek-4qa.com.tr");
    let cc: Vec<_> = mail.cc.iter().map(|a| (a.name.clone().unwrap_or_default(), a.address.clone())).collect();
    assert_eq!(
        cc,
        [
            ("王小明".to_owned(), "xiaoming@example.cn".to_owned()),
            ("Дмитрий Иванов".to_owned(), "dima@xn--e1afmkfd.xn--p1ai".to_owned())
        ]
    );
    assert_eq!(mail.date, Some(at(10, 30)));
    assert_eq!(lf(&mail.text).trim_end(), "Merhaba,\n\nsunucunuz yeniden çalışıyor.");
    assert!(mail.html.as_deref().is_some_and(|h| h.contains("<b>sunucunuz</b>")));
    let files: Vec<_> = mail.attachments.iter().map(|a| (a.name.as_str(), a.bytes.as_slice())).collect();
    let expected: Vec<_> = out.attachments.iter().map(|a| (a.name.as_str(), a.bytes.as_slice())).collect();
    assert_eq!(files, expected);
    assert_eq!(mail.class, MailClass::Human);
    assert_eq!(mail.problems, Vec::<String>::new(), "no repairs needed");

    assert_eq!(
        built.envelope.recipients,
        ["cagri@xn--rnek-4qa.com.tr", "xiaoming@example.cn", "dima@xn--e1afmkfd.xn--p1ai"]
    );
    assert!(!built.envelope.smtputf8);
    // Our own mail coming back is recognised by the classifier.
    assert_eq!(parsed(&built, Some(LOOP_ID)).class, MailClass::OwnLoop);
    assert_eq!(parsed(&built, Some("another-installation")).class, MailClass::Human);
}

#[test]
fn automatic_kinds_carry_their_headers_and_classify() {
    for (kind, class) in [(Kind::Acknowledgement, MailClass::AutoReply), (Kind::Notification, MailClass::AutoReply)] {
        let built = build(&sample(kind)).expect("builds");
        let text = String::from_utf8_lossy(&built.bytes).into_owned();
        let mail = parsed(&built, None);
        assert_eq!(mail.class, class, "{kind:?}");
        assert_eq!(parsed(&built, Some(LOOP_ID)).class, MailClass::OwnLoop);
        assert!(text.contains("\r\nX-Auto-Response-Suppress: All\r\n"));
        assert!(text.contains(&format!("\r\nX-Tessera-Loop: {LOOP_ID}\r\n")));
        match kind {
            Kind::Acknowledgement => {
                assert!(text.contains("\r\nAuto-Submitted: auto-replied\r\n"));
                assert!(!text.contains("List-Unsubscribe"));
            }
            _ => {
                assert!(text.contains("\r\nAuto-Submitted: auto-generated\r\n"));
                assert!(text.contains("\r\nList-Unsubscribe: <https://help.example.com/u/abc123?one-click=1>\r\n"));
                assert!(text.contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
            }
        }
    }
    let reply = String::from_utf8_lossy(&build(&sample(Kind::AgentReply)).expect("builds").bytes).into_owned();
    assert!(!reply.contains("Auto-Submitted") && !reply.contains("X-Auto-Response-Suppress"));
    assert!(!reply.contains("List-Unsubscribe"), "only notifications offer unsubscribing");
}

/// A digest (decision 48) is a notification about no one ticket: no tag,
/// no thread, still automatic mail.
#[test]
fn a_notification_without_a_ticket_number_is_a_digest_without_tag_or_thread() {
    let mut out = sample(Kind::Notification);
    out.ticket_number = String::new();
    out.subject = "3 notifications since your last digest".into();
    let built = build(&out).expect("builds");
    let text = String::from_utf8_lossy(&built.bytes).into_owned();
    assert!(text.contains("\r\nSubject: 3 notifications since your last digest\r\n"), "{text}");
    assert!(text.contains("\r\nAuto-Submitted: auto-generated\r\n"));
    let names = header_names(&built.bytes);
    for absent in ["Thread-Index", "Thread-Topic", "In-Reply-To", "References"] {
        assert!(!names.iter().any(|n| n == absent), "{absent} in {names:?}");
    }
    // An agent's reply still needs its ticket.
    let mut reply = sample(Kind::AgentReply);
    reply.ticket_number = String::new();
    assert_eq!(build(&reply), Err(ComposeError::InvalidTicketNumber));
}

#[test]
fn the_subject_carries_the_tag_once_and_stays_stable() {
    for subject in [
        "Sunucu çöktü",
        "[#482913] Sunucu çöktü",
        "Re: Re: [#482913] Sunucu çöktü",
        "RE: [#482913] Re: Sunucu çöktü [#482913]",
        "Ynt: İLT: Sunucu çöktü",
    ] {
        let mut out = sample(Kind::AgentReply);
        out.subject = subject.into();
        let mail = parsed(&build(&out).expect("builds"), None);
        assert_eq!(mail.subject, "[#482913] Sunucu çöktü", "{subject}");
        // Building from what came back changes nothing.
        out.subject = mail.subject.clone();
        assert_eq!(parsed(&build(&out).expect("builds"), None).subject, mail.subject);
    }
    // A long ASCII subject is folded; it unfolds to the same words.
    let mut out = sample(Kind::AgentReply);
    out.subject = "The server in rack twelve stopped answering after the kernel update last night".repeat(3);
    let mail = parsed(&build(&out).expect("builds"), None);
    assert_eq!(mail.subject, format!("[#482913] {}", out.subject));
    let mut out = sample(Kind::AgentReply);
    out.subject = "Re: ".into();
    assert_eq!(parsed(&build(&out).expect("builds"), None).subject, "[#482913]");
    let text = String::from_utf8_lossy(&build(&sample(Kind::AgentReply)).expect("builds").bytes).into_owned();
    assert!(text.contains("\r\nThread-Topic: =?utf-8?"), "the topic is encoded: {text}");
}

#[test]
fn the_desk_token_in_the_message_id_survives_exactly() {
    // `Desk::mail_token` needs a store; the id here has its exact shape and
    // the desk reads tokens from the parsed ids, which must be unchanged.
    for id in [MESSAGE_ID, "<t7.m9.0123456789abcdef@help.example.com>"] {
        let mut out = sample(Kind::AgentReply);
        out.message_id = id.into();
        let mail = parsed(&build(&out).expect("builds"), None);
        assert_eq!(mail.message_id.as_deref(), Some(id.trim_matches(['<', '>'])));
    }
}

#[test]
fn the_body_marker_is_in_text_and_hidden_in_html() {
    let mut out = sample(Kind::AgentReply);
    out.marker = Some("t12.m34.abcdef0123456789".into());
    out.html = Some("<html><body><p>Merhaba</p></body></html>".into());
    let mail = parsed(&build(&out).expect("builds"), None);
    assert!(mail.text.contains("[tessera:t12.m34.abcdef0123456789]"), "{}", mail.text);
    let html = mail.html.unwrap_or_default();
    let at = html.find("[tessera:t12.m34.abcdef0123456789]").expect("marker in html");
    assert!(html[..at].contains("display:none"));
    assert!(at < html.find("</body>").unwrap_or_default());

    out.marker = Some("t12]\r\nBcc: x@y.z".into());
    assert_eq!(build(&out), Err(ComposeError::InvalidMarker));
}

#[test]
fn injection_never_adds_a_header() {
    let expected = header_names(&build(&sample(Kind::AgentReply)).expect("builds").bytes);
    let evil = "Ali\r\nBcc: victim@example.com\r\nX-Evil: 1";
    for nl in ["\r\n", "\n", "\r", "\u{85}", "\u{2028}", "\0"] {
        let evil = evil.replace("\r\n", nl);
        let mut out = sample(Kind::AgentReply);
        out.subject = format!("Hello{nl}Bcc: victim@example.com");
        out.from.name = Some(evil.clone());
        out.to[0].name = Some(evil.clone());
        out.cc[0].name = Some(evil.clone());
        out.attachments = vec![OutgoingAttachment {
            name: format!("a{nl}Content-Type: text/html{nl}{nl}x.txt"),
            content_type: "text/plain".into(),
            bytes: b"x".to_vec(),
        }];
        let built = build(&out).expect("names and subjects are neutralised");
        assert_eq!(header_names(&built.bytes), expected, "{nl:?}");
        let mail = parsed(&built, None);
        assert!(mail.subject.contains("Bcc: victim@example.com"), "the text stays inside the value");
        assert_eq!(mail.to[0].name.as_deref(), Some("Ali Bcc: victim@example.com X-Evil: 1"));
        assert_eq!(mail.attachments.len(), 1);
        assert_eq!(mail.attachments[0].bytes, b"x");
        assert_eq!(built.envelope.recipients.len(), 3, "no one added");
    }
    // Addresses, ids, the loop id and URLs are refused, naming the field.
    let mut out = sample(Kind::AgentReply);
    out.cc[1].address = "dima@example.com\r\nBcc: victim@example.com".into();
    assert!(matches!(build(&out), Err(ComposeError::InvalidAddress { field, .. }) if field == "cc[1]"));
    let mut out = sample(Kind::AgentReply);
    out.from.address = "support@help.example.com\n".into();
    assert!(matches!(build(&out), Err(ComposeError::InvalidAddress { field, .. }) if field == "from"));
    let mut out = sample(Kind::AgentReply);
    out.to[0].address = "not an address".into();
    assert!(matches!(build(&out), Err(ComposeError::InvalidAddress { field, .. }) if field == "to[0]"));
    let mut out = sample(Kind::AgentReply);
    out.reply_to = Some(Mailbox::address("a\"b@example.com"));
    assert!(matches!(build(&out), Err(ComposeError::InvalidAddress { field, .. }) if field == "reply_to"));
    let mut out = sample(Kind::AgentReply);
    out.message_id = "abc@host>\r\nBcc: <x@y.z".into();
    assert!(matches!(build(&out), Err(ComposeError::InvalidMessageId { field }) if field == "message_id"));
    let mut out = sample(Kind::AgentReply);
    out.references.push("no-at-sign".into());
    assert!(matches!(build(&out), Err(ComposeError::InvalidMessageId { field }) if field == "references[2]"));
    let mut out = sample(Kind::AgentReply);
    out.loop_id = "id\r\nBcc: x@y.z".into();
    assert_eq!(build(&out), Err(ComposeError::InvalidLoopId));
    let mut out = sample(Kind::Notification);
    out.unsubscribe_url = Some("https://x.example/u>\r\nBcc: x@y.z".into());
    assert_eq!(build(&out), Err(ComposeError::InvalidUnsubscribeUrl));
    out.unsubscribe_url = Some("http://x.example/u".into());
    assert_eq!(build(&out), Err(ComposeError::InvalidUnsubscribeUrl));
    let mut out = sample(Kind::AgentReply);
    out.ticket_number = "012345".into();
    assert_eq!(build(&out), Err(ComposeError::InvalidTicketNumber));
    let mut out = sample(Kind::AgentReply);
    out.to.clear();
    assert_eq!(build(&out), Err(ComposeError::NoRecipient));
    let mut out = sample(Kind::AgentReply);
    out.attachments =
        vec![OutgoingAttachment { name: "a".into(), content_type: "text/plain\r\nX: y".into(), bytes: vec![] }];
    assert_eq!(build(&out), Err(ComposeError::InvalidContentType { index: 0 }));
}

#[test]
fn names_cannot_smuggle_an_address() {
    for name in [
        "x\" <evil@attacker.example>, \"ş",
        "x\\\" <evil@attacker.example>, \"",
        "Ali \"Veli\" Yılmaz, <evil@attacker.example>",
    ] {
        let mut out = sample(Kind::AgentReply);
        out.to[0].name = Some(name.into());
        out.cc.clear();
        let built = build(&out).expect("builds");
        let mail = parsed(&built, None);
        assert_eq!(mail.to.len(), 1, "{name}");
        assert_eq!(mail.to[0].address, "cagri@xn--rnek-4qa.com.tr");
        assert!(mail.to[0].name.as_deref().is_some_and(|n| n.contains("evil@attacker.example")));
        assert!(!String::from_utf8_lossy(&built.bytes).contains("<evil@"), "the name is encoded");
        assert_eq!(built.envelope.recipients, ["cagri@xn--rnek-4qa.com.tr"]);
    }
}

#[test]
fn five_thousand_ccs_are_refused_cleanly_and_duplicates_do_not_count() {
    let mut out = sample(Kind::AgentReply);
    out.cc = (0..5000).map(|i| Mailbox::new(format!("Müşteri {i}"), format!("c{i}@example.com"))).collect();
    assert_eq!(build(&out), Err(ComposeError::TooManyRecipients { count: 5001, max: MAX_RECIPIENTS }));

    let mut out = sample(Kind::AgentReply);
    out.cc = (0..5000).map(|i| Mailbox::new(format!("客户 {i}"), format!("c{}@example.com", i % 50))).collect();
    out.cc.push(Mailbox::address("CAGRI@xn--rnek-4qa.com.tr"));
    let built = build(&out).expect("50 distinct copies fit");
    assert_eq!(built.envelope.recipients.len(), 51);
    let mail = parsed(&built, None);
    assert_eq!(mail.cc.len(), 50);
    assert_eq!(mail.cc[49].name.as_deref(), Some("客户 49"));
}

#[test]
fn the_longest_names_subjects_and_ids_keep_lines_short() {
    let mut out = sample(Kind::AgentReply);
    let emoji = "😀".repeat(300);
    out.from.name = Some(emoji.clone());
    out.to[0].name = Some("Ş".repeat(300));
    out.cc[0].name = Some(format!("\"{}\\", "x".repeat(300)));
    out.subject = format!("{emoji} {}", "y".repeat(2000));
    out.references = (0..40).map(|i| format!("{}.{i}@example.com", "r".repeat(200))).collect();
    out.attachments = vec![OutgoingAttachment {
        name: "файл".repeat(100),
        content_type: "application/octet-stream".into(),
        bytes: vec![7; 10_000],
    }];
    let built = build(&out).expect("builds");
    assert_line_lengths(&built.bytes);
    let mail = parsed(&built, None);
    let from = mail.from.expect("from").name.expect("name");
    assert_eq!(from.chars().count(), 100, "names are capped");
    // The parser trims quotes around names (its rule for `"'Name'"`).
    assert_eq!(mail.cc[0].name.as_deref(), Some("x".repeat(99).as_str()));
    assert_eq!(mail.subject.chars().count(), "[#482913] ".len() + 250, "topics are capped");
    assert!(mail.references.len() <= 10);
    assert_eq!(mail.references[0], "t12.abcdef0123456789@help.example.com");
    assert_eq!(mail.references.last().map(String::as_str), Some("CAF=customer-last@mail.gmail.com"));
    assert_eq!(mail.attachments[0].name.chars().count(), 200);
    assert_eq!(mail.attachments[0].bytes, vec![7; 10_000]);
}

#[test]
fn utf8_local_parts_ask_for_smtputf8() {
    let mut out = sample(Kind::AgentReply);
    out.to = vec![Mailbox::new("Иван", "иван@пример.рф")];
    out.cc.clear();
    let built = build(&out).expect("builds");
    assert!(built.envelope.smtputf8);
    assert_eq!(built.envelope.recipients, ["иван@xn--e1afmkfd.xn--p1ai"]);
}

fn thread_index(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let value = text.split("\r\nThread-Index: ").nth(1).and_then(|v| v.split("\r\n").next()).unwrap_or_default();
    decode_base64(value)
}

fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let values: Vec<u32> = text
        .bytes()
        .filter(|b| *b != b'=')
        .filter_map(|b| ALPHABET.iter().position(|a| *a == b))
        .map(|v| v as u32)
        .collect();
    let mut out = Vec::new();
    for chunk in values.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, v)| n | (v << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    out
}

#[test]
fn a_tickets_messages_share_the_thread_index_header() {
    let first = build(&sample(Kind::Acknowledgement)).expect("builds");
    let mut later = sample(Kind::AgentReply);
    later.message_id = "t12.m40.0123456789abcdef@help.example.com".into();
    later.date = at(15, 45);
    let later = build(&later).expect("builds");
    let (a, b) = (thread_index(&first.bytes), thread_index(&later.bytes));
    assert_eq!(a.len(), 27, "22-byte header and one 5-byte child block");
    assert_eq!(b.len(), 27);
    assert_eq!(a[..22], b[..22], "same ticket, same header");
    assert_eq!(a[..22], thread_index_header("t12.abcdef0123456789@help.example.com", at(9, 0)));
    assert_eq!(a[0], 0x01, "reserved byte");
    assert_ne!(a[22..], b[22..], "each message its own child block");
    // The later message's time delta is larger (delta code 0, 31 bits).
    let delta = |x: &[u8]| u32::from_be_bytes([x[22], x[23], x[24], x[25]]);
    assert!(delta(&b) > delta(&a));
    assert_eq!(delta(&a) >> 31, 0);

    let mut other = sample(Kind::AgentReply);
    other.thread.root_id = "t13.0123456789abcdef@help.example.com".into();
    let other = thread_index(&build(&other).expect("builds").bytes);
    assert_ne!(other[6..22], a[6..22], "another ticket, another GUID");
}

#[test]
fn building_is_reproducible() {
    let mut out = sample(Kind::AgentReply);
    out.html = Some("<p>x</p>".into());
    out.attachments = vec![OutgoingAttachment {
        name: "a.bin".into(),
        content_type: "application/octet-stream".into(),
        bytes: vec![1, 2, 3],
    }];
    assert_eq!(build(&out), build(&out));
}

#[test]
fn snapshots_of_each_kind() {
    for (name, kind) in [
        ("acknowledgement", Kind::Acknowledgement),
        ("notification", Kind::Notification),
        ("agent_reply", Kind::AgentReply),
    ] {
        let mut out = sample(kind);
        out.marker = Some("t12.m34.abcdef0123456789".into());
        if kind == Kind::AgentReply {
            out.html = Some("<p>Merhaba</p>".into());
            out.attachments = vec![OutgoingAttachment {
                name: "günlük.txt".into(),
                content_type: "text/plain".into(),
                bytes: b"log".to_vec(),
            }];
        }
        let built = build(&out).expect("builds");
        insta::assert_snapshot!(format!("compose_{name}"), String::from_utf8_lossy(&built.bytes).replace("\r\n", "\n"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_names_subjects_and_bodies_build_and_parse_back(
        name in "\\PC{0,40}",
        raw_name in any::<String>(),
        subject in "[ -~çğıöşüÇĞİÖŞÜ中文测试Привет\r\n\t]{0,80}",
        raw_subject in any::<String>(),
        body in "\\PC{0,200}",
        html in proptest::option::of("\\PC{0,100}"),
    ) {
        let mut out = sample(Kind::AgentReply);
        out.to[0].name = Some(name);
        out.cc[0].name = Some(raw_name);
        out.subject = format!("{subject}{raw_subject}");
        out.text = body.clone();
        out.html = html;
        let built = build(&out).expect("builds");
        assert_line_lengths(&built.bytes);
        let mail = parsed(&built, None);
        let topic = tessera_mail::compose::topic(&out.subject);
        let expected = if topic.is_empty() { "[#482913]".to_owned() } else { format!("[#482913] {topic}") };
        prop_assert_eq!(mail.subject, expected);
        let (got, sent) = (lf(&mail.text), lf(&body).replace('\r', "\n"));
        // An empty text part next to HTML: the parser makes the text from
        // the HTML instead.
        if !(sent.trim().is_empty() && out.html.is_some()) {
            prop_assert_eq!(got.trim_end(), sent.trim_end());
        }
        prop_assert_eq!(mail.to.len(), 1);
        prop_assert_eq!(mail.cc.len(), 2);
        prop_assert_eq!(header_names(&built.bytes), header_names(&build(&sample(Kind::AgentReply)).expect("builds").bytes));
    }
}
