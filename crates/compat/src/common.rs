//! What the dialects share: the status and priority tables of
//! `spec/compat.md`, dates in the configured time zone, the caller's
//! address and language, the sign-in doors, and the per-dialect request log.

use crate::config::Dialect;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tessera_core::lang::Lang;
use tessera_core::status::{StatusCategory, StatusKey};
use tessera_core::ticket::{ClosedReason, Priority, Ticket};
use tessera_core::{Actor, Timestamp};
use tessera_desk::{Desk, DeskError, SignInError};

// ---------------------------------------------------------------------------
// Action lists
// ---------------------------------------------------------------------------

/// Declares a dialect's actions once: an enum with a variant per action,
/// its `ALL` list, each variant's name as the original system spells it,
/// and `ACTIONS`, those names in order. Dispatch parses a name through
/// `ALL` and matches the enum exhaustively, so an action is answered
/// exactly when it is listed, and tests (the authorization matrix) read the
/// list to judge every action.
macro_rules! actions {
    ($(#[$meta:meta])* $enum:ident, $list:ident; $($(#[$vmeta:meta])* $variant:ident => $name:literal),+ $(,)?) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $enum {
            $($(#[$vmeta])* $variant),+
        }

        impl $enum {
            /// Every action, in the order of the dialect's documentation.
            pub const ALL: &'static [$enum] = &[$($enum::$variant),+];

            /// The action's name, as the original system spells it.
            pub const fn name(self) -> &'static str {
                match self {
                    $($enum::$variant => $name),+
                }
            }
        }

        /// The names of the dialect's actions (see the enum of the same
        /// module): what it dispatches on, and what the authorization matrix
        /// enumerates.
        pub const $list: &[&str] = &[$($name),+];
    };
}
pub(crate) use actions;

/// Checks a path-routed dialect's endpoint table, `(name, path, methods)`
/// in the order of its `ACTIONS`: each name listed, each path routed once,
/// each with known methods.
#[cfg(test)]
pub(crate) fn check_endpoint_table(table: &[(&str, &str, &[&str])], actions: &[&str]) {
    assert_eq!(actions.len(), table.len());
    let mut paths = std::collections::BTreeSet::new();
    for ((name, path, methods), listed) in table.iter().zip(actions) {
        assert_eq!(name, listed);
        assert!(paths.insert(*path), "{path} is routed twice");
        assert!(!methods.is_empty());
        for m in *methods {
            assert!(["GET", "POST", "PUT", "PATCH", "DELETE"].contains(m), "{m}");
        }
    }
}

/// A method router that answers `methods` (names such as `"GET"`) with
/// `handler`: how the path-based dialects build their routes from their
/// endpoint lists.
pub fn on_methods<H, T>(methods: &[&str], handler: H) -> axum::routing::MethodRouter<crate::CompatState>
where
    H: axum::handler::Handler<T, crate::CompatState>,
    T: 'static,
{
    use axum::routing::MethodFilter;
    methods.iter().fold(axum::routing::MethodRouter::new(), |router, m| {
        let filter = match *m {
            "GET" => MethodFilter::GET,
            "POST" => MethodFilter::POST,
            "PUT" => MethodFilter::PUT,
            "PATCH" => MethodFilter::PATCH,
            "DELETE" => MethodFilter::DELETE,
            _ => return router,
        };
        router.on(filter, handler.clone())
    })
}

// ---------------------------------------------------------------------------
// Statuses and priorities
// ---------------------------------------------------------------------------

/// The seven rows of the status table in `spec/compat.md`: Tessera's
/// built-in statuses. An admin-defined status maps through its category
/// (see [`row_of`]); each dialect writes a row in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusRow {
    /// `new`
    New,
    /// `open`
    Open,
    /// `in_progress`
    InProgress,
    /// `answered`
    Answered,
    /// `on_hold`
    OnHold,
    /// `solved`
    Solved,
    /// `closed`
    Closed,
}

impl StatusRow {
    /// Every row, in the table's order (the reverse mapping takes the first
    /// row that matches).
    pub const ALL: [StatusRow; 7] = [
        StatusRow::New,
        StatusRow::Open,
        StatusRow::InProgress,
        StatusRow::Answered,
        StatusRow::OnHold,
        StatusRow::Solved,
        StatusRow::Closed,
    ];

    /// The built-in status key of the row.
    pub fn key(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Answered => "answered",
            Self::OnHold => "on_hold",
            Self::Solved => "solved",
            Self::Closed => "closed",
        }
    }

    /// The built-in status key as a [`StatusKey`].
    pub fn status_key(self) -> StatusKey {
        StatusKey(self.key().to_string())
    }
}

/// The row of a ticket's status: a built-in key by name, any other status
/// by its category.
pub fn row_of(status: &StatusKey, category: StatusCategory) -> StatusRow {
    if let Some(row) = StatusRow::ALL.into_iter().find(|r| r.key() == status.0) {
        return row;
    }
    match category {
        StatusCategory::New => StatusRow::New,
        StatusCategory::Open => StatusRow::Open,
        StatusCategory::Pending => StatusRow::Answered,
        StatusCategory::Hold => StatusRow::OnHold,
        StatusCategory::Solved => StatusRow::Solved,
        StatusCategory::Closed => StatusRow::Closed,
    }
}

/// The row of a ticket.
pub fn ticket_row(t: &Ticket) -> StatusRow {
    row_of(&t.status, t.status_category)
}

/// Whether a closed ticket was closed by an automation (Bangwo8 writes
/// 5 自动关闭 for those, 6 手动关闭 for the rest).
pub fn closed_automatically(t: &Ticket) -> bool {
    matches!(t.closed_reason, Some(ClosedReason::Auto))
}

/// WHMCS's priority title (`urgent` is `High` too: WHMCS has three).
pub fn whmcs_priority(p: Priority) -> &'static str {
    match p {
        Priority::Low => "Low",
        Priority::Normal => "Medium",
        Priority::High | Priority::Urgent => "High",
    }
}

/// A priority from WHMCS's title (case-insensitive).
pub fn priority_from_whmcs(title: &str) -> Option<Priority> {
    match title.trim().to_ascii_lowercase().as_str() {
        "low" => Some(Priority::Low),
        "medium" => Some(Priority::Normal),
        "high" => Some(Priority::High),
        _ => None,
    }
}

/// A priority's number in BILLmanager and Bangwo8 (1 low … 4 urgent).
pub fn priority_number(p: Priority) -> u8 {
    match p {
        Priority::Low => 1,
        Priority::Normal => 2,
        Priority::High => 3,
        Priority::Urgent => 4,
    }
}

/// A priority from its number (1 to 4).
pub fn priority_from_number(n: &str) -> Option<Priority> {
    match n.trim() {
        "1" => Some(Priority::Low),
        "2" => Some(Priority::Normal),
        "3" => Some(Priority::High),
        "4" => Some(Priority::Urgent),
        _ => None,
    }
}

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

/// `Y-m-d H:i:s` (WHMCS, BILLmanager, Bangwo8) in the time zone.
pub fn ymd_his(t: Timestamp, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S").to_string()
}

/// `d-m-y H:i:s` (the hosting REST API of seed 002) in the time zone.
pub fn dmy_his(t: Timestamp, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%d-%m-%y %H:%M:%S").to_string()
}

/// An optional time as `Y-m-d H:i:s`, or `""`.
pub fn ymd_his_or_empty(t: Option<Timestamp>, tz: chrono_tz::Tz) -> String {
    t.map(|t| ymd_his(t, tz)).unwrap_or_default()
}

/// Parses `Y-m-d H:i:s` or `Y-m-d` in the time zone (a day means its first
/// second); `None` when it is neither or does not exist there.
pub fn parse_local(text: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone};
    let text = text.trim();
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)))?;
    tz.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc))
}

// ---------------------------------------------------------------------------
// The caller
// ---------------------------------------------------------------------------

/// The peer's address (the server runs with connect info; tests too).
pub fn peer_ip(req_parts: &axum::http::Extensions) -> Option<IpAddr> {
    req_parts.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// The caller's language: `Accept-Language` when it names one we speak,
/// else `default`.
pub fn language(headers: &HeaderMap, default: Lang) -> Lang {
    headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Lang::negotiate).unwrap_or(default)
}

/// Why a dialect let nobody in, for it to answer in its own shape.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credentials, wrong ones, a revoked token or a disabled user.
    #[error("authentication failed")]
    Failed,
    /// Too many password attempts; try later.
    #[error("too many sign-in attempts; try again later")]
    TooMany,
    /// The credentials are right but the user may not use this dialect
    /// (a customer on an agents' API).
    #[error("this account may not use this API")]
    WrongRole,
    /// Something broke; the dialect answers its internal error.
    #[error(transparent)]
    Desk(DeskError),
}

/// An API token given as its two halves (WHMCS's `identifier` + `secret`,
/// Basic `identifier:secret`).
pub async fn token_pair(desk: &Desk, identifier: &str, secret: &str) -> Result<Actor, AuthError> {
    token(desk, &format!("{identifier}.{secret}")).await
}

/// An API token (`identifier.secret`).
pub async fn token(desk: &Desk, token: &str) -> Result<Actor, AuthError> {
    match desk.authenticate_token(token.trim()).await {
        Ok(a) => Ok(a),
        Err(DeskError::Unauthenticated) => Err(AuthError::Failed),
        Err(e) => Err(AuthError::Desk(e)),
    }
}

/// An e-mail and password, under the same limits as the web sign-in.
pub async fn password(desk: &Desk, email: &str, password: &str, peer: Option<IpAddr>) -> Result<Actor, AuthError> {
    let address = peer.map_or_else(|| "unknown".to_string(), |ip| ip.to_string());
    match desk.sign_in(email, password, &address).await {
        Ok(a) => Ok(a),
        Err(SignInError::Failed) => Err(AuthError::Failed),
        Err(SignInError::TooMany { .. }) => Err(AuthError::TooMany),
        Err(SignInError::Desk(e)) => Err(AuthError::Desk(e)),
    }
}

/// Staff only (WHMCS and Bangwo8 are agents' APIs).
pub fn staff(actor: Actor) -> Result<Actor, AuthError> {
    if actor.is_staff() { Ok(actor) } else { Err(AuthError::WrongRole) }
}

// ---------------------------------------------------------------------------
// The request log
// ---------------------------------------------------------------------------

/// The dialect's name for what a request did (`GetTickets`,
/// `clientticket.edit`), put into the response's extensions by the handler
/// for the log line. Never holds parameters.
#[derive(Debug, Clone)]
pub struct Action(pub String);

/// Logs one line per dialect request: dialect, action, status and latency
/// (never parameters: they hold passwords and personal data).
pub async fn request_log(State(dialect): State<Dialect>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let resp = next.run(req).await;
    let action = resp.extensions().get::<Action>().map_or("-", |a| a.0.as_str()).to_string();
    let status = resp.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status >= 500 {
        tracing::error!(dialect = dialect.as_str(), action, status, ms, "compat request");
    } else {
        tracing::info!(dialect = dialect.as_str(), action, status, ms, "compat request");
    }
    resp
}

/// Marks a response with the action for the log.
pub fn with_action(mut resp: Response, action: impl Into<String>) -> Response {
    resp.extensions_mut().insert(Action(action.into()));
    resp
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn custom_statuses_map_through_their_category() {
        let k = |s: &str| StatusKey(s.into());
        assert_eq!(row_of(&k("answered"), StatusCategory::Pending), StatusRow::Answered);
        assert_eq!(row_of(&k("waiting_on_vendor"), StatusCategory::Hold), StatusRow::OnHold);
        assert_eq!(row_of(&k("escalated"), StatusCategory::Open), StatusRow::Open);
        assert_eq!(row_of(&k("awaiting_parts"), StatusCategory::Pending), StatusRow::Answered);
    }

    #[test]
    fn priorities_round_trip_where_the_other_side_can_say_them() {
        for p in Priority::ALL {
            assert_eq!(priority_from_number(&priority_number(p).to_string()), Some(p));
        }
        assert_eq!(priority_from_whmcs(whmcs_priority(Priority::Urgent)), Some(Priority::High));
        assert_eq!(priority_from_whmcs("MEDIUM"), Some(Priority::Normal));
        assert_eq!(priority_from_whmcs("Critical"), None);
    }

    #[test]
    fn dates_are_written_and_read_in_the_time_zone() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T07:05:09Z").unwrap().with_timezone(&Utc);
        let ist: chrono_tz::Tz = "Europe/Istanbul".parse().unwrap();
        assert_eq!(ymd_his(t, ist), "2026-11-23 10:05:09");
        assert_eq!(dmy_his(t, ist), "23-11-26 10:05:09");
        assert_eq!(parse_local("2026-11-23 10:05:09", ist), Some(t));
        assert_eq!(parse_local("2026-11-23", chrono_tz::UTC).unwrap().to_rfc3339(), "2026-11-23T00:00:00+00:00");
        assert_eq!(parse_local("23/11/2026", ist), None);
    }
}
