//! Gong misbehaving: retries cure transient faults; what they cannot cure becomes a clean
//! 502/503/504 JSON answer, promptly.

use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use sim::gong::{Faults, GongSimConfig};

use crate::helpers::*;

fn with_faults(faults: Faults) -> GongSimConfig {
    GongSimConfig {
        faults,
        ..sim_config()
    }
}

#[tokio::test]
async fn rate_limited_then_success() {
    let cfg = GongSimConfig {
        retry_after_secs: 1,
        ..with_faults(Faults {
            rate_limit_first: 2,
            ..Faults::default()
        })
    };
    let app = spawn_app_with(cfg, |_| {}).await;
    let ids = some_call_ids(2);
    let (status, body) = json(app.post_transcripts(&json!({ "callIds": ids })).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callTranscripts"].as_array().unwrap().len(), 2);
    assert_eq!(body["warnings"], json!([]));
    assert_eq!(app.sim.stats.rate_limited(), 2);
}

#[tokio::test]
async fn server_errors_twice_then_success() {
    let app = spawn_app_with(
        with_faults(Faults {
            fail_first: 2,
            ..Faults::default()
        }),
        |_| {},
    )
    .await;
    let ids = some_call_ids(2);
    let (status, body) = json(app.post_transcripts(&json!({ "callIds": ids })).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["callTranscripts"].as_array().unwrap().len(), 2);
    assert_eq!(body["failed"], json!([]));
    assert_eq!(app.sim.stats.server_errors(), 2);
}

#[tokio::test]
async fn at_the_deadline_the_calls_that_arrived_are_answered_and_the_rest_failed() {
    let cfg = GongSimConfig {
        page_size: 1,
        ..with_faults(Faults {
            latency: Duration::from_millis(250),
            ..Faults::default()
        })
    };
    let app = spawn_app_with(cfg, |s| {
        s.gong.deadline = Duration::from_millis(800);
        s.gong.attempt_timeout = Duration::from_millis(800);
    })
    .await;
    let ids = some_call_ids(6);
    let (status, body) = json(app.post_transcripts(&json!({ "callIds": ids })).await).await;
    // Six pages of 250 ms each do not fit in 800 ms: the chain was cut off at the deadline,
    // and the calls on the pages that came are kept.
    assert_eq!(status, 200, "{}", body["error"]);
    let answered = body["callTranscripts"].as_array().unwrap().len();
    let failed = body["failed"].as_array().unwrap();
    assert!((1..6).contains(&answered), "{}", body["failed"]);
    assert_eq!(answered + failed.len(), 6, "{}", body["failed"]);
    for f in failed {
        let reason = f["reason"].as_str().unwrap();
        assert!(reason.contains("did not finish"), "{reason}");
    }
    let pages = app.sim.stats.requests_to("/v2/calls/transcript");
    assert!(
        (1..6).contains(&pages),
        "{pages} transcript pages requested"
    );
}

#[tokio::test]
async fn a_deadline_before_any_answer_is_a_prompt_504() {
    let cfg = with_faults(Faults {
        latency: Duration::from_millis(900),
        ..Faults::default()
    });
    let app = spawn_app_with(cfg, |s| {
        s.gong.deadline = Duration::from_millis(300);
        s.gong.attempt_timeout = Duration::from_millis(300);
    })
    .await;
    let response = app
        .post_transcripts(&json!({ "callIds": some_call_ids(2) }))
        .await;
    assert_error(response, 504, "upstream_timeout", "Gong did not return").await;
}

#[tokio::test]
async fn a_cut_off_body_is_a_502() {
    let app = spawn_app_with(
        with_faults(Faults {
            truncate_body: true,
            ..Faults::default()
        }),
        |s| s.gong.max_retries = 1,
    )
    .await;
    let response = app
        .post_transcripts(&json!({ "callIds": some_call_ids(1) }))
        .await;
    assert_error(
        response,
        502,
        "upstream_invalid_response",
        "could not be read",
    )
    .await;
}

#[tokio::test]
async fn persistent_server_errors_are_a_502() {
    let app = spawn_app_with(
        with_faults(Faults {
            error_rate: 1.0,
            ..Faults::default()
        }),
        |s| s.gong.max_retries = 1,
    )
    .await;
    let response = app
        .post_transcripts(&json!({ "callIds": some_call_ids(1) }))
        .await;
    assert_error(response, 502, "upstream_error", "HTTP 500").await;
}

#[tokio::test]
async fn persistent_rate_limiting_is_a_503_with_retry_after() {
    let cfg = GongSimConfig {
        retry_after_secs: 0,
        ..with_faults(Faults {
            rate_limit_first: 1000,
            ..Faults::default()
        })
    };
    let app = spawn_app_with(cfg, |s| s.gong.max_retries = 1).await;
    let response = app
        .post_transcripts(&json!({ "callIds": some_call_ids(1) }))
        .await;
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(retry_after.is_some_and(|s| s.parse::<u64>().is_ok_and(|n| n >= 1)));
    assert_error(response, 503, "upstream_rate_limited", "Retry-After").await;
}

#[tokio::test]
async fn wrong_gong_credentials_are_a_502() {
    let app = spawn_app_with(sim_config(), |s| {
        s.gong.auth = gong::GongAuth::Bearer(SecretString::from("not-the-token".to_owned()));
    })
    .await;
    let response = app
        .post_transcripts(&json!({ "callIds": some_call_ids(1) }))
        .await;
    assert_error(response, 502, "upstream_unauthorized", "credentials").await;
}

#[tokio::test]
async fn the_request_timeout_is_a_backstop_504() {
    let app = spawn_app_with(
        with_faults(Faults {
            latency: Duration::from_secs(60),
            ..Faults::default()
        }),
        |s| s.request_timeout = Duration::from_millis(300),
    )
    .await;
    let response = app
        .post_transcripts(&json!({ "callIds": some_call_ids(1) }))
        .await;
    // Gong is held for a minute, past the app's Gong deadline (10 s here), whose expiry would
    // answer `upstream_timeout`: only the request timeout answers `timeout`.
    assert_error(response, 504, "timeout", "did not finish").await;
}
