//! Account access for every user: password resets, sign-in links and the
//! billing panel's hand-off, all on single-use sign-in tokens.
//!
//! A customer made by a billing system's sync, by e-mail or by an agent has
//! no password; these are how they (and anyone who forgot theirs) get in:
//!
//! - **password reset** (every role): a link by e-mail, valid
//!   [`RESET_LIFETIME`], used once; setting the new password ends every
//!   session of the user and retires their other reset links;
//! - **sign-in link** (customers): a link by e-mail, valid
//!   [`LINK_LIFETIME`], used once, that starts a browser session;
//! - **hand-off**: a billing panel, server to server with an admin's
//!   credential, gets a URL valid [`HANDOFF_LIFETIME`], used once, that
//!   signs its customer in and opens the portal (or a page of it).
//!
//! A token is 256 random bits; the store keeps only its SHA-256 and spends
//! it with one conditional update, so it opens at most once. The requests
//! by e-mail address answer the same whether the address is known, unknown,
//! disabled or a staff member's (for sign-in links): nothing tells who has
//! an account. They are limited per address and per client address
//! ([`REQUESTS_PER_ADDRESS`], [`REQUESTS_PER_CLIENT`]), counted for known
//! and unknown addresses alike. Links are made from `[server] public_url`,
//! never from a request's Host header. Neither tokens nor addresses are
//! ever logged. The links go out through the outbound mail queue
//! (`Desk::queue_account_mail`), in the user's language.

use crate::error::{DeskError, DeskResult};
use crate::mail::account::AccountMail;
use crate::sessions::{SessionKind, Started};
use crate::{Desk, auth, random};
use chrono::Duration;
use tessera_core::ids::{TicketId, UserId};
use tessera_core::{Actor, Role, Timestamp, User};
use tessera_store::{SignInToken, TokenPurpose, UserQuery};

/// How long a password reset link works (1 hour).
pub const RESET_LIFETIME: Duration = Duration::hours(1);
/// How long a customer's sign-in link works (15 minutes).
pub const LINK_LIFETIME: Duration = Duration::minutes(15);
/// How long a billing panel's hand-off URL works (60 seconds): it is
/// opened at once by the browser it was made for.
pub const HANDOFF_LIFETIME: Duration = Duration::seconds(60);
/// Reset or sign-in link requests for one e-mail address per window.
pub const REQUESTS_PER_ADDRESS: u32 = 5;
/// Reset or sign-in link requests from one client address per window.
pub const REQUESTS_PER_CLIENT: u32 = 30;
/// The window of both request limits (1 hour).
pub const REQUEST_WINDOW_MS: i64 = 60 * 60 * 1000;
/// The longest `redirect_path` a hand-off takes.
pub const MAX_REDIRECT_PATH: usize = 2048;

const ADDRESS_PREFIX: &str = "access:address:";
const CLIENT_PREFIX: &str = "access:client:";
/// Requests that also prune expired tokens and closed counters, out of 256.
const PRUNE_ONE_IN_256: u8 = 5;

/// Why an account-access request did nothing.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// Too many requests for the address or from the client.
    #[error("too many requests; try again in {retry_after_secs} s")]
    TooMany {
        /// Seconds until the window closes.
        retry_after_secs: i64,
    },
    /// `[server] public_url` is not set, so no link can be made.
    #[error("links cannot be made: set [server] public_url (TESSERA_PUBLIC_URL) to the installation's address")]
    NoPublicUrl,
    /// Outgoing mail is not configured (no SMTP server or no sender
    /// address), so no link can be sent.
    #[error("links cannot be sent: outgoing mail is not configured ([mail] smtp_url and from)")]
    MailOff,
    /// Anything else (an invalid token or input, a refusal, a fault).
    #[error(transparent)]
    Desk(#[from] DeskError),
}

impl From<tessera_store::StoreError> for AccessError {
    fn from(e: tessera_store::StoreError) -> Self {
        Self::Desk(e.into())
    }
}

/// Whose hand-off a billing panel asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffTarget {
    /// Tessera's user id (what the WHMCS dialect calls `client_id`).
    User(UserId),
    /// The customer's e-mail address.
    Email(String),
    /// The billing system's client id: the organization with this
    /// `external_id`, and its one member who sees all its tickets.
    ExternalClient(String),
}

/// A billing panel's hand-off request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffRequest {
    /// The customer.
    pub target: HandoffTarget,
    /// Where the portal opens: a path of this site (`/tickets/123456`);
    /// none: the customer's ticket list.
    pub redirect_path: Option<String>,
    /// Opens this ticket's page instead (the customer must see it).
    pub ticket_id: Option<TicketId>,
}

/// A hand-off URL, to open once in the customer's browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    /// `public_url` + `/sso/` + the token (+ `?next=` the path).
    pub url: String,
    /// When it stops working.
    pub expires_at: Timestamp,
    /// The customer it signs in.
    pub user_id: UserId,
}

/// Whether a text has the shape of a token we hand out (64 hex digits).
fn is_token(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The stored hash of a token.
fn token_hash(token: &str) -> String {
    auth::secret_hash(&format!("sign-in-token:{}", token.to_ascii_lowercase()))
}

/// The refusal of every token that opens nothing: unknown, used, expired,
/// of another purpose, or its user disabled (one answer for all).
fn invalid_token() -> DeskError {
    DeskError::invalid("token", "invalid_token", "this link is not valid: it expired, was used, or never existed")
}

/// A path of this site for a redirect, judged as a browser parses URLs (no
/// `//host`, no backslash, no control or white space): anything else is
/// refused, never repaired.
pub fn check_redirect_path(path: &str) -> DeskResult<String> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= MAX_REDIRECT_PATH
        && !path.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if !ok {
        return Err(DeskError::invalid(
            "redirect_path",
            "invalid_value",
            "a redirect path is a path of this site starting with one /, without spaces or backslashes",
        ));
    }
    Ok(path.to_string())
}

impl Desk {
    /// The same desk making links with `public_url` (`[server]
    /// public_url`): the only host a link we make may name. It is the
    /// outbound mail's setting, so mail about tickets and account links
    /// name the same host.
    pub fn with_public_url(&self, public_url: Option<String>) -> Self {
        let mut settings = self.outbound_settings().clone();
        settings.public_url = public_url.map(|u| u.trim().to_string()).filter(|u| !u.is_empty());
        self.with_outbound(settings)
    }

    /// `[server] public_url` without a trailing slash, if set.
    fn public_url(&self) -> Option<&str> {
        self.outbound_settings().public_url.as_deref().map(|u| u.trim_end_matches('/'))
    }

    /// Whether links can be made (`[server] public_url` is set).
    pub fn makes_links(&self) -> bool {
        self.public_url().is_some()
    }

    /// Whether account mail can be queued: outgoing mail is on and has a
    /// sender address.
    pub fn sends_account_mail(&self) -> bool {
        let s = self.outbound_settings();
        s.enabled && s.from.is_some()
    }

    fn access_link(&self, path: &str) -> Result<String, AccessError> {
        let base = self.public_url().ok_or(AccessError::NoPublicUrl)?;
        Ok(format!("{base}{path}"))
    }

    /// Asks for a password reset link for the account with this e-mail
    /// address (any role), from a client at `client`. Answers `Ok` whether
    /// or not the address has an account: only the owner of the mailbox
    /// learns it, by the mail. Disabled accounts get nothing.
    pub async fn request_password_reset(&self, email: &str, client: &str) -> Result<(), AccessError> {
        let Some(user) = self.account_request(email, client).await? else { return Ok(()) };
        let (token, _) = self.issue_sign_in_token(user.id, TokenPurpose::Reset, RESET_LIFETIME).await?;
        let link = self.access_link(&format!("/reset/{token}"))?;
        let minutes = minutes_of(RESET_LIFETIME);
        Ok(self.queue_account_mail(&user, AccountMail::PasswordReset { link, minutes }).await?)
    }

    /// Asks for a sign-in link for the customer with this e-mail address,
    /// from a client at `client`. Answers `Ok` whether or not there is such
    /// a customer (staff members, who sign in with a password, get nothing).
    pub async fn request_sign_in_link(&self, email: &str, client: &str) -> Result<(), AccessError> {
        let Some(user) = self.account_request(email, client).await?.filter(|u| u.role == Role::Customer) else {
            return Ok(());
        };
        let (token, _) = self.issue_sign_in_token(user.id, TokenPurpose::Link, LINK_LIFETIME).await?;
        let link = self.access_link(&format!("/sign-in/link/{token}"))?;
        let minutes = minutes_of(LINK_LIFETIME);
        Ok(self.queue_account_mail(&user, AccountMail::SignInLink { link, minutes }).await?)
    }

    /// The shared start of the requests by address: the link host and
    /// outgoing mail (checked first, so the answer never depends on the
    /// address), the limits (counted for every address), then the enabled
    /// user, if any.
    async fn account_request(&self, email: &str, client: &str) -> Result<Option<User>, AccessError> {
        if !self.makes_links() {
            return Err(AccessError::NoPublicUrl);
        }
        if !self.sends_account_mail() {
            return Err(AccessError::MailOff);
        }
        let now = self.now();
        let address = email.trim().to_lowercase();
        if address.is_empty() || address.len() > 320 {
            return Err(DeskError::invalid("email", "invalid_email", "an e-mail address is required").into());
        }
        let store = &self.store;
        let limits = [
            (format!("{CLIENT_PREFIX}{client}"), REQUESTS_PER_CLIENT),
            (format!("{ADDRESS_PREFIX}{address}"), REQUESTS_PER_ADDRESS),
        ];
        for (key, max) in &limits {
            if !store.rate_limit_hit(key, REQUEST_WINDOW_MS, *max, now).await? {
                let w = store.rate_limit_peek(key, REQUEST_WINDOW_MS, now).await?;
                let until = w.map_or(now, |w| w.started_at) + Duration::milliseconds(REQUEST_WINDOW_MS);
                return Err(AccessError::TooMany { retry_after_secs: (until - now).num_seconds().max(1) });
            }
        }
        if random::bytes::<1>().is_ok_and(|b| b[0] < PRUNE_ONE_IN_256) {
            self.prune_access(now).await?;
        }
        Ok(store.user_by_email(&address).await?.filter(|u| !u.disabled))
    }

    /// Forgets tokens expired for a day and closed request counters.
    async fn prune_access(&self, now: Timestamp) -> DeskResult<()> {
        let store = &self.store;
        store.prune_sign_in_tokens(now - Duration::days(1)).await?;
        let closed = now - Duration::milliseconds(REQUEST_WINDOW_MS);
        store.rate_limit_prune(ADDRESS_PREFIX, closed).await?;
        store.rate_limit_prune(CLIENT_PREFIX, closed).await?;
        Ok(())
    }

    /// Makes and stores a token; answers the secret (shown once) and its
    /// expiry.
    async fn issue_sign_in_token(
        &self,
        user: UserId,
        purpose: TokenPurpose,
        lifetime: Duration,
    ) -> DeskResult<(String, Timestamp)> {
        let token = random::hex_token::<32>()?;
        let now = self.now();
        let expires_at = now + lifetime;
        let record = SignInToken {
            token_hash: token_hash(&token),
            user_id: user,
            purpose,
            created_at: now,
            expires_at,
            used_at: None,
        };
        self.store.insert_sign_in_token(record).await?;
        Ok((token, expires_at))
    }

    /// Whether a reset token would open (to show the new-password form
    /// only for a live link); spends nothing.
    pub async fn check_reset_token(&self, token: &str) -> DeskResult<()> {
        let token = token.trim();
        if !is_token(token) {
            return Err(invalid_token());
        }
        let now = self.now();
        let t = self.store.sign_in_token(&token_hash(token)).await?;
        match t {
            Some(t) if t.purpose == TokenPurpose::Reset && t.used_at.is_none() && t.expires_at > now => Ok(()),
            _ => Err(invalid_token()),
        }
    }

    /// Sets a new password with a reset token: the password is checked
    /// first (a too-short one does not spend the link), then the token is
    /// spent, the password set (Argon2id), every session of the user ended
    /// and their other reset links retired. Answers the user.
    pub async fn complete_password_reset(&self, token: &str, password: &str) -> DeskResult<User> {
        auth::check_password(password)?;
        let token = token.trim();
        if !is_token(token) {
            return Err(invalid_token());
        }
        let now = self.now();
        let used = self.store.consume_sign_in_token(&token_hash(token), TokenPurpose::Reset, now).await?;
        let used = used.ok_or_else(invalid_token)?;
        let mut user = self.store.user(used.user_id).await?.filter(|u| !u.disabled).ok_or_else(invalid_token)?;
        user.password_hash = Some(auth::hash_password(password).await?);
        user.updated_at = now;
        self.store.update_user(&user).await?;
        self.store.delete_sessions_of(user.id, None).await?;
        self.store.retire_sign_in_tokens(user.id, TokenPurpose::Reset, now).await?;
        self.forget_actors();
        Ok(user)
    }

    /// Starts a browser session with a customer's sign-in link, spending it.
    pub async fn sign_in_with_link(&self, token: &str) -> DeskResult<Started> {
        self.sign_in_with_token(token, TokenPurpose::Link).await
    }

    /// Starts a browser session with a hand-off token, spending it.
    pub async fn sign_in_with_handoff(&self, token: &str) -> DeskResult<Started> {
        self.sign_in_with_token(token, TokenPurpose::Handoff).await
    }

    async fn sign_in_with_token(&self, token: &str, purpose: TokenPurpose) -> DeskResult<Started> {
        let token = token.trim();
        if !is_token(token) {
            return Err(invalid_token());
        }
        let now = self.now();
        let used =
            self.store.consume_sign_in_token(&token_hash(token), purpose, now).await?.ok_or_else(invalid_token)?;
        let user = self.store.user(used.user_id).await?;
        let user = user.filter(|u| !u.disabled && u.role == Role::Customer).ok_or_else(invalid_token)?;
        let actor = self.actor_for(&user).await?;
        self.start_session(&actor, SessionKind::Browser).await
    }

    /// A billing panel's hand-off: a single-use URL, valid
    /// [`HANDOFF_LIFETIME`], that signs the customer in a browser and
    /// opens the portal (at `redirect_path`, or the ticket's page). Only an
    /// admin's credential may ask (it acts for the customer); only enabled
    /// customers are handed off, never staff.
    pub async fn create_handoff(&self, actor: &Actor, request: HandoffRequest) -> Result<Handoff, AccessError> {
        if !actor.is_admin() {
            return Err(DeskError::forbidden("only an admin's credential may hand customers off").into());
        }
        if !self.makes_links() {
            return Err(AccessError::NoPublicUrl);
        }
        let mut next = request.redirect_path.as_deref().map(check_redirect_path).transpose()?;
        let user = self.handoff_customer(&request.target).await?;
        if let Some(id) = request.ticket_id {
            let t = self.store.ticket(id).await?.filter(|t| t.deleted_at.is_none());
            let customer = self.actor_for(&user).await?;
            let t = t.filter(|t| customer.can_view(t)).ok_or(DeskError::not_found("ticket"))?;
            next = Some(format!("/tickets/{}", t.number));
        }
        let (token, expires_at) = self.issue_sign_in_token(user.id, TokenPurpose::Handoff, HANDOFF_LIFETIME).await?;
        let mut url = self.access_link(&format!("/sso/{token}"))?;
        if let Some(next) = next {
            url.push_str("?next=");
            url.push_str(&encode_query(&next));
        }
        Ok(Handoff { url, expires_at, user_id: user.id })
    }

    /// The enabled customer a hand-off names, or not found.
    async fn handoff_customer(&self, target: &HandoffTarget) -> DeskResult<User> {
        let customer = |u: Option<User>| u.filter(|u| !u.disabled && u.role == Role::Customer);
        let found = match target {
            HandoffTarget::User(id) => customer(self.store.user(*id).await?),
            HandoffTarget::Email(e) => customer(self.store.user_by_email(e.trim()).await?),
            HandoffTarget::ExternalClient(ext) => {
                let ext = ext.trim();
                let orgs = self.store.list_organizations().await?;
                match orgs.into_iter().find(|o| o.external_id.as_deref() == Some(ext)) {
                    None => None,
                    Some(org) => {
                        let q = UserQuery { organization_id: Some(org.id), limit: 500, ..UserQuery::default() };
                        let members = self.store.list_users(&q).await?;
                        let mut heads =
                            members.into_iter().filter(|u| u.sees_all && customer(Some(u.clone())).is_some());
                        match (heads.next(), heads.next()) {
                            (Some(u), None) => Some(u),
                            (None, _) => None,
                            (Some(_), Some(_)) => {
                                return Err(DeskError::Conflict {
                                    code: "ambiguous_client",
                                    message: "the client has several members who see all its tickets; name the customer by user_id or email".into(),
                                    field: Some("external_client_id".into()),
                                });
                            }
                        }
                    }
                }
            }
        };
        found.ok_or(DeskError::not_found("customer"))
    }
}

/// A lifetime in whole minutes, as the mail says it.
fn minutes_of(d: Duration) -> u32 {
    u32::try_from(d.num_minutes()).unwrap_or(u32::MAX)
}

/// Percent-encodes what a query value may not hold as it is.
fn encode_query(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_paths_stay_on_the_site() {
        assert!(check_redirect_path("/tickets/123456").is_ok());
        assert!(check_redirect_path("/").is_ok());
        for bad in ["//evil.example", "https://evil.example/", "/\\evil", "/a b", "evil", "/a\tb", ""] {
            assert!(check_redirect_path(bad).is_err(), "{bad:?}");
        }
        assert!(check_redirect_path(&format!("/{}", "a".repeat(MAX_REDIRECT_PATH))).is_err());
    }

    #[test]
    fn tokens_have_one_shape_and_hash_apart_from_sessions() {
        let t = "ab".repeat(32);
        assert!(is_token(&t));
        assert!(!is_token("abc"));
        assert_eq!(token_hash(&t), token_hash(&t.to_uppercase()));
        assert_ne!(token_hash(&t), auth::secret_hash(&t));
        assert_eq!(encode_query("/tickets/1?a=b&c"), "/tickets/1%3Fa%3Db%26c");
    }

    #[test]
    fn lifetimes() {
        assert_eq!(RESET_LIFETIME, Duration::hours(1));
        assert_eq!(LINK_LIFETIME, Duration::minutes(15));
        assert_eq!(HANDOFF_LIFETIME, Duration::seconds(60));
    }
}
