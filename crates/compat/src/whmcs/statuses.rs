//! WHMCS's six ticket statuses and how they map onto Tessera's
//! (`spec/compat.md`, the status table): a ticket's title, the status a
//! title sets, and the filter a title (or pseudo-status) selects.

use super::answer::WhmcsError;
use crate::common::{StatusRow, row_of, ticket_row};
use tessera_core::Ticket;
use tessera_core::ids::UserId;
use tessera_core::status::{Status, StatusKey};
use tessera_core::view::{Field, Operator, Resolved, ResolvedConditions, ResolvedValue};
use tessera_store::TicketFilter;

/// WHMCS's default statuses with their default colours, in its order.
pub const TITLES: [(&str, &str); 6] = [
    ("Open", "#779500"),
    ("Answered", "#000000"),
    ("Customer-Reply", "#ff6600"),
    ("On Hold", "#224488"),
    ("In Progress", "#cc0000"),
    ("Closed", "#888888"),
];

/// The title of a row; `open` is `Customer-Reply` once an agent has replied.
fn row_title(row: StatusRow, agent_replied: bool) -> &'static str {
    match row {
        StatusRow::New => "Open",
        StatusRow::Open if agent_replied => "Customer-Reply",
        StatusRow::Open => "Open",
        StatusRow::InProgress => "In Progress",
        StatusRow::Answered => "Answered",
        StatusRow::OnHold => "On Hold",
        StatusRow::Solved | StatusRow::Closed => "Closed",
    }
}

/// A ticket's WHMCS status.
pub fn title(t: &Ticket) -> &'static str {
    row_title(ticket_row(t), t.last_agent_reply_at.is_some())
}

/// The colour shown for an admin-defined status (its row's title's).
pub fn colour_of(s: &Status) -> &'static str {
    let t = row_title(row_of(&s.key, s.category), true);
    TITLES.iter().find(|(n, _)| *n == t).map_or("#888888", |(_, c)| c)
}

/// The message WHMCS gives for an unknown status.
pub fn invalid_status(catalogue: &[Status]) -> WhmcsError {
    let mut names: Vec<String> = TITLES.iter().map(|(n, _)| (*n).to_string()).collect();
    names.extend(catalogue.iter().filter(|s| !s.builtin).map(|s| s.name.clone()));
    WhmcsError::bad(format!("Invalid Ticket Status. Valid statuses are: {}", names.join(",")))
}

/// The Tessera status a WHMCS title (or an admin-defined status's name or
/// key) sets on `ticket`: the first row of the table that matches, except
/// that `Open` on a ticket past `new` (which cannot be re-entered) is `open`.
pub fn key_for(title: &str, ticket: Option<&Ticket>, catalogue: &[Status]) -> Result<StatusKey, WhmcsError> {
    let t = title.trim();
    let row = match t.to_ascii_lowercase().as_str() {
        "open" => {
            if ticket.is_some_and(|tk| ticket_row(tk) != StatusRow::New) {
                StatusRow::Open
            } else {
                StatusRow::New
            }
        }
        "customer-reply" => StatusRow::Open,
        "in progress" => StatusRow::InProgress,
        "answered" => StatusRow::Answered,
        "on hold" => StatusRow::OnHold,
        "closed" => StatusRow::Solved,
        _ => {
            return catalogue
                .iter()
                .find(|s| !s.builtin && (s.name.eq_ignore_ascii_case(t) || s.key.0.eq_ignore_ascii_case(t)))
                .map(|s| s.key.clone())
                .ok_or_else(|| invalid_status(catalogue));
        }
    };
    Ok(row.status_key())
}

/// The keys of every status in `rows`.
fn keys_in(catalogue: &[Status], rows: &[StatusRow]) -> Vec<String> {
    catalogue.iter().filter(|s| rows.contains(&row_of(&s.key, s.category))).map(|s| s.key.0.clone()).collect()
}

fn cond(field: Field, operator: Operator, value: ResolvedValue) -> Resolved {
    Resolved { field, operator, value }
}

/// Narrows `filter` to a WHMCS status or pseudo-status (`Awaiting Reply`,
/// `All Active Tickets`, `My Flagged Tickets`).
pub fn narrow(
    filter: &mut TicketFilter,
    conds: &mut ResolvedConditions,
    status: &str,
    me: UserId,
    catalogue: &[Status],
) -> Result<(), WhmcsError> {
    let s = status.trim();
    let keys = |rows: &[StatusRow]| keys_in(catalogue, rows).into_iter().map(StatusKey).collect::<Vec<_>>();
    match s.to_ascii_lowercase().as_str() {
        "awaiting reply" => {
            // Open and Customer-Reply, as WHMCS's default "awaiting reply" set.
            filter.statuses = keys(&[StatusRow::New, StatusRow::Open]);
        }
        "all active tickets" => {
            filter.statuses =
                keys(&[StatusRow::New, StatusRow::Open, StatusRow::InProgress, StatusRow::Answered, StatusRow::OnHold]);
        }
        "my flagged tickets" => {
            conds.all.push(cond(Field::FlaggedId, Operator::Is, ResolvedValue::Ints(vec![me.0])));
        }
        "open" => {
            let new = keys_in(catalogue, &[StatusRow::New]);
            filter.statuses = keys(&[StatusRow::New, StatusRow::Open]);
            conds.any.push(cond(Field::Status, Operator::In, ResolvedValue::Texts(new)));
            conds.any.push(cond(Field::LastAgentReplyAt, Operator::Absent, ResolvedValue::None));
        }
        "customer-reply" => {
            filter.statuses = keys(&[StatusRow::Open]);
            conds.all.push(cond(Field::LastAgentReplyAt, Operator::Present, ResolvedValue::None));
        }
        "in progress" => filter.statuses = keys(&[StatusRow::InProgress]),
        "answered" => filter.statuses = keys(&[StatusRow::Answered]),
        "on hold" => filter.statuses = keys(&[StatusRow::OnHold]),
        "closed" => filter.statuses = keys(&[StatusRow::Solved, StatusRow::Closed]),
        _ => {
            let custom = catalogue
                .iter()
                .find(|c| !c.builtin && (c.name.eq_ignore_ascii_case(s) || c.key.0.eq_ignore_ascii_case(s)))
                .ok_or_else(|| invalid_status(catalogue))?;
            filter.statuses = vec![custom.key.clone()];
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tessera_core::status::{StatusCategory, builtin_statuses};

    fn catalogue() -> Vec<Status> {
        let mut c = builtin_statuses();
        c.push(Status {
            key: StatusKey("waiting_vendor".into()),
            name: "Waiting on Vendor".into(),
            category: StatusCategory::Hold,
            position: 99,
            builtin: false,
        });
        c
    }

    #[test]
    fn titles_set_the_first_matching_row() {
        let c = catalogue();
        let key = |t: &str| key_for(t, None, &c).map(|k| k.0);
        assert_eq!(key("Open").unwrap(), "new");
        assert_eq!(key("customer-reply").unwrap(), "open");
        assert_eq!(key("In Progress").unwrap(), "in_progress");
        assert_eq!(key("Answered").unwrap(), "answered");
        assert_eq!(key("On Hold").unwrap(), "on_hold");
        assert_eq!(key("Closed").unwrap(), "solved");
        assert_eq!(key("Waiting on Vendor").unwrap(), "waiting_vendor");
        assert_eq!(
            key("Sleeping").unwrap_err().message,
            "Invalid Ticket Status. Valid statuses are: Open,Answered,Customer-Reply,On Hold,In Progress,Closed,Waiting on Vendor"
        );
    }

    #[test]
    fn custom_statuses_take_their_categorys_colour() {
        let c = catalogue();
        assert_eq!(colour_of(&c[c.len() - 1]), "#224488");
    }
}
