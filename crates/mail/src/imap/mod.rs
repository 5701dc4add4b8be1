//! Reading mail from an IMAP folder: the IMAP half of the mail gateway.
//!
//! The server drives a [`MailboxClient`] in a loop; nothing here touches the
//! database or the desk:
//!
//! 1. [`MailboxClient::fetch_batch`] with the [`Cursor`] the caller saved
//!    returns at most `batch_size` raw messages with UIDs above the cursor,
//!    read with `BODY.PEEK[]` so `\Seen` stays as it was (people read these
//!    folders too; Tessera never relies on `\Seen`).
//! 2. The caller stores each raw message durably (deduplicating by content
//!    hash), then saves [`Batch::cursor`].
//! 3. [`MailboxClient::acknowledge`] applies the configured
//!    [`AfterImport`]: a keyword, a move, or a delete. A crash before this
//!    step only means the same messages come again; the cursor and the hash
//!    make that harmless.
//! 4. [`MailboxClient::wait_for_new`] waits with IDLE (or sleeps when the
//!    server has no IDLE), then the loop starts over.
//!
//! When the folder's UIDVALIDITY changes (the folder was recreated or the
//! server rebuilt its index), UIDs mean nothing any more: the fetch starts
//! again from the first message and [`Batch::restarted`] says so; the
//! caller's content-hash dedup keeps it from importing anything twice.
//!
//! Every network operation runs under `op_timeout`; after a failure the
//! connection is dropped and the next call opens a new one, so a caller only
//! needs to back off and call again.
//!
//! Credentials are never logged by this module. Note that async-imap writes
//! every command, `LOGIN` included, to the `log` crate at trace level:
//! Tessera installs no `log` logger, and one must never be bridged at trace
//! level for the `async_imap` target.

mod ack;
mod client;
mod config;
mod error;
mod fetch;
mod idle;
pub(crate) mod transport;

pub use client::MailboxClient;
pub use config::{AfterImport, Auth, DEFAULT_KEYWORD, Endpoint, MailboxConfig, Security};
pub use error::ImapError;
pub use fetch::{Batch, Cursor, FetchedMessage};
pub use idle::Wake;

#[cfg(test)]
mod tests {
    use super::*;

    /// The server runs one poller task per mailbox: every operation must be
    /// a `Send` future.
    #[allow(dead_code)]
    fn operations_are_send(client: &mut MailboxClient) {
        fn is_send<T: Send>(_: &T) {}
        is_send(&client.fetch_batch(&Cursor::default()));
        is_send(&client.acknowledge(1, &[1]));
        is_send(&client.wait_for_new(std::time::Duration::from_secs(1)));
        is_send(&MailboxClient::connect(MailboxConfig::new("imap://h", "u", Auth::Password("p".into()))));
    }
}
