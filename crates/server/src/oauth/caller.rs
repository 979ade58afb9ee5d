//! Who a REST request acts for, as a [`Caller`] in the request's extensions, and how the
//! service's errors become HTTP answers.
//!
//! In API-key mode ([`crate::auth::require_api_key`] checks the key) every request acts as the
//! service account. In Salesforce mode the bearer token is the person's Salesforce access
//! token — what ChatGPT sends for an action set up with Salesforce OAuth — checked through the
//! service (Salesforce's userinfo, cached briefly), and every Salesforce query runs as them.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use service::{Caller, Service};

use super::limits::SignInLimit;
use super::paths::{resource_metadata_url, PublicBase};
use super::server::{Audience, AuthServer};
use crate::error::ApiError;

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

#[cfg(test)]
mod tests {
    use super::*;

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
