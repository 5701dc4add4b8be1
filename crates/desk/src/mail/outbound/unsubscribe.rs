//! RFC 8058 one-click unsubscribe (decision 49): every optional
//! notification to a person with an account carries
//! `List-Unsubscribe: <{public_url}/unsubscribe/{token}>` and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click`; a mail provider
//! (Gmail, Yahoo, Outlook) POSTs `List-Unsubscribe=One-Click` to the URL,
//! without cookies, and that kind of mail stops for that person.
//!
//! The token names the user and the kind and is signed with the
//! installation's key (`u{user}.{kind}.{signature}`): it is checked without
//! a row, never expires (a mail read next year still unsubscribes), and
//! works any number of times (turning a kind off twice is turning it off).
//! It can do one thing only — turn that kind off for that person — which
//! the person can undo on their account page; so a link that is forwarded
//! or leaked costs at most some notifications, and a database row per copy
//! would buy nothing but the ability to revoke that. Only an https
//! `public_url` makes links: the composer refuses any other URL (RFC 8058
//! asks for https), so without one notifications carry no header.

use tessera_core::ids::UserId;
use tessera_store::OutboundKind;

use crate::error::DeskError;
use crate::{Desk, DeskResult};

/// What the signature is for (no other signature of the installation's
/// key can stand in for it).
const PURPOSE: &str = "unsubscribe";
/// Hex characters of signature in a token: 128 bits.
const SIGNATURE_HEX: usize = 32;

/// What an unsubscribe link stands for: whose mail of which kind, and
/// whether that kind is on for them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    /// The person the link was mailed to.
    pub user_id: UserId,
    /// The kind of mail it turns off.
    pub kind: OutboundKind,
    /// The person's locale (the page's language).
    pub locale: String,
    /// Whether that kind is on for them (before the unsubscription, for
    /// [`Desk::unsubscribe`]).
    pub on: bool,
}

/// The refusal of every token that names nothing: forged, garbled, a user
/// who no longer exists, or a kind that is not theirs to turn off (one
/// answer for all, so nothing is learnt by trying).
fn invalid_link() -> DeskError {
    DeskError::not_found("unsubscribe link")
}

impl Desk {
    /// The signed token of `user`'s unsubscribe link for `kind`.
    pub fn unsubscribe_token(&self, user: UserId, kind: OutboundKind) -> String {
        let payload = format!("u{}.{}", user.0, kind.as_str());
        let signature = hex::encode(self.secrets.tag(PURPOSE, &payload));
        format!("{payload}.{}", &signature[..SIGNATURE_HEX])
    }

    /// The one-click unsubscribe URL of `user`'s copies of `kind`: only for
    /// kinds one may turn off, and only with an https `public_url` (the
    /// composer refuses any other).
    pub(crate) fn unsubscribe_url(&self, user: UserId, kind: OutboundKind) -> Option<String> {
        let base = self.outbound.public_url.as_deref()?.trim().trim_end_matches('/');
        if !kind.optional() || !base.starts_with("https://") || base.len() <= "https://".len() {
            return None;
        }
        Some(format!("{base}/unsubscribe/{}", self.unsubscribe_token(user, kind)))
    }

    /// The user and kind a token names, if Tessera signed it.
    fn read_unsubscribe_token(&self, token: &str) -> Option<(UserId, OutboundKind)> {
        if token.len() > 100 {
            return None;
        }
        let (payload, signature) = token.rsplit_once('.')?;
        if signature.len() != SIGNATURE_HEX || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let (user, kind) = payload.split_once('.')?;
        let user = user.strip_prefix('u')?;
        if user.is_empty() || !user.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let user = UserId(user.parse::<i64>().ok().filter(|u| *u > 0)?);
        let kind = OutboundKind::parse(kind)?;
        let expected = self.unsubscribe_token(user, kind);
        crate::auth::constant_time_eq(&expected, token).then_some((user, kind))
    }

    /// What an unsubscribe link stands for, changing nothing (the page a
    /// `GET` shows: link scanners follow GETs). A forged, garbled or stale
    /// token is not found.
    pub async fn unsubscribe_link(&self, token: &str) -> DeskResult<Unsubscribe> {
        let (user, kind) = self.read_unsubscribe_token(token.trim()).ok_or_else(invalid_link)?;
        let u = self.store.user(user).await?.ok_or_else(invalid_link)?;
        // The kind must still be this person's to turn off (the rule of
        // `set_notification_choice`): a customer made an agent since holds
        // a link for a kind that is no longer theirs.
        if !kind.optional() || kind.for_agents() != u.role.is_staff() {
            return Err(invalid_link());
        }
        let stored = self.store.notification_prefs(u.id).await?;
        let on = stored.iter().find(|(k, _)| *k == kind).is_none_or(|(_, on)| *on);
        Ok(Unsubscribe { user_id: u.id, kind, locale: u.locale, on })
    }

    /// Turns the link's kind off for its person (the one-click POST): the
    /// same preference their account page sets. Idempotent: a link used
    /// again answers the same. A forged, garbled or stale token is not
    /// found and changes nothing.
    pub async fn unsubscribe(&self, token: &str) -> DeskResult<Unsubscribe> {
        let link = self.unsubscribe_link(token).await?;
        if link.on {
            self.store.set_notification_pref(link.user_id, link.kind, false).await?;
        }
        Ok(link)
    }
}
