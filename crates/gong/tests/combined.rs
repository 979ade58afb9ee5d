//! `calls_with_transcripts`: transcript and metadata fetched together, and partial failures
//! that never lose what did arrive.

mod common;

use std::time::Duration;

use common::*;
use gong::{GongClient, GongError};
use sim::gong::{Faults, GongSimConfig};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

// Paused tokio time: the simulator holds every request for its latency on tokio's timer, which
// only moves once both client and simulator wait. Requests sent one after the other would never
// be held at the same time.
#[tokio::test(start_paused = true)]
async fn transcript_and_extensive_are_requested_concurrently() {
    let (sim, mut config) = simulator(GongSimConfig {
        faults: Faults {
            latency: Duration::from_millis(400),
            ..Faults::default()
        },
        ..GongSimConfig::default()
    })
    .await;
    // Gong's default limit of 3/s stays on: it must still let the pair leave together.
    config.requests_per_second = 3;
    let client = GongClient::new(config).unwrap();
    let data = client
        .calls_with_transcripts(&sample_call_ids(1))
        .await
        .unwrap();
    assert_eq!(data.transcripts.len(), 1);
    assert_eq!(data.calls.len(), 1);
    assert_eq!(sim.stats.requests(), 2);
    assert_eq!(
        sim.stats.max_in_flight(),
        2,
        "the pair was in flight together"
    );
}

#[tokio::test]
async fn metadata_failure_keeps_the_transcripts() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&["1", "2"], None)))
        .expect(1)
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(gong_error(500, "extensive is down"))
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let data = client
        .calls_with_transcripts(&ids(&["1", "2"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1", "2"]);
    assert!(data.calls.is_empty());
    assert!(matches!(
        data.metadata_error,
        Some(GongError::Upstream { status: 500, .. })
    ));
    assert!(data.transcript_error.is_none());
    assert!(data.failed_call_ids.is_empty());
}

/// Transcripts for every batch except the one holding call `3`, which always fails.
struct FailBatchWith3;

impl Respond for FailBatchWith3 {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let asked = call_ids_of(request);
        if asked.iter().any(|id| id == "3") {
            return gong_error(502, "bad gateway");
        }
        let asked: Vec<&str> = asked.iter().map(String::as_str).collect();
        ResponseTemplate::new(200).set_body_json(transcript_page(&asked, None))
    }
}

/// Metadata for exactly the calls asked for.
struct EchoExtensive;

impl Respond for EchoExtensive {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let asked = call_ids_of(request);
        let asked: Vec<&str> = asked.iter().map(String::as_str).collect();
        ResponseTemplate::new(200).set_body_json(extensive_page(&asked, None))
    }
}

#[tokio::test]
async fn a_failed_transcript_batch_is_reported_and_the_others_kept() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(FailBatchWith3)
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(EchoExtensive)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.batch_size = 2;
    config.max_retries = 1;
    let client = GongClient::new(config).unwrap();
    let data = client
        .calls_with_transcripts(&ids(&["1", "2", "3", "4", "5"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1", "2", "5"]);
    assert_eq!(data.failed_call_ids, ["3", "4"]);
    assert!(matches!(
        data.transcript_error,
        Some(GongError::Upstream { status: 502, .. })
    ));
    let call_ids: Vec<&str> = data.calls.iter().map(|c| c.meta_data.id.as_str()).collect();
    assert_eq!(call_ids, ["1", "2", "3", "4", "5"]);
    assert!(data.metadata_error.is_none());
}

#[tokio::test]
async fn every_transcript_batch_failing_is_an_error() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(gong_error(401, "Access denied"))
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(ResponseTemplate::new(200).set_body_json(extensive_page(&["1"], None)))
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.batch_size = 1;
    let client = GongClient::new(config).unwrap();
    assert!(matches!(
        client.calls_with_transcripts(&ids(&["1", "2"])).await,
        Err(GongError::Unauthorized { status: 401, .. })
    ));
}

#[tokio::test]
async fn slow_metadata_past_the_deadline_still_returns_the_transcripts() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&["1"], None)))
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(extensive_page(&["1"], None))
                .set_delay(Duration::from_secs(20)),
        )
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.deadline = Duration::from_millis(300);
    let client = GongClient::new(config).unwrap();
    let data = client.calls_with_transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1"]);
    assert!(matches!(
        data.metadata_error,
        Some(GongError::DeadlineExceeded(_))
    ));
}
