//! The fixture corpus: mail written for Tessera in the shapes real clients
//! and servers produce (Outlook, Gmail, Apple Mail, Thunderbird, QQ,
//! Yandex, Mail.ru; Postfix, Exim, Exchange, Gmail bounces; broken MIME and
//! charsets). Each file's outcome is a reviewed snapshot under
//! `snapshots/`; the tests below also check by hand what a user would look
//! at first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde::Serialize;
use tessera_desk::mail::{InboundMail, MailClass};
use tessera_mail::{LanguageHint, ParseOptions, parse, subject};

const LOOP_ID: &str = "tessera-test-instance";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// The department language a corpus file is addressed to: its name's prefix.
fn hint_for(name: &str) -> LanguageHint {
    LanguageHint::from_code(name.split('-').next().unwrap_or_default())
}

fn parse_file(name: &str) -> InboundMail {
    let raw = std::fs::read(corpus_dir().join(name)).expect("corpus file");
    let options = ParseOptions::new(hint_for(name)).with_loop_id(LOOP_ID);
    parse(&raw, &options).expect("corpus message parses")
}

fn new_text(mail: &InboundMail) -> &str {
    match mail.quote_start {
        Some(q) => mail.text[..q].trim(),
        None => mail.text.trim(),
    }
}

#[derive(Serialize)]
struct AttachmentSummary {
    name: String,
    content_type: String,
    size: usize,
    inline: bool,
    content_id: Option<String>,
}

#[derive(Serialize)]
struct Summary {
    class: MailClass,
    from: Option<String>,
    reply_to: Option<String>,
    to: Vec<String>,
    subject: String,
    normalized_subject: String,
    ticket_tag: Option<String>,
    message_id: Option<String>,
    in_reply_to: Vec<String>,
    references: Vec<String>,
    date: Option<String>,
    new_text: String,
    quoted_text_follows: bool,
    has_html: bool,
    attachments: Vec<AttachmentSummary>,
    bounces: Vec<tessera_desk::mail::BounceReport>,
    bounced_message_id: Option<String>,
    problems: Vec<String>,
}

fn address(a: &tessera_desk::mail::MailAddress) -> String {
    match &a.name {
        Some(n) => format!("{n} <{}>", a.address),
        None => a.address.clone(),
    }
}

fn summary(mail: &InboundMail) -> Summary {
    Summary {
        class: mail.class,
        from: mail.from.as_ref().map(address),
        reply_to: mail.reply_to.as_ref().map(address),
        to: mail.to.iter().map(address).collect(),
        subject: mail.subject.clone(),
        normalized_subject: subject::normalize(&mail.subject),
        ticket_tag: subject::ticket_tag(&mail.subject),
        message_id: mail.message_id.clone(),
        in_reply_to: mail.in_reply_to.clone(),
        references: mail.references.clone(),
        date: mail.date.map(|d| d.to_rfc3339()),
        new_text: new_text(mail).to_owned(),
        quoted_text_follows: mail.quote_start.is_some(),
        has_html: mail.html.is_some(),
        attachments: mail
            .attachments
            .iter()
            .map(|a| AttachmentSummary {
                name: a.name.clone(),
                content_type: a.content_type.clone(),
                size: a.bytes.len(),
                inline: a.inline,
                content_id: a.content_id.clone(),
            })
            .collect(),
        bounces: mail.bounces.clone(),
        bounced_message_id: mail.bounced_message_id.clone(),
        problems: mail.problems.clone(),
    }
}

fn corpus_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .expect("corpus dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_corpus_message_matches_its_reviewed_snapshot() {
    let names = corpus_names();
    assert!(names.len() >= 30, "the corpus is missing: {}", names.len());
    for name in names {
        let mail = parse_file(&name);
        // quote_start is always a character boundary inside the text.
        if let Some(q) = mail.quote_start {
            assert!(mail.text.is_char_boundary(q) && q < mail.text.len(), "{name}");
        }
        let stem = name.trim_end_matches(".eml").to_owned();
        insta::assert_json_snapshot!(stem, summary(&mail));
    }
}

#[test]
fn gb2312_without_charset_reads_as_chinese() {
    let mail = parse_file("zh-gb2312-no-charset.eml");
    assert!(mail.text.contains("我的服务器无法连接"), "{}", mail.text);
    assert_eq!(mail.subject, "网站打不开");
    assert!(mail.problems.iter().any(|p| p.contains("gb18030")));
}

#[test]
fn turkish_bytes_declared_as_utf8_read_as_turkish() {
    let mail = parse_file("tr-cp1254-declared-utf8.eml");
    assert!(mail.text.starts_with("Şifremi unuttum, giriş yapamıyorum."));
    assert!(mail.text.contains("Çağrı Güneş"));
}

#[test]
fn raw_8bit_turkish_headers_read_with_the_hint() {
    let mail = parse_file("tr-8bit-headers.eml");
    assert_eq!(mail.subject, "Fatura ödemesi başarısız");
    let from = mail.from.expect("from");
    assert_eq!(from.name.as_deref(), Some("Gül Şahin"));
    assert!(mail.text.contains("Kartımdan çekim yapıldı"));
}

#[test]
fn koi8r_without_charset_reads_as_russian() {
    let mail = parse_file("ru-koi8r-no-charset.eml");
    assert!(mail.text.starts_with("Здравствуйте!"));
    assert_eq!(new_text(&mail).lines().last(), Some("У меня не работает почта на сервере, письма не отправляются."));
    assert_eq!(mail.subject, "Почта не работает");
}

#[test]
fn replies_show_only_the_new_words() {
    for (name, new) in [
        (
            "en-outlook-reply.eml",
            "Hi,\n\nThe server is back up, thank you. I will keep an eye on it.\n\nBest regards,\nJohn Carter",
        ),
        ("en-gmail-reply.eml", "Thanks, that fixed it!"),
        ("tr-gmail-reply.eml", "Teşekkür ederim, şimdi çalışıyor."),
        ("zh-qq-reply.eml", "好的，我已经按照你们说的重启了服务器，现在可以正常访问了。谢谢！"),
        ("zh-outlook-reply.eml", "您好，\n\n附件是错误截图，麻烦再看一下。\n\n刘洋"),
        ("zh-apple-mail-reply.eml", "好的，我明天再试一次。"),
        ("ru-gmail-reply.eml", "Добрый день, проблема повторилась сегодня утром."),
        ("tr-apple-mail-reply.eml", "Evet, şimdi çalışıyor. Teşekkürler!"),
        ("tr-thunderbird-reply.eml", "Yedekleri geri yükledim, site açıldı."),
        ("zh-gmail-html-only.eml", "收到，谢谢你们的帮助。"),
        ("ru-mailru-reply.eml", "Проблема решена, спасибо!"),
        ("ru-yandex-reply.eml", "Добрый день!\n\nСпасибо, всё заработало."),
        ("en-thunderbird-reply.eml", "Yes, the domain was renewed yesterday. Can you check the DNS again?"),
    ] {
        assert_eq!(new_text(&parse_file(name)), new, "{name}");
    }
}

#[test]
fn bounces_name_the_failed_recipient_and_the_message() {
    let postfix = parse_file("en-bounce-postfix.eml");
    assert_eq!(postfix.class, MailClass::Bounce);
    assert_eq!(postfix.bounces.len(), 1);
    assert_eq!(postfix.bounces[0].recipient.as_deref(), Some("nobody@acme.example"));
    assert_eq!(postfix.bounces[0].status.as_deref(), Some("5.1.1"));
    assert!(postfix.bounces[0].permanent);
    assert_eq!(postfix.bounced_message_id.as_deref(), Some("t.482913.3.0123456789@helpdesk.example"));

    let exim = parse_file("en-bounce-exim.eml");
    assert_eq!(exim.class, MailClass::Bounce);
    assert_eq!(exim.bounces[0].recipient.as_deref(), Some("old.customer@gone.example"));
    assert!(exim.bounces[0].permanent);
    assert_eq!(exim.bounced_message_id.as_deref(), Some("t.330918.2.5566778899@helpdesk.example"));

    let exchange = parse_file("en-bounce-exchange.eml");
    assert_eq!(exchange.bounces[0].status.as_deref(), Some("5.1.10"));
    assert_eq!(exchange.bounced_message_id.as_deref(), Some("t.119284.2.defdefdef2@helpdesk.example"));

    let delayed = parse_file("en-bounce-gmail-delayed.eml");
    assert_eq!(delayed.bounces[0].action.as_deref(), Some("delayed"));
    assert!(!delayed.bounces[0].permanent);
}

#[test]
fn machine_mail_is_told_apart_from_people() {
    for (name, class) in [
        ("tr-autoreply-auto-submitted.eml", MailClass::AutoReply),
        ("ru-autoreply-x-autoreply.eml", MailClass::AutoReply),
        ("en-autoreply-precedence.eml", MailClass::AutoReply),
        ("zh-autoreply-auto-generated.eml", MailClass::AutoReply),
        ("en-human-with-suppress-header.eml", MailClass::Human),
        ("en-outlook-reply.eml", MailClass::Human),
        ("en-bulk-newsletter.eml", MailClass::Bulk),
        ("en-report-read-receipt.eml", MailClass::Report),
        ("en-own-loop.eml", MailClass::OwnLoop),
    ] {
        assert_eq!(parse_file(name).class, class, "{name}");
    }
    // Without this installation's id, our own mail is just an auto-submitted one.
    let raw = std::fs::read(corpus_dir().join("en-own-loop.eml")).expect("file");
    let other = parse(&raw, &ParseOptions::new(LanguageHint::En).with_loop_id("another-instance")).expect("parses");
    assert_eq!(other.class, MailClass::AutoReply);
}

#[test]
fn forwarded_mail_and_invites_become_files() {
    let fwd = parse_file("en-nested-forward.eml");
    let eml = fwd.attachments.iter().find(|a| a.content_type == "message/rfc822").expect("forwarded message kept");
    assert_eq!(eml.name, "forwarded.eml");
    let inner = parse(&eml.bytes, &ParseOptions::default()).expect("the .eml is a message");
    assert_eq!(inner.subject, "Your domain will expire");
    assert_eq!(inner.attachments[0].name, "invoice-2026-118.pdf");
    assert!(inner.attachments[0].bytes.starts_with(b"%PDF-1.4"));

    let invite = parse_file("en-calendar-invite.eml");
    let ics = invite.attachments.iter().find(|a| a.content_type == "text/calendar").expect("invite kept");
    assert_eq!(ics.name, "invite.ics");
    assert!(ics.bytes.starts_with(b"BEGIN:VCALENDAR"));
}

#[test]
fn html_scripts_never_reach_the_text() {
    let mail = parse_file("en-html-script.eml");
    assert_eq!(mail.text, "My account shows the wrong balance.\nRegards");
    // The HTML is kept as sent; the desk sanitises it before storing.
    assert!(mail.html.as_deref().is_some_and(|h| h.contains("<script>")));
}

#[test]
fn five_thousand_recipients() {
    let mut raw = String::from(
        "From: Big List <big@example.org>\r\nSubject: Announcement\r\nMessage-ID: <many@example.org>\r\nTo: ",
    );
    for i in 0..5000 {
        if i > 0 {
            raw.push_str(",\r\n ");
        }
        raw.push_str(&format!("\"Person {i}\" <person{i}@example.net>"));
    }
    raw.push_str("\r\nCc: one@example.net\r\n\r\nHello everyone.\r\n");
    let mail = parse(raw.as_bytes(), &ParseOptions::default()).expect("parses");
    assert_eq!(mail.to.len(), 5000);
    assert_eq!(mail.to[4999].address, "person4999@example.net");
    assert_eq!(mail.to[4999].name.as_deref(), Some("Person 4999"));
    assert_eq!(mail.cc.len(), 1);
    assert_eq!(mail.text.trim(), "Hello everyone.");
}

/// A 50 MiB base64 attachment, decoded whole. The data repeats a block of
/// 57 × 251 bytes so the test builds it by copying one encoded block
/// (building it byte by byte took longer than parsing it); parsing takes
/// about 1.5 s in a debug build on the project's machine.
#[test]
fn large_attachment_is_decoded_whole() {
    const BLOCK: usize = 57 * 251;
    const BLOCKS: usize = 50 * 1024 * 1024 / BLOCK + 1;
    let block: Vec<u8> = (0..BLOCK).map(|i| (i * 31 % 251) as u8).collect();
    let mut encoded_block = String::new();
    for line in block.chunks(57) {
        encoded_block.push_str(&base64_encode(line));
        encoded_block.push_str("\r\n");
    }
    let data = block.repeat(BLOCKS);
    let raw = format!(
        "From: a@example.org\r\nSubject: Backup\r\nMessage-ID: <big@example.org>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n\
         --B\r\nContent-Type: text/plain\r\n\r\nThe backup is attached.\r\n\
         --B\r\nContent-Type: application/octet-stream; name=\"backup.tar\"\r\n\
         Content-Disposition: attachment; filename=\"backup.tar\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n{}--B--\r\n",
        encoded_block.repeat(BLOCKS)
    );
    let mail = parse(raw.as_bytes(), &ParseOptions::default()).expect("parses");
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].name, "backup.tar");
    assert_eq!(mail.attachments[0].bytes.len(), data.len());
    assert!(data.len() >= 50 * 1024 * 1024);
    assert!(mail.attachments[0].bytes == data);
    assert_eq!(mail.text.trim(), "The backup is attached.");
}

fn base64_encode(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for c in bytes.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 { T[(n >> 6) as usize & 63] as char } else { '=' });
        out.push(if c.len() > 2 { T[n as usize & 63] as char } else { '=' });
    }
    out
}
