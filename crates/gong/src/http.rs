//! One request to Gong, through the process-wide limiter, a time limit per attempt, and retries.
//!
//! Logs carry method, path, status, attempt and elapsed time only: never bodies (they hold
//! transcript text) and never the `Authorization` header.

use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::time::Instant;
use url::Url;

use crate::limiter::Limiter;
use crate::retry::{self, StatusClass, MAX_DECODE_RETRIES};
use crate::{wire, GongError};

/// Longest error message taken from a Gong error body.
const MAX_MESSAGE_CHARS: usize = 300;

/// A request to send: everything needed to repeat it identically on retry.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    method: Method,
    path: &'static str,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
}

impl Call {
    /// `POST <path>` with `body` as JSON.
    pub(crate) fn post<B: Serialize>(path: &'static str, body: &B) -> Result<Self, GongError> {
        let body = serde_json::to_vec(body).map_err(|e| {
            GongError::Config(format!("could not encode the request to {path}: {e}"))
        })?;
        Ok(Self {
            method: Method::POST,
            path,
            query: Vec::new(),
            body: Some(body),
        })
    }

    /// `GET <path>?<query>`.
    pub(crate) fn get(path: &'static str, query: Vec<(&'static str, String)>) -> Self {
        Self {
            method: Method::GET,
            path,
            query,
            body: None,
        }
    }
}

/// The HTTP side of the client: shared by all clones through the client's `Arc`.
pub(crate) struct Transport {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: Url,
    pub(crate) auth: HeaderValue,
    pub(crate) limiter: Limiter,
    pub(crate) attempt_timeout: Duration,
    /// The configured deadline of a whole operation, named when one runs out.
    pub(crate) deadline: Duration,
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
}

/// What one attempt came to.
enum Outcome<T> {
    /// A decoded answer, or `None` for Gong's "nothing matches" 404.
    Done(Option<T>),
    /// Worth another attempt, after `after` when the server said so.
    Retry {
        error: GongError,
        after: Option<Duration>,
        decode: bool,
    },
    /// Retrying cannot help.
    Fail(GongError),
}

impl Transport {
    /// Sends `call` until it succeeds, fails for good, or the retries run out. Waits that would
    /// end past `deadline` are not started: the last error is returned at once instead, which
    /// says more than a timeout would.
    ///
    /// `prepaid` says the first attempt's slot was already taken from the limiter (the
    /// scheduler takes it before choosing the batch); every other attempt waits for its own.
    /// A 429 pauses every request of the process, not only this one's retry.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        call: &Call,
        deadline: Instant,
        prepaid: bool,
    ) -> Result<Option<T>, GongError> {
        let mut url = self.base_url.join(call.path).map_err(|e| {
            GongError::Config(format!("cannot build the URL for {}: {e}", call.path))
        })?;
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(call.query.iter());
        }
        let mut retries = 0u32;
        let mut decode_retries = 0u32;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if !(prepaid && attempt == 1) {
                self.limiter.acquire().await?;
            }
            let started = Instant::now();
            let limit = attempt_limit(
                self.attempt_timeout,
                deadline.saturating_duration_since(started),
            );
            let (status, outcome) = self.attempt::<T>(call, &url, limit).await;
            let elapsed = started.elapsed();
            let elapsed_ms = elapsed.as_millis();
            crate::metrics::request(call.path, status, elapsed);
            tracing::debug!(
                method = %call.method,
                path = call.path,
                status,
                attempt,
                elapsed_ms,
                "gong request"
            );
            let (error, after, decode) = match outcome {
                Outcome::Done(value) => return Ok(value),
                Outcome::Fail(error) => return Err(error),
                Outcome::Retry {
                    error,
                    after,
                    decode,
                } => (error, after, decode),
            };
            let budget_left =
                retries < self.max_retries && (!decode || decode_retries < MAX_DECODE_RETRIES);
            if !budget_left {
                return Err(error);
            }
            let wait = after.unwrap_or_else(|| retry::backoff(self.initial_backoff, retries));
            if matches!(error, GongError::RateLimited { .. }) {
                self.limiter.pause(wait).await;
            }
            crate::metrics::retry(call.path, &error);
            let remaining = deadline.saturating_duration_since(Instant::now());
            let outlasts_deadline = wait >= remaining;
            let next = if outlasts_deadline {
                "gong request not retried: the wait would outlast the deadline"
            } else {
                "gong request will be retried"
            };
            tracing::warn!(
                method = %call.method,
                path = call.path,
                status,
                attempt,
                wait_ms = wait.as_millis(),
                error = %error,
                "{next}"
            );
            if outlasts_deadline {
                return Err(error);
            }
            tokio::time::sleep(wait).await;
            retries += 1;
            if decode {
                decode_retries += 1;
            }
        }
    }

    /// One attempt within `limit`; also returns the status seen, for logs.
    async fn attempt<T: DeserializeOwned>(
        &self,
        call: &Call,
        url: &Url,
        limit: Duration,
    ) -> (Option<u16>, Outcome<T>) {
        let mut request = self
            .http
            .request(call.method.clone(), url.clone())
            .header(AUTHORIZATION, self.auth.clone());
        if let Some(body) = &call.body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        let exchange = async {
            let response = request.send().await?;
            let status = response.status();
            let retry_after = retry::retry_after(response.headers());
            let body = response.bytes().await;
            Ok::<_, reqwest::Error>((status, retry_after, body))
        };
        let (status, retry_after, body) = match tokio::time::timeout(limit, exchange).await {
            Err(_) => {
                return (
                    None,
                    Outcome::Retry {
                        error: GongError::Transport(format!(
                            "no answer within {}",
                            crate::error::human(limit)
                        )),
                        after: None,
                        decode: false,
                    },
                )
            }
            Ok(Err(e)) => return (None, send_error(&e)),
            Ok(Ok(parts)) => parts,
        };
        let code = status.as_u16();
        let body = match body {
            Ok(body) => body,
            Err(e) => {
                let error = GongError::InvalidResponse(format!(
                    "the body of a {code} answer from {} was cut off: {}",
                    call.path,
                    error_chain(&e)
                ));
                return (Some(code), retry_decode(error));
            }
        };
        let outcome = match retry::classify(status) {
            StatusClass::Success => match decode::<T>(&body) {
                Ok(value) => Outcome::Done(Some(value)),
                Err(e) => retry_decode(GongError::InvalidResponse(format!(
                    "the answer from {} is not the expected JSON ({})",
                    call.path,
                    describe_json_error(&e)
                ))),
            },
            StatusClass::NotFound => {
                let message = error_message(&body, status);
                if !message.contains("No calls found") {
                    tracing::warn!(
                        path = call.path,
                        "gong answered 404 without \"No calls found\"; treated as an empty result"
                    );
                }
                Outcome::Done(None)
            }
            StatusClass::Unauthorized => Outcome::Fail(GongError::Unauthorized {
                status: code,
                message: error_message(&body, status),
            }),
            StatusClass::RateLimited => Outcome::Retry {
                error: GongError::RateLimited { retry_after },
                after: retry_after,
                decode: false,
            },
            StatusClass::Transient => Outcome::Retry {
                error: GongError::Upstream {
                    status: code,
                    message: error_message(&body, status),
                },
                after: None,
                decode: false,
            },
            StatusClass::Permanent => Outcome::Fail(GongError::Upstream {
                status: code,
                message: error_message(&body, status),
            }),
        };
        (Some(code), outcome)
    }
}

/// Decodes a 200 body. Validating the UTF-8 of the whole body at once and decoding it as a
/// `str` is faster than `from_slice`, which validates every string on its own (transcripts
/// are tens of thousands of short strings); a body that is not UTF-8 goes through
/// `from_slice`, so errors read exactly as before.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
}

fn retry_decode<T>(error: GongError) -> Outcome<T> {
    Outcome::Retry {
        error,
        after: None,
        decode: true,
    }
}

/// A failure before any status arrived: connection refused or reset, DNS, TLS. Retried, except
/// for a request that could not even be built.
fn send_error<T>(e: &reqwest::Error) -> Outcome<T> {
    let error = GongError::Transport(error_chain(e));
    if e.is_builder() {
        Outcome::Fail(error)
    } else {
        Outcome::Retry {
            error,
            after: None,
            decode: false,
        }
    }
}

/// The error and its causes on one line, without the URL.
fn error_chain(e: &reqwest::Error) -> String {
    let mut text = DisplayWithoutUrl(e).to_string();
    let mut current = std::error::Error::source(e);
    while let Some(err) = current {
        text.push_str(": ");
        text.push_str(&err.to_string());
        current = err.source();
    }
    text
}

/// Displays a reqwest error the way it reads without its URL.
struct DisplayWithoutUrl<'a>(&'a reqwest::Error);

impl std::fmt::Display for DisplayWithoutUrl<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let e = self.0;
        let kind = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "could not connect"
        } else if e.is_body() {
            "error reading the body"
        } else if e.is_decode() {
            "error decoding the body"
        } else if e.is_request() {
            "error sending the request"
        } else if e.is_redirect() {
            "too many redirects"
        } else {
            "HTTP error"
        };
        f.write_str(kind)
    }
}

/// What went wrong decoding JSON, by position only: serde's messages can quote the payload, and
/// payloads hold transcript text.
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "the body ends early",
        Category::Syntax => "not valid JSON",
        Category::Data => "unexpected shape",
        Category::Io => "read error",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// The `errors` of a Gong error body, or the status's reason phrase when there are none.
fn error_message(body: &[u8], status: reqwest::StatusCode) -> String {
    let from_body = serde_json::from_slice::<wire::ErrorBody>(body)
        .ok()
        .map(|b| b.errors.join("; "))
        .filter(|m| !m.trim().is_empty());
    let message = from_body.unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("no error message")
            .to_owned()
    });
    if message.chars().count() > MAX_MESSAGE_CHARS {
        let mut cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
        cut.push('…');
        cut
    } else {
        message
    }
}

/// How long one attempt may take with `left` until the operation's deadline: at least the
/// configured `minimum` (`attempt_timeout`), more when there is time for it (half of what is
/// left, so a stuck attempt still leaves room for a retry). A slow Gong that answers in 12 s
/// thus succeeds inside a 30 s deadline instead of failing every 10 s attempt. When that would
/// reach the deadline anyway, the attempt gets a little longer than what is left, so the
/// operation's deadline ends it and says so ([`GongError::DeadlineExceeded`]).
fn attempt_limit(minimum: Duration, left: Duration) -> Duration {
    let limit = minimum.max(left / 2);
    if limit >= left {
        left + DEADLINE_GRACE
    } else {
        limit
    }
}

/// How far past the deadline an attempt's own limit lies, so the deadline fires first.
const DEADLINE_GRACE: Duration = Duration::from_secs(1);

#[cfg(test)]
mod tests {
    #[test]
    fn attempts_get_half_the_time_left_but_at_least_the_minimum_and_the_deadline_ends_the_last() {
        let s = Duration::from_secs;
        assert_eq!(attempt_limit(s(10), s(30)), s(15));
        assert_eq!(attempt_limit(s(10), s(16)), s(10));
        assert_eq!(attempt_limit(s(10), s(4)), s(5));
        assert_eq!(attempt_limit(s(10), Duration::ZERO), DEADLINE_GRACE);
    }

    use super::*;
    use reqwest::StatusCode;

    #[test]
    fn error_message_prefers_gong_errors() {
        let body = br#"{"requestId":"r1","errors":["No calls found corresponding to the provided filters"]}"#;
        assert_eq!(
            error_message(body, StatusCode::NOT_FOUND),
            "No calls found corresponding to the provided filters"
        );
        assert_eq!(
            error_message(b"<html>oops</html>", StatusCode::BAD_GATEWAY),
            "Bad Gateway"
        );
        let long = format!(r#"{{"errors":["{}"]}}"#, "x".repeat(1000));
        assert_eq!(
            error_message(long.as_bytes(), StatusCode::BAD_REQUEST)
                .chars()
                .count(),
            MAX_MESSAGE_CHARS + 1
        );
    }

    #[test]
    fn decoding_a_str_or_bytes_fails_alike() {
        let cases: [&[u8]; 4] = [
            br#"{"text": 5, "start": 1}"#,
            br#"{"text": "cut"#,
            b"{\"text\": \"\xff\"}",
            br#"{"text": "ok", "start": 1, "end": 2}"#,
        ];
        for body in cases {
            let ours = decode::<wire::Sentence>(body);
            let plain = serde_json::from_slice::<wire::Sentence>(body);
            match (ours, plain) {
                (Ok(a), Ok(b)) => assert_eq!(a, b),
                (Err(a), Err(b)) => assert_eq!(describe_json_error(&a), describe_json_error(&b)),
                (a, b) => panic!("{a:?} vs {b:?}"),
            }
        }
    }

    #[test]
    fn json_errors_never_quote_the_payload() {
        let e = serde_json::from_str::<wire::Sentence>(r#"{"text": 5, "start": "secret words"}"#)
            .unwrap_err();
        let text = describe_json_error(&e);
        assert!(text.starts_with("unexpected shape"), "{text}");
        assert!(!text.contains("secret"));
        let e = serde_json::from_str::<wire::Sentence>(r#"{"text": "cut"#).unwrap_err();
        assert!(describe_json_error(&e).starts_with("the body ends early"));
    }
}
