//! Which `Host` a request may name, on every route, when nothing else vouches for the caller.
//!
//! In Salesforce mode the OAuth discovery documents and `401` challenges name callbrief's own
//! URLs; without `CALLBRIEF_PUBLIC_URL` they are built from the request's `Host`, so a request
//! for `Host: evil.example.com` would point a client's token requests there. With
//! `--insecure-no-auth` a page on another site could reach a local server by pointing a DNS name
//! at 127.0.0.1 (DNS rebinding). In both cases only loopback names and the public URL's host are
//! answered; anything else is `403 unknown_host`. With API keys the keys protect every route,
//! and `/mcp` keeps its own check.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use url::Url;

use crate::error::ApiError;

/// The accepted host names (lower case, without port), shared by every request.
#[derive(Debug, Clone)]
pub struct KnownHosts(Arc<Vec<String>>);

impl KnownHosts {
    /// Loopback plus the host of `public_url`, as `/mcp` accepts.
    pub fn new(public_url: Option<&Url>) -> Self {
        Self(Arc::new(crate::mcp::hosts::allowed_hosts(public_url)))
    }

    /// Whether a `Host` header value (with or without a port) names one of the hosts.
    pub fn accepts(&self, host: &HeaderValue) -> bool {
        let Ok(host) = host.to_str() else {
            return false;
        };
        let Some(name) = host_name(host) else {
            return false;
        };
        self.0.iter().any(|known| known.eq_ignore_ascii_case(name))
    }
}

/// `example.com:8080` → `example.com`; `[::1]:80` → `::1`; anything that is not a plain
/// `host[:port]` → `None`.
fn host_name(host: &str) -> Option<&str> {
    if let Some(rest) = host.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        return (after.is_empty() || port_ok(after.strip_prefix(':')?)).then_some(name);
    }
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    if name.is_empty() || name.contains(':') || port.is_some_and(|p| !port_ok(p)) {
        return None;
    }
    Some(name)
}

fn port_ok(port: &str) -> bool {
    !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit())
}

/// Middleware: answers `403 unknown_host` unless the request's `Host` is a known one.
pub async fn require_known_host(
    State(hosts): State<KnownHosts>,
    request: Request,
    next: Next,
) -> Response {
    let accepted = request
        .headers()
        .get(header::HOST)
        .is_some_and(|host| hosts.accepts(host));
    if accepted {
        return next.run(request).await;
    }
    ApiError::new(
        StatusCode::FORBIDDEN,
        "unknown_host",
        "this server answers only to its own host name: set CALLBRIEF_PUBLIC_URL to the address \
         clients use",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(s: &str) -> HeaderValue {
        HeaderValue::from_str(s).unwrap()
    }

    #[test]
    fn loopback_and_the_public_host_with_any_port_are_known() {
        let public = Url::parse("https://callbrief.example.com").unwrap();
        let hosts = KnownHosts::new(Some(&public));
        for ok in [
            "127.0.0.1:8080",
            "localhost",
            "[::1]:3000",
            "callbrief.example.com",
            "CallBrief.Example.com:443",
        ] {
            assert!(hosts.accepts(&value(ok)), "{ok}");
        }
        for bad in [
            "evil.example.com",
            "callbrief.example.com.evil.net",
            "127.0.0.1:80:80",
            "localhost:http",
            "[::1]x",
            "",
            "user@localhost",
        ] {
            assert!(!hosts.accepts(&value(bad)), "{bad}");
        }
        assert!(!KnownHosts::new(None).accepts(&value("callbrief.example.com")));
    }
}
