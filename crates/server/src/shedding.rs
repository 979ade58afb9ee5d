//! Load shedding for the expensive routes, and a caller's `x-request-id` kept short and safe.
//!
//! A transcripts or briefing request holds Gong and Salesforce answers and the text built from
//! them until its answer is written: hundreds at once grow memory without bound. A fixed number
//! run at a time; one more is answered at once with `503` and `Retry-After`, which ChatGPT and
//! MCP clients retry, instead of queueing work nobody may still be waiting for.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// What a shed request is told to wait before retrying.
const SHED_RETRY_AFTER: Duration = Duration::from_secs(2);

/// Longest `x-request-id` taken from a caller; longer or odd ones are replaced.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// The places of the expensive routes, shared by REST and MCP.
#[derive(Debug, Clone)]
pub struct Shedder {
    places: Arc<Semaphore>,
    limit: usize,
}

impl Shedder {
    /// At most `limit` expensive requests at once (at least one).
    pub fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        Self {
            places: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }
}

/// Middleware: runs the request in one of the places, or answers `503 overloaded` at once.
pub async fn shed_load(State(shedder): State<Shedder>, request: Request, next: Next) -> Response {
    match shedder.places.clone().try_acquire_owned() {
        Ok(place) => {
            let response = next.run(request).await;
            drop(place);
            response
        }
        Err(_) => {
            tracing::warn!(
                max_concurrent_requests = shedder.limit,
                "request shed: too many expensive requests at once"
            );
            let mut error = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "callbrief is answering as many requests as it is set to; retry in a few seconds",
            );
            error.retry_after = Some(SHED_RETRY_AFTER);
            error.into_response()
        }
    }
}

/// Middleware, outside the request-id layer: a caller's `x-request-id` is kept only when it is
/// 1–[`MAX_REQUEST_ID_LEN`] characters of `A-Z a-z 0-9 - _ . :`; otherwise it is dropped and a
/// fresh id is generated, so a caller cannot grow the logs or inject text into them.
pub async fn sanitize_request_id(mut request: Request, next: Next) -> Response {
    let headers = request.headers_mut();
    let keep = headers
        .get("x-request-id")
        .map(is_safe_request_id)
        .unwrap_or(true);
    if !keep {
        headers.remove("x-request-id");
    }
    next.run(request).await
}

fn is_safe_request_id(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_REQUEST_ID_LEN
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        let ok = |s: &str| is_safe_request_id(&HeaderValue::from_str(s).unwrap());
        assert!(ok("bf64662b-879d-45e8-bfe9-e345c0102e39"));
        assert!(ok("req_1.2:3"));
        assert!(!ok(""));
        assert!(!ok(&"a".repeat(MAX_REQUEST_ID_LEN + 1)));
        assert!(ok(&"a".repeat(MAX_REQUEST_ID_LEN)));
        assert!(!ok("a b"));
        assert!(!ok("id\"} injected"));
        assert!(!is_safe_request_id(
            &HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap()
        ));
    }
}
