//! Replica coordination: ids another replica claimed are followed through the shared cache
//! instead of fetched again.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::time::Instant;

use super::fetch::{answer, claim_key, fetch_kept};
use super::lane::LaneSpec;
use super::{Got, Shared, FOLLOW_POLL};
use crate::item::Outcome;
use crate::GongError;

/// Takes out of the local queues the ids another replica has claimed (it took them along in
/// its own request) and follows that fetch, so their askers are answered when its answer
/// lands, not when this replica's next slot comes. Ids still in the queues are not being
/// fetched by this replica, so a claim on one is always another replica's.
pub(super) async fn follow_taken(shared: &Arc<Shared>) {
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

/// Waits for other replicas' fetches of `ids` to show up in the shared cache, polling every
/// [`FOLLOW_POLL`]. An id whose claim goes away without an answer (that fetch failed, or its
/// answer is not cached) is fetched here; one still unanswered at `deadline` fails with it.
pub(super) async fn follow(
    shared: &Shared,
    lane: &LaneSpec,
    mut ids: Vec<String>,
    deadline: Instant,
) -> Vec<Outcome> {
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
            out.extend(
                ids.drain(..)
                    .map(|id| Outcome::new(id, Got::Failed(late.clone()))),
            );
            break;
        }
        tokio::time::sleep_until((now + FOLLOW_POLL).min(deadline)).await;
        let found = cache.get_shared(&lane.key, &ids).await;
        let mut waiting = Vec::with_capacity(ids.len());
        for (id, got) in ids.drain(..).zip(found) {
            match got {
                Some(got) => out.push(Outcome::new(id, got)),
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
                Some(got) => out.push(Outcome::new(id, got)),
                None => left.push(id),
            }
        }
        if !left.is_empty() {
            fetch_kept(shared, lane, left, deadline, false).await;
        }
    }
    out
}
