//! Which `Host` and `Origin` headers `/mcp` accepts (DNS-rebinding protection).
//!
//! The MCP transport rejects requests for hosts it does not know, so a page on another site
//! cannot reach a locally running server by pointing a DNS name at 127.0.0.1. callbrief accepts
//! loopback (local use, tests, the demo) plus the host of `CALLBRIEF_PUBLIC_URL` (where ChatGPT
//! and Claude reach it). Browsers' `Origin` is held to the same list; server-to-server clients
//! send no `Origin` and are not affected.

use url::Url;

/// Loopback names every server answers to.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "::1"];
/// Loopback origins, on any port (local inspectors and desktop clients).
const LOOPBACK_ORIGINS: [&str; 3] = ["http://localhost:*", "http://127.0.0.1:*", "http://[::1]:*"];

/// Accepted `Host` values: loopback plus the public URL's host (any port, since a proxy in
/// front may or may not forward the port).
pub fn allowed_hosts(public_url: Option<&Url>) -> Vec<String> {
    let mut hosts: Vec<String> = LOOPBACK_HOSTS.iter().map(|h| (*h).to_owned()).collect();
    if let Some(host) = public_url.and_then(public_host) {
        if !hosts.contains(&host) {
            hosts.push(host);
        }
    }
    hosts
}

/// Accepted browser `Origin` values: loopback on any port plus the public URL's origin with its
/// explicit port (the transport matches a port-less entry loosely, which is deprecated).
pub fn allowed_origins(public_url: Option<&Url>) -> Vec<String> {
    let mut origins: Vec<String> = LOOPBACK_ORIGINS.iter().map(|o| (*o).to_owned()).collect();
    if let Some(url) = public_url {
        if let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) {
            origins.push(format!("{}://{host}:{port}", url.scheme()));
        }
    }
    origins
}

/// The host of the public URL as the transport compares it: lower case, IPv6 without brackets.
fn public_host(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    Some(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn loopback_only_without_a_public_url() {
        assert_eq!(allowed_hosts(None), ["localhost", "127.0.0.1", "::1"]);
        assert_eq!(allowed_origins(None).len(), 3);
    }

    #[test]
    fn the_public_host_is_added() {
        let public = url("https://CallBrief.Example.com/base/");
        assert_eq!(
            allowed_hosts(Some(&public)),
            ["localhost", "127.0.0.1", "::1", "callbrief.example.com"]
        );
        assert!(allowed_origins(Some(&public))
            .contains(&"https://callbrief.example.com:443".to_owned()));
    }

    #[test]
    fn explicit_ports_and_ipv6_hosts() {
        let public = url("http://[2001:db8::1]:8443");
        assert!(allowed_hosts(Some(&public)).contains(&"2001:db8::1".to_owned()));
        assert!(allowed_origins(Some(&public)).contains(&"http://[2001:db8::1]:8443".to_owned()));
    }

    #[test]
    fn a_loopback_public_url_is_not_listed_twice() {
        let hosts = allowed_hosts(Some(&url("http://localhost:8080")));
        assert_eq!(hosts.len(), 3);
    }
}
