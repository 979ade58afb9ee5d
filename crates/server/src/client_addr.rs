//! Which address a request comes from, for the per-address limits (registrations, failed
//! sign-ins, connections).
//!
//! Behind a reverse proxy or load balancer every connection comes from the proxy, so the limits
//! would count the whole world as one client. `CALLBRIEF_TRUSTED_PROXIES` names the proxies (as
//! CIDRs); only for a connection from one of them are `Forwarded` (RFC 7239) or, without it,
//! `X-Forwarded-For` read, from the right: the client is the nearest address that is not a
//! trusted proxy. A header from anyone else is ignored, so a client cannot choose its own
//! address. On AWS Lambda the entry point sets the address from the request context.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The address the request's client is at, as [`resolve`] (or a host's entry point) found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl ClientAddr {
    /// The client address of a request, when one is known.
    pub fn of(request: &Request) -> Option<IpAddr> {
        request.extensions().get::<ClientAddr>().map(|c| c.0)
    }
}

/// The proxies whose forwarding headers are believed (`CALLBRIEF_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// The proxies in `nets`.
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(nets.into())
    }

    /// Parses one entry of `CALLBRIEF_TRUSTED_PROXIES`: a CIDR (`10.0.0.0/8`) or one address.
    pub fn parse_entry(raw: &str) -> Result<IpNet, String> {
        let raw = raw.trim();
        raw.parse::<IpNet>()
            .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
            .map_err(|_| format!("{raw:?} is not an IP address or CIDR (e.g. 10.0.0.0/8)"))
    }

    /// Whether `ip` is one of the proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind a connection from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let mut hops = forwarded_for(headers);
        let mut client = peer;
        while let Some(hop) = hops.pop() {
            match hop {
                Some(ip) if self.contains(ip) => client = ip,
                Some(ip) => return ip,
                // An address a proxy hid or mangled: the last one known stands for the client.
                None => return client,
            }
        }
        client
    }
}

/// IPv4-mapped IPv6 addresses (what a dual-stack listener reports) as the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The forwarding chain, nearest last: `Forwarded`'s `for=` values when the header is there,
/// else `X-Forwarded-For`'s. `None` stands for an entry that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let forwarded = values("forwarded");
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(name, _)| name.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| address(value))
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .map(|v| address(v))
        .collect()
}

/// An address as the headers write it: `1.2.3.4`, `1.2.3.4:567`, `2001:db8::1`,
/// `"[2001:db8::1]:567"`.
fn address(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim().trim_matches('"');
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            raw.strip_prefix('[')
                .and_then(|r| r.split_once(']'))
                .and_then(|(ip, _)| ip.parse().ok())
        })
        .map(canonical)
}

/// Middleware: stores the request's [`ClientAddr`] from the connection's peer and, for a
/// trusted proxy, its forwarding headers. An address a host's entry point already set stays.
pub async fn resolve(
    State(proxies): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.extensions().get::<ClientAddr>().is_none() {
        let peer = request
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        if let Some(peer) = peer {
            let client = proxies.client(peer, request.headers());
            request.extensions_mut().insert(ClientAddr(client));
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            nets.iter()
                .map(|n| TrustedProxies::parse_entry(n).unwrap())
                .collect(),
        )
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn headers_from_anyone_but_a_trusted_proxy_are_ignored() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let spoofed = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(
            trusted.client(ip("203.0.113.9"), &spoofed),
            ip("203.0.113.9")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.1"), &spoofed),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "192.0.2.1"]);
        // The client put a fake address first; the proxies appended what they saw.
        let chain = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7, 192.0.2.1")]);
        assert_eq!(trusted.client(ip("10.1.2.3"), &chain), ip("198.51.100.7"));
        let split = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "198.51.100.7:5555"),
        ]);
        assert_eq!(trusted.client(ip("10.1.2.3"), &split), ip("198.51.100.7"));
        // Only proxies in the chain: the farthest one is as close as it gets.
        let inner = headers(&[("x-forwarded-for", "10.9.9.9")]);
        assert_eq!(trusted.client(ip("10.1.2.3"), &inner), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(
            trusted.client(ip("10.1.2.3"), &HeaderMap::new()),
            ip("10.1.2.3")
        );
    }

    #[test]
    fn forwarded_wins_over_x_forwarded_for_and_its_forms_are_read() {
        let trusted = proxies(&["10.0.0.0/8"]);
        let both = headers(&[
            (
                "forwarded",
                r#"for=1.1.1.1, for="[2001:db8:cafe::17]:4711";proto=https"#,
            ),
            ("x-forwarded-for", "198.51.100.7"),
        ]);
        assert_eq!(
            trusted.client(ip("10.0.0.2"), &both),
            ip("2001:db8:cafe::17")
        );
        let hidden = headers(&[("forwarded", "for=198.51.100.7, for=_hidden")]);
        assert_eq!(trusted.client(ip("10.0.0.2"), &hidden), ip("10.0.0.2"));
    }

    #[test]
    fn mapped_addresses_count_as_their_ipv4_and_entries_are_checked() {
        let trusted = proxies(&["127.0.0.1"]);
        assert!(trusted.contains(ip("::ffff:127.0.0.1")));
        assert!(TrustedProxies::parse_entry("2001:db8::/32").is_ok());
        assert!(TrustedProxies::parse_entry("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse_entry("proxy.internal").is_err());
    }
}
