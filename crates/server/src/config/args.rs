//! The flags and environment variables of every setting, declared once.
//!
//! Each group derives clap's `Args`; a command of the binary flattens the groups it needs, so a
//! variable keeps one flag, one help text and one default (a named constant) in `serve`,
//! `openapi`, `gpt-setup`, `briefing` and `mcp` alike. Values here are raw: each group has one
//! conversion that checks them into the plain settings the rest of the code takes, with errors
//! that name the variable to change.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use secrecy::{ExposeSecret, SecretString};
use service::fields::{
    DEFAULT_ACCOUNT_FIELD, DEFAULT_CALL_ID_FIELD, DEFAULT_CALL_OBJECT, DEFAULT_DURATION_FIELD,
    DEFAULT_OPPORTUNITY_FIELD, DEFAULT_START_FIELD, DEFAULT_TITLE_FIELD, DEFAULT_URL_FIELD,
};
use service::settings::{CacheConfig, CacheKey, CacheMode, GongConfig, RedisConfig};
use service::GongFields;
use url::Url;

use super::{
    at_least_one, check_access, gong_auth, parse_api_keys, AuthMode, CallSourceSettings,
    ConfigError, ConnectionSettings, GongCredentials, LogFormat, OAuthMode, OAuthSettings,
    SalesforceSettings, ServiceSettings, Settings, DEFAULT_ADDR, DEFAULT_HEADER_READ_TIMEOUT,
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CALL_IDS,
    DEFAULT_MAX_CONCURRENT_REQUESTS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
    DEFAULT_MAX_FAILED_SIGN_INS, DEFAULT_MAX_RESPONSE_CHARS, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_SALESFORCE_API_VERSION, DEFAULT_SALESFORCE_DEADLINE, DEFAULT_WRITE_TIMEOUT,
};

/// The log line format, a global flag of every command.
#[derive(Debug, Clone, Args)]
pub struct LogArgs {
    /// Log line format (logs go to stderr).
    #[arg(long, env = "CALLBRIEF_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,
}

/// Where the server listens and the URL callers reach it at (`serve`, and the commands that
/// print documents naming that URL).
#[derive(Debug, Clone, Args)]
pub struct AddressArgs {
    /// Address to listen on (port 0 picks a free port); without a public URL, documents name
    /// http://<addr>.
    #[arg(long, env = "CALLBRIEF_ADDR", default_value = DEFAULT_ADDR)]
    pub addr: SocketAddr,

    /// Public base URL of the server (e.g. https://callbrief.example.com), written into the
    /// OpenAPI document's servers list and the GPT setup guide; defaults to http://<addr>.
    #[arg(long, env = "CALLBRIEF_PUBLIC_URL")]
    pub public_url: Option<Url>,
}

impl AddressArgs {
    /// The URL callers reach the server at: the public URL, else `http://<addr>`.
    pub fn server_url(&self) -> String {
        self.public_url
            .as_ref()
            .map(|u| u.as_str().to_owned())
            .unwrap_or_else(|| format!("http://{}", self.addr))
    }
}

/// What the callbrief action's OpenAPI document promises: how callers authenticate and how
/// many call ids a request takes. `serve` enforces both; `openapi` prints them.
#[derive(Debug, Clone, Args)]
pub struct ActionArgs {
    /// How callers authenticate: api-key (CALLBRIEF_API_KEYS; Salesforce through the service
    /// credentials) or salesforce (each caller's own Salesforce access token, from the GPT's
    /// Salesforce OAuth; every query runs as that person). Also picks the OpenAPI document's
    /// security scheme.
    #[arg(long, env = "CALLBRIEF_AUTH", value_enum, default_value_t = AuthMode::ApiKey)]
    pub auth: AuthMode,

    /// Most distinct call ids accepted in one request (the document's maxItems).
    #[arg(long, env = "CALLBRIEF_MAX_CALL_IDS", default_value_t = DEFAULT_MAX_CALL_IDS)]
    pub max_call_ids: usize,
}

impl ActionArgs {
    /// Checks the values that would make the document (and the server) unusable.
    pub fn validate(&self) -> Result<(), ConfigError> {
        at_least_one("CALLBRIEF_MAX_CALL_IDS", self.max_call_ids == 0)
    }
}

/// The budget of one MCP tool answer (`serve` at /mcp, and `mcp` over stdio).
#[derive(Debug, Clone, Args)]
pub struct McpBudgetArgs {
    /// Most characters in one MCP tool answer (MCP clients such as Claude take more than
    /// ChatGPT actions); transcripts are cut fairly at turn boundaries to fit, and callers may
    /// ask for less with max_chars.
    #[arg(long, env = "CALLBRIEF_MCP_MAX_CHARS", default_value_t = crate::config::DEFAULT_MCP_MAX_CHARS)]
    pub mcp_max_chars: usize,
}

impl McpBudgetArgs {
    /// The budget, checked to be one the transcript fitting can work with.
    pub fn max_chars(&self) -> Result<usize, ConfigError> {
        service::budget::check_max_chars(self.mcp_max_chars)
            .map_err(|e| ConfigError::Invalid(format!("CALLBRIEF_MCP_MAX_CHARS {e}")))
    }
}

/// The OAuth sign-in in Salesforce mode (see [`OAuthSettings`]).
#[derive(Debug, Clone, Args)]
pub struct OAuthArgs {
    /// With CALLBRIEF_AUTH=salesforce: server (callbrief is the OAuth authorization server:
    /// clients register themselves or use a client made with `callbrief oauth-client create`,
    /// people sign in at Salesforce through the Connected App of SALESFORCE_CLIENT_ID, and
    /// callbrief keeps their Salesforce tokens encrypted) or proxy (the authorize and token
    /// routes pass through to Salesforce; clients hold the Connected App's key and secret).
    #[arg(long, env = "CALLBRIEF_OAUTH", value_enum, default_value_t = OAuthMode::Server)]
    pub oauth: OAuthMode,

    /// Seconds callbrief's access tokens live (server mode).
    #[arg(long, env = "CALLBRIEF_OAUTH_ACCESS_TOKEN_SECS", default_value_t = crate::config::DEFAULT_ACCESS_TOKEN_TTL.as_secs())]
    pub oauth_access_token_secs: u64,

    /// Days a refresh token, and a session nobody uses, lives (server mode).
    #[arg(long, env = "CALLBRIEF_OAUTH_REFRESH_TOKEN_DAYS", default_value_t = crate::config::DEFAULT_REFRESH_TOKEN_TTL.as_secs() / 86_400)]
    pub oauth_refresh_token_days: u64,

    /// Most client registrations (POST /oauth/register) per client address a minute (server
    /// mode); 0 = no limit.
    #[arg(long, env = "CALLBRIEF_OAUTH_REGISTRATIONS_PER_MINUTE", default_value_t = crate::config::DEFAULT_REGISTRATIONS_PER_MINUTE)]
    pub oauth_registrations_per_minute: u32,
}

impl OAuthArgs {
    /// The settings, with zero lifetimes refused.
    pub fn to_settings(&self) -> Result<OAuthSettings, ConfigError> {
        at_least_one(
            "CALLBRIEF_OAUTH_ACCESS_TOKEN_SECS",
            self.oauth_access_token_secs == 0,
        )?;
        at_least_one(
            "CALLBRIEF_OAUTH_REFRESH_TOKEN_DAYS",
            self.oauth_refresh_token_days == 0,
        )?;
        Ok(OAuthSettings {
            mode: self.oauth,
            access_token_ttl: Duration::from_secs(self.oauth_access_token_secs),
            refresh_token_ttl: Duration::from_secs(
                self.oauth_refresh_token_days.saturating_mul(86_400),
            ),
            registrations_per_minute: self.oauth_registrations_per_minute,
            ..OAuthSettings::default()
        })
    }
}

/// Limits on client connections (see [`ConnectionSettings`]).
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Most client connections open at once; one more is answered 503 and closed at once.
    #[arg(long, env = "CALLBRIEF_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    pub max_connections: usize,

    /// Most requests to the protected routes (transcripts, accounts, briefings, /mcp) served at
    /// once; one more is answered 503 with Retry-After at once.
    #[arg(long, env = "CALLBRIEF_MAX_CONCURRENT_REQUESTS", default_value_t = DEFAULT_MAX_CONCURRENT_REQUESTS)]
    pub max_concurrent_requests: usize,

    /// Seconds a client may take to send a request's headers, and a kept-alive connection to
    /// start its next request.
    #[arg(long, env = "CALLBRIEF_HEADER_READ_TIMEOUT_SECS", default_value_t = DEFAULT_HEADER_READ_TIMEOUT.as_secs())]
    pub header_read_timeout_secs: u64,

    /// Seconds a connection may stay idle (no byte in either direction) before it is closed;
    /// must be above the request timeout.
    #[arg(long, env = "CALLBRIEF_IDLE_TIMEOUT_SECS", default_value_t = DEFAULT_IDLE_TIMEOUT.as_secs())]
    pub idle_timeout_secs: u64,

    /// Seconds a write to a client may stay blocked (the client not reading) before the
    /// connection is closed.
    #[arg(long, env = "CALLBRIEF_WRITE_TIMEOUT_SECS", default_value_t = DEFAULT_WRITE_TIMEOUT.as_secs())]
    pub write_timeout_secs: u64,

    /// With CALLBRIEF_AUTH=salesforce: most refused sign-ins (unaccepted tokens) per client
    /// address a minute before its new tokens get 429 without asking Salesforce; 0 = no limit.
    #[arg(long, env = "CALLBRIEF_MAX_FAILED_SIGN_INS", default_value_t = DEFAULT_MAX_FAILED_SIGN_INS)]
    pub max_failed_sign_ins: u32,

    /// Most connections one client address may hold open; one more is answered 503 and closed
    /// at once. Connections from CALLBRIEF_TRUSTED_PROXIES are not counted per address. 0 = no
    /// limit.
    #[arg(long, env = "CALLBRIEF_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS)]
    pub max_connections_per_address: usize,

    /// Reverse proxies (CIDRs or addresses, comma-separated) whose Forwarded or X-Forwarded-For
    /// headers name the client for the per-address limits; from anyone else those headers are
    /// ignored. Empty: every connection's own address counts.
    #[arg(long, env = "CALLBRIEF_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::client_addr::TrustedProxies::parse_entry)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Most calls assembled into answers at once, across requests: an answer holds its calls'
    /// full transcripts while it is built, so memory follows calls, not requests. A request
    /// waits for its share (within the request timeout).
    #[arg(long, env = "CALLBRIEF_MAX_CALLS_IN_FLIGHT", default_value_t = service::DEFAULT_MAX_CALLS_IN_FLIGHT, value_parser = clap::value_parser!(usize))]
    pub max_calls_in_flight: usize,
}

impl From<&ConnectionArgs> for ConnectionSettings {
    fn from(args: &ConnectionArgs) -> Self {
        Self {
            max_connections: args.max_connections,
            max_concurrent_requests: args.max_concurrent_requests,
            header_read_timeout: Duration::from_secs(args.header_read_timeout_secs),
            idle_timeout: Duration::from_secs(args.idle_timeout_secs),
            write_timeout: Duration::from_secs(args.write_timeout_secs),
            max_failed_sign_ins: args.max_failed_sign_ins,
            max_connections_per_address: args.max_connections_per_address,
            trusted_proxies: crate::client_addr::TrustedProxies::new(args.trusted_proxies.clone()),
            max_calls_in_flight: args.max_calls_in_flight.max(1),
        }
    }
}

/// How to reach Gong. Exactly one credential form: access key + secret, `GONG_API_KEY`, or a
/// bearer token.
#[derive(Debug, Clone, Args)]
pub struct GongArgs {
    /// Gong API base URL, customer-specific (e.g. https://acme.api.gong.io); a trailing /v2 is accepted.
    #[arg(long, env = "GONG_BASE_URL", default_value = service::settings::DEFAULT_BASE_URL)]
    pub gong_base_url: String,

    /// Gong access key (with --gong-access-key-secret).
    #[arg(long, env = "GONG_ACCESS_KEY")]
    pub gong_access_key: Option<String>,

    /// Gong access key secret (with --gong-access-key).
    #[arg(long, env = "GONG_ACCESS_KEY_SECRET", hide_env_values = true)]
    pub gong_access_key_secret: Option<String>,

    /// Pre-encoded base64("key:secret"), as the original middleware's GONG_API_KEY.
    #[arg(long, env = "GONG_API_KEY", hide_env_values = true)]
    pub gong_api_key: Option<String>,

    /// Gong OAuth access token, sent as Authorization: Bearer.
    #[arg(long, env = "GONG_BEARER_TOKEN", hide_env_values = true)]
    pub gong_bearer_token: Option<String>,

    /// Time budget in seconds for one request's Gong work (all pages, batches and retries).
    #[arg(long, env = "GONG_DEADLINE_SECS", default_value_t = service::settings::DEFAULT_DEADLINE.as_secs())]
    pub gong_deadline_secs: u64,

    /// Shortest time in seconds one Gong attempt may take before it is retried; an attempt
    /// gets half the time left before the deadline when that is more.
    #[arg(long, env = "GONG_ATTEMPT_TIMEOUT_SECS", default_value_t = service::settings::DEFAULT_ATTEMPT_TIMEOUT.as_secs())]
    pub gong_attempt_timeout_secs: u64,

    /// Call ids per Gong request; longer lists are split into batches.
    #[arg(long, env = "GONG_BATCH_SIZE", default_value_t = service::settings::DEFAULT_BATCH_SIZE)]
    pub gong_batch_size: usize,

    /// Gong requests of call batches in flight at once; bounds the memory Gong's answers take.
    #[arg(long, env = "GONG_MAX_IN_FLIGHT", default_value_t = service::settings::DEFAULT_MAX_IN_FLIGHT)]
    pub gong_max_in_flight: usize,

    /// Milliseconds the last free Gong request slot of the one-second window waits for more
    /// call ids to join a batch that is not full; 0 sends at once.
    #[arg(long, env = "GONG_LAST_SLOT_WAIT_MS", default_value_t = DEFAULT_LAST_SLOT_WAIT_MS)]
    pub gong_last_slot_wait_ms: u64,

    /// Process-wide ceiling on requests per second to Gong (Gong's default limit is 3); 0 = unlimited.
    #[arg(long, env = "GONG_REQUESTS_PER_SECOND", default_value_t = service::settings::DEFAULT_REQUESTS_PER_SECOND)]
    pub gong_requests_per_second: u32,

    /// Retries of one Gong request after a 429, 5xx, timeout or broken connection.
    #[arg(long, env = "GONG_MAX_RETRIES", default_value_t = service::settings::DEFAULT_MAX_RETRIES)]
    pub gong_max_retries: u32,

    /// Requests per day this process may send to Gong (Gong's default company limit); 0 = not counted.
    #[arg(long, env = "GONG_DAILY_QUOTA", default_value_t = service::settings::DEFAULT_DAILY_QUOTA)]
    pub gong_daily_quota: u32,

    /// Part of the daily quota kept for fetches already under way (later pages, retries): new
    /// call fetches are refused once fewer requests than this remain.
    #[arg(long, env = "GONG_DAILY_RESERVE", default_value_t = service::settings::DEFAULT_DAILY_RESERVE)]
    pub gong_daily_reserve: u32,

    /// Share of the daily quota past which prefetching stops for the day (0 to 1): once the
    /// day's Gong requests, everyone's, reach it, the rest is for people asking.
    #[arg(long, env = "CALLBRIEF_PREFETCH_DAILY_SHARE", default_value_t = service::settings::DEFAULT_BACKGROUND_DAILY_SHARE)]
    pub prefetch_daily_share: f64,

    /// Where Gong's answers are kept between requests and restarts.
    #[command(flatten)]
    pub cache: CacheArgs,

    /// The Redis several replicas share Gong's limits and answers through.
    #[command(flatten)]
    pub redis: RedisArgs,
}

/// Redis shared by replicas (`serve`, `mcp`, `briefing`): with it, the rate window, the 429
/// pause, the daily count, single-flight claims and a cache tier are those of every replica.
#[derive(Debug, Clone, Args)]
pub struct RedisArgs {
    /// redis:// or rediss:// (TLS) URL, with the password if any (redis://:password@host:6379/0),
    /// of the Redis every replica serving the same Gong company shares; unset, each process
    /// counts Gong's limits alone.
    #[arg(long, env = "CALLBRIEF_REDIS_URL", hide_env_values = true, value_parser = secret)]
    pub redis_url: Option<SecretString>,

    /// Milliseconds one Redis operation may take before the replica goes on without Redis.
    #[arg(long, env = "CALLBRIEF_REDIS_TIMEOUT_MS", default_value_t = DEFAULT_REDIS_TIMEOUT_MS)]
    pub redis_timeout_ms: u64,

    /// Requests per second one replica sends Gong while Redis is unreachable: its share of
    /// Gong's limit (GONG_REQUESTS_PER_SECOND divided by the number of replicas, rounded down);
    /// never more than GONG_REQUESTS_PER_SECOND.
    #[arg(long, env = "GONG_DEGRADED_REQUESTS_PER_SECOND", default_value_t = service::settings::DEFAULT_DEGRADED_REQUESTS_PER_SECOND)]
    pub gong_degraded_requests_per_second: u32,

    /// First part of every Redis key: give each deployment sharing one Redis its own (letters,
    /// digits, '-', '_', '.'), so sessions, limits and cached answers never mix.
    #[arg(long, env = "CALLBRIEF_REDIS_PREFIX", default_value = store::redis::DEFAULT_NAMESPACE)]
    pub redis_prefix: String,
}

/// Default Redis operation time limit in ms: the gong crate's default, in the unit the setting takes.
pub const DEFAULT_REDIS_TIMEOUT_MS: u64 =
    service::settings::DEFAULT_REDIS_TIMEOUT.as_millis() as u64;
/// [`service::settings::DEFAULT_LAST_SLOT_WAIT`] in milliseconds, as the setting takes it.
pub const DEFAULT_LAST_SLOT_WAIT_MS: u64 =
    service::settings::DEFAULT_LAST_SLOT_WAIT.as_millis() as u64;

impl RedisArgs {
    /// The Redis configuration, or `None` without a URL. Errors never echo the URL.
    pub fn to_config(&self) -> Result<Option<RedisConfig>, ConfigError> {
        let Some(url) = self
            .redis_url
            .as_ref()
            .filter(|u| !u.expose_secret().trim().is_empty())
        else {
            return Ok(None);
        };
        let mut config = RedisConfig::new(url.clone())
            .map_err(|e| ConfigError::Invalid(format!("CALLBRIEF_REDIS_URL: {e}")))?;
        at_least_one("CALLBRIEF_REDIS_TIMEOUT_MS", self.redis_timeout_ms == 0)?;
        config.timeout = Duration::from_millis(self.redis_timeout_ms);
        at_least_one(
            "GONG_DEGRADED_REQUESTS_PER_SECOND",
            self.gong_degraded_requests_per_second == 0,
        )?;
        config.degraded_requests_per_second = self.gong_degraded_requests_per_second;
        store::redis::check_namespace(&self.redis_prefix)
            .map_err(|e| ConfigError::Invalid(format!("CALLBRIEF_REDIS_PREFIX: {e}")))?;
        config.namespace = self.redis_prefix.clone();
        Ok(Some(config))
    }
}

/// The cache of Gong's answers (`serve`, `mcp`, `briefing`, and `cache stats|purge`, which
/// must open the same store without needing Gong credentials).
#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// Which tiers keep Gong's answers: disk (memory over a store that survives restarts),
    /// memory (nothing written to disk) or off (every request asks Gong).
    #[arg(long = "cache", env = "CALLBRIEF_CACHE", value_enum, default_value_t = CacheModeArg::Disk)]
    pub cache_mode: CacheModeArg,

    /// Directory of the cache store on disk (created 0700); defaults to
    /// $XDG_CACHE_HOME/callbrief, else ~/.cache/callbrief.
    #[arg(long, env = "CALLBRIEF_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,

    /// 32-byte key (64 hex digits or base64) encrypting cached values on disk with
    /// AES-256-GCM; without it they are stored in clear, readable only by this user.
    #[arg(long, env = "CALLBRIEF_CACHE_KEY", hide_env_values = true, value_parser = secret)]
    pub cache_key: Option<SecretString>,

    /// Earlier cache keys (comma-separated), kept while rotating CALLBRIEF_CACHE_KEY: what they
    /// sealed (sessions, OAuth clients, cached answers) still opens; nothing new uses them.
    /// Remove one once everything it sealed has expired or been replaced.
    #[arg(long, env = "CALLBRIEF_CACHE_PREVIOUS_KEYS", hide_env_values = true, value_delimiter = ',', value_parser = secret)]
    pub cache_previous_keys: Vec<SecretString>,

    /// Size of the memory tier, in MiB of cached values.
    #[arg(long, env = "CALLBRIEF_CACHE_MEMORY_MB", default_value_t = DEFAULT_CACHE_MEMORY_MB)]
    pub cache_memory_mb: u64,

    /// Refuse to start when Gong's answers would be kept in clear outside this process (the
    /// disk tier, or Redis) because CALLBRIEF_CACHE_KEY is not set.
    #[arg(long, env = "CALLBRIEF_CACHE_REQUIRE_KEY")]
    pub cache_require_key: bool,

    /// Hours a call Gong answered (its transcript, details and parties) stays cached in every
    /// tier, at least 1: a finished call does not change, but Gong may erase it sooner.
    #[arg(long, env = "CALLBRIEF_CACHE_TTL_HOURS", default_value_t = DEFAULT_CACHE_TTL_HOURS)]
    pub cache_ttl_hours: u64,

    /// Seconds a call Gong did not have (not found, or no transcript yet) is remembered before
    /// Gong is asked again; 0 = never remembered.
    #[arg(long, env = "CALLBRIEF_CACHE_MISSING_TTL_SECS", default_value_t = DEFAULT_CACHE_MISSING_TTL_SECS)]
    pub cache_missing_ttl_secs: u64,

    /// Minutes between a server's sweeps of expired answers out of memory and the store on
    /// disk, which is then rewritten so nothing removed stays readable in it (1 to 1440).
    #[arg(long, env = "CALLBRIEF_CACHE_SWEEP_MINUTES", default_value_t = DEFAULT_CACHE_SWEEP_MINUTES)]
    pub cache_sweep_minutes: u64,

    /// Hours between a server's checks that Gong still has the cached calls (those it no
    /// longer has are erased from every tier); 0 = never (at most 8760).
    #[arg(long, env = "CALLBRIEF_CACHE_RECONCILE_HOURS", default_value_t = DEFAULT_CACHE_RECONCILE_HOURS)]
    pub cache_reconcile_hours: u64,

    /// Most Gong requests one check spends (100 cached calls each), in the background lane and
    /// within CALLBRIEF_PREFETCH_DAILY_SHARE of the day.
    #[arg(long, env = "CALLBRIEF_CACHE_RECONCILE_MAX_REQUESTS", default_value_t = service::settings::DEFAULT_CACHE_RECONCILE_MAX_REQUESTS)]
    pub cache_reconcile_max_requests: u32,
}

/// Default hours between reconciliations: the gong crate's default, in the setting's unit.
pub const DEFAULT_CACHE_RECONCILE_HOURS: u64 =
    service::settings::DEFAULT_CACHE_RECONCILE_EVERY.as_secs() / 3600;

/// Default minutes between sweeps: the gong crate's default, in the setting's unit.
pub const DEFAULT_CACHE_SWEEP_MINUTES: u64 =
    service::settings::DEFAULT_CACHE_SWEEP_EVERY.as_secs() / 60;

/// Default hours a found call stays cached: the gong crate's default, in the setting's unit.
pub const DEFAULT_CACHE_TTL_HOURS: u64 =
    service::settings::DEFAULT_CACHE_FOUND_TTL.as_secs() / 3600;

/// Default seconds a missing call is remembered: the gong crate's default.
pub const DEFAULT_CACHE_MISSING_TTL_SECS: u64 =
    service::settings::DEFAULT_CACHE_MISSING_TTL.as_secs();

/// Why a disk cache without a key is refused under `CALLBRIEF_CACHE_REQUIRE_KEY`.
const REQUIRE_KEY_DISK: &str = "CALLBRIEF_CACHE_REQUIRE_KEY is set and CALLBRIEF_CACHE_KEY is \
    not: the disk cache would keep transcripts in clear; set CALLBRIEF_CACHE_KEY (64 hex \
    digits, e.g. from `openssl rand -hex 32`) or CALLBRIEF_CACHE=memory";

/// Why Redis without a key is refused under `CALLBRIEF_CACHE_REQUIRE_KEY`.
const REQUIRE_KEY_REDIS: &str = "CALLBRIEF_CACHE_REQUIRE_KEY is set and CALLBRIEF_CACHE_KEY is \
    not: Redis would keep transcripts in clear; set CALLBRIEF_CACHE_KEY";

/// Longest `CALLBRIEF_CACHE_TTL_HOURS`: a year.
pub const MAX_CACHE_TTL_HOURS: u64 = 365 * 24;

/// Reads a secret setting straight into a [`SecretString`], so it is never held, printed or
/// logged as a plain string (debug output shows it redacted).
fn secret(raw: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(raw.to_owned()))
}

/// Default memory tier size in MiB: the gong crate's default, in the unit the setting takes.
pub const DEFAULT_CACHE_MEMORY_MB: u64 =
    service::settings::DEFAULT_CACHE_MEMORY_BYTES / (1024 * 1024);

/// The values of `CALLBRIEF_CACHE`, as clap lists them in `--help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CacheModeArg {
    /// Memory over an embedded store on disk that survives restarts.
    Disk,
    /// Memory only.
    Memory,
    /// No cache.
    Off,
}

impl CacheArgs {
    /// The cache configuration, with the key checked. The key's error never echoes the key.
    pub fn to_config(&self) -> Result<CacheConfig, ConfigError> {
        let mode = match self.cache_mode {
            CacheModeArg::Disk => CacheMode::Disk,
            CacheModeArg::Memory => CacheMode::Memory,
            CacheModeArg::Off => CacheMode::Off,
        };
        at_least_one("CALLBRIEF_CACHE_MEMORY_MB", self.cache_memory_mb == 0)?;
        at_least_one("CALLBRIEF_CACHE_TTL_HOURS", self.cache_ttl_hours == 0)?;
        at_least_one(
            "CALLBRIEF_CACHE_SWEEP_MINUTES",
            self.cache_sweep_minutes == 0,
        )?;
        if self.cache_sweep_minutes > 24 * 60 {
            return Err(ConfigError::Invalid(
                "CALLBRIEF_CACHE_SWEEP_MINUTES must be at most 1440 (a day)".into(),
            ));
        }
        if self.cache_reconcile_hours > MAX_CACHE_TTL_HOURS {
            return Err(ConfigError::Invalid(format!(
                "CALLBRIEF_CACHE_RECONCILE_HOURS must be at most {MAX_CACHE_TTL_HOURS} (a year)"
            )));
        }
        if self.cache_ttl_hours > MAX_CACHE_TTL_HOURS {
            return Err(ConfigError::Invalid(format!(
                "CALLBRIEF_CACHE_TTL_HOURS must be at most {MAX_CACHE_TTL_HOURS} (a year)"
            )));
        }
        let key = match self
            .cache_key
            .as_ref()
            .map(ExposeSecret::expose_secret)
            .filter(|k| !k.trim().is_empty())
        {
            Some(raw) => Some(
                CacheKey::parse(raw)
                    .map_err(|e| ConfigError::Invalid(format!("CALLBRIEF_CACHE_KEY: {e}")))?,
            ),
            None => None,
        };
        let previous_keys = self
            .cache_previous_keys
            .iter()
            .map(ExposeSecret::expose_secret)
            .filter(|k| !k.trim().is_empty())
            .enumerate()
            .map(|(i, raw)| {
                CacheKey::parse(raw).map_err(|e| {
                    ConfigError::Invalid(format!(
                        "CALLBRIEF_CACHE_PREVIOUS_KEYS, key {}: {e}",
                        i + 1
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if self.cache_require_key && mode == CacheMode::Disk && key.is_none() {
            return Err(ConfigError::Invalid(REQUIRE_KEY_DISK.into()));
        }
        if !previous_keys.is_empty() && key.is_none() {
            return Err(ConfigError::Invalid(
                "CALLBRIEF_CACHE_PREVIOUS_KEYS needs CALLBRIEF_CACHE_KEY: the new key seals, the \
                 previous ones only open"
                    .into(),
            ));
        }
        Ok(CacheConfig {
            mode,
            dir: self
                .cache_dir
                .clone()
                .unwrap_or_else(|| CacheConfig::default().dir),
            memory_bytes: self.cache_memory_mb.saturating_mul(1024 * 1024),
            found_ttl: Duration::from_secs(self.cache_ttl_hours * 3600),
            missing_ttl: Duration::from_secs(self.cache_missing_ttl_secs),
            sweep_every: Duration::from_secs(self.cache_sweep_minutes * 60),
            reconcile_every: (self.cache_reconcile_hours > 0)
                .then(|| Duration::from_secs(self.cache_reconcile_hours * 3600)),
            reconcile_max_requests: self.cache_reconcile_max_requests,
            key,
            previous_keys,
        })
    }
}

impl GongArgs {
    /// The client configuration, with the credential rules checked.
    pub fn to_config(&self) -> Result<GongConfig, ConfigError> {
        let secret = |v: &Option<String>| v.clone().map(SecretString::from);
        let auth = gong_auth(GongCredentials {
            access_key: self.gong_access_key.clone(),
            access_key_secret: secret(&self.gong_access_key_secret),
            api_key: secret(&self.gong_api_key),
            bearer_token: secret(&self.gong_bearer_token),
        })?;
        // The gong crate's message names the problem without echoing the URL, which could
        // carry credentials.
        let mut cfg = GongConfig::new(&self.gong_base_url, auth)
            .map_err(|e| ConfigError::Invalid(format!("GONG_BASE_URL is not usable: {e}")))?;
        at_least_one("GONG_DEADLINE_SECS", self.gong_deadline_secs == 0)?;
        cfg.deadline = Duration::from_secs(self.gong_deadline_secs);
        at_least_one(
            "GONG_ATTEMPT_TIMEOUT_SECS",
            self.gong_attempt_timeout_secs == 0,
        )?;
        cfg.attempt_timeout = Duration::from_secs(self.gong_attempt_timeout_secs).min(cfg.deadline);
        at_least_one("GONG_BATCH_SIZE", self.gong_batch_size == 0)?;
        cfg.batch_size = self.gong_batch_size;
        at_least_one("GONG_MAX_IN_FLIGHT", self.gong_max_in_flight == 0)?;
        cfg.max_in_flight = self.gong_max_in_flight;
        cfg.last_slot_wait = Duration::from_millis(self.gong_last_slot_wait_ms).min(cfg.deadline);
        cfg.requests_per_second = self.gong_requests_per_second;
        cfg.max_retries = self.gong_max_retries;
        if self.gong_daily_quota != 0 && self.gong_daily_reserve >= self.gong_daily_quota {
            return Err(ConfigError::Invalid(
                "GONG_DAILY_RESERVE must be below GONG_DAILY_QUOTA".into(),
            ));
        }
        cfg.daily_quota = self.gong_daily_quota;
        cfg.daily_reserve = self.gong_daily_reserve;
        if !(0.0..=1.0).contains(&self.prefetch_daily_share) {
            return Err(ConfigError::Invalid(
                "CALLBRIEF_PREFETCH_DAILY_SHARE must be between 0 and 1".into(),
            ));
        }
        cfg.background_daily_share = self.prefetch_daily_share;
        cfg.cache = self.cache.to_config()?;
        cfg.redis = self.redis.to_config()?;
        if cfg.redis.is_some() && cfg.cache.key.is_none() && self.cache.cache_require_key {
            return Err(ConfigError::Invalid(REQUIRE_KEY_REDIS.into()));
        }
        Ok(cfg)
    }
}

/// How to reach Salesforce (optional for the transcript endpoint alone).
#[derive(Debug, Clone, Args)]
pub struct SalesforceArgs {
    /// Salesforce instance URL (e.g. https://acme.my.salesforce.com).
    #[arg(long, env = "SALESFORCE_INSTANCE_URL")]
    pub salesforce_instance_url: Option<Url>,

    /// Salesforce REST API version, e.g. v65.0.
    #[arg(long, env = "SALESFORCE_API_VERSION", default_value = DEFAULT_SALESFORCE_API_VERSION)]
    pub salesforce_api_version: String,

    /// Where OAuth happens (login.salesforce.com, test.salesforce.com or the My Domain URL);
    /// defaults to the instance URL.
    #[arg(long, env = "SALESFORCE_LOGIN_URL")]
    pub salesforce_login_url: Option<Url>,

    /// Connected App consumer key.
    #[arg(long, env = "SALESFORCE_CLIENT_ID")]
    pub salesforce_client_id: Option<String>,

    /// Connected App consumer secret.
    #[arg(long, env = "SALESFORCE_CLIENT_SECRET", hide_env_values = true)]
    pub salesforce_client_secret: Option<String>,

    /// Time budget in seconds for one Salesforce operation (all pages and a token refresh).
    #[arg(long, env = "SALESFORCE_DEADLINE_SECS", default_value_t = DEFAULT_SALESFORCE_DEADLINE.as_secs())]
    pub salesforce_deadline_secs: u64,

    /// Salesforce org id (00D...) whose users may sign in with CALLBRIEF_AUTH=salesforce; tokens
    /// of other orgs are refused. Recommended whenever the instance URL is not your own My Domain.
    #[arg(long, env = "SALESFORCE_ORG_ID")]
    pub salesforce_org_id: Option<String>,

    /// Service credentials without a shared secret: a PEM file with the private key (PKCS#8)
    /// whose certificate is uploaded to the External Client App; with SALESFORCE_USERNAME,
    /// callbrief signs in as that user with the JWT bearer flow instead of client credentials.
    #[arg(long, env = "SALESFORCE_JWT_KEY_FILE")]
    pub salesforce_jwt_key_file: Option<PathBuf>,

    /// The integration user's username, for the JWT bearer flow.
    #[arg(long, env = "SALESFORCE_USERNAME")]
    pub salesforce_username: Option<String>,

    /// The JWT bearer assertion's audience; default https://login.salesforce.com, or
    /// https://test.salesforce.com when the login URL is a sandbox's.
    #[arg(long, env = "SALESFORCE_JWT_AUDIENCE")]
    pub salesforce_jwt_audience: Option<String>,
}

impl SalesforceArgs {
    /// The settings, with the API version normalised to `vNN.0` and the org id checked.
    pub fn to_settings(&self) -> Result<SalesforceSettings, ConfigError> {
        let raw = self.salesforce_api_version.trim();
        let api_version = salesforce::normalize_version(raw).ok_or_else(|| {
            ConfigError::Invalid(format!(
                "SALESFORCE_API_VERSION {raw:?} is not a version like v65.0"
            ))
        })?;
        let org_id = match self.salesforce_org_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(id) if salesforce::escape::is_salesforce_id(id) && id.starts_with("00D") => {
                Some(id.to_owned())
            }
            Some(id) => {
                return Err(ConfigError::Invalid(format!(
                    "SALESFORCE_ORG_ID {id:?} is not a Salesforce org id (00D followed by 12 or 15 characters)"
                )))
            }
        };
        let jwt = match (&self.salesforce_jwt_key_file, &self.salesforce_username) {
            (None, _) => None,
            (Some(_), None) => {
                return Err(ConfigError::Invalid(
                    "SALESFORCE_JWT_KEY_FILE needs SALESFORCE_USERNAME: the integration user the \
                     JWT bearer flow signs in as"
                        .into(),
                ))
            }
            (Some(path), Some(username)) => {
                let pem = std::fs::read_to_string(path).map_err(|e| {
                    ConfigError::Invalid(format!("SALESFORCE_JWT_KEY_FILE {}: {e}", path.display()))
                })?;
                let signer = salesforce::jwt_bearer::JwtSigner::from_pem(&pem).map_err(|e| {
                    ConfigError::Invalid(format!("SALESFORCE_JWT_KEY_FILE {}: {e}", path.display()))
                })?;
                let login = self
                    .salesforce_login_url
                    .as_ref()
                    .or(self.salesforce_instance_url.as_ref())
                    .map(Url::as_str)
                    .unwrap_or_default();
                Some(crate::config::JwtBearerSettings {
                    username: username.trim().to_owned(),
                    audience: self.salesforce_jwt_audience.clone().unwrap_or_else(|| {
                        salesforce::jwt_bearer::default_audience(login).to_owned()
                    }),
                    signer: std::sync::Arc::new(signer),
                })
            }
        };
        Ok(SalesforceSettings {
            jwt,
            instance_url: self.salesforce_instance_url.clone(),
            api_version,
            login_url: self.salesforce_login_url.clone(),
            client_id: self.salesforce_client_id.clone(),
            client_secret: self
                .salesforce_client_secret
                .clone()
                .map(SecretString::from),
            deadline: Duration::from_secs(self.salesforce_deadline_secs.max(1)),
            org_id,
        })
    }
}

/// API names of the Gong call object and fields in Salesforce; they differ between versions of
/// the Gong managed package, so each is a setting.
#[derive(Debug, Clone, Args)]
pub struct GongFieldsArgs {
    /// The Gong call object.
    #[arg(long, env = "CALLBRIEF_GONG_CALL_OBJECT", default_value = DEFAULT_CALL_OBJECT)]
    pub gong_call_object: String,

    /// The field holding the Gong call id.
    #[arg(long, env = "CALLBRIEF_GONG_CALL_ID_FIELD", default_value = DEFAULT_CALL_ID_FIELD)]
    pub gong_call_id_field: String,

    /// The call title field.
    #[arg(long, env = "CALLBRIEF_GONG_TITLE_FIELD", default_value = DEFAULT_TITLE_FIELD)]
    pub gong_title_field: String,

    /// The call start date-time field.
    #[arg(long, env = "CALLBRIEF_GONG_START_FIELD", default_value = DEFAULT_START_FIELD)]
    pub gong_start_field: String,

    /// The call duration field (seconds).
    #[arg(long, env = "CALLBRIEF_GONG_DURATION_FIELD", default_value = DEFAULT_DURATION_FIELD)]
    pub gong_duration_field: String,

    /// The lookup from a call to its account.
    #[arg(long, env = "CALLBRIEF_GONG_ACCOUNT_FIELD", default_value = DEFAULT_ACCOUNT_FIELD)]
    pub gong_account_field: String,

    /// The field holding the link to the call in Gong.
    #[arg(long, env = "CALLBRIEF_GONG_URL_FIELD", default_value = DEFAULT_URL_FIELD)]
    pub gong_url_field: String,

    /// The lookup from a call to its opportunity: a call on a deal the person cannot see is
    /// withheld from them.
    #[arg(long, env = "CALLBRIEF_GONG_OPPORTUNITY_FIELD", default_value = DEFAULT_OPPORTUNITY_FIELD)]
    pub gong_opportunity_field: String,
}

impl GongFieldsArgs {
    /// The names as the service takes them, checked to be API names.
    pub fn to_fields(&self) -> Result<GongFields, ConfigError> {
        let fields = GongFields {
            call_object: self.gong_call_object.trim().to_owned(),
            call_id: self.gong_call_id_field.trim().to_owned(),
            title: self.gong_title_field.trim().to_owned(),
            start: self.gong_start_field.trim().to_owned(),
            duration: self.gong_duration_field.trim().to_owned(),
            account: self.gong_account_field.trim().to_owned(),
            url: self.gong_url_field.trim().to_owned(),
            opportunity: self.gong_opportunity_field.trim().to_owned(),
        };
        fields
            .validate()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        Ok(fields)
    }
}

/// Where an account's calls are found, and how they are found in Gong without the Gong
/// package in Salesforce.
#[derive(Debug, Clone, Args)]
pub struct CallSourceArgs {
    /// Where an account's calls come from: salesforce (the Gong call object, linked to the
    /// account by the Gong package), gong (Gong's call list, matched to the account by e-mail
    /// domain) or auto (salesforce when the org has the call object, else gong).
    #[arg(long, env = "CALLBRIEF_CALL_SOURCE", default_value_t = service::CallSource::Auto)]
    pub call_source: service::CallSource,

    /// Days back searched for an account's calls in Gong (gong source).
    #[arg(long, env = "CALLBRIEF_GONG_CALL_WINDOW_DAYS", default_value_t = service::sources::DEFAULT_WINDOW_DAYS)]
    pub gong_call_window_days: u32,

    /// Most pages of Gong's call list read per listing (gong source), so one request cannot
    /// burn the daily quota; each page is one Gong request of up to 100 calls.
    #[arg(long, env = "CALLBRIEF_GONG_CALL_MAX_PAGES", default_value_t = service::sources::DEFAULT_MAX_PAGES)]
    pub gong_call_max_pages: u32,

    /// Seconds one listing of Gong's calls is reused by later requests (gong source); 0 reads
    /// Gong every time.
    #[arg(long, env = "CALLBRIEF_GONG_CALL_LIST_TTL_SECS", default_value_t = service::sources::DEFAULT_LISTING_TTL.as_secs())]
    pub gong_call_list_ttl_secs: u64,

    /// Comma-separated e-mail domains that never tie a call to an account (gong source):
    /// public mail providers by default. Their subdomains are ignored too.
    #[arg(long, env = "CALLBRIEF_IGNORED_EMAIL_DOMAINS", value_delimiter = ',', default_value = service::domains::DEFAULT_IGNORED_DOMAINS_SETTING)]
    pub ignored_email_domains: Vec<String>,
}

impl CallSourceArgs {
    /// The service's settings, checked.
    pub fn to_settings(&self) -> Result<CallSourceSettings, ConfigError> {
        if self.gong_call_window_days == 0 || self.gong_call_window_days > 3650 {
            return Err(ConfigError::Invalid(
                "CALLBRIEF_GONG_CALL_WINDOW_DAYS must be between 1 and 3650".into(),
            ));
        }
        if self.gong_call_max_pages == 0 || self.gong_call_max_pages > 1000 {
            return Err(ConfigError::Invalid(
                "CALLBRIEF_GONG_CALL_MAX_PAGES must be between 1 and 1000".into(),
            ));
        }
        Ok(CallSourceSettings {
            source: self.call_source,
            listing: service::GongListing {
                window_days: self.gong_call_window_days,
                max_pages: self.gong_call_max_pages,
                ttl: Duration::from_secs(self.gong_call_list_ttl_secs),
                ignored: service::domains::IgnoredDomains::new(&self.ignored_email_domains),
            },
        })
    }
}

/// Everything the service reads: Gong, Salesforce and the Gong package's names in Salesforce
/// (`serve`, `mcp`, `briefing`).
#[derive(Debug, Clone, Args)]
pub struct UpstreamArgs {
    #[command(flatten)]
    pub gong: GongArgs,

    #[command(flatten)]
    pub salesforce: SalesforceArgs,

    #[command(flatten)]
    pub gong_fields: GongFieldsArgs,

    #[command(flatten)]
    pub calls: CallSourceArgs,
}

impl UpstreamArgs {
    /// The service settings acting with the service credentials, as `mcp` and `briefing` do.
    pub fn service_account(&self) -> Result<ServiceSettings, ConfigError> {
        let mut settings = ServiceSettings::service_account(
            self.gong.to_config()?,
            self.salesforce.to_settings()?,
            self.gong_fields.to_fields()?,
        );
        settings.calls = self.calls.to_settings()?;
        Ok(settings)
    }
}

/// `callbrief serve`: every setting of the server.
#[derive(Debug, Clone, Args)]
pub struct ServerArgs {
    #[command(flatten)]
    pub address: AddressArgs,

    /// Comma-separated API keys callers must present (Authorization: Bearer, X-API-Key,
    /// x-functions-key or ?code=).
    #[arg(long, env = "CALLBRIEF_API_KEYS", hide_env_values = true)]
    pub api_keys: Option<String>,

    /// Serve without API keys. Anyone who reaches the server can read transcripts: local use only.
    #[arg(long, env = "CALLBRIEF_INSECURE_NO_AUTH")]
    pub insecure_no_auth: bool,

    #[command(flatten)]
    pub action: ActionArgs,

    #[command(flatten)]
    pub oauth: OAuthArgs,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "CALLBRIEF_MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Whole-request time limit in seconds (answers 504 past it); keep it above the Gong deadline
    /// and under ChatGPT's 45 s.
    #[arg(long, env = "CALLBRIEF_REQUEST_TIMEOUT_SECS", default_value_t = DEFAULT_REQUEST_TIMEOUT.as_secs())]
    pub request_timeout_secs: u64,

    /// Most characters in a response (ChatGPT's limit by default); transcripts are cut fairly
    /// to fit, and callers may ask for another budget with maxChars.
    #[arg(long, env = "CALLBRIEF_MAX_RESPONSE_CHARS", default_value_t = DEFAULT_MAX_RESPONSE_CHARS)]
    pub max_response_chars: usize,

    #[command(flatten)]
    pub mcp: McpBudgetArgs,

    /// Seconds a checked Salesforce access token is trusted before it is checked again.
    #[arg(long, env = "CALLBRIEF_TOKEN_CACHE_SECS", default_value_t = service::DEFAULT_TOKEN_CACHE_TTL.as_secs())]
    pub token_cache_secs: u64,

    #[command(flatten)]
    pub connections: ConnectionArgs,

    #[command(flatten)]
    pub operations: OperationsArgs,

    #[command(flatten)]
    pub prefetch: PrefetchArgs,

    #[command(flatten)]
    pub webhook: WebhookArgs,

    #[command(flatten)]
    pub upstream: UpstreamArgs,
}

/// Gong's signed "call processed" webhooks (`serve`).
#[derive(Debug, Clone, Args)]
pub struct WebhookArgs {
    /// The public key (PEM `PUBLIC KEY` block, or its base64 on one line) a Gong automation
    /// rule's "Fire webhook" action shows for its signed JWT; set, POST /webhooks/gong takes
    /// the rule's "call processed" webhooks and fetches each call into the cache. Needs
    /// CALLBRIEF_PUBLIC_URL (the token names the URL it was sent to).
    #[arg(long, env = "GONG_WEBHOOK_PUBLIC_KEY")]
    pub gong_webhook_public_key: Option<String>,

    /// Largest webhook body accepted, in bytes (Gong's call object, parties and content).
    #[arg(long, env = "GONG_WEBHOOK_MAX_BODY_BYTES", default_value_t = crate::config::DEFAULT_WEBHOOK_MAX_BODY_BYTES)]
    pub gong_webhook_max_body_bytes: usize,
}

impl WebhookArgs {
    /// The webhook's settings, the key checked (its error never quotes it).
    pub fn to_settings(&self) -> Result<crate::config::WebhookSettings, ConfigError> {
        at_least_one(
            "GONG_WEBHOOK_MAX_BODY_BYTES",
            self.gong_webhook_max_body_bytes == 0,
        )?;
        let key = match self
            .gong_webhook_public_key
            .as_deref()
            .filter(|k| !k.trim().is_empty())
        {
            Some(text) => Some(
                service::webhook::WebhookKey::parse(text)
                    .map_err(|e| ConfigError::Invalid(format!("GONG_WEBHOOK_PUBLIC_KEY: {e}")))?,
            ),
            None => None,
        };
        Ok(crate::config::WebhookSettings {
            key,
            max_body_bytes: self.gong_webhook_max_body_bytes,
        })
    }
}

/// The prefetch job: the Gong data of the next hours' meetings, cached before reps ask.
#[derive(Debug, Clone, Args)]
pub struct PrefetchArgs {
    /// Minutes between prefetch runs (each run may take that long at most).
    #[arg(long, env = "CALLBRIEF_PREFETCH_EVERY_MINUTES", default_value_t = service::DEFAULT_PREFETCH_EVERY_MINUTES)]
    pub prefetch_every_minutes: u64,

    /// Hours of customer meetings ahead each run covers, at most 168; 0 turns prefetching off.
    #[arg(long, env = "CALLBRIEF_PREFETCH_HOURS_AHEAD", default_value_t = service::DEFAULT_PREFETCH_HOURS_AHEAD)]
    pub prefetch_hours_ahead: usize,
}

impl PrefetchArgs {
    /// The job's settings, checked.
    pub fn to_settings(&self) -> Result<crate::config::PrefetchSettings, ConfigError> {
        at_least_one(
            "CALLBRIEF_PREFETCH_EVERY_MINUTES",
            self.prefetch_every_minutes == 0,
        )?;
        if self.prefetch_hours_ahead > service::MAX_MEETING_HOURS {
            return Err(ConfigError::Invalid(format!(
                "CALLBRIEF_PREFETCH_HOURS_AHEAD must be at most {}",
                service::MAX_MEETING_HOURS
            )));
        }
        Ok(crate::config::PrefetchSettings {
            every: Duration::from_secs(self.prefetch_every_minutes.saturating_mul(60)),
            hours_ahead: self.prefetch_hours_ahead,
        })
    }
}

/// How the server is watched and hosted: the metrics listener, and the port a host platform
/// hands the process.
#[derive(Debug, Clone, Args)]
pub struct OperationsArgs {
    /// Address of a separate listener serving Prometheus metrics at /metrics (e.g.
    /// 0.0.0.0:9090); off when unset. Keep it off the public network: it is not authenticated.
    #[arg(long, env = "CALLBRIEF_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,

    /// Set by the Azure Functions host for a custom handler: the server then listens on
    /// 127.0.0.1 at this port, whatever CALLBRIEF_ADDR says.
    #[arg(long, env = "FUNCTIONS_CUSTOMHANDLER_PORT")]
    pub functions_customhandler_port: Option<u16>,
}

impl OperationsArgs {
    /// The address to listen on: the Functions host's port on loopback when it gave one
    /// (the host proxies to 127.0.0.1), else `addr`.
    pub fn listen_addr(&self, addr: SocketAddr) -> SocketAddr {
        match self.functions_customhandler_port {
            Some(port) => SocketAddr::from(([127, 0, 0, 1], port)),
            None => addr,
        }
    }
}

impl TryFrom<&ServerArgs> for Settings {
    type Error = ConfigError;

    /// The server settings, every rule checked once ([`Settings::validate`]); the access rule
    /// comes first, so a server that would be open is refused whatever else is wrong.
    fn try_from(args: &ServerArgs) -> Result<Self, ConfigError> {
        let api_keys = args
            .api_keys
            .as_deref()
            .map(parse_api_keys)
            .unwrap_or_default();
        let salesforce = args.upstream.salesforce.to_settings()?;
        check_access(
            args.action.auth,
            &api_keys,
            args.insecure_no_auth,
            &salesforce,
        )?;
        let addr = args.operations.listen_addr(args.address.addr);
        let mut settings = Settings::new(addr, args.upstream.gong.to_config()?);
        settings.metrics_addr = args.operations.metrics_addr;
        settings.api_keys = api_keys;
        settings.insecure_no_auth = args.insecure_no_auth;
        settings.public_url = args.address.public_url.clone();
        settings.max_call_ids = args.action.max_call_ids;
        settings.max_body_bytes = args.max_body_bytes;
        settings.request_timeout = Duration::from_secs(args.request_timeout_secs);
        settings.salesforce = salesforce;
        settings.auth_mode = args.action.auth;
        settings.oauth = args.oauth.to_settings()?;
        settings.max_response_chars = args.max_response_chars;
        settings.mcp_max_chars = args.mcp.mcp_max_chars;
        settings.token_cache_ttl = Duration::from_secs(args.token_cache_secs);
        settings.gong_fields = args.upstream.gong_fields.to_fields()?;
        settings.calls = args.upstream.calls.to_settings()?;
        settings.connections = ConnectionSettings::from(&args.connections);
        settings.prefetch = args.prefetch.to_settings()?;
        settings.webhook = args.webhook.to_settings()?;
        settings.validate()?;
        Ok(settings)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// A command with the server's settings, as the binary flattens them.
    #[derive(Debug, Parser)]
    struct Serve {
        #[command(flatten)]
        server: ServerArgs,
    }

    fn settings(argv: &[&str]) -> Result<Settings, ConfigError> {
        let mut full = vec!["serve"];
        full.extend_from_slice(argv);
        let parsed = Serve::try_parse_from(full).expect("flags parse");
        Settings::try_from(&parsed.server)
    }

    #[test]
    fn defaults_are_the_named_constants() {
        let s = settings(&["--api-keys", "k", "--gong-bearer-token", "t"]).expect("valid");
        assert_eq!(s.addr.to_string(), DEFAULT_ADDR);
        assert_eq!(s.max_call_ids, DEFAULT_MAX_CALL_IDS);
        assert_eq!(s.request_timeout, DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(s.connections, ConnectionSettings::default());
        assert_eq!(s.gong.deadline, service::settings::DEFAULT_DEADLINE);
        assert_eq!(s.gong.batch_size, service::settings::DEFAULT_BATCH_SIZE);
        assert_eq!(s.salesforce.deadline, DEFAULT_SALESFORCE_DEADLINE);
        assert_eq!(s.gong_fields, GongFields::default());
    }

    #[test]
    fn cache_lifetimes_are_read_and_bounded() {
        let base = ["--api-keys", "k", "--gong-bearer-token", "t"];
        let s = settings(&base).expect("valid");
        assert_eq!(
            s.gong.cache.found_ttl,
            service::settings::DEFAULT_CACHE_FOUND_TTL
        );
        assert_eq!(
            s.gong.cache.missing_ttl,
            service::settings::DEFAULT_CACHE_MISSING_TTL
        );
        let set = |extra: &[&str]| settings(&[&base[..], extra].concat());
        let s = set(&["--cache-ttl-hours", "24", "--cache-missing-ttl-secs", "0"]).expect("valid");
        assert_eq!(s.gong.cache.found_ttl, Duration::from_secs(24 * 3600));
        assert_eq!(s.gong.cache.missing_ttl, Duration::ZERO);
        for hours in ["0", "8761"] {
            let err = set(&["--cache-ttl-hours", hours]).expect_err("refused");
            assert!(
                err.to_string().contains("CALLBRIEF_CACHE_TTL_HOURS"),
                "{err}"
            );
        }
    }

    #[test]
    fn connection_limits_are_read_and_zero_is_refused() {
        let s = settings(&[
            "--api-keys",
            "k",
            "--gong-bearer-token",
            "t",
            "--max-connections",
            "7",
            "--idle-timeout-secs",
            "45",
        ])
        .expect("valid");
        assert_eq!(s.connections.max_connections, 7);
        assert_eq!(s.connections.idle_timeout, Duration::from_secs(45));
        // A request being worked on must never look idle.
        let err = settings(&[
            "--api-keys",
            "k",
            "--gong-bearer-token",
            "t",
            "--idle-timeout-secs",
            "40",
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("CALLBRIEF_REQUEST_TIMEOUT_SECS"),
            "{err}"
        );
        let err = settings(&[
            "--api-keys",
            "k",
            "--gong-bearer-token",
            "t",
            "--write-timeout-secs",
            "0",
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("CALLBRIEF_WRITE_TIMEOUT_SECS"),
            "{err}"
        );
    }

    #[test]
    fn the_functions_port_wins_over_the_address_and_metrics_are_off_by_default() {
        let s = settings(&["--api-keys", "k", "--gong-bearer-token", "t"]).expect("valid");
        assert_eq!(s.metrics_addr, None);
        let s = settings(&[
            "--api-keys",
            "k",
            "--gong-bearer-token",
            "t",
            "--addr",
            "0.0.0.0:8080",
            "--functions-customhandler-port",
            "7071",
            "--metrics-addr",
            "127.0.0.1:9090",
        ])
        .expect("valid");
        assert_eq!(s.addr.to_string(), "127.0.0.1:7071");
        assert_eq!(
            s.metrics_addr.map(|a| a.to_string()).as_deref(),
            Some("127.0.0.1:9090")
        );
    }

    #[test]
    fn missing_api_keys_are_reported_before_gong_credentials() {
        assert_eq!(settings(&[]).unwrap_err(), ConfigError::NoApiKeys);
        let err = settings(&["--api-keys", "k"]).unwrap_err();
        assert!(err.to_string().contains("no Gong credentials"), "{err}");
    }

    #[test]
    fn a_bad_gong_url_is_named_without_being_echoed() {
        let err = settings(&[
            "--api-keys",
            "k",
            "--gong-bearer-token",
            "t",
            "--gong-base-url",
            "ftp://user:hunter2@x",
        ])
        .unwrap_err()
        .to_string();
        assert!(err.contains("GONG_BASE_URL"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
    }
}
