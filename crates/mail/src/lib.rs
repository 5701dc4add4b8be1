//! The mail gateway: Tessera's e-mail entry point.
//!
//! Like the API, it is a door to the desk and never a writer of its own:
//! a message from any source (an IMAP mailbox, an MTA's pipe, the raw-message
//! endpoint) is stored raw through the desk first, then parsed here into the
//! desk's [`InboundMail`](tessera_desk::mail::InboundMail) and applied by the
//! desk. Parsing, classifying and marking quoted text are pure functions of
//! the bytes; the IMAP client fetches and acknowledges.
#![forbid(unsafe_code)]
pub mod imap;
