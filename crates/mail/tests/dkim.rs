//! DKIM signing (`tessera_mail::dkim`): a message the composer built and
//! the signer signed passes mail-auth's own verifier against the public key
//! published the way docs/email.md says (made here from the key with the
//! `openssl` command, as an operator would); a changed body or subject
//! fails; mail from another domain is left unsigned; a bad key file is a
//! clear error that names the file and never shows its contents.
//!
//! Keys are generated at test time with `openssl` (Debian's openssl, which
//! the Dovecot harness needs too). Verification reads the TXT record from a
//! cache the test fills: no DNS query is made (the resolver, never asked,
//! points at 127.0.0.1 only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use tessera_mail::compose::{Kind, Mailbox, Outgoing, Thread, build};
use tessera_mail::dkim::{DkimError, DkimSigner};
use tessera_mail::testing::dkim::DkimResult;

const SELECTOR: &str = "tessera2026";
const DOMAIN: &str = "help.example.com";

/// A new key in `dir/name` and its record's `p=` value.
fn key(dir: &Path, name: &str, algorithm: &[&str]) -> (PathBuf, String) {
    tessera_mail::testing::dkim::key(dir, name, algorithm)
}

async fn verify(message: &[u8], record: &str) -> Vec<DkimResult> {
    tessera_mail::testing::dkim::verify(message, SELECTOR, DOMAIN, record).await
}

fn message(from: &str) -> Vec<u8> {
    let at = |h| Utc.with_ymd_and_hms(2026, 12, 7, h, 0, 0).single().unwrap();
    build(&Outgoing {
        kind: Kind::Notification,
        from: Mailbox::new("Destek Ekibi", from),
        to: vec![Mailbox::new("Çağrı Öztürk", "cagri@örnek.com.tr")],
        cc: vec![Mailbox::new("王小明", "xiaoming@example.cn")],
        reply_to: None,
        ticket_number: "482913".into(),
        subject: "Sunucu çöktü".into(),
        message_id: "t12.m34.abcdef0123456789@help.example.com".into(),
        in_reply_to: Some("CAF=customer-last@mail.gmail.com".into()),
        thread: Thread { root_id: "t12.abcdef0123456789@help.example.com".into(), started_at: at(9) },
        references: vec!["CAF=customer-first@mail.gmail.com".into()],
        loop_id: "tessera-test".into(),
        unsubscribe_url: Some("https://help.example.com/u/abc123".into()),
        date: at(10),
        text: "Merhaba,\n\nsunucunuz yeniden çalışıyor.\n".into(),
        html: None,
        attachments: Vec::new(),
        marker: None,
    })
    .unwrap()
    .bytes
}

/// `message` with `from` replaced by `to` once.
fn changed(message: &[u8], from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(message.to_vec()).unwrap();
    assert!(text.contains(from), "{from:?} not in the message");
    text.replacen(from, to, 1).into_bytes()
}

async fn signs_and_verifies(algorithm: &[&str], k: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (path, public) = key(dir.path(), "dkim.pem", algorithm);
    let record = format!("v=DKIM1; k={k}; p={public}");
    let signer = DkimSigner::load(SELECTOR, &path, DOMAIN).unwrap();
    let signed = signer.sign("support@help.example.com", message("support@help.example.com")).unwrap();
    let text = String::from_utf8_lossy(&signed).into_owned();
    assert!(text.starts_with("DKIM-Signature: "), "{text}");
    let header = text.split("\r\n\r\n").next().unwrap().to_ascii_lowercase().replace(['\r', '\n', '\t', ' '], "");
    assert!(header.contains(&format!("d={DOMAIN};")) && header.contains(&format!("s={SELECTOR};")), "{header}");
    for h in ["from", "to", "cc", "subject", "date", "message-id", "in-reply-to", "references", "list-unsubscribe"] {
        assert!(header.split("h=").nth(1).unwrap().split(';').next().unwrap().split(':').any(|x| x == h), "{h}");
    }
    assert_eq!(verify(&signed, &record).await, [DkimResult::Pass], "{text}");

    // A changed body or subject no longer verifies.
    let body = changed(&signed, "yeniden", "hala");
    assert!(!verify(&body, &record).await.contains(&DkimResult::Pass));
    let subject = changed(&signed, "\r\nSubject: ", "\r\nSubject: Re: ");
    assert!(!verify(&subject, &record).await.contains(&DkimResult::Pass));
    // Another key published under the name: the signature fails.
    let (_, other) = key(dir.path(), "other.pem", algorithm);
    assert!(!verify(&signed, &format!("v=DKIM1; k={k}; p={other}")).await.contains(&DkimResult::Pass));
}

#[tokio::test]
async fn an_rsa_signed_message_verifies_against_the_published_key_and_a_changed_one_does_not() {
    signs_and_verifies(&["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "rsa").await;
}

#[tokio::test]
async fn an_ed25519_signed_message_verifies_against_the_published_key_and_a_changed_one_does_not() {
    signs_and_verifies(&["-algorithm", "ed25519"], "ed25519").await;
}

#[test]
fn only_mail_from_the_signing_domain_or_under_it_is_signed() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = key(dir.path(), "dkim.pem", &["-algorithm", "ed25519"]);
    let signer = DkimSigner::load(SELECTOR, &path, "Example.COM").unwrap();
    assert_eq!((signer.domain(), signer.algorithm()), ("example.com", "ed25519-sha256"));
    let other = message("support@example.net");
    assert_eq!(signer.sign("support@example.net", other.clone()).unwrap(), other, "left as it is");
    assert!(!signer.signs_for("support@notexample.com"));
    assert!(signer.signs_for("support@help.example.com") && signer.signs_for("Support@EXAMPLE.com"));
    assert!(!format!("{signer:?}").contains("PRIVATE"));
}

#[test]
fn a_bad_key_file_is_an_error_naming_the_file_never_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let e = DkimSigner::load(SELECTOR, &missing, DOMAIN).unwrap_err();
    assert!(matches!(e, DkimError::Unreadable { .. }) && e.to_string().contains("missing.pem"), "{e}");

    let garbage = dir.path().join("garbage.pem");
    let secret = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n";
    std::fs::write(&garbage, secret).unwrap();
    let e = DkimSigner::load(SELECTOR, &garbage, DOMAIN).unwrap_err();
    assert!(matches!(e, DkimError::NotAKey { .. }) && e.to_string().contains("garbage.pem"), "{e}");
    assert!(!e.to_string().contains("c2VjcmV0") && !format!("{e:?}").contains("c2VjcmV0"), "{e:?}");

    // A P-256 key: neither RSA nor Ed25519.
    let (ec, _) = key(dir.path(), "ec.pem", &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    assert!(matches!(DkimSigner::load(SELECTOR, &ec, DOMAIN), Err(DkimError::NotAKey { .. })));
    // 512-bit RSA: verifiers ignore it (RFC 8301).
    let (short, _) = key(dir.path(), "short.pem", &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"]);
    let e = DkimSigner::load(SELECTOR, &short, DOMAIN).unwrap_err();
    assert!(matches!(e, DkimError::TooShort { bits: 512, .. }), "{e}");
    // A selector or domain that cannot be a DNS name.
    let (good, _) = key(dir.path(), "good.pem", &["-algorithm", "ed25519"]);
    assert!(matches!(DkimSigner::load("a b", &good, DOMAIN), Err(DkimError::Name { field: "dkim_selector", .. })));
    assert!(matches!(DkimSigner::load(SELECTOR, &good, "exa mple.com"), Err(DkimError::Name { .. })));
}
