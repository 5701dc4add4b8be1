//! The mail gateway: Tessera's e-mail entry point.
//!
//! Like the API, it is a door to the desk and never a writer of its own:
//! a message from any source (an IMAP mailbox, an MTA's pipe, the raw-message
//! endpoint) is stored raw through the desk first, then parsed here into the
//! desk's [`InboundMail`](tessera_desk::mail::InboundMail) and applied by the
//! desk. Parsing, classifying and marking quoted text are pure functions of
//! the bytes; the IMAP client fetches and acknowledges.
//!
//! The pure half:
//! - [`parse()`]: raw bytes → `InboundMail`, charset fallbacks by the
//!   department's [`LanguageHint`], repairs listed in `problems`;
//! - [`classify`]: human, auto-reply, bounce (with RFC 3464 details), bulk,
//!   report or our own mail coming back, decided once inside `parse`;
//! - [`quote`]: where the quoted history starts in a reply, in our languages;
//! - [`html`]: readable text from HTML-only mail, with the clients' quote
//!   containers;
//! - [`subject`]: reply/forward prefixes and the `[#123456]` ticket tag;
//! - [`tnef`]: the files inside Outlook's `winmail.dat`.
//!
//! The outbound half (issue 17): [`compose`] builds the RFC 5322 bytes of
//! a message Tessera sends (threading headers, automatic-mail headers, the
//! loop header), purely; [`outbound`] sends them over SMTP, logging in with
//! a password or, through [`smtp_oauth`], a mailbox's OAuth2 token, and
//! [`dkim`] signs them when a key is configured.
#![forbid(unsafe_code)]

mod charset;
pub mod classify;
pub mod compose;
pub mod dkim;
pub mod gateway;
pub mod html;
pub mod imap;
pub mod outbound;
pub mod parse;
pub mod poller;
pub mod quote;
pub mod smtp_oauth;
pub mod subject;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tnef;

pub use charset::LanguageHint;
pub use parse::{ParseError, ParseOptions, parse};
