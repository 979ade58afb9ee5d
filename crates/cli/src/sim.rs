//! `callbrief sim`: runs each simulator whose address flag is given, until Ctrl-C or SIGTERM.
//!
//! Simulators are independent servers over one shared sample org, so a Salesforce record and
//! the Gong call it names always agree.

use std::time::Duration;

use anyhow::Context;
use sim::gong::{Faults, GongSimConfig};
use sim::org::{SampleOrg, UserRole};
use sim::salesforce::SalesforceSimConfig;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::args::{GongSimArgs, SalesforceSimArgs, SimArgs};

/// Starts the requested simulators and serves until a shutdown signal or until one stops.
pub async fn run(args: SimArgs) -> anyhow::Result<()> {
    if args.gong_addr.is_none() && args.salesforce_addr.is_none() {
        anyhow::bail!(
            "no simulator requested: pass --gong-addr 127.0.0.1:PORT and/or \
             --salesforce-addr 127.0.0.1:PORT"
        );
    }
    let gong_cfg = gong_sim_config(&args.gong)?;
    let sf_cfg = salesforce_sim_config(&args.salesforce)?;
    let org = std::sync::Arc::new(SampleOrg::for_today_with_reps(args.org_reps));
    let mut running: JoinSet<anyhow::Result<()>> = JoinSet::new();

    if let Some(gong_addr) = args.gong_addr {
        let listener = TcpListener::bind(gong_addr)
            .await
            .with_context(|| format!("could not listen on {gong_addr} for the Gong simulator"))?;
        let addr = listener
            .local_addr()
            .context("could not read the Gong simulator's address")?;
        print_gong(&addr.to_string(), &org, &gong_cfg);
        if let Some(sender) = webhook_sender(&args)? {
            println!(
                "  webhooks to {} (test delivery now{}); GONG_WEBHOOK_PUBLIC_KEY for the demo key: {}",
                sender.url,
                sender
                    .new_call_every
                    .map_or_else(String::new, |every| format!(
                        ", a new call every {} s",
                        every.as_secs()
                    )),
                sim::gong::DEMO_WEBHOOK_PUBLIC_KEY_PEM
                    .lines()
                    .filter(|l| !l.starts_with("-----"))
                    .collect::<String>()
            );
            let sending = sim::gong::webhooks::spawn_sender(org.clone(), sender)
                .map_err(|e| anyhow::anyhow!("--webhook-key-file: {e}"))?;
            running.spawn(async move {
                // The sender ends after its test delivery when no new calls are asked for.
                let _ = sending.await;
                std::future::pending::<anyhow::Result<()>>().await
            });
        }
        let org = org.clone();
        running.spawn(async move {
            sim::gong::serve(listener, org, gong_cfg)
                .await
                .context("the Gong simulator stopped")
        });
    }
    if let Some(sf_addr) = args.salesforce_addr {
        let listener = TcpListener::bind(sf_addr).await.with_context(|| {
            format!("could not listen on {sf_addr} for the Salesforce simulator")
        })?;
        let addr = listener
            .local_addr()
            .context("could not read the Salesforce simulator's address")?;
        print_salesforce(&addr.to_string(), &org, &sf_cfg);
        let org = org.clone();
        running.spawn(async move {
            sim::salesforce::serve(listener, org, sf_cfg)
                .await
                .context("the Salesforce simulator stopped")
        });
    }

    tokio::select! {
        Some(ended) = running.join_next() => {
            ended.context("a simulator task failed")??;
        }
        () = server::startup::shutdown_signal() => {}
    }
    Ok(())
}

/// The webhook sender `args` ask for, with its key read.
fn webhook_sender(args: &SimArgs) -> anyhow::Result<Option<sim::gong::webhooks::WebhookSender>> {
    let Some(url) = &args.webhooks.webhook_url else {
        return Ok(None);
    };
    let private_key_pem = match &args.webhooks.webhook_key_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("could not read --webhook-key-file {}", path.display()))?,
        None => sim::gong::DEMO_WEBHOOK_PRIVATE_KEY_PEM.to_owned(),
    };
    Ok(Some(sim::gong::webhooks::WebhookSender {
        url: url.to_string(),
        private_key_pem,
        new_call_every: (args.webhooks.new_call_every_secs > 0)
            .then(|| Duration::from_secs(args.webhooks.new_call_every_secs)),
    }))
}

fn print_gong(addr: &str, org: &SampleOrg, cfg: &GongSimConfig) {
    println!("Gong simulator listening on http://{addr}");
    println!(
        "  accepts Basic {}:{} and Bearer {}",
        cfg.access_key,
        cfg.access_key_secret,
        cfg.bearer_tokens.join(", ")
    );
    println!(
        "  {} accounts, {} calls; page size {}; rate limit {}; daily quota {}",
        org.accounts.len(),
        org.calls.len(),
        cfg.page_size,
        cfg.rate_limit_per_sec
            .map_or_else(|| "off".to_owned(), |n| format!("{n}/s")),
        cfg.daily_quota
            .map_or_else(|| "off".to_owned(), |n| n.to_string()),
    );
}

fn print_salesforce(addr: &str, org: &SampleOrg, cfg: &SalesforceSimConfig) {
    println!("Salesforce simulator listening on http://{addr} (instance and login URL)");
    println!(
        "  Connected App {} / {}; API versions vNN.0; page size {}; API quota {}",
        cfg.client_id,
        cfg.client_secret,
        cfg.page_size,
        cfg.api_quota
            .map_or_else(|| "off".to_owned(), |n| n.to_string()),
    );
    if !cfg.gong_package {
        println!("  no Gong package: the Gong call object does not exist in this org");
    }
    println!(
        "  users (password {}; client_credentials acts as the integration user):",
        sim::salesforce::DEMO_PASSWORD
    );
    let generated = |u: &&sim::org::User| sim::org::org_rep_number(&u.username).is_some();
    for user in org.users.iter().filter(|u| !generated(u)) {
        println!("    {:<36} {}", user.username, role_name(user.role));
    }
    let reps = org.users.iter().filter(generated).count();
    if reps > 0 {
        println!(
            "    {} … {}  {reps} generated reps",
            sim::org::org_rep_username(1),
            sim::org::org_rep_username(reps as u32)
        );
    }
}

/// How a role is described to people.
pub fn role_name(role: UserRole) -> &'static str {
    match role {
        UserRole::Rep => "rep: own and shared accounts",
        UserRole::Manager => "manager: the team's accounts",
        UserRole::Integration => "integration user: everything",
    }
}

/// The Salesforce simulator configuration: its defaults, overridden by each flag given.
pub fn salesforce_sim_config(args: &SalesforceSimArgs) -> anyhow::Result<SalesforceSimConfig> {
    let mut cfg = SalesforceSimConfig::default();
    if let Some(n) = args.salesforce_page_size {
        anyhow::ensure!(n > 0, "--salesforce-page-size must be at least 1");
        cfg.page_size = n;
    }
    if let Some(n) = args.salesforce_api_quota {
        cfg.api_quota = (n > 0).then_some(n);
    }
    if let Some(ms) = args.salesforce_latency_ms {
        cfg.latency = Duration::from_millis(ms);
    }
    cfg.gong_package = !args.salesforce_without_gong_package;
    cfg.rotate_refresh_tokens = args.salesforce_rotate_refresh_tokens;
    if let Some(id) = &args.salesforce_client_id {
        cfg.client_id = id.clone();
    }
    if let Some(secret) = &args.salesforce_client_secret {
        cfg.client_secret = secret.clone();
    }
    Ok(cfg)
}

/// The simulator configuration: its defaults, overridden by each flag given.
pub fn gong_sim_config(args: &GongSimArgs) -> anyhow::Result<GongSimConfig> {
    let mut cfg = GongSimConfig::default();
    if let Some(n) = args.page_size {
        anyhow::ensure!(n > 0, "--page-size must be at least 1");
        cfg.page_size = n;
    }
    if args.no_rate_limit {
        cfg.rate_limit_per_sec = None;
        cfg.daily_quota = None;
    }
    if let Some(n) = args.rate_limit_per_sec {
        cfg.rate_limit_per_sec = (n > 0).then_some(n);
    }
    if let Some(n) = args.daily_quota {
        cfg.daily_quota = (n > 0).then_some(n);
    }
    if let Some(secs) = args.retry_after_secs {
        cfg.retry_after_secs = secs;
    }
    let mut faults = Faults {
        seed: args.seed.unwrap_or(cfg.faults.seed),
        ..cfg.faults.clone()
    };
    if let Some(ms) = args.latency_ms {
        faults.latency = Duration::from_millis(ms);
    }
    if let Some(rate) = args.error_rate {
        anyhow::ensure!(
            (0.0..=1.0).contains(&rate),
            "--error-rate must be between 0.0 and 1.0"
        );
        faults.error_rate = rate;
    }
    if let Some(n) = args.fail_first {
        faults.fail_first = n;
    }
    if let Some(n) = args.rate_limit_first {
        faults.rate_limit_first = n;
    }
    if let Some(ms) = args.slow_body_ms {
        faults.slow_body = (ms > 0).then(|| Duration::from_millis(ms));
    }
    faults.truncate_body |= args.truncate_body;
    cfg.faults = faults;
    if let Some(key) = &args.gong_access_key {
        cfg.access_key = key.clone();
    }
    if let Some(secret) = &args.gong_access_key_secret {
        cfg.access_key_secret = secret.clone();
    }
    if let Some(token) = &args.gong_bearer_token {
        cfg.bearer_tokens = vec![token.clone()];
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Cli;
    use clap::Parser;

    fn config(flags: &[&str]) -> anyhow::Result<GongSimConfig> {
        let mut argv = vec!["callbrief", "sim", "--gong-addr", "127.0.0.1:0"];
        argv.extend_from_slice(flags);
        let cli = Cli::try_parse_from(argv)?;
        match cli.command {
            crate::args::Command::Sim(args) => gong_sim_config(&args.gong),
            _ => anyhow::bail!("not sim"),
        }
    }

    #[test]
    fn unset_flags_keep_the_simulator_defaults() {
        let cfg = config(&[]).unwrap();
        let defaults = GongSimConfig::default();
        assert_eq!(cfg.page_size, defaults.page_size);
        assert_eq!(cfg.rate_limit_per_sec, defaults.rate_limit_per_sec);
        assert_eq!(cfg.access_key, defaults.access_key);
        assert!(!cfg.faults.truncate_body);
    }

    #[test]
    fn flags_set_limits_and_faults() {
        let cfg = config(&[
            "--page-size",
            "2",
            "--no-rate-limit",
            "--latency-ms",
            "150",
            "--error-rate",
            "0.25",
            "--fail-first",
            "2",
            "--rate-limit-first",
            "3",
            "--slow-body-ms",
            "500",
            "--truncate-body",
            "--retry-after-secs",
            "7",
            "--gong-bearer-token",
            "tok",
        ])
        .unwrap();
        assert_eq!(cfg.page_size, 2);
        assert_eq!(cfg.rate_limit_per_sec, None);
        assert_eq!(cfg.daily_quota, None);
        assert_eq!(cfg.retry_after_secs, 7);
        assert_eq!(cfg.faults.latency, Duration::from_millis(150));
        assert_eq!(cfg.faults.error_rate, 0.25);
        assert_eq!(cfg.faults.fail_first, 2);
        assert_eq!(cfg.faults.rate_limit_first, 3);
        assert_eq!(cfg.faults.slow_body, Some(Duration::from_millis(500)));
        assert!(cfg.faults.truncate_body);
        assert_eq!(cfg.bearer_tokens, ["tok"]);
    }

    #[test]
    fn salesforce_flags_override_the_simulator_defaults() {
        let parse = |flags: &[&str]| -> anyhow::Result<SalesforceSimConfig> {
            let mut argv = vec!["callbrief", "sim", "--salesforce-addr", "127.0.0.1:0"];
            argv.extend_from_slice(flags);
            match Cli::try_parse_from(argv)?.command {
                crate::args::Command::Sim(args) => salesforce_sim_config(&args.salesforce),
                _ => anyhow::bail!("not sim"),
            }
        };
        let defaults = parse(&[]).unwrap();
        assert_eq!(defaults.client_id, sim::salesforce::DEMO_CLIENT_ID);
        assert_eq!(defaults.api_quota, None);
        assert!(defaults.gong_package);
        assert!(
            !parse(&["--salesforce-without-gong-package"])
                .unwrap()
                .gong_package
        );
        let cfg = parse(&[
            "--salesforce-page-size",
            "3",
            "--salesforce-api-quota",
            "10",
            "--salesforce-client-id",
            "id",
            "--salesforce-client-secret",
            "secret",
            "--salesforce-latency-ms",
            "100",
        ])
        .unwrap();
        assert_eq!(cfg.latency, Duration::from_millis(100));
        assert_eq!(defaults.latency, Duration::ZERO);
        assert_eq!(cfg.page_size, 3);
        assert_eq!(cfg.api_quota, Some(10));
        assert_eq!(cfg.client_id, "id");
        assert_eq!(cfg.client_secret, "secret");
        assert!(parse(&["--salesforce-page-size", "0"]).is_err());
    }

    #[test]
    fn out_of_range_values_are_errors() {
        assert!(config(&["--error-rate", "1.5"]).is_err());
        assert!(config(&["--page-size", "0"]).is_err());
        assert!(config(&["--no-rate-limit", "--rate-limit-per-sec", "3"]).is_err());
    }
}
