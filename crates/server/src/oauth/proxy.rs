//! Salesforce's OAuth endpoints on callbrief's own domain: `GET /oauth/authorize` and
//! `POST /oauth/token`.
//!
//! ChatGPT requires an action's OAuth authorization and token URLs to share the API's domain,
//! so a GPT that signs people in with Salesforce is pointed here. The authorize route sends the
//! browser on to Salesforce with every parameter kept (`state` included); the token route hands
//! the form to Salesforce and returns its answer unchanged. callbrief never sees a password and
//! keeps no token: the access token goes straight back to ChatGPT.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use salesforce::oauth_proxy::TokenProxy;
use url::Url;

use crate::error::ApiError;

use super::paths::{AUTHORIZE_PATH, TOKEN_PATH};

/// Where the routes send people and token requests.
struct OAuthState {
    /// `{login}/services/oauth2/authorize`, or why there is none.
    authorize_url: Result<String, String>,
    /// The token forwarder, or why there is none.
    proxy: Result<TokenProxy, String>,
}

/// The two routes with their own state, for Salesforce's login host `login_url` (`None`: not
/// configured, and both routes answer 503 naming the setting).
pub fn router<S>(login_url: Option<&Url>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let missing = || {
        "Salesforce sign-in is not configured: set SALESFORCE_LOGIN_URL or SALESFORCE_INSTANCE_URL"
            .to_owned()
    };
    let state = Arc::new(OAuthState {
        authorize_url: login_url
            .map(|u| {
                format!(
                    "{}/services/oauth2/authorize",
                    u.as_str().trim_end_matches('/')
                )
            })
            .ok_or_else(missing),
        proxy: login_url
            .ok_or_else(missing)
            .and_then(|u| TokenProxy::new(u).map_err(|e| e.to_string())),
    });
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize))
        .route(TOKEN_PATH, post(token))
        .with_state(state)
}

fn not_configured(message: &str) -> Response {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_configured", message).into_response()
}

/// 302 to Salesforce's authorize page with the same query string.
async fn authorize(State(state): State<Arc<OAuthState>>, RawQuery(query): RawQuery) -> Response {
    let base = match &state.authorize_url {
        Ok(base) => base,
        Err(message) => return not_configured(message),
    };
    let location = match query.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => format!("{base}?{q}"),
        None => base.clone(),
    };
    match HeaderValue::from_str(&location) {
        Ok(value) => (StatusCode::FOUND, [(header::LOCATION, value)]).into_response(),
        Err(_) => ApiError::bad_request("invalid_query", "the query string cannot be forwarded")
            .into_response(),
    }
}

/// Forwards the token request; Salesforce's status, content type and body come back as is.
async fn token(State(state): State<Arc<OAuthState>>, headers: HeaderMap, body: Bytes) -> Response {
    let proxy = match &state.proxy {
        Ok(proxy) => proxy,
        Err(message) => return not_configured(message),
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    match proxy
        .forward_token_request(body.to_vec(), authorization)
        .await
    {
        Ok(answer) => {
            let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
            let content_type = answer
                .content_type
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok())
                .unwrap_or(HeaderValue::from_static("application/json"));
            let mut response = (status, answer.body).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, content_type);
            // Tokens must not be cached by anything in between (RFC 6749 §5.1).
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => {
            tracing::warn!(error = %err, "OAuth token request could not be forwarded");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "upstream_unreachable",
                "could not reach Salesforce's token endpoint; try again",
            )
            .into_response()
        }
    }
}
