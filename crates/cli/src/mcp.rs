//! `callbrief mcp`: callbrief as an MCP server over stdin/stdout, for desktop clients (Claude
//! Desktop, IDEs) that start it as a subprocess. It acts with the service credentials from the
//! same settings `serve` reads; stdout carries only the protocol, logs go to stderr.

use std::sync::Arc;

use clap::Args;
use server::config::{McpBudgetArgs, UpstreamArgs, DEFAULT_MAX_CALL_IDS};
use server::mcp::McpConfig;
use service::{Caller, Service};

/// `callbrief mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    #[command(flatten)]
    pub budget: McpBudgetArgs,

    /// Most call ids per get_call_transcripts (duplicates count).
    #[arg(long, env = "CALLBRIEF_MAX_CALL_IDS", default_value_t = DEFAULT_MAX_CALL_IDS)]
    pub max_call_ids: usize,

    #[command(flatten)]
    pub upstream: UpstreamArgs,
}

impl McpArgs {
    /// The service (service credentials) and the MCP settings, checked before anything runs.
    fn build(&self) -> anyhow::Result<(Arc<Service>, McpConfig)> {
        let max_chars = self.budget.max_chars()?;
        let settings = self.upstream.service_account()?;
        let service = server::service_setup::build_service(&settings)?;
        if !service.has_salesforce() {
            eprintln!(
                "callbrief mcp: Salesforce is not configured (SALESFORCE_INSTANCE_URL, \
                 SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET): only get_call_transcripts will work"
            );
        }
        let config = McpConfig {
            max_chars,
            salesforce_instance_url: settings.salesforce.instance_url,
            max_call_ids: self.max_call_ids,
            ..McpConfig::default()
        };
        Ok((service, config))
    }

    /// Serves MCP over stdio until the client closes stdin.
    pub async fn run(&self) -> anyhow::Result<()> {
        let (service, config) = self.build()?;
        server::mcp::serve_stdio(service, config, Caller::ServiceAccount).await
    }
}
