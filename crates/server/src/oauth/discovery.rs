//! OAuth discovery for MCP clients, in Salesforce mode: how Claude and ChatGPT find out that
//! `/mcp` takes a Salesforce sign-in, and where to do it.
//!
//! An MCP client that gets `401` from `/mcp` reads the protected-resource metadata (RFC 9728) at
//! `/.well-known/oauth-protected-resource[/mcp]`, which names callbrief itself as the
//! authorization server; the authorization-server metadata (RFC 8414) at
//! `/.well-known/oauth-authorization-server` then points at callbrief's `/oauth/authorize` and
//! `/oauth/token`.
//!
//! In pass-through mode (`CALLBRIEF_OAUTH=proxy`) those hand the sign-in to Salesforce with
//! every parameter (PKCE included) kept; the client registers nothing, the person enters the
//! Connected App's consumer key and secret as the connector's OAuth client, and the Salesforce
//! access token is what `/mcp` checks. In server mode (`CALLBRIEF_OAUTH=server`) callbrief is
//! the authorization server itself ([`super::server`]): the document also names the
//! registration and revocation endpoints, and says `iss` comes back with every answer.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};
use url::Url;

use super::paths::{
    PublicBase, AUTHORIZATION_SERVER_PATH, AUTHORIZE_PATH, MCP_PATH, PROTECTED_RESOURCE_PATH,
    REGISTER_PATH, REVOKE_PATH, SCOPES, TOKEN_PATH,
};

/// The discovery routes. `public_url` is callbrief's public base URL; without it the base is
/// taken from the request's `Host` (local use).
pub fn router<S>(public_url: Option<&Url>, server_mode: bool) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let base = Arc::new((PublicBase::new(public_url), server_mode));
    Router::new()
        .route(PROTECTED_RESOURCE_PATH, get(protected_resource))
        .route(
            &format!("{PROTECTED_RESOURCE_PATH}{}", MCP_PATH),
            get(protected_resource),
        )
        .route(AUTHORIZATION_SERVER_PATH, get(authorization_server))
        .with_state(base)
}

/// RFC 9728 metadata of the `/mcp` resource.
pub fn protected_resource_document(base: &str) -> Value {
    json!({
        "resource": format!("{base}{}", MCP_PATH),
        "authorization_servers": [base],
        "bearer_methods_supported": ["header"],
        "scopes_supported": SCOPES,
        "resource_name": "callbrief",
    })
}

/// RFC 8414 metadata of callbrief's sign-in: the pass-through to Salesforce, or (with
/// `server_mode`) callbrief's own authorization server.
pub fn authorization_server_document(base: &str, server_mode: bool) -> Value {
    if server_mode {
        return json!({
            "issuer": base,
            "authorization_endpoint": format!("{base}{AUTHORIZE_PATH}"),
            "token_endpoint": format!("{base}{TOKEN_PATH}"),
            "registration_endpoint": format!("{base}{}", REGISTER_PATH),
            "revocation_endpoint": format!("{base}{}", REVOKE_PATH),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
            "revocation_endpoint_auth_methods_supported": ["none", "client_secret_post", "client_secret_basic"],
            "authorization_response_iss_parameter_supported": true,
            "client_id_metadata_document_supported": true,
            "scopes_supported": SCOPES,
        });
    }
    json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}{AUTHORIZE_PATH}"),
        "token_endpoint": format!("{base}{TOKEN_PATH}"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "scopes_supported": SCOPES,
    })
}

async fn protected_resource(
    State(base): State<Arc<(PublicBase, bool)>>,
    headers: HeaderMap,
) -> Json<Value> {
    Json(protected_resource_document(&base.0.for_request(&headers)))
}

async fn authorization_server(
    State(base): State<Arc<(PublicBase, bool)>>,
    headers: HeaderMap,
) -> Json<Value> {
    Json(authorization_server_document(
        &base.0.for_request(&headers),
        base.1,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::paths::resource_metadata_url;
    use axum::http::header;

    #[test]
    fn the_documents_point_at_callbriefs_own_endpoints() {
        let prm = protected_resource_document("https://cb.example.com");
        assert_eq!(prm["resource"], "https://cb.example.com/mcp");
        assert_eq!(prm["authorization_servers"][0], "https://cb.example.com");
        let asm = authorization_server_document("https://cb.example.com", false);
        assert!(asm.get("registration_endpoint").is_none());
        let own = authorization_server_document("https://cb.example.com", true);
        assert_eq!(
            own["registration_endpoint"],
            "https://cb.example.com/oauth/register"
        );
        assert_eq!(own["authorization_response_iss_parameter_supported"], true);
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
        assert_eq!(
            PublicBase::new(None).for_request(&headers),
            "http://127.0.0.1:8080"
        );
        let public: Url = "https://cb.example.com/".parse().unwrap();
        assert_eq!(
            PublicBase::new(Some(&public)).for_request(&headers),
            "https://cb.example.com"
        );
    }

    #[test]
    fn the_resource_metadata_url_is_the_well_known_path_of_mcp() {
        assert_eq!(
            resource_metadata_url("https://cb.example.com"),
            "https://cb.example.com/.well-known/oauth-protected-resource/mcp"
        );
    }
}
