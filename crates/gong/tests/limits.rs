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

/// A simulator enforcing Gong's 3 requests/s (no daily quota), and a client configuration
/// keeping to it with a deadline long enough for several windows of paused time.
async fn gong_at_three_per_second() -> (sim::gong::RunningSim, gong::GongConfig) {
    let (sim, mut config) = simulator(GongSimConfig {
        rate_limit_per_sec: Some(3),
        daily_quota: None,
        ..GongSimConfig::default()
    })
    .await;
    config.requests_per_second = 3;
    config.deadline = Duration::from_secs(60);
    (sim, config)
}

/// Asks at 0 ms (one call), 10 ms and 30 ms (one call each), on a client allowed 3 requests a
/// second, waiting until all three are answered: the Gong requests that took.
async fn requests_for_three_close_asks(last_slot_wait: Duration) -> u64 {
    let (sim, mut config) = gong_at_three_per_second().await;
    config.last_slot_wait = last_slot_wait;
    let client = GongClient::new(config).unwrap();
    let ids = sample_call_ids(3);
    let asks: Vec<_> = [0u64, 10, 30]
        .into_iter()
        .zip(ids)
        .map(|(at, id)| {
            let client = client.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(at)).await;
                client.calls_with_transcripts(&[id]).await
            })
        })
        .collect();
    for ask in asks {
        let data = ask.await.unwrap().unwrap();
        assert_eq!((data.transcripts.len(), data.calls.len()), (1, 1));
    }
    assert_eq!(sim.stats.rate_limited(), 0);
    sim.stats.requests()
}

#[tokio::test(start_paused = true)]
async fn the_last_slot_of_a_window_waits_briefly_for_a_fuller_batch() {
    // The first ask takes two of the three slots (transcript and details, at once: an idle
    // client does not wait). The last slot waits 50 ms, so the asks at 10 and 30 ms share it
    // and then share the next window's request: four requests in all.
    assert_eq!(
        requests_for_three_close_asks(Duration::from_millis(50)).await,
        4
    );
    // Sent at once, the last slot carries the 10 ms ask alone, and the 30 ms ask needs two
    // requests of its own.
    assert_eq!(requests_for_three_close_asks(Duration::ZERO).await, 5);
}

#[tokio::test(start_paused = true)]
async fn a_full_batch_takes_the_last_slot_at_once() {
    let (sim, mut config) = gong_at_three_per_second().await;
    config.batch_size = 2;
    config.last_slot_wait = Duration::from_secs(5);
    let client = GongClient::new(config).unwrap();
    let ids = sample_call_ids(3);
    client.calls_with_transcripts(&ids[..1]).await.unwrap();
    assert_eq!(sim.stats.requests(), 2);
    // Two ids fill a batch: the last slot does not wait for more.
    let second = tokio::spawn({
        let client = client.clone();
        let ids = ids[1..].to_vec();
        async move { client.calls_with_transcripts(&ids).await }
    });
    tokio::time::sleep(Duration::from_millis(10)).await;
    assert_eq!(sim.stats.requests(), 3);
    let data = second.await.unwrap().unwrap();
    assert_eq!(data.transcripts.len(), 2);
    assert_eq!(sim.stats.requests(), 4);
}
