//! Encryption of secrets at rest (secret custom field values, encrypted
//! message bodies) with AES-256-GCM under the installation's key.
//!
//! A sealed value is `enc:v1:` followed by base64 of the 96-bit random nonce
//! and the ciphertext. The purpose (`custom_field:server_password`, `message`)
//! is bound as associated data, so a value cannot be moved to another use.

use crate::error::{DeskError, DeskResult};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const PREFIX: &str = tessera_core::custom_field::SEALED_PREFIX;

/// The installation's 256-bit key; its `Debug` never shows it.
///
/// The cipher's key schedule is shared, not copied: every clone of the desk
/// (one per request handler's state) carries a box.
#[derive(Clone)]
pub struct SecretBox {
    cipher: std::sync::Arc<Aes256Gcm>,
    /// A key for signatures, derived from the installation's key (never
    /// the encryption key itself).
    tag_key: std::sync::Arc<[u8; 32]>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box for a key written as 64 hex characters.
    pub fn from_hex(hex_key: &str) -> Result<Self, String> {
        let bytes = hex::decode(hex_key.trim()).map_err(|_| "the secret key must be 64 hex characters".to_string())?;
        if bytes.len() != 32 {
            return Err("the secret key must be 64 hex characters (256 bits)".into());
        }
        let cipher =
            Aes256Gcm::new_from_slice(&bytes).map_err(|_| "the secret key has the wrong length".to_string())?;
        let tag_key = Self::hmac(&bytes, b"tessera signing key v1");
        Ok(Self { cipher: std::sync::Arc::new(cipher), tag_key: std::sync::Arc::new(tag_key) })
    }

    /// A signature of `data` for `purpose` under the installation's key:
    /// what makes a token Tessera handed out checkable without storing it.
    pub fn tag(&self, purpose: &str, data: &str) -> [u8; 32] {
        let mut input = Vec::with_capacity(purpose.len() + 1 + data.len());
        input.extend_from_slice(purpose.as_bytes());
        input.push(0);
        input.extend_from_slice(data.as_bytes());
        Self::hmac(&self.tag_key[..], &input)
    }

    fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
        use hmac::{KeyInit, Mac};
        use sha2::Digest;
        match <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key) {
            Ok(mut mac) => {
                mac.update(data);
                mac.finalize().into_bytes().into()
            }
            // HMAC takes keys of any length: never reached.
            Err(_) => sha2::Sha256::digest([key, data].concat()).into(),
        }
    }

    /// A new random key, as 64 hex characters.
    pub fn generate_hex() -> DeskResult<String> {
        Ok(hex::encode(crate::random::bytes::<32>()?))
    }

    /// Encrypts `plain` for `purpose`.
    pub fn seal(&self, purpose: &str, plain: &str) -> DeskResult<String> {
        let nonce_bytes = crate::random::bytes::<12>()?;
        let nonce = Nonce::<aes_gcm::aead::consts::U12>::try_from(&nonce_bytes[..])
            .map_err(|_| DeskError::Internal("bad nonce length".into()))?;
        let ct = self
            .cipher
            .encrypt(&nonce, Payload { msg: plain.as_bytes(), aad: purpose.as_bytes() })
            .map_err(|_| DeskError::Internal("encryption failed".into()))?;
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ct);
        Ok(format!("{PREFIX}{}", STANDARD.encode(out)))
    }

    /// Decrypts a value sealed for `purpose`.
    pub fn open(&self, purpose: &str, sealed: &str) -> DeskResult<String> {
        let bad = || DeskError::Internal("a stored secret cannot be decrypted (wrong key?)".into());
        let raw = sealed.strip_prefix(PREFIX).ok_or_else(bad)?;
        let bytes = STANDARD.decode(raw).map_err(|_| bad())?;
        if bytes.len() < 12 {
            return Err(bad());
        }
        let (n, ct) = bytes.split_at(12);
        let nonce = Nonce::<aes_gcm::aead::consts::U12>::try_from(n).map_err(|_| bad())?;
        let plain = self.cipher.decrypt(&nonce, Payload { msg: ct, aad: purpose.as_bytes() }).map_err(|_| bad())?;
        String::from_utf8(plain).map_err(|_| bad())
    }

    /// Whether a stored value is sealed.
    pub fn is_sealed(value: &str) -> bool {
        value.starts_with(PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_purpose_binding() {
        let b = SecretBox::from_hex(&SecretBox::generate_hex().unwrap()).unwrap();
        let s = b.seal("custom_field:pw", "hunter2 şifre 密码").unwrap();
        assert!(SecretBox::is_sealed(&s));
        assert!(!s.contains("hunter2"));
        assert_eq!(b.open("custom_field:pw", &s).unwrap(), "hunter2 şifre 密码");
        assert!(b.open("message", &s).is_err());
        let other = SecretBox::from_hex(&SecretBox::generate_hex().unwrap()).unwrap();
        assert!(other.open("custom_field:pw", &s).is_err());
        assert_ne!(b.seal("x", "same").unwrap(), b.seal("x", "same").unwrap());
    }

    #[test]
    fn refuses_bad_keys() {
        assert!(SecretBox::from_hex("abc").is_err());
        assert!(SecretBox::from_hex(&"zz".repeat(32)).is_err());
    }
}
