//! Counters of what the simulator saw, so tests can assert concurrency, retries and rate
//! limiting without measuring time.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// Shared, cheap-to-clone request counters of one simulator instance.
#[derive(Debug, Clone, Default)]
pub struct SimStats {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    requests: AtomicU64,
    in_flight: AtomicU64,
    max_in_flight: AtomicU64,
    rate_limited: AtomicU64,
    server_errors: AtomicU64,
    per_path: Mutex<HashMap<String, u64>>,
    /// Arrival times within the last second, and the most there ever were.
    last_second: Mutex<VecDeque<Instant>>,
    max_per_second: AtomicU64,
    /// Told whenever a request starts or ends, for [`SimStats::wait_until`].
    changed: tokio::sync::Notify,
}

/// Marks one request as in flight until dropped.
#[derive(Debug)]
pub(crate) struct InFlight {
    inner: Arc<Inner>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.inner.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.inner.changed.notify_waiters();
    }
}

impl SimStats {
    /// Waits until `holds` is true of these counters, looking again each time a request starts
    /// or ends: an observer learns of the simulator's work without polling it.
    pub async fn wait_until(&self, holds: impl Fn(&SimStats) -> bool) {
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if holds(self) {
                return;
            }
            changed.await;
        }
    }

    /// Total `/v2` requests received, whatever their outcome.
    pub fn requests(&self) -> u64 {
        self.inner.requests.load(Ordering::SeqCst)
    }

    /// Requests received for this exact path (e.g. `/v2/calls/transcript`).
    pub fn requests_to(&self, path: &str) -> u64 {
        self.inner
            .per_path
            .lock()
            .map(|m| m.get(path).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// The most requests ever in flight at once.
    pub fn max_in_flight(&self) -> u64 {
        self.inner.max_in_flight.load(Ordering::SeqCst)
    }

    /// The most requests received within any one second of the simulator's clock, whatever
    /// their outcome: what a client's own rate limiter let through.
    pub fn max_per_second(&self) -> u64 {
        self.inner.max_per_second.load(Ordering::SeqCst)
    }

    /// Requests in flight now.
    pub fn in_flight(&self) -> u64 {
        self.inner.in_flight.load(Ordering::SeqCst)
    }

    /// Requests answered 429 (rate limit, daily quota or injected).
    pub fn rate_limited(&self) -> u64 {
        self.inner.rate_limited.load(Ordering::SeqCst)
    }

    /// Requests answered 500 (injected).
    pub fn server_errors(&self) -> u64 {
        self.inner.server_errors.load(Ordering::SeqCst)
    }

    /// Counts a request arriving at `now` and marks it in flight; returns its 1-based sequence
    /// number.
    pub(crate) fn begin(&self, path: &str, now: Instant) -> (u64, InFlight) {
        let seq = self.inner.requests.fetch_add(1, Ordering::SeqCst) + 1;
        if let Ok(mut m) = self.inner.per_path.lock() {
            *m.entry(path.to_string()).or_default() += 1;
        }
        if let Ok(mut window) = self.inner.last_second.lock() {
            while window
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= Duration::from_secs(1))
            {
                window.pop_front();
            }
            window.push_back(now);
            let count = u64::try_from(window.len()).unwrap_or(u64::MAX);
            self.inner.max_per_second.fetch_max(count, Ordering::SeqCst);
        }
        let now = self.inner.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.inner.max_in_flight.fetch_max(now, Ordering::SeqCst);
        self.inner.changed.notify_waiters();
        (
            seq,
            InFlight {
                inner: self.inner.clone(),
            },
        )
    }

    pub(crate) fn count_rate_limited(&self) {
        self.inner.rate_limited.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn count_server_error(&self) {
        self.inner.server_errors.fetch_add(1, Ordering::SeqCst);
    }
}
