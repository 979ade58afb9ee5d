//! How the client lives with Gong's failures: empty 404s, rate limits, 5xx, broken bodies,
//! rejected credentials, endless cursors and the overall deadline.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::*;
use gong::{GongClient, GongError};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

#[tokio::test]
async fn no_calls_found_is_an_empty_result_not_an_error() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(no_calls_found())
        .expect(2)
        .mount(&server)
        .await;
    post("/v2/calls/extensive")
        .respond_with(no_calls_found())
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    assert!(client.transcripts(&ids(&["404"])).await.unwrap().is_empty());
    let data = client.calls_with_transcripts(&ids(&["404"])).await.unwrap();
    assert!(data.transcripts.is_empty() && data.calls.is_empty());
    assert!(data.transcript_error.is_none() && data.metadata_error.is_none());
}

#[tokio::test]
async fn any_404_on_a_later_page_ends_the_list() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .and(wiremock::matchers::body_partial_json(
            json!({"cursor": "c1"}),
        ))
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&["1"], Some("c1"))))
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let transcripts = client.transcripts(&ids(&["1", "2"])).await.unwrap();
    assert_eq!(transcript_ids(&transcripts), ["1"]);
}

#[tokio::test]
async fn retry_after_longer_than_the_deadline_fails_at_once_as_rate_limited() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(gong_error(429, "Too many requests").insert_header("Retry-After", "30"))
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    match client.transcripts(&ids(&["1"])).await {
        Err(GongError::RateLimited { retry_after }) => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)));
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_limited_without_retry_after_backs_off_and_gives_up_after_max_retries() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(429))
        .expect(3)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.max_retries = 2;
    let client = GongClient::new(config).unwrap();
    assert!(matches!(
        client.transcripts(&ids(&["1"])).await,
        Err(GongError::RateLimited { retry_after: None })
    ));
}

#[tokio::test]
async fn server_errors_twice_then_success() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(gong_error(500, "Internal error"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&["1"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    let transcripts = client.transcripts(&ids(&["1"])).await.unwrap();
    assert_eq!(transcript_ids(&transcripts), ["1"]);
}

#[tokio::test]
async fn server_errors_forever_end_as_upstream_after_max_retries() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(gong_error(503, "Service unavailable"))
        .expect(5)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    match client.transcripts(&ids(&["1"])).await {
        Err(GongError::Upstream { status, message }) => {
            assert_eq!(status, 503);
            assert_eq!(message, "Service unavailable");
        }
        other => panic!("expected Upstream, got {other:?}"),
    }
}

#[tokio::test]
async fn bad_request_is_not_retried() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(gong_error(400, "callIds must be numeric"))
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    match client.transcripts(&ids(&["1"])).await {
        Err(GongError::Upstream { status, message }) => {
            assert_eq!(status, 400);
            assert_eq!(message, "callIds must be numeric");
        }
        other => panic!("expected Upstream 400, got {other:?}"),
    }
}

#[tokio::test]
async fn rejected_credentials_are_unauthorized_and_not_retried() {
    for status in [401, 403] {
        let server = MockServer::start().await;
        post("/v2/calls/transcript")
            .respond_with(gong_error(status, "Access denied"))
            .expect(1)
            .mount(&server)
            .await;
        let client = GongClient::new(config(&server)).unwrap();
        match client.transcripts(&ids(&["1"])).await {
            Err(GongError::Unauthorized {
                status: got,
                message,
            }) => {
                assert_eq!(got, status);
                assert_eq!(message, "Access denied");
            }
            other => panic!("expected Unauthorized, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn invalid_json_is_retried_twice_then_invalid_response() {
    let server = MockServer::start().await;
    let cut = r#"{"requestId":"r","records":{"totalRecords":1},"callTranscripts":[{"callId":"1","transcript":[{"speakerId":"s","sentences":[{"text":"secret deal ter"#;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(200).set_body_raw(cut, "application/json"))
        .expect(3)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    match client.transcripts(&ids(&["1"])).await {
        Err(GongError::InvalidResponse(message)) => {
            assert!(message.contains("ends early"), "{message}");
            assert!(
                !message.contains("secret deal"),
                "no payload in errors: {message}"
            );
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
}

#[tokio::test]
async fn invalid_json_once_then_success() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>", "text/html"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&["1"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    assert_eq!(client.transcripts(&ids(&["1"])).await.unwrap().len(), 1);
}

/// A server that promises a long body, sends the start of it and hangs up, on every connection.
async fn cut_off_server() -> (String, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Read the whole request: headers, then Content-Length bytes of body.
                loop {
                    let Ok(n) = socket.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let partial =
                    br#"{"requestId":"r","callTranscripts":[{"callId":"1","transcript":[{"speak"#;
                let head: &[u8] =
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 5000\r\n\r\n";
                let _ = socket.write_all(head).await;
                let _ = socket.write_all(partial).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), connections)
}

#[tokio::test]
async fn body_cut_off_mid_stream_is_retried_then_invalid_response() {
    let (base, connections) = cut_off_server().await;
    let client = GongClient::new(config_for(&base, basic_auth())).unwrap();
    match client.transcripts(&ids(&["1"])).await {
        Err(GongError::InvalidResponse(message)) => {
            assert!(message.contains("cut off"), "{message}");
        }
        other => panic!("expected InvalidResponse, got {other:?}"),
    }
    assert_eq!(
        connections.load(Ordering::SeqCst),
        3,
        "one attempt and two retries"
    );
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut config = config_for(&base, basic_auth());
    config.max_retries = 1;
    let client = GongClient::new(config).unwrap();
    match client.transcripts(&ids(&["1"])).await {
        Err(GongError::Transport(message)) => {
            assert!(message.contains("connect"), "{message}");
            assert!(!message.contains(&base), "no URL in the message: {message}");
        }
        other => panic!("expected Transport, got {other:?}"),
    }
}

#[tokio::test]
async fn slow_answers_end_in_deadline_exceeded() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(transcript_page(&["1"], None))
                .set_delay(Duration::from_secs(20)),
        )
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
    config.attempt_timeout = Duration::from_secs(20);
    let client = GongClient::new(config).unwrap();
    assert!(matches!(
        client.transcripts(&ids(&["1"])).await,
        Err(GongError::DeadlineExceeded(d)) if d == Duration::from_millis(300)
    ));
    assert!(matches!(
        client.calls_with_transcripts(&ids(&["1"])).await,
        Err(GongError::DeadlineExceeded(_))
    ));
}

#[tokio::test]
async fn attempts_that_time_out_are_retried() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(transcript_page(&["1"], None))
                .set_delay(Duration::from_secs(20)),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    post("/v2/calls/transcript")
        .respond_with(ResponseTemplate::new(200).set_body_json(transcript_page(&["1"], None)))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = config(&server);
    // Long enough for the second, prompt answer on a busy machine.
    config.attempt_timeout = Duration::from_millis(500);
    let client = GongClient::new(config).unwrap();
    assert_eq!(client.transcripts(&ids(&["1"])).await.unwrap().len(), 1);
}

/// Gong answering more slowly than the configured attempt time, but well inside the deadline:
/// the attempt gets the time that is left (half of it), so the answer arrives instead of every
/// attempt being cut off.
#[tokio::test]
async fn a_slow_answer_inside_the_deadline_is_waited_for() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(transcript_page(&["1"], None))
                .set_delay(Duration::from_millis(300)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.attempt_timeout = Duration::from_millis(100);
    config.deadline = Duration::from_secs(2);
    let client = GongClient::new(config).unwrap();
    assert_eq!(client.transcripts(&ids(&["1"])).await.unwrap().len(), 1);
}

/// A cursor chain that never ends: every page points to a new page.
struct EndlessPages {
    page: AtomicUsize,
}

impl Respond for EndlessPages {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let n = self.page.fetch_add(1, Ordering::SeqCst);
        let cursor = format!("page-{}", n + 1);
        ResponseTemplate::new(200)
            .set_body_json(transcript_page(&["1"], Some(&cursor)))
            .set_delay(Duration::from_millis(50))
    }
}

#[tokio::test]
async fn a_cursor_chain_that_outlives_the_deadline_keeps_the_calls_that_arrived() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(EndlessPages {
            page: AtomicUsize::new(0),
        })
        .mount(&server)
        .await;
    let mut config = config(&server);
    // About twenty 50 ms pages fit; two are asked for, so a busy machine still gets there.
    config.deadline = Duration::from_secs(1);
    let client = GongClient::new(config).unwrap();
    // Every page holds call 1; call 2 never comes.
    let data = client
        .calls_with_transcripts(&ids(&["1", "2"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1"]);
    assert_eq!(data.failed_call_ids, ids(&["2"]));
    assert!(matches!(
        data.transcript_error,
        Some(GongError::DeadlineExceeded(_))
    ));
    let pages = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/v2/calls/transcript")
        .count();
    assert!(
        pages >= 2,
        "several pages were followed before the deadline: {pages}"
    );
    // With nothing at all before the deadline the whole call fails.
    assert!(matches!(
        client.transcripts(&ids(&["3"])).await,
        Err(GongError::DeadlineExceeded(_))
    ));
}

#[tokio::test]
async fn a_repeated_cursor_is_an_invalid_response_not_a_loop() {
    let server = MockServer::start().await;
    post("/v2/calls/transcript")
        .respond_with(
            ResponseTemplate::new(200).set_body_json(transcript_page(&["1"], Some("same"))),
        )
        .expect(2)
        .mount(&server)
        .await;
    let client = GongClient::new(config(&server)).unwrap();
    // Call 1 came on the first page and is kept; call 2 fails with the broken chain.
    let data = client
        .calls_with_transcripts(&ids(&["1", "2"]))
        .await
        .unwrap();
    assert_eq!(transcript_ids(&data.transcripts), ["1"]);
    assert_eq!(data.failed_call_ids, ids(&["2"]));
    assert!(matches!(
        data.transcript_error,
        Some(GongError::InvalidResponse(_))
    ));
}
