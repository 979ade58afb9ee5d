//! [`AppState`]: what the REST handlers share, in a module of its own so routes and startup
//! do not import each other.

use std::sync::Arc;

/// What every handler shares: built once, read-only.
pub struct AppState {
    /// Most distinct call ids per request.
    pub max_call_ids: usize,
    /// Largest request body, for the 413 message.
    pub max_body_bytes: usize,
    /// The OpenAPI document, rendered once for the bound address.
    pub openapi_json: String,
    /// Briefings, account lookups and access rules.
    pub service: Arc<service::Service>,
    /// Character budget of a response unless the caller asks for another.
    pub max_response_chars: usize,
    /// What is configured only halfway ([`Settings::configuration_problems`]), for `/readyz`.
    pub configuration_problems: Vec<String>,
    /// How Gong's answers are kept outside this process, for `/readyz` ([`cache_at_rest`]).
    pub cache_at_rest: &'static str,
}

/// How Gong's answers are kept outside this process: `"sealed"` (AES-256-GCM under
/// `CALLBRIEF_CACHE_KEY`), `"plain_text"` (the disk tier or Redis without a key: a copy of
/// every transcript in clear), or `"not_kept"` (memory only, or no cache).
pub fn cache_at_rest(gong: &service::settings::GongConfig) -> &'static str {
    use service::settings::CacheMode;
    let outside = gong.cache.mode == CacheMode::Disk
        || (gong.cache.mode != CacheMode::Off && gong.redis.is_some());
    match (outside, gong.cache.key.is_some()) {
        (false, _) => "not_kept",
        (true, true) => "sealed",
        (true, false) => "plain_text",
    }
}
