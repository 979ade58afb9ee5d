//! `callbrief serve`: settings from flags/env, then the server until SIGTERM or Ctrl-C.

use anyhow::Context;
use server::Application;

use crate::args::ServeArgs;

/// Builds and runs the server; returns after a graceful shutdown.
pub async fn run(args: ServeArgs, log_format: server::LogFormat) -> anyhow::Result<()> {
    let settings = args.to_settings(log_format)?;
    let app = Application::build(settings)
        .await
        .context("could not start the server")?;
    eprintln!("callbrief listening on {}", app.base_url());
    app.run_until_stopped().await.context("server failed")?;
    Ok(())
}
