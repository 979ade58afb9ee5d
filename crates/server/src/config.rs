//! [`Settings`]: everything the server needs, as a plain value, and the flags and environment
//! variables that fill it.
//!
//! The flags are declared once, in [`args`]: each group derives clap's `Args` and every command
//! of the binary flattens the groups it needs, so a variable has one name, one help text and one
//! default (the constants below) wherever it is read. [`ServerArgs`] is checked once into
//! `Settings` (`Settings::try_from`); nothing else reads the environment, and tests build
//! `Settings` directly, so they start a server with any settings without touching process state.

mod args;

pub use args::{
    ActionArgs, AddressArgs, CacheArgs, CacheModeArg, CallSourceArgs, ConnectionArgs, GongArgs,
    GongFieldsArgs, LogArgs, McpBudgetArgs, OAuthArgs, OperationsArgs, SalesforceArgs, ServerArgs,
    UpstreamArgs,
};

use std::net::SocketAddr;
use std::time::Duration;

use secrecy::SecretString;
use service::settings::{GongAuth, GongConfig};
use service::GongFields;
use url::Url;

/// Default listen address: loopback only, so a misconfigured server is not exposed by accident.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Default ceiling on call ids per request: enough for an assistant's "latest calls" step,
/// small enough that one request stays well inside ChatGPT's time and size budgets.
pub const DEFAULT_MAX_CALL_IDS: usize = 50;
/// Default ceiling on a request body: 64 KiB holds 50 ids many times over.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// Default whole-request ceiling: above Gong's 30 s deadline (so Gong's own, more precise error
/// wins) and under ChatGPT's 45 s action limit (so the caller always gets an answer).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(40);

/// Default budget of a response, in characters: ChatGPT's limit on an action's response.
pub const DEFAULT_MAX_RESPONSE_CHARS: usize = service::DEFAULT_MAX_CHARS;

/// Default most connections open at once: a small instance's worth of ChatGPT and MCP
/// clients, far below the file descriptors a process gets.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default most requests to the protected routes (transcripts, briefings, MCP tools) served at once: each
/// may hold Gong and Salesforce work for seconds, and Gong's rate limit queues the rest anyway.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 64;
/// Default time a client has to send a request's headers: a slow sender cannot hold a
/// connection open without asking anything.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time an idle keep-alive connection stays open: long enough for an assistant's next
/// call, short enough that abandoned connections are reclaimed.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default most connections one client address may hold open: half of
/// [`DEFAULT_MAX_CONNECTIONS`], so one address cannot take every place. Not less: ChatGPT and
/// Claude call from a few shared egress addresses, so a whole team's requests can come from one.
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: usize = 256;
/// Default most refused sign-ins per client address a minute: a person mistyping is far
/// below it, a script trying tokens far above.
pub const DEFAULT_MAX_FAILED_SIGN_INS: u32 = 30;
/// Default time to write a response to a client that reads slowly: a briefing of 100,000
/// characters takes well under a second on any working connection.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Default character budget of one MCP tool answer: Claude takes tool results up to about
/// 150,000 characters, more than ChatGPT actions' 100,000.
pub const DEFAULT_MCP_MAX_CHARS: usize = 150_000;
/// Default lifetime of callbrief's access tokens (`CALLBRIEF_OAUTH_ACCESS_TOKEN_SECS`).
pub const DEFAULT_ACCESS_TOKEN_TTL: Duration = Duration::from_secs(60 * 60);
/// Default lifetime of a refresh token, and of a session nobody uses
/// (`CALLBRIEF_OAUTH_REFRESH_TOKEN_DAYS`).
pub const DEFAULT_REFRESH_TOKEN_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Default most registrations per client address a minute (`CALLBRIEF_OAUTH_REGISTRATIONS_PER_MINUTE`).
pub const DEFAULT_REGISTRATIONS_PER_MINUTE: u32 = 10;

/// How callers prove who they are (`CALLBRIEF_AUTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AuthMode {
    /// callbrief API keys (CALLBRIEF_API_KEYS); Salesforce through the service credentials.
    #[default]
    ApiKey,
    /// Each caller's own Salesforce access token (Salesforce OAuth in the GPT); every query runs as them.
    Salesforce,
}

/// Who runs the OAuth sign-in in Salesforce mode (`CALLBRIEF_OAUTH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OAuthMode {
    /// Pass-through: `/oauth/authorize` and `/oauth/token` forward to Salesforce, clients use
    /// the Connected App's key and secret, and the bearer token is the Salesforce token.
    Proxy,
    /// callbrief is the authorization server (registration, PKCE, its own tokens), federated
    /// to Salesforce through its Connected App.
    #[default]
    Server,
}

/// Why server mode cannot sign anyone in, when the Connected App is not configured.
pub const SERVER_MODE_NEEDS_APP: &str = "CALLBRIEF_OAUTH=server signs people in through the \
    Connected App: set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET (or CALLBRIEF_OAUTH=proxy)";

/// The OAuth sign-in's settings (Salesforce mode only).
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// `CALLBRIEF_OAUTH`.
    pub mode: OAuthMode,
    /// Lifetime of callbrief's access tokens (`CALLBRIEF_OAUTH_ACCESS_TOKEN_SECS`).
    pub access_token_ttl: Duration,
    /// Lifetime of refresh tokens and unused sessions (`CALLBRIEF_OAUTH_REFRESH_TOKEN_DAYS`).
    pub refresh_token_ttl: Duration,
    /// Most client registrations per client address a minute
    /// (`CALLBRIEF_OAUTH_REGISTRATIONS_PER_MINUTE`; 0 = no limit).
    pub registrations_per_minute: u32,
    /// Where the authorization server reads the time; tests move their own.
    pub clock: std::sync::Arc<dyn clock::Clock>,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            mode: OAuthMode::default(),
            access_token_ttl: DEFAULT_ACCESS_TOKEN_TTL,
            refresh_token_ttl: DEFAULT_REFRESH_TOKEN_TTL,
            registrations_per_minute: DEFAULT_REGISTRATIONS_PER_MINUTE,
            clock: clock::system(),
        }
    }
}

/// How log lines are written (`CALLBRIEF_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Everything `Application::build` needs to run the server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where to listen; port 0 picks a free port (tests, demo).
    pub addr: SocketAddr,
    /// Accepted API keys; any one of them grants access.
    pub api_keys: Vec<SecretString>,
    /// Run without API keys. Without this flag the server refuses to start with no keys, so an
    /// open transcript endpoint is always a deliberate choice.
    pub insecure_no_auth: bool,
    /// The public URL callers reach the server at, written into the OpenAPI `servers` list;
    /// `None` means `http://<bound address>`.
    pub public_url: Option<Url>,
    /// How to reach Gong.
    pub gong: GongConfig,
    /// Most distinct call ids accepted in one request.
    pub max_call_ids: usize,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Whole-request ceiling; a backstop behind the Gong client's own deadline.
    pub request_timeout: Duration,
    /// Log line format, for whoever installs the subscriber ([`crate::telemetry::init`]); the
    /// server itself only emits events, so embedding it in tests leaves logging to the test.
    pub log_format: LogFormat,
    /// How to reach Salesforce; every field optional until a feature needs it.
    pub salesforce: SalesforceSettings,
    /// How callers authenticate (`CALLBRIEF_AUTH`).
    pub auth_mode: AuthMode,
    /// API names of the Gong managed package's call object and fields (`CALLBRIEF_GONG_*`).
    pub gong_fields: GongFields,
    /// Where an account's calls are found (`CALLBRIEF_CALL_SOURCE`, ...).
    pub calls: CallSourceSettings,
    /// Character budget of a response unless the caller asks for less (`CALLBRIEF_MAX_RESPONSE_CHARS`).
    pub max_response_chars: usize,
    /// How long a checked Salesforce token is trusted before it is checked again
    /// (`CALLBRIEF_TOKEN_CACHE_SECS`).
    pub token_cache_ttl: Duration,
    /// Character budget of one MCP tool answer (`CALLBRIEF_MCP_MAX_CHARS`); MCP clients take
    /// more than ChatGPT actions.
    pub mcp_max_chars: usize,
    /// Limits on connections and concurrent work, against slow or greedy clients.
    pub connections: ConnectionSettings,
    /// Where the Prometheus metrics listener binds (`CALLBRIEF_METRICS_ADDR`); `None` (the
    /// default) serves no metrics and installs no recorder.
    pub metrics_addr: Option<SocketAddr>,
    /// The OAuth sign-in in Salesforce mode (`CALLBRIEF_OAUTH`, ...).
    pub oauth: OAuthSettings,
    /// The prefetch job `serve` runs (`CALLBRIEF_PREFETCH_*`).
    pub prefetch: PrefetchSettings,
    /// Gong's signed webhooks (`GONG_WEBHOOK_*`).
    pub webhook: WebhookSettings,
}

/// Default largest webhook body: Gong's call object with parties and content fits in far less.
pub const DEFAULT_WEBHOOK_MAX_BODY_BYTES: usize = 1024 * 1024;

/// `POST /webhooks/gong`: the key its tokens are checked with (off without one) and the
/// largest body it reads.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// `GONG_WEBHOOK_PUBLIC_KEY`.
    pub key: Option<service::webhook::WebhookKey>,
    /// `GONG_WEBHOOK_MAX_BODY_BYTES`.
    pub max_body_bytes: usize,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            key: None,
            max_body_bytes: DEFAULT_WEBHOOK_MAX_BODY_BYTES,
        }
    }
}

/// The prefetch job: how often it runs and how far ahead it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefetchSettings {
    /// Time between runs (`CALLBRIEF_PREFETCH_EVERY_MINUTES`); also a run's time budget.
    pub every: Duration,
    /// Hours of meetings ahead a run covers (`CALLBRIEF_PREFETCH_HOURS_AHEAD`); 0 = off.
    pub hours_ahead: usize,
}

impl Default for PrefetchSettings {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(service::DEFAULT_PREFETCH_EVERY_MINUTES * 60),
            hours_ahead: service::DEFAULT_PREFETCH_HOURS_AHEAD,
        }
    }
}

/// Limits on client connections, so slow or greedy clients cannot exhaust the server. Each
/// value is a setting (`CALLBRIEF_MAX_CONNECTIONS`, ...) with a safe default; the connection
/// limit and the three timeouts are kept by [`crate::serve`], the request limit by
/// [`crate::shedding`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// Most connections open at once (`CALLBRIEF_MAX_CONNECTIONS`).
    pub max_connections: usize,
    /// Most requests to the protected routes (transcripts, accounts, briefings, `/mcp`)
    /// served at once (`CALLBRIEF_MAX_CONCURRENT_REQUESTS`); one more is answered `503` with
    /// `Retry-After` at once.
    pub max_concurrent_requests: usize,
    /// Time a client has to send a request's headers, and a kept-alive connection to start its
    /// next request (`CALLBRIEF_HEADER_READ_TIMEOUT_SECS`).
    pub header_read_timeout: Duration,
    /// Time a connection may move no bytes in either direction before it is closed
    /// (`CALLBRIEF_IDLE_TIMEOUT_SECS`); above the request timeout, so work in progress is
    /// never idle.
    pub idle_timeout: Duration,
    /// How long a write to a client may stay blocked before the connection is closed
    /// (`CALLBRIEF_WRITE_TIMEOUT_SECS`).
    pub write_timeout: Duration,
    /// With Salesforce sign-in: most refused tokens per client address a minute before its new
    /// tokens are answered 429 without asking Salesforce (`CALLBRIEF_MAX_FAILED_SIGN_INS`;
    /// 0 = no limit).
    pub max_failed_sign_ins: u32,
    /// Most connections one client address may hold open (`CALLBRIEF_MAX_CONNECTIONS_PER_ADDRESS`;
    /// 0 = no limit); connections from trusted proxies are not counted per address.
    pub max_connections_per_address: usize,
    /// The reverse proxies whose forwarding headers name the client
    /// (`CALLBRIEF_TRUSTED_PROXIES`; see [`crate::client_addr`]).
    pub trusted_proxies: crate::client_addr::TrustedProxies,
    /// Most calls assembled into answers at once, across requests
    /// (`CALLBRIEF_MAX_CALLS_IN_FLIGHT`): memory follows calls, not requests; a request waits
    /// for its share.
    pub max_calls_in_flight: usize,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_concurrent_requests: DEFAULT_MAX_CONCURRENT_REQUESTS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            write_timeout: DEFAULT_WRITE_TIMEOUT,
            max_failed_sign_ins: DEFAULT_MAX_FAILED_SIGN_INS,
            max_connections_per_address: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
            trusted_proxies: crate::client_addr::TrustedProxies::default(),
            max_calls_in_flight: service::DEFAULT_MAX_CALLS_IN_FLIGHT,
        }
    }
}

impl ConnectionSettings {
    /// Every limit must allow something: a zero would refuse every client.
    fn validate(&self) -> Result<(), ConfigError> {
        at_least_one("CALLBRIEF_MAX_CONNECTIONS", self.max_connections == 0)?;
        at_least_one(
            "CALLBRIEF_MAX_CONCURRENT_REQUESTS",
            self.max_concurrent_requests == 0,
        )?;
        at_least_one(
            "CALLBRIEF_HEADER_READ_TIMEOUT_SECS",
            self.header_read_timeout.is_zero(),
        )?;
        at_least_one("CALLBRIEF_IDLE_TIMEOUT_SECS", self.idle_timeout.is_zero())?;
        at_least_one("CALLBRIEF_WRITE_TIMEOUT_SECS", self.write_timeout.is_zero())
    }
}

/// What the [`Service`](service::Service) is built from, whichever front door runs it: `serve`
/// (inside [`Settings`]), `mcp` and `briefing` (service credentials), and the demo. One value so
/// one constructor ([`crate::service_setup::build_service`]) serves them all.
#[derive(Debug, Clone)]
pub struct ServiceSettings {
    /// How to reach Gong.
    pub gong: GongConfig,
    /// How to reach Salesforce.
    pub salesforce: SalesforceSettings,
    /// API names of the Gong managed package's call object and fields.
    pub gong_fields: GongFields,
    /// How callers authenticate; decides whether Salesforce needs service credentials.
    pub auth_mode: AuthMode,
    /// How long a checked Salesforce token is trusted.
    pub token_cache_ttl: Duration,
    /// Where an account's calls are found.
    pub calls: CallSourceSettings,
    /// Most calls assembled into answers at once (`CALLBRIEF_MAX_CALLS_IN_FLIGHT`).
    pub max_calls_in_flight: usize,
}

/// Where an account's calls are found and, for Gong, how (`CALLBRIEF_CALL_SOURCE`,
/// `CALLBRIEF_GONG_CALL_*`, `CALLBRIEF_IGNORED_EMAIL_DOMAINS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallSourceSettings {
    /// salesforce, gong or auto.
    pub source: service::CallSource,
    /// How Gong is searched when it is the source.
    pub listing: service::GongListing,
}

impl ServiceSettings {
    /// Settings acting with the service credentials (API-key mode), as `mcp` and `briefing` do.
    pub fn service_account(
        gong: GongConfig,
        salesforce: SalesforceSettings,
        gong_fields: GongFields,
    ) -> Self {
        Self {
            gong,
            salesforce,
            gong_fields,
            auth_mode: AuthMode::ApiKey,
            token_cache_ttl: service::DEFAULT_TOKEN_CACHE_TTL,
            calls: CallSourceSettings::default(),
            max_calls_in_flight: service::DEFAULT_MAX_CALLS_IN_FLIGHT,
        }
    }
}

/// Salesforce REST API version used when none is configured (the client's own default).
pub const DEFAULT_SALESFORCE_API_VERSION: &str = salesforce::DEFAULT_API_VERSION;

/// Where Salesforce is and which Connected App talks to it. Plain values: the `salesforce`
/// crate builds its client from them, the GPT setup kit prints them.
#[derive(Debug, Clone)]
pub struct SalesforceSettings {
    /// `SALESFORCE_INSTANCE_URL`, e.g. `https://acme.my.salesforce.com`.
    pub instance_url: Option<Url>,
    /// `SALESFORCE_API_VERSION`, e.g. `v65.0`.
    pub api_version: String,
    /// `SALESFORCE_LOGIN_URL`: where OAuth happens; `None` means the instance URL.
    pub login_url: Option<Url>,
    /// `SALESFORCE_CLIENT_ID`: the Connected App's consumer key.
    pub client_id: Option<String>,
    /// `SALESFORCE_CLIENT_SECRET`: the Connected App's consumer secret.
    pub client_secret: Option<SecretString>,
    /// `SALESFORCE_DEADLINE_SECS`: time budget for one Salesforce operation (all pages and the
    /// token refresh). Short, because a briefing waits for Salesforce before it asks Gong, and
    /// both must fit in ChatGPT's 45 s.
    pub deadline: Duration,
    /// `SALESFORCE_ORG_ID`: the org (`00D...`) whose users may sign in. In salesforce mode a
    /// token of a user of any other org is refused, even where the instance URL is a shared
    /// host that would vouch for it.
    pub org_id: Option<String>,
    /// The JWT bearer flow for the service credentials (`SALESFORCE_JWT_KEY_FILE`,
    /// `SALESFORCE_USERNAME`, `SALESFORCE_JWT_AUDIENCE`): preferred over the client credentials
    /// flow when set, so the service needs no shared secret.
    pub jwt: Option<JwtBearerSettings>,
}

/// The JWT bearer flow's settings, the key already read and checked.
#[derive(Debug, Clone)]
pub struct JwtBearerSettings {
    /// The integration user's username (the assertion's subject).
    pub username: String,
    /// The assertion's audience.
    pub audience: String,
    /// The private key.
    pub signer: std::sync::Arc<salesforce::jwt_bearer::JwtSigner>,
}

/// Default Salesforce deadline: Salesforce answers these small queries in well under a second;
/// 5 s plus Gong's 30 s leaves a briefing inside the whole-request ceiling.
pub const DEFAULT_SALESFORCE_DEADLINE: Duration = Duration::from_secs(5);

impl Default for SalesforceSettings {
    fn default() -> Self {
        Self {
            instance_url: None,
            api_version: DEFAULT_SALESFORCE_API_VERSION.to_owned(),
            login_url: None,
            client_id: None,
            client_secret: None,
            deadline: DEFAULT_SALESFORCE_DEADLINE,
            org_id: None,
            jwt: None,
        }
    }
}

impl SalesforceSettings {
    /// The OAuth host: the login URL when set, else the instance URL.
    pub fn effective_login_url(&self) -> Option<&Url> {
        self.login_url.as_ref().or(self.instance_url.as_ref())
    }
}

impl Settings {
    /// Settings with every limit at its default and no API keys.
    pub fn new(addr: SocketAddr, gong: GongConfig) -> Self {
        Self {
            addr,
            api_keys: Vec::new(),
            insecure_no_auth: false,
            public_url: None,
            gong,
            max_call_ids: DEFAULT_MAX_CALL_IDS,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            log_format: LogFormat::default(),
            salesforce: SalesforceSettings::default(),
            auth_mode: AuthMode::default(),
            gong_fields: GongFields::default(),
            calls: CallSourceSettings::default(),
            max_response_chars: DEFAULT_MAX_RESPONSE_CHARS,
            token_cache_ttl: service::DEFAULT_TOKEN_CACHE_TTL,
            mcp_max_chars: DEFAULT_MCP_MAX_CHARS,
            connections: ConnectionSettings::default(),
            metrics_addr: None,
            oauth: OAuthSettings::default(),
            prefetch: PrefetchSettings::default(),
            webhook: WebhookSettings::default(),
        }
    }

    /// What is configured only halfway, so a front door cannot work: each problem names the
    /// settings to change. Reported by `/readyz` (the server starts all the same: the other
    /// routes work).
    pub fn configuration_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let sf = &self.salesforce;
        if self.auth_mode == AuthMode::ApiKey
            && sf.instance_url.is_some()
            && (sf.client_id.is_none() || (sf.client_secret.is_none() && sf.jwt.is_none()))
        {
            problems.push(
                "SALESFORCE_INSTANCE_URL is set without SALESFORCE_CLIENT_ID and \
                 SALESFORCE_CLIENT_SECRET: the account routes cannot reach Salesforce for \
                 API-key callers"
                    .to_owned(),
            );
        }
        if self.auth_mode == AuthMode::Salesforce
            && self.oauth.mode == OAuthMode::Server
            && (sf.client_id.is_none() || sf.client_secret.is_none())
        {
            problems.push(SERVER_MODE_NEEDS_APP.to_owned());
        }
        problems
    }

    /// The part of the settings the service is built from.
    pub fn service_settings(&self) -> ServiceSettings {
        ServiceSettings {
            gong: self.gong.clone(),
            salesforce: self.salesforce.clone(),
            gong_fields: self.gong_fields.clone(),
            auth_mode: self.auth_mode,
            token_cache_ttl: self.token_cache_ttl,
            calls: self.calls.clone(),
            max_calls_in_flight: self.connections.max_calls_in_flight,
        }
    }

    /// Checks the rules that make a configuration unsafe or unusable, before anything binds.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_access(
            self.auth_mode,
            &self.api_keys,
            self.insecure_no_auth,
            &self.salesforce,
        )?;
        service::budget::check_max_chars(self.max_response_chars)
            .map_err(|e| ConfigError::Invalid(format!("CALLBRIEF_MAX_RESPONSE_CHARS {e}")))?;
        service::budget::check_max_chars(self.mcp_max_chars)
            .map_err(|e| ConfigError::Invalid(format!("CALLBRIEF_MCP_MAX_CHARS {e}")))?;
        self.gong_fields
            .validate()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        at_least_one("CALLBRIEF_MAX_CALL_IDS", self.max_call_ids == 0)?;
        at_least_one("CALLBRIEF_MAX_BODY_BYTES", self.max_body_bytes == 0)?;
        if self.webhook.key.is_some() && self.public_url.is_none() {
            return Err(ConfigError::Invalid(
                "GONG_WEBHOOK_PUBLIC_KEY needs CALLBRIEF_PUBLIC_URL: each webhook's token names                  the URL it was sent to, <CALLBRIEF_PUBLIC_URL>/webhooks/gong"
                    .into(),
            ));
        }
        at_least_one(
            "CALLBRIEF_REQUEST_TIMEOUT_SECS",
            self.request_timeout.is_zero(),
        )?;
        self.connections.validate()?;
        if self.connections.idle_timeout <= self.request_timeout {
            // A request being worked on moves no bytes; it must never look idle.
            return Err(ConfigError::Invalid(
                "CALLBRIEF_IDLE_TIMEOUT_SECS must be above CALLBRIEF_REQUEST_TIMEOUT_SECS".into(),
            ));
        }
        Ok(())
    }
}

/// The rule for counts and durations where zero would refuse everything: `is_zero` is an error
/// naming `setting`.
pub fn at_least_one(setting: &str, is_zero: bool) -> Result<(), ConfigError> {
    if is_zero {
        return Err(ConfigError::Invalid(format!(
            "{setting} must be at least 1"
        )));
    }
    Ok(())
}

/// The rule that keeps transcripts from being served to anyone: API-key mode needs a key (or
/// the explicit opt-out), Salesforce mode needs the org that checks the tokens. Checked before
/// any other setting, because an open transcript endpoint is the worst mistake to make.
pub fn check_access(
    auth_mode: AuthMode,
    api_keys: &[SecretString],
    insecure_no_auth: bool,
    salesforce: &SalesforceSettings,
) -> Result<(), ConfigError> {
    match auth_mode {
        AuthMode::ApiKey if api_keys.is_empty() && !insecure_no_auth => Err(ConfigError::NoApiKeys),
        AuthMode::Salesforce if salesforce.instance_url.is_none() => Err(ConfigError::Invalid(
            "CALLBRIEF_AUTH=salesforce needs SALESFORCE_INSTANCE_URL: tokens are checked \
             and queries run against that org"
                .into(),
        )),
        _ => Ok(()),
    }
}

/// A configuration that cannot be used; messages name the setting to change.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    /// No API key and no explicit opt-out: refusing to serve transcripts to anyone.
    #[error(
        "no API keys configured: set CALLBRIEF_API_KEYS (comma-separated) or pass --api-keys; \
         use --insecure-no-auth only for local experiments"
    )]
    NoApiKeys,
    /// Gong credentials missing or given in more than one form.
    #[error("{0}")]
    GongCredentials(String),
    /// Any other invalid value.
    #[error("{0}")]
    Invalid(String),
}

/// Splits `CALLBRIEF_API_KEYS` into keys: comma-separated, surrounding spaces trimmed, empty
/// entries dropped (so a trailing comma does not create an empty, always-matching key).
pub fn parse_api_keys(raw: &str) -> Vec<SecretString> {
    raw.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| SecretString::from(k.to_owned()))
        .collect()
}

/// The Gong credentials a user may give, each optional; see [`gong_auth`].
#[derive(Debug, Default, Clone)]
pub struct GongCredentials {
    /// `GONG_ACCESS_KEY`.
    pub access_key: Option<String>,
    /// `GONG_ACCESS_KEY_SECRET`.
    pub access_key_secret: Option<SecretString>,
    /// `GONG_API_KEY`: the original middleware's pre-encoded `base64(key:secret)`.
    pub api_key: Option<SecretString>,
    /// `GONG_BEARER_TOKEN`: an OAuth access token.
    pub bearer_token: Option<SecretString>,
}

/// Picks the one Gong credential form given. Exactly one form is required: two forms at once
/// would leave it unclear which one Gong sees, so that is an error rather than a silent choice.
pub fn gong_auth(creds: GongCredentials) -> Result<GongAuth, ConfigError> {
    let GongCredentials {
        access_key,
        access_key_secret,
        api_key,
        bearer_token,
    } = creds;
    let access_key = access_key.filter(|k| !k.trim().is_empty());
    let access_key_secret = access_key_secret.filter(|s| !secret_is_blank(s));
    let api_key = api_key.filter(|s| !secret_is_blank(s));
    let bearer_token = bearer_token.filter(|s| !secret_is_blank(s));

    let basic = match (access_key, access_key_secret) {
        (Some(access_key), Some(access_key_secret)) => Some(GongAuth::Basic {
            access_key,
            access_key_secret,
        }),
        (Some(_), None) => {
            return Err(ConfigError::GongCredentials(
                "GONG_ACCESS_KEY is set but GONG_ACCESS_KEY_SECRET is missing".into(),
            ))
        }
        (None, Some(_)) => {
            return Err(ConfigError::GongCredentials(
                "GONG_ACCESS_KEY_SECRET is set but GONG_ACCESS_KEY is missing".into(),
            ))
        }
        (None, None) => None,
    };
    let mut forms: Vec<GongAuth> = [
        basic,
        api_key.map(GongAuth::Encoded),
        bearer_token.map(GongAuth::Bearer),
    ]
    .into_iter()
    .flatten()
    .collect();
    if forms.len() > 1 {
        return Err(ConfigError::GongCredentials(
            "more than one form of Gong credentials given: set only one of \
             GONG_ACCESS_KEY + GONG_ACCESS_KEY_SECRET, GONG_API_KEY, GONG_BEARER_TOKEN"
                .into(),
        ));
    }
    forms.pop().ok_or_else(|| {
        ConfigError::GongCredentials(
            "no Gong credentials: set GONG_ACCESS_KEY and GONG_ACCESS_KEY_SECRET, \
             or GONG_API_KEY, or GONG_BEARER_TOKEN"
                .into(),
        )
    })
}

fn secret_is_blank(secret: &SecretString) -> bool {
    use secrecy::ExposeSecret;
    secret.expose_secret().trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn secret(s: &str) -> Option<SecretString> {
        Some(SecretString::from(s.to_owned()))
    }

    #[test]
    fn api_keys_are_split_trimmed_and_empty_entries_dropped() {
        let keys = parse_api_keys(" a , b,,c, ");
        let keys: Vec<&str> = keys.iter().map(|k| k.expose_secret()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert!(parse_api_keys(" , ").is_empty());
    }

    #[test]
    fn exactly_one_gong_credential_form_is_accepted() {
        let basic = gong_auth(GongCredentials {
            access_key: Some("k".into()),
            access_key_secret: secret("s"),
            ..Default::default()
        });
        assert!(matches!(basic, Ok(GongAuth::Basic { ref access_key, .. }) if access_key == "k"));
        let encoded = gong_auth(GongCredentials {
            api_key: secret("abc"),
            ..Default::default()
        });
        assert!(matches!(encoded, Ok(GongAuth::Encoded(_))));
        let bearer = gong_auth(GongCredentials {
            bearer_token: secret("t"),
            ..Default::default()
        });
        assert!(matches!(bearer, Ok(GongAuth::Bearer(_))));
    }

    #[test]
    fn missing_partial_or_several_gong_credentials_are_errors() {
        let none = gong_auth(GongCredentials::default()).unwrap_err();
        assert!(none.to_string().contains("no Gong credentials"));
        let half = gong_auth(GongCredentials {
            access_key: Some("k".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(half
            .to_string()
            .contains("GONG_ACCESS_KEY_SECRET is missing"));
        let two = gong_auth(GongCredentials {
            api_key: secret("a"),
            bearer_token: secret("b"),
            ..Default::default()
        })
        .unwrap_err();
        assert!(two.to_string().contains("more than one form"));
        let blank = gong_auth(GongCredentials {
            bearer_token: secret("  "),
            ..Default::default()
        })
        .unwrap_err();
        assert!(blank.to_string().contains("no Gong credentials"));
    }
}
