//! The Postfix harness itself, against a real Postfix and a real Dovecot:
//! what is submitted over SMTP for a customer arrives in the customer's
//! IMAP INBOX with its headers intact, and the recipient access map
//! refuses chosen recipients at RCPT time, changeable while Postfix runs.
//! Outbound mail tests rely on both. Runs as root (Postfix's master does).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use tessera_mail::testing::dovecot::{CUSTOMER_PASSWORD, Dovecot};
use tessera_mail::testing::postfix::{Options, Postfix};

const WAIT: Duration = Duration::from_secs(30);

/// A RCPT's reply in a fresh session.
fn rcpt(postfix: &Postfix, to: &str) -> String {
    let mut smtp = postfix.smtp();
    let ehlo = smtp.command("EHLO client.test");
    assert!(ehlo.starts_with("250"), "{ehlo}");
    let mail = smtp.command("MAIL FROM:<help@tessera.test>");
    assert!(mail.starts_with("250"), "{mail}");
    let reply = smtp.command(&format!("RCPT TO:<{to}>"));
    smtp.command("QUIT");
    reply
}

#[tokio::test]
async fn a_message_submitted_to_postfix_arrives_in_the_customers_imap_inbox_with_its_headers() {
    let dovecot = Dovecot::start().await;
    let postfix = Postfix::start(Options::relay_to(&dovecot));
    postfix.send(
        "help@tessera.test",
        "ana@customer.test",
        "From: Help <help@tessera.test>\n\
         To: Ana <ana@customer.test>\n\
         Subject: [#42] Your VPS\n\
         Message-ID: <reply-1@tessera.test>\n\
         In-Reply-To: <q1@customer.test>\n\
         References: <q1@customer.test>\n\
         \n\
         It boots again.\n\
         .A line starting with a dot.\n",
    );
    let inbox = dovecot.wait_for_inbox("ana", 1, WAIT, || postfix.log()).await;
    assert_eq!(inbox.len(), 1);
    let raw = String::from_utf8_lossy(&inbox[0]);
    for header in ["Message-ID: <reply-1@tessera.test>", "References: <q1@customer.test>", "Subject: [#42] Your VPS"] {
        assert!(raw.contains(header), "{header} missing:\n{raw}\n{}", postfix.log());
    }
    assert!(raw.contains("\r\n.A line starting with a dot.\r\n"), "{raw}");
    assert!(postfix.log().contains("relay=127.0.0.1[127.0.0.1]:"), "over LMTP: {}", postfix.log());
    postfix.wait_for_empty_queue(WAIT);

    // Any local part is a mailbox; the same address's other spelling too.
    postfix.send("help@tessera.test", "Bo.Rider@customer.test", "Subject: Two\n\nHi.\n");
    let inbox = dovecot.wait_for_inbox("bo.rider", 1, WAIT, || postfix.log()).await;
    assert!(String::from_utf8_lossy(&inbox[0]).contains("Subject: Two"));
    // Other domains are discarded, never sent anywhere.
    postfix.send("help@tessera.test", "someone@example.com", "Subject: Away\n\nHi.\n");
    postfix.wait_for_empty_queue(WAIT);
    assert!(postfix.log().contains("to=<someone@example.com>, relay=none"), "{}", postfix.log());
    assert!(postfix.log().contains("status=sent (example.com)"), "discarded: {}", postfix.log());
}

#[tokio::test]
async fn the_recipient_access_map_refuses_at_rcpt_and_changes_while_postfix_runs() {
    let dovecot = Dovecot::start().await;
    let postfix = Postfix::start(Options::relay_to(&dovecot));
    assert!(rcpt(&postfix, "ana@customer.test").starts_with("250"), "{}", postfix.log());

    postfix.set_answer("ana@customer.test", Some("450 4.2.0 Mailbox busy"));
    let reply = rcpt(&postfix, "ana@customer.test");
    assert!(reply.starts_with("450 4.2.0"), "{reply}\n{}", postfix.log());
    // Only that address.
    assert!(rcpt(&postfix, "bea@customer.test").starts_with("250"), "{}", postfix.log());

    postfix.set_answer("ana@customer.test", None);
    let reply = rcpt(&postfix, "ana@customer.test");
    assert!(reply.starts_with("250"), "{reply}\n{}", postfix.log());
    postfix.send("help@tessera.test", "ana@customer.test", "Subject: Accepted\n\nNow.\n");
    dovecot.wait_for_inbox("ana", 1, WAIT, || postfix.log()).await;

    postfix.set_answer("ana@customer.test", Some("550 5.1.1 No such user"));
    let reply = rcpt(&postfix, "ana@customer.test");
    assert!(reply.starts_with("550 5.1.1"), "{reply}\n{}", postfix.log());
}

#[tokio::test]
async fn postfix_can_require_smtp_auth_checked_by_dovecot() {
    let dovecot = Dovecot::start().await;
    let postfix = Postfix::start(Options { require_auth: true, ..Options::relay_to(&dovecot) });
    // Without logging in: refused even from loopback.
    let reply = rcpt(&postfix, "ana@customer.test");
    assert!(reply.starts_with("554 5.7.1"), "{reply}\n{}", postfix.log());

    let mut smtp = postfix.smtp();
    let ehlo = smtp.command("EHLO client.test");
    assert!(ehlo.contains("AUTH") && ehlo.contains("PLAIN"), "{ehlo}\n{}", postfix.log());
    let wrong = smtp.command(&format!("AUTH PLAIN {}", plain("help", "wrong")));
    assert!(wrong.starts_with("535"), "{wrong}\n{}", postfix.log());
    let ok = smtp.command(&format!("AUTH PLAIN {}", plain("help", CUSTOMER_PASSWORD)));
    assert!(ok.starts_with("235"), "{ok}\n{}\n{}", postfix.log(), dovecot.log());
    assert!(smtp.command("MAIL FROM:<help@tessera.test>").starts_with("250"));
    assert!(smtp.command("RCPT TO:<ana@customer.test>").starts_with("250"), "{}", postfix.log());
    let sent = smtp.data("Subject: Authenticated\n\nHi.\n");
    assert!(sent.starts_with("250"), "{sent}\n{}", postfix.log());
    smtp.command("QUIT");
    dovecot.wait_for_inbox("ana", 1, WAIT, || postfix.log()).await;
    assert!(postfix.log().contains("sasl_username=help"), "{}", postfix.log());
}

/// `AUTH PLAIN`'s argument: base64 of `\0user\0password`.
fn plain(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"))
}
