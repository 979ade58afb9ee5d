//! What happens to every `/v2` request before and after its handler: counting, injected
//! faults, authentication, rate limits, and degraded bodies.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::NaiveDate;
use futures::StreamExt;
use tokio::time::Instant;

use super::config::GongSimConfig;
use super::error::ApiError;
use super::SimState;

/// Locks a mutex, recovering the data if a panicking holder poisoned it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Whether the `Authorization` header carries the configured Basic credentials or one of
/// the bearer tokens.
pub fn authorized(headers: &HeaderMap, config: &GongSimConfig) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some((scheme, credentials)) = value.trim().split_once(' ') else {
        return false;
    };
    let credentials = credentials.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let expected = format!("{}:{}", config.access_key, config.access_key_secret);
        STANDARD
            .decode(credentials)
            .ok()
            .is_some_and(|raw| raw == expected.as_bytes())
    } else if scheme.eq_ignore_ascii_case("bearer") {
        !credentials.is_empty() && config.bearer_tokens.iter().any(|t| t == credentials)
    } else {
        false
    }
}

/// Per-second sliding window plus a per-UTC-day quota, across all callers.
#[derive(Debug)]
pub struct Limiter {
    per_sec: Option<u32>,
    quota: Option<u64>,
    retry_after: u64,
    window: VecDeque<Instant>,
    day: Option<NaiveDate>,
    used_today: u64,
}

impl Limiter {
    /// A limiter with the configured limits (`None` disables each).
    pub fn new(config: &GongSimConfig) -> Self {
        Limiter {
            per_sec: config.rate_limit_per_sec,
            quota: config.daily_quota,
            retry_after: config.retry_after_secs,
            window: VecDeque::new(),
            day: None,
            used_today: 0,
        }
    }

    /// Admits a request at `now` on `today`, or says how long to wait. Rejected requests do
    /// not count against either limit.
    pub fn admit(
        &mut self,
        now: Instant,
        today: NaiveDate,
        secs_to_midnight: u64,
    ) -> Result<(), ApiError> {
        if self.day != Some(today) {
            self.day = Some(today);
            self.used_today = 0;
        }
        if let Some(quota) = self.quota {
            if self.used_today >= quota {
                return Err(ApiError::too_many(
                    "Daily API request quota exceeded",
                    secs_to_midnight.max(1),
                ));
            }
        }
        if let Some(limit) = self.per_sec {
            while self
                .window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
            {
                self.window.pop_front();
            }
            if self.window.len() >= limit as usize {
                return Err(ApiError::too_many(
                    "API request limit exceeded: too many requests per second",
                    self.retry_after,
                ));
            }
            self.window.push_back(now);
        }
        self.used_today += 1;
        Ok(())
    }
}

/// The `/v2` middleware; see [`super::Faults`] for the order faults are applied in.
pub async fn guard(State(state): State<Arc<SimState>>, req: Request, next: Next) -> Response {
    let (seq, _in_flight) = state
        .stats
        .begin(req.uri().path(), state.config.clock.now());
    // Authentication and the real limits are checked on arrival, as Gong does: a 429 comes
    // back at once, and a request's place in the window is when it arrived, not when it is
    // answered.
    if !authorized(req.headers(), &state.config) {
        return ApiError::unauthorized().into_response();
    }
    let now = state.config.clock.utc();
    let to_midnight = (now.date_naive().and_time(chrono::NaiveTime::MIN).and_utc()
        + chrono::Duration::days(1)
        - now)
        .num_seconds();
    let admitted = lock(&state.limiter).admit(
        state.config.clock.now(),
        now.date_naive(),
        u64::try_from(to_midnight).unwrap_or(1),
    );
    if let Err(e) = admitted {
        state.stats.count_rate_limited();
        return e.into_response();
    }
    let faults = &state.config.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    let rate_limited_first = u64::from(faults.rate_limit_first);
    if seq <= rate_limited_first {
        state.stats.count_rate_limited();
        return ApiError::too_many("API request limit exceeded", state.config.retry_after_secs)
            .into_response();
    }
    let failing = seq - rate_limited_first <= u64::from(faults.fail_first);
    let unlucky = faults.error_rate > 0.0 && lock(&state.dice).f64() < faults.error_rate;
    if failing || unlucky {
        state.stats.count_server_error();
        return ApiError::internal().into_response();
    }
    let resp = next.run(req).await;
    if resp.status() == StatusCode::OK && (faults.slow_body.is_some() || faults.truncate_body) {
        return degrade(resp, faults.slow_body, faults.truncate_body).await;
    }
    resp
}

/// Re-sends a 200's body in about ten pieces spread over `slow`, and/or only its first half.
async fn degrade(resp: Response, slow: Option<Duration>, truncate: bool) -> Response {
    let (mut parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::internal().into_response();
    };
    let bytes = if truncate {
        bytes.slice(..bytes.len() / 2)
    } else {
        bytes
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let piece = bytes.len().div_ceil(10).max(1);
    let chunks: Vec<Bytes> = (0..bytes.len())
        .step_by(piece)
        .map(|i| bytes.slice(i..(i + piece).min(bytes.len())))
        .collect();
    let delay = slow.map(|d| d / 10).unwrap_or_default();
    let stream = futures::stream::iter(chunks).then(move |chunk| async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        Ok::<_, Infallible>(chunk)
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(per_sec: Option<u32>, quota: Option<u64>) -> GongSimConfig {
        GongSimConfig {
            rate_limit_per_sec: per_sec,
            daily_quota: quota,
            ..GongSimConfig::default()
        }
    }

    #[test]
    fn the_window_admits_the_limit_then_refuses_until_a_second_passed() {
        let mut l = Limiter::new(&config(Some(3), None));
        let t0 = Instant::now();
        let day = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        for _ in 0..3 {
            assert!(l.admit(t0, day, 100).is_ok());
        }
        let err = l
            .admit(t0 + Duration::from_millis(500), day, 100)
            .unwrap_err();
        assert_eq!(
            (err.status, err.retry_after),
            (StatusCode::TOO_MANY_REQUESTS, Some(1))
        );
        assert!(l.admit(t0 + Duration::from_millis(1000), day, 100).is_ok());
    }

    #[test]
    fn the_quota_resets_with_the_day() {
        let mut l = Limiter::new(&config(None, Some(2)));
        let t = Instant::now();
        let d1 = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        assert!(l.admit(t, d1, 50).is_ok());
        assert!(l.admit(t, d1, 50).is_ok());
        assert_eq!(l.admit(t, d1, 50).unwrap_err().retry_after, Some(50));
        assert!(l.admit(t, d1.succ_opt().unwrap(), 50).is_ok());
    }

    #[test]
    fn auth_accepts_basic_and_bearer_and_nothing_else() {
        let c = GongSimConfig::default();
        let mut h = HeaderMap::new();
        assert!(!authorized(&h, &c));
        let basic = STANDARD.encode("demo-access-key:demo-access-key-secret");
        h.insert(
            header::AUTHORIZATION,
            format!("Basic {basic}").parse().unwrap(),
        );
        assert!(authorized(&h, &c));
        h.insert(
            header::AUTHORIZATION,
            "Bearer demo-bearer-token".parse().unwrap(),
        );
        assert!(authorized(&h, &c));
        h.insert(header::AUTHORIZATION, "Bearer other".parse().unwrap());
        assert!(!authorized(&h, &c));
        h.insert(
            header::AUTHORIZATION,
            format!("Token {basic}").parse().unwrap(),
        );
        assert!(!authorized(&h, &c));
    }
}
