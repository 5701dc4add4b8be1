//! The customer portal: my tickets, opening a ticket, the ticket page, and
//! the guest link that opens one ticket by its access key.

pub mod list;
pub mod new;
pub mod ticket;
