//! The settings of the clients the service builds (Gong's client and its cache), with their
//! defaults, for front doors that fill them from flags and the environment. Front doors name
//! them here and never reach the Gong client themselves: the service owns it.

pub use gong::config::{
    default_cache_dir, CacheConfig, CacheKey, CacheMode, GongAuth, GongConfig, RedisConfig,
    DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_BACKGROUND_DAILY_SHARE, DEFAULT_BASE_URL, DEFAULT_BATCH_SIZE,
    DEFAULT_CACHE_FOUND_TTL, DEFAULT_CACHE_MEMORY_BYTES, DEFAULT_CACHE_MISSING_TTL,
    DEFAULT_CACHE_RECONCILE_EVERY, DEFAULT_CACHE_RECONCILE_MAX_REQUESTS, DEFAULT_CACHE_SWEEP_EVERY,
    DEFAULT_DAILY_QUOTA, DEFAULT_DAILY_RESERVE, DEFAULT_DEADLINE,
    DEFAULT_DEGRADED_REQUESTS_PER_SECOND, DEFAULT_LAST_SLOT_WAIT, DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_MAX_RETRIES, DEFAULT_REDIS_TIMEOUT, DEFAULT_REQUESTS_PER_SECOND,
};
pub use gong::CacheStats;
pub use store::file::STORE_FILE;
