//! The exact rate limit, the shared 429 pause and the daily budget, over a small state trait.
//!
//! Gong counts requests per company: at most `requests_per_second` in any one-second window and
//! `daily_quota` per day, answering 429 with `Retry-After` beyond either. The limiter keeps the
//! last `n` send instants and lets a request leave only when fewer than `n` left in the past
//! window (a second plus a small margin for network jitter): never more than `n` in any
//! sliding one-second window, and a full `n` per window
//! whenever work is waiting (a token bucket drifts below or bursts above it). One 429 pauses
//! every request of the process until its `Retry-After` has passed: Gong's limit is shared, so
//! every other request would be refused too.
//!
//! The counters live behind [`SchedulerState`] ([`InProcessState`] in this process's memory);
//! with Redis configured, the limiter counts in the shared store first (see `shared`) and
//! keeps the local state for when Redis does not answer.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use crate::shared::{SharedSlot, SharedStore, PROBE_INTERVAL};
use crate::GongError;

/// Slack added to Gong's one-second window. Requests sent at the two edges of a window reach
/// Gong with different network and scheduling delays, so two sends exactly one second apart can
/// arrive 0.99 s apart, draw a 429 and pause every request for its `Retry-After`. 50 ms costs
/// under 5% of the rate (3 requests per 1.05 s) and absorbs that jitter.
pub(crate) const ARRIVAL_MARGIN: Duration = Duration::from_millis(50);

/// Length of the sliding window the per-second limit is counted in: Gong's second plus
/// [`ARRIVAL_MARGIN`].
pub(crate) const WINDOW: Duration = Duration::from_secs(1).saturating_add(ARRIVAL_MARGIN);

/// Further slack of the window replicas share through Redis: a slot is stamped with Redis's
/// clock when the script runs, and the request leaves only once the answer is back in the
/// replica, a delay that varies with the load on Redis and on the replica.
pub(crate) const SHARED_ARRIVAL_MARGIN: Duration = Duration::from_millis(50);

/// The window counted in Redis: [`WINDOW`] plus [`SHARED_ARRIVAL_MARGIN`].
pub(crate) const SHARED_WINDOW: Duration = WINDOW.saturating_add(SHARED_ARRIVAL_MARGIN);

/// How long a replica back on Redis keeps to its alone rate as well: the others find Redis
/// again at their next probe ([`PROBE_INTERVAL`]), made when they next ask for a slot, which
/// going alone may be up to a window later.
pub(crate) const RESUME_GRACE: Duration = PROBE_INTERVAL.saturating_add(WINDOW);

/// Seconds in the day the daily budget is counted over.
const DAY_SECS: u64 = 24 * 60 * 60;

/// What asking for a request slot came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// One request may leave now; it has been counted.
    Granted,
    /// No slot before this instant (the window is full or traffic is paused).
    WaitUntil(Instant),
    /// The daily budget is spent until it resets.
    QuotaSpent {
        /// Time until the daily budget starts over.
        resets_in: Duration,
    },
}

/// The scheduler's shared counters: sliding window, pause, daily count and single-flight claims.
///
/// Synchronous and quick: this is the process's own state (tests put gates around it). One
/// state serves one Gong company (its limits are per company), so keys need no tenant. The
/// state replicas share is Redis, asynchronous and fallible, so it is not behind this trait:
/// the limiter asks it first and falls back on this one (see `shared`).
pub trait SchedulerState: Send + Sync {
    /// Takes one request slot at `now` if the window holds fewer than `per_second` sends
    /// (0 = no window), traffic is not paused and fewer than `daily_limit` requests went out
    /// today (0 = not counted). A granted slot is counted at once.
    fn take_slot(&self, now: Instant, per_second: u32, daily_limit: u32) -> Slot;
    /// Slots free at `now` without waiting, and how long traffic stays paused.
    fn peek(&self, now: Instant, per_second: u32) -> (u32, Duration);
    /// Holds back every request until `until` (the later of this and any earlier pause wins).
    fn pause_until(&self, until: Instant);
    /// How long ago each send still within the window left, oldest first.
    fn recent_sends(&self, now: Instant) -> Vec<Duration>;
    /// Requests counted today, and the time until the count starts over.
    fn daily_used(&self) -> (u32, Duration);
    /// Claims `key` (a call fetch) for `ttl`; `false` when someone else holds a live claim.
    fn claim(&self, key: &str, now: Instant, ttl: Duration) -> bool;
    /// Gives a claim back.
    fn release(&self, key: &str);
}

/// [`SchedulerState`] in this process's memory.
#[derive(Debug, Default)]
pub struct InProcessState {
    inner: Mutex<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    /// Send instants within the last window, oldest first.
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
    /// UTC day number the daily count belongs to.
    day: u64,
    used_today: u32,
    claims: HashMap<String, Instant>,
}

/// The UTC day number and the time left in it.
pub(crate) fn today() -> (u64, Duration) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    (
        secs / DAY_SECS,
        Duration::from_secs(DAY_SECS - secs % DAY_SECS),
    )
}

impl Counters {
    fn roll_day(&mut self) -> Duration {
        let (day, left) = today();
        if day != self.day {
            self.day = day;
            self.used_today = 0;
        }
        left
    }

    fn trim(&mut self, now: Instant) {
        while self.sent.front().is_some_and(|t| *t + WINDOW <= now) {
            self.sent.pop_front();
        }
    }
}

impl InProcessState {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counters> {
        // The counters stay consistent at every await-free step, so a panic elsewhere cannot
        // leave them half-updated: recover instead of failing every later request.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl SchedulerState for InProcessState {
    fn take_slot(&self, now: Instant, per_second: u32, daily_limit: u32) -> Slot {
        let mut c = self.lock();
        if let Some(until) = c.paused_until {
            if until > now {
                return Slot::WaitUntil(until);
            }
            c.paused_until = None;
        }
        let resets_in = c.roll_day();
        if daily_limit > 0 && c.used_today >= daily_limit {
            return Slot::QuotaSpent { resets_in };
        }
        if per_second > 0 {
            c.trim(now);
            if c.sent.len() >= per_second as usize {
                if let Some(oldest) = c.sent.front() {
                    return Slot::WaitUntil(*oldest + WINDOW);
                }
            }
            c.sent.push_back(now);
        }
        c.used_today = c.used_today.saturating_add(1);
        Slot::Granted
    }

    fn peek(&self, now: Instant, per_second: u32) -> (u32, Duration) {
        let mut c = self.lock();
        c.trim(now);
        let paused = c
            .paused_until
            .map_or(Duration::ZERO, |u| u.saturating_duration_since(now));
        let in_window = u32::try_from(c.sent.len()).unwrap_or(u32::MAX);
        let free = if per_second == 0 {
            u32::MAX
        } else {
            per_second.saturating_sub(in_window)
        };
        (free, paused)
    }

    fn pause_until(&self, until: Instant) {
        let mut c = self.lock();
        c.paused_until = Some(c.paused_until.map_or(until, |p| p.max(until)));
    }

    fn recent_sends(&self, now: Instant) -> Vec<Duration> {
        let mut c = self.lock();
        c.trim(now);
        c.sent
            .iter()
            .map(|t| now.saturating_duration_since(*t))
            .collect()
    }

    fn daily_used(&self) -> (u32, Duration) {
        let mut c = self.lock();
        let left = c.roll_day();
        (c.used_today, left)
    }

    fn claim(&self, key: &str, now: Instant, ttl: Duration) -> bool {
        let mut c = self.lock();
        if c.claims.get(key).is_some_and(|until| *until > now) {
            return false;
        }
        c.claims.insert(key.to_owned(), now + ttl);
        true
    }

    fn release(&self, key: &str) {
        self.lock().claims.remove(key);
    }
}

/// The process-wide gate every Gong request passes. Cheap to clone; clones share the state.
///
/// With a [`SharedStore`] the window, pause, daily count and claims are those of every replica
/// (Redis); whenever Redis does not answer, the local state stands in at the degraded rate.
/// A 429 always pauses the local state too, so this replica holds back even if Redis missed it.
#[derive(Clone)]
pub(crate) struct Limiter {
    state: Arc<dyn SchedulerState>,
    shared: Option<Arc<SharedStore>>,
    per_second: u32,
    degraded_per_second: u32,
    daily_quota: u32,
    daily_reserve: u32,
    /// How this replica moves between the shared window and going alone.
    switch: Arc<Mutex<Switch>>,
}

/// What the limiter remembers of its moves between Redis and going alone, so that neither
/// move puts more than Gong's limit into one window:
/// - going alone, the other replicas' last sends are unknown: nothing leaves for one window;
/// - coming back, this replica first adds what it sent alone to the shared window and day, and
///   for [`RESUME_GRACE`] keeps to its alone rate as well, since the others may still be
///   going alone (they come back at their next probe).
#[derive(Debug, Default)]
struct Switch {
    /// Whether Redis failed and this replica counts alone.
    going_alone: bool,
    /// Requests sent alone not yet added to the shared day count.
    alone: u32,
    /// When this replica came back on the shared window.
    resumed_at: Option<Instant>,
}

impl Limiter {
    /// A limiter keeping at most `per_second` requests in any one-second window (0 = no
    /// window) and `daily_quota` a day (0 = not counted), `daily_reserve` of which new
    /// fetches may not use.
    pub(crate) fn new(
        state: Arc<dyn SchedulerState>,
        per_second: u32,
        daily_quota: u32,
        daily_reserve: u32,
    ) -> Self {
        Self {
            state,
            shared: None,
            per_second,
            degraded_per_second: per_second,
            daily_quota,
            daily_reserve: daily_reserve.min(daily_quota),
            switch: Arc::default(),
        }
    }

    /// Counts in `shared` (every replica's), falling back to the local state at
    /// `degraded_per_second` (never more than the full rate; 0 = the full rate) while it fails.
    pub(crate) fn with_shared(
        mut self,
        shared: Arc<SharedStore>,
        degraded_per_second: u32,
    ) -> Self {
        self.degraded_per_second = match (self.per_second, degraded_per_second) {
            (full, 0) => full,
            (0, degraded) => degraded,
            (full, degraded) => full.min(degraded),
        };
        self.shared = Some(shared);
        self
    }

    /// The shared store, when replicas share the state.
    pub(crate) fn shared(&self) -> Option<&Arc<SharedStore>> {
        self.shared.as_ref()
    }

    /// Requests per second allowed now (0 = unlimited): the local share while Redis fails.
    pub(crate) fn per_second(&self) -> u32 {
        match &self.shared {
            Some(shared) if shared.is_degraded() => self.degraded_per_second,
            _ => self.per_second,
        }
    }

    /// Takes a slot now if one is free.
    pub(crate) async fn try_acquire(&self) -> Slot {
        let Some(shared) = &self.shared else {
            return self
                .state
                .take_slot(Instant::now(), self.per_second, self.daily_quota);
        };
        let (_, paused) = self.state.peek(Instant::now(), 0);
        if !paused.is_zero() {
            return Slot::WaitUntil(Instant::now() + paused);
        }
        let (day, resets_in) = today();
        if shared.is_degraded() {
            self.go_alone();
        }
        // Back from going alone (whoever found Redis again): merge first.
        let alone = self.lock_switch().going_alone;
        if alone && !self.come_back(shared, day).await {
            return self.alone_slot();
        }
        if self.just_resumed() {
            // Others may still go alone: this replica keeps to its alone rate too.
            let local = self
                .state
                .take_slot(Instant::now(), self.degraded_per_second, 0);
            if local != Slot::Granted {
                return local;
            }
        }
        match shared
            .take_slot(self.per_second, self.daily_quota, SHARED_WINDOW, day)
            .await
        {
            Some(SharedSlot::Granted) => Slot::Granted,
            Some(SharedSlot::Wait(wait)) => Slot::WaitUntil(Instant::now() + wait),
            Some(SharedSlot::QuotaSpent) => Slot::QuotaSpent { resets_in },
            None => {
                self.go_alone();
                self.alone_slot()
            }
        }
    }

    /// Notes that Redis failed; on the move from the shared window, nothing leaves for one
    /// window, which may be full of the others' sends.
    fn go_alone(&self) {
        let mut switch = self.lock_switch();
        if !switch.going_alone {
            switch.going_alone = true;
            switch.resumed_at = None;
            self.state.pause_until(Instant::now() + WINDOW);
        }
    }

    /// A slot of this replica's own window at the alone rate, counted for the shared day
    /// when Redis returns.
    fn alone_slot(&self) -> Slot {
        let slot = self
            .state
            .take_slot(Instant::now(), self.degraded_per_second, self.daily_quota);
        if slot == Slot::Granted {
            let mut switch = self.lock_switch();
            switch.alone = switch.alone.saturating_add(1);
        }
        slot
    }

    /// Back on Redis (if it answers): what this replica sent alone joins the shared window and
    /// day first. `false` while Redis does not answer.
    async fn come_back(&self, shared: &SharedStore, day: u64) -> bool {
        let ages = self.state.recent_sends(Instant::now());
        let alone = std::mem::take(&mut self.lock_switch().alone);
        if shared.merge_sends(&ages, alone, day).await.is_none() {
            let mut switch = self.lock_switch();
            switch.alone = switch.alone.saturating_add(alone);
            return false;
        }
        let mut switch = self.lock_switch();
        switch.going_alone = false;
        switch.resumed_at = Some(Instant::now());
        true
    }

    /// Whether this replica came back on Redis less than [`RESUME_GRACE`] ago.
    fn just_resumed(&self) -> bool {
        let mut switch = self.lock_switch();
        match switch.resumed_at {
            Some(at) if at.elapsed() < RESUME_GRACE => true,
            Some(_) => {
                switch.resumed_at = None;
                false
            }
            None => false,
        }
    }

    fn lock_switch(&self) -> std::sync::MutexGuard<'_, Switch> {
        self.switch.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits (at most until `deadline`) until the shared window probably has a free slot, so a
    /// batch formed next leaves at once; without shared state, or when Redis fails, returns
    /// at once.
    pub(crate) async fn wait_for_free_slot(&self, deadline: Instant) {
        let Some(shared) = &self.shared else { return };
        loop {
            let (_, paused) = self.state.peek(Instant::now(), 0);
            let wait = match shared.slot_wait(self.per_second, SHARED_WINDOW).await {
                Some(wait) => wait.max(paused),
                None => return,
            };
            if wait.is_zero() {
                return;
            }
            let at = Instant::now() + wait;
            if at >= deadline {
                return;
            }
            tokio::time::sleep_until(at).await;
        }
    }

    /// Waits until one more request may leave; fails once the whole daily budget is spent.
    pub(crate) async fn acquire(&self) -> Result<(), GongError> {
        let started = Instant::now();
        loop {
            match self.try_acquire().await {
                Slot::Granted => {
                    crate::metrics::limiter_wait(started.elapsed());
                    return Ok(());
                }
                Slot::WaitUntil(at) => tokio::time::sleep_until(at).await,
                Slot::QuotaSpent { resets_in } => {
                    return Err(GongError::QuotaExhausted { resets_in })
                }
            }
        }
    }

    /// Requests counted today and the daily quota (0 = not counted), for monitoring.
    pub(crate) fn daily_usage(&self) -> (u32, u32) {
        let (used, _) = self.state.daily_used();
        (used, self.daily_quota)
    }

    /// Pauses every request for `wait` (after a 429): this replica's, and every replica's.
    pub(crate) async fn pause(&self, wait: Duration) {
        self.state.pause_until(Instant::now() + wait);
        if let Some(shared) = &self.shared {
            shared.pause(wait).await;
        }
    }

    /// Slots free right now, the pause left, and the rate in force.
    pub(crate) async fn peek(&self) -> (u32, Duration, u32) {
        let local = self.state.peek(Instant::now(), self.per_second());
        if let Some(shared) = &self.shared {
            if let Some((free, paused)) = shared.peek(self.per_second, SHARED_WINDOW).await {
                return (free, paused.max(local.1), self.per_second);
            }
            let (free, paused) = self.state.peek(Instant::now(), self.degraded_per_second);
            return (free, paused, self.degraded_per_second);
        }
        (local.0, local.1, self.per_second)
    }

    /// Requests counted today (every replica's, when Redis answers) and the time until the
    /// count starts over.
    async fn used_today(&self) -> (u32, Duration) {
        let (mut used, resets_in) = self.state.daily_used();
        if let Some(shared) = &self.shared {
            if let Some(shared_used) = shared.daily_used(today().0).await {
                used = used.max(shared_used);
            }
        }
        (used, resets_in)
    }

    /// `Err(QuotaExhausted)` when new fetches must not start: fewer than the reserve remain.
    pub(crate) async fn admit_new_work(&self) -> Result<(), GongError> {
        if self.daily_quota == 0 {
            return Ok(());
        }
        let (used, resets_in) = self.used_today().await;
        if used >= self.daily_quota - self.daily_reserve {
            return Err(GongError::QuotaExhausted { resets_in });
        }
        Ok(())
    }

    /// `Err(QuotaExhausted)` once the day's requests (every replica's, all of them) reach
    /// `share` of the daily quota: background work stops there, so it never spends more than
    /// that share, nor the part people need later in the day. Not counted (quota 0): never.
    pub(crate) async fn admit_background(&self, share: f64) -> Result<(), GongError> {
        if self.daily_quota == 0 {
            return Ok(());
        }
        let (used, resets_in) = self.used_today().await;
        if f64::from(used) >= f64::from(self.daily_quota) * share.clamp(0.0, 1.0) {
            return Err(GongError::QuotaExhausted { resets_in });
        }
        Ok(())
    }

    /// Claims each key (a call fetch) for `ttl`: `true` where this replica may fetch, `false`
    /// where another holds a live claim. Without a shared answer every claim is local.
    pub(crate) async fn claim_many(&self, keys: &[String], ttl: Duration) -> Vec<bool> {
        if let Some(shared) = &self.shared {
            if let Some(claimed) = shared.claim_many(keys, ttl).await {
                return claimed;
            }
        }
        let now = Instant::now();
        keys.iter().map(|k| self.state.claim(k, now, ttl)).collect()
    }

    /// Gives claims back (locally and, with shared state, in Redis).
    pub(crate) async fn release_many(&self, keys: &[String]) {
        for key in keys {
            self.state.release(key);
        }
        if let Some(shared) = &self.shared {
            shared.release_many(keys).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(rps: u32, quota: u32) -> Limiter {
        Limiter::new(Arc::new(InProcessState::default()), rps, quota, 0)
    }

    /// Instants (offsets from the start) at which `count` back-to-back requests get through.
    async fn schedule(rps: u32, count: usize) -> Vec<Duration> {
        let limiter = limiter(rps, 0);
        let start = Instant::now();
        let mut times = Vec::with_capacity(count);
        for _ in 0..count {
            limiter.acquire().await.unwrap();
            times.push(start.elapsed());
        }
        times
    }

    fn max_in_any_second(times: &[Duration]) -> usize {
        times
            .iter()
            .map(|t| {
                times
                    .iter()
                    .filter(|u| **u >= *t && **u < *t + WINDOW)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_n_in_any_window_and_a_full_n_when_busy() {
        for rps in [1, 2, 3, 5, 10] {
            let times = schedule(rps, 40).await;
            assert_eq!(
                max_in_any_second(&times),
                rps as usize,
                "rps {rps}: {times:?}"
            );
            // Full speed: the k-th request leaves at floor(k / n) windows, not later.
            for (k, t) in times.iter().enumerate() {
                let expected = WINDOW * (k / rps as usize) as u32;
                assert_eq!(*t, expected, "rps {rps}, request {k}: {times:?}");
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn zero_means_unlimited() {
        let times = schedule(0, 100).await;
        assert_eq!(times.last().copied(), Some(Duration::ZERO));
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_one_window() {
        let a = limiter(1, 0);
        let b = a.clone();
        let start = Instant::now();
        a.acquire().await.unwrap();
        b.acquire().await.unwrap();
        assert_eq!(start.elapsed(), WINDOW);
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_request_even_with_free_slots() {
        let limiter = limiter(3, 0);
        let start = Instant::now();
        limiter.pause(Duration::from_secs(5)).await;
        // A shorter pause later does not shorten the first.
        limiter.pause(Duration::from_secs(1)).await;
        assert_eq!(limiter.peek().await, (3, Duration::from_secs(5), 3));
        limiter.acquire().await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn the_daily_quota_refuses_new_work_before_the_last_requests() {
        let limiter = Limiter::new(Arc::new(InProcessState::default()), 0, 5, 2);
        for _ in 0..3 {
            limiter.admit_new_work().await.unwrap();
            limiter.acquire().await.unwrap();
        }
        // Two left: kept for requests already under way.
        assert!(matches!(
            limiter.admit_new_work().await,
            Err(GongError::QuotaExhausted { resets_in }) if resets_in > Duration::ZERO
                && resets_in <= Duration::from_secs(DAY_SECS)
        ));
        limiter.acquire().await.unwrap();
        limiter.acquire().await.unwrap();
        assert!(matches!(
            limiter.acquire().await,
            Err(GongError::QuotaExhausted { .. })
        ));
    }

    #[test]
    fn claims_are_exclusive_until_released_or_expired() {
        let state = InProcessState::default();
        let now = Instant::now();
        let ttl = Duration::from_secs(10);
        assert!(state.claim("t/1", now, ttl));
        assert!(!state.claim("t/1", now, ttl));
        assert!(state.claim("t/2", now, ttl));
        state.release("t/1");
        assert!(state.claim("t/1", now, ttl));
        assert!(state.claim("t/1", now + ttl, ttl));
    }
}
