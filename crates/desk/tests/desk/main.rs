//! The desk's own tests: every entry point calls the desk, so what it
//! promises — sessions, sign-in limits, the live feed, who may see and do
//! what, and how ticket operations change tickets — is checked here, on a
//! real SQLite store in a temporary folder, without HTTP. One test binary
//! keeps link times down.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod digests;
mod drafts;
mod feed;
mod mail;
mod mailboxes;
mod permissions;
mod profiles;
mod sessions;
mod sign_in;
mod support;
mod tickets;
