//! How a simulator run behaves: credentials, paging, limits and injected faults.

use std::sync::Arc;
use std::time::Duration;

use crate::clock::{self, Clock};

/// Settings of one Gong simulator instance. The defaults match Gong's documented limits
/// (3 requests per second, 10,000 a day) and the demo credentials.
#[derive(Debug, Clone)]
pub struct GongSimConfig {
    /// Access key accepted in `Authorization: Basic base64(key:secret)`.
    pub access_key: String,
    /// Access key secret accepted with [`GongSimConfig::access_key`].
    pub access_key_secret: String,
    /// Tokens accepted in `Authorization: Bearer <token>`.
    pub bearer_tokens: Vec<String>,
    /// Records per page of every list answer (at least 1 is used).
    pub page_size: usize,
    /// Requests per second across all callers; `None` turns the limit off.
    pub rate_limit_per_sec: Option<u32>,
    /// Requests per UTC day; `None` turns the quota off.
    pub daily_quota: Option<u64>,
    /// `Retry-After` seconds sent with per-second and injected 429s.
    pub retry_after_secs: u64,
    /// Failures to inject.
    pub faults: Faults,
    /// Where the per-second window and the UTC day of the quota are read: the real time by
    /// default, a [`crate::clock::ManualClock`] in tests that move time instead of waiting.
    pub clock: Arc<dyn Clock>,
}

impl GongSimConfig {
    /// This configuration reading the time from `clock`.
    pub fn with_clock(self, clock: impl Clock + 'static) -> Self {
        GongSimConfig {
            clock: Arc::new(clock),
            ..self
        }
    }
}

impl Default for GongSimConfig {
    fn default() -> Self {
        GongSimConfig {
            access_key: "demo-access-key".into(),
            access_key_secret: "demo-access-key-secret".into(),
            bearer_tokens: vec!["demo-bearer-token".into()],
            page_size: 100,
            rate_limit_per_sec: Some(3),
            daily_quota: Some(10_000),
            retry_after_secs: 1,
            faults: Faults::default(),
            clock: clock::system(),
        }
    }
}

/// Failures injected into `/v2` requests that passed authentication and the real limits (both
/// checked on arrival, as Gong does), applied in this order: `latency`, `rate_limit_first`,
/// `fail_first`, `error_rate`; then, on a 200, `slow_body` and `truncate_body`. They let
/// client tests exercise retries, deadlines and broken bodies against real HTTP.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Delay before each request is answered.
    pub latency: Duration,
    /// Chance (0..1) that a request answers 500.
    pub error_rate: f64,
    /// The first N requests answer 500.
    pub fail_first: u32,
    /// The first N requests answer 429 with `Retry-After`.
    pub rate_limit_first: u32,
    /// Stream a 200 body in about ten pieces spread over this long.
    pub slow_body: Option<Duration>,
    /// Send only about the first half of a 200's JSON body, then end it.
    pub truncate_body: bool,
    /// Seed of the `error_rate` dice, so a run's failures are reproducible.
    pub seed: u64,
}
