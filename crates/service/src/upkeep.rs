//! Keeping the cache of Gong's answers within its lifetimes while serving: the scheduled sweep
//! of expired answers (memory and the store on disk, which is then rewritten), and following
//! the erasures other processes log in Redis (`callbrief cache erase` run elsewhere), so this
//! replica stops serving an erased call within [`ERASURE_FOLLOW_INTERVAL`].

use std::time::Duration;

use crate::error::ServiceError;
use crate::Service;

/// How often a server reads the deployment's erase log: the longest an erased call is still
/// served from another replica's own memory or disk.
pub const ERASURE_FOLLOW_INTERVAL: Duration = Duration::from_secs(10);

/// Counter of cached entries removed by sweeps, by `tier` (`memory`, `disk`).
pub const CACHE_SWEPT: &str = "callbrief_cache_swept_entries_total";
/// Counter of cached calls reconciliations asked Gong about, by `result` (`kept`, `gone`).
pub const CACHE_RECONCILED: &str = "callbrief_cache_reconciled_calls_total";
/// Counter of erased call ids this replica applied from the deployment's erase log.
pub const CACHE_ERASURES_FOLLOWED: &str = "callbrief_cache_erasures_followed_total";

impl Service {
    /// Sweeps expired answers out of this process's tiers (Redis expires its own); returns how
    /// many entries went from memory and from disk.
    pub async fn sweep_cache(&self) -> Result<(u64, u64), ServiceError> {
        let swept = self.gong.sweep_cache().await?;
        metrics::counter!(CACHE_SWEPT, "tier" => "memory").increment(swept.memory);
        metrics::counter!(CACHE_SWEPT, "tier" => "disk").increment(swept.disk);
        Ok((swept.memory, swept.disk))
    }

    /// Drops from this replica's tiers the calls erased elsewhere since the last look; returns
    /// how many. Without Redis there is nothing to follow.
    pub async fn follow_cache_erasures(&self) -> Result<usize, ServiceError> {
        let followed = self.gong.follow_erasures().await?;
        metrics::counter!(CACHE_ERASURES_FOLLOWED).increment(followed as u64);
        Ok(followed)
    }

    /// Asks Gong, in the background lane and within `share` of the day's quota, which cached
    /// calls it still has, at most `max_requests` requests, and erases the others from every
    /// tier; with replicas, one of them runs each (a lease as long as `every`). `None` when
    /// another replica runs this one.
    pub async fn reconcile_cache(
        &self,
        every: Duration,
        share: f64,
        max_requests: u32,
    ) -> Result<Option<gong::Reconciled>, ServiceError> {
        if !self.gong.take_lease("reconcile", every).await {
            return Ok(None);
        }
        let report = self.gong.reconcile_cache(share, max_requests).await?;
        let gone = report.gone.len() as u64;
        metrics::counter!(CACHE_RECONCILED, "result" => "gone").increment(gone);
        metrics::counter!(CACHE_RECONCILED, "result" => "kept")
            .increment((report.checked as u64).saturating_sub(gone));
        Ok(Some(report))
    }

    /// Whether this server shares a Redis whose erase log it should follow.
    pub fn follows_erasures(&self) -> bool {
        self.gong.shares_state()
    }
}
