//! The cache's lifecycle: expired answers swept from memory and disk, calls erased by id or by
//! a party's address from every tier, and no trace of either left in the store's file; with
//! replicas, an erasure reaches the other replicas' own tiers through Redis.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use gong::{CacheConfig, CacheMode, GongClient, GongConfig, RedisConfig};
use secrecy::SecretString;
use serde_json::json;
use testkit::redis::RedisServer;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

/// Gong's answers, each with words of its own call, and parties with their own address;
/// calls in `gone` Gong no longer has, and with `failing` every call list answers 500.
#[derive(Clone, Default)]
struct Distinct {
    extensive: bool,
    gone: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    failing: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

/// The transcript words of call `id`, which the store's file must hold only while it is cached.
fn words(id: &str) -> String {
    format!("confidential pricing words of call {id}")
}

impl Respond for Distinct {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if self.extensive && self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return ResponseTemplate::new(500);
        }
        let gone = self.gone.lock().unwrap().clone();
        let asked: Vec<String> = call_ids_of(request)
            .into_iter()
            .filter(|id| !gone.contains(id))
            .collect();
        let body = if self.extensive {
            json!({
                "requestId": "r",
                "records": {"totalRecords": asked.len(), "currentPageSize": asked.len(), "currentPageNumber": 0},
                "calls": asked.iter().map(|id| json!({
                    "metaData": {"id": id, "title": format!("Call {id}")},
                    "parties": [
                        {"id": "a", "emailAddress": format!("buyer{id}@customer.example"), "speakerId": "s1"},
                        {"id": "b", "emailAddress": "rep@seller.example", "speakerId": "s2"}
                    ]
                })).collect::<Vec<_>>()
            })
        } else {
            json!({
                "requestId": "r",
                "records": {"totalRecords": asked.len(), "currentPageSize": asked.len(), "currentPageNumber": 0},
                "callTranscripts": asked.iter().map(|id| json!({
                    "callId": id,
                    "transcript": [{"speakerId": "s1", "sentences": [{"start": 0, "end": 900, "text": words(id)}]}]
                })).collect::<Vec<_>>()
            })
        };
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn gong() -> MockServer {
    gong_with(&Distinct::default()).await
}

/// The stand-in, its answers following `state` (its `gone` and `failing`).
async fn gong_with(state: &Distinct) -> MockServer {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(Distinct {
            extensive: false,
            ..state.clone()
        })
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(Distinct {
            extensive: true,
            ..state.clone()
        })
        .mount(&server)
        .await;
    server
}

fn on_disk(server: &MockServer, dir: &Path, found_ttl: Duration) -> GongConfig {
    let mut config = config(server);
    config.cache = CacheConfig {
        mode: CacheMode::Disk,
        dir: dir.to_owned(),
        found_ttl,
        ..CacheConfig::default()
    };
    config
}

/// Whether the store's file holds `text` anywhere, in live or freed pages.
fn file_holds(dir: &Path, text: &str) -> bool {
    let file = std::fs::read(dir.join(gong::cache::STORE_FILE)).unwrap();
    file.windows(text.len()).any(|w| w == text.as_bytes())
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

const WEEK: Duration = Duration::from_secs(7 * 86_400);

/// A client over `server` with its store in `dir`, calls 101, 102 and 303 cached.
async fn with_three_cached(server: &MockServer, dir: &Path) -> GongClient {
    let client = GongClient::new(on_disk(server, dir, WEEK)).unwrap();
    client
        .calls_with_transcripts(&ids(&["101", "102", "303"]))
        .await
        .unwrap();
    client
}

#[tokio::test]
async fn a_sweep_drops_expired_answers_from_memory_and_disk_and_leaves_no_trace_of_them() {
    let server = gong().await;
    let dir = tempfile::tempdir().unwrap();
    // Answers kept for no time are expired as soon as they are written.
    let short = GongClient::new(on_disk(&server, dir.path(), Duration::ZERO)).unwrap();
    let long = GongClient::new(on_disk(&server, dir.path(), WEEK)).unwrap();
    short
        .calls_with_transcripts(&ids(&["101", "102"]))
        .await
        .unwrap();
    long.calls_with_transcripts(&ids(&["303"])).await.unwrap();
    assert!(file_holds(dir.path(), &words("101")));

    let swept = short.sweep_cache().await.unwrap();
    assert_eq!((swept.memory, swept.disk), (4, 4));
    assert_eq!(short.cache_stats().unwrap().disk_entries, 2);
    for id in ["101", "102"] {
        assert!(
            !file_holds(dir.path(), &words(id)),
            "call {id} left a trace"
        );
    }
    assert!(file_holds(dir.path(), &words("303")));
    // What is left still reads back, and nothing more is swept.
    let data = long.calls_with_transcripts(&ids(&["303"])).await.unwrap();
    assert_eq!(data.cached_call_ids, ids(&["303"]));
    let again = long.sweep_cache().await.unwrap();
    assert_eq!((again.memory, again.disk), (0, 0));
}

#[tokio::test]
async fn erasing_a_call_removes_it_from_every_tier_and_from_the_file() {
    let server = gong().await;
    let dir = tempfile::tempdir().unwrap();
    let client = with_three_cached(&server, dir.path()).await;
    let sent = requests(&server).await;

    assert_eq!(
        client.erase_cached(&ids(&["101", "999"])).await.unwrap(),
        ids(&["101"]),
        "only what was cached is counted"
    );
    assert!(!file_holds(dir.path(), &words("101")));
    assert!(file_holds(dir.path(), &words("102")));
    let stats = client.cache_stats().unwrap();
    assert_eq!((stats.disk_entries, stats.memory_entries), (4, 4));
    // The erased call is asked of Gong again; the others still come from the cache.
    let data = client
        .calls_with_transcripts(&ids(&["101", "102"]))
        .await
        .unwrap();
    assert_eq!(data.cached_call_ids, ids(&["102"]));
    assert_eq!(requests(&server).await, sent + 2);
}

#[tokio::test]
async fn cached_calls_are_found_by_a_party_address_in_any_case() {
    let server = gong().await;
    let dir = tempfile::tempdir().unwrap();
    let client = with_three_cached(&server, dir.path()).await;
    assert_eq!(
        client
            .cached_calls_with_email(" Buyer102@Customer.example ")
            .await
            .unwrap(),
        ids(&["102"])
    );
    assert_eq!(
        client
            .cached_calls_with_email("rep@seller.example")
            .await
            .unwrap(),
        ids(&["101", "102", "303"])
    );
    assert!(client
        .cached_calls_with_email("nobody@customer.example")
        .await
        .unwrap()
        .is_empty());
    // From memory alone: a cache without a store keeps calls decoded, and finds them too.
    let mut config = config(&server);
    config.cache = CacheConfig {
        mode: CacheMode::Memory,
        ..CacheConfig::default()
    };
    let in_memory = GongClient::new(config).unwrap();
    in_memory
        .calls_with_transcripts(&ids(&["101", "303"]))
        .await
        .unwrap();
    assert_eq!(
        in_memory
            .cached_calls_with_email("BUYER303@customer.example")
            .await
            .unwrap(),
        ids(&["303"])
    );
    assert!(in_memory
        .cached_calls_with_email("buyer102@customer.example")
        .await
        .unwrap()
        .is_empty());
    // From disk alone, after a restart.
    client.close().await;
    let reopened = GongClient::new(on_disk(&server, dir.path(), WEEK)).unwrap();
    assert_eq!(
        reopened
            .cached_calls_with_email("buyer303@customer.example")
            .await
            .unwrap(),
        ids(&["303"])
    );
}

#[tokio::test]
async fn an_erasure_reaches_the_other_replicas_through_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let server = gong().await;
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let replica = |dir: &Path| {
        let mut config = on_disk(&server, dir, WEEK);
        config.redis = Some(RedisConfig::new(SecretString::from(redis.url())).unwrap());
        GongClient::new(config).unwrap()
    };
    let (a, b) = (replica(dir_a.path()), replica(dir_b.path()));
    a.calls_with_transcripts(&ids(&["101", "102"]))
        .await
        .unwrap();
    // The other replica reads them from Redis, and keeps them in its memory.
    let data = b
        .calls_with_transcripts(&ids(&["101", "102"]))
        .await
        .unwrap();
    assert_eq!(data.cached_call_ids, ids(&["101", "102"]));
    assert_eq!(b.follow_erasures().await.unwrap(), 0);

    // An operator's process, on a disk of its own, erases from Redis.
    let dir_c = tempfile::tempdir().unwrap();
    let operator = replica(dir_c.path());
    assert_eq!(
        operator.erase_cached(&ids(&["101"])).await.unwrap(),
        ids(&["101"])
    );
    let sent = requests(&server).await;
    assert_eq!(b.follow_erasures().await.unwrap(), 1);
    assert_eq!(b.follow_erasures().await.unwrap(), 0, "each entry once");
    assert_eq!(a.follow_erasures().await.unwrap(), 1);
    assert!(!file_holds(dir_a.path(), &words("101")));
    let data = b
        .calls_with_transcripts(&ids(&["101", "102"]))
        .await
        .unwrap();
    assert_eq!(
        data.cached_call_ids,
        ids(&["102"]),
        "101 is asked of Gong again"
    );
    assert_eq!(requests(&server).await, sent + 2);
}

#[tokio::test]
async fn a_reconciliation_erases_what_gong_no_longer_has_and_nothing_on_a_failure() {
    let state = Distinct::default();
    let server = gong_with(&state).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = on_disk(&server, dir.path(), WEEK);
    config.batch_size = 2;
    let client = GongClient::new(config).unwrap();
    client
        .calls_with_transcripts(&ids(&["101", "102", "303"]))
        .await
        .unwrap();

    // Gong erased call 102 (a privacy request, a shorter retention period).
    state.gone.lock().unwrap().push("102".into());
    // A failing Gong erases nothing.
    state
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(client.reconcile_cache(1.0, 10).await.is_err());
    assert!(file_holds(dir.path(), &words("102")));
    state
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);

    // One request per two ids; a cap of one request leaves the third unasked.
    let capped = client.reconcile_cache(1.0, 1).await.unwrap();
    assert_eq!(
        (capped.checked, capped.requests, capped.unchecked),
        (2, 1, 1)
    );
    assert_eq!(capped.gone, ids(&["102"]));
    assert!(
        !file_holds(dir.path(), &words("102")),
        "the erased call left a trace"
    );

    let sent = requests(&server).await;
    let full = client.reconcile_cache(1.0, 10).await.unwrap();
    assert_eq!((full.checked, full.requests, full.unchecked), (2, 1, 0));
    assert!(full.gone.is_empty());
    assert_eq!(requests(&server).await, sent + 1);
    // The calls Gong has are still served from the cache.
    let data = client
        .calls_with_transcripts(&ids(&["101", "303"]))
        .await
        .unwrap();
    assert_eq!(data.cached_call_ids, ids(&["101", "303"]));
    // Past the day's background share, nothing is asked.
    let spent = client.reconcile_cache(0.0, 10).await.unwrap();
    assert_eq!((spent.requests, spent.unchecked), (0, 2));
}

#[tokio::test]
async fn cached_names_the_calls_whole_in_a_tier_this_client_can_open() {
    let server = gong().await;
    let dir = tempfile::tempdir().unwrap();
    let sealed = |found_ttl, key: &str| {
        let mut config = on_disk(&server, dir.path(), found_ttl);
        config.cache.key = Some(gong::CacheKey::parse(&key.repeat(32)).unwrap());
        GongClient::new(config).unwrap()
    };
    let client = sealed(WEEK, "11");
    client
        .calls_with_transcripts(&ids(&["101", "102"]))
        .await
        .unwrap();
    // An answer kept for no time is expired at once.
    sealed(Duration::ZERO, "11")
        .calls_with_transcripts(&ids(&["303"]))
        .await
        .unwrap();
    let asked = ids(&["101", "102", "303", "404"]);
    assert_eq!(client.cached(&asked).await, ids(&["101", "102"]));
    // From disk alone, after a restart.
    client.close().await;
    assert_eq!(
        sealed(WEEK, "11").cached(&asked).await,
        ids(&["101", "102"])
    );
    // Sealed under another key: nothing this client could serve.
    assert!(sealed(WEEK, "22").cached(&asked).await.is_empty());
}
