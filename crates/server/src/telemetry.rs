//! Logging setup and the per-request span.
//!
//! Logs carry method, path (never the query: `?code=` may hold an API key), status, latency and
//! the request id; never bodies (they hold transcript text) and never credential headers (marked
//! sensitive before any layer could print them).

use std::io::IsTerminal;

use axum::http::Request;
use tower_http::request_id::RequestId;
use tracing::Span;
use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber, writing to stderr so stdout stays clean for command output.
///
/// `RUST_LOG` overrides `default_filter`. Safe to call more than once (later calls are no-ops),
/// so tests and the demo can call it freely.
pub fn init(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
    // An already installed subscriber is fine: the first one wins.
    drop(result);
}

/// The span every request runs in: method, path and request id. The query string is left out
/// on purpose (it may carry `code=<API key>`).
pub fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %request_id,
    )
}
