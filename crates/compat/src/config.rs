//! The compat dialects' settings: which are on, the time zone their dates
//! are written in, the language of their messages, WHMCS's allow-list.

use std::collections::BTreeSet;
use std::net::IpAddr;
use tessera_core::lang::Lang;

/// A compat dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    /// The WHMCS API (`/compat/whmcs/includes/api.php`).
    Whmcs,
    /// BILLmanager's `clientticket` functions (`/compat/billmanager/billmgr`).
    Billmanager,
    /// The hosting provider REST API of seed 002 (`/compat/hostapi/v1/…`).
    Hostapi,
    /// Bangwo8's ticket views (`/compat/bangwo8/api/v1/…`).
    Bangwo8,
}

impl Dialect {
    /// Every dialect.
    pub const ALL: [Dialect; 4] = [Dialect::Whmcs, Dialect::Billmanager, Dialect::Hostapi, Dialect::Bangwo8];

    /// The name used in the configuration, the path and the logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Whmcs => "whmcs",
            Self::Billmanager => "billmanager",
            Self::Hostapi => "hostapi",
            Self::Bangwo8 => "bangwo8",
        }
    }

    /// Parses a configured name (case-insensitive).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// How the dialects behave.
#[derive(Debug, Clone, PartialEq)]
pub struct CompatConfig {
    /// The dialects that are on (`[compat] enable`, `TESSERA_COMPAT`).
    pub enabled: BTreeSet<Dialect>,
    /// The time zone dates are written in (`[server] timezone`, default UTC).
    pub timezone: chrono_tz::Tz,
    /// The language of messages when the caller asks for none
    /// (`[server] language`, default English).
    pub language: Lang,
    /// The public base URL, for links in answers (attachment downloads,
    /// view URLs); `None`: links are built from the request's `Host`.
    pub public_url: Option<String>,
    /// The largest request body a dialect reads (form bodies carry base64
    /// attachments, so the server sets it above one attachment's size).
    pub max_body_bytes: usize,
    /// WHMCS callers allowed by address (`[compat.whmcs] allowed_ips`);
    /// empty: any address.
    pub whmcs_allowed_ips: Vec<IpAddr>,
}

impl Default for CompatConfig {
    fn default() -> Self {
        Self {
            enabled: BTreeSet::new(),
            timezone: chrono_tz::UTC,
            language: Lang::En,
            public_url: None,
            max_body_bytes: 1024 * 1024,
            whmcs_allowed_ips: Vec::new(),
        }
    }
}

impl CompatConfig {
    /// Whether a dialect is on.
    pub fn is_enabled(&self, d: Dialect) -> bool {
        self.enabled.contains(&d)
    }
}
