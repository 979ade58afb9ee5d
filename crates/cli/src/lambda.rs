//! `callbrief-lambda` (feature `lambda`): the server's router under the AWS Lambda runtime, for
//! API Gateway HTTP API (payload v2) and Lambda Function URL events. Same routes, same auth,
//! same settings as `callbrief serve`, read from the function's environment variables; each
//! event is one request, so there is no listener, no connection limit and no metrics port
//! (Lambda has its own).
//!
//! Build: `cargo lambda build --release -p callbrief --no-default-features --features lambda
//! --bin callbrief-lambda`; cargo-lambda packages it as `bootstrap` for the `provided.al2023`
//! runtime.

use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use server::config::{LogArgs, ServerArgs};
use server::Settings;

/// The settings of `callbrief serve`, from the environment (Lambda passes no arguments).
#[derive(Debug, Parser)]
#[command(name = "callbrief-lambda", version, about)]
struct LambdaCli {
    #[command(flatten)]
    log: LogArgs,

    #[command(flatten)]
    server: ServerArgs,
}

fn main() -> ExitCode {
    let cli = LambdaCli::parse();
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

async fn run(cli: LambdaCli) -> anyhow::Result<()> {
    server::telemetry::init(cli.log.log_format, "info");
    let mut settings = Settings::try_from(&cli.server)?;
    settings.log_format = cli.log.log_format;
    let router = server::startup::standalone_router(settings)
        .context("could not build the server")?
        .layer(axum::middleware::map_request(client_address));
    lambda_http::run(router)
        .await
        .map_err(|e| anyhow::anyhow!("the Lambda runtime stopped: {e}"))
}

/// The client's address from the API Gateway (or Function URL) request context, for the
/// per-address limits: there is no connection to read it from, and the gateway's own address
/// would count every client as one.
async fn client_address(mut request: axum::extract::Request) -> axum::extract::Request {
    use lambda_http::request::RequestContext;
    let source = match request.extensions().get::<RequestContext>() {
        Some(RequestContext::ApiGatewayV2(context)) => context.http.source_ip.clone(),
        _ => None,
    };
    if let Some(ip) = source.and_then(|s| s.parse::<std::net::IpAddr>().ok()) {
        request
            .extensions_mut()
            .insert(server::client_addr::ClientAddr(ip));
    }
    request
}
