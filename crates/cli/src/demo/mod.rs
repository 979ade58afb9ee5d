//! `callbrief demo`: the whole path on one machine, nothing to configure.
//!
//! Starts the Gong and Salesforce simulators (over one sample org) and the server on free
//! loopback ports with a fresh API key, then walks the two-action flow over real HTTP exactly as
//! the GPT would: sign in to Salesforce, SOSL for the account, SOQL for its newest Gong calls,
//! `POST /callTranscripts`; then the recommended one-action flow: `GET /accounts/search` and
//! `GET /accounts/{id}/briefing`. It then shows where the GPT setup kit is, the MCP endpoint and
//! what to try next. Each step is its own module.
//!
//! The walkthrough is the output: the server's and the libraries' logs go to a file it names at
//! the end (or, with `--verbose`, to stderr), never between its lines.

mod briefing;
mod http;
mod mcp;
mod salesforce;
mod setup;
mod table;
mod transcripts;

use std::path::PathBuf;

use anyhow::Context;
use secrecy::SecretString;
use server::{Application, LogFormat, Settings};
use service::settings::{CacheConfig, CacheMode, GongAuth, GongConfig};
use sim::gong::GongSimConfig;
use sim::org::SampleOrg;
use sim::salesforce::SalesforceSimConfig;
use url::Url;

use crate::args::DemoArgs;

/// Level of the demo's logs: the server's requests and startup, as `serve` logs them.
const DEMO_LOG_FILTER: &str = "info";

/// Sends the logs to stderr with `--verbose`, else to a fresh file in the temporary directory,
/// whose path is returned so the walkthrough can name it.
pub fn start_logging(format: LogFormat, args: &DemoArgs) -> anyhow::Result<Option<PathBuf>> {
    if args.verbose {
        server::telemetry::init(format, DEMO_LOG_FILTER);
        return Ok(None);
    }
    let path = std::env::temp_dir().join(format!("callbrief-demo-{}.log", std::process::id()));
    let file = std::fs::File::create(&path)
        .with_context(|| format!("could not create the log file {}", path.display()))?;
    server::telemetry::init_to_file(format, DEMO_LOG_FILTER, file);
    Ok(Some(path))
}

/// Runs the demo; with `--once` returns after the walkthrough, otherwise serves until Ctrl-C.
/// `log_file` is where [`start_logging`] sent the logs, if not to stderr.
pub async fn run(args: DemoArgs, log_file: Option<PathBuf>) -> anyhow::Result<()> {
    let org = SampleOrg::shared_for_today();
    let sim_cfg = GongSimConfig::default();
    let gong_sim = sim::gong::spawn(org.clone(), sim_cfg.clone())
        .await
        .context("could not start the Gong simulator")?;
    let sf_cfg = SalesforceSimConfig {
        gong_package: !args.without_gong_package,
        ..SalesforceSimConfig::default()
    };
    let sf_sim = sim::salesforce::spawn(org.clone(), sf_cfg.clone())
        .await
        .context("could not start the Salesforce simulator")?;

    let mut gong_cfg = GongConfig::new(
        &gong_sim.base_url,
        GongAuth::Basic {
            access_key: sim_cfg.access_key.clone(),
            access_key_secret: SecretString::from(sim_cfg.access_key_secret.clone()),
        },
    )
    .context("invalid Gong simulator URL")?;
    // The cache in memory, so repeated asks in the walkthrough are served warm: each run's
    // simulator listens on a new port (a new cache tenant), so a store on disk would only
    // gather entries no later run can read.
    gong_cfg.cache = CacheConfig {
        mode: CacheMode::Memory,
        ..CacheConfig::default()
    };
    let api_key = format!("cb-demo-{}", uuid::Uuid::new_v4().simple());
    let mut settings = Settings::new("127.0.0.1:0".parse().context("loopback address")?, gong_cfg);
    settings.api_keys = vec![SecretString::from(api_key.clone())];
    let sf_url = Url::parse(&sf_sim.base_url).context("invalid Salesforce simulator URL")?;
    settings.salesforce.instance_url = Some(sf_url.clone());
    settings.salesforce.login_url = Some(sf_url);
    settings.salesforce.client_id = Some(sf_cfg.client_id.clone());
    settings.salesforce.client_secret = Some(SecretString::from(sf_cfg.client_secret.clone()));
    let api_version = settings.salesforce.api_version.clone();
    let gong_fields = settings.gong_fields.clone();
    // The demo shows what an operator would watch: metrics on a port of their own.
    settings.metrics_addr = Some("127.0.0.1:0".parse().context("loopback address")?);
    // The walkthrough shows a cold briefing, then a warm one: nothing fills the cache ahead.
    settings.prefetch.hours_ahead = 0;
    let app = Application::build(settings)
        .await
        .context("could not start the server")?;
    let base_url = app.base_url();
    let metrics_url = app.metrics_url().unwrap_or_default();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_with_shutdown(async {
        // A dropped sender also stops the server.
        let _ = stop_rx.await;
    }));

    println!("callbrief demo");
    println!();
    println!("  Gong simulator        {}", gong_sim.base_url);
    println!("  Salesforce simulator  {}", sf_sim.base_url);
    println!("  callbrief             {base_url}");
    println!("  metrics (Prometheus)  {metrics_url}");
    println!("  API key               {api_key}");
    println!();
    println!("The two-action flow, as the GPT runs it:");
    println!();

    let http = reqwest::Client::builder()
        .build()
        .context("could not build the HTTP client")?;
    let mut curls = Vec::new();
    if args.without_gong_package {
        println!(
            "   Skipped: this org has no Gong package, so there is no Gong call object to query"
        );
        println!("   (the server finds each account's calls in Gong by e-mail domain instead).");
        println!();
    } else {
        let found = salesforce::walkthrough(
            &http,
            &salesforce::SalesforceTarget {
                base_url: &sf_sim.base_url,
                api_version: &api_version,
                client_id: &sf_cfg.client_id,
                client_secret: &sf_cfg.client_secret,
            },
            &gong_fields,
        )
        .await?;
        let step = transcripts::walkthrough(
            &http,
            &base_url,
            &api_key,
            &format!("{} ({})", found.account_name, found.account_id),
            &found.call_ids,
        )
        .await?;
        curls.extend(found.curls);
        curls.push(step.curl);
    }
    let one_action = briefing::walkthrough(&http, &base_url, &api_key).await?;

    // The running binary's own path: callbrief need not be on the PATH for its lines to run.
    let program = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "callbrief".to_owned());
    let gpt_setup_line = format!(
        "SALESFORCE_INSTANCE_URL={} CALLBRIEF_PUBLIC_URL={base_url} {program} gpt-setup",
        sf_sim.base_url
    );
    setup::print_setup(
        &http,
        &base_url,
        &gpt_setup_line,
        !args.without_gong_package,
    )
    .await?;
    setup::print_users(&org);
    mcp::print_mcp(&http, &base_url, &api_key).await?;

    println!("Try it yourself:");
    println!();
    for curl in curls.iter().chain(&one_action.curls) {
        println!("  {curl}");
    }
    println!(
        "  {}",
        briefing::cli_line(
            &program,
            &[
                ("CALLBRIEF_CACHE", "memory"),
                ("GONG_BASE_URL", gong_sim.base_url.as_str()),
                ("GONG_ACCESS_KEY", sim_cfg.access_key.as_str()),
                ("GONG_ACCESS_KEY_SECRET", sim_cfg.access_key_secret.as_str()),
                ("SALESFORCE_INSTANCE_URL", sf_sim.base_url.as_str()),
                ("SALESFORCE_CLIENT_ID", sf_cfg.client_id.as_str()),
                ("SALESFORCE_CLIENT_SECRET", sf_cfg.client_secret.as_str()),
            ]
        )
    );
    println!("  curl -s {base_url}/gpt/instructions");
    if !args.without_gong_package {
        println!("  curl -s {base_url}/openapi/salesforce.json");
    }
    println!("  curl -s {base_url}/openapi.json");
    println!("  curl -s {base_url}/healthz");
    println!("  curl -s {base_url}/readyz");
    println!("  curl -s {metrics_url}");
    println!();
    if let Some(path) = &log_file {
        println!("Server and library logs: {}", path.display());
        println!();
    }

    if args.once {
        println!("Done (--once).");
    } else {
        println!("Serving until Ctrl-C.");
        server::startup::shutdown_signal().await;
    }
    let _ = stop_tx.send(());
    server
        .await
        .context("the server task failed")?
        .context("the server failed")?;
    Ok(())
}
