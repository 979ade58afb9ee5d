//! Sealed records shared through a real Redis: what one replica keeps, another reads, a
//! one-time record is taken once, and a replica with another key reads nothing.

use std::time::Duration;

use secrecy::SecretString;
use store::{CacheKey, RedisTarget, Vault, VaultSettings, VaultTier};
use testkit::redis::RedisServer;

fn config(key: &str) -> VaultSettings {
    VaultSettings {
        key: Some(CacheKey::parse(key).unwrap()),
        ..VaultSettings::default()
    }
}

#[tokio::test]
async fn replicas_share_sealed_records_through_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let redis_config = RedisTarget {
        url: SecretString::from(redis.url()),
        timeout: Duration::from_millis(250),
    };
    let key = "44".repeat(32);
    let one = Vault::open(&config(&key), Some(&redis_config)).unwrap();
    let two = Vault::open(&config(&key), Some(&redis_config)).unwrap();
    assert_eq!(one.tier(), VaultTier::Shared);
    one.put("session/a", b"sf-tokens", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        two.get("session/a").await.unwrap().as_deref(),
        Some(&b"sf-tokens"[..])
    );
    one.put("code/c", b"grant", Duration::from_secs(60))
        .await
        .unwrap();
    let (first, second) = tokio::join!(one.take("code/c"), two.take("code/c"));
    let taken = [first.unwrap(), second.unwrap()];
    assert_eq!(
        taken.iter().filter(|t| t.is_some()).count(),
        1,
        "taken once"
    );
    let other = Vault::open(&config(&"55".repeat(32)), Some(&redis_config)).unwrap();
    assert_eq!(other.get("session/a").await.unwrap(), None);
    two.remove("session/a").await.unwrap();
    assert_eq!(one.get("session/a").await.unwrap(), None);
}
