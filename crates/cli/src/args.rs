//! Command-line and environment surface. Every setting is a flag with an environment variable
//! of the documented name, so the same binary is configured by flags locally and by env in a
//! container; secrets should come from the environment (flags show up in process lists).
//!
//! The server's settings are declared once, in [`server::config`], as groups each command
//! flattens; this module adds the commands and the simulator's own knobs.

#[cfg(feature = "demo")]
use std::net::SocketAddr;

use clap::{Args, Parser, Subcommand};
use server::config::{
    ActionArgs, AddressArgs, GongFieldsArgs, LogArgs, SalesforceArgs, ServerArgs,
};

/// callbrief: Gong call transcripts (and soon Salesforce context) for AI assistants preparing
/// sales reps for customer meetings.
#[derive(Debug, Parser)]
#[command(name = "callbrief", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// What to run.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server: account search and briefings, call transcripts, their OpenAPI
    /// documents, the GPT setup kit, OAuth for ChatGPT, and MCP at /mcp.
    Serve(Box<ServerArgs>),
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
    /// List a rep's customer meetings of the next hours (Salesforce events they own or are
    /// invited to) and whether each briefing's calls are cached, using the service credentials.
    Meetings(Box<crate::meetings::MeetingsArgs>),
    /// Fetch the Gong data of the next hours' customer meetings into the cache once and exit
    /// (for cron or a scheduled function; `serve` runs the same job on its own).
    Prefetch(Box<crate::prefetch::PrefetchCommandArgs>),
    /// Serve MCP over stdin/stdout for desktop clients (Claude Desktop, IDEs) that start
    /// callbrief themselves; acts with the service credentials, logs to stderr.
    Mcp(Box<crate::mcp::McpArgs>),
    /// Show or empty the cache of Gong's answers (the store `serve`, `mcp` and `briefing`
    /// share), with the same CALLBRIEF_CACHE* settings; needs no Gong credentials.
    Cache(crate::cache::CacheCommandArgs),
    /// Create an OAuth client for callbrief's authorization server (CALLBRIEF_OAUTH=server)
    /// and print its id and secret: what a GPT action's OAuth settings take.
    OauthClient(crate::oauth_client::OAuthClientArgs),
    /// Ask a running server's /readyz (or --path) and exit 0 when it answers 200: the health
    /// check of the container image, which has no shell or curl.
    Probe(crate::probe::ProbeArgs),
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

    /// Add this many generated account executives to the sample org (rep001@callbrief-demo.com,
    /// ..., password demo-password), each with 2-4 accounts, 4-8 calls and a meeting tomorrow
    /// (UTC) on each account: a team to load-test with.
    #[arg(long, env = "CALLBRIEF_SIM_ORG_REPS", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(sim::org::MAX_ORG_REPS)))]
    pub org_reps: u32,

    #[command(flatten)]
    pub gong: GongSimArgs,

    #[command(flatten)]
    pub salesforce: SalesforceSimArgs,

    #[command(flatten)]
    pub webhooks: SimWebhookArgs,
}

/// The webhooks the Gong simulator sends as an automation rule would.
#[cfg(feature = "demo")]
#[derive(Debug, Args)]
pub struct SimWebhookArgs {
    /// Send Gong's "call processed" webhooks to this URL (callbrief's
    /// <CALLBRIEF_PUBLIC_URL>/webhooks/gong), signed as a rule signs them: a test delivery at
    /// start, then one per new call (--new-call-every-secs).
    #[arg(long, env = "CALLBRIEF_SIM_WEBHOOK_URL", requires = "gong_addr")]
    pub webhook_url: Option<url::Url>,

    /// The rule's private key (PKCS#8 PEM file) the webhooks are signed with; the demo key by
    /// default, whose public key `callbrief sim` prints for GONG_WEBHOOK_PUBLIC_KEY.
    #[arg(long, env = "CALLBRIEF_SIM_WEBHOOK_KEY_FILE", requires = "webhook_url")]
    pub webhook_key_file: Option<std::path::PathBuf>,

    /// Every N seconds a new call is processed: it appears in Gong (transcript and details)
    /// and its webhook is sent. 0 (the default) sends no call webhooks.
    #[arg(
        long,
        env = "CALLBRIEF_SIM_NEW_CALL_EVERY_SECS",
        default_value_t = 0,
        requires = "webhook_url"
    )]
    pub new_call_every_secs: u64,
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

    /// Model an org without the Gong package: no Gong call object (its describe answers 404
    /// NOT_FOUND, a query naming it 400 INVALID_TYPE).
    #[arg(long, env = "CALLBRIEF_SIM_SALESFORCE_WITHOUT_GONG_PACKAGE")]
    pub salesforce_without_gong_package: bool,

    /// Model the refresh token policy "rotate refresh tokens": each refresh answers with a new
    /// refresh token and the one used stops working.
    #[arg(long, env = "CALLBRIEF_SIM_SALESFORCE_ROTATE_REFRESH_TOKENS")]
    pub salesforce_rotate_refresh_tokens: bool,

    /// Added latency per Salesforce answer, in milliseconds (as --latency-ms for Gong's).
    #[arg(long, env = "CALLBRIEF_SIM_SALESFORCE_LATENCY_MS")]
    pub salesforce_latency_ms: Option<u64>,

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

    /// Write the server's and the libraries' logs to stderr, between the walkthrough's lines,
    /// instead of to the log file the walkthrough names at its end.
    #[arg(long)]
    pub verbose: bool,

    /// Run the Salesforce simulator as an org without the Gong package (no Gong call object):
    /// the server then finds each account's calls in Gong by e-mail domain, and the two-action
    /// flow, which queries the call object, is skipped.
    #[arg(long, env = "CALLBRIEF_DEMO_WITHOUT_GONG_PACKAGE")]
    pub without_gong_package: bool,
}

/// `callbrief openapi`.
#[derive(Debug, Args)]
pub struct OpenapiArgs {
    #[command(flatten)]
    pub address: AddressArgs,

    #[command(flatten)]
    pub action: ActionArgs,

    /// Print the Salesforce action document (GET /openapi/salesforce.json) instead; needs
    /// SALESFORCE_INSTANCE_URL.
    #[arg(long)]
    pub salesforce: bool,

    #[command(flatten)]
    pub salesforce_settings: SalesforceArgs,

    #[command(flatten)]
    pub gong_fields: GongFieldsArgs,
}

impl OpenapiArgs {
    /// The document, exactly as `serve` would serve it with the same settings.
    pub fn document(&self) -> anyhow::Result<String> {
        self.action.validate()?;
        let server_url = self.address.server_url();
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
            self.action.max_call_ids,
            self.action.auth,
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
    fn cache_and_quota_settings_reach_the_gong_client_and_the_key_stays_secret() {
        let key = "ab".repeat(32);
        let cli = Cli::try_parse_from([
            "callbrief",
            "mcp",
            "--gong-bearer-token",
            "t",
            "--cache",
            "memory",
            "--cache-dir",
            "/nonexistent/callbrief-test",
            "--cache-memory-mb",
            "8",
            "--cache-key",
            &key,
            "--gong-daily-quota",
            "50",
            "--gong-daily-reserve",
            "5",
        ])
        .unwrap();
        assert!(!format!("{cli:?}").contains(&key), "the key is printed");
        let Command::Mcp(args) = cli.command else {
            panic!("not mcp")
        };
        let cfg = args.upstream.gong.to_config().unwrap();
        assert_eq!(cfg.cache.mode, service::settings::CacheMode::Memory);
        assert_eq!(
            cfg.cache.dir,
            std::path::Path::new("/nonexistent/callbrief-test")
        );
        assert_eq!(cfg.cache.memory_bytes, 8 * 1024 * 1024);
        assert!(cfg.cache.key.is_some());
        assert_eq!((cfg.daily_quota, cfg.daily_reserve), (50, 5));

        let defaults =
            Cli::try_parse_from(["callbrief", "mcp", "--gong-bearer-token", "t"]).unwrap();
        let Command::Mcp(args) = defaults.command else {
            panic!("not mcp")
        };
        let cfg = args.upstream.gong.to_config().unwrap();
        assert_eq!(
            cfg.cache.mode,
            service::settings::CacheMode::Disk,
            "disk is the default"
        );
        assert_eq!(cfg.cache.dir, service::settings::default_cache_dir());

        let reserve_too_big = Cli::try_parse_from([
            "callbrief",
            "mcp",
            "--gong-bearer-token",
            "t",
            "--gong-daily-quota",
            "5",
            "--gong-daily-reserve",
            "5",
        ])
        .unwrap();
        let Command::Mcp(args) = reserve_too_big.command else {
            panic!("not mcp")
        };
        let err = args.upstream.gong.to_config().unwrap_err().to_string();
        assert!(err.contains("GONG_DAILY_RESERVE"), "{err}");
    }

    #[test]
    fn redis_settings_reach_the_gong_client_and_the_password_stays_secret() {
        let mcp_with = |extra: &[&str]| {
            let mut argv = vec!["callbrief", "mcp", "--gong-bearer-token", "t"];
            argv.extend_from_slice(extra);
            let cli = Cli::try_parse_from(argv).unwrap();
            assert!(
                !format!("{cli:?}").contains("hunter2"),
                "the password is printed"
            );
            let Command::Mcp(args) = cli.command else {
                panic!("not mcp")
            };
            args.upstream.gong.to_config()
        };
        let cfg = mcp_with(&[
            "--redis-url",
            "rediss://:hunter2@cache.example.com:6380/0",
            "--redis-timeout-ms",
            "100",
            "--gong-degraded-requests-per-second",
            "2",
        ])
        .unwrap();
        let redis = cfg.redis.expect("redis configured");
        assert_eq!(redis.timeout, std::time::Duration::from_millis(100));
        assert_eq!(redis.degraded_requests_per_second, 2);
        let shown = format!("{redis:?}");
        assert!(shown.contains("cache.example.com:6380") && !shown.contains("hunter2"));

        assert!(mcp_with(&[]).unwrap().redis.is_none(), "off by default");
        for bad in [
            &["--redis-url", "http://:hunter2@cache.example.com"][..],
            &["--redis-url", "redis://h", "--redis-timeout-ms", "0"],
            &[
                "--redis-url",
                "redis://h",
                "--gong-degraded-requests-per-second",
                "0",
            ],
        ] {
            let err = mcp_with(bad).unwrap_err().to_string();
            assert!(!err.contains("hunter2"), "{err}");
            assert!(
                err.contains("CALLBRIEF_REDIS") || err.contains("GONG_DEGRADED"),
                "{err}"
            );
        }
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
