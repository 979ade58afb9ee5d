//! callbrief over the Model Context Protocol: the same capabilities as the REST API, for ChatGPT
//! apps, Claude connectors and every other MCP client.
//!
//! Two transports share one handler ([`CallbriefMcp`]): Streamable HTTP at `/mcp` on the server
//! ([`router`]), mounted behind the very middleware that authenticates the REST routes (which
//! stores the request's [`Caller`] in its extensions), and stdio for desktop clients that start
//! callbrief as a subprocess ([`serve_stdio`]), acting with the process's own credentials.
//!
//! The HTTP transport runs stateless: every POST is answered on its own with a JSON body, no
//! session is kept between requests. Clients built for sessions (the official SDKs, Claude,
//! ChatGPT) handle that, it survives restarts and load balancers, and each request is
//! authenticated on its own, so a revoked Salesforce token stops working at once.

pub mod errors;
pub mod handler;
pub mod hosts;
pub mod params;
pub mod prompts;
pub mod schema;
pub mod tools;

use std::sync::Arc;

use axum::Router;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::ServiceExt;
use service::{Caller, Service};
use url::Url;

pub use crate::oauth::paths::MCP_PATH;
pub use handler::CallbriefMcp;

/// What the MCP handler and transport need besides the service.
#[derive(Debug, Clone)]
pub struct McpConfig {
    /// Character budget of one tool answer (and the ceiling of a caller's `max_chars`).
    pub max_chars: usize,
    /// The Salesforce instance, for record links (`<instance>/<id>`); `None` links through the
    /// Salesforce login host, which redirects to the record after sign-in.
    pub salesforce_instance_url: Option<Url>,
    /// The server's public URL: its host joins loopback in the allowed `Host`/`Origin` lists.
    pub public_url: Option<Url>,
    /// Largest MCP request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Most call ids per `get_call_transcripts` (`CALLBRIEF_MAX_CALL_IDS`, as on the REST route).
    pub max_call_ids: usize,
}

impl McpConfig {
    /// Settings with the default budget, no Salesforce link base and no public URL.
    pub fn new() -> Self {
        Self {
            max_chars: crate::config::DEFAULT_MCP_MAX_CHARS,
            salesforce_instance_url: None,
            public_url: None,
            max_body_bytes: 64 * 1024,
            max_call_ids: crate::config::DEFAULT_MAX_CALL_IDS,
        }
    }

    /// The base of Salesforce record links.
    pub fn record_base_url(&self) -> &str {
        self.salesforce_instance_url
            .as_ref()
            .map_or("https://login.salesforce.com", Url::as_str)
    }
}

impl McpConfig {
    /// The MCP settings within the server's settings.
    pub fn from_settings(settings: &crate::Settings) -> Self {
        Self {
            max_chars: settings.mcp_max_chars,
            salesforce_instance_url: settings.salesforce.instance_url.clone(),
            public_url: settings.public_url.clone(),
            max_body_bytes: settings.max_body_bytes,
            max_call_ids: settings.max_call_ids,
        }
    }
}

impl Default for McpConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// The `/mcp` route: Streamable HTTP (stateless, JSON answers). Merge it into the app's router
/// under the same auth layers as the REST routes: its tools act for the [`Caller`] those layers
/// store in the request (a request without one gets tool errors, never data).
pub fn router<S>(service: Arc<Service>, config: McpConfig) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let transport = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_allowed_hosts(hosts::allowed_hosts(config.public_url.as_ref()))
        .with_allowed_origins(hosts::allowed_origins(config.public_url.as_ref()))
        .with_max_request_body_bytes(config.max_body_bytes);
    let handler = CallbriefMcp::for_http(service, config);
    let http = StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(NeverSessionManager::default()),
        transport,
    );
    Router::new()
        .nest_service(MCP_PATH, http)
        .layer(axum::middleware::from_fn(errors::json_rpc_refusals))
}

/// The public (unauthenticated) routes MCP clients need: in Salesforce mode, the OAuth
/// discovery documents that lead them to the Salesforce sign-in ([`crate::oauth::discovery`]); in API-key mode
/// none (there is no sign-in to discover).
pub fn public_router<S>(settings: &crate::Settings) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    match settings.auth_mode {
        crate::config::AuthMode::Salesforce => crate::oauth::discovery::router(
            settings.public_url.as_ref(),
            settings.oauth.mode == crate::config::OAuthMode::Server,
        ),
        crate::config::AuthMode::ApiKey => Router::new(),
    }
}

/// Serves MCP over stdin/stdout until the client closes it, acting as `caller` (the service
/// account: a desktop client runs callbrief with the person's own environment). Logs must go
/// to stderr: stdout is the protocol.
pub async fn serve_stdio(
    service: Arc<Service>,
    config: McpConfig,
    caller: Caller,
) -> anyhow::Result<()> {
    let handler = CallbriefMcp::for_caller(service, config, caller);
    let running = handler
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|err| anyhow::anyhow!("MCP over stdio could not start: {err}"))?;
    running
        .waiting()
        .await
        .map_err(|err| anyhow::anyhow!("MCP over stdio stopped: {err}"))?;
    Ok(())
}
