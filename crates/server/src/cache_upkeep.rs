//! `serve`'s cache upkeep: every `CALLBRIEF_CACHE_SWEEP_MINUTES` a sweep of expired answers,
//! every `CALLBRIEF_CACHE_RECONCILE_HOURS` a check that Gong still has the cached calls (see
//! [`service::upkeep`]), and with Redis, every [`service::upkeep::ERASURE_FOLLOW_INTERVAL`] a
//! look at the deployment's erase log, so a call erased by `callbrief cache erase` anywhere
//! leaves this replica's memory and disk too.

use std::sync::Arc;
use std::time::Duration;

use service::settings::GongConfig;
use service::upkeep::ERASURE_FOLLOW_INTERVAL;
use service::Service;
use tokio::task::JoinHandle;

/// When the upkeep works, from the Gong client's settings.
#[derive(Debug, Clone, Copy)]
pub struct UpkeepSettings {
    /// Time between sweeps.
    pub sweep_every: Duration,
    /// Time between reconciliations; `None` = never.
    pub reconcile_every: Option<Duration>,
    /// Most Gong requests one reconciliation spends.
    pub reconcile_max_requests: u32,
    /// Share of the day's quota past which background work stops.
    pub background_share: f64,
}

impl UpkeepSettings {
    /// The upkeep `gong`'s settings ask for.
    pub fn of(gong: &GongConfig) -> Self {
        Self {
            sweep_every: gong.cache.sweep_every,
            reconcile_every: gong.cache.reconcile_every,
            reconcile_max_requests: gong.cache.reconcile_max_requests,
            background_share: gong.background_daily_share,
        }
    }
}

/// How soon after start the first reconciliation runs (unless its period is shorter): a
/// process that never lives a whole period (a function host, daily restarts) still runs it.
const FIRST_RECONCILE_AFTER: Duration = Duration::from_secs(10 * 60);

/// An interval of `period` (at least a second: zero would panic) whose first tick is `first`
/// away.
fn every(first: Duration, period: Duration) -> tokio::time::Interval {
    let period = period.max(Duration::from_secs(1));
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + first, period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    interval
}

/// Starts the upkeep on the current runtime. The first sweep waits one interval (opening the
/// store swept it already); the first reconciliation runs [`FIRST_RECONCILE_AFTER`] after start
/// (with replicas, the lease keeps it to one a period); the erase log is read at once, for
/// erasures made while this replica was down.
pub fn spawn(service: Arc<Service>, settings: UpkeepSettings) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut sweep = every(settings.sweep_every, settings.sweep_every);
        let reconciles = settings.reconcile_every.is_some();
        let reconcile_period = settings
            .reconcile_every
            .unwrap_or(Duration::from_secs(86_400));
        let mut reconcile = every(
            FIRST_RECONCILE_AFTER.min(reconcile_period),
            reconcile_period,
        );
        let mut follow = tokio::time::interval(ERASURE_FOLLOW_INTERVAL);
        follow.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let follows = service.follows_erasures();
        loop {
            tokio::select! {
                _ = sweep.tick() => match service.sweep_cache().await {
                    Ok((memory, disk)) => tracing::debug!(memory, disk, "cache swept"),
                    Err(error) => tracing::warn!(%error, "cache sweep failed; next one as planned"),
                },
                _ = reconcile.tick(), if reconciles => match service
                    .reconcile_cache(reconcile_period, settings.background_share, settings.reconcile_max_requests)
                    .await
                {
                    Ok(Some(report)) => tracing::info!(
                        checked = report.checked,
                        gone = report.gone.len(),
                        unchecked = report.unchecked,
                        requests = report.requests,
                        "cache reconciled with Gong"
                    ),
                    Ok(None) => tracing::debug!("another replica reconciles the cache"),
                    Err(error) => tracing::warn!(%error, "cache reconciliation failed; next one as planned"),
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
