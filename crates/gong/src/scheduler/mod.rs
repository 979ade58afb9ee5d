//! The one queue in front of Gong: micro-batching, single-flight and fairness between callers.
//!
//! Callers hand in call ids per *lane* (an endpoint plus, for `/v2/calls/extensive`, its
//! content selector) and wait on a channel for one answer per id. A dispatcher task takes a
//! request slot from the [`Limiter`] whenever work is queued and one is free, and fills one
//! Gong request of up to `batch_size` ids from a lane:
//!
//! - **Micro-batching**: every id waiting in that lane when the slot opens leaves in the same
//!   request, whoever asked for it. An idle server adds no wait: the first ask wakes the
//!   dispatcher and, with a slot free, its request leaves at once. Only the last free slot
//!   of the window waits, briefly (`last_slot_wait`), for a batch that is not full: after it
//!   the next slot can be a second away, so asks made a moment apart share it.
//! - **Single-flight**: an id already queued or in flight is not queued again; the new asker
//!   is added to the ids' waiters and gets the same answer.
//! - **Fairness**: each lane keeps one queue per caller key, served round-robin one id at a
//!   time, and lanes take turns for slots; a caller with many ids cannot push back a caller
//!   with one by more than one turn.
//! - **Bounded memory**: at most `max_in_flight` batch requests are under way at once (each
//!   answer can carry 100 transcripts); a slot is taken only once a batch may leave.
//! - **Admission**: before queuing, the time to fetch the caller's ids is estimated from the
//!   queues ahead of them (as the round-robin will serve them), the free slots, any 429 pause
//!   and the rate. A request that cannot finish before its deadline fails at once with
//!   [`GongError::Busy`] instead of waiting the deadline out, and none fail for want of daily
//!   budget before being checked against it ([`GongError::QuotaExhausted`]).
//!
//! With state shared between replicas (Redis), a batch is formed and its ids claimed first,
//! then its slot is taken, so the request leaves right after its slot instead of after two
//! round trips to Redis (Gong counts arrivals: a delay that varies between slot and send would
//! let more than the limit arrive within one of its seconds). Ids asked for while that batch
//! waits for its slot leave in the next one.
//!
//! Each caller stops waiting at its own deadline (its unanswered ids fail with
//! `DeadlineExceeded`); the shared request runs until the latest deadline of its askers, so
//! one impatient caller never cuts off the others. Ids nobody waits for any more are dropped
//! from the queue before they cost a request.

mod dispatch;
mod fetch;
mod lane;
mod queues;
mod replicas;

use std::collections::{HashSet, VecDeque};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::{mpsc, watch, Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::cache::Cache;
use crate::http::{Call, Transport};
use crate::paging::Pages;
use crate::{wire, GongError};

pub(crate) use crate::item::{Got, Item};
pub(crate) use lane::{Answer, LaneSpec, Priority, Want};
use queues::{Queues, Waiter};

/// Longest a single-flight claim on a call id lives in the shared state, should its holder
/// vanish without releasing it.
const CLAIM_TTL: Duration = Duration::from_secs(60);

/// How often a replica following another's fetch of a call looks for its answer in the shared
/// cache: small next to one Gong round trip, cheap for Redis.
const FOLLOW_POLL: Duration = Duration::from_millis(25);

/// Counts for monitoring: how much work waits for Gong.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchedulerStats {
    /// Ids queued for a request (per endpoint; an id asked for with transcript and metadata
    /// counts twice).
    pub queued_ids: usize,
    /// Ids in requests under way.
    pub in_flight_ids: usize,
    /// Distinct callers with ids queued.
    pub waiting_callers: usize,
}

struct Shared {
    queues: Mutex<Queues>,
    /// Counts changes to the queues, so a watcher can wait for a state instead of polling.
    changes: watch::Sender<u64>,
    wake: Arc<Notify>,
    transport: Arc<Transport>,
    batch_size: usize,
    /// One permit per batch request in flight: bounds the memory Gong's answers take.
    in_flight: Arc<Semaphore>,
    /// The number of those permits.
    max_in_flight: u32,
    /// The configured deadline, named in `DeadlineExceeded` errors.
    deadline: Duration,
    /// How long the window's last free slot waits for a fuller batch (see
    /// [`crate::GongConfig::last_slot_wait`]).
    last_slot_wait: Duration,
    /// Share of the daily quota past which background work stops (see
    /// [`crate::GongConfig::background_daily_share`]).
    background_daily_share: f64,
    cache: Option<Arc<Cache>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Lets the dispatcher notice the client is gone and end.
        self.wake.notify_one();
    }
}

impl Shared {
    fn lock(&self) -> QueuesGuard<'_> {
        // Every critical section leaves the queues consistent; recover from a poisoned lock
        // rather than failing every later request.
        QueuesGuard {
            queues: self.queues.lock().unwrap_or_else(PoisonError::into_inner),
            changes: &self.changes,
            changed: false,
        }
    }
}

/// The queues, locked; a guard that was used to change them tells the watchers of
/// [`Scheduler::changes`] when it is released.
struct QueuesGuard<'a> {
    queues: MutexGuard<'a, Queues>,
    changes: &'a watch::Sender<u64>,
    changed: bool,
}

impl Deref for QueuesGuard<'_> {
    type Target = Queues;
    fn deref(&self) -> &Queues {
        &self.queues
    }
}

impl DerefMut for QueuesGuard<'_> {
    fn deref_mut(&mut self) -> &mut Queues {
        self.changed = true;
        &mut self.queues
    }
}

impl Drop for QueuesGuard<'_> {
    fn drop(&mut self) {
        if self.changed {
            self.changes.send_modify(|n| *n = n.wrapping_add(1));
        }
    }
}

/// The scheduler of one client (shared by its clones).
pub(crate) struct Scheduler {
    shared: Arc<Shared>,
    dispatcher: Mutex<Option<JoinHandle<()>>>,
}

impl Scheduler {
    pub(crate) fn new(
        transport: Arc<Transport>,
        batch_size: usize,
        max_in_flight: usize,
        last_slot_wait: Duration,
        deadline: Duration,
        cache: Option<Arc<Cache>>,
        background_daily_share: f64,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                queues: Mutex::new(Queues::default()),
                changes: watch::Sender::new(0),
                wake: Arc::new(Notify::new()),
                transport,
                batch_size: batch_size.max(1),
                in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
                max_in_flight: u32::try_from(max_in_flight.max(1)).unwrap_or(u32::MAX),
                deadline,
                last_slot_wait,
                background_daily_share,
                cache,
            }),
            dispatcher: Mutex::new(None),
        }
    }

    /// Current queue counts.
    pub(crate) fn stats(&self) -> SchedulerStats {
        let queues = self.shared.lock();
        let mut callers = HashSet::new();
        let mut stats = SchedulerStats::default();
        for lane in &queues.lanes {
            let queued = lane.queued() + lane.background.len();
            stats.queued_ids += queued;
            stats.in_flight_ids += lane.waiters.len() - queued.min(lane.waiters.len());
            callers.extend(lane.callers.iter().map(|(c, _)| c.as_str()));
        }
        stats.waiting_callers = callers.len();
        stats
    }

    /// Changes whenever ids are queued, sent or answered: lets a monitor or a test wait for a
    /// queue state ([`Self::stats`]) without polling.
    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    /// Stops the dispatcher and waits for the batches under way, so nothing of this
    /// scheduler holds the cache any more when it returns.
    pub(crate) async fn close(&self) {
        let handle = self
            .dispatcher
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(handle) = handle {
            handle.abort();
            let _ = handle.await;
        }
        // Each batch task gives its permit back after it let go of the scheduler.
        let _ = self
            .shared
            .in_flight
            .acquire_many(self.shared.max_in_flight)
            .await;
    }

    /// Starts the dispatcher on the current runtime unless it runs already.
    fn ensure_dispatcher(&self) {
        let mut handle = self
            .dispatcher
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if handle.as_ref().is_some_and(|h| !h.is_finished()) {
            return;
        }
        let weak = Arc::downgrade(&self.shared);
        let wake = Arc::clone(&self.shared.wake);
        *handle = Some(tokio::spawn(dispatch::dispatch(weak, wake)));
    }

    /// Every id of `wants` answered (found, not found or failed), each at most once, by
    /// `deadline`. `caller` is the fairness key; at [`Priority::Background`] the ids wait for
    /// capacity nobody else wants.
    pub(crate) async fn fetch(
        &self,
        caller: &str,
        wants: Vec<Want>,
        deadline: Instant,
        priority: Priority,
    ) -> Vec<Answer> {
        let expected: usize = wants.iter().map(|w| w.ids.len()).sum();
        if expected == 0 {
            return Vec::new();
        }
        let admitted = match priority {
            Priority::Interactive => self.admit(caller, &wants, deadline).await,
            Priority::Background => {
                let limiter = &self.shared.transport.limiter;
                limiter
                    .admit_background(self.shared.background_daily_share)
                    .await
            }
        };
        if let Err(error) = admitted {
            return fail_all(wants, &error);
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut pending: HashSet<(usize, String)> = HashSet::with_capacity(expected);
        let mut announce: Vec<(Arc<str>, Vec<String>)> = Vec::new();
        {
            let mut queues = self.shared.lock();
            for want in &wants {
                let lane = queues.lane_mut(&want.lane);
                let mut fresh = VecDeque::new();
                for id in &want.ids {
                    pending.insert((want.tag, id.clone()));
                    let waiter = Waiter {
                        tag: want.tag,
                        tx: tx.clone(),
                    };
                    let known = lane.waiters.contains_key(id);
                    lane.waiters.entry(id.clone()).or_default().push(waiter);
                    let latest = lane.deadlines.entry(id.clone()).or_insert(deadline);
                    *latest = (*latest).max(deadline);
                    // A person asking for an id the background queued takes it over.
                    let taken_over = known && priority == Priority::Interactive && lane.promote(id);
                    if !known || taken_over {
                        fresh.push_back(id.clone());
                    }
                }
                if fresh.is_empty() {
                    continue;
                }
                if priority == Priority::Background {
                    lane.background.extend(fresh);
                    continue;
                }
                announce.push((want.lane.key.clone(), fresh.iter().cloned().collect()));
                match lane.callers.iter_mut().find(|(c, _)| c == caller) {
                    Some((_, ids)) => ids.extend(fresh),
                    None => lane.callers.push_back((caller.to_owned(), fresh)),
                }
            }
        }
        drop(tx);
        self.ensure_dispatcher();
        self.shared.wake.notify_one();
        if let Some(store) = self.shared.transport.limiter.shared() {
            // Other replicas' requests with room take these along (see `prepare`).
            let left = deadline.saturating_duration_since(Instant::now());
            let deadline_ms = std::time::SystemTime::now()
                .checked_add(left)
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            for (lane, ids) in &announce {
                store.push_pending(lane, ids, deadline_ms).await;
            }
        }

        let mut answers = Vec::with_capacity(expected);
        while !pending.is_empty() {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(answer)) => {
                    if pending.remove(&(answer.tag, answer.id.clone())) {
                        answers.push(answer);
                    }
                }
                // The channel closes only if every waiter entry was dropped; treat what is
                // left like a deadline.
                Ok(None) | Err(_) => break,
            }
        }
        let late = GongError::DeadlineExceeded(self.shared.deadline);
        answers.extend(pending.into_iter().map(|(tag, id)| Answer {
            tag,
            id,
            got: Got::Failed(late.clone()),
        }));
        answers
    }

    /// Up to `max_pages` pages of `/v2/calls/extensive` over a date window (`filter` without
    /// call ids), following cursors. Listings cannot be batched with id lookups, but they go
    /// through the same gate: refused up front when the daily budget is down to its reserve,
    /// and each page (and each retry) waits for its own slot of the shared rate limiter, so
    /// they count against the limits of every other caller. Returns the calls read and
    /// whether the window ended before the page bound (`true`) or was cut (`false`); pages
    /// read before a failure are kept only when at least one arrived.
    pub(crate) async fn list_window(
        &self,
        filter: wire::CallsFilter,
        selector: wire::ContentSelector,
        max_pages: u32,
        deadline: Instant,
    ) -> Result<ListedWindow, GongError> {
        self.shared.transport.limiter.admit_new_work().await?;
        let mut pages = Pages::new(deadline, false, |cursor: Option<&str>| {
            Call::post(
                "v2/calls/extensive",
                &wire::ExtensiveRequest {
                    cursor: cursor.map(str::to_owned),
                    filter: filter.clone(),
                    content_selector: selector.clone(),
                },
            )
        });
        let mut listed = ListedWindow::default();
        let transport = self.shared.transport.as_ref();
        loop {
            if listed.pages >= max_pages {
                return Ok(listed);
            }
            match pages.next::<wire::ExtensiveResponse>(transport).await {
                None => {
                    listed.complete = true;
                    return Ok(listed);
                }
                Some(Ok(calls)) => {
                    listed.pages += 1;
                    listed.calls.extend(calls);
                }
                Some(Err(error)) => return Err(error),
            }
        }
    }

    /// Refuses work that cannot start (daily budget) or cannot finish by `deadline` (queue).
    async fn admit(
        &self,
        caller: &str,
        wants: &[Want],
        deadline: Instant,
    ) -> Result<(), GongError> {
        let limiter = &self.shared.transport.limiter;
        limiter.admit_new_work().await?;
        let (free, paused, rate) = limiter.peek().await;
        let batch = self.shared.batch_size;
        let queues = self.shared.lock();
        let mut mine = 0usize;
        let mut my_lanes = HashSet::new();
        for want in wants {
            my_lanes.insert(want.lane.key.clone());
            let lane = queues.lanes.iter().find(|l| l.spec.key == want.lane.key);
            let new: Vec<&String> = want
                .ids
                .iter()
                .filter(|id| lane.is_none_or(|l| !l.waiters.contains_key(*id)))
                .collect();
            if new.is_empty() {
                continue;
            }
            let n = new.len();
            // Round-robin serves every other caller up to n ids before our last one.
            let ahead: usize = lane.map_or(0, |l| {
                l.callers
                    .iter()
                    .map(|(c, ids)| {
                        if c == caller {
                            ids.len()
                        } else {
                            ids.len().min(n)
                        }
                    })
                    .sum()
            });
            mine += (ahead + n).div_ceil(batch);
        }
        if mine == 0 {
            return Ok(());
        }
        // Lanes take turns: other lanes' work interleaves with ours.
        let others: usize = queues
            .lanes
            .iter()
            .filter(|l| !my_lanes.contains(&l.spec.key))
            .map(|l| l.queued().div_ceil(batch))
            .sum();
        drop(queues);
        let requests = mine + others.min(mine);
        let eta = if rate == 0 {
            paused
        } else {
            let waiting = requests.saturating_sub(free as usize);
            let secs = waiting.div_ceil(rate as usize);
            paused + Duration::from_secs(u64::try_from(secs).unwrap_or(u64::MAX))
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if eta >= left && eta > Duration::ZERO {
            let retry_after = Duration::from_secs(eta.as_secs_f64().ceil().max(1.0) as u64);
            tracing::info!(
                caller,
                requests,
                eta_ms = eta.as_millis(),
                "gong request refused: the queue ahead outlasts its deadline"
            );
            return Err(GongError::Busy { retry_after });
        }
        Ok(())
    }
}

/// What [`Scheduler::list_window`] read.
#[derive(Debug, Default)]
pub(crate) struct ListedWindow {
    /// The calls, in Gong's order (oldest first).
    pub(crate) calls: Vec<wire::ExtensiveCall>,
    /// Pages answered (a "no calls" 404 counts none).
    pub(crate) pages: u32,
    /// Whether the last page was reached within the bound.
    pub(crate) complete: bool,
}

/// Every id of `wants` failed with `error`.
fn fail_all(wants: Vec<Want>, error: &GongError) -> Vec<Answer> {
    wants
        .into_iter()
        .flat_map(|w| {
            let tag = w.tag;
            w.ids.into_iter().map(move |id| Answer {
                tag,
                id,
                got: Got::Failed(error.clone()),
            })
        })
        .collect()
}
