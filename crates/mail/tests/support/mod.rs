//! Shared helpers of the mail crate's integration tests: the one Dovecot
//! harness lives in the crate (`tessera_mail::testing`, feature `testing`)
//! so the server's tests use the same.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub use tessera_mail::testing::dovecot;
