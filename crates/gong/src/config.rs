//! How to reach Gong: base URL, credentials and the limits the client keeps.

use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// Credentials for Gong, in the three forms customers have them.
#[derive(Clone)]
pub enum GongAuth {
    /// An access key and its secret, sent as `Authorization: Basic base64(key:secret)`.
    Basic {
        access_key: String,
        access_key_secret: SecretString,
    },
    /// The seed's `GONG_API_KEY`: the already base64-encoded `key:secret`, sent as `Basic <value>`.
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
            deadline: Duration::from_secs(30),
            attempt_timeout: Duration::from_secs(10),
            batch_size: 100,
            requests_per_second: 3,
            max_retries: 4,
            initial_backoff: Duration::from_millis(200),
        })
    }
}

/// Gong's default base URL, used when a customer has no specific one.
pub const DEFAULT_BASE_URL: &str = "https://api.gong.io";

/// Parses a Gong base URL, accepting and removing a trailing `/v2`.
pub fn parse_base_url(raw: &str) -> Result<Url, crate::GongError> {
    todo!("{raw}")
}
