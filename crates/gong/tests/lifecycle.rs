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

/// Gong's answers, each with words of its own call, and parties with their own address.
struct Distinct {
    extensive: bool,
}

/// The transcript words of call `id`, which the store's file must hold only while it is cached.
fn words(id: &str) -> String {
    format!("confidential pricing words of call {id}")
}

impl Respond for Distinct {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let asked = call_ids_of(request);
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
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(Distinct { extensive: false })
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(Distinct { extensive: true })
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
    let client = GongClient::new(on_disk(&server, dir.path(), WEEK)).unwrap();
    client
        .calls_with_transcripts(&ids(&["101", "102", "303"]))
        .await
        .unwrap();
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
    let client = GongClient::new(on_disk(&server, dir.path(), WEEK)).unwrap();
    client
        .calls_with_transcripts(&ids(&["101", "102", "303"]))
        .await
        .unwrap();
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
