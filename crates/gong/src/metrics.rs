//! What the client records for monitoring, through the `metrics` facade: the process that
//! embeds the client decides whether and where the values are exported (the server renders
//! them for Prometheus). Without an installed recorder every call here does nothing.
//!
//! Labels are fixed words only: the endpoint's path template (`v2/calls/transcript`), a status
//! code or failure kind, a cache tier. Never a call id, a tenant or a credential, so the set of
//! series stays small and nothing about a customer leaves through the metrics.

use std::time::Duration;

use crate::GongError;

/// Requests sent to Gong, by `endpoint` and `status` (a code, or `timeout` / `error`).
pub const REQUESTS: &str = "callbrief_gong_requests_total";
/// Time one attempt took, by `endpoint`.
pub const REQUEST_DURATION: &str = "callbrief_gong_request_duration_seconds";
/// Attempts to be retried, by `endpoint` and `reason`.
pub const RETRIES: &str = "callbrief_gong_retries_total";
/// Answers `429 Too Many Requests`, by `endpoint`.
pub const RATE_LIMITED: &str = "callbrief_gong_rate_limited_total";
/// Time a request waited for the limiter (rate limit or a 429 pause) before it could leave.
pub const LIMITER_WAIT: &str = "callbrief_gong_limiter_wait_seconds";
/// Gong requests counted today against the daily quota.
pub const QUOTA_USED: &str = "callbrief_gong_daily_quota_used";
/// Gong requests left of today's quota (absent when the quota is not counted).
pub const QUOTA_REMAINING: &str = "callbrief_gong_daily_quota_remaining";
/// Call ids waiting for a Gong request slot.
pub const QUEUED_IDS: &str = "callbrief_gong_queued_ids";
/// Cached answers found, by `tier` (`memory`, `disk`).
pub const CACHE_HITS: &str = "callbrief_cache_hits_total";
/// Asks the cache could not answer (they go to Gong).
pub const CACHE_MISSES: &str = "callbrief_cache_misses_total";
/// Bytes held, by `tier` (`memory`: cached values; `disk`: the store's file).
pub const CACHE_BYTES: &str = "callbrief_cache_bytes";
/// Entries held, by `tier`.
pub const CACHE_ENTRIES: &str = "callbrief_cache_entries";
/// Entries pushed out of the memory tier to make room or because they expired, by `tier`.
pub const CACHE_EVICTIONS: &str = "callbrief_cache_evictions_total";

/// One attempt's outcome: `status` is `None` when no answer came.
pub(crate) fn request(endpoint: &'static str, status: Option<u16>, took: Duration) {
    let status = status.map_or(std::borrow::Cow::Borrowed("error"), |code| {
        std::borrow::Cow::Owned(code.to_string())
    });
    if status == "429" {
        metrics::counter!(RATE_LIMITED, "endpoint" => endpoint).increment(1);
    }
    metrics::counter!(REQUESTS, "endpoint" => endpoint, "status" => status).increment(1);
    metrics::histogram!(REQUEST_DURATION, "endpoint" => endpoint).record(took.as_secs_f64());
}

/// An attempt that failed with `error` and is worth another.
pub(crate) fn retry(endpoint: &'static str, error: &GongError) {
    let reason = match error {
        GongError::RateLimited { .. } => "rate_limited",
        GongError::Upstream { .. } => "server_error",
        GongError::Transport(_) => "transport",
        GongError::InvalidResponse(_) => "invalid_response",
        _ => "other",
    };
    metrics::counter!(RETRIES, "endpoint" => endpoint, "reason" => reason).increment(1);
}

/// A wait for the limiter that ended with a slot.
pub(crate) fn limiter_wait(waited: Duration) {
    metrics::histogram!(LIMITER_WAIT).record(waited.as_secs_f64());
}

/// A cache lookup: `Some(tier)` when found there, `None` for a miss.
pub(crate) fn cache_lookup(tier: Option<&'static str>) {
    match tier {
        Some(tier) => metrics::counter!(CACHE_HITS, "tier" => tier).increment(1),
        None => metrics::counter!(CACHE_MISSES).increment(1),
    }
}

/// An entry evicted from `tier`.
pub(crate) fn cache_eviction(tier: &'static str) {
    metrics::counter!(CACHE_EVICTIONS, "tier" => tier).increment(1);
}

/// Sets the gauges that describe the client's state now; called when metrics are read.
pub(crate) fn gauges(
    (used, quota): (u32, u32),
    queued_ids: usize,
    cache: Option<&crate::CacheStats>,
) {
    metrics::gauge!(QUOTA_USED).set(f64::from(used));
    if quota > 0 {
        metrics::gauge!(QUOTA_REMAINING).set(f64::from(quota.saturating_sub(used)));
    }
    metrics::gauge!(QUEUED_IDS).set(queued_ids as f64);
    if let Some(stats) = cache {
        metrics::gauge!(CACHE_BYTES, "tier" => "memory").set(stats.memory_bytes as f64);
        metrics::gauge!(CACHE_ENTRIES, "tier" => "memory").set(stats.memory_entries as f64);
        if stats.path.is_some() {
            metrics::gauge!(CACHE_BYTES, "tier" => "disk").set(stats.disk_file_bytes as f64);
            metrics::gauge!(CACHE_ENTRIES, "tier" => "disk").set(stats.disk_entries as f64);
        }
    }
}
