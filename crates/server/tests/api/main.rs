//! Integration tests of the native API: each test starts the real server on
//! an ephemeral loopback port with a temporary data folder and talks HTTP to
//! it. One test binary for all of them keeps link times down.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod agent_new;
mod attachments;
mod bad_input;
mod compat_bangwo8;
mod compat_billmanager;
mod compat_cross;
mod compat_hostapi;
mod compat_whmcs;
mod concurrency;
mod console_views;
mod hooks;
mod hooks_example;
mod lifecycle;
mod limits;
mod mail_in;
mod mail_out;
mod mail_out_dkim;
mod mail_out_oauth;
mod mail_quote;
mod mailboxes;
mod mailboxes_oauth;
mod matrix;
mod metrics;
mod openapi;
mod permissions;
mod queue;
mod resources;
mod restart;
mod search;
mod security;
mod sla;
mod storage_s3;
mod support;
mod views;
mod web;
mod web_details;
mod web_mail;
mod web_mail_out;
mod web_mailboxes;
mod web_search;
mod web_setup;
mod web_ticket_page;
