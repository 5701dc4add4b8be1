//! The client's address, as the server judges it: the TCP peer, or, when
//! the peer is one of `[server] trusted_proxies`, the address the proxies
//! forwarded (`Forwarded`, else `X-Forwarded-For`), read from the right and
//! skipping trusted hops. Nothing else is ever believed: a header from a
//! peer that is not trusted is ignored, so a client cannot pick its own
//! address to escape the sign-in limits or an allow-list.
//!
//! The layer puts the judged address where every door reads the client's
//! address (`ConnectInfo<SocketAddr>`, with port 0 when it was forwarded),
//! so the sign-in limits, the WHMCS dialect's `allowed_ips` and the
//! messages' author addresses all see the same one.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

/// A network in CIDR notation (`10.0.0.0/8`, `::1/128`; a bare address is
/// a network of one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a network could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0:?} is not an address or a network such as 10.0.0.0/8 or ::1/128")]
pub struct BadNet(pub String);

impl FromStr for IpNet {
    type Err = BadNet;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadNet(s.to_string());
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (s.trim(), None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Self { addr: canonical(addr), prefix })
    }
}

impl std::fmt::Display for IpNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl IpNet {
    /// Whether `ip` is in this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:192.0.2.1`, as a dual-stack
/// socket reports IPv4 peers) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The proxies whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    /// Whether `ip` is a trusted proxy.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address for a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = forwarded_for(headers).or_else(|| x_forwarded_for(headers)).unwrap_or_default();
        // From the nearest hop outwards: the first that is not a trusted
        // proxy is the client. A hop that cannot be read stops the walk at
        // the proxy that wrote it.
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = canonical(*ip);
                    if !self.trusts(client) {
                        break;
                    }
                }
                None => break,
            }
        }
        client
    }
}

/// The `for=` values of `Forwarded` (RFC 7239), in order; `None` for a
/// hop that is obfuscated, `unknown` or malformed. `None` overall when the
/// header is absent.
fn forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    let mut any = false;
    for value in headers.get_all("forwarded") {
        any = true;
        let Ok(value) = value.to_str() else {
            hops.push(None);
            continue;
        };
        for element in value.split(',') {
            let node = element.split(';').find_map(|pair| {
                let (k, v) = pair.split_once('=')?;
                k.trim().eq_ignore_ascii_case("for").then(|| v.trim().trim_matches('"').to_string())
            });
            if let Some(node) = node {
                hops.push(parse_node(&node));
            }
        }
    }
    any.then_some(hops)
}

/// The entries of `X-Forwarded-For`, in order. `None` when absent.
fn x_forwarded_for(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let mut hops = Vec::new();
    let mut any = false;
    for value in headers.get_all("x-forwarded-for") {
        any = true;
        match value.to_str() {
            Ok(v) => hops.extend(v.split(',').map(|s| parse_node(s.trim()))),
            Err(_) => hops.push(None),
        }
    }
    any.then_some(hops)
}

/// An address with or without a port: `192.0.2.1`, `192.0.2.1:8080`,
/// `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:8080`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return inside.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    s.parse::<SocketAddr>().ok().map(|a| a.ip())
}

/// The layer: replaces the connection's address with the client's.
pub async fn client_address(State(trusted): State<Arc<TrustedProxies>>, mut req: Request, next: Next) -> Response {
    if !trusted.0.is_empty()
        && let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied()
    {
        let client = trusted.client(peer.ip(), req.headers());
        if client != canonical(peer.ip()) {
            req.extensions_mut().insert(ConnectInfo(SocketAddr::new(client, 0)));
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> TrustedProxies {
        TrustedProxies(list.iter().map(|s| s.parse().unwrap()).collect())
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_parse_and_contain() {
        let n: IpNet = "10.0.0.0/8".parse().unwrap();
        assert!(n.contains(ip("10.200.3.4")) && !n.contains(ip("11.0.0.1")));
        let one: IpNet = "192.0.2.7".parse().unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        assert!(one.contains(ip("::ffff:192.0.2.7")), "a mapped address is the IPv4 one");
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")) && !v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("10.0.0.1")));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        for bad in ["", "10.0.0.0/33", "::/129", "10.0.0/8", "example.com", "10.0.0.0/x"] {
            assert!(bad.parse::<IpNet>().is_err(), "{bad}");
        }
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let t = nets(&["127.0.0.1"]);
        let h = headers(&[("x-forwarded-for", "198.51.100.1"), ("forwarded", "for=198.51.100.2")]);
        assert_eq!(t.client(ip("203.0.113.5"), &h), ip("203.0.113.5"));
        assert_eq!(TrustedProxies::default().client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
    }

    #[test]
    fn the_client_is_the_first_untrusted_hop_from_the_right() {
        let t = nets(&["127.0.0.1", "10.0.0.0/8"]);
        // A client that sends its own X-Forwarded-For gets it ignored: nginx appends.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7, 10.1.2.3")]);
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("198.51.100.7"));
        // Several headers are one list.
        let h = headers(&[("x-forwarded-for", "1.1.1.1"), ("x-forwarded-for", "198.51.100.8:4711")]);
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("198.51.100.8"));
        // Every hop trusted: the farthest.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("10.9.9.9"));
        // Garbage stops at the proxy that wrote it.
        let h = headers(&[("x-forwarded-for", "198.51.100.1, not-an-address, 10.0.0.2")]);
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("10.0.0.2"));
        // No header: the peer.
        assert_eq!(t.client(ip("127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"));
    }

    #[test]
    fn forwarded_is_read_and_wins_over_x_forwarded_for() {
        let t = nets(&["127.0.0.1"]);
        let h = headers(&[
            ("forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43, For=\"[2001:db8:cafe::17]:4711\""),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("2001:db8:cafe::17"));
        let h = headers(&[("forwarded", "for=\"192.0.2.43:47011\"")]);
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("192.0.2.43"));
        // An obfuscated or unknown node stops the walk.
        let h = headers(&[("forwarded", "for=192.0.2.1, for=_hidden")]);
        assert_eq!(t.client(ip("127.0.0.1"), &h), ip("127.0.0.1"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(t.client(ip("::ffff:127.0.0.1"), &h), ip("127.0.0.1"));
    }
}
