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

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use sha2::{Digest as _, Sha256};
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::cache::Cache;
use crate::http::{Call, Transport};
use crate::limiter::Slot;
use crate::paging::Pages;
use crate::{wire, GongError};

/// Longest a single-flight claim on a call id lives in the shared state, should its holder
/// vanish without releasing it.
const CLAIM_TTL: Duration = Duration::from_secs(60);

/// How often a replica following another's fetch of a call looks for its answer in the shared
/// cache: small next to one Gong round trip, cheap for Redis.
const FOLLOW_POLL: Duration = Duration::from_millis(25);

/// What one Gong request is for: the endpoint, and for `/v2/calls/extensive` the selector.
#[derive(Debug, Clone)]
pub(crate) enum Endpoint {
    /// `POST /v2/calls/transcript`.
    Transcript,
    /// `POST /v2/calls/extensive` with this content selector.
    Extensive(wire::ContentSelector),
}

/// A queue of ids that can share a request: same endpoint and selector. `key` names it in the
/// cache and in single-flight claims.
#[derive(Debug, Clone)]
pub(crate) struct LaneSpec {
    pub(crate) key: Arc<str>,
    pub(crate) endpoint: Endpoint,
}

impl LaneSpec {
    /// The transcript lane.
    pub(crate) fn transcripts() -> Self {
        Self {
            key: Arc::from("t"),
            endpoint: Endpoint::Transcript,
        }
    }

    /// The lane of `/v2/calls/extensive` with `selector` (selectors that serialize alike share it).
    pub(crate) fn extensive(selector: &wire::ContentSelector) -> Self {
        let json = serde_json::to_vec(selector).unwrap_or_default();
        let digest = Sha256::digest(&json);
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        Self {
            key: Arc::from(format!("e:{hex}")),
            endpoint: Endpoint::Extensive(selector.clone()),
        }
    }
}

/// One call's answer from one endpoint.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// From `/v2/calls/transcript`.
    Transcript(wire::CallTranscript),
    /// From `/v2/calls/extensive`.
    Call(Box<wire::ExtensiveCall>),
}

impl Item {
    fn id(&self) -> &str {
        match self {
            Item::Transcript(t) => &t.call_id,
            Item::Call(c) => &c.meta_data.id,
        }
    }
}

/// What became of one id.
#[derive(Debug, Clone)]
pub(crate) enum Got {
    /// Gong returned it.
    Found(Item),
    /// Gong has nothing for it (no such call, or no transcript yet).
    NotFound,
    /// Its request failed.
    Failed(GongError),
}

/// One caller's ids in one lane, and the tag its answers come back with.
pub(crate) struct Want {
    pub(crate) tag: usize,
    pub(crate) lane: LaneSpec,
    pub(crate) ids: Vec<String>,
}

/// An answer: the tag of the [`Want`], the id, the outcome.
pub(crate) type Answer = (usize, String, Got);

struct Waiter {
    tag: usize,
    tx: mpsc::UnboundedSender<Answer>,
}

struct Lane {
    spec: LaneSpec,
    /// Callers with queued ids, in round-robin order.
    callers: VecDeque<(String, VecDeque<String>)>,
    /// Everyone waiting for each queued or in-flight id.
    waiters: HashMap<String, Vec<Waiter>>,
    /// Latest deadline among the askers of each queued or in-flight id.
    deadlines: HashMap<String, Instant>,
}

impl Lane {
    fn queued(&self) -> usize {
        self.callers.iter().map(|(_, ids)| ids.len()).sum()
    }

    /// Drops queued ids whose every asker has stopped waiting.
    fn prune(&mut self) {
        let waiters = &mut self.waiters;
        let deadlines = &mut self.deadlines;
        for (_, ids) in &mut self.callers {
            ids.retain(|id| {
                let live = waiters.get_mut(id).is_some_and(|ws| {
                    ws.retain(|w| !w.tx.is_closed());
                    !ws.is_empty()
                });
                if !live {
                    waiters.remove(id);
                    deadlines.remove(id);
                }
                live
            });
        }
        self.callers.retain(|(_, ids)| !ids.is_empty());
    }

    /// Up to `size` ids, one per caller in turn; served callers move to the back.
    fn take_batch(&mut self, size: usize) -> Vec<String> {
        let mut batch = Vec::with_capacity(size.min(self.queued()));
        while batch.len() < size {
            let Some((caller, mut ids)) = self.callers.pop_front() else {
                break;
            };
            if let Some(id) = ids.pop_front() {
                batch.push(id);
            }
            if !ids.is_empty() {
                self.callers.push_back((caller, ids));
            }
        }
        batch
    }
}

#[derive(Default)]
struct Queues {
    lanes: Vec<Lane>,
    /// The lane to try first for the next slot.
    next_lane: usize,
    /// Since when the window's last free slot has been waiting for a fuller batch; `None`
    /// while it is not waiting.
    holding_since: Option<Instant>,
}

impl Queues {
    fn lane_mut(&mut self, spec: &LaneSpec) -> &mut Lane {
        let at = match self.lanes.iter().position(|l| l.spec.key == spec.key) {
            Some(at) => at,
            None => {
                self.lanes.push(Lane {
                    spec: spec.clone(),
                    callers: VecDeque::new(),
                    waiters: HashMap::new(),
                    deadlines: HashMap::new(),
                });
                self.lanes.len() - 1
            }
        };
        &mut self.lanes[at]
    }

    fn has_queued(&mut self) -> bool {
        let mut any = false;
        for lane in &mut self.lanes {
            lane.prune();
            any |= !lane.callers.is_empty();
        }
        if !any {
            self.holding_since = None;
        }
        any
    }

    /// Whether some lane has ids queued and none of them has a full batch: only then can
    /// waiting make the window's last request carry more.
    fn batch_could_fill(&self, batch_size: usize) -> bool {
        let mut queued = self.lanes.iter().map(Lane::queued).filter(|n| *n > 0);
        let first = queued.next();
        first.is_some() && first.into_iter().chain(queued).all(|n| n < batch_size)
    }

    /// When the last free slot of the window should go instead of now: `wait` after it started
    /// waiting, unless a lane fills a batch first. `None`: send now.
    fn hold_last_slot(
        &mut self,
        batch_size: usize,
        wait: Duration,
        now: Instant,
    ) -> Option<Instant> {
        if !self.batch_could_fill(batch_size) {
            return None;
        }
        let until = *self.holding_since.get_or_insert(now) + wait;
        (until > now).then_some(until)
    }

    /// The next lane to send, taking turns, a lane with a full batch first: a full request is
    /// never worth delaying, and a lane still filling gains from the wait.
    fn pick_lane(&mut self, batch_size: usize) -> Option<usize> {
        let n = self.lanes.len();
        let turns = || (0..n).map(|i| (self.next_lane + i) % n);
        let at = turns()
            .find(|i| self.lanes[*i].queued() >= batch_size)
            .or_else(|| turns().find(|i| !self.lanes[*i].callers.is_empty()))?;
        self.next_lane = (at + 1) % n;
        self.holding_since = None;
        Some(at)
    }
}

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
    wake: Arc<Notify>,
    transport: Arc<Transport>,
    batch_size: usize,
    /// One permit per batch request in flight: bounds the memory Gong's answers take.
    in_flight: Arc<Semaphore>,
    /// The configured deadline, named in `DeadlineExceeded` errors.
    deadline: Duration,
    /// How long the window's last free slot waits for a fuller batch (see
    /// [`crate::GongConfig::last_slot_wait`]).
    last_slot_wait: Duration,
    cache: Option<Arc<Cache>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        // Lets the dispatcher notice the client is gone and end.
        self.wake.notify_one();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queues> {
        // Every critical section leaves the queues consistent; recover from a poisoned lock
        // rather than failing every later request.
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
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
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                queues: Mutex::new(Queues::default()),
                wake: Arc::new(Notify::new()),
                transport,
                batch_size: batch_size.max(1),
                in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
                deadline,
                last_slot_wait,
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
            let queued = lane.queued();
            stats.queued_ids += queued;
            stats.in_flight_ids += lane.waiters.len() - queued.min(lane.waiters.len());
            callers.extend(lane.callers.iter().map(|(c, _)| c.as_str()));
        }
        stats.waiting_callers = callers.len();
        stats
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
        *handle = Some(tokio::spawn(dispatch(weak, wake)));
    }

    /// Every id of `wants` answered (found, not found or failed), each at most once, by
    /// `deadline`. `caller` is the fairness key.
    pub(crate) async fn fetch(
        &self,
        caller: &str,
        wants: Vec<Want>,
        deadline: Instant,
    ) -> Vec<Answer> {
        let expected: usize = wants.iter().map(|w| w.ids.len()).sum();
        if expected == 0 {
            return Vec::new();
        }
        if let Err(error) = self.admit(caller, &wants, deadline).await {
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
                    if !known {
                        fresh.push_back(id.clone());
                    }
                }
                if fresh.is_empty() {
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
                Ok(Some((tag, id, got))) => {
                    if pending.remove(&(tag, id.clone())) {
                        answers.push((tag, id, got));
                    }
                }
                // The channel closes only if every waiter entry was dropped; treat what is
                // left like a deadline.
                Ok(None) | Err(_) => break,
            }
        }
        let late = GongError::DeadlineExceeded(self.shared.deadline);
        answers.extend(
            pending
                .into_iter()
                .map(|(tag, id)| (tag, id, Got::Failed(late.clone()))),
        );
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
            w.ids
                .into_iter()
                .map(move |id| (tag, id, Got::Failed(error.clone())))
        })
        .collect()
}

/// A batch on its way: lane, ids and the latest deadline of its askers.
struct Batch {
    lane: LaneSpec,
    ids: Vec<String>,
    deadline: Instant,
}

/// The dispatcher: one slot, one batch, while there is work; ends when the client is gone.
async fn dispatch(weak: Weak<Shared>, wake: Arc<Notify>) {
    loop {
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let Some(shared) = weak.upgrade() else {
            return;
        };
        // A batch is formed and its slot taken only once it may be in flight, so no slot is
        // wasted waiting.
        let permit = match Arc::clone(&shared.in_flight).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let in_flight = Arc::clone(&shared.in_flight);
                drop(shared);
                drop(in_flight.acquire().await);
                continue;
            }
        };
        if shared.transport.limiter.shared().is_some() {
            // Shared state: the replicas woken by the same free slot all ask for it, and only
            // the one granted it forms a batch, its own ids first and then, up to a full
            // request, ids the other replicas wait for. Forming batches before the slot would
            // have each replica send its own part-full request.
            if !shared.lock().has_queued() {
                drop(shared);
                notified.await;
                tokio::task::yield_now().await;
                continue;
            }
            // While no slot is free, ids that another replica took along are followed at once
            // instead of when this replica's next slot comes.
            let slot_free = {
                let limiter = &shared.transport.limiter;
                tokio::select! {
                    () = limiter.wait_for_free_slot(Instant::now() + shared.deadline) => true,
                    () = tokio::time::sleep(FOLLOW_POLL) => false,
                }
            };
            follow_taken(&shared).await;
            if !slot_free {
                continue;
            }
            if let Some(until) = hold_last_slot(&shared).await {
                drop(shared);
                hold(until, notified).await;
                continue;
            }
            match shared.transport.limiter.try_acquire().await {
                Slot::Granted => {}
                Slot::WaitUntil(at) => {
                    drop(shared);
                    tokio::time::sleep_until(at.min(Instant::now() + FOLLOW_POLL)).await;
                    continue;
                }
                Slot::QuotaSpent { resets_in } => {
                    fail_queued(&mut shared.lock(), &GongError::QuotaExhausted { resets_in });
                    continue;
                }
            }
            let batch = {
                let mut queues = shared.lock();
                if queues.has_queued() {
                    next_batch(&mut queues, &shared)
                } else {
                    None
                }
            };
            // The queue emptied while the slot was taken (its askers gave up, or another
            // replica took the ids along): the slot goes unused.
            let Some(batch) = batch else {
                continue;
            };
            let prepared = prepare(&shared, batch).await;
            let shared = Arc::clone(&shared);
            tokio::spawn(async move {
                finish(shared, prepared).await;
                drop(permit);
            });
            continue;
        }
        let has_queued = shared.lock().has_queued();
        let step = if !has_queued {
            Step::Idle
        } else if let Some(until) = hold_last_slot(&shared).await {
            Step::Hold(until)
        } else {
            match shared.transport.limiter.try_acquire().await {
                Slot::Granted => Step::Send(next_batch(&mut shared.lock(), &shared)),
                Slot::WaitUntil(at) => Step::Wait(at),
                Slot::QuotaSpent { resets_in } => {
                    fail_queued(&mut shared.lock(), &GongError::QuotaExhausted { resets_in });
                    Step::Idle
                }
            }
        };
        match step {
            Step::Send(Some(batch)) => {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    run_batch(shared, batch).await;
                    drop(permit);
                });
            }
            Step::Send(None) => {}
            Step::Wait(at) => {
                drop(shared);
                tokio::time::sleep_until(at).await;
            }
            Step::Hold(until) => {
                drop(shared);
                hold(until, notified).await;
            }
            Step::Idle => {
                drop(shared);
                notified.await;
                // Lets asks made in the same instant join the first batch.
                tokio::task::yield_now().await;
            }
        }
    }
}

enum Step {
    Send(Option<Batch>),
    Wait(Instant),
    /// The window's last free slot waits for a fuller batch until then.
    Hold(Instant),
    Idle,
}

/// When the window's last free slot waits for more ids before it goes (see
/// [`Queues::hold_last_slot`]): after it the next slot can be up to a second away, so a batch
/// sent a moment early leaves the asks of that moment waiting that second. With more than one
/// slot free, or without a local window, nothing waits: an idle server sends at once.
async fn hold_last_slot(shared: &Shared) -> Option<Instant> {
    if shared.last_slot_wait.is_zero() {
        return None;
    }
    // Nothing to wait for unless a lane has a batch that is not full.
    if !shared.lock().batch_could_fill(shared.batch_size) {
        return None;
    }
    let (free, paused, per_second) = shared.transport.limiter.peek().await;
    if per_second == 0 || free != 1 || !paused.is_zero() {
        return None;
    }
    shared
        .lock()
        .hold_last_slot(shared.batch_size, shared.last_slot_wait, Instant::now())
}

/// Waits until `until` or until a new ask comes (it may fill the batch).
async fn hold(until: Instant, notified: std::pin::Pin<&mut tokio::sync::futures::Notified<'_>>) {
    tokio::select! {
        () = tokio::time::sleep_until(until) => {}
        () = notified => tokio::task::yield_now().await,
    }
}

fn next_batch(queues: &mut Queues, shared: &Shared) -> Option<Batch> {
    let at = queues.pick_lane(shared.batch_size)?;
    let lane = &mut queues.lanes[at];
    let ids = lane.take_batch(shared.batch_size);
    let deadline = ids
        .iter()
        .filter_map(|id| lane.deadlines.get(id))
        .max()
        .copied()
        .unwrap_or_else(|| Instant::now() + shared.deadline);
    Some(Batch {
        lane: lane.spec.clone(),
        ids,
        deadline,
    })
}

/// Answers every queued id with `error` and empties the queues.
fn fail_queued(queues: &mut Queues, error: &GongError) {
    for lane in &mut queues.lanes {
        let callers = std::mem::take(&mut lane.callers);
        for id in callers.into_iter().flat_map(|(_, ids)| ids) {
            lane.deadlines.remove(&id);
            for w in lane.waiters.remove(&id).unwrap_or_default() {
                let _ = w.tx.send((w.tag, id.clone(), Got::Failed(error.clone())));
            }
        }
    }
}

/// Takes out of the local queues the ids another replica has claimed (it took them along in
/// its own request) and follows that fetch, so their askers are answered when its answer
/// lands, not when this replica's next slot comes. Ids still in the queues are not being
/// fetched by this replica, so a claim on one is always another replica's.
async fn follow_taken(shared: &Arc<Shared>) {
    let Some(store) = shared.transport.limiter.shared() else {
        return;
    };
    if shared.cache.is_none() {
        return;
    }
    let queued: Vec<(LaneSpec, Vec<String>)> = shared
        .lock()
        .lanes
        .iter()
        .filter(|l| !l.callers.is_empty())
        .map(|l| {
            let ids = l.callers.iter().flat_map(|(_, ids)| ids.iter().cloned());
            (l.spec.clone(), ids.collect())
        })
        .collect();
    for (spec, ids) in queued {
        let keys: Vec<String> = ids.iter().map(|id| claim_key(&spec.key, id)).collect();
        let Some(held) = store.claims_held(&keys).await else {
            return;
        };
        let taken: HashSet<String> = ids
            .into_iter()
            .zip(held)
            .filter_map(|(id, held)| held.then_some(id))
            .collect();
        if taken.is_empty() {
            continue;
        }
        let deadline = {
            let mut queues = shared.lock();
            let lane = queues.lane_mut(&spec);
            for (_, ids) in &mut lane.callers {
                ids.retain(|id| !taken.contains(id));
            }
            lane.callers.retain(|(_, ids)| !ids.is_empty());
            taken
                .iter()
                .filter_map(|id| lane.deadlines.get(id))
                .max()
                .copied()
                .unwrap_or_else(|| Instant::now() + shared.deadline)
        };
        tracing::debug!(
            lane = %spec.key,
            ids = taken.len(),
            "gong calls taken along by another replica; following"
        );
        let shared = Arc::clone(shared);
        tokio::spawn(async move {
            let results = follow(&shared, &spec, taken.into_iter().collect(), deadline).await;
            answer(&shared, &spec, results);
        });
    }
}

/// Sends one batch (its first page on the slot already taken), keeps what Gong said, and
/// answers every waiter of every id.
///
/// Each id is claimed first. Within the process the queue already fetches each id once; the
/// claims tell other replicas sharing the state. An id another replica is fetching is not
/// fetched again: with a shared cache this replica follows that fetch, waiting for its answer
/// to appear in the cache, and fetches the id itself only if the claim goes away without one.
async fn run_batch(shared: Arc<Shared>, batch: Batch) {
    let prepared = prepare(&shared, batch).await;
    finish(shared, prepared).await;
}

/// A batch with its claims taken: the ids this replica fetches, those another replica is
/// fetching, and those another replica has already answered.
struct Prepared {
    batch: Batch,
    mine: Vec<String>,
    theirs: Vec<String>,
    results: Vec<(String, Got)>,
}

/// Claims the batch's ids and looks in the shared cache for those another replica finished
/// between this one's cache look-up and its claim.
async fn prepare(shared: &Shared, batch: Batch) -> Prepared {
    let limiter = &shared.transport.limiter;
    let lane = batch.lane.key.clone();
    let follow_others = limiter.shared().is_some() && shared.cache.is_some();
    let keys: Vec<String> = batch.ids.iter().map(|id| claim_key(&lane, id)).collect();
    let claimed = limiter.claim_many(&keys, CLAIM_TTL).await;
    let mut mine = Vec::with_capacity(shared.batch_size);
    let mut theirs = Vec::new();
    for (id, ok) in batch.ids.iter().zip(claimed) {
        if ok || !follow_others {
            mine.push(id.clone());
        } else {
            theirs.push(id.clone());
        }
    }
    // The room left, after the ids another replica is already fetching, takes along ids other
    // replicas wait for: they read the answers from the shared cache, so N replicas fill
    // Gong's requests as one would.
    if let (Some(store), true) = (limiter.shared(), follow_others) {
        // This replica's own ids leave the shared queue first, or they would be what it pops.
        store.remove_pending(&lane, &mine).await;
        let room = shared.batch_size.saturating_sub(mine.len());
        let known: HashSet<&String> = batch.ids.iter().collect();
        let pulled: Vec<String> = store
            .pop_pending(&lane, room)
            .await
            .into_iter()
            .filter(|id| !known.contains(id))
            .collect();
        let keys: Vec<String> = pulled.iter().map(|id| claim_key(&lane, id)).collect();
        let claimed = limiter.claim_many(&keys, CLAIM_TTL).await;
        // An id taken along that another replica is already fetching is left to it.
        mine.extend(
            pulled
                .into_iter()
                .zip(claimed)
                .filter_map(|(id, ok)| ok.then_some(id)),
        );
    }
    let lane = &batch.lane.key;
    let mut results: Vec<(String, Got)> = Vec::new();
    if let (Some(cache), true) = (
        &shared.cache,
        limiter.shared().is_some() && !mine.is_empty(),
    ) {
        let found = cache.get_shared(lane, &mine).await;
        let mut still = Vec::with_capacity(mine.len());
        let mut done_keys = Vec::new();
        for (id, got) in mine.into_iter().zip(found) {
            match got {
                Some(got) => {
                    done_keys.push(claim_key(lane, &id));
                    results.push((id, got));
                }
                None => still.push(id),
            }
        }
        limiter.release_many(&done_keys).await;
        mine = still;
    }
    if !theirs.is_empty() {
        tracing::debug!(
            lane = %lane,
            ids = theirs.len(),
            "gong calls already being fetched by another replica; following"
        );
    }
    Prepared {
        batch,
        mine,
        theirs,
        results,
    }
}

/// Fetches this replica's ids (the first page on the slot already taken), follows the
/// others', keeps what came back, releases the claims, and answers every waiter of every id
/// (this replica's as each page arrives).
async fn finish(shared: Arc<Shared>, prepared: Prepared) {
    let Prepared {
        batch,
        mine,
        theirs,
        mut results,
    } = prepared;
    let own = async {
        if !mine.is_empty() {
            fetch_kept(&shared, &batch.lane, mine, batch.deadline, true).await;
        }
    };
    let followed = follow(&shared, &batch.lane, theirs, batch.deadline);
    let ((), followed) = futures::join!(own, followed);
    results.extend(followed);
    answer(&shared, &batch.lane, results);
}

/// Gives every waiter of each id its answer.
fn answer(shared: &Shared, lane: &LaneSpec, results: Vec<(String, Got)>) {
    if results.is_empty() {
        return;
    }
    let mut queues = shared.lock();
    let lane = queues.lane_mut(lane);
    for (id, got) in results {
        lane.deadlines.remove(&id);
        let mut waiters = lane.waiters.remove(&id).unwrap_or_default();
        waiters.retain(|w| !w.tx.is_closed());
        let Some(last) = waiters.pop() else {
            continue;
        };
        for w in waiters {
            let _ = w.tx.send((w.tag, id.clone(), got.clone()));
        }
        let _ = last.tx.send((last.tag, id, got));
    }
}

/// Fetches `ids` (the first page on a slot already taken when `prepaid`), keeps the answers in
/// the cache and gives them to their waiters. The ids on each page are answered as that page
/// arrives, so when a later page fails or the deadline comes, only the ids not yet seen fail.
async fn fetch_kept(
    shared: &Shared,
    lane: &LaneSpec,
    ids: Vec<String>,
    deadline: Instant,
    prepaid: bool,
) {
    let filter = wire::CallsFilter {
        call_ids: Some(ids.clone()),
        ..wire::CallsFilter::default()
    };
    let mut pages = Pages::new(deadline, prepaid, |cursor: Option<&str>| {
        let cursor = cursor.map(str::to_owned);
        match &lane.endpoint {
            Endpoint::Transcript => Call::post(
                "v2/calls/transcript",
                &wire::TranscriptRequest {
                    cursor,
                    filter: filter.clone(),
                },
            ),
            Endpoint::Extensive(selector) => Call::post(
                "v2/calls/extensive",
                &wire::ExtensiveRequest {
                    cursor,
                    filter: filter.clone(),
                    content_selector: selector.clone(),
                },
            ),
        }
    });
    let transport = shared.transport.as_ref();
    let mut unanswered: HashSet<String> = ids.into_iter().collect();
    let stopped_by = loop {
        let page: Option<Result<Vec<Item>, GongError>> = match &lane.endpoint {
            Endpoint::Transcript => pages
                .next::<wire::TranscriptResponse>(transport)
                .await
                .map(|page| page.map(|items| items.into_iter().map(Item::Transcript).collect())),
            Endpoint::Extensive(_) => {
                pages
                    .next::<wire::ExtensiveResponse>(transport)
                    .await
                    .map(|page| {
                        page.map(|items| {
                            items.into_iter().map(|c| Item::Call(Box::new(c))).collect()
                        })
                    })
            }
        };
        let items = match page {
            None => break None,
            Some(Err(error)) => break Some(error),
            Some(Ok(items)) => items,
        };
        // An id Gong returns twice (or did not ask for) is answered once, from its first copy.
        let found: Vec<(String, Got)> = items
            .into_iter()
            .filter(|item| unanswered.remove(item.id()))
            .map(|item| (item.id().to_owned(), Got::Found(item)))
            .collect();
        keep_and_answer(shared, lane, found).await;
    };
    let rest = unanswered
        .into_iter()
        .map(|id| {
            let got = match &stopped_by {
                None => Got::NotFound,
                Some(error) => Got::Failed(error.clone()),
            };
            (id, got)
        })
        .collect();
    keep_and_answer(shared, lane, rest).await;
}

/// Keeps `results` in the cache, gives back their claims (so replicas following them read the
/// answers from the shared cache), then answers their waiters.
async fn keep_and_answer(shared: &Shared, lane: &LaneSpec, results: Vec<(String, Got)>) {
    if results.is_empty() {
        return;
    }
    if let Some(cache) = &shared.cache {
        cache.keep(&lane.key, &results).await;
    }
    let keys: Vec<String> = results
        .iter()
        .map(|(id, _)| claim_key(&lane.key, id))
        .collect();
    shared.transport.limiter.release_many(&keys).await;
    answer(shared, lane, results);
}

/// The claim of one id in one lane, held while this replica fetches it.
fn claim_key(lane: &str, id: &str) -> String {
    format!("{lane}/{id}")
}

/// Waits for other replicas' fetches of `ids` to show up in the shared cache, polling every
/// [`FOLLOW_POLL`]. An id whose claim goes away without an answer (that fetch failed, or its
/// answer is not cached) is fetched here; one still unanswered at `deadline` fails with it.
async fn follow(
    shared: &Shared,
    lane: &LaneSpec,
    mut ids: Vec<String>,
    deadline: Instant,
) -> Vec<(String, Got)> {
    let mut out = Vec::with_capacity(ids.len());
    let Some(cache) = &shared.cache else {
        return out;
    };
    let limiter = &shared.transport.limiter;
    let mut orphans = Vec::new();
    while !ids.is_empty() {
        let now = Instant::now();
        if now >= deadline {
            let late = GongError::DeadlineExceeded(shared.deadline);
            out.extend(ids.drain(..).map(|id| (id, Got::Failed(late.clone()))));
            break;
        }
        tokio::time::sleep_until((now + FOLLOW_POLL).min(deadline)).await;
        let found = cache.get_shared(&lane.key, &ids).await;
        let mut waiting = Vec::with_capacity(ids.len());
        for (id, got) in ids.drain(..).zip(found) {
            match got {
                Some(got) => out.push((id, got)),
                None => waiting.push(id),
            }
        }
        let keys: Vec<String> = waiting.iter().map(|id| claim_key(&lane.key, id)).collect();
        // Without an answer from Redis, stop following: fetching here costs a request but never
        // leaves a caller waiting on a replica it cannot see.
        let held = match limiter.shared() {
            Some(store) => store.claims_held(&keys).await,
            None => None,
        }
        .unwrap_or_else(|| vec![false; keys.len()]);
        for (id, held) in waiting.into_iter().zip(held) {
            if held {
                ids.push(id);
            } else {
                orphans.push(id);
            }
        }
    }
    if !orphans.is_empty() {
        // A last look: the answer may have landed between the poll and the claim's release.
        let found = cache.get_shared(&lane.key, &orphans).await;
        let mut left = Vec::new();
        for (id, got) in orphans.into_iter().zip(found) {
            match got {
                Some(got) => out.push((id, got)),
                None => left.push(id),
            }
        }
        if !left.is_empty() {
            fetch_kept(shared, lane, left, deadline, false).await;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Queues with `transcripts` ids waiting for the transcript lane and `details` for the
    /// extensive lane, all from one caller.
    fn queues(transcripts: usize, details: usize) -> Queues {
        let mut queues = Queues::default();
        let lanes = [
            (LaneSpec::transcripts(), transcripts),
            (
                LaneSpec::extensive(&wire::ContentSelector::default()),
                details,
            ),
        ];
        for (spec, n) in lanes {
            let lane = queues.lane_mut(&spec);
            let ids: VecDeque<String> = (0..n).map(|i| i.to_string()).collect();
            if !ids.is_empty() {
                lane.callers.push_back(("rep".to_owned(), ids));
            }
        }
        queues
    }

    #[test]
    fn the_last_slot_waits_from_when_it_started_waiting_not_from_when_ids_were_queued() {
        let wait = Duration::from_millis(250);
        let t0 = Instant::now();
        // Ids left over from an earlier request (queued long before) still wait: the asks that
        // come back during the wait can fill the batch.
        let mut q = queues(20, 20);
        assert_eq!(q.hold_last_slot(100, wait, t0), Some(t0 + wait));
        let later = t0 + Duration::from_millis(100);
        assert_eq!(q.hold_last_slot(100, wait, later), Some(t0 + wait));
        assert_eq!(q.hold_last_slot(100, wait, t0 + wait), None);
        // Sending ends the wait; the next last slot waits afresh.
        assert!(q.pick_lane(100).is_some());
        let t1 = t0 + Duration::from_secs(1);
        assert_eq!(q.hold_last_slot(100, wait, t1), Some(t1 + wait));
    }

    #[test]
    fn a_full_batch_goes_first_and_never_waits() {
        let wait = Duration::from_millis(250);
        let mut q = queues(20, 100);
        assert_eq!(q.hold_last_slot(100, wait, Instant::now()), None);
        let at = q.pick_lane(100).unwrap();
        assert_eq!(&*q.lanes[at].spec.key, &*q.lanes[1].spec.key);
        // Nothing queued: nothing to wait for.
        let mut empty = queues(0, 0);
        assert!(!empty.has_queued());
        assert_eq!(empty.hold_last_slot(100, wait, Instant::now()), None);
    }
}
