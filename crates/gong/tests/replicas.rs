//! Replicas sharing one Redis (a real `redis-server`, started per test on a free port): one
//! rate limit for all of them, one cache, one fetch per call, one daily count, every key with an
//! expiry, and each replica going on alone, then back, when Redis dies and returns.
//!
//! Two clients in one process stand for two replicas: each has its own scheduler, memory cache
//! and connection, and nothing in common but Redis. The Gong stand-in records when each request
//! arrives, so the rate is checked on what Gong would see, by counting, not by timing the test.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use gong::{
    CacheConfig, CacheKey, CacheMode, GongAuth, GongClient, GongConfig, GongError, RedisConfig,
    SharedHealth,
};
use secrecy::SecretString;
use testkit::redis::RedisServer;
use wiremock::matchers::body_string_contains;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

/// Scheduling slack between the instant Redis grants a slot and the instant the request
/// reaches the stand-in, on a busy test machine: windows are checked this much shorter than a
/// second. Without a shared window two replicas put twice the limit into every window, far
/// beyond this.
const JITTER: Duration = Duration::from_millis(100);

/// One request the stand-in saw: when, which endpoint, which ids.
type Seen = (Instant, String, Vec<String>);

/// Every request the stand-in saw, and a watch of how many.
#[derive(Clone)]
struct Log(
    Arc<Mutex<Vec<Seen>>>,
    Arc<tokio::sync::watch::Sender<usize>>,
);

impl Default for Log {
    fn default() -> Self {
        Self(Arc::default(), Arc::new(tokio::sync::watch::channel(0).0))
    }
}

impl Log {
    fn push(&self, seen: Seen) {
        let mut all = self.0.lock().unwrap();
        all.push(seen);
        self.1.send_replace(all.len());
    }
    /// Returns once the stand-in has seen at least `n` requests.
    async fn reached(&self, n: usize) {
        let mut count = self.1.subscribe();
        let _ = count.wait_for(|seen| *seen >= n).await;
    }
    fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }
    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    /// The most requests that arrived within any window of `window`.
    fn max_in_window(&self, window: Duration) -> usize {
        let mut times: Vec<Instant> = self.all().into_iter().map(|(t, _, _)| t).collect();
        times.sort();
        (0..times.len())
            .map(|i| {
                times[i..]
                    .iter()
                    .take_while(|t| **t < times[i] + window)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }
}

/// Answers with exactly the ids asked for, after `delay`, recording each request.
struct Echo {
    extensive: bool,
    log: Log,
    delay: Duration,
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let asked = call_ids_of(request);
        self.log
            .push((Instant::now(), request.url.path().to_owned(), asked.clone()));
        let asked: Vec<&str> = asked.iter().map(String::as_str).collect();
        let body = if self.extensive {
            extensive_page(&asked, None)
        } else {
            transcript_page(&asked, None)
        };
        ResponseTemplate::new(200)
            .set_body_json(body)
            .set_delay(self.delay)
    }
}

async fn stand_in(delay: Duration) -> (MockServer, Log) {
    let server = MockServer::start().await;
    let log = Log::default();
    for (endpoint, extensive) in [
        ("/v2/calls/transcript", false),
        ("/v2/calls/extensive", true),
    ] {
        post(endpoint)
            .respond_with(Echo {
                extensive,
                log: log.clone(),
                delay,
            })
            .mount(&server)
            .await;
    }
    (server, log)
}

/// A replica's configuration: memory cache of its own, Redis shared when `redis` is given.
fn replica(server: &MockServer, redis: Option<&RedisServer>, auth: GongAuth) -> GongConfig {
    let mut config = config_for(&server.uri(), auth);
    config.deadline = Duration::from_secs(20);
    config.cache = CacheConfig {
        mode: CacheMode::Memory,
        ..CacheConfig::default()
    };
    config.redis = redis.map(|r| RedisConfig::new(SecretString::from(r.url())).unwrap());
    config
}

fn client(config: GongConfig) -> GongClient {
    GongClient::new(config).unwrap()
}

fn redis_conn(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

/// Told by Redis itself (a keyspace notification) when a key matching `pattern` is set: lets
/// a test wait for a key without polling. Subscribed before it returns.
fn when_key_set(server: &RedisServer, pattern: &str) -> tokio::sync::oneshot::Receiver<()> {
    let mut conn = redis_conn(server);
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("notify-keyspace-events")
        .arg("K$")
        .query(&mut conn)
        .unwrap();
    let channel = format!("__keyspace@0__:{pattern}");
    let (subscribed_tx, subscribed) = std::sync::mpsc::channel();
    let (set_tx, set) = tokio::sync::oneshot::channel();
    std::thread::spawn({
        let channel = channel.clone();
        move || {
            let mut pubsub = conn.as_pubsub();
            let ok = pubsub.psubscribe(&channel).is_ok()
                && pubsub
                    .set_read_timeout(Some(Duration::from_secs(10)))
                    .is_ok();
            let _ = subscribed_tx.send(ok);
            if ok && pubsub.get_message().is_ok() {
                let _ = set_tx.send(());
            }
        }
    });
    assert_eq!(subscribed.recv(), Ok(true), "cannot subscribe to {channel}");
    set
}

/// Every key in Redis with its time to live in ms (-1: none, -2: gone).
fn keys_with_ttl(server: &RedisServer) -> BTreeMap<String, i64> {
    let mut conn = redis_conn(server);
    let keys: Vec<String> = redis::cmd("KEYS").arg("*").query(&mut conn).unwrap();
    keys.into_iter()
        .map(|k| {
            let ttl: i64 = redis::cmd("PTTL").arg(&k).query(&mut conn).unwrap();
            (k, ttl)
        })
        .collect()
}

/// `n` call ids starting with the digit `prefix` (`"1"` gives 11, 12, …).
fn numbered(prefix: &str, n: usize) -> Vec<CallId> {
    (1..=n)
        .map(|i| CallId::parse("id", &format!("{prefix}{i}")).unwrap())
        .collect()
}

/// Two replicas, each asking for its own calls one request at a time; returns the stand-in's log.
async fn two_replicas_busy(redis: Option<&RedisServer>, rate: u32, per_replica: usize) -> Log {
    let (server, log) = stand_in(Duration::ZERO).await;
    let mut tasks = Vec::new();
    for name in ["1", "2"] {
        let mut config = replica(&server, redis, basic_auth());
        config.requests_per_second = rate;
        config.batch_size = 1;
        let client = client(config);
        let ids = numbered(name, per_replica);
        tasks.push(tokio::spawn(async move {
            let data = client.calls_with_transcripts(&ids).await.unwrap();
            assert!(
                data.failed_call_ids.is_empty(),
                "{:?}",
                data.failed_call_ids
            );
            assert!(data.metadata_error.is_none(), "{:?}", data.metadata_error);
            assert_eq!(data.transcripts.len(), ids.len());
            assert_eq!(data.calls.len(), ids.len());
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    log
}

#[tokio::test]
async fn two_replicas_on_one_redis_never_exceed_the_limit_together_and_both_progress() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let rate = 5;
    // Alone, each replica keeps its own window: together they send twice the limit.
    let alone = two_replicas_busy(None, rate, 5).await;
    assert!(
        alone.max_in_window(Duration::from_secs(1) - JITTER) > rate as usize,
        "replicas without Redis should exceed the limit together: the check below means nothing otherwise"
    );

    let log = two_replicas_busy(Some(&redis), rate, 5).await;
    let requests = log.all();
    assert_eq!(requests.len(), 20, "one request per id and endpoint");
    let most = log.max_in_window(Duration::from_secs(1) - JITTER);
    assert!(most <= rate as usize, "{most} requests within one window");
    // Both progress: each replica has requests among the first half sent.
    let mut first_half: Vec<&Seen> = requests.iter().collect();
    first_half.sort_by_key(|(t, _, _)| *t);
    first_half.truncate(10);
    for name in ["1", "2"] {
        assert!(
            first_half
                .iter()
                .any(|(_, _, ids)| ids[0].starts_with(name)),
            "replica {name} waited while the other took every slot"
        );
    }
}

#[tokio::test]
async fn a_call_fetched_by_one_replica_is_served_by_another_from_redis() {
    let Some(redis) = RedisServer::start_with_password("s3cret-pw") else {
        return;
    };
    let (server, log) = stand_in(Duration::ZERO).await;
    let key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
    let encrypted = |mut config: GongConfig| {
        config.cache.key = Some(CacheKey::parse(key).unwrap());
        config
    };
    let a = client(encrypted(replica(&server, Some(&redis), basic_auth())));
    let b = client(encrypted(replica(&server, Some(&redis), basic_auth())));
    let wanted = ids(&["1", "2"]);

    let first = a.calls_with_transcripts(&wanted).await.unwrap();
    assert!(first.cached_call_ids.is_empty());
    assert_eq!(log.count(), 2, "one transcript and one metadata request");
    assert_eq!(a.shared_state_health(), SharedHealth::Ok);

    let second = b.calls_with_transcripts(&wanted).await.unwrap();
    assert_eq!(log.count(), 2, "the second replica asked Gong again");
    assert_eq!(second.cached_call_ids, wanted);
    assert_eq!(transcript_ids(&second.transcripts), ["1", "2"]);
    assert_eq!(second.calls.len(), 2);

    // Transcripts are encrypted in Redis: no transcript text in any value.
    let mut conn = redis_conn(&redis);
    let keys = keys_with_ttl(&redis);
    let values: Vec<Vec<u8>> = keys
        .keys()
        .filter(|k| k.contains(":call:"))
        .map(|k| redis::cmd("GET").arg(k).query(&mut conn).unwrap())
        .collect();
    assert_eq!(values.len(), 4, "{keys:?}");
    assert!(values
        .iter()
        .all(|v| !v.windows(10).any(|w| w == b"hello from")));

    // Another Gong company on the same Redis sees nothing of it.
    let other = GongAuth::Basic {
        access_key: "another-company".into(),
        access_key_secret: SecretString::from("x"),
    };
    let c = client(encrypted(replica(&server, Some(&redis), other)));
    let third = c.calls_with_transcripts(&wanted).await.unwrap();
    assert!(third.cached_call_ids.is_empty());
    assert_eq!(log.count(), 4);
}

#[tokio::test]
async fn replicas_asking_for_the_same_calls_at_once_fetch_them_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    // Gong takes a while: the second replica asks while the first one's fetch is under way.
    let (server, log) = stand_in(Duration::from_millis(400)).await;
    let a = client(replica(&server, Some(&redis), basic_auth()));
    let b = client(replica(&server, Some(&redis), basic_auth()));
    let wanted = ids(&["1", "2", "3"]);
    let (ra, rb) = tokio::join!(
        a.calls_with_transcripts_for("rep-a", &wanted),
        b.calls_with_transcripts_for("rep-b", &wanted)
    );
    for data in [ra.unwrap(), rb.unwrap()] {
        assert_eq!(transcript_ids(&data.transcripts), ["1", "2", "3"]);
        assert_eq!(data.calls.len(), 3);
        assert!(data.failed_call_ids.is_empty());
    }
    let requests = log.all();
    assert_eq!(
        requests.len(),
        2,
        "one transcript and one metadata request for both replicas: {requests:?}"
    );
    // No claim outlives its fetch.
    assert!(!keys_with_ttl(&redis).keys().any(|k| k.contains(":claim:")));
}

#[tokio::test]
async fn the_replica_granted_a_slot_takes_the_others_waiting_calls_along() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (server, log) = stand_in(Duration::ZERO).await;
    let replica_at_three_per_second = || {
        let mut config = replica(&server, Some(&redis), basic_auth());
        config.requests_per_second = 3;
        // Room for exactly both replicas' calls: a replica that filled it with its own would
        // leave the other's behind.
        config.batch_size = 6;
        // The window's last slot waits long enough for both asks.
        config.last_slot_wait = Duration::from_millis(500);
        client(config)
    };
    let (a, b) = (replica_at_three_per_second(), replica_at_three_per_second());
    // A first call takes two of the window's three slots, so both replicas' next asks wait
    // for the one slot left.
    a.calls_with_transcripts(&ids(&["90"])).await.unwrap();
    let (of_a, of_b) = (ids(&["11", "12", "13"]), ids(&["21", "22", "23"]));
    // A asks first, so its calls are the most urgent in the shared queue.
    let ra = tokio::spawn({
        let a = a.clone();
        async move { a.calls_with_transcripts_for("rep-a", &of_a).await }
    });
    until(&a, "a's calls are queued", || {
        a.scheduler_stats().queued_ids > 0
    })
    .await;
    let rb = b.calls_with_transcripts_for("rep-b", &of_b).await;
    for data in [ra.await.unwrap(), rb] {
        let data = data.unwrap();
        assert_eq!(data.transcripts.len(), 3);
        assert_eq!(data.calls.len(), 3);
        assert!(data.failed_call_ids.is_empty());
    }
    // Whichever replica is granted that slot takes the other's calls along in one request.
    let requests = log.all();
    let (_, endpoint, asked) = &requests[2];
    let mut asked = asked.clone();
    asked.sort();
    assert_eq!(
        asked,
        ["11", "12", "13", "21", "22", "23"],
        "{endpoint}: {requests:?}"
    );
}

#[tokio::test]
async fn the_daily_quota_is_counted_once_for_all_replicas() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (server, _log) = stand_in(Duration::ZERO).await;
    let quota = |mut config: GongConfig| {
        config.daily_quota = 4;
        config.daily_reserve = 0;
        config
    };
    let a = client(quota(replica(&server, Some(&redis), basic_auth())));
    let b = client(quota(replica(&server, Some(&redis), basic_auth())));
    // Two requests each (transcript and metadata) spend the shared four.
    a.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    b.calls_with_transcripts(&ids(&["2"])).await.unwrap();
    assert!(matches!(
        a.calls_with_transcripts(&ids(&["3"])).await,
        Err(GongError::QuotaExhausted { .. })
    ));
    // What either fetched is still served.
    let cached = a.calls_with_transcripts(&ids(&["2"])).await.unwrap();
    assert_eq!(cached.cached_call_ids, ids(&["2"]));
}

#[tokio::test]
async fn every_key_in_redis_expires() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (server, _log) = stand_in(Duration::ZERO).await;
    // The first ask for "999" is refused with a 429: that pauses every replica.
    post("/v2/calls/transcript")
        .and(body_string_contains("999"))
        .respond_with(gong_error(429, "Too many requests").insert_header("Retry-After", "3"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let mut config = replica(&server, Some(&redis), basic_auth());
    config.requests_per_second = 3;
    let a = client(config);
    a.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    let paused = when_key_set(&redis, "*:pause");
    let busy = tokio::spawn({
        let a = a.clone();
        async move { a.calls_with_transcripts(&ids(&["999"])).await }
    });
    // While the pause lasts, the claim on "999" is held too: every kind of key exists now.
    let paused = tokio::time::timeout(Duration::from_secs(10), paused).await;
    assert!(matches!(paused, Ok(Ok(()))), "no pause key was set");
    let keys = keys_with_ttl(&redis);
    for kind in [
        ":window",
        ":pause",
        ":day:",
        ":claim:t/999",
        ":call:t/1",
        ":call:e:",
    ] {
        assert!(
            keys.keys().any(|k| k.contains(kind)),
            "no {kind} key: {keys:?}"
        );
    }
    for (key, ttl) in &keys {
        assert!(key.starts_with("callbrief:"), "{key}");
        assert!(*ttl > 0, "{key} has no expiry ({ttl})");
    }
    let data = busy.await.unwrap().unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["999"]);
}

#[tokio::test]
async fn a_replica_goes_on_alone_when_redis_dies_and_shares_again_when_it_returns() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let (server, log) = stand_in(Duration::ZERO).await;
    let mut config = replica(&server, Some(&redis), basic_auth());
    config.requests_per_second = 10;
    config.batch_size = 1;
    if let Some(r) = config.redis.as_mut() {
        r.degraded_requests_per_second = 2;
    }
    let a = client(config);
    a.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(a.shared_state_health(), SharedHealth::Ok);

    redis.stop();
    let before = log.count();
    let data = a.calls_with_transcripts(&numbered("4", 3)).await.unwrap();
    assert!(data.failed_call_ids.is_empty());
    assert_eq!(data.transcripts.len(), 3);
    assert!(matches!(a.shared_state_health(), SharedHealth::Degraded(_)));
    // Alone, the replica keeps to its degraded share of the limit.
    let degraded: Vec<Instant> = log.all()[before..].iter().map(|(t, _, _)| *t).collect();
    assert_eq!(degraded.len(), 6);
    for pair in degraded.windows(3) {
        assert!(
            pair[2] - pair[0] >= Duration::from_secs(1) - JITTER,
            "more than 2 requests within a second while degraded: {degraded:?}"
        );
    }
    // What it cached locally is still served.
    let cached = a.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(cached.cached_call_ids, ids(&["1"]));

    redis.restart();
    // The first probe may meet the connection Redis dropped (the client reconnects on it);
    // the next one is answered by the new server.
    let recovered = a.probe_shared_state().await == SharedHealth::Ok
        || a.probe_shared_state().await == SharedHealth::Ok;
    assert!(recovered, "never recovered: {:?}", a.shared_state_health());
    // Shared again: a new fetch lands in Redis for the other replicas.
    a.calls_with_transcripts(&ids(&["777"])).await.unwrap();
    assert_eq!(a.shared_state_health(), SharedHealth::Ok);
    let keys = keys_with_ttl(&redis);
    assert!(keys.keys().any(|k| k.ends_with(":call:t/777")), "{keys:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_keep_under_the_limit_as_redis_drops_and_returns() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let (server, log) = stand_in(Duration::ZERO).await;
    let (rate, degraded) = (20, 8);
    let replicas: Vec<GongClient> = (0..2)
        .map(|_| {
            let mut config = replica(&server, Some(&redis), basic_auth());
            config.requests_per_second = rate;
            config.batch_size = 1;
            if let Some(r) = config.redis.as_mut() {
                r.degraded_requests_per_second = degraded;
            }
            client(config)
        })
        .collect();
    let mut tasks = Vec::new();
    for (replica, name) in replicas.iter().zip(["1", "2"]) {
        let (replica, ids) = (replica.clone(), numbered(name, 40));
        tasks.push(tokio::spawn(async move {
            let data = replica.calls_with_transcripts(&ids).await.unwrap();
            assert!(
                data.failed_call_ids.is_empty(),
                "{:?}",
                data.failed_call_ids
            );
            assert!(data.metadata_error.is_none(), "{:?}", data.metadata_error);
        }));
    }
    // Both replicas busy on the shared window, then Redis drops: each goes on alone.
    log.reached(40).await;
    redis.stop();
    log.reached(80).await;
    // Redis returns; one replica finds it at once, the other only at its next probe: for a
    // moment one is back on the shared window while the other still goes alone.
    redis.restart();
    let back = replicas[0].probe_shared_state().await == SharedHealth::Ok
        || replicas[0].probe_shared_state().await == SharedHealth::Ok;
    assert!(back, "never back on Redis");
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(log.count(), 160, "one request per id and endpoint");
    let most = log.max_in_window(Duration::from_secs(1) - JITTER);
    assert!(
        most <= rate as usize,
        "{most} requests within one window around the switches (limit {rate})"
    );
    // Redis came back empty: the day it counts holds what each replica sent alone (added when
    // it came back) and everything after, every request since the drop but those in flight.
    let mut conn = redis_conn(&redis);
    let days: Vec<String> = redis::cmd("KEYS").arg("*:day:*").query(&mut conn).unwrap();
    assert_eq!(days.len(), 1, "{days:?}");
    let counted: usize = redis::cmd("GET").arg(&days[0]).query(&mut conn).unwrap();
    let in_flight_at_drop = 2 * replica(&server, None, basic_auth()).max_in_flight;
    assert!(
        (160 - 40 - in_flight_at_drop..=160 - 40).contains(&counted),
        "Redis counts {counted} requests since it came back"
    );
}

#[tokio::test]
async fn an_unreachable_redis_at_start_only_degrades() {
    // A port nobody listens on: refused at once.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (server, log) = stand_in(Duration::ZERO).await;
    let mut config = replica(&server, None, basic_auth());
    config.redis = Some(
        RedisConfig::new(SecretString::from(format!("redis://:pw@127.0.0.1:{port}/"))).unwrap(),
    );
    let a = client(config);
    let data = a.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1"]);
    assert_eq!(log.count(), 2);
    match a.shared_state_health() {
        SharedHealth::Degraded(reason) => assert!(!reason.contains("pw"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_redis_that_never_answers_degrades_the_replica_and_loses_no_request() {
    // Accepts connections and never says a word.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    let (server, log) = stand_in(Duration::ZERO).await;
    let mut config = replica(&server, None, basic_auth());
    let mut redis =
        RedisConfig::new(SecretString::from(format!("redis://127.0.0.1:{port}/"))).unwrap();
    redis.timeout = Duration::from_millis(100);
    config.redis = Some(redis);
    config.deadline = Duration::from_secs(5);
    let a = client(config);
    let data = a.calls_with_transcripts(&ids(&["1", "2"])).await.unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1", "2"]);
    assert!(data.failed_call_ids.is_empty());
    assert_eq!(log.count(), 2);
    match a.shared_state_health() {
        SharedHealth::Degraded(reason) => assert!(reason.contains("no answer"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn one_replica_holds_a_lease_until_it_lapses() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (server, _log) = stand_in(Duration::ZERO).await;
    let (a, b) = (
        client(replica(&server, Some(&redis), basic_auth())),
        client(replica(&server, Some(&redis), basic_auth())),
    );
    let ttl = Duration::from_millis(300);
    assert!(a.take_lease("prefetch", ttl).await);
    assert!(!b.take_lease("prefetch", ttl).await);
    assert!(!a.take_lease("prefetch", ttl).await, "not twice either");
    // Another job's lease is its own.
    assert!(b.take_lease("sweep", ttl).await);
    // The lease lapses with its time to live in Redis: then the next taker gets it.
    let keys = keys_with_ttl(&redis);
    let lease = keys
        .iter()
        .find(|(k, _)| k.ends_with("lease/prefetch"))
        .unwrap_or_else(|| panic!("no lease key: {keys:?}"));
    assert!(*lease.1 > 0 && *lease.1 <= 300, "{lease:?}");
    let _: () = redis::cmd("DEL")
        .arg(lease.0)
        .query(&mut redis_conn(&redis))
        .unwrap();
    assert!(b.take_lease("prefetch", ttl).await);
}
