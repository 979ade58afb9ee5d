//! The connection limits of the settings, seen from outside.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{org, sim_config, spawn_app_with};

/// Gong's answer time in the simulator: long enough that two overlapping requests are
/// distinguishable from two in a row.
const GONG_LATENCY: Duration = Duration::from_millis(300);

#[tokio::test]
async fn expensive_requests_past_the_limit_wait_their_turn() {
    let sim_cfg = sim::gong::GongSimConfig {
        faults: sim::gong::Faults {
            latency: GONG_LATENCY,
            ..sim::gong::Faults::default()
        },
        ..sim_config()
    };
    let app = spawn_app_with(sim_cfg, |s| s.connections.max_concurrent_requests = 1).await;
    let org = org();
    let body = |i: usize| json!({ "callIds": [org.calls[i].gong_id] });
    // One request alone: at least one Gong answer's time.
    let started = Instant::now();
    assert_eq!(app.post_transcripts(&body(2)).await.status(), 200);
    let alone = started.elapsed();
    assert!(alone >= GONG_LATENCY, "{alone:?}");

    let (first_body, second_body) = (body(0), body(1));
    let started = Instant::now();
    let (first, second) = tokio::join!(
        app.post_transcripts(&first_body),
        app.post_transcripts(&second_body),
    );
    let elapsed = started.elapsed();
    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    // One at a time, two requests take about twice as long as one; overlapping, about as long.
    assert!(
        elapsed >= alone.mul_f64(1.6),
        "two requests took {elapsed:?}, one alone {alone:?}, with a limit of one"
    );
}
