//! Mail coming in: what the mail gateway (`tessera-mail`) hands the desk
//! once it has parsed a message, and what the desk does with it.
//!
//! The gateway is an entry point like the API: it stores the raw message
//! first through [`Desk`](crate::Desk) (so nothing accepted is ever lost),
//! parses it into an [`InboundMail`], and asks the desk to apply it. The
//! desk decides who wrote it, which ticket it belongs to (and by which rule,
//! recorded as [`MatchedBy`]), and writes the ticket or reply in one commit
//! with the inbound record's new state — or quarantines it with a reason.

pub(crate) mod account;
mod apply;
mod blocks;
mod mailboxes;
pub mod oauth;
pub mod outbound;
mod receive;
mod tokens;
mod types;

pub use account::AccountMail;
pub use apply::MatchedBy;
pub use blocks::SenderBlockInput;
pub use mailboxes::{MailboxInput, MailboxOAuthView, MailboxStatus, MailboxToRead, MailboxView};
pub use receive::{Handover, MAX_RAW_BYTES, TicketMail};
pub use tokens::MARKER_OPEN;
pub use types::*;
