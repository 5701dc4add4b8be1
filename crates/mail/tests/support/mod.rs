//! Shared helpers of the mail crate's integration tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod dovecot;
