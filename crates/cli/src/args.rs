//! Command-line and environment surface. Every setting is a flag with an environment variable
//! of the documented name, so the same binary is configured by flags locally and by env in a
//! container; secrets should come from the environment (flags show up in process lists).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;
use server::config::{self, GongCredentials};
use server::{LogFormat, Settings};
use url::Url;

/// callbrief: Gong call transcripts (and soon Salesforce context) for AI assistants preparing
/// sales reps for customer meetings.
#[derive(Debug, Parser)]
#[command(name = "callbrief", version, about, long_about = None)]
pub struct Cli {
    /// Log line format (logs go to stderr).
    #[arg(long, env = "CALLBRIEF_LOG_FORMAT", value_enum, default_value_t = LogFormatArg::Text, global = true)]
    pub log_format: LogFormatArg,

    #[command(subcommand)]
    pub command: Command,
}

/// What to run.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server: account search and briefings, call transcripts, their OpenAPI
    /// documents, the GPT setup kit, OAuth for ChatGPT, and MCP at /mcp.
    Serve(Box<ServeArgs>),
    /// Run the simulators of the outside services (Gong, Salesforce) on local ports, for tests
    /// and demos.
    #[cfg(feature = "demo")]
    Sim(Box<SimArgs>),
    /// Start the Gong and Salesforce simulators and the server on free local ports, walk both GPT
    /// flows over HTTP (SOSL, SOQL and transcripts; search and briefing), print what to try next,
    /// and serve until Ctrl-C.
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Print the OpenAPI 3.1 document the server serves at /openapi.json (or, with
    /// --salesforce, the Salesforce action at /openapi/salesforce.json).
    Openapi(Box<OpenapiArgs>),
    /// Print the GPT setup guide: Instructions, schema URLs, auth settings and the callback URL.
    GptSetup(Box<crate::gpt_setup::GptSetupArgs>),
    /// Print the meeting-prep briefing pack for one account (Markdown, ready to paste into any
    /// assistant, or JSON), using the service credentials.
    Briefing(Box<crate::briefing::BriefingArgs>),
    /// Serve MCP over stdin/stdout for desktop clients (Claude Desktop, IDEs) that start
    /// callbrief themselves; acts with the service credentials, logs to stderr.
    Mcp(Box<crate::mcp::McpArgs>),
}

/// `--log-format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormatArg {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

impl From<LogFormatArg> for LogFormat {
    fn from(arg: LogFormatArg) -> Self {
        match arg {
            LogFormatArg::Text => LogFormat::Text,
            LogFormatArg::Json => LogFormat::Json,
        }
    }
}

/// `callbrief serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "CALLBRIEF_ADDR", default_value = config::DEFAULT_ADDR)]
    pub addr: SocketAddr,

    /// Comma-separated API keys callers must present (Authorization: Bearer, X-API-Key,
    /// x-functions-key or ?code=).
    #[arg(long, env = "CALLBRIEF_API_KEYS", hide_env_values = true)]
    pub api_keys: Option<String>,

    /// Serve without API keys. Anyone who reaches the server can read transcripts: local use only.
    #[arg(long, env = "CALLBRIEF_INSECURE_NO_AUTH")]
    pub insecure_no_auth: bool,

    /// Public base URL of the server (e.g. https://callbrief.example.com), written into the
    /// OpenAPI document's servers list; defaults to http://<addr>.
    #[arg(long, env = "CALLBRIEF_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// Most distinct call ids accepted in one request.
    #[arg(long, env = "CALLBRIEF_MAX_CALL_IDS", default_value_t = config::DEFAULT_MAX_CALL_IDS)]
    pub max_call_ids: usize,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "CALLBRIEF_MAX_BODY_BYTES", default_value_t = config::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Whole-request time limit in seconds (answers 504 past it); keep it above the Gong deadline
    /// and under ChatGPT's 45 s.
    #[arg(long, env = "CALLBRIEF_REQUEST_TIMEOUT_SECS", default_value_t = config::DEFAULT_REQUEST_TIMEOUT.as_secs())]
    pub request_timeout_secs: u64,

    #[command(flatten)]
    pub gong: GongArgs,

    #[command(flatten)]
    pub salesforce: SalesforceArgs,

    /// How callers authenticate: api-key (CALLBRIEF_API_KEYS; Salesforce through the service
    /// credentials) or salesforce (each caller's own Salesforce access token, from the GPT's
    /// Salesforce OAuth; every query runs as that person).
    #[arg(long, env = "CALLBRIEF_AUTH", value_enum, default_value_t = crate::service_args::AuthArg::ApiKey)]
    pub auth: crate::service_args::AuthArg,

    /// Most characters in a response (ChatGPT's limit by default); transcripts are cut fairly
    /// to fit, and callers may ask for another budget with maxChars.
    #[arg(long, env = "CALLBRIEF_MAX_RESPONSE_CHARS", default_value_t = config::DEFAULT_MAX_RESPONSE_CHARS)]
    pub max_response_chars: usize,

    /// Most characters in one MCP tool answer at /mcp (MCP clients such as Claude take more
    /// than ChatGPT actions); callers may ask for less with max_chars.
    #[arg(long, env = "CALLBRIEF_MCP_MAX_CHARS", default_value_t = server::mcp::DEFAULT_MCP_MAX_CHARS)]
    pub mcp_max_chars: usize,

    /// Seconds a checked Salesforce access token is trusted before it is checked again.
    #[arg(long, env = "CALLBRIEF_TOKEN_CACHE_SECS", default_value_t = service::DEFAULT_TOKEN_CACHE_TTL.as_secs())]
    pub token_cache_secs: u64,

    #[command(flatten)]
    pub gong_fields: crate::service_args::GongFieldsArgs,
}

/// How to reach Salesforce (optional for the transcript endpoint alone).
#[derive(Debug, Args)]
pub struct SalesforceArgs {
    /// Salesforce instance URL (e.g. https://acme.my.salesforce.com).
    #[arg(long, env = "SALESFORCE_INSTANCE_URL")]
    pub salesforce_instance_url: Option<Url>,

    /// Salesforce REST API version, e.g. v65.0.
    #[arg(long, env = "SALESFORCE_API_VERSION", default_value = config::DEFAULT_SALESFORCE_API_VERSION)]
    pub salesforce_api_version: String,

    /// Where OAuth happens (login.salesforce.com, test.salesforce.com or the My Domain URL);
    /// defaults to the instance URL.
    #[arg(long, env = "SALESFORCE_LOGIN_URL")]
    pub salesforce_login_url: Option<Url>,

    /// Connected App consumer key.
    #[arg(long, env = "SALESFORCE_CLIENT_ID")]
    pub salesforce_client_id: Option<String>,

    /// Connected App consumer secret.
    #[arg(long, env = "SALESFORCE_CLIENT_SECRET", hide_env_values = true)]
    pub salesforce_client_secret: Option<String>,

    /// Time budget in seconds for one Salesforce operation (all pages and a token refresh).
    #[arg(long, env = "SALESFORCE_DEADLINE_SECS", default_value_t = config::DEFAULT_SALESFORCE_DEADLINE.as_secs())]
    pub salesforce_deadline_secs: u64,

    /// Salesforce org id (00D...) whose users may sign in with CALLBRIEF_AUTH=salesforce; tokens
    /// of other orgs are refused. Recommended whenever the instance URL is not your own My Domain.
    #[arg(long, env = "SALESFORCE_ORG_ID")]
    pub salesforce_org_id: Option<String>,
}

impl SalesforceArgs {
    /// The settings, with the API version normalised to `vNN.0`.
    pub fn to_settings(&self) -> anyhow::Result<config::SalesforceSettings> {
        let raw = self.salesforce_api_version.trim();
        let api_version = salesforce::normalize_version(raw).ok_or_else(|| {
            anyhow::anyhow!("SALESFORCE_API_VERSION {raw:?} is not a version like v65.0")
        })?;
        Ok(config::SalesforceSettings {
            instance_url: self.salesforce_instance_url.clone(),
            api_version,
            login_url: self.salesforce_login_url.clone(),
            client_id: self.salesforce_client_id.clone(),
            client_secret: self
                .salesforce_client_secret
                .clone()
                .map(SecretString::from),
            deadline: Duration::from_secs(self.salesforce_deadline_secs.max(1)),
            org_id: match self.salesforce_org_id.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(id) if salesforce::escape::is_salesforce_id(id) && id.starts_with("00D") => {
                    Some(id.to_owned())
                }
                Some(id) => anyhow::bail!(
                    "SALESFORCE_ORG_ID {id:?} is not a Salesforce org id (00D followed by 12 or 15 characters)"
                ),
            },
        })
    }
}

/// How to reach Gong. Exactly one credential form: access key + secret, `GONG_API_KEY`, or a
/// bearer token.
#[derive(Debug, Args)]
pub struct GongArgs {
    /// Gong API base URL, customer-specific (e.g. https://acme.api.gong.io); a trailing /v2 is accepted.
    #[arg(long, env = "GONG_BASE_URL", default_value = gong::config::DEFAULT_BASE_URL)]
    pub gong_base_url: String,

    /// Gong access key (with --gong-access-key-secret).
    #[arg(long, env = "GONG_ACCESS_KEY")]
    pub gong_access_key: Option<String>,

    /// Gong access key secret (with --gong-access-key).
    #[arg(long, env = "GONG_ACCESS_KEY_SECRET", hide_env_values = true)]
    pub gong_access_key_secret: Option<String>,

    /// Pre-encoded base64("key:secret"), as the original middleware's GONG_API_KEY.
    #[arg(long, env = "GONG_API_KEY", hide_env_values = true)]
    pub gong_api_key: Option<String>,

    /// Gong OAuth access token, sent as Authorization: Bearer.
    #[arg(long, env = "GONG_BEARER_TOKEN", hide_env_values = true)]
    pub gong_bearer_token: Option<String>,

    /// Time budget in seconds for one request's Gong work (all pages, batches and retries).
    #[arg(long, env = "GONG_DEADLINE_SECS", default_value_t = 30)]
    pub gong_deadline_secs: u64,

    /// Call ids per Gong request; longer lists are split into batches.
    #[arg(long, env = "GONG_BATCH_SIZE", default_value_t = 100)]
    pub gong_batch_size: usize,

    /// Process-wide ceiling on requests per second to Gong (Gong's default limit is 3); 0 = unlimited.
    #[arg(long, env = "GONG_REQUESTS_PER_SECOND", default_value_t = 3)]
    pub gong_requests_per_second: u32,

    /// Retries of one Gong request after a 429, 5xx, timeout or broken connection.
    #[arg(long, env = "GONG_MAX_RETRIES", default_value_t = 4)]
    pub gong_max_retries: u32,
}

impl GongArgs {
    /// The client configuration, with the credential rules checked.
    pub fn to_config(&self) -> anyhow::Result<gong::GongConfig> {
        let secret = |v: &Option<String>| v.clone().map(SecretString::from);
        let auth = config::gong_auth(GongCredentials {
            access_key: self.gong_access_key.clone(),
            access_key_secret: secret(&self.gong_access_key_secret),
            api_key: secret(&self.gong_api_key),
            bearer_token: secret(&self.gong_bearer_token),
        })?;
        let mut cfg = gong::GongConfig::new(&self.gong_base_url, auth)
            .with_context(|| format!("GONG_BASE_URL {:?} is not usable", self.gong_base_url))?;
        anyhow::ensure!(
            self.gong_deadline_secs > 0,
            "GONG_DEADLINE_SECS must be at least 1"
        );
        cfg.deadline = Duration::from_secs(self.gong_deadline_secs);
        cfg.attempt_timeout = cfg.attempt_timeout.min(cfg.deadline);
        anyhow::ensure!(
            self.gong_batch_size > 0,
            "GONG_BATCH_SIZE must be at least 1"
        );
        cfg.batch_size = self.gong_batch_size;
        cfg.requests_per_second = self.gong_requests_per_second;
        cfg.max_retries = self.gong_max_retries;
        Ok(cfg)
    }
}

impl ServeArgs {
    /// Server settings from flags and environment; fails with a message naming the setting.
    pub fn to_settings(&self, log_format: LogFormat) -> anyhow::Result<Settings> {
        let api_keys = self
            .api_keys
            .as_deref()
            .map(config::parse_api_keys)
            .unwrap_or_default();
        // Checked before Gong settings: an open transcript endpoint is the worse mistake.
        let auth_mode = config::AuthMode::from(self.auth);
        if auth_mode == config::AuthMode::ApiKey && api_keys.is_empty() && !self.insecure_no_auth {
            return Err(config::ConfigError::NoApiKeys.into());
        }
        let gong = self.gong.to_config()?;
        let mut settings = Settings::new(self.addr, gong);
        settings.api_keys = api_keys;
        settings.insecure_no_auth = self.insecure_no_auth;
        settings.public_url = self.public_url.clone();
        settings.max_call_ids = self.max_call_ids;
        settings.max_body_bytes = self.max_body_bytes;
        settings.request_timeout = Duration::from_secs(self.request_timeout_secs);
        settings.log_format = log_format;
        settings.salesforce = self.salesforce.to_settings()?;
        settings.auth_mode = auth_mode;
        settings.max_response_chars = self.max_response_chars;
        settings.mcp_max_chars = self.mcp_max_chars;
        settings.token_cache_ttl = Duration::from_secs(self.token_cache_secs);
        settings.gong_fields = self.gong_fields.to_fields()?;
        settings.validate()?;
        Ok(settings)
    }
}

/// `callbrief sim`: each simulator runs when its address is given.
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Run the Gong simulator on this address (e.g. 127.0.0.1:9001; port 0 picks a free port).
    #[arg(long, env = "CALLBRIEF_SIM_GONG_ADDR")]
    pub gong_addr: Option<SocketAddr>,

    /// Run the Salesforce simulator on this address (e.g. 127.0.0.1:9002; port 0 picks a free port).
    #[arg(long, env = "CALLBRIEF_SIM_SALESFORCE_ADDR")]
    pub salesforce_addr: Option<SocketAddr>,

    #[command(flatten)]
    pub gong: GongSimArgs,

    #[command(flatten)]
    pub salesforce: SalesforceSimArgs,
}

/// Knobs of the Salesforce simulator. Unset flags keep its defaults (the demo Connected App,
/// Salesforce's page size, no API quota).
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct SalesforceSimArgs {
    /// Records per query page before `nextRecordsUrl` is returned (Salesforce's default is 2000).
    #[arg(long, env = "CALLBRIEF_SIM_SALESFORCE_PAGE_SIZE")]
    pub salesforce_page_size: Option<usize>,

    /// REST requests the org may make before answering 403 REQUEST_LIMIT_EXCEEDED; 0 turns it off.
    #[arg(long, env = "CALLBRIEF_SIM_SALESFORCE_API_QUOTA")]
    pub salesforce_api_quota: Option<u64>,

    /// The Connected App's consumer key the simulator accepts (same variable as `serve` reads,
    /// so one environment configures both).
    #[arg(long, env = "SALESFORCE_CLIENT_ID")]
    pub salesforce_client_id: Option<String>,

    /// The Connected App's consumer secret the simulator accepts.
    #[arg(long, env = "SALESFORCE_CLIENT_SECRET", hide_env_values = true)]
    pub salesforce_client_secret: Option<String>,
}

/// Knobs of the Gong simulator. Unset flags keep the simulator's defaults (Gong's real limits,
/// no faults).
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct GongSimArgs {
    /// Records per page before a cursor is returned.
    #[arg(long, env = "CALLBRIEF_SIM_PAGE_SIZE")]
    pub page_size: Option<usize>,

    /// Turn off the per-second rate limit and the daily quota.
    #[arg(long, env = "CALLBRIEF_SIM_NO_RATE_LIMIT")]
    pub no_rate_limit: bool,

    /// Requests per second before answering 429 (Gong's default is 3); 0 turns it off.
    #[arg(
        long,
        env = "CALLBRIEF_SIM_RATE_LIMIT_PER_SEC",
        conflicts_with = "no_rate_limit"
    )]
    pub rate_limit_per_sec: Option<u32>,

    /// Requests per day before answering 429 (Gong's default is 10000); 0 turns it off.
    #[arg(
        long,
        env = "CALLBRIEF_SIM_DAILY_QUOTA",
        conflicts_with = "no_rate_limit"
    )]
    pub daily_quota: Option<u64>,

    /// Seconds sent in Retry-After with a 429.
    #[arg(long, env = "CALLBRIEF_SIM_RETRY_AFTER_SECS")]
    pub retry_after_secs: Option<u64>,

    /// Added latency per response, in milliseconds.
    #[arg(long, env = "CALLBRIEF_SIM_LATENCY_MS")]
    pub latency_ms: Option<u64>,

    /// Fraction (0.0-1.0) of requests answered with a 500.
    #[arg(long, env = "CALLBRIEF_SIM_ERROR_RATE")]
    pub error_rate: Option<f64>,

    /// Answer the first N requests with a 500.
    #[arg(long, env = "CALLBRIEF_SIM_FAIL_FIRST")]
    pub fail_first: Option<u32>,

    /// Answer the first N requests with a 429.
    #[arg(long, env = "CALLBRIEF_SIM_RATE_LIMIT_FIRST")]
    pub rate_limit_first: Option<u32>,

    /// Send response bodies slowly, taking this many milliseconds.
    #[arg(long, env = "CALLBRIEF_SIM_SLOW_BODY_MS")]
    pub slow_body_ms: Option<u64>,

    /// Cut JSON response bodies off halfway (to test unreadable answers).
    #[arg(long, env = "CALLBRIEF_SIM_TRUNCATE_BODY")]
    pub truncate_body: bool,

    /// Seed of the random fault choices, for reproducible runs.
    #[arg(long, env = "CALLBRIEF_SIM_SEED")]
    pub seed: Option<u64>,

    /// Access key the simulator accepts (Basic auth).
    #[arg(long, env = "GONG_ACCESS_KEY")]
    pub gong_access_key: Option<String>,

    /// Access key secret the simulator accepts (Basic auth).
    #[arg(long, env = "GONG_ACCESS_KEY_SECRET", hide_env_values = true)]
    pub gong_access_key_secret: Option<String>,

    /// Bearer token the simulator accepts.
    #[arg(long, env = "GONG_BEARER_TOKEN", hide_env_values = true)]
    pub gong_bearer_token: Option<String>,
}

/// `callbrief demo`.
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Exit after the walkthrough instead of serving until Ctrl-C.
    #[arg(long)]
    pub once: bool,
}

/// `callbrief openapi`.
#[derive(Debug, Args)]
pub struct OpenapiArgs {
    /// Public base URL written into the document's servers list.
    #[arg(long, env = "CALLBRIEF_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// Listen address, used for the servers list when no public URL is given.
    #[arg(long, env = "CALLBRIEF_ADDR", default_value = config::DEFAULT_ADDR)]
    pub addr: SocketAddr,

    /// Most distinct call ids per request, written into the document as maxItems.
    #[arg(long, env = "CALLBRIEF_MAX_CALL_IDS", default_value_t = config::DEFAULT_MAX_CALL_IDS)]
    pub max_call_ids: usize,

    /// How the server's callers authenticate, which decides the document's security scheme:
    /// api-key (bearer API key) or salesforce (OAuth through <public URL>/oauth/authorize and
    /// /oauth/token), as `serve` with the same CALLBRIEF_AUTH.
    #[arg(long, env = "CALLBRIEF_AUTH", value_enum, default_value_t = crate::service_args::AuthArg::ApiKey)]
    pub auth: crate::service_args::AuthArg,

    /// Print the Salesforce action document (GET /openapi/salesforce.json) instead; needs
    /// SALESFORCE_INSTANCE_URL.
    #[arg(long)]
    pub salesforce: bool,

    #[command(flatten)]
    pub salesforce_settings: SalesforceArgs,

    #[command(flatten)]
    pub gong_fields: crate::service_args::GongFieldsArgs,
}

impl OpenapiArgs {
    /// The document, exactly as `serve` would serve it with the same settings.
    pub fn document(&self) -> anyhow::Result<String> {
        anyhow::ensure!(
            self.max_call_ids > 0,
            "CALLBRIEF_MAX_CALL_IDS must be at least 1"
        );
        let server_url = crate::gpt_setup::public_url(self.public_url.as_ref(), self.addr);
        if self.salesforce {
            let kit = server::gpt::Kit::new(
                &server_url,
                &self.salesforce_settings.to_settings()?,
                self.gong_fields.to_fields()?,
            )?;
            return Ok(kit.salesforce_action_json());
        }
        Ok(server::openapi::document_json(
            &server_url,
            self.max_call_ids,
            self.auth.into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_argument_has_help() {
        fn walk(cmd: &clap::Command) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "{} --{id} has no help",
                    cmd.get_name()
                );
            }
            for sub in cmd.get_subcommands() {
                assert!(sub.get_about().is_some(), "{} has no about", sub.get_name());
                walk(sub);
            }
        }
        walk(&Cli::command());
    }
}
