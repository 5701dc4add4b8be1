//! What the integrations screens (webhooks, validation hooks and panels)
//! share: their navigation entry, how a refused change reads (the desk's
//! reason for a URL, the secret rule, ranges), and the form fields both
//! have (numbers, the URL, the secret, the payload format, on/off).

use super::common::{Nav, invalid};
use crate::forms::Form;
use crate::i18n::I18n;
use crate::page::{FormErrors, WebError};
use crate::view::choice::{Choice, choices};
use axum::http::StatusCode;
use tessera_desk::DeskError;
use tessera_store::HookFormat;

/// The integrations entry of the admin navigation: `page` on the webhook
/// list it links to, `location` anywhere else below it.
pub(super) fn nav(on_its_page: bool) -> Nav {
    Nav { section: "integrations", aria: if on_its_page { "page" } else { "location" } }
}

/// The messages of a refused change, by field; errors that are not the
/// form's fault become error pages.
pub(super) fn form_errors(i: &I18n, e: DeskError) -> Result<FormErrors, WebError> {
    match e {
        DeskError::Internal(_)
        | DeskError::Unavailable(_)
        | DeskError::NotFound { .. }
        | DeskError::Unauthenticated => return Err(e.into()),
        DeskError::Forbidden { field: None, .. } => return Err(WebError::Forbidden),
        _ => {}
    }
    let special = match (e.field(), e.code()) {
        // The desk says why (a scheme, a host that does not resolve, an
        // internal address); its words follow ours.
        (Some("url"), "invalid_url") => Some(("url", i.t1("admin.integrations.bad_url", &e))),
        (Some("secret"), _) => Some(("secret", i.t("admin.integrations.secret_rule").to_string())),
        (Some("failure_limit"), "out_of_range") => {
            Some(("failure_limit", i.t("admin.webhooks.failure_limit_range").to_string()))
        }
        (Some("timeout_ms"), "out_of_range") => Some(("timeout_ms", i.t("admin.hooks.timeout_range").to_string())),
        (Some("name"), "invalid_option") => Some(("name", i.t("admin.hooks.name_mismatch").to_string())),
        (None, "unavailable") => Some(("_", i.t("admin.hooks.unavailable").to_string())),
        _ => None,
    };
    Ok(match special {
        Some((field, message)) => {
            let mut f = FormErrors::default();
            f.add(field, message);
            f
        }
        None => FormErrors::from_desk(i, &e),
    })
}

/// 422 when the form has errors, else 200.
pub(super) fn status_of(errors: &FormErrors) -> StatusCode {
    if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK }
}

/// A checkbox of a list of them.
#[derive(Debug, Clone)]
pub struct CheckBox {
    /// Value sent.
    pub value: String,
    /// Label.
    pub label: String,
    /// Ticked.
    pub checked: bool,
}

/// A field holding text the form reads as a number: empty is `None`.
pub(super) fn number<T: std::str::FromStr>(f: &Form, field: &str) -> Result<Option<T>, DeskError> {
    match f.get(field).map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| invalid(field, "invalid_type")),
    }
}

/// The URL field: required on every save.
pub(super) fn url_of(f: &Form) -> Result<String, DeskError> {
    f.text("url").ok_or_else(|| invalid("url", "required"))
}

/// The secret a form sets: a random one when "make a new one" is ticked,
/// else what was typed (as typed), else none.
pub(super) fn secret_of(f: &Form, prefix: &str) -> Result<Option<String>, DeskError> {
    if f.checked("new_secret") {
        return Ok(Some(format!("{prefix}{}", tessera_desk::random::hex_token::<24>()?)));
    }
    Ok(f.get("secret").filter(|s| !s.trim().is_empty()).map(str::to_string))
}

pub(super) fn format_label(i: &I18n, f: HookFormat) -> String {
    match f {
        HookFormat::Native => i.t("admin.integrations.format_native"),
        HookFormat::Wisecp => i.t("admin.integrations.format_wisecp"),
    }
    .to_string()
}

pub(super) fn format_choices(i: &I18n, selected: &str) -> Vec<Choice> {
    choices([HookFormat::Native, HookFormat::Wisecp].map(|f| (f.as_str().to_string(), format_label(i, f))), selected)
}

pub(super) fn on_off(i: &I18n, active: bool) -> String {
    i.t(if active { "admin.integrations.on" } else { "admin.integrations.off" }).to_string()
}

/// A secret just set, shown once.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The secret in clear.
    pub secret: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_url_shows_the_desks_reason() {
        let i = I18n::new(crate::i18n::Lang::En);
        let e = DeskError::invalid("url", "invalid_url", "the URL must start with http:// or https://");
        let errors = form_errors(&i, e).unwrap();
        let m = errors.get("url").unwrap();
        assert!(m.contains("the URL must start with http:// or https://"), "{m}");
    }
}
