//! Shared fixtures for the wiremock suites: a fast client configuration and Gong-shaped bodies.

#![allow(dead_code)]

use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use gong::wire::CallId;
use gong::{GongAuth, GongConfig};
use secrecy::SecretString;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const KEY: &str = "demo-access-key";
pub const SECRET: &str = "demo-access-key-secret";
/// `base64("demo-access-key:demo-access-key-secret")`.
pub const BASIC: &str = "Basic ZGVtby1hY2Nlc3Mta2V5OmRlbW8tYWNjZXNzLWtleS1zZWNyZXQ=";

pub fn basic_auth() -> GongAuth {
    GongAuth::Basic {
        access_key: KEY.into(),
        access_key_secret: SecretString::from(SECRET),
    }
}

/// A configuration for tests: no rate limit, millisecond backoffs, a few seconds of deadline.
pub fn config(server: &MockServer) -> GongConfig {
    config_for(&server.uri(), basic_auth())
}

pub fn config_for(base: &str, auth: GongAuth) -> GongConfig {
    let mut config = GongConfig::new(base, auth).unwrap();
    config.requests_per_second = 0;
    config.initial_backoff = Duration::from_millis(5);
    config.attempt_timeout = Duration::from_secs(3);
    config.deadline = Duration::from_secs(5);
    config
}

/// One sample org for the whole test binary: generating it is the slow part of starting a
/// simulator.
pub fn sample_org() -> Arc<sim::org::SampleOrg> {
    static ORG: OnceLock<Arc<sim::org::SampleOrg>> = OnceLock::new();
    ORG.get_or_init(sim::org::SampleOrg::shared_for_today)
        .clone()
}

/// A Gong simulator on this runtime (so paused tokio time drives its delays and windows) with
/// `config`, and a client configuration for it.
pub async fn simulator(config: sim::gong::GongSimConfig) -> (sim::gong::RunningSim, GongConfig) {
    let running = sim::gong::spawn(sample_org(), config).await.unwrap();
    let config = config_for(&running.base_url, basic_auth());
    (running, config)
}

/// Gong ids of the first `n` sample calls.
pub fn sample_call_ids(n: usize) -> Vec<CallId> {
    sample_org()
        .calls
        .iter()
        .take(n)
        .map(|c| CallId::parse("id", &c.gong_id).unwrap())
        .collect()
}

/// A call id from its text.
pub fn id(text: &str) -> CallId {
    CallId::parse("id", text).unwrap()
}

/// Texts, to compare with the ids a request carried.
pub fn texts(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Call ids from their text.
pub fn ids(list: &[&str]) -> Vec<CallId> {
    list.iter()
        .map(|s| CallId::parse("id", s).unwrap())
        .collect()
}

/// One transcript with a single monologue, so results can be told apart by call id.
pub fn transcript(id: &str) -> Value {
    json!({
        "callId": id,
        "transcript": [{
            "speakerId": format!("s-{id}"),
            "topic": null,
            "sentences": [{"start": 0, "end": 1500, "text": format!("hello from {id}")}]
        }]
    })
}

pub fn transcript_page(ids: &[&str], cursor: Option<&str>) -> Value {
    let mut records = json!({
        "totalRecords": ids.len(),
        "currentPageSize": ids.len(),
        "currentPageNumber": 0
    });
    if let Some(cursor) = cursor {
        records["cursor"] = json!(cursor);
    }
    json!({
        "requestId": "req-t",
        "records": records,
        "callTranscripts": ids.iter().map(|id| transcript(id)).collect::<Vec<_>>()
    })
}

pub fn extensive_call(id: &str) -> Value {
    json!({
        "metaData": {
            "id": id,
            "url": format!("https://app.gong.io/call?id={id}"),
            "title": format!("Call {id}"),
            "started": "2024-05-01T10:00:00Z",
            "duration": 1800,
            "someFieldGongAddedLater": {"nested": true}
        },
        "parties": [{
            "id": "p1",
            "emailAddress": "ann@acme.com",
            "name": "Ann",
            "speakerId": format!("s-{id}"),
            "affiliation": "External"
        }]
    })
}

pub fn extensive_page(ids: &[&str], cursor: Option<&str>) -> Value {
    let mut records =
        json!({"totalRecords": ids.len(), "currentPageSize": ids.len(), "currentPageNumber": 0});
    if let Some(cursor) = cursor {
        records["cursor"] = json!(cursor);
    }
    json!({
        "requestId": "req-e",
        "records": records,
        "calls": ids.iter().map(|id| extensive_call(id)).collect::<Vec<_>>()
    })
}

/// Gong's answer when a filter matches nothing.
pub fn no_calls_found() -> ResponseTemplate {
    ResponseTemplate::new(404).set_body_json(json!({
        "requestId": "req-404",
        "errors": ["No calls found corresponding to the provided filters"]
    }))
}

pub fn gong_error(status: u16, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_json(json!({"requestId": "req-err", "errors": [message]}))
}

pub fn post(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(path(p))
}

pub fn call_ids_of(request: &wiremock::Request) -> Vec<String> {
    let body: Value = request.body_json().unwrap();
    body["filter"]["callIds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

pub fn transcript_ids(transcripts: &[gong::wire::CallTranscript]) -> Vec<&str> {
    transcripts.iter().map(|t| t.call_id.as_str()).collect()
}

/// Waits until `done` holds, woken by each change of the client's queues (bounded, so a
/// broken scheduler fails the test instead of hanging it).
pub async fn until(client: &gong::GongClient, what: &str, mut done: impl FnMut() -> bool) {
    let mut changes = client.scheduler_changes();
    let holds = async {
        while !done() {
            if changes.changed().await.is_err() {
                return false;
            }
        }
        true
    };
    let held = tokio::time::timeout(Duration::from_secs(10), holds).await;
    assert!(matches!(held, Ok(true)), "gave up waiting until {what}");
}
