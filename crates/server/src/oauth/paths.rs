//! Every path and base URL the sign-in names, in one place: the routes, the discovery
//! documents, the `401` challenge and the OpenAPI document all read them here.

use axum::http::{header, HeaderMap};
use url::Url;

/// Path of callbrief's OAuth front for Salesforce's authorize endpoint: what a GPT action's
/// (and an MCP client's) authorization URL points at. Declared here, with the sign-in, so the
/// REST routes, the OpenAPI document and MCP discovery all read it from one place.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
/// Path of callbrief's OAuth front for Salesforce's token endpoint: what a GPT action's (and
/// an MCP client's) token URL points at.
pub const TOKEN_PATH: &str = "/oauth/token";

/// Path of the registration endpoint (RFC 7591).
pub const REGISTER_PATH: &str = "/oauth/register";
/// Path of the consent page's answer.
pub const CONSENT_PATH: &str = "/oauth/consent";
/// Path Salesforce sends the person back to after signing in.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// Path of the revocation endpoint (RFC 7009).
pub const REVOKE_PATH: &str = "/oauth/revoke";

/// Where the HTTP transport is mounted.
pub const MCP_PATH: &str = "/mcp";

/// Salesforce OAuth scopes a connector needs: the REST API, and refresh tokens so a person
/// signs in once.
pub const SCOPES: [&str; 2] = ["api", "refresh_token"];

/// Where RFC 9728 puts protected-resource metadata: this prefix, then the resource's path.
pub const PROTECTED_RESOURCE_PATH: &str = "/.well-known/oauth-protected-resource";
/// Where RFC 8414 puts authorization-server metadata.
pub const AUTHORIZATION_SERVER_PATH: &str = "/.well-known/oauth-authorization-server";

/// callbrief's base URL as discovery answers spell it: the configured public URL, or without
/// one `http://<Host>` of the request (local use). The documents and the `401` challenge that
/// points at them share it, so a client is never sent to a URL the documents disown.
#[derive(Debug, Clone, Default)]
pub struct PublicBase(Option<String>);

impl PublicBase {
    /// The base for a server whose public URL is `public_url` (`None`: taken per request).
    pub fn new(public_url: Option<&Url>) -> Self {
        Self(public_url.map(|u| u.as_str().trim_end_matches('/').to_owned()))
    }

    /// The base URL for a request with `headers`, without a trailing slash.
    pub fn for_request(&self, headers: &HeaderMap) -> String {
        self.0.clone().unwrap_or_else(|| {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        })
    }
}

/// The URL of the `/mcp` resource's metadata for `base` (RFC 9728 §3.1: the well-known prefix
/// goes between the host and the resource's path), as named in `WWW-Authenticate` on a `401`
/// from `/mcp` (MCP authorization, 2025-06-18).
pub fn resource_metadata_url(base: &str) -> String {
    format!("{base}{PROTECTED_RESOURCE_PATH}{}", MCP_PATH)
}
