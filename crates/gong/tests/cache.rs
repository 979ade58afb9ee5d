//! The cache of Gong's answers: warm asks cost no request, the store survives a restart, tenants
//! never share entries, a corrupt store or a wrong key only costs requests, values can be
//! encrypted at rest, and stats/purge see both tiers.

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use gong::{CacheConfig, CacheKey, CacheMode, GongAuth, GongClient, GongConfig};
use secrecy::SecretString;
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

const KEY_A: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const KEY_B: &str = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

/// Answers with exactly the ids asked for, except `missing` ones.
struct Echo {
    extensive: bool,
    missing: &'static [&'static str],
}

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let asked = call_ids_of(request);
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
        ResponseTemplate::new(200).set_body_json(body)
    }
}

async fn server_missing(missing: &'static [&'static str]) -> MockServer {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(Echo {
            extensive: false,
            missing,
        })
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(Echo {
            extensive: true,
            missing: &[],
        })
        .mount(&server)
        .await;
    server
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap_or_default().len()
}

fn cached(mut config: GongConfig, mode: CacheMode, dir: &Path, key: Option<&str>) -> GongConfig {
    config.cache = CacheConfig {
        mode,
        dir: dir.to_owned(),
        key: key.map(|k| CacheKey::parse(k).unwrap()),
        ..CacheConfig::default()
    };
    config
}

fn store_bytes(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join(gong::cache::STORE_FILE)).unwrap()
}

#[tokio::test]
async fn a_warm_ask_makes_no_request_and_says_what_came_from_the_cache() {
    let server = server_missing(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let client =
        GongClient::new(cached(config(&server), CacheMode::Memory, dir.path(), None)).unwrap();
    let cold = client
        .calls_with_transcripts(&ids(&["1", "2"]))
        .await
        .unwrap();
    assert!(cold.cached_call_ids.is_empty());
    assert_eq!(requests(&server).await, 2);
    let warm = client
        .calls_with_transcripts(&ids(&["2", "1"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&warm.transcripts), ["2", "1"]);
    assert_eq!(warm.calls.len(), 2);
    assert_eq!(warm.cached_call_ids, ["2", "1"]);
    assert_eq!(requests(&server).await, 2);
    // One new id among cached ones: only it is fetched.
    let mixed = client
        .calls_with_transcripts(&ids(&["1", "3"]))
        .await
        .unwrap();
    assert_eq!(mixed.cached_call_ids, ["1"]);
    let bodies = server.received_requests().await.unwrap_or_default();
    assert_eq!(bodies.len(), 4);
    assert_eq!(call_ids_of(&bodies[3]), ["3"]);
    // Memory mode writes nothing to disk.
    assert!(!dir.path().join(gong::cache::STORE_FILE).exists());
    let stats = client.cache_stats().unwrap();
    assert_eq!(stats.mode, CacheMode::Memory);
    assert_eq!(stats.memory_entries, 6);
    assert!(stats.memory_bytes > 0);
}

#[tokio::test]
async fn with_the_cache_off_every_ask_goes_to_gong() {
    let server = server_missing(&[]).await;
    let client = GongClient::new(config(&server)).unwrap();
    for _ in 0..2 {
        let data = client.calls_with_transcripts(&ids(&["1"])).await.unwrap();
        assert!(data.cached_call_ids.is_empty());
    }
    assert_eq!(requests(&server).await, 4);
    assert!(client.cache_stats().is_none());
}

#[tokio::test]
async fn a_new_client_on_the_same_directory_serves_from_disk() {
    let server = server_missing(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let first =
        GongClient::new(cached(config(&server), CacheMode::Disk, dir.path(), None)).unwrap();
    first
        .calls_with_transcripts(&ids(&["1", "2"]))
        .await
        .unwrap();
    assert_eq!(first.cache_stats().unwrap().disk_entries, 4);
    first.close().await;

    let second =
        GongClient::new(cached(config(&server), CacheMode::Disk, dir.path(), None)).unwrap();
    let data = second
        .calls_with_transcripts(&ids(&["1", "2"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1", "2"]);
    assert_eq!(data.calls[1].parties[0].name.as_deref(), Some("Ann"));
    assert_eq!(data.cached_call_ids, ["1", "2"]);
    assert_eq!(requests(&server).await, 2);
}

#[cfg(unix)]
#[tokio::test]
async fn the_store_is_private_to_its_user() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = server_missing(&[]).await;
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("nested").join("callbrief");
    let client = GongClient::new(cached(config(&server), CacheMode::Disk, &dir, None)).unwrap();
    client.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join(gong::cache::STORE_FILE)), 0o600);
}

#[cfg(unix)]
#[tokio::test]
async fn a_cache_directory_that_exists_keeps_its_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = server_missing(&[]).await;
    // A directory others use too, such as a home directory or a shared volume.
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let client =
        GongClient::new(cached(config(&server), CacheMode::Disk, dir.path(), None)).unwrap();
    client.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.path()), 0o755, "never chmod-ed");
    assert_eq!(mode(&dir.path().join(gong::cache::STORE_FILE)), 0o600);
}

#[tokio::test]
async fn two_gong_companies_on_one_store_never_see_each_others_calls() {
    let server = server_missing(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let company = |key: &str| {
        let auth = GongAuth::Basic {
            access_key: key.into(),
            access_key_secret: SecretString::from("s"),
        };
        let config = config_for(&server.uri(), auth);
        GongClient::new(cached(config, CacheMode::Disk, dir.path(), None)).unwrap()
    };
    let a = company("company-a");
    let b = company("company-b");
    a.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    let from_b = b.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert!(from_b.cached_call_ids.is_empty());
    assert_eq!(requests(&server).await, 4);
    // Each is warm for its own entries; the store holds both.
    assert_eq!(
        a.calls_with_transcripts(&ids(&["1"]))
            .await
            .unwrap()
            .cached_call_ids,
        ["1"]
    );
    assert_eq!(requests(&server).await, 4);
    assert_eq!(b.cache_stats().unwrap().disk_entries, 4);
}

#[tokio::test]
async fn a_corrupt_store_is_bypassed_and_gong_answers() {
    let server = server_missing(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(gong::cache::STORE_FILE),
        b"this is not a redb file at all, just some bytes".repeat(100),
    )
    .unwrap();
    let client =
        GongClient::new(cached(config(&server), CacheMode::Disk, dir.path(), None)).unwrap();
    let data = client.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1"]);
    assert_eq!(requests(&server).await, 2);
    // It fell back to memory, which still saves the second ask.
    assert_eq!(client.cache_stats().unwrap().mode, CacheMode::Memory);
    let again = client.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(again.cached_call_ids, ["1"]);
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn encrypted_values_read_back_with_their_key_and_are_misses_with_another() {
    let server = server_missing(&[]).await;
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = GongClient::new(cached(
        config(&server),
        CacheMode::Disk,
        plain_dir.path(),
        None,
    ))
    .unwrap();
    plain.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    let needle = b"hello from 1";
    let contains = |hay: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(contains(&store_bytes(plain_dir.path())));

    let dir = tempfile::tempdir().unwrap();
    let open =
        |key| GongClient::new(cached(config(&server), CacheMode::Disk, dir.path(), key)).unwrap();
    let writer = open(Some(KEY_A));
    writer.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert!(writer.cache_stats().unwrap().encrypted);
    writer.close().await;
    assert!(!contains(&store_bytes(dir.path())));
    assert_eq!(requests(&server).await, 4);

    let reader = open(Some(KEY_A));
    let data = reader.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(data.cached_call_ids, ["1"]);
    assert_eq!(
        data.transcripts[0].transcript[0].sentences[0].text,
        "hello from 1"
    );
    assert_eq!(requests(&server).await, 4);
    reader.close().await;

    // Another key, or none: a miss, never an error or wrong data.
    for key in [Some(KEY_B), None] {
        let other = open(key);
        let data = other.calls_with_transcripts(&ids(&["1"])).await.unwrap();
        assert!(data.cached_call_ids.is_empty(), "{key:?}");
        assert_eq!(transcript_ids(&data.transcripts), ["1"]);
        other.close().await;
    }
    assert_eq!(requests(&server).await, 8);
}

#[tokio::test]
async fn not_found_is_kept_briefly_and_only_when_a_lifetime_is_set() {
    let server = server_missing(&["9"]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut no_missing = cached(config(&server), CacheMode::Memory, dir.path(), None);
    no_missing.cache.missing_ttl = Duration::ZERO;
    let client = GongClient::new(no_missing).unwrap();
    for _ in 0..2 {
        let data = client.calls_with_transcripts(&ids(&["9"])).await.unwrap();
        assert!(data.transcripts.is_empty());
        assert!(data.failed_call_ids.is_empty());
        assert!(data.cached_call_ids.is_empty());
    }
    // The metadata was cached; the missing transcript was asked for again.
    assert_eq!(requests(&server).await, 3);

    let server = server_missing(&["9"]).await;
    let client =
        GongClient::new(cached(config(&server), CacheMode::Memory, dir.path(), None)).unwrap();
    client.calls_with_transcripts(&ids(&["9"])).await.unwrap();
    let again = client.calls_with_transcripts(&ids(&["9"])).await.unwrap();
    assert_eq!(again.cached_call_ids, ["9"]);
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn failures_are_never_cached() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(gong_error(400, "bad"))
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(gong_error(400, "bad"))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let client =
        GongClient::new(cached(config(&server), CacheMode::Disk, dir.path(), None)).unwrap();
    for _ in 0..2 {
        assert!(client.calls_with_transcripts(&ids(&["1"])).await.is_err());
    }
    assert_eq!(requests(&server).await, 4);
    assert_eq!(client.cache_stats().unwrap().disk_entries, 0);
}

#[tokio::test]
async fn stats_count_both_tiers_and_purge_empties_them() {
    let server = server_missing(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let client =
        GongClient::new(cached(config(&server), CacheMode::Disk, dir.path(), None)).unwrap();
    client
        .calls_with_transcripts(&ids(&["1", "2", "3"]))
        .await
        .unwrap();
    let stats = client.cache_stats().unwrap();
    assert_eq!(stats.mode, CacheMode::Disk);
    assert_eq!(stats.disk_entries, 6);
    assert_eq!(stats.memory_entries, 6);
    assert!(stats.disk_file_bytes > 0);
    assert_eq!(
        stats.path.as_deref(),
        Some(dir.path().join(gong::cache::STORE_FILE).as_path())
    );
    assert!(!stats.encrypted);

    assert_eq!(client.purge_cache().unwrap(), 6);
    let stats = client.cache_stats().unwrap();
    assert_eq!((stats.disk_entries, stats.memory_entries), (0, 0));
    let data = client.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert!(data.cached_call_ids.is_empty());
    assert_eq!(requests(&server).await, 4);
}

#[tokio::test]
async fn a_rotated_key_still_opens_what_its_previous_key_sealed() {
    let server = server_missing(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let writer = GongClient::new(cached(
        config(&server),
        CacheMode::Disk,
        dir.path(),
        Some(KEY_A),
    ))
    .unwrap();
    writer.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    writer.close().await;
    let sent = requests(&server).await;
    // The new key alone: a miss.
    let alone = GongClient::new(cached(
        config(&server),
        CacheMode::Disk,
        dir.path(),
        Some(KEY_B),
    ))
    .unwrap();
    let data = alone.calls_with_transcripts(&ids(&["2"])).await.unwrap();
    assert!(data.cached_call_ids.is_empty());
    alone.close().await;
    // The new key with the old one as previous: call 1 is served from the store.
    let mut rotated = cached(config(&server), CacheMode::Disk, dir.path(), Some(KEY_B));
    rotated.cache.previous_keys = vec![CacheKey::parse(KEY_A).unwrap()];
    let rotated = GongClient::new(rotated).unwrap();
    let sent_before = requests(&server).await;
    let data = rotated.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(data.cached_call_ids, ["1"]);
    assert_eq!(
        data.transcripts[0].transcript[0].sentences[0].text,
        "hello from 1"
    );
    assert_eq!(requests(&server).await, sent_before, "no Gong request");
    assert!(sent_before > sent);
}
