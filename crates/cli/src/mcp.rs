//! `callbrief mcp`: callbrief as an MCP server over stdin/stdout, for desktop clients (Claude
//! Desktop, IDEs) that start it as a subprocess. It acts with the service credentials from the
//! same settings `serve` reads; stdout carries only the protocol, logs go to stderr.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use gong::GongClient;
use server::config::{AuthMode, DEFAULT_MAX_CALL_IDS};
use server::mcp::{McpConfig, DEFAULT_MCP_MAX_CHARS};
use service::{Caller, Service, ServiceOptions};

use crate::args::{GongArgs, SalesforceArgs};
use crate::service_args::GongFieldsArgs;

/// `callbrief mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Most characters in one tool answer; transcripts are cut fairly at turn boundaries to fit.
    #[arg(long, env = "CALLBRIEF_MCP_MAX_CHARS", default_value_t = DEFAULT_MCP_MAX_CHARS)]
    pub mcp_max_chars: usize,

    /// Most call ids per get_call_transcripts (duplicates count).
    #[arg(long, env = "CALLBRIEF_MAX_CALL_IDS", default_value_t = DEFAULT_MAX_CALL_IDS)]
    pub max_call_ids: usize,

    #[command(flatten)]
    pub gong: GongArgs,

    #[command(flatten)]
    pub salesforce: SalesforceArgs,

    #[command(flatten)]
    pub gong_fields: GongFieldsArgs,
}

impl McpArgs {
    /// The service (service credentials) and the MCP settings, checked before anything runs.
    fn build(&self) -> anyhow::Result<(Arc<Service>, McpConfig)> {
        service::budget::check_max_chars(self.mcp_max_chars)
            .map_err(|e| anyhow::anyhow!("CALLBRIEF_MCP_MAX_CHARS {e}"))?;
        let gong = GongClient::new(self.gong.to_config()?).context("invalid Gong settings")?;
        let salesforce_settings = self.salesforce.to_settings()?;
        let salesforce =
            server::service_setup::salesforce_client(&salesforce_settings, AuthMode::ApiKey)?;
        if salesforce.is_none() {
            eprintln!(
                "callbrief mcp: Salesforce is not configured (SALESFORCE_INSTANCE_URL, \
                 SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET): only get_call_transcripts will work"
            );
        }
        let options = ServiceOptions {
            fields: self.gong_fields.to_fields()?,
            ..ServiceOptions::default()
        };
        let service = Service::new(gong, salesforce, options)?;
        let config = McpConfig {
            max_chars: self.mcp_max_chars,
            salesforce_instance_url: salesforce_settings.instance_url,
            max_call_ids: self.max_call_ids,
            ..McpConfig::default()
        };
        Ok((Arc::new(service), config))
    }

    /// Serves MCP over stdio until the client closes stdin.
    pub async fn run(&self) -> anyhow::Result<()> {
        let (service, config) = self.build()?;
        server::mcp::serve_stdio(service, config, Caller::ServiceAccount).await
    }
}
