//! OAuth discovery for MCP clients, in Salesforce mode: how Claude and ChatGPT find out that
//! `/mcp` takes a Salesforce sign-in, and where to do it.
//!
//! An MCP client that gets `401` from `/mcp` reads the protected-resource metadata (RFC 9728) at
//! `/.well-known/oauth-protected-resource[/mcp]`, which names callbrief itself as the
//! authorization server; the authorization-server metadata (RFC 8414) at
//! `/.well-known/oauth-authorization-server` then points at callbrief's `/oauth/authorize` and
//! `/oauth/token`, which hand the sign-in to Salesforce with every parameter (PKCE included)
//! kept. The client registers nothing: the person enters the Connected App's consumer key and
//! secret as the connector's OAuth client. The resulting Salesforce access token is what
//! `/mcp` checks in Salesforce mode.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use url::Url;

/// Salesforce OAuth scopes a connector needs: the REST API, and refresh tokens so a person
/// signs in once.
pub const SCOPES: [&str; 2] = ["api", "refresh_token"];

/// The discovery routes. `public_url` is callbrief's public base URL; without it the base is
/// taken from the request's `Host` (local use).
pub fn router<S>(public_url: Option<&Url>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let base = Arc::new(public_url.map(|u| u.as_str().trim_end_matches('/').to_owned()));
    Router::new()
        .route(
            "/.well-known/oauth-protected-resource",
            get(protected_resource),
        )
        .route(
            "/.well-known/oauth-protected-resource/mcp",
            get(protected_resource),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(authorization_server),
        )
        .with_state(base)
}

/// The base URL answers are written for.
fn base_url(configured: &Option<String>, headers: &HeaderMap) -> String {
    configured.clone().unwrap_or_else(|| {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    })
}

/// RFC 9728 metadata of the `/mcp` resource.
pub fn protected_resource_document(base: &str) -> Value {
    json!({
        "resource": format!("{base}{}", super::MCP_PATH),
        "authorization_servers": [base],
        "bearer_methods_supported": ["header"],
        "scopes_supported": SCOPES,
        "resource_name": "callbrief",
    })
}

/// RFC 8414 metadata of callbrief's Salesforce sign-in proxy.
pub fn authorization_server_document(base: &str) -> Value {
    json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "scopes_supported": SCOPES,
    })
}

async fn protected_resource(
    State(base): State<Arc<Option<String>>>,
    headers: HeaderMap,
) -> Json<Value> {
    Json(protected_resource_document(&base_url(&base, &headers)))
}

async fn authorization_server(
    State(base): State<Arc<Option<String>>>,
    headers: HeaderMap,
) -> Json<Value> {
    Json(authorization_server_document(&base_url(&base, &headers)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_point_at_callbriefs_own_endpoints() {
        let prm = protected_resource_document("https://cb.example.com");
        assert_eq!(prm["resource"], "https://cb.example.com/mcp");
        assert_eq!(prm["authorization_servers"][0], "https://cb.example.com");
        let asm = authorization_server_document("https://cb.example.com");
        assert_eq!(asm["issuer"], "https://cb.example.com");
        assert_eq!(
            asm["authorization_endpoint"],
            "https://cb.example.com/oauth/authorize"
        );
        assert_eq!(asm["token_endpoint"], "https://cb.example.com/oauth/token");
    }

    #[test]
    fn without_a_public_url_the_host_header_is_the_base() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(base_url(&None, &headers), "http://127.0.0.1:8080");
        assert_eq!(
            base_url(&Some("https://cb.example.com".into()), &headers),
            "https://cb.example.com"
        );
    }
}
