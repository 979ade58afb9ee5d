//! How to reach Gong: base URL, credentials and the limits the client keeps.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// Credentials for Gong, in the three forms customers have them.
#[derive(Clone)]
pub enum GongAuth {
    /// An access key and its secret, sent as `Authorization: Basic base64(key:secret)`.
    Basic {
        /// The access key (not secret on its own; shown in debug output).
        access_key: String,
        /// The access key's secret.
        access_key_secret: SecretString,
    },
    /// The original middleware's `GONG_API_KEY`: the already base64-encoded `key:secret`, sent as `Basic <value>`.
    Encoded(SecretString),
    /// An OAuth access token, sent as `Authorization: Bearer <token>`.
    Bearer(SecretString),
}

impl std::fmt::Debug for GongAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print secrets, even in debug output.
        match self {
            GongAuth::Basic { access_key, .. } => f
                .debug_struct("Basic")
                .field("access_key", access_key)
                .finish_non_exhaustive(),
            GongAuth::Encoded(_) => f.write_str("Encoded(..)"),
            GongAuth::Bearer(_) => f.write_str("Bearer(..)"),
        }
    }
}

/// Default time budget of one logical operation: under ChatGPT's 45 s action limit, with room
/// for the server to answer.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);
/// Default time limit of one HTTP attempt: a stuck attempt is retried well inside the deadline.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default call ids per Gong request: the most Gong's transcript endpoint is comfortable with.
pub const DEFAULT_BATCH_SIZE: usize = 100;
/// Default process-wide ceiling on requests per second: Gong's default company limit.
pub const DEFAULT_REQUESTS_PER_SECOND: u32 = 3;
/// Default retries of one request: enough to ride out a burst of 429s inside the deadline.
pub const DEFAULT_MAX_RETRIES: u32 = 4;
/// Default first backoff between retries (doubled each time, with jitter).
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_millis(200);

/// Everything the client needs; every limit is a named setting with a documented default.
#[derive(Debug, Clone)]
pub struct GongConfig {
    /// Customer-specific base URL without `/v2` (e.g. `https://acme.api.gong.io`).
    pub base_url: Url,
    /// Credentials.
    pub auth: GongAuth,
    /// Overall time budget for one logical operation (all pages, batches and retries): 30 s,
    /// under ChatGPT's 45 s action limit.
    pub deadline: Duration,
    /// Time limit for a single HTTP attempt: 10 s.
    pub attempt_timeout: Duration,
    /// Call ids per Gong request: 100.
    pub batch_size: usize,
    /// Process-wide ceiling on requests per second to Gong: 3 (Gong's default company limit). 0 = unlimited.
    pub requests_per_second: u32,
    /// Retries of one request after a 429, 5xx, timeout or broken connection: 4.
    pub max_retries: u32,
    /// First backoff between retries (doubled each time, with jitter): 200 ms.
    pub initial_backoff: Duration,
}

impl GongConfig {
    /// Defaults for every limit; `base_url` accepts a trailing `/v2` (or `/v2/`) and drops it.
    pub fn new(base_url: &str, auth: GongAuth) -> Result<Self, crate::GongError> {
        Ok(Self {
            base_url: parse_base_url(base_url)?,
            auth,
            deadline: DEFAULT_DEADLINE,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            batch_size: DEFAULT_BATCH_SIZE,
            requests_per_second: DEFAULT_REQUESTS_PER_SECOND,
            max_retries: DEFAULT_MAX_RETRIES,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
        })
    }
}

/// Gong's default base URL, used when a customer has no specific one.
pub const DEFAULT_BASE_URL: &str = "https://api.gong.io";

/// Parses a Gong base URL, accepting and removing a trailing `/v2`.
///
/// Customers copy the URL from Gong's API page in several spellings (`https://x.api.gong.io`,
/// with a trailing `/`, with `/v2`); all of them mean the same host. The result always ends in `/`
/// so request paths (`v2/calls/...`) can be joined onto it, keeping any proxy path prefix.
/// Errors name the problem but never echo the URL, which could carry credentials.
pub fn parse_base_url(raw: &str) -> Result<Url, crate::GongError> {
    let config = |msg: &str| crate::GongError::Config(format!("Gong base URL {msg}"));
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(config("is empty"));
    }
    let mut url = Url::parse(trimmed).map_err(|e| config(&format!("is not a valid URL ({e})")))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(config(&format!(
            "must use http or https, not `{}`",
            url.scheme()
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(config("has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(config("must not contain credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(config("must not contain a query or fragment"));
    }
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/v2").unwrap_or(path);
    let path = format!("{path}/");
    url.set_path(&path);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GongError;

    #[test]
    fn accepts_every_spelling_of_the_same_host() {
        for raw in [
            "https://x.api.gong.io",
            "https://x.api.gong.io/",
            "https://x.api.gong.io/v2",
            "https://x.api.gong.io/v2/",
            "  https://x.api.gong.io/v2/  ",
        ] {
            let url = parse_base_url(raw).unwrap();
            assert_eq!(url.as_str(), "https://x.api.gong.io/", "{raw}");
            assert_eq!(
                url.join("v2/calls/transcript").unwrap().as_str(),
                "https://x.api.gong.io/v2/calls/transcript"
            );
        }
    }

    #[test]
    fn keeps_ports_http_and_proxy_prefixes() {
        assert_eq!(
            parse_base_url("http://127.0.0.1:9000").unwrap().as_str(),
            "http://127.0.0.1:9000/"
        );
        let url = parse_base_url("https://proxy.example.com/gong/v2").unwrap();
        assert_eq!(
            url.join("v2/users").unwrap().as_str(),
            "https://proxy.example.com/gong/v2/users"
        );
        // Only a whole trailing `v2` segment is removed.
        assert_eq!(
            parse_base_url("https://h.example.com/apiv2")
                .unwrap()
                .as_str(),
            "https://h.example.com/apiv2/"
        );
    }

    #[test]
    fn default_base_url_parses() {
        assert_eq!(
            parse_base_url(DEFAULT_BASE_URL).unwrap().as_str(),
            "https://api.gong.io/"
        );
    }

    fn config_error(raw: &str) -> String {
        match parse_base_url(raw) {
            Err(GongError::Config(msg)) => msg,
            other => panic!("{raw}: expected a Config error, got {other:?}"),
        }
    }

    #[test]
    fn rejects_unusable_urls_naming_the_problem() {
        assert!(config_error("").contains("empty"));
        assert!(config_error("   ").contains("empty"));
        assert!(config_error("not a url").contains("not a valid URL"));
        assert!(config_error("x.api.gong.io").contains("not a valid URL"));
        assert!(config_error("ftp://x.api.gong.io").contains("http or https"));
        assert!(config_error("file:///etc/passwd").contains("http or https"));
        assert!(config_error("https://x.api.gong.io/v2?a=b").contains("query"));
        assert!(config_error("https://x.api.gong.io/#frag").contains("fragment"));
    }

    #[test]
    fn credentials_in_the_url_are_rejected_without_being_echoed() {
        let msg = config_error("https://key:hunter2@x.api.gong.io");
        assert!(msg.contains("credentials"));
        assert!(!msg.contains("hunter2"));
    }

    #[test]
    fn config_new_applies_documented_defaults() {
        let cfg = GongConfig::new(
            "https://x.api.gong.io/v2",
            GongAuth::Bearer(SecretString::from("t")),
        )
        .unwrap();
        assert_eq!(cfg.base_url.as_str(), "https://x.api.gong.io/");
        assert_eq!(cfg.deadline, Duration::from_secs(30));
        assert_eq!(cfg.attempt_timeout, Duration::from_secs(10));
        assert_eq!(cfg.batch_size, 100);
        assert_eq!(cfg.requests_per_second, 3);
        assert_eq!(cfg.max_retries, 4);
        assert_eq!(cfg.initial_backoff, Duration::from_millis(200));
    }
}
