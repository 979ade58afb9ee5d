//! `serve`'s cache upkeep: every `CALLBRIEF_CACHE_SWEEP_MINUTES` a sweep of expired answers
//! (see [`service::upkeep`]), and with Redis, every [`service::upkeep::ERASURE_FOLLOW_INTERVAL`]
//! a look at the deployment's erase log, so a call erased by `callbrief cache erase` anywhere
//! leaves this replica's memory and disk too.

use std::sync::Arc;
use std::time::Duration;

use service::upkeep::ERASURE_FOLLOW_INTERVAL;
use service::Service;
use tokio::task::JoinHandle;

/// Starts the upkeep on the current runtime. The first sweep waits one interval (opening the
/// store swept it already); the erase log is read at once, for erasures made while this
/// replica was down.
pub fn spawn(service: Arc<Service>, sweep_every: Duration) -> JoinHandle<()> {
    // An interval of zero would panic; settings allow a minute at least.
    let sweep_every = sweep_every.max(Duration::from_secs(1));
    tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        let mut sweep = tokio::time::interval_at(start + sweep_every, sweep_every);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut follow = tokio::time::interval(ERASURE_FOLLOW_INTERVAL);
        follow.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let follows = service.follows_erasures();
        loop {
            tokio::select! {
                _ = sweep.tick() => match service.sweep_cache().await {
                    Ok((memory, disk)) => {
                        tracing::debug!(memory, disk, "cache swept");
                    }
                    Err(error) => tracing::warn!(%error, "cache sweep failed; next one as planned"),
                },
                _ = follow.tick(), if follows => match service.follow_cache_erasures().await {
                    Ok(0) => {}
                    Ok(calls) => tracing::info!(calls, "erased calls dropped from this replica's cache"),
                    Err(error) => tracing::debug!(%error, "erase log not read; next look as planned"),
                },
            }
        }
    })
}
