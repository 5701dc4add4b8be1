//! Waiting for new mail: IDLE when the server has it, a plain sleep when not.

use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::imap_proto::{MailboxDatum, Response, Status};
use tokio::time::Instant;

use super::ImapError;
use super::client::{MailboxClient, timed};

/// Servers end IDLE after 30 minutes (RFC 2177); we restart it before that.
const MAX_IDLE: Duration = Duration::from_secs(29 * 60);

/// Why [`MailboxClient::wait_for_new`] returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// The server announced a new message (IDLE `EXISTS`).
    NewMail,
    /// The time ran out (or the server has no IDLE and we slept): fetch
    /// anyway, as a poll.
    TimedOut,
}

impl MailboxClient {
    /// Waits up to `timeout` for new mail in the folder, so the poller reacts
    /// within seconds without polling hard.
    ///
    /// Returns [`Wake::NewMail`] at once when there is something to fetch
    /// already: no fetch yet, the last batch had [`Batch::more`](super::Batch::more),
    /// or a message arrived since the last fetch (its UIDNEXT grew). Then,
    /// with IDLE, as soon as the server reports a new message (other
    /// notifications, such as flag changes by another client, keep it
    /// waiting). Without IDLE it sleeps `timeout` and returns
    /// [`Wake::TimedOut`]. Either way the caller fetches next; a timeout of a
    /// few minutes doubles as a safety poll.
    pub async fn wait_for_new(&mut self, timeout: Duration) -> Result<Wake, ImapError> {
        let reused = self.conn.is_some();
        let mut result = self.wait_inner(timeout).await;
        if self.went_stale(reused, &result) {
            result = self.wait_inner(timeout).await;
        }
        self.settle(result)
    }

    async fn wait_inner(&mut self, timeout: Duration) -> Result<Wake, ImapError> {
        let t = self.config.op_timeout;
        // Select (and connect) first: IDLE watches the selected folder.
        let selected = self.select().await?;
        // Mail that arrived between the last fetch and now is already in
        // this SELECT; IDLE would only report what comes after it.
        let arrived = match self.last_fetch {
            None => true,
            Some(last) => {
                last.more
                    || last.uid_validity != selected.uid_validity
                    || matches!((last.uid_next, selected.uid_next), (Some(a), Some(b)) if b > a)
            }
        };
        if arrived {
            return Ok(Wake::NewMail);
        }
        let idle = self.conn().await?.caps.idle;
        if !idle {
            // Capped like IDLE: servers may log out a silent client after
            // 30 minutes.
            tokio::time::sleep(timeout.min(MAX_IDLE)).await;
            return Ok(Wake::TimedOut);
        }
        let Some(mut conn) = self.conn.take() else {
            return Err(ImapError::Protocol { operation: "idle", detail: "no connection".into() });
        };
        let deadline = Instant::now() + timeout.min(MAX_IDLE);
        let mut handle = conn.session.idle();
        timed("idle", t, async { handle.init().await.map_err(|e| ImapError::from_imap("idle", e)) }).await?;
        let wake = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break Wake::TimedOut;
            }
            let (wait, stop) = handle.wait_with_timeout(left);
            // The server's "still here" keep-alives restart the library's own
            // timer, so the deadline is enforced here as well.
            let response = tokio::time::timeout(left, wait).await;
            drop(stop);
            match response {
                Err(_) | Ok(Ok(IdleResponse::Timeout)) => break Wake::TimedOut,
                Ok(Ok(IdleResponse::NewData(data))) => match data.parsed() {
                    Response::MailboxData(MailboxDatum::Exists(_)) => break Wake::NewMail,
                    Response::Data { status: Status::Bye, .. } => {
                        return Err(ImapError::Connection {
                            operation: "idle",
                            source: std::io::Error::new(std::io::ErrorKind::ConnectionAborted, "the server said BYE"),
                        });
                    }
                    _ => {}
                },
                Ok(Ok(IdleResponse::ManualInterrupt)) => {
                    return Err(ImapError::Connection {
                        operation: "idle",
                        source: std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the server closed the connection",
                        ),
                    });
                }
                Ok(Err(e)) => return Err(ImapError::from_imap("idle", e)),
            }
        };
        conn.session =
            timed("idle done", t, async { handle.done().await.map_err(|e| ImapError::from_imap("idle done", e)) })
                .await?;
        self.conn = Some(conn);
        Ok(wake)
    }
}
