//! What becomes of fetched ids: Gong's answers kept in the cache, their claims given back, and
//! every waiter answered.

use std::collections::HashSet;
use std::sync::Arc;

use tokio::time::Instant;

use super::lane::{Answer, Endpoint, LaneSpec};
use super::{Got, Item, Shared};
use crate::http::Call;
use crate::item::Outcome;
use crate::paging::Pages;
use crate::{wire, GongError};

/// The claim of one id in one lane, held while this replica fetches it.
pub(super) fn claim_key(lane: &str, id: &str) -> String {
    format!("{lane}/{id}")
}

/// Gives every waiter of each id its answer.
pub(super) fn answer(shared: &Shared, lane: &LaneSpec, results: Vec<Outcome>) {
    if results.is_empty() {
        return;
    }
    let mut queues = shared.lock();
    let lane = queues.lane_mut(lane);
    for Outcome { id, got } in results {
        lane.deadlines.remove(&id);
        let mut waiters = lane.waiters.remove(&id).unwrap_or_default();
        waiters.retain(|w| !w.tx.is_closed());
        let Some(last) = waiters.pop() else {
            continue;
        };
        for w in waiters {
            let _ = w.tx.send(Answer {
                tag: w.tag,
                id: id.clone(),
                got: got.clone(),
            });
        }
        let _ = last.tx.send(Answer {
            tag: last.tag,
            id,
            got,
        });
    }
}

/// Fetches `ids` (the first page on a slot already taken when `prepaid`), keeps the answers in
/// the cache and gives them to their waiters. The ids on each page are answered as that page
/// arrives, so when a later page fails or the deadline comes, only the ids not yet seen fail.
pub(super) async fn fetch_kept(
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
        let page: Option<Result<Vec<Item>, GongError>> =
            match &lane.endpoint {
                Endpoint::Transcript => pages
                    .next::<wire::TranscriptResponse>(transport)
                    .await
                    .map(|page| {
                        page.map(|items| {
                            items
                                .into_iter()
                                .map(|t| Item::Transcript(Arc::new(t)))
                                .collect()
                        })
                    }),
                Endpoint::Extensive(_) => pages
                    .next::<wire::ExtensiveResponse>(transport)
                    .await
                    .map(|page| {
                        page.map(|items| {
                            items.into_iter().map(|c| Item::Call(Arc::new(c))).collect()
                        })
                    }),
            };
        let items = match page {
            None => break None,
            Some(Err(error)) => break Some(error),
            Some(Ok(items)) => items,
        };
        // An id Gong returns twice (or did not ask for) is answered once, from its first copy.
        let found: Vec<Outcome> = items
            .into_iter()
            .filter(|item| unanswered.remove(item.id()))
            .map(|item| Outcome::new(item.id().to_owned(), Got::Found(item)))
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
            Outcome::new(id, got)
        })
        .collect();
    keep_and_answer(shared, lane, rest).await;
}

/// Keeps `results` in the cache, gives back their claims (so replicas following them read the
/// answers from the shared cache), then answers their waiters.
pub(super) async fn keep_and_answer(shared: &Shared, lane: &LaneSpec, results: Vec<Outcome>) {
    if results.is_empty() {
        return;
    }
    if let Some(cache) = &shared.cache {
        cache.keep(&lane.key, &results).await;
    }
    let keys: Vec<String> = results
        .iter()
        .map(|o| claim_key(&lane.key, &o.id))
        .collect();
    shared.transport.limiter.release_many(&keys).await;
    answer(shared, lane, results);
}
