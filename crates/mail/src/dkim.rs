//! DKIM signing of the mail Tessera sends (`[mail] dkim_selector`,
//! `dkim_key_file`, `dkim_domain`), with `mail-auth`.
//!
//! It exists for installations whose relay does not sign (the machine's
//! own Postfix, a plain provider relay): without a signature aligned with
//! the `From` domain, DMARC fails and Gmail, Yahoo and Microsoft file the
//! mail as spam or refuse it. The key is read and checked once, at start-up
//! ([`DkimSigner::load`]): a missing file or a bad key stops the server
//! with an error that names the file, never its contents. The sender signs
//! each copy's composed bytes just before SMTP ([`DkimSigner::sign`]),
//! relaxed/relaxed, over the headers that carry meaning and threading
//! ([`SIGNED_HEADERS`], the ones present), and only copies whose `From`
//! domain is the signing domain or under it, so a department sending from
//! another domain never carries a signature that cannot align.

use std::path::Path;

use mail_auth::common::crypto::{DkimKey, Ed25519Key, RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter as _;
use tokio_rustls::rustls::pki_types::PrivateKeyDer;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;

/// The headers signed when present: who, what, when, which thread, how
/// it is encoded, and the one-click unsubscribe (RFC 8058 asks for it to
/// be signed).
pub const SIGNED_HEADERS: [&str; 12] = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// Why DKIM signing cannot be set up or a message cannot be signed. Never
/// holds the key's contents.
#[derive(Debug, thiserror::Error)]
pub enum DkimError {
    /// The key file cannot be read.
    #[error("mail: dkim_key_file {file}: cannot be read: {reason}")]
    Unreadable {
        /// The file as configured.
        file: String,
        /// The operating system's reason.
        reason: String,
    },
    /// The file holds no RSA or Ed25519 private key in PEM.
    #[error(
        "mail: dkim_key_file {file}: not an RSA or Ed25519 private key in PEM (BEGIN PRIVATE KEY or BEGIN RSA PRIVATE KEY)"
    )]
    NotAKey {
        /// The file as configured.
        file: String,
    },
    /// An RSA key shorter than 1024 bits (RFC 8301: verifiers ignore it).
    #[error("mail: dkim_key_file {file}: an RSA key of {bits} bits; DKIM needs at least 1024 (2048 advised)")]
    TooShort {
        /// The file as configured.
        file: String,
        /// Its length.
        bits: usize,
    },
    /// A selector or domain that cannot appear in a DNS name.
    #[error("mail: {field} {value:?} is not a DNS label (letters, digits, '-', '.')")]
    Name {
        /// `dkim_selector` or `dkim_domain`.
        field: &'static str,
        /// The value.
        value: String,
    },
    /// Signing failed (a bug or a message without the headers to sign).
    #[error("DKIM signing failed: {0}")]
    Sign(String),
}

/// A loaded signing key with its selector and domain.
pub struct DkimSigner {
    signer: mail_auth::dkim::DkimSigner<DkimKey, mail_auth::dkim::Done>,
    algorithm: &'static str,
    selector: String,
    domain: String,
}

impl std::fmt::Debug for DkimSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DkimSigner")
            .field("algorithm", &self.algorithm)
            .field("selector", &self.selector)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

fn dns_name(field: &'static str, value: &str) -> Result<String, DkimError> {
    let v = value.trim().trim_end_matches('.').to_ascii_lowercase();
    let ok = !v.is_empty()
        && v.len() <= 253
        && v.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !l.starts_with('-')
        });
    if ok { Ok(v) } else { Err(DkimError::Name { field, value: value.to_string() }) }
}

impl DkimSigner {
    /// Reads the PEM key in `key_file` (RSA: PKCS#1 or PKCS#8; Ed25519:
    /// PKCS#8) and checks it, the selector and the domain (an IDN domain
    /// in punycode).
    pub fn load(selector: &str, key_file: &Path, domain: &str) -> Result<Self, DkimError> {
        let file = key_file.display().to_string();
        let pem = std::fs::read(key_file)
            .map_err(|e| DkimError::Unreadable { file: file.clone(), reason: e.kind().to_string() })?;
        Self::from_pem(selector, &pem, domain, &file)
    }

    /// As [`DkimSigner::load`], from the PEM bytes; `file` names them in
    /// errors.
    pub fn from_pem(selector: &str, pem: &[u8], domain: &str, file: &str) -> Result<Self, DkimError> {
        let selector = dns_name("dkim_selector", selector)?;
        let ascii = idna::domain_to_ascii(domain.trim())
            .map_err(|_| DkimError::Name { field: "dkim_domain", value: domain.to_string() })?;
        let domain = dns_name("dkim_domain", &ascii)?;
        let not_a_key = || DkimError::NotAKey { file: file.to_string() };
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|_| not_a_key())?;
        let rsa = match &der {
            PrivateKeyDer::Pkcs1(_) | PrivateKeyDer::Pkcs8(_) => RsaKey::<Sha256>::from_key_der(der.clone_key()).ok(),
            _ => return Err(not_a_key()),
        };
        let (key, algorithm) = match (rsa, &der) {
            (Some(k), _) => {
                // The modulus of the PKCS#1 RSAPublicKey.
                let bits = rsa_modulus_bits(&k.public_key());
                if bits < 1024 {
                    return Err(DkimError::TooShort { file: file.to_string(), bits });
                }
                (DkimKey::Rsa(k), "rsa-sha256")
            }
            (None, PrivateKeyDer::Pkcs8(p)) => (
                DkimKey::Ed25519(Ed25519Key::from_pkcs8_der(p.secret_pkcs8_der()).map_err(|_| not_a_key())?),
                "ed25519-sha256",
            ),
            (None, _) => return Err(not_a_key()),
        };
        let signer = mail_auth::dkim::DkimSigner::from_key(key)
            .domain(domain.clone())
            .selector(selector.clone())
            .headers(SIGNED_HEADERS);
        Ok(Self { signer, algorithm, selector, domain })
    }

    /// `rsa-sha256` or `ed25519-sha256`.
    pub fn algorithm(&self) -> &'static str {
        self.algorithm
    }

    /// The signing domain (`d=`), lower case, punycode.
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The selector (`s=`).
    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// Whether mail from `from_address` is signed: its domain is the
    /// signing domain or under it (DMARC's relaxed alignment).
    pub fn signs_for(&self, from_address: &str) -> bool {
        let Some((_, domain)) = from_address.trim().rsplit_once('@') else { return false };
        let Ok(domain) = idna::domain_to_ascii(domain) else { return false };
        let domain = domain.trim_end_matches('.');
        domain == self.domain || domain.strip_suffix(&self.domain).is_some_and(|rest| rest.ends_with('.'))
    }

    /// `message` with a `DKIM-Signature` header in front, when its sender
    /// `from_address` is in the signing domain; unchanged otherwise.
    pub fn sign(&self, from_address: &str, message: Vec<u8>) -> Result<Vec<u8>, DkimError> {
        if !self.signs_for(from_address) {
            return Ok(message);
        }
        let signature = self.signer.sign(&message).map_err(|e| DkimError::Sign(e.to_string()))?;
        let header = signature.to_header();
        let mut out = Vec::with_capacity(header.len() + message.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&message);
        Ok(out)
    }
}

/// The bit length of a DER RSAPublicKey's modulus (0 when unreadable).
fn rsa_modulus_bits(der: &[u8]) -> usize {
    // SEQUENCE { INTEGER n, INTEGER e }
    fn len_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
        let first = *b.get(i)?;
        if first < 0x80 {
            return Some((first as usize, i + 1));
        }
        let n = (first & 0x7f) as usize;
        let mut len = 0usize;
        for k in 0..n {
            len = (len << 8) | *b.get(i + 1 + k)? as usize;
        }
        Some((len, i + 1 + n))
    }
    let read = || -> Option<usize> {
        if *der.first()? != 0x30 {
            return None;
        }
        let (_, body) = len_at(der, 1)?;
        if *der.get(body)? != 0x02 {
            return None;
        }
        let (len, start) = len_at(der, body + 1)?;
        let modulus = der.get(start..start + len)?;
        let lead = modulus.iter().position(|b| *b != 0)?;
        Some((modulus.len() - lead) * 8 - modulus[lead].leading_zeros() as usize)
    };
    read().unwrap_or(0)
}
