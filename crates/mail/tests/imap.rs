//! The IMAP client against a real Dovecot on loopback (see
//! `support/dovecot.rs`): fetching by UID cursor, acknowledging, IDLE,
//! UIDVALIDITY changes and both ways of logging in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use futures_util::TryStreamExt as _;
use support::dovecot::{Dovecot, OAUTH_USER, Options, message};
use tessera_mail::imap::{AfterImport, Auth, Cursor, ImapError, MailboxClient, MailboxConfig, Wake};

/// Every test is bounded: Dovecot's start, then the IMAP traffic.
async fn bounded<F: std::future::Future<Output = ()>>(f: F) {
    tokio::time::timeout(Duration::from_secs(60), f).await.expect("the test took more than a minute");
}

/// The flags another client sees on the message with `uid` in `folder`.
async fn flags_of(dovecot: &Dovecot, folder: &str, uid: u32) -> Vec<String> {
    let mut s = dovecot.session().await;
    s.examine(folder).await.unwrap();
    let fetches: Vec<_> = s.uid_fetch(uid.to_string(), "FLAGS").await.unwrap().try_collect().await.unwrap();
    let flags = fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .map(|f| f.flags().map(|fl| format!("{fl:?}")).collect())
        .unwrap_or_default();
    s.logout().await.unwrap();
    flags
}

/// How many messages `folder` holds, as another client sees it.
async fn count(dovecot: &Dovecot, folder: &str) -> u32 {
    let mut s = dovecot.session().await;
    let m = s.examine(folder).await.unwrap();
    s.logout().await.unwrap();
    m.exists
}

#[tokio::test]
async fn an_appended_message_is_in_the_first_fetch_and_stays_unseen() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.append("INBOX", &message(1)).await;
        let mut client = MailboxClient::connect(dovecot.config()).await.unwrap();
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        assert!(batch.restarted, "a fresh cursor reads from the start");
        assert_eq!(batch.messages.len(), 1);
        assert_eq!(batch.messages[0].raw, message(1), "the exact bytes");
        assert!(!batch.more);
        assert_eq!(batch.cursor, Cursor { uid_validity: batch.uid_validity, last_uid: batch.messages[0].uid });
        // BODY.PEEK: the customer's mail stays unread for the people who
        // also read this folder.
        let flags = flags_of(&dovecot, "INBOX", batch.messages[0].uid).await;
        assert!(!flags.iter().any(|f| f.contains("Seen")), "{flags:?}");
        // From the saved cursor nothing is new.
        let again = client.fetch_batch(&batch.cursor).await.unwrap();
        assert!(again.messages.is_empty() && !again.restarted && !again.more);
        assert_eq!(again.cursor, batch.cursor);
        client.logout().await;
    })
    .await;
}

#[tokio::test]
async fn a_message_another_client_has_read_is_still_fetched() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.append("INBOX", &message(1)).await;
        // Someone opens the mailbox in their mail program first.
        let mut other = dovecot.session().await;
        other.select("INBOX").await.unwrap();
        let _: Vec<_> = other.fetch("1", "BODY[]").await.unwrap().try_collect().await.unwrap();
        other.logout().await.unwrap();
        let mut client = MailboxClient::connect(dovecot.config()).await.unwrap();
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        let uid = batch.messages[0].uid;
        assert!(flags_of(&dovecot, "INBOX", uid).await.iter().any(|f| f.contains("Seen")));
        assert_eq!(batch.messages.len(), 1, "\\Seen does not hide a message from Tessera");
    })
    .await;
}

#[tokio::test]
async fn acknowledging_with_the_keyword_marks_the_messages_and_skips_them() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        for n in 1..=3 {
            dovecot.append("INBOX", &message(n)).await;
        }
        let mut client = MailboxClient::connect(dovecot.config()).await.unwrap();
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        assert_eq!(batch.messages.len(), 3);
        client.acknowledge(batch.uid_validity, &batch.uids()).await.unwrap();
        for uid in batch.uids() {
            let flags = flags_of(&dovecot, "INBOX", uid).await;
            assert!(flags.iter().any(|f| f.contains("$TesseraImported")), "{flags:?}");
            assert!(!flags.iter().any(|f| f.contains("Seen")), "{flags:?}");
        }
        assert_eq!(count(&dovecot, "INBOX").await, 3, "the keyword leaves them in place");
        let after = client.fetch_batch(&batch.cursor).await.unwrap();
        assert!(after.messages.is_empty());
        // Even a lost cursor does not import them again: the keyword skips them.
        let lost = client.fetch_batch(&Cursor::default()).await.unwrap();
        assert!(lost.messages.is_empty(), "{lost:?}");
        // A new message after them is fetched alone.
        dovecot.append("INBOX", &message(4)).await;
        let next = client.fetch_batch(&batch.cursor).await.unwrap();
        assert_eq!(next.messages.len(), 1);
        assert_eq!(next.messages[0].raw, message(4));
    })
    .await;
}

#[tokio::test]
async fn acknowledging_with_move_moves_the_messages() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let mut other = dovecot.session().await;
        other.create("Processed").await.unwrap();
        other.logout().await.unwrap();
        dovecot.append("INBOX", &message(1)).await;
        dovecot.append("INBOX", &message(2)).await;
        let mut config = dovecot.config();
        config.after_import = AfterImport::MoveTo("Processed".into());
        let mut client = MailboxClient::connect(config).await.unwrap();
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        assert_eq!(batch.messages.len(), 2);
        client.acknowledge(batch.uid_validity, &batch.uids()).await.unwrap();
        assert_eq!(count(&dovecot, "INBOX").await, 0);
        assert_eq!(count(&dovecot, "Processed").await, 2);
        assert!(client.fetch_batch(&batch.cursor).await.unwrap().messages.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_server_without_move_idle_or_xoauth2_gets_the_fallbacks() {
    bounded(async {
        // The same server, advertising neither MOVE nor IDLE, nor XOAUTH2.
        let dovecot = Dovecot::start_with(Options {
            extra_config: "imap_capability = IMAP4rev1 LITERAL+ UIDPLUS\nauth_mechanisms = plain login\n",
            ..Options::default()
        })
        .await;
        dovecot.oauth.grant("token", OAUTH_USER);
        let oauth = MailboxConfig::new(dovecot.url(), OAUTH_USER, Auth::XOAuth2 { access_token: "token".into() });
        let e = MailboxClient::connect(oauth).await.unwrap_err();
        assert!(matches!(e, ImapError::Unsupported(_)), "{e:?}");
        assert!(e.needs_admin());
        let mut other = dovecot.session().await;
        other.create("Processed").await.unwrap();
        other.logout().await.unwrap();
        dovecot.append("INBOX", &message(1)).await;
        dovecot.append("INBOX", &message(2)).await;
        let mut config = dovecot.config();
        config.after_import = AfterImport::MoveTo("Processed".into());
        let mut client = MailboxClient::connect(config).await.unwrap();
        assert_eq!(client.has_idle(), Some(false));
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        // Acknowledge only the first: UID EXPUNGE must leave the second.
        client.acknowledge(batch.uid_validity, &batch.uids()[..1]).await.unwrap();
        assert_eq!(count(&dovecot, "INBOX").await, 1);
        assert_eq!(count(&dovecot, "Processed").await, 1);
        let started = Instant::now();
        assert_eq!(client.wait_for_new(Duration::from_millis(300)).await.unwrap(), Wake::TimedOut);
        assert!(started.elapsed() >= Duration::from_millis(300), "a poll sleeps");
    })
    .await;
}

#[tokio::test]
async fn acknowledging_with_delete_removes_the_messages() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        for n in 1..=3 {
            dovecot.append("INBOX", &message(n)).await;
        }
        let mut config = dovecot.config();
        config.after_import = AfterImport::Delete;
        let mut client = MailboxClient::connect(config).await.unwrap();
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        client.acknowledge(batch.uid_validity, &batch.uids()[..2]).await.unwrap();
        assert_eq!(count(&dovecot, "INBOX").await, 1, "only the acknowledged ones go");
        let rest = client.fetch_batch(&Cursor::default()).await.unwrap();
        assert_eq!(rest.messages.len(), 1);
        assert_eq!(rest.messages[0].raw, message(3));
        client.acknowledge(rest.uid_validity, &rest.uids()).await.unwrap();
        assert_eq!(count(&dovecot, "INBOX").await, 0);
        assert!(client.fetch_batch(&rest.cursor).await.unwrap().messages.is_empty());
    })
    .await;
}

#[tokio::test]
async fn batches_are_bounded_by_batch_size() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        for n in 1..=7 {
            dovecot.append("INBOX", &message(n)).await;
        }
        let mut config = dovecot.config();
        config.batch_size = 3;
        let mut client = MailboxClient::connect(config).await.unwrap();
        let mut cursor = Cursor::default();
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        let mut waiting = Vec::new();
        loop {
            let batch = client.fetch_batch(&cursor).await.unwrap();
            sizes.push(batch.messages.len());
            waiting.push(batch.waiting);
            seen.extend(batch.messages.iter().map(|m| m.raw.clone()));
            cursor = batch.cursor;
            if !batch.more {
                break;
            }
            assert!(sizes.len() < 10, "the loop ends");
        }
        assert_eq!(sizes, [3, 3, 1]);
        assert_eq!(waiting, [7, 4, 1], "what waits on the server, this batch included");
        assert_eq!(seen, (1..=7).map(message).collect::<Vec<_>>(), "all, in order, once");

        // A byte budget of two messages cuts the batch before the third;
        // one smaller than a message still lets one through.
        let one = message(1).len() as u64;
        for (budget, expect) in [(2 * one + 5, 2), (1, 1)] {
            let mut config = dovecot.config();
            config.batch_size = 5;
            config.max_batch_bytes = budget;
            let mut client = MailboxClient::connect(config).await.unwrap();
            let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
            assert_eq!(batch.messages.len(), expect, "budget {budget}");
            assert!(batch.more);
            let next = client.fetch_batch(&batch.cursor).await.unwrap();
            assert_eq!(next.messages[0].raw, message(expect as u32 + 1), "continues where it stopped");
        }
    })
    .await;
}

#[tokio::test]
async fn a_long_sparse_backlog_is_searched_a_window_at_a_time_and_nothing_is_skipped() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        // 450 UIDs of which three are left: the first window (200 UIDs)
        // holds one message, fewer than a batch, so the search widens.
        for n in 1..=450 {
            dovecot.append("INBOX", &message(n)).await;
        }
        let kept = [5u32, 300, 449];
        let mut session = dovecot.session().await;
        session.select("INBOX").await.unwrap();
        let gone: Vec<String> = (1..=450).filter(|u| !kept.contains(u)).map(|u| u.to_string()).collect();
        for chunk in gone.chunks(100) {
            let _: Vec<_> =
                session.uid_store(chunk.join(","), "+FLAGS (\\Deleted)").await.unwrap().try_collect().await.unwrap();
        }
        let _: Vec<_> = session.expunge().await.unwrap().try_collect().await.unwrap();
        session.logout().await.unwrap();

        let mut config = dovecot.config();
        config.batch_size = 2;
        let mut client = MailboxClient::connect(config).await.unwrap();
        let first = client.fetch_batch(&Cursor::default()).await.unwrap();
        assert_eq!(first.uids(), [5, 300]);
        assert!(first.more);
        assert_eq!(first.waiting, 3, "the widened search reached the last UID: exact");
        let second = client.fetch_batch(&first.cursor).await.unwrap();
        assert_eq!((second.uids(), second.more, second.waiting), (vec![449], false, 1));
        assert_eq!(second.messages[0].raw, message(449));

        // A dense backlog longer than a window: batches follow each other
        // and the backlog shown is an upper bound that never hides mail.
        for n in 451..=700 {
            dovecot.append("INBOX", &message(n)).await;
        }
        let next = client.fetch_batch(&second.cursor).await.unwrap();
        assert_eq!(next.uids(), [451, 452]);
        assert!(next.more);
        assert!(next.waiting >= 250, "{}", next.waiting);
    })
    .await;
}

#[tokio::test]
async fn a_restart_before_acknowledging_fetches_the_same_messages_again() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        for n in 1..=4 {
            dovecot.append("INBOX", &message(n)).await;
        }
        let mut config = dovecot.config();
        config.batch_size = 2;
        let mut first = MailboxClient::connect(config.clone()).await.unwrap();
        let one = first.fetch_batch(&Cursor::default()).await.unwrap();
        let saved = one.cursor;
        let two = first.fetch_batch(&saved).await.unwrap();
        // Crash: the second batch was fetched but never stored, so its
        // cursor was never saved and nothing was acknowledged.
        drop(first);
        let mut second = MailboxClient::connect(config).await.unwrap();
        let again = second.fetch_batch(&saved).await.unwrap();
        assert_eq!(again.messages, two.messages, "the same messages, nothing lost");
        assert_eq!(again.cursor, two.cursor);
    })
    .await;
}

#[tokio::test]
async fn a_uidvalidity_change_restarts_the_fetch() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let mut other = dovecot.session().await;
        other.create("Support").await.unwrap();
        other.logout().await.unwrap();
        dovecot.append("Support", &message(1)).await;
        let mut config = dovecot.config();
        config.folder = "Support".into();
        let mut client = MailboxClient::connect(config).await.unwrap();
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        assert_eq!(batch.messages.len(), 1);
        // An admin recreates the folder and puts the mail back (a restore).
        let mut other = dovecot.session().await;
        other.delete("Support").await.unwrap();
        other.create("Support").await.unwrap();
        other.logout().await.unwrap();
        dovecot.append("Support", &message(1)).await;
        dovecot.append("Support", &message(2)).await;
        // Acknowledging the old UIDs now would touch the wrong messages.
        let e = client.acknowledge(batch.uid_validity, &batch.uids()).await.unwrap_err();
        assert!(matches!(e, ImapError::UidValidityChanged { .. }), "{e:?}");
        let after = client.fetch_batch(&batch.cursor).await.unwrap();
        assert!(after.restarted);
        assert_ne!(after.uid_validity, batch.uid_validity);
        assert_eq!(after.messages.iter().map(|m| m.raw.clone()).collect::<Vec<_>>(), [message(1), message(2)]);
        assert_eq!(after.cursor.uid_validity, after.uid_validity);
    })
    .await;
}

#[tokio::test]
async fn idle_wakes_up_when_a_message_arrives() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let mut client = MailboxClient::connect(dovecot.config()).await.unwrap();
        assert_eq!(client.has_idle(), Some(true));
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        assert!(batch.messages.is_empty());
        // Nothing arrives: the wait ends on time.
        let started = Instant::now();
        assert_eq!(client.wait_for_new(Duration::from_millis(500)).await.unwrap(), Wake::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(5));
        // A message arrives while we wait.
        let appender = async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            dovecot.append("INBOX", &message(1)).await;
        };
        let started = Instant::now();
        let (wake, ()) = tokio::join!(client.wait_for_new(Duration::from_secs(20)), appender);
        assert_eq!(wake.unwrap(), Wake::NewMail);
        assert!(started.elapsed() < Duration::from_secs(10), "woken by the server, not the timeout");
        // The session is usable after IDLE.
        let next = client.fetch_batch(&batch.cursor).await.unwrap();
        assert_eq!(next.messages.len(), 1);
        // Mail that arrives between a fetch and the wait (while the caller
        // stores the batch) is noticed at once, not at the next timeout.
        dovecot.append("INBOX", &message(2)).await;
        let started = Instant::now();
        assert_eq!(client.wait_for_new(Duration::from_secs(20)).await.unwrap(), Wake::NewMail);
        assert!(started.elapsed() < Duration::from_secs(5));
        let last = client.fetch_batch(&next.cursor).await.unwrap();
        assert_eq!(last.messages.len(), 1);
        assert_eq!(last.messages[0].raw, message(2));
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_is_an_authentication_error() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let mut config = dovecot.config();
        config.auth = Auth::Password("wrong".into());
        let e = MailboxClient::connect(config).await.unwrap_err();
        assert!(matches!(e, ImapError::AuthFailed { .. }), "{e:?}");
        assert!(e.needs_admin());
        assert!(!e.to_string().contains("wrong"), "no password in the error: {e}");
    })
    .await;
}

#[tokio::test]
async fn xoauth2_logs_in_with_a_valid_token_and_a_revoked_one_asks_for_reauthorisation() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.oauth.grant("good-token-1", OAUTH_USER);
        let config = |token: &str| {
            let mut c = MailboxConfig::new(dovecot.url(), OAUTH_USER, Auth::XOAuth2 { access_token: token.into() });
            c.op_timeout = Duration::from_secs(10);
            c
        };
        let mut client = MailboxClient::connect(config("good-token-1")).await.unwrap();
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        assert!(batch.messages.is_empty());
        client.logout().await;
        assert!(*dovecot.oauth.requests.lock().unwrap() >= 1, "Dovecot asked our endpoint");

        dovecot.oauth.revoke("good-token-1");
        let e = MailboxClient::connect(config("good-token-1")).await.unwrap_err();
        assert!(matches!(e, ImapError::AuthExpired { .. }), "{e:?}\n{}", dovecot.log());
        assert!(!e.to_string().contains("good-token"), "no token in the error: {e}");
        // (A token never issued is the same answer from the introspection
        // endpoint; a second failure here would only wait out Dovecot's
        // per-IP auth penalty.)
    })
    .await;
}

#[tokio::test]
async fn missing_folders_are_reported_as_such() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        let mut config = dovecot.config();
        config.folder = "Nope".into();
        let mut client = MailboxClient::connect(config).await.unwrap();
        let e = client.fetch_batch(&Cursor::default()).await.unwrap_err();
        assert!(matches!(&e, ImapError::FolderMissing(f) if f == "Nope"), "{e:?}");

        dovecot.append("INBOX", &message(1)).await;
        let mut config = dovecot.config();
        config.after_import = AfterImport::MoveTo("Gone".into());
        let mut client = MailboxClient::connect(config).await.unwrap();
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        let e = client.acknowledge(batch.uid_validity, &batch.uids()).await.unwrap_err();
        assert!(matches!(&e, ImapError::FolderMissing(f) if f == "Gone"), "{e:?}");
        assert_eq!(count(&dovecot, "INBOX").await, 1, "nothing lost");
    })
    .await;
}

#[tokio::test]
async fn tls_failures_are_tls_errors() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        // imaps:// against a plain-text port.
        let mut config = dovecot.config();
        config.url = format!("imaps://127.0.0.1:{}", dovecot.port);
        let e = MailboxClient::connect(config).await.unwrap_err();
        assert!(matches!(e, ImapError::Tls { .. }), "{e:?}");
        // STARTTLS asked for, the server (ssl = no) does not offer it.
        let mut config = dovecot.config();
        config.starttls = true;
        let e = MailboxClient::connect(config).await.unwrap_err();
        assert!(matches!(e, ImapError::Tls { .. }), "{e:?}");
        // Nothing listening.
        drop(dovecot);
        let e = MailboxClient::connect(MailboxConfig::new("imap://127.0.0.1:1", "x", Auth::Password("y".into())))
            .await
            .unwrap_err();
        assert!(matches!(e, ImapError::Connect { .. }), "{e:?}");
    })
    .await;
}

#[tokio::test]
async fn a_connection_the_server_closed_is_reopened_transparently() {
    bounded(async {
        let dovecot = Dovecot::start().await;
        dovecot.append("INBOX", &message(1)).await;
        let mut client = MailboxClient::connect(dovecot.config()).await.unwrap();
        let batch = client.fetch_batch(&Cursor::default()).await.unwrap();
        // The server drops every session of the user (a restart, an idle
        // timeout, an admin's kick).
        dovecot.doveadm(&["kick", support::dovecot::USER]);
        dovecot.append("INBOX", &message(2)).await;
        let next = client.fetch_batch(&batch.cursor).await.unwrap();
        assert_eq!(next.messages.len(), 1);
        dovecot.doveadm(&["kick", support::dovecot::USER]);
        client.acknowledge(next.uid_validity, &next.uids()).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    bounded(async {
        // Accepts the connection, then says nothing (no greeting).
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hold = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let mut config = MailboxConfig::new(format!("imap://127.0.0.1:{port}"), "u", Auth::Password("p".into()));
        config.op_timeout = Duration::from_millis(300);
        let started = Instant::now();
        let e = MailboxClient::connect(config).await.unwrap_err();
        assert!(matches!(e, ImapError::Timeout { operation: "greeting", .. }), "{e:?}");
        assert!(started.elapsed() < Duration::from_secs(5));
        hold.abort();
    })
    .await;
}

#[tokio::test]
async fn imaps_and_starttls_verify_the_server_certificate() {
    bounded(async {
        let dovecot = Dovecot::start_with(Options { tls: true, ..Options::default() }).await;
        let (tls_port, ca) = dovecot.tls.clone().unwrap();
        dovecot.append("INBOX", &message(1)).await;
        // imaps:// with the CA that signed the server's certificate.
        let mut config = dovecot.config();
        config.url = format!("imaps://127.0.0.1:{tls_port}");
        config.extra_ca_pem = Some(ca.clone());
        let mut client = MailboxClient::connect(config.clone()).await.unwrap();
        assert_eq!(client.fetch_batch(&Cursor::default()).await.unwrap().messages.len(), 1);
        // STARTTLS on the plain port.
        let mut starttls = dovecot.config();
        starttls.starttls = true;
        starttls.extra_ca_pem = Some(ca.clone());
        let mut client = MailboxClient::connect(starttls.clone()).await.unwrap();
        assert_eq!(client.fetch_batch(&Cursor::default()).await.unwrap().messages.len(), 1);
        // Without that CA the certificate is not trusted, by either way.
        for mut c in [config.clone(), starttls] {
            c.extra_ca_pem = None;
            let e = MailboxClient::connect(c).await.unwrap_err();
            assert!(matches!(&e, ImapError::Tls { reason, .. } if reason.contains("certificate")), "{e:?}");
        }
        // A certificate for 127.0.0.1 does not vouch for another name.
        let mut wrong_name = config;
        wrong_name.url = format!("imaps://localhost:{tls_port}");
        let e = MailboxClient::connect(wrong_name).await.unwrap_err();
        assert!(matches!(&e, ImapError::Tls { reason, .. } if reason.contains("certificate")), "{e:?}");
        // Rubbish instead of a CA is a configuration error.
        let mut bad = dovecot.config();
        bad.extra_ca_pem = Some("not a certificate".into());
        assert!(matches!(MailboxClient::new(bad).unwrap_err(), ImapError::Config(_)));
    })
    .await;
}
