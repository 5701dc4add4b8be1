//! The blocked-senders list (issue 16): addresses and whole domains whose
//! mail is refused — recorded as refused with the entry that refused it,
//! never silently dropped — installation-wide or in one department. WHMCS's
//! `BlockTicketSender` ([`Desk::block_sender`]) adds to the same list.
//! Admins keep it: a block turns a person away from the desk, which is the
//! same right as disabling their account.

use crate::{Desk, DeskError, DeskResult};
use serde::Deserialize;
use tessera_core::Actor;
use tessera_core::ids::{DepartmentId, SenderBlockId};
use tessera_store::{NewSenderBlock, SenderBlock};

/// The longest pattern taken (an address is at most 254 characters).
const MAX_PATTERN: usize = 254;
/// The longest note taken.
const MAX_NOTE: usize = 500;

/// An entry as an admin asks for it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SenderBlockInput {
    /// `someone@example.com` for one address, `@example.com` (or
    /// `*@example.com`) for every address of a domain.
    pub pattern: String,
    /// The department whose mail it refuses; none: every department's.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<i64>))]
    pub department_id: Option<DepartmentId>,
    /// Why (shown in the list).
    #[serde(default)]
    pub note: String,
}

/// A pattern in its stored form: lower case, a domain as `@domain`.
fn normalised_pattern(raw: &str) -> DeskResult<String> {
    let p = raw.trim().to_lowercase();
    let p = p.strip_prefix('*').unwrap_or(&p).to_string();
    let bad = || {
        DeskError::invalid("pattern", "invalid_value", "an address (someone@example.com) or a domain (@example.com)")
    };
    if p.is_empty() || p.len() > MAX_PATTERN || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = p.rsplit_once('@').ok_or_else(bad)?;
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if !domain_ok || local.contains('@') {
        return Err(bad());
    }
    if !local.is_empty() && tessera_core::Email::parse(&p).is_err() {
        return Err(bad());
    }
    Ok(p)
}

impl Desk {
    /// The whole list, newest first (admins).
    pub async fn sender_blocks(&self, actor: &Actor) -> DeskResult<Vec<SenderBlock>> {
        require_admin(actor)?;
        Ok(self.store.sender_blocks().await?)
    }

    /// Adds an entry (admins); an entry already listed for the same
    /// department is answered as it is. The flag says whether it is new.
    pub async fn add_sender_block(&self, actor: &Actor, input: SenderBlockInput) -> DeskResult<(SenderBlock, bool)> {
        require_admin(actor)?;
        let pattern = normalised_pattern(&input.pattern)?;
        let note = input.note.trim().to_string();
        if note.chars().count() > MAX_NOTE {
            return Err(DeskError::invalid("note", "too_long", format!("at most {MAX_NOTE} characters")));
        }
        if let Some(d) = input.department_id
            && self.store.department(d).await?.is_none()
        {
            return Err(DeskError::invalid("department_id", "unknown_department", format!("no department {d}")));
        }
        let new = NewSenderBlock {
            pattern,
            department_id: input.department_id,
            note,
            created_by: Some(actor.user_id).filter(|u| u.0 > 0),
            created_at: self.now(),
        };
        Ok(self.store.add_sender_block(new).await?)
    }

    /// Removes an entry (admins): mail from it is taken again from now on;
    /// messages refused before stay refused (an admin may process one
    /// again from the inbound list).
    pub async fn remove_sender_block(&self, actor: &Actor, id: SenderBlockId) -> DeskResult<()> {
        require_admin(actor)?;
        self.store.delete_sender_block(id).await.map_err(|e| match e {
            tessera_store::StoreError::NotFound => DeskError::not_found("blocked sender"),
            e => e.into(),
        })
    }

    /// The entry refusing `address`'s mail to `department`, if any.
    pub(super) async fn sender_block_for(
        &self,
        address: &str,
        department: Option<DepartmentId>,
    ) -> DeskResult<Option<SenderBlock>> {
        Ok(self.store.sender_block_for(address, department).await?)
    }
}

fn require_admin(actor: &Actor) -> DeskResult<()> {
    if actor.is_admin() { Ok(()) } else { Err(DeskError::forbidden("only admins keep the blocked-senders list")) }
}

#[cfg(test)]
mod tests {
    use super::normalised_pattern;

    #[test]
    fn patterns_are_addresses_or_domains() {
        assert_eq!(normalised_pattern(" Spam@Example.COM ").unwrap(), "spam@example.com");
        assert_eq!(normalised_pattern("@junk.test").unwrap(), "@junk.test");
        assert_eq!(normalised_pattern("*@Junk.Test").unwrap(), "@junk.test");
        assert_eq!(normalised_pattern("@пример.рф").unwrap(), "@пример.рф");
        for bad in ["", "junk.test", "@", "@localhost", "a b@example.com", "@.test", "@test.", "a@@b.test", "@a_b.test"]
        {
            assert!(normalised_pattern(bad).is_err(), "{bad:?}");
        }
        assert!(normalised_pattern(&format!("@{}.test", "a".repeat(260))).is_err());
    }
}
