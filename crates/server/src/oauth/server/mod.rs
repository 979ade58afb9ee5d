//! callbrief as an OAuth 2.1 authorization server, federated to Salesforce
//! (`CALLBRIEF_AUTH=salesforce` with `CALLBRIEF_OAUTH=server`).
//!
//! MCP clients (Claude, ChatGPT's connectors) and GPT actions sign people in here with nothing
//! but callbrief's URL: they register (Dynamic Client Registration, or a client an admin
//! created), send the person to `/oauth/authorize` with PKCE, where the person consents to that
//! client, and get callbrief's own tokens.
//! The person signs in at Salesforce through callbrief's Connected App; callbrief redeems
//! Salesforce's code itself and keeps the Salesforce tokens, sealed, in the [`store::Vault`]
//! (the cache's store and key; Redis when replicas share one). The Connected App's secret never
//! leaves the server.
//!
//! Every request still runs as that person: a callbrief access token resolves to the stored
//! Salesforce session, whose access token is checked and used exactly like a token a client
//! sent itself. When Salesforce refuses to refresh it (revoked, user deactivated), the session
//! ends and the client gets `401` with a `WWW-Authenticate` challenge, which sends it back to
//! sign-in.
//!
//! Nothing is kept for a sign-in until Salesforce has vouched for the person: the authorization
//! request travels sealed (with the vault's key) in the consent page's form, and after *Allow*
//! in a cookie of the browser that consented, which `/oauth/callback` requires. A stranger's
//! requests therefore fill no store, and a Salesforce sign-in URL opened in another browser
//! (someone else's consent, sent to a rep) leads nowhere.
//!
//! What is kept, each sealed and with an expiry: authorization codes ([`CODE_TTL`]),
//! access-token and refresh-token grants (by SHA-256 of the token, never the token itself) and
//! the Salesforce session (user id and Salesforce tokens). Expired records are swept every
//! [`VAULT_SWEEP_EVERY`].

pub mod cimd;
pub mod clients;
pub mod routes;

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use salesforce::connected_app::ConnectedApp;
use salesforce::SalesforceError;
use serde::{Deserialize, Serialize};
use service::{Caller, Service, ServiceError};
use sha2::{Digest as _, Sha256};
use store::Vault;
use subtle::ConstantTimeEq as _;

use crate::error::ApiError;
use crate::oauth::paths::PublicBase;
use clients::{ClientMetadata, ClientRegistry};

/// Lifetime of an authorization code: the client redeems it at once.
pub const CODE_TTL: Duration = Duration::from_secs(60);
/// Lifetime of a pending sign-in, while the person is at Salesforce's login page.
pub const PENDING_TTL: Duration = Duration::from_secs(10 * 60);
/// Longest `state` an authorization request may carry, in bytes of printable ASCII (RFC 6749's
/// VSCHAR): it is echoed back to the client and travels in the sign-in cookie, whose whole
/// value a browser caps near 4 KB. Clients use a few dozen characters.
pub const MAX_STATE_BYTES: usize = 1024;
/// How often expired records are swept from the vault's memory and store file.
pub const VAULT_SWEEP_EVERY: Duration = Duration::from_secs(10 * 60);
/// Age past which a stored Salesforce access token is refreshed before use: well inside
/// Salesforce's shortest session timeout setting (15 minutes is the minimum an admin can set;
/// two hours the default), so a request rarely meets an expired Salesforce session.
pub const SALESFORCE_REFRESH_AFTER: Duration = Duration::from_secs(10 * 60);

/// A sign-in waiting for the person's consent, then for their return from Salesforce: sealed
/// in the consent form, then in the sign-in cookie, never stored.
#[derive(Serialize, Deserialize)]
struct Pending {
    /// SHA-256 of the client id ([`digest`]): ids this server signs carry their metadata and
    /// can be kilobytes long, too long for a cookie.
    client: String,
    redirect_uri: String,
    state: Option<String>,
    challenge: String,
    resource: String,
}

/// An issued authorization code.
#[derive(Serialize, Deserialize)]
struct CodeGrant {
    /// SHA-256 of the client id it was issued to.
    client: String,
    redirect_uri: String,
    challenge: String,
    resource: String,
    session: String,
    expires: u64,
}

/// A person's Salesforce session, as callbrief keeps it.
#[derive(Serialize, Deserialize)]
struct Session {
    user_id: String,
    /// SHA-256 of the client id that signed the person in.
    client_id: String,
    sf_access: String,
    sf_refresh: Option<String>,
    /// When `sf_access` was issued (Unix seconds).
    sf_issued: u64,
}

/// What an access or refresh token stands for.
#[derive(Serialize, Deserialize)]
struct TokenGrant {
    session: String,
    client_id: String,
    /// The audience: the resource the token was issued for (RFC 8707).
    resource: String,
    expires: u64,
}

/// An OAuth error answer (RFC 6749 §5.2): status, `error` and `error_description`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthError {
    /// 400, or 401 for `invalid_client`, 429 and 503 for limits and outages.
    pub status: axum::http::StatusCode,
    /// The RFC's error code.
    pub error: &'static str,
    /// A sentence for people.
    pub description: String,
}

impl OAuthError {
    fn new(error: &'static str, description: impl Into<String>) -> Self {
        let status = if error == "invalid_client" {
            axum::http::StatusCode::UNAUTHORIZED
        } else {
            axum::http::StatusCode::BAD_REQUEST
        };
        Self {
            status,
            error,
            description: description.into(),
        }
    }

    fn unavailable(description: impl Into<String>) -> Self {
        Self {
            status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
            error: "temporarily_unavailable",
            description: description.into(),
        }
    }
}

impl From<store::VaultError> for OAuthError {
    fn from(err: store::VaultError) -> Self {
        tracing::warn!(error = %err, "session store unavailable");
        OAuthError::unavailable("the session store is unavailable; try again shortly")
    }
}

/// The hex SHA-256 of a token: the name its grant is kept under, so the store never holds a
/// usable token.
fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new opaque token: 244 random bits from the OS (two v4 UUIDs), with a prefix naming its kind.
fn random_token(prefix: &str) -> String {
    format!(
        "{prefix}{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Whether `verifier` is the PKCE S256 verifier of `challenge` (RFC 7636 §4.6).
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    well_formed && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

/// The resources a token may be issued for at `base`, in their canonical spelling: the MCP
/// endpoint, and the whole API (what a GPT action, which names no resource, gets).
fn known_resource(base: &str, requested: Option<&str>) -> Option<String> {
    let mcp = format!("{base}{}", crate::oauth::paths::MCP_PATH);
    match requested.map(|r| r.trim_end_matches('/')) {
        None => Some(base.to_owned()),
        Some(r) if r == base || r == mcp => Some(r.to_owned()),
        Some(_) => None,
    }
}

/// Which audiences a protected route accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// `/mcp`: tokens for the MCP endpoint or the whole API.
    Mcp,
    /// The REST routes: tokens for the whole API.
    Api,
}

impl Audience {
    fn accepts(self, base: &str, resource: &str) -> bool {
        match self {
            Audience::Api => resource == base,
            Audience::Mcp => {
                resource == base || resource == format!("{base}{}", crate::oauth::paths::MCP_PATH)
            }
        }
    }
}

/// The authorization server's settings (part of [`crate::config::OAuthSettings`]).
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Lifetime of access tokens.
    pub access_token_ttl: Duration,
    /// Lifetime of refresh tokens and idle sessions.
    pub refresh_token_ttl: Duration,
    /// Most registrations per client address a minute (0: no limit).
    pub registrations_per_minute: u32,
    /// Where the time is read.
    pub clock: Arc<dyn clock::Clock>,
}

/// The authorization server: its store, its Connected App and its clients.
pub struct AuthServer {
    vault: Arc<Vault>,
    app: Result<ConnectedApp, String>,
    clients: ClientRegistry,
    base: PublicBase,
    settings: ServerSettings,
    service: Arc<Service>,
    registrations: crate::oauth::limits::PerAddress,
    documents: cimd::DocumentCache,
    /// One gate per session being renewed here: requests arriving together on a session whose
    /// Salesforce token needs renewing make one refresh, the rest wait for it.
    renewing: moka::sync::Cache<String, Arc<tokio::sync::Mutex<()>>>,
}

/// Most sessions whose renewal gates are kept at once (each a few dozen bytes; idle ones go).
const MAX_RENEWAL_GATES: u64 = 100_000;
/// How long one replica's claim on a session's renewal holds when it never releases it (it
/// died mid-refresh): the token endpoint's time limit and a margin.
const RENEWAL_CLAIM_TTL: Duration = Duration::from_secs(25);
/// How often a replica waiting for another's renewal looks for its result.
const RENEWAL_POLL: Duration = Duration::from_millis(100);

/// Why a session could not be renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Renewal {
    /// Salesforce refused for good (revoked, user deactivated): the session is over.
    Ended,
    /// Salesforce or the store could not be asked; the session may still work.
    Unavailable,
}

impl std::fmt::Debug for AuthServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthServer")
            .field("vault", &self.vault)
            .finish_non_exhaustive()
    }
}

/// Tokens issued at the token endpoint.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// callbrief's access token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// The new refresh token (rotated on every use).
    pub refresh_token: String,
}

impl AuthServer {
    /// The server over `vault`, signing in with `app` (or answering 503 with its reason).
    pub fn new(
        vault: Arc<Vault>,
        app: Result<ConnectedApp, String>,
        clients: ClientRegistry,
        base: PublicBase,
        settings: ServerSettings,
        service: Arc<Service>,
    ) -> Self {
        let registrations =
            crate::oauth::limits::PerAddress::per_minute(settings.registrations_per_minute);
        spawn_sweeper(&vault);
        Self {
            vault,
            app,
            clients,
            base,
            settings,
            service,
            registrations,
            documents: cimd::DocumentCache::default(),
            renewing: moka::sync::Cache::builder()
                .max_capacity(MAX_RENEWAL_GATES)
                .time_to_idle(RENEWAL_CLAIM_TTL)
                .build(),
        }
    }

    fn now(&self) -> u64 {
        self.settings.clock.unix_secs()
    }

    /// The vault that seals this server's records and hand-outs.
    fn vault(&self) -> &Vault {
        &self.vault
    }

    fn app(&self) -> Result<&ConnectedApp, OAuthError> {
        self.app
            .as_ref()
            .map_err(|reason| OAuthError::unavailable(reason.clone()))
    }

    /// The public base URL for a request.
    pub fn base(&self, headers: &axum::http::HeaderMap) -> String {
        self.base.for_request(headers)
    }

    /// The client `client_id` names: one this server signed, or one whose id is the URL of
    /// its metadata document (fetched on behalf of a request from `from`); `Err` says why
    /// there is none.
    pub async fn client(
        &self,
        client_id: &str,
        from: Option<std::net::IpAddr>,
    ) -> Result<ClientMetadata, String> {
        if cimd::is_document_url(client_id) {
            return self
                .documents
                .resolve(client_id, from)
                .await
                .inspect_err(|why| {
                    tracing::info!(reason = %why, "refused a client metadata document");
                });
        }
        self.clients
            .resolve(client_id)
            .ok_or_else(|| "unknown client_id".to_owned())
    }

    /// Checks a client's credentials at the token and revocation endpoints: a confidential
    /// client must present its secret; a public one has none to present.
    async fn authenticate_client(
        &self,
        client_id: Option<&str>,
        secret: Option<&str>,
    ) -> Result<(String, ClientMetadata), OAuthError> {
        let refused = || OAuthError::new("invalid_client", "unknown client or wrong secret");
        let client_id = client_id.ok_or_else(refused)?;
        let client = self.client(client_id, None).await.map_err(|_| refused())?;
        if client.is_confidential() {
            let secret = secret.ok_or_else(refused)?;
            if !self.clients.secret_matches(client_id, secret) {
                return Err(refused());
            }
        }
        Ok((client_id.to_owned(), client))
    }

    async fn put_json<T: Serialize>(
        &self,
        name: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), OAuthError> {
        let json = serde_json::to_vec(value)
            .map_err(|_| OAuthError::unavailable("a record could not be written"))?;
        self.vault.put(name, &json, ttl).await?;
        Ok(())
    }

    async fn get_json<T: for<'de> Deserialize<'de>>(
        &self,
        name: &str,
    ) -> Result<Option<T>, OAuthError> {
        Ok(self
            .vault
            .get(name)
            .await?
            .and_then(|v| serde_json::from_slice(&v).ok()))
    }

    async fn take_json<T: for<'de> Deserialize<'de>>(
        &self,
        name: &str,
    ) -> Result<Option<T>, OAuthError> {
        Ok(self
            .vault
            .take(name)
            .await?
            .and_then(|v| serde_json::from_slice(&v).ok()))
    }

    /// Issues a fresh access and refresh token for `session`.
    async fn issue_tokens(
        &self,
        session: &str,
        client_id: &str,
        resource: &str,
    ) -> Result<TokenResponse, OAuthError> {
        let now = self.now();
        let access = random_token("cba_");
        let refresh = random_token("cbr_");
        let access_ttl = self.settings.access_token_ttl;
        let refresh_ttl = self.settings.refresh_token_ttl;
        let grant = |ttl: Duration| TokenGrant {
            session: session.to_owned(),
            client_id: client_id.to_owned(),
            resource: resource.to_owned(),
            expires: now.saturating_add(ttl.as_secs()),
        };
        self.put_json(
            &format!("access/{}", digest(&access)),
            &grant(access_ttl),
            access_ttl,
        )
        .await?;
        self.put_json(
            &format!("refresh/{}", digest(&refresh)),
            &grant(refresh_ttl),
            refresh_ttl,
        )
        .await?;
        Ok(TokenResponse {
            access_token: access,
            token_type: "Bearer",
            expires_in: access_ttl.as_secs(),
            refresh_token: refresh,
        })
    }

    /// Ends a session: its tokens stop working at once (they resolve through it), and the
    /// Salesforce refresh token is revoked at Salesforce, best effort.
    async fn end_session(&self, session_id: &str) {
        let session: Option<Session> = self
            .take_json(&format!("session/{session_id}"))
            .await
            .unwrap_or(None);
        if let (Some(refresh), Ok(app)) = (session.and_then(|s| s.sf_refresh), &self.app) {
            if let Err(err) = app.revoke(&refresh).await {
                tracing::info!(error = %err, "the Salesforce token could not be revoked");
            }
        }
    }

    /// The session `session_id` with a Salesforce access token newer than `seen`, renewed once
    /// however many requests ask at the same time: here, one request refreshes while the others
    /// wait at the session's gate; across replicas sharing Redis, one claims the renewal and
    /// the others wait for the session it writes. A refusal that another renewal explains (the
    /// org rotates refresh tokens, and the token used was just replaced) does not end the
    /// session.
    async fn renew(&self, session_id: &str, seen: &str) -> Result<Session, Renewal> {
        let gate = self.renewing.get_with(session_id.to_owned(), || {
            Arc::new(tokio::sync::Mutex::new(()))
        });
        let _one_at_a_time = gate.lock().await;
        let name = format!("session/{session_id}");
        let read = || async {
            self.get_json::<Session>(&name)
                .await
                .map_err(|_| Renewal::Unavailable)?
                .ok_or(Renewal::Ended)
        };
        let mut session = read().await?;
        if session.sf_access != seen {
            return Ok(session);
        }
        let claim = format!("renewing/{session_id}");
        let mut waited = Duration::ZERO;
        while !self
            .vault
            .claim(&claim, RENEWAL_CLAIM_TTL)
            .await
            .map_err(|_| Renewal::Unavailable)?
        {
            if waited >= RENEWAL_CLAIM_TTL {
                return Err(Renewal::Unavailable);
            }
            tokio::time::sleep(RENEWAL_POLL).await;
            waited += RENEWAL_POLL;
            session = read().await?;
            if session.sf_access != seen {
                return Ok(session);
            }
        }
        let renewed = self.refresh_salesforce(session_id, &mut session).await;
        let _ = self.vault.remove(&claim).await;
        match renewed {
            Ok(()) => Ok(session),
            Err(Renewal::Ended) => match read().await {
                Ok(current) if current.sf_access != seen => Ok(current),
                _ => Err(Renewal::Ended),
            },
            Err(Renewal::Unavailable) => Err(Renewal::Unavailable),
        }
    }

    /// A new Salesforce access token for `session`, stored with it.
    async fn refresh_salesforce(
        &self,
        session_id: &str,
        session: &mut Session,
    ) -> Result<(), Renewal> {
        let Some(refresh) = session.sf_refresh.clone() else {
            return Err(Renewal::Ended);
        };
        let app = self.app.as_ref().map_err(|_| Renewal::Unavailable)?;
        match app.refresh(&refresh).await {
            Ok(issued) => {
                session.sf_access =
                    secrecy::ExposeSecret::expose_secret(&issued.access_token).to_owned();
                if let Some(new_refresh) = issued.refresh_token {
                    session.sf_refresh =
                        Some(secrecy::ExposeSecret::expose_secret(&new_refresh).to_owned());
                }
                session.sf_issued = self.now();
                self.put_json(
                    &format!("session/{session_id}"),
                    &*session,
                    self.settings.refresh_token_ttl,
                )
                .await
                .map_err(|_| Renewal::Unavailable)?;
                Ok(())
            }
            Err(SalesforceError::Auth { error, .. }) => {
                tracing::info!(%error, user_id = %session.user_id, "Salesforce refused to refresh a session");
                Err(Renewal::Ended)
            }
            Err(err) => {
                tracing::warn!(error = %err, "could not refresh a Salesforce session");
                Err(Renewal::Unavailable)
            }
        }
    }

    /// The caller a callbrief access token stands for, on a route accepting `audience`:
    /// the token's Salesforce session, refreshed when old, checked with Salesforce like any
    /// Salesforce token. A session Salesforce no longer honours ends here.
    pub async fn authenticate(
        &self,
        token: &str,
        audience: Audience,
        headers: &axum::http::HeaderMap,
    ) -> Result<Caller, ApiError> {
        let expired = || {
            ApiError::unauthorized(
                "the access token is invalid, expired or revoked; refresh it or sign in again",
            )
        };
        let unavailable = |_: OAuthError| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "session_store_unavailable",
                "the session store is unavailable; try again shortly",
            )
        };
        let grant: TokenGrant = self
            .get_json(&format!("access/{}", digest(token)))
            .await
            .map_err(unavailable)?
            .ok_or_else(expired)?;
        if grant.expires <= self.now() {
            return Err(expired());
        }
        let base = self.base(headers);
        if !audience.accepts(&base, &grant.resource) {
            return Err(ApiError::unauthorized(
                "the access token was issued for another resource",
            ));
        }
        let session_name = format!("session/{}", grant.session);
        let ended = || {
            ApiError::unauthorized(
                "the Salesforce session behind this token has ended; sign in again",
            )
        };
        let mut session: Session = self
            .get_json(&session_name)
            .await
            .map_err(unavailable)?
            .ok_or_else(ended)?;
        let age = self.now().saturating_sub(session.sf_issued);
        if age >= SALESFORCE_REFRESH_AFTER.as_secs() {
            match self.renew(&grant.session, &session.sf_access).await {
                Ok(renewed) => session = renewed,
                Err(Renewal::Ended) => {
                    self.end_session(&grant.session).await;
                    return Err(ended());
                }
                // The old token may still work; Salesforce says so below.
                Err(Renewal::Unavailable) => {}
            }
        }
        match self
            .service
            .authenticate_salesforce_token(&session.sf_access)
            .await
        {
            Ok(caller) => Ok(caller),
            Err(ServiceError::Unauthorized { .. }) => {
                match self.renew(&grant.session, &session.sf_access).await {
                    Ok(renewed) => self
                        .service
                        .authenticate_salesforce_token(&renewed.sf_access)
                        .await
                        .map_err(ApiError::from),
                    Err(Renewal::Ended) => {
                        self.end_session(&grant.session).await;
                        Err(ended())
                    }
                    Err(Renewal::Unavailable) => Err(ApiError::new(
                        axum::http::StatusCode::BAD_GATEWAY,
                        "upstream_error",
                        "Salesforce could not renew the session; try again",
                    )),
                }
            }
            Err(other) => Err(ApiError::from(other)),
        }
    }
}

/// Sweeps `vault`'s expired records every [`VAULT_SWEEP_EVERY`], starting now, for as long as
/// the vault is in use (nothing to do outside a runtime: a host that builds the router without
/// one sweeps at its next start).
fn spawn_sweeper(vault: &Arc<Vault>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let vault = Arc::downgrade(vault);
    runtime.spawn(async move {
        let mut every = tokio::time::interval(VAULT_SWEEP_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let Some(vault) = vault.upgrade() else { break };
            match vault.sweep().await {
                Ok(0) => {}
                Ok(swept) => tracing::debug!(swept, "swept expired sign-in records"),
                Err(error) => tracing::warn!(%error, "could not sweep expired sign-in records"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_follows_rfc_7636_appendix_b() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXj",
            challenge
        ));
        assert!(!pkce_matches("short", challenge));
        assert!(!pkce_matches("", challenge));
    }

    #[test]
    fn only_this_servers_resources_are_accepted() {
        let base = "https://cb.example.com";
        assert_eq!(known_resource(base, None).as_deref(), Some(base));
        assert_eq!(
            known_resource(base, Some("https://cb.example.com/mcp")).as_deref(),
            Some("https://cb.example.com/mcp")
        );
        assert_eq!(
            known_resource(base, Some("https://cb.example.com/")).as_deref(),
            Some(base)
        );
        assert_eq!(
            known_resource(base, Some("https://other.example/mcp")),
            None
        );
        assert!(Audience::Mcp.accepts(base, "https://cb.example.com/mcp"));
        assert!(!Audience::Api.accepts(base, "https://cb.example.com/mcp"));
        assert!(Audience::Api.accepts(base, base));
    }

    #[test]
    fn tokens_are_random_and_stored_by_digest() {
        let a = random_token("cba_");
        assert!(a.starts_with("cba_") && a.len() == 68);
        assert_ne!(a, random_token("cba_"));
        assert_eq!(digest(&a).len(), 64);
        assert!(!digest(&a).contains(&a[4..]));
    }
}
