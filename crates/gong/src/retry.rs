//! Retry policy, as pure functions: which answers are worth another attempt, and how long to wait.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

/// Longest wait between two attempts, however many retries came before.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Most retries spent on an answer whose body could not be read (cut off, not JSON). Such a body
/// is usually a transport fault worth one more try, but a server that always sends garbage
/// should not eat the whole deadline.
pub(crate) const MAX_DECODE_RETRIES: u32 = 2;

/// What one status means for the retry loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusClass {
    /// 2xx: read the body.
    Success,
    /// 404: Gong's way of saying "nothing matches" on list endpoints.
    NotFound,
    /// 401/403: the credentials will not get better by retrying.
    Unauthorized,
    /// 429: wait (`Retry-After` when given) and retry.
    RateLimited,
    /// 408 and 5xx: back off and retry.
    Transient,
    /// Every other status (400, 405, 422, ...): the request itself is wrong; never retried.
    Permanent,
}

/// Classifies a status code.
pub(crate) fn classify(status: StatusCode) -> StatusClass {
    match status.as_u16() {
        200..=299 => StatusClass::Success,
        404 => StatusClass::NotFound,
        401 | 403 => StatusClass::Unauthorized,
        429 => StatusClass::RateLimited,
        408 | 500..=599 => StatusClass::Transient,
        _ => StatusClass::Permanent,
    }
}

/// `Retry-After` as whole seconds (Gong's form). An HTTP date or garbage yields `None`, and the
/// caller falls back to its backoff.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    raw.parse::<u64>().ok().map(Duration::from_secs)
}

/// Exponential backoff with jitter: the `retry`-th retry (0-based) waits between half and all of
/// `initial * 2^retry`, capped at [`MAX_BACKOFF`]. The jitter keeps clients that failed together
/// from retrying together.
pub(crate) fn backoff(initial: Duration, retry: u32) -> Duration {
    let factor = 1u32.checked_shl(retry.min(16)).unwrap_or(u32::MAX);
    let full = initial.saturating_mul(factor).min(MAX_BACKOFF);
    let half = full / 2;
    let jitter_nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX);
    half + Duration::from_nanos(fastrand::u64(0..=jitter_nanos))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn statuses_are_classified_as_gong_means_them() {
        let class = |code| classify(StatusCode::from_u16(code).unwrap());
        assert_eq!(class(200), StatusClass::Success);
        assert_eq!(class(404), StatusClass::NotFound);
        assert_eq!(class(401), StatusClass::Unauthorized);
        assert_eq!(class(403), StatusClass::Unauthorized);
        assert_eq!(class(429), StatusClass::RateLimited);
        for code in [408, 500, 502, 503, 504] {
            assert_eq!(class(code), StatusClass::Transient, "{code}");
        }
        for code in [400, 405, 409, 422] {
            assert_eq!(class(code), StatusClass::Permanent, "{code}");
        }
    }

    #[test]
    fn retry_after_reads_integer_seconds_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static(" 0 "));
        assert_eq!(retry_after(&headers), Some(Duration::ZERO));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let initial = Duration::from_millis(200);
        for retry in 0..6 {
            let full = (initial * 2u32.pow(retry)).min(MAX_BACKOFF);
            for _ in 0..50 {
                let wait = backoff(initial, retry);
                assert!(wait >= full / 2 && wait <= full, "retry {retry}: {wait:?}");
            }
        }
        assert!(backoff(initial, u32::MAX) <= MAX_BACKOFF);
        assert_eq!(backoff(Duration::ZERO, 3), Duration::ZERO);
    }
}
