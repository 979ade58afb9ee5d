//! API-key authentication for the transcript routes.
//!
//! ChatGPT actions send a key as `Authorization: Bearer` or a custom header; the original middleware ran as an
//! Azure Function, whose callers send `x-functions-key` or `?code=`. All four are accepted so
//! existing GPT configurations keep working when pointed at callbrief.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use crate::error::ApiError;

/// Header carrying a key, the common API-gateway convention.
pub const X_API_KEY: &str = "x-api-key";
/// Header carrying a key, Azure Functions' convention (the original middleware's deployment).
pub const X_FUNCTIONS_KEY: &str = "x-functions-key";
/// Query parameter carrying a key, Azure Functions' other convention.
pub const CODE_QUERY_PARAM: &str = "code";

/// The accepted keys. An empty set means auth is off (only reachable with `--insecure-no-auth`).
#[derive(Clone, Default)]
pub struct ApiKeys {
    keys: Vec<SecretString>,
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} keys)", self.keys.len())
    }
}

impl ApiKeys {
    /// Wraps the configured keys.
    pub fn new(keys: Vec<SecretString>) -> Self {
        Self { keys }
    }

    /// True when no key is configured and every request is let through.
    pub fn is_disabled(&self) -> bool {
        self.keys.is_empty()
    }

    /// Compares `presented` with every key in constant time (no early exit on a match or on the
    /// first differing byte), so response timing does not reveal how much of a key was right.
    pub fn accepts(&self, presented: &[u8]) -> bool {
        let mut matched = subtle::Choice::from(0u8);
        for key in &self.keys {
            matched |= key.expose_secret().as_bytes().ct_eq(presented);
        }
        bool::from(matched) && !presented.is_empty()
    }
}

/// The keys a request presents, in every accepted style. A request may carry several (e.g. a
/// gateway adds one); it is accepted when any of them is valid.
pub fn presented_keys(headers: &HeaderMap, query: Option<&str>) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    for value in headers.get_all(header::AUTHORIZATION) {
        let bytes = value.as_bytes();
        if bytes.len() > 7 && bytes[..7].eq_ignore_ascii_case(b"bearer ") {
            keys.push(trim(&bytes[7..]).to_vec());
        }
    }
    for name in [X_API_KEY, X_FUNCTIONS_KEY] {
        for value in headers.get_all(name) {
            keys.push(trim(value.as_bytes()).to_vec());
        }
    }
    if let Some(query) = query {
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            if name == CODE_QUERY_PARAM {
                keys.push(value.trim().as_bytes().to_vec());
            }
        }
    }
    keys
}

fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |i| i + 1);
    &bytes[start..end.max(start)]
}

/// Middleware: lets the request through when a presented key is valid (or auth is off),
/// otherwise answers 401 JSON with `WWW-Authenticate: Bearer`.
pub async fn require_api_key(
    State(keys): State<Arc<ApiKeys>>,
    request: Request,
    next: Next,
) -> Response {
    if keys.is_disabled() {
        return next.run(request).await;
    }
    let presented = presented_keys(request.headers(), request.uri().query());
    if presented.is_empty() {
        return ApiError::unauthorized(
            "missing API key: send it as Authorization: Bearer <key>, X-API-Key: <key>, \
             x-functions-key: <key> or ?code=<key>",
        )
        .into_response();
    }
    // Check every presented key so the time taken does not depend on which style matched.
    let ok = presented
        .iter()
        .fold(false, |ok, key| keys.accepts(key) | ok);
    if ok {
        next.run(request).await
    } else {
        tracing::info!("rejected request with an invalid API key");
        ApiError::unauthorized("invalid API key").into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn keys(list: &[&str]) -> ApiKeys {
        ApiKeys::new(
            list.iter()
                .map(|k| SecretString::from(k.to_string()))
                .collect(),
        )
    }

    #[test]
    fn accepts_any_configured_key_and_nothing_else() {
        let k = keys(&["alpha", "beta"]);
        assert!(k.accepts(b"alpha"));
        assert!(k.accepts(b"beta"));
        assert!(!k.accepts(b"alph"));
        assert!(!k.accepts(b"alphaa"));
        assert!(!k.accepts(b""));
        assert!(!keys(&[]).accepts(b""));
    }

    #[test]
    fn keys_are_read_from_all_four_styles() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer  a "),
        );
        headers.insert(X_API_KEY, HeaderValue::from_static("b"));
        headers.insert(X_FUNCTIONS_KEY, HeaderValue::from_static("c"));
        let got = presented_keys(&headers, Some("x=1&code=d%2Be"));
        assert_eq!(
            got,
            [b"a".to_vec(), b"b".to_vec(), b"c".to_vec(), b"d+e".to_vec()]
        );
    }

    #[test]
    fn basic_authorization_is_not_a_key() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic YTpi"),
        );
        assert!(presented_keys(&headers, None).is_empty());
    }
}
