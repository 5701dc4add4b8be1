//! Random values from the operating system.

use crate::error::{DeskError, DeskResult};

/// `N` random bytes.
pub fn bytes<const N: usize>() -> DeskResult<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| DeskError::Internal(format!("no randomness: {e}")))?;
    Ok(b)
}

/// `N` random bytes as lower-case hex.
pub fn hex_token<const N: usize>() -> DeskResult<String> {
    Ok(hex::encode(bytes::<N>()?))
}

/// A password people can type: 20 characters from an unambiguous alphabet
/// (about 110 bits).
pub fn password() -> DeskResult<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let raw = bytes::<20>()?;
    Ok(raw.iter().map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char).collect())
}
