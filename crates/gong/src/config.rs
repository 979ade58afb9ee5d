//! How to reach Gong: base URL, credentials and the limits the client keeps.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
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
/// Default time the last free request slot of a window waits for a batch to fill: long enough
/// for asks made at about the same moment (a team starting together) to join, short next to
/// the up to a second until the window's next slot.
pub const DEFAULT_LAST_SLOT_WAIT: Duration = Duration::from_millis(50);
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
    /// Shortest time limit of a single HTTP attempt (10 s); an attempt gets half the time left
    /// before the deadline when that is more (`GONG_ATTEMPT_TIMEOUT_SECS`).
    pub attempt_timeout: Duration,
    /// Call ids per Gong request: 100.
    pub batch_size: usize,
    /// Gong requests of call batches in flight at once: [`DEFAULT_MAX_IN_FLIGHT`].
    pub max_in_flight: usize,
    /// How long the last free request slot of the one-second window waits for more ids to
    /// join a batch that is not full, counted from when the slot started waiting
    /// ([`DEFAULT_LAST_SLOT_WAIT`]; zero sends at once). After that slot the next one can be
    /// up to a second away, so a batch sent a moment too early costs its late joiners that
    /// second.
    pub last_slot_wait: Duration,
    /// Process-wide ceiling on requests per second to Gong: 3 (Gong's default company limit). 0 = unlimited.
    pub requests_per_second: u32,
    /// Retries of one request after a 429, 5xx, timeout or broken connection: 4.
    pub max_retries: u32,
    /// First backoff between retries (doubled each time, with jitter): 200 ms.
    pub initial_backoff: Duration,
    /// Requests per day this process may send to Gong: [`DEFAULT_DAILY_QUOTA`] (Gong's default
    /// company limit). 0 = not counted.
    pub daily_quota: u32,
    /// Part of `daily_quota` kept for requests already under way (later pages, retries) and for
    /// list endpoints: new call fetches are refused once fewer than this many remain.
    /// [`DEFAULT_DAILY_RESERVE`].
    pub daily_reserve: u32,
    /// Share of `daily_quota` past which background work (prefetching) stops for the day:
    /// once the day's requests, everyone's, reach it, background fetches fail with
    /// `QuotaExhausted` ([`DEFAULT_BACKGROUND_DAILY_SHARE`]).
    pub background_daily_share: f64,
    /// Where and how long Gong's answers are kept.
    pub cache: CacheConfig,
    /// Redis shared by every replica serving the same Gong company, or `None` (one replica: the
    /// limiter, daily count, claims and cache stay in this process).
    pub redis: Option<RedisConfig>,
}

/// Batch requests in flight at once. Each answer carries up to `batch_size` transcripts (about
/// 5 MB for 100 calls of 40 minutes, twice that once decoded), so this bounds the memory Gong's
/// answers take; 4 keeps up with 3 requests/s while an answer takes up to 1.3 s.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4;
/// Background work stops once the day's requests reach 30 % of the daily quota: the rest is
/// for people asking.
pub const DEFAULT_BACKGROUND_DAILY_SHARE: f64 = 0.3;
/// Gong's default daily request limit per company.
pub const DEFAULT_DAILY_QUOTA: u32 = 10_000;
/// Requests of the daily budget kept back from new fetches (2 %): enough for the pages and
/// retries of fetches already started.
pub const DEFAULT_DAILY_RESERVE: u32 = 200;
/// Memory tier size: 64 MiB holds a few hundred hour-long transcripts.
pub const DEFAULT_CACHE_MEMORY_BYTES: u64 = 64 * 1024 * 1024;
/// How long a found transcript or call stays cached: a finished call's transcript does not change.
pub const DEFAULT_CACHE_FOUND_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);
/// How long "no transcript yet" / "no such call" stays cached: short, because Gong finishes
/// processing recent calls within minutes.
pub const DEFAULT_CACHE_MISSING_TTL: Duration = Duration::from_secs(10 * 60);
/// How often a server sweeps expired answers out of memory and the store on disk (then
/// rewrites the store): hourly keeps an expired call's words on disk at most an hour past its
/// lifetime, at the cost of one copy of the live entries an hour.
pub const DEFAULT_CACHE_SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);
/// How often a server asks Gong which cached calls it still has: daily, so a call Gong erased
/// (a privacy request, a shortened retention period) leaves the cache within a day.
pub const DEFAULT_CACHE_RECONCILE_EVERY: Duration = Duration::from_secs(24 * 60 * 60);
/// Most Gong requests one reconciliation spends: 100 ids each, so 10,000 cached calls for 1 %
/// of the default daily quota.
pub const DEFAULT_CACHE_RECONCILE_MAX_REQUESTS: u32 = 100;

/// Which tiers of the cache are used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheMode {
    /// Memory over an embedded store on disk that survives a restart (the default for servers).
    Disk,
    /// Memory only: nothing is written to disk.
    Memory,
    /// No cache: every ask goes to Gong.
    Off,
}

impl std::str::FromStr for CacheMode {
    type Err = crate::GongError;

    /// `disk`, `memory` or `off`, as the `CALLBRIEF_CACHE` setting spells them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "disk" => Ok(Self::Disk),
            "memory" => Ok(Self::Memory),
            "off" => Ok(Self::Off),
            _ => Err(crate::GongError::Config(
                "cache mode must be disk, memory or off".into(),
            )),
        }
    }
}

/// Longest one Redis operation may take before the client goes on without it: well under the
/// time of one Gong request, so a slow Redis never holds an answer back noticeably.
pub const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(250);
/// Requests per second one replica allows itself while Redis is unreachable: a third of Gong's
/// default 3/s, so three replicas falling back at once still stay within Gong's limit.
pub const DEFAULT_DEGRADED_REQUESTS_PER_SECOND: u32 = 1;

/// How replicas share the limiter, the daily count, single-flight claims and the cache.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis://[:password@]host[:port][/db]` or `rediss://` for TLS. Secret: it may hold the
    /// password, so it is never logged; logs name only host and port.
    pub url: SecretString,
    /// Time limit of one Redis operation: [`DEFAULT_REDIS_TIMEOUT`].
    pub timeout: Duration,
    /// Requests per second this replica allows itself while Redis is unreachable:
    /// [`DEFAULT_DEGRADED_REQUESTS_PER_SECOND`] (its share of Gong's limit; set it to the limit
    /// divided by the number of replicas). Never more than `requests_per_second`.
    pub degraded_requests_per_second: u32,
    /// The first part of every key, one per deployment sharing the Redis:
    /// [`store::redis::DEFAULT_NAMESPACE`] unless set.
    pub namespace: String,
}

impl RedisConfig {
    /// Defaults for `url`; the URL is checked (scheme, host) without being echoed in errors.
    pub fn new(url: SecretString) -> Result<Self, crate::GongError> {
        store::redis::check_url(url.expose_secret())?;
        Ok(Self {
            url,
            timeout: DEFAULT_REDIS_TIMEOUT,
            degraded_requests_per_second: DEFAULT_DEGRADED_REQUESTS_PER_SECOND,
            namespace: store::redis::DEFAULT_NAMESPACE.to_owned(),
        })
    }

    /// Where the shared store is and how long one operation may take, for the store's
    /// connection.
    pub fn target(&self) -> store::redis::RedisTarget {
        store::redis::RedisTarget {
            url: self.url.clone(),
            timeout: self.timeout,
            namespace: self.namespace.clone(),
        }
    }
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: show where it points only.
        f.debug_struct("RedisConfig")
            .field("at", &store::redis::redacted(self.url.expose_secret()))
            .field("timeout", &self.timeout)
            .field(
                "degraded_requests_per_second",
                &self.degraded_requests_per_second,
            )
            .finish()
    }
}

pub use store::CacheKey;

/// Settings of the cache of Gong's answers (see the `cache` module).
#[derive(Debug, Clone)]
pub struct CacheConfig {
    /// Which tiers are used: disk by default.
    pub mode: CacheMode,
    /// Directory of the store on disk (created 0700): [`default_cache_dir`].
    pub dir: PathBuf,
    /// Bound of the memory tier, in bytes of cached values: [`DEFAULT_CACHE_MEMORY_BYTES`].
    pub memory_bytes: u64,
    /// Lifetime of a found transcript or call: [`DEFAULT_CACHE_FOUND_TTL`].
    pub found_ttl: Duration,
    /// Lifetime of "not found / no transcript yet": [`DEFAULT_CACHE_MISSING_TTL`]; zero = not cached.
    pub missing_ttl: Duration,
    /// Time between a server's sweeps of expired answers: [`DEFAULT_CACHE_SWEEP_EVERY`]. Every
    /// process also sweeps the store when it first opens it.
    pub sweep_every: Duration,
    /// Time between a server's reconciliations with Gong ([`DEFAULT_CACHE_RECONCILE_EVERY`]);
    /// `None` = never.
    pub reconcile_every: Option<Duration>,
    /// Most Gong requests one reconciliation spends: [`DEFAULT_CACHE_RECONCILE_MAX_REQUESTS`].
    pub reconcile_max_requests: u32,
    /// When set, values on disk are encrypted with AES-256-GCM under this key.
    pub key: Option<CacheKey>,
    /// Earlier keys (`CALLBRIEF_CACHE_PREVIOUS_KEYS`): what they sealed still opens, nothing new
    /// is sealed with them; a rotation keeps sessions and cached answers until they are removed.
    pub previous_keys: Vec<CacheKey>,
}

impl Default for CacheConfig {
    /// The documented defaults: disk mode in the per-user cache directory.
    fn default() -> Self {
        Self {
            mode: CacheMode::Disk,
            dir: default_cache_dir(),
            memory_bytes: DEFAULT_CACHE_MEMORY_BYTES,
            found_ttl: DEFAULT_CACHE_FOUND_TTL,
            missing_ttl: DEFAULT_CACHE_MISSING_TTL,
            sweep_every: DEFAULT_CACHE_SWEEP_EVERY,
            reconcile_every: Some(DEFAULT_CACHE_RECONCILE_EVERY),
            reconcile_max_requests: DEFAULT_CACHE_RECONCILE_MAX_REQUESTS,
            key: None,
            previous_keys: Vec::new(),
        }
    }
}

impl CacheConfig {
    /// What the vault needs of these settings: the directory when on disk, and the keys.
    pub fn vault_settings(&self) -> store::VaultSettings {
        store::VaultSettings {
            dir: (self.mode == CacheMode::Disk).then(|| self.dir.clone()),
            key: self.key.clone(),
            previous_keys: self.previous_keys.clone(),
        }
    }

    /// No cache at all: what [`GongConfig::new`] starts from, so that only a front door's
    /// explicit setting makes a process share answers through a directory.
    pub fn off() -> Self {
        Self {
            mode: CacheMode::Off,
            ..Self::default()
        }
    }
}

/// The per-user cache directory: `$XDG_CACHE_HOME/callbrief`, else `~/.cache/callbrief`, else
/// `callbrief-cache` under the system's temporary directory.
pub fn default_cache_dir() -> PathBuf {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(xdg) = non_empty("XDG_CACHE_HOME") {
        return PathBuf::from(xdg).join("callbrief");
    }
    if let Some(home) = non_empty("HOME") {
        return PathBuf::from(home).join(".cache").join("callbrief");
    }
    std::env::temp_dir().join("callbrief-cache")
}

impl GongConfig {
    /// Defaults for every limit; `base_url` accepts a trailing `/v2` (or `/v2/`) and drops it.
    /// The cache starts off ([`CacheConfig::off`]): a store shared on disk is a deployment
    /// choice, so front doors set `cache` from their settings (whose default is
    /// [`CacheConfig::default`], disk).
    pub fn new(base_url: &str, auth: GongAuth) -> Result<Self, crate::GongError> {
        Ok(Self {
            base_url: parse_base_url(base_url)?,
            auth,
            deadline: DEFAULT_DEADLINE,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            batch_size: DEFAULT_BATCH_SIZE,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            last_slot_wait: DEFAULT_LAST_SLOT_WAIT,
            requests_per_second: DEFAULT_REQUESTS_PER_SECOND,
            max_retries: DEFAULT_MAX_RETRIES,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            daily_quota: DEFAULT_DAILY_QUOTA,
            daily_reserve: DEFAULT_DAILY_RESERVE,
            background_daily_share: DEFAULT_BACKGROUND_DAILY_SHARE,
            cache: CacheConfig::off(),
            redis: None,
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
        assert_eq!(cfg.daily_quota, 10_000);
        assert_eq!(cfg.daily_reserve, 200);
        assert_eq!(cfg.cache.mode, CacheMode::Off);
        let cache = CacheConfig::default();
        assert_eq!(cache.mode, CacheMode::Disk);
        assert_eq!(cache.memory_bytes, 64 * 1024 * 1024);
        assert_eq!(cache.found_ttl, Duration::from_secs(7 * 86_400));
        assert_eq!(cache.missing_ttl, Duration::from_secs(600));
        assert!(cache.dir.ends_with("callbrief") || cache.dir.ends_with("callbrief-cache"));
    }

    #[test]
    fn cache_modes_parse() {
        assert_eq!("disk".parse::<CacheMode>().unwrap(), CacheMode::Disk);
        assert_eq!(" Memory ".parse::<CacheMode>().unwrap(), CacheMode::Memory);
        assert_eq!("off".parse::<CacheMode>().unwrap(), CacheMode::Off);
        assert!("redis".parse::<CacheMode>().is_err());
    }
}
