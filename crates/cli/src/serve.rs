//! `callbrief serve`: settings from flags/env, then the server until SIGTERM or Ctrl-C.

use anyhow::Context;
use server::config::ServerArgs;
use server::{Application, Settings};

/// Builds and runs the server; returns after a graceful shutdown.
pub async fn run(args: &ServerArgs, log_format: server::LogFormat) -> anyhow::Result<()> {
    let mut settings = Settings::try_from(args)?;
    settings.log_format = log_format;
    let app = Application::build(settings)
        .await
        .context("could not start the server")?;
    eprintln!("callbrief listening on {}", app.base_url());
    if let Some(metrics_url) = app.metrics_url() {
        eprintln!("metrics at {metrics_url}");
    }
    app.run_until_stopped().await.context("server failed")?;
    Ok(())
}
