//! Notification modes on forms (decision 48): the `<select>` of one kind
//! of mail (off, immediate, digest, and for agents and departments the
//! default) and reading it back, shared by the account page and the admin
//! page of a department.

use tessera_desk::mail::outbound::NotificationChoice;
use tessera_store::NotificationMode;

use super::choice::{Choice, choices};
use crate::error::WebError;
use crate::forms::Form;
use crate::i18n::I18n;

/// One kind's row: what it is and its options.
#[derive(Debug, Clone)]
pub struct ModeRow {
    /// The kind's stored name (the select is `mode.<kind>`).
    pub kind: &'static str,
    /// When this mail is sent, in words.
    pub label: String,
    /// The modes to pick from, the current one selected.
    pub options: Vec<Choice>,
}

/// The form value of a mode (`default`: no choice of one's own).
fn value(mode: Option<NotificationMode>) -> &'static str {
    mode.map_or("default", NotificationMode::as_str)
}

/// The rows of `choices`. `default_label` names the `default` option
/// (none: the option is not offered, and no choice shows as immediate).
pub fn rows(i: &I18n, choices_now: &[NotificationChoice], default_label: Option<&str>) -> Vec<ModeRow> {
    choices_now
        .iter()
        .map(|c| {
            let mut options = Vec::new();
            if let Some(d) = default_label {
                options.push(("default".to_string(), d.to_string()));
            }
            for m in NotificationMode::ALL {
                options.push((m.as_str().to_string(), i.t(&format!("mailout.mode.{}", m.as_str())).to_string()));
            }
            let selected = match (c.mode, default_label) {
                (None, None) => NotificationMode::Immediate.as_str(),
                (m, _) => value(m),
            };
            ModeRow {
                kind: c.kind.as_str(),
                label: i.t(&format!("mailout.choice.{}", c.kind.as_str())).to_string(),
                options: choices(options, selected),
            }
        })
        .collect()
}

/// The changes a posted form asks for among `now`: each kind whose
/// `mode.<kind>` differs. An unknown mode is a bad request.
pub fn changes(form: &Form, now: &[NotificationChoice]) -> Result<Vec<NotificationChoice>, WebError> {
    let mut out = Vec::new();
    for c in now {
        let Some(v) = form.get(&format!("mode.{}", c.kind.as_str())) else { continue };
        let mode = match v {
            "default" => None,
            v => Some(NotificationMode::parse(v).ok_or_else(|| WebError::BadRequest(format!("unknown mode {v}")))?),
        };
        if mode != c.mode {
            out.push(NotificationChoice { kind: c.kind, mode });
        }
    }
    Ok(out)
}
