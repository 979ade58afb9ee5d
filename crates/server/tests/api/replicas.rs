//! Two servers on one Redis, seen from outside: a call read through one replica costs the other
//! no Gong request, and a server whose Redis is unreachable still answers.

use gong::{CacheConfig, CacheMode, RedisConfig};
use secrecy::SecretString;
use serde_json::json;
use testkit::redis::RedisServer;

use crate::helpers::{
    gong_config, json, sim_config, some_call_ids, spawn_app_with, TestApp, API_KEY,
};

fn redis_at(url: String) -> Option<RedisConfig> {
    Some(RedisConfig::new(SecretString::from(url)).expect("redis url"))
}

/// Each replica's own memory tier, in front of the shared one.
fn memory_cache() -> CacheConfig {
    CacheConfig {
        mode: CacheMode::Memory,
        ..CacheConfig::default()
    }
}

/// A second server against the same Gong simulator, with `redis`.
async fn second_replica(gong_base_url: &str, redis: Option<RedisConfig>) -> TestApp {
    TestApp::builder()
        .spawn(|s| {
            s.gong = gong_config(gong_base_url);
            s.gong.redis = redis;
            s.gong.cache = memory_cache();
        })
        .await
}

#[tokio::test]
async fn a_call_read_through_one_replica_costs_the_other_no_gong_request() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let a = spawn_app_with(sim_config(), |s| {
        s.gong.redis = redis_at(redis.url());
        s.gong.cache = memory_cache();
    })
    .await;
    let b = second_replica(&a.sim.base_url, redis_at(redis.url())).await;
    let b_url = &b.base_url;
    let wanted = some_call_ids(3);
    let body = json!({ "callIds": wanted });

    let (status, first) = json(a.post_transcripts(&body).await).await;
    assert_eq!(status, 200, "{first}");
    let cold = a.sim.stats.requests();
    assert!(cold > 0, "the first read reached Gong");

    let response = a
        .http
        .post(format!("{b_url}/callTranscripts"))
        .bearer_auth(API_KEY)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(
        response
            .headers()
            .get("x-callbrief-cache")
            .and_then(|v| v.to_str().ok()),
        Some("hit")
    );
    let (status, second) = json(response).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(
        a.sim.stats.requests(),
        cold,
        "the second replica asked Gong"
    );
    assert_eq!(second["callTranscripts"], first["callTranscripts"]);

    let (status, ready) = crate::readiness::readyz(&a).await;
    assert_eq!(
        (status, &ready["status"]),
        (200, &json!("ready")),
        "{ready}"
    );
    assert_eq!(ready["checks"]["shared_state"], "ok", "{ready}");
}

#[tokio::test]
async fn a_server_whose_redis_is_unreachable_still_answers_and_warns_without_the_password() {
    let (captured, _guard) = crate::logs::Captured::start("debug");
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let app = spawn_app_with(sim_config(), |s| {
        s.gong.redis = redis_at(format!("redis://:s3cret-redis-pw@127.0.0.1:{port}/"));
    })
    .await;
    let (status, body) = json(
        app.post_transcripts(&json!({ "callIds": some_call_ids(2) }))
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callTranscripts"].as_array().map(Vec::len), Some(2));

    let logs = captured.text();
    assert!(logs.contains("redis unavailable"), "{logs}");
    assert!(logs.contains(&format!("127.0.0.1:{port}")), "{logs}");
    assert!(!logs.contains("s3cret-redis-pw"), "{logs}");

    // Still in traffic, but saying it works alone.
    let (status, body) = crate::readiness::readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "degraded", "{body}");
    assert_eq!(body["checks"]["shared_state"], "degraded", "{body}");
}
