//! Acknowledging imported messages on the server: keyword, move or delete.

use futures_util::TryStreamExt as _;

use super::ImapError;
use super::client::{MailboxClient, Session, timed};
use super::config::AfterImport;
use super::fetch::uid_set;

/// UIDs per command, so a large acknowledgement never becomes one giant
/// command line.
const UIDS_PER_COMMAND: usize = 500;

impl MailboxClient {
    /// Applies the configured [`AfterImport`] to `uids`, which the caller
    /// fetched under `uid_validity` and has durably stored.
    ///
    /// If the folder's UIDVALIDITY changed meanwhile, nothing is touched
    /// ([`ImapError::UidValidityChanged`]): the UIDs may name other messages
    /// now. After another failure some messages may be left unacknowledged;
    /// the saved cursor still keeps them from being fetched again, and the
    /// caller may simply acknowledge the same UIDs again later.
    pub async fn acknowledge(&mut self, uid_validity: u32, uids: &[u32]) -> Result<(), ImapError> {
        let reused = self.conn.is_some();
        let mut result = self.acknowledge_inner(uid_validity, uids).await;
        if self.went_stale(reused, &result) {
            result = self.acknowledge_inner(uid_validity, uids).await;
        }
        self.settle(result)
    }

    async fn acknowledge_inner(&mut self, uid_validity: u32, uids: &[u32]) -> Result<(), ImapError> {
        if uids.is_empty() {
            return Ok(());
        }
        let selected = self.select().await?;
        if selected.uid_validity != uid_validity {
            return Err(ImapError::UidValidityChanged { expected: uid_validity, found: selected.uid_validity });
        }
        let t = self.config.op_timeout;
        let action = self.config.after_import.clone();
        if let AfterImport::Keyword(_) = &action
            && !selected.keyword_allowed
        {
            return Err(ImapError::Unsupported(
                "the folder does not keep keywords (PERMANENTFLAGS); choose move or delete after import".into(),
            ));
        }
        let mut sorted = uids.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let conn = self.conn().await?;
        let caps = conn.caps;
        let session = &mut conn.session;
        for chunk in sorted.chunks(UIDS_PER_COMMAND) {
            let set = uid_set(chunk);
            match &action {
                AfterImport::Keyword(k) => {
                    timed("store", t, store(session, &set, &format!("+FLAGS.SILENT ({k})"))).await?;
                }
                AfterImport::MoveTo(folder) if caps.move_ => {
                    timed("move", t, async {
                        session.uid_mv(&set, folder).await.map_err(|e| target_error("move", folder, e))
                    })
                    .await?;
                }
                AfterImport::MoveTo(folder) => {
                    timed("copy", t, async {
                        session.uid_copy(&set, folder).await.map_err(|e| target_error("copy", folder, e))
                    })
                    .await?;
                    timed("delete", t, delete(session, &set, caps.uidplus)).await?;
                }
                AfterImport::Delete => {
                    timed("delete", t, delete(session, &set, caps.uidplus)).await?;
                }
            }
        }
        tracing::debug!(count = sorted.len(), ?action, "acknowledged on the IMAP server");
        Ok(())
    }
}

/// A `NO [TRYCREATE]` means the destination folder is missing.
fn target_error(operation: &'static str, folder: &str, e: async_imap::error::Error) -> ImapError {
    match e {
        async_imap::error::Error::No(d) if d.contains("TryCreate") || d.contains("TRYCREATE") => {
            ImapError::FolderMissing(folder.to_owned())
        }
        other => ImapError::from_imap(operation, other),
    }
}

async fn store(session: &mut Session, set: &str, what: &str) -> Result<(), ImapError> {
    session
        .uid_store(set, what)
        .await
        .map_err(|e| ImapError::from_imap("store", e))?
        .try_for_each(|_| async { Ok(()) })
        .await
        .map_err(|e| ImapError::from_imap("store", e))
}

/// Flags `\Deleted` and expunges. With UIDPLUS only `set` is expunged;
/// without it a plain EXPUNGE also removes messages someone else flagged
/// `\Deleted` in this folder, which that client asked for anyway.
async fn delete(session: &mut Session, set: &str, uidplus: bool) -> Result<(), ImapError> {
    store(session, set, "+FLAGS.SILENT (\\Deleted)").await?;
    let map = |e| ImapError::from_imap("expunge", e);
    if uidplus {
        session.uid_expunge(set).await.map_err(map)?.try_for_each(|_| async { Ok(()) }).await.map_err(map)
    } else {
        session.expunge().await.map_err(map)?.try_for_each(|_| async { Ok(()) }).await.map_err(map)
    }
}
