//! Gong's rate limits as the client lives with them, against the simulator on paused tokio time:
//! the simulator's window and the client's limiter and retry waits all run on tokio's clock, so
//! seconds pass without waiting and the simulator's counters tell what happened in each one.

mod common;

use std::time::Duration;

use common::*;
use gong::GongClient;
use sim::gong::GongSimConfig;

#[tokio::test(start_paused = true)]
async fn rate_limited_then_success_after_retry_after() {
    let (sim, mut config) = simulator(GongSimConfig {
        rate_limit_per_sec: Some(1),
        daily_quota: None,
        ..GongSimConfig::default()
    })
    .await;
    // The client's own limiter is off, so the second request meets the simulator's 429 with
    // `Retry-After: 1`. Any earlier retry (the backoff starts at 5 ms) would meet another 429.
    config.requests_per_second = 0;
    let client = GongClient::new(config).unwrap();
    let ids = sample_call_ids(1);
    assert_eq!(client.transcripts(&ids).await.unwrap().len(), 1);
    assert_eq!(client.transcripts(&ids).await.unwrap().len(), 1);
    assert_eq!(
        (sim.stats.requests(), sim.stats.rate_limited()),
        (3, 1),
        "one 429, then one retry that got through"
    );
}

#[tokio::test(start_paused = true)]
async fn the_limiter_keeps_every_second_within_gongs_limit() {
    let (sim, mut config) = simulator(GongSimConfig {
        rate_limit_per_sec: Some(3),
        daily_quota: None,
        ..GongSimConfig::default()
    })
    .await;
    config.requests_per_second = 3;
    config.batch_size = 1;
    // Ten requests at three a second take seconds of (paused) time.
    config.deadline = Duration::from_secs(60);
    let client = GongClient::new(config).unwrap();
    let data = client
        .calls_with_transcripts(&sample_call_ids(5))
        .await
        .unwrap();
    assert_eq!((data.transcripts.len(), data.calls.len()), (5, 5));
    assert_eq!(
        sim.stats.requests(),
        10,
        "one transcript and one metadata batch per call"
    );
    assert_eq!(sim.stats.rate_limited(), 0);
    assert_eq!(sim.stats.max_per_second(), 3);
}

#[tokio::test(start_paused = true)]
async fn without_the_limiter_the_same_requests_are_rate_limited() {
    let (sim, mut config) = simulator(GongSimConfig {
        rate_limit_per_sec: Some(3),
        daily_quota: None,
        ..GongSimConfig::default()
    })
    .await;
    config.requests_per_second = 0;
    config.batch_size = 1;
    config.deadline = Duration::from_secs(60);
    let client = GongClient::new(config).unwrap();
    let data = client
        .calls_with_transcripts(&sample_call_ids(5))
        .await
        .unwrap();
    // Retries after `Retry-After` still bring everything home, but Gong said no first.
    assert_eq!((data.transcripts.len(), data.calls.len()), (5, 5));
    assert!(sim.stats.rate_limited() > 0);
    assert!(sim.stats.max_per_second() > 3);
}
