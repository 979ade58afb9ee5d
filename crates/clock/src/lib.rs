//! Where callbrief reads the time, so tests can move it instead of waiting for it.
//!
//! Every time-dependent rule asks a [`Clock`]: the service's "upcoming" and "recent" windows,
//! the authorization server's token lifetimes, the simulators' rate windows, quotas and token
//! lifetimes. [`SystemClock`] is the default: tokio's monotonic clock (so
//! `tokio::time::pause`/`advance` move it in tests) and the system's UTC time.
//! [`ManualClock`] only moves when told, so a test expires a token or closes a rate window with
//! one `advance` call and no sleep.
//!
//! Injected delays (Gong `latency` and slow bodies) are waits, not readings of the clock: they run
//! on tokio's timer, which paused tokio time controls.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::time::Instant;

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Monotonic time, for windows and lifetimes.
    fn now(&self) -> Instant;
    /// Wall-clock time, for dates and timestamps clients see.
    fn utc(&self) -> DateTime<Utc>;
    /// Wall-clock time in whole seconds since the Unix epoch (0 before it).
    fn unix_secs(&self) -> u64 {
        u64::try_from(self.utc().timestamp()).unwrap_or(0)
    }
}

/// The real time: tokio's monotonic clock and the system's UTC clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn utc(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until [`ManualClock::advance`] moves it; clones share one time.
/// Both readings move together: `utc()` is the start time plus everything advanced so far.
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug)]
struct ManualInner {
    origin: Instant,
    start: DateTime<Utc>,
    advanced: Mutex<Duration>,
}

impl ManualClock {
    /// A clock reading the current UTC time until advanced.
    pub fn new() -> Self {
        Self::starting_at(Utc::now())
    }

    /// A clock reading `start` until advanced, e.g. a second before midnight to test a daily
    /// quota's reset.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        ManualClock {
            inner: Arc::new(ManualInner {
                origin: Instant::now(),
                start,
                advanced: Mutex::new(Duration::ZERO),
            }),
        }
    }

    /// Moves the time forward by `by`, for every clone of this clock.
    pub fn advance(&self, by: Duration) {
        let mut advanced = self.advanced();
        *advanced = advanced.saturating_add(by);
    }

    fn advanced(&self) -> std::sync::MutexGuard<'_, Duration> {
        // A plain duration cannot be left half-updated by a panicking holder.
        self.inner
            .advanced
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.inner.origin + *self.advanced()
    }

    fn utc(&self) -> DateTime<Utc> {
        let advanced = *self.advanced();
        chrono::Duration::from_std(advanced)
            .ok()
            .and_then(|d| self.inner.start.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// The real clock, shared: what everything uses unless a test gives it another.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_clones_share_it() {
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 23, 59, 59).unwrap();
        let clock = ManualClock::starting_at(start);
        let other = clock.clone();
        let t0 = clock.now();
        assert_eq!((clock.now(), clock.utc()), (t0, start));
        other.advance(Duration::from_secs(2));
        assert_eq!(clock.now() - t0, Duration::from_secs(2));
        assert_eq!(
            clock.utc(),
            Utc.with_ymd_and_hms(2025, 1, 2, 0, 0, 1).unwrap()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_system_clock_follows_paused_tokio_time() {
        let t0 = SystemClock.now();
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(SystemClock.now() - t0, Duration::from_secs(5));
    }
}
