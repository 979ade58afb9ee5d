//! Building the [`Service`] from [`ServiceSettings`]: the Gong client, the Salesforce client
//! (when configured) and the service options, in one place for `serve`, `mcp`, `briefing` and
//! the demo.

use std::sync::Arc;

use anyhow::Context;
use salesforce::{Credentials, SalesforceClient, SalesforceConfig};
use secrecy::SecretString;
use service::{Service, ServiceOptions};

use crate::config::{AuthMode, SalesforceSettings, ServiceSettings};

/// The Salesforce client for `settings`, or `None` when there is nothing it could do.
///
/// With an External Client App's id and a JWT key (JWT bearer flow) or secret (client
/// credentials flow) it holds service credentials, acting as the integration user, for API-key
/// callers. Without them, Salesforce mode
/// still needs a client as the template of every per-user client; it then has no identity of
/// its own. API-key mode without credentials has no use for Salesforce.
pub fn salesforce_client(
    sf: &SalesforceSettings,
    auth_mode: AuthMode,
) -> anyhow::Result<Option<SalesforceClient>> {
    let Some(instance_url) = sf.instance_url.clone() else {
        return Ok(None);
    };
    let credentials = match (&sf.client_id, &sf.client_secret, &sf.jwt) {
        // No shared secret: the JWT bearer flow, when its key is configured.
        (Some(client_id), _, Some(jwt)) => Credentials::JwtBearer {
            client_id: client_id.clone(),
            username: jwt.username.clone(),
            audience: jwt.audience.clone(),
            signer: jwt.signer.clone(),
        },
        (Some(client_id), Some(client_secret), None) => Credentials::ClientCredentials {
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
        },
        _ if auth_mode == AuthMode::Salesforce => {
            Credentials::AccessToken(SecretString::from(String::new()))
        }
        _ => {
            tracing::warn!("SALESFORCE_INSTANCE_URL is set without SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET: the account routes are unavailable to API-key callers");
            return Ok(None);
        }
    };
    let mut config = SalesforceConfig::new(instance_url, credentials);
    config.api_version = sf.api_version.clone();
    config.deadline = sf.deadline;
    config.request_timeout = config.request_timeout.min(sf.deadline);
    if let Some(login) = sf.effective_login_url() {
        config.login_url = login.clone();
    }
    SalesforceClient::new(config)
        .map(Some)
        .context("invalid Salesforce settings")
}

/// The one constructor of the service: every front door (REST and MCP routes, MCP over stdio,
/// the briefing command) calls the same [`Service`], built the same way from its settings.
pub fn build_service(settings: &ServiceSettings) -> anyhow::Result<Arc<Service>> {
    let gong = Service::gong_client(settings.gong.clone()).context("invalid Gong settings")?;
    if let Some(redis) = &settings.gong.redis {
        // The Debug form names host and port only, never the password.
        tracing::info!(?redis, "gong limits, claims and cache shared through redis");
    }
    let salesforce = salesforce_client(&settings.salesforce, settings.auth_mode)?;
    let options = ServiceOptions {
        fields: settings.gong_fields.clone(),
        token_cache_ttl: settings.token_cache_ttl,
        max_calls_in_flight: settings.max_calls_in_flight,
        expected_org_id: settings.salesforce.org_id.clone(),
        call_source: settings.calls.source,
        gong_listing: settings.calls.listing.clone(),
        ..ServiceOptions::default()
    };
    let service = Service::new(gong, salesforce, options).context("invalid Gong field settings")?;
    Ok(Arc::new(service))
}
