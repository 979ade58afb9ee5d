//! The connection and request limits of the settings, seen from outside over real sockets.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{assert_error, org, sim_config, spawn_app_with, TestApp};

/// Gong's answer time in the simulator: the first request is still in Gong while the second
/// arrives (the test waits for the simulator to report it in flight, not for time to pass).
const GONG_LATENCY: Duration = Duration::from_millis(500);

async fn slow_gong_app(tweak: impl FnOnce(&mut server::Settings)) -> TestApp {
    let sim_cfg = sim::gong::GongSimConfig {
        faults: sim::gong::Faults {
            latency: GONG_LATENCY,
            ..sim::gong::Faults::default()
        },
        ..sim_config()
    };
    spawn_app_with(sim_cfg, tweak).await
}

/// Waits until the Gong simulator has a request in flight (it says when one starts).
async fn until_gong_is_busy(app: &TestApp) {
    app.sim.stats.wait_until(|s| s.in_flight() > 0).await;
}

#[tokio::test]
async fn expensive_requests_past_the_limit_are_shed_with_retry_after() {
    let app = slow_gong_app(|s| s.connections.max_concurrent_requests = 1).await;
    let org = org();
    let first_body = json!({ "callIds": [org.calls[0].gong_id] });
    let second_body = json!({ "callIds": [org.calls[1].gong_id] });
    let first = tokio::spawn({
        let (http, url) = (
            app.http.clone(),
            format!("{}/callTranscripts", app.base_url),
        );
        async move {
            http.post(url)
                .bearer_auth(crate::helpers::API_KEY)
                .json(&first_body)
                .send()
                .await
                .unwrap()
        }
    });
    until_gong_is_busy(&app).await;
    let second = app.post_transcripts(&second_body).await;
    let retry_after = second.headers().get("retry-after").cloned();
    assert_error(second, 503, "overloaded", "retry").await;
    assert_eq!(retry_after.unwrap(), "2");
    // The request that had the place is answered in full, and the place is free again.
    assert_eq!(first.await.unwrap().status(), 200);
    assert_eq!(app.post_transcripts(&second_body).await.status(), 200);
    // Cheap public routes are never shed.
    let health = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

/// One request on a raw connection, kept alive; returns the answer's head.
async fn keep_alive_request(stream: &mut TcpStream) -> String {
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_connection_over_the_limit_is_refused_with_a_503_not_left_hanging() {
    let app = slow_gong_app(|s| s.connections.max_connections = 2).await;
    let addr = app.base_url.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        let head = keep_alive_request(&mut stream).await;
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        held.push(stream);
    }
    // Both places are taken by open keep-alive connections: the third is answered and closed.
    let mut third = TcpStream::connect(&addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    third.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("retry-after: 1"), "{answer}");
    assert!(answer.contains("too_many_connections"), "{answer}");

    // Closing one frees its place: once the server has closed its end, a new connection is
    // served again.
    let mut freed = held.pop().unwrap();
    freed.shutdown().await.unwrap();
    let mut rest = Vec::new();
    freed.read_to_end(&mut rest).await.unwrap();
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    let head = keep_alive_request(&mut stream).await;
    assert!(
        head.starts_with("HTTP/1.1 200"),
        "the freed place was not reused: {head}"
    );
}

#[tokio::test]
async fn a_callers_request_id_is_kept_only_when_short_and_plain() {
    let app = slow_gong_app(|_| {}).await;
    let health = |id: String| {
        let app = &app;
        async move {
            let response = app
                .http
                .get(format!("{}/healthz", app.base_url))
                .header("x-request-id", id)
                .send()
                .await
                .unwrap();
            response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(health("trace-42.a:b_c".into()).await, "trace-42.a:b_c");
    let long = "a".repeat(300);
    let replaced = health(long.clone()).await;
    assert_ne!(replaced, long);
    assert!(replaced.len() <= 64, "{replaced}");
    let odd = health("x\" injected=1".into()).await;
    assert!(!odd.contains('"'), "{odd}");
}
