//! `callbrief`: the one binary. `serve` runs the HTTP server, `sim` the simulators it is tested
//! against, `demo` both plus a walkthrough, `openapi` prints the API documents, `gpt-setup` the
//! GPT setup guide. `sim` and `demo` exist only with the default `demo` feature, so a production
//! build (`--no-default-features`) carries no simulator.
//!
//! Errors end the process with exit code 1 and one line, `error: <what>: <why>`, never a debug dump.

mod args;
mod briefing;
mod cache;
#[cfg(feature = "demo")]
mod demo;
mod gpt_setup;
mod mcp;
mod meetings;
mod oauth_client;
mod prefetch;
mod probe;
mod serve;
#[cfg(feature = "demo")]
mod sim;

use std::process::ExitCode;

use clap::Parser;

use crate::args::{Cli, Command};

/// jemalloc instead of the system allocator: glibc keeps memory freed after a burst of large
/// requests in per-thread arenas, so a server stayed at three times its idle size long after the
/// load. jemalloc's background thread hands freed pages back to the system while the server is
/// idle ([`JEMALLOC_CONF`]).
#[cfg(not(windows))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's settings, read when it starts: purge freed pages from a background thread after
/// one second, return them to the system at once (no lazy "muzzy" stage, which keeps them in
/// RSS), and four arenas so a few threads' leftovers cannot add up.
#[cfg(not(windows))]
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static JEMALLOC_CONF: &[u8] =
    b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:4\0";

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|runtime| runtime.block_on(run(cli)));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let log_format = cli.log.log_format;
    match cli.command {
        Command::Serve(args) => {
            server::telemetry::init(log_format, "info");
            serve::run(&args, log_format).await
        }
        #[cfg(feature = "demo")]
        Command::Sim(args) => {
            server::telemetry::init(log_format, "info");
            sim::run(*args).await
        }
        #[cfg(feature = "demo")]
        Command::Demo(args) => {
            // The walkthrough's own output is the point: logs go to a file it names.
            let log_file = demo::start_logging(log_format, &args)?;
            demo::run(args, log_file).await
        }
        Command::Openapi(args) => print_stdout(&args.document()?),
        Command::GptSetup(args) => {
            let guide = args.guide()?;
            for warning in args.warnings() {
                eprintln!("warning: {warning}");
            }
            print_stdout(&guide)
        }
        Command::Briefing(args) => {
            // The pack goes to stdout; logs only for problems, on stderr.
            server::telemetry::init(log_format, "warn");
            print_stdout(&args.run().await?)
        }
        Command::Meetings(args) => {
            server::telemetry::init(log_format, "warn");
            print_stdout(&args.run().await?)
        }
        Command::Prefetch(args) => {
            server::telemetry::init(log_format, "warn");
            print_stdout(&args.run().await?)
        }
        Command::Cache(args) => {
            server::telemetry::init(log_format, "warn");
            print_stdout(&args.run().await?)
        }
        Command::OauthClient(args) => {
            server::telemetry::init(log_format, "warn");
            print_stdout(&args.run()?)
        }
        Command::Probe(args) => print_stdout(&args.run().await?),
        Command::Mcp(args) => {
            // stdout is the protocol: logs go to stderr only (as `telemetry::init` writes them).
            server::telemetry::init(log_format, "warn");
            args.run().await
        }
    }
}

/// Writes `text` and a newline to stdout; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::from(err).context("could not write to stdout"))
        }
        _ => Ok(()),
    }
}
