//! `callbrief probe`: asks a running server's `/readyz` (or another path) and exits 0 when it
//! answers 200. Container images without a shell or curl (distroless) run it as their
//! `HEALTHCHECK`; it reads the same `CALLBRIEF_ADDR` as `serve`, so it finds the server in the
//! same container without more settings.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use server::config::DEFAULT_ADDR;

/// Longest wait for the answer: container health checks usually allow 3 s or more.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `callbrief probe`.
#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The server's listen address, as `serve` reads it; an unspecified address (0.0.0.0, ::)
    /// is reached on loopback.
    #[arg(long, env = "CALLBRIEF_ADDR", default_value = DEFAULT_ADDR)]
    pub addr: SocketAddr,

    /// The path to ask: /readyz (ready to work) or /healthz (alive).
    #[arg(long, default_value = "/readyz")]
    pub path: String,
}

impl ProbeArgs {
    /// The URL the probe asks.
    pub fn url(&self) -> String {
        let mut addr = self.addr;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
                IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
            });
        }
        let path = self.path.trim_start_matches('/');
        format!("http://{addr}/{path}")
    }

    /// Asks once; `Ok` with the status line for a 200, an error naming the status otherwise.
    pub async fn run(&self) -> anyhow::Result<String> {
        let url = self.url();
        let client = reqwest::Client::builder()
            .timeout(PROBE_TIMEOUT)
            .build()
            .context("could not build the HTTP client")?;
        let response = client
            .get(&url)
            .send()
            .await
            .with_context(|| format!("no answer from {url}"))?;
        let status = response.status();
        if status.is_success() {
            Ok(format!("{url}: {status}"))
        } else {
            anyhow::bail!("{url} answered {status}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_addresses_are_probed_on_loopback() {
        let probe = |addr: &str, path: &str| ProbeArgs {
            addr: addr.parse().unwrap(),
            path: path.to_owned(),
        };
        assert_eq!(
            probe("0.0.0.0:8080", "/readyz").url(),
            "http://127.0.0.1:8080/readyz"
        );
        assert_eq!(
            probe("[::]:8080", "healthz").url(),
            "http://[::1]:8080/healthz"
        );
        assert_eq!(
            probe("10.1.2.3:80", "/readyz").url(),
            "http://10.1.2.3:80/readyz"
        );
    }
}
