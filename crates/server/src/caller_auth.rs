//! Who a REST request acts for, as a [`Caller`] in the request's extensions, and how the
//! service's errors become HTTP answers.
//!
//! In API-key mode ([`crate::auth::require_api_key`] checks the key) every request acts as the
//! service account. In Salesforce mode the bearer token is the person's Salesforce access
//! token — what ChatGPT sends for an action set up with Salesforce OAuth — checked through the
//! service (Salesforce's userinfo, cached briefly), and every Salesforce query runs as them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Path of callbrief's OAuth front for Salesforce's authorize endpoint: what a GPT action's
/// (and an MCP client's) authorization URL points at. Declared here, with the sign-in, so the
/// REST routes, the OpenAPI document and MCP discovery all read it from one place.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
/// Path of callbrief's OAuth front for Salesforce's token endpoint: what a GPT action's (and
/// an MCP client's) token URL points at.
pub const TOKEN_PATH: &str = "/oauth/token";

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use service::{Caller, Service, ServiceError};

use crate::error::ApiError;
use crate::mcp::discovery::{resource_metadata_url, PublicBase};
use crate::oauth_server::{Audience, AuthServer};

/// Middleware for API-key mode, behind the key check: the request acts as the service account.
pub async fn act_as_service_account(mut request: Request, next: Next) -> Response {
    request.extensions_mut().insert(Caller::ServiceAccount);
    next.run(request).await
}

/// What the Salesforce-mode check needs: the service that checks tokens and, on routes OAuth
/// clients discover by themselves (MCP), where the protected-resource metadata is.
#[derive(Clone)]
pub struct SalesforceAuth {
    service: Arc<Service>,
    resource_metadata: Option<PublicBase>,
    sign_ins: Arc<SignInLimit>,
    /// In `CALLBRIEF_OAUTH=server` mode: the authorization server whose tokens are presented,
    /// and which of its audiences this route accepts.
    oauth_server: Option<(Arc<AuthServer>, Audience)>,
}

/// The window [`SignInLimit`] counts refused sign-ins in.
const SIGN_IN_WINDOW: Duration = Duration::from_secs(60);
/// Most client addresses tracked at once; past it the oldest windows are forgotten.
const MAX_TRACKED_ADDRESSES: usize = 10_000;

/// Refused sign-ins per client address (every request with an unaccepted token counts, also
/// one refused from the service's memory): past the limit in a minute, that address's new tokens
/// are answered 429 without a Salesforce call, so a script trying tokens cannot spend the org's
/// API quota. Tokens already accepted (cached) still pass. Behind a proxy the address is the
/// one its forwarding headers name when it is one of `CALLBRIEF_TRUSTED_PROXIES`
/// ([`crate::client_addr`]); otherwise every client shares the proxy's address.
#[derive(Debug)]
pub struct SignInLimit {
    limit: u32,
    windows: Mutex<HashMap<IpAddr, (tokio::time::Instant, u32)>>,
}

impl SignInLimit {
    /// At most `limit` refusals per address a minute; 0 turns the limit off.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            windows: Mutex::new(HashMap::new()),
        }
    }

    fn windows(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (tokio::time::Instant, u32)>> {
        // Counters are plain numbers: a panic elsewhere cannot leave one inconsistent.
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// How long `ip` must wait, when it has used up its refusals in the current window.
    pub fn wait_for(&self, ip: IpAddr) -> Option<Duration> {
        if self.limit == 0 {
            return None;
        }
        let now = tokio::time::Instant::now();
        let windows = self.windows();
        let (start, count) = windows.get(&ip)?;
        let elapsed = now.saturating_duration_since(*start);
        (elapsed < SIGN_IN_WINDOW && *count >= self.limit).then(|| SIGN_IN_WINDOW - elapsed)
    }

    /// Counts one refused sign-in from `ip`.
    pub fn refused(&self, ip: IpAddr) {
        if self.limit == 0 {
            return;
        }
        let now = tokio::time::Instant::now();
        let mut windows = self.windows();
        if windows.len() >= MAX_TRACKED_ADDRESSES && !windows.contains_key(&ip) {
            windows.retain(|_, (start, _)| now.saturating_duration_since(*start) < SIGN_IN_WINDOW);
            if windows.len() >= MAX_TRACKED_ADDRESSES {
                windows.clear();
            }
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.saturating_duration_since(entry.0) >= SIGN_IN_WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }
}

impl SalesforceAuth {
    /// The check for REST routes: a `401` says `WWW-Authenticate: Bearer` (ChatGPT actions know
    /// their OAuth settings from the GPT builder).
    pub fn new(service: Arc<Service>) -> Self {
        Self {
            service,
            resource_metadata: None,
            sign_ins: Arc::new(SignInLimit::new(0)),
            oauth_server: None,
        }
    }

    /// The check for callbrief's own access tokens (`CALLBRIEF_OAUTH=server`): each resolves to
    /// the person's stored Salesforce session, on a route accepting `audience`.
    pub fn with_oauth_server(self, server: Arc<AuthServer>, audience: Audience) -> Self {
        Self {
            oauth_server: Some((server, audience)),
            ..self
        }
    }

    /// The same check with at most `limit` refused sign-ins per client address a minute
    /// (`CALLBRIEF_MAX_FAILED_SIGN_INS`), counted across every route that shares it.
    pub fn with_sign_in_limit(self, limit: u32) -> Self {
        Self {
            sign_ins: Arc::new(SignInLimit::new(limit)),
            ..self
        }
    }

    /// The check for `/mcp`: a `401` also names the resource's metadata,
    /// `Bearer resource_metadata="<base>/.well-known/oauth-protected-resource/mcp"`, which MCP
    /// clients follow to find the sign-in (MCP authorization, 2025-06-18). `base` is the one
    /// the discovery routes answer with.
    pub fn with_resource_metadata(self, base: PublicBase) -> Self {
        Self {
            resource_metadata: Some(base),
            ..self
        }
    }

    /// The answer to a request that is not let through, with the challenge this route's
    /// clients need.
    fn reject(&self, err: ApiError, headers: &HeaderMap) -> Response {
        match &self.resource_metadata {
            Some(base) => err
                .with_resource_metadata(&resource_metadata_url(&base.for_request(headers)))
                .into_response(),
            None => err.into_response(),
        }
    }
}

/// Middleware for Salesforce mode: checks the bearer token with Salesforce and stores the
/// person as the request's [`Caller`], or answers 401 with a `WWW-Authenticate` challenge
/// ([`SalesforceAuth`] decides which).
pub async fn require_salesforce_user(
    State(auth): State<Arc<SalesforceAuth>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = crate::client_addr::ClientAddr::of(&request);
    let checked = match bearer_token(request.headers()).map(str::to_owned) {
        None => Err(ApiError::unauthorized(
            "missing Salesforce access token: sign in with Salesforce and send \
             Authorization: Bearer <access token>",
        )),
        Some(token) => {
            // callbrief's own tokens are checked in its store, at no Salesforce cost: the
            // limit guards Salesforce's quota against unknown Salesforce tokens only.
            let wait = peer
                .filter(|_| auth.oauth_server.is_none())
                .filter(|_| !auth.service.knows_salesforce_token(&token))
                .and_then(|ip| auth.sign_ins.wait_for(ip));
            if let Some(wait) = wait {
                tracing::warn!("sign-in refused: too many unaccepted tokens from one address");
                let mut err = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_failed_sign_ins",
                    "too many unaccepted Salesforce tokens from this address; sign in again \
                     and retry after the Retry-After seconds",
                );
                err.retry_after = Some(wait);
                return err.into_response();
            }
            let checked = match &auth.oauth_server {
                Some((server, audience)) => {
                    server
                        .authenticate(&token, *audience, request.headers())
                        .await
                }
                None => auth
                    .service
                    .authenticate_salesforce_token(&token)
                    .await
                    .map_err(ApiError::from),
            };
            checked.inspect_err(|err| {
                if err.status == StatusCode::UNAUTHORIZED {
                    tracing::info!("rejected a request with an unaccepted token");
                    if let Some(ip) = peer {
                        auth.sign_ins.refused(ip);
                    }
                }
            })
        }
    };
    match checked {
        Ok(caller) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(err) => auth.reject(err, request.headers()),
    }
}

/// The token of `Authorization: Bearer <token>`, when there is one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl From<ServiceError> for ApiError {
    /// 400 names the parameter, 404 for accounts the caller cannot see, 401 only when the
    /// caller's token is at fault, and the gateway statuses when Gong or Salesforce failed.
    fn from(err: ServiceError) -> Self {
        match err {
            ServiceError::Validation { field, message } => ApiError::bad_request(
                "invalid_parameter",
                format!("{field}: {message}"),
            ),
            ServiceError::TooMany { field, message } => ApiError::bad_request(
                "invalid_parameter",
                format!("{field}: {message}"),
            ),
            ServiceError::NotFound { message } => {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
            }
            ServiceError::Gong(err) => ApiError::from(err),
            ServiceError::Unauthorized { message } => ApiError::unauthorized(message),
            ServiceError::NotConfigured { message } => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_configured", message)
            }
            ServiceError::RateLimited {
                service,
                retry_after,
            } => ApiError {
                retry_after: Some(retry_after.unwrap_or(Duration::from_secs(1))),
                ..ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "upstream_rate_limited",
                    format!("{service}'s rate limit or API quota is exhausted; retry after the Retry-After seconds"),
                )
            },
            ServiceError::DeadlineExceeded { service, .. } => ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                format!("{service} did not answer in time; try again, or ask for fewer calls"),
            ),
            ServiceError::Upstream { service, message } => {
                tracing::warn!(%service, error = %message, "upstream failure");
                ApiError::new(
                    StatusCode::BAD_GATEWAY,
                    "upstream_error",
                    format!("{service} failed: {message}"),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use service::Upstream;

    #[test]
    fn service_errors_map_to_statuses_an_assistant_can_act_on() {
        let cases = [
            (
                ServiceError::validation("name", "too short"),
                400,
                "invalid_parameter",
            ),
            (
                ServiceError::NotFound {
                    message: "x".into(),
                },
                404,
                "not_found",
            ),
            (
                ServiceError::Unauthorized {
                    message: "x".into(),
                },
                401,
                "unauthorized",
            ),
            (
                ServiceError::RateLimited {
                    service: Upstream::Salesforce,
                    retry_after: None,
                },
                503,
                "upstream_rate_limited",
            ),
            (
                ServiceError::DeadlineExceeded {
                    service: Upstream::Gong,
                    limit: None,
                },
                504,
                "upstream_timeout",
            ),
            (
                ServiceError::Upstream {
                    service: Upstream::Salesforce,
                    message: "x".into(),
                },
                502,
                "upstream_error",
            ),
        ];
        for (err, status, code) in cases {
            let api = ApiError::from(err);
            assert_eq!(api.status.as_u16(), status, "{code}");
            assert_eq!(api.body.error, code);
        }
        let api = ApiError::from(ServiceError::validation("name", "too short"));
        assert_eq!(api.body.message, "name: too short");
    }

    #[test]
    fn bearer_tokens_are_read_case_insensitively() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert(header::AUTHORIZATION, "bearer  abc ".parse().unwrap());
        assert_eq!(bearer_token(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }
}
