//! Logging setup and the per-request span.
//!
//! Logs carry method, path (never the query: `?code=` may hold an API key), status, latency and
//! the request id; never bodies (they hold transcript text, which is also why the MCP library's
//! debug logs are kept off) and never credential headers (marked sensitive before any layer
//! could print them).

use std::fs::File;
use std::io::IsTerminal;
use std::sync::Mutex;

use axum::http::Request;
use tower_http::request_id::RequestId;
use tracing::Span;
use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber, writing to stderr so stdout stays clean for command output.
///
/// `RUST_LOG` overrides `default_filter`. Safe to call more than once (later calls are no-ops),
/// so tests and the demo can call it freely.
pub fn init(format: LogFormat, default_filter: &str) {
    let ansi = std::io::stderr().is_terminal();
    install(
        format,
        default_filter,
        BoxMakeWriter::new(std::io::stderr),
        ansi,
    );
}

/// Installs the global subscriber writing to `file` instead of stderr, for commands whose
/// terminal output is the point (the demo's walkthrough) and must not be interleaved with logs.
/// Otherwise as [`init`].
pub fn init_to_file(format: LogFormat, default_filter: &str, file: File) {
    install(
        format,
        default_filter,
        BoxMakeWriter::new(Mutex::new(file)),
        false,
    );
}

fn install(format: LogFormat, default_filter: &str, writer: BoxMakeWriter, ansi: bool) {
    let directives = std::env::var("RUST_LOG").unwrap_or_else(|_| default_filter.to_owned());
    let builder = fmt()
        .with_env_filter(log_filter(&directives, default_filter))
        .with_writer(writer)
        .with_ansi(ansi)
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

/// Most verbose level of the MCP library's own logs: at `debug` it prints every tool call's
/// arguments and whole result (transcript text), so `RUST_LOG=debug` must not reach it.
const MCP_LIBRARY_CEILING: &str = "rmcp=info";

/// The filter for `directives` (`RUST_LOG` syntax; `default_filter` when they do not parse),
/// with the MCP library held to `info` whatever they say (see [`MCP_LIBRARY_CEILING`]).
pub fn log_filter(directives: &str, default_filter: &str) -> EnvFilter {
    let filter = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new(default_filter));
    match MCP_LIBRARY_CEILING.parse() {
        Ok(ceiling) => filter.add_directive(ceiling),
        Err(_) => filter,
    }
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
        path = %loggable(request.uri().path()),
        request_id = %request_id,
    )
}

/// Longest text from a client that goes into a log line, in characters.
pub const MAX_LOGGED_CHARS: usize = 256;

/// `text` from a client as a log line may hold it: control and invisible formatting characters
/// escaped (`\u{202e}`), so it cannot forge lines or reorder what a reader sees, and cut to
/// [`MAX_LOGGED_CHARS`] with a mark, so a long path or name cannot flood the log.
pub fn loggable(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_LOGGED_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() || crate::oauth::server::clients::is_format(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_text_is_escaped_and_cut_for_the_log() {
        assert_eq!(loggable("/accounts/search"), "/accounts/search");
        assert_eq!(loggable("a\nb\u{202e}c"), "a\\u{a}b\\u{202e}c");
        let long = loggable(&"x".repeat(10_000));
        assert_eq!(long.chars().count(), MAX_LOGGED_CHARS + 1);
        assert!(long.ends_with('…'));
    }
}
