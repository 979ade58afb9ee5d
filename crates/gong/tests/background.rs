//! The scheduler's background lane (prefetching) against the simulator on paused tokio time:
//! it uses only capacity nobody waits for, yields to a person at once, hands over an id a
//! person asks for, and stops at its share of the daily quota.

mod common;

use std::time::Duration;

use common::*;
use gong::{GongClient, GongConfig, GongError};
use sim::gong::{Faults, GongSimConfig};
use tokio::time::Instant;

/// Gong at its real 3 requests/s with 200 ms answers, and a client keeping to it that sends
/// one id per request, so background work takes many windows.
async fn gong_at_its_limits() -> (sim::gong::RunningSim, GongConfig) {
    let (sim, mut config) = simulator(GongSimConfig {
        rate_limit_per_sec: Some(3),
        daily_quota: None,
        faults: Faults {
            latency: Duration::from_millis(200),
            ..Faults::default()
        },
        ..GongSimConfig::default()
    })
    .await;
    config.requests_per_second = 3;
    config.batch_size = 1;
    config.deadline = Duration::from_secs(120);
    (sim, config)
}

/// How long one person's briefing fetch of `ids` takes on `client`, on tokio's clock.
async fn time_to_fetch(client: &GongClient, ids: &[CallId]) -> Duration {
    let started = Instant::now();
    let data = client.calls_with_transcripts_for("rep", ids).await.unwrap();
    assert_eq!(data.transcripts.len(), ids.len());
    assert!(data.failed_call_ids.is_empty());
    started.elapsed()
}

#[tokio::test(start_paused = true)]
async fn background_work_leaves_a_slot_free_and_a_person_waits_at_most_a_window_longer() {
    let ids = sample_call_ids(30);
    let (background_ids, asked) = (ids[..20].to_vec(), vec![ids[19].clone(), ids[25].clone()]);

    // The person's fetch on an idle client.
    let (_idle_sim, config) = gong_at_its_limits().await;
    let idle = time_to_fetch(&GongClient::new(config).unwrap(), &asked).await;

    let (sim, config) = gong_at_its_limits().await;
    let client = GongClient::new(config).unwrap();
    let prefetch = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .prefetch(&background_ids, Duration::from_secs(120))
                .await
        }
    });
    // Alone, the background takes two of the three slots of each second.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let alone = sim.stats.requests();
    assert!(alone >= 4, "the background ran: {alone} requests");
    assert_eq!(sim.stats.max_per_second(), 2);

    // A person asking meanwhile (for one id the background has queued and one it has not)
    // waits at most one window longer than on an idle client.
    let busy = time_to_fetch(&client, &asked).await;
    assert!(
        busy <= idle + Duration::from_secs(1),
        "idle {idle:?}, beside the background {busy:?}"
    );

    let data = prefetch.await.unwrap().unwrap();
    assert_eq!(data.transcripts.len(), 20);
    assert!(data.failed_call_ids.is_empty());
    assert_eq!(sim.stats.rate_limited(), 0);
    assert!(sim.stats.max_per_second() <= 3);
    // Every id once per endpoint: the one the person took over was not fetched twice.
    assert_eq!(sim.stats.requests(), 2 * 21);
}

#[tokio::test(start_paused = true)]
async fn background_work_stops_at_its_share_of_the_daily_quota_and_people_go_on() {
    let (sim, mut config) = gong_at_its_limits().await;
    config.daily_quota = 10;
    config.daily_reserve = 1;
    config.background_daily_share = 0.3;
    let client = GongClient::new(config).unwrap();
    let ids = sample_call_ids(8);
    let data = client.prefetch(&ids[..6], Duration::from_secs(120)).await;
    // Three requests are the background's share of ten; the rest of its ids fail.
    assert_eq!(sim.stats.requests(), 3);
    match data {
        Ok(data) => {
            assert!(!data.failed_call_ids.is_empty());
            assert!(matches!(
                data.transcript_error,
                Some(GongError::QuotaExhausted { .. })
            ));
        }
        Err(error) => assert!(matches!(error, GongError::QuotaExhausted { .. }), "{error}"),
    }
    // Past the share, background asks are refused up front.
    let refused = client.prefetch(&ids[6..7], Duration::from_secs(120)).await;
    assert!(matches!(refused, Err(GongError::QuotaExhausted { .. })));
    assert_eq!(sim.stats.requests(), 3);
    // A person still gets through, within the quota less its reserve.
    let mine = client
        .calls_with_transcripts_for("rep", &ids[7..])
        .await
        .unwrap();
    assert_eq!(mine.transcripts.len(), 1);
    assert_eq!(sim.stats.requests(), 5);
}
