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
    /// Plain text: what is new in it when the message has a quote offset
    /// (issue 16), else all of it.
    pub body: String,
    /// The rest of the plain text from the quote offset on (the quoted
    /// history, a signature), shown folded under the new part.
    pub quoted: Option<String>,
    /// Sanitised HTML, when the message has it: its new part when it carries
    /// the quote mark ([`tessera_desk::html::QUOTE_MARK`]).
    pub html: Option<String>,
    /// The quoted part of the HTML, shown folded.
    pub html_quoted: Option<String>,
    /// Files.
    pub files: Vec<FileLink>,
    /// The customer's rating.
    pub rating: u8,
    /// Edited.
    pub edited: bool,
    /// Deleted (agents see the trace).
    pub deleted: bool,
    /// For agents, how a message that came by e-mail found this ticket
    /// ("matched by References"); empty otherwise.
    pub matched_by: String,
    /// For agents, each recipient's copy of the mail sent for this message
    /// and what became of it; always empty on customers' pages.
    pub mail_out: Vec<super::mail_out::MailLine>,
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
        let (body, quoted, html, html_quoted) = folded(m);
        out.push(MessageView {
            id: m.id.0,
            author: m.author.name.clone(),
            staff: m.author.staff,
            note: m.kind == tessera_core::MessageKind::Note,
            at: Stamp::of(m.created_at),
            body,
            quoted,
            html,
            html_quoted,
            files,
            rating: m.rating.unwrap_or(0),
            edited: m.edited_at.is_some(),
            deleted: m.deleted_at.is_some(),
            matched_by: String::new(),
            mail_out: Vec::new(),
        });
    }
    Ok(out)
}

/// A message's text and HTML as the page shows them: the new part, and the
/// quoted part to fold (issue 16). HTML is folded at its quote mark; a
/// message shown as HTML without one is shown whole. The plain text is
/// folded at the message's quote offset. Everything stays on the page.
fn folded(m: &tessera_core::Message) -> (String, Option<String>, Option<String>, Option<String>) {
    if let Some(h) = &m.html {
        return match tessera_desk::html::split_quoted(h) {
            Some((new, quoted)) => (m.body.clone(), None, Some(new), Some(quoted)),
            None => (m.body.clone(), None, Some(h.clone()), None),
        };
    }
    let new = tessera_core::message::new_part(&m.body, m.quote_start);
    if new.len() < m.body.len() {
        let quoted = m.body[new.len()..].trim_matches('\n');
        (new.trim_end().to_string(), Some(quoted.to_string()), None, None)
    } else {
        (m.body.clone(), None, None, None)
    }
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
