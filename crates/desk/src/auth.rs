//! Credentials: Argon2id password hashes and API tokens.
//!
//! A token is `identifier.secret`: the identifier finds the row, the secret
//! is checked against its SHA-256 (secrets are 256 random bits, so a fast
//! hash is enough; only the hash is stored).

use crate::error::{DeskError, DeskResult};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

/// Longest password accepted (bytes); longer ones are refused, not truncated.
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Shortest password accepted (characters).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Checks a new password's length.
pub fn check_password(password: &str) -> DeskResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(DeskError::invalid(
            "password",
            "too_short",
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(DeskError::invalid("password", "too_long", "a password has at most 1024 bytes"));
    }
    Ok(())
}

/// Hashes a password with Argon2id (OWASP parameters: 19 MiB, 2 passes), on
/// a blocking thread.
pub async fn hash_password(password: &str) -> DeskResult<String> {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(pw.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| DeskError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| DeskError::Internal(format!("password hashing task failed: {e}")))?
}

/// Checks a password against a stored hash, on a blocking thread.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let (pw, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| Argon2::default().verify_password(pw.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Hex SHA-256 of a token secret.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Splits a bearer token into identifier and secret.
pub fn split_token(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.trim().split_once('.')?;
    let ok = |s: &str| !s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (ok(id) && ok(secret)).then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &h).await);
        assert!(!verify_password("wrong horse", &h).await);
        assert!(!verify_password("correct horse", "not a hash").await);
    }

    #[test]
    fn tokens_split() {
        assert_eq!(split_token("abc.def"), Some(("abc", "def")));
        assert_eq!(split_token("abc"), None);
        assert_eq!(split_token(".def"), None);
        assert_eq!(split_token("a b.c"), None);
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
    }
}
