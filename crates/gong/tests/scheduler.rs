//! The scheduler in front of Gong: batching, single-flight, per-caller results and deadlines,
//! fairness, admission, the shared 429 pause and the daily budget. Concurrency is asserted by
//! request counts and contents; a gate in the scheduler state holds requests back until the
//! test has queued what it needs, so batches are formed deterministically.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use gong::{
    CacheConfig, CacheMode, GongClient, GongConfig, GongError, InProcessState, SchedulerState, Slot,
};
use tokio::sync::Notify;
use tokio::time::Instant;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

/// Scheduler state that lets no request leave until the test grants permits.
#[derive(Default)]
struct Gate {
    inner: InProcessState,
    permits: AtomicU32,
}

impl Gate {
    fn closed() -> Arc<Self> {
        Arc::new(Self::default())
    }
    fn grant(&self, n: u32) {
        self.permits.fetch_add(n, Ordering::SeqCst);
    }
    fn open(&self) {
        self.permits.store(u32::MAX / 2, Ordering::SeqCst);
    }
}

impl SchedulerState for Gate {
    fn take_slot(&self, now: Instant, per_second: u32, daily_limit: u32) -> Slot {
        let taken = self
            .permits
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |p| p.checked_sub(1));
        if taken.is_err() {
            return Slot::WaitUntil(now + Duration::from_millis(5));
        }
        let slot = self.inner.take_slot(now, per_second, daily_limit);
        if slot != Slot::Granted {
            self.permits.fetch_add(1, Ordering::SeqCst);
        }
        slot
    }
    fn peek(&self, now: Instant, per_second: u32) -> (u32, Duration) {
        self.inner.peek(now, per_second)
    }
    fn pause_until(&self, until: Instant) {
        self.inner.pause_until(until);
    }
    fn recent_sends(&self, now: Instant) -> Vec<Duration> {
        self.inner.recent_sends(now)
    }
    fn daily_used(&self) -> (u32, Duration) {
        self.inner.daily_used()
    }
    fn claim(&self, key: &str, now: Instant, ttl: Duration) -> bool {
        self.inner.claim(key, now, ttl)
    }
    fn release(&self, key: &str) {
        self.inner.release(key);
    }
}

async fn requests_to(server: &MockServer, endpoint: &str) -> Vec<Vec<String>> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == endpoint)
        .map(call_ids_of)
        .collect()
}

async fn request_count(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

/// Answers with exactly the ids asked for (optionally leaving some out, failing batches that
/// hold a given id, or after a delay).
#[derive(Clone, Default)]
struct Echo {
    extensive: bool,
    missing: Vec<&'static str>,
    fail_with: Option<&'static str>,
    delay: Duration,
    /// Told of each request as it arrives (before any delay).
    arrived: Arc<Notify>,
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.arrived.notify_one();
        let asked = call_ids_of(request);
        if let Some(bad) = self.fail_with {
            if asked.iter().any(|id| id == bad) {
                return gong_error(400, "bad batch");
            }
        }
        let found: Vec<&str> = asked
            .iter()
            .map(String::as_str)
            .filter(|id| !self.missing.contains(id))
            .collect();
        let body = if self.extensive {
            extensive_page(&found, None)
        } else {
            transcript_page(&found, None)
        };
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(self.delay)
    }
}

async fn echo_server(transcripts: Echo) -> MockServer {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(transcripts.clone())
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(Echo {
            extensive: true,
            missing: Vec::new(),
            fail_with: None,
            delay: transcripts.delay,
            arrived: transcripts.arrived.clone(),
        })
        .mount(&server)
        .await;
    server
}

fn client_with(config: GongConfig, state: Arc<dyn SchedulerState>) -> GongClient {
    GongClient::with_state(config, state).unwrap()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn call_ids(data: &gong::CallData) -> Vec<&str> {
    data.calls.iter().map(|c| c.meta_data.id.as_str()).collect()
}

#[tokio::test]
async fn concurrent_asks_leave_in_one_request_pair_and_each_gets_its_own_ids() {
    let server = echo_server(Echo::default()).await;
    let gate = Gate::closed();
    let client = client_with(config(&server), gate.clone());
    let a = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .calls_with_transcripts_for("a", &ids(&["1", "2"]))
                .await
        }
    });
    let b = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .calls_with_transcripts_for("b", &ids(&["2", "3"]))
                .await
        }
    });
    // Ids 1, 2, 3 for each of the two endpoints; "2" is queued once.
    until(&client, "both asks are queued", || {
        client.scheduler_stats().queued_ids == 6
    })
    .await;
    assert_eq!(client.scheduler_stats().waiting_callers, 2);
    gate.open();
    let a = a.await.unwrap().unwrap();
    let b = b.await.unwrap().unwrap();

    assert_eq!(transcript_ids(&a.transcripts), ["1", "2"]);
    assert_eq!(call_ids(&a), ["1", "2"]);
    assert_eq!(transcript_ids(&b.transcripts), ["2", "3"]);
    assert_eq!(call_ids(&b), ["2", "3"]);
    let transcripts = requests_to(&server, "/v2/calls/transcript").await;
    let extensive = requests_to(&server, "/v2/calls/extensive").await;
    assert_eq!(transcripts.len(), 1, "{transcripts:?}");
    assert_eq!(extensive.len(), 1, "{extensive:?}");
    assert_eq!(sorted(transcripts[0].clone()), texts(&["1", "2", "3"]));
    assert_eq!(sorted(extensive[0].clone()), texts(&["1", "2", "3"]));
    assert_eq!(client.scheduler_stats(), gong::SchedulerStats::default());
}

#[tokio::test]
async fn an_id_in_flight_is_fetched_once_for_every_asker() {
    let server = echo_server(Echo {
        delay: Duration::from_millis(300),
        ..Echo::default()
    })
    .await;
    let client = GongClient::new(config(&server)).unwrap();
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.calls_with_transcripts_for("a", &ids(&["7"])).await }
    });
    until(&client, "the first pair is in flight", || {
        client.scheduler_stats().in_flight_ids == 2
    })
    .await;
    let second = client
        .calls_with_transcripts_for("b", &ids(&["7"]))
        .await
        .unwrap();
    let first = first.await.unwrap().unwrap();
    assert_eq!(transcript_ids(&first.transcripts), ["7"]);
    assert_eq!(transcript_ids(&second.transcripts), ["7"]);
    assert_eq!(call_ids(&second), ["7"]);
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn partial_failures_in_shared_batches_reach_only_the_askers_of_those_ids() {
    let server = echo_server(Echo {
        missing: vec!["3"],
        fail_with: Some("4"),
        ..Echo::default()
    })
    .await;
    let gate = Gate::closed();
    let mut config = config(&server);
    config.batch_size = 2;
    let client = client_with(config, gate.clone());
    let a = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .calls_with_transcripts_for("a", &ids(&["1", "2"]))
                .await
        }
    });
    until(&client, "a is queued", || {
        client.scheduler_stats().queued_ids == 4
    })
    .await;
    let b = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .calls_with_transcripts_for("b", &ids(&["3", "4"]))
                .await
        }
    });
    until(&client, "b is queued", || {
        client.scheduler_stats().queued_ids == 8
    })
    .await;
    gate.open();
    let a = a.await.unwrap().unwrap();
    let b = b.await.unwrap().unwrap();

    // Round-robin: the transcript batches were [1, 3] and [2, 4]; the second failed.
    let transcripts = requests_to(&server, "/v2/calls/transcript").await;
    assert_eq!(transcripts.len(), 2, "{transcripts:?}");
    assert!(transcripts.contains(&texts(&["1", "3"])), "{transcripts:?}");
    assert!(transcripts.contains(&texts(&["2", "4"])), "{transcripts:?}");

    assert_eq!(transcript_ids(&a.transcripts), ["1"]);
    assert_eq!(a.failed_call_ids, ["2"]);
    assert!(matches!(
        a.transcript_error,
        Some(GongError::Upstream { status: 400, .. })
    ));
    // "3" has no transcript (not a failure); "4" failed.
    assert!(b.transcripts.is_empty());
    assert_eq!(b.failed_call_ids, ["4"]);
    assert!(b.transcript_error.is_some());
}

#[tokio::test]
async fn each_caller_keeps_its_own_deadline_inside_a_shared_batch() {
    let server = echo_server(Echo {
        delay: Duration::from_millis(800),
        ..Echo::default()
    })
    .await;
    let gate = Gate::closed();
    let client = client_with(config(&server), gate.clone());
    let hasty = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .calls_with_transcripts_within("hasty", &ids(&["1"]), Duration::from_millis(200))
                .await
        }
    });
    until(&client, "hasty is queued", || {
        client.scheduler_stats().queued_ids == 2
    })
    .await;
    let patient = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .calls_with_transcripts_for("patient", &ids(&["1", "2"]))
                .await
        }
    });
    until(&client, "patient is queued", || {
        client.scheduler_stats().queued_ids == 4
    })
    .await;
    gate.open();
    let hasty = hasty.await.unwrap();
    assert!(
        matches!(hasty, Err(GongError::DeadlineExceeded(_))),
        "{hasty:?}"
    );
    let patient = patient.await.unwrap().unwrap();
    assert_eq!(transcript_ids(&patient.transcripts), ["1", "2"]);
    assert_eq!(call_ids(&patient), ["1", "2"]);
    // One shared pair, not cut off by the hasty caller's deadline.
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn a_caller_with_many_ids_does_not_starve_a_caller_with_one() {
    let echo = Echo::default();
    let server = echo_server(echo.clone()).await;
    let gate = Gate::closed();
    let mut config = config(&server);
    config.batch_size = 10;
    let client = client_with(config, gate.clone());
    let many: Vec<CallId> = (0..40).map(|i| id(&format!("1{i:02}"))).collect();
    let a = tokio::spawn({
        let client = client.clone();
        async move { client.calls_with_transcripts_for("a", &many).await }
    });
    until(&client, "a is queued", || {
        client.scheduler_stats().queued_ids == 80
    })
    .await;
    let b = tokio::spawn({
        let client = client.clone();
        async move { client.calls_with_transcripts_for("b", &ids(&["21"])).await }
    });
    until(&client, "b is queued", || {
        client.scheduler_stats().queued_ids == 82
    })
    .await;
    // One slot: the first request must already carry b's id.
    gate.grant(1);
    echo.arrived.notified().await;
    // The one permit is spent: no second request can leave until the gate opens.
    assert_eq!(gate.permits.load(Ordering::SeqCst), 0);
    let first = server.received_requests().await.unwrap_or_default();
    assert_eq!(first.len(), 1);
    let first_ids = call_ids_of(&first[0]);
    assert_eq!(first_ids.len(), 10);
    assert!(first_ids.contains(&"21".to_owned()), "{first_ids:?}");
    gate.open();
    let b = b.await.unwrap().unwrap();
    assert_eq!(b.calls.len(), 1);
    let a = a.await.unwrap().unwrap();
    assert_eq!(a.transcripts.len(), 40);
    // 41 ids per endpoint in batches of 10: 5 requests each.
    assert_eq!(request_count(&server).await, 10);
}

#[tokio::test]
async fn work_that_cannot_finish_before_the_deadline_is_refused_at_once() {
    let server = echo_server(Echo::default()).await;
    let mut config = config(&server);
    config.requests_per_second = 1;
    config.batch_size = 1;
    let client = GongClient::new(config).unwrap();
    let ten: Vec<CallId> = (0..10).map(|i| id(&i.to_string())).collect();
    // 20 requests at 1 a second cannot fit a 5 s deadline.
    match client.calls_with_transcripts_for("a", &ten).await {
        Err(GongError::Busy { retry_after }) => {
            assert!(retry_after >= Duration::from_secs(19), "{retry_after:?}");
        }
        other => panic!("expected Busy, got {other:?}"),
    }
    assert_eq!(request_count(&server).await, 0);
    // Two requests fit.
    let data = client
        .calls_with_transcripts_for("a", &ids(&["1"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1"]);
}

#[tokio::test]
async fn a_429_pauses_every_caller_for_its_retry_after() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(gong_error(429, "Too many requests").insert_header("Retry-After", "30"))
        .mount(&server)
        .await;
    let state = Arc::new(InProcessState::default());
    let mut config = config(&server);
    config.requests_per_second = 3;
    let client = client_with(config, state.clone());
    let first = client.transcripts(&ids(&["1"])).await;
    assert!(
        matches!(first, Err(GongError::RateLimited { retry_after: Some(d) }) if d == Duration::from_secs(30)),
        "{first:?}"
    );
    let (free, paused) = state.peek(Instant::now(), 3);
    assert_eq!(free, 2);
    assert!(paused > Duration::from_secs(25), "{paused:?}");
    assert!(matches!(
        state.take_slot(Instant::now(), 3, 0),
        Slot::WaitUntil(_)
    ));
    // Another caller, other ids: refused at once, and nothing reaches Gong during the pause.
    let other = client.calls_with_transcripts_for("b", &ids(&["2"])).await;
    assert!(
        matches!(other, Err(GongError::Busy { retry_after }) if retry_after >= Duration::from_secs(25)),
        "{other:?}"
    );
    assert_eq!(request_count(&server).await, 1);
}

#[tokio::test]
async fn the_daily_quota_stops_new_fetches_but_cached_calls_are_still_served() {
    let server = echo_server(Echo::default()).await;
    let mut config = config(&server);
    config.daily_quota = 4;
    config.daily_reserve = 2;
    config.cache = CacheConfig {
        mode: CacheMode::Memory,
        ..CacheConfig::off()
    };
    let client = GongClient::new(config).unwrap();
    let first = client.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert!(first.cached_call_ids.is_empty());
    match client.calls_with_transcripts(&ids(&["2"])).await {
        Err(GongError::QuotaExhausted { resets_in }) => {
            assert!(resets_in > Duration::ZERO && resets_in <= Duration::from_secs(86_400));
        }
        other => panic!("expected QuotaExhausted, got {other:?}"),
    }
    let again = client.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(transcript_ids(&again.transcripts), ["1"]);
    assert_eq!(again.cached_call_ids, ["1"]);
    // A mix: the cached call is served, the new one reported as failed for the quota.
    let mixed = client
        .calls_with_transcripts(&ids(&["1", "3"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&mixed.transcripts), ["1"]);
    assert_eq!(mixed.failed_call_ids, ["3"]);
    assert!(matches!(
        mixed.transcript_error,
        Some(GongError::QuotaExhausted { .. })
    ));
    assert_eq!(request_count(&server).await, 2);
}

#[tokio::test]
async fn a_team_of_24_asking_for_5_calls_each_costs_four_gong_requests() {
    let server = echo_server(Echo::default()).await;
    let gate = Gate::closed();
    let mut config = config(&server);
    config.requests_per_second = 3;
    let client = client_with(config, gate.clone());
    let reps: Vec<_> = (0..24)
        .map(|rep| {
            let client = client.clone();
            let mine: Vec<CallId> = (0..5).map(|i| id(&format!("{}{i}", rep + 10))).collect();
            tokio::spawn(async move {
                let data = client
                    .calls_with_transcripts_for(&format!("rep-{rep}"), &mine)
                    .await;
                (mine, data)
            })
        })
        .collect();
    until(&client, "every rep is queued", || {
        client.scheduler_stats().queued_ids == 240
    })
    .await;
    assert_eq!(client.scheduler_stats().waiting_callers, 24);
    gate.open();
    for rep in reps {
        let (mine, data) = rep.await.unwrap();
        let data = data.unwrap();
        let mine: Vec<&str> = mine.iter().map(CallId::as_str).collect();
        assert_eq!(transcript_ids(&data.transcripts), mine);
        assert_eq!(call_ids(&data), mine);
    }
    // 120 ids per endpoint: one full batch of 100 and one of 20, each.
    let mut sizes: Vec<usize> = requests_to(&server, "/v2/calls/transcript")
        .await
        .iter()
        .map(Vec::len)
        .collect();
    sizes.sort_unstable();
    assert_eq!(sizes, [20, 100]);
    assert_eq!(request_count(&server).await, 4);
}

#[tokio::test]
async fn no_more_batches_are_in_flight_than_allowed() {
    let echo = Echo {
        delay: Duration::from_secs(1),
        ..Echo::default()
    };
    let server = echo_server(echo.clone()).await;
    let mut config = config(&server);
    config.max_in_flight = 1;
    let client = GongClient::new(config).unwrap();
    let ask = tokio::spawn({
        let client = client.clone();
        async move { client.calls_with_transcripts_for("a", &ids(&["7"])).await }
    });
    // The transcript and the call details would leave together; with one place in flight the
    // second waits for the first to come back.
    until(&client, "one request in flight and one queued", || {
        let stats = client.scheduler_stats();
        stats.in_flight_ids == 1 && stats.queued_ids == 1
    })
    .await;
    echo.arrived.notified().await;
    assert_eq!(request_count(&server).await, 1);
    let stats = client.scheduler_stats();
    assert_eq!((stats.in_flight_ids, stats.queued_ids), (1, 1));
    let data = ask.await.unwrap().unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["7"]);
    assert_eq!(call_ids(&data), ["7"]);
    assert_eq!(request_count(&server).await, 2);
}
