//! The process-wide request limiter: every request to Gong, from every clone of the client,
//! waits here first.
//!
//! Gong allows a number of requests per second per company (3 by default) and answers 429 above
//! it. A plain token bucket of `n` per second with a burst of `n` can put up to `2n - 1` requests
//! into one second, so the limiter is shaped to never exceed `n` in any one-second window while
//! still letting a pair of requests (transcript + extensive) leave together:
//! burst `b = min(2, n)`, sustained rate `n - b + 1` per second.
//!
//! The limiter runs on tokio's clock, so tests with paused time see it exactly.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// A governor clock reading tokio's (pausable) monotonic time as the offset from a fixed start.
#[derive(Debug, Clone)]
struct TokioClock {
    start: tokio::time::Instant,
}

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.start.elapsed()
    }
}

type Inner = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>;

/// Shared by all clones of a client; `None` inside means unlimited.
#[derive(Clone)]
pub(crate) struct Limiter {
    inner: Option<Arc<Inner>>,
}

impl Limiter {
    /// A limiter keeping at most `requests_per_second` requests in any one-second window;
    /// 0 means unlimited.
    pub(crate) fn new(requests_per_second: u32) -> Self {
        let inner = quota(requests_per_second).map(|quota| {
            let clock = TokioClock {
                start: tokio::time::Instant::now(),
            };
            Arc::new(RateLimiter::direct_with_clock(quota, clock))
        });
        Self { inner }
    }

    /// Waits until one more request may leave.
    pub(crate) async fn acquire(&self) {
        let Some(limiter) = &self.inner else {
            return;
        };
        loop {
            match limiter.check() {
                Ok(()) => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(limiter.clock().now());
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }
}

/// The quota for `n` requests per second (see the module docs), or `None` for unlimited.
fn quota(n: u32) -> Option<Quota> {
    let n = NonZeroU32::new(n)?;
    let burst = n.min(NonZeroU32::MIN.saturating_add(1));
    let sustained = n.get() - burst.get() + 1;
    let period = Duration::from_secs(1) / sustained;
    Quota::with_period(period).map(|q| q.allow_burst(burst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    /// Instants (offsets from the start) at which `count` back-to-back requests get through.
    async fn schedule(rps: u32, count: usize) -> Vec<Duration> {
        let limiter = Limiter::new(rps);
        let start = Instant::now();
        let mut times = Vec::with_capacity(count);
        for _ in 0..count {
            limiter.acquire().await;
            times.push(start.elapsed());
        }
        times
    }

    /// How many of `times` fall in each whole second `[k s, (k + 1) s)` up to the last one.
    fn per_second(times: &[Duration]) -> Vec<usize> {
        let seconds = times
            .iter()
            .map(Duration::as_secs)
            .max()
            .map_or(0, |s| s + 1);
        (0..seconds)
            .map(|k| times.iter().filter(|t| t.as_secs() == k).count())
            .collect()
    }

    fn max_in_any_second(times: &[Duration]) -> usize {
        times
            .iter()
            .map(|t| {
                times
                    .iter()
                    .filter(|u| **u >= *t && **u < *t + Duration::from_secs(1))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn two_per_second_lets_a_pair_leave_then_one_a_second() {
        let times = schedule(2, 5).await;
        assert_eq!(per_second(&times), [2, 1, 1, 1], "{times:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_n_in_any_one_second_window() {
        for rps in [1, 2, 3, 5, 10] {
            let times = schedule(rps, 40).await;
            let max = max_in_any_second(&times);
            assert!(
                max <= rps as usize,
                "rps {rps}: {max} in one second: {times:?}"
            );
            // And it is not needlessly slow: at least n - 1 per second sustained.
            let expected = Duration::from_secs(40 / (u64::from(rps).max(2) - 1) + 1);
            assert!(*times.last().unwrap() <= expected, "rps {rps}: {times:?}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn three_per_second_lets_a_pair_leave_together_and_three_a_second_after() {
        let times = schedule(3, 8).await;
        assert_eq!(times[1], Duration::ZERO, "{times:?}");
        assert_eq!(per_second(&times), [3, 2, 2, 1], "{times:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn zero_means_unlimited() {
        let times = schedule(0, 100).await;
        assert_eq!(per_second(&times), [100]);
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_one_budget() {
        let a = Limiter::new(1);
        let b = a.clone();
        a.acquire().await;
        let within_the_second = tokio::time::timeout(Duration::from_millis(999), b.acquire());
        assert!(within_the_second.await.is_err(), "b waits for a's second");
        let the_rest = tokio::time::timeout(Duration::from_millis(1), b.acquire());
        assert!(the_rest.await.is_ok());
    }
}
