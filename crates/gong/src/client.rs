//! [`GongClient`]: the cache, the scheduler, auth, pagination, retries and one deadline per operation.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use tokio::time::Instant;
use tracing::Instrument as _;

use crate::cache::{self, Cache, CacheStats};
use crate::http::{Call, Transport};
use crate::limiter::{InProcessState, Limiter, SchedulerState};
use crate::listing::{ListingRequest, Listings, RecentCalls};
use crate::paging::{self, Page};
use crate::scheduler::{Answer, Got, Item, LaneSpec, Priority, Scheduler, SchedulerStats, Want};
use crate::shared::{SharedHealth, SharedStore};
use crate::wire::CallId;
use crate::{auth, batch, config, wire, GongConfig, GongError};

/// Longest time to wait for a TCP/TLS connection, however long an attempt may take.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// `User-Agent` of every request, so Gong's logs can tell callbrief's traffic apart.
const USER_AGENT: &str = concat!("callbrief/", env!("CARGO_PKG_VERSION"));

/// The fairness key of callers that do not name themselves.
pub const DEFAULT_CALLER: &str = "default";
/// The fairness key of background work (prefetching).
pub const BACKGROUND_CALLER: &str = "background";

/// What `calls_with_transcripts` gathered. A failure of one part never loses the others:
/// transcripts fetched are returned even when metadata failed, and vice versa.
#[derive(Debug, Default)]
pub struct CallData {
    /// Transcripts Gong returned (or the cache kept), in the order the ids were asked for.
    pub transcripts: Vec<wire::CallTranscript>,
    /// Metadata and parties of the calls, in the order the ids were asked for.
    pub calls: Vec<wire::ExtensiveCall>,
    /// Set when some or all transcript requests failed; their ids are in `failed_call_ids`.
    pub transcript_error: Option<GongError>,
    /// Set when some or all metadata requests failed.
    pub metadata_error: Option<GongError>,
    /// Call ids whose transcript could not be fetched (as opposed to ids Gong has no
    /// transcript for, which are simply absent from `transcripts`).
    pub failed_call_ids: Vec<CallId>,
    /// Call ids answered entirely from the cache (transcript and metadata), so front doors
    /// can say how fresh an answer is.
    pub cached_call_ids: Vec<CallId>,
}

/// What one reconciliation of the cache with Gong did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Cached calls asked about.
    pub checked: usize,
    /// Of those, the ones Gong no longer has, now erased from every tier.
    pub gone: Vec<CallId>,
    /// Gong requests spent.
    pub requests: u32,
    /// Cached calls left unasked (the run's request cap or the day's background share came
    /// first).
    pub unchecked: usize,
}

/// Cheap to clone (shares one connection pool, one scheduler and one cache per process).
#[derive(Clone)]
pub struct GongClient {
    inner: Arc<Inner>,
}

struct Inner {
    transport: Arc<Transport>,
    scheduler: Scheduler,
    shared: Option<Arc<SharedStore>>,
    cache: Option<Arc<Cache>>,
    deadline: Duration,
    batch_size: usize,
    listings: Listings,
    /// The time (Unix ms) of the newest entry of the erase log this replica has acted on.
    erased_cursor: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for GongClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The credentials stay out of debug output.
        f.debug_struct("GongClient")
            .field("base_url", &self.inner.transport.base_url.as_str())
            .field("deadline", &self.inner.deadline)
            .field("batch_size", &self.inner.batch_size)
            .field("cache", &self.inner.cache.is_some())
            .finish_non_exhaustive()
    }
}

/// Per id, per lane: what came back, and whether all of it came from the cache.
struct Gathered {
    ids: Vec<CallId>,
    /// `answers[lane][i]` is the answer for `ids[i]` in that lane.
    answers: Vec<Vec<Got>>,
    from_cache: Vec<bool>,
}

impl GongClient {
    /// Builds the client with its own in-process scheduler state and the cache `config` asks for.
    pub fn new(config: GongConfig) -> Result<Self, GongError> {
        Self::with_state(config, Arc::new(InProcessState::default()))
    }

    /// Builds the client over a given scheduler state: one shared by several replicas (so the
    /// rate limit, 429 pauses and the daily budget are counted once per Gong company), or a
    /// test's own.
    pub fn with_state(
        config: GongConfig,
        state: Arc<dyn SchedulerState>,
    ) -> Result<Self, GongError> {
        // The field is public, so it may not have gone through `parse_base_url`.
        let base_url = config::parse_base_url(config.base_url.as_str())?;
        let auth = auth::header_value(&config.auth)?;
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.attempt_timeout.min(MAX_CONNECT_TIMEOUT))
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .build()
            .map_err(|e| GongError::Config(format!("cannot build the HTTP client: {e}")))?;
        let tenant = cache::tenant(base_url.as_str(), &config.auth);
        let shared = match &config.redis {
            Some(redis) => Some(Arc::new(SharedStore::new(redis, &tenant)?)),
            None => None,
        };
        let cache = Cache::open(&config.cache, tenant, shared.clone());
        let mut limiter = Limiter::new(
            state,
            config.requests_per_second,
            config.daily_quota,
            config.daily_reserve,
        );
        if let (Some(store), Some(redis)) = (&shared, &config.redis) {
            limiter = limiter.with_shared(Arc::clone(store), redis.degraded_requests_per_second);
        }
        let transport = Arc::new(Transport {
            http,
            base_url,
            auth,
            limiter,
            attempt_timeout: config.attempt_timeout,
            deadline: config.deadline,
            max_retries: config.max_retries,
            initial_backoff: config.initial_backoff,
        });
        let batch_size = config.batch_size.max(1);
        let scheduler = Scheduler::new(
            Arc::clone(&transport),
            batch_size,
            config.max_in_flight,
            config.last_slot_wait,
            config.deadline,
            cache.clone(),
            config.background_daily_share,
        );
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                scheduler,
                shared,
                cache,
                deadline: config.deadline,
                batch_size,
                listings: Listings::default(),
                erased_cursor: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// [`Self::calls_with_transcripts_for`] for the [`DEFAULT_CALLER`].
    pub async fn calls_with_transcripts(&self, call_ids: &[CallId]) -> Result<CallData, GongError> {
        self.calls_with_transcripts_for(DEFAULT_CALLER, call_ids)
            .await
    }

    /// Transcripts and call metadata (with parties, Gong's call intelligence and talk times)
    /// for `call_ids`, from the cache or Gong, inside
    /// the configured deadline. `caller` (an API key id or a Salesforce user id) is the fairness
    /// key: when several callers wait for Gong, they share its requests round-robin.
    /// Gong's "No calls found" 404 is empty. Duplicate and blank ids are dropped; no ids (or only
    /// cached ones) means no request.
    /// Returns `Err` only when no transcript could be had for any id (every one failed): then
    /// there is nothing to show. Any lesser failure is reported inside [`CallData`].
    pub async fn calls_with_transcripts_for(
        &self,
        caller: &str,
        call_ids: &[CallId],
    ) -> Result<CallData, GongError> {
        self.calls_with_transcripts_within(caller, call_ids, self.inner.deadline)
            .await
    }

    /// [`Self::calls_with_transcripts_for`] with its own time budget instead of the configured
    /// deadline, for front doors whose clients give up sooner.
    pub async fn calls_with_transcripts_within(
        &self,
        caller: &str,
        call_ids: &[CallId],
        budget: Duration,
    ) -> Result<CallData, GongError> {
        self.calls_at(caller, call_ids, budget, Priority::Interactive)
            .await
    }

    /// [`Self::calls_with_transcripts`] at background priority, to fill the cache ahead of
    /// need: the ids wait (up to `budget`) for Gong capacity no person is waiting for, take
    /// no place a person needs, and fail with [`GongError::QuotaExhausted`] once the day's
    /// requests reach [`crate::GongConfig::background_daily_share`] of the daily quota. An
    /// id a person asks for meanwhile is fetched at once for both.
    pub async fn prefetch(
        &self,
        call_ids: &[CallId],
        budget: Duration,
    ) -> Result<CallData, GongError> {
        self.calls_at(BACKGROUND_CALLER, call_ids, budget, Priority::Background)
            .await
    }

    async fn calls_at(
        &self,
        caller: &str,
        call_ids: &[CallId],
        budget: Duration,
        priority: Priority,
    ) -> Result<CallData, GongError> {
        let deadline = Instant::now() + budget;
        let lanes = [
            LaneSpec::transcripts(),
            LaneSpec::extensive(&wire::ContentSelector::with_intelligence()),
        ];
        let span = tracing::info_span!("gong", op = "calls_with_transcripts", ids = call_ids.len());
        let gathered = self
            .gather(caller, &lanes, call_ids, deadline, priority)
            .instrument(span)
            .await;
        let Gathered {
            ids,
            answers,
            from_cache,
        } = gathered;
        let mut data = CallData::default();
        if ids.is_empty() {
            return Ok(data);
        }
        let mut answers = answers.into_iter();
        let transcripts = answers.next().unwrap_or_default();
        let calls = answers.next().unwrap_or_default();
        let mut failed = 0;
        for (id, got) in ids.iter().zip(transcripts) {
            match got {
                Got::Found(Item::Transcript(t)) => data.transcripts.push(Arc::unwrap_or_clone(t)),
                Got::Found(Item::Call(_)) | Got::NotFound => {}
                Got::Failed(error) => {
                    failed += 1;
                    data.failed_call_ids.push(id.clone());
                    data.transcript_error.get_or_insert(error);
                }
            }
        }
        for got in calls {
            match got {
                Got::Found(Item::Call(c)) => data.calls.push(Arc::unwrap_or_clone(c)),
                Got::Found(Item::Transcript(_)) | Got::NotFound => {}
                Got::Failed(error) => {
                    data.metadata_error.get_or_insert(error);
                }
            }
        }
        data.cached_call_ids = ids
            .iter()
            .zip(&from_cache)
            .filter(|(_, cached)| **cached)
            .map(|(id, _)| id.clone())
            .collect();
        if failed == ids.len() {
            if let Some(error) = data.transcript_error.take() {
                return Err(error);
            }
        }
        if let Some(error) = &data.metadata_error {
            tracing::warn!(%error, "gong call metadata incomplete; transcripts returned without it");
        }
        if let Some(error) = &data.transcript_error {
            tracing::warn!(%error, failed = data.failed_call_ids.len(), "some gong transcripts could not be fetched");
        }
        Ok(data)
    }

    /// Which of `call_ids` (deduplicated) a briefing would read wholly from the cache, its
    /// transcript and its call details, in any tier; asks Gong nothing. For "is it ready"
    /// answers and for prefetching only what is missing.
    pub async fn cached(&self, call_ids: &[CallId]) -> Vec<CallId> {
        let Some(cache) = &self.inner.cache else {
            return Vec::new();
        };
        let ids = batch::dedupe(call_ids);
        let keys: Vec<String> = ids.iter().map(|id| id.as_str().to_owned()).collect();
        let mut whole = vec![true; ids.len()];
        let lanes = [
            LaneSpec::transcripts(),
            LaneSpec::extensive(&wire::ContentSelector::with_intelligence()),
        ];
        for lane in &lanes {
            for (i, present) in cache
                .has_many(&lane.key, &keys)
                .await
                .into_iter()
                .enumerate()
            {
                whole[i] &= present;
            }
        }
        ids.into_iter()
            .zip(whole)
            .filter_map(|(id, cached)| cached.then_some(id))
            .collect()
    }

    /// Transcripts only, from the cache or Gong; any id that could not be fetched fails the
    /// whole call.
    pub async fn transcripts(
        &self,
        call_ids: &[CallId],
    ) -> Result<Vec<wire::CallTranscript>, GongError> {
        let span = tracing::info_span!("gong", op = "transcripts", ids = call_ids.len());
        let gathered = self
            .gather(
                DEFAULT_CALLER,
                &[LaneSpec::transcripts()],
                call_ids,
                self.deadline(),
                Priority::Interactive,
            )
            .instrument(span)
            .await;
        let mut items = Vec::new();
        for got in gathered.answers.into_iter().flatten() {
            match got {
                Got::Found(Item::Transcript(t)) => items.push(Arc::unwrap_or_clone(t)),
                Got::Found(Item::Call(_)) | Got::NotFound => {}
                Got::Failed(error) => return Err(error),
            }
        }
        Ok(items)
    }

    /// `/v2/calls/extensive` for `call_ids` with the given selector, from the cache or Gong;
    /// any id that could not be fetched fails the whole call.
    pub async fn extensive(
        &self,
        call_ids: &[CallId],
        selector: &wire::ContentSelector,
    ) -> Result<Vec<wire::ExtensiveCall>, GongError> {
        let span = tracing::info_span!("gong", op = "extensive", ids = call_ids.len());
        let gathered = self
            .gather(
                DEFAULT_CALLER,
                &[LaneSpec::extensive(selector)],
                call_ids,
                self.deadline(),
                Priority::Interactive,
            )
            .instrument(span)
            .await;
        let mut items = Vec::new();
        for got in gathered.answers.into_iter().flatten() {
            match got {
                Got::Found(Item::Call(c)) => items.push(Arc::unwrap_or_clone(c)),
                Got::Found(Item::Transcript(_)) | Got::NotFound => {}
                Got::Failed(error) => return Err(error),
            }
        }
        Ok(items)
    }

    /// `GET /v2/calls` between two ISO-8601 instants (all pages). Not cached: the list changes.
    pub async fn list_calls(
        &self,
        from_date_time: &str,
        to_date_time: Option<&str>,
    ) -> Result<Vec<wire::CallMetaData>, GongError> {
        let mut query = vec![("fromDateTime", from_date_time.to_owned())];
        if let Some(to) = to_date_time {
            query.push(("toDateTime", to.to_owned()));
        }
        let span = tracing::info_span!("gong", op = "list_calls");
        self.get_all::<wire::CallsResponse>("v2/calls", query)
            .instrument(span)
            .await
    }

    /// The company's calls of the last `request.window_days` days with their parties, newest
    /// first, reading at most `request.max_pages` pages of `/v2/calls/extensive` through the
    /// scheduler's rate limiter and daily budget; a listing younger than `request.ttl` is
    /// reused (see [`crate::listing`]).
    pub async fn recent_calls(
        &self,
        request: ListingRequest,
    ) -> Result<Arc<RecentCalls>, GongError> {
        let span = tracing::info_span!("gong", op = "recent_calls", days = request.window_days);
        let deadline = self.deadline();
        let listing = self
            .inner
            .listings
            .get(&self.inner.scheduler, request, deadline);
        self.within(deadline, listing).instrument(span).await
    }

    /// `GET /v2/users` (all pages). Not cached.
    pub async fn users(&self) -> Result<Vec<wire::User>, GongError> {
        let span = tracing::info_span!("gong", op = "users");
        self.get_all::<wire::UsersResponse>("v2/users", Vec::new())
            .instrument(span)
            .await
    }

    /// What the cache holds, or `None` when it is off; for `callbrief cache stats`.
    pub fn cache_stats(&self) -> Option<CacheStats> {
        self.inner.cache.as_ref().map(|c| c.stats())
    }

    /// Empties the cache (memory, and the whole store on disk, every tenant); returns the
    /// entries removed from disk. For `callbrief cache purge`.
    pub fn purge_cache(&self) -> Result<u64, GongError> {
        self.inner.cache.as_ref().map_or(Ok(0), |c| c.purge())
    }

    /// Drops expired answers from memory and from the store on disk, rewriting the store when
    /// anything went (Redis expires its own). For the server's scheduled sweep.
    pub async fn sweep_cache(&self) -> Result<cache::Swept, GongError> {
        let Some(cache) = self.inner.cache.clone() else {
            return Ok(cache::Swept::default());
        };
        tokio::task::spawn_blocking(move || cache.sweep())
            .await
            .map_err(|e| GongError::Config(format!("the cache sweep did not finish: {e}")))?
    }

    /// Removes every cached answer about `call_ids` from every tier (memory, disk, and Redis,
    /// where the erasure is also logged for the other replicas to follow); returns the ids
    /// that were cached anywhere. For `callbrief cache erase`.
    pub async fn erase_cached(&self, call_ids: &[CallId]) -> Result<Vec<CallId>, GongError> {
        let Some(cache) = &self.inner.cache else {
            return Ok(Vec::new());
        };
        let ids: Vec<String> = call_ids.iter().map(|id| id.as_str().to_owned()).collect();
        let found = cache.erase(&ids).await?;
        Ok(found
            .into_iter()
            .filter_map(|id| CallId::parse("callId", &id).ok())
            .collect())
    }

    /// The cached calls one of whose parties has the address `email`, in every tier this
    /// process reads. For `callbrief cache erase --email`.
    pub async fn cached_calls_with_email(&self, email: &str) -> Result<Vec<CallId>, GongError> {
        let Some(cache) = &self.inner.cache else {
            return Ok(Vec::new());
        };
        let found = cache.calls_with_email(email).await?;
        Ok(found
            .into_iter()
            .filter_map(|id| CallId::parse("callId", &id).ok())
            .collect())
    }

    /// The calls Gong holds that reference `email`
    /// (`GET /v2/data-privacy/data-for-email-address`; a bearer token needs the scope
    /// `api:data-privacy:read`).
    pub async fn calls_referencing_email(&self, email: &str) -> Result<Vec<CallId>, GongError> {
        let span = tracing::info_span!("gong", op = "data_for_email");
        let deadline = self.deadline();
        let call = Call::get(
            "v2/data-privacy/data-for-email-address",
            vec![("emailAddress", email.trim().to_owned())],
        );
        let answer = self
            .within(
                deadline,
                self.inner
                    .transport
                    .send::<wire::EmailAddressReferences>(&call, deadline, false),
            )
            .instrument(span)
            .await?;
        Ok(answer
            .map(|a| a.calls)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| CallId::parse("callId", &c.id).ok())
            .collect())
    }

    /// Asks Gong which cached calls it still has and erases the others from every tier: the
    /// copy never outlives Gong's by more than the time between runs. Ids go 100 to a request
    /// (`/v2/calls/extensive`, metadata only), each sent only while no person's call waits for
    /// Gong and while the day's requests stay under `share` of the quota, at most
    /// `max_requests` a run. Only an answer erases: a failed request stops the run and
    /// erases nothing of its ids.
    pub async fn reconcile_cache(
        &self,
        share: f64,
        max_requests: u32,
    ) -> Result<Reconciled, GongError> {
        let Some(cache) = &self.inner.cache else {
            return Ok(Reconciled::default());
        };
        let ids = cache.cached_ids().await?;
        let mut report = Reconciled::default();
        let mut gone: Vec<String> = Vec::new();
        let mut chunks = ids.chunks(self.inner.batch_size).peekable();
        while let Some(chunk) = chunks.peek() {
            if report.requests >= max_requests
                || self
                    .inner
                    .transport
                    .limiter
                    .admit_background(share)
                    .await
                    .is_err()
            {
                break;
            }
            self.wait_for_no_waiting_caller().await;
            let deadline = self.deadline();
            let filter = wire::CallsFilter {
                call_ids: Some(chunk.to_vec()),
                ..wire::CallsFilter::default()
            };
            let pages = paging::collect::<wire::ExtensiveResponse>(
                &self.inner.transport,
                deadline,
                false,
                |cursor| {
                    Call::post(
                        "v2/calls/extensive",
                        &wire::ExtensiveRequest {
                            cursor: cursor.map(str::to_owned),
                            filter: filter.clone(),
                            content_selector: wire::ContentSelector::default(),
                        },
                    )
                },
            );
            let present = self.within(deadline, pages).await?;
            report.requests += 1;
            let present: std::collections::HashSet<&str> =
                present.iter().map(|c| c.meta_data.id.as_str()).collect();
            report.checked += chunk.len();
            gone.extend(
                chunk
                    .iter()
                    .filter(|id| !present.contains(id.as_str()))
                    .cloned(),
            );
            chunks.next();
        }
        report.unchecked = chunks.map(<[String]>::len).sum();
        if !gone.is_empty() {
            cache.erase(&gone).await?;
        }
        report.gone = gone
            .into_iter()
            .filter_map(|id| CallId::parse("callId", &id).ok())
            .collect();
        Ok(report)
    }

    /// Returns once no caller's ids wait in the scheduler's queues: background work takes only
    /// capacity nobody is waiting for.
    async fn wait_for_no_waiting_caller(&self) {
        let mut changes = self.scheduler_changes();
        let scheduler = &self.inner.scheduler;
        let _ = changes
            .wait_for(|_| scheduler.stats().queued_ids == 0)
            .await;
    }

    /// Drops from this replica's memory and disk the calls another process erased since the
    /// last look, from the deployment's erase log in Redis; returns how many ids were new.
    /// Without Redis there is no log to follow. For the server's cache upkeep.
    pub async fn follow_erasures(&self) -> Result<usize, GongError> {
        let (Some(cache), Some(shared)) = (&self.inner.cache, &self.inner.shared) else {
            return Ok(0);
        };
        let since = self
            .inner
            .erased_cursor
            .load(std::sync::atomic::Ordering::SeqCst);
        let Some(entries) = shared.erased_since(since).await else {
            return Err(GongError::Config("Redis did not answer".into()));
        };
        let Some(newest) = entries.iter().map(|(_, at)| *at).max() else {
            return Ok(0);
        };
        let ids: Vec<String> = entries.into_iter().map(|(id, _)| id).collect();
        cache.erase_local(&ids).await?;
        self.inner
            .erased_cursor
            .fetch_max(newest, std::sync::atomic::Ordering::SeqCst);
        Ok(ids.len())
    }

    /// Requests counted today by this process (with replicas, as this one counted them).
    pub fn daily_requests(&self) -> u32 {
        self.inner.transport.limiter.daily_usage().0
    }

    /// Whether this replica holds the lease `name` for `ttl`: with replicas sharing Redis,
    /// exactly one of them gets it until it lapses (a job only one should run); alone, or
    /// while Redis is unreachable, this process's own claim decides.
    pub async fn take_lease(&self, name: &str, ttl: Duration) -> bool {
        let key = format!("lease/{name}");
        let limiter = &self.inner.transport.limiter;
        limiter
            .claim_many(std::slice::from_ref(&key), ttl)
            .await
            .first()
            .copied()
            .unwrap_or(false)
    }

    /// Sets the gauges of the client's state (daily quota used and left, ids queued, cache
    /// sizes) in the installed metrics recorder; called when metrics are read, so they are
    /// current without a timer. Sends nothing to Gong.
    pub fn record_gauges(&self) {
        let cache = self.cache_stats();
        crate::metrics::gauges(
            self.inner.transport.limiter.daily_usage(),
            self.scheduler_stats().queued_ids,
            cache.as_ref(),
        );
    }

    /// `Ok` when answers can be cached: the store on disk (when configured) opened and takes
    /// writes. For readiness checks; sends nothing to Gong.
    pub async fn check_cache_writable(&self) -> Result<(), String> {
        match &self.inner.cache {
            Some(cache) if cache.has_disk() => {
                let cache = Arc::clone(cache);
                tokio::task::spawn_blocking(move || cache.check_writable())
                    .await
                    .unwrap_or_else(|_| Err("the cache store check did not finish".to_owned()))
            }
            Some(cache) => cache.check_writable(),
            None => Ok(()),
        }
    }

    /// Whether the state shared with other replicas (Redis) is in use, as last seen: `Off`
    /// without Redis, `Degraded` while it does not answer (this replica then works alone at its
    /// degraded rate). For readiness checks: a degraded replica still answers, but the
    /// replicas together may no longer keep to Gong's limits or share their cache.
    pub fn shared_state_health(&self) -> SharedHealth {
        self.shared_health()
    }

    /// Whether this client shares a Redis with other replicas.
    pub fn shares_state(&self) -> bool {
        self.inner.shared.is_some()
    }

    fn shared_health(&self) -> SharedHealth {
        self.inner
            .shared
            .as_ref()
            .map_or(SharedHealth::Off, |s| s.health())
    }

    /// [`Self::shared_state_health`] after pinging Redis now (within its time limit), for a
    /// readiness check that must not wait for the next Gong request to notice a change.
    pub async fn probe_shared_state(&self) -> SharedHealth {
        match &self.inner.shared {
            Some(shared) => shared.probe().await,
            None => SharedHealth::Off,
        }
    }

    /// Waits for the requests under way and stops the scheduler; when this was the last clone,
    /// the cache's store is closed on return, so another client or a `cache` command can
    /// open it at once.
    pub async fn close(self) {
        self.inner.scheduler.close().await;
    }

    /// How much work waits for Gong right now, for monitoring.
    pub fn scheduler_stats(&self) -> SchedulerStats {
        self.inner.scheduler.stats()
    }

    /// Changes whenever the scheduler's queues do (ids queued, sent or answered), so a watcher
    /// can wait for a state of [`Self::scheduler_stats`] instead of polling it.
    pub fn scheduler_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.scheduler.changes()
    }

    /// When the operation starting now must be over.
    fn deadline(&self) -> Instant {
        Instant::now() + self.inner.deadline
    }

    /// Each lane's answer for every id (deduplicated, in order): cached ones from the cache,
    /// the rest through the scheduler.
    async fn gather(
        &self,
        caller: &str,
        lanes: &[LaneSpec],
        call_ids: &[CallId],
        deadline: Instant,
        priority: Priority,
    ) -> Gathered {
        let ids = batch::dedupe(call_ids);
        let keys: Vec<String> = ids.iter().map(|id| id.as_str().to_owned()).collect();
        let mut answers: Vec<Vec<Option<Got>>> = vec![Vec::new(); lanes.len()];
        let mut wants = Vec::new();
        for (tag, lane) in lanes.iter().enumerate() {
            let slots = &mut answers[tag];
            let mut missing = Vec::new();
            let cached = match &self.inner.cache {
                Some(cache) => cache.get_many(&lane.key, &keys).await,
                None => vec![None; keys.len()],
            };
            for (id, cached) in keys.iter().zip(cached) {
                if cached.is_none() {
                    missing.push(id.clone());
                }
                slots.push(cached);
            }
            if !missing.is_empty() {
                wants.push(Want {
                    tag,
                    lane: lane.clone(),
                    ids: missing,
                });
            }
        }
        let from_cache: Vec<bool> = (0..ids.len())
            .map(|i| answers.iter().all(|lane| lane[i].is_some()))
            .collect();
        if !wants.is_empty() {
            let index: HashMap<&str, usize> = keys
                .iter()
                .enumerate()
                .map(|(i, id)| (id.as_str(), i))
                .collect();
            let fetched = self
                .inner
                .scheduler
                .fetch(caller, wants, deadline, priority)
                .await;
            for Answer { tag, id, got } in fetched {
                if let (Some(lane), Some(&i)) = (answers.get_mut(tag), index.get(id.as_str())) {
                    lane[i] = Some(got);
                }
            }
        }
        let late = GongError::DeadlineExceeded(self.inner.deadline);
        let answers = answers
            .into_iter()
            .map(|lane| {
                lane.into_iter()
                    .map(|got| got.unwrap_or_else(|| Got::Failed(late.clone())))
                    .collect()
            })
            .collect();
        Gathered {
            ids,
            answers,
            from_cache,
        }
    }

    /// `fut`, cut off at `deadline` with [`GongError::DeadlineExceeded`].
    async fn within<T>(
        &self,
        deadline: Instant,
        fut: impl Future<Output = Result<T, GongError>>,
    ) -> Result<T, GongError> {
        tokio::time::timeout_at(deadline, fut)
            .await
            .unwrap_or(Err(GongError::DeadlineExceeded(self.inner.deadline)))
    }

    /// Every page of a GET list endpoint, with `?cursor=` for the pages after the first.
    async fn get_all<P: Page>(
        &self,
        path: &'static str,
        query: Vec<(&'static str, String)>,
    ) -> Result<Vec<P::Item>, GongError> {
        let deadline = self.deadline();
        let pages = paging::collect::<P>(&self.inner.transport, deadline, false, |cursor| {
            let mut query = query.clone();
            if let Some(cursor) = cursor {
                query.push(("cursor", cursor.to_owned()));
            }
            Ok(Call::get(path, query))
        });
        self.within(deadline, pages).await
    }
}
