//! DKIM for tests: keys made with the `openssl` command (as an operator
//! makes them, docs/email.md) and mail-auth's verifier reading the
//! selector's TXT record from a cache the test fills, so a test checks a
//! signature with no DNS query (the resolver, never asked, points at
//! 127.0.0.1 only).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use mail_auth::common::parse::TxtRecordParser as _;
use mail_auth::common::verify::DomainKey;
use mail_auth::hickory_resolver::config::{NameServerConfig, ResolverConfig, ResolverOpts};
use mail_auth::{AuthenticatedMessage, MessageAuthenticator, ResolverCache, Txt};

/// A signature's verdict (`Pass` when it verifies).
pub use mail_auth::DkimResult;

fn openssl(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("run openssl (Debian package openssl): {e}"));
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A new private key in `dir/name` (PEM, from `openssl genpkey` with
/// `algorithm`, e.g. `["-algorithm", "ed25519"]`) and its DNS record's
/// `p=` value: RSA's SubjectPublicKeyInfo, Ed25519's bare 32 bytes (RFC
/// 8463), in base64.
pub fn key(dir: &Path, name: &str, algorithm: &[&str]) -> (PathBuf, String) {
    openssl(dir, &[&["genpkey"][..], algorithm, &["-out", name]].concat());
    let spki = openssl(dir, &["pkey", "-in", name, "-pubout", "-outform", "DER"]);
    let public = if algorithm.contains(&"ed25519") { spki[spki.len() - 32..].to_vec() } else { spki };
    (dir.join(name), base64::engine::general_purpose::STANDARD.encode(public))
}

/// A TXT cache the verifier reads before any DNS.
#[derive(Default)]
struct Records(Mutex<HashMap<Box<str>, Txt>>);

impl ResolverCache<Box<str>, Txt> for Records {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().get(name).cloned()
    }
    fn remove<Q>(&self, name: &Q) -> Option<Txt>
    where
        Box<str>: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        self.0.lock().unwrap().remove(name)
    }
    fn insert(&self, key: Box<str>, value: Txt, _: Instant) {
        self.0.lock().unwrap().insert(key, value);
    }
}

/// What mail-auth's verifier says of each DKIM signature of `message`,
/// with `record` (`v=DKIM1; k=…; p=…`) published at
/// `selector._domainkey.domain`.
pub async fn verify(message: &[u8], selector: &str, domain: &str, record: &str) -> Vec<DkimResult> {
    let records = Records::default();
    let name = format!("{selector}._domainkey.{domain}.");
    records.insert(name.into(), DomainKey::parse(record.as_bytes()).expect("a DKIM record").into(), Instant::now());
    let loopback = NameServerConfig::udp_and_tcp(std::net::Ipv4Addr::LOCALHOST.into());
    let mut options = ResolverOpts::default();
    options.timeout = Duration::from_millis(200);
    let authenticator = MessageAuthenticator::new(ResolverConfig::from_parts(None, vec![], vec![loopback]), options)
        .expect("a resolver");
    let parsed = AuthenticatedMessage::parse(message).expect("a message");
    let params = mail_auth::Parameters::new(&parsed).with_txt_cache(&records);
    authenticator.verify_dkim(params).await.iter().map(|o| o.result().clone()).collect()
}
