//! The dispatcher: one slot, one batch, while there is work; and what becomes of a batch.

use std::collections::HashSet;
use std::sync::{Arc, Weak};

use tokio::sync::Notify;
use tokio::time::Instant;

use super::fetch::{answer, claim_key, fetch_kept};
use super::lane::{Answer, Batch};
use super::queues::{Lane, Queues};
use super::replicas::{follow, follow_taken};
use super::{Got, Shared, CLAIM_TTL, FOLLOW_POLL};
use crate::item::Outcome;
use crate::limiter::Slot;
use crate::GongError;

/// The dispatcher: one slot, one batch, while there is work; ends when the client is gone.
///
/// Each turn decides one [`Step`] ([`local_step`] or, with state shared between replicas,
/// [`shared_step`]) and then carries it out; only carrying out waits.
pub(super) async fn dispatch(weak: Weak<Shared>, wake: Arc<Notify>) {
    loop {
        let notified = wake.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let Some(shared) = weak.upgrade() else {
            return;
        };
        // A batch is formed and its slot taken only once it may be in flight, so no slot is
        // wasted waiting.
        let Ok(permit) = Arc::clone(&shared.in_flight).try_acquire_owned() else {
            let in_flight = Arc::clone(&shared.in_flight);
            drop(shared);
            drop(in_flight.acquire().await);
            continue;
        };
        let replicas = shared.transport.limiter.shared().is_some();
        let step = if replicas {
            shared_step(&shared).await
        } else {
            local_step(&shared).await
        };
        match step {
            Step::Send(batch) if replicas => {
                // Claims first, on the dispatcher, so the next batch sees them.
                let prepared = prepare(&shared, batch).await;
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    finish(shared, prepared).await;
                    drop(permit);
                });
            }
            Step::Send(batch) => {
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    run_batch(shared, batch).await;
                    drop(permit);
                });
            }
            Step::Again => {}
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

/// What the dispatcher does next.
pub(super) enum Step {
    /// Send this batch on the slot just taken.
    Send(Batch),
    /// Look again at once (the slot went unused, or the queues changed).
    Again,
    /// No slot until then.
    Wait(Instant),
    /// The window's last free slot waits for a fuller batch until then.
    Hold(Instant),
    /// Nothing queued: wait for an ask.
    Idle,
}

/// The next step of a process on its own.
async fn local_step(shared: &Shared) -> Step {
    if !shared.lock().has_queued() {
        return background_step(shared).await;
    }
    if let Some(until) = hold_last_slot(shared).await {
        return Step::Hold(until);
    }
    match shared.transport.limiter.try_acquire().await {
        Slot::Granted => next_batch(&mut shared.lock(), shared).map_or(Step::Again, Step::Send),
        Slot::WaitUntil(at) => Step::Wait(at),
        Slot::QuotaSpent { resets_in } => {
            fail_queued(&mut shared.lock(), &GongError::QuotaExhausted { resets_in });
            Step::Idle
        }
    }
}

/// The next step of a replica sharing state: the replicas woken by the same free slot all ask
/// for it, and only the one granted it forms a batch, its own ids first and then, up to a full
/// request, ids the other replicas wait for. Forming batches before the slot would have each
/// replica send its own part-full request.
async fn shared_step(shared: &Arc<Shared>) -> Step {
    if !shared.lock().has_queued() {
        return background_step(shared).await;
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
    follow_taken(shared).await;
    if !slot_free {
        return Step::Again;
    }
    if let Some(until) = hold_last_slot(shared).await {
        return Step::Hold(until);
    }
    match shared.transport.limiter.try_acquire().await {
        Slot::Granted => {}
        Slot::WaitUntil(at) => return Step::Wait(at.min(Instant::now() + FOLLOW_POLL)),
        Slot::QuotaSpent { resets_in } => {
            fail_queued(&mut shared.lock(), &GongError::QuotaExhausted { resets_in });
            return Step::Again;
        }
    }
    // The queue may have emptied while the slot was taken (its askers gave up, or another
    // replica took the ids along): the slot goes unused.
    let mut queues = shared.lock();
    if !queues.has_queued() {
        return Step::Again;
    }
    next_batch(&mut queues, shared).map_or(Step::Again, Step::Send)
}

/// The next step when nobody but the background waits. Background ids use only capacity
/// nobody wants: a slot while more than one is free in the window (an ask that comes in
/// finds one at once, and its second request waits at most for the next window), a place in
/// flight while another stays free, and none once the day's requests reach the background's
/// share of the daily quota (its ids then fail with `QuotaExhausted`). Waiting, it wakes for
/// any new ask.
async fn background_step(shared: &Shared) -> Step {
    if !shared.lock().has_background() {
        return Step::Idle;
    }
    let limiter = &shared.transport.limiter;
    if let Err(error) = limiter
        .admit_background(shared.background_daily_share)
        .await
    {
        fail_background(&mut shared.lock(), &error);
        return Step::Idle;
    }
    // The dispatcher holds one place in flight already; another must stay for a person.
    if shared.max_in_flight > 1 && shared.in_flight.available_permits() == 0 {
        return Step::Hold(Instant::now() + FOLLOW_POLL);
    }
    let (free, paused, per_second) = limiter.peek().await;
    if !paused.is_zero() {
        return Step::Hold(Instant::now() + paused);
    }
    let reserve = u32::from(per_second > 1);
    if per_second > 0 && free <= reserve {
        return Step::Hold(Instant::now() + std::time::Duration::from_secs(1) / per_second);
    }
    match limiter.try_acquire().await {
        Slot::Granted => {
            next_background_batch(&mut shared.lock(), shared).map_or(Step::Again, Step::Send)
        }
        Slot::WaitUntil(at) => Step::Hold(at),
        Slot::QuotaSpent { resets_in } => {
            fail_background(&mut shared.lock(), &GongError::QuotaExhausted { resets_in });
            Step::Idle
        }
    }
}

/// A batch of background ids only, from the next lane that has some.
fn next_background_batch(queues: &mut Queues, shared: &Shared) -> Option<Batch> {
    let at = queues.pick_background_lane()?;
    let lane = &mut queues.lanes[at];
    let n = shared.batch_size.min(lane.background.len());
    let ids: Vec<String> = lane.background.drain(..n).collect();
    Some(batch_of(lane, ids, shared))
}

/// Answers every background id with `error` and empties the background queues.
fn fail_background(queues: &mut Queues, error: &GongError) {
    for lane in &mut queues.lanes {
        let ids = std::mem::take(&mut lane.background);
        fail_ids(lane, ids, error);
    }
}

/// `ids` of `lane` as one request, running until the latest deadline of their askers.
fn batch_of(lane: &Lane, ids: Vec<String>, shared: &Shared) -> Batch {
    let deadline = ids
        .iter()
        .filter_map(|id| lane.deadlines.get(id))
        .max()
        .copied()
        .unwrap_or_else(|| Instant::now() + shared.deadline);
    Batch {
        lane: lane.spec.clone(),
        ids,
        deadline,
    }
}

/// Answers every waiter of `ids` (taken out of `lane`'s queues) with `error`.
fn fail_ids(lane: &mut Lane, ids: impl IntoIterator<Item = String>, error: &GongError) {
    for id in ids {
        lane.deadlines.remove(&id);
        for w in lane.waiters.remove(&id).unwrap_or_default() {
            let _ = w.tx.send(Answer {
                tag: w.tag,
                id: id.clone(),
                got: Got::Failed(error.clone()),
            });
        }
    }
}

/// When the window's last free slot waits for more ids before it goes (see
/// [`Queues::hold_last_slot`]): after it the next slot can be up to a second away, so a batch
/// sent a moment early leaves the asks of that moment waiting that second. With more than one
/// slot free, or without a local window, nothing waits: an idle server sends at once.
pub(super) async fn hold_last_slot(shared: &Shared) -> Option<Instant> {
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
pub(super) async fn hold(
    until: Instant,
    notified: std::pin::Pin<&mut tokio::sync::futures::Notified<'_>>,
) {
    tokio::select! {
        () = tokio::time::sleep_until(until) => {}
        () = notified => tokio::task::yield_now().await,
    }
}

pub(super) fn next_batch(queues: &mut Queues, shared: &Shared) -> Option<Batch> {
    let at = queues.pick_lane(shared.batch_size)?;
    let lane = &mut queues.lanes[at];
    let ids = lane.take_batch(shared.batch_size);
    Some(batch_of(lane, ids, shared))
}

/// Answers every queued id with `error` and empties the queues.
pub(super) fn fail_queued(queues: &mut Queues, error: &GongError) {
    fail_background(queues, error);
    for lane in &mut queues.lanes {
        let callers = std::mem::take(&mut lane.callers);
        fail_ids(lane, callers.into_iter().flat_map(|(_, ids)| ids), error);
    }
}

/// Sends one batch (its first page on the slot already taken), keeps what Gong said, and
/// answers every waiter of every id.
///
/// Each id is claimed first. Within the process the queue already fetches each id once; the
/// claims tell other replicas sharing the state. An id another replica is fetching is not
/// fetched again: with a shared cache this replica follows that fetch, waiting for its answer
/// to appear in the cache, and fetches the id itself only if the claim goes away without one.
pub(super) async fn run_batch(shared: Arc<Shared>, batch: Batch) {
    let prepared = prepare(&shared, batch).await;
    finish(shared, prepared).await;
}

/// A batch with its claims taken: the ids this replica fetches, those another replica is
/// fetching, and those another replica has already answered.
pub(super) struct Prepared {
    batch: Batch,
    mine: Vec<String>,
    theirs: Vec<String>,
    results: Vec<Outcome>,
}

/// Claims the batch's ids and looks in the shared cache for those another replica finished
/// between this one's cache look-up and its claim.
pub(super) async fn prepare(shared: &Shared, batch: Batch) -> Prepared {
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
    let mut results: Vec<Outcome> = Vec::new();
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
                    results.push(Outcome::new(id, got));
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
pub(super) async fn finish(shared: Arc<Shared>, prepared: Prepared) {
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
