//! `callbrief oauth-client create --name … --redirect-uri …`: an OAuth client for a front door
//! that cannot register itself (a GPT action), printed once as an id and a secret.
//!
//! The id and secret are signed and derived with `CALLBRIEF_CACHE_KEY` (see the server's
//! `oauth::server::clients`), so nothing is written and the server need not be stopped: any
//! server with the same key accepts them. They go into the GPT's OAuth settings, so the
//! Salesforce Connected App's secret never leaves the server.

use anyhow::Context as _;
use clap::{Args, Subcommand};
use server::config::CacheArgs;
use server::oauth::server::clients::{admin_client, ClientRegistry};

/// `callbrief oauth-client`.
#[derive(Debug, Args)]
pub struct OAuthClientArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: OAuthClientAction,
}

/// The operations on OAuth clients.
#[derive(Debug, Subcommand)]
pub enum OAuthClientAction {
    /// Create a confidential client (CALLBRIEF_OAUTH=server) and print its id and secret.
    Create(CreateArgs),
}

/// `callbrief oauth-client create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The client's name, shown in logs (e.g. "Sales GPT").
    #[arg(long)]
    pub name: String,

    /// A redirect URI the client may receive answers at, exactly as it sends it (repeat for
    /// several), e.g. https://chatgpt.com/aip/g-.../oauth/callback.
    #[arg(long = "redirect-uri", required = true)]
    pub redirect_uris: Vec<String>,

    /// Let this client sign people in without PKCE: for a ChatGPT GPT action, which is
    /// reported not to send a code challenge. The client still redeems codes only with its
    /// secret and at its exact redirect URIs; leave it off for anything that does PKCE.
    #[arg(long)]
    pub allow_without_pkce: bool,

    #[command(flatten)]
    pub cache: CacheArgs,
}

impl OAuthClientArgs {
    /// Runs the action and returns what to print.
    pub fn run(&self) -> anyhow::Result<String> {
        match &self.action {
            OAuthClientAction::Create(args) => {
                let cache = args.cache.to_config()?;
                let key = cache.key.as_ref().context(
                    "CALLBRIEF_CACHE_KEY is not set: clients are signed with it, and the server \
                     must have the same key to accept them. Make one with `openssl rand -hex 32` \
                     (64 hex digits), set it on the server and here, and keep it like a password",
                )?;
                let issued = admin_client(
                    &ClientRegistry::for_cache_key(Some(key)),
                    &args.name,
                    args.redirect_uris.clone(),
                    args.allow_without_pkce,
                )
                .map_err(|e| anyhow::anyhow!("{}: {}", e.error, e.description))?;
                let secret = issued.client_secret.unwrap_or_default();
                Ok(format!(
                    "client_id: {}\nclient_secret: {secret}\ntoken_endpoint_auth_method: client_secret_post (client_secret_basic works too)\n\
                     Keep the secret like a password: it is shown once. It stops working when CALLBRIEF_CACHE_KEY changes.",
                    issued.client_id
                ))
            }
        }
    }
}
