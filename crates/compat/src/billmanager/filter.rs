//! `clientticket.filter`: the caller's stored list filter (subject
//! contains, `tstatus`, `client_department`, archived on/off), set with
//! `sok=ok` and shown without it. It is kept per user in the desk, so it
//! survives restarts and holds across instances.

use super::Caller;
use super::doc::{Doc, Elem};
use super::error::BmError;
use super::params::Params;
use crate::CompatState;
use serde::{Deserialize, Serialize};

/// The name the filter is saved under (as stored before the desk named no dialect).
const CLIENT: &str = "billmanager";

/// The longest subject fragment a filter keeps.
const MAX_NAME_CHARS: usize = 200;

/// The `tstatus` values a filter may ask for.
pub const TSTATUS_VALUES: [u8; 5] = [0, 1, 2, 3, 10];

/// A caller's list filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListFilter {
    /// The subject contains this (case-insensitive); empty: any.
    #[serde(default)]
    pub name: String,
    /// Only this `tstatus`.
    #[serde(default)]
    pub tstatus: Option<u8>,
    /// Only this department.
    #[serde(default)]
    pub client_department: Option<i64>,
    /// Archived tickets are listed too.
    #[serde(default)]
    pub archived: bool,
}

impl ListFilter {
    /// A filter from `clientticket.filter` parameters (an absent one is
    /// cleared, as a submitted filter form does).
    pub fn from_params(p: &Params) -> Result<Self, BmError> {
        let name = p.get("name").map(str::trim).unwrap_or_default().to_string();
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(BmError::value(
                "name",
                format!("The subject filter is longer than {MAX_NAME_CHARS} characters"),
            ));
        }
        let tstatus = match p.get("tstatus").map(str::trim) {
            None => None,
            Some(v) => match v.parse::<u8>() {
                Ok(n) if TSTATUS_VALUES.contains(&n) => Some(n),
                _ => return Err(BmError::value("tstatus", "The value of 'tstatus' must be 0, 1, 2, 3 or 10")),
            },
        };
        let client_department = p.id("client_department")?;
        let archived = p.on_off("archived")?.unwrap_or(false);
        Ok(Self { name, tstatus, client_department, archived })
    }

    /// Whether a subject passes the `name` condition.
    pub fn name_matches(&self, subject: &str) -> bool {
        self.name.is_empty() || subject.to_lowercase().contains(&self.name.to_lowercase())
    }

    /// The filter as its form's fields.
    fn fields(&self) -> Vec<Elem> {
        vec![
            Elem::value("name", self.name.clone()),
            Elem::value("tstatus", self.tstatus.map(|s| s.to_string()).unwrap_or_default()),
            Elem::value("client_department", self.client_department.map(|d| d.to_string()).unwrap_or_default()),
            Elem::value("archived", if self.archived { "on" } else { "off" }),
        ]
    }
}

/// The caller's stored filter (none stored, or one we cannot read: the
/// empty filter).
pub async fn load(state: &CompatState, caller: &Caller) -> Result<ListFilter, BmError> {
    let stored = state.desk.saved_filter(&caller.actor, CLIENT).await.map_err(|e| BmError::from_desk(e, None))?;
    Ok(stored.and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default())
}

/// `clientticket.filter`.
pub async fn run(state: &CompatState, caller: &Caller, p: &Params) -> Result<Doc, BmError> {
    if !p.sok() {
        return Ok(Doc::new(load(state, caller).await?.fields()));
    }
    let filter = ListFilter::from_params(p)?;
    if let Some(d) = filter.client_department {
        let departments = state.desk.list_departments(&caller.actor).await.map_err(|e| BmError::from_desk(e, None))?;
        if !departments.iter().any(|v| v.department.id.0 == d) {
            return Err(BmError::value("client_department", format!("There is no department {d}")));
        }
    }
    let text = serde_json::to_string(&filter).map_err(|_| BmError::new("internal", "", "Internal error"))?;
    state.desk.save_filter(&caller.actor, CLIENT, &text).await.map_err(|e| BmError::from_desk(e, None))?;
    Ok(Doc::ok(None))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_the_form_strictly() {
        let p = Params::parse(Some("sok=ok&name=%C3%96deme&tstatus=10&client_department=4&archived=on"), b"").unwrap();
        let f = ListFilter::from_params(&p).unwrap();
        assert_eq!(
            f,
            ListFilter { name: "Ödeme".into(), tstatus: Some(10), client_department: Some(4), archived: true }
        );
        assert!(f.name_matches("Fatura ÖDEME sorunu") || f.name_matches("fatura ödeme sorunu"));
        assert!(!f.name_matches("Refund"));
        for bad in ["tstatus=4", "tstatus=x", "client_department=0", "archived=1"] {
            assert!(ListFilter::from_params(&Params::parse(Some(bad), b"").unwrap()).is_err(), "{bad}");
        }
        assert_eq!(
            ListFilter::from_params(&Params::parse(Some("sok=ok"), b"").unwrap()).unwrap(),
            ListFilter::default()
        );
    }
}
