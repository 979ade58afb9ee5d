//! JSON-RPC error bodies for every refusal of the `/mcp` transport.
//!
//! The MCP SDK answers transport-level refusals (a body that is not JSON, a missing `Accept`,
//! a method other than POST) with plain text, and a body that does not parse with 415 as if its
//! media type were wrong. A client reading JSON-RPC gets a body it cannot parse. This layer
//! gives each such answer a JSON-RPC error object (`id: null`, as JSON-RPC 2.0 requires when
//! the request's id is unknown) and turns the parse failure of a JSON body into
//! `400` with code `-32700`. Answers that are already JSON pass untouched.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

/// JSON-RPC 2.0: invalid JSON was received.
const PARSE_ERROR: i64 = -32700;
/// JSON-RPC 2.0: the JSON sent is not a valid request.
const INVALID_REQUEST: i64 = -32600;
/// The most of a plain-text refusal read to rewrite it; the SDK's are one short line.
const MAX_REFUSAL_BYTES: usize = 4096;

fn is_json(value: Option<&HeaderValue>) -> bool {
    value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// The middleware: see the module docs.
pub async fn json_rpc_refusals(request: Request, next: Next) -> Response {
    let sent_json = is_json(request.headers().get(header::CONTENT_TYPE));
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || is_json(response.headers().get(header::CONTENT_TYPE))
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = to_bytes(body, MAX_REFUSAL_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let (status, code, message) = if status == StatusCode::UNSUPPORTED_MEDIA_TYPE && sent_json {
        // The media type was right: the body itself did not parse.
        (
            StatusCode::BAD_REQUEST,
            PARSE_ERROR,
            "the request body is not valid JSON-RPC JSON".to_owned(),
        )
    } else {
        let message = if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("request refused")
                .to_owned()
        } else {
            text
        };
        (status, INVALID_REQUEST, message)
    };
    let body = json!({
        "jsonrpc": "2.0",
        "id": null,
        "error": { "code": code, "message": message },
    });
    parts.status = status;
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body.to_string()))
}
