//! Where integrations may connect: the classifier of special-purpose
//! addresses, the policy built on it, and the one resolution of a host
//! whose every answer is checked.
//!
//! The HTTP client (`tessera-hooks`) hands its HTTP library only addresses
//! that came out of [`resolve_checked`], so the address checked is the
//! address connected to: a name cannot answer a public address to the check
//! and an internal one to the connection (DNS rebinding). The name lookup
//! behind it is a [`NameLookup`], the system resolver unless a test brings
//! its own.

use async_trait::async_trait;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A block of IANA's special-purpose address registries (or of the IPv6
/// address space outside global unicast) that an address was found in;
/// shown in the errors of refused URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialBlock {
    /// The block's first address.
    pub prefix: IpAddr,
    /// The block's prefix length.
    pub len: u8,
    /// What the block is, e.g. `link-local`.
    pub name: &'static str,
}

impl fmt::Display for SpecialBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}/{})", self.name, self.prefix, self.len)
    }
}

/// IPv4 special-purpose blocks (see [`special_purpose`] for why each is refused).
const V4: &[(Ipv4Addr, u8, &str)] = &[
    (Ipv4Addr::new(0, 0, 0, 0), 8, "\"this network\""),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private-use"),
    (Ipv4Addr::new(100, 64, 0, 0), 10, "shared address space (carrier-grade NAT)"),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback"),
    (Ipv4Addr::new(169, 254, 0, 0), 16, "link-local (cloud metadata)"),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private-use"),
    (Ipv4Addr::new(192, 0, 0, 0), 24, "IETF protocol assignments"),
    (Ipv4Addr::new(192, 0, 2, 0), 24, "documentation (TEST-NET-1)"),
    (Ipv4Addr::new(192, 88, 99, 0), 24, "6to4 relay anycast (deprecated)"),
    (Ipv4Addr::new(192, 168, 0, 0), 16, "private-use"),
    (Ipv4Addr::new(198, 18, 0, 0), 15, "benchmarking"),
    (Ipv4Addr::new(198, 51, 100, 0), 24, "documentation (TEST-NET-2)"),
    (Ipv4Addr::new(203, 0, 113, 0), 24, "documentation (TEST-NET-3)"),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved"),
    (Ipv4Addr::new(255, 255, 255, 255), 32, "limited broadcast"),
];

/// IPv6 special-purpose blocks (see [`special_purpose`] for why each is refused).
const V6: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 128, "unspecified"),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 1), 128, "loopback"),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96, "IPv4-compatible (deprecated)"),
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96, "IPv4-mapped"),
    (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96, "NAT64"),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "local-use NAT64"),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "discard-only"),
    (Ipv6Addr::new(0x100, 0, 0, 1, 0, 0, 0, 0), 64, "dummy prefix"),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, "IETF protocol assignments"),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, "Teredo"),
    (Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0), 48, "benchmarking"),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "documentation"),
    (Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16, "6to4"),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, "documentation"),
    (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16, "segment routing (SRv6) SIDs"),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "unique-local"),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local"),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "site-local (deprecated)"),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast"),
];

/// IPv6 global unicast, outside which nothing is reached.
const GLOBAL_UNICAST: (Ipv6Addr, u8) = (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3);

fn mask(bits: u32, len: u8) -> u128 {
    // The top `len` of `bits` bits set.
    let ones = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    ones >> (128 - bits)
}

fn within(addr: u128, prefix: u128, len: u8, bits: u32) -> bool {
    let m = mask(bits, len);
    addr & m == prefix & m
}

/// The special-purpose block `ip` is in (the most specific one), or `None`
/// for an ordinary, globally reachable address: the classifier behind
/// every check of an integration's address. No integration reaches an
/// address in any of these blocks unless `[hooks] allow_internal_targets`
/// is on.
///
/// **IPv4**: IANA's IPv4 Special-Purpose Address Registry, less the blocks it
/// marks globally reachable (AS112 192.31.196.0/24 and 192.175.48.0/24, AMT
/// 192.52.193.0/24: public services, harmless to call), plus multicast
/// (224.0.0.0/4, its own registry). Why each is refused:
///
/// - the machine and its networks, the point of server-side request
///   forgery: loopback, private-use, shared address space (carrier-grade NAT,
///   also where some clouds put metadata: Alibaba's 100.100.100.200),
///   link-local (169.254.169.254 is the metadata service of most clouds),
///   benchmarking (lab networks, proxies' fake-IP ranges);
/// - no host to call at all: "this network" (0.0.0.0 reaches the machine
///   itself on Linux), documentation, reserved 240.0.0.0/4, limited
///   broadcast, multicast;
/// - IETF protocol assignments (192.0.0.0/24: DS-Lite, NAT64 discovery,
///   PCP and TURN anycast) and the deprecated 6to4 relay anycast: protocol
///   machinery, not receivers of webhooks, and relays forward elsewhere.
///
/// **IPv6**: IANA's IPv6 Special-Purpose Address Registry, its IPv6 address
/// space (unique-local, link-local, the deprecated site-local, multicast),
/// and everything outside global unicast 2000::/3 (nothing there
/// is routed today). Why each is refused:
///
/// - the machine and its networks: loopback, unique-local (AWS answers
///   metadata at fd00:ec2::254), link-local, site-local;
/// - addresses that carry an IPv4 address, so the IPv6 address says nothing
///   about where the connection ends: IPv4-mapped (::ffff:169.254.169.254
///   is the metadata service again), IPv4-compatible (deprecated),
///   NAT64 64:ff9b::/96 and the local-use 64:ff9b:1::/48 (a translator
///   connects to the embedded address, or to whatever it was told), 6to4
///   2002::/16 and Teredo 2001::/32 (relays reach the embedded addresses).
///   They are refused whatever they carry: an integration gives its IPv4
///   address as such. The cost: on an IPv6-only host behind DNS64, IPv4-only
///   receivers are refused too;
/// - no host to call: unspecified, discard-only, the dummy prefix,
///   documentation (2001:db8::/32 and 3fff::/20), segment-routing SIDs,
///   multicast;
/// - the rest of the IETF protocol assignments 2001::/23 (benchmarking,
///   ORCHID, PCP/TURN/DNS-SD anycast, AMT, AS112): protocol machinery.
pub fn special_purpose(ip: IpAddr) -> Option<SpecialBlock> {
    match ip {
        IpAddr::V4(v4) => V4
            .iter()
            .filter(|(p, len, _)| within(u128::from(v4.to_bits()), u128::from(p.to_bits()), *len, 32))
            .max_by_key(|(_, len, _)| *len)
            .map(|(p, len, name)| SpecialBlock { prefix: IpAddr::V4(*p), len: *len, name }),
        IpAddr::V6(v6) => {
            let bits = v6.to_bits();
            let found = V6
                .iter()
                .filter(|(p, len, _)| within(bits, p.to_bits(), *len, 128))
                .max_by_key(|(_, len, _)| *len)
                .map(|(p, len, name)| SpecialBlock { prefix: IpAddr::V6(*p), len: *len, name });
            let (global, global_len) = GLOBAL_UNICAST;
            found.or_else(|| {
                (!within(bits, global.to_bits(), global_len, 128)).then_some(SpecialBlock {
                    prefix: IpAddr::V6(global),
                    len: global_len,
                    name: "outside global unicast",
                })
            })
        }
    }
}

/// Whether an address is one a hook must not reach unless
/// `[hooks] allow_internal_targets` is on: any special-purpose address
/// (see [`special_purpose`]).
pub fn is_internal(ip: IpAddr) -> bool {
    special_purpose(ip).is_some()
}

/// Decides which addresses integrations may connect to. The desk and the
/// HTTP client use [`SpecialPurposePolicy`]; a test can bring its own (say,
/// one loopback address plays a public one and another the metadata
/// service).
pub trait AddressPolicy: Send + Sync {
    /// `Err(why)` when `ip` may not be reached; `why` reads after the
    /// address ("127.0.0.1: loopback (127.0.0.0/8), …").
    fn check(&self, ip: IpAddr) -> Result<(), String>;
}

/// The policy of `[hooks] allow_internal_targets`: off, only addresses
/// outside every special-purpose block (see [`special_purpose`]); on,
/// anything (integrations running next to Tessera, and the tests' loopback
/// receivers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SpecialPurposePolicy {
    /// Whether special-purpose addresses may be reached.
    pub allow_internal: bool,
}

impl AddressPolicy for SpecialPurposePolicy {
    fn check(&self, ip: IpAddr) -> Result<(), String> {
        match special_purpose(ip) {
            Some(block) if !self.allow_internal => Err(format!(
                "{block}, which integrations may not reach; set [hooks] allow_internal_targets to allow it"
            )),
            _ => Ok(()),
        }
    }
}

/// Looks a host name up: the one step of resolving that the system does
/// for us, behind a trait so tests can answer names of their own (and
/// never ask a real resolver).
#[async_trait]
pub trait NameLookup: Send + Sync {
    /// The addresses of `host` (a name, not an IP literal).
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>>;
}

/// The system resolver (`getaddrinfo`, on a blocking thread).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemLookup;

#[async_trait]
impl NameLookup for SystemLookup {
    async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        Ok(tokio::net::lookup_host((host, 0)).await?.map(|a| a.ip()).collect())
    }
}

/// Why an integration's URL may not be called.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    /// The URL is malformed or not http(s).
    #[error("{0}")]
    Url(String),
    /// The host's name could not be looked up.
    #[error("the host {host} cannot be resolved: {reason}")]
    Unresolved {
        /// The host.
        host: String,
        /// What the resolver said.
        reason: String,
    },
    /// The host's name has no address.
    #[error("the host {host} has no address")]
    NoAddress {
        /// The host.
        host: String,
    },
    /// The host is, or its name answered, an address the policy refuses;
    /// nothing was sent to it.
    #[error("{}", refused_text(host, *ip, why))]
    Refused {
        /// The host as written in the URL.
        host: String,
        /// The refused address.
        ip: IpAddr,
        /// The policy's reason.
        why: String,
    },
}

fn refused_text(host: &str, ip: IpAddr, why: &str) -> String {
    let literal = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().ok() == Some(ip);
    if literal { format!("{ip} is {why}") } else { format!("{host} leads to {ip}: {why}") }
}

/// Resolves `host` once (an IP literal is not looked up) and checks every
/// address with `policy`; answers the addresses only when all pass, so the
/// caller connects to an address that was checked and to no other. A name
/// answering one refused address among others is refused whole.
pub async fn resolve_checked(
    host: &str,
    lookup: &dyn NameLookup,
    policy: &dyn AddressPolicy,
) -> Result<Vec<IpAddr>, TargetError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let mut ips = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => lookup
            .lookup(host)
            .await
            .map_err(|e| TargetError::Unresolved { host: host.to_string(), reason: e.to_string() })?,
    };
    ips.sort();
    ips.dedup();
    if ips.is_empty() {
        return Err(TargetError::NoAddress { host: host.to_string() });
    }
    for ip in &ips {
        policy.check(*ip).map_err(|why| TargetError::Refused { host: host.to_string(), ip: *ip, why })?;
    }
    Ok(ips)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    /// Addresses and the block they are refused as (`None`: reachable).
    /// Boundaries sit on both sides of each block.
    const TABLE: &[(&str, Option<&str>)] = &[
        // IPv4: ordinary addresses.
        ("93.184.216.34", None),
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("223.255.255.255", None),
        ("192.31.196.1", None), // AS112: globally reachable
        ("192.52.193.1", None), // AMT: globally reachable
        ("192.175.48.1", None), // AS112: globally reachable
        // IPv4 special purpose.
        ("0.0.0.0", Some("\"this network\" (0.0.0.0/8)")),
        ("0.255.255.255", Some("\"this network\" (0.0.0.0/8)")),
        ("1.0.0.0", None),
        ("9.255.255.255", None),
        ("10.0.0.0", Some("private-use (10.0.0.0/8)")),
        ("10.255.255.255", Some("private-use (10.0.0.0/8)")),
        ("11.0.0.0", None),
        ("100.63.255.255", None),
        ("100.64.0.0", Some("shared address space (carrier-grade NAT) (100.64.0.0/10)")),
        ("100.100.100.200", Some("shared address space (carrier-grade NAT) (100.64.0.0/10)")),
        ("100.127.255.255", Some("shared address space (carrier-grade NAT) (100.64.0.0/10)")),
        ("100.128.0.0", None),
        ("127.0.0.1", Some("loopback (127.0.0.0/8)")),
        ("127.255.255.254", Some("loopback (127.0.0.0/8)")),
        ("169.254.169.254", Some("link-local (cloud metadata) (169.254.0.0/16)")),
        ("169.253.255.255", None),
        ("169.255.0.0", None),
        ("172.15.255.255", None),
        ("172.16.0.1", Some("private-use (172.16.0.0/12)")),
        ("172.31.255.255", Some("private-use (172.16.0.0/12)")),
        ("172.32.0.0", None),
        ("192.0.0.1", Some("IETF protocol assignments (192.0.0.0/24)")),
        ("192.0.0.170", Some("IETF protocol assignments (192.0.0.0/24)")),
        ("192.0.1.1", None),
        ("192.0.2.1", Some("documentation (TEST-NET-1) (192.0.2.0/24)")),
        ("192.88.99.1", Some("6to4 relay anycast (deprecated) (192.88.99.0/24)")),
        ("192.167.255.255", None),
        ("192.168.1.1", Some("private-use (192.168.0.0/16)")),
        ("192.169.0.0", None),
        ("198.17.255.255", None),
        ("198.18.0.1", Some("benchmarking (198.18.0.0/15)")),
        ("198.19.255.255", Some("benchmarking (198.18.0.0/15)")),
        ("198.20.0.0", None),
        ("198.51.100.7", Some("documentation (TEST-NET-2) (198.51.100.0/24)")),
        ("203.0.113.7", Some("documentation (TEST-NET-3) (203.0.113.0/24)")),
        ("224.0.0.1", Some("multicast (224.0.0.0/4)")),
        ("239.255.255.255", Some("multicast (224.0.0.0/4)")),
        ("240.0.0.1", Some("reserved (240.0.0.0/4)")),
        ("255.255.255.254", Some("reserved (240.0.0.0/4)")),
        ("255.255.255.255", Some("limited broadcast (255.255.255.255/32)")),
        // IPv6: ordinary addresses.
        ("2606:4700::1111", None),
        ("2001:4860:4860::8888", None),
        ("2001:200::1", None),
        ("2620:4f:8000::1", None), // AS112: globally reachable
        ("3ffe::1", None),
        ("2a00:1450:4001::1", None),
        // IPv6 special purpose.
        ("::", Some("unspecified (::/128)")),
        ("::1", Some("loopback (::1/128)")),
        ("::2", Some("IPv4-compatible (deprecated) (::/96)")),
        ("::a9fe:a9fe", Some("IPv4-compatible (deprecated) (::/96)")),
        ("::808:808", Some("IPv4-compatible (deprecated) (::/96)")),
        ("::ffff:127.0.0.1", Some("IPv4-mapped (::ffff:0.0.0.0/96)")),
        ("::ffff:169.254.169.254", Some("IPv4-mapped (::ffff:0.0.0.0/96)")),
        ("::ffff:8.8.8.8", Some("IPv4-mapped (::ffff:0.0.0.0/96)")),
        ("64:ff9b::a9fe:a9fe", Some("NAT64 (64:ff9b::/96)")),
        ("64:ff9b::808:808", Some("NAT64 (64:ff9b::/96)")),
        ("64:ff9b:1::a9fe:a9fe", Some("local-use NAT64 (64:ff9b:1::/48)")),
        ("100::1", Some("discard-only (100::/64)")),
        ("100:0:0:1::1", Some("dummy prefix (100:0:0:1::/64)")),
        ("2001::a9fe:a9fe", Some("Teredo (2001::/32)")),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Some("Teredo (2001::/32)")),
        ("2001:1::1", Some("IETF protocol assignments (2001::/23)")),
        ("2001:2::1", Some("benchmarking (2001:2::/48)")),
        ("2001:20::1", Some("IETF protocol assignments (2001::/23)")),
        ("2001:1ff:ffff::1", Some("IETF protocol assignments (2001::/23)")),
        ("2001:db8::1", Some("documentation (2001:db8::/32)")),
        ("2002:a9fe:a9fe::1", Some("6to4 (2002::/16)")),
        ("2002:808:808::1", Some("6to4 (2002::/16)")),
        ("3fff::1", Some("documentation (3fff::/20)")),
        ("5f00::1", Some("segment routing (SRv6) SIDs (5f00::/16)")),
        ("fc00::1", Some("unique-local (fc00::/7)")),
        ("fd00:ec2::254", Some("unique-local (fc00::/7)")),
        ("fe80::1", Some("link-local (fe80::/10)")),
        ("febf::1", Some("link-local (fe80::/10)")),
        ("fec0::1", Some("site-local (deprecated) (fec0::/10)")),
        ("ff02::1", Some("multicast (ff00::/8)")),
        ("1::1", Some("outside global unicast (2000::/3)")),
        ("4000::1", Some("outside global unicast (2000::/3)")),
        ("e000::1", Some("outside global unicast (2000::/3)")),
        ("fe00::1", Some("outside global unicast (2000::/3)")),
    ];

    #[test]
    fn the_classifier_knows_the_special_purpose_registries() {
        let mut wrong = Vec::new();
        for (addr, want) in TABLE {
            let got = special_purpose(ip(addr)).map(|b| b.to_string());
            if got.as_deref() != *want {
                wrong.push(format!("{addr}: {got:?}, expected {want:?}"));
            }
            assert_eq!(is_internal(ip(addr)), want.is_some(), "{addr}");
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn the_policy_refuses_special_purpose_addresses_unless_allowed() {
        let strict = SpecialPurposePolicy { allow_internal: false };
        let open = SpecialPurposePolicy { allow_internal: true };
        let why = strict.check(ip("169.254.169.254")).unwrap_err();
        assert!(why.contains("link-local") && why.contains("allow_internal_targets"), "{why}");
        assert!(strict.check(ip("93.184.216.34")).is_ok());
        for (addr, _) in TABLE {
            assert!(open.check(ip(addr)).is_ok(), "{addr}");
        }
    }

    /// Answers from a list, recording what was asked.
    struct Fixed {
        answer: std::io::Result<Vec<&'static str>>,
        asked: Mutex<Vec<String>>,
    }

    impl Fixed {
        fn new(answer: std::io::Result<Vec<&'static str>>) -> Self {
            Self { answer, asked: Mutex::new(Vec::new()) }
        }
        fn asked(&self) -> Vec<String> {
            self.asked.lock().unwrap().clone()
        }
    }

    #[async_trait]
    impl NameLookup for Fixed {
        async fn lookup(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
            self.asked.lock().unwrap().push(host.to_string());
            match &self.answer {
                Ok(a) => Ok(a.iter().map(|s| ip(s)).collect()),
                Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
            }
        }
    }

    #[tokio::test]
    async fn a_name_is_looked_up_once_and_every_answer_checked() {
        let strict = SpecialPurposePolicy { allow_internal: false };
        // A name answering a public address beside the metadata service is refused whole.
        let two = Fixed::new(Ok(vec!["93.184.216.34", "169.254.169.254"]));
        let err = resolve_checked("hooks.example.test", &two, &strict).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "hooks.example.test leads to 169.254.169.254: link-local (cloud metadata) (169.254.0.0/16), \
             which integrations may not reach; set [hooks] allow_internal_targets to allow it"
        );
        assert_eq!(two.asked(), ["hooks.example.test"], "one lookup");
        // Public answers come back, each once.
        let public = Fixed::new(Ok(vec!["93.184.216.34", "2606:4700::1111", "93.184.216.34"]));
        let ips = resolve_checked("hooks.example.test", &public, &strict).await.unwrap();
        assert_eq!(ips, [ip("93.184.216.34"), ip("2606:4700::1111")]);
        // Literals are not looked up.
        let never = Fixed::new(Ok(vec![]));
        let err = resolve_checked("[::ffff:169.254.169.254]", &never, &strict).await.unwrap_err();
        assert!(err.to_string().starts_with("::ffff:169.254.169.254 is IPv4-mapped"), "{err}");
        assert!(never.asked().is_empty());
        // No answer, or a failing lookup, is an error too.
        assert_eq!(
            resolve_checked("empty.test", &never, &strict).await.unwrap_err(),
            TargetError::NoAddress { host: "empty.test".into() }
        );
        let failing = Fixed::new(Err(std::io::Error::other("no such name")));
        let err = resolve_checked("gone.test", &failing, &strict).await.unwrap_err();
        assert_eq!(err.to_string(), "the host gone.test cannot be resolved: no such name");
    }
}
