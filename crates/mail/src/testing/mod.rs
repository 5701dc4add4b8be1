//! Test support shared by every crate that tests mail against real
//! servers (behind the `testing` feature): one Dovecot harness, used by
//! this crate's IMAP tests and by the server's mailbox tests, and one
//! Postfix harness, which pipes inbound mail into Tessera (the cli's test)
//! and relays outbound mail to Dovecot, where a test reads what a customer
//! received. `dkim` makes keys and checks signatures without DNS.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

pub mod dkim;
pub mod dovecot;
pub mod postfix;
