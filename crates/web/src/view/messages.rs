//! Messages as the portal and the console show and take them: the
//! conversation with its files, readable sizes, and the files a form
//! uploads.

use super::Stamp;
use crate::WebState;
use crate::i18n::I18n;
use crate::page::{FormErrors, WebError, desk_message};
use tessera_core::Actor;
use tessera_core::ids::AttachmentId;
use tessera_desk::DeskError;

/// A file of a message.
#[derive(Debug, Clone)]
pub struct FileLink {
    /// Download URL.
    pub href: String,
    /// File name.
    pub name: String,
    /// Size, readable.
    pub size: String,
}

/// A message as the conversation shows it.
#[derive(Debug, Clone)]
pub struct MessageView {
    /// Id.
    pub id: i64,
    /// Author's name.
    pub author: String,
    /// Written by staff.
    pub staff: bool,
    /// An internal note.
    pub note: bool,
    /// Written.
    pub at: Stamp,
    /// Plain text.
    pub body: String,
    /// Sanitised HTML, when the message has it.
    pub html: Option<String>,
    /// Files.
    pub files: Vec<FileLink>,
    /// The customer's rating.
    pub rating: u8,
    /// Edited.
    pub edited: bool,
    /// Deleted (agents see the trace).
    pub deleted: bool,
}

/// Readable byte counts.
pub fn human_size(n: i64) -> String {
    match n {
        n if n >= 1024 * 1024 => format!("{:.1} MB", n as f64 / 1_048_576.0),
        n if n >= 1024 => format!("{:.0} KB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}

/// The messages of a detail, with their files.
pub async fn message_views(
    state: &WebState,
    actor: &Actor,
    messages: &[tessera_core::Message],
) -> Result<Vec<MessageView>, WebError> {
    let mut out = Vec::with_capacity(messages.len());
    for m in messages {
        let mut files = Vec::new();
        for a in &m.attachment_ids {
            if let Ok(rec) = state.desk.attachment(actor, *a).await {
                files.push(FileLink {
                    href: format!("/files/{}", rec.id),
                    name: rec.filename,
                    size: human_size(rec.size),
                });
            }
        }
        out.push(MessageView {
            id: m.id.0,
            author: m.author.name.clone(),
            staff: m.author.staff,
            note: m.kind == tessera_core::MessageKind::Note,
            at: Stamp::of(m.created_at),
            body: m.body.clone(),
            html: m.html.clone(),
            files,
            rating: m.rating.unwrap_or(0),
            edited: m.edited_at.is_some(),
            deleted: m.deleted_at.is_some(),
        });
    }
    Ok(out)
}

/// Uploads the form's files; a refused one becomes a message on `field`.
pub async fn upload_files(
    state: &WebState,
    actor: &Actor,
    i: &I18n,
    files: &[(String, Vec<u8>)],
    errors: &mut FormErrors,
) -> Vec<AttachmentId> {
    let limits = state.desk.limits();
    if files.len() > limits.max_attachments_per_message {
        errors.add("attachments", i.t1("err.too_many_files", limits.max_attachments_per_message));
        return vec![];
    }
    let mut ids = Vec::new();
    for (name, bytes) in files {
        match state.desk.upload(actor, name, bytes.clone()).await {
            Ok(a) => ids.push(a.id),
            Err(DeskError::TooLarge(_)) => {
                errors.add(
                    "attachments",
                    i.t2(
                        "err.file_too_large",
                        name,
                        human_size(i64::try_from(limits.max_attachment_bytes).unwrap_or(i64::MAX)),
                    ),
                );
            }
            Err(e) => {
                let (_, m) = desk_message(i, &e);
                errors.add("attachments", m);
            }
        }
    }
    ids
}
