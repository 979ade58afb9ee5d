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
}
