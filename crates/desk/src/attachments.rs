//! Uploads and downloads. Files are stored content-addressed; their type is
//! sniffed from the bytes, never taken from the client.

use crate::Desk;
use crate::error::{DeskError, DeskResult};
use tessera_core::Actor;
use tessera_core::ids::{AttachmentId, UserId};
use tessera_core::message::MessageKind;
use tessera_store::AttachmentRecord;

/// Makes an uploaded file name safe to store and to offer as a download:
/// the last path component, no control or quoting characters, at most 200
/// characters.
pub fn clean_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(200)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').to_string();
    if cleaned.is_empty() { "file".into() } else { cleaned }
}

/// The content type of `bytes`, from their first bytes: known binary formats
/// by signature, valid UTF-8 as text, anything else as octets.
///
/// Types a browser would run or render as a page (HTML, SVG, XML,
/// scripts) are never claimed: such files are served as plain text, so an
/// upload can never become active content.
pub fn sniff(bytes: &[u8]) -> String {
    const ACTIVE: [&str; 6] =
        ["text/html", "image/svg+xml", "application/xml", "text/xml", "application/javascript", "text/javascript"];
    let text =
        || if std::str::from_utf8(bytes).is_ok() { "text/plain; charset=utf-8" } else { "application/octet-stream" };
    match infer::get(bytes) {
        Some(kind) if ACTIVE.contains(&kind.mime_type()) => text().into(),
        Some(kind) => kind.mime_type().to_string(),
        None => text().into(),
    }
}

impl Desk {
    /// Stores an upload; it can then be attached to one message by its uploader.
    pub async fn upload(&self, actor: &Actor, filename: &str, bytes: Vec<u8>) -> DeskResult<AttachmentRecord> {
        if bytes.len() > self.limits.max_attachment_bytes {
            return Err(DeskError::TooLarge(format!(
                "a file may be at most {} bytes",
                self.limits.max_attachment_bytes
            )));
        }
        if bytes.is_empty() {
            return Err(DeskError::invalid("file", "empty", "the file is empty"));
        }
        let content_type = sniff(&bytes);
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let sha256 = self.blobs.put(bytes).await?;
        let record = AttachmentRecord {
            id: AttachmentId(0),
            sha256,
            filename: clean_filename(filename),
            content_type,
            size,
            uploader_id: actor.user_id,
            ticket_id: None,
            message_id: None,
            created_at: self.now(),
        };
        Ok(self.store.insert_attachment(record).await?)
    }

    /// An attachment's record, if the actor may see it: its uploader before
    /// it is attached, afterwards whoever may see its message.
    pub async fn attachment(&self, actor: &Actor, id: AttachmentId) -> DeskResult<AttachmentRecord> {
        let a = self.store.attachment(id).await?.ok_or(DeskError::not_found("attachment"))?;
        let visible = match a.message_id {
            None => a.uploader_id == actor.user_id,
            Some(m) => match self.store.message(m).await? {
                Some(msg) => {
                    let ticket_ok = match self.store.ticket(msg.ticket_id).await? {
                        Some(t) => actor.can_view(&t),
                        None => false,
                    };
                    ticket_ok && msg.deleted_at.is_none() && (actor.is_staff() || msg.kind == MessageKind::Reply)
                }
                None => false,
            },
        };
        if visible { Ok(a) } else { Err(DeskError::not_found("attachment")) }
    }

    /// An attachment's record and bytes.
    pub async fn download(&self, actor: &Actor, id: AttachmentId) -> DeskResult<(AttachmentRecord, Vec<u8>)> {
        let a = self.attachment(actor, id).await?;
        let bytes = self.blobs.get(&a.sha256).await?;
        Ok((a, bytes))
    }

    /// Who uploaded an attachment (for tests and audits).
    pub async fn uploader_of(&self, id: AttachmentId) -> DeskResult<Option<UserId>> {
        Ok(self.store.attachment(id).await?.map(|a| a.uploader_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_are_cleaned() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\x\\rapor.pdf"), "rapor.pdf");
        assert_eq!(clean_filename("a\"b<c>.txt"), "abc.txt");
        assert_eq!(clean_filename(".."), "file");
        assert_eq!(clean_filename("ekran görüntüsü 截图.png"), "ekran görüntüsü 截图.png");
    }

    #[test]
    fn types_are_sniffed() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.7\n"), "application/pdf");
        assert_eq!(sniff("merhaba dünya".as_bytes()), "text/plain; charset=utf-8");
        assert_eq!(sniff(&[0xff, 0xfe, 0x00, 0x01, 0x80]), "application/octet-stream");
        assert_eq!(sniff(b"<html><script>alert(1)</script></html>"), "text/plain; charset=utf-8");
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"),
            "text/plain; charset=utf-8"
        );
    }
}
