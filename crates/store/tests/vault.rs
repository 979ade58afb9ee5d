//! Sealed records shared through a real Redis: what one replica keeps, another reads, a
//! one-time record is taken once, and a replica with another key reads nothing.

use std::time::Duration;

use secrecy::SecretString;
use store::{CacheKey, RedisTarget, Vault, VaultSettings, VaultTier};
use testkit::redis::RedisServer;

fn target(redis: &RedisServer, namespace: &str) -> RedisTarget {
    RedisTarget {
        url: SecretString::from(redis.url()),
        timeout: Duration::from_millis(250),
        namespace: namespace.to_owned(),
    }
}

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
    let redis_config = target(&redis, store::redis::DEFAULT_NAMESPACE);
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

#[tokio::test]
async fn deployments_sharing_a_redis_keep_their_records_apart_under_their_prefixes() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    // Same key, same record names: only the prefix tells the deployments apart.
    let key = "66".repeat(32);
    let alpha = Vault::open(&config(&key), Some(&target(&redis, "alpha"))).unwrap();
    let beta = Vault::open(&config(&key), Some(&target(&redis, "beta"))).unwrap();
    alpha
        .put("session/a", b"alpha-tokens", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(beta.get("session/a").await.unwrap(), None);
    assert!(alpha
        .claim("lease/prefetch", Duration::from_secs(60))
        .await
        .unwrap());
    assert!(
        beta.claim("lease/prefetch", Duration::from_secs(60))
            .await
            .unwrap(),
        "one deployment's claim is not another's"
    );
    beta.put("code/c", b"beta-grant", Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(alpha.take("code/c").await.unwrap(), None);
    assert!(beta.take("code/c").await.unwrap().is_some());

    let client = redis::Client::open(redis.url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("*")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!keys.is_empty());
    assert!(
        keys.iter()
            .all(|k| k.starts_with("alpha:vault:") || k.starts_with("beta:vault:")),
        "{keys:?}"
    );
    // A prefix that could match another's keys in a pattern is refused.
    assert!(store::redis::check_namespace("a:b*").is_err());
}
