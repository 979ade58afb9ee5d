//! Prefetch: have every briefing's Gong data in the cache before the rep asks.
//!
//! The meetings are known ahead: they are Salesforce `Event`s. A run lists, with the service
//! credentials, the customer events starting in the next hours, finds the calls each of their
//! accounts' briefings shows, and fetches those not cached at the scheduler's background
//! priority: only with Gong capacity no person is waiting for, and never past the
//! background's share of the daily quota. Only Gong's answers are kept (in the cache, as any
//! fetch keeps them); every later read still passes the rep's own checks, and nothing of
//! Salesforce is kept.

use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use crate::error::{GongError, ServiceError};
use crate::ids::{distinct, AccountId, CallId};
use crate::service::{Service, DEFAULT_BRIEFING_CALLS};
use crate::{query, records};

/// Hours ahead a prefetch run covers unless told otherwise.
pub const DEFAULT_PREFETCH_HOURS_AHEAD: usize = 24;
/// Minutes between two runs of `serve`'s prefetch job.
pub const DEFAULT_PREFETCH_EVERY_MINUTES: u64 = 15;
/// Accounts whose calls one run looks up at once (Salesforce queries in flight).
const ACCOUNTS_AT_ONCE: usize = 8;
/// Calls handed to the background lane at a time: progress is reported per part.
const CALLS_PER_PART: usize = 20;

/// Counter of prefetch runs, by `outcome` (`ok`, `stopped_at_share`, `failed`, and
/// `another_replica` for a run this replica left to the one holding the lease).
pub const PREFETCH_RUNS: &str = "callbrief_prefetch_runs_total";
/// Counter of the meetings prefetch runs covered.
pub const PREFETCH_MEETINGS: &str = "callbrief_prefetch_meetings_total";
/// Counter of the calls prefetch runs fetched from Gong.
pub const PREFETCH_CALLS_FETCHED: &str = "callbrief_prefetch_calls_fetched_total";
/// Counter of the Gong requests prefetch runs spent (the day's count before and after).
pub const PREFETCH_GONG_REQUESTS: &str = "callbrief_prefetch_gong_requests_total";
/// Gauge: when the last run that finished without error ended (Unix seconds).
pub const PREFETCH_LAST_SUCCESS: &str = "callbrief_prefetch_last_success_timestamp_seconds";

/// What one prefetch run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PrefetchSummary {
    /// Customer meetings in the window.
    pub meetings: usize,
    /// Their distinct accounts.
    pub accounts: usize,
    /// Accounts whose calls could not be listed (Salesforce failed for them).
    pub accounts_failed: usize,
    /// Calls their briefings show.
    pub calls: usize,
    /// Of those, already cached: skipped.
    pub already_cached: usize,
    /// Fetched from Gong in this run.
    pub fetched: usize,
    /// Could not be fetched (Gong failed, or the run stopped at its share).
    pub failed: usize,
    /// Gong requests the day's count grew by during the run (other work included).
    pub gong_requests: u64,
    /// Whether the run stopped at the background's share of the daily quota.
    pub stopped_at_share: bool,
}

/// What a run reports as it goes: the calls to fetch, and how many are done.
pub trait PrefetchProgress: Send + Sync {
    /// The run has found `total` calls to fetch.
    fn started(&self, _total: usize) {}
    /// `done` more calls were fetched (or failed).
    fn advanced(&self, _done: usize) {}
}

/// Progress nobody watches.
pub struct NoProgress;
impl PrefetchProgress for NoProgress {}

impl Service {
    /// Whether this replica runs the prefetch of the next `ttl`: with replicas on Redis one
    /// of them does; alone, always.
    pub async fn take_prefetch_lease(&self, ttl: Duration) -> bool {
        let taken = self.gong.take_lease("prefetch", ttl).await;
        if !taken {
            metrics::counter!(PREFETCH_RUNS, "outcome" => "another_replica").increment(1);
        }
        taken
    }

    /// One prefetch run over the customer meetings starting in the next `hours_ahead` hours
    /// (see the module's documentation); `budget` bounds the time its fetches may wait for
    /// spare Gong capacity.
    pub async fn prefetch(
        &self,
        hours_ahead: usize,
        budget: Duration,
        progress: &dyn PrefetchProgress,
    ) -> Result<PrefetchSummary, ServiceError> {
        let outcome = self.prefetch_run(hours_ahead, budget, progress).await;
        let label = match &outcome {
            Ok(summary) if summary.stopped_at_share => "stopped_at_share",
            Ok(_) => "ok",
            Err(_) => "failed",
        };
        metrics::counter!(PREFETCH_RUNS, "outcome" => label).increment(1);
        if let Ok(summary) = &outcome {
            metrics::counter!(PREFETCH_MEETINGS).increment(summary.meetings as u64);
            metrics::counter!(PREFETCH_CALLS_FETCHED).increment(summary.fetched as u64);
            metrics::counter!(PREFETCH_GONG_REQUESTS).increment(summary.gong_requests);
            let now = self.now().timestamp();
            #[allow(clippy::cast_precision_loss)]
            metrics::gauge!(PREFETCH_LAST_SUCCESS).set(now as f64);
            tracing::info!(?summary, "prefetch run done");
        }
        outcome
    }

    async fn prefetch_run(
        &self,
        hours_ahead: usize,
        budget: Duration,
        progress: &dyn PrefetchProgress,
    ) -> Result<PrefetchSummary, ServiceError> {
        let started = Instant::now();
        let requests_before = self.gong.daily_requests();
        let client = self.base_salesforce()?.clone();
        let source = self.source(&client, false).await?;
        let from = self.now();
        let to = from + chrono::Duration::hours(i64::try_from(hours_ahead).unwrap_or(24));
        let events = client
            .query::<Value>(&query::customer_events(&from, &to))
            .await
            .map_err(|e| ServiceError::from_salesforce(e, false))?;
        let accounts = distinct(
            events
                .iter()
                .filter_map(|e| records::text(e, "AccountId"))
                .filter_map(|id| AccountId::parse("AccountId", &id).ok()),
        );
        let mut summary = PrefetchSummary {
            meetings: events.len(),
            accounts: accounts.len(),
            ..PrefetchSummary::default()
        };
        let mut listed = Vec::with_capacity(accounts.len());
        for some in accounts.chunks(ACCOUNTS_AT_ONCE) {
            let lists = some.iter().map(|account| {
                self.briefing_call_ids(&client, false, source, account, DEFAULT_BRIEFING_CALLS)
            });
            listed.extend(futures::future::join_all(lists).await);
        }
        let mut calls = Vec::new();
        for result in listed {
            match result {
                Ok(ids) => calls.extend(ids),
                Err(error) => {
                    tracing::warn!(%error, "prefetch: an account's calls could not be listed");
                    summary.accounts_failed += 1;
                }
            }
        }
        let calls = distinct(calls);
        let cached = self.gong.cached(&calls).await;
        let missing: Vec<CallId> = calls
            .iter()
            .filter(|c| !cached.contains(c))
            .cloned()
            .collect();
        summary.calls = calls.len();
        summary.already_cached = cached.len();
        progress.started(missing.len());
        for part in missing.chunks(CALLS_PER_PART) {
            let left = budget.saturating_sub(started.elapsed());
            let spent = |e: &GongError| matches!(e, GongError::QuotaExhausted { .. });
            let (fetched, failed, stop) = match self.gong.prefetch(part, left).await {
                // A call counts as fetched once its transcript and its details are cached.
                Ok(data) => {
                    let failed = if data.metadata_error.is_some() {
                        part.len()
                    } else {
                        data.failed_call_ids.len()
                    };
                    let stop = data.transcript_error.as_ref().is_some_and(spent)
                        || data.metadata_error.as_ref().is_some_and(spent);
                    (part.len() - failed, failed, stop)
                }
                Err(error) => (0, part.len(), spent(&error)),
            };
            summary.fetched += fetched;
            summary.failed += failed;
            progress.advanced(part.len());
            if stop {
                summary.stopped_at_share = true;
                summary.failed += missing.len() - summary.fetched - summary.failed;
                break;
            }
        }
        summary.gong_requests =
            u64::from(self.gong.daily_requests().saturating_sub(requests_before));
        Ok(summary)
    }
}
