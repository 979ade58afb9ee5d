//! The one home of sign-in: who a request acts for, and how a person signs in to get there.
//!
//! - [`paths`]: every path and base URL the sign-in names ([`paths::PublicBase`]).
//! - [`caller`]: the middleware that turns a request into a [`service::Caller`] (the service
//!   account behind an API key, or the Salesforce user whose token the request carries).
//! - [`discovery`]: the OAuth metadata documents MCP clients follow after a `401`.
//! - [`proxy`]: `CALLBRIEF_OAUTH=proxy`, Salesforce's authorize and token endpoints on
//!   callbrief's own domain (what a GPT action needs).
//! - [`server`]: `CALLBRIEF_OAUTH=server`, callbrief as an OAuth 2.1 authorization server
//!   federated to Salesforce (consent page, registration, client documents, tokens).
//! - [`limits`]: the per-client-address limits all of the above apply.
//!
//! The Salesforce side of each exchange (the External Client App's endpoints, the token
//! forwarder) lives in the `salesforce` crate, the only code that talks to Salesforce; the
//! sealed records of sessions live in the `store` crate's vault.

pub mod caller;
pub mod discovery;
pub mod limits;
pub mod paths;
pub mod proxy;
pub mod server;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::Router;

use crate::config::{AuthMode, OAuthMode, Settings};
use paths::PublicBase;
use server::AuthServer;

/// The authorization server, when callbrief is one (`CALLBRIEF_AUTH=salesforce` with
/// `CALLBRIEF_OAUTH=server`). Its records go where the cache keeps Gong's answers, sealed with
/// the cache key; a store that cannot be opened leaves them in memory.
pub fn authorization_server(
    settings: &Settings,
    service: &Arc<service::Service>,
) -> Option<Arc<AuthServer>> {
    if settings.auth_mode != AuthMode::Salesforce || settings.oauth.mode != OAuthMode::Server {
        return None;
    }
    let redis = settings.gong.redis.as_ref().map(|r| r.target());
    let vault = store::Vault::open(&settings.gong.cache.vault_settings(), redis.as_ref())
        .unwrap_or_else(|error| {
            tracing::warn!(%error, "the session store is unusable; sessions are kept in memory");
            store::Vault::in_memory()
        });
    if vault.tier() == store::VaultTier::Memory {
        tracing::warn!("OAuth sessions and registered clients last only as long as this process: set CALLBRIEF_CACHE_KEY (with the cache on disk, or CALLBRIEF_REDIS_URL) to keep them");
    }
    let sf = &settings.salesforce;
    let app = match (sf.effective_login_url(), &sf.client_id, &sf.client_secret) {
        (Some(login), Some(id), Some(secret)) => {
            salesforce::connected_app::ConnectedApp::new(login, id.clone(), secret.clone())
                .map_err(|e| e.to_string())
        }
        _ => Err(crate::config::SERVER_MODE_NEEDS_APP.to_owned()),
    };
    Some(Arc::new(AuthServer::new(
        Arc::new(vault),
        app,
        server::clients::ClientRegistry::for_cache_key(settings.gong.cache.key.as_ref())
            .with_previous(&settings.gong.cache.previous_keys),
        PublicBase::new(settings.public_url.as_ref()),
        server::ServerSettings {
            access_token_ttl: settings.oauth.access_token_ttl,
            refresh_token_ttl: settings.oauth.refresh_token_ttl,
            registrations_per_minute: settings.oauth.registrations_per_minute,
            clock: settings.oauth.clock.clone(),
        },
        service.clone(),
    )))
}

/// The public sign-in routes: the authorization server's when there is one, else the
/// pass-through to Salesforce; with the body limit every public form shares.
pub fn router<S>(settings: &Settings, server: Option<&Arc<AuthServer>>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    match server {
        Some(server) => server::routes::router(server.clone()),
        None => proxy::router(settings.salesforce.effective_login_url()),
    }
    .layer(DefaultBodyLimit::max(settings.max_body_bytes))
}
