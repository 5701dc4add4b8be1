//! BILLmanager's errors: `<error type="…" object="…"><msg>…</msg></error>`,
//! answered with HTTP 200 as the original does (only a fault of ours is a
//! 500), and the mapping of the desk's refusals onto them.

use super::doc::{Doc, Elem};
use crate::common::AuthError;
use tessera_desk::DeskError;

/// Why a call failed, in BILLmanager's terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {msg}")]
pub struct BmError {
    /// The error type (`auth`, `access`, `missed`, `value`, `exists`,
    /// `unsupported`, `internal`).
    pub kind: &'static str,
    /// The parameter or function at fault (may be empty).
    pub object: String,
    /// The human message.
    pub msg: String,
}

impl BmError {
    /// An error of a kind about an object.
    pub fn new(kind: &'static str, object: &str, msg: impl Into<String>) -> Self {
        Self { kind, object: object.to_string(), msg: msg.into() }
    }

    /// A required parameter is missing.
    pub fn missed(param: &str) -> Self {
        Self::new("missed", param, format!("The parameter '{param}' is required"))
    }

    /// A parameter has a value we do not accept.
    pub fn value(param: &str, msg: impl Into<String>) -> Self {
        Self::new("value", param, msg)
    }

    /// Wrong or missing credentials.
    pub fn auth() -> Self {
        Self::new("auth", "", "Invalid username or password, or the session has expired")
    }

    /// A ticket the caller may not see, or that does not exist.
    pub fn no_ticket(id: &str) -> Self {
        Self::new("missed", "elid", format!("Ticket '{id}' not found"))
    }

    /// Whether this is a fault of ours (answered with HTTP 500).
    pub fn is_internal(&self) -> bool {
        self.kind == "internal"
    }

    /// The error document.
    pub fn doc(&self) -> Doc {
        let error = Elem::empty("error")
            .attr("type", self.kind)
            .attr("object", self.object.clone())
            .child(Elem::value("msg", self.msg.clone()));
        Doc::new(vec![error])
    }

    /// A desk refusal; `id` names the ticket the call was about, for a
    /// not-found answer.
    pub fn from_desk(e: DeskError, id: Option<&str>) -> Self {
        e.log_fault("billmanager");
        match e {
            DeskError::Unauthenticated => Self::auth(),
            DeskError::NotFound { what } => match (what, id) {
                ("ticket", Some(id)) => Self::no_ticket(id),
                _ => Self::new("missed", "elid", format!("The {what} was not found")),
            },
            DeskError::Forbidden { ref field, .. } => {
                let object = field.as_deref().map(param_of).unwrap_or_default();
                Self::new("access", object, e.to_string())
            }
            DeskError::Domain(tessera_core::DomainError::Invalid { ref field, .. }) => {
                let object = field.as_deref().map(param_of).unwrap_or_default();
                Self::value(object, e.to_string())
            }
            DeskError::Domain(_) => Self::value("elid", e.to_string()),
            DeskError::Conflict { ref field, .. } => {
                let object = field.as_deref().map(param_of).unwrap_or_default();
                Self::new("exists", object, e.to_string())
            }
            DeskError::VersionMismatch { .. } => Self::value("elid", "The ticket changed meanwhile; try again"),
            DeskError::Refused(text) => Self::value("", text),
            DeskError::TooLarge(text) => Self::value("message", text),
            DeskError::Search { message, .. } => Self::value("name", message),
            DeskError::Unavailable(_) => Self::new("internal", "", "Temporarily unavailable; try again later"),
            DeskError::Internal(_) => Self::new("internal", "", "Internal error"),
        }
    }
}

impl From<AuthError> for BmError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Failed | AuthError::WrongRole => Self::auth(),
            AuthError::TooMany => Self::new("auth", "", "Too many sign-in attempts; try again later"),
            AuthError::Desk(d) => Self::from_desk(d, None),
        }
    }
}

/// The BILLmanager parameter behind a desk input's name.
fn param_of(field: &str) -> &'static str {
    match field {
        "subject" => "name",
        "body" | "html" => "message",
        "department_id" => "client_department",
        "service_id" => "ticket_item",
        "priority" => "priority",
        "su" => "su",
        "status" => "tstatus",
        "archived" => "elid",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billmanager::doc::Out;

    #[test]
    fn errors_have_type_object_and_message() {
        let e = BmError::missed("name");
        let v: serde_json::Value = serde_json::from_str(&e.doc().render(Out::Json)).unwrap_or_default();
        assert_eq!(
            v,
            serde_json::json!({"doc":{"error":{"$type":"missed","$object":"name","msg":{"$":"The parameter 'name' is required"}}}})
        );
        assert_eq!(
            e.doc().render(Out::Xml).lines().nth(1),
            Some(
                r#"<doc><error type="missed" object="name"><msg>The parameter &apos;name&apos; is required</msg></error></doc>"#
            )
        );
    }

    #[test]
    fn desk_refusals_name_the_dialect_parameter() {
        let e = BmError::from_desk(DeskError::invalid("department_id", "unknown_department", "no such"), None);
        assert_eq!((e.kind, e.object.as_str()), ("value", "client_department"));
        let e = BmError::from_desk(DeskError::not_found("ticket"), Some("9"));
        assert_eq!((e.kind, e.object.as_str(), e.msg.as_str()), ("missed", "elid", "Ticket '9' not found"));
        assert!(BmError::from_desk(DeskError::Internal("disk".into()), None).is_internal());
    }
}
