//! Signatures of outgoing hook requests.
//!
//! Each request carries:
//! - `Tessera-Delivery`: a unique id (de-duplicate on it: retries reuse it);
//! - `Tessera-Event`: the event kind or WiseCP hook name;
//! - `Tessera-Timestamp`: Unix seconds when the request was signed;
//! - `Tessera-Signature`: `v1=` and the hex HMAC-SHA256, keyed with the
//!   hook's secret, of `"<timestamp>.<body>"`.
//!
//! A receiver recomputes the HMAC over the timestamp header, a dot and the
//! raw body, compares in constant time, and refuses timestamps more than a
//! few minutes old (replays).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The header names.
pub const DELIVERY: &str = "tessera-delivery";
/// The event header.
pub const EVENT: &str = "tessera-event";
/// The timestamp header.
pub const TIMESTAMP: &str = "tessera-timestamp";
/// The signature header.
pub const SIGNATURE: &str = "tessera-signature";

/// `v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // An HMAC takes a key of any length: the constructor cannot fail.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Checks a signature header (for receivers written in Rust, and tests).
pub fn verify(secret: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(hex_sig) = header.strip_prefix("v1=") else { return false };
    let Ok(expected) = hex::decode(hex_sig) else { return false };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else { return false };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_bind_everything() {
        let s = signature("whsec_test", 1_700_000_000, b"{\"a\":1}");
        assert!(s.starts_with("v1=") && s.len() == 67);
        assert!(verify("whsec_test", 1_700_000_000, b"{\"a\":1}", &s));
        assert!(!verify("whsec_other", 1_700_000_000, b"{\"a\":1}", &s));
        assert!(!verify("whsec_test", 1_700_000_001, b"{\"a\":1}", &s));
        assert!(!verify("whsec_test", 1_700_000_000, b"{\"a\":2}", &s));
        assert!(!verify("whsec_test", 1_700_000_000, b"{\"a\":1}", "v1=zz"));
    }

    /// The value the Python and Node examples of docs/hooks.md must print.
    #[test]
    fn the_documented_example() {
        assert_eq!(
            signature("whsec_example", 1_700_000_000, b"{\"kind\":\"webhook.test\"}"),
            "v1=4df68fa562291aa3aeeaafbf9c2dcb174cd2b7ffca34c428d4dd99727d9a422d"
        );
    }
}
