//! `callbrief demo`: the whole path on one machine, nothing to configure.
//!
//! Starts the Gong simulator and the server on free loopback ports with a fresh API key, then
//! runs each walkthrough step over real HTTP exactly as ChatGPT would, and prints what a person
//! needs to try it themselves. Each step is its own module so later steps slot in beside it.

mod transcripts;

use std::sync::Arc;

use anyhow::Context;
use gong::{GongAuth, GongConfig};
use secrecy::SecretString;
use server::{Application, Settings};
use sim::gong::GongSimConfig;
use sim::org::SampleOrg;

use crate::args::DemoArgs;

/// Runs the demo; with `--once` returns after the walkthrough, otherwise serves until Ctrl-C.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let org = Arc::new(SampleOrg::for_today());
    let sim_cfg = GongSimConfig::default();
    let gong_sim = sim::gong::spawn(org.clone(), sim_cfg.clone())
        .await
        .context("could not start the Gong simulator")?;

    let gong_cfg = GongConfig::new(
        &gong_sim.base_url,
        GongAuth::Basic {
            access_key: sim_cfg.access_key.clone(),
            access_key_secret: SecretString::from(sim_cfg.access_key_secret.clone()),
        },
    )
    .context("invalid Gong simulator URL")?;
    let api_key = format!("cb-demo-{}", uuid::Uuid::new_v4().simple());
    let mut settings = Settings::new("127.0.0.1:0".parse().context("loopback address")?, gong_cfg);
    settings.api_keys = vec![SecretString::from(api_key.clone())];
    let app = Application::build(settings)
        .await
        .context("could not start the server")?;
    let base_url = app.base_url();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_with_shutdown(async {
        // A dropped sender also stops the server.
        let _ = stop_rx.await;
    }));

    println!("callbrief demo");
    println!();
    println!("  Gong simulator  {}", gong_sim.base_url);
    println!("  callbrief       {base_url}");
    println!("  API key         {api_key}");
    println!();

    let http = reqwest::Client::builder()
        .build()
        .context("could not build the HTTP client")?;
    let step = transcripts::walkthrough(&http, &base_url, &api_key, &org).await?;

    println!("Try it yourself:");
    println!();
    println!("  {}", step.curl);
    println!("  curl -s {base_url}/openapi.json");
    println!("  curl -s {base_url}/healthz");
    println!();

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
