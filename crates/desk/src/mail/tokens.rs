//! The tokens that tie mail to a ticket without trusting anything a sender
//! can make up: `t{ticket}.m{message}.{signature}` (or `t{ticket}.{signature}`
//! for the ticket itself), signed with the installation's key. Mail Tessera
//! sends carries one in its `Message-ID` (`<token@host>`), may carry one in a
//! plus-addressed `Reply-To` (`support+token@example.com`), and carries one
//! in its body as a marker (`[tessera:token]`) for providers that rewrite
//! Message-IDs. A reply naming a valid token in its `In-Reply-To` or
//! `References`, in a recipient's plus-address, or in its text belongs to
//! that ticket — the first threading rule, before any id lookup.

use crate::Desk;
use tessera_core::ids::{MessageId, TicketId};

/// Hex characters of signature in a token: 64 bits, more than any sender
/// can guess within the rate limits.
const SIGNATURE_HEX: usize = 16;
/// What the signature is for (so no other signature of the installation's
/// key can stand in for it).
const PURPOSE: &str = "mail-token";
/// The body marker's opening.
pub const MARKER_OPEN: &str = "[tessera:";

impl Desk {
    /// A signed token for `ticket` (and one of its messages).
    pub fn mail_token(&self, ticket: TicketId, message: Option<MessageId>) -> String {
        let payload = match message {
            Some(m) => format!("t{}.m{}", ticket.0, m.0),
            None => format!("t{}", ticket.0),
        };
        let signature = hex::encode(self.secrets.tag(PURPOSE, &payload));
        format!("{payload}.{}", &signature[..SIGNATURE_HEX])
    }

    /// The ticket (and message) a token names, if Tessera signed it. Takes
    /// a bare token, a Message-ID (`token@host`) or an address's local part
    /// after a `+` (`support+token@host`); a `-suffix` after the token (one
    /// copy's Message-ID) is ignored.
    pub fn read_mail_token(&self, text: &str) -> Option<(TicketId, Option<MessageId>)> {
        let local = text.trim().trim_start_matches('<').split('@').next()?;
        let token = local.rsplit('+').next()?;
        // Mail Tessera sends has one copy per recipient, each with its own
        // Message-ID: the token, then `-` and the copy's suffix.
        let token = token.split_once('-').map_or(token, |(t, _)| t);
        let (payload, signature) = token.rsplit_once('.')?;
        if signature.len() != SIGNATURE_HEX || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut parts = payload.split('.');
        let ticket = parts.next()?.strip_prefix('t')?.parse::<i64>().ok().filter(|t| *t > 0)?;
        let message = match parts.next() {
            Some(m) => Some(m.strip_prefix('m')?.parse::<i64>().ok().filter(|m| *m > 0)?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        let expected = self.mail_token(TicketId(ticket), message.map(MessageId));
        crate::auth::constant_time_eq(&expected, token).then_some((TicketId(ticket), message.map(MessageId)))
    }

    /// The first valid token in a text's `[tessera:…]` markers.
    pub fn read_mail_marker(&self, text: &str) -> Option<(TicketId, Option<MessageId>)> {
        let mut rest = text;
        while let Some(at) = rest.find(MARKER_OPEN) {
            rest = &rest[at + MARKER_OPEN.len()..];
            let end = rest.find(']')?;
            if end <= 64
                && let Some(found) = self.read_mail_token(&rest[..end])
            {
                return Some(found);
            }
        }
        None
    }
}
