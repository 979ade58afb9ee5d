//! A Salesforce simulator over the sample org: OAuth (authorization code, refresh token, client
//! credentials and password grants, a login page, userinfo), the REST API's query (SOQL subset,
//! `nextRecordsUrl` paging), search (SOSL subset) and record endpoints, Salesforce's error
//! shapes, per-user sharing, token expiry and an API request quota.
//!
//! Every sample user logs in with their `Username` and [`DEMO_PASSWORD`]; `client_credentials`
//! acts as the integration user, who sees everything. Any API version `vNN.0` is accepted.

mod cursor;
mod error;
mod json;
pub mod jwt;
mod oauth;
mod records;
mod routes;
mod schema;
mod session;
mod sharing;
mod soql;
mod sosl;
#[cfg(test)]
mod testorg;
mod value;
mod wildcard;

pub use error::{NOT_FOUND_MESSAGE, SESSION_EXPIRED};

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::{header, HeaderMap};
use axum::routing::get;
use axum::Router;
use chrono::NaiveDate;
use tokio::net::TcpListener;

use crate::clock::{self, Clock};
use crate::org::{salesforce_id, SampleOrg, User};
use cursor::Cursors;
use error::ApiError;
use records::Store;
use session::{Grant, Sessions};
use sharing::Visibility;

/// The password of every sample user (password grant and the login page).
pub const DEMO_PASSWORD: &str = "demo-password";
/// The default OAuth client id (the Connected App's consumer key).
pub const DEMO_CLIENT_ID: &str = "demo-client-id";
/// The default OAuth client secret (the Connected App's consumer secret).
pub const DEMO_CLIENT_SECRET: &str = "demo-client-secret";
/// Records per query page unless configured otherwise (Salesforce's default batch size).
pub const DEFAULT_PAGE_SIZE: usize = 2000;
/// API versions listed by `GET /services/data/` (every `vNN.0` is served).
pub const LISTED_VERSIONS: [&str; 7] = ["59.0", "60.0", "61.0", "62.0", "63.0", "64.0", "65.0"];

/// The sample org's Salesforce organization id (`00D...`), part of every token and identity URL.
pub fn organization_id() -> String {
    salesforce_id("00D", 1)
}

/// Settings of one Salesforce simulator instance; the defaults are the demo credentials,
/// Salesforce's page size, a two-hour session and no quota.
#[derive(Debug, Clone)]
pub struct SalesforceSimConfig {
    /// The Connected App's consumer key.
    pub client_id: String,
    /// The Connected App's consumer secret.
    pub client_secret: String,
    /// The base URL to report as `instance_url` and in identity URLs; `None` means
    /// `http://<bound address>` (or, for a bare [`router`], the request's `Host`).
    pub public_url: Option<String>,
    /// Records per query page (at least 1 is used).
    pub page_size: usize,
    /// Lifetime of access tokens.
    pub token_ttl: Duration,
    /// API requests the org may make in total (REST data requests only, not OAuth);
    /// `None` turns the quota off.
    pub api_quota: Option<u64>,
    /// Where token, code and query-locator lifetimes and tokens' `issued_at` are read: the
    /// real time by default, a [`crate::clock::ManualClock`] in tests that expire tokens by
    /// moving time instead of waiting.
    pub clock: Arc<dyn Clock>,
    /// Model an org whose Gong call object is "Public Read Only" (its org-wide default): every
    /// user reads every call record, while accounts, contacts and opportunities keep their
    /// sharing. Off by default (calls follow their account, the package's usual setup).
    pub public_read_calls: bool,
    /// Model an org whose opportunities are "Private" (their org-wide default): a deal is seen
    /// only by its owner and their managers, even on an account shared with others. Off by
    /// default (deals follow their account).
    pub private_opportunities: bool,
    /// Whether the org has the Gong for Salesforce managed package, and so its call object
    /// (`Gong__Gong_Call__c`). Without it, that object's describe answers 404 `NOT_FOUND` and
    /// a query or search naming it 400 `INVALID_TYPE`, as in an org that never installed the
    /// package. On by default.
    pub gong_package: bool,
    /// Users an admin deactivated: their tokens stop working, refreshes are refused and the
    /// login page turns them away. Clones share one list, so a test keeps one and deactivates
    /// a user while the simulator runs.
    pub deactivated: Deactivated,
    /// Model the refresh token policy "rotate refresh tokens" (an External Client App's
    /// option): every refresh answers with a new refresh token and the one used stops working,
    /// so two refreshes with one token at once leave the second refused. Off by default
    /// (Salesforce's default: a refresh token is valid until revoked).
    pub rotate_refresh_tokens: bool,
    /// Refresh-token grants the simulator answered (counted whatever the outcome). Clones
    /// share one count, so a test keeps one and reads it while the simulator runs.
    pub refreshes: Counter,
    /// REST data requests with a valid session the simulator took (queries, searches,
    /// describes: what the org's daily API limit counts), those refused past the quota too.
    /// Clones share one count, so a test reads what a use case cost in Salesforce requests.
    pub api_requests: Counter,
    /// The certificate (PEM) uploaded to the app for the JWT bearer flow: assertions its key
    /// signed are accepted. Default: [`jwt::DEMO_JWT_CERTIFICATE_PEM`].
    pub jwt_certificate_pem: String,
    /// The audience JWT bearer assertions must name. Default: [`jwt::DEFAULT_JWT_AUDIENCE`].
    pub jwt_audience: String,
    /// Time added before every answer (a Salesforce round trip across the internet); zero by
    /// default. On tokio's clock, so paused tests pass it without waiting.
    pub latency: Duration,
}

/// A count shared by the clones of a configuration (see
/// [`SalesforceSimConfig::refreshes`], [`SalesforceSimConfig::api_requests`]).
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<std::sync::atomic::AtomicU64>);

impl Counter {
    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn add(&self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The deactivated users of a running simulator (see [`SalesforceSimConfig::deactivated`]).
#[derive(Debug, Clone, Default)]
pub struct Deactivated(Arc<Mutex<std::collections::HashSet<String>>>);

impl Deactivated {
    /// Deactivates the user with id `user_id` (15 or 18 characters).
    pub fn deactivate(&self, user_id: &str) {
        lock(&self.0).insert(value::id_key(user_id).to_owned());
    }

    /// Whether the user with id `user_id` is deactivated.
    pub fn contains(&self, user_id: &str) -> bool {
        lock(&self.0).contains(value::id_key(user_id))
    }
}

impl SalesforceSimConfig {
    /// This configuration reading the time from `clock`.
    pub fn with_clock(self, clock: impl Clock + 'static) -> Self {
        SalesforceSimConfig {
            clock: Arc::new(clock),
            ..self
        }
    }
}

impl Default for SalesforceSimConfig {
    fn default() -> Self {
        SalesforceSimConfig {
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: DEMO_CLIENT_SECRET.into(),
            public_url: None,
            page_size: DEFAULT_PAGE_SIZE,
            token_ttl: Duration::from_secs(2 * 60 * 60),
            api_quota: None,
            clock: clock::system(),
            public_read_calls: false,
            private_opportunities: false,
            gong_package: true,
            deactivated: Deactivated::default(),
            rotate_refresh_tokens: false,
            refreshes: Counter::default(),
            api_requests: Counter::default(),
            jwt_certificate_pem: jwt::DEMO_JWT_CERTIFICATE_PEM.to_owned(),
            jwt_audience: jwt::DEFAULT_JWT_AUDIENCE.to_owned(),
            latency: Duration::ZERO,
        }
    }
}

/// Shared state of one simulator instance.
pub(crate) struct SfState {
    org: Arc<SampleOrg>,
    store: Store,
    config: SalesforceSimConfig,
    today: NaiveDate,
    org_id: String,
    sessions: Mutex<Sessions>,
    cursors: Mutex<Cursors>,
    api_used: AtomicU64,
    /// Each user's visibility, worked out once: the org never changes while the simulator
    /// runs, and working it out reads every account and event.
    visibilities: Mutex<std::collections::HashMap<String, Arc<Visibility>>>,
}

/// The user behind an accepted access token.
pub(crate) struct Caller {
    user_id: String,
    visibility: Arc<Visibility>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these tables half-updated in a harmful way.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The token of `Authorization: Bearer <token>` (or Salesforce's older `OAuth <token>`).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let ok = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth");
    let token = token.trim();
    (ok && !token.is_empty()).then_some(token)
}

impl SfState {
    fn new(org: Arc<SampleOrg>, config: SalesforceSimConfig) -> SfState {
        SfState {
            store: Store::from_org(&org),
            today: org.anchor.date_naive(),
            org,
            config,
            org_id: organization_id(),
            sessions: Mutex::new(Sessions::default()),
            cursors: Mutex::new(Cursors::default()),
            api_used: AtomicU64::new(0),
            visibilities: Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// What `user_id` may see under this simulator's sharing settings.
    fn visibility_of(&self, user_id: &str) -> Arc<Visibility> {
        if let Some(known) = lock(&self.visibilities).get(user_id) {
            return Arc::clone(known);
        }
        let visibility = Visibility::for_user(&self.org, user_id);
        let visibility = if self.config.private_opportunities {
            visibility.with_private_opportunities()
        } else {
            visibility
        };
        let visibility = Arc::new(if self.config.public_read_calls {
            visibility.with_public_read(schema::ObjectType::GongCall)
        } else {
            visibility
        });
        lock(&self.visibilities).insert(user_id.to_owned(), Arc::clone(&visibility));
        visibility
    }

    /// The base URL clients should use: the configured one, else `http://<Host>`.
    fn base_url(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.config.public_url {
            return url.trim_end_matches('/').to_string();
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    }

    fn user(&self, id: &str) -> Option<&User> {
        let key = value::id_key(id);
        self.org.users.iter().find(|u| value::id_key(&u.id) == key)
    }

    /// The session of the request's bearer token, without counting an API request.
    fn session(&self, headers: &HeaderMap) -> Result<Grant, ApiError> {
        let token = bearer(headers).ok_or_else(ApiError::invalid_session)?;
        lock(&self.sessions)
            .check_access(token, self.config.clock.now())
            .ok()
            .filter(|grant| !self.config.deactivated.contains(&grant.user_id))
            .ok_or_else(ApiError::invalid_session)
    }

    /// Authenticates a REST data request and counts it against the quota.
    fn caller(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let grant = self.session(headers)?;
        self.config.api_requests.add();
        let used = self.api_used.fetch_add(1, Ordering::Relaxed) + 1;
        if self.config.api_quota.is_some_and(|quota| used > quota) {
            return Err(ApiError::request_limit());
        }
        Ok(Caller {
            visibility: self.visibility_of(&grant.user_id),
            user_id: grant.user_id,
        })
    }

    /// Objects this org does not have (the Gong call object without its package).
    fn absent_objects(&self) -> &'static [schema::ObjectType] {
        if self.config.gong_package {
            &[]
        } else {
            &[schema::ObjectType::GongCall]
        }
    }

    /// The object named `name` (any case), if this org has it.
    fn object(&self, name: &str) -> Option<schema::ObjectType> {
        schema::ObjectType::lookup(name).filter(|o| !self.absent_objects().contains(o))
    }

    fn page_size(&self) -> usize {
        self.config.page_size.max(1)
    }
}

/// The simulator as an axum router (routes under `/services` and `/id`).
pub fn router(org: Arc<SampleOrg>, config: SalesforceSimConfig) -> Router {
    let latency = config.latency;
    let state = Arc::new(SfState::new(org, config));
    let router = Router::new()
        .route("/services/data", get(routes::versions))
        .route("/services/data/", get(routes::versions))
        .route("/services/data/{version}", get(routes::resources))
        .route("/services/data/{version}/query", get(routes::query))
        .route("/services/data/{version}/query/", get(routes::query))
        .route(
            "/services/data/{version}/query/{locator}",
            get(routes::query_more),
        )
        .route("/services/data/{version}/search", get(routes::search))
        .route("/services/data/{version}/search/", get(routes::search))
        .route(
            "/services/data/{version}/sobjects",
            get(routes::describe_global),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/describe",
            get(routes::describe),
        )
        .route(
            "/services/data/{version}/sobjects/{sobject}/{id}",
            get(routes::record),
        )
        .route("/services/oauth2/token", axum::routing::post(oauth::token))
        .route(
            "/services/oauth2/authorize",
            get(oauth::authorize_page).post(oauth::authorize_submit),
        )
        .route(
            "/services/oauth2/userinfo",
            get(oauth::userinfo).post(oauth::userinfo),
        )
        .route(
            "/services/oauth2/revoke",
            axum::routing::post(oauth::revoke),
        )
        .route("/id/{org_id}/{user_id}", get(oauth::identity))
        .fallback(routes::not_found)
        .with_state(state);
    if latency.is_zero() {
        return router;
    }
    router.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| async move {
            tokio::time::sleep(latency).await;
            next.run(request).await
        },
    ))
}

/// Serves the simulator on `listener` until the task is dropped or fails. Without a
/// configured `public_url`, `http://<listener address>` is reported as the instance URL
/// (`http://<Host header>` when listening on a wildcard address).
pub async fn serve(
    listener: TcpListener,
    org: Arc<SampleOrg>,
    mut config: SalesforceSimConfig,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    // On a wildcard address (0.0.0.0) the bound address is no URL a client can use: the
    // request's `Host` is reported instead.
    if config.public_url.is_none() && !addr.ip().is_unspecified() {
        config.public_url = Some(format!("http://{addr}"));
    }
    axum::serve(listener, router(org, config)).await
}

/// A simulator running in the background on a loopback port.
#[derive(Debug, Clone)]
pub struct RunningSalesforceSim {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`: both the login URL and the instance URL.
    pub base_url: String,
}

/// Starts a simulator on `127.0.0.1:0` in a background task, for tests and demos. The task
/// keeps serving after the returned handle is dropped, until the runtime shuts down.
pub async fn spawn(
    org: Arc<SampleOrg>,
    config: SalesforceSimConfig,
) -> std::io::Result<RunningSalesforceSim> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(e) = serve(listener, org, config).await {
            tracing::warn!(error = %e, "salesforce simulator stopped");
        }
    });
    Ok(RunningSalesforceSim {
        addr,
        base_url: format!("http://{addr}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_id_looks_like_salesforce() {
        let id = organization_id();
        assert_eq!(id.len(), 18);
        assert!(id.starts_with("00D"));
    }

    #[test]
    fn bearer_and_oauth_schemes_are_read() {
        let mut h = HeaderMap::new();
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, "OAuth xyz".parse().unwrap());
        assert_eq!(bearer(&h), Some("xyz"));
        h.insert(header::AUTHORIZATION, "Basic xyz".parse().unwrap());
        assert_eq!(bearer(&h), None);
    }
}
