//! Fetching new messages by UID, in bounded batches, from a saved cursor.

use futures_util::TryStreamExt as _;

use super::ImapError;
use super::client::{LastFetch, MailboxClient, timed};
use super::config::AfterImport;

/// Where reading a folder got to: the caller saves it after storing a batch
/// and passes it to the next [`MailboxClient::fetch_batch`].
///
/// The UID is the only rule for "already imported" (never `\Seen`, which
/// other clients change). `Cursor::default()` (validity 0) reads the folder
/// from its first message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cursor {
    /// The folder's UIDVALIDITY when `last_uid` was read; 0 = never read.
    pub uid_validity: u32,
    /// The highest UID already stored by the caller; 0 = none.
    pub last_uid: u32,
}

/// One raw message as the server holds it.
#[derive(Clone, PartialEq, Eq)]
pub struct FetchedMessage {
    /// Its UID in the folder (under [`Batch::uid_validity`]).
    pub uid: u32,
    /// The exact RFC 5322 bytes, to be stored before anything else.
    pub raw: Vec<u8>,
}

impl std::fmt::Debug for FetchedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchedMessage").field("uid", &self.uid).field("bytes", &self.raw.len()).finish()
    }
}

/// What one [`MailboxClient::fetch_batch`] returned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// The folder's UIDVALIDITY now; the UIDs below belong to it.
    pub uid_validity: u32,
    /// True when the validity differs from the cursor's (including the very
    /// first read): UIDs were reset, the folder is being read from the start
    /// again, and the caller must deduplicate by content hash.
    pub restarted: bool,
    /// At most `batch_size` messages, in ascending UID order.
    pub messages: Vec<FetchedMessage>,
    /// True when more new messages wait beyond this batch: fetch again
    /// without waiting.
    pub more: bool,
    /// How many new messages the server holds after the cursor, this
    /// batch's included: what an admin sees as the mailbox's backlog. On a
    /// backlog larger than the UIDs searched at once, an upper bound (UIDs
    /// not searched yet count as messages).
    pub waiting: usize,
    /// The cursor to save once every message of this batch is stored.
    pub cursor: Cursor,
}

impl Batch {
    /// The UIDs of the batch, for [`MailboxClient::acknowledge`].
    pub fn uids(&self) -> Vec<u32> {
        self.messages.iter().map(|m| m.uid).collect()
    }
}

impl MailboxClient {
    /// Fetches the next messages after `cursor`: at most `batch_size`, with
    /// `BODY.PEEK[]` so `\Seen` is left alone.
    ///
    /// If the folder's UIDVALIDITY is not the cursor's, reading restarts at
    /// the folder's first message ([`Batch::restarted`]). With
    /// [`AfterImport::Keyword`], messages already carrying the keyword are
    /// skipped (`UNKEYWORD`); the UID cursor stays the primary rule.
    pub async fn fetch_batch(&mut self, cursor: &Cursor) -> Result<Batch, ImapError> {
        let reused = self.conn.is_some();
        let mut result = self.fetch_inner(cursor).await;
        if self.went_stale(reused, &result) {
            result = self.fetch_inner(cursor).await;
        }
        self.last_fetch = result.as_ref().ok().map(|(batch, uid_next)| LastFetch {
            uid_validity: batch.uid_validity,
            uid_next: *uid_next,
            more: batch.more,
        });
        self.settle(result.map(|(batch, _)| batch))
    }

    /// The batch, and the folder's UIDNEXT when it was selected.
    async fn fetch_inner(&mut self, cursor: &Cursor) -> Result<(Batch, Option<u32>), ImapError> {
        let t = self.config.op_timeout;
        let batch_size = self.config.batch_size;
        let max_bytes = self.config.max_batch_bytes;
        let keyword = match &self.config.after_import {
            AfterImport::Keyword(k) => Some(k.clone()),
            _ => None,
        };
        let selected = self.select().await?;
        let restarted = selected.uid_validity != cursor.uid_validity;
        let after = if restarted { 0 } else { cursor.last_uid };
        let mut batch = Batch {
            uid_validity: selected.uid_validity,
            restarted,
            messages: Vec::new(),
            more: false,
            waiting: 0,
            cursor: Cursor { uid_validity: selected.uid_validity, last_uid: after },
        };
        // Nothing was added since `after`: skip the search. This also avoids
        // the `n:*` quirk on an idle folder.
        if selected.uid_next.is_some_and(|next| next <= after.saturating_add(1)) || after == u32::MAX {
            return Ok((batch, selected.uid_next));
        }
        let keyword = keyword.filter(|_| selected.keyword_allowed);
        let session = &mut self.conn().await?.session;
        // Searched a window of UIDs after the cursor at a time, widened
        // until it holds more than a batch or reaches the folder's last UID:
        // searching `n:*` answers every waiting UID, and on a backlog of
        // 100,000 messages reading that answer for each batch of 50 cost
        // more than the messages themselves.
        let top = selected.uid_next.map(|next| next.saturating_sub(1));
        let mut window = u32::try_from(batch_size).unwrap_or(u32::MAX).saturating_mul(4).max(200);
        let (mut uids, unsearched) = loop {
            let end = top.map(|top| after.saturating_add(window).min(top));
            let mut query = match end {
                Some(end) => format!("UID {}:{end}", after + 1),
                None => format!("UID {}:*", after + 1),
            };
            if let Some(k) = &keyword {
                query.push_str(" UNKEYWORD ");
                query.push_str(k);
            }
            let found = timed("search", t, async {
                session.uid_search(&query).await.map_err(|e| ImapError::from_imap("search", e))
            })
            .await?;
            // `UID n:*` always matches the highest UID, even below n (RFC
            // 3501 6.4.8): keep only UIDs really above the cursor.
            let uids: Vec<u32> = found.into_iter().filter(|uid| *uid > after).collect();
            let unsearched = match (top, end) {
                (Some(top), Some(end)) => top - end,
                _ => 0,
            };
            if uids.len() > batch_size || unsearched == 0 {
                break (uids, unsearched);
            }
            window = window.saturating_mul(4);
        };
        uids.sort_unstable();
        // Past the window, UIDs not searched yet are counted as messages:
        // an upper bound, exact once the backlog fits in a window.
        batch.waiting = uids.len().saturating_add(usize::try_from(unsearched).unwrap_or(usize::MAX));
        batch.more = uids.len() > batch_size || unsearched > 0;
        uids.truncate(batch_size);
        if uids.len() > 1 {
            let sizes = timed("fetch sizes", t, async {
                session
                    .uid_fetch(uid_set(&uids), "(UID RFC822.SIZE)")
                    .await
                    .map_err(|e| ImapError::from_imap("fetch sizes", e))?
                    .try_collect::<Vec<_>>()
                    .await
                    .map_err(|e| ImapError::from_imap("fetch sizes", e))
            })
            .await?;
            let size_of =
                |uid: u32| sizes.iter().find(|f| f.uid == Some(uid)).and_then(|f| f.size).map_or(0, u64::from);
            let mut total = 0u64;
            let mut keep = 0;
            for uid in &uids {
                total = total.saturating_add(size_of(*uid));
                if total > max_bytes && keep > 0 {
                    break;
                }
                keep += 1;
            }
            if keep < uids.len() {
                uids.truncate(keep);
                batch.more = true;
            }
        }
        if uids.is_empty() {
            return Ok((batch, selected.uid_next));
        }
        let set = uid_set(&uids);
        let fetched = timed("fetch", t, async {
            session
                .uid_fetch(&set, "(UID BODY.PEEK[])")
                .await
                .map_err(|e| ImapError::from_imap("fetch", e))?
                .try_collect::<Vec<_>>()
                .await
                .map_err(|e| ImapError::from_imap("fetch", e))
        })
        .await?;
        let mut messages: Vec<FetchedMessage> = fetched
            .iter()
            .filter_map(|f| {
                let uid = f.uid?;
                let raw = f.body()?;
                uids.binary_search(&uid).ok()?;
                Some(FetchedMessage { uid, raw: raw.to_vec() })
            })
            .collect();
        messages.sort_unstable_by_key(|m| m.uid);
        messages.dedup_by_key(|m| m.uid);
        // Advance only over UIDs we hold: one the server did not return
        // (expunged meanwhile, or a server hiccup) is searched for again
        // next time instead of being skipped for ever.
        let mut last = after;
        for (wanted, got) in uids.iter().zip(messages.iter().map(|m| m.uid)) {
            if *wanted != got {
                break;
            }
            last = got;
        }
        if last == after {
            // Not even the first message came back. Expunged meanwhile: the
            // next search will not find it. Anything else: say so, rather
            // than skip it or let the caller spin on `more`.
            return Err(ImapError::Protocol {
                operation: "fetch",
                detail: format!("the server returned no content for UID {}", uids[0]),
            });
        }
        if uids.last() != Some(&last) {
            messages.retain(|m| m.uid <= last);
            batch.more = true;
        }
        batch.cursor.last_uid = last;
        batch.messages = messages;
        Ok((batch, selected.uid_next))
    }
}

/// A compact UID set: `1:3,7,9:10` for [1, 2, 3, 7, 9, 10] (sorted input).
pub(super) fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uid_set;

    #[test]
    fn uid_sets_are_compact() {
        assert_eq!(uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[]), "");
    }
}
