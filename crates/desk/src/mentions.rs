//! `@mentions`: an agent names another agent in a note, a reply or the
//! first message of a ticket they open, and the named agent is told by mail (the `mention` kind; docs/email.md,
//! "Mentions").
//!
//! The syntax: `@` followed by an agent's whole e-mail address
//! (`@bob@example.com`) or its local part (`@bob`), matched without regard
//! to case. A local part counts only when exactly one enabled agent or
//! admin has it (two `bob@…` make `@bob` name nobody: write the address).
//! The `@` must start the text or follow a character that cannot be part
//! of an address (a space, a bracket, a comma…), so an address written in
//! the text (`mail bob@example.com`) mentions nobody; a full stop, comma
//! or hyphen that ends the handle is the sentence's, not the name's
//! (`thanks @bob.` names `bob`).
//!
//! Only an agent's own words mention anyone: a customer's reply, a
//! customer's words an agent passes on, and mail turned into a note name
//! nobody. Mentions of customers, of disabled users, of the writer
//! themselves and of agents who cannot see the ticket (an agent of
//! another department, where departments restrict who sees what) are
//! ignored: a mail about a ticket one cannot open tells nothing one may
//! read. At most [`MAX_MENTIONS`] distinct handles of a message are looked
//! at. The desk puts the ids it found in the event's data
//! (`"mentions": [ids]`), and the mail planner tells each of them.

use tessera_core::ids::UserId;
use tessera_core::{Role, Ticket};
use tessera_store::UserQuery;

use crate::{Desk, DeskResult};

/// The most distinct handles of one message that are looked up (a pasted
/// list of addresses does not mail the whole staff).
pub const MAX_MENTIONS: usize = 20;

/// Whether `c` may be part of an address's local part or domain.
fn address_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// The handles mentioned in `text`, lower case, each once, in order of
/// first appearance, at most [`MAX_MENTIONS`]: `bob` or `bob@example.com`.
pub fn handles(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < chars.len() && out.len() < MAX_MENTIONS {
        if chars[i] != '@' || (i > 0 && (address_char(chars[i - 1]) || chars[i - 1] == '@')) {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < chars.len() && address_char(chars[end]) {
            end += 1;
        }
        let mut handle: String = chars[start..end].iter().collect();
        // `@bob@example.com`: the whole address, when a domain follows.
        if end < chars.len() && chars[end] == '@' {
            let mut d = end + 1;
            while d < chars.len() && (chars[d].is_alphanumeric() || matches!(chars[d], '.' | '-')) {
                d += 1;
            }
            let domain: String = chars[end + 1..d].iter().collect();
            let domain = domain.trim_end_matches(['.', '-']);
            if domain.contains('.') && !handle.is_empty() {
                handle = format!("{handle}@{domain}");
                end = d;
            }
        }
        i = end.max(start);
        let handle = handle.trim_end_matches(['.', '-', '_']).to_lowercase();
        if !handle.is_empty() && !handle.starts_with('@') && !out.contains(&handle) {
            out.push(handle);
        }
    }
    out
}

impl Desk {
    /// The agents `author` mentions in `text` on `ticket`, under the rules
    /// of this module: enabled staff other than the author who can see the
    /// ticket, each once.
    pub(crate) async fn mentioned_agents(
        &self,
        author: UserId,
        ticket: &Ticket,
        text: &str,
    ) -> DeskResult<Vec<UserId>> {
        let mut found = Vec::new();
        for handle in handles(text) {
            let user = if handle.contains('@') {
                self.store.user_by_email(&handle).await?.filter(|u| u.role.is_staff() && !u.disabled)
            } else {
                let mut same = Vec::new();
                for role in [Role::Agent, Role::Admin] {
                    let query = UserQuery {
                        role: Some(role),
                        search: Some(format!("{handle}@")),
                        limit: 200,
                        ..UserQuery::default()
                    };
                    same.extend(self.store.list_users(&query).await?.into_iter().filter(|u| {
                        !u.disabled
                            && u.email.as_str().rsplit_once('@').is_some_and(|(l, _)| l.to_lowercase() == handle)
                    }));
                }
                if same.len() == 1 { same.pop() } else { None }
            };
            let Some(user) = user else { continue };
            if user.id == author || found.contains(&user.id) {
                continue;
            }
            if self.actor_for(&user).await?.can_view(ticket) {
                found.push(user.id);
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_read_as_documented() {
        assert_eq!(handles("@bob please look"), ["bob"]);
        assert_eq!(handles("thanks @Bob. And (@ayse.k), @ayse.k!"), ["bob", "ayse.k"]);
        assert_eq!(handles("cc @Bob@Example.com, done"), ["bob@example.com"]);
        assert_eq!(handles("mail bob@example.com or user@host"), Vec::<String>::new());
        assert_eq!(handles("an @ alone, @@bob, @- and @."), Vec::<String>::new());
        assert_eq!(handles("@çağrı bak"), ["çağrı"]);
        assert_eq!(handles("@bob@localhost"), ["bob"]);
        let many: String = (0..50).map(|n| format!("@agent{n} ")).collect();
        assert_eq!(handles(&many).len(), MAX_MENTIONS);
    }
}
